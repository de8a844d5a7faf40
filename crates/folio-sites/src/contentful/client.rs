//! The Content Management API and the upload host of one space: the bearer token, the
//! per-second limit learnt from `X-Contentful-RateLimit-*`, and Contentful's error bodies
//! (`sys.id`) mapped onto [`SiteError`]s. Only this file sends the token, and only to the two
//! hosts of the account.

use crate::body;
use crate::error::{retry_after, SiteError, SiteErrorCode as Code};
use reqwest::Method;
use serde::de::DeserializeOwned;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::time::Instant;
use url::Url;

const JSON: &str = "application/vnd.contentful.management.v1+json";
/// Contentful's documented default for a space; the first answer's header says the real one.
const DEFAULT_PER_SECOND: usize = 7;
/// A second, and a little more: requests leave Folio and arrive at Contentful a few
/// milliseconds apart, and a window counted on arrival must still see no more than the limit.
const WINDOW: Duration = Duration::from_millis(1_060);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host {
    Api,
    Upload,
}

/// The request start times of the last window, to keep under the per-second limit.
struct Gate {
    per_second: usize,
    starts: VecDeque<Instant>,
}

impl Gate {
    /// When the next request may start; the slot is taken.
    fn reserve(&mut self, now: Instant) -> Instant {
        while self.starts.len() > self.per_second
            || self.starts.front().is_some_and(|t| *t + WINDOW <= now)
        {
            self.starts.pop_front();
        }
        let n = self.starts.len();
        let slot = if n < self.per_second {
            now
        } else {
            (self.starts[n - self.per_second] + WINDOW).max(now)
        };
        self.starts.push_back(slot);
        slot
    }
}

pub struct Client {
    http: reqwest::Client,
    api: Url,
    upload: Url,
    token: String,
    gate: std::sync::Mutex<Gate>,
    /// 429 answers so far (for tests: pacing should leave none).
    pub rate_limited: AtomicU64,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("api", &self.api.as_str()).finish()
    }
}

/// `https://host/` with its trailing slash, so paths join under it.
fn base(url: &str, what: &str) -> Result<Url, SiteError> {
    let mut u = Url::parse(url.trim()).map_err(|e| {
        SiteError::new(Code::Protocol, format!("the {what} '{url}' is not a web address: {e}"))
    })?;
    if !u.path().ends_with('/') {
        u.set_path(&format!("{}/", u.path()));
    }
    Ok(u)
}

impl Client {
    pub fn new(
        api: &str,
        upload: &str,
        token: &str,
        timeout: Duration,
    ) -> Result<Client, SiteError> {
        // The API never redirects a valid request; a redirect would carry the token away.
        let http = crate::http::client(timeout, reqwest::redirect::Policy::none())?;
        Ok(Client {
            http,
            api: base(api, "Management API address")?,
            upload: base(upload, "upload address")?,
            token: token.to_string(),
            gate: std::sync::Mutex::new(Gate {
                per_second: DEFAULT_PER_SECOND,
                starts: VecDeque::new(),
            }),
            rate_limited: AtomicU64::new(0),
        })
    }

    /// The API's scheme, for the protocol-relative file URLs Contentful answers with.
    pub fn scheme(&self) -> &str {
        self.api.scheme()
    }

    /// One request; the answer when it is a success, else its error.
    pub async fn send(
        &self,
        method: Method,
        host: Host,
        path: &str,
        body: Option<Body<'_>>,
        version: Option<u64>,
    ) -> Result<reqwest::Response, SiteError> {
        let root = if host == Host::Api { &self.api } else { &self.upload };
        let url = root
            .join(path)
            .map_err(|e| SiteError::new(Code::Protocol, format!("bad path {path}: {e}")))?;
        let slot = self.gate.lock().unwrap().reserve(Instant::now());
        tokio::time::sleep_until(slot).await;
        let mut request = self.http.request(method, url).bearer_auth(&self.token);
        if let Some(v) = version {
            request = request.header("X-Contentful-Version", v);
        }
        request = match body {
            Some(Body::Json(value)) => request
                .header("Content-Type", JSON)
                .body(serde_json::to_vec(value).unwrap_or_default()),
            Some(Body::Bytes(bytes)) => {
                request.header("Content-Type", "application/octet-stream").body(bytes.to_vec())
            }
            None => request,
        };
        let r = request.send().await?;
        self.learn(r.headers());
        let status = r.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(r);
        }
        if status == 429 {
            self.rate_limited.fetch_add(1, Ordering::Relaxed);
        }
        let wait = reset(r.headers()).or_else(|| retry_after(r.headers()));
        let said = body::capped_bytes(r, body::MAX_ERROR_BYTES).await.unwrap_or_default();
        Err(error(status, &said, wait))
    }

    pub async fn json<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
        version: Option<u64>,
    ) -> Result<T, SiteError> {
        let r = self.send(method, Host::Api, path, body.map(Body::Json), version).await?;
        body::json(r).await
    }

    /// The per-second limit Contentful states on every answer.
    fn learn(&self, headers: &reqwest::header::HeaderMap) {
        let limit = headers
            .get("X-Contentful-RateLimit-Second-Limit")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|n| *n > 0);
        if let Some(limit) = limit {
            self.gate.lock().unwrap().per_second = limit;
        }
    }
}

