//! The example configuration in deploy/relay reads as a relay configuration, with the secrets
//! where systemd's LoadCredential= puts them. (Its own process: it sets CREDENTIALS_DIRECTORY.)

use std::path::Path;

#[test]
fn the_example_configuration_is_valid_with_credentials_from_systemd() {
    let example =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/relay/relay.example.toml");
    let credentials =
        std::env::temp_dir().join(format!("folio-relay-credentials-{}", std::process::id()));
    std::fs::create_dir_all(&credentials).unwrap();
    for service in ["canva", "lightroom", "wpcom", "hubspot"] {
        std::fs::write(credentials.join(service), format!("{service}-secret\n")).unwrap();
    }
    std::env::set_var("CREDENTIALS_DIRECTORY", &credentials);
    let config = folio_relay::Config::load(&example);
    std::env::remove_var("CREDENTIALS_DIRECTORY");
    let missing = folio_relay::Config::load(&example).unwrap_err().to_string();
    std::fs::remove_dir_all(&credentials).unwrap();

    let config = config.unwrap();
    assert_eq!(config.services["canva"].redirect_uri, "https://relay.example.org/callback/canva");
    assert_eq!(
        config.services["lightroom"].redirect_uri,
        "https://relay.example.org/callback/lightroom"
    );
    assert_eq!(config.services["wpcom"].refresh_url, config.services["wpcom"].token_url);
    assert_eq!(config.services["hubspot"].token_url, "https://api.hubapi.com/oauth/v3/token");
    assert!(config.tls.is_some());
    assert!(missing.contains("client_secret_file") && missing.contains("canva"), "{missing}");
}
