//! The album view's data: every photo with its state on each site, and the two thumbnails the
//! app shows side by side (the source, made by folio-convert; the site's own, downloaded).
//! Both are cached on disk under the data folder (under a size cap: thumbnails.rs) and made
//! only when asked for, so the app asks for visible rows first.

use crate::{Engine, EngineError, ErrorCode};
use folio_model::{AssetId, PhotoState, SiteId, TextOverrides};
use folio_sources::{LocalCopy, Source};
use folio_store::{Album, Asset, AssetState, Publication, PublicationState, Site};
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Long edge of source thumbnails: sharp in a 160 px grid cell on a 2× screen.
/// A site's "medium" size is about 300 px; anything much bigger is not a thumbnail.
const MAX_SITE_THUMBNAIL: usize = 4 * 1024 * 1024;

#[derive(Debug, Clone, Serialize)]
pub struct PhotoOnSite {
    pub site: String,
    pub site_id: SiteId,
    pub state: PhotoState,
    pub url: Option<String>,
    /// The file type the site has (webp, avif, jpg, …).
    pub format: Option<String>,
    pub has_thumbnail: bool,
    pub error: Option<String>,
    /// Changes whenever the site's copy does (a re-edit, a restore): thumbnail URLs carry it, so
    /// the window never shows a cached picture of an older version.
    pub stamp: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PhotoRow {
    pub asset_id: AssetId,
    /// Relative to the album folder.
    pub path: String,
    /// Changes whenever the photo in the folder does (its content hash, shortened).
    pub stamp: String,
    pub state: PhotoState,
    pub error: Option<String>,
    pub sites: Vec<PhotoOnSite>,
}

/// The text that goes with a photo to the sites, from the album's patterns.
#[derive(Debug, Clone, Serialize)]
pub struct SentText {
    pub filename: String,
    pub title: String,
    pub alt: String,
    pub caption: String,
    /// Typed for this photo rather than made by the album's pattern.
    pub own_title: bool,
    pub own_alt: bool,
    pub own_caption: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct PushRecord {
    pub site: String,
    /// pending, processing, synced, failed, orphaned, superseded or deleted.
    pub state: String,
    pub url: Option<String>,
    pub format: Option<String>,
    pub at: String,
    pub error: Option<String>,
}

/// Where the photo is now on one of its album's sites.
#[derive(Debug, Clone, Serialize)]
pub struct SiteCopy {
    pub site: String,
    /// pending (nothing there yet), processing, synced or failed.
    pub state: String,
    /// The copy's address on the site, once it has one.
    pub url: Option<String>,
    /// What a re-edit does there ("re-edits keep their URL", …).
    pub re_edits: String,
}

/// The detail panel: what the file says, what will be sent, and where it went.
#[derive(Debug, Clone, Serialize)]
pub struct PhotoDetail {
    pub path: String,
    pub width: u32,
    pub height: u32,
    pub meta: folio_convert::PhotoMeta,
    pub camera: Option<String>,
    pub sent: SentText,
    /// One per site of the album, in the album's order.
    pub copies: Vec<SiteCopy>,
    pub history: Vec<PushRecord>,
}

impl Engine {
    pub async fn photo_detail(&self, asset_id: AssetId) -> Result<PhotoDetail, EngineError> {
        let store = &self.state.store;
        let asset = store.asset(asset_id).await?.ok_or_else(|| not_found(asset_id))?;
        let album = store.album(asset.album_id).await?.ok_or_else(|| not_found(asset_id))?;
        let settings: crate::AlbumSettings =
            serde_json::from_str(&album.settings).unwrap_or_default();
        let local = self.fetch(&album, &asset.rel_path).await?;
        let path = local.path().to_path_buf();
        let probe = self
            .state
            .pool
            .probe_file(path)
            .await
            .map_err(|e| EngineError::io(e.to_string()))?
            .map_err(|e| EngineError::new(ErrorCode::Io, e.message))?;
        let (w, h) = probe.upright_size();
        let (width, height) = folio_convert::fitted(w, h, settings.preset.max_edge);
        let stem = Path::new(&asset.rel_path)
            .file_stem()
            .map_or("photo".into(), |s| s.to_string_lossy().into_owned());
        let position = store
            .assets(album.id)
            .await?
            .iter()
            .filter(|a| a.state != AssetState::Missing)
            .position(|a| a.id == asset.id)
            .map_or(1, |i| i + 1);
        let made = self.state.made(&album, &asset.rel_path);
        let input = crate::PatternInput {
            stem: &stem,
            album: &album.name,
            sequence: position,
            meta: &probe.meta,
            width,
            height,
            made: &made,
        };
        // What convert will make of this very file: "original" keeps a PNG a PNG.
        let (ext, _) = folio_convert::planned_file_type(&settings.preset, &probe);
        let overrides = store.asset_texts(asset.id).await?;
        let fields = crate::queue::upload::media_fields(&settings, &input, &overrides);
        let sent = SentText {
            filename: format!("{}.{ext}", crate::slugify(&crate::expand(&settings.naming, &input))),
            title: fields.title.unwrap_or_default(),
            alt: fields.alt_text.unwrap_or_default(),
            caption: fields.caption.unwrap_or_default(),
            own_title: overrides.title.is_some(),
            own_alt: overrides.alt.is_some(),
            own_caption: overrides.caption.is_some(),
        };
        let sites = store.sites().await?;
        let publications = store.asset_publications(asset_id).await?;
        let copies = copies_on_sites(&album, &sites, &publications);
        let history = publications
            .into_iter()
            .map(|p| PushRecord {
                site: sites
                    .iter()
                    .find(|s| s.id == p.site_id)
                    .map_or("?".into(), |s| s.name.clone()),
                state: p.state.as_str().to_string(),
                url: p.remote_url,
                format: p.format,
                at: p.updated_at,
                error: p.last_error,
            })
            .collect();
        Ok(PhotoDetail {
            path: asset.rel_path,
            width,
            height,
            camera: probe.meta.camera(),
            meta: probe.meta,
            sent,
            copies,
            history,
        })
    }

