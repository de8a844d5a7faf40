//! Conversion of images the tests make themselves: every input format and the hostile cases.

mod support;

use folio_convert::{convert, convert_file, sniff, ErrorKind, OutputFormat, Preset, SourceFormat};
use image::{DynamicImage, ImageFormat};
use std::io::Cursor;
use support::decode;

fn encoded(img: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

/// A scene with structure: a horizontal gradient in red, vertical in green.
fn scene(w: u32, h: u32) -> image::RgbImage {
    image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x * 255 / w) as u8, (y * 255 / h) as u8, 60])
    })
}

fn webp() -> Preset {
    Preset::default()
}

#[test]
fn cmyk_jpeg_converts_with_the_right_colours() {
    // Photoshop stores CMYK inverted behind an Adobe marker; libjpeg writes that marker for CMYK.
    // Left half pure red ink (C0 M100 Y100 K0), right half pure blue (C100 M100 Y0 K0).
    let (w, h) = (64u32, 32u32);
    let mut cmyk = Vec::new();
    for _y in 0..h {
        for x in 0..w {
            let ink: [u8; 4] = if x < w / 2 { [0, 255, 255, 0] } else { [255, 255, 0, 0] };
            cmyk.extend(ink.map(|v| 255 - v));
        }
    }
    let mut c = turbojpeg::Compressor::new().unwrap();
    c.set_quality(95).unwrap();
    let img = turbojpeg::Image {
        pixels: &cmyk[..],
        width: w as usize,
        pitch: w as usize * 4,
        height: h as usize,
        format: turbojpeg::PixelFormat::CMYK,
    };
    let jpeg = c.compress_to_vec(img).unwrap();
    let r = convert(&jpeg, &Preset { format: OutputFormat::Jpeg, ..webp() }).unwrap();
    let px = decode(&r.bytes);
    let (left, right) = (px.get_pixel(8, 16), px.get_pixel(56, 16));
    assert!(left[0] > 200 && left[1] < 60 && left[2] < 60, "red ink came out {left:?}");
    assert!(right[2] > 200 && right[0] < 60 && right[1] < 60, "blue ink came out {right:?}");
}

#[test]
fn grayscale_progressive_and_sixteen_bit_inputs() {
    let gray = DynamicImage::ImageLuma8(image::GrayImage::from_fn(40, 30, |x, _| {
        image::Luma([x as u8 * 6])
    }));
    let r = convert(&encoded(&gray, ImageFormat::Jpeg), &webp()).unwrap();
    assert_eq!((r.width, r.height), (40, 30));

    let mut sixteen = image::ImageBuffer::<image::Rgb<u16>, _>::new(50, 20);
    for (x, _, p) in sixteen.enumerate_pixels_mut() {
        *p = image::Rgb([x as u16 * 1300, 65535, 0]);
    }
    let png16 = encoded(&DynamicImage::ImageRgb16(sixteen), ImageFormat::Png);
    let r = convert(&png16, &webp()).unwrap();
    let px = decode(&r.bytes);
    assert!(px.get_pixel(25, 10)[1] > 240, "16-bit green must scale to 8-bit, not wrap");
}

#[test]
fn palette_png_tiff_gif_and_webp_inputs() {
    let mut palette = Vec::new();
    {
        let mut e = png::Encoder::new(&mut palette, 4, 4);
        e.set_color(png::ColorType::Indexed);
        e.set_depth(png::BitDepth::Eight);
        e.set_palette(vec![255, 0, 0, 0, 0, 255]);
        let mut w = e.write_header().unwrap();
        w.write_image_data(&[0, 0, 1, 1].repeat(4)).unwrap();
    }
    let px =
        decode(&convert(&palette, &Preset { format: OutputFormat::Jpeg, ..webp() }).unwrap().bytes);
    assert!(px.get_pixel(0, 0)[0] > 200 && px.get_pixel(3, 0)[2] > 200);

    let img = DynamicImage::ImageRgb8(scene(120, 80));
    for format in [ImageFormat::Tiff, ImageFormat::Gif, ImageFormat::WebP, ImageFormat::Png] {
        let r = convert(&encoded(&img, format), &webp())
            .unwrap_or_else(|e| panic!("{format:?}: {e:?}"));
        assert_eq!((r.width, r.height), (120, 80), "{format:?}");
        assert!(support::mean_diff(&decode(&r.bytes), &img.to_rgba8(), 30, 20) < 6.0, "{format:?}");
    }
}

