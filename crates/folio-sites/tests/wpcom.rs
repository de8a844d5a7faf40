//! The WordPress.com destination against the fake WordPress.com: the shared conformance suite
//! with the declared facts (replace keeps the id, not the URL; no trash), and what it does not
//! cover: a re-edit's new URL under the same id, AVIF refused and never declared, a lost
//! answer found and not duplicated, a revoked token, the account's sites for the picker, and
//! the fake's OAuth endpoints that the sign-in relay is run against.

use folio_sites::conformance::{self, Fault, Harness};
use folio_sites::wpcom::fake::{FakeWpcom, FakeWpcomConfig};
use folio_sites::wpcom::{WordPressCom, WpcomConfig};
use folio_sites::{
    Backends, Destination, ErrorClass, ImageFormat, MediaFields, PacerConfig, Pushed, RemoteMedia,
    SiteConfig, SiteErrorCode, Upload,
};
use std::time::Duration;

const ATTEMPTS: u32 = 4;

fn config(fake: &FakeWpcom) -> WpcomConfig {
    WpcomConfig {
        api_url: fake.api_url.clone(),
        pacer: PacerConfig {
            attempts: ATTEMPTS,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(200),
            ..PacerConfig::default()
        },
        timeout: Duration::from_secs(2),
        page_size: 3,
        ..WpcomConfig::new(&fake.site())
    }
}

fn connect(fake: &FakeWpcom) -> WordPressCom {
    WordPressCom::new(config(fake), &fake.token()).unwrap()
}

