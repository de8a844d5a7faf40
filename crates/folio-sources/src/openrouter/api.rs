//! A small client for the OpenRouter calls Folio makes: who the key belongs to (`/key`), the
//! models and their prices (`/models`), a chat completion that makes an image or describes one
//! (`/chat/completions`), and trading a sign-in code for a key (`/auth/keys`).
//!
//! Nothing is retried here: a generation is paid for, and the person asked for exactly one.
//! Errors come as `{"error":{"code","message","metadata"}}`, with the HTTP status, or inside an
//! HTTP 200 when the failure came after the model started; both become an [`AiError`] in the
//! person's words, with the cost when one was charged.

use super::wire::{self, Model};
use crate::account::AccessToken;
use crate::SourceError;
use base64::Engine as _;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// A generated image larger than this is refused (a 4K PNG is far smaller).
pub const MAX_IMAGE_BYTES: usize = 64 << 20;

/// Generations take a while (tens of seconds for some models); a stuck call is given up.
const CALL_TIMEOUT: Duration = Duration::from_secs(300);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AiErrorKind {
    /// The key was refused: reconnect the account.
    SignIn,
    /// No credits left, or the key's spending limit reached (402).
    NoCredits,
    /// Moderation or a guardrail refused the prompt or the image (403).
    Refused,
    /// The model answered without an image (still charged, sometimes).
    NoImage,
    /// Rate limited or no provider free now (429, 503): try again after `retry_after`.
    Busy,
    /// The request was refused as asked (a bad parameter, an unknown model).
    BadRequest,
    /// OpenRouter or the provider failed, or could not be reached.
    Unavailable,
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct AiError {
    pub kind: AiErrorKind,
    pub message: String,
    /// What OpenRouter charged for the failed call, when it says.
    pub cost: Option<f64>,
    pub retry_after: Option<Duration>,
}

impl AiError {
    pub fn new(kind: AiErrorKind, message: impl Into<String>) -> AiError {
        AiError { kind, message: message.into(), cost: None, retry_after: None }
    }
}

impl From<SourceError> for AiError {
    fn from(e: SourceError) -> AiError {
        AiError::new(AiErrorKind::SignIn, e.message)
    }
}

/// What `/key` says of the key.
#[derive(Debug, Clone, Default)]
pub struct KeyInfo {
    pub label: String,
    /// USD spent with it so far.
    pub usage: f64,
    pub limit_remaining: Option<f64>,
}

/// A finished chat completion.
#[derive(Debug, Clone, Default)]
pub struct Answer {
    /// Images it made, as bytes (PNG mostly).
    pub images: Vec<Vec<u8>>,
    /// Its text, if any.
    pub text: String,
    /// USD, as `usage.cost` says.
    pub cost: Option<f64>,
}

#[derive(Clone)]
pub struct OpenRouterApi {
    http: reqwest::Client,
    base: String,
    key: Arc<dyn AccessToken>,
}

pub(super) fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(CALL_TIMEOUT)
        .build()
        .expect("a TLS backend is compiled in")
}

impl OpenRouterApi {
    pub fn new(base: &str, key: Arc<dyn AccessToken>) -> OpenRouterApi {
        OpenRouterApi { http: http(), base: base.trim_end_matches('/').to_string(), key }
    }

    async fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<Value, AiError> {
        let key = self.key.current().await?;
        let mut url = url::Url::parse(&format!("{}{path}", self.base)).map_err(|e| {
            AiError::new(AiErrorKind::BadRequest, format!("not an API address: {e}"))
        })?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query.iter().copied());
        }
        let sent = self.http.get(url).bearer_auth(key).header("X-Title", "Folio").send().await;
        read(sent).await
    }

    /// Who the key is (its label) and what it has spent.
    pub async fn key_info(&self) -> Result<KeyInfo, AiError> {
        let v = self.get("/key", &[]).await?;
        let d = &v["data"];
        Ok(KeyInfo {
            label: d["label"].as_str().unwrap_or_default().to_string(),
            usage: d["usage"].as_f64().unwrap_or(0.0),
            limit_remaining: d["limit_remaining"].as_f64(),
        })
    }

    /// Models that make images (`output = "image"`) or read them (`input = "image"`).
    pub async fn models(&self, output: &str, input: &str) -> Result<Vec<Model>, AiError> {
        let mut query = Vec::new();
        if !output.is_empty() {
            query.push(("output_modalities", output));
        }
        if !input.is_empty() {
            query.push(("input_modalities", input));
        }
        let v = self.get("/models", &query).await?;
        let list = v["data"].as_array().cloned().unwrap_or_default();
        Ok(list.iter().filter_map(wire::model).collect())
    }

    /// One chat completion, as `body` asks; an error in the answer's body is an error too.
    pub async fn chat(&self, body: &Value) -> Result<Answer, AiError> {
        let key = self.key.current().await?;
        let sent = self
            .http
            .post(format!("{}/chat/completions", self.base))
            .bearer_auth(key)
            .header("X-Title", "Folio")
            .json(body)
            .send()
            .await;
        let v = read(sent).await?;
        let mut answer = wire::answer(&v).map_err(|e| refusal(200, &v, e))?;
        for url in wire::image_urls(&v) {
            answer.images.push(self.image(&url).await?);
        }
        Ok(answer)
    }

    /// An image the answer gave: a `data:` address, or a link to download (no key sent).
    async fn image(&self, url: &str) -> Result<Vec<u8>, AiError> {
        if let Some(data) = url.strip_prefix("data:") {
            let b64 = data.split_once(',').map_or("", |(_, b)| b);
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .map_err(|_| AiError::new(AiErrorKind::Unavailable, "the image came garbled"))?;
            return Ok(bytes);
        }
        let unreachable = |e: reqwest::Error| {
            AiError::new(
                AiErrorKind::Unavailable,
                format!("the image could not be downloaded: {e}"),
            )
        };
        let r = self.http.get(url).send().await.map_err(unreachable)?;
        if !r.status().is_success() {
            let message = format!("the image could not be downloaded (HTTP {})", r.status());
            return Err(AiError::new(AiErrorKind::Unavailable, message));
        }
        let bytes = r.bytes().await.map_err(unreachable)?;
        if bytes.len() > MAX_IMAGE_BYTES {
            return Err(AiError::new(AiErrorKind::Unavailable, "the image is too large"));
        }
        Ok(bytes.to_vec())
    }
}

