//! Publishing named files into a folder album and waiting for the sites (`folio publish`, a
//! Lightroom publish service's Publish). Each file is copied into the album's folder under its
//! own name (or taken where it is, when it is already inside), so the same name is the same
//! photo with the same id at every later publish. Then the album is looked at and those photos
//! alone are planned and pushed now, through the site queues like any pass: a re-published
//! photo is replaced in place where the site can, and an upload whose answer was lost is found
//! by its key rather than sent twice. Another process on the data folder (the app, `folio
//! watch`) may push the same photos meanwhile; the claims in push.rs keep that to one upload.

use crate::live::pass::{self, Targets};
use crate::live::reconcile::{reconcile, Reconciled};
use crate::pipeline::planner::Target;
use crate::pipeline::step::{preset_for, AlbumContext, Outcome};
use crate::queue::workers;
use crate::state::EngineState;
use crate::{Engine, EngineError};
use folio_model::{AlbumId, AlbumSettings, AssetId, SiteId, SiteState};
use folio_store::{Album, Asset, AssetState, JobState, Publication, PublicationState, Site};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often `--wait` looks again at photos still on their way.
const WAIT_STEP: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PublishState {
    /// Every target site serves this version.
    Published,
    /// It will not get there as it is (a file the sites or the converter refuse, or an error
    /// retrying cannot fix); `error` says why.
    Failed,
    /// Still on its way: a retry later, a site that is paused, another process working on it.
    Waiting,
}

/// One published file, as `folio publish --json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct PublishedPhoto {
    /// Relative to the album folder (as given, when the file never got there).
    pub path: String,
    /// Folio's id for the photo: the same at every later publish of a file of this name.
    pub id: Option<AssetId>,
    pub state: PublishState,
    pub error: Option<String>,
    /// Every target site of the album, by name.
    pub sites: Vec<PublishedCopy>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PublishedCopy {
    pub name: String,
    pub url: Option<String>,
    /// The site's own id for the item.
    pub remote_id: Option<String>,
}

/// A photo named on the command line: Folio's id for it, or its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhotoRef {
    Id(AssetId),
    Path(PathBuf),
}

impl PhotoRef {
    /// Digits are an id (no photo file is named without an extension); anything else a path.
    pub fn parse(s: &str) -> PhotoRef {
        match s.parse::<i64>() {
            Ok(id) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
                PhotoRef::Id(AssetId(id))
            }
            _ => PhotoRef::Path(PathBuf::from(s)),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            PhotoRef::Id(id) => id.to_string(),
            PhotoRef::Path(p) => p.display().to_string(),
        }
    }
}

/// Why a placed file was not pushed in a round: `(failed for good, reason)`.
type Notes = HashMap<String, (bool, String)>;

/// A failure an attempt reported for one photo on one site.
type Errors = HashMap<(AssetId, SiteId), String>;

impl Engine {
    /// Copies `files` into the folder album at `album_root` and pushes them now to every target
    /// site of the album. With `wait`, goes on (retries, a site that comes back, another
    /// process finishing) until each is published or failed, for at most that long. The
    /// answer is in the order of `files`.
    pub async fn publish(
        &self,
        album_root: &Path,
        files: &[PathBuf],
        wait: Option<Duration>,
    ) -> Result<Vec<PublishedPhoto>, EngineError> {
        let album = self.album_by_root(album_root).await?;
        if album.source_kind != "folder" {
            return Err(EngineError::config(format!(
                "{} is a {} album; publish copies files into a folder album",
                album.root, album.source_kind
            )));
        }
        if files.is_empty() {
            return Err(EngineError::config("no files to publish"));
        }
        let root = PathBuf::from(&album.root);
        let mut placed = Vec::new();
        let mut names = HashMap::new();
        for file in files {
            let at = self.place(&album, &root, file, &mut names).await;
            placed.push((file.display().to_string(), at));
        }
        let wanted: HashSet<String> =
            placed.iter().filter_map(|(_, at)| at.as_ref().ok().cloned()).collect();
        let deadline = wait.map(|w| Instant::now() + w);
        let mut retry_now = true;
        loop {
            let (notes, errors) = if wanted.is_empty() {
                Default::default()
            } else {
                push_round(&self.state, album.id, &wanted, retry_now).await?
            };
            retry_now = false;
            let (photos, can_progress) =
                self.publish_states(album.id, &placed, &notes, &errors).await?;
            let now = Instant::now();
            match deadline {
                Some(at) if can_progress && now < at => {
                    tokio::time::sleep(WAIT_STEP.min(at - now)).await;
                }
                _ => return Ok(photos),
            }
        }
    }

