//! `POST /api/v1/chat/completions`: image generations (the model outputs images and the
//! request's `modalities` asks for them) answered with a real PNG in `message.images`, and
//! text answers (the vision requests of alt text) answered with the text a test set. Checks
//! run in this order: the key (401), the body (400), the model (400), then a queued failure,
//! then the asked output modalities (404), so a queued failure is never spent on a call that
//! would not have reached a provider.
//!
//! Costs follow the pricing lines: a per-image model (`image_output` of a tenth of a cent or
//! more) charges `image_output` per image; a token-priced one charges `image_output` for
//! [`IMAGE_TOKENS`] plus `prompt` per prompt token; a text answer charges `prompt` and
//! `completion` per token. Every call adds `request`. Tokens are estimated as OpenRouter's
//! providers roughly count them: four characters of text each, an image w·h/750.

use super::models::Model;
use super::picture::{self, Part};
use super::{error, error_body, Failure, OpenRouter, Recorded, Shared};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

/// Image tokens a token-priced model bills for one generated picture (Gemini's 1290 for 1K).
pub(super) const IMAGE_TOKENS: u64 = 1290;

/// `image_output` from which a price is per image rather than per image token.
const PER_IMAGE_FROM: f64 = 0.001;

/// The size an image given by address is counted as, since the fake does not download it.
const ADDRESS_SIZE: (u32, u32) = (1024, 1024);

/// What the text of a generation says beside its picture, for models that also output text.
const GENERATED_TEXT: &str = "Here is the image you asked for.";

/// What a generation that made no picture says instead.
const NO_IMAGE_TEXT: &str = "I can't generate that image.";

/// The request as read from the body, kept even when it is malformed so it can be recorded.
#[derive(Default)]
struct Request {
    model: Option<String>,
    text: String,
    modalities: Option<Vec<String>>,
    aspect_ratio: Option<String>,
    image_size: Option<String>,
    images: Vec<(u32, u32, String)>,
    image_urls: Vec<String>,
    temperature: Option<f64>,
    max_tokens: Option<u64>,
    /// Why the body is refused with 400, if it is.
    problem: Option<String>,
}

impl Request {
    fn parse(body: &str) -> Request {
        let Ok(v) = serde_json::from_str::<Value>(body) else {
            return Request { problem: Some("Invalid JSON body".into()), ..Request::default() };
        };
        let string = |v: &Value| v.as_str().map(str::to_string);
        let mut r = Request {
            model: v.get("model").and_then(string),
            modalities: v
                .get("modalities")
                .and_then(Value::as_array)
                .map(|m| m.iter().filter_map(string).collect()),
            aspect_ratio: v.pointer("/image_config/aspect_ratio").and_then(string),
            image_size: v.pointer("/image_config/image_size").and_then(string),
            temperature: v.get("temperature").and_then(Value::as_f64),
            max_tokens: v.get("max_tokens").and_then(Value::as_u64),
            ..Request::default()
        };
        let messages = v.get("messages").and_then(Value::as_array).cloned().unwrap_or_default();
        if messages.is_empty() {
            r.problem = Some("Input required: specify \"prompt\" or \"messages\"".into());
        }
        let mut texts = Vec::new();
        for content in messages.iter().filter_map(|m| m.get("content")) {
            let parts = match content {
                Value::String(s) => {
                    texts.push(s.clone());
                    continue;
                }
                Value::Array(parts) => parts,
                _ => continue,
            };
            for part in parts {
                match part.get("type").and_then(Value::as_str) {
                    Some("text") => texts.extend(part.get("text").and_then(string)),
                    Some("image_url") => {
                        let url = part.pointer("/image_url/url").and_then(Value::as_str);
                        match picture::read(url.unwrap_or("")) {
                            Ok(Part::Decoded(w, h, media)) => r.images.push((w, h, media)),
                            Ok(Part::Address(a)) => r.image_urls.push(a),
                            Err(problem) => r.problem = r.problem.or(Some(problem)),
                        }
                    }
                    _ => {}
                }
            }
        }
        r.text = texts.join("\n");
        if r.model.is_none() && r.problem.is_none() {
            r.problem = Some("No model specified".into());
        }
        r
    }

