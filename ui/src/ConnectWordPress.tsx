// Connecting a WordPress site: the address, then WordPress's own approval page in the browser
// (the site hands Folio a new Application Password); or, behind a link, the password typed in.
import { createEffect, createSignal, Match, on, Show, Switch } from "solid-js";
import type { ConnectStart } from "./bindings";
import { call, commands, FolioError, whileBusy } from "./api";

type Step =
  | { kind: "address" }
  | { kind: "waiting"; start: ConnectStart; paste: boolean }
  | { kind: "done"; name: string };

export function ConnectWordPress(props: { onAdded: () => void; connectTo: { address: string } | null }) {
  const [step, setStep] = createSignal<Step>({ kind: "address" });
  const [address, setAddress] = createSignal("");
  const [error, setError] = createSignal<string | null>(null);
  const [insecure, setInsecure] = createSignal(false);
  const [busy, setBusy] = createSignal(false);
  const [manual, setManual] = createSignal(false);

  const connect = async (allowHttp: boolean) => {
    setBusy(true);
    setError(null);
    try {
      const start = await call(commands.connectSite(address(), allowHttp));
      setInsecure(false);
      setStep({ kind: "waiting", start, paste: false });
      const site = await call(commands.connectSiteWait());
      setStep({ kind: "done", name: site.name });
      props.onAdded();
    } catch (e) {
      const err = e as FolioError;
      if (err.code === "cancelled") return;
      setInsecure(err.code === "insecure");
      setError(err.message);
      setStep({ kind: "address" });
    } finally {
      setBusy(false);
    }
  };

  // Reconnect on a site's card starts the same flow with its address.
  createEffect(on(() => props.connectTo, (to) => {
    if (!to) return;
    setAddress(to.address);
    setManual(false);
    void connect(false);
  }));

  const stop = async () => {
    await call(commands.connectSiteCancel());
    setStep({ kind: "address" });
  };

  const paste = async (e: SubmitEvent, start: ConnectStart) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget as HTMLFormElement);
    const field = (k: string) => String(data.get(k) ?? "").trim();
    setError(null);
    try {
      const site = await call(commands.connectSitePaste(start.siteUrl, start.siteName, field("user"), field("password")));
      setStep({ kind: "done", name: site.name });
      props.onAdded();
    } catch (err) {
      setError((err as Error).message);
    }
  };

  return (
    <>
      <Switch>
        <Match when={step().kind === "address"}>
          <form class="card connect" aria-labelledby="connect-title"
            onSubmit={(e) => { e.preventDefault(); void connect(false); }}>
            <h2 id="connect-title">Connect a WordPress site</h2>
            <label>
              Your site's address
              <input name="address" required placeholder="example.com" value={address()}
                onInput={(e) => setAddress(e.currentTarget.value)} autocomplete="url" />
              <small>WordPress opens in your browser: log in if asked and approve Folio. Nothing to copy.</small>
            </label>
            <Show when={error()}>{(e) => <p class="error" role="alert">{e()}</p>}</Show>
            <Show when={insecure()}>
              <button type="button" class="secondary danger" data-action="allow-http" onClick={() => connect(true)}>
                Connect over plain http anyway (the password travels unencrypted)
              </button>
            </Show>
            <div class="actions">
              <button type="submit" disabled={busy()}>{busy() ? "Finding the site…" : "Connect"}</button>
              <button type="button" class="link" data-action="manual" onClick={() => setManual(!manual())}>
                Enter an Application Password instead
              </button>
            </div>
          </form>
        </Match>
        <Match when={step().kind === "waiting" && (step() as { start: ConnectStart }).start}>
          {(start) => (
            <article class="card connect waiting" aria-live="polite">
              <h2>Approve Folio on {start().siteName || start().siteUrl}</h2>
              <p>
                WordPress's approval page is open in your browser. Log in if it asks, then press{" "}
                <strong>Yes, I approve of this connection</strong>. Folio waits here.
              </p>
              <small class="muted">
                No browser opened? Open <a class="approve-url" href={start().url} target="_blank" rel="noreferrer">the approval page</a>.
              </small>
              <div class="actions">
                <button class="secondary" onClick={stop}>Stop</button>
                <button class="link" data-action="paste"
                  onClick={() => setStep({ kind: "waiting", start: start(), paste: true })}>
                  The site showed a password instead
                </button>
              </div>
              <Show when={(step() as { paste: boolean }).paste}>
                <form class="paste" onSubmit={(e) => paste(e, start())}>
                  <small class="muted">
                    Some sites cannot send the password back to Folio. Open{" "}
                    <a class="paste-url" href={start().pasteUrl} target="_blank" rel="noreferrer">this approval page</a>,
                    approve, and copy the password it shows.
                  </small>
                  <label>Your user name <input name="user" required autocomplete="username" /></label>
                  <label>The new password <input name="password" type="password" required autocomplete="off" /></label>
                  <Show when={error()}>{(e) => <p class="error" role="alert">{e()}</p>}</Show>
                  <button type="submit">Check and connect</button>
                </form>
              </Show>
            </article>
          )}
        </Match>
        <Match when={step().kind === "done"}>
          <p class="note" role="status">
            Connected {(step() as { name: string }).name}. Drop a folder on the window to sync it there.{" "}
            <button class="link" data-action="connect-another"
              onClick={() => { setStep({ kind: "address" }); setAddress(""); }}>Connect another</button>
          </p>
        </Match>
      </Switch>
      <Show when={manual() && step().kind === "address"}>
        <ManualForm address={address()} onAdded={props.onAdded} />
      </Show>
    </>
  );
}

/** The password typed in: for sites whose approval page cannot be used. */
function ManualForm(props: { address: string; onAdded: () => void }) {
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  let form!: HTMLFormElement;

  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    const data = new FormData(form);
    const field = (k: string) => String(data.get(k) ?? "").trim();
    await whileBusy(setBusy, setError, async () => {
      await call(commands.addSite(field("name") || "My site", field("url"), field("user"), field("password")));
      form.reset();
      props.onAdded();
    });
  };

  return (
    <form class="card manual" ref={form} onSubmit={submit} aria-labelledby="add-site-title">
      <h2 id="add-site-title">Enter an Application Password</h2>
      <label>Name <input name="name" placeholder="My portfolio" autocomplete="off" /></label>
      <label>Address <input name="url" type="url" required placeholder="https://example.com" value={props.address} /></label>
      <label>User name <input name="user" required autocomplete="username" /></label>
      <label>
        Application Password <input name="password" type="password" required autocomplete="off" />
        <small>WordPress → Users → Profile → Application Passwords. Kept in your system keychain.</small>
      </label>
      <Show when={error()}>{(e) => <p class="error" role="alert">{e()}</p>}</Show>
      <button type="submit" disabled={busy()}>{busy() ? "Checking the site…" : "Test and connect"}</button>
    </form>
  );
}
