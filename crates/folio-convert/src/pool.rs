//! CPU work off the async runtime: a pool sized to the cores, whose jobs the engine can await.
//! Photos are probed, converted and thumbnailed under one memory budget, in decoder processes
//! when the pool is [`Decoding::Isolated`] (the app and the CLI), else in this process.

use crate::budget::{self, MemoryBudget, Shared};
use crate::error::{ConvertError, ErrorKind, Failure};
use crate::protocol::{Message, Request};
use crate::workers::{WorkerCommand, Workers};
use crate::{Preset, Probe, Rendition, Thumbnail};
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::sync::oneshot;

/// Where photos are decoded.
#[derive(Debug, Clone)]
pub enum Decoding {
    /// In this process: a codec that crashes takes the process with it. For tests and tools
    /// whose process is one photo's anyway.
    InProcess,
    /// In decoder processes started with this command.
    Isolated(WorkerCommand),
}

/// Address space a decoder process may use beyond its share of the budget: code, stacks,
/// allocator arenas.
const PROCESS_OVERHEAD: u64 = 1 << 30;

pub struct ConvertPool {
    pool: rayon::ThreadPool,
    budget: Arc<MemoryBudget>,
    workers: Option<Arc<Workers>>,
}

/// The job panicked. Conversions already turn decoder panics into errors, so this means a bug.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a conversion job panicked")]
pub struct JobPanicked;

impl ConvertPool {
    /// One worker per core: image work is CPU-bound, so more workers only add memory.
    pub fn with_cores(decoding: Decoding) -> ConvertPool {
        ConvertPool::new(std::thread::available_parallelism().map_or(2, |n| n.get()), decoding)
    }

    /// With this machine's memory budget ([`budget::for_this_machine`]).
    pub fn new(workers: usize, decoding: Decoding) -> ConvertPool {
        ConvertPool::with_budget(workers, decoding, budget::for_this_machine())
    }

    pub fn with_budget(workers: usize, decoding: Decoding, budget: u64) -> ConvertPool {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(workers.max(1))
            .thread_name(|i| format!("folio-convert-{i}"))
            .build()
            .expect("thread pool");
        let workers = match decoding {
            Decoding::InProcess => None,
            Decoding::Isolated(command) => {
                let limit = budget.saturating_add(PROCESS_OVERHEAD);
                Some(Workers::new(command, limit))
            }
        };
        ConvertPool { pool, budget: MemoryBudget::new(budget), workers }
    }

    pub fn budget(&self) -> &Arc<MemoryBudget> {
        &self.budget
    }

    /// Dimensions and metadata, without decoding pixels.
    pub fn probe_file(&self, path: PathBuf) -> Pending<Result<Probe, ConvertError>> {
        let workers = self.workers.clone();
        self.spawn(move || match workers {
            None => crate::probe_file(&path),
            Some(w) => match w.run(&Request::Probe, &path, &mut budget::Alone(u64::MAX)) {
                Ok((Message::Probed(done), _)) => done.map_err(|f| f.at(&path)),
                other => Err(unexpected(other).at(&path)),
            },
        })
    }

    pub fn convert_file(
        &self,
        path: PathBuf,
        preset: Preset,
    ) -> Pending<Result<Rendition, ConvertError>> {
        let (workers, budget) = (self.workers.clone(), self.budget.clone());
        self.spawn(move || {
            let mut admission = Shared::new(budget);
            let Some(w) = workers else {
                let bytes = crate::read_source(&path)?;
                return crate::convert_admitted(&bytes, &preset, &mut admission)
                    .map_err(|f| f.at(&path));
            };
            match w.run(&Request::Convert { preset }, &path, &mut admission) {
                Ok((Message::Converted(Ok(head)), bytes)) => {
                    head.with_bytes(bytes).ok_or_else(|| {
                        Failure::new(
                            ErrorKind::Crashed,
                            "the decoder process made an unknown file type",
                        )
                        .at(&path)
                    })
                }
                other => Err(unexpected(other).at(&path)),
            }
        })
    }

    pub fn thumbnail_file(
        &self,
        path: PathBuf,
        edge: u32,
    ) -> Pending<Result<Thumbnail, ConvertError>> {
        let (workers, budget) = (self.workers.clone(), self.budget.clone());
        self.spawn(move || {
            let mut admission = Shared::new(budget);
            let Some(w) = workers else {
                let bytes = crate::read_source(&path)?;
                return crate::thumbnail_admitted(&bytes, edge, &mut admission)
                    .map_err(|f| f.at(&path));
            };
            match w.run(&Request::Thumbnail { edge }, &path, &mut admission) {
                Ok((Message::Thumbnailed(Ok(mut t)), bytes)) => {
                    t.bytes = bytes;
                    Ok(t)
                }
                other => Err(unexpected(other).at(&path)),
            }
        })
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

/// A decoder process's failure, or an answer that does not fit the request.
fn unexpected(answer: Result<(Message, Vec<u8>), Failure>) -> Failure {
    match answer {
        Err(f)
        | Ok((Message::Probed(Err(f)), _))
        | Ok((Message::Converted(Err(f)), _))
        | Ok((Message::Thumbnailed(Err(f)), _)) => f,
        Ok(_) => Failure::new(ErrorKind::Crashed, "the decoder process answered out of turn"),
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
        let pool = ConvertPool::new(2, Decoding::InProcess);
        let jobs: Vec<_> = (0..8).map(|i| pool.spawn(move || i * i)).collect();
        let results: Vec<_> = jobs.into_iter().map(|j| j.wait().unwrap()).collect();
        assert_eq!(results, vec![0, 1, 4, 9, 16, 25, 36, 49]);
        let bad = pool.spawn(|| -> u8 { panic!("boom") });
        assert_eq!(bad.wait(), Err(JobPanicked));
        assert_eq!(pool.spawn(|| 7).wait(), Ok(7), "pool still works after a panic");
    }
}
