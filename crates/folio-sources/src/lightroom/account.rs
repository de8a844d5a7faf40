//! A Lightroom account as the engine's browser sign-in sees it: the app comes from the user's
//! sign-in relay (Adobe IMS wants the credential's secret, and an HTTPS redirect), who signed
//! in, its albums for the picker (album folders as folders), the album locations it accepts,
//! and revoking through the relay.

use super::{connector, parse_location, LightroomApi, LightroomSource};
use crate::account::{AccessToken, Entry, OauthApp, OauthSource, Preview, Who, MAX_PREVIEW_BYTES};
use crate::lightroom::api::ApiKey;
use crate::{Source, SourceError, SourceErrorKind as Kind};
use folio_model::Config;
use std::path::PathBuf;
use std::sync::Arc;

pub struct LightroomAccounts;

fn relay(config: &Config) -> Option<&str> {
    config.get("relay_url").map(str::trim).filter(|u| !u.is_empty())
}

/// The API key: the account's `client_id` field where it names one, else the relay's.
fn key(config: &Config) -> ApiKey {
    match (config.get("client_id").map(str::trim).filter(|k| !k.is_empty()), relay(config)) {
        (Some(key), _) => ApiKey::Given(key.to_string()),
        (None, Some(relay)) => ApiKey::Relay(relay.to_string()),
        (None, None) => ApiKey::Missing,
    }
}

pub fn api(config: &Config, token: Arc<dyn AccessToken>) -> LightroomApi {
    LightroomApi::new(&connector::api_url(config), key(config), token)
}

fn not_a_location(location: &str) -> SourceError {
    SourceError::new(
        Kind::Gone,
        format!("'{location}' is not a Lightroom album; write ACCOUNT:album/ID"),
    )
}

#[async_trait::async_trait]
impl OauthSource for LightroomAccounts {
    fn app(&self, config: &Config) -> Result<OauthApp, String> {
        let why = match relay(config) {
            None => {
                "Lightroom needs a sign-in relay: Adobe finishes a sign-in only with the \
                 credential's secret and an HTTPS redirect, which a desktop app cannot keep; run \
                 a Folio sign-in relay and give its address as relay_url (see the README's \
                 Sign-in relay section)"
            }
            // The engine signs in and refreshes through the relay and does not ask for an app.
            Some(_) => "Lightroom signs in through the relay only",
        };
        Err(why.into())
    }

    fn sign_in_lasts(&self) -> Option<String> {
        Some("Adobe's sign-in lasts 14 days, then Lightroom must be connected again".into())
    }

    async fn who(&self, config: &Config, token: Arc<dyn AccessToken>) -> Result<Who, SourceError> {
        let account = api(config, token).account().await?;
        let name = account.full_name.filter(|n| !n.is_empty());
        let name = name.or_else(|| account.email.clone()).unwrap_or(account.id);
        Ok(Who { name, email: account.email })
    }

    async fn revoke(
        &self,
        config: &Config,
        token: Arc<dyn AccessToken>,
    ) -> Result<(), SourceError> {
        let Some(relay) = relay(config) else {
            return Err(SourceError::new(
                Kind::Unavailable,
                "Adobe revokes access only through the sign-in relay; remove Folio under your \
                 Adobe account's Connected apps",
            ));
        };
        let http = reqwest::Client::new();
        let token = token.current().await?;
        folio_auth::Relay::new(relay)
            .revoke(&http, connector::ID, &token)
            .await
            .map_err(|e| SourceError::new(Kind::Unavailable, e.to_string()))
    }

    async fn browse(
        &self,
        config: &Config,
        token: Arc<dyn AccessToken>,
        path: &str,
    ) -> Result<Vec<Entry>, SourceError> {
        let trimmed = path.trim_matches('/');
        if let Some(album) = trimmed.strip_prefix("album/") {
            return album_photos(config, token, album).await;
        }
        let parent = match trimmed {
            "" => None,
            p => Some(p.strip_prefix("set/").ok_or_else(|| {
                SourceError::new(Kind::Gone, format!("'{path}' is not a Lightroom album folder"))
            })?),
        };
        let albums = api(config, token).albums().await?;
        let mut entries: Vec<Entry> = albums
            .into_iter()
            .filter(|a| a.payload.parent.as_ref().map(|p| p.id.as_str()) == parent)
            .filter_map(|a| {
                let folder = match a.subtype.as_str() {
                    "project_set" => true,
                    "project" => false,
                    _ => return None,
                };
                let prefix = if folder { "set" } else { "album" };
                let name = Some(a.payload.name).filter(|n| !n.trim().is_empty());
                // An album opens like a folder in a picker: its photos are inside.
                Some(Entry {
                    path: format!("{prefix}/{}", a.id),
                    name: name.unwrap_or_else(|| a.id.clone()),
                    folder: true,
                    // An album's cover and count come from its photos, read on demand.
                    preview: !folder,
                    count: None,
                })
            })
            .collect();
        // Album folders first, then albums, each by name.
        entries.sort_by_key(|e| (!e.path.starts_with("set/"), e.name.to_lowercase()));
        Ok(entries)
    }

