//! A fake file's bytes: the ones a test gave, or a run of zeros of any length, so a test can
//! offer a file larger than Folio accepts without holding it in memory.

use axum::body::Bytes;
use futures_util::Stream;

#[derive(Clone)]
pub(super) enum Content {
    Given(Bytes),
    Zeros(u64),
}

/// Downloads go out in chunks of this size.
const CHUNK: usize = 1 << 20;
static ZEROS: [u8; CHUNK] = [0; CHUNK];

impl Content {
    pub(super) fn len(&self) -> u64 {
        match self {
            Content::Given(b) => b.len() as u64,
            Content::Zeros(n) => *n,
        }
    }

    pub(super) fn content_hash(&self) -> String {
        match self {
            Content::Given(b) => crate::dropbox::content_hash(b),
            Content::Zeros(n) => crate::dropbox::hash::content_hash_of_zeros(*n),
        }
    }

    /// The whole content, for answers that carry it inline (thumbnails of small files).
    pub(super) fn to_vec(&self) -> Vec<u8> {
        match self {
            Content::Given(b) => b.to_vec(),
            Content::Zeros(n) => vec![0; *n as usize],
        }
    }

    /// The first `upto` bytes, a chunk at a time, made only as they are sent.
    pub(super) fn stream(
        &self,
        upto: u64,
    ) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
        let content = self.clone();
        let upto = upto.min(self.len());
        let starts = (0..upto).step_by(CHUNK);
        futures_util::stream::iter(starts.map(move |start| {
            let end = (start + CHUNK as u64).min(upto);
            Ok(match &content {
                Content::Given(b) => b.slice(start as usize..end as usize),
                Content::Zeros(_) => Bytes::from_static(&ZEROS[..(end - start) as usize]),
            })
        }))
    }
}
