//! A photo's version history against the real WordPress with the companion plugin: two
//! versions pushed, the first restored in place (same item, same URL, its bytes served again),
//! auto-sync leaving it alone, and the next edit in the folder going up again.

mod support;

use serde_json::Value;
use std::path::Path;
use support::{album_media, gradient_photo, served_sha, unique, wordpress_with_companion, Site};

fn run(site: &Site, data: &Path, args: &[&str]) -> (bool, String, String) {
    let out = site.folio(data, args).output().unwrap();
    let text = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
    (out.status.success(), text(out.stdout), text(out.stderr))
}

fn sync(site: &Site, data: &Path) -> Value {
    let (_, out, err) = run(site, data, &["sync", "--json"]);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}"))
}

fn history(site: &Site, data: &Path, photo: &Path) -> Vec<Value> {
    let (ok, out, err) = run(site, data, &["history", photo.to_str().unwrap(), "--json"]);
    assert!(ok, "{err}");
    serde_json::from_str::<Vec<Value>>(&out).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_earlier_version_goes_back_in_place_and_the_next_edit_goes_up_again() {
    let Some(site) = wordpress_with_companion() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let name = unique("hist");
    let album = tmp.path().join(&name);
    std::fs::create_dir_all(&album).unwrap();
    let photo = album.join("dusk.png");
    gradient_photo(&photo, 10);
    site.connect_album(&data, &album);
    assert_eq!(sync(&site, &data)["uploaded"], 1);
    let wp = site.client();
    let first = album_media(&wp, &name).await;
    assert_eq!(first.len(), 1);
    let (id, url) = (first[0].id.clone(), first[0].url.clone());
    let v1 = served_sha(&url).await;

    gradient_photo(&photo, 200);
    assert_eq!(sync(&site, &data)["replaced"], 1);
    let v2 = served_sha(&url).await;
    assert_ne!(v1, v2);

    let versions = history(&site, &data, &photo);
    assert_eq!(versions.len(), 2, "{versions:?}");
    assert_eq!(
        (&versions[0]["version"], &versions[0]["reason"]),
        (&Value::from(1), &Value::from("first upload"))
    );
    assert_eq!(
        (&versions[1]["version"], &versions[1]["reason"]),
        (&Value::from(2), &Value::from("changed in the folder"))
    );
    assert_eq!(versions[1]["sites"], serde_json::json!(["blog"]));
    assert!(versions[0]["pushed_at"].as_str().unwrap().starts_with("20"), "{versions:?}");

    // A path relative to the current folder names the same photo.
    let (ok, out, err) = site
        .folio(&data, &["restore", "dusk.png", "--version", "1"])
        .current_dir(&album)
        .output()
        .map(|o| {
            (
                o.status.success(),
                String::from_utf8_lossy(&o.stdout).into_owned(),
                String::from_utf8_lossy(&o.stderr).into_owned(),
            )
        })
        .unwrap();
    assert!(ok && out.contains("Restored version 1"), "{out}{err}");
    assert_eq!(served_sha(&url).await, v1, "the same URL serves version 1 again");
    let now = album_media(&wp, &name).await;
    assert_eq!((now.len(), &now[0].id, &now[0].url), (1, &id, &url), "same item, same URL");

    // Auto-sync leaves the restored photo alone…
    let again = sync(&site, &data);
    assert_eq!(
        (again["uploaded"].as_u64(), again["replaced"].as_u64()),
        (Some(0), Some(0)),
        "{again}"
    );
    assert_eq!(served_sha(&url).await, v1);
    let listed = history(&site, &data, &photo);
    let mut keys: Vec<&String> = listed[0].as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["pushed_at", "reason", "sites", "version"], "the contract's fields only");
    let (_, text, _) = run(&site, &data, &["history", photo.to_str().unwrap()]);
    assert!(text.lines().next().unwrap().contains("(restored "), "{text}");

    // …until it changes in the folder.
    gradient_photo(&photo, 120);
    assert_eq!(sync(&site, &data)["replaced"], 1);
    let v3 = served_sha(&url).await;
    assert!(v3 != v1 && v3 != v2);
    assert_eq!(history(&site, &data, &photo).len(), 3);

    let (ok, _, err) = run(&site, &data, &["restore", photo.to_str().unwrap(), "--version", "9"]);
    assert!(!ok && err.contains("has no version 9 (it has 1, 2, 3)"), "{err}");
}
