//! Shopify Files through the Admin GraphQL API. An upload is staged (`stagedUploadsCreate`, then
//! the bytes to the staged target), then becomes a file (`fileCreate`), which Shopify processes
//! on its own time: [`Pushed::Processing`], followed with `nodes` until `READY` or `FAILED`. A
//! re-edited photo replaces the file's bytes with `fileUpdate`, which keeps the file's id and URL
//! (only its `?v=` changes), as long as the file is ready and the type is the same.
//!
//! Shopify keeps only alt text with a file: no title, no caption.

mod client;
pub mod connector;
mod cost;
mod documents;
#[cfg(feature = "testing")]
pub mod fake;

pub use client::Credentials;

use crate::error::{SiteError, SiteErrorCode as Code};
use crate::{
    Capabilities, DeleteMode, Destination, ImageFormat, MediaFields, Pacer, PacerConfig, Page,
    Processing, Pushed, RemoteId, RemoteMedia, TextField, Upload,
};
use client::Client;
use documents as doc;
use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The Admin API version Folio speaks (Shopify supports each for a year).
pub const API_VERSION: &str = "2026-10";
/// Shopify's limit for an image file.
const MAX_IMAGE_BYTES: u64 = 20 * 1024 * 1024;
/// Files a listing asks for at once.
const PAGE_SIZE: u32 = 100;

#[derive(Debug, Clone)]
pub struct ShopifyConfig {
    pub pacer: PacerConfig,
    pub timeout: Duration,
    pub page_size: u32,
    /// Replaces `https://STORE/`: the connector's advanced `admin_url` field.
    pub admin_url: Option<String>,
}

impl Default for ShopifyConfig {
    fn default() -> Self {
        ShopifyConfig {
            pacer: PacerConfig::default(),
            timeout: Duration::from_secs(120),
            page_size: PAGE_SIZE,
            admin_url: None,
        }
    }
}

pub struct Shopify {
    client: Client,
    pacer: Pacer,
    page_size: u32,
}

/// The stored account of a store connected with an Admin API token; any other account is the
/// client id of a Dev Dashboard app, whose secret is the stored secret.
pub const TOKEN_ACCOUNT: &str = "admin-api-token";

/// The credentials of a stored store.
pub fn credentials(account: &str, secret: &str) -> Credentials {
    if account == TOKEN_ACCOUNT || account.is_empty() {
        Credentials::Token(secret.to_string())
    } else {
        Credentials::ClientCredentials {
            client_id: account.to_string(),
            secret: secret.to_string(),
        }
    }
}

/// `STORE.myshopify.com` from what the merchant typed: a handle, the domain, or an admin URL.
pub fn store_domain(input: &str) -> Result<String, SiteError> {
    let trimmed = input.trim().trim_start_matches("https://").trim_start_matches("http://");
    let host = trimmed.split(['/', '?', '#']).next().unwrap_or_default().to_ascii_lowercase();
    let handle = host.strip_suffix(".myshopify.com").unwrap_or(&host);
    let valid = !handle.is_empty()
        && handle.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !handle.starts_with('-');
    if !valid {
        return Err(SiteError::new(
            Code::Protocol,
            format!(
                "'{input}' is not a Shopify store address: use the store's .myshopify.com \
                 address (Shopify admin → Settings → Domains), e.g. my-prints.myshopify.com"
            ),
        ));
    }
    Ok(format!("{handle}.myshopify.com"))
}

/// The last part of a file's URL, without `?v=`: the name it has on Shopify.
fn name_of(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    path.rsplit('/').next().unwrap_or_default().to_string()
}

fn extension(name: &str) -> String {
    let name = name.split(['?', '#']).next().unwrap_or_default();
    name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default()
}

/// Short and stable: FNV-1a of the token, so the key is the same in every run.
fn short_hash(token: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in token.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("{:08x}", h as u32)
}

