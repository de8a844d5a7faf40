//! HubSpot's file manager through the Files API. A photo goes up as a multipart upload into
//! `<folder>/<album>`, named by Folio's duplicate key (so a retry after a lost answer finds it
//! by name instead of uploading it twice), public but not indexable. A re-edit replaces the
//! file in place (the replace endpoint keeps its id and its URL; never `overwrite`, which
//! deletes the file and makes a new id), so HubSpot declares both replace facts.
//!
//! HubSpot files keep no title, caption or alt text (pages set the alt text where they show
//! an image), so the destination declares no text fields.

mod client;
pub mod connector;
#[cfg(feature = "testing")]
pub mod fake;
mod wire;

use crate::backends::Renewing;
use crate::error::{SiteError, SiteErrorCode as Code};
use crate::{
    Capabilities, DeleteMode, Destination, ImageFormat, MediaFields, Pacer, PacerConfig, Page,
    Pushed, RemoteId, RemoteMedia, Upload,
};
use client::{Bearer, Client};
use reqwest::multipart::{Form, Part};
use reqwest::Method;
use std::time::Duration;
use wire::File;

pub const API_URL: &str = "https://api.hubapi.com";
/// The Files API's dated version (date-based versions since 2026-03; `v3` goes unsupported in
/// September 2027). Files' shapes are the same under `v3`, `2026-03` and `2026-09`.
pub const API_VERSION: &str = "2026-09";
pub const DEFAULT_FOLDER: &str = "/Folio";
/// Files a listing asks for at once (HubSpot's most).
const PAGE_SIZE: u32 = 100;

#[derive(Debug, Clone)]
pub struct HubSpotConfig {
    /// `/Folio`: each album goes in a folder under it.
    pub folder: String,
    pub api_url: String,
    pub pacer: PacerConfig,
    pub timeout: Duration,
    pub page_size: u32,
}

impl Default for HubSpotConfig {
    fn default() -> HubSpotConfig {
        HubSpotConfig {
            folder: DEFAULT_FOLDER.into(),
            api_url: API_URL.into(),
            pacer: PacerConfig {
                concurrency: 4,
                // A ten-secondly 429 is waited out; the daily limit (hours) goes back to the
                // engine, which puts the photos off until the reset.
                longest_wait: Some(Duration::from_secs(30)),
                ..PacerConfig::default()
            },
            timeout: Duration::from_secs(120),
            page_size: PAGE_SIZE,
        }
    }
}

impl HubSpotConfig {
    /// From a stored account's fields (with the connector's fallbacks filled in).
    pub fn from_fields(config: &folio_model::Config) -> HubSpotConfig {
        let given = |name: &str| config.get(name).map(str::trim).filter(|v| !v.is_empty());
        let mut c = HubSpotConfig::default();
        if let Some(folder) = given("folder").and_then(|f| folder_path(f).ok()) {
            c.folder = folder;
        }
        if let Some(api) = given("api_url") {
            c.api_url = api.to_string();
        }
        c
    }
}

/// A file manager folder as `/A/B`: one leading slash, none trailing, not the root (HubSpot
/// discourages uploading there).
pub fn folder_path(given: &str) -> Result<String, String> {
    let parts: Vec<&str> = given.split('/').map(str::trim).filter(|p| !p.is_empty()).collect();
    if parts.is_empty() {
        return Err(format!("'{given}' is not a folder under the file manager's root"));
    }
    Ok(format!("/{}", parts.join("/")))
}

/// An album's name as one folder name (no slashes).
fn album_folder(name: &str) -> Option<String> {
    let cleaned: String = name
        .chars()
        .map(|c| if c == '/' || c == '\\' || c.is_control() { '-' } else { c })
        .collect();
    let cleaned = cleaned.trim().trim_matches('.').trim();
    (!cleaned.is_empty()).then(|| cleaned.chars().take(100).collect())
}

