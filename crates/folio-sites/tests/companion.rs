//! The companion plugin on the real WordPress (the second site tests/with-wordpress.sh starts,
//! `FOLIO_WPC_*`): replace in place keeps the id and URL, regenerates sub-sizes without
//! leftovers, refuses another type (409) and other people's items (403), stays consistent under
//! concurrent replaces, and keeps serving the old image when PHP dies half-way.

mod companion_site;

use companion_site::{
    contributor, expected_files, n, photo, post_file, replacement, served_sha, sha, site, unique,
    upload, webp,
};
use folio_convert::OutputFormat;
use folio_sites::DeleteMode;
use folio_sites::{Destination, MediaFields, SiteErrorCode};

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

#[tokio::test]
async fn someone_who_cannot_edit_the_item_gets_403_and_nothing_changes() {
    let Some(site) = site() else { return };
    let wp = site.client();
    let bytes = webp(640, 480, 90);
    let item = upload(&wp, &unique("perm"), &bytes, None).await;
    let before = site.files_of(&site.attachment(n(&item.id)).await);
    let (login, password) = contributor(&site).await;
    let who = Some((login.as_str(), password.as_str()));
    let (status, _) = post_file(&site, n(&item.id), webp(640, 480, 91), who, &[]).await;
    assert_eq!(status, 403);
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
    let admin = Some((site.user.as_str(), site.password.as_str()));
    let die = [("X-Folio-Test-Die", "before-swap")];
    let (status, _) = post_file(&site, n(&item.id), webp(900, 600, 31), admin, &die).await;
    assert_eq!(status, 500, "the test hook killed the request");
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
