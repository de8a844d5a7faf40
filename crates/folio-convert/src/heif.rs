//! HEIC, HEIF and AVIF input through libheif (docs/adr/0011): the primary image only (an
//! iPhone file's depth map, thumbnails and HDR gain map are other images in the file and are
//! never read), decoded with the file's own rotation and mirroring (`irot`, `imir`) applied,
//! 10-bit images brought to 8 bits, and the colour described by an ICC profile or by `nclx`
//! code points. EXIF and XMP come from the file's metadata items.

use crate::error::{Failure, Result};
use crate::meta::RawMeta;
use crate::raster::Raster;
use libheif_rs::{HeifContext, ImageHandle, ItemId};
use libheif_sys as lh;

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
///
/// Through libheif-sys, not `libheif_rs::LibHeif::decode`: libheif-rs 0.20 frees the
/// `DecodingOptions` it is given before handing their pointer to libheif, which then read freed
/// memory whose `ignore_transformations` byte the allocator had overwritten, and iPhone photos
/// came out on their side. Here the options outlive the call.
pub fn decode(bytes: &[u8]) -> Result<Raster> {
    // SAFETY: libheif's C API. `bytes` outlives `ctx`, as reading without a copy requires; every
    // object comes from libheif, is checked for null, and is released once, by its `Owned`,
    // after the objects that depend on it (locals drop in reverse order).
    unsafe {
        let ctx = Owned::new(lh::heif_context_alloc(), |p| lh::heif_context_free(p))?;
        check(lh::heif_context_read_from_memory_without_copy(
            ctx.0,
            bytes.as_ptr().cast(),
            bytes.len(),
            std::ptr::null(),
        ))?;
        let mut handle = std::ptr::null_mut();
        check(lh::heif_context_get_primary_image_handle(ctx.0, &mut handle))?;
        let handle = Owned::new(handle, |p| lh::heif_image_handle_release(p))?;
        let options =
            Owned::new(lh::heif_decoding_options_alloc(), |p| lh::heif_decoding_options_free(p))?;
        // HEIF's transformations (clap, irot, imir) are applied in the file's order; EXIF's
        // orientation is then ignored (decode.rs).
        (*options.0).ignore_transformations = 0;
        // 10- and 12-bit images (iPhone HDR photos) become 8-bit, as every other input does.
        (*options.0).convert_hdr_to_8bit = 1;
        let alpha = lh::heif_image_handle_has_alpha_channel(handle.0) != 0;
        let chroma = if alpha {
            lh::heif_chroma_heif_chroma_interleaved_RGBA
        } else {
            lh::heif_chroma_heif_chroma_interleaved_RGB
        };
        let mut image = std::ptr::null_mut();
        check(lh::heif_decode_image(
            handle.0,
            &mut image,
            lh::heif_colorspace_heif_colorspace_RGB,
            chroma,
            options.0,
        ))?;
        let image = Owned::new(image, |p| lh::heif_image_release(p))?;
        let channel = lh::heif_channel_heif_channel_interleaved;
        let mut stride = 0;
        let plane = lh::heif_image_get_plane_readonly(image.0, channel, &mut stride);
        let width = lh::heif_image_get_width(image.0, channel);
        let height = lh::heif_image_get_height(image.0, channel);
        let (Ok(width), Ok(height), Ok(stride)) =
            (u32::try_from(width), u32::try_from(height), usize::try_from(stride))
        else {
            return Err(Failure::corrupt("libheif gave no interleaved RGB plane"));
        };
        let row = width as usize * if alpha { 4 } else { 3 };
        if plane.is_null() || row == 0 || height == 0 || stride < row {
            return Err(Failure::corrupt("libheif gave no interleaved RGB plane"));
        }
        // The plane holds `height` rows of `stride` bytes, of which `row` are pixels.
        let plane = std::slice::from_raw_parts(plane, stride * (height as usize - 1) + row);
        let mut data = Vec::with_capacity(row * height as usize);
        for line in plane.chunks(stride) {
            data.extend_from_slice(&line[..row]);
        }
        Ok(Raster::new(width, height, alpha, data).without_opaque_alpha())
    }
}

/// A libheif object, released when dropped.
struct Owned<T>(*mut T, unsafe fn(*mut T));

impl<T> Owned<T> {
    fn new(ptr: *mut T, release: unsafe fn(*mut T)) -> Result<Self> {
        if ptr.is_null() {
            return Err(Failure::corrupt("libheif returned no object (out of memory?)"));
        }
        Ok(Owned(ptr, release))
    }
}

impl<T> Drop for Owned<T> {
    fn drop(&mut self) {
        // SAFETY: `self.0` came from libheif with `self.1` as its release function, and is
        // released only here.
        unsafe { (self.1)(self.0) }
    }
}

fn check(e: lh::heif_error) -> Result<()> {
    libheif_rs::HeifError::from_heif_error(e).map_err(failure)
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
