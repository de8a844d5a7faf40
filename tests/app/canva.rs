//! Canva through the window, signed in through the sign-in relay: + Add from an account… lists
//! the sources that sign in, Canva's form takes the relay's address (and, under Advanced, where
//! the fake Canva is), the browser goes from Canva's consent page to the relay's callback and on
//! to the app's listener, then a Canva folder picked in the picker has its designs on the real
//! WordPress. The app never sees the client secret; only the relay does.

use crate::dropbox::{open_folder, pictures_loaded, use_folder};
use crate::webdriver::Driver;
use crate::{both_thumbnails, connect_portfolio, prerequisites, relay, shots_dir, WINDOW};
use folio_sources::canva::fake::FakeCanva;
use serde_json::json;
use std::path::PathBuf;
use std::time::Duration;

/// The relay's table for the fake Canva's app: its authorize and token endpoints.
fn canva_service(canva: &FakeCanva) -> String {
    let (client_id, secret) = canva.client();
    format!(
        r#"[services.canva]
client_id = "{client_id}"
client_secret = "{secret}"
secret_in = "basic"
authorize_url = "{c}/oauth/authorize"
token_url = "{c}/v1/oauth/token"
scopes = ["design:meta:read", "design:content:read", "folder:read"]
"#,
        c = canva.url
    )
}

#[test]
fn a_canva_folder_is_connected_through_the_relay_and_its_designs_reach_the_site() {
    let Some((site, tauri_driver)) = prerequisites() else { return };
    let _one_window = WINDOW.lock().unwrap_or_else(|e| e.into_inner());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let canva = runtime.block_on(FakeCanva::start("never-handed-out"));
    let relay = runtime.block_on(relay(&canva_service(&canva)));
    let folder = format!("Spring Campaign {}", std::process::id());
    let folder_id = canva.add_folder("root", &folder);
    canva.add_design(&folder_id, "Banner", 1);
    canva.add_design(&folder_id, "Story", 1);

    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let app = PathBuf::from(env!("CARGO_BIN_EXE_folio-app"));
    let d = Driver::start(
        &tauri_driver,
        &app,
        &[
            ("FOLIO_DATA_DIR", data.to_str().unwrap()),
            ("FOLIO_SECRETS", "file"),
            // The sign-in page is opened by the test itself, as the user's browser would.
            ("BROWSER", "true"),
        ],
    );
    d.wait_text(".welcome", Duration::from_secs(30), |t| !t.is_empty());
    connect_portfolio(&d, &site);

    d.click("[data-action=add-from-account]");
    d.click(".connect-dialog button.connector[data-connector=canva]");
    let form = d.wait_text(".connect-dialog form", Duration::from_secs(10), |t| {
        t.contains("Sign-in relay")
    });
    assert!(form.contains("only a server"), "the form says why a relay: {form}");
    d.type_into(".connect-dialog input[name=relay_url]", &relay);
    d.click(".connect-dialog details.advanced summary");
    d.type_into(".connect-dialog input[name=api_url]", &canva.url);
    d.screenshot(&shots_dir().join("connect-canva.png"));
    d.click(".connect-dialog form.connect-form button[type=submit]");
    let url = d.wait_link(".connect-dialog a.browser-url", Duration::from_secs(10));
    assert!(url.starts_with(&format!("{}/oauth/authorize?", canva.url)), "{url}");
    let parsed = reqwest::Url::parse(&url).unwrap();
    let redirect = parsed.query_pairs().find(|(k, _)| k == "redirect_uri").map(|(_, v)| v);
    assert_eq!(redirect.as_deref(), Some(format!("{relay}/callback/canva").as_str()), "{url}");

    // The browser: Canva's consent page, the relay's callback, the app's listener.
    let browser = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::limited(5))
        .build()
        .unwrap();
    let landed = browser.get(&url).send().unwrap();
    assert_eq!(landed.url().host_str(), Some("127.0.0.1"));
    assert_eq!(landed.url().path(), "/canva");
    assert_eq!(landed.status().as_u16(), 200);

    let account =
        d.wait_text(".card.account[data-connector=canva]", Duration::from_secs(30), |t| {
            t.contains("Mara Marketer")
        });
    assert!(account.contains("Add an album"), "{account}");
    open_folder(&d, &folder);
    // Its designs as tiles: each with Canva's thumbnail and its pages.
    let tiles = pictures_loaded(&d, ".folder-picker li.tile img", 2);
    assert_eq!(tiles, "ok", "both designs' thumbnails: {tiles}");
    let words = d.wait_text(".folder-picker ul.tiles", Duration::from_secs(5), |t| {
        t.contains("Banner") && t.contains("Story")
    });
    assert!(words.contains("1 page"), "{words}");
    d.exec("document.querySelector('.folder-picker ul.tiles').scrollIntoView({block: 'end'}); return 'ok';", json!([]));
    d.screenshot(&shots_dir().join("canva-picker.png"));
    use_folder(&d, &folder);

    let counts =
        d.wait_text(".album.selected .counts", Duration::from_secs(240), |t| t == "2 synced");
    assert_eq!(counts, "2 synced");
    let title =
        d.wait_text(".album.selected .album-name", Duration::from_secs(10), |t| !t.is_empty());
    assert!(title.contains(&folder), "the album is named as Canva names the folder: {title}");
    // Each page beside its copy on the site, once both thumbnails are in.
    let loaded = both_thumbnails(&d, 2, false);
    d.screenshot(&shots_dir().join("canva-album.png"));
    assert_eq!(loaded, "ok", "both thumbnails of every page: {loaded}");
    // Each design exported for its sync. (The window's source thumbnail of a page not yet
    // cached may export it once more: Folio does not yet use Canva's own thumbnails.)
    let calls = canva.state.lock().unwrap().calls.clone();
    let exports = canva.count("create_export");
    assert!((2..=4).contains(&exports), "an export per design, not per look: {calls:?}");
}
