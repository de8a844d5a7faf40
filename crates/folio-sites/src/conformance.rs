//! The one suite every destination passes (like rclone's `fstests`): upload, text fields, the
//! lookup that prevents a duplicate after a lost answer, replace in place (or the documented
//! refusal that makes the engine upload a new item), listing by cursor, delete, and how each
//! kind of failure is classified. A new site type is done when this passes against it.
//!
//! A [`Harness`] wraps the destination under test and a way to make its next requests fail:
//! a fault proxy in front of an HTTP backend, or the fake's own switch. Each check prints
//! `conformance[<name>] <check>: ok`, so a test log says which destination passed what.

use crate::{
    DeleteMode, Destination, ErrorClass, ImageFormat, MediaFields, Processing, Pushed, RemoteMedia,
    SiteError, SiteErrorCode as Code, TextField, Upload,
};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How the harness makes requests fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The service answers with this HTTP status and its usual error body.
    Status(u16),
    /// 429 with `Retry-After` in seconds.
    RetryAfter(u64),
    /// No answer until the client's timeout.
    Hang,
    /// The request is carried out but its answer is lost.
    LoseResponse,
}

#[async_trait::async_trait]
pub trait Harness: Send + Sync {
    fn name(&self) -> &str;
    fn destination(&self) -> &dyn Destination;
    /// The next `times` media requests fail with `fault`.
    fn inject(&self, fault: Fault, times: u32);
    /// Tries the destination's pacer makes per operation, so a fault can outlast them.
    fn attempts(&self) -> u32;
    /// What the site serves at `url`, where the test can fetch it.
    async fn served(&self, url: &str) -> Option<Vec<u8>> {
        let _ = url;
        None
    }
}

const FIRST: &[u8] = include_bytes!("testdata/first.webp");
const SECOND: &[u8] = include_bytes!("testdata/second.webp");
const THIRD: &[u8] = include_bytes!("testdata/third.jpg");

struct Suite<'a> {
    h: &'a dyn Harness,
    tag: String,
    /// Everything uploaded, deleted at the end whatever happens.
    made: std::sync::Mutex<Vec<RemoteMedia>>,
    /// The site keeps a title with an image (Shopify keeps only alt text).
    keeps_title: AtomicBool,
    /// The site keeps alt text with an image (HubSpot files keep no text at all).
    keeps_alt: AtomicBool,
}

/// Runs every check against the harness's destination; panics on the first that fails.
pub async fn run(h: &dyn Harness) {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let suite = Suite {
        h,
        tag: format!("conf{nanos:x}"),
        made: Default::default(),
        keeps_title: AtomicBool::new(true),
        keeps_alt: AtomicBool::new(true),
    };
    // Checks return their failure as text, so the clean-up runs before the panic.
    let outcome = suite.all().await;
    let made: Vec<RemoteMedia> = suite.made.lock().unwrap().drain(..).collect();
    for m in made {
        let _ = h.destination().delete(&m.id, DeleteMode::Permanently).await;
    }
    if let Err(message) = outcome {
        panic!("conformance[{}] {message}", h.name());
    }
}

type Check = Result<(), String>;

/// Two addresses of one file: equal but for a `v` (version) query parameter.
fn same_address(a: &str, b: &str) -> bool {
    let strip = |u: &str| {
        let (path, query) = u.split_once('?').unwrap_or((u, ""));
        let kept: Vec<&str> =
            query.split('&').filter(|p| !p.starts_with("v=") && !p.is_empty()).collect();
        format!("{path}?{}", kept.join("&"))
    };
    strip(a) == strip(b)
}

fn ensure(ok: bool, what: impl FnOnce() -> String) -> Check {
    if ok {
        Ok(())
    } else {
        Err(what())
    }
}

