// A photo's versions that went to the sites, newest first, each with its picture; "Restore this
// version" puts it back on the sites in place, and auto-sync then leaves the photo alone until
// it changes in its folder.
import { createResource, createSignal, For, Show } from "solid-js";
import { call, commands } from "./api";
import { versionSrc } from "./PhotoGrid";

const when = (at: string) => new Date(at + (at.endsWith("Z") ? "" : "Z")).toLocaleString();

/** `version` is the album view's counter, bumped when photos finish: a new version shows. */
export function Versions(props: { assetId: number; version: number }) {
  const [versions, { refetch }] = createResource(
    () => ({ id: props.assetId, seen: props.version }),
    ({ id }) => call(commands.photoVersions(id)),
  );
  const [note, setNote] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal<number | null>(null);
  const restore = async (version: number) => {
    setBusy(version);
    setNote(null);
    try {
      const r = await call(commands.restoreVersion(props.assetId, version));
      const done = r.restored.length
        ? `Version ${version} is back on ${r.restored.join(", ")}. Auto-sync leaves this photo until it changes in its folder.`
        : `Version ${version} was restored nowhere.`;
      setNote([done, ...r.problems].join(" "));
      await refetch();
    } catch (e) {
      setNote((e as Error).message);
    } finally {
      setBusy(null);
    }
  };
  // What the sites show now: the last one restored, unless a newer version went up since.
  const current = () => {
    const all = versions() ?? [];
    const newest = all.at(-1);
    const restored = all.filter((v) => v.restoredAt).sort((a, b) => (a.restoredAt! < b.restoredAt! ? -1 : 1)).at(-1);
    return restored && newest && restored.restoredAt! >= newest.pushedAt ? restored.version : newest?.version;
  };
  return (
    <Show when={(versions()?.length ?? 0) > 0}>
      <h3>Versions</h3>
      <ul class="versions">
        <For each={[...(versions() ?? [])].reverse()}>
          {(v) => (
            <li data-version={v.version} classList={{ current: v.version === current() }}>
              <img src={versionSrc(props.assetId, v.version)} alt={`Version ${v.version}`} loading="lazy" />
              <div>
                <strong>Version {v.version}</strong> · {v.reason}
                <time>{when(v.pushedAt)}</time>
                <small>{v.format.toUpperCase()} → {v.sites.join(", ")}</small>
                <Show when={v.restoredAt}>{(at) => <small>Restored {when(at())}</small>}</Show>
                <Show when={v.version !== current()} fallback={<small>On the sites now</small>}>
                  <button class="secondary" disabled={busy() !== null} onClick={() => restore(v.version)}>
                    {busy() === v.version ? "Restoring…" : "Restore this version"}
                  </button>
                </Show>
              </div>
            </li>
          )}
        </For>
      </ul>
      <Show when={note()}>{(n) => <p class="note" role="status">{n()}</p>}</Show>
    </Show>
  );
}
