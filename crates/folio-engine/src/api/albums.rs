//! Albums: a source root with its settings and target sites.

use crate::pipeline::patterns::{expand, PatternInput};
use crate::{Engine, EngineError};
use folio_model::{AlbumId, AlbumSettings};
use folio_store::{Album, AssetState};
use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize)]
pub struct AlbumSummary {
    pub id: AlbumId,
    pub name: String,
    pub root: String,
    /// Which source reads it ("folder", …).
    pub source: String,
    pub sites: Vec<String>,
    pub settings: AlbumSettings,
}

impl Engine {
    /// Stops syncing the album at `root`: Folio forgets it, what it published from it and the
    /// versions it kept of its photos. The photos stay in the folder and on the sites.
    pub async fn remove_album(&self, root: &Path) -> Result<String, EngineError> {
        let album = self.album_by_root(root).await?;
        // Not in the middle of one of its passes.
        let lock = self.state.album_lock(album.id);
        let _no_pass = lock.lock().await;
        let photos = self.state.store.assets(album.id).await?.into_iter().map(|a| a.id).collect();
        self.state.store.remove_album(album.id).await?;
        crate::history::versions::forget_photos(&self.state.data_dir, &photos);
        let message = format!(
            "Stopped syncing {} ({}); its photos stay in the folder and on the sites",
            album.name, album.root
        );
        self.state.store.log(None, "info", &message).await?;
        Ok(message)
    }

    /// A folder becomes an album that syncs to `site_names`.
    pub async fn add_album(
        &self,
        root: &Path,
        site_names: &[String],
        settings: AlbumSettings,
    ) -> Result<AlbumSummary, EngineError> {
        if let Some((account, location)) = self.account_location(root).await? {
            return self.add_account_album(&account, location, site_names, settings).await;
        }
        let root = root
            .canonicalize()
            .map_err(|e| EngineError::config(format!("{}: {e}", root.display())))?;
        if !root.is_dir() {
            return Err(EngineError::config(format!("{} is not a folder", root.display())));
        }
        // Folio's own folder (or one around it) would be an album of its database and caches,
        // rescanned each time Folio writes there.
        let data =
            self.state.data_dir.canonicalize().unwrap_or_else(|_| self.state.data_dir.clone());
        if root.starts_with(&data) || data.starts_with(&root) {
            return Err(EngineError::config(format!(
                "{} holds Folio's own data ({}); choose the folder you export photos to",
                root.display(),
                data.display()
            )));
        }
        let name = root.file_name().map_or("album".into(), |n| n.to_string_lossy().into_owned());
        self.insert_album("folder", &root.to_string_lossy(), &name, site_names, settings).await
    }

