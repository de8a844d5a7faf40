//! A fake Shopify store for tests, written from the Admin API documentation: the GraphQL
//! endpoint (`/admin/api/<version>/graphql.json`, `X-Shopify-Access-Token`), the
//! client-credentials grant (`/admin/oauth/access_token`), staged upload targets that take a
//! signed multipart POST, files processed asynchronously (UPLOADED → PROCESSING → READY |
//! FAILED, advanced each time a file is read; no URL until READY), `fileUpdate`'s rules (ready files only, same
//! type, the old version served until the new one is ready, `fileAcknowledgeUpdateFailed`),
//! cursor pages, a `filename:` search as loose as Shopify's, and the cost model with its leaky bucket and `THROTTLED` answers. A CDN route
//! serves the files. Faults come from the conformance suite's [`Fault`].

mod ops;

pub use crate::conformance::Fault;

use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct FakeStoreConfig {
    pub shop_name: String,
    /// The Admin API token it accepts.
    pub admin_token: String,
    /// The Dev Dashboard app whose client credentials it accepts.
    pub client_id: String,
    pub client_secret: String,
    /// How long a granted token lasts (Shopify: 24 hours).
    pub granted_ttl: Duration,
    pub scopes: Vec<String>,
    /// The shop's primary language, read with the `read_locales` scope.
    pub primary_locale: String,
    /// The cost bucket: points, and points restored a second (standard stores: 2,000 and 100).
    pub bucket_max: f64,
    pub restore_rate: f64,
    /// Reads a new or updated file stays UPLOADED, then PROCESSING, before it is done.
    pub processing_reads: u32,
}

impl Default for FakeStoreConfig {
    fn default() -> Self {
        FakeStoreConfig {
            shop_name: "Folio Test Prints".into(),
            admin_token: "shpat_fake_0123456789abcdef".into(),
            client_id: "fake-client-id".into(),
            client_secret: "fake-client-secret".into(),
            granted_ttl: Duration::from_secs(86_399),
            scopes: vec!["read_files".into(), "write_files".into()],
            primary_locale: "en".into(),
            bucket_max: 2000.0,
            restore_rate: 100.0,
            processing_reads: 2,
        }
    }
}

/// One version of a file's bytes.
#[derive(Debug, Clone)]
pub struct Version {
    pub bytes: Vec<u8>,
    pub mime: String,
    pub number: u64,
}

#[derive(Debug, Clone)]
pub struct FakeFile {
    pub id: u64,
    pub filename: String,
    pub alt: String,
    /// UPLOADED, PROCESSING, READY or FAILED.
    pub status: &'static str,
    /// The newest version, being processed until the file is READY.
    pub current: Version,
    /// What the CDN serves: the last version that became ready.
    pub served: Option<Version>,
    pub errors: Vec<(String, String)>,
    reads_left: u32,
    /// The bytes came from a staged upload (else the source could not be fetched).
    fetched: bool,
    /// This failure is an update's: acknowledging it brings `served` back.
    update_failed: bool,
    pub updates: u32,
}

#[derive(Debug, Clone)]
struct Staged {
    mime: String,
    signature: String,
    bytes: Option<Vec<u8>>,
}

pub struct Store {
    pub config: FakeStoreConfig,
    pub base: String,
    pub files: BTreeMap<u64, FakeFile>,
    next: u64,
    staged: HashMap<String, Staged>,
    granted: HashMap<String, Instant>,
    available: f64,
    refilled_at: Instant,
    faults: VecDeque<Fault>,
    /// Files whose processing fails, by the next ones created or updated.
    fail_processing: u32,
    /// Processing makes no progress (a busy day at Shopify): files stay UPLOADED/PROCESSING.
    stalled: bool,
    /// Operations (root fields) in the order they came.
    pub calls: Vec<String>,
    pub throttled: u64,
    /// Cost points taken from the bucket so far.
    pub spent: f64,
    pub grants: u64,
    /// Staged uploads that arrived with the store's access token (they must never).
    pub token_sent_to_storage: u64,
}

pub struct FakeShopify {
    /// What `FOLIO_SHOPIFY_ADMIN_URL` is set to.
    pub url: String,
    pub state: Arc<Mutex<Store>>,
}

type Shared = Arc<Mutex<Store>>;

