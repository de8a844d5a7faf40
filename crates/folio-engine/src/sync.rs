//! One sync pass over an album: reconcile the folder with the store, then bring every photo on
//! every target site up to date. Safe to interrupt at any point: a publication is recorded as
//! pending (with its slug) before its upload, and a pending one is looked up before uploading.

use crate::patterns::{expand, slugify, PatternInput};
use crate::scan::{scan, SeenFile};
use crate::settings::AlbumSettings;
use crate::{EngineError, ErrorCode};
use folio_convert::{ConvertPool, Rendition};
use folio_sites::{Destination, ErrorClass, MediaFields, RemoteMedia, Upload};
use folio_store::{Album, Asset, AssetState, NewAsset, PublicationState, Site, Store};
use futures::StreamExt;
use serde::Serialize;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct SyncReport {
    pub uploaded: usize,
    pub replaced: usize,
    pub unchanged: usize,
    pub removed: usize,
    pub failed: Vec<FailedPhoto>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FailedPhoto {
    /// Relative to the album root.
    pub path: String,
    pub error: String,
}

impl SyncReport {
    pub fn add(&mut self, other: SyncReport) {
        self.uploaded += other.uploaded;
        self.replaced += other.replaced;
        self.unchanged += other.unchanged;
        self.removed += other.removed;
        self.failed.extend(other.failed);
    }
}

/// Progress of a pass, for progress bars.
#[derive(Debug, Clone)]
pub enum SyncEvent {
    Planned { album: String, photos: usize },
    PhotoDone { album: String, path: String },
}

/// How long an upload whose answer was lost may still complete on the server. A pending
/// publication younger than this is waited for before its slug is looked up again.
const IN_FLIGHT_GRACE_SECS: i64 = 15;

/// What a pass needs from the engine.
pub struct Context<'a> {
    pub store: &'a Store,
    pub pool: &'a ConvertPool,
    pub install_id: &'a str,
}

pub struct Target {
    pub site: Site,
    pub destination: Arc<dyn Destination>,
}

enum Outcome {
    Uploaded,
    Replaced,
    Unchanged,
    Failed(String),
}

