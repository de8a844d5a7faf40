//! Sites go through the one pacer (folio-pace); it learns from a [`SiteError`]'s class whether
//! trying again may help, and from its `Retry-After` how long to wait.

pub use folio_pace::{Pacer, PacerConfig};

use crate::error::{ErrorClass, SiteError};
use std::time::Duration;

impl folio_pace::Retryable for SiteError {
    fn retryable(&self) -> bool {
        self.class() == ErrorClass::Retry
    }
    fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }
}
