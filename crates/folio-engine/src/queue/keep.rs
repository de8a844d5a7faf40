//! The rendition that just went up becomes a version in the photo's history (history/), kept
//! under `history/<photo>/` in the data folder: the last few (5 unless the `history_keep`
//! setting says otherwise), once per version whatever the number of sites.

use crate::state::EngineState;
use crate::EngineError;
use folio_store::{Asset, NewVersion};

pub const KEEP_SETTING: &str = "history_keep";
const KEEP_DEFAULT: i64 = 5;

/// Keeps the rendition that just went to `site` as a version of the photo (once per version,
/// whatever the number of sites). A failure here costs the history, never the push.
pub async fn record(
    engine: &EngineState,
    asset: &Asset,
    preset_hash: &str,
    extension: &str,
    mime: &str,
    bytes: &[u8],
    site: &str,
) {
    if let Err(e) = try_record(engine, asset, preset_hash, extension, mime, bytes, site).await {
        let message =
            format!("{}: its version history was not kept: {}", asset.rel_path, e.message);
        let _ = engine.store.log(Some(asset.album_id), "warning", &message).await;
    }
}

async fn try_record(
    engine: &EngineState,
    asset: &Asset,
    preset_hash: &str,
    extension: &str,
    mime: &str,
    bytes: &[u8],
    site: &str,
) -> Result<(), EngineError> {
    let store = &engine.store;
    let first = store.versions(asset.id).await?.is_empty();
    let reason = if first { "first upload" } else { "changed in the folder" };
    let new = NewVersion {
        asset_id: asset.id,
        content_hash: &asset.content_hash,
        preset_hash,
        extension,
        mime,
        reason,
        site,
    };
    let (version, is_new) = store.record_version(&new).await?;
    if !is_new {
        return Ok(());
    }
    let path = engine.data_dir.join(&version.file);
    let dir = path.parent().expect("history/<asset>/<n>");
    let io = |e: std::io::Error| EngineError::io(format!("{}: {e}", path.display()));
    std::fs::create_dir_all(dir).map_err(io)?;
    std::fs::write(&path, bytes).map_err(io)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let history = engine.data_dir.join("history");
        let _ = std::fs::set_permissions(history, std::fs::Permissions::from_mode(0o700));
        let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
    }
    let keep = store
        .setting(KEEP_SETTING)
        .await?
        .and_then(|k| k.parse::<i64>().ok())
        .unwrap_or(KEEP_DEFAULT)
        .max(1);
    for old in store.prune_versions(asset.id, keep).await? {
        let _ = std::fs::remove_file(engine.data_dir.join(old));
    }
    Ok(())
}
