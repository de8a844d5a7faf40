//! A folder album synced by `folio` into the fake Shopify store (FOLIO_SHOPIFY_ADMIN_URL):
//! connect with a token, upload through staged targets, READY, alt text, a re-edit replaced in
//! place (same file, same URL but for `?v=`), a file Shopify fails to process reported in its
//! words, a small bucket and server errors that fail nothing, a bad token that saves nothing,
//! and one album going to WordPress and Shopify at once.

mod support;

use folio_sites::shopify::fake::{FakeFile, FakeShopify, FakeStoreConfig};
use serde_json::Value;
use std::path::Path;
use std::process::Command;
use support::{gradient_photo, unique, wordpress};

const STORE: &str = "folio-test.myshopify.com";

fn folio(data: &Path, store: &FakeShopify, token: &str, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_folio"));
    c.arg("--data-dir")
        .arg(data)
        .args(args)
        .env("FOLIO_SECRETS", "file")
        .env("FOLIO_SHOPIFY_ADMIN_URL", &store.url)
        .env("FOLIO_SHOPIFY_TOKEN", token);
    c
}

fn run(c: &mut Command) -> (bool, String, String) {
    let out = c.output().unwrap();
    let text = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
    (out.status.success(), text(out.stdout), text(out.stderr))
}

fn sync(data: &Path, store: &FakeShopify, token: &str) -> Value {
    let (_, out, err) = run(&mut folio(data, store, token, &["sync", "--json"]));
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}"))
}

fn ready(store: &FakeShopify) -> Vec<FakeFile> {
    store.files().into_iter().filter(|f| f.status == "READY").collect()
}

