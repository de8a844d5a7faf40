//! `folio site connect` against the real WordPress of the test harness (a local environment, so
//! an http callback on 127.0.0.1 is allowed): the test logs in to wp-admin, opens the address
//! Folio printed and presses Approve or Reject. Also: a timeout, a forged answer, answers that
//! cannot work (told so in the browser), connecting the same site again, a late approval
//! removed again, an approval page that is not a web page, and `site remove` revoking the
//! password on the site.

#[path = "../../../tests/support/approve.rs"]
mod approve;
mod support;

use approve::Press;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use support::{gradient_photo, unique, wordpress, Site};

/// WordPress keeps a user's Application Passwords in one list, and the first use of a new
/// password writes the whole list back: tests that make passwords (or count them) at the same
/// time can lose each other's. They take turns.
static PASSWORDS: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    PASSWORDS.lock().unwrap_or_else(|e| e.into_inner())
}

fn login_password() -> String {
    std::env::var("FOLIO_WP_LOGIN_PASSWORD")
        .expect("tests/with-wordpress.sh sets FOLIO_WP_LOGIN_PASSWORD")
}

/// Starts `site connect`; returns it and the address it printed.
fn start(site: &Site, data: &Path, extra: &[&str]) -> (Child, String) {
    let mut args = vec!["site", "connect", site.url.as_str(), "--no-browser"];
    args.extend_from_slice(extra);
    let mut child = site
        .folio(data, &args)
        .env_remove("FOLIO_APP_PASSWORD")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
    let url = line
        .trim()
        .strip_prefix("open: ")
        .unwrap_or_else(|| panic!("printed {line:?}"))
        .to_string();
    (child, url)
}

fn finish(child: Child) -> (bool, String, String) {
    let out = child.wait_with_output().unwrap();
    let text = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
    (out.status.success(), text(out.stdout), text(out.stderr))
}

fn sites(site: &Site, data: &Path) -> serde_json::Value {
    let out = site.folio(data, &["site", "list", "--json"]).output().unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn approving_on_the_site_connects_it_and_a_sync_works() {
    let Some(site) = wordpress() else { return };
    let _turn = one_at_a_time();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let (child, url) = start(&site, &data, &["--timeout", "120"]);
    let query: std::collections::HashMap<String, String> =
        url::Url::parse(&url).unwrap().query_pairs().into_owned().collect();
    assert!(url.contains("/wp-admin/authorize-application.php?"), "{url}");
    assert!(query["app_name"].starts_with("Folio on "), "{query:?}");
    assert_eq!(query["app_id"].len(), 36, "a UUID: {query:?}");
    let success = url::Url::parse(&query["success_url"]).unwrap();
    assert_eq!(success.host_str(), Some("127.0.0.1"));
    assert!(success.query().unwrap().starts_with("state="), "{success}");

    let back = approve::press(&site.url, &site.user, &login_password(), &url, Press::Approve);
    assert!(back.starts_with(success.as_str()) && back.contains("password="), "{back}");
    let (status, page) = approve::follow(&back);
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("You can close this tab"), "{page}");
    let (ok, out, err) = finish(child);
    assert!(ok, "{err}");
    assert!(out.contains("Connected Folio test site (admin at"), "{out}");
    let listed = sites(&site, &data);
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["name"], "Folio test site");

    // The password Folio got works: a photo goes up with it.
    let album = tmp.path().join(unique("connected"));
    std::fs::create_dir_all(&album).unwrap();
    gradient_photo(&album.join("approved.png"), 77);
    let root = album.to_string_lossy().into_owned();
    let out =
        site.folio(&data, &["album", "add", &root, "--site", "Folio test site"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out =
        site.folio(&data, &["sync", "--json"]).env_remove("FOLIO_APP_PASSWORD").output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["uploaded"], 1, "{report}");

    // Connecting it again updates its credentials, keeps one site, and revokes the old password.
    let before = approve::app_password_uuids(&site.url, &site.user, &site.password);
    let (child, url) = start(&site, &data, &[]);
    let back = approve::press(&site.url, &site.user, &login_password(), &url, Press::Approve);
    approve::follow(&back);
    let (ok, _, err) = finish(child);
    assert!(ok, "{err}");
    assert_eq!(sites(&site, &data).as_array().unwrap().len(), 1, "still one site");
    let after = approve::app_password_uuids(&site.url, &site.user, &site.password);
    assert_eq!(
        after.len(),
        before.len(),
        "one new password, the old one revoked: {before:?} → {after:?}"
    );

    // Removing the site revokes its password on the site; the photo stays there.
    let out = site.folio(&data, &["site", "remove", "Folio test site"]).output().unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && said.contains("revoked on the site"), "{said}");
    let left = approve::app_password_uuids(&site.url, &site.user, &site.password);
    assert_eq!(left.len(), before.len() - 1, "{left:?}");
    assert_eq!(sites(&site, &data), serde_json::json!([]));
}

