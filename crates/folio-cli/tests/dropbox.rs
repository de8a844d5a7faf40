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

/// Polls until an attachment of the album has `name` in its URL.
async fn wait_for(wp: &folio_sites::wordpress::WordPress, album: &str, name: &str) -> Duration {
    let started = std::time::Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        if album_media(wp, album).await.iter().any(|m| m.url.contains(name)) {
            return started.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{name} did not reach the site within 30 s");
}

#[tokio::test(flavor = "multi_thread")]
async fn watch_hears_a_dropbox_change_through_the_long_poll_and_stops_on_sigterm() {
    let Some(site) = wordpress() else { return };
    let fake = FakeDropbox::start("unused", Duration::from_secs(3600)).await;
    let folder = unique("dbxwatch");
    fake.put(&format!("/{folder}/first.png"), &photo(10));
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    login(&site, &fake, &data).await;
    let add = ["site", "add", "blog", "--wordpress", &site.url, "--user", &site.user];
    assert!(run(&site, &fake, &data, &add).0);
    let location = format!("dropbox:/{folder}");
    let album = ["album", "add", &location, "--site", "blog", "--naming", "{album}-{filename}"];
    assert!(run(&site, &fake, &data, &album).0);

    // Only the long poll may start passes after the first one.
    let mut c = site.folio(&data, &["watch"]);
    with_fake(&mut c, &fake);
    let mut child = c
        .env("FOLIO_RESCAN_SECS", "3600")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let wp = site.client();
    wait_for(&wp, &folder, "-first").await;
    let polls =
        || fake.state.lock().unwrap().calls.iter().filter(|c| *c == "list_folder/longpoll").count();
    let open = std::time::Instant::now();
    while polls() == 0 {
        assert!(open.elapsed() < Duration::from_secs(20), "the watcher never opened a long poll");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    fake.put(&format!("/{folder}/second.png"), &photo(90));
    let latency = wait_for(&wp, &folder, "-second").await;
    eprintln!("Dropbox change → on the site in {latency:?}");
    assert_eq!(fake.state.lock().unwrap().longpolls_with_auth, 0);

    // A long poll is open again now; SIGTERM still ends the watcher at once.
    let reopened = std::time::Instant::now();
    while polls() < 2 && reopened.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let stopping = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(stopping.elapsed() < Duration::from_secs(10), "watch did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "SIGTERM is a clean stop: {status}");
    for m in album_media(&wp, &folder).await {
        wp.delete(&m.id, DeleteMode::Permanently).await.unwrap();
    }
}
