//! Two WordPress sites on one host, told apart by their path (a multisite's subdirectory sites,
//! installs in subfolders): connecting the second adds it instead of reconnecting the first,
//! and connecting one again, its address written another way, updates that one. Against a
//! small fake WordPress that serves two sites under `/a` and `/b` of one port, with what
//! discovery, the password check and `introspect` ask of it.

use folio_engine::{Callback, Engine, EngineOptions};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};

/// The request line and headers, and the body as long as Content-Length says.
fn read_request(s: &mut TcpStream) -> Option<String> {
    let mut data = Vec::new();
    let mut buf = [0u8; 8192];
    let head_end = loop {
        let n = s.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let length = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(str::to_string))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    while data.len() < head_end + length {
        let n = s.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        data.extend_from_slice(&buf[..n]);
    }
    Some(head)
}

/// (status, JSON body) for one request to the site at `/{site}` of `addr`.
fn answer(addr: SocketAddr, head: &str) -> (u16, serde_json::Value) {
    let target = head.split(' ').nth(1).unwrap_or("/");
    let url = url::Url::parse(&format!("http://{addr}{target}")).unwrap();
    let site = url.path().trim_matches('/').split('/').next().unwrap_or("").to_string();
    if site != "a" && site != "b" {
        return (404, serde_json::json!({"code": "rest_no_route"}));
    }
    let route = url.query_pairs().find(|(k, _)| k == "rest_route").map(|(_, v)| v.into_owned());
    let home = format!("http://{addr}/{site}");
    match route.as_deref() {
        Some("/") => (
            200,
            serde_json::json!({
                "name": format!("Site {}", site.to_uppercase()),
                "url": home,
                "namespaces": ["wp/v2"],
                "authentication": {"application-passwords": {"endpoints": {
                    "authorization": format!("{home}/wp-admin/authorize-application.php")}}},
            }),
        ),
        Some("/wp/v2/users/me") => {
            (200, serde_json::json!({"slug": "ann", "capabilities": {"upload_files": true}}))
        }
        Some("/wp/v2/users/me/application-passwords/introspect") => (
            200,
            serde_json::json!({"uuid": format!("0000000{site}-0000-4000-a000-000000000000"),
                               "name": "Folio"}),
        ),
        // Not an image this site takes: AVIF is not offered.
        Some("/wp/v2/media") => (400, serde_json::json!({"code": "rest_upload_sideload_error"})),
        _ => (404, serde_json::json!({"code": "rest_no_route"})),
    }
}

fn fake_wordpress() -> SocketAddr {
    let server = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = server.local_addr().unwrap();
    std::thread::spawn(move || {
        for mut s in server.incoming().flatten() {
            let Some(head) = read_request(&mut s) else { continue };
            let (status, body) = answer(addr, &head);
            let body = body.to_string();
            let _ = write!(
                s,
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    addr
}

/// Connects the site at `address` through its approval page, WordPress answering with
/// `password` for user ann.
async fn connect(engine: &Engine, address: &str, password: &str) -> folio_engine::SiteSummary {
    let c = engine.wordpress_connect_start(address, false, Callback::App, None).await.unwrap();
    let answer: BTreeMap<String, String> = [
        ("state", c.state()),
        ("site_url", c.site.site_url.as_str()),
        ("user_login", "ann"),
        ("password", password),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    engine.wordpress_connect_answer(&c, &answer).await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn two_sites_on_one_host_are_two_sites() {
    let addr = fake_wordpress();
    let tmp = tempfile::tempdir().unwrap();
    let options = EngineOptions { file_secrets: true, ..EngineOptions::default() };
    let engine = Engine::open_with(tmp.path(), options).await.unwrap();

    let a = connect(&engine, &format!("http://{addr}/a"), "pw-a").await;
    let b = connect(&engine, &format!("http://{addr}/b"), "pw-b").await;
    assert_eq!((a.name.as_str(), b.name.as_str()), ("Site A", "Site B"));
    let sites = engine.sites().await.unwrap();
    let urls: Vec<_> = sites.iter().map(|s| s.url.as_str()).collect();
    assert_eq!(urls, [format!("http://{addr}/a"), format!("http://{addr}/b")], "two sites");

    // The first again, typed another way: its credentials are updated, no third site.
    let again = connect(&engine, &format!("http://{addr}/a/"), "pw-a2").await;
    assert_eq!(again.id, a.id);
    assert_eq!(engine.sites().await.unwrap().len(), 2);
}
