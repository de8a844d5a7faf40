//! The watched-folder source: what it reports as changed, settling, removed and unreadable,
//! and its change signal.

use folio_sources::{FolderSource, Known, Source, SourceErrorKind};
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

fn known_from(changes: &folio_sources::Changes) -> HashMap<String, Known> {
    changes
        .changed
        .iter()
        .map(|i| {
            let k = Known {
                size: i.size,
                modified_ns: i.modified_ns,
                content_hash: i.content_hash.clone(),
            };
            (i.path.clone(), k)
        })
        .collect()
}

/// Written, then aged past the settle period so it is read at once.
fn old_file(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
    let past = std::time::SystemTime::now() - Duration::from_secs(60);
    std::fs::File::options().write(true).open(path).unwrap().set_modified(past).unwrap();
}

#[tokio::test]
async fn new_changed_renamed_and_removed_photos() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    old_file(&root.join("a.jpg"), b"photo a");
    old_file(&root.join("sub/b.png"), b"photo b");
    old_file(&root.join("notes.txt"), b"not a photo");
    let source = FolderSource::new(root);

    let first = source.changes(None, &HashMap::new()).await.unwrap();
    let paths: Vec<&str> = first.changed.iter().map(|i| i.path.as_str()).collect();
    assert_eq!(paths, vec!["a.jpg", "sub/b.png"]);
    assert_eq!(first.changed[0].content_hash, blake3::hash(b"photo a").to_hex().to_string());
    assert!(first.removed.is_empty() && first.settling.is_empty());

    // Nothing changed: nothing is reported (and nothing read).
    let known = known_from(&first);
    assert_eq!(source.changes(None, &known).await.unwrap(), Default::default());

    std::fs::rename(root.join("sub/b.png"), root.join("b-renamed.png")).unwrap();
    old_file(&root.join("a.jpg"), b"photo a, regraded");
    let next = source.changes(None, &known).await.unwrap();
    let paths: Vec<&str> = next.changed.iter().map(|i| i.path.as_str()).collect();
    assert_eq!(paths, vec!["a.jpg", "b-renamed.png"]);
    assert_eq!(next.removed, vec!["sub/b.png".to_string()]);
    assert_eq!(
        next.changed[1].content_hash, first.changed[1].content_hash,
        "a renamed photo keeps its identity"
    );
}

#[tokio::test]
async fn a_file_being_written_is_left_for_later() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("fresh.jpg"), b"half a photo").unwrap();
    let source = FolderSource::new(dir.path()).with_settle_patience(Duration::from_secs(3));
    // Keep rewriting it so it never holds still for the settle period.
    let path = dir.path().join("fresh.jpg");
    let writer = tokio::spawn(async move {
        for i in 0..20u32 {
            std::fs::write(&path, format!("chunk {i}")).unwrap();
            tokio::time::sleep(Duration::from_millis(400)).await;
        }
    });
    let changes = source.changes(None, &HashMap::new()).await.unwrap();
    writer.abort();
    assert!(changes.changed.is_empty(), "{changes:?}");
    assert_eq!(changes.settling, vec!["fresh.jpg".to_string()]);
}

#[tokio::test]
async fn a_missing_root_is_an_error_not_an_empty_album() {
    let dir = tempfile::tempdir().unwrap();
    let source = FolderSource::new(dir.path().join("unplugged-drive"));
    let err = source.changes(None, &HashMap::new()).await.unwrap_err();
    assert_eq!(err.kind, SourceErrorKind::Gone);
    assert!(err.message.contains("unplugged-drive"), "{}", err.message);
}

/// A subfolder the walk cannot enter (here: its path is longer than the OS allows, which even
/// root cannot read) makes the look incomplete, and nothing counts as removed.
#[tokio::test]
async fn an_unreadable_subfolder_removes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    old_file(&root.join("kept.jpg"), b"kept");
    let deep = "d".repeat(200);
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "cd '{}' && for i in $(seq 1 25); do mkdir {deep} && cd -P {deep} || exit 1; done",
            root.display()
        ))
        .status()
        .unwrap();
    assert!(status.success());
    let source = FolderSource::new(root);
    let known = HashMap::from([(
        "deep/elsewhere.jpg".to_string(),
        Known { size: 1, modified_ns: 1, content_hash: "h".into() },
    )]);
    let changes = source.changes(None, &known).await.unwrap();
    assert!(!changes.incomplete.is_empty(), "the walk error is reported: {changes:?}");
    assert!(changes.removed.is_empty(), "unseen is not gone: {changes:?}");
    assert_eq!(changes.changed.len(), 1);
}

