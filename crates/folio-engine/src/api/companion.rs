//! What the engine does with the WordPress companion plugin besides replacing files: hand out
//! the plugin as an installable zip, and rebuild publications from the site after the local
//! database was lost (`folio reconcile`).

use crate::live::reconcile::reconcile;
use crate::pipeline::progress::Ticket;
use crate::pipeline::site_queue::{site_state_for, SiteQueue};
use crate::pipeline::step::{Errand, Outcome};
use crate::queue::upload::format_of;
use crate::queue::workers;
use crate::state::EngineState;
use crate::{Engine, EngineError, ErrorCode};
use folio_model::{AssetId, SiteId};
use folio_sites::SourcedMedia;
use folio_store::{AdoptedItem, Album, Asset, Site};
use serde::Serialize;
use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;

/// The plugin's files, compiled in so the app and the CLI can write the zip anywhere.
const PLUGIN_FILES: &[(&str, &[u8])] = &[
    (
        "folio-companion.php",
        include_bytes!("../../../../wordpress-plugin/folio-companion/folio-companion.php"),
    ),
    ("readme.txt", include_bytes!("../../../../wordpress-plugin/folio-companion/readme.txt")),
    (
        "includes/replace.php",
        include_bytes!("../../../../wordpress-plugin/folio-companion/includes/replace.php"),
    ),
    (
        "includes/after-replace.php",
        include_bytes!("../../../../wordpress-plugin/folio-companion/includes/after-replace.php"),
    ),
    (
        "includes/source.php",
        include_bytes!("../../../../wordpress-plugin/folio-companion/includes/source.php"),
    ),
];

/// The companion plugin as WordPress's "Upload Plugin" expects it: one `folio-companion/`
/// folder in a zip.
pub fn companion_plugin_zip() -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o644);
    for (name, bytes) in PLUGIN_FILES {
        zip.start_file(format!("folio-companion/{name}"), options).expect("zip in memory");
        zip.write_all(bytes).expect("zip in memory");
    }
    zip.finish().expect("zip in memory").into_inner()
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ReconcileReport {
    /// Items on the site that carry a Folio source identity.
    pub remote_items: usize,
    /// Photos matched to one of them and recorded as synced.
    pub matched: usize,
    /// Photos that already had a record for this site.
    pub already_known: usize,
    /// Photos with no copy on the site (the next sync uploads them).
    pub missing: usize,
}

/// The identity fields `sync` stores with each upload (see `publish::source_identity`).
struct Source {
    album: String,
    content: String,
    preset: String,
}

fn parse_source(s: &str) -> Option<Source> {
    let v: serde_json::Value = serde_json::from_str(s).ok()?;
    Some(Source {
        album: v["album"].as_str()?.to_string(),
        content: v["content"].as_str()?.to_string(),
        preset: v["preset"].as_str()?.to_string(),
    })
}

/// The site's items that carry a Folio source identity, by (album, content), each with the
/// preset it was made with.
type Identities = HashMap<(String, String), Vec<(SourcedMedia, String)>>;

impl Engine {
    /// Rebuilds the records of what is on `site_name` from the site itself, without uploading:
    /// each photo in the albums that target the site is matched, by album and content, to an
    /// item Folio uploaded there. Needs the companion plugin (which stores the identity).
    ///
    /// Through the site's queue, as a pass's steps: a paused site is not asked (its state says
    /// why), each match is recorded under the photo's lock and counted in progress, and no
    /// pass of an album runs while its photos are matched.
    pub async fn reconcile_site(&self, site_name: &str) -> Result<ReconcileReport, EngineError> {
        let state = &self.state;
        let store = &state.store;
        let site = store
            .site_by_name(site_name)
            .await?
            .ok_or_else(|| EngineError::config(format!("no site named '{site_name}'")))?;
        let q = workers::queue_for(state, &site)?;
        let mut report = ReconcileReport::default();
        let mut by_identity = identities(state, &site, &q, &mut report).await?;
        for album in store.albums().await? {
            if album.site_ids.contains(&site.id) {
                self.reconcile_album(&album, &site, &q, &mut by_identity, &mut report).await?;
            }
        }
        let message = format!(
            "Reconciled {site_name}: {} photos matched to items already on the site",
            report.matched
        );
        store.log(None, "info", &message).await?;
        Ok(report)
    }

