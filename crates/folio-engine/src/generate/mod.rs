//! Generated albums: images made from a prompt by a model of the person's OpenRouter account,
//! kept in Folio's data folder ([`kept`]) and synced like photos. Each call that costs money
//! is estimated first ([`Engine::generation_estimate`]); front ends ask the person before
//! [`Engine::generate`] spends it. Generating an item again makes a new version of it,
//! replaced in place on every site, and every earlier generation stays kept.

pub(crate) mod call;
pub(crate) mod kept;
mod reference;

use crate::pipeline::patterns::Made;
use crate::state::EngineState;
use crate::{Engine, EngineError, ErrorCode};
use folio_sources::openrouter::{pricing, Model};
use folio_store::{Account, Album};
use serde::Serialize;
use std::path::PathBuf;

pub(crate) use kept::album_folder;

/// A model that makes images, as `folio models` lists it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ImageModel {
    pub id: String,
    pub name: String,
    /// USD for one image, estimated from the model's price lines.
    pub price_per_image: f64,
}

/// What to generate: a new item of an album, or (`again`) a new version of an item.
#[derive(Debug, Clone, Default)]
pub struct GenerateRequest {
    /// The OpenRouter account's name.
    pub account: String,
    /// The generated album's name.
    pub album: String,
    pub prompt: String,
    pub model: String,
    /// `W:H`, e.g. `16:9`; the model's default when absent.
    pub aspect_ratio: Option<String>,
    /// A photo's path, an album item (`ACCOUNT:ALBUM/name`), or an `https://` address.
    pub reference: Option<String>,
    /// The item to make a new version of (its name in the album).
    pub again: Option<String>,
}

/// Where a generation's image went.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GeneratedCopy {
    pub name: String,
    pub url: Option<String>,
}

/// A generation that is live (or as far as it got).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Generated {
    /// `ACCOUNT:ALBUM/name.png`, which `folio history` and `folio restore` accept.
    pub item: String,
    /// The photo version it went up as; 0 when no site took it.
    pub version: i64,
    /// USD, as OpenRouter reported it.
    pub cost: Option<f64>,
    pub estimate: f64,
    pub sites: Vec<GeneratedCopy>,
    /// Sites it did not reach, and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

/// Naming tokens of a generated item (none for a photo).
pub(crate) fn made(state: &EngineState, album: &Album, rel_path: &str) -> Made {
    let makes = state.sources.oauth(&album.source_kind).is_some_and(|o| o.makes_items());
    match album.account_id {
        Some(account) if makes => {
            kept::tokens(&album_folder(&state.data_dir, account, &album.root), rel_path)
        }
        _ => Made::new(),
    }
}

/// An account whose albums Folio makes, and the album of it named `album`.
struct Target {
    account: Account,
    album: Album,
    folder: PathBuf,
}

impl Engine {
    /// The account named `name`, if it generates images.
    async fn generating_account(&self, name: &str) -> Result<Account, EngineError> {
        let account = self.account_named(name).await?;
        let makes = self.state.sources.oauth(&account.connector).is_some_and(|o| o.makes_items());
        if !makes {
            return Err(EngineError::config(format!(
                "'{name}' is a {} account, which does not generate images",
                account.connector
            )));
        }
        Ok(account)
    }

    async fn target(&self, account: &str, album: &str) -> Result<Target, EngineError> {
        let account = self.generating_account(account).await?;
        let name = folio_sources::openrouter::account::album_name(album)
            .map_err(|e| EngineError::config(e.message))?;
        let root = format!("{}:{name}", account.name);
        let found = self.state.store.albums().await?.into_iter().find(|a| a.root == root);
        let album = found.ok_or_else(|| {
            EngineError::new(
                ErrorCode::NotFound,
                format!(
                    "no album '{name}' of {0}: add it with 'folio album add {root} --site SITE'",
                    account.name
                ),
            )
        })?;
        let folder = album_folder(&self.state.data_dir, account.id, &album.root);
        Ok(Target { account, album, folder })
    }

    /// The account's models that make images, cheapest first.
    pub async fn image_models(&self, account: &str) -> Result<Vec<ImageModel>, EngineError> {
        let account = self.generating_account(account).await?;
        let mut list: Vec<ImageModel> = self
            .models_of(&account, "image", "")
            .await?
            .into_iter()
            .filter(Model::makes_images)
            .map(|m| ImageModel { price_per_image: pricing::per_image(&m), id: m.id, name: m.name })
            .collect();
        list.sort_by(|a, b| a.price_per_image.total_cmp(&b.price_per_image).then(a.id.cmp(&b.id)));
        Ok(list)
    }

    /// The request `folio generate --again ITEM` makes: the item's last prompt, model, aspect
    /// and reference.
    pub async fn regeneration(&self, item: &str) -> Result<GenerateRequest, EngineError> {
        let (account, rest) = item.split_once(':').ok_or_else(|| not_an_item(item))?;
        let (album, name) = rest.rsplit_once('/').ok_or_else(|| not_an_item(item))?;
        let target = self.target(account, album).await?;
        let last = kept::records(&kept::kept_folder(&target.folder), name).pop();
        let last = last.ok_or_else(|| not_an_item(item))?;
        Ok(GenerateRequest {
            account: target.account.name,
            album: target.album.name,
            prompt: last.prompt,
            model: last.model,
            aspect_ratio: last.aspect_ratio,
            reference: last.reference,
            again: Some(name.to_string()),
        })
    }

    /// What the generation would cost, in USD; nothing is spent.
    pub async fn generation_estimate(&self, g: &GenerateRequest) -> Result<f64, EngineError> {
        let target = self.target(&g.account, &g.album).await?;
        let model = self.image_model(&target.account, &g.model).await?;
        let reference = match &g.reference {
            Some(r) => Some(self.reference_image(r).await?.size),
            None => None,
        };
        Ok(pricing::generation(&model, &g.prompt, reference))
    }
}

fn not_an_item(item: &str) -> EngineError {
    EngineError::new(
        ErrorCode::NotFound,
        format!("'{item}' is not a generated image (write ACCOUNT:ALBUM/NAME, as 'folio generate' printed it)"),
    )
}