    /// Puts `file` in the album's folder; returns its path there, or why it cannot be.
    async fn place(
        &self,
        album: &Album,
        root: &Path,
        file: &Path,
        names: &mut HashMap<String, PathBuf>,
    ) -> Result<String, String> {
        let real = file.canonicalize().map_err(|e| format!("{}: {e}", file.display()))?;
        if !real.is_file() {
            return Err(format!("{} is not a file", file.display()));
        }
        if let Ok(inside) = real.strip_prefix(root) {
            // Already in the album: taken where it is.
            let rel: Vec<String> =
                inside.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
            return Ok(rel.join("/"));
        }
        let name = real.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if !folio_model::is_photo_name(&name) {
            return Err(format!("{name} is not a photo Folio reads (by its extension)"));
        }
        if name.starts_with('.') || name.starts_with('~') {
            return Err(format!("{name}: hidden and temporary files are not looked at"));
        }
        if names.get(&name).is_some_and(|other| *other != real) {
            return Err(format!("two files named {name} in one publish; give them distinct names"));
        }
        names.insert(name.clone(), real.clone());
        let store = &self.state.store;
        let dest = root.join(&name);
        let ours = store.is_published_copy(album.id, &name).await.map_err(|e| e.to_string())?;
        if dest.exists() && !ours {
            return Err(format!(
                "{name} is already in the album folder and is not a copy folio publish made; \
                 it is left as it is (publish the file under another name)"
            ));
        }
        store.mark_published_copy(album.id, &name).await.map_err(|e| e.to_string())?;
        let copied = tokio::task::spawn_blocking(move || copy_in(&real, &dest))
            .await
            .map_err(|e| e.to_string())?;
        copied.map_err(|e| format!("copying {} into {}: {e}", file.display(), root.display()))?;
        Ok(name)
    }

    /// Where each placed file stands now, from the store (which another process may have
    /// written too), and whether waiting longer can change anything.
    async fn publish_states(
        &self,
        album_id: AlbumId,
        placed: &[(String, Result<String, String>)],
        notes: &Notes,
        errors: &Errors,
    ) -> Result<(Vec<PublishedPhoto>, bool), EngineError> {
        let store = &self.state.store;
        let album =
            store.album(album_id).await?.ok_or_else(|| EngineError::config("the album is gone"))?;
        let settings: AlbumSettings = serde_json::from_str(&album.settings).unwrap_or_default();
        let targets: Vec<Site> =
            store.sites().await?.into_iter().filter(|s| album.site_ids.contains(&s.id)).collect();
        let assets: HashMap<String, Asset> =
            store.assets(album.id).await?.into_iter().map(|a| (a.rel_path.clone(), a)).collect();
        let mut out = Vec::new();
        let mut can_progress = false;
        for (given, at) in placed {
            let mut photo = PublishedPhoto {
                path: given.clone(),
                id: None,
                state: PublishState::Waiting,
                error: None,
                sites: targets
                    .iter()
                    .map(|s| PublishedCopy { name: s.name.clone(), url: None, remote_id: None })
                    .collect(),
            };
            let rel = match at {
                Ok(rel) => rel,
                Err(e) => {
                    photo.state = PublishState::Failed;
                    photo.error = Some(e.clone());
                    out.push(photo);
                    continue;
                }
            };
            photo.path = rel.clone();
            let asset = assets.get(rel).filter(|a| a.state != AssetState::Missing);
            let registered = asset.filter(|a| is_current(&album, a));
            let Some(asset) = registered else {
                // Not looked at in this version yet (another writer, a slow disk).
                let (failed, why) = notes.get(rel).cloned().unwrap_or((
                    false,
                    "not taken in yet; the file may still be being written".into(),
                ));
                photo.id = asset.map(|a| a.id);
                photo.state = if failed { PublishState::Failed } else { PublishState::Waiting };
                can_progress |= !failed;
                photo.error = Some(why);
                out.push(photo);
                continue;
            };
            photo.id = Some(asset.id);
            if let Some((true, why)) = notes.get(rel) {
                photo.state = PublishState::Failed;
                photo.error = Some(why.clone());
                out.push(photo);
                continue;
            }
            if asset.state == AssetState::Failed {
                photo.state = PublishState::Failed;
                photo.error = asset.error.clone();
                out.push(photo);
                continue;
            }
            if targets.is_empty() {
                photo.error = Some("the album goes to no site".into());
                out.push(photo);
                continue;
            }
            can_progress |= self.on_sites(&settings, &targets, asset, &mut photo, errors).await?;
            out.push(photo);
        }
        Ok((out, can_progress))
    }

