//! The Figma source against the fake Figma: the source conformance suite, and what it does not
//! cover: frugality with Figma's Tier 1 calls (nothing changed: none; one frame edited: one
//! `/nodes` and one `/images` call for that frame only), a renamed or moved frame not rendered
//! again, a frame Figma cannot render (`null`), renders kept within 32 MP, and a days-long
//! `Retry-After` pausing the album at once.

mod support;

use folio_sources::conformance::{self, Arranged, Harness, Unsupported};
use folio_sources::figma::api::FigmaApi;
use folio_sources::figma::fake::FakeFigma;
use folio_sources::figma::{FigmaOptions, FigmaSource};
use folio_sources::{
    Changes, Known, LocalCopy, OnChange, Source, SourceError, SourceErrorKind, WatchGuard,
    MAX_ITEM_BYTES,
};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::Pasted;

const TOKEN: &str = "figd_fake-personal-access-token";

fn api(fake: &FakeFigma) -> FigmaApi {
    FigmaApi::new(&fake.url, Arc::new(Pasted(TOKEN))).tuned(folio_pace::PacerConfig {
        concurrency: 1,
        attempts: 4,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(100),
        longest_wait: Some(folio_sources::figma::api::LONGEST_WAIT),
    })
}

/// What the engine's store would keep between looks.
#[derive(Default)]
struct Store {
    cursor: Option<String>,
    known: HashMap<String, Known>,
}

impl Store {
    async fn look(&mut self, source: &dyn Source) -> Result<Changes, SourceError> {
        let c = source.changes(self.cursor.as_deref(), &self.known).await?;
        for p in &c.removed {
            self.known.remove(p);
        }
        for i in &c.changed {
            let k = Known {
                size: i.size,
                modified_ns: i.modified_ns,
                content_hash: i.content_hash.clone(),
            };
            self.known.insert(i.path.clone(), k);
        }
        self.cursor = c.cursor.clone();
        Ok(c)
    }
}

fn paths(c: &Changes) -> Vec<String> {
    let mut p: Vec<String> = c.changed.iter().map(|i| i.path.clone()).collect();
    p.sort();
    p
}

// ---- The conformance suite -----------------------------------------------------------------

/// The suite's paths (`a.jpg`, `sub/b.jpg`) as frames of one page: `/` is written `__` in a
/// frame's name, and the page's name is left off the item paths.
struct OnePage(FigmaSource);

const PAGE: &str = "Page";

fn to_suite(path: String) -> String {
    path.strip_prefix(&format!("{PAGE}/")).unwrap_or(&path).replace("__", "/")
}

fn to_figma(path: &str) -> String {
    format!("{PAGE}/{}", path.replace('/', "__"))
}

#[async_trait::async_trait]
impl Source for OnePage {
    async fn changes(
        &self,
        cursor: Option<&str>,
        known: &HashMap<String, Known>,
    ) -> Result<Changes, SourceError> {
        let known = known.iter().map(|(p, k)| (to_figma(p), k.clone())).collect();
        let mut c = self.0.changes(cursor, &known).await?;
        c.changed.iter_mut().for_each(|i| i.path = to_suite(std::mem::take(&mut i.path)));
        c.removed = c.removed.into_iter().map(to_suite).collect();
        c.unreadable = c.unreadable.into_iter().map(|(p, why)| (to_suite(p), why)).collect();
        Ok(c)
    }
    async fn fetch(&self, path: &str) -> Result<LocalCopy, SourceError> {
        self.0.fetch(&to_figma(path)).await
    }
    fn watch(&self, on_change: OnChange) -> Result<WatchGuard, SourceError> {
        self.0.watch(on_change)
    }
}

struct FigmaHarness {
    fake: FakeFigma,
    key: String,
    page: String,
    source: OnePage,
    /// Frame ids by suite path.
    frames: Mutex<HashMap<String, String>>,
    _spool: tempfile::TempDir,
}

