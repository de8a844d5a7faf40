//! The fake store's operations: which root fields a document asks for, their cost, and what
//! each does to the store. Arguments are read from the variables (as Folio sends them);
//! answers carry every field Folio could select.

use super::{FakeFile, Staged, Store, Version};
use serde_json::{json, Value};

/// The root fields of a document's operation (fragments and nested selections skipped).
pub fn root_fields(query: &str) -> Vec<String> {
    let mut roots = Vec::new();
    let mut depth = 0usize;
    let mut parens = 0usize;
    let mut in_fragment = false;
    let mut word = String::new();
    let mut last_word = String::new();
    let chars: Vec<char> = query.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            if !word.is_empty() {
                if depth == 0 && parens == 0 && word == "fragment" {
                    in_fragment = true;
                }
                // A field at depth 1 of the operation, not an alias (`alias: field`) or a type
                // condition (`... on X`).
                let alias = chars[i..].iter().find(|c| !c.is_whitespace()) == Some(&':');
                if depth == 1 && parens == 0 && !in_fragment && !alias && last_word != "on" {
                    roots.push(word.clone());
                }
                last_word = std::mem::take(&mut word);
            }
            match c {
                '{' => depth += 1,
                '}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        in_fragment = false;
                    }
                }
                '(' => parens += 1,
                ')' => parens = parens.saturating_sub(1),
                '#' => {
                    while i < chars.len() && chars[i] != '\n' {
                        i += 1;
                    }
                }
                '"' => {
                    i += 1;
                    while i < chars.len() && chars[i] != '"' {
                        i += usize::from(chars[i] == '\\') + 1;
                    }
                }
                _ => {}
            }
        }
        i += 1;
    }
    roots
}

/// The cost Shopify would calculate: 10 a mutation, 1 an object, a connection's `first`.
fn requested_cost(root: &str, vars: &Value) -> f64 {
    match root {
        "files" => 2.0 + vars["first"].as_f64().unwrap_or(10.0),
        "nodes" => 1.0 + vars["ids"].as_array().map_or(1, Vec::len) as f64,
        "shop" | "currentAppInstallation" | "node" | "shopLocales" => 1.0,
        _ => 10.0,
    }
}

pub fn execute(st: &mut Store, roots: &[String], vars: &Value) -> Value {
    st.refill();
    let requested: f64 = roots.iter().map(|r| requested_cost(r, vars)).sum();
    if requested > st.available {
        st.throttled += 1;
        return json!({
            "errors": [{"message": "Throttled", "extensions": {
                "code": "THROTTLED",
                "documentation": "https://shopify.dev/api/usage/rate-limits"}}],
            "extensions": {"cost": {
                "requestedQueryCost": requested,
                "actualQueryCost": null,
                "throttleStatus": st.throttle_status()}},
        });
    }
    let mut data = serde_json::Map::new();
    let mut errors = Vec::new();
    let mut actual = 0.0;
    for root in roots {
        let needs_write = root.starts_with("file") || root == "stagedUploadsCreate";
        let reads_locales = root == "shopLocales";
        let scope = match (needs_write, reads_locales) {
            (true, _) => "write_files",
            (_, true) => "read_locales",
            _ => "read_files",
        };
        let reads_files = root == "files" || root == "nodes" || root == "node";
        let scoped = needs_write || reads_files || reads_locales;
        if scoped && !st.config.scopes.iter().any(|s| s == scope) {
            errors.push(json!({
                "message": format!("Access denied for {root} field. Required access: `{scope}` access scope."),
                "extensions": {"code": "ACCESS_DENIED", "documentation": "https://shopify.dev/api/usage/access-scopes"},
                "path": [root],
            }));
            data.insert(root.clone(), Value::Null);
            continue;
        }
        let (value, cost) = match root.as_str() {
            "shop" => (
                json!({"name": st.config.shop_name, "myshopifyDomain": "folio-test.myshopify.com"}),
                1.0,
            ),
            "shopLocales" => (
                json!([{"locale": st.config.primary_locale, "primary": true, "published": true}]),
                1.0,
            ),
            "currentAppInstallation" => {
                let scopes: Vec<Value> =
                    st.config.scopes.iter().map(|s| json!({"handle": s})).collect();
                (json!({"accessScopes": scopes}), 1.0)
            }
            "stagedUploadsCreate" => (stage(st, vars), 10.0),
            "fileCreate" => (create(st, vars), 10.0),
            "fileUpdate" => (update(st, vars), 10.0),
            "fileDelete" => (delete(st, vars), 10.0),
            "fileAcknowledgeUpdateFailed" => (acknowledge(st, vars), 10.0),
            "nodes" => {
                let ids: Vec<String> = vars["ids"]
                    .as_array()
                    .map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect())
                    .unwrap_or_default();
                let nodes: Vec<Value> = ids.iter().map(|id| read(st, id)).collect();
                let n = nodes.len() as f64;
                (Value::Array(nodes), 1.0 + n)
            }
            "node" => (read(st, vars["id"].as_str().unwrap_or_default()), 1.0),
            "files" => files(st, vars),
            other => {
                errors.push(json!({
                    "message": format!("Field '{other}' doesn't exist on type 'QueryRoot'"),
                    "extensions": {"code": "undefinedField"},
                }));
                continue;
            }
        };
        actual += cost;
        data.insert(root.clone(), value);
    }
    st.available -= actual;
    st.spent += actual;
    let mut answer = json!({
        "data": data,
        "extensions": {"cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": st.throttle_status()}},
    });
    if !errors.is_empty() {
        answer["errors"] = Value::Array(errors);
    }
    answer
}

