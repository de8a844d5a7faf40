//! Camera RAW input through rawler (LGPL-2.1, from dnglab; docs/adr/0012): NEF, CR2, CR3, ARW,
//! DNG, RAF, ORF, RW2 and many more. The largest embedded preview is used when it is at least as
//! large as the rendition needs (fast, and the camera's own look); otherwise the raw data is
//! developed with a neutral default: white balance as shot, the camera's matrix to sRGB and the
//! sRGB tone curve. rawler's README warns that malformed files can panic, so every call runs
//! under `catch_unwind` on a thread of its own with a time budget.

use crate::bounds::tiff::TiffLayout;
use crate::budget::{Admission, Alone, Refused, FULL_DEVELOP_PER_PIXEL};
use crate::error::{Failure, Result};
use crate::meta::RawMeta;
use crate::raster::Raster;
use rawler::decoders::{Orientation, RawDecodeParams};
use rawler::imgop::develop::{ProcessingStep, RawDevelop};
use rawler::imgop::sensor::SensorType;
use rawler::imgop::{Dim2, Point, Rect};
use rawler::rawimage::RawPhotometricInterpretation;
use rawler::rawsource::RawSource;
use rawler::{RawImage, RawImageData};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

/// A raw that takes longer than this is reported, not waited for (the thread is left to end).
const TIME_BUDGET: Duration = Duration::from_secs(120);

/// What the file says, without developing it.
pub struct RawProbe {
    /// The developed image's size, as stored (before orientation).
    pub width: u32,
    pub height: u32,
    /// TIFF-structured files are their own EXIF block.
    pub meta: RawMeta,
    pub make: String,
    pub model: String,
    /// `None`: the EXIF reader's (IFD0's) orientation holds.
    pub orientation: Option<u16>,
    /// The decoder's reading of the metadata (CR3 and RAF have no TIFF-structured EXIF).
    pub described: Option<rawler::decoders::RawMetadata>,
}

/// IFD0 of a TIFF-structured file names raw data: DNG's version, sub-IFDs with the full image
/// (NEF, ARW, DNG), a reduced IFD0 (the thumbnail a raw file starts with) or a CFA image. A TIFF a photo
/// editor exported has none of these.
fn tiff_is_raw(b: &[u8]) -> bool {
    let le = b.starts_with(b"II*\0");
    let u16_at = |at: usize| -> Option<u16> {
        let s: [u8; 2] = b.get(at..at + 2)?.try_into().ok()?;
        Some(if le { u16::from_le_bytes(s) } else { u16::from_be_bytes(s) })
    };
    let u32_at = |at: usize| -> Option<u32> {
        let s: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
        Some(if le { u32::from_le_bytes(s) } else { u32::from_be_bytes(s) })
    };
    let Some(ifd) = u32_at(4).map(|o| o as usize) else { return false };
    let Some(count) = u16_at(ifd) else { return false };
    (0..count.min(512) as usize).any(|i| {
        let at = ifd + 2 + i * 12;
        match u16_at(at) {
            Some(0xC612) | Some(0x014A) => true,
            // A colour filter array (or DNG's linear raw) in IFD0 itself, as in PEF and SRW.
            Some(0x0106) => u16_at(at + 8).is_some_and(|v| v == 32803 || v == 34892),
            Some(0x00FE) => u32_at(at + 8).is_some_and(|v| v & 1 == 1),
            _ => false,
        }
    })
}

/// A camera raw, told by its bytes.
pub fn is_raw(b: &[u8]) -> bool {
    let ftyp_crx = b.len() >= 12 && &b[4..8] == b"ftyp" && &b[8..12] == b"crx ";
    let vendor = b.starts_with(b"FUJIFILMCCD-RAW")
        || b.starts_with(b"IIU\0")
        || b.starts_with(b"IIRO")
        || b.starts_with(b"IIRS")
        || b.starts_with(b"MMOR");
    let cr2 = b.len() >= 10 && b.starts_with(b"II*\0") && &b[8..10] == b"CR";
    let tiff = b.starts_with(b"II*\0") || b.starts_with(b"MM\0*");
    ftyp_crx || vendor || cr2 || (tiff && tiff_is_raw(b))
}

