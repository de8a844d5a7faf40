//! Each photo is converted once per distinct preset, and that rendition serves every site that
//! takes it. Renditions wait on disk (a spool under the data folder), not in memory, because a
//! slow site may take its copy long after the fast ones: 1,000 photos queued for it must not
//! mean 1,000 WebPs in RAM. A rendition is reserved by each step that needs it when the step
//! is planned, and its file is deleted when the last one is done with it.

use folio_convert::{ConvertError, PhotoMeta, Rendition};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

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
    /// A spool of this process's own under `spool_root`; spools left by processes that died
    /// are removed.
    pub fn open(spool_root: &Path) -> std::io::Result<Renditions> {
        std::fs::create_dir_all(spool_root)?;
        for entry in std::fs::read_dir(spool_root)?.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let pid = name.split('-').next().and_then(|p| p.parse::<u32>().ok());
            if pid.is_some_and(|p| p != std::process::id() && !process_alive(p)) {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
        // Several engines may share a process (the tests do); each has a spool of its own.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir = spool_root.join(format!("{}-{nanos:x}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        Ok(Renditions {
            dir,
            entries: Mutex::new(HashMap::new()),
            conversions: AtomicU64::new(0),
            next_file: AtomicU64::new(0),
        })
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
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[cfg(unix)]
fn process_alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists() || !cfg!(target_os = "linux")
}

#[cfg(not(unix))]
fn process_alive(_pid: u32) -> bool {
    // Without a cheap check, keep other spools; they are only disk space.
    true
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
}
