//! `folio watch` against the real WordPress: new and rewritten photos reach the site on their
//! own, and SIGTERM stops the watcher cleanly.

mod support;

use folio_sites::wordpress::WordPress;
use folio_sites::DeleteMode;
use folio_sites::Destination;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{album_media, gradient_photo as photo, unique, wordpress};

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
    site.connect_album(&data, &album);

    // Only the watcher may trigger passes after the first one.
    let out = tmp.path().join("watch.out");
    let mut child = folio(&["watch"])
        .env("FOLIO_RESCAN_SECS", "3600")
        .stdout(std::fs::File::create(&out).unwrap())
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

    // A slow export: the file grows in chunks with pauses longer than the settle period. No
    // half-written version may reach the site, and it is not reported as broken.
    let mut jpeg = Vec::new();
    image::RgbImage::from_fn(1200, 900, |x, y| image::Rgb([(x / 5) as u8, 40, (y / 4) as u8]))
        .write_to(&mut std::io::Cursor::new(&mut jpeg), image::ImageFormat::Png)
        .unwrap();
    let slow = album.join("slow.png");
    for chunk in jpeg.chunks(jpeg.len() / 3 + 1) {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&slow).unwrap();
        f.write_all(chunk).unwrap();
        drop(f);
        std::thread::sleep(Duration::from_millis(1500));
    }
    wait_for(&wp, &album_name, "-slow", 1).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let slow_copies = album_media(&wp, &album_name).await;
    assert_eq!(slow_copies.iter().filter(|m| m.url.contains("-slow")).count(), 1);
    let printed = std::fs::read_to_string(&out).unwrap();
    assert!(!printed.contains("slow.png"), "a file still being written was reported: {printed}");

    // Paused from another process: changes wait, and resuming catches up.
    assert!(folio(&["pause"]).status().unwrap().success());
    photo(&album.join("third.png"), 150);
    tokio::time::sleep(Duration::from_secs(4)).await;
    let during_pause = album_media(&wp, &album_name).await;
    assert!(!during_pause.iter().any(|m| m.url.contains("-third")), "synced while paused");
    assert!(folio(&["resume"]).status().unwrap().success());
    let catch_up = wait_for(&wp, &album_name, "-third", 1).await;
    eprintln!("resume caught up in {catch_up:?}");

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
        wp.delete(&m.id, DeleteMode::Permanently).await.unwrap();
    }
}
