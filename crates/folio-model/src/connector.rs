//! What a connector (one service: a folder, Dropbox, WordPress, Shopify, …) says about itself,
//! so that every front end can list it, ask for its fields and run its sign-in without naming
//! it. The service's own folder declares this; nothing outside it needs to change to add one.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a connector's accounts are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum Role {
    /// Albums read photos from it.
    Source,
    /// Photos are published to it.
    Destination,
}

/// The reusable ways of signing in; a connector offers one or more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum SignInKind {
    /// OAuth 2 with PKCE, the browser coming back to a listener on 127.0.0.1.
    OauthPkce,
    /// WordPress's "Authorize application" page, answered to the loopback, `folio://` or pasted.
    WordpressApproval,
    /// A token, key or password the user pastes.
    Paste,
    /// An app's client id and secret, traded for tokens (OAuth client credentials).
    ClientCredentials,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum FieldKind {
    Text,
    Url,
    /// Goes to the keychain, never to the database, logs or events.
    Secret,
    Bool,
    /// One of the field's `options`.
    Choice,
}

/// One value a connector asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Field {
    /// Stable: the CLI's `--set NAME=VALUE` and `FOLIO_<CONNECTOR>_<NAME>`.
    pub name: String,
    pub label: String,
    /// Where to find the value, in a sentence.
    pub help: String,
    pub kind: FieldKind,
    /// A choice's values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    pub required: bool,
    /// Hidden behind "Advanced": where the service is (`api_url`, `token_url`, …) or whose app
    /// signs in (`client_id`). Tests, benchmarks and self-hosters set these; people rarely do.
    pub advanced: bool,
    /// Used when the field is left empty.
    pub default: Option<String>,
    /// The environment variable whose value replaces `default` (the `FOLIO_*` variables that
    /// pointed Folio elsewhere before connectors had fields keep working).
    pub env: Option<String>,
}

impl Field {
    fn new(name: &str, label: &str, kind: FieldKind) -> Field {
        Field {
            name: name.into(),
            label: label.into(),
            help: String::new(),
            kind,
            options: Vec::new(),
            required: false,
            advanced: false,
            default: None,
            env: None,
        }
    }

    pub fn text(name: &str, label: &str) -> Field {
        Field::new(name, label, FieldKind::Text)
    }

    pub fn url(name: &str, label: &str) -> Field {
        Field::new(name, label, FieldKind::Url)
    }

    pub fn secret(name: &str, label: &str) -> Field {
        Field::new(name, label, FieldKind::Secret)
    }

    pub fn flag(name: &str, label: &str) -> Field {
        Field::new(name, label, FieldKind::Bool)
    }

    pub fn choice(name: &str, label: &str, options: &[&str]) -> Field {
        let mut field = Field::new(name, label, FieldKind::Choice);
        field.options = options.iter().map(|o| o.to_string()).collect();
        field
    }

    pub fn help(mut self, help: &str) -> Field {
        self.help = help.into();
        self
    }

    pub fn required(mut self) -> Field {
        self.required = true;
        self
    }

    /// An advanced field, whose value `env` gives when the user set none.
    pub fn advanced(mut self, env: &str) -> Field {
        self.advanced = true;
        self.env = Some(env.into());
        self
    }

    pub fn default(mut self, value: &str) -> Field {
        self.default = Some(value.into());
        self
    }

    /// The value when the user gave none: the environment variable's, else the default.
    pub fn fallback(&self) -> Option<String> {
        self.env
            .as_deref()
            .and_then(|var| std::env::var(var).ok())
            .filter(|v| !v.is_empty())
            .or_else(|| self.default.clone())
    }
}

/// A connector's description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ConnectorInfo {
    /// Stable and lower case: `dropbox`, `wordpress`, … (an album location's `ID:` prefix).
    pub id: String,
    pub label: String,
    pub roles: Vec<Role>,
    /// In the order a front end offers them.
    pub sign_in: Vec<SignInKind>,
    pub fields: Vec<Field>,
}

