//! Brings an album's photos in the store in line with its source: new, changed, renamed and
//! removed photos, from what the source says changed. A renamed or moved photo keeps its row
//! (and so its publications): it is matched by content.

use crate::clock;
use crate::pipeline::report::FailedPhoto;
use crate::state::EngineState;
use crate::EngineError;
use folio_model::{PhotoErrorCode, SiteState, SyncEvent};
use folio_sources::{Changes, Known, Source, SourceErrorKind};
use folio_store::{Album, Asset, AssetState, NewAsset};
use std::collections::{HashMap, HashSet};

/// How long an album waits when its source is rate limited without saying until when.
const DEFAULT_PAUSE: std::time::Duration = std::time::Duration::from_secs(3600);

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
    let Some(changes) = look(engine, album, source, &known, &mut out).await? else {
        return Ok(out);
    };
    for place in &changes.incomplete {
        out.problems.push(format!(
            "{}: could not read {place}; nothing is removed until it can be",
            album.name
        ));
    }
    let mut vanished = record_changes(engine, album, &rows, &changes).await?;
    for path in &changes.settling {
        engine.emit(SyncEvent::Settling { album: album.id, path: path.clone() });
    }
    for (path, error) in &changes.unreadable {
        out.failed.push(FailedPhoto {
            path: path.clone(),
            error: format!("cannot be read: {error}"),
            code: PhotoErrorCode::Unreadable,
        });
    }
    let held = hold_suspect_removals(engine, album, &mut vanished, known.len(), &mut out).await?;
    out.removed = remove_vanished(engine, album, vanished).await?;
    if changes.cursor.is_some() && changes.cursor != album.source_cursor {
        store.set_album_cursor(album.id, changes.cursor.as_deref()).await?;
    }
    // Unreadable and held photos are not worked on: their files cannot be read now.
    let mut skip: HashSet<&str> = changes.unreadable.iter().map(|(p, _)| p.as_str()).collect();
    skip.extend(held.iter().map(|a| a.rel_path.as_str()));
    for asset in pair_halves_handed_over(engine, album).await? {
        match asset.state {
            AssetState::Present if !skip.contains(asset.rel_path.as_str()) => {
                out.current.push(asset)
            }
            AssetState::Failed => out.failed.push(FailedPhoto {
                path: asset.rel_path.clone(),
                error: asset.error.clone().unwrap_or_default(),
                code: PhotoErrorCode::parse(asset.error_code.as_deref()),
            }),
            _ => {}
        }
    }
    Ok(out)
}

/// What changed in the source, or `None` when it could not be asked (then `out.problems` says
/// why): an album whose source asked Folio to wait is not asked before then.
async fn look(
    engine: &EngineState,
    album: &Album,
    source: &dyn Source,
    known: &HashMap<String, Known>,
    out: &mut Reconciled,
) -> Result<Option<Changes>, EngineError> {
    let store = &engine.store;
    if let Some(until) = album.paused_until.as_deref().filter(|u| *u > clock::utc_now().as_str()) {
        out.problems.push(format!("{}: rate limited until {until}", album.name));
        return Ok(None);
    }
    match source.changes(album.source_cursor.as_deref(), known).await {
        Ok(changes) => {
            if album.paused_until.is_some() {
                store.set_album_paused(album.id, None).await?;
            }
            Ok(Some(changes))
        }
        Err(e) if e.kind == SourceErrorKind::RateLimited => {
            let until = clock::utc_in(e.retry_after.unwrap_or(DEFAULT_PAUSE));
            store.set_album_paused(album.id, Some(&until)).await?;
            let message = format!("{}: {}; rate limited until {until}", album.name, e.message);
            store.log(Some(album.id), "warning", &message).await?;
            out.problems.push(message);
            Ok(None)
        }
        Err(e) => {
            // The account's card and `account list` say it once, beside its albums' problems.
            if let (SourceErrorKind::Reconnect, Some(account)) = (e.kind, album.account_id) {
                store.set_account_state(account, SiteState::Reconnect, Some(&e.message)).await?;
            }
            // Nothing is read, nothing removed: an unplugged drive is not an emptied album.
            out.problems.push(format!("{}: {}", album.name, e.message));
            Ok(None)
        }
    }
}

/// Records new and changed photos; a photo that reappears under another path with the content
/// of one that vanished is that photo, moved. Returns the photos that vanished.
async fn record_changes(
    engine: &EngineState,
    album: &Album,
    rows: &[Asset],
    changes: &Changes,
) -> Result<Vec<Asset>, EngineError> {
    let store = &engine.store;
    let by_path: HashMap<&str, &Asset> = rows.iter().map(|a| (a.rel_path.as_str(), a)).collect();
    let mut vanished: Vec<Asset> = changes
        .removed
        .iter()
        .filter_map(|p| by_path.get(p.as_str()).copied())
        .filter(|a| a.state != AssetState::Missing)
        .cloned()
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
    Ok(vanished)
}

