//! One push per photo and site at a time across every Folio process on a data folder: the app
//! or `folio watch` may be pushing a photo while `folio publish` (a Lightroom publish) pushes
//! it too. Each step holds a claim while it decides and acts; the second process then decides
//! again from the rows the first left (up to date, or a lost answer to look up by its key)
//! instead of uploading a second copy.
//!
//! Claims are OS file locks, so a process that dies lets go of its claims with it. They are
//! spread over a fixed set of lock files (by photo and site) so the data folder does not fill
//! with one file per photo; two steps that share a file merely wait for each other.

use folio_model::{AssetId, SiteId};
use std::fs::{File, OpenOptions, TryLockError};
use std::path::Path;
use std::time::Duration;

/// Lock files in `locks/` under the data folder.
const STRIPES: u64 = 256;
/// How often a step waiting for another process's claim looks again.
const RECHECK: Duration = Duration::from_millis(100);

/// Held while a step works on one photo on one site; let go when dropped.
pub struct Claim {
    // The lock lives as long as the open file.
    _file: Option<File>,
}

/// Waits until no other process (nor another step of this one) works on `asset` on `site`.
/// A data folder on a file system without locks gets no claim: the step goes on as before,
/// safe within one process.
pub async fn hold(data_dir: &Path, asset: AssetId, site: SiteId) -> Claim {
    let Ok(file) = open(data_dir, asset, site) else { return Claim { _file: None } };
    loop {
        match file.try_lock() {
            Ok(()) => return Claim { _file: Some(file) },
            Err(TryLockError::WouldBlock) => tokio::time::sleep(RECHECK).await,
            Err(TryLockError::Error(_)) => return Claim { _file: None },
        }
    }
}

fn open(data_dir: &Path, asset: AssetId, site: SiteId) -> std::io::Result<File> {
    let dir = data_dir.join("locks");
    std::fs::create_dir_all(&dir)?;
    let stripe = (asset.0 as u64).wrapping_mul(31).wrapping_add(site.0 as u64) % STRIPES;
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(format!("push-{stripe:03}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_second_claim_on_the_same_photo_and_site_waits_for_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let first = hold(dir.path(), AssetId(7), SiteId(1)).await;
        assert!(first._file.is_some(), "locks work in a temporary folder");
        let second = hold(dir.path(), AssetId(7), SiteId(1));
        let waited = tokio::time::timeout(Duration::from_millis(400), second).await;
        assert!(waited.is_err(), "taken while the first was held");
        let other = hold(dir.path(), AssetId(8), SiteId(1));
        assert!(tokio::time::timeout(Duration::from_millis(400), other).await.is_ok());
        drop(first);
        let again =
            tokio::time::timeout(Duration::from_secs(2), hold(dir.path(), AssetId(7), SiteId(1)));
        assert!(again.await.is_ok(), "let go when dropped");
    }
}
