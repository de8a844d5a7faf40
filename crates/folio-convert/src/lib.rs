//! folio-convert turns a source photo into a web rendition and a UI thumbnail:
//! sniff → probe (header, metadata, pixel limit) → decode (DCT-scaled for JPEG) → resize →
//! orient → sRGB → encode, with metadata filtered by policy.
//!
//! Every failure is a [`ConvertError`] naming the file and a [`ErrorKind`]; none is a panic.

mod avif;
#[cfg(any(test, feature = "testing"))]
pub mod bombs;
mod bounds;
pub mod budget;
mod colour;
mod decode;
mod encode;
mod error;
mod heif;
mod jpeg;
pub mod meta;
mod png;
mod pool;
mod protocol;
mod raster;
mod raw;
mod raw_meta;
mod resize;
mod sniff;
mod webp;
pub mod worker;
mod workers;

#[cfg(test)]
mod fuzz;

pub use budget::{Admission, MemoryBudget};
pub use decode::Probe;
pub use error::{ConvertError, ErrorKind, Failure};
pub use folio_model::{content_hash, MetadataPolicy, OutputFormat, Preset, PIPELINE_VERSION};
pub use meta::PhotoMeta;
pub use pool::{ConvertPool, Decoding, JobPanicked, Pending};
pub use raster::Raster;
pub use resize::fitted;
pub use sniff::{has_image_extension, sniff, SourceFormat};
pub use workers::WorkerCommand;

use error::Result;
use std::path::Path;

/// Images over this many pixels are refused from their header, before decoding (a decompression
/// bomb must not allocate gigabytes). 200 MP covers every camera on sale.
pub const DEFAULT_PIXEL_LIMIT: u64 = 200_000_000;

/// Default edge of UI thumbnails.
pub const THUMBNAIL_EDGE: u32 = 256;

