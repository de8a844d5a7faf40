import { describe, expect, it } from "vitest";
import { activityLine, albumWork, applyLive, countsLabel, fraction, sitesLine, type LiveMap } from "./progress";
import { baseName, dropSummary } from "./drop";
import type { AlbumRow, Progress, Work } from "./bindings";

const album = (over: Partial<AlbumRow> = {}): AlbumRow => ({
  id: 1,
  name: "Weddings",
  root: "/photos/weddings",
  source: "Folder",
  generated: false,
  sites: [{ id: 1, name: "blog", state: "ok", format: "webp", note: null, replaceInPlace: true, replaceKeepsId: true, altTextOnly: false }],
  photos: 10,
  synced: 4,
  pending: 6,
  failed: [],
  heldRemovals: 0,
  rateLimitedUntil: null,
  ...over,
});

const work = (over: Partial<Work> = {}): Work => ({
  total: 0, done: 0, failed: 0, waiting: 0, current: null, per_minute: 0, eta_secs: null, ...over,
});

describe("album progress from the engine's model", () => {
  it("shows the work in hand, then the synced share once idle", () => {
    const progress: Progress = {
      albums: [
        { album: 1, work: work({ total: 4, done: 2, current: "b.jpg", per_minute: 30, eta_secs: 4 }) },
        { album: 2, work: work({ total: 9, done: 9 }) },
      ],
      sites: [],
    };
    // Albums are told apart by id: two albums may share a name.
    const w = albumWork(progress, 1);
    expect(fraction(album(), w)).toBe(0.5);
    expect(activityLine(w)).toBe("Syncing 3 of 4 · b.jpg · 30 photos/min · under a minute left");
    const idle = albumWork(progress, 2);
    expect(activityLine(idle)).toBeNull();
    expect(fraction(album({ id: 2 }), idle)).toBe(0.4);
    expect(albumWork(progress, 3)).toBeUndefined();
  });

  it("says how far each of the album's sites is, and which are paused", () => {
    const a = album({
      sites: [
        { id: 1, name: "blog", state: "ok", format: "webp", note: null, replaceInPlace: true, replaceKeepsId: true, altTextOnly: false },
        { id: 2, name: "shop", state: "unreachable", format: null, note: null, replaceInPlace: false, replaceKeepsId: false, altTextOnly: false },
        { id: 3, name: "idle", state: "ok", format: "webp", note: null, replaceInPlace: true, replaceKeepsId: true, altTextOnly: false },
      ],
    });
    const progress: Progress = {
      albums: [],
      sites: [
        { site: 1, state: "ok", work: work({ total: 12, done: 10 }) },
        { site: 2, state: "unreachable", work: work({ total: 12, done: 3 }) },
        { site: 3, state: "ok", work: work({ total: 5, done: 5 }) },
      ],
    };
    expect(sitesLine(progress, a)).toBe("blog 10 of 12 · shop 3 of 12 (cannot be reached)");
    expect(sitesLine(null, a)).toBeNull();
  });

  it("keeps live badges per album, so two albums with the same file names do not mix", () => {
    let live: LiveMap = {};
    live = applyLive(live, { kind: "uploading", album: 1, site: 1, path: "IMG_1.jpg" });
    live = applyLive(live, { kind: "converting", album: 2, path: "IMG_1.jpg" });
    expect(live["1"]["IMG_1.jpg"]).toBe("uploading");
    live = applyLive(live, { kind: "photo_done", album: 1, path: "IMG_1.jpg" });
    expect(live["1"]["IMG_1.jpg"]).toBeUndefined();
    expect(live["2"]["IMG_1.jpg"]).toBe("converting");
  });

  it("an empty album is complete, not divided by zero", () => {
    expect(fraction(album({ photos: 0, synced: 0, pending: 0 }), undefined)).toBe(1);
  });
});

describe("wording", () => {
  it("counts only what is there", () => {
    expect(countsLabel(album())).toBe("4 synced · 6 pending");
    expect(countsLabel(album({ pending: 0, failed: [{ path: "x", error: "y" }] }))).toBe("4 synced · 1 failed");
  });

  it("explains a dropped file and confirms added folders", () => {
    const r = dropSummary({
      added: ["Weddings"],
      rejected: [{ path: "/home/ana/IMG_1.jpg", reason: "is a file. Drop the folder instead." }],
    });
    expect(r.tone).toBe("warn");
    expect(r.text).toContain("Added the album “Weddings”");
    expect(r.text).toContain("IMG_1.jpg is a file");
    expect(dropSummary({ added: ["a", "b"], rejected: [] })).toEqual({
      tone: "ok",
      text: "Added 2 albums. Their photos start syncing now.",
    });
  });

  it("names paths from every OS", () => {
    expect(baseName("C:\\Users\\ana\\Export\\")).toBe("Export");
    expect(baseName("/home/ana/Export")).toBe("Export");
  });
});

import { filterPhotos } from "./filter";
import type { PhotoRow, PhotoState } from "./bindings";

const row = (path: string, state: PhotoState): PhotoRow => ({ assetId: 1, path, state, error: null, stamp: "", sites: [] });

describe("filter and search", () => {
  const rows = [row("day1/IMG_1.jpg", "synced"), row("day1/IMG_2.jpg", "failed"), row("day2/Harbour.jpg", "pending")];
  it("filters by state and searches file names, case-insensitively", () => {
    expect(filterPhotos(rows, "failed", "").map((r) => r.path)).toEqual(["day1/IMG_2.jpg"]);
    expect(filterPhotos(rows, "all", "harbour").map((r) => r.path)).toEqual(["day2/Harbour.jpg"]);
    expect(filterPhotos(rows, "synced", "day2")).toEqual([]);
  });
  it("counts a photo being uploaded as pending", () => {
    expect(filterPhotos(rows, "pending", "", { "day1/IMG_1.jpg": "uploading" }).length).toBe(2);
  });
});
