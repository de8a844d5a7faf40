//! A TIFF walker that reads only what a decoder would be asked to allocate: every image
//! directory's size and where its data lies, and every tag's declared length. Plain TIFFs and
//! the TIFF-structured raws (DNG, NEF, ARW, CR2, PEF, ORF, RW2, …) are read through it before
//! any decoder sees them, because the decoders allocate what a tag claims before reading it.

use crate::error::{Failure, Result};
use std::collections::HashSet;

/// Directories a file may have before it is taken for a loop or a bomb (a raw has a handful).
const MAX_IFDS: usize = 256;
/// Entries one directory may have (rawler's own limit).
const MAX_ENTRIES: usize = 4096;

/// One image a directory describes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageDir {
    pub width: u64,
    pub height: u64,
    pub samples: u64,
    pub bits: u64,
    pub compression: u32,
    pub photometric: u32,
    pub subfile: u32,
    /// DNG's DefaultCropSize: the size the raw is shown at.
    pub crop: Option<(u64, u64)>,
    /// Bytes of the file the strips or tiles cover (overlaps counted once), and whether the
    /// directory names any image data at all.
    pub data_bytes: u64,
    pub has_data: bool,
    /// Where the first strip starts (a CR2's raw data is a lossless JPEG whose own header
    /// carries the size).
    pub first_strip: Option<usize>,
}

/// What a TIFF-structured file declares.
#[derive(Debug, Default)]
pub struct TiffLayout {
    pub images: Vec<ImageDir>,
    /// Panasonic's RW2 gives the sensor's size in tags of its own.
    pub panasonic_sensor: Option<(u64, u64)>,
    /// IFD0 has DNG's version tag.
    pub dng: bool,
}

struct Reader<'a> {
    b: &'a [u8],
    le: bool,
}

impl Reader<'_> {
    fn u16(&self, at: usize) -> Option<u16> {
        let s: [u8; 2] = self.b.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(if self.le { u16::from_le_bytes(s) } else { u16::from_be_bytes(s) })
    }
    fn u32(&self, at: usize) -> Option<u32> {
        let s: [u8; 4] = self.b.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(if self.le { u32::from_le_bytes(s) } else { u32::from_be_bytes(s) })
    }
}

/// Bytes one value of a TIFF type takes; unknown types are one byte (a decoder that reads them
/// at all cannot ask for more than the count).
fn type_size(typ: u16) -> u64 {
    match typ {
        3 | 8 => 2,
        4 | 9 | 11 | 13 => 4,
        5 | 10 | 12 | 16 | 17 | 18 => 8,
        _ => 1,
    }
}

struct Entry {
    tag: u16,
    typ: u16,
    count: u64,
    /// Where the value is: inline in the entry, or at the offset the entry gives.
    at: usize,
}

impl Entry {
    fn values(&self, r: &Reader, limit: usize) -> Vec<u64> {
        let n = (self.count as usize).min(limit);
        (0..n)
            .filter_map(|i| match self.typ {
                3 | 8 => r.u16(self.at + 2 * i).map(u64::from),
                4 | 9 | 13 => r.u32(self.at + 4 * i).map(u64::from),
                1 | 6 | 7 => r.b.get(self.at + i).map(|v| u64::from(*v)),
                _ => None,
            })
            .collect()
    }
    fn first(&self, r: &Reader) -> Option<u64> {
        self.values(r, 1).first().copied()
    }
}

fn too_long(tag: u16, bytes: u64, len: usize) -> Failure {
    Failure::corrupt(format!(
        "a TIFF tag (0x{tag:04X}) claims {bytes} bytes in a file of {len}: damaged, or made to \
         exhaust memory"
    ))
}

/// A directory's entries, the next directory's offset, and the first tag whose stated length
/// the file cannot hold; `Ok(None)` when the directory lies (partly) outside the file.
type Directory = Option<(Vec<Entry>, Option<usize>, Option<Failure>)>;

