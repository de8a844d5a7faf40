//! From source bytes to upright-ready pixels: format sniffing, the pixel-count limit (checked on
//! the header, before any allocation), metadata extraction, and decoding under `catch_unwind`.

use crate::bounds::{self, check_size};
use crate::budget::Admission;
use crate::colour;
use crate::error::{ErrorKind, Failure, Result};
use crate::jpeg::{self, Pixels};
use crate::meta::{self, PhotoMeta, RawMeta};
use crate::raster::Raster;
use crate::sniff::{sniff, SourceFormat};
use image::{ImageDecoder, ImageFormat};
use std::io::Cursor;

/// What a file is, learned from its header and metadata without decoding pixels.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Probe {
    pub format: SourceFormat,
    /// Stored dimensions, before orientation is applied.
    pub width: u32,
    pub height: u32,
    pub meta: PhotoMeta,
    pub icc: Option<Vec<u8>>,
    /// Colour given as H.273 code points (primaries, transfer) instead of a profile (HEIF).
    pub cicp: Option<(u8, u8)>,
    adobe_cmyk: bool,
}

impl Probe {
    /// Dimensions as displayed, after orientation.
    pub fn upright_size(&self) -> (u32, u32) {
        if self.meta.orientation >= 5 {
            (self.height, self.width)
        } else {
            (self.width, self.height)
        }
    }
}

fn image_format(f: SourceFormat) -> Result<ImageFormat> {
    match f {
        SourceFormat::Png => Ok(ImageFormat::Png),
        SourceFormat::Tiff => Ok(ImageFormat::Tiff),
        SourceFormat::Webp => Ok(ImageFormat::WebP),
        SourceFormat::Gif => Ok(ImageFormat::Gif),
        SourceFormat::Jpeg => Ok(ImageFormat::Jpeg),
        // Read through libheif and rawler, never by the `image` crate.
        SourceFormat::Heif | SourceFormat::Avif | SourceFormat::Raw => {
            Err(Failure::unsupported(format!("{} photos have a reader of their own", f.name())))
        }
    }
}

fn limits(pixel_limit: u64) -> image::Limits {
    let mut l = image::Limits::default();
    // Worst case is 16-bit RGBA (8 bytes a pixel); allow that for an image at the limit.
    l.max_alloc = Some(pixel_limit.saturating_mul(8).max(64 << 20));
    l
}

fn check_limit(w: u32, h: u32, pixel_limit: u64) -> Result<()> {
    check_size(w.into(), h.into(), pixel_limit)
}

fn image_error(e: image::ImageError) -> Failure {
    use image::ImageError as E;
    match e {
        E::Unsupported(u) => Failure::unsupported(u.to_string()),
        E::Limits(l) => Failure::new(ErrorKind::TooLarge, l.to_string()),
        E::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            Failure::corrupt("the file ends early (truncated or still being written)")
        }
        other => Failure::corrupt(other.to_string()),
    }
}

/// Runs a decoder, turning a panic inside it into a per-photo error instead of a crash.
fn guarded<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .unwrap_or_else(|_| Err(Failure::corrupt("the decoder failed on this file's data")))
}

pub fn probe(bytes: &[u8], pixel_limit: u64) -> Result<Probe> {
    if bytes.is_empty() {
        return Err(Failure::corrupt("the file is empty"));
    }
    let format =
        sniff(bytes).ok_or_else(|| Failure::unsupported("not an image file Folio reads"))?;
    // Every size and length the headers claim, before a decoder allocates from them.
    let declared = bounds::check(bytes, format, pixel_limit)?;
    guarded(|| {
        if matches!(format, SourceFormat::Heif | SourceFormat::Avif) {
            let h = crate::heif::probe(bytes)?;
            check_limit(h.width, h.height, pixel_limit)?;
            let mut meta = meta::parse(&h.meta);
            // The file's own rotation is applied when decoding; HEIF says EXIF's must then be
            // ignored, or the photo would be turned twice.
            meta.orientation = 1;
            return Ok(Probe {
                format,
                width: h.width,
                height: h.height,
                meta,
                icc: h.icc,
                cicp: h.cicp,
                adobe_cmyk: false,
            });
        }
        if format == SourceFormat::Raw {
            let r = crate::raw::probe(bytes, declared.tiff.as_ref())?;
            check_limit(r.width, r.height, pixel_limit)?;
            let mut meta = meta::parse(&r.meta);
            // A raw's own reading of its tags wins for what it decodes (CR3 and RAF are not
            // TIFF-structured, so their EXIF is not parsed here).
            if let Some(o) = r.orientation {
                meta.orientation = o;
            }
            if let Some(described) = &r.described {
                crate::raw_meta::fill_from(&mut meta, described);
            }
            if meta.camera_make.is_none() && !r.make.is_empty() {
                meta.camera_make = Some(r.make);
            }
            if meta.camera_model.is_none() && !r.model.is_empty() {
                meta.camera_model = Some(r.model);
            }
            return Ok(Probe {
                format,
                width: r.width,
                height: r.height,
                meta,
                icc: None,
                cicp: None,
                adobe_cmyk: false,
            });
        }
        if format == SourceFormat::Jpeg {
            let seg = jpeg::segments(bytes)?;
            let h = jpeg::header(bytes)?;
            check_limit(h.width, h.height, pixel_limit)?;
            let raw = RawMeta { exif: seg.exif, xmp: seg.xmp, iptc: seg.iptc };
            return Ok(Probe {
                format,
                width: h.width,
                height: h.height,
                meta: meta::parse(&raw),
                icc: seg.icc,
                cicp: None,
                adobe_cmyk: seg.adobe,
            });
        }
        let mut reader = image::ImageReader::with_format(Cursor::new(bytes), image_format(format)?);
        reader.limits(limits(pixel_limit));
        let mut d = reader.into_decoder().map_err(image_error)?;
        let (width, height) = d.dimensions();
        check_limit(width, height, pixel_limit)?;
        let exif = if format == SourceFormat::Tiff {
            // A TIFF file is itself an EXIF-structured block.
            Some(bytes.to_vec())
        } else {
            d.exif_metadata().ok().flatten()
        };
        let raw = RawMeta {
            exif,
            xmp: d.xmp_metadata().ok().flatten(),
            iptc: d.iptc_metadata().ok().flatten(),
        };
        let icc = d.icc_profile().ok().flatten();
        Ok(Probe {
            format,
            width,
            height,
            meta: meta::parse(&raw),
            icc,
            cicp: None,
            adobe_cmyk: false,
        })
    })
}

