//! A fake Dropbox for tests, written from the API v2 documentation: the three hosts' routes on
//! one local server, recursive listings paged `page_size` entries at a time, cursors that
//! `continue` from a change log (and `reset` when told to), the long poll (which refuses an
//! Authorization header, as Dropbox does), downloads with `Dropbox-API-Arg`/`Dropbox-API-Result`,
//! thumbnail batches of at most 25, access tokens that expire and are refreshed or are revoked
//! (401 `invalid_access_token`), queued faults (429 with `Retry-After` and `error.retry_after`,
//! 5xx), files larger than memory, and downloads that stall halfway.

mod auth;
mod content;

use content::Content;

use crate::dropbox::wire::*;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub enum Fault {
    /// 429 `too_many_requests` with this `retry_after` (and `Retry-After`).
    RateLimited(u64),
    /// An HTTP 5xx answer.
    Status(u16),
}

#[derive(Clone)]
struct FakeFile {
    display: String,
    content: Content,
    rev: u64,
    id: String,
    /// False while "still uploading": listed without a content hash.
    ready: bool,
}

#[derive(Default)]
pub struct Dropbox {
    files: BTreeMap<String, FakeFile>,
    /// Every change, in order; a changes cursor is a position in it.
    log: Vec<Entry>,
    /// Bumped by [`FakeDropbox::reset_cursors`]: cursors of an older epoch get `reset`.
    epoch: usize,
    pub page_size: usize,
    tokens: HashMap<String, Instant>,
    pub access_ttl: Duration,
    pub refresh_token: String,
    pub faults: VecDeque<Fault>,
    /// Route names in the order they were called.
    pub calls: Vec<String>,
    pub downloads: usize,
    /// Downloads send half the file, then nothing more, and never end: a process can be killed
    /// mid-download.
    pub stall_downloads: bool,
    /// The app key `oauth2/authorize` and `oauth2/token` accept.
    pub app_key: String,
    /// Codes handed out by `oauth2/authorize`: code → (PKCE challenge, redirect URI).
    codes: HashMap<String, (String, String)>,
    pub revoked: usize,
    /// Long polls that arrived with an Authorization header (refused).
    pub longpolls_with_auth: usize,
    next_id: u64,
}

pub struct FakeDropbox {
    pub url: String,
    pub state: Arc<Mutex<Dropbox>>,
    changed: Arc<tokio::sync::Notify>,
}

