//! Where chipgate's reference data comes from: the repository's `data/` directory,
//! embedded into the binary at build time ([`Embedded`]), or a directory on disk
//! ([`Directory`], for `--data-dir` and for editing rules without rebuilding).
//!
//! Owns: finding and reading data files, and the one parser of the country table that
//! several crates read ([`countries`]). Does not: parse the other files (the crates that own
//! each format do), or ever read `../shared` — the product ships what it uses.
//!
//! Key design decision: a loader trait ([`DataSource`]) with two implementations, so
//! tests, the CLI and the server all load the same files the same way.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

pub mod countries;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

/// A data file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// I/O failure on a directory source.
    #[error("cannot read `{path}`: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A file that must exist does not.
    #[error("data file `{0}` is missing")]
    Missing(String),
}

/// One data file: its path relative to the data root, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataFile {
    /// Relative path, e.g. `rules/ccl-2023-11-17.toml`.
    pub path: String,
    /// Contents.
    pub text: String,
}

/// A source of reference data files.
pub trait DataSource {
    /// The files directly under `folder` (e.g. `chips`) with the given extension, sorted by path.
    fn list(&self, folder: &str, extension: &str) -> Result<Vec<DataFile>, DataError>;
    /// One file by relative path.
    fn read(&self, path: &str) -> Result<DataFile, DataError>;
    /// One file's bytes by relative path, unchecked: the list snapshots under `lists/`
    /// (their loaders report invalid UTF-8 with its line), or any text file.
    fn read_bytes(&self, path: &str) -> Result<Cow<'static, [u8]>, DataError>;
    /// A label for messages, e.g. `bundled data` or the directory path.
    fn label(&self) -> String;
}

/// The `data/` directory as it was when the binary was built.
#[derive(Debug, Clone, Copy, Default)]
pub struct Embedded;

impl DataSource for Embedded {
    fn list(&self, folder: &str, extension: &str) -> Result<Vec<DataFile>, DataError> {
        let prefix = format!("{folder}/");
        let suffix = format!(".{extension}");
        let mut files: Vec<DataFile> = embedded::FILES
            .iter()
            .filter(|(path, _)| {
                path.strip_prefix(&prefix)
                    .is_some_and(|rest| !rest.contains('/') && rest.ends_with(&suffix))
            })
            .map(|(path, text)| DataFile {
                path: (*path).to_owned(),
                text: (*text).to_owned(),
            })
            .collect();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(files)
    }

    fn read(&self, path: &str) -> Result<DataFile, DataError> {
        embedded::FILES
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(p, text)| DataFile {
                path: (*p).to_owned(),
                text: (*text).to_owned(),
            })
            .ok_or_else(|| DataError::Missing(path.to_owned()))
    }

    fn read_bytes(&self, path: &str) -> Result<Cow<'static, [u8]>, DataError> {
        if let Some((_, bytes)) = embedded::BYTES.iter().find(|(p, _)| *p == path) {
            return Ok(Cow::Borrowed(*bytes));
        }
        embedded::FILES
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, text)| Cow::Borrowed(text.as_bytes()))
            .ok_or_else(|| DataError::Missing(path.to_owned()))
    }

    fn label(&self) -> String {
        "bundled data".to_owned()
    }
}

/// A data directory on disk with the same layout as the repository's `data/`.
#[derive(Debug, Clone)]
pub struct Directory {
    root: PathBuf,
}

impl Directory {
    /// A source rooted at `root`.
    pub fn new(root: impl Into<PathBuf>) -> Directory {
        Directory { root: root.into() }
    }

    fn read_path(&self, path: &Path, rel: String) -> Result<DataFile, DataError> {
        let text = std::fs::read_to_string(path).map_err(|source| DataError::Io {
            path: path.to_owned(),
            source,
        })?;
        Ok(DataFile { path: rel, text })
    }
}

impl DataSource for Directory {
    fn list(&self, folder: &str, extension: &str) -> Result<Vec<DataFile>, DataError> {
        let dir = self.root.join(folder);
        let entries = std::fs::read_dir(&dir).map_err(|source| DataError::Io {
            path: dir.clone(),
            source,
        })?;
        let mut files = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|source| DataError::Io {
                path: dir.clone(),
                source,
            })?;
            let path = entry.path();
            if path.is_file() && path.extension().is_some_and(|e| e == extension) {
                let name = entry.file_name().to_string_lossy().into_owned();
                files.push(self.read_path(&path, format!("{folder}/{name}"))?);
            }
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(files)
    }

    fn read(&self, path: &str) -> Result<DataFile, DataError> {
        let full = self.root.join(path);
        if !full.exists() {
            return Err(DataError::Missing(full.display().to_string()));
        }
        self.read_path(&full, path.to_owned())
    }

    fn read_bytes(&self, path: &str) -> Result<Cow<'static, [u8]>, DataError> {
        let full = self.root.join(path);
        if !full.exists() {
            return Err(DataError::Missing(full.display().to_string()));
        }
        std::fs::read(&full)
            .map(Cow::Owned)
            .map_err(|source| DataError::Io { path: full, source })
    }

    fn label(&self) -> String {
        self.root.display().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_holds_the_rule_versions() {
        let rules = Embedded.list("rules", "toml").unwrap();
        assert!(rules.iter().any(|f| f.path == "rules/ccl-2023-11-17.toml"), "{rules:?}");
        assert!(Embedded.read("metrics.toml").is_ok());
        assert!(matches!(Embedded.read("nope.toml"), Err(DataError::Missing(_))));
    }

    #[test]
    fn the_bundled_list_is_embedded_as_bytes_and_a_directory_replaces_it() {
        let settings = Embedded.read("lists/lists.toml").unwrap();
        let name = settings
            .text
            .lines()
            .find_map(|l| l.strip_prefix("bundled = \""))
            .and_then(|rest| rest.strip_suffix('"'))
            .unwrap();
        let embedded = Embedded.read_bytes(&format!("lists/{name}")).unwrap();
        assert!(matches!(embedded, Cow::Borrowed(_)));
        let dir = Directory::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data"));
        assert_eq!(dir.read_bytes(&format!("lists/{name}")).unwrap(), embedded);
        // Text files read as bytes too; a missing file is named.
        assert_eq!(
            Embedded.read_bytes("metrics.toml").unwrap().as_ref(),
            Embedded.read("metrics.toml").unwrap().text.as_bytes()
        );
        assert!(matches!(
            Embedded.read_bytes("lists/nope.json"),
            Err(DataError::Missing(_))
        ));
        let empty = std::env::temp_dir().join(format!("chipgate-data-test-{}", std::process::id()));
        assert!(matches!(
            Directory::new(&empty).read_bytes("lists/x.json"),
            Err(DataError::Missing(p)) if p.contains("x.json")
        ));
    }

    #[test]
    fn directory_matches_embedded() {
        let dir = Directory::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data"));
        let a = dir.list("rules", "toml").unwrap();
        let b = Embedded.list("rules", "toml").unwrap();
        assert_eq!(a, b);
    }
}
