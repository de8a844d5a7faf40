//! The pushes themselves, through the `Destination` trait only: convert (once per version and
//! preset, shared by every site), upload or replace, follow an upload the site processes
//! later, update text, delete. Each records its result before returning.

use crate::pipeline::patterns::{expand, slugify, PatternInput};
use crate::pipeline::planner::Action;
use crate::pipeline::renditions::{Reservation, Spooled, Unmade};
use crate::pipeline::site_queue::{paused_message, site_state_for, SiteQueue};
use crate::pipeline::step::{AlbumContext, Outcome, PhotoError, Work};
use crate::state::EngineState;
use crate::EngineError;
use folio_convert::ConvertError;
use folio_model::{
    file_moved, AlbumSettings, Capabilities, ImageFormat, PhotoErrorCode, Preset, RemoteId,
    SyncEvent, TextOverrides,
};
use folio_sites::{
    DeleteMode, MediaFields, Processing, RemoteMedia, SiteError, SiteErrorCode, Upload,
};
use folio_store::{Asset, Publication, PublicationState, PushedItem, Site};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// How long a push waits for a site that processes uploads later (Shopify) before leaving the
/// photo for a later pass, which polls again rather than uploading again.
const PROCESSING_PATIENCE: Duration = Duration::from_secs(600);

pub enum Failure {
    /// The photo itself is unusable; no site will take it.
    Photo(ConvertError),
    /// Its file is not there now; the next look at the album decides what that means.
    Missing(String),
    Site(SiteError),
}

impl From<SiteError> for Failure {
    fn from(e: SiteError) -> Self {
        Failure::Site(e)
    }
}

/// How the photo reached the site.
pub enum Pushed {
    /// Only its text changed.
    Text,
    New(RemoteMedia),
    /// Same item, same URL.
    InPlace(RemoteMedia),
    /// A new item with a new URL took the old one's place in Folio; pages keep the old image.
    NewUrl(RemoteMedia),
}

/// Everything a push needs, looked up fresh by `push::run`.
pub struct Ctx<'a> {
    pub engine: &'a Arc<EngineState>,
    pub q: &'a SiteQueue,
    pub work: &'a Work,
    pub site: &'a Site,
    pub caps: &'a Capabilities,
    pub asset: &'a Asset,
    pub preset: &'a Preset,
    pub preset_hash: &'a str,
    pub text_key: &'a str,
    pub own: &'a TextOverrides,
    pub reservation: &'a Reservation,
}

type Done = Result<Result<Pushed, Failure>, EngineError>;

pub async fn act(ctx: &Ctx<'_>, action: Action, current: Option<&Publication>) -> Done {
    let p = current.cloned();
    match (action, p) {
        (Action::Resume(_), Some(p)) => resume(ctx, &p).await,
        (Action::Poll(_), Some(p)) => {
            let Some(id) = p.remote_id.clone() else {
                return upload_new(ctx, Some(&p), None).await;
            };
            match wait_ready(ctx, &id).await {
                Ok(media) => finish(ctx, p.id, &media, None).await.map(|()| Ok(Pushed::New(media))),
                Err(e) => Ok(Err(e.into())),
            }
        }
        (Action::UpdateText(_), Some(p)) => update_text(ctx, &p).await,
        (Action::Replace(_), Some(old)) => replace(ctx, &old).await,
        (Action::NewVersion(_), Some(old)) => upload_new(ctx, None, Some(&old)).await,
        _ => upload_new(ctx, None, None).await,
    }
}

