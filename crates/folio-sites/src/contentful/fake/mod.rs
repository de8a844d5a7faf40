//! A fake Contentful space for tests, written from the Content Management API reference: two
//! hosts (the API, and the upload host that takes raw `application/octet-stream` bytes),
//! bearer tokens (`AccessTokenInvalid`), assets created with a client-chosen id by a PUT
//! without a version, updated only with the current `X-Contentful-Version` (else 409
//! `VersionMismatch`), files processed asynchronously (the URL appears after a number of reads,
//! and processing bumps the version), publishing refused with 422 while a file is unprocessed,
//! unpublish, archive, delete, listings with `skip`/`limit`/`order`/`sys.id[in]`, a per-second
//! rate limit with the `X-Contentful-RateLimit-*` headers, and an images route that serves the
//! processed files. Faults come from the conformance suite's [`Fault`].

mod routes;

pub use crate::conformance::Fault;

use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct FakeSpaceConfig {
    pub space: String,
    pub space_name: String,
    pub environment: String,
    /// The personal access token it accepts.
    pub token: String,
    /// Locale codes; the first is the default.
    pub locales: Vec<String>,
    /// Requests a second (Contentful's default: 7).
    pub per_second: usize,
    /// Reads of an asset before a processed file gets its URL.
    pub processing_reads: u32,
    /// Largest upload, in bytes (free spaces: 50 MB).
    pub max_upload_bytes: usize,
}

impl Default for FakeSpaceConfig {
    fn default() -> Self {
        FakeSpaceConfig {
            space: "fakespace1".into(),
            space_name: "Folio Test Space".into(),
            environment: "master".into(),
            token: "CFPAT-fake0123456789abcdef".into(),
            locales: vec!["en-US".into(), "de-DE".into()],
            per_second: 7,
            processing_reads: 2,
            max_upload_bytes: 50 * 1024 * 1024,
        }
    }
}

#[derive(Debug, Clone)]
pub struct FakeAsset {
    pub id: String,
    pub version: u64,
    pub published_version: Option<u64>,
    pub archived_version: Option<u64>,
    pub fields: Value,
    /// Creation order, for `order=sys.createdAt`.
    pub created: u64,
    /// Locales whose file is being processed, with the reads left before it is done.
    processing: BTreeMap<String, u32>,
    /// Files processed so far (the first upload and each new file).
    pub processed: u32,
}

pub struct Space {
    pub config: FakeSpaceConfig,
    /// `//127.0.0.1:PORT`, the images host of processed files' URLs.
    pub images: String,
    pub assets: BTreeMap<String, FakeAsset>,
    uploads: HashMap<String, Vec<u8>>,
    /// Processed files by the path of their URL: bytes and type.
    pub files: HashMap<String, (Vec<u8>, String)>,
    faults: VecDeque<Fault>,
    revoked: bool,
    stalled: bool,
    /// Processing that bumps the version once more just after the file got its URL (the
    /// late bump that makes a publish right after processing a 409).
    late_bumps: u32,
    arrivals: VecDeque<Instant>,
    next: u64,
    /// `METHOD path` of each request, in order.
    pub requests: Vec<String>,
    pub rate_limited: u64,
    /// Assets made (a PUT with a new id).
    pub asset_creates: u64,
}

type Shared = Arc<Mutex<Space>>;

pub struct FakeContentful {
    /// What `api_url` is set to.
    pub api_url: String,
    /// What `upload_url` is set to.
    pub upload_url: String,
    pub state: Shared,
}

#[derive(Clone)]
struct Served {
    space: Shared,
    upload_host: bool,
}

impl FakeContentful {
    pub async fn start(config: FakeSpaceConfig) -> FakeContentful {
        let api = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let upload = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let api_addr = api.local_addr().unwrap();
        let state = Arc::new(Mutex::new(Space {
            config,
            images: format!("//{api_addr}"),
            assets: BTreeMap::new(),
            uploads: HashMap::new(),
            files: HashMap::new(),
            faults: VecDeque::new(),
            revoked: false,
            stalled: false,
            late_bumps: 0,
            arrivals: VecDeque::new(),
            next: 1,
            requests: Vec::new(),
            rate_limited: 0,
            asset_creates: 0,
        }));
        let upload_url = format!("http://{}", upload.local_addr().unwrap());
        for (listener, upload_host) in [(api, false), (upload, true)] {
            let app = Router::new()
                .fallback(handle)
                .with_state(Served { space: state.clone(), upload_host });
            tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        }
        FakeContentful { api_url: format!("http://{api_addr}"), upload_url, state }
    }

    pub fn token(&self) -> String {
        self.state.lock().unwrap().config.token.clone()
    }

    /// The next `times` requests fail with `fault` (a lost answer: the next asset creation is
    /// carried out and its answer never comes).
    pub fn inject(&self, fault: Fault, times: u32) {
        let mut s = self.state.lock().unwrap();
        s.faults.extend(std::iter::repeat_n(fault, times as usize));
    }

    /// The token is revoked: every request is refused with `AccessTokenInvalid`.
    pub fn revoke(&self) {
        self.state.lock().unwrap().revoked = true;
    }

    /// While stalled, files being processed stay so, however often they are read.
    pub fn stall_processing(&self, stalled: bool) {
        self.state.lock().unwrap().stalled = stalled;
    }

    /// The next `n` processed files bump the asset's version once more after it was read.
    pub fn late_version_bumps(&self, n: u32) {
        self.state.lock().unwrap().late_bumps = n;
    }