impl ConnectorInfo {
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// The non-secret values of an account: what the user set, else each field's fallback.
    /// Unknown names and secrets are refused, so a typo is not silently ignored and a secret
    /// never reaches the database.
    pub fn config(&self, given: &BTreeMap<String, String>) -> Result<Config, String> {
        for name in given.keys() {
            match self.field(name) {
                None => {
                    let known: Vec<&str> = self.fields.iter().map(|f| f.name.as_str()).collect();
                    return Err(format!(
                        "{} has no field '{name}' (its fields: {})",
                        self.label,
                        known.join(", ")
                    ));
                }
                Some(f) if f.kind == FieldKind::Secret => {
                    return Err(format!("'{name}' is a secret; it goes to the keychain only"))
                }
                Some(_) => {}
            }
        }
        let mut values = BTreeMap::new();
        for f in self.fields.iter().filter(|f| f.kind != FieldKind::Secret) {
            let value =
                given.get(&f.name).filter(|v| !v.is_empty()).cloned().or_else(|| f.fallback());
            match value {
                Some(v) => {
                    if f.kind == FieldKind::Choice && !f.options.contains(&v) {
                        return Err(format!(
                            "{}: '{v}' is not one of {}",
                            f.label,
                            f.options.join(", ")
                        ));
                    }
                    if f.kind == FieldKind::Bool && v != "true" && v != "false" {
                        return Err(format!("{}: '{v}' is not true or false", f.label));
                    }
                    values.insert(f.name.clone(), v);
                }
                None if f.required => return Err(format!("{} is needed", f.label)),
                None => {}
            }
        }
        Ok(Config(values))
    }
}

impl ConnectorInfo {
    /// The settings of an account already saved: [`ConnectorInfo::config`] when its fields
    /// still check, else what is stored over every field's fallback (a site saved before its
    /// connector had these fields stores only its `url`; it must keep working).
    pub fn stored_config(&self, given: BTreeMap<String, String>) -> Config {
        self.config(&given).unwrap_or_else(|_| {
            let mut values: BTreeMap<String, String> = self
                .fields
                .iter()
                .filter(|f| f.kind != FieldKind::Secret)
                .filter_map(|f| Some((f.name.clone(), f.fallback()?)))
                .collect();
            values.extend(given);
            Config(values)
        })
    }
}

/// An account's non-secret settings, by field name, with defaults filled in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Config(pub BTreeMap<String, String>);

impl Config {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// A value the connector declared with a default, so it is always there after
    /// [`ConnectorInfo::config`]; empty if a caller built the config by hand without it.
    pub fn value(&self, name: &str) -> &str {
        self.get(name).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> ConnectorInfo {
        ConnectorInfo {
            id: "sample".into(),
            label: "Sample".into(),
            roles: vec![Role::Source],
            sign_in: vec![SignInKind::Paste],
            fields: vec![
                Field::text("space", "Space").required(),
                Field::secret("token", "Token").required(),
                Field::choice("mode", "Mode", &["a", "b"]),
                Field::url("api_url", "API address")
                    .advanced("FOLIO_TEST_SAMPLE_API_URL_UNSET")
                    .default("https://api.example.com"),
            ],
        }
    }

    #[test]
    fn config_fills_defaults_and_refuses_what_it_must_not_keep() {
        let info = sample();
        let given = |pairs: &[(&str, &str)]| {
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<BTreeMap<_, _>>()
        };
        let config = info.config(&given(&[("space", "s1")])).unwrap();
        assert_eq!(config.get("space"), Some("s1"));
        assert_eq!(config.value("api_url"), "https://api.example.com");
        assert!(config.get("token").is_none(), "a secret never lands in the config");
        assert!(info.config(&given(&[])).unwrap_err().contains("Space is needed"));
        assert!(info
            .config(&given(&[("space", "s"), ("token", "x")]))
            .unwrap_err()
            .contains("keychain"));
        assert!(info
            .config(&given(&[("space", "s"), ("spcae", "x")]))
            .unwrap_err()
            .contains("no field 'spcae'"));
        assert!(info
            .config(&given(&[("space", "s"), ("mode", "c")]))
            .unwrap_err()
            .contains("not one of a, b"));
    }

    #[test]
    fn a_saved_account_missing_a_now_required_field_keeps_its_fallbacks() {
        let stored = BTreeMap::from([("url".to_string(), "https://old".to_string())]);
        let config = sample().stored_config(stored);
        assert_eq!(config.get("url"), Some("https://old"));
        assert_eq!(config.value("api_url"), "https://api.example.com", "the fallback applies");
        assert!(config.get("space").is_none());
    }

    #[test]
    fn an_environment_variable_replaces_an_advanced_default() {
        let field = Field::url("api_url", "API")
            .advanced("FOLIO_TEST_CONNECTOR_API_URL")
            .default("https://real");
        assert_eq!(field.fallback().as_deref(), Some("https://real"));
        std::env::set_var("FOLIO_TEST_CONNECTOR_API_URL", "http://127.0.0.1:9");
        assert_eq!(field.fallback().as_deref(), Some("http://127.0.0.1:9"));
        std::env::remove_var("FOLIO_TEST_CONNECTOR_API_URL");
    }
}
