//! Where an album's photos stand on each site, checked with the sites themselves (`folio
//! photos`, a Lightroom publish service's Refresh): a copy Folio believes synced but the site
//! no longer has (deleted by hand in wp-admin) is `missing`, and is owed a new upload from
//! then on. Nothing else is written.

use crate::publish::named::{is_current, serves, PhotoRef};
use crate::queue::workers;
use crate::state::EngineState;
use crate::{Engine, EngineError};
use folio_model::{AlbumSettings, AssetId, SiteState};
use folio_store::{Album, Asset, AssetState, JobState, Publication, PublicationState, Site};
use futures::StreamExt;
use serde::Serialize;
use std::path::Path;
use std::sync::Arc;

/// Site checks at once (each is one request to its site, which paces them itself).
const CHECKS_IN_FLIGHT: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CopyState {
    /// The site serves this version.
    Synced,
    /// On its way (not sent yet, an older version there, a retry to come).
    Pending,
    /// The site refused it, or the photo cannot be converted.
    Failed,
    /// Folio sent it, but the site no longer has it.
    Missing,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PublishedState {
    /// Every target site serves this version.
    Published,
    Waiting,
    Failed,
    /// A site lost its copy.
    Missing,
    /// Not in the album (any more): unpublished, deleted from the folder, or never there.
    Removed,
}

#[derive(Debug, Clone, Serialize)]
pub struct CopyStatus {
    pub name: String,
    pub state: CopyState,
    pub url: Option<String>,
}

/// One photo, as `folio photos --json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct PhotoStatus {
    /// Relative to the album folder (as given, for a photo Folio does not know).
    pub path: String,
    pub id: Option<AssetId>,
    pub state: PublishedState,
    /// The file in the album folder is not the version the sites have (or will have).
    pub changed: bool,
    pub sites: Vec<CopyStatus>,
}

/// What the site said about a copy Folio believes it has.
enum Seen {
    There(String),
    Gone,
    /// It could not be asked; Folio's record stands.
    Unknown,
}

impl Engine {
    /// The named photos of the album at `album_root` (every photo in it when none are named),
    /// each with its state on every target site, checked with the sites.
    pub async fn published_photos(
        &self,
        album_root: &Path,
        photos: &[PhotoRef],
    ) -> Result<Vec<PhotoStatus>, EngineError> {
        let album = self.album_by_root(album_root).await?;
        let store = &self.state.store;
        let settings: AlbumSettings = serde_json::from_str(&album.settings).unwrap_or_default();
        let targets: Vec<Site> =
            store.sites().await?.into_iter().filter(|s| album.site_ids.contains(&s.id)).collect();
        let chosen = self.chosen(&album, &settings, photos).await?;
        let mut checks = Vec::new();
        let mut out = Vec::new();
        for (given, asset) in &chosen {
            let Some(asset) = asset.as_ref().filter(|a| a.state != AssetState::Missing) else {
                out.push(removed(given, asset.as_ref()));
                continue;
            };
            let mut status = PhotoStatus {
                path: asset.rel_path.clone(),
                id: Some(asset.id),
                state: PublishedState::Published,
                changed: !is_current(&album, asset),
                sites: Vec::new(),
            };
            for site in &targets {
                let preset =
                    crate::pipeline::step::preset_for(&settings, &EngineState::capabilities(site));
                let p = store.current_publication(asset.id, site.id).await?;
                if p.as_ref().is_some_and(|p| p.content_hash != asset.content_hash) {
                    status.changed = true;
                }
                let state = match &p {
                    _ if asset.state == AssetState::Failed => CopyState::Failed,
                    None => CopyState::Pending,
                    Some(p) if serves(p, asset, &preset.hash()) => {
                        if site.state == SiteState::Ok {
                            checks.push((out.len(), status.sites.len(), site.clone(), p.clone()));
                        }
                        CopyState::Synced
                    }
                    Some(p) if p.state == PublicationState::Failed => {
                        let job = store.job(asset.id, site.id).await?;
                        if job.is_none_or(|j| j.state == JobState::Parked) {
                            CopyState::Failed
                        } else {
                            CopyState::Pending
                        }
                    }
                    Some(_) => CopyState::Pending,
                };
                let url = p.and_then(|p| p.remote_url);
                status.sites.push(CopyStatus { name: site.name.clone(), state, url });
            }
            out.push(status);
        }
        check_with_sites(&self.state, &album, checks, &mut out).await?;
        for status in out.iter_mut().filter(|s| s.state != PublishedState::Removed) {
            let has = |state| status.sites.iter().any(|c| c.state == state);
            status.state = if has(CopyState::Failed) {
                PublishedState::Failed
            } else if has(CopyState::Missing) {
                PublishedState::Missing
            } else if has(CopyState::Pending) || targets.is_empty() {
                PublishedState::Waiting
            } else {
                PublishedState::Published
            };
        }
        Ok(out)
    }
}

