//! Where each album stands: photos, synced, pending, failed, and per site its state and the
//! file type it got (WebP where it refused AVIF). And how much disk the data folder takes, by
//! part.

use crate::pipeline::report::FailedPhoto;
use crate::state::EngineState;
use crate::{Engine, EngineError};
use folio_model::{AlbumId, AlbumSettings, OutputFormat, PhotoErrorCode, SiteId, SiteState};
use folio_store::{Album, AssetState, PublicationState};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

#[derive(Debug, Clone, Serialize)]
pub struct AlbumStatus {
    pub id: AlbumId,
    pub album: String,
    pub root: String,
    pub photos: usize,
    pub synced: usize,
    pub pending: usize,
    pub failed: Vec<FailedPhoto>,
    pub sites: Vec<SiteFormats>,
    /// Photos gone from the folder all at once, not taken as deleted until the user confirms.
    pub held_removals: usize,
    /// `ok`, or `rate_limited`: the source asked Folio to wait, and is not asked before
    /// `until` (UTC, `YYYY-MM-DD HH:MM:SS UTC`).
    pub state: &'static str,
    pub until: Option<String>,
}

/// One target site of an album.
#[derive(Debug, Clone, Serialize)]
pub struct SiteFormats {
    pub id: SiteId,
    pub name: String,
    pub state: SiteState,
    /// Photos whose current version is on the site.
    pub synced: usize,
    /// The file type most of them went up as (webp, avif, jpg, png, gif).
    pub format: Option<String>,
    /// How many went up as each type.
    pub formats: BTreeMap<String, usize>,
    /// Why the site gets another type than the album asks for, in words.
    pub note: Option<String>,
    /// Re-edits that gave the file a new URL (the site kept the id but not the URL, or could
    /// not replace in place): pages that embed the old URL still show the old image.
    pub urls_changed: usize,
}

/// One line of the activity log.
#[derive(Debug, Clone, Serialize)]
pub struct ActivityEntry {
    /// UTC, ISO 8601.
    pub at: String,
    /// info, warning or error.
    pub level: String,
    pub message: String,
}

/// The data folder and the bytes each part of it takes.
#[derive(Debug, Clone, Serialize)]
pub struct DataFolder {
    pub path: String,
    pub bytes: u64,
    pub parts: DataFolderParts,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DataFolderParts {
    /// folio.db with its -wal and -shm files.
    pub database: u64,
    pub thumbnails: u64,
    /// The photos' kept versions.
    pub history: u64,
    /// Renditions waiting for a site, Dropbox downloads.
    pub spool: u64,
    pub secrets: u64,
    pub other: u64,
}

impl DataFolderParts {
    /// Each part by name, largest first.
    pub fn largest_first(&self) -> Vec<(&'static str, u64)> {
        let mut parts = vec![
            ("database", self.database),
            ("thumbnails", self.thumbnails),
            ("history", self.history),
            ("spool", self.spool),
            ("secrets", self.secrets),
            ("other", self.other),
        ];
        parts.sort_by_key(|p| std::cmp::Reverse(p.1));
        parts
    }
}

impl Engine {
    /// What the data folder takes on disk, by part (a walk of the folder, off the async threads).
    pub async fn data_folder(&self) -> Result<DataFolder, EngineError> {
        let dir = self.state.data_dir.clone();
        let parts = tokio::task::spawn_blocking(move || measure(&dir))
            .await
            .map_err(|e| EngineError::io(e.to_string()))?;
        let p = &parts;
        Ok(DataFolder {
            path: self.state.data_dir.display().to_string(),
            bytes: p.database + p.thumbnails + p.history + p.spool + p.secrets + p.other,
            parts,
        })
    }

    pub async fn status(&self) -> Result<Vec<AlbumStatus>, EngineError> {
        let sites = self.state.store.sites().await?;
        let mut out = Vec::new();
        for album in self.state.store.albums().await? {
            out.push(self.album_status(&album, &sites).await?);
        }
        Ok(out)
    }

