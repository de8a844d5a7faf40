// The one Connect dialog, for every connector and every way of signing in. The engine says
// what it needs next (a prompt) and this renders it: fields as a form, a page to finish in the
// browser, a yes-or-no question; Done closes it. Nothing here names a service: connectors
// describe themselves (label, roles, fields), and the engine runs their sign-in.
import { createEffect, createResource, createSignal, For, Match, onMount, Show, Switch, untrack } from "solid-js";
import type { ConnectorInfo, Field, Role, SignInStep } from "./bindings";
import { call, commands, FolioError } from "./api";

/** What the caller asks for: a new account (of a role, if it says), or one signed in again. */
export type ConnectRequest = {
  role?: Role;
  reconnect?: { name: string; connector: string };
};

type Values = Record<string, string>;

type Phase =
  | { kind: "pick" }
  | { kind: "loading" }
  | { kind: "form"; fields: Field[]; values: Values; problem: string | null; session: number | null }
  | { kind: "browser"; session: number; url: string; pasteUrl: string | null; paste: Field[]; says: string }
  | { kind: "confirm"; session: number; says: string };

/** The connectors a person can connect, for `role` when one is asked for. */
export function connectable(all: ConnectorInfo[], role?: Role): ConnectorInfo[] {
  return all.filter((c) => c.sign_in.length > 0 && (!role || c.roles.includes(role)));
}

/** What a connector is for, in words. */
export function purpose(roles: Role[]): string {
  const words = roles.map((r) => (r === "destination" ? "publish photos to it" : "sync photos from it"));
  return words.join(" and ");
}

/** A form's values worth sending: those filled in, trimmed. */
export function filled(form: HTMLFormElement): Values {
  const out: Values = {};
  for (const input of form.querySelectorAll<HTMLInputElement | HTMLSelectElement>("[data-field]")) {
    const value = input instanceof HTMLInputElement && input.type === "checkbox"
      ? String(input.checked)
      : input.value.trim();
    if (value !== "") out[input.dataset.field!] = value;
  }
  return out;
}

/** One field of a connector, as its kind asks: text, address, secret, yes/no or a choice. */
export function FieldInput(props: { field: Field; value?: string }) {
  const f = props.field;
  const hint = () => (
    <Show when={f.help}><small>{f.help}</small></Show>
  );
  if (f.kind === "bool") {
    return (
      <label class="check">
        <input type="checkbox" name={f.name} data-field={f.name}
          checked={(props.value ?? f.default ?? "false") === "true"} />
        {f.label}
        {hint()}
      </label>
    );
  }
  return (
    <label>
      <span>{f.label}<Show when={f.required}> <abbr class="required" title="required">*</abbr></Show></span>
      <Show when={f.kind === "choice"} fallback={
        <input name={f.name} data-field={f.name} required={f.required}
          type={f.kind === "secret" ? "password" : f.kind === "url" ? "url" : "text"}
          autocomplete="off" value={f.kind === "secret" ? "" : (props.value ?? "")}
          placeholder={f.default ?? ""} />
      }>
        <select name={f.name} data-field={f.name} required={f.required}>
          <Show when={!f.required}><option value="">{f.default ? `Default (${f.default})` : "—"}</option></Show>
          <For each={f.options}>
            {(o) => <option value={o} selected={o === props.value}>{o}</option>}
          </For>
        </select>
      </Show>
      {hint()}
    </label>
  );
}

/** A connector's fields: the usual ones, then the advanced ones behind a disclosure. */
export function Fields(props: { fields: Field[]; values: Values }) {
  const usual = () => props.fields.filter((f) => !f.advanced);
  const advanced = () => props.fields.filter((f) => f.advanced);
  return (
    <>
      <For each={usual()}>{(f) => <FieldInput field={f} value={props.values[f.name]} />}</For>
      <Show when={advanced().length > 0}>
        <details class="advanced">
          <summary>Advanced</summary>
          <For each={advanced()}>{(f) => <FieldInput field={f} value={props.values[f.name]} />}</For>
        </details>
      </Show>
    </>
  );
}

