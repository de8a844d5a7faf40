//! WordPress.com's hosted sites through its REST API v1.1, signed in with an OAuth access token
//! (the sign-in relay finishes the sign-in: WordPress.com's token exchange needs the app's
//! secret). A photo goes up with `media/new` under a file name that ends in a key from the
//! photo's version, so after a lost answer the newest items are searched for that name
//! instead of uploading twice.
//!
//! A re-edit goes through `media/$ID/edit`: the same media id (galleries and featured images
//! that use it follow), but the file gets a new name and so a new URL, which the answer
//! carries. So WordPress.com declares "replace keeps the id" and not "keeps the URL".
//! WordPress.com does not take AVIF, so none is declared: the planner sends WebP.

mod client;
pub mod connector;
#[cfg(feature = "testing")]
pub mod fake;
mod media;
mod wire;

use crate::error::{SiteError, SiteErrorCode as Code};
use crate::{
    Capabilities, DeleteMode, Destination, ImageFormat, MediaFields, Pacer, PacerConfig, Page,
    Pushed, RemoteId, RemoteMedia, TextField, Upload,
};
use client::Client;
use std::time::Duration;

pub const API_URL: &str = "https://public-api.wordpress.com";
/// The listing's largest page.
const PAGE_SIZE: u32 = 100;
/// Pages of the newest items searched for a lost upload: it is among the newest, unless
/// hundreds were uploaded since.
const FIND_PAGES: u32 = 5;

#[derive(Debug, Clone)]
pub struct WpcomConfig {
    /// The site's address (`example.wordpress.com`) or id.
    pub site: String,
    pub api_url: String,
    pub pacer: PacerConfig,
    pub timeout: Duration,
    pub page_size: u32,
}

impl WpcomConfig {
    pub fn new(site: &str) -> WpcomConfig {
        WpcomConfig {
            site: site_id(site).unwrap_or_default(),
            api_url: API_URL.into(),
            pacer: PacerConfig::default(),
            timeout: Duration::from_secs(120),
            page_size: PAGE_SIZE,
        }
    }

    /// A stored site: its account is the site; its fields say where the API is.
    pub fn from_fields(site: &str, config: &folio_model::Config) -> WpcomConfig {
        let mut c = WpcomConfig::new(site);
        if let Some(api) = config.get("api_url").map(str::trim).filter(|v| !v.is_empty()) {
            c.api_url = api.to_string();
        }
        c
    }
}

/// How the API names a site in its paths: its address without scheme or trailing slash
/// (`example.wordpress.com`, a mapped domain; `example.com::blog` for one in a folder), or its
/// numeric id. `None` when it cannot be one.
pub fn site_id(given: &str) -> Option<String> {
    let s = given.trim();
    let s = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://")).unwrap_or(s);
    let s = s.trim_end_matches('/').replace('/', "::").to_ascii_lowercase();
    let ok = !s.is_empty()
        && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'));
    ok.then_some(s)
}

/// The one blog a token was made for, from the token answer (`blog_id`, `blog_url`); none for
/// a `global` token (`blog_id` 0), which reaches all the account's sites.
pub fn token_blog(answer: &std::collections::BTreeMap<String, String>) -> Option<String> {
    let id = answer.get("blog_id").map(|s| s.trim()).unwrap_or_default();
    let url = answer.get("blog_url").map(|s| s.trim()).unwrap_or_default();
    (!id.is_empty() && id != "0" && !url.is_empty()).then(|| url.to_string())
}

/// The account's sites, for the picker: `(id, address, name)`.
pub async fn sites(api_url: &str, token: &str) -> Result<Vec<(u64, String, String)>, SiteError> {
    let client = Client::new(api_url, token, Duration::from_secs(30))?;
    let query = [("fields", "ID,URL,name".to_string())];
    let mine: wire::MySites = client.get("me/sites", &query).await?;
    Ok(mine.sites.into_iter().map(|s| (s.id, s.url, s.name)).collect())
}

