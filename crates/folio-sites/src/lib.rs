//! Where photos are published. Each site type implements [`Destination`]; what it can do is in
//! [`Capabilities`], and every failure is a [`SiteError`] with a class that tells the engine
//! whether to retry, skip the photo, or stop the site.

mod companion;
mod error;
mod pacer;
pub mod wordpress;

pub use companion::{CompanionInfo, Replaced};

/// Fetches a public file a site serves (a thumbnail for the app's side-by-side view), refusing
/// anything over `max_bytes`.
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

pub use error::{ErrorClass, SiteError, SiteErrorCode};
pub use pacer::{Pacer, PacerConfig};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Capabilities {
    /// The file behind an existing item can be replaced, keeping its id and URL.
    pub replace_in_place: bool,
    /// AVIF uploads are accepted (WordPress ≥ 6.5).
    pub avif: bool,
    /// Largest upload the site accepts, when it says.
    pub max_upload_bytes: Option<u64>,
    /// Logged-in user, for display.
    pub account: String,
    /// The companion plugin's version, when it is installed (WordPress).
    pub companion: Option<String>,
}

/// The text that goes with a photo on the site.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaFields {
    pub title: Option<String>,
    pub caption: Option<String>,
    pub alt_text: Option<String>,
    pub description: Option<String>,
}

pub struct Upload<'a> {
    pub bytes: &'a [u8],
    /// ASCII file name, e.g. `harbour-at-dusk.webp`.
    pub filename: &'a str,
    pub mime: &'a str,
    /// A slug unique to this photo on this site, chosen by the caller. Looking it up finds an
    /// upload whose response was lost, so a retry or a restart never uploads twice.
    pub slug: &'a str,
    pub fields: &'a MediaFields,
    /// Where the photo came from (album and content identity), stored with the item where the
    /// site can keep it (WordPress with the companion plugin: `folio_source`), so the app can
    /// find its items again after losing its database.
    pub source: Option<&'a str>,
}

/// An item in a site's media library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteMedia {
    pub id: u64,
    pub slug: String,
    pub url: String,
    /// A small rendition the site made, for the app's side-by-side view.
    pub thumbnail_url: Option<String>,
    pub mime: String,
    pub title: String,
    pub alt_text: String,
}

/// An item the app uploaded, with the source identity stored alongside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourcedMedia {
    pub media: RemoteMedia,
    pub source: String,
}

#[derive(Debug, Clone)]
pub struct SourcePage {
    pub items: Vec<SourcedMedia>,
    pub total_pages: u32,
}

#[derive(Debug, Clone)]
pub struct Page {
    pub items: Vec<RemoteMedia>,
    pub total_pages: u32,
}

#[async_trait::async_trait]
pub trait Destination: Send + Sync {
    /// Checks the credentials and learns what the site can do.
    async fn probe(&self) -> Result<Capabilities, SiteError>;
    async fn upload(&self, upload: Upload<'_>) -> Result<RemoteMedia, SiteError>;
    async fn update_fields(&self, id: u64, fields: &MediaFields) -> Result<RemoteMedia, SiteError>;
    async fn find_by_slug(&self, slug: &str) -> Result<Option<RemoteMedia>, SiteError>;
    /// One page (1-based) of the media library, newest first.
    async fn list(&self, page: u32) -> Result<Page, SiteError>;
    /// Deletes the item and its files for good (no trash).
    async fn delete(&self, id: u64) -> Result<(), SiteError>;
    /// Replaces the file behind item `id`, keeping its id and URL. Only when
    /// [`Capabilities::replace_in_place`]; a `Conflict` error means this file cannot take the
    /// old one's place (another type) and the caller should upload it as a new item.
    async fn replace(&self, id: u64, upload: Upload<'_>) -> Result<RemoteMedia, SiteError> {
        let _ = (id, upload);
        Err(SiteError::new(SiteErrorCode::Conflict, "this site cannot replace files in place"))
    }
    /// One page (1-based) of the items that carry a source identity, oldest first. Empty where
    /// the site cannot store one.
    async fn list_sources(&self, page: u32) -> Result<SourcePage, SiteError> {
        let _ = page;
        Ok(SourcePage { items: Vec::new(), total_pages: 0 })
    }
}
