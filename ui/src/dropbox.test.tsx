// @vitest-environment jsdom
import { describe, expect, it, vi } from "vitest";
import { render } from "solid-js/web";

const calls: string[] = [];
const tree: Record<string, { name: string; path: string }[]> = {
  "": [{ name: "Clients", path: "/Clients" }, { name: "Phone", path: "/Phone" }],
  "/Clients": [{ name: "Smith Wedding", path: "/Clients/Smith Wedding" }],
  "/Clients/Smith Wedding": [],
};
const ok = <T,>(data: T) => Promise.resolve({ status: "ok" as const, data });

vi.mock("./api", async () => {
  const real = await vi.importActual<typeof import("./api")>("./api");
  return {
    ...real,
    commands: {
      dropboxFolders: (path: string) => {
        calls.push(`folders ${path}`);
        return ok(tree[path] ?? []);
      },
      addDropboxFolder: (path: string) => {
        calls.push(`add ${path}`);
        return ok("Smith Wedding");
      },
    },
  };
});

const { DropboxView, crumbs } = await import("./DropboxView");

const settle = () => new Promise((r) => setTimeout(r, 0));

describe("Dropbox", () => {
  it("names each level of a path, the top being Dropbox itself", () => {
    expect(crumbs("")).toEqual([{ name: "Dropbox", path: "" }]);
    expect(crumbs("/Clients/Smith Wedding")).toEqual([
      { name: "Dropbox", path: "" },
      { name: "Clients", path: "/Clients" },
      { name: "Smith Wedding", path: "/Clients/Smith Wedding" },
    ]);
  });

  it("offers Connect Dropbox when signed out", () => {
    const root = document.body.appendChild(document.createElement("div"));
    const dispose = render(
      () => <DropboxView account={{ connected: false, name: null, email: null }}
        onAccountChange={() => {}} onAlbumAdded={() => {}} />,
      root,
    );
    expect(root.querySelector("button.connect")?.textContent).toBe("Connect Dropbox");
    expect(root.querySelector(".folder-picker")).toBeNull();
    dispose();
  });

  it("browses one level at a time and syncs the folder it is in", async () => {
    const root = document.body.appendChild(document.createElement("div"));
    const added: string[] = [];
    const dispose = render(
      () => <DropboxView account={{ connected: true, name: "Ann Lee", email: "ann@example.com" }}
        onAccountChange={() => {}} onAlbumAdded={(n) => added.push(n)} />,
      root,
    );
    await settle();
    const folders = () => [...root.querySelectorAll("button.folder")].map((b) => b.textContent?.trim());
    expect(folders()).toEqual(["📁 Clients", "📁 Phone"]);
    // The whole account is never an album.
    expect((root.querySelector("button.use-folder") as HTMLButtonElement).disabled).toBe(true);

    (root.querySelector("button.folder") as HTMLButtonElement).click();
    await settle();
    expect(folders()).toEqual(["📁 Smith Wedding"]);
    (root.querySelector("button.folder") as HTMLButtonElement).click();
    await settle();
    expect(root.querySelector(".folders")?.textContent).toContain("No folders inside.");
    expect(root.querySelector(".crumbs")?.textContent).toBe("Dropbox›Clients›Smith Wedding");

    const use = root.querySelector("button.use-folder") as HTMLButtonElement;
    expect(use.textContent).toBe("Sync “Smith Wedding”");
    use.click();
    await settle();
    expect(calls).toContain("add /Clients/Smith Wedding");
    expect(added).toEqual(["Smith Wedding"]);

    // Back to the top through the crumbs.
    (root.querySelector(".crumbs button") as HTMLButtonElement).click();
    await settle();
    expect(folders()).toEqual(["📁 Clients", "📁 Phone"]);
    dispose();
  });
});
