//! The Files API of one HubSpot account: the bearer token, the rate limits HubSpot states in
//! `X-HubSpot-RateLimit-*` and in a 429's `policyName`, and its error bodies (`category`,
//! `correlationId`) mapped onto [`SiteError`]s. Only this file sends the token, and only to the
//! account's API address. A token from a sign-in through the relay lasts 30 minutes: it is
//! renewed before it expires, and once more when HubSpot refuses it.

use crate::body;
use crate::error::{retry_after, SiteError, SiteErrorCode as Code};
use reqwest::Method;
use serde::de::DeserializeOwned;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::time::Instant;
use url::Url;

/// HubSpot's documented rolling window; the answers' `Interval-Milliseconds` says the real one.
const DEFAULT_INTERVAL_MS: u64 = 10_000;

/// What each request is signed with.
pub enum Bearer {
    /// A private app token or service key, pasted: it lasts until revoked.
    Pasted(String),
    /// An OAuth access token, renewed from the refresh token in the keychain.
    Renewing(crate::backends::Renewing),
}

pub struct Client {
    http: reqwest::Client,
    api: Url,
    bearer: Bearer,
    interval_ms: AtomicU64,
    /// The rolling window is spent (`Remaining: 0`, or a ten-secondly 429): no request
    /// starts before this.
    hold: Mutex<Option<Instant>>,
    /// The daily limit is spent: nothing is sent before this, so a paused site costs HubSpot
    /// nothing.
    daily_until: Mutex<Option<Instant>>,
    /// 429 answers so far.
    pub rate_limited: AtomicU64,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("api", &self.api.as_str()).finish()
    }
}

impl Client {
    pub fn new(api: &str, bearer: Bearer, timeout: Duration) -> Result<Client, SiteError> {
        // The API never redirects a valid request; a redirect would carry the token away.
        let http = crate::http::client(timeout, reqwest::redirect::Policy::none())?;
        let mut base = Url::parse(api.trim()).map_err(|e| {
            SiteError::new(
                Code::Protocol,
                format!("the API address '{api}' is not a web address: {e}"),
            )
        })?;
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        Ok(Client {
            http,
            api: base,
            bearer,
            interval_ms: AtomicU64::new(DEFAULT_INTERVAL_MS),
            hold: Mutex::new(None),
            daily_until: Mutex::new(None),
            rate_limited: AtomicU64::new(0),
        })
    }

    /// The token to send now.
    async fn token(&self) -> Result<String, SiteError> {
        match &self.bearer {
            Bearer::Pasted(token) => Ok(token.clone()),
            Bearer::Renewing(source) => source.current().await.map_err(signed_out),
        }
    }

    /// HubSpot refused `token` (401): a renewed one is made for the next try, which the pacer
    /// makes at once; a pasted token cannot be renewed, so the person is asked to reconnect.
    async fn refused(&self, token: &str, e: SiteError) -> SiteError {
        let Bearer::Renewing(source) = &self.bearer else { return e };
        match source.rejected(token).await {
            Ok(_) => SiteError {
                retry_after: Some(Duration::ZERO),
                ..SiteError::new(Code::Unavailable, "HubSpot's access token expired; renewed")
            },
            Err(refused) => signed_out(refused),
        }
    }

    fn interval(&self) -> Duration {
        Duration::from_millis(self.interval_ms.load(Ordering::Relaxed))
    }

