//! Files made to take a decoder down, through the real `folio` under a 3 GB address-space limit
//! (`ulimit -v`): each is a clear per-photo error, never a signal or an abort. `folio convert`
//! exits 1 naming the reason; `folio sync` of an album of bombs and real photos uploads the
//! photos to the real WordPress and lists each bomb as failed, twice in a row; and a file that
//! really crashes a decoder (rawler, asked to reserve a terabyte; folio-convert's
//! tests/isolation.rs shows it ends a process that decodes it in-process) ends only Folio's
//! decoder process.

mod support;

use folio_convert::bombs;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::{album_media, unique, wordpress};

/// 3 GB of address space, as the check runs it.
const LIMIT_KB: u64 = 3 * 1024 * 1024;

fn photos() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/photos")
}

/// `command` under `ulimit -v`.
fn limited(command: &Command) -> Command {
    let mut c = Command::new("bash");
    c.arg("-c")
        .arg(format!("ulimit -v {LIMIT_KB} && exec \"$@\""))
        .arg("bash")
        .arg(command.get_program())
        .args(command.get_args());
    for (k, v) in command.get_envs() {
        match v {
            Some(v) => c.env(k, v),
            None => c.env_remove(k),
        };
    }
    c
}

/// Every bomb, by file name.
fn all_bombs() -> Vec<(&'static str, Vec<u8>)> {
    let heic = std::fs::read(photos().join("heic/phone.heic")).unwrap();
    vec![
        ("strips-60000.dng", bombs::dng_strips(60_000, 60_000)),
        ("strips-20000.dng", bombs::dng_strips(20_000, 20_000)),
        ("tiles-linear.dng", bombs::dng_linear_tiles(30_000, 20_000)),
        ("huge.png", bombs::png(100_000, 100_000)),
        ("huge.tif", bombs::tiff(50_000, 50_000)),
        ("huge.gif", bombs::gif(65_535, 65_535)),
        ("huge.jpg", bombs::jpeg(65_535, 65_535)),
        ("huge.webp", bombs::webp(16_384, 16_384)),
        ("huge.heic", bombs::heif(&heic, 60_000, 60_000)),
    ]
}

fn exited_normally(out: &Output, what: &str) {
    use std::os::unix::process::ExitStatusExt;
    assert!(
        out.status.signal().is_none(),
        "{what}: ended by signal {:?}: {}",
        out.status.signal(),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn folio_convert_refuses_each_bomb_as_too_large_without_a_signal() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, bytes) in all_bombs() {
        let path = tmp.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let mut c = Command::new(env!("CARGO_BIN_EXE_folio"));
        c.arg("convert").arg(&path).arg("--out").arg(tmp.path().join("out")).arg("--json");
        let out = limited(&c).output().unwrap();
        exited_normally(&out, name);
        assert_eq!(out.status.code(), Some(1), "{name}");
        let line: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{name}: {e}: {}", String::from_utf8_lossy(&out.stdout)));
        assert_eq!(line["kind"], "too_large", "{name}: {line}");
        let error = line["error"].as_str().unwrap();
        assert!(error.starts_with("too large: "), "{name}: {error}");
    }
}

#[test]
fn a_decoder_that_crashes_takes_only_its_own_process() {
    let tmp = tempfile::tempdir().unwrap();
    let crash = tmp.path().join("IMG_0001.CR3");
    std::fs::write(&crash, bombs::cr3_metadata_box()).unwrap();
    let good = photos().join("raw/scene.dng");
    let out = tmp.path().join("out");
    let mut c = Command::new(env!("CARGO_BIN_EXE_folio"));
    c.arg("convert").arg(&crash).arg(&good).arg("--out").arg(&out).arg("--json");
    let run = limited(&c).output().unwrap();
    exited_normally(&run, "folio convert");
    assert_eq!(run.status.code(), Some(1));
    let lines: Vec<Value> = String::from_utf8_lossy(&run.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        matches!(lines[0]["kind"].as_str(), Some("too_large" | "crashed")),
        "the crash is the photo's error: {}",
        lines[0]
    );
    assert!(lines[0]["error"].as_str().unwrap().contains("decoder stopped"), "{}", lines[0]);
    assert!(out.join("scene.webp").exists(), "the next photo was still converted: {lines:?}");
}

#[test]
fn sync_uploads_the_photos_and_lists_each_bomb_as_failed_every_time() {
    let Some(site) = wordpress() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let name = unique("bombs");
    let album = tmp.path().join(&name);
    std::fs::create_dir_all(&album).unwrap();
    for (file, bytes) in all_bombs() {
        std::fs::write(album.join(file), bytes).unwrap();
    }
    std::fs::write(album.join("crash.cr3"), bombs::cr3_metadata_box()).unwrap();
    let real = ["orientation/landscape_1.jpg", "raw/scene.dng", "heic/phone.heic"];
    for r in real {
        std::fs::copy(photos().join(r), album.join(Path::new(r).file_name().unwrap())).unwrap();
    }
    site.connect_album(&data, &album);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    for pass in ["first", "second"] {
        let out = limited(&site.folio(&data, &["sync", "--json"])).output().unwrap();
        exited_normally(&out, pass);
        assert_eq!(out.status.code(), Some(1), "{pass}: some photos failed");
        let report: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{pass}: {e}: {}", String::from_utf8_lossy(&out.stderr)));
        let failed = report["failed"].as_array().unwrap();
        let mut names: Vec<&str> = failed.iter().map(|f| f["path"].as_str().unwrap()).collect();
        names.sort();
        let mut want: Vec<&str> = all_bombs().iter().map(|b| b.0).collect();
        want.push("crash.cr3");
        want.sort();
        assert_eq!(names, want, "{pass}: {report}");
        for f in failed {
            let error = f["error"].as_str().unwrap();
            assert!(
                error.contains("too large") || error.contains("decoder stopped"),
                "{pass}: {f}"
            );
        }
        if pass == "first" {
            assert_eq!(report["uploaded"], 3, "{report}");
        }
    }
    let media = runtime.block_on(album_media(&site.client(), &name));
    assert_eq!(media.len(), 3, "the real photos, once each: {media:?}");
}
