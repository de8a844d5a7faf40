//! Named photos on request (`folio publish`, `unpublish`, `photos`; a Lightroom publish
//! service): put in an album and pushed now, taken off the sites, or checked with the sites.

pub mod named;
pub mod photo_states;
pub mod unpublish;
