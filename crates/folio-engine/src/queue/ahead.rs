//! Conversion ahead of the uploads. A site's workers each convert a photo and then send it;
//! alone, a worker leaves the site idle while it converts, and the machine idle while the site
//! works. So each queue has a stager in front of its workers: it starts converting the next
//! photos as they are queued, and holds back once [`AHEAD`] are waiting for a worker, so a
//! slow site never has more than that many renditions spooled for it. The step converts
//! nothing when it comes: it takes the rendition already made (renditions are shared by key).

use crate::pipeline::site_queue::{Job, SiteQueue, Task};
use crate::pipeline::step::{preset_for, Work};
use crate::queue::upload;
use crate::state::EngineState;
use std::sync::{Arc, Weak};
use tokio::sync::mpsc;

/// Steps handed on to the workers but not yet taken by one, each converting meanwhile; one
/// more converts in the stager while it waits to hand it on.
pub const AHEAD: usize = 1;

/// Moves the queue's tasks, in order, to `staged` (which holds [`AHEAD`]), starting each
/// upload's conversion as it passes.
pub async fn stage(engine: Weak<EngineState>, q: Arc<SiteQueue>, staged: mpsc::Sender<Task>) {
    loop {
        let task = {
            let mut rx = q.receiver.lock().await;
            match rx.recv().await {
                Some(t) => t,
                None => return,
            }
        };
        if let (Job::Step(work), Some(engine)) = (&task.job, engine.upgrade()) {
            // A paused site's steps are answered without being carried out.
            if q.is_ready() {
                convert(&engine, &q, work);
            }
        }
        if staged.send(task).await.is_err() {
            return;
        }
    }
}

/// Starts the conversion the step will want, under its own claim on the rendition (so it
/// lives while converting even if the step ends first). Nothing is converted for a step that
/// is stale by then: a new preset, a photo changed or gone.
fn convert(engine: &Arc<EngineState>, q: &SiteQueue, work: &Work) {
    let Some(claim) = &work.reservation else { return };
    let claim = engine.renditions.reserve(claim.key().clone());
    let (album, asset, path, hash) =
        (work.album.clone(), work.asset, work.path.clone(), work.content_hash.clone());
    let (engine, site) = (engine.clone(), q.site);
    tokio::spawn(async move {
        let Ok(Some(site)) = engine.store.site(site).await else { return };
        let preset = preset_for(&album.settings, &EngineState::capabilities(&site));
        if preset.hash() != claim.key().preset_hash {
            return;
        }
        let current = engine.store.asset(asset).await;
        if !current.is_ok_and(|a| a.is_some_and(|a| a.content_hash == hash)) {
            return;
        }
        let made = upload::convert(&engine, &album, &path, &hash, preset);
        let _ = engine.renditions.get(&claim, made).await;
    });
}
