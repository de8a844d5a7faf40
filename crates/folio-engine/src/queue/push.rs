//! Carries out one step for one photo on one site, inside that site's queue. Before acting it
//! decides again from fresh rows (planner::decide), so a stale step does nothing; after acting
//! it records the result, and classifies a failure as the photo's (reported once), the site's
//! (the site pauses, its photos wait) or this attempt's (retried later).

use crate::pipeline::planner::{self, Action, Skip, Target};
use crate::pipeline::renditions::RenditionKey;
use crate::pipeline::site_queue::{paused_message, site_state_for, SiteQueue};
use crate::pipeline::step::{preset_for, ErrandWork, Outcome, PhotoError, Work};
use crate::queue::upload::{self, Failure, Pushed};
use crate::state::EngineState;
use crate::EngineError;
use folio_model::{
    AlbumId, AssetId, Capabilities, ImageFormat, OutputFormat, PhotoErrorCode, Preset, SyncEvent,
    TextOverrides,
};
use folio_sites::{ErrorClass, SiteErrorCode};
use folio_store::{unix_now, Album, Asset, AssetState, NewAsset, Publication, Site};
use std::sync::Arc;

/// A damaged file this recent is probably still being copied in (a sync client that pauses
/// longer than the settle period): try again shortly instead of calling it broken.
const YOUNG_FILE_SECS: i64 = 10;
/// Auto-sync reports a photo as failed after this many temporary failures in a row (it keeps
/// retrying with backoff).
const QUIET_RETRIES: i64 = 3;

pub async fn execute(engine: &Arc<EngineState>, q: &SiteQueue, work: &Work) -> Outcome {
    let _one_at_a_time = q.lock_photo(work.asset).await;
    // Another process on this data folder (`folio publish` beside the app or `folio watch`)
    // may be pushing the same photo: `run` decides from the rows it left once this is held.
    let _across_processes =
        crate::pipeline::claims::hold(&engine.data_dir, work.asset, q.site).await;
    // A refused AVIF narrows the site's formats and the step runs once more with WebP.
    for _ in 0..2 {
        match run(engine, q, work).await {
            Ok(Some(outcome)) => return outcome,
            Ok(None) => continue,
            Err(e) => return Outcome::failed(format!("Folio could not record this: {e}")),
        }
    }
    Outcome::Failed(PhotoError {
        code: PhotoErrorCode::Refused,
        message: "the site refused every format Folio can send".into(),
    })
}

/// An errand, under the same locks as a step on its photo: it never interleaves with an
/// upload or replace of the same photo on the site, from this process or another.
pub async fn run_errand(
    engine: &Arc<EngineState>,
    q: &SiteQueue,
    album: AlbumId,
    asset: AssetId,
    path: &str,
    work: ErrandWork,
) -> Outcome {
    let _one_at_a_time = q.lock_photo(asset).await;
    let _across_processes = crate::pipeline::claims::hold(&engine.data_dir, asset, q.site).await;
    engine.progress.started(album, q.site, path);
    work(q.destination.clone()).await
}

/// The rows a step decides from, read once the photo's lock is held.
struct Fresh {
    asset: Asset,
    site: Site,
    caps: Capabilities,
    preset: Preset,
    preset_hash: String,
    current: Option<Publication>,
    own: TextOverrides,
    text_key: String,
}

/// `None`: the step is stale (the photo changed or left, the site was removed).
async fn fresh_rows(
    engine: &EngineState,
    q: &SiteQueue,
    work: &Work,
) -> Result<Option<Fresh>, EngineError> {
    let store = &engine.store;
    let Some(asset) = store.asset(work.asset).await? else { return Ok(None) };
    if asset.state != AssetState::Present || asset.content_hash != work.content_hash {
        return Ok(None);
    }
    let Some(site) = store.site(q.site).await? else { return Ok(None) };
    let caps = EngineState::capabilities(&site);
    let preset = preset_for(&work.album.settings, &caps);
    let preset_hash = preset.hash();
    let current = store.current_publication(asset.id, site.id).await?;
    let own = store.asset_texts(asset.id).await?;
    let text_key = work.album.settings.text_key(&own);
    Ok(Some(Fresh { asset, site, caps, preset, preset_hash, current, own, text_key }))
}

