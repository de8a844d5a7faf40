//! Colour management: renditions are converted to sRGB, the one space every browser assumes for
//! untagged images. A Display P3 or Adobe RGB export would otherwise look dull or shifted. See
//! docs/adr/0002-colour.md.

use crate::raster::Raster;
use qcms::{DataType, Intent, Profile, Transform};

/// The ICC header's data colour space field.
fn colour_space(icc: &[u8]) -> Option<&[u8]> {
    icc.get(16..20)
}

/// True for profiles that describe sRGB already, the common case for web exports, which can
/// skip the transform entirely. Read from the profile description tag.
pub fn is_srgb(icc: &[u8]) -> bool {
    let Some(count) = icc.get(128..132).map(|b| u32::from_be_bytes(b.try_into().unwrap())) else {
        return false;
    };
    for i in 0..count.min(100) as usize {
        let at = 132 + i * 12;
        let Some(entry) = icc.get(at..at + 12) else { return false };
        if &entry[0..4] != b"desc" {
            continue;
        }
        let offset = u32::from_be_bytes(entry[4..8].try_into().unwrap()) as usize;
        let size = u32::from_be_bytes(entry[8..12].try_into().unwrap()) as usize;
        let Some(desc) = icc.get(offset..offset.saturating_add(size)) else { return false };
        // v2 'desc' holds ASCII; v4 'mluc' holds UTF-16BE. Look for "sRGB" in either encoding.
        return desc.windows(4).any(|w| w == b"sRGB")
            || desc.windows(8).any(|w| w == b"\0s\0R\0G\0B");
    }
    false
}

/// Converts RGB(A) pixels tagged with `icc` to sRGB in place. Returns false (pixels untouched)
/// when the profile is not an RGB profile qcms can use; the caller then keeps the profile.
pub fn rgb_to_srgb(r: &mut Raster, icc: &[u8]) -> bool {
    if colour_space(icc) != Some(b"RGB ") {
        return false;
    }
    if is_srgb(icc) {
        return true;
    }
    let Some(input) = Profile::new_from_slice(icc, false) else { return false };
    let mut output = Profile::new_sRGB();
    output.precache_output_transform();
    let ty = if r.has_alpha { DataType::RGBA8 } else { DataType::RGB8 };
    let Some(t) = Transform::new(&input, &output, ty, Intent::Perceptual) else { return false };
    t.apply(&mut r.data);
    true
}

/// Converts RGB(A) pixels described by H.273 code points (HEIF's `nclx`: an iPhone's Display P3
/// is primaries 12 with the sRGB transfer, 13) to sRGB in place. False (untouched) for what qcms
/// cannot model, such as PQ or HLG HDR transfers.
pub fn cicp_to_srgb(r: &mut Raster, primaries: u8, transfer: u8) -> bool {
    // Unspecified (2) reads as sRGB, which is what every viewer assumes.
    let primaries = if primaries == 2 { 1 } else { primaries };
    let transfer = if transfer == 2 { 13 } else { transfer };
    if (primaries, transfer) == (1, 13) || (primaries, transfer) == (1, 1) {
        return true;
    }
    let Some(input) = Profile::new_cicp(primaries.into(), transfer.into()) else { return false };
    let mut output = Profile::new_sRGB();
    output.precache_output_transform();
    let ty = if r.has_alpha { DataType::RGBA8 } else { DataType::RGB8 };
    let Some(t) = Transform::new(&input, &output, ty, Intent::Perceptual) else { return false };
    t.apply(&mut r.data);
    true
}

/// CMYK → sRGB through the file's CMYK profile. `cmyk` holds ink amounts (0 = no ink).
pub fn cmyk_to_srgb(cmyk: &[u8], icc: &[u8]) -> Option<Vec<u8>> {
    if colour_space(icc) != Some(b"CMYK") {
        return None;
    }
    let input = Profile::new_from_slice(icc, false)?;
    let mut output = Profile::new_sRGB();
    output.precache_output_transform();
    let t = Transform::new_to(&input, &output, DataType::CMYK, DataType::RGB8, Intent::Perceptual)?;
    let mut rgb = vec![0u8; cmyk.len() / 4 * 3];
    t.convert(cmyk, &mut rgb);
    Some(rgb)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_icc_bytes_are_left_alone() {
        let mut r = Raster::new(1, 1, false, vec![10, 20, 30]);
        assert!(!rgb_to_srgb(&mut r, b"definitely not a profile"));
        assert_eq!(r.data, vec![10, 20, 30]);
        assert!(!is_srgb(&[0u8; 200]));
    }
}