impl FakeShopify {
    pub async fn start(config: FakeStoreConfig) -> FakeShopify {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(Store {
            available: config.bucket_max,
            config,
            base: url.clone(),
            files: BTreeMap::new(),
            next: 1_000,
            staged: HashMap::new(),
            granted: HashMap::new(),
            refilled_at: Instant::now(),
            faults: VecDeque::new(),
            fail_processing: 0,
            stalled: false,
            calls: Vec::new(),
            throttled: 0,
            spent: 0.0,
            grants: 0,
            token_sent_to_storage: 0,
        }));
        let app = Router::new()
            .route("/admin/api/{version}/graphql.json", post(graphql))
            .route("/admin/oauth/access_token", post(grant))
            .route("/staged-uploads", post(staged_upload))
            .route("/cdn/shop/files/{name}", get(cdn))
            .with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        FakeShopify { url, state }
    }

    /// The next `times` GraphQL requests fail with `fault` (a lost answer: the next `times`
    /// file mutations are carried out and their answers never come).
    pub fn inject(&self, fault: Fault, times: u32) {
        let mut s = self.state.lock().unwrap();
        s.faults.extend(std::iter::repeat_n(fault, times as usize));
    }

    /// The next `n` files created or updated fail Shopify's processing.
    pub fn fail_processing(&self, n: u32) {
        self.state.lock().unwrap().fail_processing = n;
    }

    /// While stalled, files being processed stay so, however often they are read.
    pub fn stall_processing(&self, stalled: bool) {
        self.state.lock().unwrap().stalled = stalled;
    }

    /// Every granted token expires now (as after 24 hours).
    pub fn expire_grants(&self) {
        self.state.lock().unwrap().granted.values_mut().for_each(|t| *t = Instant::now());
    }

    pub fn files(&self) -> Vec<FakeFile> {
        self.state.lock().unwrap().files.values().cloned().collect()
    }

    pub fn throttled(&self) -> u64 {
        self.state.lock().unwrap().throttled
    }

    pub fn calls(&self) -> Vec<String> {
        self.state.lock().unwrap().calls.clone()
    }
}

impl Store {
    fn refill(&mut self) {
        let now = Instant::now();
        let restored =
            now.duration_since(self.refilled_at).as_secs_f64() * self.config.restore_rate;
        self.available = (self.available + restored).min(self.config.bucket_max);
        self.refilled_at = now;
    }

    fn throttle_status(&self) -> serde_json::Value {
        serde_json::json!({
            "maximumAvailable": self.config.bucket_max,
            "currentlyAvailable": self.available.floor(),
            "restoreRate": self.config.restore_rate,
        })
    }

    fn token_valid(&self, token: &str) -> bool {
        token == self.config.admin_token
            || self.granted.get(token).is_some_and(|until| *until > Instant::now())
    }
}

/// Shopify's answer to a bad or missing token.
fn invalid_token() -> Response {
    let body = serde_json::json!({
        "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
    });
    (StatusCode::UNAUTHORIZED, Json(body)).into_response()
}

fn status_answer(status: u16) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = match status {
        401 => return invalid_token(),
        403 => {
            serde_json::json!({"errors": "[API] This action requires merchant approval for write_files scope."})
        }
        404 => serde_json::json!({"errors": "Not Found"}),
        _ => serde_json::json!({"errors": code.canonical_reason().unwrap_or("Error")}),
    };
    (code, Json(body)).into_response()
}

#[derive(serde::Deserialize)]
struct Request {
    query: String,
    #[serde(default)]
    variables: serde_json::Value,
}

async fn graphql(
    State(s): State<Shared>,
    Path(version): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let valid_version = version.len() == 7 && version.as_bytes()[4] == b'-';
    if !valid_version && version != "unstable" {
        return status_answer(404);
    }
    let token = headers.get("X-Shopify-Access-Token").and_then(|v| v.to_str().ok());
    let Ok(request) = serde_json::from_str::<Request>(&body) else {
        let body = serde_json::json!({"errors": [{"message": "Invalid JSON in request body"}]});
        return (StatusCode::BAD_REQUEST, Json(body)).into_response();
    };
    let roots = ops::root_fields(&request.query);
    let mutates = roots.iter().any(|r| r == "fileCreate" || r == "fileUpdate");
    let fault = {
        let mut st = s.lock().unwrap();
        if !token.is_some_and(|t| st.token_valid(t)) {
            return invalid_token();
        }
        st.calls.extend(roots.iter().cloned());
        match st.faults.front() {
            Some(Fault::LoseResponse) if !mutates => None,
            Some(_) => st.faults.pop_front(),
            None => None,
        }
    };
    match fault {
        Some(Fault::Status(code)) => return status_answer(code),
        Some(Fault::RetryAfter(secs)) => {
            let mut r = status_answer(429);
            r.headers_mut().insert("Retry-After", secs.to_string().parse().unwrap());
            return r;
        }
        Some(Fault::Hang) => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return status_answer(504);
        }
        Some(Fault::LoseResponse) | None => {}
    }
    let answer = ops::execute(&mut s.lock().unwrap(), &roots, &request.variables);
    if fault == Some(Fault::LoseResponse) {
        // Done, but the answer never arrives.
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    Json(answer).into_response()
}

