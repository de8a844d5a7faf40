//! Dropbox through the window, against the fake Dropbox: + Add from an account… with none yet
//! opens the Connect dialog, the browser's round trip to the app's loopback listener, the
//! account's card, a folder picked one level at a time, and its photos on the real WordPress
//! with Dropbox's thumbnails beside the site's.

use crate::webdriver::Driver;
use crate::{both_thumbnails, connect_portfolio, prerequisites, shots_dir, WINDOW};
use folio_sources::dropbox::fake::FakeDropbox;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Clicks the folder button named `name` in the picker, once it is listed.
pub(crate) fn open_folder(d: &Driver, name: &str) {
    let clicked = d.exec(
        "for (let i = 0; i < 100; i++) {
           const label = (b) => (b.querySelector('.cover-name') ?? b).textContent.trim();
           const b = [...document.querySelectorAll('button.folder')]
             .find((b) => label(b).endsWith(arguments[0]));
           if (b) { b.click(); return 'ok'; }
           await new Promise((r) => setTimeout(r, 100));
         }
         return [...document.querySelectorAll('.folder-picker')].map((p) => p.innerText).join();",
        json!([name]),
    );
    assert_eq!(clicked, "ok", "no folder {name} in the picker: {clicked}");
}

/// Waits until `count` pictures in the picker under `css` have loaded; what the picker shows
/// otherwise.
pub(crate) fn pictures_loaded(d: &Driver, css: &str, count: usize) -> serde_json::Value {
    d.exec(
        "const deadline = Date.now() + 20000;
         while (Date.now() < deadline) {
           const imgs = [...document.querySelectorAll(arguments[0])];
           if (imgs.length === arguments[1] && imgs.every((i) => i.complete && i.naturalWidth > 0)) {
             return 'ok';
           }
           await new Promise((r) => setTimeout(r, 100));
         }
         return document.querySelector('.folder-picker')?.innerText ?? 'no picker';",
        json!([css, count]),
    )
}

/// Syncs the folder the picker has open (named `name`) and waits for the picker to close: an
/// error adding it (a refused title lookup, a rate limit) fails here, in its own words, rather
/// than as an album that never shows its counts.
pub(crate) fn use_folder(d: &Driver, name: &str) {
    let added = d.exec(
        "const deadline = Date.now() + 60000;
         let clicked = false;
         while (Date.now() < deadline) {
           const picker = document.querySelector('.folder-picker');
           if (!picker) return clicked ? 'ok' : 'no picker';
           const error = picker.querySelector('.error');
           if (error) return 'error: ' + error.innerText;
           const use = picker.querySelector('button.use-folder');
           if (!clicked && use && !use.disabled && use.textContent.includes(arguments[0])) {
             use.click();
             clicked = true;
           }
           await new Promise((r) => setTimeout(r, 100));
         }
         return 'still open: ' + document.querySelector('.folder-picker')?.innerText;",
        json!([name]),
    );
    assert_eq!(added, "ok", "adding {name} from the picker: {added}");
}

