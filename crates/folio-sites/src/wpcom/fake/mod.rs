//! A fake WordPress.com for tests, written from the published API (the endpoint declarations
//! in Jetpack's `json-endpoints/` and developer.wordpress.com's OAuth 2 page), not from Folio's
//! client: `/rest/v1.1/me`, `me/sites`, `sites/$site`, the media library (`media` with
//! `number`/`page_handle`/`search`/`mime_type`, `media/new` with `media[]` and `attrs`,
//! `media/$ID`, `media/$ID/edit` giving the file a new name and URL under the same id,
//! `media/$ID/delete` for good), AVIF refused as WordPress refuses it, bearer tokens (a revoked
//! one is `invalid_token`), a served files host, and the OAuth endpoints (`/oauth2/authorize`
//! answers at once with a redirect carrying `code` and `state`; `/oauth2/token` checks the
//! client's id and secret, the code and the redirect URI). Faults come from the conformance
//! suite's [`Fault`]; a lost answer applies to the next `media/new`.

mod media;
mod oauth;

pub use crate::conformance::Fault;

use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::json;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct FakeBlog {
    pub id: u64,
    /// `example.wordpress.com`.
    pub domain: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct FakeWpcomConfig {
    /// The OAuth app.
    pub client_id: String,
    pub client_secret: String,
    /// Redirect URIs registered for the app; a sign-in must use one exactly.
    pub redirect_uris: Vec<String>,
    /// The access token the token endpoint issues and the API accepts.
    pub token: String,
    pub user_id: u64,
    pub username: String,
    pub display_name: String,
    /// The site whose media library this fake keeps (the token's blog).
    pub blog: FakeBlog,
    /// The account's other sites, listed by `me/sites`; the token does not reach them.
    pub other_sites: Vec<FakeBlog>,
    /// `WPCOM_MAX_UPLOAD_FILE_SIZE`.
    pub max_upload_bytes: usize,
    /// Tokens are issued with `scope=global`: `blog_id` 0 and no `blog_url` in the token answer
    /// (the account's sites are then the person's to pick).
    pub global_token: bool,
}

impl Default for FakeWpcomConfig {
    fn default() -> Self {
        FakeWpcomConfig {
            client_id: "12345".into(),
            client_secret: "fake-client-secret-0123456789".into(),
            redirect_uris: vec!["http://127.0.0.1:8974/callback".into()],
            token: "fAkE)tOkEn(0123456789abcdef%xyz".into(),
            user_id: 777,
            username: "folioshooter".into(),
            display_name: "Folio Shooter".into(),
            blog: FakeBlog {
                id: 200_001,
                domain: "folio-test.wordpress.com".into(),
                name: "Folio Test Photos".into(),
            },
            other_sites: vec![FakeBlog {
                id: 200_002,
                domain: "second-site.wordpress.com".into(),
                name: "Second Site".into(),
            }],
            max_upload_bytes: 50 * 1024 * 1024,
            global_token: false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct FakeMedia {
    pub id: u64,
    /// The file's name now (`harbour.webp`, after an edit `harbour-{seed}-{n}.webp`).
    pub file: String,
    /// The first file's name without extension, which edits build on.
    pub original: String,
    pub mime: String,
    pub title: String,
    pub caption: String,
    pub description: String,
    pub alt: String,
    /// Files before the edits, newest last (WordPress.com keeps five).
    pub revisions: Vec<String>,
}

pub struct Library {
    pub config: FakeWpcomConfig,
    /// `http://127.0.0.1:PORT`, where the files are served.
    pub base: String,
    pub media: BTreeMap<u64, FakeMedia>,
    /// Served files by path: bytes and type. Old files stay served after an edit.
    pub files: HashMap<String, (Vec<u8>, String)>,
    faults: VecDeque<Fault>,
    revoked: bool,
    /// Codes the authorize endpoint gave: client id and redirect URI.
    codes: HashMap<String, (String, String)>,
    next: u64,
    /// `METHOD path` of each request, in order.
    pub requests: Vec<String>,
    /// Items `media/new` made.
    pub creates: u64,
}

type Shared = Arc<Mutex<Library>>;

pub struct FakeWpcom {
    /// What `api_url` is set to.
    pub api_url: String,
    pub state: Shared,
}

impl FakeWpcom {
    pub async fn start(config: FakeWpcomConfig) -> FakeWpcom {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(Library {
            config,
            base: base.clone(),
            media: BTreeMap::new(),
            files: HashMap::new(),
            faults: VecDeque::new(),
            revoked: false,
            codes: HashMap::new(),
            next: 1,
            requests: Vec::new(),
            creates: 0,
        }));
        let app = Router::new().fallback(handle).with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        FakeWpcom { api_url: base, state }
    }

    pub fn token(&self) -> String {
        self.state.lock().unwrap().config.token.clone()
    }

    pub fn site(&self) -> String {
        self.state.lock().unwrap().config.blog.domain.clone()
    }

    /// The next `times` API requests fail with `fault`; a lost answer is the next `media/new`
    /// carried out with its answer never sent.
    pub fn inject(&self, fault: Fault, times: u32) {
        let mut s = self.state.lock().unwrap();
        s.faults.extend(std::iter::repeat_n(fault, times as usize));
    }

    /// The person removed the app's access (wordpress.com/me/security/connected-applications).
    pub fn revoke(&self) {
        self.state.lock().unwrap().revoked = true;
    }

    pub fn media(&self) -> Vec<FakeMedia> {
        self.state.lock().unwrap().media.values().cloned().collect()
    }

    pub fn creates(&self) -> u64 {
        self.state.lock().unwrap().creates
    }

    pub fn requests(&self) -> Vec<String> {
        self.state.lock().unwrap().requests.clone()
    }

    /// What is served at `url`.
    pub fn served(&self, url: &str) -> Option<Vec<u8>> {
        let path = url.split("//").nth(1)?.split_once('/')?.1;
        let path = path.split('?').next()?;
        self.state.lock().unwrap().files.get(&format!("/{path}")).map(|(b, _)| b.clone())
    }
}

/// WordPress.com's error body.
pub fn error(status: u16, code: &str, message: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(json!({"error": code, "message": message}))).into_response()
}

fn status_answer(status: u16) -> Response {
    match status {
        401 => error(401, "invalid_token", "The OAuth2 token is invalid."),
        403 => error(403, "unauthorized", "User cannot view media"),
        404 => error(404, "unknown_media", "Unknown Media"),
        409 => error(409, "conflict", "The media item was changed by another request."),
        // The front server refuses the body before WordPress sees it.
        413 => (
            StatusCode::PAYLOAD_TOO_LARGE,
            "<html><body>413 Request Entity Too Large</body></html>",
        )
            .into_response(),
        429 => error(429, "rate_limit_exceeded", "You are making too many requests."),
        s if s >= 500 => error(s, "server_error", "Internal Server Error"),
        s => error(s, "invalid_input", "Bad request"),
    }
}

/// A request's parameters: its query, form or JSON fields, and its files (multipart).
#[derive(Debug, Default)]
pub struct Input {
    pub fields: Vec<(String, String)>,
    pub files: Vec<FilePart>,
}

#[derive(Debug)]
pub struct FilePart {
    pub field: String,
    pub name: String,
    pub mime: String,
    pub bytes: Vec<u8>,
}

impl Input {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

async fn read_input(query: &str, headers: &HeaderMap, request: Request) -> Result<Input, Response> {
    let mut input = Input {
        fields: url::form_urlencoded::parse(query.as_bytes()).into_owned().collect(),
        files: Vec::new(),
    };
    let kind = headers.get("Content-Type").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let bad = |why: String| error(400, "invalid_input", &why);
    if kind.starts_with("multipart/form-data") {
        let mut parts = axum::extract::Multipart::from_request(request, &())
            .await
            .map_err(|e| bad(e.to_string()))?;
        while let Some(part) = parts.next_field().await.map_err(|e| bad(e.to_string()))? {
            let field = part.name().unwrap_or_default().to_string();
            let name = part.file_name().map(str::to_string);
            let mime = part.content_type().unwrap_or("application/octet-stream").to_string();
            let bytes = part.bytes().await.map_err(|e| bad(e.to_string()))?.to_vec();
            match name {
                Some(name) => input.files.push(FilePart { field, name, mime, bytes }),
                None => input.fields.push((field, String::from_utf8_lossy(&bytes).into_owned())),
            }
        }
        return Ok(input);
    }
    let body = axum::body::to_bytes(request.into_body(), 64 * 1024 * 1024)
        .await
        .map_err(|e| bad(e.to_string()))?;
    if kind.starts_with("application/json") {
        let v: serde_json::Value = serde_json::from_slice(&body).map_err(|e| bad(e.to_string()))?;
        for (k, v) in v.as_object().into_iter().flatten() {
            let text = v.as_str().map_or_else(|| v.to_string(), str::to_string);
            input.fields.push((k.clone(), text));
        }
    } else {
        input.fields.extend(url::form_urlencoded::parse(&body).into_owned());
    }
    Ok(input)
}

async fn handle(State(library): State<Shared>, request: Request) -> Response {
    let method = request.method().clone();
    let uri = request.uri().clone();
    let headers = request.headers().clone();
    let path = uri.path().to_string();
    let query = uri.query().unwrap_or_default().to_string();
    if method == Method::GET && path.starts_with("/files/") {
        let st = library.lock().unwrap();
        return match st.files.get(&path) {
            Some((bytes, mime)) => {
                ([("Content-Type", mime.clone())], bytes.clone()).into_response()
            }
            None => (StatusCode::NOT_FOUND, "Not Found").into_response(),
        };
    }
    let input = match read_input(&query, &headers, request).await {
        Ok(input) => input,
        Err(r) => return r,
    };
    if let Some(rest) = path.strip_prefix("/oauth2/") {
        let mut st = library.lock().unwrap();
        st.requests.push(format!("{method} {path}"));
        return oauth::route(&mut st, &method, rest, &input);
    }
    let Some(rest) = path.strip_prefix("/rest/v1.1/") else {
        return error(404, "unknown_endpoint", "Unknown endpoint");
    };
    let creates = method == Method::POST && rest.ends_with("/media/new");
    let fault = {
        let mut st = library.lock().unwrap();
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
            r.headers_mut().insert("Retry-After", secs.into());
            return r;
        }
        Some(Fault::Hang) => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return status_answer(504);
        }
        Some(Fault::LoseResponse) | None => {}
    }
    let answer = {
        let mut st = library.lock().unwrap();
        let bearer = headers.get("Authorization").and_then(|v| v.to_str().ok());
        let token = bearer
            .and_then(|b| b.split_once(' '))
            .filter(|(s, _)| s.eq_ignore_ascii_case("bearer"));
        match token {
            None => return error(
                403,
                "authorization_required",
                "An active access token must be used to query information about the current user.",
            ),
            Some((_, t)) if t != st.config.token || st.revoked => return status_answer(401),
            Some(_) => {}
        }
        media::route(&mut st, &method, rest.trim_end_matches('/'), &input)
    };
    if fault == Some(Fault::LoseResponse) {
        // Done, but the answer never arrives.
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    answer
}
