//! `folio history` and `folio restore`: a photo's earlier versions, and putting one back on the
//! sites. The work is the engine's.

use folio_engine::{Engine, EngineError};
use std::path::Path;
use std::process::ExitCode;

pub async fn history(engine: &Engine, path: &Path, json: bool) -> Result<ExitCode, EngineError> {
    let versions = engine.history(path).await?;
    if json {
        // The contract's four fields, no more: the format and the last restore are in the text.
        let list: Vec<_> = versions
            .iter()
            .map(|v| {
                serde_json::json!({
                    "version": v.version,
                    "pushed_at": v.pushed_at,
                    "reason": v.reason,
                    "sites": v.sites,
                })
            })
            .collect();
        println!("{}", serde_json::Value::Array(list));
        return Ok(ExitCode::SUCCESS);
    }
    if versions.is_empty() {
        println!("{} has not been pushed to a site yet", path.display());
    }
    for v in versions {
        let restored = v.restored_at.map(|at| format!(" (restored {at})")).unwrap_or_default();
        println!(
            "{:>3}  {}  {:<22} {:<5} → {}{restored}",
            v.version,
            v.pushed_at,
            v.reason,
            v.format,
            v.sites.join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn restore(engine: &Engine, path: &Path, version: i64) -> Result<ExitCode, EngineError> {
    let report = engine.restore(path, version).await?;
    for problem in &report.problems {
        eprintln!("folio: {problem}");
    }
    if report.restored.is_empty() {
        eprintln!("folio: version {version} of {} was restored nowhere", path.display());
        return Ok(ExitCode::from(1));
    }
    println!(
        "Restored version {version} of {} on {}; auto-sync leaves this photo alone until it changes in its folder",
        path.display(),
        report.restored.join(", ")
    );
    Ok(if report.problems.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
