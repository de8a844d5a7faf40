//! The fake's OAuth 2 endpoints, as developer.wordpress.com/docs/api/oauth2 describes them.
//! Authorizing needs no person: the fake answers at once with the redirect carrying `code` and
//! `state`, as WordPress.com does once the person pressed Approve.

use super::{Input, Library};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// The OAuth error body (`error`, `error_description`), always a 400.
fn refuse(error: &str, description: &str) -> Response {
    let body = json!({"error": error, "error_description": description});
    (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
}

pub fn route(st: &mut Library, method: &Method, rest: &str, input: &Input) -> Response {
    match (method, rest) {
        (&Method::GET, "authorize") => authorize(st, input),
        (&Method::POST, "token") => token(st, input),
        (&Method::GET, "token-info") => {
            let c = &st.config;
            if input.get("client_id") != Some(c.client_id.as_str()) {
                return refuse("invalid_client", "Unknown client_id.");
            }
            if input.get("token") != Some(c.token.as_str()) || st.revoked {
                return refuse("invalid_request", "The specified token is invalid.");
            }
            axum::Json(json!({
                "client_id": c.client_id, "user_id": c.user_id.to_string(),
                "blog_id": if c.global_token { "0".to_string() } else { c.blog.id.to_string() },
                "scope": if c.global_token { "global" } else { "" },
            }))
            .into_response()
        }
        _ => (StatusCode::NOT_FOUND, "Not Found").into_response(),
    }
}

fn authorize(st: &mut Library, input: &Input) -> Response {
    let c = &st.config;
    if input.get("client_id") != Some(c.client_id.as_str()) {
        return (StatusCode::BAD_REQUEST, "Invalid client_id.").into_response();
    }
    if input.get("response_type") != Some("code") {
        return (StatusCode::BAD_REQUEST, "Invalid response_type.").into_response();
    }
    let redirect = input.get("redirect_uri").unwrap_or_default().to_string();
    // Matched exactly, trailing slash included.
    if !c.redirect_uris.contains(&redirect) {
        return (StatusCode::BAD_REQUEST, "Invalid redirect_uri.").into_response();
    }
    let code = format!("code{}", st.next);
    st.next += 1;
    st.codes.insert(code.clone(), (c.client_id.clone(), redirect.clone()));
    let mut back = url::form_urlencoded::Serializer::new(String::new());
    back.append_pair("code", &code);
    if let Some(state) = input.get("state") {
        back.append_pair("state", state);
    }
    let sep = if redirect.contains('?') { '&' } else { '?' };
    let location = format!("{redirect}{sep}{}", back.finish());
    (StatusCode::FOUND, [("Location", location)]).into_response()
}

fn token(st: &mut Library, input: &Input) -> Response {
    let c = st.config.clone();
    if input.get("grant_type") != Some("authorization_code") {
        return refuse("unsupported_grant_type", "Only authorization_code is supported.");
    }
    if input.get("client_id") != Some(c.client_id.as_str()) {
        return refuse("invalid_client", "Unknown client_id.");
    }
    if input.get("client_secret") != Some(c.client_secret.as_str()) {
        return refuse("invalid_client", "Incorrect client secret.");
    }
    let code = input.get("code").unwrap_or_default();
    // A code is good once.
    let Some((client, redirect)) = st.codes.remove(code) else {
        return refuse("invalid_grant", "Invalid authorization code.");
    };
    if client != c.client_id || input.get("redirect_uri") != Some(redirect.as_str()) {
        return refuse(
            "invalid_grant",
            "The redirect_uri does not match the authorization request.",
        );
    }
    let (blog_id, blog_url, scope) = if c.global_token {
        ("0".to_string(), String::new(), "global")
    } else {
        (c.blog.id.to_string(), format!("https://{}", c.blog.domain), "")
    };
    axum::Json(json!({
        "access_token": c.token,
        "token_type": "bearer",
        "blog_id": blog_id,
        "blog_url": blog_url,
        "scope": scope,
    }))
    .into_response()
}