fn failure(e: rawler::RawlerError) -> Failure {
    match e {
        rawler::RawlerError::Unsupported { make, model, .. } => {
            let camera = format!("{make} {model}");
            let camera = camera.trim();
            Failure::unsupported(if camera.is_empty() {
                "a raw file of a kind Folio cannot read yet".to_string()
            } else {
                format!("raw files from the {camera} cannot be read yet")
            })
        }
        rawler::RawlerError::DecoderFailed(why) => {
            Failure::corrupt(format!("the raw data is damaged or not understood ({why})"))
        }
    }
}

/// What a raw thread says to the conversion that started it.
enum FromRaw<T> {
    /// May this conversion's peak grow to this many bytes?
    Ask(u64, mpsc::Sender<Result<(), Refused>>),
    Done(Result<T>),
}

/// Asks the conversion's admission for a larger peak, from the raw thread.
type Ask<'a> = &'a dyn Fn(u64) -> Result<(), Refused>;

/// Runs `work` on its own thread, under `catch_unwind`, within the time budget; its requests
/// for more memory are answered by `admission` on the calling thread.
fn budgeted<T: Send + 'static>(
    admission: &mut dyn Admission,
    work: impl FnOnce(Ask<'_>) -> Result<T> + Send + 'static,
) -> Result<T> {
    let (tx, rx) = mpsc::channel();
    let asks = tx.clone();
    std::thread::Builder::new()
        .name("folio-raw".into())
        .spawn(move || {
            let ask = move |peak: u64| {
                let (reply, answer) = mpsc::channel();
                let _ = asks.send(FromRaw::Ask(peak, reply));
                answer.recv().unwrap_or(Err(Refused { wanted: peak, budget: 0 }))
            };
            let done = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&ask)))
                .unwrap_or_else(|_| {
                    Err(Failure::corrupt("the raw decoder failed on this file's data"))
                });
            let _ = tx.send(FromRaw::Done(done));
        })
        .map_err(|e| Failure::corrupt(format!("no thread for the raw decoder: {e}")))?;
    let deadline = Instant::now() + TIME_BUDGET;
    loop {
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(FromRaw::Ask(peak, reply)) => {
                let _ = reply.send(admission.admit(peak));
            }
            Ok(FromRaw::Done(done)) => return done,
            Err(_) => {
                return Err(Failure::corrupt(format!(
                    "the raw file took more than {} s to read; it may be damaged",
                    TIME_BUDGET.as_secs()
                )))
            }
        }
    }
}

fn orientation(o: Orientation) -> u16 {
    match o {
        Orientation::HorizontalFlip => 2,
        Orientation::Rotate180 => 3,
        Orientation::VerticalFlip => 4,
        Orientation::Transpose => 5,
        Orientation::Rotate90 => 6,
        Orientation::Transverse => 7,
        Orientation::Rotate270 => 8,
        _ => 1,
    }
}

/// The size a DNG is shown at, from its raw directory: the largest full-resolution CFA or
/// linear image, at its default crop when that is given and fits.
fn dng_size(layout: &TiffLayout) -> Option<(u32, u32)> {
    let raw = layout
        .images
        .iter()
        .filter(|d| d.subfile & 1 == 0 && matches!(d.photometric, 32803 | 34892))
        .max_by_key(|d| d.width * d.height)?;
    let (w, h) = match raw.crop {
        Some((cw, ch)) if cw > 0 && ch > 0 && cw <= raw.width && ch <= raw.height => (cw, ch),
        _ => (raw.width, raw.height),
    };
    Some((u32::try_from(w).ok()?, u32::try_from(h).ok()?))
}

