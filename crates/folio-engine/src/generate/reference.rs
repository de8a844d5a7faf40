//! A generation's reference picture, read where the person pointed: a file, an album's photo,
//! or a site's address (sent as it is). Files and photos go as any picture sent to a model
//! ([`crate::ai::picture`]).

use crate::ai::picture::Picture;
use crate::{Engine, EngineError};
use std::path::Path;

/// A site's copy named by its address is not downloaded to be estimated: taken as this size.
const UNSEEN_SIZE: (u32, u32) = (1024, 1024);

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
            return self.state.picture_of_file(path).await;
        }
        let asset = self.asset_at(path).await?;
        self.state.picture_of_photo(asset.id).await
    }
}
