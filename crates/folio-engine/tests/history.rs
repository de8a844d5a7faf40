//! The version history keeps the last N renditions of a photo (files and rows), one version
//! per rendition whatever the number of sites, and names the sites it went to. It leaves with
//! its album, and no later photo ever takes a removed one's id (and with it its versions).

mod support;

use folio_engine::{AlbumSettings, AssetId};
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

#[tokio::test(flavor = "multi_thread")]
async fn a_removed_albums_ids_never_come_back_and_its_kept_versions_leave_with_it() {
    let w = World::new();
    w.site("blog", FakeConfig::default());
    let first = w.album("first", 3);
    let (old_album, old) = {
        let engine = w.engine().await;
        add_site(&engine, "blog").await;
        add_album(&engine, &first, &["blog"], AlbumSettings::default()).await;
        assert_eq!(sync(&engine).await.uploaded, 3);
        let photos = engine.album_photos(&first).await.unwrap();
        let old: Vec<AssetId> = photos.iter().map(|p| p.asset_id).collect();
        for id in &old {
            engine.version_thumbnail(*id, 1).await.unwrap();
            assert!(w.data().join(format!("history/{id}")).is_dir());
        }
        let album = engine.albums().await.unwrap()[0].id;
        engine.remove_album(&first).await.unwrap();
        (album, old)
    };
    for id in &old {
        assert!(!w.data().join(format!("history/{id}")).exists(), "history/{id} stayed");
        let thumbnail = w.data().join(format!("thumbnails/version/{id}-1.jpg"));
        assert!(!thumbnail.exists(), "{} stayed", thumbnail.display());
    }
    // Left over by an older Folio, which kept a removed album's versions.
    let leftover = w.data().join("history/9000");
    std::fs::create_dir_all(&leftover).unwrap();
    std::fs::write(leftover.join("1.webp"), b"someone else's photo").unwrap();
    std::fs::write(w.data().join("thumbnails/version/9000-1.jpg"), b"theirs").unwrap();

    let engine = w.engine().await;
    assert!(!leftover.exists(), "versions of a photo no album has are forgotten at start");
    assert!(!w.data().join("thumbnails/version/9000-1.jpg").exists());
    let second = w.album("second", 3);
    add_album(&engine, &second, &["blog"], AlbumSettings::default()).await;
    assert_eq!(sync(&engine).await.uploaded, 3);
    let new_album = engine.albums().await.unwrap()[0].id;
    assert!(new_album > old_album, "album {old_album} came back as {new_album}");
    let newest_old = old.iter().max().unwrap();
    for p in engine.album_photos(&second).await.unwrap() {
        assert!(p.asset_id > *newest_old, "photo id {} was given again", p.asset_id);
        assert!(engine.version_file(p.asset_id, 1).await.unwrap().exists());
    }
    drop(engine);
    let engine = w.engine().await;
    let kept = engine.album_photos(&second).await.unwrap()[0].asset_id;
    assert!(w.data().join(format!("history/{kept}")).is_dir(), "a live photo's versions stay");
}
