//! The fuzz targets, one test each, and the invariants they check beyond "does not panic": a
//! rewritten file parses again with exactly the metadata it was given, and a photo converted
//! under the default policy never carries GPS.

use super::{assert_clean, run, seeds};
use crate::meta::{self, Gps, PhotoMeta, RawMeta};
use crate::{convert, decode, jpeg, png, webp, MetadataPolicy, OutputFormat, Preset, Raster};

/// Metadata with something in every field, as a rewrite is asked to write it.
fn full_meta() -> PhotoMeta {
    PhotoMeta {
        title: Some("Harbour at dawn".into()),
        caption: Some("Boats, fog — and a gull".into()),
        headline: Some("Dawn".into()),
        keywords: vec!["harbour".into(), "fog".into()],
        hierarchical_keywords: vec!["Places|Norway|Bergen".into()],
        creator: Some("Ada Photographer".into()),
        copyright: Some("© 2026 Ada".into()),
        rating: Some(4),
        captured_at: Some("2026-05-01T05:12:00".into()),
        camera_make: Some("Nikon".into()),
        camera_model: Some("Z 8".into()),
        lens: Some("24-70mm".into()),
        gps: Some(Gps { latitude: 60.39, longitude: 5.32, altitude: Some(12.0) }),
        orientation: 6,
    }
}

fn keep_all() -> MetadataPolicy {
    MetadataPolicy {
        keep_location: true,
        keep_credit: true,
        keep_camera: true,
        keep_description: true,
    }
}

fn exif_block() -> Vec<u8> {
    meta::write_exif(&full_meta(), &keep_all()).expect("EXIF for full metadata")
}

fn xmp_packet() -> Vec<u8> {
    meta::write_xmp(&full_meta(), &keep_all()).expect("XMP for full metadata")
}

/// The metadata blocks inside the JPEG seeds, as seeds for the block parsers.
fn blocks_of_jpegs(pick: fn(jpeg::Segments) -> Option<Vec<u8>>, ext: &str) -> Vec<Vec<u8>> {
    let mut out = seeds(&[ext]);
    out.extend(seeds(&[".jpg"]).iter().filter_map(|j| jpeg::segments(j).ok().and_then(pick)));
    out
}

#[test]
fn fuzz_jpeg_markers() {
    let r = run("jpeg-markers", seeds(&[".jpg"]), |b| {
        let parsed = jpeg::segments(b).is_ok();
        Ok(jpeg::header(b).is_ok() && parsed)
    });
    assert_clean("jpeg-markers", r);
}

/// A rewrite parses again, holds exactly the metadata it was given and ends at its image's EOI.
fn rewrites_cleanly(b: &[u8]) -> Result<bool, String> {
    let (exif, xmp) = (exif_block(), xmp_packet());
    let Ok(out) = jpeg::with_metadata(b, Some(&exif), Some(&xmp)) else { return Ok(false) };
    let seg = jpeg::segments(&out).map_err(|e| format!("the rewrite does not parse: {e:?}"))?;
    if seg.exif != Some(exif) || seg.xmp != Some(xmp) {
        return Err("the rewrite does not hold exactly the metadata it was given".into());
    }
    if !out.ends_with(&[0xFF, 0xD9]) {
        return Err("the rewrite does not end at its image's EOI".into());
    }
    Ok(true)
}

#[test]
fn fuzz_jpeg_rewrite() {
    assert_clean("jpeg-rewrite", run("jpeg-rewrite", seeds(&[".jpg"]), rewrites_cleanly));
}

/// Parses `raw`, writes the result back under both policies and parses that again: the default
/// policy's output must hold no location.
fn round_trip(raw: RawMeta) -> Result<bool, String> {
    let parsed = meta::parse(&raw);
    let found_any = parsed != PhotoMeta { orientation: 1, ..PhotoMeta::default() };
    for policy in [keep_all(), MetadataPolicy::default()] {
        let exif = meta::write_exif(&parsed, &policy);
        let xmp = meta::write_xmp(&parsed, &policy);
        let again = meta::parse(&RawMeta { exif, xmp, iptc: None });
        if !policy.keep_location && again.gps.is_some() {
            return Err("GPS survived the default policy".into());
        }
    }
    Ok(found_any)
}

