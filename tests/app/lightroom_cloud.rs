//! Lightroom (cloud) through the window, signed in through the sign-in relay: the account is
//! connected in the one dialog, the picker opens an album folder and then an album (named as
//! Lightroom names them, not by their ids), and the album's photos reach the real WordPress.

use crate::dropbox::{open_folder, pictures_loaded, use_folder};
use crate::webdriver::Driver;
use crate::{connect_portfolio, prerequisites, relay, shots_dir, WINDOW};
use folio_sources::lightroom::fake::FakeLightroom;
use std::path::PathBuf;
use std::time::Duration;

/// The relay's table for the fake Adobe credential: IMS's authorize and token endpoints.
fn lightroom_service(lightroom: &FakeLightroom) -> String {
    let (api_key, secret) = lightroom.client();
    format!(
        r#"[services.lightroom]
client_id = "{api_key}"
client_secret = "{secret}"
secret_in = "body"
authorize_url = "{l}/ims/authorize/v2"
token_url = "{l}/ims/token/v3"
scopes = ["openid", "AdobeID", "offline_access", "lr_partner_apis"]
"#,
        l = lightroom.url
    )
}

#[test]
fn a_lightroom_album_is_picked_by_name_and_its_photos_reach_the_site() {
    let Some((site, tauri_driver)) = prerequisites() else { return };
    let _one_window = WINDOW.lock().unwrap_or_else(|e| e.into_inner());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let lightroom = runtime.block_on(FakeLightroom::start("adobe-api-key", "never-handed-out"));
    let relay = runtime.block_on(relay(&lightroom_service(&lightroom)));
    let travel = lightroom.add_album_folder("Travel", None);
    let name = format!("Iceland {}", std::process::id());
    let iceland = lightroom.add_album(&name, Some(&travel));
    lightroom.add_photo(&iceland, "glacier.jpg");
    lightroom.add_photo(&iceland, "puffins.jpg");

    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let app = PathBuf::from(env!("CARGO_BIN_EXE_folio-app"));
    let d = Driver::start(
        &tauri_driver,
        &app,
        &[
            ("FOLIO_DATA_DIR", data.to_str().unwrap()),
            ("FOLIO_SECRETS", "file"),
            ("BROWSER", "true"),
        ],
    );
    d.wait_text(".welcome", Duration::from_secs(30), |t| !t.is_empty());
    connect_portfolio(&d, &site);

    d.click("[data-action=add-from-account]");
    d.click(".connect-dialog button.connector[data-connector=lightroom]");
    d.wait_text(".connect-dialog form", Duration::from_secs(10), |t| t.contains("Sign-in relay"));
    d.type_into(".connect-dialog input[name=relay_url]", &relay);
    d.click(".connect-dialog details.advanced summary");
    d.type_into(".connect-dialog input[name=api_url]", &lightroom.url);
    d.click(".connect-dialog form.connect-form button[type=submit]");
    let url = d.wait_link(".connect-dialog a.browser-url", Duration::from_secs(10));
    assert!(url.starts_with(&format!("{}/ims/authorize/v2?", lightroom.url)), "{url}");
    let browser = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::limited(5))
        .build()
        .unwrap();
    let landed = browser.get(&url).send().unwrap();
    assert_eq!(landed.url().path(), "/lightroom");
    assert_eq!(landed.status().as_u16(), 200);

    let account =
        d.wait_text(".card.account[data-connector=lightroom]", Duration::from_secs(30), |t| {
            t.contains("Pia Photographer")
        });
    assert!(account.contains("Add an album"), "{account}");
    open_folder(&d, "Travel");
    // The album with its cover (its first photo) and how many photos it holds.
    let cover = pictures_loaded(&d, ".folder-picker button.folder.pictured img", 1);
    assert_eq!(cover, "ok", "the album's cover: {cover}");
    let counted =
        d.wait_text(".folder-picker button.folder.pictured", Duration::from_secs(10), |t| {
            t.contains("2 photos")
        });
    assert!(counted.contains(&name), "{counted}");
    d.screenshot(&shots_dir().join("lightroom-albums.png"));
    open_folder(&d, &name);
    let crumbs = d.wait_text(".crumbs", Duration::from_secs(10), |t| t.contains(&name));
    assert!(crumbs.contains("Travel") && !crumbs.contains(&iceland), "names, not ids: {crumbs}");
    let here = d.wait_text(".photos-here", Duration::from_secs(10), |t| !t.is_empty());
    assert_eq!(here, "2 photos in this folder");
    d.screenshot(&shots_dir().join("lightroom-picker.png"));
    use_folder(&d, &name);

    let counts =
        d.wait_text(".album.selected .counts", Duration::from_secs(240), |t| t == "2 synced");
    assert_eq!(counts, "2 synced");
    let title =
        d.wait_text(".album.selected .album-name", Duration::from_secs(10), |t| !t.is_empty());
    assert_eq!(title, name, "the album is named as Lightroom names it");
}
