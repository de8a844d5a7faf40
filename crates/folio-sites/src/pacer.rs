//! One pacer per site: bounded concurrency, exponential backoff with jitter, and a site-wide
//! pause when the site says `Retry-After`. All waiting for a site happens here; nowhere else
//! sleeps.

use crate::error::{ErrorClass, SiteError};
use rand::Rng;
use std::future::Future;
use std::time::Duration;
use tokio::sync::{Mutex, Semaphore};
use tokio::time::Instant;

#[derive(Debug, Clone)]
pub struct PacerConfig {
    /// Requests in flight at once to this site.
    pub concurrency: usize,
    /// Tries per operation, the first included.
    pub attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for PacerConfig {
    fn default() -> Self {
        PacerConfig {
            concurrency: 2,
            attempts: 6,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
        }
    }
}

pub struct Pacer {
    config: PacerConfig,
    permits: Semaphore,
    /// No request to this site starts before this instant (set by `Retry-After`).
    paused_until: Mutex<Option<Instant>>,
}

impl Pacer {
    pub fn new(config: PacerConfig) -> Pacer {
        let permits = Semaphore::new(config.concurrency.max(1));
        Pacer { config, permits, paused_until: Mutex::new(None) }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self.config.base_delay.saturating_mul(1 << attempt.min(16));
        let capped = exp.min(self.config.max_delay);
        // Full jitter between half and all of the delay, so parallel retries spread out.
        let ms = capped.as_millis() as u64;
        Duration::from_millis(rand::rng().random_range(ms / 2..=ms.max(1)))
    }

    /// Runs `op` until it succeeds, fails with a non-retryable error, or runs out of attempts.
    /// `op` gets the attempt number (0 first), so it can check for work a lost response hid.
    pub async fn run<T, F, Fut>(&self, mut op: F) -> Result<T, SiteError>
    where
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<T, SiteError>>,
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
                Err(e) if e.class() == ErrorClass::Retry && attempt + 1 < self.config.attempts => {
                    let delay = match e.retry_after {
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
    use crate::error::SiteErrorCode;
    use std::sync::atomic::{AtomicU32, Ordering};

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
                    Err(SiteError::new(SiteErrorCode::Unavailable, "503"))
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
                Err(SiteError::new(SiteErrorCode::TooLarge, "413"))
            })
            .await;
        assert_eq!(r.unwrap_err().code, SiteErrorCode::TooLarge);
        assert_eq!(calls.load(Ordering::SeqCst), 1, "no-retry errors are not retried");
    }

    #[tokio::test]
    async fn gives_up_after_the_configured_attempts() {
        let pacer = Pacer::new(PacerConfig { attempts: 3, ..quick() });
        let calls = AtomicU32::new(0);
        let r: Result<(), _> = pacer
            .run(|_| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(SiteError::new(SiteErrorCode::Network, "reset"))
            })
            .await;
        assert_eq!(r.unwrap_err().code, SiteErrorCode::Network);
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
}
