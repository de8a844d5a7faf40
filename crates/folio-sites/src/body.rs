//! Reading what a site sends back, with limits: a body is read while it streams and dropped as
//! soon as it passes its cap, so a huge or endless answer costs a bounded amount of memory.

use crate::{SiteError, SiteErrorCode};
use serde::de::DeserializeOwned;

/// No answer Folio parses from a site is larger (a page of 100 media items is about 200 KB).
pub const MAX_JSON_BYTES: usize = 16 * 1024 * 1024;
/// Error bodies only need their code and message.
pub const MAX_ERROR_BYTES: usize = 64 * 1024;

/// The body, or `TooLarge` once it passes `max` bytes (announced or streamed).
pub async fn capped_bytes(mut r: reqwest::Response, max: usize) -> Result<Vec<u8>, SiteError> {
    let too_large = || {
        SiteError::new(
            SiteErrorCode::TooLarge,
            format!("the site's answer is larger than the {} KB Folio accepts", max / 1024),
        )
    };
    if r.content_length().is_some_and(|n| n > max as u64) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    // Parsing happens afterwards, so any failure here is the connection's: retried.
    let broke = |e: reqwest::Error| {
        let why = if e.is_timeout() {
            "the site took too long to answer"
        } else {
            "the connection broke off mid-answer"
        };
        SiteError::new(SiteErrorCode::Network, format!("{why} ({e})"))
    };
    while let Some(chunk) = r.chunk().await.map_err(broke)? {
        if body.len() + chunk.len() > max {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A JSON answer, at most [`MAX_JSON_BYTES`].
pub async fn json<T: DeserializeOwned>(r: reqwest::Response) -> Result<T, SiteError> {
    let body = capped_bytes(r, MAX_JSON_BYTES).await?;
    serde_json::from_slice(&body).map_err(|e| {
        SiteError::new(SiteErrorCode::Protocol, format!("unexpected answer from the site: {e}"))
    })
}
