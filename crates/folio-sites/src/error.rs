//! Site errors, classified the way the engine must react to them (rclone's retry / no-retry /
//! fatal). Messages are written for photographers and never contain credentials.

use std::time::Duration;

/// How the engine reacts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// Temporary: back off and try the same request again.
    Retry,
    /// This photo cannot go up as it is (too large, type refused); other photos can.
    NoRetry,
    /// Nothing will work until the user acts (reconnect, fix the server); stop this site.
    Fatal,
}

/// What happened, as a small stable set the UI and CLI branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteErrorCode {
    /// Credentials were refused or revoked.
    NeedsReconnect,
    /// The web server removed the Authorization header before WordPress saw it (reported by
    /// a probe that can see the request server-side).
    AuthHeaderStripped,
    /// The file is larger than the site accepts.
    TooLarge,
    /// The site refused this file (type not allowed, invalid data).
    Rejected,
    /// The file cannot replace the existing one in place (a different type); uploading it as
    /// a new item works.
    Conflict,
    NotFound,
    RateLimited,
    /// The site answered with a server error (5xx).
    Unavailable,
    /// Timeout, refused or reset connection.
    Network,
    /// An answer Folio does not understand (not WordPress, a proxy page, …).
    Protocol,
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct SiteError {
    pub code: SiteErrorCode,
    pub message: String,
    /// From a `Retry-After` header.
    pub retry_after: Option<Duration>,
}

impl SiteError {
    pub fn new(code: SiteErrorCode, message: impl Into<String>) -> Self {
        SiteError { code, message: message.into(), retry_after: None }
    }

    pub fn class(&self) -> ErrorClass {
        use SiteErrorCode::*;
        match self.code {
            RateLimited | Unavailable | Network => ErrorClass::Retry,
            NeedsReconnect | AuthHeaderStripped | Protocol => ErrorClass::Fatal,
            TooLarge | Rejected | Conflict | NotFound => ErrorClass::NoRetry,
        }
    }
}

/// `Retry-After` as seconds (the HTTP-date form is rare from WordPress hosts and is treated as
/// absent, falling back to exponential backoff).
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(|s| Duration::from_secs(s.min(600)))
}

impl From<reqwest::Error> for SiteError {
    fn from(e: reqwest::Error) -> Self {
        // reqwest's messages include the URL, which never carries credentials here (they go in a
        // header), so they are safe to show.
        let what = if e.is_timeout() {
            "the site took too long to answer"
        } else if e.is_connect() {
            "could not connect to the site"
        } else if e.is_decode() {
            return SiteError::new(SiteErrorCode::Protocol, format!("unexpected answer: {e}"));
        } else {
            "the connection failed"
        };
        SiteError::new(SiteErrorCode::Network, format!("{what} ({e})"))
    }
}
