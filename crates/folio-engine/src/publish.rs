//! One photo onto every target site: convert once, then upload, replace or leave alone per
//! site, with the job queue deciding when a failed site is tried again.

use crate::events::SyncEvent;
use crate::patterns::{expand, slugify, PatternInput};
use crate::settings::AlbumSettings;
use crate::sync::{store_err, Context, Target};
use crate::EngineError;
use folio_convert::{ConvertPool, Rendition};
use folio_sites::{ErrorClass, MediaFields, RemoteMedia, SiteError, Upload};
use folio_store::{
    unix_now, Album, Asset, AssetState, NewAsset, Publication, PublicationState, RenditionInfo,
    Store,
};
use std::path::Path;
use std::sync::Arc;

/// How long an upload whose answer was lost may still complete on the server. A pending
/// publication younger than this is waited for before its slug is looked up again.
const IN_FLIGHT_GRACE_SECS: i64 = 15;
/// A damaged file this recent is probably still being copied in (a sync client that pauses
/// longer than the settle period): try again shortly instead of calling it broken.
const YOUNG_FILE_SECS: i64 = 10;
/// Auto-sync reports a photo as failed after this many temporary failures in a row (it keeps
/// retrying with backoff).
const QUIET_RETRIES: i64 = 3;

pub struct Photo<'a> {
    pub album: &'a Album,
    pub settings: &'a AlbumSettings,
    pub preset_hash: &'a str,
    /// 1-based position in the album, for `{sequence}`.
    pub sequence: usize,
    pub asset: &'a Asset,
}

pub enum Outcome {
    Uploaded,
    Replaced,
    Unchanged,
    /// Not due yet, or just failed temporarily: the job queue retries it.
    Waiting,
    Failed(String),
}

/// How a photo reached a site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pushed {
    New,
    /// Same item, same URL (companion plugin).
    InPlace,
    /// A new item with a new URL took the old one's place in Folio; pages keep the old image.
    NewUrl,
}

enum Failure {
    /// The photo itself is unusable; no site will take it.
    Photo(folio_convert::ConvertError),
    Site(SiteError),
}