pub async fn sync_album(
    ctx: &Context<'_>,
    album: &Album,
    targets: &[Target],
    on_event: &(dyn Fn(SyncEvent) + Sync),
) -> Result<SyncReport, EngineError> {
    let (store, pool) = (ctx.store, ctx.pool);
    let settings: AlbumSettings = serde_json::from_str(&album.settings)
        .map_err(|e| EngineError::new(ErrorCode::Store, format!("album settings: {e}")))?;
    let root = Path::new(&album.root);
    let mut report = SyncReport::default();
    let (assets, removed) = reconcile(store, pool, album, root, &mut report).await?;
    if settings.delete_remote {
        delete_remote_copies(store, &removed, targets, &mut report).await?;
    }
    on_event(SyncEvent::Planned { album: album.name.clone(), photos: assets.len() });

    let preset_hash = settings.preset.hash();
    let settings = &settings;
    let jobs = assets.iter().enumerate().map(|(sequence, asset)| {
        let preset_hash = preset_hash.as_str();
        async move {
            let outcome =
                sync_photo(ctx, album, settings, preset_hash, sequence + 1, asset, targets).await;
            on_event(SyncEvent::PhotoDone {
                album: album.name.clone(),
                path: asset.rel_path.clone(),
            });
            (asset, outcome)
        }
    });
    // Two photos in flight: one converting while another uploads.
    let results: Vec<_> = futures::stream::iter(jobs).buffer_unordered(2).collect().await;
    for (asset, outcomes) in results {
        let mut errors = Vec::new();
        for outcome in outcomes? {
            match outcome {
                Outcome::Uploaded => report.uploaded += 1,
                Outcome::Replaced => report.replaced += 1,
                Outcome::Unchanged => report.unchanged += 1,
                Outcome::Failed(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            report
                .failed
                .push(FailedPhoto { path: asset.rel_path.clone(), error: errors.join("; ") });
        }
    }
    report.failed.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(report)
}

fn store_err(e: folio_store::StoreError) -> EngineError {
    EngineError::new(ErrorCode::Store, e.to_string())
}

/// Brings the asset table in line with the folder. Returns the assets to publish and the ones
/// whose file is gone. Files whose size and mtime are unchanged are not read. Failed photos are
/// reported, not returned.
async fn reconcile(
    store: &Store,
    pool: &ConvertPool,
    album: &Album,
    root: &Path,
    report: &mut SyncReport,
) -> Result<(Vec<Asset>, Vec<Asset>), EngineError> {
    let seen = scan(root).map_err(|e| EngineError::config(format!("album {}: {e}", album.name)))?;
    let known = store.assets(album.id).await.map_err(store_err)?;
    let by_path: HashMap<&str, &Asset> = known.iter().map(|a| (a.rel_path.as_str(), a)).collect();
    let seen_paths: std::collections::HashSet<&str> =
        seen.iter().map(|f| f.rel_path.as_str()).collect();
    // Assets whose file is gone: candidates for a rename before they count as removed.
    let mut vanished: Vec<&Asset> = known
        .iter()
        .filter(|a| !seen_paths.contains(a.rel_path.as_str()) && a.state != AssetState::Missing)
        .collect();

    let mut current = Vec::new();
    for file in &seen {
        if let Some(a) = by_path.get(file.rel_path.as_str()) {
            if a.size == file.size as i64
                && a.mtime_ns == file.mtime_ns
                && a.state != AssetState::Missing
            {
                match a.state {
                    AssetState::Failed => report.failed.push(FailedPhoto {
                        path: a.rel_path.clone(),
                        error: a.error.clone().unwrap_or_default(),
                    }),
                    _ => current.push((*a).clone()),
                }
                continue;
            }
        }
        let hash = hash_file(pool, file).await?;
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
    let mut removed = Vec::new();
    for gone in vanished {
        store.mark_missing(gone.id).await.map_err(store_err)?;
        store
            .log(Some(album.id), "info", &format!("{} was deleted from the folder", gone.rel_path))
            .await
            .map_err(store_err)?;
        report.removed += 1;
        removed.push(gone.clone());
    }
    Ok((current, removed))
}

/// The album's delete policy says a photo deleted from the folder goes from the sites too.
async fn delete_remote_copies(
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

async fn sync_photo(
    ctx: &Context<'_>,
    album: &Album,
    settings: &AlbumSettings,
    preset_hash: &str,
    sequence: usize,
    asset: &Asset,
    targets: &[Target],
) -> Result<Vec<Outcome>, EngineError> {
    let (store, pool) = (ctx.store, ctx.pool);
    let mut rendition: Option<Arc<Rendition>> = None;
    let mut outcomes = Vec::new();
    for target in targets {
        let site_id = target.site.id;
        let current = store.current_publication(asset.id, site_id).await.map_err(store_err)?;
        let same_version = |p: &folio_store::Publication| {
            p.content_hash == asset.content_hash && p.preset_hash == preset_hash
        };
        let up_to_date = |p: &&folio_store::Publication| {
            same_version(p)
                && matches!(p.state, PublicationState::Synced | PublicationState::Orphaned)
        };
        if current.as_ref().filter(up_to_date).is_some() {
            outcomes.push(Outcome::Unchanged);
            continue;
        }
        // A pending publication of this very version: a previous run may have uploaded it and
        // died before recording the answer. Look before uploading again.
        let resumed = current.as_ref().filter(|p| {
            same_version(p)
                && matches!(p.state, PublicationState::Pending | PublicationState::Failed)
        });
        if let Some(p) = resumed {
            // An upload killed mid-request may still be finishing on the server (WordPress makes
            // its sub-sizes first); uploading again now could race it into a duplicate.
            let wait = IN_FLIGHT_GRACE_SECS - p.age_secs;
            if p.state == PublicationState::Pending && wait > 0 {
                tokio::time::sleep(std::time::Duration::from_secs(wait as u64)).await;
            }
            match target.destination.find_by_slug(&p.slug).await {
                Ok(Some(found)) => {
                    finish(store, p.id, &found).await?;
                    outcomes.push(Outcome::Uploaded);
                    continue;
                }
                Ok(None) => {}
                Err(e) => {
                    outcomes.push(Outcome::Failed(format!("{}: {}", target.site.name, e.message)));
                    continue;
                }
            }
        }
        let r = match &rendition {
            Some(r) => r.clone(),
            None => match convert(pool, album, asset, &settings.preset).await {
                Ok(r) => rendition.insert(Arc::new(r)).clone(),
                Err(message) => {
                    let failed = NewAsset {
                        rel_path: &asset.rel_path,
                        size: asset.size,
                        mtime_ns: asset.mtime_ns,
                        content_hash: &asset.content_hash,
                        state: AssetState::Failed,
                        error: Some(&message),
                    };
                    store.put_asset(album.id, &failed).await.map_err(store_err)?;
                    return Ok(vec![Outcome::Failed(message)]);
                }
            },
        };
        let publication = match resumed {
            Some(p) => {
                store.touch_publication(p.id).await.map_err(store_err)?;
                p.clone()
            }
            None => {
                // Unique to installation, photo, version and preset: the lookup key after a
                // lost answer or a crash.
                let slug = format!(
                    "folio-{}-{}-{}-{}-{}",
                    ctx.install_id,
                    album.id,
                    asset.id,
                    &asset.content_hash[..12],
                    &preset_hash[..6]
                );
                store
                    .begin_publication(asset.id, site_id, &slug, &asset.content_hash, preset_hash)
                    .await
                    .map_err(store_err)?
            }
        };
        let stem = Path::new(&asset.rel_path)
            .file_stem()
            .map_or("photo".into(), |s| s.to_string_lossy().into_owned());
        let input = PatternInput {
            stem: &stem,
            album: &album.name,
            sequence,
            meta: &r.meta,
            width: r.width,
            height: r.height,
        };
        let filename = format!("{}.{}", slugify(&expand(&settings.naming, &input)), r.extension);
        let text = |pattern: &str| Some(expand(pattern, &input)).filter(|s| !s.is_empty());
        let fields = MediaFields {
            title: text(&settings.title),
            caption: text(&settings.caption),
            alt_text: text(&settings.alt),
            description: None,
        };
        let upload = Upload {
            bytes: &r.bytes,
            filename: &filename,
            mime: r.mime,
            slug: &publication.slug,
            fields: &fields,
        };
        match target.destination.upload(upload).await {
            Ok(media) => {
                finish(store, publication.id, &media).await?;
                let replaced =
                    current.as_ref().filter(|p| !same_version(p) && p.remote_id.is_some());
                if let Some(old) = replaced {
                    // No in-place replace without the companion plugin: the new version is a new
                    // item with a new URL. Say so; pages using the old URL keep the old image.
                    store
                        .set_publication_state(old.id, PublicationState::Superseded)
                        .await
                        .map_err(store_err)?;
                    let message = format!(
                        "{} changed: uploaded as a new file on {} ({}); pages still show the old one at {}",
                        asset.rel_path,
                        target.site.name,
                        media.url,
                        old.remote_url.as_deref().unwrap_or("?")
                    );
                    store.log(Some(album.id), "warning", &message).await.map_err(store_err)?;
                    outcomes.push(Outcome::Replaced);
                } else {
                    outcomes.push(Outcome::Uploaded);
                }
            }
            Err(e) => {
                store.fail_publication(publication.id, &e.message).await.map_err(store_err)?;
                if e.class() == ErrorClass::Fatal {
                    store
                        .log(
                            Some(album.id),
                            "error",
                            &format!("{}: {}", target.site.name, e.message),
                        )
                        .await
                        .map_err(store_err)?;
                }
                outcomes.push(Outcome::Failed(format!("{}: {}", target.site.name, e.message)));
            }
        }
    }
    Ok(outcomes)
}

async fn finish(
    store: &Store,
    publication_id: i64,
    media: &RemoteMedia,
) -> Result<(), EngineError> {
    store
        .finish_publication(
            publication_id,
            media.id as i64,
            &media.url,
            media.thumbnail_url.as_deref(),
        )
        .await
        .map_err(store_err)
}

async fn convert(
    pool: &ConvertPool,
    album: &Album,
    asset: &Asset,
    preset: &folio_convert::Preset,
) -> Result<Rendition, String> {
    let path = Path::new(&album.root).join(&asset.rel_path);
    let preset = preset.clone();
    match pool.spawn(move || folio_convert::convert_file(&path, &preset)).await {
        Ok(Ok(r)) => Ok(r),
        Ok(Err(e)) => Err(e.message),
        Err(e) => Err(e.to_string()),
    }
}
