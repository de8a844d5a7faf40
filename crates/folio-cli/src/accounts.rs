//! `folio connect`, `folio account …` and `folio browse`: any connector, by what it declares.
//! Secret fields come from `FOLIO_<CONNECTOR>_<FIELD>`, else are asked without echo (read from
//! stdin when it is not a terminal); the work is the engine's.

use crate::manage::{read_secret, SiteCommand};
use clap::Subcommand;
use folio_engine::{AccountSummary, ConnectorInfo, Engine, EngineError, FieldKind, SignInKind};
use std::collections::BTreeMap;
use std::io::Write;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct ConnectArgs {
    /// The connector's id (`folio connectors`).
    connector: String,
    /// The account's name (default: the service's own, e.g. the site's host).
    #[arg(long)]
    name: Option<String>,
    /// A field's value, FIELD=VALUE (repeatable; secrets come from the environment).
    #[arg(long = "set", value_name = "FIELD=VALUE")]
    set: Vec<String>,
    /// Print the address to open (`open: <URL>`) instead of opening a browser.
    #[arg(long)]
    no_browser: bool,
    /// Answer yes to a confirmation step.
    #[arg(long)]
    yes: bool,
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
pub enum AccountCommand {
    /// Every account, sources and destinations, with its state.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Sign an account in again (its credentials were revoked or expired).
    Reconnect { name: String },
    /// Forget an account; revokes Folio's access where the service can.
    Remove { name: String },
}

fn env_name(connector: &str, field: &str) -> String {
    format!("FOLIO_{}_{}", connector, field).to_uppercase().replace('-', "_")
}

fn fields(set: &[String]) -> Result<BTreeMap<String, String>, EngineError> {
    set.iter()
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => Ok((k.trim().to_string(), v.to_string())),
            None => Err(EngineError::config(format!("--set {pair}: write FIELD=VALUE"))),
        })
        .collect()
}

/// The secret fields whose variables are set.
fn pasted(info: &ConnectorInfo) -> BTreeMap<String, String> {
    info.fields
        .iter()
        .filter(|f| f.kind == FieldKind::Secret)
        .filter_map(|f| {
            let value = std::env::var(env_name(&info.id, &f.name)).ok()?;
            Some((f.name.clone(), value.trim().to_string()))
        })
        .collect()
}

pub async fn connect(engine: &Engine, args: ConnectArgs) -> Result<ExitCode, EngineError> {
    let info =
        engine.connectors().into_iter().find(|c| c.id == args.connector).ok_or_else(|| {
            EngineError::config(format!(
                "no connector named '{}' (folio connectors)",
                args.connector
            ))
        })?;
    let given = fields(&args.set)?;
    let mut secrets = pasted(&info);
    let browser = info
        .sign_in
        .iter()
        .find(|k| matches!(k, SignInKind::OauthPkce | SignInKind::WordpressApproval));
    // A pasted secret wins where a browser sign-in is also offered.
    let name = match browser {
        Some(kind) if secrets.is_empty() => {
            browser_sign_in(engine, *kind, &info, &args, &given).await?
        }
        _ if info.sign_in.is_empty() => {
            return Err(EngineError::config(format!("{} needs no connecting", info.label)))
        }
        _ => {
            if secrets.is_empty() {
                let first = info.fields.iter().find(|f| f.kind == FieldKind::Secret);
                if let Some(f) = first {
                    let value = read_secret(&env_name(&info.id, &f.name), &f.label)?;
                    secrets.insert(f.name.clone(), value);
                }
            }
            let site = engine
                .connect_destination(&info.id, args.name.as_deref(), &given, &secrets)
                .await?;
            site.name
        }
    };
    let account = engine.accounts().await?.into_iter().find(|a| a.name == name);
    match account {
        Some(a) if args.json => {
            println!("{}", serde_json::to_string(&json(&a)).expect("serialises"))
        }
        Some(a) => println!("Connected {} ({}) as {}", a.name, a.connector, a.who),
        None => println!("Connected {name}"),
    }
    Ok(ExitCode::SUCCESS)
}

