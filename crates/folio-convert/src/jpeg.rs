//! JPEG through libjpeg-turbo: DCT-domain downscaling on decode (the main reason libvips is fast),
//! CMYK handling, encoding, and marker-level metadata rewriting for pass-through.

use crate::error::{ErrorKind, Failure, Result};
use crate::raster::Raster;
use turbojpeg::{Colorspace, Decompressor, Image, PixelFormat, ScalingFactor};

/// Metadata segments found before the first scan.
#[derive(Debug, Default, Clone)]
pub struct Segments {
    pub exif: Option<Vec<u8>>,
    pub xmp: Option<Vec<u8>>,
    /// The IPTC-IIM block from Photoshop's APP13 resource 0x0404.
    pub iptc: Option<Vec<u8>>,
    pub icc: Option<Vec<u8>>,
    /// An Adobe APP14 marker: CMYK data in such files is stored inverted (Photoshop's convention).
    pub adobe: bool,
}

const EXIF_ID: &[u8] = b"Exif\0\0";
const XMP_ID: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";
const ICC_ID: &[u8] = b"ICC_PROFILE\0";
const PHOTOSHOP_ID: &[u8] = b"Photoshop 3.0\0";

/// One marker segment: its marker byte and the byte range of the whole segment (marker included).
struct Marker {
    code: u8,
    start: usize,
    end: usize,
}

impl Marker {
    fn payload<'a>(&self, bytes: &'a [u8]) -> &'a [u8] {
        &bytes[self.start + 4..self.end]
    }
}

/// Walks the markers before the first SOS. Returns the markers and the offset where SOS begins.
fn markers(bytes: &[u8]) -> Result<(Vec<Marker>, usize)> {
    let truncated = || Failure::corrupt("JPEG header is truncated");
    let mut out = Vec::new();
    let mut i = 2;
    loop {
        // Markers may be preceded by any number of 0xFF fill bytes.
        while bytes.get(i) == Some(&0xFF) && bytes.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        if bytes.get(i) != Some(&0xFF) {
            return Err(Failure::corrupt(format!("expected a JPEG marker at byte {i}")));
        }
        let code = *bytes.get(i + 1).ok_or_else(truncated)?;
        if code == 0xDA || code == 0xD9 {
            return Ok((out, i));
        }
        if (0xD0..=0xD7).contains(&code) || code == 0x01 {
            i += 2;
            continue;
        }
        let len = u16::from_be_bytes([
            *bytes.get(i + 2).ok_or_else(truncated)?,
            *bytes.get(i + 3).ok_or_else(truncated)?,
        ]) as usize;
        let end = i + 2 + len;
        if len < 2 || end > bytes.len() {
            return Err(truncated());
        }
        out.push(Marker { code, start: i, end });
        i = end;
    }
}

pub fn segments(bytes: &[u8]) -> Result<Segments> {
    let (markers, _) = markers(bytes)?;
    let mut seg = Segments::default();
    let mut icc_parts: Vec<(u8, &[u8])> = Vec::new();
    for m in &markers {
        let p = m.payload(bytes);
        match m.code {
            0xE1 if p.starts_with(EXIF_ID) && seg.exif.is_none() => {
                seg.exif = Some(p[EXIF_ID.len()..].to_vec())
            }
            0xE1 if p.starts_with(XMP_ID) && seg.xmp.is_none() => {
                seg.xmp = Some(p[XMP_ID.len()..].to_vec())
            }
            0xE2 if p.starts_with(ICC_ID) && p.len() > ICC_ID.len() + 2 => {
                icc_parts.push((p[ICC_ID.len()], &p[ICC_ID.len() + 2..]))
            }
            0xED if p.starts_with(PHOTOSHOP_ID) => {
                seg.iptc = photoshop_iptc(&p[PHOTOSHOP_ID.len()..]).map(<[u8]>::to_vec)
            }
            0xEE if p.starts_with(b"Adobe") => seg.adobe = true,
            _ => {}
        }
    }
    if !icc_parts.is_empty() {
        icc_parts.sort_by_key(|(seq, _)| *seq);
        seg.icc = Some(icc_parts.into_iter().flat_map(|(_, d)| d.iter().copied()).collect());
    }
    Ok(seg)
}

