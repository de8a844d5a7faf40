//! `folio-relay --config FILE [--listen ADDR:PORT]`: the sign-in relay as its own small binary,
//! for servers that need nothing else of Folio (the same as `folio relay serve`).

use clap::Parser;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "folio-relay",
    version,
    about = "Folio's sign-in relay (see the README, \"Sign-in relay\")"
)]
struct Args {
    /// The relay's configuration (TOML).
    #[arg(long)]
    config: PathBuf,
    /// Listen here instead of the configuration's `listen`.
    #[arg(long)]
    listen: Option<SocketAddr>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    match runtime.block_on(folio_relay::serve_file(
        &args.config,
        args.listen,
        folio_relay::stderr_log(),
    )) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("folio-relay: {e}");
            ExitCode::FAILURE
        }
    }
}
