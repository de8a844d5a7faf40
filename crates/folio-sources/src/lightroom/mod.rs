//! Lightroom (cloud) albums as an album source, through Adobe's Lightroom Services API. An
//! album is a Lightroom album; its location is `ACCOUNT:album/ID`. Its items are the album's
//! photos (videos are skipped), named by the file names they were imported with.
//!
//! Lightroom has no change feed for an album (`updated_since` exists only on the whole
//! catalog), so each look lists the album whole, every page through `links.next`. A photo
//! whose `updated` and develop settings are the ones the last look handled (kept in the
//! cursor) is not downloaded at all; a changed one's rendition is downloaded at once and hashed
//! by its bytes, and reported only if those changed. Its file waits in the spool for
//! [`Source::fetch`]; a fetch that finds none downloads it again. A photo gone from the listing
//! is reported removed, and the engine applies the album's delete policy. There is no push
//! notification of edits, so there is nothing to watch: the engine looks on its timer.

pub mod account;
pub mod api;
pub mod connector;
#[cfg(feature = "testing")]
pub mod fake;
pub mod items;
pub mod renditions;
pub mod wire;

pub use api::{AccessToken, ApiKey, LightroomApi, Polling};

use crate::{Changes, Known, LocalCopy, OnChange, Source, SourceError, SourceErrorKind as Kind};
use crate::{SourceItem, WatchGuard};
use items::{edit_key, spooled, unix_ns, Seen};
use renditions::Renditions;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use wire::Asset;

/// The renditions Folio reads: `2048` for any credential; `2560` and `fullsize` for entitled
/// ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rendition {
    Standard,
    Large,
    Full,
}

impl Rendition {
    /// Its name in the API's paths and in `X-Generate-Renditions`.
    pub fn name(self) -> &'static str {
        match self {
            Rendition::Standard => "2048",
            Rendition::Large => "2560",
            Rendition::Full => "fullsize",
        }
    }
}

/// `ACCOUNT:album/ID` → (account, album id).
pub fn parse_location(location: &str) -> Option<(&str, &str)> {
    let (account, path) = location.split_once(':')?;
    let id = path.trim_matches('/').strip_prefix("album/")?;
    let valid = !account.is_empty()
        && !id.is_empty()
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    valid.then_some((account, id))
}

/// Numbers the fetched copies of the process, as Dropbox's downloads are.
static COPIES: AtomicU64 = AtomicU64::new(0);

pub struct LightroomSource {
    renditions: Renditions,
    album: String,
    /// The album's location, naming its spooled photos.
    location: String,
    spool: PathBuf,
}

impl LightroomSource {
    pub fn new(
        api: LightroomApi,
        location: &str,
        wanted: Rendition,
        spool: PathBuf,
    ) -> Option<Self> {
        let (account, album) = parse_location(location)?;
        let renditions = Renditions { api, wanted, account: account.to_string() };
        Some(LightroomSource {
            renditions,
            album: album.to_string(),
            location: location.to_string(),
            spool,
        })
    }

    /// Why this album reads 2048-pixel renditions though it asked for larger ones, if it does.
    pub fn fallback_note(&self) -> Option<String> {
        renditions::fallback_note(&self.renditions.api, &self.renditions.account)
    }

    /// The album's photos, every page.
    async fn photos(&self) -> Result<Vec<Asset>, SourceError> {
        let assets = self.renditions.api.album_assets(&self.album).await?;
        Ok(assets.into_iter().filter(|a| a.subtype.is_empty() || a.subtype == "image").collect())
    }

    fn spool_dir(&self) -> Result<(), SourceError> {
        std::fs::create_dir_all(&self.spool).map_err(|e| {
            SourceError::new(
                Kind::Unavailable,
                format!("could not create {}: {e}", self.spool.display()),
            )
        })
    }

    fn copy_path(&self) -> PathBuf {
        let n = COPIES.fetch_add(1, Ordering::Relaxed);
        self.spool.join(format!("lightroom-{}-{n}.jpg", std::process::id()))
    }

    /// Downloads the photo to `dest` through a `.part` file, so a broken download is never
    /// taken for the photo.
    async fn download(&self, asset: &str, dest: &Path) -> Result<(u64, Rendition), SourceError> {
        let part = dest.with_extension("part");
        let got = self.renditions.download(asset, &part).await;
        match got {
            Ok(got) => {
                std::fs::rename(&part, dest)
                    .map_err(|e| SourceError::new(Kind::Unavailable, format!("spool: {e}")))?;
                Ok(got)
            }
            Err(e) => {
                let _ = std::fs::remove_file(&part);
                Err(e)
            }
        }
    }
}

