//! A fake HubSpot account for tests, written from the Files API reference and HubSpot's
//! published limits: dated paths (`/files/v3|2026-03|2026-09/files…`), bearer tokens (a wrong
//! or revoked one: 401 `INVALID_AUTHENTICATION`; a token without the `files` scope: 403
//! `MISSING_SCOPES`), multipart uploads into a folder path (created as needed) with the
//! required `options.access`, the replace endpoint (same id and URL, new bytes, `updatedAt`
//! later), `overwrite` (the old file deleted, a new id), get, search by name and path with
//! `limit`/`after` paging (archived files left out), delete (archive) and GDPR delete, the
//! ten-secondly rolling limit and the daily limit (429 with `policyName`) with the
//! `X-HubSpot-RateLimit-*` headers, and a file host that serves what was uploaded. Faults come
//! from the conformance suite's [`Fault`]; a lost answer drops the answer of an upload after
//! the file is made. Its OAuth app (`oauth.rs`) signs people in for 30-minute access tokens.

mod oauth;
mod routes;

pub use crate::conformance::Fault;

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::Router;
use serde_json::json;
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The Files API versions the fake answers under.
pub const VERSIONS: [&str; 3] = ["v3", "2026-03", "2026-09"];

#[derive(Debug, Clone)]
pub struct FakeHubSpotConfig {
    pub portal_id: u64,
    /// The private app token it accepts.
    pub token: String,
    /// The token's scopes; without `files` every Files request is a 403 `MISSING_SCOPES`.
    pub scopes: Vec<String>,
    /// Requests per rolling window (Free and Starter: 100 per 10 s).
    pub per_interval: usize,
    pub interval: Duration,
    /// Requests a day (Free and Starter: 250,000).
    pub daily: u64,
    pub max_upload_bytes: usize,
    /// The OAuth app: its client id and secret, and the redirect URIs it allows.
    pub client_id: String,
    pub client_secret: String,
    pub redirect_uris: Vec<String>,
    /// How long an OAuth access token lasts (HubSpot: 30 minutes).
    pub access_lasts: Duration,
}

impl Default for FakeHubSpotConfig {
    fn default() -> Self {
        FakeHubSpotConfig {
            portal_id: 4_242_424,
            token: "pat-na1-fake0123-4567-89ab-cdef-0123456789ab".into(),
            scopes: vec!["files".into()],
            per_interval: 100,
            interval: Duration::from_secs(10),
            daily: 250_000,
            max_upload_bytes: 300 * 1024 * 1024,
            client_id: "5c1f0e2a-7d3b-4c8e-9f10-2a3b4c5d6e7f".into(),
            client_secret: "hubspot-app-secret-unset".into(),
            redirect_uris: Vec::new(),
            access_lasts: Duration::from_secs(1800),
        }
    }
}

#[derive(Debug, Clone)]
pub struct FakeFile {
    pub id: String,
    /// Without the extension.
    pub name: String,
    pub extension: String,
    /// `/Folio/Album`.
    pub folder: String,
    pub bytes: Vec<u8>,
    pub mime: String,
    pub access: String,
    pub created: u64,
    pub updated: u64,
    pub archived: bool,
    /// Times its content was replaced.
    pub replaced: u32,
}

impl FakeFile {
    pub fn path(&self) -> String {
        format!("{}/{}.{}", self.folder, self.name, self.extension)
    }
}

pub struct Account {
    pub config: FakeHubSpotConfig,
    /// `http://127.0.0.1:PORT`, where files are served from.
    pub base: String,
    pub files: BTreeMap<u64, FakeFile>,
    next_id: u64,
    /// Milliseconds of the fake's clock: every write moves it on.
    clock: u64,
    faults: VecDeque<Fault>,
    revoked: bool,
    arrivals: VecDeque<Instant>,
    pub daily_used: u64,
    /// `METHOD path?query` of each API request, in order.
    pub requests: Vec<String>,
    pub ten_secondly_429s: u64,
    pub daily_429s: u64,
    /// Files made by an upload.
    pub uploads: u64,
    /// What the OAuth app handed out.
    pub oauth: oauth::Grants,
}

type Shared = Arc<Mutex<Account>>;

pub struct FakeHubSpot {
    /// What `api_url` is set to.
    pub api_url: String,
    pub state: Shared,
}