#[test]
fn a_photographer_connects_dropbox_and_syncs_a_folder_from_it() {
    let Some((site, tauri_driver)) = prerequisites() else { return };
    let _one_window = WINDOW.lock().unwrap_or_else(|e| e.into_inner());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let fake = runtime.block_on(FakeDropbox::start("unused", Duration::from_secs(3600)));
    let folder = format!("Smith Wedding {}", std::process::id());
    let photos = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/photos/orientation");
    let names = ["landscape_1.jpg", "landscape_6.jpg", "portrait_3.jpg"];
    for name in names {
        let bytes = std::fs::read(photos.join(name)).unwrap();
        fake.put(&format!("/Clients/{folder}/{name}"), &bytes);
    }
    fake.put("/Phone/IMG_0001.jpg", &std::fs::read(photos.join(names[0])).unwrap());

    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let authorize = format!("{}/oauth2/authorize", fake.url);
    let app = PathBuf::from(env!("CARGO_BIN_EXE_folio-app"));
    let d = Driver::start(
        &tauri_driver,
        &app,
        &[
            ("FOLIO_DATA_DIR", data.to_str().unwrap()),
            ("FOLIO_SECRETS", "file"),
            ("FOLIO_DROPBOX_AUTHORIZE_URL", &authorize),
            ("FOLIO_DROPBOX_API_URL", &fake.url),
            ("FOLIO_DROPBOX_CONTENT_URL", &fake.url),
            ("FOLIO_DROPBOX_NOTIFY_URL", &fake.url),
            ("FOLIO_DROPBOX_APP_KEY", "test-app-key"),
            // The sign-in page is opened by the test itself, as the user's browser would.
            ("BROWSER", "true"),
        ],
    );
    d.wait_text(".welcome", Duration::from_secs(30), |t| t.contains("Dropbox"));
    connect_portfolio(&d, &site);

    // No source account yet: + Add from an account… connects one first, in the Connect dialog,
    // which lists the sources that sign in (Dropbox, Canva, …); the photographer picks Dropbox.
    d.click("[data-action=add-from-account]");
    let title = d.wait_text(".connect-dialog h2", Duration::from_secs(10), |t| !t.is_empty());
    assert_eq!(title, "Add photos from an account");
    let offered = d.exec(
        "return [...document.querySelectorAll('.connect-dialog button.connector')]
           .map((b) => b.dataset.connector).join(',');",
        json!([]),
    );
    let offered = offered.as_str().unwrap_or("").to_string();
    assert!(offered.contains("dropbox") && offered.contains("canva"), "{offered}");
    assert!(!offered.contains("wordpress"), "a site is not a photo source: {offered}");
    d.click(".connect-dialog button.connector[data-connector=dropbox]");
    let title = d.wait_text(".connect-dialog h2", Duration::from_secs(10), |t| {
        t != "Add photos from an account"
    });
    assert_eq!(title, "Connect Dropbox");
    let advanced = d.exec(
        "return [...document.querySelectorAll('.connect-dialog details.advanced input')]
           .map((i) => i.name).join(',');",
        json!([]),
    );
    assert!(advanced.as_str().unwrap_or("").contains("client_id"), "{advanced}");
    d.click(".connect-dialog form.connect-form button[type=submit]");
    let url = d.wait_link(".connect-dialog a.browser-url", Duration::from_secs(10));
    assert!(url.starts_with(&authorize) && url.contains("code_challenge_method=S256"), "{url}");

    // The browser: Dropbox's Allow page sends it back to the app's listener on 127.0.0.1.
    let browser = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let allow = browser.get(url).send().unwrap();
    assert_eq!(allow.status().as_u16(), 302, "{}", allow.text().unwrap_or_default());
    let back = allow.headers()["Location"].to_str().unwrap().to_string();
    assert!(back.starts_with("http://127.0.0.1:"), "{back}");
    assert_eq!(browser.get(&back).send().unwrap().status().as_u16(), 200);

    let account =
        d.wait_text(".card.account[data-connector=dropbox]", Duration::from_secs(30), |t| {
            t.contains("Ada Photographer")
        });
    assert!(account.contains("never changes, moves or deletes"), "{account}");
    assert!(account.contains("Add an album"), "{account}");

    // The new account's picker opens: one level at a time, as Dropbox lists them.
    open_folder(&d, "Clients");
    open_folder(&d, &folder);
    let crumbs = d.wait_text(".crumbs", Duration::from_secs(10), |t| t.contains(&folder));
    assert!(crumbs.contains("Clients"), "{crumbs}");
    d.screenshot(&shots_dir().join("picker.png"));
    use_folder(&d, &folder);

    // The album opens and every photo reaches the site.
    let want = format!("{} synced", names.len());
    let counts = d.wait_text(".album.selected .counts", Duration::from_secs(240), |t| t == want);
    assert_eq!(counts, want);
    let loaded = both_thumbnails(&d, names.len(), false);
    assert_eq!(loaded, "ok", "both thumbnails of every photo: {loaded}");
    let labels = d.wait_text(".cell", Duration::from_secs(5), |t| !t.is_empty());
    assert!(labels.contains("Dropbox") && labels.contains("Portfolio"), "{labels}");
    d.screenshot(&shots_dir().join("dropbox-album.png"));

    let state = fake.state.lock().unwrap();
    // Source thumbnails come from the copy the sync downloaded (or, for a cell shown before its
    // photo was converted, from Dropbox's thumbnail call), never from downloading a photo twice.
    assert_eq!(state.downloads, names.len(), "each photo downloaded once: {:?}", state.calls);
}
