//! Brings an album's photos in the store in line with its source: new, changed, renamed and
//! removed photos, from what the source says changed. A renamed or moved photo keeps its row
//! (and so its publications): it is matched by content.

use crate::report::FailedPhoto;
use crate::state::EngineState;
use crate::EngineError;
use folio_model::SyncEvent;
use folio_sources::{Known, Source};
use folio_store::{Album, Asset, AssetState, NewAsset};
use std::collections::HashMap;

#[derive(Debug, Default)]
pub struct Reconciled {
    /// Photos to publish, in album order.
    pub current: Vec<Asset>,
    /// Photos that left the album in this look.
    pub removed: Vec<Asset>,
    /// Photos that cannot be published as they are (with why).
    pub failed: Vec<FailedPhoto>,
    /// Why the album could not be looked at (fully), in words.
    pub problems: Vec<String>,
}

pub async fn reconcile(
    engine: &EngineState,
    album: &Album,
    source: &dyn Source,
) -> Result<Reconciled, EngineError> {
    let store = &engine.store;
    let rows = store.assets(album.id).await?;
    let known: HashMap<String, Known> = rows
        .iter()
        .filter(|a| a.state != AssetState::Missing)
        .map(|a| {
            let k = Known {
                size: a.size as u64,
                modified_ns: a.mtime_ns,
                content_hash: a.content_hash.clone(),
            };
            (a.rel_path.clone(), k)
        })
        .collect();
    let mut out = Reconciled::default();
    let changes = match source.changes(album.source_cursor.as_deref(), &known).await {
        Ok(c) => c,
        Err(e) => {
            // Nothing is read, nothing removed: an unplugged drive is not an emptied album.
            out.problems.push(format!("{}: {}", album.name, e.message));
            return Ok(out);
        }
    };
    for place in &changes.incomplete {
        out.problems.push(format!(
            "{}: could not read {place}; nothing is removed until it can be",
            album.name
        ));
    }
    let by_path: HashMap<&str, &Asset> = rows.iter().map(|a| (a.rel_path.as_str(), a)).collect();
    let mut vanished: Vec<&Asset> = changes
        .removed
        .iter()
        .filter_map(|p| by_path.get(p.as_str()).copied())
        .filter(|a| a.state != AssetState::Missing)
        .collect();
    for item in &changes.changed {
        let new_here =
            by_path.get(item.path.as_str()).is_none_or(|a| a.state == AssetState::Missing);
        if new_here {
            if let Some(i) = vanished.iter().position(|a| a.content_hash == item.content_hash) {
                // Renamed or moved inside the album: keep the photo and its publications.
                let moved = vanished.remove(i);
                store.move_asset(moved.id, &item.path, item.modified_ns).await?;
                continue;
            }
        }
        let row = NewAsset {
            rel_path: &item.path,
            size: item.size as i64,
            mtime_ns: item.modified_ns,
            content_hash: &item.content_hash,
            state: AssetState::Present,
            error: None,
        };
        store.put_asset(album.id, &row).await?;
    }
    for path in &changes.settling {
        engine.emit(SyncEvent::Settling { album: album.id, path: path.clone() });
    }
    for (path, error) in &changes.unreadable {
        out.failed
            .push(FailedPhoto { path: path.clone(), error: format!("cannot be read: {error}") });
    }
    for gone in vanished {
        store.mark_missing(gone.id).await?;
        store.drop_jobs(gone.id).await?;
        let message = format!("{} was deleted from the album", gone.rel_path);
        store.log(Some(album.id), "info", &message).await?;
        out.removed.push(gone.clone());
    }
    if changes.cursor.is_some() && changes.cursor != album.source_cursor {
        store.set_album_cursor(album.id, changes.cursor.as_deref()).await?;
    }
    let unreadable: Vec<&str> = changes.unreadable.iter().map(|(p, _)| p.as_str()).collect();
    for asset in store.assets(album.id).await? {
        match asset.state {
            AssetState::Present if !unreadable.contains(&asset.rel_path.as_str()) => {
                out.current.push(asset)
            }
            AssetState::Failed => out.failed.push(FailedPhoto {
                path: asset.rel_path.clone(),
                error: asset.error.clone().unwrap_or_default(),
            }),
            _ => {}
        }
    }
    Ok(out)
}