/// What the raw says about itself. A DNG is sized from its own directories (rawler decodes a
/// DNG's whole raw data even when asked for its tags only); other raws through rawler's
/// `dummy` read, which sizes them without decoding. `layout` has been checked against the pixel
/// limit already.
pub fn probe(bytes: &[u8], layout: Option<&TiffLayout>) -> Result<RawProbe> {
    let dng = layout.filter(|l| l.dng).and_then(dng_size);
    let owned = Arc::new(bytes.to_vec());
    budgeted(&mut Alone(u64::MAX), move |_| {
        let src = RawSource::new_from_shared_vec(owned.clone());
        let decoder = rawler::get_decoder(&src).map_err(failure)?;
        let params = RawDecodeParams::default();
        let tiff = owned.starts_with(b"II*\0") || owned.starts_with(b"MM\0*");
        let xmp = decoder.xpacket(&src, &params).ok().flatten();
        let described = decoder.raw_metadata(&src, &params).ok();
        let meta = RawMeta { exif: tiff.then(|| owned.to_vec()), xmp, iptc: None };
        if let Some((width, height)) = dng {
            let (make, model) =
                described.as_ref().map(|d| (d.make.clone(), d.model.clone())).unwrap_or_default();
            // A DNG's orientation is IFD0's, which the EXIF reader takes.
            let orientation = None;
            return Ok(RawProbe { width, height, meta, make, model, orientation, described });
        }
        let image = decoder.raw_image(&src, &params, true).map_err(failure)?;
        let (w, h) = match image.crop_area.or(image.active_area) {
            Some(r) => (r.d.w, r.d.h),
            None => (image.width / image.cpp.max(1), image.height),
        };
        Ok(RawProbe {
            width: w as u32,
            height: h as u32,
            meta,
            make: image.clean_make.clone(),
            model: image.clean_model.clone(),
            orientation: Some(orientation(image.orientation)),
            described,
        })
    })
}

fn half_develop() -> RawDevelop {
    RawDevelop::new_with(&[
        ProcessingStep::WhiteBalance,
        ProcessingStep::Calibrate,
        ProcessingStep::CropDefault,
        ProcessingStep::SRgb,
    ])
}

/// Pixels (stored orientation) for a rendition whose long edge is `min_long_edge`, from a raw
/// whose developed size is `sensor`. The conversion was admitted for the half-size develop
/// when that is enough (see `budget::peak`); a full develop asks for its own, larger peak.
pub fn decode(
    bytes: &[u8],
    sensor: (u32, u32),
    min_long_edge: u32,
    admission: &mut dyn Admission,
) -> Result<Raster> {
    if let Some(preview) = embedded_jpeg(bytes, sensor, min_long_edge) {
        return Ok(preview);
    }
    let owned = Arc::new(bytes.to_vec());
    budgeted(admission, move |ask| {
        let src = RawSource::new_from_shared_vec(owned);
        let decoder = rawler::get_decoder(&src).map_err(failure)?;
        let params = RawDecodeParams::default();
        // A preview the decoder cannot read (it panics on some layouts) is no preview: the raw
        // data is developed instead.
        let preview = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            decoder.preview_image(&src, &params).ok().flatten()
        }))
        .ok()
        .flatten();
        if let Some(p) = preview.filter(|p| p.width().max(p.height()) >= min_long_edge) {
            let rgb = p.into_rgb8();
            return Ok(Raster::new(rgb.width(), rgb.height(), false, rgb.into_raw()));
        }
        let mut raw = decoder.raw_image(&src, &params, false).map_err(failure)?;
        let sensor = raw
            .active_area
            .map(|a| (a.d.w, a.d.h))
            .unwrap_or((raw.width / raw.cpp.max(1), raw.height));
        let enough = sensor.0.max(sensor.1) >= 2 * min_long_edge as usize;
        let develop = if enough && half_size(&mut raw) {
            half_develop()
        } else {
            let full = (sensor.0 * sensor.1) as u64 * FULL_DEVELOP_PER_PIXEL;
            match ask(full) {
                Ok(()) => RawDevelop::default(),
                // Over the budget at full size: a Bayer raw is made at half size instead.
                Err(_) if !enough && half_size(&mut raw) => half_develop(),
                Err(refused) => return Err(too_large(sensor, refused)),
            }
        };
        let developed = develop
            .develop_intermediate(&raw)
            .map_err(failure)?
            .to_dynamic_image()
            .ok_or_else(|| Failure::corrupt("the developed raw image is inconsistent"))?;
        let rgb = developed.into_rgb8();
        Ok(Raster::new(rgb.width(), rgb.height(), false, rgb.into_raw()))
    })
}

