//! A small client for the Canva Connect API calls Folio makes, all read-only: the profile,
//! folder listings (paged by `continuation`), a design, export jobs (created, then polled with
//! growing pauses until `success` or `failed`) and the export downloads.
//!
//! Errors become [`SourceError`]s once, here: a 401 refreshes the token once and retries
//! (`revoked_access_token` asks to reconnect at once: a refresh cannot bring it back); 403 and
//! 404 say what Canva refused in the user's words; a 429 (Canva sends no `Retry-After`) backs
//! off through the pacer, except a spent daily quota, which is [`Kind::RateLimited`] until it
//! comes back; 5xx and network errors are retried, then `Unavailable`. Exports first take a
//! slot from Folio's own count of Canva's quotas ([`Budget`]).

use super::limits::Budget;
use super::wire::*;
use crate::{SourceError, SourceErrorKind as Kind};
use folio_pace::{Pacer, PacerConfig, Retryable};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

pub use crate::account::AccessToken;

/// How an export job is polled: the starter kit's 500 ms growing by 1.6 up to 10 s, given up
/// after `give_up`.
#[derive(Debug, Clone)]
pub struct Polling {
    pub first: Duration,
    pub max: Duration,
    pub give_up: Duration,
}

impl Default for Polling {
    fn default() -> Self {
        Polling {
            first: Duration::from_millis(500),
            max: Duration::from_secs(10),
            give_up: Duration::from_secs(15 * 60),
        }
    }
}

/// How Folio paces its calls to one Canva account. A 429 carries no wait, so the backoff
/// itself must outlast Canva's minute windows.
pub fn pacing() -> PacerConfig {
    PacerConfig {
        concurrency: 4,
        attempts: 5,
        base_delay: Duration::from_secs(2),
        max_delay: Duration::from_secs(32),
        longest_wait: None,
    }
}

#[derive(Clone)]
pub struct CanvaApi {
    http: reqwest::Client,
    base: String,
    token: Arc<dyn AccessToken>,
    pacer: Arc<Pacer>,
    budget: Arc<Budget>,
    polling: Polling,
}

/// A finished export: one URL per page, or why Canva would not export the design.
pub type Exported = Result<Vec<String>, SourceError>;

