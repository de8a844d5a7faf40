import { createSignal, For, Show } from "solid-js";
import type { SiteRow } from "./bindings";
import { call, commands } from "./api";

export function SitesView(props: { sites: SiteRow[]; onChange: () => void }) {
  const [kind, setKind] = createSignal<"wordpress" | "shopify">("wordpress");
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  let form!: HTMLFormElement;

  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    const data = new FormData(form);
    const field = (k: string) => String(data.get(k) ?? "").trim();
    setBusy(true);
    setError(null);
    try {
      await call(commands.addSite(field("name") || "My site", field("url"), field("user"), field("password")));
      form.reset();
      props.onChange();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

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
    await call(commands.removeSite(name));
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
              <Show when={s.state === "reconnect"}>
                <button data-action="reconnect" onClick={() => setReconnecting(s.name)}>Reconnect</button>
              </Show>
              <Show when={!s.replaceInPlace && s.kind === "wordpress"}>
                <button class="secondary" onClick={getPlugin}>Get the companion plugin</button>
              </Show>
              <button class="secondary danger" onClick={() => remove(s.name)}>Remove site</button>
            </div>
            <Show when={reconnecting() === s.name}>
              <form class="reconnect" onSubmit={(e) => reconnect(e, s.name)}>
                <label>
                  New Application Password for {s.account}
                  <input name="password" type="password" required autocomplete="off" />
                  <small>WordPress → Users → Profile → Application Passwords. Kept in your system keychain.</small>
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
        <form class="card" ref={form} onSubmit={submit} aria-labelledby="add-site-title">
          <h2 id="add-site-title">Connect a WordPress site</h2>
          <label>Name <input name="name" placeholder="My portfolio" autocomplete="off" /></label>
          <label>Address <input name="url" type="url" required placeholder="https://example.com" /></label>
          <label>User name <input name="user" required autocomplete="username" /></label>
          <label>
            Application Password <input name="password" type="password" required autocomplete="off" />
            <small>WordPress → Users → Profile → Application Passwords. Kept in your system keychain.</small>
          </label>
          <Show when={error()}>{(e) => <p class="error" role="alert">{e()}</p>}</Show>
          <button type="submit" disabled={busy()}>{busy() ? "Checking the site…" : "Test and connect"}</button>
        </form>
      </Show>
    </section>
  );
}

/** A Shopify store: an Admin API token, or a Dev Dashboard app's client id and secret. */
function ShopifyForm(props: { onAdded: () => void }) {
  const [withApp, setWithApp] = createSignal(false);
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  let form!: HTMLFormElement;

  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    const data = new FormData(form);
    const field = (k: string) => String(data.get(k) ?? "").trim();
    const secret = (k: string) => (withApp() === (k !== "token") ? field(k) || null : null);
    setBusy(true);
    setError(null);
    try {
      await call(commands.addShopifySite(field("name") || "My shop", field("store"), secret("token"),
        secret("clientId"), secret("clientSecret")));
      form.reset();
      props.onAdded();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card shopify" ref={form} onSubmit={submit} aria-labelledby="add-shop-title">
      <h2 id="add-shop-title">Connect a Shopify store</h2>
      <p class="muted small">
        Photos go to the store's Files (Content → Files), and a re-edited photo replaces its file in
        place, so product pages keep showing it. Shopify keeps alt text with a file, not a title or caption.
      </p>
      <label>Name <input name="name" placeholder="My print shop" autocomplete="off" /></label>
      <label>
        Store address <input name="store" required placeholder="my-prints.myshopify.com" />
        <small>Shopify admin → Settings → Domains: the address ending in .myshopify.com.</small>
      </label>
      <label class="check small">
        <input type="checkbox" checked={withApp()} onChange={(e) => setWithApp(e.currentTarget.checked)} />
        I have a Dev Dashboard app (client id and secret) instead of an access token
      </label>
      <Show when={withApp()} fallback={
        <label>
          Admin API access token <input name="token" type="password" required autocomplete="off" placeholder="shpat_…" />
          <small>
            Shopify admin → Settings → Apps → Develop apps → your app: give it the Admin API scopes
            read_files and write_files, install it, then reveal its Admin API access token. Kept in your
            system keychain.
          </small>
        </label>
      }>
        <label>Client id <input name="clientId" required autocomplete="off" /></label>
        <label>
          Client secret <input name="clientSecret" type="password" required autocomplete="off" />
          <small>
            Shopify Dev Dashboard → your app: give it read_files and write_files, install it on this
            store, then copy its client id and secret. Folio renews the store's access from them every
            day. Kept in your system keychain.
          </small>
        </label>
      </Show>
      <Show when={error()}>{(e) => <p class="error" role="alert">{e()}</p>}</Show>
      <button type="submit" disabled={busy()}>{busy() ? "Checking the store…" : "Test and connect"}</button>
    </form>
  );
}
