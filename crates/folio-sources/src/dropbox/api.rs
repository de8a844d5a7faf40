//! A small client for the Dropbox API v2 calls Folio makes. Every call is read-only: Folio never
//! writes, moves or deletes anything in the user's Dropbox.
//!
//! Errors become [`SourceError`]s once, here: 401 `expired_access_token` refreshes the token and
//! retries; any other 401 is `Reconnect`; 409 `path/not_found` is `Gone`; 429 waits out a short
//! `retry_after` (a long one is `Unavailable`, for a later pass); 5xx and network errors are
//! retried with backoff, then `Unavailable`; 400 (plain text) is a bug, never retried. All the
//! waiting is the one pacer's (folio-pace), as for the sites Folio publishes to.

use super::wire::*;
use crate::{SourceError, SourceErrorKind as Kind};
use folio_pace::{Pacer, PacerConfig, Retryable};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Where the three Dropbox hosts are: an account's `api_url`, `content_url` and `notify_url`
/// (see [`super::connector`]); tests point them at the fake.
#[derive(Debug, Clone)]
pub struct Endpoints {
    pub api: String,
    pub content: String,
    pub notify: String,
}

pub use crate::account::AccessToken;

/// How Folio paces its calls to one Dropbox account: a 429 asking to wait longer than
/// `longest_wait` is left to a later pass instead of holding the sync.
fn pacing() -> PacerConfig {
    PacerConfig {
        // Calls in flight at once; a download holds its turn only until its headers arrive.
        concurrency: 8,
        attempts: 4,
        base_delay: Duration::from_millis(500),
        max_delay: Duration::from_secs(8),
        longest_wait: Some(Duration::from_secs(30)),
    }
}
/// Thumbnails per `get_thumbnail_batch` call, Dropbox's limit.
pub const THUMBNAIL_BATCH: usize = 25;

#[derive(Clone)]
pub struct DropboxApi {
    http: reqwest::Client,
    ends: Endpoints,
    token: Arc<dyn AccessToken>,
    pacer: Arc<Pacer>,
}

/// What a call got: a body, or the listing's cursor was reset (list again from scratch).
pub enum Answer {
    Body(reqwest::Response),
    Reset,
}