    /// Stores a new album of `kind` at `location`, going to the named sites.
    /// `ACCOUNT:/Folder` names a folder of a source account (`dropbox:/…` the connector's
    /// default account); anything else, or a folder that exists here, is a folder on this computer.
    async fn account_location<'a>(
        &self,
        root: &'a Path,
    ) -> Result<Option<(folio_store::Account, &'a str)>, EngineError> {
        let Some(text) = root.to_str() else { return Ok(None) };
        let Some((prefix, _)) = text.split_once(':') else { return Ok(None) };
        // `C:\Photos` is a drive; `photos:2024` may be a folder here.
        if prefix.len() < 2 || prefix.contains(['/', '\\']) || root.exists() {
            return Ok(None);
        }
        let account = match self.state.store.account_by_name(prefix).await? {
            // A site's account is where photos go, not where they come from.
            Some(a) if a.site.is_some() => return Ok(None),
            Some(a) => Some(a),
            None => self.state.default_account(prefix, prefix).await?,
        };
        match account {
            Some(a) => Ok(Some((a, text))),
            None if self.connectors().iter().any(|c| c.id == prefix) => Err(EngineError::config(
                format!("no {prefix} account is signed in; run 'folio connect {prefix}' first"),
            )),
            None => Ok(None),
        }
    }

    async fn add_account_album(
        &self,
        account: &folio_store::Account,
        location: &str,
        site_names: &[String],
        settings: AlbumSettings,
    ) -> Result<AlbumSummary, EngineError> {
        let (folder, title) = self.check_location(account, location).await?;
        let last = folder.rsplit('/').next().filter(|n| !n.is_empty());
        let name = title.as_deref().or(last).unwrap_or(&account.name);
        let location = format!("{}:{folder}", account.name);
        let album =
            self.insert_album(&account.connector, &location, name, site_names, settings).await?;
        self.state.store.set_album_account(album.id, account.id).await?;
        Ok(album)
    }

    async fn insert_album(
        &self,
        kind: &str,
        location: &str,
        name: &str,
        site_names: &[String],
        settings: AlbumSettings,
    ) -> Result<AlbumSummary, EngineError> {
        let store = &self.state.store;
        let mut site_ids = Vec::new();
        for site_name in site_names {
            let site = store.site_by_name(site_name).await?.ok_or_else(|| {
                EngineError::config(format!(
                    "no site named '{site_name}'; add it with 'folio site add'"
                ))
            })?;
            site_ids.push(site.id);
        }
        let settings_json = serde_json::to_string(&settings).expect("settings serialise");
        let album = store.add_album(kind, location, name, &settings_json, &site_ids).await?;
        Ok(AlbumSummary {
            id: album.id,
            name: album.name,
            root: album.root,
            source: album.source_kind,
            sites: site_names.to_vec(),
            settings,
        })
    }

    pub async fn albums(&self) -> Result<Vec<AlbumSummary>, EngineError> {
        let sites = self.state.store.sites().await?;
        let mut out = Vec::new();
        for a in self.state.store.albums().await? {
            let names = a
                .site_ids
                .iter()
                .filter_map(|id| sites.iter().find(|s| s.id == *id))
                .map(|s| s.name.clone())
                .collect();
            let settings = serde_json::from_str(&a.settings).unwrap_or_default();
            out.push(AlbumSummary {
                id: a.id,
                name: a.name,
                root: a.root,
                source: a.source_kind,
                sites: names,
                settings,
            });
        }
        Ok(out)
    }

    /// The album's settings, as they are (nothing is written or started).
    pub async fn album_settings(&self, album_root: &Path) -> Result<AlbumSettings, EngineError> {
        let album = self.album_by_root(album_root).await?;
        Ok(serde_json::from_str(&album.settings).unwrap_or_default())
    }

    /// Changes an album's settings (the settings screen, `folio album set`). Photos whose
    /// output or text changes are pushed again on the next pass, in place where the site
    /// allows; unchanged settings change nothing.
    pub async fn update_album_settings(
        &self,
        album_root: &Path,
        change: impl FnOnce(&mut AlbumSettings),
    ) -> Result<AlbumSettings, EngineError> {
        let album = self.album_by_root(album_root).await?;
        let before: AlbumSettings = serde_json::from_str(&album.settings).unwrap_or_default();
        let mut settings = before.clone();
        change(&mut settings);
        let describer =
            |s: &AlbumSettings| (s.ai_alt, s.ai_alt_account.clone(), s.ai_alt_model.clone());
        if settings.ai_alt && describer(&settings) != describer(&before) {
            // Said now, not on every pass: no account, or a model that cannot read images.
            let (account, model) = (&settings.ai_alt_account, &settings.ai_alt_model);
            self.ai_alt_estimate(Some(account), Some(model)).await?;
        }
        if settings != before {
            let json = serde_json::to_string(&settings).expect("settings serialise");
            self.state.store.set_album_settings(album.id, &json).await?;
            self.state.wake.notify_waiters();
        }
        Ok(settings)
    }

    /// The user says the photos that vanished from the album all at once were removed on
    /// purpose: the next pass takes them as deleted (and, under the album's delete policy,
    /// removes them from the sites). Returns how many were held.
    pub async fn confirm_removals(&self, album_root: &Path) -> Result<i64, EngineError> {
        let album = self.album_by_root(album_root).await?;
        self.state.store.confirm_removals(album.id).await?;
        self.state.wake.notify_waiters();
        Ok(album.held_removals)
    }

    /// Every connected site and how the album at `album_root` uses it: `None` (not a target),
    /// `Some(true)` (auto-synced) or `Some(false)` (manual: pushed on "Sync now" only).
    pub async fn album_targets(
        &self,
        album_root: &Path,
    ) -> Result<Vec<(String, Option<bool>)>, EngineError> {
        let album = self.album_by_root(album_root).await?;
        Ok(self
            .state
            .store
            .sites()
            .await?
            .into_iter()
            .map(|s| {
                let mode =
                    album.site_ids.contains(&s.id).then(|| !album.manual_site_ids.contains(&s.id));
                (s.name, mode)
            })
            .collect())
    }

    pub async fn set_album_target(
        &self,
        album_root: &Path,
        site_name: &str,
        auto_sync: Option<bool>,
    ) -> Result<(), EngineError> {
        let album = self.album_by_root(album_root).await?;
        let site = self
            .state
            .store
            .site_by_name(site_name)
            .await?
            .ok_or_else(|| EngineError::config(format!("no site named '{site_name}'")))?;
        self.state.store.set_album_target(album.id, site.id, auto_sync).await?;
        self.state.wake.notify_waiters();
        Ok(())
    }

    pub(crate) async fn album_by_root(&self, album_root: &Path) -> Result<Album, EngineError> {
        // A folder is named by its real path; other sources by their own location string.
        let wanted = album_root.canonicalize().unwrap_or_else(|_| album_root.to_path_buf());
        self.state
            .store
            .albums()
            .await?
            .into_iter()
            .find(|a| Path::new(&a.root) == wanted)
            .ok_or_else(|| EngineError::config(format!("{} is not an album", wanted.display())))
    }

    /// Expands `pattern` on up to `limit` of the album's photos (in album order), with their
    /// real metadata and the size the album's preset would give them: the settings screen's
    /// live preview. Returns (relative path, result) pairs; unreadable photos are skipped.
    pub async fn preview_pattern(
        &self,
        album_root: &Path,
        pattern: &str,
        limit: usize,
    ) -> Result<Vec<(String, String)>, EngineError> {
        let state = &self.state;
        let album = self.album_by_root(album_root).await?;
        let settings: AlbumSettings = serde_json::from_str(&album.settings).unwrap_or_default();
        let source = state.open_source(&album).await?;
        let mut photos: Vec<_> = state
            .store
            .assets(album.id)
            .await?
            .into_iter()
            .filter(|a| a.state != AssetState::Missing)
            .collect();
        if photos.is_empty() {
            // Not looked at yet: look now (the first sync would do the same).
            photos = crate::live::reconcile::reconcile(state, &album, &*source).await?.current;
        }
        let mut out = Vec::new();
        for (i, photo) in photos.iter().enumerate() {
            if out.len() >= limit {
                break;
            }
            let Ok(local) = source.fetch(&photo.rel_path).await else { continue };
            let path: PathBuf = local.path().to_path_buf();
            let Ok(Ok(probe)) = state.pool.probe_file(path).await else {
                continue;
            };
            let (w, h) = probe.upright_size();
            let (width, height) = folio_convert::fitted(w, h, settings.preset.max_edge);
            let stem = Path::new(&photo.rel_path)
                .file_stem()
                .map_or("photo".into(), |s| s.to_string_lossy().into_owned());
            let made = state.made(&album, &photo.rel_path);
            let input = PatternInput {
                stem: &stem,
                album: &album.name,
                sequence: i + 1,
                meta: &probe.meta,
                width,
                height,
                made: &made,
            };
            out.push((photo.rel_path.clone(), expand(pattern, &input)));
        }
        Ok(out)
    }
}
