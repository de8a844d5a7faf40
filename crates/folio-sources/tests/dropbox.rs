//! The Dropbox API source against the fake Dropbox: paging and cursors, rename without a
//! change, deletions, reset, files still uploading, a folder that is gone, token expiry and
//! refresh, revoked access, 429s waited out, downloads with non-ASCII names and a size cap,
//! files too large refused from the listing, thumbnails, and the long poll without an
//! Authorization header.

use folio_sources::dropbox::fake::{FakeDropbox, Fault};
use folio_sources::dropbox::{content_hash, identity, AccessToken, DropboxApi};
use folio_sources::{Changes, DropboxSource, Known, Source, SourceError, SourceErrorKind};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Tokens as the engine will hold them: the current one, refreshed from the fake's token
/// endpoint when Dropbox says it expired.
struct Tokens {
    url: String,
    current: Mutex<String>,
    refreshes: AtomicUsize,
}

#[async_trait::async_trait]
impl AccessToken for Tokens {
    async fn current(&self) -> Result<String, SourceError> {
        Ok(self.current.lock().unwrap().clone())
    }
    async fn refreshed(&self) -> Result<String, SourceError> {
        self.refreshes.fetch_add(1, Ordering::SeqCst);
        let answer: serde_json::Value = reqwest::Client::new()
            .post(format!("{}/oauth2/token", self.url))
            .body("grant_type=refresh_token&refresh_token=fake-refresh&client_id=test-app-key")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = answer["access_token"].as_str().unwrap().to_string();
        *self.current.lock().unwrap() = token.clone();
        Ok(token)
    }
}

struct Setup {
    fake: FakeDropbox,
    tokens: Arc<Tokens>,
    source: DropboxSource,
    _spool: tempfile::TempDir,
}

async fn setup(root: &str) -> Setup {
    let fake = FakeDropbox::start("first-token", Duration::from_secs(3600)).await;
    let tokens = Arc::new(Tokens {
        url: fake.url.clone(),
        current: Mutex::new("first-token".into()),
        refreshes: AtomicUsize::new(0),
    });
    let spool = tempfile::tempdir().unwrap();
    let api = DropboxApi::new(fake.endpoints(), tokens.clone());
    let source = DropboxSource::new(api, root, spool.path().to_path_buf());
    Setup { fake, tokens, source, _spool: spool }
}

/// What the store would know after taking `changes`.
fn remember(known: &mut HashMap<String, Known>, changes: &Changes) {
    for item in &changes.changed {
        known.insert(
            item.path.clone(),
            Known {
                size: item.size,
                modified_ns: item.modified_ns,
                content_hash: item.content_hash.clone(),
            },
        );
    }
    for gone in &changes.removed {
        known.remove(gone);
    }
}

fn paths(changes: &Changes) -> Vec<&str> {
    let mut p: Vec<&str> = changes.changed.iter().map(|i| i.path.as_str()).collect();
    p.sort();
    p
}

#[tokio::test]
async fn listing_pages_then_continues_and_a_rename_is_not_a_change() {
    let s = setup("/Clients/Wedding").await;
    for i in 0..7 {
        s.fake.put(&format!("/Clients/Wedding/day/IMG_{i}.jpg"), format!("photo {i}").as_bytes());
    }
    s.fake.put("/Clients/Wedding/notes.txt", b"not a photo");
    s.fake.put("/Clients/Other/IMG_9.jpg", b"another album");
    let mut known = HashMap::new();
    let first = s.source.changes(None, &known).await.unwrap();
    assert_eq!(first.changed.len(), 7, "all pages of 3: {:?}", paths(&first));
    assert_eq!(first.changed[0].content_hash, identity(&content_hash(b"photo 0")));
    assert!(first.changed.iter().all(|i| i.revision.is_some()));
    let lists =
        s.fake.state.lock().unwrap().calls.iter().filter(|c| c.starts_with("list_folder")).count();
    assert_eq!(lists, 3, "one list_folder and two continues for 9 entries in pages of 3");
    remember(&mut known, &first);

    let cursor = first.cursor.clone().unwrap();
    let nothing = s.source.changes(Some(&cursor), &known).await.unwrap();
    assert_eq!((nothing.changed.len(), nothing.removed.len()), (0, 0));

    s.fake.rename("/Clients/Wedding/day/IMG_1.jpg", "/Clients/Wedding/day/Bride.jpg");
    s.fake.put("/Clients/Wedding/day/IMG_2.jpg", b"photo 2, re-edited");
    s.fake.delete("/Clients/Wedding/day/IMG_3.jpg");
    let next = s.source.changes(nothing.cursor.as_deref(), &known).await.unwrap();
    assert_eq!(paths(&next), vec!["day/Bride.jpg", "day/IMG_2.jpg"]);
    let bride = next.changed.iter().find(|i| i.path == "day/Bride.jpg").unwrap();
    assert_eq!(
        bride.content_hash, known["day/IMG_1.jpg"].content_hash,
        "same bytes: the engine moves it"
    );
    assert_eq!(next.removed, vec!["day/IMG_1.jpg".to_string(), "day/IMG_3.jpg".to_string()]);
    assert_eq!(s.fake.state.lock().unwrap().downloads, 0, "listing never downloads");
}

