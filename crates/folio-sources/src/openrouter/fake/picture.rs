//! The pictures: the size an `image_config` asks for, the PNG a generation answers with, and
//! the size of an image part a request carries.

use base64::Engine;
use sha2::{Digest, Sha256};

/// Every generated picture is this many times smaller on each side than the provider's, so
/// tests draw and decode 336×192 instead of 1344×768; the aspect ratio is kept exactly.
pub(super) const SCALE_DOWN: u32 = 4;

/// Gemini's sizes at `image_size` 1K, by `aspect_ratio` (the table in openrouter.md).
const ASPECTS: [(&str, u32, u32); 10] = [
    ("1:1", 1024, 1024),
    ("2:3", 832, 1248),
    ("3:2", 1248, 832),
    ("3:4", 864, 1184),
    ("4:3", 1184, 864),
    ("4:5", 896, 1152),
    ("5:4", 1152, 896),
    ("9:16", 768, 1344),
    ("16:9", 1344, 768),
    ("21:9", 1536, 672),
];

/// The fake's width and height for an `image_config`: the table's size (1:1 when none is
/// asked), doubled for 2K and quadrupled for 4K, then [`SCALE_DOWN`]. An aspect or size not
/// in the lists is the 400's message, as a provider refuses values it does not offer.
pub(super) fn size(aspect: Option<&str>, image_size: Option<&str>) -> Result<(u32, u32), String> {
    let aspect = aspect.unwrap_or("1:1");
    let Some(&(_, w, h)) = ASPECTS.iter().find(|(a, _, _)| *a == aspect) else {
        return Err(format!("Unsupported aspect_ratio: {aspect}"));
    };
    let times = match image_size.unwrap_or("1K") {
        "1K" => 1,
        "2K" => 2,
        "4K" => 4,
        other => return Err(format!("Unsupported image_size: {other}")),
    };
    Ok((w * times / SCALE_DOWN, h * times / SCALE_DOWN))
}

/// A PNG of `width`×`height`: a diagonal blend of two colours drawn from the prompt and the
/// call's number, with that number written into the first pixel, so no two calls give the
/// same bytes even for the same prompt.
pub(super) fn draw(width: u32, height: u32, prompt: &str, call: u64) -> Vec<u8> {
    let mut hasher = Sha256::new();
    hasher.update(prompt.as_bytes());
    hasher.update(call.to_le_bytes());
    let seed = hasher.finalize();
    let (from, to) = ([seed[0], seed[1], seed[2]], [seed[3], seed[4], seed[5]]);
    let span = (width + height).max(2) - 2;
    let picture = image::RgbImage::from_fn(width, height, |x, y| {
        if x == 0 && y == 0 {
            let b = call.to_le_bytes();
            return image::Rgb([b[0], b[1], b[2]]);
        }
        let t = f64::from(x + y) / f64::from(span.max(1));
        let mix = |a: u8, b: u8| (f64::from(a) * (1.0 - t) + f64::from(b) * t).round() as u8;
        image::Rgb([mix(from[0], to[0]), mix(from[1], to[1]), mix(from[2], to[2])])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    picture.write_to(&mut out, image::ImageFormat::Png).expect("a PNG in memory");
    out.into_inner()
}

/// What an `image_url` part holds.
pub(super) enum Part {
    /// A `data:` URL: (width, height, declared media type).
    Decoded(u32, u32, String),
    /// An address the fake does not download.
    Address(String),
}

/// Reads an image part's URL; `Err` is the 400's message when a data URL is not a picture.
pub(super) fn read(url: &str) -> Result<Part, String> {
    let Some(rest) = url.strip_prefix("data:") else {
        return Ok(Part::Address(url.into()));
    };
    let bad = || format!("Invalid image data URL ({} bytes)", url.len());
    let (media_type, data) = rest.split_once(";base64,").ok_or_else(bad)?;
    let bytes = base64::engine::general_purpose::STANDARD.decode(data).map_err(|_| bad())?;
    let (w, h) = dimensions(&bytes).ok_or_else(bad)?;
    Ok(Part::Decoded(w, h, media_type.into()))
}

/// Width and height from the image's header: PNG, WebP and GIF by the `image` crate, JPEG
/// by libjpeg-turbo (the workspace's `image` has no JPEG decoder).
fn dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    match image::guess_format(bytes).ok()? {
        image::ImageFormat::Jpeg => {
            let header = turbojpeg::read_header(bytes).ok()?;
            Some((u32::try_from(header.width).ok()?, u32::try_from(header.height).ok()?))
        }
        format @ (image::ImageFormat::Png | image::ImageFormat::WebP | image::ImageFormat::Gif) => {
            image::ImageReader::with_format(std::io::Cursor::new(bytes), format)
                .into_dimensions()
                .ok()
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_follow_the_aspect_table_scaled_down() {
        assert_eq!(size(None, None), Ok((256, 256)));
        assert_eq!(size(Some("16:9"), None), Ok((336, 192)));
        assert_eq!(size(Some("3:2"), Some("2K")), Ok((624, 416)));
        assert!(size(Some("7:3"), None).is_err());
        assert!(size(None, Some("8K")).is_err());
    }

    #[test]
    fn the_same_prompt_draws_different_bytes_each_call() {
        let (a, b) = (draw(8, 4, "a fox", 1), draw(8, 4, "a fox", 2));
        assert_ne!(a, b);
        let png = image::load_from_memory(&a).unwrap();
        assert_eq!((png.width(), png.height()), (8, 4));
    }
}
