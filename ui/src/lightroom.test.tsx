// @vitest-environment jsdom
import { describe, expect, it, vi } from "vitest";
import { render } from "solid-js/web";

const ok = <T,>(data: T) => Promise.resolve({ status: "ok" as const, data });
// Where Lightroom loads plug-ins from on the system the test pretends to be (null: Linux).
let modules: string | null = null;
const installed: string[] = [];

vi.mock("./api", async () => {
  const real = await vi.importActual<typeof import("./api")>("./api");
  return {
    ...real,
    commands: {
      lightroomPluginFolder: () => ok(modules),
      installLightroomPlugin: () => {
        const at = `${modules ?? "/home/ann/Desktop"}/folio.lrplugin`;
        installed.push(at);
        return ok(at);
      },
    },
  };
});

const { LightroomPlugin } = await import("./LightroomPlugin");

const settle = () => new Promise((r) => setTimeout(r, 0));

async function shown() {
  const root = document.body.appendChild(document.createElement("div"));
  const dispose = render(() => <LightroomPlugin />, root);
  await settle();
  const button = root.querySelector<HTMLButtonElement>("button[data-action=lightroom-plugin]");
  return { root, dispose, button };
}

describe("the Lightroom plug-in", () => {
  it("is installed into Lightroom's Modules folder where Lightroom runs", async () => {
    modules = "/Users/ann/Library/Application Support/Adobe/Lightroom/Modules";
    installed.length = 0;
    const { root, dispose, button } = await shown();
    expect(button?.textContent).toBe("Install the Lightroom plug-in");
    button!.click();
    await settle();
    expect(installed).toEqual([`${modules}/folio.lrplugin`]);
    expect(root.querySelector("[role=status]")?.textContent).toContain(`Installed in ${modules}/folio.lrplugin`);
    dispose();
  });

  it("is saved into a chosen folder where Lightroom does not run", async () => {
    modules = null;
    installed.length = 0;
    const { root, dispose, button } = await shown();
    expect(button?.textContent).toBe("Save the Lightroom plug-in…");
    button!.click();
    await settle();
    expect(installed.length).toBe(1);
    expect(root.querySelector("[role=status]")?.textContent).toContain("Plug-in Manager");
    dispose();
  });
});
