//! `folio dropbox login|logout|status`: the older commands for the Dropbox account named
//! `dropbox` (else the first), kept for scripts; they are `account reconnect`, a sign-out and
//! `account list` of that account, through the same engine calls as every connector.

use clap::Subcommand;
use folio_engine::{Engine, EngineError, SiteState};
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

/// The connector these older commands stand for.
const DROPBOX: &str = "dropbox";

pub async fn dropbox(engine: &Engine, command: DropboxCommand) -> Result<ExitCode, EngineError> {
    let account = engine.default_account(DROPBOX).await?;
    match command {
        DropboxCommand::Login { no_browser } => {
            // The default account again, or a new one named after the connector.
            let name = account.map(|a| a.name);
            crate::accounts::sign_in(engine, DROPBOX, name.as_deref(), no_browser).await?;
            if let Some(a) = engine.default_account(DROPBOX).await? {
                let email = a.email.map(|e| format!(" ({e})")).unwrap_or_default();
                eprintln!("Signed in to Dropbox as {}{email}", a.who);
            }
        }
        DropboxCommand::Logout => {
            let Some(a) = account else {
                println!("Not signed in to Dropbox");
                return Ok(ExitCode::SUCCESS);
            };
            if engine.sign_out_account(&a.name).await? {
                println!("Signed out of Dropbox; Folio's access was revoked");
            } else {
                println!(
                    "Signed out of Dropbox here; Dropbox could not be reached to revoke access"
                );
            }
        }
        DropboxCommand::Status { json } => {
            let signed_in = account.filter(|a| a.state == SiteState::Ok);
            if json {
                let status = serde_json::json!({
                    "connected": signed_in.is_some(),
                    "name": signed_in.as_ref().map(|a| &a.who),
                    "email": signed_in.as_ref().and_then(|a| a.email.as_ref()),
                });
                println!("{status}");
            } else if let Some(a) = signed_in {
                let email = a.email.map(|e| format!(" ({e})")).unwrap_or_default();
                println!("Signed in to Dropbox as {}{email}", a.who);
            } else {
                println!("Not signed in to Dropbox (folio dropbox login)");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
