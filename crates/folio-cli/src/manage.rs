//! `folio site`, `folio album`, pause, retry, reconcile and activity: thin wrappers over
//! folio-engine.

use crate::convert::PresetArgs;
use clap::Subcommand;
use folio_engine::{AlbumSettings, Engine, EngineError, ErrorCode, ImageFormat, SiteState};
use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum SiteCommand {
    /// Connect a site: a WordPress site (its Application Password from FOLIO_APP_PASSWORD, else
    /// stdin) or a Shopify store (its Admin API token from FOLIO_SHOPIFY_TOKEN, else stdin).
    Add {
        name: String,
        /// The WordPress site's address, e.g. https://example.com
        #[arg(long, required_unless_present = "shopify", conflicts_with = "shopify")]
        wordpress: Option<String>,
        /// The WordPress user name.
        #[arg(long, required_unless_present = "shopify", conflicts_with = "shopify")]
        user: Option<String>,
        /// A Shopify store, e.g. my-prints.myshopify.com
        #[arg(long)]
        shopify: Option<String>,
        /// With --shopify: sign in with a Dev Dashboard app's client id instead of a token (its
        /// secret from FOLIO_SHOPIFY_CLIENT_SECRET, else stdin).
        #[arg(long, requires = "shopify")]
        client_id: Option<String>,
    },
    /// Connect a WordPress site through its own approval page: prints `open: <URL>`, waits for
    /// WordPress to send the new Application Password back to 127.0.0.1, checks it and saves the
    /// site (or new credentials for a site already saved).
    Connect {
        /// The site's address, with or without https://
        url: String,
        /// The name to save it under (default: the site's title).
        #[arg(long)]
        name: Option<String>,
        /// Only print the address to open; do not start a browser.
        #[arg(long)]
        no_browser: bool,
        /// Seconds to wait for the approval.
        #[arg(long, default_value_t = 600)]
        timeout: u64,
        /// Accept a plain-http site on the internet (the password would travel in clear).
        #[arg(long)]
        allow_http: bool,
    },
    /// Forget a site (its photos stay on it); revokes Folio's Application Password there when it
    /// can.
    Remove { name: String },
    List {
        #[arg(long)]
        json: bool,
    },
    /// New credentials for a site whose password or token was revoked (FOLIO_APP_PASSWORD, or
    /// for a Shopify store FOLIO_SHOPIFY_TOKEN or FOLIO_SHOPIFY_CLIENT_SECRET; else stdin).
    Reconnect { name: String },
}

#[derive(Subcommand)]
pub enum AlbumCommand {
    /// Sync a folder (or a Dropbox folder, `dropbox:/Some/Folder`) to sites.
    Add {
        path: PathBuf,
        /// Target site (repeat for several).
        #[arg(long = "site", required = true)]
        sites: Vec<String>,
        #[command(flatten)]
        preset: PresetArgs,
        /// File name pattern, e.g. '{album}-{date}-{sequence}'.
        #[arg(long)]
        naming: Option<String>,
        /// Alt text pattern, e.g. '{title|caption|readable_filename}'.
        #[arg(long)]
        alt: Option<String>,
        /// Delete photos from the sites when they are deleted from the folder (into the site's
        /// trash; a site without one keeps them).
        #[arg(long)]
        delete_remote: bool,
        /// With --delete-remote: delete for good where a site has no trash.
        #[arg(long)]
        delete_permanently: bool,
        /// Figma albums: only frames whose name matches this pattern (`*`, `?`).
        #[arg(long = "match", value_name = "GLOB")]
        glob: Option<String>,
        /// Figma albums: render at this scale (0.01–4; default 2).
        #[arg(long)]
        scale: Option<f64>,
    },
    List {
        #[arg(long)]
        json: bool,
    },
    /// Stop syncing an album; its photos stay in the folder and on the sites.
    Remove { path: PathBuf },
    /// The photos that vanished from the album all at once were removed on purpose: take them
    /// as deleted on the next pass.
    ConfirmRemovals { path: PathBuf },
    /// Change an album's settings; only the options given change.
    Set {
        path: PathBuf,
        #[arg(long)]
        format: Option<folio_convert::OutputFormat>,
        #[arg(long)]
        max_edge: Option<u32>,
        #[arg(long, value_parser = clap::value_parser!(u8).range(1..=100))]
        quality: Option<u8>,
        #[arg(long)]
        naming: Option<String>,
        #[arg(long)]
        alt: Option<String>,
        /// What happens on the sites to a photo deleted from the folder.
        #[arg(long, value_enum)]
        delete_policy: Option<DeletePolicy>,
        /// A raw and a JPEG of the same name side by side: which one the album publishes.
        #[arg(long, value_enum)]
        raw_pair: Option<RawPairArg>,
        /// The locale suggested alt text is written in when the sites do not say theirs
        /// (e.g. de_DE; "" for the sites' own).
        #[arg(long, value_name = "LOCALE")]
        alt_language: Option<String>,
        /// Write alt text for new photos with a vision model of the AI account before their
        /// first upload (one paid call a photo; photos with their own alt text are not sent).
        #[arg(long, value_name = "on|off", value_parser = on_off)]
        ai_alt: Option<bool>,
        /// The AI account that writes it ("" for the only one).
        #[arg(long, value_name = "NAME")]
        ai_alt_account: Option<String>,
        /// The vision model that writes it ("" for a cheap one).
        #[arg(long, value_name = "ID")]
        ai_alt_model: Option<String>,
    },
}

