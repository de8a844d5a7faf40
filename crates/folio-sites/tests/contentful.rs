//! The Contentful destination against the fake space: the shared conformance suite, and what
//! it does not cover: files processed later, a 409 on publish right after processing (the
//! version processing bumps), a 422 while a file is unprocessed, the per-second limit (100
//! photos against a 7/s space and no 429), a lost answer found and not duplicated, a revoked
//! token, the space's default locale, a new file for the same asset, and archive or delete.

use folio_sites::conformance::{self, Fault, Harness};
use folio_sites::contentful::fake::{FakeContentful, FakeSpaceConfig};
use folio_sites::contentful::{Contentful, ContentfulConfig};
use folio_sites::{
    DeleteMode, Destination, ErrorClass, MediaFields, PacerConfig, Processing, Pushed, RemoteMedia,
    SiteErrorCode, Upload,
};
use std::sync::Arc;
use std::time::Duration;

const ATTEMPTS: u32 = 4;

fn config(space: &FakeContentful) -> ContentfulConfig {
    let st = space.state.lock().unwrap();
    ContentfulConfig {
        api_url: space.api_url.clone(),
        upload_url: space.upload_url.clone(),
        pacer: PacerConfig {
            concurrency: 4,
            attempts: ATTEMPTS,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(200),
            ..PacerConfig::default()
        },
        timeout: Duration::from_secs(2),
        page_size: 3,
        ..ContentfulConfig::new(&st.config.space)
    }
}

fn connect(space: &FakeContentful) -> Contentful {
    Contentful::new(config(space), &space.token()).unwrap()
}

