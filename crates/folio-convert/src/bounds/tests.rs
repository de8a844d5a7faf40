//! Every format's bomb is refused from its headers, before a decoder allocates; real files pass.

use super::*;
use crate::bombs;
use crate::DEFAULT_PIXEL_LIMIT as LIMIT;

fn refused(b: &[u8], f: SourceFormat) -> Failure {
    check(b, f, LIMIT).expect_err("a bomb must be refused")
}

#[test]
fn sizes_over_the_limit_are_too_large_for_every_format() {
    let cases = [
        (bombs::dng_strips(60_000, 60_000), SourceFormat::Raw, "60000 × 60000"),
        (bombs::dng_strips(20_000, 20_000), SourceFormat::Raw, "20000 × 20000"),
        (bombs::dng_linear_tiles(30_000, 20_000), SourceFormat::Raw, "30000 × 20000"),
        (bombs::tiff(50_000, 50_000), SourceFormat::Tiff, "50000 × 50000"),
        (bombs::png(100_000, 100_000), SourceFormat::Png, "100000 × 100000"),
        (bombs::gif(65_535, 65_535), SourceFormat::Gif, "65535 × 65535"),
        (bombs::webp(16_384, 16_384), SourceFormat::Webp, "16384 × 16384"),
        (bombs::jpeg(65_535, 65_535), SourceFormat::Jpeg, "65535 × 65535"),
    ];
    for (bytes, format, size) in cases {
        assert_eq!(crate::sniff(&bytes), Some(format), "{size}");
        let e = refused(&bytes, format);
        assert_eq!(e.kind, ErrorKind::TooLarge, "{size}: {}", e.message);
        assert!(e.message.starts_with(&format!("too large: {size}")), "{}", e.message);
    }
}

#[test]
fn a_size_under_the_limit_over_too_little_data_is_refused() {
    // 196 MP each, under the limit, over a few hundred KB of data at most.
    for (bytes, format) in [
        (bombs::dng_strips(14_000, 14_000), SourceFormat::Raw),
        (bombs::dng_linear_tiles(8_000, 8_000), SourceFormat::Raw),
        (bombs::tiff(14_000, 14_000), SourceFormat::Tiff),
        (bombs::png(14_000, 14_000), SourceFormat::Png),
    ] {
        let e = refused(&bytes, format);
        assert!(e.message.contains("too little"), "{}", e.message);
    }
}

#[test]
fn a_heif_whose_size_box_claims_a_huge_image_is_too_large() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/photos/heic/");
    let real = std::fs::read(format!("{dir}phone.heic")).expect("test photo");
    check(&real, SourceFormat::Heif, LIMIT).expect("the real file passes");
    let e = refused(&bombs::heif(&real, 60_000, 60_000), SourceFormat::Heif);
    assert!(e.message.starts_with("too large: 60000 × 60000"), "{}", e.message);
}

#[test]
fn real_photos_pass() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/photos/");
    let mut seen = 0;
    for dir in ["cameras", "raw", "heic", "orientation", "xmp", "gps", "large"] {
        let Ok(entries) = std::fs::read_dir(format!("{root}{dir}")) else { continue };
        for entry in entries.flatten() {
            let Ok(bytes) = std::fs::read(entry.path()) else { continue };
            let Some(format) = crate::sniff(&bytes) else { continue };
            if entry.path().to_string_lossy().contains("truncated") {
                continue;
            }
            check(&bytes, format, LIMIT)
                .unwrap_or_else(|e| panic!("{}: {}", entry.path().display(), e.message));
            seen += 1;
        }
    }
    assert!(seen >= 10, "only {seen} photos checked");
}
