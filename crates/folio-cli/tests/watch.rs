//! `folio watch` against the real WordPress: new and rewritten photos reach the site on their
//! own, and SIGTERM stops the watcher cleanly.

mod support;

use folio_sites::wordpress::WordPress;
use folio_sites::Destination;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{album_media, unique, wordpress};

fn photo(path: &Path, shade: u8) {
    image::RgbImage::from_fn(800, 600, |x, y| image::Rgb([shade, (x / 4) as u8, (y / 3) as u8]))
        .save(path)
        .unwrap();
}

/// Polls until `count` of the album's attachments have `name` in their URL.
async fn wait_for(wp: &WordPress, album: &str, name: &str, count: usize) -> Duration {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        if album_media(wp, album).await.iter().filter(|m| m.url.contains(name)).count() >= count {
            return started.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{name} did not reach the site within 30 s");
}

#[tokio::test(flavor = "multi_thread")]
async fn watch_publishes_changes_and_stops_on_sigterm() {
    let Some(site) = wordpress() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let album_name = unique("watch");
    let album = tmp.path().join(&album_name);
    std::fs::create_dir_all(&album).unwrap();
    photo(&album.join("first.png"), 10);
    let data = tmp.path().join("data");
    let folio = |args: &[&str]| site.folio(&data, args);
    assert!(folio(&["site", "add", "blog", "--wordpress", &site.url, "--user", &site.user])
        .status()
        .unwrap()
        .success());
    let album_arg = album.to_string_lossy().into_owned();
    assert!(folio(&[
        "album",
        "add",
        &album_arg,
        "--site",
        "blog",
        "--naming",
        "{album}-{filename}"
    ])
    .status()
    .unwrap()
    .success());

    // Only the watcher may trigger passes after the first one.
    let mut child = folio(&["watch"])
        .env("FOLIO_RESCAN_SECS", "3600")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let wp = site.client();
    wait_for(&wp, &album_name, "-first", 1).await;

    photo(&album.join("second.png"), 200);
    let latency = wait_for(&wp, &album_name, "-second", 1).await;
    eprintln!("new photo on the site {latency:?} after it was written");

    photo(&album.join("first.png"), 90); // a re-export: new bytes, same name
    wait_for(&wp, &album_name, "-first", 2).await;

    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "watch did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "SIGTERM is a clean stop: {status}");

    for m in album_media(&wp, &album_name).await {
        wp.delete(m.id).await.unwrap();
    }
}