/// Decoded pixels, and whether they are sRGB already. RGB sources keep their own colour space so
/// the transform can run after the resize, on far fewer pixels; CMYK is converted at decode.
pub struct Decoded {
    pub raster: Raster,
    pub is_srgb: bool,
}

/// Decodes pixels for a result of `min_long_edge`. JPEGs are DCT-scaled when that still leaves
/// enough pixels for a high-quality resize ([`jpeg::scale_for`]); other formats at full size.
pub fn decode(
    bytes: &[u8],
    p: &Probe,
    min_long_edge: u32,
    pixel_limit: u64,
    admission: &mut dyn Admission,
) -> Result<Decoded> {
    guarded(|| {
        if matches!(p.format, SourceFormat::Heif | SourceFormat::Avif) {
            let raster = crate::heif::decode(bytes)?;
            // libheif applies the file's rotation and mirroring; a size other than the one it
            // reported for the displayed image means they were not applied as it said.
            if (raster.width, raster.height) != (p.width, p.height) {
                return Err(Failure::corrupt(format!(
                    "libheif decoded {} × {} where the file shows {} × {}",
                    raster.width, raster.height, p.width, p.height
                )));
            }
            return Ok(Decoded { raster, is_srgb: false });
        }
        if p.format == SourceFormat::Raw {
            // Developed (or the camera's preview) in sRGB already.
            return Ok(Decoded {
                raster: crate::raw::decode(bytes, (p.width, p.height), min_long_edge, admission)?,
                is_srgb: true,
            });
        }
        if p.format == SourceFormat::Jpeg {
            let denom = jpeg::scale_for(p.width.max(p.height), min_long_edge);
            return Ok(match jpeg::decode(bytes, denom)? {
                Pixels::Rgb(raster) => Decoded { raster, is_srgb: false },
                Pixels::Cmyk { width, height, data } => Decoded {
                    raster: Raster::new(width, height, false, cmyk_to_srgb(&data, p)),
                    is_srgb: true,
                },
            });
        }
        let mut reader =
            image::ImageReader::with_format(Cursor::new(bytes), image_format(p.format)?);
        reader.limits(limits(pixel_limit));
        let d = reader.into_decoder().map_err(image_error)?;
        let img = image::DynamicImage::from_decoder(d).map_err(image_error)?;
        let r = if img.color().has_alpha() {
            let (w, h) = (img.width(), img.height());
            Raster::new(w, h, true, img.into_rgba8().into_raw())
        } else {
            let (w, h) = (img.width(), img.height());
            Raster::new(w, h, false, img.into_rgb8().into_raw())
        };
        Ok(Decoded { raster: r.without_opaque_alpha(), is_srgb: false })
    })
}

/// Applies the source's profile, if any, to pixels decoded in the source's colour space.
pub fn to_srgb(mut r: Raster, p: &Probe) -> Raster {
    if let Some(icc) = &p.icc {
        // An unusable profile leaves the pixels as they are: the closest guess is sRGB anyway.
        colour::rgb_to_srgb(&mut r, icc);
    } else if let Some((primaries, transfer)) = p.cicp {
        colour::cicp_to_srgb(&mut r, primaries, transfer);
    }
    r
}

fn cmyk_to_srgb(stored: &[u8], p: &Probe) -> Vec<u8> {
    if let Some(icc) = &p.icc {
        let ink: Vec<u8> =
            if p.adobe_cmyk { stored.iter().map(|v| 255 - v).collect() } else { stored.to_vec() };
        if let Some(rgb) = colour::cmyk_to_srgb(&ink, icc) {
            return rgb;
        }
    }
    jpeg::cmyk_to_rgb(stored, p.adobe_cmyk)
}
