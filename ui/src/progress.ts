// Live progress per album, folded from engine events. Pure, so it is unit-tested; the view
// only renders what this computes.
import type { AlbumRow, EngineEvent } from "./bindings";

export interface AlbumProgress {
  /** Photos the current pass looks at; 0 when idle. */
  planned: number;
  done: number;
  /** What the engine is doing right now, for the status line. */
  activity: string | null;
}

export type ProgressMap = Record<string, AlbumProgress>;

const idle = (): AlbumProgress => ({ planned: 0, done: 0, activity: null });

export function applyEvent(map: ProgressMap, e: EngineEvent): ProgressMap {
  if (e.kind === "auto_sync") return map;
  if (e.kind === "pass_finished") {
    const cleared: ProgressMap = {};
    for (const k of Object.keys(map)) cleared[k] = idle();
    return cleared;
  }
  const current = map[e.album] ?? idle();
  const next = { ...current };
  switch (e.kind) {
    case "planned":
      next.planned = e.photos;
      next.done = 0;
      next.activity = null;
      break;
    case "photo_done":
      next.done = Math.min(current.done + 1, Math.max(current.planned, current.done + 1));
      break;
    case "converting":
      next.activity = `Converting ${e.path}`;
      break;
    case "uploading":
      next.activity = `Uploading ${e.path} to ${e.site}`;
      break;
    case "settling":
      next.activity = `Waiting for ${e.path} to finish exporting`;
      break;
    default:
      return { ...map, [e.album]: current };
  }
  return { ...map, [e.album]: next };
}

/** 0–1 for the sidebar's bar: the live pass when one runs, else the album's synced share. */
export function fraction(album: AlbumRow, p: AlbumProgress | undefined): number {
  if (p && p.planned > 0) return Math.min(1, p.done / p.planned);
  if (album.photos === 0) return 1;
  return album.synced / album.photos;
}

export function countsLabel(a: AlbumRow): string {
  const parts = [`${a.synced} synced`];
  if (a.pending > 0) parts.push(`${a.pending} pending`);
  if (a.failed.length > 0) parts.push(`${a.failed.length} failed`);
  return parts.join(" · ");
}
