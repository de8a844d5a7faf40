//! The workers of each site's queue, started with the queue and running for the engine's
//! lifetime. A slow or failing site only ever holds up its own queue. A site whose credentials
//! are refused or that cannot be reached pauses as a whole: queued photos wait (they are not
//! failed one by one), and a check on a timer, a "Test connection", a reconnect or the next
//! `sync` starts it again.

use crate::pipeline::progress::Ended;
use crate::pipeline::site_queue::{site_state_for, SiteQueue};
use crate::pipeline::step::Outcome;
use crate::queue::push;
use crate::state::EngineState;
use crate::EngineError;
use folio_model::SiteState;
use folio_sites::SiteError;
use folio_store::Site;
use std::sync::{Arc, Weak};
use std::time::Duration;

/// Photos in flight at once per site, whatever the site asks for.
const MAX_WORKERS: usize = 16;

/// The site's queue, started on first use.
pub fn queue_for(engine: &Arc<EngineState>, site: &Site) -> Result<Arc<SiteQueue>, EngineError> {
    if let Some(q) = engine.queues.lock().expect("queues").get(&site.id) {
        return Ok(q.clone());
    }
    let secret = engine.secrets.get(&site.secret_ref)?;
    let destination = engine.backends.connect(&EngineState::site_config(site), &secret)?;
    let mut queues = engine.queues.lock().expect("queues");
    if let Some(q) = queues.get(&site.id) {
        return Ok(q.clone());
    }
    let q = Arc::new(SiteQueue::new(site.id, site.state, destination));
    engine.progress.site_state(site.id, site.state);
    let mut tasks = q.tasks.lock().expect("queue tasks");
    // The site says how many (two by default: one converting while another uploads, without
    // piling requests onto a small host).
    for _ in 0..q.destination.photos_in_flight().clamp(1, MAX_WORKERS) {
        tasks.push(tokio::spawn(worker(Arc::downgrade(engine), q.clone())));
    }
    tasks.push(tokio::spawn(health(Arc::downgrade(engine), q.clone())));
    drop(tasks);
    queues.insert(site.id, q.clone());
    Ok(q)
}

async fn worker(engine: Weak<EngineState>, q: Arc<SiteQueue>) {
    loop {
        let mut task = {
            let mut rx = q.receiver.lock().await;
            match rx.recv().await {
                Some(t) => t,
                None => return,
            }
        };
        let Some(engine) = engine.upgrade() else { return };
        let outcome = if q.is_ready() {
            let outcome = push::execute(&engine, &q, &task.work).await;
            if let Outcome::SiteDown(state, message) = &outcome {
                let _ = engine.set_site_state(q.site, *state, Some(message)).await;
                q.state.send_replace(*state);
            }
            outcome
        } else {
            Outcome::SiteNotReady
        };
        // Counted here, not by whoever waits for the answer: a pass that stops waiting (live
        // sync restarting) must not leave the progress model counting work that finished.
        let ended = match &outcome {
            Outcome::Failed(_) | Outcome::PhotoFailed(_) => Ended::Failed,
            Outcome::Waiting(_) | Outcome::SiteDown(..) | Outcome::SiteNotReady => Ended::Waiting,
            _ => Ended::Done,
        };
        if let Some(ticket) = task.work.ticket.take() {
            ticket.end(ended);
        }
        q.finished(&task.work);
        let _ = task.done.send(outcome);
    }
}

/// While the site cannot be reached, checks it now and then (doubling the wait), and starts it
/// again when it answers. A site that refused the credentials is not retried on a timer: the
/// same refused password, sent again and again, is what gets an address banned by a host's
/// login protection. It waits for the user (reconnect, Test connection, `folio sync`).
async fn health(engine: Weak<EngineState>, q: Arc<SiteQueue>) {
    let mut changes = q.state.subscribe();
    loop {
        while *changes.borrow_and_update() != SiteState::Unreachable {
            if changes.changed().await.is_err() {
                return;
            }
        }
        let Some(every) = engine.upgrade().map(|e| e.site_check_every) else { return };
        let mut wait = every;
        loop {
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                changed = changes.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    // Started again by hand (Test connection, reconnect).
                    break;
                }
            }
            let Some(engine) = engine.upgrade() else { return };
            match check(&engine, &q).await {
                Ok(()) => break,
                Err(_) => wait = (wait * 2).min(every * 20),
            }
        }
    }
}

/// Checks the site now; on success its queue runs again.
pub async fn check(engine: &Arc<EngineState>, q: &SiteQueue) -> Result<(), SiteError> {
    match q.destination.check().await {
        Ok(()) => {
            let _ = engine.set_site_state(q.site, SiteState::Ok, None).await;
            q.state.send_replace(SiteState::Ok);
            Ok(())
        }
        Err(e) => {
            if let Some(state) = site_state_for(&e) {
                let _ = engine.set_site_state(q.site, state, Some(&e.message)).await;
                q.state.send_if_modified(|s| std::mem::replace(s, state) != state);
            }
            Err(e)
        }
    }
}

/// How soon a paused site is first checked again.
pub fn default_check_every() -> Duration {
    Duration::from_secs(15)
}
