//! Taking published photos off an album's sites (`folio unpublish`, a Lightroom publish
//! service's Delete). A photo counts as removed only once every site has let go of its copy,
//! so a caller that confirms deletions (Lightroom's `deletedCallback`) never confirms one that
//! did not happen; asking again is harmless.

use crate::pipeline::step::{AlbumContext, Outcome, Work};
use crate::publish::named::PhotoRef;
use crate::queue::workers;
use crate::state::EngineState;
use crate::{Engine, EngineError};
use folio_model::{AlbumSettings, AssetId, SiteId, SiteState};
use folio_store::{Album, Asset, AssetState, PublicationState};
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UnpublishState {
    /// No site has it any more, and the copy `publish` made is gone from the album folder.
    Removed,
    Failed,
}

/// One photo, as `folio unpublish --json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct Unpublished {
    pub id: Option<AssetId>,
    pub state: UnpublishState,
    pub error: Option<String>,
}

impl Engine {
    /// Removes the named photos from the sites of the album at `album_root`, into each site's
    /// trash or for good as the album's delete policy says, and deletes the copies `publish`
    /// made of them from the album folder. The answer is in the order of `photos`.
    pub async fn unpublish(
        &self,
        album_root: &Path,
        photos: &[PhotoRef],
    ) -> Result<Vec<Unpublished>, EngineError> {
        let album = self.album_by_root(album_root).await?;
        let store = &self.state.store;
        let mut out = Vec::new();
        let mut leaving = Vec::new();
        for r in photos {
            let Some(asset) = self.album_photo(&album, r).await? else {
                out.push(Unpublished {
                    id: None,
                    state: UnpublishState::Failed,
                    error: Some(format!("{} is not a photo of {}", r.describe(), album.name)),
                });
                continue;
            };
            if let Err(why) = self.take_out(&album, &asset).await? {
                out.push(failed(asset.id, why));
                continue;
            }
            out.push(Unpublished {
                id: Some(asset.id),
                state: UnpublishState::Removed,
                error: None,
            });
            leaving.push(asset);
        }
        let mut errors: HashMap<AssetId, Vec<String>> = HashMap::new();
        // A delete raced by another process's push of the same photo finds a newer copy: a
        // second round removes that one too.
        for _ in 0..3 {
            let said = remove_copies(&self.state, &album, &leaving).await?;
            let mut left = false;
            for asset in &leaving {
                left |= !copies_left(&self.state, asset.id).await?.is_empty();
            }
            errors = said;
            if !left || !errors.is_empty() {
                break;
            }
        }
        for entry in out.iter_mut().filter(|u| u.state == UnpublishState::Removed) {
            let Some(id) = entry.id else { continue };
            let left = copies_left(&self.state, id).await?;
            if left.is_empty() {
                continue;
            }
            let sites = store.sites().await?;
            let mut why = errors.remove(&id).unwrap_or_default();
            if why.is_empty() {
                let names: Vec<String> = left
                    .iter()
                    .filter_map(|s| sites.iter().find(|x| x.id == *s).map(|x| x.name.clone()))
                    .collect();
                why.push(format!("still on {}", names.join(", ")));
            }
            entry.state = UnpublishState::Failed;
            entry.error = Some(why.join("; "));
        }
        Ok(out)
    }

    /// The photo of `album` that `r` names, whether its file is still there or not.
    pub(crate) async fn album_photo(
        &self,
        album: &Album,
        r: &PhotoRef,
    ) -> Result<Option<Asset>, EngineError> {
        let store = &self.state.store;
        Ok(match r {
            PhotoRef::Id(id) => store.asset(*id).await?.filter(|a| a.album_id == album.id),
            PhotoRef::Path(p) => {
                let Some(rel) = rel_in_album(Path::new(&album.root), p) else { return Ok(None) };
                store.assets(album.id).await?.into_iter().find(|a| a.rel_path == rel)
            }
        })
    }

    /// Takes the photo out of the album: its copy in the folder deleted (only one `publish`
    /// made), and its site copies owed a removal. `Err` says why it stays.
    async fn take_out(
        &self,
        album: &Album,
        asset: &Asset,
    ) -> Result<Result<(), String>, EngineError> {
        let store = &self.state.store;
        let file = Path::new(&album.root).join(&asset.rel_path);
        if asset.state != AssetState::Missing && file.exists() {
            if !store.is_published_copy(album.id, &asset.rel_path).await? {
                return Ok(Err(format!(
                    "{} is a file of your own in the album folder, not a copy folio publish \
                     made; Folio leaves it there (move it out of the folder, and the album's \
                     delete policy takes it off the sites)",
                    asset.rel_path
                )));
            }
            if let Err(e) = std::fs::remove_file(&file) {
                return Ok(Err(format!("cannot delete {}: {e}", file.display())));
            }
        }
        store.forget_published_copy(album.id, &asset.rel_path).await?;
        if asset.state != AssetState::Missing {
            let message = format!("{} was unpublished", asset.rel_path);
            store.log(Some(album.id), "info", &message).await?;
        }
        // Also copies kept after an earlier "no trash" (orphaned): asked for again.
        store.mark_missing(asset.id, true).await?;
        store.drop_jobs(asset.id).await?;
        Ok(Ok(()))
    }
}

