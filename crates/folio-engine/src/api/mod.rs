//! What front ends call besides passes: sites, albums, the album view's photos and details,
//! status, the companion plugin and `reconcile`, the Lightroom plug-in's files.

pub mod accounts;
pub mod albums;
pub mod companion;
pub mod lightroom;
pub mod photos;
pub mod sites;
pub mod status;
