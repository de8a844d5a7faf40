//! What the engine tells front ends while it works: progress bars, the album view's badges, the
//! tray's state. Serialised with a `kind` tag so the desktop UI can switch on it.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SyncEvent {
    /// A pass over an album found this many photos to look at.
    Planned {
        album: String,
        photos: usize,
    },
    /// A new or changed file is still being written; it is looked at again once it is stable.
    Settling {
        album: String,
        path: String,
    },
    Converting {
        album: String,
        path: String,
    },
    Uploading {
        album: String,
        path: String,
        site: String,
    },
    /// The photo's current version is on the site at `url`. `replaced` when it took the place of
    /// an older version; `url_kept` when that happened in place (companion plugin), so pages
    /// already show it.
    Published {
        album: String,
        path: String,
        site: String,
        url: String,
        replaced: bool,
        url_kept: bool,
    },
    /// Waiting for a retry (the site was busy or unreachable); `retry_in_secs` from now.
    Waiting {
        album: String,
        path: String,
        site: String,
        error: String,
        retry_in_secs: i64,
    },
    PhotoFailed {
        album: String,
        path: String,
        error: String,
    },
    /// Everything for this photo in this pass is finished, whatever the outcome.
    PhotoDone {
        album: String,
        path: String,
    },
    /// Auto-sync was paused or resumed (from this process or another).
    AutoSync {
        paused: bool,
    },
}
