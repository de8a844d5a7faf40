//! Folio's side of its decoder processes (see `worker`): a few long-lived children, one per
//! conversion under way, started on first use and stopped after a minute idle. A child that
//! dies mid-photo fails that photo with the reason (out of memory, a crash, too slow) and is
//! replaced; the app and the CLI go on.

use crate::budget::Admission;
use crate::error::{ErrorKind, Failure, Result};
use crate::protocol::{self, Answer, Message, Request};
use crate::worker::{MEMORY_ENV, WORKER_ARG};
use std::collections::VecDeque;
use std::ffi::OsString;
use std::io::{BufReader, BufWriter, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex, Weak};
use std::time::{Duration, Instant};

/// A photo whose decoding takes longer than this (after its memory was granted) is given up.
const DEADLINE: Duration = Duration::from_secs(300);
/// An idle decoder process is stopped after this.
const IDLE: Duration = Duration::from_secs(60);
/// The last bytes of a child's stderr kept to explain its death.
const TAIL: usize = 8 * 1024;

/// How to start a decoder process.
#[derive(Debug, Clone)]
pub struct WorkerCommand {
    pub program: PathBuf,
    pub args: Vec<OsString>,
    pub env: Vec<(OsString, OsString)>,
}

impl WorkerCommand {
    /// This very program, started with [`WORKER_ARG`]: its `main` must call
    /// `folio_convert::worker::serve_if_asked()` first.
    pub fn this_program() -> std::io::Result<WorkerCommand> {
        Ok(WorkerCommand {
            program: std::env::current_exe()?,
            args: vec![WORKER_ARG.into()],
            env: Vec::new(),
        })
    }
}

struct Worker {
    child: Arc<Mutex<Child>>,
    input: BufWriter<ChildStdin>,
    output: BufReader<ChildStdout>,
    stderr: Arc<Mutex<VecDeque<u8>>>,
    idle_since: Instant,
}

pub(crate) struct Workers {
    command: WorkerCommand,
    memory_limit: u64,
    idle: Mutex<Vec<Worker>>,
}

impl Workers {
    pub fn new(command: WorkerCommand, memory_limit: u64) -> Arc<Workers> {
        let workers = Arc::new(Workers { command, memory_limit, idle: Mutex::new(Vec::new()) });
        let weak = Arc::downgrade(&workers);
        let _ = std::thread::Builder::new()
            .name("folio-decoders".into())
            .spawn(move || stop_idle(weak));
        workers
    }

    fn start(&self) -> Result<Worker> {
        let mut command = Command::new(&self.command.program);
        command
            .args(&self.command.args)
            .envs(self.command.env.iter().map(|(k, v)| (k, v)))
            .env(MEMORY_ENV, self.memory_limit.to_string())
            // glibc reserves 64 MB of address space per thread arena; two are plenty here.
            .env("MALLOC_ARENA_MAX", "2")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        #[cfg(windows)]
        {
            use std::os::windows::process::CommandExt;
            // No console window flashes up for the app's decoder processes.
            command.creation_flags(0x0800_0000);
        }
        let cannot = |e: std::io::Error| {
            Failure::new(ErrorKind::Crashed, format!("Folio's decoder process did not start: {e}"))
        };
        let mut child = command.spawn().map_err(cannot)?;
        let (Some(input), Some(output), Some(mut err)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            return Err(cannot(std::io::Error::other("no pipes")));
        };
        let stderr = Arc::new(Mutex::new(VecDeque::new()));
        let tail = stderr.clone();
        let _ = std::thread::Builder::new().name("folio-decoder-stderr".into()).spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = err.read(&mut buf) {
                let mut t = tail.lock().expect("tail");
                t.extend(&buf[..n]);
                let over = t.len().saturating_sub(TAIL);
                t.drain(..over);
            }
        });
        let mut w = Worker {
            child: Arc::new(Mutex::new(child)),
            input: BufWriter::new(input),
            output: BufReader::new(output),
            stderr,
            idle_since: Instant::now(),
        };
        let watch = Watchdog::start(w.child.clone(), Duration::from_secs(30));
        let ready = protocol::find_start(&mut w.output)
            .and_then(|()| protocol::read::<Message>(&mut w.output));
        watch.stop();
        match ready {
            Ok((Message::Ready { version }, _)) if version == protocol::VERSION => Ok(w),
            _ => Err(died(&mut w, self.memory_limit, false)),
        }
    }

    /// Runs one request on a decoder process; its requests for memory go to `admission`.
    pub fn run(
        &self,
        request: &Request,
        path: &Path,
        admission: &mut dyn Admission,
    ) -> Result<(Message, Vec<u8>)> {
        let idle = self.idle.lock().expect("idle").pop();
        let mut w = match idle {
            Some(w) => w,
            None => self.start()?,
        };
        let mut watch = Watchdog::start(w.child.clone(), DEADLINE);
        let done = exchange(&mut w, request, path, admission, &mut watch);
        let timed_out = watch.stop();
        match done {
            Some(answer) => {
                w.idle_since = Instant::now();
                self.idle.lock().expect("idle").push(w);
                Ok(answer)
            }
            None => Err(died(&mut w, self.memory_limit, timed_out)),
        }
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        for w in self.idle.get_mut().expect("idle").drain(..) {
            end(w);
        }
    }
}

