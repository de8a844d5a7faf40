//! The HubSpot destination against the fake account: the shared conformance suite with the
//! declared facts (replace keeps the id and the URL), and what it does not cover: the replace
//! endpoint keeps id and URL and serves the new bytes, the ten-secondly limit waited out, the
//! daily limit pausing the site, a lost upload answer found and not duplicated, a revoked
//! token, a token without the files scope, and no token in any error.

use folio_sites::conformance::{self, Fault, Harness};
use folio_sites::hubspot::fake::{FakeHubSpot, FakeHubSpotConfig};
use folio_sites::hubspot::{HubSpot, HubSpotConfig, API_VERSION};
use folio_sites::{
    Destination, ErrorClass, MediaFields, PacerConfig, Pushed, RemoteMedia, SiteErrorCode, Upload,
};
use std::sync::Arc;
use std::time::{Duration, Instant};

const ATTEMPTS: u32 = 4;

fn config(fake: &FakeHubSpot) -> HubSpotConfig {
    HubSpotConfig {
        api_url: fake.api_url.clone(),
        pacer: PacerConfig {
            concurrency: 4,
            attempts: ATTEMPTS,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(200),
            longest_wait: Some(Duration::from_secs(30)),
        },
        timeout: Duration::from_secs(2),
        page_size: 3,
        ..HubSpotConfig::default()
    }
}

fn connect(fake: &FakeHubSpot) -> HubSpot {
    HubSpot::new(config(fake), &fake.token()).unwrap()
}

const SOURCE: &str = r#"{"v":1,"album":"Harbour","path":"a.jpg","content":"c","preset":"p"}"#;

async fn push(h: &HubSpot, name: &str, bytes: &[u8]) -> RemoteMedia {
    let key = h.duplicate_key(&format!("folio-test-{name}"), name);
    let fields = MediaFields { alt_text: Some(format!("alt of {name}")), ..Default::default() };
    let up = Upload {
        bytes,
        filename: name,
        mime: "image/webp",
        key: &key,
        fields: &fields,
        source: Some(SOURCE),
    };
    match h.upload(up).await.unwrap() {
        Pushed::Ready(m) => m,
        other => panic!("HubSpot answers with the file: {other:?}"),
    }
}

struct HubSpotHarness {
    fake: FakeHubSpot,
    hubspot: HubSpot,
}