fn entries(r: &Reader, at: usize) -> Result<Directory> {
    let Some(count) = r.u16(at).map(usize::from) else { return Ok(None) };
    if count > MAX_ENTRIES {
        return Err(Failure::corrupt(format!("a TIFF directory claims {count} entries")));
    }
    let mut out = Vec::with_capacity(count);
    let mut too_long_tag = None;
    for i in 0..count {
        let e = at + 2 + i * 12;
        let (Some(tag), Some(typ), Some(n)) = (r.u16(e), r.u16(e + 2), r.u32(e + 4)) else {
            return Ok(None);
        };
        let bytes = u64::from(n) * type_size(typ);
        // A decoder allocates the whole declared length before it reads: a length the file
        // cannot hold is noted, and refused where a decoder would read it.
        if bytes > r.b.len() as u64 {
            too_long_tag.get_or_insert(too_long(tag, bytes, r.b.len()));
            continue;
        }
        let at = if bytes <= 4 { e + 8 } else { r.u32(e + 8).unwrap_or(u32::MAX) as usize };
        out.push(Entry { tag, typ, count: u64::from(n), at });
    }
    let next = r.u32(at + 2 + count * 12).map(|n| n as usize).filter(|n| *n != 0);
    Ok(Some((out, next, too_long_tag)))
}

/// The union of `[offset, offset + count)` ranges, clipped to the file.
fn covered(offsets: &[u64], counts: &[u64], len: u64) -> u64 {
    let mut ranges: Vec<(u64, u64)> = offsets
        .iter()
        .zip(counts)
        .map(|(&o, &c)| (o.min(len), o.saturating_add(c).min(len)))
        .filter(|(a, b)| b > a)
        .collect();
    ranges.sort_unstable();
    let (mut total, mut end) = (0u64, 0u64);
    for (a, b) in ranges {
        let a = a.max(end);
        if b > a {
            total += b - a;
            end = b;
        }
    }
    total
}

fn image_dir(r: &Reader, es: &[Entry]) -> Option<ImageDir> {
    let get = |tag: u16| es.iter().find(|e| e.tag == tag);
    let first = |tag: u16| get(tag).and_then(|e| e.first(r));
    let width = first(0x100)?;
    let height = first(0x101)?;
    let len = r.b.len();
    let list = |tag: u16| get(tag).map(|e| e.values(r, len)).unwrap_or_default();
    let (offsets, counts) =
        if get(0x144).is_some() { (list(0x144), list(0x145)) } else { (list(0x111), list(0x117)) };
    let crop = get(0xC620).and_then(|e| {
        // DefaultCropSize is SHORT, LONG or RATIONAL; a RATIONAL's numerator over its
        // denominator is the size.
        if e.typ == 5 {
            let v = |i: usize| r.u32(e.at + 4 * i).map(u64::from);
            let (wn, wd, hn, hd) = (v(0)?, v(1)?.max(1), v(2)?, v(3)?.max(1));
            Some((wn / wd, hn / hd))
        } else {
            let v = e.values(r, 2);
            Some((*v.first()?, *v.get(1)?))
        }
    });
    Some(ImageDir {
        width,
        height,
        samples: first(0x115).unwrap_or(1).max(1),
        bits: first(0x102).unwrap_or(1).max(1),
        compression: first(0x103).unwrap_or(1) as u32,
        photometric: first(0x106).unwrap_or(0) as u32,
        subfile: first(0xFE).unwrap_or(0) as u32,
        crop,
        data_bytes: covered(&offsets, &counts, len as u64),
        has_data: !offsets.is_empty(),
        first_strip: offsets.first().map(|o| *o as usize),
    })
}