#[tokio::test]
async fn fetch_stays_inside_the_album() {
    let dir = tempfile::tempdir().unwrap();
    old_file(&dir.path().join("album/a.jpg"), b"a");
    old_file(&dir.path().join("secret.jpg"), b"s");
    let source = FolderSource::new(dir.path().join("album"));
    assert_eq!(source.fetch("a.jpg").await.unwrap().path(), dir.path().join("album/a.jpg"));
    assert_eq!(source.fetch("../secret.jpg").await.unwrap_err().kind, SourceErrorKind::Item);
    assert_eq!(source.fetch("gone.jpg").await.unwrap_err().kind, SourceErrorKind::Item);
}

#[tokio::test]
async fn writing_a_photo_signals_a_change_and_reading_does_not() {
    let dir = tempfile::tempdir().unwrap();
    old_file(&dir.path().join("a.jpg"), b"a");
    let source = FolderSource::new(dir.path());
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let _guard = source
        .watch(Arc::new(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
        }))
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let _ = source.changes(None, &HashMap::new()).await.unwrap();
    let _ = std::fs::read(dir.path().join("a.jpg")).unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(calls.load(Ordering::SeqCst), 0, "a scan and a read are not changes");
    std::fs::write(dir.path().join("b.jpg"), b"b").unwrap();
    for _ in 0..50 {
        if calls.load(Ordering::SeqCst) > 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no change signal for a new photo");
}

/// inotify says when a file is closed after writing: that file is read at once, with no
/// stillness wait, while one still open for writing is left settling.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_photo_closed_after_writing_is_whole_at_once_and_one_still_open_is_not() {
    use folio_sources::Signal;
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    // No patience: what is not whole when looked at is left for the next look.
    let source = FolderSource::new(dir.path()).with_settle_patience(Duration::ZERO);
    let (tx, mut signals) = tokio::sync::mpsc::unbounded_channel();
    let _guard = source
        .watch(Arc::new(move |s| {
            let _ = tx.send(s);
        }))
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    let mut open = std::fs::File::create(dir.path().join("open.jpg")).unwrap();
    open.write_all(b"first half").unwrap();
    open.sync_all().unwrap();
    std::fs::write(dir.path().join("closed.jpg"), b"whole").unwrap();
    let heard = tokio::time::timeout(Duration::from_secs(5), async {
        while signals.recv().await != Some(Signal::Written) {}
    })
    .await;
    assert!(heard.is_ok(), "no Written signal for a file closed after writing");

    let changes = source.changes(None, &HashMap::new()).await.unwrap();
    let changed: Vec<&str> = changes.changed.iter().map(|i| i.path.as_str()).collect();
    assert_eq!(changed, ["closed.jpg"]);
    assert_eq!(changes.settling, ["open.jpg"]);

    open.write_all(b", second half").unwrap();
    drop(open);
    let heard = tokio::time::timeout(Duration::from_secs(5), async {
        while signals.recv().await != Some(Signal::Written) {}
    })
    .await;
    assert!(heard.is_ok(), "no Written signal once the second photo was closed");
    // closed.jpg is known now, as the store would know it after the first look.
    let meta = std::fs::metadata(dir.path().join("closed.jpg")).unwrap();
    let modified = meta.modified().unwrap().duration_since(std::time::UNIX_EPOCH).unwrap();
    let known = HashMap::from([(
        "closed.jpg".to_string(),
        Known {
            size: meta.len(),
            modified_ns: modified.as_nanos() as i64,
            content_hash: changes.changed[0].content_hash.clone(),
        },
    )]);
    let changes = source.changes(None, &known).await.unwrap();
    assert!(changes.settling.is_empty(), "{:?}", changes.settling);
    let sizes: Vec<(&str, u64)> =
        changes.changed.iter().map(|i| (i.path.as_str(), i.size)).collect();
    assert_eq!(sizes, [("open.jpg", "first half, second half".len() as u64)]);
}