/// The key part of a file name: `{name}-{16 hex}` as [`WordPressCom::duplicate_key`] made it,
/// also after WordPress added `-1` (a name taken) or an edit added `-{seed}-{number}`.
pub fn key_of(file: &str) -> String {
    let stem = file.rsplit_once('.').map_or(file, |(s, _)| s);
    let is_key = |s: &str| {
        s.rsplit_once('-').is_some_and(|(_, h)| {
            h.len() == 16 && h.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
        })
    };
    let strip_number = |s: &str| -> Option<String> {
        let (rest, n) = s.rsplit_once('-')?;
        (!n.is_empty() && n.chars().all(|c| c.is_ascii_digit())).then(|| rest.to_string())
    };
    let mut candidate = stem.to_string();
    for _ in 0..3 {
        if is_key(&candidate) {
            return candidate;
        }
        match strip_number(&candidate) {
            Some(shorter) => candidate = shorter,
            None => break,
        }
    }
    stem.to_string()
}

pub struct WordPressCom {
    client: Client,
    pacer: Pacer,
    site: String,
    page_size: u32,
}

impl WordPressCom {
    pub fn new(config: WpcomConfig, token: &str) -> Result<WordPressCom, SiteError> {
        if site_id(&config.site).is_none() {
            return Err(SiteError::new(
                Code::Protocol,
                format!("'{}' is not a WordPress.com site address or id", config.site),
            ));
        }
        Ok(WordPressCom {
            client: Client::new(&config.api_url, token, config.timeout)?,
            pacer: Pacer::new(config.pacer),
            site: config.site,
            page_size: config.page_size.clamp(1, PAGE_SIZE),
        })
    }

    fn site_path(&self, rest: &str) -> String {
        format!("sites/{}/{rest}", self.site)
    }

    fn remote(m: wire::Media) -> RemoteMedia {
        let thumbnail = m.thumbnails["thumbnail"].as_str().map(str::to_string);
        RemoteMedia {
            id: RemoteId::from(m.id.to_string().as_str()),
            key: key_of(&m.file),
            // Photon resizes any image on request.
            thumbnail_url: thumbnail.or_else(|| Some(format!("{}?w=320", m.url))),
            url: m.url,
            mime: m.mime_type,
            title: m.title,
            alt_text: m.alt,
        }
    }
}

/// The media id in a [`RemoteId`].
fn media_id(id: &RemoteId) -> Result<u64, SiteError> {
    id.as_str().parse().map_err(|_| {
        SiteError::new(Code::Protocol, format!("'{id}' is not a WordPress.com media id"))
    })
}

#[async_trait::async_trait]
impl Destination for WordPressCom {
    async fn probe(&self) -> Result<Capabilities, SiteError> {
        let me: wire::Me = self.pacer.run(|_| self.client.get("me", &[])).await?;
        let path = format!("sites/{}", self.site);
        let site: wire::Site = self.pacer.run(|_| self.client.get(&path, &[])).await?;
        let who = if me.display_name.is_empty() { me.username } else { me.display_name };
        let name = if site.name.is_empty() { self.site.clone() } else { site.name };
        Ok(Capabilities {
            replace_in_place: false,
            replace_keeps_id: true,
            replace_keeps_url: false,
            // No AVIF: WordPress.com's API and its image CDN refuse it.
            formats: vec![ImageFormat::Webp, ImageFormat::Jpeg, ImageFormat::Png, ImageFormat::Gif],
            fields: vec![
                TextField::Title,
                TextField::Caption,
                TextField::AltText,
                TextField::Description,
            ],
            max_upload_bytes: site.options.and_then(|o| o.max_upload_size),
            account: format!("{who} on {name}"),
            notes: vec![
                "re-edits keep their asset; the file's URL changes".into(),
                "AVIF goes up as WebP (WordPress.com does not take AVIF)".into(),
            ],
        })
    }

    async fn check(&self) -> Result<(), SiteError> {
        let path = format!("sites/{}", self.site);
        let _: wire::Site = self.pacer.run(|_| self.client.get(&path, &[])).await?;
        Ok(())
    }