impl Engine {
    /// The photos asked about, by how they were named; every photo of the album when none
    /// were.
    async fn chosen(
        &self,
        album: &Album,
        settings: &AlbumSettings,
        photos: &[PhotoRef],
    ) -> Result<Vec<(String, Option<Asset>)>, EngineError> {
        let mut chosen = Vec::new();
        if photos.is_empty() {
            let all = crate::pipeline::pairs::without_pair_halves(
                self.state.store.assets(album.id).await?,
                settings.raw_pair,
            );
            for a in all.into_iter().filter(|a| a.state != AssetState::Missing) {
                chosen.push((a.rel_path.clone(), Some(a)));
            }
        } else {
            for r in photos {
                chosen.push((r.describe(), self.album_photo(album, r).await?));
            }
        }
        Ok(chosen)
    }
}

/// A photo named but no longer in the album.
fn removed(given: &str, asset: Option<&Asset>) -> PhotoStatus {
    let id = asset.map(|a| a.id).or(match PhotoRef::parse(given) {
        PhotoRef::Id(id) => Some(id),
        PhotoRef::Path(_) => None,
    });
    let path = asset.map_or_else(|| given.to_string(), |a| a.rel_path.clone());
    PhotoStatus { path, id, state: PublishedState::Removed, changed: false, sites: Vec::new() }
}

/// Asks the sites about the copies Folio believes synced (a few at a time), and marks those
/// they no longer have. `checks`: (photo, copy) positions in `out`, the site, its record.
async fn check_with_sites(
    engine: &Arc<EngineState>,
    album: &Album,
    checks: Vec<(usize, usize, Site, Publication)>,
    out: &mut [PhotoStatus],
) -> Result<(), EngineError> {
    let seen: Vec<_> = futures::stream::iter(checks)
        .map(|(photo, copy, site, p)| async move {
            (photo, copy, ask_site(engine, album, &site, &p).await)
        })
        .buffer_unordered(CHECKS_IN_FLIGHT)
        .collect()
        .await;
    for (photo, copy, seen) in seen {
        let copy = &mut out[photo].sites[copy];
        match seen? {
            Seen::There(url) => copy.url = Some(url),
            Seen::Gone => copy.state = CopyState::Missing,
            Seen::Unknown => {}
        }
    }
    Ok(())
}

/// Asks the site for the copy Folio put there (by the key it went up with). A copy the site no
/// longer has is owed a new upload from now on: its record goes back to pending, so the next
/// push (a publish, a sync, live sync) looks it up once more and uploads it.
async fn ask_site(
    engine: &Arc<EngineState>,
    album: &Album,
    site: &Site,
    p: &Publication,
) -> Result<Seen, EngineError> {
    let Ok(q) = workers::queue_for(engine, site) else { return Ok(Seen::Unknown) };
    let found = match q.destination.find(&p.key).await {
        Ok(found) => found,
        Err(_) => return Ok(Seen::Unknown),
    };
    match found {
        Some(m) if Some(&m.id) == p.remote_id.as_ref() => return Ok(Seen::There(m.url)),
        // Another item holds the key (two uploads of one version, before claims): which one
        // is Folio's cannot be told, so nothing is concluded.
        Some(_) => return Ok(Seen::Unknown),
        None => {}
    }
    // Not while a push of this photo is under way here or in another process.
    let _claim = crate::pipeline::claims::hold(&engine.data_dir, p.asset_id, site.id).await;
    let store = &engine.store;
    let now = store.current_publication(p.asset_id, site.id).await?;
    if now
        .as_ref()
        .is_some_and(|n| n.id == p.id && n.state == p.state && n.remote_id == p.remote_id)
    {
        store.set_publication_state(p.id, PublicationState::Pending).await?;
        let path = store.asset(p.asset_id).await?.map(|a| a.rel_path).unwrap_or_default();
        let message = format!(
            "{path} is no longer on {} ({}); it goes up again with the next publish or sync",
            site.name,
            p.remote_url.as_deref().unwrap_or("?")
        );
        store.log(Some(album.id), "warning", &message).await?;
    }
    Ok(Seen::Gone)
}
