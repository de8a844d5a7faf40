//! OpenRouter's JSON as Folio reads it: a model and its prices (USD as decimal strings), a chat
//! completion's text, images and cost, and a moderation refusal's reasons.

use super::api::{AiError, AiErrorKind, Answer};
use serde_json::Value;

/// A model, as `/models` lists it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Model {
    pub id: String,
    pub name: String,
    pub input: Vec<String>,
    pub output: Vec<String>,
    /// USD per token of prompt and of completion.
    pub prompt: f64,
    pub completion: f64,
    /// USD per request, per input image, per output image (or per image token: see pricing).
    pub request: f64,
    pub image_input: f64,
    pub image_output: f64,
}

impl Model {
    pub fn makes_images(&self) -> bool {
        self.output.iter().any(|m| m == "image")
    }

    pub fn reads_images(&self) -> bool {
        self.input.iter().any(|m| m == "image")
    }

    /// Whether it answers with text as well as images: such models must be asked for both.
    pub fn writes_text(&self) -> bool {
        self.output.iter().any(|m| m == "text")
    }
}

/// A price field: a decimal string, a number, or absent (0).
fn price(v: &Value) -> f64 {
    match v {
        Value::String(s) => s.trim().parse().unwrap_or(0.0),
        Value::Number(n) => n.as_f64().unwrap_or(0.0),
        _ => 0.0,
    }
    .max(0.0)
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

pub(super) fn model(v: &Value) -> Option<Model> {
    let id = v["id"].as_str()?.to_string();
    let p = &v["pricing"];
    let arch = &v["architecture"];
    Some(Model {
        name: v["name"].as_str().unwrap_or(&id).to_string(),
        input: strings(&arch["input_modalities"]),
        output: strings(&arch["output_modalities"]),
        prompt: price(&p["prompt"]),
        completion: price(&p["completion"]),
        request: price(&p["request"]),
        image_input: price(&p["image"]),
        image_output: price(&p["image_output"]),
        id,
    })
}

/// The first choice's text and the cost; an error when there is no choice at all.
pub(super) fn answer(v: &Value) -> Result<Answer, Option<AiError>> {
    let message = &v["choices"][0]["message"];
    if message.is_null() {
        let mut e = AiError::new(AiErrorKind::Unavailable, "OpenRouter's answer held no message");
        e.cost = v["usage"]["cost"].as_f64();
        return Err(Some(e));
    }
    let text = match &message["content"] {
        Value::String(s) => s.clone(),
        // Some providers answer in parts.
        Value::Array(parts) => parts.iter().filter_map(|p| p["text"].as_str()).collect(),
        _ => String::new(),
    };
    Ok(Answer { images: Vec::new(), text, cost: v["usage"]["cost"].as_f64() })
}

/// The images of the first choice: `data:` or web addresses.
pub(super) fn image_urls(v: &Value) -> Vec<String> {
    let images = v["choices"][0]["message"]["images"].as_array().cloned().unwrap_or_default();
    images
        .iter()
        .filter_map(|i| i["image_url"]["url"].as_str().or(i["url"].as_str()).map(str::to_string))
        .collect()
}

/// Why moderation or a guardrail refused, from the 403's metadata.
pub(super) fn moderation(meta: &Value, said: &str) -> String {
    let reasons = strings(&meta["reasons"]);
    let patterns = strings(&meta["patterns"]);
    let flagged = meta["flagged_input"].as_str().map(str::trim).filter(|s| !s.is_empty());
    let mut out = if !reasons.is_empty() {
        format!("refused by moderation: {}", reasons.join(", "))
    } else if !patterns.is_empty() {
        format!("refused by a guardrail: {}", patterns.join(", "))
    } else {
        format!("refused by OpenRouter: {said}")
    };
    if let Some(f) = flagged {
        out.push_str(&format!(" (flagged: “{f}”)"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn prices_are_read_from_decimal_strings_and_missing_ones_are_free() {
        let m = model(&json!({
            "id": "black-forest-labs/flux.2-pro", "name": "FLUX.2 Pro",
            "architecture": {"input_modalities": ["text", "image"], "output_modalities": ["image"]},
            "pricing": {"prompt": "0", "completion": "0", "image_output": "0.03", "request": "-1"}
        }))
        .unwrap();
        assert_eq!(m.image_output, 0.03);
        assert_eq!(m.request, 0.0, "a negative price is no price");
        assert!(m.makes_images() && m.reads_images() && !m.writes_text());
    }

    #[test]
    fn a_refusal_names_the_reasons_and_what_was_flagged() {
        let said = moderation(
            &json!({"reasons": ["violence", "gore"], "flagged_input": "a bloody…"}),
            "flagged",
        );
        assert_eq!(said, "refused by moderation: violence, gore (flagged: “a bloody…”)");
        assert_eq!(moderation(&json!({}), "nope"), "refused by OpenRouter: nope");
    }
}
