//! The model catalogue and `GET /api/v1/models`. OpenRouter lists text models only unless
//! `output_modalities=image` (or `all`) is asked for, which is the trap this fake keeps: a
//! client looking for image models with the bare URL finds none of the image-only ones.
//! Each listed modality must be supported (`text,image` finds models that output both).

use super::Shared;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;

/// 2026-08-01T00:00:00Z: when every seeded model says it was added.
const CREATED: i64 = 1_785_542_400;

#[derive(Debug, Clone)]
pub(super) struct Model {
    pub id: String,
    pub name: String,
    pub input: Vec<String>,
    pub output: Vec<String>,
    /// USD decimal strings, as OpenRouter writes them.
    pub pricing: Value,
    pub context_length: u64,
}

impl Model {
    pub fn new(id: &str, name: &str, input: &[&str], output: &[&str], pricing: Value) -> Model {
        Model {
            id: id.into(),
            name: name.into(),
            input: input.iter().map(|s| s.to_string()).collect(),
            output: output.iter().map(|s| s.to_string()).collect(),
            pricing,
            context_length: 32_768,
        }
    }

    fn context(mut self, tokens: u64) -> Model {
        self.context_length = tokens;
        self
    }

    /// A price in USD from its decimal string; 0 when the model has no such line.
    pub fn price(&self, line: &str) -> f64 {
        self.pricing.get(line).and_then(Value::as_str).and_then(|p| p.parse().ok()).unwrap_or(0.0)
    }

    pub fn outputs(&self, modality: &str) -> bool {
        self.output.iter().any(|m| m == modality)
    }

    /// Who serves it, for `provider` in answers and moderation errors.
    pub fn provider(&self) -> &'static str {
        match self.id.split('/').next() {
            Some("google") => "Google AI Studio",
            Some("openai") => "OpenAI",
            Some("black-forest-labs") => "Black Forest Labs",
            _ => "Fake Provider",
        }
    }

    fn json(&self) -> Value {
        json!({
            "id": self.id,
            "canonical_slug": self.id,
            "name": self.name,
            "created": CREATED,
            "description": format!("{} (a model of the fake OpenRouter).", self.name),
            "context_length": self.context_length,
            "architecture": {
                "input_modalities": self.input,
                "output_modalities": self.output,
                "modality": format!("{}->{}", self.input.join("+"), self.output.join("+")),
                "tokenizer": "Other",
                "instruct_type": null,
            },
            "pricing": self.pricing,
            "top_provider": {
                "context_length": self.context_length,
                "max_completion_tokens": null,
                "is_moderated": false,
            },
            "per_request_limits": null,
            "supported_parameters": ["max_tokens", "temperature"],
        })
    }
}

/// The seeded catalogue: prices as OpenRouter published them for these models (rounded).
pub(super) fn catalogue() -> Vec<Model> {
    let text_image = ["text", "image"];
    vec![
        Model::new(
            "google/gemini-2.5-flash-image",
            "Google: Gemini 2.5 Flash Image (Nano Banana)",
            &text_image,
            &["image", "text"],
            // `image_output` is per image token here ($30/M), not per image.
            json!({"prompt": "0.0000003", "completion": "0.0000025", "request": "0",
                   "image": "0.001238", "image_output": "0.00003", "web_search": "0",
                   "internal_reasoning": "0"}),
        )
        .context(32_768),
        Model::new(
            "black-forest-labs/flux.2-pro",
            "Black Forest Labs: FLUX.2 Pro",
            &text_image,
            &["image"],
            json!({"prompt": "0", "completion": "0", "request": "0", "image": "0.015",
                   "image_output": "0.03"}),
        )
        .context(46_864),
        Model::new(
            "openai/gpt-5-image-mini",
            "OpenAI: GPT-5 Image Mini",
            &text_image,
            &["image", "text"],
            json!({"prompt": "0.0000025", "completion": "0.000002", "request": "0",
                   "image": "0.0000025", "image_output": "0.000008", "web_search": "0.01"}),
        )
        .context(400_000),
        Model::new(
            "google/gemini-2.5-flash",
            "Google: Gemini 2.5 Flash",
            &text_image,
            &["text"],
            json!({"prompt": "0.0000003", "completion": "0.0000025", "request": "0",
                   "image": "0.001238", "web_search": "0", "internal_reasoning": "0"}),
        )
        .context(1_048_576),
        Model::new(
            "openai/gpt-5-nano",
            "OpenAI: GPT-5 Nano",
            &["text"],
            &["text"],
            json!({"prompt": "0.00000005", "completion": "0.0000004", "request": "0",
                   "image": "0", "web_search": "0.01"}),
        )
        .context(400_000),
    ]
}

/// `GET /api/v1/models[?output_modalities=…][&input_modalities=…]`. Public, as OpenRouter's
/// is: no key is needed (one sent is recorded but not checked).
pub(super) async fn list(
    State(s): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut c = s.lock().unwrap();
    c.record("models", &headers);
    let output = q.get("output_modalities").map_or("text", String::as_str);
    let input = q.get("input_modalities").map_or("all", String::as_str);
    let data: Vec<Value> = c
        .models
        .iter()
        .filter(|m| supports(&m.output, output) && supports(&m.input, input))
        .map(Model::json)
        .collect();
    Json(json!({ "data": data })).into_response()
}

/// Whether `have` holds every modality of the comma-separated `wanted` ("all": anything).
fn supports(have: &[String], wanted: &str) -> bool {
    wanted == "all" || wanted.split(',').map(str::trim).all(|w| have.iter().any(|h| h == w))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_listed_modality_must_be_supported() {
        let have = ["image".to_string(), "text".to_string()];
        assert!(super::supports(&have, "image"));
        assert!(super::supports(&have, "text,image"));
        assert!(!super::supports(&have[..1], "text,image"));
        assert!(super::supports(&[], "all"));
    }
}
