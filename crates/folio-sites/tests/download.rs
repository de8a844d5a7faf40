//! A site copy's thumbnail is fetched from the address that was checked. A name whose DNS
//! answer changes between the check and the connection (public first, 127.0.0.1 next) cannot
//! reach the photographer's own network, and a site that is on that network still gets its own
//! thumbnails, under its own name.

use axum::http::HeaderMap;
use axum::routing::get;
use axum::Router;
use folio_sites::{download_resolving, SiteErrorCode};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

/// DNS as a test writes it: each name's answers in turn (the last one repeats), and how often
/// each name was asked.
#[derive(Default)]
struct Answers {
    names: Mutex<HashMap<String, (Vec<IpAddr>, usize)>>,
}

impl Answers {
    fn with(self, name: &str, answers: &[&str]) -> Answers {
        let ips = answers.iter().map(|a| a.parse().unwrap()).collect();
        self.names.lock().unwrap().insert(name.into(), (ips, 0));
        self
    }

    fn asked(&self, name: &str) -> usize {
        self.names.lock().unwrap().get(name).map_or(0, |(_, asked)| *asked)
    }
}

impl Resolve for Answers {
    fn resolve(&self, name: Name) -> Resolving {
        let mut names = self.names.lock().unwrap();
        let answer = match names.get_mut(name.as_str()) {
            Some((ips, asked)) => {
                let ip = ips[(*asked).min(ips.len() - 1)];
                *asked += 1;
                Ok(Box::new(std::iter::once(SocketAddr::new(ip, 0))) as Addrs)
            }
            None => Err(format!("{} is not in the test's DNS", name.as_str()).into()),
        };
        Box::pin(std::future::ready(answer))
    }
}

/// A server on the photographer's network (127.0.0.1): its port, and the Host header of each
/// request it got.
async fn lan_server() -> (u16, Arc<Mutex<Vec<String>>>) {
    let seen: Arc<Mutex<Vec<String>>> = Default::default();
    let log = seen.clone();
    let thumb = move |headers: HeaderMap| {
        let log = log.clone();
        async move {
            let host = headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or_default();
            log.lock().unwrap().push(host.to_string());
            "lan-only bytes"
        }
    };
    let app = Router::new().route("/thumb.jpg", get(thumb));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (port, seen)
}

#[tokio::test]
async fn a_name_that_turns_private_after_the_check_never_reaches_the_private_address() {
    let (port, seen) = lan_server().await;
    // The media host passes the check with a public address, then answers 127.0.0.1.
    let dns = Arc::new(
        Answers::default()
            .with("shop.example", &["93.184.216.34"])
            .with("cdn.example", &["203.0.113.7", "127.0.0.1"]),
    );
    let url = format!("http://cdn.example:{port}/thumb.jpg");
    let fetched = download_resolving(
        &url,
        1024,
        "https://shop.example/",
        Some("http://cdn.example/harbour.webp"),
        dns.clone(),
    )
    .await;
    assert!(seen.lock().unwrap().is_empty(), "the private address was reached: {fetched:?}");
    // Let through by the check, then sent to the public address it checked (nothing listens
    // there in a test).
    match &fetched {
        Err(e) => assert_eq!(e.code, SiteErrorCode::Network, "{e:?}"),
        Ok(bytes) => assert_ne!(bytes.as_slice(), b"lan-only bytes"),
    }
    assert_eq!(dns.asked("cdn.example"), 1, "looked up once, for the check and the connection");

    // Private from the first answer: refused before any connection.
    let dns = Arc::new(
        Answers::default()
            .with("shop.example", &["93.184.216.34"])
            .with("cdn.example", &["127.0.0.1"]),
    );
    let err =
        download_resolving(&url, 1024, "https://shop.example/", Some(&url), dns).await.unwrap_err();
    assert!(err.message.contains("private network"), "{err:?}");
    assert!(seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_site_on_the_photographers_network_fetches_its_own_thumbnails_by_name() {
    let (port, seen) = lan_server().await;
    let dns = Arc::new(Answers::default().with("nas.home", &["127.0.0.1"]));
    let site = format!("http://nas.home:{port}/");
    let url = format!("{site}thumb.jpg");
    let bytes = download_resolving(&url, 1024, &site, None, dns.clone()).await.unwrap();
    assert_eq!(bytes, b"lan-only bytes");
    assert_eq!(*seen.lock().unwrap(), vec![format!("nas.home:{port}")], "the Host is the name");
    assert_eq!(dns.asked("nas.home"), 1);
}
