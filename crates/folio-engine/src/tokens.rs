//! The access token of each account of a source that signs in through the browser: one
//! [`TokenSource`] per account over its keychain entry (re-read before each refresh, a rotated
//! refresh token written back, one refresh for many 401s), shared by the account's albums.

use crate::secrets::Secrets;
use folio_auth::{AuthError, Provider, Relay, TokenSource};
use folio_model::Config;
use folio_sources::account::{AccessToken, OauthSource};
use folio_sources::{SourceAccount, SourceError, SourceErrorKind as Kind};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One account's token.
pub(crate) struct AccountToken {
    source: TokenSource,
    /// Why this account cannot refresh at all (its fields name no app), said on each use.
    no_app: Option<String>,
    secret_ref: String,
    config: folio_model::Config,
    label: String,
    /// How long the service's sign-ins last, said when a refresh is refused.
    lasts: Option<String>,
    /// A pasted token (Figma's), read from the keychain as it is and never refreshed.
    pasted: Option<Arc<dyn folio_auth::Keychain>>,
    /// When a pasted token is asked for again (seconds since 1970), a week before it can
    /// have expired, and how many days such tokens last.
    renew_by: Option<(i64, u64)>,
}

/// How long before a pasted token's longest life ends the account asks for a new one.
const ASK_AHEAD_SECS: i64 = 7 * 86_400;

/// The second (since 1970) by which a token kept at `signed_in_at` and lasting at most `lasts`
/// is asked for again.
fn renew_by(signed_in_at: Option<&str>, lasts: Option<std::time::Duration>) -> Option<(i64, u64)> {
    let kept = folio_model::time::iso_ns(signed_in_at?)? / 1_000_000_000;
    let lasts = lasts?.as_secs();
    Some((kept + lasts as i64 - ASK_AHEAD_SECS, lasts / 86_400))
}

/// Every account's token in use, by account id.
#[derive(Default)]
pub(crate) struct OauthTokens {
    tokens: Mutex<HashMap<i64, Arc<AccountToken>>>,
}

pub(crate) fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(60))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a TLS backend is compiled in")
}

impl OauthTokens {
    /// The account's token; `label` names the service in what the person is told.
    pub(crate) fn of(
        &self,
        secrets: &Secrets,
        account: &SourceAccount,
        connector: &str,
        oauth: &dyn OauthSource,
        label: &str,
    ) -> Arc<AccountToken> {
        let mut all = self.tokens.lock().expect("tokens");
        let secret_ref = account.secret_ref.clone().unwrap_or_default();
        let fresh = || {
            let relayed = refresher(connector, &account.config);
            let (provider, no_app) = match relayed
                .map(Ok)
                .unwrap_or_else(|| oauth.app(&account.config).map(|app| app.provider))
            {
                Ok(provider) => (provider, None),
                Err(why) => (Provider::new("", "", ""), Some(why)),
            };
            let keychain: Arc<dyn folio_auth::Keychain> = Arc::new(secrets.clone());
            let pasted = oauth.pasted().then(|| keychain.clone());
            let no_app = if pasted.is_some() { None } else { no_app };
            Arc::new(AccountToken {
                renew_by: renew_by(account.signed_in_at.as_deref(), oauth.token_lasts()),
                pasted,
                source: TokenSource::new(provider, keychain, secret_ref.clone(), http()),
                no_app,
                secret_ref: secret_ref.clone(),
                config: account.config.clone(),
                label: label.to_string(),
                lasts: oauth.sign_in_lasts(),
            })
        };
        let entry = all.entry(account.id).or_insert_with(fresh);
        // Signed in again under another keychain entry, or pointed elsewhere: start afresh.
        if entry.secret_ref != secret_ref || entry.config != account.config {
            *entry = fresh();
        }
        entry.clone()
    }

    /// Forgets an account's cached token (it signed out, or signs in again).
    pub(crate) fn forget(&self, account: i64) {
        self.tokens.lock().expect("tokens").remove(&account);
    }
}

impl AccountToken {
    /// Starts with the access token the sign-in was just given.
    pub(crate) async fn seed(&self, access: String, lasts: Option<Duration>) {
        self.source.seed(access, lasts).await;
    }

    fn error(&self, e: AuthError) -> SourceError {
        let label = &self.label;
        match e {
            AuthError::SignedOut => SourceError::new(
                Kind::Reconnect,
                format!("Folio is not signed in to {label}; reconnect the account (folio account reconnect)"),
            ),
            AuthError::Rejected(_) => {
                SourceError::new(Kind::Reconnect, rejected(label, self.lasts.as_deref()))
            }
            other => SourceError::new(Kind::Unavailable, other.to_string()),
        }
    }
}

/// What the person is told when the service refuses the account's refresh token: plainly why
/// where the service ends sign-ins on a clock (Adobe after 14 days).
fn rejected(label: &str, lasts: Option<&str>) -> String {
    match lasts {
        Some(lasts) => format!(
            "{label} no longer accepts Folio's sign-in: {lasts}; reconnect the account (folio \
             account reconnect)"
        ),
        None => format!(
            "{label} no longer accepts Folio's sign-in (revoked or expired); reconnect the account"
        ),
    }
}

