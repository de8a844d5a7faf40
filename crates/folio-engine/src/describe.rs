//! Alt text written by a vision model of the person's OpenRouter account, for the photos they
//! name and no others. Each photo goes as a JPEG of at most 1568 px, with an instruction that
//! asks for what the picture means on a web page, in the site's language (WordPress's Site
//! Language, a Shopify shop's primary one; else the album's setting; else English). Suggestions are only shown until they
//! are accepted; accepted, they become the photo's own alt text and reach its sites at once.

use crate::generate::call::ai_error;
use crate::{Engine, EngineError, ErrorCode};
use folio_model::{AlbumId, AssetId, TextOverrides};
use folio_sources::openrouter::{account::api, pricing, Model};
use folio_store::Account;
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;
use std::path::Path;

/// Cheap models that read images well, in the order they are chosen when the account has
/// them; else the cheapest model that reads images and writes text.
const PREFERRED: [&str; 3] =
    ["google/gemini-2.5-flash", "anthropic/claude-haiku-4.5", "openai/gpt-5-nano"];

/// The estimate takes every picture at its largest: 1568 px square.
const LARGEST: (u32, u32) = (1568, 1568);

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

/// The instruction the model is given. It states the purpose (alt text on a web page) rather
/// than a look, asks for the language, and for JSON so the title comes apart from the text.
pub fn instruction(language: &str) -> String {
    format!(
        "You write alt text for pictures published on websites. Say what the picture shows \
         that matters to someone who cannot see it on the page: the subject, what is \
         happening, and any words written in it. Be accurate and plain; do not guess names, \
         places or feelings the picture does not show. Do not start with \"image of\", \
         \"photo of\" or the like. Keep it to one sentence of about 125 characters. If the \
         picture is only decoration, give an empty alt. Also give a title of at most eight \
         words. Write both in the language of the locale {language}. Answer with JSON only: \
         {{\"alt\": \"…\", \"title\": \"…\"}}"
    )
}

/// The model's answer as alt text and a title, tidied: quotes, a "Photo of" start and runs
/// of spaces removed.
pub fn read_answer(text: &str) -> (String, String) {
    let json = text.find('{').zip(text.rfind('}')).filter(|(a, b)| a < b);
    let parsed =
        json.and_then(|(a, b)| serde_json::from_str::<serde_json::Value>(&text[a..=b]).ok());
    let (alt, title) = match &parsed {
        Some(v) => (
            v["alt"].as_str().unwrap_or_default().to_string(),
            v["title"].as_str().unwrap_or_default().to_string(),
        ),
        None => (
            text.lines().find(|l| !l.trim().is_empty()).unwrap_or_default().to_string(),
            String::new(),
        ),
    };
    (tidy(&alt), tidy(&title))
}

fn tidy(text: &str) -> String {
    let mut t = text.split_whitespace().collect::<Vec<_>>().join(" ");
    t = t
        .trim_matches(|c: char| matches!(c, '"' | '\'' | '“' | '”' | '«' | '»' | '`'))
        .trim()
        .to_string();
    for start in
        ["an image of ", "image of ", "a photo of ", "photo of ", "a picture of ", "picture of "]
    {
        if t.len() > start.len() && t[..start.len()].eq_ignore_ascii_case(start) {
            t = t[start.len()..].to_string();
            let mut chars = t.chars();
            t = chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default();
            break;
        }
    }
    t
}

impl Engine {
    /// The account alt text is written with: the one named, else the only OpenRouter one.
    async fn describing_account(&self, name: Option<&str>) -> Result<Account, EngineError> {
        if let Some(name) = name {
            return self.account_named(name).await;
        }
        let all = self.state.store.accounts().await?;
        let mut ours: Vec<Account> =
            all.into_iter().filter(|a| self.state.makes_items(&a.connector)).collect();
        match ours.len() {
            1 => Ok(ours.remove(0)),
            0 => Err(EngineError::new(
                ErrorCode::NeedsSignIn,
                "alt text is written by a model of an OpenRouter account: connect one with 'folio connect openrouter'",
            )),
            _ => {
                let names: Vec<String> = ours.into_iter().map(|a| a.name).collect();
                Err(EngineError::config(format!("choose the account with --account: {}", names.join(", "))))
            }
        }
    }

