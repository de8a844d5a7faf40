//! The commands and events the web view uses. Types here are what crosses IPC (and what
//! ui/src/bindings.ts is generated from); the nouns (ids, states, formats, events, progress)
//! are folio-model's own types, and each command is a thin call into folio-engine.

use crate::AppState;
use folio_engine::{AlbumStatus, EngineError, SyncOptions};
use folio_model::{AlbumId, ErrorCode, ImageFormat, Progress, SiteId, SiteState, SyncEvent};
use serde::{Deserialize, Serialize};
use specta::Type;
use std::path::Path;
use tauri::State;

/// Every failure crosses IPC as `{code, message}`; the window branches on `code` (the
/// engine's own), never on the message.
#[derive(Debug, Serialize, Type)]
pub struct IpcError {
    pub code: ErrorCode,
    pub message: String,
}

impl From<EngineError> for IpcError {
    fn from(e: EngineError) -> Self {
        IpcError { code: e.code, message: e.message }
    }
}

pub type Answer<T> = Result<T, IpcError>;

/// The engine's events, forwarded as they are (the `engine-event` event).
#[derive(Debug, Clone, Serialize, Deserialize, Type, tauri_specta::Event)]
#[serde(transparent)]
pub struct EngineEvent(pub SyncEvent);

#[derive(Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub version: String,
    pub data_dir: String,
    pub auto_sync_paused: bool,
}

#[derive(Serialize, Type)]
pub struct FailedPhoto {
    pub path: String,
    pub error: String,
}

/// A target site of an album, and what it got.
#[derive(Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AlbumSite {
    pub id: SiteId,
    pub name: String,
    pub state: SiteState,
    /// The file type most photos went up as (webp, avif, jpg, …).
    pub format: Option<String>,
    /// Why it gets another type than the album asks for.
    pub note: Option<String>,
    pub replace_in_place: bool,
    /// A re-edit keeps the item (its URL may change: `replace_in_place` says it stays).
    pub replace_keeps_id: bool,
    /// The site keeps alt text only, no title or caption (Shopify).
    pub alt_text_only: bool,
}

#[derive(Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AlbumRow {
    pub id: AlbumId,
    pub name: String,
    pub root: String,
    /// Where its photos come from, for people: its connector's label ("Folder", …).
    pub source: String,
    pub sites: Vec<AlbumSite>,
    pub photos: u32,
    pub synced: u32,
    pub pending: u32,
    pub failed: Vec<FailedPhoto>,
    /// Photos gone from the folder all at once, not taken as deleted until the user confirms.
    pub held_removals: u32,
    /// The source asked Folio to wait (a spent daily export limit): not asked before then.
    pub rate_limited_until: Option<String>,
    /// Its images are generated in Folio (the Generate form shows).
    pub generated: bool,
}

#[derive(Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SiteRow {
    pub id: SiteId,
    pub name: String,
    /// Its connector's id.
    pub connector: String,
    pub url: String,
    /// A changed photo keeps its URL (WordPress: the companion plugin).
    pub replace_in_place: bool,
    /// A changed photo keeps its item on the site (and maybe not its URL).
    pub replace_keeps_id: bool,
    /// What a re-edit does there, in words.
    pub replace_words: String,
    pub formats: Vec<ImageFormat>,
    /// Backend facts in words ("companion plugin 1.0.0").
    pub notes: Vec<String>,
    /// Largest upload, when the site says, in MB.
    pub max_upload_mb: Option<u32>,
    pub state: SiteState,
    /// Why it is not ok.
    pub error: Option<String>,
}

#[derive(Serialize, Type)]
pub struct RejectedDrop {
    pub path: String,
    pub reason: String,
}

#[derive(Serialize, Type)]
pub struct AddedFolders {
    pub added: Vec<String>,
    pub rejected: Vec<RejectedDrop>,
}

#[derive(Serialize, Type)]
pub struct SyncSummary {
    pub uploaded: u32,
    pub replaced: u32,
    pub unchanged: u32,
    pub failed: u32,
}

#[derive(Serialize, Type)]
pub struct ActivityRow {
    pub at: String,
    pub level: String,
    pub message: String,
}

#[derive(Serialize, Type)]
pub struct PatternPreview {
    pub path: String,
    pub result: String,
}

