fn main() {
    // The app's sources live in src-tauri/ while the package (and tauri.conf.json) sit at the root;
    // point tauri-build at the capabilities kept beside the sources.
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("src-tauri/capabilities/**/*.json");
    tauri_build::try_build(attributes).expect("tauri-build");
}
