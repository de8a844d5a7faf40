//! The Lightroom plug-in's tests (lightroom-plugin/tests/run.lua) under lua5.1, driving this
//! build's `folio` against the real WordPress, with and without the companion plugin: Publish
//! records one id and the right URL per photo (virtual copies and RAW+JPEG halves apart), a
//! failed photo is Lightroom's uploadFailed, re-publishing keeps the URL where the site can,
//! Refresh marks a photo the site lost and nothing else, and Delete is confirmed only once the
//! copy is gone.

mod support;

use folio_sites::{DeleteMode, Destination};
use std::path::Path;
use std::process::Command;
use support::{album_media, gradient_photo, unique, wordpress, wordpress_with_companion};

fn lua_available() -> bool {
    Command::new("lua5.1").arg("-v").output().is_ok_and(|o| o.status.success())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_lightroom_plugin_publishes_refreshes_and_deletes_on_the_real_wordpress() {
    let (Some(plain), Some(companion)) = (wordpress(), wordpress_with_companion()) else {
        return;
    };
    if !lua_available() {
        assert!(
            std::env::var_os("FOLIO_REQUIRE_WP").is_none(),
            "lua5.1 is missing (scripts/setup.sh test installs it)"
        );
        eprintln!("SKIP: no lua5.1");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    for (name, site) in [("plain", &plain), ("companion", &companion)] {
        let out = site
            .folio(&data, &["site", "add", name, "--wordpress", &site.url, "--user", &site.user])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let photos = tmp.path().join("photos");
    std::fs::create_dir_all(&photos).unwrap();
    for (name, shade) in [("a", 10), ("a2", 90), ("b", 150), ("c", 200)] {
        gradient_photo(&photos.join(format!("{name}.png")), shade);
    }
    std::fs::write(photos.join("broken.png"), b"not a picture").unwrap();
    let scratch = tmp.path().join("scratch");
    std::fs::create_dir_all(&scratch).unwrap();
    let run = unique("lr");
    let plugin = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../lightroom-plugin");
    let out = Command::new("lua5.1")
        .arg(plugin.join("tests/run.lua"))
        .env("FOLIO_BIN", env!("CARGO_BIN_EXE_folio"))
        .env("FOLIO_DATA_DIR", &data)
        .env("FOLIO_SECRETS", "file")
        .env("FOLIO_LR_PHOTOS", &photos)
        .env("FOLIO_LR_TMP", &scratch)
        .env("FOLIO_LR_SITES", "plain companion")
        .env("FOLIO_LR_RUN", &run)
        .output()
        .unwrap();
    let said =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    eprintln!("{said}");
    // What the run left on the shared sites (a replaced photo's older copy on the plain one).
    for site in [&plain, &companion] {
        let wp = site.client();
        for m in album_media(&wp, &run).await {
            let _ = wp.delete(&m.id, DeleteMode::Permanently).await;
        }
    }
    assert!(out.status.success(), "the plug-in's tests failed:\n{said}");
    assert!(
        said.contains("ok      Publish, Refresh and Delete with Folio on the companion WordPress")
    );
}
