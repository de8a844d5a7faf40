//! A folder album synced by `folio` into the fake HubSpot account: connect with a pasted
//! private app token (`FOLIO_HUBSPOT_TOKEN`) and the account's advanced `api_url`, photos
//! uploaded into `/Folio/<album>`, a re-edit replacing the same file (same id, same URL),
//! `site list` saying both replace facts, and no token in folio.db or the CLI's output.

mod support;

use folio_sites::hubspot::fake::{FakeHubSpot, FakeHubSpotConfig};
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
        .env_remove("FOLIO_HUBSPOT_API_URL")
        .env("FOLIO_HUBSPOT_TOKEN", token);
    c
}

fn run(c: &mut Command) -> (bool, String, String) {
    let out = c.output().unwrap();
    let text = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
    (out.status.success(), text(out.stdout), text(out.stderr))
}

#[tokio::test(flavor = "multi_thread")]
async fn an_album_goes_to_hubspot_and_a_re_edit_keeps_its_file_and_url() {
    let fake = FakeHubSpot::start(FakeHubSpotConfig::default()).await;
    let token = fake.token();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let name = unique("hs");
    let album = tmp.path().join(&name);
    std::fs::create_dir_all(&album).unwrap();
    for i in 0..3u8 {
        gradient_photo(&album.join(format!("shot-{i}.png")), i * 70);
    }
    let mut printed = String::new();
    let mut folio_ok = |args: &[&str]| {
        let (ok, out, err) = run(&mut folio(&data, &token, args));
        assert!(ok, "{args:?}: {out}{err}");
        printed.push_str(&out);
        printed.push_str(&err);
        out
    };

    let api = format!("api_url={}", fake.api_url);
    let (ok, out, err) = run(&mut folio(
        &data,
        "pat-na1-wrong",
        &["connect", "hubspot", "--name", "hs", "--set", &api, "--json"],
    ));
    assert!(!ok && err.contains("HubSpot"), "a wrong token is refused: {out}{err}");
    assert!(!err.contains("pat-na1-wrong"), "{err}");

    let out = folio_ok(&["connect", "hubspot", "--name", "hs", "--set", &api, "--json"]);
    let account: Value = serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(account["connector"].as_str(), Some("hubspot"), "{account}");
    let root = album.to_string_lossy().into_owned();
    folio_ok(&["album", "add", &root, "--site", "hs"]);

    let first: Value = serde_json::from_str(&folio_ok(&["sync", "--json"])).unwrap();
    assert_eq!(
        (first["uploaded"].as_u64(), first["failed"].as_array().map(Vec::len)),
        (Some(3), Some(0)),
        "{first}"
    );
    let files = fake.files();
    assert_eq!(files.len(), 3, "{files:?}");
    for f in &files {
        assert_eq!(f.folder, format!("/Folio/{name}"), "{f:?}");
        assert_eq!(f.access, "PUBLIC_NOT_INDEXABLE");
    }
    let url_of = |f: &folio_sites::hubspot::fake::FakeFile| {
        let st = fake.state.lock().unwrap();
        format!("{}/hubfs/{}{}", st.base, st.config.portal_id, f.path())
    };
    let before: Vec<(String, String)> = files.iter().map(|f| (f.id.clone(), url_of(f))).collect();

    // A re-edit replaces the file behind the same id and URL.
    gradient_photo(&album.join("shot-1.png"), 250);
    let second: Value = serde_json::from_str(&folio_ok(&["sync", "--json"])).unwrap();
    assert_eq!(second["failed"].as_array().map(Vec::len), Some(0), "{second}");
    assert_eq!(second["replaced"].as_u64(), Some(1), "{second}");
    let after = fake.files();
    let now: Vec<(String, String)> = after.iter().map(|f| (f.id.clone(), url_of(f))).collect();
    assert_eq!(now, before, "the same files at the same URLs");
    assert_eq!(after.iter().filter(|f| f.replaced == 1).count(), 1, "{after:?}");
    assert_eq!(fake.state.lock().unwrap().uploads, 3, "nothing uploaded anew");

    let sites: Value = serde_json::from_str(&folio_ok(&["site", "list", "--json"])).unwrap();
    let caps = &sites[0]["capabilities"];
    assert_eq!(
        (&caps["replace_in_place"], &caps["replace_keeps_id"], &caps["replace_keeps_url"]),
        (&Value::Bool(true), &Value::Bool(true), &Value::Bool(true)),
        "{sites}"
    );
    let words = folio_ok(&["site", "list"]);
    assert!(words.contains("re-edits keep their URL"), "{words}");

    assert!(!printed.contains(&token), "the token is never printed");
    support::assert_no_secret_in_db(&data, &[&token]);
}