/// Closing its input ends a decoder process; it is then reaped.
fn end(w: Worker) {
    drop(w.input);
    let _ = w.child.lock().expect("child").wait();
}

fn stop_idle(workers: Weak<Workers>) {
    loop {
        std::thread::sleep(IDLE / 4);
        let Some(workers) = workers.upgrade() else { return };
        let stale: Vec<Worker> = {
            let mut idle = workers.idle.lock().expect("idle");
            let (stale, keep) = idle.drain(..).partition(|w| w.idle_since.elapsed() > IDLE);
            *idle = keep;
            stale
        };
        stale.into_iter().for_each(end);
    }
}

/// `None` when the process stopped answering.
fn exchange(
    w: &mut Worker,
    request: &Request,
    path: &Path,
    admission: &mut dyn Admission,
    watch: &mut Watchdog,
) -> Option<(Message, Vec<u8>)> {
    protocol::write(&mut w.input, request, &protocol::path_bytes(path)).ok()?;
    loop {
        let (message, payload) = protocol::read::<Message>(&mut w.output).ok()?;
        let Message::Reserve { peak } = message else { return Some((message, payload)) };
        let answer = match admission.admit(peak) {
            Ok(()) => Answer::Go,
            Err(r) => Answer::Refused { wanted: r.wanted, budget: r.budget },
        };
        // Waiting for memory is not the photo's time.
        watch.restart();
        protocol::write(&mut w.input, &answer, &[]).ok()?;
    }
}

/// Why a decoder process stopped, as the photo's error.
fn died(w: &mut Worker, memory_limit: u64, timed_out: bool) -> Failure {
    let status = {
        let mut child = w.child.lock().expect("child");
        let _ = child.kill();
        child.wait().ok()
    };
    // The stderr reader may still be draining the last lines.
    std::thread::sleep(Duration::from_millis(50));
    let tail: Vec<u8> = w.stderr.lock().expect("tail").iter().copied().collect();
    let tail = String::from_utf8_lossy(&tail);
    if timed_out {
        return Failure::corrupt(format!(
            "decoding it took more than {} s; the file may be damaged",
            DEADLINE.as_secs()
        ));
    }
    let out_of_memory = ["memory allocation of", "bad_alloc", "out of memory", "Cannot allocate"];
    if out_of_memory.iter().any(|m| tail.contains(m)) {
        return Failure::new(
            ErrorKind::TooLarge,
            format!(
                "too large: decoding it needed more memory than Folio allows ({} MB); the \
                 decoder stopped, Folio did not",
                memory_limit >> 20
            ),
        );
    }
    let how = status.map_or("it stopped".to_string(), |s| describe(&s));
    Failure::new(
        ErrorKind::Crashed,
        format!("the decoder stopped on this file ({how}); the file may be damaged"),
    )
}

fn describe(s: &std::process::ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = s.signal() {
            return format!("signal {signal}");
        }
    }
    s.code().map_or_else(|| "it stopped".into(), |c| format!("exit code {c}"))
}

/// Kills a decoder process that passes its deadline.
struct Watchdog {
    tx: mpsc::Sender<bool>,
    fired: mpsc::Receiver<bool>,
}

impl Watchdog {
    fn start(child: Arc<Mutex<Child>>, deadline: Duration) -> Watchdog {
        let (tx, rx) = mpsc::channel::<bool>();
        let (fire, fired) = mpsc::channel();
        std::thread::spawn(move || loop {
            match rx.recv_timeout(deadline) {
                // Restarted: another full deadline.
                Ok(true) => continue,
                Ok(false) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let _ = fire.send(false);
                    return;
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    let _ = child.lock().expect("child").kill();
                    let _ = fire.send(true);
                    return;
                }
            }
        });
        Watchdog { tx, fired }
    }

    fn restart(&mut self) {
        let _ = self.tx.send(true);
    }

    /// Whether the deadline had passed.
    fn stop(&self) -> bool {
        let _ = self.tx.send(false);
        self.fired.recv().unwrap_or(false)
    }
}
