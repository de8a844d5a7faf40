// Picks a folder of a source account, one level at a time as the service lists it, to sync
// like any other album. The engine browses; this only shows.
import { createResource, createSignal, For, onMount, Show } from "solid-js";
import { call, commands, whileBusy } from "./api";

type Crumb = { name: string; path: string };

/** The crumbs of the folders opened in an account, named as they were listed (a Lightroom
 * album's path is its id, its name is what people know): the top is named after the account. */
export function crumbs(account: string, opened: Crumb[]): Crumb[] {
  return [{ name: account, path: "" }, ...opened];
}

export function Picker(props: { account: string; onAlbumAdded: (name: string) => void; onClose: () => void }) {
  const [opened, setOpened] = createSignal<Crumb[]>([]);
  const path = () => opened().at(-1)?.path ?? "";
  const [entries] = createResource(path, (p) => call(commands.browse(props.account, p)));
  const folders = () => (entries() ?? []).filter((e) => e.kind === "folder");
  const photos = () => (entries() ?? []).filter((e) => e.kind !== "folder").length;
  const [adding, setAdding] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const here = () => crumbs(props.account, opened()).at(-1)!.name;

  // Opened from a card or the sidebar, it may start below the fold.
  let card!: HTMLElement;
  onMount(() => card.scrollIntoView?.({ block: "nearest" }));

  const add = () =>
    whileBusy(setAdding, setError, async () =>
      props.onAlbumAdded(await call(commands.addAlbum(props.account, path()))));

  return (
    <article class="card folder-picker" ref={card} aria-labelledby="picker-title">
      <header>
        <h2 id="picker-title">Add an album from {props.account}</h2>
        <button class="link close" aria-label="Close" onClick={() => props.onClose()}>✕</button>
      </header>
      <nav class="crumbs" aria-label="Folder">
        <For each={crumbs(props.account, opened())}>
          {(c, i) => (
            <>
              <Show when={i() > 0}><span aria-hidden="true">›</span></Show>
              <button class="link" onClick={() => setOpened(opened().slice(0, i()))} disabled={c.path === path()}>{c.name}</button>
            </>
          )}
        </For>
      </nav>
      <Show when={!entries.error} fallback={<p class="error" role="alert">{(entries.error as Error)?.message}</p>}>
        <ul class="folders" aria-busy={entries.loading}>
          <For each={folders()} fallback={<li class="muted">{entries.loading ? "Loading…" : "No folders inside."}</li>}>
            {(f) => (
              <li>
                <button class="folder" onClick={() => setOpened([...opened(), { name: f.name, path: f.path }])}>
                  <span aria-hidden="true">📁</span> {f.name}
                </button>
              </li>
            )}
          </For>
        </ul>
        <Show when={!entries.loading && photos() > 0}>
          <p class="muted small photos-here">{photos() === 1 ? "1 photo" : `${photos()} photos`} in this folder</p>
        </Show>
      </Show>
      <div class="actions">
        <button class="use-folder" onClick={add} disabled={adding() || path() === ""}>
          {adding() ? "Adding…" : path() === "" ? "Choose a folder to sync" : `Sync “${here()}”`}
        </button>
        <small class="muted">Its photos, and those in its subfolders, go to every connected site.</small>
      </div>
      <Show when={error()}>{(e) => <p class="error" role="alert">{e()}</p>}</Show>
    </article>
  );
}
