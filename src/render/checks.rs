//! `troubleshoot`'s output (also `deploy --wait`'s report on timeout): the checks as a table of
//! check, result, detail and fix, or as a JSON/YAML document.
use comfy_table::Cell;
use serde::Serialize;

use super::palette::status_tone;
use super::table::{self, toned};
use crate::core::diagnosis::Check;

/// `-o json|yaml`: `{"server", "namespace", "checks": [{"id", "status", "detail", "hint"}]}`.
#[derive(Debug, Serialize)]
pub struct ServerChecks<'a> {
    pub server: &'a str,
    pub namespace: &'a str,
    pub checks: &'a [Check],
}

/// The checks as a kubectl-style table: check, result, detail, fix.
pub fn render_table(checks: &[Check]) -> String {
    let mut t = table::table(["check", "result", "detail", "fix"]);
    for c in checks {
        t.add_row(vec![
            Cell::new(c.id),
            toned(c.status.as_str(), status_tone(c.status)),
            Cell::new(&c.detail),
            Cell::new(&c.hint),
        ]);
    }
    table::render(&t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::CheckStatus;

    #[test]
    fn table_has_the_four_columns() {
        let checks = vec![Check {
            id: "secret",
            status: CheckStatus::Fail,
            detail: "Secret x not found".into(),
            hint: "create it".into(),
        }];
        assert_eq!(
            render_table(&checks),
            "CHECK    RESULT   DETAIL               FIX\nsecret   fail     Secret x not found   create it\n"
        );
    }
}
