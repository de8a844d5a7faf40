import { createResource, For, Show } from "solid-js";
import type { PhotoRow } from "./bindings";
import { call, commands } from "./api";
import { thumbSrc } from "./PhotoGrid";

/** The detail panel: metadata from the file, the text that will be sent, where it went. */
export function PhotoPanel(props: { photo: PhotoRow; root: string; onClose: () => void }) {
  const [detail] = createResource(() => props.photo.assetId, (id) => call(commands.photoDetail(id)));
  const retry = async () => {
    await call(commands.retryAlbum(props.root));
  };
  return (
    <aside class="panel" aria-label={`Details of ${props.photo.path}`}>
      <header>
        <h2>{props.photo.path}</h2>
        <button class="link" onClick={props.onClose} aria-label="Close details">✕</button>
      </header>
      <img class="panel-thumb" src={thumbSrc("source", props.photo.assetId)} alt="" />
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
              <dt>Title</dt><dd>{d().sentTitle || "—"}</dd>
              <dt>Alt text</dt><dd>{d().sentAlt || "—"}</dd>
              <dt>Caption</dt><dd>{d().sentCaption || "—"}</dd>
              <dt>Size</dt><dd>{d().width} × {d().height}</dd>
            </dl>
            <h3>From the file</h3>
            <dl>
              <dt>Title</dt><dd>{d().title ?? "—"}</dd>
              <dt>Caption</dt><dd>{d().caption ?? "—"}</dd>
              <dt>Keywords</dt><dd>{d().keywords.join(", ") || "—"}</dd>
              <dt>Taken</dt><dd>{d().capturedAt?.replace("T", " ") ?? "—"}</dd>
              <dt>Camera</dt><dd>{[d().camera, d().lens].filter(Boolean).join(", ") || "—"}</dd>
              <dt>Credit</dt><dd>{[d().creator, d().copyright].filter(Boolean).join(" · ") || "—"}</dd>
            </dl>
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
          </>
        )}
      </Show>
    </aside>
  );
}
