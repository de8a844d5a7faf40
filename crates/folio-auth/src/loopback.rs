//! A one-shot HTTP listener on 127.0.0.1 that receives the browser's redirect at the end of a
//! sign-in (OAuth's `redirect_uri`, WordPress's `success_url`).
//!
//! Only the loopback address is bound, never `0.0.0.0`, so nothing on the network can answer in
//! the user's place. Providers match redirect URIs exactly, so the port comes from a short list
//! registered with them: the first free one is used. Only a request that carries the `state`
//! Folio put in the sign-in URL is an answer; anything else (a stale tab, a port scanner, a page
//! guessing the port) gets 400 and the wait goes on.
//!
//! The browser that brought the answer waits for its page until the caller has decided what the
//! answer is worth ([`Arrival::reply`]), so the page never says "connected" for credentials that
//! turn out not to work.

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

/// What the browser is shown once an answer has been dealt with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The HTTP status: 200 only when the sign-in is done.
    pub status: u16,
    /// One or two sentences for the user (plain text; escaped here).
    pub message: String,
}

impl Page {
    pub fn connected() -> Page {
        Page { status: 200, message: "Folio is connected. You can close this tab.".into() }
    }

    /// The user said no in the browser.
    pub fn refused() -> Page {
        Page { status: 200, message: "Folio was not given access. You can close this tab.".into() }
    }

    /// Not connected: `status` is a 4xx for an answer that cannot work, 5xx when Folio or the
    /// site failed. `message` says what went wrong.
    pub fn failed(status: u16, message: impl Into<String>) -> Page {
        Page { status, message: message.into() }
    }

    fn html(&self) -> String {
        format!("<!doctype html><title>Folio</title><p>{}", escape(&self.message))
    }
}

/// A request that carried the right state. Its browser waits for a page until [`Self::reply`]
/// (or until this is dropped, which closes the connection).
pub struct Arrival {
    pub redirect: Redirect,
    stream: TcpStream,
}

impl Arrival {
    /// Sends `page` to the browser that brought the answer.
    pub async fn reply(mut self, page: &Page) {
        let _ = respond(&mut self.stream, page.status, &page.html()).await;
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

    /// Waits for the redirect that carries `state`, tells the browser the outcome as the
    /// redirect says it (granted or refused), and closes the listener. For sign-ins whose
    /// answer needs no further check before the page can tell the truth; else [`Self::arrival`].
    pub async fn wait(self, state: &str, timeout: Duration) -> Result<Redirect, AuthError> {
        let arrival = self.arrival(state, Instant::now() + timeout).await.map_err(|e| match e {
            AuthError::TimedOut(_) => AuthError::TimedOut(timeout),
            other => other,
        })?;
        let redirect = arrival.redirect.clone();
        let page = if redirect.refused() { Page::refused() } else { Page::connected() };
        arrival.reply(&page).await;
        Ok(redirect)
    }

    /// Waits until `deadline` for the next request that carries `state`, answering every other
    /// one 400. The listener stays open: a caller that keeps it can wait again.
    pub async fn arrival(&self, state: &str, deadline: Instant) -> Result<Arrival, AuthError> {
        self.arrival_of(state, false, deadline).await
    }

    /// As [`Self::arrival`], for a service that may drop `state` from its redirect (OpenRouter
    /// documents only `code`): a request on the path with a `code` and no `state` is taken too.
    /// PKCE still binds that code to this sign-in: the verifier never left Folio, so a code
    /// from anywhere else fails the exchange. A wrong `state` is refused as ever.
    pub async fn code_arrival(&self, state: &str, deadline: Instant) -> Result<Arrival, AuthError> {
        self.arrival_of(state, true, deadline).await
    }

    async fn arrival_of(
        &self,
        state: &str,
        stateless_code: bool,
        deadline: Instant,
    ) -> Result<Arrival, AuthError> {
        loop {
            let accepted = tokio::time::timeout_at(deadline, self.listener.accept()).await;
            // The caller knows how long it waited in all, and says so.
            let Ok(accepted) = accepted else { return Err(AuthError::TimedOut(Duration::ZERO)) };
            let Ok((stream, _)) = accepted else { continue };
            if let Some(arrival) = self.read(stream, state, stateless_code).await {
                return Ok(arrival);
            }
        }
    }

    /// Reads one request; `Some` when it is the redirect, else it is answered 400.
    async fn read(
        &self,
        mut stream: TcpStream,
        state: &str,
        stateless_code: bool,
    ) -> Option<Arrival> {
        let head = tokio::time::timeout(REQUEST_TIMEOUT, read_head(&mut stream)).await.ok()??;
        let target = head.lines().next()?.strip_prefix("GET ")?.split(' ').next()?.to_string();
        let url = url::Url::parse(&format!("http://127.0.0.1{target}")).ok()?;
        let params: BTreeMap<String, String> = url.query_pairs().into_owned().collect();
        let carried = match params.get("state") {
            Some(s) => same(s, state),
            None => stateless_code && params.contains_key("code"),
        };
        let right = url.path() == self.path && carried;
        if !right {
            let _ = respond(&mut stream, 400, NOT_THIS).await;
            return None;
        }
        Some(Arrival { redirect: Redirect { params }, stream })
    }
}

/// Compares without stopping at the first difference, so timing tells nothing about the state.
pub fn same(a: &str, b: &str) -> bool {
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

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        409 => "Conflict",
        410 => "Gone",
        502 => "Bad Gateway",
        _ if status >= 500 => "Internal Server Error",
        _ => "Error",
    }
}

async fn respond(stream: &mut TcpStream, status: u16, body: &str) -> std::io::Result<()> {
    let reply = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        reason(status),
        body.len()
    );
    stream.write_all(reply.as_bytes()).await?;
    stream.shutdown().await
}

/// Messages can name an address the answer carried: never markup.
fn escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '&' => "&amp;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '"' => "&quot;".to_string(),
            '\'' => "&#39;".to_string(),
            c => c.to_string(),
        })
        .collect()
}

const NOT_THIS: &str =
    "<!doctype html><title>Folio</title><p>This is not the sign-in Folio is waiting for.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_is_shown_as_text_never_as_markup() {
        let page = Page::failed(400, "the answer came from <script>x</script> & co");
        assert_eq!(
            page.html(),
            "<!doctype html><title>Folio</title><p>the answer came from \
             &lt;script&gt;x&lt;/script&gt; &amp; co"
        );
    }
}
