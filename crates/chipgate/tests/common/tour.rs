//! The README tour's commands (shared by the tests that run it: `#[path]`-included).

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
