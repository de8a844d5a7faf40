//! End to end: `folio` syncs the sample photos into the real WordPress from
//! tests/wordpress/start.sh, and everything is read back through WordPress's REST API.

mod support;

use folio_sites::DeleteMode;
use folio_sites::{Destination, RemoteMedia};
use serde_json::Value;
use std::path::{Path, PathBuf};
use support::{album_media, unique, wordpress, Site};

fn samples() -> Option<PathBuf> {
    let root = std::env::var_os("FOLIO_SAMPLE_PHOTOS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/photos"));
    root.is_dir().then_some(root).or_else(|| {
        eprintln!("SKIP: no sample photos (set FOLIO_SAMPLE_PHOTOS)");
        None
    })
}

struct Folio<'a> {
    data: PathBuf,
    wp: &'a Site,
}

impl Folio<'_> {
    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = self.wp.folio(&self.data, args).output().unwrap();
        let text = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
        (out.status.code().unwrap(), text(out.stdout), text(out.stderr))
    }

    fn sync(&self) -> (i32, Value) {
        let (code, out, err) = self.run(&["sync", "--json"]);
        (code, serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}")))
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        if folio_convert::has_image_extension(&p) {
            std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
        }
    }
}

fn find<'a>(media: &'a [RemoteMedia], name: &str) -> &'a RemoteMedia {
    media
        .iter()
        .find(|m| m.url.ends_with(&format!("-{name}.webp")))
        .unwrap_or_else(|| panic!("no attachment for {name}"))
}

