//! The Canva source against the fake Canva: the conformance suite (items as one-page designs),
//! then what is Canva's own: no export when nothing changed, a touched design with the same
//! pixels reports nothing, only a repainted page is reported, a failed export is its design's
//! pages' error, the export quotas (Folio's own count and Canva's 429s), a revoked or expired
//! token, expired download links, JPG exports, single-design albums and the picker.

use folio_model::Config;
use folio_sources::account::OauthSource;
use folio_sources::canva::account::CanvaAccounts;
use folio_sources::canva::fake::{FakeCanva, Page};
use folio_sources::canva::{
    AccessToken, Budget, CanvaApi, CanvaSource, Export, Limits, Polling, Quota,
};
use folio_sources::conformance::{self, Arranged, Harness, Unsupported};
use folio_sources::{Changes, Known, LocalCopy, OnChange, Source, SourceError, SourceErrorKind};
use folio_sources::{WatchGuard, MAX_ITEM_BYTES};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The current token, and the one a refresh gives (counted).
struct Tokens {
    current: Mutex<String>,
    after_refresh: String,
    refreshes: AtomicUsize,
}

impl Tokens {
    fn fixed(token: &str) -> Arc<Tokens> {
        Arc::new(Tokens {
            current: Mutex::new(token.into()),
            after_refresh: token.into(),
            refreshes: AtomicUsize::new(0),
        })
    }
}

#[async_trait::async_trait]
impl AccessToken for Tokens {
    async fn current(&self) -> Result<String, SourceError> {
        Ok(self.current.lock().unwrap().clone())
    }
    async fn refreshed(&self) -> Result<String, SourceError> {
        self.refreshes.fetch_add(1, Ordering::SeqCst);
        *self.current.lock().unwrap() = self.after_refresh.clone();
        Ok(self.after_refresh.clone())
    }
}

fn quick_pacing() -> folio_pace::PacerConfig {
    folio_pace::PacerConfig {
        concurrency: 4,
        attempts: 8,
        base_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(400),
        longest_wait: None,
    }
}

fn quick_polling() -> Polling {
    Polling {
        first: Duration::from_millis(5),
        max: Duration::from_millis(20),
        give_up: Duration::from_secs(20),
    }
}

fn api(fake: &FakeCanva, token: Arc<dyn AccessToken>, limits: Limits) -> CanvaApi {
    CanvaApi::new(&fake.url, token, Budget::new(limits)).tuned(quick_pacing(), quick_polling())
}

struct Setup {
    fake: FakeCanva,
    tokens: Arc<Tokens>,
    folder: String,
    source: CanvaSource,
    spool: tempfile::TempDir,
}

async fn setup_with(export: Export, limits: Limits) -> Setup {
    let fake = FakeCanva::start("token").await;
    let folder = fake.add_folder("root", "Spring campaign");
    let tokens = Tokens::fixed("token");
    let spool = tempfile::tempdir().unwrap();
    let location = format!("canva:folder/{folder}");
    let source = CanvaSource::new(
        api(&fake, tokens.clone(), limits),
        &location,
        export,
        spool.path().to_path_buf(),
    )
    .unwrap();
    Setup { fake, tokens, folder, source, spool }
}

async fn setup() -> Setup {
    setup_with(Export::Png, Limits::default()).await
}

/// What the engine's store would keep after `changes`, with their cursor.
#[derive(Default)]
struct Store {
    known: HashMap<String, Known>,
    cursor: Option<String>,
}

