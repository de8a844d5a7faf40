//! A fault-injecting HTTP proxy for tests: it forwards every request to a real server (the
//! WordPress of the test harness) and, for requests that match, answers with a fault instead:
//! a status with the service's own error body, a hang, or the real answer thrown away after
//! the server did the work. It can also delay every request (a slow site).

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone)]
pub enum ProxyFault {
    /// Answer `status` with `body` (JSON), and `Retry-After` when given.
    Status { status: u16, body: String, retry_after: Option<u64> },
    /// Hold the request this long, then answer 504.
    Hang(Duration),
    /// Forward it, then answer 502 instead of the server's answer.
    LoseResponse,
}

struct Rule {
    /// Matched against "METHOD path?query".
    matching: String,
    fault: ProxyFault,
}

#[derive(Default)]
struct Shared {
    rules: Mutex<VecDeque<Rule>>,
    delay: Mutex<Duration>,
    forwarded: Mutex<u64>,
}

pub struct FaultProxy {
    url: String,
    shared: Arc<Shared>,
}

struct Ctx {
    upstream: String,
    http: reqwest::Client,
    shared: Arc<Shared>,
}

impl FaultProxy {
    /// Starts a proxy to `upstream` (e.g. `http://127.0.0.1:8941/`) on a free loopback port.
    pub async fn start(upstream: &str) -> FaultProxy {
        let shared = Arc::new(Shared::default());
        let ctx = Arc::new(Ctx {
            upstream: upstream.trim_end_matches('/').to_string(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("HTTP client"),
            shared: shared.clone(),
        });
        let app = axum::Router::new().fallback(forward).with_state(ctx);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/", listener.local_addr().expect("address"));
        tokio::spawn(async move { axum::serve(listener, app).await.expect("proxy") });
        FaultProxy { url, shared }
    }

    /// The proxy's address, to use in place of the upstream's.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The next `times` requests whose "METHOD path?query" contains `matching` get `fault`.
    pub fn inject(&self, matching: &str, fault: ProxyFault, times: u32) {
        let mut rules = self.shared.rules.lock().unwrap();
        for _ in 0..times {
            rules.push_back(Rule { matching: matching.to_string(), fault: fault.clone() });
        }
    }

    /// Drops faults not used yet.
    pub fn clear(&self) {
        self.shared.rules.lock().unwrap().clear();
    }

    /// Every request waits this long before it is forwarded.
    pub fn set_delay(&self, delay: Duration) {
        *self.shared.delay.lock().unwrap() = delay;
    }

    /// Requests forwarded to the upstream so far.
    pub fn forwarded(&self) -> u64 {
        *self.shared.forwarded.lock().unwrap()
    }
}

fn take_fault(shared: &Shared, what: &str) -> Option<ProxyFault> {
    let mut rules = shared.rules.lock().unwrap();
    let i = rules.iter().position(|r| what.contains(&r.matching))?;
    rules.remove(i).map(|r| r.fault)
}

async fn forward(State(ctx): State<Arc<Ctx>>, request: Request) -> Response {
    let delay = *ctx.shared.delay.lock().unwrap();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let (parts, body) = request.into_parts();
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str()).to_string();
    // Matched decoded, so `?rest_route=%2Fwp%2Fv2%2Fmedia` matches "wp/v2/media" too.
    let what = format!("{} {}", parts.method, percent_decoded(&path));
    let fault = take_fault(&ctx.shared, &what);
    match &fault {
        Some(ProxyFault::Status { status, body, retry_after }) => {
            let mut r = Response::builder()
                .status(*status)
                .header("Content-Type", "application/json; charset=UTF-8");
            if let Some(secs) = retry_after {
                r = r.header("Retry-After", secs.to_string());
            }
            return r.body(Body::from(body.clone())).expect("response");
        }
        Some(ProxyFault::Hang(d)) => {
            tokio::time::sleep(*d).await;
            return plain(StatusCode::GATEWAY_TIMEOUT, "<html>Gateway Timeout</html>");
        }
        _ => {}
    }
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return plain(StatusCode::BAD_REQUEST, "unreadable request body");
    };
    let mut headers = HeaderMap::new();
    for (name, value) in &parts.headers {
        if !matches!(name.as_str(), "host" | "content-length" | "connection") {
            headers.append(name.clone(), value.clone());
        }
    }
    let answer = ctx
        .http
        .request(parts.method.clone(), format!("{}{path}", ctx.upstream))
        .headers(headers)
        .body(bytes)
        .send()
        .await;
    *ctx.shared.forwarded.lock().unwrap() += 1;
    let Ok(answer) = answer else {
        return plain(StatusCode::BAD_GATEWAY, "<html>upstream unreachable</html>");
    };
    if matches!(fault, Some(ProxyFault::LoseResponse)) {
        // The server did the work; the client never hears of it.
        let _ = answer.bytes().await;
        return plain(StatusCode::BAD_GATEWAY, "<html>Bad Gateway</html>");
    }
    let status = answer.status();
    let mut r = Response::builder().status(status.as_u16());
    for (name, value) in answer.headers() {
        if !matches!(name.as_str(), "transfer-encoding" | "content-length" | "connection") {
            r = r.header(name.clone(), value.clone());
        }
    }
    let body = answer.bytes().await.unwrap_or_default();
    r.body(Body::from(body)).expect("response")
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    let mut r = Response::new(Body::from(text));
    *r.status_mut() = status;
    r.headers_mut().insert("Content-Type", HeaderValue::from_static("text/html"));
    r
}

fn percent_decoded(s: &str) -> String {
    percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned()
}
