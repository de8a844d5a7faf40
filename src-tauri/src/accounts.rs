//! Connectors and accounts, for every service alike: the window lists the connectors, holds a
//! sign-in's conversation (the engine's prompts, the person's replies) in one dialog, shows
//! each account, browses a source account and makes albums of its folders. Nothing here names
//! a service; the engine and each connector's declaration decide.
//!
//! What the shell adds: a `Browser` step is opened in the browser (in the background, the
//! window shows the address too); a sign-in given up or failed while waiting goes back to the
//! engine in the background, which removes the password of an approval that still comes, and
//! the person is told with a notification; `folio://` addresses from the OS go to the engine.

use crate::ipc::{site_row, Answer, IpcError, SiteRow};
use crate::AppState;
use folio_engine::{Callback, ConnectorInfo, Engine, ErrorCode, Prompt, Reply, SignInStep};
use folio_model::{Role, SiteState};
use serde::Serialize;
use specta::Type;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use tauri::{AppHandle, Manager, State};
use tauri_plugin_notification::NotificationExt;

/// One account, a source or a destination, as its card shows it.
#[derive(Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AccountRow {
    pub id: u32,
    pub name: String,
    /// The connector's id.
    pub connector: String,
    /// The connector's label, for people.
    pub label: String,
    pub roles: Vec<Role>,
    /// Who is signed in, as the service says.
    pub who: String,
    pub state: SiteState,
    pub error: Option<String>,
    /// A destination's site: its address and what it can do.
    pub site: Option<SiteRow>,
}

/// One entry of a source account's tree, for the picker.
#[derive(Serialize, Type)]
pub struct BrowseRow {
    pub path: String,
    pub name: String,
    /// `folder` or `item`.
    pub kind: String,
    /// The photos or pages in it, where the listing says.
    pub count: Option<u32>,
    /// Whether `browse_preview` has a picture of it.
    pub preview: bool,
}

/// A picture of one entry (a `data:` address) and how many photos it holds.
#[derive(Serialize, Type)]
pub struct PreviewRow {
    pub image: Option<String>,
    pub count: Option<u32>,
}

/// Where WordPress's approval may answer. The window test of the `folio://` way connects a
/// local site, which would otherwise answer on 127.0.0.1; FOLIO_CONNECT_CALLBACK=app makes it
/// take the app's address.
fn callback() -> Callback {
    match std::env::var("FOLIO_CONNECT_CALLBACK").as_deref() {
        Ok("app") => Callback::App,
        _ => Callback::Best,
    }
}

fn tell(app: &AppHandle, message: &str) {
    let _ = app.notification().builder().title("Folio").body(message).show();
}

/// A step that says to open a page is opened here, in the background: the window shows the
/// address as well, should no browser open.
fn opened(step: SignInStep) -> SignInStep {
    if let Prompt::Browser { url, .. } = &step.prompt {
        let url = url.clone();
        drop(tauri::async_runtime::spawn_blocking(move || folio_engine::open_in_browser(&url)));
    }
    step
}

/// Ends a sign-in in the background: for a WordPress approval the engine keeps listening a
/// little longer, so a password approved just then is removed from the site again; the person
/// is told if that happened.
fn cancel_in_background(app: &AppHandle, engine: Arc<Engine>, session: u32) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        if let Some(said) = engine.connect_cancel(session).await {
            tell(&app, &said);
        }
    });
}

/// A `folio://…` address from the OS (first launch or a second instance): an answer for a
/// sign-in under way, or a late one whose password the engine removes (the person is told).
pub fn hand_in(app: &AppHandle, url: &str) {
    let engine = app.state::<AppState>().engine.clone();
    let app = app.clone();
    let url = url.to_string();
    tauri::async_runtime::spawn(async move {
        if let Some(said) = engine.connect_app_answer(&url).await {
            tell(&app, &said);
        }
    });
}

/// Every connector this Folio has: what it is for, how it signs in, the fields it asks for.
#[tauri::command]
#[specta::specta]
pub fn connectors(state: State<'_, AppState>) -> Vec<ConnectorInfo> {
    state.engine.connectors()
}

