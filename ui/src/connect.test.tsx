// @vitest-environment jsdom
// The Connect dialog renders whatever the engine asks (fields, a page to finish in the browser,
// a question, done) for any connector, and the picker browses an account one level at a time.
import { describe, expect, it, vi } from "vitest";
import { render } from "solid-js/web";
import type { ConnectorInfo, Field, Reply, SignInStep } from "./bindings";

const field = (name: string, kind: Field["kind"], over: Partial<Field> = {}): Field => ({
  name, label: name.toUpperCase(), help: `where to find ${name}`, kind, options: [], required: false,
  advanced: false, default: null, env: null, ...over,
});

// Two made-up services: nothing in the dialog may depend on which.
const connectors: ConnectorInfo[] = [
  {
    id: "gallery", label: "Gallery", roles: ["destination"], sign_in: ["paste"],
    fields: [
      field("address", "url", { required: true }),
      field("key", "secret"),
      field("mode", "choice", { options: ["fast", "safe"] }),
      field("public", "bool"),
      field("api_url", "url", { advanced: true, default: "https://api.gallery.test" }),
    ],
  },
  { id: "cloud", label: "Cloud", roles: ["source"], sign_in: ["oauth_pkce"], fields: [] },
  { id: "disk", label: "Disk", roles: ["source"], sign_in: [], fields: [] },
];

const sent: string[] = [];
// The steps the fake engine answers with, in order; a Wait answers when `browserDone` resolves.
let steps: SignInStep[] = [];
let browserDone: (step: SignInStep) => void = () => {};
const ok = <T,>(data: T) => Promise.resolve({ status: "ok" as const, data });
const next = () => ok(steps.shift()!);
// What the service says to the next start, when it refuses.
let refusal: string | null = null;

type Row = { name: string; path: string; kind: string; count: number | null; preview: boolean };
const FIGMA_FILE = "https://www.figma.com/design/KEY/Brand";
const row = (name: string, path: string, kind: string, over: Partial<Row> = {}): Row =>
  ({ name, path, kind, count: null, preview: false, ...over });
const tree: Record<string, Row[]> = {
  "": [row("Clients", "/Clients", "folder"), row("Phone", "/Phone", "folder")],
  "/Clients": [row("Smith Wedding", "/Clients/Smith Wedding", "folder"), row("cover.jpg", "/Clients/cover.jpg", "item")],
  "/Clients/Smith Wedding": [],
  // A Canva-like account: a folder, and designs pictured with their pages; a Lightroom-like
  // album pictured with its cover, its count known only from the preview.
  "designs": [
    row("Spring", "folder/F1", "folder"),
    row("Iceland", "album/A1", "folder", { preview: true }),
    row("Banner", "design/D1", "item", { preview: true, count: 3 }),
    row("Logo", "design/D2", "item", { preview: true, count: 1 }),
  ],
};
const PIXEL = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

vi.mock("./api", async () => {
  const real = await vi.importActual<typeof import("./api")>("./api");
  return {
    ...real,
    commands: {
      connectors: () => Promise.resolve(connectors),
      connectStart: (connector: string, name: string | null, values: Record<string, string>) => {
        sent.push(`start ${connector} ${name} ${JSON.stringify(values)}`);
        if (refusal) return Promise.resolve({ status: "error" as const, error: { code: "site" as const, message: refusal } });
        return next();
      },
      reconnectAccount: (name: string, values: Record<string, string>) => {
        sent.push(`reconnect ${name} ${JSON.stringify(values)}`);
        return next();
      },
      connectContinue: (session: number, reply: Reply) => {
        sent.push(`continue ${session} ${JSON.stringify(reply)}`);
        if (reply.reply === "wait") {
          return new Promise((resolve) => { browserDone = (s) => resolve({ status: "ok", data: s }); });
        }
        return next();
      },
      connectCancel: (session: number) => {
        sent.push(`cancel ${session}`);
        return Promise.resolve(null);
      },
      aiAccounts: () => ok(["openrouter"]),
      browse: (account: string, path: string) => {
        sent.push(`browse ${account} ${path}`);
        if (account === "openrouter") {
          const message = "generated albums are made in Folio: type a name for a new album";
          return Promise.resolve({ status: "error" as const, error: { code: "not_found" as const, message } });
        }
        if (account === "figma" && path === FIGMA_FILE) {
          return ok([row("Banners", "KEY/Banners", "folder", { count: 2 })]);
        }
        if (account === "figma" && path === "KEY/Banners") {
          return ok([row("Hero", "KEY/node/1:2", "item", { preview: true }), row("Story", "KEY/node/1:3", "item", { preview: true })]);
        }
        if (account === "figma") {
          const message = "Figma does not list a token's files: add an album from a file or frame address";
          return Promise.resolve({ status: "error" as const, error: { code: "not_found" as const, message } });
        }
        return ok(tree[account === "canva" && path === "" ? "designs" : path] ?? []);
      },
      browsePreview: (account: string, path: string) => {
        sent.push(`preview ${account} ${path}`);
        return ok(path === "album/A1" ? { image: PIXEL, count: 12 } : { image: PIXEL, count: null });
      },
      addAlbum: (account: string, location: string) => {
        sent.push(`add ${account}:${location}`);
        return ok("Smith Wedding");
      },
    },
  };
});

