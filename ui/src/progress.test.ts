import { describe, expect, it } from "vitest";
import { applyEvent, countsLabel, fraction, type ProgressMap } from "./progress";
import { baseName, dropSummary } from "./drop";
import type { AlbumRow } from "./bindings";

const album = (over: Partial<AlbumRow> = {}): AlbumRow => ({
  name: "Weddings",
  root: "/photos/weddings",
  sites: ["blog"],
  photos: 10,
  synced: 4,
  pending: 6,
  failed: [],
  ...over,
});

describe("album progress from engine events", () => {
  it("counts a pass from planned to done and clears when it finishes", () => {
    let p: ProgressMap = {};
    p = applyEvent(p, { kind: "planned", album: "Weddings", photos: 4 });
    p = applyEvent(p, { kind: "converting", album: "Weddings", path: "a.jpg" });
    expect(p.Weddings.activity).toBe("Converting a.jpg");
    p = applyEvent(p, { kind: "photo_done", album: "Weddings", path: "a.jpg" });
    p = applyEvent(p, { kind: "photo_done", album: "Weddings", path: "b.jpg" });
    expect(fraction(album(), p.Weddings)).toBe(0.5);
    p = applyEvent(p, { kind: "pass_finished", uploaded: 4, replaced: 0, failed: 0 });
    expect(p.Weddings).toEqual({ planned: 0, done: 0, activity: null });
    // Idle: the bar shows the synced share.
    expect(fraction(album(), p.Weddings)).toBe(0.4);
  });

  it("leaves other albums alone and tolerates events for unknown albums", () => {
    let p: ProgressMap = { Other: { planned: 3, done: 1, activity: null } };
    p = applyEvent(p, { kind: "uploading", album: "New", path: "x.jpg", site: "blog" });
    expect(p.New.activity).toBe("Uploading x.jpg to blog");
    expect(p.Other.done).toBe(1);
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
import type { PhotoRow } from "./bindings";

const row = (path: string, state: string): PhotoRow => ({ assetId: 1, path, state, error: null, sites: [] });

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
