//! What a file claims, checked before any decoder runs: every image size it declares against
//! the pixel limit, every length a decoder would allocate from against the file's own length,
//! and the image data against what the claimed size needs. Decoders (the `image` crate, libheif,
//! rawler) allocate what a header says before they read the data, and an allocation that fails
//! ends the process; so a file that claims 60,000 × 60,000 pixels over 600 KB of data is refused
//! here, by reading a few hundred bytes of headers.

mod bmff;
pub mod tiff;

use crate::error::{ErrorKind, Failure, Result};
use crate::sniff::SourceFormat;

/// The most pixels (or raw samples) one byte of compressed data can stand for: deflate's limit,
/// the loosest of the codecs these formats use (a lossless JPEG needs a bit a sample, LZW about
/// one byte per 2,700 pixels).
const MAX_RATIO: u64 = 1032;

/// What the headers declare; `tiff` is kept for the raw probe, which sizes a DNG from it.
#[derive(Debug, Default)]
pub struct Declared {
    pub tiff: Option<tiff::TiffLayout>,
}

pub fn too_large(w: u64, h: u64, pixel_limit: u64) -> Failure {
    Failure::new(
        ErrorKind::TooLarge,
        format!(
            "too large: {w} × {h} ({:.0} MP; Folio reads photos up to {:.0} MP)",
            (w * h) as f64 / 1e6,
            pixel_limit as f64 / 1e6
        ),
    )
}

pub fn check_size(w: u64, h: u64, pixel_limit: u64) -> Result<()> {
    if w == 0 || h == 0 {
        return Err(Failure::corrupt("the image has zero width or height"));
    }
    if w.saturating_mul(h) > pixel_limit {
        return Err(too_large(w, h, pixel_limit));
    }
    Ok(())
}

/// The image data cannot be what the size needs: a truncated file, or a bomb under the limit.
fn check_data(w: u64, h: u64, needed: u64, have: u64) -> Result<()> {
    if have.saturating_mul(MAX_RATIO) < needed {
        return Err(Failure::corrupt(format!(
            "the file holds {have} bytes of image data, too little for the {w} × {h} pixels it \
             claims (truncated, damaged, or made to exhaust memory)"
        )));
    }
    Ok(())
}

pub fn check(bytes: &[u8], format: SourceFormat, pixel_limit: u64) -> Result<Declared> {
    match format {
        SourceFormat::Png => png(bytes, pixel_limit)?,
        SourceFormat::Gif => gif(bytes, pixel_limit)?,
        SourceFormat::Webp => {
            if let Some((w, h)) = crate::webp::dimensions(bytes) {
                check_size(w.into(), h.into(), pixel_limit)?;
            }
        }
        SourceFormat::Jpeg => {
            if let Some((w, h)) = jpeg_frame_size(bytes, |m| m != 0xC4 && m != 0xC8 && m != 0xCC) {
                check_size(w, h, pixel_limit)?;
            }
        }
        SourceFormat::Heif | SourceFormat::Avif => {
            for (w, h) in bmff::layout(bytes)?.ispe {
                check_size(w, h, pixel_limit)?;
            }
        }
        SourceFormat::Tiff => {
            let layout = tiff::layout(bytes, false)?;
            check_tiff(&layout, bytes, pixel_limit, true)?;
            return Ok(Declared { tiff: Some(layout) });
        }
        SourceFormat::Raw => return raw(bytes, pixel_limit),
    }
    Ok(Declared::default())
}

fn check_tiff(l: &tiff::TiffLayout, b: &[u8], pixel_limit: u64, strict: bool) -> Result<()> {
    if let Some((w, h)) = l.panasonic_sensor {
        check_size(w, h, pixel_limit)?;
    }
    for d in &l.images {
        check_size(d.width, d.height, pixel_limit)?;
        // Canon's CR2 keeps its raw as a lossless JPEG whose own header gives the size.
        let jpeg = matches!(d.compression, 6 | 7);
        if let Some((w, h)) = d
            .first_strip
            .filter(|_| jpeg)
            .and_then(|at| jpeg_frame_size(b.get(at..)?, |m| m == 0xC3))
        {
            check_size(w, h, pixel_limit)?;
        }
        // Some cameras write no byte counts (or zeros); only stated data is weighed.
        if d.has_data && (strict || d.data_bytes > 0) {
            let bits = d.width * d.height * d.samples * d.bits.min(32);
            let needed = if d.compression == 1 { bits / 8 / 4 * MAX_RATIO } else { bits / 8 };
            check_data(d.width, d.height, needed, d.data_bytes)?;
        }
    }
    Ok(())
}

