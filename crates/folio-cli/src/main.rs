//! `folio`: the headless front end. Subcommands are thin: parsing and printing only; the work
//! happens in the core crates so the desktop app behaves identically.

mod accounts;
mod alt;
mod connect;
mod connectors;
mod convert;
mod dropbox;
mod generate;
mod history;
mod manage;
mod publish;
mod relay;
mod sync;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "folio", version, about = "Keeps your websites in sync with your photo folders")]
struct Cli {
    /// Where Folio keeps its database (default: FOLIO_DATA_DIR, else the OS data folder).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Convert photos to web renditions (resized, upright, metadata filtered).
    Convert(convert::Args),
    /// Make small JPEG previews, as the app's grid shows them.
    Thumbnail(convert::ThumbnailArgs),
    /// The services Folio connects to: roles, sign-in kinds and fields.
    Connectors {
        #[arg(long)]
        json: bool,
    },
    /// Connect an account of any connector (sign-in in the browser, or a pasted secret).
    Connect(accounts::ConnectArgs),
    /// List, reconnect and remove accounts (sources and sites).
    #[command(subcommand)]
    Account(accounts::AccountCommand),
    /// What is in a source account, for picking an album (`ACCOUNT:PATH`).
    Browse {
        name: String,
        path: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Connect and list sites.
    #[command(subcommand)]
    Site(manage::SiteCommand),
    /// Sign in to Dropbox, for `dropbox:/Folder` albums.
    #[command(subcommand)]
    Dropbox(dropbox::DropboxCommand),
    /// Add and list albums (folders, or `dropbox:/Folder`, synced to sites).
    #[command(subcommand)]
    Album(manage::AlbumCommand),
    /// One full pass over every album; returns when every photo is done or has failed.
    Sync {
        #[arg(long)]
        json: bool,
    },
    /// Live sync until SIGINT or SIGTERM, which stop it cleanly.
    Watch,
    /// Per album: photos, synced, pending, failed (with reasons).
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Pause auto-sync (a running `folio watch` and the app notice within seconds).
    Pause,
    /// Resume auto-sync; a running watch catches up at once.
    Resume,
    /// Retry failed and waiting photos now, in one album (its folder) or in all.
    Retry { album: Option<PathBuf> },
    /// Rebuild what Folio knows about a site from the site itself (after the data folder was
    /// lost), without uploading. Needs the companion plugin on the site.
    Reconcile {
        #[arg(long)]
        site: String,
        #[arg(long)]
        json: bool,
    },
    /// Recent events and errors, newest first.
    Activity {
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
    /// A photo's versions that went to the sites, oldest first (PATH: the photo's file).
    History {
        path: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Put an earlier version of a photo back on its sites, in place.
    Restore {
        path: PathBuf,
        #[arg(long)]
        version: i64,
    },
    /// Write the WordPress companion plugin as a zip for Plugins → Add New → Upload Plugin.
    WpPlugin {
        #[arg(long)]
        out: PathBuf,
    },
    /// Copy photos into a folder album and push them to its sites now; with --wait, until each
    /// is on every site or failed. Exit 0 when all are published.
    Publish {
        /// The album's folder.
        #[arg(long)]
        album: PathBuf,
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Go on for up to this many seconds (retries, another Folio working on them).
        #[arg(long, value_name = "SECS")]
        wait: Option<u64>,
        #[arg(long)]
        json: bool,
    },
    /// Remove photos (by id or file) from the album's sites, by its delete policy, and the
    /// copies `publish` made of them from its folder.
    Unpublish {
        #[arg(long)]
        album: PathBuf,
        #[arg(required = true, value_name = "ID|PATH")]
        photos: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// The album's photos (or those named) with their state on each site, checked with the
    /// sites: synced, pending, failed or missing.
    Photos {
        #[arg(long)]
        album: PathBuf,
        #[arg(value_name = "ID|PATH")]
        photos: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// The sign-in relay, for services whose sign-in needs a client secret (Canva, Adobe).
    #[command(subcommand)]
    Relay(relay::RelayCommand),
    /// The models of an OpenRouter account that make images, with their price per image.
    Models {
        account: String,
        #[arg(long)]
        json: bool,
    },
    /// Generate an image into a generated album and put it on its sites; `--again ITEM` makes
    /// a new version of one. Exits 3, spending nothing, without `--yes` or within `--max-cost`.
    Generate(generate::GenerateArgs),
    /// Alt text written by a vision model of an OpenRouter account.
    #[command(subcommand)]
    Alt(alt::AltCommand),
    /// Write the Lightroom Classic plug-in (folio.lrplugin) into a folder.
    LrPlugin {
        #[arg(long)]
        out: PathBuf,
    },
}

/// Photo buffers are tens of megabytes. glibc raises its mmap threshold after the first such
/// buffer is freed, after which they come from per-thread heaps that keep the memory: two
/// workers peaked at 317 MB instead of 269 MB (`make bench-convert`). A fixed threshold keeps
/// every large buffer mmapped, so it goes back to the OS when the photo is done.
fn keep_large_buffers_returnable() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator tunable; called before any threads exist.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

fn main() -> ExitCode {
    keep_large_buffers_returnable();
    // Photos are decoded in child processes of this same program (see folio_convert::worker).
    folio_convert::worker::serve_if_asked();
    let cli = Cli::parse();
    let engine_command = match cli.command {
        Command::Convert(args) => return convert::run(args),
        Command::Thumbnail(args) => return convert::run_thumbnails(args),
        Command::WpPlugin { out } => return manage::write_plugin(&out),
        Command::LrPlugin { out } => return publish::write_lightroom_plugin(&out),
        Command::Relay(c) => return relay::run(c),
        other => other,
    };
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    runtime.block_on(async move {
        let dir = folio_engine::data_dir(cli.data_dir.as_deref());
        let engine =
            match folio_engine::Engine::open_with(&dir, folio_engine::EngineOptions::isolated())
                .await
            {
                Ok(e) => e,
                Err(e) => return manage::fail(e),
            };
        let result = match engine_command {
            Command::Connectors { json } => connectors::list(&engine, json),
            Command::Connect(args) => accounts::connect(&engine, args).await,
            Command::Account(c) => accounts::account(&engine, c).await,
            Command::Browse { name, path, json } => {
                accounts::browse(&engine, &name, path.as_deref(), json).await
            }
            Command::Site(c) => manage::site(&engine, c).await,
            Command::Album(c) => manage::album(&engine, c).await,
            Command::Dropbox(c) => dropbox::dropbox(&engine, c).await,
            Command::Sync { json } => sync::sync(&engine, json).await,
            Command::Status { json } => sync::status(&engine, json).await,
            Command::Watch => sync::watch(&engine).await,
            Command::Pause => manage::pause(&engine, true).await,
            Command::Resume => manage::pause(&engine, false).await,
            Command::Retry { album } => manage::retry(&engine, album.as_deref()).await,
            Command::Reconcile { site, json } => manage::reconcile(&engine, &site, json).await,
            Command::Activity { limit, json } => manage::activity(&engine, limit, json).await,
            Command::History { path, json } => history::history(&engine, &path, json).await,
            Command::Restore { path, version } => history::restore(&engine, &path, version).await,
            Command::Publish { album, files, wait, json } => {
                publish::publish(&engine, &album, &files, wait, json).await
            }
            Command::Unpublish { album, photos, json } => {
                publish::unpublish(&engine, &album, &photos, json).await
            }
            Command::Photos { album, photos, json } => {
                publish::photos(&engine, &album, &photos, json).await
            }
            Command::Models { account, json } => generate::models(&engine, &account, json).await,
            Command::Generate(args) => generate::generate(&engine, args).await,
            Command::Alt(c) => alt::alt(&engine, c).await,
            Command::Convert(_)
            | Command::Thumbnail(_)
            | Command::WpPlugin { .. }
            | Command::LrPlugin { .. }
            | Command::Relay(_) => {
                unreachable!("handled above")
            }
        };
        result.unwrap_or_else(manage::fail)
    })
}
