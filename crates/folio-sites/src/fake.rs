//! An in-process destination that behaves like a media library service: ids, duplicate keys,
//! paged listings, uploads that may be processed asynchronously, replace-in-place rules, and
//! faults answered the way an HTTP service answers them (status codes, `Retry-After`, hangs,
//! answers lost after the work was done). The engine's tests run on it without WordPress, and
//! it passes the same conformance suite as the real backends.

use crate::{
    Capabilities, DeleteMode, Destination, ImageFormat, MediaFields, Pacer, PacerConfig, Page,
    Processing, Pushed, RemoteId, RemoteMedia, SiteError, SiteErrorCode as Code, SourcedMedia,
    TextField, Upload,
};
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use crate::conformance::Fault;

/// The fake's connector: a destination at `fake://NAME`, signed in with any pasted secret.
pub fn connector() -> folio_model::ConnectorInfo {
    use folio_model::{ConnectorInfo, Field, Role, SignInKind};
    ConnectorInfo {
        id: "fake".into(),
        label: "Fake media library (tests)".into(),
        roles: vec![Role::Destination],
        sign_in: vec![SignInKind::Paste],
        fields: vec![
            Field::url("url", "Address").required().help("fake://NAME"),
            Field::secret("secret", "Secret").required(),
        ],
    }
}

#[derive(Debug, Clone)]
pub struct FakeConfig {
    pub account: String,
    /// What it accepts.
    pub formats: Vec<ImageFormat>,
    /// What its probe claims, when that differs (a site that says it takes AVIF, then refuses
    /// it).
    pub advertised: Option<Vec<ImageFormat>>,
    pub replace_in_place: bool,
    pub max_upload_bytes: Option<u64>,
    /// Polls an upload stays in processing before it is ready (0: ready at once).
    pub processing_polls: u32,
    /// Time every request takes.
    pub latency: Duration,
    /// How long the client waits for an answer (a hang ends after this).
    pub timeout: Duration,
    pub page_size: usize,
    /// Deleted items can go to a trash (WordPress has none by default).
    pub trash: bool,
    pub pacer: PacerConfig,
}

impl Default for FakeConfig {
    fn default() -> Self {
        FakeConfig {
            account: "fake".into(),
            formats: vec![ImageFormat::Webp, ImageFormat::Jpeg, ImageFormat::Png],
            advertised: None,
            replace_in_place: true,
            max_upload_bytes: None,
            processing_polls: 0,
            latency: Duration::ZERO,
            timeout: Duration::from_millis(300),
            page_size: 3,
            trash: false,
            pacer: PacerConfig {
                base_delay: Duration::from_millis(5),
                max_delay: Duration::from_millis(50),
                ..PacerConfig::default()
            },
        }
    }
}

/// One item in the fake library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeItem {
    pub id: u64,
    pub key: String,
    pub filename: String,
    pub mime: String,
    pub bytes: Vec<u8>,
    pub fields: MediaFields,
    pub source: Option<String>,
    /// How many times its file was replaced in place.
    pub replaced: u32,
    polls_left: u32,
}

#[derive(Default)]
struct State {
    items: BTreeMap<u64, FakeItem>,
    next_id: u64,
    faults: VecDeque<Fault>,
    revoked: bool,
    down: bool,
    /// Every upload is answered with this status; reads still work (a full disk, a broken
    /// upload handler).
    uploads_failing: Option<u16>,
    requests: u64,
    uploads: u64,
    /// When each upload or replace finished (for ordering checks in tests).
    finished: Vec<Instant>,
    trashed: Vec<FakeItem>,
}

/// A handle on one fake site; clones share the library.
#[derive(Clone)]
pub struct FakeSite {
    state: Arc<Mutex<State>>,
    config: Arc<FakeConfig>,
    pacer: Arc<Pacer>,
}

impl FakeSite {
    pub fn new(config: FakeConfig) -> FakeSite {
        let pacer = Arc::new(Pacer::new(config.pacer.clone()));
        FakeSite { state: Default::default(), config: Arc::new(config), pacer }
    }

    /// The next `times` requests fail with `fault`.
    pub fn inject(&self, fault: Fault, times: u32) {
        let mut s = self.state.lock().unwrap();
        s.faults.extend(std::iter::repeat_n(fault, times as usize));
    }

