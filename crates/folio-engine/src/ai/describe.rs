//! Alt text written by a vision model: the instruction, the choice of a cheap model, the
//! language, and one photo's description. Each photo goes as a JPEG of at most 1568 px, with
//! an instruction that asks for what the picture means on a web page, in the site's language.

use super::ai_error;
use crate::state::EngineState;
use crate::{EngineError, ErrorCode};
use folio_model::{AlbumId, AlbumSettings, AssetId};
use folio_sources::openrouter::{account::api, pricing, AiError, AiErrorKind, Model};
use folio_store::Account;
use serde_json::json;
use std::path::Path;

/// Cheap models that read images well, in the order they are chosen when the account has
/// them; else the cheapest model that reads images and writes text.
const PREFERRED: [&str; 3] =
    ["google/gemini-2.5-flash", "anthropic/claude-haiku-4.5", "openai/gpt-5-nano"];

/// The estimate takes every picture at its largest: 1568 px square.
const LARGEST: (u32, u32) = (1568, 1568);

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

/// The most describing one photo can cost with this model, in USD.
pub(crate) fn most_per_photo(model: &Model) -> f64 {
    pricing::description(model, &instruction("en_US"), LARGEST.0, LARGEST.1)
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

/// One photo's description.
pub(crate) struct Description {
    pub alt: String,
    pub title: String,
    /// USD, as OpenRouter reported it.
    pub cost: Option<f64>,
}

/// Why a photo got no description, and whether the next photo would fare the same (the
/// account has no credits, is refused or busy) or may well not (this picture was refused).
pub(crate) struct NotDescribed {
    pub error: EngineError,
    pub account_wide: bool,
}

impl From<EngineError> for NotDescribed {
    fn from(error: EngineError) -> Self {
        NotDescribed { error, account_wide: false }
    }
}

impl EngineState {
    /// The account alt text is written with: the one named, else the only one that makes
    /// items with a model (OpenRouter).
    pub(crate) async fn describing_account(
        &self,
        name: Option<&str>,
    ) -> Result<Account, EngineError> {
        if let Some(name) = name.filter(|n| !n.is_empty()) {
            let found = self.store.account_by_name(name).await?;
            return found.ok_or_else(|| EngineError::config(format!("no account named '{name}'")));
        }
        let all = self.store.accounts().await?;
        let mut ours: Vec<Account> =
            all.into_iter().filter(|a| self.makes_items(&a.connector)).collect();
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
    pub(crate) async fn vision_model(
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
        if let Some(id) = id.filter(|i| !i.is_empty()) {
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
        let cheapest =
            models.into_iter().min_by(|a, b| most_per_photo(a).total_cmp(&most_per_photo(b)));
        cheapest.ok_or_else(|| {
            EngineError::new(
                ErrorCode::NotFound,
                format!("{} offers no model that reads images", account.name),
            )
        })
    }

    /// The language an album's alt text is written in: its sites' (WordPress's Site Language,
    /// a Shopify shop's primary one), else the album's setting, else English.
    pub(crate) async fn album_language(self: &std::sync::Arc<Self>, album: AlbumId) -> String {
        let Ok(Some(album)) = self.store.album(album).await else { return "en_US".into() };
        let sites = self.store.sites().await.unwrap_or_default();
        for site in sites.iter().filter(|s| album.site_ids.contains(&s.id)) {
            let Ok(q) = crate::queue::workers::queue_for(self, site) else { continue };
            if let Some(language) = q.destination.language().await {
                return language;
            }
        }
        let settings: AlbumSettings = serde_json::from_str(&album.settings).unwrap_or_default();
        Some(settings.alt_language)
            .filter(|l| !l.trim().is_empty())
            .unwrap_or_else(|| "en_US".into())
    }

    /// Describes one photo in `language`: one paid call.
    pub(crate) async fn describe_photo(
        &self,
        account: &Account,
        model: &Model,
        asset: AssetId,
        rel_path: &str,
        language: &str,
    ) -> Result<Description, NotDescribed> {
        let picture = self.picture_of_photo(asset).await?;
        let name = Path::new(rel_path).file_name().map_or(rel_path.into(), |n| n.to_string_lossy());
        let body = json!({
            "model": model.id,
            "messages": [
                {"role": "system", "content": instruction(language)},
                {"role": "user", "content": [
                    {"type": "text", "text": format!("The picture's file is named {name}.")},
                    {"type": "image_url", "image_url": {"url": picture.url}},
                ]},
            ],
            "temperature": 0.3,
            "max_tokens": 300,
        });
        let (_, key, config) = self.account_token(account)?;
        let answer = api(&config, key).chat(&body).await.map_err(|e| {
            let account_wide = !matches!(e.kind, AiErrorKind::Refused | AiErrorKind::NoImage);
            NotDescribed { error: self.account_refused(account, e), account_wide }
        })?;
        let (alt, title) = read_answer(&answer.text);
        if alt.is_empty() && !answer.text.contains("\"alt\"") {
            let mut e =
                AiError::new(AiErrorKind::NoImage, format!("{} gave no alt text", model.name));
            e.cost = answer.cost;
            return Err(ai_error(e).into());
        }
        Ok(Description { alt, title, cost: answer.cost })
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
