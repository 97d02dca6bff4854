//! `troubleshoot`'s output (also `deploy --wait`'s report on timeout): the checks as a table of
//! check, result, detail and fix, or as a JSON/YAML document.
use comfy_table::Cell;
use serde::Serialize;

use super::palette::status_tone;
use super::table::{self, toned};
use super::text;
use crate::core::diagnosis::Check;

/// `-o json|yaml`: `{"server", "namespace", "checks": [{"id", "status", "detail", "hint"}]}`.
#[derive(Debug, Serialize)]
pub struct ServerChecks<'a> {
    pub server: &'a str,
    pub namespace: &'a str,
    pub checks: &'a [Check],
}

/// The checks as a kubectl-style table of check and result, then what each check found and its
/// fix below the table, wrapped at word boundaries to `width` (commands kept whole). No cell is
/// ever squeezed; `--no-headers` drops the header line (`headers` false).
pub fn render_table(checks: &[Check], headers: bool, width: usize) -> String {
    let mut t = table::table(["check", "result"]);
    for c in checks {
        t.add_row(vec![
            Cell::new(c.id),
            toned(c.status.as_str(), status_tone(c.status)),
        ]);
    }
    let mut out = table::render_with(&t, headers);
    out.push('\n');
    for c in checks {
        for line in text::wrap(&c.detail, width, &format!("{}: ", c.id), "  ") {
            out.push_str(&line);
            out.push('\n');
        }
        if !c.hint.is_empty() {
            for line in text::wrap(&c.hint, width, "  fix: ", "    ") {
                out.push_str(&line);
                out.push('\n');
            }
        }
    }
    out
}

/// `-o wide`: check, result, detail and fix as columns, each line whole (as kubectl's wide
/// output, as long as it needs to be).
pub fn render_wide(checks: &[Check], headers: bool) -> String {
    let mut t = table::table(["check", "result", "detail", "fix"]);
    for c in checks {
        t.add_row(vec![
            Cell::new(c.id),
            toned(c.status.as_str(), status_tone(c.status)),
            Cell::new(&c.detail),
            Cell::new(&c.hint),
        ]);
    }
    table::render_with(&t, headers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::CheckStatus;

    fn checks() -> Vec<Check> {
        vec![
            Check {
                id: "crd",
                status: CheckStatus::Pass,
                detail: "mcpservers.kagent.dev is installed".into(),
                hint: String::new(),
            },
            Check {
                id: "secret",
                status: CheckStatus::Fail,
                detail: "Secret weather-secrets not found in namespace staging".into(),
                hint: "create it: `kubectl create secret generic weather-secrets -n staging --from-env-file=FILE`".into(),
            },
        ]
    }

    #[test]
    fn the_table_is_short_and_the_details_follow_wrapped() {
        assert_eq!(
            render_table(&checks(), true, 40),
            "\
CHECK    RESULT
crd      pass
secret   fail

crd: mcpservers.kagent.dev is installed
secret: Secret weather-secrets not found
  in namespace staging
  fix: create it:
    `kubectl create secret generic weather-secrets -n staging --from-env-file=FILE`
"
        );
        assert!(render_table(&checks(), false, 40).starts_with("crd      pass\n"));
    }

    #[test]
    fn wide_has_the_four_columns_unbroken() {
        let text = render_wide(&checks(), true);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(lines[0].starts_with("CHECK    RESULT   DETAIL"), "{text}");
        assert!(lines[2].ends_with("--from-env-file=FILE`"), "{text}");
        assert!(!render_wide(&checks(), false).contains("CHECK"));
    }
}
