//! The Shopify destination against the fake store, for what the shared conformance suite does
//! not cover: the cost bucket and THROTTLED answers, the client-credentials grant and its
//! renewal, a failed update that leaves the old file served, the rules of `fileUpdate`, the
//! checks made before a store is saved, and finding Folio's own file after a lost answer among
//! files named alike.

use folio_sites::shopify::fake::{FakeShopify, FakeStoreConfig, Fault};
use folio_sites::shopify::{Credentials, Shopify, ShopifyConfig};
use folio_sites::{
    DeleteMode, Destination, ErrorClass, MediaFields, PacerConfig, Processing, Pushed, RemoteMedia,
    SiteErrorCode, Upload,
};
use std::time::Duration;

fn webp(shade: u8) -> Vec<u8> {
    let img =
        image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([shade, x as u8 * 3, y as u8 * 5]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::WebP).unwrap();
    out.into_inner()
}

fn png(shade: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([shade, x as u8, y as u8]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn connect(store: &FakeShopify, credentials: Credentials) -> Shopify {
    let config = ShopifyConfig {
        pacer: PacerConfig {
            attempts: 8,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(200),
            ..PacerConfig::default()
        },
        timeout: Duration::from_secs(2),
        page_size: 50,
        admin_url: Some(store.url.clone()),
    };
    Shopify::with_config("folio-test.myshopify.com", credentials, config).unwrap()
}

fn token(store: &FakeShopify) -> Credentials {
    Credentials::Token(store.state.lock().unwrap().config.admin_token.clone())
}

async fn ready(s: &Shopify, pushed: Pushed) -> Result<RemoteMedia, folio_sites::SiteError> {
    let id = match pushed {
        Pushed::Ready(m) => return Ok(m),
        Pushed::Processing(id) => id,
    };
    loop {
        match s.poll(&id).await? {
            Processing::Ready(m) => return Ok(m),
            Processing::Failed(e) => return Err(e),
            Processing::Pending => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
}

async fn upload(s: &Shopify, name: &str, bytes: &[u8], mime: &str) -> RemoteMedia {
    let key = s.duplicate_key(&format!("folio-test-{name}"), name);
    let fields = MediaFields { alt_text: Some(format!("alt of {name}")), ..Default::default() };
    let up = Upload { bytes, filename: name, mime, key: &key, fields: &fields, source: None };
    let pushed = s.upload(up).await.unwrap();
    ready(s, pushed).await.unwrap()
}

async fn served(url: &str) -> Vec<u8> {
    reqwest::get(url).await.unwrap().bytes().await.unwrap().to_vec()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_small_bucket_slows_folio_down_instead_of_failing_it() {
    let config = FakeStoreConfig { bucket_max: 40.0, restore_rate: 40.0, ..Default::default() };
    let store = FakeShopify::start(config).await;
    let s = std::sync::Arc::new(connect(&store, token(&store)));
    let started = std::time::Instant::now();
    let mut tasks = Vec::new();
    for i in 0..10u8 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            upload(&s, &format!("bucket-{i}.webp"), &webp(i * 20), "image/webp").await
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let files = store.files();
    assert_eq!(files.iter().filter(|f| f.status == "READY").count(), 10);
    // Each photo costs about 24 points (two mutations, a few reads): ~240 points at 40 a
    // second, with 40 in the bucket to start.
    let took = started.elapsed();
    assert!(took >= Duration::from_secs(4), "the bucket was not respected: {took:?}");
    let (throttled_by_store, seen) = (store.throttled(), s.throttled());
    eprintln!("10 uploads through a 40-point bucket: {took:?}, {throttled_by_store} THROTTLED");
    assert_eq!(throttled_by_store, seen, "every THROTTLED answer was seen and retried");
    assert!(throttled_by_store <= 4, "pacing should keep throttles rare: {throttled_by_store}");
    assert_eq!(
        store.state.lock().unwrap().token_sent_to_storage,
        0,
        "the token stays with Shopify"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn client_credentials_are_granted_and_renewed_when_shopify_expires_them() {
    let store = FakeShopify::start(FakeStoreConfig::default()).await;
    let (id, secret) = {
        let st = store.state.lock().unwrap();
        (st.config.client_id.clone(), st.config.client_secret.clone())
    };
    let s = connect(&store, Credentials::ClientCredentials { client_id: id.clone(), secret });
    assert_eq!(s.probe().await.unwrap().account, "Folio Test Prints");
    s.check().await.unwrap();
    assert_eq!(store.state.lock().unwrap().grants, 1, "one grant serves many requests");
    store.expire_grants();
    s.check().await.unwrap();
    assert_eq!(store.state.lock().unwrap().grants, 2, "an expired token is replaced at once");

    let wrong = Credentials::ClientCredentials { client_id: id, secret: "nope".into() };
    let e = connect(&store, wrong).probe().await.unwrap_err();
    assert_eq!(e.code, SiteErrorCode::NeedsReconnect, "{e}");
    assert!(!e.message.contains("nope"), "no secret in messages: {e}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_token_or_missing_scopes_are_refused_before_anything_is_saved() {
    let store = FakeShopify::start(FakeStoreConfig::default()).await;
    let e = connect(&store, Credentials::Token("shpat_wrong".into())).probe().await.unwrap_err();
    assert_eq!(e.code, SiteErrorCode::NeedsReconnect);
    assert!(e.message.contains("refused the access token"), "{e}");
    assert!(!e.message.contains("shpat_wrong"), "{e}");

    let read_only = FakeStoreConfig { scopes: vec!["read_files".into()], ..Default::default() };
    let store = FakeShopify::start(read_only).await;
    let e = connect(&store, token(&store)).probe().await.unwrap_err();
    assert_eq!(e.code, SiteErrorCode::Forbidden);
    assert!(e.message.contains("write_files"), "{e}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_update_is_acknowledged_and_the_old_file_stays_served() {
    let store = FakeShopify::start(FakeStoreConfig::default()).await;
    let s = connect(&store, token(&store));
    let first = webp(10);
    let media = upload(&s, "regrade.webp", &first, "image/webp").await;
    assert_eq!(served(&media.url).await, first);

    store.fail_processing(1);
    let fields = MediaFields::default();
    let up = Upload {
        bytes: &webp(200),
        filename: "regrade.webp",
        mime: "image/webp",
        key: &media.key,
        fields: &fields,
        source: None,
    };
    let pushed = s.replace(&media.id, up).await.unwrap();
    let e = ready(&s, pushed).await.unwrap_err();
    assert!(e.message.contains("Image processing failed"), "Shopify's own words: {e}");
    assert!(e.message.contains("still serves the previous one"), "{e}");
    assert_eq!(served(&media.url).await, first, "the old version is still served");
    let file = store.files().into_iter().find(|f| f.filename == media.key).unwrap();
    assert_eq!(file.status, "READY", "acknowledged: the file can be updated again");

    // It can be replaced again afterwards, in place.
    let second = webp(120);
    let up = Upload {
        bytes: &second,
        filename: "regrade.webp",
        mime: "image/webp",
        key: &media.key,
        fields: &fields,
        source: None,
    };
    let again = ready(&s, s.replace(&media.id, up).await.unwrap()).await.unwrap();
    assert_eq!(again.id, media.id);
    assert_eq!(served(&again.url).await, second);
    assert_ne!(again.url, media.url, "only the ?v= changes");
    assert_eq!(again.url.split('?').next(), media.url.split('?').next());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_file_that_fails_processing_is_reported_and_not_left_behind() {
    let store = FakeShopify::start(FakeStoreConfig::default()).await;
    let s = connect(&store, token(&store));
    store.fail_processing(1);
    let key = s.duplicate_key("folio-test-broken", "broken.webp");
    let fields = MediaFields::default();
    let up = Upload {
        bytes: &webp(1),
        filename: "broken.webp",
        mime: "image/webp",
        key: &key,
        fields: &fields,
        source: None,
    };
    let e = ready(&s, s.upload(up).await.unwrap()).await.unwrap_err();
    assert!(e.message.contains("could not process the file: Image processing failed"), "{e}");
    assert!(store.files().is_empty(), "the failed file was removed: {:?}", store.files());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_changes_in_place_only_when_ready_and_of_the_same_type() {
    let store =
        FakeShopify::start(FakeStoreConfig { processing_reads: 50, ..Default::default() }).await;
    let s = connect(&store, token(&store));
    let key = s.duplicate_key("folio-test-slow", "slow.webp");
    let fields = MediaFields::default();
    let up = Upload {
        bytes: &webp(5),
        filename: "slow.webp",
        mime: "image/webp",
        key: &key,
        fields: &fields,
        source: None,
    };
    let Pushed::Processing(id) = s.upload(up).await.unwrap() else { panic!("processed later") };
    let still = Upload {
        bytes: &webp(6),
        filename: "slow.webp",
        mime: "image/webp",
        key: &key,
        fields: &fields,
        source: None,
    };
    let e = s.replace(&id, still).await.unwrap_err();
    assert_eq!(e.code, SiteErrorCode::Conflict, "not ready yet: {e}");

    let store2 = FakeShopify::start(FakeStoreConfig::default()).await;
    let s2 = connect(&store2, token(&store2));
    let media = upload(&s2, "typed.webp", &webp(9), "image/webp").await;
    let as_png = Upload {
        bytes: &png(9),
        filename: "typed.png",
        mime: "image/png",
        key: &media.key,
        fields: &fields,
        source: None,
    };
    let e = s2.replace(&media.id, as_png).await.unwrap_err();
    assert_eq!(e.code, SiteErrorCode::Conflict, "another type: {e}");
    assert!(e.message.contains("keeps a file's type"), "{e}");
    assert_eq!(store2.files()[0].updates, 0, "nothing was sent");
    // Deleting: no trash on Shopify, for good only when asked.
    let e = s2.delete(&media.id, DeleteMode::Trash).await.unwrap_err();
    assert_eq!(e.code, SiteErrorCode::NoTrash);
    s2.delete(&media.id, DeleteMode::Permanently).await.unwrap();
    assert!(store2.files().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn after_a_lost_answer_only_a_file_proven_to_be_folios_is_taken() {
    let store = FakeShopify::start(FakeStoreConfig::default()).await;
    let folio = std::sync::Arc::new(connect(&store, token(&store)));
    let other_app = connect(&store, token(&store));
    let key = folio.duplicate_key("folio-test-harbour", "harbour-at-dusk.webp");
    let fields = MediaFields { alt_text: Some("Harbour at dusk".into()), ..Default::default() };
    let bytes = webp(30);
    // A busy day at Shopify: nothing finishes processing for a while.
    store.stall_processing(true);
    store.inject(Fault::LoseResponse, 1);
    let lost = {
        let (folio, key, fields, bytes) =
            (folio.clone(), key.clone(), fields.clone(), bytes.clone());
        tokio::spawn(async move {
            let up = Upload {
                bytes: &bytes,
                filename: "harbour-at-dusk.webp",
                mime: "image/webp",
                key: &key,
                fields: &fields,
                source: None,
            };
            folio.upload(up).await
        })
    };
    // Folio's file is made and the answer is lost; meanwhile another app of the merchant's
    // uploads a photo named alike, which Shopify's loose search returns first (newest).
    while !store.files().iter().any(|f| f.filename == key) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let theirs_fields =
        MediaFields { alt_text: Some("From another app".into()), ..Default::default() };
    let theirs = Upload {
        bytes: &webp(90),
        filename: "harbour-at-dusk.webp",
        mime: "image/webp",
        key: "harbour-at-dusk.webp",
        fields: &theirs_fields,
        source: None,
    };
    let Pushed::Processing(theirs) = other_app.upload(theirs).await.unwrap() else {
        panic!("stalled: still processing")
    };
    let e = lost.await.unwrap().unwrap_err();
    assert_eq!(e.class(), ErrorClass::Retry, "looked up again later, not guessed: {e}");
    assert!(e.message.contains("still processing"), "{e}");
    assert_eq!(store.files().len(), 2, "nothing was uploaded twice");

    // Shopify catches up; the photo's next try finds Folio's own file by its exact name.
    store.stall_processing(false);
    let up = Upload {
        bytes: &bytes,
        filename: "harbour-at-dusk.webp",
        mime: "image/webp",
        key: &key,
        fields: &fields,
        source: None,
    };
    let media = ready(&folio, folio.upload(up).await.unwrap()).await.unwrap();
    let files = store.files();
    assert_eq!(files.len(), 2, "found, not uploaded again: {files:?}");
    let ours = files.iter().find(|f| f.filename == key).unwrap();
    assert_eq!(media.id.as_str(), format!("gid://shopify/MediaImage/{}", ours.id));
    assert_ne!(media.id, theirs);
    assert_eq!(media.key, key);
    let other = files.iter().find(|f| f.filename == "harbour-at-dusk.webp").unwrap();
    assert_eq!((other.alt.as_str(), other.updates), ("From another app", 0), "left alone");
}

/// Alt text is written in the shop's primary language where the app may read it
/// (`read_locales`); without that scope Folio is told nothing and falls back quietly.
#[tokio::test(flavor = "multi_thread")]
async fn the_shops_primary_language_is_read_only_with_the_read_locales_scope() {
    let scopes = ["read_files", "write_files", "read_locales"].map(String::from).to_vec();
    let config = FakeStoreConfig { scopes, primary_locale: "de".into(), ..Default::default() };
    let store = FakeShopify::start(config).await;
    let s = connect(&store, token(&store));
    assert_eq!(s.language().await.as_deref(), Some("de"));

    let without = FakeShopify::start(FakeStoreConfig::default()).await;
    let s = connect(&without, token(&without));
    assert_eq!(s.language().await, None);
}
