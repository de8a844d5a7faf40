//! The companion site (`FOLIO_WPC_*`, the second site tests/with-wordpress.sh starts) and the
//! photos, uploads and users the companion tests share.
#![allow(dead_code)]

use folio_convert::{convert, OutputFormat, Preset};
use folio_sites::wordpress::WordPress;
use folio_sites::{Destination, MediaFields, RemoteId, RemoteMedia, Upload};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::path::PathBuf;

pub struct Site {
    pub url: String,
    pub user: String,
    pub password: String,
    /// The WordPress folder on disk, to look at `uploads/`.
    pub root: PathBuf,
}

pub fn site() -> Option<Site> {
    let get = |k| std::env::var(k).ok();
    match (
        get("FOLIO_WPC_URL"),
        get("FOLIO_WPC_USER"),
        get("FOLIO_WPC_APP_PASSWORD"),
        get("FOLIO_WPC_DIR"),
    ) {
        (Some(url), Some(user), Some(password), Some(root)) => {
            Some(Site { url, user, password, root: root.into() })
        }
        _ if std::env::var_os("FOLIO_REQUIRE_WP").is_some() => {
            panic!("FOLIO_REQUIRE_WP is set but the companion site (FOLIO_WPC_*) is not")
        }
        _ => {
            eprintln!("SKIP: no companion WordPress (run under tests/with-wordpress.sh)");
            None
        }
    }
}

impl Site {
    pub fn client(&self) -> WordPress {
        WordPress::new(&self.url, &self.user, &self.password).unwrap()
    }
    pub fn http(&self) -> reqwest::Client {
        reqwest::Client::new()
    }
    pub fn route(&self, route: &str) -> String {
        format!("{}/wp-json{route}", self.url)
    }
    /// The attachment as WordPress stores it (context=edit: media_details, meta).
    pub async fn attachment(&self, id: u64) -> serde_json::Value {
        let r = self
            .http()
            .get(self.route(&format!("/wp/v2/media/{id}")))
            .query(&[("context", "edit")])
            .basic_auth(&self.user, Some(&self.password))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.status());
        serde_json::from_slice(&r.bytes().await.unwrap()).unwrap()
    }
    /// Every file in the attachment's uploads folder that belongs to it (its name's stem).
    pub fn files_of(&self, attachment: &serde_json::Value) -> BTreeSet<String> {
        let rel = attachment["media_details"]["file"].as_str().unwrap();
        let main = self.root.join("wp-content/uploads").join(rel);
        let stem = main.file_stem().unwrap().to_string_lossy().into_owned();
        std::fs::read_dir(main.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(&format!("{stem}.")) || n.starts_with(&format!("{stem}-")))
            .collect()
    }
}

/// The files an attachment's metadata says it has: the original and each sub-size.
pub fn expected_files(attachment: &serde_json::Value) -> BTreeSet<String> {
    let details = &attachment["media_details"];
    let main = details["file"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
    let mut files: BTreeSet<String> = details["sizes"]
        .as_object()
        .unwrap()
        .values()
        .map(|s| s["file"].as_str().unwrap().to_string())
        .collect();
    files.insert(main);
    files
}

pub async fn served_sha(url: &str) -> String {
    // A query string defeats any cache between us and PHP's file server.
    let bytes =
        reqwest::get(format!("{url}?v={}", unique(""))).await.unwrap().bytes().await.unwrap();
    sha(&bytes)
}

/// A WordPress attachment id, as the plugin's routes take it.
pub fn n(id: &RemoteId) -> u64 {
    id.as_str().parse().unwrap()
}

pub fn sha(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

pub fn unique(prefix: &str) -> String {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{prefix}{nanos:x}")
}

pub fn photo(width: u32, height: u32, shade: u8, format: OutputFormat) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([shade, (x * 255 / width) as u8, (y * 255 / height) as u8])
    });
    let mut png = std::io::Cursor::new(Vec::new());
    img.write_to(&mut png, image::ImageFormat::Png).unwrap();
    let preset = Preset { format, ..Preset::default() };
    convert(&png.into_inner(), &preset).unwrap().bytes
}

pub fn webp(width: u32, height: u32, shade: u8) -> Vec<u8> {
    photo(width, height, shade, OutputFormat::Webp)
}

pub async fn upload(wp: &WordPress, name: &str, bytes: &[u8], source: Option<&str>) -> RemoteMedia {
    let slug = unique("companion-");
    wp.upload(Upload {
        bytes,
        filename: &format!("{name}.webp"),
        mime: "image/webp",
        key: &slug,
        fields: &MediaFields { title: Some(name.into()), ..MediaFields::default() },
        source,
    })
    .await
    .unwrap()
    .ready()
    .unwrap()
}

pub fn replacement<'a>(bytes: &'a [u8], mime: &'a str, fields: &'a MediaFields) -> Upload<'a> {
    Upload { bytes, filename: "new.webp", mime, key: "unused", fields, source: None }
}

/// A Contributor (no `upload_files`) with their own Application Password.
pub async fn contributor(site: &Site) -> (String, String) {
    user(site, "contributor").await
}

/// A new user with `role` and their own Application Password: (login, password).
pub async fn user(site: &Site, role: &str) -> (String, String) {
    let login = unique(role);
    let user: serde_json::Value = site
        .http()
        .post(site.route("/wp/v2/users"))
        .basic_auth(&site.user, Some(&site.password))
        .json(&serde_json::json!({
            "username": login, "email": format!("{login}@example.test"),
            "password": unique("pw-"), "roles": [role]
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = user["id"].as_u64().unwrap_or_else(|| panic!("creating a user: {user}"));
    let app: serde_json::Value = site
        .http()
        .post(site.route(&format!("/wp/v2/users/{id}/application-passwords")))
        .basic_auth(&site.user, Some(&site.password))
        .json(&serde_json::json!({ "name": "folio-test" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (login, app["password"].as_str().unwrap().to_string())
}

/// `POST /folio/v1/media/<id>/file` with `bytes`, as `who` (None: no credentials).
pub async fn post_file(
    site: &Site,
    id: u64,
    bytes: Vec<u8>,
    who: Option<(&str, &str)>,
    headers: &[(&str, &str)],
) -> (u16, serde_json::Value) {
    let mut req = site
        .http()
        .post(site.route(&format!("/folio/v1/media/{id}/file")))
        .header("Content-Type", "image/webp")
        .header("Content-Disposition", "attachment; filename=\"x.webp\"")
        .body(bytes);
    if let Some((login, password)) = who {
        req = req.basic_auth(login, Some(password));
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(serde_json::Value::Null))
}
