//! An ISO base media file walker (HEIF, AVIF, Canon's CR3) that reads the image sizes the file
//! declares and checks that every box, and every table a decoder sizes a buffer from, fits in
//! the file, before libheif or rawler parse it.

use crate::error::{Failure, Result};

/// Boxes nest a few levels in a photo; past this the file is taken for a bomb.
const MAX_DEPTH: u8 = 12;

/// The image sizes the file declares.
#[derive(Debug, Default)]
pub struct BmffLayout {
    /// HEIF's `ispe` properties: every image item's coded size (a grid's is the whole image).
    pub ispe: Vec<(u64, u64)>,
    /// CR3's `CMP1` headers: the raw data's size.
    pub cmp1: Vec<(u64, u64)>,
}

fn be32(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from(u32::from_be_bytes(b.get(at..at.checked_add(4)?)?.try_into().ok()?)))
}

fn be64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(b.get(at..at.checked_add(8)?)?.try_into().ok()?))
}

fn bad_box(kind: &[u8], claimed: u64, room: usize) -> Failure {
    Failure::corrupt(format!(
        "a '{}' box claims {claimed} bytes where {room} remain: damaged, or made to exhaust memory",
        String::from_utf8_lossy(kind)
    ))
}

/// A table whose entry count times entry size must fit in the box (decoders reserve
/// `count` entries before reading them).
fn check_table(kind: &[u8; 4], payload: &[u8]) -> Result<()> {
    let (count_at, entry) = match kind {
        b"stsz" if be32(payload, 4) == Some(0) => (8, 4),
        b"stco" => (4, 4),
        b"co64" => (4, 8),
        b"stsc" => (4, 12),
        b"stts" => (4, 8),
        _ => return Ok(()),
    };
    let count = be32(payload, count_at).unwrap_or(0);
    let room = payload.len().saturating_sub(count_at + 4);
    if count.saturating_mul(entry) > room as u64 {
        return Err(bad_box(kind, count.saturating_mul(entry), room));
    }
    Ok(())
}

fn walk(b: &[u8], depth: u8, out: &mut BmffLayout) -> Result<()> {
    if depth > MAX_DEPTH {
        return Err(Failure::corrupt("boxes nest deeper than any photo's"));
    }
    let mut at = 0usize;
    while at + 8 <= b.len() {
        let size = be32(b, at).unwrap_or(0);
        let kind: [u8; 4] = b[at + 4..at + 8].try_into().expect("4 bytes");
        let (header, size) = match size {
            0 => (8, (b.len() - at) as u64),
            1 => (16, be64(b, at + 8).ok_or_else(|| bad_box(&kind, u64::MAX, b.len() - at))?),
            n => (8, n),
        };
        let room = b.len() - at;
        if size < header as u64 || size > room as u64 {
            return Err(bad_box(&kind, size, room));
        }
        let payload = &b[at + header..at + size as usize];
        check_table(&kind, payload)?;
        match &kind {
            b"moov" | b"trak" | b"mdia" | b"minf" | b"stbl" | b"dinf" | b"iprp" | b"ipco" => {
                walk(payload, depth + 1, out)?
            }
            // Full boxes: version and flags come first.
            b"meta" => walk(payload.get(4..).unwrap_or_default(), depth + 1, out)?,
            b"ispe" => {
                if let (Some(w), Some(h)) = (be32(payload, 4), be32(payload, 8)) {
                    out.ispe.push((w, h));
                }
            }
            // Sample descriptions hold Canon's CRAW entry, whose CMP1 box gives the raw's size
            // 8 bytes into its payload.
            b"stsd" => {
                for found in memchr::memmem::find_iter(payload, b"CMP1") {
                    let (w, h) = (be32(payload, found + 12), be32(payload, found + 16));
                    if let (Some(w), Some(h)) = (w, h) {
                        out.cmp1.push((w, h));
                    }
                }
            }
            _ => {}
        }
        at += size as usize;
    }
    Ok(())
}

pub fn layout(b: &[u8]) -> Result<BmffLayout> {
    let mut out = BmffLayout::default();
    walk(b, 0, &mut out)?;
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn boxed(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
        let mut b = ((payload.len() + 8) as u32).to_be_bytes().to_vec();
        b.extend_from_slice(kind);
        b.extend_from_slice(payload);
        b
    }

    pub fn ispe(w: u32, h: u32) -> Vec<u8> {
        let mut p = vec![0; 4];
        p.extend_from_slice(&w.to_be_bytes());
        p.extend_from_slice(&h.to_be_bytes());
        boxed(b"ispe", &p)
    }

    #[test]
    fn every_declared_image_size_is_found() {
        let ipco = boxed(b"ipco", &[ispe(512, 512), ispe(60_000, 40_000)].concat());
        let meta = boxed(b"meta", &[vec![0; 4], boxed(b"iprp", &ipco)].concat());
        let file = [boxed(b"ftyp", b"heic\0\0\0\0"), meta].concat();
        assert_eq!(layout(&file).unwrap().ispe, vec![(512, 512), (60_000, 40_000)]);
    }

    #[test]
    fn boxes_and_tables_must_fit() {
        let mut b = boxed(b"moov", &[0; 16]);
        b[3] = 200;
        assert!(layout(&b).unwrap_err().message.contains("'moov' box claims 200"));
        // 0x10000000 chunk offsets in a 16-byte box: 2 GB a parser would reserve.
        let stco = boxed(b"stco", &[0, 0, 0, 0, 0x10, 0, 0, 0]);
        let b = boxed(b"moov", &boxed(b"trak", &stco));
        assert!(layout(&b).unwrap_err().message.contains("'stco'"));
    }
}
