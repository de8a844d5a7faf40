//! The Dropbox commands: sign in through the browser, browse folders, add one as an album,
//! sign out. The work is the engine's; the pending sign-in is kept here between `dropbox_sign_in`
//! (which opens the browser and returns the address, shown too in case no browser opens) and
//! `dropbox_wait`.

use crate::ipc::{Answer, IpcError};
use crate::AppState;
use serde::Serialize;
use specta::Type;
use std::path::Path;
use tauri::State;

#[derive(Serialize, Type)]
pub struct DropboxAccount {
    pub connected: bool,
    pub name: Option<String>,
    pub email: Option<String>,
}

#[derive(Serialize, Type)]
pub struct DropboxFolder {
    pub name: String,
    pub path: String,
}

fn account(a: folio_engine::DropboxAccount) -> DropboxAccount {
    DropboxAccount { connected: a.connected, name: a.name, email: a.email }
}

#[tauri::command]
#[specta::specta]
pub async fn dropbox_status(state: State<'_, AppState>) -> Answer<DropboxAccount> {
    Ok(account(state.engine.dropbox_status().await?))
}

/// Starts a sign-in, opens Dropbox's page in the browser and returns its address.
#[tauri::command]
#[specta::specta]
pub async fn dropbox_sign_in(state: State<'_, AppState>) -> Answer<String> {
    let sign_in = state.engine.dropbox_sign_in().await?;
    let url = sign_in.url.clone();
    // A second click replaces the first sign-in (its listener closes with it).
    *state.dropbox_sign_in.lock().await = Some(sign_in);
    let opening = url.clone();
    drop(tauri::async_runtime::spawn_blocking(move || folio_engine::open_in_browser(&opening)));
    Ok(url)
}

/// Waits for the browser to come back from Dropbox, then keeps the sign-in.
#[tauri::command]
#[specta::specta]
pub async fn dropbox_wait(state: State<'_, AppState>) -> Answer<DropboxAccount> {
    let pending = state.dropbox_sign_in.lock().await.take().ok_or_else(|| IpcError {
        code: "config".into(),
        message: "no Dropbox sign-in is under way; press Connect Dropbox".into(),
    })?;
    let signed_in = state.engine.dropbox_finish(pending, folio_engine::SIGN_IN_TIMEOUT).await?;
    Ok(account(signed_in))
}

#[tauri::command]
#[specta::specta]
pub async fn dropbox_folders(
    state: State<'_, AppState>,
    path: String,
) -> Answer<Vec<DropboxFolder>> {
    let folders = state.engine.dropbox_folders(&path).await?;
    Ok(folders.into_iter().map(|f| DropboxFolder { name: f.name, path: f.path }).collect())
}

/// A Dropbox folder becomes an album that syncs to every connected site; returns its name.
#[tauri::command]
#[specta::specta]
pub async fn add_dropbox_folder(state: State<'_, AppState>, path: String) -> Answer<String> {
    let sites: Vec<String> = state.engine.sites().await?.into_iter().map(|s| s.name).collect();
    let location = format!("dropbox:{}", path.trim_end_matches('/'));
    let settings = folio_engine::AlbumSettings::default();
    let album = state.engine.add_album(Path::new(&location), &sites, settings).await?;
    state.albums_changed.notify_one();
    Ok(album.name)
}

#[tauri::command]
#[specta::specta]
pub async fn dropbox_logout(state: State<'_, AppState>) -> Answer<bool> {
    Ok(state.engine.dropbox_logout().await?)
}
