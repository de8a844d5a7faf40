//! Requests per client address: a token bucket each, refilled at a steady rate. Only the
//! buckets themselves are kept, in memory, and full ones are dropped, so the table holds the
//! addresses seen in the last minute or so and nothing else.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Above this many tracked addresses, full buckets are swept out before a new one is added.
const SWEEP_ABOVE: usize = 10_000;

pub struct RateLimit {
    burst: f64,
    per_second: f64,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

impl RateLimit {
    pub fn new(requests_per_minute: u32, burst: u32) -> RateLimit {
        RateLimit {
            burst: f64::from(burst.max(1)),
            per_second: f64::from(requests_per_minute.max(1)) / 60.0,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from `client`'s bucket, or says how long until one is there.
    pub fn take(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= SWEEP_ABOVE && !buckets.contains_key(&client) {
            buckets.retain(|_, b| self.refilled(b, now) < self.burst);
        }
        let bucket = buckets.entry(client).or_insert(Bucket { tokens: self.burst, at: now });
        bucket.tokens = self.refilled(bucket, now);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / self.per_second))
        }
    }

    fn refilled(&self, bucket: &Bucket, now: Instant) -> f64 {
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        (bucket.tokens + elapsed * self.per_second).min(self.burst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_allowed_then_the_steady_rate() {
        let limit = RateLimit::new(60, 3);
        let me: IpAddr = "192.0.2.1".parse().unwrap();
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limit.take(me, t0), Ok(()));
        }
        let wait = limit.take(me, t0).unwrap_err();
        assert!(wait > Duration::from_millis(900) && wait <= Duration::from_secs(1), "{wait:?}");
        assert_eq!(limit.take(other, t0), Ok(()), "another address has its own bucket");
        assert_eq!(limit.take(me, t0 + Duration::from_secs(1)), Ok(()), "one a second comes back");
        assert!(limit.take(me, t0 + Duration::from_secs(1)).is_err());
    }
}
