//! A connector the app was never written for: Contentful, through the same Connect dialog (its
//! declared fields, its token typed unseen, the fake space's addresses typed in its Advanced
//! fields), its account card saying what a re-edit does there, a dropped folder published to the
//! fake space as assets, and a photo's panel showing its asset's URL.

use crate::webdriver::Driver;
use crate::{prerequisites, sample_album, WINDOW};
use folio_sites::contentful::fake::{FakeContentful, FakeSpaceConfig};
use serde_json::json;
use std::path::PathBuf;
use std::time::Duration;

#[test]
fn a_contentful_space_connects_through_the_same_dialog_and_gets_an_album() {
    // The WordPress is not used, but under `make test` its absence is a failure like any other.
    let Some((_, tauri_driver)) = prerequisites() else { return };
    let _one_window = WINDOW.lock().unwrap_or_else(|e| e.into_inner());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let space = runtime.block_on(FakeContentful::start(FakeSpaceConfig::default()));
    let config = FakeSpaceConfig::default();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let (album, photos) = sample_album(tmp.path(), &format!("Brand{}", std::process::id()));
    let app = PathBuf::from(env!("CARGO_BIN_EXE_folio-app"));
    let d = Driver::start(
        &tauri_driver,
        &app,
        &[("FOLIO_DATA_DIR", data.to_str().unwrap()), ("FOLIO_SECRETS", "file")],
    );
    d.wait_text(".welcome", Duration::from_secs(30), |t| t.contains("Connect a site"));
    d.click(".steps button");
    d.click(".connect-dialog button[data-connector=contentful]");
    let form =
        d.wait_text(".connect-dialog form", Duration::from_secs(10), |t| t.contains("Space"));
    assert!(form.contains("personal access token"), "the token's help is shown: {form}");
    let kind = d.exec(
        "return document.querySelector('.connect-dialog input[name=token]').type;",
        json!([]),
    );
    assert_eq!(kind, "password", "a secret field is typed unseen");
    d.type_into(".connect-dialog input.account-name", "Brand space");
    d.type_into(".connect-dialog input[name=space]", &config.space);
    d.type_into(".connect-dialog input[name=token]", &config.token);
    // Where the service is: the declared advanced fields, as a self-hoster would set them.
    d.click(".connect-dialog details.advanced summary");
    d.type_into(".connect-dialog input[name=api_url]", &space.api_url);
    d.type_into(".connect-dialog input[name=upload_url]", &space.upload_url);
    d.click(".connect-dialog form.connect-form button[type=submit]");
    let card = d.wait_text(".card.account", Duration::from_secs(30), |t| t.contains("Brand space"));
    assert!(card.contains("Contentful"), "{card}");
    assert!(card.contains("Re-edits keep their asset; the file's URL changes"), "{card}");
    assert!(!card.contains(&config.token), "no token on screen");

    // A folder dropped on the window is published to the space.
    let dropped = d.exec(
        "await window.__TAURI_INTERNALS__.invoke('plugin:event|emit_to', {
           target: { kind: 'AnyLabel', label: 'main' }, event: 'tauri://drag-drop',
           payload: { paths: arguments[0], position: { x: 300, y: 300 } } });
         return 'ok';",
        json!([[album.to_str().unwrap()]]),
    );
    assert_eq!(dropped, "ok");
    let want = format!("{photos} synced");
    let counts = d.wait_text(".album .counts", Duration::from_secs(240), |t| t == want);
    assert_eq!(counts, want);
    let summary = d.wait_text(".summary", Duration::from_secs(10), |t| t.contains("Brand space"));
    assert!(summary.contains("keeps items, new URL on change"), "{summary}");
    let published = space.assets().iter().filter(|a| a.published_version.is_some()).count();
    assert_eq!(published, photos, "every photo is a published asset");

    // A photo's panel: where its copy is on the space, and what a re-edit does there.
    d.click(".cell");
    let copies = d.wait_text(".panel .copies", Duration::from_secs(10), |t| t.contains("synced"));
    // Contentful's file URLs have no scheme (`//host/…`); the panel shows the address opened.
    let url = space.assets().iter().find_map(|a| {
        let url = a.url(&config.locales[0])?.to_string();
        copies.contains(&url).then_some(url)
    });
    assert!(url.is_some(), "the panel shows the asset's file URL: {copies}");
    assert!(copies.contains("Re-edits keep their asset; the file's URL changes"), "{copies}");
    d.exec("document.querySelector('.panel .copies').scrollIntoView(); return 1;", json!([]));
    d.screenshot(&crate::shots_dir().join("photo-copies.png"));
}
