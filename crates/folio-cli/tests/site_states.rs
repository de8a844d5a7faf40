//! The CLI contract for many sites, against the real WordPress: a site whose Application
//! Password is revoked is one `reconnect` entry in `sync --json` (not a failure per photo) and
//! shows its state in `site list --json`; an album set to AVIF sends WebP to WordPress 6.1 with
//! no failures, and `status` says so.

mod support;

use serde_json::Value;
use std::path::Path;
use support::{album_media, gradient_photo as photo, unique, wordpress, Site};

fn run(site: &Site, data: &Path, args: &[&str], password: &str) -> (i32, String, String) {
    let out = site.folio(data, args).env("FOLIO_APP_PASSWORD", password).output().unwrap();
    let text = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
    (out.status.code().unwrap(), text(out.stdout), text(out.stderr))
}

/// A new Application Password for the test user, made through WordPress's own REST API, and
/// its uuid (to revoke it).
async fn new_app_password(site: &Site, name: &str) -> (String, String) {
    let r: Value = reqwest::Client::new()
        .post(format!("{}/wp-json/wp/v2/users/me/application-passwords", site.url))
        .basic_auth(&site.user, Some(&site.password))
        .json(&serde_json::json!({ "name": name }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (r["password"].as_str().unwrap().to_string(), r["uuid"].as_str().unwrap().to_string())
}

async fn revoke(site: &Site, uuid: &str) {
    let r = reqwest::Client::new()
        .delete(format!("{}/wp-json/wp/v2/users/me/application-passwords/{uuid}", site.url))
        .basic_auth(&site.user, Some(&site.password))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_site_is_one_reconnect_entry_and_the_other_site_still_gets_everything() {
    let Some(site) = wordpress() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let name = unique("revoked");
    let album = tmp.path().join(&name);
    std::fs::create_dir_all(&album).unwrap();
    for (i, n) in ["harbour", "pier", "dunes"].iter().enumerate() {
        photo(&album.join(format!("{n}.png")), 40 * i as u8);
    }
    let data = tmp.path().join("data");
    let (doomed, uuid) = new_app_password(&site, &unique("folio-test-")).await;
    let ok = |args: &[&str], password: &str| {
        let (code, out, err) = run(&site, &data, args, password);
        assert_eq!(code, 0, "folio {args:?}: {out}{err}");
        out
    };
    ok(&["site", "add", "blog", "--wordpress", &site.url, "--user", &site.user], &site.password);
    ok(&["site", "add", "mirror", "--wordpress", &site.url, "--user", &site.user], &doomed);
    let root = album.to_string_lossy().into_owned();
    ok(
        &[
            "album",
            "add",
            &root,
            "--site",
            "blog",
            "--site",
            "mirror",
            "--naming",
            "{album}-{filename}",
        ],
        &site.password,
    );
    revoke(&site, &uuid).await;

    let (code, out, err) = run(&site, &data, &["sync", "--json"], &site.password);
    let report: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    assert_eq!(code, 1, "a paused site is worth a non-zero exit: {report}");
    assert_eq!(report["failed"], serde_json::json!([]), "no failure per photo: {report}");
    assert_eq!(report["uploaded"], 3, "blog got every photo: {report}");
    let sites = report["sites"].as_array().unwrap();
    let mirror = sites.iter().find(|s| s["name"] == "mirror").unwrap();
    assert_eq!(mirror["state"], "reconnect", "{report}");
    assert!(mirror["error"].as_str().unwrap().contains("Application Password"), "{report}");
    assert_eq!(sites.iter().find(|s| s["name"] == "blog").unwrap()["state"], "ok");

    let listed: Value = serde_json::from_str(&ok(&["site", "list", "--json"], "")).unwrap();
    let states: Vec<(&str, &str)> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap(), s["state"].as_str().unwrap()))
        .collect();
    assert_eq!(states, vec![("blog", "ok"), ("mirror", "reconnect")]);
    let activity = ok(&["activity", "--json"], "");
    assert_eq!(activity.matches("refused Folio's credentials").count(), 1, "{activity}");

    // Reconnected with a new password, the waiting photos go up.
    let (fresh, fresh_uuid) = new_app_password(&site, &unique("folio-test-")).await;
    ok(&["site", "reconnect", "mirror"], &fresh);
    let (code, out, _) = run(&site, &data, &["sync", "--json"], &site.password);
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!((code, report["uploaded"].as_u64()), (0, Some(3)), "{report}");

    let wp = site.client();
    let media = album_media(&wp, &name).await;
    assert_eq!(media.len(), 6, "three photos on each of the two sites (one WordPress)");
    for m in media {
        folio_sites::Destination::delete(&wp, &m.id, folio_sites::DeleteMode::Permanently)
            .await
            .unwrap();
    }
    revoke(&site, &fresh_uuid).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_avif_album_sends_webp_to_wordpress_6_1_with_no_failures() {
    let Some(site) = wordpress() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let name = unique("avif");
    let album = tmp.path().join(&name);
    std::fs::create_dir_all(&album).unwrap();
    photo(&album.join("harbour.png"), 10);
    photo(&album.join("pier.png"), 90);
    let data = tmp.path().join("data");
    let ok = |args: &[&str]| {
        let (code, out, err) = run(&site, &data, args, &site.password);
        assert_eq!(code, 0, "folio {args:?}: {out}{err}");
        out
    };
    ok(&["site", "add", "blog", "--wordpress", &site.url, "--user", &site.user]);
    let root = album.to_string_lossy().into_owned();
    ok(&[
        "album",
        "add",
        &root,
        "--site",
        "blog",
        "--format",
        "avif",
        "--naming",
        "{album}-{filename}",
    ]);
    let report: Value = serde_json::from_str(&ok(&["sync", "--json"])).unwrap();
    assert_eq!(
        (report["uploaded"].as_u64(), report["failed"].as_array().unwrap().len()),
        (Some(2), 0)
    );
    let status: Value = serde_json::from_str(&ok(&["status", "--json"])).unwrap();
    let blog = &status["albums"][0]["sites"][0];
    assert_eq!(
        (blog["format"].as_str(), blog["formats"]["webp"].as_u64()),
        (Some("webp"), Some(2)),
        "{status}"
    );
    assert!(blog["note"].as_str().unwrap().contains("WebP"), "{status}");
    let text = ok(&["status"]);
    assert!(text.contains("2 WEBP") && text.contains("does not accept AVIF"), "{text}");

    let wp = site.client();
    let media = album_media(&wp, &name).await;
    assert!(media.iter().all(|m| m.mime == "image/webp"), "{media:?}");
    for m in media {
        folio_sites::Destination::delete(&wp, &m.id, folio_sites::DeleteMode::Permanently)
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_photo_deleted_from_the_folder_is_never_deleted_for_good_unless_asked() {
    let Some(site) = wordpress() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let name = unique("trash");
    let album = tmp.path().join(&name);
    std::fs::create_dir_all(&album).unwrap();
    for (i, n) in ["harbour", "pier", "dunes"].iter().enumerate() {
        photo(&album.join(format!("{n}.png")), 50 * i as u8);
    }
    let data = tmp.path().join("data");
    let ok = |args: &[&str]| {
        let (code, out, err) = run(&site, &data, args, &site.password);
        assert_eq!(code, 0, "folio {args:?}: {out}{err}");
        out
    };
    ok(&["site", "add", "blog", "--wordpress", &site.url, "--user", &site.user]);
    let root = album.to_string_lossy().into_owned();
    ok(&[
        "album",
        "add",
        &root,
        "--site",
        "blog",
        "--delete-remote",
        "--naming",
        "{album}-{filename}",
    ]);
    ok(&["sync", "--json"]);
    let wp = site.client();
    assert_eq!(album_media(&wp, &name).await.len(), 3);

    // WordPress keeps no trash for media unless MEDIA_TRASH is set: the photo stays.
    std::fs::remove_file(album.join("harbour.png")).unwrap();
    let report: Value = serde_json::from_str(&ok(&["sync", "--json"])).unwrap();
    assert_eq!(
        (report["removed"].as_u64(), report["failed"].as_array().unwrap().len()),
        (Some(1), 0)
    );
    assert_eq!(album_media(&wp, &name).await.len(), 3, "nothing deleted for good unasked");
    assert!(ok(&["activity"]).contains("blog has no trash"));

    // Asked for.
    ok(&["album", "set", &root, "--delete-policy", "permanent"]);
    std::fs::remove_file(album.join("pier.png")).unwrap();
    ok(&["sync", "--json"]);
    let left = album_media(&wp, &name).await;
    assert_eq!(left.len(), 2, "the pier went for good: {left:?}");
    assert!(!left.iter().any(|m| m.url.contains("-pier")));
    for m in left {
        folio_sites::Destination::delete(&wp, &m.id, folio_sites::DeleteMode::Permanently)
            .await
            .unwrap();
    }
}

/// Typed at a terminal, the Application Password is not echoed (checked through a real
/// pseudo-terminal: util-linux's `script`).
#[test]
fn the_password_prompt_does_not_echo() {
    let Some(site) = wordpress() else { return };
    if std::process::Command::new("script").arg("--version").output().is_err() {
        eprintln!("SKIP: no `script` to make a terminal with");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let command = format!(
        "{} --data-dir {} site add blog --wordpress {} --user {}",
        env!("CARGO_BIN_EXE_folio"),
        data.display(),
        site.url,
        site.user
    );
    let mut child = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("FOLIO_SECRETS", "file")
        .env_remove("FOLIO_APP_PASSWORD")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Typed once the prompt is up.
    std::thread::sleep(std::time::Duration::from_millis(800));
    use std::io::Write;
    child.stdin.as_mut().unwrap().write_all(format!("{}\n", site.password).as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(screen.contains("Application Password:"), "{screen}");
    assert!(screen.contains("Added site blog"), "the typed password worked: {screen}");
    assert!(!screen.contains(&site.password), "the password was echoed: {screen}");
}
