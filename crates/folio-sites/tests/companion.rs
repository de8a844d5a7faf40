//! The companion plugin on the real WordPress (the second site tests/with-wordpress.sh starts,
//! `FOLIO_WPC_*`): replace in place keeps the id and URL, regenerates sub-sizes without
//! leftovers, refuses another type (409) and other people's items (403), stays consistent under
//! concurrent replaces, and keeps serving the old image when PHP dies half-way.

use folio_convert::{convert, OutputFormat, Preset};
use folio_sites::wordpress::WordPress;
use folio_sites::DeleteMode;
use folio_sites::{Destination, MediaFields, RemoteId, RemoteMedia, SiteErrorCode, Upload};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::path::PathBuf;

struct Site {
    url: String,
    user: String,
    password: String,
    /// The WordPress folder on disk, to look at `uploads/`.
    root: PathBuf,
}

fn site() -> Option<Site> {
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
    fn client(&self) -> WordPress {
        WordPress::new(&self.url, &self.user, &self.password).unwrap()
    }
    fn http(&self) -> reqwest::Client {
        reqwest::Client::new()
    }
    fn route(&self, route: &str) -> String {
        format!("{}/wp-json{route}", self.url)
    }
    /// The attachment as WordPress stores it (context=edit: media_details, meta).
    async fn attachment(&self, id: u64) -> serde_json::Value {
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
    fn files_of(&self, attachment: &serde_json::Value) -> BTreeSet<String> {
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
fn expected_files(attachment: &serde_json::Value) -> BTreeSet<String> {
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

async fn served_sha(url: &str) -> String {
    // A query string defeats any cache between us and PHP's file server.
    let bytes =
        reqwest::get(format!("{url}?v={}", unique(""))).await.unwrap().bytes().await.unwrap();
    sha(&bytes)
}

/// A WordPress attachment id, as the plugin's routes take it.
fn n(id: &RemoteId) -> u64 {
    id.as_str().parse().unwrap()
}

fn sha(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

fn unique(prefix: &str) -> String {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{prefix}{nanos:x}")
}

fn photo(width: u32, height: u32, shade: u8, format: OutputFormat) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([shade, (x * 255 / width) as u8, (y * 255 / height) as u8])
    });
    let mut png = std::io::Cursor::new(Vec::new());
    img.write_to(&mut png, image::ImageFormat::Png).unwrap();
    let preset = Preset { format, ..Preset::default() };
    convert(&png.into_inner(), &preset).unwrap().bytes
}

fn webp(width: u32, height: u32, shade: u8) -> Vec<u8> {
    photo(width, height, shade, OutputFormat::Webp)
}

async fn upload(wp: &WordPress, name: &str, bytes: &[u8], source: Option<&str>) -> RemoteMedia {
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

fn replacement<'a>(bytes: &'a [u8], mime: &'a str, fields: &'a MediaFields) -> Upload<'a> {
    Upload { bytes, filename: "new.webp", mime, key: "unused", fields, source: None }
}

#[tokio::test]
async fn probe_finds_the_plugin_and_its_limits() {
    let Some(site) = site() else { return };
    let caps = site.client().probe().await.unwrap();
    assert!(caps.replace_in_place);
    assert_eq!(caps.notes, vec!["companion plugin 1.0.0".to_string()]);
    // tests/wordpress/start.sh runs PHP with upload_max_filesize=256M.
    assert_eq!(caps.max_upload_bytes, Some(256 * 1024 * 1024));
}

#[tokio::test]
async fn replace_keeps_id_and_url_serves_the_new_bytes_and_leaves_no_old_files() {
    let Some(site) = site() else { return };
    let wp = site.client();
    let name = unique("keep");
    let source = format!("{{\"album\":\"{name}\",\"content\":\"c1\"}}");
    let before = upload(&wp, &name, &webp(1600, 1200, 20), Some(&source)).await;
    let old = site.attachment(n(&before.id)).await;
    assert_eq!(old["meta"]["folio_source"], source.as_str(), "source identity set on upload");
    assert_eq!(site.files_of(&old), expected_files(&old));

    // Portrait instead of landscape: every sub-size gets another name, so a leftover shows.
    let new_bytes = webp(1200, 1600, 200);
    let fields = MediaFields { alt_text: Some("New alt".into()), ..MediaFields::default() };
    let replaced = wp
        .replace_file(n(&before.id), &replacement(&new_bytes, "image/webp", &fields))
        .await
        .unwrap();
    assert_eq!(replaced.media.id, before.id);
    assert_eq!(replaced.media.url, before.url, "the URL is kept");
    assert_eq!(replaced.sha256, sha(&new_bytes));
    assert_eq!(replaced.bytes, new_bytes.len() as u64);
    assert_eq!(replaced.media.alt_text, "New alt");
    assert_eq!(served_sha(&before.url).await, sha(&new_bytes), "the new bytes are served");

    let after = site.attachment(n(&before.id)).await;
    assert_eq!(
        (after["media_details"]["width"].as_u64(), after["media_details"]["height"].as_u64()),
        (Some(1200), Some(1600))
    );
    assert_ne!(after["modified_gmt"], old["modified_gmt"], "post_modified is bumped");
    let on_disk = site.files_of(&after);
    assert_eq!(on_disk, expected_files(&after), "uploads/ holds exactly the new version's files");
    assert!(on_disk.iter().any(|f| f.contains("-225x300.")), "sub-sizes regenerated: {on_disk:?}");
    assert!(!on_disk.iter().any(|f| f.contains("-300x225.")), "old sub-size left: {on_disk:?}");
    assert!(!on_disk.iter().any(|f| f.contains("-scaled") || f.contains("-rotated")));

    // The source identity finds the item again, by exact query and in the plugin's listing.
    let found: serde_json::Value = site
        .http()
        .get(site.route("/wp/v2/media"))
        .query(&[("folio_source", source.as_str()), ("context", "edit")])
        .basic_auth(&site.user, Some(&site.password))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<u64> =
        found.as_array().unwrap().iter().map(|m| m["id"].as_u64().unwrap()).collect();
    assert_eq!(ids, vec![n(&before.id)]);
    let mut listed = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let p = wp.list_sources(cursor.as_deref()).await.unwrap();
        listed.extend(p.items);
        cursor = p.next;
        if cursor.is_none() {
            break;
        }
    }
    assert!(listed.iter().any(|s| s.media.id == before.id && s.source == source));
    // The public does not see it.
    let public: serde_json::Value =
        reqwest::get(site.route(&format!("/wp/v2/media/{}", n(&before.id))))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert!(public["meta"].get("folio_source").is_none(), "{public}");
    wp.delete(&before.id, DeleteMode::Permanently).await.unwrap();
}

