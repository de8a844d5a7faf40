//! The one progress model, owned by the engine: per album and per site, how much of the work
//! in hand is done, what is being worked on, and how fast it goes. The tray, the window and
//! the CLI only display it.

use crate::{AlbumId, SiteId, SiteState};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Progress {
    pub albums: Vec<AlbumProgress>,
    pub sites: Vec<SiteProgress>,
}

/// Work since the album or site was last idle; every count is 0 when idle.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Work {
    pub total: u32,
    pub done: u32,
    pub failed: u32,
    /// Left for later: a busy site's retry time, or a site that is paused.
    pub waiting: u32,
    /// The photo in hand (relative path).
    pub current: Option<String>,
    /// Photos finished per minute, over the last minute or so.
    pub per_minute: f32,
    /// Seconds until the rest is done at that rate.
    pub eta_secs: Option<u32>,
}

impl Work {
    pub fn remaining(&self) -> u32 {
        self.total.saturating_sub(self.done + self.failed + self.waiting)
    }
    pub fn is_idle(&self) -> bool {
        self.remaining() == 0
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AlbumProgress {
    pub album: AlbumId,
    /// Counted in photos: one is done when every site has it.
    pub work: Work,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SiteProgress {
    pub site: SiteId,
    pub state: SiteState,
    /// Counted in photos pushed to this site.
    pub work: Work,
}

impl Progress {
    pub fn album(&self, id: AlbumId) -> Option<&AlbumProgress> {
        self.albums.iter().find(|a| a.album == id)
    }
    pub fn site(&self, id: SiteId) -> Option<&SiteProgress> {
        self.sites.iter().find(|s| s.site == id)
    }
}
