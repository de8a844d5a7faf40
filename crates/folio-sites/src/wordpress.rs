//! WordPress through its REST API with an Application Password.

mod answers;
pub mod connector;

pub(crate) use answers::check;
use answers::header_stripped;

use crate::body;
use crate::error::{SiteError, SiteErrorCode as Code};
use crate::{
    Capabilities, DeleteMode, Destination, ImageFormat, MediaFields, Pacer, PacerConfig, Page,
    Pushed, RemoteId, RemoteMedia, TextField, Upload,
};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde::Deserialize;
use std::time::Duration;
use tokio::sync::OnceCell;
use url::Url;

/// Hosts differ: `/wp-json/` needs pretty permalinks, `?rest_route=` works everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteStyle {
    Pretty,
    Query,
}

pub struct WordPress {
    base: Url,
    user: String,
    password: String,
    http: reqwest::Client,
    pub(crate) pacer: Pacer,
    routes: OnceCell<RouteStyle>,
}

/// An 8×8 AVIF (made by folio-convert) uploaded once per probe: WordPress has no endpoint that
/// lists the image types it accepts, and versions before 6.5 refuse AVIF.
const PROBE_AVIF: &[u8] = include_bytes!("probe.avif");

/// Above this, text fields go in a second request rather than the upload's query string, which
/// some hosts cap at 8 KB.
const MAX_QUERY_BYTES: usize = 2000;

impl WordPress {
    pub fn new(site_url: &str, user: &str, password: &str) -> Result<WordPress, SiteError> {
        Self::with_config(
            site_url,
            user,
            password,
            PacerConfig::default(),
            Duration::from_secs(120),
        )
    }

    pub fn with_config(
        site_url: &str,
        user: &str,
        password: &str,
        pacer: PacerConfig,
        timeout: Duration,
    ) -> Result<WordPress, SiteError> {
        let mut base = Url::parse(site_url.trim()).map_err(|e| {
            SiteError::new(Code::Protocol, format!("'{site_url}' is not a web address: {e}"))
        })?;
        // mailto:, data:, file: and the like parse, but no route can be joined onto them.
        if !matches!(base.scheme(), "http" | "https")
            || base.cannot_be_a_base()
            || base.host().is_none()
        {
            return Err(SiteError::new(
                Code::Protocol,
                format!(
                    "'{site_url}' is not a web address (it must start with https:// or http://)"
                ),
            ));
        }
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        let http = crate::http::client(timeout, same_site_redirects())?;
        Ok(WordPress {
            base,
            user: user.to_string(),
            // Application Passwords are shown with spaces for readability; WordPress ignores them.
            password: password.replace(' ', ""),
            http,
            pacer: Pacer::new(pacer),
            routes: OnceCell::new(),
        })
    }

    fn route_url(&self, path: &str) -> Result<Url, SiteError> {
        self.base.join(path).map_err(|e| {
            SiteError::new(
                Code::Protocol,
                format!("cannot make a WordPress address from '{path}': {e}"),
            )
        })
    }

    async fn route_style(&self) -> Result<RouteStyle, SiteError> {
        self.routes
            .get_or_try_init(|| async {
                let pretty = self.route_url("wp-json/")?;
                let answer = self.http.get(pretty).send().await;
                let is_rest = match answer {
                    Ok(r) if r.status().is_success() => r
                        .json::<serde_json::Value>()
                        .await
                        .is_ok_and(|v| v.get("namespaces").is_some()),
                    _ => false,
                };
                Ok(if is_rest { RouteStyle::Pretty } else { RouteStyle::Query })
            })
            .await
            .copied()
    }

    pub(crate) async fn request(
        &self,
        method: Method,
        route: &str,
    ) -> Result<RequestBuilder, SiteError> {
        let url = match self.route_style().await? {
            RouteStyle::Pretty => self.route_url(&format!("wp-json{route}"))?,
            RouteStyle::Query => {
                let mut u = self.base.clone();
                u.query_pairs_mut().append_pair("rest_route", route);
                u
            }
        };
        Ok(self.http.request(method, url).basic_auth(&self.user, Some(&self.password)))
    }

    pub(crate) async fn media_json(&self, response: Response) -> Result<RemoteMedia, SiteError> {
        let wire: WireMedia = body::json(check(response).await?).await?;
        Ok(wire.into())
    }

