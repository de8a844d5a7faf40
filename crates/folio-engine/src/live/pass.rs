//! One pass over one album: look at its source, plan, and hand the steps to the site queues;
//! then, separately, gather how they ended. Handing off and gathering are apart so that an
//! album's next pass never waits for a slow site to finish the last one.

use crate::live::reconcile::reconcile;
use crate::pipeline::planner::{self, Skip, Target};
use crate::pipeline::renditions::RenditionKey;
use crate::pipeline::report::{FailedPhoto, SyncOptions, SyncReport};
use crate::pipeline::site_queue::SiteQueue;
use crate::pipeline::step::{preset_for, AlbumContext, Outcome, PhotoError, Work};
use crate::queue::workers;
use crate::state::EngineState;
use crate::EngineError;
use folio_model::{AlbumId, AlbumSettings, AssetId, SiteId, SyncEvent};
use folio_store::{unix_now, Album, Asset};
use futures::StreamExt;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::oneshot;

/// A pass handed to the queues, with the answers still to come.
pub struct Dispatched {
    pub album: AlbumId,
    name: String,
    report: SyncReport,
    answers: Vec<Answer>,
    site_names: Vec<String>,
}

pub async fn dispatch(
    engine: &Arc<EngineState>,
    album_id: AlbumId,
    options: SyncOptions,
) -> Result<Dispatched, EngineError> {
    let lock = engine.album_lock(album_id);
    let _one_pass = lock.lock().await;
    let store = &engine.store;
    let album =
        store.album(album_id).await?.ok_or_else(|| EngineError::config("the album is gone"))?;
    let settings: AlbumSettings = serde_json::from_str(&album.settings).unwrap_or_default();
    let mut out = Dispatched {
        album: album.id,
        name: album.name.clone(),
        report: SyncReport::default(),
        answers: Vec::new(),
        site_names: Vec::new(),
    };
    let source = match engine.open_source(&album).await {
        Ok(s) => s,
        Err(e) => {
            out.report.problems.push(format!("{}: {}", album.name, e.message));
            return Ok(out);
        }
    };
    let found = reconcile(engine, &album, &*source).await?;
    out.report.removed = found.removed.len();
    out.report.failed = found.failed.clone();
    out.report.problems = found.problems.clone();
    for p in &out.report.problems {
        store.log(Some(album.id), "warning", p).await?;
    }
    let sites = targets(engine, &album, &settings, options, &mut out).await?;
    if sites.targets.iter().any(|t| t.ready) {
        let said = super::ai_alt::write_for_new(engine, &album, &settings, &found.current).await;
        for p in said {
            store.log(Some(album.id), "warning", &p).await?;
            out.report.problems.push(p);
        }
    }
    // Every removal still owed, not only this look's: a site paused then removes them now.
    let removals = store.awaiting_removal(album.id).await?;
    let plan =
        plan_album(engine, &album, &settings, options.retry_now, &found.current, &removals, &sites)
            .await?;
    out.report.unchanged = plan.count(Skip::UpToDate);
    out.report.waiting = plan.count(Skip::NotDue) + plan.count(Skip::SiteNotReady);
    let context = Arc::new(AlbumContext { album, settings, source });
    let photos: HashMap<AssetId, (usize, &Asset)> = found
        .current
        .iter()
        .enumerate()
        .map(|(i, a)| (a.id, (i + 1, a)))
        .chain(removals.iter().map(|a| (a.id, (0, a))))
        .collect();
    let mut with_work: Vec<AssetId> = plan.steps.iter().map(|s| s.asset).collect();
    with_work.sort();
    with_work.dedup();
    engine.emit(SyncEvent::Planned { album: album_id, photos: with_work.len() as u32 });
    out.answers = hand_off(engine, &context, plan, &photos, &sites, options.retry_now);
    Ok(out)
}

