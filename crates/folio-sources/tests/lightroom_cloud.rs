//! The Lightroom (cloud) source against the fake Lightroom and IMS: the conformance suite, then
//! what is Lightroom's own: only edited photos downloaded again, a develop-only change seen, a
//! touched photo with the same picture not reported, removals, paging, the larger renditions
//! (refused and falling back to 2048, or made on demand and waited for), 429s with an empty
//! body, 5xx, 401s, the JSON guard, the API key, the picker, and the fake's token endpoint.

use folio_model::Config;
use folio_sources::account::OauthSource;
use folio_sources::conformance::{self, Arranged, Harness, Unsupported};
use folio_sources::lightroom::account::LightroomAccounts;
use folio_sources::lightroom::fake::{FakeLightroom, Picture, DAY};
use folio_sources::lightroom::{connector, Rendition};
use folio_sources::lightroom::{AccessToken, ApiKey, LightroomApi, LightroomSource, Polling};
use folio_sources::MAX_ITEM_BYTES;
use folio_sources::{Changes, Known, LocalCopy, Source, SourceError, SourceErrorKind};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const KEY: &str = "fake-adobe-api-key";

/// The current token, and what a refresh gives (counted): a token, or the engine's refusal.
struct Tokens {
    current: Mutex<String>,
    after_refresh: Result<String, SourceError>,
    refreshes: AtomicUsize,
}

impl Tokens {
    fn fixed(token: &str) -> Arc<Tokens> {
        Tokens::refreshing(token, Ok(token.into()))
    }
    fn refreshing(token: &str, after: Result<String, SourceError>) -> Arc<Tokens> {
        let current = Mutex::new(token.into());
        Arc::new(Tokens { current, after_refresh: after, refreshes: AtomicUsize::new(0) })
    }
}

#[async_trait::async_trait]
impl AccessToken for Tokens {
    async fn current(&self) -> Result<String, SourceError> {
        Ok(self.current.lock().unwrap().clone())
    }
    async fn refreshed(&self) -> Result<String, SourceError> {
        self.refreshes.fetch_add(1, Ordering::SeqCst);
        let token = self.after_refresh.clone()?;
        *self.current.lock().unwrap() = token.clone();
        Ok(token)
    }
}