    /// Every photo of the album at `album_root`, in folder order, photos that left the folder
    /// but remain on a site last.
    pub async fn album_photos(&self, album_root: &Path) -> Result<Vec<PhotoRow>, EngineError> {
        self.photo_rows(album_root, None).await
    }

    /// The first `limit` rows of [`Engine::album_photos`], read without reading the whole
    /// album: what a window's first screen needs (the whole list can follow).
    pub async fn album_photos_first(
        &self,
        album_root: &Path,
        limit: usize,
    ) -> Result<Vec<PhotoRow>, EngineError> {
        self.photo_rows(album_root, Some(limit)).await
    }

    async fn photo_rows(
        &self,
        album_root: &Path,
        limit: Option<usize>,
    ) -> Result<Vec<PhotoRow>, EngineError> {
        let store = &self.state.store;
        let album = self.album_by_root(album_root).await?;
        let sites = store.sites().await?;
        let (assets, publications) = match limit {
            None => (store.assets(album.id).await?, store.album_publications(album.id).await?),
            Some(n) => {
                // One more than asked, so a RAW+JPEG pair at the page's end is seen whole.
                let assets = store.first_assets(album.id, n as i64 + 1).await?;
                let ids: Vec<AssetId> = assets.iter().map(|a| a.id).collect();
                (assets, store.publications_of_assets(&ids).await?)
            }
        };
        let mut current = HashMap::new();
        for p in publications {
            current.insert((p.asset_id, p.site_id), p);
        }
        let mut rows = Vec::new();
        let settings: crate::AlbumSettings =
            serde_json::from_str(&album.settings).unwrap_or_default();
        let assets = crate::pipeline::pairs::without_pair_halves(assets, settings.raw_pair);
        for asset in assets {
            let mut on_sites = Vec::new();
            for site in sites.iter().filter(|s| album.site_ids.contains(&s.id)) {
                let p = current.remove(&(asset.id, site.id));
                on_sites.push(on_site(&asset, site, p.as_ref()));
            }
            if asset.state == AssetState::Missing
                && on_sites.iter().all(|s| s.state != PhotoState::Orphaned)
            {
                continue;
            }
            let state = on_sites.iter().map(|s| s.state).max().unwrap_or(match asset.state {
                AssetState::Failed => PhotoState::Failed,
                _ => PhotoState::Pending,
            });
            rows.push(PhotoRow {
                asset_id: asset.id,
                path: asset.rel_path.clone(),
                stamp: asset.content_hash.chars().take(12).collect(),
                state,
                error: asset
                    .error
                    .clone()
                    .or_else(|| on_sites.iter().find_map(|s| s.error.clone())),
                sites: on_sites,
            });
        }
        rows.sort_by_key(|r| (r.state == PhotoState::Orphaned, r.path.clone()));
        if let Some(n) = limit {
            rows.truncate(n);
        }
        Ok(rows)
    }

