//! The fake account's Files endpoints and its file host, as the API reference describes them.

use super::{error, Account, FakeFile, Shared};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, CONTROLS};
use serde_json::{json, Value};
use std::collections::HashMap;

const JSON: &str = "application/json;charset=utf-8";
/// What a path segment of a file URL escapes.
const SEGMENT: &AsciiSet =
    &CONTROLS.add(b' ').add(b'"').add(b'#').add(b'%').add(b'?').add(b'<').add(b'>');
const ACCESS: [&str; 3] = ["PUBLIC_INDEXABLE", "PUBLIC_NOT_INDEXABLE", "PRIVATE"];

fn answer(status: StatusCode, body: Value) -> Response {
    (status, [("Content-Type", JSON)], body.to_string()).into_response()
}

fn fail(st: &mut Account, status: u16, category: &str, message: &str) -> Response {
    let n = st.correlation_n();
    error(status, category, message, n)
}

/// `2026-01-01T00:00:00.000Z` plus the fake clock's milliseconds.
fn time(ms: u64) -> String {
    let s = ms / 1000;
    format!(
        "2026-01-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        1 + s / 86_400 % 28,
        s / 3600 % 24,
        s / 60 % 60,
        s % 60,
        ms % 1000
    )
}

/// The file's address on the account's file host.
pub fn url(st: &Account, f: &FakeFile) -> String {
    let path: Vec<String> =
        f.path().split('/').map(|p| utf8_percent_encode(p, SEGMENT).to_string()).collect();
    format!("{}/hubfs/{}{}", st.base, st.config.portal_id, path.join("/"))
}

fn render(st: &Account, f: &FakeFile) -> Value {
    let mut v = json!({
        "id": f.id, "name": f.name, "extension": f.extension, "path": f.path(),
        "url": url(st, f), "defaultHostingUrl": url(st, f), "size": f.bytes.len(),
        "type": if f.mime.starts_with("image/") { "IMG" } else { "OTHER" },
        "access": f.access, "archived": f.archived, "isUsableInContent": true,
        "parentFolderId": format!("{}", 1000 + f.folder.len()),
        "createdAt": time(f.created), "updatedAt": time(f.updated),
    });
    if f.archived {
        v["archivedAt"] = time(f.updated).into();
    }
    v
}

#[derive(Default)]
struct Form {
    file: Option<(Vec<u8>, Option<String>, String)>,
    text: HashMap<String, String>,
}

async fn read_form(mut multipart: Multipart) -> Result<Form, String> {
    let mut form = Form::default();
    while let Some(field) = multipart.next_field().await.map_err(|e| e.to_string())? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            let filename = field.file_name().map(str::to_string);
            let mime = field.content_type().unwrap_or("application/octet-stream").to_string();
            let bytes = field.bytes().await.map_err(|e| e.to_string())?.to_vec();
            form.file = Some((bytes, filename, mime));
        } else {
            form.text.insert(name, field.text().await.map_err(|e| e.to_string())?);
        }
    }
    Ok(form)
}

/// `options`, a JSON string whose `access` is required.
fn options(form: &Form) -> Result<Value, String> {
    let raw = form.text.get("options").ok_or("options is required")?;
    let options: Value =
        serde_json::from_str(raw).map_err(|e| format!("options is not JSON: {e}"))?;
    let access = options["access"].as_str().ok_or("options.access is required")?;
    if !ACCESS.contains(&access) {
        return Err(format!("options.access {access} is not one of {ACCESS:?}"));
    }
    Ok(options)
}

fn split_name(filename: &str) -> (String, String) {
    match filename.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => (stem.to_string(), ext.to_ascii_lowercase()),
        _ => (filename.to_string(), String::new()),
    }
}

