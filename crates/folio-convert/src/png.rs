//! PNG chunk-level metadata rewriting for pass-through: text and EXIF chunks (which can carry
//! location) are dropped and the policy-filtered EXIF written as `eXIf`.

use crate::error::{Failure, Result};

pub fn with_metadata(file: &[u8], exif: Option<&[u8]>) -> Result<Vec<u8>> {
    let bad = || Failure::corrupt("malformed PNG");
    let mut out = file.get(..8).ok_or_else(bad)?.to_vec();
    // eXIf must come before the image data.
    let mut pending_exif = exif;
    let mut i = 8;
    while i + 12 <= file.len() {
        let len = u32::from_be_bytes(file[i..i + 4].try_into().map_err(|_| bad())?) as usize;
        let end = i.checked_add(12 + len).filter(|e| *e <= file.len()).ok_or_else(bad)?;
        let kind = &file[i + 4..i + 8];
        match kind {
            b"eXIf" | b"tEXt" | b"zTXt" | b"iTXt" | b"tIME" => {}
            b"IDAT" => {
                if let Some(e) = pending_exif.take() {
                    push_chunk(&mut out, b"eXIf", e);
                }
                out.extend_from_slice(&file[i..end]);
            }
            _ => out.extend_from_slice(&file[i..end]),
        }
        i = end;
    }
    Ok(out)
}

fn push_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32fast::hash(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}