    fn recorded(&self, headers: &HeaderMap) -> Recorded {
        Recorded {
            route: "chat/completions".into(),
            model: self.model.clone(),
            text: self.text.clone(),
            aspect_ratio: self.aspect_ratio.clone(),
            image_size: self.image_size.clone(),
            modalities: self.modalities.clone().unwrap_or_default(),
            images: self.images.clone(),
            image_urls: self.image_urls.clone(),
            temperature: self.temperature,
            max_tokens: self.max_tokens,
            authorization: super::authorization(headers),
        }
    }

    /// The prompt's tokens: its text and every image part.
    fn prompt_tokens(&self) -> u64 {
        let sizes = self.images.iter().map(|&(w, h, _)| (w, h));
        let addressed = self.image_urls.iter().map(|_| ADDRESS_SIZE);
        text_tokens(&self.text)
            + sizes.chain(addressed).map(|(w, h)| image_tokens(w, h)).sum::<u64>()
    }
}

fn text_tokens(text: &str) -> u64 {
    (text.chars().count() as u64).div_ceil(4)
}

fn image_tokens(width: u32, height: u32) -> u64 {
    (u64::from(width) * u64::from(height)).div_ceil(750)
}

pub(super) async fn completions(
    State(s): State<Shared>,
    headers: HeaderMap,
    body: String,
) -> Response {
    // Decoding the image parts' headers happens before the lock is taken.
    let request = Request::parse(&body);
    let mut c = s.lock().unwrap();
    c.recorded.push(request.recorded(&headers));
    if let Err(message) = c.check_key(&headers) {
        return super::unauthorized(message);
    }
    if let Some(problem) = &request.problem {
        return error(400, problem, None);
    }
    let id = request.model.clone().unwrap_or_default();
    let Some(model) = c.models.iter().find(|m| m.id == id).cloned() else {
        return error(400, &format!("{id} is not a valid model ID"), None);
    };
    if let Some(failure) = c.failures.pop_front() {
        return failed(&mut c, failure, &model, &request);
    }
    let wanted = request.modalities.clone().unwrap_or_else(|| vec!["text".into()]);
    if !wanted.iter().all(|m| model.outputs(m)) {
        let message = format!(
            "No endpoints found that support the requested output modalities: {}",
            wanted.join(", ")
        );
        return error(404, &message, None);
    }
    if wanted.iter().any(|m| m == "image") {
        generate(&mut c, &model, &request, wanted.iter().any(|m| m == "text"))
    } else {
        answer(&mut c, &model, &request)
    }
}

fn generate(c: &mut OpenRouter, model: &Model, request: &Request, with_text: bool) -> Response {
    let (width, height) =
        match picture::size(request.aspect_ratio.as_deref(), request.image_size.as_deref()) {
            Ok(size) => size,
            Err(problem) => return error(400, &problem, None),
        };
    let call = c.next();
    let png = picture::draw(width, height, &request.text, call);
    c.images_generated += 1;
    use base64::Engine;
    let url =
        format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(png));
    let content = if with_text { GENERATED_TEXT } else { "" };
    let per_image = model.price("image_output");
    let prompt_tokens = request.prompt_tokens();
    let (completion_tokens, cost) = if per_image >= PER_IMAGE_FROM {
        (text_tokens(content), per_image)
    } else {
        (
            IMAGE_TOKENS + text_tokens(content),
            per_image * IMAGE_TOKENS as f64 + model.price("prompt") * prompt_tokens as f64,
        )
    };
    let message = json!({
        "role": "assistant",
        "content": content,
        "refusal": null,
        "reasoning": null,
        "images": [{"type": "image_url", "image_url": {"url": url}}],
    });
    let usage = (prompt_tokens, completion_tokens, cost + model.price("request"));
    completion(c, model, message, "STOP", usage)
}

fn answer(c: &mut OpenRouter, model: &Model, request: &Request) -> Response {
    let text = c.answer.clone();
    let (prompt_tokens, completion_tokens) = (request.prompt_tokens(), text_tokens(&text));
    let cost = model.price("prompt") * prompt_tokens as f64
        + model.price("completion") * completion_tokens as f64
        + model.price("request");
    let message = json!({"role": "assistant", "content": text, "refusal": null, "reasoning": null});
    completion(c, model, message, "STOP", (prompt_tokens, completion_tokens, cost))
}

