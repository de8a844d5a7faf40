//! Each site's queue at work: its workers, and the steps they carry out through the
//! `Destination` trait (push, upload, replace, delete), recording each result. Passes, publish,
//! restore and reconcile all hand their work to these queues.

pub mod ahead;
pub mod keep;
pub mod push;
pub mod upload;
pub mod workers;
