//! Canva designs as an album source. An album is a Canva folder (the designs directly in it)
//! or one design; its location is `ACCOUNT:folder/ID` (`ACCOUNT:folder/root` for the top of
//! the account's projects) or `ACCOUNT:design/ID`. Its items are design pages, named
//! `Design title/page N` (N from 1; the design id is added to titles that repeat).
//!
//! Canva tells a change only by a design's `updated_at`, which one listing call gives for the
//! whole folder. A design whose `updated_at` is the one the last look handled (kept in the
//! cursor) is not exported at all; a changed one is exported as a whole (one job, PNG or JPG),
//! each page downloaded at once (the URLs last 24 hours; an expired one makes a new job) and
//! hashed by its decoded pixels, and only pages whose pixels changed are reported. Their files
//! wait in the spool for [`Source::fetch`]; a fetch that finds none exports that page again.
//! Canva has no notification of design edits, so there is nothing to watch: the engine looks
//! on its timer.

pub mod account;
pub mod api;
pub mod connector;
#[cfg(feature = "testing")]
pub mod fake;
pub mod limits;
pub mod pages;
pub mod wire;

pub use api::{AccessToken, CanvaApi, Polling};
pub use limits::{Budget, Limits, Quota};

use crate::{Changes, Known, LocalCopy, OnChange, Source, SourceError, SourceErrorKind as Kind};
use crate::{SourceItem, WatchGuard, MAX_ITEM_BYTES};
use pages::{page_path, parse_page_path, pixel_hash, spooled, Seen};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use wire::{Design, ExportFormat, FolderItem};

/// How an account's pages are exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Export {
    Png,
    /// With its quality, 1–100.
    Jpg(u8),
}

impl Export {
    fn format(self, pages: Vec<u32>) -> ExportFormat {
        match self {
            Export::Png => ExportFormat::Png { width: None, pages },
            Export::Jpg(quality) => ExportFormat::Jpg { quality, width: None, pages },
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Export::Png => "png",
            Export::Jpg(_) => "jpg",
        }
    }
}

/// What an album reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// The designs directly in a folder ("root": the top of the projects).
    Folder(String),
    Design(String),
}

impl Scope {
    /// `ACCOUNT:folder/ID` or `ACCOUNT:design/ID` → the scope.
    pub fn parse(location: &str) -> Option<Scope> {
        let (account, path) = location.split_once(':')?;
        let (kind, id) = path.trim_matches('/').split_once('/')?;
        let valid = !account.is_empty()
            && !id.is_empty()
            && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        match kind {
            "folder" if valid => Some(Scope::Folder(id.into())),
            "design" if valid => Some(Scope::Design(id.into())),
            _ => None,
        }
    }

    fn what(&self) -> String {
        match self {
            Scope::Folder(id) => format!("Canva folder {id}"),
            Scope::Design(id) => format!("Canva design {id}"),
        }
    }
}

/// Numbers the fetched copies of the process, as Dropbox's downloads are.
static COPIES: AtomicU64 = AtomicU64::new(0);

pub struct CanvaSource {
    api: CanvaApi,
    scope: Scope,
    export: Export,
    /// The album's location, naming its spooled pages.
    location: String,
    spool: PathBuf,
}

impl CanvaSource {
    pub fn new(api: CanvaApi, location: &str, export: Export, spool: PathBuf) -> Option<Self> {
        let scope = Scope::parse(location)?;
        Some(CanvaSource { api, scope, export, location: location.to_string(), spool })
    }

    /// The album's designs, from one listing (or the one design).
    async fn designs(&self) -> Result<Vec<Design>, SourceError> {
        let gone = |e: SourceError| match e.kind {
            Kind::Gone => SourceError::new(
                Kind::Gone,
                format!("the album's {} is gone ({})", self.scope.what(), e.message),
            ),
            _ => e,
        };
        match &self.scope {
            Scope::Design(id) => Ok(vec![self.api.design(id).await.map_err(gone)?]),
            Scope::Folder(id) => Ok(self
                .api
                .folder_items(id)
                .await
                .map_err(gone)?
                .into_iter()
                .filter_map(|i| match i {
                    FolderItem::Design { design } => Some(design),
                    _ => None,
                })
                .collect()),
        }
    }

    /// Exports `pages` (all when empty) of `design` and downloads each to the file `dest`
    /// gives it, making a new job once if the URLs expired. `Ok(Err)`: this design's failure.
    async fn export_to(
        &self,
        design: &str,
        pages: Vec<u32>,
        dest: impl Fn(usize) -> PathBuf,
    ) -> Result<Result<Vec<(PathBuf, Result<u64, SourceError>)>, SourceError>, SourceError> {
        'job: for _ in 0..2 {
            let urls = match self.api.export(design, self.export.format(pages.clone())).await? {
                Ok(urls) => urls,
                Err(e) => return Ok(Err(e)),
            };
            let mut got = Vec::new();
            for (i, url) in urls.iter().enumerate() {
                let file = dest(i);
                let part = file.with_extension("part");
                match self.api.download(url, &part, MAX_ITEM_BYTES).await {
                    Ok(Some(size)) => {
                        let moved = std::fs::rename(&part, &file).map_err(|e| {
                            SourceError::new(Kind::Unavailable, format!("spool: {e}"))
                        });
                        got.push((file, moved.map(|_| size)));
                    }
                    Ok(None) => continue 'job,
                    Err(e) if e.kind == Kind::Item => got.push((file, Err(e))),
                    Err(e) => return Ok(Err(e)),
                }
            }
            return Ok(Ok(got));
        }
        Ok(Err(SourceError::new(
            Kind::Unavailable,
            "Canva's export links expired before Folio could download them; Folio will try again",
        )))
    }

    fn spool_dir(&self) -> Result<(), SourceError> {
        std::fs::create_dir_all(&self.spool).map_err(|e| {
            SourceError::new(
                Kind::Unavailable,
                format!("could not create {}: {e}", self.spool.display()),
            )
        })
    }

    fn copy_path(&self) -> PathBuf {
        let n = COPIES.fetch_add(1, Ordering::Relaxed);
        self.spool.join(format!("canva-{}-{n}.{}", std::process::id(), self.export.extension()))
    }
}

