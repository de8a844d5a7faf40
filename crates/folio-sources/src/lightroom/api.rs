//! A small client for the Lightroom Services API calls Folio makes, all read-only but one (the
//! request that makes a rendition): the account, the catalog, albums, an album's assets (paged
//! by `links.next`, resolved against the answer's `base` as RFC 3986 says), and renditions
//! (downloaded, asked for, and checked with `HEAD`). Every call sends the credential's API key
//! (`X-API-Key`) and the account's bearer token; every JSON answer loses its `while (1) {}`.
//!
//! Errors become [`SourceError`]s once, here: a 401 refreshes the token once and retries, then
//! asks to reconnect (a refused refresh is the engine's token source's to word: it says that
//! Adobe's sign-in lasts 14 days); a 429 (Adobe sends an empty body and no `Retry-After`) and
//! 5xx are retried with exponential backoff through the pacer (three retries), then
//! `Unavailable`; 403 and 404 say what Lightroom refused in Adobe's words. Tokens never appear
//! in an error.

use super::wire::{self, *};
use crate::{SourceError, SourceErrorKind as Kind};
use folio_pace::{Pacer, PacerConfig, Retryable};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::sync::OnceCell;

pub use crate::account::AccessToken;

/// How a rendition being made is waited for: `HEAD` with growing pauses, given up after
/// `give_up` (Adobe's sample waits up to ten minutes; a sync does not hold that long, and the
/// next look asks again).
#[derive(Debug, Clone)]
pub struct Polling {
    pub first: Duration,
    pub max: Duration,
    pub give_up: Duration,
}

impl Default for Polling {
    fn default() -> Self {
        Polling {
            first: Duration::from_secs(1),
            max: Duration::from_secs(15),
            give_up: Duration::from_secs(120),
        }
    }
}

/// Adobe asks for exponential backoff and at most three retries on a 429 or a 5xx, and
/// publishes no numeric limit ("may revoke" keys that hammer it).
pub fn pacing() -> PacerConfig {
    PacerConfig {
        concurrency: 4,
        attempts: 4,
        base_delay: Duration::from_secs(2),
        max_delay: Duration::from_secs(30),
        longest_wait: None,
    }
}

/// Where the credential's API key comes from.
#[derive(Debug, Clone)]
pub enum ApiKey {
    /// Given (the account's `client_id` field, or a test).
    Given(String),
    /// The relay's service metadata at this address (what the relay's sign-in used).
    Relay(String),
    /// Neither: every call says why it cannot be made.
    Missing,
}

/// Keys the relays gave, by relay address: asked once a process.
fn relay_keys() -> &'static Mutex<HashMap<String, String>> {
    static KEYS: OnceLock<Mutex<HashMap<String, String>>> = OnceLock::new();
    KEYS.get_or_init(Default::default)
}

#[derive(Clone)]
pub struct LightroomApi {
    http: reqwest::Client,
    base: String,
    key: ApiKey,
    resolved: Arc<OnceCell<String>>,
    token: Arc<dyn AccessToken>,
    pacer: Arc<Pacer>,
    polling: Polling,
    catalog: Arc<OnceCell<String>>,
}

/// What a rendition request found.
#[derive(Debug)]
pub enum Got {
    /// Written to the file: its size.
    Written(u64),
    /// Not made (yet), or not a rendition Lightroom has for the asset.
    Missing,
    /// The credential may not have it: Adobe's words.
    Forbidden(String),
}

/// What asking for a rendition found.
#[derive(Debug)]
pub enum Asked {
    /// Lightroom is making it.
    Accepted,
    NoSuchAsset,
    /// The credential may not have it: Adobe's words.
    Forbidden(String),
}