/// 64 bits of FNV-1a: stable across runs, so a key made again is the same key.
fn hash64(token: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in token.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn extension(filename: &str) -> String {
    let ext = filename.rsplit_once('.').map_or("", |(_, e)| e).to_ascii_lowercase();
    if ext == "jpeg" {
        "jpg".into()
    } else {
        ext
    }
}

pub struct HubSpot {
    client: Client,
    pacer: Pacer,
    folder: String,
    page_size: u32,
}

impl HubSpot {
    /// Signed in with a pasted private app token or service key.
    pub fn new(config: HubSpotConfig, token: &str) -> Result<HubSpot, SiteError> {
        HubSpot::with(config, Bearer::Pasted(token.to_string()))
    }

    /// Signed in through the relay: the access token renewed by `token`.
    pub fn renewing(config: HubSpotConfig, token: Renewing) -> Result<HubSpot, SiteError> {
        HubSpot::with(config, Bearer::Renewing(token))
    }

    fn with(config: HubSpotConfig, bearer: Bearer) -> Result<HubSpot, SiteError> {
        let folder = folder_path(&config.folder).map_err(|e| SiteError::new(Code::Protocol, e))?;
        Ok(HubSpot {
            client: Client::new(&config.api_url, bearer, config.timeout)?,
            pacer: Pacer::new(config.pacer),
            folder,
            page_size: config.page_size.clamp(1, 100),
        })
    }

    /// 429 answers so far.
    pub fn rate_limited(&self) -> u64 {
        self.client.rate_limited.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn files(rest: &str) -> String {
        format!("files/{API_VERSION}/files{rest}")
    }

    /// Where an upload goes: the album's folder under Folio's, from the photo's source
    /// identity; Folio's folder itself when there is none.
    fn folder_for(&self, source: Option<&str>) -> String {
        let album = source
            .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
            .and_then(|v| v["album"].as_str().and_then(album_folder));
        match album {
            Some(album) => format!("{}/{album}", self.folder),
            None => self.folder.clone(),
        }
    }

    /// A file of Folio's: under its folder, not deleted.
    fn ours(&self, f: &File) -> bool {
        !f.archived && f.path.starts_with(&format!("{}/", self.folder))
    }

    fn media(&self, f: &File) -> Result<RemoteMedia, SiteError> {
        let url = f.address().ok_or_else(|| {
            SiteError::new(Code::Protocol, format!("HubSpot file {} has no URL", f.id))
        })?;
        Ok(RemoteMedia {
            id: RemoteId::from(f.id.as_str()),
            key: f.file_name(),
            url: url.to_string(),
            thumbnail_url: None,
            mime: f.mime(),
            title: String::new(),
            alt_text: String::new(),
        })
    }

    async fn get(&self, id: &RemoteId) -> Result<File, SiteError> {
        if id.as_str().is_empty() || !id.as_str().chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(SiteError::new(Code::NotFound, format!("'{id}' is not a HubSpot file id")));
        }
        let path = Self::files(&format!("/{id}"));
        let file: File = self.pacer.run(|_| self.client.json(Method::GET, &path, None)).await?;
        if file.archived {
            return Err(SiteError::new(Code::NotFound, format!("{id} was deleted on HubSpot")));
        }
        Ok(file)
    }

    async fn search(&self, query: &[(&str, &str)]) -> Result<wire::Search, SiteError> {
        let query: String =
            url::form_urlencoded::Serializer::new(String::new()).extend_pairs(query).finish();
        let path = Self::files(&format!("/search?{query}"));
        self.pacer.run(|_| self.client.json(Method::GET, &path, None)).await
    }

    /// The file named `key` in Folio's folders. Search matches names that contain the given
    /// one, anywhere in the account, so the exact name and the folder are checked here.
    async fn by_name(&self, key: &str) -> Result<Option<File>, SiteError> {
        let (stem, ext) = key.rsplit_once('.').unwrap_or((key, ""));
        if stem.is_empty() {
            return Ok(None);
        }
        let found = self.search(&[("name", stem), ("limit", "100")]).await?;
        Ok(found
            .results
            .into_iter()
            .find(|f| f.name == stem && f.extension.eq_ignore_ascii_case(ext) && self.ours(f)))
    }

    fn form(bytes: &[u8], filename: &str, mime: &str) -> Result<Form, SiteError> {
        let part = Part::bytes(bytes.to_vec())
            .file_name(filename.to_string())
            .mime_str(mime)
            .map_err(|e| SiteError::new(Code::Protocol, format!("bad type {mime}: {e}")))?;
        Ok(Form::new().part("file", part))
    }

    async fn create(&self, up: &Upload<'_>) -> Result<RemoteMedia, SiteError> {
        let folder = &self.folder_for(up.source);
        let path = &Self::files("");
        let made: File = self
            .pacer
            .run(|attempt| async move {
                // An earlier try whose answer was lost may have made the file.
                if attempt > 0 {
                    if let Some(found) = self.by_name(up.key).await? {
                        return Ok(found);
                    }
                }
                let form = Self::form(up.bytes, up.key, up.mime)?
                    .text("fileName", up.key.to_string())
                    .text("folderPath", folder.clone())
                    .text("options", wire::upload_options());
                self.client.json(Method::POST, path, Some(form)).await
            })
            .await?;
        self.media(&made)
    }
}

#[async_trait::async_trait]
impl Destination for HubSpot {
    async fn probe(&self) -> Result<Capabilities, SiteError> {
        self.check().await?;
        Ok(Capabilities {
            replace_in_place: true,
            replace_keeps_id: true,
            replace_keeps_url: true,
            // AVIF is not declared: HubSpot does not say it serves it (it becomes WebP).
            formats: vec![ImageFormat::Webp, ImageFormat::Jpeg, ImageFormat::Png, ImageFormat::Gif],
            fields: Vec::new(),
            max_upload_bytes: None,
            account: format!("HubSpot file manager, {}", self.folder),
            notes: vec![
                "re-edits keep their URL".into(),
                "no title or alt text: HubSpot files keep none (pages set the alt text)".into(),
                "public, not indexed by search engines".into(),
            ],
        })
    }

    /// A search of one file: the token works and has the files scope.
    async fn check(&self) -> Result<(), SiteError> {
        self.search(&[("limit", "1")]).await.map(drop)
    }

    /// The file's name on HubSpot: the photo's name and 48 bits of its version token, so a
    /// retry or a restart looks for the same name.
    fn duplicate_key(&self, token: &str, filename: &str) -> String {
        let stem = filename.rsplit_once('.').map_or(filename, |(s, _)| s);
        let stem: String = stem
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' })
            .take(60)
            .collect();
        let ext = match extension(filename) {
            e if e.is_empty() => "jpg".to_string(),
            e => e,
        };
        format!("{stem}-{:012x}.{ext}", hash64(token) >> 16)
    }

    /// The upload is one request, done when HubSpot answers.
    fn in_flight_grace(&self) -> Duration {
        Duration::from_secs(2)
    }

    async fn upload(&self, upload: Upload<'_>) -> Result<Pushed, SiteError> {
        Ok(Pushed::Ready(self.create(&upload).await?))
    }

    async fn find(&self, key: &str) -> Result<Option<RemoteMedia>, SiteError> {
        self.by_name(key).await?.map(|f| self.media(&f)).transpose()
    }

    /// HubSpot keeps no text with a file: nothing to write; the file as it is.
    async fn update_fields(
        &self,
        id: &RemoteId,
        fields: &MediaFields,
    ) -> Result<RemoteMedia, SiteError> {
        let _ = fields;
        self.media(&self.get(id).await?)
    }

    async fn list(&self, cursor: Option<&str>) -> Result<Page<RemoteMedia>, SiteError> {
        let limit = self.page_size.to_string();
        let mut query = vec![("limit", limit.as_str()), ("sort", "-createdAt")];
        if let Some(after) = cursor {
            query.push(("after", after));
        }
        let page = self.search(&query).await?;
        let next = page.after();
        let items = page
            .results
            .iter()
            .filter(|f| self.ours(f))
            .filter_map(|f| self.media(f).ok())
            .collect();
        Ok(Page { items, next })
    }

    /// Into HubSpot's deleted files (`DELETE`, an archive), or for good (`gdpr-delete`).
    async fn delete(&self, id: &RemoteId, mode: DeleteMode) -> Result<(), SiteError> {
        self.get(id).await?;
        let path = match mode {
            DeleteMode::Trash => Self::files(&format!("/{id}")),
            DeleteMode::Permanently => Self::files(&format!("/{id}/gdpr-delete")),
        };
        self.pacer.run(|_| self.client.send(Method::DELETE, &path, None)).await?;
        Ok(())
    }

    /// The replace endpoint: the same id and URL, the new bytes. Only a file of the same type
    /// takes the old one's place (its URL ends in its extension).
    async fn replace(&self, id: &RemoteId, up: Upload<'_>) -> Result<Pushed, SiteError> {
        let file = self.get(id).await?;
        let (was, now) = (extension(&file.file_name()), extension(up.filename));
        if was != now {
            return Err(SiteError::new(
                Code::Conflict,
                format!("HubSpot keeps {}'s URL, which ends in .{was}; a .{now} file cannot take its place", file.file_name()),
            ));
        }
        let path = Self::files(&format!("/{id}"));
        let name = file.file_name();
        let options = wire::replace_options(&file.access);
        let replaced: File = self
            .pacer
            .run(|_| async {
                let form = Self::form(up.bytes, &name, up.mime)?.text("options", options.clone());
                self.client.json(Method::PUT, &path, Some(form)).await
            })
            .await?;
        Ok(Pushed::Ready(self.media(&replaced)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_file_names_stable_and_differ_by_version() {
        let h = HubSpot::new(HubSpotConfig::default(), "t").unwrap();
        let a = h.duplicate_key("folio-1-2-3-aaaa", "Harbour at dusk, évening.webp");
        let b = h.duplicate_key("folio-1-2-3-bbbb", "Harbour at dusk, évening.webp");
        assert!(a.starts_with("Harbour-at-dusk--") && a.ends_with(".webp"), "{a}");
        assert_ne!(a, b);
        assert_eq!(a, h.duplicate_key("folio-1-2-3-aaaa", "Harbour at dusk, évening.webp"));
        assert!(h.duplicate_key("t", "x.JPEG").ends_with(".jpg"));
    }

    #[test]
    fn albums_go_in_their_own_folder_under_folios() {
        let h = HubSpot::new(HubSpotConfig::default(), "t").unwrap();
        let source = r#"{"v":1,"album":"Summer / Harbour","path":"a.jpg"}"#;
        assert_eq!(h.folder_for(Some(source)), "/Folio/Summer - Harbour");
        assert_eq!(h.folder_for(None), "/Folio");
        assert_eq!(folder_path(" Marketing//Photos/ ").unwrap(), "/Marketing/Photos");
        assert!(folder_path("/").is_err());
    }
}
