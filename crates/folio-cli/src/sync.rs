//! `folio sync`, `folio status` and `folio watch`: the engine does the work and keeps the
//! progress model; this only prints it.

use folio_engine::{
    DataFolder, Engine, EngineError, Progress, SiteState, SyncEvent, SyncOptions, SyncReport,
};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

/// One line for the terminal from the engine's progress model.
fn progress_line(p: &Progress) -> Option<String> {
    let (mut total, mut done, mut failed, mut rate) = (0u32, 0u32, 0u32, 0f32);
    let mut current = None;
    for a in &p.albums {
        total += a.work.total;
        done += a.work.done;
        failed += a.work.failed;
        rate += a.work.per_minute;
        current = current.or(a.work.current.clone());
    }
    if total == 0 {
        return None;
    }
    let finished = (done + failed).min(total);
    let filled = (finished * 30 / total) as usize;
    let mut line =
        format!("\r[{}{}] {finished}/{total}", "#".repeat(filled), " ".repeat(30 - filled));
    if rate > 0.0 {
        line.push_str(&format!("  {rate:.0}/min"));
        let left = (total - finished) as f32 * 60.0 / rate;
        line.push_str(&format!("  {}:{:02} left", left as u32 / 60, left as u32 % 60));
    }
    if let Some(c) = current {
        line.push_str(&format!("  {c}"));
    }
    Some(format!("{line:<100}"))
}

/// The next engine event; `None` once the engine is gone. Events missed while busy are
/// skipped: the next progress event says where things stand.
async fn next_event(events: &mut tokio::sync::broadcast::Receiver<SyncEvent>) -> Option<SyncEvent> {
    loop {
        match events.recv().await {
            Ok(e) => return Some(e),
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
        }
    }
}