/// The encoded file a preset produced.
#[derive(Debug, Clone)]
pub struct Rendition {
    pub bytes: Vec<u8>,
    /// File extension of `bytes`, without the dot.
    pub extension: &'static str,
    pub mime: &'static str,
    pub width: u32,
    pub height: u32,
    /// True when `bytes` are the source's own compressed data with rewritten metadata.
    pub passed_through: bool,
    pub meta: PhotoMeta,
    pub content_hash: String,
    pub preset_hash: String,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Thumbnail {
    /// JPEG.
    #[serde(skip)]
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Files larger than this are refused before reading: no photo is, and reading a huge file
/// whole (a video with a photo's name, a disk image) must not take the memory for it.
pub const MAX_SOURCE_BYTES: u64 = 1 << 30;

/// The whole file, or a typed error for one that is too large to be a photo.
fn read_source(path: &Path) -> Result<Vec<u8>, ConvertError> {
    let len = std::fs::metadata(path).map_err(|e| Failure::from(e).at(path))?.len();
    if len > MAX_SOURCE_BYTES {
        let f = Failure::new(
            ErrorKind::TooLarge,
            format!(
                "the file is {:.1} GB; Folio reads photos up to {} GB",
                len as f64 / 1e9,
                MAX_SOURCE_BYTES >> 30
            ),
        );
        return Err(f.at(path));
    }
    std::fs::read(path).map_err(|e| Failure::from(e).at(path))
}

/// Reads and converts one file. The source is only ever read.
pub fn convert_file(path: &Path, preset: &Preset) -> Result<Rendition, ConvertError> {
    let bytes = read_source(path)?;
    convert(&bytes, preset).map_err(|f| f.at(path))
}

pub fn thumbnail_file(path: &Path, edge: u32) -> Result<Thumbnail, ConvertError> {
    let bytes = read_source(path)?;
    thumbnail(&bytes, edge).map_err(|f| f.at(path))
}

/// Metadata and dimensions without decoding pixels: cheap enough for a folder scan.
pub fn probe_file(path: &Path) -> Result<Probe, ConvertError> {
    let bytes = read_source(path)?;
    decode::probe(&bytes, DEFAULT_PIXEL_LIMIT).map_err(|f| f.at(path))
}

/// What a preset resolves to for one particular source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Output {
    Webp,
    Avif,
    Jpeg,
    Png,
    /// The source's compressed data, metadata rewritten.
    PassThrough,
}

fn output_for(preset: &Preset, probe: &Probe) -> Output {
    match preset.format {
        OutputFormat::Webp => Output::Webp,
        OutputFormat::Avif => Output::Avif,
        OutputFormat::Jpeg => Output::Jpeg,
        OutputFormat::Original => {
            let fits = probe.width.max(probe.height) <= preset.max_edge;
            let upright = probe.meta.orientation == 1;
            match probe.format {
                SourceFormat::Jpeg | SourceFormat::Png | SourceFormat::Webp if fits && upright => {
                    Output::PassThrough
                }
                SourceFormat::Png | SourceFormat::Gif => Output::Png,
                SourceFormat::Webp => Output::Webp,
                _ => Output::Jpeg,
            }
        }
    }
}

/// The extension and MIME type `convert` will give this source under `preset`, from its probe
/// alone (the detail panel shows the file name before anything is converted).
pub fn planned_file_type(preset: &Preset, probe: &Probe) -> (&'static str, &'static str) {
    file_type(output_for(preset, probe), probe.format)
}

fn file_type(output: Output, source: SourceFormat) -> (&'static str, &'static str) {
    match (output, source) {
        (Output::Webp, _) | (Output::PassThrough, SourceFormat::Webp) => ("webp", "image/webp"),
        (Output::Avif, _) => ("avif", "image/avif"),
        (Output::Png, _) | (Output::PassThrough, SourceFormat::Png) => ("png", "image/png"),
        _ => ("jpg", "image/jpeg"),
    }
}

/// Converts with this machine's whole memory budget to itself.
pub fn convert(bytes: &[u8], preset: &Preset) -> Result<Rendition> {
    convert_admitted(bytes, preset, &mut budget::Alone(budget::for_this_machine()))
}

/// Converts once `admission` has let the conversion's peak memory in.
pub fn convert_admitted(
    bytes: &[u8],
    preset: &Preset,
    admission: &mut dyn Admission,
) -> Result<Rendition> {
    let probe = decode::probe(bytes, DEFAULT_PIXEL_LIMIT)?;
    let policy = &preset.metadata;
    let exif = meta::write_exif(&probe.meta, policy);
    let xmp = meta::write_xmp(&probe.meta, policy);
    let (exif, xmp) = (exif.as_deref(), xmp.as_deref());
    let output = output_for(preset, &probe);
    // A file whose structure cannot be rewritten with certainty (trailing data Folio cannot
    // place) is re-encoded instead: nothing is passed through that might carry what the
    // metadata policy removes.
    let passed = match (output, probe.format) {
        (Output::PassThrough, SourceFormat::Jpeg) => jpeg::with_metadata(bytes, exif, xmp).ok(),
        (Output::PassThrough, SourceFormat::Png) => png::with_metadata(bytes, exif).ok(),
        (Output::PassThrough, _) => Some(webp::with_metadata(bytes, exif, xmp)?),
        _ => None,
    };
    let output = match (output, &passed, probe.format) {
        (Output::PassThrough, None, SourceFormat::Png) => Output::Png,
        (Output::PassThrough, None, _) => Output::Jpeg,
        (o, _, _) => o,
    };
    let (out, width, height) = if let Some(out) = passed {
        (out, probe.width, probe.height)
    } else {
        let r = upright_pixels(bytes, &probe, preset.max_edge, admission)?;
        let q = preset.quality;
        let out = match output {
            Output::Webp => encode::webp(&r, q, exif, xmp)?,
            Output::Avif => encode::avif(&r, q, preset.avif_speed, exif, xmp)?,
            Output::Png => encode::png(&r)?,
            _ => encode::jpeg(&r, q, exif, xmp)?,
        };
        (out, r.width, r.height)
    };
    let (extension, mime) = file_type(output, probe.format);
    Ok(Rendition {
        bytes: out,
        extension,
        mime,
        width,
        height,
        passed_through: output == Output::PassThrough,
        content_hash: content_hash(bytes),
        preset_hash: preset.hash(),
        meta: probe.meta,
    })
}

/// Decoded, downscaled to `max_edge`, turned upright and in sRGB. Resizing comes first so that
/// orientation and colour work on the smaller image; the long edge does not depend on either.
fn upright_pixels(
    bytes: &[u8],
    probe: &Probe,
    max_edge: u32,
    admission: &mut dyn Admission,
) -> Result<Raster> {
    let (w, h) = fitted(probe.width, probe.height, max_edge);
    let peak = budget::peak(probe, max_edge);
    admission.admit(peak).map_err(|r| Failure::new(ErrorKind::TooLarge, r.describe()))?;
    let decoded = decode::decode(bytes, probe, w.max(h), DEFAULT_PIXEL_LIMIT, admission)?;
    let r = resize::fit(decoded.raster, max_edge)?.oriented(probe.meta.orientation);
    Ok(if decoded.is_srgb { r } else { decode::to_srgb(r, probe) })
}

/// A small JPEG for the app's grid, made with the cheapest decode that still gives `edge` pixels.
pub fn thumbnail(bytes: &[u8], edge: u32) -> Result<Thumbnail> {
    thumbnail_admitted(bytes, edge, &mut budget::Alone(budget::for_this_machine()))
}

pub fn thumbnail_admitted(
    bytes: &[u8],
    edge: u32,
    admission: &mut dyn Admission,
) -> Result<Thumbnail> {
    let probe = decode::probe(bytes, DEFAULT_PIXEL_LIMIT)?;
    let r = upright_pixels(bytes, &probe, edge, admission)?;
    let bytes = jpeg::encode(&r, 80)?;
    Ok(Thumbnail { bytes, width: r.width, height: r.height })
}
