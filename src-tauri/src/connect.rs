//! Connecting a WordPress site through its own approval page, from the window. The engine finds
//! the page and checks the answer; this opens the browser, keeps the connect under way, and
//! takes WordPress's answer from the loopback listener or from a `folio://connect` address the
//! OS hands to the app (tauri-plugin-deep-link; single-instance forwards it to the running app).

use crate::ipc::{site_row, Answer, IpcError, SiteRow};
use crate::AppState;
use folio_engine::{Callback, WordPressConnect};
use serde::Serialize;
use specta::Type;
use std::collections::BTreeMap;
use tauri::State;

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
    /// Where a `folio://connect` answer goes while the window waits for one.
    answer: std::sync::Mutex<Option<tokio::sync::oneshot::Sender<BTreeMap<String, String>>>>,
    cancel: tokio::sync::Notify,
}

impl Pending {
    /// A `folio://…` address from the OS (first launch or a second instance).
    pub fn hand_in(&self, url: &str) {
        let Some(params) = folio_engine::app_callback_params(url) else { return };
        if let Some(tx) = self.answer.lock().unwrap().take() {
            let _ = tx.send(params);
        }
    }
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
    let c = state.engine.wordpress_connect_start(&address, allow_http, callback, None).await?;
    let start = ConnectStart {
        url: c.url.clone(),
        paste_url: c.paste_url.clone(),
        site_url: c.site.site_url.clone(),
        site_name: c.name.clone(),
    };
    // A second Connect replaces the first (its listener closes with it).
    state.connect.cancel.notify_waiters();
    *state.connect.connect.lock().await = Some(c);
    let _ = crate::photos::open_in_browser(start.url.clone());
    Ok(start)
}

/// Waits for WordPress's answer to the connect under way, checks it and saves the site.
#[tauri::command]
#[specta::specta]
pub async fn connect_site_wait(state: State<'_, AppState>) -> Answer<SiteRow> {
    let c = state.connect.connect.lock().await.take().ok_or_else(no_connect)?;
    let engine = state.engine.clone();
    let pending = state.connect.clone();
    let work = async move {
        if c.callback == Callback::Loopback {
            return engine.wordpress_connect_wait(c, folio_engine::CONNECT_TIMEOUT).await;
        }
        let (tx, rx) = tokio::sync::oneshot::channel();
        *pending.answer.lock().unwrap() = Some(tx);
        match tokio::time::timeout(folio_engine::CONNECT_TIMEOUT, rx).await {
            Ok(Ok(params)) => engine.wordpress_connect_answer(&c, &params).await,
            _ => Err(folio_engine::EngineError::config(
                "timed out waiting for approval on the site; nothing was saved",
            )),
        }
    };
    tokio::select! {
        done = work => Ok(site_row(done?)),
        () = state.connect.cancel.notified() => Err(IpcError {
            code: "cancelled".into(),
            message: "the connect was stopped".into(),
        }),
    }
}

/// Stops waiting (the user pasted the password instead, or gave up).
#[tauri::command]
#[specta::specta]
pub async fn connect_site_cancel(state: State<'_, AppState>) -> Answer<()> {
    state.connect.cancel.notify_waiters();
    *state.connect.connect.lock().await = None;
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
