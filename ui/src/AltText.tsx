// Alt text suggested by a vision model of the OpenRouter account, for the photos the person
// picks and no others. The button carries the estimate; suggestions are shown to accept (as
// they are or edited) or discard, and only an accepted one becomes the photo's alt text, on its
// sites at once.
import { createResource, createSignal, For, Show } from "solid-js";
import type { AltSuggestionRow } from "./bindings";
import { call, commands } from "./api";
import { dollars } from "./Generate";

/** Whether an account that writes alt text is connected (the buttons show only then). */
export function useAiAccounts() {
  const [accounts] = createResource(() => call(commands.aiAccounts()).catch(() => [] as string[]));
  return () => (accounts() ?? []).length > 0;
}

/** "Suggest alt text" for `assets`, then the suggestions to accept or discard. */
export function SuggestAlt(props: { assets: number[]; label: string; onAccepted: () => void }) {
  const [estimate] = createResource(
    () => props.assets.slice(),
    (ids) => (ids.length ? call(commands.altEstimate(ids)) : Promise.resolve(null)),
  );
  const [suggestions, setSuggestions] = createSignal<AltSuggestionRow[]>([]);
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const suggest = async () => {
    setBusy(true);
    setError(null);
    try {
      setSuggestions(await call(commands.suggestAlt(props.assets)));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const drop = (id: number) => setSuggestions(suggestions().filter((s) => s.assetId !== id));
  const accept = async (id: number, alt: string) => {
    try {
      await call(commands.acceptAlt(id, alt));
      drop(id);
      props.onAccepted();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const cost = () => {
    const e = estimate();
    return e ? ` (≈ ${dollars(e.estimate)})` : "";
  };
  return (
    <div class="suggest-alt">
      <button type="button" class="secondary" disabled={busy() || props.assets.length === 0} onClick={suggest}
        title={estimate() ? `At most ${dollars(estimate()!.estimate)} with ${estimate()!.model}` : undefined}>
        {busy() ? "Asking the model…" : `${props.label}${cost()}`}
      </button>
      <Show when={estimate.error}>{(e) => <p class="error" role="alert">{(e() as Error).message}</p>}</Show>
      <Show when={error()}>{(e) => <p class="error" role="alert">{e()}</p>}</Show>
      <Show when={suggestions().length > 1}>
        <button type="button" class="secondary"
          onClick={async () => {
            for (const s of suggestions().filter((s) => !s.error)) await accept(s.assetId, s.alt);
          }}>Accept all</button>
      </Show>
      <ul class="suggestions">
        <For each={suggestions()}>{(s) => <Suggestion row={s} onAccept={(alt) => accept(s.assetId, alt)} onDiscard={() => drop(s.assetId)} />}</For>
      </ul>
    </div>
  );
}

function Suggestion(props: { row: AltSuggestionRow; onAccept: (alt: string) => void; onDiscard: () => void }) {
  const [text, setText] = createSignal(props.row.alt);
  return (
    <li aria-label={`Suggested alt text for ${props.row.path}`}>
      <Show when={!props.row.error} fallback={<p class="error">{props.row.path}: {props.row.error}</p>}>
        <label>{props.row.path} <small class="muted">({props.row.language}{props.row.cost === null ? "" : `, ${dollars(props.row.cost)}`})</small>
          <input name="suggested-alt" value={text()} onInput={(e) => setText(e.currentTarget.value)} />
        </label>
        <Show when={props.row.title}>{(t) => <small class="muted">Title: {t()}</small>}</Show>
        <div class="row">
          <button type="button" onClick={() => props.onAccept(text())}>Accept</button>
          <button type="button" class="secondary" onClick={props.onDiscard}>Discard</button>
        </div>
      </Show>
    </li>
  );
}