    /// Where one taken-in photo stands on its target sites, as one state and one line of why;
    /// `true` if waiting longer may change it.
    async fn on_sites(
        &self,
        settings: &AlbumSettings,
        targets: &[Site],
        asset: &Asset,
        photo: &mut PublishedPhoto,
        errors: &Errors,
    ) -> Result<bool, EngineError> {
        let (mut failed, mut waiting, mut can_progress) = (Vec::new(), Vec::new(), false);
        for (site, copy) in targets.iter().zip(photo.sites.iter_mut()) {
            match self.on_site(settings, site, asset, copy, errors).await? {
                OnSite::Served => {}
                OnSite::Failed(why) => failed.push(why),
                OnSite::Waiting { why, can_progress: more } => {
                    can_progress |= more;
                    waiting.push(why);
                }
            }
        }
        (photo.state, photo.error) = if !failed.is_empty() {
            failed.extend(waiting);
            (PublishState::Failed, Some(failed.join("; ")))
        } else if !waiting.is_empty() {
            (PublishState::Waiting, Some(waiting.join("; ")))
        } else {
            (PublishState::Published, None)
        };
        Ok(can_progress)
    }

    /// Where one taken-in photo stands on one target site; fills in its copy there if it has
    /// one.
    async fn on_site(
        &self,
        settings: &AlbumSettings,
        site: &Site,
        asset: &Asset,
        copy: &mut PublishedCopy,
        errors: &Errors,
    ) -> Result<OnSite, EngineError> {
        let store = &self.state.store;
        let preset = preset_for(settings, &EngineState::capabilities(site)).hash();
        let p = store.current_publication(asset.id, site.id).await?;
        if let Some(p) = p.as_ref().filter(|p| serves(p, asset, &preset)) {
            copy.url = p.remote_url.clone();
            copy.remote_id = p.remote_id.as_ref().map(|r| r.0.clone());
            return Ok(OnSite::Served);
        }
        let job = store.job(asset.id, site.id).await?;
        let said = errors.get(&(asset.id, site.id)).cloned();
        let last = job.as_ref().and_then(|j| j.last_error.clone());
        let parked = job.as_ref().is_some_and(|j| j.state == JobState::Parked);
        let failed_alone =
            job.is_none() && p.as_ref().is_some_and(|p| p.state == PublicationState::Failed);
        if parked || failed_alone {
            let why = last
                .or(said)
                .or_else(|| p.and_then(|p| p.last_error))
                .unwrap_or_else(|| "the site refused it".into());
            return Ok(OnSite::Failed(format!("{}: {why}", site.name)));
        }
        let e = site.state_error.clone().unwrap_or_default();
        Ok(match site.state {
            SiteState::Reconnect => OnSite::Waiting {
                why: format!("{} needs reconnecting ({e}); folio site reconnect", site.name),
                can_progress: false,
            },
            SiteState::Unreachable => OnSite::Waiting {
                why: format!("{} cannot be reached ({e}); Folio tries again", site.name),
                can_progress: true,
            },
            SiteState::RateLimited => OnSite::Waiting {
                why: format!("{} is rate limited ({e})", site.name),
                can_progress: true,
            },
            SiteState::Ok => OnSite::Waiting {
                why: match said.or(last) {
                    Some(e) => format!("{}: {e}; Folio tries again", site.name),
                    None => format!("{}: on its way", site.name),
                },
                can_progress: true,
            },
        })
    }
}

