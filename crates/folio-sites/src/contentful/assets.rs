//! The steps of an asset's life on Contentful: raw bytes to the upload host, the asset PUT
//! under Folio's id, processing, publishing once the file has its URL, new text, a new file,
//! unpublishing, archiving and deleting. Every request goes through the pacer on its own, so a
//! retry repeats one step, never the ones before it.

use super::client::{Body, Host};
use super::wire::{self, Asset};
use super::Contentful;
use crate::error::{SiteError, SiteErrorCode as Code};
use crate::{DeleteMode, MediaFields, Processing, Pushed, RemoteId, Upload};
use reqwest::Method;
use serde_json::{json, Value};

impl Contentful {
    fn asset_path(&self, id: &str, rest: &str) -> String {
        self.env_path(&format!("assets/{id}{rest}"))
    }

    async fn get(&self, id: &str) -> Result<Asset, SiteError> {
        let path = self.asset_path(id, "");
        self.pacer.run(|_| self.client.json(Method::GET, &path, None, None)).await
    }

    /// The bytes on the upload host; the id of the upload an asset's file links to.
    async fn upload_bytes(&self, bytes: &[u8]) -> Result<String, SiteError> {
        let path = self.env_path("uploads");
        let made: wire::Made = self
            .pacer
            .run(|_| async {
                let r = self
                    .client
                    .send(Method::POST, Host::Upload, &path, Some(Body::Bytes(bytes)), None)
                    .await?;
                crate::body::json(r).await
            })
            .await?;
        Ok(made.sys.id)
    }

    /// Asks Contentful to process the locale's file; the answer (204) comes before the work.
    async fn process(&self, asset: &Asset, locale: &str) -> Result<(), SiteError> {
        let path = self.asset_path(&asset.sys.id, &format!("/files/{locale}/process"));
        let version = asset.sys.version;
        self.pacer
            .run(|_| self.client.send(Method::PUT, Host::Api, &path, None, Some(version)))
            .await?;
        Ok(())
    }

    /// PUTs `fields` with the asset's version; a 409 (the asset moved on: processing bumps
    /// the version) re-reads it and tries once more with the fields `remake` gives.
    async fn put_fields(
        &self,
        mut asset: Asset,
        remake: impl Fn(&Asset) -> Value,
    ) -> Result<Asset, SiteError> {
        let path = self.asset_path(&asset.sys.id, "");
        for round in 0..2 {
            let body = json!({ "fields": remake(&asset) });
            let version = asset.sys.version;
            let put = self
                .pacer
                .run(|_| self.client.json::<Asset>(Method::PUT, &path, Some(&body), Some(version)))
                .await;
            match put {
                Err(e) if e.code == Code::Conflict && round == 0 => {
                    asset = self.get(&asset.sys.id).await?;
                }
                other => return other,
            }
        }
        unreachable!("the second round returns")
    }

    /// Publishes the asset as it is now. A 409 re-reads it and tries once more; a 422 while a
    /// file (Folio's, or one an editor added in another locale) has no URL yet ("Asset has
    /// unprocessed files") means "not yet": `None`, or, if the files were processed by the time
    /// the asset is read again, one more try.
    async fn publish(&self, asset: &Asset, locale: &str) -> Result<Option<Asset>, SiteError> {
        let path = self.asset_path(&asset.sys.id, "/published");
        let mut version = asset.sys.version;
        for round in 0..2 {
            let published = self
                .pacer
                .run(|_| self.client.json::<Asset>(Method::PUT, &path, None, Some(version)))
                .await;
            match published {
                Ok(a) => return Ok(Some(a)),
                Err(e) if e.code == Code::Rejected => {
                    let now = self.get(&asset.sys.id).await?;
                    if now.url(locale).is_none() || now.unprocessed_files() {
                        return Ok(None);
                    }
                    // Processed between the refusal and this read: once more.
                    if round > 0 {
                        return Err(e);
                    }
                    version = now.sys.version;
                }
                Err(e) if e.code == Code::Conflict && round == 0 => {
                    version = self.get(&asset.sys.id).await?.sys.version;
                }
                Err(e) => return Err(e),
            }
        }
        unreachable!("the second round returns")
    }

    /// Where an asset is: published with its file (ready), processed and published now, or
    /// still processing (its file has no URL yet).
    async fn settle(&self, asset: Asset, locale: &str) -> Result<Processing, SiteError> {
        if asset.url(locale).is_none() {
            return Ok(Processing::Pending);
        }
        if asset.published_as_is() {
            return Ok(Processing::Ready(self.media(&asset, locale)?));
        }
        Ok(match self.publish(&asset, locale).await? {
            Some(published) => Processing::Ready(self.media(&published, locale)?),
            None => Processing::Pending,
        })
    }

