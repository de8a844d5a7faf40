import { createResource, createSignal, For, Show } from "solid-js";
import type { AlbumSettingsForm, OutputFormat, RawPair } from "./bindings";
import { call, commands } from "./api";
import { useAiAccounts } from "./AltText";
import { dollars } from "./Generate";

/** Format, size, patterns with a live preview on the album's real photos, delete policy. */
export function AlbumSettings(props: { root: string }) {
  const [saved, { mutate }] = createResource(() => props.root, (root) => call(commands.albumSettings(root)));
  const [status, setStatus] = createSignal<string | null>(null);
  const [previewField, setPreviewField] = createSignal<keyof AlbumSettingsForm>("naming");
  const pattern = () => String(saved()?.[previewField()] ?? "");
  const [preview] = createResource(
    () => [props.root, pattern()] as const,
    ([root, p]) => call(commands.previewPattern(root, p)),
  );
  const edit = <K extends keyof AlbumSettingsForm>(key: K, value: AlbumSettingsForm[K]) => {
    const s = saved();
    if (s) mutate({ ...s, [key]: value });
    setStatus(null);
  };
  const save = async (e: SubmitEvent) => {
    e.preventDefault();
    try {
      await call(commands.setAlbumSettings(props.root, saved()!));
      setStatus("Saved. Photos whose result changes are pushed again.");
    } catch (err) {
      setStatus((err as Error).message);
    }
  };
  const [targets, { refetch: refetchTargets }] = createResource(() => props.root, (root) => call(commands.albumTargets(root)));
  const setTarget = async (site: string, mode: string) => {
    await call(commands.setAlbumTarget(props.root, { site, mode }));
    await refetchTargets();
  };
  const hasAi = useAiAccounts();
  // The price of one photo's description, shown before the setting is turned on.
  const [aiPrice] = createResource(
    () => (hasAi() ? props.root : null),
    (root) => call(commands.newPhotoAltEstimate(root)).catch(() => null),
  );
  const patternField = (key: "naming" | "title" | "alt" | "caption", label: string) => (
    <label>
      {label}
      <input class={`pattern-${key}`} value={String(saved()?.[key] ?? "")} onFocus={() => setPreviewField(key)}
        onInput={(e) => { setPreviewField(key); edit(key, e.currentTarget.value); }} />
    </label>
  );
  return (
    <Show when={saved()} fallback={<p class="muted">Loading…</p>}>
      {(s) => (
        <form class="card settings" onSubmit={save}>
          <div class="row">
            <label>
              Format
              <select value={s().format} onChange={(e) => edit("format", e.currentTarget.value as OutputFormat)}>
                <option value="webp">WebP</option>
                <option value="avif">AVIF (falls back to WebP where not accepted)</option>
                <option value="jpeg">JPEG</option>
                <option value="original">Original file</option>
              </select>
            </label>
            <label>
              Quality
              <input type="number" min="1" max="100" value={s().quality} onInput={(e) => edit("quality", Number(e.currentTarget.value))} />
            </label>
            <label>
              Longest edge (px)
              <input type="number" min="16" value={s().maxEdge} onInput={(e) => edit("maxEdge", Number(e.currentTarget.value))} />
            </label>
          </div>
          {patternField("naming", "File name")}
          {patternField("title", "Title")}
          {patternField("alt", "Alt text")}
          {patternField("caption", "Caption")}
          <small class="muted">
            {"Tokens: {filename} {album} {date} {year} {month} {sequence} {title} {caption} {camera} {width} {height}; {title|caption} takes the first with a value."}
          </small>
          <table class="preview" aria-label="Preview on this album's photos">
            <tbody>
              <For each={preview.latest ?? []}>
                {(p) => (
                  <tr>
                    <td>{p.path}</td>
                    <td>→ {p.result}</td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
          <fieldset class="targets">
            <legend>Sites</legend>
            <For each={targets() ?? []} fallback={<p class="muted">No site connected yet.</p>}>
              {(t) => (
                <label class="target">
                  <span>{t.site}</span>
                  <select value={t.mode} onChange={(e) => setTarget(t.site, e.currentTarget.value)} aria-label={`How ${t.site} gets this album`}>
                    <option value="auto">Auto: push changes as they happen</option>
                    <option value="manual">Manual: only when I press Sync now</option>
                    <option value="off">Off: not on this site</option>
                  </select>
                </label>
              )}
            </For>
          </fieldset>
          <Show when={hasAi()}>
            <fieldset class="ai-alt">
              <legend>Alt text by AI</legend>
              <label class="check">
                <input type="checkbox" class="ai-alt-new" checked={s().aiAlt} onChange={(e) => edit("aiAlt", e.currentTarget.checked)} />
                <span>
                  Write alt text for new photos before they go up
                  <Show when={aiPrice()}>
                    {(p) => <small class="muted"> (≈ {dollars(p().estimate)} a photo with {p().model}; photos with their own alt text are not sent)</small>}
                  </Show>
                </span>
              </label>
              <label>
                Language where the sites do not say theirs
                <input class="alt-language" placeholder="en_US" value={s().altLanguage} onInput={(e) => edit("altLanguage", e.currentTarget.value)} />
              </label>
            </fieldset>
          </Show>
          <label>
            When a photo is deleted from the folder
            <select class="delete-policy" value={s().deletePermanently ? "permanent" : s().deleteRemote ? "trash" : "keep"}
              onChange={(e) => {
                const v = e.currentTarget.value;
                edit("deleteRemote", v !== "keep");
                edit("deletePermanently", v === "permanent");
              }}>
              <option value="keep">Keep it on the sites</option>
              <option value="trash">Move it to each site's trash (sites without one keep it)</option>
              <option value="permanent">Delete it from the sites for good</option>
            </select>
          </label>
          <label>
            When a raw and a JPEG of the same name sit side by side (RAW+JPEG)
            <select class="raw-pair" value={s().rawPair} onChange={(e) => edit("rawPair", e.currentTarget.value as RawPair)}>
              <option value="jpeg">Publish the JPEG (the camera's own rendering)</option>
              <option value="raw">Publish the raw, developed by Folio</option>
            </select>
          </label>
          <div class="row">
            <button type="submit">Save settings</button>
            <Show when={status()}>{(m) => <span class="muted" role="status">{m()}</span>}</Show>
          </div>
        </form>
      )}
    </Show>
  );
}
