//! CPU work off the async runtime: a pool sized to the cores, whose jobs the engine can await.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::sync::oneshot;

pub struct ConvertPool {
    pool: rayon::ThreadPool,
}

/// The job panicked. Conversions already turn decoder panics into errors, so this means a bug.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a conversion job panicked")]
pub struct JobPanicked;

impl ConvertPool {
    /// One worker per core: image work is CPU-bound, so more workers only add memory.
    pub fn with_cores() -> ConvertPool {
        ConvertPool::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    }

    pub fn new(workers: usize) -> ConvertPool {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(workers.max(1))
            .thread_name(|i| format!("folio-convert-{i}"))
            .build()
            .expect("thread pool");
        ConvertPool { pool }
    }

    pub fn workers(&self) -> usize {
        self.pool.current_num_threads()
    }

    /// Queues `job`; the returned handle can be awaited or waited on.
    pub fn spawn<T, F>(&self, job: F) -> Pending<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        self.pool.spawn(move || {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
            // The receiver may have been dropped (the caller cancelled); that is fine.
            let _ = tx.send(result.map_err(|_| JobPanicked));
        });
        Pending(rx)
    }
}

pub struct Pending<T>(oneshot::Receiver<Result<T, JobPanicked>>);

impl<T> Pending<T> {
    /// Blocks the current (non-async) thread until the job is done.
    pub fn wait(self) -> Result<T, JobPanicked> {
        self.0.blocking_recv().unwrap_or(Err(JobPanicked))
    }
}

impl<T> Future for Pending<T> {
    type Output = Result<T, JobPanicked>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0).poll(cx).map(|r| r.unwrap_or(Err(JobPanicked)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_jobs_and_survives_panics() {
        let pool = ConvertPool::new(2);
        let jobs: Vec<_> = (0..8).map(|i| pool.spawn(move || i * i)).collect();
        let results: Vec<_> = jobs.into_iter().map(|j| j.wait().unwrap()).collect();
        assert_eq!(results, vec![0, 1, 4, 9, 16, 25, 36, 49]);
        let bad = pool.spawn(|| -> u8 { panic!("boom") });
        assert_eq!(bad.wait(), Err(JobPanicked));
        assert_eq!(pool.spawn(|| 7).wait(), Ok(7), "pool still works after a panic");
    }
}
