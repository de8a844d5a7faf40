//! The real app, driven like a photographer would: tauri-driver + WebKitWebDriver under Xvfb,
//! against the real WordPress (the companion site from tests/with-wordpress.sh). Screenshots go
//! to $CARGO_TARGET_DIR/screenshots, or to docs/screenshots with FOLIO_UPDATE_SCREENSHOTS=1.

#[path = "../support/approve.rs"]
mod approve;
mod canva;
mod contentful;
mod dropbox;
mod figma;
mod generate;
mod handoff;
mod lightroom_cloud;
mod shopify;
mod webdriver;

use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Duration;
use webdriver::Driver;

fn tauri_driver() -> Option<PathBuf> {
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
    let candidates =
        [home.join(".cargo/bin/tauri-driver"), PathBuf::from("/usr/local/bin/tauri-driver")];
    candidates.into_iter().find(|p| p.exists())
}

fn shots_dir() -> PathBuf {
    if std::env::var_os("FOLIO_UPDATE_SCREENSHOTS").is_some() {
        return Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots");
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("screenshots")
}

/// One window test at a time: each starts its own X server and tauri-driver.
static WINDOW: std::sync::Mutex<()> = std::sync::Mutex::new(());

struct Site {
    url: String,
    user: String,
    password: String,
}

/// The companion WordPress and tauri-driver, or a skip (a failure under `make test`).
/// The test WordPress connected as "Portfolio" through the app's connect command, as the
/// window tests that are about a source start.
fn connect_portfolio(d: &Driver, site: &Site) {
    let added = d.exec(
        "const step = await window.__TAURI_INTERNALS__.invoke('connect_start', {
           connector: 'wordpress', name: 'Portfolio',
           values: { url: arguments[0], user: arguments[1], password: arguments[2] } });
         return step.prompt.step;",
        json!([site.url, site.user, site.password]),
    );
    assert_eq!(added, "done", "{added}");
}

/// A sign-in relay on a free port of 127.0.0.1 with these `[services.…]` tables; its address.
async fn relay(services: &str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let config = format!("public_url = \"{url}\"\n\n{services}");
    let config = folio_relay::Config::from_toml(&config).unwrap();
    let log: folio_relay::Log = std::sync::Arc::new(|_: &str| {});
    tokio::spawn(async move { folio_relay::run(config, listener, log).await.unwrap() });
    url
}

/// Waits until the grid shows `cells` cells (at least `cells`, when `at_least`: the grid is
/// virtualised), each with both thumbnails loaded, the source's and the site's; "ok", else what
/// the cells show.
fn both_thumbnails(d: &Driver, cells: usize, at_least: bool) -> serde_json::Value {
    d.exec(
        "const deadline = Date.now() + 25000;
         while (Date.now() < deadline) {
           const cells = [...document.querySelectorAll('.cell')];
           const ok = cells.filter((c) => [...c.querySelectorAll('img')]
             .filter((i) => i.complete && i.naturalWidth > 0).length === 2);
           const enough = arguments[1] ? cells.length >= arguments[0] : cells.length === arguments[0];
           if (enough && ok.length === cells.length) return 'ok';
           await new Promise((r) => setTimeout(r, 200));
         }
         return [...document.querySelectorAll('.cell')].map((c) => c.innerText + ' ' +
           [...c.querySelectorAll('img')].map((i) => i.src + ':' + i.naturalWidth).join(',')).join(' | ');",
        json!([cells, at_least]),
    )
}