    /// From now on every request is refused as with a revoked password (`false` restores it).
    pub fn revoke(&self, revoked: bool) {
        self.state.lock().unwrap().revoked = revoked;
    }

    /// From now on every upload is answered with `status` while everything else works (`None`
    /// mends it).
    pub fn fail_uploads(&self, status: Option<u16>) {
        self.state.lock().unwrap().uploads_failing = status;
    }

    /// From now on no request is answered (`false` brings the site back).
    pub fn take_down(&self, down: bool) {
        self.state.lock().unwrap().down = down;
    }

    pub fn items(&self) -> Vec<FakeItem> {
        self.state.lock().unwrap().items.values().cloned().collect()
    }

    /// Successful uploads (new items) so far.
    pub fn uploads(&self) -> u64 {
        self.state.lock().unwrap().uploads
    }

    pub fn requests(&self) -> u64 {
        self.state.lock().unwrap().requests
    }

    /// Items deleted into the trash.
    pub fn trashed(&self) -> Vec<FakeItem> {
        self.state.lock().unwrap().trashed.clone()
    }

    /// When each upload or replace completed, in order.
    pub fn finished(&self) -> Vec<Instant> {
        self.state.lock().unwrap().finished.clone()
    }

    fn media(&self, item: &FakeItem) -> RemoteMedia {
        RemoteMedia {
            id: RemoteId(format!("fake-{}", item.id)),
            key: item.key.clone(),
            url: format!(
                "https://{}.fake.test/media/{}/{}",
                self.config.account, item.id, item.filename
            ),
            thumbnail_url: Some(format!(
                "https://{}.fake.test/media/{}/thumb-{}",
                self.config.account, item.id, item.filename
            )),
            mime: item.mime.clone(),
            title: item.fields.title.clone().unwrap_or_default(),
            alt_text: item.fields.alt_text.clone().unwrap_or_default(),
        }
    }

    fn parse_id(id: &RemoteId) -> Result<u64, SiteError> {
        id.as_str()
            .strip_prefix("fake-")
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| SiteError::new(Code::NotFound, format!("no item {id}")))
    }

    /// One request: half its latency there, whatever fault is due, `work` on the library, and
    /// the other half back (a client that gives up then has lost the answer to done work). A
    /// lost answer still does the work.
    async fn request<T>(
        &self,
        work: impl FnOnce(&mut State) -> Result<T, SiteError>,
    ) -> Result<T, SiteError> {
        let half = self.config.latency / 2;
        let answer = self.request_there(work).await;
        if !half.is_zero() {
            tokio::time::sleep(half).await;
        }
        answer
    }

    async fn request_there<T>(
        &self,
        work: impl FnOnce(&mut State) -> Result<T, SiteError>,
    ) -> Result<T, SiteError> {
        let half = self.config.latency / 2;
        if !half.is_zero() {
            tokio::time::sleep(half).await;
        }
        let (fault, revoked, down) = {
            let mut s = self.state.lock().unwrap();
            s.requests += 1;
            (s.faults.pop_front(), s.revoked, s.down)
        };
        if down || fault == Some(Fault::Hang) {
            tokio::time::sleep(self.config.timeout).await;
            return Err(SiteError::new(Code::Network, "the site took too long to answer"));
        }
        if revoked {
            return Err(status_error(401));
        }
        match fault {
            Some(Fault::Status(status)) => Err(status_error(status)),
            Some(Fault::RetryAfter(secs)) => {
                let mut e = status_error(429);
                e.retry_after = Some(Duration::from_secs(secs));
                Err(e)
            }
            Some(Fault::LoseResponse) => {
                let _ = work(&mut self.state.lock().unwrap());
                Err(status_error(502))
            }
            Some(Fault::Hang) | None => work(&mut self.state.lock().unwrap()),
        }
    }

    fn check_file(&self, up: &Upload<'_>) -> Result<(), SiteError> {
        let format = ImageFormat::from_mime(up.mime);
        if !format.is_some_and(|f| self.config.formats.contains(&f)) {
            return Err(SiteError::new(
                Code::Rejected,
                "Sorry, you are not allowed to upload this file type.",
            ));
        }
        if self.config.max_upload_bytes.is_some_and(|max| up.bytes.len() as u64 > max) {
            return Err(SiteError::new(Code::TooLarge, "the file is larger than the site accepts"));
        }
        Ok(())
    }

    fn pushed(&self, item: &FakeItem) -> Pushed {
        if item.polls_left > 0 {
            Pushed::Processing(RemoteId(format!("fake-{}", item.id)))
        } else {
            Pushed::Ready(self.media(item))
        }
    }

    fn find_key(s: &State, key: &str) -> Option<FakeItem> {
        s.items.values().find(|i| i.key == key).cloned()
    }
}

