//! Connecting a destination from its connector's fields and pasted secrets (`folio connect
//! wordpress --set url=… --set user=…` with FOLIO_WORDPRESS_PASSWORD, a Shopify token, …). The
//! fields are checked against the connector's declaration first; then the site is connected as
//! `site add` does (credentials checked by the site before anything is saved).

use crate::sites::{NewSite, ShopifyLogin, SiteSummary};
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
        let info = self
            .connectors()
            .into_iter()
            .find(|c| c.id == connector)
            .ok_or_else(|| EngineError::config(format!("no connector named '{connector}'")))?;
        let config = info.config(given).map_err(EngineError::config)?;
        let secret = |field: &str| secrets.get(field).map(String::as_str).filter(|s| !s.is_empty());
        let address = config.get("url").or(config.get("store")).unwrap_or("").to_string();
        let default_name = short_name(&address);
        let name = name.map(str::to_string).unwrap_or(default_name);
        match connector {
            "shopify" => {
                let login =
                    match (secret("token"), config.get("client_id"), secret("client_secret")) {
                        (Some(token), _, _) => ShopifyLogin::Token(token),
                        (None, Some(client_id), Some(secret)) => {
                            ShopifyLogin::ClientCredentials { client_id, secret }
                        }
                        _ => return Err(EngineError::config(
                            "give the Admin API access token (FOLIO_SHOPIFY_TOKEN), or client_id \
                             with its secret (FOLIO_SHOPIFY_CLIENT_SECRET)",
                        )),
                    };
                self.add_shopify_store(&name, &address, login).await
            }
            _ => {
                let secret_field = info
                    .fields
                    .iter()
                    .find(|f| f.kind == folio_model::FieldKind::Secret)
                    .map(|f| f.name.as_str())
                    .unwrap_or("password");
                let Some(secret) = secret(secret_field) else {
                    return Err(EngineError::config(format!(
                        "{} needs its {secret_field}",
                        info.label
                    )));
                };
                let account = config.get("user").unwrap_or("");
                if connector == "wordpress" && account.is_empty() {
                    return Err(EngineError::config(
                        "a pasted Application Password needs its user: --set user=NAME",
                    ));
                }
                let new = NewSite { name: &name, kind: connector, url: &address, account, secret };
                self.add_site(new).await
            }
        }
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
