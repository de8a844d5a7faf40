import { createResource, createSignal, For, Show } from "solid-js";
import type { PhotoRow } from "./bindings";
import { call, commands } from "./api";
import { thumbSrc } from "./PhotoGrid";
import { Versions } from "./Versions";
import { SuggestAlt, useAiAccounts } from "./AltText";
import { GenerateAgain } from "./Generate";

/** The detail panel: metadata from the file, the text that will be sent, where it went. */
export function PhotoPanel(props: {
  photo: PhotoRow; root: string; version: number; generated: boolean; onClose: () => void; onChanged: () => void;
}) {
  const ai = useAiAccounts();
  const [detail, { refetch }] = createResource(() => props.photo.assetId, (id) => call(commands.photoDetail(id)));
  const [saving, setSaving] = createSignal<string | null>(null);
  let form!: HTMLFormElement;
  // An emptied field goes back to the album's pattern.
  const own = (name: string) => {
    const v = String(new FormData(form).get(name) ?? "").trim();
    return v === "" ? null : v;
  };
  const saveTexts = async (e: SubmitEvent) => {
    e.preventDefault();
    const d = detail();
    if (!d) return;
    // Only what was changed becomes the photo's own text.
    const pick = (name: string, sent: string, isOwn: boolean) => {
      const v = own(name);
      return v === null ? null : v === sent && !isOwn ? null : v;
    };
    setSaving("Saving…");
    try {
      await call(commands.setPhotoTexts(props.photo.assetId,
        pick("title", d.sentTitle, d.ownTitle), pick("alt", d.sentAlt, d.ownAlt), pick("caption", d.sentCaption, d.ownCaption)));
      setSaving("Saved, and sent to the sites that have this photo.");
      await refetch();
    } catch (err) {
      setSaving((err as Error).message);
    }
  };
  const retry = async () => {
    await call(commands.retryAlbum(props.root));
  };
  return (
    <aside class="panel" aria-label={`Details of ${props.photo.path}`}>
      <header>
        <h2>{props.photo.path}</h2>
        <button class="link" onClick={props.onClose} aria-label="Close details">✕</button>
      </header>
      <img class="panel-thumb" src={thumbSrc("source", props.photo.assetId, props.photo.stamp)} alt="" />
      <Show when={props.photo.error}>
        {(e) => (
          <p class="error" role="alert">
            {e()} <button class="secondary" onClick={retry}>Retry</button>
          </p>
        )}
      </Show>
      <Show when={detail()} fallback={<p class="muted">Reading the file…</p>}>
        {(d) => (
          <>
            <h3>Sent to the sites</h3>
            <dl>
              <dt>File name</dt><dd>{d().sentFilename}</dd>
              <dt>Size</dt><dd>{d().width} × {d().height}</dd>
            </dl>
            <form class="texts" ref={form} onSubmit={saveTexts}>
              <label>Title {d().ownTitle ? "(this photo's own)" : ""}<input name="title" value={d().sentTitle} /></label>
              <label>Alt text {d().ownAlt ? "(this photo's own)" : ""}<input name="alt" value={d().sentAlt} /></label>
              <label>Caption {d().ownCaption ? "(this photo's own)" : ""}<input name="caption" value={d().sentCaption} /></label>
              <button type="submit" class="secondary">Save text</button>
              <Show when={saving()}>{(m) => <small role="status">{m()}</small>}</Show>
            </form>
            <Show when={ai()}>
              <SuggestAlt assets={[props.photo.assetId]} label="Suggest alt text" onAccepted={() => refetch()} />
            </Show>
            <Show when={props.generated}>
              <GenerateAgain item={`${props.root}/${props.photo.path}`} onDone={props.onChanged} />
            </Show>
            <h3>From the file</h3>
            <dl>
              <dt>Title</dt><dd>{d().title ?? "—"}</dd>
              <dt>Caption</dt><dd>{d().caption ?? "—"}</dd>
              <dt>Keywords</dt><dd>{d().keywords.join(", ") || "—"}</dd>
              <dt>Taken</dt><dd>{d().capturedAt?.replace("T", " ") ?? "—"}</dd>
              <dt>Camera</dt><dd>{[d().camera, d().lens].filter(Boolean).join(", ") || "—"}</dd>
              <dt>Credit</dt><dd>{[d().creator, d().copyright].filter(Boolean).join(" · ") || "—"}</dd>
            </dl>
            <h3>Where it is</h3>
            <ul class="copies">
              <For each={d().copies} fallback={<li class="muted">The album has no site yet.</li>}>
                {(c) => (
                  <li>
                    <span class={`badge-state ${c.state}`}>{c.state}</span> {c.site}
                    <Show when={c.url} fallback={<p class="muted">Not there yet.</p>}>
                      {(u) => (
                        <p>
                          <button class="link url" title="Open in browser" onClick={() => call(commands.openInBrowser(u()))}>{u()}</button>
                        </p>
                      )}
                    </Show>
                    <small class="muted">{c.reEdits.charAt(0).toUpperCase() + c.reEdits.slice(1)}.</small>
                  </li>
                )}
              </For>
            </ul>
            <h3>On the sites</h3>
            <ul class="history">
              <For each={[...d().history].reverse()} fallback={<li class="muted">Not pushed yet.</li>}>
                {(h) => (
                  <li>
                    <span class={`badge-state ${h.state}`}>{h.state}</span> {h.site}
                    <time> {new Date(h.at + (h.at.endsWith("Z") ? "" : "Z")).toLocaleString()}</time>
                    <Show when={h.url}>
                      {(u) => <button class="link" onClick={() => call(commands.openInBrowser(u()))}>Open in browser</button>}
                    </Show>
                    <Show when={h.error}>{(e) => <p class="error">{e()}</p>}</Show>
                  </li>
                )}
              </For>
            </ul>
            <Versions assetId={props.photo.assetId} version={props.version} />
          </>
        )}
      </Show>
    </aside>
  );
}