    async fn album_status(
        &self,
        album: &Album,
        sites: &[folio_store::Site],
    ) -> Result<AlbumStatus, EngineError> {
        let store = &self.state.store;
        let mut status = AlbumStatus {
            id: album.id,
            album: album.name.clone(),
            root: album.root.clone(),
            photos: 0,
            synced: 0,
            pending: 0,
            failed: Vec::new(),
            sites: Vec::new(),
            held_removals: album.held_removals as usize,
            state: if paused_until(album).is_some() { "rate_limited" } else { "ok" },
            until: paused_until(album),
        };
        let mut current = HashMap::new();
        for p in store.album_publications(album.id).await? {
            // Ordered by id, so the newest wins.
            current.insert((p.asset_id, p.site_id), p);
        }
        let mut per_site: HashMap<SiteId, BTreeMap<String, usize>> = HashMap::new();
        let settings: crate::AlbumSettings =
            serde_json::from_str(&album.settings).unwrap_or_default();
        let assets = crate::pipeline::pairs::without_pair_halves(
            store.assets(album.id).await?,
            settings.raw_pair,
        );
        for asset in assets {
            match asset.state {
                AssetState::Missing => continue,
                AssetState::Failed => {
                    status.photos += 1;
                    status.failed.push(FailedPhoto {
                        path: asset.rel_path,
                        error: asset.error.unwrap_or_default(),
                        code: PhotoErrorCode::parse(asset.error_code.as_deref()),
                    });
                    continue;
                }
                AssetState::Present => status.photos += 1,
            }
            let mut synced = true;
            let mut failed = false;
            for site in &album.site_ids {
                match current.remove(&(asset.id, *site)) {
                    Some(p)
                        if p.state == PublicationState::Synced
                            && p.content_hash == asset.content_hash =>
                    {
                        let format = p.format.unwrap_or_else(|| "?".into());
                        *per_site.entry(*site).or_default().entry(format).or_default() += 1;
                    }
                    Some(p) if p.state == PublicationState::Failed => {
                        synced = false;
                        failed = true;
                        status.failed.push(FailedPhoto {
                            path: asset.rel_path.clone(),
                            error: p.last_error.unwrap_or_default(),
                            code: PhotoErrorCode::parse(p.last_error_code.as_deref()),
                        });
                    }
                    _ => synced = false,
                }
            }
            // With no target site yet, nothing is published: the photo waits.
            if synced && !album.site_ids.is_empty() {
                status.synced += 1;
            } else if !failed {
                status.pending += 1;
            }
        }
        let urls_changed = store.urls_changed(album.id).await?;
        status.sites = site_formats(album, sites, per_site, &urls_changed);
        Ok(status)
    }
}

/// Per target site: its state, how many photos it has in which file type, and a note where it
/// gets another type than the album asks for.
fn site_formats(
    album: &Album,
    sites: &[folio_store::Site],
    mut per_site: HashMap<SiteId, BTreeMap<String, usize>>,
    urls_changed: &HashMap<SiteId, usize>,
) -> Vec<SiteFormats> {
    let settings: AlbumSettings = serde_json::from_str(&album.settings).unwrap_or_default();
    let mut out = Vec::new();
    for site in sites.iter().filter(|s| album.site_ids.contains(&s.id)) {
        let formats = per_site.remove(&site.id).unwrap_or_default();
        let format = formats.iter().max_by_key(|(_, n)| **n).map(|(f, _)| f.clone());
        let caps = EngineState::capabilities(site);
        let wanted = settings.preset.format;
        let note = (wanted == OutputFormat::Avif && caps.format_for(wanted) != wanted)
            .then(|| format!("{} does not accept AVIF: WebP is sent instead", site.name));
        out.push(SiteFormats {
            id: site.id,
            name: site.name.clone(),
            state: site.state,
            synced: formats.values().sum(),
            format,
            formats,
            note,
            urls_changed: urls_changed.get(&site.id).copied().unwrap_or(0),
        });
    }
    out
}

fn measure(data_dir: &Path) -> DataFolderParts {
    let mut parts = DataFolderParts::default();
    let Ok(entries) = std::fs::read_dir(data_dir) else { return parts };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let bytes = size_of(&entry.path());
        let part = match name.to_string_lossy().as_ref() {
            "folio.db" | "folio.db-wal" | "folio.db-shm" => &mut parts.database,
            "thumbnails" => &mut parts.thumbnails,
            "history" => &mut parts.history,
            "spool" => &mut parts.spool,
            "secrets" => &mut parts.secrets,
            _ => &mut parts.other,
        };
        *part += bytes;
    }
    parts
}

/// The bytes of a file, or of every file under a folder. Links are not followed (a link to a
/// photo library is not Folio's), and files that vanish mid-walk count for nothing.
fn size_of(path: &Path) -> u64 {
    let Ok(meta) = std::fs::symlink_metadata(path) else { return 0 };
    if !meta.is_dir() {
        return if meta.is_file() { meta.len() } else { 0 };
    }
    let Ok(entries) = std::fs::read_dir(path) else { return 0 };
    entries.flatten().map(|e| size_of(&e.path())).sum()
}

/// When the album's source lets Folio ask again, if that is still ahead.
fn paused_until(album: &Album) -> Option<String> {
    let until = album.paused_until.as_deref()?;
    (until > crate::clock::utc_now().as_str()).then(|| until.to_string())
}