    /// One request (`path` with its query, under the API address); the answer when it is a
    /// success, else its error.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        form: Option<reqwest::multipart::Form>,
    ) -> Result<reqwest::Response, SiteError> {
        let paused = *self.daily_until.lock().unwrap();
        if let Some(until) = paused.filter(|u| *u > Instant::now()) {
            return Err(daily_error(until - Instant::now()));
        }
        let hold = *self.hold.lock().unwrap();
        if let Some(until) = hold {
            tokio::time::sleep_until(until).await;
        }
        let url = self
            .api
            .join(path)
            .map_err(|e| SiteError::new(Code::Protocol, format!("bad path {path}: {e}")))?;
        let token = self.token().await?;
        let mut request =
            self.http.request(method, url).bearer_auth(&token).header("Accept", "application/json");
        if let Some(form) = form {
            request = request.multipart(form);
        }
        let r = request.send().await?;
        self.learn(r.headers());
        let status = r.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(r);
        }
        let wait = retry_after(r.headers());
        let said = body::capped_bytes(r, body::MAX_ERROR_BYTES).await.unwrap_or_default();
        let mut e = error(status, &said, wait.or(Some(self.interval())));
        if status == 429 {
            self.rate_limited.fetch_add(1, Ordering::Relaxed);
            if policy(&said) == "DAILY" {
                let wait = until_next_reset();
                *self.daily_until.lock().unwrap() = Some(Instant::now() + wait);
                e = daily_error(wait);
            } else if let Some(wait) = e.retry_after {
                self.hold_for(wait);
            }
        }
        if status == 401 {
            e = self.refused(&token, e).await;
        }
        // HubSpot never echoes a token, but a message passed on must not be the one place
        // that does.
        if !token.is_empty() && e.message.contains(&token) {
            e.message = e.message.replace(&token, "…");
        }
        Err(e)
    }

    pub async fn json<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        form: Option<reqwest::multipart::Form>,
    ) -> Result<T, SiteError> {
        body::json(self.send(method, path, form).await?).await
    }

    fn hold_for(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut hold = self.hold.lock().unwrap();
        *hold = Some(hold.map_or(until, |h| h.max(until)));
    }

    /// The window HubSpot states on every answer; a spent window holds requests back for one
    /// window (HubSpot does not say when its rolling window frees a slot).
    fn learn(&self, headers: &reqwest::header::HeaderMap) {
        let number = |name: &str| headers.get(name)?.to_str().ok()?.trim().parse::<u64>().ok();
        if let Some(ms) = number("X-HubSpot-RateLimit-Interval-Milliseconds").filter(|ms| *ms > 0) {
            self.interval_ms.store(ms.min(60_000), Ordering::Relaxed);
        }
        if number("X-HubSpot-RateLimit-Remaining") == Some(0) {
            self.hold_for(self.interval());
        }
    }
}

/// The refresh through the relay failed: refused (the app was uninstalled or access revoked)
/// asks for a new sign-in; anything else (the relay down) is the site being unreachable.
fn signed_out(e: folio_auth::AuthError) -> SiteError {
    use folio_auth::AuthError;
    match e {
        AuthError::Rejected(_) | AuthError::SignedOut => SiteError::new(
            Code::NeedsReconnect,
            "HubSpot no longer accepts Folio's sign-in (the app was uninstalled or its access \
             revoked); reconnect the site",
        ),
        other => SiteError::new(
            Code::Unavailable,
            format!("HubSpot's access token could not be renewed: {other}"),
        ),
    }
}

fn policy(body: &[u8]) -> String {
    let said: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    said["policyName"].as_str().unwrap_or_default().to_ascii_uppercase()
}

/// HubSpot resets the daily limit at midnight in the account's time zone, which Folio does not
/// know; every zone's midnight falls on a quarter hour of UTC, so the site tries again at the
/// next quarter hour (at least a minute away): one request each time while the limit lasts.
fn until_next_reset() -> Duration {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let quarter = 900;
    let mut secs = quarter - now.as_secs() % quarter;
    if secs < 60 {
        secs += quarter;
    }
    Duration::from_secs(secs)
}

fn daily_error(wait: Duration) -> SiteError {
    SiteError {
        retry_after: Some(wait),
        ..SiteError::new(
            Code::RateLimited,
            "the HubSpot account's daily API limit is used up; Folio waits for it to reset \
             (midnight in the account's time zone)",
        )
    }
}

