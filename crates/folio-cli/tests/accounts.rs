//! Accounts from the command line: two Dropbox accounts (two fake Dropboxes, each with its own
//! app key and refresh token) connected with `folio connect dropbox --name …`, listed, browsed,
//! one album each under the same path, both synced to the real WordPress in one `folio sync`;
//! removing an account that albums read with is refused.

mod support;

use folio_sources::dropbox::fake::FakeDropbox;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;
use support::{album_media, unique, wordpress, Site};

fn photo(shade: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(320, 240, |x, y| {
        image::Rgb([shade, (x / 2) as u8, (y / 2) as u8])
    });
    let mut png = std::io::Cursor::new(Vec::new());
    img.write_to(&mut png, image::ImageFormat::Png).unwrap();
    png.into_inner()
}

fn run(site: &Site, data: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = site.folio(data, args).env_remove("FOLIO_DROPBOX_APP_KEY").output().unwrap();
    let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
    (out.status.success(), text(out.stdout), text(out.stderr))
}

/// `folio connect dropbox` for one fake: its hosts and app key as fields, the browser played
/// by following the fake's Allow redirect to Folio's listener. Returns the `--json` answer.
async fn connect(site: &Site, data: &std::path::Path, name: &str, fake: &FakeDropbox) -> Value {
    let key = fake.state.lock().unwrap().app_key.clone();
    let set = |field: &str, value: &str| format!("{field}={value}");
    let args = [
        "connect".to_string(),
        "dropbox".into(),
        "--name".into(),
        name.into(),
        "--no-browser".into(),
        "--json".into(),
        "--set".into(),
        set("client_id", &key),
        "--set".into(),
        set("auth_url", &format!("{}/oauth2/authorize", fake.url)),
        "--set".into(),
        set("api_url", &fake.url),
        "--set".into(),
        set("content_url", &fake.url),
        "--set".into(),
        set("notify_url", &fake.url),
    ];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut c = site.folio(data, &args);
    c.env_remove("FOLIO_DROPBOX_APP_KEY");
    let mut child = c.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let url = line.trim().strip_prefix("open: ").unwrap_or_else(|| panic!("printed {line:?}"));
    assert!(url.starts_with(&fake.url), "{name}'s sign-in goes to its own Dropbox: {url}");
    let browser =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let allow = browser.get(url).send().await.unwrap();
    assert_eq!(allow.status().as_u16(), 302, "{}", allow.text().await.unwrap());
    let back = allow.headers()["Location"].to_str().unwrap().to_string();
    assert_eq!(browser.get(&back).send().await.unwrap().status().as_u16(), 200);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_str(rest.trim()).unwrap_or_else(|e| panic!("{e}: {rest}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn two_dropbox_accounts_each_with_an_album_sync_in_one_pass() {
    let Some(site) = wordpress() else { return };
    let work = FakeDropbox::start("unused", Duration::from_secs(3600)).await;
    let home = FakeDropbox::start("unused", Duration::from_secs(3600)).await;
    {
        // Nothing of one account works with the other: a mix-up fails loudly.
        let mut h = home.state.lock().unwrap();
        h.app_key = "home-app-key".into();
        h.refresh_token = "home-refresh".into();
    }
    let folder = unique("accts");
    for i in 0..2 {
        work.put(&format!("/Shoots/{folder}/work-{i}.png"), &photo(i * 50));
        home.put(&format!("/Shoots/{folder}/home-{i}.png"), &photo(100 + i * 50));
    }
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");

    let first = connect(&site, &data, "work", &work).await;
    assert_eq!(first["name"], "work");
    assert_eq!(first["connector"], "dropbox");
    assert_eq!(first["roles"], serde_json::json!(["source"]));
    assert_eq!(first["state"], "ok");
    assert_eq!(first["who"], "Ada Photographer");
    assert!(first["id"].is_i64());
    connect(&site, &data, "home", &home).await;

    let (ok, _, err) =
        run(&site, &data, &["site", "add", "blog", "--wordpress", &site.url, "--user", &site.user]);
    assert!(ok, "{err}");
    let (ok, out, err) = run(&site, &data, &["account", "list", "--json"]);
    assert!(ok, "{err}");
    let accounts: Vec<Value> = serde_json::from_str(&out).unwrap();
    let names: Vec<&str> = accounts.iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["blog", "home", "work"], "{out}");
    let blog = &accounts[0];
    assert_eq!(
        (blog["connector"].as_str(), blog["roles"][0].as_str()),
        (Some("wordpress"), Some("destination"))
    );

    let (ok, out, err) =
        run(&site, &data, &["browse", "home", &format!("/Shoots/{folder}"), "--json"]);
    assert!(ok, "{err}");
    let entries: Vec<Value> = serde_json::from_str(&out).unwrap();
    let items: Vec<&str> = entries.iter().map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(items, ["home-0.png", "home-1.png"], "the home account's own files: {out}");
    assert!(entries.iter().all(|e| e["kind"] == "item"));

    for account in ["work", "home"] {
        let location = format!("{account}:/Shoots/{folder}");
        let args = ["album", "add", &location, "--site", "blog", "--naming", "{album}-{filename}"];
        let (ok, _, err) = run(&site, &data, &args);
        assert!(ok, "{location}: {err}");
    }
    let (ok, out, err) = run(&site, &data, &["sync", "--json"]);
    let report: Value = serde_json::from_str(&out).unwrap_or_else(|_| panic!("{out}{err}"));
    assert!(ok, "{report}");
    assert_eq!(report["uploaded"], 4, "{report}");
    let media = album_media(&site.client(), &folder).await;
    assert_eq!(media.len(), 4, "both accounts' photos, once each");
    assert_eq!(work.state.lock().unwrap().downloads, 2);
    assert_eq!(home.state.lock().unwrap().downloads, 2);

    let (ok, _, err) = run(&site, &data, &["account", "remove", "home"]);
    assert!(!ok && err.contains("remove them first"), "{err}");
}

/// A pasted secret from `FOLIO_<CONNECTOR>_<FIELD>`: a refused one saves nothing and exits 1
/// with the service's reason; the right one connects the store and prints the account. The
/// store is reached through the account's advanced `admin_url` field alone (no variable), and
/// later commands keep using it.
#[tokio::test(flavor = "multi_thread")]
async fn connect_with_a_pasted_token_saves_only_what_the_service_accepts() {
    use folio_sites::shopify::fake::{FakeShopify, FakeStoreConfig};
    let store = FakeShopify::start(FakeStoreConfig::default()).await;
    let token = store.state.lock().unwrap().config.admin_token.clone();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let connect = |token: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_folio"))
            .arg("--data-dir")
            .arg(&data)
            .args(["connect", "shopify", "--set", "store=folio-test.myshopify.com", "--json"])
            .arg("--set")
            .arg(format!("admin_url={}", store.url))
            .env("FOLIO_SECRETS", "file")
            .env_remove("FOLIO_SHOPIFY_ADMIN_URL")
            .env("FOLIO_SHOPIFY_TOKEN", token)
            .output()
            .unwrap();
        let text = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
        (out.status.code(), text(out.stdout), text(out.stderr))
    };
    let (code, out, err) = connect("shpat_wrong");
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(err.contains("Shopify"), "the service's reason: {err}");
    let listed = std::process::Command::new(env!("CARGO_BIN_EXE_folio"))
        .arg("--data-dir")
        .arg(&data)
        .args(["account", "list", "--json"])
        .env("FOLIO_SECRETS", "file")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&listed.stdout).trim(), "[]", "nothing was saved");
    let secrets = data.join("secrets");
    let kept = std::fs::read_dir(&secrets).map(|d| d.count()).unwrap_or(0);
    assert_eq!(kept, 0, "no secret was kept");

    let (code, out, err) = connect(&token);
    assert_eq!(code, Some(0), "{err}");
    let account: Value = serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(account["name"], "folio-test");
    assert_eq!(account["connector"], "shopify");
    assert_eq!(account["roles"], serde_json::json!(["destination"]));
    assert_eq!(account["state"], "ok");
    assert!(!out.contains(&token) && !err.contains(&token), "the token is never printed");

    // A later command makes the store from the account's fields: it answers from the fake.
    let checked = std::process::Command::new(env!("CARGO_BIN_EXE_folio"))
        .arg("--data-dir")
        .arg(&data)
        .args(["account", "reconnect", "folio-test"])
        .env("FOLIO_SECRETS", "file")
        .env("FOLIO_SHOPIFY_TOKEN", &token)
        .env_remove("FOLIO_SHOPIFY_ADMIN_URL")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&checked.stderr);
    assert!(checked.status.success(), "{said}");
}
