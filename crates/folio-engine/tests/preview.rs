//! The settings screen's live preview, on real files.

use folio_engine::{AlbumSettings, Engine};

#[tokio::test]
async fn patterns_preview_on_the_albums_own_photos() {
    let dir = tempfile::tempdir().unwrap();
    let album = dir.path().join("Porto trip");
    std::fs::create_dir_all(&album).unwrap();
    image::RgbImage::new(4000, 3000).save(album.join("IMG_0001.png")).unwrap();
    image::RgbImage::new(300, 600).save(album.join("IMG_0002.png")).unwrap();
    std::fs::write(album.join("broken.png"), b"not a png").unwrap();
    let engine = Engine::open(&dir.path().join("data")).await.unwrap();
    engine.add_album(&album, &[], AlbumSettings::default()).await.unwrap();
    let preview = engine
        .preview_pattern(
            &album,
            "{album} {sequence} {width}x{height} {title|readable_filename}",
            10,
        )
        .await
        .unwrap();
    assert_eq!(
        preview,
        vec![
            ("IMG_0001.png".to_string(), "Porto trip 001 2560x1920 IMG 0001".to_string()),
            ("IMG_0002.png".to_string(), "Porto trip 002 300x600 IMG 0002".to_string()),
        ],
        "sizes are what the preset will produce; unreadable files are skipped"
    );
    assert!(engine.preview_pattern(&dir.path().join("elsewhere"), "{filename}", 3).await.is_err());
}