pub async fn upload(State(account): State<Shared>, multipart: Multipart) -> Response {
    let form = read_form(multipart).await;
    let mut st = account.lock().unwrap();
    let form = match form {
        Ok(f) => f,
        Err(why) => return fail(&mut st, 400, "VALIDATION_ERROR", &why),
    };
    let options = match options(&form) {
        Ok(o) => o,
        Err(why) => return fail(&mut st, 400, "VALIDATION_ERROR", &why),
    };
    let Some((bytes, part_name, mime)) = form.file.clone() else {
        return fail(&mut st, 400, "VALIDATION_ERROR", "file is required");
    };
    if bytes.len() > st.config.max_upload_bytes {
        return fail(&mut st, 413, "VALIDATION_ERROR", "File too large");
    }
    let folder = match (form.text.get("folderPath"), form.text.get("folderId")) {
        (Some(_), Some(_)) => {
            return fail(
                &mut st,
                400,
                "VALIDATION_ERROR",
                "Provide folderId or folderPath, not both",
            )
        }
        (None, None) => {
            return fail(&mut st, 400, "VALIDATION_ERROR", "folderId or folderPath is required")
        }
        // Folders are known by path here.
        (None, Some(_)) => return fail(&mut st, 404, "OBJECT_NOT_FOUND", "Folder not found"),
        (Some(path), None) => {
            let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
            format!("/{}", parts.join("/"))
        }
    };
    let given = form.text.get("fileName").cloned().or(part_name).unwrap_or_else(|| "file".into());
    let (mut name, extension) = split_name(&given);
    let taken = |st: &Account, name: &str| {
        st.files
            .values()
            .find(|f| {
                !f.archived && f.folder == folder && f.name == name && f.extension == extension
            })
            .map(|f| f.id.clone())
    };
    if let Some(existing) = taken(&st, &name) {
        if options["overwrite"].as_bool() == Some(true) {
            // "The overwritten file will be deleted and the uploaded file will take its place
            // with a new ID."
            if let Some(old) = st.files.values_mut().find(|f| f.id == existing) {
                old.archived = true;
            }
        } else {
            // A name taken in the folder gets a number, as the file manager does.
            let stem = name.clone();
            let mut i = 1;
            while taken(&st, &format!("{stem}-{i}")).is_some() {
                i += 1;
            }
            name = format!("{stem}-{i}");
        }
    }
    let id = st.new_id();
    let now = st.tick();
    let file = FakeFile {
        id: id.to_string(),
        name,
        extension,
        folder,
        bytes,
        mime,
        access: options["access"].as_str().unwrap_or_default().to_string(),
        created: now,
        updated: now,
        archived: false,
        replaced: 0,
    };
    st.uploads += 1;
    st.files.insert(id, file);
    answer(StatusCode::CREATED, render(&st, &st.files[&id]))
}

fn find(st: &Account, id: &str) -> Option<u64> {
    id.parse::<u64>().ok().filter(|n| st.files.contains_key(n))
}

pub async fn get_file(
    State(account): State<Shared>,
    Path((_, id)): Path<(String, String)>,
) -> Response {
    let mut st = account.lock().unwrap();
    match find(&st, &id) {
        Some(n) => answer(StatusCode::OK, render(&st, &st.files[&n])),
        None => fail(&mut st, 404, "OBJECT_NOT_FOUND", &format!("File {id} not found")),
    }
}

/// "Can be used to change image content without having to upload a new file and update all
/// references": the same id, name, path and URL.
pub async fn replace(
    State(account): State<Shared>,
    Path((_, id)): Path<(String, String)>,
    multipart: Multipart,
) -> Response {
    let form = read_form(multipart).await;
    let mut st = account.lock().unwrap();
    let Some(n) = find(&st, &id).filter(|n| !st.files[n].archived) else {
        return fail(&mut st, 404, "OBJECT_NOT_FOUND", &format!("File {id} not found"));
    };
    let form = match form {
        Ok(f) => f,
        Err(why) => return fail(&mut st, 400, "VALIDATION_ERROR", &why),
    };
    let options = match options(&form) {
        Ok(o) => o,
        Err(why) => return fail(&mut st, 400, "VALIDATION_ERROR", &why),
    };
    let Some((bytes, _, mime)) = form.file else {
        return fail(&mut st, 400, "VALIDATION_ERROR", "file is required");
    };
    if bytes.len() > st.config.max_upload_bytes {
        return fail(&mut st, 413, "VALIDATION_ERROR", "File too large");
    }
    let now = st.tick();
    let f = st.files.get_mut(&n).expect("found above");
    f.bytes = bytes;
    f.mime = mime;
    f.access = options["access"].as_str().unwrap_or_default().to_string();
    f.updated = now;
    f.replaced += 1;
    answer(StatusCode::OK, render(&st, &st.files[&n]))
}

