//! `folio connect`, `folio account …` and `folio browse`: any connector, by what it declares.
//! Secret fields come from `FOLIO_<CONNECTOR>_<FIELD>`, else are asked without echo (read from
//! stdin when it is not a terminal); the work is the engine's.

use crate::manage::read_secret;
use clap::Subcommand;
use folio_engine::{
    AccountSummary, Callback, ConnectorInfo, Engine, EngineError, ErrorCode, Field, FieldKind,
    Prompt, Reply, SignInStep,
};
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
    Reconnect {
        name: String,
        /// Print the address to open (`open: <URL>`) instead of opening a browser.
        #[arg(long)]
        no_browser: bool,
    },
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
    let info = engine.connectors().into_iter().find(|c| c.id == args.connector);
    let info = info.ok_or_else(|| {
        EngineError::new(
            ErrorCode::NotFound,
            format!("no connector named '{}' (folio connectors)", args.connector),
        )
    })?;
    let mut values = fields(&args.set)?;
    // A pasted secret wins where a browser sign-in is also offered.
    values.extend(pasted(&info));
    let name = args.name.as_deref();
    let step = engine.connect_start(&info.id, name, values, Callback::Loopback).await?;
    let name = converse(engine, step, &info, &args).await?;
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

/// Signs in an account of `connector`: `name` again if given, else a new one; no fields.
pub(crate) async fn sign_in(
    engine: &Engine,
    connector: &str,
    name: Option<&str>,
    no_browser: bool,
) -> Result<String, EngineError> {
    let info = engine.connectors().into_iter().find(|c| c.id == connector);
    let info = info.ok_or_else(|| {
        EngineError::new(ErrorCode::Unsupported, format!("this Folio has no {connector} connector"))
    })?;
    let step = match name {
        Some(name) => engine.reconnect_start(name, pasted(&info), Callback::Loopback).await?,
        None => engine.connect_start(connector, None, pasted(&info), Callback::Loopback).await?,
    };
    let args = ConnectArgs {
        connector: connector.to_string(),
        name: name.map(str::to_string),
        set: Vec::new(),
        no_browser,
        yes: false,
        json: false,
    };
    converse(engine, step, &info, &args).await
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
        eprintln!("Opened the sign-in page in your browser.");
    }
}

/// Answers the engine's prompts from flags, variables and the terminal until the account is
/// connected; its name.
async fn converse(
    engine: &Engine,
    mut step: SignInStep,
    info: &ConnectorInfo,
    args: &ConnectArgs,
) -> Result<String, EngineError> {
    loop {
        let session = step.session;
        let reply = match answer(&step.prompt, info, args) {
            Ok(Some(reply)) => reply,
            Ok(None) => match step.prompt {
                Prompt::Done { account } => return Ok(account),
                _ => unreachable!("only Done has no reply"),
            },
            Err(e) => {
                engine.connect_cancel(session).await;
                return Err(e);
            }
        };
        let approval = matches!(&step.prompt, Prompt::Browser { paste_url: Some(_), .. });
        let going = engine.connect_continue(session, reply);
        tokio::pin!(going);
        let next = tokio::select! {
            next = &mut going => next,
            _ = tokio::signal::ctrl_c() => {
                // Stops the wait; the engine then listens a little longer so that a password
                // approved just now is removed from the site again.
                if approval {
                    eprintln!("Stopping; a password approved just now is removed again (Ctrl-C to quit)…");
                }
                engine.connect_cancel(session).await;
                tokio::select! {
                    next = &mut going => next,
                    _ = tokio::signal::ctrl_c() => return Err(stopped()),
                }
            }
        };
        step = match next {
            Ok(next) => next,
            Err(e) => {
                if approval && e.code != ErrorCode::Cancelled {
                    eprintln!(
                        "Still listening {} s so that a password approved now is removed from \
                         the site again (Ctrl-C to stop)…",
                        folio_engine::LATE_GRACE.as_secs()
                    );
                    let late = tokio::select! {
                        late = engine.connect_cancel(session) => late,
                        _ = tokio::signal::ctrl_c() => None,
                    };
                    if let Some(said) = late {
                        eprintln!("{said}");
                    }
                }
                return Err(e);
            }
        };
    }
}

fn stopped() -> EngineError {
    EngineError::new(ErrorCode::Cancelled, "stopped; nothing was saved")
}

/// The reply to one prompt; `None` when the sign-in is done.
fn answer(
    prompt: &Prompt,
    info: &ConnectorInfo,
    args: &ConnectArgs,
) -> Result<Option<Reply>, EngineError> {
    Ok(Some(match prompt {
        Prompt::Done { .. } => return Ok(None),
        Prompt::Fields { problem: Some(problem), .. } => {
            return Err(EngineError::config(format!("{problem} (--set FIELD=VALUE)")))
        }
        Prompt::Fields { fields, values, .. } => {
            // A choice the service's answer brought (the sites an account reaches): the CLI
            // cannot ask, so it names them for the next run.
            let unanswered = |f: &&Field| {
                f.kind == FieldKind::Choice
                    && f.required
                    && values.get(&f.name).is_none_or(|v| v.trim().is_empty())
            };
            if let Some(f) = fields.iter().find(unanswered) {
                return Err(EngineError::config(format!(
                    "{} reaches several: choose one of {} (--set {}=…)",
                    info.label,
                    f.options.join(", "),
                    f.name
                )));
            }
            let Some(f) = fields.iter().find(|f| f.kind == FieldKind::Secret) else {
                return Err(EngineError::config(format!("{} needs more fields", info.label)));
            };
            let value = read_secret(&env_name(&info.id, &f.name), &f.label)?;
            Reply::Fields { values: BTreeMap::from([(f.name.clone(), value)]) }
        }
        Prompt::Browser { url, says, .. } => {
            show(url, args.no_browser);
            eprintln!("{says} Waiting…");
            Reply::Wait
        }
        Prompt::Confirm { says } if args.yes => {
            eprintln!("{says} Yes (--yes).");
            Reply::Yes
        }
        Prompt::Confirm { says } => {
            return Err(EngineError::config(format!("{says} Give --yes to go on.")))
        }
    }))
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
        AccountCommand::Reconnect { name, no_browser } => {
            let a = engine.accounts().await?.into_iter().find(|a| a.name == name);
            let a = a.ok_or_else(|| {
                EngineError::new(ErrorCode::NotFound, format!("no account named '{name}'"))
            })?;
            sign_in(engine, &a.connector, Some(&name), no_browser).await?;
            println!("Reconnected {name}");
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