impl FakeHubSpot {
    pub async fn start(config: FakeHubSpotConfig) -> FakeHubSpot {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(Account {
            config,
            base: base.clone(),
            files: BTreeMap::new(),
            next_id: 190_000_000_001,
            clock: 0,
            faults: VecDeque::new(),
            revoked: false,
            arrivals: VecDeque::new(),
            daily_used: 0,
            requests: Vec::new(),
            ten_secondly_429s: 0,
            daily_429s: 0,
            uploads: 0,
            oauth: oauth::Grants::default(),
        }));
        let app = Router::new()
            .route("/files/{v}/files", post(routes::upload))
            .route("/files/{v}/files/search", get(routes::search))
            .route(
                "/files/{v}/files/{id}",
                get(routes::get_file).put(routes::replace).delete(routes::archive),
            )
            .route("/files/{v}/files/{id}/gdpr-delete", delete(routes::gdpr_delete))
            .route_layer(axum::middleware::from_fn_with_state(state.clone(), guard))
            .route("/hubfs/{*path}", get(routes::serve))
            .route("/oauth/authorize", get(oauth::authorize))
            .route("/oauth/{v}/token", post(oauth::token))
            .fallback(|| async { error(404, "OBJECT_NOT_FOUND", "Not found", 0) })
            .layer(axum::extract::DefaultBodyLimit::disable())
            .with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        FakeHubSpot { api_url: base, state }
    }

    pub fn token(&self) -> String {
        self.state.lock().unwrap().config.token.clone()
    }

    /// The next `times` API requests fail with `fault` (a lost answer: the next upload makes
    /// its file and its answer never comes).
    pub fn inject(&self, fault: Fault, times: u32) {
        let mut s = self.state.lock().unwrap();
        s.faults.extend(std::iter::repeat_n(fault, times as usize));
    }

    /// The next upload's file is made and its answer dropped.
    pub fn drop_next_upload_answer(&self) {
        self.inject(Fault::LoseResponse, 1);
    }

    /// The token is revoked (the private app deleted, the key rotated).
    pub fn revoke(&self) {
        self.state.lock().unwrap().revoked = true;
    }

    /// Every OAuth access token expires now, as half an hour after it was made.
    pub fn expire_access_tokens(&self) {
        self.state.lock().unwrap().oauth.expire();
    }

    /// The account uninstalls the OAuth app: its access and refresh tokens stop working.
    pub fn uninstall_app(&self) {
        self.state.lock().unwrap().oauth.uninstall();
    }

    /// Every OAuth access and refresh token handed out.
    pub fn issued_tokens(&self) -> Vec<String> {
        self.state.lock().unwrap().oauth.issued.clone()
    }

    /// The `grant_type` of each token request, in order.
    pub fn token_grants(&self) -> Vec<String> {
        self.state.lock().unwrap().oauth.grants.clone()
    }

    /// Other integrations of the account spend `n` requests of the current window.
    pub fn spend_window(&self, n: usize) {
        let mut s = self.state.lock().unwrap();
        let now = Instant::now();
        s.arrivals.extend(std::iter::repeat_n(now, n));
    }

    /// The day's requests are used up (until [`FakeHubSpot::reset_daily`]).
    pub fn exhaust_daily(&self) {
        let mut s = self.state.lock().unwrap();
        s.daily_used = s.config.daily;
    }

    pub fn reset_daily(&self) {
        self.state.lock().unwrap().daily_used = 0;
    }

    /// Live files (not archived).
    pub fn files(&self) -> Vec<FakeFile> {
        let s = self.state.lock().unwrap();
        s.files.values().filter(|f| !f.archived).cloned().collect()
    }

    pub fn requests(&self) -> Vec<String> {
        self.state.lock().unwrap().requests.clone()
    }

    pub fn ten_secondly_429s(&self) -> u64 {
        self.state.lock().unwrap().ten_secondly_429s
    }

    /// What the file host serves at `url`.
    pub fn served(&self, url: &str) -> Option<Vec<u8>> {
        let s = self.state.lock().unwrap();
        s.files.values().find(|f| !f.archived && routes::url(&s, f) == url).map(|f| f.bytes.clone())
    }
}

impl Account {
    fn correlation_n(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    fn tick(&mut self) -> u64 {
        self.clock += 1000;
        self.clock
    }

    fn new_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 7;
        id
    }

    /// The rolling window over arrivals: the requests left in it, or the policy refused.
    fn admit(&mut self) -> Result<usize, &'static str> {
        if self.daily_used >= self.config.daily {
            self.daily_429s += 1;
            return Err("DAILY");
        }
        let now = Instant::now();
        let window = self.config.interval;
        while self.arrivals.front().is_some_and(|t| now.duration_since(*t) >= window) {
            self.arrivals.pop_front();
        }
        let max = self.config.per_interval;
        if self.arrivals.len() >= max {
            self.ten_secondly_429s += 1;
            return Err("TEN_SECONDLY_ROLLING");
        }
        self.arrivals.push_back(now);
        self.daily_used += 1;
        Ok(max - self.arrivals.len())
    }

    fn limit_headers(&self, r: &mut Response, remaining: usize) {
        let h = r.headers_mut();
        let c = &self.config;
        h.insert("X-HubSpot-RateLimit-Max", c.per_interval.into());
        h.insert("X-HubSpot-RateLimit-Remaining", remaining.into());
        h.insert(
            "X-HubSpot-RateLimit-Interval-Milliseconds",
            (c.interval.as_millis() as u64).into(),
        );
        h.insert("X-HubSpot-RateLimit-Daily", c.daily.into());
        h.insert(
            "X-HubSpot-RateLimit-Daily-Remaining",
            c.daily.saturating_sub(self.daily_used).into(),
        );
    }
}

