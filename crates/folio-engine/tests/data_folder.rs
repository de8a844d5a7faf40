//! Nothing in the data folder grows without end: the thumbnail cache keeps under its cap,
//! least recently used first, and never loses a thumbnail just served.

mod support;

use folio_engine::AlbumSettings;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};
use support::{add_album, sync, World};

fn used_ago(path: &Path, ago: Duration) {
    let f = std::fs::File::options().write(true).open(path).unwrap();
    f.set_modified(SystemTime::now() - ago).unwrap();
}

fn size(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_thumbnail_cache_keeps_its_cap_evicting_the_least_recently_used() {
    let w = World::new();
    let engine = w.engine().await;
    let root = w.album("harbour", 5);
    add_album(&engine, &root, &[], AlbumSettings::default()).await;
    sync(&engine).await;
    let photos = engine.album_photos(&root).await.unwrap();
    assert_eq!(photos.len(), 5);

    let mut thumbs: Vec<PathBuf> = Vec::new();
    for p in &photos[..4] {
        thumbs.push(engine.source_thumbnail(p.asset_id).await.unwrap());
    }
    // Made yesterday, the first one the longest ago; the first is then shown again.
    for (i, t) in thumbs.iter().enumerate() {
        used_ago(t, Duration::from_secs(3600 * (10 - i as u64)));
    }
    assert_eq!(engine.source_thumbnail(photos[0].asset_id).await.unwrap(), thumbs[0]);

    // A cap the fifth thumbnail passes.
    let four: u64 = thumbs.iter().map(|t| size(t)).sum();
    let limit = four + size(&thumbs[0]) / 2;
    engine.set_thumbnail_cache_limit(limit).await.unwrap();
    let fifth = engine.source_thumbnail(photos[4].asset_id).await.unwrap();

    assert!(fifth.exists() && thumbs[0].exists(), "just made and just served: kept");
    let kept: Vec<bool> = thumbs[1..].iter().map(|t| t.exists()).collect();
    assert!(!kept[0], "the least recently used goes first: {kept:?}");
    assert!(kept.windows(2).all(|w| w[0] <= w[1]), "oldest use first: {kept:?}");
    let left = size(&fifth) + thumbs.iter().map(|t| size(t)).sum::<u64>();
    assert!(left <= limit / 100 * 80, "down to the low-water mark: {left} of {limit}");

    // An evicted thumbnail is made again when asked for.
    let again = engine.source_thumbnail(photos[1].asset_id).await.unwrap();
    assert!(again.exists());
}
