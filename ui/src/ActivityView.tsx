import { createResource, For } from "solid-js";
import { call, commands } from "./api";

export function ActivityView() {
  const [rows, { refetch }] = createResource(() => call(commands.activity(200)));
  const copy = async () => {
    const text = (rows() ?? []).map((r) => `${r.at}  ${r.level}  ${r.message}`).join("\n");
    await navigator.clipboard.writeText(text);
  };
  return (
    <section class="page" aria-labelledby="activity-title">
      <header class="page-head">
        <h1 id="activity-title">Activity</h1>
        <button class="secondary" onClick={() => refetch()}>Refresh</button>
        <button class="secondary" onClick={copy}>Copy for support</button>
      </header>
      <ol class="activity">
        <For each={rows() ?? []} fallback={<li class="muted">Nothing has happened yet.</li>}>
          {(r) => (
            <li class={r.level}>
              <time>{new Date(r.at).toLocaleString()}</time>
              <span>{r.message}</span>
            </li>
          )}
        </For>
      </ol>
    </section>
  );
}
