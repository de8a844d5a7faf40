//! The desktop shell. It holds adapters only: commands call folio-engine, engine events go to
//! the web view, and the tray keeps auto-sync running with the window closed. Every decision
//! about photos or sync lives in the core crates, so the CLI behaves the same.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod accounts;
mod ai;
mod bindings;
mod history;
mod ipc;
mod lightroom;
mod photos;
mod settings;
mod tray;

use folio_engine::{Engine, EngineOptions};
use folio_model::{SiteId, SyncEvent};
use ipc::EngineEvent;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tauri::{AppHandle, Manager, WindowEvent};
use tauri_specta::Event;

pub struct AppState {
    pub engine: Arc<Engine>,
    pub data_dir: PathBuf,
    pub app: AppHandle,
    /// Albums were added: the auto-sync loop restarts its watcher to include them.
    pub albums_changed: Arc<tokio::sync::Notify>,
}

/// Forwards everything the engine says to the tray and the web view (a closed window is fine:
/// events are for whoever listens).
async fn forward_events(app: AppHandle, engine: Arc<Engine>) {
    let mut events = engine.subscribe();
    let mut names: HashMap<SiteId, String> = HashMap::new();
    loop {
        let event = match events.recv().await {
            Ok(e) => e,
            // Missed some: the next progress event says where things stand.
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        };
        let site = match &event {
            SyncEvent::Published { site, .. } | SyncEvent::SiteState { site, .. } => Some(*site),
            _ => None,
        };
        if site.is_some_and(|s| !names.contains_key(&s)) {
            if let Ok(sites) = engine.sites().await {
                names = sites.into_iter().map(|s| (s.id, s.name)).collect();
            }
        }
        tray::on_event(&app, &event, &names);
        let _ = EngineEvent(event).emit(&app);
    }
}

fn show_main_window(app: &AppHandle) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.show();
        let _ = w.unminimize();
        let _ = w.set_focus();
    }
}

/// Auto-sync for the app's lifetime: watch every album; when albums are added, start again
/// with them; with no albums yet, wait for the first.
async fn auto_sync(engine: Arc<Engine>, albums_changed: Arc<tokio::sync::Notify>) {
    loop {
        // `notify_one` keeps a permit when nobody waits, so an album added mid-pass still
        // restarts the watcher. Pass results reach the window as engine events.
        let changed = albums_changed.clone();
        let restart = async move { changed.notified().await };
        if let Err(e) = engine.watch(&|_| {}, restart).await {
            eprintln!("folio: auto-sync waits: {}", e.message);
            let changed = albums_changed.clone();
            async move { changed.notified().await }.await;
        }
    }
}

/// On Linux without X11 or Wayland the window cannot open: say so in one line, not a panic.
fn has_display() -> bool {
    if !cfg!(target_os = "linux") {
        return true;
    }
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|d| !d.is_empty()))
}

fn main() {
    // Photos are decoded in child processes of the app itself (see folio_convert::worker).
    folio_engine::decoder::serve_if_asked();
    if !has_display() {
        eprintln!(
            "Folio's window needs a graphical display and this session has none; on a server, use \
             the folio command instead (folio --help)."
        );
        std::process::exit(1);
    }
    let ipc = bindings::builder();
    let first_close = AtomicBool::new(true);
    tauri::Builder::default()
        // First: a second launch (say, with a folio:// address) hands over and exits.
        .plugin(tauri_plugin_single_instance::init(|app, _, _| show_main_window(app)))
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            Some(vec!["--hidden"]),
        ))
        .invoke_handler(ipc.invoke_handler())
        .register_asynchronous_uri_scheme_protocol("thumb", photos::serve_thumbnail)
        .setup(move |app| {
            ipc.mount_events(app);
            let data_dir = folio_engine::data_dir(None);
            let engine = tauri::async_runtime::block_on(Engine::open_with(
                &data_dir,
                EngineOptions::isolated(),
            ))
            .map_err(|e| format!("Folio could not open its data in {}: {e}", data_dir.display()))?;
            let engine = Arc::new(engine);
            let albums_changed = Arc::new(tokio::sync::Notify::new());
            app.manage(AppState {
                engine: engine.clone(),
                data_dir,
                app: app.handle().clone(),
                albums_changed: albums_changed.clone(),
            });
            // A sign-in's answer comes back as folio://connect?… where the service does not take
            // an http callback (WordPress); the OS hands it to this app.
            use tauri_plugin_deep_link::DeepLinkExt;
            #[cfg(any(target_os = "linux", windows))]
            let _ = app.deep_link().register_all();
            let handle = app.handle().clone();
            app.deep_link().on_open_url(move |event| {
                for url in event.urls() {
                    accounts::hand_in(&handle, url.as_str());
                }
            });
            tray::create(app.handle())?;
            tauri::async_runtime::spawn(forward_events(app.handle().clone(), engine.clone()));
            if std::env::args().any(|a| a == "--hidden") {
                // Started at login: stay in the tray.
                if let Some(w) = app.get_webview_window("main") {
                    let _ = w.hide();
                }
            }
            tauri::async_runtime::spawn(auto_sync(engine, albums_changed));
            Ok(())
        })
        .on_window_event(move |window, event| {
            if let WindowEvent::CloseRequested { api, .. } = event {
                // Closing the window keeps Folio syncing in the tray; Quit is in the tray menu.
                api.prevent_close();
                let _ = window.hide();
                if first_close.swap(false, Ordering::Relaxed) {
                    tray::notify_still_running(window.app_handle());
                }
            }
        })
        .run(tauri::generate_context!())
        .expect("Folio could not start its window");
}
