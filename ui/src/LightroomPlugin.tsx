import { createResource, createSignal, Show } from "solid-js";
import { call, commands } from "./api";

/** The Lightroom Classic plug-in: installed into Lightroom's Modules folder where Lightroom
 * runs (macOS, Windows), else saved into a folder to carry to the computer that has it. */
export function LightroomPlugin() {
  // Where Lightroom loads plug-ins from; null where Lightroom Classic does not run.
  const [modules] = createResource(() => call(commands.lightroomPluginFolder()));
  const [note, setNote] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  const install = async () => {
    setBusy(true);
    setNote(null);
    try {
      const path = await call(commands.installLightroomPlugin());
      if (!path) return;
      setNote(
        modules()
          ? `Installed in ${path}. Restart Lightroom Classic, then in the Library's Publish Services panel: Folio → Set Up.`
          : `Saved ${path}. Copy it to the computer with Lightroom Classic, then File → Plug-in Manager → Add.`,
      );
    } catch (err) {
      setNote((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card lightroom" aria-labelledby="lightroom-title">
      <h2 id="lightroom-title">Lightroom Classic</h2>
      <p class="muted">
        A publish service for Lightroom Classic: Lightroom shows which photos are live on your sites, which
        changed since, and opens each one where it is.
      </p>
      <Show when={!modules.loading}>
        <button class="secondary" data-action="lightroom-plugin" disabled={busy()} onClick={install}>
          {modules() ? "Install the Lightroom plug-in" : "Save the Lightroom plug-in…"}
        </button>
      </Show>
      <Show when={note()}>{(n) => <p class="note" role="status">{n()}</p>}</Show>
    </section>
  );
}
