//! The data folder between processes: a `folio watch` killed outright leaves its spool behind,
//! and the next start sweeps it while the spools of live processes (another watch, an engine
//! in this very test) stay; a `folio sync` killed mid-way through a Dropbox download leaves no
//! `.part` file past the next start; `folio status` reports the folder's size by part.

use folio_engine::{AlbumSettings, Engine, EngineOptions};
use folio_sites::shopify::fake::{FakeShopify, FakeStoreConfig};
use folio_sources::dropbox::fake::FakeDropbox;
use serde_json::Value;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn folio(data: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_folio"));
    c.arg("--data-dir").arg(data).args(args).env("FOLIO_SECRETS", "file");
    c
}

fn ok(data: &Path, args: &[&str]) -> Output {
    let out = folio(data, args).output().unwrap();
    assert!(out.status.success(), "folio {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

fn spools(data: &Path) -> BTreeSet<PathBuf> {
    std::fs::read_dir(data.join("spool"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}

/// Starts `folio watch` and returns it with the spool folder it claimed.
fn start_watch(data: &Path) -> (Child, PathBuf) {
    let before = spools(data);
    let mut child =
        folio(data, &["watch"]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let started = Instant::now();
    loop {
        let new: Vec<PathBuf> =
            spools(data).difference(&before).filter(|d| d.join("lock").exists()).cloned().collect();
        if let [dir] = new.as_slice() {
            return (child, dir.clone());
        }
        assert!(child.try_wait().unwrap().is_none(), "folio watch stopped at start");
        assert!(started.elapsed() < Duration::from_secs(30), "folio watch made no spool");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_process_spool_is_swept_at_the_next_start_and_live_ones_are_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let album = tmp.path().join("album");
    std::fs::create_dir_all(&album).unwrap();
    let options = EngineOptions { file_secrets: true, ..EngineOptions::default() };
    let engine = Engine::open_with(&data, options).await.unwrap();
    engine.add_album(&album, &[], AlbumSettings::default()).await.unwrap();
    let ours: Vec<PathBuf> = spools(&data).into_iter().collect();
    assert_eq!(ours.len(), 1, "this test's engine has one spool: {ours:?}");

    let (mut killed, dead) = start_watch(&data);
    // Killed outright (SIGKILL; TerminateProcess on Windows) while a Dropbox download was
    // being written into its spool.
    std::fs::create_dir_all(dead.join("dropbox")).unwrap();
    std::fs::write(dead.join("dropbox").join("dropbox-7.part"), b"the first half of a ph").unwrap();
    std::fs::write(dead.join("0.webp"), b"a rendition waiting for a slow site").unwrap();
    killed.kill().unwrap();
    killed.wait().unwrap();
    assert!(dead.join("lock").exists(), "nothing cleaned up after the kill");

    let (mut live, alive) = start_watch(&data);
    assert!(!dead.exists(), "the watch that started next swept the dead one's spool");
    std::fs::write(alive.join("0.webp"), b"in use").unwrap();
    ok(&data, &["status"]);
    assert!(alive.join("0.webp").exists(), "a live watch's spool is kept");
    assert!(ours[0].join("lock").exists(), "a live engine's spool is kept");

    live.kill().unwrap();
    live.wait().unwrap();
    drop(engine);
    ok(&data, &["status"]);
    let left = spools(&data);
    assert!(
        left.is_empty(),
        "the closed engine removed its spool, the next start the killed one: {left:?}"
    );
}

/// Every `.part` file under `dir`, with its size.
fn partial_downloads(dir: &Path) -> Vec<(PathBuf, u64)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(partial_downloads(&path));
        } else if path.extension().is_some_and(|e| e == "part") {
            found.push((path.clone(), entry.metadata().map_or(0, |m| m.len())));
        }
    }
    found
}

/// `folio` against the fake Dropbox and the fake Shopify store.
fn with_fakes(data: &Path, dropbox: &FakeDropbox, shop: &FakeShopify, args: &[&str]) -> Command {
    let mut c = folio(data, args);
    c.env("FOLIO_DROPBOX_AUTHORIZE_URL", format!("{}/oauth2/authorize", dropbox.url))
        .env("FOLIO_DROPBOX_API_URL", &dropbox.url)
        .env("FOLIO_DROPBOX_CONTENT_URL", &dropbox.url)
        .env("FOLIO_DROPBOX_NOTIFY_URL", &dropbox.url)
        .env("FOLIO_DROPBOX_APP_KEY", "test-app-key")
        .env("FOLIO_SHOPIFY_ADMIN_URL", &shop.url)
        .env("FOLIO_SHOPIFY_TOKEN", shop.state.lock().unwrap().config.admin_token.clone());
    c
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sync_killed_mid_dropbox_download_leaves_no_partial_file_past_the_next_start() {
    let dropbox = FakeDropbox::start("unused", Duration::from_secs(3600)).await;
    let shop = FakeShopify::start(FakeStoreConfig::default()).await;
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let run = |args: &[&str]| {
        let out = with_fakes(&data, &dropbox, &shop, args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };

    // Signed in as a user would be: the fake's Allow page redirects to Folio's listener.
    let mut login = with_fakes(&data, &dropbox, &shop, &["dropbox", "login", "--no-browser"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(login.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.trim().strip_prefix("open: ").unwrap_or_else(|| panic!("{line:?}"));
    let browser =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let allow = browser.get(url).send().await.unwrap();
    let back = allow.headers()["Location"].to_str().unwrap().to_string();
    browser.get(&back).send().await.unwrap();
    assert!(login.wait().unwrap().success());
    run(&["site", "add", "shop", "--shopify", "folio-test.myshopify.com"]);
    dropbox.put("/Photos/IMG_1.jpg", &vec![9u8; 200_000]);
    run(&["album", "add", "dropbox:/Photos", "--site", "shop"]);

    dropbox.state.lock().unwrap().stall_downloads = true;
    let mut sync = with_fakes(&data, &dropbox, &shop, &["sync"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let part = loop {
        if let Some((path, _)) = partial_downloads(&data).into_iter().find(|(_, n)| *n > 0) {
            break path;
        }
        assert!(sync.try_wait().unwrap().is_none(), "folio sync ended before the download");
        assert!(started.elapsed() < Duration::from_secs(30), "no download began");
        std::thread::sleep(Duration::from_millis(20));
    };
    sync.kill().unwrap();
    sync.wait().unwrap();
    assert!(part.exists(), "half a photo left behind by the killed sync");

    run(&["status"]);
    assert_eq!(partial_downloads(&data), [], "swept at the next start");
}

#[test]
fn status_reports_the_data_folder_by_part() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    ok(&data, &["status"]);
    let write = |rel: &str, n: usize| {
        let path = data.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, vec![7u8; n]).unwrap();
    };
    write("thumbnails/source/a.jpg", 1_000);
    write("thumbnails/site/1-2-x.webp", 500);
    // Counted as history; the kept version of photo 3, which no album has, is removed at start.
    write("history/notes.txt", 2_000);
    write("history/3/1.webp", 900);
    write("secrets/blog", 30);
    // A spool still in use: no lock file yet, just made; kept and counted.
    write("spool/4242-5f3a/0.webp", 400);
    write("notes.txt", 7);

    let out = ok(&data, &["status", "--json"]);
    let status: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["albums"], serde_json::json!([]), "{status}");
    let folder = &status["data_folder"];
    assert_eq!(folder["path"], data.display().to_string());
    let parts = &folder["parts"];
    let n = |k: &str| parts[k].as_u64().unwrap_or_else(|| panic!("no {k}: {status}"));
    assert_eq!(
        [n("thumbnails"), n("history"), n("spool"), n("secrets"), n("other")],
        [1_500, 2_000, 400, 30, 7],
        "{status}"
    );
    assert!(n("database") > 0, "{status}");
    let sum: u64 = ["database", "thumbnails", "history", "spool", "secrets", "other"]
        .iter()
        .map(|k| n(k))
        .sum();
    assert_eq!(folder["bytes"].as_u64(), Some(sum));
    assert!(!data.join("history/3").exists(), "a removed photo's versions are not kept");

    let text = String::from_utf8(ok(&data, &["status"]).stdout).unwrap();
    let last = text.lines().last().unwrap_or_default();
    assert!(last.starts_with("Data folder: "), "{text}");
    assert!(last.contains("history 2.0 kB") && last.contains("thumbnails 1.5 kB"), "{text}");
}
