//! A photo's versions in the detail panel, and "Restore this version". The work is the engine's.

use crate::ipc::Answer;
use crate::AppState;
use folio_model::AssetId;
use serde::Serialize;
use specta::Type;
use tauri::State;

#[derive(Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PhotoVersion {
    pub version: u32,
    pub pushed_at: String,
    pub reason: String,
    pub sites: Vec<String>,
    pub format: String,
    pub restored_at: Option<String>,
}

#[derive(Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Restored {
    pub restored: Vec<String>,
    pub problems: Vec<String>,
}

/// The photo's versions, oldest first.
#[tauri::command]
#[specta::specta]
pub async fn photo_versions(
    state: State<'_, AppState>,
    asset_id: AssetId,
) -> Answer<Vec<PhotoVersion>> {
    let versions = state.engine.photo_versions(asset_id).await?;
    Ok(versions
        .into_iter()
        .map(|v| PhotoVersion {
            version: v.version as u32,
            pushed_at: v.pushed_at,
            reason: v.reason,
            sites: v.sites,
            format: v.format,
            restored_at: v.restored_at,
        })
        .collect())
}

/// Puts version `version` back on the sites that have the photo, in place.
#[tauri::command]
#[specta::specta]
pub async fn restore_version(
    state: State<'_, AppState>,
    asset_id: AssetId,
    version: u32,
) -> Answer<Restored> {
    let r = state.engine.restore_version(asset_id, version as i64).await?;
    Ok(Restored { restored: r.restored, problems: r.problems })
}
