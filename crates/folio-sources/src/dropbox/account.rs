//! A Dropbox account as the engine's browser sign-in sees it: the app (an app key of the
//! maintainers' or the user's own, no secret), the three registered loopback ports, who signed
//! in, its folders for the picker, and revoking the token.

use super::{connector, wire::Entry as Wire, DropboxApi, DropboxSource};
use crate::account::{AccessToken, Entry, OauthApp, OauthSource, Who};
use crate::{Source, SourceError, SourceErrorKind as Kind};
use folio_model::{is_photo_name, Config};
use std::path::PathBuf;
use std::sync::Arc;

/// Dropbox matches redirect URIs exactly, so the sign-in listens on one of these, each
/// registered as `http://127.0.0.1:<port>/dropbox`.
pub const REDIRECT_PORTS: [u16; 3] = [53_682, 53_683, 53_684];
pub const REDIRECT_PATH: &str = "/dropbox";

pub struct DropboxAccounts;

fn api(config: &Config, token: Arc<dyn AccessToken>) -> DropboxApi {
    DropboxApi::new(connector::endpoints(config), token)
}

#[async_trait::async_trait]
impl OauthSource for DropboxAccounts {
    fn app(&self, config: &Config) -> Result<OauthApp, String> {
        let client_id = config.get("client_id").filter(|id| !id.is_empty()).ok_or(
            "this Folio has no Dropbox app key: register a Dropbox app (see the README's Dropbox \
             section) and give its key as the Dropbox connector's client_id (FOLIO_DROPBOX_APP_KEY)",
        )?;
        let provider = folio_auth::Provider::new(
            client_id,
            config.value("auth_url"),
            connector::token_url(config),
        );
        Ok(OauthApp {
            provider,
            ports: REDIRECT_PORTS.to_vec(),
            path: REDIRECT_PATH.into(),
            // A refresh token, so Folio syncs unattended.
            params: vec![("token_access_type".into(), "offline".into())],
        })
    }

    async fn who(&self, config: &Config, token: Arc<dyn AccessToken>) -> Result<Who, SourceError> {
        let (name, email) = api(config, token).current_account().await?;
        Ok(Who { name, email: Some(email) })
    }

    async fn revoke(
        &self,
        config: &Config,
        token: Arc<dyn AccessToken>,
    ) -> Result<(), SourceError> {
        api(config, token).revoke().await
    }

    async fn browse(
        &self,
        config: &Config,
        token: Arc<dyn AccessToken>,
        path: &str,
    ) -> Result<Vec<Entry>, SourceError> {
        let children = api(config, token).children(path.trim_end_matches('/')).await?;
        let mut entries: Vec<Entry> = children
            .into_iter()
            .filter_map(|e| match e {
                Wire::Folder(f) => Some(Entry {
                    name: f.name,
                    path: f.path_display,
                    folder: true,
                    ..Entry::default()
                }),
                Wire::File(f) if is_photo_name(&f.name) => {
                    Some(Entry { name: f.name, path: f.path_display, ..Entry::default() })
                }
                _ => None,
            })
            .collect();
        entries.sort_by_key(|e| (!e.folder, e.name.to_lowercase()));
        Ok(entries)
    }

    async fn check(
        &self,
        config: &Config,
        token: Arc<dyn AccessToken>,
        location: &str,
    ) -> Result<String, SourceError> {
        let root = DropboxSource::parse_location(location).ok_or_else(|| {
            SourceError::new(
                Kind::Gone,
                format!(
                    "'{location}' is not a Dropbox folder; write dropbox:/Folder/In/Your/Dropbox"
                ),
            )
        })?;
        api(config, token).latest_cursor(root).await.map_err(|e| match e.kind {
            Kind::Gone => {
                SourceError::new(Kind::Gone, format!("there is no folder {root} in that Dropbox"))
            }
            _ => e,
        })?;
        Ok(root.trim_end_matches('/').to_string())
    }

    fn open(
        &self,
        config: &Config,
        token: Arc<dyn AccessToken>,
        location: &str,
        spool: PathBuf,
    ) -> Result<Arc<dyn Source>, SourceError> {
        let root = DropboxSource::parse_location(location).ok_or_else(|| {
            SourceError::new(Kind::Gone, format!("'{location}' is not a Dropbox location"))
        })?;
        Ok(Arc::new(DropboxSource::new(api(config, token), root, spool)))
    }
}