export function ConnectDialog(props: {
  request: ConnectRequest;
  onDone: (account: string) => void;
  onClose: () => void;
}) {
  const [connectors] = createResource(() => commands.connectors());
  const [connector, setConnector] = createSignal<ConnectorInfo | null>(null);
  const [phase, setPhase] = createSignal<Phase>({ kind: props.request.reconnect ? "loading" : "pick" });
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  const [pasting, setPasting] = createSignal(false);
  // What the person typed last, but secrets: shown again when a step fails.
  let kept: Values = {};
  let keptName = "";
  // The sign-in the window listens for; a step for another (stopped) one is ignored.
  let live: number | null = null;
  const reconnect = props.request.reconnect;

  const choose = (c: ConnectorInfo) => {
    setConnector(c);
    setError(null);
    setPhase({ kind: "form", fields: c.fields, values: {}, problem: null, session: null });
  };

  const candidates = () => connectable(connectors() ?? [], props.request.role);
  const title = () => {
    if (reconnect) return `Reconnect ${reconnect.name}`;
    const c = connector();
    return c ? `Connect ${c.label}` : props.request.role === "source" ? "Add photos from an account" : "Connect";
  };

  /** Back to the connector's form after a failure, with what was typed (secrets aside). */
  const fail = (message: string) => {
    live = null;
    setPasting(false);
    setError(message);
    const c = connector();
    setPhase(c ? { kind: "form", fields: c.fields, values: kept, problem: null, session: null } : { kind: "pick" });
  };

  const show = (step: SignInStep) => {
    live = step.session;
    const p = step.prompt;
    if (p.step === "done") {
      live = null;
      props.onDone(p.account);
    } else if (p.step === "fields") {
      setPhase({ kind: "form", fields: p.fields, values: { ...kept, ...(p.values as Values) }, problem: p.problem, session: step.session });
    } else if (p.step === "confirm") {
      setPhase({ kind: "confirm", session: step.session, says: p.says });
    } else {
      setPasting(false);
      setPhase({ kind: "browser", session: step.session, url: p.url, pasteUrl: p.paste_url, paste: p.paste ?? [], says: p.says });
      void wait(step.session);
    }
  };

  const run = async (action: () => Promise<SignInStep>) => {
    setBusy(true);
    setError(null);
    try {
      show(await action());
    } catch (e) {
      fail((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  /** Waits for the browser's answer: the service came back, or the sign-in failed. */
  const wait = async (session: number) => {
    try {
      const next = await call(commands.connectContinue(session, { reply: "wait" }));
      if (live === session) show(next);
    } catch (e) {
      // Stopped, or a pasted credential took over: nothing to say.
      if (live !== session || (e as FolioError).code === "cancelled") return;
      fail((e as Error).message);
    }
  };

  const submit = (e: SubmitEvent, session: number | null) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const values = filled(form);
    const secret = new Set((connector()?.fields ?? []).filter((f) => f.kind === "secret").map((f) => f.name));
    kept = Object.fromEntries(Object.entries(values).filter(([k]) => !secret.has(k)));
    keptName = (form.querySelector<HTMLInputElement>("input.account-name")?.value ?? "").trim();
    const name = keptName || null;
    void run(() => {
      if (session !== null) return call(commands.connectContinue(session, { reply: "fields", values }));
      if (reconnect) return call(commands.reconnectAccount(reconnect.name, values));
      return call(commands.connectStart(connector()!.id, name, values));
    });
  };

  /** The credential the service showed instead of sending it back. */
  const paste = async (e: SubmitEvent, session: number) => {
    e.preventDefault();
    const values = filled(e.currentTarget as HTMLFormElement);
    setBusy(true);
    setError(null);
    try {
      const next = await call(commands.connectContinue(session, { reply: "fields", values }));
      show(next);
    } catch (err) {
      // Refused: the person may paste again.
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const answer = (session: number, yes: boolean) =>
    run(() => call(commands.connectContinue(session, { reply: yes ? "yes" : "no" })));

  const stop = () => {
    if (live !== null) void commands.connectCancel(live);
    fail("Stopped; nothing was saved.");
    setError(null);
  };

  const close = () => {
    if (live !== null) void commands.connectCancel(live);
    live = null;
    props.onClose();
  };

  onMount(() => {
    if (!reconnect) return;
    // The account's own connector, then its first step (the engine knows what it stored).
    void (async () => {
      const all = await commands.connectors().catch(() => [] as ConnectorInfo[]);
      setConnector(all.find((c) => c.id === reconnect.connector) ?? null);
      await run(() => call(commands.reconnectAccount(reconnect.name, {})));
    })();
  });

  // A single connector for the role asked: straight to its form.
  createEffect(() => {
    const only = candidates();
    if (phase().kind === "pick" && only.length === 1) untrack(() => choose(only[0]));
  });

  return (
    <div class="dialog-backdrop" onKeyDown={(e) => e.key === "Escape" && close()}>
      <section class="card connect-dialog" role="dialog" aria-modal="true" aria-labelledby="connect-title">
        <header>
          <h2 id="connect-title">{title()}</h2>
          <button class="link close" aria-label="Close" onClick={close}>✕</button>
        </header>
        <Switch>
          <Match when={phase().kind === "pick"}>
            <Show when={!connectors.loading} fallback={<p class="muted">Loading…</p>}>
              <ul class="connectors">
                <For each={candidates()}>
                  {(c) => (
                    <li>
                      <button class="connector" data-connector={c.id} onClick={() => choose(c)}>
                        <strong>{c.label}</strong>
                        <small>{purpose(c.roles)}</small>
                      </button>
                    </li>
                  )}
                </For>
              </ul>
            </Show>
          </Match>
          <Match when={phase().kind === "loading"}>
            <p class="muted" role="status">Asking what {reconnect?.name} needs…</p>
          </Match>
          <Match when={phase().kind === "form" && (phase() as Extract<Phase, { kind: "form" }>)} keyed>
            {(f) => (
              <form class="connect-form" onSubmit={(e) => submit(e, f.session)}>
                <Show when={f.problem && f.session !== null}>
                  <p class="problem" role="status">{f.problem}</p>
                </Show>
                <Fields fields={f.fields} values={f.values} />
                <Show when={!reconnect && f.session === null}>
                  <label>
                    Name in Folio <input class="account-name" autocomplete="off" placeholder="optional" value={keptName} />
                    <small>How this account is listed here; empty, the service's own name.</small>
                  </label>
                </Show>
                <Show when={error()}>{(e) => <p class="error" role="alert">{e()}</p>}</Show>
                <div class="actions">
                  <button type="submit" disabled={busy()}>{busy() ? "Checking…" : reconnect ? "Reconnect" : "Connect"}</button>
                  <Show when={!reconnect && f.session === null && candidates().length > 1}>
                    <button type="button" class="link" onClick={() => { setConnector(null); setError(null); setPhase({ kind: "pick" }); }}>
                      Another service
                    </button>
                  </Show>
                </div>
              </form>
            )}
          </Match>
          <Match when={phase().kind === "browser" && (phase() as Extract<Phase, { kind: "browser" }>)} keyed>
            {(b) => (
              <div class="browser-step" aria-live="polite">
                <p>{b.says}</p>
                <p class="muted">
                  Finish in your browser; Folio waits here. No browser opened? Open{" "}
                  <a class="browser-url" href={b.url} target="_blank" rel="noreferrer">the page</a>.
                </p>
                <div class="actions">
                  <button class="secondary" data-action="stop" onClick={stop}>Stop</button>
                  <Show when={b.paste.length > 0}>
                    <button class="link" data-action="paste" onClick={() => setPasting(true)}>
                      The site showed a password instead
                    </button>
                  </Show>
                </div>
                <Show when={pasting()}>
                  <form class="paste" onSubmit={(e) => paste(e, b.session)}>
                    <Show when={b.pasteUrl}>
                      {(u) => (
                        <small class="muted">
                          Some sites cannot send it back to Folio. Open{" "}
                          <a class="paste-url" href={u()} target="_blank" rel="noreferrer">this page</a>,
                          approve, and copy what it shows.
                        </small>
                      )}
                    </Show>
                    <For each={b.paste}>{(f) => <FieldInput field={f} value={kept[f.name]} />}</For>
                    <Show when={error()}>{(e) => <p class="error" role="alert">{e()}</p>}</Show>
                    <button type="submit" disabled={busy()}>{busy() ? "Checking…" : "Check and connect"}</button>
                  </form>
                </Show>
              </div>
            )}
          </Match>
          <Match when={phase().kind === "confirm" && (phase() as Extract<Phase, { kind: "confirm" }>)} keyed>
            {(c) => (
              <div class="confirm-step">
                <p>{c.says}</p>
                <Show when={error()}>{(e) => <p class="error" role="alert">{e()}</p>}</Show>
                <div class="actions">
                  <button class="danger" data-action="yes" disabled={busy()} onClick={() => answer(c.session, true)}>Yes</button>
                  <button class="secondary" data-action="no" disabled={busy()} onClick={() => answer(c.session, false)}>No</button>
                </div>
              </div>
            )}
          </Match>
        </Switch>
      </section>
    </div>
  );
}