    async fn try_upload(&self, up: &Upload<'_>, attempt: u32) -> Result<RemoteMedia, SiteError> {
        if attempt > 0 {
            // The previous try may have reached WordPress even though its answer did not reach us.
            // Looked up within this upload's turn of the pacer: asking for a second turn while
            // holding one deadlocks once every turn is held by a retrying upload.
            if let Some(existing) = self.find_by_slug_once(up.key).await? {
                return Ok(existing);
            }
        }
        let mut query = vec![("slug", up.key.to_string())];
        if let Some(source) = up.source {
            // Registered by the companion plugin; without it WordPress ignores unknown meta.
            query.push(("meta[folio_source]", source.to_string()));
        }
        let text = field_pairs(up.fields);
        let text_len: usize = text.iter().map(|(k, v)| k.len() + v.len() * 3).sum();
        let fields_inline = text_len <= MAX_QUERY_BYTES;
        if fields_inline {
            query.extend(text);
        }
        let response = self
            .request(Method::POST, "/wp/v2/media")
            .await?
            .query(&query)
            .header("Content-Type", up.mime)
            .header("Content-Disposition", format!("attachment; filename=\"{}\"", up.filename))
            .body(up.bytes.to_vec())
            .send()
            .await?;
        let media = self.media_json(response).await?;
        if fields_inline {
            Ok(media)
        } else {
            self.update_fields_once(wp_id(&media.id)?, up.fields).await
        }
    }

    /// Uploads the probe AVIF and deletes it again. A refusal of the file is an answer (no AVIF);
    /// other errors are passed on.
    async fn accepts_avif(&self) -> Result<bool, SiteError> {
        let probe = Upload {
            bytes: PROBE_AVIF,
            filename: "folio-avif-probe.avif",
            mime: "image/avif",
            key: "folio-avif-probe",
            fields: &MediaFields::default(),
            source: None,
        };
        match self.pacer.run(|attempt| self.try_upload(&probe, attempt)).await {
            Ok(media) => self.delete(&media.id, DeleteMode::Permanently).await.map(|()| true),
            Err(e) if e.class() == crate::ErrorClass::NoRetry => Ok(false),
            Err(e) => Err(e),
        }
    }

    async fn update_fields_once(
        &self,
        id: u64,
        fields: &MediaFields,
    ) -> Result<RemoteMedia, SiteError> {
        let body: serde_json::Map<String, serde_json::Value> =
            field_pairs(fields).into_iter().map(|(k, v)| (k.to_string(), v.into())).collect();
        let response = self
            .request(Method::POST, &format!("/wp/v2/media/{id}"))
            .await?
            .query(&[("context", "edit")])
            .json(&body)
            .send()
            .await?;
        self.media_json(response).await
    }
}

pub(crate) fn field_pairs(f: &MediaFields) -> Vec<(&'static str, String)> {
    let mut v = Vec::new();
    let fields = [
        ("title", &f.title),
        ("caption", &f.caption),
        ("alt_text", &f.alt_text),
        ("description", &f.description),
    ];
    for (name, value) in fields {
        if let Some(value) = value {
            v.push((name, value.clone()));
        }
    }
    v
}

#[derive(Deserialize)]
struct Rendered {
    #[serde(default)]
    raw: Option<String>,
    #[serde(default)]
    rendered: String,
}

#[derive(Deserialize)]
pub(crate) struct WireMedia {
    id: u64,
    slug: String,
    source_url: String,
    mime_type: String,
    title: Rendered,
    #[serde(default)]
    alt_text: String,
    #[serde(default)]
    media_details: serde_json::Value,
}

/// An image this small (WordPress's `medium` is 300 px) is shown as it is.
const SMALL_EDGE: u64 = 300;

impl From<WireMedia> for RemoteMedia {
    fn from(w: WireMedia) -> Self {
        let sizes = &w.media_details["sizes"];
        // WordPress makes no smaller copy of an image already smaller than its sizes (a small
        // banner): then the image itself is its thumbnail.
        let small = ["width", "height"]
            .iter()
            .all(|k| w.media_details[k].as_u64().is_some_and(|n| n > 0 && n <= SMALL_EDGE));
        let thumbnail_url = ["medium", "thumbnail"]
            .iter()
            .find_map(|s| sizes[s]["source_url"].as_str())
            .map(str::to_string)
            .or_else(|| small.then(|| w.source_url.clone()));
        RemoteMedia {
            id: RemoteId(w.id.to_string()),
            key: w.slug,
            url: w.source_url,
            thumbnail_url,
            mime: w.mime_type,
            title: w.title.raw.unwrap_or(w.title.rendered),
            alt_text: w.alt_text,
        }
    }
}

