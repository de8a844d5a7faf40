//! A small client for the Figma REST API calls a Figma album makes, all read-only: the user
//! (`/v1/me`), a file's `/meta` (cheap: Tier 2 or 3), its nodes (`/nodes`, Tier 1), the whole
//! file when `/nodes` cannot give the document (Tier 1), renders (`/images`, Tier 1) and their
//! downloads (signed addresses, no token).
//!
//! Figma counts Tier 1 calls per month on Starter files and view seats (six), so calls go one
//! at a time. A 429's `Retry-After` is waited out when it is short; a longer one (Figma has
//! sent four and a half days) is [`Kind::RateLimited`], and the album asks nothing until then.
//! Errors (`{"status","err"}` or `{"status","message"}`) become [`SourceError`]s here.

use crate::account::AccessToken;
use crate::{SourceError, SourceErrorKind as Kind};
use folio_pace::{Pacer, PacerConfig, Retryable};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// The longest `Retry-After` a look waits out; longer, the album pauses.
pub const LONGEST_WAIT: Duration = Duration::from_secs(300);

/// One call at a time (parallel calls are what sets off Figma's 429 storms), a few tries.
pub fn pacing() -> PacerConfig {
    PacerConfig {
        concurrency: 1,
        attempts: 4,
        base_delay: Duration::from_secs(2),
        max_delay: Duration::from_secs(30),
        longest_wait: Some(LONGEST_WAIT),
    }
}

#[derive(Clone)]
pub struct FigmaApi {
    http: reqwest::Client,
    base: String,
    token: Arc<dyn AccessToken>,
    pacer: Arc<Pacer>,
}

/// `/v1/me`.
#[derive(Debug, Clone, Deserialize)]
pub struct Me {
    #[serde(default)]
    pub handle: String,
    #[serde(default)]
    pub email: Option<String>,
}

/// What `/meta` says of a file.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Meta {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub version: String,
    /// ISO 8601.
    #[serde(default)]
    pub last_touched_at: String,
}

/// A `/nodes` answer: each id's node, `None` where Figma has none.
#[derive(Debug, Clone, Default)]
pub struct Nodes {
    pub version: String,
    pub nodes: BTreeMap<String, Option<Value>>,
}

