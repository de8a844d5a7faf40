//! No front end names a service: the app's commands and views and the CLI's own new commands
//! render what the connectors declare. The exceptions are named here, each with its reason: the
//! WordPress companion plugin's download, the Lightroom Classic plug-in (Folio's own, no
//! connector), and the older CLI commands scripts rely on. The
//! services are whatever `folio connectors` lists, so a new connector is covered at once.

use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn services() -> Vec<String> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_folio"))
        .args(["connectors", "--json"])
        .env("FOLIO_DATA_DIR", tempfile::tempdir().unwrap().path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let listed: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<String> = listed
        .iter()
        .filter(|c| !c["sign_in"].as_array().unwrap().is_empty())
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    assert!(ids.len() >= 3, "{ids:?}");
    ids
}

fn sources(dir: &str, extensions: &[&str]) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo().join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| extensions.iter().any(|x| e == *x)))
        .collect();
    files.sort();
    files
}

fn is_comment(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with("//") || t.starts_with("* ") || t.starts_with("/*")
}

/// The Lightroom Classic plug-in (the second exception, beside the companion plugin): Folio's
/// own plug-in for the desktop Lightroom, which shares a word with the Lightroom (cloud)
/// connector but is no connector. Its files, and the words that name it, are not a service.
const CLASSIC_PLUGIN_FILES: &[&str] = &["lightroom.rs", "LightroomPlugin.tsx"];
const CLASSIC_PLUGIN_WORDS: &[&str] = &[
    "lightroom classic",
    "lightroom_plugin",
    "lightroomplugin",
    "lightroom_modules",
    "lightroom export folder",
    "mod lightroom;",
    "crate::lightroom::",
];

/// Every code line of `files` naming a service, but for the allowed (file name, text) pairs.
fn naming(files: &[PathBuf], services: &[String], allowed: &[(&str, &str)]) -> Vec<String> {
    let mut found = Vec::new();
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        if CLASSIC_PLUGIN_FILES.contains(&name.as_str()) {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate().filter(|(_, l)| !is_comment(l)) {
            let mut lower = line.to_lowercase();
            for word in CLASSIC_PLUGIN_WORDS {
                lower = lower.replace(word, "");
            }
            let named = services
                .iter()
                .any(|s| lower.contains(s.as_str()) || name.to_lowercase().contains(s.as_str()));
            let excused = allowed.iter().any(|(f, t)| name == *f && line.contains(t));
            if named && !excused {
                found.push(format!("{name}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    found
}

#[test]
fn the_app_names_no_service_but_the_companion_plugin() {
    let services = services();
    let shell = sources("src-tauri/src", &["rs"]);
    let ui: Vec<PathBuf> = sources("ui/src", &["ts", "tsx"])
        .into_iter()
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            // Generated from the commands (checked below by command name) and the tests' data.
            !name.contains(".test.") && name != "bindings.ts"
        })
        .collect();
    assert!(ui.len() > 10 && shell.len() > 5, "read the sources");
    let allowed = [
        // Saving the WordPress companion plugin (the one exception).
        ("ipc.rs", "companion plugin"),
        ("AccountCard.tsx", "connector === \"wordpress\""),
        ("AccountCard.tsx", "In WordPress: Plugins"),
    ];
    let found = naming(&[shell, ui].concat(), &services, &allowed);
    assert!(found.is_empty(), "the app names a service:\n{}", found.join("\n"));

    let bindings = std::fs::read_to_string(repo().join("ui/src/bindings.ts")).unwrap();
    let commands: Vec<&str> = bindings
        .lines()
        .filter_map(|l| l.trim().strip_prefix("async ")?.split('(').next())
        .collect();
    assert!(commands.len() > 20, "{commands:?}");
    let named: Vec<&&str> = commands
        .iter()
        .filter(|c| {
            let lower = c.to_lowercase().replace("lightroomplugin", "");
            services.iter().any(|s| lower.contains(s.as_str()))
        })
        .collect();
    assert!(named.is_empty(), "IPC commands naming a service: {named:?}");
}

#[test]
fn the_cli_names_services_only_in_its_older_commands() {
    let services = services();
    // `site add --wordpress/--shopify`, `site connect` (WordPress's approval page) and
    // `dropbox login/status/logout` are kept unchanged for scripts; everything newer is generic.
    let older = ["manage.rs", "connect.rs", "dropbox.rs", "main.rs"];
    let newer: Vec<PathBuf> = sources("crates/folio-cli/src", &["rs"])
        .into_iter()
        .filter(|p| !older.iter().any(|o| p.ends_with(o)))
        .collect();
    assert!(newer.iter().any(|p| p.ends_with("accounts.rs")), "{newer:?}");
    let found = naming(&newer, &services, &[]);
    assert!(found.is_empty(), "the CLI's generic commands name a service:\n{}", found.join("\n"));
}
