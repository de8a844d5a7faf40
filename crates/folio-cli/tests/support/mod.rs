//! Shared by the tests that run `folio` against the real WordPress.
#![allow(dead_code)]

pub mod relay;

use folio_sites::wordpress::WordPress;
use folio_sites::{Destination, RemoteMedia};
use std::path::Path;
use std::process::Command;

pub struct Site {
    pub url: String,
    pub user: String,
    pub password: String,
}

/// The WordPress from tests/with-wordpress.sh. Skips (returns `None`) without one, except under
/// `make test`, where FOLIO_REQUIRE_WP turns a missing WordPress into a failure.
pub fn wordpress() -> Option<Site> {
    site_from("FOLIO_WP")
}

/// The second test site, with the companion plugin (`FOLIO_WPC_*`).
pub fn wordpress_with_companion() -> Option<Site> {
    site_from("FOLIO_WPC")
}

fn site_from(prefix: &str) -> Option<Site> {
    let get = |k: &str| std::env::var(format!("{prefix}_{k}")).ok();
    match (get("URL"), get("USER"), get("APP_PASSWORD")) {
        (Some(url), Some(user), Some(password)) => Some(Site { url, user, password }),
        _ if std::env::var_os("FOLIO_REQUIRE_WP").is_some() => {
            panic!("FOLIO_REQUIRE_WP is set but no WordPress is ({prefix}_*)")
        }
        _ => {
            eprintln!(
                "SKIP: no WordPress (run under tests/with-wordpress.sh, as `make test` does)"
            );
            None
        }
    }
}

impl Site {
    pub fn client(&self) -> WordPress {
        WordPress::new(&self.url, &self.user, &self.password).unwrap()
    }

    /// Connects this site as "blog" and adds `album` to it, named `{album}-{filename}` on the
    /// site so a test can find its uploads, as every sync test starts.
    pub fn connect_album(&self, data: &Path, album: &Path) {
        let ok = |args: &[&str]| {
            let out = self.folio(data, args).output().unwrap();
            assert!(
                out.status.success(),
                "folio {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        ok(&["site", "add", "blog", "--wordpress", &self.url, "--user", &self.user]);
        let root = album.to_string_lossy().into_owned();
        ok(&["album", "add", &root, "--site", "blog", "--naming", "{album}-{filename}"]);
    }

    /// A `folio` command on `data`, with credentials kept in files (CI has no keychain).
    pub fn folio(&self, data: &Path, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_folio"));
        c.arg("--data-dir")
            .arg(data)
            .args(args)
            .env("FOLIO_SECRETS", "file")
            .env("FOLIO_APP_PASSWORD", &self.password);
        c
    }
}

/// A name unique to this test run, used as the album folder so its uploads can be told apart on
/// the shared test site.
pub fn unique(prefix: &str) -> String {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{prefix}{nanos:x}")
}

/// Every attachment whose URL contains `album` (uploads are named `{album}-{filename}`).
pub async fn album_media(wp: &WordPress, album: &str) -> Vec<RemoteMedia> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    let mut restarts = 0;
    loop {
        let p = match wp.list(cursor.as_deref()).await {
            Ok(p) => p,
            // Tests share one WordPress: another test's deletions can end the listing early,
            // and WordPress then refuses the next page. Read it again from the start.
            Err(e) if restarts < 5 && e.message.contains("page number requested is larger") => {
                restarts += 1;
                all.clear();
                cursor = None;
                continue;
            }
            Err(e) => panic!("listing the media library: {e:?}"),
        };
        all.extend(p.items.into_iter().filter(|m| m.url.contains(album)));
        cursor = p.next;
        if cursor.is_none() {
            return all;
        }
    }
}

/// SHA-256 of what the site serves at `url` now (a query string defeats caches).
pub async fn served_sha(url: &str) -> String {
    use sha2::Digest;
    let nonce = unique("v");
    let bytes = reqwest::get(format!("{url}?{nonce}")).await.unwrap().bytes().await.unwrap();
    format!("{:x}", sha2::Sha256::digest(&bytes))
}

/// A generated 900×600 PNG whose content depends on `shade`: each call with a new shade is a
/// re-export with new bytes.
pub fn gradient_photo(path: &Path, shade: u8) {
    image::RgbImage::from_fn(900, 600, |x, y| image::Rgb([shade, (x / 4) as u8, (y / 3) as u8]))
        .save(path)
        .unwrap();
}

/// Fails when any of `secrets` is in Folio's database files (`folio.db`, its WAL) under `data`:
/// secrets belong in the keychain only.
pub fn assert_no_secret_in_db(data: &Path, secrets: &[&str]) {
    for entry in std::fs::read_dir(data).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().is_some_and(|n| n.to_string_lossy().starts_with("folio.db")) {
            let db = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
            for secret in secrets.iter().filter(|s| !s.is_empty()) {
                assert!(!db.contains(secret), "a secret in {path:?}");
            }
        }
    }
}
