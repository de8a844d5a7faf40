//! HEIC, HEIF and AVIF input through libheif, on the files in `tests/photos/heic` (made with
//! libheif's own `heif-enc` from the repository's JPEGs, and with HEIF's own rotation and
//! mirroring added by `make-transformed.py`; see the README there).

mod support;

use folio_convert::{
    convert_file, probe_file, thumbnail_file, ErrorKind, OutputFormat, Preset, THUMBNAIL_EDGE,
};
use image::RgbaImage;
use std::path::Path;
use support::{decode, mean_diff, sample_dir};

fn webp() -> Preset {
    Preset { format: OutputFormat::Webp, quality: 95, ..Preset::default() }
}

fn centre(bytes: &[u8]) -> [u8; 3] {
    let img = decode(bytes);
    let p = img.get_pixel(img.width() / 2, img.height() / 2);
    [p[0], p[1], p[2]]
}

fn close(got: [u8; 3], want: [u8; 3], tolerance: i32) -> bool {
    (0..3).all(|c| (got[c] as i32 - want[c] as i32).abs() <= tolerance)
}

#[test]
fn a_heic_photo_converts_at_its_size_with_its_metadata() {
    let Some(dir) = sample_dir("heic") else { return };
    let p = probe_file(&dir.join("phone.heic")).unwrap();
    assert_eq!((p.width, p.height), (600, 450));
    let r = convert_file(&dir.join("phone.heic"), &webp()).unwrap();
    assert_eq!((r.width, r.height, r.extension), (600, 450, "webp"));
    // The same scene as the JPEG it was made from (HEVC is lossy: a small difference).
    let jpeg =
        decode(&std::fs::read(sample_dir("orientation").unwrap().join("landscape_1.jpg")).unwrap());
    let diff = support::mean_diff(&decode(&r.bytes), &jpeg, 600, 450);
    assert!(diff < 6.0, "not the same picture: mean difference {diff}");

    let xmp = probe_file(&dir.join("xmp.heic")).unwrap().meta;
    assert_eq!(
        xmp.title.as_deref(),
        Some("Blue Square Test File - .jpg"),
        "XMP from the HEIF item"
    );
    assert_eq!(xmp.keywords, vec!["XMP", "Blue Square", "test file", "Photoshop", ".jpg"]);
    let r = convert_file(&dir.join("xmp.heic"), &webp()).unwrap();
    let out = tempfile::tempdir().unwrap().keep().join("xmp.webp");
    std::fs::write(&out, &r.bytes).unwrap();
    assert_eq!(probe_file(&out).unwrap().meta.title, xmp.title, "carried on into the rendition");
}

#[test]
fn exif_orientation_is_not_applied_on_top_of_heifs_own() {
    // heif-enc kept the JPEG's EXIF (Orientation 6) but stored the pixels as they were, with no
    // rotation of HEIF's own: HEIF says EXIF's orientation is then informative only.
    let Some(dir) = sample_dir("heic") else { return };
    let p = probe_file(&dir.join("exif-orientation-6.heic")).unwrap();
    assert_eq!(p.meta.orientation, 1);
    let r = convert_file(&dir.join("exif-orientation-6.heic"), &webp()).unwrap();
    assert_eq!((r.width, r.height), (450, 600), "turned a second time");
}

#[test]
fn display_p3_heic_is_converted_to_srgb() {
    let Some(dir) = sample_dir("heic") else { return };
    // p3.heic: a flat (60, 200, 60) tagged with a Display P3 (D50) profile.
    let expected = support::expected_srgb([60, 200, 60], support::P3_D50);
    assert!(!close(expected, [60, 200, 60], 15), "P3 and sRGB must differ for this colour");
    let r = convert_file(&dir.join("p3.heic"), &webp()).unwrap();
    let got = centre(&r.bytes);
    assert!(close(got, expected, 8), "got {got:?}, expected {expected:?}");
}

