//! The thumbnail cache (`thumbnails/<kind>/` under the data folder) stays under a size cap.
//! Thumbnails are made on demand and cheap to make again, so the least recently used go first.
//! Use is recorded in each file's modification time, set whenever the file is handed out; a
//! write that takes the cache past the cap counts the cache and deletes the oldest-used files
//! down to a low-water mark, so that one count makes room for many writes.

use crate::{Engine, EngineError};
use folio_store::Store;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// The cap unless the `thumbnail_cache_bytes` setting says otherwise: about 20,000 grid
/// thumbnails of both kinds.
pub const DEFAULT_LIMIT: u64 = 500_000_000;
pub const LIMIT_SETTING: &str = "thumbnail_cache_bytes";
/// Eviction goes down to this share of the cap.
const LOW_WATER_PERCENT: u64 = 80;
/// A file used this recently is never evicted: the window may be about to read the file the
/// engine has just handed out. (Past the cap only when more than the cap was used in this time.)
const IN_USE: Duration = Duration::from_secs(60);

pub struct ThumbnailCache {
    root: PathBuf,
    limit: AtomicU64,
    /// What the cache held when last counted plus what this process wrote since; `None` until
    /// the first write counts it. Other processes write too: eviction counts again.
    estimate: Mutex<Option<u64>>,
    /// The next count is due when the estimate passes this: the cap, or more where everything
    /// left at the last count was in use.
    count_above: AtomicU64,
    counting: AtomicBool,
}

impl ThumbnailCache {
    pub fn new(root: PathBuf, limit: u64) -> ThumbnailCache {
        ThumbnailCache {
            root,
            limit: AtomicU64::new(limit),
            estimate: Mutex::new(None),
            count_above: AtomicU64::new(limit),
            counting: AtomicBool::new(false),
        }
    }

    pub fn set_limit(&self, limit: u64) {
        self.limit.store(limit, Ordering::Relaxed);
        self.count_above.store(limit, Ordering::Relaxed);
    }

    /// The folder of one kind of thumbnail (source, site, version), made if missing.
    pub fn dir(&self, kind: &str) -> std::io::Result<PathBuf> {
        let dir = self.root.join(kind);
        std::fs::create_dir_all(&dir)?;
        Ok(dir)
    }

    /// Whether `path` is cached; if it is, it counts as used now.
    pub fn hit(&self, path: &Path) -> bool {
        match File::options().write(true).open(path) {
            Ok(f) => {
                let _ = f.set_modified(SystemTime::now());
                true
            }
            Err(_) => false,
        }
    }

    /// Caches `bytes` as `path`, then evicts if the cache went past the cap.
    pub fn put(&self, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        write_atomically(path, bytes)?;
        let due = {
            let mut estimate = self.estimate.lock().expect("thumbnail estimate");
            match estimate.as_mut() {
                Some(n) => {
                    *n += bytes.len() as u64;
                    *n > self.count_above.load(Ordering::Relaxed)
                }
                None => true,
            }
        };
        if due && !self.counting.swap(true, Ordering::AcqRel) {
            self.evict(SystemTime::now());
            self.counting.store(false, Ordering::Release);
        }
        Ok(())
    }

    /// Counts the cache and, past the cap, deletes the least recently used files (never one
    /// used since `now - IN_USE`) down to the low-water mark. Returns the bytes left.
    fn evict(&self, now: SystemTime) -> u64 {
        let mut files = Vec::new();
        list_files(&self.root, &mut files);
        let mut total: u64 = files.iter().map(|f| f.1).sum();
        let limit = self.limit.load(Ordering::Relaxed);
        if total > limit {
            let low_water = limit / 100 * LOW_WATER_PERCENT;
            files.sort_by_key(|f| f.2);
            for (path, len, used) in files {
                if total <= low_water || now.duration_since(used).unwrap_or_default() < IN_USE {
                    break;
                }
                if std::fs::remove_file(&path).is_ok() {
                    total -= len;
                }
            }
        }
        *self.estimate.lock().expect("thumbnail estimate") = Some(total);
        let slack = limit / 100 * (100 - LOW_WATER_PERCENT);
        self.count_above.store(limit.max(total.saturating_add(slack)), Ordering::Relaxed);
        total
    }
}

impl Engine {
    /// Caps the thumbnail cache at `bytes`, for this process and, as the stored setting, for
    /// every later one. The next thumbnail written evicts down to it.
    pub async fn set_thumbnail_cache_limit(&self, bytes: u64) -> Result<(), EngineError> {
        self.state.store.set_setting(LIMIT_SETTING, &bytes.to_string()).await?;
        self.state.thumbnails.set_limit(bytes);
        Ok(())
    }

