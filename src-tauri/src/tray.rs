//! The tray icon: state at a glance (idle, syncing with a count, error) and every action in its
//! menu, because on Linux clicks on the icon itself are not delivered.

use folio_model::{SiteId, SiteState, SyncEvent};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager};
use tauri_plugin_notification::NotificationExt;

/// At most one failure notification this often, so 500 failures are one message.
const FAILURE_NOTICE_EVERY: Duration = Duration::from_secs(300);
/// A pass that published at least this many photos says so when it ends.
const BATCH_NOTICE_MIN: u32 = 20;
const RECENT: usize = 3;

struct Tray {
    status: MenuItem<tauri::Wry>,
    pause: MenuItem<tauri::Wry>,
    recent: Vec<MenuItem<tauri::Wry>>,
    state: Mutex<TrayState>,
}

#[derive(Default)]
struct TrayState {
    /// From the engine's progress model: photos in hand and finished, over every album.
    planned: u32,
    done: u32,
    paused: bool,
    recent: Vec<String>,
    last_failure_notice: Option<Instant>,
    failed_last_pass: bool,
}

pub fn create(app: &AppHandle) -> tauri::Result<()> {
    let item = |id: &str, text: &str, enabled: bool| {
        MenuItem::with_id(app, id, text, enabled, None::<&str>)
    };
    let status = item("status", "Folio is idle", false)?;
    let open = item("open", "Open Folio", true)?;
    let sync = item("sync", "Sync now", true)?;
    let pause = item("pause", "Pause auto-sync", true)?;
    let recent: Vec<_> = (0..RECENT)
        .map(|i| item(&format!("recent-{i}"), "", false))
        .collect::<tauri::Result<_>>()?;
    let quit = item("quit", "Quit Folio", true)?;
    let separator = || PredefinedMenuItem::separator(app);
    let (s1, s2, s3) = (separator()?, separator()?, separator()?);
    let mut items: Vec<&dyn tauri::menu::IsMenuItem<tauri::Wry>> =
        vec![&status, &s1, &open, &sync, &pause, &s2];
    items.extend(recent.iter().map(|r| r as &dyn tauri::menu::IsMenuItem<tauri::Wry>));
    items.extend([&s3 as &dyn tauri::menu::IsMenuItem<tauri::Wry>, &quit]);
    let menu = Menu::with_items(app, &items)?;
    let mut icon = TrayIconBuilder::with_id("folio").menu(&menu).tooltip("Folio");
    if let Some(i) = app.default_window_icon() {
        icon = icon.icon(i.clone());
    }
    icon.on_menu_event(|app, event| match event.id.as_ref() {
        "open" => crate::show_main_window(app),
        "sync" => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                let state = app.state::<crate::AppState>();
                let _ = crate::ipc::sync_now(state).await;
            });
        }
        "pause" => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                let state = app.state::<crate::AppState>();
                let paused = state.engine.auto_sync_paused().await.unwrap_or(false);
                let _ = crate::ipc::set_auto_sync_paused(state, !paused).await;
            });
        }
        "quit" => app.exit(0),
        _ => {}
    })
    .build(app)?;
    for r in &recent {
        r.set_text("")?;
    }
    app.manage(Tray { status, pause, recent, state: Mutex::new(TrayState::default()) });
    Ok(())
}

