//! One sync pass over an album: reconcile the folder with the store, then bring every photo on
//! every target site up to date through the job queue. Safe to interrupt at any point: a
//! publication is recorded as pending (with its slug) before its upload, and a pending one is
//! looked up before uploading.

use crate::events::SyncEvent;
use crate::publish::{sync_photo, Outcome};
use crate::reconcile::{delete_remote_copies, reconcile};
use crate::settings::AlbumSettings;
use crate::{EngineError, ErrorCode};
use folio_convert::ConvertPool;
use folio_sites::{Capabilities, Destination};
use folio_store::{Album, Site, Store};
use futures::StreamExt;
use serde::Serialize;
use std::sync::Arc;

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct SyncReport {
    pub uploaded: usize,
    pub replaced: usize,
    pub unchanged: usize,
    pub removed: usize,
    pub failed: Vec<FailedPhoto>,
    /// Photos waiting for a retry after a temporary failure (only in auto-sync passes; a
    /// one-shot `sync` retries everything now). Left out of the JSON when zero, which keeps the
    /// CLI's documented object unchanged.
    #[serde(skip_serializing_if = "is_zero")]
    pub waiting: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FailedPhoto {
    /// Relative to the album root.
    pub path: String,
    pub error: String,
}

impl SyncReport {
    pub fn add(&mut self, other: SyncReport) {
        self.uploaded += other.uploaded;
        self.replaced += other.replaced;
        self.unchanged += other.unchanged;
        self.removed += other.removed;
        self.waiting += other.waiting;
        self.failed.extend(other.failed);
    }
}

/// How a pass treats jobs that failed before.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncOptions {
    /// Run every job now, including ones waiting for their retry time or parked after a
    /// failure: the user asked (`folio sync`, "Sync now", Retry). Auto-sync passes leave this
    /// off and respect the backoff.
    pub retry_now: bool,
    /// An auto-sync pass: sites set to manual for an album are left out.
    pub auto: bool,
}

/// What a pass needs from the engine.
pub struct Context<'a> {
    pub store: &'a Store,
    pub pool: &'a ConvertPool,
    pub install_id: &'a str,
    pub options: SyncOptions,
}

pub struct Target {
    pub site: Site,
    pub capabilities: Capabilities,
    pub destination: Arc<dyn Destination>,
}

pub(crate) fn store_err(e: folio_store::StoreError) -> EngineError {
    EngineError::new(ErrorCode::Store, e.to_string())
}

pub async fn sync_album(
    ctx: &Context<'_>,
    album: &Album,
    targets: &[Target],
    on_event: &(dyn Fn(SyncEvent) + Sync),
) -> Result<SyncReport, EngineError> {
    let settings: AlbumSettings = serde_json::from_str(&album.settings)
        .map_err(|e| EngineError::new(ErrorCode::Store, format!("album settings: {e}")))?;
    let mut report = SyncReport::default();
    let found = reconcile(ctx.store, ctx.pool, album, &mut report, on_event).await?;
    if settings.delete_remote {
        delete_remote_copies(ctx.store, &found.removed, targets, &mut report).await?;
    }
    let assets = found.current;
    on_event(SyncEvent::Planned { album: album.name.clone(), photos: assets.len() });

    let preset_hash = settings.preset.hash();
    let settings = &settings;
    // Collected first: a stream that holds this closure is not provably `Send` (a rustc
    // limitation with higher-ranked lifetimes), and the desktop app runs passes on spawned tasks.
    let jobs: Vec<_> = assets
        .iter()
        .enumerate()
        .map(|(sequence, asset)| {
            let preset_hash = preset_hash.as_str();
            let photo = crate::publish::Photo {
                album,
                settings,
                preset_hash,
                sequence: sequence + 1,
                asset,
            };
            async move {
                let outcome = sync_photo(ctx, &photo, targets, on_event).await;
                on_event(SyncEvent::PhotoDone {
                    album: album.name.clone(),
                    path: asset.rel_path.clone(),
                });
                (asset, outcome)
            }
        })
        .collect();
    // Two photos in flight: one converting while another uploads.
    let results: Vec<_> = futures::stream::iter(jobs).buffer_unordered(2).collect().await;
    for (asset, outcomes) in results {
        let mut errors = Vec::new();
        let mut waiting = false;
        for outcome in outcomes? {
            match outcome {
                Outcome::Uploaded => report.uploaded += 1,
                Outcome::Replaced => report.replaced += 1,
                Outcome::Unchanged => report.unchanged += 1,
                Outcome::Waiting => waiting = true,
                Outcome::Failed(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            let error = errors.join("; ");
            on_event(SyncEvent::PhotoFailed {
                album: album.name.clone(),
                path: asset.rel_path.clone(),
                error: error.clone(),
            });
            report.failed.push(FailedPhoto { path: asset.rel_path.clone(), error });
        } else if waiting {
            report.waiting += 1;
        }
    }
    report.failed.sort_by(|a, b| a.path.cmp(&b.path));
    if report.uploaded + report.replaced > 0 {
        let sites: Vec<&str> = targets.iter().map(|t| t.site.name.as_str()).collect();
        let message = format!(
            "{}: {} new and {} updated photo(s) on {}",
            album.name,
            report.uploaded,
            report.replaced,
            sites.join(", ")
        );
        ctx.store.log(Some(album.id), "info", &message).await.map_err(store_err)?;
    }
    Ok(report)
}
