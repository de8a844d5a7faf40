import { createEffect, createResource, createSignal, For, Match, onCleanup, onMount, Show, Switch } from "solid-js";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import { open } from "@tauri-apps/plugin-dialog";
import { disable, enable, isEnabled } from "@tauri-apps/plugin-autostart";
import { events } from "./bindings";
import { call, commands } from "./api";
import { albumWork, applyLive, countsLabel, fraction, type LiveMap } from "./progress";
import type { Progress } from "./bindings";
import { dropSummary } from "./drop";
import { AccountsView } from "./AccountsView";
import { ActivityView } from "./ActivityView";
import { AlbumView } from "./AlbumView";
import { ConnectDialog, connectable, type ConnectRequest } from "./ConnectDialog";

type View =
  | { kind: "album"; root: string }
  | { kind: "accounts" }
  | { kind: "activity" }
  | { kind: "welcome" };

/** "A, B or C". */
export function either(words: string[]): string {
  return words.length < 2 ? (words[0] ?? "") : `${words.slice(0, -1).join(", ")} or ${words.at(-1)}`;
}

export function App() {
  const [albums, { refetch: refetchAlbums }] = createResource(() => call(commands.albums()));
  const [sites, { refetch: refetchSites }] = createResource(() => call(commands.sites()));
  const [info, { refetch: refetchInfo }] = createResource(() => call(commands.appInfo()));
  const [accounts, { refetch: refetchAccounts }] = createResource(() => call(commands.accounts()));
  const [connectors] = createResource(() => commands.connectors());
  // The Connect dialog, when open; `thenPick`: a new source account opens its picker.
  const [connecting, setConnecting] = createSignal<(ConnectRequest & { thenPick?: boolean }) | null>(null);
  const [picking, setPicking] = createSignal<string | null>(null);
  const [note, setNote] = createSignal<string | null>(null);
  const [view, setView] = createSignal<View>({ kind: "welcome" });
  // The engine's progress model, as it last sent it.
  const [progress, setProgress] = createSignal<Progress | null>(null);
  // Photos being converted or uploaded right now, per album: the grid's live badges.
  const [live, setLive] = createSignal<LiveMap>({});
  // Bumped (at most once a second) when photos finish, so open views reload their states.
  const [version, setVersion] = createSignal(0);
  let bumpPending = false;
  const bump = () => {
    if (bumpPending) return;
    bumpPending = true;
    setTimeout(() => {
      bumpPending = false;
      setVersion((v) => v + 1);
      void refetchAlbums();
    }, 1000);
  };
  const [dragging, setDragging] = createSignal(false);
  const [toast, setToast] = createSignal<{ tone: "ok" | "warn"; text: string } | null>(null);

  const addFolders = async (paths: string[]) => {
    if (paths.length === 0) return;
    try {
      const r = await call(commands.addFolders(paths));
      const summary = dropSummary(r);
      setToast(summary);
      // Good news goes away by itself; an explanation stays until dismissed.
      if (summary.tone === "ok") setTimeout(() => setToast((t) => (t === summary ? null : t)), 8000);
      await refetchAlbums();
      const first = albums()?.find((a) => r.added.includes(a.name));
      if (first) setView({ kind: "album", root: first.root });
    } catch (e) {
      setToast({ tone: "warn", text: (e as Error).message });
    }
  };

  const chooseFolder = async () => {
    const picked = await open({ directory: true, multiple: true, title: "Choose folders to sync" });
    if (picked) await addFolders(Array.isArray(picked) ? picked : [picked]);
  };

  const accountAlbumAdded = async (name: string) => {
    setPicking(null);
    await refetchAlbums();
    const added = albums()?.find((a) => a.name === name);
    if (added) setView({ kind: "album", root: added.root });
  };

  const accountsChanged = () => {
    void refetchAccounts();
    void refetchSites();
    void refetchAlbums();
  };

  const connected = async (account: string) => {
    const request = connecting();
    setConnecting(null);
    await refetchAccounts();
    void refetchSites();
    void refetchAlbums();
    const source = accounts()?.find((a) => a.name === account)?.roles.includes("source") ?? false;
    setNote(request?.reconnect
      ? `${account} is connected again; ${source ? "its albums sync again" : "its waiting photos go up now"}.`
      : `Connected ${account}. ${!source ? "Drop a folder on the window to sync it there."
        : request?.thenPick ? "Choose one of its folders to sync." : "Add an album from it with Add an album…"}`);
    if (source && request?.thenPick) setPicking(account);
    setView({ kind: "accounts" });
  };

  /** An album from an account: its picker, or Connect first when there is none. */
  const addFromAccount = () => {
    const sources = (accounts() ?? []).filter((a) => a.roles.includes("source"));
    if (sources.length === 0) {
      setConnecting({ role: "source", thenPick: true });
      return;
    }
    setNote(sources.length > 1 ? "Choose the account: Add an album… on its card." : null);
    setPicking(sources.length === 1 ? sources[0].name : null);
    setView({ kind: "accounts" });
  };

  // With albums and nothing chosen, show the first album rather than the welcome page.
  createEffect(() => {
    const first = albums()?.[0];
    if (first && view().kind === "welcome") setView({ kind: "album", root: first.root });
  });

  onMount(async () => {
    const unlisten: Array<() => void> = [];
    unlisten.push(
      await events.engineEvent.listen((e) => {
        const ev = e.payload;
        if (ev.kind === "progress") setProgress(ev.progress);
        setLive((l) => applyLive(l, ev));
        if (ev.kind === "pass_finished" || ev.kind === "photo_done") bump();
        if (ev.kind === "site_state") {
          void refetchSites();
          void refetchAccounts();
        }
        if (ev.kind === "auto_sync") void refetchInfo();
      }),
    );
    setProgress(await commands.progress());
    unlisten.push(
      await getCurrentWebview().onDragDropEvent((e) => {
        if (e.payload.type === "enter" || e.payload.type === "over") setDragging(true);
        else if (e.payload.type === "leave") setDragging(false);
        else if (e.payload.type === "drop") {
          setDragging(false);
          void addFolders(e.payload.paths);
        }
      }),
    );
    onCleanup(() => unlisten.forEach((u) => u()));
  });

  const [atLogin, { mutate: setAtLogin }] = createResource(() => isEnabled().catch(() => false));
  const toggleAtLogin = async (on: boolean) => {
    await (on ? enable() : disable());
    setAtLogin(await isEnabled());
  };

  const togglePause = async () => {
    await call(commands.setAutoSyncPaused(!info()?.autoSyncPaused));
    await refetchInfo();
  };

  return (
    <>
      <aside class="sidebar" aria-label="Albums">
        <div class="brand">
          <img src="/icon.png" alt="" />
          Folio
        </div>
        <div class="section-title">Albums</div>
        <nav class="albums" aria-label="Album list">
          <For each={albums() ?? []} fallback={<p class="empty">No albums yet.</p>}>
            {(a) => (
              <button
                class="album"
                classList={{ selected: view().kind === "album" && (view() as { root: string }).root === a.root }}
                onClick={() => setView({ kind: "album", root: a.root })}
                aria-label={`${a.name}: ${countsLabel(a)}`}
              >
                <span class="album-name">{a.name}</span>
                <span class="bar" role="progressbar" aria-valuemin="0" aria-valuemax="100"
                  aria-valuenow={Math.round(fraction(a, albumWork(progress(), a.id)) * 100)}>
                  <span style={{ width: `${fraction(a, albumWork(progress(), a.id)) * 100}%` }} />
                </span>
                <span class="counts" classList={{ failed: a.failed.length > 0 }}>{countsLabel(a)}</span>
              </button>
            )}
          </For>
        </nav>
        <button class="add" onClick={chooseFolder}>+ Add folder</button>
        <button class="add" data-action="add-from-account" onClick={addFromAccount}>+ Add from an account…</button>
        <div class="section-title">Folio</div>
        <button class="nav" data-view="accounts" classList={{ selected: view().kind === "accounts" }} onClick={() => setView({ kind: "accounts" })}>
          Accounts <span class="badge" classList={{ alert: (accounts() ?? []).some((a) => a.state !== "ok") }}>{accounts()?.length ?? 0}</span>
        </button>
        <button class="nav" data-view="activity" classList={{ selected: view().kind === "activity" }} onClick={() => setView({ kind: "activity" })}>
          Activity
        </button>
        <footer>
          <label class="check small">
            <input type="checkbox" checked={atLogin() ?? false} onChange={(e) => toggleAtLogin(e.currentTarget.checked)} />
            Start Folio at login
          </label>
          <button class="link" onClick={togglePause} aria-pressed={info()?.autoSyncPaused ?? false}>
            {info()?.autoSyncPaused ? "Resume auto-sync" : "Pause auto-sync"}
          </button>
          <span>
            {info()?.autoSyncPaused ? "Auto-sync is paused · " : ""}
            {info() ? `Version ${info()!.version}` : ""}
          </span>
        </footer>
      </aside>
      <main>
        <Switch>
          <Match when={view().kind === "accounts"}>
            <AccountsView accounts={accounts() ?? []} note={note()} onNote={setNote} picking={picking()} onPick={setPicking}
              onConnect={setConnecting} onChanged={accountsChanged} onAlbumAdded={accountAlbumAdded} />
          </Match>
          <Match when={view().kind === "activity"}>
            <ActivityView />
          </Match>
          <Match when={view().kind === "album" && albums()?.find((a) => a.root === (view() as { root: string }).root)}>
            {(a) => <AlbumView album={a()} sites={sites() ?? []} work={albumWork(progress(), a().id)} progress={progress()}
              live={live()[String(a().id)] ?? {}} version={version()} />}
          </Match>
          <Match when={true}>
            <Welcome hasSites={(sites()?.length ?? 0) > 0} hasAlbums={(albums()?.length ?? 0) > 0}
              sites={connectable(connectors() ?? [], "destination").map((c) => c.label)}
              sources={connectable(connectors() ?? [], "source").map((c) => c.label)}
              onAddSite={() => setConnecting({ role: "destination" })} onChoose={chooseFolder}
              onFromAccount={addFromAccount} />
          </Match>
        </Switch>
      </main>
      <Show when={connecting()} keyed>
        {(request) => <ConnectDialog request={request} onDone={connected} onClose={() => setConnecting(null)} />}
      </Show>
      <Show when={dragging()}>
        <div class="drop-overlay" role="status">
          <div>
            <strong>Drop folders to sync them</strong>
            <span>Each folder becomes an album that stays in sync with your sites.</span>
          </div>
        </div>
      </Show>
      <Show when={toast()}>
        {(t) => (
          <div class="toast" classList={{ warn: t().tone === "warn" }} role="alert">
            <p>{t().text}</p>
            <button class="link" onClick={() => setToast(null)} aria-label="Dismiss">✕</button>
          </div>
        )}
      </Show>
    </>
  );
}