fn media(file: &doc::File) -> Result<RemoteMedia, SiteError> {
    let url = file
        .image
        .as_ref()
        .and_then(|i| i.url.clone())
        .or_else(|| file.url.clone())
        .ok_or_else(|| SiteError::new(Code::Protocol, format!("{} has no URL yet", file.id)))?;
    let separator = if url.contains('?') { '&' } else { '?' };
    Ok(RemoteMedia {
        id: RemoteId::from(file.id.as_str()),
        key: name_of(&url),
        // Shopify's CDN resizes on request.
        thumbnail_url: Some(format!("{url}{separator}width=320")),
        url,
        mime: file.mime_type.clone().unwrap_or_default(),
        title: String::new(),
        alt_text: file.alt.clone().unwrap_or_default(),
    })
}

fn file_errors(file: &doc::File) -> String {
    let said: Vec<String> = file
        .file_errors
        .iter()
        .map(|e| {
            let text = e.details.clone().or(e.message.clone()).unwrap_or_default();
            match &e.code {
                Some(code) if text.is_empty() => code.clone(),
                Some(code) => format!("{text} ({code})"),
                None => text,
            }
        })
        .collect();
    if said.is_empty() {
        "no reason given".into()
    } else {
        said.join("; ")
    }
}

/// A mutation's `userErrors`, as one error of the right class.
fn user_error(what: &str, errors: &[doc::UserError]) -> SiteError {
    let message = errors.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join("; ");
    let code = match errors.iter().find_map(|e| e.code.as_deref()).unwrap_or_default() {
        "FILE_DOES_NOT_EXIST" => Code::NotFound,
        "FILE_LOCKED" | "MEDIA_CANNOT_BE_MODIFIED" => Code::Unavailable,
        "NON_READY_STATE"
        | "INVALID_FAILED_MEDIA_STATE"
        | "INVALID_FILENAME_EXTENSION"
        | "MISMATCHED_FILENAME_AND_ORIGINAL_SOURCE"
        | "FILENAME_ALREADY_EXISTS" => Code::Conflict,
        _ => Code::Rejected,
    };
    SiteError::new(code, format!("Shopify refused {what}: {message}"))
}

impl Shopify {
    pub fn new(store: &str, credentials: Credentials) -> Result<Shopify, SiteError> {
        // The field's fallback: `FOLIO_SHOPIFY_ADMIN_URL` points a store at the fake.
        let admin_url = connector::connector().field("admin_url").and_then(|f| f.fallback());
        Self::with_config(
            store,
            credentials,
            ShopifyConfig { admin_url, ..ShopifyConfig::default() },
        )
    }

    pub fn with_config(
        store: &str,
        credentials: Credentials,
        config: ShopifyConfig,
    ) -> Result<Shopify, SiteError> {
        let domain = store_domain(store)?;
        let admin = config.admin_url.clone().unwrap_or_else(|| format!("https://{domain}/"));
        let mut admin = url::Url::parse(&admin).map_err(|e| {
            SiteError::new(Code::Protocol, format!("'{admin}' is not a web address: {e}"))
        })?;
        if !admin.path().ends_with('/') {
            admin.set_path(&format!("{}/", admin.path()));
        }
        let client = Client::new(admin, API_VERSION, credentials, config.timeout)?;
        Ok(Shopify { client, pacer: Pacer::new(config.pacer), page_size: config.page_size })
    }

    /// `THROTTLED` answers so far: few, if the pacing works.
    pub fn throttled(&self) -> u64 {
        self.client.throttled.load(std::sync::atomic::Ordering::Relaxed)
    }

    async fn node(&self, id: &RemoteId) -> Result<Option<doc::File>, SiteError> {
        let q = doc::with_file_fields(doc::NODES);
        let answer: serde_json::Value =
            self.client.run("nodes", &q, json!({ "ids": [id.as_str()] })).await?;
        let first = answer["nodes"].get(0).cloned().unwrap_or_default();
        // Null for an id that is gone; `{}` for a node that is not a file.
        Ok(serde_json::from_value(first).ok())
    }