pub async fn sync_photo(
    ctx: &Context<'_>,
    photo: &Photo<'_>,
    targets: &[Target],
    on_event: &(dyn Fn(SyncEvent) + Sync),
) -> Result<Vec<Outcome>, EngineError> {
    let (store, asset) = (ctx.store, photo.asset);
    let mut rendition: Option<Arc<Rendition>> = None;
    let mut outcomes = Vec::new();
    for target in targets {
        let site_id = target.site.id;
        let current = store.current_publication(asset.id, site_id).await.map_err(store_err)?;
        if current.as_ref().is_some_and(|p| up_to_date(p, photo)) {
            store.finish_job(asset.id, site_id).await.map_err(store_err)?;
            outcomes.push(Outcome::Unchanged);
            continue;
        }
        let job =
            store.queue_job(asset.id, site_id, &asset.content_hash).await.map_err(store_err)?;
        if !ctx.options.retry_now && !job.due(unix_now()) {
            outcomes.push(Outcome::Waiting);
            continue;
        }
        let result =
            publish(ctx, photo, target, current.as_ref(), &mut rendition, on_event).await?;
        let site = &target.site.name;
        match result {
            Ok((media, how)) => {
                store.finish_job(asset.id, site_id).await.map_err(store_err)?;
                on_event(SyncEvent::Published {
                    album: photo.album.name.clone(),
                    path: asset.rel_path.clone(),
                    site: site.clone(),
                    url: media.url,
                    replaced: how != Pushed::New,
                    url_kept: how == Pushed::InPlace,
                });
                outcomes.push(if how == Pushed::New {
                    Outcome::Uploaded
                } else {
                    Outcome::Replaced
                });
            }
            Err(Failure::Photo(e)) => {
                let young = unix_now() - asset.mtime_ns / 1_000_000_000 < YOUNG_FILE_SECS;
                if !ctx.options.retry_now && young && e.kind == folio_convert::ErrorKind::Corrupt {
                    store
                        .retry_job_later(job.id, &e.message, YOUNG_FILE_SECS)
                        .await
                        .map_err(store_err)?;
                    return Ok(vec![Outcome::Waiting]);
                }
                let failed = NewAsset {
                    rel_path: &asset.rel_path,
                    size: asset.size,
                    mtime_ns: asset.mtime_ns,
                    content_hash: &asset.content_hash,
                    state: AssetState::Failed,
                    error: Some(&e.message),
                };
                store.put_asset(photo.album.id, &failed).await.map_err(store_err)?;
                let message = format!("{} cannot be published: {}", asset.rel_path, e.message);
                store.log(Some(photo.album.id), "error", &message).await.map_err(store_err)?;
                // It is retried when the file changes, not on a schedule.
                store.drop_jobs(asset.id).await.map_err(store_err)?;
                return Ok(vec![Outcome::Failed(e.message)]);
            }
            Err(Failure::Site(e)) => {
                let message = format!("{site}: {}", e.message);
                if e.class() == ErrorClass::Retry {
                    let delay = backoff_secs(job.attempts, e.retry_after);
                    store.retry_job_later(job.id, &message, delay).await.map_err(store_err)?;
                    on_event(SyncEvent::Waiting {
                        album: photo.album.name.clone(),
                        path: asset.rel_path.clone(),
                        site: site.clone(),
                        error: e.message.clone(),
                        retry_in_secs: delay,
                    });
                    if !ctx.options.retry_now && job.attempts + 1 < QUIET_RETRIES {
                        outcomes.push(Outcome::Waiting);
                        continue;
                    }
                } else {
                    store.park_job(job.id, &message).await.map_err(store_err)?;
                }
                if e.class() == ErrorClass::Fatal {
                    store.log(Some(photo.album.id), "error", &message).await.map_err(store_err)?;
                }
                outcomes.push(Outcome::Failed(message));
            }
        }
    }
    Ok(outcomes)
}

fn same_version(p: &Publication, photo: &Photo<'_>) -> bool {
    p.content_hash == photo.asset.content_hash && p.preset_hash == photo.preset_hash
}

fn up_to_date(p: &Publication, photo: &Photo<'_>) -> bool {
    same_version(p, photo)
        && matches!(p.state, PublicationState::Synced | PublicationState::Orphaned)
}

/// Exponential from 30 s to an hour, ±20% jitter so many photos do not retry in lockstep; a
/// site's `Retry-After` is a floor.
fn backoff_secs(attempts: i64, retry_after: Option<std::time::Duration>) -> i64 {
    let base = (30i64 << attempts.clamp(0, 7)).min(3600);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos() as i64);
    let jittered = base * (80 + nanos % 41) / 100;
    jittered.max(retry_after.map_or(0, |d| d.as_secs() as i64))
}

/// The text that goes with a photo: the album's patterns, except where the photographer typed
/// their own for this photo.
pub(crate) fn media_fields(
    settings: &AlbumSettings,
    input: &PatternInput<'_>,
    overrides: &folio_store::TextOverrides,
) -> MediaFields {
    let text = |own: &Option<String>, pattern: &str| {
        own.clone().or_else(|| Some(expand(pattern, input))).filter(|s| !s.is_empty())
    };
    MediaFields {
        title: text(&overrides.title, &settings.title),
        caption: text(&overrides.caption, &settings.caption),
        alt_text: text(&overrides.alt, &settings.alt),
        description: None,
    }
}

/// Where the photo came from, stored with the remote item (`folio_source`) so `reconcile` can
/// match it again after the local database is lost.
pub fn source_identity(
    album: &str,
    rel_path: &str,
    content_hash: &str,
    preset_hash: &str,
) -> String {
    serde_json::json!({
        "v": 1,
        "album": album,
        "path": rel_path,
        "content": content_hash,
        "preset": preset_hash,
    })
    .to_string()
}