#[test]
fn ten_bit_heic_and_avif_input_convert() {
    let Some(dir) = sample_dir("heic") else { return };
    // 10bit.heic: a flat 20%, 60%, 30% from a 16-bit PNG, encoded at 10 bits.
    let r = convert_file(&dir.join("10bit.heic"), &webp()).unwrap();
    assert_eq!((r.width, r.height), (96, 64));
    let got = centre(&r.bytes);
    assert!(close(got, [51, 153, 77], 6), "got {got:?}");
    let avif = convert_file(&dir.join("small.avif"), &webp()).unwrap();
    assert_eq!((avif.width, avif.height), (450, 600));
}

#[test]
fn heic_sent_as_original_becomes_jpeg_and_a_broken_one_is_a_typed_error() {
    let Some(dir) = sample_dir("heic") else { return };
    let original = Preset { format: OutputFormat::Original, ..Preset::default() };
    let r = convert_file(&dir.join("phone.heic"), &original).unwrap();
    assert_eq!((r.extension, r.mime), ("jpg", "image/jpeg"), "browsers do not show HEIC");
    let e = convert_file(&dir.join("truncated.heic"), &webp()).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Corrupt, "{e}");
    assert!(e.to_string().contains("truncated.heic"), "{e}");
}

/// Files whose primary image carries `irot` and `imir` (names as in the README there).
const TRANSFORMED: [&str; 7] =
    ["irot-90", "irot-180", "irot-270", "imir-0", "imir-1", "irot-90-imir-0", "iphone-grid"];

/// libheif's own rendering of `name`: heif-convert's PNG made now when it is installed, else the
/// one it made when the file was generated (`upright/`), so the check runs without it too.
fn upright(dir: &Path, name: &str) -> RgbaImage {
    let out = tempfile::tempdir().unwrap();
    let png = out.path().join(format!("{name}.png"));
    let made = std::process::Command::new("heif-convert")
        .arg(dir.join(format!("{name}.heic")))
        .arg(&png)
        .output()
        .is_ok_and(|o| o.status.success());
    let png = if made { png } else { dir.join("upright").join(format!("{name}.png")) };
    decode(&std::fs::read(png).unwrap())
}

/// The corner the test pattern's red block has reached (it starts in the top left).
fn red_corner(img: &RgbaImage) -> &'static str {
    let (w, h) = img.dimensions();
    let red = |x, y| {
        let p = img.get_pixel(x, y);
        p[0] > 170 && p[1] < 90 && p[2] < 90
    };
    match (red(2, 2), red(w - 3, 2), red(2, h - 3), red(w - 3, h - 3)) {
        (true, false, false, false) => "top left",
        (false, true, false, false) => "top right",
        (false, false, true, false) => "bottom left",
        (false, false, false, true) => "bottom right",
        _ => "no single corner",
    }
}

/// The rendition and the thumbnail of `name` are libheif's upright image: same size, red
/// corner in the same place, same pixels (WebP and JPEG add a little difference).
fn assert_upright(dir: &Path, name: &str) {
    let path = dir.join(format!("{name}.heic"));
    let want = upright(dir, name);
    let (w, h) = want.dimensions();
    let p = probe_file(&path).unwrap();
    assert_eq!((p.width, p.height), (w, h), "{name}: the probe gives the displayed size");
    assert_eq!(p.meta.orientation, 1, "{name}: nothing left for EXIF to turn");
    let r = convert_file(&path, &webp()).unwrap();
    let t = thumbnail_file(&path, THUMBNAIL_EDGE).unwrap();
    for (what, bytes, size) in
        [("rendition", &r.bytes, (r.width, r.height)), ("thumbnail", &t.bytes, (t.width, t.height))]
    {
        let got = decode(bytes);
        assert_eq!((size, got.dimensions()), ((w, h), (w, h)), "{name}: {what}'s size");
        assert_eq!(red_corner(&got), red_corner(&want), "{name}: {what}'s red corner");
        let diff = mean_diff(&got, &want, w, h);
        assert!(diff < 4.0, "{name}: {what} differs from heif-convert's by {diff} on average");
    }
}