    async fn check(
        &self,
        config: &Config,
        token: Arc<dyn AccessToken>,
        location: &str,
    ) -> Result<String, SourceError> {
        let (_, id) = parse_location(location).ok_or_else(|| not_a_location(location))?;
        let album = api(config, token).album(id).await?;
        if album.subtype != "project" {
            return Err(SourceError::new(
                Kind::Gone,
                format!("'{location}' is a Lightroom album folder; choose an album in it"),
            ));
        }
        Ok(format!("album/{id}"))
    }

    async fn title(
        &self,
        config: &Config,
        token: Arc<dyn AccessToken>,
        location: &str,
    ) -> Option<String> {
        let (_, id) = parse_location(location)?;
        let album = api(config, token).album(id).await.ok()?;
        Some(album.payload.name).filter(|n| !n.trim().is_empty())
    }

    /// An album's cover (its first photo's `thumbnail2x`, which Lightroom makes on upload)
    /// and how many photos it holds: one listing of the album, then one small rendition.
    async fn preview(
        &self,
        config: &Config,
        token: Arc<dyn AccessToken>,
        path: &str,
        spool: &std::path::Path,
    ) -> Result<Preview, SourceError> {
        let Some(album) = path.trim_matches('/').strip_prefix("album/") else {
            return Ok(Preview::default());
        };
        let api = api(config, token);
        let mut assets = api.album_assets(album).await?;
        assets.retain(|a| a.subtype != "video");
        let count = Some(assets.len() as u32);
        let Some(first) = assets.first() else { return Ok(Preview { image: None, count }) };
        let image = crate::account::read_preview(spool, |dest| async move {
            let got = api.rendition(&first.id, "thumbnail2x", &dest, MAX_PREVIEW_BYTES).await?;
            Ok(matches!(got, super::api::Got::Written(_)))
        })
        .await?;
        Ok(Preview { image, count })
    }

    fn open(
        &self,
        config: &Config,
        token: Arc<dyn AccessToken>,
        location: &str,
        spool: PathBuf,
    ) -> Result<Arc<dyn Source>, SourceError> {
        let wanted = connector::rendition(config);
        let source = LightroomSource::new(api(config, token), location, wanted, spool)
            .ok_or_else(|| not_a_location(location))?;
        Ok(Arc::new(source))
    }
}

/// An album's photos, as a picker shows what a folder holds: named as the album's items are.
async fn album_photos(
    config: &Config,
    token: Arc<dyn AccessToken>,
    album: &str,
) -> Result<Vec<Entry>, SourceError> {
    let mut assets = api(config, token).album_assets(album).await?;
    assets.retain(|a| a.subtype != "video");
    let names = super::items::names(&assets);
    let mut photos: Vec<Entry> = assets
        .iter()
        .filter_map(|a| {
            let name = names.get(&a.id)?.clone();
            Some(Entry { path: format!("album/{album}/{name}"), name, ..Entry::default() })
        })
        .collect();
    photos.sort_by_key(|e| e.name.to_lowercase());
    Ok(photos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_relay_the_sign_in_says_why_one_is_needed() {
        let config = connector::connector().config(&Default::default()).unwrap();
        let why = LightroomAccounts.app(&config).unwrap_err();
        assert!(why.starts_with("Lightroom needs a sign-in relay"), "{why}");
        assert!(why.contains("README"), "{why}");
    }

    #[test]
    fn the_api_key_is_the_fields_else_the_relays() {
        let info = connector::connector();
        let mut given = std::collections::BTreeMap::new();
        given.insert("relay_url".to_string(), "https://relay.example".to_string());
        assert!(
            matches!(key(&info.config(&given).unwrap()), ApiKey::Relay(r) if r == "https://relay.example")
        );
        given.insert("client_id".to_string(), "lr-key".to_string());
        assert!(matches!(key(&info.config(&given).unwrap()), ApiKey::Given(k) if k == "lr-key"));
        assert!(matches!(key(&Config::default()), ApiKey::Missing));
    }
}