/// `Ok(None)`: run again (the site's formats changed).
async fn run(
    engine: &Arc<EngineState>,
    q: &SiteQueue,
    work: &Work,
) -> Result<Option<Outcome>, EngineError> {
    let store = &engine.store;
    if let Some(publication) = work.delete {
        return upload::delete(engine, q, work, publication).await.map(Some);
    }
    let Some(fresh) = fresh_rows(engine, q, work).await? else {
        return Ok(Some(Outcome::Stale));
    };
    let (asset, site) = (&fresh.asset, &fresh.site);
    let action = match decide_again(engine, &fresh, work).await? {
        Ok(action) => action,
        Err(outcome) => return Ok(Some(outcome)),
    };
    let job = store.queue_job(asset.id, site.id, &asset.content_hash).await?;
    engine.progress.started(work.album.album.id, site.id, &asset.rel_path);
    // The planned reservation serves if the version and preset are still those planned.
    let key = RenditionKey {
        content_hash: asset.content_hash.clone(),
        preset_hash: fresh.preset_hash.clone(),
    };
    let made_now;
    let reservation = match &work.reservation {
        Some(r) if r.key() == &key => r,
        _ => {
            made_now = engine.renditions.reserve(key);
            &made_now
        }
    };
    let ctx = upload::Ctx {
        engine,
        q,
        work,
        site,
        caps: &fresh.caps,
        asset,
        preset: &fresh.preset,
        preset_hash: &fresh.preset_hash,
        text_key: &fresh.text_key,
        own: &fresh.own,
        reservation,
    };
    match upload::act(&ctx, action, fresh.current.as_ref()).await? {
        Ok(pushed) => published(engine, work, &fresh, pushed).await.map(Some),
        Err(failure) => failed(engine, q, work, &fresh, &job, failure).await,
    }
}

/// The planner's decision for this photo and site, from the fresh rows: an action, or the
/// outcome of a step with nothing to do.
async fn decide_again(
    engine: &EngineState,
    fresh: &Fresh,
    work: &Work,
) -> Result<Result<Action, Outcome>, EngineError> {
    let (asset, site) = (&fresh.asset, &fresh.site);
    let job = engine.store.job(asset.id, site.id).await?;
    let target = Target {
        site: site.id,
        ready: true,
        preset_hash: fresh.preset_hash.clone(),
        replace_in_place: fresh.caps.replaces(),
    };
    let decided = planner::decide(
        asset,
        &target,
        fresh.current.as_ref(),
        job.as_ref(),
        Some(&fresh.text_key),
        work.retry_now,
        unix_now(),
    );
    Ok(match decided {
        Ok(action) => Ok(action),
        Err(Skip::UpToDate) => {
            engine.store.finish_job(asset.id, site.id).await?;
            Err(Outcome::Unchanged)
        }
        Err(_) => Err(Outcome::Waiting("waiting for its retry time".into())),
    })
}

/// A push that went through: the job is done, and the front ends hear where the photo is.
async fn published(
    engine: &EngineState,
    work: &Work,
    fresh: &Fresh,
    pushed: Pushed,
) -> Result<Outcome, EngineError> {
    let (asset, site) = (&fresh.asset, &fresh.site);
    engine.store.finish_job(asset.id, site.id).await?;
    let (outcome, media, url_kept) = match pushed {
        Pushed::Text => return Ok(Outcome::TextUpdated),
        Pushed::New(m) => (Outcome::Uploaded, m, false),
        Pushed::InPlace(m) => (Outcome::Replaced, m, true),
        Pushed::NewUrl(m) => (Outcome::Replaced, m, false),
    };
    engine.emit(SyncEvent::Published {
        album: work.album.album.id,
        site: site.id,
        path: asset.rel_path.clone(),
        url: media.url,
        format: ImageFormat::from_mime(&media.mime),
        replaced: outcome == Outcome::Replaced,
        url_kept,
    });
    Ok(outcome)
}

/// A push that did not go through, as the photo's fault, the site's, or this attempt's.
/// `Ok(None)`: the site refused AVIF, and the step runs again with WebP.
async fn failed(
    engine: &EngineState,
    q: &SiteQueue,
    work: &Work,
    fresh: &Fresh,
    job: &folio_store::Job,
    failure: Failure,
) -> Result<Option<Outcome>, EngineError> {
    let album = &work.album.album;
    match failure {
        Failure::Photo(e) => {
            photo_failed(engine, album, &fresh.asset, job, work, e).await.map(Some)
        }
        Failure::Missing(why) => Ok(Some(Outcome::Waiting(why))),
        Failure::Site(e) => {
            let avif_refused =
                fresh.preset.format == OutputFormat::Avif && e.code == SiteErrorCode::Rejected;
            if avif_refused {
                refuse_avif(engine, q).await?;
                return Ok(None);
            }
            site_failed(engine, &fresh.site, job, work, e).await.map(Some)
        }
    }
}

