//! The Dropbox API as an album source: a folder in the user's Dropbox, listed recursively with a
//! cursor kept per album, changes recognised by Dropbox's `content_hash` (never by
//! `client_modified`, which a re-export may keep), and live changes heard through the long poll.
//!
//! A renamed or moved photo keeps its `content_hash`, so it is not converted or uploaded again.
//! A file still being uploaded to Dropbox (no `content_hash` yet) or that Dropbox will not serve
//! waits, as a settling file in a folder does. Downloads are streamed to Folio's spool folder with
//! a size cap, one photo at a time, never the whole account. The engine gives each process a
//! spool folder of its own and sweeps those of dead processes, `.part` files included.

pub mod account;
pub mod api;
pub mod connector;
#[cfg(feature = "testing")]
pub mod fake;
mod hash;
pub mod wire;

pub use api::{AccessToken, DropboxApi, Endpoints};
pub use hash::{content_hash, content_hash_of};

use crate::{Changes, Known, LocalCopy, OnChange, Source, SourceError, SourceErrorKind as Kind};
use crate::{SourceItem, WatchGuard, MAX_ITEM_BYTES};
use folio_model::is_photo_name;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use wire::{Entry, FileEntry};

/// A `content_hash` as Folio stores it: marked, so it is never taken for a local BLAKE3 (and safe in a file name on every OS).
pub fn identity(hash: &str) -> String {
    format!("dropbox-{hash}")
}

/// Numbers every download of the process: a source is opened for each use, so several may
/// download into one spool at once and a counter of their own would give two the same file.
static DOWNLOADS: AtomicU64 = AtomicU64::new(0);

pub struct DropboxSource {
    api: DropboxApi,
    /// The album's folder as the user chose it, e.g. `/Clients/Weddings`; "" for the whole
    /// Dropbox.
    root: String,
    spool: PathBuf,
}

impl DropboxSource {
    /// `root` is a Dropbox path (`/Some/Folder`); downloads go under `spool`.
    pub fn new(api: DropboxApi, root: &str, spool: PathBuf) -> Self {
        let root = root.trim_end_matches('/').to_string();
        DropboxSource { api, root, spool }
    }

    /// `ACCOUNT:/Some/Folder` (`dropbox:/Some/Folder` for the first Dropbox account) →
    /// `/Some/Folder`.
    pub fn parse_location(location: &str) -> Option<&str> {
        let (account, path) = location.split_once(':')?;
        (!account.is_empty() && (path.is_empty() || path.starts_with('/'))).then_some(path)
    }

    /// The path relative to the album root, from Dropbox's display path.
    fn relative(&self, display: &str) -> Option<String> {
        // Dropbox paths are case-insensitive: the display path may differ from the root's case.
        let head = display.get(..self.root.len())?;
        if head.to_lowercase() != self.root.to_lowercase() {
            return None;
        }
        let rest = display[self.root.len()..].strip_prefix('/')?;
        (!rest.is_empty()).then(|| rest.to_string())
    }

    fn dropbox_path(&self, relative: &str) -> String {
        format!("{}/{relative}", self.root)
    }

    /// Sorts one entry into `changes`.
    fn take(
        &self,
        entry: Entry,
        known: &HashMap<String, Known>,
        seen: &mut HashSet<String>,
        changes: &mut Changes,
    ) {
        match entry {
            Entry::File(f) => {
                let Some(path) = self.relative(&f.path_display) else { return };
                if !is_photo_name(&f.name) {
                    return;
                }
                seen.insert(path.to_lowercase());
                if f.size > MAX_ITEM_BYTES {
                    // Known from the listing: never downloaded only to be refused.
                    changes.unreadable.push((path, crate::too_large(f.size)));
                    return;
                }
                match item(&path, &f) {
                    None => changes.settling.push(path),
                    Some(item) => {
                        let same =
                            known.get(&path).is_some_and(|k| k.content_hash == item.content_hash);
                        if !same {
                            changes.changed.push(item);
                        }
                    }
                }
            }
            Entry::Deleted(d) => {
                let Some(gone) = self.relative(&d.path_display).map(|p| p.to_lowercase()) else {
                    return;
                };
                // A deleted folder removes everything known under it.
                for path in known.keys() {
                    let lower = path.to_lowercase();
                    if lower == gone || lower.starts_with(&format!("{gone}/")) {
                        changes.removed.push(path.clone());
                    }
                }
            }
            Entry::Folder(_) => {}
        }
    }
}

/// The item, or `None` while Dropbox cannot serve it yet (still uploading, not downloadable).
fn item(path: &str, f: &FileEntry) -> Option<SourceItem> {
    let hash = f.content_hash.as_ref().filter(|_| f.is_downloadable)?;
    Some(SourceItem {
        path: path.to_string(),
        size: f.size,
        modified_ns: modified_ns(&f.server_modified),
        content_hash: identity(hash),
        revision: Some(f.rev.clone()),
    })
}

/// `2026-12-01T10:20:30Z` as nanoseconds since the epoch (0 when unreadable: only shown).
fn modified_ns(stamp: &str) -> i64 {
    let digits: Vec<i64> = stamp
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .filter_map(|s| s.parse().ok())
        .collect();
    let [y, mo, d, h, mi, s] = digits[..] else { return 0 };
    let days = folio_model::time::days_from_civil(y, mo, d);
    (days * 86_400 + h * 3_600 + mi * 60 + s) * 1_000_000_000
}

