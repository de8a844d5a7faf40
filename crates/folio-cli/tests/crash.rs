//! Crash test: `folio sync` of 60 photos into the real WordPress, killed with SIGKILL at
//! pseudo-random moments 20 times and restarted each time. At the end the media library holds
//! exactly one attachment per photo, and the store agrees.

mod support;

use folio_sites::DeleteMode;
use folio_sites::Destination;
use std::process::{Command, Stdio};
use std::time::Duration;
use support::{album_media, unique, wordpress};

const PHOTOS: usize = 60;
const KILLS: usize = 20;

#[tokio::test(flavor = "multi_thread")]
async fn killing_sync_never_duplicates_or_loses_a_photo() {
    let Some(site) = wordpress() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let album_name = unique("crash");
    let album = tmp.path().join(&album_name);
    std::fs::create_dir_all(&album).unwrap();
    for i in 0..PHOTOS {
        // Big enough that each upload takes a while, so kills land mid-pass.
        let img = image::RgbImage::from_fn(1600, 1100, |x, y| {
            image::Rgb([
                (x as usize * (i + 1) % 256) as u8,
                (y as usize * 3 + i * 7) as u8,
                (i * 4) as u8,
            ])
        });
        img.save(album.join(format!("photo-{i:02}.png"))).unwrap();
    }
    let data = tmp.path().join("data");
    let folio = |args: &[&str]| site.folio(&data, args);
    let ok = |mut c: Command| {
        let out = c.output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    ok(folio(&["site", "add", "blog", "--wordpress", &site.url, "--user", &site.user]));
    let album_arg = album.to_string_lossy().into_owned();
    ok(folio(&["album", "add", &album_arg, "--site", "blog", "--naming", "{album}-{filename}"]));

    // A fixed-seed generator: the kill moments vary across the pass but a failure can be replayed.
    let mut seed: u64 = 0x5eed_f011;
    let mut next_delay = || {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        Duration::from_millis(100 + (seed >> 33) % 500)
    };
    let mut kills = 0;
    while kills < KILLS {
        let mut child =
            folio(&["sync", "--json"]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        std::thread::sleep(next_delay());
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL on Unix
            kills += 1;
        }
        child.wait().unwrap();
    }
    let report: serde_json::Value = serde_json::from_str(&ok(folio(&["sync", "--json"]))).unwrap();
    assert_eq!(report["failed"].as_array().unwrap().len(), 0, "{report}");

    let wp = site.client();
    let mine = album_media(&wp, &album_name).await;
    let mut names: Vec<String> =
        mine.iter().map(|m| m.url.rsplit('/').next().unwrap().to_string()).collect();
    names.sort();
    assert_eq!(
        mine.len(),
        PHOTOS,
        "exactly one attachment per photo after {kills} kills: {names:?}"
    );

    let status: serde_json::Value =
        serde_json::from_str(&ok(folio(&["status", "--json"]))).unwrap();
    assert_eq!(
        (status[0]["synced"].as_u64(), status[0]["pending"].as_u64()),
        (Some(PHOTOS as u64), Some(0)),
        "{status}"
    );

    for m in mine {
        wp.delete(&m.id, DeleteMode::Permanently).await.unwrap();
    }
}