#[async_trait::async_trait]
impl Harness for HubSpotHarness {
    fn name(&self) -> &str {
        "hubspot (fake account)"
    }
    fn destination(&self) -> &dyn Destination {
        &self.hubspot
    }
    fn inject(&self, fault: Fault, times: u32) {
        self.fake.inject(fault, times);
    }
    fn attempts(&self) -> u32 {
        ATTEMPTS
    }
    async fn served(&self, url: &str) -> Option<Vec<u8>> {
        Some(reqwest::get(url).await.ok()?.bytes().await.ok()?.to_vec())
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn conformance_hubspot_fake_account() {
    let fake = FakeHubSpot::start(FakeHubSpotConfig::default()).await;
    let hubspot = connect(&fake);
    let caps = hubspot.probe().await.unwrap().with_replace_facts();
    assert!(caps.replace_keeps_id && caps.replace_keeps_url && caps.replace_in_place);
    conformance::run(&HubSpotHarness { fake, hubspot }).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn uploads_go_to_the_albums_folder_on_the_dated_path_public_not_indexable() {
    let fake = FakeHubSpot::start(FakeHubSpotConfig::default()).await;
    let h = connect(&fake);
    let m = push(&h, "dusk.webp", b"RIFF-dusk").await;
    let files = fake.files();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].folder, "/Folio/Harbour");
    assert_eq!(files[0].access, "PUBLIC_NOT_INDEXABLE");
    assert_eq!(format!("{}.{}", files[0].name, files[0].extension), m.key);
    let served = reqwest::get(&m.url).await.unwrap();
    assert_eq!(served.headers()["X-Robots-Tag"], "noindex");
    assert_eq!(served.bytes().await.unwrap().as_ref(), b"RIFF-dusk");
    let requests = fake.requests();
    let prefix = format!("/files/{API_VERSION}/files");
    assert!(
        requests.iter().all(|r| r.split(' ').nth(1).unwrap().starts_with(&prefix)),
        "{requests:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replace_keeps_the_id_and_the_url_and_serves_the_new_bytes() {
    let fake = FakeHubSpot::start(FakeHubSpotConfig::default()).await;
    let h = connect(&fake);
    let first = push(&h, "pier.webp", b"RIFF-old").await;
    let fields = MediaFields::default();
    let up = Upload {
        bytes: b"RIFF-new",
        filename: "pier.webp",
        mime: "image/webp",
        key: &first.key,
        fields: &fields,
        source: Some(SOURCE),
    };
    let replaced = h.replace(&first.id, up).await.unwrap().ready().unwrap();
    assert_eq!((&replaced.id, &replaced.url), (&first.id, &first.url));
    let files = fake.files();
    assert_eq!(files.len(), 1, "replaced in place, not uploaded again");
    assert_eq!((files[0].replaced, files[0].bytes.as_slice()), (1, b"RIFF-new".as_slice()));
    assert!(files[0].updated > files[0].created, "updatedAt moves on");
    assert_eq!(fake.served(&first.url).unwrap(), b"RIFF-new");
    assert_eq!(fake.state.lock().unwrap().uploads, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_ten_secondly_limit_is_waited_out_and_nothing_fails() {
    let fake = FakeHubSpot::start(FakeHubSpotConfig {
        per_interval: 5,
        interval: Duration::from_millis(1000),
        ..Default::default()
    })
    .await;
    let h = Arc::new(connect(&fake));
    // Another integration of the account has spent this window: the first request is a 429.
    fake.spend_window(5);
    let started = Instant::now();
    let uploads = (0..12).map(|i| {
        let h = h.clone();
        tokio::spawn(async move { push(&h, &format!("shot-{i}.webp"), b"RIFF").await })
    });
    for u in uploads {
        u.await.unwrap();
    }
    assert_eq!(fake.files().len(), 12);
    assert!(fake.ten_secondly_429s() >= 1, "the spent window answered 429 at least once");
    assert!(started.elapsed() >= Duration::from_secs(2), "12 requests at 5 a second take time");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_daily_limit_pauses_the_site_until_the_reset() {
    let fake = FakeHubSpot::start(FakeHubSpotConfig::default()).await;
    let h = connect(&fake);
    push(&h, "morning.webp", b"RIFF").await;
    fake.exhaust_daily();
    let started = Instant::now();
    let key = h.duplicate_key("folio-test-noon", "noon.webp");
    let e = h.find(&key).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5), "handed back, not waited out");
    assert_eq!((e.code, e.class()), (SiteErrorCode::RateLimited, ErrorClass::Retry), "{e}");
    let wait = e.retry_after.unwrap();
    assert!(wait > Duration::from_secs(30) && wait <= Duration::from_secs(960), "{wait:?}");
    assert!(e.message.contains("daily"), "{}", e.message);
    // Until the reset, nothing goes to HubSpot: every request is the same wait.
    fake.reset_daily();
    let sent = fake.requests().len();
    let again = h.check().await.unwrap_err();
    assert_eq!(again.code, SiteErrorCode::RateLimited);
    assert!(again.retry_after.unwrap() <= wait);
    assert_eq!(fake.requests().len(), sent, "a paused site sends nothing");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_upload_answer_is_found_not_duplicated() {
    let fake = FakeHubSpot::start(FakeHubSpotConfig::default()).await;
    let h = connect(&fake);
    fake.drop_next_upload_answer();
    let m = push(&h, "lost.webp", b"RIFF-lost").await;
    let files = fake.files();
    assert_eq!(files.len(), 1, "one file: {files:?}");
    assert_eq!(m.id.as_str(), files[0].id);
    assert_eq!(fake.state.lock().unwrap().uploads, 1);
    assert_eq!(h.find(&m.key).await.unwrap().map(|f| f.id), Some(m.id));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_token_asks_for_a_reconnect_and_is_never_shown() {
    let fake = FakeHubSpot::start(FakeHubSpotConfig::default()).await;
    let h = connect(&fake);
    let m = push(&h, "gone.webp", b"RIFF").await;
    fake.revoke();
    let token = fake.token();
    let errors = [
        h.check().await.unwrap_err(),
        h.find(&m.key).await.unwrap_err(),
        h.update_fields(&m.id, &MediaFields::default()).await.unwrap_err(),
        h.list(None).await.unwrap_err(),
    ];
    for e in errors {
        assert_eq!((e.code, e.class()), (SiteErrorCode::NeedsReconnect, ErrorClass::Fatal));
        assert!(e.message.contains("correlation id"), "{}", e.message);
        assert!(!e.message.contains(&token) && !format!("{e:?}").contains("pat-na1"), "{e:?}");
    }
    let wrong = HubSpot::new(config(&fake), "pat-na1-wrong-token").unwrap();
    let e = wrong.probe().await.unwrap_err();
    assert_eq!(e.code, SiteErrorCode::NeedsReconnect);
    assert!(!format!("{e:?}").contains("pat-na1-wrong-token"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_without_the_files_scope_says_which_scope() {
    let fake = FakeHubSpot::start(FakeHubSpotConfig {
        scopes: vec!["crm.objects.contacts.read".into()],
        ..Default::default()
    })
    .await;
    let e = connect(&fake).probe().await.unwrap_err();
    assert_eq!(e.code, SiteErrorCode::NeedsReconnect);
    assert!(e.message.contains("files scope"), "{}", e.message);
    assert!(!e.message.contains(&fake.token()));
}

#[tokio::test(flavor = "multi_thread")]
async fn listing_pages_with_after_over_folios_files_only() {
    let fake = FakeHubSpot::start(FakeHubSpotConfig::default()).await;
    let h = connect(&fake);
    let mut made = Vec::new();
    for i in 0..7 {
        made.push(push(&h, &format!("p{i}.webp"), b"RIFF").await.id);
    }
    let (mut seen, mut cursor, mut pages) = (Vec::new(), None::<String>, 0);
    loop {
        let page = h.list(cursor.as_deref()).await.unwrap();
        pages += 1;
        seen.extend(page.items.into_iter().map(|m| m.id));
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(pages, 3, "7 files, 3 a page");
    made.reverse();
    assert_eq!(seen, made, "newest first, each once");
    assert!(fake.requests().iter().any(|r| r.contains("after=3")));
}
