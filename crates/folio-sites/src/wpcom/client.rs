//! WordPress.com's REST API for one account: the bearer token, and the API's error bodies
//! (`{error, message}`, or an upload's `{errors: [{file, error, message}]}`) mapped onto
//! [`SiteError`]s. Only this file sends the token, and only to the API's own host.

use crate::body;
use crate::error::{retry_after, SiteError, SiteErrorCode as Code};
use reqwest::{Method, RequestBuilder};
use serde::de::DeserializeOwned;
use std::time::Duration;
use url::Url;

pub struct Client {
    http: reqwest::Client,
    api: Url,
    token: String,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("api", &self.api.as_str()).finish()
    }
}

impl Client {
    pub fn new(api: &str, token: &str, timeout: Duration) -> Result<Client, SiteError> {
        let mut base = Url::parse(api.trim()).map_err(|e| {
            SiteError::new(
                Code::Protocol,
                format!("the WordPress.com API address '{api}' is not a web address: {e}"),
            )
        })?;
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        // The API never redirects a valid request; a redirect would carry the token away.
        let http = crate::http::client(timeout, reqwest::redirect::Policy::none())?;
        Ok(Client { http, api: base, token: token.to_string() })
    }

    /// A request to `rest/v1.1/<path>`, signed.
    pub fn request(&self, method: Method, path: &str) -> Result<RequestBuilder, SiteError> {
        let url = self
            .api
            .join(&format!("rest/v1.1/{path}"))
            .map_err(|e| SiteError::new(Code::Protocol, format!("bad path {path}: {e}")))?;
        Ok(self.http.request(method, url).bearer_auth(&self.token))
    }

    /// Sends it; the answer as `T` when it is a success, else its error.
    pub async fn send<T: DeserializeOwned>(&self, request: RequestBuilder) -> Result<T, SiteError> {
        let r = request.send().await?;
        let status = r.status().as_u16();
        if (200..300).contains(&status) {
            return body::json(r).await;
        }
        let wait = retry_after(r.headers());
        let said = body::capped_bytes(r, body::MAX_ERROR_BYTES).await.unwrap_or_default();
        Err(error(status, &said, wait))
    }

    pub async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, SiteError> {
        self.send(self.request(Method::GET, path)?.query(query)).await
    }
}

/// The error code and message of a WordPress.com error body: `{error, message}`, or the first
/// of an upload's `errors`.
pub fn said(body: &[u8]) -> (String, String) {
    let v: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let first = if v["error"].is_string() { &v } else { &v["errors"][0] };
    let text = |k: &str| first[k].as_str().unwrap_or_default().to_string();
    (text("error"), text("message"))
}

/// WordPress.com's error, in words for the photographer. Matched on the error code first: the
/// API answers an invalid token with 400, 401 or 403 depending on the endpoint, and a refused
/// file type with 400 (upload) or 403 (edit).
pub fn error(status: u16, body: &[u8], wait: Option<Duration>) -> SiteError {
    let (code, message) = said(body);
    error_from(status, &code, &message, wait)
}

pub fn error_from(status: u16, code: &str, message: &str, wait: Option<Duration>) -> SiteError {
    let detail = if message.is_empty() { String::new() } else { format!(": {message}") };
    let (class, text) = match (code, status) {
        (
            "authorization_required" | "invalid_token" | "oauth2_invalid_token" | "token_expired",
            _,
        )
        | (_, 401) => (
            Code::NeedsReconnect,
            "WordPress.com no longer accepts Folio's sign-in (it was revoked or the app \
             removed); reconnect the site"
                .to_string(),
        ),
        ("unknown_media", _) => (Code::NotFound, "the media item is no longer on the site".into()),
        ("unknown_blog", _) => (
            Code::NotFound,
            "WordPress.com does not know this site (renamed or deleted?)".to_string(),
        ),
        ("rest_upload_file_too_big", _) | (_, 413) => {
            (Code::TooLarge, format!("the file is larger than the site accepts{detail}"))
        }
        ("rest_upload_user_quota_exceeded" | "rest_upload_limited_space", _) => {
            (Code::TooLarge, format!("the site's storage is full{detail}"))
        }
        ("upload_error" | "invalid_input" | "rest_upload_invalid", _) => {
            (Code::Rejected, format!("WordPress.com refused the file{detail}"))
        }
        ("unauthorized", _) | (_, 403) => (
            Code::Forbidden,
            format!(
                "the WordPress.com account may not do this on the site (its role must be \
                 Author or above){detail}"
            ),
        ),
        (_, 404) => (Code::NotFound, format!("not found on WordPress.com{detail}")),
        (_, 409) => (Code::Conflict, format!("the media item changed meanwhile{detail}")),
        (_, 429) => (Code::RateLimited, "WordPress.com asked Folio to slow down".to_string()),
        (_, s) if s >= 500 => (Code::Unavailable, format!("WordPress.com answered {s}; retrying")),
        (_, 400) => (Code::Rejected, format!("WordPress.com refused the request{detail}")),
        (_, s) => (Code::Protocol, format!("unexpected answer from WordPress.com ({s}){detail}")),
    };
    let retry =
        if class == Code::RateLimited { wait.or(Some(Duration::from_secs(1))) } else { None };
    SiteError { retry_after: retry, ..SiteError::new(class, text) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(code: &str, message: &str) -> Vec<u8> {
        serde_json::json!({"error": code, "message": message}).to_string().into_bytes()
    }

    #[test]
    fn error_bodies_are_read_by_their_code_before_their_status() {
        for (status, code) in
            [(400, "invalid_token"), (403, "authorization_required"), (401, "anything")]
        {
            let e = error(status, &body(code, "The OAuth2 token is invalid."), None);
            assert_eq!(e.code, Code::NeedsReconnect, "{status} {code}");
        }
        let e = error(403, &body("unauthorized", "User cannot upload media."), None);
        assert_eq!(e.code, Code::Forbidden);
        assert!(e.message.contains("Author") && e.message.contains("User cannot upload"));
        assert_eq!(error(404, &body("unknown_media", "Unknown Media"), None).code, Code::NotFound);
        // The edit endpoint refuses a file type with a 403.
        let e = error(403, &body("invalid_input", "Invalid file type."), None);
        assert_eq!(e.code, Code::Rejected);
        let upload = serde_json::json!({"errors": [{"file": "x.avif", "error": "upload_error",
            "message": "Sorry, you are not allowed to upload this file type."}]});
        let e = error(400, upload.to_string().as_bytes(), None);
        assert_eq!(e.code, Code::Rejected);
        assert!(e.message.contains("not allowed to upload this file type"), "{e}");
        let big = serde_json::json!({"errors": [{"error": "rest_upload_file_too_big",
            "message": "This file is too big."}]});
        assert_eq!(error(400, big.to_string().as_bytes(), None).code, Code::TooLarge);
        let e = error(429, b"", Some(Duration::from_secs(3)));
        assert_eq!((e.code, e.retry_after), (Code::RateLimited, Some(Duration::from_secs(3))));
        assert_eq!(error(503, b"<html>", None).code, Code::Unavailable);
    }
}
