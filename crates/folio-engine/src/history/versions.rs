//! A photo's version history: the last few renditions Folio pushed (5 unless the `history_keep`
//! setting says otherwise), kept under `history/` in the data folder with when and why each went
//! up (the queue keeps them as it pushes: queue/keep.rs). Listed here, with their files and
//! thumbnails, and forgotten with their photos; restore.rs puts one back on the sites.

use crate::queue::keep;
use crate::state::EngineState;
use crate::{Engine, EngineError};
use folio_model::AssetId;
use folio_store::Asset;
use serde::Serialize;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

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

pub(crate) fn not_found(what: String) -> EngineError {
    EngineError::config(what)
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
        Ok(self.state.store.set_setting(keep::KEEP_SETTING, &keep.max(1).to_string()).await?)
    }

    /// The photo at `path`: a file in one of the album folders, or an album's item named as
    /// `ACCOUNT:ALBUM/NAME` (its root, then its path in it).
    pub(crate) async fn asset_at(&self, path: &Path) -> Result<Asset, EngineError> {
        let albums = self.state.store.albums().await?;
        let text = path.to_string_lossy();
        for album in albums.iter().filter(|a| a.source_kind != "folder") {
            let Some(rel) = text.strip_prefix(&format!("{}/", album.root)) else { continue };
            let assets = self.state.store.assets(album.id).await?;
            if let Some(asset) = assets.into_iter().find(|a| a.rel_path == rel) {
                return Ok(asset);
            }
        }
        let real =
            path.canonicalize().map_err(|e| not_found(format!("{}: {e}", path.display())))?;
        for album in albums {
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
}
