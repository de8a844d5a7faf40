//! WordPress.com through the sign-in relay, end to end with the real binaries: `folio relay
//! serve` holding the OAuth app's secret in front of the fake WordPress.com, `folio connect
//! wpcom --no-browser` printing the sign-in page, and this test as the browser: the fake's
//! consent page redirects to the relay's callback, which sends it on to Folio's loopback
//! listener. Then an album syncs into the fake site's media library and a re-edit keeps its
//! media id. The secret never leaves the relay; the token lives only in Folio's secret store;
//! the relay logs neither the code nor the token.

mod support;

use folio_sites::wpcom::fake::FakeWpcom;
use serde_json::Value;
use std::path::Path;
use std::process::Command;
use support::relay::{fake_wpcom, free_port, relay, start, SECRET};
use support::{gradient_photo, unique};

fn folio(data: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_folio"));
    c.arg("--data-dir").arg(data).args(args).env("FOLIO_SECRETS", "file");
    c.env_remove("FOLIO_WPCOM_API_URL");
    c
}

fn run(c: &mut Command) -> (bool, String, String) {
    let out = c.output().unwrap();
    let text = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
    (out.status.success(), text(out.stdout), text(out.stderr))
}

fn media_ids(fake: &FakeWpcom) -> Vec<u64> {
    fake.state.lock().unwrap().media.keys().copied().collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wordpress_com_site_signs_in_through_the_relay_and_an_album_syncs_to_it() {
    let port = free_port();
    let fake = fake_wpcom(port, false).await;
    let tmp = tempfile::tempdir().unwrap();
    let relay = relay(tmp.path(), port, &fake).await;
    let data = tmp.path().join("data");
    let token = fake.token();
    let set_relay = format!("relay_url={}", relay.url);
    let set_api = format!("api_url={}", fake.api_url);
    let mut printed = String::new();

    let connect = ["connect", "wpcom", "--set", &set_relay, "--set", &set_api];
    let sign_in = start(folio(&data, &[&connect[..], &["--no-browser", "--json"]].concat()));
    let open = sign_in.open.clone();
    let query: std::collections::HashMap<String, String> =
        url::Url::parse(&open).unwrap().query_pairs().into_owned().collect();
    assert!(open.starts_with(&format!("{}/oauth2/authorize?", fake.api_url)), "{open}");
    assert_eq!(query["redirect_uri"], format!("{}/callback/wpcom", relay.url));
    assert!(query["state"].starts_with(|c: char| c.is_ascii_digit()), "{query:?}");
    assert!(!open.contains(SECRET));
    sign_in.browse(&relay, "wpcom").await;
    let (ok, json, err) = sign_in.finish().await;
    assert!(ok, "{json}{err}");
    printed.push_str(&json);
    printed.push_str(&err);
    let account: Value =
        serde_json::from_str(json.trim()).unwrap_or_else(|e| panic!("{e}: {json}"));
    assert_eq!(account["connector"], "wpcom", "{account}");
    assert_eq!(account["roles"], serde_json::json!(["destination"]));
    let name = account["name"].as_str().unwrap().to_string();

    // The token was made for one blog: that site, though the account lists two.
    let (ok, sites, err) = run(&mut folio(&data, &["site", "list", "--json"]));
    assert!(ok, "{err}");
    let sites: Value = serde_json::from_str(&sites).unwrap();
    assert_eq!(sites.as_array().map(Vec::len), Some(1), "{sites}");
    assert_eq!(sites[0]["url"], "https://folio-test.wordpress.com", "{sites}");

    let album = tmp.path().join(unique("wpcom"));
    std::fs::create_dir_all(&album).unwrap();
    for i in 0..3u8 {
        gradient_photo(&album.join(format!("shot-{i}.png")), i * 70);
    }
    let root = album.to_string_lossy().into_owned();
    let (ok, o, err) = run(&mut folio(&data, &["album", "add", &root, "--site", &name]));
    assert!(ok, "{o}{err}");
    let (ok, o, err) = run(&mut folio(&data, &["sync", "--json"]));
    assert!(ok, "{o}{err}");
    printed.push_str(&o);
    let first: Value = serde_json::from_str(&o).unwrap();
    assert_eq!(first["uploaded"].as_u64(), Some(3), "{first}");
    let before = media_ids(&fake);
    assert_eq!(before.len(), 3, "{before:?}");

    gradient_photo(&album.join("shot-1.png"), 250);
    let (ok, o, err) = run(&mut folio(&data, &["sync", "--json"]));
    assert!(ok, "{o}{err}");
    let second: Value = serde_json::from_str(&o).unwrap();
    assert_eq!(second["replaced"].as_u64(), Some(1), "{second}");
    assert_eq!(media_ids(&fake), before, "a re-edit keeps its media id");

    // Signing in again goes through the relay the same way and keeps the one site.
    let sign_in = start(folio(&data, &["account", "reconnect", &name, "--no-browser"]));
    sign_in.browse(&relay, "wpcom").await;
    let (ok, o, err) = sign_in.finish().await;
    assert!(ok, "{o}{err}");
    printed.push_str(&o);
    printed.push_str(&err);
    let (_, sites, _) = run(&mut folio(&data, &["site", "list", "--json"]));
    assert_eq!(serde_json::from_str::<Value>(&sites).unwrap().as_array().map(Vec::len), Some(1));

    for secret in [SECRET, token.as_str()] {
        assert!(!printed.contains(secret), "printed a secret: {printed}");
    }
    support::assert_no_secret_in_db(&data, &[SECRET, &token]);
    let log = relay.stop();
    assert!(log.contains("/token/wpcom"), "the relay logs what it did: {log}");
    for kept in [SECRET, token.as_str(), "code1", "code2"] {
        assert!(!log.contains(kept), "the relay logged {kept}: {log}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_for_every_site_asks_which_one_and_the_cli_names_them() {
    let port = free_port();
    let fake = fake_wpcom(port, true).await;
    let tmp = tempfile::tempdir().unwrap();
    let relay = relay(tmp.path(), port, &fake).await;
    let data = tmp.path().join("data");
    let set_relay = format!("relay_url={}", relay.url);
    let set_api = format!("api_url={}", fake.api_url);
    let connect = ["connect", "wpcom", "--set", &set_relay, "--set", &set_api, "--no-browser"];

    let sign_in = start(folio(&data, &connect));
    sign_in.browse(&relay, "wpcom").await;
    let (ok, o, err) = sign_in.finish().await;
    assert!(!ok, "no site named, two reached: {o}{err}");
    assert!(
        err.contains(
            "choose one of https://folio-test.wordpress.com, https://second-site.wordpress.com \
             (--set site=…)"
        ),
        "{err}"
    );
    let (_, sites, _) = run(&mut folio(&data, &["site", "list", "--json"]));
    assert_eq!(serde_json::from_str::<Value>(&sites).unwrap(), serde_json::json!([]));

    let picked = [&connect[..], &["--set", "site=folio-test.wordpress.com"]].concat();
    let sign_in = start(folio(&data, &picked));
    sign_in.browse(&relay, "wpcom").await;
    let (ok, o, err) = sign_in.finish().await;
    assert!(ok, "{o}{err}");
    let (_, sites, _) = run(&mut folio(&data, &["site", "list", "--json"]));
    let sites: Value = serde_json::from_str(&sites).unwrap();
    assert_eq!(sites[0]["url"], "https://folio-test.wordpress.com", "{sites}");
}