/// Where a photo stands on one site, for `publish`'s answer.
enum OnSite {
    Served,
    Failed(String),
    /// Not there yet; `can_progress`: waiting longer may change that.
    Waiting {
        why: String,
        can_progress: bool,
    },
}

/// The site has this very version of the photo: its content under the preset the site gets.
pub(crate) fn serves(p: &Publication, asset: &Asset, preset_hash: &str) -> bool {
    matches!(p.state, PublicationState::Synced | PublicationState::Orphaned)
        && p.remote_id.is_some()
        && p.content_hash == asset.content_hash
        && p.preset_hash == preset_hash
}

/// The row describes the file as it is in the folder now (not an older version of it).
pub(crate) fn is_current(album: &Album, asset: &Asset) -> bool {
    let file = Path::new(&album.root).join(&asset.rel_path);
    std::fs::metadata(&file).is_ok_and(|m| {
        let mtime = m
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as i64);
        m.len() as i64 == asset.size && mtime == asset.mtime_ns
    })
}

/// Writes `from` to `dest` whole: a hidden name first (the folder scan skips it), then a rename,
/// so no reader (the app, `folio watch`) ever sees half a photo. An identical file is left as
/// it is, so its row and time stay and nothing is read again.
fn copy_in(from: &Path, dest: &Path) -> std::io::Result<()> {
    if same_bytes(from, dest)? {
        return Ok(());
    }
    let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let partial = dest.with_file_name(format!(".{name}.folio-publish"));
    std::fs::copy(from, &partial)?;
    std::fs::rename(&partial, dest).inspect_err(|_| {
        let _ = std::fs::remove_file(&partial);
    })
}

fn same_bytes(a: &Path, b: &Path) -> std::io::Result<bool> {
    let (Ok(ma), Ok(mb)) = (std::fs::metadata(a), std::fs::metadata(b)) else { return Ok(false) };
    if ma.len() != mb.len() {
        return Ok(false);
    }
    Ok(std::fs::read(a)? == std::fs::read(b)?)
}

/// One look at the album and one push of the wanted photos, every step awaited. Returns why
/// wanted files were not pushed, and what each step that failed said.
async fn push_round(
    engine: &Arc<EngineState>,
    album_id: AlbumId,
    wanted: &HashSet<String>,
    retry_now: bool,
) -> Result<(Notes, Errors), EngineError> {
    let store = &engine.store;
    let mut notes = Notes::new();
    let answers = {
        let lock = engine.album_lock(album_id);
        let _one_pass = lock.lock().await;
        let album =
            store.album(album_id).await?.ok_or_else(|| EngineError::config("the album is gone"))?;
        let settings: AlbumSettings = serde_json::from_str(&album.settings).unwrap_or_default();
        let source = engine.open_source(&album).await?;
        let found = reconcile(engine, &album, &*source).await?;
        note_not_taken(engine, &album, wanted, &found, &mut notes).await?;
        // Positions in the album, for `{sequence}`, as a pass numbers them.
        let photos: HashMap<AssetId, (usize, &Asset)> = found
            .current
            .iter()
            .enumerate()
            .filter(|(_, a)| wanted.contains(&a.rel_path))
            .map(|(i, a)| (a.id, (i + 1, a)))
            .collect();
        if photos.is_empty() {
            return Ok((notes, Errors::new()));
        }
        let sites =
            publish_targets(engine, &album, &settings, &photos, retry_now, &mut notes).await?;
        let mut in_order: Vec<(usize, &Asset)> = photos.values().copied().collect();
        in_order.sort_by_key(|(position, _)| *position);
        let assets: Vec<Asset> = in_order.into_iter().map(|(_, a)| a.clone()).collect();
        let plan =
            pass::plan_album(engine, &album, &settings, retry_now, &assets, &[], &sites).await?;
        let context = Arc::new(AlbumContext { album: album.clone(), settings, source });
        pass::hand_off(engine, &context, plan, &photos, &sites, retry_now)
    };
    let mut errors = Errors::new();
    for (asset, site, _, answer) in answers {
        let said = match answer.await.unwrap_or(Outcome::SiteNotReady) {
            Outcome::Failed(e) | Outcome::PhotoFailed(e) => e.message,
            Outcome::Waiting(e) => e,
            Outcome::SiteDown(_, e) => e,
            _ => continue,
        };
        errors.insert((asset, site), said);
    }
    Ok((notes, errors))
}

