//! A photo that fails says why as a code front ends branch on, not only in words: a file that
//! is not a photo is `undecodable`, a copy a site refuses is `refused`, in the pass's report and
//! its events; the photo's own failure keeps its code, so `status` gives it after the engine is
//! opened again.

mod support;

use folio_engine::{AlbumSettings, PhotoErrorCode, SyncEvent};
use folio_sites::fake::FakeConfig;
use support::{add_album, add_site, sync, World};

#[tokio::test(flavor = "multi_thread")]
async fn failures_carry_their_code_in_the_report_the_events_and_status() {
    let w = World::new();
    let _small =
        w.site("small", FakeConfig { max_upload_bytes: Some(64), ..FakeConfig::default() });
    let root = w.album("codes", 1);
    let broken = root.join("broken.jpg");
    std::fs::write(&broken, b"this is not a JPEG at all, just words").unwrap();
    let past = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options().write(true).open(&broken).unwrap().set_modified(past).unwrap();

    let engine = w.engine().await;
    add_site(&engine, "small").await;
    let mut events = engine.subscribe();
    add_album(&engine, &root, &["small"], AlbumSettings::default()).await;
    let report = sync(&engine).await;
    let code_of = |path: &str, failed: &[folio_engine::FailedPhoto]| {
        failed.iter().find(|f| f.path == path).map(|f| f.code)
    };
    assert_eq!(
        code_of("broken.jpg", &report.failed),
        Some(PhotoErrorCode::Undecodable),
        "{report:?}"
    );
    assert_eq!(
        code_of("photo-00.png", &report.failed),
        Some(PhotoErrorCode::Refused),
        "{report:?}"
    );
    let mut told = Vec::new();
    while let Ok(event) = events.try_recv() {
        if let SyncEvent::PhotoFailed { path, code, .. } = event {
            told.push((path, code));
        }
    }
    told.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        told,
        [
            ("broken.jpg".to_string(), PhotoErrorCode::Undecodable),
            ("photo-00.png".to_string(), PhotoErrorCode::Refused)
        ]
    );
    let json = serde_json::to_value(&report.failed).unwrap();
    assert!(json.to_string().contains("\"code\":\"undecodable\""), "{json}");

    drop(engine);
    let engine = w.engine().await;
    let status = engine.status().await.unwrap();
    let album = status.iter().find(|a| a.album == "codes").expect("the album");
    assert_eq!(
        code_of("broken.jpg", &album.failed),
        Some(PhotoErrorCode::Undecodable),
        "{album:?}"
    );
    // A refused copy waits parked (pending) in status; the file that is no photo stays failed.
    assert_eq!(album.failed.len(), 1, "{album:?}");
}
