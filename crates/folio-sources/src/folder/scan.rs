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

/// Temporary, hidden and system files that editors and sync clients leave in folders.
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

pub fn mtime_ns(meta: &std::fs::Metadata) -> i64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as i64)
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
        for f in [
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
