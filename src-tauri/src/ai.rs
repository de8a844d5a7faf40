//! Generated albums and AI alt text in the window: the models and their prices, an estimate
//! before anything is spent, Generate and Generate again, and alt text suggested for the
//! photos picked, applied only when accepted. The work (and every call that costs money) is
//! the engine's; the window asks for it only after the person pressed the button that shows
//! the estimate.

use crate::ipc::Answer;
use crate::AppState;
use folio_model::AssetId;
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::State;

#[derive(Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ImageModelRow {
    pub id: String,
    pub name: String,
    /// USD.
    pub price_per_image: f64,
}

/// What to generate, as the Generate form holds it.
#[derive(Serialize, Deserialize, Type, Clone)]
#[serde(rename_all = "camelCase")]
pub struct GenerateForm {
    pub account: String,
    pub album: String,
    pub prompt: String,
    pub model: String,
    pub aspect_ratio: Option<String>,
    pub reference: Option<String>,
    /// An item's name in the album, to make a new version of it.
    pub again: Option<String>,
}

impl From<GenerateForm> for folio_engine::GenerateRequest {
    fn from(f: GenerateForm) -> Self {
        folio_engine::GenerateRequest {
            account: f.account,
            album: f.album,
            prompt: f.prompt,
            model: f.model,
            aspect_ratio: f.aspect_ratio.filter(|a| !a.is_empty()),
            reference: f.reference.filter(|r| !r.trim().is_empty()),
            again: f.again,
        }
    }
}

#[derive(Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct GeneratedRow {
    pub item: String,
    pub version: u32,
    pub cost: Option<f64>,
    pub estimate: f64,
    /// "blog → https://…", one per site.
    pub sites: Vec<String>,
    pub problems: Vec<String>,
}

#[derive(Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AltEstimateRow {
    pub model: String,
    pub photos: u32,
    /// USD at most.
    pub estimate: f64,
}

#[derive(Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AltSuggestionRow {
    pub asset_id: AssetId,
    pub path: String,
    pub alt: String,
    pub title: String,
    pub cost: Option<f64>,
    pub language: String,
    pub error: Option<String>,
}

/// The accounts that generate images and write alt text.
#[tauri::command]
#[specta::specta]
pub async fn ai_accounts(state: State<'_, AppState>) -> Answer<Vec<String>> {
    Ok(state.engine.ai_accounts().await?)
}

/// The account's models that make images, cheapest first.
#[tauri::command]
#[specta::specta]
pub async fn image_models(
    state: State<'_, AppState>,
    account: String,
) -> Answer<Vec<ImageModelRow>> {
    let models = state.engine.image_models(&account).await?;
    Ok(models
        .into_iter()
        .map(|m| ImageModelRow { id: m.id, name: m.name, price_per_image: m.price_per_image })
        .collect())
}

/// What the form would cost, in USD; nothing is spent.
#[tauri::command]
#[specta::specta]
pub async fn generation_estimate(state: State<'_, AppState>, form: GenerateForm) -> Answer<f64> {
    Ok(state.engine.generation_estimate(&form.into()).await?)
}

/// The form of an item's last generation, for Generate again.
#[tauri::command]
#[specta::specta]
pub async fn regeneration(state: State<'_, AppState>, item: String) -> Answer<GenerateForm> {
    let r = state.engine.regeneration(&item).await?;
    Ok(GenerateForm {
        account: r.account,
        album: r.album,
        prompt: r.prompt,
        model: r.model,
        aspect_ratio: r.aspect_ratio,
        reference: r.reference,
        again: r.again,
    })
}

/// Generates (the person agreed to the estimate shown on the button) and puts it live.
#[tauri::command]
#[specta::specta]
pub async fn generate(state: State<'_, AppState>, form: GenerateForm) -> Answer<GeneratedRow> {
    let g = state.engine.generate(&form.into()).await?;
    Ok(GeneratedRow {
        item: g.item,
        version: g.version.max(0) as u32,
        cost: g.cost,
        estimate: g.estimate,
        sites: g
            .sites
            .into_iter()
            .map(|s| format!("{} → {}", s.name, s.url.as_deref().unwrap_or("not there yet")))
            .collect(),
        problems: g.problems,
    })
}

fn alt_request(assets: Vec<AssetId>) -> folio_engine::AltRequest {
    folio_engine::AltRequest { assets, ..folio_engine::AltRequest::default() }
}

/// What suggesting alt text for these photos would cost at most; nothing is sent.
#[tauri::command]
#[specta::specta]
pub async fn alt_estimate(
    state: State<'_, AppState>,
    assets: Vec<AssetId>,
) -> Answer<AltEstimateRow> {
    let e = state.engine.alt_estimate(&alt_request(assets)).await?;
    Ok(AltEstimateRow { model: e.model, photos: e.photos as u32, estimate: e.estimate })
}

/// What writing alt text for one new photo of the album costs at most, with the album's
/// account and model; shown beside "Write alt text for new photos". Nothing is sent.
#[tauri::command]
#[specta::specta]
pub async fn new_photo_alt_estimate(
    state: State<'_, AppState>,
    root: String,
) -> Answer<AltEstimateRow> {
    let s = state.engine.album_settings(std::path::Path::new(&root)).await?;
    let e = state.engine.ai_alt_estimate(Some(&s.ai_alt_account), Some(&s.ai_alt_model)).await?;
    Ok(AltEstimateRow { model: e.model, photos: 1, estimate: e.estimate })
}

/// Alt text suggested for these photos (sent to the model now); nothing is applied.
#[tauri::command]
#[specta::specta]
pub async fn suggest_alt(
    state: State<'_, AppState>,
    assets: Vec<AssetId>,
) -> Answer<Vec<AltSuggestionRow>> {
    let list = state.engine.suggest_alt(&alt_request(assets)).await?;
    Ok(list
        .into_iter()
        .map(|s| AltSuggestionRow {
            asset_id: s.asset,
            path: s.path,
            alt: s.alt,
            title: s.title,
            cost: s.cost,
            language: s.language,
            error: s.error,
        })
        .collect())
}

/// Makes (edited) alt text the photo's own; its sites get it at once.
#[tauri::command]
#[specta::specta]
pub async fn accept_alt(state: State<'_, AppState>, asset_id: AssetId, alt: String) -> Answer<()> {
    Ok(state.engine.accept_alt(asset_id, &alt).await?)
}
