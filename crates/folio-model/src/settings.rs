//! Per-album settings, stored as JSON in the album row.

use crate::Preset;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AlbumSettings {
    pub preset: Preset,
    /// File name on the site, before slugifying and the extension.
    pub naming: String,
    pub title: String,
    pub alt: String,
    pub caption: String,
    /// Delete a photo from the sites when it is deleted from the folder (default: keep it).
    /// It goes to the site's trash; without one it stays, unless `delete_permanently`.
    pub delete_remote: bool,
    /// With `delete_remote`: delete for good where the site has no trash (or skip the trash).
    pub delete_permanently: bool,
    /// A raw and a JPEG of the same name side by side (RAW+JPEG shooting): which one the album
    /// takes.
    pub raw_pair: RawPair,
    /// The language suggested alt text is written in (`de`, `fr_FR`) when the album's sites
    /// do not say theirs; empty: the sites' own, else English.
    pub alt_language: String,
    /// Alt text for new photos is written by a vision model before their first upload (one
    /// paid call each, with `ai_alt_account`'s model `ai_alt_model`; empty: the only AI
    /// account, a cheap model). A photo with its own alt text, or already on a site, is never
    /// sent.
    pub ai_alt: bool,
    pub ai_alt_account: String,
    pub ai_alt_model: String,
}

/// Which file of a RAW+JPEG pair an album publishes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum RawPair {
    /// The camera's JPEG (its own rendering, already what the photographer saw).
    #[default]
    Jpeg,
    /// The raw, developed by Folio.
    Raw,
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
            delete_permanently: false,
            raw_pair: RawPair::default(),
            alt_language: String::new(),
            ai_alt: false,
            ai_alt_account: String::new(),
            ai_alt_model: String::new(),
        }
    }
}

impl AlbumSettings {
    /// Identifies the text a photo gets on the sites (the album's title, alt and caption
    /// patterns, or the photographer's own text for that photo). A publication records the key
    /// it was sent with; a different key means the site's text is out of date, even when the
    /// picture is not.
    pub fn text_key(&self, own: &crate::TextOverrides) -> String {
        let canonical = serde_json::to_vec(&(
            &self.title,
            &self.alt,
            &self.caption,
            &own.title,
            &own.alt,
            &own.caption,
        ))
        .expect("text serialises");
        blake3::hash(&canonical).to_hex()[..16].to_string()
    }
}