    /// The model: the one named, if it reads images; else a cheap one that does.
    async fn vision_model(
        &self,
        account: &Account,
        id: Option<&str>,
    ) -> Result<Model, EngineError> {
        let models: Vec<Model> = self
            .models_of(account, "", "image")
            .await?
            .into_iter()
            .filter(|m| m.reads_images() && m.writes_text())
            .collect();
        if let Some(id) = id {
            return models.into_iter().find(|m| m.id == id).ok_or_else(|| {
                EngineError::new(
                    ErrorCode::NotFound,
                    format!("'{id}' is not a model that reads images here"),
                )
            });
        }
        if let Some(m) = PREFERRED.iter().find_map(|p| models.iter().find(|m| m.id == *p)) {
            return Ok(m.clone());
        }
        let cost = |m: &Model| pricing::description(m, &instruction("en"), LARGEST.0, LARGEST.1);
        models.into_iter().min_by(|a, b| cost(a).total_cmp(&cost(b))).ok_or_else(|| {
            EngineError::new(
                ErrorCode::NotFound,
                format!("{} offers no model that reads images", account.name),
            )
        })
    }

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
        let account = self.describing_account(r.account.as_deref()).await?;
        let model = self.vision_model(&account, r.model.as_deref()).await?;
        let one = pricing::description(&model, &instruction("en_US"), LARGEST.0, LARGEST.1);
        Ok(AltEstimate {
            model: model.id,
            photos: photos.len(),
            estimate: one * photos.len() as f64,
        })
    }

    /// The language an album's alt text is written in.
    async fn album_language(&self, album: AlbumId) -> String {
        let Ok(Some(album)) = self.state.store.album(album).await else { return "en_US".into() };
        let sites = self.state.store.sites().await.unwrap_or_default();
        for site in sites.iter().filter(|s| album.site_ids.contains(&s.id)) {
            let Ok(q) = crate::queue::workers::queue_for(&self.state, site) else { continue };
            if let Some(language) = q.destination.language().await {
                return language;
            }
        }
        let settings: crate::AlbumSettings =
            serde_json::from_str(&album.settings).unwrap_or_default();
        Some(settings.alt_language)
            .filter(|l| !l.trim().is_empty())
            .unwrap_or_else(|| "en_US".into())
    }

    /// Describes each photo named (and only those); a photo the model fails on gets its error
    /// and the others go on. Nothing is applied.
    pub async fn suggest_alt(&self, r: &AltRequest) -> Result<Vec<AltSuggestion>, EngineError> {
        let photos = self.named_photos(r).await?;
        let account = self.describing_account(r.account.as_deref()).await?;
        let model = self.vision_model(&account, r.model.as_deref()).await?;
        let mut languages: HashMap<AlbumId, String> = HashMap::new();
        let mut out = Vec::new();
        for (path, asset) in photos {
            let language = match (&r.language, languages.get(&asset.album_id)) {
                (Some(l), _) => l.clone(),
                (None, Some(l)) => l.clone(),
                (None, None) => {
                    let l = self.album_language(asset.album_id).await;
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
            match self.describe(&account, &model, &s, &asset.rel_path).await {
                Ok((alt, title, cost)) => (s.alt, s.title, s.cost) = (alt, title, cost),
                Err(e) => s.error = Some(e.message),
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

    async fn describe(
        &self,
        account: &Account,
        model: &Model,
        s: &AltSuggestion,
        rel_path: &str,
    ) -> Result<(String, String, Option<f64>), EngineError> {
        let picture = self.picture_of_photo(s.asset).await?;
        let name = Path::new(rel_path).file_name().map_or(rel_path.into(), |n| n.to_string_lossy());
        let body = json!({
            "model": model.id,
            "messages": [
                {"role": "system", "content": instruction(&s.language)},
                {"role": "user", "content": [
                    {"type": "text", "text": format!("The picture's file is named {name}.")},
                    {"type": "image_url", "image_url": {"url": picture.url}},
                ]},
            ],
            "temperature": 0.3,
            "max_tokens": 300,
        });
        let (_, key, config) = self.account_token(account)?;
        let answer =
            api(&config, key).chat(&body).await.map_err(|e| self.account_refused(account, e))?;
        let (alt, title) = read_answer(&answer.text);
        if alt.is_empty() && !answer.text.contains("\"alt\"") {
            let mut e = folio_sources::openrouter::AiError::new(
                folio_sources::openrouter::AiErrorKind::NoImage,
                format!("{} gave no alt text", model.name),
            );
            e.cost = answer.cost;
            return Err(ai_error(e));
        }
        Ok((alt, title, answer.cost))
    }

    /// Makes a suggestion the photo's own alt text; its sites get it at once.
    pub async fn accept_alt(&self, asset: AssetId, alt: &str) -> Result<(), EngineError> {
        let mut texts: TextOverrides = self.state.store.asset_texts(asset).await?;
        texts.alt = Some(alt.trim().to_string());
        self.set_photo_texts(asset, texts).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_read_as_json_even_inside_a_code_fence_and_tidied() {
        let (alt, title) = read_answer("```json\n{\"alt\": \"Photo of a red fox in  snow\", \"title\": \"“Fox at dawn”\"}\n```");
        assert_eq!((alt.as_str(), title.as_str()), ("A red fox in snow", "Fox at dawn"));
        let (alt, title) = read_answer("\"Ein Rotfuchs im Schnee\"\nmore");
        assert_eq!((alt.as_str(), title.as_str()), ("Ein Rotfuchs im Schnee", ""));
        assert_eq!(read_answer("{\"alt\": \"\", \"title\": \"Divider\"}").0, "", "decorative");
    }

    #[test]
    fn the_instruction_names_the_language_and_the_purpose() {
        let i = instruction("de_DE");
        assert!(i.contains("locale de_DE") && i.contains("125 characters") && i.contains("JSON"));
    }
}
