//! The factory that turns a stored site into its destination, by the site's kind. Adding a
//! site type is registering one more maker here; the engine never names a backend.

use crate::{Destination, SiteError, SiteErrorCode};
use folio_model::{Config, ConnectorInfo, FieldKind};
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
    /// The account's fields, with the connector's fallbacks filled in (another API address, …).
    pub config: Config,
}

type Maker =
    Arc<dyn Fn(&SiteConfig, &str) -> Result<Arc<dyn Destination>, SiteError> + Send + Sync>;

/// The access token of a site signed in through a sign-in relay, renewed from the refresh
/// token its keychain entry holds (HubSpot's last 30 minutes).
pub type Renewing = Arc<folio_auth::TokenSource>;
type RenewingMaker =
    Arc<dyn Fn(&SiteConfig, Renewing) -> Result<Arc<dyn Destination>, SiteError> + Send + Sync>;

/// What a new site is made of: where it is, whom it signs in as, and the one secret the
/// keychain keeps for it.
#[derive(Clone, PartialEq, Eq)]
pub struct SiteLogin {
    pub url: String,
    pub account: String,
    pub secret: String,
}

impl std::fmt::Debug for SiteLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SiteLogin").field("url", &self.url).field("account", &self.account).finish()
    }
}

/// How an account's fields and pasted secrets (by field name) become a [`SiteLogin`]; a
/// sentence for the person when they do not add up.
pub type Login =
    Arc<dyn Fn(&Config, &BTreeMap<String, String>) -> Result<SiteLogin, String> + Send + Sync>;

/// The sites one sign-in reaches, as (address, name): for a connector whose account holds
/// several (WordPress.com), so the person picks one after signing in.
pub type SiteList = std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<Vec<(String, String)>, SiteError>> + Send>,
>;
/// Given the account's fields, the access token and the token answer's other values (a
/// WordPress.com token made for one blog names it there).
type Lister = Arc<dyn Fn(&Config, &str, &BTreeMap<String, String>) -> SiteList + Send + Sync>;

#[derive(Clone, Default)]
pub struct Backends {
    makers: BTreeMap<String, (ConnectorInfo, Maker)>,
    logins: BTreeMap<String, Login>,
    /// By kind: the field that names the site, and how an access token lists the choices.
    listers: BTreeMap<String, (String, Lister)>,
    /// Kinds whose sign-in gives a token that expires: how such a site is made.
    renewing: BTreeMap<String, RenewingMaker>,
}