impl LightroomApi {
    pub fn new(base: &str, key: ApiKey, token: Arc<dyn AccessToken>) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::limited(5))
            .build()
            .expect("a TLS backend is compiled in");
        let base = base.trim_end_matches('/').to_string();
        LightroomApi {
            http,
            base,
            key,
            resolved: Arc::default(),
            token,
            pacer: Arc::new(Pacer::new(pacing())),
            polling: Polling::default(),
            catalog: Arc::default(),
        }
    }

    /// Other pacing and polling (tests, which cannot wait minutes).
    pub fn tuned(mut self, pacing: PacerConfig, polling: Polling) -> Self {
        self.pacer = Arc::new(Pacer::new(pacing));
        self.polling = polling;
        self
    }

    pub fn polling(&self) -> &Polling {
        &self.polling
    }

    /// The API's address, which names the account's entitlements in memory.
    pub fn base(&self) -> &str {
        &self.base
    }

    pub async fn account(&self) -> Result<Account, SourceError> {
        self.get(self.url("/v2/account")?).await
    }

    /// The user's one catalog's id, asked once.
    pub async fn catalog(&self) -> Result<String, SourceError> {
        let id = self
            .catalog
            .get_or_try_init(|| async {
                let catalog: Catalog = self.get(self.url("/v2/catalog")?).await?;
                Ok::<_, SourceError>(catalog.id)
            })
            .await?;
        Ok(id.clone())
    }

    /// Every album and album folder of the catalog, every page.
    pub async fn albums(&self) -> Result<Vec<Album>, SourceError> {
        let cid = self.catalog().await?;
        let route = format!("/v2/catalogs/{}/albums", segment(&cid));
        let mut first = self.url(&route)?;
        first.set_query(Some("subtype=project%3Bproject_set&limit=500"));
        self.all(first).await
    }

    pub async fn album(&self, id: &str) -> Result<Album, SourceError> {
        let cid = self.catalog().await?;
        let route = format!("/v2/catalogs/{}/albums/{}", segment(&cid), segment(id));
        self.get(self.url(&route)?).await.map_err(|e| album_gone(e, id))
    }

    /// Every asset of an album, every page, with the assets embedded.
    pub async fn album_assets(&self, id: &str) -> Result<Vec<Asset>, SourceError> {
        let cid = self.catalog().await?;
        let route = format!("/v2/catalogs/{}/albums/{}/assets", segment(&cid), segment(id));
        let mut first = self.url(&route)?;
        first.set_query(Some("embed=asset&limit=500"));
        let links: Vec<AlbumAsset> = self.all(first).await.map_err(|e| album_gone(e, id))?;
        Ok(links.into_iter().map(|l| l.asset).collect())
    }

    /// Downloads rendition `kind` of `asset` to `dest`, refusing more than `cap` bytes.
    pub async fn rendition(
        &self,
        asset: &str,
        kind: &str,
        dest: &Path,
        cap: u64,
    ) -> Result<Got, SourceError> {
        let url = self.rendition_url(asset, Some(kind)).await?;
        let sent = self.send(|http, token, key| authorized(http.get(url.clone()), token, key));
        let r = match sent.await {
            Ok(r) => r,
            Err(Problem::Refused(404, _)) => return Ok(Got::Missing),
            Err(Problem::Refused(403, body)) => return Ok(Got::Forbidden(said(&body))),
            Err(p) => return Err(p.into_error()),
        };
        let written = crate::capped::write(r, dest, cap).await.map_err(|cut| match cut {
            crate::capped::Cut::TooLarge(n) => SourceError::new(Kind::Item, crate::too_large(n)),
            crate::capped::Cut::Network(e) => network(e),
            crate::capped::Cut::Local(e) => local(dest, e),
        })?;
        Ok(Got::Written(written))
    }

    /// Asks Lightroom to make rendition `kind` of `asset` (`X-Generate-Renditions`; 202).
    pub async fn generate(&self, asset: &str, kind: &str) -> Result<Asked, SourceError> {
        let url = self.rendition_url(asset, None).await?;
        let sent = self.send(|http, token, key| {
            authorized(http.post(url.clone()), token, key).header("X-Generate-Renditions", kind)
        });
        match sent.await {
            Ok(_) => Ok(Asked::Accepted),
            Err(Problem::Refused(403, body)) => Ok(Asked::Forbidden(said(&body))),
            Err(Problem::Refused(404, _)) => Ok(Asked::NoSuchAsset),
            Err(p) => Err(p.into_error()),
        }
    }

    /// Whether rendition `kind` of `asset` is there (`HEAD`: 200).
    pub async fn ready(&self, asset: &str, kind: &str) -> Result<bool, SourceError> {
        let url = self.rendition_url(asset, Some(kind)).await?;
        match self.send(|http, token, key| authorized(http.head(url.clone()), token, key)).await {
            Ok(_) => Ok(true),
            Err(Problem::Refused(404, _)) => Ok(false),
            Err(p) => Err(p.into_error()),
        }
    }

    async fn rendition_url(
        &self,
        asset: &str,
        kind: Option<&str>,
    ) -> Result<url::Url, SourceError> {
        let cid = self.catalog().await?;
        let mut route =
            format!("/v2/catalogs/{}/assets/{}/renditions", segment(&cid), segment(asset));
        if let Some(kind) = kind {
            route.push('/');
            route.push_str(&segment(kind));
        }
        self.url(&route)
    }

    fn url(&self, route: &str) -> Result<url::Url, SourceError> {
        url::Url::parse(&format!("{}{route}", self.base)).map_err(|e| {
            SourceError::new(Kind::Gone, format!("the Lightroom API address is not a URL: {e}"))
        })
    }

    /// Every page of a listing from `first`, following `links.next`.
    async fn all<T: serde::de::DeserializeOwned>(
        &self,
        first: url::Url,
    ) -> Result<Vec<T>, SourceError> {
        let mut out = Vec::new();
        let mut next = Some(first);
        // A listing that names the page just read as its next would never end.
        let mut visited = std::collections::HashSet::new();
        while let Some(url) = next.take() {
            if !visited.insert(url.to_string()) {
                break;
            }
            let page: wire::Page<T> = self.get(url.clone()).await?;
            out.extend(page.resources);
            if let Some(link) = page.links.next {
                next = Some(self.next_page(page.base.as_deref(), &url, &link.href)?);
            }
        }
        Ok(out)
    }

    /// The next page's address, on the API's own host only.
    fn next_page(
        &self,
        base: Option<&str>,
        asked: &url::Url,
        href: &str,
    ) -> Result<url::Url, SourceError> {
        wire::next_page(&self.url("/")?, base, asked, href).map_err(|why| {
            SourceError::new(Kind::Unavailable, format!("unexpected paging from Lightroom: {why}"))
        })
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, url: url::Url) -> Result<T, SourceError> {
        let r = self
            .send(|http, token, key| authorized(http.get(url.clone()), token, key))
            .await
            .map_err(Problem::into_error)?;
        let text = crate::dropbox::capped_text(r, 32 * 1024 * 1024).await;
        serde_json::from_str(strip_prefix(&text)).map_err(|e| {
            SourceError::new(Kind::Unavailable, format!("unexpected answer from Lightroom: {e}"))
        })
    }

    /// The API key, from where the account says.
    async fn key(&self) -> Result<String, SourceError> {
        let key = self
            .resolved
            .get_or_try_init(|| async {
                match &self.key {
                    ApiKey::Given(key) => Ok(key.clone()),
                    ApiKey::Relay(relay) => relay_key(&self.http, relay).await,
                    ApiKey::Missing => Err(SourceError::new(
                        Kind::Reconnect,
                        "Lightroom needs a sign-in relay (relay_url), which knows the Adobe \
                         credential's API key; reconnect the account through one",
                    )),
                }
            })
            .await?;
        Ok(key.clone())
    }

    /// Sends through the pacer, with the token refreshed once after a 401.
    async fn send(
        &self,
        build: impl Fn(&reqwest::Client, &str, &str) -> reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, Problem> {
        let key = self.key().await.map_err(Problem::Token)?;
        let token = self.token.current().await.map_err(Problem::Token)?;
        match self.paced(&build, &token, &key).await {
            Err(Problem::Expired) => {
                let token = self.token.refreshed().await.map_err(Problem::Token)?;
                self.paced(&build, &token, &key).await
            }
            other => other,
        }
    }

    async fn paced(
        &self,
        build: &impl Fn(&reqwest::Client, &str, &str) -> reqwest::RequestBuilder,
        token: &str,
        key: &str,
    ) -> Result<reqwest::Response, Problem> {
        self.pacer
            .run(|_| async {
                let sent =
                    build(&self.http, token, key).timeout(Duration::from_secs(300)).send().await;
                classify(sent.map_err(|e| Problem::Network(network(e)))?).await
            })
            .await
    }
}

