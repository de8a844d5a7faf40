//! The fake's REST API v1.1 routes, as the endpoint declarations describe them.

use super::{error, FakeBlog, FakeMedia, FilePart, Input, Library};
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

fn ok(body: Value) -> Response {
    axum::Json(body).into_response()
}

fn unknown_media() -> Response {
    error(404, "unknown_media", "Unknown Media")
}

fn blog_json(b: &FakeBlog) -> Value {
    json!({"ID": b.id, "name": b.name, "URL": format!("https://{}", b.domain), "jetpack": false})
}

/// The type WordPress gives a file by its extension; AVIF and anything else are not allowed
/// (`wp_check_filetype_and_ext`).
fn allowed_type(name: &str) -> Option<&'static str> {
    let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match ext.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        _ => return None,
    })
}

/// `sanitize_file_name`: no spaces or special characters.
fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '-' })
        .collect()
}

/// FNV-1a, standing in for the `crc32` of the base name an edited file's name carries.
fn seed(base: &str) -> u32 {
    base.bytes().fold(0x811c_9dc5, |h: u32, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
}

fn date(id: u64) -> String {
    format!("2026-01-01T{:02}:{:02}:{:02}+00:00", id / 3600 % 24, id / 60 % 60, id % 60)
}

impl Library {
    fn folder(&self) -> String {
        format!("/files/{}/2026/01", self.config.blog.domain)
    }

    fn url(&self, file: &str) -> String {
        format!("{}{}/{file}", self.base, self.folder())
    }

    fn render(&self, m: &FakeMedia) -> Value {
        let url = self.url(&m.file);
        let ext = m.file.rsplit_once('.').map_or("", |(_, e)| e);
        json!({
            "ID": m.id, "URL": url, "guid": url, "date": date(m.id), "post_ID": 0,
            "author_ID": self.config.user_id, "file": m.file, "mime_type": m.mime,
            "extension": ext, "title": m.title, "caption": m.caption,
            "description": m.description, "alt": m.alt, "icon": "",
            "thumbnails": {
                "thumbnail": format!("{url}?w=150&h=150"),
                "medium": format!("{url}?w=300"),
                "large": format!("{url}?w=1024"),
            },
            "height": 24, "width": 32, "exif": {},
        })
    }

    /// `wp_unique_filename`: `-1`, `-2`, … while the name is taken in the month's folder.
    fn unique(&self, name: &str) -> String {
        let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
        let taken = |n: &str| self.files.contains_key(&format!("{}/{n}", self.folder()));
        let mut candidate = name.to_string();
        let mut i = 1;
        while taken(&candidate) {
            candidate = format!("{stem}-{i}.{ext}");
            i += 1;
        }
        candidate
    }

    fn store(&mut self, file: &str, bytes: Vec<u8>, mime: &str) {
        let path = format!("{}/{file}", self.folder());
        self.files.insert(path, (bytes, mime.to_string()));
    }
}

pub fn route(st: &mut Library, method: &Method, rest: &str, input: &Input) -> Response {
    let parts: Vec<&str> = rest.split('/').collect();
    match (method, parts.as_slice()) {
        (&Method::GET, ["me"]) => {
            let c = &st.config;
            return ok(json!({
                "ID": c.user_id, "username": c.username, "display_name": c.display_name,
                "email": format!("{}@example.com", c.username), "primary_blog": c.blog.id,
                "primary_blog_url": format!("https://{}", c.blog.domain),
            }));
        }
        (&Method::GET, ["me", "sites"]) => {
            let c = &st.config;
            let sites: Vec<Value> =
                std::iter::once(&c.blog).chain(&c.other_sites).map(blog_json).collect();
            return ok(json!({"sites": sites}));
        }
        _ => {}
    }
    let (site, rest) = match parts.as_slice() {
        ["sites", site, rest @ ..] => (*site, rest),
        _ => return error(404, "unknown_endpoint", "Unknown endpoint"),
    };
    let names = |b: &FakeBlog| site == b.domain || site == b.id.to_string();
    if !names(&st.config.blog) {
        return if st.config.other_sites.iter().any(names) {
            error(403, "unauthorized", "User cannot access this private blog.")
        } else {
            error(404, "unknown_blog", "Unknown blog")
        };
    }
    match (method, rest) {
        (&Method::GET, []) => {
            let max = st.config.max_upload_bytes;
            let mut site = blog_json(&st.config.blog);
            site["options"] = json!({
                "max_upload_size": max,
                "allowed_file_types": ["jpg", "jpeg", "png", "gif", "webp", "pdf", "doc", "key"],
            });
            ok(site)
        }
        (&Method::GET, ["media"]) => list(st, input),
        (&Method::POST, ["media", "new"]) => upload(st, input),
        (&Method::GET, ["media", id]) => {
            match id.parse().ok().and_then(|id: u64| st.media.get(&id)) {
                Some(m) => ok(st.render(m)),
                None => unknown_media(),
            }
        }
        (&Method::POST, ["media", id]) => update(st, id, input, ""),
        (&Method::POST, ["media", id, "edit"]) => edit(st, id, input),
        (&Method::POST, ["media", id, "delete"]) => delete(st, id),
        _ => error(404, "unknown_endpoint", "Unknown endpoint"),
    }
}

fn list(st: &Library, input: &Input) -> Response {
    let number: i64 = input.get("number").and_then(|n| n.parse().ok()).unwrap_or(20);
    let number = if number < 1 { 20 } else { number as usize };
    if number > 100 {
        return error(
            400,
            "invalid_number",
            "The NUMBER parameter must be less than or equal to 100.",
        );
    }
    let ascending = input.get("order").is_some_and(|o| o.eq_ignore_ascii_case("ASC"));
    // Dates follow ids here, so ordering by date (the default) is ordering by id.
    let mut found: Vec<&FakeMedia> = st.media.values().collect();
    if !ascending {
        found.reverse();
    }
    if let Some(mime) = input.get("mime_type").filter(|m| !m.is_empty()) {
        found.retain(|m| m.mime.starts_with(mime));
    }
    // WP_Query's `s`: title, caption (excerpt) and description (content); not the file name.
    if let Some(words) = input.get("search").filter(|s| !s.is_empty()) {
        let words = words.to_lowercase();
        found.retain(|m| {
            [&m.title, &m.caption, &m.description].iter().any(|t| t.to_lowercase().contains(&words))
        });
    }
    if let Some(handle) = input.get("page_handle") {
        let h: Vec<(String, String)> =
            url::form_urlencoded::parse(handle.as_bytes()).into_owned().collect();
        let after = h.iter().find(|(k, _)| k == "id").and_then(|(_, v)| v.parse::<u64>().ok());
        if let Some(after) = after {
            found.retain(|m| if ascending { m.id > after } else { m.id < after });
        }
    }
    let total = found.len();
    let page: Vec<&FakeMedia> = found.into_iter().take(number).collect();
    let mut body = json!({
        "found": total,
        "media": page.iter().map(|m| st.render(m)).collect::<Vec<_>>(),
    });
    if let Some(last) = page.last().filter(|_| total > page.len()) {
        let handle = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("value", &date(last.id))
            .append_pair("id", &last.id.to_string())
            .finish();
        body["meta"] = json!({"next_page": handle});
    }
    ok(body)
}

fn upload(st: &mut Library, input: &Input) -> Response {
    let files: Vec<&FilePart> =
        input.files.iter().filter(|f| f.field == "media[]" || f.field == "media").collect();
    if files.is_empty() {
        return error(400, "invalid_input", "No media provided in input.");
    }
    let mut made = Vec::new();
    let mut errors = Vec::new();
    for (i, f) in files.into_iter().enumerate() {
        let attr = |name: &str| input.get(&format!("attrs[{i}][{name}]")).map(str::to_string);
        let refuse = |code: &str, message: String| json!({"file": f.name, "error": code, "message": message});
        let Some(mime) = allowed_type(&f.name) else {
            errors.push(refuse(
                "upload_error",
                "Sorry, you are not allowed to upload this file type.".into(),
            ));
            continue;
        };
        if f.bytes.len() > st.config.max_upload_bytes {
            let kb = st.config.max_upload_bytes / 1024;
            errors.push(refuse(
                "rest_upload_file_too_big",
                format!("This file is too big. Files must be less than {kb} KB in size."),
            ));
            continue;
        }
        let file = st.unique(&sanitize(&f.name));
        let stem = file.rsplit_once('.').map_or(file.as_str(), |(s, _)| s).to_string();
        let id = st.next;
        st.next += 1;
        st.creates += 1;
        st.store(&file, f.bytes.clone(), mime);
        let m = FakeMedia {
            id,
            // WordPress titles a file by its name until given a title.
            title: attr("title").unwrap_or_else(|| stem.clone()),
            caption: attr("caption").unwrap_or_default(),
            description: attr("description").unwrap_or_default(),
            alt: attr("alt").unwrap_or_default(),
            file,
            original: stem,
            mime: mime.to_string(),
            revisions: Vec::new(),
        };
        made.push(st.render(&m));
        st.media.insert(id, m);
    }
    if made.is_empty() {
        return (axum::http::StatusCode::BAD_REQUEST, axum::Json(json!({"errors": errors})))
            .into_response();
    }
    let mut body = json!({"media": made});
    if !errors.is_empty() {
        body["errors"] = errors.into();
    }
    ok(body)
}

/// The update endpoint's fields (`title`, `caption`, `description`, `alt`), read under
/// `prefix` (the edit endpoint's `attrs`).
fn update(st: &mut Library, id: &str, input: &Input, prefix: &str) -> Response {
    let Some(m) = id.parse().ok().and_then(|id: u64| st.media.get_mut(&id)) else {
        return unknown_media();
    };
    let field = |name: &str| {
        let key = if prefix.is_empty() { name.to_string() } else { format!("{prefix}[{name}]") };
        input.get(&key).map(str::to_string)
    };
    if let Some(v) = field("title") {
        m.title = v;
    }
    if let Some(v) = field("caption") {
        m.caption = v;
    }
    if let Some(v) = field("description") {
        m.description = v;
    }
    if let Some(v) = field("alt") {
        m.alt = v;
    }
    let m = m.clone();
    ok(st.render(&m))
}

/// A new file for the same item: named `{original}-{seed}-{number}.{ext}` (so a new URL),
/// the old one kept in the revision history and still served.
fn edit(st: &mut Library, id: &str, input: &Input) -> Response {
    let Some(mid) = id.parse::<u64>().ok().filter(|id| st.media.contains_key(id)) else {
        return unknown_media();
    };
    if let Some(f) = input.files.iter().find(|f| f.field == "media") {
        let Some(mime) = allowed_type(&f.name) else {
            return error(403, "invalid_input", "Invalid file type.");
        };
        let ext = f.name.rsplit_once('.').map_or("", |(_, e)| e).to_ascii_lowercase();
        let original = st.media[&mid].original.clone();
        let n = st.next;
        st.next += 1;
        let file = st.unique(&format!("{original}-{}-{n}.{ext}", seed(&original)));
        st.store(&file, f.bytes.clone(), mime);
        let m = st.media.get_mut(&mid).expect("checked above");
        let old = std::mem::replace(&mut m.file, file);
        m.revisions.push(old);
        if m.revisions.len() > 5 {
            m.revisions.remove(0);
        }
        m.mime = mime.to_string();
        update(st, id, input, "attrs");
    }
    let mut answer = update(st, id, input, "");
    let revisions: Vec<Value> = st.media[&mid]
        .revisions
        .iter()
        .rev()
        .map(|f| json!({"URL": st.url(f), "file": f}))
        .collect();
    if !revisions.is_empty() {
        let mut body = st.render(&st.media[&mid]);
        body["revision_history"] = json!({"items": revisions});
        answer = ok(body);
    }
    answer
}

/// For good: "Media is deleted and not trashed", its files with it.
fn delete(st: &mut Library, id: &str) -> Response {
    let Some(m) = id.parse().ok().and_then(|id: u64| st.media.remove(&id)) else {
        return unknown_media();
    };
    let folder = st.folder();
    for f in m.revisions.iter().chain(std::iter::once(&m.file)) {
        st.files.remove(&format!("{folder}/{f}"));
    }
    let mut body = st.render(&m);
    body["status"] = "deleted".into();
    ok(body)
}
