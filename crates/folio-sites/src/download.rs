//! Public files a site serves (thumbnails for the app's side-by-side view).

use crate::{SiteError, SiteErrorCode};

/// Fetches `url`, refusing anything over `max_bytes`.
pub async fn download(url: &str, max_bytes: usize) -> Result<Vec<u8>, SiteError> {
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .user_agent(concat!("Folio/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(SiteError::from)?;
    let response = client.get(url).send().await?;
    if !response.status().is_success() {
        let code = if response.status() == reqwest::StatusCode::NOT_FOUND {
            SiteErrorCode::NotFound
        } else {
            SiteErrorCode::Unavailable
        };
        return Err(SiteError::new(code, format!("{url} answered {}", response.status())));
    }
    let bytes = response.bytes().await?;
    if bytes.len() > max_bytes {
        return Err(SiteError::new(
            SiteErrorCode::TooLarge,
            format!("{url} is larger than expected"),
        ));
    }
    Ok(bytes.to_vec())
}
