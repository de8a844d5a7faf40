//! Restoring a kept version puts it back on every site that has the photo, in place (same item,
//! same URL where the site can replace), and records it as the photo's current version there,
//! so auto-sync leaves the photo alone until it changes in the folder again.
//!
//! Each site's part goes through that site's queue as an errand: it waits for the photo's lock
//! (never beside an upload or replace of the same photo), is counted in progress, and a paused
//! site is not asked at all; the report says why it was left out.

use crate::history::versions::not_found;
use crate::pipeline::site_queue::site_state_for;
use crate::pipeline::step::{Errand, Outcome};
use crate::queue::workers;
use crate::state::EngineState;
use crate::{Engine, EngineError, ErrorCode};
use folio_model::{AssetId, SiteId, SyncEvent};
use folio_sites::{Destination, MediaFields, Processing, Pushed, SiteErrorCode, Upload};
use folio_store::{Asset, PublicationState, PushedItem, Site, Version};
use serde::Serialize;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;

/// What a restore did, site by site.
#[derive(Debug, Clone, Serialize, Default)]
pub struct RestoreReport {
    pub restored: Vec<String>,
    /// Sites it could not go back to, and why.
    pub problems: Vec<String>,
}

/// One version on its way back, shared by every site's errand.
struct Restoring {
    engine: Arc<EngineState>,
    asset: Asset,
    version: Version,
    bytes: Vec<u8>,
    fields: MediaFields,
}

impl Engine {
    /// `folio restore PATH --version N`.
    pub async fn restore(&self, path: &Path, number: i64) -> Result<RestoreReport, EngineError> {
        let asset = self.asset_at(path).await?;
        self.restore_version(asset.id, number).await
    }

    /// Puts version `number` back on every site that has the photo, in place.
    pub async fn restore_version(
        &self,
        asset_id: AssetId,
        number: i64,
    ) -> Result<RestoreReport, EngineError> {
        let store = &self.state.store;
        let asset = store
            .asset(asset_id)
            .await?
            .ok_or_else(|| not_found(format!("no photo {asset_id}")))?;
        let version = version_numbered(&self.state, &asset, number).await?;
        let file = self.state.data_dir.join(&version.file);
        let bytes = std::fs::read(&file)
            .map_err(|e| EngineError::new(ErrorCode::Io, format!("{}: {e}", file.display())))?;
        let fields = self.texts_sent(asset_id).await?;
        let sites = sites_with_a_copy(&self.state, asset_id).await?;
        let restoring =
            Arc::new(Restoring { engine: self.state.clone(), asset, version, bytes, fields });
        let mut report = RestoreReport::default();
        let answers = queue_restores(&restoring, sites, &mut report);
        for (site, answer) in answers {
            let outcome = answer.await.unwrap_or(Outcome::SiteNotReady);
            match outcome {
                Outcome::Replaced => report.restored.push(site.name),
                other => report.problems.push(self.not_restored(site.id, &site.name, other).await),
            }
        }
        restoring.finish(&report).await?;
        Ok(report)
    }

    /// The texts the photo's copies carry now, sent again with the restored file.
    async fn texts_sent(&self, asset_id: AssetId) -> Result<MediaFields, EngineError> {
        let sent = self.photo_detail(asset_id).await?.sent;
        Ok(MediaFields {
            title: Some(sent.title).filter(|s| !s.is_empty()),
            alt_text: Some(sent.alt).filter(|s| !s.is_empty()),
            caption: Some(sent.caption).filter(|s| !s.is_empty()),
            description: None,
        })
    }

    /// Why a site did not take the version back, in words for the report.
    async fn not_restored(&self, site: SiteId, name: &str, outcome: Outcome) -> String {
        match outcome {
            Outcome::SiteNotReady => {
                let state = self.state.store.site(site).await.ok().flatten().map(|s| s.state);
                let because = workers::paused_because(state.unwrap_or_default());
                format!("{name} {because}; not restored there")
            }
            Outcome::SiteDown(_, e) => format!("{name}: {e}; not restored there"),
            Outcome::Stale => format!("{name} has no copy of the photo any more"),
            Outcome::Failed(e) | Outcome::PhotoFailed(e) => e.message,
            Outcome::Waiting(e) => e,
            other => format!("{name}: {other:?}"),
        }
    }
}

async fn version_numbered(
    engine: &EngineState,
    asset: &Asset,
    number: i64,
) -> Result<Version, EngineError> {
    let versions = engine.store.versions(asset.id).await?;
    if let Some(v) = versions.iter().find(|v| v.number == number) {
        return Ok(v.clone());
    }
    let have: Vec<String> = versions.iter().map(|v| v.number.to_string()).collect();
    Err(not_found(format!(
        "{} has no version {number} (it has {})",
        asset.rel_path,
        if have.is_empty() { "none yet".into() } else { have.join(", ") }
    )))
}

/// The sites that hold a synced copy of the photo.
async fn sites_with_a_copy(engine: &EngineState, asset: AssetId) -> Result<Vec<Site>, EngineError> {
    let mut out = Vec::new();
    for site in engine.store.sites().await? {
        let copy = engine.store.current_publication(asset, site.id).await?;
        if copy.is_some_and(|p| p.remote_id.is_some() && p.state == PublicationState::Synced) {
            out.push(site);
        }
    }
    Ok(out)
}