#[test]
fn rejecting_on_the_site_saves_nothing() {
    let Some(site) = wordpress() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let (child, url) = start(&site, &data, &["--timeout", "120"]);
    let back = approve::press(&site.url, &site.user, &login_password(), &url, Press::Reject);
    assert!(back.contains("success=false"), "{back}");
    let (status, page) = approve::follow(&back);
    assert_eq!(status, 403, "{page}");
    assert!(page.contains("rejected on the site") && page.contains("nothing was saved"), "{page}");
    let (ok, _, err) = finish(child);
    assert!(!ok && err.contains("rejected on the site"), "{err}");
    assert_eq!(sites(&site, &data), serde_json::json!([]));
}

#[test]
fn a_forged_answer_is_refused_and_waiting_ends_at_the_timeout() {
    let Some(site) = wordpress() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let (child, url) = start(&site, &data, &["--timeout", "4"]);
    let query: std::collections::HashMap<String, String> =
        url::Url::parse(&url).unwrap().query_pairs().into_owned().collect();
    let success = &query["success_url"];
    let listener = success.split('?').next().unwrap();
    // A page that guessed the port, without the state.
    let forged = format!(
        "{listener}?state=0123456789abcdef0123456789abcdef&site_url={}&user_login=admin&password=stolen",
        site.url
    );
    let (status, _) = approve::follow(&forged);
    assert_eq!(status, 400, "a wrong state is not an answer");
    let (ok, _, err) = finish(child);
    assert!(!ok && err.contains("timed out waiting for approval"), "{err}");
    assert_eq!(sites(&site, &data), serde_json::json!([]));
}

