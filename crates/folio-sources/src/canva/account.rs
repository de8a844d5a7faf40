//! A Canva account as the engine's browser sign-in sees it: the app comes from the user's
//! sign-in relay (Canva's token endpoint always wants the integration's secret), who signed
//! in, its folders and designs for the picker, and the album locations it accepts.

use super::{connector, limits::Budget, wire::FolderItem, CanvaApi, CanvaSource, Scope};
use crate::account::{AccessToken, Entry, OauthApp, OauthSource, Preview, Who};
use crate::{Source, SourceError, SourceErrorKind as Kind};
use folio_model::Config;
use std::path::PathBuf;
use std::sync::Arc;

pub struct CanvaAccounts;

fn api(config: &Config, token: Arc<dyn AccessToken>, account: &str) -> CanvaApi {
    let base = connector::api_url(config);
    // Canva's quotas are per user: every source of one account shares one count.
    let budget = Budget::of(&format!("{base} {account}"));
    CanvaApi::new(&base, token, budget)
}

/// The account's name in a location (`ACCOUNT:folder/ID`); browsing has none, and counts
/// under the API's address alone.
fn account_of(location: &str) -> &str {
    location.split_once(':').map_or("", |(a, _)| a)
}

fn not_a_location(location: &str) -> SourceError {
    SourceError::new(
        Kind::Gone,
        format!(
            "'{location}' is not a Canva album; write canva:folder/ID (a folder's designs, \
             canva:folder/root for the top) or canva:design/ID (one design)"
        ),
    )
}

#[async_trait::async_trait]
impl OauthSource for CanvaAccounts {
    fn app(&self, config: &Config) -> Result<OauthApp, String> {
        let relay = config.get("relay_url").filter(|u| !u.trim().is_empty());
        let Some(_relay) = relay else {
            return Err("Canva needs a sign-in relay: Canva finishes a sign-in only with its \
                        integration's secret, which a desktop app cannot keep; run a Folio \
                        sign-in relay and give its address as relay_url (see the README's \
                        Sign-in relay section)"
                .into());
        };
        // relay: lead wires the provider (client id, authorize URL and scopes from the relay's
        // /services; token and refresh through RELAY/token/canva and RELAY/refresh/canva).
        Err("Canva's sign-in through the relay is not wired into this Folio yet".into())
    }

    async fn who(&self, config: &Config, token: Arc<dyn AccessToken>) -> Result<Who, SourceError> {
        let name = api(config, token, "").profile().await?;
        Ok(Who { name, email: None })
    }

    async fn revoke(
        &self,
        _config: &Config,
        _token: Arc<dyn AccessToken>,
    ) -> Result<(), SourceError> {
        // Canva's /v1/oauth/revoke wants the integration's secret, which only the relay has.
        Err(SourceError::new(
            Kind::Unavailable,
            "Canva revokes access only through the sign-in relay, which this Folio does not do \
             yet; remove Folio under Settings > Integrations in Canva",
        ))
    }

    async fn browse(
        &self,
        config: &Config,
        token: Arc<dyn AccessToken>,
        path: &str,
    ) -> Result<Vec<Entry>, SourceError> {
        let folder = match path.trim_matches('/') {
            "" => "root",
            p => p.strip_prefix("folder/").ok_or_else(|| {
                SourceError::new(Kind::Gone, format!("'{path}' is not a Canva folder"))
            })?,
        };
        let items = api(config, token, "").folder_items(folder).await?;
        let mut entries: Vec<Entry> = items
            .into_iter()
            .filter_map(|i| match i {
                FolderItem::Folder { folder } => Some(Entry {
                    path: format!("folder/{}", folder.id),
                    name: folder.name,
                    folder: true,
                    ..Entry::default()
                }),
                FolderItem::Design { design } => Some(Entry {
                    path: format!("design/{}", design.id),
                    preview: design.thumbnail.is_some(),
                    count: design.page_count,
                    name: design.title.filter(|t| !t.is_empty()).unwrap_or(design.id),
                    folder: false,
                }),
                FolderItem::Other => None,
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
        let scope = Scope::parse(location).ok_or_else(|| not_a_location(location))?;
        let api = api(config, token, account_of(location));
        match &scope {
            Scope::Folder(id) => api.folder_items(id).await.map(|_| format!("folder/{id}")),
            Scope::Design(id) => api.design(id).await.map(|_| format!("design/{id}")),
        }
    }

    /// A folder's name or a design's title ("Projects" for the top of the projects).
    async fn title(
        &self,
        config: &Config,
        token: Arc<dyn AccessToken>,
        location: &str,
    ) -> Option<String> {
        let api = api(config, token, account_of(location));
        let title = match Scope::parse(location)? {
            Scope::Folder(id) if id == "root" => Some("Projects".to_string()),
            Scope::Folder(id) => Some(api.folder(&id).await.ok()?.name),
            Scope::Design(id) => api.design(&id).await.ok()?.title,
        };
        title.filter(|t| !t.trim().is_empty())
    }

    /// A design's thumbnail (its first page, as Canva shows it in lists) and its page count.
    /// The design is read again: thumbnail addresses last 15 minutes.
    async fn preview(
        &self,
        config: &Config,
        token: Arc<dyn AccessToken>,
        path: &str,
        spool: &std::path::Path,
    ) -> Result<Preview, SourceError> {
        let Some(id) = path.trim_matches('/').strip_prefix("design/") else {
            return Ok(Preview::default());
        };
        let api = api(config, token, "");
        let design = api.design(id).await?;
        let image = match design.thumbnail {
            Some(t) => {
                crate::account::read_preview(spool, |dest| async move {
                    api.download(&t.url, &dest, crate::account::MAX_PREVIEW_BYTES)
                        .await
                        .map(|n| n.is_some())
                })
                .await?
            }
            None => None,
        };
        Ok(Preview { image, count: design.page_count })
    }

    fn open(
        &self,
        config: &Config,
        token: Arc<dyn AccessToken>,
        location: &str,
        spool: PathBuf,
    ) -> Result<Arc<dyn Source>, SourceError> {
        let api = api(config, token, account_of(location));
        let export = connector::export_kind(config);
        let source = CanvaSource::new(api, location, export, spool)
            .ok_or_else(|| not_a_location(location))?;
        Ok(Arc::new(source))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_relay_the_sign_in_says_why_one_is_needed() {
        let config = connector::connector().config(&Default::default()).unwrap();
        let why = CanvaAccounts.app(&config).unwrap_err();
        assert!(why.starts_with("Canva needs a sign-in relay"), "{why}");
        assert!(why.contains("README"), "{why}");
    }

    #[test]
    fn locations_are_a_folder_or_a_design() {
        assert_eq!(Scope::parse("canva:folder/root"), Some(Scope::Folder("root".into())));
        assert_eq!(Scope::parse("work:design/DAF1_x-2"), Some(Scope::Design("DAF1_x-2".into())));
        assert_eq!(Scope::parse("canva:design/"), None);
        assert_eq!(Scope::parse("canva:page/DAF1"), None);
        assert_eq!(Scope::parse("canva:folder/../x"), None);
        assert_eq!(Scope::parse(":folder/F1"), None);
    }
}
