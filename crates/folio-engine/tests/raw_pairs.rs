//! RAW+JPEG shooting: an album publishes one file of each pair, the JPEG unless set to the
//! raw; a raw on its own is published (developed) like any photo. When the half published
//! changes (the JPEG arrives after its raw went up, or the setting changes), the copy on the
//! site is replaced in place, never doubled.

mod support;

use folio_engine::{AlbumSettings, RawPair};
use folio_sites::fake::{FakeConfig, FakeSite};
use std::path::Path;
use support::{add_album, add_site, sync, World};

fn photos() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/photos")
}

/// Writes a file dated a minute ago, so the source takes it as settled.
fn put(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).unwrap();
    let past = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
    std::fs::File::options().write(true).open(dir.join(name)).unwrap().set_modified(past).unwrap();
}

/// (item id, width, height) of the site's copy named `name`.
fn on_site(blog: &FakeSite, name: &str) -> (u64, u32, u32) {
    let items = blog.items();
    let item = items.iter().find(|i| i.filename == name).unwrap_or_else(|| panic!("no {name}"));
    let img = image::load_from_memory(&item.bytes).unwrap();
    (item.id, img.width(), img.height())
}

#[tokio::test(flavor = "multi_thread")]
async fn one_file_of_a_raw_jpeg_pair_goes_up_and_a_change_of_half_replaces_it_in_place() {
    let w = World::new();
    let blog = w.site("blog", FakeConfig::default());
    let engine = w.engine().await;
    add_site(&engine, "blog").await;
    let root = w.album("pairs", 0);
    let dng = std::fs::read(photos().join("raw/scene.dng")).unwrap();
    let jpeg = std::fs::read(photos().join("orientation/landscape_1.jpg")).unwrap();
    let jpeg_size = image::load_from_memory(&jpeg).unwrap();
    let jpeg_size = (jpeg_size.width(), jpeg_size.height());
    // The raws arrive first (a card reader copies in name order: .DNG before .JPG).
    put(&root, "IMG_0042.DNG", &dng);
    put(&root, "IMG_0043.DNG", &dng);
    add_album(&engine, &root, &["blog"], AlbumSettings::default()).await;
    let report = sync(&engine).await;
    assert_eq!((report.uploaded, report.failed.len()), (2, 0), "{report:?}");
    let (id, w0, h0) = on_site(&blog, "img-0042.webp");
    assert_eq!((w0, h0), (192, 256), "the raw, developed upright");

    put(&root, "IMG_0042.JPG", &jpeg);
    let report = sync(&engine).await;
    assert_eq!((report.uploaded, report.replaced), (0, 1), "{report:?}");
    assert_eq!(blog.items().len(), 2, "one copy per picture");
    assert_eq!(
        on_site(&blog, "img-0042.webp"),
        (id, jpeg_size.0, jpeg_size.1),
        "the JPEG, in place"
    );
    let rows = engine.album_photos(&root).await.unwrap();
    let paths: Vec<&str> = rows.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(paths, vec!["IMG_0042.JPG", "IMG_0043.DNG"], "the grid shows one file per picture");
    let status = engine.status().await.unwrap();
    assert_eq!(status[0].photos, 2, "{status:?}");

    engine.update_album_settings(&root, |s| s.raw_pair = RawPair::Raw).await.unwrap();
    let report = sync(&engine).await;
    assert_eq!((report.uploaded, report.replaced), (0, 1), "{report:?}");
    assert_eq!(on_site(&blog, "img-0042.webp"), (id, 192, 256), "the raw again, in place");
    let rows = engine.album_photos(&root).await.unwrap();
    let paths: Vec<&str> = rows.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(paths, vec!["IMG_0042.DNG", "IMG_0043.DNG"]);
    let report = sync(&engine).await;
    assert_eq!((report.uploaded, report.replaced, report.unchanged), (0, 0, 2), "{report:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_the_published_jpeg_of_a_pair_puts_its_raw_in_its_place() {
    let w = World::new();
    let blog = w.site("blog", FakeConfig::default());
    let engine = w.engine().await;
    add_site(&engine, "blog").await;
    let root = w.album("culled", 0);
    put(&root, "IMG_0050.DNG", &std::fs::read(photos().join("raw/scene.dng")).unwrap());
    put(
        &root,
        "IMG_0050.JPG",
        &std::fs::read(photos().join("orientation/landscape_1.jpg")).unwrap(),
    );
    add_album(&engine, &root, &["blog"], AlbumSettings::default()).await;
    let report = sync(&engine).await;
    assert_eq!((report.uploaded, report.failed.len()), (1, 0), "{report:?}");
    let (id, ..) = on_site(&blog, "img-0050.webp");

    std::fs::remove_file(root.join("IMG_0050.JPG")).unwrap();
    let report = sync(&engine).await;
    assert_eq!((report.uploaded, report.replaced), (0, 1), "{report:?}");
    assert_eq!(blog.items().len(), 1, "one copy, not the JPEG's and the raw's");
    assert_eq!(on_site(&blog, "img-0050.webp"), (id, 192, 256), "the raw, in place");
}
