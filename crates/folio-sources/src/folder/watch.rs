//! The folder's change signal: the OS watcher (inotify, FSEvents, ReadDirectoryChangesW), or
//! polling where that cannot be used (watch limits, some network drives).

use super::written;
use crate::{OnChange, Signal, SourceError, SourceErrorKind, WatchGuard};
use notify::{RecursiveMode, Watcher};
use std::path::Path;
use std::time::Duration;

pub fn start(root: &Path, on_change: OnChange) -> Result<WatchGuard, SourceError> {
    let handler = move |event: notify::Result<notify::Event>| {
        // Reading is not changing. Our own scans open every folder, and inotify reports that;
        // treating it as a change made each pass trigger the next (56% of a core idle with
        // 10,000 files, `make bench-sync`). Errors and overflows do count: rescan rather than
        // guess.
        use notify::event::RenameMode;
        use notify::event::{AccessKind, AccessMode, EventKind, MetadataKind, ModifyKind};
        let Ok(e) = &event else { return on_change(Signal::Changed) };
        // Closed after writing, or moved in whole: noted, so the scan need not wait for it.
        let whole = match e.kind {
            EventKind::Access(AccessKind::Close(AccessMode::Write))
            | EventKind::Modify(ModifyKind::Name(RenameMode::To)) => e.paths.first(),
            EventKind::Modify(ModifyKind::Name(RenameMode::Both)) => e.paths.get(1),
            _ => None,
        };
        match (whole, e.kind) {
            (Some(path), _) if written::note(path) => on_change(Signal::Written),
            (
                _,
                EventKind::Access(_)
                | EventKind::Modify(ModifyKind::Metadata(MetadataKind::AccessTime)),
            ) => {}
            _ => on_change(Signal::Changed),
        }
    };
    let handler = std::sync::Arc::new(handler);
    let forward = {
        let h = handler.clone();
        move |e: notify::Result<notify::Event>| h(e)
    };
    if let Ok(mut w) = notify::recommended_watcher(forward.clone()) {
        if w.watch(root, RecursiveMode::Recursive).is_ok() {
            return Ok(Box::new(w));
        }
    }
    let config = notify::Config::default().with_poll_interval(Duration::from_secs(5));
    let mut poller = notify::PollWatcher::new(forward, config)
        .map_err(|e| SourceError::new(SourceErrorKind::Unavailable, format!("watching: {e}")))?;
    poller.watch(root, RecursiveMode::Recursive).map_err(|e| {
        SourceError::new(SourceErrorKind::Gone, format!("cannot watch {}: {e}", root.display()))
    })?;
    Ok(Box::new(poller))
}
