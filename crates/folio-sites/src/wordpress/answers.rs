//! How WordPress's answers become Folio's errors: the status and WordPress's own code and
//! message, classified once (reconnect, too large, rate limited, …) and said in words.

use crate::body;
use crate::error::{retry_after, SiteError, SiteErrorCode as Code};
use reqwest::{Response, StatusCode};
use serde::Deserialize;
use std::time::Duration;

#[derive(Deserialize)]
struct WireError {
    code: Option<String>,
    message: Option<String>,
}

/// Maps a WordPress answer to success or a classified error.
pub(crate) async fn check(response: Response) -> Result<Response, SiteError> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let after = retry_after(response.headers());
    let location = response
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.chars().take(200).collect::<String>());
    let body: Option<WireError> = body::capped_bytes(response, body::MAX_ERROR_BYTES)
        .await
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    let wp_code = body.as_ref().and_then(|b| b.code.clone()).unwrap_or_default();
    let wp_message = body.and_then(|b| b.message).unwrap_or_default();
    let detail = if wp_message.is_empty() {
        String::new()
    } else {
        format!(": {}", strip_tags(&wp_message))
    };
    if status.is_redirection() {
        let to = location.unwrap_or_else(|| "another address".into());
        return Err(SiteError::new(
            Code::Protocol,
            format!(
                "the site sends Folio to {to}; if the site has moved, remove it and connect it \
                 again at its new address"
            ),
        ));
    }
    let code = match status {
        StatusCode::UNAUTHORIZED => Code::NeedsReconnect,
        StatusCode::FORBIDDEN => Code::Forbidden,
        StatusCode::PAYLOAD_TOO_LARGE => Code::TooLarge,
        StatusCode::NOT_FOUND => Code::NotFound,
        StatusCode::CONFLICT => Code::Conflict,
        StatusCode::TOO_MANY_REQUESTS => Code::RateLimited,
        StatusCode::REQUEST_TIMEOUT => Code::Network,
        s if s.is_server_error() && wp_code.starts_with("rest_upload") => Code::Rejected,
        s if s.is_server_error() => Code::Unavailable,
        _ => Code::Rejected,
    };
    let what = match code {
        // WordPress 6.1 answers `rest_not_logged_in` alike for a wrong password, an unknown user
        // and a request whose Authorization header the web server removed, so both causes are
        // named. (Telling them apart needs code on the server: the companion plugin.)
        Code::NeedsReconnect if wp_code == "rest_not_logged_in" => "WordPress did not accept \
            Folio's credentials. Reconnect the site with a new Application Password; if that \
            does not help, the web server is removing the Authorization header (on Apache, add \
            'SetEnvIf Authorization \"(.*)\" HTTP_AUTHORIZATION=$1' to .htaccess)"
            .to_string(),
        // With a revoked password WordPress treats the request as anonymous and answers with
        // a permission message ("not allowed to create posts"), which would mislead.
        Code::NeedsReconnect
            if wp_code.starts_with("rest_cannot") || wp_code == "rest_forbidden" =>
        {
            return Err(with_retry_after(
                SiteError::new(
                    code,
                    "WordPress no longer accepts Folio's Application Password (it may have been \
                     revoked); reconnect the site with a new one",
                ),
                after,
            ));
        }
        Code::NeedsReconnect => "WordPress refused the credentials; reconnect the site".to_string(),
        Code::Forbidden => "WordPress did not allow this for Folio's account".to_string(),
        Code::TooLarge => "the file is larger than the site accepts".to_string(),
        Code::RateLimited => "the site asked Folio to slow down".to_string(),
        Code::Unavailable => format!("the site had a server error ({})", status.as_u16()),
        _ => format!("WordPress answered {}", status.as_u16()),
    };
    Err(with_retry_after(SiteError::new(code, format!("{what}{detail}")), after))
}

fn with_retry_after(mut e: SiteError, after: Option<Duration>) -> SiteError {
    e.retry_after = after;
    e
}

pub(super) fn header_stripped() -> SiteError {
    SiteError::new(
        Code::AuthHeaderStripped,
        "the web server removes the Authorization header before WordPress sees it, so no \
         password can work. On Apache, add 'SetEnvIf Authorization \"(.*)\" \
         HTTP_AUTHORIZATION=$1' to .htaccess, or ask the host to pass the header to PHP",
    )
}

fn strip_tags(s: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}
