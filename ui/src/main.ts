import { invoke } from "@tauri-apps/api/core";

/** What `app_info` returns; mirrors `AppInfo` in src-tauri/src/main.rs. */
interface AppInfo {
  version: string;
  formats: string[];
}

function render(root: HTMLElement, info: AppInfo | null): void {
  root.innerHTML = `
    <aside class="sidebar" aria-label="Albums">
      <div class="brand"><img src="/icon.png" alt="" />Folio</div>
      <div class="section-title">Albums</div>
      <div class="empty">No albums yet.</div>
      <footer>${info ? `Version ${info.version}` : ""}</footer>
    </aside>
    <main>
      <section class="welcome" aria-labelledby="welcome-title">
        <img src="/icon.png" alt="" />
        <h1 id="welcome-title">Your photos, on every site, always current</h1>
        <p>Folio watches the folders you export to and keeps your WordPress and Shopify sites
        in sync: resized, upright, and replaced in place when you re-edit.</p>
      </section>
    </main>`;
}

const root = document.getElementById("app")!;
render(root, null);
invoke<AppInfo>("app_info")
  .then((info) => render(root, info))
  // Outside the app shell (e.g. a plain browser) there is no backend; the page still renders.
  .catch(() => undefined);
