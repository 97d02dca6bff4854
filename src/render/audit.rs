//! `audit`'s output: the JSON/YAML document and the table (references, summary, who can read the
//! Secrets, what to do about each problem).
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::io::{self, Write};

use dialoguer::console::measure_text_width;
use serde::Serialize;

use super::palette::{self, Tone, severity_tone};
use super::text::wrap;
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
    /// `-A`: the tables get a NAMESPACE column (as kubectl's).
    #[serde(skip)]
    pub all_namespaces: bool,
}

/// The JSON/YAML document of one cluster whose references are made while it is written: `rest`
/// holds everything else (its `references` empty, its summary without them), and each chunk of
/// findings from `references` is written as it arrives and counted into the summary, which
/// comes after them. The same document as [`AuditResult`]'s, byte for byte (tested).
pub struct Streamed<'a, I> {
    rest: &'a AuditResult,
    references: RefCell<I>,
    summary: RefCell<Summary>,
}

impl<'a, C: AsRef<[Finding]>, I: Iterator<Item = C>> Streamed<'a, I> {
    pub fn new(rest: &'a AuditResult, references: I) -> Self {
        Streamed {
            rest,
            references: RefCell::new(references),
            summary: RefCell::new(rest.summary.clone()),
        }
    }

    /// The summary with the references written so far (all of them once written).
    pub fn summary(&self) -> Summary {
        self.summary.borrow().clone()
    }
}

impl<C: AsRef<[Finding]>, I: Iterator<Item = C>> Serialize for Streamed<'_, I> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        // AuditResult's fields, in its order.
        let mut doc = serializer.serialize_struct("AuditResult", 4)?;
        doc.serialize_field("references", &Chunks(self))?;
        doc.serialize_field("findings", &self.rest.findings)?;
        doc.serialize_field("access", &self.rest.access)?;
        doc.serialize_field("summary", &*self.summary.borrow())?;
        doc.end()
    }
}

/// The references of a [`Streamed`] document: a sequence of unknown length.
struct Chunks<'s, 'a, I>(&'s Streamed<'a, I>);

impl<C: AsRef<[Finding]>, I: Iterator<Item = C>> Serialize for Chunks<'_, '_, I> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = serializer.serialize_seq(None)?;
        let mut references = self.0.references.borrow_mut();
        for chunk in references.by_ref() {
            for f in chunk.as_ref() {
                seq.serialize_element(f)?;
                self.0.summary.borrow_mut().count(f.severity);
            }
        }
        seq.end()
    }
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
pub fn exit_reason(s: &Summary, fail_on: &str, failing: usize, access_only: bool) -> String {
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

/// How the table is drawn: `-o wide`, `--access`, `--no-headers`, the width prose wraps to
/// (the terminal's, else 80) and whether colours are on.
#[derive(Debug, Clone, Copy)]
pub struct TableOptions {
    pub wide: bool,
    pub access_only: bool,
    pub show_headers: bool,
    pub width: usize,
    pub color: bool,
}

/// One cell: its text and, for statuses, the tone it is painted in when colours are on.
struct Cell<'a> {
    text: Cow<'a, str>,
    tone: Option<Tone>,
}

fn cell<'a>(text: impl Into<Cow<'a, str>>) -> Cell<'a> {
    Cell {
        text: text.into(),
        tone: None,
    }
}

/// A table written row by row, as the table builder draws it (`table::table`: upper-case
/// headers, three spaces after every column, no trailing spaces, a cell never wrapped), but
/// without holding the cells of every row: a first pass measures the columns, the second
/// writes each line straight to the output. An audit of 20,000 servers has 60,000 rows.
trait Rows {
    fn cells(&self, row: usize) -> Vec<Cell<'_>>;
    fn len(&self) -> usize;
}

