//! A data folder made by `folio` from c4879da (before accounts: one Dropbox sign-in as a setting
//! and the keychain entry `dropbox-refresh-token`, a Shopify store, a Dropbox album; see
//! tests/fixtures/c4879da/make.sh) opened by this build: the site, the album and the Dropbox
//! account become accounts, and everything works without signing in again.

use folio_sites::shopify::fake::{FakeShopify, FakeStoreConfig};
use folio_sources::dropbox::fake::FakeDropbox;
use serde_json::Value;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/c4879da");

fn copy_fixture(to: &Path) {
    std::fs::create_dir_all(to.join("secrets")).unwrap();
    std::fs::copy(Path::new(FIXTURE).join("folio.db"), to.join("folio.db")).unwrap();
    for entry in std::fs::read_dir(Path::new(FIXTURE).join("secrets")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join("secrets").join(entry.file_name())).unwrap();
    }
}

fn folio(data: &Path, dropbox: &FakeDropbox, store: &FakeShopify, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_folio"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("FOLIO_SECRETS", "file")
        .env("FOLIO_SHOPIFY_ADMIN_URL", &store.url)
        .env_remove("FOLIO_SHOPIFY_TOKEN")
        .env("FOLIO_DROPBOX_AUTHORIZE_URL", format!("{}/oauth2/authorize", dropbox.url))
        .env("FOLIO_DROPBOX_API_URL", &dropbox.url)
        .env("FOLIO_DROPBOX_CONTENT_URL", &dropbox.url)
        .env("FOLIO_DROPBOX_NOTIFY_URL", &dropbox.url)
        .env("FOLIO_DROPBOX_APP_KEY", "test-app-key")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    (out.status.success(), stdout + &String::from_utf8_lossy(&out.stderr))
}

fn json(text: &str) -> Value {
    let start = text.find(['[', '{']).unwrap_or_else(|| panic!("no JSON in {text}"));
    let end = text.rfind([']', '}']).unwrap() + 1;
    serde_json::from_str(&text[start..end]).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_data_folder_from_before_accounts_works_without_signing_in_again() {
    let dropbox = FakeDropbox::start("unused", Duration::from_secs(3600)).await;
    let store = FakeShopify::start(FakeStoreConfig::default()).await;
    for i in 0..2 {
        let bytes = std::fs::read(Path::new(FIXTURE).join(format!("p{i}.png"))).unwrap();
        dropbox.put(&format!("/Shoots/p{i}.png"), &bytes);
    }
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_fixture(&data);

    let (ok, out) = folio(&data, &dropbox, &store, &["account", "list", "--json"]);
    assert!(ok, "{out}");
    let accounts = json(&out);
    let by_name = |n: &str| {
        accounts
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == n)
            .cloned()
            .unwrap_or_else(|| panic!("no {n}: {out}"))
    };
    let dbx = by_name("dropbox");
    assert_eq!((dbx["connector"].as_str(), dbx["state"].as_str()), (Some("dropbox"), Some("ok")));
    assert_eq!(dbx["who"], "Ada Photographer");
    let shop = by_name("shop");
    assert_eq!(shop["connector"], "shopify");
    assert_eq!(shop["roles"], serde_json::json!(["destination"]));
    assert_eq!(shop["who"], "Folio Test Prints");

    let (ok, out) = folio(&data, &dropbox, &store, &["dropbox", "status", "--json"]);
    assert!(ok, "{out}");
    let status = json(&out);
    assert_eq!(
        (status["connected"].as_bool(), status["email"].as_str()),
        (Some(true), Some("ada@example.test"))
    );
    let (ok, out) = folio(&data, &dropbox, &store, &["album", "list", "--json"]);
    assert!(ok && out.contains("dropbox:/Shoots"), "{out}");

    // A new photo in Dropbox: read with the migrated refresh token, published with the store's
    // token from before; the two synced then are not sent again.
    let new = std::fs::read(Path::new(FIXTURE).join("p0.png")).unwrap();
    let mut new = image::load_from_memory(&new).unwrap().to_rgb8();
    new.put_pixel(0, 0, image::Rgb([1, 2, 3]));
    let mut png = std::io::Cursor::new(Vec::new());
    new.write_to(&mut png, image::ImageFormat::Png).unwrap();
    dropbox.put("/Shoots/new.png", &png.into_inner());
    let (ok, out) = folio(&data, &dropbox, &store, &["sync", "--json"]);
    let report = json(&out);
    assert!(ok, "{out}");
    assert_eq!(report["uploaded"], 1, "{report}");
    assert_eq!(report["failed"].as_array().unwrap().len(), 0, "{report}");
    assert_eq!(store.files().len(), 1, "only the new photo reached the store");
    assert!(
        dropbox.state.lock().unwrap().calls.iter().any(|c| c.contains("token")),
        "the token was refreshed with the kept refresh token"
    );
}
