//! Live sync: one task per album (Syncthing's folder model). Each waits on its source's change
//! signal (which only says *that* something changed; the pass finds what), a full rescan on a
//! timer (signals get missed), the engine's wake-ups and the next retry, then runs a pass. A
//! pass hands its steps to the site queues and the task goes straight back to waiting, so one
//! album never waits for another, nor for a slow site.

use crate::live::pass;
use crate::pipeline::report::{SyncOptions, SyncReport};
use crate::state::EngineState;
use crate::{Engine, EngineError};
use folio_model::{AlbumId, SyncEvent};
use folio_sources::Signal;
use futures::StreamExt;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Writes usually come in bursts (an export of 200 photos, a file written in chunks); wait for
/// this much quiet before a pass, so a burst makes one pass and a half-written file is seen
/// whole. The source's settle check still catches a file that is not.
pub const QUIET: Duration = Duration::from_millis(800);

/// After a file was closed after writing (the OS said so, see `Signal::Written`) there is
/// nothing to wait for but the files written with it, such as a sidecar.
pub const QUIET_WRITTEN: Duration = Duration::from_millis(100);

/// While paused, how often the stored setting is re-read, so `folio pause`/`resume` from
/// another process reaches a running watch.
const PAUSE_POLL: Duration = Duration::from_secs(2);

/// How often a running watch looks for albums added by another process or the app.
const ALBUM_POLL: Duration = Duration::from_secs(2);