fn authorized(req: reqwest::RequestBuilder, token: &str, key: &str) -> reqwest::RequestBuilder {
    req.bearer_auth(token).header("X-API-Key", key)
}

async fn relay_key(http: &reqwest::Client, relay: &str) -> Result<String, SourceError> {
    if let Some(key) = relay_keys().lock().expect("keys").get(relay) {
        return Ok(key.clone());
    }
    let service = folio_auth::Relay::new(relay)
        .service(http, super::connector::ID)
        .await
        .map_err(|e| SourceError::new(Kind::Unavailable, format!("Lightroom's API key: {e}")))?;
    let key = service.provider.client_id;
    relay_keys().lock().expect("keys").insert(relay.to_string(), key.clone());
    Ok(key)
}

fn album_gone(e: SourceError, id: &str) -> SourceError {
    match e.kind {
        Kind::Gone => SourceError::new(
            Kind::Gone,
            format!("the Lightroom album {id} is gone (deleted, or not in this catalog)"),
        ),
        _ => e,
    }
}

/// An id as one path segment: Lightroom's ids are hex, anything else is escaped.
fn segment(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes()).collect()
}

fn said(body: &ApiError) -> String {
    let words = if body.description.is_empty() { &body.message } else { &body.description };
    match (words.as_str(), body.code) {
        ("", 0) => "no reason given".into(),
        (d, 0) => d.into(),
        ("", c) => format!("code {c}"),
        (d, c) => format!("{d}, code {c}"),
    }
}

