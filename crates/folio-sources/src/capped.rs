//! A download streamed to a spool file with a byte cap, shared by every service's client: an
//! answer that says (or turns out) to be larger than the cap is refused and its partial file
//! removed. Each client words the failures in its service's name.

use std::path::Path;
use tokio::io::AsyncWriteExt;

/// Why a download did not end whole in its file.
pub(crate) enum Cut {
    /// It is (at least) this many bytes, over the cap.
    TooLarge(u64),
    Network(reqwest::Error),
    Local(std::io::Error),
}

/// Streams `r`'s body to `dest`, refusing more than `cap` bytes; its size.
pub(crate) async fn write(mut r: reqwest::Response, dest: &Path, cap: u64) -> Result<u64, Cut> {
    if let Some(size) = r.content_length().filter(|n| *n > cap) {
        return Err(Cut::TooLarge(size));
    }
    let mut file = tokio::fs::File::create(dest).await.map_err(Cut::Local)?;
    let mut written = 0u64;
    while let Some(chunk) = r.chunk().await.map_err(Cut::Network)? {
        written += chunk.len() as u64;
        if written > cap {
            drop(file);
            let _ = tokio::fs::remove_file(dest).await;
            return Err(Cut::TooLarge(written));
        }
        file.write_all(&chunk).await.map_err(Cut::Local)?;
    }
    file.flush().await.map_err(Cut::Local)?;
    Ok(written)
}
