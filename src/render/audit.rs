//! `audit`'s output: the JSON/YAML document and the table (references, summary, who can read the
//! Secrets, what to do about each problem).
use std::collections::BTreeSet;

use comfy_table::Cell;
use serde::Serialize;

use super::palette::{self, severity_tone};
use super::table::{self, toned};
use crate::core::Severity;
use crate::core::findings::{Finding, Issue, Status, Summary};
use crate::core::rbac::NamespaceAccess;

/// The JSON/YAML document. Field names are a contract with CI pipelines: `references`,
/// `access` and `summary` as before, `findings` added (plain-text credentials, effective
/// readers, unreachable clusters).
#[derive(Debug, Default, Serialize)]
pub struct AuditResult {
    pub references: Vec<Finding>,
    pub findings: Vec<Issue>,
    pub access: Vec<NamespaceAccess>,
    pub summary: Summary,
    /// Servers without any Secret reference (one table row each).
    #[serde(skip)]
    pub bare: Vec<ServerRow>,
    /// Said on stderr: what could not be audited.
    #[serde(skip)]
    pub notes: Vec<String>,
    /// Several clusters: the table gets a CONTEXT column.
    #[serde(skip)]
    pub fleet: bool,
    /// `--show-system`: the access section shows built-in `system:` subjects too.
    #[serde(skip)]
    pub show_system: bool,
    /// The namespace audited (`None`: all).
    #[serde(skip)]
    pub scope: Option<String>,
}

/// A server, for its table row when it references no Secret.
#[derive(Debug, Clone)]
pub struct ServerRow {
    pub context: Option<String>,
    pub namespace: String,
    pub kind: &'static str,
    pub name: String,
}

impl AuditResult {
    /// Adds another cluster's audit (a fleet).
    pub fn merge(&mut self, o: AuditResult) {
        self.references.extend(o.references);
        self.findings.extend(o.findings);
        self.access.extend(o.access);
        self.summary.add(&o.summary);
        self.bare.extend(o.bare);
        self.notes.extend(o.notes);
    }
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

/// Why the exit code is 1, on stderr: how many findings are at or above `--fail-on`.
pub fn exit_reason(
    result: &AuditResult,
    fail_on: &str,
    failing: usize,
    access_only: bool,
) -> String {
    let s = &result.summary;
    let counts = if fail_on == "warning" {
        format!(
            "{}, {}",
            plural(s.errors, "error", "errors"),
            plural(s.warnings, "warning", "warnings")
        )
    } else {
        plural(s.errors, "error", "errors")
    };
    let hint = if access_only {
        "; run without --access to see them"
    } else {
        ""
    };
    format!(
        "{}: exit 1: {} at or above --fail-on={fail_on} ({counts}){hint}",
        palette::paint("error", palette::Tone::Alert, palette::stderr_color()),
        plural(failing, "finding", "findings"),
    )
}

/// One row of the references table.
struct Row<'a> {
    context: Option<&'a str>,
    namespace: &'a str,
    kind: &'a str,
    server: &'a str,
    via: String,
    secret: &'a str,
    key: Option<&'a str>,
    status: &'a str,
    severity: Severity,
    finding: Option<&'a Finding>,
}

/// `web`, or `remotemcpserver/api` when RemoteMCPServers are in the table (`mcpserver/web`).
fn server_cell(kind: &str, name: &str, kinds: bool) -> String {
    if kinds {
        format!("{}/{name}", kind.to_ascii_lowercase())
    } else {
        name.to_string()
    }
}

