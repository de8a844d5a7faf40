//! The fake's OAuth endpoints, as HubSpot's OAuth v3 guide describes them: the install page
//! (`/oauth/authorize`, which agrees at once, as a person who pressed "Connect app" would), and
//! the token endpoint (`POST /oauth/v3/token`, form fields only, the client secret required):
//! a single-use code (with its PKCE verifier) for an access token that lasts `access_lasts`
//! (30 minutes) and a refresh token that does not rotate. Errors come in HubSpot's own shape
//! (`category`, `message`, `correlationId`), not RFC 6749's.

use super::{error, Account, Shared};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use base64::Engine as _;
use serde_json::json;
use sha2::Digest;
use std::collections::HashMap;
use std::time::Instant;

/// What the OAuth app has handed out.
#[derive(Debug, Default)]
pub struct Grants {
    /// Code → (redirect URI, PKCE challenge).
    codes: HashMap<String, (String, Option<String>)>,
    /// Access token → when it expires.
    access: HashMap<String, Instant>,
    refresh: Vec<String>,
    next: u64,
    /// `grant_type` of each token request the fake answered, in order.
    pub grants: Vec<String>,
    /// Every access and refresh token handed out.
    pub issued: Vec<String>,
}

impl Grants {
    /// Whether `token` is an access token the fake issued: `Ok` while it lasts, else how long
    /// ago it expired.
    pub(super) fn check(&self, token: &str) -> Option<Result<(), u64>> {
        let expires = self.access.get(token)?;
        let now = Instant::now();
        Some(if now < *expires { Ok(()) } else { Err(now.duration_since(*expires).as_secs()) })
    }

    /// Every access token expires now (as after half an hour).
    pub(super) fn expire(&mut self) {
        let now = Instant::now();
        self.access.values_mut().for_each(|at| *at = now);
    }

    /// The app was uninstalled: none of its tokens works any more.
    pub(super) fn uninstall(&mut self) {
        self.access.clear();
        self.refresh.clear();
    }

    fn token(&mut self, kind: &str) -> String {
        self.next += 1;
        let made = format!("{kind}-na1-{:08x}-{}", self.next * 2_654_435_761, self.next);
        if kind != "code" {
            self.issued.push(made.clone());
        }
        made
    }
}

fn refuse(st: &mut Account, message: &str) -> Response {
    let n = st.correlation_n();
    error(400, "VALIDATION_ERROR", message, n)
}

pub(super) async fn authorize(
    State(account): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut st = account.lock().unwrap();
    let c = st.config.clone();
    if q.get("client_id") != Some(&c.client_id) {
        return (StatusCode::BAD_REQUEST, "Invalid client_id").into_response();
    }
    let redirect = q.get("redirect_uri").cloned().unwrap_or_default();
    if !c.redirect_uris.contains(&redirect) {
        return (StatusCode::BAD_REQUEST, "redirect_uri does not match the app's").into_response();
    }
    let scopes = q.get("scope").map(String::as_str).unwrap_or_default();
    if !scopes.split([' ', '+', ',']).any(|s| s == "files") {
        return (StatusCode::BAD_REQUEST, "The app asks for no files scope").into_response();
    }
    let challenge = match q.get("code_challenge") {
        Some(_) if q.get("code_challenge_method").map(String::as_str) != Some("S256") => {
            return (StatusCode::BAD_REQUEST, "code_challenge_method must be S256").into_response()
        }
        other => other.cloned(),
    };
    let code = st.oauth.token("code");
    st.oauth.codes.insert(code.clone(), (redirect.clone(), challenge));
    let mut back = url::form_urlencoded::Serializer::new(String::new());
    back.append_pair("code", &code);
    if let Some(state) = q.get("state") {
        back.append_pair("state", state);
    }
    let sep = if redirect.contains('?') { '&' } else { '?' };
    (StatusCode::FOUND, [("Location", format!("{redirect}{sep}{}", back.finish()))]).into_response()
}

pub(super) async fn token(
    State(account): State<Shared>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let mut st = account.lock().unwrap();
    let c = st.config.clone();
    let grant = f.get("grant_type").cloned().unwrap_or_default();
    st.oauth.grants.push(grant.clone());
    if f.get("client_id") != Some(&c.client_id) || f.get("client_secret") != Some(&c.client_secret)
    {
        return refuse(&mut st, "Invalid client credentials");
    }
    let refresh = match grant.as_str() {
        "authorization_code" => {
            let code = f.get("code").map(String::as_str).unwrap_or_default();
            let Some((redirect, challenge)) = st.oauth.codes.remove(code) else {
                return refuse(&mut st, "Invalid authorization code");
            };
            if f.get("redirect_uri") != Some(&redirect) {
                return refuse(&mut st, "redirect_uri does not match the authorization request");
            }
            if let Some(challenge) = challenge {
                let verifier = f.get("code_verifier").map(String::as_str).unwrap_or_default();
                let made = base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .encode(sha2::Sha256::digest(verifier.as_bytes()));
                if made != challenge {
                    return refuse(&mut st, "code_verifier does not match the code_challenge");
                }
            }
            let refresh = st.oauth.token("rt");
            st.oauth.refresh.push(refresh.clone());
            refresh
        }
        "refresh_token" => {
            let given = f.get("refresh_token").cloned().unwrap_or_default();
            if !st.oauth.refresh.contains(&given) {
                let n = st.correlation_n();
                let body = json!({"status": "BAD_REFRESH_TOKEN",
                    "message": "missing or invalid refresh token",
                    "correlationId": super::correlation_id(n)});
                return (StatusCode::BAD_REQUEST, axum::Json(body)).into_response();
            }
            given
        }
        _ => return refuse(&mut st, "grant_type must be authorization_code or refresh_token"),
    };
    let access = st.oauth.token("at");
    st.oauth.access.insert(access.clone(), Instant::now() + c.access_lasts);
    axum::Json(json!({
        "token_type": "bearer",
        "access_token": access,
        "refresh_token": refresh,
        "expires_in": c.access_lasts.as_secs(),
        "hub_id": c.portal_id,
        "scopes": ["files", "oauth"],
    }))
    .into_response()
}