/// "Delete file": archived, left out of searches; a second delete finds nothing.
pub async fn archive(
    State(account): State<Shared>,
    Path((_, id)): Path<(String, String)>,
) -> Response {
    let mut st = account.lock().unwrap();
    let now = st.tick();
    match find(&st, &id).and_then(|n| st.files.get_mut(&n)).filter(|f| !f.archived) {
        Some(f) => {
            f.archived = true;
            f.updated = now;
            StatusCode::NO_CONTENT.into_response()
        }
        None => fail(&mut st, 404, "OBJECT_NOT_FOUND", &format!("File {id} not found")),
    }
}

pub async fn gdpr_delete(
    State(account): State<Shared>,
    Path((_, id)): Path<(String, String)>,
) -> Response {
    let mut st = account.lock().unwrap();
    match find(&st, &id) {
        Some(n) => {
            st.files.remove(&n);
            StatusCode::NO_CONTENT.into_response()
        }
        None => fail(&mut st, 404, "OBJECT_NOT_FOUND", &format!("File {id} not found")),
    }
}

/// Files whose name contains `name`, at `path`, with `extension`; `limit` at most 100,
/// `after` an offset of at most 10,000; archived files left out.
pub async fn search(
    State(account): State<Shared>,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let mut st = account.lock().unwrap();
    let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let limit: usize = match get("limit").map(str::parse) {
        None => 10,
        Some(Ok(n)) if (1..=100).contains(&n) => n,
        Some(_) => {
            return fail(&mut st, 400, "VALIDATION_ERROR", "limit must be between 1 and 100")
        }
    };
    let after: usize = match get("after").map(str::parse) {
        None => 0,
        Some(Ok(n)) if n <= 10_000 => n,
        Some(_) => {
            return fail(
                &mut st,
                400,
                "VALIDATION_ERROR",
                "The maximum offset of items for a given search is 10000",
            )
        }
    };
    let mut found: Vec<&FakeFile> = st.files.values().filter(|f| !f.archived).collect();
    if let Some(name) = get("name") {
        let name = name.to_lowercase();
        found.retain(|f| f.name.to_lowercase().contains(&name));
    }
    if let Some(path) = get("path") {
        found.retain(|f| f.path() == path);
    }
    if let Some(ext) = get("extension") {
        found.retain(|f| f.extension.eq_ignore_ascii_case(ext));
    }
    match get("sort") {
        Some("-createdAt") => found.sort_by_key(|f| std::cmp::Reverse((f.created, f.id.clone()))),
        Some("createdAt") | None => found.sort_by_key(|f| (f.created, f.id.clone())),
        Some("name") => found.sort_by(|a, b| a.name.cmp(&b.name)),
        Some(_) => return fail(&mut st, 400, "VALIDATION_ERROR", "Unknown sort"),
    }
    let total = found.len();
    let results: Vec<Value> =
        found.iter().skip(after).take(limit).map(|f| render(&st, f)).collect();
    let mut body = json!({"results": results});
    if after + limit < total {
        let next = (after + limit).to_string();
        body["paging"] = json!({"next": {"after": next, "link": format!("?after={next}")}});
    }
    answer(StatusCode::OK, body)
}

/// The file host: public files without a token; `X-Robots-Tag: noindex` for the not
/// indexable ones.
pub async fn serve(State(account): State<Shared>, Path(path): Path<String>) -> Response {
    let st = account.lock().unwrap();
    let wanted = percent_decode_str(&path).decode_utf8_lossy().to_string();
    let prefix = format!("{}/", st.config.portal_id);
    let found = wanted.strip_prefix(&prefix).and_then(|rest| {
        st.files
            .values()
            .find(|f| !f.archived && f.access != "PRIVATE" && f.path() == format!("/{rest}"))
    });
    match found {
        Some(f) => {
            let mut r = ([("Content-Type", f.mime.clone())], f.bytes.clone()).into_response();
            if f.access == "PUBLIC_NOT_INDEXABLE" {
                r.headers_mut().insert("X-Robots-Tag", "noindex".parse().unwrap());
            }
            r
        }
        None => (StatusCode::NOT_FOUND, "Not Found").into_response(),
    }
}
