import { createMemo, createResource, createSignal, For, Match, Show, Switch } from "solid-js";
import type { AlbumRow, PhotoRow, Progress, SiteRow, Work } from "./bindings";
import { activityLine, countsLabel, sitesLine, stateWords } from "./progress";
import { call, commands } from "./api";
import { PhotoGrid } from "./PhotoGrid";
import { PhotoPanel } from "./PhotoPanel";
import { AlbumSettings } from "./AlbumSettings";
import { filterPhotos, STATE_FILTERS, type StateFilter } from "./filter";
import { Generate } from "./Generate";
import { SuggestAlt, useAiAccounts } from "./AltText";

/** Rows asked for before the whole album: more than a screen of thumbnails. */
const FIRST_SCREEN = 200;

export function AlbumView(props: {
  album: AlbumRow;
  sites: SiteRow[];
  /** The engine's progress for this album. */
  work: Work | undefined;
  /** The engine's whole progress model (for the album's sites). */
  progress: Progress | null;
  /** Photos being converted or uploaded now, by path. */
  live: Record<string, string>;
  /** Bumped by the app on engine events, so the grid refreshes its states. */
  version: number;
}) {
  const [tab, setTab] = createSignal<"photos" | "settings">("photos");
  const [filter, setFilter] = createSignal<StateFilter>("all");
  const [search, setSearch] = createSignal("");
  const [selected, setSelected] = createSignal<PhotoRow | null>(null);
  // Bumped by what this view changes itself (a generation, accepted alt text).
  const [changed, setChanged] = createSignal(0);
  const [photos] = createResource(
    () => [props.album.root, props.version, changed()] as const,
    ([root]) => call(commands.albumPhotos(root)),
  );
  const ai = useAiAccounts();
  // The first screen of a large album comes first; the whole album follows and takes over.
  const [firstScreen] = createResource(
    () => props.album.root,
    (root) => call(commands.albumPhotosFirst(root, FIRST_SCREEN)),
  );
  const rows = () => photos.latest ?? firstScreen.latest ?? [];
  const shown = createMemo(() => filterPhotos(rows(), filter(), search(), props.live));

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
        {props.album.photos} photos · {countsLabel(props.album)} · to {siteModes(props.album) || "no site yet"}
        <span class="path"> · {props.album.root}</span>
      </p>
      <For each={props.album.sites.filter((s) => s.note || s.state !== "ok")}>
        {(s) => (
          <p class="site-note" classList={{ warn: s.state !== "ok" }} role="note">
            {s.state !== "ok" ? `${s.name} ${stateWords(s.state)}: its photos wait.` : s.note}
          </p>
        )}
      </For>
      <Show when={props.album.rateLimitedUntil}>
        {(until) => (
          <p class="site-note warn" role="note">
            {props.album.source} asked Folio to wait: its photos are looked at again after {until()}.
          </p>
        )}
      </Show>
      <Show when={props.album.heldRemovals > 0}>
        <div class="held" role="alert">
          <p>
            {props.album.heldRemovals} photos are gone from this folder all at once. Is a drive unplugged?
            Nothing is deleted or removed from your sites until you say they were removed on purpose.
          </p>
          <button class="secondary" onClick={() => call(commands.confirmRemovals(props.album.root))}>
            They were removed on purpose
          </button>
        </div>
      </Show>
      <Show when={activityLine(props.work)}>
        {(a) => (
          <p class="live" role="status">
            {a()}
            <Show when={sitesLine(props.progress, props.album)}>{(s) => <span class="sites-line"> — {s()}</span>}</Show>
          </p>
        )}
      </Show>
      <Switch>
        <Match when={tab() === "photos"}>
          <Show when={props.album.generated}>
            <Generate root={props.album.root} onDone={() => setChanged(changed() + 1)} />
          </Show>
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
            <Show when={ai() && shown().length > 0}>
              <SuggestAlt assets={shown().map((p) => p.assetId)} label={`Suggest alt text for ${shown().length === 1 ? "this photo" : `${shown().length} photos`}`}
                onAccepted={() => setChanged(changed() + 1)} />
            </Show>
          </div>
          <div class="album-body">
            <Show when={shown().length > 0} fallback={<p class="muted empty-grid">{emptyText(rows().length, search())}</p>}>
              <PhotoGrid photos={shown()} live={props.live} selected={selected()?.assetId ?? null} onSelect={setSelected}
                sourceLabel={props.album.source} />
            </Show>
            <Show when={selected()}>
              {(p) => (
                <PhotoPanel photo={p()} root={props.album.root} version={props.version + changed()}
                  generated={props.album.generated} onClose={() => setSelected(null)}
                  onChanged={() => setChanged(changed() + 1)} />
              )}
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
  if (total === 0) return "No photos here yet. Export into the folder (or generate one) and they appear here.";
  return search ? `No file name contains “${search}”.` : "No photo is in this state.";
}

const FORMAT_LABEL: Record<string, string> = { webp: "WebP", avif: "AVIF", jpg: "JPEG", png: "PNG", gif: "GIF" };

/** "Portfolio (WebP, keeps URLs)": each target site, what it gets and what a re-edit does. */
function siteModes(album: AlbumRow): string {
  return album.sites
    .map((s) => {
      const parts = [];
      if (s.format) parts.push(FORMAT_LABEL[s.format] ?? s.format.toUpperCase());
      parts.push(s.replaceInPlace ? "keeps URLs" : s.replaceKeepsId ? "keeps items, new URL on change" : "new URL on change");
      if (s.altTextOnly) parts.push("alt text only");
      return `${s.name} (${parts.join(", ")})`;
    })
    .join(", ");
}