/// Notes why wanted photos the look at the album did not take in cannot be published now.
async fn note_not_taken(
    engine: &EngineState,
    album: &Album,
    wanted: &HashSet<String>,
    found: &Reconciled,
    notes: &mut Notes,
) -> Result<(), EngineError> {
    for f in found.failed.iter().filter(|f| wanted.contains(&f.path)) {
        notes.insert(f.path.clone(), (true, f.error.clone()));
    }
    for problem in &found.problems {
        for rel in wanted {
            notes.entry(rel.clone()).or_insert((false, problem.clone()));
        }
    }
    let current: HashSet<&str> = found.current.iter().map(|a| a.rel_path.as_str()).collect();
    for a in engine.store.assets(album.id).await? {
        let left_out = a.state == AssetState::Present
            && wanted.contains(&a.rel_path)
            && !current.contains(a.rel_path.as_str());
        if left_out && !notes.contains_key(&a.rel_path) {
            let why = "the other half of a RAW+JPEG pair in this album is published instead \
                       (folio album set --raw-pair)";
            notes.insert(a.rel_path.clone(), (true, why.into()));
        }
    }
    Ok(())
}

/// The album's sites with their queues; asked for now, so a paused site gets one check
/// before its photos wait.
async fn publish_targets(
    engine: &Arc<EngineState>,
    album: &Album,
    settings: &AlbumSettings,
    photos: &HashMap<AssetId, (usize, &Asset)>,
    retry_now: bool,
    notes: &mut Notes,
) -> Result<Targets, EngineError> {
    let mut sites = Targets { targets: Vec::new(), queues: HashMap::new() };
    for site in engine.store.sites().await?.into_iter().filter(|s| album.site_ids.contains(&s.id)) {
        let q = match workers::queue_for(engine, &site) {
            Ok(q) => q,
            Err(e) => {
                for (_, a) in photos.values() {
                    notes.insert(a.rel_path.clone(), (true, format!("{}: {e}", site.name)));
                }
                continue;
            }
        };
        if retry_now && site.state != SiteState::Ok {
            let _ = workers::check(engine, &q).await;
        }
        let caps = EngineState::capabilities(&site);
        sites.targets.push(Target {
            site: site.id,
            ready: q.is_ready(),
            preset_hash: preset_for(settings, &caps).hash(),
            replace_in_place: caps.replaces(),
        });
        sites.queues.insert(site.id, q);
    }
    Ok(sites)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_name_a_photo_by_id_and_anything_else_by_its_file() {
        assert_eq!(PhotoRef::parse("42"), PhotoRef::Id(AssetId(42)));
        assert_eq!(PhotoRef::parse("IMG_1.jpg"), PhotoRef::Path("IMG_1.jpg".into()));
        assert_eq!(PhotoRef::parse("-3"), PhotoRef::Path("-3".into()));
        assert_eq!(PhotoRef::parse("+3"), PhotoRef::Path("+3".into()));
        assert_eq!(PhotoRef::parse(""), PhotoRef::Path("".into()));
    }

    #[test]
    fn a_copy_arrives_whole_and_an_identical_one_is_not_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let from = dir.path().join("render.jpg");
        let dest = dir.path().join("album.jpg");
        std::fs::write(&from, b"first").unwrap();
        copy_in(&from, &dest).unwrap();
        assert_eq!(std::fs::read(&dest).unwrap(), b"first");
        let before = std::fs::metadata(&dest).unwrap().modified().unwrap();
        std::thread::sleep(Duration::from_millis(20));
        copy_in(&from, &dest).unwrap();
        assert_eq!(std::fs::metadata(&dest).unwrap().modified().unwrap(), before, "rewritten");
        std::fs::write(&from, b"second").unwrap();
        copy_in(&from, &dest).unwrap();
        assert_eq!(std::fs::read(&dest).unwrap(), b"second");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().collect();
        assert_eq!(left.len(), 2, "no partial file left behind");
    }
}
