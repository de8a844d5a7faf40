// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { render } from "solid-js/web";
import { PhotoGrid } from "./PhotoGrid";
import { visibleRange } from "./virtual";
import type { PhotoRow } from "./bindings";

const photos = (n: number): PhotoRow[] =>
  Array.from({ length: n }, (_, i) => ({
    assetId: i + 1,
    path: `day${Math.floor(i / 500)}/IMG_${String(i).padStart(5, "0")}.jpg`,
    state: i % 7 === 0 ? ("pending" as const) : ("synced" as const),
    error: null,
    stamp: `s${i}`,
    sites: [{ site: "blog", siteId: 1, state: "synced", url: null, format: "webp", hasThumbnail: true, error: null, stamp: `t${i}` }],
  }));

// What the Tauri runtime provides in the app window.
(globalThis as unknown as { window: { __TAURI_INTERNALS__: unknown } }).window.__TAURI_INTERNALS__ = {
  convertFileSrc: (path: string, protocol: string) => `${protocol}://localhost/${encodeURIComponent(path)}`,
};

describe("the photo grid", () => {
  it("keeps fewer than 500 DOM nodes with 10,000 photos", () => {
    const root = document.createElement("div");
    document.body.appendChild(root);
    const dispose = render(
      () => <PhotoGrid photos={photos(10_000)} live={{}} selected={null} onSelect={() => {}}
        assumeSize={{ width: 1248, height: 800 }} />,
      root,
    );
    const nodes = root.querySelectorAll("*").length;
    const cells = root.querySelectorAll(".cell").length;
    expect(cells).toBeGreaterThan(0);
    expect(cells).toBeLessThan(60);
    expect(nodes).toBeLessThan(500);
    const first = root.querySelector(".cell img") as HTMLImageElement;
    // The stamp changes with the picture, so a re-edited photo never shows its cached thumbnail.
    expect(first.getAttribute("src")).toBe("thumb://localhost/source%2F1?v=s0");
    expect(root.querySelector(".cell img.remote")?.getAttribute("src")).toBe("thumb://localhost/site%2F1%2F1?v=t0");
    // The space still scrolls through all of them: 2,500 rows of 4.
    const space = root.querySelector(".grid-space") as HTMLElement;
    expect(space.style.height).toBe(`${2500 * 196}px`);
    dispose();
  });

  it("shows one site thumbnail per target site", () => {
    const root = document.createElement("div");
    const two = photos(3).map((p) => ({
      ...p,
      sites: [...p.sites, { site: "shop", siteId: 2, state: "pending" as const, url: null, format: null, hasThumbnail: false, error: null, stamp: "" }],
    }));
    const dispose = render(
      () => <PhotoGrid photos={two} live={{}} selected={null} onSelect={() => {}} assumeSize={{ width: 1248, height: 800 }} />,
      root,
    );
    const cell = root.querySelector(".cell")!;
    expect(cell.querySelectorAll("img").length).toBe(2);
    expect(cell.textContent).toContain("Not on shop yet");
    expect([...cell.querySelectorAll(".thumb-label")].map((l) => l.textContent)).toEqual(["Folder", "blog", "shop"]);
    dispose();
  });

  it("renders the rows in view after a scroll, not the first ones", () => {
    const r = visibleRange({ count: 10_000, columns: 4, rowHeight: 196, scrollTop: 196 * 1000, viewportHeight: 800, overscan: 2 });
    expect(r.start).toBe(998 * 4);
    expect(r.end).toBe(1007 * 4);
    const end = visibleRange({ count: 10, columns: 4, rowHeight: 196, scrollTop: 0, viewportHeight: 5000, overscan: 2 });
    expect(end).toEqual({ start: 0, end: 10 });
  });
});
