//! Embeds every `*.toml`, `*.json` and `*.csv` file under the repository's `data/`
//! directory as text, and the list snapshots (`data/lists/*.json`) as bytes (the list
//! loaders report invalid UTF-8 with its line themselves), so that adding a rule version,
//! a chip or a newer bundled list is a data change only.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// How a data file is embedded.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Bytes,
}

fn walk(dir: &Path, root: &Path, out: &mut Vec<(String, PathBuf, Kind)>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.path());
    let in_lists = dir.file_name().is_some_and(|n| n == "lists");
    for entry in entries {
        let path = entry.path();
        let extension = path.extension().and_then(|e| e.to_str()).unwrap_or_default();
        let wanted = match extension {
            "csv" | "toml" => Some(Kind::Text),
            "json" if in_lists => Some(Kind::Bytes),
            "json" => Some(Kind::Text),
            _ => None,
        };
        if path.is_dir() {
            walk(&path, root, out)?;
        } else if let Some(kind) = wanted {
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            out.push((rel, path, kind));
        }
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let root = manifest.join("../../data").canonicalize()?;
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    walk(&root, &root, &mut files)?;
    let mut code = String::from(
        "/// Files under `data/`, as (relative path, contents).\npub(crate) static FILES: &[(&str, &str)] = &[\n",
    );
    for (rel, path, kind) in &files {
        if let Some(parent) = path.parent() {
            println!("cargo:rerun-if-changed={}", parent.display());
        }
        println!("cargo:rerun-if-changed={}", path.display());
        if *kind == Kind::Text {
            writeln!(code, "    ({rel:?}, include_str!({:?})),", path.display().to_string())?;
        }
    }
    code.push_str("];\n");
    code.push_str(
        "/// List snapshots under `data/lists/`, as (relative path, bytes).\npub(crate) static BYTES: &[(&str, &[u8])] = &[\n",
    );
    for (rel, path, kind) in &files {
        if *kind == Kind::Bytes {
            writeln!(code, "    ({rel:?}, include_bytes!({:?})),", path.display().to_string())?;
        }
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR")?).join("embedded.rs");
    std::fs::write(out, code)?;
    Ok(())
}
