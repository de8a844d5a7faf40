//! Per-album settings, stored as JSON in the album row.

use folio_convert::Preset;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AlbumSettings {
    pub preset: Preset,
    /// File name on the site, before slugifying and the extension.
    pub naming: String,
    pub title: String,
    pub alt: String,
    pub caption: String,
    /// Delete a photo from the sites when it is deleted from the folder (default: keep it).
    pub delete_remote: bool,
}

impl Default for AlbumSettings {
    fn default() -> Self {
        AlbumSettings {
            preset: Preset::default(),
            naming: "{filename}".into(),
            title: "{title|headline|readable_filename}".into(),
            alt: "{title|caption|readable_filename}".into(),
            caption: "{caption}".into(),
            delete_remote: false,
        }
    }
}