/// Why a call did not give a body.
enum Problem {
    /// 401: refresh once.
    Expired,
    Token(SourceError),
    /// 429, with its empty body: backed off by the pacer.
    Throttled,
    Refused(u16, ApiError),
    Server(u16),
    Network(SourceError),
}

impl Retryable for Problem {
    fn retryable(&self) -> bool {
        matches!(self, Problem::Throttled | Problem::Server(_) | Problem::Network(_))
    }
    fn retry_after(&self) -> Option<Duration> {
        None
    }
}

impl Problem {
    fn into_error(self) -> SourceError {
        let e = |kind, message: String| SourceError::new(kind, message);
        match self {
            Problem::Expired => {
                e(Kind::Reconnect, "Lightroom signed Folio out; reconnect the account".into())
            }
            Problem::Token(err) => err,
            Problem::Throttled => e(
                Kind::Unavailable,
                "Lightroom asked Folio to slow down and still did after Folio waited; Folio \
                 will try again later"
                    .into(),
            ),
            Problem::Refused(403, body) => e(
                Kind::Reconnect,
                format!(
                    "Lightroom refused Folio ({}): the Adobe credential may not be entitled to \
                     the Lightroom API, or the sign-in lacks a permission; reconnect the account",
                    said(&body)
                ),
            ),
            Problem::Refused(404, body) => {
                e(Kind::Gone, format!("Lightroom has no such item ({})", said(&body)))
            }
            Problem::Refused(status, body) => e(
                Kind::Item,
                format!("Lightroom refused the request (HTTP {status}: {})", said(&body)),
            ),
            Problem::Server(status) => e(
                Kind::Unavailable,
                format!("Lightroom is having trouble (HTTP {status}); Folio will try again"),
            ),
            Problem::Network(err) => err,
        }
    }
}

async fn classify(r: reqwest::Response) -> Result<reqwest::Response, Problem> {
    let status = r.status().as_u16();
    if r.status().is_success() {
        return Ok(r);
    }
    Err(match status {
        401 => Problem::Expired,
        429 => Problem::Throttled,
        400..=499 => {
            let text = crate::dropbox::capped_text(r, 64 * 1024).await;
            let body = serde_json::from_str(strip_prefix(&text)).unwrap_or_default();
            Problem::Refused(status, body)
        }
        _ => Problem::Server(status),
    })
}

fn network(e: reqwest::Error) -> SourceError {
    SourceError::new(Kind::Unavailable, format!("could not reach Lightroom: {}", e.without_url()))
}

fn local(path: &Path, e: std::io::Error) -> SourceError {
    SourceError::new(Kind::Unavailable, format!("could not write {}: {e}", path.display()))
}