/// The table output: the references (one row at least per server), a summary line, the access
/// section (or only the access section with `--access`), then what to do about each problem.
/// `show_headers` false drops the tables' header lines (`--no-headers`).
pub fn render_table(
    result: &AuditResult,
    wide: bool,
    access_only: bool,
    show_headers: bool,
) -> String {
    let mut out = String::new();
    let fleet = result.fleet;
    if !access_only {
        let mut rows: Vec<Row> = result
            .references
            .iter()
            .map(|f| Row {
                context: f.context.as_deref(),
                namespace: &f.namespace,
                kind: f.server_kind,
                server: &f.server,
                via: f.via.clone(),
                secret: &f.secret,
                key: Some(f.key.as_deref().unwrap_or("(all)")),
                status: f.status.as_str(),
                severity: f.severity,
                finding: Some(f),
            })
            .collect();
        for i in result
            .findings
            .iter()
            .filter(|i| i.status == Status::PlaintextSecret)
        {
            rows.push(Row {
                context: i.context.as_deref(),
                namespace: &i.namespace,
                kind: &i.kind,
                server: &i.name,
                via: i.field.clone().unwrap_or_default(),
                secret: "<none>",
                key: i.key.as_deref(),
                status: i.status.as_str(),
                severity: i.severity,
                finding: None,
            });
        }
        for b in &result.bare {
            rows.push(Row {
                context: b.context.as_deref(),
                namespace: &b.namespace,
                kind: b.kind,
                server: &b.name,
                via: "(no Secret references)".into(),
                secret: "<none>",
                key: None,
                status: "ok",
                severity: Severity::Ok,
                finding: None,
            });
        }
        rows.sort_by(|a, b| {
            (a.context, a.namespace, a.server, a.kind).cmp(&(
                b.context,
                b.namespace,
                b.server,
                b.kind,
            ))
        });
        let kinds = rows.iter().any(|r| r.kind != crate::core::mcpserver::KIND);
        let mut headers = vec![];
        if fleet {
            headers.push("context");
        }
        headers.extend([
            "namespace",
            "server",
            "via",
            "secret",
            "key",
            "status",
            "severity",
        ]);
        if wide {
            headers.extend(["manager", "last change", "message"]);
        }
        let mut t = table::table(headers);
        for r in &rows {
            let mut row = vec![];
            if fleet {
                row.push(Cell::new(r.context.unwrap_or("-")));
            }
            row.extend([
                Cell::new(r.namespace),
                Cell::new(server_cell(r.kind, r.server, kinds)),
                Cell::new(&r.via),
                Cell::new(r.secret),
                Cell::new(r.key.unwrap_or("<none>")),
                toned(r.status, severity_tone(r.severity)),
                toned(r.severity.as_str(), severity_tone(r.severity)),
            ]);
            if wide {
                let f = r.finding;
                row.push(Cell::new(
                    f.and_then(|f| f.manager.as_deref()).unwrap_or("<none>"),
                ));
                row.push(Cell::new(
                    f.and_then(|f| f.last_change.as_deref())
                        .unwrap_or("<unknown>"),
                ));
                row.push(Cell::new(f.map(|f| f.message.as_str()).unwrap_or("")));
            }
            t.add_row(row);
        }
        if !rows.is_empty() {
            out.push_str(&table::render_with(&t, show_headers));
        }
        out.push_str(&summary_line(&result.summary));
        out.push('\n');
    }
    if !result.access.is_empty() {
        if !access_only {
            out.push_str("\nWho can read these Secrets:\n");
        }
        out.push_str(&access_table(result, show_headers));
    }
    if !access_only {
        let color = palette::stdout_color();
        let mut lines = Vec::new();
        for f in result
            .references
            .iter()
            .filter(|f| f.severity != Severity::Ok)
        {
            if !wide {
                lines.push((
                    f.severity,
                    format!("{}/{} {}: {}", f.namespace, f.server, f.via, f.message),
                    f.context.as_deref(),
                ));
            }
        }
        for i in result
            .findings
            .iter()
            .filter(|i| i.severity != Severity::Ok)
        {
            let server =
                i.kind == crate::core::mcpserver::KIND || i.kind == crate::core::remote::KIND;
            let at = match (i.namespace.is_empty(), server) {
                (true, _) => i.name.clone(),
                (false, true) => format!("{}/{}", i.namespace, i.name),
                (false, false) => format!("namespace {}", i.namespace),
            };
            lines.push((
                i.severity,
                format!("{at}: {}", i.message),
                i.context.as_deref(),
            ));
        }
        if !lines.is_empty() {
            out.push('\n');
            for (sev, text, ctx) in lines {
                let ctx = match ctx {
                    Some(c) if fleet => format!("[{c}] "),
                    _ => String::new(),
                };
                out.push_str(&format!(
                    "{}: {ctx}{text}\n",
                    palette::paint(sev.as_str(), severity_tone(sev), color)
                ));
            }
        }
    }
    out
}

