//! `folio`: the headless front end. Subcommands are thin: parsing and printing only; the work
//! happens in the core crates so the desktop app behaves identically.

mod convert;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "folio", version, about = "Keeps your websites in sync with your photo folders")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Convert photos to web renditions (resized, upright, metadata filtered).
    Convert(convert::Args),
    /// Make small JPEG previews, as the app's grid shows them.
    Thumbnail(convert::ThumbnailArgs),
}

/// Photo buffers are tens of megabytes. glibc raises its mmap threshold after the first such
/// buffer is freed, after which they come from per-thread heaps that keep the memory: two
/// workers peaked at 317 MB instead of 269 MB (`make bench-convert`). A fixed threshold keeps
/// every large buffer mmapped, so it goes back to the OS when the photo is done.
fn keep_large_buffers_returnable() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator tunable; called before any threads exist.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

fn main() -> ExitCode {
    keep_large_buffers_returnable();
    let cli = Cli::parse();
    match cli.command {
        Command::Convert(args) => convert::run(args),
        Command::Thumbnail(args) => convert::run_thumbnails(args),
    }
}