impl FigmaApi {
    pub fn new(base: &str, token: Arc<dyn AccessToken>) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::limited(5))
            .build()
            .expect("a TLS backend is compiled in");
        let base = base.trim_end_matches('/').to_string();
        FigmaApi { http, base, token, pacer: Arc::new(Pacer::new(pacing())) }
    }

    /// Other pacing (tests, which cannot wait seconds).
    pub fn tuned(mut self, pacing: PacerConfig) -> Self {
        self.pacer = Arc::new(Pacer::new(pacing));
        self
    }

    pub async fn me(&self) -> Result<Me, SourceError> {
        self.get("/v1/me", &[]).await
    }

    /// A file's name, version and last edit, without reading it (not a Tier 1 call).
    pub async fn meta(&self, key: &str) -> Result<Meta, SourceError> {
        let said: Value = self.get(&format!("/v1/files/{}/meta", segment(key)), &[]).await?;
        // The published schema is flat; Figma and the clients that read it wrap it in "file".
        let meta = if said["file"].is_object() { &said["file"] } else { &said };
        serde_json::from_value(meta.clone()).map_err(|e| unexpected(&e.to_string()))
    }

    /// The nodes `ids` of a file, whole (one Tier 1 call).
    pub async fn nodes(&self, key: &str, ids: &[String]) -> Result<Nodes, SourceError> {
        let route = format!("/v1/files/{}/nodes", segment(key));
        let said: Value = self.get(&route, &[("ids", ids.join(","))]).await?;
        let mut nodes = BTreeMap::new();
        if let Some(map) = said["nodes"].as_object() {
            for (id, node) in map {
                let document = node.get("document").filter(|d| d.is_object()).cloned();
                nodes.insert(id.clone(), document);
            }
        }
        Ok(Nodes { version: text(&said, "version"), nodes })
    }

    /// The whole file's document and version (one Tier 1 call), for when `/nodes` cannot give
    /// the document itself.
    pub async fn file(&self, key: &str) -> Result<(Value, String), SourceError> {
        let mut said: Value = self.get(&format!("/v1/files/{}", segment(key)), &[]).await?;
        let version = text(&said, "version");
        Ok((said["document"].take(), version))
    }

    /// The file's pages and what sits at their top (`depth=2`: one Tier 1 call), for picking
    /// a page or a frame.
    pub async fn outline(&self, key: &str) -> Result<Value, SourceError> {
        let route = format!("/v1/files/{}", segment(key));
        let mut said: Value = self.get(&route, &[("depth", "2".to_string())]).await?;
        Ok(said["document"].take())
    }

    /// PNG renders of `ids` at `scale` (one Tier 1 call): an address per id, `None` where
    /// Figma could not render it.
    pub async fn images(
        &self,
        key: &str,
        ids: &[String],
        scale: f64,
    ) -> Result<BTreeMap<String, Option<String>>, SourceError> {
        let query =
            [("ids", ids.join(",")), ("scale", format!("{scale}")), ("format", "png".to_string())];
        let said: Value = self.get(&format!("/v1/images/{}", segment(key)), &query).await?;
        if let Some(err) = said["err"].as_str().filter(|e| !e.is_empty()) {
            return Err(SourceError::new(Kind::Item, format!("Figma could not render: {err}")));
        }
        let images = said["images"].as_object().cloned().unwrap_or_default();
        Ok(images.into_iter().map(|(id, url)| (id, url.as_str().map(str::to_string))).collect())
    }

    /// Streams a render to `dest` (its address is signed: no token goes with it), refusing
    /// more than `cap` bytes; its size. `Ok(None)`: the address expired or is gone.
    pub async fn download(
        &self,
        url: &str,
        dest: &Path,
        cap: u64,
    ) -> Result<Option<u64>, SourceError> {
        let got = self
            .pacer
            .run(|_| async {
                let sent = self.http.get(url).timeout(Duration::from_secs(300)).send().await;
                let r = sent.map_err(|e| Problem::Network(network(e)))?;
                match r.status().as_u16() {
                    200..=299 => Ok(Some(r)),
                    403 | 404 | 410 => Ok(None),
                    s @ 500.. => Err(Problem::Server(s)),
                    s => Err(Problem::Refused(s, String::new())),
                }
            })
            .await
            .map_err(Problem::into_error)?;
        let Some(r) = got else { return Ok(None) };
        crate::capped::write(r, dest, cap).await.map(Some).map_err(|cut| match cut {
            crate::capped::Cut::TooLarge(n) => SourceError::new(Kind::Item, crate::too_large(n)),
            crate::capped::Cut::Network(e) => network(e),
            crate::capped::Cut::Local(e) => SourceError::new(
                Kind::Unavailable,
                format!("could not write {}: {e}", dest.display()),
            ),
        })
    }

    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        route: &str,
        query: &[(&str, String)],
    ) -> Result<T, SourceError> {
        let mut url = url::Url::parse(&format!("{}{route}", self.base)).map_err(|e| {
            SourceError::new(Kind::Gone, format!("the Figma API address is not a URL: {e}"))
        })?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        let token = self.token.current().await?;
        let r = self
            .pacer
            .run(|_| async {
                let sent = self
                    .http
                    .get(url.clone())
                    .header("X-Figma-Token", &token)
                    .timeout(Duration::from_secs(120))
                    .send()
                    .await;
                classify(sent.map_err(|e| Problem::Network(network(e)))?).await
            })
            .await
            .map_err(Problem::into_error)?;
        let body = crate::dropbox::capped_text(r, 64 * 1024 * 1024).await;
        serde_json::from_str(&body).map_err(|e| unexpected(&e.to_string()))
    }
}

