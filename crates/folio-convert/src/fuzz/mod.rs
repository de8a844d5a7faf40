//! Time-bounded mutation fuzzing of the parsers Folio wrote itself (JPEG markers, EXIF, IPTC,
//! XMP, WebP RIFF chunks, PNG chunks) and of `convert` as a whole.
//!
//! cargo-fuzz needs a nightly compiler, which the build machines do not have; this harness runs
//! on stable inside `cargo test`. Each target starts from the committed seeds in `fuzz/corpus/`
//! (plus `../shared/photos` when present), applies one to four random mutations per run, and
//! checks the target's invariants. A panic, a broken invariant or a run over [`SLOW`] is a
//! finding: its input is written to `$CARGO_TARGET_DIR/fuzz-found/` and the test fails naming it.
//! An input that hangs for [`HANG`] aborts the process after saving itself, so a hang cannot stall
//! the suite quietly.
//!
//! `FOLIO_FUZZ_SECS` (default 3) bounds each target; `make fuzz` runs longer. `FOLIO_FUZZ_SEED`
//! replays one seed. A found input, once fixed, goes into `fuzz/corpus/` to stay fixed.

mod mutate;
mod targets;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A run slower than this is reported (the largest seeds convert in milliseconds).
const SLOW: Duration = Duration::from_secs(5);
/// A run this long is a hang: the watchdog saves the input and aborts.
const HANG: Duration = Duration::from_secs(60);
/// Inputs grow by insertion; past this they would only test the allocator.
const MAX_INPUT: usize = 256 * 1024;

/// What one target does with an input: `Ok(true)` when the input was accepted (parsed, rewritten
/// or converted), `Ok(false)` when it was refused with an error, `Err` for a broken invariant. A
/// panic is caught apart.
type Check = fn(&[u8]) -> Result<bool, String>;

/// The input being run and since when, for the watchdog.
type Current = Arc<Mutex<Option<(Vec<u8>, Instant)>>>;

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus")
}

fn found_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("fuzz-found")
}

/// The seeds whose file name ends in one of `extensions`, from the committed corpus and, when
/// there, the shared sample photos (real cameras' maker notes and broken files).
fn seeds(extensions: &[&str]) -> Vec<Vec<u8>> {
    let shared = std::env::var_os("FOLIO_SAMPLE_PHOTOS").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/photos")
    });
    let dirs = [corpus_dir(), shared.join("invalid"), shared.join("cameras"), shared.join("xmp")];
    let mut out = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            let name = path.to_string_lossy().to_lowercase();
            if extensions.iter().any(|x| name.ends_with(x)) {
                if let Ok(bytes) = std::fs::read(&path) {
                    if bytes.len() <= MAX_INPUT {
                        out.push(bytes);
                    }
                }
            }
        }
    }
    out
}

struct Report {
    execs: u64,
    accepted: u64,
    findings: Vec<String>,
}

/// Runs `check` on mutants of `seeds` for the time budget; the summary line goes to stderr
/// (shown with `--nocapture`) and to `fuzz-found/summary.txt`.
fn run(name: &str, seeds: Vec<Vec<u8>>, check: Check) -> Report {
    assert!(!seeds.is_empty(), "{name}: no seeds in {}", corpus_dir().display());
    let secs: f64 =
        std::env::var("FOLIO_FUZZ_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(3.0);
    let seed: u64 =
        std::env::var("FOLIO_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
                as u64
        });
    let mut rng = mutate::Rng::new(seed ^ name.len() as u64);
    let current: Current = Arc::default();
    let watchdog = spawn_watchdog(name.to_string(), current.clone());
    let started = Instant::now();
    let mut report = Report { execs: 0, accepted: 0, findings: Vec::new() };
    // Every seed once as it is, then mutants until the time is up.
    let mut queue = seeds.clone().into_iter();
    while started.elapsed().as_secs_f64() < secs || queue.len() > 0 {
        let input = queue.next().unwrap_or_else(|| mutate::mutant(&mut rng, &seeds, MAX_INPUT));
        *current.lock().unwrap() = Some((input.clone(), Instant::now()));
        let t = Instant::now();
        let outcome = catch_unwind(AssertUnwindSafe(|| check(&input)));
        let took = t.elapsed();
        *current.lock().unwrap() = None;
        report.execs += 1;
        if let Ok(Ok(true)) = outcome {
            report.accepted += 1;
        }
        let problem = match outcome {
            Ok(Ok(_)) if took < SLOW => None,
            Ok(Ok(_)) => Some(format!("took {:.1} s", took.as_secs_f64())),
            Ok(Err(broken)) => Some(broken),
            Err(panic) => Some(format!("panicked: {}", panic_text(&panic))),
        };
        if let Some(problem) = problem {
            let path = save(name, &input);
            report.findings.push(format!("{problem} (input: {})", path.display()));
            if report.findings.len() >= 10 {
                break;
            }
        }
    }
    drop(watchdog);
    let line = format!(
        "fuzz {name}: {} execs in {:.1} s ({} accepted, seed {seed}), {} finding(s)",
        report.execs,
        started.elapsed().as_secs_f64(),
        report.accepted,
        report.findings.len()
    );
    eprintln!("{line}");
    let _ = std::fs::create_dir_all(found_dir());
    let _ = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(found_dir().join("summary.txt"))
        .and_then(|mut f| std::io::Write::write_all(&mut f, format!("{line}\n").as_bytes()));
    report
}

fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "a panic without a message".into())
}

fn save(name: &str, input: &[u8]) -> PathBuf {
    let dir = found_dir();
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(format!("{name}-{}.bin", &blake3::hash(input).to_hex()[..16]));
    let _ = std::fs::write(&path, input);
    path
}

/// Ends the watchdog thread when dropped.
struct Watchdog(Arc<std::sync::atomic::AtomicBool>);

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.0.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

fn spawn_watchdog(name: String, current: Current) -> Watchdog {
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop = done.clone();
    std::thread::spawn(move || {
        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(200));
            let guard = current.lock().unwrap();
            if let Some((input, since)) = guard.as_ref() {
                if since.elapsed() > HANG {
                    let path = save(&name, input);
                    eprintln!("fuzz {name}: a run hangs; input saved to {}", path.display());
                    std::process::abort();
                }
            }
        }
    });
    Watchdog(done)
}

/// Fails the calling test with every finding listed.
fn assert_clean(name: &str, report: Report) {
    assert!(report.execs > 0, "{name}: nothing ran");
    assert!(
        report.findings.is_empty(),
        "fuzz {name} found {} problem(s):\n{}",
        report.findings.len(),
        report.findings.join("\n")
    );
}