    /// An editor gives asset `id` a file in `locale` and has it processed, which takes
    /// `reads` reads of the asset.
    pub fn editor_adds_file(&self, id: &str, locale: &str, bytes: &[u8], reads: u32) {
        let mut st = self.state.lock().unwrap();
        let upload = format!("upload{}", st.next);
        st.next += 1;
        st.uploads.insert(upload.clone(), bytes.to_vec());
        let a = st.assets.get_mut(id).expect("no such asset");
        a.fields["file"][locale] = json!({
            "contentType": "image/jpeg",
            "fileName": "editor.jpg",
            "uploadFrom": {"sys": {"type": "Link", "linkType": "Upload", "id": upload}},
        });
        a.version += 1;
        a.processing.insert(locale.to_string(), reads);
    }

    pub fn assets(&self) -> Vec<FakeAsset> {
        self.state.lock().unwrap().assets.values().cloned().collect()
    }

    pub fn rate_limited(&self) -> u64 {
        self.state.lock().unwrap().rate_limited
    }

    pub fn requests(&self) -> Vec<String> {
        self.state.lock().unwrap().requests.clone()
    }

    /// What the images host serves at `url` (with or without a scheme).
    pub fn served(&self, url: &str) -> Option<Vec<u8>> {
        let path = url.split("//").nth(1)?.split_once('/')?.1;
        self.state.lock().unwrap().files.get(&format!("/{path}")).map(|(b, _)| b.clone())
    }
}

impl FakeAsset {
    pub fn text(&self, field: &str, locale: &str) -> Option<&str> {
        self.fields[field][locale].as_str()
    }

    pub fn url(&self, locale: &str) -> Option<&str> {
        self.fields["file"][locale]["url"].as_str()
    }
}

/// Contentful's error body.
pub fn error(status: u16, id: &str, message: &str) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = json!({
        "sys": {"type": "Error", "id": id},
        "message": message,
        "details": {},
        "requestId": "fake-request",
    });
    (code, [("Content-Type", "application/vnd.contentful.management.v1+json")], body.to_string())
        .into_response()
}

fn status_answer(status: u16) -> Response {
    match status {
        401 => error(401, "AccessTokenInvalid", "The access token you sent could not be found or is invalid."),
        403 => error(403, "AccessDenied", "Forbidden"),
        404 => error(404, "NotFound", "The resource could not be found."),
        409 => error(409, "VersionMismatch", "Version mismatch"),
        413 => error(413, "PayloadTooLarge", "The request body is too large"),
        422 => error(422, "ValidationFailed", "Validation error"),
        429 => error(429, "RateLimitExceeded", "You have exceeded the rate limit of the Organization this Space belongs to by making too many API requests within a short timespan. Please wait a moment before trying the request again."),
        s if s >= 500 => error(s, "ServerError", "Internal server error"),
        s => error(s, "BadRequest", "Bad request"),
    }
}

impl Space {
    /// The per-second limit over arrivals: the requests left this second, or `None` (a 429).
    fn admit(&mut self) -> Option<usize> {
        let now = Instant::now();
        while self
            .arrivals
            .front()
            .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1))
        {
            self.arrivals.pop_front();
        }
        let limit = self.config.per_second;
        if self.arrivals.len() >= limit {
            self.rate_limited += 1;
            return None;
        }
        self.arrivals.push_back(now);
        Some(limit - self.arrivals.len())
    }
}

async fn handle(
    axum::extract::State(served): axum::extract::State<Served>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let path = uri.path().to_string();
    if !served.upload_host && method == Method::GET && path.starts_with("/images/") {
        let st = served.space.lock().unwrap();
        return match st.files.get(&path) {
            Some((bytes, mime)) => {
                ([("Content-Type", mime.clone())], bytes.clone()).into_response()
            }
            None => (StatusCode::NOT_FOUND, "Not Found").into_response(),
        };
    }
    let version = headers
        .get("X-Contentful-Version")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let creates = method == Method::PUT
        && version.is_none()
        && path.contains("/assets/")
        && path.matches('/').count() == 6;
    let fault = {
        let mut st = served.space.lock().unwrap();
        st.requests.push(format!("{method} {path}"));
        match st.faults.front() {
            Some(Fault::LoseResponse) if !creates => None,
            Some(_) => st.faults.pop_front(),
            None => None,
        }
    };
    match fault {
        Some(Fault::Status(code)) => return status_answer(code),
        Some(Fault::RetryAfter(secs)) => {
            let mut r = status_answer(429);
            r.headers_mut().insert("X-Contentful-RateLimit-Reset", secs.into());
            return r;
        }
        Some(Fault::Hang) => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return status_answer(504);
        }
        Some(Fault::LoseResponse) | None => {}
    }
    let answer = {
        let mut st = served.space.lock().unwrap();
        let bearer = headers.get("Authorization").and_then(|v| v.to_str().ok());
        let token_ok = bearer == Some(format!("Bearer {}", st.config.token).as_str());
        if !token_ok || st.revoked {
            return status_answer(401);
        }
        let Some(remaining) = st.admit() else {
            let mut r = status_answer(429);
            let h = r.headers_mut();
            h.insert("X-Contentful-RateLimit-Second-Limit", st.config.per_second.into());
            h.insert("X-Contentful-RateLimit-Second-Remaining", 0.into());
            h.insert("X-Contentful-RateLimit-Reset", 1.into());
            return r;
        };
        let query = uri.query().unwrap_or_default();
        let mut r = routes::route(
            &mut st,
            served.upload_host,
            &method,
            &path,
            query,
            version,
            &headers,
            &body,
        );
        let limit = st.config.per_second;
        let h = r.headers_mut();
        h.insert("X-Contentful-RateLimit-Second-Limit", limit.into());
        h.insert("X-Contentful-RateLimit-Second-Remaining", remaining.into());
        r
    };
    if fault == Some(Fault::LoseResponse) {
        // Done, but the answer never arrives.
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    answer
}
