//! Where photos come from. Each kind of album source implements [`Source`]: what changed since
//! a cursor, an item's bytes, its identity (path, size, content hash or revision), optionally a
//! thumbnail, and a signal when something may have changed. [`Sources`] makes the right one for
//! an album by its kind, so a new source (the Dropbox API, …) is one more implementation and
//! not a change to the engine.

pub mod account;
pub mod canva;
mod capped;
#[cfg(feature = "testing")]
pub mod conformance;
pub mod dropbox;
pub mod figma;
mod folder;
pub mod lightroom;
pub mod openrouter;

pub use dropbox::DropboxSource;
pub use folder::{connector as folder_connector, FolderSource, SETTLE};
pub use folio_model::SourceItem;

use folio_model::ConnectorInfo;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What the store knows about one item, by path, so a source can tell what changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Known {
    pub size: u64,
    pub modified_ns: i64,
    pub content_hash: String,
}

/// What changed in a source since the last look.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// New or changed items, whole and identified.
    pub changed: Vec<SourceItem>,
    /// Items still being written; a known one keeps its last version until it is whole.
    pub settling: Vec<String>,
    /// Known items that are gone.
    pub removed: Vec<String>,
    /// Items that are there but could not be read, with the reason.
    pub unreadable: Vec<(String, String)>,
    /// Parts of the source that could not be looked at (an unreadable subfolder). When there
    /// are any, nothing counts as removed: unseen is not gone.
    pub incomplete: Vec<String>,
    /// Where to continue next time, for sources with change cursors.
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceErrorKind {
    /// The album's root is not there (an unplugged drive, a deleted Dropbox folder).
    Gone,
    /// A temporary failure; the next look may work.
    Unavailable,
    /// The source refused Folio's credentials.
    Reconnect,
    /// This item could not be read.
    Item,
    /// The service's quota is spent for a while (a daily export limit): nothing is asked
    /// until `retry_after` has passed.
    RateLimited,
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct SourceError {
    pub kind: SourceErrorKind,
    pub message: String,
    /// How long the source asked Folio to wait before asking again (a 429's `Retry-After`
    /// longer than a sync should be held for).
    pub retry_after: Option<std::time::Duration>,
}

impl SourceError {
    pub fn new(kind: SourceErrorKind, message: impl Into<String>) -> Self {
        SourceError { kind, message: message.into(), retry_after: None }
    }
}

/// Items larger than this are refused before they are read or downloaded: no photo is, and
/// folio-convert would refuse to read one anyway (its `MAX_SOURCE_BYTES`, the same 1 GiB), so
/// hashing or downloading it would only cost time, disk and bandwidth.
pub const MAX_ITEM_BYTES: u64 = 1 << 30;

/// Why an item over [`MAX_ITEM_BYTES`] is not read, for `Changes::unreadable` and
/// [`SourceErrorKind::Item`].
pub fn too_large(size: u64) -> String {
    format!(
        "too large: the file is {:.1} GB; Folio reads photos up to {} GB",
        size as f64 / f64::from(1u32 << 30),
        MAX_ITEM_BYTES >> 30
    )
}

/// An item's bytes as a file the converter can read: the source's own file, or a download
/// that is deleted when this is dropped.
#[derive(Debug)]
pub enum LocalCopy {
    InPlace(PathBuf),
    Downloaded(PathBuf),
}

impl LocalCopy {
    pub fn path(&self) -> &Path {
        match self {
            LocalCopy::InPlace(p) | LocalCopy::Downloaded(p) => p,
        }
    }
}

impl Drop for LocalCopy {
    fn drop(&mut self) {
        if let LocalCopy::Downloaded(p) = self {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Keeps a source's change signal alive; dropping it stops the signal.
pub type WatchGuard = Box<dyn Send + Sync>;

/// What a source's change signal says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// Something may have changed, perhaps still being written.
    Changed,
    /// A file was closed after writing (or moved in) and is whole now: no reason to wait for
    /// more before looking. Only where the OS says so (inotify); elsewhere every signal is
    /// [`Signal::Changed`].
    Written,
}

/// Called when something in a source may have changed.
pub type OnChange = Arc<dyn Fn(Signal) + Send + Sync>;

#[async_trait::async_trait]
pub trait Source: Send + Sync {
    /// What changed since `cursor`, against what the store knows (`known`, by path). Never
    /// reads an item whose size and time are as known.
    async fn changes(
        &self,
        cursor: Option<&str>,
        known: &HashMap<String, Known>,
    ) -> Result<Changes, SourceError>;

    /// The item's bytes as a local file.
    async fn fetch(&self, path: &str) -> Result<LocalCopy, SourceError>;

    /// A small JPEG of the item made by the source itself, where it can; `None` and the engine
    /// makes one from [`Source::fetch`].
    async fn thumbnail(&self, path: &str) -> Result<Option<Vec<u8>>, SourceError> {
        let _ = path;
        Ok(None)
    }

    /// Calls `on_change` whenever something may have changed, until the guard is dropped. It
    /// only says *that* something changed; [`Source::changes`] finds what. Signals can be
    /// missed, so the engine also looks on a timer.
    fn watch(&self, on_change: OnChange) -> Result<WatchGuard, SourceError>;
}

/// What the store keeps about an album's source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceConfig {
    /// "folder", …
    pub kind: String,
    /// A folder's path, or the source's own location.
    pub location: String,
    /// The account it reads with, for a source behind a sign-in.
    pub account: Option<SourceAccount>,
}

/// The account an album reads with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceAccount {
    pub id: i64,
    /// Its connector's fields, with defaults filled in.
    pub config: folio_model::Config,
    /// Its keychain entry.
    pub secret_ref: Option<String>,
    /// When its secret was last kept (`YYYY-MM-DDTHH:MM:SSZ`), for tokens that last a known
    /// while.
    pub signed_in_at: Option<String>,
}

type Maker = Arc<dyn Fn(&SourceConfig) -> Result<Arc<dyn Source>, SourceError> + Send + Sync>;

/// The factory that makes an album's source by its kind.
#[derive(Clone, Default)]
pub struct Sources {
    makers: BTreeMap<String, (ConnectorInfo, Maker)>,
    /// Sources whose accounts sign in through the browser, by kind.
    oauth: BTreeMap<String, Arc<dyn account::OauthSource>>,
}

impl Sources {
    /// The source kinds Folio ships.
    pub fn standard() -> Sources {
        let mut s = Sources::default();
        s.register(folder::connector::connector(), |config| {
            Ok(Arc::new(FolderSource::new(&config.location)))
        });
        s.register_oauth(
            dropbox::connector::connector(),
            Arc::new(dropbox::account::DropboxAccounts),
        );
        s.register_oauth(canva::connector::connector(), Arc::new(canva::account::CanvaAccounts));
        s.register_oauth(figma::connector::connector(), Arc::new(figma::account::FigmaAccounts));
        s.register_oauth(
            lightroom::connector::connector(),
            Arc::new(lightroom::account::LightroomAccounts),
        );
        s.register_oauth(
            openrouter::connector::connector(),
            Arc::new(openrouter::OpenRouterAccounts),
        );
        s
    }

    /// Adds a source whose accounts sign in through the browser. Its albums are opened by the
    /// engine, which holds the accounts' tokens (see [`Sources::oauth`]).
    pub fn register_oauth(&mut self, info: ConnectorInfo, oauth: Arc<dyn account::OauthSource>) {
        let label = info.label.clone();
        self.register(info.clone(), move |_| {
            Err(SourceError::new(
                SourceErrorKind::Reconnect,
                format!("{label} albums are read with an account's token, which this Folio has not given"),
            ))
        });
        self.oauth.insert(info.id, oauth);
    }

    /// The browser sign-in of a source kind, if it has one.
    pub fn oauth(&self, kind: &str) -> Option<Arc<dyn account::OauthSource>> {
        self.oauth.get(kind).cloned()
    }

    /// Every source kind that signs in through the browser, with its declaration.
    pub fn oauth_sources(&self) -> Vec<(ConnectorInfo, Arc<dyn account::OauthSource>)> {
        let info = |id: &str| self.makers.get(id).map(|(info, _)| info.clone());
        self.oauth.iter().filter_map(|(id, o)| Some((info(id)?, o.clone()))).collect()
    }

    /// Adds a source connector: what it declares, and how an album's source is made.
    pub fn register(
        &mut self,
        info: ConnectorInfo,
        maker: impl Fn(&SourceConfig) -> Result<Arc<dyn Source>, SourceError> + Send + Sync + 'static,
    ) {
        self.makers.insert(info.id.clone(), (info, Arc::new(maker)));
    }

    /// What each source connector declares, by id.
    pub fn connectors(&self) -> impl Iterator<Item = &ConnectorInfo> {
        self.makers.values().map(|(info, _)| info)
    }

    pub fn open(&self, config: &SourceConfig) -> Result<Arc<dyn Source>, SourceError> {
        let (_, maker) = self.makers.get(&config.kind).ok_or_else(|| {
            SourceError::new(
                SourceErrorKind::Gone,
                format!("this Folio cannot read '{}' albums", config.kind),
            )
        })?;
        maker(config)
    }
}
