//! A Dropbox album end to end, from the fake Dropbox to the real WordPress: `dropbox login
//! --no-browser` through the fake's authorize page and the loopback redirect, `album add
//! dropbox:/…`, sync, a re-edited photo replaced, a renamed one not uploaded again, an expired
//! token refreshed, a folder that vanished deleting nothing, and no token anywhere in Folio's
//! database, output or activity.

mod support;

use folio_sites::{DeleteMode, Destination};
use folio_sources::dropbox::fake::FakeDropbox;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;
use support::{album_media, unique, wordpress, Site};

fn photo(shade: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(640, 480, |x, y| {
        image::Rgb([shade, (x / 3) as u8, (y / 2) as u8])
    });
    let mut png = std::io::Cursor::new(Vec::new());
    img.write_to(&mut png, image::ImageFormat::Png).unwrap();
    png.into_inner()
}

fn with_fake(c: &mut Command, fake: &FakeDropbox) {
    c.env("FOLIO_DROPBOX_AUTHORIZE_URL", format!("{}/oauth2/authorize", fake.url))
        .env("FOLIO_DROPBOX_API_URL", &fake.url)
        .env("FOLIO_DROPBOX_CONTENT_URL", &fake.url)
        .env("FOLIO_DROPBOX_NOTIFY_URL", &fake.url)
        .env("FOLIO_DROPBOX_APP_KEY", "test-app-key");
}

fn run(
    site: &Site,
    fake: &FakeDropbox,
    data: &std::path::Path,
    args: &[&str],
) -> (bool, String, String) {
    let mut c = site.folio(data, args);
    with_fake(&mut c, fake);
    let out = c.output().unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Signs in as a user would: opens the printed address (the fake's Allow page answers with a
/// redirect) and follows the redirect to Folio's listener.
async fn login(site: &Site, fake: &FakeDropbox, data: &std::path::Path) -> String {
    let mut c = site.folio(data, &["dropbox", "login", "--no-browser"]);
    with_fake(&mut c, fake);
    let mut child = c.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let url = line
        .trim()
        .strip_prefix("open: ")
        .unwrap_or_else(|| panic!("printed {line:?}"))
        .to_string();
    let browser =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let allow = browser.get(&url).send().await.unwrap();
    if allow.status().as_u16() != 302 {
        panic!("the fake's Allow page for {url}: {}", allow.text().await.unwrap());
    }
    let back = allow.headers()["Location"].to_str().unwrap().to_string();
    assert!(back.starts_with("http://127.0.0.1:"), "{back}");
    let done = browser.get(&back).send().await.unwrap();
    assert_eq!(done.status().as_u16(), 200);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    format!("{line}{stderr}")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dropbox_folder_syncs_to_wordpress_and_only_real_changes_are_sent() {
    let Some(site) = wordpress() else { return };
    let fake = FakeDropbox::start("unused", Duration::from_secs(3600)).await;
    let folder = unique("dbx");
    for i in 0..4 {
        fake.put(&format!("/Clients/{folder}/IMG_{i}.png"), &photo(i * 40));
    }
    fake.put(&format!("/Clients/{folder}/notes.txt"), b"not a photo");
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let mut printed = login(&site, &fake, &data).await;

    let (ok, status, _) = run(&site, &fake, &data, &["dropbox", "status", "--json"]);
    assert!(ok);
    let status: serde_json::Value = serde_json::from_str(&status).unwrap();
    assert_eq!(
        (status["connected"].as_bool(), status["name"].as_str()),
        (Some(true), Some("Ada Photographer"))
    );

    let (ok, _, err) = run(
        &site,
        &fake,
        &data,
        &["site", "add", "blog", "--wordpress", &site.url, "--user", &site.user],
    );
    assert!(ok, "{err}");
    let missing =
        run(&site, &fake, &data, &["album", "add", "dropbox:/Clients/nope", "--site", "blog"]);
    assert!(!missing.0 && missing.2.contains("no folder /Clients/nope"), "{}", missing.2);
    let location = format!("dropbox:/Clients/{folder}");
    let (ok, _, err) = run(
        &site,
        &fake,
        &data,
        &["album", "add", &location, "--site", "blog", "--naming", "{album}-{filename}"],
    );
    assert!(ok, "{err}");

    // Whether it exited 0, and its report.
    let mut sync = |data: &std::path::Path| {
        let (ok, out, err) = run(&site, &fake, data, &["sync", "--json"]);
        printed.push_str(&out);
        printed.push_str(&err);
        (ok, serde_json::from_str::<serde_json::Value>(&out).unwrap())
    };
    let (ok, first) = sync(&data);
    assert!(ok, "{first}");
    assert_eq!(
        (first["uploaded"].as_u64(), first["failed"].as_array().unwrap().len()),
        (Some(4), 0),
        "{first}"
    );
    let wp = site.client();
    assert_eq!(album_media(&wp, &folder).await.len(), 4);
    let downloads = fake.state.lock().unwrap().downloads;
    assert_eq!(downloads, 4);

    // A re-edit, a rename and an expired token, then a pass: one photo sent, one download.
    fake.put(&format!("/Clients/{folder}/IMG_0.png"), &photo(200));
    fake.rename(&format!("/Clients/{folder}/IMG_1.png"), &format!("/Clients/{folder}/Bride.png"));
    fake.expire_tokens();
    let (ok, second) = sync(&data);
    assert!(ok, "{second}");
    assert_eq!(
        (second["uploaded"].as_u64(), second["replaced"].as_u64()),
        (Some(0), Some(1)),
        "{second}"
    );
    assert_eq!(fake.state.lock().unwrap().downloads, downloads + 1, "only the re-edited photo");
    // (Without the companion plugin the re-edit is a new item beside the old one.)
    let after = album_media(&wp, &folder).await;
    let renamed = after.iter().any(|m| m.url.to_lowercase().contains("bride"));
    assert!(!renamed, "the renamed photo was not uploaded again");

    // The folder vanishes: an album problem, and nothing deleted on the site.
    fake.delete(&format!("/Clients/{folder}"));
    fake.reset_cursors();
    let (ok, gone) = sync(&data);
    assert!(!ok, "a sync with an album problem says so in its exit code");
    assert!(gone["problems"].to_string().contains("is gone"), "{gone}");
    assert_eq!(album_media(&wp, &folder).await.len(), after.len(), "nothing deleted");

    // No token anywhere but the secrets store.
    let (_, activity, _) = run(&site, &fake, &data, &["activity", "--json"]);
    printed.push_str(&activity);
    let db = std::fs::read(data.join("folio.db")).unwrap();
    let db = String::from_utf8_lossy(&db);
    for secret in ["fake-refresh", "fake-access-", "fake-code-"] {
        assert!(!db.contains(secret), "{secret} is in folio.db");
        assert!(!printed.contains(secret), "{secret} was printed");
    }
    let (ok, out, _) = run(&site, &fake, &data, &["dropbox", "logout"]);
    assert!(ok && out.contains("revoked"), "{out}");
    assert_eq!(fake.state.lock().unwrap().revoked, 1);
    let (_, status, _) = run(&site, &fake, &data, &["dropbox", "status", "--json"]);
    assert!(status.contains("\"connected\":false"), "{status}");

    for m in album_media(&wp, &folder).await {
        wp.delete(&m.id, DeleteMode::Permanently).await.unwrap();
    }
}