/// The login of a connector that declared none of its own: its `url` field, its `user` field
/// (if any) as the account, its first secret field given as the secret.
fn plain_login(
    info: &ConnectorInfo,
    config: &Config,
    secrets: &BTreeMap<String, String>,
) -> Result<SiteLogin, String> {
    let secret = info
        .fields
        .iter()
        .filter(|f| f.kind == FieldKind::Secret)
        .find_map(|f| secrets.get(&f.name).filter(|s| !s.trim().is_empty()))
        .ok_or_else(|| format!("{} needs its secret", info.label))?;
    Ok(SiteLogin {
        url: config.value("url").to_string(),
        account: config.value("user").to_string(),
        secret: secret.trim().to_string(),
    })
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
            let config = crate::shopify::ShopifyConfig {
                admin_url: site
                    .config
                    .get("admin_url")
                    .filter(|u| !u.is_empty())
                    .map(str::to_string),
                ..Default::default()
            };
            Ok(Arc::new(crate::shopify::Shopify::with_config(&site.url, credentials, config)?))
        });
        b.register(crate::contentful::connector::connector(), |site, secret| {
            let config = crate::contentful::ContentfulConfig::from_fields(&site.config);
            Ok(Arc::new(crate::contentful::Contentful::new(config, secret)?))
        });
        b.register(crate::hubspot::connector::connector(), |site, secret| {
            let config = crate::hubspot::HubSpotConfig::from_fields(&site.config);
            Ok(Arc::new(crate::hubspot::HubSpot::new(config, secret)?))
        });
        b.register(crate::wpcom::connector::connector(), |site, secret| {
            let config = crate::wpcom::WpcomConfig::from_fields(&site.account, &site.config);
            Ok(Arc::new(crate::wpcom::WordPressCom::new(config, secret)?))
        });
        b.register_renewing(crate::hubspot::connector::ID, |site, token| {
            let config = crate::hubspot::HubSpotConfig::from_fields(&site.config);
            Ok(Arc::new(crate::hubspot::HubSpot::renewing(config, token)?))
        });
        b.register_login(crate::wordpress::connector::ID, crate::wordpress::connector::login);
        b.register_login(crate::shopify::connector::ID, crate::shopify::connector::login);
        b.register_login(crate::contentful::connector::ID, crate::contentful::connector::login);
        b.register_login(crate::hubspot::connector::ID, crate::hubspot::connector::login);
        b.register_login(crate::wpcom::connector::ID, crate::wpcom::connector::login);
        b.register_sites(crate::wpcom::connector::ID, "site", |config, token, answer| {
            let api = crate::wpcom::WpcomConfig::from_fields("", config).api_url;
            let token = token.to_string();
            let blog = crate::wpcom::token_blog(answer);
            Box::pin(async move {
                // A token made for one blog reaches only that one, whatever me/sites lists.
                if let Some(url) = blog {
                    return Ok(vec![(url.clone(), url)]);
                }
                let sites = crate::wpcom::sites(&api, &token).await?;
                Ok(sites.into_iter().map(|(_, url, name)| (url, name)).collect())
            })
        });
        b
    }

    /// How an account of `kind` that reaches several sites lists them once signed in; `field`
    /// is the one that names the site.
    pub fn register_sites(
        &mut self,
        kind: &str,
        field: &str,
        list: impl Fn(&Config, &str, &BTreeMap<String, String>) -> SiteList + Send + Sync + 'static,
    ) {
        self.listers.insert(kind.to_string(), (field.to_string(), Arc::new(list)));
    }

    /// The field naming the site, and the sites `token` reaches (`answer`: the token answer's
    /// other values), for a kind that has a lister.
    pub fn sites(
        &self,
        kind: &str,
        config: &Config,
        token: &str,
        answer: &BTreeMap<String, String>,
    ) -> Option<(String, SiteList)> {
        let (field, list) = self.listers.get(kind)?;
        Some((field.clone(), list(config, token, answer)))
    }

    /// How a site of `kind` is made when its sign-in gave a token that expires: its keychain
    /// entry holds the refresh token, and `token` renews the access token from it.
    pub fn register_renewing(
        &mut self,
        kind: &str,
        make: impl Fn(&SiteConfig, Renewing) -> Result<Arc<dyn Destination>, SiteError>
            + Send
            + Sync
            + 'static,
    ) {
        self.renewing.insert(kind.to_string(), Arc::new(make));
    }

    /// Whether sites of `kind` can keep a sign-in whose token expires.
    pub fn renews(&self, kind: &str) -> bool {
        self.renewing.contains_key(kind)
    }

    /// A destination for `site`, whose access token `token` renews.
    pub fn connect_renewing(
        &self,
        site: &SiteConfig,
        token: Renewing,
    ) -> Result<Arc<dyn Destination>, SiteError> {
        let make = self.renewing.get(&site.kind).ok_or_else(|| {
            SiteError::new(
                SiteErrorCode::Protocol,
                format!(
                    "'{}' sites keep only lasting tokens; reconnect with a pasted one",
                    site.kind
                ),
            )
        })?;
        make(site, token)
    }

    /// How accounts of `kind` become sites, where the plain way (`url`, `user`, the secret)
    /// does not fit.
    pub fn register_login(
        &mut self,
        kind: &str,
        login: impl Fn(&Config, &BTreeMap<String, String>) -> Result<SiteLogin, String>
            + Send
            + Sync
            + 'static,
    ) {
        self.logins.insert(kind.to_string(), Arc::new(login));
    }

    /// A new site of `kind` from an account's fields and pasted secrets.
    pub fn login(
        &self,
        kind: &str,
        config: &Config,
        secrets: &BTreeMap<String, String>,
    ) -> Result<SiteLogin, String> {
        match (self.logins.get(kind), self.makers.get(kind)) {
            (Some(login), _) => login(config, secrets),
            (None, Some((info, _))) => plain_login(info, config, secrets),
            (None, None) => Err(format!("this Folio cannot publish to '{kind}' sites")),
        }
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
