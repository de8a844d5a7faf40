//! `folio convert` and `folio thumbnail`: one output file per input, made on a pool of workers.

use folio_convert::{
    ConvertError, ConvertPool, Decoding, MetadataPolicy, OutputFormat, Pending, Preset, Rendition,
    Thumbnail, WorkerCommand,
};
use serde::Serialize;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    /// Photos to convert.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Folder for the renditions; created if missing.
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    preset: PresetArgs,
    #[command(flatten)]
    batch: Batch,
}

/// Conversion settings, shared by `folio convert` and `folio album add` so both accept and
/// validate them the same way.
#[derive(clap::Args)]
pub struct PresetArgs {
    /// webp, avif, jpeg or original.
    #[arg(long, default_value = "webp")]
    format: OutputFormat,
    /// Longest edge in pixels; smaller photos are never enlarged.
    #[arg(long, default_value_t = 2560)]
    max_edge: u32,
    /// Encoder quality, 1–100.
    #[arg(long, default_value_t = 82, value_parser = clap::value_parser!(u8).range(1..=100))]
    quality: u8,
    /// AVIF encoder speed, 1 (smallest files) – 10 (fastest).
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u8).range(1..=10))]
    avif_speed: u8,
    /// Keep GPS location in the output (removed by default).
    #[arg(long)]
    keep_location: bool,
    /// Drop creator and copyright (kept by default).
    #[arg(long)]
    strip_credit: bool,
}

impl PresetArgs {
    pub fn preset(&self) -> Preset {
        Preset {
            format: self.format,
            quality: self.quality,
            max_edge: self.max_edge,
            avif_speed: self.avif_speed,
            metadata: MetadataPolicy {
                keep_location: self.keep_location,
                keep_credit: !self.strip_credit,
                ..MetadataPolicy::default()
            },
        }
    }
}

#[derive(clap::Args)]
pub struct ThumbnailArgs {
    /// Photos to make thumbnails of.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Folder for the thumbnails (JPEG); created if missing.
    #[arg(long)]
    out: PathBuf,
    /// Longest edge in pixels.
    #[arg(long, default_value_t = folio_convert::THUMBNAIL_EDGE)]
    size: u32,
    #[command(flatten)]
    batch: Batch,
}

#[derive(clap::Args)]
struct Batch {
    /// Parallel workers (default: one per core).
    #[arg(long)]
    jobs: Option<usize>,
    /// Print one JSON object per input instead of text.
    #[arg(long)]
    json: bool,
}

