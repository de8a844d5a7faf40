//! A Shopify store through the window, against the fake store: the Connect dialog with the
//! store's fields, a refused token, connecting with an Admin API token, the account card saying
//! what a store keeps, and a dropped folder synced to it with "alt text only" in the album's
//! per-site summary.

use crate::webdriver::Driver;
use crate::{prerequisites, sample_album, shots_dir, WINDOW};
use folio_sites::shopify::fake::{FakeShopify, FakeStoreConfig};
use serde_json::json;
use std::path::PathBuf;
use std::time::Duration;

#[test]
fn a_photographer_connects_a_shopify_store_and_syncs_a_folder_to_it() {
    // The WordPress is not used, but under `make test` its absence is a failure like any other.
    let Some((_, tauri_driver)) = prerequisites() else { return };
    let _one_window = WINDOW.lock().unwrap_or_else(|e| e.into_inner());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let store = runtime.block_on(FakeShopify::start(FakeStoreConfig::default()));
    let token = store.state.lock().unwrap().config.admin_token.clone();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let (album, photos) = sample_album(tmp.path(), &format!("Prints{}", std::process::id()));
    let app = PathBuf::from(env!("CARGO_BIN_EXE_folio-app"));
    let d = Driver::start(
        &tauri_driver,
        &app,
        &[
            ("FOLIO_DATA_DIR", data.to_str().unwrap()),
            ("FOLIO_SECRETS", "file"),
            ("FOLIO_SHOPIFY_ADMIN_URL", &store.url),
        ],
    );
    d.wait_text(".welcome", Duration::from_secs(30), |t| t.contains("Connect a site"));
    d.click(".steps button");
    d.click(".connect-dialog button[data-connector=shopify]");
    let form =
        d.wait_text(".connect-dialog form", Duration::from_secs(10), |t| t.contains("read_files"));
    assert!(form.contains("write_files") && form.contains(".myshopify.com"), "{form}");
    let kind = d.exec(
        "return document.querySelector('.connect-dialog input[name=token]').type;",
        json!([]),
    );
    assert_eq!(kind, "password", "a secret field is typed unseen");

    // A wrong token is refused in words, and nothing is added.
    d.type_into(".connect-dialog input.account-name", "Print shop");
    d.type_into(".connect-dialog input[name=store]", "folio-test.myshopify.com");
    d.type_into(".connect-dialog input[name=token]", "shpat_wrong");
    d.click(".connect-dialog form.connect-form button[type=submit]");
    let refused = d.wait_text(".connect-dialog .error", Duration::from_secs(30), |t| !t.is_empty());
    assert!(refused.contains("refused the access token"), "{refused}");
    let cards = d.exec("return document.querySelectorAll('.card.account').length;", json!([]));
    assert_eq!(cards, 0);

    d.type_into(".connect-dialog input[name=token]", &token);
    d.click(".connect-dialog form.connect-form button[type=submit]");
    let card = d.wait_text(".card.account", Duration::from_secs(30), |t| t.contains("Print shop"));
    assert!(card.contains("keep their URL") && card.contains("alt text only"), "{card}");
    assert!(card.contains("Shopify") && card.contains("Folio Test Prints"), "{card}");
    assert!(!card.contains(&token), "no token on screen");
    d.screenshot(&shots_dir().join("account-shopify.png"));

    // A folder dropped on the window goes to the store.
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
    let summary = d.wait_text(".summary", Duration::from_secs(10), |t| t.contains("Print shop"));
    assert!(summary.contains("Print shop (WebP, keeps URLs, alt text only)"), "{summary}");
    let ready = store.files().iter().filter(|f| f.status == "READY").count();
    assert_eq!(ready, photos, "every photo is a ready file in the store");
    // The store's own thumbnails are not shown here: the fake's CDN is on 127.0.0.1, and Folio
    // refuses private addresses for a site on the internet (folio_sites::download).
}