impl CanvaApi {
    pub fn new(base: &str, token: Arc<dyn AccessToken>, budget: Arc<Budget>) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::limited(5))
            .build()
            .expect("a TLS backend is compiled in");
        let base = base.trim_end_matches('/').to_string();
        let pacer = Arc::new(Pacer::new(pacing()));
        CanvaApi { http, base, token, pacer, budget, polling: Polling::default() }
    }

    /// Other pacing and polling (tests, which cannot wait minutes).
    pub fn tuned(mut self, pacing: PacerConfig, polling: Polling) -> Self {
        self.pacer = Arc::new(Pacer::new(pacing));
        self.polling = polling;
        self
    }

    /// The signed-in user's display name.
    pub async fn profile(&self) -> Result<String, SourceError> {
        let got: ProfileAnswer = self.get("/v1/users/me/profile", &[]).await?;
        Ok(got.profile.display_name)
    }

    /// Every item of a folder ("root" for the top), every page.
    pub async fn folder_items(&self, folder: &str) -> Result<Vec<FolderItem>, SourceError> {
        let route = format!("/v1/folders/{}/items", segment(folder));
        let mut items = Vec::new();
        let mut continuation: Option<String> = None;
        loop {
            let mut query = vec![("limit", "100".to_string())];
            query.push(("item_types", "design,folder".into()));
            if let Some(c) = &continuation {
                query.push(("continuation", c.clone()));
            }
            let mut page: FolderItems = self.get(&route, &query).await?;
            items.append(&mut page.items);
            continuation = page.continuation.filter(|c| !c.is_empty());
            if continuation.is_none() {
                return Ok(items);
            }
        }
    }

    /// A folder's own details (its name), for an album's title.
    pub async fn folder(&self, id: &str) -> Result<Folder, SourceError> {
        let got: FolderAnswer = self.get(&format!("/v1/folders/{}", segment(id)), &[]).await?;
        Ok(got.folder)
    }

    pub async fn design(&self, id: &str) -> Result<Design, SourceError> {
        let got: DesignAnswer = self.get(&format!("/v1/designs/{}", segment(id)), &[]).await?;
        Ok(got.design)
    }

    /// Exports `design` and waits for the job. The outer error stops the whole look (a
    /// revoked sign-in, a spent daily quota); the inner one is this design's only.
    pub async fn export(
        &self,
        design: &str,
        format: ExportFormat,
    ) -> Result<Exported, SourceError> {
        self.budget.take(design).await?;
        let body = CreateExport { design_id: design.to_string(), format };
        let url = format!("{}/v1/exports", self.base);
        let created = self.send(|http, token| http.post(&url).bearer_auth(token).json(&body)).await;
        let mut job = match created {
            Ok(r) => read_json::<JobAnswer>(r).await?.job,
            Err(Problem::DailyLimit) => return Err(self.budget.spent_for_today()),
            Err(p) => return design_error(p.into_error()),
        };
        let started = tokio::time::Instant::now();
        let mut pause = self.polling.first;
        while job.status == JobStatus::InProgress {
            if started.elapsed() > self.polling.give_up {
                return Ok(Err(SourceError::new(
                    Kind::Unavailable,
                    "Canva has not finished exporting the design; Folio will ask again",
                )));
            }
            tokio::time::sleep(pause).await;
            pause = pause.mul_f32(1.6).min(self.polling.max);
            let route = format!("/v1/exports/{}", segment(&job.id));
            job = match self.get::<JobAnswer>(&route, &[]).await {
                Ok(got) => got.job,
                Err(e) if e.kind == Kind::Reconnect => return Err(e),
                Err(e) => return Ok(Err(e)),
            };
        }
        Ok(match job.status {
            JobStatus::Failed => Err(failed_export(job.error.unwrap_or_default())),
            _ => Ok(job.urls),
        })
    }

    /// Streams an export download to `dest` (no Authorization: the URL carries its own
    /// signature), refusing more than `cap` bytes. `Ok(None)`: the URL expired (they last
    /// 24 hours), so the design must be exported again.
    pub async fn download(
        &self,
        url: &str,
        dest: &Path,
        cap: u64,
    ) -> Result<Option<u64>, SourceError> {
        let got = self
            .pacer
            .run(|_| async {
                let sent = self.http.get(url).timeout(Duration::from_secs(300)).send().await;
                let r = sent.map_err(|e| Problem::Network(network(e)))?;
                match r.status().as_u16() {
                    200..=299 => Ok(Some(r)),
                    // What a signed URL past its expiry answers.
                    403 | 404 | 410 => Ok(None),
                    s @ 500.. => Err(Problem::Server(s)),
                    s => Err(Problem::Refused(s, ApiError::default())),
                }
            })
            .await
            .map_err(Problem::into_error)?;
        let Some(r) = got else { return Ok(None) };
        crate::capped::write(r, dest, cap).await.map(Some).map_err(|cut| cut_error(cut, dest))
    }

    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        route: &str,
        query: &[(&str, String)],
    ) -> Result<T, SourceError> {
        let mut url = url::Url::parse(&format!("{}{route}", self.base)).map_err(|e| {
            SourceError::new(Kind::Gone, format!("the Canva API address is not a URL: {e}"))
        })?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        let r = self.send(|http, token| http.get(url.clone()).bearer_auth(token)).await.map_err(
            |p| match p {
                Problem::DailyLimit => self.budget.spent_for_today(),
                p => p.into_error(),
            },
        )?;
        read_json(r).await
    }

    /// Sends through the pacer, with the token refreshed once after a 401 (Canva rotates the
    /// refresh token; the token source saves the new one before it drops the old).
    async fn send(
        &self,
        build: impl Fn(&reqwest::Client, &str) -> reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, Problem> {
        let token = self.token.current().await.map_err(Problem::Token)?;
        match self.paced(&build, &token).await {
            Err(Problem::Expired) => {
                let token = self.token.refreshed().await.map_err(Problem::Token)?;
                self.paced(&build, &token).await
            }
            other => other,
        }
    }

    async fn paced(
        &self,
        build: &impl Fn(&reqwest::Client, &str) -> reqwest::RequestBuilder,
        token: &str,
    ) -> Result<reqwest::Response, Problem> {
        self.pacer
            .run(|_| async {
                let sent = build(&self.http, token).timeout(Duration::from_secs(120)).send().await;
                classify(sent.map_err(|e| Problem::Network(network(e)))?).await
            })
            .await
    }
}

/// An id as one path segment: Canva's ids are `[a-zA-Z0-9_-]`, anything else is escaped.
fn segment(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes()).collect()
}

/// Why a call did not give a body.
enum Problem {
    /// 401 other than revoked: refresh once.
    Expired,
    Reconnect(String),
    Token(SourceError),
    /// 429 on a short window: backed off by the pacer.
    Throttled(String),
    DailyLimit,
    Refused(u16, ApiError),
    Server(u16),
    Network(SourceError),
}

impl Retryable for Problem {
    fn retryable(&self) -> bool {
        matches!(self, Problem::Throttled(_) | Problem::Server(_) | Problem::Network(_))
    }
    fn retry_after(&self) -> Option<Duration> {
        None
    }
}

