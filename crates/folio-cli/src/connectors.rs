//! `folio connectors`: the services Folio can connect to, what each is for, how it signs in and
//! which fields it asks for, as every front end reads them.

use folio_engine::{ConnectorInfo, Engine, EngineError, FieldKind};
use std::process::ExitCode;

pub fn list(engine: &Engine, json: bool) -> Result<ExitCode, EngineError> {
    let connectors = engine.connectors();
    if json {
        println!("{}", serde_json::to_string(&connectors).expect("serialises"));
        return Ok(ExitCode::SUCCESS);
    }
    for c in &connectors {
        print_one(c);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_one(c: &ConnectorInfo) {
    let words = |v: Vec<String>| if v.is_empty() { "-".to_string() } else { v.join(", ") };
    let roles = words(c.roles.iter().map(|r| format!("{r:?}").to_lowercase()).collect());
    let sign_in = words(
        c.sign_in
            .iter()
            .map(|k| {
                serde_json::to_value(k)
                    .map(|v| v.as_str().unwrap_or("").to_string())
                    .unwrap_or_default()
            })
            .collect(),
    );
    println!("{} ({}): {roles}; sign-in: {sign_in}", c.id, c.label);
    for f in &c.fields {
        let mut notes = vec![format!("{:?}", f.kind).to_lowercase()];
        if f.required {
            notes.push("required".into());
        }
        if f.advanced {
            notes.push("advanced".into());
        }
        if let Some(var) = &f.env {
            notes.push(format!("default from {var}"));
        }
        if f.kind == FieldKind::Choice {
            notes.push(format!("one of {}", f.options.join(", ")));
        }
        println!("  {}: {} ({})", f.name, f.label, notes.join(", "));
    }
}
