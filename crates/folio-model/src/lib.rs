//! Folio's shared nouns, without I/O: what the engine, the sources, the destinations, the CLI
//! and the desktop shell all speak. With the `specta` feature every type also describes itself
//! to TypeScript, so the app's bindings use these types rather than copies.

mod connector;
mod error;
mod events;
mod ids;
mod photo;
mod preset;
mod progress;
mod settings;
mod sign_in;
mod site;
mod source;
pub mod time;

pub use connector::{Config, ConnectorInfo, Field, FieldKind, Role, SignInKind};
pub use error::{ErrorClass, ErrorCode, PhotoErrorCode, SiteErrorCode};
pub use events::SyncEvent;
pub use ids::{AlbumId, AssetId, RemoteId, SiteId};
pub use photo::{PhotoState, TextOverrides};
pub use preset::{content_hash, MetadataPolicy, OutputFormat, Preset, PIPELINE_VERSION};
pub use progress::{AlbumProgress, Progress, SiteProgress, Work};
pub use settings::{AlbumSettings, RawPair};
pub use sign_in::{Prompt, Reply, SignInStep};
pub use site::{file_moved, Capabilities, ImageFormat, SiteState, TextField};
pub use source::{extension, is_photo_name, SourceItem, JPEG_EXTENSIONS, RAW_EXTENSIONS};
