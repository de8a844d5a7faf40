//! A folder on disk (a Lightroom export or publish folder, a synced Dropbox folder): the first
//! [`Source`]. Scans compare size and modification time with what the store knows, so an
//! unchanged file is never read; a changed one is read only once it has stopped changing, and
//! identified by a BLAKE3 hash of its bytes.

pub mod connector;
mod scan;
mod settle;
mod watch;
mod written;

pub use settle::SETTLE;

use crate::{
    Changes, Known, LocalCopy, OnChange, Source, SourceError, SourceErrorKind, WatchGuard,
    MAX_ITEM_BYTES,
};
use folio_model::SourceItem;
use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};

pub struct FolderSource {
    root: PathBuf,
    patience: std::time::Duration,
}

impl FolderSource {
    pub fn new(root: impl Into<PathBuf>) -> FolderSource {
        FolderSource { root: root.into(), patience: settle::SETTLE_PATIENCE }
    }

    /// How long one look waits for files that keep changing (30 s by default).
    pub fn with_settle_patience(mut self, patience: std::time::Duration) -> FolderSource {
        self.patience = patience;
        self
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file for a relative, `/`-separated path, refusing anything that would leave the
    /// album (`..`, an absolute path).
    fn file(&self, rel: &str) -> Result<PathBuf, SourceError> {
        let rel = Path::new(rel);
        let inside = rel.components().all(|c| matches!(c, std::path::Component::Normal(_)));
        if !inside {
            return Err(SourceError::new(
                SourceErrorKind::Item,
                format!("{} is not inside the album", rel.display()),
            ));
        }
        Ok(self.root.join(rel))
    }
}

/// BLAKE3 of a file's bytes, read in blocks so a 100 MB RAW costs no more memory than a JPEG.
fn hash_file(path: &Path) -> std::io::Result<String> {
    let mut hasher = blake3::Hasher::new();
    let mut file = std::fs::File::open(path)?;
    let mut block = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut block)?;
        if n == 0 {
            return Ok(hasher.finalize().to_hex().to_string());
        }
        hasher.update(&block[..n]);
    }
}

fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> impl std::future::Future<Output = Result<T, SourceError>> {
    let task = tokio::task::spawn_blocking(work);
    async move { task.await.map_err(|e| SourceError::new(SourceErrorKind::Unavailable, e.to_string())) }
}

#[async_trait::async_trait]
impl Source for FolderSource {
    async fn changes(
        &self,
        _cursor: Option<&str>,
        known: &HashMap<String, Known>,
    ) -> Result<Changes, SourceError> {
        let root = self.root.clone();
        let scan = blocking(move || scan::scan(&root))
            .await?
            .map_err(|e| SourceError::new(SourceErrorKind::Gone, e.to_string()))?;
        let mut changes = Changes { incomplete: scan.errors, ..Changes::default() };
        let seen: HashSet<&str> = scan.files.iter().map(|f| f.rel_path.as_str()).collect();
        if changes.incomplete.is_empty() {
            changes.removed =
                known.keys().filter(|p| !seen.contains(p.as_str())).cloned().collect();
            changes.removed.sort();
        }
        let (changed, too_large): (Vec<scan::SeenFile>, Vec<scan::SeenFile>) = scan
            .files
            .into_iter()
            .filter(|f| {
                known
                    .get(&f.rel_path)
                    .is_none_or(|k| k.size != f.size || k.modified_ns != f.mtime_ns)
            })
            .partition(|f| f.size <= MAX_ITEM_BYTES);
        for file in too_large {
            changes.unreadable.push((file.rel_path, crate::too_large(file.size)));
        }
        let (ready, unsettled) = settle::settle(changed, self.patience).await;
        changes.settling = unsettled.into_iter().map(|f| f.rel_path).collect();
        for file in ready {
            let path = file.path.clone();
            match blocking(move || hash_file(&path)).await? {
                Ok(content_hash) => changes.changed.push(SourceItem {
                    path: file.rel_path,
                    size: file.size,
                    modified_ns: file.mtime_ns,
                    content_hash,
                    revision: None,
                }),
                // Gone between the scan and the read: the next scan says so.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => changes.unreadable.push((file.rel_path, e.to_string())),
            }
        }
        Ok(changes)
    }

    async fn fetch(&self, path: &str) -> Result<LocalCopy, SourceError> {
        let file = self.file(path)?;
        match std::fs::metadata(&file) {
            Ok(meta) if meta.is_file() && meta.len() > MAX_ITEM_BYTES => {
                Err(SourceError::new(SourceErrorKind::Item, crate::too_large(meta.len())))
            }
            Ok(meta) if meta.is_file() => Ok(LocalCopy::InPlace(file)),
            _ => Err(SourceError::new(
                SourceErrorKind::Item,
                format!("{path} is no longer in the album folder"),
            )),
        }
    }

    fn watch(&self, on_change: OnChange) -> Result<WatchGuard, SourceError> {
        watch::start(&self.root, on_change)
    }
}