fn webp(shade: u8) -> Vec<u8> {
    let img =
        image::RgbImage::from_fn(32, 24, |x, y| image::Rgb([shade, x as u8 * 7, y as u8 * 9]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::WebP).unwrap();
    out.into_inner()
}

async fn ready(c: &Contentful, pushed: Pushed) -> RemoteMedia {
    let id = match pushed {
        Pushed::Ready(m) => return m,
        Pushed::Processing(id) => id,
    };
    for _ in 0..200 {
        match c.poll(&id).await.unwrap() {
            Processing::Ready(m) => return m,
            Processing::Failed(e) => panic!("{e}"),
            Processing::Pending => tokio::time::sleep(Duration::from_millis(5)).await,
        }
    }
    panic!("{id} never became ready")
}

async fn push(c: &Contentful, name: &str, bytes: &[u8]) -> Pushed {
    let key = c.duplicate_key(&format!("folio-test-{name}"), name);
    let fields = MediaFields {
        title: Some(format!("Title of {name}")),
        alt_text: Some(format!("alt of {name}")),
        ..Default::default()
    };
    let up = Upload {
        bytes,
        filename: name,
        mime: "image/webp",
        key: &key,
        fields: &fields,
        source: None,
    };
    c.upload(up).await.unwrap()
}

struct ContentfulHarness {
    space: FakeContentful,
    contentful: Contentful,
}

#[async_trait::async_trait]
impl Harness for ContentfulHarness {
    fn name(&self) -> &str {
        "contentful (fake space)"
    }
    fn destination(&self) -> &dyn Destination {
        &self.contentful
    }
    fn inject(&self, fault: Fault, times: u32) {
        self.space.inject(fault, times);
    }
    fn attempts(&self) -> u32 {
        ATTEMPTS
    }
    async fn served(&self, url: &str) -> Option<Vec<u8>> {
        Some(reqwest::get(url).await.ok()?.bytes().await.ok()?.to_vec())
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn conformance_contentful_fake_space() {
    let space = FakeContentful::start(FakeSpaceConfig::default()).await;
    let contentful = connect(&space);
    conformance::run(&ContentfulHarness { space, contentful }).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_is_published_only_once_processing_gave_it_a_url() {
    let space =
        FakeContentful::start(FakeSpaceConfig { processing_reads: 4, ..Default::default() }).await;
    let c = connect(&space);
    space.stall_processing(true);
    let pushed = push(&c, "slow.webp", &webp(10)).await;
    let Pushed::Processing(id) = pushed else { panic!("Contentful processes later: {pushed:?}") };
    for _ in 0..10 {
        assert!(matches!(c.poll(&id).await.unwrap(), Processing::Pending));
    }
    let asset = &space.assets()[0];
    assert_eq!((asset.url("en-US"), asset.published_version), (None, None));
    space.stall_processing(false);
    let mut pending = 0;
    let media = loop {
        match c.poll(&id).await.unwrap() {
            Processing::Ready(m) => break m,
            Processing::Pending => pending += 1,
            Processing::Failed(e) => panic!("{e}"),
        }
    };
    assert_eq!(pending, 4, "each read moves processing along");
    let asset = &space.assets()[0];
    // Created (1), processed (2), published as version 2 (3).
    assert_eq!((asset.version, asset.published_version), (3, Some(2)));
    assert_eq!(media.id.as_str(), asset.id);
    assert_eq!(
        (media.title.as_str(), media.alt_text.as_str()),
        ("Title of slow.webp", "alt of slow.webp")
    );
    assert_eq!(space.served(&media.url).unwrap(), webp(10));
    let uploads: Vec<String> =
        space.requests().into_iter().filter(|r| r.ends_with("/uploads")).collect();
    assert_eq!(uploads.len(), 1, "{uploads:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_409_on_publish_after_processing_reads_the_asset_again_and_publishes() {
    let space = FakeContentful::start(FakeSpaceConfig::default()).await;
    let c = connect(&space);
    space.late_version_bumps(1);
    let pushed = push(&c, "bumped.webp", &webp(20)).await;
    let media = ready(&c, pushed).await;
    let asset = &space.assets()[0];
    assert_eq!(asset.published_version.map(|p| p + 1), Some(asset.version), "published as is");
    assert_eq!(media.id.as_str(), asset.id);
    let publishes = space.requests().iter().filter(|r| r.ends_with("/published")).count();
    assert_eq!(publishes, 2, "one refused with 409, one after reading the asset again");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_422_while_a_file_is_unprocessed_waits_then_publishes() {
    let space =
        FakeContentful::start(FakeSpaceConfig { processing_reads: 0, ..Default::default() }).await;
    let c = connect(&space);
    let pushed = push(&c, "shared.webp", &webp(30)).await;
    let Pushed::Processing(id) = pushed else { panic!("{pushed:?}") };
    // Meanwhile an editor gives the asset a German file, processed after 3 reads.
    space.editor_adds_file(id.as_str(), "de-DE", &webp(99), 3);
    let mut waits = 0;
    let media = loop {
        match c.poll(&id).await.unwrap() {
            Processing::Ready(m) => break m,
            Processing::Pending => waits += 1,
            Processing::Failed(e) => panic!("a 422 for unprocessed files is a wait: {e}"),
        }
        assert!(waits < 20, "never published");
    };
    assert!(waits >= 1, "the first publish was refused while de-DE was processing");
    assert_eq!(space.served(&media.url).unwrap(), webp(30));
    assert!(space.assets()[0].published_version.is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hundred_photos_against_seven_requests_a_second_get_no_429() {
    let space =
        FakeContentful::start(FakeSpaceConfig { processing_reads: 0, ..Default::default() }).await;
    let c = Arc::new(
        Contentful::new(
            ContentfulConfig { pacer: PacerConfig::default(), ..config(&space) },
            &space.token(),
        )
        .unwrap(),
    );
    let started = std::time::Instant::now();
    // As the engine runs them: photos_in_flight at once.
    let queue = Arc::new(tokio::sync::Mutex::new((0..100u8).collect::<Vec<_>>()));
    let mut workers = Vec::new();
    for _ in 0..c.photos_in_flight() {
        let (c, queue) = (c.clone(), queue.clone());
        workers.push(tokio::spawn(async move {
            while let Some(i) = queue.lock().await.pop() {
                let pushed = push(&c, &format!("p{i:03}.webp"), &webp(i)).await;
                ready(&c, pushed).await;
            }
        }));
    }
    for w in workers {
        w.await.unwrap();
    }
    let took = started.elapsed();
    let requests = space.requests().len();
    eprintln!("100 photos, {requests} requests at 7/s: {took:?}, {} 429s", space.rate_limited());
    assert_eq!(space.rate_limited(), 0, "the pacing kept under the limit");
    assert_eq!(c.rate_limited(), 0);
    let assets = space.assets();
    assert_eq!(assets.len(), 100);
    assert!(assets.iter().all(|a| a.published_version.is_some()));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_answer_finds_the_asset_and_makes_no_second() {
    let space = FakeContentful::start(FakeSpaceConfig::default()).await;
    let c = connect(&space);
    space.inject(Fault::LoseResponse, 1);
    let pushed = push(&c, "lost.webp", &webp(40)).await;
    let media = ready(&c, pushed).await;
    let assets = space.assets();
    assert_eq!(assets.len(), 1);
    assert_eq!(space.state.lock().unwrap().asset_creates, 1, "made once");
    assert_eq!(assets[0].processed, 1, "its file processed once");
    assert_eq!(c.find(&media.key).await.unwrap().map(|m| m.id), Some(media.id));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_token_asks_for_a_reconnect_and_is_never_shown() {
    let space = FakeContentful::start(FakeSpaceConfig::default()).await;
    let c = connect(&space);
    c.probe().await.unwrap();
    space.revoke();
    for e in [
        c.check().await.unwrap_err(),
        c.find("any-id").await.unwrap_err(),
        c.upload(Upload {
            bytes: &webp(1),
            filename: "x.webp",
            mime: "image/webp",
            key: "x-1",
            fields: &MediaFields::default(),
            source: None,
        })
        .await
        .unwrap_err(),
    ] {
        assert_eq!((e.code, e.class()), (SiteErrorCode::NeedsReconnect, ErrorClass::Fatal), "{e}");
        assert!(!e.message.contains(&space.token()) && !format!("{e:?}").contains("CFPAT"));
    }
    let wrong = Contentful::new(config(&space), "CFPAT-wrong").unwrap();
    assert_eq!(wrong.probe().await.unwrap_err().code, SiteErrorCode::NeedsReconnect);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_spaces_default_locale_is_used_unless_the_account_names_one() {
    let space = FakeContentful::start(FakeSpaceConfig::default()).await;
    let c = connect(&space);
    let caps = c.probe().await.unwrap();
    assert!(
        caps.account.contains("Folio Test Space") && caps.account.contains("en-US"),
        "{caps:?}"
    );
    assert!(!caps.replace_in_place);
    assert!(caps.notes.iter().any(|n| n == "re-edits keep their asset; the file's URL changes"));
    assert!(
        caps.accepts(folio_sites::ImageFormat::Avif)
            && caps.accepts(folio_sites::ImageFormat::Webp)
    );
    let german = Contentful::new(
        ContentfulConfig { locale: Some("de-DE".into()), ..config(&space) },
        &space.token(),
    )
    .unwrap();
    let pushed = push(&german, "deutsch.webp", &webp(50)).await;
    let media = ready(&german, pushed).await;
    let asset = &space.assets()[0];
    assert_eq!(asset.text("title", "de-DE"), Some("Title of deutsch.webp"));
    assert_eq!(asset.text("title", "en-US"), None);
    assert_eq!(media.alt_text, "alt of deutsch.webp");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_file_keeps_the_asset_and_gets_a_new_url() {
    let space = FakeContentful::start(FakeSpaceConfig::default()).await;
    let c = connect(&space);
    let pushed = push(&c, "regrade.webp", &webp(60)).await;
    let before = ready(&c, pushed).await;
    let fields = MediaFields { title: Some("Regraded".into()), ..Default::default() };
    let jpeg = Upload {
        bytes: b"\xff\xd8\xff new bytes",
        filename: "regrade.jpg",
        mime: "image/jpeg",
        key: &before.key,
        fields: &fields,
        source: None,
    };
    // Processing bumps the version between the update and the publish.
    space.late_version_bumps(1);
    let pushed = c.replace_asset(&before.id, jpeg).await.unwrap();
    let after = ready(&c, pushed).await;
    assert_eq!(after.id, before.id, "the same asset");
    assert_ne!(after.url, before.url, "a new file, a new URL");
    assert_eq!((after.mime.as_str(), after.title.as_str()), ("image/jpeg", "Regraded"));
    assert_eq!(space.served(&after.url).unwrap(), b"\xff\xd8\xff new bytes");
    let asset = &space.assets()[0];
    assert_eq!(asset.published_version.map(|p| p + 1), Some(asset.version), "published as is");
    assert_eq!(space.assets().len(), 1);
    // The destination's replace is the same: Contentful keeps the id, not the URL.
    let caps = c.probe().await.unwrap().with_replace_facts();
    assert!(caps.replace_keeps_id && !caps.replace_keeps_url && !caps.replace_in_place);
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_unpublishes_first_then_archives_or_deletes() {
    let space = FakeContentful::start(FakeSpaceConfig::default()).await;
    let c = connect(&space);
    let a = ready(&c, push(&c, "trash.webp", &webp(70)).await).await;
    let b = ready(&c, push(&c, "gone.webp", &webp(80)).await).await;
    c.delete(&a.id, DeleteMode::Trash).await.unwrap();
    let archived = space.assets().into_iter().find(|x| x.id == a.id.as_str()).unwrap();
    assert!(archived.archived_version.is_some() && archived.published_version.is_none());
    assert_eq!(c.find(&a.key).await.unwrap(), None, "an archived asset is not Folio's item");
    let listed = c.list(None).await.unwrap();
    assert!(listed.items.iter().all(|m| m.id != a.id), "nor listed");
    c.delete(&b.id, DeleteMode::Permanently).await.unwrap();
    assert!(space.assets().iter().all(|x| x.id != b.id.as_str()));
    assert_eq!(space.served(&b.url), None, "its file is gone from the images host");
    let again = c.delete(&b.id, DeleteMode::Permanently).await.unwrap_err();
    assert_eq!(again.code, SiteErrorCode::NotFound);
}
