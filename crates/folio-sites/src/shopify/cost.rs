//! Shopify's rate limit is a leaky bucket of query cost points per store: every answer carries
//! `extensions.cost.throttleStatus` (points available, the maximum, points restored a second),
//! and a request that costs more than what is available is refused as `THROTTLED`. The bucket
//! here mirrors the store's from those answers and makes each request wait until its cost is
//! available, so throttled answers stay rare instead of being the way Folio learns to slow down.

use serde::Deserialize;
use std::collections::HashMap;
use std::time::Duration;
use tokio::time::Instant;

#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ThrottleStatus {
    pub maximum_available: f64,
    pub currently_available: f64,
    pub restore_rate: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cost {
    pub requested_query_cost: Option<f64>,
    pub throttle_status: Option<ThrottleStatus>,
}

/// Before the first answer the store's numbers are unknown: nothing waits.
#[derive(Debug, Default)]
pub struct Bucket {
    status: Option<ThrottleStatus>,
    /// Points the store had at `at`, by its last answer.
    available: f64,
    at: Option<Instant>,
    /// Points reserved by requests sent (or waiting to be sent) and not answered yet: the
    /// store will take them, so later requests queue behind them.
    outstanding: f64,
    /// The cost each operation asked for last time, to reserve before sending it again.
    costs: HashMap<&'static str, f64>,
}

/// Points taken for one request, given back when it is answered ([`Bucket::settle`]).
#[derive(Debug, Clone, Copy)]
pub struct Reservation(f64);

/// A mutation costs 10 points; Folio's queries cost a few.
fn default_cost(op: &str) -> f64 {
    if op.starts_with("file") || op.starts_with("staged") {
        10.0
    } else {
        5.0
    }
}

impl Bucket {
    /// What the store will have at `now`, less what is on its way to it.
    fn available_at(&self, now: Instant) -> f64 {
        match (self.status, self.at) {
            (Some(s), Some(at)) => {
                let restored = now.saturating_duration_since(at).as_secs_f64() * s.restore_rate;
                (self.available + restored).min(s.maximum_available) - self.outstanding
            }
            _ => f64::INFINITY,
        }
    }

    /// Takes `op`'s points and says how long to wait before sending it: until the bucket has
    /// refilled enough, counting what the requests ahead of it will take.
    pub fn reserve(&mut self, op: &'static str, now: Instant) -> (Duration, Reservation) {
        let cost = self.costs.get(op).copied().unwrap_or_else(|| default_cost(op));
        let available = self.available_at(now);
        self.outstanding += cost;
        let wait = match self.status {
            Some(s) if available < cost && s.restore_rate > 0.0 => {
                Duration::from_secs_f64(((cost - available) / s.restore_rate).min(60.0))
            }
            _ => Duration::ZERO,
        };
        (wait, Reservation(cost))
    }

    /// A request answered (`cost`: what the store said, if it said), or failed without one.
    pub fn settle(&mut self, op: &'static str, r: Reservation, cost: Option<&Cost>, now: Instant) {
        self.outstanding = (self.outstanding - r.0).max(0.0);
        let Some(cost) = cost else { return };
        if let Some(requested) = cost.requested_query_cost {
            self.costs.insert(op, requested);
        }
        if let Some(status) = cost.throttle_status {
            self.status = Some(status);
            self.available = status.currently_available;
            self.at = Some(now);
        }
    }

    /// How long a throttled request of `requested` points must wait for the bucket to hold it.
    pub fn wait_for(&self, requested: f64, now: Instant) -> Duration {
        let Some(status) = self.status else { return Duration::from_secs(1) };
        let missing = requested - self.available_at(now);
        if missing <= 0.0 || status.restore_rate <= 0.0 {
            return Duration::from_millis(100);
        }
        Duration::from_secs_f64((missing / status.restore_rate).min(60.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(available: f64, requested: f64) -> Cost {
        Cost {
            requested_query_cost: Some(requested),
            throttle_status: Some(ThrottleStatus {
                maximum_available: 100.0,
                currently_available: available,
                restore_rate: 50.0,
            }),
        }
    }

    fn secs(d: Duration) -> f64 {
        d.as_secs_f64()
    }

    #[test]
    fn requests_wait_only_when_the_bucket_cannot_pay_for_them() {
        let mut b = Bucket::default();
        let t = Instant::now();
        let (wait, r) = b.reserve("fileCreate", t);
        assert_eq!(wait, Duration::ZERO, "unknown store: no wait");
        b.settle("fileCreate", r, Some(&answer(25.0, 10.0)), t);
        assert_eq!(b.reserve("fileCreate", t).0, Duration::ZERO);
        assert_eq!(b.reserve("fileCreate", t).0, Duration::ZERO);
        // 5 left; 10 needed: 5 points at 50 a second.
        assert!((secs(b.reserve("fileCreate", t).0) - 0.1).abs() < 1e-6);
        // The next one queues behind it: -5 now, 10 needed, 15 points missing.
        assert!((secs(b.reserve("fileCreate", t).0) - 0.3).abs() < 1e-6);
    }

    #[test]
    fn an_answer_does_not_forget_the_requests_still_on_their_way() {
        let mut b = Bucket::default();
        let t = Instant::now();
        let (_, first) = b.reserve("fileCreate", t);
        b.settle("fileCreate", first, Some(&answer(30.0, 10.0)), t);
        let (_, a) = b.reserve("fileCreate", t);
        let (_, _b) = b.reserve("fileCreate", t);
        let (_, _c) = b.reserve("fileCreate", t);
        // `a` is answered: the store took its 10 (20 left), `_b` and `_c` are still coming.
        b.settle("fileCreate", a, Some(&answer(20.0, 10.0)), t);
        assert!((secs(b.reserve("fileCreate", t).0) - 0.2).abs() < 1e-6, "20 - 20 on the way");
        // A request that got no answer gives its points back.
        let mut c = Bucket::default();
        let (_, r) = c.reserve("files", t);
        c.settle("files", r, Some(&answer(100.0, 12.0)), t);
        let (_, lost) = c.reserve("files", t);
        c.settle("files", lost, None, t);
        assert!((c.available_at(t) - 100.0).abs() < 1e-6);
    }

    #[test]
    fn the_bucket_refills_at_the_restore_rate_up_to_its_maximum() {
        let mut b = Bucket::default();
        let t = Instant::now();
        let (_, r) = b.reserve("files", t);
        b.settle("files", r, Some(&answer(0.0, 12.0)), t);
        assert!((b.available_at(t + Duration::from_secs(1)) - 50.0).abs() < 1e-6);
        assert!((b.available_at(t + Duration::from_secs(10)) - 100.0).abs() < 1e-6);
        assert!((secs(b.wait_for(12.0, t)) - 0.24).abs() < 1e-6);
        // The learnt cost is what is reserved next time.
        assert!((secs(b.reserve("files", t).0) - 0.24).abs() < 1e-6);
    }
}