fn on_off(s: &str) -> Result<bool, String> {
    match s {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => Err(format!("'{s}': write on or off")),
    }
}

/// Which file of a RAW+JPEG pair an album publishes.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum RawPairArg {
    /// The camera's JPEG (default).
    Jpeg,
    /// The raw, developed by Folio.
    Raw,
}

/// What happens on the sites to a photo deleted from the folder.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum DeletePolicy {
    /// It stays on the sites.
    Keep,
    /// Into each site's trash; a site without one keeps it.
    Trash,
    /// Deleted for good.
    Permanent,
}

/// Exit status for an engine error: configuration mistakes are 2, like usage errors.
pub fn fail(e: EngineError) -> ExitCode {
    eprintln!("folio: {}", e.message);
    match e.code {
        ErrorCode::Config
        | ErrorCode::Secrets
        | ErrorCode::Insecure
        | ErrorCode::NotFound
        | ErrorCode::Unsupported => ExitCode::from(2),
        _ => ExitCode::from(1),
    }
}

/// A secret from `var`, else stdin (a terminal prompt that does not echo).
pub(crate) fn read_secret(var: &str, what: &str) -> Result<String, EngineError> {
    if let Ok(p) = std::env::var(var) {
        return Ok(p.trim().to_string());
    }
    let read_failed = |e: std::io::Error| EngineError::config(format!("reading the {what}: {e}"));
    let line = if std::io::stdin().is_terminal() {
        // Typed at a terminal: not echoed, so it is not left on the screen or in a recording.
        rpassword::prompt_password(format!("{what}: ")).map_err(read_failed)?
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map_err(read_failed)?;
        line
    };
    let p = line.trim().to_string();
    if p.is_empty() {
        return Err(EngineError::config(format!("no {what} given (set {var} or pipe it in)")));
    }
    Ok(p)
}

fn read_password() -> Result<String, EngineError> {
    read_secret("FOLIO_APP_PASSWORD", "Application Password")
}