fn gid(id: u64) -> String {
    format!("gid://shopify/MediaImage/{id}")
}

fn parse_gid(id: &str) -> Option<u64> {
    id.strip_prefix("gid://shopify/MediaImage/")?.parse().ok()
}

fn user_error(field: &[&str], code: &str, message: String) -> Value {
    json!({"field": field, "code": code, "message": message})
}

fn extension(name: &str) -> String {
    name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default()
}

fn file_json(st: &Store, f: &FakeFile) -> Value {
    let image = f.served.as_ref().filter(|_| f.status == "READY").map(
        |v| json!({"url": format!("{}/cdn/shop/files/{}?v={}", st.base, f.filename, v.number)}),
    );
    let errors: Vec<Value> = f
        .errors
        .iter()
        .map(|(code, details)| json!({"code": code, "details": details, "message": details}))
        .collect();
    json!({
        "__typename": "MediaImage",
        "id": gid(f.id),
        "alt": f.alt,
        "fileStatus": f.status,
        "fileErrors": errors,
        "mimeType": f.current.mime,
        "image": image,
        "createdAt": "2026-12-06T10:00:00Z",
    })
}

/// Reading a file moves its processing on: a few reads after each change, it is done.
fn read(st: &mut Store, id: &str) -> Value {
    let stalled = st.stalled;
    let Some(f) = parse_gid(id).and_then(|n| st.files.get_mut(&n)) else { return Value::Null };
    if matches!(f.status, "UPLOADED" | "PROCESSING") && !stalled {
        if f.reads_left > 0 {
            f.reads_left -= 1;
            f.status = "PROCESSING";
        } else {
            process(f, &mut st.fail_processing);
        }
    }
    let f = st.files[&parse_gid(id).unwrap()].clone();
    file_json(st, &f)
}

fn is_image(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xFF, 0xD8, 0xFF])
        || bytes.starts_with(b"\x89PNG")
        || bytes.starts_with(b"GIF8")
        || (bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP")
}

fn process(f: &mut FakeFile, fail: &mut u32) {
    let failure = if !f.fetched {
        Some(("IMAGE_DOWNLOAD_FAILURE", "The original source could not be downloaded"))
    } else if *fail > 0 {
        *fail -= 1;
        Some(("IMAGE_PROCESSING_FAILURE", "Image processing failed"))
    } else if !is_image(&f.current.bytes) {
        Some(("UNSUPPORTED_IMAGE_FILE_TYPE", "Unsupported image file type"))
    } else {
        None
    };
    match failure {
        Some((code, details)) => {
            f.status = "FAILED";
            f.update_failed = f.served.is_some();
            f.errors = vec![(code.into(), details.into())];
        }
        None => {
            f.status = "READY";
            f.served = Some(f.current.clone());
        }
    }
}

