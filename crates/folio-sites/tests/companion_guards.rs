//! The companion plugin's guards, on the real WordPress (`FOLIO_WPC_*`): size limits before
//! anything is written, unchecked bytes never under `uploads/`, upload permissions, no id probing,
//! no self-description for strangers, reconcile trusting only Folio's own uploads, and nothing
//! stale served after a replace.

mod companion_site;

use companion_site::{
    n, photo, post_file, served_sha, sha, site, unique, upload, user, webp, Site,
};
use folio_convert::OutputFormat;
use folio_sites::wordpress::WordPress;
use folio_sites::{DeleteMode, Destination, MediaFields, RemoteMedia, Upload};
use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// The folder of the attachment's main file, and the attachment's own files in it.
async fn folder_of(site: &Site, id: u64) -> (PathBuf, BTreeSet<String>) {
    let item = site.attachment(id).await;
    let rel = item["media_details"]["file"].as_str().unwrap();
    let dir = site.root.join("wp-content/uploads").join(rel).parent().unwrap().to_path_buf();
    (dir, site.files_of(&item))
}

/// Files under `uploads/` (hidden ones too) written since `since` that hold exactly `bytes`.
/// Other tests upload to the same folders at the same time, so "nothing was written" is asked of
/// the content (and earlier runs may have left the same bytes behind).
fn files_holding(site: &Site, bytes: &[u8], since: std::time::SystemTime) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![site.root.join("wp-content/uploads")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if entry
                .metadata()
                .is_ok_and(|m| m.len() == bytes.len() as u64 && m.modified().unwrap() >= since)
                && std::fs::read(&path).is_ok_and(|b| b == bytes)
            {
                found.push(path);
            }
        }
    }
    found
}

#[tokio::test]
async fn a_file_over_the_upload_limit_is_refused_before_anything_is_written() {
    let Some(site) = site() else { return };
    let started = std::time::SystemTime::now();
    let wp = site.client();
    let bytes = webp(640, 480, 40);
    let item = upload(&wp, &unique("limit"), &bytes, None).await;
    let (_, before) = folder_of(&site, n(&item.id)).await;
    let admin = Some((site.user.as_str(), site.password.as_str()));
    let limit = [("X-Folio-Test-Upload-Limit", "2000")];
    let new_bytes = webp(640, 480, 41);
    let (status, body) = post_file(&site, n(&item.id), new_bytes.clone(), admin, &limit).await;
    assert_eq!((status, body["code"].as_str()), (413, Some("folio_too_large")), "{body}");
    assert!(body["message"].as_str().unwrap().contains("up to"), "{body}");
    assert_eq!(served_sha(&item.url).await, sha(&bytes));
    assert_eq!(folder_of(&site, n(&item.id)).await.1, before);
    assert_eq!(
        files_holding(&site, &new_bytes, started),
        Vec::<PathBuf>::new(),
        "nothing was written"
    );
    wp.delete(&item.id, DeleteMode::Permanently).await.unwrap();
}

#[tokio::test]
async fn bytes_that_are_not_an_image_never_reach_uploads() {
    let Some(site) = site() else { return };
    let started = std::time::SystemTime::now();
    let wp = site.client();
    let bytes = webp(640, 480, 50);
    let item = upload(&wp, &unique("script"), &bytes, None).await;
    let (_, before) = folder_of(&site, n(&item.id)).await;
    let admin = Some((site.user.as_str(), site.password.as_str()));
    let script = b"<?php echo 'served from uploads';".to_vec();
    // PHP dies right after the bytes are on disk, before they are checked.
    let die = [("X-Folio-Test-Die", "before-check")];
    let (status, _) = post_file(&site, n(&item.id), script.clone(), admin, &die).await;
    assert_eq!(status, 500, "the test hook stopped PHP before the check");
    assert_eq!(
        files_holding(&site, &script, started),
        Vec::<PathBuf>::new(),
        "unchecked bytes elsewhere"
    );
    let (status, body) = post_file(&site, n(&item.id), script.clone(), admin, &[]).await;
    assert_eq!((status, body["code"].as_str()), (409, Some("folio_type_mismatch")), "{body}");
    assert_eq!(folder_of(&site, n(&item.id)).await.1, before);
    assert_eq!(files_holding(&site, &script, started), Vec::<PathBuf>::new());
    assert_eq!(served_sha(&item.url).await, sha(&bytes));
    wp.delete(&item.id, DeleteMode::Permanently).await.unwrap();
}