    /// The album's source, to read a photo through.
    async fn source(&self, album: &Album) -> Result<Arc<dyn Source>, EngineError> {
        Ok(self.state.open_source(album).await?)
    }

    pub(crate) async fn fetch(
        &self,
        album: &Album,
        rel_path: &str,
    ) -> Result<LocalCopy, EngineError> {
        Ok(self.source(album).await?.fetch(rel_path).await?)
    }

    fn thumbnail_dir(&self, kind: &str) -> Result<PathBuf, EngineError> {
        self.state.thumbnails.dir(kind).map_err(|e| EngineError::new(ErrorCode::Io, e.to_string()))
    }

    /// A JPEG of the source photo, upright, long edge 320 px; cached by content, so a renamed
    /// photo keeps its thumbnail and a re-exported one gets a new one.
    pub async fn source_thumbnail(&self, asset_id: AssetId) -> Result<PathBuf, EngineError> {
        let store = &self.state.store;
        let asset = store.asset(asset_id).await?.ok_or_else(|| not_found(asset_id))?;
        let album = store.album(asset.album_id).await?.ok_or_else(|| not_found(asset_id))?;
        let cached = crate::thumbnails::source_path(&self.state.thumbnails, &asset.content_hash)
            .map_err(|e| EngineError::new(ErrorCode::Io, e.to_string()))?;
        if self.state.thumbnails.hit(&cached) {
            return Ok(cached);
        }
        let source = self.source(&album).await?;
        // A source that makes its own (Dropbox) saves reading the whole photo.
        if let Ok(Some(bytes)) = source.thumbnail(&asset.rel_path).await {
            self.cache_thumbnail(&cached, bytes).await?;
            return Ok(cached);
        }
        let local = source.fetch(&asset.rel_path).await?;
        let path = local.path().to_path_buf();
        let made = self
            .state
            .pool
            .thumbnail_file(path, crate::thumbnails::THUMBNAIL_EDGE)
            .await
            .map_err(|e| EngineError::new(ErrorCode::Io, e.to_string()))?
            .map_err(|e| EngineError::new(ErrorCode::Io, e.message))?;
        self.cache_thumbnail(&cached, made.bytes).await?;
        Ok(cached)
    }

