//! A Figma account as the engine sees it: a personal access token, pasted, kept in the keychain
//! as it is (no OAuth app, no refresh; a refused token asks for a new one), who it belongs to,
//! and the album locations it accepts. Figma lists no files for a token (only a team's, whose
//! id a token cannot find), so albums are added from a file key or a pasted address.

use super::api::FigmaApi;
use super::location::{self, Part, Scope};
use super::outline;
use super::{connector, FigmaSource};
use crate::account::{AccessToken, Entry, OauthApp, OauthSource, Who};
use crate::{Source, SourceError, SourceErrorKind as Kind};
use folio_model::Config;
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct FigmaAccounts;

/// A file's outline as last read, by API address and file key, for a few minutes: opening a
/// page right after its file costs no second Tier 1 call.
static OUTLINES: std::sync::LazyLock<Mutex<HashMap<String, (Instant, Value)>>> =
    std::sync::LazyLock::new(Mutex::default);

/// How long a read outline is used again.
const OUTLINE_KEPT: Duration = Duration::from_secs(300);

async fn outline(api: &FigmaApi, base: &str, key: &str) -> Result<Value, SourceError> {
    let cache_key = format!("{base} {key}");
    let kept = OUTLINES.lock().expect("outlines").get(&cache_key).cloned();
    if let Some((at, document)) = kept.filter(|(at, _)| at.elapsed() < OUTLINE_KEPT) {
        let _ = at;
        return Ok(document);
    }
    let document = api.outline(key).await?;
    OUTLINES.lock().expect("outlines").insert(cache_key, (Instant::now(), document.clone()));
    Ok(document)
}

fn api(config: &Config, token: Arc<dyn AccessToken>) -> FigmaApi {
    FigmaApi::new(&connector::api_url(config), token)
}

fn not_a_location(location: &str) -> SourceError {
    SourceError::new(
        Kind::Gone,
        format!(
            "'{location}' is not a Figma album; give a file key (figma:KEY, figma:KEY/Page) or \
             a file or frame address copied from Figma"
        ),
    )
}

/// The album's place and options, as an album location keeps them.
fn parse(location: &str) -> Option<(Scope, super::FigmaOptions)> {
    let (place, options) = location::options(location::place(location));
    Some((Scope::parse(&place)?, options))
}

#[async_trait::async_trait]
impl OauthSource for FigmaAccounts {
    fn app(&self, _config: &Config) -> Result<OauthApp, String> {
        Err("Figma signs in with a pasted personal access token".into())
    }

    fn pasted(&self) -> bool {
        true
    }

    /// Figma's personal access tokens expire within 90 days of being made.
    fn token_lasts(&self) -> Option<std::time::Duration> {
        Some(std::time::Duration::from_secs(90 * 86_400))
    }

    async fn who(&self, config: &Config, token: Arc<dyn AccessToken>) -> Result<Who, SourceError> {
        let me = api(config, token).me().await?;
        Ok(Who { name: me.handle, email: me.email.filter(|e| !e.is_empty()) })
    }

    async fn revoke(
        &self,
        _config: &Config,
        _token: Arc<dyn AccessToken>,
    ) -> Result<(), SourceError> {
        Err(SourceError::new(
            Kind::Unavailable,
            "Figma's tokens are revoked in Figma itself: Settings → Security → Personal access \
             tokens",
        ))
    }

    /// Nothing at the top (Figma lists no files for a token); inside a pasted file, its pages;
    /// inside a page, its frames, components and sections, each an album of its own.
    async fn browse(
        &self,
        config: &Config,
        token: Arc<dyn AccessToken>,
        path: &str,
    ) -> Result<Vec<Entry>, SourceError> {
        let no_files = || {
            SourceError::new(
                Kind::Gone,
                "Figma does not list a token's files: add an album from a file or frame \
                 address copied from Figma (Share → Copy link)",
            )
        };
        let (scope, _) = parse(path).filter(|_| !path.trim().is_empty()).ok_or_else(no_files)?;
        if matches!(scope.part, Part::Node(_)) {
            return Ok(Vec::new());
        }
        let document =
            outline(&api(config, token), &connector::api_url(config), &scope.key).await?;
        Ok(outline::entries(&scope, &document))
    }

    /// A cheap `/meta` call: the file is there and the token may open it (no Tier 1 call).
    async fn check(
        &self,
        config: &Config,
        token: Arc<dyn AccessToken>,
        location: &str,
    ) -> Result<String, SourceError> {
        let (scope, options) = parse(location).ok_or_else(|| not_a_location(location))?;
        api(config, token).meta(&scope.key).await?;
        Ok(format!("{}{}", scope.location(), location::write_options(&options)))
    }

    /// The file's name, with the page's for a page album.
    async fn title(
        &self,
        config: &Config,
        token: Arc<dyn AccessToken>,
        location: &str,
    ) -> Option<String> {
        let (scope, _) = parse(location)?;
        let meta = api(config, token).meta(&scope.key).await.ok()?;
        let name = Some(meta.name).filter(|n| !n.trim().is_empty())?;
        Some(match &scope.part {
            Part::Page(page) if !location::is_node_id(page) => format!("{name} – {page}"),
            _ => name,
        })
    }

    fn open(
        &self,
        config: &Config,
        token: Arc<dyn AccessToken>,
        location: &str,
        spool: PathBuf,
    ) -> Result<Arc<dyn Source>, SourceError> {
        let source = FigmaSource::at(api(config, token), location, spool)
            .ok_or_else(|| not_a_location(location))?;
        Ok(Arc::new(source))
    }
}
