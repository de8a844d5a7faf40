//! Crash test: `folio sync` of 60 photos into the real WordPress, killed with SIGKILL at
//! pseudo-random moments 20 times and restarted each time. At the end the media library holds
//! exactly one attachment per photo, and the store agrees.

use folio_sites::wordpress::WordPress;
use folio_sites::Destination;
use std::process::{Command, Stdio};
use std::time::Duration;

const PHOTOS: usize = 60;
const KILLS: usize = 20;

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

#[tokio::test(flavor = "multi_thread")]
async fn killing_sync_never_duplicates_or_loses_a_photo() {
    let Some((url, user, password)) = env() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let album_name = format!("crash{nanos:x}");
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
    let folio = |args: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_folio"));
        c.arg("--data-dir")
            .arg(&data)
            .args(args)
            .env("FOLIO_SECRETS", "file")
            .env("FOLIO_APP_PASSWORD", &password);
        c
    };
    let ok = |mut c: Command| {
        let out = c.output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    ok(folio(&["site", "add", "blog", "--wordpress", &url, "--user", &user]));
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

    let wp = WordPress::new(&url, &user, &password).unwrap();
    let mut mine = Vec::new();
    let mut page = 1;
    loop {
        let p = wp.list(page).await.unwrap();
        mine.extend(p.items.into_iter().filter(|m| m.url.contains(&album_name)));
        if page >= p.total_pages {
            break;
        }
        page += 1;
    }
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
        wp.delete(m.id).await.unwrap();
    }
}