fn json(a: &AccountSummary) -> serde_json::Value {
    serde_json::json!({
        "id": a.id, "name": a.name, "connector": a.connector, "roles": a.roles, "who": a.who,
        "state": a.state,
    })
}

/// The contract's one line, printed once the listener accepts connections, whether or not a
/// browser is opened too.
fn show(url: &str, no_browser: bool) {
    println!("open: {url}");
    let _ = std::io::stdout().flush();
    if !no_browser && folio_engine::open_in_browser(url).is_ok() {
        eprintln!("Opened the sign-in page in your browser; waiting for you to allow Folio.");
    }
}

/// Runs a browser sign-in; returns the account's name.
async fn browser_sign_in(
    engine: &Engine,
    kind: SignInKind,
    info: &ConnectorInfo,
    args: &ConnectArgs,
    given: &BTreeMap<String, String>,
) -> Result<String, EngineError> {
    match kind {
        SignInKind::WordpressApproval => {
            let url = given.get("url").ok_or_else(|| {
                EngineError::config(format!("{} needs --set url=ADDRESS", info.label))
            })?;
            let site = SiteCommand::Connect {
                url: url.clone(),
                name: args.name.clone(),
                no_browser: args.no_browser,
                timeout: 600,
                allow_http: false,
            };
            crate::manage::site(engine, site).await?;
            let sites = engine.sites().await?;
            let mine = sites.iter().filter(|s| s.kind == info.id).max_by_key(|s| s.id);
            Ok(mine.map(|s| s.name.clone()).unwrap_or_default())
        }
        _ => {
            let name = args.name.clone().unwrap_or_else(|| info.id.clone());
            let taken = engine.accounts().await?.into_iter().any(|a| a.name == name);
            if taken && args.name.is_none() {
                return Err(EngineError::config(format!(
                    "an account named '{name}' exists: give --name for another, or run \
                     'folio account reconnect {name}'"
                )));
            }
            let sign_in = engine.dropbox_sign_in_as(&name, given).await?;
            show(&sign_in.url, args.no_browser);
            engine.dropbox_finish(sign_in, folio_engine::SIGN_IN_TIMEOUT).await?;
            Ok(name)
        }
    }
}

pub async fn account(engine: &Engine, command: AccountCommand) -> Result<ExitCode, EngineError> {
    match command {
        AccountCommand::List { json: as_json } => {
            let accounts = engine.accounts().await?;
            if as_json {
                println!("{}", serde_json::to_string(&accounts).expect("serialises"));
            }
            for a in accounts.iter().filter(|_| !as_json) {
                let why = a.error.as_deref().map(|e| format!(": {e}")).unwrap_or_default();
                let state = a.state.as_str();
                println!("{}  {} as {}  {state}{why}", a.name, a.connector, a.who);
            }
        }
        AccountCommand::Remove { name } => println!("{}", engine.remove_account(&name).await?),
        AccountCommand::Reconnect { name } => {
            let a = engine.accounts().await?.into_iter().find(|a| a.name == name);
            match a {
                Some(a) if a.connector == "dropbox" => {
                    let sign_in = engine.dropbox_sign_in_as(&name, &BTreeMap::new()).await?;
                    show(&sign_in.url, false);
                    engine.dropbox_finish(sign_in, folio_engine::SIGN_IN_TIMEOUT).await?;
                    println!("Reconnected {name}");
                }
                Some(_) => {
                    return crate::manage::site(engine, SiteCommand::Reconnect { name }).await
                }
                None => return Err(EngineError::config(format!("no account named '{name}'"))),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn browse(
    engine: &Engine,
    name: &str,
    path: Option<&str>,
    as_json: bool,
) -> Result<ExitCode, EngineError> {
    let entries = engine.browse(name, path.unwrap_or("")).await?;
    if as_json {
        println!("{}", serde_json::to_string(&entries).expect("serialises"));
    }
    for e in entries.iter().filter(|_| !as_json) {
        let mark = if e.kind == "folder" { "/" } else { "" };
        println!("{}{mark}", e.path);
    }
    Ok(ExitCode::SUCCESS)
}
