//! Files the OS said were closed after writing (inotify's `IN_CLOSE_WRITE`) or moved into place
//! whole, with their size and mtime at that moment. Such a file needs no stillness wait: while
//! its size and mtime are still those, it is the whole file. Where the OS gives no such signal
//! (FSEvents, ReadDirectoryChangesW, polling), nothing is noted and the stillness rule of
//! `settle` applies as before.
//!
//! The ledger is the process's, not a `FolderSource`'s, because the engine watches an album
//! through one source and scans it through another (one per pass); both see the same folder.

use super::scan::{mtime_ns, SeenFile};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex};

/// Files closed and not yet scanned are few; a ledger this full has missed its scans (files
/// the scan skips, such as sidecars), and is emptied rather than grown. A lost entry only
/// means the file waits for stillness.
const MOST: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    size: u64,
    mtime_ns: i64,
}

static LEDGER: LazyLock<Mutex<HashMap<PathBuf, Stamp>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// Notes `path` as written whole, as it is now. Returns false for what is not a file (a
/// folder, something gone already).
pub fn note(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else { return false };
    if !meta.is_file() {
        return false;
    }
    let stamp = Stamp { size: meta.len(), mtime_ns: mtime_ns(&meta) };
    let mut ledger = LEDGER.lock().expect("written ledger");
    if ledger.len() >= MOST {
        ledger.clear();
    }
    ledger.insert(path.to_path_buf(), stamp);
    true
}

/// Whether the file, as scanned, is as it was when it was closed after writing. The entry is
/// spent either way: a file written again since is noted again when that write closes.
pub fn take_whole(file: &SeenFile) -> bool {
    let noted = LEDGER.lock().expect("written ledger").remove(&file.path);
    noted == Some(Stamp { size: file.size, mtime_ns: file.mtime_ns })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_noted_file_is_whole_once_and_only_as_it_was_noted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.jpg");
        std::fs::write(&path, b"whole").unwrap();
        assert!(!take_whole(&SeenFile::now(&path)), "never noted");
        assert!(note(&path));
        assert!(take_whole(&SeenFile::now(&path)));
        assert!(!take_whole(&SeenFile::now(&path)), "an entry is spent when read");

        assert!(note(&path));
        std::fs::write(&path, b"written again, longer").unwrap();
        assert!(!take_whole(&SeenFile::now(&path)), "changed since it was noted");
        assert!(!note(dir.path()), "a folder is not a file");
    }
}