/// Photos that all vanish at once are more likely an unplugged drive (its mount point left
/// behind) or a folder emptied by mistake than deletions: they are held (taken out of
/// `vanished` and returned) until the user says so.
async fn hold_suspect_removals(
    engine: &EngineState,
    album: &Album,
    vanished: &mut Vec<Asset>,
    known: usize,
    out: &mut Reconciled,
) -> Result<Vec<Asset>, EngineError> {
    let store = &engine.store;
    let held: Vec<Asset> = if removal_is_suspect(vanished.len(), known) && !album.removals_confirmed
    {
        std::mem::take(vanished)
    } else {
        Vec::new()
    };
    if held.len() as i64 != album.held_removals {
        store.set_held_removals(album.id, held.len() as i64).await?;
        if !held.is_empty() {
            let message = format!(
                "{}: {} of its {} photos are gone from the folder at once (an unplugged drive, an \
                 emptied folder?). Nothing is taken as deleted until you confirm they were \
                 removed on purpose: folio album confirm-removals \"{}\", or in the app",
                album.name,
                held.len(),
                known,
                album.root
            );
            store.log(Some(album.id), "warning", &message).await?;
        }
    } else if album.removals_confirmed && held.is_empty() {
        store.set_held_removals(album.id, 0).await?;
    }
    if !held.is_empty() {
        out.problems.push(format!(
            "{}: {} photos are gone at once; nothing is deleted until you confirm",
            album.name,
            held.len()
        ));
    }
    Ok(held)
}

/// Photos deleted from the album. A deleted half of a RAW+JPEG pair leaves its site copies to
/// the other half, which replaces them in place rather than going up beside them.
async fn remove_vanished(
    engine: &EngineState,
    album: &Album,
    vanished: Vec<Asset>,
) -> Result<Vec<Asset>, EngineError> {
    let store = &engine.store;
    let leaving: HashSet<folio_model::AssetId> = vanished.iter().map(|a| a.id).collect();
    let settings: folio_model::AlbumSettings =
        serde_json::from_str(&album.settings).unwrap_or_default();
    let now = if vanished.is_empty() { Vec::new() } else { store.assets(album.id).await? };
    for gone in &vanished {
        if let Some(other) = crate::pipeline::pairs::other_half(gone, &now, &leaving) {
            if store.hand_over_publications(gone.id, other.id).await? > 0 {
                let message = format!(
                    "{} now goes up in place of {}, deleted from the album",
                    other.rel_path, gone.rel_path
                );
                store.log(Some(album.id), "info", &message).await?;
            }
        }
        // Under the album's delete policy its copies are owed a removal from now on, carried
        // out by this pass or, for a site that is paused, by the first pass it can take part in.
        store.mark_missing(gone.id, settings.delete_remote).await?;
        store.drop_jobs(gone.id).await?;
        let message = format!("{} was deleted from the album", gone.rel_path);
        store.log(Some(album.id), "info", &message).await?;
    }
    Ok(vanished)
}

/// The album's photos less the left-out half of each RAW+JPEG pair, whose copies on the sites
/// (a raw published before its JPEG arrived, or before the setting changed) pass to the half
/// kept, to be replaced in place.
async fn pair_halves_handed_over(
    engine: &EngineState,
    album: &Album,
) -> Result<Vec<Asset>, EngineError> {
    let store = &engine.store;
    let settings: folio_model::AlbumSettings =
        serde_json::from_str(&album.settings).unwrap_or_default();
    let assets = store.assets(album.id).await?;
    let (kept, handed) = crate::pipeline::pairs::split_pairs(assets.clone(), settings.raw_pair);
    if handed.is_empty() {
        return Ok(kept);
    }
    let mut busy: HashSet<folio_model::AssetId> =
        store.album_publications(album.id).await?.into_iter().map(|p| p.asset_id).collect();
    busy.extend(store.album_jobs(album.id).await?.into_iter().map(|j| j.asset_id));
    let path = |id| assets.iter().find(|a| a.id == id).map(|a| a.rel_path.as_str()).unwrap_or("");
    for (out, to) in handed.into_iter().filter(|(out, _)| busy.contains(out)) {
        if store.hand_over_publications(out, to).await? > 0 {
            let message = format!("{} now goes up in place of {}", path(to), path(out));
            store.log(Some(album.id), "info", &message).await?;
        }
    }
    Ok(kept)
}

/// A look that finds the album suddenly empty, or a fifth of it (and at least 10 photos) gone.
fn removal_is_suspect(gone: usize, known: usize) -> bool {
    (gone > 0 && gone == known) || (gone >= 10 && gone * 5 > known)
}

#[cfg(test)]
mod tests {
    use super::removal_is_suspect;

    #[test]
    fn an_emptied_album_or_a_big_loss_is_suspect_and_a_few_deletions_are_not() {
        assert!(removal_is_suspect(12, 12), "everything gone");
        assert!(removal_is_suspect(1, 1), "the only photo gone");
        assert!(removal_is_suspect(30, 100), "30% at once");
        assert!(!removal_is_suspect(20, 100), "20% is not more than a fifth");
        assert!(!removal_is_suspect(9, 12), "fewer than 10");
        assert!(!removal_is_suspect(0, 0));
    }
}
