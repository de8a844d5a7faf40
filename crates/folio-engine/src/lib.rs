//! folio-engine is the one API for every front end (desktop app, CLI): sites, albums, sync
//! passes. Front ends parse and print; every decision about photos and sites is made here.

mod companion;
mod events;
mod patterns;
mod photos;
mod publish;
mod reconcile;
mod scan;
mod secrets;
mod settings;
mod sync;
mod watch;

pub use companion::{companion_plugin_zip, ReconcileReport};
pub use events::SyncEvent;
pub use patterns::{expand, slugify, PatternInput};
pub use photos::{PhotoDetail, PhotoOnSite, PhotoRow, PhotoState, PushRecord, SentText};
pub use settings::AlbumSettings;
pub use sync::{FailedPhoto, SyncOptions, SyncReport};

use folio_convert::ConvertPool;
use folio_sites::wordpress::WordPress;
use folio_sites::{Capabilities, Destination};
use folio_store::{Album, AssetState, PublicationState, Site, Store};
use secrets::Secrets;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What kind of failure, for front ends to branch on (the CLI maps `Config` to exit status 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A usage or configuration mistake: unknown site, missing folder, bad setting.
    Config,
    /// The site refused or could not be reached.
    Site,
    Secrets,
    Store,
    Io,
}

#[derive(Debug, Clone, thiserror::Error, Serialize)]
#[error("{message}")]
pub struct EngineError {
    pub code: ErrorCode,
    pub message: String,
}

impl EngineError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        EngineError { code, message: message.into() }
    }
    pub fn config(message: impl Into<String>) -> Self {
        EngineError::new(ErrorCode::Config, message)
    }
}

impl From<folio_store::StoreError> for EngineError {
    fn from(e: folio_store::StoreError) -> Self {
        match e {
            folio_store::StoreError::Conflict(m) => EngineError::config(m),
            other => EngineError::new(ErrorCode::Store, other.to_string()),
        }
    }
}

impl From<folio_sites::SiteError> for EngineError {
    fn from(e: folio_sites::SiteError) -> Self {
        EngineError::new(ErrorCode::Site, e.message)
    }
}

/// Where Folio keeps its database and caches: `--data-dir`, else `FOLIO_DATA_DIR`, else the OS
/// data folder (`~/.local/share/folio`, `~/Library/Application Support/app.Folio.folio`,
/// `%APPDATA%\Folio\folio\data`).
pub fn data_dir(explicit: Option<&Path>) -> PathBuf {
    if let Some(p) = explicit {
        return p.to_path_buf();
    }
    if let Some(p) = std::env::var_os("FOLIO_DATA_DIR") {
        return PathBuf::from(p);
    }
    directories::ProjectDirs::from("app", "Folio", "folio")
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".folio"))
}

#[derive(Debug, Clone, Serialize)]
pub struct SiteSummary {
    pub name: String,
    pub kind: String,
    pub url: String,
    pub account: String,
    pub capabilities: Capabilities,
}

#[derive(Debug, Clone, Serialize)]
pub struct AlbumSummary {
    pub name: String,
    pub root: String,
    pub sites: Vec<String>,
    pub settings: AlbumSettings,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct AlbumStatus {
    pub album: String,
    pub root: String,
    pub photos: usize,
    pub synced: usize,
    pub pending: usize,
    pub failed: Vec<FailedPhoto>,
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

pub struct Engine {
    store: Store,
    secrets: Secrets,
    pool: ConvertPool,
    /// Random, made once per data folder; part of every remote slug.
    install_id: String,
    /// One client per site for the engine's lifetime: its pacer (concurrency, Retry-After
    /// pauses) then covers every album on that site and every pass of `watch`, and the
    /// keychain and route probe are read once.
    destinations: std::sync::Mutex<std::collections::HashMap<i64, Arc<dyn Destination>>>,
    /// Auto-sync paused, as last seen; the stored setting is the truth (another process, such
    /// as `folio pause`, may change it).
    paused: std::sync::atomic::AtomicBool,
    /// Wakes a running `watch` when pause, resume or a retry is asked for in this process.
    wake: tokio::sync::Notify,
    /// One pass at a time: the app's "Sync now" and its auto-sync share one engine, and two
    /// passes over one album could both start the same upload.
    pass: tokio::sync::Mutex<()>,
    /// Where the database, secrets files and thumbnail caches live.
    data_dir: PathBuf,
}

const PAUSED_KEY: &str = "auto_sync_paused";

impl Engine {
    pub async fn open(data_dir: &Path) -> Result<Engine, EngineError> {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            EngineError::new(ErrorCode::Io, format!("cannot create {}: {e}", data_dir.display()))
        })?;
        let store = Store::open(&data_dir.join("folio.db")).await?;
        let install_id = store
            .setting_or_insert("install_id", || {
                let seed = format!(
                    "{:?}{}{}",
                    std::time::SystemTime::now(),
                    std::process::id(),
                    data_dir.display()
                );
                folio_convert::content_hash(seed.as_bytes())[..8].to_string()
            })
            .await?;
        Ok(Engine {
            store,
            secrets: Secrets::open(data_dir)?,
            pool: ConvertPool::with_cores(),
            install_id,
            destinations: Default::default(),
            paused: Default::default(),
            wake: Default::default(),
            pass: Default::default(),
            data_dir: data_dir.to_path_buf(),
        })
    }

