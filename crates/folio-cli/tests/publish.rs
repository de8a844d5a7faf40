//! `folio publish`, `unpublish` and `photos` against the real WordPress: the JSON shapes and
//! exit statuses of the contract, ids that stay across re-publishes, a copy lost on the site,
//! deletes that are confirmed only once done, and publishing while `folio watch` runs on the
//! same data folder.

mod support;

use folio_sites::{DeleteMode, Destination, RemoteId};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::Duration;
use support::{album_media, gradient_photo, unique, wordpress, Site};

fn answer(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn keys(v: &Value) -> BTreeSet<&str> {
    v.as_object().expect("an object").keys().map(String::as_str).collect()
}

fn set(names: &[&'static str]) -> BTreeSet<&'static str> {
    names.iter().copied().collect()
}

/// What the site answers for `url` itself: redirects are not followed, since WordPress answers
/// a deleted upload's address with a redirect to a page.
async fn status_of(url: &str) -> u16 {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build();
    let r = client.unwrap().get(format!("{url}?{}", unique("n"))).send().await.unwrap();
    r.status().as_u16()
}

/// An album folder named uniquely on the shared site, connected as "blog", and a folder of
/// renders outside it, as Lightroom leaves them.
struct Setup {
    _tmp: tempfile::TempDir,
    data: std::path::PathBuf,
    album: std::path::PathBuf,
    album_name: String,
    renders: std::path::PathBuf,
}

fn setup(site: &Site, prefix: &str) -> Setup {
    let tmp = tempfile::tempdir().unwrap();
    let album_name = unique(prefix);
    let album = tmp.path().join(&album_name);
    let renders = tmp.path().join("renders");
    std::fs::create_dir_all(&album).unwrap();
    std::fs::create_dir_all(&renders).unwrap();
    let data = tmp.path().join("data");
    site.connect_album(&data, &album);
    Setup { _tmp: tmp, data, album, album_name, renders }
}

impl Setup {
    fn run(&self, site: &Site, args: &[&str]) -> Output {
        site.folio(&self.data, args).output().unwrap()
    }

    fn render(&self, name: &str, shade: u8) -> String {
        let path = self.renders.join(name);
        gradient_photo(&path, shade);
        path.to_string_lossy().into_owned()
    }

    fn root(&self) -> String {
        self.album.to_string_lossy().into_owned()
    }

    async fn clean(&self, site: &Site) {
        let wp = site.client();
        for m in album_media(&wp, &self.album_name).await {
            let _ = wp.delete(&m.id, DeleteMode::Permanently).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn publish_and_photos_answer_as_the_contract_says_and_ids_stay_across_republishes() {
    let Some(site) = wordpress() else { return };
    let s = setup(&site, "pub");
    let root = s.root();
    let a = s.render("a.png", 10);
    let b = s.render("b.png", 200);
    let broken = s.renders.join("broken.png");
    std::fs::write(&broken, b"not a photo at all").unwrap();
    let broken = broken.to_string_lossy().into_owned();

    let out =
        s.run(&site, &["publish", "--album", &root, &a, &b, &broken, "--wait", "120", "--json"]);
    assert_eq!(out.status.code(), Some(1), "a failed photo makes it 1");
    let first = answer(&out);
    assert_eq!(keys(&first), set(&["photos"]));
    let photos = first["photos"].as_array().unwrap();
    assert_eq!(photos.len(), 3, "one entry per file, in order");
    for p in photos {
        assert_eq!(keys(p), set(&["path", "id", "state", "error", "sites"]), "{p}");
        for copy in p["sites"].as_array().unwrap() {
            assert_eq!(keys(copy), set(&["name", "url", "remote_id"]), "{copy}");
        }
    }
    assert_eq!(
        (photos[0]["path"].as_str(), photos[1]["path"].as_str()),
        (Some("a.png"), Some("b.png"))
    );
    for p in &photos[..2] {
        assert_eq!(p["state"], "published", "{p}");
        assert!(p["error"].is_null());
        assert_eq!(p["sites"][0]["name"], "blog");
        assert!(p["sites"][0]["remote_id"].is_string());
        assert_eq!(status_of(p["sites"][0]["url"].as_str().unwrap()).await, 200);
    }
    assert_ne!(photos[0]["id"], photos[1]["id"]);
    assert_eq!(photos[2]["state"], "failed");
    assert!(!photos[2]["error"].as_str().unwrap().is_empty());
    assert!(s.album.join("a.png").is_file(), "copied into the album folder");

    let out = s.run(&site, &["photos", "--album", &root, "--json"]);
    assert!(out.status.success());
    let listed = answer(&out);
    let listed = listed["photos"].as_array().unwrap();
    assert_eq!(listed.len(), 3);
    for p in listed {
        assert_eq!(keys(p), set(&["path", "id", "state", "changed", "sites"]), "{p}");
        for copy in p["sites"].as_array().unwrap() {
            assert_eq!(keys(copy), set(&["name", "state", "url"]), "{copy}");
        }
    }
    let a_listed = listed.iter().find(|p| p["path"] == "a.png").unwrap();
    assert_eq!(a_listed["id"], photos[0]["id"]);
    assert_eq!(
        (&a_listed["state"], &a_listed["changed"]),
        (&Value::from("published"), &Value::from(false))
    );
    assert_eq!(a_listed["sites"][0]["state"], "synced");

    // Re-published with new bytes: the same photo, the new version on the site.
    let before = album_media(&site.client(), &s.album_name).await.len();
    let a = s.render("a.png", 90);
    let out = s.run(&site, &["publish", "--album", &root, &a, "--wait", "120", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let again = answer(&out);
    assert_eq!(again["photos"][0]["id"], photos[0]["id"], "the id stays");
    let url = again["photos"][0]["sites"][0]["url"].as_str().unwrap().to_string();
    assert_eq!(support::served_sha(&url).await.len(), 64);
    assert_eq!(
        album_media(&site.client(), &s.album_name).await.len(),
        before + 1,
        "a new file without the companion plugin"
    );

    // The same bytes again: nothing is sent.
    let out = s.run(&site, &["publish", "--album", &root, &a, "--json"]);
    assert!(out.status.success());
    assert_eq!(answer(&out)["photos"][0]["sites"][0]["url"].as_str(), Some(url.as_str()));
    assert_eq!(album_media(&site.client(), &s.album_name).await.len(), before + 1);

    // A file that is not there is that photo's failure; an unknown album is a usage error.
    let gone = s.renders.join("gone.png").to_string_lossy().into_owned();
    let out = s.run(&site, &["publish", "--album", &root, &gone, "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(answer(&out)["photos"][0]["state"], "failed");
    let elsewhere = s.renders.to_string_lossy().into_owned();
    let out = s.run(&site, &["publish", "--album", &elsewhere, &a, "--json"]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    s.clean(&site).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn publishing_while_watch_runs_on_the_same_data_folder_uploads_each_photo_once() {
    let Some(site) = wordpress() else { return };
    let s = setup(&site, "pubwatch");
    let root = s.root();
    let mut watch = site
        .folio(&s.data, &["watch"])
        .env("FOLIO_RESCAN_SECS", "3600")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let files: Vec<String> =
        (0..6).map(|i| s.render(&format!("p{i}.png"), 30 * i as u8 + 5)).collect();
    let mut args = vec!["publish", "--album", &root, "--wait", "180", "--json"];
    args.extend(files.iter().map(String::as_str));
    let out = s.run(&site, &args);
    let published = answer(&out);
    assert!(out.status.success(), "{published}");
    let ids: BTreeSet<String> =
        published["photos"].as_array().unwrap().iter().map(|p| p["id"].to_string()).collect();
    assert_eq!(ids.len(), 6);
    let out = s.run(&site, &["photos", "--album", &root, "--json"]);
    assert!(out.status.success());
    let states: Vec<Value> =
        answer(&out)["photos"].as_array().unwrap().iter().map(|p| p["state"].clone()).collect();
    assert_eq!(states, vec![Value::from("published"); 6]);
    // Whatever the watcher was still doing with them is over by now.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let _ = watch.kill();
    let _ = watch.wait();
    let on_site = album_media(&site.client(), &s.album_name).await;
    let mut names: Vec<&str> = on_site.iter().map(|m| m.url.rsplit('/').next().unwrap()).collect();
    names.sort();
    assert_eq!(on_site.len(), 6, "each photo once, whichever process sent it: {names:?}");
    s.clean(&site).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_copy_deleted_on_the_site_is_missing_and_goes_up_again() {
    let Some(site) = support::wordpress_with_companion() else { return };
    let s = setup(&site, "publost");
    let root = s.root();
    let a = s.render("lost.png", 70);
    let out = s.run(&site, &["publish", "--album", &root, &a, "--wait", "120", "--json"]);
    assert!(out.status.success());
    let published = answer(&out);
    let id = published["photos"][0]["id"].to_string();
    let remote = published["photos"][0]["sites"][0]["remote_id"].as_str().unwrap().to_string();
    site.client().delete(&RemoteId(remote), DeleteMode::Permanently).await.unwrap();

    let out = s.run(&site, &["photos", "--album", &root, &id, "--json"]);
    let seen = answer(&out);
    assert_eq!(seen["photos"][0]["state"], "missing", "{seen}");
    assert_eq!(seen["photos"][0]["sites"][0]["state"], "missing");
    let out = s.run(&site, &["publish", "--album", &root, &a, "--wait", "120", "--json"]);
    let again = answer(&out);
    assert!(out.status.success(), "{again}");
    assert_eq!(again["photos"][0]["id"].to_string(), id);
    let url = again["photos"][0]["sites"][0]["url"].as_str().unwrap();
    assert_eq!(status_of(url).await, 200, "uploaded again");
    let out = s.run(&site, &["photos", "--album", &root, &id, "--json"]);
    assert_eq!(answer(&out)["photos"][0]["state"], "published");
    s.clean(&site).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn unpublish_confirms_only_what_left_the_sites_and_deletes_only_copies_publish_made() {
    let Some(site) = wordpress() else { return };
    let s = setup(&site, "unpub");
    let root = s.root();
    let a = s.render("a.png", 15);
    let b = s.render("b.png", 160);
    gradient_photo(&s.album.join("own.png"), 60);
    let own = s.album.join("own.png").to_string_lossy().into_owned();
    let out = s.run(&site, &["publish", "--album", &root, &a, &b, &own, "--wait", "120", "--json"]);
    let published = answer(&out);
    assert!(out.status.success(), "{published}");
    let id = |i: usize| published["photos"][i]["id"].to_string();
    let url = |i: usize| published["photos"][i]["sites"][0]["url"].as_str().unwrap().to_string();
    assert_eq!(published["photos"][2]["path"], "own.png", "taken where it is");

    // Into the trash, which this WordPress does not have: not removed, and it says why.
    let out = s.run(&site, &["album", "set", &root, "--delete-policy", "trash"]);
    assert!(out.status.success());
    let out = s.run(&site, &["unpublish", "--album", &root, &id(0), "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let refused = answer(&out);
    assert_eq!(keys(&refused["photos"][0]), set(&["id", "state", "error"]));
    assert_eq!(refused["photos"][0]["state"], "failed");
    assert!(refused["photos"][0]["error"].as_str().unwrap().contains("trash"), "{refused}");
    assert_eq!(status_of(&url(0)).await, 200, "still on the site");

    let out = s.run(&site, &["album", "set", &root, "--delete-policy", "permanent"]);
    assert!(out.status.success());
    let out = s.run(&site, &["unpublish", "--album", &root, &id(0), "b.png", "--json"]);
    let removed = answer(&out);
    assert!(out.status.success(), "{removed}");
    assert_eq!(removed["photos"][0]["id"].to_string(), id(0));
    assert_eq!(removed["photos"][1]["id"].to_string(), id(1));
    for i in 0..2 {
        assert_eq!(removed["photos"][i]["state"], "removed");
        assert_ne!(status_of(&url(i)).await, 200, "gone from the site once confirmed");
    }
    assert!(!s.album.join("a.png").exists() && !s.album.join("b.png").exists());
    let out = s.run(&site, &["unpublish", "--album", &root, &id(0), "--json"]);
    assert!(out.status.success(), "asking again is harmless");
    assert_eq!(answer(&out)["photos"][0]["state"], "removed");

    // The photographer's own file stays, and so does its copy on the site.
    let out = s.run(&site, &["unpublish", "--album", &root, &own, "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(answer(&out)["photos"][0]["state"], "failed");
    assert!(s.album.join("own.png").is_file());
    assert_eq!(status_of(&url(2)).await, 200);
    let out = s.run(&site, &["unpublish", "--album", &root, "987654321", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(answer(&out)["photos"][0]["id"].is_null());
    s.clean(&site).await;
}

#[test]
fn lr_plugin_writes_the_plugin_set_to_run_this_folio() {
    let tmp = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_folio"))
        .args(["lr-plugin", "--out"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let plugin = tmp.path().join("folio.lrplugin");
    assert!(plugin.join("Info.lua").is_file());
    let location = std::fs::read_to_string(plugin.join("FolioLocation.lua")).unwrap();
    let this = Path::new(env!("CARGO_BIN_EXE_folio")).canonicalize().unwrap();
    assert!(location.contains(&*this.to_string_lossy()), "{location}");
}
