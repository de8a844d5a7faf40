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

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Convert(args) => convert::run(args),
        Command::Thumbnail(args) => convert::run_thumbnails(args),
    }
}