    /// Stages `bytes` under `name` and returns the `resourceUrl` a file is made from.
    async fn stage(&self, bytes: &[u8], name: &str, mime: &str) -> Result<String, SiteError> {
        let input = json!({ "input": [{
            "resource": "IMAGE",
            "filename": name,
            "mimeType": mime,
            "httpMethod": "POST",
            "fileSize": bytes.len().to_string(),
        }]});
        let staged: doc::Staged = self.client.run("stagedUploadsCreate", doc::STAGE, input).await?;
        let payload = staged.staged_uploads_create;
        if !payload.user_errors.is_empty() {
            return Err(user_error("the upload", &payload.user_errors));
        }
        let target = payload.staged_targets.into_iter().next().ok_or_else(|| {
            SiteError::new(Code::Protocol, "Shopify gave no place to upload the file to")
        })?;
        // The parameters sign the request; the file goes last. No Shopify token goes here.
        let mut form = reqwest::multipart::Form::new();
        for p in target.parameters {
            form = form.text(p.name, p.value);
        }
        let part = reqwest::multipart::Part::bytes(bytes.to_vec())
            .file_name(name.to_string())
            .mime_str(mime)
            .map_err(|e| SiteError::new(Code::Protocol, e.to_string()))?;
        let r = self.client.http().post(&target.url).multipart(form.part("file", part)).send();
        let r = r.await?;
        let status = r.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(target.resource_url);
        }
        let said = crate::body::capped_bytes(r, crate::body::MAX_ERROR_BYTES).await?;
        let said = String::from_utf8_lossy(&said);
        Err(if status == 413 || said.contains("EntityTooLarge") {
            SiteError::new(Code::TooLarge, "the file is larger than Shopify accepts")
        } else if status >= 500 || status == 429 {
            SiteError::new(Code::Unavailable, format!("Shopify's upload storage answered {status}"))
        } else {
            SiteError::new(
                Code::Rejected,
                format!("Shopify's upload storage refused the file ({status})"),
            )
        })
    }

    fn pushed(file: &doc::File) -> Result<Pushed, SiteError> {
        match file.file_status.as_str() {
            "READY" => Ok(Pushed::Ready(media(file)?)),
            "FAILED" => Err(SiteError::new(
                Code::Rejected,
                format!("Shopify could not process the file: {}", file_errors(file)),
            )),
            _ => Ok(Pushed::Processing(RemoteId::from(file.id.as_str()))),
        }
    }

    /// `created_once`: an earlier try of this upload sent `fileCreate` and failed, perhaps
    /// after Shopify made the file (a lost answer): it is looked up rather than made twice.
    async fn try_upload(
        &self,
        up: &Upload<'_>,
        created_once: &AtomicBool,
    ) -> Result<Pushed, SiteError> {
        if created_once.load(Ordering::Relaxed) {
            if let Some(found) = self.find_file(up.key).await? {
                return Self::pushed(&found);
            }
        }
        let resource = self.stage(up.bytes, up.key, up.mime).await?;
        let input = json!({ "files": [{
            "originalSource": resource,
            "contentType": "IMAGE",
            "filename": up.key,
            "alt": up.fields.alt_text.clone().unwrap_or_default(),
            "duplicateResolutionMode": "RAISE_ERROR",
        }]});
        let q = doc::with_file_fields(doc::CREATE);
        created_once.store(true, Ordering::Relaxed);
        let created: doc::Created = self.client.run("fileCreate", &q, input).await?;
        let payload = created.file_create;
        if !payload.user_errors.is_empty() {
            let exists = payload
                .user_errors
                .iter()
                .any(|e| e.code.as_deref() == Some("FILENAME_ALREADY_EXISTS"));
            if exists {
                if let Some(found) = self.find_file(up.key).await? {
                    return Self::pushed(&found);
                }
            }
            return Err(user_error("the file", &payload.user_errors));
        }
        let file = payload.files.unwrap_or_default().into_iter().next();
        let file = file.ok_or_else(|| SiteError::new(Code::Protocol, "Shopify made no file"))?;
        Self::pushed(&file)
    }

    /// Folio's own file named `name` (its key), if one is proven to be it. Shopify's
    /// `filename:` search is loose (other names come back too), and a file still processing
    /// has no URL, so no name to compare, yet: it may as well be the merchant's or another
    /// app's upload under way at the same moment. Only a ready file with exactly this name is
    /// taken. While a candidate is still processing the answer is "not known yet", a retryable
    /// error: the pacer asks again a little later, and after its last try the photo waits for
    /// its next retry. Never a guess, and never a second upload.
    async fn find_file(&self, name: &str) -> Result<Option<doc::File>, SiteError> {
        let q = doc::with_file_fields(doc::FILES);
        let vars = json!({ "first": 10, "after": null, "query": format!("filename:{name}") });
        let found: doc::Files = self.client.run("files", &q, vars).await?;
        let mut processing = 0;
        for f in found.files.nodes {
            match f.image.as_ref().and_then(|i| i.url.as_deref()).or(f.url.as_deref()) {
                Some(url) if name_of(url) == name => return Ok(Some(f)),
                Some(_) => {}
                None if matches!(f.file_status.as_str(), "UPLOADED" | "PROCESSING") => {
                    processing += 1
                }
                // Failed: no name to prove, nothing to take.
                None => {}
            }
        }
        if processing > 0 {
            return Err(SiteError::new(
                Code::RateLimited,
                format!(
                    "Shopify is still processing {processing} file(s) named like {name}; Folio \
                     looks again once they are ready rather than take one that may not be its own"
                ),
            ));
        }
        Ok(None)
    }

    async fn try_replace(
        &self,
        id: &RemoteId,
        up: &Upload<'_>,
        attempt: u32,
    ) -> Result<Pushed, SiteError> {
        let current = self.node(id).await?.ok_or_else(|| {
            SiteError::new(Code::NotFound, format!("{id} is no longer on Shopify"))
        })?;
        if current.file_status != "READY" {
            // Only Folio changes its files: a retry finds its own update still processing.
            if attempt > 0 && current.file_status != "FAILED" {
                return Ok(Pushed::Processing(id.clone()));
            }
            return Err(SiteError::new(
                Code::Conflict,
                format!(
                    "the file on Shopify is not ready to be replaced ({})",
                    current.file_status
                ),
            ));
        }
        let name = name_of(&media(&current)?.url);
        if extension(&name) != extension(up.filename) {
            return Err(SiteError::new(
                Code::Conflict,
                format!(
                    "Shopify keeps a file's type, and {name} is not a {} file",
                    extension(up.filename)
                ),
            ));
        }
        let resource = self.stage(up.bytes, &name, up.mime).await?;
        let input = json!({ "files": [{
            "id": id.as_str(),
            "originalSource": resource,
            "alt": up.fields.alt_text.clone().unwrap_or_default(),
        }]});
        let q = doc::with_file_fields(doc::UPDATE);
        let updated: doc::Updated = self.client.run("fileUpdate", &q, input).await?;
        let payload = updated.file_update;
        if !payload.user_errors.is_empty() {
            return Err(user_error("the new version", &payload.user_errors));
        }
        // The update is processed like an upload; the old bytes are served until it is ready.
        Ok(Pushed::Processing(id.clone()))
    }

    /// A failed file: an update that failed goes back to the version before it
    /// (`fileAcknowledgeUpdateFailed`); a new file that failed is removed, so no broken file is
    /// left in the merchant's Files.
    async fn settle_failure(&self, file: &doc::File) -> SiteError {
        let why = file_errors(file);
        let ids = json!({ "ids": [file.id] });
        let q = doc::with_file_fields(doc::ACKNOWLEDGE);
        let ack: Result<doc::Acknowledged, _> =
            self.client.run("fileAcknowledgeUpdateFailed", &q, ids.clone()).await;
        match ack {
            Ok(a) if a.file_acknowledge_update_failed.user_errors.is_empty() => SiteError::new(
                Code::Rejected,
                format!("Shopify could not process the new version ({why}); it still serves the previous one"),
            ),
            _ => {
                let _ = self.client.run::<doc::Deleted>("fileDelete", doc::DELETE, ids).await;
                SiteError::new(Code::Rejected, format!("Shopify could not process the file: {why}"))
            }
        }
    }
}