fn too_large(sensor: (usize, usize), refused: Refused) -> Failure {
    let mp = sensor.0 * sensor.1 / 1_000_000;
    Failure::new(
        crate::ErrorKind::TooLarge,
        format!(
            "too large: a {mp} MP raw of this kind needs about {} MB to develop at this size, \
             over Folio's memory budget of {} MB",
            refused.wanted >> 20,
            refused.budget >> 20
        ),
    )
}

/// The largest JPEG the raw embeds (cameras keep a full-size or screen-size preview so) whose
/// long edge is at least `min_long_edge` and whose shape is the sensor's, found by its
/// start-of-image marker and decoded by Folio's own JPEG decoder, which decodes at 1/2 to 1/8
/// size when that is enough: more than twice as fast as rawler's preview path on 24 MP. The raw
/// data's own lossless JPEG (CR2, DNG) is a process libjpeg does not read, so it is passed over.
fn embedded_jpeg(bytes: &[u8], sensor: (u32, u32), min_long_edge: u32) -> Option<Raster> {
    let shape = |w: u32, h: u32| w.max(h) as f64 / w.min(h).max(1) as f64;
    let want = shape(sensor.0, sensor.1);
    let mut best: Option<(u32, usize)> = None;
    for at in memchr::memmem::find_iter(bytes, b"\xFF\xD8\xFF") {
        let Ok(h) = crate::jpeg::header(&bytes[at..]) else { continue };
        let long = h.width.max(h.height);
        // Never larger than the sensor (2 % slack for border pixels): no camera embeds one, and
        // a rendition must not outgrow the size the photo reports.
        let fits = long >= min_long_edge
            && long as f64 <= sensor.0.max(sensor.1) as f64 * 1.02
            && (shape(h.width, h.height) - want).abs() < 0.05 * want;
        if fits && best.is_none_or(|(l, _)| long > l) {
            best = Some((long, at));
        }
    }
    let (long, at) = best?;
    match crate::jpeg::decode(&bytes[at..], crate::jpeg::scale_for(long, min_long_edge)) {
        Ok(crate::jpeg::Pixels::Rgb(r)) => Some(r),
        _ => None,
    }
}