#[async_trait::async_trait]
impl AccessToken for AccountToken {
    async fn current(&self) -> Result<String, SourceError> {
        if let Some(keychain) = &self.pasted {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64);
            if let Some((_, days)) = self.renew_by.filter(|(by, _)| now >= *by) {
                let label = &self.label;
                return Err(SourceError::new(
                    Kind::Reconnect,
                    format!(
                        "{label}'s token expires soon ({label} tokens last at most {days} days): \
                         make a new one and reconnect the account (folio account reconnect)"
                    ),
                ));
            }
            return match keychain.get(&self.secret_ref) {
                Ok(Some(token)) => Ok(token),
                Ok(None) => Err(self.error(AuthError::SignedOut)),
                Err(e) => Err(self.error(AuthError::Keychain(e))),
            };
        }
        if let Some(why) = &self.no_app {
            return Err(SourceError::new(Kind::Reconnect, why.clone()));
        }
        self.source.current().await.map_err(|e| self.error(e))
    }

    async fn refreshed(&self) -> Result<String, SourceError> {
        if self.pasted.is_some() {
            let label = &self.label;
            return Err(SourceError::new(
                Kind::Reconnect,
                format!(
                    "{label} refused the token (expired or revoked); make a new one and reconnect \
                     the account (folio account reconnect)"
                ),
            ));
        }
        let refused = self.current().await?;
        self.source.rejected(&refused).await.map_err(|e| self.error(e))
    }
}

/// One access token, for the check right after sign-in.
pub(crate) struct Fixed(pub(crate) String);

#[async_trait::async_trait]
impl AccessToken for Fixed {
    async fn current(&self) -> Result<String, SourceError> {
        Ok(self.0.clone())
    }
    async fn refreshed(&self) -> Result<String, SourceError> {
        Err(SourceError::new(Kind::Reconnect, "the service refused the token it has just issued"))
    }
}

/// Makes the albums of every source that signs in through the browser readable with their
/// account's token; their downloads go to a folder of `spool` named after the source. Albums
/// whose items Folio makes itself (generated images) are folders under `data_dir`.
pub(crate) fn open_with_tokens(
    sources: &mut folio_sources::Sources,
    tokens: Arc<OauthTokens>,
    secrets: crate::secrets::Secrets,
    spool: &std::path::Path,
    data_dir: &std::path::Path,
) {
    for (info, oauth) in sources.oauth_sources() {
        let (tokens, secrets) = (tokens.clone(), secrets.clone());
        let spool = spool.join(&info.id);
        let (label, id) = (info.label.clone(), info.id.clone());
        let data_dir = data_dir.to_path_buf();
        sources.register(info, move |config| {
            let account = config.account.as_ref().ok_or_else(|| {
                folio_sources::SourceError::new(
                    folio_sources::SourceErrorKind::Reconnect,
                    format!("no {label} account is signed in for this album; run 'folio connect'"),
                )
            })?;
            if oauth.makes_items() {
                let folder = crate::pipeline::generated::album_folder(
                    &data_dir,
                    account.id,
                    &config.location,
                );
                std::fs::create_dir_all(&folder).map_err(|e| {
                    let message = format!("{}: {e}", folder.display());
                    folio_sources::SourceError::new(folio_sources::SourceErrorKind::Gone, message)
                })?;
                return Ok(Arc::new(folio_sources::FolderSource::new(folder)));
            }
            let token = tokens.of(&secrets, account, &id, oauth.as_ref(), &label);
            oauth.open(&account.config, token, &config.location, spool.clone())
        });
    }
}

/// The field by which an account names its sign-in relay.
const RELAY_FIELD: &str = "relay_url";

/// The relay an account's fields name, if any.
pub(crate) fn relay_of(config: &Config) -> Option<Relay> {
    let url = config.get(RELAY_FIELD).map(str::trim).filter(|u| !u.is_empty())?;
    Some(Relay::new(url))
}

/// Where an account that signed in through a relay refreshes: the relay's refresh endpoint,
/// which puts the app's own client id and secret in (what is sent here for them is dropped).
pub(crate) fn refresher(id: &str, config: &Config) -> Option<Provider> {
    let relay = relay_of(config)?;
    let base = relay.url();
    Some(
        Provider::new("folio", "", format!("{base}/token/{id}"))
            .with_refresh_url(format!("{base}/refresh/{id}")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pasted_token_is_asked_for_again_a_week_before_its_longest_life_ends() {
        let lasts = Some(std::time::Duration::from_secs(90 * 86_400));
        let (by, days) = renew_by(Some("2026-12-01T10:00:00Z"), lasts).unwrap();
        assert_eq!((by, days), (1_796_119_200 + 83 * 86_400, 90));
        assert_eq!(renew_by(None, lasts), None, "an account from before knows no time");
        assert_eq!(renew_by(Some("2026-12-01T10:00:00Z"), None), None, "lasts until revoked");
    }

    #[test]
    fn a_refused_refresh_says_how_long_the_services_sign_in_lasts_where_it_says() {
        let plain = rejected("Canva", None);
        assert!(plain.contains("(revoked or expired); reconnect the account"), "{plain}");
        let lasts = folio_sources::lightroom::account::LightroomAccounts.sign_in_lasts();
        let adobe = rejected("Lightroom", lasts.as_deref());
        assert!(adobe.contains("Adobe's sign-in lasts 14 days"), "{adobe}");
        assert!(adobe.contains("reconnect the account"), "{adobe}");
    }
}