#[test]
fn png_alpha_survives_into_webp_and_avif() {
    let rgba = image::RgbaImage::from_fn(64, 64, |x, _| image::Rgba([20, 120, 220, (x * 4) as u8]));
    let png = encoded(&DynamicImage::ImageRgba8(rgba), ImageFormat::Png);
    let r = convert(&png, &webp()).unwrap();
    let px = decode(&r.bytes);
    assert!(px.get_pixel(0, 32)[3] < 20 && px.get_pixel(63, 32)[3] > 230, "alpha lost");
    let avif = convert(&png, &Preset { format: OutputFormat::Avif, ..webp() }).unwrap();
    assert_eq!(sniff(&avif.bytes), Some(SourceFormat::Avif));
    assert_eq!((avif.extension, avif.mime), ("avif", "image/avif"));
}

#[test]
fn one_pixel_image() {
    let png = encoded(&DynamicImage::ImageRgb8(image::RgbImage::new(1, 1)), ImageFormat::Png);
    for format in
        [OutputFormat::Webp, OutputFormat::Avif, OutputFormat::Jpeg, OutputFormat::Original]
    {
        let r = convert(&png, &Preset { format, ..webp() }).unwrap();
        assert_eq!((r.width, r.height), (1, 1), "{format:?}");
    }
}

#[test]
fn huge_header_is_refused_without_allocating() {
    // A valid PNG signature and IHDR claiming 60000×60000 RGBA (14.4 GB decoded), then nothing.
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&60000u32.to_be_bytes());
    ihdr.extend_from_slice(&60000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    png.extend_from_slice(&13u32.to_be_bytes());
    png.extend_from_slice(&ihdr);
    png.extend_from_slice(&crc32fast::hash(&ihdr).to_be_bytes());
    let err = convert(&png, &webp()).unwrap_err();
    assert_eq!(err.kind, ErrorKind::TooLarge, "{err:?}");
    assert!(err.message.starts_with("too large: 60000 × 60000 (3600 MP"), "{}", err.message);
}

#[test]
fn truncated_empty_and_fake_files_fail_cleanly() {
    let jpeg = support::encode_jpeg(&scene(200, 150).into_raw(), 200, 150, 90);
    let truncated = convert(&jpeg[..jpeg.len() / 2], &webp()).unwrap_err();
    assert_eq!(truncated.kind, ErrorKind::Corrupt);
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.jpg");
    std::fs::write(&empty, b"").unwrap();
    let e = convert_file(&empty, &webp()).unwrap_err();
    assert_eq!((e.kind, e.path.as_path()), (ErrorKind::Corrupt, empty.as_path()));
    let text = dir.path().join("notes.jpg");
    std::fs::write(&text, "shopping list: film, batteries\n").unwrap();
    assert_eq!(convert_file(&text, &webp()).unwrap_err().kind, ErrorKind::Unsupported);
    // A HEIC header with nothing after it: read by libheif, and damaged.
    let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic".to_vec();
    let e = convert(&heic, &webp()).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Corrupt);
    assert!(e.message.contains("HEIF"), "{}", e.message);
    let missing = convert_file(&dir.path().join("gone.jpg"), &webp()).unwrap_err();
    assert_eq!(missing.kind, ErrorKind::Io);
}

#[test]
fn awkward_file_names_are_fine() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Café «Zürich» 🌧 \"rain\" 'n' spaces .jpg");
    std::fs::write(&path, support::encode_jpeg(&scene(30, 20).into_raw(), 30, 20, 90)).unwrap();
    let r = convert_file(&path, &webp()).unwrap();
    assert_eq!((r.width, r.height), (30, 20));
    let bad = dir.path().join("Ünïcödé 📷.jpg");
    std::fs::write(&bad, b"nope").unwrap();
    assert!(convert_file(&bad, &webp()).unwrap_err().to_string().contains("Ünïcödé 📷.jpg"));
}

