//! Brings the asset table in line with an album folder: new, changed, renamed and deleted
//! photos. Only files whose size or mtime changed are read, and only once they have stopped
//! changing (a Lightroom export or a sync client may still be writing them).

use crate::events::SyncEvent;
use crate::scan::{scan, SeenFile};
use crate::sync::{store_err, FailedPhoto, SyncReport, Target};
use crate::{EngineError, ErrorCode};
use folio_convert::ConvertPool;
use folio_store::{Album, Asset, AssetState, NewAsset, PublicationState, Store};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, SystemTime};

/// A new or changed file is read only once its size and mtime have held still this long.
pub const SETTLE: Duration = Duration::from_millis(1000);
/// How long one pass waits for files that keep changing before leaving them for the next one.
const SETTLE_PATIENCE: Duration = Duration::from_secs(30);

pub struct Reconciled {
    /// Photos to publish, in folder order.
    pub current: Vec<Asset>,
    /// Photos whose file is gone.
    pub removed: Vec<Asset>,
}

pub async fn reconcile(
    store: &Store,
    pool: &ConvertPool,
    album: &Album,
    report: &mut SyncReport,
    on_event: &(dyn Fn(SyncEvent) + Sync),
) -> Result<Reconciled, EngineError> {
    let root = Path::new(&album.root);
    let seen = scan(root).map_err(|e| EngineError::config(format!("album {}: {e}", album.name)))?;
    let known = store.assets(album.id).await.map_err(store_err)?;
    let by_path: HashMap<&str, &Asset> = known.iter().map(|a| (a.rel_path.as_str(), a)).collect();
    let seen_paths: HashSet<&str> = seen.iter().map(|f| f.rel_path.as_str()).collect();
    // Assets whose file is gone: candidates for a rename before they count as removed.
    let mut vanished: Vec<&Asset> = known
        .iter()
        .filter(|a| !seen_paths.contains(a.rel_path.as_str()) && a.state != AssetState::Missing)
        .collect();

    let mut current = Vec::new();
    let mut changed = Vec::new();
    for file in seen {
        match by_path.get(file.rel_path.as_str()) {
            Some(a) if unchanged(a, &file) => match a.state {
                AssetState::Failed => report.failed.push(FailedPhoto {
                    path: a.rel_path.clone(),
                    error: a.error.clone().unwrap_or_default(),
                }),
                _ => current.push((*a).clone()),
            },
            _ => changed.push(file),
        }
    }
    let (ready, unsettled) = settle(changed).await;
    for file in unsettled {
        on_event(SyncEvent::Settling { album: album.name.clone(), path: file.rel_path.clone() });
        // Keep a known photo published as it was until its new version is whole.
        if let Some(a) = by_path.get(file.rel_path.as_str()) {
            current.push((*a).clone());
        }
    }
    for file in ready {
        let hash = hash_file(pool, &file).await?;
        if !by_path.contains_key(file.rel_path.as_str()) {
            if let Some(i) = vanished.iter().position(|a| a.content_hash == hash) {
                // Renamed or moved inside the album: keep the asset and its publications.
                let moved = vanished.remove(i);
                store
                    .move_asset(moved.id, &file.rel_path, file.mtime_ns)
                    .await
                    .map_err(store_err)?;
                current.push(Asset {
                    rel_path: file.rel_path.clone(),
                    mtime_ns: file.mtime_ns,
                    ..moved.clone()
                });
                continue;
            }
        }
        let new = NewAsset {
            rel_path: &file.rel_path,
            size: file.size as i64,
            mtime_ns: file.mtime_ns,
            content_hash: &hash,
            state: AssetState::Present,
            error: None,
        };
        current.push(store.put_asset(album.id, &new).await.map_err(store_err)?);
    }
    current.sort_by(|a, b| a.rel_path.cmp(&b.rel_path));
    let mut removed = Vec::new();
    for gone in vanished {
        store.mark_missing(gone.id).await.map_err(store_err)?;
        store.drop_jobs(gone.id).await.map_err(store_err)?;
        store
            .log(Some(album.id), "info", &format!("{} was deleted from the folder", gone.rel_path))
            .await
            .map_err(store_err)?;
        report.removed += 1;
        removed.push(gone.clone());
    }
    Ok(Reconciled { current, removed })
}

fn unchanged(a: &Asset, file: &SeenFile) -> bool {
    a.size == file.size as i64 && a.mtime_ns == file.mtime_ns && a.state != AssetState::Missing
}

