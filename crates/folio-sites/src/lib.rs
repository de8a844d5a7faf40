//! Where photos are published (WordPress, Shopify). Each site type implements [`Destination`]; what it can do is in
//! [`Capabilities`], and every failure is a [`SiteError`] with a class that tells the engine
//! whether to retry, skip the photo, or stop the site. [`Backends`] makes the right
//! destination for a site from its kind, so a new site type is one more implementation.
//!
//! With the `testing` feature: an in-process fake destination, a fault-injecting proxy for
//! HTTP backends, and the conformance suite every destination must pass.

mod app_passwords;
mod backends;
pub mod body;
mod companion;
pub mod contentful;
pub mod discover;
mod download;
mod error;
mod http;
pub mod hubspot;
mod pacer;
pub mod shopify;
pub mod wordpress;
pub mod wpcom;

#[cfg(feature = "testing")]
pub mod conformance;
#[cfg(feature = "testing")]
pub mod fake;
#[cfg(feature = "testing")]
pub mod proxy;

pub use app_passwords::AppPassword;
pub use backends::{Backends, Login, Renewing, SiteConfig, SiteLogin};
pub use companion::{CompanionInfo, Replaced};
pub use download::{download, download_resolving};
pub use error::{ErrorClass, SiteError, SiteErrorCode};
pub use folio_model::{Capabilities, ImageFormat, RemoteId, TextField};
pub use pacer::{Pacer, PacerConfig};

use serde::{Deserialize, Serialize};

/// The text that goes with a photo on the site.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
    /// What [`Destination::duplicate_key`] made for this upload. Looking it up finds an upload
    /// whose response was lost, so a retry or a restart never uploads twice.
    pub key: &'a str,
    pub fields: &'a MediaFields,
    /// Where the photo came from (album and content identity), stored with the item where the
    /// site can keep it (WordPress with the companion plugin: `folio_source`), so the app can
    /// find its items again after losing its database.
    pub source: Option<&'a str>,
}

/// An item on a site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteMedia {
    pub id: RemoteId,
    /// The duplicate-protection key it was uploaded with (WordPress: its slug).
    pub key: String,
    pub url: String,
    /// A small rendition the site made, for the app's side-by-side view.
    pub thumbnail_url: Option<String>,
    pub mime: String,
    pub title: String,
    pub alt_text: String,
}

/// What an upload or a replace answered: done, or accepted and still being processed by the
/// site (Shopify), to be followed with [`Destination::poll`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pushed {
    Ready(RemoteMedia),
    Processing(RemoteId),
}

impl Pushed {
    /// The item, when the site finished with it at once.
    pub fn ready(self) -> Option<RemoteMedia> {
        match self {
            Pushed::Ready(m) => Some(m),
            Pushed::Processing(_) => None,
        }
    }
}

/// Where an item that was still processing has got to.
#[derive(Debug, Clone)]
pub enum Processing {
    Ready(RemoteMedia),
    Pending,
    /// The site gave up on the file; the error says why, in its words.
    Failed(SiteError),
}

/// An item the app uploaded, with the source identity stored alongside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourcedMedia {
    pub media: RemoteMedia,
    pub source: String,
}

/// How an item is deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteMode {
    /// Into the site's trash, where it can be restored; `NoTrash` where the site has none.
    Trash,
    /// For good.
    Permanently,
}

/// One page of a listing; `next` is the opaque cursor of the following page.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

#[async_trait::async_trait]
pub trait Destination: Send + Sync {
    /// Checks the credentials and learns what the site can do.
    async fn probe(&self) -> Result<Capabilities, SiteError>;

    /// A cheap check that the site answers and takes the credentials, used to find out when a
    /// paused site works again. Nothing is written to the site.
    async fn check(&self) -> Result<(), SiteError>;

    /// The key that will find this upload again after a lost answer, from a token unique to the
    /// photo's version (`token`) and the file name it goes up with. The engine stores it
    /// before the upload starts.
    fn duplicate_key(&self, token: &str, filename: &str) -> String;

    /// How long an upload whose answer was lost may still be completing on the server (PHP
    /// keeps running after the client gave up). A lookup before then can miss it.
    fn in_flight_grace(&self) -> std::time::Duration {
        std::time::Duration::from_secs(15)
    }

    /// Photos the site's queue works on at once. A site that processes uploads on its own time
    /// (Shopify) takes more, so waiting for one photo's processing does not hold up the next;
    /// the destination's pacer still bounds the requests in flight.
    fn photos_in_flight(&self) -> usize {
        2
    }

    async fn upload(&self, upload: Upload<'_>) -> Result<Pushed, SiteError>;

    /// Follows an item that [`Pushed::Processing`] returned.
    async fn poll(&self, id: &RemoteId) -> Result<Processing, SiteError> {
        let _ = id;
        Err(SiteError::new(SiteErrorCode::Protocol, "this site processes uploads at once"))
    }

    /// The item uploaded with `key`, if there is one.
    async fn find(&self, key: &str) -> Result<Option<RemoteMedia>, SiteError>;

    async fn update_fields(
        &self,
        id: &RemoteId,
        fields: &MediaFields,
    ) -> Result<RemoteMedia, SiteError>;

    /// One page of the media library, newest first; `None` starts at the beginning.
    async fn list(&self, cursor: Option<&str>) -> Result<Page<RemoteMedia>, SiteError>;

    /// Deletes the item: into the trash (a `NoTrash` error where the site has none) or for good.
    async fn delete(&self, id: &RemoteId, mode: DeleteMode) -> Result<(), SiteError>;

    /// Replaces the file behind item `id`, keeping its id and URL. Only when
    /// [`Capabilities::replace_in_place`]; a `Conflict` error means this file cannot take the
    /// old one's place (another type, or a site that cannot replace) and the caller should
    /// upload it as a new item.
    async fn replace(&self, id: &RemoteId, upload: Upload<'_>) -> Result<Pushed, SiteError> {
        let _ = (id, upload);
        Err(SiteError::new(SiteErrorCode::Conflict, "this site cannot replace files in place"))
    }

    /// The site's language as a locale (`de_DE`, `fr`), where the site says: alt text is
    /// written in it. `None` where the site has no setting or does not let Folio read it.
    async fn language(&self) -> Option<String> {
        None
    }

    /// One page of the items that carry a source identity, oldest first. Empty where the site
    /// cannot store one.
    async fn list_sources(&self, cursor: Option<&str>) -> Result<Page<SourcedMedia>, SiteError> {
        let _ = cursor;
        Ok(Page { items: Vec::new(), next: None })
    }
}
