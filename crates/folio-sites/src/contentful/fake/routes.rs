//! The fake space's endpoints, as the Management API reference describes them.

use super::{error, FakeAsset, Space};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

const JSON: &str = "application/vnd.contentful.management.v1+json";

fn answer(status: StatusCode, body: Value) -> Response {
    (status, [("Content-Type", JSON)], body.to_string()).into_response()
}

fn valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn link(kind: &str, id: &str) -> Value {
    json!({"sys": {"type": "Link", "linkType": kind, "id": id}})
}

#[allow(clippy::too_many_arguments)]
pub fn route(
    st: &mut Space,
    upload_host: bool,
    method: &Method,
    path: &str,
    query: &str,
    version: Option<u64>,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let not_found = || error(404, "NotFound", "The resource could not be found.");
    if parts.len() < 2 || parts[0] != "spaces" || parts[1] != st.config.space {
        return not_found();
    }
    if parts.len() == 2 {
        return match (upload_host, method) {
            (false, &Method::GET) => answer(
                StatusCode::OK,
                json!({"sys": {"type": "Space", "id": st.config.space}, "name": st.config.space_name}),
            ),
            _ => not_found(),
        };
    }
    if parts.len() < 5 || parts[2] != "environments" || parts[3] != st.config.environment {
        return not_found();
    }
    let rest = &parts[4..];
    if upload_host {
        return match (method, rest) {
            (&Method::POST, ["uploads"]) => upload(st, headers, body),
            _ => not_found(),
        };
    }
    match (method, rest) {
        (&Method::GET, ["locales"]) => {
            let items: Vec<Value> = st
                .config
                .locales
                .iter()
                .enumerate()
                .map(|(i, code)| json!({"code": code, "name": code, "default": i == 0}))
                .collect();
            answer(StatusCode::OK, json!({"total": items.len(), "items": items}))
        }
        (&Method::GET, ["assets"]) => list(st, query),
        (&Method::GET, ["assets", id]) => match read(st, id) {
            Some(body) => answer(StatusCode::OK, body),
            None => not_found(),
        },
        (&Method::PUT, ["assets", id]) => put(st, id, version, body),
        (&Method::DELETE, ["assets", id]) => delete(st, id, version),
        (&Method::PUT, ["assets", id, "files", locale, "process"]) => {
            process(st, id, locale, version)
        }
        (&Method::PUT, ["assets", id, "published"]) => change(st, id, version, Change::Publish),
        (&Method::DELETE, ["assets", id, "published"]) => {
            change(st, id, version, Change::Unpublish)
        }
        (&Method::PUT, ["assets", id, "archived"]) => change(st, id, version, Change::Archive),
        (&Method::DELETE, ["assets", id, "archived"]) => change(st, id, version, Change::Unarchive),
        _ => not_found(),
    }
}

fn upload(st: &mut Space, headers: &HeaderMap, body: &[u8]) -> Response {
    let kind = headers.get("Content-Type").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if kind != "application/octet-stream" {
        return error(400, "BadRequest", "Uploads must be sent as application/octet-stream");
    }
    if body.is_empty() {
        return error(400, "BadRequest", "Content-Length header must be greater than 0");
    }
    if body.len() > st.config.max_upload_bytes {
        return error(413, "PayloadTooLarge", "The upload is larger than the space allows");
    }
    let id = format!("upload{}", st.next);
    st.next += 1;
    st.uploads.insert(id.clone(), body.to_vec());
    answer(
        StatusCode::CREATED,
        json!({"sys": {
            "type": "Upload", "id": id, "expiresAt": "2099-01-01T00:00:00.000Z",
            "space": link("Space", &st.config.space),
        }}),
    )
}

fn sys(st: &Space, a: &FakeAsset) -> Value {
    let mut sys = json!({
        "type": "Asset", "id": a.id, "version": a.version,
        "space": link("Space", &st.config.space),
        "environment": link("Environment", &st.config.environment),
        "createdAt": format!("2026-01-01T00:00:{:02}.{:03}Z", a.created / 1000 % 60, a.created % 1000),
    });
    if let Some(p) = a.published_version {
        sys["publishedVersion"] = p.into();
    }
    if let Some(v) = a.archived_version {
        sys["archivedVersion"] = v.into();
    }
    sys
}

fn render(st: &Space, a: &FakeAsset) -> Value {
    json!({"sys": sys(st, a), "fields": a.fields})
}

