//! What Folio and its decoder processes say to each other, over the child's stdin and stdout:
//! frames of a JSON head and a byte payload (a path, a rendition), each length-prefixed.
//!
//! Folio → decoder: a [`Request`] (payload: the file's path), then, each time the decoder asks
//! for memory, an [`Answer`]. Decoder → Folio: [`Message::Ready`] once at start, then per request
//! any number of [`Message::Reserve`] and one result (payload: the encoded bytes).

use crate::decode::Probe;
use crate::error::Failure;
use crate::{Rendition, Thumbnail};
use folio_model::Preset;
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use std::io::{self, Read, Write};
use std::path::PathBuf;

/// Changes whenever a frame's meaning does, so an app never talks to an older decoder.
pub const VERSION: u32 = 1;
/// Heads are small: the largest is a probe with its ICC profile.
const MAX_HEAD: u32 = 16 << 20;
/// No rendition or path comes near this.
const MAX_PAYLOAD: u64 = 1 << 31;

#[derive(Debug, Serialize, Deserialize)]
pub enum Request {
    Probe,
    Convert { preset: Preset },
    Thumbnail { edge: u32 },
}

#[derive(Debug, Serialize, Deserialize)]
pub enum Answer {
    Go,
    Refused { wanted: u64, budget: u64 },
}

#[derive(Debug, Serialize, Deserialize)]
pub enum Message {
    Ready {
        version: u32,
    },
    /// The conversion's whole peak so far, in bytes; answered with an [`Answer`].
    Reserve {
        peak: u64,
    },
    Probed(Result<Probe, Failure>),
    Converted(Result<RenditionHead, Failure>),
    Thumbnailed(Result<Thumbnail, Failure>),
}

/// Written once before the first frame: whatever the process printed before it (a test
/// harness, a library's banner) is skipped up to here.
pub const START: &[u8] = b"\0FOLIO-DECODER\0";

/// Reads up to and including [`START`], within the first 64 KB.
pub fn find_start(r: &mut dyn Read) -> io::Result<()> {
    let mut seen: Vec<u8> = Vec::new();
    let mut byte = [0u8; 1];
    while seen.len() < 64 * 1024 {
        r.read_exact(&mut byte)?;
        seen.push(byte[0]);
        if seen.ends_with(START) {
            return Ok(());
        }
    }
    Err(io::Error::new(io::ErrorKind::InvalidData, "no decoder start marker"))
}

/// A rendition without its bytes (they are the frame's payload).
#[derive(Debug, Serialize, Deserialize)]
pub struct RenditionHead {
    extension: String,
    mime: String,
    width: u32,
    height: u32,
    passed_through: bool,
    meta: crate::PhotoMeta,
    content_hash: String,
    preset_hash: String,
}

impl RenditionHead {
    pub fn of(r: Rendition) -> (RenditionHead, Vec<u8>) {
        let head = RenditionHead {
            extension: r.extension.into(),
            mime: r.mime.into(),
            width: r.width,
            height: r.height,
            passed_through: r.passed_through,
            meta: r.meta,
            content_hash: r.content_hash,
            preset_hash: r.preset_hash,
        };
        (head, r.bytes)
    }

    /// The rendition again; `None` for a file type this build does not make.
    pub fn with_bytes(self, bytes: Vec<u8>) -> Option<Rendition> {
        let known = |v: &str| KNOWN_TYPES.into_iter().find(|k| *k == v);
        Some(Rendition {
            bytes,
            extension: known(&self.extension)?,
            mime: known(&self.mime)?,
            width: self.width,
            height: self.height,
            passed_through: self.passed_through,
            meta: self.meta,
            content_hash: self.content_hash,
            preset_hash: self.preset_hash,
        })
    }
}

/// A rendition's extension and MIME type are one of these.
const KNOWN_TYPES: [&str; 8] =
    ["webp", "avif", "png", "jpg", "image/webp", "image/avif", "image/png", "image/jpeg"];

pub fn write<T: Serialize>(w: &mut dyn Write, head: &T, payload: &[u8]) -> io::Result<()> {
    let head = serde_json::to_vec(head).map_err(io::Error::other)?;
    w.write_all(&(head.len() as u32).to_le_bytes())?;
    w.write_all(&head)?;
    w.write_all(&(payload.len() as u64).to_le_bytes())?;
    w.write_all(payload)?;
    w.flush()
}

pub fn read<T: DeserializeOwned>(r: &mut dyn Read) -> io::Result<(T, Vec<u8>)> {
    let mut n = [0u8; 4];
    r.read_exact(&mut n)?;
    let len = u32::from_le_bytes(n);
    if len > MAX_HEAD {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "frame head too long"));
    }
    let mut head = vec![0; len as usize];
    r.read_exact(&mut head)?;
    let mut n = [0u8; 8];
    r.read_exact(&mut n)?;
    let len = u64::from_le_bytes(n);
    if len > MAX_PAYLOAD {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "frame payload too long"));
    }
    let mut payload = vec![0; len as usize];
    r.read_exact(&mut payload)?;
    let head = serde_json::from_slice(&head).map_err(io::Error::other)?;
    Ok((head, payload))
}

/// A path as bytes, whatever it holds (file names need not be Unicode).
#[cfg(unix)]
pub fn path_bytes(p: &std::path::Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    p.as_os_str().as_bytes().to_vec()
}

#[cfg(unix)]
pub fn path_from(b: Vec<u8>) -> PathBuf {
    use std::os::unix::ffi::OsStringExt;
    PathBuf::from(std::ffi::OsString::from_vec(b))
}

#[cfg(windows)]
pub fn path_bytes(p: &std::path::Path) -> Vec<u8> {
    use std::os::windows::ffi::OsStrExt;
    p.as_os_str().encode_wide().flat_map(u16::to_le_bytes).collect()
}

#[cfg(windows)]
pub fn path_from(b: Vec<u8>) -> PathBuf {
    use std::os::windows::ffi::OsStringExt;
    let wide: Vec<u16> = b.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
    PathBuf::from(std::ffi::OsString::from_wide(&wide))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_refuse_absurd_lengths() {
        let mut buf = Vec::new();
        write(&mut buf, &Message::Reserve { peak: 42 }, b"payload").unwrap();
        let (m, p): (Message, Vec<u8>) = read(&mut buf.as_slice()).unwrap();
        assert!(matches!(m, Message::Reserve { peak: 42 }));
        assert_eq!(p, b"payload");
        let mut bomb = u32::MAX.to_le_bytes().to_vec();
        bomb.extend_from_slice(b"{}");
        assert!(read::<Message>(&mut bomb.as_slice()).is_err());
        let path = std::path::Path::new("/photos/caf\u{e9}.jpg");
        assert_eq!(path_from(path_bytes(path)), path);
    }
}
