//! HubSpot signed in through the sign-in relay, end to end with the real binaries: `folio
//! relay serve` holding the OAuth app's secret in front of the fake HubSpot, `folio connect
//! hubspot --set relay_url=… --no-browser`, and this test as the browser. HubSpot's access
//! tokens last 30 minutes, so the site keeps the refresh token and each run renews the access
//! token through the relay. The app uninstalled: the site waits for a reconnect, which goes
//! through the relay again, and the album goes on. No secret or token is printed, stored in
//! folio.db or logged by the relay. Also: a spent daily limit pauses the site until the reset.

mod support;

use folio_sites::hubspot::fake::{FakeHubSpot, FakeHubSpotConfig};
use serde_json::Value;
use std::path::Path;
use std::process::Command;
use support::relay::{free_port, relay_with, start};
use support::{gradient_photo, unique};

const SECRET: &str = "relay-kept-hubspot-secret-91d2";

fn folio(data: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_folio"));
    c.arg("--data-dir").arg(data).args(args).env("FOLIO_SECRETS", "file");
    c.env_remove("FOLIO_HUBSPOT_API_URL").env_remove("FOLIO_HUBSPOT_TOKEN");
    c
}

fn run(c: &mut Command) -> (bool, String, String) {
    let out = c.output().unwrap();
    let text = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
    (out.status.success(), text(out.stdout), text(out.stderr))
}