const { ConnectDialog } = await import("./ConnectDialog");
const { Picker, crumbs, countWords } = await import("./Picker");

const settle = () => new Promise((r) => setTimeout(r, 0));

function shown(request: Parameters<typeof ConnectDialog>[0]["request"]) {
  const root = document.body.appendChild(document.createElement("div"));
  const done: string[] = [];
  let closed = false;
  const dispose = render(
    () => <ConnectDialog request={request} onDone={(a) => done.push(a)} onClose={() => { closed = true; }} />,
    root,
  );
  const $ = <T extends Element = HTMLElement>(css: string) => root.querySelector<T>(css);
  return { root, $, done, closed: () => closed, dispose };
}

function type(input: HTMLInputElement | null, value: string) {
  input!.value = value;
}

describe("the Connect dialog", () => {
  it("offers the connectors that sign in, for the role asked", async () => {
    const d = shown({});
    await settle();
    const offered = [...d.root.querySelectorAll<HTMLButtonElement>("button.connector")].map((b) => b.dataset.connector);
    expect(offered).toEqual(["gallery", "cloud"]);
    expect(d.$("button.connector")?.textContent).toContain("publish photos to it");
    d.dispose();
    // One connector for the role: straight to its form.
    const s = shown({ role: "source" });
    await settle();
    expect(s.$("#connect-title")?.textContent).toBe("Connect Cloud");
    expect(s.$("form.connect-form")).not.toBeNull();
    s.dispose();
  });

  it("renders a connector's fields by kind, advanced ones behind a disclosure", async () => {
    sent.length = 0;
    const d = shown({ role: "destination" });
    await settle();
    const form = d.$<HTMLFormElement>("form.connect-form")!;
    expect(d.$<HTMLInputElement>("input[name=address]")?.type).toBe("url");
    expect(d.$<HTMLInputElement>("input[name=address]")?.required).toBe(true);
    expect(d.$("input[name=address]")?.closest("label")?.querySelector("abbr.required")).not.toBeNull();
    expect(d.$<HTMLInputElement>("input[name=key]")?.type).toBe("password");
    expect(d.$<HTMLInputElement>("input[name=public]")?.type).toBe("checkbox");
    const options = [...d.root.querySelectorAll("select[name=mode] option")].map((o) => o.textContent);
    expect(options).toEqual(["—", "fast", "safe"]);
    expect(form.textContent).toContain("where to find key");
    const advanced = d.$("details.advanced")!;
    expect(advanced.querySelector("summary")?.textContent).toBe("Advanced");
    expect(advanced.querySelector<HTMLInputElement>("input[name=api_url]")?.placeholder).toBe("https://api.gallery.test");
    expect(advanced.querySelector("input[name=address]")).toBeNull();
    const apiUrl = [...form.querySelectorAll("input[name=api_url]")];
    expect(apiUrl.length).toBe(1);
    expect(apiUrl[0].closest("details.advanced")).not.toBeNull();

    // Only what was filled in is sent, with the name it is given.
    steps = [{ session: 7, prompt: { step: "done", account: "Print shop" } }];
    type(d.$("input[name=address]"), " https://gallery.test ");
    type(d.$("input[name=key]"), "k-123");
    type(d.$("input.account-name"), "Print shop");
    form.requestSubmit();
    await settle();
    expect(sent).toEqual([
      'start gallery Print shop {"address":"https://gallery.test","key":"k-123","public":"false"}',
    ]);
    expect(d.done).toEqual(["Print shop"]);
    d.dispose();
  });

  it("shows a refusal in the form and starts again from it, without the secret", async () => {
    sent.length = 0;
    const d = shown({ role: "destination" });
    await settle();
    type(d.$("input[name=address]"), "https://gallery.test");
    type(d.$("input[name=key]"), "wrong");
    type(d.$("input.account-name"), "Print shop");
    refusal = "the gallery refused the key";
    d.$<HTMLFormElement>("form.connect-form")!.requestSubmit();
    await settle();
    refusal = null;
    expect(d.$("form.connect-form .error")?.textContent).toBe("the gallery refused the key");
    expect(d.$<HTMLInputElement>("input[name=address]")?.value).toBe("https://gallery.test");
    expect(d.$<HTMLInputElement>("input[name=key]")?.value).toBe("");
    expect(d.$<HTMLInputElement>("input.account-name")?.value).toBe("Print shop");
    d.dispose();
  });

  it("waits for the browser with the page's link and Stop, and takes a pasted credential instead", async () => {
    sent.length = 0;
    steps = [
      {
        session: 3,
        prompt: {
          step: "browser", url: "https://gallery.test/approve?x=1", paste_url: "https://gallery.test/approve",
          paste: [field("user", "text"), field("password", "secret")], says: "Approve Folio on the gallery.",
        },
      },
      { session: 3, prompt: { step: "done", account: "Gallery" } },
    ];
    const d = shown({ role: "destination" });
    await settle();
    type(d.$("input[name=address]"), "https://gallery.test");
    d.$<HTMLFormElement>("form.connect-form")!.requestSubmit();
    await settle();
    expect(d.$(".browser-step")?.textContent).toContain("Approve Folio on the gallery.");
    expect(d.$<HTMLAnchorElement>("a.browser-url")?.href).toBe("https://gallery.test/approve?x=1");
    expect(d.$("[data-action=stop]")?.textContent).toBe("Stop");
    expect(sent.at(-1)).toBe('continue 3 {"reply":"wait"}');
    expect(d.$("form.paste")).toBeNull();

    d.$<HTMLButtonElement>("[data-action=paste]")!.click();
    await settle();
    expect(d.$<HTMLAnchorElement>("a.paste-url")?.href).toBe("https://gallery.test/approve");
    type(d.$("form.paste input[name=user]"), "ann");
    type(d.$("form.paste input[name=password]"), "abcd efgh");
    d.$<HTMLFormElement>("form.paste")!.requestSubmit();
    await settle();
    expect(sent.at(-1)).toBe('continue 3 {"reply":"fields","values":{"user":"ann","password":"abcd efgh"}}');
    expect(d.done).toEqual(["Gallery"]);
    d.dispose();
  });

  it("stops a browser sign-in with Stop, back to the form", async () => {
    sent.length = 0;
    steps = [{ session: 4, prompt: { step: "browser", url: "https://cloud.test/auth", paste_url: null, paste: [], says: "Sign in to Cloud." } }];
    const d = shown({ role: "source" });
    await settle();
    d.$<HTMLFormElement>("form.connect-form")!.requestSubmit();
    await settle();
    expect(d.$("[data-action=paste]")).toBeNull();
    d.$<HTMLButtonElement>("[data-action=stop]")!.click();
    await settle();
    expect(sent).toContain("cancel 4");
    expect(d.$("form.connect-form")).not.toBeNull();
    // The stopped wait's late answer changes nothing.
    browserDone({ session: 4, prompt: { step: "done", account: "Cloud" } });
    await settle();
    expect(d.done).toEqual([]);
    d.dispose();
  });

  it("asks a question with Yes and No, then follows the browser to Done", async () => {
    sent.length = 0;
    steps = [
      { session: 5, prompt: { step: "confirm", says: "http://gallery.test sends the key unencrypted. Connect anyway?" } },
      { session: 5, prompt: { step: "browser", url: "http://gallery.test/approve", paste_url: null, paste: [], says: "Approve." } },
    ];
    const d = shown({ role: "destination" });
    await settle();
    type(d.$("input[name=address]"), "http://gallery.test");
    d.$<HTMLFormElement>("form.connect-form")!.requestSubmit();
    await settle();
    expect(d.$(".confirm-step p")?.textContent).toContain("Connect anyway?");
    expect(d.$("[data-action=no]")?.textContent).toBe("No");
    d.$<HTMLButtonElement>("[data-action=yes]")!.click();
    await settle();
    expect(sent).toContain('continue 5 {"reply":"yes"}');
    browserDone({ session: 5, prompt: { step: "done", account: "gallery.test" } });
    await settle();
    expect(d.done).toEqual(["gallery.test"]);
    d.dispose();
  });

  it("reconnects an account from the step the engine asks for, without a name field", async () => {
    sent.length = 0;
    steps = [{ session: 6, prompt: { step: "fields", fields: connectors[0].fields, values: { address: "https://gallery.test" }, problem: null } }];
    const d = shown({ reconnect: { name: "Print shop", connector: "gallery" } });
    await settle();
    await settle();
    expect(sent[0]).toBe("reconnect Print shop {}");
    expect(d.$("#connect-title")?.textContent).toBe("Reconnect Print shop");
    expect(d.$<HTMLInputElement>("input[name=address]")?.value).toBe("https://gallery.test");
    expect(d.$("input.account-name")).toBeNull();
    steps = [{ session: 6, prompt: { step: "done", account: "Print shop" } }];
    type(d.$("input[name=key]"), "new-key");
    d.$<HTMLFormElement>("form.connect-form")!.requestSubmit();
    await settle();
    expect(sent.at(-1)).toBe('continue 6 {"reply":"fields","values":{"address":"https://gallery.test","key":"new-key","public":"false"}}');
    expect(d.done).toEqual(["Print shop"]);
    d.dispose();
  });
});

