//! Signing in as a conversation any front end can hold: the engine says what it needs next (a
//! [`Prompt`]), the front end asks the person and answers (a [`Reply`]), until the account is
//! connected. The CLI renders prompts as flags, variables and terminal questions; the app as one
//! dialog. Neither names a service.

use crate::Field;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a sign-in needs next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum Prompt {
    /// Fill in these fields and reply with them (`Reply::Fields`). `values` holds what is known
    /// (never a secret); `problem` says why the last values were not enough.
    Fields { fields: Vec<Field>, values: BTreeMap<String, String>, problem: Option<String> },
    /// Open `url` in the browser and reply `Wait`: the reply comes when the service has
    /// answered. Where the service can show a credential to paste instead (`paste_url`, no
    /// answer sent back), replying with `paste` fields filled in finishes the sign-in with them.
    Browser {
        url: String,
        paste_url: Option<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        paste: Vec<Field>,
        /// What to do there, in a sentence.
        says: String,
    },
    /// A yes-or-no question (the CLI's `--yes`).
    Confirm { says: String },
    /// Connected: the account's name.
    Done { account: String },
}

/// The person's answer to a prompt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reply", rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum Reply {
    /// Values of the fields asked for; secrets among them go to the keychain only.
    Fields {
        values: BTreeMap<String, String>,
    },
    /// Waits for the browser's answer.
    Wait,
    Yes,
    No,
}

/// One step of a sign-in under way: which one, and what it needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SignInStep {
    /// Names the sign-in in `connect_continue` and `connect_cancel`.
    pub session: u32,
    pub prompt: Prompt,
}

impl std::fmt::Display for Prompt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Prompt::Fields { fields, problem, .. } => {
                let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
                write!(f, "needs {}", names.join(", "))?;
                match problem {
                    Some(p) => write!(f, " ({p})"),
                    None => Ok(()),
                }
            }
            Prompt::Browser { url, .. } => write!(f, "open {url}"),
            Prompt::Confirm { says } => f.write_str(says),
            Prompt::Done { account } => write!(f, "connected {account}"),
        }
    }
}
