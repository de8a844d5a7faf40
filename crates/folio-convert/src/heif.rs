//! HEIC, HEIF and AVIF input through libheif (docs/adr/0011): the primary image only (an
//! iPhone file's depth map, thumbnails and HDR gain map are other images in the file and are
//! never read), decoded with the file's own rotation and mirroring (`irot`, `imir`) applied,
//! 10-bit images brought to 8 bits, and the colour described by an ICC profile or by `nclx`
//! code points. EXIF and XMP come from the file's metadata items.

use crate::error::{Failure, Result};
use crate::meta::RawMeta;
use crate::raster::Raster;
use libheif_rs::{
    ColorSpace, DecodingOptions, HeifContext, ImageHandle, ItemId, LibHeif, RgbChroma,
};

/// What the file says about its primary image, without decoding it.
pub struct HeifProbe {
    /// As displayed: libheif reports the size after the file's rotation.
    pub width: u32,
    pub height: u32,
    pub meta: RawMeta,
    pub icc: Option<Vec<u8>>,
    /// `nclx` colour primaries and transfer characteristics (ITU-T H.273 code points).
    pub cicp: Option<(u8, u8)>,
}

fn failure(e: libheif_rs::HeifError) -> Failure {
    use libheif_rs::HeifErrorCode as C;
    match e.code {
        C::UnsupportedFeature | C::UnsupportedFileType | C::DecoderPluginError => {
            Failure::unsupported(format!(
                "this HEIF file uses something libheif cannot decode here ({})",
                e.message
            ))
        }
        _ => Failure::corrupt(format!("the HEIF data is damaged ({})", e.message)),
    }
}

fn primary(bytes: &[u8]) -> Result<(HeifContext<'_>, ImageHandle)> {
    let ctx = HeifContext::read_from_bytes(bytes).map_err(failure)?;
    let handle = ctx.primary_image_handle().map_err(failure)?;
    Ok((ctx, handle))
}

/// The metadata items of `kind` ("Exif", "mime") attached to the image.
fn metadata(handle: &ImageHandle, kind: &'static [u8; 4]) -> Vec<(Option<String>, Vec<u8>)> {
    let mut ids: Vec<ItemId> = vec![0; 16];
    let n = handle.metadata_block_ids(&mut ids, kind);
    ids[..n.min(16)]
        .iter()
        .filter_map(|id| {
            let content = handle.metadata_content_type(*id).map(str::to_string);
            handle.metadata(*id).ok().map(|data| (content, data))
        })
        .collect()
}

/// HEIF's Exif item starts with a 4-byte offset to the TIFF header (after "Exif\0\0", if any).
fn tiff_exif(item: &[u8]) -> Option<Vec<u8>> {
    let offset = u32::from_be_bytes(item.get(..4)?.try_into().ok()?) as usize;
    let tiff = item.get(4usize.checked_add(offset)?..)?;
    (tiff.starts_with(b"II*\0") || tiff.starts_with(b"MM\0*")).then(|| tiff.to_vec())
}

pub fn probe(bytes: &[u8]) -> Result<HeifProbe> {
    let (_ctx, handle) = primary(bytes)?;
    let exif = metadata(&handle, b"Exif").into_iter().find_map(|(_, data)| tiff_exif(&data));
    let xmp = metadata(&handle, b"mime")
        .into_iter()
        .find(|(content, _)| content.as_deref() == Some("application/rdf+xml"))
        .map(|(_, data)| data);
    let icc = handle.color_profile_raw().map(|p| p.data).filter(|d| d.len() > 128);
    let cicp = handle
        .color_profile_nclx()
        .map(|n| (n.color_primaries() as u32 as u8, n.transfer_characteristics() as u32 as u8));
    Ok(HeifProbe {
        width: handle.width(),
        height: handle.height(),
        meta: RawMeta { exif, xmp, iptc: None },
        icc,
        cicp,
    })
}

/// The primary image's pixels, upright, 8 bits a channel.
pub fn decode(bytes: &[u8]) -> Result<Raster> {
    let (_ctx, handle) = primary(bytes)?;
    let alpha = handle.has_alpha_channel();
    let chroma = if alpha { RgbChroma::Rgba } else { RgbChroma::Rgb };
    let mut options = DecodingOptions::new()
        .ok_or_else(|| Failure::corrupt("libheif could not allocate its decoding options"))?;
    // 10- and 12-bit images (iPhone HDR photos) become 8-bit, as every other input does.
    options.set_convert_hdr_to_8bit(true);
    let image =
        LibHeif::new().decode(&handle, ColorSpace::Rgb(chroma), Some(options)).map_err(failure)?;
    let planes = image.planes();
    let plane = planes
        .interleaved
        .ok_or_else(|| Failure::corrupt("libheif gave no interleaved RGB plane"))?;
    let channels = if alpha { 4 } else { 3 };
    let row = plane.width as usize * channels;
    let mut data = Vec::with_capacity(row * plane.height as usize);
    for y in 0..plane.height as usize {
        let start = y * plane.stride;
        let line = plane
            .data
            .get(start..start + row)
            .ok_or_else(|| Failure::corrupt("libheif's image is smaller than it says"))?;
        data.extend_from_slice(line);
    }
    Ok(Raster::new(plane.width, plane.height, alpha, data).without_opaque_alpha())
}

#[cfg(test)]
mod tests {
    use super::tiff_exif;

    #[test]
    fn the_exif_item_offset_is_honoured() {
        let mut item = vec![0, 0, 0, 6];
        item.extend_from_slice(b"Exif\0\0II*\0rest");
        assert_eq!(tiff_exif(&item).unwrap(), b"II*\0rest");
        assert_eq!(tiff_exif(&[0, 0, 0, 0, b'M', b'M', 0, b'*']).unwrap(), b"MM\0*");
        assert!(tiff_exif(&[0, 0, 0, 200, 1, 2]).is_none());
        assert!(tiff_exif(&[0, 0]).is_none());
    }
}
