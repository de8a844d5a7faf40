//! folio-engine is the one API for every front end (desktop app, CLI): sites, albums, sync
//! passes, live sync, progress. Front ends parse and display; every decision about photos and
//! sites is made here.
//!
//! The data path: an album's Source says what changed → reconcile records it → the planner
//! turns photos × target sites into steps → each site's queue carries its steps out through
//! the Destination trait → the store records the result → events and the progress model tell
//! the front ends. Sources and destinations are plug-ins (folio-sources, folio-sites), picked
//! by kind; nothing here names a backend.

mod ai;
mod api;
mod browser;
mod clock;
mod connect;
mod describe;
mod error;
mod generate;
mod history;
mod live;
mod pipeline;
mod publish;
mod queue;
mod secrets;
mod site_tokens;
mod state;
mod thumbnails;
mod tokens;
// The connect room names the sites it makes as `crate::sites`.
use api::sites;

pub use api::accounts::{AccountSummary, BrowseEntry, EntryPreview};
pub use api::albums::AlbumSummary;
pub use api::companion::{companion_plugin_zip, ReconcileReport};
pub use api::lightroom::{
    lightroom_modules_folder, write_lightroom_plugin, LIGHTROOM_PLUGIN, LIGHTROOM_PLUGIN_FILES,
};
pub use api::photos::{PhotoDetail, PhotoOnSite, PhotoRow, PushRecord, SentText};
pub use api::sites::{NewSite, SiteSummary};
pub use api::status::{ActivityEntry, AlbumStatus, DataFolder, DataFolderParts, SiteFormats};
pub use browser::open_in_browser;
pub use connect::SIGN_IN_TIMEOUT;
pub use connect::{
    app_callback_params, percent_decode, AppAnswers, Callback, Handed, LateAnswer,
    WordPressConnect, APP_CALLBACK, CONNECT_TIMEOUT, LATE_GRACE,
};
pub use describe::{AltEstimate, AltRequest, AltSuggestion};
pub use error::{EngineError, ErrorCode};
pub use folio_model::{
    AlbumId, AlbumProgress, AlbumSettings, AssetId, Capabilities, ImageFormat, OutputFormat,
    PhotoErrorCode, PhotoState, Preset, Progress, RawPair, SiteId, SiteProgress, SiteState,
    SyncEvent, TextField, TextOverrides, Work,
};
pub use folio_model::{
    Config, ConnectorInfo, Field, FieldKind, Prompt, Reply, Role, SignInKind, SignInStep,
};
/// The account of a Shopify store connected with an Admin API token (else: an app's client id),
/// for `site reconnect`, which asks for the one or the other.
pub use folio_sites::shopify::TOKEN_ACCOUNT as SHOPIFY_TOKEN_ACCOUNT;
pub use folio_sources::openrouter::pricing::dollars;
pub use generate::{GenerateRequest, Generated, GeneratedCopy, ImageModel};
pub use history::restore::RestoreReport;
pub use history::versions::VersionSummary;
pub use live::watch::QUIET;
pub use pipeline::patterns::{expand, slugify, Made, PatternInput};
pub use pipeline::report::{FailedPhoto, SiteReport, SyncOptions, SyncReport};
pub use publish::named::{PhotoRef, PublishState, PublishedCopy, PublishedPhoto};
pub use publish::photo_states::{CopyState, CopyStatus, PhotoStatus, PublishedState};
pub use publish::unpublish::{UnpublishState, Unpublished};

pub use folio_convert::worker as decoder;
use folio_convert::ConvertPool;
pub use folio_convert::{Decoding, WorkerCommand};
use folio_sites::Backends;
use folio_sources::Sources;
use folio_store::Store;
use pipeline::renditions::Renditions;
use secrets::Secrets;
use state::EngineState;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

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

/// What an engine is built from; the defaults are what Folio ships.
pub struct EngineOptions {
    pub backends: Backends,
    pub sources: Sources,
    /// Keep credentials in files under the data folder instead of the OS keychain (as
    /// `FOLIO_SECRETS=file` does).
    pub file_secrets: bool,
    /// How soon a paused site is checked again.
    pub site_check_every: Duration,
    /// Where photos are decoded. The app and the CLI use decoder processes, so a file that
    /// crashes a codec or exhausts memory ends only that process; in-process is for tests.
    pub decoding: Decoding,
}

impl EngineOptions {
    /// The defaults, with photos decoded in child processes of this program, whose `main`
    /// calls [`decoder::serve_if_asked`] first.
    pub fn isolated() -> EngineOptions {
        let decoding = match WorkerCommand::this_program() {
            Ok(command) => Decoding::Isolated(command),
            // No path to this program (it was deleted while running): decode here rather
            // than not at all.
            Err(_) => Decoding::InProcess,
        };
        EngineOptions { decoding, ..EngineOptions::default() }
    }
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            backends: Backends::standard(),
            sources: Sources::standard(),
            file_secrets: false,
            site_check_every: queue::workers::default_check_every(),
            decoding: Decoding::InProcess,
        }
    }
}

/// Progress is sent at most this often.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

pub struct Engine {
    state: Arc<EngineState>,
    ticker: tokio::task::JoinHandle<()>,
    /// The sign-ins under way (`connect_start` … `connect_continue`).
    sign_ins: connect::SignIns,
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.ticker.abort();
        let queues: Vec<_> = self.state.queues.lock().expect("queues").drain().collect();
        for (_, q) in queues {
            q.stop();
        }
    }
}

