//! Lossy WebP through libwebp (the `image` crate's own encoder is lossless only), and the RIFF
//! muxing that adds EXIF and XMP chunks, which libwebp's simple encoder cannot write.

use crate::error::{Failure, Result};
use crate::raster::Raster;
use libwebp_sys as sys;

pub fn encode(r: &Raster, quality: u8) -> Result<Vec<u8>> {
    let err = |what: &str| Failure::encode(format!("WebP encoder: {what}"));
    let (w, h) = (r.width as i32, r.height as i32);
    if w > sys::WEBP_MAX_DIMENSION as i32 || h > sys::WEBP_MAX_DIMENSION as i32 {
        return Err(err("image exceeds WebP's 16383 px limit"));
    }
    let mut config = sys::WebPConfig::new().map_err(|_| err("config init"))?;
    config.quality = quality.clamp(1, 100) as f32;
    config.method = 4;
    // Parallelism comes from converting several photos at once; one thread per encode is
    // cheaper than splitting each encode.
    config.thread_level = 0;
    config.alpha_quality = 100;
    let mut picture = sys::WebPPicture::new().map_err(|_| err("picture init"))?;
    picture.width = w;
    picture.height = h;
    let mut writer = std::mem::MaybeUninit::<sys::WebPMemoryWriter>::uninit();
    // SAFETY: libwebp's C API: the config and picture were initialised above; the picture borrows
    // `r.data` only for the duration of import; the writer is initialised before use and cleared
    // (its buffer freed) on every path after it has been written to.
    unsafe {
        if sys::WebPValidateConfig(&config) == 0 {
            return Err(err("invalid config"));
        }
        let stride = r.width as i32 * r.channels() as i32;
        let imported = if r.has_alpha {
            sys::WebPPictureImportRGBA(&mut picture, r.data.as_ptr(), stride)
        } else {
            sys::WebPPictureImportRGB(&mut picture, r.data.as_ptr(), stride)
        };
        if imported == 0 {
            sys::WebPPictureFree(&mut picture);
            return Err(err("out of memory importing pixels"));
        }
        sys::WebPMemoryWriterInit(writer.as_mut_ptr());
        picture.writer = Some(sys::WebPMemoryWrite);
        picture.custom_ptr = writer.as_mut_ptr().cast();
        let ok = sys::WebPEncode(&config, &mut picture);
        let code = picture.error_code;
        sys::WebPPictureFree(&mut picture);
        let mut writer = writer.assume_init();
        let out = if ok != 0 && !writer.mem.is_null() {
            Ok(std::slice::from_raw_parts(writer.mem, writer.size).to_vec())
        } else {
            Err(err(&format!("encoding failed ({code:?})")))
        };
        sys::WebPMemoryWriterClear(&mut writer);
        out
    }
}

/// A chunk of a RIFF/WebP file.
struct Chunk<'a> {
    fourcc: [u8; 4],
    data: &'a [u8],
}

fn chunks(file: &[u8]) -> Result<Vec<Chunk<'_>>> {
    let bad = || Failure::corrupt("malformed WebP container");
    if file.len() < 12 || &file[0..4] != b"RIFF" || &file[8..12] != b"WEBP" {
        return Err(bad());
    }
    let mut out = Vec::new();
    let mut i = 12;
    while i + 8 <= file.len() {
        let fourcc: [u8; 4] = file[i..i + 4].try_into().map_err(|_| bad())?;
        let size = u32::from_le_bytes(file[i + 4..i + 8].try_into().map_err(|_| bad())?) as usize;
        let data = file.get(i + 8..i + 8 + size).ok_or_else(bad)?;
        out.push(Chunk { fourcc, data });
        i += 8 + size + (size & 1);
    }
    Ok(out)
}

/// `None` without an image chunk, or with a zero width or height (which no decoder draws).
fn canvas_size(chunks: &[Chunk]) -> Option<(u32, u32)> {
    image_size(chunks).filter(|&(w, h)| w > 0 && h > 0)
}

fn image_size(chunks: &[Chunk]) -> Option<(u32, u32)> {
    for c in chunks {
        let d = c.data;
        match &c.fourcc {
            b"VP8X" if d.len() >= 10 => {
                let w = u32::from_le_bytes([d[4], d[5], d[6], 0]) + 1;
                let h = u32::from_le_bytes([d[7], d[8], d[9], 0]) + 1;
                return Some((w, h));
            }
            b"VP8 " if d.len() >= 10 => {
                let w = u16::from_le_bytes([d[6], d[7]]) & 0x3FFF;
                let h = u16::from_le_bytes([d[8], d[9]]) & 0x3FFF;
                return Some((w as u32, h as u32));
            }
            b"VP8L" if d.len() >= 5 => {
                let bits = u32::from_le_bytes([d[1], d[2], d[3], d[4]]);
                return Some(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1));
            }
            _ => {}
        }
    }
    None
}

/// Canvas size from the container headers, without decoding.
pub fn dimensions(file: &[u8]) -> Option<(u32, u32)> {
    chunks(file).ok().as_deref().and_then(canvas_size)
}