#[async_trait::async_trait]
impl Destination for Shopify {
    async fn probe(&self) -> Result<Capabilities, SiteError> {
        let probe: doc::Probe =
            self.pacer.run(|_| self.client.run("shop", doc::PROBE, json!({}))).await?;
        if let Some(installation) = probe.installation {
            let has = |s: &str| installation.access_scopes.iter().any(|a| a.handle == s);
            let missing: Vec<&str> =
                ["read_files", "write_files"].into_iter().filter(|s| !has(s)).collect();
            // write_files implies read_files in Shopify's scopes.
            if !has("write_files") {
                return Err(SiteError::new(
                    Code::Forbidden,
                    format!(
                        "the app's token lacks {}: add the scopes read_files and write_files to \
                         the app, reinstall it, and use its new token",
                        missing.join(" and ")
                    ),
                ));
            }
        }
        Ok(Capabilities {
            // fileUpdate: same file id and URL (only its `?v=` changes).
            replace_in_place: true,
            replace_keeps_id: true,
            replace_keeps_url: true,
            formats: vec![ImageFormat::Webp, ImageFormat::Jpeg, ImageFormat::Png, ImageFormat::Gif],
            fields: vec![TextField::AltText],
            max_upload_bytes: Some(MAX_IMAGE_BYTES),
            account: probe.shop.name,
            notes: vec!["alt text only: Shopify files have no title or caption".into()],
        })
    }