fn admin_token(store: &FakeShopify) -> String {
    store.state.lock().unwrap().config.admin_token.clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_album_goes_to_shopify_and_a_re_edit_keeps_the_file_and_its_url() {
    let store = FakeShopify::start(FakeStoreConfig::default()).await;
    let token = admin_token(&store);
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let album = tmp.path().join(unique("prints"));
    std::fs::create_dir_all(&album).unwrap();
    for i in 0..3u8 {
        gradient_photo(&album.join(format!("print-{i}.png")), i * 60);
    }

    // A wrong token is refused, and nothing is saved.
    let (ok, _, err) =
        run(&mut folio(&data, &store, "shpat_wrong", &["site", "add", "shop", "--shopify", STORE]));
    assert!(!ok && err.contains("refused the access token"), "{err}");
    assert!(!err.contains("shpat_wrong"), "no token in messages: {err}");
    let (_, listed, _) = run(&mut folio(&data, &store, &token, &["site", "list", "--json"]));
    assert_eq!(serde_json::from_str::<Value>(&listed).unwrap(), serde_json::json!([]));

    let (ok, out, err) =
        run(&mut folio(&data, &store, &token, &["site", "add", "shop", "--shopify", STORE]));
    assert!(ok, "{err}");
    assert!(out.contains("Folio Test Prints") && out.contains("alt text only"), "{out}");
    let root = album.to_string_lossy().into_owned();
    let add = ["album", "add", &root, "--site", "shop", "--alt", "Print {filename}"];
    let (ok, _, err) = run(&mut folio(&data, &store, &token, &add));
    assert!(ok, "{err}");
    let (_, albums, _) = run(&mut folio(&data, &store, &token, &["album", "list"]));
    assert!(albums.contains("shop (in place, alt text only)"), "{albums}");

    let first = sync(&data, &store, &token);
    assert_eq!(
        (first["uploaded"].as_u64(), first["failed"].as_array().map(Vec::len)),
        (Some(3), Some(0)),
        "{first}"
    );
    let files = ready(&store);
    assert_eq!(files.len(), 3, "{files:?}");
    assert!(
        files.iter().all(|f| f.filename.ends_with(".webp") && f.alt.starts_with("Print print-")),
        "{files:?}"
    );
    assert_eq!(store.state.lock().unwrap().token_sent_to_storage, 0);

    // Re-edited: the same file takes the new bytes; its URL is the same but for ?v=.
    let status: Value =
        serde_json::from_str(&run(&mut folio(&data, &store, &token, &["status", "--json"])).1)
            .unwrap();
    assert_eq!(status["albums"][0]["synced"], 3, "{status}");
    let before = files.iter().find(|f| f.filename.starts_with("print-1")).unwrap().clone();
    let url = format!("{}/cdn/shop/files/{}", store.url, before.filename);
    let old_bytes = reqwest::get(&url).await.unwrap().bytes().await.unwrap();
    gradient_photo(&album.join("print-1.png"), 250);
    let second = sync(&data, &store, &token);
    assert_eq!(
        (second["replaced"].as_u64(), second["uploaded"].as_u64()),
        (Some(1), Some(0)),
        "{second}"
    );
    let after = ready(&store);
    assert_eq!(after.len(), 3, "no second file");
    let changed = after.iter().find(|f| f.id == before.id).unwrap();
    assert_eq!((changed.filename.as_str(), changed.updates), (before.filename.as_str(), 1));
    let new_bytes = reqwest::get(&url).await.unwrap().bytes().await.unwrap();
    assert_ne!(old_bytes, new_bytes, "the same URL serves the new version");
    assert_eq!(new_bytes.as_ref(), changed.served.as_ref().unwrap().bytes.as_slice());

    // A photo Shopify fails to process: a per-photo error in Shopify's words, nothing left.
    store.fail_processing(1);
    gradient_photo(&album.join("print-9.png"), 99);
    let third = sync(&data, &store, &token);
    let failed = third["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 1, "{third}");
    assert_eq!(failed[0]["path"], "print-9.png");
    assert!(failed[0]["error"].as_str().unwrap().contains("Image processing failed"), "{third}");
    assert_eq!(store.files().len(), 3, "the failed file was removed from the store");

    // The secret is only in the secrets folder.
    let db = std::fs::read(data.join("folio.db")).unwrap();
    assert!(!String::from_utf8_lossy(&db).contains(&token), "no token in SQLite");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_small_bucket_and_server_errors_fail_no_photo() {
    let config = FakeStoreConfig { bucket_max: 60.0, restore_rate: 30.0, ..Default::default() };
    let store = FakeShopify::start(config).await;
    let token = admin_token(&store);
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let album = tmp.path().join(unique("bucket"));
    std::fs::create_dir_all(&album).unwrap();
    for i in 0..12u8 {
        gradient_photo(&album.join(format!("p{i:02}.png")), i * 20);
    }
    let (ok, _, err) =
        run(&mut folio(&data, &store, &token, &["site", "add", "shop", "--shopify", STORE]));
    assert!(ok, "{err}");
    let root = album.to_string_lossy().into_owned();
    assert!(run(&mut folio(&data, &store, &token, &["album", "add", &root, "--site", "shop"])).0);
    // Two 503s and a 502 on the way: retried.
    store.inject(folio_sites::conformance::Fault::Status(503), 2);
    store.inject(folio_sites::conformance::Fault::Status(502), 1);
    let report = sync(&data, &store, &token);
    assert_eq!(report["failed"].as_array().map(Vec::len), Some(0), "{report}");
    assert_eq!(report["uploaded"], 12, "{report}");
    assert_eq!(ready(&store).len(), 12);
    let throttled = store.throttled();
    eprintln!("12 photos through a 60-point bucket: {throttled} THROTTLED answers");
    assert!(throttled <= 4, "the queue is paced on the bucket: {throttled} throttled");
}

#[tokio::test(flavor = "multi_thread")]
async fn one_album_goes_to_wordpress_and_shopify_at_once() {
    let Some(wp) = wordpress() else { return };
    let store = FakeShopify::start(FakeStoreConfig::default()).await;
    let token = admin_token(&store);
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let name = unique("both");
    let album = tmp.path().join(&name);
    std::fs::create_dir_all(&album).unwrap();
    for i in 0..2u8 {
        gradient_photo(&album.join(format!("b{i}.png")), i * 90);
    }
    let mut blog =
        wp.folio(&data, &["site", "add", "blog", "--wordpress", &wp.url, "--user", &wp.user]);
    blog.env("FOLIO_SHOPIFY_ADMIN_URL", &store.url);
    assert!(run(&mut blog).0);
    assert!(run(&mut folio(&data, &store, &token, &["site", "add", "shop", "--shopify", STORE])).0);
    let root = album.to_string_lossy().into_owned();
    let add = [
        "album",
        "add",
        &root,
        "--site",
        "blog",
        "--site",
        "shop",
        "--naming",
        "{album}-{filename}",
    ];
    let mut c = folio(&data, &store, &token, &add);
    c.env("FOLIO_APP_PASSWORD", &wp.password);
    assert!(run(&mut c).0);
    let mut c = folio(&data, &store, &token, &["sync", "--json"]);
    c.env("FOLIO_APP_PASSWORD", &wp.password);
    let (_, out, err) = run(&mut c);
    let report: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {err}"));
    assert_eq!(
        (report["uploaded"].as_u64(), report["converted"].as_u64()),
        (Some(4), Some(2)),
        "{report}"
    );
    assert_eq!(ready(&store).len(), 2);
    let on_wp = support::album_media(&wp.client(), &name).await;
    assert_eq!(on_wp.len(), 2, "{on_wp:?}");
}
