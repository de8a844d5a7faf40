//! Passes over albums: reconcile an album with its source, plan, hand the steps to the site
//! queues and gather how they ended; `sync` runs one pass over every album, `watch` one task
//! per album that runs a pass whenever something changed.

mod ai_alt;
pub mod pass;
pub mod reconcile;
pub mod sync;
pub mod watch;
