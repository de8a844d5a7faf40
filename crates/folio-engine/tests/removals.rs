//! Nothing is lost by accident: photos that vanish all at once (an unplugged drive, an emptied
//! folder) are held until the user confirms, a missing album folder deletes nothing, and
//! deletes from the sites go to the trash, never for good unless the album says so. Nothing is
//! forgotten either: a removal a paused site could not carry out waits for it.

mod support;

use folio_engine::{AlbumSettings, SiteState, SyncOptions};
use folio_sites::fake::FakeConfig;
use support::{add_album, add_site, sync, World};

fn deleting(permanently: bool) -> AlbumSettings {
    AlbumSettings {
        delete_remote: true,
        delete_permanently: permanently,
        ..AlbumSettings::default()
    }
}

fn with_trash() -> FakeConfig {
    FakeConfig { trash: true, ..FakeConfig::default() }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_emptied_album_deletes_nothing_until_the_user_confirms() {
    let w = World::new();
    let blog = w.site("blog", with_trash());
    let engine = w.engine().await;
    add_site(&engine, "blog").await;
    let root = w.album("weddings", 12);
    add_album(&engine, &root, &["blog"], deleting(false)).await;
    assert_eq!(sync(&engine).await.uploaded, 12);

    // The drive is unplugged and leaves an empty mount point behind.
    for e in std::fs::read_dir(&root).unwrap() {
        std::fs::remove_file(e.unwrap().path()).unwrap();
    }
    let r = sync(&engine).await;
    assert_eq!((r.removed, r.failed.len()), (0, 0), "{r:?}");
    assert!(r.problems.iter().any(|p| p.contains("12 photos are gone at once")), "{r:?}");
    assert_eq!((blog.items().len(), blog.trashed().len()), (12, 0), "nothing left the site");
    let status = engine.status().await.unwrap();
    assert_eq!((status[0].held_removals, status[0].photos), (12, 12));
    let again = sync(&engine).await;
    assert_eq!(blog.items().len(), 12, "still held on the next pass: {again:?}");
    let log = engine.activity(50).await.unwrap();
    assert_eq!(
        log.iter().filter(|e| e.message.contains("gone from the folder at once")).count(),
        1
    );

    // They really were deleted on purpose.
    assert_eq!(engine.confirm_removals(&root).await.unwrap(), 12);
    let r = sync(&engine).await;
    assert_eq!(r.removed, 12, "{r:?}");
    assert_eq!((blog.items().len(), blog.trashed().len()), (0, 12));
    assert_eq!(engine.status().await.unwrap()[0].held_removals, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_few_deletions_go_ahead_and_a_big_loss_at_once_is_held() {
    let w = World::new();
    let blog = w.site("blog", with_trash());
    let engine = w.engine().await;
    add_site(&engine, "blog").await;
    let root = w.album("events", 20);
    add_album(&engine, &root, &["blog"], deleting(false)).await;
    sync(&engine).await;
    for i in 0..3 {
        std::fs::remove_file(root.join(format!("photo-{i:02}.png"))).unwrap();
    }
    let r = sync(&engine).await;
    assert_eq!((r.removed, blog.trashed().len()), (3, 3), "{r:?}");
    // 12 of the 17 left, at once: more than a fifth and at least 10.
    for i in 3..15 {
        std::fs::remove_file(root.join(format!("photo-{i:02}.png"))).unwrap();
    }
    let r = sync(&engine).await;
    assert_eq!((r.removed, blog.trashed().len(), blog.items().len()), (0, 3, 17), "{r:?}");
    assert_eq!(engine.status().await.unwrap()[0].held_removals, 12);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_album_folder_is_a_problem_not_an_empty_album() {
    let w = World::new();
    let blog = w.site("blog", with_trash());
    let engine = w.engine().await;
    add_site(&engine, "blog").await;
    let root = w.album("card", 4);
    add_album(&engine, &root, &["blog"], deleting(true)).await;
    sync(&engine).await;
    let away = w.dir.path().join("card-unplugged");
    std::fs::rename(&root, &away).unwrap();
    let r = sync(&engine).await;
    assert!(r.problems.iter().any(|p| p.contains("card")), "{r:?}");
    assert_eq!((r.removed, blog.items().len()), (0, 4));
    std::fs::rename(&away, &root).unwrap();
    let back = sync(&engine).await;
    assert_eq!((back.uploaded, back.removed, back.unchanged), (0, 0, 4), "{back:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn deletes_go_to_the_trash_and_a_site_without_one_keeps_the_photo() {
    let w = World::new();
    let trash = w.site("trash", with_trash());
    let plain = w.site("plain", FakeConfig::default());
    let engine = w.engine().await;
    add_site(&engine, "trash").await;
    add_site(&engine, "plain").await;
    let root = w.album("portraits", 12);
    add_album(&engine, &root, &["trash", "plain"], deleting(false)).await;
    sync(&engine).await;
    std::fs::remove_file(root.join("photo-00.png")).unwrap();
    std::fs::remove_file(root.join("photo-01.png")).unwrap();
    let r = sync(&engine).await;
    assert_eq!((r.removed, r.failed.len()), (2, 0), "{r:?}");
    assert_eq!((trash.items().len(), trash.trashed().len()), (10, 2), "into the trash");
    assert_eq!((plain.items().len(), plain.trashed().len()), (12, 0), "never for good unasked");
    let log = engine.activity(50).await.unwrap();
    assert_eq!(
        log.iter().filter(|e| e.message.contains("plain has no trash")).count(),
        1,
        "said once"
    );

    // Asked for: for good, trash or not.
    engine.update_album_settings(&root, |s| s.delete_permanently = true).await.unwrap();
    std::fs::remove_file(root.join("photo-02.png")).unwrap();
    sync(&engine).await;
    assert_eq!((trash.items().len(), trash.trashed().len()), (9, 2));
    assert_eq!(plain.items().len(), 11);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_drive_unplugged_mid_sync_fails_no_photo() {
    let w = World::new();
    let blog = w.site(
        "blog",
        FakeConfig { latency: std::time::Duration::from_millis(150), ..with_trash() },
    );
    let engine = w.engine().await;
    add_site(&engine, "blog").await;
    let root = w.album("card", 10);
    add_album(&engine, &root, &["blog"], deleting(false)).await;
    let away = w.dir.path().join("card-unplugged");
    let unplug = async {
        while blog.uploads() < 2 {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        std::fs::rename(&root, &away).unwrap();
    };
    let (r, ()) = tokio::join!(sync(&engine), unplug);
    assert!(r.failed.is_empty(), "a missing file is not a broken photo: {r:?}");
    assert!(blog.items().len() < 10);
    std::fs::rename(&away, &root).unwrap();
    let r = sync(&engine).await;
    assert!(r.failed.is_empty(), "{r:?}");
    assert_eq!(blog.items().len(), 10, "every photo went up once the drive was back");
    assert!(engine.status().await.unwrap()[0].failed.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_removal_waits_for_a_paused_site_and_is_carried_out_when_it_is_back() {
    let w = World::new();
    let up = w.site("up", with_trash());
    let timeout = std::time::Duration::from_millis(50);
    let down = w.site("down", FakeConfig { timeout, ..with_trash() });
    let manual = w.site("manual", with_trash());
    let engine = w.engine().await;
    for site in ["up", "down", "manual"] {
        add_site(&engine, site).await;
    }
    let root = w.album("prints", 4);
    add_album(&engine, &root, &["up", "down", "manual"], deleting(false)).await;
    // "manual" goes along on Sync now only: auto-sync passes leave it out.
    engine.set_album_target(&root, "manual", Some(false)).await.unwrap();
    assert_eq!(sync(&engine).await.uploaded, 12);
    let auto = SyncOptions { auto: true, retry_now: false };

    // A photo leaves the album while "down" cannot be reached: its delete fails there.
    down.take_down(true);
    std::fs::remove_file(root.join("photo-00.png")).unwrap();
    let r = engine.sync(auto).await.unwrap();
    assert_eq!((r.removed, r.failed.len()), (1, 0), "{r:?}");
    let down_state = r.sites.iter().find(|s| s.name == "down").map(|s| s.state);
    assert_eq!(down_state, Some(SiteState::Unreachable), "{r:?}");
    // Another leaves while "down" is paused: it is not even tried there.
    std::fs::remove_file(root.join("photo-01.png")).unwrap();
    let r = engine.sync(auto).await.unwrap();
    assert_eq!((r.removed, r.failed.len()), (1, 0), "{r:?}");
    assert_eq!(up.trashed().len(), 2);
    assert_eq!((down.items().len(), down.trashed().len()), (4, 0));
    assert_eq!((manual.items().len(), manual.trashed().len()), (4, 0));

    // Back, and Sync now: both removals happen there, by the album's policy (the trash).
    down.take_down(false);
    let r = sync(&engine).await;
    assert!(r.failed.is_empty(), "{r:?}");
    assert_eq!((down.items().len(), down.trashed().len()), (2, 2), "carried out, not dropped");
    assert_eq!((manual.items().len(), manual.trashed().len()), (2, 2));
    assert_eq!((up.items().len(), up.trashed().len()), (2, 2), "nothing twice");
    sync(&engine).await;
    assert_eq!((down.trashed().len(), manual.trashed().len(), up.trashed().len()), (2, 2, 2));
}
