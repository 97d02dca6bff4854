//! `secrets status`'s output: one row per environment (environment, context, namespace, Secret,
//! state), then what is wrong with each environment that is not in sync and what to run. Key
//! names only, never a value.
use comfy_table::{Cell, ColumnConstraint};

use super::palette::Tone;
use super::table::{self, toned};
use super::text;
use crate::core::secrets_status::{Row, State};

/// The tone of an environment's state.
pub fn state_tone(state: State) -> Tone {
    match state {
        State::InSync => Tone::Good,
        State::Local | State::Disabled => Tone::Muted,
        State::StalePods | State::Drifted | State::NoFile => Tone::Caution,
        _ => Tone::Bad,
    }
}

/// The table of environments; `wide` adds the env file compared. The state comes before the
/// Secret's name, which is often long (`weather-server-secrets-production`): no cell of this
/// table is ever wrapped, so names stay whole, and on a narrow terminal the state stays in view.
pub fn render_table(rows: &[Row], wide: bool, headers_line: bool) -> String {
    let mut headers = vec!["environment", "context", "namespace", "state", "secret"];
    if wide {
        headers.push("file");
    }
    let mut t = table::table(headers);
    let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    for r in rows {
        let mut cells = vec![
            Cell::new(&r.environment),
            Cell::new(dash(&r.context)),
            Cell::new(dash(&r.namespace)),
            toned(r.state.as_str(), state_tone(r.state)),
            Cell::new(dash(&r.secret)),
        ];
        if wide {
            cells.push(Cell::new(dash(&r.file)));
        }
        t.add_row(cells);
    }
    for column in t.column_iter_mut() {
        column.set_constraint(ColumnConstraint::ContentWidth);
    }
    let mut out = table::render_with(&t, headers_line);
    // Explanations go below the table, wrapped at word boundaries (never a squeezed cell).
    let width = text::stdout_width();
    let mut details = String::new();
    for r in rows.iter().filter(|r| !r.state.passes()) {
        for (i, line) in r.details.iter().enumerate() {
            let first = if i == 0 {
                format!("{}: ", r.environment)
            } else {
                "  ".to_string()
            };
            for l in text::wrap(line, width, &first, "  ") {
                details.push_str(&l);
                details.push('\n');
            }
        }
        if let Some(hint) = &r.hint {
            for l in text::wrap(hint, width, "  fix: ", "    ") {
                details.push_str(&l);
                details.push('\n');
            }
        }
    }
    if !details.is_empty() {
        out.push('\n');
        out.push_str(&details);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(env: &str, state: State, details: &[&str], hint: Option<&str>) -> Row {
        Row {
            environment: env.into(),
            context: Some("kind-a".into()),
            namespace: Some("ns".into()),
            secret: Some("s".into()),
            state,
            file: None,
            changes: vec![],
            missing_keys: vec![],
            stale_pods: vec![],
            details: details.iter().map(|d| d.to_string()).collect(),
            hint: hint.map(str::to_string),
        }
    }

    #[test]
    fn one_row_per_environment_then_what_is_wrong() {
        let rows = [
            row("staging", State::InSync, &[], None),
            row(
                "prod",
                State::Drifted,
                &["a sync would change A"],
                Some("kubectl kmcp secrets diff prod"),
            ),
        ];
        assert_eq!(
            render_table(&rows, false, true),
            "ENVIRONMENT   CONTEXT   NAMESPACE   STATE     SECRET\n\
             staging       kind-a    ns          in-sync   s\n\
             prod          kind-a    ns          drifted   s\n\
             \n\
             prod: a sync would change A\n\
             \u{20} fix: kubectl kmcp secrets diff prod\n"
        );
        // --no-headers: the rows only.
        assert!(render_table(&rows, false, false).starts_with("staging "));
    }
}
