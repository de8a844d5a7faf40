//! Camera RAW input through rawler, on the DNGs in `tests/photos/raw` (written from generated
//! Bayer data by `make-dng.py` there): developed upright, white-balanced as shot, in sRGB, with
//! the camera's metadata; the embedded preview used when it is large enough; broken raws give a
//! typed error, never a crash.

mod support;

use folio_convert::{convert, convert_file, probe_file, ErrorKind, OutputFormat, Preset};
use support::{decode, sample_dir};

fn webp(max_edge: u32) -> Preset {
    Preset { format: OutputFormat::Webp, quality: 100, max_edge, ..Preset::default() }
}

fn pixel(bytes: &[u8], x: u32, y: u32) -> [u8; 3] {
    let p = *decode(bytes).get_pixel(x, y);
    [p[0], p[1], p[2]]
}

fn close(got: [u8; 3], want: [u8; 3], tolerance: i32) -> bool {
    (0..3).all(|c| (got[c] as i32 - want[c] as i32).abs() <= tolerance)
}

#[test]
fn a_raw_is_developed_upright_white_balanced_and_in_srgb() {
    let Some(dir) = sample_dir("raw") else { return };
    let p = probe_file(&dir.join("scene.dng")).unwrap();
    assert_eq!((p.width, p.height, p.meta.orientation), (256, 192, 6));
    assert_eq!(p.meta.camera().as_deref(), Some("Folio Test DNG"));
    let r = convert_file(&dir.join("scene.dng"), &webp(2560)).unwrap();
    assert_eq!((r.width, r.height), (192, 256), "turned upright by its orientation");
    // The grey half: 18 % grey, neutral only because the as-shot white balance was applied
    // (the sensor recorded it at half the red and 5/8 of the blue).
    let grey = pixel(&r.bytes, 96, 60);
    assert!(close(grey, [118, 118, 118], 6), "grey came out {grey:?}");
    // The red patch, through the camera matrix and the sRGB curve.
    let red = pixel(&r.bytes, 96, 200);
    assert!(close(red, [204, 63, 56], 8), "red came out {red:?}");
    // The raw's EXIF goes on with the rendition (its orientation spent on the pixels).
    let out = tempfile::tempdir().unwrap().keep().join("scene.webp");
    std::fs::write(&out, &r.bytes).unwrap();
    let meta = probe_file(&out).unwrap().meta;
    assert_eq!(meta.camera().as_deref(), Some("Folio Test DNG"), "{meta:?}");
    assert_eq!(meta.orientation, 1);
}

#[test]
fn a_small_rendition_is_developed_at_half_size_with_the_same_colours() {
    let Some(dir) = sample_dir("raw") else { return };
    // 128 px from a 256 px sensor: each 2×2 block of the mosaic makes one pixel.
    let r = convert_file(&dir.join("scene.dng"), &webp(128)).unwrap();
    assert_eq!((r.width, r.height), (96, 128), "upright");
    let grey = pixel(&r.bytes, 48, 30);
    assert!(close(grey, [118, 118, 118], 6), "grey came out {grey:?}");
    let red = pixel(&r.bytes, 48, 100);
    assert!(close(red, [204, 63, 56], 8), "red came out {red:?}");
}

#[test]
fn the_embedded_preview_is_used_when_it_is_large_enough() {
    let Some(dir) = sample_dir("raw") else { return };
    // preview.dng carries a 128 × 96 preview that is all blue, unlike its raw data.
    let small = convert_file(&dir.join("preview.dng"), &webp(128)).unwrap();
    assert_eq!((small.width, small.height), (96, 128));
    assert!(close(pixel(&small.bytes, 48, 64), [30, 60, 220], 8), "the preview was not used");
    let large = convert_file(&dir.join("preview.dng"), &webp(2560)).unwrap();
    assert_eq!((large.width, large.height), (192, 256));
    let grey = pixel(&large.bytes, 96, 60);
    assert!(close(grey, [118, 118, 118], 6), "too small a preview: developed, got {grey:?}");
}

#[test]
fn an_embedded_jpeg_preview_is_used_upright_when_it_is_large_enough() {
    let Some(dir) = sample_dir("raw") else { return };
    // jpeg-preview.dng embeds a 240 × 180 camera photo as its JPEG preview.
    let r = convert_file(&dir.join("jpeg-preview.dng"), &webp(200)).unwrap();
    assert_eq!((r.width, r.height), (150, 200), "turned by the raw's orientation");
    let camera =
        std::fs::read(sample_dir("cameras").unwrap().join("Canon_PowerShot_S40.jpg")).unwrap();
    let upright = image::imageops::rotate90(&decode(&camera));
    let want = image::imageops::resize(&upright, 150, 200, image::imageops::FilterType::Lanczos3);
    let diff = support::mean_diff(&decode(&r.bytes), &want, 150, 200);
    assert!(diff < 6.0, "not the preview's picture: mean difference {diff}");
    // Larger than the preview: the raw is developed.
    let large = convert_file(&dir.join("jpeg-preview.dng"), &webp(2560)).unwrap();
    assert_eq!((large.width, large.height), (192, 256));
    let grey = pixel(&large.bytes, 96, 60);
    assert!(close(grey, [118, 118, 118], 6), "developed, got {grey:?}");
}

#[test]
fn a_broken_raw_is_a_typed_error_not_a_crash() {
    let Some(dir) = sample_dir("raw") else { return };
    let whole = std::fs::read(dir.join("scene.dng")).unwrap();
    // Cut inside the raw data: the tags are there, the pixels are not.
    let e = convert(&whole[..whole.len() / 2], &webp(2560)).unwrap_err();
    assert!(matches!(e.kind, ErrorKind::Corrupt | ErrorKind::Unsupported), "{e:?}");
    // A TIFF header that claims to be a DNG, then noise.
    let mut fake = b"II*\0\x08\0\0\0\x01\0\x12\xC6\x01\0\x04\0\0\0\x01\x04\0\0\0\0\0\0".to_vec();
    fake.extend((0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
    let e = convert(&fake, &webp(2560)).unwrap_err();
    assert!(matches!(e.kind, ErrorKind::Corrupt | ErrorKind::Unsupported), "{e:?}");
    // A raw-looking TIFF (a sub-IFD) from a maker rawler has no decoder for: its camera named.
    let mut unknown = b"II*\0\x08\0\0\0\x03\0".to_vec();
    unknown.extend_from_slice(&[0x0F, 1, 2, 0, 5, 0, 0, 0, 50, 0, 0, 0]); // Make at 50
    unknown.extend_from_slice(&[0x10, 1, 2, 0, 5, 0, 0, 0, 56, 0, 0, 0]); // Model at 56
    unknown.extend_from_slice(&[0x4A, 1, 4, 0, 1, 0, 0, 0, 8, 0, 0, 0]); // SubIFDs
    unknown.extend_from_slice(&[0, 0, 0, 0]);
    unknown.extend_from_slice(b"ACME\0\0X-1\0\0");
    unknown.resize(4096, 0);
    let e = convert(&unknown, &webp(2560)).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unsupported, "{e:?}");
    assert!(e.message.contains("ACME X-1"), "{}", e.message);
    let original = Preset { format: OutputFormat::Original, ..Preset::default() };
    let r = convert_file(&dir.join("scene.dng"), &original).unwrap();
    assert_eq!(r.extension, "jpg", "a raw sent as 'original' becomes a JPEG");
}
