//! A picture sent to a model: a reference for a generation, or a photo to describe for its alt
//! text. It is read where the person pointed (a file, an album's photo, a site's address) and
//! sent as a JPEG of at most 1568 px on its long edge: every vision API takes that size (larger
//! ones are scaled down by the service, or refused), and it costs the fewest tokens.

use crate::{Engine, EngineError, ErrorCode};
use base64::Engine as _;
use std::path::Path;

/// The long edge of a picture sent to a model.
pub const SENT_EDGE: u32 = 1568;

/// A site's copy named by its address is not downloaded to be estimated: taken as this size.
const UNSEEN_SIZE: (u32, u32) = (1024, 1024);

/// A picture as a model is sent it.
pub(crate) struct Picture {
    /// A `data:image/jpeg;base64,…` address, or the site's own `https://` one.
    pub url: String,
    pub size: (u32, u32),
}

impl Engine {
    /// `reference`: a photo's path here, an album's photo (`ACCOUNT:ALBUM/NAME`), or a web
    /// address (sent as it is: the model's provider fetches it).
    pub(crate) async fn reference_image(&self, reference: &str) -> Result<Picture, EngineError> {
        let r = reference.trim();
        if r.starts_with("https://") || r.starts_with("http://") {
            return Ok(Picture { url: r.to_string(), size: UNSEEN_SIZE });
        }
        let path = Path::new(r);
        if path.is_file() {
            return self.picture_of_file(path).await;
        }
        let asset = self.asset_at(path).await?;
        self.picture_of_photo(asset.id).await
    }

    /// An album's photo, read through its source.
    pub(crate) async fn picture_of_photo(
        &self,
        asset: folio_model::AssetId,
    ) -> Result<Picture, EngineError> {
        let store = &self.state.store;
        let gone = || EngineError::new(ErrorCode::NotFound, format!("no photo {asset}"));
        let asset = store.asset(asset).await?.ok_or_else(gone)?;
        let album = store.album(asset.album_id).await?.ok_or_else(gone)?;
        let local = self.fetch(&album, &asset.rel_path).await?;
        self.picture_of_file(local.path()).await
    }

    async fn picture_of_file(&self, path: &Path) -> Result<Picture, EngineError> {
        let made = self
            .state
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
