//! A fake OpenRouter API for tests, written from the facts collected in
//! `shared/services/openrouter.md`: the PKCE sign-in (the `/auth` page playing the user who
//! presses Allow, and `POST /api/v1/auth/keys` trading the code for a permanent key), the key's
//! own usage (`/key`), the model catalogue (`/models`, text models unless image output is asked
//! for), and `POST /chat/completions` answering image generations with real PNG pixels of the
//! asked aspect ratio and vision requests with a text a test sets, each with a `usage.cost`.
//! Tests queue the failures the doc lists (402, 403 moderation, an image-less 200 that is still
//! billed, 429 and 503 with `Retry-After`, an error inside a 200) and read back every request.

mod auth;
mod chat;
mod models;
mod picture;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

/// The one account behind every key the fake issues (a Clerk-style id, as OpenRouter's are).
const USER_ID: &str = "user_2fakeOpenRouterFolioTest";

/// Vision requests carry whole photos as base64; axum's 2 MB default would refuse a real one
/// long before OpenRouter does.
const BODY_LIMIT: usize = 64 << 20;

/// A failure a test queues with [`FakeOpenRouter::fail_next`]; each `chat/completions` call
/// that gets past the key and model checks takes the next one instead of its normal answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// 402: the account's credits are spent.
    NoCredits,
    /// 403: the provider's moderation flagged the input; `flagged` is cut to 100 characters
    /// as OpenRouter's `flagged_input` is.
    Moderation { reasons: Vec<String>, flagged: String },
    /// 200 with text only, no image (`native_finish_reason` `NO_IMAGE`), still billed `cost`.
    NoImage { cost: f64 },
    /// 429 with `Retry-After: retry_after`.
    RateLimited { retry_after: u64 },
    /// 503 (no provider meets the routing) with `Retry-After: retry_after`.
    Unavailable { retry_after: u64 },
    /// HTTP 200 whose body is a provider error (code 502) and no choices: the failure came
    /// after generation had started.
    ErrorIn200 { message: String },
}

/// One request as the fake saw it, for tests to check what Folio sent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Recorded {
    /// "chat/completions", "models", "key", "auth/keys" or "auth".
    pub route: String,
    pub model: Option<String>,
    /// Every text part of every message, joined by newlines.
    pub text: String,
    /// `image_config.aspect_ratio`.
    pub aspect_ratio: Option<String>,
    /// `image_config.image_size`.
    pub image_size: Option<String>,
    /// `modalities` as sent (empty when absent).
    pub modalities: Vec<String>,
    /// (width, height, media type as declared in the data URL) of each `data:` image part.
    pub images: Vec<(u32, u32, String)>,
    /// Image parts given by address (`https://…`), which the fake does not download.
    pub image_urls: Vec<String>,
    pub temperature: Option<f64>,
    pub max_tokens: Option<u64>,
    /// The `Authorization` header, whole.
    pub authorization: Option<String>,
}

struct OpenRouter {
    /// Keys that work now, with their labels.
    keys: HashMap<String, String>,
    /// Every key issued by the PKCE exchange, in order (revoked ones too).
    issued: Vec<String>,
    /// Sign-in codes not yet traded for a key.
    codes: HashMap<String, auth::Pending>,
    models: Vec<models::Model>,
    failures: VecDeque<Failure>,
    /// What text-output models answer.
    answer: String,
    recorded: Vec<Recorded>,
    /// USD charged so far, all keys together.
    total_cost: f64,
    /// Images delivered by generations.
    images_generated: usize,
    /// Numbers codes, keys, generation ids and pictures, so each differs from the last.
    counter: u64,
}

impl OpenRouter {
    fn next(&mut self) -> u64 {
        self.counter += 1;
        self.counter
    }

    /// The caller's key if it works; otherwise the message of OpenRouter's 401, which tells a
    /// missing header from a key it does not know (see [`unauthorized`]).
    fn check_key(&self, headers: &HeaderMap) -> Result<String, &'static str> {
        let Some(value) = headers.get("Authorization").and_then(|v| v.to_str().ok()) else {
            return Err("No cookie auth credentials found");
        };
        let key = value.strip_prefix("Bearer ").unwrap_or("").trim();
        if self.keys.contains_key(key) {
            Ok(key.to_string())
        } else {
            Err("User not found.")
        }
    }

    fn record(&mut self, route: &str, headers: &HeaderMap) {
        self.recorded.push(Recorded {
            route: route.into(),
            authorization: authorization(headers),
            ..Recorded::default()
        });
    }
}

type Shared = Arc<Mutex<OpenRouter>>;

pub struct FakeOpenRouter {
    /// `http://127.0.0.1:PORT/api/v1`, standing for `https://openrouter.ai/api/v1`.
    pub url: String,
    /// `http://127.0.0.1:PORT/auth`, the browser sign-in page.
    pub auth_url: String,
    state: Shared,
}

