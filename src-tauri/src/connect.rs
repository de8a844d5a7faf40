//! Connecting a WordPress site through its own approval page, from the window. The engine finds
//! the page, decides which answers count and checks them; this opens the browser, keeps the
//! connect under way, and passes on WordPress's answer from a `folio://connect` address the OS
//! hands to the app (tauri-plugin-deep-link; single-instance forwards it to the running app).
//! A connect given up (stopped, replaced, timed out) goes back to the engine, which removes the
//! password of an approval that still comes; the user is told with a notification.

use crate::ipc::{site_row, Answer, IpcError, SiteRow};
use crate::AppState;
use folio_engine::{AppAnswers, Callback, Engine, Handed, WordPressConnect};
use serde::Serialize;
use specta::Type;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tauri::{AppHandle, Manager, State};
use tauri_plugin_notification::NotificationExt;

/// A connect under way, as the window shows it.
#[derive(Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ConnectStart {
    /// Opened in the browser; shown too, in case no browser opens.
    pub url: String,
    /// The same page without a callback: WordPress shows the password to paste.
    pub paste_url: String,
    pub site_url: String,
    pub site_name: String,
}

/// What the app keeps between `connect_site` and the answer.
#[derive(Default)]
pub struct Pending {
    connect: tokio::sync::Mutex<Option<WordPressConnect>>,
    /// Where `folio://connect` answers go (the engine decides which count).
    answers: AppAnswers,
    cancel: tokio::sync::Notify,
}

impl Pending {
    /// A `folio://…` address from the OS (first launch or a second instance).
    pub fn hand_in(&self, app: &AppHandle, url: &str) {
        if let Handed::Late(late) = self.answers.hand_in(url) {
            let engine = app.state::<AppState>().engine.clone();
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                tell(&app, &engine.wordpress_connect_late(late).await);
            });
        }
    }
}

fn tell(app: &AppHandle, message: &str) {
    let _ = app.notification().builder().title("Folio").body(message).show();
}

/// A connect that will get no answer here: the engine removes the password of an approval
/// that comes for it anyway.
fn abandon(app: &AppHandle, engine: Arc<Engine>, c: WordPressConnect) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let never = std::future::pending::<()>();
        if let Some(said) =
            engine.wordpress_connect_abandon(c, folio_engine::LATE_GRACE, never).await
        {
            tell(&app, &said);
        }
    });
}

fn no_connect() -> IpcError {
    IpcError { code: "config".into(), message: "no connect is under way; press Connect".into() }
}

/// Finds the site's approval page, opens it in the browser and returns it.
#[tauri::command]
#[specta::specta]
pub async fn connect_site(
    state: State<'_, AppState>,
    address: String,
    allow_http: bool,
) -> Answer<ConnectStart> {
    // The window test of the folio:// way connects a local site, which would otherwise answer on
    // 127.0.0.1; FOLIO_CONNECT_CALLBACK=app makes it take the app's address.
    let callback = match std::env::var("FOLIO_CONNECT_CALLBACK").as_deref() {
        Ok("app") => Callback::App,
        _ => Callback::Best,
    };
    let mut c = state.engine.wordpress_connect_start(&address, allow_http, callback, None).await?;
    state.connect.answers.expect(&mut c);
    let start = ConnectStart {
        url: c.url.clone(),
        paste_url: c.paste_url.clone(),
        site_url: c.site.site_url.clone(),
        site_name: c.name.clone(),
    };
    // A second Connect replaces the first.
    state.connect.cancel.notify_waiters();
    if let Some(old) = state.connect.connect.lock().await.replace(c) {
        abandon(&state.app, state.engine.clone(), old);
    }
    // In the background: the window shows the address as well, should no browser open.
    let url = start.url.clone();
    drop(tauri::async_runtime::spawn_blocking(move || folio_engine::open_in_browser(&url)));
    Ok(start)
}

/// Waits for WordPress's answer to the connect under way, checks it and saves the site.
#[tauri::command]
#[specta::specta]
pub async fn connect_site_wait(state: State<'_, AppState>) -> Answer<SiteRow> {
    let mut c = state.connect.connect.lock().await.take().ok_or_else(no_connect)?;
    let stopped = AtomicBool::new(false);
    let cancel = async {
        state.connect.cancel.notified().await;
        stopped.store(true, Ordering::Relaxed);
    };
    let done =
        state.engine.wordpress_connect_wait(&mut c, folio_engine::CONNECT_TIMEOUT, cancel).await;
    if c.is_waiting() {
        abandon(&state.app, state.engine.clone(), c);
    }
    match done {
        Ok(site) => Ok(site_row(site)),
        Err(_) if stopped.load(Ordering::Relaxed) => {
            Err(IpcError { code: "cancelled".into(), message: "the connect was stopped".into() })
        }
        Err(e) => Err(e.into()),
    }
}

/// Stops waiting (the user pasted the password instead, or gave up).
#[tauri::command]
#[specta::specta]
pub async fn connect_site_cancel(state: State<'_, AppState>) -> Answer<()> {
    state.connect.cancel.notify_waiters();
    if let Some(c) = state.connect.connect.lock().await.take() {
        abandon(&state.app, state.engine.clone(), c);
    }
    Ok(())
}

/// The password WordPress showed on its approval page, pasted by the user.
#[tauri::command]
#[specta::specta]
pub async fn connect_site_paste(
    state: State<'_, AppState>,
    site_url: String,
    name: String,
    user: String,
    password: String,
) -> Answer<SiteRow> {
    let s = state.engine.wordpress_connect_paste(&site_url, &name, &user, &password).await?;
    state.connect.cancel.notify_waiters();
    Ok(site_row(s))
}
