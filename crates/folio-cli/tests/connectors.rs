//! `folio connectors`: what each service declares, in the JSON shape the contract
//! names, and a Dropbox sign-in that says plainly when no app key was given instead of sending
//! the browser to a page that can only fail.

use serde_json::Value;
use std::process::Command;

fn folio(data: &std::path::Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_folio"));
    c.arg("--data-dir").arg(data).args(args).env("FOLIO_SECRETS", "file");
    c
}

#[test]
fn every_connector_declares_its_roles_sign_in_and_fields() {
    let data = tempfile::tempdir().unwrap();
    let out = folio(data.path(), &["connectors", "--json"])
        .env("FOLIO_DROPBOX_API_URL", "http://127.0.0.1:9")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let list: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let by_id = |id: &str| list.iter().find(|c| c["id"] == id).unwrap_or_else(|| panic!("no {id}"));
    for c in &list {
        for key in ["id", "label", "roles", "sign_in", "fields"] {
            assert!(c.get(key).is_some(), "{} has no {key}", c["id"]);
        }
        for f in c["fields"].as_array().unwrap() {
            for key in ["name", "label", "kind", "required", "advanced"] {
                assert!(f.get(key).is_some(), "{}'s field {} has no {key}", c["id"], f["name"]);
            }
            let kind = f["kind"].as_str().unwrap();
            assert!(["text", "url", "secret", "bool", "choice"].contains(&kind), "{kind}");
        }
    }
    assert_eq!(by_id("dropbox")["roles"], serde_json::json!(["source"]));
    assert_eq!(by_id("dropbox")["sign_in"], serde_json::json!(["oauth_pkce"]));
    assert_eq!(by_id("folder")["roles"], serde_json::json!(["source"]));
    for id in ["wordpress", "shopify"] {
        assert_eq!(by_id(id)["roles"], serde_json::json!(["destination"]), "{id}");
    }
    let field = |id: &str, name: &str| {
        by_id(id)["fields"].as_array().unwrap().iter().find(|f| f["name"] == name).cloned()
    };
    // Every OAuth connector takes its app's client id; where it is, is advanced.
    let client_id = field("dropbox", "client_id").expect("Dropbox's client_id");
    assert_eq!(client_id["advanced"], true);
    // The variables that pointed Folio at a fake keep working, as the fields' defaults.
    assert_eq!(field("dropbox", "api_url").unwrap()["env"], "FOLIO_DROPBOX_API_URL");
    assert_eq!(field("shopify", "admin_url").unwrap()["env"], "FOLIO_SHOPIFY_ADMIN_URL");
    assert_eq!(field("wordpress", "password").unwrap()["kind"], "secret");
    assert_eq!(field("wordpress", "url").unwrap()["required"], true);
}

/// A build without a Dropbox app key (as CI's and any build of the sources is, unless the
/// maintainers set one) must not pretend: sign-in fails at once, saying what to register.
#[test]
fn dropbox_sign_in_without_an_app_key_says_what_to_register() {
    if option_env!("FOLIO_DROPBOX_APP_KEY").is_some() {
        // A maintainers' build has a key baked in; the refusal cannot happen there.
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let out = folio(data.path(), &["dropbox", "login", "--no-browser"])
        .env_remove("FOLIO_DROPBOX_APP_KEY")
        .env("FOLIO_DROPBOX_API_URL", "http://127.0.0.1:9")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // A configuration problem, as the README lists exit codes: 2.
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    assert!(!stdout.contains("open:"), "no sign-in page is offered: {stdout}");
    assert!(stderr.contains("no Dropbox app key") && stderr.contains("client_id"), "{stderr}");
}
