//! The album grid's data and its thumbnails. Thumbnails reach the web view through the `thumb:`
//! protocol, which only ever serves files from the engine's thumbnail caches (the web view
//! never loads the site directly and cannot name a path).

use crate::ipc::IpcError;
use crate::AppState;
use folio_model::{AssetId, PhotoState, SiteId, TextOverrides};
use serde::Serialize;
use specta::Type;
use std::path::Path;
use tauri::http::{Request, Response, StatusCode};
use tauri::{Manager, State, UriSchemeContext, UriSchemeResponder};

#[derive(Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PhotoOnSite {
    pub site: String,
    pub site_id: SiteId,
    pub state: PhotoState,
    pub url: Option<String>,
    /// The file type the site has (webp, avif, jpg, …).
    pub format: Option<String>,
    pub has_thumbnail: bool,
    pub error: Option<String>,
    /// Changes with the site's copy; thumbnail URLs carry it.
    pub stamp: String,
}

#[derive(Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PhotoRow {
    pub asset_id: AssetId,
    pub path: String,
    /// Changes with the photo in the folder; thumbnail URLs carry it.
    pub stamp: String,
    pub state: PhotoState,
    pub error: Option<String>,
    pub sites: Vec<PhotoOnSite>,
}

#[tauri::command]
#[specta::specta]
pub async fn album_photos(
    state: State<'_, AppState>,
    root: String,
) -> Result<Vec<PhotoRow>, IpcError> {
    let rows = state.engine.album_photos(Path::new(&root)).await?;
    Ok(rows.into_iter().map(row).collect())
}

/// The album's first `limit` rows, for the grid's first screen while the whole album loads.
#[tauri::command]
#[specta::specta]
pub async fn album_photos_first(
    state: State<'_, AppState>,
    root: String,
    limit: u32,
) -> Result<Vec<PhotoRow>, IpcError> {
    let rows = state.engine.album_photos_first(Path::new(&root), limit as usize).await?;
    Ok(rows.into_iter().map(row).collect())
}

fn row(r: folio_engine::PhotoRow) -> PhotoRow {
    PhotoRow {
        asset_id: r.asset_id,
        path: r.path,
        stamp: r.stamp,
        state: r.state,
        error: r.error,
        sites: r
            .sites
            .into_iter()
            .map(|s| PhotoOnSite {
                site: s.site,
                site_id: s.site_id,
                state: s.state,
                url: s.url,
                format: s.format,
                has_thumbnail: s.has_thumbnail,
                stamp: s.stamp,
                error: s.error,
            })
            .collect(),
    }
}

#[derive(Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PushRecord {
    pub site: String,
    pub state: String,
    pub url: Option<String>,
    pub format: Option<String>,
    pub at: String,
    pub error: Option<String>,
}

/// Where the photo is now on one of its album's sites.
#[derive(Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SiteCopy {
    pub site: String,
    /// pending (nothing there yet), processing, synced or failed.
    pub state: String,
    pub url: Option<String>,
    /// What a re-edit does there, in words.
    pub re_edits: String,
}

/// The detail panel's facts about one photo.
#[derive(Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PhotoDetail {
    pub path: String,
    /// The size it is published at.
    pub width: u32,
    pub height: u32,
    pub title: Option<String>,
    pub caption: Option<String>,
    pub keywords: Vec<String>,
    pub captured_at: Option<String>,
    pub camera: Option<String>,
    pub lens: Option<String>,
    pub creator: Option<String>,
    pub copyright: Option<String>,
    /// What goes to the sites, from the album's patterns.
    pub sent_filename: String,
    pub sent_title: String,
    pub sent_alt: String,
    pub sent_caption: String,
    /// Typed for this photo rather than made by the album's patterns.
    pub own_title: bool,
    pub own_alt: bool,
    pub own_caption: bool,
    /// One per site of the album.
    pub copies: Vec<SiteCopy>,
    pub history: Vec<PushRecord>,
}