impl Store {
    async fn look(&mut self, source: &dyn Source) -> Result<Changes, SourceError> {
        let c = source.changes(self.cursor.as_deref(), &self.known).await?;
        for item in &c.changed {
            let k = Known {
                size: item.size,
                modified_ns: item.modified_ns,
                content_hash: item.content_hash.clone(),
            };
            self.known.insert(item.path.clone(), k);
        }
        for gone in &c.removed {
            self.known.remove(gone);
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

fn pixels(copy: &LocalCopy) -> image::RgbImage {
    image::open(copy.path()).unwrap().to_rgb8()
}

// ---- the conformance suite ---------------------------------------------------------------

/// The suite's items are files (`a.jpg`, `sub/b.jpg`); here each is a one-page design titled
/// by the item's path, so the source's `TITLE/page 1` is the suite's `TITLE`.
struct OnePage(CanvaSource);

const PAGE: &str = "/page 1";

fn strip(path: String) -> String {
    path.strip_suffix(PAGE).map(str::to_string).unwrap_or(path)
}

#[async_trait::async_trait]
impl Source for OnePage {
    async fn changes(
        &self,
        cursor: Option<&str>,
        known: &HashMap<String, Known>,
    ) -> Result<Changes, SourceError> {
        let known = known.iter().map(|(p, k)| (format!("{p}{PAGE}"), k.clone())).collect();
        let mut c = self.0.changes(cursor, &known).await?;
        c.changed.iter_mut().for_each(|i| i.path = strip(std::mem::take(&mut i.path)));
        c.removed = c.removed.into_iter().map(strip).collect();
        c.unreadable = c.unreadable.into_iter().map(|(p, why)| (strip(p), why)).collect();
        Ok(c)
    }
    async fn fetch(&self, path: &str) -> Result<LocalCopy, SourceError> {
        self.0.fetch(&format!("{path}{PAGE}")).await
    }
    fn watch(&self, on_change: OnChange) -> Result<WatchGuard, SourceError> {
        self.0.watch(on_change)
    }
}

struct CanvaHarness {
    setup: Setup,
    source: OnePage,
}

impl CanvaHarness {
    async fn start() -> CanvaHarness {
        let setup = setup().await;
        // A design elsewhere, which the album must not report.
        let other = setup.fake.add_folder("root", "Other");
        setup.fake.add_design(&other, "elsewhere", 1);
        let location = format!("canva:folder/{}", setup.folder);
        let api = api(&setup.fake, setup.tokens.clone(), Limits::default());
        let spool = setup.spool.path().to_path_buf();
        let source = OnePage(CanvaSource::new(api, &location, Export::Png, spool).unwrap());
        CanvaHarness { setup, source }
    }

    fn design(&self, path: &str) -> Option<String> {
        self.setup.fake.find(&self.setup.folder, path)
    }
}

#[async_trait::async_trait]
impl Harness for CanvaHarness {
    fn name(&self) -> &str {
        "canva (fake)"
    }
    fn source(&self) -> &dyn Source {
        &self.source
    }
    async fn put(&self, path: &str, bytes: &[u8]) {
        let page = Page::Bytes(bytes.to_vec());
        match self.design(path) {
            Some(id) => self.setup.fake.edit(&id, |d| d.pages = vec![page]),
            None => {
                self.setup.fake.add_design_with(&self.setup.folder, path, vec![page]);
            }
        }
    }
    async fn rename(&self, from: &str, to: &str) {
        let id = self.design(from).unwrap();
        self.setup.fake.edit(&id, |d| d.title = to.into());
    }
    async fn remove(&self, path: &str) {
        self.setup.fake.delete(&self.design(path).unwrap());
    }
    async fn put_too_large(&self, path: &str) -> Arranged {
        let page = Page::Zeros(MAX_ITEM_BYTES + 1);
        self.setup.fake.add_design_with(&self.setup.folder, path, vec![page]);
        Ok(())
    }
    async fn reset_cursors(&self) -> Arranged {
        Err(Unsupported("Canva has no change cursor: each look lists the album whole".into()))
    }
    async fn rate_limit(&self, _secs: u64, _times: u32) -> Arranged {
        Err(Unsupported(
            "Canva's 429s carry no Retry-After; their backoff is tested in tests/canva.rs".into(),
        ))
    }
    async fn revoke_credential(&self) -> Arranged {
        self.setup.fake.revoke_access();
        Ok(())
    }
}

#[tokio::test]
async fn conformance_canva_fake() {
    let h = CanvaHarness::start().await;
    let report = conformance::run(&h).await;
    let not_applicable: Vec<&str> = report.not_applicable.iter().map(|(c, _)| *c).collect();
    assert_eq!(not_applicable, [conformance::RESET, conformance::RATE_LIMITED], "{report:?}");
    assert_eq!(report.passed.len(), 8, "{report:?}");
}

// ---- Canva's own ---------------------------------------------------------------------------

#[tokio::test]
async fn a_resync_with_nothing_changed_makes_no_export_call() {
    let s = setup().await;
    s.fake.add_design(&s.folder, "Banner", 2);
    s.fake.add_design(&s.folder, "Post", 1);
    // Past one listing page (2 items): the continuation is followed.
    s.fake.add_design(&s.folder, "Story", 1);
    let mut store = Store::default();
    let first = store.look(&s.source).await.unwrap();
    assert_eq!(paths(&first), ["Banner/page 1", "Banner/page 2", "Post/page 1", "Story/page 1"]);
    assert_eq!(s.fake.count("create_export"), 3, "one job per design");
    assert_eq!(s.fake.count("folder_items"), 2, "two pages of the listing");
    let again = store.look(&s.source).await.unwrap();
    assert_eq!((again.changed.len(), again.removed.len()), (0, 0), "{again:?}");
    assert_eq!(s.fake.count("create_export"), 3, "no export when no updated_at moved");
    assert_eq!(s.fake.count("folder_items"), 4, "only the listing");
}

#[tokio::test]
async fn a_touched_design_with_the_same_pixels_reports_no_page_and_is_not_exported_again() {
    let s = setup().await;
    let banner = s.fake.add_design(&s.folder, "Banner", 2);
    let mut store = Store::default();
    store.look(&s.source).await.unwrap();
    s.fake.touch(&banner);
    let touched = store.look(&s.source).await.unwrap();
    assert_eq!(s.fake.count("create_export"), 2, "updated_at moved: exported");
    assert!(touched.changed.is_empty() && touched.removed.is_empty(), "{touched:?}");
    store.look(&s.source).await.unwrap();
    assert_eq!(s.fake.count("create_export"), 2, "the cursor remembers the new updated_at");
}

#[tokio::test]
async fn a_repainted_page_is_reported_and_the_others_not() {
    let s = setup().await;
    let deck = s.fake.add_design(&s.folder, "Deck", 3);
    let mut store = Store::default();
    store.look(&s.source).await.unwrap();
    let before = store.known["Deck/page 2"].clone();
    s.fake.repaint(&deck, 2);
    let c = store.look(&s.source).await.unwrap();
    assert_eq!(paths(&c), ["Deck/page 2"]);
    assert_ne!(c.changed[0].content_hash, before.content_hash);
    assert!(c.changed[0].modified_ns > before.modified_ns);
    let copy = s.source.fetch("Deck/page 2").await.unwrap();
    let got = pixels(&copy);
    assert_eq!(got.dimensions(), (64, 40), "the design's own size");
    // A fetch that finds no spooled page (another process, or fetched already) exports it.
    let exports = s.fake.count("create_export");
    let again = s.source.fetch("Deck/page 2").await.unwrap();
    assert_eq!(pixels(&again), got);
    assert_eq!(s.fake.count("create_export"), exports + 1);
    let (downloads, with_auth) = {
        let c = s.fake.state.lock().unwrap();
        (c.downloads, c.downloads_with_auth)
    };
    assert!(downloads > 0 && with_auth == 0, "no token to the download host");
    let err = s.source.fetch("Deck/page 4").await.unwrap_err();
    assert_eq!(err.kind, SourceErrorKind::Gone, "{err}");
}

#[tokio::test]
async fn a_failed_export_is_that_designs_pages_error() {
    let s = setup().await;
    let premium = s.fake.add_design(&s.folder, "Premium", 2);
    s.fake.edit(&premium, |d| d.fails_with = Some("license_required".into()));
    s.fake.add_design(&s.folder, "Plain", 1);
    let mut store = Store::default();
    let c = store.look(&s.source).await.unwrap();
    assert_eq!(paths(&c), ["Plain/page 1"]);
    let mut unreadable: Vec<&str> = c.unreadable.iter().map(|(p, _)| p.as_str()).collect();
    unreadable.sort();
    assert_eq!(unreadable, ["Premium/page 1", "Premium/page 2"]);
    assert!(c.unreadable[0].1.contains("premium Canva elements"), "{:?}", c.unreadable);
    s.fake.edit(&premium, |d| d.fails_with = None);
    let c = store.look(&s.source).await.unwrap();
    assert_eq!(paths(&c), ["Premium/page 1", "Premium/page 2"], "tried again, then read");
    assert!(c.removed.is_empty());
}

#[tokio::test]
async fn exports_stay_under_the_minute_limit_without_a_429() {
    let window = Duration::from_millis(800);
    let limits = Limits {
        // Folio's window a little longer than Canva's, as the real ones are.
        user_minute: Quota::new(20, window + Duration::from_millis(150)),
        ..Limits::default()
    };
    let s = setup_with(Export::Png, limits).await;
    {
        let mut c = s.fake.state.lock().unwrap();
        c.quotas.user_minute = (20, window);
        c.page_size = 100;
        c.polls_before_done = 0;
    }
    for i in 0..30 {
        s.fake.add_design(&s.folder, &format!("Post {i}"), 1);
    }
    let started = Instant::now();
    let c = Store::default().look(&s.source).await.unwrap();
    assert_eq!(c.changed.len(), 30);
    assert_eq!(s.fake.state.lock().unwrap().throttled, 0, "never a 429");
    assert_eq!(s.fake.count("create_export"), 30);
    assert!(started.elapsed() >= window, "the 21st waited for the window");
}

#[tokio::test]
async fn a_429_backs_off_and_the_export_goes_through() {
    let s = setup().await;
    {
        let mut c = s.fake.state.lock().unwrap();
        // Canva's minute window, which Folio's default count does not know to be this short.
        c.quotas.user_minute = (1, Duration::from_millis(300));
    }
    s.fake.add_design(&s.folder, "One", 1);
    s.fake.add_design(&s.folder, "Two", 1);
    let c = Store::default().look(&s.source).await.unwrap();
    assert_eq!(c.changed.len(), 2);
    assert!(s.fake.state.lock().unwrap().throttled >= 1, "the fake answered 429");
}

#[tokio::test]
async fn a_spent_daily_quota_is_rate_limited_until_tomorrow() {
    let day = Duration::from_secs(24 * 3600);
    // Canva's count (other apps of the user export too): a 429 that names the day.
    let s = setup().await;
    s.fake.state.lock().unwrap().quotas.user_day = (1, day);
    s.fake.add_design(&s.folder, "One", 1);
    s.fake.add_design(&s.folder, "Two", 1);
    let err = Store::default().look(&s.source).await.unwrap_err();
    assert_eq!(err.kind, SourceErrorKind::RateLimited, "{err}");
    let until = err.retry_after.expect("when exports come back");
    assert!(until > day - Duration::from_secs(60) && until <= day + Duration::from_secs(5));
    assert!(err.message.contains("export limit"), "{err}");

    // Folio's own count: the export is not even asked for.
    let limits = Limits { user_day: Quota::new(1, day), ..Limits::default() };
    let s = setup_with(Export::Png, limits).await;
    s.fake.add_design(&s.folder, "One", 1);
    s.fake.add_design(&s.folder, "Two", 1);
    let err = Store::default().look(&s.source).await.unwrap_err();
    assert_eq!(err.kind, SourceErrorKind::RateLimited, "{err}");
    assert_eq!(s.fake.count("create_export"), 1);
    assert_eq!(s.fake.state.lock().unwrap().throttled, 0);
}

#[tokio::test]
async fn a_revoked_token_asks_to_reconnect_and_an_invalid_one_is_refreshed_once() {
    let s = setup().await;
    s.fake.add_design(&s.folder, "One", 1);
    s.fake.revoke_access();
    let err = Store::default().look(&s.source).await.unwrap_err();
    assert_eq!(err.kind, SourceErrorKind::Reconnect, "{err}");
    assert!(err.message.contains("connect Canva again") && !err.message.contains("token\""));
    assert_eq!(s.tokens.refreshes.load(Ordering::SeqCst), 0, "a revoked grant is not refreshed");

    let s = setup().await;
    s.fake.add_design(&s.folder, "One", 1);
    let tokens = Arc::new(Tokens {
        current: Mutex::new("expired".into()),
        after_refresh: "token".into(),
        refreshes: AtomicUsize::new(0),
    });
    let location = format!("canva:folder/{}", s.folder);
    let api = api(&s.fake, tokens.clone(), Limits::default());
    let source = CanvaSource::new(api, &location, Export::Png, s.spool.path().into()).unwrap();
    let c = Store::default().look(&source).await.unwrap();
    assert_eq!(paths(&c), ["One/page 1"]);
    assert_eq!(tokens.refreshes.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_expired_download_link_makes_a_new_export_job() {
    let s = setup().await;
    s.fake.add_design(&s.folder, "One", 2);
    s.fake.state.lock().unwrap().expire_next_jobs = 1;
    let c = Store::default().look(&s.source).await.unwrap();
    assert_eq!(paths(&c), ["One/page 1", "One/page 2"]);
    assert_eq!(s.fake.count("create_export"), 2, "the expired job was made again");
}

#[tokio::test]
async fn jpg_exports_carry_the_quality_and_hash_by_their_pixels() {
    let s = setup_with(Export::Jpg(80), Limits::default()).await;
    let one = s.fake.add_design(&s.folder, "One", 1);
    let mut store = Store::default();
    let c = store.look(&s.source).await.unwrap();
    let copy = s.source.fetch("One/page 1").await.unwrap();
    assert_eq!(&std::fs::read(copy.path()).unwrap()[..2], [0xFF, 0xD8], "a JPEG");
    assert!(copy.path().extension().is_some_and(|e| e == "jpg"));
    assert_eq!(c.changed.len(), 1);
    s.fake.touch(&one);
    let touched = store.look(&s.source).await.unwrap();
    assert!(touched.changed.is_empty(), "the same JPEG pixels: {touched:?}");
}

#[tokio::test]
async fn a_one_design_album_and_a_design_gone_from_it() {
    let s = setup().await;
    let deck = s.fake.add_design(&s.folder, "Deck", 2);
    let location = format!("canva:design/{deck}");
    let api = api(&s.fake, s.tokens.clone(), Limits::default());
    let source = CanvaSource::new(api, &location, Export::Png, s.spool.path().into()).unwrap();
    let mut store = Store::default();
    let c = store.look(&source).await.unwrap();
    assert_eq!(paths(&c), ["Deck/page 1", "Deck/page 2"]);
    assert_eq!(s.fake.count("folder_items"), 0, "one design is read on its own");
    s.fake.delete(&deck);
    let err = store.look(&source).await.unwrap_err();
    assert_eq!(err.kind, SourceErrorKind::Gone, "nothing is removed: {err}");
}

#[tokio::test]
async fn the_picker_lists_folders_then_designs_and_checks_locations() {
    let fake = FakeCanva::start("token").await;
    let folder = fake.add_folder("root", "Spring campaign");
    let top = fake.add_design("root", "Logo", 1);
    fake.add_design(&folder, "Banner", 1);
    let mut given = std::collections::BTreeMap::new();
    given.insert("api_url".to_string(), fake.url.clone());
    let config: Config = folio_sources::canva::connector::connector().config(&given).unwrap();
    let token: Arc<dyn AccessToken> = Tokens::fixed("token");
    let who = CanvaAccounts.who(&config, token.clone()).await.unwrap();
    assert_eq!(who.name, "Mara Marketer");
    let top_level = CanvaAccounts.browse(&config, token.clone(), "").await.unwrap();
    let shown: Vec<(&str, &str, bool)> =
        top_level.iter().map(|e| (e.path.as_str(), e.name.as_str(), e.folder)).collect();
    let folder_path = format!("folder/{folder}");
    let design_path = format!("design/{top}");
    assert_eq!(
        shown,
        [(folder_path.as_str(), "Spring campaign", true), (design_path.as_str(), "Logo", false)]
    );
    let inside = CanvaAccounts.browse(&config, token.clone(), &folder_path).await.unwrap();
    assert_eq!(inside.len(), 1);
    let location = format!("work:{design_path}");
    let checked = CanvaAccounts.check(&config, token.clone(), &location).await;
    assert_eq!(checked.unwrap(), design_path);
    let missing = CanvaAccounts.check(&config, token.clone(), "work:folder/FAFnothing").await;
    assert_eq!(missing.unwrap_err().kind, SourceErrorKind::Gone);
    let wrong = CanvaAccounts.check(&config, token, "work:/Some/Path").await;
    assert_eq!(wrong.unwrap_err().kind, SourceErrorKind::Gone);
}

/// The fake's token endpoint, which the relay's end-to-end tests stand on: the secret is
/// required, PKCE is checked, and a refresh rotates the refresh token.
#[tokio::test]
async fn the_fake_token_endpoint_wants_the_secret_and_rotates_refresh_tokens() {
    use base64::Engine;
    use sha2::Digest;
    let fake = FakeCanva::start("token").await;
    let (id, secret) = fake.client();
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build();
    let http = http.unwrap();
    let verifier = "a-verifier-of-enough-length-for-pkce-0123456789";
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    let redirect = "https://relay.example/callback/canva";
    let authorize = format!(
        "{}/oauth/authorize?client_id={id}&response_type=code&code_challenge={challenge}\
         &code_challenge_method=s256&state=53682.xyz&redirect_uri={redirect}",
        fake.url
    );
    let r = http.get(authorize).send().await.unwrap();
    let location = url::Url::parse(r.headers()["Location"].to_str().unwrap()).unwrap();
    let code = location.query_pairs().find(|(k, _)| k == "code").unwrap().1.into_owned();
    let token = |form: String, basic: bool| {
        let mut req = http.post(format!("{}/v1/oauth/token", fake.url)).body(form);
        if basic {
            req = req.basic_auth(&id, Some(&secret));
        }
        req.send()
    };
    let exchange = format!(
        "grant_type=authorization_code&code={code}&code_verifier={verifier}&redirect_uri={redirect}"
    );
    assert_eq!(token(exchange.clone(), false).await.unwrap().status(), 401, "no secret");
    let first: serde_json::Value = token(exchange, true).await.unwrap().json().await.unwrap();
    let old = first["refresh_token"].as_str().unwrap().to_string();
    let refresh = |t: &str| format!("grant_type=refresh_token&refresh_token={t}");
    let second = token(refresh(&old), true).await.unwrap();
    assert_eq!(second.status(), 200);
    let second: serde_json::Value = second.json().await.unwrap();
    assert_ne!(second["refresh_token"], first["refresh_token"], "a new refresh token");
    let reused = token(refresh(&old), true).await.unwrap();
    assert_eq!(reused.status(), 400, "the old one is refused");
    assert_eq!(fake.refresh_token().as_deref(), second["refresh_token"].as_str());
}