/// One finished output, before it is written.
struct Made {
    bytes: Vec<u8>,
    extension: &'static str,
    width: u32,
    height: u32,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Report {
    Done { input: String, output: String, width: u32, height: u32, bytes: usize, ms: u64 },
    Failed { input: String, error: String, kind: &'static str },
}

/// What each input becomes.
enum Make {
    Rendition(Preset),
    Thumbnail(u32),
}

pub fn run(args: Args) -> ExitCode {
    run_batch(&args.inputs, &args.out, &args.batch, Make::Rendition(args.preset.preset()))
}

pub fn run_thumbnails(args: ThumbnailArgs) -> ExitCode {
    run_batch(&args.inputs, &args.out, &args.batch, Make::Thumbnail(args.size))
}

fn run_batch(inputs: &[PathBuf], out: &Path, batch: &Batch, make: Make) -> ExitCode {
    if let Err(e) = std::fs::create_dir_all(out) {
        eprintln!("folio: cannot create {}: {e}", out.display());
        return ExitCode::from(2);
    }
    // Each photo is decoded in a child process: a file that crashes a codec or exhausts its
    // memory fails alone, and the batch goes on.
    let decoding = WorkerCommand::this_program().map_or(Decoding::InProcess, Decoding::Isolated);
    let jobs =
        batch.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    let pool = ConvertPool::new(jobs, decoding);
    let canonical: HashSet<PathBuf> = inputs.iter().filter_map(|p| p.canonicalize().ok()).collect();
    let mut names = OutputNames::new(out, canonical);
    let pending: Vec<_> = inputs
        .iter()
        .map(|input| {
            let started = Instant::now();
            let made = match &make {
                Make::Rendition(preset) => {
                    let job = pool.convert_file(input.clone(), preset.clone());
                    Job::Rendition(job)
                }
                Make::Thumbnail(edge) => Job::Thumbnail(pool.thumbnail_file(input.clone(), *edge)),
            };
            (made, names.stem_for(input), started)
        })
        .collect();
    let mut failed = false;
    for ((job, stem, started), input) in pending.into_iter().zip(inputs) {
        let report = match job.wait() {
            Some(made) => finish(input, out, &stem, made, started),
            None => Report::Failed {
                input: input.display().to_string(),
                error: "internal error: the conversion crashed".into(),
                kind: "internal",
            },
        };
        failed |= matches!(report, Report::Failed { .. });
        print(&report, batch.json);
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// A conversion or a thumbnail under way.
enum Job {
    Rendition(Pending<Result<Rendition, ConvertError>>),
    Thumbnail(Pending<Result<Thumbnail, ConvertError>>),
}

impl Job {
    /// `None` when the job itself panicked (a bug, not a photo).
    fn wait(self) -> Option<Result<Made, ConvertError>> {
        Some(match self {
            Job::Rendition(p) => p.wait().ok()?.map(|r| Made {
                bytes: r.bytes,
                extension: r.extension,
                width: r.width,
                height: r.height,
            }),
            Job::Thumbnail(p) => p.wait().ok()?.map(|t| Made {
                bytes: t.bytes,
                extension: "jpg",
                width: t.width,
                height: t.height,
            }),
        })
    }
}

fn finish(
    input: &Path,
    out_dir: &Path,
    stem: &str,
    made: Result<Made, ConvertError>,
    started: Instant,
) -> Report {
    let failed = |e: ConvertError| Report::Failed {
        input: input.display().to_string(),
        error: e.message,
        kind: e.kind.as_str(),
    };
    let made = match made {
        Ok(m) => m,
        Err(e) => return failed(e),
    };
    let output = out_dir.join(format!("{stem}.{}", made.extension));
    if let Err(e) = write_atomically(&output, &made.bytes) {
        let kind = folio_convert::ErrorKind::Io;
        return failed(ConvertError::new(
            input,
            kind,
            format!("writing {}: {e}", output.display()),
        ));
    }
    Report::Done {
        input: input.display().to_string(),
        output: output.display().to_string(),
        width: made.width,
        height: made.height,
        bytes: made.bytes.len(),
        ms: started.elapsed().as_millis() as u64,
    }
}

/// Readers of `path` see the old file or the new one, never half of one.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.folio-tmp"));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// Gives each input a distinct output stem. Two inputs named alike (`a/x.jpg`, `b/x.png`) get
/// `x` and `x-2`, and no output may land on an input: a source file is never overwritten.
struct OutputNames {
    out_dir: PathBuf,
    inputs: HashSet<PathBuf>,
    taken: HashSet<String>,
}

impl OutputNames {
    fn new(out_dir: &Path, inputs: HashSet<PathBuf>) -> Self {
        OutputNames { out_dir: out_dir.to_path_buf(), inputs, taken: HashSet::new() }
    }

    fn stem_for(&mut self, input: &Path) -> String {
        let base = input.file_stem().map_or("photo".into(), |s| s.to_string_lossy().into_owned());
        let mut n = 1;
        loop {
            let stem = if n == 1 { base.clone() } else { format!("{base}-{n}") };
            if !self.taken.contains(&stem) && !self.would_overwrite_input(&stem) {
                self.taken.insert(stem.clone());
                return stem;
            }
            n += 1;
        }
    }

    fn would_overwrite_input(&self, stem: &str) -> bool {
        ["webp", "avif", "jpg", "png"].iter().any(|ext| {
            let candidate = self.out_dir.join(format!("{stem}.{ext}"));
            candidate.canonicalize().is_ok_and(|c| self.inputs.contains(&c))
        })
    }
}

fn print(report: &Report, json: bool) {
    if json {
        println!("{}", serde_json::to_string(report).expect("report serialises"));
        return;
    }
    match report {
        Report::Done { input, output, width, height, bytes, ms } => {
            println!("✓ {input} → {output} ({width}×{height}, {} KB, {ms} ms)", bytes / 1024)
        }
        Report::Failed { input, error, kind } => println!("✗ {input}: {error} [{kind}]"),
    }
}