function Welcome(props: {
  hasSites: boolean;
  hasAlbums: boolean;
  /** The services photos can be published to, and read from, by their labels. */
  sites: string[];
  sources: string[];
  onAddSite: () => void;
  onChoose: () => void;
  onFromAccount: () => void;
}) {
  return (
    <section class="welcome" aria-labelledby="welcome-title">
      <img src="/icon.png" alt="" />
      <h1 id="welcome-title">Your photos, on every site, always current</h1>
      <p>
        Folio watches the folders you export to{props.sources.length ? `, and folders in ${either(props.sources)},` : ""} and
        keeps your sites in sync: resized, upright, and replaced in place when you re-edit.
      </p>
      <ol class="steps">
        <li classList={{ done: props.hasSites }}>
          <strong>Connect a site.</strong> {props.sites.length ? `${either(props.sites)}: ` : ""}Folio asks
          only for what it needs, and where the site has an approval page, you approve Folio there.
          <Show when={!props.hasSites}>
            <button onClick={props.onAddSite}>Connect a site</button>
          </Show>
        </li>
        <li classList={{ done: props.hasAlbums }}>
          <strong>Add a folder.</strong> Drop your Lightroom export folder anywhere on this window, or
          pick one from <button class="link" onClick={props.onFromAccount}>{either(props.sources) || "an account"}</button>.
        </li>
      </ol>
      <div class="dropzone" role="button" tabindex="0" onClick={props.onChoose}
        onKeyDown={(e) => (e.key === "Enter" || e.key === " ") && props.onChoose()}>
        Drop a folder here, or click to choose one
      </div>
    </section>
  );
}