fn correlation_id(n: u64) -> String {
    format!(
        "{:08x}-4c1e-4a0b-9f7d-{:012x}",
        n as u32,
        n.wrapping_mul(0x9e37_79b9) & 0xffff_ffff_ffff
    )
}

/// HubSpot's error body.
pub fn error(status: u16, category: &str, message: &str, n: u64) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut body =
        json!({"status": "error", "message": message, "correlationId": correlation_id(n)});
    if !category.is_empty() {
        body["category"] = category.into();
    }
    (code, [("Content-Type", "application/json;charset=utf-8")], body.to_string()).into_response()
}

fn rate_limited(policy: &str, n: u64) -> Response {
    let (message, group) = match policy {
        "DAILY" => ("You have reached your daily limit.", "publicapi:private-app:daily"),
        _ => ("You have reached your ten_secondly_rolling limit.", "publicapi:private-app:10s"),
    };
    let body = json!({
        "status": "error", "message": message, "errorType": "RATE_LIMIT",
        "correlationId": correlation_id(n), "policyName": policy, "groupName": group,
    });
    (
        StatusCode::TOO_MANY_REQUESTS,
        [("Content-Type", "application/json;charset=utf-8")],
        body.to_string(),
    )
        .into_response()
}

fn status_answer(status: u16, n: u64) -> Response {
    match status {
        401 => error(401, "INVALID_AUTHENTICATION", "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview", n),
        403 => error(403, "", "Forbidden", n),
        404 => error(404, "OBJECT_NOT_FOUND", "Resource not found", n),
        409 => error(409, "CONFLICT", "Conflict", n),
        413 => error(413, "VALIDATION_ERROR", "File too large", n),
        429 => rate_limited("TEN_SECONDLY_ROLLING", n),
        s if s >= 500 => error(s, "", "internal error", n),
        s => error(s, "VALIDATION_ERROR", "Invalid input", n),
    }
}

/// Before every API request: its version, the injected faults, the token and its scope, the
/// limits; after it, the rate-limit headers (and a lost answer).
async fn guard(State(account): State<Shared>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let version_ok = path.split('/').nth(2).is_some_and(|v| VERSIONS.contains(&v));
    let creates = req.method() == Method::POST && path.ends_with("/files");
    let (fault, n) = {
        let mut st = account.lock().unwrap();
        let query = req.uri().query().map(|q| format!("?{q}")).unwrap_or_default();
        st.requests.push(format!("{} {path}{query}", req.method()));
        let fault = match st.faults.front() {
            Some(Fault::LoseResponse) if !creates => None,
            Some(_) => st.faults.pop_front(),
            None => None,
        };
        (fault, st.correlation_n())
    };
    if !version_ok {
        return error(404, "OBJECT_NOT_FOUND", "Unknown API version", n);
    }
    match fault {
        Some(Fault::Status(code)) => return status_answer(code, n),
        Some(Fault::RetryAfter(secs)) => {
            let mut r = rate_limited("TEN_SECONDLY_ROLLING", n);
            r.headers_mut().insert("Retry-After", secs.into());
            return r;
        }
        Some(Fault::Hang) => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return status_answer(504, n);
        }
        Some(Fault::LoseResponse) | None => {}
    }
    let remaining = {
        let mut st = account.lock().unwrap();
        let bearer = req.headers().get("Authorization").and_then(|v| v.to_str().ok());
        let token = bearer.and_then(|b| b.strip_prefix("Bearer ")).unwrap_or_default();
        match st.oauth.check(token) {
            Some(Ok(())) => {}
            Some(Err(ago)) => {
                let said =
                    format!("The OAuth token used to make this call expired {ago} second(s) ago.");
                return error(401, "EXPIRED_AUTHENTICATION", &said, n);
            }
            None if token != st.config.token || st.revoked => return status_answer(401, n),
            None => {}
        }
        if !st.config.scopes.iter().any(|s| s == "files") {
            let mut r = error(403, "MISSING_SCOPES", "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.", n);
            st.limit_headers(&mut r, 0);
            return r;
        }
        match st.admit() {
            Ok(remaining) => remaining,
            Err(policy) => {
                let mut r = rate_limited(policy, n);
                st.limit_headers(&mut r, 0);
                return r;
            }
        }
    };
    let mut r = next.run(req).await;
    account.lock().unwrap().limit_headers(&mut r, remaining);
    if fault == Some(Fault::LoseResponse) {
        // Done, but the answer never arrives.
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    r
}