describe("the picker", () => {
  it("names each level opened as it was listed, the top being the account", () => {
    expect(crumbs("studio", [])).toEqual([{ name: "studio", path: "" }]);
    // A Lightroom album's path is its id; the crumb is its name.
    expect(crumbs("pia", [{ name: "Travel", path: "set/5eed01" }, { name: "Iceland", path: "album/5eed02" }])).toEqual([
      { name: "pia", path: "" },
      { name: "Travel", path: "set/5eed01" },
      { name: "Iceland", path: "album/5eed02" },
    ]);
  });

  it("browses one level at a time and syncs the folder it is in", async () => {
    sent.length = 0;
    const root = document.body.appendChild(document.createElement("div"));
    const added: string[] = [];
    const dispose = render(() => <Picker account="studio" onAlbumAdded={(n) => added.push(n)} onClose={() => {}} />, root);
    await settle();
    const folders = () => [...root.querySelectorAll("button.folder")].map((b) => b.textContent?.trim());
    expect(folders()).toEqual(["📁 Clients", "📁 Phone"]);
    // The whole account is never an album.
    expect(root.querySelector<HTMLButtonElement>("button.use-folder")!.disabled).toBe(true);

    root.querySelector<HTMLButtonElement>("button.folder")!.click();
    await settle();
    expect(folders()).toEqual(["📁 Smith Wedding"]);
    expect(root.querySelector(".photos-here")?.textContent).toBe("1 photo in this folder");
    root.querySelector<HTMLButtonElement>("button.folder")!.click();
    await settle();
    expect(root.querySelector(".folders")?.textContent).toContain("No folders inside.");
    expect(root.querySelector(".crumbs")?.textContent).toBe("studio›Clients›Smith Wedding");

    const use = root.querySelector<HTMLButtonElement>("button.use-folder")!;
    expect(use.textContent).toBe("Sync “Smith Wedding”");
    use.click();
    await settle();
    expect(sent).toContain("add studio:/Clients/Smith Wedding");
    expect(added).toEqual(["Smith Wedding"]);

    // Back to the top through the crumbs.
    root.querySelector<HTMLButtonElement>(".crumbs button")!.click();
    await settle();
    expect(folders()).toEqual(["📁 Clients", "📁 Phone"]);
    expect(sent.filter((s) => s.startsWith("browse"))).toEqual([
      "browse studio ", "browse studio /Clients", "browse studio /Clients/Smith Wedding", "browse studio ",
    ]);
    dispose();
  });
});

