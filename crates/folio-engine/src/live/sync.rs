//! `sync`: one full pass over every album, every album at once, returning when every step is
//! done, failed or left waiting.

use crate::live::pass;
use crate::pipeline::report::{SiteReport, SyncOptions, SyncReport};
use crate::queue::workers;
use crate::{Engine, EngineError};
use folio_model::{SiteId, SiteState};

impl Engine {
    /// One full pass over every album, all albums at once, each site at its own pace.
    /// Per-photo failures and site states are in the report; an `Err` means the pass could not
    /// run at all (the store).
    pub async fn sync(&self, options: SyncOptions) -> Result<SyncReport, EngineError> {
        let engine = &self.state;
        let store = &engine.store;
        let albums = store.albums().await?;
        let used: Vec<SiteId> = albums.iter().flat_map(|a| a.site_ids.iter().copied()).collect();
        if !options.auto {
            // The user is asking now: a paused site gets one check before its photos wait.
            for site in store.sites().await? {
                if site.state != SiteState::Ok && used.contains(&site.id) {
                    if let Ok(q) = workers::queue_for(engine, &site) {
                        let _ = workers::check(engine, &q).await;
                    }
                }
            }
        }
        let before = engine.renditions.conversions();
        let passes =
            futures::future::join_all(albums.iter().map(|a| pass::dispatch(engine, a.id, options)))
                .await;
        let mut dispatched = Vec::new();
        for p in passes {
            dispatched.push(p?);
        }
        let reports =
            futures::future::join_all(dispatched.into_iter().map(|d| pass::collect(engine, d)))
                .await;
        let mut total = SyncReport::default();
        for r in reports {
            total.add(r);
        }
        total.failed.sort_by(|a, b| a.path.cmp(&b.path));
        total.converted = engine.renditions.conversions() - before;
        for site in store.sites().await? {
            if !used.contains(&site.id) {
                continue;
            }
            // A site whose uploads failed as a whole may answer the health check's read a few
            // seconds later (a full disk, a broken upload handler): this pass's photos still
            // did not go there, so the pass reports it as it was when they were answered.
            let (state, error) = match total.sites_down.get(&site.id) {
                Some((state, why)) if site.state == SiteState::Ok => (*state, Some(why.clone())),
                _ => (site.state, site.state_error),
            };
            total.sites.push(SiteReport { id: site.id, name: site.name, state, error });
        }
        Ok(total)
    }
}