fn prerequisites() -> Option<(Site, PathBuf)> {
    let get = |k: &str| std::env::var(k).ok();
    let required = std::env::var_os("FOLIO_REQUIRE_WP").is_some();
    let site = match (get("FOLIO_WPC_URL"), get("FOLIO_WPC_USER"), get("FOLIO_WPC_APP_PASSWORD")) {
        (Some(url), Some(user), Some(password)) => Site { url, user, password },
        _ if required => panic!("FOLIO_REQUIRE_WP is set but FOLIO_WPC_* are not"),
        _ => {
            eprintln!("SKIP: no WordPress (run under tests/with-wordpress.sh)");
            return None;
        }
    };
    match tauri_driver() {
        Some(d) => Some((site, d)),
        None if required => panic!("tauri-driver is missing; scripts/setup.sh test installs it"),
        None => {
            eprintln!("SKIP: no tauri-driver (cargo install tauri-driver)");
            None
        }
    }
}

fn sample_album(dir: &Path, name: &str) -> (PathBuf, usize) {
    let album = dir.join(name);
    std::fs::create_dir_all(&album).unwrap();
    let photos = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/photos/orientation");
    let mut n = 0;
    for entry in std::fs::read_dir(&photos).unwrap() {
        let p = entry.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        // Every EXIF orientation, so the grid shows them all upright.
        if name.ends_with(".jpg") {
            std::fs::copy(&p, album.join(&name)).unwrap();
            n += 1;
        }
    }
    assert!(n > 0, "no sample photos in {}", photos.display());
    (album, n)
}

