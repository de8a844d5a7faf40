//! Copies `folio publish` made are told from the photographer's own files, per album, and
//! forgotten with their album.

use folio_store::Store;

#[tokio::test]
async fn published_copies_are_remembered_per_album_and_go_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("folio.db")).await.unwrap();
    let a = s.add_album("folder", "/lr/a", "a", "{}", &[]).await.unwrap();
    let b = s.add_album("folder", "/lr/b", "b", "{}", &[]).await.unwrap();
    s.mark_published_copy(a.id, "IMG_1-12.jpg").await.unwrap();
    s.mark_published_copy(a.id, "IMG_1-12.jpg").await.unwrap();
    assert!(s.is_published_copy(a.id, "IMG_1-12.jpg").await.unwrap());
    assert!(!s.is_published_copy(b.id, "IMG_1-12.jpg").await.unwrap(), "another album's");
    assert!(!s.is_published_copy(a.id, "own.jpg").await.unwrap(), "the photographer's own");
    s.forget_published_copy(a.id, "IMG_1-12.jpg").await.unwrap();
    assert!(!s.is_published_copy(a.id, "IMG_1-12.jpg").await.unwrap());
    s.mark_published_copy(b.id, "x.jpg").await.unwrap();
    s.remove_album(b.id).await.unwrap();
    let c = s.add_album("folder", "/lr/b", "b", "{}", &[]).await.unwrap();
    assert!(!s.is_published_copy(c.id, "x.jpg").await.unwrap(), "gone with its album");
}