fn list(vars: &Value, key: &str) -> Vec<Value> {
    vars[key].as_array().cloned().unwrap_or_default()
}

fn stage(st: &mut Store, vars: &Value) -> Value {
    let mut targets = Vec::new();
    for input in list(vars, "input") {
        let filename = input["filename"].as_str().unwrap_or_default().to_string();
        let mime = input["mimeType"].as_str().unwrap_or_default().to_string();
        if filename.is_empty() || !matches!(input["resource"].as_str(), Some("IMAGE" | "FILE")) {
            return json!({"stagedTargets": null, "userErrors": [user_error(&["input"], "INVALID", "filename and an IMAGE or FILE resource are required".into())]});
        }
        st.next += 1;
        let key = format!("tmp/{}/files/{}", st.next, filename);
        let signature = format!("{:x}", st.next.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let resource = format!("{}/staged-uploads/{key}", st.base);
        let post = input["httpMethod"].as_str() == Some("POST");
        let parameters = if post {
            json!([
                {"name": "Content-Type", "value": mime},
                {"name": "success_action_status", "value": "201"},
                {"name": "acl", "value": "private"},
                {"name": "key", "value": key},
                {"name": "x-goog-date", "value": "20261206T100000Z"},
                {"name": "x-goog-credential", "value": "fake-uploads@shopify.iam/20261206/auto/storage/goog4_request"},
                {"name": "x-goog-algorithm", "value": "GOOG4-RSA-SHA256"},
                {"name": "x-goog-signature", "value": signature},
                {"name": "policy", "value": "eyJjb25kaXRpb25zIjpbXX0="},
            ])
        } else {
            json!([{"name": "content_type", "value": mime}, {"name": "acl", "value": "private"}])
        };
        let url = if post { format!("{}/staged-uploads", st.base) } else { resource.clone() };
        st.staged.insert(key, Staged { mime, signature, bytes: None });
        targets.push(json!({"url": url, "resourceUrl": resource, "parameters": parameters}));
    }
    json!({"stagedTargets": targets, "userErrors": []})
}

/// The staged bytes behind an `originalSource`, if it is one of this store's.
fn source_bytes(st: &Store, source: &str) -> Option<(Staged, Vec<u8>)> {
    let key = source.strip_prefix(&format!("{}/staged-uploads/", st.base))?;
    let staged = st.staged.get(key)?;
    Some((staged.clone(), staged.bytes.clone()?))
}

fn create(st: &mut Store, vars: &Value) -> Value {
    let mut made = Vec::new();
    for (i, input) in list(vars, "files").into_iter().enumerate() {
        let source = input["originalSource"].as_str().unwrap_or_default();
        let fetched = source_bytes(st, source);
        let source_name = source.rsplit('/').next().unwrap_or("file").to_string();
        let mut filename = input["filename"].as_str().map_or(source_name.clone(), String::from);
        let alt = input["alt"].as_str().unwrap_or_default().to_string();
        let field = |f: &str| vec!["files".to_string(), i.to_string(), f.to_string()];
        let refuse = |f: &str, code: &str, message: String| {
            let path = field(f);
            let path: Vec<&str> = path.iter().map(String::as_str).collect();
            json!({"files": null, "userErrors": [user_error(&path, code, message)]})
        };
        if alt.chars().count() > 512 {
            return refuse(
                "alt",
                "ALT_VALUE_LIMIT_EXCEEDED",
                "The alt value exceeds the maximum limit of 512 characters.".into(),
            );
        }
        if extension(&filename) != extension(&source_name) {
            return refuse(
                "filename",
                "MISMATCHED_FILENAME_AND_ORIGINAL_SOURCE",
                "The filename extension must match the original source's.".into(),
            );
        }
        if st.files.values().any(|f| f.filename == filename) {
            match input["duplicateResolutionMode"].as_str().unwrap_or("APPEND_UUID") {
                "RAISE_ERROR" => {
                    return refuse(
                        "filename",
                        "FILENAME_ALREADY_EXISTS",
                        format!("The filename {filename} already exists."),
                    )
                }
                "APPEND_UUID" => {
                    let (stem, ext) = filename.rsplit_once('.').unwrap_or((&filename, ""));
                    filename =
                        format!("{stem}_{:08x}-7c2e-4d1a-9b3f-{:012x}.{ext}", st.next, st.next);
                }
                _ => {}
            }
        }
        st.next += 1;
        let (mime, bytes) = fetched
            .as_ref()
            .map_or((String::new(), Vec::new()), |(s, b)| (s.mime.clone(), b.clone()));
        let number = st.next;
        let file = FakeFile {
            id: st.next,
            filename,
            alt,
            status: "UPLOADED",
            current: Version { bytes, mime, number },
            served: None,
            errors: Vec::new(),
            reads_left: st.config.processing_reads,
            fetched: fetched.is_some(),
            update_failed: false,
            updates: 0,
        };
        made.push(file_json(st, &file));
        st.files.insert(file.id, file);
    }
    json!({"files": made, "userErrors": []})
}

fn update(st: &mut Store, vars: &Value) -> Value {
    let mut updated = Vec::new();
    for (i, input) in list(vars, "files").into_iter().enumerate() {
        let id = input["id"].as_str().unwrap_or_default();
        let index = i.to_string();
        let refuse = |code: &str, message: String| json!({"files": null, "userErrors": [user_error(&["files", &index, "id"], code, message)]});
        let Some(n) = parse_gid(id).filter(|n| st.files.contains_key(n)) else {
            return refuse("FILE_DOES_NOT_EXIST", format!("File id {id} does not exist."));
        };
        let source = input["originalSource"].as_str().map(String::from);
        let fetched = source.as_deref().and_then(|s| source_bytes(st, s));
        let f = st.files.get_mut(&n).unwrap();
        if let Some(alt) = input["alt"].as_str() {
            f.alt = alt.to_string();
        }
        if let Some(source) = source {
            if f.status != "READY" {
                return refuse("NON_READY_STATE", "Non-ready files can't be updated.".into());
            }
            let source_name = source.rsplit('/').next().unwrap_or_default();
            if extension(source_name) != extension(&f.filename) {
                return refuse(
                    "INVALID_FILENAME_EXTENSION",
                    "The original source must have the same file extension as the existing file."
                        .into(),
                );
            }
            let (mime, bytes) = fetched
                .as_ref()
                .map_or((f.current.mime.clone(), Vec::new()), |(s, b)| (s.mime.clone(), b.clone()));
            st.next += 1;
            let f = st.files.get_mut(&n).unwrap();
            f.current = Version { bytes, mime, number: st.next };
            f.fetched = fetched.is_some();
            f.status = "UPLOADED";
            f.reads_left = st.config.processing_reads;
            f.updates += 1;
        }
        let f = st.files[&n].clone();
        updated.push(file_json(st, &f));
    }
    json!({"files": updated, "userErrors": []})
}

fn delete(st: &mut Store, vars: &Value) -> Value {
    let ids = list(vars, "fileIds");
    let ids = if ids.is_empty() { list(vars, "ids") } else { ids };
    let mut deleted = Vec::new();
    for id in ids {
        let id = id.as_str().unwrap_or_default();
        match parse_gid(id).and_then(|n| st.files.remove(&n)) {
            Some(_) => deleted.push(id.to_string()),
            None => {
                return json!({"deletedFileIds": null, "userErrors": [user_error(&["fileIds"], "FILE_DOES_NOT_EXIST", format!("File id {id} does not exist."))]})
            }
        }
    }
    json!({"deletedFileIds": deleted, "userErrors": []})
}

fn acknowledge(st: &mut Store, vars: &Value) -> Value {
    let ids = list(vars, "fileIds");
    let ids = if ids.is_empty() { list(vars, "ids") } else { ids };
    let mut files = Vec::new();
    for id in ids {
        let id = id.as_str().unwrap_or_default();
        let Some(f) = parse_gid(id).and_then(|n| st.files.get_mut(&n)) else {
            return json!({"files": null, "userErrors": [user_error(&["fileIds"], "FILE_DOES_NOT_EXIST", format!("File id {id} does not exist."))]});
        };
        if f.status != "FAILED" || !f.update_failed {
            return json!({"files": null, "userErrors": [user_error(&["fileIds"], "NON_READY_STATE", format!("File id {id} has no failed update to acknowledge."))]});
        }
        f.current = f.served.clone().expect("an update failed over a served version");
        f.status = "READY";
        f.errors.clear();
        f.update_failed = false;
        let f = f.clone();
        files.push(file_json(st, &f));
    }
    json!({"files": files, "userErrors": []})
}

/// Whether a `filename:` search for `searched` finds `name`: the whole name, or any word of
/// it (three letters or more, the extension aside), so `harbour-at-dusk-1a2b3c4d.webp` finds
/// `harbour-at-dusk.webp` and `dusk-edit.webp` too.
fn named_alike(name: &str, searched: &str) -> bool {
    let words = |n: &str| -> Vec<String> {
        let stem = n.rsplit_once('.').map_or(n, |(stem, _)| stem);
        stem.split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.chars().count() >= 3)
            .map(str::to_lowercase)
            .collect()
    };
    let wanted = words(searched);
    name.contains(searched) || words(name).iter().any(|w| wanted.contains(w))
}