/// Full rescans catch what the change signal missed. `FOLIO_RESCAN_SECS` overrides it (tests).
pub fn rescan_interval() -> Duration {
    let secs = std::env::var("FOLIO_RESCAN_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(300);
    Duration::from_secs(secs)
}

impl Engine {
    /// Live sync until `stop` completes: a pass over each album now, then after each burst of
    /// changes, when a retry falls due, when a paused site works again, and every few minutes.
    /// Stopping mid-pass is safe: an interrupted upload is found again by its duplicate key on
    /// the next run. While auto-sync is paused, due passes are remembered and run on resume.
    /// `on_pass` hears of each album pass once all its steps are over.
    pub async fn watch(
        &self,
        on_pass: &(dyn Fn(&SyncReport) + Sync),
        stop: impl std::future::Future<Output = ()>,
    ) -> Result<(), EngineError> {
        let albums = self.state.store.albums().await?;
        if albums.is_empty() {
            return Err(EngineError::config("no albums to watch; add one with 'folio album add'"));
        }
        let paused = self.auto_sync_paused().await?;
        self.state.emit(SyncEvent::AutoSync { paused });
        // Albums added while this runs (by `folio album add`, `folio connect` and an account
        // album, the app) are picked up by themselves; one gone ends its own task.
        let mut watched: HashSet<AlbumId> = HashSet::new();
        let mut tasks = futures::stream::FuturesUnordered::new();
        let mut look = tokio::time::interval(ALBUM_POLL);
        look.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let pause = follow_pause(self);
        tokio::pin!(stop, pause);
        loop {
            tokio::select! {
                _ = &mut stop => return Ok(()),
                _ = &mut pause => return Ok(()),
                _ = look.tick() => {
                    let Ok(albums) = self.state.store.albums().await else { continue };
                    for a in albums.into_iter().filter(|a| watched.insert(a.id)) {
                        tasks.push(album_task(&self.state, a.id, on_pass));
                    }
                }
                Some(result) = tasks.next(), if !tasks.is_empty() => result?,
            }
        }
    }
}

/// Notices pause and resume from any process, says so once, and wakes the albums on resume.
/// (One small read every 2 s; a pass also checks the setting itself before it starts.)
async fn follow_pause(engine: &Engine) {
    let mut paused = engine.state.paused.load(Ordering::Relaxed);
    loop {
        tokio::time::sleep(PAUSE_POLL).await;
        let Ok(now) = engine.auto_sync_paused().await else { continue };
        if now != paused {
            paused = now;
            engine.state.emit(SyncEvent::AutoSync { paused });
            if !paused {
                engine.state.wake.notify_waiters();
            }
        }
    }
}

/// The source's change signal, as one slot: a change already signalled and not yet looked at
/// covers any that follow, so a burst (or a watcher overflow) costs one pass and no memory.
/// Whether any of them was a file written whole rides beside it, so a full slot cannot lose
/// that. Without a signal (`None`) the timer still rescans; the pass says what is wrong.
fn listen(
    source: &dyn folio_sources::Source,
) -> (Option<folio_sources::WatchGuard>, tokio::sync::mpsc::Receiver<()>, Arc<AtomicBool>) {
    let (tx, changes) = tokio::sync::mpsc::channel(1);
    let written = Arc::new(AtomicBool::new(false));
    let heard = written.clone();
    let guard = source
        .watch(Arc::new(move |signal| {
            if signal == Signal::Written {
                heard.store(true, Ordering::Relaxed);
            }
            let _ = tx.try_send(());
        }))
        .ok();
    (guard, changes, written)
}

async fn album_task(
    engine: &Arc<EngineState>,
    album_id: AlbumId,
    on_pass: &(dyn Fn(&SyncReport) + Sync),
) -> Result<(), EngineError> {
    let album =
        engine.store.album(album_id).await?.ok_or_else(|| EngineError::config("album gone"))?;
    let source = match engine.open_source(&album).await {
        Ok(s) => s,
        Err(e) => {
            // This album cannot be watched; the others go on.
            engine.store.log(Some(album.id), "error", &format!("{}: {e}", album.name)).await?;
            return Ok(());
        }
    };
    let (_signal, mut changes, written) = listen(source.as_ref());
    let mut rescan = tokio::time::interval(rescan_interval());
    rescan.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let quiet = tokio::time::sleep(QUIET);
    tokio::pin!(quiet);
    let (mut dirty, mut owed, mut whole) = (false, false, false);
    let mut retry_at: Option<tokio::time::Instant> = None;
    let mut gathering = futures::stream::FuturesUnordered::new();
    loop {
        let due = tokio::select! {
            _ = rescan.tick() => true,
            Some(()) = changes.recv() => {
                // Writes going on elsewhere in the folder do not hold back a file written whole.
                whole |= written.swap(false, Ordering::Relaxed);
                let wait = if whole { QUIET_WRITTEN } else { QUIET };
                let at = tokio::time::Instant::now() + wait;
                if !(dirty && whole && quiet.deadline() < at) {
                    quiet.as_mut().reset(at);
                }
                dirty = true;
                false
            }
            _ = &mut quiet, if dirty => true,
            _ = engine.wake.notified() => true,
            _ = tokio::time::sleep_until(retry_at.unwrap_or_else(tokio::time::Instant::now)),
                if retry_at.is_some() => {
                retry_at = None;
                true
            }
            Some(report) = gathering.next(), if !gathering.is_empty() => {
                on_pass(&report);
                false
            }
            _ = tokio::time::sleep(PAUSE_POLL), if owed => false,
        };
        if due {
            // Owed until it runs; the timers that made it due are spent.
            (dirty, owed, whole) = (false, true, false);
        }
        // A store that fails now and then (a full disk, a locked database) is reported and
        // tried again at the next rescan; it does not end live sync for every album.
        if !owed || engine.auto_sync_paused().await.unwrap_or(true) {
            continue;
        }
        owed = false;
        if matches!(engine.store.album(album_id).await, Ok(None)) {
            return Ok(()); // removed while watched
        }
        let options = SyncOptions { auto: true, ..SyncOptions::default() };
        match pass::dispatch(engine, album_id, options).await {
            Ok(dispatched) => gathering.push(pass::collect(engine, dispatched)),
            Err(e) => {
                let message = format!("{}: {e}", album.name);
                let _ = engine.store.log(Some(album_id), "error", &message).await;
            }
        }
        retry_at = engine.store.next_job_due().await.ok().flatten().map(|at| {
            let wait = (at - folio_store::unix_now()).max(0) as u64;
            tokio::time::Instant::now() + Duration::from_secs(wait)
        });
    }
}