#[test]
fn wide_gamut_export_is_converted_to_srgb_not_shifted() {
    let colour = [60u8, 200, 60];
    let (w, h) = (32u32, 32u32);
    let rgb: Vec<u8> = colour.repeat((w * h) as usize);
    let p3 = support::matrix_profile(support::P3_D50);
    let jpeg = support::with_icc(&support::encode_jpeg(&rgb, w, h, 100), &p3);
    let expected = support::expected_srgb(colour, support::P3_D50);
    assert!(
        (0..3).any(|c| (expected[c] as i32 - colour[c] as i32).abs() > 15),
        "P3 and sRGB must differ for this colour, or the test proves nothing"
    );
    for format in [OutputFormat::Jpeg, OutputFormat::Webp] {
        let r = convert(&jpeg, &Preset { format, quality: 100, ..webp() }).unwrap();
        let got = *decode(&r.bytes).get_pixel(16, 16);
        for c in 0..3 {
            let d = (got[c] as i32 - expected[c] as i32).abs();
            assert!(
                d <= 6,
                "{format:?}: got {got:?}, expected {expected:?} (untagged P3 was {colour:?})"
            );
        }
    }
}

#[test]
fn original_passes_small_files_through_with_metadata_policy() {
    let jpeg = support::encode_jpeg(&scene(300, 200).into_raw(), 300, 200, 90);
    let original = Preset { format: OutputFormat::Original, ..webp() };
    let r = convert(&jpeg, &original).unwrap();
    assert!(r.passed_through);
    assert_eq!(r.extension, "jpg");
    // Same compressed image data: the scan (everything from SOS) is byte-identical.
    let sos = |b: &[u8]| b.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
    assert_eq!(&r.bytes[sos(&r.bytes)..], &jpeg[sos(&jpeg)..]);
    // Too large for the max edge: re-encoded in the same format instead.
    let r = convert(&jpeg, &Preset { max_edge: 100, ..original }).unwrap();
    assert!(!r.passed_through);
    assert_eq!((r.width, r.height, r.extension), (100, 67, "jpg"));
}

#[test]
fn content_and_preset_hashes_key_the_rendition() {
    let a = support::encode_jpeg(&scene(40, 30).into_raw(), 40, 30, 90);
    let b = support::encode_jpeg(&scene(40, 30).into_raw(), 40, 30, 91);
    let ra = convert(&a, &webp()).unwrap();
    assert_eq!(ra.content_hash, folio_convert::content_hash(&a));
    assert_ne!(ra.content_hash, convert(&b, &webp()).unwrap().content_hash);
    let q = convert(&a, &Preset { quality: 60, ..webp() }).unwrap();
    assert_eq!(q.content_hash, ra.content_hash);
    assert_ne!(q.preset_hash, ra.preset_hash);
}

/// A JPEG's APP1 EXIF segment carrying a location.
fn exif_with_gps(lat: f64, lon: f64) -> Vec<u8> {
    let meta = folio_convert::PhotoMeta {
        gps: Some(folio_convert::meta::Gps { latitude: lat, longitude: lon, altitude: None }),
        ..Default::default()
    };
    let keep = folio_convert::MetadataPolicy { keep_location: true, ..Default::default() };
    let tiff = folio_convert::meta::write_exif(&meta, &keep).expect("EXIF with GPS");
    let mut seg = vec![0xFF, 0xE1];
    seg.extend_from_slice(&((tiff.len() + 8) as u16).to_be_bytes());
    seg.extend_from_slice(b"Exif\0\0");
    seg.extend_from_slice(&tiff);
    seg
}

/// Inserts `segment` right after the SOI.
fn with_segment(jpeg: &[u8], segment: &[u8]) -> Vec<u8> {
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(segment);
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn has_gps(bytes: &[u8]) -> bool {
    exif::Reader::new()
        .read_from_container(&mut std::io::Cursor::new(bytes))
        .is_ok_and(|e| e.fields().any(|f| f.tag.context() == exif::Context::Gps))
}

fn count(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).filter(|w| *w == needle).count()
}

