//! Alt text for new photos, written by a vision model before their first upload when the album
//! says so ([`AlbumSettings::ai_alt`]). Only photos on no site yet and without alt text of
//! their own are sent, each once: the text becomes the photo's own alt text (shown and editable
//! like any), so the next pass finds nothing to send. A photo the model fails on goes up with
//! the album's alt pattern, and the failure is said; when the account itself fails (no credits,
//! a refused key, busy) the pass stops asking for the rest, with one problem for the album.

use crate::ai::describe::NotDescribed;
use crate::state::EngineState;
use folio_model::{AlbumSettings, TextOverrides};
use folio_sources::openrouter::pricing;
use folio_store::{Album, Asset};
use std::collections::HashSet;
use std::sync::Arc;

/// Descriptions asked for at once: a model answers in seconds, and uploads wait for them.
const AT_ONCE: usize = 4;

/// Writes alt text for the album's new photos; the problems to report for the album.
pub(crate) async fn write_for_new(
    engine: &Arc<EngineState>,
    album: &Album,
    settings: &AlbumSettings,
    current: &[Asset],
) -> Vec<String> {
    if !settings.ai_alt {
        return Vec::new();
    }
    let waiting = match new_without_alt(engine, album, current).await {
        Ok(w) if w.is_empty() => return Vec::new(),
        Ok(w) => w,
        Err(e) => return vec![format!("Alt text for new photos: {}", e.message)],
    };
    let how = async {
        let account = engine.describing_account(Some(&settings.ai_alt_account)).await?;
        let model = engine.vision_model(&account, Some(&settings.ai_alt_model)).await?;
        Ok::<_, crate::EngineError>((account, model))
    };
    let (account, model) = match how.await {
        Ok(h) => h,
        Err(e) => return vec![not_written(waiting.len(), &e.message)],
    };
    let language = engine.album_language(album.id).await;
    let how = Describer { account: &account, model: &model, language: &language };
    // In small batches rather than a stream of borrowed futures: the pass must stay `Send`,
    // and an account that fails stops the batches after it.
    for batch in waiting.chunks(AT_ONCE) {
        let described = batch.iter().map(|asset| describe_one(engine, album, &how, asset));
        let failed = futures::future::join_all(described).await.into_iter().flatten();
        if let Some(stop) = failed.into_iter().find(|f| f.account_wide) {
            return vec![not_written(waiting.len(), &stop.error.message)];
        }
    }
    Vec::new()
}

/// What describes the album's photos: the account, its model and the language.
struct Describer<'a> {
    account: &'a folio_store::Account,
    model: &'a folio_sources::openrouter::Model,
    language: &'a str,
}

/// One photo described and its text kept; its failure, when it has one.
async fn describe_one(
    engine: &EngineState,
    album: &Album,
    how: &Describer<'_>,
    asset: &Asset,
) -> Option<NotDescribed> {
    let described =
        engine.describe_photo(how.account, how.model, asset.id, &asset.rel_path, how.language);
    match described.await {
        Ok(d) => {
            keep(engine, album, asset, &d.alt, &how.model.name, d.cost).await;
            None
        }
        Err(e) => {
            if !e.account_wide {
                let said =
                    format!("No alt text written for {}: {}", asset.rel_path, e.error.message);
                let _ = engine.store.log(Some(album.id), "warning", &said).await;
            }
            Some(e)
        }
    }
}

fn not_written(photos: usize, why: &str) -> String {
    format!(
        "Alt text not written for new photos ({photos} waiting): {why}; they go up with the album's alt text"
    )
}

/// The album's photos on no site yet that have no alt text of their own.
async fn new_without_alt(
    engine: &EngineState,
    album: &Album,
    current: &[Asset],
) -> Result<Vec<Asset>, crate::EngineError> {
    let on_a_site: HashSet<_> = engine
        .store
        .album_publications(album.id)
        .await?
        .into_iter()
        .filter(|p| p.remote_id.is_some())
        .map(|p| p.asset_id)
        .collect();
    let own = engine.store.album_texts(album.id).await?;
    let has_alt = |a: &Asset| own.get(&a.id).is_some_and(|t| t.alt.is_some());
    Ok(current.iter().filter(|a| !on_a_site.contains(&a.id) && !has_alt(a)).cloned().collect())
}

/// Makes the text the photo's own alt text; an empty one (a picture the model took for
/// decoration) leaves the album's pattern.
async fn keep(
    engine: &EngineState,
    album: &Album,
    asset: &Asset,
    alt: &str,
    model: &str,
    cost: Option<f64>,
) {
    if alt.trim().is_empty() {
        return;
    }
    let mut texts: TextOverrides = engine.store.asset_texts(asset.id).await.unwrap_or_default();
    texts.alt = Some(alt.trim().to_string());
    let said = match engine.store.set_asset_texts(asset.id, &texts).await {
        Ok(()) => format!(
            "Wrote alt text for {} with {model} for {}",
            asset.rel_path,
            cost.map_or("an unreported sum".into(), pricing::dollars)
        ),
        Err(e) => format!("Alt text for {} not kept: {e}", asset.rel_path),
    };
    let _ = engine.store.log(Some(album.id), "info", &said).await;
}
