//! A one-shot HTTP listener on 127.0.0.1 that receives the browser's redirect at the end of a
//! sign-in (OAuth's `redirect_uri`, WordPress's `success_url`).
//!
//! Only the loopback address is bound, never `0.0.0.0`, so nothing on the network can answer in
//! the user's place. Providers match redirect URIs exactly, so the port comes from a short list
//! registered with them: the first free one is used. The wait ends at the first request that
//! carries the `state` Folio put in the sign-in URL, or at the timeout; anything else (a stale tab,
//! a port scanner, a page guessing the port) gets 400 and the wait goes on. Once it ends the
//! listener is closed, so a code can be delivered only once.

use crate::AuthError;
use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

/// A browser sends its request at once; a connection that has not within this time is dropped.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// Request heads longer than this are not a redirect.
const MAX_HEAD: usize = 16 * 1024;

pub struct Loopback {
    listener: TcpListener,
    path: String,
}

/// The query parameters of the redirect that carried the right state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    pub params: BTreeMap<String, String>,
}

impl Redirect {
    /// The user said no: OAuth's `error`, or WordPress's `success=false` (its reject URL).
    pub fn refused(&self) -> bool {
        self.params.contains_key("error")
            || self.params.get("success").is_some_and(|s| s == "false")
    }

    /// The authorization code, or why there is none (the user pressed Cancel or Reject).
    pub fn code(&self) -> Result<&str, AuthError> {
        if let Some(error) = self.params.get("error") {
            let why = self.params.get("error_description").unwrap_or(error);
            return Err(AuthError::Denied(why.clone()));
        }
        self.params
            .get("code")
            .map(String::as_str)
            .ok_or_else(|| AuthError::Protocol("the redirect carried no code".into()))
    }
}

impl Loopback {
    /// Listens on 127.0.0.1 at the first of `ports` that is free; `path` is the redirect's path
    /// (`/` or `/callback`, as registered).
    pub async fn bind(ports: &[u16], path: &str) -> Result<Self, AuthError> {
        for &port in ports {
            if let Ok(listener) =
                TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await
            {
                return Ok(Loopback { listener, path: path.to_string() });
            }
        }
        Err(AuthError::NoFreePort(ports.to_vec()))
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// `http://127.0.0.1:<port><path>`, to put in the sign-in URL.
    pub fn redirect_uri(&self) -> String {
        format!("http://127.0.0.1:{}{}", self.port(), self.path)
    }

    /// Waits for the redirect that carries `state`, tells the browser it may close the tab, and
    /// closes the listener.
    pub async fn wait(self, state: &str, timeout: Duration) -> Result<Redirect, AuthError> {
        let deadline = Instant::now() + timeout;
        loop {
            let accepted = tokio::time::timeout_at(deadline, self.listener.accept()).await;
            let Ok(accepted) = accepted else { return Err(AuthError::TimedOut(timeout)) };
            let Ok((stream, _)) = accepted else { continue };
            if let Some(redirect) = self.answer(stream, state).await {
                return Ok(redirect);
            }
        }
    }

    /// Reads one request and answers it; `Some` when it was the redirect.
    async fn answer(&self, mut stream: TcpStream, state: &str) -> Option<Redirect> {
        let head = tokio::time::timeout(REQUEST_TIMEOUT, read_head(&mut stream)).await.ok()??;
        let target = head.lines().next()?.strip_prefix("GET ")?.split(' ').next()?.to_string();
        let url = url::Url::parse(&format!("http://127.0.0.1{target}")).ok()?;
        let params: BTreeMap<String, String> = url.query_pairs().into_owned().collect();
        let right = url.path() == self.path && params.get("state").is_some_and(|s| same(s, state));
        if !right {
            let _ = respond(&mut stream, "400 Bad Request", NOT_THIS).await;
            return None;
        }
        let redirect = Redirect { params };
        let page = if redirect.refused() { REFUSED } else { DONE };
        let _ = respond(&mut stream, "200 OK", page).await;
        Some(redirect)
    }
}

/// Compares without stopping at the first difference, so timing tells nothing about the state.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut buf = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 || head.len() + n > MAX_HEAD {
            return None;
        }
        head.extend_from_slice(&buf[..n]);
    }
    String::from_utf8(head).ok()
}

async fn respond(stream: &mut TcpStream, status: &str, body: &str) -> std::io::Result<()> {
    let reply = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(reply.as_bytes()).await?;
    stream.shutdown().await
}

const DONE: &str =
    "<!doctype html><title>Folio</title><p>Folio is connected. You can close this tab.";
const REFUSED: &str =
    "<!doctype html><title>Folio</title><p>Folio was not given access. You can close this tab.";
const NOT_THIS: &str =
    "<!doctype html><title>Folio</title><p>This is not the sign-in Folio is waiting for.";