fn failed(id: AssetId, why: String) -> Unpublished {
    Unpublished { id: Some(id), state: UnpublishState::Failed, error: Some(why) }
}

/// The sites that still hold a copy of the photo (as far as Folio knows).
async fn copies_left(engine: &EngineState, asset: AssetId) -> Result<Vec<SiteId>, EngineError> {
    let mut left = Vec::new();
    for site in engine.store.sites().await? {
        let p = engine.store.current_publication(asset, site.id).await?;
        if p.is_some_and(|p| p.remote_id.is_some() && p.state != PublicationState::Pending) {
            left.push(site.id);
        }
    }
    Ok(left)
}

/// Deletes every copy the photos still have, through each site's queue (so a step of another
/// process on the same photo finishes first). Returns what failed, per photo.
async fn remove_copies(
    engine: &Arc<EngineState>,
    album: &Album,
    photos: &[Asset],
) -> Result<HashMap<AssetId, Vec<String>>, EngineError> {
    let store = &engine.store;
    let settings: AlbumSettings = serde_json::from_str(&album.settings).unwrap_or_default();
    let source = engine.open_source(album).await?;
    let context = Arc::new(AlbumContext { album: album.clone(), settings, source });
    let mut answers = Vec::new();
    let mut errors: HashMap<AssetId, Vec<String>> = HashMap::new();
    for site in store.sites().await? {
        let mut owed = Vec::new();
        for asset in photos {
            let Some(p) = store.current_publication(asset.id, site.id).await? else { continue };
            if p.remote_id.is_some() && p.state != PublicationState::Pending {
                // An orphaned copy (kept after an earlier refusal) is asked for again.
                store.set_publication_state(p.id, PublicationState::Removing).await?;
                owed.push((asset, p.id));
            }
        }
        if owed.is_empty() {
            continue;
        }
        let q = match workers::queue_for(engine, &site) {
            Ok(q) => q,
            Err(e) => {
                for (asset, _) in owed {
                    errors.entry(asset.id).or_default().push(format!("{}: {e}", site.name));
                }
                continue;
            }
        };
        if site.state != SiteState::Ok {
            let _ = workers::check(engine, &q).await;
        }
        for (asset, publication) in owed {
            let work = Work {
                album: context.clone(),
                asset: asset.id,
                content_hash: asset.content_hash.clone(),
                path: asset.rel_path.clone(),
                sequence: 0,
                delete: Some(publication),
                retry_now: true,
                reservation: None,
                ticket: None,
            };
            answers.push((asset.id, site.name.clone(), q.submit(work)));
        }
    }
    for (asset, site, answer) in answers {
        let why = match answer.await.unwrap_or(Outcome::SiteNotReady) {
            Outcome::Deleted | Outcome::Stale => continue,
            Outcome::Kept => format!(
                "{site} has no trash, so the photo stays there; to remove it, set the album to \
                 delete for good (folio album set {} --delete-policy permanent)",
                album.root
            ),
            Outcome::Failed(e) => e.message,
            Outcome::SiteDown(state, e) => format!("{site} is {}: {e}", state.as_str()),
            Outcome::SiteNotReady => format!("{site} is paused; try again once it works"),
            other => format!("{site}: {other:?}"),
        };
        errors.entry(asset).or_default().push(why);
    }
    Ok(errors)
}

/// `path` (absolute, relative to the current folder, or relative to the album folder) as a
/// photo's path in the album, whether the file is still there or not.
pub(crate) fn rel_in_album(root: &Path, path: &Path) -> Option<String> {
    let real = |p: &Path| -> PathBuf {
        if let Ok(c) = p.canonicalize() {
            return c;
        }
        // Gone already: its folder names the place.
        match (p.parent().and_then(|d| d.canonicalize().ok()), p.file_name()) {
            (Some(dir), Some(name)) => dir.join(name),
            _ => p.to_path_buf(),
        }
    };
    let mut tries = vec![real(path)];
    if path.is_relative() {
        tries.push(real(&root.join(path)));
    }
    tries.into_iter().find_map(|p| {
        let inside = p.strip_prefix(root).ok()?;
        let rel: Vec<String> =
            inside.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
        (!rel.is_empty()).then(|| rel.join("/"))
    })
}

#[cfg(test)]
mod tests {
    use super::rel_in_album;

    #[test]
    fn a_photo_is_named_by_its_path_in_the_album_even_once_its_file_is_gone() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("sub/a.jpg"), b"x").unwrap();
        assert_eq!(rel_in_album(&root, &root.join("sub/a.jpg")).as_deref(), Some("sub/a.jpg"));
        assert_eq!(
            rel_in_album(&root, &root.join("sub/gone.jpg")).as_deref(),
            Some("sub/gone.jpg")
        );
        assert_eq!(
            rel_in_album(&root, std::path::Path::new("sub/a.jpg")).as_deref(),
            Some("sub/a.jpg")
        );
        assert_eq!(rel_in_album(&root, std::path::Path::new("/elsewhere/a.jpg")), None);
        assert_eq!(rel_in_album(&root, &root), None);
    }
}
