//! Embeds `tool-specs/servicenow/*.json` into the crate at build time: writes
//! `$OUT_DIR/builtin_specs.rs`, a sorted `(file name, include_str!(..))` table, so the
//! worker never reads files or fetches specs at run time.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let spec_dir = manifest_dir
        .join("..")
        .join("tool-specs")
        .join("servicenow");
    println!("cargo:rerun-if-changed={}", spec_dir.display());

    let mut files = spec_files(&spec_dir);
    files.sort();

    let mut out = String::from(
        "/// Every `tool-specs/servicenow/*.json`, sorted by file name: (file name, JSON text).\n\
         pub(crate) static BUILTIN_SPEC_SOURCES: &[(&str, &str)] = &[\n",
    );
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").unwrap_or_default());
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let embedded = minified_copy(path, &out_dir.join(&name)).unwrap_or_else(|| path.clone());
        out.push_str(&format!(
            "    ({:?}, include_str!({:?})),\n",
            name,
            embedded.display().to_string()
        ));
    }
    out.push_str("];\n");

    if let Err(e) = fs::write(out_dir.join("builtin_specs.rs"), out) {
        // A build script has no caller to return to: failing the build loudly is the
        // only useful outcome when OUT_DIR is not writable.
        panic!("cannot write builtin_specs.rs into OUT_DIR: {e}");
    }
}

/// Writes `source` without insignificant whitespace to `target` (about a quarter of the
/// specs' bytes, which the wasm bundle carries). `None` (embed the original) when the
/// file is not valid JSON, so the run-time parse reports the error with its position.
fn minified_copy(source: &Path, target: &Path) -> Option<PathBuf> {
    let text = fs::read_to_string(source).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    fs::write(target, serde_json::to_string(&value).ok()?).ok()?;
    Some(target.to_path_buf())
}

/// The `.json` files directly in `dir`; none (with a build warning) when it is missing,
/// so `Catalog::builtin()` reports "no specs" instead of the build failing obscurely.
fn spec_files(dir: &Path) -> Vec<PathBuf> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            println!(
                "cargo:warning=no tool specs embedded: cannot read {}: {e}",
                dir.display()
            );
            return Vec::new();
        }
    };
    entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_file() && path.extension().is_some_and(|ext| ext == "json"))
        .map(|path| path.canonicalize().unwrap_or(path))
        .collect()
}
