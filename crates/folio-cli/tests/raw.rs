//! Camera raws through the CLI: `folio convert` reads a DNG like any photo, and against the real
//! WordPress with the companion plugin a RAW+JPEG pair is one photo on the site, which
//! `album set --raw-pair raw` replaces in place (same item and URL, the developed raw served).

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use support::{album_media, served_sha, unique, wordpress_with_companion};

fn photos() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/photos")
}

#[test]
fn folio_convert_reads_a_raw_like_any_photo() {
    let out = tempfile::tempdir().unwrap();
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_folio"))
        .args(["convert", photos().join("raw/scene.dng").to_str().unwrap()])
        .args(["--out", out.path().to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let line: Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!((&line["width"], &line["height"]), (&Value::from(192), &Value::from(256)));
    assert!(out.path().join("scene.webp").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_raw_jpeg_pair_is_one_photo_and_the_raw_can_replace_it_in_place() {
    let Some(site) = wordpress_with_companion() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let name = unique("pair");
    let album = tmp.path().join(&name);
    std::fs::create_dir_all(&album).unwrap();
    let dng = photos().join("raw/scene.dng");
    std::fs::copy(&dng, album.join("IMG_1.DNG")).unwrap();
    std::fs::copy(photos().join("orientation/landscape_1.jpg"), album.join("IMG_1.JPG")).unwrap();
    std::fs::copy(&dng, album.join("IMG_2.DNG")).unwrap();
    site.connect_album(&data, &album);
    let sync = || {
        let out = site.folio(&data, &["sync", "--json"]).output().unwrap();
        serde_json::from_slice::<Value>(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)))
    };
    let report = sync();
    assert_eq!(
        (&report["uploaded"], report["failed"].as_array().unwrap().len()),
        (&Value::from(2), 0)
    );
    let wp = site.client();
    let before = album_media(&wp, &name).await;
    assert_eq!(before.len(), 2, "one item per picture: {before:?}");
    let mut served = Vec::new();
    for m in &before {
        served.push(served_sha(&m.url).await);
    }

    let root = album.to_string_lossy().into_owned();
    let set = site.folio(&data, &["album", "set", &root, "--raw-pair", "raw"]).output().unwrap();
    assert!(set.status.success(), "{}", String::from_utf8_lossy(&set.stderr));
    let report = sync();
    assert_eq!((&report["uploaded"], &report["replaced"]), (&Value::from(0), &Value::from(1)));
    let after = album_media(&wp, &name).await;
    assert_eq!(after.len(), 2, "still one item per picture: {after:?}");
    let mut changed = 0;
    for (m, sha) in before.iter().zip(&served) {
        let now = after.iter().find(|a| a.id == m.id).expect("the same items");
        assert_eq!(now.url, m.url, "in place: the same URL");
        changed += usize::from(&served_sha(&now.url).await != sha);
    }
    assert_eq!(changed, 1, "the pair's item now serves the developed raw, the other is untouched");
    for m in after {
        folio_sites::Destination::delete(&wp, &m.id, folio_sites::DeleteMode::Permanently)
            .await
            .unwrap();
    }
}
