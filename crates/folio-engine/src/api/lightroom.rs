//! The Lightroom Classic plug-in (`lightroom-plugin/folio.lrplugin`, a publish service that
//! drives `folio publish`, `unpublish` and `photos`), compiled in so that `folio lr-plugin` and
//! the app can write it anywhere, and where Lightroom looks for plug-ins.

use crate::EngineError;
use std::path::{Path, PathBuf};

/// The plug-in folder's name; Lightroom loads folders ending in `.lrplugin`.
pub const LIGHTROOM_PLUGIN: &str = "folio.lrplugin";

macro_rules! plugin_files {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../../../lightroom-plugin/folio.lrplugin/", $name)))),*]
    };
}

/// Every file of the plug-in, by name.
pub const LIGHTROOM_PLUGIN_FILES: &[(&str, &str)] = plugin_files!(
    "Info.lua",
    "FolioServiceProvider.lua",
    "FolioDialog.lua",
    "FolioPublish.lua",
    "FolioRefresh.lua",
    "FolioRefreshMenu.lua",
    "FolioCommand.lua",
    "FolioJson.lua",
);

/// Writes the plug-in as `dir/folio.lrplugin`, replacing an older copy, and returns that folder.
/// `folio`, when given, is recorded as the command the plug-in runs (before it looks in the
/// usual places), so a plug-in written by a `folio` command or the app finds that very program.
pub fn write_lightroom_plugin(dir: &Path, folio: Option<&Path>) -> Result<PathBuf, EngineError> {
    let failed = |what: &Path, e: std::io::Error| {
        EngineError::io(format!("cannot write {}: {e}", what.display()))
    };
    std::fs::create_dir_all(dir).map_err(|e| failed(dir, e))?;
    let target = dir.join(LIGHTROOM_PLUGIN);
    // Written whole beside it first: Lightroom never finds half a plug-in.
    let partial = dir.join(format!(".{LIGHTROOM_PLUGIN}.{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&partial);
    std::fs::create_dir_all(&partial).map_err(|e| failed(&partial, e))?;
    for (name, text) in LIGHTROOM_PLUGIN_FILES {
        let path = partial.join(name);
        std::fs::write(&path, text).map_err(|e| failed(&path, e))?;
    }
    if let Some(folio) = folio {
        let path = partial.join("FolioLocation.lua");
        std::fs::write(&path, location_script(folio)).map_err(|e| failed(&path, e))?;
    }
    if target.exists() {
        std::fs::remove_dir_all(&target).map_err(|e| failed(&target, e))?;
    }
    std::fs::rename(&partial, &target).map_err(|e| failed(&target, e))?;
    Ok(target)
}

/// `FolioLocation.lua`: the `folio` command the plug-in was written by, as a Lua string.
fn location_script(folio: &Path) -> String {
    let mut quoted = String::from("\"");
    for c in folio.to_string_lossy().chars() {
        match c {
            '\\' => quoted.push_str("\\\\"),
            '"' => quoted.push_str("\\\""),
            '\n' => quoted.push_str("\\n"),
            '\r' => quoted.push_str("\\r"),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    format!(
        "-- Written by Folio with the plug-in: the folio command that wrote it.\nreturn {{ folio = {quoted} }}\n"
    )
}

/// Lightroom Classic's per-user Modules folder, whose plug-ins load by themselves: in
/// `~/Library/Application Support` on macOS and `%APPDATA%` on Windows. `None` where Lightroom
/// Classic does not run.
pub fn lightroom_modules_folder() -> Option<PathBuf> {
    if cfg!(any(target_os = "macos", target_os = "windows")) {
        let base = directories::BaseDirs::new()?;
        Some(base.data_dir().join("Adobe").join("Lightroom").join("Modules"))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plugin_is_written_whole_and_replaces_an_older_copy() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join(LIGHTROOM_PLUGIN);
        std::fs::create_dir_all(&old).unwrap();
        std::fs::write(old.join("Stale.lua"), "return 1").unwrap();
        let folio = Path::new("C:\\Program Files\\Folio \"x\"\\folio.exe");
        let written = write_lightroom_plugin(dir.path(), Some(folio)).unwrap();
        assert_eq!(written, old);
        let mut names: Vec<String> = std::fs::read_dir(&written)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        let mut wanted: Vec<String> =
            LIGHTROOM_PLUGIN_FILES.iter().map(|(n, _)| n.to_string()).collect();
        wanted.push("FolioLocation.lua".into());
        wanted.sort();
        assert_eq!(names, wanted, "the old copy's files are gone");
        let location = std::fs::read_to_string(written.join("FolioLocation.lua")).unwrap();
        assert!(
            location.contains(r#"folio = "C:\\Program Files\\Folio \"x\"\\folio.exe""#),
            "{location}"
        );
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "nothing but the plug-in is left");
    }

    #[test]
    fn the_info_file_names_every_script_it_loads() {
        let info = LIGHTROOM_PLUGIN_FILES.iter().find(|(n, _)| *n == "Info.lua").unwrap().1;
        for (name, _) in LIGHTROOM_PLUGIN_FILES {
            let stem = name.trim_end_matches(".lua");
            let named = info.contains(name);
            let required = LIGHTROOM_PLUGIN_FILES
                .iter()
                .any(|(_, text)| text.contains(&format!("require '{stem}'")));
            assert!(*name == "Info.lua" || named || required, "{name} is loaded by nothing");
        }
    }
}
