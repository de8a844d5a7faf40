//! `folio alt suggest`: alt text written by a vision model for the photos named, shown, and
//! with `--apply` made theirs on every site. The estimate comes first; without `--yes` it is
//! all that happens (exit 3), and no photo leaves this computer.

use crate::generate::NOT_AGREED;
use folio_engine::{AltRequest, Engine, EngineError};
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum AltCommand {
    /// Suggest alt text (and a title) for photos: files of folder albums, or items as
    /// ACCOUNT:ALBUM/NAME.
    Suggest {
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<String>,
        /// The OpenRouter account (the only one when not given).
        #[arg(long)]
        account: Option<String>,
        /// A model that reads images (a cheap one when not given).
        #[arg(long)]
        model: Option<String>,
        /// The locale to write in, e.g. de_DE (default: each album's sites' language).
        #[arg(long)]
        language: Option<String>,
        /// Make the suggestions the photos' alt text, on their sites at once.
        #[arg(long)]
        apply: bool,
        /// Go ahead whatever the estimate.
        #[arg(long)]
        yes: bool,
        #[arg(long)]
        json: bool,
    },
}

pub async fn alt(engine: &Engine, command: AltCommand) -> Result<ExitCode, EngineError> {
    let AltCommand::Suggest { paths, account, model, language, apply, yes, json } = command;
    let request = AltRequest { paths, account, model, language, assets: Vec::new() };
    let estimate = engine.alt_estimate(&request).await?;
    if !yes {
        eprintln!(
            "Estimated cost: at most {} for {} photo(s) with {} (give --yes to go on); nothing was sent",
            folio_engine::dollars(estimate.estimate),
            estimate.photos,
            estimate.model
        );
        return Ok(ExitCode::from(NOT_AGREED));
    }
    let suggestions = engine.suggest_alt(&request).await?;
    let mut failed = false;
    for s in &suggestions {
        match &s.error {
            Some(e) => {
                failed = true;
                eprintln!("folio: {}: {e}", s.path);
            }
            None if apply => {
                if let Err(e) = engine.accept_alt(s.asset, &s.alt).await {
                    failed = true;
                    eprintln!("folio: {}: not applied: {e}", s.path);
                }
            }
            None => {}
        }
    }
    let done = suggestions.iter().filter(|s| s.error.is_none());
    if json {
        let list: Vec<_> = done
            .map(|s| serde_json::json!({"path": s.path, "alt": s.alt, "title": s.title, "cost": s.cost}))
            .collect();
        println!("{}", serde_json::Value::Array(list));
    } else {
        for s in done {
            println!("{}\n  alt:   {}\n  title: {}", s.path, s.alt, s.title);
        }
        if apply {
            println!("Applied as the photos' alt text.");
        }
    }
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
