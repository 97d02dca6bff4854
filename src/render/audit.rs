//! `audit`'s output: the JSON/YAML document and the table (references, summary, who can read the
//! Secrets, what to do about each problem).
use comfy_table::Cell;
use serde::Serialize;

use super::palette::{self, severity_tone};
use super::table::{self, toned};
use crate::core::Severity;
use crate::core::findings::{Finding, Summary};
use crate::core::rbac::NamespaceAccess;

/// The JSON/YAML document. Field names are a contract with CI pipelines.
#[derive(Debug, Serialize)]
pub struct AuditResult {
    pub references: Vec<Finding>,
    pub access: Vec<NamespaceAccess>,
    pub summary: Summary,
}

/// The note on stderr when no MCPServer matched.
pub fn no_servers(scope: Option<&str>, selector: Option<&str>) -> String {
    let sel = selector
        .map(|s| format!(" matching {s:?}"))
        .unwrap_or_default();
    match scope {
        Some(ns) => format!("No MCPServers{sel} found in namespace {ns:?}."),
        None => format!("No MCPServers{sel} found in any namespace."),
    }
}

/// The table output: the references, a summary line, the access section (or only the access
/// section with `--access`), then what to do about each problem. `show_headers` false drops the
/// tables' header lines (`--no-headers`).
pub fn render_table(
    result: &AuditResult,
    wide: bool,
    access_only: bool,
    show_headers: bool,
) -> String {
    let mut out = String::new();
    if !access_only {
        let mut headers = vec!["namespace", "server", "via", "secret", "key", "status"];
        if wide {
            headers.extend(["manager", "last change", "message"]);
        }
        let mut t = table::table(headers);
        for f in &result.references {
            let mut row = vec![
                Cell::new(&f.namespace),
                Cell::new(&f.server),
                Cell::new(&f.via),
                Cell::new(&f.secret),
                Cell::new(f.key.as_deref().unwrap_or("(all)")),
                status_cell(f),
            ];
            if wide {
                row.push(Cell::new(f.manager.as_deref().unwrap_or("<none>")));
                row.push(Cell::new(f.last_change.as_deref().unwrap_or("<unknown>")));
                row.push(Cell::new(&f.message));
            }
            t.add_row(row);
        }
        if !result.references.is_empty() {
            out.push_str(&table::render_with(&t, show_headers));
        }
        out.push_str(&summary_line(&result.summary));
        out.push('\n');
    }
    if !result.access.is_empty() {
        if !access_only {
            out.push_str("\nWho can read these Secrets:\n");
        }
        let mut t = table::table(["namespace", "subject", "verbs", "via"]);
        let mut notes = Vec::new();
        for a in &result.access {
            let mine: Vec<&str> = [("get", a.can_get), ("list", a.can_list)]
                .into_iter()
                .filter(|(_, ok)| *ok)
                .map(|(v, _)| v)
                .collect();
            t.add_row(vec![
                Cell::new(&a.namespace),
                Cell::new(format!(
                    "you ({})",
                    a.user.as_deref().unwrap_or("current user")
                )),
                Cell::new(if mine.is_empty() {
                    "none".to_string()
                } else {
                    mine.join(", ")
                }),
                Cell::new("SelfSubjectAccessReview"),
            ]);
            for g in &a.subjects {
                t.add_row(vec![
                    Cell::new(&a.namespace),
                    Cell::new(g.subject()),
                    Cell::new(g.verbs_text()),
                    Cell::new(&g.via),
                ]);
            }
            if let Some(note) = &a.note {
                notes.push(format!("note: namespace {}: {note}", a.namespace));
            }
        }
        out.push_str(&table::render_with(&t, show_headers));
        for n in notes {
            out.push_str(&n);
            out.push('\n');
        }
    }
    if !access_only {
        let problems: Vec<&Finding> = result
            .references
            .iter()
            .filter(|f| f.severity != Severity::Ok)
            .collect();
        if !problems.is_empty() && !wide {
            out.push('\n');
            let color = palette::stdout_color();
            for f in problems {
                out.push_str(&format!(
                    "{}: {}/{} {}: {}\n",
                    palette::paint(f.severity.as_str(), severity_tone(f.severity), color),
                    f.namespace,
                    f.server,
                    f.via,
                    f.message
                ));
            }
        }
    }
    out
}

/// The status text, in the tone of the severity (an unmanaged Secret is `ok` in yellow).
fn status_cell(f: &Finding) -> Cell {
    toned(f.status.as_str(), severity_tone(f.severity))
}

/// `1 server`, `2 servers`.
fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `2 servers, 3 references to 2 Secrets: 1 error, 0 warnings, 2 ok`.
pub fn summary_line(s: &Summary) -> String {
    format!(
        "{}, {} to {}: {}, {}, {} ok",
        plural(s.servers, "server", "servers"),
        plural(s.references, "reference", "references"),
        plural(s.secrets, "Secret", "Secrets"),
        plural(s.errors, "error", "errors"),
        plural(s.warnings, "warning", "warnings"),
        s.ok
    )
}
