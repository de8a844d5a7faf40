//! The fake's routes: the REST API's (token and rate limit checked, counted by name) and the
//! render downloads (no token, as Figma's S3 links need none).

use super::render::{self, Content, Drawing, Format, Render};
use super::{error, iso, refusal, Shared};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};
use std::collections::{HashMap, HashSet};

/// How wide the files' thumbnails are.
const THUMBNAIL_WIDTH: f64 = 320.0;

/// The token's owner, also the last to touch every file.
fn user() -> Value {
    json!({
        "id": "1179347218127473952",
        "handle": "Mara Designer",
        "img_url": "https://s3-alpha.figma.com/profile/fake-mara",
    })
}

fn params(query: &Option<String>) -> HashMap<String, String> {
    let raw = query.as_deref().unwrap_or("");
    url::form_urlencoded::parse(raw.as_bytes()).into_owned().collect()
}

/// `depth`: a positive integer, or absent for the whole tree; `Err` is Figma's complaint.
fn depth(params: &HashMap<String, String>) -> Result<Option<u32>, &'static str> {
    match params.get("depth") {
        None => Ok(None),
        Some(d) => match d.parse::<u32>() {
            Ok(d) if d >= 1 => Ok(Some(d)),
            _ => Err("depth must be a positive integer"),
        },
    }
}

/// `ids`: node ids separated by commas; `None` if absent or empty.
fn ids(params: &HashMap<String, String>) -> Option<Vec<String>> {
    let ids: Vec<String> = params
        .get("ids")?
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(String::from)
        .collect();
    (!ids.is_empty()).then_some(ids)
}

fn not_found() -> Response {
    error(404, "Not found")
}

/// `GET /v1/me`
pub(super) async fn me(
    State(s): State<Shared>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let mut c = s.lock().unwrap();
    if let Some(r) = refusal(&mut c, "me", &query, &headers) {
        return r;
    }
    let mut me = user();
    me["email"] = json!("mara@example.com");
    Json(me).into_response()
}

/// `GET /v1/files/:key/meta`: the cheap way to see whether a file changed.
pub(super) async fn meta(
    State(s): State<Shared>,
    Path(key): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let mut c = s.lock().unwrap();
    if let Some(r) = refusal(&mut c, "meta", &query, &headers) {
        return r;
    }
    let Some(f) = c.files.get(&key) else { return not_found() };
    let slug: String =
        f.name.chars().map(|ch| if ch.is_alphanumeric() { ch } else { '-' }).collect();
    Json(json!({"file": {
        "name": f.name,
        "folder_name": "Drafts",
        "last_touched_at": iso(f.touched_at),
        "last_touched_by": user(),
        "creator": user(),
        "thumbnail_url": format!("{}/thumbnail/{key}", c.base),
        "editorType": "figma",
        "role": "owner",
        "url": format!("https://www.figma.com/design/{key}/{slug}"),
        "version": f.version.to_string(),
    }}))
    .into_response()
}

/// `GET /v1/files/:key`: the document, `depth` levels deep, or only the nodes in `ids`.
pub(super) async fn file(
    State(s): State<Shared>,
    Path(key): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let mut c = s.lock().unwrap();
    if let Some(r) = refusal(&mut c, "file", &query, &headers) {
        return r;
    }
    let p = params(&query);
    let depth = match depth(&p) {
        Ok(d) => d,
        Err(e) => return error(400, e),
    };
    let ids: Option<HashSet<String>> = ids(&p).map(|ids| ids.into_iter().collect());
    let Some(f) = c.files.get(&key) else { return not_found() };
    Json(json!({
        "name": f.name,
        "lastModified": iso(f.touched_at),
        "thumbnailUrl": format!("{}/thumbnail/{key}", c.base),
        "version": f.version.to_string(),
        "role": "owner",
        "editorType": "figma",
        "document": f.document(depth, ids.as_ref()),
        "components": {},
        "componentSets": {},
        "styles": {},
        "schemaVersion": 0,
    }))
    .into_response()
}