async fn hash_file(path: &Path) -> Result<String, SourceError> {
    let path = path.to_path_buf();
    let hashed =
        tokio::task::spawn_blocking(move || std::fs::read(&path).map(|b| blake3::hash(&b)))
            .await
            .map_err(|e| SourceError::new(Kind::Unavailable, format!("spool: {e}")))?;
    let hash = hashed.map_err(|e| SourceError::new(Kind::Unavailable, format!("spool: {e}")))?;
    Ok(format!("lightroom-{}", hash.to_hex()))
}

/// Errors that are one photo's and not the whole look's.
fn photo_error(e: &SourceError) -> bool {
    matches!(e.kind, Kind::Item | Kind::Gone)
}

#[async_trait::async_trait]
impl Source for LightroomSource {
    async fn changes(
        &self,
        cursor: Option<&str>,
        known: &HashMap<String, Known>,
    ) -> Result<Changes, SourceError> {
        let photos = self.photos().await?;
        self.spool_dir()?;
        let names = items::names(&photos);
        let before = Seen::parse(cursor);
        let mut seen = Seen::default();
        let mut changes = Changes::default();
        // Paths that are there, changed or not: everything else known is removed.
        let mut present: HashSet<String> = HashSet::new();
        for photo in &photos {
            let path = &names[&photo.id];
            present.insert(path.clone());
            // The rendition asked for is part of the key: choosing another reads every
            // photo again at its new size.
            let key = format!("{}.{}", edit_key(photo), self.renditions.wanted.name());
            let handled = before.0.get(&photo.id);
            if handled == Some(&key) && known.contains_key(path) {
                seen.0.insert(photo.id.clone(), key);
                continue;
            }
            let file = spooled(&self.spool, &self.location, path);
            let size = match self.download(&photo.id, &file).await {
                Ok((size, _)) => size,
                Err(e) if photo_error(&e) => {
                    // It stays as it was; the next look tries again.
                    changes.unreadable.push((path.clone(), e.message));
                    if let Some(h) = handled {
                        seen.0.insert(photo.id.clone(), h.clone());
                    }
                    continue;
                }
                Err(e) => return Err(e),
            };
            let content_hash = hash_file(&file).await?;
            seen.0.insert(photo.id.clone(), key.clone());
            if known.get(path).is_some_and(|k| k.content_hash == content_hash) {
                // The same picture (a rating or a keyword moved `updated`): nothing to fetch.
                let _ = std::fs::remove_file(&file);
                continue;
            }
            changes.changed.push(SourceItem {
                path: path.clone(),
                size,
                modified_ns: unix_ns(&photo.updated).unwrap_or(0),
                content_hash,
                revision: Some(key),
            });
        }
        changes.removed = known.keys().filter(|p| !present.contains(*p)).cloned().collect();
        changes.removed.sort();
        for gone in &changes.removed {
            // A download the engine never fetched must not outlive its photo.
            let _ = std::fs::remove_file(spooled(&self.spool, &self.location, gone));
        }
        changes.cursor = Some(seen.cursor());
        Ok(changes)
    }

    async fn fetch(&self, path: &str) -> Result<LocalCopy, SourceError> {
        self.spool_dir()?;
        let copy = self.copy_path();
        let waiting = spooled(&self.spool, &self.location, path);
        // Taken, not copied: the engine fetches a changed photo once, and a later fetch
        // downloads it afresh.
        if std::fs::rename(&waiting, &copy).is_ok() {
            return Ok(LocalCopy::Downloaded(copy));
        }
        let photos = self.photos().await?;
        let names = items::names(&photos);
        let photo = photos.iter().find(|p| names[&p.id] == path).ok_or_else(|| {
            SourceError::new(
                Kind::Gone,
                format!("{path} is not in the Lightroom album {}", self.album),
            )
        })?;
        self.download(&photo.id, &copy).await?;
        Ok(LocalCopy::Downloaded(copy))
    }

    fn watch(&self, _on_change: OnChange) -> Result<WatchGuard, SourceError> {
        // The Lightroom Services API has no notification of edits to poll less for.
        Ok(Box::new(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_an_album_of_an_account() {
        assert_eq!(parse_location("lr:album/0a1b2c"), Some(("lr", "0a1b2c")));
        assert_eq!(parse_location("lr:/album/0a1b2c/"), Some(("lr", "0a1b2c")));
        assert_eq!(parse_location("lr:album/"), None);
        assert_eq!(parse_location("lr:folder/0a1b"), None);
        assert_eq!(parse_location("lr:album/../x"), None);
        assert_eq!(parse_location(":album/0a1b"), None);
    }
}