#[test]
fn fuzz_exif() {
    let seeds = blocks_of_jpegs(|s| s.exif, ".exif");
    let r = run("exif", seeds, |b| round_trip(RawMeta { exif: Some(b.to_vec()), ..raw() }));
    assert_clean("exif", r);
}

#[test]
fn fuzz_iptc() {
    let seeds = blocks_of_jpegs(|s| s.iptc, ".iptc");
    let r = run("iptc", seeds, |b| round_trip(RawMeta { iptc: Some(b.to_vec()), ..raw() }));
    assert_clean("iptc", r);
}

#[test]
fn fuzz_xmp() {
    let seeds = blocks_of_jpegs(|s| s.xmp, ".xmp");
    let r = run("xmp", seeds, |b| round_trip(RawMeta { xmp: Some(b.to_vec()), ..raw() }));
    assert_clean("xmp", r);
}

fn raw() -> RawMeta {
    RawMeta { exif: None, xmp: None, iptc: None }
}

#[test]
fn fuzz_webp_chunks() {
    let r = run("webp-chunks", seeds(&[".webp"]), |b| {
        let before = webp::dimensions(b);
        let (exif, xmp) = (exif_block(), xmp_packet());
        let Ok(out) = webp::with_metadata(b, Some(&exif), Some(&xmp)) else { return Ok(false) };
        let declared = out.get(4..8).map(|s| u32::from_le_bytes(s.try_into().unwrap()) as usize);
        if declared != Some(out.len().saturating_sub(8)) {
            return Err(format!("RIFF size {declared:?} for a {}-byte file", out.len()));
        }
        if webp::dimensions(&out) != before {
            return Err("the rewrite changed the canvas size".into());
        }
        Ok(true)
    });
    assert_clean("webp-chunks", r);
}

#[test]
fn fuzz_png_chunks() {
    let r = run("png-chunks", seeds(&[".png"]), |b| {
        let Ok(out) = png::with_metadata(b, Some(&exif_block())) else { return Ok(false) };
        // The end chunk's CRC is the input's own: only its type is checked.
        if out.get(..8) != b.get(..8)
            || out.len() < 20
            || &out[out.len() - 8..out.len() - 4] != b"IEND"
        {
            return Err("the rewrite is not a PNG signature … IEND".into());
        }
        Ok(true)
    });
    assert_clean("png-chunks", r);
}

/// Small inputs only: `convert` decodes, and every millisecond is one run fewer.
fn small_images() -> Vec<Vec<u8>> {
    seeds(&[".jpg", ".png", ".webp"]).into_iter().filter(|s| s.len() <= 64 * 1024).collect()
}

fn converts_cleanly(b: &[u8], format: OutputFormat) -> Result<bool, String> {
    let _ = decode::probe(b, crate::DEFAULT_PIXEL_LIMIT);
    let preset = Preset { format, max_edge: 256, ..Preset::default() };
    let Ok(r) = convert(b, &preset) else { return Ok(false) };
    let out = decode::probe(&r.bytes, crate::DEFAULT_PIXEL_LIMIT)
        .map_err(|e| format!("the rendition does not parse: {e:?}"))?;
    if out.meta.gps.is_some() {
        return Err("GPS reached the rendition under the default policy".into());
    }
    if !r.passed_through && r.width.max(r.height) > 256 {
        return Err(format!("{}×{} is over the 256 px edge", r.width, r.height));
    }
    Ok(true)
}

#[test]
fn fuzz_convert_to_webp() {
    let r = run("convert-webp", small_images(), |b| converts_cleanly(b, OutputFormat::Webp));
    assert_clean("convert-webp", r);
}

#[test]
fn fuzz_convert_original() {
    let r =
        run("convert-original", small_images(), |b| converts_cleanly(b, OutputFormat::Original));
    assert_clean("convert-original", r);
}