fn album_row(
    s: AlbumStatus,
    sites: &[folio_engine::SiteSummary],
    source: String,
    generated: bool,
) -> AlbumRow {
    AlbumRow {
        generated,
        id: s.id,
        name: s.album,
        root: s.root,
        source,
        sites: s
            .sites
            .into_iter()
            .map(|t| AlbumSite {
                replace_in_place: sites
                    .iter()
                    .any(|x| x.id == t.id && x.capabilities.replace_in_place),
                replace_keeps_id: sites
                    .iter()
                    .any(|x| x.id == t.id && x.capabilities.replace_keeps_id),
                alt_text_only: sites.iter().any(|x| {
                    x.id == t.id && !x.capabilities.fields.contains(&folio_engine::TextField::Title)
                }),
                id: t.id,
                name: t.name,
                state: t.state,
                format: t.format,
                note: t.note,
            })
            .collect(),
        photos: s.photos as u32,
        synced: s.synced as u32,
        pending: s.pending as u32,
        failed: s
            .failed
            .into_iter()
            .map(|f| FailedPhoto { path: f.path, error: f.error })
            .collect(),
        held_removals: s.held_removals as u32,
        rate_limited_until: s.until,
    }
}

#[tauri::command]
#[specta::specta]
pub async fn app_info(state: State<'_, AppState>) -> Answer<AppInfo> {
    Ok(AppInfo {
        version: env!("CARGO_PKG_VERSION").into(),
        data_dir: state.data_dir.display().to_string(),
        auto_sync_paused: state.engine.auto_sync_paused().await?,
    })
}

#[tauri::command]
#[specta::specta]
pub async fn albums(state: State<'_, AppState>) -> Answer<Vec<AlbumRow>> {
    let sites = state.engine.sites().await?;
    let connectors = state.engine.connectors();
    let albums = state.engine.albums().await?;
    let source = |id: AlbumId| {
        let kind = albums.iter().find(|a| a.id == id).map_or("folder", |a| a.source.as_str());
        let label = connectors.iter().find(|c| c.id == kind).map(|c| c.label.clone());
        label.unwrap_or_else(|| kind.to_string())
    };
    Ok(state
        .engine
        .status()
        .await?
        .into_iter()
        .map(|s| {
            let source = source(s.id);
            let kind = albums.iter().find(|a| a.id == s.id).map_or("folder", |a| a.source.as_str());
            let generated = state.engine.makes_items(kind);
            album_row(s, &sites, source, generated)
        })
        .collect())
}

/// The engine's progress model now (events carry it as it changes).
#[tauri::command]
#[specta::specta]
pub fn progress(state: State<'_, AppState>) -> Progress {
    state.engine.progress()
}

#[tauri::command]
#[specta::specta]
pub async fn sites(state: State<'_, AppState>) -> Answer<Vec<SiteRow>> {
    Ok(state.engine.sites().await?.into_iter().map(site_row).collect())
}

pub(crate) fn site_row(s: folio_engine::SiteSummary) -> SiteRow {
    SiteRow {
        id: s.id,
        name: s.name,
        connector: s.kind,
        url: s.url,
        replace_in_place: s.capabilities.replace_in_place,
        replace_keeps_id: s.capabilities.replace_keeps_id,
        replace_words: s.capabilities.replace_words().to_string(),
        formats: s.capabilities.formats,
        notes: s.capabilities.notes,
        max_upload_mb: s.capabilities.max_upload_bytes.map(|b| (b / (1024 * 1024)) as u32),
        state: s.state,
        error: s.error,
    }
}

#[tauri::command]
#[specta::specta]
pub async fn test_site(state: State<'_, AppState>, name: String) -> Answer<SiteRow> {
    Ok(site_row(state.engine.recheck_site(&name).await?))
}

/// Asks where to save the WordPress companion plugin (the system's save dialog, opened here so
/// that the web view cannot name a path of its own) and writes it there. `None` when the user
/// cancelled.
#[tauri::command]
#[specta::specta]
pub async fn save_companion_plugin(app: tauri::AppHandle) -> Answer<Option<String>> {
    use tauri_plugin_dialog::DialogExt;
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_file_name("folio-companion.zip")
        .set_title("Save the WordPress companion plugin")
        .add_filter("Zip", &["zip"])
        .save_file(move |chosen| {
            let _ = tx.send(chosen);
        });
    let Some(chosen) = rx.await.ok().flatten() else { return Ok(None) };
    let path = chosen
        .into_path()
        .map_err(|e| IpcError { code: ErrorCode::Io, message: format!("not a file path: {e}") })?;
    std::fs::write(&path, folio_engine::companion_plugin_zip()).map_err(|e| IpcError {
        code: ErrorCode::Io,
        message: format!("could not save {}: {e}", path.display()),
    })?;
    Ok(Some(path.display().to_string()))
}

