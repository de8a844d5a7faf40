//! `folio models` and `folio generate`: images made by a model of an OpenRouter account into
//! a generated album, and live on its sites when the command returns. Nothing is spent
//! without a yes: without `--yes`, or when the estimate is over `--max-cost`, the estimate is
//! printed and the command exits 3 before any call to the model.

use folio_engine::{dollars as usd, Engine, EngineError, GenerateRequest, Generated};
use std::process::ExitCode;

/// The exit code when the person has not agreed to the cost.
pub const NOT_AGREED: u8 = 3;

#[derive(clap::Args)]
pub struct GenerateArgs {
    /// The OpenRouter account.
    pub account: String,
    /// The generated album (made with `folio album add ACCOUNT:ALBUM --site …`).
    #[arg(long, required_unless_present = "again")]
    pub album: Option<String>,
    /// What the image should show.
    #[arg(required_unless_present = "again")]
    pub prompt: Option<String>,
    /// The model's id (`folio models ACCOUNT`).
    #[arg(long, required_unless_present = "again")]
    pub model: Option<String>,
    /// Width to height, e.g. 16:9.
    #[arg(long, value_name = "W:H")]
    pub aspect: Option<String>,
    /// A picture it should follow: a photo's path, an album's item, or a site's address.
    #[arg(long)]
    pub reference: Option<String>,
    /// Go ahead when the estimate is at most this many US dollars.
    #[arg(long, value_name = "USD")]
    pub max_cost: Option<f64>,
    /// Go ahead whatever the estimate.
    #[arg(long)]
    pub yes: bool,
    /// A new version of this item (ACCOUNT:ALBUM/NAME, as printed), from its last prompt.
    #[arg(long, value_name = "ITEM", conflicts_with_all = ["album", "prompt"])]
    pub again: Option<String>,
    #[arg(long)]
    pub json: bool,
}

pub async fn models(engine: &Engine, account: &str, json: bool) -> Result<ExitCode, EngineError> {
    let models = engine.image_models(account).await?;
    if json {
        println!("{}", serde_json::to_string(&models).expect("serialises"));
        return Ok(ExitCode::SUCCESS);
    }
    if models.is_empty() {
        println!("{account} offers no model that makes images");
    }
    for m in models {
        println!("{:<44} ${:<9.4} {}", m.id, m.price_per_image, m.name);
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn generate(engine: &Engine, args: GenerateArgs) -> Result<ExitCode, EngineError> {
    let request = match &args.again {
        Some(item) => {
            let mut r = engine.regeneration(item).await?;
            // The account named must be the item's own.
            if r.account != args.account {
                return Err(EngineError::config(format!(
                    "{item} belongs to the account {}, not {}",
                    r.account, args.account
                )));
            }
            if let Some(model) = &args.model {
                r.model = model.clone();
            }
            if args.aspect.is_some() {
                r.aspect_ratio = args.aspect.clone();
            }
            if args.reference.is_some() {
                r.reference = args.reference.clone();
            }
            r
        }
        None => GenerateRequest {
            account: args.account.clone(),
            album: args.album.clone().unwrap_or_default(),
            prompt: args.prompt.clone().unwrap_or_default(),
            model: args.model.clone().unwrap_or_default(),
            aspect_ratio: args.aspect.clone(),
            reference: args.reference.clone(),
            again: None,
        },
    };
    let estimate = engine.generation_estimate(&request).await?;
    let agreed = args.yes || args.max_cost.is_some_and(|max| estimate <= max);
    if !agreed {
        let why = match args.max_cost {
            Some(max) => format!("over --max-cost {}", usd(max)),
            None => "give --yes, or --max-cost USD, to spend it".into(),
        };
        if args.json {
            let said = serde_json::json!({"estimate": estimate, "agreed": false});
            println!("{said}");
        }
        eprintln!(
            "Estimated cost: {} with {} ({why}); nothing was generated",
            usd(estimate),
            request.model
        );
        return Ok(ExitCode::from(NOT_AGREED));
    }
    let done = engine.generate(&request).await?;
    print(&done, args.json);
    Ok(if done.version > 0 && done.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn print(done: &Generated, json: bool) {
    if json {
        let sites: Vec<_> =
            done.sites.iter().map(|s| serde_json::json!({"name": s.name, "url": s.url})).collect();
        let out = serde_json::json!({
            "item": done.item, "version": done.version, "cost": done.cost,
            "estimate": done.estimate, "sites": sites,
        });
        println!("{out}");
    } else {
        let cost = done.cost.map_or("not reported".into(), usd);
        println!(
            "{}  version {}  cost {cost} (estimated {})",
            done.item,
            done.version,
            usd(done.estimate)
        );
        for s in &done.sites {
            println!("  {} → {}", s.name, s.url.as_deref().unwrap_or("not there yet"));
        }
    }
    for p in &done.problems {
        eprintln!("folio: {p}");
    }
}
