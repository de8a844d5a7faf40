//! The fake Dropbox's sign-in side: `oauth2/authorize` (the user pressing Allow),
//! `oauth2/token` (codes with PKCE, refresh tokens), the signed-in account, and revocation.

use super::{refusal, Shared};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::collections::HashMap;
use std::time::Instant;

/// The user pressing Allow: a redirect to `redirect_uri` with a one-time code and the state.
pub(super) async fn authorize(
    State((s, _)): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut d = s.lock().unwrap();
    d.calls.push("oauth2/authorize".into());
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    let valid = get("client_id") == d.app_key
        && get("response_type") == "code"
        && get("code_challenge_method") == "S256"
        && !get("code_challenge").is_empty()
        && get("redirect_uri").starts_with("http://127.0.0.1:");
    if !valid {
        return (StatusCode::BAD_REQUEST, "invalid authorization request").into_response();
    }
    d.next_id += 1;
    let code = format!("fake-code-{}", d.next_id);
    d.codes.insert(code.clone(), (get("code_challenge"), get("redirect_uri")));
    let mut target = url::Url::parse(&get("redirect_uri")).unwrap();
    target.query_pairs_mut().append_pair("code", &code).append_pair("state", &get("state"));
    (StatusCode::FOUND, [("Location", target.to_string())]).into_response()
}

pub(super) async fn token(State((s, _)): State<Shared>, body: String) -> Response {
    use base64::Engine;
    use sha2::Digest;
    let form: HashMap<String, String> =
        url::form_urlencoded::parse(body.as_bytes()).into_owned().collect();
    let mut d = s.lock().unwrap();
    d.calls.push("oauth2/token".into());
    let field = |k: &str| form.get(k).cloned().unwrap_or_default();
    let refused = |why: &str| {
        (
            StatusCode::BAD_REQUEST,
            Json(serde_json::json!({"error": "invalid_grant", "error_description": why})),
        )
            .into_response()
    };
    if field("client_id") != d.app_key {
        return refused("unknown client_id");
    }
    let with_refresh = match field("grant_type").as_str() {
        "refresh_token" if field("refresh_token") == d.refresh_token => false,
        "refresh_token" => return refused("refresh token is invalid or revoked"),
        "authorization_code" => {
            // Used once: a second exchange of the same code fails.
            let Some((challenge, redirect)) = d.codes.remove(&field("code")) else {
                return refused("code doesn't exist or has expired");
            };
            let s256 = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(sha2::Sha256::digest(field("code_verifier").as_bytes()));
            if s256 != challenge || redirect != field("redirect_uri") {
                return refused("invalid code verifier or redirect_uri");
            }
            true
        }
        _ => return refused("unsupported grant_type"),
    };
    d.next_id += 1;
    let access = format!("fake-access-{}", d.next_id);
    let ttl = d.access_ttl;
    d.tokens.insert(access.clone(), Instant::now() + ttl);
    let mut answer = serde_json::json!({"access_token": access, "token_type": "bearer", "expires_in": ttl.as_secs()});
    if with_refresh {
        answer["refresh_token"] = d.refresh_token.clone().into();
        answer["account_id"] = "dbid:fake-account".into();
    }
    Json(answer).into_response()
}

pub(super) async fn current_account(State((s, _)): State<Shared>, headers: HeaderMap) -> Response {
    let mut d = s.lock().unwrap();
    if let Some(r) = refusal(&mut d, "users/get_current_account", &headers) {
        return r;
    }
    Json(serde_json::json!({
        "account_id": "dbid:fake-account",
        "name": {"display_name": "Ada Photographer"},
        "email": "ada@example.test"
    }))
    .into_response()
}

pub(super) async fn revoke(State((s, _)): State<Shared>, headers: HeaderMap) -> Response {
    let mut d = s.lock().unwrap();
    if let Some(r) = refusal(&mut d, "auth/token/revoke", &headers) {
        return r;
    }
    d.tokens.clear();
    d.refresh_token = format!("revoked-{}", d.next_id);
    d.revoked += 1;
    Json(serde_json::Value::Null).into_response()
}