/// Converts (once per photo) and pushes to one site. Returns the remote item and how it got
/// there.
async fn publish(
    ctx: &Context<'_>,
    photo: &Photo<'_>,
    target: &Target,
    current: Option<&Publication>,
    rendition: &mut Option<Arc<Rendition>>,
    on_event: &(dyn Fn(SyncEvent) + Sync),
) -> Result<Result<(RemoteMedia, Pushed), Failure>, EngineError> {
    let (store, asset, album) = (ctx.store, photo.asset, photo.album);
    let site_id = target.site.id;
    // A pending publication of this very version: a previous run may have uploaded it and died
    // before recording the answer. Look before uploading again.
    let resumed = current.filter(|p| {
        same_version(p, photo)
            && matches!(p.state, PublicationState::Pending | PublicationState::Failed)
    });
    if let Some(p) = resumed {
        // An upload killed mid-request may still be finishing on the server (WordPress makes its
        // sub-sizes first); uploading again now could race it into a duplicate.
        let wait = IN_FLIGHT_GRACE_SECS - p.age_secs;
        if p.state == PublicationState::Pending && wait > 0 {
            tokio::time::sleep(std::time::Duration::from_secs(wait as u64)).await;
        }
        match target.destination.find_by_slug(&p.slug).await {
            Ok(Some(found)) => {
                finish(store, p.id, &found).await?;
                return Ok(Ok((found, Pushed::New)));
            }
            Ok(None) => {}
            Err(e) => return Ok(Err(Failure::Site(e))),
        }
    }
    let r = match rendition {
        Some(r) => r.clone(),
        None => {
            on_event(SyncEvent::Converting {
                album: album.name.clone(),
                path: asset.rel_path.clone(),
            });
            match convert(ctx.pool, album, asset, &photo.settings.preset).await {
                Ok(r) => {
                    let info = RenditionInfo {
                        width: r.width as i64,
                        height: r.height as i64,
                        bytes: r.bytes.len() as i64,
                        mime: r.mime.to_string(),
                        content_hash: asset.content_hash.clone(),
                    };
                    store
                        .put_rendition(asset.id, photo.preset_hash, &info)
                        .await
                        .map_err(store_err)?;
                    rendition.insert(Arc::new(r)).clone()
                }
                Err(e) => return Ok(Err(Failure::Photo(e))),
            }
        }
    };
    if let Some(limit) = target.capabilities.max_upload_bytes {
        if r.bytes.len() as u64 > limit {
            return Ok(Err(Failure::Site(SiteError::new(
                folio_sites::SiteErrorCode::TooLarge,
                format!(
                    "the converted photo is {:.1} MB and the site accepts at most {:.1} MB; lower the quality or the maximum edge",
                    r.bytes.len() as f64 / 1e6,
                    limit as f64 / 1e6
                ),
            ))));
        }
    }
    let stem = Path::new(&asset.rel_path)
        .file_stem()
        .map_or("photo".into(), |s| s.to_string_lossy().into_owned());
    let input = PatternInput {
        stem: &stem,
        album: &album.name,
        sequence: photo.sequence,
        meta: &r.meta,
        width: r.width,
        height: r.height,
    };
    let settings = photo.settings;
    let filename = format!("{}.{}", slugify(&expand(&settings.naming, &input)), r.extension);
    let overrides = store.asset_texts(asset.id).await.map_err(store_err)?;
    let fields = media_fields(settings, &input, &overrides);
    let source =
        source_identity(&album.name, &asset.rel_path, &asset.content_hash, photo.preset_hash);
    let older = current.filter(|p| {
        !same_version(p, photo)
            && p.remote_id.is_some()
            && matches!(p.state, PublicationState::Synced | PublicationState::Orphaned)
    });
    on_event(SyncEvent::Uploading {
        album: album.name.clone(),
        path: asset.rel_path.clone(),
        site: target.site.name.clone(),
    });
    if let (Some(old), true) = (older, target.capabilities.replace_in_place) {
        let upload = Upload {
            bytes: &r.bytes,
            filename: &filename,
            mime: r.mime,
            slug: &old.slug,
            fields: &fields,
            source: Some(&source),
        };
        let remote_id = old.remote_id.unwrap_or_default() as u64;
        match target.destination.replace(remote_id, upload).await {
            Ok(media) => {
                store
                    .record_replace(
                        old.id,
                        &asset.content_hash,
                        photo.preset_hash,
                        &media.url,
                        media.thumbnail_url.as_deref(),
                    )
                    .await
                    .map_err(store_err)?;
                return Ok(Ok((media, Pushed::InPlace)));
            }
            Err(e) if e.code == folio_sites::SiteErrorCode::Conflict => {
                let message = format!(
                    "{} changed and could not replace the old file on {} ({}); it is uploaded as a new file instead",
                    asset.rel_path, target.site.name, e.message
                );
                store.log(Some(album.id), "warning", &message).await.map_err(store_err)?;
            }
            Err(e) => return Ok(Err(Failure::Site(e))),
        }
    }
    let publication = match resumed {
        Some(p) => {
            store.touch_publication(p.id).await.map_err(store_err)?;
            p.clone()
        }
        None => {
            // Unique to installation, photo, version and preset: the lookup key after a lost
            // answer or a crash.
            let slug = format!(
                "folio-{}-{}-{}-{}-{}",
                ctx.install_id,
                album.id,
                asset.id,
                &asset.content_hash[..12],
                &photo.preset_hash[..6]
            );
            store
                .begin_publication(asset.id, site_id, &slug, &asset.content_hash, photo.preset_hash)
                .await
                .map_err(store_err)?
        }
    };
    let upload = Upload {
        bytes: &r.bytes,
        filename: &filename,
        mime: r.mime,
        slug: &publication.slug,
        fields: &fields,
        source: Some(&source),
    };
    let media = match target.destination.upload(upload).await {
        Ok(media) => media,
        Err(e) => {
            store.fail_publication(publication.id, &e.message).await.map_err(store_err)?;
            return Ok(Err(Failure::Site(e)));
        }
    };
    finish(store, publication.id, &media).await?;
    let Some(old) = older else {
        return Ok(Ok((media, Pushed::New)));
    };
    // Not replaced in place (no companion plugin, or another file type): the new version is a
    // new item with a new URL. Say so; pages using the old URL keep the old image.
    store.set_publication_state(old.id, PublicationState::Superseded).await.map_err(store_err)?;
    let message = format!(
        "{} changed: uploaded as a new file on {} ({}); pages still show the old one at {}",
        asset.rel_path,
        target.site.name,
        media.url,
        old.remote_url.as_deref().unwrap_or("?")
    );
    store.log(Some(album.id), "warning", &message).await.map_err(store_err)?;
    Ok(Ok((media, Pushed::NewUrl)))
}

async fn finish(
    store: &Store,
    publication_id: i64,
    media: &RemoteMedia,
) -> Result<(), EngineError> {
    store
        .finish_publication(
            publication_id,
            media.id as i64,
            &media.url,
            media.thumbnail_url.as_deref(),
        )
        .await
        .map_err(store_err)
}

async fn convert(
    pool: &ConvertPool,
    album: &Album,
    asset: &Asset,
    preset: &folio_convert::Preset,
) -> Result<Rendition, folio_convert::ConvertError> {
    let path = Path::new(&album.root).join(&asset.rel_path);
    let preset = preset.clone();
    let for_error = path.clone();
    match pool.spawn(move || folio_convert::convert_file(&path, &preset)).await {
        Ok(result) => result,
        Err(e) => Err(folio_convert::ConvertError::new(
            &for_error,
            folio_convert::ErrorKind::Io,
            e.to_string(),
        )),
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