/// The widths of the columns: the widest cell of each, the header included.
fn widths(headers: &[&str], rows: &dyn Rows, range: std::ops::Range<usize>) -> Vec<usize> {
    let mut w: Vec<usize> = headers.iter().map(|h| measure_text_width(h)).collect();
    for i in range {
        for (c, cell) in rows.cells(i).iter().enumerate() {
            if let Some(slot) = w.get_mut(c) {
                *slot = (*slot).max(measure_text_width(&cell.text));
            }
        }
    }
    w
}

/// One line of a table: each cell padded to its column's width plus three spaces, trimmed.
fn write_line<W: Write>(
    out: &mut W,
    cells: &[Cell<'_>],
    widths: &[usize],
    color: bool,
) -> io::Result<()> {
    let mut line = String::new();
    for (cell, width) in cells.iter().zip(widths) {
        let pad = width + 3 - measure_text_width(&cell.text).min(width + 3);
        match cell.tone {
            Some(tone) if color => line.push_str(&palette::paint(&cell.text, tone, true)),
            _ => line.push_str(&cell.text),
        }
        line.extend(std::iter::repeat_n(' ', pad));
    }
    writeln!(out, "{}", line.trim_end())
}

/// The rows `range` of `rows` under `headers` (the header line only when `show_headers`).
fn write_rows<W: Write>(
    out: &mut W,
    headers: &[&str],
    rows: &dyn Rows,
    range: std::ops::Range<usize>,
    widths: &[usize],
    opts: &TableOptions,
) -> io::Result<()> {
    if opts.show_headers {
        let header: Vec<Cell> = headers.iter().map(|h| cell(h.to_uppercase())).collect();
        write_line(out, &header, widths, false)?;
    }
    for i in range {
        write_line(out, &rows.cells(i), widths, opts.color)?;
    }
    Ok(())
}

/// The rows of each context, in order: one group in a single-cluster run.
fn groups(contexts: &[Option<&str>]) -> Vec<(Option<String>, std::ops::Range<usize>)> {
    let mut out: Vec<(Option<String>, std::ops::Range<usize>)> = Vec::new();
    for (i, ctx) in contexts.iter().enumerate() {
        match out.last_mut() {
            Some((c, r)) if c.as_deref() == *ctx => r.end = i + 1,
            _ => out.push((ctx.map(str::to_string), i..i + 1)),
        }
    }
    out
}

/// One row of the references table.
struct Row<'a> {
    context: Option<&'a str>,
    namespace: &'a str,
    kind: &'a str,
    server: &'a str,
    via: &'a str,
    secret: &'a str,
    key: Option<&'a str>,
    status: &'a str,
    severity: Severity,
    finding: Option<&'a Finding>,
}

/// The word of the STATUS column: the finding's kind, so that an unmanaged Secret reads
/// `unmanaged` (JSON: `status: ok`, `severity: warning`; SARIF: `unmanaged-secret`).
fn status_word(status: Status, severity: Severity) -> &'static str {
    match (status, severity) {
        (Status::Ok, Severity::Warning) => "unmanaged",
        (s, _) => s.as_str(),
    }
}

/// The references table. Default: `[NAMESPACE] SERVER SECRET STATUS`, which fits 80 columns
/// with realistic names (NAMESPACE only with `-A`, as kubectl), one row per server, Secret and
/// status; the severity, field and key of every problem are in the lines below the table.
/// `-o wide`: one row per reference with every column (`CONTEXT` in a fleet).
struct References<'a> {
    result: &'a AuditResult,
    rows: Vec<Source>,
    wide: bool,
    fleet: bool,
    namespaces: bool,
    kinds: bool,
}

impl References<'_> {
    fn headers(&self) -> Vec<&'static str> {
        let mut h = vec![];
        if self.wide {
            if self.fleet {
                h.push("context");
            }
            h.extend([
                "namespace",
                "server",
                "via",
                "secret",
                "key",
                "status",
                "severity",
                "manager",
                "last change",
                "message",
            ]);
        } else {
            if self.namespaces {
                h.push("namespace");
            }
            h.extend(["server", "secret", "status"]);
        }
        h
    }
}