impl DropboxApi {
    pub fn new(ends: Endpoints, token: Arc<dyn AccessToken>) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a TLS backend is compiled in");
        DropboxApi { http, ends, token, pacer: Arc::new(Pacer::new(pacing())) }
    }

    /// The whole listing under `path`, every page, and the cursor for what changes next.
    pub async fn list_all(&self, path: &str) -> Result<(Vec<Entry>, String), SourceError> {
        let arg = ListFolderArg { path: path.to_string(), recursive: true, limit: None };
        let Some(mut page) = self.rpc::<ListFolderResult>("/2/files/list_folder", &arg).await?
        else {
            return Err(SourceError::new(Kind::Unavailable, "Dropbox reset a new listing"));
        };
        let mut entries = std::mem::take(&mut page.entries);
        while page.has_more {
            page = match self.continue_from(&page.cursor).await? {
                Some(next) => next,
                None => {
                    return Err(SourceError::new(
                        Kind::Unavailable,
                        "Dropbox reset a listing mid-way",
                    ))
                }
            };
            entries.append(&mut page.entries);
        }
        Ok((entries, page.cursor))
    }

    /// The signed-in account's display name and email (`users/get_current_account`).
    pub async fn current_account(&self) -> Result<(String, String), SourceError> {
        let got: Option<serde_json::Value> =
            self.rpc("/2/users/get_current_account", &serde_json::Value::Null).await?;
        let account = got.unwrap_or_default();
        let name = account["name"]["display_name"].as_str().unwrap_or_default().to_string();
        Ok((name, account["email"].as_str().unwrap_or_default().to_string()))
    }

    /// Revokes the access token (and with it the refresh token it came from): log out.
    pub async fn revoke(&self) -> Result<(), SourceError> {
        let url = format!("{}/2/auth/token/revoke", self.ends.api);
        self.send(|http, token| http.post(&url).bearer_auth(token)).await.map(|_| ())
    }

    /// A cursor for "from now on" under `path`, for the long poll.
    pub async fn latest_cursor(&self, path: &str) -> Result<String, SourceError> {
        let arg = ListFolderArg { path: path.to_string(), recursive: true, limit: None };
        let got: Option<CursorArg> =
            self.rpc("/2/files/list_folder/get_latest_cursor", &arg).await?;
        got.map(|c| c.cursor)
            .ok_or_else(|| SourceError::new(Kind::Unavailable, "Dropbox reset a new cursor"))
    }

    /// The entries directly in `path` (not recursive), every page: for browsing folders.
    pub async fn children(&self, path: &str) -> Result<Vec<Entry>, SourceError> {
        let arg = ListFolderArg { path: path.to_string(), recursive: false, limit: None };
        let Some(mut page) = self.rpc::<ListFolderResult>("/2/files/list_folder", &arg).await?
        else {
            return Err(SourceError::new(Kind::Unavailable, "Dropbox reset a new listing"));
        };
        let mut entries = std::mem::take(&mut page.entries);
        while page.has_more {
            let Some(mut next) = self.continue_from(&page.cursor).await? else {
                return Err(SourceError::new(Kind::Unavailable, "Dropbox reset a listing"));
            };
            entries.append(&mut next.entries);
            page = next;
        }
        Ok(entries)
    }

    /// Everything after `cursor`, every page; `None` when Dropbox reset the cursor.
    pub async fn changes_since(
        &self,
        cursor: &str,
    ) -> Result<Option<(Vec<Entry>, String)>, SourceError> {
        let mut entries = Vec::new();
        let mut cursor = cursor.to_string();
        loop {
            let Some(mut page) = self.continue_from(&cursor).await? else { return Ok(None) };
            entries.append(&mut page.entries);
            cursor = page.cursor;
            if !page.has_more {
                return Ok(Some((entries, cursor)));
            }
        }
    }

    async fn continue_from(&self, cursor: &str) -> Result<Option<ListFolderResult>, SourceError> {
        let arg = CursorArg { cursor: cursor.to_string() };
        self.rpc("/2/files/list_folder/continue", &arg).await
    }

    /// Waits up to `timeout` for a change after `cursor`, on the notify host and without the
    /// Authorization header (Dropbox refuses one there). `Ok((changes, backoff))`.
    pub async fn longpoll(
        &self,
        cursor: &str,
        timeout: Duration,
    ) -> Result<(bool, Option<u64>), SourceError> {
        let arg =
            LongpollArg { cursor: cursor.to_string(), timeout: timeout.as_secs().clamp(30, 480) };
        let url = format!("{}/2/files/list_folder/longpoll", self.ends.notify);
        // Dropbox adds up to 90 s of jitter to the timeout.
        let r = self
            .http
            .post(url)
            .timeout(timeout + Duration::from_secs(120))
            .json(&arg)
            .send()
            .await
            .map_err(network)?;
        let r = match classify(r).await {
            Ok(r) => r,
            Err(Problem::Reset) => return Ok((true, None)),
            Err(p) => return Err(p.into_error()),
        };
        let body: LongpollResult = read_json(r).await?;
        Ok((body.changes, body.backoff))
    }

    /// Streams the file at `path` (a Dropbox path or id) to `dest`, refusing more than `cap`
    /// bytes; returns its metadata from `Dropbox-API-Result`.
    pub async fn download(
        &self,
        path: &str,
        dest: &Path,
        cap: u64,
    ) -> Result<FileEntry, SourceError> {
        let arg = header_json(&PathArg { path: path.to_string() });
        let url = format!("{}/2/files/download", self.ends.content);
        let r = self
            .send(|http, token| {
                http.post(&url).bearer_auth(token).header("Dropbox-API-Arg", arg.clone())
            })
            .await?;
        let Answer::Body(r) = r else {
            return Err(SourceError::new(Kind::Item, "Dropbox answered a download with a reset"));
        };
        let meta: FileEntry = r
            .headers()
            .get("Dropbox-API-Result")
            .and_then(|v| serde_json::from_slice(v.as_bytes()).ok())
            .ok_or_else(|| {
                SourceError::new(Kind::Unavailable, "Dropbox sent a download without its metadata")
            })?;
        if meta.size > cap {
            return Err(too_big(path, meta.size, cap));
        }
        let written = crate::capped::write(r, dest, cap).await.map_err(|cut| match cut {
            crate::capped::Cut::TooLarge(n) => too_big(path, n, cap),
            crate::capped::Cut::Network(e) => network(e),
            crate::capped::Cut::Local(e) => local(dest, e),
        })?;
        if written != meta.size {
            let _ = tokio::fs::remove_file(dest).await;
            return Err(SourceError::new(
                Kind::Unavailable,
                format!("the download of {path} was cut off"),
            ));
        }
        Ok(meta)
    }

    /// JPEG thumbnails (base64 decoded by the caller) for up to [`THUMBNAIL_BATCH`] paths.
    pub async fn thumbnails(&self, paths: &[String]) -> Result<Vec<Option<String>>, SourceError> {
        assert!(paths.len() <= THUMBNAIL_BATCH, "callers split thumbnail batches");
        let entries = paths
            .iter()
            .map(|p| ThumbnailArg {
                path: p.clone(),
                format: "jpeg".into(),
                size: "w256h256".into(),
            })
            .collect();
        let url = format!("{}/2/files/get_thumbnail_batch", self.ends.content);
        let arg = ThumbnailBatchArg { entries };
        let Answer::Body(r) =
            self.send(|http, token| http.post(&url).bearer_auth(token).json(&arg)).await?
        else {
            return Err(SourceError::new(Kind::Unavailable, "Dropbox reset a thumbnail batch"));
        };
        let body: ThumbnailBatchResult = read_json(r).await?;
        Ok(body
            .entries
            .into_iter()
            .map(|e| match e {
                ThumbnailResult::Success { thumbnail, .. } => Some(thumbnail),
                ThumbnailResult::Failure { .. } => None,
            })
            .collect())
    }

    /// An RPC call on the API host; `None` when Dropbox says the cursor was reset.
    async fn rpc<T: serde::de::DeserializeOwned>(
        &self,
        route: &str,
        arg: &impl serde::Serialize,
    ) -> Result<Option<T>, SourceError> {
        let url = format!("{}{route}", self.ends.api);
        match self.send(|http, token| http.post(&url).bearer_auth(token).json(arg)).await? {
            Answer::Body(r) => Ok(Some(read_json(r).await?)),
            Answer::Reset => Ok(None),
        }
    }

    /// Sends a request built by `build`, through the pacer, with the token refreshed once on
    /// expiry: the policy of the module comment.
    async fn send(
        &self,
        build: impl Fn(&reqwest::Client, &str) -> reqwest::RequestBuilder,
    ) -> Result<Answer, SourceError> {
        let token = self.token.current().await?;
        match self.paced(&build, &token).await {
            Err(Problem::Expired) => {
                let token = self.token.refreshed().await?;
                self.paced(&build, &token).await.map_err(Problem::into_error)
            }
            other => other.map_err(Problem::into_error),
        }
    }

    async fn paced(
        &self,
        build: &impl Fn(&reqwest::Client, &str) -> reqwest::RequestBuilder,
        token: &str,
    ) -> Result<Answer, Problem> {
        self.pacer
            .run(|_| async {
                let sent = build(&self.http, token).timeout(Duration::from_secs(120)).send().await;
                match classify(sent.map_err(|e| Problem::Network(network(e)))?).await {
                    Ok(r) => Ok(Answer::Body(r)),
                    Err(Problem::Reset) => Ok(Answer::Reset),
                    Err(p) => Err(p),
                }
            })
            .await
    }
}

