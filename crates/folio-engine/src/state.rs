//! What every part of the engine shares: the store, the secrets, the converter, the backends
//! and sources, one queue per site, the rendition spool, the progress model and the event
//! stream. Site workers hold it, so it lives behind an `Arc` for as long as any of them runs.

use crate::pipeline::progress::Tracker;
use crate::pipeline::renditions::Renditions;
use crate::pipeline::site_queue::SiteQueue;
use crate::secrets::Secrets;
use crate::EngineError;
use folio_convert::ConvertPool;
use folio_model::{AlbumId, SiteId, SiteState, SyncEvent};
use folio_sites::{Backends, Capabilities, SiteConfig};
use folio_sources::Sources;
use folio_store::{Site, Store};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{broadcast, Notify};

pub struct EngineState {
    pub store: Store,
    pub secrets: Secrets,
    /// The access token of each account that signs in through the browser, shared by its
    /// albums.
    pub oauth: Arc<crate::tokens::OauthTokens>,
    pub pool: ConvertPool,
    /// Random, made once per data folder; part of every duplicate key.
    pub install_id: String,
    pub data_dir: PathBuf,
    pub backends: Backends,
    pub sources: Sources,
    /// One queue per site for the engine's lifetime: its workers, its destination (and the
    /// destination's pacer) serve every album and every pass.
    pub queues: Mutex<HashMap<SiteId, Arc<SiteQueue>>>,
    pub renditions: Arc<Renditions>,
    pub thumbnails: crate::thumbnails::ThumbnailCache,
    pub progress: Arc<Tracker>,
    pub events: broadcast::Sender<SyncEvent>,
    /// Auto-sync paused, as last seen; the stored setting is the truth (another process, such
    /// as `folio pause`, may change it).
    pub paused: AtomicBool,
    /// Wakes album tasks: pause, resume, retry, a site that works again, new settings.
    pub wake: Notify,
    /// One pass per album at a time: "Sync now" and auto-sync share one engine.
    pub album_locks: Mutex<HashMap<AlbumId, Arc<tokio::sync::Mutex<()>>>>,
    /// How soon a paused site is checked again (doubling up to 20 times that).
    pub site_check_every: Duration,
}

/// The stored setting that pauses auto-sync, for every process on this data folder.
pub const PAUSED_KEY: &str = "auto_sync_paused";

impl EngineState {
    /// Whether auto-sync is paused, read from the store (another process, such as
    /// `folio pause`, may have changed it).
    pub async fn auto_sync_paused(&self) -> Result<bool, EngineError> {
        let paused = self.store.setting(PAUSED_KEY).await?.as_deref() == Some("1");
        self.paused.store(paused, std::sync::atomic::Ordering::Relaxed);
        Ok(paused)
    }

    pub fn emit(&self, event: SyncEvent) {
        // Nobody listening is fine: events are for whoever wants them.
        let _ = self.events.send(event);
    }

    pub fn album_lock(&self, album: AlbumId) -> Arc<tokio::sync::Mutex<()>> {
        self.album_locks.lock().expect("album locks").entry(album).or_default().clone()
    }

    /// How a stored site is reached: its address and account, and its account's fields with
    /// the connector's fallbacks.
    pub fn site_config(&self, site: &Site) -> SiteConfig {
        SiteConfig {
            kind: site.kind.clone(),
            url: site.url.clone(),
            account: site.account.clone(),
            config: self.connector_config(&site.kind, &site.account_config),
        }
    }

    /// Stops and forgets a site's queue (the site was removed or its credentials changed).
    pub fn drop_queue(&self, site: SiteId) {
        if let Some(q) = self.queues.lock().expect("queues").remove(&site) {
            q.stop();
        }
    }

    pub fn capabilities(site: &Site) -> Capabilities {
        Capabilities::from_stored(&site.capabilities)
    }

    /// Records a site's new state: stored, logged and sent once per change, never per photo.
    pub async fn set_site_state(
        &self,
        site: SiteId,
        state: SiteState,
        error: Option<&str>,
    ) -> Result<(), EngineError> {
        if !self.store.set_site_state(site, state, error).await? {
            return Ok(());
        }
        self.progress.site_state(site, state);
        let name = self.store.site(site).await?.map_or_else(|| site.to_string(), |s| s.name);
        let (level, message) = match state {
            SiteState::Ok => ("info", format!("{name} works again; its photos are pushed now")),
            SiteState::Reconnect => (
                "error",
                format!(
                    "{name} refused Folio's credentials; its photos wait until it is reconnected: {}",
                    error.unwrap_or_default()
                ),
            ),
            SiteState::RateLimited => (
                "info",
                format!(
                    "{name} has used up its rate limit; its photos wait: {}",
                    error.unwrap_or_default()
                ),
            ),
            SiteState::Unreachable => (
                "error",
                format!(
                    "{name} cannot be reached; its photos wait and it is checked again by itself: {}",
                    error.unwrap_or_default()
                ),
            ),
        };
        self.store.log(None, level, &message).await?;
        self.emit(SyncEvent::SiteState { site, state, error: error.map(str::to_string) });
        if state == SiteState::Ok {
            self.wake.notify_waiters();
        }
        Ok(())
    }
}