/// Redirects are followed only on the site itself (http → https, a trailing slash): the
/// credentials must never go to another host, and an API answer from another one is not the
/// site's. A redirect elsewhere comes back as the 3xx answer, which `check` explains.
fn same_site_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let first = attempt.previous().first();
        let same_host = first.is_some_and(|f| f.host_str() == attempt.url().host_str());
        let same_port = first.is_some_and(|f| {
            f.port_or_known_default() == attempt.url().port_or_known_default()
                || (f.scheme() == "http" && attempt.url().scheme() == "https")
        });
        if same_host && same_port && attempt.previous().len() < 5 {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

/// No listing goes past this many pages, whatever the site says its total is (a server that
/// always answers "more" cannot keep Folio paging for ever).
pub(crate) const MAX_PAGES: u32 = 10_000;

/// The page after `page`, if the site has more.
pub(crate) fn next_page(page: u32, total_pages: u32, empty: bool) -> Option<u32> {
    (page < total_pages && page < MAX_PAGES && !empty).then_some(page + 1)
}

/// WordPress ids are numbers; anything else cannot be one of this site's items.
pub(crate) fn wp_id(id: &RemoteId) -> Result<u64, SiteError> {
    id.as_str()
        .parse()
        .map_err(|_| SiteError::new(Code::NotFound, format!("'{id}' is not a WordPress media id")))
}

/// WordPress keeps slugs lowercase ASCII with dashes, at most 200 characters.
fn slug_of(token: &str) -> String {
    let mut slug: String = token
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
        .collect();
    slug.truncate(190);
    slug
}

#[derive(Deserialize)]
struct Me {
    slug: String,
    #[serde(default)]
    capabilities: std::collections::HashMap<String, bool>,
}

impl WordPress {
    /// The signed-in user, refusing one who may not upload.
    async fn me(&self) -> Result<Me, SiteError> {
        let me: Result<Me, SiteError> = self
            .pacer
            .run(|_| async {
                let r = self
                    .request(Method::GET, "/wp/v2/users/me")
                    .await?
                    .query(&[("context", "edit")]);
                body::json(check(r.send().await?).await?).await
            })
            .await;
        let me = match me {
            Err(e) if e.code == Code::NeedsReconnect => {
                // The plugin can see whether credentials reached PHP at all.
                return Err(match self.credentials_reach_php().await {
                    Some(false) => header_stripped(),
                    _ => e,
                });
            }
            other => other?,
        };
        if !me.capabilities.get("upload_files").copied().unwrap_or(false) {
            return Err(SiteError::new(
                Code::NeedsReconnect,
                format!(
                    "the WordPress user '{}' may not upload files; connect as an Author or above",
                    me.slug
                ),
            ));
        }
        Ok(me)
    }
}

#[async_trait::async_trait]
impl Destination for WordPress {
    async fn probe(&self) -> Result<Capabilities, SiteError> {
        let me = self.me().await?;
        let companion = self.companion_info().await.ok().flatten();
        // WordPress takes these since 5.8; AVIF only from 6.5, and there is no endpoint that
        // says, so it is tried.
        let mut formats =
            vec![ImageFormat::Webp, ImageFormat::Jpeg, ImageFormat::Png, ImageFormat::Gif];
        if self.accepts_avif().await? {
            formats.push(ImageFormat::Avif);
        }
        Ok(Capabilities {
            account: me.slug,
            formats,
            fields: vec![
                TextField::Title,
                TextField::Caption,
                TextField::AltText,
                TextField::Description,
            ],
            replace_in_place: companion.as_ref().is_some_and(|c| c.can_replace()),
            replace_keeps_id: companion.as_ref().is_some_and(|c| c.can_replace()),
            replace_keeps_url: companion.as_ref().is_some_and(|c| c.can_replace()),
            max_upload_bytes: companion.as_ref().and_then(|c| c.max_upload_bytes),
            notes: companion
                .map(|c| vec![format!("companion plugin {}", c.plugin_version)])
                .unwrap_or_default(),
        })
    }

    async fn check(&self) -> Result<(), SiteError> {
        self.me().await.map(drop)
    }

    /// Settings → General → Site Language (`/wp/v2/settings`, for users who may manage
    /// options; "" is WordPress's own en_US).
    async fn language(&self) -> Option<String> {
        let read = async {
            let r = self.request(Method::GET, "/wp/v2/settings").await?;
            let v: serde_json::Value = body::json(check(r.send().await?).await?).await?;
            Ok::<_, SiteError>(v["language"].as_str().map(str::to_string))
        };
        let language = read.await.ok()??;
        Some(if language.trim().is_empty() { "en_US".into() } else { language })
    }

    fn duplicate_key(&self, token: &str, _filename: &str) -> String {
        slug_of(token)
    }

    async fn upload(&self, upload: Upload<'_>) -> Result<Pushed, SiteError> {
        let media = self.pacer.run(|attempt| self.try_upload(&upload, attempt)).await?;
        Ok(Pushed::Ready(media))
    }

    async fn update_fields(
        &self,
        id: &RemoteId,
        fields: &MediaFields,
    ) -> Result<RemoteMedia, SiteError> {
        let id = wp_id(id)?;
        self.pacer.run(|_| self.update_fields_once(id, fields)).await
    }

    async fn find(&self, key: &str) -> Result<Option<RemoteMedia>, SiteError> {
        self.find_by_slug(key).await
    }

    async fn list(&self, cursor: Option<&str>) -> Result<Page<RemoteMedia>, SiteError> {
        let page: u32 = match cursor {
            None => 1,
            Some(c) => c.parse().map_err(|_| {
                SiteError::new(Code::Protocol, format!("'{c}' is not a WordPress page cursor"))
            })?,
        };
        self.pacer
            .run(|_| async {
                let r = self.request(Method::GET, "/wp/v2/media").await?;
                let page_text = page.to_string();
                let r = r
                    .query(&[("per_page", "100"), ("page", &page_text), ("context", "edit")])
                    .send()
                    .await?;
                let r = check(r).await?;
                let total_pages: u32 = r
                    .headers()
                    .get("X-WP-TotalPages")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(1);
                let items: Vec<WireMedia> = body::json(r).await?;
                let next =
                    (page < total_pages && !items.is_empty()).then(|| (page + 1).to_string());
                Ok(Page { items: items.into_iter().map(RemoteMedia::from).collect(), next })
            })
            .await
    }

    async fn replace(&self, id: &RemoteId, upload: Upload<'_>) -> Result<Pushed, SiteError> {
        self.replace_file(wp_id(id)?, &upload).await.map(|r| Pushed::Ready(r.media))
    }

    async fn list_sources(
        &self,
        cursor: Option<&str>,
    ) -> Result<Page<crate::SourcedMedia>, SiteError> {
        let page = cursor.and_then(|c| c.parse().ok()).unwrap_or(1);
        self.sources_page(page).await
    }

    async fn delete(&self, id: &RemoteId, mode: DeleteMode) -> Result<(), SiteError> {
        let id = wp_id(id)?;
        let force = if mode == DeleteMode::Permanently { "true" } else { "false" };
        self.pacer
            .run(|_| async {
                let r = self.request(Method::DELETE, &format!("/wp/v2/media/{id}")).await?;
                let r = r.query(&[("force", force)]).send().await?;
                // Media has a trash only with MEDIA_TRASH in wp-config.php; without it WordPress
                // answers 501 rather than deleting for good.
                if r.status() == StatusCode::NOT_IMPLEMENTED {
                    return Err(SiteError::new(
                        Code::NoTrash,
                        "this WordPress has no trash for media, so the photo stays on the site \
                         (the album can be set to delete for good)",
                    ));
                }
                check(r).await?;
                Ok(())
            })
            .await
    }
}

impl WordPress {
    /// The attachment whose slug is `slug`, if any.
    pub async fn find_by_slug(&self, slug: &str) -> Result<Option<RemoteMedia>, SiteError> {
        self.pacer.run(|_| self.find_by_slug_once(slug)).await
    }

    async fn find_by_slug_once(&self, slug: &str) -> Result<Option<RemoteMedia>, SiteError> {
        let r = self.request(Method::GET, "/wp/v2/media").await?;
        let r = r.query(&[("slug", slug), ("context", "edit")]).send().await?;
        let found: Vec<WireMedia> = body::json(check(r).await?).await?;
        Ok(found.into_iter().next().map(RemoteMedia::from))
    }
}

#[cfg(test)]
mod tests {
    use super::{next_page, RemoteMedia, WireMedia, MAX_PAGES};

    #[test]
    fn a_small_image_is_its_own_thumbnail_and_a_large_one_uses_a_size() {
        let media = |details: serde_json::Value| -> RemoteMedia {
            let wire: WireMedia = serde_json::from_value(serde_json::json!({
                "id": 7, "slug": "s", "source_url": "https://x/s.webp", "mime_type": "image/webp",
                "title": {"rendered": "t"}, "alt_text": "", "media_details": details
            }))
            .unwrap();
            wire.into()
        };
        let small = media(serde_json::json!({"width": 64, "height": 40, "sizes": {}}));
        assert_eq!(small.thumbnail_url.as_deref(), Some("https://x/s.webp"));
        let sized = serde_json::json!({"width": 4000, "height": 3000,
            "sizes": {"medium": {"source_url": "https://x/s-300x225.webp"}}});
        assert_eq!(media(sized).thumbnail_url.as_deref(), Some("https://x/s-300x225.webp"));
        let large = media(serde_json::json!({"width": 4000, "height": 3000, "sizes": {}}));
        assert_eq!(large.thumbnail_url, None, "a large original is not a thumbnail");
    }

    #[test]
    fn paging_stops_at_the_end_an_empty_page_or_the_bound() {
        assert_eq!(next_page(1, 3, false), Some(2));
        assert_eq!(next_page(3, 3, false), None);
        assert_eq!(next_page(1, 3, true), None, "an empty page ends it whatever the total says");
        assert_eq!(
            next_page(MAX_PAGES, u32::MAX, false),
            None,
            "a total of 4 billion is not trusted"
        );
    }
}