impl FakeOpenRouter {
    /// Starts the fake on 127.0.0.1 with `key` working from the start and the seeded model
    /// catalogue.
    pub async fn start(key: &str) -> FakeOpenRouter {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(OpenRouter {
            keys: HashMap::from([(key.to_string(), masked(key))]),
            issued: Vec::new(),
            codes: HashMap::new(),
            models: models::catalogue(),
            failures: VecDeque::new(),
            answer: "A red fox standing in fresh snow at dawn".into(),
            recorded: Vec::new(),
            total_cost: 0.0,
            images_generated: 0,
            counter: 0,
        }));
        let app = Router::new()
            .route("/auth", get(auth::authorize))
            .route("/api/v1/auth/keys", post(auth::keys))
            .route("/api/v1/key", get(key_info))
            .route("/api/v1/models", get(models::list))
            .route("/api/v1/chat/completions", post(chat::completions))
            .layer(DefaultBodyLimit::max(BODY_LIMIT))
            .with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        FakeOpenRouter { url: format!("{base}/api/v1"), auth_url: format!("{base}/auth"), state }
    }

    /// Adds a model to the catalogue (or replaces the one with this id). `pricing` is
    /// OpenRouter's object of USD decimal strings (`prompt`, `completion`, `image_output`, …).
    pub fn add_model(
        &self,
        id: &str,
        name: &str,
        input: &[&str],
        output: &[&str],
        pricing: serde_json::Value,
    ) {
        let model = models::Model::new(id, name, input, output, pricing);
        let mut c = self.state.lock().unwrap();
        c.models.retain(|m| m.id != id);
        c.models.push(model);
    }

    /// What text-output models answer from now on (the alt text of a vision request).
    pub fn set_answer(&self, text: &str) {
        self.state.lock().unwrap().answer = text.into();
    }

    /// Queues a failure: the next `chat/completions` call past the key and model checks
    /// answers it instead (several queued are taken in order).
    pub fn fail_next(&self, f: Failure) {
        self.state.lock().unwrap().failures.push_back(f);
    }

    /// The user deletes every key: each one issued so far is refused ("User not found.").
    /// A new sign-in afterwards issues a key that works.
    pub fn revoke(&self) {
        self.state.lock().unwrap().keys.clear();
    }

    /// Every request in order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.state.lock().unwrap().recorded.clone()
    }

    /// Requests made to `route` ("chat/completions", "models", "key", "auth/keys", "auth").
    pub fn count(&self, route: &str) -> usize {
        self.state.lock().unwrap().recorded.iter().filter(|r| r.route == route).count()
    }

    /// USD charged so far (every `usage.cost` answered), which `/key` reports as `usage`.
    pub fn total_cost(&self) -> f64 {
        self.state.lock().unwrap().total_cost
    }

    /// Keys issued by the PKCE exchange, in order (not the one given to [`Self::start`]).
    pub fn issued_keys(&self) -> Vec<String> {
        self.state.lock().unwrap().issued.clone()
    }

    /// Images delivered by generations so far.
    pub fn images_generated(&self) -> usize {
        self.state.lock().unwrap().images_generated
    }
}

/// `GET /api/v1/key`: the calling key's label and the account's spend; no limit is set.
async fn key_info(State(s): State<Shared>, headers: HeaderMap) -> Response {
    let mut c = s.lock().unwrap();
    c.record("key", &headers);
    let key = match c.check_key(&headers) {
        Ok(key) => key,
        Err(message) => return unauthorized(message),
    };
    Json(json!({"data": {
        "label": c.keys[&key],
        "limit": null,
        "limit_remaining": null,
        "limit_reset": null,
        "usage": c.total_cost,
        "is_free_tier": false,
        "is_provisioning_key": false,
    }}))
    .into_response()
}

/// OpenRouter's error body, `{"error":{"code","message","metadata"?}}`, with `status` both
/// as the HTTP status and the code.
fn error(status: u16, message: &str, metadata: Option<Value>) -> Response {
    (StatusCode::from_u16(status).unwrap(), Json(error_body(status, message, metadata)))
        .into_response()
}

fn unauthorized(message: &str) -> Response {
    error(401, message, None)
}

fn error_body(code: u16, message: &str, metadata: Option<Value>) -> Value {
    let mut e = json!({"code": code, "message": message});
    if let Some(m) = metadata {
        e["metadata"] = m;
    }
    json!({ "error": e })
}

fn authorization(headers: &HeaderMap) -> Option<String> {
    headers.get("Authorization").and_then(|v| v.to_str().ok()).map(str::to_string)
}

/// The label OpenRouter gives a key nobody named: its start and end around an ellipsis.
fn masked(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    if chars.len() <= 16 {
        return key.into();
    }
    let head: String = chars[..12].iter().collect();
    let tail: String = chars[chars.len() - 3..].iter().collect();
    format!("{head}...{tail}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn unnamed_keys_are_labelled_by_their_ends() {
        assert_eq!(super::masked("sk-or-v1-0123456789abcdef"), "sk-or-v1-012...def");
        assert_eq!(super::masked("short"), "short");
    }
}
