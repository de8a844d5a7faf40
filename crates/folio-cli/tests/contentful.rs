//! A folder album synced by `folio` into the fake Contentful space: connect with a pasted
//! personal access token (`FOLIO_CONTENTFUL_TOKEN`) and the account's advanced `api_url` and
//! `upload_url` fields, photos uploaded, processed and published as assets with their title
//! and alt text in the space's default locale, a re-edit, a revoked token that pauses the site,
//! and no token in folio.db.

mod support;

use folio_sites::contentful::fake::{FakeContentful, FakeSpaceConfig};
use serde_json::Value;
use std::path::Path;
use std::process::Command;
use support::{gradient_photo, unique};

fn folio(data: &Path, token: &str, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_folio"));
    c.arg("--data-dir")
        .arg(data)
        .args(args)
        .env("FOLIO_SECRETS", "file")
        .env_remove("FOLIO_CONTENTFUL_API_URL")
        .env_remove("FOLIO_CONTENTFUL_UPLOAD_URL")
        .env("FOLIO_CONTENTFUL_TOKEN", token);
    c
}

fn run(c: &mut Command) -> (bool, String, String) {
    let out = c.output().unwrap();
    let text = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
    (out.status.success(), text(out.stdout), text(out.stderr))
}

fn sync(data: &Path, token: &str) -> Value {
    let (_, out, err) = run(&mut folio(data, token, &["sync", "--json"]));
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn an_album_goes_to_contentful_as_published_assets() {
    let space =
        FakeContentful::start(FakeSpaceConfig { processing_reads: 1, ..Default::default() }).await;
    let token = space.token();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let album = tmp.path().join(unique("cms"));
    std::fs::create_dir_all(&album).unwrap();
    for i in 0..3u8 {
        gradient_photo(&album.join(format!("shot-{i}.png")), i * 70);
    }
    let connect = |token: &str| {
        let space_id = format!("space={}", space.state.lock().unwrap().config.space);
        let api = format!("api_url={}", space.api_url);
        let upload = format!("upload_url={}", space.upload_url);
        let args = ["connect", "contentful", "--name", "cms", "--set", &space_id, "--set", &api];
        let mut c = folio(&data, token, &args);
        c.args(["--set", &upload, "--json"]);
        run(&mut c)
    };

    // A wrong token is refused and nothing is saved.
    let (ok, out, err) = connect("CFPAT-wrong");
    assert!(!ok && err.contains("Contentful"), "{out}{err}");
    assert!(!err.contains("CFPAT-wrong"), "no token in messages: {err}");
    let (_, listed, _) = run(&mut folio(&data, &token, &["account", "list", "--json"]));
    assert_eq!(listed.trim(), "[]");

    let (ok, out, err) = connect(&token);
    assert!(ok, "{out}{err}");
    let account: Value = serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(
        (account["name"].as_str(), account["connector"].as_str()),
        (Some("cms"), Some("contentful"))
    );
    assert!(!out.contains(&token) && !err.contains(&token), "the token is never printed");

    let root = album.to_string_lossy().into_owned();
    let add = ["album", "add", &root, "--site", "cms", "--alt", "Shot {filename}"];
    let (ok, _, err) = run(&mut folio(&data, &token, &add));
    assert!(ok, "{err}");

    let first = sync(&data, &token);
    assert_eq!(
        (first["uploaded"].as_u64(), first["failed"].as_array().map(Vec::len)),
        (Some(3), Some(0)),
        "{first}"
    );
    let assets = space.assets();
    assert_eq!(assets.len(), 3, "{assets:?}");
    for a in &assets {
        assert!(a.published_version.is_some(), "published: {a:?}");
        assert!(
            a.text("description", "en-US").is_some_and(|d| d.starts_with("Shot shot-")),
            "{a:?}"
        );
        let url = a.url("en-US").unwrap();
        assert!(url.ends_with(".webp"), "{url}");
        assert!(space.served(url).is_some());
    }
    // (A 429 is possible here: each command is a new process whose pacing does not know the
    // previous one's requests of the same second; it is waited out, as the failures show.)

    // A re-edit keeps its asset (entries link it by id); its file gets a new URL.
    let before: Vec<_> =
        space.assets().iter().map(|a| (a.id.clone(), a.url("en-US").map(str::to_string))).collect();
    gradient_photo(&album.join("shot-1.png"), 250);
    let second = sync(&data, &token);
    assert_eq!(second["failed"].as_array().map(Vec::len), Some(0), "{second}");
    assert_eq!(second["replaced"].as_u64(), Some(1), "{second}");
    let after = space.assets();
    assert_eq!(after.len(), 3, "the same assets: {second}");
    assert!(after.iter().all(|a| a.published_version.is_some()));
    let moved: Vec<_> = after
        .iter()
        .filter(|a| !before.contains(&(a.id.clone(), a.url("en-US").map(str::to_string))))
        .collect();
    assert_eq!(moved.len(), 1, "one asset, kept by id, has a new file URL: {moved:?}");
    assert!(before.iter().any(|(id, _)| *id == moved[0].id), "kept its id");
    let (_, listed, _) = run(&mut folio(&data, &token, &["site", "list", "--json"]));
    let sites: Value = serde_json::from_str(&listed).unwrap();
    let caps = &sites[0]["capabilities"];
    assert_eq!(
        (&caps["replace_in_place"], &caps["replace_keeps_id"], &caps["replace_keeps_url"]),
        (&Value::Bool(false), &Value::Bool(true), &Value::Bool(false)),
        "{sites}"
    );
    let (_, words, _) = run(&mut folio(&data, &token, &["site", "list"]));
    assert!(words.contains("re-edits keep their asset; the file's URL changes"), "{words}");
    // `status` counts the re-edit that moved a file, and the activity log says where to.
    let (_, status, _) = run(&mut folio(&data, &token, &["status", "--json"]));
    let status: Value = serde_json::from_str(&status).unwrap();
    let on_cms = &status["albums"][0]["sites"][0];
    assert_eq!(on_cms["urls_changed"].as_u64(), Some(1), "{status}");
    let (_, log, _) = run(&mut folio(&data, &token, &["activity"]));
    let moved_url = moved[0].url("en-US").unwrap();
    assert!(log.contains("under the same id") && log.contains(moved_url), "{log}");

    // A revoked token puts the site in reconnect and fails no photo.
    space.revoke();
    gradient_photo(&album.join("shot-9.png"), 33);
    let third = sync(&data, &token);
    assert_eq!(third["failed"].as_array().map(Vec::len), Some(0), "{third}");
    assert_eq!(space.assets().len(), 3);
    let (_, status, _) = run(&mut folio(&data, &token, &["site", "list", "--json"]));
    assert!(status.contains("reconnect"), "{status}");

    let db = std::fs::read(data.join("folio.db")).unwrap();
    assert!(!String::from_utf8_lossy(&db).contains(&token), "no token in SQLite");
}
