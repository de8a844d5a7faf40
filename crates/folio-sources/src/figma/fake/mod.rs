//! A fake Figma REST API for tests, written from Figma's published REST API reference: the
//! user (`/v1/me`), a file's metadata (`/v1/files/:key/meta`, the cheap call), its document
//! (`/v1/files/:key`, trimmed by `depth` and `ids`) and chosen nodes (`/v1/files/:key/nodes`),
//! renders (`/v1/images/:key`: one URL per node on the fake's own host, served without the
//! token like Figma's S3 links, real PNG pixels drawn from how the node looks now, scaled down
//! to fit 32 megapixels), personal access tokens in `X-Figma-Token` (refused or revoked: 403),
//! and rate limits (429 with `Retry-After` and Figma's plan headers). Tests change files as a
//! designer would (edit, rename, move, remove), each change moving the file's `version` and
//! `last_touched_at` on, and read back which routes were called.

mod png;
mod render;
mod routes;
mod tree;

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use render::Fixed;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use tree::File;

/// 2026-12-01T10:00:00Z: where the fake clock starts.
const CLOCK_START: i64 = 1_796_119_200;

/// The routes counted by [`FakeFigma::tier1`]: Figma's costliest rate-limit tier.
const TIER1: [&str; 3] = ["file", "nodes", "images"];

struct Figma {
    /// The fake's own address, for render URLs.
    base: String,
    token: String,
    revoked: bool,
    files: BTreeMap<String, File>,
    /// (Retry-After seconds, API requests still to refuse with 429).
    throttle: (u64, u32),
    /// Route names in the order they were called.
    calls: Vec<String>,
    /// The raw query string of each route's last request.
    queries: HashMap<String, String>,
    /// Renders made by `/v1/images`, by the file name in their URL.
    renders: HashMap<String, render::Render>,
    /// Render downloads that carried a token: Folio's token sent to the download host,
    /// which needs none.
    renders_with_token: usize,
    /// Unix seconds, moved on by every change so `last_touched_at` always grows.
    clock: i64,
    next_file: u64,
    next_render: u64,
}

impl Figma {
    /// The time of a change: at least a second after the one before.
    fn tick(&mut self) -> i64 {
        let at = self.clock;
        self.clock += 1;
        at
    }
}

type Shared = Arc<Mutex<Figma>>;

pub struct FakeFigma {
    /// `http://127.0.0.1:PORT`, standing for `https://api.figma.com`.
    pub url: String,
    state: Shared,
}

