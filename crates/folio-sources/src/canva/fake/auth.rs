//! The fake's sign-in side, as Canva documents it: the authorize page (the user pressing
//! Allow; PKCE with S256 required), and `POST /v1/oauth/token`, which always wants the client
//! secret (HTTP Basic or the body) and answers a refresh with a new refresh token, the old one
//! then refused (`invalid_grant`). Only a relay holding the secret can call it.

use super::{Canva, Shared};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::collections::HashMap;

#[derive(Default)]
pub(crate) struct OauthState {
    /// The fake's own address (download URLs are built on it).
    pub base: String,
    pub client_id: String,
    pub client_secret: String,
    /// code → (PKCE challenge, redirect URI)
    codes: HashMap<String, (String, String)>,
    /// The one refresh token that works now.
    refresh: Option<String>,
    issued: u64,
}

pub(super) fn init(c: &mut Canva) {
    c.oauth.client_id = "OC-fake-client".into();
    c.oauth.client_secret = "fake-client-secret".into();
}

pub(super) fn revoke_refresh(c: &mut Canva) {
    c.oauth.refresh = None;
}

impl super::FakeCanva {
    /// The integration's client id and secret the token endpoint accepts.
    pub fn client(&self) -> (String, String) {
        let c = self.state.lock().unwrap();
        (c.oauth.client_id.clone(), c.oauth.client_secret.clone())
    }

    /// The refresh token that works now (each refresh replaces it).
    pub fn refresh_token(&self) -> Option<String> {
        self.state.lock().unwrap().oauth.refresh.clone()
    }
}

pub(super) async fn authorize(
    State(s): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut c = s.lock().unwrap();
    c.calls.push("oauth/authorize".into());
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    let valid = get("client_id") == c.oauth.client_id
        && get("response_type") == "code"
        && get("code_challenge_method").eq_ignore_ascii_case("s256")
        && !get("code_challenge").is_empty()
        && !get("redirect_uri").is_empty();
    if !valid {
        return (StatusCode::BAD_REQUEST, "invalid authorization request").into_response();
    }
    c.oauth.issued += 1;
    let code = format!("fake-canva-code-{}", c.oauth.issued);
    c.oauth.codes.insert(code.clone(), (get("code_challenge"), get("redirect_uri")));
    let Ok(mut target) = url::Url::parse(&get("redirect_uri")) else {
        return (StatusCode::BAD_REQUEST, "invalid redirect_uri").into_response();
    };
    target.query_pairs_mut().append_pair("code", &code).append_pair("state", &get("state"));
    (StatusCode::FOUND, [("Location", target.to_string())]).into_response()
}

fn oauth_error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(serde_json::json!({"code": code, "message": message}))).into_response()
}

pub(super) async fn token(State(s): State<Shared>, headers: HeaderMap, body: String) -> Response {
    use base64::Engine;
    use sha2::Digest;
    let form: HashMap<String, String> =
        url::form_urlencoded::parse(body.as_bytes()).into_owned().collect();
    let field = |k: &str| form.get(k).cloned().unwrap_or_default();
    let mut c = s.lock().unwrap();
    c.calls.push("oauth/token".into());
    let basic = headers
        .get("Authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok());
    let expected = format!("{}:{}", c.oauth.client_id, c.oauth.client_secret);
    let body_auth = format!("{}:{}", field("client_id"), field("client_secret"));
    if basic.as_deref() != Some(expected.as_str()) && body_auth != expected {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Invalid client credentials",
        );
    }
    match field("grant_type").as_str() {
        "authorization_code" => {
            let Some((challenge, redirect)) = c.oauth.codes.remove(&field("code")) else {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "Invalid code");
            };
            let s256 = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(sha2::Sha256::digest(field("code_verifier").as_bytes()));
            if s256 != challenge || redirect != field("redirect_uri") {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "Invalid code verifier or redirect_uri",
                );
            }
        }
        "refresh_token" => {
            if c.oauth.refresh.as_deref() != Some(field("refresh_token").as_str()) {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "Invalid refresh token",
                );
            }
        }
        _ => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "Unsupported grant type",
            )
        }
    }
    c.oauth.issued += 1;
    let n = c.oauth.issued;
    let access = format!("fake-canva-access-{n}");
    let refresh = format!("fake-canva-refresh-{n}");
    c.tokens.insert(access.clone());
    c.oauth.refresh = Some(refresh.clone());
    Json(serde_json::json!({
        "access_token": access,
        "refresh_token": refresh,
        "token_type": "Bearer",
        "expires_in": 14400,
        "scope": "design:meta:read design:content:read folder:read profile:read"
    }))
    .into_response()
}
