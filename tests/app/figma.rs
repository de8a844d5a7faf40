//! Figma through the window: + Add from an account… → Figma, its personal access token typed
//! unseen (and, under Advanced, where the fake Figma is); the account card; the picker, which
//! has nothing to list for a Figma token, takes a frame's address pasted from Figma; the frame
//! reaches the real WordPress and shows beside its copy there. Then a pasted file opens to
//! its pages and a page's frames, and the page is synced as an album.

use crate::webdriver::Driver;
use crate::{both_thumbnails, connect_portfolio, prerequisites, shots_dir, WINDOW};
use folio_sources::figma::fake::FakeFigma;
use serde_json::json;
use std::path::PathBuf;
use std::time::Duration;

const TOKEN: &str = "figd_window-test-token-51c2";

#[test]
fn a_figma_frame_pasted_in_the_picker_reaches_the_site() {
    let Some((site, tauri_driver)) = prerequisites() else { return };
    let _one_window = WINDOW.lock().unwrap_or_else(|e| e.into_inner());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let figma = runtime.block_on(FakeFigma::start(TOKEN));
    let file = format!("Brand {}", std::process::id());
    let key = figma.add_file(&file);
    let page = figma.add_page(&key, "Banners");
    let hero = figma.add_frame(&key, &page, "Hero", 1200, 630);
    figma.add_frame(&key, &page, "Story", 540, 960);

    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let app = PathBuf::from(env!("CARGO_BIN_EXE_folio-app"));
    let d = Driver::start(
        &tauri_driver,
        &app,
        &[("FOLIO_DATA_DIR", data.to_str().unwrap()), ("FOLIO_SECRETS", "file")],
    );
    d.wait_text(".welcome", Duration::from_secs(30), |t| !t.is_empty());
    connect_portfolio(&d, &site);

    d.click("[data-action=add-from-account]");
    d.click(".connect-dialog button.connector[data-connector=figma]");
    let form = d.wait_text(".connect-dialog form", Duration::from_secs(10), |t| {
        t.contains("Personal access token")
    });
    assert!(form.contains("90 days"), "the field says the token expires: {form}");
    let kind = d.exec(
        "return document.querySelector('.connect-dialog input[name=token]').type;",
        json!([]),
    );
    assert_eq!(kind, "password", "the token is typed unseen");
    d.type_into(".connect-dialog input[name=token]", TOKEN);
    d.click(".connect-dialog details.advanced summary");
    d.type_into(".connect-dialog input[name=api_url]", &figma.url);
    d.click(".connect-dialog form.connect-form button[type=submit]");
    let card = d.wait_text(".card.account[data-connector=figma]", Duration::from_secs(30), |t| {
        t.contains("Signed in as")
    });
    assert!(!card.contains(TOKEN), "no token on screen");

    // Figma lists no files for a token: the picker says so and takes an address.
    let said = d.wait_text(".folder-picker form.paste-address", Duration::from_secs(20), |t| {
        t.contains("address")
    });
    assert!(said.contains("Figma"), "{said}");
    let address =
        format!("https://www.figma.com/design/{key}/Brand?node-id={}", hero.replace(':', "-"));
    d.type_into(".folder-picker input[name=address]", &address);
    d.screenshot(&shots_dir().join("figma-paste.png"));
    d.click(".folder-picker button.use-address");

    let counts =
        d.wait_text(".album.selected .counts", Duration::from_secs(240), |t| t == "1 synced");
    assert_eq!(counts, "1 synced");
    let title =
        d.wait_text(".album.selected .album-name", Duration::from_secs(10), |t| !t.is_empty());
    assert_eq!(title, file, "the album is named as Figma names the file");
    let loaded = both_thumbnails(&d, 1, false);
    d.screenshot(&shots_dir().join("figma-album.png"));
    assert_eq!(loaded, "ok", "the frame beside its copy on the site: {loaded}");
    assert!(figma.count("images") >= 1, "{:?}", figma.calls());

    // A pasted file opens: its pages, then a page's frames, each with its own Sync; the page
    // itself is synced here.
    d.click("[data-view=accounts]");
    d.click(".card.account[data-connector=figma] [data-action=add-album]");
    d.wait_text(".folder-picker form.paste-address", Duration::from_secs(20), |t| {
        t.contains("address")
    });
    d.type_into(
        ".folder-picker input[name=address]",
        &format!("https://www.figma.com/design/{key}/Brand"),
    );
    d.click(".folder-picker button.use-address");
    let pages = d
        .wait_text(".folder-picker ul.folders", Duration::from_secs(20), |t| t.contains("Banners"));
    assert!(pages.contains("2 photos"), "the page says what it holds: {pages}");
    d.click(".folder-picker button.folder");
    let frames = d.wait_text(".folder-picker ul.tiles", Duration::from_secs(20), |t| {
        t.contains("Hero") && t.contains("Story")
    });
    assert!(frames.contains("Sync"), "each frame can be synced alone: {frames}");
    d.exec(
        "document.querySelector('.folder-picker ul.tiles').scrollIntoView({block: 'end'}); return 'ok';",
        json!([]),
    );
    d.screenshot(&shots_dir().join("figma-frames.png"));
    d.click(".folder-picker button.use-folder");
    let counts =
        d.wait_text(".album.selected .counts", Duration::from_secs(240), |t| t == "2 synced");
    assert_eq!(counts, "2 synced", "the page's two frames");
}
