//! Site errors, classified the way the engine must react to them (rclone's retry / no-retry /
//! fatal). Messages are written for photographers and never contain credentials.

pub use folio_model::{ErrorClass, SiteErrorCode};
use std::time::Duration;

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
        self.code.class()
    }
}

/// `Retry-After` as seconds (the HTTP-date form is rare from these hosts and is treated as
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