/// Finds resource 0x0404 (IPTC-IIM) among Photoshop "8BIM" image resources.
fn photoshop_iptc(mut data: &[u8]) -> Option<&[u8]> {
    while data.len() >= 12 && &data[0..4] == b"8BIM" {
        let id = u16::from_be_bytes([data[4], data[5]]);
        // Pascal-string name, padded so that length byte + name is even.
        let name_len = data[6] as usize;
        let name_total = (1 + name_len + 1) & !1;
        let size_at = 6 + name_total;
        let size = u32::from_be_bytes(data.get(size_at..size_at + 4)?.try_into().ok()?) as usize;
        let body = data.get(size_at + 4..size_at + 4 + size)?;
        if id == 0x0404 {
            return Some(body);
        }
        let next = size_at + 4 + ((size + 1) & !1);
        data = data.get(next..)?;
    }
    None
}

/// libjpeg warnings that still yield a complete, correct image. Every other warning (above all
/// "Premature end of JPEG file", which is what a half-written export looks like) is corruption.
const BENIGN_WARNINGS: [&str; 2] = ["extraneous bytes before marker", "bad ICC marker"];

pub struct JpegHeader {
    pub width: u32,
    pub height: u32,
}

pub fn header(bytes: &[u8]) -> Result<JpegHeader> {
    let h =
        turbojpeg::read_header(bytes).map_err(|e| Failure::corrupt(format!("bad JPEG: {e}")))?;
    Ok(JpegHeader { width: h.width as u32, height: h.height as u32 })
}

/// The DCT scale (1, 1/2, 1/4 or 1/8) for reaching `target` pixels on the long edge.
///
/// DCT scaling is a crude filter, so at least a factor of two is left for the final Lanczos3
/// step (libvips' rule). Measured on 24 MP photos to 2560 px WebP (`make bench-convert`):
/// decoding at 1/2 ran 14% faster but lost 0.0007 SSIM; at full size the output matches libvips'
/// SSIM with 2.4% fewer bytes. Non-power-of-two factors (5/8, 6/8) were no better.
pub fn scale_for(long_edge: u32, target: u32) -> usize {
    let enough = |d: u32| long_edge.div_ceil(d) >= target.saturating_mul(2);
    [8, 4, 2].into_iter().find(|d| enough(*d as u32)).unwrap_or(1)
}

/// Decoded JPEG pixels. CMYK stays CMYK so the caller can apply the file's CMYK profile.
pub enum Pixels {
    Rgb(Raster),
    /// As stored in the file (see [`Segments::adobe`] for the inverted convention).
    Cmyk {
        width: u32,
        height: u32,
        data: Vec<u8>,
    },
}

/// Decodes at 1/`denom` size (1, 2, 4 or 8).
pub fn decode(bytes: &[u8], denom: usize) -> Result<Pixels> {
    let tj = |e: turbojpeg::Error| Failure::corrupt(format!("bad JPEG: {e}"));
    let mut d = Decompressor::new().map_err(tj)?;
    let header = d.read_header(bytes).map_err(tj)?;
    let scale = ScalingFactor::new(1, denom);
    d.set_scaling_factor(scale).map_err(tj)?;
    let scaled = header.scaled(scale);
    let cmyk = matches!(header.colorspace, Colorspace::CMYK | Colorspace::YCCK);
    let format = if cmyk { PixelFormat::CMYK } else { PixelFormat::RGB };
    let mut image = Image {
        pixels: vec![0u8; scaled.width * scaled.height * format.size()],
        width: scaled.width,
        pitch: scaled.width * format.size(),
        height: scaled.height,
        format,
    };
    if let Err(e) = d.decompress(bytes, image.as_deref_mut()) {
        let message = e.to_string();
        if !BENIGN_WARNINGS.iter().any(|w| message.contains(w)) {
            return Err(Failure::corrupt(format!("damaged JPEG data: {message}")));
        }
    }
    let (width, height) = (scaled.width as u32, scaled.height as u32);
    Ok(if cmyk {
        Pixels::Cmyk { width, height, data: image.pixels }
    } else {
        Pixels::Rgb(Raster::new(width, height, false, image.pixels))
    })
}