/// Keeps the tray's status line, tooltip and recent list current, and sends the (rate-limited)
/// notifications. It only displays: counts come from the engine's progress model.
pub fn on_event(app: &AppHandle, event: &SyncEvent, site_names: &HashMap<SiteId, String>) {
    let Some(tray) = app.try_state::<Tray>() else { return };
    let mut s = tray.state.lock().expect("tray state");
    let mut notice = None;
    let name = |id: &SiteId| site_names.get(id).cloned().unwrap_or_else(|| "a site".into());
    match event {
        SyncEvent::Progress { progress } => {
            s.planned = progress.albums.iter().map(|a| a.work.total).sum();
            s.done =
                progress.albums.iter().map(|a| a.work.done + a.work.failed + a.work.waiting).sum();
        }
        SyncEvent::Published { path, site, url_kept, .. } => {
            let how = if *url_kept { "updated on" } else { "published to" };
            push_recent(&mut s.recent, format!("{path} {how} {}", name(site)));
        }
        SyncEvent::PhotoFailed { path, error, .. } => {
            push_recent(&mut s.recent, format!("{path} failed: {error}"));
        }
        SyncEvent::SiteState { site, state, .. } => {
            let line = match state {
                SiteState::Ok => format!("{} works again", name(site)),
                SiteState::Reconnect => format!("{} needs reconnecting", name(site)),
                SiteState::Unreachable => format!("{} cannot be reached", name(site)),
                SiteState::RateLimited => format!("{} is rate limited", name(site)),
            };
            push_recent(&mut s.recent, line.clone());
            if *state != SiteState::Ok {
                notice = Some(format!("{line}; its photos wait. Open Folio to see why."));
            }
        }
        SyncEvent::AutoSync { paused } => s.paused = *paused,
        SyncEvent::PassFinished { uploaded, replaced, failed, .. } => {
            s.failed_last_pass = *failed > 0;
            let due = s.last_failure_notice.is_none_or(|t| t.elapsed() >= FAILURE_NOTICE_EVERY);
            if *failed > 0 && due {
                s.last_failure_notice = Some(Instant::now());
                notice =
                    Some(format!("{failed} photo(s) could not be synced. Open Folio to see why."));
            } else if uploaded + replaced >= BATCH_NOTICE_MIN {
                notice = Some(format!("{} photos are on your sites.", uploaded + replaced));
            }
        }
        _ => return,
    }
    let status = if s.paused {
        "Auto-sync is paused".to_string()
    } else if s.failed_last_pass && s.planned <= s.done {
        "Some photos could not be synced; open Folio".to_string()
    } else if s.planned > s.done {
        format!("Syncing {} of {} photos…", s.done + 1, s.planned)
    } else {
        "Folio is idle; everything is synced".to_string()
    };
    let _ = tray.status.set_text(&status);
    let _ = tray.pause.set_text(if s.paused { "Resume auto-sync" } else { "Pause auto-sync" });
    for (item, text) in
        tray.recent.iter().zip(s.recent.iter().map(String::as_str).chain(std::iter::repeat("")))
    {
        let _ = item.set_text(text);
    }
    // Beside the icon (macOS menu bar, Linux app indicators): the count while syncing, "!"
    // after a failed pass, nothing when idle. The tooltip says it in words where shown.
    let badge = if s.paused {
        Some("paused".to_string())
    } else if s.planned > s.done {
        Some((s.planned - s.done).to_string())
    } else if s.failed_last_pass {
        Some("!".to_string())
    } else {
        None
    };
    let dot = if s.paused {
        Some([150, 150, 150])
    } else if s.planned > s.done {
        Some([79, 93, 242])
    } else if s.failed_last_pass {
        Some([220, 60, 50])
    } else {
        None
    };
    if let Some(icon) = app.tray_by_id("folio") {
        let _ = icon.set_tooltip(Some(&status));
        let _ = icon.set_title(badge.as_deref());
        if let Some(base) = app.default_window_icon() {
            let _ = icon.set_icon(Some(with_dot(base, dot)));
        }
    }
    drop(s);
    if let Some(body) = notice {
        let _ = app.notification().builder().title("Folio").body(body).show();
    }
}

/// The app icon with a coloured dot in its lower right corner (syncing, error, paused), or plain
/// when idle: the state is visible even where the tray shows no text.
fn with_dot(base: &tauri::image::Image<'_>, dot: Option<[u8; 3]>) -> tauri::image::Image<'static> {
    let (w, h) = (base.width(), base.height());
    let mut rgba = base.rgba().to_vec();
    if let Some([r, g, b]) = dot {
        let radius = w.min(h) as f32 * 0.22;
        let (cx, cy) = (w as f32 - radius - 1.0, h as f32 - radius - 1.0);
        for y in 0..h {
            for x in 0..w {
                let d = ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)).sqrt();
                let i = ((y * w + x) * 4) as usize;
                if d <= radius {
                    rgba[i..i + 4].copy_from_slice(&[r, g, b, 255]);
                } else if d <= radius + 1.5 {
                    // A white ring keeps the dot readable on any panel colour.
                    rgba[i..i + 4].copy_from_slice(&[255, 255, 255, 255]);
                }
            }
        }
    }
    tauri::image::Image::new_owned(rgba, w, h)
}

fn push_recent(recent: &mut Vec<String>, line: String) {
    let line: String = line.chars().take(70).collect();
    recent.insert(0, line);
    recent.truncate(RECENT);
}

pub fn notify_still_running(app: &AppHandle) {
    let _ = app
        .notification()
        .builder()
        .title("Folio is still syncing")
        .body("Folio keeps your sites in sync from the tray. Choose Quit Folio there to stop it.")
        .show();
}

#[cfg(test)]
mod tests {
    use super::with_dot;
    use tauri::image::Image;

    #[test]
    fn the_icon_gets_a_dot_for_a_state_and_none_when_idle() {
        let base = Image::new_owned(vec![10; 32 * 32 * 4], 32, 32);
        assert_eq!(with_dot(&base, None).rgba(), base.rgba(), "idle is the plain icon");
        let error = with_dot(&base, Some([220, 60, 50]));
        let corner = ((25 * 32 + 25) * 4) as usize;
        assert_eq!(&error.rgba()[corner..corner + 4], &[220, 60, 50, 255]);
        assert_eq!(&error.rgba()[0..4], &[10, 10, 10, 10], "the rest is untouched");
    }
}
