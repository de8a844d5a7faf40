//! Canva's export quotas counted by Folio itself, so a sync stays under them instead of
//! finding them by 429s: per user 20 export jobs a minute, 75 in 5 minutes and 500 in 24
//! hours; per design 75 in 5 minutes; per integration 5,000 in 24 hours (this process can only
//! count its own share of that one). Short waits (a minute window) are waited; a wait longer
//! than [`Limits::longest_wait`] (a spent daily quota) is a [`Kind::RateLimited`] error saying
//! when exports come back.
//!
//! The counts live for the process, shared by every source opened for one account (the engine
//! opens one per use), so a restart forgets them; Canva's own 429s still stop Folio then.

use crate::{SourceError, SourceErrorKind as Kind};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::time::Instant;

/// At most `count` exports in any `span`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub count: usize,
    pub span: Duration,
}

impl Quota {
    pub const fn new(count: usize, span: Duration) -> Quota {
        Quota { count, span }
    }
}

#[derive(Debug, Clone)]
pub struct Limits {
    pub user_minute: Quota,
    pub user_five_minutes: Quota,
    pub user_day: Quota,
    pub design_five_minutes: Quota,
    pub integration_day: Quota,
    /// A wait for a free slot longer than this is handed back as an error, not waited.
    pub longest_wait: Duration,
}

/// Folio's clock and Canva's disagree by the request's trip: each window is counted a little
/// longer than Canva's, so the first export of a new window never reaches Canva early.
const MARGIN: Duration = Duration::from_secs(2);

impl Default for Limits {
    fn default() -> Self {
        const MINUTE: Duration = Duration::from_secs(60);
        const DAY: Duration = Duration::from_secs(24 * 3600);
        Limits {
            user_minute: Quota::new(20, MINUTE + MARGIN),
            user_five_minutes: Quota::new(75, MINUTE * 5 + MARGIN),
            user_day: Quota::new(500, DAY + MARGIN),
            design_five_minutes: Quota::new(75, MINUTE * 5 + MARGIN),
            integration_day: Quota::new(5_000, DAY + MARGIN),
            longest_wait: Duration::from_secs(6 * 60),
        }
    }
}

/// When the exports of one window were started.
#[derive(Debug, Default)]
struct Window {
    started: VecDeque<Instant>,
}

impl Window {
    /// When a slot is next free under `quota`; `None`: now.
    fn free_at(&mut self, quota: Quota, now: Instant) -> Option<Instant> {
        while self.started.front().is_some_and(|t| *t + quota.span <= now) {
            self.started.pop_front();
        }
        (self.started.len() >= quota.count)
            .then(|| self.started[self.started.len() - quota.count] + quota.span)
    }
}

#[derive(Debug, Default)]
struct Counts {
    minute: Window,
    five_minutes: Window,
    day: Window,
    designs: HashMap<String, Window>,
}

/// One account's export count (with the process's integration-wide count).
pub struct Budget {
    limits: Limits,
    counts: Mutex<Counts>,
    integration: Arc<Mutex<Window>>,
}

/// The budgets of every account this process exports for, by account, and the integration's.
#[derive(Default)]
struct Registry {
    accounts: HashMap<String, Arc<Budget>>,
    integration: Arc<Mutex<Window>>,
}

fn registry() -> &'static Mutex<Registry> {
    static BUDGETS: OnceLock<Mutex<Registry>> = OnceLock::new();
    BUDGETS.get_or_init(Default::default)
}

impl Budget {
    /// A budget of its own (tests with short windows).
    pub fn new(limits: Limits) -> Arc<Budget> {
        let integration = Arc::new(Mutex::new(Window::default()));
        Arc::new(Budget { limits, counts: Mutex::default(), integration })
    }

    /// The process's budget for `account` (the API address and the account's name).
    pub fn of(account: &str) -> Arc<Budget> {
        let mut reg = registry().lock().unwrap();
        let integration = reg.integration.clone();
        reg.accounts
            .entry(account.to_string())
            .or_insert_with(|| {
                Arc::new(Budget {
                    limits: Limits::default(),
                    counts: Mutex::default(),
                    integration,
                })
            })
            .clone()
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Takes one export of `design` from every quota, waiting for a slot while the wait is
    /// short.
    pub async fn take(&self, design: &str) -> Result<(), SourceError> {
        loop {
            let now = Instant::now();
            let wait = {
                let l = &self.limits;
                let mut c = self.counts.lock().unwrap();
                let mut integration = self.integration.lock().unwrap();
                let c = &mut *c;
                let free = [
                    c.minute.free_at(l.user_minute, now),
                    c.five_minutes.free_at(l.user_five_minutes, now),
                    c.day.free_at(l.user_day, now),
                    c.designs
                        .entry(design.to_string())
                        .or_default()
                        .free_at(l.design_five_minutes, now),
                    integration.free_at(l.integration_day, now),
                ]
                .into_iter()
                .flatten()
                .max();
                match free {
                    None => {
                        for w in [&mut c.minute, &mut c.five_minutes, &mut c.day, &mut integration]
                        {
                            w.started.push_back(now);
                        }
                        c.designs.get_mut(design).expect("made above").started.push_back(now);
                        return Ok(());
                    }
                    Some(at) => at - now,
                }
            };
            if wait > self.limits.longest_wait {
                return Err(spent(wait));
            }
            // A quota is a window, not a failure: waiting here is what keeps Canva from
            // answering 429 at all; the pacer only handles the 429s that come anyway.
            tokio::time::sleep(wait).await;
        }
    }

    /// Canva said a daily quota is spent though Folio's count had room (other apps of the
    /// same user count too): no export until a day after the oldest Folio knows of.
    pub fn spent_for_today(&self) -> SourceError {
        let now = Instant::now();
        let c = self.counts.lock().unwrap();
        let wait = c
            .day
            .started
            .front()
            .map(|t| (*t + self.limits.user_day.span).saturating_duration_since(now))
            .filter(|w| !w.is_zero())
            .unwrap_or(self.limits.user_day.span);
        spent(wait)
    }
}

/// The error for a quota that comes back in `wait`.
pub fn spent(wait: Duration) -> SourceError {
    let hours = wait.as_secs().div_ceil(3600);
    SourceError {
        retry_after: Some(wait),
        ..SourceError::new(
            Kind::RateLimited,
            format!(
                "Canva's export limit for this account is used up; exports resume in about \
                 {hours} h"
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn short() -> Limits {
        let q = |n| Quota::new(n, Duration::from_millis(300));
        Limits {
            user_minute: q(2),
            user_five_minutes: q(100),
            user_day: Quota::new(3, Duration::from_secs(3600)),
            design_five_minutes: q(100),
            integration_day: q(100),
            longest_wait: Duration::from_secs(5),
        }
    }

    #[tokio::test]
    async fn a_full_window_waits_and_a_spent_day_is_an_error_with_the_wait() {
        let b = Budget::new(short());
        let started = Instant::now();
        for _ in 0..3 {
            b.take("D1").await.unwrap();
        }
        assert!(started.elapsed() >= Duration::from_millis(300), "the third waited a window");
        let err = b.take("D1").await.unwrap_err();
        assert_eq!(err.kind, Kind::RateLimited);
        let wait = err.retry_after.unwrap();
        assert!(wait > Duration::from_secs(3500) && wait <= Duration::from_secs(3600), "{wait:?}");
    }
}