/// Naive CMYK → RGB, used when the file's CMYK profile cannot be applied. Good enough that a
/// print-ready CMYK export does not come out as a negative.
pub fn cmyk_to_rgb(cmyk: &[u8], adobe_inverted: bool) -> Vec<u8> {
    cmyk.chunks_exact(4)
        .flat_map(|p| {
            let [c, m, y, k] = if adobe_inverted { [p[0], p[1], p[2], p[3]] } else { inv(p) };
            // With inverted storage, each value is already (255 - ink).
            let mul = |a: u8, b: u8| ((a as u16 * b as u16 + 127) / 255) as u8;
            [mul(c, k), mul(m, k), mul(y, k)]
        })
        .collect()
}

fn inv(p: &[u8]) -> [u8; 4] {
    [255 - p[0], 255 - p[1], 255 - p[2], 255 - p[3]]
}

pub fn encode(r: &Raster, quality: u8) -> Result<Vec<u8>> {
    let tj = |e: turbojpeg::Error| Failure::encode(format!("JPEG encoder: {e}"));
    let rgb;
    let pixels: &[u8] = if r.has_alpha {
        // JPEG has no alpha: composite over white, as a browser shows a transparent PNG on a page.
        rgb = flatten_on_white(&r.data);
        &rgb
    } else {
        &r.data
    };
    let mut c = turbojpeg::Compressor::new().map_err(tj)?;
    c.set_quality(quality.clamp(1, 100) as i32).map_err(tj)?;
    c.set_subsamp(turbojpeg::Subsamp::Sub2x2).map_err(tj)?;
    c.set_optimize(true).map_err(tj)?;
    let image = Image {
        pixels,
        width: r.width as usize,
        pitch: r.width as usize * 3,
        height: r.height as usize,
        format: PixelFormat::RGB,
    };
    c.compress_to_vec(image).map_err(tj)
}

fn flatten_on_white(rgba: &[u8]) -> Vec<u8> {
    rgba.chunks_exact(4)
        .flat_map(|p| {
            let a = p[3] as u16;
            let over = |c: u8| ((c as u16 * a + 255 * (255 - a) + 127) / 255) as u8;
            [over(p[0]), over(p[1]), over(p[2])]
        })
        .collect()
}

/// Rebuilds a JPEG's metadata without touching its compressed image data: every APPn and COM
/// segment is dropped (they can hold GPS, IPTC locations, maker notes) except the colour-critical
/// ones (JFIF, ICC, Adobe), and the policy-filtered EXIF and XMP are written in their place.
pub fn with_metadata(bytes: &[u8], exif: Option<&[u8]>, xmp: Option<&[u8]>) -> Result<Vec<u8>> {
    let (markers, _) = markers(bytes)?;
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    let keep = |m: &Marker| {
        let p = m.payload(bytes);
        match m.code {
            0xE0 => p.starts_with(b"JFIF\0"),
            0xE2 => p.starts_with(ICC_ID),
            0xEE => p.starts_with(b"Adobe"),
            0xE1 | 0xE3..=0xED | 0xEF | 0xFE => false,
            _ => true,
        }
    };
    // JFIF must stay first when present; metadata goes right after it.
    let jfif_first = markers.first().is_some_and(|m| m.code == 0xE0 && keep(m));
    let rest = if jfif_first {
        out.extend_from_slice(&bytes[markers[0].start..markers[0].end]);
        &markers[1..]
    } else {
        &markers[..]
    };
    if let Some(e) = exif {
        push_segment(&mut out, 0xE1, &[EXIF_ID, e])?;
    }
    if let Some(x) = xmp {
        push_segment(&mut out, 0xE1, &[XMP_ID, x])?;
    }
    for m in rest.iter().filter(|m| keep(m)) {
        out.extend_from_slice(&bytes[m.start..m.end]);
    }
    copy_primary(bytes, markers_end(bytes, &markers), &mut out).ok_or_else(|| {
        Failure::corrupt("the image data does not end where a JPEG should (no EOI)")
    })?;
    Ok(out)
}