/// The sites an album's pass goes to, each with its queue.
pub struct Targets {
    pub targets: Vec<Target>,
    pub queues: HashMap<SiteId, Arc<SiteQueue>>,
}

/// A step handed to a queue, with its answer to come.
pub type Answer = (AssetId, SiteId, String, oneshot::Receiver<Outcome>);

async fn targets(
    engine: &Arc<EngineState>,
    album: &Album,
    settings: &AlbumSettings,
    options: SyncOptions,
    out: &mut Dispatched,
) -> Result<Targets, EngineError> {
    let mut t = Targets { targets: Vec::new(), queues: HashMap::new() };
    for site in engine.store.sites().await? {
        let wanted = album.site_ids.contains(&site.id)
            && !(options.auto && album.manual_site_ids.contains(&site.id));
        if !wanted {
            continue;
        }
        let q = match workers::queue_for(engine, &site) {
            Ok(q) => q,
            Err(e) => {
                out.report.problems.push(format!("{}: {}", site.name, e.message));
                continue;
            }
        };
        let caps = EngineState::capabilities(&site);
        t.targets.push(Target {
            site: site.id,
            ready: q.is_ready(),
            preset_hash: preset_for(settings, &caps).hash(),
            replace_in_place: caps.replaces(),
        });
        out.site_names.push(site.name.clone());
        t.queues.insert(site.id, q);
    }
    Ok(t)
}

/// The planner's steps for an album, from what the store and the site queues hold now.
pub async fn plan_album(
    engine: &EngineState,
    album: &Album,
    settings: &AlbumSettings,
    retry_now: bool,
    photos: &[Asset],
    removed: &[Asset],
    sites: &Targets,
) -> Result<planner::Plan, EngineError> {
    let store = &engine.store;
    let publications = store
        .album_publications(album.id)
        .await?
        .into_iter()
        .map(|p| ((p.asset_id, p.site_id), p))
        .collect();
    let jobs = store
        .album_jobs(album.id)
        .await?
        .into_iter()
        .map(|j| ((j.asset_id, j.site_id), j))
        .collect();
    let mut in_flight = HashMap::new();
    for (site, q) in &sites.queues {
        in_flight.extend(q.in_flight().into_iter().map(|(asset, hash)| ((asset, *site), hash)));
    }
    let own = store.album_texts(album.id).await?;
    let text_keys = photos
        .iter()
        .map(|a| (a.id, settings.text_key(&own.get(&a.id).cloned().unwrap_or_default())))
        .collect();
    Ok(planner::plan(&planner::Input {
        photos,
        removed,
        delete_remote: settings.delete_remote,
        targets: &sites.targets,
        publications: &publications,
        jobs: &jobs,
        in_flight: &in_flight,
        text_keys: &text_keys,
        retry_now,
        now: unix_now(),
    }))
}

/// Hands each planned step to its site's queue, with its rendition reserved and its place in
/// the progress counts. `photos`: each photo's position in the album (for `{sequence}`).
pub fn hand_off(
    engine: &EngineState,
    context: &Arc<AlbumContext>,
    plan: planner::Plan,
    photos: &HashMap<AssetId, (usize, &Asset)>,
    sites: &Targets,
    retry_now: bool,
) -> Vec<Answer> {
    let album = context.album.id;
    let planned: Vec<(AssetId, SiteId)> = plan.steps.iter().map(|s| (s.asset, s.site)).collect();
    let mut answers = Vec::new();
    let mut tickets = engine.progress.planned(album, &planned).into_iter();
    for step in plan.steps {
        let ticket = tickets.next();
        let (Some(q), Some((sequence, asset))) =
            (sites.queues.get(&step.site), photos.get(&step.asset))
        else {
            continue;
        };
        let target =
            sites.targets.iter().find(|t| t.site == step.site).expect("planned for a target");
        let (delete, pushes) = match step.action {
            planner::Action::Delete(p) => (Some(p), false),
            planner::Action::Upload
            | planner::Action::Resume(_)
            | planner::Action::Replace(_)
            | planner::Action::NewVersion(_) => (None, true),
            _ => (None, false),
        };
        let reservation = pushes.then(|| {
            engine.renditions.reserve(RenditionKey {
                content_hash: asset.content_hash.clone(),
                preset_hash: target.preset_hash.clone(),
            })
        });
        let work = Work {
            album: context.clone(),
            asset: asset.id,
            content_hash: asset.content_hash.clone(),
            path: asset.rel_path.clone(),
            sequence: *sequence,
            delete,
            retry_now,
            reservation,
            ticket,
        };
        let answer = q.submit(work);
        answers.push((asset.id, step.site, asset.rel_path.clone(), answer));
    }
    answers
}

