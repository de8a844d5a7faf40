//! Encoders for each output format, over one [`Raster`].

use crate::error::{Failure, Result};
use crate::raster::Raster;
use crate::{avif, jpeg, webp};

/// AVIF through libheif's AV1 encoder, or rav1e where libheif has none.
pub fn avif(
    r: &Raster,
    quality: u8,
    speed: u8,
    exif: Option<&[u8]>,
    xmp: Option<&[u8]>,
) -> Result<Vec<u8>> {
    match avif::encode(r, quality, speed, exif, xmp)? {
        Some(file) => Ok(file),
        None => avif_rav1e(r, quality, speed, exif),
    }
}

/// AVIF through rav1e: pure Rust, so always there, but slow (seconds at 2560 px).
pub fn avif_rav1e(r: &Raster, quality: u8, speed: u8, exif: Option<&[u8]>) -> Result<Vec<u8>> {
    let mut enc = ravif::Encoder::new()
        .with_quality(quality.clamp(1, 100) as f32)
        .with_alpha_quality(quality.clamp(1, 100) as f32)
        .with_speed(speed.clamp(1, 10))
        .with_num_threads(Some(1));
    if let Some(e) = exif {
        enc = enc.with_exif(e);
    }
    let (w, h) = (r.width as usize, r.height as usize);
    let out = if r.has_alpha {
        let px: &[rgb::RGBA8] = rgb::bytemuck::cast_slice(&r.data);
        enc.encode_rgba(ravif::Img::new(px, w, h))
    } else {
        let px: &[rgb::RGB8] = rgb::bytemuck::cast_slice(&r.data);
        enc.encode_rgb(ravif::Img::new(px, w, h))
    };
    out.map(|e| e.avif_file).map_err(|e| Failure::encode(format!("AVIF encoder: {e}")))
}

pub fn webp(r: &Raster, quality: u8, exif: Option<&[u8]>, xmp: Option<&[u8]>) -> Result<Vec<u8>> {
    let bytes = webp::encode(r, quality)?;
    if exif.is_none() && xmp.is_none() {
        return Ok(bytes);
    }
    webp::with_metadata(&bytes, exif, xmp)
}

pub fn jpeg(r: &Raster, quality: u8, exif: Option<&[u8]>, xmp: Option<&[u8]>) -> Result<Vec<u8>> {
    let bytes = jpeg::encode(r, quality)?;
    if exif.is_none() && xmp.is_none() {
        return Ok(bytes);
    }
    jpeg::with_metadata(&bytes, exif, xmp)
}

pub fn png(r: &Raster) -> Result<Vec<u8>> {
    use image::ImageEncoder;
    let mut out = Vec::new();
    let color =
        if r.has_alpha { image::ExtendedColorType::Rgba8 } else { image::ExtendedColorType::Rgb8 };
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(&r.data, r.width, r.height, color)
        .map_err(|e| Failure::encode(format!("PNG encoder: {e}")))?;
    Ok(out)
}
