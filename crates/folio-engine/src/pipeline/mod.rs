//! The data path's parts that need no engine state: what a step is and the queue it waits in,
//! the planner's decisions, the rendition spool, the progress model, claims across processes,
//! RAW+JPEG pairs, naming patterns, and what a pass reports. Everything above builds on these;
//! they use nothing above them.

pub mod claims;
pub mod generated;
pub mod pairs;
pub mod patterns;
pub mod planner;
pub mod progress;
pub mod renditions;
pub mod report;
pub mod site_queue;
pub mod step;