/// Trades the code from the sign-in page for a key (`POST /auth/keys`; no key needed).
pub async fn exchange_key(base: &str, code: &str, verifier: &str) -> Result<String, AiError> {
    let body = serde_json::json!({
        "code": code, "code_verifier": verifier, "code_challenge_method": "S256",
    });
    let sent =
        http().post(format!("{}/auth/keys", base.trim_end_matches('/'))).json(&body).send().await;
    let v = read(sent).await?;
    v["key"].as_str().filter(|k| !k.is_empty()).map(str::to_string).ok_or_else(|| {
        AiError::new(AiErrorKind::Unavailable, "OpenRouter's answer to the sign-in held no key")
    })
}

/// The answer's JSON, or its error in words.
async fn read(sent: reqwest::Result<reqwest::Response>) -> Result<Value, AiError> {
    let r = sent.map_err(|e| {
        let why = if e.is_timeout() { "did not answer in time".to_string() } else { e.to_string() };
        AiError::new(AiErrorKind::Unavailable, format!("OpenRouter could not be reached: {why}"))
    })?;
    let status = r.status().as_u16();
    let retry_after = r
        .headers()
        .get("Retry-After")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let text = r.text().await.unwrap_or_default();
    let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    if (200..300).contains(&status) && v.is_object() && v.get("error").is_none() {
        return Ok(v);
    }
    let mut e = refusal(status, &v, None);
    e.retry_after = e.retry_after.or(retry_after);
    if e.kind == AiErrorKind::Busy {
        if let Some(wait) = e.retry_after {
            e.message = format!("{}; try again in {} s", e.message, wait.as_secs().max(1));
        }
    }
    Err(e)
}

/// An error body (`{"error":{…}}`) or a broken answer, in words. `broken` says what was wrong
/// with an answer that carried no error.
fn refusal(status: u16, v: &Value, broken: Option<AiError>) -> AiError {
    let error = &v["error"];
    if error.is_null() {
        return broken.unwrap_or_else(|| {
            AiError::new(AiErrorKind::Unavailable, format!("OpenRouter answered HTTP {status}"))
        });
    }
    // An error inside an HTTP 200 carries its own code.
    let code = error["code"].as_u64().map_or(status, |c| c as u16);
    let said = error["message"].as_str().unwrap_or("no reason given").trim().to_string();
    let meta = &error["metadata"];
    let (kind, message) = match code {
        401 => (AiErrorKind::SignIn, format!("OpenRouter refused the key ({said}); reconnect the account")),
        402 if meta["limit_source"] == "openrouter_key_limit" => (
            AiErrorKind::NoCredits,
            "this OpenRouter key's spending limit is reached; raise it at openrouter.ai under Settings → Keys".into(),
        ),
        402 => (
            AiErrorKind::NoCredits,
            "no OpenRouter credits left; add credits at openrouter.ai under Settings → Credits".into(),
        ),
        403 => (AiErrorKind::Refused, wire::moderation(meta, &said)),
        429 => (AiErrorKind::Busy, "OpenRouter is limiting requests".into()),
        503 | 529 => (AiErrorKind::Busy, format!("no model provider is free now ({said})")),
        400 | 404 | 413 | 422 => (AiErrorKind::BadRequest, format!("OpenRouter refused the request: {said}")),
        _ => (AiErrorKind::Unavailable, format!("OpenRouter failed (HTTP {code}): {said}")),
    };
    let mut e = AiError::new(kind, message);
    e.cost = v["usage"]["cost"].as_f64();
    e
}
