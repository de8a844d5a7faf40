//! A picture sent to a model: a reference for a generation, or a photo to describe for its alt
//! text. It goes as a JPEG of at most 1568 px on its long edge: every vision API takes that
//! size (larger ones are scaled down by the service, or refused), and it costs the fewest
//! tokens.

use crate::state::EngineState;
use crate::{EngineError, ErrorCode};
use base64::Engine as _;
use std::path::Path;

/// The long edge of a picture sent to a model.
pub const SENT_EDGE: u32 = 1568;

/// A picture as a model is sent it.
pub(crate) struct Picture {
    /// A `data:image/jpeg;base64,…` address, or the site's own `https://` one.
    pub url: String,
    pub size: (u32, u32),
}

impl EngineState {
    /// An album's photo, read through its source.
    pub(crate) async fn picture_of_photo(
        &self,
        asset: folio_model::AssetId,
    ) -> Result<Picture, EngineError> {
        let gone = || EngineError::new(ErrorCode::NotFound, format!("no photo {asset}"));
        let asset = self.store.asset(asset).await?.ok_or_else(gone)?;
        let album = self.store.album(asset.album_id).await?.ok_or_else(gone)?;
        let local = self.open_source(&album).await?.fetch(&asset.rel_path).await?;
        self.picture_of_file(local.path()).await
    }

    pub(crate) async fn picture_of_file(&self, path: &Path) -> Result<Picture, EngineError> {
        let made = self
            .pool
            .thumbnail_file(path.to_path_buf(), SENT_EDGE)
            .await
            .map_err(|e| EngineError::io(e.to_string()))?
            .map_err(|e| EngineError::new(ErrorCode::Io, e.message))?;
        let b64 = base64::engine::general_purpose::STANDARD.encode(&made.bytes);
        Ok(Picture {
            url: format!("data:image/jpeg;base64,{b64}"),
            size: (made.width, made.height),
        })
    }
}
