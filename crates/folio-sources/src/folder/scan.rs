//! Walks an album folder for photos. Only decides *what is there*; hashing comes later, and
//! only for files whose size or modification time changed.

use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct SeenFile {
    /// Relative to the album root, `/`-separated on every OS.
    pub rel_path: String,
    pub path: PathBuf,
    pub size: u64,
    pub mtime_ns: i64,
}

/// Temporary, hidden and system files that editors and sync clients leave in folders: among
/// them Dropbox's own `.dropbox` and `.dropbox.cache` and its `.~name` partial downloads.
pub fn ignored(name: &str) -> bool {
    name.starts_with('.')
        || name.starts_with('~')
        || name.to_ascii_lowercase().ends_with(".tmp")
        || name.eq_ignore_ascii_case("Thumbs.db")
        || name.eq_ignore_ascii_case("desktop.ini")
}

/// What a walk found: the photos, and the places it could not look into.
#[derive(Debug, Default)]
pub struct Scan {
    pub files: Vec<SeenFile>,
    /// Relative paths (or the reason) of parts the walk could not read.
    pub errors: Vec<String>,
}

#[cfg(test)]
impl SeenFile {
    /// The file as a scan would see it now, as the album's `a.jpg`.
    pub fn now(path: &Path) -> SeenFile {
        let meta = std::fs::metadata(path).unwrap();
        SeenFile {
            rel_path: "a.jpg".into(),
            path: path.into(),
            size: meta.len(),
            mtime_ns: mtime_ns(&meta),
        }
    }
}

pub fn mtime_ns(meta: &std::fs::Metadata) -> i64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as i64)
}

/// A file whose bytes are not on this computer yet (`SF_DATALESS` on macOS).
#[cfg(target_os = "macos")]
fn is_dataless(meta: &std::fs::Metadata) -> bool {
    use std::os::macos::fs::MetadataExt;
    const SF_DATALESS: u32 = 0x4000_0000;
    meta.st_flags() & SF_DATALESS != 0
}

#[cfg(not(target_os = "macos"))]
fn is_dataless(_meta: &std::fs::Metadata) -> bool {
    false
}

pub fn scan(root: &Path) -> std::io::Result<Scan> {
    if !root.is_dir() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("{} is not a folder (is the drive connected?)", root.display()),
        ));
    }
    let mut out = Vec::new();
    let mut errors = Vec::new();
    // Symlinks are not followed, so a link loop cannot trap the walk.
    let walk = walkdir::WalkDir::new(root).follow_links(false).into_iter();
    for entry in walk.filter_entry(|e| e.depth() == 0 || !ignored(&e.file_name().to_string_lossy()))
    {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let place = e.path().and_then(|p| p.strip_prefix(root).ok());
                errors.push(match place {
                    Some(p) => format!("{}: {e}", p.display()),
                    None => e.to_string(),
                });
                continue;
            }
        };
        let name = entry.file_name().to_string_lossy();
        if !entry.file_type().is_file() || !folio_model::is_photo_name(&name) {
            continue;
        }
        let meta = match entry.metadata() {
            Ok(m) => m,
            Err(e) => {
                errors.push(format!("{}: {e}", entry.path().display()));
                continue;
            }
        };
        if is_dataless(&meta) {
            // A cloud placeholder (macOS File Provider: Dropbox, iCloud): reading it would
            // download it. It counts once the sync client has brought it down.
            continue;
        }
        let mtime_ns = mtime_ns(&meta);
        let rel = entry.path().strip_prefix(root).unwrap_or(entry.path());
        let rel_path =
            rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
        out.push(SeenFile {
            rel_path,
            path: entry.path().to_path_buf(),
            size: meta.len(),
            mtime_ns,
        });
    }
    out.sort_by(|a, b| a.rel_path.cmp(&b.rel_path));
    Ok(Scan { files: out, errors })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_photos_and_skips_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("sub/.hidden")).unwrap();
        std::fs::create_dir_all(root.join(".dropbox.cache/old")).unwrap();
        std::fs::create_dir_all(root.join(".dropbox")).unwrap();
        for f in [
            ".dropbox.cache/old/g.jpg",
            ".dropbox/h.jpg",
            "sub/.~i.jpg",
            "a.jpg",
            "sub/b.PNG",
            "sub/.hidden/c.jpg",
            ".d.jpg",
            "~e.jpg",
            "f.tmp",
            "Thumbs.db",
            "notes.txt",
        ] {
            std::fs::write(root.join(f), b"x").unwrap();
        }
        #[cfg(unix)]
        std::os::unix::fs::symlink(root, root.join("sub/loop")).unwrap();
        let found: Vec<String> =
            scan(root).unwrap().files.into_iter().map(|f| f.rel_path).collect();
        assert_eq!(found, vec!["a.jpg", "sub/b.PNG"]);
    }
}