impl FakeFigma {
    /// Starts the fake on 127.0.0.1 with the personal access token `token` accepted.
    pub async fn start(token: &str) -> FakeFigma {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(Figma {
            base: url.clone(),
            token: token.into(),
            revoked: false,
            files: BTreeMap::new(),
            throttle: (0, 0),
            calls: Vec::new(),
            queries: HashMap::new(),
            renders: HashMap::new(),
            renders_with_token: 0,
            clock: CLOCK_START,
            next_file: 0,
            next_render: 0,
        }));
        let app = Router::new()
            .route("/v1/me", get(routes::me))
            .route("/v1/files/{key}", get(routes::file))
            .route("/v1/files/{key}/meta", get(routes::meta))
            .route("/v1/files/{key}/nodes", get(routes::nodes))
            .route("/v1/images/{key}", get(routes::images))
            .route("/render/{name}", get(routes::download))
            .route("/thumbnail/{key}", get(routes::thumbnail))
            .with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        FakeFigma { url, state }
    }

    /// A new file with no pages; its key (22 letters and digits, as Figma's are).
    pub fn add_file(&self, name: &str) -> String {
        let mut c = self.state.lock().unwrap();
        c.next_file += 1;
        let key = file_key(c.next_file);
        let at = c.tick();
        c.files.insert(key.clone(), File::new(name, at));
        key
    }

    /// A page ("0:1", "0:2", …) at the end of the file.
    pub fn add_page(&self, key: &str, name: &str) -> String {
        self.change(key, |f| f.add_page(name))
    }

    /// A top-level FRAME on `page`, right of the others, holding one RECTANGLE; its id.
    pub fn add_frame(&self, key: &str, page: &str, name: &str, width: u32, height: u32) -> String {
        self.add_node(key, page, "FRAME", name, width, height)
    }

    /// A top-level node of type `kind` (COMPONENT, SECTION, GROUP, TEXT, …) on `page`;
    /// containers hold one RECTANGLE, as a frame does. Its id.
    pub fn add_node(
        &self,
        key: &str,
        page: &str,
        kind: &str,
        name: &str,
        width: u32,
        height: u32,
    ) -> String {
        self.change(key, |f| f.add_top(page, kind, name, f64::from(width), f64::from(height)))
    }

    /// From now on the node's render URLs serve exactly `bytes`, whatever the format or scale
    /// asked for (the conformance suite's items). An edit of its look.
    pub fn set_render(&self, key: &str, node: &str, bytes: Vec<u8>) {
        self.restyle(key, node, Some(Fixed::Bytes(bytes.into())));
    }

    /// From now on the node's render URLs serve `bytes` zero bytes, streamed with a
    /// Content-Length and never held in memory: a render larger than Folio accepts. An edit
    /// of its look, as [`FakeFigma::set_render`] is.
    pub fn set_render_size(&self, key: &str, node: &str, bytes: u64) {
        self.restyle(key, node, Some(Fixed::Zeros(bytes)));
    }

    /// Changes how the node looks (its fills and its first child's): new render pixels.
    pub fn edit(&self, key: &str, node: &str) {
        self.restyle(key, node, None);
    }

    /// Renames the node: the same look, the same pixels.
    pub fn rename(&self, key: &str, node: &str, name: &str) {
        self.change(key, |f| f.node_mut(node).name = name.into());
    }

    /// Deletes the node (a page, a top-level node or a child).
    pub fn remove(&self, key: &str, node: &str) {
        self.change(key, |f| f.remove(node));
    }

    /// Moves the node (and what it holds) to (`x`, `y`) on the canvas: the same look.
    pub fn move_bounds(&self, key: &str, node: &str, x: f64, y: f64) {
        self.change(key, |f| {
            let n = f.node_mut(node);
            let (dx, dy) = (x - n.x, y - n.y);
            n.shift(dx, dy);
        });
    }

    /// From now on the node's `/v1/images` entry is null, as a render Figma failed.
    pub fn fail_render(&self, key: &str, node: &str) {
        let mut c = self.state.lock().unwrap();
        c.files.get_mut(key).expect("the file exists").node_mut(node).fails = true;
    }

    /// The next `times` API requests (not render downloads) answer 429 asking to retry after
    /// `retry_after_secs`.
    pub fn rate_limit(&self, retry_after_secs: u64, times: u32) {
        self.state.lock().unwrap().throttle = (retry_after_secs, times);
    }

    /// The user revokes the token: every API request answers 403 Invalid token.
    pub fn revoke(&self) {
        self.state.lock().unwrap().revoked = true;
    }

    /// Every request in order, by route: "me", "meta", "file", "nodes", "images", "render"
    /// (downloads) and "thumbnail".
    pub fn calls(&self) -> Vec<String> {
        self.state.lock().unwrap().calls.clone()
    }

    /// Requests made to `route` so far.
    pub fn count(&self, route: &str) -> usize {
        self.state.lock().unwrap().calls.iter().filter(|c| *c == route).count()
    }

    /// Requests in Figma's Tier 1 (file, nodes, images), which its rate limits hold tightest.
    pub fn tier1(&self) -> usize {
        let c = self.state.lock().unwrap();
        c.calls.iter().filter(|r| TIER1.contains(&r.as_str())).count()
    }

    /// The raw query string of the last request to `route` ("" if it had none).
    pub fn last_query(&self, route: &str) -> Option<String> {
        self.state.lock().unwrap().queries.get(route).cloned()
    }

    /// Render downloads that came with `X-Figma-Token` or `Authorization`.
    pub fn renders_with_token(&self) -> usize {
        self.state.lock().unwrap().renders_with_token
    }

    /// A change to the file: its version and `last_touched_at` move on.
    fn change<T>(&self, key: &str, change: impl FnOnce(&mut File) -> T) -> T {
        let mut c = self.state.lock().unwrap();
        let at = c.tick();
        let file = c.files.get_mut(key).unwrap_or_else(|| panic!("no fake Figma file {key}"));
        let out = change(file);
        file.version += 1;
        file.touched_at = at;
        out
    }

    /// A new look for the node and its first child; `fixed` (if any) as its renders.
    fn restyle(&self, key: &str, node: &str, fixed: Option<Fixed>) {
        self.change(key, |f| {
            let n = f.node_mut(node);
            n.look += 1;
            if let Some(child) = n.children.first_mut() {
                child.look += 1;
            }
            if fixed.is_some() {
                n.fixed = fixed;
            }
        });
    }
}

/// The `n`th file key: 22 letters and digits, deterministic.
fn file_key(n: u64) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let digest = Sha256::digest(format!("fake figma file {n}"));
    digest.iter().take(22).map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect()
}

/// Unix seconds as Figma writes times: `2026-12-01T10:00:00Z`.
fn iso(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = folio_model::time::civil_from_days(days);
    let (h, m, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}Z")
}

/// Figma's error body: `{"status":403,"err":"Invalid token"}`.
fn error(status: u16, err: &str) -> Response {
    let body = serde_json::json!({"status": status, "err": err});
    (StatusCode::from_u16(status).unwrap(), Json(body)).into_response()
}

/// Counts an API request and checks the rate limit and the token: `Some` is the refusal.
fn refusal(
    c: &mut Figma,
    route: &str,
    query: &Option<String>,
    headers: &HeaderMap,
) -> Option<Response> {
    c.calls.push(route.into());
    c.queries.insert(route.into(), query.clone().unwrap_or_default());
    let (retry_after, times) = c.throttle;
    if times > 0 {
        c.throttle.1 -= 1;
        let mut r = error(429, "Rate limit exceeded");
        let h = r.headers_mut();
        h.insert("Retry-After", retry_after.into());
        h.insert("X-Figma-Plan-Tier", "starter".parse().unwrap());
        h.insert("X-Figma-Rate-Limit-Type", "low".parse().unwrap());
        return Some(r);
    }
    let token = headers.get("X-Figma-Token").and_then(|v| v.to_str().ok());
    if c.revoked || token != Some(c.token.as_str()) {
        return Some(error(403, "Invalid token"));
    }
    None
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_are_iso_utc() {
        assert_eq!(super::iso(super::CLOCK_START), "2026-12-01T10:00:00Z");
        assert_eq!(super::iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::iso(951_825_599), "2000-02-29T11:59:59Z");
    }

    #[test]
    fn file_keys_are_22_letters_and_digits() {
        let key = super::file_key(1);
        assert_eq!(key.len(), 22);
        assert!(key.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(key, super::file_key(2));
    }
}
