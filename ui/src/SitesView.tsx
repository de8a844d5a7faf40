import { createSignal, For, Show } from "solid-js";
import type { SiteRow } from "./bindings";
import { call, commands } from "./api";
import { ConnectWordPress } from "./ConnectWordPress";
import { ShopifyForm } from "./ConnectShopify";
import { LightroomPlugin } from "./LightroomPlugin";

export function SitesView(props: { sites: SiteRow[]; onChange: () => void }) {
  const [kind, setKind] = createSignal<"wordpress" | "shopify">("wordpress");
  // A site to connect again through its approval page (Reconnect on its card).
  const [connectTo, setConnectTo] = createSignal<{ address: string } | null>(null);

  const [checking, setChecking] = createSignal<string | null>(null);
  const [note, setNote] = createSignal<string | null>(null);
  const test = async (name: string) => {
    setChecking(name);
    setNote(null);
    try {
      await call(commands.testSite(name));
      setNote(`${name} answered: the connection works.`);
      props.onChange();
    } catch (err) {
      setNote((err as Error).message);
    } finally {
      setChecking(null);
    }
  };
  const getPlugin = async () => {
    const path = await call(commands.saveCompanionPlugin());
    if (!path) return;
    setNote(`Saved ${path}. In WordPress: Plugins → Add New → Upload Plugin, choose it, then Activate. Then press Test connection.`);
  };

  const [reconnecting, setReconnecting] = createSignal<string | null>(null);
  const reconnect = async (e: SubmitEvent, name: string) => {
    e.preventDefault();
    const password = String(new FormData(e.currentTarget as HTMLFormElement).get("password") ?? "").trim();
    setNote(null);
    try {
      await call(commands.reconnectSite(name, password));
      setReconnecting(null);
      setNote(`${name} is connected again; its waiting photos go up now.`);
      props.onChange();
    } catch (err) {
      setNote((err as Error).message);
    }
  };

  const remove = async (name: string) => {
    if (!confirm(`Forget ${name}? Photos already on the site stay there.`)) return;
    try {
      setNote(await call(commands.removeSite(name)));
    } catch (err) {
      setNote((err as Error).message);
    }
    props.onChange();
  };

  return (
    <section class="page" aria-labelledby="sites-title">
      <h1 id="sites-title">Sites</h1>
      <For each={props.sites} fallback={<p class="muted">No site connected yet.</p>}>
        {(s) => (
          <article class="card site" data-state={s.state}>
            <header>
              <h2>{s.name}</h2>
              <a href={s.kind === "shopify" ? `https://${s.url}/admin` : s.url} target="_blank" rel="noreferrer">{s.url}</a>
            </header>
            <Show when={s.state !== "ok"}>
              <p class="error site-state" role="alert">
                {s.state === "reconnect"
                  ? "This site refused Folio's credentials. Its photos wait until you reconnect it."
                  : "This site cannot be reached. Its photos wait; Folio checks it again by itself."}
                <Show when={s.error}>{(e) => <small>{e()}</small>}</Show>
              </p>
            </Show>
            <ul class="caps" aria-label="What this site can do">
              <li classList={{ yes: s.replaceInPlace }}>
                {s.replaceInPlace
                  ? `Replaces in place: re-edited photos keep their URL${s.notes.length ? ` (${s.notes.join(", ")})` : ""}`
                  : s.kind === "wordpress"
                    ? "Re-edited photos get a new URL: install the companion plugin to keep URLs"
                    : "Re-edited photos get a new URL"}
              </li>
              <li classList={{ yes: s.formats.includes("avif") }}>
                {s.formats.includes("avif") ? "Accepts AVIF" : "No AVIF: WebP is sent instead"}
              </li>
              <li>{s.maxUploadMb ? `Uploads up to ${s.maxUploadMb} MB` : "Upload limit not reported"}</li>
              <li>{s.kind === "shopify" ? `Connected with ${s.account}` : `Signed in as ${s.account}`}</li>
            </ul>
            <div class="actions">
              <button class="secondary" onClick={() => test(s.name)} disabled={checking() === s.name}>
                {checking() === s.name ? "Testing…" : "Test connection"}
              </button>
              <Show when={s.state === "reconnect" && s.kind === "wordpress"}>
                <button data-action="reconnect-site" onClick={() => { setKind("wordpress"); setConnectTo({ address: s.url }); }}>
                  Reconnect through the site
                </button>
              </Show>
              <Show when={s.state === "reconnect"}>
                <button class="secondary" data-action="reconnect" onClick={() => setReconnecting(s.name)}>
                  {s.kind === "wordpress" ? "Enter a new password" : "Reconnect"}
                </button>
              </Show>
              <Show when={!s.replaceInPlace && s.kind === "wordpress"}>
                <button class="secondary" onClick={getPlugin}>Get the companion plugin</button>
              </Show>
              <button class="secondary danger" onClick={() => remove(s.name)}>Remove site</button>
            </div>
            <Show when={reconnecting() === s.name}>
              <form class="reconnect" onSubmit={(e) => reconnect(e, s.name)}>
                <label>
                  {s.kind === "shopify"
                    ? (s.account.startsWith("the app") ? "New client secret" : "New Admin API access token")
                    : `New Application Password for ${s.account}`}
                  <input name="password" type="password" required autocomplete="off" />
                  <small>
                    {s.kind === "shopify"
                      ? "From the app in Shopify admin or the Dev Dashboard. Kept in your system keychain."
                      : "WordPress → Users → Profile → Application Passwords. Kept in your system keychain."}
                  </small>
                </label>
                <button type="submit">Check and reconnect</button>
              </form>
            </Show>
          </article>
        )}
      </For>
      <Show when={note()}>{(n) => <p class="note" role="status">{n()}</p>}</Show>
      <div class="tabs connect-tabs" role="tablist" aria-label="Kind of site">
        <button role="tab" aria-selected={kind() === "wordpress"} onClick={() => setKind("wordpress")}>WordPress</button>
        <button role="tab" data-kind="shopify" aria-selected={kind() === "shopify"} onClick={() => setKind("shopify")}>Shopify</button>
      </div>
      <Show when={kind() === "wordpress"} fallback={<ShopifyForm onAdded={props.onChange} />}>
        <ConnectWordPress onAdded={props.onChange} connectTo={connectTo()} />
      </Show>
      <LightroomPlugin />
    </section>
  );
}

