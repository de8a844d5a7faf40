//! Where photos are published. Each site type implements [`Destination`]; what it can do is in
//! [`Capabilities`], and every failure is a [`SiteError`] with a class that tells the engine
//! whether to retry, skip the photo, or stop the site.

mod error;
mod pacer;
pub mod wordpress;

pub use error::{ErrorClass, SiteError, SiteErrorCode};
pub use pacer::{Pacer, PacerConfig};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capabilities {
    /// The file behind an existing item can be replaced, keeping its id and URL.
    pub replace_in_place: bool,
    /// AVIF uploads are accepted (WordPress ≥ 6.5).
    pub avif: bool,
    /// Largest upload the site accepts, when it says.
    pub max_upload_bytes: Option<u64>,
    /// Logged-in user, for display.
    pub account: String,
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
}
