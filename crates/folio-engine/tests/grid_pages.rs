//! The grid's first screen without reading the whole album: `album_photos_first(k)` gives the
//! first `k` rows of `album_photos`, the same rows with the same states, RAW+JPEG pairs shown
//! once and failed photos included, whatever `k` is.

mod support;

use folio_engine::AlbumSettings;
use folio_sites::fake::FakeConfig;
use std::path::Path;
use support::{add_album, add_site, sync, World};

#[tokio::test(flavor = "multi_thread")]
async fn the_first_rows_are_those_of_the_whole_album() {
    let w = World::new();
    w.site("blog", FakeConfig::default());
    let engine = w.engine().await;
    add_site(&engine, "blog").await;
    let root = w.album("grid", 7);
    let photos = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/photos");
    // A pair whose halves sort apart from their neighbours, and a file that is no photo.
    std::fs::copy(photos.join("raw/scene.dng"), root.join("photo-03b.dng")).unwrap();
    std::fs::copy(photos.join("orientation/landscape_1.jpg"), root.join("photo-03b.jpg")).unwrap();
    std::fs::write(root.join("photo-05b.jpg"), b"not a photo").unwrap();
    let past = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
    for name in ["photo-03b.dng", "photo-03b.jpg", "photo-05b.jpg"] {
        let f = std::fs::File::options().write(true).open(root.join(name)).unwrap();
        f.set_modified(past).unwrap();
    }
    add_album(&engine, &root, &["blog"], AlbumSettings::default()).await;
    sync(&engine).await;

    let all = engine.album_photos(&root).await.unwrap();
    let all = serde_json::to_value(&all).unwrap();
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), 9, "7 photos, the pair once, the broken file: {all:?}");
    assert!(all.iter().any(|r| r["path"] == "photo-03b.jpg"), "the pair's JPEG is shown");
    assert!(all.iter().all(|r| r["path"] != "photo-03b.dng"), "its raw is not");
    assert!(all.iter().any(|r| r["state"] == "failed"), "the broken file is listed failed");
    for k in 0..=all.len() + 2 {
        let first = engine.album_photos_first(&root, k).await.unwrap();
        let first = serde_json::to_value(&first).unwrap();
        let want = &all[..k.min(all.len())];
        assert_eq!(first.as_array().unwrap().as_slice(), want, "the first {k} rows");
    }
}
