//! A fake Adobe Lightroom Services API and Adobe IMS for tests, written from Adobe's published
//! documents (the Lightroom guides and OpenAPI document, the IMS user-authentication guide), not
//! from Folio's client: the account and its one catalog, albums and album folders (paged by
//! `links.next` relative to `base`), an album's assets with `embed=asset` (paged the same way),
//! renditions (`2048` always; `2560` and `fullsize` made on demand, and only for an entitled
//! credential, else 403 code 4300), `X-API-Key` required on every call (403 without), the bearer
//! token checked (401), every JSON answer behind `while (1) {}`, 429s with an empty body and
//! 5xx on demand, and IMS's authorize page and token endpoint (the secret required, PKCE, codes
//! used once, refresh tokens that expire after 14 days of the fake's clock).

mod catalog;
mod ims;
mod renditions;

use super::wire::PREFIX;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};

pub use ims::DAY;

/// What an asset's renditions show.
#[derive(Debug, Clone)]
pub enum Picture {
    /// A picture drawn from the asset and this version: an edit bumps it.
    Pixels(u32),
    /// These bytes as every rendition (the conformance suite's items).
    Bytes(Vec<u8>),
    /// This many zero bytes, never held in memory: a rendition larger than Folio accepts.
    Zeros(u64),
}

#[derive(Debug, Clone)]
pub struct FakeAsset {
    pub file_name: String,
    /// `image` or `video`.
    pub subtype: String,
    /// Unix seconds; written as RFC 3339.
    pub updated: i64,
    pub develop: serde_json::Value,
    pub picture: Picture,
    /// The on-demand renditions made so far (`2560`, `fullsize`); an edit drops them.
    pub made: HashSet<String>,
    /// On-demand renditions asked for: the checks (`HEAD` or `GET`) still answered 404.
    pub pending: HashMap<String, u32>,
}

#[derive(Debug, Clone)]
pub struct FakeAlbum {
    pub name: String,
    /// `project` (an album) or `project_set` (a folder of albums).
    pub subtype: String,
    pub parent: Option<String>,
    /// Asset ids, in the album's order.
    pub assets: Vec<String>,
}

#[derive(Default)]
pub struct Lightroom {
    pub assets: BTreeMap<String, FakeAsset>,
    pub albums: BTreeMap<String, FakeAlbum>,
    /// The credential's API key, which every call must send as `X-API-Key`.
    pub api_key: String,
    /// Access tokens accepted.
    pub tokens: HashSet<String>,
    pub catalog: String,
    /// Resources per page when the request sets no smaller `limit`.
    pub page_size: usize,
    /// Whether the credential may have `2560` and `fullsize` renditions.
    pub entitled: bool,
    /// Checks a rendition asked for answers 404 before it is there.
    pub checks_before_ready: u32,
    /// The next this many calls answer 429 with an empty body.
    pub throttle_next: u32,
    /// The next this many calls answer 503.
    pub fail_next: u32,
    /// Route names in the order they were called.
    pub calls: Vec<String>,
    /// Rendition downloads given, as `ASSET KIND`.
    pub downloads: Vec<String>,
    pub throttled: usize,
    /// Unix seconds, moved on by every change so `updated` always grows.
    clock: i64,
    next_id: u64,
    pub(super) ims: ims::Ims,
}

type Shared = Arc<Mutex<Lightroom>>;

pub struct FakeLightroom {
    pub url: String,
    pub state: Arc<Mutex<Lightroom>>,
}

impl FakeLightroom {
    /// Starts the fake on 127.0.0.1 with `access_token` accepted for the credential `api_key`.
    pub async fn start(api_key: &str, access_token: &str) -> FakeLightroom {
        let mut lr = Lightroom {
            api_key: api_key.into(),
            catalog: "0f1e2d3c4b5a69788796a5b4c3d2e1f0".into(),
            page_size: 2,
            entitled: true,
            checks_before_ready: 2,
            clock: 1_767_225_600,
            ..Lightroom::default()
        };
        lr.tokens.insert(access_token.to_string());
        ims::init(&mut lr);
        let state = Arc::new(Mutex::new(lr));
        let rendition = "/v2/catalogs/{cid}/assets/{id}/renditions";
        let app = Router::new()
            .route("/v2/account", get(catalog::account))
            .route("/v2/catalog", get(catalog::catalog))
            .route("/v2/catalogs/{cid}/albums", get(catalog::albums))
            .route("/v2/catalogs/{cid}/albums/{aid}", get(catalog::album))
            .route("/v2/catalogs/{cid}/albums/{aid}/assets", get(catalog::album_assets))
            .route(rendition, post(renditions::generate))
            .route(&format!("{rendition}/{{kind}}"), get(renditions::rendition))
            .route("/ims/authorize/v2", get(ims::authorize))
            .route("/ims/token/v3", post(ims::token))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        state.lock().unwrap().ims.base = url.clone();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        FakeLightroom { url, state }
    }