impl FigmaHarness {
    async fn start() -> FigmaHarness {
        let fake = FakeFigma::start(TOKEN).await;
        let key = fake.add_file("Spring campaign");
        let page = fake.add_page(&key, PAGE);
        // A frame on another page, which a page album must not report.
        let other = fake.add_page(&key, "Elsewhere");
        fake.add_frame(&key, &other, "elsewhere", 50, 50);
        let spool = tempfile::tempdir().unwrap();
        let location = format!("{key}/{PAGE}");
        let source =
            FigmaSource::new(api(&fake), &location, FigmaOptions::default(), spool.path().into());
        FigmaHarness {
            fake,
            key,
            page,
            source: OnePage(source.unwrap()),
            frames: Mutex::default(),
            _spool: spool,
        }
    }

    /// A new frame, each of its own size, so that no two frames look alike.
    fn frame(&self, path: &str) -> String {
        let mut frames = self.frames.lock().unwrap();
        let width = 100 + 10 * frames.len() as u32;
        let id = self.fake.add_frame(&self.key, &self.page, &path.replace('/', "__"), width, 80);
        frames.insert(path.to_string(), id.clone());
        id
    }

    fn id(&self, path: &str) -> Option<String> {
        self.frames.lock().unwrap().get(path).cloned()
    }
}

#[async_trait::async_trait]
impl Harness for FigmaHarness {
    fn name(&self) -> &str {
        "figma (fake)"
    }
    fn source(&self) -> &dyn Source {
        &self.source
    }
    async fn put(&self, path: &str, bytes: &[u8]) {
        let id = self.id(path).unwrap_or_else(|| self.frame(path));
        self.fake.set_render(&self.key, &id, bytes.to_vec());
    }
    async fn rename(&self, from: &str, to: &str) {
        let id = self.frames.lock().unwrap().remove(from).unwrap();
        self.fake.rename(&self.key, &id, &to.replace('/', "__"));
        self.frames.lock().unwrap().insert(to.to_string(), id);
    }
    async fn remove(&self, path: &str) {
        let id = self.frames.lock().unwrap().remove(path).unwrap();
        self.fake.remove(&self.key, &id);
    }
    async fn put_too_large(&self, path: &str) -> Arranged {
        let id = self.frame(path);
        self.fake.set_render_size(&self.key, &id, MAX_ITEM_BYTES + 1);
        Ok(())
    }
    async fn reset_cursors(&self) -> Arranged {
        Err(Unsupported("Figma has no change cursor: each look compares the file's version".into()))
    }
    async fn rate_limit(&self, secs: u64, times: u32) -> Arranged {
        self.fake.rate_limit(secs, times);
        Ok(())
    }
    async fn revoke_credential(&self) -> Arranged {
        self.fake.revoke();
        Ok(())
    }
}

#[tokio::test]
async fn conformance_figma_fake() {
    let h = FigmaHarness::start().await;
    let report = conformance::run(&h).await;
    let not_applicable: Vec<&str> = report.not_applicable.iter().map(|(c, _)| *c).collect();
    assert_eq!(not_applicable, [conformance::RESET], "{report:?}");
    assert_eq!(report.passed.len(), 9, "{report:?}");
}

// ---- Figma's own ---------------------------------------------------------------------------

struct Setup {
    fake: FakeFigma,
    key: String,
    page: String,
    spool: tempfile::TempDir,
}

async fn setup() -> Setup {
    let fake = FakeFigma::start(TOKEN).await;
    let key = fake.add_file("Brand");
    let page = fake.add_page(&key, "Banners");
    Setup { fake, key, page, spool: tempfile::tempdir().unwrap() }
}

fn source(s: &Setup, location: &str, options: FigmaOptions) -> FigmaSource {
    FigmaSource::new(api(&s.fake), location, options, s.spool.path().into()).unwrap()
}

