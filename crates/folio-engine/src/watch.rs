//! Live sync: watcher events only say *which album to rescan*; the rescan (a normal sync pass)
//! decides what changed. Watchers miss events (network drives, overflows), so every album is
//! also rescanned periodically.

use crate::{Engine, EngineError, SyncEvent, SyncOptions, SyncReport};
use notify::{RecursiveMode, Watcher};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::mpsc;

/// Writes usually come in bursts (an export of 200 photos, a file written in chunks); wait for
/// this much quiet before a pass, so a burst makes one pass and a half-written file is seen
/// whole. The pass's decode check still catches a file that is not.
pub const QUIET: Duration = Duration::from_millis(800);

/// Full rescans catch what the watcher missed. `FOLIO_RESCAN_SECS` overrides it (tests).
pub fn rescan_interval() -> Duration {
    let secs = std::env::var("FOLIO_RESCAN_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(300);
    Duration::from_secs(secs)
}

/// While paused, how often the stored setting is re-read, so `folio pause`/`resume` from
/// another process reaches a running watch.
const PAUSE_POLL: Duration = Duration::from_secs(2);

impl Engine {
    /// Live sync until `stop` completes: a full pass now, then a pass after each burst of
    /// changes in an album folder, when a job's retry falls due, and a full rescan every few
    /// minutes. Stopping mid-pass is safe: an interrupted upload is found again by its slug on
    /// the next run. While auto-sync is paused, due passes are remembered and run on resume.
    pub async fn watch(
        &self,
        on_event: &(dyn Fn(SyncEvent) + Sync),
        on_pass: &(dyn Fn(&SyncReport) + Sync),
        stop: impl std::future::Future<Output = ()>,
    ) -> Result<(), EngineError> {
        let roots: Vec<PathBuf> =
            self.store.albums().await?.iter().map(|a| PathBuf::from(&a.root)).collect();
        if roots.is_empty() {
            return Err(EngineError::config("no albums to watch; add one with 'folio album add'"));
        }
        let mut folders = FolderWatch::start(&roots)?;
        tokio::pin!(stop);
        let mut rescan = tokio::time::interval(rescan_interval());
        rescan.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let quiet = tokio::time::sleep(QUIET);
        tokio::pin!(quiet);
        let (mut dirty, mut owed) = (false, false);
        let mut paused = self.auto_sync_paused().await?;
        on_event(SyncEvent::AutoSync { paused });
        let mut retry_at: Option<tokio::time::Instant> = None;
        loop {
            let due = tokio::select! {
                _ = &mut stop => return Ok(()),
                _ = rescan.tick() => true,
                Some(_) = folders.changes.recv() => {
                    dirty = true;
                    quiet.as_mut().reset(tokio::time::Instant::now() + QUIET);
                    false
                }
                _ = &mut quiet, if dirty => true,
                _ = self.wake.notified() => true,
                _ = tokio::time::sleep_until(retry_at.unwrap_or_else(tokio::time::Instant::now)),
                    if retry_at.is_some() => {
                    retry_at = None;
                    true
                }
                _ = tokio::time::sleep(PAUSE_POLL), if paused => false,
            };
            let now_paused = self.auto_sync_paused().await?;
            if now_paused != paused {
                paused = now_paused;
                on_event(SyncEvent::AutoSync { paused });
            }
            if due {
                // Owed until it runs; the timers that made it due are spent.
                (dirty, owed) = (false, true);
            }
            if !owed || paused {
                continue;
            }
            owed = false;
            let options = SyncOptions { auto: true, ..SyncOptions::default() };
            tokio::select! {
                _ = &mut stop => return Ok(()),
                report = self.sync(options, on_event) => on_pass(&report?),
            }
            retry_at = self.store.next_job_due().await?.map(|at| {
                let wait = (at - folio_store::unix_now()).max(0) as u64;
                tokio::time::Instant::now() + Duration::from_secs(wait)
            });
        }
    }
}

/// Watches album roots, sending a root each time something under it changes.
pub struct FolderWatch {
    // Kept alive for as long as events are wanted.
    _watcher: Box<dyn Watcher + Send>,
    pub changes: mpsc::UnboundedReceiver<PathBuf>,
}

impl FolderWatch {
    pub fn start(roots: &[PathBuf]) -> Result<FolderWatch, EngineError> {
        let (tx, changes) = mpsc::unbounded_channel();
        let roots_for_events: Vec<PathBuf> = roots.to_vec();
        let handler = move |event: notify::Result<notify::Event>| {
            let Ok(event) = event else {
                // Overflow or a watcher error: rescan everything rather than guess.
                roots_for_events.iter().for_each(|r| drop(tx.send(r.clone())));
                return;
            };
            // Reading is not changing. Our own scans open every folder, and inotify reports
            // that; treating it as a change made each pass trigger the next (56% of a core
            // idle with 10,000 files, `make bench-sync`).
            use notify::event::{EventKind, MetadataKind, ModifyKind};
            if matches!(
                event.kind,
                EventKind::Access(_)
                    | EventKind::Modify(ModifyKind::Metadata(MetadataKind::AccessTime))
            ) {
                return;
            }
            if event.need_rescan() {
                roots_for_events.iter().for_each(|r| drop(tx.send(r.clone())));
                return;
            }
            for path in &event.paths {
                if let Some(root) = roots_for_events.iter().find(|r| path.starts_with(r)) {
                    let _ = tx.send(root.clone());
                }
            }
        };
        let mut watcher: Box<dyn Watcher + Send> =
            match notify::recommended_watcher(handler.clone()) {
                Ok(w) => Box::new(w),
                Err(_) => Box::new(poller(handler.clone())?),
            };
        for root in roots {
            if watcher.watch(root, RecursiveMode::Recursive).is_err() {
                // inotify limits, unsupported file systems: poll instead.
                watcher = Box::new(poller(handler.clone())?);
                for r in roots {
                    watcher.watch(r, RecursiveMode::Recursive).map_err(|e| watch_error(r, e))?;
                }
                break;
            }
        }
        Ok(FolderWatch { _watcher: watcher, changes })
    }
}

fn poller<F: notify::EventHandler>(handler: F) -> Result<notify::PollWatcher, EngineError> {
    let config = notify::Config::default().with_poll_interval(Duration::from_secs(5));
    notify::PollWatcher::new(handler, config)
        .map_err(|e| EngineError::config(format!("watching folders: {e}")))
}

fn watch_error(root: &Path, e: notify::Error) -> EngineError {
    EngineError::config(format!("cannot watch {}: {e}", root.display()))
}
