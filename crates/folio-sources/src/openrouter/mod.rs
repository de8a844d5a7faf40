//! OpenRouter: images generated from a prompt by the model the person picks, and photos
//! described for their alt text by a vision model, both paid from the person's own key. A
//! generated album's images are made by Folio and kept in its data folder; the engine syncs
//! them like photos. Every call that costs money is estimated here first ([`pricing`]).

pub mod account;
pub mod api;
pub mod connector;
#[cfg(feature = "testing")]
pub mod fake;
pub mod pricing;
pub mod wire;

pub use account::OpenRouterAccounts;
pub use api::{AiError, AiErrorKind, Answer, OpenRouterApi};
pub use wire::Model;
