//! WordPress.com's REST API v1.1 answers, as the endpoint declarations in Jetpack's
//! `json-endpoints/` describe them (only the fields Folio reads).

use serde::Deserialize;

/// A media item (`get_media_item_v1_1`).
#[derive(Debug, Clone, Deserialize)]
pub struct Media {
    #[serde(rename = "ID")]
    pub id: u64,
    #[serde(rename = "URL", default)]
    pub url: String,
    /// The file's name on the site (`harbour-1a2b….webp`; after an edit
    /// `{original}-{seed}-{number}.webp`).
    #[serde(default)]
    pub file: String,
    #[serde(default)]
    pub mime_type: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub alt: String,
    #[serde(default)]
    pub thumbnails: serde_json::Value,
}

/// `POST sites/$site/media/new`: the items made, and the files refused (`{file, error,
/// message}`); with nothing made the answer is a 400 with only `errors`.
#[derive(Debug, Deserialize)]
pub struct Uploaded {
    #[serde(default)]
    pub media: Vec<Media>,
    #[serde(default)]
    pub errors: Vec<UploadError>,
}

#[derive(Debug, Deserialize)]
pub struct UploadError {
    #[serde(default)]
    pub error: String,
    #[serde(default)]
    pub message: String,
}

/// `GET sites/$site/media`: `found` counts what is left from this page on; `meta.next_page`
/// is the handle of the next page, absent on the last.
#[derive(Debug, Deserialize)]
pub struct MediaPage {
    #[serde(default)]
    pub media: Vec<Media>,
    #[serde(default)]
    pub meta: Meta,
}

#[derive(Debug, Default, Deserialize)]
pub struct Meta {
    #[serde(default)]
    pub next_page: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Me {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
}

#[derive(Debug, Deserialize)]
pub struct Site {
    #[serde(rename = "ID")]
    pub id: u64,
    #[serde(default)]
    pub name: String,
    #[serde(rename = "URL", default)]
    pub url: String,
    /// Only for users who may manage the site.
    #[serde(default)]
    pub options: Option<SiteOptions>,
}

#[derive(Debug, Deserialize)]
pub struct SiteOptions {
    #[serde(default)]
    pub max_upload_size: Option<u64>,
}

#[derive(Debug, Deserialize)]
pub struct MySites {
    #[serde(default)]
    pub sites: Vec<Site>,
}
