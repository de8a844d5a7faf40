//! What a site can do and whether it can be used right now.

use crate::OutputFormat;
use serde::{Deserialize, Serialize};

/// A file type a site may accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum ImageFormat {
    Webp,
    Avif,
    Jpeg,
    Png,
    Gif,
}

impl ImageFormat {
    pub fn from_extension(ext: &str) -> Option<ImageFormat> {
        Some(match ext.to_ascii_lowercase().as_str() {
            "webp" => ImageFormat::Webp,
            "avif" => ImageFormat::Avif,
            "jpg" | "jpeg" => ImageFormat::Jpeg,
            "png" => ImageFormat::Png,
            "gif" => ImageFormat::Gif,
            _ => return None,
        })
    }

    pub fn from_mime(mime: &str) -> Option<ImageFormat> {
        ImageFormat::from_extension(mime.strip_prefix("image/")?)
    }

    /// In words, for the app and the CLI.
    pub fn label(self) -> &'static str {
        match self {
            ImageFormat::Webp => "WebP",
            ImageFormat::Avif => "AVIF",
            ImageFormat::Jpeg => "JPEG",
            ImageFormat::Png => "PNG",
            ImageFormat::Gif => "GIF",
        }
    }
}

/// A text field a site can store with an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum TextField {
    Title,
    Caption,
    AltText,
    Description,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Capabilities {
    /// The file behind an existing item can be replaced, keeping its id and URL (both facts
    /// below).
    pub replace_in_place: bool,
    /// A re-edit replaces the file of the same item: its id stays (Contentful's asset,
    /// WordPress.com's media id), whether or not its URL does.
    #[serde(default)]
    pub replace_keeps_id: bool,
    /// A re-edit keeps the item's URL, so pages that show it need no change.
    #[serde(default)]
    pub replace_keeps_url: bool,
    /// File types the site takes. Learnt from the probe, and narrowed when the site refuses a
    /// type it was thought to take.
    pub formats: Vec<ImageFormat>,
    /// Text the site keeps with an image.
    pub fields: Vec<TextField>,
    /// Largest upload the site accepts, when it says.
    #[cfg_attr(feature = "specta", specta(type = Option<f64>))]
    pub max_upload_bytes: Option<u64>,
    /// Logged-in user, for display.
    pub account: String,
    /// Backend facts worth showing, in words (e.g. "companion plugin 0.3.0").
    pub notes: Vec<String>,
}

impl Default for Capabilities {
    fn default() -> Self {
        Capabilities {
            replace_in_place: false,
            replace_keeps_id: false,
            replace_keeps_url: false,
            formats: vec![ImageFormat::Webp, ImageFormat::Jpeg, ImageFormat::Png, ImageFormat::Gif],
            fields: vec![TextField::Title, TextField::Caption, TextField::AltText],
            max_upload_bytes: None,
            account: String::new(),
            notes: Vec::new(),
        }
    }
}

impl Capabilities {
    /// The three replace facts agreeing: `replace_in_place` is both facts at once (a site
    /// probed before the facts were split says only that one).
    pub fn with_replace_facts(mut self) -> Capabilities {
        if self.replace_in_place {
            self.replace_keeps_id = true;
            self.replace_keeps_url = true;
        }
        self.replace_in_place = self.replace_keeps_id && self.replace_keeps_url;
        self
    }

    /// Whether a re-edit replaces the same item (else it goes up as a new one).
    pub fn replaces(&self) -> bool {
        self.replace_in_place || self.replace_keeps_id
    }

    /// What a re-edit does on this site, in words for people.
    pub fn replace_words(&self) -> &'static str {
        let facts = self.clone().with_replace_facts();
        match (facts.replace_keeps_id, facts.replace_keeps_url) {
            (true, true) => "re-edits keep their URL",
            (true, false) => "re-edits keep their asset; the file's URL changes",
            _ => "re-edits go up as new items with a new URL",
        }
    }

    pub fn accepts(&self, format: ImageFormat) -> bool {
        self.formats.contains(&format)
    }

    /// Reads what the store kept, including rows written before `formats` existed (they had
    /// `avif: bool` and `companion: Option<String>`).
    pub fn from_stored(json: &str) -> Capabilities {
        let value: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
        let mut caps: Capabilities = serde_json::from_value(value.clone()).unwrap_or_default();
        if value.get("formats").is_none()
            && value.get("avif").and_then(|v| v.as_bool()) == Some(true)
        {
            caps.formats.push(ImageFormat::Avif);
        }
        if let Some(version) = value.get("companion").and_then(|v| v.as_str()) {
            if caps.notes.is_empty() {
                caps.notes.push(format!("companion plugin {version}"));
            }
        }
        caps.with_replace_facts()
    }

    /// The format a site gets for an album's choice: AVIF where the site does not take it
    /// becomes WebP (WordPress before 6.5). Other formats are sent as chosen.
    pub fn format_for(&self, wanted: OutputFormat) -> OutputFormat {
        match wanted {
            OutputFormat::Avif if !self.accepts(ImageFormat::Avif) => OutputFormat::Webp,
            other => other,
        }
    }
}

