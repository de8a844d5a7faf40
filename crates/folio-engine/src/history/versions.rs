//! A photo's version history: the last few renditions Folio pushed (5 unless the `history_keep`
//! setting says otherwise), kept under `history/` in the data folder with when and why each went
//! up. Restoring one puts it back on every site in place (same item, same URL where the site can
//! replace) and records it as the photo's current version, so auto-sync leaves the photo alone
//! until it changes in the folder again.

use crate::state::EngineState;
use crate::{Engine, EngineError, ErrorCode};
use folio_model::AssetId;
use folio_sites::{MediaFields, Processing, Pushed, SiteErrorCode, Upload};
use folio_store::{Asset, NewVersion, PublicationState, PushedItem};
use serde::Serialize;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

const KEEP_SETTING: &str = "history_keep";
const KEEP_DEFAULT: i64 = 5;

/// One version, as `folio history --json` prints it and the detail panel lists it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct VersionSummary {
    /// 1 for the first version pushed.
    pub version: i64,
    pub pushed_at: String,
    /// "first upload", "changed in the folder".
    pub reason: String,
    /// The sites it went to.
    pub sites: Vec<String>,
    /// webp, jpg, …
    pub format: String,
    /// When it was last put back on the sites.
    pub restored_at: Option<String>,
}

/// What a restore did, site by site.
#[derive(Debug, Clone, Serialize, Default)]
pub struct RestoreReport {
    pub restored: Vec<String>,
    /// Sites it could not go back to, and why.
    pub problems: Vec<String>,
}

fn not_found(what: String) -> EngineError {
    EngineError::config(what)
}

/// Keeps the rendition that just went to `site` as a version of the photo (once per version,
/// whatever the number of sites). A failure here costs the history, never the push.
pub(crate) async fn record(
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

/// Removes what the data folder keeps for these photos, gone from Folio with their album: their
/// kept versions (`history/<photo>/`) and the thumbnails made of them. Best effort: a file that
/// cannot be removed now is removed at the next start.
pub(crate) fn forget_photos(data_dir: &Path, photos: &HashSet<AssetId>) {
    for photo in photos {
        let _ = std::fs::remove_dir_all(data_dir.join("history").join(photo.0.to_string()));
    }
    let thumbnails = data_dir.join("thumbnails").join("version");
    for (photo, file) in by_photo(&thumbnails) {
        if photos.contains(&photo) {
            let _ = std::fs::remove_file(file);
        }
    }
}

/// At start: forgets the kept versions of photos no album has any more (removed by a Folio
/// that did not clean up after an album, or stopped half-way through it), before a new photo
/// could be mistaken for one of them.
pub(crate) async fn forget_removed_photos(engine: &EngineState) {
    let data = &engine.data_dir;
    // Listed before the photos are read: a folder made meanwhile is a photo the store has.
    let found: HashSet<AssetId> = [data.join("history"), data.join("thumbnails").join("version")]
        .iter()
        .flat_map(|dir| by_photo(dir))
        .map(|(id, _)| id)
        .collect();
    if found.is_empty() {
        return;
    }
    let Ok(known) = engine.store.asset_ids().await else { return };
    let gone: HashSet<AssetId> = found.difference(&known).copied().collect();
    if !gone.is_empty() {
        forget_photos(data, &gone);
    }
}

/// The entries of `dir` named after a photo: `history/<photo>`, `thumbnails/version/<photo>-<n>.jpg`.
fn by_photo(dir: &Path) -> Vec<(AssetId, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let id = name.split('-').next()?.parse::<i64>().ok()?;
            Some((AssetId(id), e.path()))
        })
        .collect()
}

impl Engine {
    /// How many versions of each photo are kept (default 5).
    pub async fn set_history_keep(&self, keep: u32) -> Result<(), EngineError> {
        Ok(self.state.store.set_setting(KEEP_SETTING, &keep.max(1).to_string()).await?)
    }

    /// The photo at `path` (a file in one of the album folders).
    pub(crate) async fn asset_at(&self, path: &Path) -> Result<Asset, EngineError> {
        let real =
            path.canonicalize().map_err(|e| not_found(format!("{}: {e}", path.display())))?;
        for album in self.state.store.albums().await? {
            let Ok(rel) = real.strip_prefix(&album.root) else { continue };
            let rel: Vec<String> =
                rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
            let rel = rel.join("/");
            let assets = self.state.store.assets(album.id).await?;
            if let Some(asset) = assets.into_iter().find(|a| a.rel_path == rel) {
                return Ok(asset);
            }
        }
        Err(not_found(format!("{} is not a photo of any album", path.display())))
    }

    /// The photo's versions, oldest first.
    pub async fn photo_versions(&self, asset: AssetId) -> Result<Vec<VersionSummary>, EngineError> {
        let versions = self.state.store.versions(asset).await?;
        Ok(versions
            .into_iter()
            .map(|v| VersionSummary {
                version: v.number,
                pushed_at: v.pushed_at,
                reason: v.reason,
                sites: v.sites,
                format: v.extension,
                restored_at: v.restored_at,
            })
            .collect())
    }

    /// `folio history PATH`.
    pub async fn history(&self, path: &Path) -> Result<Vec<VersionSummary>, EngineError> {
        let asset = self.asset_at(path).await?;
        self.photo_versions(asset.id).await
    }

    /// The kept file of a version (the detail panel's thumbnails are made from it).
    pub async fn version_file(&self, asset: AssetId, number: i64) -> Result<PathBuf, EngineError> {
        let v = self.state.store.versions(asset).await?.into_iter().find(|v| v.number == number);
        let v = v.ok_or_else(|| not_found(format!("photo {asset} has no version {number}")))?;
        Ok(self.state.data_dir.join(v.file))
    }

