// The Generate form of a generated album: prompt, model (with its price per image), aspect and
// an optional reference picture. The button carries the estimate; pressing it is the yes, and
// nothing is spent before. The new image goes live on the album's sites and shows in the grid.
import { createEffect, createResource, createSignal, For, on, Show } from "solid-js";
import type { GenerateForm, ImageModelRow } from "./bindings";
import { call, commands } from "./api";
import "./ai.css";

/** OpenRouter's aspect ratios, as its image models take them. */
export const ASPECTS = ["1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9"];

/** USD for people: a tenth of a cent shows for small sums. */
export function dollars(usd: number): string {
  return usd < 0.1 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

/** `account:Album` → the account and the album's name. */
export function generatedAlbum(root: string): { account: string; album: string } {
  const at = root.indexOf(":");
  return { account: root.slice(0, at), album: root.slice(at + 1) };
}

export function Generate(props: { root: string; onDone: () => void }) {
  const target = () => generatedAlbum(props.root);
  const [models] = createResource(() => target().account, (a) => call(commands.imageModels(a)));
  const [prompt, setPrompt] = createSignal("");
  const [model, setModel] = createSignal("");
  const [aspect, setAspect] = createSignal("1:1");
  const [reference, setReference] = createSignal("");
  const [estimate, setEstimate] = createSignal<number | null>(null);
  const [busy, setBusy] = createSignal(false);
  const [said, setSaid] = createSignal<{ text: string; error: boolean } | null>(null);
  // The cheapest model until one is picked.
  createEffect(on(models, (list) => {
    if (list && list.length > 0 && !model()) setModel(list[0].id);
  }));
  const form = (): GenerateForm => ({
    ...target(), prompt: prompt(), model: model(), aspectRatio: aspect(), reference: reference() || null, again: null,
  });
  // The estimate follows the form (the prompt's length and a reference change it a little).
  createEffect(on([model, prompt, reference], async () => {
    if (!model()) return;
    try {
      setEstimate(await call(commands.generationEstimate(form())));
    } catch {
      setEstimate(null);
    }
  }));
  const generate = async (e: SubmitEvent) => {
    e.preventDefault();
    setBusy(true);
    setSaid(null);
    try {
      const g = await call(commands.generate(form()));
      const cost = g.cost === null ? "cost not reported" : `cost ${dollars(g.cost)}`;
      setSaid({ text: `Generated ${g.item.split("/").pop()} (${cost}): ${g.sites.join(", ") || "no site yet"}.`, error: false });
      setPrompt("");
      props.onDone();
    } catch (err) {
      setSaid({ text: (err as Error).message, error: true });
    } finally {
      setBusy(false);
    }
  };
  const price = (m: ImageModelRow) => `${m.name} — ${dollars(m.pricePerImage)} an image`;
  return (
    <form class="generate" aria-label="Generate an image" onSubmit={generate}>
      <label class="prompt">Prompt
        <textarea name="prompt" rows="2" placeholder="What the image should show" value={prompt()}
          onInput={(e) => setPrompt(e.currentTarget.value)} />
      </label>
      <div class="row">
        <label>Model
          <select name="model" value={model()} onChange={(e) => setModel(e.currentTarget.value)}>
            <For each={models() ?? []}>{(m) => <option value={m.id}>{price(m)}</option>}</For>
          </select>
        </label>
        <label>Aspect
          <select name="aspect" value={aspect()} onChange={(e) => setAspect(e.currentTarget.value)}>
            <For each={ASPECTS}>{(a) => <option value={a}>{a}</option>}</For>
          </select>
        </label>
        <label>Reference (optional)
          <input name="reference" placeholder="A photo's path, or a site's image address" value={reference()}
            onInput={(e) => setReference(e.currentTarget.value)} />
        </label>
      </div>
      <Show when={models.error}>{(e) => <p class="error" role="alert">{(e() as Error).message}</p>}</Show>
      <div class="row">
        <button type="submit" disabled={busy() || !prompt().trim() || !model()}>
          {busy() ? "Generating…" : `Generate${estimate() === null ? "" : ` (≈ ${dollars(estimate()!)})`}`}
        </button>
        <small class="muted">Nothing is spent until you press Generate.</small>
      </div>
      <Show when={said()}>{(s) => <p class={s().error ? "error" : "note"} role={s().error ? "alert" : "status"}>{s().text}</p>}</Show>
    </form>
  );
}

/** "Generate again" on a generated photo's panel: its last prompt and model, a new version in place. */
export function GenerateAgain(props: { item: string; onDone: () => void }) {
  const [form] = createResource(() => props.item, (item) => call(commands.regeneration(item)));
  const [estimate] = createResource(form, (f) => call(commands.generationEstimate(f)));
  const [busy, setBusy] = createSignal(false);
  const [said, setSaid] = createSignal<{ text: string; error: boolean } | null>(null);
  const again = async () => {
    const f = form();
    if (!f) return;
    setBusy(true);
    setSaid(null);
    try {
      const g = await call(commands.generate(f));
      setSaid({ text: `Version ${g.version} is live: ${g.sites.join(", ")}.`, error: false });
      props.onDone();
    } catch (err) {
      setSaid({ text: (err as Error).message, error: true });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Show when={form()}>
      {(f) => (
        <section class="generated" aria-label="Generated image">
          <h3>Generated</h3>
          <p class="prompt-text">“{f().prompt}”</p>
          <small class="muted">{f().model}{f().aspectRatio ? ` · ${f().aspectRatio}` : ""}</small>
          <button class="secondary" disabled={busy()} onClick={again}>
            {busy() ? "Generating…" : `Generate again${estimate() === undefined ? "" : ` (≈ ${dollars(estimate()!)})`}`}
          </button>
          <Show when={said()}>{(s) => <p class={s().error ? "error" : "note"} role={s().error ? "alert" : "status"}>{s().text}</p>}</Show>
        </section>
      )}
    </Show>
  );
}