#[test]
fn a_photographer_connects_a_site_drops_a_folder_and_sees_it_synced() {
    let Some((site, tauri_driver)) = prerequisites() else { return };
    let _one_window = WINDOW.lock().unwrap_or_else(|e| e.into_inner());
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let album_name = format!("Weddings{}", std::process::id());
    let (album, photos) = sample_album(tmp.path(), &album_name);
    let stray_file = tmp.path().join("IMG_0001.jpg");
    std::fs::write(&stray_file, b"not a folder").unwrap();
    let app = PathBuf::from(env!("CARGO_BIN_EXE_folio-app"));
    let shots = shots_dir();
    let d = Driver::start(
        &tauri_driver,
        &app,
        &[("FOLIO_DATA_DIR", data.to_str().unwrap()), ("FOLIO_SECRETS", "file")],
    );

    // First run teaches what to do.
    let welcome =
        d.wait_text(".welcome", Duration::from_secs(30), |t| t.contains("Connect a site"));
    assert!(welcome.contains("Drop a folder here"), "{welcome}");
    assert_eq!(d.exec("return document.title;", json!([])), "Folio");
    // It names no password (the site's own approval page hands one over) and keeps the link to
    // the accounts' folders inside its sentence: the link and the full stop after it on one line.
    d.screenshot(&shots.join("first-run.png"));
    assert!(!welcome.contains("Application Password"), "{welcome}");
    let lines = d.exec(
        "const b = document.querySelector('.steps button.link');
         const stop = b.nextSibling;
         const r = document.createRange();
         r.setStart(stop, 0); r.setEnd(stop, 1);
         const a = b.getBoundingClientRect(), s = r.getBoundingClientRect();
         return [a.top, a.bottom, s.top, s.bottom, getComputedStyle(b).display, stop.textContent];",
        json!([]),
    );
    let [link_top, link_bottom, stop_top, stop_bottom] =
        [0, 1, 2, 3].map(|i| lines[i].as_f64().unwrap_or(f64::NAN));
    // The full stop sits within the link's line box, not on a line below it.
    let same_line = stop_top < link_bottom && stop_bottom > link_top;
    assert!(same_line, "the accounts link and its full stop are on one line: {lines}");

    // Connect the site in the Connect dialog, through WordPress's approval page: the service,
    // its address, Connect, and in the browser (played by the test) log in and Approve.
    let started = std::time::Instant::now();
    let mut clicks = 0;
    d.click(".steps button");
    clicks += 1;
    let offered = d.wait_text(".connect-dialog .connectors", Duration::from_secs(10), |t| {
        t.contains("WordPress")
    });
    assert!(offered.contains("Shopify"), "every destination is offered: {offered}");
    d.screenshot(&shots.join("connect-choose.png"));
    d.click(".connect-dialog button[data-connector=wordpress]");
    clicks += 1;
    d.type_into(".connect-dialog input[name=url]", &site.url);
    d.screenshot(&shots.join("connect-address.png"));
    d.click(".connect-dialog form.connect-form button[type=submit]");
    clicks += 1;
    let approve_url = d.wait_link(".connect-dialog a.browser-url", Duration::from_secs(30));
    assert!(approve_url.contains("authorize-application.php"), "{approve_url}");
    let waiting = d.wait_text(".browser-step", Duration::from_secs(5), |t| t.contains("Stop"));
    assert!(waiting.contains("approve of this connection"), "{waiting}");
    d.screenshot(&shots.join("connect-waiting.png"));
    let login = std::env::var("FOLIO_WPC_LOGIN_PASSWORD").expect("set by tests/with-wordpress.sh");
    let back = approve::press(&site.url, &site.user, &login, &approve_url, approve::Press::Approve);
    clicks += 2; // Log In and Approve, in the browser
    assert_eq!(approve::follow(&back).0, 200);
    let card =
        d.wait_text(".card.account", Duration::from_secs(60), |t| t.contains("Folio test site"));
    assert!(
        card.contains("Re-edits keep their URL (companion plugin"),
        "the companion plugin is reported: {card}"
    );
    assert!(card.contains("WordPress") && card.contains("Test connection"), "{card}");
    d.wait_text(".note", Duration::from_secs(10), |t| t.contains("Connected Folio test site"));
    let open = d.exec("return !!document.querySelector('.connect-dialog');", json!([]));
    assert_eq!(open, false, "the dialog closes once connected");
    d.screenshot(&shots.join("accounts.png"));

    // Dragging over the window shows the drop overlay; leaving hides it.
    let emit = |event: &str| {
        d.exec(
            "await window.__TAURI_INTERNALS__.invoke('plugin:event|emit_to', {
               target: { kind: 'AnyLabel', label: 'main' }, event: arguments[0],
               payload: { paths: [], position: { x: 300, y: 300 } } });
             return 'ok';",
            json!([event]),
        )
    };
    emit("tauri://drag-enter");
    let overlay = d.wait_text(".drop-overlay", Duration::from_secs(10), |t| !t.is_empty());
    assert!(overlay.contains("Drop folders to sync them"), "{overlay}");
    emit("tauri://drag-leave");
    let gone = d.exec(
        "for (let i = 0; i < 50; i++) {
           if (!document.querySelector('.drop-overlay')) return true;
           await new Promise((r) => setTimeout(r, 100));
         }
         return false;",
        json!([]),
    );
    assert_eq!(gone, true, "the overlay goes when the drag leaves");

    // Drop the album folder and a stray file on the window, as the OS would deliver them.
    let dropped = d.exec(
        "await window.__TAURI_INTERNALS__.invoke('plugin:event|emit_to', {
           target: { kind: 'AnyLabel', label: 'main' }, event: 'tauri://drag-drop',
           payload: { paths: arguments[0], position: { x: 300, y: 300 } } });
         return 'ok';",
        json!([[album.to_str().unwrap(), stray_file.to_str().unwrap()]]),
    );
    assert_eq!(dropped, "ok", "{dropped}");
    let toast = d.wait_text(".toast", Duration::from_secs(20), |t| t.contains("Added the album"));
    assert!(toast.contains("IMG_0001.jpg is a file"), "a dropped file is explained: {toast}");
    d.click(".toast button");

    let first_live = d.exec(
        "for (let i = 0; i < 1200; i++) {
           const c = document.querySelector('.album .counts');
           if (c && /[1-9][0-9]* synced/.test(c.innerText)) return c.innerText;
           await new Promise((r) => setTimeout(r, 100));
         }
         return null;",
        json!([]),
    );
    assert!(first_live.is_string(), "no photo went live: {first_live}");
    eprintln!(
        "fresh app → first photo live on the site: {:.1} s, {clicks} clicks (3 in Folio, Log In \
         and Approve in the browser) and one folder dropped",
        started.elapsed().as_secs_f64()
    );
    assert!(clicks <= 6);

    // Every photo reaches "synced".
    let want = format!("{photos} synced");
    let counts = d.wait_text(".album .counts", Duration::from_secs(240), |t| t == want);
    assert_eq!(counts, want);

    // The grid shows each photo's source thumbnail and, beside it, the site's own.
    let loaded = both_thumbnails(&d, photos.min(6), true);
    // The grid is virtualised: every rendered cell (the visible rows) has both thumbnails.
    assert_eq!(loaded, "ok", "both thumbnails of every visible photo: {loaded}");
    let badges = d.wait_text(".grid-space", Duration::from_secs(10), |t| t.contains("Synced"));
    assert!(!badges.contains("Pending") && !badges.contains("Failed"), "{badges}");

    // The album says, per site, the file type it got and what happens when a photo is re-edited.
    d.wait_text(".summary", Duration::from_secs(10), |t| {
        t.contains("Folio test site (WebP, keeps URLs)")
    });

    // The detail panel: what goes to the site, and where it went.
    d.click(".cell");
    let panel = d.wait_text(".panel", Duration::from_secs(10), |t| t.contains("Open in browser"));
    // innerText is as displayed: the section titles are upper-cased by CSS.
    let lower = panel.to_lowercase();
    assert!(lower.contains("sent to the sites") && lower.contains("folio test site"), "{panel}");
    d.screenshot(&shots.join("album.png"));

    // The photo's own alt text replaces the pattern's, on the site too, at once.
    d.type_into(".texts input[name=alt]", "Waterfall at dawn");
    d.click(".texts button");
    d.wait_text(".texts", Duration::from_secs(30), |t| t.contains("Saved"));
    let url = d.exec(
        "const photos = await window.__TAURI_INTERNALS__.invoke('album_photos', { root: arguments[0] });
         return photos.find((p) => p.path === 'landscape_1.jpg').sites[0].url;",
        json!([album.to_str().unwrap()]),
    );
    let url = url.as_str().unwrap_or_else(|| panic!("no URL: {url}")).to_string();
    let stem = url.rsplit('/').next().unwrap().split('.').next().unwrap().to_string();
    let found: serde_json::Value = reqwest::blocking::Client::new()
        .get(format!("{}/wp-json/wp/v2/media", site.url))
        .query(&[("search", stem.as_str()), ("context", "edit"), ("per_page", "100")])
        .basic_auth(&site.user, Some(&site.password))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let item = found
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["source_url"] == url.as_str())
        .unwrap_or_else(|| panic!("{url} not found on the site"));
    assert_eq!(item["alt_text"], "Waterfall at dawn");

    // Re-edited: a second version goes up in place; the panel lists both, and the first can be
    // put back.
    let edited = album.join("landscape_1.jpg");
    let other =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/photos/orientation/landscape_3.jpg");
    std::fs::copy(other, &edited).unwrap();
    let replaced = d.exec(
        "const r = await window.__TAURI_INTERNALS__.invoke('sync_now'); return r.replaced;",
        json!([]),
    );
    assert_eq!(replaced, 1, "the re-edit replaced in place");
    let versions = d.wait_text(".versions", Duration::from_secs(20), |t| t.contains("Version 2"));
    assert!(versions.contains("Version 1") && versions.contains("On the sites now"), "{versions}");
    let before = d.exec("return document.querySelector('.cell img.remote').src;", json!([]));
    d.click(".versions [data-version='1'] button");
    let restored = d.wait_text(".panel .note", Duration::from_secs(30), |t| t.contains("back on"));
    assert!(restored.contains("Version 1 is back on Folio test site"), "{restored}");
    let current = d.exec(
        "return document.querySelector('.versions li.current')?.dataset.version ?? null;",
        json!([]),
    );
    assert_eq!(current, "1", "the panel marks version 1 as what the site shows");
    let same = d.exec(
        "const photos = await window.__TAURI_INTERNALS__.invoke('album_photos', { root: arguments[0] });
         return photos.find((p) => p.path === 'landscape_1.jpg').sites[0].url;",
        json!([album.to_str().unwrap()]),
    );
    assert_eq!(same.as_str(), Some(url.as_str()), "restored in place: the same URL");
    // The grid shows the re-edited photo from the folder, and the site's copy again once it
    // is restored (new stamps), not cached pictures of other versions.
    let changed = d.exec(
        "for (let i = 0; i < 50; i++) {
           if (document.querySelector('.cell img.remote').src !== arguments[0]) return true;
           await new Promise((r) => setTimeout(r, 100));
         }
         return false;",
        json!([before]),
    );
    assert_eq!(changed, true, "the site thumbnail's URL changes after the restore");
    d.screenshot(&shots.join("versions.png"));

    // Settings: the naming preview follows the pattern, on the album's real photos.
    d.click("[role=tab]:nth-child(2)");
    // RAW+JPEG: the album can be told to publish the raw; the choice is kept.
    // (The settings load after the tab opens: the select is waited for, not assumed.)
    let chosen = d.exec(
        "for (let i = 0; i < 100; i++) {
           const s = document.querySelector('select.raw-pair');
           if (s) {
             s.value = 'raw';
             s.dispatchEvent(new Event('change', { bubbles: true }));
             return 'ok';
           }
           await new Promise((r) => setTimeout(r, 100));
         }
         return 'no RAW+JPEG choice on the settings tab';",
        json!([]),
    );
    assert_eq!(chosen, "ok", "{chosen}");
    d.click("form.settings button[type=submit]");
    d.wait_text("form.settings [role=status]", Duration::from_secs(10), |t| t.starts_with("Saved"));
    let kept = d.exec(
        "return (await window.__TAURI_INTERNALS__.invoke('album_settings', { root: arguments[0] })).rawPair;",
        json!([album.to_string_lossy()]),
    );
    assert_eq!(kept.as_str(), Some("raw"), "the RAW+JPEG choice is saved");
    d.type_into(".pattern-naming", "{album}-{sequence}");
    let first = d.wait_text(".preview td:nth-child(2)", Duration::from_secs(10), |t| {
        t.contains(&format!("{album_name}-001"))
    });
    assert!(first.starts_with('→'), "{first}");
    d.screenshot(&shots.join("settings.png"));

    d.click("[data-view=activity]");
    let activity = d.wait_text(".activity", Duration::from_secs(10), |t| {
        t.contains(&format!("{album_name}: ")) && t.contains("new and")
    });
    assert!(!activity.contains(&site.password), "no secret in the activity view");
    d.screenshot(&shots.join("activity.png"));

    // A second site, its Application Password typed into the same dialog's fields, which is
    // then revoked on WordPress: its card says so once and offers Reconnect, and the password
    // the site shows, pasted at the dialog's browser step, brings it back.
    let (doomed, doomed_uuid) = app_password(&site, "doomed");
    d.click("[data-view=accounts]");
    d.click("[data-action=connect]");
    d.click(".connect-dialog button[data-connector=wordpress]");
    d.type_into(".connect-dialog input[name=url]", &site.url);
    d.type_into(".connect-dialog input[name=user]", &site.user);
    d.type_into(".connect-dialog input[name=password]", &doomed);
    d.type_into(".connect-dialog input.account-name", "Backup");
    d.click(".connect-dialog form.connect-form button[type=submit]");
    d.wait_text(".note", Duration::from_secs(60), |t| t.contains("Connected Backup"));
    revoke_app_password(&site, &doomed_uuid);
    let synced = d.exec(
        "await window.__TAURI_INTERNALS__.invoke('set_album_target',
           { root: arguments[0], target: { site: 'Backup', mode: 'auto' } });
         const r = await window.__TAURI_INTERNALS__.invoke('sync_now');
         return r.failed;",
        json!([album.to_str().unwrap()]),
    );
    assert_eq!(synced, 0, "a refused site fails no photo");
    let card = d.wait_text(".card.account[data-state=reconnect]", Duration::from_secs(20), |t| {
        t.contains("refused Folio's credentials")
    });
    assert!(card.contains("Backup") && card.contains("Reconnect"), "{card}");
    let alert =
        d.exec("return !!document.querySelector('[data-view=accounts] .badge.alert');", json!([]));
    assert_eq!(alert, true, "the sidebar's Accounts count says an account needs the user");
    d.screenshot(&shots.join("account-reconnect.png"));
    let (fresh, fresh_uuid) = app_password(&site, "fresh");
    d.click(".card.account[data-state=reconnect] [data-action=reconnect]");
    let title =
        d.wait_text(".connect-dialog h2", Duration::from_secs(10), |t| t.contains("Backup"));
    assert_eq!(title, "Reconnect Backup");
    d.wait_link(".connect-dialog a.browser-url", Duration::from_secs(30));
    d.click(".connect-dialog [data-action=paste]");
    d.type_into(".connect-dialog form.paste input[name=user]", &site.user);
    d.type_into(".connect-dialog form.paste input[name=password]", &fresh);
    d.click(".connect-dialog form.paste button[type=submit]");
    d.wait_text(".note", Duration::from_secs(30), |t| t.contains("Backup is connected again"));
    let still =
        d.exec("return document.querySelectorAll('[data-state=reconnect]').length;", json!([]));
    assert_eq!(still, 0, "the site works again");
    revoke_app_password(&site, &fresh_uuid);

    // The drive is unplugged, leaving an empty folder: the album asks before anything counts
    // as deleted.
    for e in std::fs::read_dir(&album).unwrap() {
        std::fs::remove_file(e.unwrap().path()).unwrap();
    }
    d.exec("await window.__TAURI_INTERNALS__.invoke('sync_now'); return 'ok';", json!([]));
    d.click(".album");
    let held =
        d.wait_text(".held", Duration::from_secs(20), |t| t.contains("gone from this folder"));
    assert!(held.contains(&format!("{photos} photos")), "{held}");
    d.screenshot(&shots.join("held-removals.png"));
    d.click(".held button");
    d.exec("await window.__TAURI_INTERNALS__.invoke('sync_now'); return 'ok';", json!([]));
    let gone = d.exec(
        "for (let i = 0; i < 100; i++) {
           if (!document.querySelector('.held')) return true;
           await new Promise((r) => setTimeout(r, 100));
         }
         return false;",
        json!([]),
    );
    assert_eq!(gone, true, "confirmed, the album no longer holds them");
}

/// A new Application Password for the test user, through WordPress's REST API, with its uuid.
fn app_password(site: &Site, name: &str) -> (String, String) {
    let r: serde_json::Value = reqwest::blocking::Client::new()
        .post(format!("{}/wp-json/wp/v2/users/me/application-passwords", site.url))
        .basic_auth(&site.user, Some(&site.password))
        .json(&json!({ "name": format!("folio-window-{name}-{}", std::process::id()) }))
        .send()
        .unwrap()
        .json()
        .unwrap();
    (r["password"].as_str().unwrap().to_string(), r["uuid"].as_str().unwrap().to_string())
}

fn revoke_app_password(site: &Site, uuid: &str) {
    let r = reqwest::blocking::Client::new()
        .delete(format!("{}/wp-json/wp/v2/users/me/application-passwords/{uuid}", site.url))
        .basic_auth(&site.user, Some(&site.password))
        .send()
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
}
