//! Plan, then act: this turns what is known (the album's photos, its target sites, what each
//! site already has, the retry queue, what is already in a site's queue) into the steps a pass
//! takes. Pure: no I/O, so every rule is unit-tested here and the executor only carries steps
//! out.

use folio_model::{AssetId, SiteId};
use folio_store::{Asset, Job, JobState, Publication, PublicationState};
use std::collections::HashMap;

/// One target site as the planner sees it.
#[derive(Debug, Clone)]
pub struct Target {
    pub site: SiteId,
    /// Its queue runs (state `ok`).
    pub ready: bool,
    /// The preset this site gets (the album's, with AVIF → WebP where refused), hashed.
    pub preset_hash: String,
    pub replace_in_place: bool,
}

/// What to do for one photo on one site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Not on the site yet.
    Upload,
    /// An upload of this version may have landed without its answer: look it up by its key
    /// before uploading (publication id).
    Resume(i64),
    /// The site took the upload and is processing it: poll it.
    Poll(i64),
    /// A new version replaces the old file in place (the old publication).
    Replace(i64),
    /// A new version where the site cannot replace: a new item, the old one stays.
    NewVersion(i64),
    /// Same picture, new text (patterns or the photographer's own changed).
    UpdateText(i64),
    /// The photo left the album and the album's policy removes it from the sites.
    Delete(i64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    UpToDate,
    /// Waiting for its retry time, or parked after a failure that retrying cannot fix.
    NotDue,
    /// The site is paused (reconnect, unreachable); its photos wait.
    SiteNotReady,
    /// Already in the site's queue for this version.
    InFlight,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub asset: AssetId,
    pub site: SiteId,
    pub action: Action,
}

#[derive(Debug, Default)]
pub struct Plan {
    pub steps: Vec<Step>,
    pub skipped: Vec<(AssetId, SiteId, Skip)>,
}

impl Plan {
    pub fn count(&self, skip: Skip) -> usize {
        self.skipped.iter().filter(|(_, _, s)| *s == skip).count()
    }
}

pub struct Input<'a> {
    /// Photos in the album now (present, readable), in album order.
    pub photos: &'a [Asset],
    /// Photos gone from the album whose copies are owed a removal (`removing`): from this pass,
    /// or from an earlier one that a paused site or a manual-only site sat out.
    pub removed: &'a [Asset],
    pub delete_remote: bool,
    pub targets: &'a [Target],
    /// The current publication of each photo on each site.
    pub publications: &'a HashMap<(AssetId, SiteId), Publication>,
    pub jobs: &'a HashMap<(AssetId, SiteId), Job>,
    /// (photo, site) → the content hash already queued or running.
    pub in_flight: &'a HashMap<(AssetId, SiteId), String>,
    /// Each photo's text key (`AlbumSettings::text_key`).
    pub text_keys: &'a HashMap<AssetId, String>,
    /// Run work waiting for its retry time too: the user asked.
    pub retry_now: bool,
    /// Unix seconds.
    pub now: i64,
}

pub fn plan(input: &Input<'_>) -> Plan {
    let mut plan = Plan::default();
    for photo in input.photos {
        for target in input.targets {
            match step_for(input, photo, target) {
                Ok(action) => plan.steps.push(Step { asset: photo.id, site: target.site, action }),
                Err(skip) => plan.skipped.push((photo.id, target.site, skip)),
            }
        }
    }
    if input.delete_remote {
        for asset in input.removed {
            for target in input.targets {
                match removal(input, asset, target) {
                    Some(Ok(action)) => {
                        plan.steps.push(Step { asset: asset.id, site: target.site, action })
                    }
                    Some(Err(skip)) => plan.skipped.push((asset.id, target.site, skip)),
                    None => {}
                }
            }
        }
    }
    plan
}