fn quick_pacing() -> folio_pace::PacerConfig {
    folio_pace::PacerConfig {
        concurrency: 4,
        attempts: 4,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(100),
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

fn api_with(fake: &FakeLightroom, key: &str, token: Arc<dyn AccessToken>) -> LightroomApi {
    LightroomApi::new(&fake.url, ApiKey::Given(key.into()), token)
        .tuned(quick_pacing(), quick_polling())
}

struct Setup {
    fake: FakeLightroom,
    tokens: Arc<Tokens>,
    album: String,
    source: LightroomSource,
    spool: tempfile::TempDir,
}

impl Setup {
    fn source(&self, tokens: Arc<dyn AccessToken>, wanted: Rendition) -> LightroomSource {
        let api = api_with(&self.fake, KEY, tokens);
        let location = format!("lr:album/{}", self.album);
        LightroomSource::new(api, &location, wanted, self.spool.path().into()).unwrap()
    }
}

async fn setup_with(wanted: Rendition) -> Setup {
    let fake = FakeLightroom::start(KEY, "token").await;
    let album = fake.add_album("Portfolio", None);
    let tokens = Tokens::fixed("token");
    let spool = tempfile::tempdir().unwrap();
    let api = api_with(&fake, KEY, tokens.clone());
    let location = format!("lr:album/{album}");
    let source = LightroomSource::new(api, &location, wanted, spool.path().into()).unwrap();
    Setup { fake, tokens, album, source, spool }
}

async fn setup() -> Setup {
    setup_with(Rendition::Standard).await
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

/// A fetched JPEG's size in pixels.
fn dimensions(copy: &LocalCopy) -> (usize, usize) {
    let header = turbojpeg::read_header(&std::fs::read(copy.path()).unwrap()).unwrap();
    (header.width, header.height)
}

// ---- the conformance suite ---------------------------------------------------------------

/// The suite's items are photos imported under the item's path as their file name; their
/// renditions are the suite's bytes.
struct LightroomHarness {
    setup: Setup,
}

impl LightroomHarness {
    fn asset(&self, path: &str) -> Option<String> {
        self.setup.fake.find(&self.setup.album, path)
    }
}

#[async_trait::async_trait]
impl Harness for LightroomHarness {
    fn name(&self) -> &str {
        "lightroom (fake)"
    }
    fn source(&self) -> &dyn Source {
        &self.setup.source
    }
    async fn put(&self, path: &str, bytes: &[u8]) {
        let picture = Picture::Bytes(bytes.to_vec());
        match self.asset(path) {
            Some(id) => self.setup.fake.change(&id, |a| {
                a.picture = picture;
                a.develop["xmpCameraRaw"]["Exposure2012"] = serde_json::json!(1.0);
            }),
            None => {
                self.setup.fake.add_asset(&self.setup.album, path, picture);
            }
        }
    }
    async fn rename(&self, from: &str, to: &str) {
        let id = self.asset(from).unwrap();
        self.setup.fake.change(&id, |a| a.file_name = to.into());
    }
    async fn remove(&self, path: &str) {
        self.setup.fake.remove_from_album(&self.setup.album, &self.asset(path).unwrap());
    }
    async fn put_too_large(&self, path: &str) -> Arranged {
        self.setup.fake.add_asset(&self.setup.album, path, Picture::Zeros(MAX_ITEM_BYTES + 1));
        Ok(())
    }
    async fn reset_cursors(&self) -> Arranged {
        Err(Unsupported("Lightroom has no album change cursor: each look lists it whole".into()))
    }
    async fn rate_limit(&self, _secs: u64, _times: u32) -> Arranged {
        Err(Unsupported(
            "Adobe's 429s carry no Retry-After (and no body); their backoff is tested in \
             tests/lightroom_cloud.rs"
                .into(),
        ))
    }
    async fn revoke_credential(&self) -> Arranged {
        self.setup.fake.revoke_access();
        Ok(())
    }
}

#[tokio::test]
async fn conformance_lightroom_fake() {
    let setup = setup().await;
    // A photo in another album, which this album must not report.
    let other = setup.fake.add_album("Other", None);
    setup.fake.add_photo(&other, "elsewhere.jpg");
    let h = LightroomHarness { setup };
    let report = conformance::run(&h).await;
    let not_applicable: Vec<&str> = report.not_applicable.iter().map(|(c, _)| *c).collect();
    assert_eq!(not_applicable, [conformance::RESET, conformance::RATE_LIMITED], "{report:?}");
    assert_eq!(report.passed.len(), 8, "{report:?}");
}

// ---- Lightroom's own -----------------------------------------------------------------------

#[tokio::test]
async fn only_edited_photos_are_downloaded_again() {
    let s = setup().await;
    let lake = s.fake.add_photo(&s.album, "Lake.dng");
    let pier = s.fake.add_photo(&s.album, "Pier.jpg");
    let dunes = s.fake.add_photo(&s.album, "Dunes.CR3");
    let mut store = Store::default();
    let first = store.look(&s.source).await.unwrap();
    assert_eq!(paths(&first), ["Dunes.CR3", "Lake.dng", "Pier.jpg"]);
    let copy = s.source.fetch("Lake.dng").await.unwrap();
    assert_eq!(dimensions(&copy), (48, 32), "the 2048 rendition");
    assert_eq!(s.fake.count("rendition 2048"), 3, "the fetch took the spooled download");
    let again = store.look(&s.source).await.unwrap();
    assert_eq!((again.changed.len(), again.removed.len()), (0, 0), "{again:?}");
    assert_eq!(s.fake.count("rendition 2048"), 3, "nothing downloaded when nothing moved");
    s.fake.edit(&pier);
    let edited = store.look(&s.source).await.unwrap();
    assert_eq!(paths(&edited), ["Pier.jpg"]);
    assert_eq!(s.fake.downloads_of(&pier), 2);
    assert_eq!((s.fake.downloads_of(&lake), s.fake.downloads_of(&dunes)), (1, 1));
    assert!(edited.changed[0].modified_ns > first.changed[2].modified_ns, "updated moved on");
}

#[tokio::test]
async fn a_develop_only_change_is_seen() {
    let s = setup().await;
    let pier = s.fake.add_photo(&s.album, "Pier.jpg");
    let mut store = Store::default();
    store.look(&s.source).await.unwrap();
    let before = store.known["Pier.jpg"].clone();
    s.fake.edit_develop_only(&pier);
    let c = store.look(&s.source).await.unwrap();
    assert_eq!(paths(&c), ["Pier.jpg"], "updated did not move, the develop settings did");
    assert_ne!(c.changed[0].content_hash, before.content_hash);
}

#[tokio::test]
async fn a_touched_photo_with_the_same_picture_is_not_reported() {
    let s = setup().await;
    let pier = s.fake.add_photo(&s.album, "Pier.jpg");
    let mut store = Store::default();
    store.look(&s.source).await.unwrap();
    s.fake.touch(&pier);
    let c = store.look(&s.source).await.unwrap();
    assert!(c.changed.is_empty() && c.removed.is_empty(), "{c:?}");
    assert_eq!(s.fake.downloads_of(&pier), 2, "updated moved: looked at once");
    store.look(&s.source).await.unwrap();
    assert_eq!(s.fake.downloads_of(&pier), 2, "the cursor remembers the new key");
}

#[tokio::test]
async fn photos_taken_out_or_deleted_are_reported_removed_and_videos_skipped() {
    let s = setup().await;
    let pier = s.fake.add_photo(&s.album, "Pier.jpg");
    let lake = s.fake.add_photo(&s.album, "Lake.jpg");
    s.fake.add_photo(&s.album, "Dunes.jpg");
    let clip = s.fake.add_photo(&s.album, "Clip.mov");
    s.fake.change(&clip, |a| a.subtype = "video".into());
    let mut store = Store::default();
    let first = store.look(&s.source).await.unwrap();
    assert_eq!(paths(&first), ["Dunes.jpg", "Lake.jpg", "Pier.jpg"]);
    s.fake.remove_from_album(&s.album, &pier);
    s.fake.delete(&lake);
    let c = store.look(&s.source).await.unwrap();
    assert_eq!(c.removed, ["Lake.jpg", "Pier.jpg"]);
    assert!(c.changed.is_empty());
    let err = s.source.fetch("Pier.jpg").await.unwrap_err();
    assert_eq!(err.kind, SourceErrorKind::Gone, "{err}");
}

#[tokio::test]
async fn an_album_over_many_pages_is_read_whole() {
    let s = setup().await;
    for i in 0..5 {
        s.fake.add_photo(&s.album, &format!("IMG_{i:04}.jpg"));
    }
    // Two cameras' files of one name.
    s.fake.add_photo(&s.album, "IMG_0001.jpg");
    let c = Store::default().look(&s.source).await.unwrap();
    assert_eq!(c.changed.len(), 6, "{:?}", paths(&c));
    assert_eq!(s.fake.count("album_assets"), 3, "three pages of two");
    assert!(paths(&c).iter().filter(|p| p.starts_with("IMG_0001 (")).count() == 2);
}

#[tokio::test]
async fn a_refused_fullsize_rendition_falls_back_to_2048_and_says_so() {
    let s = setup_with(Rendition::Full).await;
    s.fake.state.lock().unwrap().entitled = false;
    s.fake.add_photo(&s.album, "Pier.jpg");
    s.fake.add_photo(&s.album, "Lake.jpg");
    assert_eq!(s.source.fallback_note(), None);
    let c = Store::default().look(&s.source).await.unwrap();
    assert_eq!(paths(&c), ["Lake.jpg", "Pier.jpg"]);
    assert_eq!(s.fake.count("rendition fullsize"), 1, "asked once, then remembered");
    assert_eq!(s.fake.count("rendition 2048"), 2);
    let note = s.source.fallback_note().expect("the fallback is said");
    assert!(note.contains("4300") && note.contains("2048"), "{note}");
    let copy = s.source.fetch("Lake.jpg").await.unwrap();
    assert_eq!(dimensions(&copy), (48, 32));
}

#[tokio::test]
async fn a_rendition_not_made_yet_is_asked_for_and_waited_for() {
    let s = setup_with(Rendition::Full).await;
    let pier = s.fake.add_photo(&s.album, "Pier.jpg");
    let mut store = Store::default();
    store.look(&s.source).await.unwrap();
    assert_eq!(s.fake.count("generate"), 1);
    assert_eq!(s.fake.count("head fullsize"), 3, "two checks answered 404, then 200");
    assert_eq!(s.fake.count("rendition fullsize"), 2, "missing, then downloaded");
    assert_eq!(s.fake.count("rendition 2048"), 0);
    let copy = s.source.fetch("Pier.jpg").await.unwrap();
    assert_eq!(dimensions(&copy), (72, 48), "the full size");
    // An edit drops the rendition: made again.
    s.fake.edit(&pier);
    store.look(&s.source).await.unwrap();
    assert_eq!(s.fake.count("generate"), 2);
    let copy = s.source.fetch("Pier.jpg").await.unwrap();
    assert_eq!(dimensions(&copy), (72, 48), "the new full size, spooled by the look");
    assert_eq!(s.fake.count("rendition fullsize"), 4);
    // Another rendition chosen: the photo is read again, and 2560 asked for by its name.
    let large = s.source(s.tokens.clone(), Rendition::Large);
    assert_eq!(paths(&store.look(&large).await.unwrap()), ["Pier.jpg"]);
    let copy = large.fetch("Pier.jpg").await.unwrap();
    assert_eq!(dimensions(&copy), (60, 40));
    assert_eq!(s.fake.count("generate"), 3);
}

#[tokio::test]
async fn a_429_with_an_empty_body_is_backed_off_then_unavailable() {
    let s = setup().await;
    s.fake.add_photo(&s.album, "Pier.jpg");
    s.fake.state.lock().unwrap().throttle_next = 2;
    let c = Store::default().look(&s.source).await.unwrap();
    assert_eq!(paths(&c), ["Pier.jpg"]);
    assert_eq!(s.fake.state.lock().unwrap().throttled, 2);
    s.fake.state.lock().unwrap().throttle_next = 100;
    let err = Store::default().look(&s.source).await.unwrap_err();
    assert_eq!(err.kind, SourceErrorKind::Unavailable, "{err}");
    assert!(err.message.contains("slow down"), "{err}");
    assert_eq!(s.fake.state.lock().unwrap().throttled, 2 + 4, "three retries, then given up");
}

#[tokio::test]
async fn a_5xx_is_retried() {
    let s = setup().await;
    s.fake.add_photo(&s.album, "Pier.jpg");
    s.fake.state.lock().unwrap().fail_next = 2;
    let c = Store::default().look(&s.source).await.unwrap();
    assert_eq!(paths(&c), ["Pier.jpg"]);
    s.fake.state.lock().unwrap().fail_next = 100;
    let err = Store::default().look(&s.source).await.unwrap_err();
    assert_eq!(err.kind, SourceErrorKind::Unavailable, "{err}");
}

#[tokio::test]
async fn a_401_refreshes_once_then_asks_to_reconnect() {
    let s = setup().await;
    s.fake.add_photo(&s.album, "Pier.jpg");
    let tokens = Tokens::refreshing("expired", Ok("token".into()));
    let source = s.source(tokens.clone(), Rendition::Standard);
    let c = Store::default().look(&source).await.unwrap();
    assert_eq!(paths(&c), ["Pier.jpg"]);
    assert_eq!(tokens.refreshes.load(Ordering::SeqCst), 1);

    s.fake.revoke_access();
    let err = Store::default().look(&s.source).await.unwrap_err();
    assert_eq!(err.kind, SourceErrorKind::Reconnect, "{err}");
    assert_eq!(err.message, "Lightroom signed Folio out; reconnect the account");
    assert_eq!(s.tokens.refreshes.load(Ordering::SeqCst), 1, "refreshed once, not more");
}

#[tokio::test]
async fn a_refused_refresh_asks_to_reconnect_saying_adobes_sign_in_lasts_14_days() {
    let s = setup().await;
    s.fake.add_photo(&s.album, "Pier.jpg");
    // The engine's words for a refused refresh, with what the connector says of its sign-ins.
    let lasts = LightroomAccounts.sign_in_lasts().expect("Adobe's sign-ins end on a clock");
    assert!(lasts.contains("Adobe's sign-in lasts 14 days"), "{lasts}");
    let words = format!("Lightroom no longer accepts Folio's sign-in: {lasts}; reconnect");
    let refused = SourceError::new(SourceErrorKind::Reconnect, words.clone());
    let tokens = Tokens::refreshing("expired", Err(refused));
    let err = Store::default().look(&s.source(tokens.clone(), Rendition::Standard)).await;
    let err = err.unwrap_err();
    assert_eq!((err.kind, err.message), (SourceErrorKind::Reconnect, words), "said as it is");
    assert_eq!(tokens.refreshes.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn every_json_answer_loses_its_guard_and_the_api_key_is_sent() {
    let s = setup().await;
    let raw = reqwest::Client::new()
        .get(format!("{}/v2/catalog", s.fake.url))
        .header("X-API-Key", KEY)
        .bearer_auth("token")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(raw.starts_with("while (1) {}"), "the fake sends the guard: {raw}");
    s.fake.add_photo(&s.album, "Pier.jpg");
    assert_eq!(paths(&Store::default().look(&s.source).await.unwrap()), ["Pier.jpg"]);

    let wrong_key = api_with(&s.fake, "another-key", s.tokens.clone());
    let location = format!("lr:album/{}", s.album);
    let source = LightroomSource::new(wrong_key, &location, Rendition::Standard, "x".into());
    let err = Store::default().look(&source.unwrap()).await.unwrap_err();
    assert_eq!(err.kind, SourceErrorKind::Reconnect, "{err}");
    assert!(err.message.contains("Api Key is invalid"), "Adobe's words: {err}");
}

#[tokio::test]
async fn a_deleted_album_is_gone() {
    let s = setup().await;
    s.fake.add_photo(&s.album, "Pier.jpg");
    let mut store = Store::default();
    store.look(&s.source).await.unwrap();
    s.fake.delete_album(&s.album);
    let err = store.look(&s.source).await.unwrap_err();
    assert_eq!(err.kind, SourceErrorKind::Gone, "nothing is removed: {err}");
}

fn config(fake: &FakeLightroom) -> Config {
    let mut given = std::collections::BTreeMap::new();
    given.insert("api_url".to_string(), fake.url.clone());
    given.insert("client_id".to_string(), KEY.to_string());
    connector::connector().config(&given).unwrap()
}

#[tokio::test]
async fn the_picker_lists_album_folders_then_albums_and_checks_locations() {
    let fake = FakeLightroom::start(KEY, "token").await;
    let travel = fake.add_album_folder("Travel", None);
    let iceland = fake.add_album("Iceland", Some(&travel));
    let weddings = fake.add_album("weddings", None);
    fake.add_album("Archive", None);
    let config = config(&fake);
    let token: Arc<dyn AccessToken> = Tokens::fixed("token");
    let who = LightroomAccounts.who(&config, token.clone()).await.unwrap();
    assert_eq!(
        (who.name.as_str(), who.email.as_deref()),
        ("Pia Photographer", Some("pia@example.com"))
    );
    let top = LightroomAccounts.browse(&config, token.clone(), "").await.unwrap();
    let shown: Vec<(&str, &str, bool)> =
        top.iter().map(|e| (e.path.as_str(), e.name.as_str(), e.folder)).collect();
    let set = format!("set/{travel}");
    assert_eq!(shown[0], (set.as_str(), "Travel", true));
    assert_eq!(shown[1..].iter().map(|e| e.1).collect::<Vec<_>>(), ["Archive", "weddings"]);
    assert!(shown.iter().all(|e| e.2), "albums open like folders in a picker: {shown:?}");
    assert_eq!(fake.count("albums"), 2, "four albums in pages of two");
    let inside = LightroomAccounts.browse(&config, token.clone(), &set).await.unwrap();
    assert_eq!(inside.len(), 1);
    assert_eq!(inside[0].path, format!("album/{iceland}"));
    let location = format!("pia:album/{weddings}");
    let checked = LightroomAccounts.check(&config, token.clone(), &location).await.unwrap();
    assert_eq!(checked, format!("album/{weddings}"));
    let folder = format!("pia:album/{travel}");
    let folder = LightroomAccounts.check(&config, token.clone(), &folder).await;
    assert_eq!(folder.unwrap_err().kind, SourceErrorKind::Gone, "a folder is no album");
    let missing = LightroomAccounts.check(&config, token.clone(), "pia:album/0000").await;
    assert_eq!(missing.unwrap_err().kind, SourceErrorKind::Gone);
    let wrong = LightroomAccounts.check(&config, token.clone(), "pia:/Some/Path").await;
    assert_eq!(wrong.unwrap_err().kind, SourceErrorKind::Gone);
    let spool = tempfile::tempdir().unwrap();
    let opened = LightroomAccounts.open(&config, token, &location, spool.path().into()).unwrap();
    fake.add_photo(&weddings, "First dance.jpg");
    let c = Store::default().look(opened.as_ref()).await.unwrap();
    assert_eq!(paths(&c), ["First dance.jpg"]);
    // Opened in the picker, an album shows its photos, named as its items are.
    let album = format!("album/{weddings}");
    let inside = LightroomAccounts.browse(&config, token_of(), &album).await.unwrap();
    let names: Vec<(&str, bool)> = inside.iter().map(|e| (e.name.as_str(), e.folder)).collect();
    assert_eq!(names, [("First dance.jpg", false)]);
}

fn token_of() -> Arc<dyn AccessToken> {
    Tokens::fixed("token")
}

/// The fake IMS's token endpoint, which the relay's end-to-end tests can stand on: the secret
/// required, PKCE checked, a code taken once, refreshes for 14 days, then `invalid_grant`.
#[tokio::test]
async fn the_fake_ims_wants_the_secret_checks_pkce_and_ends_refreshes_after_14_days() {
    use base64::Engine;
    use sha2::Digest;
    let fake = FakeLightroom::start(KEY, "token").await;
    let (id, secret) = fake.client();
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build();
    let http = http.unwrap();
    let verifier = "a-verifier-of-enough-length-for-pkce-0123456789";
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    let redirect = "https://relay.example/callback/lightroom";
    let authorize = format!(
        "{}/ims/authorize/v2?client_id={id}&scope=openid,AdobeID,lr_partner_apis\
         &response_type=code&code_challenge={challenge}&code_challenge_method=S256\
         &state=53682.xyz&redirect_uri={redirect}",
        fake.url
    );
    let r = http.get(authorize).send().await.unwrap();
    assert_eq!(r.status(), 302);
    let location = url::Url::parse(r.headers()["Location"].to_str().unwrap()).unwrap();
    let query: HashMap<String, String> = location.query_pairs().into_owned().collect();
    assert_eq!(query["state"], "53682.xyz");
    let code = query["code"].clone();
    let token = |form: String| http.post(format!("{}/ims/token/v3", fake.url)).body(form).send();
    let with = |rest: &str, secret: &str| format!("client_id={id}&client_secret={secret}&{rest}");
    let exchange = |v: &str| format!("grant_type=authorization_code&code={code}&code_verifier={v}");
    let no_secret = token(format!("client_id={id}&{}", exchange(verifier))).await.unwrap();
    assert_eq!(no_secret.status(), 401, "no secret");
    let wrong = token(with(&exchange("another-verifier-of-enough-length-000000"), &secret));
    assert_eq!(wrong.await.unwrap().status(), 400, "PKCE checked");
    // The code was spent on the wrong verifier: a new sign-in.
    let r = http
        .get(format!(
            "{}/ims/authorize/v2?client_id={id}&scope=lr_partner_apis&response_type=code\
             &code_challenge={challenge}&code_challenge_method=S256&state=s&redirect_uri={redirect}",
            fake.url
        ))
        .send()
        .await
        .unwrap();
    let location = url::Url::parse(r.headers()["Location"].to_str().unwrap()).unwrap();
    let code = location.query_pairs().find(|(k, _)| k == "code").unwrap().1.into_owned();
    let form = with(
        &format!("grant_type=authorization_code&code={code}&code_verifier={verifier}"),
        &secret,
    );
    let first = token(form.clone()).await.unwrap();
    assert_eq!(first.status(), 200);
    let first: serde_json::Value = first.json().await.unwrap();
    assert_eq!(first["expires_in"], 86399);
    assert_eq!(token(form).await.unwrap().status(), 400, "a code works once");
    let refresh_token = first["refresh_token"].as_str().unwrap().to_string();
    let refresh = with(&format!("grant_type=refresh_token&refresh_token={refresh_token}"), &secret);
    fake.pass(13 * DAY);
    let second = token(refresh.clone()).await.unwrap();
    assert_eq!(second.status(), 200, "13 days on");
    let second: serde_json::Value = second.json().await.unwrap();
    assert_ne!(second["access_token"], first["access_token"]);
    fake.pass(DAY);
    let expired = token(refresh).await.unwrap();
    assert_eq!(expired.status(), 400);
    let expired: serde_json::Value = expired.json().await.unwrap();
    assert_eq!(expired["error"], "invalid_grant", "14 days on: {expired}");
}

/// In real use the API key is the relay's: its `/services` names the credential's client id.
#[tokio::test]
async fn without_a_client_id_the_api_key_is_asked_of_the_relay() {
    let fake = FakeLightroom::start(KEY, "token").await;
    fake.add_album("Weddings", None);
    let services = serde_json::json!({"services": {"lightroom": {
        "client_id": KEY,
        "authorize_url": format!("{}/ims/authorize/v2", fake.url),
        "redirect_uri": "https://relay.example/callback/lightroom",
        "scopes": ["openid", "AdobeID", "lr_partner_apis"]
    }}});
    let relay = axum::Router::new()
        .route("/services", axum::routing::get(move || async move { axum::Json(services) }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let relay_url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, relay).await.unwrap() });
    let mut given = std::collections::BTreeMap::new();
    given.insert("api_url".to_string(), fake.url.clone());
    given.insert("relay_url".to_string(), relay_url);
    let config = connector::connector().config(&given).unwrap();
    let token: Arc<dyn AccessToken> = Tokens::fixed("token");
    let albums = LightroomAccounts.browse(&config, token, "").await.unwrap();
    assert_eq!(albums.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), ["Weddings"]);
}
