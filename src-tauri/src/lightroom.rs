//! The Lightroom Classic plug-in, from the app. Where Lightroom runs (macOS, Windows) it goes
//! straight into Lightroom's Modules folder, which Lightroom loads by itself at its next start;
//! elsewhere (Linux) it is saved into a folder the user picks, to carry to the computer that
//! has Lightroom. Either way it runs the `folio` command installed with this app.

use crate::ipc::{Answer, IpcError};
use std::path::{Path, PathBuf};

/// Lightroom's Modules folder, where "Install the Lightroom plug-in" writes it; `None` where
/// Lightroom Classic does not run, and the plug-in is saved into a folder the user picks.
#[tauri::command]
#[specta::specta]
pub async fn lightroom_plugin_folder() -> Answer<Option<String>> {
    Ok(folio_engine::lightroom_modules_folder().map(|d| d.display().to_string()))
}

/// Writes the plug-in into Lightroom's Modules folder, or (where there is none) into a folder
/// chosen in the system's dialog, opened here so that the web view never names a path. Returns
/// the plug-in's folder; `None` when the user cancelled.
#[tauri::command]
#[specta::specta]
pub async fn install_lightroom_plugin(app: tauri::AppHandle) -> Answer<Option<String>> {
    let dir = match folio_engine::lightroom_modules_folder() {
        Some(modules) => modules,
        None => {
            use tauri_plugin_dialog::DialogExt;
            let (tx, rx) = tokio::sync::oneshot::channel();
            app.dialog().file().set_title("Save the Lightroom plug-in into a folder").pick_folder(
                move |chosen| {
                    let _ = tx.send(chosen);
                },
            );
            let Some(chosen) = rx.await.ok().flatten() else { return Ok(None) };
            chosen.into_path().map_err(|e| IpcError {
                code: folio_model::ErrorCode::Io,
                message: format!("not a folder on this computer: {e}"),
            })?
        }
    };
    let app_exe = std::env::current_exe().ok();
    Ok(Some(install_into(&dir, app_exe.as_deref())?.display().to_string()))
}

/// Writes the plug-in into `dir`, set to run the `folio` command installed beside the app (the
/// packages put both in one folder), when it is there.
fn install_into(dir: &Path, app_exe: Option<&Path>) -> Result<PathBuf, folio_engine::EngineError> {
    let name = if cfg!(windows) { "folio.exe" } else { "folio" };
    let folio = app_exe.and_then(Path::parent).map(|d| d.join(name)).filter(|f| f.is_file());
    folio_engine::write_lightroom_plugin(dir, folio.as_deref())
}

#[cfg(test)]
mod tests {
    use super::install_into;

    #[test]
    fn the_plugin_runs_the_folio_command_installed_beside_the_app() {
        let tmp = tempfile::tempdir().unwrap();
        let bin = tmp.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let folio = bin.join(if cfg!(windows) { "folio.exe" } else { "folio" });
        std::fs::write(&folio, b"").unwrap();
        let modules = tmp.path().join("Modules");
        let plugin = install_into(&modules, Some(&bin.join("folio-app"))).unwrap();
        assert_eq!(plugin, modules.join(folio_engine::LIGHTROOM_PLUGIN));
        assert!(plugin.join("Info.lua").is_file());
        let location = std::fs::read_to_string(plugin.join("FolioLocation.lua")).unwrap();
        assert!(location.contains(&*folio.to_string_lossy()), "{location}");
        // No folio beside the app (a development build): the plug-in looks for it itself.
        let alone = tmp.path().join("alone");
        std::fs::create_dir_all(&alone).unwrap();
        let plugin = install_into(&tmp.path().join("M2"), Some(&alone.join("folio-app"))).unwrap();
        assert!(!plugin.join("FolioLocation.lua").exists());
    }
}