#[test]
fn heifs_own_rotation_and_mirroring_are_applied_as_libheif_displays_them() {
    let Some(dir) = sample_dir("heic") else { return };
    for name in TRANSFORMED {
        assert_upright(&dir, name);
    }
}

#[test]
fn an_iphone_grid_turned_by_irot_and_exif_orientation_6_is_turned_exactly_once() {
    // As an iPhone held upright writes it: a 120 x 96 grid of 2 x 2 tiles, stored on its side,
    // with irot (a quarter turn clockwise) on the grid item and an EXIF Orientation of 6 saying
    // the same thing again. Not turned: 120 x 96, red top left; turned twice: red bottom right.
    let Some(dir) = sample_dir("heic") else { return };
    let r = convert_file(&dir.join("iphone-grid.heic"), &webp()).unwrap();
    assert_eq!((r.width, r.height), (96, 120));
    assert_eq!(red_corner(&decode(&r.bytes)), "top right");
    assert_upright(&dir, "iphone-grid");
}

/// AVIF out through libheif's AV1 encoder: the same picture in the same colours (a file read
/// back through libheif and compared with its source), alpha kept, and the metadata the policy
/// keeps (EXIF's camera, XMP's title) in the file.
#[test]
fn avif_out_keeps_the_picture_its_colours_alpha_and_metadata() {
    let avif = Preset { format: OutputFormat::Avif, ..Preset::default() };
    let out = tempfile::tempdir().unwrap();
    let Some(orientation) = sample_dir("orientation") else { return };
    let source = orientation.join("landscape_1.jpg");
    let r = convert_file(&source, &avif).unwrap();
    assert_eq!((r.extension, r.mime), ("avif", "image/avif"));
    let file = out.path().join("landscape.avif");
    std::fs::write(&file, &r.bytes).unwrap();
    let back = convert_file(&file, &webp()).unwrap();
    let diff = mean_diff(&decode(&back.bytes), &decode(&std::fs::read(&source).unwrap()), 600, 450);
    assert!(diff < 6.0, "not the same picture or colours: mean difference {diff}");
    assert!(close(centre(&back.bytes), centre(&std::fs::read(&source).unwrap()), 12));

    let Some(heic) = sample_dir("heic") else { return };
    let r = convert_file(&heic.join("xmp.heic"), &avif).unwrap();
    let file = out.path().join("xmp.avif");
    std::fs::write(&file, &r.bytes).unwrap();
    let want = probe_file(&heic.join("xmp.heic")).unwrap().meta.title;
    assert_eq!(probe_file(&file).unwrap().meta.title, want, "XMP in the AVIF");
    let Some(cameras) = sample_dir("cameras") else { return };
    let camera = support::jpgs(&cameras).into_iter().next().unwrap();
    let made = probe_file(&camera).unwrap().meta.camera_model;
    assert!(made.is_some(), "the sample names its camera");
    let r = convert_file(&camera, &avif).unwrap();
    let file = out.path().join("camera.avif");
    std::fs::write(&file, &r.bytes).unwrap();
    assert_eq!(probe_file(&file).unwrap().meta.camera_model, made, "EXIF in the AVIF");

    let rgba = image::RgbaImage::from_fn(64, 64, |x, _| image::Rgba([20, 120, 220, (x * 4) as u8]));
    let png = out.path().join("alpha.png");
    rgba.save(&png).unwrap();
    let r = convert_file(&png, &avif).unwrap();
    let file = out.path().join("alpha.avif");
    std::fs::write(&file, &r.bytes).unwrap();
    let px = decode(&convert_file(&file, &webp()).unwrap().bytes);
    assert!(px.get_pixel(2, 32)[3] < 30 && px.get_pixel(61, 32)[3] > 220, "alpha lost");
}
