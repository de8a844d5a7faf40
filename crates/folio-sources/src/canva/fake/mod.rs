//! A fake Canva Connect API for tests, written from the published OpenAPI document (`api.yml`)
//! and the rate-limit notes of `POST /v1/exports`: the user's profile, folders and their items
//! (newest first, paged by `continuation`), designs with `updated_at` (Unix seconds) and pages,
//! export jobs (in progress for a few polls, then `success` with one URL per page on the fake's
//! own host, or `failed` with an error code), the downloads (real PNG and JPEG pixels, which a
//! test repaints, or only touches the design's `updated_at`), download URLs that expire, the
//! export quotas answered by 429 with Canva's bodies, access tokens that are refused
//! (`invalid_access_token`) or revoked (`revoked_access_token`), and the token endpoint
//! (the client secret required, PKCE, refresh tokens that rotate).

mod auth;
mod exports;

use crate::canva::wire::*;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use exports::FakeQuotas;

/// What a design page exports as.
#[derive(Debug, Clone)]
pub enum Page {
    /// A picture drawn from the design, the page and this version: repainting bumps it.
    Pixels(u32),
    /// These bytes, whatever the format asked for (the conformance suite's items).
    Bytes(Vec<u8>),
    /// This many zero bytes, never held in memory: a download larger than Folio accepts.
    Zeros(u64),
}

#[derive(Debug, Clone)]
pub struct FakeDesign {
    pub title: String,
    pub folder: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub width: u32,
    pub height: u32,
    pub pages: Vec<Page>,
    /// Export jobs of this design fail with this code (`license_required`, …).
    pub fails_with: Option<String>,
}

#[derive(Debug, Clone)]
pub struct FakeFolder {
    pub name: String,
    pub parent: String,
    pub updated_at: i64,
}

#[derive(Default)]
pub struct Canva {
    pub designs: BTreeMap<String, FakeDesign>,
    pub folders: BTreeMap<String, FakeFolder>,
    /// Access tokens accepted.
    pub tokens: HashSet<String>,
    /// Access tokens revoked (answered `revoked_access_token`).
    pub revoked_tokens: HashSet<String>,
    /// Folder items per page when the request sets no smaller `limit`.
    pub page_size: usize,
    /// Polls an export job answers `in_progress` before it finishes.
    pub polls_before_done: u32,
    pub quotas: FakeQuotas,
    /// The next this many export jobs get download URLs that have already expired.
    pub expire_next_jobs: usize,
    /// Route names in the order they were called.
    pub calls: Vec<String>,
    /// Export jobs created (not the ones refused with 429).
    pub exports: usize,
    /// 429 answers given.
    pub throttled: usize,
    pub downloads: usize,
    /// Downloads that came with an Authorization header: Folio's token sent to the
    /// download host, which needs none.
    pub downloads_with_auth: usize,
    jobs: HashMap<String, exports::Job>,
    export_times: exports::Times,
    /// Unix seconds, moved on by every change so `updated_at` always grows.
    clock: i64,
    next_id: u64,
    pub(super) oauth: auth::OauthState,
}

pub struct FakeCanva {
    pub url: String,
    pub state: Arc<Mutex<Canva>>,
}

type Shared = Arc<Mutex<Canva>>;

impl FakeCanva {
    /// Starts the fake on 127.0.0.1 with `access_token` accepted.
    pub async fn start(access_token: &str) -> FakeCanva {
        let mut c = Canva {
            page_size: 2,
            polls_before_done: 2,
            quotas: FakeQuotas::default(),
            clock: 1_767_225_600,
            ..Canva::default()
        };
        c.tokens.insert(access_token.to_string());
        auth::init(&mut c);
        let state = Arc::new(Mutex::new(c));
        let app = Router::new()
            .route("/v1/users/me", get(me))
            .route("/v1/users/me/profile", get(profile))
            .route("/v1/folders/{id}", get(folder))
            .route("/v1/folders/{id}/items", get(folder_items))
            .route("/v1/designs/{id}", get(design))
            .route("/v1/exports", post(exports::create))
            .route("/v1/exports/{id}", get(exports::job))
            .route("/export-download/{job}/{page}", get(exports::download))
            .route("/thumbnail/{id}", get(exports::thumbnail))
            .route("/oauth/authorize", get(auth::authorize))
            .route("/v1/oauth/token", post(auth::token))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        state.lock().unwrap().oauth.base = url.clone();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        FakeCanva { url, state }
    }

    fn tick(c: &mut Canva) -> i64 {
        c.clock += 1;
        c.clock
    }

