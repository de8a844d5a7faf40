//! `folio convert` and `folio thumbnail` as a script would call them.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn folio(args: &[&str]) -> (i32, Vec<Value>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_folio")).args(args).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines = stdout.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    (out.status.code().unwrap(), lines, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn photo(path: &Path, w: u32, h: u32) {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([x as u8, y as u8, 128]));
    img.save_with_format(path, image::ImageFormat::Png).unwrap();
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn json_reports_each_file_and_exit_code_says_if_any_failed() {
    let dir = tempfile::tempdir().unwrap();
    let (good, bad, out) =
        (dir.path().join("good.png"), dir.path().join("bad.jpg"), dir.path().join("out"));
    photo(&good, 300, 200);
    std::fs::write(&bad, b"not a photo").unwrap();

    let (code, lines, _) =
        folio(&["convert", s(&good), "--out", s(&out), "--max-edge", "100", "--json"]);
    assert_eq!(code, 0);
    let done = &lines[0];
    assert_eq!(done["input"], s(&good));
    assert_eq!(done["output"], s(&out.join("good.webp")));
    assert_eq!((done["width"].as_u64(), done["height"].as_u64()), (Some(100), Some(67)));
    assert_eq!(
        done["bytes"].as_u64().unwrap(),
        std::fs::metadata(out.join("good.webp")).unwrap().len()
    );
    assert!(done["ms"].is_u64());

    let (code, lines, _) = folio(&["convert", s(&good), s(&bad), "--out", s(&out), "--json"]);
    assert_eq!(code, 1);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["input"], s(&bad));
    assert_eq!(lines[1]["kind"], "unsupported");
    assert!(lines[1]["error"].as_str().unwrap().len() > 5);
}

#[test]
fn usage_errors_exit_two() {
    let (code, _, stderr) = folio(&["convert", "x.jpg", "--out", "/tmp/x", "--format", "bmp"]);
    assert_eq!(code, 2, "{stderr}");
    let (code, _, _) = folio(&["convert", "x.jpg", "--out", "/tmp/x", "--quality", "0"]);
    assert_eq!(code, 2);
    let (code, _, _) = folio(&["convert", "--out", "/tmp/x"]);
    assert_eq!(code, 2);
}

#[test]
fn same_names_get_distinct_outputs_and_sources_are_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("a")).unwrap();
    std::fs::create_dir_all(dir.path().join("b")).unwrap();
    let (a, b) = (dir.path().join("a/photo.png"), dir.path().join("b/photo.png"));
    photo(&a, 40, 30);
    photo(&b, 40, 30);
    let before = std::fs::read(&a).unwrap();
    // Output into a's own folder in "original" format: photo.png must not be replaced.
    let out = dir.path().join("a");
    let (code, lines, _) =
        folio(&["convert", s(&a), s(&b), "--out", s(&out), "--format", "original", "--json"]);
    assert_eq!(code, 0);
    let outputs: Vec<&str> = lines.iter().map(|l| l["output"].as_str().unwrap()).collect();
    assert_eq!(outputs, vec![s(&out.join("photo-2.png")), s(&out.join("photo-3.png"))]);
    assert_eq!(std::fs::read(&a).unwrap(), before, "source file was modified");
}

#[test]
fn thumbnails_fit_the_requested_size() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("wide.png");
    photo(&src, 1000, 400);
    let out = dir.path().join("thumbs");
    let (code, lines, _) =
        folio(&["thumbnail", s(&src), "--out", s(&out), "--size", "200", "--json"]);
    assert_eq!(code, 0);
    assert_eq!((lines[0]["width"].as_u64(), lines[0]["height"].as_u64()), (Some(200), Some(80)));
    assert!(out.join("wide.jpg").exists());
}
