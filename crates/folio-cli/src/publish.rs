//! `folio publish`, `folio unpublish`, `folio photos` and `folio lr-plugin`: the interface a
//! Lightroom publish service (or any other tool) drives Folio through. The JSON shapes and exit
//! statuses are a contract (README, docs/adr/0014); the work is the engine's.

use folio_engine::{Engine, EngineError, PhotoRef, PublishState, PublishedState, UnpublishState};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

pub async fn publish(
    engine: &Engine,
    album: &Path,
    files: &[PathBuf],
    wait: Option<u64>,
    json: bool,
) -> Result<ExitCode, EngineError> {
    let photos = engine.publish(album, files, wait.map(Duration::from_secs)).await?;
    let all = photos.iter().all(|p| p.state == PublishState::Published);
    if json {
        println!("{}", serde_json::json!({ "photos": photos }));
    } else {
        for p in &photos {
            let id = p.id.map(|i| format!(" (id {i})")).unwrap_or_default();
            match p.state {
                PublishState::Published => {
                    let urls: Vec<String> = p
                        .sites
                        .iter()
                        .map(|s| format!("{}: {}", s.name, s.url.as_deref().unwrap_or("?")))
                        .collect();
                    println!("✓ {}{id} → {}", p.path, urls.join(", "));
                }
                PublishState::Failed => {
                    println!("✗ {}{id}: {}", p.path, p.error.as_deref().unwrap_or("failed"))
                }
                PublishState::Waiting => {
                    println!("… {}{id}: {}", p.path, p.error.as_deref().unwrap_or("waiting"))
                }
            }
        }
    }
    Ok(if all { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

pub async fn unpublish(
    engine: &Engine,
    album: &Path,
    photos: &[String],
    json: bool,
) -> Result<ExitCode, EngineError> {
    let refs: Vec<PhotoRef> = photos.iter().map(|p| PhotoRef::parse(p)).collect();
    let done = engine.unpublish(album, &refs).await?;
    let all = done.iter().all(|u| u.state == UnpublishState::Removed);
    if json {
        println!("{}", serde_json::json!({ "photos": done }));
    } else {
        for (given, u) in photos.iter().zip(&done) {
            match u.state {
                UnpublishState::Removed => println!("✓ {given} removed from the sites"),
                UnpublishState::Failed => {
                    println!("✗ {given}: {}", u.error.as_deref().unwrap_or("not removed"))
                }
            }
        }
    }
    Ok(if all { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

pub async fn photos(
    engine: &Engine,
    album: &Path,
    photos: &[String],
    json: bool,
) -> Result<ExitCode, EngineError> {
    let refs: Vec<PhotoRef> = photos.iter().map(|p| PhotoRef::parse(p)).collect();
    let found = engine.published_photos(album, &refs).await?;
    if json {
        println!("{}", serde_json::json!({ "photos": found }));
        return Ok(ExitCode::SUCCESS);
    }
    for p in &found {
        let id = p.id.map(|i| i.to_string()).unwrap_or_else(|| "-".into());
        let state = serde_json::to_value(p.state).ok();
        let state = state.as_ref().and_then(|s| s.as_str()).unwrap_or("?");
        let changed = if p.changed { " (changed in the folder)" } else { "" };
        println!("{id}\t{}\t{state}{changed}", p.path);
        for s in &p.sites {
            let copy = serde_json::to_value(s.state).ok();
            let copy = copy.as_ref().and_then(|c| c.as_str()).unwrap_or("?");
            println!("  → {}: {copy} {}", s.name, s.url.as_deref().unwrap_or(""));
        }
    }
    if found.iter().any(|p| p.state == PublishedState::Removed && p.id.is_none()) {
        eprintln!("folio: some of the photos named are not in the album");
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes the plug-in folder; the plug-in then runs this very `folio` first.
pub fn write_lightroom_plugin(out: &Path) -> ExitCode {
    let this = std::env::current_exe().ok();
    match folio_engine::write_lightroom_plugin(out, this.as_deref()) {
        Ok(dir) => {
            println!(
                "Wrote {}. In Lightroom Classic: File → Plug-in Manager → Add, choose it; then \
                 Publish Services → Folio → Set Up.",
                dir.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("folio: {}", e.message);
            ExitCode::from(2)
        }
    }
}