#[tokio::test]
async fn the_new_file_has_the_permissions_wordpress_gives_uploads() {
    let Some(site) = site() else { return };
    let wp = site.client();
    let first = upload(&wp, &unique("mode-a"), &webp(320, 240, 60), None).await;
    let (dir, _) = folder_of(&site, n(&first.id)).await;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let dir_mode = mode(&dir);
    // A group-writable uploads folder, as many hosts have: WordPress gives uploads 0664 there.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o775)).unwrap();
    let item = upload(&wp, &unique("mode-b"), &webp(320, 240, 61), None).await;
    let file_of = |item: serde_json::Value| {
        site.root.join("wp-content/uploads").join(item["media_details"]["file"].as_str().unwrap())
    };
    let path = file_of(site.attachment(n(&item.id)).await);
    let given = mode(&path);
    let new_bytes = webp(320, 240, 62);
    let fields = MediaFields::default();
    let up = Upload {
        bytes: &new_bytes,
        filename: "x.webp",
        mime: "image/webp",
        key: "k",
        fields: &fields,
        source: None,
    };
    let replaced = wp.replace_file(n(&item.id), &up).await;
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(dir_mode)).unwrap();
    assert_eq!(replaced.unwrap().sha256, sha(&new_bytes));
    assert_eq!(given, 0o664, "what WordPress gives an upload in a 0775 folder");
    assert_eq!(format!("{:o}", mode(&path)), format!("{given:o}"), "the replaced file's mode");
    for m in [first, item] {
        wp.delete(&m.id, DeleteMode::Permanently).await.unwrap();
    }
}

#[tokio::test]
async fn nobody_without_upload_rights_learns_which_ids_exist() {
    let Some(site) = site() else { return };
    let wp = site.client();
    let item = upload(&wp, &unique("probe"), &webp(320, 240, 70), None).await;
    let (login, password) = user(&site, "contributor").await;
    for id in [n(&item.id), 999_999_999] {
        let (anonymous, _) = post_file(&site, id, webp(320, 240, 71), None, &[]).await;
        assert_eq!(anonymous, 401, "id {id} without credentials");
        let who = Some((login.as_str(), password.as_str()));
        let (contrib, _) = post_file(&site, id, webp(320, 240, 71), who, &[]).await;
        assert_eq!(contrib, 403, "id {id} as a contributor");
    }
    let admin = Some((site.user.as_str(), site.password.as_str()));
    let (missing, _) = post_file(&site, 999_999_999, webp(320, 240, 71), admin, &[]).await;
    assert_eq!(missing, 404, "someone who may upload does learn that an id is gone");
    wp.delete(&item.id, DeleteMode::Permanently).await.unwrap();
}

#[tokio::test]
async fn the_plugin_describes_itself_only_to_signed_in_users() {
    let Some(site) = site() else { return };
    let info = |who: Option<(&str, &str)>| {
        let mut req = site.http().get(site.route("/folio/v1/info"));
        if let Some((login, password)) = who {
            req = req.basic_auth(login, Some(password));
        }
        async move {
            let r = req.send().await.unwrap();
            (r.status().as_u16(), r.json::<serde_json::Value>().await.unwrap())
        }
    };
    let (status, body) = info(None).await;
    assert_eq!((status, body["code"].as_str()), (401, Some("folio_authorization_missing")));
    assert!(body.get("plugin_version").is_none() && !body.to_string().contains("1.0.0"), "{body}");
    let (status, body) = info(Some((&site.user, "wrong pass word"))).await;
    assert_eq!(status, 401);
    assert_ne!(body["code"].as_str(), Some("folio_authorization_missing"), "a header did arrive");
    let (status, body) = info(Some((&site.user, &site.password))).await;
    assert_eq!((status, body["plugin_version"].as_str()), (200, Some("1.0.0")), "{body}");
    // What the client makes of it: a stripped header is told apart from a wrong password.
    let nobody = WordPress::new(&site.url, &site.user, "wrong pass word").unwrap();
    assert_eq!(nobody.credentials_reach_php().await, None);
    assert_eq!(site.client().credentials_reach_php().await, Some(true));
}

