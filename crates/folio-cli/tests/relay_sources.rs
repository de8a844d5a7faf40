//! Canva designs and Lightroom (cloud) albums into the real WordPress (with the companion
//! plugin), each account signed in through `folio relay serve`, which alone holds the apps'
//! secrets: connect (this test plays the browser), browse, album, sync; an edited design page →
//! one export job and only that page replaced in place; a Lightroom edit → the rendition read
//! again and replaced in place; a credential not entitled to full-size renditions falls back to
//! 2048 px and says so; a token Canva stopped accepting is refreshed through the relay, and the
//! rotated refresh token is the one the next run (a new process) uses.

mod support;

use folio_sources::canva::fake::FakeCanva;
use folio_sources::lightroom::fake::FakeLightroom;
use serde_json::Value;
use std::path::Path;
use std::time::Duration;
use support::relay::{free_port, relay_with, start, Relay};
use support::{album_media, unique, wordpress, wordpress_with_companion, Site};

fn ok(c: &mut std::process::Command) -> String {
    let out = c.output().unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    assert!(out.status.success(), "{:?}: {}{}", c, text(&out.stdout), text(&out.stderr));
    text(&out.stdout) + &text(&out.stderr)
}

fn sync(wp: &Site, data: &Path) -> (Value, String) {
    let out = wp.folio(data, &["sync", "--json"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stdout}{stderr}");
    (serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}")), stderr)
}

/// The relay for both services, in front of the two fakes' OAuth endpoints.
async fn relay(dir: &Path, canva: &FakeCanva, lightroom: &FakeLightroom) -> Relay {
    let (canva_id, canva_secret) = canva.client();
    let (adobe_key, adobe_secret) = lightroom.client();
    let services = format!(
        r#"[services.canva]
client_id = "{canva_id}"
client_secret_env = "FOLIO_TEST_CANVA_SECRET"
secret_in = "basic"
authorize_url = "{c}/oauth/authorize"
token_url = "{c}/v1/oauth/token"
scopes = ["design:meta:read", "design:content:read", "folder:read"]

[services.lightroom]
client_id = "{adobe_key}"
client_secret_env = "FOLIO_TEST_ADOBE_SECRET"
secret_in = "body"
authorize_url = "{l}/ims/authorize/v2"
token_url = "{l}/ims/token/v3"
scopes = ["openid", "AdobeID", "offline_access", "lr_partner_apis", "lr_partner_rendition_apis"]
"#,
        c = canva.url,
        l = lightroom.url,
    );
    let env =
        [("FOLIO_TEST_CANVA_SECRET", canva_secret), ("FOLIO_TEST_ADOBE_SECRET", adobe_secret)];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    relay_with(dir, free_port(), &services, &env).await
}

/// `folio connect KIND --no-browser`, the browser played through the relay.
async fn connect(wp: &Site, data: &Path, relay: &Relay, kind: &str, sets: &[String]) {
    let mut args = vec!["connect".to_string(), kind.into(), "--name".into(), kind.into()];
    args.extend(["--set".into(), format!("relay_url={}", relay.url)]);
    for set in sets {
        args.extend(["--set".into(), set.clone()]);
    }
    args.push("--no-browser".into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let sign_in = start(wp.folio(data, &args));
    assert!(!sign_in.open.contains("secret"), "{}", sign_in.open);
    sign_in.browse(relay, kind).await;
    let (ok, out, err) = sign_in.finish().await;
    assert!(ok, "{kind}: {out}{err}");
}

/// The album location of the entry named `name` that `folio browse ACCOUNT [PATH]` lists.
fn location(wp: &Site, data: &Path, account: &str, path: Option<&str>, name: &str) -> String {
    let mut args = vec!["browse", account];
    args.extend(path);
    args.push("--json");
    let listed: Value = serde_json::from_str(&ok(&mut wp.folio(data, &args))).unwrap();
    let entry = listed.as_array().unwrap().iter().find(|e| e["name"] == name);
    let path = entry.unwrap_or_else(|| panic!("no {name} in {listed}"))["path"].as_str().unwrap();
    if path.contains(':') {
        path.to_string()
    } else {
        format!("{account}:{path}")
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn canva_designs_and_lightroom_albums_sync_to_wordpress_through_the_relay() {
    let Some(wp) = wordpress_with_companion() else { return };
    let canva = FakeCanva::start("canva-token-never-given").await;
    let lightroom = FakeLightroom::start("adobe-api-key", "adobe-token-never-given").await;
    lightroom.state.lock().unwrap().entitled = false;
    let tmp = tempfile::tempdir().unwrap();
    let relay = relay(tmp.path(), &canva, &lightroom).await;
    let data = tmp.path().join("data");
    ok(&mut wp.folio(&data, &["site", "add", "blog", "--wordpress", &wp.url, "--user", &wp.user]));

    // Canva: a folder with a two-page banner.
    let folder_name = unique("Banners");
    let folder = canva.add_folder("root", &folder_name);
    let banner = canva.add_design(&folder, "Spring sale", 2);
    connect(&wp, &data, &relay, "canva", &[format!("api_url={}", canva.url)]).await;
    let canva_album = location(&wp, &data, "canva", None, &folder_name);
    assert!(canva_album.ends_with(&format!("folder/{folder}")), "{canva_album}");

    // Lightroom: an album of two photos, full size asked for by a credential not entitled.
    let album_name = unique("portfolio");
    let album = lightroom.add_album(&album_name, None);
    let portrait = lightroom.add_photo(&album, "portrait.jpg");
    lightroom.add_photo(&album, "landscape.jpg");
    let lr_sets = [format!("api_url={}", lightroom.url), "rendition=fullsize".to_string()];
    connect(&wp, &data, &relay, "lightroom", &lr_sets).await;
    let lr_album = location(&wp, &data, "lightroom", None, &album_name);

    for root in [&canva_album, &lr_album] {
        let add = ["album", "add", root, "--site", "blog", "--naming", "{album}-{filename}"];
        ok(&mut wp.folio(&data, &add));
    }
    // Albums are named as the services name them, not by their ids.
    let albums = ok(&mut wp.folio(&data, &["album", "list"]));
    assert!(albums.contains(&album_name) && albums.contains(&folder_name), "{albums}");
    let (first, said) = sync(&wp, &data);
    assert_eq!(first["uploaded"].as_u64(), Some(4), "{first}");
    assert!(said.contains("2048-pixel rendition"), "the fallback is said: {said}");
    let exports = canva.count("create_export");
    assert!(exports >= 1, "{:?}", canva.state.lock().unwrap().calls);
    let wp_client = wp.client();
    let lr_before = album_media(&wp_client, &album_name).await;
    assert_eq!(lr_before.len(), 2, "{lr_before:?}");

    // One page of the banner repainted: one more export job, only that page replaced.
    canva.repaint(&banner, 1);
    let (second, _) = sync(&wp, &data);
    assert_eq!(
        (second["replaced"].as_u64(), second["uploaded"].as_u64()),
        (Some(1), Some(0)),
        "{second}"
    );
    assert_eq!(canva.count("create_export"), exports + 1, "one export job for the edit");

    // A Lightroom edit: its rendition read again and replaced at the same attachment and URL.
    let downloads = lightroom.downloads_of(&portrait);
    lightroom.edit(&portrait);
    let (third, _) = sync(&wp, &data);
    assert_eq!(third["replaced"].as_u64(), Some(1), "{third}");
    assert_eq!(lightroom.downloads_of(&portrait), downloads + 1);
    let lr_after = album_media(&wp_client, &album_name).await;
    let ids = |m: &[folio_sites::RemoteMedia]| {
        let mut v: Vec<(String, String)> =
            m.iter().map(|m| (m.id.to_string(), m.url.clone())).collect();
        v.sort();
        v
    };
    assert_eq!(ids(&lr_after), ids(&lr_before), "replaced in place: same ids and URLs");

    // Canva stops taking the access token: Folio refreshes through the relay, Canva rotates
    // the refresh token, and the next run (a new process) signs in with the rotated one.
    let refresh_before = canva.refresh_token();
    canva.state.lock().unwrap().tokens.clear();
    canva.repaint(&banner, 2);
    let (fourth, _) = sync(&wp, &data);
    assert_eq!(fourth["replaced"].as_u64(), Some(1), "{fourth}");
    let rotated = canva.refresh_token();
    assert!(rotated.is_some() && rotated != refresh_before, "the refresh token rotated");
    canva.state.lock().unwrap().tokens.clear();
    canva.repaint(&banner, 1);
    let (fifth, _) = sync(&wp, &data);
    assert_eq!(fifth["replaced"].as_u64(), Some(1), "{fifth}");
    assert_ne!(canva.refresh_token(), rotated, "refreshed again with the rotated token");

    let log = relay.stop();
    for secret in [canva.client().1, lightroom.client().1] {
        assert!(!log.contains(&secret), "the relay logged a secret: {log}");
    }
    assert!(!log.contains("fake-canva-code"), "the relay logged a code: {log}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_spent_daily_export_limit_rate_limits_the_album_and_canva_is_not_asked_again() {
    let Some(wp) = wordpress() else { return };
    let canva = FakeCanva::start("canva-token-never-given").await;
    canva.state.lock().unwrap().quotas.user_day = (1, Duration::from_secs(86_400));
    let lightroom = FakeLightroom::start("adobe-api-key", "adobe-token-never-given").await;
    let tmp = tempfile::tempdir().unwrap();
    let relay = relay(tmp.path(), &canva, &lightroom).await;
    let data = tmp.path().join("data");
    ok(&mut wp.folio(&data, &["site", "add", "blog", "--wordpress", &wp.url, "--user", &wp.user]));
    let folder_name = unique("quota");
    let folder = canva.add_folder("root", &folder_name);
    canva.add_design(&folder, "One", 1);
    canva.add_design(&folder, "Two", 1);
    connect(&wp, &data, &relay, "canva", &[format!("api_url={}", canva.url)]).await;
    let root = format!("canva:folder/{folder}");
    ok(&mut wp.folio(&data, &["album", "add", &root, "--site", "blog"]));

    // The second export meets Canva's daily limit (its 429): the album waits a day.
    let out = wp.folio(&data, &["sync", "--json"]).output().unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let problems = report["problems"].to_string();
    assert!(problems.contains("rate limited until"), "{report}");
    let status: Value = serde_json::from_str(&ok(&mut wp.folio(&data, &["status", "--json"])))
        .unwrap_or_else(|e| panic!("{e}"));
    let album = &status["albums"][0];
    assert_eq!(album["state"], "rate_limited", "{status}");
    let until = album["until"].as_str().unwrap_or_else(|| panic!("{status}")).to_string();
    let tomorrow = std::time::SystemTime::now() + Duration::from_secs(23 * 3600);
    let secs = tomorrow.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let (y, m, d) = folio_model::time::civil_from_days((secs / 86_400) as i64);
    assert!(until.as_str() > format!("{y:04}-{m:02}-{d:02}").as_str(), "a day away: {until}");

    // Until then Canva is not asked anything, and `status` says why.
    let calls = canva.state.lock().unwrap().calls.len();
    let again = wp.folio(&data, &["sync", "--json"]).output().unwrap();
    let again: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert!(again["problems"].to_string().contains(&until), "{again}");
    assert_eq!(canva.state.lock().unwrap().calls.len(), calls, "Canva was asked again");
    let words = ok(&mut wp.folio(&data, &["status"]));
    assert!(words.contains(&format!("rate limited until {until}")), "{words}");
}
