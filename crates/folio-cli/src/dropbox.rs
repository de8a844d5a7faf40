//! `folio dropbox login|logout|status`: signing in to Dropbox through the browser. The work is
//! the engine's; this prints the address to open and the outcome.

use clap::Subcommand;
use folio_engine::{Engine, EngineError};
use std::io::Write;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum DropboxCommand {
    /// Sign in to Dropbox in the browser (the refresh token goes to the OS keychain).
    Login {
        /// Print the address to open instead of opening a browser (`open: <URL>`).
        #[arg(long)]
        no_browser: bool,
    },
    /// Revoke Folio's Dropbox sign-in and forget it.
    Logout,
    /// Whether Folio is signed in to Dropbox, and as whom.
    Status {
        #[arg(long)]
        json: bool,
    },
}

pub async fn dropbox(engine: &Engine, command: DropboxCommand) -> Result<ExitCode, EngineError> {
    match command {
        DropboxCommand::Login { no_browser } => {
            // The listener accepts connections before the address is shown.
            let sign_in = engine.dropbox_sign_in().await?;
            if no_browser || folio_engine::open_in_browser(&sign_in.url).is_err() {
                println!("open: {}", sign_in.url);
            } else {
                eprintln!("Opened Dropbox in your browser; waiting for you to press Allow.");
            }
            let _ = std::io::stdout().flush();
            let account = engine.dropbox_finish(sign_in, folio_engine::SIGN_IN_TIMEOUT).await?;
            eprintln!(
                "Signed in to Dropbox as {} ({})",
                account.name.unwrap_or_default(),
                account.email.unwrap_or_default()
            );
        }
        DropboxCommand::Logout => {
            let revoked = engine.dropbox_logout().await?;
            if revoked {
                println!("Signed out of Dropbox; Folio's access was revoked");
            } else {
                println!(
                    "Signed out of Dropbox here; Dropbox could not be reached to revoke access"
                );
            }
        }
        DropboxCommand::Status { json } => {
            let account = engine.dropbox_status().await?;
            if json {
                println!("{}", serde_json::to_string(&account).expect("serialises"));
            } else if account.connected {
                println!(
                    "Signed in to Dropbox as {} ({})",
                    account.name.unwrap_or_default(),
                    account.email.unwrap_or_default()
                );
            } else {
                println!("Not signed in to Dropbox (folio dropbox login)");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