#[tokio::test]
async fn an_edited_frame_costs_one_nodes_and_one_images_call_and_nothing_changed_costs_none() {
    let s = setup().await;
    let hero = s.fake.add_frame(&s.key, &s.page, "Hero", 1200, 630);
    s.fake.add_frame(&s.key, &s.page, "Story", 1080, 1920);
    let ads = s.fake.add_page(&s.key, "Ads");
    s.fake.add_frame(&s.key, &ads, "Ad 1", 300, 250);
    let album = source(&s, &s.key, FigmaOptions::default());
    let mut store = Store::default();

    let first = store.look(&album).await.unwrap();
    assert_eq!(paths(&first), ["Ads/Ad 1", "Banners/Hero", "Banners/Story"]);
    assert_eq!(s.fake.count("images"), 1, "one batched render: {:?}", s.fake.calls());
    let copy = album.fetch("Banners/Hero").await.unwrap();
    assert_eq!(image::image_dimensions(copy.path()).unwrap(), (2400, 1260), "scale 2");

    let tier1 = s.fake.tier1();
    let again = store.look(&album).await.unwrap();
    assert!(again.changed.is_empty() && again.removed.is_empty(), "{again:?}");
    assert_eq!(s.fake.tier1(), tier1, "nothing changed: no Tier 1 call");
    assert_eq!(s.fake.count("meta"), 2);

    s.fake.edit(&s.key, &hero);
    let (nodes, images) = (s.fake.count("nodes"), s.fake.count("images"));
    let edited = store.look(&album).await.unwrap();
    assert_eq!(paths(&edited), ["Banners/Hero"]);
    assert_eq!((s.fake.count("nodes") - nodes, s.fake.count("images") - images), (1, 1));
    let asked = s.fake.last_query("images").unwrap();
    assert!(
        asked.contains(&format!("ids={}", hero.replace(':', "%3A"))) && !asked.contains("%2C"),
        "{asked}"
    );
}

#[tokio::test]
async fn a_renamed_or_moved_frame_is_not_rendered_again() {
    let s = setup().await;
    let hero = s.fake.add_frame(&s.key, &s.page, "Hero", 1200, 630);
    let album = source(&s, &format!("{}/Banners", s.key), FigmaOptions::default());
    let mut store = Store::default();
    store.look(&album).await.unwrap();
    let hash = store.known["Banners/Hero"].content_hash.clone();
    let images = s.fake.count("images");

    s.fake.move_bounds(&s.key, &hero, 4000.0, 200.0);
    let moved = store.look(&album).await.unwrap();
    assert!(moved.changed.is_empty() && moved.removed.is_empty(), "{moved:?}");
    s.fake.rename(&s.key, &hero, "Hero (spring)");
    let renamed = store.look(&album).await.unwrap();
    assert_eq!(paths(&renamed), ["Banners/Hero (spring)"]);
    assert_eq!(renamed.removed, ["Banners/Hero"]);
    assert_eq!(renamed.changed[0].content_hash, hash, "the same look: the engine keeps the photo");
    assert_eq!(s.fake.count("images"), images, "neither was rendered again");
}

#[tokio::test]
async fn a_frame_figma_cannot_render_is_its_own_error_and_is_not_asked_again_until_an_edit() {
    let s = setup().await;
    let hero = s.fake.add_frame(&s.key, &s.page, "Hero", 1200, 630);
    let broken = s.fake.add_frame(&s.key, &s.page, "Broken", 800, 600);
    s.fake.fail_render(&s.key, &broken);
    let album = source(&s, &s.key, FigmaOptions::default());
    let mut store = Store::default();
    let first = store.look(&album).await.unwrap();
    assert_eq!(paths(&first), ["Banners/Hero"]);
    assert_eq!(first.unreadable.len(), 1, "{first:?}");
    assert_eq!(first.unreadable[0].0, "Banners/Broken");
    assert!(first.unreadable[0].1.contains("could not render"), "{first:?}");
    let tier1 = s.fake.tier1();
    let again = store.look(&album).await.unwrap();
    assert!(again.changed.is_empty() && again.unreadable.is_empty(), "{again:?}");
    assert_eq!(s.fake.tier1(), tier1, "a failed render is not asked again for nothing");
    // Another frame edited: only that one is rendered; the broken one once it changes.
    s.fake.edit(&s.key, &hero);
    store.look(&album).await.unwrap();
    let asked = s.fake.last_query("images").unwrap();
    assert!(!asked.contains(&broken.replace(':', "%3A")), "{asked}");
    s.fake.edit(&s.key, &broken);
    let retried = store.look(&album).await.unwrap();
    assert_eq!(retried.unreadable.len(), 1, "tried again, and Figma still cannot: {retried:?}");
}