/// Whether a site's queue runs. A site that refuses Folio's credentials or cannot be reached
/// pauses as a whole (reported once), rather than failing every photo one by one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum SiteState {
    #[default]
    Ok,
    /// The credentials were refused or revoked: the user must reconnect.
    Reconnect,
    /// The site does not answer (network, server errors); it is checked again by itself.
    Unreachable,
    /// The site's own limit is spent for a long while (HubSpot's daily limit): it takes
    /// nothing until then, and is checked again by itself.
    RateLimited,
}

impl SiteState {
    pub fn as_str(self) -> &'static str {
        match self {
            SiteState::Ok => "ok",
            SiteState::Reconnect => "reconnect",
            SiteState::Unreachable => "unreachable",
            SiteState::RateLimited => "rate_limited",
        }
    }

    pub fn parse(s: &str) -> SiteState {
        match s {
            "reconnect" => SiteState::Reconnect,
            "unreachable" => SiteState::Unreachable,
            "rate_limited" => SiteState::RateLimited,
            _ => SiteState::Ok,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capabilities_written_before_formats_existed_are_read() {
        let old = r#"{"replace_in_place":true,"avif":true,"max_upload_bytes":2097152,
                      "account":"admin","companion":"0.3.0"}"#;
        let caps = Capabilities::from_stored(old);
        assert!(caps.replace_in_place && caps.accepts(ImageFormat::Avif));
        assert_eq!(caps.notes, vec!["companion plugin 0.3.0".to_string()]);
        let no_avif = Capabilities::from_stored(r#"{"avif":false}"#);
        assert!(!no_avif.accepts(ImageFormat::Avif) && no_avif.accepts(ImageFormat::Webp));
    }

    #[test]
    fn avif_falls_back_to_webp_only_where_refused() {
        let mut caps = Capabilities::default();
        assert_eq!(caps.format_for(OutputFormat::Avif), OutputFormat::Webp);
        assert_eq!(caps.format_for(OutputFormat::Jpeg), OutputFormat::Jpeg);
        caps.formats.push(ImageFormat::Avif);
        assert_eq!(caps.format_for(OutputFormat::Avif), OutputFormat::Avif);
    }
}

#[cfg(test)]
mod replace_facts {
    use super::Capabilities;

    #[test]
    fn replace_in_place_is_both_facts_and_each_fact_has_its_words() {
        let old = Capabilities::from_stored(r#"{"replace_in_place":true}"#);
        assert!(old.replace_keeps_id && old.replace_keeps_url, "stored before the split");
        assert_eq!(old.replace_words(), "re-edits keep their URL");
        let asset = Capabilities { replace_keeps_id: true, ..Capabilities::default() };
        let asset = asset.with_replace_facts();
        assert!(asset.replaces() && !asset.replace_in_place && !asset.replace_keeps_url);
        assert_eq!(asset.replace_words(), "re-edits keep their asset; the file's URL changes");
        let neither = Capabilities::default().with_replace_facts();
        assert!(!neither.replaces());
        assert_eq!(neither.replace_words(), "re-edits go up as new items with a new URL");
        let json = serde_json::to_value(&asset).unwrap();
        assert_eq!(
            (json["replace_keeps_id"].as_bool(), json["replace_keeps_url"].as_bool()),
            (Some(true), Some(false))
        );
    }
}

/// Whether a re-edit moved a file: a new address, not a new query. A site that keeps the URL
/// may still add a cache buster (Shopify's `?v=N`); pages that embed the address without it,
/// or with the old one, still show the file.
pub fn file_moved(was: &str, now: &str) -> bool {
    let address = |url: &str| url.split(['?', '#']).next().unwrap_or_default().to_string();
    address(was) != address(now)
}