    /// Checks the credentials against the site before saving anything.
    pub async fn add_wordpress_site(
        &self,
        name: &str,
        url: &str,
        user: &str,
        password: &str,
    ) -> Result<SiteSummary, EngineError> {
        if self.store.site_by_name(name).await?.is_some() {
            return Err(EngineError::config(format!("a site named '{name}' already exists")));
        }
        let wp = WordPress::new(url, user, password)?;
        let capabilities = wp.probe().await?;
        let secret_ref = format!("site-{}", slugify(name));
        self.secrets.set(&secret_ref, password)?;
        let site = self.store.add_site(name, "wordpress", url, user, &secret_ref).await?;
        let caps_json = serde_json::to_string(&capabilities).expect("capabilities serialise");
        self.store.set_site_capabilities(site.id, &caps_json).await?;
        Ok(summary(&Site { capabilities: caps_json, ..site }))
    }

    /// Checks a site again (the Sites screen's "Test connection"): credentials, and what it can
    /// do now, e.g. after the companion plugin was installed. The answer is remembered.
    pub async fn recheck_site(&self, name: &str) -> Result<SiteSummary, EngineError> {
        let site = self
            .store
            .site_by_name(name)
            .await?
            .ok_or_else(|| EngineError::config(format!("no site named '{name}'")))?;
        let capabilities = self.destination(&site)?.probe().await?;
        let caps_json = serde_json::to_string(&capabilities).expect("capabilities serialise");
        self.store.set_site_capabilities(site.id, &caps_json).await?;
        Ok(summary(&Site { capabilities: caps_json, ..site }))
    }

    /// Forgets a site: its password, and what Folio uploaded there (the items stay on the site).
    pub async fn remove_site(&self, name: &str) -> Result<(), EngineError> {
        let site = self
            .store
            .site_by_name(name)
            .await?
            .ok_or_else(|| EngineError::config(format!("no site named '{name}'")))?;
        self.store.remove_site(site.id).await?;
        self.destinations.lock().expect("destination cache lock").remove(&site.id);
        self.secrets.delete(&site.secret_ref)?;
        Ok(())
    }

    pub async fn sites(&self) -> Result<Vec<SiteSummary>, EngineError> {
        Ok(self.store.sites().await?.iter().map(summary).collect())
    }

    pub async fn add_album(
        &self,
        root: &Path,
        site_names: &[String],
        settings: AlbumSettings,
    ) -> Result<AlbumSummary, EngineError> {
        let root = root
            .canonicalize()
            .map_err(|e| EngineError::config(format!("{}: {e}", root.display())))?;
        if !root.is_dir() {
            return Err(EngineError::config(format!("{} is not a folder", root.display())));
        }
        let mut site_ids = Vec::new();
        for name in site_names {
            let site = self.store.site_by_name(name).await?.ok_or_else(|| {
                EngineError::config(format!("no site named '{name}'; add it with 'folio site add'"))
            })?;
            site_ids.push(site.id);
        }
        let name = root.file_name().map_or("album".into(), |n| n.to_string_lossy().into_owned());
        let settings_json = serde_json::to_string(&settings).expect("settings serialise");
        let album =
            self.store.add_album(&root.to_string_lossy(), &name, &settings_json, &site_ids).await?;
        Ok(AlbumSummary {
            name: album.name,
            root: album.root,
            sites: site_names.to_vec(),
            settings,
        })
    }

    pub async fn albums(&self) -> Result<Vec<AlbumSummary>, EngineError> {
        let sites = self.store.sites().await?;
        let mut out = Vec::new();
        for a in self.store.albums().await? {
            let names = a
                .site_ids
                .iter()
                .filter_map(|id| sites.iter().find(|s| s.id == *id))
                .map(|s| s.name.clone())
                .collect();
            let settings = serde_json::from_str(&a.settings).unwrap_or_default();
            out.push(AlbumSummary { name: a.name, root: a.root, sites: names, settings });
        }
        Ok(out)
    }

