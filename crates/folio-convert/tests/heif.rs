//! HEIC, HEIF and AVIF input through libheif, on the files in `tests/photos/heic` (made with
//! libheif's own `heif-enc` from the repository's JPEGs; see the README there).

mod support;

use folio_convert::{convert_file, probe_file, ErrorKind, OutputFormat, Preset};
use support::{decode, sample_dir};

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