#[tokio::test]
async fn another_type_is_refused_with_409_and_nothing_changes() {
    let Some(site) = site() else { return };
    let wp = site.client();
    let bytes = webp(800, 600, 60);
    let item = upload(&wp, &unique("type"), &bytes, None).await;
    let jpeg = photo(800, 600, 61, OutputFormat::Jpeg);
    let fields = MediaFields::default();
    let err =
        wp.replace_file(n(&item.id), &replacement(&jpeg, "image/jpeg", &fields)).await.unwrap_err();
    assert_eq!(err.code, SiteErrorCode::Conflict, "{}", err.message);
    assert!(
        err.message.contains("image/jpeg") && err.message.contains("new item"),
        "{}",
        err.message
    );
    assert_eq!(served_sha(&item.url).await, sha(&bytes));
    // Not an image at all, named as one.
    let err = wp
        .replace_file(n(&item.id), &replacement(b"<?php echo 1;", "image/webp", &fields))
        .await
        .unwrap_err();
    assert_eq!(err.code, SiteErrorCode::Conflict, "{}", err.message);
    assert_eq!(served_sha(&item.url).await, sha(&bytes));
    wp.delete(&item.id, DeleteMode::Permanently).await.unwrap();
}

/// A Contributor (no `upload_files`) with their own Application Password.
async fn contributor(site: &Site) -> (String, String) {
    let login = unique("contrib");
    let user: serde_json::Value = site
        .http()
        .post(site.route("/wp/v2/users"))
        .basic_auth(&site.user, Some(&site.password))
        .json(&serde_json::json!({
            "username": login, "email": format!("{login}@example.test"),
            "password": unique("pw-"), "roles": ["contributor"]
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

#[tokio::test]
async fn someone_who_cannot_edit_the_item_gets_403_and_nothing_changes() {
    let Some(site) = site() else { return };
    let wp = site.client();
    let bytes = webp(640, 480, 90);
    let item = upload(&wp, &unique("perm"), &bytes, None).await;
    let before = site.files_of(&site.attachment(n(&item.id)).await);
    let (login, password) = contributor(&site).await;
    let r = site
        .http()
        .post(site.route(&format!("/folio/v1/media/{}/file", n(&item.id))))
        .basic_auth(&login, Some(&password))
        .header("Content-Type", "image/webp")
        .header("Content-Disposition", "attachment; filename=\"x.webp\"")
        .body(webp(640, 480, 91))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    assert_eq!(served_sha(&item.url).await, sha(&bytes));
    assert_eq!(site.files_of(&site.attachment(n(&item.id)).await), before);
    wp.delete(&item.id, DeleteMode::Permanently).await.unwrap();
}

#[tokio::test]
async fn two_replaces_at_once_end_in_one_consistent_version() {
    let Some(site) = site() else { return };
    let wp = site.client();
    let item = upload(&wp, &unique("race"), &webp(1000, 800, 10), None).await;
    let (a, b) = (webp(1400, 1000, 100), webp(1000, 1400, 200));
    let fields = MediaFields::default();
    let (up_a, up_b) =
        (replacement(&a, "image/webp", &fields), replacement(&b, "image/webp", &fields));
    let (ra, rb) =
        tokio::join!(wp.replace_file(n(&item.id), &up_a), wp.replace_file(n(&item.id), &up_b));
    ra.unwrap();
    rb.unwrap();
    let after = site.attachment(n(&item.id)).await;
    let served = served_sha(&item.url).await;
    let (w, h) = (
        after["media_details"]["width"].as_u64().unwrap(),
        after["media_details"]["height"].as_u64().unwrap(),
    );
    let final_bytes = if served == sha(&a) { &a } else { &b };
    assert!(served == sha(&a) || served == sha(&b), "the served file is one of the two");
    let expected_dims = if final_bytes == &a { (1400, 1000) } else { (1000, 1400) };
    assert_eq!((w, h), expected_dims, "metadata belongs to the served version");
    let on_disk = site.files_of(&after);
    assert_eq!(on_disk, expected_files(&after), "every file belongs to the final version");
    for size in after["media_details"]["sizes"].as_object().unwrap().values() {
        let (sw, sh) = (size["width"].as_u64().unwrap(), size["height"].as_u64().unwrap());
        if size["file"].as_str().unwrap().contains("150x150") {
            continue; // the square crop
        }
        assert_eq!(sw > sh, w > h, "sub-size {size} has the other version's shape");
    }
    wp.delete(&item.id, DeleteMode::Permanently).await.unwrap();
}

#[tokio::test]
async fn php_dying_mid_replace_leaves_the_old_image_served() {
    let Some(site) = site() else { return };
    let wp = site.client();
    let bytes = webp(900, 600, 30);
    let item = upload(&wp, &unique("die"), &bytes, None).await;
    let before = site.attachment(n(&item.id)).await;
    let r = site
        .http()
        .post(site.route(&format!("/folio/v1/media/{}/file", n(&item.id))))
        .basic_auth(&site.user, Some(&site.password))
        .header("Content-Type", "image/webp")
        .header("Content-Disposition", "attachment; filename=\"x.webp\"")
        .header("X-Folio-Test-Die", "before-swap")
        .body(webp(900, 600, 31))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 500, "the test hook killed the request");
    assert_eq!(served_sha(&item.url).await, sha(&bytes), "the old image is still served");
    let after = site.attachment(n(&item.id)).await;
    assert_eq!(after["media_details"], before["media_details"]);
    assert_eq!(site.files_of(&after), expected_files(&after));
    // The next replace works (and the lock was released by PHP's death).
    let new_bytes = webp(900, 600, 32);
    let fields = MediaFields::default();
    let done = wp
        .replace_file(n(&item.id), &replacement(&new_bytes, "image/webp", &fields))
        .await
        .unwrap();
    assert_eq!(done.sha256, sha(&new_bytes));
    wp.delete(&item.id, DeleteMode::Permanently).await.unwrap();
}