/// HubSpot's error body and status, in words for the photographer.
pub fn error(status: u16, body: &[u8], wait: Option<Duration>) -> SiteError {
    let said: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let category = said["category"].as_str().unwrap_or_default();
    let message = said["message"].as_str().unwrap_or_default();
    let detail = if message.is_empty() { String::new() } else { format!(": {message}") };
    // A support ticket's handle; only an id-shaped one is passed on.
    let correlation = said["correlationId"]
        .as_str()
        .filter(|c| c.len() <= 64 && c.chars().all(|c| c.is_ascii_hexdigit() || c == '-'))
        .map(|c| format!(" (HubSpot correlation id {c})"))
        .unwrap_or_default();
    let (code, text) = match (category, status) {
        ("INVALID_AUTHENTICATION", _) | (_, 401) => (
            Code::NeedsReconnect,
            "HubSpot refused the access token (wrong, revoked or expired); make a new private \
             app token or service key with the files scope and reconnect"
                .to_string(),
        ),
        ("MISSING_SCOPES", _) => (
            Code::NeedsReconnect,
            "the HubSpot token lacks the files scope; give the private app (or service key) the \
             files scope, then reconnect"
                .to_string(),
        ),
        (_, 403) => (Code::Forbidden, format!("HubSpot refused access{detail}")),
        ("OBJECT_NOT_FOUND", _) | (_, 404) => {
            (Code::NotFound, format!("not found on HubSpot (the file or folder){detail}"))
        }
        (_, 409) => (Code::Conflict, format!("HubSpot refused the change{detail}")),
        (_, 413) => (Code::TooLarge, "the file is larger than HubSpot accepts".to_string()),
        ("RATE_LIMITS", _) | (_, 429) => {
            (Code::RateLimited, "HubSpot asked Folio to slow down".to_string())
        }
        ("VALIDATION_ERROR", _) | (_, 400 | 415 | 422) => {
            (Code::Rejected, format!("HubSpot refused the file{detail}"))
        }
        (_, s) if s >= 500 => (Code::Unavailable, format!("HubSpot answered {s}; retrying")),
        (_, s) => (Code::Protocol, format!("unexpected answer from HubSpot ({s}){detail}")),
    };
    let retry =
        if code == Code::RateLimited { wait.or(Some(Duration::from_secs(10))) } else { None };
    SiteError { retry_after: retry, ..SiteError::new(code, format!("{text}{correlation}")) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(status: u16, category: &str, message: &str) -> Vec<u8> {
        json!({
            "status": "error", "message": message, "category": category,
            "correlationId": "1b2f6e0a-8a4b-4f6e-9d1c-2f1e0a9b8c7d", "status_code": status,
        })
        .to_string()
        .into_bytes()
    }

    #[test]
    fn error_bodies_are_read_by_their_category_and_keep_the_correlation_id() {
        let e = error(
            401,
            &body(401, "INVALID_AUTHENTICATION", "Authentication credentials not found."),
            None,
        );
        assert_eq!(e.code, Code::NeedsReconnect);
        assert!(e.message.contains("1b2f6e0a-8a4b-4f6e-9d1c-2f1e0a9b8c7d"), "{}", e.message);
        let e = error(
            403,
            &body(403, "MISSING_SCOPES", "This app hasn't been granted all required scopes"),
            None,
        );
        assert_eq!(e.code, Code::NeedsReconnect);
        assert!(e.message.contains("files scope"), "{}", e.message);
        assert_eq!(error(403, b"{}", None).code, Code::Forbidden);
        assert_eq!(
            error(404, &body(404, "OBJECT_NOT_FOUND", "File not found"), None).code,
            Code::NotFound
        );
        let e = error(400, &body(400, "VALIDATION_ERROR", "options.access is required"), None);
        assert_eq!(e.code, Code::Rejected);
        assert!(e.message.contains("options.access is required"), "{}", e.message);
        let e = error(429, &body(429, "RATE_LIMITS", ""), Some(Duration::from_secs(2)));
        assert_eq!((e.code, e.retry_after), (Code::RateLimited, Some(Duration::from_secs(2))));
        assert_eq!(error(502, b"<html>", None).code, Code::Unavailable);
        let odd = json!({"correlationId": "not an id <script>"}).to_string();
        assert!(!error(500, odd.as_bytes(), None).message.contains("script"));
    }

    #[test]
    fn the_daily_reset_is_tried_at_a_quarter_hour_at_least_a_minute_away() {
        let wait = until_next_reset();
        assert!(wait >= Duration::from_secs(60) && wait <= Duration::from_secs(960), "{wait:?}");
        let at = SystemTime::now().duration_since(UNIX_EPOCH).unwrap() + wait;
        assert!(at.as_secs() % 900 <= 1, "{at:?}");
    }
}