/// Copies the primary image's scans from `i` (its first SOS) up to and including its EOI, and
/// nothing after: a phone photo appends MPF secondary images (with their own EXIF and GPS), a
/// motion photo's video or a gain map there. Metadata segments between progressive scans are
/// dropped as well. `None` when the data does not end as a JPEG should: the caller re-encodes.
fn copy_primary(bytes: &[u8], mut i: usize, out: &mut Vec<u8>) -> Option<()> {
    loop {
        while bytes.get(i) == Some(&0xFF) && bytes.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        if bytes.get(i) != Some(&0xFF) {
            return None;
        }
        let code = *bytes.get(i + 1)?;
        if code == 0xD9 {
            out.extend_from_slice(&bytes[i..i + 2]);
            return Some(());
        }
        if (0xD0..=0xD7).contains(&code) || code == 0x01 {
            out.extend_from_slice(&bytes[i..i + 2]);
            i += 2;
            continue;
        }
        let len = u16::from_be_bytes([*bytes.get(i + 2)?, *bytes.get(i + 3)?]) as usize;
        let end = i.checked_add(2 + len).filter(|e| len >= 2 && *e <= bytes.len())?;
        let metadata = matches!(code, 0xE0..=0xEF | 0xFE);
        if !metadata {
            out.extend_from_slice(&bytes[i..end]);
        }
        i = end;
        if code == 0xDA {
            // Entropy-coded data runs to the next marker that is neither a stuffed 0xFF00 nor a
            // restart marker.
            let start = i;
            loop {
                let ff = i + bytes.get(i..)?.iter().position(|b| *b == 0xFF)?;
                match *bytes.get(ff + 1)? {
                    0x00 | 0xD0..=0xD7 => i = ff + 2,
                    _ => {
                        i = ff;
                        break;
                    }
                }
            }
            out.extend_from_slice(&bytes[start..i]);
        }
    }
}

fn markers_end(bytes: &[u8], markers: &[Marker]) -> usize {
    let after = markers.last().map_or(2, |m| m.end);
    // Skip fill bytes up to the next marker (SOS or a standalone one).
    let mut i = after;
    while bytes.get(i) == Some(&0xFF) && bytes.get(i + 1) == Some(&0xFF) {
        i += 1;
    }
    i
}

fn push_segment(out: &mut Vec<u8>, code: u8, parts: &[&[u8]]) -> Result<()> {
    let len: usize = parts.iter().map(|p| p.len()).sum::<usize>() + 2;
    let len = u16::try_from(len)
        .map_err(|_| Failure::new(ErrorKind::Encode, "metadata block exceeds 64 KiB"))?;
    out.extend_from_slice(&[0xFF, code]);
    out.extend_from_slice(&len.to_be_bytes());
    for p in parts {
        out.extend_from_slice(p);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny_jpeg() -> Vec<u8> {
        let r = Raster::new(16, 8, false, vec![128; 16 * 8 * 3]);
        encode(&r, 80).unwrap()
    }

    #[test]
    fn scale_leaves_a_factor_of_two_for_the_final_resize() {
        assert_eq!(scale_for(6000, 2560), 1);
        assert_eq!(scale_for(12000, 2560), 2);
        assert_eq!(scale_for(6000, 256), 8);
        assert_eq!(scale_for(4000, 256), 4);
        assert_eq!(scale_for(2000, 2560), 1);
    }

    #[test]
    fn metadata_rewrite_replaces_exif_and_keeps_pixels_decodable() {
        let jpeg = tiny_jpeg();
        let tagged = with_metadata(&jpeg, Some(b"II*\0old-gps"), None).unwrap();
        assert!(segments(&tagged).unwrap().exif.unwrap().ends_with(b"old-gps"));
        let clean = with_metadata(&tagged, Some(b"II*\0new"), Some(b"<x/>")).unwrap();
        let seg = segments(&clean).unwrap();
        assert_eq!(seg.exif.as_deref(), Some(&b"II*\0new"[..]));
        assert_eq!(seg.xmp.as_deref(), Some(&b"<x/>"[..]));
        assert!(!clean.windows(7).any(|w| w == b"old-gps"));
        let Pixels::Rgb(r) = decode(&clean, 1).unwrap() else { panic!("expected RGB") };
        assert_eq!((r.width, r.height), (16, 8));
    }

    #[test]
    fn truncated_jpeg_is_corrupt() {
        let jpeg = tiny_jpeg();
        let Err(err) = decode(&jpeg[..jpeg.len() - 40], 1) else { panic!("decoded") };
        assert_eq!(err.kind, ErrorKind::Corrupt);
    }

    #[test]
    fn cmyk_conversion_handles_both_storage_conventions() {
        // Pure red ink: C=0 M=255 Y=255 K=0.
        assert_eq!(cmyk_to_rgb(&[0, 255, 255, 0], false), vec![255, 0, 0]);
        assert_eq!(cmyk_to_rgb(&[255, 0, 0, 255], true), vec![255, 0, 0]);
    }
}
