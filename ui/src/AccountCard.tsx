// One account, whatever its service: who is signed in and whether it works; for a site, what it
// can do; for a source, adding an album from it. Reconnect goes through the Connect dialog.
import { createSignal, Show } from "solid-js";
import type { AccountRow, SiteRow } from "./bindings";
import { call, commands } from "./api";

/** Where a site's address opens: as given when it is a web address, else over https. */
export function webAddress(url: string): string {
  return /^https?:\/\//.test(url) ? url : `https://${url}`;
}

/** Why an account does not work, in words. */
export function stateWords(a: AccountRow): string {
  const source = a.roles.includes("source");
  if (a.state === "reconnect") {
    return source
      ? "Folio's sign-in was refused. Albums from it wait until you reconnect it."
      : "This site refused Folio's credentials. Its photos wait until you reconnect it.";
  }
  if (a.state === "rate_limited") {
    return "This site has used up its rate limit. Its photos wait; Folio checks it again by itself.";
  }
  return source
    ? "This account cannot be reached. Folio tries again by itself."
    : "This site cannot be reached. Its photos wait; Folio checks it again by itself.";
}

/** What a site does with photos, one line each. */
export function capabilityLines(s: SiteRow): { text: string; yes: boolean }[] {
  return [
    {
      text: `${s.replaceWords.charAt(0).toUpperCase()}${s.replaceWords.slice(1)}${s.notes.length ? ` (${s.notes.join(", ")})` : ""}`,
      yes: s.replaceInPlace,
    },
    {
      text: s.formats.includes("avif") ? "Accepts AVIF" : "No AVIF: WebP is sent instead",
      yes: s.formats.includes("avif"),
    },
    { text: s.maxUploadMb ? `Uploads up to ${s.maxUploadMb} MB` : "Upload limit not reported", yes: false },
  ];
}

export function AccountCard(props: {
  account: AccountRow;
  onChanged: () => void;
  onReconnect: (a: AccountRow) => void;
  onAddAlbum: (a: AccountRow) => void;
  onNote: (text: string) => void;
}) {
  const a = () => props.account;
  const source = () => a().roles.includes("source");
  const [checking, setChecking] = createSignal(false);

  const test = async () => {
    setChecking(true);
    try {
      await call(commands.testSite(a().name));
      props.onNote(`${a().name} answered: the connection works.`);
    } catch (err) {
      props.onNote((err as Error).message);
    } finally {
      setChecking(false);
      props.onChanged();
    }
  };

  // The one service-specific control the window keeps: WordPress's companion plugin.
  const getPlugin = async () => {
    const path = await call(commands.saveCompanionPlugin());
    if (!path) return;
    props.onNote(`Saved ${path}. In WordPress: Plugins → Add New → Upload Plugin, choose it, then Activate. Then press Test connection.`);
  };

  const remove = async () => {
    const what = source()
      ? "Folio signs out of it; nothing in it changes."
      : "Photos already on the site stay there.";
    if (!confirm(`Forget ${a().name}? ${what}`)) return;
    try {
      props.onNote(await call(commands.removeAccount(a().name)));
    } catch (err) {
      props.onNote((err as Error).message);
    }
    props.onChanged();
  };

  return (
    <article class="card account" data-state={a().state} data-connector={a().connector}>
      <header>
        <h2>{a().name}</h2>
        <span class="muted">{a().label}</span>
        <Show when={a().site}>
          {(s) => <a href={webAddress(s().url)} target="_blank" rel="noreferrer">{s().url}</a>}
        </Show>
      </header>
      <Show when={a().state !== "ok"}>
        <p class="error account-state" role="alert">
          {stateWords(a())}
          <Show when={a().error}>{(e) => <small>{e()}</small>}</Show>
        </p>
      </Show>
      <ul class="caps" aria-label="What this account does">
        <Show when={a().who}><li>Signed in as {a().who}</li></Show>
        <Show when={a().site}>
          {(s) => capabilityLines(s()).map((l) => <li classList={{ yes: l.yes }}>{l.text}</li>)}
        </Show>
        <Show when={source()}>
          <li>Folio only reads from it: it never changes, moves or deletes anything there.</li>
        </Show>
      </ul>
      <div class="actions">
        <Show when={source()}>
          <button data-action="add-album" onClick={() => props.onAddAlbum(a())}>Add an album…</button>
        </Show>
        <Show when={a().site}>
          <button class="secondary" onClick={test} disabled={checking()}>
            {checking() ? "Testing…" : "Test connection"}
          </button>
        </Show>
        <button classList={{ secondary: a().state === "ok" }} data-action="reconnect" onClick={() => props.onReconnect(a())}>
          Reconnect
        </button>
        <Show when={a().connector === "wordpress" && a().site && !a().site!.replaceInPlace}>
          <button class="secondary" onClick={getPlugin} title="Keeps a re-edited photo's URL">
            Get the companion plugin
          </button>
        </Show>
        <button class="secondary danger" data-action="remove" onClick={remove}>Remove</button>
      </div>
    </article>
  );
}