pub async fn site(engine: &Engine, command: SiteCommand) -> Result<ExitCode, EngineError> {
    match command {
        SiteCommand::Add { name, shopify: Some(store), client_id, .. } => {
            // The older flags, as the connector's fields.
            let mut fields = BTreeMap::from([("store".to_string(), store)]);
            let secret = match client_id {
                Some(client_id) => {
                    fields.insert("client_id".into(), client_id);
                    let secret = read_secret("FOLIO_SHOPIFY_CLIENT_SECRET", "client secret")?;
                    ("client_secret", secret)
                }
                None => ("token", read_secret("FOLIO_SHOPIFY_TOKEN", "Admin API access token")?),
            };
            let secrets = BTreeMap::from([(secret.0.to_string(), secret.1)]);
            let s = engine.connect_destination("shopify", Some(&name), &fields, &secrets).await?;
            println!(
                "Added store {} ({} at {}): {}; alt text only (Shopify files have no title or caption)",
                s.name,
                s.capabilities.account,
                s.url,
                mode(&s)
            );
        }
        SiteCommand::Add { name, wordpress, user, .. } => {
            let (Some(wordpress), Some(user)) = (wordpress, user) else {
                return Err(EngineError::config(
                    "give --wordpress URL --user NAME, or --shopify STORE",
                ));
            };
            let fields =
                BTreeMap::from([("url".to_string(), wordpress), ("user".to_string(), user)]);
            let secrets = BTreeMap::from([("password".to_string(), read_password()?)]);
            let s = engine.connect_destination("wordpress", Some(&name), &fields, &secrets).await?;
            println!(
                "Added site {} ({} at {}): {}; {}",
                s.name,
                s.account,
                s.url,
                avif(&s),
                mode(&s)
            );
        }
        SiteCommand::Reconnect { name } => {
            let site = engine.sites().await?.into_iter().find(|s| s.name == name);
            let password = match site {
                Some(s)
                    if s.kind == "shopify" && s.account == folio_engine::SHOPIFY_TOKEN_ACCOUNT =>
                {
                    read_secret("FOLIO_SHOPIFY_TOKEN", "Admin API access token")?
                }
                Some(s) if s.kind == "shopify" => {
                    read_secret("FOLIO_SHOPIFY_CLIENT_SECRET", "client secret")?
                }
                _ => read_password()?,
            };
            let s = engine.reconnect_site(&name, &password).await?;
            println!(
                "Reconnected {} ({} at {}); its waiting photos go up on the next pass",
                s.name, s.account, s.url
            );
        }
        SiteCommand::Connect { url, name, no_browser, timeout, allow_http } => {
            return crate::connect::connect(
                engine,
                &url,
                name.as_deref(),
                no_browser,
                timeout,
                allow_http,
            )
            .await;
        }
        SiteCommand::Remove { name } => println!("{}", engine.remove_site(&name).await?),
        SiteCommand::List { json } => {
            let sites = engine.sites().await?;
            if json {
                println!("{}", serde_json::to_string(&sites).expect("serialises"));
            } else {
                for s in sites {
                    let state = match (&s.state, &s.error) {
                        (SiteState::Ok, _) => "ok".to_string(),
                        (state, Some(e)) => format!("{}: {e}", state.as_str()),
                        (state, None) => state.as_str().to_string(),
                    };
                    println!(
                        "{}\t{}\t{}\t{}\t{}; {}\t{state}",
                        s.name,
                        s.kind,
                        s.account,
                        s.url,
                        mode(&s),
                        avif(&s)
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn avif(s: &folio_engine::SiteSummary) -> &'static str {
    if s.capabilities.accepts(ImageFormat::Avif) {
        "accepts AVIF"
    } else {
        "no AVIF (WebP will be used)"
    }
}

/// How a site takes a changed photo, in words.
fn mode(s: &folio_engine::SiteSummary) -> String {
    let words = s.capabilities.replace_words();
    if s.capabilities.replace_in_place {
        format!("replaces in place: {words}")
    } else {
        words.to_string()
    }
}

/// Shopify keeps only alt text with a file.
fn keeps_title(s: &folio_engine::SiteSummary) -> bool {
    s.capabilities.fields.contains(&folio_engine::TextField::Title)
}

/// An account album's location with a Figma album's own options after it (`?match=…&scale=…`,
/// which the source reads); a folder on this computer takes neither.
fn with_render_options(
    path: PathBuf,
    glob: Option<String>,
    scale: Option<f64>,
) -> Result<PathBuf, EngineError> {
    if glob.is_none() && scale.is_none() {
        return Ok(path);
    }
    let text = path.to_string_lossy().into_owned();
    if !text.contains(':') || path.exists() {
        return Err(EngineError::config("--match and --scale are for Figma albums (figma:KEY…)"));
    }
    if let Some(scale) = scale.filter(|s| !(0.01..=4.0).contains(s)) {
        return Err(EngineError::config(format!("--scale {scale}: Figma renders at 0.01 to 4")));
    }
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    if let Some(glob) = &glob {
        query.append_pair("match", glob);
    }
    if let Some(scale) = scale {
        query.append_pair("scale", &scale.to_string());
    }
    let sep = if text.contains('?') { '&' } else { '?' };
    Ok(PathBuf::from(format!("{text}{sep}{}", query.finish())))
}

pub async fn album(engine: &Engine, command: AlbumCommand) -> Result<ExitCode, EngineError> {
    match command {
        AlbumCommand::Add {
            path,
            sites,
            preset,
            naming,
            alt,
            delete_remote,
            delete_permanently,
            glob,
            scale,
        } => {
            let path = with_render_options(path, glob, scale)?;
            let mut settings = AlbumSettings {
                delete_remote: delete_remote || delete_permanently,
                delete_permanently,
                preset: preset.preset(),
                ..AlbumSettings::default()
            };
            if let Some(n) = naming {
                settings.naming = n;
            }
            if let Some(a) = alt {
                settings.alt = a;
            }
            let a = engine.add_album(&path, &sites, settings).await?;
            println!("Added album {} ({}) → {}", a.name, a.root, a.sites.join(", "));
        }
        AlbumCommand::Set {
            path,
            format,
            max_edge,
            quality,
            naming,
            alt,
            delete_policy,
            raw_pair,
            alt_language,
            ai_alt,
            ai_alt_account,
            ai_alt_model,
        } => {
            let s = engine
                .update_album_settings(&path, |s| {
                    s.preset.format = format.unwrap_or(s.preset.format);
                    s.preset.max_edge = max_edge.unwrap_or(s.preset.max_edge);
                    s.preset.quality = quality.unwrap_or(s.preset.quality);
                    s.naming = naming.unwrap_or_else(|| s.naming.clone());
                    s.alt = alt.unwrap_or_else(|| s.alt.clone());
                    if let Some(language) = alt_language {
                        s.alt_language = language.trim().to_string();
                    }
                    s.ai_alt = ai_alt.unwrap_or(s.ai_alt);
                    if let Some(account) = ai_alt_account {
                        s.ai_alt_account = account.trim().to_string();
                    }
                    if let Some(model) = ai_alt_model {
                        s.ai_alt_model = model.trim().to_string();
                    }
                    if let Some(pair) = raw_pair {
                        s.raw_pair = match pair {
                            RawPairArg::Jpeg => folio_engine::RawPair::Jpeg,
                            RawPairArg::Raw => folio_engine::RawPair::Raw,
                        };
                    }
                    if let Some(policy) = delete_policy {
                        s.delete_remote = !matches!(policy, DeletePolicy::Keep);
                        s.delete_permanently = matches!(policy, DeletePolicy::Permanent);
                    }
                })
                .await?;
            if ai_alt == Some(true) {
                let price = engine.ai_alt_estimate(Some(&s.ai_alt_account), Some(&s.ai_alt_model));
                let price = price.await?;
                eprintln!(
                    "Alt text for new photos is written by {} before their first upload, at most {} a photo",
                    price.model,
                    folio_engine::dollars(price.estimate)
                );
            }
            println!("{}", serde_json::to_string(&s).expect("serialises"));
        }
        AlbumCommand::Remove { path } => println!("{}", engine.remove_album(&path).await?),
        AlbumCommand::ConfirmRemovals { path } => {
            let n = engine.confirm_removals(&path).await?;
            println!(
                "{n} photo(s) gone from {} are taken as deleted on the next pass",
                path.display()
            );
        }
        AlbumCommand::List { json } => {
            let albums = engine.albums().await?;
            if json {
                println!("{}", serde_json::to_string(&albums).expect("serialises"));
            } else {
                let sites = engine.sites().await?;
                for a in albums {
                    let targets: Vec<String> = a
                        .sites
                        .iter()
                        .map(|name| match sites.iter().find(|s| &s.name == name) {
                            Some(s) if s.capabilities.replace_in_place && !keeps_title(s) => {
                                format!("{name} (in place, alt text only)")
                            }
                            Some(s) if s.capabilities.replace_in_place => {
                                format!("{name} (in place)")
                            }
                            _ => format!("{name} (new URL on change)"),
                        })
                        .collect();
                    println!("{}\t{}\t{}", a.name, a.root, targets.join(", "));
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn pause(engine: &Engine, paused: bool) -> Result<ExitCode, EngineError> {
    engine.set_auto_sync_paused(paused).await?;
    println!("Auto-sync {}", if paused { "paused" } else { "resumed" });
    Ok(ExitCode::SUCCESS)
}

pub async fn retry(
    engine: &Engine,
    album: Option<&std::path::Path>,
) -> Result<ExitCode, EngineError> {
    let n = engine.retry(album).await?;
    println!("{n} photo(s) will be retried on the next pass");
    Ok(ExitCode::SUCCESS)
}

pub async fn reconcile(engine: &Engine, site: &str, json: bool) -> Result<ExitCode, EngineError> {
    let r = engine.reconcile_site(site).await?;
    if json {
        println!("{}", serde_json::to_string(&r).expect("serialises"));
    } else {
        println!(
            "{} items from Folio on {site}: {} photos matched, {} already known, {} not on the site",
            r.remote_items, r.matched, r.already_known, r.missing
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn activity(engine: &Engine, limit: u32, json: bool) -> Result<ExitCode, EngineError> {
    let entries = engine.activity(limit).await?;
    if json {
        println!("{}", serde_json::to_string(&entries).expect("serialises"));
    } else {
        for e in entries {
            println!("{}  {:<7} {}", e.at, e.level, e.message);
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn write_plugin(out: &std::path::Path) -> ExitCode {
    match std::fs::write(out, folio_engine::companion_plugin_zip()) {
        Ok(()) => {
            println!(
                "Wrote {}. In WordPress: Plugins → Add New → Upload Plugin, then activate it.",
                out.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("folio: cannot write {}: {e}", out.display());
            ExitCode::from(2)
        }
    }
}