impl Rows for References<'_> {
    fn len(&self) -> usize {
        self.rows.len()
    }

    fn cells(&self, i: usize) -> Vec<Cell<'_>> {
        let Some(r) = self.rows.get(i).and_then(|s| row_of(self.result, *s)) else {
            return Vec::new();
        };
        let server: Cow<str> = if self.kinds {
            format!("{}/{}", r.kind.to_ascii_lowercase(), r.server).into()
        } else {
            r.server.into()
        };
        let tone = Some(severity_tone(r.severity));
        let mut row = vec![];
        if !self.wide {
            if self.namespaces {
                row.push(cell(r.namespace));
            }
            row.push(cell(server));
            row.push(cell(r.secret));
            row.push(Cell {
                text: r.status.into(),
                tone,
            });
            return row;
        }
        if self.fleet {
            row.push(cell(r.context.unwrap_or("-")));
        }
        let f = r.finding;
        row.extend([
            cell(r.namespace),
            cell(server),
            cell(r.via),
            cell(if r.finding.is_none() && r.secret == NO_SECRET {
                "<none>"
            } else {
                r.secret
            }),
            cell(r.key.unwrap_or("<none>")),
            Cell {
                text: r.status.into(),
                tone,
            },
            Cell {
                text: r.severity.as_str().into(),
                tone,
            },
            cell(f.and_then(|f| f.manager.as_deref()).unwrap_or("<none>")),
            cell(
                f.and_then(|f| f.last_change.as_deref())
                    .unwrap_or("<unknown>"),
            ),
            cell(f.map(|f| f.message.as_str()).unwrap_or("")),
        ]);
        row
    }
}

/// The VIA of a server without Secret references (`-o wide`).
const NO_REFERENCES: &str = "(no Secret references)";
/// Its SECRET cell in the default table: no wider than a 20-character name.
const NO_SECRET: &str = "(no references)";

/// Where a row of the references table comes from: a reference, a plain-text credential or
/// a server without references (an index into the result: 16 bytes a row, not a copy).
#[derive(Clone, Copy)]
enum Source {
    Reference(usize),
    Plain(usize),
    Bare(usize),
}

/// The row of `source`.
fn row_of(result: &AuditResult, source: Source) -> Option<Row<'_>> {
    Some(match source {
        Source::Reference(i) => {
            let f = result.references.get(i)?;
            Row {
                context: f.context.as_deref(),
                namespace: &f.namespace,
                kind: f.server_kind,
                server: &f.server,
                via: &f.via,
                secret: &f.secret,
                key: Some(f.key.as_deref().unwrap_or("(all)")),
                status: status_word(f.status, f.severity),
                severity: f.severity,
                finding: Some(f),
            }
        }
        Source::Plain(i) => {
            let i = result.findings.get(i)?;
            Row {
                context: i.context.as_deref(),
                namespace: &i.namespace,
                kind: &i.kind,
                server: &i.name,
                via: i.field.as_deref().unwrap_or_default(),
                secret: "<none>",
                key: i.key.as_deref(),
                status: i.status.as_str(),
                severity: i.severity,
                finding: None,
            }
        }
        Source::Bare(i) => {
            let b = result.bare.get(i)?;
            Row {
                context: b.context.as_deref(),
                namespace: &b.namespace,
                kind: b.kind,
                server: &b.name,
                via: NO_REFERENCES,
                secret: NO_SECRET,
                key: None,
                status: "ok",
                severity: Severity::Ok,
                finding: None,
            }
        }
    })
}