async fn hash_file(path: &Path) -> Result<String, SourceError> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || std::fs::read(&path).map(|b| pixel_hash(&b)))
        .await
        .map_err(|e| SourceError::new(Kind::Item, format!("could not decode the page: {e}")))?
        .map_err(|e| SourceError::new(Kind::Unavailable, format!("spool: {e}")))
}

#[async_trait::async_trait]
impl Source for CanvaSource {
    async fn changes(
        &self,
        cursor: Option<&str>,
        known: &HashMap<String, Known>,
    ) -> Result<Changes, SourceError> {
        let designs = self.designs().await?;
        self.spool_dir()?;
        let names = pages::names(&designs);
        let before = Seen::parse(cursor);
        let mut seen = Seen::default();
        let mut changes = Changes::default();
        // Paths that are there, changed or not: everything else known is removed.
        let mut present: HashSet<String> = HashSet::new();
        for design in &designs {
            let name = &names[&design.id];
            let handled = before.0.get(&design.id).copied();
            let pages_known =
                |count: u32| (1..=count).all(|p| known.contains_key(&page_path(name, p)));
            if let Some((at, count)) = handled.filter(|(at, _)| *at == design.updated_at) {
                if pages_known(count) {
                    present.extend((1..=count).map(|p| page_path(name, p)));
                    seen.0.insert(design.id.clone(), (at, count));
                    continue;
                }
            }
            let ext = self.export.extension();
            let spool = |i: usize| {
                spooled(&self.spool, &self.location, &page_path(name, i as u32 + 1), ext)
            };
            let exported = match self.export_to(&design.id, Vec::new(), spool).await? {
                Ok(files) => files,
                Err(e) => {
                    // Its pages stay as they were; the next look tries again.
                    let count = design.page_count.or(handled.map(|h| h.1)).unwrap_or(1).max(1);
                    for p in 1..=count {
                        present.insert(page_path(name, p));
                        changes.unreadable.push((page_path(name, p), e.message.clone()));
                    }
                    if let Some(h) = handled {
                        seen.0.insert(design.id.clone(), h);
                    }
                    continue;
                }
            };
            let mut whole = true;
            for (i, (file, got)) in exported.iter().enumerate() {
                let path = page_path(name, i as u32 + 1);
                present.insert(path.clone());
                let size = match got {
                    Ok(size) => *size,
                    Err(e) => {
                        whole = false;
                        changes.unreadable.push((path, e.message.clone()));
                        continue;
                    }
                };
                let content_hash = hash_file(file).await?;
                if known.get(&path).is_some_and(|k| k.content_hash == content_hash) {
                    // The same picture: nothing for the engine to fetch.
                    let _ = std::fs::remove_file(file);
                    continue;
                }
                changes.changed.push(SourceItem {
                    path,
                    size,
                    modified_ns: design.updated_at.saturating_mul(1_000_000_000),
                    content_hash,
                    revision: Some(design.updated_at.to_string()),
                });
            }
            if whole {
                seen.0.insert(design.id.clone(), (design.updated_at, exported.len() as u32));
            } else if let Some(h) = handled {
                seen.0.insert(design.id.clone(), h);
            }
        }
        changes.removed = known.keys().filter(|p| !present.contains(*p)).cloned().collect();
        changes.removed.sort();
        changes.cursor = Some(seen.cursor());
        Ok(changes)
    }

    async fn fetch(&self, path: &str) -> Result<LocalCopy, SourceError> {
        self.spool_dir()?;
        let copy = self.copy_path();
        let waiting = spooled(&self.spool, &self.location, path, self.export.extension());
        // Taken, not copied: the engine fetches a changed page once, and a later fetch
        // exports it afresh.
        if std::fs::rename(&waiting, &copy).is_ok() {
            return Ok(LocalCopy::Downloaded(copy));
        }
        let not_here = || {
            SourceError::new(
                Kind::Gone,
                format!("{path} is not in the album's {}", self.scope.what()),
            )
        };
        let (name, page) = parse_page_path(path).ok_or_else(not_here)?;
        let designs = self.designs().await?;
        let names = pages::names(&designs);
        let design = designs.iter().find(|d| names[&d.id] == name).ok_or_else(not_here)?;
        if design.page_count.is_some_and(|count| page > count) {
            return Err(not_here());
        }
        let copy_path = copy.clone();
        let got = self.export_to(&design.id, vec![page], move |_| copy_path.clone()).await??;
        let copy = LocalCopy::Downloaded(copy);
        match got.into_iter().next() {
            Some((_, Ok(_))) => Ok(copy),
            Some((_, Err(e))) => Err(e),
            None => Err(not_here()),
        }
    }

    fn watch(&self, _on_change: OnChange) -> Result<WatchGuard, SourceError> {
        // Canva notifies comments, shares and approvals, never a design edit.
        Ok(Box::new(()))
    }
}