/// `GET /v1/files/:key/nodes?ids=…`: each node asked for, null when there is none.
pub(super) async fn nodes(
    State(s): State<Shared>,
    Path(key): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let mut c = s.lock().unwrap();
    if let Some(r) = refusal(&mut c, "nodes", &query, &headers) {
        return r;
    }
    let p = params(&query);
    let depth = match depth(&p) {
        Ok(d) => d,
        Err(e) => return error(400, e),
    };
    let Some(ids) = ids(&p) else { return error(400, "Parameter ids is required") };
    let Some(f) = c.files.get(&key) else { return not_found() };
    let nodes: Map<String, Value> = ids
        .into_iter()
        .map(|id| {
            let entry = f.node(&id).map(|n| {
                json!({"document": n.json(depth), "components": {}, "componentSets": {}, "styles": {}})
            });
            (id, entry.unwrap_or(Value::Null))
        })
        .collect();
    Json(json!({
        "name": f.name,
        "lastModified": iso(f.touched_at),
        "thumbnailUrl": format!("{}/thumbnail/{key}", c.base),
        "version": f.version.to_string(),
        "role": "owner",
        "editorType": "figma",
        "nodes": nodes,
    }))
    .into_response()
}

/// `GET /v1/images/:key?ids=…&scale=…&format=…`: a render URL per node, null for one that
/// failed (no such node, a page, or one a test made fail).
pub(super) async fn images(
    State(s): State<Shared>,
    Path(key): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let mut c = s.lock().unwrap();
    if let Some(r) = refusal(&mut c, "images", &query, &headers) {
        return r;
    }
    let p = params(&query);
    let scale = match p.get("scale").map(|s| s.parse::<f64>()) {
        None => 1.0,
        Some(Ok(s)) if (0.01..=4.0).contains(&s) => s,
        Some(_) => return error(400, "Invalid parameter: scale must be between 0.01 and 4"),
    };
    let Some(format) = Format::parse(p.get("format").map(String::as_str)) else {
        return error(400, "Invalid parameter: format must be one of png, jpg, svg, pdf");
    };
    let Some(ids) = ids(&p) else { return error(400, "Parameter ids is required") };
    let Some(f) = c.files.get(&key) else { return not_found() };
    let made: Vec<(String, Option<Render>)> = ids
        .into_iter()
        .map(|id| {
            let node = f.node(&id).filter(|n| !n.fails && n.kind != "CANVAS");
            let render = node.map(|n| {
                let content = match &n.fixed {
                    Some(fixed) => Content::Fixed(fixed.clone()),
                    None => {
                        let (width, height) = render::capped_size(n.width, n.height, scale);
                        Content::Drawn(Drawing { width, height, tint: n.tint() })
                    }
                };
                Render { format, content }
            });
            (id, render)
        })
        .collect();
    let mut images = Map::new();
    for (id, render) in made {
        let url = render.map(|render| {
            c.next_render += 1;
            // Shaped like the UUIDs in Figma's S3 render URLs.
            let name = format!(
                "{:08x}-fa4e-4f16-8e00-{:012x}.{}",
                c.next_render,
                c.next_render,
                format.extension()
            );
            let url = format!("{}/render/{name}", c.base);
            c.renders.insert(name, render);
            url
        });
        images.insert(id, url.map_or(Value::Null, Value::String));
    }
    Json(json!({"err": null, "images": images})).into_response()
}

/// `GET /render/:uuid.png`: a render made by `/v1/images`, with no token needed.
pub(super) async fn download(
    State(s): State<Shared>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    let render = {
        let mut c = s.lock().unwrap();
        c.calls.push("render".into());
        if headers.contains_key("X-Figma-Token") || headers.contains_key("Authorization") {
            c.renders_with_token += 1;
        }
        c.renders.get(&name).cloned()
    };
    match render {
        Some(r) => render::serve(r),
        None => no_such_key(),
    }
}

/// `GET /thumbnail/:key`: the file's thumbnail (its first top-level node, small), as the
/// `thumbnail_url` of its metadata gives it, with no token needed.
pub(super) async fn thumbnail(State(s): State<Shared>, Path(key): Path<String>) -> Response {
    let drawing = {
        let mut c = s.lock().unwrap();
        c.calls.push("thumbnail".into());
        let Some(f) = c.files.get(&key) else { return no_such_key() };
        let first = f.pages.first().and_then(|p| p.children.first());
        let (width, height, tint) =
            first.map_or((1.0, 0.5625, [240; 3]), |n| (n.width, n.height, n.tint()));
        let (width, height) = render::capped_size(width, height, THUMBNAIL_WIDTH / width.max(1.0));
        Drawing { width, height, tint }
    };
    render::serve(Render { format: Format::Png, content: Content::Drawn(drawing) })
}

/// What S3 answers for an object it does not hold.
fn no_such_key() -> Response {
    let body =
        "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>";
    (StatusCode::NOT_FOUND, [("Content-Type", "application/xml")], body).into_response()
}