/// A JPEG frame header's width and height, from the marker segments before the first scan; the
/// first frame marker (SOF0–SOF15) that `wanted` accepts. A lossless frame (SOF3, a CR2's raw
/// data) counts width × components, as raw decoders lay it out.
fn jpeg_frame_size(b: &[u8], wanted: impl Fn(u8) -> bool) -> Option<(u64, u64)> {
    if !b.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut at = 2;
    for _ in 0..256 {
        let (&ff, &marker) = (b.get(at)?, b.get(at + 1)?);
        if ff != 0xFF || marker == 0xDA {
            return None;
        }
        // Fill bytes before a marker.
        if marker == 0xFF {
            at += 1;
            continue;
        }
        let len = usize::from(u16::from_be_bytes([*b.get(at + 2)?, *b.get(at + 3)?]));
        if (0xC0..=0xCF).contains(&marker) && wanted(marker) {
            let f = b.get(at + 4..at + 10)?;
            let (h, w) = (u16::from_be_bytes([f[1], f[2]]), u16::from_be_bytes([f[3], f[4]]));
            let w = if marker == 0xC3 { u64::from(w) * u64::from(f[5]) } else { u64::from(w) };
            return Some((w, u64::from(h)));
        }
        at += 2 + len;
    }
    None
}

fn raw(b: &[u8], pixel_limit: u64) -> Result<Declared> {
    if b.len() >= 12 && &b[4..8] == b"ftyp" {
        for (w, h) in bmff::layout(b)?.cmp1 {
            check_size(w, h, pixel_limit)?;
        }
        return Ok(Declared::default());
    }
    if b.starts_with(b"FUJIFILMCCD-RAW") {
        for (w, h) in raf_sizes(b) {
            check_size(w, h, pixel_limit)?;
        }
        return Ok(Declared::default());
    }
    let layout = tiff::layout(b, true)?;
    // DNG writers follow the specification's byte counts; other makers' are weighed only when
    // they state them.
    check_tiff(&layout, b, pixel_limit, layout.dng)?;
    Ok(Declared { tiff: Some(layout) })
}

/// The raw sizes in a RAF's CFA header (tags 0x100, full size, and 0x121, raw size: height then
/// width, big-endian).
fn raf_sizes(b: &[u8]) -> Vec<(u64, u64)> {
    let be32 = |at: usize| -> Option<usize> {
        Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?) as usize)
    };
    let be16 = |at: usize| -> Option<u64> {
        Some(u64::from(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?)))
    };
    let mut out = Vec::new();
    let Some(dir) = be32(92) else { return out };
    let Some(count) = be32(dir) else { return out };
    let mut at = dir + 4;
    for _ in 0..count.min(256) {
        let (Some(tag), Some(size)) = (be16(at), be16(at + 2)) else { break };
        if tag == 0x100 || tag == 0x121 {
            if let (Some(h), Some(w)) = (be16(at + 4), be16(at + 6)) {
                out.push((w, h));
            }
        }
        at += 4 + size as usize;
    }
    out
}

fn png(b: &[u8], pixel_limit: u64) -> Result<()> {
    let be32 = |at: usize| -> Option<u64> {
        Some(u64::from(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?)))
    };
    let (Some(w), Some(h)) = (be32(16), be32(20)) else {
        return Err(Failure::corrupt("the PNG header is cut short"));
    };
    check_size(w, h, pixel_limit)?;
    let depth = u64::from(b.get(24).copied().unwrap_or(8));
    let channels = match b.get(25) {
        Some(2) => 3,
        Some(4) => 2,
        Some(6) => 4,
        _ => 1,
    };
    let (mut at, mut idat) = (8usize, 0u64);
    while let Some(len) = be32(at) {
        let kind = b.get(at + 4..at + 8).unwrap_or_default();
        if kind == b"IDAT" {
            idat += len.min((b.len() - at) as u64);
        }
        if kind == b"IEND" {
            break;
        }
        at = at.saturating_add(12).saturating_add(len as usize);
    }
    let needed = h * (1 + (w * channels * depth).div_ceil(8));
    check_data(w, h, needed, idat)
}

fn gif(b: &[u8], pixel_limit: u64) -> Result<()> {
    let le16 = |at: usize| -> Option<u64> {
        Some(u64::from(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?)))
    };
    let (Some(w), Some(h)) = (le16(6), le16(8)) else {
        return Err(Failure::corrupt("the GIF header is cut short"));
    };
    check_size(w, h, pixel_limit)?;
    let flags = b.get(10).copied().unwrap_or(0);
    let mut at = 13 + if flags & 0x80 != 0 { 3 << ((flags & 7) + 1) } else { 0 };
    // Extensions come before the first frame; its descriptor gives the frame's own size.
    while let Some(&block) = b.get(at) {
        match block {
            0x21 => {
                at += 2;
                while let Some(&n) = b.get(at) {
                    at += 1 + n as usize;
                    if n == 0 {
                        break;
                    }
                }
            }
            0x2C => {
                let (Some(fw), Some(fh)) = (le16(at + 5), le16(at + 7)) else { break };
                return check_size(fw.max(1), fh.max(1), pixel_limit);
            }
            _ => break,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