#[tokio::test]
async fn a_huge_frame_is_rendered_within_32_megapixels_and_a_glob_picks_frames() {
    let s = setup().await;
    s.fake.add_frame(&s.key, &s.page, "Poster", 5000, 5000);
    s.fake.add_frame(&s.key, &s.page, "Ad 1", 300, 250);
    s.fake.add_node(&s.key, &s.page, "COMPONENT", "Ad button", 120, 40);
    s.fake.add_node(&s.key, &s.page, "TEXT", "Ad note", 120, 40);
    let picked = FigmaOptions { glob: "ad*".into(), ..FigmaOptions::default() };
    let ads = source(&s, &s.key, picked);
    let c = Store::default().look(&ads).await.unwrap();
    assert_eq!(paths(&c), ["Banners/Ad 1", "Banners/Ad button"], "frames and components, not text");

    let all = source(&s, &s.key, FigmaOptions::default());
    Store::default().look(&all).await.unwrap();
    let poster = all.fetch("Banners/Poster").await.unwrap();
    let (w, h) = image::image_dimensions(poster.path()).unwrap();
    assert!(u64::from(w) * u64::from(h) <= 32_000_000 && w > 5000, "{w}×{h}");
}

#[tokio::test]
async fn a_frame_from_a_pasted_address_is_an_album_of_one() {
    let s = setup().await;
    let hero = s.fake.add_frame(&s.key, &s.page, "Hero", 1200, 630);
    s.fake.add_frame(&s.key, &s.page, "Story", 1080, 1920);
    let address =
        format!("https://www.figma.com/design/{}/Brand?node-id={}", s.key, hero.replace(':', "-"));
    let album = source(&s, &address, FigmaOptions::default());
    let c = Store::default().look(&album).await.unwrap();
    assert_eq!(paths(&c), ["Hero"]);
    assert!(s.fake.last_query("nodes").unwrap().contains(&hero.replace(':', "%3A")));
}

#[tokio::test]
async fn a_retry_after_of_days_pauses_the_album_at_once() {
    let s = setup().await;
    s.fake.add_frame(&s.key, &s.page, "Hero", 1200, 630);
    let album = source(&s, &s.key, FigmaOptions::default());
    s.fake.rate_limit(396_749, 1);
    let started = std::time::Instant::now();
    let e = Store::default().look(&album).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5), "not waited out");
    assert_eq!(e.kind, SourceErrorKind::RateLimited, "{e:?}");
    assert_eq!(e.retry_after, Some(Duration::from_secs(396_749)));
    assert!(e.message.contains("4 days 14 hours"), "{}", e.message);
}

#[tokio::test]
async fn a_revoked_token_asks_to_reconnect_and_a_missing_file_is_gone() {
    let s = setup().await;
    let gone = source(&s, "NoSuchFileKey123", FigmaOptions::default());
    let e = Store::default().look(&gone).await.unwrap_err();
    assert_eq!(e.kind, SourceErrorKind::Gone, "{e:?}");
    s.fake.revoke();
    let album = source(&s, &s.key, FigmaOptions::default());
    let e = Store::default().look(&album).await.unwrap_err();
    assert_eq!(e.kind, SourceErrorKind::Reconnect, "{e:?}");
    assert!(
        e.message.contains("personal access token") && !e.message.contains(TOKEN),
        "{}",
        e.message
    );
}