/// A read moves processing along: after the configured reads the file gets its URL, and the
/// asset its next version.
fn read(st: &mut Space, id: &str) -> Option<Value> {
    let stalled = st.stalled;
    let mut done = Vec::new();
    {
        let a = st.assets.get_mut(id)?;
        for (locale, left) in a.processing.iter_mut() {
            if stalled {
                continue;
            }
            if *left == 0 {
                done.push(locale.clone());
            } else {
                *left -= 1;
            }
        }
    }
    for locale in &done {
        finish_processing(st, id, locale);
    }
    let body = render(st, st.assets.get(id)?);
    if !done.is_empty() && st.late_bumps > 0 {
        st.late_bumps -= 1;
        st.assets.get_mut(id)?.version += 1;
    }
    Some(body)
}

fn finish_processing(st: &mut Space, id: &str, locale: &str) {
    let images = st.images.clone();
    let space = st.config.space.clone();
    let token = st.next;
    st.next += 1;
    let Some(a) = st.assets.get_mut(id) else { return };
    a.processing.remove(locale);
    let file = &mut a.fields["file"][locale];
    let upload = file["uploadFrom"]["sys"]["id"].as_str().unwrap_or_default().to_string();
    let Some(bytes) = st.uploads.get(&upload).cloned() else { return };
    let name = file["fileName"].as_str().unwrap_or("file").to_string();
    let path = format!("/images/{space}/{id}/tok{token:x}/{name}");
    let mime = file["contentType"].as_str().unwrap_or_default().to_string();
    let size = bytes.len();
    file.as_object_mut().map(|f| f.remove("uploadFrom"));
    file["url"] = format!("{images}{path}").into();
    file["details"] = json!({"size": size});
    a.version += 1;
    a.processed += 1;
    st.files.insert(path, (bytes, mime));
}

fn list(st: &mut Space, query: &str) -> Response {
    let q: Vec<(String, String)> =
        url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let skip: usize = get("skip").and_then(|s| s.parse().ok()).unwrap_or(0);
    let limit: usize = get("limit").and_then(|s| s.parse().ok()).unwrap_or(100);
    if limit > 1000 {
        return error(400, "BadRequest", "The limit cannot exceed 1000");
    }
    let mut found: Vec<&FakeAsset> = st.assets.values().collect();
    if let Some(ids) = get("sys.id[in]") {
        let ids: Vec<&str> = ids.split(',').collect();
        found.retain(|a| ids.contains(&a.id.as_str()));
    }
    match get("order") {
        Some("-sys.createdAt") => found.sort_by_key(|a| std::cmp::Reverse(a.created)),
        Some("sys.createdAt") | None => found.sort_by_key(|a| a.created),
        Some(_) => return error(400, "InvalidQuery", "The query you sent was invalid"),
    }
    let total = found.len();
    let items: Vec<Value> =
        found.into_iter().skip(skip).take(limit).map(|a| render(st, a)).collect();
    answer(
        StatusCode::OK,
        json!({"sys": {"type": "Array"}, "total": total, "skip": skip, "limit": limit, "items": items}),
    )
}

/// The fields a PUT may carry: title, description and file, in the space's locales; a file
/// is a new upload to process (`uploadFrom`), or the processed file sent back as it is.
fn check_fields(st: &Space, id: &str, fields: &Value) -> Result<(), String> {
    let Some(fields) = fields.as_object() else { return Err("fields must be an object".into()) };
    for (name, by_locale) in fields {
        if !["title", "description", "file"].contains(&name.as_str()) {
            return Err(format!("unknown field {name}"));
        }
        for (locale, value) in by_locale.as_object().into_iter().flatten() {
            if !st.config.locales.contains(locale) {
                return Err(format!("unknown locale {locale}"));
            }
            if name != "file" {
                continue;
            }
            if value["contentType"].as_str().is_none() || value["fileName"].as_str().is_none() {
                return Err("a file needs contentType and fileName".into());
            }
            if let Some(upload) = value["uploadFrom"]["sys"]["id"].as_str() {
                if !st.uploads.contains_key(upload) {
                    return Err(format!("no upload {upload}"));
                }
            } else if let Some(url) = value["url"].as_str() {
                let kept = st.assets.get(id).and_then(|a| a.url(locale));
                if kept != Some(url) {
                    return Err("a file's url is set by processing, not by a PUT".into());
                }
            } else {
                return Err("a file needs uploadFrom or upload".into());
            }
        }
    }
    Ok(())
}

