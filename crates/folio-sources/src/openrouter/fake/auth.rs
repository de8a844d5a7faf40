//! The sign-in, as OpenRouter's OAuth guide describes it: the `/auth` page (here the user
//! pressing Allow at once, a 302 to `callback_url` with `code`, `state` passed through) and
//! `POST /api/v1/auth/keys`, which needs no Authorization header and no client secret, only
//! the code and the PKCE verifier, and answers a permanent key. Codes are single use: any
//! exchange naming a code burns it, a failed one too, so a client cannot retry with it.

use super::{error, Shared, USER_ID};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// A code handed to the callback and not yet traded.
pub(super) struct Pending {
    /// None: the sign-in asked for no PKCE, so no verifier is checked.
    challenge: Option<String>,
    /// "S256" or "plain".
    method: String,
    label: Option<String>,
}

const BAD_CODE: &str = "Invalid code or code_verifier";
const BAD_METHOD: &str = "Invalid code_challenge_method";

/// The methods OpenRouter names; anything else is refused before a code is looked at.
fn valid_method(m: &str) -> bool {
    m == "S256" || m == "plain"
}

/// `GET /auth?callback_url=…&code_challenge=…&code_challenge_method=S256[&key_label][&state]`.
pub(super) async fn authorize(
    State(s): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut c = s.lock().unwrap();
    c.record("auth", &headers);
    let Some(Ok(mut target)) = q.get("callback_url").map(|u| url::Url::parse(u)) else {
        return (StatusCode::BAD_REQUEST, "a valid callback_url is required").into_response();
    };
    let challenge = q.get("code_challenge").filter(|c| !c.is_empty()).cloned();
    // RFC 7636: a challenge without a method is a plain one.
    let method = q.get("code_challenge_method").cloned().unwrap_or_else(|| "plain".into());
    if !valid_method(&method) {
        return error(400, BAD_METHOD, None);
    }
    let n = c.next();
    let code = format!("fake-openrouter-code-{n}");
    let label = q.get("key_label").map(|l| l.chars().take(100).collect());
    c.codes.insert(code.clone(), Pending { challenge, method, label });
    target.query_pairs_mut().append_pair("code", &code);
    if let Some(state) = q.get("state") {
        target.query_pairs_mut().append_pair("state", state);
    }
    (StatusCode::FOUND, [("Location", target.to_string())]).into_response()
}

/// `POST /api/v1/auth/keys {code, code_verifier?, code_challenge_method?}`.
pub(super) async fn keys(State(s): State<Shared>, headers: HeaderMap, body: String) -> Response {
    let mut c = s.lock().unwrap();
    c.record("auth/keys", &headers);
    let Ok(body) = serde_json::from_str::<Value>(&body) else {
        return error(400, "Invalid JSON body", None);
    };
    let field = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
    let asked_method = field("code_challenge_method");
    if asked_method.as_deref().is_some_and(|m| !valid_method(m)) {
        return error(400, BAD_METHOD, None);
    }
    let Some(pending) = field("code").and_then(|code| c.codes.remove(&code)) else {
        return error(403, BAD_CODE, None);
    };
    if let Some(challenge) = &pending.challenge {
        // The exchange may not switch methods: S256 at /auth then `plain` here with the
        // challenge as verifier would let anyone who saw the URL trade the code.
        if asked_method.as_ref().is_some_and(|m| *m != pending.method) {
            return error(403, BAD_CODE, None);
        }
        let verifier = field("code_verifier").unwrap_or_default();
        let derived = match pending.method.as_str() {
            "S256" => base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(Sha256::digest(verifier.as_bytes())),
            _ => verifier,
        };
        if derived != *challenge {
            return error(403, BAD_CODE, None);
        }
    }
    let n = c.next();
    let key = format!("sk-or-v1-{}", hex(&Sha256::digest(format!("fake openrouter key {n}"))));
    let label = pending.label.unwrap_or_else(|| super::masked(&key));
    c.keys.insert(key.clone(), label);
    c.issued.push(key.clone());
    Json(json!({"key": key, "user_id": USER_ID})).into_response()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