    fn destination(&self, site: &Site) -> Result<Arc<dyn Destination>, EngineError> {
        let mut cache = self.destinations.lock().expect("destination cache lock");
        if let Some(d) = cache.get(&site.id) {
            return Ok(d.clone());
        }
        let password = self.secrets.get(&site.secret_ref)?;
        let destination: Arc<dyn Destination> =
            Arc::new(WordPress::new(&site.url, &site.account, &password)?);
        cache.insert(site.id, destination.clone());
        Ok(destination)
    }

    /// One full pass over every album. Per-photo failures are in the report; an `Err` means the
    /// pass could not run at all (store, configuration). Dropping the future cancels the pass
    /// safely: an interrupted upload is found again by its slug on the next one.
    pub async fn sync(
        &self,
        options: SyncOptions,
        on_event: &(dyn Fn(SyncEvent) + Sync),
    ) -> Result<SyncReport, EngineError> {
        let _one_pass = self.pass.lock().await;
        let sites = self.store.sites().await?;
        let mut total = SyncReport::default();
        for album in self.store.albums().await? {
            let mut targets = Vec::new();
            let wanted = |s: &&Site| {
                album.site_ids.contains(&s.id)
                    && !(options.auto && album.manual_site_ids.contains(&s.id))
            };
            for site in sites.iter().filter(wanted) {
                targets.push(sync::Target {
                    site: site.clone(),
                    capabilities: serde_json::from_str(&site.capabilities).unwrap_or_default(),
                    destination: self.destination(site)?,
                });
            }
            let ctx = sync::Context {
                store: &self.store,
                pool: &self.pool,
                install_id: &self.install_id,
                options,
            };
            total.add(sync::sync_album(&ctx, &album, &targets, on_event).await?);
        }
        Ok(total)
    }

    /// Whether auto-sync (`watch`, the tray) is paused. Reads the stored setting, so a pause
    /// from another process counts.
    pub async fn auto_sync_paused(&self) -> Result<bool, EngineError> {
        let paused = self.store.setting(PAUSED_KEY).await?.as_deref() == Some("1");
        self.paused.store(paused, std::sync::atomic::Ordering::Relaxed);
        Ok(paused)
    }

    /// Pauses or resumes auto-sync; remembered across restarts. While paused, changes are
    /// noted but nothing is pushed; resuming runs a pass at once. `sync` still works.
    pub async fn set_auto_sync_paused(&self, paused: bool) -> Result<(), EngineError> {
        self.store.set_setting(PAUSED_KEY, if paused { "1" } else { "0" }).await?;
        self.paused.store(paused, std::sync::atomic::Ordering::Relaxed);
        self.wake.notify_waiters();
        Ok(())
    }

    /// The user's Retry: photos waiting for a retry or parked after a failure, in one album
    /// (by its folder) or all, are tried on the next pass. Returns how many jobs.
    pub async fn retry(&self, album_root: Option<&Path>) -> Result<u64, EngineError> {
        let album_id = match album_root {
            Some(root) => Some(self.album_by_root(root).await?.id),
            None => None,
        };
        let n = self.store.requeue_jobs(album_id).await?;
        self.wake.notify_waiters();
        Ok(n)
    }

    /// Changes an album's settings (the settings screen, `folio album set`). Photos whose
    /// output changes are pushed again on the next pass, in place where the site allows.
    pub async fn update_album_settings(
        &self,
        album_root: &Path,
        change: impl FnOnce(&mut AlbumSettings),
    ) -> Result<AlbumSettings, EngineError> {
        let album = self.album_by_root(album_root).await?;
        let mut settings: AlbumSettings = serde_json::from_str(&album.settings).unwrap_or_default();
        change(&mut settings);
        let json = serde_json::to_string(&settings).expect("settings serialise");
        self.store.set_album_settings(album.id, &json).await?;
        self.wake.notify_waiters();
        Ok(settings)
    }

