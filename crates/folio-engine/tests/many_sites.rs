//! The engine on fake sites: many albums and sites at once, one conversion per preset, a slow
//! site that holds up nobody, and AVIF where it is taken, WebP elsewhere.

mod support;

use folio_engine::{AlbumSettings, OutputFormat, Preset, SiteState};
use folio_sites::fake::FakeConfig;
use folio_sites::ImageFormat;
use std::time::Duration;
use support::{add_album, add_site, photo, sync, World};

fn no_replace() -> FakeConfig {
    FakeConfig { replace_in_place: false, ..FakeConfig::default() }
}

#[tokio::test(flavor = "multi_thread")]
async fn two_albums_to_three_sites_convert_each_photo_once() {
    let w = World::new();
    let (a, b, c) = (
        w.site("a", FakeConfig::default()),
        w.site("b", FakeConfig::default()),
        w.site("c", no_replace()),
    );
    let engine = w.engine().await;
    for s in ["a", "b", "c"] {
        add_site(&engine, s).await;
    }
    let weddings = w.album("weddings", 5);
    let portraits = w.album("portraits", 3);
    add_album(&engine, &weddings, &["a", "b", "c"], AlbumSettings::default()).await;
    add_album(&engine, &portraits, &["a", "c"], AlbumSettings::default()).await;

    let r = sync(&engine).await;
    assert_eq!((r.uploaded, r.failed.len()), (5 * 3 + 3 * 2, 0), "{r:?}");
    assert_eq!(r.converted, 8, "one conversion per photo, shared by its sites");
    assert_eq!((a.items().len(), b.items().len(), c.items().len()), (8, 5, 8));
    assert!(r.sites.iter().all(|s| s.state == SiteState::Ok), "{:?}", r.sites);

    let again = sync(&engine).await;
    assert_eq!((again.uploaded, again.replaced, again.unchanged, again.converted), (0, 0, 21, 0));

    // A re-export: replaced in place where the site can, a new item where it cannot.
    photo(&weddings.join("photo-01.png"), 200);
    let r = sync(&engine).await;
    assert_eq!((r.uploaded, r.replaced, r.converted), (0, 3, 1), "{r:?}");
    assert_eq!((a.items().len(), b.items().len(), c.items().len()), (8, 5, 9));
    assert_eq!(a.items().iter().map(|i| i.replaced).sum::<u32>(), 1);

    let status = engine.status().await.unwrap();
    let synced: Vec<usize> = status.iter().map(|s| s.synced).collect();
    assert_eq!(synced, vec![3, 5], "albums by name: portraits, weddings");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_site_never_delays_the_fast_ones() {
    let w = World::new();
    let fast = w.site("fast", FakeConfig::default());
    let also_fast = w.site("also-fast", FakeConfig::default());
    let slow =
        w.site("slow", FakeConfig { latency: Duration::from_secs(1), ..FakeConfig::default() });
    let engine = w.engine().await;
    for s in ["fast", "also-fast", "slow"] {
        add_site(&engine, s).await;
    }
    let root = w.album("event", 12);
    add_album(&engine, &root, &["fast", "also-fast", "slow"], AlbumSettings::default()).await;
    let r = sync(&engine).await;
    assert_eq!((r.uploaded, r.converted), (36, 12), "{r:?}");
    let fast_done = fast.finished().into_iter().chain(also_fast.finished()).max().unwrap();
    let slow_by_then = slow.finished().iter().filter(|t| **t <= fast_done).count();
    assert!(
        slow_by_then <= 4,
        "the fast sites finished while the slow one had {slow_by_then} of 12: they did not wait"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn avif_goes_where_it_is_taken_and_webp_elsewhere_with_no_failures() {
    let w = World::new();
    let with_avif = FakeConfig {
        formats: vec![ImageFormat::Avif, ImageFormat::Webp, ImageFormat::Jpeg],
        ..FakeConfig::default()
    };
    let modern = w.site("modern", with_avif);
    let old = w.site("old", FakeConfig::default());
    let engine = w.engine().await;
    for s in ["modern", "old"] {
        add_site(&engine, s).await;
    }
    let root = w.album("prints", 4);
    add_album(&engine, &root, &["modern", "old"], avif_album()).await;
    let r = sync(&engine).await;
    assert_eq!((r.uploaded, r.failed.len()), (8, 0), "{r:?}");
    assert_eq!(r.converted, 8, "one AVIF and one WebP per photo");
    assert_eq!(mimes(&modern), vec!["image/avif"]);
    assert_eq!(mimes(&old), vec!["image/webp"]);

    let status = engine.status().await.unwrap();
    let by_site: Vec<(String, Option<String>, bool)> = status[0]
        .sites
        .iter()
        .map(|s| (s.name.clone(), s.format.clone(), s.note.is_some()))
        .collect();
    assert_eq!(
        by_site,
        vec![
            ("modern".into(), Some("avif".into()), false),
            ("old".into(), Some("webp".into()), true)
        ]
    );
    let again = sync(&engine).await;
    assert_eq!((again.uploaded, again.replaced, again.converted), (0, 0, 0));
}

fn avif_album() -> AlbumSettings {
    AlbumSettings {
        preset: Preset { format: OutputFormat::Avif, avif_speed: 10, ..Preset::default() },
        ..AlbumSettings::default()
    }
}

fn mimes(s: &folio_sites::fake::FakeSite) -> Vec<String> {
    let mut m: Vec<String> = s.items().into_iter().map(|i| i.mime).collect();
    m.dedup();
    m
}

#[tokio::test(flavor = "multi_thread")]
async fn a_site_that_refuses_avif_on_upload_gets_webp_from_then_on() {
    let w = World::new();
    // Says it takes AVIF, then refuses it: the first refusal decides.
    let advertised = Some(vec![ImageFormat::Avif, ImageFormat::Webp]);
    let liar = w.site("liar", FakeConfig { advertised, ..FakeConfig::default() });
    let engine = w.engine().await;
    add_site(&engine, "liar").await;
    let root = w.album("prints", 4);
    add_album(&engine, &root, &["liar"], avif_album()).await;
    let r = sync(&engine).await;
    assert_eq!((r.uploaded, r.failed.len()), (4, 0), "{r:?}");
    assert_eq!(mimes(&liar), vec!["image/webp"]);
    let log = engine.activity(50).await.unwrap();
    let said = log.iter().filter(|e| e.message.contains("liar does not accept AVIF")).count();
    assert_eq!(said, 1, "the refusal is reported once: {log:?}");
    let status = engine.status().await.unwrap();
    assert_eq!(status[0].sites[0].format.as_deref(), Some("webp"));
}

#[tokio::test(flavor = "multi_thread")]
async fn uploads_the_site_processes_later_are_polled_until_ready() {
    let w = World::new();
    let shop = w.site("shop", FakeConfig { processing_polls: 2, ..FakeConfig::default() });
    let engine = w.engine().await;
    add_site(&engine, "shop").await;
    let root = w.album("products", 3);
    add_album(&engine, &root, &["shop"], AlbumSettings::default()).await;
    let r = sync(&engine).await;
    assert_eq!((r.uploaded, r.failed.len()), (3, 0), "{r:?}");
    assert_eq!(shop.uploads(), 3);
    let status = engine.status().await.unwrap();
    assert_eq!(status[0].synced, 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_progress_model_is_sent_while_working_and_ends_idle() {
    let w = World::new();
    let _blog =
        w.site("blog", FakeConfig { latency: Duration::from_millis(200), ..FakeConfig::default() });
    let engine = w.engine().await;
    add_site(&engine, "blog").await;
    let root = w.album("progress", 6);
    add_album(&engine, &root, &["blog"], AlbumSettings::default()).await;
    let mut events = engine.subscribe();
    sync(&engine).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let mut snapshots = Vec::new();
    while let Ok(e) = events.try_recv() {
        if let folio_engine::SyncEvent::Progress { progress } = e {
            snapshots.push(progress);
        }
    }
    assert!(!snapshots.is_empty(), "no progress was sent");
    assert!(
        snapshots.iter().any(|p| p.albums.iter().any(|a| a.work.total == 6 && !a.work.is_idle())),
        "no snapshot showed the work in hand: {snapshots:?}"
    );
    let last = engine.progress();
    let album = &last.albums[0].work;
    assert_eq!((album.total, album.done, album.remaining()), (6, 6, 0));
    assert_eq!(last.sites[0].work.done, 6);
    assert_eq!(snapshots.last().unwrap(), &last, "the last snapshot sent is the final state");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_next_photos_convert_while_a_slow_site_uploads_and_no_more_than_two_ahead() {
    let w = World::new();
    let slow = FakeConfig {
        latency: Duration::from_millis(800),
        timeout: Duration::from_secs(5),
        ..FakeConfig::default()
    };
    let _blog = w.site("blog", slow);
    let engine = w.engine().await;
    add_site(&engine, "blog").await;
    let root = w.album("ahead", 8);
    add_album(&engine, &root, &["blog"], AlbumSettings::default()).await;
    let mut events = engine.subscribe();
    let r = sync(&engine).await;
    assert_eq!((r.uploaded, r.converted), (8, 8), "{r:?}");
    // Events in order: how many photos had started converting when the first reached the site.
    let mut converting = 0;
    let at_first_upload = loop {
        match events.try_recv() {
            Ok(folio_engine::SyncEvent::Converting { .. }) => converting += 1,
            Ok(folio_engine::SyncEvent::Published { .. }) => break converting,
            Ok(_) => {}
            Err(e) => panic!("no photo was published: {e:?}"),
        }
    };
    // Two workers, each uploading a photo it converted, and two converted ahead of them; none
    // further, so a slow site never has the album spooled for it.
    assert_eq!(at_first_upload, 2 + 2);
}
