//! What a pass reports, and how it is asked to run.

use folio_model::{PhotoErrorCode, SiteId, SiteState};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct SyncReport {
    pub uploaded: usize,
    pub replaced: usize,
    pub unchanged: usize,
    pub removed: usize,
    pub failed: Vec<FailedPhoto>,
    /// Photos left for later: waiting for a retry after a temporary failure, or for a site that
    /// is paused. Left out of the JSON when zero.
    #[serde(skip_serializing_if = "is_zero")]
    pub waiting: usize,
    /// Conversions made (each photo once per distinct preset, whatever the number of sites).
    pub converted: u64,
    /// Every site the pass used, and whether it works.
    pub sites: Vec<SiteReport>,
    /// Albums (or parts of them) that could not be looked at, in words. Left out when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
    /// Sites that went down during the pass (how, and why), even if a later check found them
    /// answering again: their photos of this pass were left waiting, and the report says so.
    #[serde(skip)]
    pub(crate) sites_down: HashMap<SiteId, (SiteState, String)>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FailedPhoto {
    /// Relative to the album root.
    pub path: String,
    pub error: String,
    /// What kind of failure, for front ends to branch on.
    pub code: PhotoErrorCode,
}

/// A site at the end of a pass. A site that refused the credentials is one entry here, not
/// one failure per photo.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SiteReport {
    #[serde(skip)]
    pub id: SiteId,
    pub name: String,
    pub state: SiteState,
    pub error: Option<String>,
}

impl SyncReport {
    pub fn add(&mut self, other: SyncReport) {
        self.uploaded += other.uploaded;
        self.replaced += other.replaced;
        self.unchanged += other.unchanged;
        self.removed += other.removed;
        self.waiting += other.waiting;
        self.failed.extend(other.failed);
        self.problems.extend(other.problems);
        self.sites_down.extend(other.sites_down);
    }

    /// Every site works and no photo failed.
    pub fn all_ok(&self) -> bool {
        self.failed.is_empty() && self.sites.iter().all(|s| s.state == SiteState::Ok)
    }
}

/// How a pass treats work that failed before.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncOptions {
    /// Run every job now, including ones waiting for their retry time or parked after a
    /// failure: the user asked (`folio sync`, "Sync now", Retry). Auto-sync passes leave this
    /// off and respect the backoff.
    pub retry_now: bool,
    /// An auto-sync pass: sites set to manual for an album are left out.
    pub auto: bool,
}