/// Hands each site's part to its queue; a site whose queue cannot start goes to the report.
fn queue_restores(
    restoring: &Arc<Restoring>,
    sites: Vec<Site>,
    report: &mut RestoreReport,
) -> Vec<(Site, oneshot::Receiver<Outcome>)> {
    let engine = &restoring.engine;
    let asset = &restoring.asset;
    let steps: Vec<(AssetId, SiteId)> = sites.iter().map(|s| (asset.id, s.id)).collect();
    let mut tickets = engine.progress.planned(asset.album_id, &steps).into_iter();
    let mut answers = Vec::new();
    for site in sites {
        let ticket = tickets.next();
        let q = match workers::queue_for(engine, &site) {
            Ok(q) => q,
            Err(e) => {
                report.problems.push(format!("{}: {}", site.name, e.message));
                continue;
            }
        };
        let (restoring, id) = (restoring.clone(), site.id);
        let errand = Errand {
            album: asset.album_id,
            asset: asset.id,
            path: asset.rel_path.clone(),
            ticket,
            work: Box::new(move |d| Box::pin(async move { restoring.put_back(id, &*d).await })),
        };
        answers.push((site, q.submit_errand(errand)));
    }
    answers
}

impl Restoring {
    /// Puts the version back on one site, deciding from the copy it has now (the photo's lock
    /// is held: no push of it is under way).
    async fn put_back(&self, site: SiteId, destination: &dyn Destination) -> Outcome {
        let store = &self.engine.store;
        let (name, copy) =
            match (store.site(site).await, store.current_publication(self.asset.id, site).await) {
                (Ok(Some(s)), Ok(Some(p))) => (s.name, p),
                (Err(e), _) | (_, Err(e)) => {
                    return Outcome::failed(format!("Folio could not read its records: {e}"))
                }
                _ => return Outcome::Stale,
            };
        let (Some(remote_id), PublicationState::Synced) = (copy.remote_id.clone(), copy.state)
        else {
            return Outcome::Stale;
        };
        let filename = self.filename(copy.remote_url.as_deref().unwrap_or_default());
        let up = Upload {
            bytes: &self.bytes,
            filename: &filename,
            mime: &self.version.mime,
            key: &copy.key,
            fields: &self.fields,
            source: None,
        };
        let pushed = match destination.replace(&remote_id, up).await {
            Ok(Pushed::Ready(m)) => Ok(m),
            Ok(Pushed::Processing(id)) => ready(destination, &id).await,
            Err(e) => Err(e),
        };
        let media = match pushed {
            Ok(media) => media,
            Err(e) if e.code == SiteErrorCode::Conflict => {
                return Outcome::failed(format!(
                    "{name}: cannot take this version in place ({}); not restored there",
                    e.message
                ))
            }
            Err(e) => match site_state_for(&e) {
                Some(state) => return Outcome::SiteDown(state, e.message),
                None => return Outcome::failed(format!("{name}: {}", e.message)),
            },
        };
        // Recorded as the photo's current version on the site, so auto-sync leaves it until
        // the photo changes in the folder.
        let item = PushedItem {
            remote_id: &media.id,
            url: &media.url,
            thumbnail_url: media.thumbnail_url.as_deref(),
            format: &self.version.extension,
            text_key: copy.text_key.as_deref().unwrap_or_default(),
        };
        let recorded =
            store.record_replace(copy.id, &self.asset.content_hash, &copy.preset_hash, &item).await;
        match recorded {
            Ok(_) => Outcome::Replaced,
            Err(e) => {
                Outcome::failed(format!("{name}: restored, but Folio could not record it: {e}"))
            }
        }
    }

    /// The item's own name, with this version's type (a site refuses another type).
    fn filename(&self, url: &str) -> String {
        let name = url.split(['?', '#']).next().unwrap_or_default();
        let name = name.rsplit('/').next().filter(|n| !n.is_empty()).unwrap_or("photo");
        let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
        format!("{stem}.{}", self.version.extension)
    }

    /// Records the restore and says what it did.
    async fn finish(&self, report: &RestoreReport) -> Result<(), EngineError> {
        let (store, asset) = (&self.engine.store, &self.asset);
        if !report.restored.is_empty() {
            store.mark_restored(self.version.id).await?;
            // The window shows the sites' copies again.
            let path = asset.rel_path.clone();
            self.engine.emit(SyncEvent::PhotoDone { album: asset.album_id, path });
        }
        let message = format!(
            "Restored version {} of {} on {}{}",
            self.version.number,
            asset.rel_path,
            if report.restored.is_empty() { "no site".into() } else { report.restored.join(", ") },
            if report.problems.is_empty() {
                String::new()
            } else {
                format!("; {}", report.problems.join("; "))
            }
        );
        let level = if report.problems.is_empty() { "info" } else { "warning" };
        store.log(Some(asset.album_id), level, &message).await?;
        Ok(())
    }
}

/// Follows a replace the site processes later.
async fn ready(
    d: &dyn Destination,
    id: &folio_sites::RemoteId,
) -> Result<folio_sites::RemoteMedia, folio_sites::SiteError> {
    let mut wait = Duration::from_millis(300);
    for _ in 0..40 {
        match d.poll(id).await? {
            Processing::Ready(m) => return Ok(m),
            Processing::Failed(e) => return Err(e),
            Processing::Pending => {
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(5));
            }
        }
    }
    Err(folio_sites::SiteError::new(SiteErrorCode::Unavailable, "the site is still processing it"))
}
