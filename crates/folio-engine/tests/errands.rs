//! Restore and reconcile-from-site go through the site queue as a pass's steps do: never beside
//! a push of the same photo, counted in progress, a paused site left alone with a clear reason;
//! and a reconcile never looks at an album while a pass of it does.

mod support;

use folio_engine::{AlbumSettings, SiteState, SyncEvent};
use folio_sites::fake::{FakeConfig, FakeSite};
use folio_sources::{
    Changes, Known, LocalCopy, OnChange, Source, SourceError, Sources, WatchGuard,
};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use support::{add_album, add_site, photo, sync, World};

const LATENCY: Duration = Duration::from_millis(600);

#[tokio::test(flavor = "multi_thread")]
async fn a_restore_waits_for_a_push_of_the_same_photo_to_finish() {
    let w = World::new();
    let blog = w.site("blog", FakeConfig { latency: LATENCY, ..FakeConfig::default() });
    let engine = w.engine().await;
    add_site(&engine, "blog").await;
    let root = w.album("lock", 1);
    add_album(&engine, &root, &["blog"], AlbumSettings::default()).await;
    let path = root.join("photo-00.png");
    assert_eq!(sync(&engine).await.uploaded, 1);
    photo(&path, 200);
    let mut events = engine.subscribe();
    let restore = async {
        // Asked while the pass's replace of the same photo is on its way to the site.
        loop {
            if let SyncEvent::Uploading { .. } = events.recv().await.unwrap() {
                break;
            }
        }
        engine.restore(&path, 1).await.unwrap()
    };
    let (pass, restored) = tokio::join!(sync(&engine), restore);
    assert_eq!(pass.replaced, 1, "{pass:?}");
    assert_eq!(restored.restored, vec!["blog"], "{restored:?}");
    let finished = blog.finished();
    let [.., pushed, put_back] = finished[..] else { panic!("{finished:?}") };
    let apart = put_back.duration_since(pushed);
    assert!(apart >= LATENCY * 8 / 10, "the restore ran beside the push: {apart:?} apart");
    let asset = engine.album_photos(&root).await.unwrap()[0].asset_id;
    let first = std::fs::read(engine.version_file(asset, 1).await.unwrap()).unwrap();
    assert_eq!(blog.items()[0].bytes, first, "the restored version is what the site has");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_restore_shows_in_progress() {
    let w = World::new();
    w.site("blog", FakeConfig { latency: LATENCY, ..FakeConfig::default() });
    let engine = w.engine().await;
    add_site(&engine, "blog").await;
    let root = w.album("progress", 1);
    add_album(&engine, &root, &["blog"], AlbumSettings::default()).await;
    assert_eq!(sync(&engine).await.uploaded, 1);
    let site = engine.sites().await.unwrap()[0].id;
    let album = engine.albums().await.unwrap()[0].id;
    let over = AtomicBool::new(false);
    let restore = async {
        let report = engine.restore(&root.join("photo-00.png"), 1).await.unwrap();
        over.store(true, Ordering::SeqCst);
        report
    };
    let watching = async {
        while !over.load(Ordering::SeqCst) {
            let now = engine.progress();
            let on_site = now.site(site).map(|s| s.work.clone()).unwrap_or_default();
            let in_album = now.album(album).map(|a| a.work.clone()).unwrap_or_default();
            let in_hand = |w: &folio_engine::Work| {
                w.total > w.done && w.current.as_deref() == Some("photo-00.png")
            };
            if in_hand(&on_site) && in_hand(&in_album) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        false
    };
    let (report, seen) = tokio::join!(restore, watching);
    assert_eq!(report.restored, vec!["blog"], "{report:?}");
    assert!(seen, "the restore never showed in the album's and the site's progress");
}

/// A site that refused the credentials, with its photo pushed once before.
async fn refused_site(w: &World) -> (folio_engine::Engine, std::path::PathBuf, FakeSite, u64) {
    let blog = w.site("blog", FakeConfig::default());
    let engine = w.engine().await;
    add_site(&engine, "blog").await;
    let root = w.album("refused", 1);
    add_album(&engine, &root, &["blog"], AlbumSettings::default()).await;
    assert_eq!(sync(&engine).await.uploaded, 1);
    blog.revoke(true);
    photo(&root.join("photo-00.png"), 200);
    let r = sync(&engine).await;
    assert_eq!(r.sites[0].state, SiteState::Reconnect, "{r:?}");
    let requests = blog.requests();
    (engine, root, blog, requests)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_restore_asks_nothing_of_a_paused_site_and_says_why() {
    let w = World::new();
    let (engine, root, blog, requests) = refused_site(&w).await;
    let report = engine.restore(&root.join("photo-00.png"), 1).await.unwrap();
    assert!(report.restored.is_empty(), "{report:?}");
    assert_eq!(report.problems.len(), 1, "{report:?}");
    assert!(report.problems[0].contains("reconnect it"), "{report:?}");
    assert_eq!(blog.requests(), requests, "the refused credentials were sent again");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reconcile_asks_nothing_of_a_paused_site_and_says_why() {
    let w = World::new();
    let (engine, _, blog, requests) = refused_site(&w).await;
    let e = engine.reconcile_site("blog").await.unwrap_err();
    assert!(e.message.contains("reconnect it"), "{e:?}");
    assert_eq!(blog.requests(), requests, "the refused credentials were sent again");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reconcile_never_looks_at_an_album_beside_its_pass() {
    let w = World::new();
    w.site("blog", FakeConfig::default());
    let looks = Looks::default();
    let engine = w.engine_reading(looks.sources()).await;
    add_site(&engine, "blog").await;
    let root = w.album("guarded", 3);
    add_album(&engine, &root, &["blog"], AlbumSettings::default()).await;
    looks.most.store(0, Ordering::SeqCst);
    let (pass, reconciled) = tokio::join!(sync(&engine), engine.reconcile_site("blog"));
    let reconciled = reconciled.unwrap();
    assert_eq!(pass.uploaded, 3, "{pass:?}");
    assert_eq!(reconciled.already_known + reconciled.missing, 3, "{reconciled:?}");
    assert!(looks.total.load(Ordering::SeqCst) >= 2, "both looked at the album");
    assert_eq!(looks.most.load(Ordering::SeqCst), 1, "the reconcile looked beside the pass");
}

/// Folder albums whose every look at the source takes a while, counting looks at once.
#[derive(Clone, Default)]
struct Looks {
    now: Arc<AtomicUsize>,
    most: Arc<AtomicUsize>,
    total: Arc<AtomicUsize>,
}

impl Looks {
    fn sources(&self) -> Sources {
        let standard = Sources::standard();
        let folder = standard.connectors().find(|c| c.id == "folder").cloned().unwrap();
        let mut sources = Sources::standard();
        let looks = self.clone();
        sources.register(folder, move |config| {
            let inner = standard.open(config)?;
            Ok(Arc::new(SlowFolder { inner, looks: looks.clone() }) as Arc<dyn Source>)
        });
        sources
    }
}

struct SlowFolder {
    inner: Arc<dyn Source>,
    looks: Looks,
}

#[async_trait::async_trait]
impl Source for SlowFolder {
    async fn changes(
        &self,
        cursor: Option<&str>,
        known: &HashMap<String, Known>,
    ) -> Result<Changes, SourceError> {
        let at_once = self.looks.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.looks.most.fetch_max(at_once, Ordering::SeqCst);
        self.looks.total.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(300)).await;
        let changes = self.inner.changes(cursor, known).await;
        self.looks.now.fetch_sub(1, Ordering::SeqCst);
        changes
    }

    async fn fetch(&self, path: &str) -> Result<LocalCopy, SourceError> {
        self.inner.fetch(path).await
    }

    fn watch(&self, on_change: OnChange) -> Result<WatchGuard, SourceError> {
        self.inner.watch(on_change)
    }
}