/// The site said it does not take AVIF: remember that, so this and every later photo goes up
/// as WebP (WordPress before 6.5 does this), and say so once.
async fn refuse_avif(engine: &EngineState, q: &SiteQueue) -> Result<(), EngineError> {
    let _once = q.learning.lock().await;
    let Some(site) = engine.store.site(q.site).await? else { return Ok(()) };
    let mut narrowed = EngineState::capabilities(&site);
    if !narrowed.accepts(ImageFormat::Avif) {
        // Another worker learnt it first.
        return Ok(());
    }
    narrowed.formats.retain(|f| *f != ImageFormat::Avif);
    let json = serde_json::to_string(&narrowed).expect("capabilities serialise");
    engine.store.set_site_capabilities(site.id, &json).await?;
    let message = format!("{} does not accept AVIF; WebP is sent there instead", site.name);
    engine.store.log(None, "warning", &message).await?;
    Ok(())
}

async fn photo_failed(
    engine: &EngineState,
    album: &Album,
    asset: &Asset,
    job: &folio_store::Job,
    work: &Work,
    e: folio_convert::ConvertError,
) -> Result<Outcome, EngineError> {
    let store = &engine.store;
    let young = unix_now() - asset.mtime_ns / 1_000_000_000 < YOUNG_FILE_SECS;
    if !work.retry_now && young && e.kind == folio_convert::ErrorKind::Corrupt {
        store.retry_job_later(job.id, &e.message, YOUNG_FILE_SECS).await?;
        return Ok(Outcome::Waiting(e.message));
    }
    let failed = NewAsset {
        rel_path: &asset.rel_path,
        size: asset.size,
        mtime_ns: asset.mtime_ns,
        content_hash: &asset.content_hash,
        state: AssetState::Failed,
        error: Some(&e.message),
    };
    // Another site's step may have recorded it already: say it once.
    let already = store.asset(asset.id).await?.is_some_and(|a| a.state == AssetState::Failed);
    store.put_asset(album.id, &failed).await?;
    store.set_asset_error_code(asset.id, photo_code(e.kind).as_str()).await?;
    if !already {
        let message = format!("{} cannot be published: {}", asset.rel_path, e.message);
        store.log(Some(album.id), "error", &message).await?;
    }
    // It is retried when the file changes, not on a schedule.
    store.drop_jobs(asset.id).await?;
    Ok(Outcome::PhotoFailed(PhotoError { code: photo_code(e.kind), message: e.message }))
}

async fn site_failed(
    engine: &EngineState,
    site: &folio_store::Site,
    job: &folio_store::Job,
    work: &Work,
    e: folio_sites::SiteError,
) -> Result<Outcome, EngineError> {
    let store = &engine.store;
    let message = format!("{}: {}", site.name, e.message);
    if let Some(state) = site_state_for(&e) {
        // The photo is not at fault: its job keeps its place and runs when the site is back.
        return Ok(Outcome::SiteDown(state, paused_message(&e, state)));
    }
    if e.class() == ErrorClass::Retry {
        let delay = backoff_secs(job.attempts, e.retry_after);
        store.retry_job_later(job.id, &message, delay).await?;
        engine.emit(SyncEvent::Waiting {
            album: work.album.album.id,
            site: site.id,
            path: work.path.clone(),
            error: e.message.clone(),
            retry_in_secs: delay as u32,
        });
        if !work.retry_now && job.attempts + 1 < QUIET_RETRIES {
            return Ok(Outcome::Waiting(message));
        }
    } else {
        store.park_job(job.id, &message).await?;
    }
    Ok(Outcome::Failed(PhotoError { code: PhotoErrorCode::of_site(e.code), message }))
}

/// Exponential from 30 s to an hour, ±20% jitter so many photos do not retry in lockstep; a
/// site's `Retry-After` is a floor.
pub fn backoff_secs(attempts: i64, retry_after: Option<std::time::Duration>) -> i64 {
    let base = (30i64 << attempts.clamp(0, 7)).min(3600);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos() as i64);
    let jittered = base * (80 + nanos % 41) / 100;
    jittered.max(retry_after.map_or(0, |d| d.as_secs() as i64))
}

/// What a conversion failure means for the photo.
fn photo_code(kind: folio_convert::ErrorKind) -> PhotoErrorCode {
    use folio_convert::ErrorKind as Kind;
    match kind {
        Kind::Io => PhotoErrorCode::Unreadable,
        Kind::Encode => PhotoErrorCode::Failed,
        _ => PhotoErrorCode::Undecodable,
    }
}

#[cfg(test)]
mod tests {
    use super::backoff_secs;
    use std::time::Duration;

    #[test]
    fn backoff_grows_is_capped_and_honours_retry_after() {
        let first = backoff_secs(0, None);
        assert!((24..=36).contains(&first), "{first}");
        let third = backoff_secs(2, None);
        assert!((96..=144).contains(&third), "{third}");
        assert!(backoff_secs(30, None) <= 3600 * 12 / 10);
        assert_eq!(backoff_secs(0, Some(Duration::from_secs(600))), 600);
    }
}
