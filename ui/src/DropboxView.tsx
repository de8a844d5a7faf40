// Dropbox: sign in through the system browser, then pick a folder of the account, one level at a
// time, to sync like any other album. The engine does the work; this view only asks and shows.
import { createResource, createSignal, For, Match, Show, Switch } from "solid-js";
import type { DropboxAccount } from "./bindings";
import { call, commands, whileBusy } from "./api";

/** The crumbs of a Dropbox path: "" is the top of the account. */
export function crumbs(path: string): { name: string; path: string }[] {
  const parts = path.split("/").filter((p) => p.length > 0);
  return [
    { name: "Dropbox", path: "" },
    ...parts.map((name, i) => ({ name, path: "/" + parts.slice(0, i + 1).join("/") })),
  ];
}

export function DropboxView(props: {
  account: DropboxAccount | undefined;
  onAccountChange: () => void;
  onAlbumAdded: (name: string) => void;
}) {
  const [waiting, setWaiting] = createSignal<string | null>(null);
  const [error, setError] = createSignal<string | null>(null);

  const connect = async () => {
    setError(null);
    try {
      const url = await call(commands.dropboxSignIn());
      setWaiting(url);
      await call(commands.dropboxWait());
      props.onAccountChange();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setWaiting(null);
    }
  };

  const signOut = async () => {
    if (!confirm("Sign Folio out of Dropbox? Dropbox albums stop syncing until you connect again; nothing on your sites changes.")) return;
    setError(null);
    try {
      await call(commands.dropboxLogout());
    } catch (e) {
      setError((e as Error).message);
    }
    props.onAccountChange();
  };

  return (
    <section class="page" aria-labelledby="dropbox-title">
      <h1 id="dropbox-title">Dropbox</h1>
      <Switch>
        <Match when={props.account?.connected}>
          <article class="card dropbox-account">
            <header>
              <h2>{props.account?.name ?? "Dropbox"}</h2>
              <span class="muted">{props.account?.email ?? ""}</span>
            </header>
            <p class="muted">
              Folio hears about changes in your Dropbox within seconds and only reads from it: it never
              changes, moves or deletes anything there.
            </p>
            <div class="actions">
              <button class="secondary danger" onClick={signOut}>Sign out of Dropbox</button>
            </div>
          </article>
          <FolderPicker onAlbumAdded={props.onAlbumAdded} />
        </Match>
        <Match when={true}>
          <article class="card">
            <h2>Sync photos from Dropbox</h2>
            <p class="muted">
              Photos delivered to Dropbox, from another computer or a phone, go to your sites without a
              Dropbox app on this computer. Folio signs in through your browser; the sign-in stays in
              your system keychain.
            </p>
            <Show when={waiting()} fallback={<button class="connect" onClick={connect}>Connect Dropbox</button>}>
              {(url) => (
                <div class="waiting" role="status">
                  <p>Finish signing in in your browser. Waiting for Dropbox…</p>
                  <small>
                    If no browser opened, open this address:{" "}
                    <a class="sign-in-url" href={url()} target="_blank" rel="noreferrer">{url()}</a>
                  </small>
                </div>
              )}
            </Show>
          </article>
        </Match>
      </Switch>
      <Show when={error()}>{(e) => <p class="error" role="alert">{e()}</p>}</Show>
    </section>
  );
}

function FolderPicker(props: { onAlbumAdded: (name: string) => void }) {
  const [path, setPath] = createSignal("");
  const [folders] = createResource(path, (p) => call(commands.dropboxFolders(p)));
  const [adding, setAdding] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);

  const add = () =>
    whileBusy(setAdding, setError, async () => props.onAlbumAdded(await call(commands.addDropboxFolder(path()))));

  return (
    <article class="card folder-picker" aria-labelledby="picker-title">
      <h2 id="picker-title">Add a Dropbox folder</h2>
      <nav class="crumbs" aria-label="Folder">
        <For each={crumbs(path())}>
          {(c, i) => (
            <>
              <Show when={i() > 0}><span aria-hidden="true">›</span></Show>
              <button class="link" onClick={() => setPath(c.path)} disabled={c.path === path()}>{c.name}</button>
            </>
          )}
        </For>
      </nav>
      <Show when={!folders.error} fallback={<p class="error" role="alert">{(folders.error as Error)?.message}</p>}>
        <ul class="folders" aria-busy={folders.loading}>
          <For each={folders() ?? []} fallback={<li class="muted">{folders.loading ? "Loading…" : "No folders inside."}</li>}>
            {(f) => (
              <li>
                <button class="folder" onClick={() => setPath(f.path)}>
                  <span aria-hidden="true">📁</span> {f.name}
                </button>
              </li>
            )}
          </For>
        </ul>
      </Show>
      <div class="actions">
        <button class="use-folder" onClick={add} disabled={adding() || path() === ""}>
          {adding() ? "Adding…" : path() === "" ? "Choose a folder to sync" : `Sync “${crumbs(path()).at(-1)!.name}”`}
        </button>
        <small class="muted">Its photos, and those in its subfolders, go to every connected site.</small>
      </div>
      <Show when={error()}>{(e) => <p class="error" role="alert">{e()}</p>}</Show>
    </article>
  );
}
