//! The desktop shell. It holds adapters only: commands call the core crates, and every decision
//! about photos or sync lives there, so the CLI behaves the same.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use serde::Serialize;

#[derive(Serialize)]
struct AppInfo {
    version: &'static str,
    /// Formats the converter can write, for the settings screen.
    formats: [&'static str; 4],
}

#[tauri::command]
fn app_info() -> AppInfo {
    AppInfo { version: env!("CARGO_PKG_VERSION"), formats: ["webp", "avif", "jpeg", "original"] }
}

fn main() {
    tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![app_info])
        .run(tauri::generate_context!())
        .expect("Folio could not start its window");
}