pub async fn sync(engine: &Engine, json: bool) -> Result<ExitCode, EngineError> {
    let show_progress = !json && std::io::stderr().is_terminal();
    let mut events = engine.subscribe();
    let printer = tokio::spawn(async move {
        while let Some(event) = next_event(&mut events).await {
            if !show_progress {
                continue;
            }
            match event {
                SyncEvent::Progress { progress } => {
                    if let Some(line) = progress_line(&progress) {
                        eprint!("{line}");
                    }
                }
                SyncEvent::Settling { path, .. } => {
                    eprint!("\rwaiting for {path} to finish being written…  ");
                }
                _ => {}
            }
        }
    });
    // The user asked for this pass: photos waiting for a retry are tried now.
    let report = engine.sync(SyncOptions { retry_now: true, auto: false }).await?;
    printer.abort();
    if show_progress {
        eprintln!();
    }
    if json {
        println!("{}", serde_json::to_string(&report).expect("serialises"));
    } else {
        print_report(&report, true);
    }
    Ok(if report.all_ok() && report.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn print_report(r: &SyncReport, counts_unchanged: bool) {
    let unchanged =
        if counts_unchanged { format!("{} unchanged, ", r.unchanged) } else { String::new() };
    println!(
        "{} uploaded, {} replaced, {unchanged}{} removed, {} failed",
        r.uploaded,
        r.replaced,
        r.removed,
        r.failed.len()
    );
    for f in &r.failed {
        println!("  ✗ {}: {}", f.path, f.error);
    }
    for s in r.sites.iter().filter(|s| s.state != SiteState::Ok) {
        let why = s.error.as_deref().unwrap_or("");
        println!("  ! {}: {} ({why}); its photos wait", s.name, s.state.as_str());
    }
    for p in &r.problems {
        println!("  ! {p}");
    }
}

pub async fn status(engine: &Engine, json: bool) -> Result<ExitCode, EngineError> {
    let albums = engine.status().await?;
    let data_folder = engine.data_folder().await?;
    if json {
        let status = serde_json::json!({ "albums": albums, "data_folder": data_folder });
        println!("{status}");
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
        for s in &a.sites {
            let formats: Vec<String> =
                s.formats.iter().map(|(f, n)| format!("{n} {}", f.to_ascii_uppercase())).collect();
            let got =
                if formats.is_empty() { "nothing yet".to_string() } else { formats.join(", ") };
            let state = if s.state == SiteState::Ok {
                String::new()
            } else {
                format!(" [{}]", s.state.as_str())
            };
            let mut notes: Vec<String> = s.note.iter().cloned().collect();
            if s.urls_changed > 0 {
                let n = s.urls_changed;
                notes.push(format!("{n} re-edit{} got a new URL", if n == 1 { "" } else { "s" }));
            }
            let note =
                if notes.is_empty() { String::new() } else { format!(" ({})", notes.join("; ")) };
            println!("  → {}{state}: {got}{note}", s.name);
        }
        for f in &a.failed {
            println!("  ✗ {}: {}", f.path, f.error);
        }
        if let Some(until) = &a.until {
            println!("  ! rate limited until {until}: the source is not asked before then");
        }
        if a.held_removals > 0 {
            println!(
                "  ! {} photos are gone from the folder at once; nothing is deleted until you run: folio album confirm-removals \"{}\"",
                a.held_removals, a.root
            );
        }
    }
    println!("{}", data_folder_line(&data_folder));
    Ok(ExitCode::SUCCESS)
}

/// "Data folder: 1.2 GB (thumbnails 800 MB, history 300 MB, …)": the parts that take space,
/// largest first.
fn data_folder_line(d: &DataFolder) -> String {
    let parts: Vec<String> = d
        .parts
        .largest_first()
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(name, n)| format!("{name} {}", human_bytes(n)))
        .collect();
    format!("Data folder: {} ({})", human_bytes(d.bytes), parts.join(", "))
}

/// Decimal units, as file managers show them: "812 B", "4.5 MB", "800 MB", "1.2 GB".
fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else if value < 10.0 {
        format!("{value:.1} {}", UNITS[unit])
    } else {
        format!("{value:.0} {}", UNITS[unit])
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
    let on_pass = |r: &SyncReport| {
        if r.uploaded + r.replaced + r.removed + r.failed.len() == 0 {
            return;
        }
        print_report(r, false);
        let _ = std::io::stdout().flush();
    };
    eprintln!("folio: watching; Ctrl-C to stop");
    let names: std::collections::HashMap<_, _> =
        engine.sites().await?.into_iter().map(|s| (s.id, s.name)).collect();
    let mut events = engine.subscribe();
    let notices = tokio::spawn(async move {
        while let Some(event) = next_event(&mut events).await {
            match event {
                SyncEvent::AutoSync { paused } => {
                    eprintln!("folio: auto-sync {}", if paused { "paused" } else { "running" });
                }
                SyncEvent::SiteState { site, state, error } => {
                    let name = names.get(&site).cloned().unwrap_or_else(|| site.to_string());
                    let why = error.map(|e| format!(": {e}")).unwrap_or_default();
                    eprintln!("folio: {name} is {}{why}", state.as_str());
                }
                _ => {}
            }
        }
    });
    let result = engine.watch(&on_pass, stop_signal()).await;
    notices.abort();
    result?;
    eprintln!("folio: stopped");
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use folio_engine::DataFolderParts;

    #[test]
    fn sizes_read_as_a_file_manager_shows_them() {
        let shown: Vec<String> =
            [812, 4_500_000, 799_600_000, 1_234_000_000].into_iter().map(human_bytes).collect();
        assert_eq!(shown, ["812 B", "4.5 MB", "800 MB", "1.2 GB"]);
        let d = DataFolder {
            path: "/d".into(),
            bytes: 1_234_000_000,
            parts: DataFolderParts {
                database: 2_000_000,
                thumbnails: 800_000_000,
                history: 300_000_000,
                spool: 132_000_000,
                ..DataFolderParts::default()
            },
        };
        assert_eq!(
            data_folder_line(&d),
            "Data folder: 1.2 GB (thumbnails 800 MB, history 300 MB, spool 132 MB, database 2.0 MB)"
        );
    }
}
