//! What a photo is called and says on the sites: a changed alt pattern updates the text of
//! photos already there without uploading them again, and the detail panel names the file as
//! it will be sent (an "original" PNG stays a PNG).

mod support;

use folio_engine::{AlbumSettings, OutputFormat, Preset};
use folio_sites::fake::FakeConfig;
use support::{add_album, add_site, sync, World};

#[tokio::test(flavor = "multi_thread")]
async fn a_new_alt_pattern_updates_the_text_on_the_site_without_uploading_again() {
    let w = World::new();
    let blog = w.site("blog", FakeConfig::default());
    let engine = w.engine().await;
    add_site(&engine, "blog").await;
    let root = w.album("harbour", 2);
    add_album(&engine, &root, &["blog"], AlbumSettings::default()).await;
    assert_eq!(sync(&engine).await.uploaded, 2);
    let alts = alt_texts(&blog);
    assert_eq!(alts, vec![Some("photo 00".to_string()), Some("photo 01".to_string())]);

    let unchanged = engine.update_album_settings(&root, |_| {}).await.unwrap();
    assert_eq!(unchanged, AlbumSettings::default());
    assert_eq!(sync(&engine).await.unchanged, 2, "saving the same settings changes nothing");

    engine
        .update_album_settings(&root, |s| s.alt = "{album}: {readable_filename}".into())
        .await
        .unwrap();
    let r = sync(&engine).await;
    assert_eq!((r.uploaded, r.replaced, r.converted), (0, 0, 0), "{r:?}");
    let alts = alt_texts(&blog);
    assert_eq!(
        alts,
        vec![Some("harbour: photo 00".to_string()), Some("harbour: photo 01".to_string())]
    );
    assert_eq!(blog.uploads(), 2);
    let again = sync(&engine).await;
    assert_eq!((again.uploaded, again.unchanged), (0, 2), "the text is current now");
}

/// Sorted: two workers upload in either order.
fn alt_texts(site: &folio_sites::fake::FakeSite) -> Vec<Option<String>> {
    let mut alts: Vec<_> = site.items().into_iter().map(|i| i.fields.alt_text).collect();
    alts.sort();
    alts
}

#[tokio::test(flavor = "multi_thread")]
async fn the_detail_panel_names_the_file_as_it_is_sent() {
    let w = World::new();
    let blog = w.site("blog", FakeConfig::default());
    let engine = w.engine().await;
    add_site(&engine, "blog").await;
    let root = w.album("originals", 1);
    let settings = AlbumSettings {
        preset: Preset { format: OutputFormat::Original, ..Preset::default() },
        ..AlbumSettings::default()
    };
    add_album(&engine, &root, &["blog"], settings).await;
    sync(&engine).await;
    let photo = &engine.album_photos(&root).await.unwrap()[0];
    let detail = engine.photo_detail(photo.asset_id).await.unwrap();
    let sent = &blog.items()[0].filename;
    assert_eq!(&detail.sent.filename, sent);
    assert!(sent.ends_with(".png"), "{sent}");
}
