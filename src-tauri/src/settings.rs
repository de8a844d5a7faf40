//! Album settings as the settings screen edits them.

use crate::ipc::IpcError;
use crate::AppState;
use folio_model::{OutputFormat, RawPair};
use serde::{Deserialize, Serialize};
use specta::Type;
use std::path::Path;
use tauri::State;

#[derive(Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AlbumSettingsForm {
    pub format: OutputFormat,
    pub quality: u8,
    pub max_edge: u32,
    pub naming: String,
    pub title: String,
    pub alt: String,
    pub caption: String,
    /// Delete photos from the sites when they are deleted from the folder (into the trash).
    pub delete_remote: bool,
    /// …and for good where a site has no trash.
    pub delete_permanently: bool,
    /// A raw and a JPEG of the same name side by side: which one goes up.
    pub raw_pair: RawPair,
    /// Alt text for new photos written by the AI account's vision model before their upload.
    pub ai_alt: bool,
    /// The locale alt text is written in where the sites do not say theirs ("" for English).
    pub alt_language: String,
}

#[tauri::command]
#[specta::specta]
pub async fn album_settings(
    state: State<'_, AppState>,
    root: String,
) -> Result<AlbumSettingsForm, IpcError> {
    // Reading the settings writes nothing and starts nothing.
    let s = state.engine.album_settings(Path::new(&root)).await?;
    Ok(AlbumSettingsForm {
        format: s.preset.format,
        quality: s.preset.quality,
        max_edge: s.preset.max_edge,
        naming: s.naming,
        title: s.title,
        alt: s.alt,
        caption: s.caption,
        delete_remote: s.delete_remote,
        delete_permanently: s.delete_permanently,
        raw_pair: s.raw_pair,
        ai_alt: s.ai_alt,
        alt_language: s.alt_language,
    })
}

#[tauri::command]
#[specta::specta]
pub async fn set_album_settings(
    state: State<'_, AppState>,
    root: String,
    form: AlbumSettingsForm,
) -> Result<(), IpcError> {
    let format = form.format;
    if !(1..=100).contains(&form.quality) || form.max_edge < 16 {
        return Err(IpcError {
            code: folio_model::ErrorCode::Config,
            message: "quality is 1–100 and the longest edge at least 16 px".into(),
        });
    }
    state
        .engine
        .update_album_settings(Path::new(&root), move |s| {
            s.preset.format = format;
            s.preset.quality = form.quality;
            s.preset.max_edge = form.max_edge;
            s.naming = form.naming;
            s.title = form.title;
            s.alt = form.alt;
            s.caption = form.caption;
            s.delete_remote = form.delete_remote || form.delete_permanently;
            s.delete_permanently = form.delete_permanently;
            s.raw_pair = form.raw_pair;
            s.ai_alt = form.ai_alt;
            s.alt_language = form.alt_language.trim().to_string();
        })
        .await?;
    Ok(())
}

/// A connected site and how this album uses it.
#[derive(Serialize, Deserialize, Type)]
pub struct AlbumTarget {
    pub site: String,
    /// off (not a target), auto (auto-sync pushes), manual (only "Sync now" pushes).
    pub mode: String,
}

#[tauri::command]
#[specta::specta]
pub async fn album_targets(
    state: State<'_, AppState>,
    root: String,
) -> Result<Vec<AlbumTarget>, IpcError> {
    let targets = state.engine.album_targets(Path::new(&root)).await?;
    Ok(targets
        .into_iter()
        .map(|(site, mode)| AlbumTarget {
            site,
            mode: match mode {
                None => "off",
                Some(true) => "auto",
                Some(false) => "manual",
            }
            .into(),
        })
        .collect())
}

#[tauri::command]
#[specta::specta]
pub async fn set_album_target(
    state: State<'_, AppState>,
    root: String,
    target: AlbumTarget,
) -> Result<(), IpcError> {
    let mode = match target.mode.as_str() {
        "off" => None,
        "auto" => Some(true),
        "manual" => Some(false),
        other => {
            return Err(IpcError {
                code: folio_model::ErrorCode::Config,
                message: format!("unknown mode {other}"),
            })
        }
    };
    state.engine.set_album_target(Path::new(&root), &target.site, mode).await?;
    Ok(())
}
