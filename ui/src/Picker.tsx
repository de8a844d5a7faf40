// Picks a folder of a source account, one level at a time as the service lists it, to sync
// like any other album. The engine browses; this only shows.
import { createResource, createSignal, For, onMount, Show } from "solid-js";
import { call, commands, whileBusy } from "./api";
import type { BrowseRow } from "./bindings";

type Crumb = { name: string; path: string };

/** The crumbs of the folders opened in an account, named as they were listed (a Lightroom
 * album's path is its id, its name is what people know): the top is named after the account. */
export function crumbs(account: string, opened: Crumb[]): Crumb[] {
  return [{ name: account, path: "" }, ...opened];
}

/** "3 photos" inside a folder or album, "3 pages" of a design (an item with a count). */
export function countWords(kind: string, n: number): string {
  const unit = kind === "folder" ? "photo" : "page";
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}

/** The picture and count of an entry the service can show (a Canva design's thumbnail, a
 * Lightroom album's cover), asked for once the entry is listed; nothing for the others. */
function Cover(props: { account: string; entry: BrowseRow }) {
  const [shown] = createResource(
    () => (props.entry.preview ? props.entry.path : null),
    (p) => call(commands.browsePreview(props.account, p)),
  );
  const count = () => (shown.error ? null : shown()?.count) ?? props.entry.count;
  return (
    <>
      <span class="cover" aria-hidden="true">
        <Show when={!shown.error && shown()?.image} fallback={<span class="cover-none" />}>
          {(src) => <img src={src()} alt="" />}
        </Show>
      </span>
      <span class="cover-name">{props.entry.name}</span>
      <Show when={count() !== null && count() !== undefined}>
        <small class="muted count">{countWords(props.entry.kind, count()!)}</small>
      </Show>
    </>
  );
}

/** Where a service lists nothing to pick from (Figma lists no files for a token), what it said
 * and a place to paste the address of what to sync instead (a file or frame link). */
/** A service with nothing to list takes a pasted address; one whose albums Folio makes
 * (generated images) takes a new album's name. */
function PasteAddress(props: { message: string; adding: boolean; named: boolean; onAdd: (location: string) => void }) {
  const [address, setAddress] = createSignal("");
  return (
    <form
      class="paste-address"
      onSubmit={(e) => {
        e.preventDefault();
        if (address().trim()) props.onAdd(address().trim());
      }}
    >
      <p class="muted small">{props.message}</p>
      <label>
        {props.named ? "New album's name" : "Address"}
        <input name="address" type="text" placeholder={props.named ? "Spring banners" : "https://…"} value={address()}
          onInput={(e) => setAddress(e.currentTarget.value)} />
      </label>
      <button class="use-address" type="submit" disabled={props.adding || !address().trim()}>
        {props.adding ? "Adding…" : props.named ? "Create album" : "Sync it"}
      </button>
    </form>
  );
}

export function Picker(props: { account: string; onAlbumAdded: (name: string) => void; onClose: () => void }) {
  const [opened, setOpened] = createSignal<Crumb[]>([]);
  const path = () => opened().at(-1)?.path ?? "";
  const [entries] = createResource(path, (p) => call(commands.browse(props.account, p)));
  const folders = () => (entries() ?? []).filter((e) => e.kind === "folder");
  // Items the service can picture (Canva designs) are albums of their own, shown as tiles.
  const tiles = () => (entries() ?? []).filter((e) => e.kind !== "folder" && e.preview);
  const photos = () => (entries() ?? []).filter((e) => e.kind !== "folder" && !e.preview).length;
  const [adding, setAdding] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  // Whether the account's albums are made in Folio (then a new album is named, not picked).
  const [generating] = createResource(() => props.account, async (a) => {
    try {
      return (await call(commands.aiAccounts())).includes(a);
    } catch {
      return false;
    }
  });
  const here = () => crumbs(props.account, opened()).at(-1)!.name;

  // Opened from a card or the sidebar, it may start below the fold.
  let card!: HTMLElement;
  onMount(() => card.scrollIntoView?.({ block: "nearest" }));

  const add = (location = path()) =>
    whileBusy(setAdding, setError, async () =>
      props.onAlbumAdded(await call(commands.addAlbum(props.account, location))));
  // A pasted file opens, to pick one of its pages or frames (or Sync the whole file); anything
  // with nothing inside (a frame's address, a new album's name) is added as it is.
  const pasted = async (address: string) => {
    try {
      const inside = await call(commands.browse(props.account, address));
      if (inside.length > 0) {
        setOpened([{ name: "Pasted file", path: address }]);
        return;
      }
    } catch {
      // Nothing to open there: added as it is.
    }
    await add(address);
  };

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
      <Show when={!entries.error} fallback={<PasteAddress message={(entries.error as Error)?.message} adding={adding()} named={generating() === true} onAdd={pasted} />}>
        {/* A folder holding only designs shows them, not an empty list of folders. */}
        <Show when={folders().length > 0 || tiles().length === 0}>
          <ul class="folders" aria-busy={entries.loading}>
            <For each={folders()} fallback={<li class="muted">{entries.loading ? "Loading…" : "No folders inside."}</li>}>
              {(f) => (
                <li>
                  <button class="folder" classList={{ pictured: f.preview }} onClick={() => setOpened([...opened(), { name: f.name, path: f.path }])}>
                    <Show when={f.preview} fallback={<>
                      <span aria-hidden="true">📁</span> {f.name}
                      <Show when={f.count !== null}><small class="muted count"> {countWords(f.kind, f.count!)}</small></Show>
                    </>}>
                      <Cover account={props.account} entry={f} />
                    </Show>
                  </button>
                </li>
              )}
            </For>
          </ul>
        </Show>
        <Show when={tiles().length > 0}>
          <ul class="tiles" aria-label="Designs">
            <For each={tiles()}>
              {(t) => (
                <li class="tile">
                  <Cover account={props.account} entry={t} />
                  <button class="use-item" onClick={() => add(t.path)} disabled={adding()}>Sync</button>
                </li>
              )}
            </For>
          </ul>
        </Show>
        <Show when={!entries.loading && photos() > 0}>
          <p class="muted small photos-here">{photos() === 1 ? "1 photo" : `${photos()} photos`} in this folder</p>
        </Show>
      </Show>
      <div class="actions">
        <button class="use-folder" onClick={() => add()} disabled={adding() || path() === ""}>
          {adding() ? "Adding…" : path() === "" ? "Choose a folder to sync" : `Sync “${here()}”`}
        </button>
        <small class="muted">Its photos, and those in its subfolders, go to every connected site.</small>
      </div>
      <Show when={error()}>{(e) => <p class="error" role="alert">{e()}</p>}</Show>
    </article>
  );
}