/// Why a call did not give a body.
enum Problem {
    Reset,
    Expired,
    Reconnect(String),
    RateLimited(Duration),
    NotFound(String),
    Server(u16),
    Network(SourceError),
    BadRequest(String),
}

impl Retryable for Problem {
    fn retryable(&self) -> bool {
        matches!(self, Problem::RateLimited(_) | Problem::Server(_) | Problem::Network(_))
    }
    fn retry_after(&self) -> Option<Duration> {
        match self {
            Problem::RateLimited(wait) => Some(*wait),
            _ => None,
        }
    }
}

impl Problem {
    fn into_error(self) -> SourceError {
        match self {
            Problem::Reset => SourceError::new(Kind::Unavailable, "Dropbox reset the listing"),
            Problem::Expired => SourceError::new(
                Kind::Reconnect,
                "Dropbox says the sign-in expired; log in to Dropbox again",
            ),
            Problem::Reconnect(why) => SourceError::new(
                Kind::Reconnect,
                format!("Dropbox refused Folio's sign-in ({why}); log in to Dropbox again"),
            ),
            Problem::RateLimited(wait) => SourceError {
                retry_after: Some(wait),
                ..SourceError::new(
                    Kind::Unavailable,
                    format!(
                        "Dropbox asks Folio to wait {} s before the next request",
                        wait.as_secs()
                    ),
                )
            },
            Problem::NotFound(what) => {
                SourceError::new(Kind::Gone, format!("not in Dropbox any more ({what})"))
            }
            Problem::Server(status) => SourceError::new(
                Kind::Unavailable,
                format!("Dropbox is having trouble (HTTP {status}); Folio will try again"),
            ),
            Problem::Network(e) => e,
            Problem::BadRequest(text) => {
                SourceError::new(Kind::Item, format!("Dropbox refused the request: {text}"))
            }
        }
    }
}

