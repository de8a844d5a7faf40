//! The WordPress companion plugin's routes (`folio/v1`, in wordpress-plugin/folio-companion):
//! replace a file in place and list the items that carry a source identity.

use crate::error::SiteErrorCode as Code;
use crate::wordpress::{check, field_pairs, WordPress};
use crate::{Page, RemoteId, RemoteMedia, SiteError, SourcedMedia, Upload};
use reqwest::{Method, StatusCode};
use serde::Deserialize;

/// `GET /folio/v1/info`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CompanionInfo {
    pub plugin_version: String,
    #[serde(default)]
    pub capabilities: Vec<String>,
    /// Whether the request's credentials reached PHP (false: the host strips the header).
    #[serde(default)]
    pub authorization_seen: bool,
    /// Only for a user who may upload.
    #[serde(default)]
    pub max_upload_bytes: Option<u64>,
    /// Image types the site's editor can write sub-sizes for.
    #[serde(default)]
    pub editor_formats: Vec<String>,
}

impl CompanionInfo {
    pub fn can_replace(&self) -> bool {
        self.capabilities.iter().any(|c| c == "replace")
    }
}

/// What `POST /folio/v1/media/<id>/file` answers.
#[derive(Debug, Clone)]
pub struct Replaced {
    pub media: RemoteMedia,
    /// Size and SHA-256 of the stored original, as the server computed them.
    pub bytes: u64,
    pub sha256: String,
    pub media_details: serde_json::Value,
}

#[derive(Deserialize)]
struct WireItem {
    id: u64,
    slug: String,
    source_url: String,
    mime_type: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    alt_text: String,
    #[serde(default)]
    folio_source: String,
    #[serde(default)]
    thumbnail_url: Option<String>,
    #[serde(default)]
    bytes: u64,
    #[serde(default)]
    sha256: String,
    #[serde(default)]
    media_details: serde_json::Value,
}

impl WireItem {
    fn media(&self) -> RemoteMedia {
        RemoteMedia {
            id: RemoteId(self.id.to_string()),
            key: self.slug.clone(),
            url: self.source_url.clone(),
            thumbnail_url: self.thumbnail_url.clone(),
            mime: self.mime_type.clone(),
            title: self.title.clone(),
            alt_text: self.alt_text.clone(),
        }
    }
}

/// The `code` of a WordPress error answer ("" when it has none).
async fn error_code(r: reqwest::Response) -> String {
    #[derive(Deserialize)]
    struct Wire {
        #[serde(default)]
        code: String,
    }
    crate::body::json::<Wire>(r).await.map(|w| w.code).unwrap_or_default()
}

/// A 404 from the replace route: either the plugin is not there (no such route: the caller
/// uploads a new item instead) or the attachment is gone.
async fn missing_route(r: reqwest::Response) -> SiteError {
    if error_code(r).await == "rest_no_route" {
        SiteError::new(
            Code::Conflict,
            "the site has no companion plugin, so a file cannot be replaced in place",
        )
    } else {
        SiteError::new(Code::NotFound, "the item is no longer on the site")
    }
}

impl WordPress {
    /// The plugin's self-description, or `None` when it is not installed.
    pub async fn companion_info(&self) -> Result<Option<CompanionInfo>, SiteError> {
        let r = self.request(Method::GET, "/folio/v1/info").await?.send().await?;
        if r.status() == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let info = crate::body::json(check(r).await?).await.map_err(|e| {
            SiteError::new(Code::Protocol, format!("the companion plugin's answer: {e}"))
        })?;
        Ok(Some(info))
    }

    /// Whether the plugin saw an Authorization header on a request that WordPress did not sign
    /// in: `Some(false)` when the host strips the header before PHP, `None` when it cannot tell
    /// (no plugin, or a wrong password, which WordPress answers before the plugin).
    pub async fn credentials_reach_php(&self) -> Option<bool> {
        let r = self.request(Method::GET, "/folio/v1/info").await.ok()?.send().await.ok()?;
        if r.status() == StatusCode::UNAUTHORIZED {
            return (error_code(r).await == "folio_authorization_missing").then_some(false);
        }
        let info: CompanionInfo = crate::body::json(check(r).await.ok()?).await.ok()?;
        Some(info.authorization_seen)
    }

    /// Replaces the file behind attachment `id`, then sets the text fields. Safe to repeat: the
    /// same bytes give the same result, so the pacer may retry it.
    pub async fn replace_file(&self, id: u64, up: &Upload<'_>) -> Result<Replaced, SiteError> {
        let wire: WireItem = self
            .pacer
            .run(|_| async {
                let mut query = Vec::new();
                if let Some(source) = up.source {
                    query.push(("folio_source", source));
                }
                let r = self
                    .request(Method::POST, &format!("/folio/v1/media/{id}/file"))
                    .await?
                    .query(&query)
                    .header("Content-Type", up.mime)
                    .header(
                        "Content-Disposition",
                        format!("attachment; filename=\"{}\"", up.filename),
                    )
                    .body(up.bytes.to_vec())
                    .send()
                    .await?;
                if r.status() == StatusCode::NOT_FOUND {
                    return Err(missing_route(r).await);
                }
                crate::body::json(check(r).await?).await
            })
            .await?;
        let mut replaced = Replaced {
            media: wire.media(),
            bytes: wire.bytes,
            sha256: wire.sha256,
            media_details: wire.media_details,
        };
        if !field_pairs(up.fields).is_empty() {
            let updated =
                crate::Destination::update_fields(self, &RemoteId(id.to_string()), up.fields)
                    .await?;
            replaced.media.title = updated.title;
            replaced.media.alt_text = updated.alt_text;
        }
        Ok(replaced)
    }

    pub(crate) async fn sources_page(&self, page: u32) -> Result<Page<SourcedMedia>, SiteError> {
        #[derive(Deserialize)]
        struct Wire {
            items: Vec<WireItem>,
            total_pages: u32,
        }
        self.pacer
            .run(|_| async {
                let page_text = page.to_string();
                let r = self
                    .request(Method::GET, "/folio/v1/media")
                    .await?
                    .query(&[("page", page_text.as_str()), ("per_page", "200")])
                    .send()
                    .await?;
                if r.status() == StatusCode::NOT_FOUND {
                    return Ok(Page { items: Vec::new(), next: None });
                }
                let wire: Wire = crate::body::json(check(r).await?).await?;
                let items = wire
                    .items
                    .iter()
                    .filter(|w| !w.folio_source.is_empty())
                    .map(|w| SourcedMedia { media: w.media(), source: w.folio_source.clone() })
                    .collect();
                let next =
                    crate::wordpress::next_page(page, wire.total_pages, wire.items.is_empty())
                        .map(|p| p.to_string());
                Ok(Page { items, next })
            })
            .await
    }
}