/// Every account, sources and destinations, by name.
#[tauri::command]
#[specta::specta]
pub async fn accounts(state: State<'_, AppState>) -> Answer<Vec<AccountRow>> {
    let connectors = state.engine.connectors();
    let mut sites = state.engine.sites().await?;
    let accounts = state.engine.accounts().await?;
    Ok(accounts
        .into_iter()
        .map(|a| {
            let label = connectors.iter().find(|c| c.id == a.connector).map(|c| c.label.clone());
            // A site is its account's publishing side, under the same name.
            let site = sites.iter().position(|s| s.name == a.name).map(|i| sites.remove(i));
            AccountRow {
                id: a.id as u32,
                label: label.unwrap_or_else(|| a.connector.clone()),
                name: a.name,
                connector: a.connector,
                roles: a.roles,
                who: a.who,
                state: a.state,
                error: a.error,
                site: site.map(site_row),
            }
        })
        .collect())
}

/// Starts signing in a new account of `connector` with the values given so far (secrets go to
/// the keychain only); the first step.
#[tauri::command]
#[specta::specta]
pub async fn connect_start(
    state: State<'_, AppState>,
    connector: String,
    name: Option<String>,
    values: BTreeMap<String, String>,
) -> Answer<SignInStep> {
    let step = state.engine.connect_start(&connector, name.as_deref(), values, callback()).await?;
    Ok(opened(step))
}

/// Signs an account in again, the way its connector signs in; it keeps its albums and sites.
#[tauri::command]
#[specta::specta]
pub async fn reconnect_account(
    state: State<'_, AppState>,
    name: String,
    values: BTreeMap<String, String>,
) -> Answer<SignInStep> {
    Ok(opened(state.engine.reconnect_start(&name, values, callback()).await?))
}

/// The person's reply to the session's last step. A `Wait` returns once the service has
/// answered in the browser (or the sign-in timed out, or was stopped).
#[tauri::command]
#[specta::specta]
pub async fn connect_continue(
    state: State<'_, AppState>,
    session: u32,
    reply: Reply,
) -> Answer<SignInStep> {
    let waited = reply == Reply::Wait;
    match state.engine.connect_continue(session, reply).await {
        Ok(step) => Ok(opened(step)),
        Err(e) => {
            // A wait that failed (timed out, refused) keeps listening for a late approval.
            if waited && e.code != ErrorCode::Cancelled {
                cancel_in_background(&state.app, state.engine.clone(), session);
            }
            Err(e.into())
        }
    }
}

/// Stops a sign-in (Stop, or the dialog closed); returns at once.
#[tauri::command]
#[specta::specta]
pub fn connect_cancel(state: State<'_, AppState>, session: u32) {
    cancel_in_background(&state.app, state.engine.clone(), session);
}

/// Forgets an account, revoking Folio's access where the service can; says what happened.
#[tauri::command]
#[specta::specta]
pub async fn remove_account(state: State<'_, AppState>, name: String) -> Answer<String> {
    Ok(state.engine.remove_account(&name).await?)
}

/// What is in `path` of a source account (its top when empty).
#[tauri::command]
#[specta::specta]
pub async fn browse(
    state: State<'_, AppState>,
    account: String,
    path: String,
) -> Answer<Vec<BrowseRow>> {
    let entries = state.engine.browse(&account, &path).await?;
    Ok(entries
        .into_iter()
        .map(|e| BrowseRow {
            path: e.path,
            name: e.name,
            kind: e.kind.into(),
            count: e.count,
            preview: e.preview,
        })
        .collect())
}

/// A picture of an entry the picker listed with `preview` (a Canva design's thumbnail, a
/// Lightroom album's cover) and its count, asked for as its tile comes into view.
#[tauri::command]
#[specta::specta]
pub async fn browse_preview(
    state: State<'_, AppState>,
    account: String,
    path: String,
) -> Answer<PreviewRow> {
    let shown = state.engine.browse_preview(&account, &path).await?;
    Ok(PreviewRow { image: shown.image, count: shown.count })
}

/// A folder of a source account becomes an album that syncs to every connected site; returns
/// the album's name.
#[tauri::command]
#[specta::specta]
pub async fn add_album(
    state: State<'_, AppState>,
    account: String,
    location: String,
) -> Answer<String> {
    if account.trim().is_empty() || account.contains(['/', '\\', ':']) {
        return Err(IpcError {
            code: ErrorCode::Config,
            message: format!("'{account}' is not an account's name"),
        });
    }
    let sites: Vec<String> = state.engine.sites().await?.into_iter().map(|s| s.name).collect();
    let location = format!("{account}:{}", location.trim_end_matches('/'));
    let settings = folio_engine::AlbumSettings::default();
    let album = state.engine.add_album(Path::new(&location), &sites, settings).await?;
    state.albums_changed.notify_one();
    Ok(album.name)
}
