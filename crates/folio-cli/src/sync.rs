//! `folio site`, `folio album`, `folio sync` and `folio status`: thin wrappers over folio-engine.

use crate::convert::PresetArgs;
use clap::Subcommand;
use folio_engine::{AlbumSettings, Engine, EngineError, ErrorCode, SyncEvent};
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Subcommand)]
pub enum SiteCommand {
    /// Connect a site. The Application Password is read from FOLIO_APP_PASSWORD, else stdin.
    Add {
        name: String,
        /// The WordPress site's address, e.g. https://example.com
        #[arg(long)]
        wordpress: String,
        #[arg(long)]
        user: String,
    },
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum AlbumCommand {
    /// Sync a folder to sites.
    Add {
        path: PathBuf,
        /// Target site (repeat for several).
        #[arg(long = "site", required = true)]
        sites: Vec<String>,
        #[command(flatten)]
        preset: PresetArgs,
        /// File name pattern, e.g. '{album}-{date}-{sequence}'.
        #[arg(long)]
        naming: Option<String>,
        /// Alt text pattern, e.g. '{title|caption|readable_filename}'.
        #[arg(long)]
        alt: Option<String>,
        /// Delete photos from the sites when they are deleted from the folder.
        #[arg(long)]
        delete_remote: bool,
    },
    List {
        #[arg(long)]
        json: bool,
    },
    /// Change an album's settings; only the options given change.
    Set {
        path: PathBuf,
        #[arg(long)]
        format: Option<folio_convert::OutputFormat>,
        #[arg(long)]
        max_edge: Option<u32>,
        #[arg(long, value_parser = clap::value_parser!(u8).range(1..=100))]
        quality: Option<u8>,
        #[arg(long)]
        naming: Option<String>,
        #[arg(long)]
        alt: Option<String>,
    },
}

/// Exit status for an engine error: configuration mistakes are 2, like usage errors.
pub fn fail(e: EngineError) -> ExitCode {
    eprintln!("folio: {}", e.message);
    match e.code {
        ErrorCode::Config | ErrorCode::Secrets => ExitCode::from(2),
        _ => ExitCode::from(1),
    }
}

fn read_password() -> Result<String, EngineError> {
    if let Ok(p) = std::env::var("FOLIO_APP_PASSWORD") {
        return Ok(p);
    }
    if std::io::stdin().is_terminal() {
        eprint!("Application Password: ");
        let _ = std::io::stderr().flush();
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| EngineError::config(format!("reading the password: {e}")))?;
    let p = line.trim().to_string();
    if p.is_empty() {
        return Err(EngineError::config(
            "no Application Password given (set FOLIO_APP_PASSWORD or pipe it in)",
        ));
    }
    Ok(p)
}

pub async fn site(engine: &Engine, command: SiteCommand) -> Result<ExitCode, EngineError> {
    match command {
        SiteCommand::Add { name, wordpress, user } => {
            let password = read_password()?;
            let s = engine.add_wordpress_site(&name, &wordpress, &user, &password).await?;
            let avif =
                if s.capabilities.avif { "accepts AVIF" } else { "no AVIF (WebP will be used)" };
            println!("Added site {} ({} at {}): {avif}; {}", s.name, s.account, s.url, mode(&s));
        }
        SiteCommand::List { json } => {
            let sites = engine.sites().await?;
            if json {
                println!("{}", serde_json::to_string(&sites).expect("serialises"));
            } else {
                for s in sites {
                    println!("{}\t{}\t{}\t{}\t{}", s.name, s.kind, s.account, s.url, mode(&s));
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// How a site takes a changed photo, in words.
fn mode(s: &folio_engine::SiteSummary) -> &'static str {
    if s.capabilities.replace_in_place {
        "replaces in place (companion plugin)"
    } else {
        "changed photos get a new URL (no companion plugin)"
    }
}

pub async fn album(engine: &Engine, command: AlbumCommand) -> Result<ExitCode, EngineError> {
    match command {
        AlbumCommand::Add { path, sites, preset, naming, alt, delete_remote } => {
            let mut settings = AlbumSettings {
                delete_remote,
                preset: preset.preset(),
                ..AlbumSettings::default()
            };
            if let Some(n) = naming {
                settings.naming = n;
            }
            if let Some(a) = alt {
                settings.alt = a;
            }
            let a = engine.add_album(&path, &sites, settings).await?;
            println!("Added album {} ({}) → {}", a.name, a.root, a.sites.join(", "));
        }
        AlbumCommand::Set { path, format, max_edge, quality, naming, alt } => {
            let s = engine
                .update_album_settings(&path, |s| {
                    s.preset.format = format.unwrap_or(s.preset.format);
                    s.preset.max_edge = max_edge.unwrap_or(s.preset.max_edge);
                    s.preset.quality = quality.unwrap_or(s.preset.quality);
                    s.naming = naming.unwrap_or_else(|| s.naming.clone());
                    s.alt = alt.unwrap_or_else(|| s.alt.clone());
                })
                .await?;
            println!("{}", serde_json::to_string(&s).expect("serialises"));
        }
        AlbumCommand::List { json } => {
            let albums = engine.albums().await?;
            if json {
                println!("{}", serde_json::to_string(&albums).expect("serialises"));
            } else {
                let sites = engine.sites().await?;
                for a in albums {
                    let targets: Vec<String> = a
                        .sites
                        .iter()
                        .map(|name| match sites.iter().find(|s| &s.name == name) {
                            Some(s) if s.capabilities.replace_in_place => {
                                format!("{name} (in place)")
                            }
                            _ => format!("{name} (new URL on change)"),
                        })
                        .collect();
                    println!("{}\t{}\t{}", a.name, a.root, targets.join(", "));
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn sync(engine: &Engine, json: bool) -> Result<ExitCode, EngineError> {
    let show_progress = !json && std::io::stderr().is_terminal();
    let (total, done) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let on_event = |event: SyncEvent| {
        if !show_progress {
            return;
        }
        match event {
            SyncEvent::Planned { photos, .. } => {
                total.fetch_add(photos, Ordering::Relaxed);
            }
            SyncEvent::Settling { path, .. } => {
                eprint!("\rwaiting for {path} to finish being written…  ");
            }
            SyncEvent::PhotoDone { album, .. } => {
                let (d, t) = (
                    done.fetch_add(1, Ordering::Relaxed) + 1,
                    total.load(Ordering::Relaxed).max(1),
                );
                let filled = d * 30 / t;
                eprint!(
                    "\r[{}{}] {d}/{t} {album}  ",
                    "#".repeat(filled),
                    " ".repeat(30 - filled.min(30))
                );
            }
            _ => {}
        }
    };
    // The user asked for this pass: photos waiting for a retry are tried now.
    let options = folio_engine::SyncOptions { retry_now: true, auto: false };
    let report = engine.sync(options, &on_event).await?;
    if show_progress {
        eprintln!();
    }
    if json {
        println!("{}", serde_json::to_string(&report).expect("serialises"));
    } else {
        println!(
            "{} uploaded, {} replaced, {} unchanged, {} removed, {} failed",
            report.uploaded,
            report.replaced,
            report.unchanged,
            report.removed,
            report.failed.len()
        );
        for f in &report.failed {
            println!("  ✗ {}: {}", f.path, f.error);
        }
    }
    Ok(if report.failed.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

pub async fn status(engine: &Engine, json: bool) -> Result<ExitCode, EngineError> {
    let albums = engine.status().await?;
    if json {
        println!("{}", serde_json::to_string(&albums).expect("serialises"));
        return Ok(ExitCode::SUCCESS);
    }
    for a in &albums {
        println!(
            "{} ({}): {} photos, {} synced, {} pending, {} failed",
            a.album,
            a.root,
            a.photos,
            a.synced,
            a.pending,
            a.failed.len()
        );
        for f in &a.failed {
            println!("  ✗ {}: {}", f.path, f.error);
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn pause(engine: &Engine, paused: bool) -> Result<ExitCode, EngineError> {
    engine.set_auto_sync_paused(paused).await?;
    println!("Auto-sync {}", if paused { "paused" } else { "resumed" });
    Ok(ExitCode::SUCCESS)
}

pub async fn retry(
    engine: &Engine,
    album: Option<&std::path::Path>,
) -> Result<ExitCode, EngineError> {
    let n = engine.retry(album).await?;
    println!("{n} photo(s) will be retried on the next pass");
    Ok(ExitCode::SUCCESS)
}

pub async fn reconcile(engine: &Engine, site: &str, json: bool) -> Result<ExitCode, EngineError> {
    let r = engine.reconcile_site(site).await?;
    if json {
        println!("{}", serde_json::to_string(&r).expect("serialises"));
    } else {
        println!(
            "{} items from Folio on {site}: {} photos matched, {} already known, {} not on the site",
            r.remote_items, r.matched, r.already_known, r.missing
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn activity(engine: &Engine, limit: u32, json: bool) -> Result<ExitCode, EngineError> {
    let entries = engine.activity(limit).await?;
    if json {
        println!("{}", serde_json::to_string(&entries).expect("serialises"));
    } else {
        for e in entries {
            println!("{}  {:<7} {}", e.at, e.level, e.message);
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn write_plugin(out: &std::path::Path) -> ExitCode {
    match std::fs::write(out, folio_engine::companion_plugin_zip()) {
        Ok(()) => {
            println!(
                "Wrote {}. In WordPress: Plugins → Add New → Upload Plugin, then activate it.",
                out.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("folio: cannot write {}: {e}", out.display());
            ExitCode::from(2)
        }
    }
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM (service managers, `kill`).
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

pub async fn watch(engine: &Engine) -> Result<ExitCode, EngineError> {
    let on_pass = |r: &folio_engine::SyncReport| {
        if r.uploaded + r.replaced + r.removed + r.failed.len() == 0 {
            return;
        }
        println!(
            "{} uploaded, {} replaced, {} removed, {} failed",
            r.uploaded,
            r.replaced,
            r.removed,
            r.failed.len()
        );
        for f in &r.failed {
            println!("  ✗ {}: {}", f.path, f.error);
        }
        let _ = std::io::stdout().flush();
    };
    eprintln!("folio: watching; Ctrl-C to stop");
    let on_event = |e: SyncEvent| {
        if let SyncEvent::AutoSync { paused } = e {
            eprintln!("folio: auto-sync {}", if paused { "paused" } else { "running" });
        }
    };
    engine.watch(&on_event, &on_pass, stop_signal()).await?;
    eprintln!("folio: stopped");
    Ok(ExitCode::SUCCESS)
}
