//! The README tour's commands and the shell that runs them the way a reader would (shared by
//! the tests that run the tour: `#[path]`-included).
#![allow(dead_code, reason = "each test binary that includes this module uses a part of it")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A fresh directory for one run, removed when dropped.
pub(crate) struct Scratch(pub(crate) PathBuf);

impl Scratch {
    pub(crate) fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("chipgate-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `command` with `sh` in `dir` as `user`, the built `chipgate` first on `PATH`, with a
/// clean environment (`HOME` and `CHIPGATE_HOME` in `dir`, 100 columns).
pub(crate) fn shell(command: &str, dir: &Path, user: &str) -> Output {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_chipgate"))
        .parent()
        .expect("the binary is in a directory")
        .to_path_buf();
    let path = std::env::join_paths(
        std::iter::once(bin_dir).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .expect("a PATH");
    Command::new("sh")
        .arg("-c")
        .arg(command)
        .current_dir(dir)
        .env_clear()
        .env("PATH", path)
        .env("HOME", dir)
        .env("CHIPGATE_HOME", dir.join("chipgate-home"))
        .env("USER", user)
        .env("COLUMNS", "100")
        .stdin(Stdio::null())
        .output()
        .expect("sh runs")
}

/// Standard output, then standard error, as text.
pub(crate) fn both(output: &Output) -> String {
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    text
}

/// The `$ chipgate …` commands of the README's ` ```text ` blocks, in order, continued lines
/// (a `\` at the end) joined.
pub(crate) fn tour_commands(readme: &str) -> Vec<String> {
    let mut commands = Vec::new();
    let mut in_text_block = false;
    let mut lines = readme.lines();
    while let Some(line) = lines.next() {
        if line.starts_with("```") {
            in_text_block = !in_text_block && line.trim() == "```text";
            continue;
        }
        let Some(command) = line.strip_prefix("$ chipgate ").filter(|_| in_text_block) else {
            continue;
        };
        let mut command = format!("chipgate {command}");
        while command.ends_with('\\') {
            command.pop();
            command.push_str(lines.next().expect("a continued command ends the README").trim_start());
        }
        commands.push(command);
    }
    commands
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tour_reader_joins_continued_commands() {
        let readme = "```sh\n$ chipgate no\n```\n```text\n$ chipgate one \\\n    --two\nout\n$ echo x\n```\n";
        assert_eq!(tour_commands(readme), ["chipgate one --two"]);
    }
}