async fn served(url: &str) -> Vec<u8> {
    reqwest::get(url).await.unwrap().bytes().await.unwrap().to_vec()
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_a_folder_into_a_real_wordpress() {
    let (Some(env), Some(samples)) = (wordpress(), samples()) else { return };
    let tmp = tempfile::tempdir().unwrap();
    let album_name = unique("e2e");
    let album = tmp.path().join(&album_name);
    for sub in ["orientation", "gps", "xmp", "cameras", "invalid", "heic"] {
        copy_dir(&samples.join(sub), &album.join(sub));
    }
    // A photo with no metadata at all: its alt text must fall back to its file name.
    std::fs::create_dir_all(album.join("plain")).unwrap();
    image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8 * 4, y as u8 * 5, 99]))
        .save(album.join("plain/Harbour_at-dusk.png"))
        .unwrap();
    // What should succeed: everything the converter accepts.
    let mut expected_ok = 0;
    let mut expected_failed = Vec::new();
    for sub in ["orientation", "gps", "xmp", "cameras", "invalid", "heic", "plain"] {
        for e in std::fs::read_dir(album.join(sub)).unwrap() {
            let p = e.unwrap().path();
            match folio_convert::convert_file(&p, &folio_convert::Preset::default()) {
                Ok(_) => expected_ok += 1,
                Err(_) => expected_failed
                    .push(format!("{sub}/{}", p.file_name().unwrap().to_string_lossy())),
            }
        }
    }
    expected_failed.sort();

    let folio = Folio { data: tmp.path().join("data"), wp: &env };
    let (code, out, err) =
        folio.run(&["site", "add", "blog", "--wordpress", &env.url, "--user", &env.user]);
    assert_eq!(code, 0, "{out}{err}");
    let album_arg = album.to_string_lossy().into_owned();
    let (code, out, err) = folio.run(&[
        "album",
        "add",
        &album_arg,
        "--site",
        "blog",
        "--naming",
        "{album}-{filename}",
    ]);
    assert_eq!(code, 0, "{out}{err}");

    // First sync: every valid photo once, every invalid one reported.
    let (code, report) = folio.sync();
    assert_eq!(code, 1, "some photos are invalid, so the exit status says so");
    assert_eq!(report["uploaded"], expected_ok, "{report}");
    let failed: Vec<&str> =
        report["failed"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(failed, expected_failed, "{report}");
    assert!(report["failed"][0]["error"].as_str().unwrap().len() > 10);

    let wp = env.client();
    let media = album_media(&wp, &album_name).await;
    assert_eq!(media.len(), expected_ok, "exactly one attachment per valid photo");
    let mut slugs: Vec<&str> = media.iter().map(|m| m.key.as_str()).collect();
    slugs.dedup();
    assert_eq!(slugs.len(), media.len());

    // Upright, web-sized, no GPS, with titles and alt text from the photo's metadata.
    for (name, landscape) in
        [("landscape-6", true), ("landscape-8", true), ("portrait-6", false), ("portrait-3", false)]
    {
        let img = image::load_from_memory(&served(&find(&media, name).url).await).unwrap();
        assert_eq!(
            img.width() > img.height(),
            landscape,
            "{name} is {}×{}",
            img.width(),
            img.height()
        );
    }
    let big = image::load_from_memory(&served(&find(&media, "reconyx-hc500-hyperfire").url).await)
        .unwrap();
    assert!(big.width().max(big.height()) <= 2560);
    for m in media.iter().filter(|m| m.url.contains("-dscn")) {
        let bytes = served(&m.url).await;
        let exif = exif::Reader::new().read_from_container(&mut std::io::Cursor::new(&bytes));
        assert!(
            !exif.is_ok_and(|e| e.fields().any(|f| f.tag.context() == exif::Context::Gps)),
            "{} has GPS",
            m.url
        );
    }
    let blue = find(&media, "bluesquare");
    assert_eq!(blue.title, "Blue Square Test File - .jpg");
    assert_eq!(blue.alt_text, "Blue Square Test File - .jpg");
    let plain = find(&media, "harbour-at-dusk");
    assert_eq!(plain.alt_text, "Harbour at dusk", "alt falls back to a readable file name");

    // Again: nothing to do.
    let (_, report) = folio.sync();
    assert_eq!(
        (report["uploaded"].as_u64(), report["replaced"].as_u64()),
        (Some(0), Some(0)),
        "{report}"
    );
    assert_eq!(report["unchanged"], expected_ok);

    // A re-export (new bytes, same name) replaces; without the companion plugin that is a new
    // attachment, and the old one is left for pages that use it.
    std::fs::copy(album.join("orientation/landscape_1.jpg"), album.join("gps/DSCN0012.jpg"))
        .unwrap();
    let (_, report) = folio.sync();
    assert_eq!(
        (report["uploaded"].as_u64(), report["replaced"].as_u64()),
        (Some(0), Some(1)),
        "{report}"
    );

    // A rename uploads nothing.
    std::fs::rename(
        album.join("orientation/portrait_2.jpg"),
        album.join("orientation/renamed.jpg"),
    )
    .unwrap();
    let (_, report) = folio.sync();
    assert_eq!(
        (report["uploaded"].as_u64(), report["replaced"].as_u64()),
        (Some(0), Some(0)),
        "{report}"
    );

    // A delete keeps the photo on the site (default policy).
    let kept = find(&media, "no-exif").clone();
    std::fs::remove_file(album.join("xmp/no_exif.jpg")).unwrap();
    let (_, report) = folio.sync();
    assert_eq!(report["removed"], 1, "{report}");
    assert!(
        wp.find_by_slug(&kept.key).await.unwrap().is_some(),
        "deleting the source must not delete the copy"
    );

    let after = album_media(&wp, &album_name).await;
    assert_eq!(after.len(), expected_ok + 1, "only the re-export added an attachment");

    let (code, out, _) = folio.run(&["status", "--json"]);
    assert_eq!(code, 0);
    let status: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(status["albums"][0]["synced"], expected_ok - 1, "{status}");
    assert_eq!(status["albums"][0]["pending"], 0);

    // Clean up what this run put on the shared test site.
    for m in after {
        wp.delete(&m.id, DeleteMode::Permanently).await.unwrap();
    }
}
