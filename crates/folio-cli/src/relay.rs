//! `folio relay serve`: the sign-in relay, from the same binary (the relay crate does the work;
//! `folio-relay` is the same without the rest of Folio).

use clap::Subcommand;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum RelayCommand {
    /// Run the sign-in relay for services that need a client secret or an HTTPS redirect
    /// (README, "Sign-in relay"). Plain HTTP only on 127.0.0.1 or behind a reverse proxy.
    Serve {
        /// The relay's configuration (TOML; see deploy/relay/relay.example.toml).
        #[arg(long)]
        config: PathBuf,
        /// Listen here (ADDR:PORT) instead of the configuration's `listen`.
        #[arg(long)]
        listen: Option<SocketAddr>,
    },
}

pub fn run(command: RelayCommand) -> ExitCode {
    let RelayCommand::Serve { config, listen } = command;
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    match runtime.block_on(folio_relay::serve_file(&config, listen, folio_relay::stderr_log())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("folio relay: {e}");
            ExitCode::FAILURE
        }
    }
}
