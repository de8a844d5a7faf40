//! A changed file is read only once it is whole: the OS said it was closed after writing (see
//! `written`), or else its size and modification time have held still, since a Lightroom export
//! or a sync client may still be writing it.

use super::scan::{mtime_ns, SeenFile};
use super::written;
use std::time::{Duration, SystemTime};

/// A new or changed file is read only once its size and mtime have held still this long.
pub const SETTLE: Duration = Duration::from_millis(1000);
/// How long one look waits for files that keep changing before leaving them for the next.
pub const SETTLE_PATIENCE: Duration = Duration::from_secs(30);

fn age(file: &SeenFile) -> Duration {
    let mtime = SystemTime::UNIX_EPOCH + Duration::from_nanos(file.mtime_ns.max(0) as u64);
    // A future mtime (clock skew, a camera card) counts as just written.
    SystemTime::now().duration_since(mtime).unwrap_or(Duration::ZERO)
}

/// Splits changed files into those that are whole (closed after writing, or size and mtime
/// held still for [`SETTLE`]) and those still being written after `patience`.
pub async fn settle(
    mut files: Vec<SeenFile>,
    patience: Duration,
) -> (Vec<SeenFile>, Vec<SeenFile>) {
    let mut ready = Vec::new();
    let started = tokio::time::Instant::now();
    loop {
        let (old, young): (Vec<_>, Vec<_>) =
            files.into_iter().partition(|f| written::take_whole(f) || age(f) >= SETTLE);
        ready.extend(old);
        if young.is_empty() || started.elapsed() >= patience {
            return (ready, young);
        }
        // A file closed meanwhile waits out this sleep: at most SETTLE, and bursts only.
        let wait = young.iter().map(|f| SETTLE.saturating_sub(age(f))).max().unwrap_or(SETTLE);
        tokio::time::sleep(wait).await;
        // Whatever changed meanwhile is re-read with its new size and mtime and waits again.
        files = young
            .into_iter()
            .filter_map(|f| {
                let meta = std::fs::metadata(&f.path).ok()?;
                Some(SeenFile { size: meta.len(), mtime_ns: mtime_ns(&meta), ..f })
            })
            .collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_file_closed_after_writing_is_read_without_waiting_for_stillness() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.jpg");
        std::fs::write(&path, b"whole").unwrap();
        // No patience: what is not whole now is left for the next look.
        let (ready, young) = settle(vec![SeenFile::now(&path)], Duration::ZERO).await;
        assert!(ready.is_empty() && young.len() == 1, "just written, so not still yet");
        assert!(written::note(&path));
        let (ready, young) = settle(vec![SeenFile::now(&path)], Duration::ZERO).await;
        assert_eq!((ready.len(), young.len()), (1, 0), "closed after writing, so whole");
    }

    #[tokio::test]
    async fn a_file_still_being_written_is_read_only_once_it_holds_still() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.jpg");
        std::fs::write(&path, b"first chunk").unwrap();
        let first = SeenFile::now(&path);
        // A writer that appends every 400 ms for 2 s: shorter gaps than SETTLE.
        let writer_path = path.clone();
        let writer = std::thread::spawn(move || {
            use std::io::Write;
            for _ in 0..5 {
                std::thread::sleep(Duration::from_millis(400));
                let mut f = std::fs::OpenOptions::new().append(true).open(&writer_path).unwrap();
                f.write_all(b" more").unwrap();
            }
        });
        let (ready, unsettled) = settle(vec![first], SETTLE_PATIENCE).await;
        writer.join().unwrap();
        assert!(unsettled.is_empty());
        assert_eq!(ready.len(), 1);
        assert_eq!(
            ready[0].size,
            std::fs::metadata(&path).unwrap().len(),
            "read before it was whole"
        );
    }
}