impl FakeDropbox {
    /// Starts the fake on 127.0.0.1; `access_token` is valid for `access_ttl`.
    pub async fn start(access_token: &str, access_ttl: Duration) -> FakeDropbox {
        let mut d = Dropbox {
            page_size: 3,
            access_ttl,
            refresh_token: "fake-refresh".into(),
            app_key: "test-app-key".into(),
            ..Dropbox::default()
        };
        d.tokens.insert(access_token.to_string(), Instant::now() + access_ttl);
        let state = Arc::new(Mutex::new(d));
        let changed = Arc::new(tokio::sync::Notify::new());
        let app = Router::new()
            .route("/oauth2/authorize", get(auth::authorize))
            .route("/oauth2/token", post(auth::token))
            .route("/2/users/get_current_account", post(auth::current_account))
            .route("/2/auth/token/revoke", post(auth::revoke))
            .route("/2/files/list_folder", post(list_folder))
            .route("/2/files/list_folder/continue", post(list_continue))
            .route("/2/files/list_folder/get_latest_cursor", post(latest_cursor))
            .route("/2/files/list_folder/longpoll", post(longpoll))
            .route("/2/files/download", post(download))
            .route("/2/files/get_thumbnail_batch", post(thumbnails))
            .with_state((state.clone(), changed.clone()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        FakeDropbox { url, state, changed }
    }

    pub fn endpoints(&self) -> crate::dropbox::Endpoints {
        crate::dropbox::Endpoints {
            api: self.url.clone(),
            content: self.url.clone(),
            notify: self.url.clone(),
        }
    }

    /// Writes (creates or replaces) a file, as another device syncing to Dropbox would.
    pub fn put(&self, display: &str, bytes: &[u8]) {
        self.put_content(display, Content::Given(Bytes::copy_from_slice(bytes)));
    }

    /// A file of `size` zero bytes, listed with its size and content hash but never held in
    /// memory: larger than Folio accepts, without the memory for it.
    pub fn put_large(&self, display: &str, size: u64) {
        self.put_content(display, Content::Zeros(size));
    }

    fn put_content(&self, display: &str, content: Content) {
        let mut d = self.state.lock().unwrap();
        let lower = display.to_lowercase();
        d.next_id += 1;
        let id = d.files.get(&lower).map(|f| f.id.clone()).unwrap_or(format!("id:{}", d.next_id));
        let rev = d.next_id;
        let file = FakeFile { display: display.into(), content, rev, id, ready: true };
        d.log.push(Entry::File(file_entry(&file)));
        d.files.insert(lower, file);
        drop(d);
        self.changed.notify_waiters();
    }

    /// A file that is listed but still uploading (no content hash yet).
    pub fn put_uploading(&self, display: &str, bytes: &[u8]) {
        self.put(display, bytes);
        let mut d = self.state.lock().unwrap();
        let lower = display.to_lowercase();
        d.files.get_mut(&lower).unwrap().ready = false;
        let entry = file_entry(&d.files[&lower]);
        *d.log.last_mut().unwrap() = Entry::File(entry);
    }

    /// Moves a file: Dropbox logs a deletion and a new file with the same content.
    pub fn rename(&self, from: &str, to: &str) {
        let mut d = self.state.lock().unwrap();
        let mut file = d.files.remove(&from.to_lowercase()).expect("the file exists");
        d.log.push(deleted(from));
        file.display = to.into();
        d.log.push(Entry::File(file_entry(&file)));
        d.files.insert(to.to_lowercase(), file);
        drop(d);
        self.changed.notify_waiters();
    }

    /// Deletes a file or a folder and everything under it.
    pub fn delete(&self, display: &str) {
        let mut d = self.state.lock().unwrap();
        let lower = display.to_lowercase();
        d.files.retain(|k, _| *k != lower && !k.starts_with(&format!("{lower}/")));
        d.log.push(deleted(display));
        drop(d);
        self.changed.notify_waiters();
    }

    /// Every cursor handed out so far is answered with `reset` from now on.
    pub fn reset_cursors(&self) {
        self.state.lock().unwrap().epoch += 1;
    }

    /// The user removes Folio from their Dropbox's connected apps: every access token and the
    /// refresh token stop working (401 `invalid_access_token`).
    pub fn revoke_access(&self) {
        let mut d = self.state.lock().unwrap();
        d.tokens.clear();
        d.refresh_token = format!("revoked-{}", d.next_id);
    }

    pub fn expire_tokens(&self) {
        let mut d = self.state.lock().unwrap();
        let now = Instant::now();
        d.tokens.values_mut().for_each(|t| *t = now);
    }
}

fn file_entry(f: &FakeFile) -> FileEntry {
    let name = f.display.rsplit('/').next().unwrap_or_default().to_string();
    FileEntry {
        name,
        id: f.id.clone(),
        path_lower: f.display.to_lowercase(),
        path_display: f.display.clone(),
        client_modified: "2026-01-01T00:00:00Z".into(),
        server_modified: "2026-12-01T10:20:30Z".into(),
        rev: format!("{:09x}", f.rev),
        size: f.content.len(),
        content_hash: f.ready.then(|| f.content.content_hash()),
        is_downloadable: true,
    }
}

fn deleted(display: &str) -> Entry {
    let name = display.rsplit('/').next().unwrap_or_default().to_string();
    Entry::Deleted(DeletedEntry {
        name,
        path_lower: display.to_lowercase(),
        path_display: display.into(),
    })
}

type Shared = (Arc<Mutex<Dropbox>>, Arc<tokio::sync::Notify>);

fn not_found() -> Response {
    let path = serde_json::json!({".tag": "path", "path": {".tag": "not_found"}});
    error(409, "path/not_found/..", path)
}

fn error(status: u16, summary: &str, error: serde_json::Value) -> Response {
    let body = serde_json::json!({ "error_summary": summary, "error": error });
    (StatusCode::from_u16(status).unwrap(), Json(body)).into_response()
}

/// Counts the call, answers a queued fault, and checks the bearer token: `Some` is the answer
/// that refuses the call.
fn refusal(d: &mut Dropbox, route: &str, headers: &HeaderMap) -> Option<Response> {
    d.calls.push(route.to_string());
    match d.faults.pop_front() {
        Some(Fault::RateLimited(secs)) => {
            let mut r = error(
                429,
                "too_many_requests/..",
                serde_json::json!({"reason": {".tag": "too_many_requests"}, "retry_after": secs}),
            );
            r.headers_mut().insert("Retry-After", secs.to_string().parse().unwrap());
            return Some(r);
        }
        Some(Fault::Status(code)) => {
            return Some(
                (StatusCode::from_u16(code).unwrap(), "Internal Server Error").into_response(),
            )
        }
        None => {}
    }
    let token = headers
        .get("Authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match token.and_then(|t| d.tokens.get(t)) {
        Some(expiry) if *expiry > Instant::now() => None,
        Some(_) => Some(error(
            401,
            "expired_access_token/",
            serde_json::json!({".tag": "expired_access_token"}),
        )),
        None => Some(error(
            401,
            "invalid_access_token/",
            serde_json::json!({".tag": "invalid_access_token"}),
        )),
    }
}

fn under(root: &str, lower: &str) -> bool {
    root.is_empty() || lower.starts_with(&format!("{}/", root.to_lowercase()))
}

/// `L|<offset>|<epoch>|<root>` pages a listing, `C|<log position>|<epoch>|<root>` continues
/// from the log.
fn cursor(d: &Dropbox, mode: &str, pos: usize, root: &str) -> String {
    format!("{mode}|{pos}|{}|{root}", d.epoch)
}

/// Everything under `root` (`L`), or only its children, folders first (`N`, non-recursive).
fn listing(d: &Dropbox, mode: &str, root: &str) -> Vec<Entry> {
    let files = d.files.iter().filter(|(k, _)| under(root, k));
    if mode == "L" {
        return files.map(|(_, f)| Entry::File(file_entry(f))).collect();
    }
    let depth = if root.is_empty() { 1 } else { root.matches('/').count() + 1 };
    let mut folders = BTreeMap::new();
    let mut direct = Vec::new();
    for (_, f) in files {
        let parts: Vec<&str> = f.display.split('/').collect();
        if parts.len() == depth + 1 {
            direct.push(Entry::File(file_entry(f)));
        } else {
            let display = parts[..=depth].join("/");
            folders.entry(display.to_lowercase()).or_insert(display);
        }
    }
    let mut out: Vec<Entry> = folders
        .into_iter()
        .map(|(lower, display)| {
            let name = display.rsplit('/').next().unwrap_or_default().to_string();
            let id = format!("id:folder:{lower}");
            Entry::Folder(FolderEntry { name, id, path_lower: lower, path_display: display })
        })
        .collect();
    out.append(&mut direct);
    out
}

fn page(d: &Dropbox, mode: &str, pos: usize, root: &str) -> Response {
    let (entries, next, has_more): (Vec<Entry>, String, bool) = if mode == "L" || mode == "N" {
        let all = listing(d, mode, root);
        let end = (pos + d.page_size).min(all.len());
        let more = end < all.len();
        let next =
            if more { cursor(d, mode, end, root) } else { cursor(d, "C", d.log.len(), root) };
        (all[pos.min(end)..end].to_vec(), next, more)
    } else {
        let events: Vec<(usize, &Entry)> = d
            .log
            .iter()
            .enumerate()
            .skip(pos)
            .filter(|(_, e)| under(root, e.path_lower()))
            .take(d.page_size)
            .collect();
        let last = events.last().map(|(i, _)| i + 1).unwrap_or(d.log.len());
        let more = d.log[last..].iter().any(|e| under(root, e.path_lower()));
        let next = cursor(d, "C", if more { last } else { d.log.len() }, root);
        (events.into_iter().map(|(_, e)| e.clone()).collect(), next, more)
    };
    Json(ListFolderResult { entries, cursor: next, has_more }).into_response()
}

async fn list_folder(
    State((s, _)): State<Shared>,
    headers: HeaderMap,
    Json(arg): Json<ListFolderArg>,
) -> Response {
    let mut d = s.lock().unwrap();
    if let Some(r) = refusal(&mut d, "list_folder", &headers) {
        return r;
    }
    let root = arg.path.trim_end_matches('/').to_string();
    let exists = root.is_empty() || d.files.keys().any(|k| under(&root, k));
    if !exists {
        return not_found();
    }
    page(&d, if arg.recursive { "L" } else { "N" }, 0, &root)
}

/// (mode, position, epoch, root)
fn parse_cursor(c: &str) -> Option<(String, usize, usize, String)> {
    let mut parts = c.splitn(4, '|');
    let mode = parts.next()?.to_string();
    Some((
        mode,
        parts.next()?.parse().ok()?,
        parts.next()?.parse().ok()?,
        parts.next()?.to_string(),
    ))
}

async fn list_continue(
    State((s, _)): State<Shared>,
    headers: HeaderMap,
    Json(arg): Json<CursorArg>,
) -> Response {
    let mut d = s.lock().unwrap();
    if let Some(r) = refusal(&mut d, "list_folder/continue", &headers) {
        return r;
    }
    match parse_cursor(&arg.cursor) {
        Some((_, _, epoch, _)) if epoch != d.epoch => {
            error(409, "reset/..", serde_json::json!({".tag": "reset"}))
        }
        Some((mode, pos, _, root)) => page(&d, &mode, pos, &root),
        None => (
            StatusCode::BAD_REQUEST,
            "Error in call to API function \"files/list_folder/continue\": invalid cursor",
        )
            .into_response(),
    }
}

async fn latest_cursor(
    State((s, _)): State<Shared>,
    headers: HeaderMap,
    Json(arg): Json<ListFolderArg>,
) -> Response {
    let mut d = s.lock().unwrap();
    if let Some(r) = refusal(&mut d, "list_folder/get_latest_cursor", &headers) {
        return r;
    }
    let root = arg.path.trim_end_matches('/');
    if !root.is_empty() && !d.files.keys().any(|k| under(root, k)) {
        return not_found();
    }
    Json(CursorArg { cursor: cursor(&d, "C", d.log.len(), root) }).into_response()
}

async fn longpoll(
    State((s, changed)): State<Shared>,
    headers: HeaderMap,
    Json(arg): Json<LongpollArg>,
) -> Response {
    if headers.contains_key("Authorization") {
        s.lock().unwrap().longpolls_with_auth += 1;
        return (StatusCode::BAD_REQUEST, "Error in call to API function \"files/list_folder/longpoll\": Unexpected Authorization header.").into_response();
    }
    s.lock().unwrap().calls.push("list_folder/longpoll".into());
    let Some((_, pos, _, root)) = parse_cursor(&arg.cursor) else {
        return (StatusCode::BAD_REQUEST, "invalid cursor").into_response();
    };
    let has_news =
        |d: &Dropbox| d.log[pos.min(d.log.len())..].iter().any(|e| under(&root, e.path_lower()));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(arg.timeout);
    loop {
        let notified = changed.notified();
        if has_news(&s.lock().unwrap()) {
            return Json(LongpollResult { changes: true, backoff: None }).into_response();
        }
        if tokio::time::timeout_at(deadline, notified).await.is_err() {
            return Json(LongpollResult { changes: false, backoff: Some(1) }).into_response();
        }
    }
}

async fn download(State((s, _)): State<Shared>, headers: HeaderMap) -> Response {
    let mut d = s.lock().unwrap();
    if let Some(r) = refusal(&mut d, "download", &headers) {
        return r;
    }
    let raw = headers.get("Dropbox-API-Arg").map(|v| v.as_bytes().to_vec()).unwrap_or_default();
    if !raw.is_ascii() {
        return (StatusCode::BAD_REQUEST, "Dropbox-API-Arg must be ASCII; escape other characters")
            .into_response();
    }
    let Ok(arg) = serde_json::from_slice::<PathArg>(&raw) else {
        return (
            StatusCode::BAD_REQUEST,
            "Error in call to API function \"files/download\": missing Dropbox-API-Arg",
        )
            .into_response();
    };
    let Some(file) = d.files.get(&arg.path.to_lowercase()).cloned() else {
        return not_found();
    };
    d.downloads += 1;
    let meta = crate::dropbox::api::header_json(&file_entry(&file));
    let mut r = if d.stall_downloads {
        use futures_util::StreamExt;
        let half = file.content.stream(file.content.len() / 2);
        axum::body::Body::from_stream(half.chain(futures_util::stream::pending())).into_response()
    } else {
        axum::body::Body::from_stream(file.content.stream(file.content.len())).into_response()
    };
    r.headers_mut().insert("Dropbox-API-Result", meta.parse().unwrap());
    r
}

async fn thumbnails(
    State((s, _)): State<Shared>,
    headers: HeaderMap,
    Json(arg): Json<ThumbnailBatchArg>,
) -> Response {
    use base64::Engine;
    let mut d = s.lock().unwrap();
    if let Some(r) = refusal(&mut d, "get_thumbnail_batch", &headers) {
        return r;
    }
    if arg.entries.len() > 25 {
        return (
            StatusCode::BAD_REQUEST,
            "Error in call to API function \"files/get_thumbnail_batch\": entries: at most 25",
        )
            .into_response();
    }
    let entries = arg
        .entries
        .iter()
        .map(|e| match d.files.get(&e.path.to_lowercase()) {
            // As documented: jpg, jpeg, png, tiff, tif, gif, webp, ppm and bmp, up to 20 MB.
            Some(_) if !crate::dropbox::has_dropbox_thumbnail(&e.path) => {
                ThumbnailResult::Failure {
                    failure: serde_json::json!({".tag": "unsupported_extension"}),
                }
            }
            Some(f) if f.content.len() > 20_000_000 => ThumbnailResult::Failure {
                failure: serde_json::json!({".tag": "unsupported_image"}),
            },
            // The fake's "thumbnail" is the file itself: tests only check it arrives intact.
            Some(f) => ThumbnailResult::Success {
                metadata: file_entry(f),
                thumbnail: base64::engine::general_purpose::STANDARD.encode(f.content.to_vec()),
            },
            None => ThumbnailResult::Failure {
                failure: serde_json::json!({".tag": "path", "path": {".tag": "not_found"}}),
            },
        })
        .collect();
    Json(ThumbnailBatchResult { entries }).into_response()
}