#[tauri::command]
#[specta::specta]
pub async fn photo_detail(
    state: State<'_, AppState>,
    asset_id: AssetId,
) -> Result<PhotoDetail, IpcError> {
    let d = state.engine.photo_detail(asset_id).await?;
    Ok(PhotoDetail {
        path: d.path,
        width: d.width,
        height: d.height,
        title: d.meta.title,
        caption: d.meta.caption,
        keywords: d.meta.keywords,
        captured_at: d.meta.captured_at,
        camera: d.camera,
        lens: d.meta.lens,
        creator: d.meta.creator,
        copyright: d.meta.copyright,
        sent_filename: d.sent.filename,
        sent_title: d.sent.title,
        sent_alt: d.sent.alt,
        sent_caption: d.sent.caption,
        own_title: d.sent.own_title,
        own_alt: d.sent.own_alt,
        own_caption: d.sent.own_caption,
        copies: d
            .copies
            .into_iter()
            .map(|c| SiteCopy { site: c.site, state: c.state, url: c.url, re_edits: c.re_edits })
            .collect(),
        history: d
            .history
            .into_iter()
            .map(|h| PushRecord {
                site: h.site,
                state: h.state,
                url: h.url,
                format: h.format,
                at: h.at,
                error: h.error,
            })
            .collect(),
    })
}

/// The photographer's own text for one photo; `null` goes back to the album's pattern. Sites
/// that have the photo are updated at once.
#[tauri::command]
#[specta::specta]
pub async fn set_photo_texts(
    state: State<'_, AppState>,
    asset_id: AssetId,
    title: Option<String>,
    alt: Option<String>,
    caption: Option<String>,
) -> Result<(), IpcError> {
    let texts = TextOverrides { title, alt, caption };
    Ok(state.engine.set_photo_texts(asset_id, texts).await?)
}

/// Retry: the album's failed and waiting photos are tried on the next pass, which starts now.
#[tauri::command]
#[specta::specta]
pub async fn retry_album(state: State<'_, AppState>, root: String) -> Result<u32, IpcError> {
    Ok(state.engine.retry(Some(Path::new(&root))).await? as u32)
}

/// Opens a photo's address on the site in the default browser. Only web addresses.
#[tauri::command]
#[specta::specta]
pub async fn open_in_browser(url: String) -> Result<(), IpcError> {
    let opened = tauri::async_runtime::spawn_blocking(move || folio_engine::open_in_browser(&url));
    Ok(opened
        .await
        .map_err(|e| IpcError { code: folio_model::ErrorCode::Io, message: e.to_string() })??)
}

/// `thumb://localhost/source/<asset>` and `thumb://localhost/site/<site>/<asset>` (on Windows
/// `http://thumb.localhost/…`); the UI builds them with `convertFileSrc(…, "thumb")`.
pub fn serve_thumbnail(
    ctx: UriSchemeContext<'_, tauri::Wry>,
    request: Request<Vec<u8>>,
    responder: UriSchemeResponder,
) {
    let app = ctx.app_handle().clone();
    let path = folio_engine::percent_decode(request.uri().path());
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        let id = |s: &str| s.parse::<i64>().ok();
        let file = match parts.as_slice() {
            ["source", asset] => match id(asset) {
                Some(a) => state.engine.source_thumbnail(AssetId(a)).await.ok(),
                None => None,
            },
            ["site", site, asset] => match (id(site), id(asset)) {
                (Some(s), Some(a)) => state.engine.site_thumbnail(AssetId(a), SiteId(s)).await.ok(),
                _ => None,
            },
            ["version", asset, number] => match (id(asset), id(number)) {
                (Some(a), Some(n)) => state.engine.version_thumbnail(AssetId(a), n).await.ok(),
                _ => None,
            },
            _ => None,
        };
        let response = match file.and_then(|f| std::fs::read(&f).ok().map(|b| (f, b))) {
            Some((f, bytes)) => Response::builder()
                .header("Content-Type", mime(&f))
                // Cached by content: a new version has a new name, so the web view may keep it.
                .header("Cache-Control", "max-age=31536000, immutable")
                .body(bytes),
            None => Response::builder().status(StatusCode::NOT_FOUND).body(Vec::new()),
        };
        responder.respond(response.expect("static response parts"));
    });
}

fn mime(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("webp") => "image/webp",
        Some("png") => "image/png",
        Some("avif") => "image/avif",
        Some("gif") => "image/gif",
        _ => "image/jpeg",
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn thumbnail_paths_are_decoded() {
        assert_eq!(folio_engine::percent_decode("/site%2F3%2F42"), "/site/3/42");
        assert_eq!(folio_engine::percent_decode("/source/7"), "/source/7");
        assert_eq!(folio_engine::percent_decode("/bad%2"), "/bad%2");
    }
}
