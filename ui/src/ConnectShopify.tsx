// Connecting a Shopify store: an Admin API token, or a Dev Dashboard app's client id and secret.
import { createSignal, Show } from "solid-js";
import { call, commands, whileBusy } from "./api";

/** A Shopify store: an Admin API token, or a Dev Dashboard app's client id and secret. */
export function ShopifyForm(props: { onAdded: () => void }) {
  const [withApp, setWithApp] = createSignal(false);
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  let form!: HTMLFormElement;

  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    const data = new FormData(form);
    const field = (k: string) => String(data.get(k) ?? "").trim();
    const secret = (k: string) => (withApp() === (k !== "token") ? field(k) || null : null);
    await whileBusy(setBusy, setError, async () => {
      await call(commands.addShopifySite(field("name") || "My shop", field("store"), secret("token"),
        secret("clientId"), secret("clientSecret")));
      form.reset();
      props.onAdded();
    });
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