/// The text that goes with a photo: the album's patterns, except where the photographer typed
/// their own for this photo.
pub fn media_fields(
    settings: &AlbumSettings,
    input: &PatternInput<'_>,
    own: &TextOverrides,
) -> MediaFields {
    let text = |own: &Option<String>, pattern: &str| {
        own.clone().or_else(|| Some(expand(pattern, input))).filter(|s| !s.is_empty())
    };
    MediaFields {
        title: text(&own.title, &settings.title),
        caption: text(&own.caption, &settings.caption),
        alt_text: text(&own.alt, &settings.alt),
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

/// `webp`, `jpg`, … for a MIME type.
pub fn format_of(mime: &str) -> String {
    match ImageFormat::from_mime(mime) {
        Some(ImageFormat::Jpeg) => "jpg".into(),
        Some(f) => format!("{f:?}").to_ascii_lowercase(),
        None => mime.rsplit('/').next().unwrap_or(mime).to_string(),
    }
}

/// A source that cannot hand over the photo: gone for now (not the photo's fault), or unreadable.
fn unmade(rel_path: &str, e: folio_sources::SourceError) -> Unmade {
    match e.kind {
        folio_sources::SourceErrorKind::Item | folio_sources::SourceErrorKind::Gone => {
            Unmade::Missing(e.message)
        }
        _ => Unmade::Photo(ConvertError::new(
            Path::new(rel_path),
            folio_convert::ErrorKind::Io,
            e.message,
        )),
    }
}

fn stem(rel_path: &str) -> String {
    Path::new(rel_path).file_stem().map_or("photo".into(), |s| s.to_string_lossy().into_owned())
}

/// Converts the photo a step is about: its source file, read now, under `preset`. Shared by the
/// step itself and by conversion ahead of it (`queue::ahead`).
pub async fn convert(
    engine: &Arc<EngineState>,
    album: &AlbumContext,
    rel_path: &str,
    content_hash: &str,
    preset: Preset,
) -> Result<folio_convert::Rendition, Unmade> {
    engine.emit(SyncEvent::Converting { album: album.album.id, path: rel_path.to_string() });
    let local = album.source.fetch(rel_path).await.map_err(|e| unmade(rel_path, e))?;
    let path = local.path().to_path_buf();
    let remote = album.album.source_kind != "folder";
    let (made, ()) = tokio::join!(
        engine.pool.convert_file(path.clone(), preset),
        // A photo read from a service costs a download (a Canva export, a Figma render)
        // to read again: its grid thumbnail is made now, from the copy in hand.
        crate::thumbnails::keep_source(
            &engine.thumbnails,
            &engine.pool,
            remote,
            content_hash,
            path
        ),
    );
    drop(local);
    match made {
        Ok(result) => result.map_err(Unmade::Photo),
        Err(e) => Err(Unmade::Photo(ConvertError::new(
            Path::new(rel_path),
            folio_convert::ErrorKind::Io,
            e.to_string(),
        ))),
    }
}

async fn rendition(ctx: &Ctx<'_>) -> Result<Arc<Spooled>, Failure> {
    let (engine, asset) = (ctx.engine, ctx.asset);
    let album = &ctx.work.album;
    let convert = convert(engine, album, &asset.rel_path, &asset.content_hash, ctx.preset.clone());
    let r = engine.renditions.get(ctx.reservation, convert).await.map_err(|u| match u {
        Unmade::Photo(e) => Failure::Photo(e),
        Unmade::Missing(m) => Failure::Missing(m),
    })?;
    let info = folio_store::RenditionInfo {
        width: r.width as i64,
        height: r.height as i64,
        bytes: r.bytes as i64,
        mime: r.mime.to_string(),
        content_hash: asset.content_hash.clone(),
    };
    // Recorded for the detail panel and the size check; a failure here loses nothing.
    let _ = engine.store.put_rendition(asset.id, ctx.preset_hash, &info).await;
    if let Some(limit) = ctx.caps.max_upload_bytes {
        if r.bytes > limit {
            return Err(Failure::Site(SiteError::new(
                SiteErrorCode::TooLarge,
                format!(
                    "the converted photo is {:.1} MB and the site accepts at most {:.1} MB; lower the quality or the maximum edge",
                    r.bytes as f64 / 1e6,
                    limit as f64 / 1e6
                ),
            )));
        }
    }
    Ok(r)
}

struct Named {
    filename: String,
    fields: MediaFields,
    source: String,
}

fn named(ctx: &Ctx<'_>, r: &Spooled) -> Named {
    let album = &ctx.work.album;
    let stem = stem(&ctx.asset.rel_path);
    let made = ctx.engine.made(&album.album, &ctx.asset.rel_path);
    let input = PatternInput {
        stem: &stem,
        album: &album.album.name,
        sequence: ctx.work.sequence,
        meta: &r.meta,
        width: r.width,
        height: r.height,
        made: &made,
    };
    let filename = format!("{}.{}", slugify(&expand(&album.settings.naming, &input)), r.extension);
    let fields = media_fields(&album.settings, &input, ctx.own);
    let source = source_identity(
        &album.album.name,
        &ctx.asset.rel_path,
        &ctx.asset.content_hash,
        ctx.preset_hash,
    );
    Named { filename, fields, source }
}

async fn finish(
    ctx: &Ctx<'_>,
    publication: i64,
    media: &RemoteMedia,
    format: Option<&str>,
) -> Result<(), EngineError> {
    let format = format.map_or_else(|| format_of(&media.mime), str::to_string);
    let item = PushedItem {
        remote_id: &media.id,
        url: &media.url,
        thumbnail_url: media.thumbnail_url.as_deref(),
        format: &format,
        text_key: ctx.text_key,
    };
    Ok(ctx.engine.store.finish_publication(publication, &item).await?)
}

/// Polls an item the site is still processing until it is ready.
async fn wait_ready(ctx: &Ctx<'_>, id: &RemoteId) -> Result<RemoteMedia, SiteError> {
    let started = tokio::time::Instant::now();
    let mut wait = Duration::from_millis(500);
    loop {
        match ctx.q.destination.poll(id).await? {
            Processing::Ready(media) => return Ok(media),
            Processing::Failed(e) => return Err(e),
            Processing::Pending if started.elapsed() > PROCESSING_PATIENCE => {
                return Err(SiteError::new(
                    SiteErrorCode::RateLimited,
                    "the site is still processing the photo; Folio looks again later",
                ))
            }
            Processing::Pending => {
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(5));
            }
        }
    }
}

async fn resume(ctx: &Ctx<'_>, p: &Publication) -> Done {
    // An upload killed mid-request may still be finishing on the server (WordPress makes its
    // sub-sizes first); uploading again now could race it into a duplicate.
    let grace = ctx.q.destination.in_flight_grace().as_secs() as i64;
    let wait = grace - p.age_secs;
    if p.state == PublicationState::Pending && wait > 0 {
        tokio::time::sleep(Duration::from_secs(wait as u64)).await;
    }
    match ctx.q.destination.find(&p.key).await {
        Ok(Some(found)) => {
            finish(ctx, p.id, &found, None).await?;
            Ok(Ok(Pushed::New(found)))
        }
        Ok(None) => upload_new(ctx, Some(p), None).await,
        Err(e) => Ok(Err(e.into())),
    }
}

async fn upload_new(
    ctx: &Ctx<'_>,
    resumed: Option<&Publication>,
    older: Option<&Publication>,
) -> Done {
    let (engine, store, asset) = (ctx.engine, &ctx.engine.store, ctx.asset);
    let r = match rendition(ctx).await {
        Ok(r) => r,
        Err(f) => return Ok(Err(f)),
    };
    let n = named(ctx, &r);
    let publication = publication_for(ctx, resumed, &n.filename).await?;
    engine.emit(SyncEvent::Uploading {
        album: ctx.work.album.album.id,
        site: ctx.site.id,
        path: asset.rel_path.clone(),
    });
    let bytes = match r.read() {
        Ok(b) => b,
        Err(e) => return Err(EngineError::io(format!("reading the converted photo: {e}"))),
    };
    let up = Upload {
        bytes: &bytes,
        filename: &n.filename,
        mime: r.mime,
        key: &publication.key,
        fields: &n.fields,
        source: Some(&n.source),
    };
    let media = match ctx.q.destination.upload(up).await {
        Ok(folio_sites::Pushed::Ready(m)) => m,
        Ok(folio_sites::Pushed::Processing(id)) => {
            store.mark_processing(publication.id, &id).await?;
            match wait_ready(ctx, &id).await {
                Ok(m) => m,
                Err(e) => return Ok(Err(e.into())),
            }
        }
        Err(e) => {
            // A site that is down may still have taken it: the publication stays pending, so
            // the next try looks its key up first.
            if site_state_for(&e).is_none() {
                let code = PhotoErrorCode::of_site(e.code).as_str();
                store.fail_publication(publication.id, &e.message, code).await?;
            }
            return Ok(Err(e.into()));
        }
    };
    finish(ctx, publication.id, &media, Some(r.extension)).await?;
    keep_version(ctx, r.extension, r.mime, &bytes).await;
    match older {
        Some(old) => superseded(ctx, old, media).await,
        None => Ok(Ok(Pushed::New(media))),
    }
}

/// The publication an upload goes under: the one resumed, or a new one with its lookup key.
async fn publication_for(
    ctx: &Ctx<'_>,
    resumed: Option<&Publication>,
    filename: &str,
) -> Result<Publication, EngineError> {
    let (store, asset) = (&ctx.engine.store, ctx.asset);
    if let Some(p) = resumed {
        store.touch_publication(p.id).await?;
        return Ok(p.clone());
    }
    // Unique to installation, album, site, photo, version and preset: the lookup key after a
    // lost answer or a crash. The site is in it because two of Folio's sites can be one
    // server (two accounts, a staging alias).
    let token = format!(
        "folio-{}-{}-{}-{}-{}-{}",
        ctx.engine.install_id,
        ctx.work.album.album.id,
        ctx.site.id,
        asset.id,
        &asset.content_hash[..12],
        &ctx.preset_hash[..6]
    );
    let key = ctx.q.destination.duplicate_key(&token, filename);
    let begun =
        store.begin_publication(asset.id, ctx.site.id, &key, &asset.content_hash, ctx.preset_hash);
    Ok(begun.await?)
}

/// Not replaced in place (the site cannot, or another file type): the new version is a new
/// item with a new URL. Say so; pages using the old URL keep the old image.
async fn superseded(ctx: &Ctx<'_>, old: &Publication, media: RemoteMedia) -> Done {
    let store = &ctx.engine.store;
    store.set_publication_state(old.id, PublicationState::Superseded).await?;
    let message = format!(
        "{} changed: uploaded as a new file on {} ({}); pages still show the old one at {}",
        ctx.asset.rel_path,
        ctx.site.name,
        media.url,
        old.remote_url.as_deref().unwrap_or("?")
    );
    store.log(Some(ctx.work.album.album.id), "warning", &message).await?;
    Ok(Ok(Pushed::NewUrl(media)))
}

async fn replace(ctx: &Ctx<'_>, old: &Publication) -> Done {
    let (engine, store, asset) = (ctx.engine, &ctx.engine.store, ctx.asset);
    let Some(remote_id) = old.remote_id.clone() else {
        return upload_new(ctx, None, Some(old)).await;
    };
    let r = match rendition(ctx).await {
        Ok(r) => r,
        Err(f) => return Ok(Err(f)),
    };
    let n = named(ctx, &r);
    engine.emit(SyncEvent::Uploading {
        album: ctx.work.album.album.id,
        site: ctx.site.id,
        path: asset.rel_path.clone(),
    });
    let bytes =
        r.read().map_err(|e| EngineError::io(format!("reading the converted photo: {e}")))?;
    let up = Upload {
        bytes: &bytes,
        filename: &n.filename,
        mime: r.mime,
        key: &old.key,
        fields: &n.fields,
        source: Some(&n.source),
    };
    let media = match ctx.q.destination.replace(&remote_id, up).await {
        Ok(folio_sites::Pushed::Ready(m)) => m,
        Ok(folio_sites::Pushed::Processing(id)) => match wait_ready(ctx, &id).await {
            Ok(m) => m,
            Err(e) => return Ok(Err(e.into())),
        },
        Err(e) if e.code == SiteErrorCode::Conflict => {
            let message = format!(
                "{} changed and could not replace the old file on {} ({}); it is uploaded as a new file instead",
                asset.rel_path, ctx.site.name, e.message
            );
            store.log(Some(ctx.work.album.album.id), "warning", &message).await?;
            return upload_new(ctx, None, Some(old)).await;
        }
        Err(e) => return Ok(Err(e.into())),
    };
    let item = PushedItem {
        remote_id: &media.id,
        url: &media.url,
        thumbnail_url: media.thumbnail_url.as_deref(),
        format: r.extension,
        text_key: ctx.text_key,
    };
    store.record_replace(old.id, &asset.content_hash, ctx.preset_hash, &item).await?;
    keep_version(ctx, r.extension, r.mime, &bytes).await;
    if let Some(was) = old.remote_url.as_deref().filter(|was| file_moved(was, &media.url)) {
        // The site kept the item (entries linking it by id follow) but not the file's URL.
        let message = format!(
            "{} changed: replaced on {} under the same id; its file is now at {} (was {was})",
            asset.rel_path, ctx.site.name, media.url
        );
        store.log(Some(ctx.work.album.album.id), "info", &message).await?;
    }
    Ok(Ok(Pushed::InPlace(media)))
}

/// The rendition that just went up becomes a version in the photo's history.
async fn keep_version(ctx: &Ctx<'_>, extension: &str, mime: &str, bytes: &[u8]) {
    let (asset, site) = (ctx.asset, &ctx.site.name);
    crate::queue::keep::record(ctx.engine, asset, ctx.preset_hash, extension, mime, bytes, site)
        .await;
}

async fn update_text(ctx: &Ctx<'_>, p: &Publication) -> Done {
    let Some(remote_id) = p.remote_id.clone() else { return upload_new(ctx, Some(p), None).await };
    let asset = ctx.asset;
    // Patterns need the photo's metadata and published size: a probe, not a conversion.
    let local = match ctx.work.album.source.fetch(&asset.rel_path).await {
        Ok(l) => l,
        Err(e) => {
            return Ok(Err(match unmade(&asset.rel_path, e) {
                Unmade::Missing(m) => Failure::Missing(m),
                Unmade::Photo(e) => Failure::Photo(e),
            }))
        }
    };
    let path = local.path().to_path_buf();
    let probe = match ctx.engine.pool.probe_file(path).await {
        Ok(Ok(probe)) => probe,
        Ok(Err(e)) => return Ok(Err(Failure::Photo(e))),
        Err(e) => return Err(EngineError::io(e.to_string())),
    };
    let (w, h) = probe.upright_size();
    let (width, height) = folio_convert::fitted(w, h, ctx.preset.max_edge);
    let stem = stem(&asset.rel_path);
    let album = &ctx.work.album;
    let made = ctx.engine.made(&album.album, &asset.rel_path);
    let input = PatternInput {
        stem: &stem,
        album: &album.album.name,
        sequence: ctx.work.sequence,
        meta: &probe.meta,
        width,
        height,
        made: &made,
    };
    let fields = media_fields(&album.settings, &input, ctx.own);
    match ctx.q.destination.update_fields(&remote_id, &fields).await {
        Ok(_) => {
            ctx.engine.store.set_publication_text(p.id, ctx.text_key).await?;
            Ok(Ok(Pushed::Text))
        }
        Err(e) => Ok(Err(e.into())),
    }
}

/// The album's delete policy says a photo deleted from the folder goes from the sites too.
pub async fn delete(
    engine: &EngineState,
    q: &SiteQueue,
    work: &Work,
    publication: i64,
) -> Result<Outcome, EngineError> {
    let store = &engine.store;
    let current = store.current_publication(work.asset, q.site).await?;
    let Some(p) = current.filter(|p| p.id == publication) else { return Ok(Outcome::Stale) };
    let Some(remote_id) = p.remote_id.clone() else { return Ok(Outcome::Stale) };
    // Never for good unless the album says so: a site without a trash keeps the photo.
    let mode = if work.album.settings.delete_permanently {
        DeleteMode::Permanently
    } else {
        DeleteMode::Trash
    };
    match q.destination.delete(&remote_id, mode).await {
        Ok(()) => {}
        Err(e) if e.code == SiteErrorCode::NotFound => {}
        Err(e) if e.code == SiteErrorCode::NoTrash => {
            if !q.said_no_trash.swap(true, std::sync::atomic::Ordering::Relaxed) {
                let site = store.site(q.site).await?.map(|s| s.name).unwrap_or_default();
                let message = format!(
                    "{site} has no trash, so photos deleted from {} stay on it; to delete them \
                     there for good, set the album to delete permanently",
                    work.album.album.name
                );
                store.log(Some(work.album.album.id), "warning", &message).await?;
            }
            // Kept for good: not asked again at every pass.
            store.set_publication_state(p.id, PublicationState::Orphaned).await?;
            return Ok(Outcome::Kept);
        }
        Err(e) => {
            if let Some(state) = site_state_for(&e) {
                // Still owed: carried out when the site is back.
                return Ok(Outcome::SiteDown(state, paused_message(&e, state)));
            }
            if e.class() != folio_sites::ErrorClass::Retry {
                // Retrying cannot fix it: the copy stays, and the failure is said once.
                store.set_publication_state(p.id, PublicationState::Orphaned).await?;
            }
            let site = store.site(q.site).await?.map(|s| s.name).unwrap_or_default();
            return Ok(Outcome::Failed(PhotoError {
                code: PhotoErrorCode::of_site(e.code),
                message: format!("deleting from {site}: {}", e.message),
            }));
        }
    }
    store.set_publication_state(p.id, PublicationState::Deleted).await?;
    Ok(Outcome::Deleted)
}