    /// Matches one album's photos to the site's items. The album's pass lock is held from the
    /// look at its source to the last match, as a pass holds it from its look to its plan.
    async fn reconcile_album(
        &self,
        album: &Album,
        site: &Site,
        q: &SiteQueue,
        by_identity: &mut Identities,
        report: &mut ReconcileReport,
    ) -> Result<(), EngineError> {
        let state = &self.state;
        let lock = state.album_lock(album.id);
        let _no_pass = lock.lock().await;
        let source = state.open_source(album).await?;
        let found = reconcile(state, album, &*source).await?;
        let mut matches = Vec::new();
        for asset in found.current {
            if state.store.current_publication(asset.id, site.id).await?.is_some() {
                report.already_known += 1;
                continue;
            }
            let key = (album.name.clone(), asset.content_hash.clone());
            match by_identity.get_mut(&key).and_then(|v| v.pop()) {
                Some((item, preset)) => matches.push((asset, item, preset)),
                None => report.missing += 1,
            }
        }
        let steps: Vec<(AssetId, SiteId)> = matches.iter().map(|(a, ..)| (a.id, site.id)).collect();
        let tickets = state.progress.planned(album.id, &steps);
        let answers: Vec<_> = matches
            .into_iter()
            .zip(tickets)
            .map(|((asset, item, preset), ticket)| {
                let adopt = Adoption { engine: state.clone(), site: site.id, item, preset };
                q.submit_errand(adopt.errand(asset, ticket))
            })
            .collect();
        for answer in answers {
            match answer.await.unwrap_or(Outcome::SiteNotReady) {
                Outcome::Adopted => report.matched += 1,
                Outcome::Unchanged => report.already_known += 1,
                Outcome::Failed(e) => return Err(EngineError::new(ErrorCode::Store, e.message)),
                _ => return Err(paused(state, site).await),
            }
        }
        Ok(())
    }
}

/// The error for a site that takes nothing now, with why and what brings it back.
async fn paused(engine: &EngineState, site: &Site) -> EngineError {
    let now = engine.store.site(site.id).await.ok().flatten().map_or(site.state, |s| s.state);
    let because = workers::paused_because(now);
    EngineError::new(ErrorCode::Site, format!("{} {because}; not reconciled", site.name))
}

/// Lists the site's items that carry a Folio source identity. A paused site is not asked; one
/// that fails as a whole pauses, as it would in a pass.
async fn identities(
    engine: &EngineState,
    site: &Site,
    q: &SiteQueue,
    report: &mut ReconcileReport,
) -> Result<Identities, EngineError> {
    if !q.is_ready() {
        return Err(paused(engine, site).await);
    }
    let mut by_identity = Identities::new();
    let mut cursor: Option<String> = None;
    // Bounded: a site that keeps answering "more" cannot keep Folio here for ever.
    for _ in 0..100_000 {
        let p = match q.destination.list_sources(cursor.as_deref()).await {
            Ok(p) => p,
            Err(e) => {
                if let Some(state) = site_state_for(&e) {
                    workers::site_down(engine, q, state, &e.message).await;
                }
                return Err(e.into());
            }
        };
        for item in p.items {
            let Some(source) = parse_source(&item.source) else { continue };
            report.remote_items += 1;
            by_identity
                .entry((source.album, source.content))
                .or_default()
                .push((item, source.preset));
        }
        cursor = p.next;
        if cursor.is_none() {
            break;
        }
    }
    let caps = EngineState::capabilities(site);
    if report.remote_items == 0 && !caps.replace_in_place && caps.notes.is_empty() {
        return Err(EngineError::new(
            ErrorCode::Site,
            format!(
                "{} has no Folio companion plugin, so its items cannot be matched to photos; install it (folio wp-plugin --out folio-companion.zip)",
                site.name
            ),
        ));
    }
    Ok(by_identity)
}

/// One site item to record as a photo's copy.
struct Adoption {
    engine: Arc<EngineState>,
    site: SiteId,
    item: SourcedMedia,
    preset: String,
}

impl Adoption {
    fn errand(self, asset: Asset, ticket: Ticket) -> Errand {
        let (album, id, path) = (asset.album_id, asset.id, asset.rel_path.clone());
        Errand {
            album,
            asset: id,
            path,
            ticket: Some(ticket),
            work: Box::new(move |_| Box::pin(async move { self.record(&asset).await })),
        }
    }

    /// Records the item as the photo's copy, unless a push recorded one meanwhile (the
    /// photo's lock is held, so none is under way now).
    async fn record(&self, asset: &Asset) -> Outcome {
        let store = &self.engine.store;
        match store.current_publication(asset.id, self.site).await {
            Ok(Some(_)) => return Outcome::Unchanged,
            Ok(None) => {}
            Err(e) => return Outcome::failed(e.to_string()),
        }
        let media = &self.item.media;
        let format = format_of(&media.mime);
        let adopted = AdoptedItem {
            key: &media.key,
            content_hash: &asset.content_hash,
            preset_hash: &self.preset,
            remote_id: &media.id,
            url: &media.url,
            thumbnail_url: media.thumbnail_url.as_deref(),
            format: Some(&format),
        };
        match store.adopt_publication(asset.id, self.site, &adopted).await {
            Ok(_) => Outcome::Adopted,
            Err(e) => Outcome::failed(e.to_string()),
        }
    }
}