impl Problem {
    fn into_error(self) -> SourceError {
        let e = |kind, message: String| SourceError::new(kind, message);
        match self {
            Problem::Expired => e(
                Kind::Reconnect,
                "Canva says the sign-in expired and a new one did not work; connect Canva again"
                    .into(),
            ),
            Problem::Reconnect(code) => e(
                Kind::Reconnect,
                format!("Canva no longer accepts Folio's sign-in ({code}); connect Canva again"),
            ),
            Problem::Token(err) => err,
            Problem::Throttled(message) => e(
                Kind::Unavailable,
                format!("Canva asks Folio to slow down ({message}); Folio will try again"),
            ),
            Problem::DailyLimit => super::limits::spent(Duration::from_secs(24 * 3600)),
            Problem::Refused(status, body) => refused(status, body),
            Problem::Server(status) => e(
                Kind::Unavailable,
                format!("Canva is having trouble (HTTP {status}); Folio will try again"),
            ),
            Problem::Network(err) => err,
        }
    }
}

/// A 4xx in the user's words.
fn refused(status: u16, body: ApiError) -> SourceError {
    let (kind, said) = match body.code.as_str() {
        "missing_scope" => (
            Kind::Reconnect,
            "Folio's Canva sign-in lacks a permission it needs; connect Canva again".to_string(),
        ),
        "folder_not_found" => {
            (Kind::Gone, "the Canva folder is gone (deleted, or not shared any more)".into())
        }
        "design_not_found" => {
            (Kind::Gone, "the Canva design is gone (deleted, or not shared any more)".into())
        }
        "not_found" => (Kind::Gone, "Canva has no such item any more".into()),
        "permission_denied" => (
            Kind::Gone,
            "this Canva account may not open it any more; ask its owner to share it again".into(),
        ),
        "license_required" => (Kind::Item, license_required()),
        _ => (Kind::Item, format!("Canva refused the request (HTTP {status}): {}", body.message)),
    };
    SourceError::new(kind, said)
}

fn license_required() -> String {
    "the design uses premium Canva elements this account's plan does not include; buy them or \
     use a plan that has them (Canva Pro)"
        .into()
}

/// A failed export job, in the user's words.
fn failed_export(error: ApiError) -> SourceError {
    let (kind, said) = match error.code.as_str() {
        "license_required" => (Kind::Item, license_required()),
        "approval_required" => (
            Kind::Item,
            "the design needs a reviewer's approval in Canva before it can be exported".into(),
        ),
        _ => (
            Kind::Unavailable,
            format!("Canva could not export the design ({}); Folio will try again", error.message),
        ),
    };
    SourceError::new(kind, said)
}

/// Errors that are one design's and not the whole look's.
fn design_error(e: SourceError) -> Result<Exported, SourceError> {
    match e.kind {
        Kind::Reconnect | Kind::RateLimited => Err(e),
        _ => Ok(Err(e)),
    }
}

async fn classify(r: reqwest::Response) -> Result<reqwest::Response, Problem> {
    let status = r.status().as_u16();
    if r.status().is_success() {
        return Ok(r);
    }
    let text = crate::dropbox::capped_text(r, 64 * 1024).await;
    let body: ApiError = serde_json::from_str(&text).unwrap_or_default();
    Err(match status {
        401 if body.code == "revoked_access_token" => Problem::Reconnect(body.code),
        401 => Problem::Expired,
        429 if body.message.contains("daily") => Problem::DailyLimit,
        429 => Problem::Throttled(body.message),
        400..=499 => Problem::Refused(status, body),
        _ => Problem::Server(status),
    })
}

async fn read_json<T: serde::de::DeserializeOwned>(r: reqwest::Response) -> Result<T, SourceError> {
    let text = crate::dropbox::capped_text(r, 16 * 1024 * 1024).await;
    serde_json::from_str(&text).map_err(|e| {
        SourceError::new(Kind::Unavailable, format!("unexpected answer from Canva: {e}"))
    })
}

fn network(e: reqwest::Error) -> SourceError {
    SourceError::new(Kind::Unavailable, format!("could not reach Canva: {}", e.without_url()))
}

/// A download that did not end whole, in Canva's words.
fn cut_error(cut: crate::capped::Cut, dest: &Path) -> SourceError {
    match cut {
        crate::capped::Cut::TooLarge(n) => SourceError::new(Kind::Item, crate::too_large(n)),
        crate::capped::Cut::Network(e) => network(e),
        crate::capped::Cut::Local(e) => local(dest, e),
    }
}

fn local(path: &Path, e: std::io::Error) -> SourceError {
    SourceError::new(Kind::Unavailable, format!("could not write {}: {e}", path.display()))
}
