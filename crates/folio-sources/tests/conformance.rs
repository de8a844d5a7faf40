//! The source conformance suite (folio_sources::conformance) against every source: a folder on
//! disk, and the Dropbox API against the fake Dropbox. Each run also pins which checks do not
//! apply, so a check cannot drop out unnoticed.

mod support;

use folio_sources::conformance::{self, Arranged, Harness, Unsupported};
use folio_sources::dropbox::fake::{FakeDropbox, Fault};
use folio_sources::dropbox::DropboxApi;
use folio_sources::{DropboxSource, FolderSource, Source, MAX_ITEM_BYTES};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};
use support::Fixed;

struct FolderHarness {
    dir: tempfile::TempDir,
    source: FolderSource,
    /// Each write gets its own modification time, an hour old: settled, and told apart from
    /// the last write even on a file system with coarse times.
    writes: AtomicU64,
}

impl FolderHarness {
    fn new() -> FolderHarness {
        let dir = tempfile::tempdir().unwrap();
        let source = FolderSource::new(dir.path());
        FolderHarness { dir, source, writes: AtomicU64::new(0) }
    }

    fn file(&self, path: &str) -> PathBuf {
        let file = self.dir.path().join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        file
    }

    fn age(&self, file: &std::path::Path) {
        let n = self.writes.fetch_add(1, Ordering::SeqCst);
        let when = SystemTime::now() - Duration::from_secs(3600) + Duration::from_secs(n);
        std::fs::File::options().write(true).open(file).unwrap().set_modified(when).unwrap();
    }
}

#[async_trait::async_trait]
impl Harness for FolderHarness {
    fn name(&self) -> &str {
        "folder"
    }
    fn source(&self) -> &dyn Source {
        &self.source
    }
    async fn put(&self, path: &str, bytes: &[u8]) {
        let file = self.file(path);
        std::fs::write(&file, bytes).unwrap();
        self.age(&file);
    }
    async fn rename(&self, from: &str, to: &str) {
        std::fs::rename(self.file(from), self.file(to)).unwrap();
    }
    async fn remove(&self, path: &str) {
        std::fs::remove_file(self.file(path)).unwrap();
    }
    async fn put_too_large(&self, path: &str) -> Arranged {
        let file = self.file(path);
        // Sparse: no disk and no memory for it.
        std::fs::File::create(&file).unwrap().set_len(MAX_ITEM_BYTES + 1).unwrap();
        self.age(&file);
        Ok(())
    }
    async fn reset_cursors(&self) -> Arranged {
        Err(Unsupported("a folder is scanned whole each time; it has no cursor".into()))
    }
    async fn rate_limit(&self, _secs: u64, _times: u32) -> Arranged {
        Err(Unsupported("a folder on disk has no rate limit".into()))
    }
    async fn revoke_credential(&self) -> Arranged {
        Err(Unsupported("a folder on disk needs no credential".into()))
    }
}

#[tokio::test]
async fn conformance_folder() {
    let report = conformance::run(&FolderHarness::new()).await;
    let not_applicable: Vec<&str> = report.not_applicable.iter().map(|(c, _)| *c).collect();
    assert_eq!(
        not_applicable,
        [conformance::RESET, conformance::RATE_LIMITED, conformance::REVOKED],
        "{report:?}"
    );
    assert_eq!(report.passed.len(), 7, "{report:?}");
}

const ROOT: &str = "/Clients/Album";

struct DropboxHarness {
    fake: FakeDropbox,
    source: DropboxSource,
    _spool: tempfile::TempDir,
}

impl DropboxHarness {
    async fn start() -> DropboxHarness {
        let fake = FakeDropbox::start("token", Duration::from_secs(3600)).await;
        // Something outside the album, which the source must not report.
        fake.put("/Clients/Other/x.jpg", b"another album");
        let spool = tempfile::tempdir().unwrap();
        let api = DropboxApi::new(fake.endpoints(), std::sync::Arc::new(Fixed("token")));
        let source = DropboxSource::new(api, ROOT, spool.path().to_path_buf());
        DropboxHarness { fake, source, _spool: spool }
    }
}

fn at(path: &str) -> String {
    format!("{ROOT}/{path}")
}

#[async_trait::async_trait]
impl Harness for DropboxHarness {
    fn name(&self) -> &str {
        "dropbox (fake)"
    }
    fn source(&self) -> &dyn Source {
        &self.source
    }
    async fn put(&self, path: &str, bytes: &[u8]) {
        self.fake.put(&at(path), bytes);
    }
    async fn rename(&self, from: &str, to: &str) {
        self.fake.rename(&at(from), &at(to));
    }
    async fn remove(&self, path: &str) {
        self.fake.delete(&at(path));
    }
    async fn put_too_large(&self, path: &str) -> Arranged {
        self.fake.put_large(&at(path), MAX_ITEM_BYTES + 1);
        Ok(())
    }
    async fn reset_cursors(&self) -> Arranged {
        self.fake.reset_cursors();
        Ok(())
    }
    async fn rate_limit(&self, secs: u64, times: u32) -> Arranged {
        let faults = (0..times).map(|_| Fault::RateLimited(secs));
        self.fake.state.lock().unwrap().faults.extend(faults);
        Ok(())
    }
    async fn revoke_credential(&self) -> Arranged {
        self.fake.revoke_access();
        Ok(())
    }
}

#[tokio::test]
async fn conformance_dropbox_fake() {
    let h = DropboxHarness::start().await;
    let report = conformance::run(&h).await;
    assert!(report.not_applicable.is_empty(), "{report:?}");
    assert_eq!(report.passed.len(), 10, "{report:?}");
}

/// A source refuses what the converter would refuse anyway, and nothing it would read.
#[test]
fn sources_refuse_items_at_the_converters_limit() {
    assert_eq!(MAX_ITEM_BYTES, folio_convert::MAX_SOURCE_BYTES);
}