/// Waits for every step of a dispatched pass and adds them up. Each photo is reported once
/// (one failure line, not one per site).
pub async fn collect(engine: &EngineState, d: Dispatched) -> SyncReport {
    let mut report = d.report;
    let mut left: HashMap<AssetId, usize> = HashMap::new();
    for (asset, _, _, _) in &d.answers {
        *left.entry(*asset).or_default() += 1;
    }
    let mut errors: HashMap<AssetId, (String, Vec<PhotoError>, bool)> = HashMap::new();
    let mut pending: futures::stream::FuturesUnordered<_> = d
        .answers
        .into_iter()
        .map(|(asset, site, path, rx)| async move {
            (asset, site, path, rx.await.unwrap_or(Outcome::SiteNotReady))
        })
        .collect();
    while let Some((asset, site, path, outcome)) = pending.next().await {
        let entry = errors.entry(asset).or_insert_with(|| (path.clone(), Vec::new(), false));
        match &outcome {
            Outcome::Uploaded => report.uploaded += 1,
            Outcome::Replaced => report.replaced += 1,
            Outcome::TextUpdated | Outcome::Unchanged | Outcome::Stale | Outcome::Adopted => {
                report.unchanged += 1
            }
            Outcome::Deleted | Outcome::Kept => {}
            Outcome::SiteDown(state, message) => {
                entry.2 = true;
                report.sites_down.insert(site, (*state, message.clone()));
            }
            Outcome::Waiting(_) | Outcome::SiteNotReady => entry.2 = true,
            Outcome::Failed(e) => entry.1.push(e.clone()),
            Outcome::PhotoFailed(e) => {
                if !entry.1.contains(e) {
                    entry.1.insert(0, e.clone());
                }
            }
        }
        let remaining = left.get_mut(&asset).map(|n| {
            *n -= 1;
            *n
        });
        if remaining == Some(0) {
            let (path, errs, waiting) = errors.remove(&asset).unwrap_or_default();
            if let Some(first) = errs.first() {
                // The photo's own failure comes first; else the first site's.
                let code = first.code;
                let words: Vec<&str> = errs.iter().map(|e| e.message.as_str()).collect();
                let error = words.join("; ");
                engine.emit(SyncEvent::PhotoFailed {
                    album: d.album,
                    path: path.clone(),
                    error: error.clone(),
                    code,
                });
                report.failed.push(FailedPhoto { path: path.clone(), error, code });
            } else if waiting {
                report.waiting += 1;
            }
            engine.emit(SyncEvent::PhotoDone { album: d.album, path });
        }
    }
    report.failed.sort_by(|a, b| a.path.cmp(&b.path));
    report.failed.dedup();
    if report.uploaded + report.replaced > 0 {
        let message = format!(
            "{}: {} new and {} updated photo(s) on {}",
            d.name,
            report.uploaded,
            report.replaced,
            d.site_names.join(", ")
        );
        let _ = engine.store.log(Some(d.album), "info", &message).await;
    }
    engine.emit(SyncEvent::PassFinished {
        album: d.album,
        uploaded: report.uploaded as u32,
        replaced: report.replaced as u32,
        failed: report.failed.len() as u32,
    });
    report
}
