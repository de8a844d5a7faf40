//! A fake OAuth service (authorize page, token, refresh and revoke endpoints) and a relay in
//! front of it, both on 127.0.0.1, for the relay's tests.

#![allow(dead_code)] // Each test file uses its own part of this.

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::Engine as _;
use sha2::Digest;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;

pub const CANVA_SECRET: &str = "CANVA-SECRET-s3cr3t-Zq9";
pub const WPCOM_SECRET: &str = "WPCOM-SECRET-s3cr3t-Xk2";
/// The code the fake authorize page hands out; any other code is `invalid_grant`.
pub const GOOD_CODE: &str = "CODE-4f1d+9/=x";
pub const ACCESS_TOKEN: &str = "ACCESS-TOKEN-7e2b";
pub const REFRESH_TOKEN: &str = "REFRESH-TOKEN-91ac";
pub const ROTATED_REFRESH_TOKEN: &str = "REFRESH-TOKEN-ROTATED-55d0";
/// The exact answer to a good exchange, content type included, to check it comes back as is.
pub const TOKEN_ANSWER: &str = "{\"access_token\":\"ACCESS-TOKEN-7e2b\",\"refresh_token\":\"REFRESH-TOKEN-91ac\",\"token_type\":\"Bearer\",\"expires_in\":14400,\"scope\":\"design:meta:read\"}";
pub const TOKEN_CONTENT_TYPE: &str = "application/json;charset=UTF-8";
pub const INVALID_GRANT: &str =
    "{\"error\":\"invalid_grant\",\"error_description\":\"Invalid code\"}";

/// One request that reached the fake service.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub authorization: Option<String>,
    pub form: BTreeMap<String, String>,
}

#[derive(Default)]
struct Books {
    seen: Vec<Seen>,
    challenges: Vec<String>,
}

pub struct Fake {
    pub url: String,
    books: Arc<Mutex<Books>>,
}

impl Fake {
    /// Only an address, for a configuration that is read but not served.
    pub fn for_config(url: &str) -> Fake {
        Fake { url: url.to_string(), books: Arc::default() }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.books.lock().unwrap().seen.clone()
    }
}

pub fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}")))
}

pub async fn fake_service() -> Fake {
    let books = Arc::new(Mutex::new(Books::default()));
    let app = Router::new()
        .route("/authorize", get(authorize))
        .route("/oauth/token", post(token))
        .route("/oauth/refresh", post(token))
        .route("/oauth/revoke", post(token))
        .fallback(elsewhere)
        .with_state(books.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Fake { url, books }
}

/// The service's consent page, already agreed: back to `redirect_uri` with a code.
async fn authorize(
    State(books): State<Arc<Mutex<Books>>>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    if q.get("code_challenge_method").map(String::as_str) != Some("S256") {
        return (StatusCode::BAD_REQUEST, "PKCE S256 required").into_response();
    }
    books.lock().unwrap().challenges.push(q["code_challenge"].clone());
    let mut back = url::Url::parse(&q["redirect_uri"]).unwrap();
    back.query_pairs_mut().append_pair("code", GOOD_CODE).append_pair("state", &q["state"]);
    Redirect::to(back.as_str()).into_response()
}

async fn token(
    State(books): State<Arc<Mutex<Books>>>,
    uri: Uri,
    headers: HeaderMap,
    body: String,
) -> Response {
    let form: BTreeMap<String, String> =
        url::form_urlencoded::parse(body.as_bytes()).into_owned().collect();
    let seen = Seen {
        path: uri.path().to_string(),
        authorization: headers.get(header::AUTHORIZATION).map(|v| v.to_str().unwrap().to_string()),
        form: form.clone(),
    };
    let mut books = books.lock().unwrap();
    books.seen.push(seen);
    let json = |status: StatusCode, body: String| {
        (status, [(header::CONTENT_TYPE, TOKEN_CONTENT_TYPE)], body).into_response()
    };
    match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => {
            let verifier_fits = |challenge: &String| {
                let verifier = form.get("code_verifier").map(String::as_str).unwrap_or_default();
                let hash = sha2::Sha256::digest(verifier.as_bytes());
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(hash) == *challenge
            };
            // When the authorize page was used, the verifier must be the one behind its challenge.
            let pkce_ok = books.challenges.is_empty() || books.challenges.iter().any(verifier_fits);
            if form.get("code").map(String::as_str) == Some(GOOD_CODE) && pkce_ok {
                json(StatusCode::OK, TOKEN_ANSWER.to_string())
            } else {
                json(StatusCode::BAD_REQUEST, INVALID_GRANT.to_string())
            }
        }
        Some("refresh_token") if form.get("refresh_token").map(String::as_str) == Some(REFRESH_TOKEN) => json(
            StatusCode::OK,
            format!("{{\"access_token\":\"{ACCESS_TOKEN}-2\",\"refresh_token\":\"{ROTATED_REFRESH_TOKEN}\",\"token_type\":\"Bearer\",\"expires_in\":14400}}"),
        ),
        Some(_) => json(StatusCode::BAD_REQUEST, INVALID_GRANT.to_string()),
        None if uri.path() == "/oauth/revoke" => StatusCode::OK.into_response(),
        None => json(StatusCode::BAD_REQUEST, "{\"error\":\"invalid_request\"}".into()),
    }
}

/// Anything else: recorded, so a test sees a request that should never have come.
async fn elsewhere(State(books): State<Arc<Mutex<Books>>>, uri: Uri) -> StatusCode {
    let seen = Seen { path: uri.path().to_string(), authorization: None, form: BTreeMap::new() };
    books.lock().unwrap().seen.push(seen);
    StatusCode::IM_A_TEAPOT
}

pub struct Running {
    pub url: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Running {
    /// Everything the relay logged so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }
}

/// The relay's configuration for `canva` (secret in Basic, with refresh and revoke URLs) and
/// `wpcom` (secret in the body, token URL only) at the fake; `top` adds top-level settings.
pub fn config(public_url: &str, fake: &Fake, top: &str) -> String {
    let f = &fake.url;
    format!(
        r#"public_url = "{public_url}"
{top}

[services.canva]
client_id = "canva-app"
client_secret = "{CANVA_SECRET}"
secret_in = "basic"
authorize_url = "{f}/authorize"
token_url = "{f}/oauth/token"
refresh_url = "{f}/oauth/refresh"
revoke_url = "{f}/oauth/revoke"
scopes = ["design:meta:read", "design:content:read", "folder:read"]

[services.wpcom]
client_id = "wpcom-app"
client_secret = "{WPCOM_SECRET}"
secret_in = "body"
authorize_url = "{f}/authorize"
token_url = "{f}/oauth/token"
scopes = ["posts", "media"]
"#
    )
}

/// A relay on a free port of 127.0.0.1 in front of `fake`, over `scheme` (`https` needs
/// `tls_cert` and `tls_key` in `top`).
pub async fn start_relay_with(fake: &Fake, scheme: &str, top: &str) -> Running {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("{scheme}://{}", listener.local_addr().unwrap());
    let config = folio_relay::Config::from_toml(&config(&url, fake, top)).unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    let lines = log.clone();
    let sink: folio_relay::Log =
        Arc::new(move |line: &str| lines.lock().unwrap().push(line.to_string()));
    tokio::spawn(async move { folio_relay::run(config, listener, sink).await.unwrap() });
    Running { url, log }
}

pub async fn start_relay(fake: &Fake) -> Running {
    start_relay_with(fake, "http", "").await
}

/// A client that shows redirects instead of following them.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}