/// The rows of the references table, sorted by context, namespace and server (and, in the
/// default table, Secret and status, with equal rows shown once).
fn reference_rows<'a>(result: &'a AuditResult, wide: bool) -> Vec<Source> {
    let mut rows: Vec<Source> = (0..result.references.len())
        .map(Source::Reference)
        .chain(
            result
                .findings
                .iter()
                .enumerate()
                .filter(|(_, i)| i.status == Status::PlaintextSecret)
                .map(|(n, _)| Source::Plain(n)),
        )
        .chain((0..result.bare.len()).map(Source::Bare))
        .collect();
    let view = |s: &Source| -> Option<Row<'a>> { row_of(result, *s) };
    if wide {
        let key = |r: Option<Row<'a>>| r.map(|r| (r.context, r.namespace, r.server, r.kind));
        rows.sort_by(|a, b| key(view(a)).cmp(&key(view(b))));
    } else {
        let key = |r: Option<Row<'a>>| {
            r.map(|r| {
                (
                    r.context,
                    r.namespace,
                    r.server,
                    r.kind,
                    r.secret,
                    std::cmp::Reverse(r.severity),
                    r.status,
                )
            })
        };
        rows.sort_by(|a, b| key(view(a)).cmp(&key(view(b))));
        let same = |r: Option<Row<'a>>| {
            r.map(|r| (r.context, r.namespace, r.server, r.kind, r.secret, r.status))
        };
        rows.dedup_by(|a, b| same(view(a)) == same(view(b)));
    }
    rows
}

/// `context NAME:` (and its namespace without `-A`), the title of a fleet member's rows.
fn context_title(ctx: Option<&str>, namespace: Option<&str>) -> String {
    let ctx = ctx.unwrap_or("-");
    match namespace {
        Some(ns) => format!("Context {ctx}, namespace {ns}:"),
        None => format!("Context {ctx}:"),
    }
}

/// Prose below a table: wrapped at words to the width, a `command` never split.
fn write_prose<W: Write>(out: &mut W, text: &str, width: usize) -> io::Result<()> {
    for line in wrap(text, width, "", "  ") {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// The table output: the references (one row at least per server), a summary line, the access
/// section (or only the access section with `--access`), then what to do about each problem,
/// wrapped at words. A fleet's rows are grouped per context under a `Context NAME:` title
/// (`-o wide`: a CONTEXT column instead).
pub fn write_table<W: Write>(
    out: &mut W,
    result: &AuditResult,
    opts: &TableOptions,
) -> io::Result<()> {
    let fleet = result.fleet;
    let grouped = fleet && !opts.wide;
    if !opts.access_only {
        let rows = reference_rows(result, opts.wide);
        let kinds = result
            .references
            .iter()
            .map(|f| f.server_kind)
            .chain(
                result
                    .findings
                    .iter()
                    .filter(|i| i.status == Status::PlaintextSecret)
                    .map(|i| i.kind.as_str()),
            )
            .chain(result.bare.iter().map(|b| b.kind))
            .any(|k| k != crate::core::mcpserver::KIND);
        let contexts: Vec<Option<&str>> = rows
            .iter()
            .map(|s| row_of(result, *s).and_then(|r| r.context))
            .collect();
        let table = References {
            result,
            rows,
            wide: opts.wide,
            fleet,
            namespaces: result.all_namespaces,
            kinds,
        };
        let headers = table.headers();
        let widths = widths(&headers, &table, 0..table.len());
        if grouped {
            for (ctx, range) in groups(&contexts) {
                let ns = (!result.all_namespaces)
                    .then(|| {
                        table
                            .rows
                            .get(range.start)
                            .and_then(|s| row_of(result, *s))
                            .map(|r| r.namespace)
                    })
                    .flatten();
                writeln!(out, "{}", context_title(ctx.as_deref(), ns))?;
                write_rows(out, &headers, &table, range, &widths, opts)?;
            }
        } else if table.len() > 0 {
            write_rows(out, &headers, &table, 0..table.len(), &widths, opts)?;
        }
        drop(table);
        write_prose(out, &summary_line(&result.summary), opts.width)?;
    }
    if !result.access.is_empty() {
        if !opts.access_only {
            writeln!(out, "\nWho can read these Secrets:")?;
        }
        write_access(out, result, opts)?;
    }
    if !opts.access_only {
        let mut first = true;
        let mut line = |out: &mut W, sev: Severity, ctx: Option<&str>, text: &str| {
            let blank = if std::mem::take(&mut first) { "\n" } else { "" };
            let ctx = match ctx {
                Some(c) if fleet => format!("[{c}] "),
                _ => String::new(),
            };
            let head = palette::paint(sev.as_str(), severity_tone(sev), opts.color);
            write!(out, "{blank}")?;
            write_prose(out, &format!("{head}: {ctx}{text}"), opts.width)
        };
        if !opts.wide {
            for f in result
                .references
                .iter()
                .filter(|f| f.severity != Severity::Ok)
            {
                line(
                    out,
                    f.severity,
                    f.context.as_deref(),
                    &format!("{}/{} {}: {}", f.namespace, f.server, f.via, f.message),
                )?;
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
            line(
                out,
                i.severity,
                i.context.as_deref(),
                &format!("{at}: {}", i.message),
            )?;
        }
    }
    Ok(())
}

/// The table output as text (for tests).
pub fn render_table(result: &AuditResult, opts: &TableOptions) -> String {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = write_table(&mut out, result, opts);
    String::from_utf8_lossy(&out).into_owned()
}

/// One row of the access table.
struct AccessRow<'a> {
    context: Option<&'a str>,
    namespace: &'a str,
    subject: String,
    /// The default table's VERBS: the verbs, or `via workloads`.
    short: String,
    /// `-o wide`'s VERBS and VIA.
    verbs: String,
    via: String,
}

/// Who can read the Secrets. Default: `[NAMESPACE] SUBJECT VERBS`; `-o wide` adds VIA (the
/// binding) and the workloads' verbs and resources (also in the `effective-reader` lines).
struct Access<'a> {
    rows: Vec<AccessRow<'a>>,
    wide: bool,
    fleet: bool,
    namespaces: bool,
}

impl Access<'_> {
    fn headers(&self) -> Vec<&'static str> {
        let mut h = vec![];
        if self.wide {
            if self.fleet {
                h.push("context");
            }
            h.extend(["namespace", "subject", "verbs", "via"]);
        } else {
            if self.namespaces {
                h.push("namespace");
            }
            h.extend(["subject", "verbs"]);
        }
        h
    }
}