    fn tick(lr: &mut Lightroom) -> i64 {
        lr.clock += 1;
        lr.clock
    }

    /// A 32-hex-digit id, as Lightroom's are.
    fn id(lr: &mut Lightroom) -> String {
        lr.next_id += 1;
        format!(
            "{:016x}{:016x}",
            0x5eed_u64 << 48 | lr.next_id,
            lr.next_id.wrapping_mul(0x9e37_79b9)
        )
    }

    /// An album (`project`) in `parent` (an album folder), or at the top; its id.
    pub fn add_album(&self, name: &str, parent: Option<&str>) -> String {
        self.add_album_of("project", name, parent)
    }

    /// A folder of albums (`project_set`); its id.
    pub fn add_album_folder(&self, name: &str, parent: Option<&str>) -> String {
        self.add_album_of("project_set", name, parent)
    }

    fn add_album_of(&self, subtype: &str, name: &str, parent: Option<&str>) -> String {
        let mut lr = self.state.lock().unwrap();
        let id = Self::id(&mut lr);
        let album = FakeAlbum {
            name: name.into(),
            subtype: subtype.into(),
            parent: parent.map(str::to_string),
            assets: Vec::new(),
        };
        lr.albums.insert(id.clone(), album);
        id
    }

    /// A photo imported as `file_name` and added to `album`; its asset id.
    pub fn add_photo(&self, album: &str, file_name: &str) -> String {
        self.add_asset(album, file_name, Picture::Pixels(0))
    }

    pub fn add_asset(&self, album: &str, file_name: &str, picture: Picture) -> String {
        let mut lr = self.state.lock().unwrap();
        let id = Self::id(&mut lr);
        let updated = Self::tick(&mut lr);
        let asset = FakeAsset {
            file_name: file_name.into(),
            subtype: "image".into(),
            updated,
            develop: serde_json::json!({
                "crsVersion": "16.0",
                "croppedWidth": 6000,
                "croppedHeight": 4000,
                "userOrientation": 0,
                "xmpCameraRaw": {"Exposure2012": 0}
            }),
            picture,
            made: HashSet::new(),
            pending: HashMap::new(),
        };
        lr.assets.insert(id.clone(), asset);
        lr.albums.get_mut(album).expect("the album exists").assets.push(id.clone());
        id
    }

    /// Changes an asset as Lightroom's editor would: `updated` moves on, the larger renditions
    /// made before are dropped.
    pub fn change(&self, asset: &str, change: impl FnOnce(&mut FakeAsset)) {
        let mut lr = self.state.lock().unwrap();
        let at = Self::tick(&mut lr);
        let a = lr.assets.get_mut(asset).expect("the asset exists");
        change(a);
        a.made.clear();
        a.updated = at;
    }

    /// An edit in Develop: new settings, a new picture, `updated` moved on.
    pub fn edit(&self, asset: &str) {
        self.change(asset, |a| {
            regrade(a);
        });
    }

    /// A develop change that leaves `updated` where it was (which Folio must still see).
    pub fn edit_develop_only(&self, asset: &str) {
        let mut lr = self.state.lock().unwrap();
        let a = lr.assets.get_mut(asset).expect("the asset exists");
        regrade(a);
        a.made.clear();
    }

    /// Moves only `updated` (a rating, a keyword): the same picture.
    pub fn touch(&self, asset: &str) {
        self.change(asset, |_| {});
    }

    /// Takes an asset out of an album (it stays in the catalog).
    pub fn remove_from_album(&self, album: &str, asset: &str) {
        let mut lr = self.state.lock().unwrap();
        lr.albums.get_mut(album).expect("the album exists").assets.retain(|a| a != asset);
    }