/// A web server on 127.0.0.1 answering each path with `answer(path)`: (headers, body).
fn serve(answer: fn(&str) -> (String, String)) -> std::net::SocketAddr {
    let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = server.local_addr().unwrap();
    std::thread::spawn(move || {
        for mut s in server.incoming().flatten() {
            use std::io::{Read, Write};
            let mut buf = [0u8; 8192];
            let n = s.read(&mut buf).unwrap_or(0);
            let head = String::from_utf8_lossy(&buf[..n]).into_owned();
            let path = head.split(' ').nth(1).unwrap_or("/").to_string();
            let (headers, body) = answer(&path);
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    addr
}

#[test]
fn an_address_without_wordpress_or_with_plain_http_on_the_internet_is_explained() {
    let Some(site) = wordpress() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let not_wp = serve(|_| (String::new(), "<html><body>Just a page</body></html>".into()));
    let out = site
        .folio(&data, &["site", "connect", &format!("http://{not_wp}"), "--no-browser"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("No WordPress site answers"), "{err}");
    assert!(out.stdout.is_empty(), "no address to open");

    // A site whose REST API says it lives at a plain-http address on the internet.
    let plain = serve(|path| {
        if path.starts_with("/wp-json/") || path.contains("rest_route") {
            let index = serde_json::json!({
                "name": "Plain photos",
                "url": "http://photos.example.com",
                "namespaces": ["wp/v2"],
                "authentication": {"application-passwords": {"endpoints": {
                    "authorization": "http://photos.example.com/wp-admin/authorize-application.php"}}},
            });
            ("Content-Type: application/json\r\n".into(), index.to_string())
        } else {
            ("Link: </wp-json/>; rel=\"https://api.w.org/\"\r\n".into(), "<html></html>".into())
        }
    });
    let out = site
        .folio(&data, &["site", "connect", &format!("http://{plain}"), "--no-browser"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("not encrypted") && err.contains("travel in clear"), "{err}");
    // Confirmed: the approval page is offered (and, unanswered, the wait ends in time).
    let args = [
        "site",
        "connect",
        &format!("http://{plain}"),
        "--no-browser",
        "--allow-http",
        "--timeout",
        "1",
    ];
    let out = site.folio(&data, &args).env_remove("FOLIO_APP_PASSWORD").output().unwrap();
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        printed.starts_with("open: http://photos.example.com/wp-admin/authorize-application.php?"),
        "{printed}"
    );
    assert!(!out.status.success());
    assert_eq!(sites(&site, &data), serde_json::json!([]));

    // `folio connect` asks the same as a confirm step: refused without --yes, offered with it.
    let url = format!("url=http://{plain}");
    let generic = ["connect", "wordpress", "--set", url.as_str(), "--no-browser"];
    let out = site.folio(&data, &generic).env_remove("FOLIO_WORDPRESS_PASSWORD").output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("travel in clear") && err.contains("--yes"), "{err}");
    assert!(out.stdout.is_empty(), "nothing to open before the yes");
    let mut child = site
        .folio(&data, &[&generic[..], &["--yes"]].concat())
        .env_remove("FOLIO_WORDPRESS_PASSWORD")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        line.starts_with("open: http://photos.example.com/wp-admin/authorize-application.php?"),
        "{line}"
    );
    assert_eq!(sites(&site, &data), serde_json::json!([]));
}

#[test]
fn folio_connect_approves_a_wordpress_site_and_account_reconnect_signs_it_in_again() {
    let Some(site) = wordpress() else { return };
    let _turn = one_at_a_time();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let url = format!("url={}", site.url);
    let args = ["connect", "wordpress", "--set", url.as_str(), "--no-browser", "--json"];
    let mut child = site
        .folio(&data, &args)
        .env_remove("FOLIO_WORDPRESS_PASSWORD")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let open = line.trim().strip_prefix("open: ").unwrap_or_else(|| panic!("{line:?}")).to_string();
    assert!(open.contains("/wp-admin/authorize-application.php?"), "{open}");
    let back = approve::press(&site.url, &site.user, &login_password(), &open, Press::Approve);
    approve::follow(&back);
    let mut json = String::new();
    out.read_line(&mut json).unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{json}");
    let account: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(account["name"], "Folio test site", "{account}");
    assert_eq!(account["connector"], "wordpress");
    assert_eq!(account["roles"], serde_json::json!(["destination"]));
    assert_eq!(account["state"], "ok");
    assert_eq!(account["who"], site.user.as_str());

    // Signed in again with a pasted password: checked, kept, still one account.
    let out = site
        .folio(&data, &["account", "reconnect", "Folio test site"])
        .env("FOLIO_WORDPRESS_PASSWORD", &site.password)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = site
        .folio(&data, &["account", "reconnect", "Folio test site"])
        .env("FOLIO_WORDPRESS_PASSWORD", "xxxx xxxx xxxx xxxx xxxx xxxx")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "a refused password is the site's answer");
    assert_eq!(sites(&site, &data).as_array().unwrap().len(), 1);

    // A second account of the same user on the same site, sorting first: approving the
    // reconnect of the first account signs in that one, revoking its older password.
    let user = format!("user={}", site.user);
    let backup = ["connect", "wordpress", "--name", "Backup", "--set", &url, "--set", &user];
    let out = site.folio(&data, &backup).env("FOLIO_WORDPRESS_PASSWORD", &site.password).output();
    let out = out.unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let before = approve::app_password_uuids(&site.url, &site.user, &site.password);
    let mut child = site
        .folio(&data, &["account", "reconnect", "Folio test site", "--no-browser"])
        .env_remove("FOLIO_WORDPRESS_PASSWORD")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
    let open = line.trim().strip_prefix("open: ").unwrap_or_else(|| panic!("{line:?}")).to_string();
    let back = approve::press(&site.url, &site.user, &login_password(), &open, Press::Approve);
    approve::follow(&back);
    let (ok, _, err) = finish(child);
    assert!(ok, "{err}");
    let after = approve::app_password_uuids(&site.url, &site.user, &site.password);
    assert_eq!(after.len(), before.len(), "the reconnected account's old password went");
    assert_eq!(sites(&site, &data).as_array().unwrap().len(), 2);
    for name in ["Folio test site", "Backup"] {
        let out = site.folio(&data, &["site", "remove", name]).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
}

/// The listener's address and state from the approval URL Folio printed: the success URL.
fn success_url(url: &str) -> String {
    let query: std::collections::HashMap<String, String> =
        url::Url::parse(url).unwrap().query_pairs().into_owned().collect();
    query["success_url"].clone()
}

#[test]
fn an_answer_that_cannot_work_is_told_in_the_browser_and_saves_nothing() {
    let Some(site) = wordpress() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();

    // The right state, but no password (a cut-off redirect, a broken plugin).
    let (child, url) = start(&site, &data, &["--timeout", "120"]);
    let back = format!("{}&site_url={}&user_login=admin", success_url(&url), enc(&site.url));
    let (status, page) = approve::follow(&back);
    assert_eq!(status, 400, "{page}");
    assert!(!page.contains("connected."), "{page}");
    assert!(page.contains("no credentials") && page.contains("nothing was saved"), "{page}");
    let (ok, _, err) = finish(child);
    assert!(!ok && err.contains("carried no credentials"), "{err}");

    // The right state and a password WordPress refuses (401).
    let (child, url) = start(&site, &data, &["--timeout", "120"]);
    let back = format!(
        "{}&site_url={}&user_login=admin&password={}",
        success_url(&url),
        enc(&site.url),
        enc("abcd efgh ijkl mnop qrst uvwx")
    );
    let (status, page) = approve::follow(&back);
    assert_eq!(status, 403, "{page}");
    assert!(page.contains("did not accept the password"), "{page}");
    assert!(page.contains("nothing was saved"), "{page}");
    let (ok, _, err) = finish(child);
    assert!(!ok && err.contains("did not accept the password"), "{err}");
    assert!(!err.contains("abcd efgh"), "no password in messages: {err}");
    assert_eq!(sites(&site, &data), serde_json::json!([]));
}

#[test]
fn a_password_approved_after_the_connect_was_stopped_is_removed_from_the_site() {
    let Some(site) = wordpress() else { return };
    let _turn = one_at_a_time();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let before = approve::app_password_uuids(&site.url, &site.user, &site.password);
    let (mut child, url) = start(&site, &data, &["--timeout", "120"]);
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut said = String::new();
    let mut read_until = |what: &str, said: &mut String| loop {
        let mut line = String::new();
        let n = stderr.read_line(&mut line).unwrap();
        said.push_str(&line);
        assert!(n > 0, "folio ended before saying {what:?}: {said}");
        if line.contains(what) {
            return;
        }
    };
    read_until("Waiting up to", &mut said);
    // Ctrl-C, once the wait is under way.
    std::thread::sleep(std::time::Duration::from_millis(500));
    let interrupted = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    read_until("Still listening", &mut said);

    // The user approves anyway, a moment later.
    let back = approve::press(&site.url, &site.user, &login_password(), &url, Press::Approve);
    assert!(back.contains("password="), "{back}");
    let (status, page) = approve::follow(&back);
    assert_eq!(status, 410, "{page}");
    assert!(page.contains("stopped waiting") && page.contains("was removed again"), "{page}");
    let after = approve::app_password_uuids(&site.url, &site.user, &site.password);
    assert_eq!(after, before, "the late password is gone from the site");

    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success(), "{said}{rest}");
    assert!(rest.contains("was removed again") && rest.contains("stopped waiting"), "{said}{rest}");
    assert_eq!(sites(&site, &data), serde_json::json!([]));
}

/// A site whose REST index names `authorization` as its approval page.
fn site_with_approval_page(authorization: &'static str) -> std::net::SocketAddr {
    let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = server.local_addr().unwrap();
    std::thread::spawn(move || {
        for mut s in server.incoming().flatten() {
            use std::io::{Read, Write};
            let mut buf = [0u8; 8192];
            let n = s.read(&mut buf).unwrap_or(0);
            let head = String::from_utf8_lossy(&buf[..n]).into_owned();
            let path = head.split(' ').nth(1).unwrap_or("/");
            let (headers, body) = if path.starts_with("/wp-json/") || path.contains("rest_route") {
                let index = serde_json::json!({
                    "name": "Odd photos",
                    "url": format!("http://{addr}"),
                    "namespaces": ["wp/v2"],
                    "authentication": {"application-passwords": {"endpoints": {
                        "authorization": authorization}}},
                });
                ("Content-Type: application/json\r\n".to_string(), index.to_string())
            } else {
                ("Link: </wp-json/>; rel=\"https://api.w.org/\"\r\n".into(), "<html></html>".into())
            };
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    addr
}

#[test]
fn an_approval_page_that_is_not_a_web_page_is_never_opened() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    for page in [
        "file://attacker.example/share/authorize-application.php",
        "javascript:alert(document.cookie)//authorize-application.php",
        "smb://attacker.example/share",
    ] {
        let addr = site_with_approval_page(page);
        // Were the address handed on, this stand-in for the OS's opener would record it.
        let opened = tmp.path().join("opened");
        let bin = tmp.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let opener = bin.join("xdg-open");
        std::fs::write(&opener, format!("#!/bin/sh\necho \"$@\" >> {}\n", opened.display()))
            .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&opener, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_folio"))
            .args(["--data-dir", data.to_str().unwrap(), "site", "connect"])
            .arg(format!("http://{addr}"))
            .args(["--timeout", "1"])
            .env("FOLIO_SECRETS", "file")
            .env("PATH", path)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{page}: {err}");
        assert!(err.contains("approval page that is not a web page"), "{page}: {err}");
        assert!(
            out.stdout.is_empty(),
            "no address to open: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(!opened.exists(), "{page} was handed to the OS");
    }
}