    async fn check(&self) -> Result<(), SiteError> {
        self.pacer.run(|_| self.client.run::<doc::Check>("shop", doc::CHECK, json!({}))).await?;
        Ok(())
    }

    /// The shop's primary language (`shopLocales`, which needs the optional `read_locales`
    /// scope: without it, none, and alt text takes the album's language).
    async fn language(&self) -> Option<String> {
        let locales: doc::Locales =
            self.client.run("shopLocales", doc::LOCALES, json!({})).await.ok()?;
        locales.shop_locales.into_iter().find(|l| l.primary).map(|l| l.locale)
    }

    /// The file's name on Shopify: the album's name for it plus a short code of the photo's
    /// version, so a file is found again by name after a lost answer and two photos that are
    /// named alike never take each other's place.
    fn duplicate_key(&self, token: &str, filename: &str) -> String {
        let (stem, ext) = filename.rsplit_once('.').unwrap_or((filename, "jpg"));
        format!("{stem}-{}.{}", short_hash(token), ext.to_ascii_lowercase())
    }

    /// `fileCreate` answers once the file exists; nothing keeps running after a lost answer.
    fn in_flight_grace(&self) -> Duration {
        Duration::from_secs(2)
    }

    /// Shopify processes files after answering; the cost bucket, not the photo count, is the
    /// limit.
    fn photos_in_flight(&self) -> usize {
        8
    }

    async fn upload(&self, upload: Upload<'_>) -> Result<Pushed, SiteError> {
        let created_once = AtomicBool::new(false);
        self.pacer.run(|_| self.try_upload(&upload, &created_once)).await
    }

    async fn poll(&self, id: &RemoteId) -> Result<Processing, SiteError> {
        let file = self.pacer.run(|_| self.node(id)).await?;
        let Some(file) = file else {
            let gone = SiteError::new(Code::NotFound, format!("{id} is no longer on Shopify"));
            return Ok(Processing::Failed(gone));
        };
        Ok(match file.file_status.as_str() {
            "READY" => Processing::Ready(media(&file)?),
            "FAILED" => Processing::Failed(self.settle_failure(&file).await),
            _ => Processing::Pending,
        })
    }

    async fn find(&self, key: &str) -> Result<Option<RemoteMedia>, SiteError> {
        let found = self.pacer.run(|_| self.find_file(key)).await?;
        found.filter(|f| f.file_status == "READY").map(|f| media(&f)).transpose()
    }