    /// A small JPEG of a version, for the detail panel (made once; versions never change).
    pub async fn version_thumbnail(
        &self,
        asset: AssetId,
        number: i64,
    ) -> Result<PathBuf, EngineError> {
        let file = self.version_file(asset, number).await?;
        let dir =
            self.state.thumbnails.dir("version").map_err(|e| EngineError::io(e.to_string()))?;
        let cached = dir.join(format!("{asset}-{number}.jpg"));
        if self.state.thumbnails.hit(&cached) {
            return Ok(cached);
        }
        let made = self
            .state
            .pool
            .thumbnail_file(file, 320)
            .await
            .map_err(|e| EngineError::io(e.to_string()))?
            .map_err(|e| EngineError::io(e.message))?;
        self.cache_thumbnail(&cached, made.bytes).await?;
        Ok(cached)
    }

    /// `folio restore PATH --version N`.
    pub async fn restore(&self, path: &Path, number: i64) -> Result<RestoreReport, EngineError> {
        let asset = self.asset_at(path).await?;
        self.restore_version(asset.id, number).await
    }

    /// Puts version `number` back on every site that has the photo, in place.
    pub async fn restore_version(
        &self,
        asset_id: AssetId,
        number: i64,
    ) -> Result<RestoreReport, EngineError> {
        let store = &self.state.store;
        let asset = store
            .asset(asset_id)
            .await?
            .ok_or_else(|| not_found(format!("no photo {asset_id}")))?;
        let versions = store.versions(asset_id).await?;
        let Some(v) = versions.iter().find(|v| v.number == number) else {
            let have: Vec<String> = versions.iter().map(|v| v.number.to_string()).collect();
            return Err(not_found(format!(
                "{} has no version {number} (it has {})",
                asset.rel_path,
                if have.is_empty() { "none yet".into() } else { have.join(", ") }
            )));
        };
        let file = self.state.data_dir.join(&v.file);
        let bytes = std::fs::read(&file)
            .map_err(|e| EngineError::new(ErrorCode::Io, format!("{}: {e}", file.display())))?;
        let detail = self.photo_detail(asset_id).await?;
        let fields = MediaFields {
            title: Some(detail.sent.title).filter(|s| !s.is_empty()),
            alt_text: Some(detail.sent.alt).filter(|s| !s.is_empty()),
            caption: Some(detail.sent.caption).filter(|s| !s.is_empty()),
            description: None,
        };
        let mut report = RestoreReport::default();
        for site in store.sites().await? {
            let Some(p) = store.current_publication(asset_id, site.id).await? else { continue };
            let (Some(remote_id), PublicationState::Synced) = (p.remote_id.clone(), p.state) else {
                continue;
            };
            // The item's own name, with this version's type (a site refuses another type).
            let url = p.remote_url.clone().unwrap_or_default();
            let name = url
                .split(['?', '#'])
                .next()
                .unwrap_or_default()
                .rsplit('/')
                .next()
                .unwrap_or("photo");
            let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
            let filename = format!("{stem}.{}", v.extension);
            let up = Upload {
                bytes: &bytes,
                filename: &filename,
                mime: &v.mime,
                key: &p.key,
                fields: &fields,
                source: None,
            };
            let q = crate::queue::workers::queue_for(&self.state, &site)?;
            let pushed = match q.destination.replace(&remote_id, up).await {
                Ok(Pushed::Ready(m)) => Ok(m),
                Ok(Pushed::Processing(id)) => ready(&*q.destination, &id).await,
                Err(e) => Err(e),
            };
            match pushed {
                Ok(media) => {
                    // Recorded as the photo's current version on the site, so auto-sync leaves
                    // it until the photo changes in the folder.
                    let item = PushedItem {
                        remote_id: &media.id,
                        url: &media.url,
                        thumbnail_url: media.thumbnail_url.as_deref(),
                        format: &v.extension,
                        text_key: p.text_key.as_deref().unwrap_or_default(),
                    };
                    store.record_replace(p.id, &asset.content_hash, &p.preset_hash, &item).await?;
                    report.restored.push(site.name.clone());
                }
                Err(e) if e.code == SiteErrorCode::Conflict => report.problems.push(format!(
                    "{}: cannot take this version in place ({}); not restored there",
                    site.name, e.message
                )),
                Err(e) => report.problems.push(format!("{}: {}", site.name, e.message)),
            }
        }
        if !report.restored.is_empty() {
            store.mark_restored(v.id).await?;
            // The window shows the sites' copies again.
            let path = asset.rel_path.clone();
            self.state.emit(folio_model::SyncEvent::PhotoDone { album: asset.album_id, path });
        }
        let message = format!(
            "Restored version {number} of {} on {}{}",
            asset.rel_path,
            if report.restored.is_empty() { "no site".into() } else { report.restored.join(", ") },
            if report.problems.is_empty() {
                String::new()
            } else {
                format!("; {}", report.problems.join("; "))
            }
        );
        let level = if report.problems.is_empty() { "info" } else { "warning" };
        store.log(Some(asset.album_id), level, &message).await?;
        Ok(report)
    }
}

/// Follows a replace the site processes later.
async fn ready(
    d: &dyn folio_sites::Destination,
    id: &folio_sites::RemoteId,
) -> Result<folio_sites::RemoteMedia, folio_sites::SiteError> {
    let mut wait = Duration::from_millis(300);
    for _ in 0..40 {
        match d.poll(id).await? {
            Processing::Ready(m) => return Ok(m),
            Processing::Failed(e) => return Err(e),
            Processing::Pending => {
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(5));
            }
        }
    }
    Err(folio_sites::SiteError::new(SiteErrorCode::Unavailable, "the site is still processing it"))
}