/// The client-credentials grant of a Dev Dashboard app.
async fn grant(State(s): State<Shared>, body: String) -> Response {
    let form: HashMap<String, String> =
        url::form_urlencoded::parse(body.as_bytes()).into_owned().collect();
    let mut st = s.lock().unwrap();
    let field = |k: &str| form.get(k).map(String::as_str).unwrap_or_default();
    if field("grant_type") != "client_credentials" {
        let body = serde_json::json!({"error": "unsupported_grant_type"});
        return (StatusCode::BAD_REQUEST, Json(body)).into_response();
    }
    if field("client_id") != st.config.client_id
        || field("client_secret") != st.config.client_secret
    {
        let body = serde_json::json!({"error": "invalid_client", "error_description": "Client authentication failed"});
        return (StatusCode::UNAUTHORIZED, Json(body)).into_response();
    }
    st.grants += 1;
    let token = format!("shpat_granted_{}", st.grants);
    let ttl = st.config.granted_ttl;
    st.granted.insert(token.clone(), Instant::now() + ttl);
    let scope = st.config.scopes.join(",");
    Json(serde_json::json!({"access_token": token, "scope": scope, "expires_in": ttl.as_secs()}))
        .into_response()
}

/// Google Cloud Storage's answer to a bad upload, as XML.
fn storage_error(status: StatusCode, code: &str, message: &str) -> Response {
    let xml = format!(
        "<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code}</Code><Message>{message}</Message></Error>"
    );
    (status, [("Content-Type", "application/xml")], xml).into_response()
}

/// The staged target: a signed multipart form POST, the file last.
async fn staged_upload(
    State(s): State<Shared>,
    headers: HeaderMap,
    mut form: Multipart,
) -> Response {
    if headers.contains_key("X-Shopify-Access-Token") || headers.contains_key("Authorization") {
        s.lock().unwrap().token_sent_to_storage += 1;
    }
    let mut fields = HashMap::new();
    let mut file = None;
    while let Ok(Some(field)) = form.next_field().await {
        let name = field.name().unwrap_or_default().to_string();
        let Ok(data) = field.bytes().await else {
            return storage_error(StatusCode::BAD_REQUEST, "InvalidArgument", "unreadable form");
        };
        if name == "file" {
            file = Some(data.to_vec());
            // Storage ignores what follows the file.
            break;
        }
        fields.insert(name, String::from_utf8_lossy(&data).into_owned());
    }
    let mut st = s.lock().unwrap();
    let key = fields.get("key").cloned().unwrap_or_default();
    let Some(staged) = st.staged.get_mut(&key) else {
        return storage_error(StatusCode::FORBIDDEN, "AccessDenied", "Invalid key");
    };
    if fields.get("x-goog-signature") != Some(&staged.signature)
        || fields.get("Content-Type") != Some(&staged.mime)
    {
        return storage_error(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "Invalid according to Policy: Policy Condition failed",
        );
    }
    let Some(bytes) = file else {
        return storage_error(StatusCode::BAD_REQUEST, "InvalidArgument", "no file");
    };
    if bytes.len() > 20 * 1024 * 1024 {
        return storage_error(
            StatusCode::BAD_REQUEST,
            "EntityTooLarge",
            "Your proposed upload is larger than the maximum object size specified in your Policy Document.",
        );
    }
    staged.bytes = Some(bytes);
    let location = format!("{}/staged-uploads/{key}", st.base);
    let xml = format!("<?xml version='1.0' encoding='UTF-8'?><PostResponse><Location>{location}</Location><Key>{key}</Key></PostResponse>");
    (StatusCode::CREATED, [("Content-Type", "application/xml")], xml).into_response()
}

async fn cdn(State(s): State<Shared>, Path(name): Path<String>) -> Response {
    let st = s.lock().unwrap();
    let served = st.files.values().find(|f| f.filename == name).and_then(|f| f.served.clone());
    match served {
        Some(v) => ([("Content-Type", v.mime)], v.bytes).into_response(),
        None => (StatusCode::NOT_FOUND, "Not Found").into_response(),
    }
}
