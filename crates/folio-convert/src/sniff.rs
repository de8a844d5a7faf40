//! Format detection from the bytes, never the extension: a text file named `.jpg` is not a JPEG.

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum SourceFormat {
    Jpeg,
    Png,
    Tiff,
    Webp,
    Gif,
    Heif,
    Avif,
    /// A camera raw (NEF, CR2, CR3, ARW, DNG, RAF, ORF, RW2, …).
    Raw,
}

impl SourceFormat {
    pub fn name(self) -> &'static str {
        match self {
            SourceFormat::Jpeg => "JPEG",
            SourceFormat::Png => "PNG",
            SourceFormat::Tiff => "TIFF",
            SourceFormat::Webp => "WebP",
            SourceFormat::Gif => "GIF",
            SourceFormat::Heif => "HEIC/HEIF",
            SourceFormat::Avif => "AVIF",
            SourceFormat::Raw => "camera RAW",
        }
    }
}

pub fn sniff(bytes: &[u8]) -> Option<SourceFormat> {
    let b = bytes;
    if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(SourceFormat::Jpeg);
    }
    if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some(SourceFormat::Png);
    }
    // Most raws are TIFF-structured, so they are told apart first.
    if crate::raw::is_raw(b) {
        return Some(SourceFormat::Raw);
    }
    if b.starts_with(b"II*\0") || b.starts_with(b"MM\0*") {
        return Some(SourceFormat::Tiff);
    }
    if b.len() >= 12 && &b[0..4] == b"RIFF" && &b[8..12] == b"WEBP" {
        return Some(SourceFormat::Webp);
    }
    if b.starts_with(b"GIF87a") || b.starts_with(b"GIF89a") {
        return Some(SourceFormat::Gif);
    }
    if b.len() >= 12 && &b[4..8] == b"ftyp" {
        return match &b[8..12] {
            b"avif" | b"avis" => Some(SourceFormat::Avif),
            b"heic" | b"heix" | b"hevc" | b"hevx" | b"heim" | b"heis" | b"mif1" | b"msf1" => {
                Some(SourceFormat::Heif)
            }
            _ => None,
        };
    }
    None
}

/// File names that are images by extension; used by folder scans to skip obvious non-photos
/// cheaply. Decoding still decides.
pub fn has_image_extension(path: &std::path::Path) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_some_and(folio_model::is_photo_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_magic_not_name() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(SourceFormat::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some(SourceFormat::Png));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some(SourceFormat::Webp));
        assert_eq!(sniff(b"\0\0\0\x18ftypheic\0\0\0\0"), Some(SourceFormat::Heif));
        assert_eq!(sniff(b"hello, I am text"), None);
        assert_eq!(sniff(b""), None);
    }
}
