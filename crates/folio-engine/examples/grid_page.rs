//! The album grid's first page, timed the way the app gets it, for `make bench-scale`
//! (scripts/bench_scale.py). The window asks for an album's first rows (`album_photos_first`,
//! src-tauri/src/photos.rs) and draws its first screen once they arrive as JSON, then asks for
//! the whole album (`album_photos`); the time to a first page is the first call plus
//! serialising its answer.
//!
//! Prints one JSON line: `{"rows", "open_ms", "first_ms", "json_ms", "json_bytes", "all_ms",
//! "all_json_ms", "all_rows", "again_ms"}`.
//!
//! cargo run --release -p folio-engine --example grid_page -- --data-dir DIR ALBUM_PATH

use folio_engine::{Engine, EngineOptions};
use std::path::PathBuf;
use std::time::Instant;

/// Rows the window asks for first: more than a screen of thumbnails.
const FIRST_SCREEN: usize = 200;

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

fn main() -> std::process::ExitCode {
    let mut args = std::env::args().skip(1);
    let (mut data_dir, mut album) = (None, None);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--data-dir" => data_dir = args.next().map(PathBuf::from),
            _ => album = Some(PathBuf::from(a)),
        }
    }
    let (Some(data_dir), Some(album)) = (data_dir, album) else {
        eprintln!("usage: grid_page --data-dir DIR ALBUM_PATH");
        return std::process::ExitCode::from(2);
    };
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(async {
        let t = Instant::now();
        // Credentials in files, as the benchmark's `folio` runs keep them (FOLIO_SECRETS=file).
        let options = EngineOptions { file_secrets: true, ..EngineOptions::default() };
        let engine = match Engine::open_with(&data_dir, options).await {
            Ok(e) => e,
            Err(e) => {
                eprintln!("grid_page: {}", e.message);
                return std::process::ExitCode::FAILURE;
            }
        };
        let open_ms = ms(t);
        let t = Instant::now();
        let rows = match engine.album_photos_first(&album, FIRST_SCREEN).await {
            Ok(rows) => rows,
            Err(e) => {
                eprintln!("grid_page: {}", e.message);
                return std::process::ExitCode::FAILURE;
            }
        };
        let first_ms = ms(t);
        let t = Instant::now();
        let json = serde_json::to_string(&rows).expect("rows serialise");
        let json_ms = ms(t);
        // Then the whole album, as the window asks next, and again with SQLite's pages cached
        // (the grid's refresh after each pass).
        let t = Instant::now();
        let all = engine.album_photos(&album).await.unwrap_or_default();
        let all_ms = ms(t);
        let t = Instant::now();
        let all_json = serde_json::to_string(&all).expect("rows serialise");
        let all_json_ms = ms(t);
        let t = Instant::now();
        let again = engine.album_photos(&album).await.map(|r| r.len()).unwrap_or(0);
        let again_ms = ms(t);
        assert_eq!(again, all.len(), "the album changed between two looks");
        println!(
            "{}",
            serde_json::json!({
                "rows": rows.len(),
                "open_ms": open_ms,
                "first_ms": first_ms,
                "json_ms": json_ms,
                "json_bytes": json.len(),
                "all_rows": all.len(),
                "all_ms": all_ms,
                "all_json_ms": all_json_ms,
                "all_json_bytes": all_json.len(),
                "again_ms": again_ms,
            })
        );
        std::process::ExitCode::SUCCESS
    })
}
