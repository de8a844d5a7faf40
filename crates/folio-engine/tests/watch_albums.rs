//! A running watch picks up an album added after it started (by another process, the app, an
//! account album) and syncs it, without a restart.

mod support;

use folio_engine::AlbumSettings;
use folio_sites::fake::FakeConfig;
use std::time::Duration;
use support::{add_album, add_site, World};

#[tokio::test(flavor = "multi_thread")]
async fn an_album_added_while_watching_is_synced_by_itself() {
    let w = World::new();
    let blog = w.site("blog", FakeConfig::default());
    let engine = w.engine().await;
    add_site(&engine, "blog").await;
    add_album(&engine, &w.album("first", 2), &["blog"], AlbumSettings::default()).await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let watching = engine.watch(&|_| {}, async move {
        let _ = stopped.await;
    });
    let meanwhile = async {
        let started = std::time::Instant::now();
        while blog.items().len() < 2 {
            assert!(started.elapsed() < Duration::from_secs(20), "the first album never synced");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // Added from elsewhere while the watch runs: another engine on the same data folder,
        // as `folio album add` beside `folio watch` is.
        let other = w.engine().await;
        add_album(&other, &w.album("second", 3), &["blog"], AlbumSettings::default()).await;
        drop(other);
        let started = std::time::Instant::now();
        while blog.items().len() < 5 {
            assert!(started.elapsed() < Duration::from_secs(20), "the new album was not picked up");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = stop.send(());
    };
    let (watched, ()) = tokio::join!(watching, meanwhile);
    watched.unwrap();
    assert_eq!(blog.items().len(), 5, "each photo once");
}
