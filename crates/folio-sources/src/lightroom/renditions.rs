//! Which rendition of a photo Folio reads. `2048` is made on upload and remade on each edit,
//! for any credential; `2560` and `fullsize` are made on demand and only for credentials Adobe
//! entitled to them. So the larger one is asked for where the account wants it: if it is not
//! made yet, Lightroom is asked to make it and Folio waits (bounded); if Adobe refuses it
//! (403, code 4300), Folio reads `2048` instead, remembers that for the account and says so.

use super::api::{Asked, Got, LightroomApi};
use super::Rendition;
use crate::{SourceError, SourceErrorKind as Kind, MAX_ITEM_BYTES};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Mutex, OnceLock};

/// Accounts whose larger renditions Adobe refused, by API address and account, with what was
/// said: remembered for the process, so each photo does not ask again.
fn refused() -> &'static Mutex<HashMap<String, String>> {
    static REFUSED: OnceLock<Mutex<HashMap<String, String>>> = OnceLock::new();
    REFUSED.get_or_init(Default::default)
}

/// Why an account reads 2048-pixel renditions though it asked for larger ones, if it does.
pub fn fallback_note(api: &LightroomApi, account: &str) -> Option<String> {
    refused().lock().expect("refused").get(&format!("{} {account}", api.base())).cloned()
}

pub struct Renditions {
    pub api: LightroomApi,
    pub wanted: Rendition,
    /// The account's name, which its entitlements are remembered under.
    pub account: String,
}

impl Renditions {
    /// Downloads the photo's best rendition the account may have to `dest`: its size, and which.
    pub async fn download(
        &self,
        asset: &str,
        dest: &Path,
    ) -> Result<(u64, Rendition), SourceError> {
        if self.wanted != Rendition::Standard && fallback_note(&self.api, &self.account).is_none() {
            if let Some(size) = self.larger(asset, dest).await? {
                return Ok((size, self.wanted));
            }
        }
        let standard = Rendition::Standard.name();
        match self.api.rendition(asset, standard, dest, MAX_ITEM_BYTES).await? {
            Got::Written(size) => Ok((size, Rendition::Standard)),
            Got::Missing => Err(SourceError::new(
                Kind::Gone,
                "Lightroom has no 2048 rendition of this photo (gone from the catalog?)",
            )),
            Got::Forbidden(said) => Err(SourceError::new(
                Kind::Item,
                format!("Lightroom refused this photo's 2048 rendition ({said})"),
            )),
        }
    }

    /// The larger rendition, asked for and waited for when not made yet; `None` when Adobe
    /// refused it to this credential.
    async fn larger(&self, asset: &str, dest: &Path) -> Result<Option<u64>, SourceError> {
        let kind = self.wanted.name();
        match self.api.rendition(asset, kind, dest, MAX_ITEM_BYTES).await? {
            Got::Written(size) => return Ok(Some(size)),
            Got::Forbidden(said) => return Ok(self.refused(&said)),
            Got::Missing => {}
        }
        match self.api.generate(asset, kind).await? {
            Asked::Forbidden(said) => return Ok(self.refused(&said)),
            Asked::NoSuchAsset => {
                return Err(SourceError::new(Kind::Gone, "the photo is gone from Lightroom"))
            }
            Asked::Accepted => {}
        }
        let polling = self.api.polling().clone();
        let started = tokio::time::Instant::now();
        let mut pause = polling.first;
        loop {
            tokio::time::sleep(pause).await;
            if self.api.ready(asset, kind).await? {
                break;
            }
            if started.elapsed() > polling.give_up {
                return Err(SourceError::new(
                    Kind::Item,
                    format!(
                        "Lightroom is still making the {kind} rendition of this photo; Folio \
                         will ask again on its next look"
                    ),
                ));
            }
            pause = pause.mul_f32(1.6).min(polling.max);
        }
        match self.api.rendition(asset, kind, dest, MAX_ITEM_BYTES).await? {
            Got::Written(size) => Ok(Some(size)),
            Got::Forbidden(said) => Ok(self.refused(&said)),
            // Made, then not found (AdobeDocs/lightroom-partner-apis#169): the next look.
            Got::Missing => Err(SourceError::new(
                Kind::Item,
                format!(
                    "Lightroom said the {kind} rendition was ready but did not give it; Folio \
                     will ask again on its next look"
                ),
            )),
        }
    }

    /// Remembers that Adobe refused the larger renditions to the account, and says so once.
    fn refused(&self, said: &str) -> Option<u64> {
        let kind = self.wanted.name();
        let note = format!(
            "Adobe refused Lightroom's {kind} rendition ({said}): this Adobe credential is not \
             entitled to it, so Folio reads the 2048-pixel rendition for this account"
        );
        let key = format!("{} {}", self.api.base(), self.account);
        if refused().lock().expect("refused").insert(key, note.clone()).is_none() {
            // Folio's sources have no channel for notes; the person running Folio reads this.
            eprintln!("folio: {note}");
        }
        None
    }
}
