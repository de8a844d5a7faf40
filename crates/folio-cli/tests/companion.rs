//! The CLI against the WordPress with the companion plugin (`FOLIO_WPC_*`): a changed photo is
//! replaced in place, a change of format falls back to a new upload and says so, `reconcile`
//! rebuilds a lost data folder without uploading, `watch` keeps the URL, and `wp-plugin` writes
//! exactly the plugin that these tests ran against.

mod support;

use folio_sites::DeleteMode;
use folio_sites::Destination;
use std::path::Path;
use std::time::{Duration, Instant};
use support::{album_media, gradient_photo as photo, served_sha, unique, wordpress_with_companion};

fn json(out: std::process::Output) -> serde_json::Value {
    assert!(
        out.status.code() == Some(0),
        "folio failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn counts(report: &serde_json::Value) -> (u64, u64, u64) {
    let n = |k: &str| report[k].as_u64().unwrap();
    (n("uploaded"), n("replaced"), n("unchanged"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_changed_photo_keeps_its_url_and_a_new_format_falls_back_with_a_warning() {
    let Some(site) = wordpress_with_companion() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let name = unique("inplace");
    let album = tmp.path().join(&name);
    std::fs::create_dir_all(&album).unwrap();
    photo(&album.join("harbour.png"), 10);
    photo(&album.join("pier.png"), 60);
    let data = tmp.path().join("data");
    let folio = |args: &[&str]| site.folio(&data, args);
    site.connect_album(&data, &album);
    let root = album.to_string_lossy().into_owned();
    let sites = folio(&["site", "list"]).output().unwrap();
    assert!(String::from_utf8_lossy(&sites.stdout).contains("replaces in place"));
    let listed = folio(&["album", "list"]).output().unwrap();
    assert!(String::from_utf8_lossy(&listed.stdout).contains("blog (in place)"));
    assert_eq!(counts(&json(folio(&["sync", "--json"]).output().unwrap())), (2, 0, 0));
    let wp = site.client();
    let before = album_media(&wp, &name).await;
    let harbour = before.iter().find(|m| m.url.contains("-harbour")).unwrap().clone();
    let old_sha = served_sha(&harbour.url).await;

    photo(&album.join("harbour.png"), 200); // re-exported after a new grade
    assert_eq!(counts(&json(folio(&["sync", "--json"]).output().unwrap())), (0, 1, 1));
    let after = album_media(&wp, &name).await;
    assert_eq!(after.len(), 2, "no new attachment");
    let now = after.iter().find(|m| m.id == harbour.id).expect("same attachment id");
    assert_eq!(now.url, harbour.url, "same URL");
    assert_ne!(served_sha(&harbour.url).await, old_sha, "the new version is served");

    // WebP → JPEG cannot keep a .webp URL: each photo goes up as a new item, and Folio says so.
    assert!(folio(&["album", "set", &root, "--format", "jpeg"]).status().unwrap().success());
    assert_eq!(counts(&json(folio(&["sync", "--json"]).output().unwrap())), (0, 2, 0));
    let mixed = album_media(&wp, &name).await;
    assert_eq!(mixed.len(), 4, "the old items stay for pages that use them");
    assert_eq!(mixed.iter().filter(|m| m.url.ends_with(".jpg")).count(), 2);
    let activity = folio(&["activity"]).output().unwrap();
    let activity = String::from_utf8_lossy(&activity.stdout);
    assert!(
        activity.contains("could not replace") && activity.contains("uploaded as a new file"),
        "{activity}"
    );
    for m in mixed {
        wp.delete(&m.id, DeleteMode::Permanently).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn reconcile_rebuilds_a_lost_data_folder_and_the_next_sync_uploads_nothing() {
    let Some(site) = wordpress_with_companion() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let name = unique("reconcile");
    let album = tmp.path().join(&name);
    std::fs::create_dir_all(album.join("day2")).unwrap();
    for (i, f) in ["a.png", "b.png", "day2/c.png"].iter().enumerate() {
        photo(&album.join(f), 30 * i as u8);
    }
    let first = tmp.path().join("data");
    site.connect_album(&first, &album);
    assert_eq!(counts(&json(site.folio(&first, &["sync", "--json"]).output().unwrap())), (3, 0, 0));

    std::fs::remove_dir_all(&first).unwrap(); // the laptop was replaced
    let fresh = tmp.path().join("data-new");
    site.connect_album(&fresh, &album);
    let r = json(site.folio(&fresh, &["reconcile", "--site", "blog", "--json"]).output().unwrap());
    assert_eq!(r["matched"], 3, "{r}");
    assert_eq!(r["missing"], 0, "{r}");
    let again = json(site.folio(&fresh, &["sync", "--json"]).output().unwrap());
    assert_eq!(counts(&again), (0, 0, 3), "nothing uploaded after reconcile: {again}");
    let wp = site.client();
    let items = album_media(&wp, &name).await;
    assert_eq!(items.len(), 3);
    for m in items {
        wp.delete(&m.id, DeleteMode::Permanently).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn watch_shows_a_rewritten_photo_at_the_same_url() {
    let Some(site) = wordpress_with_companion() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let name = unique("wlive");
    let album = tmp.path().join(&name);
    std::fs::create_dir_all(&album).unwrap();
    photo(&album.join("live.png"), 0);
    let data = tmp.path().join("data");
    let folio = |args: &[&str]| site.folio(&data, args);
    site.connect_album(&data, &album);
    assert_eq!(counts(&json(folio(&["sync", "--json"]).output().unwrap())), (1, 0, 0));
    let wp = site.client();
    let item = album_media(&wp, &name).await.pop().unwrap();
    let mut child = folio(&["watch"])
        .env("FOLIO_RESCAN_SECS", "3600")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut seen = served_sha(&item.url).await;
    for edit in 1..=3u8 {
        photo(&album.join("live.png"), edit * 50);
        let started = Instant::now();
        loop {
            let now = served_sha(&item.url).await;
            if now != seen {
                seen = now;
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(30), "edit {edit} never served");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        eprintln!("edit {edit} served at the same URL after {:?}", started.elapsed());
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let items = album_media(&wp, &name).await;
    assert_eq!(items.len(), 1, "still one attachment");
    wp.delete(&items[0].id, DeleteMode::Permanently).await.unwrap();
}

#[test]
fn wp_plugin_writes_the_plugin_these_tests_ran_against() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("folio-companion.zip");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_folio"))
        .args(["wp-plugin", "--out"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let plugin = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../wordpress-plugin");
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&out).unwrap()).unwrap();
    let mut names = Vec::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut bytes).unwrap();
        let on_disk = std::fs::read(plugin.join(entry.name())).unwrap();
        assert_eq!(bytes, on_disk, "{} differs from the repository", entry.name());
        names.push(entry.name().to_string());
    }
    let mut in_repo: Vec<String> = walk(&plugin.join("folio-companion"))
        .into_iter()
        .map(|p| p.strip_prefix(&plugin).unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    in_repo.sort();
    assert_eq!(names, in_repo, "the zip holds every plugin file and nothing else");
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