fn site_state(data: &Path) -> Value {
    let (ok, sites, err) = run(&mut folio(data, &["site", "list", "--json"]));
    assert!(ok, "{err}");
    let sites: Value = serde_json::from_str(&sites).unwrap();
    assert_eq!(sites.as_array().map(Vec::len), Some(1), "{sites}");
    sites[0].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hubspot_site_signs_in_through_the_relay_and_renews_its_token_there() {
    let port = free_port();
    let fake = FakeHubSpot::start(FakeHubSpotConfig {
        client_secret: SECRET.into(),
        redirect_uris: vec![format!("http://127.0.0.1:{port}/callback/hubspot")],
        ..FakeHubSpotConfig::default()
    })
    .await;
    let tmp = tempfile::tempdir().unwrap();
    let service = format!(
        r#"[services.hubspot]
client_id = "{client_id}"
client_secret_env = "FOLIO_TEST_HUBSPOT_SECRET"
secret_in = "body"
authorize_url = "{api}/oauth/authorize"
token_url = "{api}/oauth/v3/token"
scopes = ["files"]
"#,
        client_id = fake.state.lock().unwrap().config.client_id,
        api = fake.api_url,
    );
    let relay =
        relay_with(tmp.path(), port, &service, &[("FOLIO_TEST_HUBSPOT_SECRET", SECRET)]).await;
    let data = tmp.path().join("data");
    let set_relay = format!("relay_url={}", relay.url);
    let set_api = format!("api_url={}", fake.api_url);
    let mut printed = String::new();

    let connect = ["connect", "hubspot", "--set", &set_relay, "--set", &set_api, "--no-browser"];
    let sign_in = start(folio(&data, &[&connect[..], &["--json"]].concat()));
    assert!(sign_in.open.starts_with(&format!("{}/oauth/authorize?", fake.api_url)));
    assert!(sign_in.open.contains("scope=files"), "{}", sign_in.open);
    sign_in.browse(&relay, "hubspot").await;
    let (ok, json, err) = sign_in.finish().await;
    assert!(ok, "{json}{err}");
    printed.push_str(&json);
    printed.push_str(&err);
    let account: Value =
        serde_json::from_str(json.trim()).unwrap_or_else(|e| panic!("{e}: {json}"));
    assert_eq!(account["connector"], "hubspot", "{account}");
    let name = account["name"].as_str().unwrap().to_string();
    assert_eq!(site_state(&data)["state"], "ok");

    let album = tmp.path().join(unique("hubspot"));
    std::fs::create_dir_all(&album).unwrap();
    for i in 0..2u8 {
        gradient_photo(&album.join(format!("shot-{i}.png")), i * 90);
    }
    let root = album.to_string_lossy().into_owned();
    let (ok, o, err) = run(&mut folio(&data, &["album", "add", &root, "--site", &name]));
    assert!(ok, "{o}{err}");
    let (ok, o, err) = run(&mut folio(&data, &["sync", "--json"]));
    assert!(ok, "{o}{err}");
    printed.push_str(&o);
    let first: Value = serde_json::from_str(&o).unwrap();
    assert_eq!(first["uploaded"].as_u64(), Some(2), "{first}");
    // The sign-in's code once; then each process renews the access token it starts without.
    let grants = fake.token_grants();
    assert_eq!(grants[0], "authorization_code", "{grants:?}");
    assert!(grants.len() >= 2 && grants[1..].iter().all(|g| g == "refresh_token"), "{grants:?}");

    // The app is uninstalled from the HubSpot account: the refresh is refused, and the site
    // waits for the person, saying why.
    fake.uninstall_app();
    gradient_photo(&album.join("shot-1.png"), 250);
    let out = folio(&data, &["sync", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    printed.push_str(&String::from_utf8_lossy(&out.stdout));
    let site = site_state(&data);
    assert_eq!(site["state"], "reconnect", "{site}");
    assert!(site["error"].as_str().unwrap().contains("no longer accepts"), "{site}");

    // Signing in again goes through the relay the same way; the waiting re-edit goes up in
    // place.
    let ids: Vec<String> = fake.files().iter().map(|f| f.id.clone()).collect();
    let sign_in = start(folio(&data, &["account", "reconnect", &name, "--no-browser"]));
    sign_in.browse(&relay, "hubspot").await;
    let (ok, o, err) = sign_in.finish().await;
    assert!(ok, "{o}{err}");
    printed.push_str(&o);
    printed.push_str(&err);
    assert_eq!(site_state(&data)["state"], "ok");
    let (ok, o, err) = run(&mut folio(&data, &["sync", "--json"]));
    assert!(ok, "{o}{err}");
    printed.push_str(&o);
    let again: Value = serde_json::from_str(&o).unwrap();
    assert_eq!(again["replaced"].as_u64(), Some(1), "{again}");
    let now: Vec<String> = fake.files().iter().map(|f| f.id.clone()).collect();
    assert_eq!(now, ids, "replaced in place: same files");

    let mut secrets = fake.issued_tokens();
    secrets.push(SECRET.into());
    assert!(secrets.len() >= 4, "{secrets:?}");
    let kept: Vec<&str> = secrets.iter().map(String::as_str).collect();
    support::assert_no_secret_in_db(&data, &kept);
    let log = relay.stop();
    assert!(log.contains("/refresh/hubspot"), "renewed through the relay: {log}");
    for secret in &secrets {
        assert!(!printed.contains(secret.as_str()), "printed a secret: {printed}");
        assert!(!log.contains(secret.as_str()), "the relay logged a secret: {log}");
    }
}

/// The account's daily limit is spent: the site pauses ("rate_limited", saying when Folio tries
/// again), its photos wait rather than fail, a sync while it lasts costs one request, and after
/// the reset the photos go up.
#[tokio::test(flavor = "multi_thread")]
async fn a_spent_daily_limit_pauses_the_site_and_its_photos_wait() {
    let fake = FakeHubSpot::start(FakeHubSpotConfig::default()).await;
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let set_api = format!("api_url={}", fake.api_url);
    let (ok, o, err) =
        run(folio(&data, &["connect", "hubspot", "--name", "hs", "--set", &set_api])
            .env("FOLIO_HUBSPOT_TOKEN", fake.token()));
    assert!(ok, "{o}{err}");
    let album = tmp.path().join(unique("daily"));
    std::fs::create_dir_all(&album).unwrap();
    for i in 0..2u8 {
        gradient_photo(&album.join(format!("shot-{i}.png")), i * 90);
    }
    let root = album.to_string_lossy().into_owned();
    let (ok, o, err) = run(&mut folio(&data, &["album", "add", &root, "--site", "hs"]));
    assert!(ok, "{o}{err}");

    fake.exhaust_daily();
    let out = folio(&data, &["sync", "--json"]).output().unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "a site waits: {report}");
    assert_eq!(report["failed"], serde_json::json!([]), "{report}");
    assert_eq!(report["uploaded"].as_u64(), Some(0), "{report}");
    let site = site_state(&data);
    assert_eq!(site["state"], "rate_limited", "{site}");
    let said = site["error"].as_str().unwrap();
    assert!(said.contains("daily API limit") && said.contains("tries again after 20"), "{said}");

    let before = fake.requests().len();
    let out = folio(&data, &["sync", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let asked = fake.requests().len() - before;
    assert!(asked <= 1, "a paused site costs one look a sync: {:?}", &fake.requests()[before..]);

    fake.reset_daily();
    let (ok, o, err) = run(&mut folio(&data, &["sync", "--json"]));
    assert!(ok, "{o}{err}");
    let report: Value = serde_json::from_str(&o).unwrap();
    assert_eq!(report["uploaded"].as_u64(), Some(2), "{report}");
    assert_eq!(site_state(&data)["state"], "ok");
    assert_eq!(fake.files().len(), 2);
}
