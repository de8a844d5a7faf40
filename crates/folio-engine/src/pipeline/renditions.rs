//! Each photo is converted once per distinct preset, and that rendition serves every site that
//! takes it. Renditions wait on disk (a spool under the data folder), not in memory, because a
//! slow site may take its copy long after the fast ones: 1,000 photos queued for it must not
//! mean 1,000 WebPs in RAM. A rendition is reserved by each step that needs it when the step
//! is planned, and its file is deleted when the last one is done with it.
//!
//! Each engine spools into a folder of its own under `spool/` (the app and a `folio watch` may
//! share a data folder), holding a lock file in it for as long as it lives. The OS releases the
//! lock when the process dies, however it dies, so at start a folder whose lock can be taken is
//! a dead process's, and goes with its renditions and Dropbox downloads.

use folio_convert::{ConvertError, PhotoMeta, Rendition};
use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use tokio::sync::OnceCell;

/// The file a live engine holds locked in its spool folder.
const LOCK: &str = "lock";
/// A spool folder without a lock file was left by a Folio from before the locks, or by a
/// process that died while making it: it goes once nothing in it has changed for this long.
const UNLOCKED_STALE: Duration = Duration::from_secs(3600);

/// A photo version under a preset.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RenditionKey {
    pub content_hash: String,
    pub preset_hash: String,
}

/// A converted photo waiting in the spool.
#[derive(Debug)]
pub struct Spooled {
    path: PathBuf,
    pub extension: &'static str,
    pub mime: &'static str,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    pub meta: PhotoMeta,
}

impl Spooled {
    pub fn read(&self) -> std::io::Result<Vec<u8>> {
        std::fs::read(&self.path)
    }
}

impl Drop for Spooled {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Why a rendition could not be made.
#[derive(Debug, Clone)]
pub enum Unmade {
    /// The photo cannot be converted (its fault: corrupt, unsupported, too large).
    Photo(ConvertError),
    /// Its file is not there now (a drive unplugged mid-sync): nobody's fault, the next look at
    /// the album decides.
    Missing(String),
}

type Made = Result<Arc<Spooled>, Unmade>;

struct Entry {
    cell: Arc<OnceCell<Made>>,
    reservations: usize,
}

pub struct Renditions {
    dir: PathBuf,
    /// Held while this engine lives; see the module comment.
    lock: Option<File>,
    entries: Mutex<HashMap<RenditionKey, Entry>>,
    conversions: AtomicU64,
    next_file: AtomicU64,
}

/// A step's claim on a rendition; dropping it releases the claim.
pub struct Reservation {
    renditions: Arc<Renditions>,
    key: RenditionKey,
}

impl Reservation {
    pub fn key(&self) -> &RenditionKey {
        &self.key
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        let mut entries = self.renditions.entries.lock().expect("renditions lock");
        if let Some(e) = entries.get_mut(&self.key) {
            e.reservations -= 1;
            if e.reservations == 0 {
                // The file goes once the last holder of the rendition drops it.
                entries.remove(&self.key);
            }
        }
    }
}

impl Renditions {
    /// A spool of this engine's own under `spool_root`; spools left by processes that died are
    /// removed.
    pub fn open(spool_root: &Path) -> std::io::Result<Renditions> {
        std::fs::create_dir_all(spool_root)?;
        sweep(spool_root, SystemTime::now());
        let (dir, lock) = claim(spool_root)?;
        Ok(Renditions {
            dir,
            lock: Some(lock),
            entries: Mutex::new(HashMap::new()),
            conversions: AtomicU64::new(0),
            next_file: AtomicU64::new(0),
        })
    }

    /// This engine's spool folder (Dropbox downloads go under it too).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// How many conversions this engine has made.
    pub fn conversions(&self) -> u64 {
        self.conversions.load(Ordering::Relaxed)
    }

    pub fn reserve(self: &Arc<Self>, key: RenditionKey) -> Reservation {
        let mut entries = self.entries.lock().expect("renditions lock");
        entries
            .entry(key.clone())
            .or_insert_with(|| Entry { cell: Arc::new(OnceCell::new()), reservations: 0 })
            .reservations += 1;
        Reservation { renditions: self.clone(), key }
    }