/// Walks IFD0's chain, the sub-IFDs (to three levels) and the EXIF, GPS and interoperability
/// directories, checking every tag's length; returns every image directory found. A tag longer
/// than the file is refused in an image directory, and anywhere when `strict` (raws: rawler
/// reads every directory it finds); otherwise its directory is passed over.
pub fn layout(b: &[u8], strict: bool) -> Result<TiffLayout> {
    let le = match b.get(..2) {
        Some(b"II") => true,
        Some(b"MM") => false,
        _ => return Err(Failure::corrupt("not a TIFF structure")),
    };
    let r = Reader { b, le };
    let panasonic = b.starts_with(b"IIU\0");
    let start = r.u32(4).ok_or_else(|| Failure::corrupt("the TIFF header is cut short"))?;
    let mut out = TiffLayout::default();
    let mut seen = HashSet::new();
    // (offset, depth): depth 0 is IFD0's chain.
    let mut todo = vec![(start as usize, 0u8)];
    while let Some((at, depth)) = todo.pop() {
        if !seen.insert(at) {
            continue;
        }
        if seen.len() > MAX_IFDS {
            return Err(Failure::corrupt("the file has more TIFF directories than any photo"));
        }
        let (es, next, too_long_tag) = match entries(&r, at)? {
            Some(found) => found,
            None if seen.len() == 1 => {
                return Err(Failure::corrupt("the first TIFF directory lies outside the file"))
            }
            // A damaged directory further on is the decoder's to report, as before; only
            // lengths a decoder would allocate are refused here.
            None => continue,
        };
        if let Some(next) = next.filter(|_| depth == 0) {
            todo.push((next, 0));
        }
        for e in &es {
            let sub = matches!(e.tag, 0x14A | 0x8769 | 0x8825 | 0xA005);
            if sub && depth < 3 {
                for o in e.values(&r, 64) {
                    todo.push((o as usize, depth + 1));
                }
            }
        }
        if depth == 0 && es.iter().any(|e| e.tag == 0xC612) {
            out.dng = true;
        }
        if panasonic && depth == 0 {
            let first =
                |tag: u16| es.iter().find(|e| e.tag == tag).and_then(|e| e.first(&r)).unwrap_or(0);
            let (w, h) = (first(0x02), first(0x03));
            if w > 0 && h > 0 {
                out.panasonic_sensor = Some((w, h));
            }
        }
        let image = image_dir(&r, &es);
        if let Some(e) = too_long_tag {
            if strict || image.is_some() {
                return Err(e);
            }
            continue;
        }
        if let Some(dir) = image {
            out.images.push(dir);
        }
    }
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A little-endian TIFF with one directory of `(tag, type, count, value)` entries, followed
    /// by `data`; values over 4 bytes are not supported here (tests put offsets in them).
    pub fn tiff(entries: &[(u16, u16, u32, u32)], data: &[u8]) -> Vec<u8> {
        let mut b = b"II*\0\x08\0\0\0".to_vec();
        b.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        for &(tag, typ, count, value) in entries {
            b.extend_from_slice(&tag.to_le_bytes());
            b.extend_from_slice(&typ.to_le_bytes());
            b.extend_from_slice(&count.to_le_bytes());
            b.extend_from_slice(&value.to_le_bytes());
        }
        b.extend_from_slice(&[0; 4]);
        b.extend_from_slice(data);
        b
    }

    #[test]
    fn sizes_and_data_are_read_without_decoding() {
        let data_at = 8 + 2 + 5 * 12 + 4;
        let b = tiff(
            &[
                (0x100, 4, 1, 60_000),
                (0x101, 4, 1, 60_000),
                (0x111, 4, 1, data_at),
                (0x115, 3, 1, 1),
                (0x117, 4, 1, 100),
            ],
            &[0; 100],
        );
        let l = layout(&b, true).unwrap();
        assert_eq!(l.images.len(), 1);
        let d = &l.images[0];
        assert_eq!((d.width, d.height, d.data_bytes), (60_000, 60_000, 100));
    }

    #[test]
    fn overlapping_strips_count_once() {
        assert_eq!(covered(&[10, 10, 10], &[50, 50, 50], 1000), 50);
        assert_eq!(covered(&[0, 40], &[50, 50], 1000), 90);
        assert_eq!(covered(&[990], &[50], 1000), 10, "clipped to the file");
    }

    #[test]
    fn a_tag_longer_than_the_file_is_refused() {
        // 0x7FFFFFFF doubles: 16 GB a decoder would allocate before reading.
        let b = tiff(&[(0x100, 4, 1, 10), (0x829A, 12, 0x7FFF_FFFF, 8)], &[]);
        let e = layout(&b, true).unwrap_err();
        assert!(e.message.contains("claims"), "{}", e.message);
    }

    #[test]
    fn directory_loops_end() {
        // IFD0's SubIFDs tag points back at IFD0.
        let b = tiff(&[(0x100, 4, 1, 10), (0x101, 4, 1, 10), (0x14A, 4, 1, 8)], &[]);
        assert_eq!(layout(&b, true).unwrap().images.len(), 1);
    }
}
