//! The factory that turns a stored site into its destination, by the site's kind. Adding a
//! site type is registering one more maker here; the engine never names a backend.

use crate::{Destination, SiteError, SiteErrorCode};
use folio_model::ConnectorInfo;
use std::collections::BTreeMap;
use std::sync::Arc;

/// What the store keeps about a site, apart from its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteConfig {
    /// The backend: "wordpress", …
    pub kind: String,
    /// Its address (a WordPress site, a Shopify store's domain).
    pub url: String,
    /// The account Folio signs in as (Shopify: [`crate::shopify::TOKEN_ACCOUNT`] for an Admin
    /// API token, else the app's client id).
    pub account: String,
}

type Maker =
    Arc<dyn Fn(&SiteConfig, &str) -> Result<Arc<dyn Destination>, SiteError> + Send + Sync>;

#[derive(Clone, Default)]
pub struct Backends {
    makers: BTreeMap<String, (ConnectorInfo, Maker)>,
}

impl Backends {
    /// The site types Folio ships.
    pub fn standard() -> Backends {
        let mut b = Backends::default();
        b.register(crate::wordpress::connector::connector(), |site, secret| {
            let wp = crate::wordpress::WordPress::new(&site.url, &site.account, secret)?;
            Ok(Arc::new(wp))
        });
        b.register(crate::shopify::connector::connector(), |site, secret| {
            let credentials = crate::shopify::credentials(&site.account, secret);
            Ok(Arc::new(crate::shopify::Shopify::new(&site.url, credentials)?))
        });
        b
    }

    /// Adds a destination connector: what it declares, and how a stored site becomes one.
    pub fn register(
        &mut self,
        info: ConnectorInfo,
        maker: impl Fn(&SiteConfig, &str) -> Result<Arc<dyn Destination>, SiteError>
            + Send
            + Sync
            + 'static,
    ) {
        self.makers.insert(info.id.clone(), (info, Arc::new(maker)));
    }

    /// What each destination connector declares, by id.
    pub fn connectors(&self) -> impl Iterator<Item = &ConnectorInfo> {
        self.makers.values().map(|(info, _)| info)
    }

    pub fn kinds(&self) -> impl Iterator<Item = &str> {
        self.makers.keys().map(String::as_str)
    }

    /// A destination for `site`, signed in with `secret`.
    pub fn connect(
        &self,
        site: &SiteConfig,
        secret: &str,
    ) -> Result<Arc<dyn Destination>, SiteError> {
        let (_, maker) = self.makers.get(&site.kind).ok_or_else(|| {
            let known: Vec<&str> = self.kinds().collect();
            SiteError::new(
                SiteErrorCode::Protocol,
                format!(
                    "this Folio cannot publish to '{}' sites (it knows: {})",
                    site.kind,
                    known.join(", ")
                ),
            )
        })?;
        maker(site, secret)
    }
}