async fn sourced(wp: &WordPress, source: &str) -> Vec<RemoteMedia> {
    let mut found = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = wp.list_sources(cursor.as_deref()).await.unwrap();
        found.extend(page.items.into_iter().filter(|s| s.source == source).map(|s| s.media));
        cursor = page.next;
        if cursor.is_none() {
            return found;
        }
    }
}

#[tokio::test]
async fn reconcile_trusts_only_what_folios_own_user_uploaded() {
    let Some(site) = site() else { return };
    let wp = site.client();
    let (login, password) = user(&site, "author").await;
    let author = WordPress::new(&site.url, &login, &password).unwrap();
    let source = unique("blake3:forged-");
    let forged = upload(&author, &unique("forged"), &webp(320, 240, 80), Some(&source)).await;
    assert_eq!(sourced(&author, &source).await.len(), 1, "the author sees their own item");
    assert!(sourced(&wp, &source).await.is_empty(), "Folio's user does not take it for its own");
    let by_meta: Vec<serde_json::Value> = site
        .http()
        .get(site.route("/wp/v2/media"))
        .query(&[("folio_source", source.as_str())])
        .basic_auth(&site.user, Some(&site.password))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(by_meta.is_empty(), "the folio_source query skips other users' items: {by_meta:?}");
    author.delete(&forged.id, DeleteMode::Permanently).await.unwrap();
}

#[tokio::test]
async fn after_a_replace_stale_sidecars_go_and_cache_plugins_hear_of_it() {
    let Some(site) = site() else { return };
    let wp = site.client();
    let name = unique("sidecar");
    let bytes = photo(1200, 800, 90, OutputFormat::Jpeg);
    let slug = unique("companion-");
    let fields = MediaFields { title: Some(name.clone()), ..MediaFields::default() };
    let up = Upload {
        bytes: &bytes,
        filename: &format!("{name}.jpg"),
        mime: "image/jpeg",
        key: &slug,
        fields: &fields,
        source: None,
    };
    let item = wp.upload(up).await.unwrap().ready().unwrap();
    let before = site.attachment(n(&item.id)).await;
    let (dir, _) = folder_of(&site, n(&item.id)).await;
    // What an optimizer plugin leaves beside the image and each of its sizes.
    let images: Vec<String> = std::iter::once(
        before["media_details"]["file"].as_str().unwrap().rsplit('/').next().unwrap().to_string(),
    )
    .chain(
        before["media_details"]["sizes"]
            .as_object()
            .unwrap()
            .values()
            .map(|s| s["file"].as_str().unwrap().to_string()),
    )
    .collect();
    let sidecars: Vec<PathBuf> = images.iter().map(|f| dir.join(format!("{f}.webp"))).collect();
    sidecars.iter().for_each(|p| std::fs::write(p, b"old webp").unwrap());
    std::thread::sleep(std::time::Duration::from_millis(1100)); // modified times are in seconds
    let new_bytes = photo(1200, 800, 91, OutputFormat::Jpeg);
    let none = MediaFields::default();
    let up = Upload {
        bytes: &new_bytes,
        filename: "x.jpg",
        mime: "image/jpeg",
        key: "k",
        fields: &none,
        source: None,
    };
    wp.replace_file(n(&item.id), &up).await.unwrap();
    let left: Vec<&PathBuf> = sidecars.iter().filter(|p| p.exists()).collect();
    assert!(left.is_empty(), "sidecars of the old image still there: {left:?}");
    let after = site.attachment(n(&item.id)).await;
    assert_ne!(after["modified_gmt"], before["modified_gmt"], "the modified time moves on");
    let log = std::fs::read_to_string(site.root.join("wp-content/folio-test-hooks.log")).unwrap();
    let id = n(&item.id);
    for heard in [
        format!("wp_generate_attachment_metadata {id} update"),
        format!("wp_handle_replace {id}"),
        format!("folio_companion_replaced {id}"),
    ] {
        assert!(log.lines().any(|l| l == heard), "not fired: {heard}");
    }
    wp.delete(&item.id, DeleteMode::Permanently).await.unwrap();
}