#[tokio::test]
async fn a_reset_cursor_lists_again_and_only_real_changes_come_out() {
    let s = setup("/Photos").await;
    for i in 0..4 {
        s.fake.put(&format!("/Photos/p{i}.jpg"), format!("p{i}").as_bytes());
    }
    let mut known = HashMap::new();
    let first = s.source.changes(None, &known).await.unwrap();
    remember(&mut known, &first);
    s.fake.reset_cursors();
    s.fake.put("/Photos/p0.jpg", b"p0 again");
    s.fake.delete("/Photos/p3.jpg");
    let after = s.source.changes(first.cursor.as_deref(), &known).await.unwrap();
    assert_eq!(paths(&after), vec!["p0.jpg"], "unchanged photos are recognised by their hash");
    assert_eq!(after.removed, vec!["p3.jpg".to_string()]);
    let calls = s.fake.state.lock().unwrap().calls.clone();
    assert!(calls.iter().filter(|c| *c == "list_folder").count() == 2, "listed again: {calls:?}");
}

#[tokio::test]
async fn a_file_still_uploading_waits_and_a_gone_folder_deletes_nothing() {
    let s = setup("/Photos").await;
    s.fake.put("/Photos/done.jpg", b"done");
    s.fake.put_uploading("/Photos/arriving.jpg", b"half");
    let first = s.source.changes(None, &HashMap::new()).await.unwrap();
    assert_eq!(paths(&first), vec!["done.jpg"]);
    assert_eq!(first.settling, vec!["arriving.jpg".to_string()]);

    let gone = setup("/Nowhere").await;
    let err = gone.source.changes(None, &HashMap::new()).await.unwrap_err();
    assert_eq!(err.kind, SourceErrorKind::Gone, "{err}");
    assert!(err.message.contains("/Nowhere"), "{err}");
}

#[tokio::test]
async fn an_expired_token_is_refreshed_once_and_a_revoked_one_asks_to_reconnect() {
    let s = setup("/Photos").await;
    s.fake.put("/Photos/a.jpg", b"a");
    s.fake.expire_tokens();
    let got = s.source.changes(None, &HashMap::new()).await.unwrap();
    assert_eq!(paths(&got), vec!["a.jpg"]);
    assert_eq!(s.tokens.refreshes.load(Ordering::SeqCst), 1);

    *s.tokens.current.lock().unwrap() = "never-issued".into();
    let err = s.source.changes(None, &HashMap::new()).await.unwrap_err();
    assert_eq!(err.kind, SourceErrorKind::Reconnect, "{err}");
    assert!(!err.message.contains("never-issued"), "no token in messages: {err}");
}

#[tokio::test]
async fn a_short_429_is_waited_out_and_a_long_one_is_left_for_later() {
    let s = setup("/Photos").await;
    s.fake.put("/Photos/a.jpg", b"a");
    s.fake.state.lock().unwrap().faults.extend([Fault::RateLimited(1), Fault::Status(503)]);
    let started = std::time::Instant::now();
    let got = s.source.changes(None, &HashMap::new()).await.unwrap();
    assert_eq!(paths(&got), vec!["a.jpg"]);
    assert!(started.elapsed() >= Duration::from_secs(1), "retry_after was honoured");

    s.fake.state.lock().unwrap().faults.push_back(Fault::RateLimited(600));
    let err = s.source.changes(None, &HashMap::new()).await.unwrap_err();
    assert_eq!(err.kind, SourceErrorKind::Unavailable);
    assert!(err.message.contains("600 s"), "{err}");
}