    async fn update_fields(
        &self,
        id: &RemoteId,
        fields: &MediaFields,
    ) -> Result<RemoteMedia, SiteError> {
        let input = json!({ "files": [{
            "id": id.as_str(),
            "alt": fields.alt_text.clone().unwrap_or_default(),
        }]});
        let q = doc::with_file_fields(doc::UPDATE);
        let updated: doc::Updated =
            self.pacer.run(|_| self.client.run("fileUpdate", &q, input.clone())).await?;
        let payload = updated.file_update;
        if !payload.user_errors.is_empty() {
            return Err(user_error("the alt text", &payload.user_errors));
        }
        let file = payload.files.unwrap_or_default().into_iter().next();
        media(&file.ok_or_else(|| SiteError::new(Code::NotFound, format!("{id} is gone")))?)
    }

    async fn list(&self, cursor: Option<&str>) -> Result<Page<RemoteMedia>, SiteError> {
        let q = doc::with_file_fields(doc::FILES);
        let vars = json!({ "first": self.page_size, "after": cursor, "query": "media_type:IMAGE" });
        let found: doc::Files =
            self.pacer.run(|_| self.client.run("files", &q, vars.clone())).await?;
        let items = found.files.nodes.iter().filter_map(|f| media(f).ok()).collect();
        let info = found.files.page_info;
        // A page that says "more" without a cursor ends the listing rather than restarting it.
        let next =
            if info.has_next_page { info.end_cursor.filter(|c| !c.is_empty()) } else { None };
        Ok(Page { items, next })
    }

    async fn delete(&self, id: &RemoteId, mode: DeleteMode) -> Result<(), SiteError> {
        if mode == DeleteMode::Trash {
            return Err(SiteError::new(Code::NoTrash, "Shopify has no trash for files"));
        }
        let ids = json!({ "ids": [id.as_str()] });
        let deleted: doc::Deleted =
            self.pacer.run(|_| self.client.run("fileDelete", doc::DELETE, ids.clone())).await?;
        let payload = deleted.file_delete;
        if !payload.user_errors.is_empty() {
            return Err(user_error("the deletion", &payload.user_errors));
        }
        if payload.deleted_file_ids.unwrap_or_default().is_empty() {
            return Err(SiteError::new(Code::NotFound, format!("{id} is not on Shopify")));
        }
        Ok(())
    }

    async fn replace(&self, id: &RemoteId, upload: Upload<'_>) -> Result<Pushed, SiteError> {
        self.pacer.run(|attempt| self.try_replace(id, &upload, attempt)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_addresses_are_read_the_way_merchants_type_them() {
        for typed in [
            "my-prints",
            "my-prints.myshopify.com",
            "https://my-prints.myshopify.com/admin",
            " My-Prints.myshopify.com/ ",
        ] {
            assert_eq!(store_domain(typed).unwrap(), "my-prints.myshopify.com", "{typed}");
        }
        for bad in ["", "shop.example.com/x y", "mailto:me@x", "-x.myshopify.com"] {
            assert!(store_domain(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn keys_keep_the_name_and_type_and_differ_by_version() {
        let s = Shopify::with_config(
            "x",
            Credentials::Token("t".into()),
            ShopifyConfig { admin_url: None, ..ShopifyConfig::default() },
        )
        .unwrap();
        let a = s.duplicate_key("folio-1-2-3-aaaa", "harbour-at-dusk.webp");
        let b = s.duplicate_key("folio-1-2-3-bbbb", "harbour-at-dusk.webp");
        assert!(a.starts_with("harbour-at-dusk-") && a.ends_with(".webp"), "{a}");
        assert_ne!(a, b);
        assert_eq!(a, s.duplicate_key("folio-1-2-3-aaaa", "harbour-at-dusk.webp"));
        assert_eq!(name_of("https://cdn.shopify.com/s/files/1/files/a-1.webp?v=17"), "a-1.webp");
    }
}
