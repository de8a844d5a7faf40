//! The sign-in relay: for services whose OAuth needs a client secret at the token exchange
//! (Canva, Adobe IMS, WordPress.com, Figma, HubSpot) or an HTTPS redirect (Canva, Adobe), a
//! small server that holds the app's secret, adds it to the token requests the desktop app
//! makes, and sends the browser's redirect on to the app's listener on the user's own computer.
//!
//! It stores nothing: no code, token or verifier is written anywhere or kept in memory beyond
//! the request that carries it, and the log has a request's method, path, status and duration
//! only (never its query or body). It calls no URL but the ones in its configuration.

pub mod config;
mod forward;
mod limit;
mod tls;

pub use config::{Config, ConfigError, Limits, SecretIn, Service};

use axum::extract::connect_info::{ConnectInfo, Connected};
use axum::extract::{DefaultBodyLimit, Path, RawQuery, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::serve::IncomingStream;
use axum::{Json, Router};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Instant, SystemTime};
use tokio::net::TcpListener;

/// Where the relay's log lines go (stderr, hence the journal, in the binary).
pub type Log = Arc<dyn Fn(&str) + Send + Sync>;

/// Log lines on stderr.
pub fn stderr_log() -> Log {
    Arc::new(|line| eprintln!("{line}"))
}

#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("the relay could not listen on {0}: {1}")]
    Listen(SocketAddr, std::io::Error),
    #[error("TLS could not be set up: {0}")]
    Tls(String),
    #[error("the relay stopped: {0}")]
    Stopped(std::io::Error),
}

/// The address a connection came from, for the per-address limit.
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub SocketAddr);

impl Connected<IncomingStream<'_, TcpListener>> for Peer {
    fn connect_info(stream: IncomingStream<'_, TcpListener>) -> Peer {
        Peer(*stream.remote_addr())
    }
}

pub(crate) struct Relay {
    pub(crate) config: Config,
    pub(crate) http: reqwest::Client,
    limit: limit::RateLimit,
    log: Log,
}

/// Reads the configuration file and serves as it says (the binary and `folio relay serve`).
pub async fn serve_file(
    path: &std::path::Path,
    listen: Option<SocketAddr>,
    log: Log,
) -> Result<(), RelayError> {
    let mut config = Config::load(path)?;
    if let Some(listen) = listen {
        config = config.listen_on(listen)?;
    }
    serve(config, log).await
}

/// Listens where the configuration says and serves until the process ends.
pub async fn serve(config: Config, log: Log) -> Result<(), RelayError> {
    let listener =
        TcpListener::bind(config.listen).await.map_err(|e| RelayError::Listen(config.listen, e))?;
    run(config, listener, log).await
}

/// Serves on a listener already bound (tests bind port 0 and learn the address first).
pub async fn run(config: Config, listener: TcpListener, log: Log) -> Result<(), RelayError> {
    let tls = match &config.tls {
        Some(files) => Some(tls::acceptor(&files.cert, &files.key).map_err(RelayError::Tls)?),
        None => None,
    };
    let local = listener.local_addr().map_err(RelayError::Stopped)?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    log(&format!(
        "folio-relay listening on {scheme}://{local}, public address {}, services: {}",
        config.public_url,
        config.services.keys().cloned().collect::<Vec<_>>().join(", ")
    ));
    let app = router(config, log).map_err(RelayError::Tls)?;
    let app = app.into_make_service_with_connect_info::<Peer>();
    match tls {
        Some(acceptor) => {
            let listener =
                tls::TlsListener::new(listener, acceptor).map_err(RelayError::Stopped)?;
            axum::serve(listener, app).await.map_err(RelayError::Stopped)
        }
        None => axum::serve(listener, app).await.map_err(RelayError::Stopped),
    }
}

