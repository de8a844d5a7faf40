import { createResource, createSignal, For, Show } from "solid-js";
import type { AlbumRow } from "./bindings";
import type { AlbumProgress } from "./progress";
import { countsLabel } from "./progress";
import { call, commands } from "./api";

// The photo grid with side-by-side thumbnails comes next; this view shows the album's state,
// its failures and the naming preview on its real photos.
export function AlbumView(props: { album: AlbumRow; progress: AlbumProgress | undefined }) {
  const [pattern, setPattern] = createSignal("{filename}");
  const [preview] = createResource(
    () => [props.album.root, pattern()] as const,
    ([root, p]) => call(commands.previewPattern(root, p)),
  );
  return (
    <section class="page" aria-labelledby="album-title">
      <header class="page-head">
        <h1 id="album-title">{props.album.name}</h1>
        <span class="muted">{props.album.root}</span>
      </header>
      <p class="summary">
        {props.album.photos} photos · {countsLabel(props.album)} · to {props.album.sites.join(", ") || "no site yet"}
      </p>
      <Show when={props.progress?.activity}>{(a) => <p class="live" role="status">{a()}</p>}</Show>
      <Show when={props.album.failed.length > 0}>
        <h2>Needs attention</h2>
        <ul class="failures">
          <For each={props.album.failed}>
            {(f) => (
              <li>
                <strong>{f.path}</strong> {f.error}
              </li>
            )}
          </For>
        </ul>
      </Show>
      <h2>File names on the site</h2>
      <label class="pattern">
        Naming pattern
        <input value={pattern()} onInput={(e) => setPattern(e.currentTarget.value)} aria-describedby="pattern-help" />
        <small id="pattern-help">{"{filename} {album} {date} {year} {month} {sequence} {title} {camera} {width} {height}"}</small>
      </label>
      <table class="preview" aria-label="Naming preview">
        <tbody>
          <For each={preview() ?? []}>
            {(p) => (
              <tr>
                <td>{p.path}</td>
                <td>→ {p.result}</td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
    </section>
  );
}