async fn classify(r: reqwest::Response) -> Result<reqwest::Response, Problem> {
    let status = r.status().as_u16();
    if r.status().is_success() {
        return Ok(r);
    }
    let retry_after = r
        .headers()
        .get("Retry-After")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let text = crate::dropbox::capped_text(r, 64 * 1024).await;
    let body: ApiErrorBody = serde_json::from_str(&text).unwrap_or_default();
    let summary = body.error_summary.clone();
    Err(match status {
        400 => Problem::BadRequest(text.chars().take(300).collect()),
        401 if summary.starts_with("expired_access_token") => Problem::Expired,
        401 => Problem::Reconnect(
            summary.split('/').next().unwrap_or("invalid_access_token").to_string(),
        ),
        409 if summary.starts_with("reset") => Problem::Reset,
        409 if summary.contains("not_found") => Problem::NotFound(summary),
        409 => Problem::BadRequest(summary),
        429 => Problem::RateLimited(Duration::from_secs(
            body.retry_after().or(retry_after).unwrap_or(5),
        )),
        _ => Problem::Server(status),
    })
}

async fn read_json<T: serde::de::DeserializeOwned>(r: reqwest::Response) -> Result<T, SourceError> {
    let text = crate::dropbox::capped_text(r, 64 * 1024 * 1024).await;
    serde_json::from_str(&text).map_err(|e| {
        SourceError::new(Kind::Unavailable, format!("unexpected answer from Dropbox: {e}"))
    })
}

/// JSON for the `Dropbox-API-Arg` header: HTTP headers carry ASCII only, so every non-ASCII
/// character is written as `\uXXXX` (a surrogate pair above U+FFFF).
pub fn header_json(arg: &impl serde::Serialize) -> String {
    let json = serde_json::to_string(arg).expect("serialises");
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

fn network(e: reqwest::Error) -> SourceError {
    SourceError::new(Kind::Unavailable, format!("could not reach Dropbox: {}", e.without_url()))
}

fn local(path: &Path, e: std::io::Error) -> SourceError {
    SourceError::new(Kind::Unavailable, format!("could not write {}: {e}", path.display()))
}

fn too_big(path: &str, size: u64, cap: u64) -> SourceError {
    SourceError::new(
        Kind::Item,
        format!(
            "{path} is {} MB; Folio reads photos up to {} MB",
            size / 1_000_000,
            cap / 1_000_000
        ),
    )
}
