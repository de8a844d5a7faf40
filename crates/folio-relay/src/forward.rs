//! The token exchange, refresh and revocation: the app's form, with the app's secret added,
//! sent to the one URL configured for that service and endpoint; the service's answer comes
//! back as it was (status, content type, body), so the app reads the service's own errors.

use crate::{no_store, Relay, SecretIn, Service};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// Token answers are a few kilobytes; a larger one is not passed on.
const MAX_ANSWER: usize = 256 * 1024;

#[derive(Clone, Copy)]
enum Endpoint {
    Token,
    Refresh,
    Revoke,
}

impl Endpoint {
    /// The one `grant_type` the endpoint takes (revocation has none, RFC 7009).
    fn grant_type(self) -> Option<&'static str> {
        match self {
            Endpoint::Token => Some("authorization_code"),
            Endpoint::Refresh => Some("refresh_token"),
            Endpoint::Revoke => None,
        }
    }

    /// The app's fields passed on; anything else (a `client_secret` of its own included) is
    /// dropped.
    fn fields(self) -> &'static [&'static str] {
        match self {
            Endpoint::Token => &["grant_type", "code", "code_verifier", "redirect_uri"],
            Endpoint::Refresh => &["grant_type", "refresh_token", "scope"],
            Endpoint::Revoke => &["token", "token_type_hint"],
        }
    }

    /// The field without which the request means nothing.
    fn required(self) -> &'static str {
        match self {
            Endpoint::Token => "code",
            Endpoint::Refresh => "refresh_token",
            Endpoint::Revoke => "token",
        }
    }

    fn url(self, service: &Service) -> Option<&str> {
        match self {
            Endpoint::Token => Some(&service.token_url),
            Endpoint::Refresh => Some(&service.refresh_url),
            Endpoint::Revoke => service.revoke_url.as_deref(),
        }
    }
}

pub(crate) async fn token(
    relay: State<Arc<Relay>>,
    service: Path<String>,
    body: Bytes,
) -> Response {
    forward(relay, service, body, Endpoint::Token).await
}

pub(crate) async fn refresh(
    relay: State<Arc<Relay>>,
    service: Path<String>,
    body: Bytes,
) -> Response {
    forward(relay, service, body, Endpoint::Refresh).await
}

pub(crate) async fn revoke(
    relay: State<Arc<Relay>>,
    service: Path<String>,
    body: Bytes,
) -> Response {
    forward(relay, service, body, Endpoint::Revoke).await
}

async fn forward(
    State(relay): State<Arc<Relay>>,
    Path(name): Path<String>,
    body: Bytes,
    endpoint: Endpoint,
) -> Response {
    let Some(service) = relay.config.services.get(&name) else {
        return oauth_error(
            StatusCode::NOT_FOUND,
            "invalid_request",
            "this relay has no such service",
        );
    };
    let Some(url) = endpoint.url(service) else {
        return oauth_error(
            StatusCode::NOT_FOUND,
            "invalid_request",
            "this service has no revocation URL here",
        );
    };
    let mut form = Vec::new();
    for (key, value) in url::form_urlencoded::parse(&body) {
        // RFC 6749 3.2: a parameter must not appear twice.
        if form.iter().any(|(k, _): &(String, String)| *k == key) {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "a parameter appears twice",
            );
        }
        form.push((key.into_owned(), value.into_owned()));
    }
    let given = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    if let Some(grant_type) = endpoint.grant_type() {
        if given("grant_type") != Some(grant_type) {
            let why = format!("this endpoint takes grant_type={grant_type} only");
            return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", &why);
        }
    }
    if given(endpoint.required()).is_none_or(str::is_empty) {
        let why = format!("{} is missing", endpoint.required());
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", &why);
    }
    form.retain(|(k, _)| endpoint.fields().contains(&k.as_str()));
    let mut request = relay.http.post(url).header(header::ACCEPT, "application/json");
    match service.secret_in {
        SecretIn::Basic => {
            // RFC 6749 2.3.1: both are form-encoded before they are joined.
            let id: String =
                url::form_urlencoded::byte_serialize(service.client_id.as_bytes()).collect();
            let secret: String =
                url::form_urlencoded::byte_serialize(service.client_secret.as_bytes()).collect();
            request = request.basic_auth(id, Some(secret));
        }
        SecretIn::Body => {
            form.push(("client_id".into(), service.client_id.clone()));
            form.push(("client_secret".into(), service.client_secret.clone()));
        }
    }
    let encoded = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(&form).finish();
    let request =
        request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded").body(encoded);
    match request.send().await {
        Ok(answer) => pass_back(answer).await,
        // The error would name the URL and say why; the app needs neither, the log has the 502.
        Err(_) => oauth_error(
            StatusCode::BAD_GATEWAY,
            "temporarily_unavailable",
            &format!("the relay could not reach {name}'s server"),
        ),
    }
}

/// The service's status, content type and body, unchanged.
async fn pass_back(mut answer: reqwest::Response) -> Response {
    let status = StatusCode::from_u16(answer.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let content_type = answer.headers().get(reqwest::header::CONTENT_TYPE).cloned();
    let mut body = Vec::new();
    loop {
        match answer.chunk().await {
            Ok(Some(chunk)) if body.len() + chunk.len() <= MAX_ANSWER => {
                body.extend_from_slice(&chunk)
            }
            Ok(None) => break,
            Ok(Some(_)) | Err(_) => {
                return oauth_error(
                    StatusCode::BAD_GATEWAY,
                    "temporarily_unavailable",
                    "the service's answer could not be passed on",
                )
            }
        }
    }
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.remove(header::CONTENT_TYPE);
    if let Some(content_type) =
        content_type.and_then(|v| HeaderValue::from_bytes(v.as_bytes()).ok())
    {
        headers.insert(header::CONTENT_TYPE, content_type);
    }
    no_store(headers);
    response
}

/// An error in the form OAuth clients read (RFC 6749 5.2).
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let body = serde_json::json!({ "error": error, "error_description": description });
    let mut response = (status, axum::Json(body)).into_response();
    no_store(response.headers_mut());
    response
}
