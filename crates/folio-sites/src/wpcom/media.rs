//! One try of each media request; [`super::WordPressCom`] runs them through its pacer.

use super::{key_of, wire, WordPressCom, FIND_PAGES, PAGE_SIZE};
use crate::error::{SiteError, SiteErrorCode as Code};
use crate::{MediaFields, Page, RemoteMedia, Upload};
use reqwest::multipart::{Form, Part};
use reqwest::Method;

/// The text fields by the names `media/new`'s `attrs` and the update endpoint use.
fn text_pairs(f: &MediaFields) -> Vec<(&'static str, String)> {
    [
        ("title", &f.title),
        ("caption", &f.caption),
        ("alt", &f.alt_text),
        ("description", &f.description),
    ]
    .into_iter()
    .filter_map(|(name, value)| Some((name, value.clone()?)))
    .collect()
}

/// The file under its key's name (`{key}.webp`), which WordPress keeps as the file's name.
fn file_part(up: &Upload<'_>) -> Result<Part, SiteError> {
    let ext = up.filename.rsplit_once('.').map_or("bin", |(_, e)| e);
    Part::bytes(up.bytes.to_vec())
        .file_name(format!("{}.{}", up.key, ext.to_ascii_lowercase()))
        .mime_str(up.mime)
        .map_err(|e| SiteError::new(Code::Protocol, format!("'{}': {e}", up.mime)))
}

impl WordPressCom {
    pub(super) async fn try_upload(
        &self,
        up: &Upload<'_>,
        attempt: u32,
    ) -> Result<RemoteMedia, SiteError> {
        if attempt > 0 {
            // The previous try may have made the item though its answer was lost. Looked up
            // within this upload's turn of the pacer (a second turn could deadlock).
            if let Some(existing) = self.find_once(up.key).await? {
                return Ok(existing);
            }
        }
        let mut form = Form::new().part("media[]", file_part(up)?);
        for (name, value) in text_pairs(up.fields) {
            form = form.text(format!("attrs[0][{name}]"), value);
        }
        let request = self.client.request(Method::POST, &self.site_path("media/new"))?;
        let made: wire::Uploaded = self.client.send(request.multipart(form)).await?;
        match (made.media.into_iter().next(), made.errors.first()) {
            (Some(m), _) => Ok(Self::remote(m)),
            (None, Some(e)) => Err(super::client::error_from(400, &e.error, &e.message, None)),
            (None, None) => Err(SiteError::new(
                Code::Protocol,
                "WordPress.com answered the upload with no item",
            )),
        }
    }

    /// Among the newest items, the one whose file carries `key`.
    pub(super) async fn find_once(&self, key: &str) -> Result<Option<RemoteMedia>, SiteError> {
        let mut handle: Option<String> = None;
        for _ in 0..FIND_PAGES {
            let page = self.fetch_page(PAGE_SIZE, handle.as_deref()).await?;
            if let Some(m) = page.media.iter().find(|m| key_of(&m.file) == key) {
                return Ok(Some(Self::remote(m.clone())));
            }
            match page.meta.next_page {
                Some(next) if !page.media.is_empty() => handle = Some(next),
                _ => break,
            }
        }
        Ok(None)
    }

    async fn fetch_page(
        &self,
        number: u32,
        handle: Option<&str>,
    ) -> Result<wire::MediaPage, SiteError> {
        let mut query = vec![("number", number.to_string())];
        if let Some(h) = handle {
            query.push(("page_handle", h.to_string()));
        }
        self.client.get(&self.site_path("media"), &query).await
    }

    /// Newest first; the cursor is WordPress.com's page handle.
    pub(super) async fn page(&self, cursor: Option<&str>) -> Result<Page<RemoteMedia>, SiteError> {
        let page = self.fetch_page(self.page_size, cursor).await?;
        let next = page.meta.next_page.filter(|n| !n.is_empty() && !page.media.is_empty());
        Ok(Page { items: page.media.into_iter().map(Self::remote).collect(), next })
    }

    pub(super) async fn retext(
        &self,
        id: u64,
        fields: &MediaFields,
    ) -> Result<RemoteMedia, SiteError> {
        let path = self.site_path(&format!("media/{id}"));
        let pairs = text_pairs(fields);
        let media: wire::Media = if pairs.is_empty() {
            self.client.get(&path, &[]).await?
        } else {
            self.client.send(self.client.request(Method::POST, &path)?.form(&pairs)).await?
        };
        Ok(Self::remote(media))
    }

    pub(super) async fn remove(&self, id: u64) -> Result<(), SiteError> {
        let path = self.site_path(&format!("media/{id}/delete"));
        let _: wire::Media = self.client.send(self.client.request(Method::POST, &path)?).await?;
        Ok(())
    }

    /// `media/$ID/edit` with the new file and its text: the item keeps its id; the answer
    /// carries the file's new URL.
    pub(super) async fn edit(&self, id: u64, up: &Upload<'_>) -> Result<RemoteMedia, SiteError> {
        let mut form = Form::new().part("media", file_part(up)?);
        for (name, value) in text_pairs(up.fields) {
            form = form.text(format!("attrs[{name}]"), value);
        }
        let path = self.site_path(&format!("media/{id}/edit"));
        let media: wire::Media =
            self.client.send(self.client.request(Method::POST, &path)?.multipart(form)).await?;
        Ok(Self::remote(media))
    }
}
