//! One step for one photo on one site, as a pass hands it to the site's queue, and how it
//! ended.

use crate::pipeline::progress::Ticket;
use crate::pipeline::renditions::Reservation;
use folio_model::{AlbumId, AlbumSettings, AssetId, PhotoErrorCode, Preset, SiteState};
use folio_sites::Destination;
use folio_sources::Source;
use folio_store::Album;
use std::sync::Arc;

/// An album as its pass saw it, shared by every step of the pass.
pub struct AlbumContext {
    pub album: Album,
    pub settings: AlbumSettings,
    pub source: Arc<dyn Source>,
}

/// One step, as queued.
pub struct Work {
    pub album: Arc<AlbumContext>,
    pub asset: AssetId,
    /// The version planned; a newer one makes this step stale.
    pub content_hash: String,
    pub path: String,
    /// 1-based position in the album, for `{sequence}`.
    pub sequence: usize,
    /// A delete step (the publication to delete) rather than a push.
    pub delete: Option<i64>,
    /// Run even if waiting for a retry: the user asked.
    pub retry_now: bool,
    /// This site's claim on the rendition, made when the step was planned.
    pub reservation: Option<Reservation>,
    /// Its place in the progress counts.
    pub ticket: Option<Ticket>,
}

/// What an errand does once its turn comes, with the site's destination.
pub type ErrandWork =
    Box<dyn FnOnce(Arc<dyn Destination>) -> futures::future::BoxFuture<'static, Outcome> + Send>;

/// Work on one photo that no pass planned (a restore, a reconcile's adoption), run by the
/// site's queue as a step is: after the steps queued before it, under the photo's lock, counted
/// in progress, and not at all while the site is paused (it is answered `SiteNotReady`).
pub struct Errand {
    pub album: AlbumId,
    pub asset: AssetId,
    /// The photo's path in its album, for progress.
    pub path: String,
    pub ticket: Option<Ticket>,
    pub work: ErrandWork,
}

/// Why a photo did not go up: a code front ends branch on, and words for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoError {
    pub code: PhotoErrorCode,
    pub message: String,
}

impl Outcome {
    /// A failure that is neither the photo's nor a site's answer (Folio's records, …).
    pub fn failed(message: impl Into<String>) -> Outcome {
        Outcome::Failed(PhotoError { code: PhotoErrorCode::Failed, message: message.into() })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Uploaded,
    Replaced,
    TextUpdated,
    Unchanged,
    Deleted,
    /// Deleted from the album, but kept on the site: it has no trash and the album does not
    /// delete for good.
    Kept,
    /// Left for a retry (`auto`) after a temporary failure.
    Waiting(String),
    /// This site could not take this photo.
    Failed(PhotoError),
    /// The photo itself cannot be published anywhere (reported once, not per site).
    PhotoFailed(PhotoError),
    /// The site stopped taking anything; its queue pauses.
    SiteDown(SiteState, String),
    /// The site was paused when the step's turn came.
    SiteNotReady,
    /// A newer version or another pass made the step pointless.
    Stale,
    /// An item already on the site was recorded as the photo's copy (`reconcile`).
    Adopted,
}

/// The preset a site gets for an album: AVIF only where the site takes it.
pub fn preset_for(settings: &AlbumSettings, caps: &folio_model::Capabilities) -> Preset {
    Preset { format: caps.format_for(settings.preset.format), ..settings.preset.clone() }
}
