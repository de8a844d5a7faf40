//! `folio watch` against the real WordPress: new and rewritten photos reach the site on their
//! own, and SIGTERM stops the watcher cleanly.

use folio_sites::wordpress::WordPress;
use folio_sites::{Destination, RemoteMedia};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn env() -> Option<(String, String, String)> {
    let get = |k| std::env::var(k).ok();
    match (get("FOLIO_WP_URL"), get("FOLIO_WP_USER"), get("FOLIO_WP_APP_PASSWORD")) {
        (Some(u), Some(n), Some(p)) => Some((u, n, p)),
        _ if std::env::var_os("FOLIO_REQUIRE_WP").is_some() => {
            panic!("FOLIO_REQUIRE_WP is set but no WordPress is")
        }
        _ => {
            eprintln!(
                "SKIP: no WordPress (run under tests/with-wordpress.sh, as `make test` does)"
            );
            None
        }
    }
}

fn photo(path: &Path, shade: u8) {
    image::RgbImage::from_fn(800, 600, |x, y| image::Rgb([shade, (x / 4) as u8, (y / 3) as u8]))
        .save(path)
        .unwrap();
}

async fn on_site(wp: &WordPress, album: &str) -> Vec<RemoteMedia> {
    let mut all = Vec::new();
    let mut page = 1;
    loop {
        let p = wp.list(page).await.unwrap();
        all.extend(p.items.into_iter().filter(|m| m.url.contains(album)));
        if page >= p.total_pages {
            return all;
        }
        page += 1;
    }
}

/// Polls until `count` of the album's attachments have `name` in their URL.
async fn wait_for(wp: &WordPress, album: &str, name: &str, count: usize) -> Duration {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        if on_site(wp, album).await.iter().filter(|m| m.url.contains(name)).count() >= count {
            return started.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{name} did not reach the site within 30 s");
}

#[tokio::test(flavor = "multi_thread")]
async fn watch_publishes_changes_and_stops_on_sigterm() {
    let Some((url, user, password)) = env() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let album_name = format!("watch{nanos:x}");
    let album = tmp.path().join(&album_name);
    std::fs::create_dir_all(&album).unwrap();
    photo(&album.join("first.png"), 10);
    let data = tmp.path().join("data");
    let folio = |args: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_folio"));
        c.arg("--data-dir")
            .arg(&data)
            .args(args)
            .env("FOLIO_SECRETS", "file")
            .env("FOLIO_APP_PASSWORD", &password);
        c
    };
    assert!(folio(&["site", "add", "blog", "--wordpress", &url, "--user", &user])
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
    let wp = WordPress::new(&url, &user, &password).unwrap();
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

    for m in on_site(&wp, &album_name).await {
        wp.delete(m.id).await.unwrap();
    }
}
