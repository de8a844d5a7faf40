import { createMemo, createSignal, For, onCleanup, onMount, Show } from "solid-js";
import { convertFileSrc } from "@tauri-apps/api/core";
import type { PhotoRow } from "./bindings";
import { columnsFor, totalHeight, visibleRange } from "./virtual";

/** Cells are at least this wide; the columns then share the width. */
export const CELL_WIDTH = 312;
export const ROW_HEIGHT = 196;

const BADGE: Record<string, string> = {
  synced: "Synced",
  pending: "Pending",
  changed: "Changed",
  failed: "Failed",
  orphaned: "Orphaned",
  converting: "Converting",
  uploading: "Uploading",
};

/** A thumbnail's URL; `stamp` changes with the picture, so the web view never shows an old one. */
export function thumbSrc(kind: "source", assetId: number, stamp: string): string;
export function thumbSrc(kind: "site", assetId: number, stamp: string, siteId: number): string;
export function thumbSrc(kind: "source" | "site", assetId: number, stamp: string, siteId?: number): string {
  const path = kind === "source" ? `source/${assetId}` : `site/${siteId}/${assetId}`;
  return `${convertFileSrc(path, "thumb")}?v=${stamp}`;
}

/** A kept version of a photo, as the detail panel shows it. */
export function versionSrc(assetId: number, version: number): string {
  return convertFileSrc(`version/${assetId}/${version}`, "thumb");
}

/** A virtualised grid: each cell shows the source thumbnail and, beside it, the site's. */
export function PhotoGrid(props: {
  photos: PhotoRow[];
  /** Live state from engine events (converting, uploading), by path. */
  live: Record<string, string>;
  selected: number | null;
  onSelect: (p: PhotoRow) => void;
  /** For tests without layout (jsdom): the size to assume. */
  assumeSize?: { width: number; height: number };
  /** Where the source photos are: the album's source ("Folder", or an account's service). */
  sourceLabel?: string;
}) {
  let scroller!: HTMLDivElement;
  const [scrollTop, setScrollTop] = createSignal(0);
  const [size, setSize] = createSignal(props.assumeSize ?? { width: 960, height: 700 });
  onMount(() => {
    if (props.assumeSize || typeof ResizeObserver === "undefined") return;
    const ro = new ResizeObserver(() => setSize({ width: scroller.clientWidth, height: scroller.clientHeight }));
    ro.observe(scroller);
    onCleanup(() => ro.disconnect());
  });
  const columns = createMemo(() => columnsFor(size().width, CELL_WIDTH));
  const cellWidth = createMemo(() => Math.max(CELL_WIDTH, Math.floor(size().width / columns())));
  const range = createMemo(() =>
    visibleRange({
      count: props.photos.length,
      columns: columns(),
      rowHeight: ROW_HEIGHT,
      scrollTop: scrollTop(),
      viewportHeight: size().height,
      overscan: 2,
    }),
  );
  const visible = createMemo(() => {
    const { start, end } = range();
    return props.photos.slice(start, end).map((p, i) => ({ p, index: start + i }));
  });

  const onKey = (e: KeyboardEvent) => {
    const i = props.photos.findIndex((p) => p.assetId === props.selected);
    const step = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: columns(), ArrowUp: -columns() }[e.key];
    if (step === undefined) return;
    e.preventDefault();
    const next = props.photos[Math.min(props.photos.length - 1, Math.max(0, (i < 0 ? 0 : i + step)))];
    if (next) props.onSelect(next);
  };

  return (
    <div class="grid-scroller" ref={scroller} tabindex="0" role="grid" aria-label="Photos"
      aria-rowcount={Math.ceil(props.photos.length / columns())}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)} onKeyDown={onKey}>
      <div class="grid-space" style={{ height: `${totalHeight(props.photos.length, columns(), ROW_HEIGHT)}px` }}>
        <For each={visible()}>
          {({ p, index }) => {
            const state = () => props.live[p.path] ?? p.state;
            return (
              <button class="cell" role="gridcell" classList={{ selected: props.selected === p.assetId }}
                style={{
                  width: `${cellWidth() - 12}px`,
                  transform: `translate(${(index % columns()) * cellWidth()}px, ${Math.floor(index / columns()) * ROW_HEIGHT}px)`,
                }}
                onClick={() => props.onSelect(p)} aria-label={`${p.path}: ${BADGE[state()] ?? state()}`}>
                <span class="pair" style={{ "grid-template-columns": `repeat(${1 + Math.max(1, p.sites.length)}, 1fr)` }}>
                  <span class="thumb">
                    <img src={thumbSrc("source", p.assetId, p.stamp)} alt="" loading="lazy" decoding="async" />
                    <span class="thumb-label">{props.sourceLabel ?? "Folder"}</span>
                  </span>
                  <Show when={p.sites.length > 0}
                    fallback={<span class="thumb"><span class="no-thumb">No site for this album yet</span></span>}>
                    <For each={p.sites}>
                      {(site) => (
                        <span class="thumb">
                          <Show when={site.hasThumbnail} fallback={<span class="no-thumb">Not on {site.site} yet</span>}>
                            <img class="remote" src={thumbSrc("site", p.assetId, site.stamp, site.siteId)} alt="" loading="lazy" decoding="async" />
                          </Show>
                          <span class="thumb-label">{site.site}</span>
                        </span>
                      )}
                    </For>
                  </Show>
                </span>
                <span class="cell-foot">
                  <span class="name">{p.path}</span>
                  <span class={`badge-state ${state()}`} title={p.error ?? undefined}>{BADGE[state()] ?? state()}</span>
                </span>
              </button>
            );
          }}
        </For>
      </div>
    </div>
  );
}
