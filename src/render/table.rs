//! The findings/report model shared by the checking commands, and its renderers: statuses and
//! severities with their colours, and kubectl-style tables (no borders, upper-case headers).
use comfy_table::{Cell, Color, ContentArrangement, Table, presets};
use serde::Serialize;

/// The result of one check (`troubleshoot`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    Pass,
    Skip,
    Warn,
    Fail,
}

impl CheckStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckStatus::Pass => "pass",
            CheckStatus::Skip => "skip",
            CheckStatus::Warn => "warn",
            CheckStatus::Fail => "fail",
        }
    }

    fn color(self) -> Color {
        match self {
            CheckStatus::Pass => Color::Green,
            CheckStatus::Skip => Color::DarkGrey,
            CheckStatus::Warn => Color::Yellow,
            CheckStatus::Fail => Color::Red,
        }
    }
}

/// How much a finding matters (`audit`); ordered, so that `--fail-on` can compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Ok,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Ok => "ok",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    fn color(self) -> Color {
        match self {
            Severity::Ok => Color::Green,
            Severity::Warning => Color::Yellow,
            Severity::Error => Color::Red,
        }
    }
}

/// A kubectl-style table: no borders, upper-case headers, wrapped to the terminal when there is
/// one.
pub fn table<I, S>(headers: I) -> Table
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut t = Table::new();
    t.load_style(presets::NOTHING);
    if crate::render::stdout_color() {
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

/// A status cell; coloured only where the table styles (stdout is a terminal, no NO_COLOR).
pub fn status_cell(status: CheckStatus) -> Cell {
    Cell::new(status.as_str()).fg(status.color())
}

/// A severity cell; coloured only where the table styles.
pub fn severity_cell(severity: Severity) -> Cell {
    Cell::new(severity.as_str()).fg(severity.color())
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

    #[test]
    fn tables_look_like_kubectl() {
        let mut t = table(["name", "status"]);
        t.add_row(vec![Cell::new("weather"), status_cell(CheckStatus::Pass)]);
        let text = render(&t);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines, ["NAME      STATUS", "weather   pass"]);
    }

    #[test]
    fn severities_order_for_fail_on() {
        assert!(Severity::Error > Severity::Warning && Severity::Warning > Severity::Ok);
        assert!(CheckStatus::Fail > CheckStatus::Warn);
        assert_eq!(
            serde_json::to_string(&Severity::Warning).unwrap(),
            "\"warning\""
        );
        assert_eq!(
            serde_json::to_string(&CheckStatus::Skip).unwrap(),
            "\"skip\""
        );
    }

    #[test]
    fn no_colour_without_a_terminal() {
        // Tests run without a terminal on stdout: the table must not style.
        let mut t = table(["status"]);
        t.add_row(vec![status_cell(CheckStatus::Fail)]);
        let text = render(&t);
        assert!(!text.contains('\x1b'), "{text:?}");
        let mut forced = table(["status"]);
        forced.enforce_styling();
        forced.add_row(vec![status_cell(CheckStatus::Fail)]);
        assert!(forced.to_string().contains('\x1b'));
    }
}
