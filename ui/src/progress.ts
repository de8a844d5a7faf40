// The engine owns progress (per album and per site: total, done, failed, the photo in hand,
// rate and ETA); the window only displays it. Pure functions, unit-tested.
import type { AlbumId, AlbumRow, Progress, SyncEvent, Work } from "./bindings";

export function albumWork(p: Progress | null | undefined, id: AlbumId): Work | undefined {
  return p?.albums.find((a) => a.album === id)?.work;
}

const finished = (w: Work) => w.done + w.failed + w.waiting;

/** 0–1 for the sidebar's bar: the work in hand when there is some, else the synced share. */
export function fraction(album: AlbumRow, w: Work | undefined): number {
  if (w && w.total > finished(w)) return Math.min(1, finished(w) / w.total);
  if (album.photos === 0) return 1;
  return album.synced / album.photos;
}

function minutes(secs: number): string {
  if (secs < 60) return "under a minute left";
  const m = Math.round(secs / 60);
  return m === 1 ? "about a minute left" : `about ${m} minutes left`;
}

/** "Syncing 3 of 12 · harbour.jpg · 40 photos/min · about a minute left", or null when idle. */
export function activityLine(w: Work | undefined): string | null {
  if (!w || w.total <= finished(w)) return null;
  const parts = [`Syncing ${Math.min(w.total, finished(w) + 1)} of ${w.total}`];
  if (w.current) parts.push(w.current);
  if (w.per_minute > 0) parts.push(`${Math.round(w.per_minute)} photos/min`);
  if (w.eta_secs !== null) parts.push(minutes(w.eta_secs));
  return parts.join(" · ");
}

/** Why a site takes nothing now, after its name ("Shop cannot be reached"). */
export function stateWords(state: string): string {
  const words: Record<string, string> = {
    reconnect: "needs reconnecting",
    unreachable: "cannot be reached",
    rate_limited: "has used up its rate limit",
  };
  return words[state] ?? "works";
}

/** "Portfolio 10 of 12 · Shop 3 of 12 (cannot be reached)": each target site's work in hand. */
export function sitesLine(p: Progress | null | undefined, album: AlbumRow): string | null {
  const parts = album.sites.flatMap((s) => {
    const w = p?.sites.find((x) => x.site === s.id)?.work;
    if (!w || w.total <= finished(w)) return [];
    const paused = s.state === "ok" ? "" : ` (${stateWords(s.state)})`;
    return [`${s.name} ${finished(w)} of ${w.total}${paused}`];
  });
  return parts.length > 0 ? parts.join(" · ") : null;
}

/** Photos being converted or uploaded right now, per album and path: the grid's live badges. */
export type LiveMap = Record<string, Record<string, string>>;

export function applyLive(live: LiveMap, e: SyncEvent): LiveMap {
  if (e.kind !== "converting" && e.kind !== "uploading" && e.kind !== "photo_done") return live;
  const album = String(e.album);
  const paths = { ...(live[album] ?? {}) };
  if (e.kind === "photo_done") delete paths[e.path];
  else paths[e.path] = e.kind;
  return { ...live, [album]: paths };
}

export function countsLabel(a: AlbumRow): string {
  const parts = [`${a.synced} synced`];
  if (a.pending > 0) parts.push(`${a.pending} pending`);
  if (a.failed.length > 0) parts.push(`${a.failed.length} failed`);
  return parts.join(" · ");
}