pub enum Body<'a> {
    Json(&'a serde_json::Value),
    Bytes(&'a [u8]),
}

/// `X-Contentful-RateLimit-Reset`: seconds until the exhausted limit (per second, or the hourly
/// quota) lets requests through again.
fn reset(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get("X-Contentful-RateLimit-Reset")?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(|s| Duration::from_secs(s.clamp(1, 3600)))
}

/// Contentful's error body and status, in words for the photographer.
pub fn error(status: u16, body: &[u8], wait: Option<Duration>) -> SiteError {
    let said: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let id = said["sys"]["id"].as_str().unwrap_or_default();
    let message = said["message"].as_str().unwrap_or_default();
    let detail = if message.is_empty() { String::new() } else { format!(": {message}") };
    let (code, text) = match (id, status) {
        ("AccessTokenInvalid", _) | (_, 401) => (
            Code::NeedsReconnect,
            "Contentful refused the access token (wrong, revoked or expired); make a new \
             personal access token and reconnect"
                .to_string(),
        ),
        ("AccessDenied", _) | (_, 403) => {
            (Code::Forbidden, format!("Contentful refused access to the space{detail}"))
        }
        ("NotFound", _) | (_, 404) => (
            Code::NotFound,
            format!("not found on Contentful (the space, environment or asset){detail}"),
        ),
        ("VersionMismatch", _) | (_, 409) => {
            (Code::Conflict, format!("the asset changed on Contentful meanwhile{detail}"))
        }
        ("RateLimitExceeded", _) | (_, 429) => {
            (Code::RateLimited, "Contentful asked Folio to slow down".to_string())
        }
        (_, 413) => (Code::TooLarge, "the file is larger than Contentful accepts".to_string()),
        ("ValidationFailed", _) | (_, 422) => {
            (Code::Rejected, format!("Contentful refused the asset{detail}"))
        }
        ("BadRequest" | "InvalidQuery", _) | (_, 400) => {
            (Code::Rejected, format!("Contentful refused the request{detail}"))
        }
        (_, s) if s >= 500 => (Code::Unavailable, format!("Contentful answered {s}; retrying")),
        (_, s) => (Code::Protocol, format!("unexpected answer from Contentful ({s}){detail}")),
    };
    let retry =
        if code == Code::RateLimited { wait.or(Some(Duration::from_secs(1))) } else { None };
    SiteError { retry_after: retry, ..SiteError::new(code, text) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gate_lets_no_more_than_the_limit_start_in_a_window() {
        let mut gate = Gate { per_second: 3, starts: VecDeque::new() };
        let t0 = Instant::now();
        let slots: Vec<Duration> = (0..7).map(|_| gate.reserve(t0) - t0).collect();
        assert_eq!(&slots[..3], &[Duration::ZERO; 3]);
        assert_eq!(&slots[3..6], &[WINDOW; 3]);
        assert_eq!(slots[6], WINDOW * 2);
    }

    #[test]
    fn error_bodies_are_read_by_their_sys_id() {
        let body = |id: &str, m: &str| {
            serde_json::json!({"sys": {"type": "Error", "id": id}, "message": m}).to_string()
        };
        let e = error(
            401,
            body(
                "AccessTokenInvalid",
                "The access token you sent could not be found or is invalid.",
            )
            .as_bytes(),
            None,
        );
        assert_eq!(e.code, Code::NeedsReconnect);
        assert_eq!(error(409, body("VersionMismatch", "").as_bytes(), None).code, Code::Conflict);
        let e =
            error(422, body("ValidationFailed", "Asset has unprocessed files").as_bytes(), None);
        assert_eq!(e.code, Code::Rejected);
        let e = error(429, body("RateLimitExceeded", "").as_bytes(), Some(Duration::from_secs(2)));
        assert_eq!((e.code, e.retry_after), (Code::RateLimited, Some(Duration::from_secs(2))));
        assert_eq!(error(503, b"<html>", None).code, Code::Unavailable);
    }
}
