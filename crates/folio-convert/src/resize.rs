//! High-quality downscaling (Lanczos3, SIMD) to a maximum long edge; never upscales.

use crate::error::{Failure, Result};
use crate::raster::Raster;
use fast_image_resize::{images::Image, FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};

/// The size that fits `(w, h)` within `max_edge` on its long side, keeping the aspect ratio.
pub fn fitted(w: u32, h: u32, max_edge: u32) -> (u32, u32) {
    let long = w.max(h);
    if long <= max_edge || max_edge == 0 {
        return (w, h);
    }
    let scale = |v: u32| ((v as u64 * max_edge as u64 + long as u64 / 2) / long as u64).max(1);
    (scale(w) as u32, scale(h) as u32)
}

pub fn fit(r: Raster, max_edge: u32) -> Result<Raster> {
    let (w, h) = fitted(r.width, r.height, max_edge);
    if (w, h) == (r.width, r.height) {
        return Ok(r);
    }
    let pixel = if r.has_alpha { PixelType::U8x4 } else { PixelType::U8x3 };
    let src = Image::from_vec_u8(r.width, r.height, r.data, pixel)
        .map_err(|e| Failure::encode(format!("resize: {e}")))?;
    let mut dst = Image::new(w, h, pixel);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    Resizer::new()
        .resize(&src, &mut dst, &options)
        .map_err(|e| Failure::encode(format!("resize: {e}")))?;
    Ok(Raster::new(w, h, r.has_alpha, dst.into_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_long_edge_and_never_upscales() {
        assert_eq!(fitted(6000, 4000, 2560), (2560, 1707));
        assert_eq!(fitted(4000, 6000, 2560), (1707, 2560));
        assert_eq!(fitted(800, 600, 2560), (800, 600));
        assert_eq!(fitted(10000, 1, 256), (256, 1));
    }

    #[test]
    fn resizes_pixels() {
        let r = Raster::new(100, 50, false, vec![200; 100 * 50 * 3]);
        let out = fit(r, 40).unwrap();
        assert_eq!((out.width, out.height), (40, 20));
        assert!(out.data.iter().all(|&v| (199..=201).contains(&v)));
    }
}