impl Engine {
    pub async fn open(data_dir: &Path) -> Result<Engine, EngineError> {
        Engine::open_with(data_dir, EngineOptions::default()).await
    }

    /// Opens the engine on `data_dir`. Must run inside a Tokio runtime: site queues are tasks.
    pub async fn open_with(data_dir: &Path, options: EngineOptions) -> Result<Engine, EngineError> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| EngineError::io(format!("cannot create {}: {e}", data_dir.display())))?;
        let store = Store::open(&data_dir.join("folio.db")).await?;
        // The database names the photographer's sites, accounts and folders: theirs alone.
        private(data_dir, &["folio.db", "folio.db-wal", "folio.db-shm"]);
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
        let secrets = if options.file_secrets {
            Secrets::Files(data_dir.join("secrets"))
        } else {
            Secrets::open(data_dir)?
        };
        // Nothing in the data folder grows without end: dead processes' spools go as the spool
        // opens, the activity log keeps a window, the thumbnail cache a cap.
        store.prune_activity().await?;
        let thumbnails = thumbnails::open(data_dir, &store).await?;
        let renditions = Renditions::open(&data_dir.join("spool"))
            .map_err(|e| EngineError::io(format!("{}: {e}", data_dir.join("spool").display())))?;
        let oauth = Arc::new(tokens::OauthTokens::default());
        let mut sources = options.sources;
        // Downloads in this engine's own spool: swept with it if the process dies mid-download.
        tokens::open_with_tokens(
            &mut sources,
            oauth.clone(),
            secrets.clone(),
            renditions.dir(),
            data_dir,
        );
        let (events, _) = tokio::sync::broadcast::channel(4096);
        let state = Arc::new(EngineState {
            store,
            secrets,
            oauth,
            pool: ConvertPool::with_cores(options.decoding),
            install_id,
            data_dir: data_dir.to_path_buf(),
            backends: options.backends,
            sources,
            queues: Default::default(),
            renditions: Arc::new(renditions),
            thumbnails,
            progress: Default::default(),
            events,
            paused: Default::default(),
            wake: Default::default(),
            album_locks: Default::default(),
            site_check_every: options.site_check_every,
        });
        history::versions::forget_removed_photos(&state).await;
        let ticker = tokio::spawn(send_progress(Arc::downgrade(&state)));
        let engine = Engine { state, ticker, sign_ins: Default::default() };
        engine.auto_sync_paused().await?;
        Ok(engine)
    }

    /// Everything the engine reports while it works. Progress comes as `SyncEvent::Progress`
    /// at most a few times a second; `progress()` gives it at any time.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<SyncEvent> {
        self.state.events.subscribe()
    }

    /// The engine's progress model now: per album and per site, what is in hand.
    pub fn progress(&self) -> Progress {
        self.state.progress.snapshot()
    }

    /// Whether auto-sync (`watch`, the tray) is paused. Reads the stored setting, so a pause
    /// from another process counts.
    pub async fn auto_sync_paused(&self) -> Result<bool, EngineError> {
        self.state.auto_sync_paused().await
    }

    /// Pauses or resumes auto-sync; remembered across restarts. While paused, changes are
    /// noted but nothing is pushed; resuming runs a pass at once. `sync` still works.
    pub async fn set_auto_sync_paused(&self, paused: bool) -> Result<(), EngineError> {
        self.state.store.set_setting(state::PAUSED_KEY, if paused { "1" } else { "0" }).await?;
        self.state.paused.store(paused, Ordering::Relaxed);
        self.state.emit(SyncEvent::AutoSync { paused });
        self.state.wake.notify_waiters();
        Ok(())
    }

    /// The user's Retry: photos waiting for a retry or parked after a failure, in one album
    /// (by its folder) or all, are tried on the next pass. Returns how many jobs.
    pub async fn retry(&self, album_root: Option<&Path>) -> Result<u64, EngineError> {
        let album_id = match album_root {
            Some(root) => Some(self.album_by_root(root).await?.id),
            None => None,
        };
        let n = self.state.store.requeue_jobs(album_id).await?;
        self.state.wake.notify_waiters();
        Ok(n)
    }

    /// The newest `limit` activity entries, newest first.
    pub async fn activity(&self, limit: u32) -> Result<Vec<ActivityEntry>, EngineError> {
        let rows = self.state.store.recent_activity(limit as i64).await?;
        Ok(rows
            .into_iter()
            .map(|(at, level, message)| ActivityEntry { at, level, message })
            .collect())
    }
}

/// Makes `dir` and the named files in it readable by the user only (Unix), whether Folio made
/// them just now or an older version left them wider.
fn private(dir: &Path, files: &[&str]) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
        for f in files {
            let path = dir.join(f);
            if path.exists() {
                let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
            }
        }
    }
    #[cfg(not(unix))]
    let _ = (dir, files);
}

/// Sends the progress model when it changed, at most every [`PROGRESS_EVERY`]; sleeps while
/// nothing happens.
async fn send_progress(state: std::sync::Weak<EngineState>) {
    let Some(tracker) = state.upgrade().map(|s| s.progress.clone()) else { return };
    loop {
        tracker.wake.notified().await;
        tokio::time::sleep(PROGRESS_EVERY).await;
        let Some(state) = state.upgrade() else { return };
        if state.progress.take_changed() {
            state.emit(SyncEvent::Progress { progress: state.progress.snapshot() });
        }
    }
}