/// A 200 completion with one choice; `usage` is (prompt tokens, completion tokens, USD),
/// the cost added to the account's total.
fn completion(
    c: &mut OpenRouter,
    model: &Model,
    message: Value,
    native_finish: &str,
    usage: (u64, u64, f64),
) -> Response {
    let (prompt_tokens, completion_tokens, cost) = usage;
    c.total_cost += cost;
    let created = now();
    let n = c.next();
    Json(json!({
        "id": format!("gen-{created}-fake{n:016}"),
        "provider": model.provider(),
        "model": model.id,
        "object": "chat.completion",
        "created": created,
        "choices": [{
            "index": 0,
            "logprobs": null,
            "finish_reason": "stop",
            "native_finish_reason": native_finish,
            "message": message,
        }],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "cost": cost,
            "is_byok": false,
        },
    }))
    .into_response()
}

/// A queued failure's answer, with the bodies OpenRouter's error guide describes.
fn failed(c: &mut OpenRouter, failure: Failure, model: &Model, request: &Request) -> Response {
    let provider = model.provider();
    match failure {
        Failure::NoCredits => error(
            402,
            "Insufficient credits. Add more using https://openrouter.ai/settings/credits",
            Some(json!({"limit_source": "openrouter_credits"})),
        ),
        Failure::Moderation { reasons, flagged } => {
            let message = format!(
                "{} requires moderation on {provider}. Your input was flagged for \"{}\"",
                model.id,
                reasons.join(", ")
            );
            // An empty `flagged` stands for the request's own text, as the provider saw it.
            let flagged = if flagged.is_empty() { request.text.clone() } else { flagged };
            let metadata = json!({
                "reasons": reasons,
                "flagged_input": flagged.chars().take(100).collect::<String>(),
                "provider_name": provider,
                "model_slug": model.id,
            });
            error(403, &message, Some(metadata))
        }
        Failure::NoImage { cost } => {
            let message = json!({"role": "assistant", "content": NO_IMAGE_TEXT, "refusal": null});
            let usage = (request.prompt_tokens(), text_tokens(NO_IMAGE_TEXT), cost);
            completion(c, model, message, "NO_IMAGE", usage)
        }
        Failure::RateLimited { retry_after } => retry_later(
            429,
            &format!("Rate limit exceeded: {} is temporarily rate-limited upstream", model.id),
            retry_after,
        ),
        Failure::Unavailable { retry_after } => retry_later(
            503,
            "No available model provider that meets your routing requirements",
            retry_after,
        ),
        Failure::ErrorIn200 { message } => {
            let metadata = json!({"provider_name": provider, "raw": message});
            (StatusCode::OK, Json(error_body(502, &message, Some(metadata)))).into_response()
        }
    }
}

fn retry_later(status: u16, message: &str, retry_after: u64) -> Response {
    let mut r = error(status, message, None);
    r.headers_mut().insert("Retry-After", retry_after.into());
    r
}

fn now() -> u64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    since.map(|d| d.as_secs()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_estimated_from_characters_and_pixels() {
        assert_eq!(text_tokens(""), 0);
        assert_eq!(text_tokens("a fox"), 2);
        assert_eq!(image_tokens(1024, 1024), 1399);
        let r = Request::parse(r#"{"model":"m","messages":[{"role":"user","content":"abcd"}]}"#);
        assert_eq!((r.prompt_tokens(), r.problem), (1, None));
    }

    #[test]
    fn text_parts_are_joined_and_bad_images_refused() {
        let body = json!({"model": "m", "messages": [{"role": "user", "content": [
            {"type": "text", "text": "one"},
            {"type": "image_url", "image_url": {"url": "https://example.com/a.jpg"}},
            {"type": "text", "text": "two"},
        ]}]});
        let r = Request::parse(&body.to_string());
        assert_eq!(r.text, "one\ntwo");
        assert_eq!(r.image_urls, ["https://example.com/a.jpg"]);
        let body = json!({"model": "m", "messages": [{"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
        ]}]});
        assert!(Request::parse(&body.to_string()).problem.is_some());
    }
}