/// Turns a 2×2 Bayer raw into a half-size RGB one, in place: each block's red, the mean of its
/// greens and its blue make one pixel, so nothing is interpolated. It is then developed like a
/// demosaiced image (white balance, matrix, crop, sRGB) with a quarter of the full develop's
/// work and memory (a 24 MP full develop peaked at 800 MB a photo; see `make bench-convert`). False, untouched, for
/// sensors it does not fit (X-Trans, four-colour, Fuji's rotated SuperCCD).
fn half_size(raw: &mut RawImage) -> bool {
    let RawPhotometricInterpretation::Cfa(config) = &raw.photometric else { return false };
    let cfa = config.cfa.clone();
    let bayer =
        config.sensor == SensorType::Bayer && cfa.is_rgb() && (cfa.width, cfa.height) == (2, 2);
    if raw.cpp != 1 || !bayer || raw.fuji_rotation_width.is_some() || raw.apply_scaling().is_err() {
        return false;
    }
    let RawImageData::Float(px) = &raw.data else { return false };
    let full = Rect::new(Point::new(0, 0), Dim2::new(raw.width, raw.height));
    let area = raw.active_area.unwrap_or(full);
    let (w, h) = (area.d.w / 2, area.d.h / 2);
    let mut rgb = Vec::with_capacity(w * h * 3);
    for y in 0..h {
        let rows = [area.p.y + 2 * y, area.p.y + 2 * y + 1];
        for x in 0..w {
            let mut sum = [0f32; 3];
            let mut count = [0f32; 3];
            for row in rows {
                for col in [area.p.x + 2 * x, area.p.x + 2 * x + 1] {
                    let c = cfa.color_at(row, col).min(3);
                    if c < 3 {
                        sum[c] += px[row * raw.width + col];
                        count[c] += 1.0;
                    }
                }
            }
            rgb.extend((0..3).map(|c| if count[c] > 0.0 { sum[c] / count[c] } else { 0.0 }));
        }
    }
    let inside = |c: &Rect| {
        c.p.x >= area.p.x
            && c.p.y >= area.p.y
            && c.p.x + c.d.w <= area.p.x + area.d.w
            && c.p.y + c.d.h <= area.p.y + area.d.h
    };
    raw.crop_area = raw.crop_area.filter(inside).map(|c| {
        let c = c.adapt(&area);
        Rect::new(
            Point::new(c.p.x / 2, c.p.y / 2),
            Dim2::new((c.d.w / 2).min(w), (c.d.h / 2).min(h)),
        )
    });
    raw.data = RawImageData::Float(rgb);
    (raw.width, raw.height, raw.cpp) = (w, h, 3);
    raw.active_area = None;
    raw.photometric = RawPhotometricInterpretation::LinearRaw;
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_largest_embedded_jpeg_of_the_sensors_shape_is_found() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/photos/raw/");
        let Ok(bytes) = std::fs::read(format!("{dir}jpeg-preview.dng")) else { return };
        let preview = embedded_jpeg(&bytes, (256, 192), 200).expect("the 240 × 180 preview");
        assert_eq!((preview.width, preview.height), (240, 180));
        let half = embedded_jpeg(&bytes, (256, 192), 60).unwrap();
        assert_eq!((half.width, half.height), (120, 90), "decoded at 1/2 size, enough for 60");
        assert!(embedded_jpeg(&bytes, (256, 192), 241).is_none(), "too small");
        assert!(embedded_jpeg(&bytes, (300, 100), 200).is_none(), "not the sensor's shape");
        assert!(embedded_jpeg(&bytes, (128, 96), 100).is_none(), "larger than the sensor");
        let plain = std::fs::read(format!("{dir}preview.dng")).unwrap();
        assert!(embedded_jpeg(&plain, (256, 192), 64).is_none(), "an RGB preview is no JPEG");
    }

    #[test]
    fn a_bayer_raw_halves_into_one_rgb_pixel_per_block() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/photos/raw/scene.dng");
        let Ok(bytes) = std::fs::read(path) else { return };
        let src = RawSource::new_from_shared_vec(Arc::new(bytes));
        let decoder = rawler::get_decoder(&src).unwrap();
        let mut raw = decoder.raw_image(&src, &RawDecodeParams::default(), false).unwrap();
        assert!(half_size(&mut raw));
        assert_eq!((raw.width, raw.height, raw.cpp), (128, 96, 3));
        // The grey half, recorded warm: red at half and blue at 5/8 of green, not yet balanced.
        let RawImageData::Float(px) = &raw.data else { panic!("not float") };
        let at = (50 * 128 + 20) * 3;
        let (r, g, b) = (px[at], px[at + 1], px[at + 2]);
        assert!((r / g - 0.5).abs() < 0.02 && (b / g - 0.625).abs() < 0.02, "{r} {g} {b}");
    }

    #[test]
    fn raws_are_told_from_tiffs_by_their_bytes() {
        assert!(is_raw(b"\0\0\0\x18ftypcrx \0\0\0\x01"));
        assert!(is_raw(b"FUJIFILMCCD-RAW 0201"));
        assert!(is_raw(b"II*\0\x10\0\0\0CR\x02\0"));
        // A plain TIFF: one IFD with width and height only.
        let mut tiff = b"II*\0\x08\0\0\0".to_vec();
        tiff.extend_from_slice(&[2, 0, 0, 1, 4, 0, 1, 0, 0, 0, 8, 0, 0, 0]);
        tiff.extend_from_slice(&[1, 1, 4, 0, 1, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0]);
        assert!(!is_raw(&tiff));
        // The same with DNG's version tag.
        let mut dng = b"II*\0\x08\0\0\0".to_vec();
        dng.extend_from_slice(&[1, 0, 0x12, 0xC6, 1, 0, 4, 0, 0, 0, 1, 4, 0, 0, 0, 0, 0, 0]);
        assert!(is_raw(&dng));
        // A plain TIFF whose IFD0 holds a colour filter array (photometric 32803).
        let mut cfa = b"II*\0\x08\0\0\0".to_vec();
        cfa.extend_from_slice(&[1, 0, 0x06, 0x01, 3, 0, 1, 0, 0, 0, 0x23, 0x80, 0, 0, 0, 0, 0, 0]);
        assert!(is_raw(&cfa));
        cfa[18..20].copy_from_slice(&[2, 0]); // RGB
        assert!(!is_raw(&cfa));
        assert!(!is_raw(b"II*"));
    }
}