/// Why a dropped path cannot become an album, in words for the drop overlay; `None` if it can.
pub fn drop_problem(path: &Path) -> Option<String> {
    // Only what the OS delivers (full paths); an account's folder (`ACCOUNT:/…`) is added
    // through the picker, never as a dropped "folder".
    if !path.is_absolute() {
        return Some("is not a folder on this computer.".into());
    }
    if path.is_dir() {
        return None;
    }
    Some(if path.is_file() {
        "is a file. Drop the folder that holds your exported photos instead, so new exports \
         are picked up too."
            .into()
    } else {
        "cannot be opened (it may have been moved or be on a disconnected drive).".into()
    })
}

/// Dropped or chosen folders become albums that sync to every connected site.
#[tauri::command]
#[specta::specta]
pub async fn add_folders(state: State<'_, AppState>, paths: Vec<String>) -> Answer<AddedFolders> {
    let sites: Vec<String> = state.engine.sites().await?.into_iter().map(|s| s.name).collect();
    let mut out = AddedFolders { added: Vec::new(), rejected: Vec::new() };
    for path in paths {
        if let Some(reason) = drop_problem(Path::new(&path)) {
            out.rejected.push(RejectedDrop { path, reason });
            continue;
        }
        let settings = folio_engine::AlbumSettings::default();
        match state.engine.add_album(Path::new(&path), &sites, settings).await {
            Ok(album) => out.added.push(album.name),
            Err(e) => out.rejected.push(RejectedDrop { path, reason: e.message }),
        }
    }
    if !out.added.is_empty() {
        state.albums_changed.notify_one();
    }
    Ok(out)
}

/// The photos that vanished from an album all at once were removed on purpose.
#[tauri::command]
#[specta::specta]
pub async fn confirm_removals(state: State<'_, AppState>, root: String) -> Answer<u32> {
    Ok(state.engine.confirm_removals(Path::new(&root)).await? as u32)
}

#[tauri::command]
#[specta::specta]
pub async fn sync_now(state: State<'_, AppState>) -> Answer<SyncSummary> {
    let r = state.engine.sync(SyncOptions { retry_now: true, auto: false }).await?;
    Ok(SyncSummary {
        uploaded: r.uploaded as u32,
        replaced: r.replaced as u32,
        unchanged: r.unchanged as u32,
        failed: r.failed.len() as u32,
    })
}

#[tauri::command]
#[specta::specta]
pub async fn set_auto_sync_paused(state: State<'_, AppState>, paused: bool) -> Answer<()> {
    Ok(state.engine.set_auto_sync_paused(paused).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn activity(state: State<'_, AppState>, limit: u32) -> Answer<Vec<ActivityRow>> {
    let rows = state.engine.activity(limit).await?;
    Ok(rows
        .into_iter()
        .map(|a| ActivityRow { at: a.at, level: a.level, message: a.message })
        .collect())
}

#[tauri::command]
#[specta::specta]
pub async fn preview_pattern(
    state: State<'_, AppState>,
    root: String,
    pattern: String,
) -> Answer<Vec<PatternPreview>> {
    let previews = state.engine.preview_pattern(Path::new(&root), &pattern, 6).await?;
    Ok(previews.into_iter().map(|(path, result)| PatternPreview { path, result }).collect())
}

#[cfg(test)]
mod tests {
    use super::drop_problem;

    #[test]
    fn a_dropped_file_is_explained_and_a_folder_is_accepted() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("IMG_0001.jpg");
        std::fs::write(&file, b"x").unwrap();
        assert_eq!(drop_problem(dir.path()), None);
        assert!(drop_problem(&file).unwrap().contains("Drop the folder"));
        assert!(drop_problem(&dir.path().join("gone")).unwrap().contains("cannot be opened"));
    }
}