/// Who can read the Secrets: the current user, the direct readers by RBAC, and those who can
/// through workloads; built-in `system:` subjects hidden unless `--show-system` (one line says
/// how many).
fn access_table(result: &AuditResult, show_headers: bool) -> String {
    let fleet = result.fleet;
    let mut headers = vec![];
    if fleet {
        headers.push("context");
    }
    headers.extend(["namespace", "subject", "verbs", "via"]);
    let mut t = table::table(headers);
    let mut notes = Vec::new();
    let mut hidden: BTreeSet<String> = BTreeSet::new();
    for a in &result.access {
        let mut add = |cells: [String; 3]| {
            let mut row = vec![];
            if fleet {
                row.push(Cell::new(a.context.as_deref().unwrap_or("-")));
            }
            row.push(Cell::new(&a.namespace));
            row.extend(cells.into_iter().map(Cell::new));
            t.add_row(row);
        };
        let mine: Vec<&str> = [("get", a.can_get), ("list", a.can_list)]
            .into_iter()
            .filter(|(_, ok)| *ok)
            .map(|(v, _)| v)
            .collect();
        add([
            format!("you ({})", a.user.as_deref().unwrap_or("current user")),
            if mine.is_empty() {
                "none".to_string()
            } else {
                mine.join(", ")
            },
            "SelfSubjectAccessReview".to_string(),
        ]);
        for g in &a.subjects {
            if g.is_system() && !result.show_system {
                hidden.insert(g.subject());
                continue;
            }
            add([g.subject(), g.verbs_text(), g.via.clone()]);
        }
        for w in &a.workload_readers {
            if w.is_system() && !result.show_system {
                hidden.insert(w.subject());
                continue;
            }
            add([
                w.subject(),
                format!("via workloads: {}", w.text()),
                w.via.clone(),
            ]);
        }
        if let Some(note) = &a.note {
            notes.push(format!("note: namespace {}: {note}", a.namespace));
        }
        // The default plan goes unsaid; a user without `list secrets` is told how it read.
        if let Some(how) = a.read_with.as_deref().filter(|h| h.starts_with("get ")) {
            notes.push(format!(
                "note: namespace {}: Secrets read with {how}",
                a.namespace
            ));
        }
    }
    let mut out = table::render_with(&t, show_headers);
    if !hidden.is_empty() {
        out.push_str(&format!(
            "{} hidden (--show-system shows them)\n",
            plural(
                hidden.len(),
                "built-in system: subject",
                "built-in system: subjects"
            )
        ));
    }
    for n in notes {
        out.push_str(&n);
        out.push('\n');
    }
    out
}

/// `1 server`, `2 servers`.
fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `2 servers, 3 references to 2 Secrets: 1 error, 0 warnings, 2 ok` (`(1 remote)` after the
/// servers when RemoteMCPServers are among them).
pub fn summary_line(s: &Summary) -> String {
    let remote = if s.remote_servers > 0 {
        format!(" ({} remote)", s.remote_servers)
    } else {
        String::new()
    };
    format!(
        "{}{remote}, {} to {}: {}, {}, {} ok",
        plural(s.servers, "server", "servers"),
        plural(s.references, "reference", "references"),
        plural(s.secrets, "Secret", "Secrets"),
        plural(s.errors, "error", "errors"),
        plural(s.warnings, "warning", "warnings"),
        s.ok
    )
}