describe("the picker's pictures", () => {
  it("shows covers and counts, and syncs a design from its tile", async () => {
    sent.length = 0;
    const root = document.body.appendChild(document.createElement("div"));
    const added: string[] = [];
    const dispose = render(() => <Picker account="canva" onAlbumAdded={(n) => added.push(n)} onClose={() => {}} />, root);
    await settle();
    await settle();
    // Folders the service cannot picture keep their icon; an album shows its cover and count.
    const folders = [...root.querySelectorAll<HTMLButtonElement>("button.folder")];
    expect(folders[0].textContent?.trim()).toBe("📁 Spring");
    expect(folders[1].classList.contains("pictured")).toBe(true);
    expect(folders[1].querySelector("img")?.getAttribute("src")).toBe(PIXEL);
    expect(folders[1].querySelector(".count")?.textContent).toBe("12 photos");
    // Designs are tiles with their thumbnail and pages, each its own album.
    const tiles = [...root.querySelectorAll("li.tile")];
    expect(tiles.map((t) => t.querySelector(".cover-name")?.textContent)).toEqual(["Banner", "Logo"]);
    expect(tiles.map((t) => t.querySelector(".count")?.textContent)).toEqual(["3 pages", "1 page"]);
    expect(tiles.every((t) => t.querySelector("img")?.getAttribute("src") === PIXEL)).toBe(true);
    expect(root.querySelector(".photos-here")).toBeNull();
    // Only what is pictured was asked for, once each.
    expect(sent.filter((s) => s.startsWith("preview")).sort()).toEqual([
      "preview canva album/A1", "preview canva design/D1", "preview canva design/D2",
    ]);
    tiles[0].querySelector<HTMLButtonElement>("button.use-item")!.click();
    await settle();
    expect(sent).toContain("add canva:design/D1");
    expect(added).toEqual(["Smith Wedding"]);
    dispose();
    root.remove();
  });

  it("takes a pasted address where the service lists nothing", async () => {
    sent.length = 0;
    const root = document.body.appendChild(document.createElement("div"));
    const added: string[] = [];
    const dispose = render(() => <Picker account="figma" onAlbumAdded={(n) => added.push(n)} onClose={() => {}} />, root);
    await settle();
    await settle();
    const form = root.querySelector<HTMLFormElement>("form.paste-address")!;
    expect(form.textContent).toContain("add an album from a file or frame address");
    const button = form.querySelector<HTMLButtonElement>("button.use-address")!;
    expect(button.disabled).toBe(true);
    const input = form.querySelector<HTMLInputElement>("input[name=address]")!;
    input.value = "https://www.figma.com/design/KEY/Brand?node-id=1-2";
    input.dispatchEvent(new Event("input", { bubbles: true }));
    expect(button.disabled).toBe(false);
    button.click();
    await settle();
    expect(sent).toContain("add figma:https://www.figma.com/design/KEY/Brand?node-id=1-2");
    expect(added).toEqual(["Smith Wedding"]);
    dispose();
    root.remove();
  });

  it("opens a pasted file to pick a page or one frame", async () => {
    sent.length = 0;
    const root = document.body.appendChild(document.createElement("div"));
    const dispose = render(() => <Picker account="figma" onAlbumAdded={() => {}} onClose={() => {}} />, root);
    await settle();
    await settle();
    const input = root.querySelector<HTMLInputElement>("form.paste-address input[name=address]")!;
    input.value = FIGMA_FILE;
    input.dispatchEvent(new Event("input", { bubbles: true }));
    root.querySelector<HTMLButtonElement>("button.use-address")!.click();
    await settle();
    await settle();
    expect(sent.filter((s) => s.startsWith("add"))).toEqual([]);
    const page = [...root.querySelectorAll<HTMLButtonElement>("button.folder")].find((b) => b.textContent?.includes("Banners"))!;
    page.click();
    await settle();
    await settle();
    const tiles = [...root.querySelectorAll("li.tile")];
    expect(tiles.map((t) => t.querySelector(".cover-name")?.textContent)).toEqual(["Hero", "Story"]);
    tiles[1].querySelector<HTMLButtonElement>("button.use-item")!.click();
    await settle();
    expect(sent).toContain("add figma:KEY/node/1:3");
    dispose();
    root.remove();
  });

  it("names a new album where Folio makes the images", async () => {
    sent.length = 0;
    const root = document.body.appendChild(document.createElement("div"));
    const dispose = render(() => <Picker account="openrouter" onAlbumAdded={() => {}} onClose={() => {}} />, root);
    await settle();
    await settle();
    const form = root.querySelector<HTMLFormElement>("form.paste-address")!;
    expect(form.textContent).toContain("New album's name");
    expect(form.textContent).not.toContain("Address");
    const input = form.querySelector<HTMLInputElement>("input[name=address]")!;
    input.value = "Spring banners";
    input.dispatchEvent(new Event("input", { bubbles: true }));
    const button = form.querySelector<HTMLButtonElement>("button.use-address")!;
    expect(button.textContent).toBe("Create album");
    button.click();
    await settle();
    expect(sent).toContain("add openrouter:Spring banners");
    dispose();
    root.remove();
  });

  it("says photos and pages", () => {
    expect(countWords("folder", 1)).toBe("1 photo");
    expect(countWords("item", 3)).toBe("3 pages");
  });
});