fn webp(shade: u8) -> Vec<u8> {
    let img =
        image::RgbImage::from_fn(32, 24, |x, y| image::Rgb([shade, x as u8 * 7, y as u8 * 9]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::WebP).unwrap();
    out.into_inner()
}

async fn push(d: &WordPressCom, name: &str, bytes: &[u8], mime: &str) -> RemoteMedia {
    try_push(d, name, bytes, mime).await.unwrap()
}

async fn try_push(
    d: &WordPressCom,
    name: &str,
    bytes: &[u8],
    mime: &str,
) -> Result<RemoteMedia, folio_sites::SiteError> {
    let key = d.duplicate_key(&format!("folio-test-{name}"), name);
    let fields = MediaFields {
        title: Some(format!("Title of {name}")),
        alt_text: Some(format!("alt of {name}")),
        ..Default::default()
    };
    let up = Upload { bytes, filename: name, mime, key: &key, fields: &fields, source: None };
    Ok(d.upload(up).await?.ready().expect("WordPress.com answers with the item"))
}

struct WpcomHarness {
    fake: FakeWpcom,
    wpcom: WordPressCom,
}

#[async_trait::async_trait]
impl Harness for WpcomHarness {
    fn name(&self) -> &str {
        "wpcom (fake WordPress.com)"
    }
    fn destination(&self) -> &dyn Destination {
        &self.wpcom
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
async fn conformance_wpcom_fake() {
    let fake = FakeWpcom::start(FakeWpcomConfig::default()).await;
    let wpcom = connect(&fake);
    let caps = wpcom.probe().await.unwrap().with_replace_facts();
    assert!(caps.replace_keeps_id && !caps.replace_keeps_url && !caps.replace_in_place);
    conformance::run(&WpcomHarness { fake, wpcom }).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_re_edit_keeps_the_media_id_and_reports_the_new_url() {
    let fake = FakeWpcom::start(FakeWpcomConfig::default()).await;
    let d = connect(&fake);
    let before = push(&d, "harbour.webp", &webp(10), "image/webp").await;
    let fields = MediaFields { title: Some("Harbour, regraded".into()), ..Default::default() };
    // A JPEG for a WebP: the same item takes any type (its URL changes anyway).
    let up = Upload {
        bytes: b"\xff\xd8\xff regraded",
        filename: "harbour.jpg",
        mime: "image/jpeg",
        key: &before.key,
        fields: &fields,
        source: None,
    };
    let Pushed::Ready(after) = d.replace(&before.id, up).await.unwrap() else {
        panic!("an edit answers at once")
    };
    assert_eq!(after.id, before.id, "the same media id");
    assert_ne!(after.url, before.url, "a new file name, so a new URL");
    assert_eq!((after.mime.as_str(), after.title.as_str()), ("image/jpeg", "Harbour, regraded"));
    assert_eq!(after.alt_text, "alt of harbour.webp", "text not sent is kept");
    assert_eq!(fake.served(&after.url).unwrap(), b"\xff\xd8\xff regraded");
    assert_eq!(fake.served(&before.url).unwrap(), webp(10), "the old file stays where it was");
    assert_eq!(after.key, before.key, "the edited file's name still carries the key");
    assert_eq!(d.find(&before.key).await.unwrap().map(|m| m.url), Some(after.url.clone()));
    assert_eq!(fake.media().len(), 1);
    // A second edit: another new URL.
    let up = Upload {
        bytes: &webp(11),
        filename: "harbour.webp",
        mime: "image/webp",
        key: &before.key,
        fields: &MediaFields::default(),
        source: None,
    };
    let again = d.replace(&before.id, up).await.unwrap().ready().unwrap();
    assert_eq!(again.id, before.id);
    assert!(again.url != after.url && again.url != before.url, "{}", again.url);
}

#[tokio::test(flavor = "multi_thread")]
async fn avif_is_never_declared_and_a_refused_one_is_the_class_the_planner_falls_back_on() {
    let fake = FakeWpcom::start(FakeWpcomConfig::default()).await;
    let d = connect(&fake);
    let caps = d.probe().await.unwrap();
    assert!(!caps.accepts(ImageFormat::Avif) && caps.accepts(ImageFormat::Webp), "{caps:?}");
    assert_eq!(
        caps.format_for(folio_model::OutputFormat::Avif),
        folio_model::OutputFormat::Webp,
        "an AVIF album goes to WordPress.com as WebP"
    );
    assert_eq!(caps.max_upload_bytes, Some(50 * 1024 * 1024));
    assert_eq!(caps.account, "Folio Shooter on Folio Test Photos");
    // Sent anyway (a site probed before this was known): refused, as the engine expects.
    let avif = include_bytes!("../src/probe.avif");
    let e = try_push(&d, "probe.avif", avif, "image/avif").await.unwrap_err();
    assert_eq!(e.code, SiteErrorCode::Rejected, "{e}");
    assert!(e.message.contains("not allowed to upload this file type"), "{e}");
    assert!(fake.media().is_empty());
    let first = push(&d, "first.webp", &webp(1), "image/webp").await;
    let up = Upload {
        bytes: avif,
        filename: "first.avif",
        mime: "image/avif",
        key: &first.key,
        fields: &MediaFields::default(),
        source: None,
    };
    let e = d.replace(&first.id, up).await.unwrap_err();
    assert_eq!(e.code, SiteErrorCode::Rejected, "the edit endpoint's 403 invalid_input: {e}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_answer_finds_the_item_and_makes_no_second() {
    let fake = FakeWpcom::start(FakeWpcomConfig::default()).await;
    let d = connect(&fake);
    // Older items before it, so the search goes past the first page (3 a page here).
    for i in 0..4 {
        push(&d, &format!("older{i}.webp"), &webp(i), "image/webp").await;
    }
    fake.inject(Fault::LoseResponse, 1);
    let media = push(&d, "lost.webp", &webp(40), "image/webp").await;
    assert_eq!(fake.creates(), 5, "made once");
    let lost: Vec<_> = fake.media().into_iter().filter(|m| m.file.starts_with("lost-")).collect();
    assert_eq!(lost.len(), 1, "{lost:?}");
    assert_eq!(media.id.as_str(), lost[0].id.to_string());
    assert_eq!(media.title, "Title of lost.webp");
    assert_eq!(d.find(&media.key).await.unwrap().map(|m| m.id), Some(media.id.clone()));
    // An item made outside Folio with a name like it is not Folio's.
    assert_eq!(d.find("lost").await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_token_asks_for_a_reconnect_and_is_never_shown() {
    let fake = FakeWpcom::start(FakeWpcomConfig::default()).await;
    let d = connect(&fake);
    d.probe().await.unwrap();
    fake.revoke();
    let token = fake.token();
    for e in [
        d.probe().await.unwrap_err(),
        d.check().await.unwrap_err(),
        d.find("any-0123456789abcdef").await.unwrap_err(),
        try_push(&d, "x.webp", &webp(1), "image/webp").await.unwrap_err(),
        d.list(None).await.unwrap_err(),
    ] {
        assert_eq!((e.code, e.class()), (SiteErrorCode::NeedsReconnect, ErrorClass::Fatal), "{e}");
        assert!(!e.message.contains(&token) && !format!("{e:?}").contains(&token));
    }
    let fresh = FakeWpcom::start(FakeWpcomConfig::default()).await;
    let wrong = WordPressCom::new(config(&fresh), "not-the-token").unwrap();
    assert_eq!(wrong.check().await.unwrap_err().code, SiteErrorCode::NeedsReconnect);
    // A site the token does not reach is refused, not a reconnect.
    let other = WordPressCom::new(
        WpcomConfig { site: "second-site.wordpress.com".into(), ..config(&fresh) },
        &fresh.token(),
    )
    .unwrap();
    assert_eq!(other.check().await.unwrap_err().code, SiteErrorCode::Forbidden);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_accounts_sites_are_listed_for_the_picker_and_the_connector_is_registered() {
    let fake = FakeWpcom::start(FakeWpcomConfig::default()).await;
    let sites = folio_sites::wpcom::sites(&fake.api_url, &fake.token()).await.unwrap();
    assert_eq!(
        sites,
        vec![
            (200_001, "https://folio-test.wordpress.com".to_string(), "Folio Test Photos".into()),
            (200_002, "https://second-site.wordpress.com".to_string(), "Second Site".into()),
        ]
    );
    let e = folio_sites::wpcom::sites(&fake.api_url, "wrong").await.unwrap_err();
    assert_eq!(e.code, SiteErrorCode::NeedsReconnect);

    let backends = Backends::standard();
    let info = backends.connectors().find(|c| c.id == "wpcom").expect("registered");
    let fields = [("relay_url", "https://relay.example.com"), ("api_url", fake.api_url.as_str())];
    let config =
        info.config(&fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()).unwrap();
    let secrets = [("token".to_string(), fake.token()), ("blog_url".into(), sites[0].1.clone())];
    let login = backends.login("wpcom", &config, &secrets.into_iter().collect()).unwrap();
    assert_eq!(
        (login.url.as_str(), login.account.as_str()),
        ("https://folio-test.wordpress.com", "folio-test.wordpress.com")
    );
    let site = SiteConfig { kind: "wpcom".into(), url: login.url, account: login.account, config };
    let d = backends.connect(&site, &login.secret).unwrap();
    assert!(d.probe().await.unwrap().replace_keeps_id);
}

/// The fake's OAuth endpoints, as the relay will use them: the authorize redirect carries a
/// code and the state; the token endpoint wants the app's secret, the code once and the same
/// redirect URI.
#[tokio::test(flavor = "multi_thread")]
async fn the_fakes_token_endpoint_checks_the_client_secret_the_code_and_the_redirect() {
    let fake = FakeWpcom::start(FakeWpcomConfig::default()).await;
    let c = FakeWpcomConfig::default();
    let http =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let redirect = c.redirect_uris[0].clone();
    let authorize = |redirect: &str| {
        http.get(format!("{}/oauth2/authorize", fake.api_url)).query(&[
            ("client_id", c.client_id.as_str()),
            ("redirect_uri", redirect),
            ("response_type", "code"),
            ("scope", "global"),
            ("state", "st4te"),
        ])
    };
    let r = authorize(&redirect).send().await.unwrap();
    assert_eq!(r.status(), 302);
    let location = r.headers()["Location"].to_str().unwrap().to_string();
    let back = url::Url::parse(&location).unwrap();
    assert!(location.starts_with(&redirect), "{location}");
    let q: std::collections::HashMap<_, _> = back.query_pairs().into_owned().collect();
    assert_eq!(q["state"], "st4te");
    let code = q["code"].clone();
    assert_eq!(
        authorize(&format!("{redirect}/")).send().await.unwrap().status(),
        400,
        "exact match"
    );

    let exchange = |secret: &str, code: &str, redirect: &str| {
        http.post(format!("{}/oauth2/token", fake.api_url)).form(&[
            ("client_id", c.client_id.as_str()),
            ("client_secret", secret),
            ("code", code),
            ("redirect_uri", redirect),
            ("grant_type", "authorization_code"),
        ])
    };
    let wrong = exchange("not-the-secret", &code, &redirect).send().await.unwrap();
    assert_eq!(wrong.status(), 400);
    let said: serde_json::Value = wrong.json().await.unwrap();
    assert_eq!(said["error"], "invalid_client");
    let good = exchange(&c.client_secret, &code, &redirect).send().await.unwrap();
    assert_eq!(good.status(), 200);
    let token: serde_json::Value = good.json().await.unwrap();
    assert_eq!(token["access_token"], c.token.as_str());
    assert_eq!(token["token_type"], "bearer");
    assert_eq!(token["blog_id"], "200001");
    assert_eq!(token["blog_url"], "https://folio-test.wordpress.com");
    assert!(token.get("expires_in").is_none() && token.get("refresh_token").is_none());
    let reused = exchange(&c.client_secret, &code, &redirect).send().await.unwrap();
    assert_eq!(reused.status(), 400, "a code is good once");
    let r = authorize(&redirect).send().await.unwrap();
    let other = url::Url::parse(r.headers()["Location"].to_str().unwrap()).unwrap();
    let code2 = other.query_pairs().find(|(k, _)| k == "code").unwrap().1.into_owned();
    let moved =
        exchange(&c.client_secret, &code2, "http://127.0.0.1:1/elsewhere").send().await.unwrap();
    assert_eq!(moved.status(), 400, "the redirect URI must be the authorize request's");
}