    /// An asset that already has Folio's id: a lost answer's, or an earlier run's. Taken as it
    /// is: processed again if its file never got a URL (processing twice is harmless).
    async fn adopt(&self, id: &str, locale: &str) -> Result<Pushed, SiteError> {
        let asset = self.get(id).await?;
        let unprocessed = asset.url(locale).is_none();
        if unprocessed && !asset.file(locale)["uploadFrom"].is_null() {
            self.process(&asset, locale).await?;
        }
        match self.settle(asset, locale).await? {
            Processing::Ready(m) => Ok(Pushed::Ready(m)),
            Processing::Pending => Ok(Pushed::Processing(RemoteId::from(id))),
            Processing::Failed(e) => Err(e),
        }
    }

    pub(super) async fn create(&self, up: &Upload<'_>) -> Result<Pushed, SiteError> {
        if !super::valid_id(up.key) {
            return Err(SiteError::new(
                Code::Protocol,
                format!("'{}' cannot be a Contentful asset id", up.key),
            ));
        }
        let locale = self.locale().await?;
        let upload = self.upload_bytes(up.bytes).await?;
        let file = wire::new_file(&upload, up.filename, up.mime);
        let fields = wire::with_text(json!({}), &locale, up.fields, Some(file));
        let body = json!({ "fields": fields });
        let path = self.asset_path(up.key, "");
        // Without a version a PUT only creates: on an existing id (this asset, made by a try
        // whose answer was lost) it is a 409, and the asset is taken as it is.
        let made = self
            .pacer
            .run(|_| self.client.json::<Asset>(Method::PUT, &path, Some(&body), None))
            .await;
        let asset = match made {
            Ok(a) => a,
            Err(e) if e.code == Code::Conflict => return self.adopt(up.key, &locale).await,
            Err(e) => return Err(e),
        };
        self.process(&asset, &locale).await?;
        Ok(Pushed::Processing(RemoteId::from(up.key)))
    }

    pub(super) async fn follow(&self, id: &RemoteId) -> Result<Processing, SiteError> {
        let locale = self.locale().await?;
        match self.get(id.as_str()).await {
            Ok(asset) => self.settle(asset, &locale).await,
            Err(e) if e.code == Code::NotFound => Ok(Processing::Failed(SiteError::new(
                Code::NotFound,
                format!("{id} is no longer on Contentful"),
            ))),
            Err(e) => Err(e),
        }
    }

    pub(super) async fn retext(
        &self,
        id: &RemoteId,
        text: &MediaFields,
    ) -> Result<crate::RemoteMedia, SiteError> {
        let locale = self.locale().await?;
        let asset = self.get(id.as_str()).await?;
        let was_published = asset.sys.published_version.is_some();
        let updated = self
            .put_fields(asset, |a| wire::with_text(a.fields.clone(), &locale, text, None))
            .await?;
        // Delivery shows the new text only once it is published again.
        let shown = if was_published { self.publish(&updated, &locale).await? } else { None };
        self.media(shown.as_ref().unwrap_or(&updated), &locale)
    }

    /// A new file for asset `id`: new upload, the asset updated with its version, processed;
    /// [`crate::Destination::poll`] publishes it once processed (processing bumps the
    /// version, which is why the asset is read again first). The asset keeps its id; its file
    /// gets a new URL.
    pub async fn replace_asset(&self, id: &RemoteId, up: Upload<'_>) -> Result<Pushed, SiteError> {
        let locale = self.locale().await?;
        let upload = self.upload_bytes(up.bytes).await?;
        let asset = self.get(id.as_str()).await?;
        let file = wire::new_file(&upload, up.filename, up.mime);
        let updated = self
            .put_fields(asset, |a| {
                wire::with_text(a.fields.clone(), &locale, up.fields, Some(file.clone()))
            })
            .await?;
        self.process(&updated, &locale).await?;
        Ok(Pushed::Processing(id.clone()))
    }

    pub(super) async fn remove(&self, id: &RemoteId, mode: DeleteMode) -> Result<(), SiteError> {
        let mut asset = self.get(id.as_str()).await?;
        if asset.sys.published_version.is_some() {
            let path = self.asset_path(id.as_str(), "/published");
            let version = asset.sys.version;
            asset = self
                .pacer
                .run(|_| self.client.json(Method::DELETE, &path, None, Some(version)))
                .await?;
        }
        let (method, path) = match mode {
            DeleteMode::Trash if asset.archived() => return Ok(()),
            DeleteMode::Trash => (Method::PUT, self.asset_path(id.as_str(), "/archived")),
            DeleteMode::Permanently => (Method::DELETE, self.asset_path(id.as_str(), "")),
        };
        let version = asset.sys.version;
        self.pacer
            .run(|_| self.client.send(method.clone(), Host::Api, &path, None, Some(version)))
            .await?;
        Ok(())
    }
}
