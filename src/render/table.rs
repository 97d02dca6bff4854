//! The one table builder: kubectl-style tables (no borders, upper-case headers, three spaces
//! between columns), styled and wrapped to the terminal only where colours are on.
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
        t.enforce_styling()
            .set_content_arrangement(ContentArrangement::Dynamic);
    } else {
        t.force_no_tty()
            .set_content_arrangement(ContentArrangement::Disabled);
    }
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
    let mut out: String = table
        .to_string()
        .lines()
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