    fn id(c: &mut Canva, prefix: &str) -> String {
        c.next_id += 1;
        format!("{prefix}{:07}", c.next_id)
    }

    /// A folder in `parent` ("root" for the top); its id.
    pub fn add_folder(&self, parent: &str, name: &str) -> String {
        let mut c = self.state.lock().unwrap();
        let id = Self::id(&mut c, "FAF");
        let updated_at = Self::tick(&mut c);
        c.folders.insert(
            id.clone(),
            FakeFolder { name: name.into(), parent: parent.into(), updated_at },
        );
        id
    }

    /// A design of `pages` drawn pages in `folder`; its id.
    pub fn add_design(&self, folder: &str, title: &str, pages: usize) -> String {
        self.add_design_with(folder, title, (0..pages).map(|_| Page::Pixels(0)).collect())
    }

    pub fn add_design_with(&self, folder: &str, title: &str, pages: Vec<Page>) -> String {
        let mut c = self.state.lock().unwrap();
        let id = Self::id(&mut c, "DAF");
        let at = Self::tick(&mut c);
        let design = FakeDesign {
            title: title.into(),
            folder: folder.into(),
            created_at: at,
            updated_at: at,
            width: 64,
            height: 40,
            pages,
            fails_with: None,
        };
        c.designs.insert(id.clone(), design);
        id
    }

    /// Changes a design as its editor would; its `updated_at` moves on.
    pub fn edit(&self, design: &str, change: impl FnOnce(&mut FakeDesign)) {
        let mut c = self.state.lock().unwrap();
        let at = Self::tick(&mut c);
        let d = c.designs.get_mut(design).expect("the design exists");
        change(d);
        d.updated_at = at;
    }

    /// Draws page `page` (from 1) anew.
    pub fn repaint(&self, design: &str, page: usize) {
        self.edit(design, |d| {
            if let Page::Pixels(v) = &mut d.pages[page - 1] {
                *v += 1;
            }
        });
    }

    /// Moves only the design's `updated_at` (a comment, a rename): the same pixels.
    pub fn touch(&self, design: &str) {
        self.edit(design, |_| {});
    }

    /// Moves a design to the trash: out of every listing.
    pub fn delete(&self, design: &str) {
        self.state.lock().unwrap().designs.remove(design);
    }

    /// The design titled `title` in `folder`, if any.
    pub fn find(&self, folder: &str, title: &str) -> Option<String> {
        let c = self.state.lock().unwrap();
        c.designs
            .iter()
            .find(|(_, d)| d.folder == folder && d.title == title)
            .map(|(id, _)| id.clone())
    }

    /// The user removes Folio's access: every token it holds answers `revoked_access_token`.
    pub fn revoke_access(&self) {
        let mut c = self.state.lock().unwrap();
        let tokens: Vec<String> = c.tokens.drain().collect();
        c.revoked_tokens.extend(tokens);
        auth::revoke_refresh(&mut c);
    }

    /// Calls made to `route` so far.
    pub fn count(&self, route: &str) -> usize {
        self.state.lock().unwrap().calls.iter().filter(|c| *c == route).count()
    }
}

pub(super) fn error(status: u16, code: &str, message: &str) -> Response {
    let body = serde_json::json!({"code": code, "message": message});
    (StatusCode::from_u16(status).unwrap(), Json(body)).into_response()
}

/// Counts the call and checks the bearer token: `Some` is the answer that refuses it.
pub(super) fn refusal(c: &mut Canva, route: &str, headers: &HeaderMap) -> Option<Response> {
    c.calls.push(route.to_string());
    let token = headers
        .get("Authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match token {
        None => Some(error(401, "invalid_access_token", "Access token is missing")),
        Some(t) if c.tokens.contains(t) => None,
        Some(t) if c.revoked_tokens.contains(t) => {
            Some(error(401, "revoked_access_token", "Access token has been revoked"))
        }
        Some(_) => Some(error(401, "invalid_access_token", "Access token is invalid")),
    }
}

/// A design as Canva lists it; its thumbnail's address is on the fake (`base`).
pub(super) fn summary(base: &str, id: &str, d: &FakeDesign) -> Design {
    let width = exports::THUMBNAIL_WIDTH;
    let thumbnail = (!d.pages.is_empty()).then(|| Thumbnail {
        width,
        height: (u64::from(d.height) * u64::from(width) / u64::from(d.width.max(1))).max(1) as u32,
        url: format!("{base}/thumbnail/{id}?X-Amz-Expires=900"),
    });
    Design {
        id: id.into(),
        title: Some(d.title.clone()),
        created_at: d.created_at,
        updated_at: d.updated_at,
        page_count: Some(d.pages.len() as u32),
        thumbnail,
        urls: DesignLinks {
            edit_url: format!("https://www.canva.com/design/{id}/edit"),
            view_url: format!("https://www.canva.com/design/{id}/view"),
        },
    }
}

