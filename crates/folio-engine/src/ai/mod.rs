//! Calls to the models of a person's AI account (OpenRouter), shared by the rooms that make
//! them: generating images, suggesting alt text, and writing alt text for new photos during a
//! pass. It sits below the pass (`live`) so the pass can describe a photo before its upload;
//! it knows accounts, models, pictures and the price of a call, and nothing of albums' passes.

pub(crate) mod describe;
pub(crate) mod picture;

use crate::state::EngineState;
use crate::{EngineError, ErrorCode};
use folio_sources::openrouter::{account::api, pricing, AiError, AiErrorKind, Model};
use folio_store::Account;

/// An AI call's failure as the engine's, with what it cost when it was charged.
pub(crate) fn ai_error(e: AiError) -> EngineError {
    let code = match e.kind {
        AiErrorKind::SignIn => ErrorCode::NeedsSignIn,
        AiErrorKind::BadRequest => ErrorCode::Config,
        _ => ErrorCode::Site,
    };
    let charged = e.cost.filter(|c| *c > 0.0);
    let message = match charged {
        Some(cost) => {
            format!("{}; OpenRouter charged {} for it", e.message, pricing::dollars(cost))
        }
        None => e.message,
    };
    EngineError::new(code, message)
}

impl EngineState {
    /// The account's models, as `/models` lists them for these modalities.
    pub(crate) async fn models_of(
        &self,
        account: &Account,
        output: &str,
        input: &str,
    ) -> Result<Vec<Model>, EngineError> {
        let (_, key, config) = self.account_token(account)?;
        let models = api(&config, key).models(output, input).await;
        models.map_err(|e| self.account_refused(account, e))
    }

    /// A failed call with the account; a refused key turns the account to `reconnect`.
    pub(crate) fn account_refused(&self, account: &Account, e: AiError) -> EngineError {
        if e.kind == AiErrorKind::SignIn {
            let (store, id, why) = (self.store.clone(), account.id, e.message.clone());
            tokio::spawn(async move {
                let state = folio_model::SiteState::Reconnect;
                let _ = store.set_account_state(id, state, Some(&why)).await;
            });
        }
        ai_error(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_charged_failure_says_what_it_cost() {
        let mut e = AiError::new(AiErrorKind::NoImage, "the model answered without an image");
        e.cost = Some(0.0387);
        assert_eq!(
            ai_error(e).message,
            "the model answered without an image; OpenRouter charged $0.0387 for it"
        );
    }
}
