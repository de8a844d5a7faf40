//! The workers of each site's queue, started with the queue and running for the engine's
//! lifetime. A slow or failing site only ever holds up its own queue. A site whose credentials
//! are refused or that cannot be reached pauses as a whole: queued photos wait (they are not
//! failed one by one), and a check on a timer, a "Test connection", a reconnect or the next
//! `sync` starts it again.

use crate::pipeline::progress::Ended;
use crate::pipeline::site_queue::{paused_message, site_state_for, Job, SiteQueue, Task};
use crate::pipeline::step::{Errand, Outcome};
use crate::queue::{ahead, push};
use crate::state::EngineState;
use crate::EngineError;
use folio_model::SiteState;
use folio_sites::SiteError;
use folio_store::Site;
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::sync::oneshot;

/// Photos in flight at once per site, whatever the site asks for.
const MAX_WORKERS: usize = 16;

/// The site's queue, started on first use.
pub fn queue_for(engine: &Arc<EngineState>, site: &Site) -> Result<Arc<SiteQueue>, EngineError> {
    if let Some(q) = engine.queues.lock().expect("queues").get(&site.id) {
        return Ok(q.clone());
    }
    let destination = crate::site_tokens::kept(engine, site)?;
    let mut queues = engine.queues.lock().expect("queues");
    if let Some(q) = queues.get(&site.id) {
        return Ok(q.clone());
    }
    let q = Arc::new(SiteQueue::new(site.id, site.state, destination));
    engine.progress.site_state(site.id, site.state);
    let mut tasks = q.tasks.lock().expect("queue tasks");
    // The next photos convert while the workers upload (see `ahead`).
    let (staged, taken) = tokio::sync::mpsc::channel(ahead::AHEAD);
    tasks.push(tokio::spawn(ahead::stage(Arc::downgrade(engine), q.clone(), staged)));
    let taken = Arc::new(tokio::sync::Mutex::new(taken));
    // The site says how many (two by default: two requests in flight, without piling
    // requests onto a small host).
    for _ in 0..q.destination.photos_in_flight().clamp(1, MAX_WORKERS) {
        tasks.push(tokio::spawn(worker(Arc::downgrade(engine), q.clone(), taken.clone())));
    }
    tasks.push(tokio::spawn(health(Arc::downgrade(engine), q.clone())));
    drop(tasks);
    queues.insert(site.id, q.clone());
    Ok(q)
}

async fn worker(
    engine: Weak<EngineState>,
    q: Arc<SiteQueue>,
    staged: Arc<tokio::sync::Mutex<tokio::sync::mpsc::Receiver<Task>>>,
) {
    loop {
        let task = {
            let mut rx = staged.lock().await;
            match rx.recv().await {
                Some(t) => t,
                None => return,
            }
        };
        let Some(engine) = engine.upgrade() else { return };
        let (done, outcome) = carry_out(&engine, &q, task).await;
        let _ = done.send(outcome);
    }
}

/// One task from the queue, step or errand, with the site's state and the progress counts
/// kept the same way for both.
async fn carry_out(
    engine: &Arc<EngineState>,
    q: &SiteQueue,
    task: Task,
) -> (oneshot::Sender<Outcome>, Outcome) {
    let (asset, version, ticket, outcome) = match task.job {
        Job::Step(mut work) => {
            let outcome = if q.is_ready() {
                push::execute(engine, q, &work).await
            } else {
                Outcome::SiteNotReady
            };
            (work.asset, Some(work.content_hash.clone()), work.ticket.take(), outcome)
        }
        Job::Errand(Errand { album, asset, path, ticket, work }) => {
            let outcome = if q.is_ready() {
                push::run_errand(engine, q, album, asset, &path, work).await
            } else {
                Outcome::SiteNotReady
            };
            (asset, None, ticket, outcome)
        }
    };
    if let Outcome::SiteDown(state, message) = &outcome {
        site_down(engine, q, *state, message).await;
    }
    // Counted here, not by whoever waits for the answer: a pass that stops waiting (live
    // sync restarting) must not leave the progress model counting work that finished.
    let ended = match &outcome {
        Outcome::Failed(_) | Outcome::PhotoFailed(_) => Ended::Failed,
        Outcome::Waiting(_) | Outcome::SiteDown(..) | Outcome::SiteNotReady => Ended::Waiting,
        _ => Ended::Done,
    };
    if let Some(ticket) = ticket {
        ticket.end(ended);
    }
    q.finished(asset, version.as_deref());
    (task.done, outcome)
}

/// The site stopped taking anything: it pauses as a whole, and its photos wait.
pub async fn site_down(engine: &EngineState, q: &SiteQueue, state: SiteState, message: &str) {
    let _ = engine.set_site_state(q.site, state, Some(message)).await;
    q.state.send_replace(state);
}

/// Why a paused site takes nothing now, and what brings it back, for a message that ends
/// "…; not restored there".
pub fn paused_because(state: SiteState) -> &'static str {
    match state {
        SiteState::Reconnect => "refused Folio's credentials: reconnect it first",
        SiteState::Unreachable => {
            "cannot be reached now: Folio checks it again by itself, try again once it is back"
        }
        SiteState::RateLimited => {
            "has used up its rate limit for now: Folio checks it again by itself, try again later"
        }
        SiteState::Ok => "was paused",
    }
}

/// While the site cannot be reached or is rate limited, checks it now and then (doubling the
/// wait), and starts it again when it answers. (A rate-limited destination refuses a check
/// itself, without a request, until its limit resets.) A site that refused the credentials is not retried on a timer: the
/// same refused password, sent again and again, is what gets an address banned by a host's
/// login protection. It waits for the user (reconnect, Test connection, `folio sync`).
async fn health(engine: Weak<EngineState>, q: Arc<SiteQueue>) {
    let mut changes = q.state.subscribe();
    loop {
        while !matches!(
            *changes.borrow_and_update(),
            SiteState::Unreachable | SiteState::RateLimited
        ) {
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
                let said = paused_message(&e, state);
                let _ = engine.set_site_state(q.site, state, Some(&said)).await;
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