fn router(config: Config, log: Log) -> Result<Router, String> {
    let http = reqwest::Client::builder()
        // A redirect from a token endpoint would make the relay call a URL nobody configured.
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(config.limits.upstream_timeout_secs))
        .user_agent(concat!("folio-relay/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("the HTTP client could not be built: {e}"))?;
    let limits = config.limits.clone();
    let relay = Arc::new(Relay {
        limit: limit::RateLimit::new(limits.requests_per_minute, limits.burst),
        config,
        http,
        log,
    });
    Ok(Router::new()
        .route("/services", get(services))
        .route("/callback/{service}", get(callback))
        .route("/token/{service}", post(forward::token))
        .route("/refresh/{service}", post(forward::refresh))
        .route("/revoke/{service}", post(forward::revoke))
        .layer(middleware::from_fn_with_state(relay.clone(), per_address))
        // Added after the limit, so a load balancer's health checks are never refused.
        .route("/health", get(health))
        .layer(DefaultBodyLimit::max(limits.max_body_bytes))
        .layer(middleware::from_fn_with_state(relay.clone(), access_log))
        .with_state(relay))
}

/// One line per request: time, method, path, status, duration. Never the query (it holds the
/// code and state) nor a body.
async fn access_log(State(relay): State<Arc<Relay>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path: String = request.uri().path().chars().take(100).filter(|c| !c.is_control()).collect();
    let response = next.run(request).await;
    (relay.log)(&format!(
        "{} {method} {path} {} {}ms",
        httpdate::fmt_http_date(SystemTime::now()),
        response.status().as_u16(),
        started.elapsed().as_millis()
    ));
    response
}

async fn per_address(
    State(relay): State<Arc<Relay>>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    request: Request,
    next: Next,
) -> Response {
    let client = client_address(peer.0.ip(), request.headers(), relay.config.behind_proxy);
    match relay.limit.take(client, Instant::now()) {
        Ok(()) => next.run(request).await,
        Err(wait) => {
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            let mut response = (
                StatusCode::TOO_MANY_REQUESTS,
                "Too many requests from this address; wait and try again.\n",
            )
                .into_response();
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
            response
        }
    }
}

/// The client: the connection's address, or behind a reverse proxy the last address in
/// `X-Forwarded-For` (the one the proxy itself appended; earlier ones are the client's to
/// invent).
fn client_address(peer: IpAddr, headers: &HeaderMap, behind_proxy: bool) -> IpAddr {
    if !behind_proxy {
        return peer;
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .next_back()
        .and_then(|last| last.trim().parse().ok())
        .unwrap_or(peer)
}

async fn health() -> &'static str {
    "ok\n"
}

/// What an app needs to build the sign-in URL itself; never a secret.
async fn services(State(relay): State<Arc<Relay>>) -> Response {
    let services: serde_json::Map<String, serde_json::Value> = relay
        .config
        .services
        .iter()
        .map(|(name, s)| {
            let meta = serde_json::json!({
                "client_id": s.client_id,
                "authorize_url": s.authorize_url,
                "scopes": s.scopes,
                "redirect_uri": s.redirect_uri,
                "revocable": s.revoke_url.is_some(),
            });
            (name.clone(), meta)
        })
        .collect();
    Json(serde_json::json!({ "services": services })).into_response()
}

/// Loopback ports an app may listen on: unprivileged ones.
const PORTS: std::ops::RangeInclusive<u16> = 1024..=65535;

/// The registered HTTPS redirect. The browser goes on to the app's listener on this computer,
/// `http://127.0.0.1:<port>/<service>`, with the answer's parameters as they came; the port is
/// the part of the state before the first dot. Nothing else is ever a redirect target.
async fn callback(
    State(relay): State<Arc<Relay>>,
    Path(service): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    if !relay.config.services.contains_key(&service) {
        return page(StatusCode::NOT_FOUND, "This relay signs in to no such service.");
    }
    let params: Vec<(String, String)> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()).into_owned().collect();
    let state = params.iter().find(|(k, _)| k == "state").map(|(_, v)| v.as_str());
    let Some(port) = state.and_then(port_in_state) else {
        return page(
            StatusCode::BAD_REQUEST,
            "This sign-in answer cannot be passed on: its state does not name a port for Folio \
             on this computer. Start the sign-in again from Folio.",
        );
    };
    let mut target = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in &params {
        if matches!(key.as_str(), "code" | "state" | "error" | "error_description") {
            target.append_pair(key, value);
        }
    }
    let location = format!("http://127.0.0.1:{port}/{service}?{}", target.finish());
    let mut response = StatusCode::FOUND.into_response();
    let headers = response.headers_mut();
    match HeaderValue::from_str(&location) {
        Ok(location) => headers.insert(header::LOCATION, location),
        Err(_) => return page(StatusCode::BAD_REQUEST, "This sign-in answer cannot be passed on."),
    };
    no_store(headers);
    response
}

/// `<port>.<random>`: the port as plain decimal digits, in [`PORTS`], and something after it.
fn port_in_state(state: &str) -> Option<u16> {
    let (port, random) = state.split_once('.')?;
    if random.is_empty()
        || port.is_empty()
        || port.len() > 5
        || !port.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    port.parse().ok().filter(|p| PORTS.contains(p))
}

/// The answers carry codes and tokens: no cache keeps them, and the pages the browser leaves
/// tell nobody where it came from.
pub(crate) fn no_store(headers: &mut HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
}

fn page(status: StatusCode, message: &str) -> Response {
    let body = format!("<!doctype html><title>Folio sign-in relay</title><p>{message}\n");
    let mut response =
        (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response();
    no_store(response.headers_mut());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_decimal_unprivileged_port_is_read_from_the_state() {
        assert_eq!(port_in_state("53682.abc"), Some(53682));
        assert_eq!(port_in_state("1024.a.b"), Some(1024));
        for bad in [
            "1023.x",
            "0.x",
            "65536.x",
            "+5000.x",
            "5000",
            "5000.",
            ".x",
            "abc.x",
            "5000@evil.x",
            "0x50.x",
            "005000.x",
        ] {
            assert_eq!(port_in_state(bad), None, "{bad}");
        }
    }

    #[test]
    fn forwarded_for_counts_only_behind_a_proxy_and_only_its_last_entry() {
        let peer: IpAddr = "10.0.0.1".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", HeaderValue::from_static("203.0.113.9, 198.51.100.7"));
        assert_eq!(client_address(peer, &headers, false), peer);
        assert_eq!(client_address(peer, &headers, true), "198.51.100.7".parse::<IpAddr>().unwrap());
        assert_eq!(client_address(peer, &HeaderMap::new(), true), peer);
    }
}