/// The repository's own test photos of one kind (raw DNGs, HEIC/AVIF), as seeds.
fn test_photos(dir: &str) -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/photos").join(dir);
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    paths.sort();
    paths
        .iter()
        .filter_map(|p| std::fs::read(p).ok())
        .filter(|b| crate::sniff(b).is_some())
        .collect()
}

/// A probe either refuses the file or reports a size within the limit: whatever the headers
/// say, nothing past the limit gets through to a decoder.
fn probes_within_the_limit(b: &[u8]) -> Result<bool, String> {
    let limit = 50_000_000;
    match decode::probe(b, limit) {
        Ok(p) if p.width as u64 * p.height as u64 > limit => {
            Err(format!("{}×{} passed a {limit}-pixel limit", p.width, p.height))
        }
        Ok(_) => Ok(true),
        Err(_) => Ok(false),
    }
}

#[test]
fn fuzz_raw_probe() {
    let r = run("raw-probe", test_photos("raw"), probes_within_the_limit);
    assert_clean("raw-probe", r);
}

#[test]
fn fuzz_heif_probe() {
    let r = run("heif-probe", test_photos("heic"), probes_within_the_limit);
    assert_clean("heif-probe", r);
}

/// Regenerates the generated seeds (`FOLIO_FUZZ_WRITE_SEEDS=1`); the camera samples in the
/// corpus are copied by hand (see fuzz/corpus/README.md).
#[test]
fn write_generated_seeds() {
    if std::env::var_os("FOLIO_FUZZ_WRITE_SEEDS").is_none() {
        return;
    }
    let dir = super::corpus_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let pixels = |w: u32, h: u32, alpha: bool| Raster {
        width: w,
        height: h,
        has_alpha: alpha,
        data: (0..w * h * if alpha { 4 } else { 3 }).map(|i| (i * 37 % 251) as u8).collect(),
    };
    let (exif, xmp) = (exif_block(), xmp_packet());
    let jpg = jpeg::with_metadata(
        &jpeg::encode(&pixels(24, 16, false), 80).unwrap(),
        Some(&exif),
        Some(&xmp),
    )
    .unwrap();
    let webp = webp::with_metadata(
        &webp::encode(&pixels(20, 12, true), 80).unwrap(),
        Some(&exif),
        Some(&xmp),
    )
    .unwrap();
    let png = png::with_metadata(&crate::encode::png(&pixels(16, 16, true)).unwrap(), Some(&exif))
        .unwrap();
    let iptc = iptc_block();
    let jpg = with_app13(&jpg, &iptc);
    for (name, bytes) in [
        ("generated.jpg", jpg),
        ("generated.webp", webp),
        ("generated.png", png),
        ("generated.exif", exif),
        ("generated.xmp", xmp),
        ("generated.iptc", iptc),
    ] {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}

/// IPTC-IIM datasets as Photo Mechanic and Lightroom write them: title, keywords, by-line,
/// caption.
fn iptc_block() -> Vec<u8> {
    let mut out = Vec::new();
    for (tag, text) in [(5u8, "Harbour"), (25, "fog"), (25, "boats"), (80, "Ada"), (120, "At dawn")]
    {
        out.extend_from_slice(&[0x1C, 2, tag]);
        out.extend_from_slice(&(text.len() as u16).to_be_bytes());
        out.extend_from_slice(text.as_bytes());
    }
    out
}

/// `jpg` with a Photoshop APP13 segment holding `iptc` as resource 0x0404, right after SOI.
fn with_app13(jpg: &[u8], iptc: &[u8]) -> Vec<u8> {
    let mut resource = b"Photoshop 3.0\0".to_vec();
    resource.extend_from_slice(b"8BIM\x04\x04\0\0");
    resource.extend_from_slice(&(iptc.len() as u32).to_be_bytes());
    resource.extend_from_slice(iptc);
    if iptc.len() % 2 == 1 {
        resource.push(0);
    }
    let mut out = jpg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xED]);
    out.extend_from_slice(&((resource.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&resource);
    out.extend_from_slice(&jpg[2..]);
    out
}