impl Rows for Access<'_> {
    fn len(&self) -> usize {
        self.rows.len()
    }

    fn cells(&self, i: usize) -> Vec<Cell<'_>> {
        let Some(r) = self.rows.get(i) else {
            return Vec::new();
        };
        let mut row = vec![];
        if self.wide {
            if self.fleet {
                row.push(cell(r.context.unwrap_or("-")));
            }
            row.extend([
                cell(r.namespace),
                cell(r.subject.as_str()),
                cell(r.verbs.as_str()),
                cell(r.via.as_str()),
            ]);
        } else {
            if self.namespaces {
                row.push(cell(r.namespace));
            }
            row.extend([cell(r.subject.as_str()), cell(r.short.as_str())]);
        }
        row
    }
}

/// Who can read the Secrets: the current user, the direct readers by RBAC, and those who can
/// through workloads; built-in `system:` subjects hidden unless `--show-system` (one line says
/// how many).
fn write_access<W: Write>(
    out: &mut W,
    result: &AuditResult,
    opts: &TableOptions,
) -> io::Result<()> {
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    let mut hidden: BTreeSet<String> = BTreeSet::new();
    for a in &result.access {
        let mut add = |subject: String, short: String, verbs: String, via: String| {
            rows.push(AccessRow {
                context: a.context.as_deref(),
                namespace: &a.namespace,
                subject,
                short,
                verbs,
                via,
            });
        };
        let mine: Vec<&str> = [("get", a.can_get), ("list", a.can_list)]
            .into_iter()
            .filter(|(_, ok)| *ok)
            .map(|(v, _)| v)
            .collect();
        let mine = if mine.is_empty() {
            "none".to_string()
        } else {
            mine.join(", ")
        };
        add(
            format!("you ({})", a.user.as_deref().unwrap_or("current user")),
            mine.clone(),
            mine,
            "SelfSubjectAccessReview".to_string(),
        );
        for g in &a.subjects {
            if g.is_system() && !result.show_system {
                hidden.insert(g.subject());
                continue;
            }
            let verbs = g.verbs_text();
            add(g.subject(), verbs.clone(), verbs, g.via.clone());
        }
        for w in &a.workload_readers {
            if w.is_system() && !result.show_system {
                hidden.insert(w.subject());
                continue;
            }
            add(
                w.subject(),
                "via workloads".to_string(),
                format!("via workloads: {}", w.text()),
                w.via.clone(),
            );
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
    let contexts: Vec<Option<&str>> = rows.iter().map(|r| r.context).collect();
    let table = Access {
        rows,
        wide: opts.wide,
        fleet: result.fleet,
        namespaces: result.all_namespaces,
    };
    let headers = table.headers();
    let widths = widths(&headers, &table, 0..table.len());
    if result.fleet && !opts.wide {
        for (ctx, range) in groups(&contexts) {
            let ns = (!result.all_namespaces)
                .then(|| table.rows.get(range.start).map(|r| r.namespace))
                .flatten();
            writeln!(out, "{}", context_title(ctx.as_deref(), ns))?;
            write_rows(out, &headers, &table, range, &widths, opts)?;
        }
    } else {
        write_rows(out, &headers, &table, 0..table.len(), &widths, opts)?;
    }
    if !hidden.is_empty() {
        writeln!(
            out,
            "{} hidden (--show-system shows them)",
            plural(
                hidden.len(),
                "built-in system: subject",
                "built-in system: subjects"
            )
        )?;
    }
    for n in notes {
        write_prose(out, &n, opts.width)?;
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::findings::{self, ProjectContext, Secrets, Server, issues};
    use serde_json::json;

    /// A cluster's audit, whole, and the same without its references (as streamed).
    fn audited(servers: usize) -> (AuditResult, AuditResult) {
        let servers: Vec<Server> = (0..servers)
            .map(|i| {
                Server::from_json(&json!({
                    "metadata": {"namespace": "a", "name": format!("s{i}")},
                    "spec": {"deployment": {
                        "secretRefs": [{"name": "env"}],
                        "env": {"API_TOKEN": "sk-proj-abcdefghijklmnopqrstuvwx"},
                        "volumes": [{"name": "v", "secret": {"secretName": "files", "optional": true}}]
                    }}
                }))
            })
            .collect();
        let found = issues::plaintext(&servers);
        let summary = Summary::of(&servers, &[], &found);
        let references =
            findings::evaluate(&servers, &Secrets::default(), &ProjectContext::default());
        let rest = AuditResult {
            findings: found.clone(),
            summary: summary.clone(),
            ..AuditResult::default()
        };
        let whole = AuditResult {
            summary: Summary::of(&servers, &references, &found),
            references,
            findings: found,
            ..AuditResult::default()
        };
        (whole, rest)
    }

    fn yaml(doc: &impl Serialize) -> Vec<u8> {
        let mut out = Vec::new();
        serde_saphyr::to_io_writer(&mut out, doc).unwrap();
        out
    }

    /// The streamed document is the whole one, byte for byte, in JSON and YAML, however the
    /// references come in chunks (none at all included), and its summary counts them.
    #[test]
    fn a_streamed_document_is_the_whole_document() {
        for servers in [0, 1, 7] {
            let (whole, rest) = audited(servers);
            assert_eq!(whole.references.len(), 2 * servers);
            for size in [1, 3, 100] {
                let chunks = || whole.references.chunks(size);
                let doc = Streamed::new(&rest, chunks());
                let json = serde_json::to_vec_pretty(&doc).unwrap();
                assert_eq!(json, serde_json::to_vec_pretty(&whole).unwrap());
                assert_eq!(doc.summary(), whole.summary);
                let doc = Streamed::new(&rest, chunks());
                assert_eq!(
                    yaml(&doc),
                    yaml(&whole),
                    "{servers} servers, chunks of {size}"
                );
            }
        }
        let (whole, _) = audited(2);
        assert!(whole.summary.errors > 0 && whole.summary.ok > 0);
    }
}
