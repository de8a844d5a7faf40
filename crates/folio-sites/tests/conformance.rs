//! The destination conformance suite (folio_sites::conformance) against every destination:
//! the in-process fake, the real WordPress, and the real WordPress with the companion plugin.
//! The WordPress ones sit behind a fault proxy that answers with WordPress's own error bodies.

use folio_sites::conformance::{self, Fault, Harness};
use folio_sites::fake::{FakeConfig, FakeSite};
use folio_sites::proxy::{FaultProxy, ProxyFault};
use folio_sites::wordpress::WordPress;
use folio_sites::{Destination, PacerConfig};
use std::time::Duration;

struct FakeHarness {
    name: &'static str,
    site: FakeSite,
    attempts: u32,
}

#[async_trait::async_trait]
impl Harness for FakeHarness {
    fn name(&self) -> &str {
        self.name
    }
    fn destination(&self) -> &dyn Destination {
        &self.site
    }
    fn inject(&self, fault: Fault, times: u32) {
        self.site.inject(fault, times);
    }
    fn attempts(&self) -> u32 {
        self.attempts
    }
}

#[tokio::test]
async fn conformance_fake() {
    let config = FakeConfig::default();
    let attempts = config.pacer.attempts;
    conformance::run(&FakeHarness { name: "fake", site: FakeSite::new(config), attempts }).await;
}

#[tokio::test]
async fn conformance_fake_with_async_processing_and_no_replace() {
    let config =
        FakeConfig { processing_polls: 3, replace_in_place: false, ..FakeConfig::default() };
    let attempts = config.pacer.attempts;
    let name = "fake (processed later, no replace)";
    conformance::run(&FakeHarness { name, site: FakeSite::new(config), attempts }).await;
}

struct WordPressHarness {
    name: &'static str,
    proxy: FaultProxy,
    wp: WordPress,
}

const ATTEMPTS: u32 = 3;
const TIMEOUT: Duration = Duration::from_secs(3);

impl WordPressHarness {
    async fn start(name: &'static str, prefix: &str) -> Option<WordPressHarness> {
        let get = |k: &str| std::env::var(format!("{prefix}_{k}")).ok();
        let (url, user, password) = match (get("URL"), get("USER"), get("APP_PASSWORD")) {
            (Some(u), Some(n), Some(p)) => (u, n, p),
            _ if std::env::var_os("FOLIO_REQUIRE_WP").is_some() => {
                panic!("FOLIO_REQUIRE_WP is set but {prefix}_* are not")
            }
            _ => {
                eprintln!("SKIP: no WordPress (run under tests/with-wordpress.sh)");
                return None;
            }
        };
        let proxy = FaultProxy::start(&url).await;
        let pacer = PacerConfig {
            attempts: ATTEMPTS,
            base_delay: Duration::from_millis(50),
            max_delay: Duration::from_millis(200),
            ..PacerConfig::default()
        };
        let wp = WordPress::with_config(proxy.url(), &user, &password, pacer, TIMEOUT).unwrap();
        Some(WordPressHarness { name, proxy, wp })
    }
}

/// What WordPress 6.1 answers in each case (codes from its REST controllers).
fn wordpress_error(status: u16) -> String {
    let (code, message) = match status {
        401 => ("incorrect_password", "The provided password is an invalid application password."),
        403 => ("rest_cannot_create", "Sorry, you are not allowed to upload media on this site."),
        404 => ("rest_post_invalid_id", "Invalid post ID."),
        409 => ("folio_type_mismatch", "The new file must have the same type as the old one."),
        413 => ("rest_upload_file_too_big", "The uploaded file exceeds the upload_max_filesize."),
        429 => ("too_many_requests", "Too many requests."),
        _ => ("internal_server_error", "There has been a critical error on this website."),
    };
    serde_json::json!({"code": code, "message": message, "data": {"status": status}}).to_string()
}

#[async_trait::async_trait]
impl Harness for WordPressHarness {
    fn name(&self) -> &str {
        self.name
    }
    fn destination(&self) -> &dyn Destination {
        &self.wp
    }
    fn inject(&self, fault: Fault, times: u32) {
        let f = match fault {
            Fault::Status(s) => {
                ProxyFault::Status { status: s, body: wordpress_error(s), retry_after: None }
            }
            Fault::RetryAfter(secs) => ProxyFault::Status {
                status: 429,
                body: wordpress_error(429),
                retry_after: Some(secs),
            },
            Fault::Hang => ProxyFault::Hang(TIMEOUT + Duration::from_secs(2)),
            Fault::LoseResponse => ProxyFault::LoseResponse,
        };
        self.proxy.inject("wp/v2/media", f, times);
    }
    fn attempts(&self) -> u32 {
        ATTEMPTS
    }
    async fn served(&self, url: &str) -> Option<Vec<u8>> {
        let nonce = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
        let r = reqwest::get(format!("{url}?v={}", nonce.as_nanos())).await.ok()?;
        Some(r.bytes().await.ok()?.to_vec())
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn conformance_wordpress() {
    let Some(h) = WordPressHarness::start("wordpress", "FOLIO_WP").await else { return };
    conformance::run(&h).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn conformance_wordpress_with_companion() {
    let Some(h) = WordPressHarness::start("wordpress+companion", "FOLIO_WPC").await else {
        return;
    };
    conformance::run(&h).await;
}

/// Shopify's lookup after a lost answer waits, paced, while the file is still processing (a
/// few reads in the fake store): its pacer has a few more tries.
const SHOPIFY_ATTEMPTS: u32 = 5;

struct ShopifyHarness {
    store: folio_sites::shopify::fake::FakeShopify,
    shopify: folio_sites::shopify::Shopify,
}

#[async_trait::async_trait]
impl Harness for ShopifyHarness {
    fn name(&self) -> &str {
        "shopify (fake store)"
    }
    fn destination(&self) -> &dyn Destination {
        &self.shopify
    }
    fn inject(&self, fault: Fault, times: u32) {
        self.store.inject(fault, times);
    }
    fn attempts(&self) -> u32 {
        SHOPIFY_ATTEMPTS
    }
    async fn served(&self, url: &str) -> Option<Vec<u8>> {
        Some(reqwest::get(url).await.ok()?.bytes().await.ok()?.to_vec())
    }
}

/// Shopify's Files API as the fake store serves it from the published GraphQL shapes: staged
/// uploads, asynchronous processing, `fileUpdate` in place, cursor pages, error mapping.
#[tokio::test(flavor = "multi_thread")]
async fn conformance_shopify_fake_store() {
    use folio_sites::shopify::{fake, Credentials, Shopify, ShopifyConfig};
    let store = fake::FakeShopify::start(fake::FakeStoreConfig::default()).await;
    let token = store.state.lock().unwrap().config.admin_token.clone();
    let config = ShopifyConfig {
        pacer: PacerConfig {
            attempts: SHOPIFY_ATTEMPTS,
            base_delay: Duration::from_millis(50),
            max_delay: Duration::from_millis(200),
            ..PacerConfig::default()
        },
        timeout: Duration::from_secs(1),
        // Small pages, so listing goes through cursors.
        page_size: 2,
        admin_url: Some(store.url.clone()),
    };
    let shopify = Shopify::with_config("folio-test", Credentials::Token(token), config).unwrap();
    conformance::run(&ShopifyHarness { store, shopify }).await;
}
