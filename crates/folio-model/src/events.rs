//! What the engine tells front ends while it works. Serialised with a `kind` tag so the
//! desktop UI can switch on it; albums and sites are named by id (names are not unique
//! across kinds and can change).

use crate::PhotoErrorCode;
use crate::{AlbumId, ImageFormat, Progress, SiteId, SiteState};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum SyncEvent {
    /// A pass over an album found this many photos with work to do.
    Planned {
        album: AlbumId,
        photos: u32,
    },
    /// A new or changed file is still being written; it is looked at again once it is stable.
    Settling {
        album: AlbumId,
        path: String,
    },
    Converting {
        album: AlbumId,
        path: String,
    },
    Uploading {
        album: AlbumId,
        site: SiteId,
        path: String,
    },
    /// The photo's current version is on the site at `url`. `replaced` when it took the place of
    /// an older version; `url_kept` when that happened in place, so pages already show it.
    Published {
        album: AlbumId,
        site: SiteId,
        path: String,
        url: String,
        format: Option<ImageFormat>,
        replaced: bool,
        url_kept: bool,
    },
    /// Waiting for a retry (the site was busy); `retry_in_secs` from now.
    Waiting {
        album: AlbumId,
        site: SiteId,
        path: String,
        error: String,
        retry_in_secs: u32,
    },
    PhotoFailed {
        album: AlbumId,
        path: String,
        error: String,
        code: PhotoErrorCode,
    },
    /// Everything for this photo in this pass is finished, whatever the outcome.
    PhotoDone {
        album: AlbumId,
        path: String,
    },
    /// A site's queue stopped or started again. Sent once per change, not per photo.
    SiteState {
        site: SiteId,
        state: SiteState,
        error: Option<String>,
    },
    /// Auto-sync was paused or resumed (from this process or another).
    AutoSync {
        paused: bool,
    },
    /// The engine's progress model changed (sent at most a few times a second).
    Progress {
        progress: Progress,
    },
    /// A pass over an album ended; every photo it planned is done, failed or waiting.
    PassFinished {
        album: AlbumId,
        uploaded: u32,
        replaced: u32,
        failed: u32,
    },
}