impl Suite<'_> {
    fn d(&self) -> &dyn Destination {
        self.h.destination()
    }

    fn passed(&self, check: &str) {
        eprintln!("conformance[{}] {check}: ok", self.h.name());
    }

    async fn all(&self) -> Check {
        let caps = self.d().probe().await.map_err(|e| format!("probe: {e}"))?;
        ensure(!caps.account.is_empty(), || "probe: no account name".into())?;
        ensure(caps.accepts(ImageFormat::Webp) && caps.accepts(ImageFormat::Jpeg), || {
            format!("probe: WebP and JPEG must be accepted, got {:?}", caps.formats)
        })?;
        self.keeps_title.store(caps.fields.contains(&TextField::Title), Ordering::Relaxed);
        self.keeps_alt.store(caps.fields.contains(&TextField::AltText), Ordering::Relaxed);
        self.d().check().await.map_err(|e| format!("check: {e}"))?;
        self.passed("probe");

        let first = self.upload_new("first", FIRST, "image/webp").await?;
        self.passed("upload");
        self.fields(&first).await?;
        self.passed("fields");
        let second = self.lost_response().await?;
        self.passed("find after a lost response");
        let caps = caps.with_replace_facts();
        self.replace(&first, &caps).await?;
        self.passed(match (caps.replaces(), caps.replace_keeps_url) {
            (true, true) => "replace keeps the id and the URL",
            (true, false) => "replace keeps the id",
            _ => "replace refused",
        });
        self.list(&[&first, &second]).await?;
        self.passed("list by cursor");
        self.error_mapping(&first).await?;
        self.passed("error mapping");
        self.delete(&first).await?;
        self.passed("delete");
        Ok(())
    }

    fn key(&self, name: &str) -> (String, String) {
        let filename = format!("{}-{name}.webp", self.tag);
        (self.d().duplicate_key(&format!("folio-{}-{name}", self.tag), &filename), filename)
    }

    async fn ready(&self, pushed: Pushed) -> Result<RemoteMedia, String> {
        let id = match pushed {
            Pushed::Ready(m) => return Ok(m),
            Pushed::Processing(id) => id,
        };
        for i in 0..100u64 {
            match self.d().poll(&id).await.map_err(|e| format!("poll: {e}"))? {
                Processing::Ready(m) => return Ok(m),
                Processing::Pending => tokio::time::sleep(Duration::from_millis(20 * i)).await,
                Processing::Failed(e) => return Err(format!("processing failed: {e}")),
            }
        }
        Err(format!("{id} never became ready"))
    }

    async fn upload_new(
        &self,
        name: &str,
        bytes: &[u8],
        mime: &str,
    ) -> Result<RemoteMedia, String> {
        let (key, filename) = self.key(name);
        let fields = MediaFields {
            title: Some(format!("Harbour {name}")),
            alt_text: Some(format!("Boats in the harbour ({name})")),
            ..Default::default()
        };
        let up =
            Upload { bytes, filename: &filename, mime, key: &key, fields: &fields, source: None };
        let pushed = self.d().upload(up).await.map_err(|e| format!("upload {name}: {e}"))?;
        let media = self.ready(pushed).await?;
        self.made.lock().unwrap().push(media.clone());
        ensure(media.mime == mime, || format!("upload: mime {} for {mime}", media.mime))?;
        let title_kept = media.title == format!("Harbour {name}");
        ensure(title_kept || !self.keeps_title.load(Ordering::Relaxed), || {
            format!("upload: title {:?}", media.title)
        })?;
        let alt_kept = media.alt_text.contains(name);
        ensure(alt_kept || !self.keeps_alt.load(Ordering::Relaxed), || {
            format!("upload: alt {:?}", media.alt_text)
        })?;
        ensure(!media.url.is_empty(), || "upload: no URL".into())?;
        let found = self.d().find(&key).await.map_err(|e| format!("find: {e}"))?;
        ensure(found.as_ref().map(|m| &m.id) == Some(&media.id), || {
            format!("find({key}) gave {found:?}, uploaded {:?}", media.id)
        })?;
        if let Some(served) = self.h.served(&media.url).await {
            ensure(served == bytes, || {
                "upload: the site serves other bytes than were sent".into()
            })?;
        }
        Ok(media)
    }

    async fn fields(&self, media: &RemoteMedia) -> Check {
        let fields = MediaFields {
            title: Some("Harbour at dusk".into()),
            alt_text: Some("Fishing boats at dusk".into()),
            caption: Some("Taken from the pier".into()),
            description: None,
        };
        let updated =
            self.d().update_fields(&media.id, &fields).await.map_err(|e| format!("fields: {e}"))?;
        ensure(updated.id == media.id, || "fields: the id changed".into())?;
        let title_kept = updated.title == "Harbour at dusk";
        let keeps_alt = self.keeps_alt.load(Ordering::Relaxed);
        ensure(
            (title_kept || !self.keeps_title.load(Ordering::Relaxed))
                && (updated.alt_text == "Fishing boats at dusk" || !keeps_alt),
            || format!("fields: read back {:?} / {:?}", updated.title, updated.alt_text),
        )?;
        let found = self.d().find(&media.key).await.map_err(|e| format!("find: {e}"))?;
        ensure(found.is_some_and(|f| f.alt_text == "Fishing boats at dusk" || !keeps_alt), || {
            "fields: find does not show the new alt text".into()
        })
    }

    async fn lost_response(&self) -> Result<RemoteMedia, String> {
        self.h.inject(Fault::LoseResponse, 1);
        let media = self
            .upload_new("second", SECOND, "image/webp")
            .await
            .map_err(|e| format!("after a lost answer the upload must still succeed, once: {e}"))?;
        let mut same_key = 0;
        let mut cursor: Option<String> = None;
        for _ in 0..10_000 {
            let page = self.d().list(cursor.as_deref()).await.map_err(|e| format!("list: {e}"))?;
            same_key += page.items.iter().filter(|m| m.key == media.key).count();
            cursor = page.next;
            if cursor.is_none() {
                break;
            }
        }
        ensure(same_key == 1, || format!("lost answer: {same_key} items with key {}", media.key))?;
        Ok(media)
    }

    /// Checks the replace facts the destination declared: the same id when it keeps ids, the
    /// same address (and bytes) when it keeps URLs, Conflict when it does neither.
    async fn replace(&self, media: &RemoteMedia, caps: &crate::Capabilities) -> Check {
        let fields = MediaFields { title: Some("Harbour, regraded".into()), ..Default::default() };
        let path = media.url.split(['?', '#']).next().unwrap_or_default();
        let filename = path.rsplit('/').next().unwrap_or("first.webp").to_string();
        let up = Upload {
            bytes: SECOND,
            filename: &filename,
            mime: "image/webp",
            key: &media.key,
            fields: &fields,
            source: None,
        };
        let result = self.d().replace(&media.id, up).await;
        if !caps.replaces() {
            return match result {
                Err(e) if e.code == Code::Conflict => Ok(()),
                other => {
                    Err(format!("replace without replace_in_place must be Conflict: {other:?}"))
                }
            };
        }
        let replaced = self.ready(result.map_err(|e| format!("replace: {e}"))?).await?;
        ensure(replaced.id == media.id, || {
            format!("replace declared to keep the id: {:?} became {:?}", media.id, replaced.id)
        })?;
        // The same URL; a CDN's cache-busting version (Shopify's `?v=`) may change.
        if caps.replace_keeps_url {
            ensure(same_address(&replaced.url, &media.url), || {
                format!("replace declared to keep the URL: {} became {}", media.url, replaced.url)
            })?;
        }
        if let Some(served) = self.h.served(&replaced.url).await {
            ensure(served == SECOND, || "replace: the URL does not serve the new bytes".into())?;
        }
        // A platform that keeps only the id takes any new file (it gets a new address anyway).
        if !caps.replace_keeps_url {
            return Ok(());
        }
        let jpeg = Upload {
            bytes: THIRD,
            filename: "third.jpg",
            mime: "image/jpeg",
            key: &media.key,
            fields: &fields,
            source: None,
        };
        match self.d().replace(&media.id, jpeg).await {
            Err(e) if e.code == Code::Conflict => Ok(()),
            other => Err(format!("replace with another type must be Conflict: {other:?}")),
        }
    }

    async fn list(&self, expected: &[&RemoteMedia]) -> Check {
        let mut seen = std::collections::HashSet::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let page = self.d().list(cursor.as_deref()).await.map_err(|e| format!("list: {e}"))?;
            pages += 1;
            for m in page.items {
                ensure(seen.insert(m.id.clone()), || format!("list: {:?} on two pages", m.id))?;
            }
            match page.next {
                Some(next) if pages < 10_000 => cursor = Some(next),
                Some(_) => return Err("list: the cursor never ends".into()),
                None => break,
            }
        }
        for m in expected {
            ensure(seen.contains(&m.id), || format!("list: {:?} missing", m.id))?;
        }
        Ok(())
    }

    async fn expect_error(&self, fault: Fault, times: u32, code: Code, class: ErrorClass) -> Check {
        self.h.inject(fault, times);
        let (key, _) = self.key("first");
        let got = match fault {
            Fault::Status(413) => {
                let (k, filename) = self.key("too-big");
                let up = Upload {
                    bytes: FIRST,
                    filename: &filename,
                    mime: "image/webp",
                    key: &k,
                    fields: &MediaFields::default(),
                    source: None,
                };
                self.d().upload(up).await.map(drop)
            }
            _ => self.d().find(&key).await.map(drop),
        };
        match got {
            Err(SiteError { code: c, .. }) if c == code && code.class() == class => Ok(()),
            other => Err(format!("{fault:?} ×{times} must be {code:?} ({class:?}), got {other:?}")),
        }
    }

    async fn error_mapping(&self, media: &RemoteMedia) -> Check {
        use Fault::*;
        let all = self.h.attempts();
        self.expect_error(Status(401), 1, Code::NeedsReconnect, ErrorClass::Fatal).await?;
        self.expect_error(Status(403), 1, Code::Forbidden, ErrorClass::NoRetry).await?;
        self.expect_error(Status(404), 1, Code::NotFound, ErrorClass::NoRetry).await?;
        self.expect_error(Status(409), 1, Code::Conflict, ErrorClass::NoRetry).await?;
        self.expect_error(Status(413), 1, Code::TooLarge, ErrorClass::NoRetry).await?;
        self.expect_error(Status(503), all, Code::Unavailable, ErrorClass::Retry).await?;
        self.expect_error(Hang, all, Code::Network, ErrorClass::Retry).await?;
        self.h.inject(RetryAfter(1), all);
        match self.d().find(&media.key).await {
            Err(e)
                if e.code == Code::RateLimited && e.retry_after == Some(Duration::from_secs(1)) => {
            }
            other => {
                return Err(format!(
                    "429 with Retry-After: 1 must be RateLimited(1 s), got {other:?}"
                ))
            }
        }
        // A temporary failure that clears is retried by the destination itself, after the wait
        // the site asked for.
        self.h.inject(RetryAfter(1), 1);
        let started = Instant::now();
        let found = self.d().find(&media.key).await.map_err(|e| format!("after one 429: {e}"))?;
        ensure(found.is_some(), || "after one 429: the item is gone".into())?;
        ensure(started.elapsed() >= Duration::from_millis(950), || {
            format!("Retry-After: 1 was not honoured (retried after {:?})", started.elapsed())
        })?;
        self.h.inject(Status(502), 1);
        self.d().find(&media.key).await.map_err(|e| format!("one 502 must be retried: {e}"))?;
        Ok(())
    }

    async fn delete(&self, media: &RemoteMedia) -> Check {
        // Into the trash where there is one; a site without one says so and keeps the item.
        match self.d().delete(&media.id, DeleteMode::Trash).await {
            Ok(()) => {
                let found = self.d().find(&media.key).await.map_err(|e| format!("find: {e}"))?;
                ensure(found.is_none(), || format!("trashed {:?} is still found", media.id))?;
                // Trashed items are gone for good with a permanent delete; a second trash is
                // not asked of sites that have one.
                return Ok(());
            }
            Err(e) if e.code == Code::NoTrash => {
                let found = self.d().find(&media.key).await.map_err(|e| format!("find: {e}"))?;
                ensure(found.is_some(), || "NoTrash must leave the item where it was".into())?;
            }
            Err(e) => return Err(format!("delete into the trash: {e:?}")),
        }
        self.d()
            .delete(&media.id, DeleteMode::Permanently)
            .await
            .map_err(|e| format!("delete: {e}"))?;
        let found = self.d().find(&media.key).await.map_err(|e| format!("find: {e}"))?;
        ensure(found.is_none(), || format!("delete: {:?} still found", media.id))?;
        match self.d().delete(&media.id, DeleteMode::Permanently).await {
            Err(e) if e.code == Code::NotFound => Ok(()),
            other => Err(format!("deleting twice must be NotFound, got {other:?}")),
        }
    }
}
