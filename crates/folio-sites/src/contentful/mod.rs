//! Contentful assets through the Content Management API. A photo goes to the upload host as
//! raw bytes, becomes an asset under Folio's own id (a PUT with the id, so a retry after a lost
//! answer finds the asset instead of making a second), with its title, description (the alt
//! text) and file in the account's locale; Contentful processes the file on its own time
//! ([`Pushed::Processing`]), and [`Destination::poll`] publishes it once the file has its URL.
//!
//! A re-edit keeps the asset (entries link it by id) but never the file's URL: each processed
//! file gets a new address. So Contentful declares "replace keeps the id" and not "keeps the
//! URL"; [`Destination::replace`] is [`Contentful::replace_asset`].

mod assets;
mod client;
pub mod connector;
#[cfg(feature = "testing")]
pub mod fake;
mod wire;

use crate::error::{SiteError, SiteErrorCode as Code};
use crate::{
    Capabilities, DeleteMode, Destination, ImageFormat, MediaFields, Pacer, PacerConfig, Page,
    Processing, Pushed, RemoteId, RemoteMedia, TextField, Upload,
};
use client::Client;
use std::time::Duration;
use wire::Asset;

pub const API_URL: &str = "https://api.contentful.com";
pub const UPLOAD_URL: &str = "https://upload.contentful.com";
/// Assets a listing asks for at once.
const PAGE_SIZE: u32 = 100;

#[derive(Debug, Clone)]
pub struct ContentfulConfig {
    pub space: String,
    pub environment: String,
    /// `None`: the space's default locale, asked once.
    pub locale: Option<String>,
    pub api_url: String,
    pub upload_url: String,
    pub pacer: PacerConfig,
    pub timeout: Duration,
    pub page_size: u32,
}

impl ContentfulConfig {
    pub fn new(space: &str) -> ContentfulConfig {
        ContentfulConfig {
            space: space.to_string(),
            environment: "master".into(),
            locale: None,
            api_url: API_URL.into(),
            upload_url: UPLOAD_URL.into(),
            // The per-second gate spaces requests; the pacer bounds those in flight and retries.
            pacer: PacerConfig { concurrency: 4, ..PacerConfig::default() },
            timeout: Duration::from_secs(120),
            page_size: PAGE_SIZE,
        }
    }

    /// From a stored account's fields (with the connector's fallbacks filled in).
    pub fn from_fields(config: &folio_model::Config) -> ContentfulConfig {
        let given = |name: &str| config.get(name).map(str::trim).filter(|v| !v.is_empty());
        let mut c = ContentfulConfig::new(config.value("space"));
        if let Some(env) = given("environment") {
            c.environment = env.to_string();
        }
        c.locale = given("locale").map(str::to_string);
        if let Some(api) = given("api_url") {
            c.api_url = api.to_string();
        }
        if let Some(upload) = given("upload_url") {
            c.upload_url = upload.to_string();
        }
        c
    }
}