#[async_trait::async_trait]
impl Source for DropboxSource {
    async fn changes(
        &self,
        cursor: Option<&str>,
        known: &HashMap<String, Known>,
    ) -> Result<Changes, SourceError> {
        let mut changes = Changes::default();
        let mut seen = HashSet::new();
        let since = match cursor {
            Some(c) => self.api.changes_since(c).await?,
            None => None,
        };
        let full = since.is_none();
        let (entries, next) = match since {
            Some(found) => found,
            // No cursor yet, or Dropbox reset it: list everything again. Unchanged photos are
            // recognised by their content hash, so nothing is uploaded again.
            None => self.api.list_all(&self.root).await.map_err(|e| match e.kind {
                Kind::Gone => SourceError::new(
                    Kind::Gone,
                    format!(
                        "the album's Dropbox folder {} is gone (moved, renamed or deleted)",
                        self.root
                    ),
                ),
                _ => e,
            })?,
        };
        for entry in entries {
            self.take(entry, known, &mut seen, &mut changes);
        }
        if full {
            changes.removed =
                known.keys().filter(|p| !seen.contains(&p.to_lowercase())).cloned().collect();
        }
        changes.removed.sort();
        changes.removed.dedup();
        changes.cursor = Some(next);
        Ok(changes)
    }

    async fn fetch(&self, path: &str) -> Result<LocalCopy, SourceError> {
        std::fs::create_dir_all(&self.spool).map_err(|e| {
            SourceError::new(
                Kind::Unavailable,
                format!("could not create {}: {e}", self.spool.display()),
            )
        })?;
        let n = DOWNLOADS.fetch_add(1, Ordering::Relaxed);
        let dest = self.spool.join(format!("dropbox-{}-{n}.part", std::process::id()));
        let copy = LocalCopy::Downloaded(dest.clone());
        self.api.download(&self.dropbox_path(path), &dest, MAX_ITEM_BYTES).await?;
        Ok(copy)
    }

    async fn thumbnail(&self, path: &str) -> Result<Option<Vec<u8>>, SourceError> {
        use base64::Engine;
        if !has_dropbox_thumbnail(path) {
            // HEIC and camera raws: Dropbox makes none, Folio makes its own from the file.
            return Ok(None);
        }
        let got = self.api.thumbnails(&[self.dropbox_path(path)]).await?;
        Ok(got
            .into_iter()
            .next()
            .flatten()
            .and_then(|b64| base64::engine::general_purpose::STANDARD.decode(b64).ok()))
    }

    fn watch(&self, on_change: OnChange) -> Result<WatchGuard, SourceError> {
        let api = self.api.clone();
        let root = self.root.clone();
        let task = tokio::spawn(async move {
            let mut pause = Duration::from_secs(1);
            loop {
                let cursor = match api.latest_cursor(&root).await {
                    Ok(c) => c,
                    Err(_) => {
                        tokio::time::sleep(pause).await;
                        pause = (pause * 2).min(Duration::from_secs(300));
                        continue;
                    }
                };
                match api.longpoll(&cursor, Duration::from_secs(120)).await {
                    Ok((changed, backoff)) => {
                        pause = Duration::from_secs(1);
                        // Dropbox lists a file only once its upload is complete.
                        if changed {
                            on_change(crate::Signal::Written);
                        }
                        if let Some(secs) = backoff {
                            tokio::time::sleep(Duration::from_secs(secs)).await;
                        }
                    }
                    Err(_) => {
                        tokio::time::sleep(pause).await;
                        pause = (pause * 2).min(Duration::from_secs(300));
                    }
                }
            }
        });
        Ok(Box::new(AbortOnDrop(task)))
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A response body as text, at most `cap` bytes (an error page must not fill memory).
pub(crate) async fn capped_text(mut r: reqwest::Response, cap: usize) -> String {
    let mut out = Vec::new();
    while let Ok(Some(chunk)) = r.chunk().await {
        out.extend_from_slice(&chunk);
        if out.len() > cap {
            out.truncate(cap);
            break;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether Dropbox makes thumbnails of this file: its documented extensions (`get_thumbnail_batch`:
/// jpg, jpeg, png, tiff, tif, gif, webp, ppm and bmp).
pub(crate) fn has_dropbox_thumbnail(path: &str) -> bool {
    let ext = folio_model::extension(path).unwrap_or_default();
    matches!(ext.as_str(), "jpg" | "jpeg" | "png" | "tiff" | "tif" | "gif" | "webp" | "ppm" | "bmp")
}

#[cfg(test)]
mod tests {
    #[test]
    fn server_modified_reads_as_epoch_nanoseconds() {
        assert_eq!(super::modified_ns("1970-01-01T00:00:01Z"), 1_000_000_000);
        assert_eq!(super::modified_ns("2026-12-01T10:20:30Z"), 1_796_120_430 * 1_000_000_000);
        assert_eq!(super::modified_ns("garbage"), 0);
    }
}
