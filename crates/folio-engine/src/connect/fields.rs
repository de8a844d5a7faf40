//! Connecting a destination from its connector's fields and pasted secrets (`folio connect
//! wordpress --set url=… --set user=…` with FOLIO_WORDPRESS_PASSWORD, a Shopify token, …). The
//! fields are checked against the connector's declaration first; then the site is connected as
//! `site add` does (credentials checked by the site before anything is saved).

use crate::sites::{NewSite, SiteSummary};
use crate::{Engine, EngineError};
use std::collections::BTreeMap;

impl Engine {
    /// The secrets map holds the connector's secret fields by name; nothing of it is stored
    /// but in the keychain.
    pub async fn connect_destination(
        &self,
        connector: &str,
        name: Option<&str>,
        given: &BTreeMap<String, String>,
        secrets: &BTreeMap<String, String>,
    ) -> Result<SiteSummary, EngineError> {
        let info = self.connector_info(connector)?;
        let config = info.config(given).map_err(EngineError::config)?;
        let login = self.state.backends.login(connector, &config, secrets);
        let login = login.map_err(EngineError::config)?;
        let name = name.map(str::to_string).unwrap_or_else(|| short_name(&login.url));
        let new = NewSite {
            name: &name,
            kind: connector,
            url: &login.url,
            account: &login.account,
            secret: &login.secret,
            fields: Some(given),
        };
        self.add_site(new).await
    }
}

/// A name for an account nobody named: its host (`example.com`, `my-prints` for a store).
fn short_name(address: &str) -> String {
    let bare = address.split("://").last().unwrap_or(address);
    let host = bare.split(['/', ':']).next().unwrap_or(bare);
    let host = host.strip_prefix("www.").unwrap_or(host);
    host.strip_suffix(".myshopify.com").unwrap_or(host).to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_unnamed_account_is_called_by_its_host() {
        assert_eq!(super::short_name("https://www.example.com/blog"), "example.com");
        assert_eq!(super::short_name("my-prints.myshopify.com"), "my-prints");
        assert_eq!(super::short_name("http://127.0.0.1:8080/"), "127.0.0.1");
    }
}