/// A phone photo: the primary image, an MPF index (APP2), and after its EOI a second image with
/// its own EXIF and GPS, then a motion photo's video. "original" passes the primary through
/// and nothing after it.
#[test]
fn a_phone_photos_second_image_and_video_do_not_leave_with_it() {
    let primary = support::encode_jpeg(&scene(300, 200).into_raw(), 300, 200, 90);
    let mut mpf = vec![0xFF, 0xE2, 0x00, 0x0C];
    mpf.extend_from_slice(b"MPF\0MM\0*\0\0");
    let mut phone = with_segment(&primary, &mpf);
    let secondary = support::encode_jpeg(&scene(160, 120).into_raw(), 160, 120, 80);
    let secondary = with_segment(&secondary, &exif_with_gps(51.5, -0.12));
    assert!(has_gps(&secondary), "the test's second image carries GPS");
    phone.extend_from_slice(&secondary);
    phone.extend_from_slice(b"\0\0\0\x18ftypmp42motion-photo-video-bytes");

    let original = Preset { format: OutputFormat::Original, ..webp() };
    let r = convert(&phone, &original).unwrap();
    assert!(r.passed_through);
    assert_eq!(count(&r.bytes, &[0xFF, 0xD8]), 1, "one image, no second one");
    assert!(r.bytes.ends_with(&[0xFF, 0xD9]), "ends with the primary's EOI");
    assert_eq!(count(&r.bytes, b"ftypmp42"), 0, "no video");
    assert_eq!(count(&r.bytes, b"MPF\0"), 0, "no MPF index pointing at what is gone");
    assert!(!has_gps(&r.bytes));
    let sos = |b: &[u8]| b.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
    assert_eq!(
        &r.bytes[sos(&r.bytes)..],
        &primary[sos(&primary)..],
        "the primary's scan as it was"
    );
}

/// Data that does not end as a JPEG should (no EOI) is never passed through as it is: it goes
/// to the decoder, which says what is wrong with it.
#[test]
fn a_jpeg_without_its_end_is_not_passed_through() {
    let jpeg = support::encode_jpeg(&scene(300, 200).into_raw(), 300, 200, 90);
    let cut = &jpeg[..jpeg.len() - 2];
    let e = convert(cut, &Preset { format: OutputFormat::Original, ..webp() }).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Corrupt, "{e:?}");
}

/// PNG pass-through keeps the chunks that draw the picture and nothing after IEND.
#[test]
fn a_png_keeps_only_what_draws_the_picture() {
    let mut png = Vec::new();
    scene(64, 48).write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
    let chunk = |kind: &[u8; 4], data: &[u8]| {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        c.extend_from_slice(kind);
        c.extend_from_slice(data);
        c.extend_from_slice(&crc32fast::hash(&c[4..]).to_be_bytes());
        c
    };
    // A private chunk before the image data, and an XMP text chunk and junk after IEND.
    let ihdr_end = 8 + 25;
    let mut odd = png[..ihdr_end].to_vec();
    odd.extend_from_slice(&chunk(b"caBX", b"provenance with a location"));
    odd.extend_from_slice(&png[ihdr_end..]);
    odd.extend_from_slice(&chunk(b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0<x:xmpmeta GPSLatitude>"));
    let r = convert(&odd, &Preset { format: OutputFormat::Original, ..webp() }).unwrap();
    assert!(r.passed_through);
    assert_eq!(count(&r.bytes, b"caBX"), 0);
    assert_eq!(count(&r.bytes, b"GPSLatitude"), 0);
    assert!(r.bytes.ends_with(&chunk(b"IEND", b"")));
    assert_eq!(support::decode(&r.bytes).dimensions(), (64, 48));
}

/// A huge file with a photo's name is refused from its size, before any of it is read.
#[test]
fn a_file_too_large_to_be_a_photo_is_refused_without_reading_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("IMG_0001.jpg");
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(folio_convert::MAX_SOURCE_BYTES + 1).unwrap(); // sparse: no disk, no memory
    let e = convert_file(&path, &webp()).unwrap_err();
    assert_eq!(e.kind, ErrorKind::TooLarge, "{e:?}");
    assert!(e.message.contains("GB"), "{}", e.message);
    assert_eq!(folio_convert::probe_file(&path).unwrap_err().kind, ErrorKind::TooLarge);
}