async fn me(State(s): State<Shared>, headers: HeaderMap) -> Response {
    let mut c = s.lock().unwrap();
    if let Some(r) = refusal(&mut c, "users/me", &headers) {
        return r;
    }
    Json(serde_json::json!({"team_user": {"user_id": "UAF-fake", "team_id": "BAF-fake"}}))
        .into_response()
}

async fn profile(State(s): State<Shared>, headers: HeaderMap) -> Response {
    let mut c = s.lock().unwrap();
    if let Some(r) = refusal(&mut c, "users/me/profile", &headers) {
        return r;
    }
    Json(ProfileAnswer { profile: Profile { display_name: "Mara Marketer".into() } })
        .into_response()
}

/// `GET /v1/folders/{folderId}`: the folder's id, name and times.
async fn folder(State(s): State<Shared>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let mut c = s.lock().unwrap();
    if let Some(r) = refusal(&mut c, "folder", &headers) {
        return r;
    }
    let Some(f) = c.folders.get(&id) else {
        return error(404, "folder_not_found", "Folder not found");
    };
    let folder =
        Folder { id, name: f.name.clone(), created_at: f.updated_at, updated_at: f.updated_at };
    Json(FolderAnswer { folder }).into_response()
}

async fn folder_items(
    State(s): State<Shared>,
    Path(folder): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let mut c = s.lock().unwrap();
    if let Some(r) = refusal(&mut c, "folder_items", &headers) {
        return r;
    }
    if folder != "root" && !c.folders.contains_key(&folder) {
        return error(404, "folder_not_found", "Folder not found");
    }
    let types = q.get("item_types").map_or("design,folder,image".to_string(), |t| t.clone());
    let wanted = |t: &str| types.split(',').any(|w| w == t);
    // Newest first: `sort_by` defaults to `modified_descending`.
    let mut items: Vec<(i64, FolderItem)> = Vec::new();
    if wanted("folder") {
        for (id, f) in c.folders.iter().filter(|(_, f)| f.parent == folder) {
            let folder = Folder {
                id: id.clone(),
                name: f.name.clone(),
                created_at: f.updated_at,
                updated_at: f.updated_at,
            };
            items.push((f.updated_at, FolderItem::Folder { folder }));
        }
    }
    if wanted("design") {
        for (id, d) in c.designs.iter().filter(|(_, d)| d.folder == folder) {
            let design = summary(&c.oauth.base, id, d);
            items.push((d.updated_at, FolderItem::Design { design }));
        }
    }
    items.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    let limit = q.get("limit").and_then(|l| l.parse().ok()).unwrap_or(50usize);
    if !(1..=100).contains(&limit) {
        return error(400, "bad_query_params", "limit must be between 1 and 100");
    }
    let size = limit.min(c.page_size.max(1));
    // The token names the folder and the offset; one of another folder is refused.
    let start = match q.get("continuation") {
        None => 0,
        Some(token) => match token.split_once(':') {
            Some((f, offset)) if f == folder => offset.parse().unwrap_or(usize::MAX),
            _ => return error(400, "bad_query_params", "Invalid continuation token"),
        },
    };
    let end = (start.saturating_add(size)).min(items.len());
    let page = items.get(start.min(end)..end).unwrap_or_default();
    let continuation = (end < items.len()).then(|| format!("{folder}:{end}"));
    Json(FolderItems { items: page.iter().map(|(_, i)| i.clone()).collect(), continuation })
        .into_response()
}

async fn design(State(s): State<Shared>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let mut c = s.lock().unwrap();
    if let Some(r) = refusal(&mut c, "design", &headers) {
        return r;
    }
    match c.designs.get(&id) {
        Some(d) => Json(DesignAnswer { design: summary(&c.oauth.base, &id, d) }).into_response(),
        None => error(404, "design_not_found", &format!("Design with id '{id}' not found")),
    }
}

/// When export calls were made, for the quotas.
pub(super) fn now() -> Instant {
    Instant::now()
}

/// How long until `at` is `span` old.
pub(super) fn within(at: Instant, span: Duration, now: Instant) -> bool {
    now.duration_since(at) < span
}
