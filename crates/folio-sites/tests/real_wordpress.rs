//! Against the real WordPress started by tests/wordpress/start.sh (`make test` does this).

use folio_convert::{convert, Preset};
use folio_sites::wordpress::WordPress;
use folio_sites::DeleteMode;
use folio_sites::{Destination, ImageFormat, MediaFields, SiteErrorCode, Upload};

fn env() -> Option<(String, String, String)> {
    let get = |k| std::env::var(k).ok();
    match (get("FOLIO_WP_URL"), get("FOLIO_WP_USER"), get("FOLIO_WP_APP_PASSWORD")) {
        (Some(u), Some(n), Some(p)) => Some((u, n, p)),
        _ if std::env::var_os("FOLIO_REQUIRE_WP").is_some() => {
            panic!("FOLIO_REQUIRE_WP is set but FOLIO_WP_URL/USER/APP_PASSWORD are not")
        }
        _ => {
            eprintln!(
                "SKIP: no WordPress (run under tests/with-wordpress.sh, as `make test` does)"
            );
            None
        }
    }
}

fn unique(prefix: &str) -> String {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{prefix}-{nanos:x}")
}

fn photo() -> Vec<u8> {
    let img = image::RgbImage::from_fn(320, 200, |x, y| image::Rgb([x as u8, y as u8, 90]));
    let mut png = std::io::Cursor::new(Vec::new());
    img.write_to(&mut png, image::ImageFormat::Png).unwrap();
    convert(&png.into_inner(), &Preset::default()).unwrap().bytes
}

#[tokio::test]
async fn probe_reports_the_account() {
    let Some((url, user, password)) = env() else { return };
    let wp = WordPress::new(&url, &user, &password).unwrap();
    let caps = wp.probe().await.unwrap();
    assert_eq!(caps.account, user);
    // Debian's WordPress is 6.1: AVIF arrived in 6.5, so the probe must find it refused.
    assert!(!caps.accepts(ImageFormat::Avif), "WordPress 6.1 does not accept AVIF");
    assert!(caps.accepts(ImageFormat::Webp));
    // This site has no companion plugin (the FOLIO_WPC_* one does).
    assert!(!caps.replace_in_place && caps.notes.is_empty() && caps.max_upload_bytes.is_none());
    assert!(
        wp.find_by_slug("folio-avif-probe").await.unwrap().is_none(),
        "the probe leaves nothing behind"
    );
}

#[tokio::test]
async fn wrong_password_asks_for_reconnect_without_leaking_it() {
    let Some((url, user, _)) = env() else { return };
    let secret = "abcd EFGH ijkl MNOP qrst UVWX";
    let err = WordPress::new(&url, &user, secret).unwrap().probe().await.unwrap_err();
    assert_eq!(err.code, SiteErrorCode::NeedsReconnect);
    assert!(!err.message.contains("abcd") && !err.to_string().contains("EFGH"));
    assert!(err.message.contains("Application Password"), "{}", err.message);
}

#[tokio::test]
async fn upload_find_list_update_and_delete() {
    let Some((url, user, password)) = env() else { return };
    let wp = WordPress::new(&url, &user, &password).unwrap();
    let slug = unique("folio-test");
    let fields = MediaFields {
        title: Some("Harbour at dusk — Porto".into()),
        caption: Some("Boats & lights, «winter»".into()),
        alt_text: Some("Fishing boats moored at dusk".into()),
        description: None,
    };
    let bytes = photo();
    let media = wp
        .upload(Upload {
            bytes: &bytes,
            filename: "harbour.webp",
            mime: "image/webp",
            key: &slug,
            fields: &fields,
            source: None,
        })
        .await
        .unwrap()
        .ready()
        .unwrap();
    assert_eq!(media.key, slug);
    assert_eq!(media.title, "Harbour at dusk — Porto");
    assert_eq!(media.alt_text, "Fishing boats moored at dusk");
    assert!(media.url.ends_with(".webp"), "{}", media.url);
    assert!(media.thumbnail_url.is_some(), "WordPress makes sub-sizes");
    let served = reqwest::get(&media.url).await.unwrap().bytes().await.unwrap();
    assert_eq!(&served[..], &bytes[..], "WordPress serves exactly the bytes uploaded");

    assert_eq!(wp.find_by_slug(&slug).await.unwrap().unwrap().id, media.id);
    let listed = wp.list(None).await.unwrap();
    assert!(listed.items.iter().any(|m| m.id == media.id));

    let new_alt = MediaFields { alt_text: Some("Boats at dusk".into()), ..Default::default() };
    assert_eq!(wp.update_fields(&media.id, &new_alt).await.unwrap().alt_text, "Boats at dusk");

    wp.delete(&media.id, DeleteMode::Permanently).await.unwrap();
    assert!(wp.find_by_slug(&slug).await.unwrap().is_none());
    assert_eq!(
        wp.delete(&media.id, DeleteMode::Permanently).await.unwrap_err().code,
        SiteErrorCode::NotFound
    );
}

#[tokio::test]
async fn long_captions_go_in_a_second_request() {
    let Some((url, user, password)) = env() else { return };
    let wp = WordPress::new(&url, &user, &password).unwrap();
    let long = "A long caption from Lightroom. ".repeat(120);
    let fields = MediaFields {
        alt_text: Some("alt".into()),
        description: Some(long.clone()),
        ..Default::default()
    };
    let bytes = photo();
    let slug = unique("folio-long");
    let media = wp
        .upload(Upload {
            bytes: &bytes,
            filename: "long.webp",
            mime: "image/webp",
            key: &slug,
            fields: &fields,
            source: None,
        })
        .await
        .unwrap()
        .ready()
        .unwrap();
    assert_eq!(media.alt_text, "alt");
    wp.delete(&media.id, DeleteMode::Permanently).await.unwrap();
}

#[tokio::test]
async fn a_non_image_is_rejected_for_this_photo_only() {
    let Some((url, user, password)) = env() else { return };
    let wp = WordPress::new(&url, &user, &password).unwrap();
    let err = wp
        .upload(Upload {
            bytes: b"#!/bin/sh\necho hi\n",
            filename: "script.sh",
            mime: "application/x-sh",
            key: &unique("folio-bad"),
            fields: &MediaFields::default(),
            source: None,
        })
        .await
        .unwrap_err();
    assert_eq!(err.class(), folio_sites::ErrorClass::NoRetry, "{err:?}");
}
