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

/// File names that are photos by their extension: sources skip the rest cheaply. Decoding still
/// decides whether a file really is one.
pub fn is_photo_name(name: &str) -> bool {
    let Some((_, ext)) = name.rsplit_once('.') else { return false };
    matches!(
        ext.to_ascii_lowercase().as_str(),
        "jpg"
            | "jpeg"
            | "jpe"
            | "png"
            | "tif"
            | "tiff"
            | "webp"
            | "gif"
            | "heic"
            | "heif"
            | "avif"
            | "nef"
            | "nrw"
            | "cr2"
            | "cr3"
            | "arw"
            | "dng"
            | "raf"
            | "orf"
            | "rw2"
            | "pef"
            | "srw"
    )
}
