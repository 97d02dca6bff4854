//! Prose on a terminal: explanations and fixes wrapped at word boundaries to the width of the
//! output, never inside a word and never inside a command. A command is a `backtick-quoted`
//! span: it is kept whole on one line (a command longer than the width gets a line of its own,
//! which the terminal soft-wraps and still copies as one line).
use dialoguer::console::{Term, measure_text_width};

/// The width prose is wrapped to when the output is not a terminal (pipes, CI logs): fixed, so
/// that logs and snapshots do not depend on where the command ran.
pub const PIPE_WIDTH: usize = 80;

/// The narrowest width ever wrapped to (a tiny or unknown terminal still gets readable lines).
const MIN_WIDTH: usize = 40;

/// The width of `term` when it is a terminal, else [`PIPE_WIDTH`].
fn width_of(term: &Term) -> usize {
    if term.is_term() {
        term.size_checked()
            .map(|(_, cols)| usize::from(cols).max(MIN_WIDTH))
            .unwrap_or(PIPE_WIDTH)
    } else {
        PIPE_WIDTH
    }
}

/// The width of stdout (the terminal's, else [`PIPE_WIDTH`]).
pub fn stdout_width() -> usize {
    width_of(&Term::stdout())
}

/// The width of stderr (the terminal's, else [`PIPE_WIDTH`]).
pub fn stderr_width() -> usize {
    width_of(&Term::stderr())
}

/// The unbreakable pieces of one line of prose: words, and whole `backtick` spans with the
/// punctuation attached to them. A line that is a command (it starts with `kubectl `) is one
/// piece.
fn atoms(line: &str) -> Vec<String> {
    let line = line.trim();
    if line.starts_with("kubectl ") {
        return vec![line.to_string()];
    }
    let mut out: Vec<String> = Vec::new();
    let mut open: Option<String> = None;
    for word in line.split_whitespace() {
        let ticks = word.matches('`').count();
        match open.take() {
            Some(mut span) => {
                span.push(' ');
                span.push_str(word);
                if ticks % 2 == 1 {
                    out.push(span);
                } else {
                    open = Some(span);
                }
            }
            None if ticks % 2 == 1 => open = Some(word.to_string()),
            None => out.push(word.to_string()),
        }
    }
    // An unclosed backtick: keep the rest whole rather than guess where the command ends.
    out.extend(open);
    out
}

/// Wraps `text` (its own newlines are kept) to `width` columns: the first line starts with
/// `first`, the others with `rest`. Words and `commands` are never broken: a piece that fits
/// only without the indent starts at column 0, a piece longer than the width sits alone on its
/// line.
pub fn wrap(text: &str, width: usize, first: &str, rest: &str) -> Vec<String> {
    let mut lines = Vec::new();
    for (i, source) in text.lines().enumerate() {
        let mut line = if i == 0 { first } else { rest }.to_string();
        let mut empty = true;
        for atom in atoms(source) {
            let needed =
                measure_text_width(&line) + usize::from(!empty) + measure_text_width(&atom);
            if !empty && needed > width {
                // A piece that fits the width only without the indent starts at column 0.
                let atom_width = measure_text_width(&atom);
                let fits_indented = measure_text_width(rest) + atom_width <= width;
                let indent = if !fits_indented && atom_width <= width {
                    ""
                } else {
                    rest
                };
                lines.push(std::mem::replace(&mut line, indent.to_string()));
                empty = true;
            }
            if !empty {
                line.push(' ');
            }
            line.push_str(&atom);
            empty = false;
        }
        lines.push(line.trim_end().to_string());
    }
    if lines.is_empty() {
        lines.push(first.trim_end().to_string());
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_wrap_at_spaces_with_the_indents() {
        let got = wrap("one two three four five six", 14, "x: ", "   ");
        assert_eq!(got, ["x: one two", "   three four", "   five six"]);
        for l in &got {
            assert!(l.len() <= 14, "{l:?}");
        }
    }

    #[test]
    fn a_command_is_never_split() {
        let text = "create it: `kubectl create secret generic weather -n staging --from-env-file=FILE` (or sync)";
        let got = wrap(text, 40, "", "  ");
        assert_eq!(
            got,
            [
                "create it:",
                "  `kubectl create secret generic weather -n staging --from-env-file=FILE`",
                "  (or sync)"
            ]
        );
        let short = wrap("run `kubectl get pods -A`, then look", 30, "", "");
        assert_eq!(short, ["run `kubectl get pods -A`,", "then look"]);
        let lines = wrap(
            "reproduce with:\nkubectl auth can-i create secrets -n staging",
            20,
            "",
            "  ",
        );
        assert_eq!(
            lines,
            [
                "reproduce with:",
                "  kubectl auth can-i create secrets -n staging"
            ]
        );
    }

    #[test]
    fn a_long_word_is_not_broken_and_newlines_are_kept() {
        let got = wrap(
            "a app.kubernetes.io/name=weather-server b\nsecond",
            10,
            "",
            "",
        );
        assert_eq!(
            got,
            ["a", "app.kubernetes.io/name=weather-server", "b", "second"]
        );
        let got = wrap("pods: no pods match abcdefghij in demo", 12, "", "    ");
        assert_eq!(
            got,
            [
                "pods: no",
                "    pods",
                "    match",
                "abcdefghij",
                "    in demo"
            ]
        );
        assert_eq!(wrap("", 10, "x:", "  "), ["x:"]);
    }

    #[test]
    fn an_unclosed_backtick_keeps_the_rest_whole() {
        assert_eq!(atoms("see `kubectl get pods"), ["see", "`kubectl get pods"]);
    }
}