/// The removal a photo gone from the album owes one site, if it owes one: carried out now, or
/// waiting (never dropped) while the site is paused.
fn removal(input: &Input<'_>, asset: &Asset, target: &Target) -> Option<Result<Action, Skip>> {
    let key = (asset.id, target.site);
    let p = input.publications.get(&key)?;
    if p.state != PublicationState::Removing || p.remote_id.is_none() {
        return None;
    }
    Some(if !target.ready {
        Err(Skip::SiteNotReady)
    } else if input.in_flight.get(&key) == Some(&asset.content_hash) {
        Err(Skip::InFlight)
    } else {
        Ok(Action::Delete(p.id))
    })
}

fn step_for(input: &Input<'_>, photo: &Asset, target: &Target) -> Result<Action, Skip> {
    let key = (photo.id, target.site);
    let current = input.publications.get(&key);
    let text_key = input.text_keys.get(&photo.id).map(String::as_str);
    let decided =
        decide(photo, target, current, input.jobs.get(&key), text_key, input.retry_now, input.now);
    if decided.is_ok() && input.in_flight.get(&key) == Some(&photo.content_hash) {
        return Err(Skip::InFlight);
    }
    decided
}

/// The step for one photo on one site, from what is known about that pair. The executor asks
/// again right before acting, with fresh rows, so a step planned from facts that changed
/// meanwhile (another pass finished it, a newer version arrived) is not carried out blindly.
pub fn decide(
    photo: &Asset,
    target: &Target,
    current: Option<&Publication>,
    job: Option<&Job>,
    text_key: Option<&str>,
    retry_now: bool,
    now: i64,
) -> Result<Action, Skip> {
    let same_version = |p: &Publication| {
        p.content_hash == photo.content_hash && p.preset_hash == target.preset_hash
    };
    let settled =
        |p: &Publication| matches!(p.state, PublicationState::Synced | PublicationState::Orphaned);
    // Rows from before text was tracked count as current.
    let text_is_current =
        |p: &Publication| p.text_key.is_none() || p.text_key.as_deref() == text_key;
    if current.is_some_and(|p| same_version(p) && settled(p) && text_is_current(p)) {
        return Err(Skip::UpToDate);
    }
    if !target.ready {
        return Err(Skip::SiteNotReady);
    }
    let due =
        job.is_none_or(|j| retry_now || (j.state == JobState::Queued && j.next_attempt_at <= now));
    if !due {
        return Err(Skip::NotDue);
    }
    Ok(match current {
        None => Action::Upload,
        Some(p) if same_version(p) => match p.state {
            PublicationState::Synced | PublicationState::Orphaned => Action::UpdateText(p.id),
            PublicationState::Processing => Action::Poll(p.id),
            _ => Action::Resume(p.id),
        },
        Some(p) if settled(p) && p.remote_id.is_some() => {
            if target.replace_in_place {
                Action::Replace(p.id)
            } else {
                Action::NewVersion(p.id)
            }
        }
        // An older version that never finished: this version goes up on its own.
        Some(_) => Action::Upload,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use folio_model::{AlbumId, RemoteId};
    use folio_store::AssetState;

    fn photo(id: i64, hash: &str) -> Asset {
        Asset {
            id: AssetId(id),
            album_id: AlbumId(1),
            rel_path: format!("p{id}.jpg"),
            size: 1,
            mtime_ns: 1,
            content_hash: hash.into(),
            state: AssetState::Present,
            error: None,
            error_code: None,
        }
    }

    fn target(site: i64, preset: &str, in_place: bool) -> Target {
        Target {
            site: SiteId(site),
            ready: true,
            preset_hash: preset.into(),
            replace_in_place: in_place,
        }
    }

    fn publication(id: i64, asset: i64, site: i64, hash: &str, preset: &str) -> Publication {
        Publication {
            id,
            asset_id: AssetId(asset),
            site_id: SiteId(site),
            key: format!("k{id}"),
            content_hash: hash.into(),
            preset_hash: preset.into(),
            remote_id: Some(RemoteId(format!("r{id}"))),
            remote_url: Some("https://x/a.webp".into()),
            thumbnail_url: None,
            format: Some("webp".into()),
            text_key: Some("t".into()),
            state: PublicationState::Synced,
            last_error: None,
            last_error_code: None,
            attempts: 1,
            age_secs: 0,
            updated_at: String::new(),
        }
    }

    struct World {
        photos: Vec<Asset>,
        removed: Vec<Asset>,
        targets: Vec<Target>,
        publications: HashMap<(AssetId, SiteId), Publication>,
        jobs: HashMap<(AssetId, SiteId), Job>,
        in_flight: HashMap<(AssetId, SiteId), String>,
        text_keys: HashMap<AssetId, String>,
        delete_remote: bool,
        retry_now: bool,
    }

    impl World {
        fn new(photos: Vec<Asset>, targets: Vec<Target>) -> World {
            let text_keys = photos.iter().map(|p| (p.id, "t".to_string())).collect();
            World {
                photos,
                removed: vec![],
                targets,
                publications: HashMap::new(),
                jobs: HashMap::new(),
                in_flight: HashMap::new(),
                text_keys,
                delete_remote: false,
                retry_now: false,
            }
        }
        fn with(mut self, p: Publication) -> World {
            self.publications.insert((p.asset_id, p.site_id), p);
            self
        }
        fn plan(&self) -> Plan {
            plan(&Input {
                photos: &self.photos,
                removed: &self.removed,
                delete_remote: self.delete_remote,
                targets: &self.targets,
                publications: &self.publications,
                jobs: &self.jobs,
                in_flight: &self.in_flight,
                text_keys: &self.text_keys,
                retry_now: self.retry_now,
                now: 1000,
            })
        }
        fn actions(&self) -> Vec<(i64, i64, Action)> {
            self.plan().steps.into_iter().map(|s| (s.asset.0, s.site.0, s.action)).collect()
        }
    }

    #[test]
    fn new_photos_go_to_every_site_and_synced_ones_are_left_alone() {
        let w = World::new(
            vec![photo(1, "h1"), photo(2, "h2")],
            vec![target(1, "p", false), target(2, "p", true)],
        )
        .with(publication(10, 1, 1, "h1", "p"));
        assert_eq!(
            w.actions(),
            vec![(1, 2, Action::Upload), (2, 1, Action::Upload), (2, 2, Action::Upload)]
        );
        assert_eq!(w.plan().count(Skip::UpToDate), 1);
    }

    #[test]
    fn a_changed_photo_is_replaced_in_place_only_where_the_site_can() {
        let w = World::new(vec![photo(1, "h2")], vec![target(1, "p", false), target(2, "p", true)])
            .with(publication(10, 1, 1, "h1", "p"))
            .with(publication(11, 1, 2, "h1", "p"));
        assert_eq!(w.actions(), vec![(1, 1, Action::NewVersion(10)), (1, 2, Action::Replace(11))]);
    }

    #[test]
    fn a_preset_per_site_decides_what_is_current() {
        // Site 2 refuses AVIF, so its preset is the WebP one: it is up to date with the WebP
        // copy, while site 1 needs the AVIF one.
        let w = World::new(
            vec![photo(1, "h1")],
            vec![target(1, "avif", true), target(2, "webp", true)],
        )
        .with(publication(10, 1, 1, "h1", "webp"))
        .with(publication(11, 1, 2, "h1", "webp"));
        assert_eq!(w.actions(), vec![(1, 1, Action::Replace(10))]);
    }

    #[test]
    fn unfinished_uploads_are_resumed_or_polled_not_repeated() {
        let mut pending = publication(10, 1, 1, "h1", "p");
        pending.state = PublicationState::Pending;
        let mut processing = publication(11, 2, 1, "h2", "p");
        processing.state = PublicationState::Processing;
        let w = World::new(vec![photo(1, "h1"), photo(2, "h2")], vec![target(1, "p", true)])
            .with(pending)
            .with(processing);
        assert_eq!(w.actions(), vec![(1, 1, Action::Resume(10)), (2, 1, Action::Poll(11))]);
    }

    #[test]
    fn new_text_updates_the_text_only() {
        let mut w = World::new(vec![photo(1, "h1")], vec![target(1, "p", true)])
            .with(publication(10, 1, 1, "h1", "p"));
        w.text_keys.insert(AssetId(1), "t2".into());
        assert_eq!(w.actions(), vec![(1, 1, Action::UpdateText(10))]);
        let mut untracked = publication(10, 1, 1, "h1", "p");
        untracked.text_key = None;
        let w = w.with(untracked);
        assert!(w.actions().is_empty(), "rows from before text keys count as current");
    }

    #[test]
    fn a_paused_site_and_queued_work_are_skipped_with_a_reason() {
        let mut paused = target(2, "p", true);
        paused.ready = false;
        let mut w =
            World::new(vec![photo(1, "h1"), photo(2, "h2")], vec![target(1, "p", true), paused]);
        w.in_flight.insert((AssetId(1), SiteId(1)), "h1".into());
        // An older version in flight does not hold back the new one.
        w.in_flight.insert((AssetId(2), SiteId(1)), "h0".into());
        assert_eq!(w.actions(), vec![(2, 1, Action::Upload)]);
        let plan = w.plan();
        assert_eq!((plan.count(Skip::InFlight), plan.count(Skip::SiteNotReady)), (1, 2));
    }

    #[test]
    fn retries_wait_for_their_time_unless_the_user_asks() {
        let job = |state, at| Job {
            id: 1,
            asset_id: AssetId(1),
            site_id: SiteId(1),
            state,
            attempts: 2,
            next_attempt_at: at,
            last_error: None,
            content_hash: "h1".into(),
        };
        let mut w = World::new(vec![photo(1, "h1")], vec![target(1, "p", true)]);
        w.jobs.insert((AssetId(1), SiteId(1)), job(JobState::Queued, 2000));
        assert_eq!(w.plan().count(Skip::NotDue), 1);
        w.jobs.insert((AssetId(1), SiteId(1)), job(JobState::Queued, 900));
        assert_eq!(w.actions(), vec![(1, 1, Action::Upload)]);
        w.jobs.insert((AssetId(1), SiteId(1)), job(JobState::Parked, 0));
        assert_eq!(w.plan().count(Skip::NotDue), 1);
        w.retry_now = true;
        assert_eq!(w.actions(), vec![(1, 1, Action::Upload)]);
    }

    #[test]
    fn removed_photos_are_deleted_only_under_the_albums_policy() {
        let mut removing = publication(10, 1, 1, "h1", "p");
        removing.state = PublicationState::Removing;
        let mut w = World::new(vec![], vec![target(1, "p", true)]).with(removing);
        w.removed = vec![photo(1, "h1")];
        assert!(w.actions().is_empty());
        w.delete_remote = true;
        assert_eq!(w.actions(), vec![(1, 1, Action::Delete(10))]);
        // Kept on a site without a trash (orphaned): not asked again.
        let mut kept = publication(10, 1, 1, "h1", "p");
        kept.state = PublicationState::Orphaned;
        assert!(w.with(kept).actions().is_empty());
    }

    #[test]
    fn a_removal_waits_for_a_paused_site_instead_of_being_dropped() {
        let mut paused = target(2, "p", true);
        paused.ready = false;
        let mut w = World::new(vec![], vec![target(1, "p", true), paused]);
        for (id, site) in [(10, 1), (11, 2)] {
            let mut removing = publication(id, 1, site, "h1", "p");
            removing.state = PublicationState::Removing;
            w = w.with(removing);
        }
        w.removed = vec![photo(1, "h1")];
        w.delete_remote = true;
        assert_eq!(w.actions(), vec![(1, 1, Action::Delete(10))]);
        assert_eq!(w.plan().skipped, vec![(AssetId(1), SiteId(2), Skip::SiteNotReady)]);
        w.targets[1].ready = true;
        assert_eq!(w.actions(), vec![(1, 1, Action::Delete(10)), (1, 2, Action::Delete(11))]);
    }
}
