import { createMemo, createResource, createSignal, For, Match, Show, Switch } from "solid-js";
import type { AlbumRow, PhotoRow, SiteRow } from "./bindings";
import type { AlbumProgress } from "./progress";
import { countsLabel } from "./progress";
import { call, commands } from "./api";
import { PhotoGrid } from "./PhotoGrid";
import { PhotoPanel } from "./PhotoPanel";
import { AlbumSettings } from "./AlbumSettings";
import { filterPhotos, STATE_FILTERS, type StateFilter } from "./filter";

export function AlbumView(props: {
  album: AlbumRow;
  sites: SiteRow[];
  progress: AlbumProgress | undefined;
  live: Record<string, string>;
  /** Bumped by the app on engine events, so the grid refreshes its states. */
  version: number;
}) {
  const [tab, setTab] = createSignal<"photos" | "settings">("photos");
  const [filter, setFilter] = createSignal<StateFilter>("all");
  const [search, setSearch] = createSignal("");
  const [selected, setSelected] = createSignal<PhotoRow | null>(null);
  const [photos] = createResource(
    () => [props.album.root, props.version] as const,
    ([root]) => call(commands.albumPhotos(root)),
  );
  const shown = createMemo(() => filterPhotos(photos.latest ?? [], filter(), search(), props.live));

  return (
    <section class="page wide" aria-labelledby="album-title">
      <header class="page-head">
        <h1 id="album-title">{props.album.name}</h1>
        <div class="tabs" role="tablist">
          <button role="tab" aria-selected={tab() === "photos"} onClick={() => setTab("photos")}>Photos</button>
          <button role="tab" aria-selected={tab() === "settings"} onClick={() => setTab("settings")}>Settings</button>
        </div>
      </header>
      <p class="summary">
        {props.album.photos} photos · {countsLabel(props.album)} · to {siteModes(props.album, props.sites) || "no site yet"}
        <span class="path"> · {props.album.root}</span>
      </p>
      <Show when={props.progress?.activity}>{(a) => <p class="live" role="status">{a()}</p>}</Show>
      <Switch>
        <Match when={tab() === "photos"}>
          <div class="toolbar">
            <div class="chips" role="radiogroup" aria-label="Show">
              <For each={STATE_FILTERS}>
                {(f) => (
                  <button role="radio" aria-checked={filter() === f.value} classList={{ on: filter() === f.value }}
                    onClick={() => setFilter(f.value)}>{f.label}</button>
                )}
              </For>
            </div>
            <input type="search" placeholder="Search file names" aria-label="Search file names"
              value={search()} onInput={(e) => setSearch(e.currentTarget.value)} />
          </div>
          <div class="album-body">
            <Show when={shown().length > 0} fallback={<p class="muted empty-grid">{emptyText(photos.latest?.length ?? 0, search())}</p>}>
              <PhotoGrid photos={shown()} live={props.live} selected={selected()?.assetId ?? null} onSelect={setSelected} />
            </Show>
            <Show when={selected()}>
              {(p) => <PhotoPanel photo={p()} root={props.album.root} onClose={() => setSelected(null)} />}
            </Show>
          </div>
        </Match>
        <Match when={tab() === "settings"}>
          <AlbumSettings root={props.album.root} />
        </Match>
      </Switch>
    </section>
  );
}

function emptyText(total: number, search: string): string {
  if (total === 0) return "No photos in this folder yet. Export into it and they appear here.";
  return search ? `No file name contains “${search}”.` : "No photo is in this state.";
}

/** "Portfolio (keeps URLs)": each target site with what happens to a re-edited photo. */
function siteModes(album: AlbumRow, sites: SiteRow[]): string {
  return album.sites
    .map((name) => {
      const s = sites.find((x) => x.name === name);
      return s ? `${name} (${s.replaceInPlace ? "keeps URLs" : "new URL on change"})` : name;
    })
    .join(", ");
}