fn item_mut<'a>(s: &'a mut State, n: u64, id: &RemoteId) -> Result<&'a mut FakeItem, SiteError> {
    s.items.get_mut(&n).ok_or_else(|| SiteError::new(Code::NotFound, format!("no item {id}")))
}

/// What an HTTP service answers with this status, in Folio's terms.
fn status_error(status: u16) -> SiteError {
    let code = match status {
        401 => Code::NeedsReconnect,
        403 => Code::Forbidden,
        404 => Code::NotFound,
        409 => Code::Conflict,
        413 => Code::TooLarge,
        429 => Code::RateLimited,
        408 => Code::Network,
        s if s >= 500 => Code::Unavailable,
        _ => Code::Rejected,
    };
    SiteError::new(code, format!("the fake site answered {status}"))
}

#[async_trait::async_trait]
impl Destination for FakeSite {
    async fn probe(&self) -> Result<Capabilities, SiteError> {
        self.check().await?;
        Ok(Capabilities {
            replace_in_place: self.config.replace_in_place,
            replace_keeps_id: self.config.replace_in_place,
            replace_keeps_url: self.config.replace_in_place,
            formats: self.config.advertised.clone().unwrap_or_else(|| self.config.formats.clone()),
            fields: vec![TextField::Title, TextField::Caption, TextField::AltText],
            max_upload_bytes: self.config.max_upload_bytes,
            account: self.config.account.clone(),
            notes: vec!["in-process fake".into()],
        })
    }

    async fn check(&self) -> Result<(), SiteError> {
        self.pacer.run(|_| self.request(|_| Ok(()))).await
    }

    fn duplicate_key(&self, token: &str, _filename: &str) -> String {
        token.to_string()
    }

    fn in_flight_grace(&self) -> Duration {
        // Its work happens in one step: an upload either landed or did not.
        Duration::ZERO
    }

    async fn upload(&self, up: Upload<'_>) -> Result<Pushed, SiteError> {
        self.check_file(&up)?;
        let up = &up;
        self.pacer
            .run(|attempt| async move {
                if attempt > 0 {
                    // As a real backend does: the last try may have landed.
                    let found = self.request(|s| Ok(Self::find_key(s, up.key))).await?;
                    if let Some(item) = found {
                        return Ok(self.pushed(&item));
                    }
                }
                self.request(|s| {
                    if let Some(status) = s.uploads_failing {
                        return Err(status_error(status));
                    }
                    s.next_id += 1;
                    let item = FakeItem {
                        id: s.next_id,
                        key: up.key.to_string(),
                        filename: up.filename.to_string(),
                        mime: up.mime.to_string(),
                        bytes: up.bytes.to_vec(),
                        fields: up.fields.clone(),
                        source: up.source.map(str::to_string),
                        replaced: 0,
                        polls_left: self.config.processing_polls,
                    };
                    s.items.insert(item.id, item.clone());
                    s.uploads += 1;
                    s.finished.push(Instant::now());
                    Ok(self.pushed(&item))
                })
                .await
            })
            .await
    }

    async fn poll(&self, id: &RemoteId) -> Result<Processing, SiteError> {
        let n = Self::parse_id(id)?;
        self.pacer
            .run(|_| {
                self.request(|s| {
                    let item = item_mut(s, n, id)?;
                    if item.polls_left > 0 {
                        item.polls_left -= 1;
                        return Ok(Processing::Pending);
                    }
                    Ok(Processing::Ready(self.media(item)))
                })
            })
            .await
    }