    /// The file's name (what WordPress keeps of it) and 64 bits of the photo's version token:
    /// the name it goes up under, so a retry or a restart finds the file by it.
    fn duplicate_key(&self, token: &str, filename: &str) -> String {
        let stem = filename.rsplit_once('.').map_or(filename, |(s, _)| s);
        let mut slug = String::new();
        for c in stem.chars().take(60) {
            let c = if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' };
            if !(c == '-' && (slug.is_empty() || slug.ends_with('-'))) {
                slug.push(c);
            }
        }
        let slug = slug.trim_end_matches('-');
        let slug = if slug.is_empty() { "photo" } else { slug };
        format!("{slug}-{:016x}", crate::contentful::hash64(token))
    }

    async fn upload(&self, upload: Upload<'_>) -> Result<Pushed, SiteError> {
        let media = self.pacer.run(|attempt| self.try_upload(&upload, attempt)).await?;
        Ok(Pushed::Ready(media))
    }

    async fn find(&self, key: &str) -> Result<Option<RemoteMedia>, SiteError> {
        self.pacer.run(|_| self.find_once(key)).await
    }

    async fn update_fields(
        &self,
        id: &RemoteId,
        fields: &MediaFields,
    ) -> Result<RemoteMedia, SiteError> {
        let id = media_id(id)?;
        self.pacer.run(|_| self.retext(id, fields)).await
    }

    async fn list(&self, cursor: Option<&str>) -> Result<Page<RemoteMedia>, SiteError> {
        self.pacer.run(|_| self.page(cursor)).await
    }

    /// WordPress.com deletes media for good ("Media is deleted and not trashed").
    async fn delete(&self, id: &RemoteId, mode: DeleteMode) -> Result<(), SiteError> {
        let id = media_id(id)?;
        if mode == DeleteMode::Trash {
            return Err(SiteError::new(
                Code::NoTrash,
                "WordPress.com has no trash for media, so the photo stays on the site (the \
                 album can be set to delete for good)",
            ));
        }
        self.pacer.run(|_| self.remove(id)).await
    }

    /// The same media id with the new file, under a new URL (the answer's).
    async fn replace(&self, id: &RemoteId, upload: Upload<'_>) -> Result<Pushed, SiteError> {
        let id = media_id(id)?;
        let media = self.pacer.run(|_| self.edit(id, &upload)).await?;
        Ok(Pushed::Ready(media))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_survive_the_names_wordpress_gives_files() {
        let d = WordPressCom::new(WpcomConfig::new("example.wordpress.com"), "t").unwrap();
        let key = d.duplicate_key("folio-1-2-3-aaaa", "Harbour at Dusk, évening.webp");
        assert!(key.starts_with("harbour-at-dusk-vening-"), "{key}");
        assert_ne!(key, d.duplicate_key("folio-1-2-3-bbbb", "Harbour at Dusk, évening.webp"));
        assert_eq!(key_of(&format!("{key}.webp")), key);
        assert_eq!(key_of(&format!("{key}-1.webp")), key, "a taken name gets -1");
        assert_eq!(key_of(&format!("{key}-2710520350-1767225600123.jpg")), key, "an edit");
        assert_eq!(key_of("someone-elses.jpg"), "someone-elses");
        assert_eq!(d.duplicate_key("t", "---.webp").split_once('-').unwrap().0, "photo");
    }

    #[test]
    fn sites_are_named_as_the_api_wants() {
        assert_eq!(
            site_id("https://Example.wordpress.com/").as_deref(),
            Some("example.wordpress.com")
        );
        assert_eq!(site_id("example.com/blog").as_deref(), Some("example.com::blog"));
        assert_eq!(site_id("12345").as_deref(), Some("12345"));
        assert_eq!(site_id("not a site"), None);
        assert_eq!(site_id(""), None);
    }

    #[test]
    fn a_token_for_one_blog_names_it_and_a_global_one_does_not() {
        let answer = |pairs: &[(&str, &str)]| {
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
        };
        let one = answer(&[("blog_id", "200001"), ("blog_url", "https://a.wordpress.com")]);
        assert_eq!(token_blog(&one).as_deref(), Some("https://a.wordpress.com"));
        let global = answer(&[("blog_id", "0"), ("blog_url", "")]);
        assert_eq!(token_blog(&global), None);
        assert_eq!(token_blog(&answer(&[])), None);
    }
}