    /// Deletes an asset from the catalog, and so from every album.
    pub fn delete(&self, asset: &str) {
        let mut lr = self.state.lock().unwrap();
        lr.assets.remove(asset);
        lr.albums.values_mut().for_each(|a| a.assets.retain(|x| x != asset));
    }

    pub fn delete_album(&self, album: &str) {
        self.state.lock().unwrap().albums.remove(album);
    }

    /// The asset of `album` imported as `file_name`, if any.
    pub fn find(&self, album: &str, file_name: &str) -> Option<String> {
        let lr = self.state.lock().unwrap();
        let in_album = lr.albums.get(album)?;
        in_album.assets.iter().find(|id| lr.assets[*id].file_name == file_name).cloned()
    }

    /// The user removes Folio's access: no token it holds works any more.
    pub fn revoke_access(&self) {
        let mut lr = self.state.lock().unwrap();
        lr.tokens.clear();
        ims::revoke_refresh(&mut lr);
    }

    /// Calls made to `route` so far.
    pub fn count(&self, route: &str) -> usize {
        self.state.lock().unwrap().calls.iter().filter(|c| *c == route).count()
    }

    /// Rendition downloads of `asset` so far (any kind).
    pub fn downloads_of(&self, asset: &str) -> usize {
        let lr = self.state.lock().unwrap();
        lr.downloads.iter().filter(|d| d.split(' ').next() == Some(asset)).count()
    }
}

/// A new grade: the exposure moves, and so does the picture.
fn regrade(a: &mut FakeAsset) {
    let exposure = &mut a.develop["xmpCameraRaw"]["Exposure2012"];
    *exposure = serde_json::json!(exposure.as_f64().unwrap_or(0.0) + 0.5);
    if let Picture::Pixels(v) = &mut a.picture {
        *v += 1;
    }
}

/// A JSON answer as Lightroom sends every one: behind `while (1) {}`.
pub(super) fn json(status: u16, body: &serde_json::Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap();
    let body = format!("{PREFIX}{body}");
    (status, [("Content-Type", "application/json;charset=utf-8")], body).into_response()
}

/// Lightroom's error body.
pub(super) fn error(status: u16, code: i64, description: &str) -> Response {
    json(status, &serde_json::json!({"code": code, "description": description}))
}

/// Counts the call, then answers as Adobe's gateway does before Lightroom sees it: the API
/// key (403), the bearer token (401), the 429s and 5xx a test asked for. `Some` refuses.
pub(super) fn refusal(lr: &mut Lightroom, route: &str, headers: &HeaderMap) -> Option<Response> {
    lr.calls.push(route.to_string());
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if header("X-API-Key") != Some(lr.api_key.as_str()) {
        let body = serde_json::json!({"error_code": "403003", "message": "Api Key is invalid"});
        return Some(json(403, &body));
    }
    let token = header("Authorization").and_then(|v| v.strip_prefix("Bearer "));
    if !token.is_some_and(|t| lr.tokens.contains(t)) {
        let body =
            serde_json::json!({"error_code": "401013", "message": "Oauth token is not valid"});
        return Some(json(401, &body));
    }
    if lr.throttle_next > 0 {
        lr.throttle_next -= 1;
        lr.throttled += 1;
        // Adobe's 429 has no body at all.
        return Some(StatusCode::TOO_MANY_REQUESTS.into_response());
    }
    if lr.fail_next > 0 {
        lr.fail_next -= 1;
        return Some(error(503, 9999, "Service unavailable"));
    }
    None
}

/// Unix seconds as Lightroom writes times (`2026-01-01T00:00:00.000000Z`).
pub(super) fn rfc3339(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = folio_model::time::civil_from_days(days);
    let (hh, mm, ss) = (rem / 3600, rem % 3600 / 60, rem % 60);
    format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}.000000Z")
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_are_written_as_lightroom_writes_them_and_read_back() {
        let t = super::rfc3339(1_767_225_601);
        assert_eq!(t, "2026-01-01T00:00:01.000000Z");
        assert_eq!(super::super::items::unix_ns(&t), Some(1_767_225_601_000_000_000));
        assert_eq!(super::rfc3339(951_782_400), "2000-02-29T00:00:00.000000Z");
    }
}