/// `files(first, after, query)`: newest first; `filename:` and `media_type:` filters.
fn files(st: &mut Store, vars: &Value) -> (Value, f64) {
    let first = vars["first"].as_u64().unwrap_or(10).min(250) as usize;
    let query = vars["query"].as_str().unwrap_or_default().to_string();
    let after: Option<u64> =
        vars["after"].as_str().and_then(|c| c.strip_prefix("cursor:")?.parse().ok());
    let matches = |f: &FakeFile| {
        query.split_whitespace().all(|term| match term.split_once(':') {
            // Shopify's filename search matches words of the name, not only the whole name.
            Some(("filename", v)) => named_alike(&f.filename, v.trim_matches(['\'', '"'])),
            Some(("media_type", v)) => v.eq_ignore_ascii_case("IMAGE"),
            Some(("status", v)) => f.status.eq_ignore_ascii_case(v),
            _ => true,
        })
    };
    let ids: Vec<u64> = st
        .files
        .values()
        .rev()
        .filter(|f| matches(f))
        .map(|f| f.id)
        .filter(|id| after.is_none_or(|a| *id < a))
        .collect();
    let page: Vec<u64> = ids.iter().take(first).copied().collect();
    let nodes: Vec<Value> = page.iter().map(|id| read(st, &gid(*id))).collect();
    let edges: Vec<Value> = page
        .iter()
        .zip(&nodes)
        .map(|(id, n)| json!({"cursor": format!("cursor:{id}"), "node": n}))
        .collect();
    let cost = 2.0 + nodes.len() as f64;
    let connection = json!({
        "nodes": nodes,
        "edges": edges,
        "pageInfo": {
            "hasNextPage": ids.len() > page.len(),
            "hasPreviousPage": after.is_some(),
            "startCursor": page.first().map(|id| format!("cursor:{id}")),
            "endCursor": page.last().map(|id| format!("cursor:{id}")),
        },
    });
    (connection, cost)
}

#[cfg(test)]
mod tests {
    use super::root_fields;

    #[test]
    fn root_fields_skip_fragments_aliases_and_nested_fields() {
        let q = "mutation M($f: [FileCreateInput!]!) { fileCreate(files: $f) { files { ...F } } }
                 fragment F on File { id ... on MediaImage { image { url } } }";
        assert_eq!(root_fields(q), vec!["fileCreate"]);
        let q = "query { shop { name } currentAppInstallation { accessScopes { handle } } }";
        assert_eq!(root_fields(q), vec!["shop", "currentAppInstallation"]);
        let q = "fragment F on File { id } query Q($ids: [ID!]!) { n: nodes(ids: $ids) { ...F } }";
        assert_eq!(root_fields(q), vec!["nodes"]);
    }
}
