//! The fake's account, catalog, album and album-asset answers, shaped as the OpenAPI document
//! shows them: listings carry `base` (the catalog's address) and `links.next.href` relative to
//! it, and an album's assets come embedded with `embed=asset`.

use super::{error, json, refusal, rfc3339, FakeAsset, Lightroom, Shared};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{json as j, Value};
use std::collections::HashMap;

type Q = Query<HashMap<String, String>>;

pub(super) async fn account(State(s): State<Shared>, headers: HeaderMap) -> Response {
    let mut lr = s.lock().unwrap();
    if let Some(r) = refusal(&mut lr, "account", &headers) {
        return r;
    }
    json(
        200,
        &j!({
            "base": format!("{}/v2/", lr.ims.base),
            "id": "8a1b7c4e2f9d0e6a5b3c8d7e6f5a4b3c",
            "type": "account",
            "email": "pia@example.com",
            "full_name": "Pia Photographer",
            "first_name": "Pia",
            "last_name": "Photographer",
            "entitlement": {"status": "subscriber"}
        }),
    )
}

pub(super) async fn catalog(State(s): State<Shared>, headers: HeaderMap) -> Response {
    let mut lr = s.lock().unwrap();
    if let Some(r) = refusal(&mut lr, "catalog", &headers) {
        return r;
    }
    let body = j!({
        "base": format!("{}/v2/", lr.ims.base),
        "id": lr.catalog,
        "type": "catalog",
        "subtype": "lightroom",
        "payload": {"name": "Pia's catalog"}
    });
    json(200, &body)
}

fn album_json(id: &str, a: &super::FakeAlbum) -> Value {
    let mut payload = j!({"name": a.name, "userCreated": "2026-01-01T00:00:00Z"});
    if let Some(parent) = &a.parent {
        payload["parent"] = j!({"id": parent});
    }
    j!({
        "id": id,
        "type": "album",
        "subtype": a.subtype,
        "created": "2026-01-01T00:00:00.000000Z",
        "updated": "2026-01-01T00:00:00.000000Z",
        "payload": payload,
        "links": {"self": {"href": format!("albums/{id}")}}
    })
}

fn asset_json(id: &str, a: &FakeAsset) -> Value {
    let made = |kind: &str| format!("assets/{id}/renditions/{kind}");
    j!({
        "id": id,
        "type": "asset",
        "subtype": a.subtype,
        "created": "2026-01-01T00:00:00.000000Z",
        "updated": rfc3339(a.updated),
        "payload": {
            "captureDate": "2025-06-01T10:00:00",
            "userUpdated": rfc3339(a.updated),
            "importSource": {"fileName": a.file_name, "fileSize": 1000, "sha256": format!("{:064x}", 7)},
            "develop": a.develop
        },
        "links": {
            "self": {"href": format!("assets/{id}")},
            "/rels/rendition_type/2048": {"href": made("2048")},
            "/rels/rendition_type/1280": {"href": made("1280")}
        }
    })
}

/// One page of `items` from the request's `start` (the fake's own paging token), at most
/// `limit` (≤ 500) and the fake's page size, with `links.next` relative to `base`.
fn page(lr: &Lightroom, q: &HashMap<String, String>, items: Vec<Value>, route: &str) -> Response {
    let limit = q.get("limit").map_or(Ok(100), |l| l.parse::<usize>());
    let limit = match limit {
        Ok(l) if (1..=500).contains(&l) => l,
        _ => return error(400, 1005, "Input validation error: limit"),
    };
    let size = limit.min(lr.page_size.max(1));
    let start = q.get("start").and_then(|s| s.parse().ok()).unwrap_or(0usize).min(items.len());
    let end = (start + size).min(items.len());
    let mut body = j!({
        "base": format!("{}/v2/catalogs/{}/", lr.ims.base, lr.catalog),
        "resources": items[start..end].to_vec(),
        "links": {}
    });
    if end < items.len() {
        let mut next: Vec<String> = q
            .iter()
            .filter(|(k, _)| *k != "start")
            .map(|(k, v)| {
                format!(
                    "{k}={}",
                    url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()
                )
            })
            .collect();
        next.sort();
        next.push(format!("start={end}"));
        body["links"]["next"] = j!({"href": format!("{route}?{}", next.join("&"))});
    }
    json(200, &body)
}

pub(super) async fn albums(
    State(s): State<Shared>,
    Path(cid): Path<String>,
    Query(q): Q,
    headers: HeaderMap,
) -> Response {
    let mut lr = s.lock().unwrap();
    if let Some(r) = refusal(&mut lr, "albums", &headers) {
        return r;
    }
    if cid != lr.catalog {
        return error(404, 1000, "Resource not found");
    }
    let subtypes = q.get("subtype").cloned().unwrap_or_else(|| "project".into());
    let wanted: Vec<&str> = subtypes.split(';').collect();
    let mut listed: Vec<(&String, &super::FakeAlbum)> =
        lr.albums.iter().filter(|(_, a)| wanted.contains(&a.subtype.as_str())).collect();
    listed.sort_by(|a, b| (&a.1.name, a.0).cmp(&(&b.1.name, b.0)));
    let items = listed.into_iter().map(|(id, a)| album_json(id, a)).collect();
    page(&lr, &q, items, "albums")
}

pub(super) async fn album(
    State(s): State<Shared>,
    Path((cid, aid)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let mut lr = s.lock().unwrap();
    if let Some(r) = refusal(&mut lr, "album", &headers) {
        return r;
    }
    match lr.albums.get(&aid).filter(|_| cid == lr.catalog) {
        Some(a) => {
            let mut body = album_json(&aid, a);
            body["base"] = j!(format!("{}/v2/catalogs/{}/", lr.ims.base, lr.catalog));
            json(200, &body)
        }
        None => error(404, 1000, "Resource not found"),
    }
}

pub(super) async fn album_assets(
    State(s): State<Shared>,
    Path((cid, aid)): Path<(String, String)>,
    Query(q): Q,
    headers: HeaderMap,
) -> Response {
    let mut lr = s.lock().unwrap();
    if let Some(r) = refusal(&mut lr, "album_assets", &headers) {
        return r;
    }
    let Some(album) = lr.albums.get(&aid).filter(|_| cid == lr.catalog) else {
        return error(404, 1000, "Resource not found");
    };
    let embed = q.get("embed").is_some_and(|e| e.split(';').any(|x| x == "asset"));
    let items = album
        .assets
        .iter()
        .filter_map(|id| Some((id, lr.assets.get(id)?)))
        .map(|(id, a)| {
            let asset = if embed { asset_json(id, a) } else { j!({"id": id}) };
            j!({"id": format!("{id}{aid}"), "type": "album_asset", "asset": asset})
        })
        .collect();
    page(&lr, &q, items, &format!("albums/{aid}/assets"))
}
