//! The fake's Adobe IMS, as the Developer Console's user-authentication guide describes it:
//! `GET /ims/authorize/v2` (the user signing in and allowing; PKCE with S256), and
//! `POST /ims/token/v3`, which wants the credential's client id and secret (in the body, or
//! HTTP Basic), takes a code once, and answers a refresh while the refresh token is younger
//! than 14 days (Adobe's lifetime; it is not renewed by a refresh), else `invalid_grant`.
//! Access tokens last 24 hours (`expires_in` 86399).

use super::{FakeLightroom, Lightroom, Shared};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::collections::HashMap;

/// A day of the fake's IMS clock, in seconds.
pub const DAY: i64 = 86_400;
/// How long Adobe's refresh tokens last.
const REFRESH_LIFETIME: i64 = 14 * DAY;

#[derive(Default)]
pub(crate) struct Ims {
    /// The fake's own address.
    pub base: String,
    pub client_secret: String,
    /// code → (PKCE challenge, redirect URI)
    codes: HashMap<String, (String, String)>,
    /// Refresh tokens that work, with when each was issued (IMS seconds).
    refresh: HashMap<String, i64>,
    /// IMS's clock, in seconds; tests move it on.
    now: i64,
    issued: u64,
}

pub(super) fn init(lr: &mut Lightroom) {
    lr.ims.client_secret = "fake-adobe-client-secret".into();
    lr.ims.now = 1_767_225_600;
}

pub(super) fn revoke_refresh(lr: &mut Lightroom) {
    lr.ims.refresh.clear();
}

impl FakeLightroom {
    /// The credential's client id (its API key) and secret the token endpoint accepts.
    pub fn client(&self) -> (String, String) {
        let lr = self.state.lock().unwrap();
        (lr.api_key.clone(), lr.ims.client_secret.clone())
    }

    /// Moves IMS's clock on by `secs` (refresh tokens age).
    pub fn pass(&self, secs: i64) {
        self.state.lock().unwrap().ims.now += secs;
    }
}

pub(super) async fn authorize(
    State(s): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut lr = s.lock().unwrap();
    lr.calls.push("ims/authorize".into());
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    let valid = get("client_id") == lr.api_key
        && get("response_type") == "code"
        && get("code_challenge_method").eq_ignore_ascii_case("s256")
        && !get("code_challenge").is_empty()
        && get("scope").split([',', ' ']).any(|s| s == "lr_partner_apis");
    let Ok(mut target) = url::Url::parse(&get("redirect_uri")) else {
        return (StatusCode::BAD_REQUEST, "invalid redirect_uri").into_response();
    };
    if !valid {
        return (StatusCode::BAD_REQUEST, "invalid authorization request").into_response();
    }
    lr.ims.issued += 1;
    let code = format!("fake-ims-code-{}", lr.ims.issued);
    lr.ims.codes.insert(code.clone(), (get("code_challenge"), get("redirect_uri")));
    target.query_pairs_mut().append_pair("code", &code).append_pair("state", &get("state"));
    (StatusCode::FOUND, [("Location", target.to_string())]).into_response()
}

fn refused(status: StatusCode, error: &str, description: &str) -> Response {
    (status, Json(serde_json::json!({"error": error, "error_description": description})))
        .into_response()
}

pub(super) async fn token(State(s): State<Shared>, headers: HeaderMap, body: String) -> Response {
    use base64::Engine;
    use sha2::Digest;
    let form: HashMap<String, String> =
        url::form_urlencoded::parse(body.as_bytes()).into_owned().collect();
    let field = |k: &str| form.get(k).cloned().unwrap_or_default();
    let mut lr = s.lock().unwrap();
    lr.calls.push("ims/token".into());
    let basic = headers
        .get("Authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok());
    let expected = format!("{}:{}", lr.api_key, lr.ims.client_secret);
    let in_body = format!("{}:{}", field("client_id"), field("client_secret"));
    if basic.as_deref() != Some(expected.as_str()) && in_body != expected {
        return refused(StatusCode::UNAUTHORIZED, "invalid_client", "invalid client credentials");
    }
    match field("grant_type").as_str() {
        "authorization_code" => {
            // A code works once, whatever follows.
            let Some((challenge, redirect)) = lr.ims.codes.remove(&field("code")) else {
                return refused(StatusCode::BAD_REQUEST, "invalid_grant", "Code is invalid");
            };
            let s256 = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(sha2::Sha256::digest(field("code_verifier").as_bytes()));
            let redirect_ok = form.get("redirect_uri").is_none_or(|r| *r == redirect);
            if s256 != challenge || !redirect_ok {
                return refused(StatusCode::BAD_REQUEST, "invalid_grant", "Code verifier mismatch");
            }
            lr.ims.issued += 1;
            let refresh = format!("fake-ims-refresh-{}", lr.ims.issued);
            let now = lr.ims.now;
            lr.ims.refresh.insert(refresh.clone(), now);
            issue(&mut lr, refresh)
        }
        "refresh_token" => {
            let given = field("refresh_token");
            let Some(issued) = lr.ims.refresh.get(&given).copied() else {
                return refused(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "Refresh token is invalid",
                );
            };
            if lr.ims.now - issued >= REFRESH_LIFETIME {
                lr.ims.refresh.remove(&given);
                return refused(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "Refresh token has expired",
                );
            }
            issue(&mut lr, given)
        }
        _ => refused(StatusCode::BAD_REQUEST, "unsupported_grant_type", "Unsupported grant type"),
    }
}

/// A new access token (accepted by the fake Lightroom), with `refresh`.
fn issue(lr: &mut Lightroom, refresh: String) -> Response {
    lr.ims.issued += 1;
    let access = format!("fake-ims-access-{}", lr.ims.issued);
    lr.tokens.insert(access.clone());
    Json(serde_json::json!({
        "access_token": access,
        "refresh_token": refresh,
        "token_type": "bearer",
        "expires_in": 86399
    }))
    .into_response()
}