fn age(file: &SeenFile) -> Duration {
    let mtime = SystemTime::UNIX_EPOCH + Duration::from_nanos(file.mtime_ns.max(0) as u64);
    // A future mtime (clock skew, a camera card) counts as just written.
    SystemTime::now().duration_since(mtime).unwrap_or(Duration::ZERO)
}

/// Splits changed files into those whose size and mtime held still for [`SETTLE`] and those
/// still being written after [`SETTLE_PATIENCE`].
async fn settle(mut files: Vec<SeenFile>) -> (Vec<SeenFile>, Vec<SeenFile>) {
    let mut ready = Vec::new();
    let started = tokio::time::Instant::now();
    loop {
        let (old, young): (Vec<_>, Vec<_>) = files.into_iter().partition(|f| age(f) >= SETTLE);
        ready.extend(old);
        if young.is_empty() || started.elapsed() >= SETTLE_PATIENCE {
            return (ready, young);
        }
        let wait = young.iter().map(|f| SETTLE.saturating_sub(age(f))).max().unwrap_or(SETTLE);
        tokio::time::sleep(wait).await;
        // Whatever changed meanwhile is re-read with its new size and mtime and waits again.
        files = young
            .into_iter()
            .filter_map(|f| {
                let meta = std::fs::metadata(&f.path).ok()?;
                let mtime_ns = meta
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_nanos() as i64);
                Some(SeenFile { size: meta.len(), mtime_ns, ..f })
            })
            .collect();
    }
}

/// The album's delete policy says a photo deleted from the folder goes from the sites too.
pub async fn delete_remote_copies(
    store: &Store,
    removed: &[Asset],
    targets: &[Target],
    report: &mut SyncReport,
) -> Result<(), EngineError> {
    for asset in removed {
        for target in targets {
            let Some(p) =
                store.current_publication(asset.id, target.site.id).await.map_err(store_err)?
            else {
                continue;
            };
            let Some(remote_id) = p.remote_id else { continue };
            match target.destination.delete(remote_id as u64).await {
                Ok(()) => store
                    .set_publication_state(p.id, PublicationState::Deleted)
                    .await
                    .map_err(store_err)?,
                Err(e) if e.code == folio_sites::SiteErrorCode::NotFound => store
                    .set_publication_state(p.id, PublicationState::Deleted)
                    .await
                    .map_err(store_err)?,
                Err(e) => report.failed.push(FailedPhoto {
                    path: asset.rel_path.clone(),
                    error: format!("deleting from {}: {}", target.site.name, e.message),
                }),
            }
        }
    }
    Ok(())
}

async fn hash_file(pool: &ConvertPool, file: &SeenFile) -> Result<String, EngineError> {
    let path = file.path.clone();
    let hashed =
        pool.spawn(move || std::fs::read(&path).map(|b| folio_convert::content_hash(&b))).await;
    match hashed {
        Ok(Ok(h)) => Ok(h),
        Ok(Err(e)) => {
            Err(EngineError::new(ErrorCode::Io, format!("reading {}: {e}", file.rel_path)))
        }
        Err(e) => Err(EngineError::new(ErrorCode::Io, e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(path: &Path) -> SeenFile {
        let meta = std::fs::metadata(path).unwrap();
        let mtime_ns =
            meta.modified().unwrap().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_nanos()
                as i64;
        SeenFile { rel_path: "a.jpg".into(), path: path.into(), size: meta.len(), mtime_ns }
    }

    #[tokio::test]
    async fn a_file_still_being_written_is_read_only_once_it_holds_still() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.jpg");
        std::fs::write(&path, b"first chunk").unwrap();
        let first = seen(&path);
        // A writer that appends every 400 ms for 2 s: shorter gaps than SETTLE.
        let writer_path = path.clone();
        let writer = std::thread::spawn(move || {
            use std::io::Write;
            for _ in 0..5 {
                std::thread::sleep(Duration::from_millis(400));
                let mut f = std::fs::OpenOptions::new().append(true).open(&writer_path).unwrap();
                f.write_all(b" more").unwrap();
            }
        });
        let (ready, unsettled) = settle(vec![first]).await;
        writer.join().unwrap();
        assert!(unsettled.is_empty());
        assert_eq!(ready.len(), 1);
        assert_eq!(
            ready[0].size,
            std::fs::metadata(&path).unwrap().len(),
            "read before it was whole"
        );
    }
}