    /// Caches a thumbnail just made (off the async threads: an eviction counts the cache).
    pub(crate) async fn cache_thumbnail(
        &self,
        path: &Path,
        bytes: Vec<u8>,
    ) -> Result<(), EngineError> {
        let state = self.state.clone();
        let owned = path.to_path_buf();
        tokio::task::spawn_blocking(move || state.thumbnails.put(&owned, &bytes))
            .await
            .map_err(|e| EngineError::io(e.to_string()))?
            .map_err(|e| EngineError::io(format!("{}: {e}", path.display())))
    }
}

/// The cache of the data folder, with the stored cap (else the default).
pub async fn open(data_dir: &Path, store: &Store) -> Result<ThumbnailCache, EngineError> {
    let limit = store.setting(LIMIT_SETTING).await?.and_then(|v| v.parse().ok());
    Ok(ThumbnailCache::new(data_dir.join("thumbnails"), limit.unwrap_or(DEFAULT_LIMIT)))
}

/// Every file under `dir`: path, size, last use.
fn list_files(dir: &Path, out: &mut Vec<(PathBuf, u64, SystemTime)>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let Ok(meta) = entry.metadata() else { continue };
        if meta.is_dir() {
            list_files(&entry.path(), out);
        } else if meta.is_file() {
            let used = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
            out.push((entry.path(), meta.len(), used));
        }
    }
}

/// Written beside under a name of its own, then renamed: a reader never sees half a file, even
/// with two requests for the same thumbnail at once (which would otherwise share one temporary
/// file, and one could rename the other's half-written bytes into place).
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let tmp = path.with_extension(format!("tmp{}-{n}", std::process::id()));
    std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path)).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// The long edge of a grid thumbnail.
pub(crate) const THUMBNAIL_EDGE: u32 = 320;

/// Where the source thumbnail of content `content_hash` is cached.
pub(crate) fn source_path(cache: &ThumbnailCache, content_hash: &str) -> std::io::Result<PathBuf> {
    let key = content_hash.get(..32).unwrap_or(content_hash);
    Ok(cache.dir("source")?.join(format!("{key}.jpg")))
}

/// Makes and caches the source thumbnail of a photo from its local copy at `path`, when the
/// photo came from a service (`remote`) and none is cached: the window then never asks the
/// service again for it. A failure costs only the thumbnail, made later on demand.
pub(crate) async fn keep_source(
    cache: &ThumbnailCache,
    pool: &folio_convert::ConvertPool,
    remote: bool,
    content_hash: &str,
    path: PathBuf,
) {
    let Ok(cached) = source_path(cache, content_hash) else { return };
    if !remote || cached.exists() {
        return;
    }
    if let Ok(Ok(made)) = pool.thumbnail_file(path, THUMBNAIL_EDGE).await {
        let _ = cache.put(&cached, &made.bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn used_ago(path: &Path, ago: Duration) {
        let f = File::options().write(true).open(path).unwrap();
        f.set_modified(SystemTime::now() - ago).unwrap();
    }

    #[test]
    fn past_the_cap_the_least_recently_used_go_first_and_a_file_just_served_stays() {
        let root = tempfile::tempdir().unwrap();
        let cache = ThumbnailCache::new(root.path().to_path_buf(), 1000);
        let dir = cache.dir("source").unwrap();
        let hour = Duration::from_secs(3600);
        for (name, hours) in [("a.jpg", 3), ("b.jpg", 2), ("c.jpg", 1)] {
            cache.put(&dir.join(name), &[0; 300]).unwrap();
            used_ago(&dir.join(name), hour * hours);
        }
        assert!(cache.hit(&dir.join("a.jpg")), "the oldest, served again");
        assert!(!cache.hit(&dir.join("missing.jpg")));

        cache.put(&dir.join("d.jpg"), &[0; 300]).unwrap();
        let left: Vec<bool> =
            ["a.jpg", "b.jpg", "c.jpg", "d.jpg"].iter().map(|n| dir.join(n).exists()).collect();
        assert_eq!(left, [true, false, false, true], "down to 800 bytes, oldest use first");
        assert_eq!(*cache.estimate.lock().unwrap(), Some(600));
    }

    #[test]
    fn files_in_use_are_kept_even_past_the_cap_and_counting_waits_for_real_growth() {
        let root = tempfile::tempdir().unwrap();
        let cache = ThumbnailCache::new(root.path().to_path_buf(), 1000);
        let dir = cache.dir("site").unwrap();
        for i in 0..4 {
            cache.put(&dir.join(format!("{i}.webp")), &[0; 300]).unwrap();
        }
        assert!((0..4).all(|i| dir.join(format!("{i}.webp")).exists()), "all just written");
        // 1,200 bytes in use: the next count is due only after another 200 bytes at least.
        assert_eq!(cache.count_above.load(Ordering::Relaxed), 1400);
        assert_eq!(cache.evict(SystemTime::now() + IN_USE * 2), 600);
    }
}
