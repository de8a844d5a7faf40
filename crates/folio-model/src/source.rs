//! One photo as a source (a watched folder, the Dropbox API) reports it.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceItem {
    /// Relative to the album's root, `/`-separated on every OS.
    pub path: String,
    pub size: u64,
    /// Modification time, nanoseconds since the Unix epoch, as the source reports it.
    pub modified_ns: i64,
    /// Identity of the bytes: the same bytes give the same hash whatever the file is called, so
    /// a renamed or moved photo is recognised.
    pub content_hash: String,
    /// The source's own version id (Dropbox's `rev`), where it has one.
    pub revision: Option<String>,
}

/// Camera raw extensions (a raw and a JPEG of the same name make a RAW+JPEG pair).
pub const RAW_EXTENSIONS: [&str; 11] =
    ["nef", "nrw", "cr2", "cr3", "arw", "dng", "raf", "orf", "rw2", "pef", "srw"];
/// JPEG extensions.
pub const JPEG_EXTENSIONS: [&str; 3] = ["jpg", "jpeg", "jpe"];
/// The other photo extensions.
const OTHER_EXTENSIONS: [&str; 8] = ["png", "tif", "tiff", "webp", "gif", "heic", "heif", "avif"];

/// The extension of a file name (or of a path's last part), in lower case.
pub fn extension(name: &str) -> Option<String> {
    let file = name.rsplit(['/', '\\']).next().unwrap_or(name);
    file.rsplit_once('.').map(|(_, ext)| ext.to_ascii_lowercase())
}

/// File names that are photos by their extension: sources skip the rest cheaply. Decoding still
/// decides whether a file really is one.
pub fn is_photo_name(name: &str) -> bool {
    let Some(ext) = extension(name) else { return false };
    [&RAW_EXTENSIONS[..], &JPEG_EXTENSIONS, &OTHER_EXTENSIONS]
        .iter()
        .any(|list| list.contains(&ext.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn photos_are_told_by_their_file_names_extension() {
        assert!(is_photo_name("IMG_0042.CR3") && is_photo_name("a.JPG") && is_photo_name("b.heic"));
        assert!(!is_photo_name("notes.txt") && !is_photo_name("README"));
        assert_eq!(extension("2024.06/IMG_1.NEF").as_deref(), Some("nef"));
        assert_eq!(extension("2024.06/README"), None, "a dot in a folder is no extension");
    }
}
