//! AVIF through libheif's AV1 encoder (libaom in Debian's, Homebrew's and vcpkg's libheif), the
//! library Folio already reads HEIC with (docs/adr/0011). Measured at 2560 px (`make
//! bench-convert`): libaom at its fast speeds encodes in about the time libwebp takes, where
//! rav1e (through ravif) took over twenty times as long for the same SSIM. A libheif built
//! without an AV1 encoder returns `None`, and the caller encodes with ravif instead.

use crate::error::{Failure, Result};
use crate::raster::Raster;
use libheif_rs::{
    Channel, ColorProfileNCLX, ColorSpace, CompressionFormat, EncoderParameterValue,
    EncoderQuality, HeifContext, Image, LibHeif, RgbChroma,
};

/// libaom's speed (0 slowest – 9 fastest) for the preset's `avif_speed` (1 slowest – 10
/// fastest). The preset's default, 6, is libaom's 9: the fastest, and still smaller than WebP
/// at the same SSIM.
pub fn aom_speed(avif_speed: u8) -> i32 {
    (avif_speed.clamp(1, 10) as i32 + 3).min(9)
}

/// libheif's quality for the preset's: a little above the one whose SSIM matches WebP's at
/// that quality, measured on 24 MP photos at 2560 px (`make bench-convert`; WebP q60 ≈ AVIF 53,
/// q82 ≈ 69, q90 ≈ 82). So an album's one quality setting gives AVIF files that look at least
/// as good as its WebP ones, and about a fifth smaller.
pub fn heif_quality(quality: u8) -> u8 {
    const MATCHED: [(f32, f32); 5] = [(1., 1.), (60., 55.), (82., 71.), (90., 84.), (100., 100.)];
    let q = quality.clamp(1, 100) as f32;
    let at = MATCHED.windows(2).find(|w| q <= w[1].0).expect("1–100 lies in the table");
    let ((q0, h0), (q1, h1)) = (at[0], at[1]);
    (h0 + (q - q0) * (h1 - h0) / (q1 - q0)).round() as u8
}

/// The AVIF file, or `None` when this libheif has no AV1 encoder.
pub fn encode(
    r: &Raster,
    quality: u8,
    avif_speed: u8,
    exif: Option<&[u8]>,
    xmp: Option<&[u8]>,
) -> Result<Option<Vec<u8>>> {
    let fail = |e: libheif_rs::HeifError| Failure::encode(format!("AVIF encoder: {}", e.message));
    let Ok(mut encoder) = libheif().encoder_for_format(CompressionFormat::Av1) else {
        return Ok(None);
    };
    encoder.set_quality(EncoderQuality::Lossy(heif_quality(quality))).map_err(fail)?;
    let set = |name: &str, v: EncoderParameterValue| {
        // A parameter another AV1 encoder does not know is left at its default.
        if encoder.parameters_names().iter().any(|n| n == name) {
            encoder.set_parameter_value(name, v).map_err(fail)
        } else {
            Ok(())
        }
    };
    set("speed", EncoderParameterValue::Int(aom_speed(avif_speed)))?;
    // Parallelism comes from converting several photos at once, as with WebP.
    set("threads", EncoderParameterValue::Int(1))?;
    set("chroma", EncoderParameterValue::String("420".into()))?;
    let image = heif_image(r).map_err(fail)?;
    let mut ctx = HeifContext::new().map_err(fail)?;
    let handle = ctx.encode_image(&image, &mut encoder, None).map_err(fail)?;
    if let Some(exif) = exif {
        ctx.add_exif_metadata(&handle, exif).map_err(fail)?;
    }
    if let Some(xmp) = xmp {
        ctx.add_xmp_metadata(&handle, xmp).map_err(fail)?;
    }
    ctx.write_to_bytes().map(Some).map_err(fail)
}

/// libheif, set up once for the process. Never dropped: dropping a `LibHeif` deinitialises
/// libheif for everyone, and the HEIC decoder found its plugins gone.
fn libheif() -> &'static LibHeif {
    static LIB: std::sync::OnceLock<LibHeif> = std::sync::OnceLock::new();
    LIB.get_or_init(LibHeif::new)
}

/// The pixels as a libheif image, described as sRGB (BT.709 primaries, sRGB transfer, full
/// range), which is what every raster here is by the time it is encoded.
fn heif_image(r: &Raster) -> libheif_rs::Result<Image> {
    let chroma = if r.has_alpha { RgbChroma::Rgba } else { RgbChroma::Rgb };
    let mut image = Image::new(r.width, r.height, ColorSpace::Rgb(chroma))?;
    image.create_plane(Channel::Interleaved, r.width, r.height, 8)?;
    let row = r.width as usize * r.channels();
    let planes = image.planes_mut();
    let plane = planes.interleaved.expect("an interleaved plane was just added");
    for (dst, src) in plane.data.chunks_mut(plane.stride).zip(r.data.chunks_exact(row)) {
        dst[..row].copy_from_slice(src);
    }
    if let Some(nclx) = ColorProfileNCLX::new() {
        image.set_color_profile_nclx(&nclx)?;
    }
    Ok(image)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_presets_speeds_map_onto_libaoms() {
        assert_eq!(aom_speed(6), 9, "the default is libaom's fastest");
        assert_eq!(aom_speed(1), 4);
        assert_eq!(aom_speed(10), 9);
        assert_eq!(aom_speed(0), 4, "clamped");
    }

    #[test]
    fn this_libheif_encodes_avif_itself() {
        // scripts/setup.sh installs a libheif with libaom; without it every AVIF would take
        // rav1e's seconds, quietly.
        let r = Raster::new(32, 16, false, vec![128; 32 * 16 * 3]);
        let file = encode(&r, 82, 6, None, None).unwrap().expect("libheif has an AV1 encoder");
        assert_eq!(crate::sniff(&file), Some(crate::SourceFormat::Avif));
    }

    #[test]
    fn qualities_follow_the_matched_points_and_stay_in_order() {
        assert_eq!((heif_quality(82), heif_quality(60), heif_quality(90)), (71, 55, 84));
        assert_eq!((heif_quality(1), heif_quality(100)), (1, 100));
        assert_eq!(heif_quality(0), 1, "clamped");
        let all: Vec<u8> = (1..=100).map(heif_quality).collect();
        assert!(all.windows(2).all(|w| w[0] <= w[1]), "a higher setting is never worse");
    }
}