    /// The rendition for a reservation, made by `convert` if nobody has made it yet. Every
    /// step waiting on the same key shares one conversion (and its error).
    pub async fn get<F>(&self, reservation: &Reservation, convert: F) -> Made
    where
        F: std::future::Future<Output = Result<Rendition, Unmade>>,
    {
        let cell = {
            let entries = self.entries.lock().expect("renditions lock");
            entries.get(&reservation.key).map(|e| e.cell.clone()).expect("a reservation is held")
        };
        cell.get_or_init(|| async {
            let made = convert.await?;
            self.conversions.fetch_add(1, Ordering::Relaxed);
            let n = self.next_file.fetch_add(1, Ordering::Relaxed);
            let path = self.dir.join(format!("{n}.{}", made.extension));
            std::fs::write(&path, &made.bytes).map_err(|e| {
                let e = ConvertError::new(
                    &path,
                    folio_convert::ErrorKind::Io,
                    format!("spooling: {e}"),
                );
                Unmade::Photo(e)
            })?;
            Ok(Arc::new(Spooled {
                path,
                extension: made.extension,
                mime: made.mime,
                width: made.width,
                height: made.height,
                bytes: made.bytes.len() as u64,
                meta: made.meta,
            }))
        })
        .await
        .clone()
    }
}

impl Drop for Renditions {
    fn drop(&mut self) {
        // Closed first: Windows keeps a folder with an open file in it.
        drop(self.lock.take());
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A new spool folder, its lock file already held.
fn claim(spool_root: &Path) -> std::io::Result<(PathBuf, File)> {
    // Several engines may share a process (the tests do); each has a spool of its own.
    let nanos = SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let dir = spool_root.join(format!("{}-{nanos:x}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    // Locked before it takes its name, so a sweeper never finds this folder's lock free.
    let staged = dir.join("lock.new");
    let lock = File::options().read(true).write(true).create_new(true).open(&staged)?;
    // Where the file system cannot lock (some network shares), sweepers cannot take it either
    // and keep the folder: better a leftover than a live engine's spool deleted.
    let _ = lock.lock();
    std::fs::rename(&staged, dir.join(LOCK))?;
    Ok((dir, lock))
}

/// Removes the spool folders of processes that are gone, as of `now`; a live one is never
/// touched.
fn sweep(spool_root: &Path, now: SystemTime) {
    let Ok(entries) = std::fs::read_dir(spool_root) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if entry.file_type().is_ok_and(|t| t.is_dir()) && owner_gone(&path, now) {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

fn owner_gone(dir: &Path, now: SystemTime) -> bool {
    match File::options().read(true).write(true).open(dir.join(LOCK)) {
        // Taken, then released as the file closes here, before the folder is removed.
        Ok(lock) => lock.try_lock().is_ok(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => std::fs::metadata(dir)
            .and_then(|m| m.modified())
            .is_ok_and(|changed| now.duration_since(changed).unwrap_or_default() > UNLOCKED_STALE),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendition() -> Rendition {
        Rendition {
            bytes: vec![1, 2, 3],
            extension: "webp",
            mime: "image/webp",
            width: 1,
            height: 1,
            passed_through: false,
            meta: PhotoMeta::default(),
            content_hash: "h".into(),
            preset_hash: "p".into(),
        }
    }

    #[tokio::test]
    async fn one_conversion_serves_every_reservation_and_the_file_goes_after_the_last() {
        let dir = tempfile::tempdir().unwrap();
        let r = Arc::new(Renditions::open(dir.path()).unwrap());
        let key = RenditionKey { content_hash: "h".into(), preset_hash: "p".into() };
        let (a, b) = (r.reserve(key.clone()), r.reserve(key.clone()));
        let first = r.get(&a, async { Ok(rendition()) }).await.unwrap();
        let second = r.get(&b, async { panic!("converted twice") }).await.unwrap();
        assert_eq!((r.conversions(), first.read().unwrap()), (1, vec![1, 2, 3]));
        let path = first.path.clone();
        drop((a, first));
        assert!(path.exists(), "still reserved by the second site");
        drop((b, second));
        assert!(!path.exists(), "deleted after the last site");
    }

    /// A spool folder as a process leaves it when it is killed: its lock file (free now that
    /// the process is gone), a rendition and a Dropbox download cut off mid-write.
    fn dead_spool(root: &Path, name: &str) -> PathBuf {
        let dir = root.join(name);
        std::fs::create_dir_all(dir.join("dropbox")).unwrap();
        std::fs::write(dir.join(LOCK), b"").unwrap();
        std::fs::write(dir.join("0.webp"), b"rendition").unwrap();
        std::fs::write(dir.join("dropbox").join("dropbox-3.part"), b"half a ph").unwrap();
        dir
    }

    #[test]
    fn a_dead_process_spool_goes_at_start_and_a_live_engines_stays() {
        let root = tempfile::tempdir().unwrap();
        let live = Renditions::open(root.path()).unwrap();
        std::fs::write(live.dir().join("0.webp"), b"in use").unwrap();
        // Named by a pid that is alive again (pids are reused, say after a reboot): only the
        // lock tells.
        let dead = dead_spool(root.path(), "1-5f3a");
        // From a Folio before the locks: no lock file, the old shared Dropbox folder.
        let legacy = root.path().join("dropbox");
        std::fs::create_dir_all(&legacy).unwrap();
        std::fs::write(legacy.join("dropbox-4242-0.part"), b"half").unwrap();

        let second = Renditions::open(root.path()).unwrap();
        assert!(!dead.exists(), "the dead process's spool and its partial download are gone");
        assert!(live.dir().join("0.webp").exists(), "a live engine's spool is kept");
        assert!(legacy.exists(), "a folder without a lock is kept while it may be in use");
        assert_ne!(second.dir(), live.dir());

        sweep(root.path(), SystemTime::now() + UNLOCKED_STALE * 2);
        assert!(!legacy.exists(), "a lockless folder unchanged for long goes");
        assert!(live.dir().join("0.webp").exists() && second.dir().exists(), "held: kept");
        let dir = live.dir().to_path_buf();
        drop(live);
        assert!(!dir.exists(), "an engine removes its spool when it closes");
    }
}