#[tokio::test]
async fn downloads_escape_non_ascii_names_and_thumbnails_arrive() {
    let s = setup("/Fotos").await;
    let bytes: Vec<u8> = (0..300_000u32).map(|i| (i % 253) as u8).collect();
    s.fake.put("/Fotos/Crème brûlée 🍮.jpg", &bytes);
    let copy = s.source.fetch("Crème brûlée 🍮.jpg").await.unwrap();
    assert_eq!(std::fs::read(copy.path()).unwrap(), bytes);
    let spooled = copy.path().to_path_buf();
    drop(copy);
    assert!(!spooled.exists(), "the download is deleted once used");
    let thumb = s.source.thumbnail("Crème brûlée 🍮.jpg").await.unwrap();
    assert_eq!(thumb.as_deref(), Some(&bytes[..]));
    // Dropbox makes no thumbnails of raws and HEIC: none is asked for, Folio makes its own.
    s.fake.put("/Fotos/IMG_0042.CR3", &bytes);
    let calls = s.fake.state.lock().unwrap().calls.len();
    assert_eq!(s.source.thumbnail("IMG_0042.CR3").await.unwrap(), None);
    assert_eq!(s.fake.state.lock().unwrap().calls.len(), calls, "no call for a raw");
    let api = DropboxApi::new(s.fake.endpoints(), s.tokens.clone());
    let answer = api.thumbnails(&["/Fotos/IMG_0042.CR3".into()]).await.unwrap();
    assert_eq!(answer, vec![None], "the fake refuses it as Dropbox does");
    let err = s.source.fetch("missing.jpg").await.unwrap_err();
    assert_eq!(err.kind, SourceErrorKind::Gone);
    // Over the cap: a per-photo error, and nothing left on disk.
    let dest = s._spool.path().join("capped.part");
    let err = api.download("/Fotos/Crème brûlée 🍮.jpg", &dest, 100_000).await.unwrap_err();
    assert_eq!(err.kind, SourceErrorKind::Item, "{err}");
    assert!(!dest.exists());
}

/// The engine opens a source for each use, all downloading into one spool: two downloads at
/// once must not share a file (one would read the other's bytes, or lose its file when the
/// other is dropped).
#[tokio::test]
async fn sources_sharing_a_spool_download_to_files_of_their_own() {
    let s = setup("/Fotos").await;
    s.fake.put("/Fotos/a.jpg", b"the first photo");
    s.fake.put("/Fotos/b.jpg", b"the second one");
    let api = DropboxApi::new(s.fake.endpoints(), s.tokens.clone());
    let other = DropboxSource::new(api, "/Fotos", s._spool.path().to_path_buf());
    let a = s.source.fetch("a.jpg").await.unwrap();
    let b = other.fetch("b.jpg").await.unwrap();
    assert_ne!(a.path(), b.path());
    assert_eq!(std::fs::read(a.path()).unwrap(), b"the first photo");
    drop(b);
    assert_eq!(std::fs::read(a.path()).unwrap(), b"the first photo");
}

#[tokio::test]
async fn the_long_poll_goes_without_authorization_and_signals_a_change() {
    let s = setup("/Photos").await;
    s.fake.put("/Photos/a.jpg", b"a");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let guard = s
        .source
        .watch(Arc::new(move |_| {
            let _ = tx.send(());
        }))
        .unwrap();
    // Let the watcher take its cursor and open the poll, then change something.
    for _ in 0..50 {
        if s.fake.state.lock().unwrap().calls.iter().any(|c| c == "list_folder/longpoll") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    s.fake.put("/Photos/b.jpg", b"b");
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("a change signal")
        .unwrap();
    assert_eq!(s.fake.state.lock().unwrap().longpolls_with_auth, 0);
    drop(guard);
}

/// Dropbox lists a file's size: one over the limit is refused from the listing, without a
/// download, and the photos beside it go on.
#[tokio::test]
async fn a_file_too_large_is_unreadable_from_its_listed_size_alone() {
    let s = setup("/Photos").await;
    s.fake.put("/Photos/a.jpg", b"a");
    s.fake.put_large("/Photos/huge.jpg", folio_sources::MAX_ITEM_BYTES + 1);
    let got = s.source.changes(None, &HashMap::new()).await.unwrap();
    assert_eq!(paths(&got), vec!["a.jpg"]);
    assert_eq!(got.unreadable.len(), 1, "{:?}", got.unreadable);
    assert_eq!(got.unreadable[0].0, "huge.jpg");
    assert!(got.unreadable[0].1.starts_with("too large: "), "{:?}", got.unreadable);
    assert_eq!(s.fake.state.lock().unwrap().downloads, 0);
}