/// Contentful's resource ids: `^[a-zA-Z0-9-_.]{1,64}$`.
pub fn valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// 64 bits of FNV-1a: stable across runs, so a key made again is the same key.
pub(crate) fn hash64(token: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in token.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

pub struct Contentful {
    client: Client,
    pacer: Pacer,
    space: String,
    environment: String,
    locale: tokio::sync::OnceCell<String>,
    page_size: u32,
}

impl Contentful {
    pub fn new(config: ContentfulConfig, token: &str) -> Result<Contentful, SiteError> {
        for (what, id) in [("space id", &config.space), ("environment", &config.environment)] {
            if !valid_id(id) {
                return Err(SiteError::new(
                    Code::Protocol,
                    format!("'{id}' is not a Contentful {what}"),
                ));
            }
        }
        let client = Client::new(&config.api_url, &config.upload_url, token, config.timeout)?;
        let locale = tokio::sync::OnceCell::new_with(config.locale.clone());
        Ok(Contentful {
            client,
            pacer: Pacer::new(config.pacer),
            space: config.space,
            environment: config.environment,
            locale,
            page_size: config.page_size.clamp(1, 1000),
        })
    }

    /// 429 answers so far: none, when the pacing works.
    pub fn rate_limited(&self) -> u64 {
        self.client.rate_limited.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn env_path(&self, rest: &str) -> String {
        format!("spaces/{}/environments/{}/{rest}", self.space, self.environment)
    }

    /// The locale Folio writes: the account's, else the space's default (asked once).
    pub async fn locale(&self) -> Result<String, SiteError> {
        let found = self
            .locale
            .get_or_try_init(|| async {
                let path = self.env_path("locales");
                let locales: wire::Locales = self
                    .pacer
                    .run(|_| self.client.json(reqwest::Method::GET, &path, None, None))
                    .await?;
                let default = locales.items.iter().find(|l| l.default).or(locales.items.first());
                default.map(|l| l.code.clone()).ok_or_else(|| {
                    SiteError::new(Code::Protocol, "the Contentful environment has no locale")
                })
            })
            .await?;
        Ok(found.clone())
    }

    fn media(&self, asset: &Asset, locale: &str) -> Result<RemoteMedia, SiteError> {
        let url = asset.url(locale).ok_or_else(|| {
            SiteError::new(Code::Protocol, format!("{} has no file yet", asset.sys.id))
        })?;
        // Contentful answers `//images.ctfassets.net/…`.
        let url = match url.strip_prefix("//") {
            Some(rest) => format!("{}://{rest}", self.client.scheme()),
            None => url.to_string(),
        };
        let file = asset.file(locale);
        Ok(RemoteMedia {
            id: RemoteId::from(asset.sys.id.as_str()),
            key: asset.sys.id.clone(),
            // The Images API resizes on request.
            thumbnail_url: Some(format!("{url}?w=320")),
            url,
            mime: file["contentType"].as_str().unwrap_or_default().to_string(),
            title: asset.text("title", locale),
            alt_text: asset.text("description", locale),
        })
    }
}

#[async_trait::async_trait]
impl Destination for Contentful {
    async fn probe(&self) -> Result<Capabilities, SiteError> {
        let path = format!("spaces/{}", self.space);
        let space: wire::Space =
            self.pacer.run(|_| self.client.json(reqwest::Method::GET, &path, None, None)).await?;
        let locale = self.locale().await?;
        let name = if space.name.is_empty() { self.space.clone() } else { space.name };
        Ok(Capabilities {
            replace_in_place: false,
            replace_keeps_id: true,
            replace_keeps_url: false,
            formats: vec![
                ImageFormat::Webp,
                ImageFormat::Jpeg,
                ImageFormat::Png,
                ImageFormat::Gif,
                ImageFormat::Avif,
            ],
            fields: vec![TextField::Title, TextField::AltText],
            max_upload_bytes: None,
            account: format!("{name} ({}, {locale})", self.environment),
            notes: vec![
                "re-edits keep their asset; the file's URL changes".into(),
                "the alt text goes in the asset's description".into(),
            ],
        })
    }

    async fn check(&self) -> Result<(), SiteError> {
        let path = format!("spaces/{}", self.space);
        self.pacer
            .run(|_| self.client.json::<wire::Space>(reqwest::Method::GET, &path, None, None))
            .await?;
        Ok(())
    }

    /// The asset's id: the file's name (what Contentful allows of it) and 64 bits of the
    /// photo's version token, so a retry or a restart PUTs the same id.
    fn duplicate_key(&self, token: &str, filename: &str) -> String {
        let stem = filename.rsplit_once('.').map_or(filename, |(s, _)| s);
        let stem: String = stem
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' })
            .take(40)
            .collect();
        format!("{stem}-{:016x}", hash64(token))
    }

    /// The asset PUT is all or nothing; nothing keeps running after a lost answer.
    fn in_flight_grace(&self) -> Duration {
        Duration::from_secs(2)
    }

    /// Contentful processes files on its own time; the per-second gate is the limit.
    fn photos_in_flight(&self) -> usize {
        6
    }

    async fn upload(&self, upload: Upload<'_>) -> Result<Pushed, SiteError> {
        self.create(&upload).await
    }

    async fn poll(&self, id: &RemoteId) -> Result<Processing, SiteError> {
        self.follow(id).await
    }

    async fn find(&self, key: &str) -> Result<Option<RemoteMedia>, SiteError> {
        if !valid_id(key) {
            return Ok(None);
        }
        let locale = self.locale().await?;
        let path = self.env_path(&format!("assets?sys.id%5Bin%5D={key}&limit=1"));
        let found: wire::Collection =
            self.pacer.run(|_| self.client.json(reqwest::Method::GET, &path, None, None)).await?;
        // Only a published, processed asset is done; one still on its way is adopted by the
        // next upload under the same id.
        let done = found.items.into_iter().find(|a| {
            a.sys.id == key
                && !a.archived()
                && a.sys.published_version.is_some()
                && a.url(&locale).is_some()
        });
        done.map(|a| self.media(&a, &locale)).transpose()
    }

    async fn update_fields(
        &self,
        id: &RemoteId,
        fields: &MediaFields,
    ) -> Result<RemoteMedia, SiteError> {
        self.retext(id, fields).await
    }

    async fn list(&self, cursor: Option<&str>) -> Result<Page<RemoteMedia>, SiteError> {
        let locale = self.locale().await?;
        let skip: u64 = cursor.and_then(|c| c.parse().ok()).unwrap_or(0);
        let path = self
            .env_path(&format!("assets?skip={skip}&limit={}&order=-sys.createdAt", self.page_size));
        let page: wire::Collection =
            self.pacer.run(|_| self.client.json(reqwest::Method::GET, &path, None, None)).await?;
        let seen = skip + page.items.len() as u64;
        let items = page
            .items
            .iter()
            .filter(|a| !a.archived())
            .filter_map(|a| self.media(a, &locale).ok())
            .collect();
        // A short page ends the listing even if `total` says more (it changed meanwhile).
        let more = seen < page.total && page.items.len() as u32 == self.page_size;
        Ok(Page { items, next: more.then(|| seen.to_string()) })
    }

    /// Unpublished first (Contentful deletes and archives only unpublished assets), then
    /// archived (the trash: the web app can restore it) or deleted.
    async fn delete(&self, id: &RemoteId, mode: DeleteMode) -> Result<(), SiteError> {
        self.remove(id, mode).await
    }

    /// The same asset with the new file (a new URL): see [`Contentful::replace_asset`].
    async fn replace(&self, id: &RemoteId, upload: Upload<'_>) -> Result<Pushed, SiteError> {
        self.replace_asset(id, upload).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_valid_asset_ids_stable_and_differ_by_version() {
        let c = Contentful::new(ContentfulConfig::new("space1"), "t").unwrap();
        let a = c.duplicate_key("folio-1-2-3-aaaa", "Harbour at dusk, évening.webp");
        let b = c.duplicate_key("folio-1-2-3-bbbb", "Harbour at dusk, évening.webp");
        assert!(valid_id(&a) && a.starts_with("Harbour-at-dusk--"), "{a}");
        assert_ne!(a, b);
        assert_eq!(a, c.duplicate_key("folio-1-2-3-aaaa", "Harbour at dusk, évening.webp"));
        let long = c.duplicate_key("t", &format!("{}.jpg", "x".repeat(300)));
        assert!(valid_id(&long), "{long}");
        assert!(!valid_id("a b") && !valid_id("") && valid_id("abc-1_2.x"));
    }
}