    async fn find(&self, key: &str) -> Result<Option<RemoteMedia>, SiteError> {
        self.pacer
            .run(|_| self.request(|s| Ok(Self::find_key(s, key).map(|i| self.media(&i)))))
            .await
    }

    async fn update_fields(
        &self,
        id: &RemoteId,
        fields: &MediaFields,
    ) -> Result<RemoteMedia, SiteError> {
        let n = Self::parse_id(id)?;
        self.pacer
            .run(|_| {
                self.request(|s| {
                    let item = item_mut(s, n, id)?;
                    item.fields = fields.clone();
                    Ok(self.media(item))
                })
            })
            .await
    }

    async fn list(&self, cursor: Option<&str>) -> Result<Page<RemoteMedia>, SiteError> {
        // The cursor is the id the next page starts below, so new uploads cannot shift pages.
        let below: u64 = match cursor {
            None => u64::MAX,
            Some(c) => c
                .parse()
                .map_err(|_| SiteError::new(Code::Rejected, format!("bad cursor '{c}'")))?,
        };
        self.pacer
            .run(|_| {
                self.request(|s| {
                    let items: Vec<&FakeItem> = s
                        .items
                        .range(..below)
                        .rev()
                        .take(self.config.page_size + 1)
                        .map(|(_, i)| i)
                        .collect();
                    let more = items.len() > self.config.page_size;
                    let page: Vec<&FakeItem> =
                        items.into_iter().take(self.config.page_size).collect();
                    let next = more.then(|| page.last().map(|i| i.id.to_string())).flatten();
                    Ok(Page { items: page.into_iter().map(|i| self.media(i)).collect(), next })
                })
            })
            .await
    }

    async fn delete(&self, id: &RemoteId, mode: DeleteMode) -> Result<(), SiteError> {
        let n = Self::parse_id(id)?;
        if mode == DeleteMode::Trash && !self.config.trash {
            return Err(SiteError::new(Code::NoTrash, "the fake site has no trash"));
        }
        self.pacer
            .run(|_| {
                self.request(|s| match s.items.remove(&n) {
                    Some(item) => {
                        if mode == DeleteMode::Trash {
                            s.trashed.push(item);
                        }
                        Ok(())
                    }
                    None => Err(SiteError::new(Code::NotFound, format!("no item {id}"))),
                })
            })
            .await
    }

    async fn replace(&self, id: &RemoteId, up: Upload<'_>) -> Result<Pushed, SiteError> {
        if !self.config.replace_in_place {
            return Err(SiteError::new(Code::Conflict, "this site cannot replace files in place"));
        }
        self.check_file(&up)?;
        let n = Self::parse_id(id)?;
        self.pacer
            .run(|_| {
                self.request(|s| {
                    let item = item_mut(s, n, id)?;
                    if item.mime != up.mime {
                        return Err(SiteError::new(
                            Code::Conflict,
                            "a file of another type cannot keep this item's URL",
                        ));
                    }
                    item.bytes = up.bytes.to_vec();
                    item.fields = up.fields.clone();
                    item.source = up.source.map(str::to_string);
                    item.replaced += 1;
                    let pushed = Pushed::Ready(self.media(item));
                    s.finished.push(Instant::now());
                    Ok(pushed)
                })
            })
            .await
    }

    async fn list_sources(&self, cursor: Option<&str>) -> Result<Page<SourcedMedia>, SiteError> {
        let after: u64 = cursor.and_then(|c| c.parse().ok()).unwrap_or(0);
        self.pacer
            .run(|_| {
                self.request(|s| {
                    let mut items: Vec<&FakeItem> = s
                        .items
                        .range(after + 1..)
                        .map(|(_, i)| i)
                        .filter(|i| i.source.is_some())
                        .take(self.config.page_size + 1)
                        .collect();
                    let more = items.len() > self.config.page_size;
                    items.truncate(self.config.page_size);
                    let next = more.then(|| items.last().map(|i| i.id.to_string())).flatten();
                    let items = items
                        .into_iter()
                        .map(|i| SourcedMedia {
                            media: self.media(i),
                            source: i.source.clone().unwrap_or_default(),
                        })
                        .collect();
                    Ok(Page { items, next })
                })
            })
            .await
    }
}