fn put(st: &mut Space, id: &str, version: Option<u64>, body: &[u8]) -> Response {
    if !valid_id(id) {
        return error(400, "BadRequest", "Invalid id");
    }
    let Ok(body) = serde_json::from_slice::<Value>(body) else {
        return error(400, "BadRequest", "Invalid JSON");
    };
    let fields = body.get("fields").cloned().unwrap_or_else(|| json!({}));
    if let Err(why) = check_fields(st, id, &fields) {
        return error(422, "ValidationFailed", &why);
    }
    let created = st.next;
    let status = match (st.assets.get_mut(id), version) {
        (None, Some(_)) => return error(404, "NotFound", "The resource could not be found."),
        (None, None) => {
            st.next += 1;
            st.asset_creates += 1;
            let a = FakeAsset {
                id: id.to_string(),
                version: 1,
                published_version: None,
                archived_version: None,
                fields,
                created,
                processing: Default::default(),
                processed: 0,
            };
            st.assets.insert(id.to_string(), a);
            StatusCode::CREATED
        }
        (Some(a), v) if v != Some(a.version) => {
            let _ = a;
            return error(409, "VersionMismatch", "Version mismatch");
        }
        (Some(a), _) => {
            if a.archived_version.is_some() {
                return error(400, "BadRequest", "Cannot update an archived asset");
            }
            // A new file in a locale stops the old one's processing.
            let new_files: Vec<String> = fields["file"]
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(_, f)| !f["uploadFrom"].is_null())
                .map(|(l, _)| l.clone())
                .collect();
            for l in new_files {
                a.processing.remove(&l);
            }
            a.fields = fields;
            a.version += 1;
            StatusCode::OK
        }
    };
    answer(status, render(st, &st.assets[id]))
}

fn process(st: &mut Space, id: &str, locale: &str, version: Option<u64>) -> Response {
    let reads = st.config.processing_reads;
    let Some(a) = st.assets.get_mut(id) else {
        return error(404, "NotFound", "The resource could not be found.");
    };
    if version.is_some_and(|v| v != a.version) {
        return error(409, "VersionMismatch", "Version mismatch");
    }
    let file = &a.fields["file"][locale];
    if file.is_null() {
        return error(404, "NotFound", "The asset has no file in this locale");
    }
    if !file["uploadFrom"].is_null() {
        a.processing.entry(locale.to_string()).or_insert(reads);
    }
    StatusCode::NO_CONTENT.into_response()
}

enum Change {
    Publish,
    Unpublish,
    Archive,
    Unarchive,
}

fn change(st: &mut Space, id: &str, version: Option<u64>, change: Change) -> Response {
    let Some(a) = st.assets.get_mut(id) else {
        return error(404, "NotFound", "The resource could not be found.");
    };
    if version != Some(a.version) {
        return error(409, "VersionMismatch", "Version mismatch");
    }
    match change {
        Change::Publish => {
            if a.archived_version.is_some() {
                return error(400, "BadRequest", "Cannot publish an archived asset");
            }
            let files = a.fields["file"].as_object().cloned().unwrap_or_default();
            if files.is_empty() || files.values().any(|f| f["url"].is_null()) {
                return error(422, "ValidationFailed", "Asset has unprocessed files");
            }
            a.published_version = Some(a.version);
        }
        Change::Unpublish => {
            if a.published_version.is_none() {
                return error(400, "BadRequest", "Not published");
            }
            a.published_version = None;
        }
        Change::Archive => {
            if a.published_version.is_some() {
                return error(400, "BadRequest", "Cannot archive a published asset");
            }
            a.archived_version = Some(a.version);
        }
        Change::Unarchive => {
            if a.archived_version.is_none() {
                return error(400, "BadRequest", "Not archived");
            }
            a.archived_version = None;
        }
    }
    a.version += 1;
    answer(StatusCode::OK, render(st, &st.assets[id]))
}

fn delete(st: &mut Space, id: &str, version: Option<u64>) -> Response {
    let Some(a) = st.assets.get(id) else {
        return error(404, "NotFound", "The resource could not be found.");
    };
    if version.is_some_and(|v| v != a.version) {
        return error(409, "VersionMismatch", "Version mismatch");
    }
    if a.published_version.is_some() {
        return error(400, "BadRequest", "Cannot delete a published asset");
    }
    let prefix = format!("/images/{}/{id}/", st.config.space);
    st.files.retain(|path, _| !path.starts_with(&prefix));
    st.assets.remove(id);
    StatusCode::NO_CONTENT.into_response()
}
