//! The one table builder: kubectl-style tables (no borders, upper-case headers, three spaces
//! between columns), styled only where colours are on. As kubectl, a cell is never wrapped or
//! squeezed, whatever the terminal's width: names, statuses and commands stay whole and
//! copyable. Long explanations belong below the table (see `text::wrap`), not in a column.
use comfy_table::{Cell, ContentArrangement, Table, presets};

use super::palette::{self, Tone};

/// A kubectl-style table with these headers.
pub fn table<I, S>(headers: I) -> Table
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut t = Table::new();
    t.load_style(presets::NOTHING);
    if palette::stdout_color() {
        t.enforce_styling();
    } else {
        t.force_no_tty();
    }
    t.set_content_arrangement(ContentArrangement::Disabled);
    t.set_header(
        headers
            .into_iter()
            .map(|h| Cell::new(h.as_ref().to_uppercase())),
    );
    for column in t.column_iter_mut() {
        column.set_padding((0, 3));
    }
    t
}

/// A cell in a tone; coloured only where the table styles (stdout is a terminal, no NO_COLOR).
pub fn toned(text: &str, tone: Tone) -> Cell {
    Cell::new(text).fg(tone.color())
}

/// The table as text with trailing spaces removed from every line.
pub fn render(table: &Table) -> String {
    render_with(table, true)
}

/// The table as text; without its header line when `headers` is false (`--no-headers`). The
/// header is always exactly one line, since cells are never wrapped.
pub fn render_with(table: &Table, headers: bool) -> String {
    let mut out: String = table
        .to_string()
        .lines()
        .skip(usize::from(!headers))
        .map(|l| format!("{}\n", l.trim_end()))
        .collect();
    if out.is_empty() {
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::CheckStatus;
    use crate::render::palette::status_tone;

    #[test]
    fn tables_look_like_kubectl() {
        let mut t = table(["name", "status"]);
        t.add_row(vec![
            Cell::new("weather"),
            toned("pass", status_tone(CheckStatus::Pass)),
        ]);
        let text = render(&t);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines, ["NAME      STATUS", "weather   pass"]);
    }

    #[test]
    fn cells_are_never_wrapped_and_headers_can_go() {
        let long =
            "app.kubernetes.io/name=weather-server,app.kubernetes.io/instance=weather-server";
        let mut t = table(["name", "selector"]);
        t.set_width(40);
        t.add_row(vec![Cell::new("my-mcp-server"), Cell::new(long)]);
        let text = render(&t);
        assert_eq!(text.lines().count(), 2, "{text}");
        assert!(text.contains(&format!("my-mcp-server   {long}")), "{text}");
        assert_eq!(render_with(&t, false), format!("my-mcp-server   {long}\n"));
    }

    #[test]
    fn no_colour_without_a_terminal() {
        // Tests run without a terminal on stdout: the table must not style.
        let mut t = table(["status"]);
        t.add_row(vec![toned("fail", Tone::Bad)]);
        let text = render(&t);
        assert!(!text.contains('\x1b'), "{text:?}");
        let mut forced = table(["status"]);
        forced.enforce_styling();
        forced.add_row(vec![toned("fail", Tone::Bad)]);
        assert!(forced.to_string().contains('\x1b'));
    }
}
