//! One pacer per service Folio talks to, sources and destinations alike: bounded concurrency,
//! exponential backoff with jitter, and a service-wide pause when the service says
//! `Retry-After`. All waiting for a service happens here; nowhere else sleeps.
//!
//! The pacer knows nothing of any service's errors: it asks them, through [`Retryable`],
//! whether trying again may help and how long the service asked to wait.

use rand::Rng;
use std::future::Future;
use std::time::Duration;
use tokio::sync::{Mutex, Semaphore};
use tokio::time::Instant;

/// What the pacer needs to know about a failure.
pub trait Retryable {
    /// Whether the same request may succeed if sent again (a 5xx, a lost connection, a 429).
    fn retryable(&self) -> bool;
    /// How long the service asked to wait first (`Retry-After`), if it said.
    fn retry_after(&self) -> Option<Duration>;
}

#[derive(Debug, Clone)]
pub struct PacerConfig {
    /// Requests in flight at once to this service.
    pub concurrency: usize,
    /// Tries per operation, the first included.
    pub attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// A `Retry-After` longer than this is not waited out: the error goes back to the caller
    /// at once, for a later pass, instead of holding the sync. `None` waits whatever is asked.
    pub longest_wait: Option<Duration>,
}

impl Default for PacerConfig {
    fn default() -> Self {
        PacerConfig {
            concurrency: 2,
            attempts: 6,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            longest_wait: None,
        }
    }
}

pub struct Pacer {
    config: PacerConfig,
    permits: Semaphore,
    /// No request to this service starts before this instant (set by `Retry-After`).
    paused_until: Mutex<Option<Instant>>,
}

impl Pacer {
    pub fn new(config: PacerConfig) -> Pacer {
        let permits = Semaphore::new(config.concurrency.max(1));
        Pacer { config, permits, paused_until: Mutex::new(None) }
    }

    pub fn config(&self) -> &PacerConfig {
        &self.config
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self.config.base_delay.saturating_mul(1 << attempt.min(16));
        let capped = exp.min(self.config.max_delay);
        // Full jitter between half and all of the delay, so parallel retries spread out.
        let ms = capped.as_millis() as u64;
        Duration::from_millis(rand::rng().random_range(ms / 2..=ms.max(1)))
    }

    /// Runs `op` until it succeeds, fails with an error that is not retryable, asks for a wait
    /// longer than [`PacerConfig::longest_wait`], or runs out of attempts. `op` gets the attempt
    /// number (0 first), so it can check for work a lost response hid.
    pub async fn run<T, E, F, Fut>(&self, mut op: F) -> Result<T, E>
    where
        E: Retryable,
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let _permit = self.permits.acquire().await.expect("pacer semaphore is never closed");
        let mut attempt = 0;
        loop {
            let pause = *self.paused_until.lock().await;
            if let Some(until) = pause {
                tokio::time::sleep_until(until).await;
            }
            match op(attempt).await {
                Ok(v) => return Ok(v),
                Err(e) if e.retryable() && attempt + 1 < self.config.attempts => {
                    let delay = match e.retry_after() {
                        Some(after) if self.config.longest_wait.is_some_and(|l| after > l) => {
                            return Err(e)
                        }
                        Some(after) => {
                            let until = Instant::now() + after;
                            let mut paused = self.paused_until.lock().await;
                            *paused = Some(paused.map_or(until, |p| p.max(until)));
                            after
                        }
                        None => self.backoff(attempt),
                    };
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[derive(Debug, PartialEq)]
    enum Failure {
        Unavailable,
        TooLarge,
        RateLimited(Duration),
    }

    impl Retryable for Failure {
        fn retryable(&self) -> bool {
            !matches!(self, Failure::TooLarge)
        }
        fn retry_after(&self) -> Option<Duration> {
            match self {
                Failure::RateLimited(d) => Some(*d),
                _ => None,
            }
        }
    }

    fn quick() -> PacerConfig {
        PacerConfig { base_delay: Duration::from_millis(1), ..PacerConfig::default() }
    }

    #[tokio::test]
    async fn retries_temporary_errors_only() {
        let pacer = Pacer::new(quick());
        let calls = AtomicU32::new(0);
        let r = pacer
            .run(|_| async {
                let n = calls.fetch_add(1, Ordering::SeqCst);
                if n < 2 {
                    Err(Failure::Unavailable)
                } else {
                    Ok(n)
                }
            })
            .await;
        assert_eq!(r.unwrap(), 2);
        calls.store(0, Ordering::SeqCst);
        let r: Result<(), _> = pacer
            .run(|_| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(Failure::TooLarge)
            })
            .await;
        assert_eq!(r.unwrap_err(), Failure::TooLarge);
        assert_eq!(calls.load(Ordering::SeqCst), 1, "no-retry errors are not retried");
    }

    #[tokio::test]
    async fn gives_up_after_the_configured_attempts() {
        let pacer = Pacer::new(PacerConfig { attempts: 3, ..quick() });
        let calls = AtomicU32::new(0);
        let r: Result<(), _> = pacer
            .run(|_| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(Failure::Unavailable)
            })
            .await;
        assert_eq!(r.unwrap_err(), Failure::Unavailable);
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let pacer = Pacer::new(PacerConfig {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
            ..PacerConfig::default()
        });
        let d0 = pacer.backoff(0);
        assert!(d0 >= Duration::from_millis(50) && d0 <= Duration::from_millis(100));
        let d10 = pacer.backoff(10);
        assert!(d10 >= Duration::from_millis(500) && d10 <= Duration::from_secs(1));
    }

    #[tokio::test]
    async fn a_short_retry_after_is_waited_and_a_long_one_is_handed_back() {
        let longest = Duration::from_secs(30);
        let pacer = Pacer::new(PacerConfig { longest_wait: Some(longest), ..quick() });
        let calls = AtomicU32::new(0);
        let started = Instant::now();
        let r = pacer
            .run(|_| async {
                match calls.fetch_add(1, Ordering::SeqCst) {
                    0 => Err(Failure::RateLimited(Duration::from_secs(1))),
                    n => Ok(n),
                }
            })
            .await;
        assert_eq!(r.unwrap(), 1);
        assert!(started.elapsed() >= Duration::from_secs(1), "waited {:?}", started.elapsed());

        calls.store(0, Ordering::SeqCst);
        let started = Instant::now();
        let r: Result<(), _> = pacer
            .run(|_| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(Failure::RateLimited(Duration::from_secs(3600)))
            })
            .await;
        assert_eq!(r.unwrap_err(), Failure::RateLimited(Duration::from_secs(3600)));
        assert_eq!(calls.load(Ordering::SeqCst), 1, "a long wait is not waited out");
        assert!(started.elapsed() < longest, "returned after {:?}", started.elapsed());
    }

    #[tokio::test]
    async fn a_retry_after_pauses_every_request_to_the_service() {
        let pacer = std::sync::Arc::new(Pacer::new(PacerConfig { concurrency: 2, ..quick() }));
        let started = Instant::now();
        let limited = {
            let pacer = pacer.clone();
            tokio::spawn(async move {
                let calls = AtomicU32::new(0);
                pacer
                    .run(|_| async {
                        match calls.fetch_add(1, Ordering::SeqCst) {
                            0 => Err(Failure::RateLimited(Duration::from_secs(1))),
                            _ => Ok(()),
                        }
                    })
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(200)).await;
        // A second request, started during the pause, waits for its end too.
        let other: Result<Duration, Failure> = pacer.run(|_| async { Ok(started.elapsed()) }).await;
        assert!(other.unwrap() >= Duration::from_secs(1));
        limited.await.unwrap().unwrap();
    }
}