/// A file key or node id as one path segment.
fn segment(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes()).collect()
}

fn text(v: &Value, key: &str) -> String {
    match &v[key] {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

/// Why a call gave no body.
enum Problem {
    Throttled(Option<Duration>),
    Refused(u16, String),
    Server(u16),
    Network(SourceError),
}

impl Retryable for Problem {
    fn retryable(&self) -> bool {
        matches!(self, Problem::Throttled(_) | Problem::Server(_) | Problem::Network(_))
    }
    fn retry_after(&self) -> Option<Duration> {
        match self {
            Problem::Throttled(wait) => *wait,
            _ => None,
        }
    }
}

impl Problem {
    fn into_error(self) -> SourceError {
        match self {
            Problem::Throttled(Some(wait)) if wait > LONGEST_WAIT => SourceError {
                retry_after: Some(wait),
                ..SourceError::new(
                    Kind::RateLimited,
                    format!(
                        "Figma's rate limit for this file is spent for {}; Folio asks nothing \
                         until then",
                        spell(wait)
                    ),
                )
            },
            Problem::Throttled(_) => SourceError::new(
                Kind::Unavailable,
                "Figma asks Folio to slow down; Folio will try again",
            ),
            Problem::Refused(status, said) => refused(status, &said),
            Problem::Server(status) => SourceError::new(
                Kind::Unavailable,
                format!("Figma is having trouble (HTTP {status}); Folio will try again"),
            ),
            Problem::Network(e) => e,
        }
    }
}

/// A wait in words: "4 days 14 hours", "12 minutes".
fn spell(wait: Duration) -> String {
    let s = wait.as_secs();
    match s {
        0..=5_399 => format!("{} minutes", s.div_ceil(60)),
        5_400..=172_799 => format!("{} hours", s.div_ceil(3600)),
        _ => format!("{} days {} hours", s / 86_400, s % 86_400 / 3600),
    }
}

/// A 4xx in the user's words.
fn refused(status: u16, said: &str) -> SourceError {
    match status {
        403 if said.to_lowercase().contains("token") => SourceError::new(
            Kind::Reconnect,
            "Figma refused the personal access token (expired, revoked or without the \
             file_content:read scope); make a new one and reconnect Figma",
        ),
        403 | 404 => SourceError::new(
            Kind::Gone,
            "the Figma file is not there, or this account may not open it (ask its owner to \
             share it)",
        ),
        _ => SourceError::new(
            Kind::Item,
            format!("Figma refused the request (HTTP {status}): {said}"),
        ),
    }
}

async fn classify(r: reqwest::Response) -> Result<reqwest::Response, Problem> {
    let status = r.status().as_u16();
    if r.status().is_success() {
        return Ok(r);
    }
    let wait = r
        .headers()
        .get("Retry-After")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let text = crate::dropbox::capped_text(r, 64 * 1024).await;
    let body: Value = serde_json::from_str(&text).unwrap_or_default();
    let said = body["err"].as_str().or(body["message"].as_str()).unwrap_or_default().to_string();
    Err(match status {
        429 => Problem::Throttled(wait),
        400..=499 => Problem::Refused(status, said),
        _ => Problem::Server(status),
    })
}

fn unexpected(e: &str) -> SourceError {
    SourceError::new(Kind::Unavailable, format!("unexpected answer from Figma: {e}"))
}

fn network(e: reqwest::Error) -> SourceError {
    SourceError::new(Kind::Unavailable, format!("could not reach Figma: {}", e.without_url()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn long_waits_are_said_in_days_and_hours() {
        use std::time::Duration;
        assert_eq!(super::spell(Duration::from_secs(396_749)), "4 days 14 hours");
        assert_eq!(super::spell(Duration::from_secs(600)), "10 minutes");
        assert_eq!(super::spell(Duration::from_secs(7200)), "2 hours");
    }
}