/// Rewrites a still WebP with the given metadata: existing EXIF/XMP chunks are dropped, the image
/// and ICC chunks kept, and the VP8X header's flags recomputed to match.
pub fn with_metadata(file: &[u8], exif: Option<&[u8]>, xmp: Option<&[u8]>) -> Result<Vec<u8>> {
    let chunks = chunks(file)?;
    if chunks.iter().any(|c| &c.fourcc == b"ANIM") {
        return Err(Failure::unsupported("animated WebP"));
    }
    let (w, h) = canvas_size(&chunks).ok_or_else(|| Failure::corrupt("WebP without image data"))?;
    let has = |f: &[u8; 4]| chunks.iter().any(|c| &c.fourcc == f);
    let icc = chunks.iter().find(|c| &c.fourcc == b"ICCP");
    let image: Vec<&Chunk> =
        chunks.iter().filter(|c| matches!(&c.fourcc, b"ALPH" | b"VP8 " | b"VP8L")).collect();
    let alpha = has(b"ALPH")
        || chunks
            .iter()
            .any(|c| &c.fourcc == b"VP8X" && c.data.first().is_some_and(|f| f & 0x10 != 0))
        || chunks.iter().any(|c| &c.fourcc == b"VP8L" && c.data.len() > 4 && c.data[4] & 0x10 != 0);
    if exif.is_none() && xmp.is_none() && icc.is_none() && !has(b"ALPH") {
        // The simple format suffices.
        let mut body = Vec::new();
        image.iter().for_each(|c| push_chunk(&mut body, &c.fourcc, c.data));
        return Ok(riff(body));
    }
    let mut flags = 0u8;
    if icc.is_some() {
        flags |= 0x20;
    }
    if alpha {
        flags |= 0x10;
    }
    if exif.is_some() {
        flags |= 0x08;
    }
    if xmp.is_some() {
        flags |= 0x04;
    }
    let mut vp8x = [0u8; 10];
    vp8x[0] = flags;
    vp8x[4..7].copy_from_slice(&(w - 1).to_le_bytes()[..3]);
    vp8x[7..10].copy_from_slice(&(h - 1).to_le_bytes()[..3]);
    let mut body = Vec::new();
    push_chunk(&mut body, b"VP8X", &vp8x);
    if let Some(c) = icc {
        push_chunk(&mut body, b"ICCP", c.data);
    }
    image.iter().for_each(|c| push_chunk(&mut body, &c.fourcc, c.data));
    if let Some(e) = exif {
        push_chunk(&mut body, b"EXIF", e);
    }
    if let Some(x) = xmp {
        push_chunk(&mut body, b"XMP ", x);
    }
    Ok(riff(body))
}

fn push_chunk(out: &mut Vec<u8>, fourcc: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(fourcc);
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(data);
    if data.len() % 2 == 1 {
        out.push(0);
    }
}

fn riff(body: Vec<u8>) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 12);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(body.len() as u32 + 4).to_le_bytes());
    out.extend_from_slice(b"WEBP");
    out.extend(body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::ImageDecoder;

    fn gradient(w: u32, h: u32, alpha: bool) -> Raster {
        let c = if alpha { 4 } else { 3 };
        let mut data = Vec::with_capacity((w * h) as usize * c);
        for y in 0..h {
            for x in 0..w {
                data.extend_from_slice(&[(x * 255 / w) as u8, (y * 255 / h) as u8, 90]);
                if alpha {
                    data.push((x * 255 / w) as u8);
                }
            }
        }
        Raster::new(w, h, alpha, data)
    }

    fn decode(bytes: &[u8]) -> image::codecs::webp::WebPDecoder<std::io::Cursor<&[u8]>> {
        image::codecs::webp::WebPDecoder::new(std::io::Cursor::new(bytes)).unwrap()
    }

    #[test]
    fn metadata_chunks_are_added_and_readable() {
        let plain = encode(&gradient(64, 48, false), 82).unwrap();
        let tagged = with_metadata(&plain, Some(b"II*\0\x08\0\0\0\0\0"), Some(b"<x/>")).unwrap();
        let mut d = decode(&tagged);
        assert_eq!(d.dimensions(), (64, 48));
        assert_eq!(d.exif_metadata().unwrap().as_deref(), Some(&b"II*\0\x08\0\0\0\0\0"[..]));
        assert_eq!(d.xmp_metadata().unwrap().as_deref(), Some(&b"<x/>"[..]));
        // Rewriting again replaces rather than duplicates.
        let again = with_metadata(&tagged, None, Some(b"<y/>")).unwrap();
        let names: Vec<_> = chunks(&again).unwrap().iter().map(|c| c.fourcc).collect();
        assert_eq!(names.iter().filter(|n| *n == b"XMP ").count(), 1);
        assert!(!names.contains(b"EXIF"));
    }

    #[test]
    fn alpha_survives_lossy_encoding_and_muxing() {
        let webp = encode(&gradient(40, 30, true), 82).unwrap();
        let webp = with_metadata(&webp, None, Some(b"<x/>")).unwrap();
        let d = decode(&webp);
        assert!(d.color_type().has_alpha());
        let img = image::DynamicImage::from_decoder(d).unwrap().to_rgba8();
        assert!(img.get_pixel(0, 0)[3] < 30 && img.get_pixel(39, 0)[3] > 225);
    }
}
