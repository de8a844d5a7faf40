// Every account: the sites photos go to and the sources they come from, one card each, and
// Connect for another. Connecting and reconnecting happen in the Connect dialog.
import { For, Show } from "solid-js";
import type { AccountRow } from "./bindings";
import { AccountCard } from "./AccountCard";
import type { ConnectRequest } from "./ConnectDialog";
import { LightroomPlugin } from "./LightroomPlugin";
import { Picker } from "./Picker";

export function AccountsView(props: {
  accounts: AccountRow[];
  note: string | null;
  onNote: (text: string | null) => void;
  picking: string | null;
  onPick: (account: string | null) => void;
  onConnect: (request: ConnectRequest) => void;
  onChanged: () => void;
  onAlbumAdded: (name: string) => void;
}) {
  const sites = () => props.accounts.filter((a) => a.roles.includes("destination"));
  const sources = () => props.accounts.filter((a) => !a.roles.includes("destination"));
  const card = (a: AccountRow) => (
    <AccountCard account={a} onChanged={props.onChanged} onNote={props.onNote}
      onReconnect={(a) => props.onConnect({ reconnect: { name: a.name, connector: a.connector } })}
      onAddAlbum={(a) => props.onPick(a.name)} />
  );
  return (
    <section class="page accounts" aria-labelledby="accounts-title">
      <div class="page-head">
        <h1 id="accounts-title">Accounts</h1>
        <button data-action="connect" onClick={() => props.onConnect({})}>Connect…</button>
      </div>
      <Show when={props.note}>{(n) => <p class="note" role="status">{n()}</p>}</Show>
      <h2>Sites</h2>
      <p class="muted small">Where your photos are published.</p>
      <For each={sites()} fallback={
        <p class="muted small">No site connected yet. <button class="link" onClick={() => props.onConnect({ role: "destination" })}>Connect a site</button></p>
      }>
        {card}
      </For>
      <h2>Sources</h2>
      <p class="muted small">Where photos come from besides the folders on this computer.</p>
      <For each={sources()} fallback={
        <p class="muted small">None yet. <button class="link" onClick={() => props.onConnect({ role: "source" })}>Add photos from an account</button></p>
      }>
        {card}
      </For>
      <Show when={props.picking} keyed>
        {(account) => <Picker account={account} onAlbumAdded={props.onAlbumAdded} onClose={() => props.onPick(null)} />}
      </Show>
      <LightroomPlugin />
    </section>
  );
}
