//! The version history keeps the last N renditions of a photo (files and rows), one version
//! per rendition whatever the number of sites, and names the sites it went to.

mod support;

use folio_engine::AlbumSettings;
use folio_sites::fake::FakeConfig;
use support::{add_album, add_site, photo, sync, World};

#[tokio::test(flavor = "multi_thread")]
async fn only_the_last_versions_are_kept_and_each_lists_its_sites() {
    let w = World::new();
    w.site("blog", FakeConfig::default());
    w.site("shop", FakeConfig::default());
    let engine = w.engine().await;
    add_site(&engine, "blog").await;
    add_site(&engine, "shop").await;
    engine.set_history_keep(3).await.unwrap();
    let root = w.album("history", 1);
    add_album(&engine, &root, &["blog", "shop"], AlbumSettings::default()).await;
    let path = root.join("photo-00.png");
    assert_eq!(sync(&engine).await.uploaded, 2);
    for shade in [40u8, 80, 120, 160] {
        photo(&path, shade);
        assert_eq!(sync(&engine).await.replaced, 2);
    }
    let versions = engine.history(&path).await.unwrap();
    let numbers: Vec<i64> = versions.iter().map(|v| v.version).collect();
    let warnings: Vec<_> =
        engine.activity(50).await.unwrap().into_iter().filter(|a| a.level != "info").collect();
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(numbers, vec![3, 4, 5], "five pushed, the last three kept");
    for v in &versions {
        let mut sites = v.sites.clone();
        sites.sort();
        assert_eq!(sites, vec!["blog", "shop"], "one version for both sites");
        assert_eq!(v.reason, "changed in the folder");
    }
    let asset = engine.album_photos(&root).await.unwrap()[0].asset_id;
    let kept = std::fs::read_dir(w.data().join(format!("history/{asset}"))).unwrap().count();
    assert_eq!(kept, 3, "the older files are gone too");
    assert!(engine.version_file(asset, 5).await.unwrap().exists());
    assert!(engine.version_file(asset, 1).await.is_err());
}