    /// Every connected site and how the album at `album_root` uses it: `None` (not a target),
    /// `Some(true)` (auto-synced) or `Some(false)` (manual: pushed on "Sync now" only).
    pub async fn album_targets(
        &self,
        album_root: &Path,
    ) -> Result<Vec<(String, Option<bool>)>, EngineError> {
        let album = self.album_by_root(album_root).await?;
        Ok(self
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
            .store
            .site_by_name(site_name)
            .await?
            .ok_or_else(|| EngineError::config(format!("no site named '{site_name}'")))?;
        self.store.set_album_target(album.id, site.id, auto_sync).await?;
        self.wake.notify_waiters();
        Ok(())
    }

    async fn album_by_root(&self, album_root: &Path) -> Result<Album, EngineError> {
        let root = album_root
            .canonicalize()
            .map_err(|e| EngineError::config(format!("{}: {e}", album_root.display())))?;
        self.store
            .albums()
            .await?
            .into_iter()
            .find(|a| Path::new(&a.root) == root)
            .ok_or_else(|| EngineError::config(format!("{} is not an album", root.display())))
    }

    /// Expands `pattern` on up to `limit` of the album's photos (in folder order), with their
    /// real metadata and the size the album's preset would give them: the settings screen's
    /// live preview. Returns (relative path, result) pairs; unreadable photos are skipped.
    pub async fn preview_pattern(
        &self,
        album_root: &Path,
        pattern: &str,
        limit: usize,
    ) -> Result<Vec<(String, String)>, EngineError> {
        let album = self.album_by_root(album_root).await?;
        let root = PathBuf::from(&album.root);
        let settings: AlbumSettings = serde_json::from_str(&album.settings).unwrap_or_default();
        let files =
            scan::scan(&root).map_err(|e| EngineError::new(ErrorCode::Io, e.to_string()))?;
        let mut out = Vec::new();
        for (i, file) in files.iter().enumerate() {
            if out.len() >= limit {
                break;
            }
            let Ok(probe) = folio_convert::probe_file(&file.path) else { continue };
            let (w, h) = probe.upright_size();
            let (width, height) = folio_convert::fitted(w, h, settings.preset.max_edge);
            let stem =
                file.path.file_stem().map_or("photo".into(), |s| s.to_string_lossy().into_owned());
            let input = PatternInput {
                stem: &stem,
                album: &album.name,
                sequence: i + 1,
                meta: &probe.meta,
                width,
                height,
            };
            out.push((file.rel_path.clone(), expand(pattern, &input)));
        }
        Ok(out)
    }

    /// The newest `limit` activity entries, newest first.
    pub async fn activity(&self, limit: u32) -> Result<Vec<ActivityEntry>, EngineError> {
        let rows = self.store.recent_activity(limit as i64).await?;
        Ok(rows
            .into_iter()
            .map(|(at, level, message)| ActivityEntry { at, level, message })
            .collect())
    }

    pub async fn status(&self) -> Result<Vec<AlbumStatus>, EngineError> {
        let mut out = Vec::new();
        for album in self.store.albums().await? {
            out.push(self.album_status(&album).await?);
        }
        Ok(out)
    }

    async fn album_status(&self, album: &Album) -> Result<AlbumStatus, EngineError> {
        let mut status = AlbumStatus {
            album: album.name.clone(),
            root: album.root.clone(),
            ..Default::default()
        };
        let mut current = std::collections::HashMap::new();
        for p in self.store.album_publications(album.id).await? {
            // Ordered by id, so the newest wins.
            current.insert((p.asset_id, p.site_id), p);
        }
        for asset in self.store.assets(album.id).await? {
            match asset.state {
                AssetState::Missing => continue,
                AssetState::Failed => {
                    status.photos += 1;
                    status.failed.push(FailedPhoto {
                        path: asset.rel_path,
                        error: asset.error.unwrap_or_default(),
                    });
                    continue;
                }
                AssetState::Present => status.photos += 1,
            }
            let mut synced = true;
            for site in &album.site_ids {
                match current.remove(&(asset.id, *site)) {
                    Some(p)
                        if p.state == PublicationState::Synced
                            && p.content_hash == asset.content_hash => {}
                    Some(p) if p.state == PublicationState::Failed => {
                        synced = false;
                        status.failed.push(FailedPhoto {
                            path: asset.rel_path.clone(),
                            error: p.last_error.unwrap_or_default(),
                        });
                    }
                    _ => synced = false,
                }
            }
            // With no target site yet, nothing is published: the photo waits.
            if synced && !album.site_ids.is_empty() {
                status.synced += 1;
            } else if !status.failed.iter().any(|f| f.path == asset.rel_path) {
                status.pending += 1;
            }
        }
        Ok(status)
    }
}

fn summary(site: &Site) -> SiteSummary {
    SiteSummary {
        name: site.name.clone(),
        kind: site.kind.clone(),
        url: site.url.clone(),
        account: site.account.clone(),
        capabilities: serde_json::from_str(&site.capabilities).unwrap_or_default(),
    }
}
