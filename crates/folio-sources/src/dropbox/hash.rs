//! Dropbox's `content_hash`: SHA-256 of each 4 MiB block, the binary digests concatenated, and
//! SHA-256 of that, in hex. Folio computes it for local files so that a file is recognised
//! whether it arrived through the API or through a local Dropbox folder.

use sha2::{Digest, Sha256};
use std::io::Read;

const BLOCK: usize = 4 * 1024 * 1024;

pub fn content_hash(bytes: &[u8]) -> String {
    let mut overall = Sha256::new();
    for block in bytes.chunks(BLOCK) {
        overall.update(Sha256::digest(block));
    }
    hex(&overall.finalize())
}

/// The same, streamed from a reader.
pub fn content_hash_of(mut reader: impl Read) -> std::io::Result<String> {
    let mut overall = Sha256::new();
    let mut block = vec![0u8; BLOCK];
    loop {
        let mut filled = 0;
        while filled < BLOCK {
            let n = reader.read(&mut block[filled..])?;
            if n == 0 {
                break;
            }
            filled += n;
        }
        if filled == 0 {
            break;
        }
        overall.update(Sha256::digest(&block[..filled]));
        if filled < BLOCK {
            break;
        }
    }
    Ok(hex(&overall.finalize()))
}

/// The hash of `len` zero bytes, computed from one block's digest: the fake Dropbox offers files
/// of any size without holding or hashing them whole.
#[cfg(feature = "testing")]
pub fn content_hash_of_zeros(len: u64) -> String {
    let block = BLOCK as u64;
    let mut overall = Sha256::new();
    if len >= block {
        let full = Sha256::digest(vec![0u8; BLOCK]);
        for _ in 0..len / block {
            overall.update(full);
        }
    }
    if !len.is_multiple_of(block) {
        overall.update(Sha256::digest(vec![0u8; (len % block) as usize]));
    }
    hex(&overall.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_dropbox_for_the_empty_file_and_streams_alike() {
        // No blocks: the outer SHA-256 of nothing.
        assert_eq!(
            content_hash(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let big: Vec<u8> = (0..BLOCK * 2 + 17).map(|i| (i % 251) as u8).collect();
        let by_hand = {
            let mut o = Sha256::new();
            for b in big.chunks(BLOCK) {
                o.update(Sha256::digest(b));
            }
            hex(&o.finalize())
        };
        assert_eq!(content_hash(&big), by_hand);
        assert_eq!(content_hash_of(&big[..]).unwrap(), by_hand);
    }

    #[cfg(feature = "testing")]
    #[test]
    fn zeros_hash_as_their_bytes_do() {
        for len in [0, 5, BLOCK, BLOCK * 2 + 17] {
            assert_eq!(content_hash_of_zeros(len as u64), content_hash(&vec![0u8; len]), "{len}");
        }
    }
}