    /// The site's own small rendition of the photo, downloaded once per version: what visitors
    /// of the site see, shown next to the source.
    pub async fn site_thumbnail(
        &self,
        asset_id: AssetId,
        site_id: SiteId,
    ) -> Result<PathBuf, EngineError> {
        let p = self
            .state
            .store
            .current_publication(asset_id, site_id)
            .await?
            .filter(|p| p.remote_id.is_some())
            .ok_or_else(|| not_found(asset_id))?;
        let url =
            p.thumbnail_url.clone().or(p.remote_url.clone()).ok_or_else(|| not_found(asset_id))?;
        let ext = Path::new(url.split('?').next().unwrap_or_default())
            .extension()
            .and_then(|e| e.to_str())
            .filter(|e| e.len() <= 4 && e.chars().all(|c| c.is_ascii_alphanumeric()))
            .unwrap_or("img")
            .to_ascii_lowercase();
        // Remote ids are the site's own strings: keep only what is safe in a file name.
        let remote: String = p
            .remote_id
            .clone()
            .map(|r| r.0)
            .unwrap_or_default()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        // Named by what the site serves now: a restore changes it without a new source.
        let name = format!("{site_id}-{remote}-{}.{ext}", site_stamp(&p));
        let cached = self.thumbnail_dir("site")?.join(name);
        if self.state.thumbnails.hit(&cached) {
            return Ok(cached);
        }
        let site = self.state.store.site(site_id).await?.ok_or_else(|| not_found(asset_id))?;
        let media = p.remote_url.as_deref();
        let bytes = folio_sites::download(&url, MAX_SITE_THUMBNAIL, &site.url, media).await?;
        self.cache_thumbnail(&cached, bytes).await?;
        Ok(cached)
    }
}

impl Engine {
    /// The photographer's own title, alt text or caption for one photo (`None` goes back to the
    /// album's pattern). Sites that already have the photo get the new text at once.
    pub async fn set_photo_texts(
        &self,
        asset_id: AssetId,
        texts: TextOverrides,
    ) -> Result<(), EngineError> {
        let store = &self.state.store;
        store.set_asset_texts(asset_id, &texts).await?;
        let detail = self.photo_detail(asset_id).await?;
        let asset = store.asset(asset_id).await?.ok_or_else(|| not_found(asset_id))?;
        let album = store.album(asset.album_id).await?.ok_or_else(|| not_found(asset_id))?;
        let settings: crate::AlbumSettings =
            serde_json::from_str(&album.settings).unwrap_or_default();
        let text_key = settings.text_key(&texts);
        let fields = folio_sites::MediaFields {
            title: Some(detail.sent.title).filter(|s| !s.is_empty()),
            alt_text: Some(detail.sent.alt).filter(|s| !s.is_empty()),
            caption: Some(detail.sent.caption).filter(|s| !s.is_empty()),
            description: None,
        };
        for site in store.sites().await? {
            let Some(p) = store.current_publication(asset_id, site.id).await? else {
                continue;
            };
            let (Some(remote_id), PublicationState::Synced) = (&p.remote_id, p.state) else {
                continue;
            };
            let q = crate::queue::workers::queue_for(&self.state, &site)?;
            q.destination.update_fields(remote_id, &fields).await?;
            store.set_publication_text(p.id, &text_key).await?;
        }
        Ok(())
    }
}

/// What the site has for a photo, shortened: its version and when it was last pushed.
/// Where a photo stands on one site, from its publication there (if any).
fn on_site(asset: &Asset, site: &Site, p: Option<&Publication>) -> PhotoOnSite {
    let state = match (p, asset.state) {
        (_, AssetState::Failed) => PhotoState::Failed,
        (Some(p), AssetState::Missing) if p.remote_id.is_some() => PhotoState::Orphaned,
        (Some(p), _) if p.state == PublicationState::Failed => PhotoState::Failed,
        (Some(p), _)
            if p.state == PublicationState::Synced || p.state == PublicationState::Orphaned =>
        {
            if p.content_hash == asset.content_hash {
                PhotoState::Synced
            } else {
                PhotoState::Changed
            }
        }
        _ => PhotoState::Pending,
    };
    PhotoOnSite {
        site: site.name.clone(),
        site_id: site.id,
        state,
        url: p.and_then(|p| p.remote_url.clone()),
        format: p.and_then(|p| p.format.clone()),
        has_thumbnail: p.is_some_and(|p| p.thumbnail_url.is_some()),
        stamp: p.map(site_stamp).unwrap_or_default(),
        error: p.and_then(|p| p.last_error.clone()).filter(|_| state == PhotoState::Failed),
    }
}

fn site_stamp(p: &folio_store::Publication) -> String {
    let pushed =
        folio_convert::content_hash(format!("{}{}", p.content_hash, p.updated_at).as_bytes());
    pushed[..16].to_string()
}

fn not_found(asset_id: AssetId) -> EngineError {
    EngineError::new(ErrorCode::Config, format!("no thumbnail for photo {asset_id}"))
}

/// Per site of the album: the photo's current copy (the newest that is not superseded or
/// deleted) and what a re-edit does there.
fn copies_on_sites(album: &Album, sites: &[Site], publications: &[Publication]) -> Vec<SiteCopy> {
    let mut out = Vec::new();
    for site in album.site_ids.iter().filter_map(|id| sites.iter().find(|s| s.id == *id)) {
        let current = publications.iter().rev().find(|p| {
            p.site_id == site.id
                && !matches!(p.state, PublicationState::Superseded | PublicationState::Deleted)
        });
        let caps = crate::state::EngineState::capabilities(site);
        out.push(SiteCopy {
            site: site.name.clone(),
            state: current.map_or("pending".into(), |p| p.state.as_str().to_string()),
            url: current.and_then(|p| p.remote_url.clone()),
            re_edits: caps.replace_words().to_string(),
        });
    }
    out
}
