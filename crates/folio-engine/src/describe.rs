//! Alt text written by a vision model of the person's OpenRouter account, for the photos they
//! name and no others. Each photo goes as a JPEG of at most 1568 px, with an instruction that
//! asks for what the picture means on a web page, in the site's language (WordPress's Site
//! Language, a Shopify shop's primary one; else the album's setting; else English). Suggestions are only shown until they
//! are accepted; accepted, they become the photo's own alt text and reach its sites at once.

use crate::ai::describe::most_per_photo;
use crate::{Engine, EngineError, ErrorCode};
use folio_model::{AlbumId, AssetId, TextOverrides};
use folio_sources::openrouter::pricing;
use serde::Serialize;
use std::collections::HashMap;
use std::path::Path;

/// What to describe, and with what.
#[derive(Debug, Clone, Default)]
pub struct AltRequest {
    /// Photos' files, or albums' items (`ACCOUNT:ALBUM/NAME`).
    pub paths: Vec<String>,
    /// Photos by id (the app's selection), after those of `paths`.
    pub assets: Vec<AssetId>,
    /// The OpenRouter account; the only one when absent.
    pub account: Option<String>,
    /// A vision model's id; a cheap one when absent.
    pub model: Option<String>,
    /// A locale for all of them; each album's sites' when absent.
    pub language: Option<String>,
}

/// What a description will cost, before anything is sent.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AltEstimate {
    pub model: String,
    pub photos: usize,
    /// USD at most.
    pub estimate: f64,
}

/// One photo's suggestion.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AltSuggestion {
    pub path: String,
    pub asset: AssetId,
    pub alt: String,
    pub title: String,
    /// USD, as OpenRouter reported it.
    pub cost: Option<f64>,
    pub language: String,
    /// Why there is no suggestion for it.
    pub error: Option<String>,
}

impl Engine {
    /// The photos named, each found before anything is sent.
    async fn named_photos(
        &self,
        r: &AltRequest,
    ) -> Result<Vec<(String, folio_store::Asset)>, EngineError> {
        if r.paths.is_empty() && r.assets.is_empty() {
            return Err(EngineError::config("name the photos to describe"));
        }
        let mut out = Vec::new();
        for p in &r.paths {
            out.push((p.clone(), self.asset_at(Path::new(p)).await?));
        }
        let store = &self.state.store;
        for id in &r.assets {
            let gone = || EngineError::new(ErrorCode::NotFound, format!("no photo {id}"));
            let asset = store.asset(*id).await?.ok_or_else(gone)?;
            out.push((asset.rel_path.clone(), asset));
        }
        Ok(out)
    }

    /// What describing the photos would cost at most; nothing is sent.
    pub async fn alt_estimate(&self, r: &AltRequest) -> Result<AltEstimate, EngineError> {
        let photos = self.named_photos(r).await?;
        let account = self.state.describing_account(r.account.as_deref()).await?;
        let model = self.state.vision_model(&account, r.model.as_deref()).await?;
        Ok(AltEstimate {
            estimate: most_per_photo(&model) * photos.len() as f64,
            model: model.id,
            photos: photos.len(),
        })
    }

    /// What writing alt text for one new photo costs at most with this account and model
    /// (each the album's choice; the only account and a cheap model when empty): the price
    /// shown where an album's "Write alt text for new photos" is turned on.
    pub async fn ai_alt_estimate(
        &self,
        account: Option<&str>,
        model: Option<&str>,
    ) -> Result<AltEstimate, EngineError> {
        let account = self.state.describing_account(account).await?;
        let model = self.state.vision_model(&account, model).await?;
        Ok(AltEstimate { estimate: most_per_photo(&model), model: model.id, photos: 1 })
    }

    /// Describes each photo named (and only those); a photo the model fails on gets its error
    /// and the others go on. Nothing is applied.
    pub async fn suggest_alt(&self, r: &AltRequest) -> Result<Vec<AltSuggestion>, EngineError> {
        let photos = self.named_photos(r).await?;
        let account = self.state.describing_account(r.account.as_deref()).await?;
        let model = self.state.vision_model(&account, r.model.as_deref()).await?;
        let mut languages: HashMap<AlbumId, String> = HashMap::new();
        let mut out = Vec::new();
        for (path, asset) in photos {
            let language = match (&r.language, languages.get(&asset.album_id)) {
                (Some(l), _) => l.clone(),
                (None, Some(l)) => l.clone(),
                (None, None) => {
                    let l = self.state.album_language(asset.album_id).await;
                    languages.insert(asset.album_id, l.clone());
                    l
                }
            };
            let mut s = AltSuggestion {
                path,
                asset: asset.id,
                alt: String::new(),
                title: String::new(),
                cost: None,
                language,
                error: None,
            };
            let described =
                self.state.describe_photo(&account, &model, asset.id, &asset.rel_path, &s.language);
            match described.await {
                Ok(d) => (s.alt, s.title, s.cost) = (d.alt, d.title, d.cost),
                Err(e) => s.error = Some(e.error.message),
            }
            let said = match (&s.error, s.cost) {
                (Some(e), _) => format!("No alt text for {}: {e}", s.path),
                (None, cost) => format!(
                    "Suggested alt text for {} with {} for {}",
                    s.path,
                    model.name,
                    cost.map_or("an unreported sum".into(), pricing::dollars)
                ),
            };
            self.state.store.log(Some(asset.album_id), "info", &said).await?;
            out.push(s);
        }
        Ok(out)
    }

    /// Makes a suggestion the photo's own alt text; its sites get it at once.
    pub async fn accept_alt(&self, asset: AssetId, alt: &str) -> Result<(), EngineError> {
        let mut texts: TextOverrides = self.state.store.asset_texts(asset).await?;
        texts.alt = Some(alt.trim().to_string());
        self.set_photo_texts(asset, texts).await
    }
}
