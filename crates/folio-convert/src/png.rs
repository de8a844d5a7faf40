//! PNG chunk-level metadata rewriting for pass-through: only the chunks that draw the picture
//! are kept (text, EXIF and unknown chunks can carry location), and the policy-filtered EXIF is
//! written as `eXIf`.

use crate::error::{Failure, Result};

pub fn with_metadata(file: &[u8], exif: Option<&[u8]>) -> Result<Vec<u8>> {
    let bad = || Failure::corrupt("malformed PNG");
    let mut out = file.get(..8).ok_or_else(bad)?.to_vec();
    // eXIf must come before the image data.
    let mut pending_exif = exif;
    // A PNG starts with its header and draws at least one data chunk before it ends; anything
    // else is not passed on as a picture.
    if file.get(12..16) != Some(b"IHDR") {
        return Err(bad());
    }
    let mut drawn = false;
    let mut i = 8;
    while i + 12 <= file.len() {
        let len = u32::from_be_bytes(file[i..i + 4].try_into().map_err(|_| bad())?) as usize;
        let end = i.checked_add(12 + len).filter(|e| *e <= file.len()).ok_or_else(bad)?;
        let kind = &file[i + 4..i + 8];
        match kind {
            b"IDAT" => {
                drawn = true;
                if let Some(e) = pending_exif.take() {
                    push_chunk(&mut out, b"eXIf", e);
                }
                out.extend_from_slice(&file[i..end]);
            }
            b"IEND" if !drawn || len != 0 => return Err(bad()),
            b"IEND" => {
                // Nothing after the end: appended data is not part of the image.
                out.extend_from_slice(&file[i..end]);
                return Ok(out);
            }
            // What draws the picture; anything else (text, EXIF, a private or unknown chunk
            // that may carry location or provenance) is left out.
            b"IHDR" | b"PLTE" | b"tRNS" | b"gAMA" | b"cHRM" | b"sRGB" | b"iCCP" | b"cICP"
            | b"sBIT" | b"pHYs" | b"bKGD" => out.extend_from_slice(&file[i..end]),
            _ => {}
        }
        i = end;
    }
    Err(Failure::corrupt("PNG without an end chunk"))
}

fn push_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32fast::hash(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}
