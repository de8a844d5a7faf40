//! One queue per site: its steps, its destination, which photos are in it, and whether it
//! runs. The workers that drain it are in `workers`.

use crate::pipeline::step::{Errand, Outcome, Work};
use folio_model::{AssetId, SiteId, SiteState};
use folio_sites::{Destination, ErrorClass, SiteError, SiteErrorCode};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

pub struct Task {
    pub job: Job,
    pub done: oneshot::Sender<Outcome>,
}

/// What a queue carries: a pass's step, or an errand.
pub enum Job {
    Step(Work),
    Errand(Errand),
}

pub struct SiteQueue {
    pub site: SiteId,
    pub destination: Arc<dyn Destination>,
    sender: mpsc::UnboundedSender<Task>,
    pub(crate) receiver: tokio::sync::Mutex<mpsc::UnboundedReceiver<Task>>,
    /// Photo → the version queued or running, so a pass does not queue it twice.
    in_flight: Mutex<HashMap<AssetId, String>>,
    /// One step per photo at a time (an old version's upload and a new version's replace must
    /// not interleave).
    photo_locks: Mutex<HashMap<AssetId, Arc<tokio::sync::Mutex<()>>>>,
    pub state: watch::Sender<SiteState>,
    /// Learning what the site takes (a refused format) happens once, not once per worker.
    pub learning: tokio::sync::Mutex<()>,
    /// "This site has no trash" has been said (once per run, not once per photo).
    pub said_no_trash: std::sync::atomic::AtomicBool,
    pub(crate) tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl SiteQueue {
    pub fn new(site: SiteId, state: SiteState, destination: Arc<dyn Destination>) -> SiteQueue {
        let (sender, receiver) = mpsc::unbounded_channel();
        SiteQueue {
            site,
            destination,
            sender,
            receiver: tokio::sync::Mutex::new(receiver),
            in_flight: Mutex::new(HashMap::new()),
            photo_locks: Mutex::new(HashMap::new()),
            state: watch::Sender::new(state),
            learning: tokio::sync::Mutex::new(()),
            said_no_trash: Default::default(),
            tasks: Mutex::new(Vec::new()),
        }
    }

    /// Aborts the workers mid-step, like a crash: whatever was in flight is found again by
    /// its duplicate key on the next run.
    pub fn stop(&self) {
        for t in self.tasks.lock().expect("queue tasks").drain(..) {
            t.abort();
        }
    }

    pub fn in_flight(&self) -> HashMap<AssetId, String> {
        self.in_flight.lock().expect("in flight").clone()
    }

    pub fn submit(&self, work: Work) -> oneshot::Receiver<Outcome> {
        let (done, answer) = oneshot::channel();
        self.in_flight.lock().expect("in flight").insert(work.asset, work.content_hash.clone());
        // A stopped queue drops the task, and its receiver reports it as not run.
        let _ = self.sender.send(Task { job: Job::Step(work), done });
        answer
    }

    /// Queues an errand behind the steps already queued. It is not "in flight" for the
    /// planner: a pass may still plan the photo, and its step then waits for the photo's lock
    /// and decides from what the errand left.
    pub fn submit_errand(&self, errand: Errand) -> oneshot::Receiver<Outcome> {
        let (done, answer) = oneshot::channel();
        let _ = self.sender.send(Task { job: Job::Errand(errand), done });
        answer
    }

    pub fn is_ready(&self) -> bool {
        *self.state.borrow() == SiteState::Ok
    }

    pub async fn lock_photo(&self, asset: AssetId) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = self.photo_locks.lock().expect("photo locks").entry(asset).or_default().clone();
        lock.lock_owned().await
    }

    /// A step (with the version it planned) or an errand (without) on `asset` is over.
    pub(crate) fn finished(&self, asset: AssetId, version: Option<&str>) {
        let mut in_flight = self.in_flight.lock().expect("in flight");
        if version.is_some() && in_flight.get(&asset).map(String::as_str) == version {
            in_flight.remove(&asset);
        }
        let mut locks = self.photo_locks.lock().expect("photo locks");
        if locks.get(&asset).is_some_and(|l| Arc::strong_count(l) == 1) {
            locks.remove(&asset);
        }
    }
}

/// What a site-level failure means for the site, if it is one.
/// A rate limit that asks for longer than this pauses the whole site.
const LONG_WAIT: std::time::Duration = std::time::Duration::from_secs(60);

/// What a paused site's state says: the error, and for a rate limit when Folio tries again.
pub fn paused_message(e: &SiteError, state: SiteState) -> String {
    match (state, e.retry_after) {
        (SiteState::RateLimited, Some(wait)) => {
            format!("{}; Folio tries again after {}", e.message, crate::clock::utc_in(wait))
        }
        _ => e.message.clone(),
    }
}

pub fn site_state_for(e: &SiteError) -> Option<SiteState> {
    match e.code {
        // A wait the pacer would not hold a sync for (a daily limit): the site pauses, not
        // each photo on its own backoff.
        SiteErrorCode::RateLimited if e.retry_after.is_some_and(|w| w >= LONG_WAIT) => {
            Some(SiteState::RateLimited)
        }
        SiteErrorCode::NeedsReconnect | SiteErrorCode::AuthHeaderStripped => {
            Some(SiteState::Reconnect)
        }
        // The destination's pacer already retried these; the site is down, not the photo.
        SiteErrorCode::Network | SiteErrorCode::Unavailable | SiteErrorCode::Protocol => {
            Some(SiteState::Unreachable)
        }
        _ if e.class() == ErrorClass::Fatal => Some(SiteState::Unreachable),
        _ => None,
    }
}
