//! `kubectl kmcp audit`: every Secret reference of every MCPServer, checked, and who can read them.
//!
//! Requests do not grow with the number of servers: one list of MCPServers for the scope, then
//! per namespace that holds referenced Secrets one list of its Secrets (or, where listing is
//! forbidden, one get per referenced name), at most [`CONCURRENCY`] at a time, plus the access
//! questions and RBAC lists. Lists are served from the API server's watch cache
//! (`resourceVersion=0`, as informers do). Secrets are parsed without their values: only key
//! names and metadata are kept, and nothing here ever prints a value.
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

use clap::Args;
use comfy_table::Cell;
use futures::StreamExt;
use kube::api::ListParams;
use kube::core::Request;
use serde::Deserialize;
use serde_json::Value;

use crate::client::{Action, Connection, KubeFlags, is_forbidden, is_not_found};
use crate::core::findings::{
    self, Finding, ProjectContext, ProjectSecret, RawSecret, RawSecretList, SecretInfo,
    SecretState, Secrets, Server, Summary,
};
use crate::core::mcpserver;
use crate::core::rbac::{self as access, NamespaceAccess, Question};
use crate::error::{Error, Outcome, Result};
use crate::render::table::{self as report, Severity};
use crate::render::{self as output, Format};

/// Requests in flight at once (Secret reads, access reviews).
pub const CONCURRENCY: usize = 16;

/// `--fail-on`: the lowest severity that makes the exit code 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Never,
}

impl FailOn {
    fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Never => None,
        }
    }
}

#[derive(Debug, Clone, Args)]
#[command(after_help = "Examples:
  # Check the Secret references of the MCPServers in the current namespace, and who can read them
  kubectl kmcp audit

  # Every namespace, as JSON for CI; fail on warnings too (unreadable or unmanaged Secrets)
  kubectl kmcp audit -A -o json --fail-on warning

  # Only who can read the Secrets of the servers in staging
  kubectl kmcp audit -n staging --access

  # Also check the keys .env.example requires and kmcp.yaml's namespaces
  kubectl kmcp audit -n staging -d ./weather-tool")]
pub struct AuditArgs {
    /// Audit MCPServers in all namespaces
    #[arg(short = 'A', long = "all-namespaces")]
    pub all_namespaces: bool,
    /// Label selector for the MCPServers (e.g. app.kubernetes.io/part-of=kmcp)
    #[arg(short = 'l', long = "selector")]
    pub selector: Option<String>,
    /// Output format: table, wide, json or yaml
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Format::Table)]
    pub output: Format,
    /// Exit 1 when a finding is at or above this severity
    #[arg(long = "fail-on", value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Show only who can read the referenced Secrets (the table's access section; the checks
    /// and the exit code stay the same)
    #[arg(long)]
    pub access: bool,
    /// The project directory, for the required keys of .env.example and kmcp.yaml's namespaces
    #[arg(short = 'd', long = "project-dir", value_name = "DIR")]
    pub project_dir: Option<std::path::PathBuf>,
}

/// The JSON/YAML document. Field names are a contract with CI pipelines.
#[derive(Debug, serde::Serialize)]
pub struct AuditReport {
    pub references: Vec<Finding>,
    pub access: Vec<NamespaceAccess>,
    pub summary: Summary,
}

pub async fn run(global: &KubeFlags, args: AuditArgs) -> Result<Outcome> {
    let format = args.output.require(
        &[Format::Table, Format::Wide, Format::Json, Format::Yaml],
        "kubectl kmcp audit",
    )?;
    let project = match &args.project_dir {
        Some(dir) => project_context(dir)?,
        None => ProjectContext::default(),
    };
    let conn = global.connect().await?;
    let scope = (!args.all_namespaces).then(|| conn.namespace.clone());
    let progress = Progress::new();

    progress.say("listing MCPServers");
    let servers = list_servers(&conn, scope.as_deref(), args.selector.as_deref()).await?;

    // What to read: per namespace, the Secret names referenced there, plus kmcp.yaml's Secrets
    // in their environments' namespaces (for the namespace-mismatch check).
    let mut wanted: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for s in &servers {
        for r in &s.references {
            wanted
                .entry(s.namespace.clone())
                .or_default()
                .insert(r.secret.clone());
        }
    }
    let access_namespaces: Vec<String> = wanted.keys().cloned().collect();
    let referenced: BTreeSet<String> = wanted.values().flatten().cloned().collect();
    for p in &project.secrets {
        if let Some(ns) = &p.namespace
            && referenced.contains(&p.secret)
        {
            wanted
                .entry(ns.clone())
                .or_default()
                .insert(p.secret.clone());
        }
    }

    let as_flags = as_flags(global);
    let (secrets, access) = tokio::join!(
        read_secrets(&conn, &wanted, &referenced, &as_flags, &progress),
        namespace_access(&conn, &access_namespaces, scope.is_none()),
    );
    progress.clear();
    let secrets = secrets?;
    let access = access?;

    let references = findings::evaluate(&servers, &secrets, &project);
    let summary = Summary::of(&servers, &references);
    let failed = findings::fails(&references, args.fail_on.threshold());
    let report = AuditReport {
        references,
        access,
        summary,
    };
    match format {
        Format::Json | Format::Yaml => output::print_data(format, &report)?,
        _ => {
            if servers.is_empty() {
                eprintln!("{}", no_servers(scope.as_deref(), args.selector.as_deref()));
            }
            print!(
                "{}",
                render_table(&report, format == Format::Wide, args.access)
            );
        }
    }
    Ok(if failed {
        Outcome::Findings
    } else {
        Outcome::Success
    })
}

fn no_servers(scope: Option<&str>, selector: Option<&str>) -> String {
    let sel = selector
        .map(|s| format!(" matching {s:?}"))
        .unwrap_or_default();
    match scope {
        Some(ns) => format!("No MCPServers{sel} found in namespace {ns:?}."),
        None => format!("No MCPServers{sel} found in any namespace."),
    }
}

/// `.env.example`'s required keys and kmcp.yaml's Kubernetes environments, from `-d DIR`.
fn project_context(dir: &std::path::Path) -> Result<ProjectContext> {
    if !dir.is_dir() {
        return Err(Error::Usage(format!(
            "--project-dir {}: no such directory; pass the folder that holds kmcp.yaml or .env.example",
            dir.display()
        )));
    }
    let example =
        crate::core::envfile::load_example(dir).map_err(|e| Error::Failed(e.to_string()))?;
    let manifest = dir.join(crate::core::project::FILE_NAME);
    let project = if manifest.is_file() {
        let p = crate::core::project::Project::load(&manifest)?;
        p.print_warnings();
        Some(p)
    } else {
        None
    };
    if example.is_none() && project.is_none() {
        return Err(Error::Usage(format!(
            "--project-dir {}: neither kmcp.yaml nor .env.example is there; pass the project's folder",
            dir.display()
        )));
    }
    let secrets = project
        .iter()
        .flat_map(|p| p.environments.iter())
        .filter(|e| e.enabled && e.provider == crate::core::project::Provider::Kubernetes)
        .filter_map(|e| {
            Some(ProjectSecret {
                environment: e.name.clone(),
                secret: e.secret_name.clone()?,
                namespace: e.namespace.clone(),
            })
        })
        .collect();
    Ok(ProjectContext {
        required: example
            .as_ref()
            .map(|e| e.required.clone())
            .unwrap_or_default(),
        example_path: example.map(|e| e.path.display().to_string()),
        secrets,
    })
}

/// `--as`/`--as-group` for the `kubectl auth can-i` lines, so that they ask about the same user.
fn as_flags(global: &KubeFlags) -> String {
    let mut out = String::new();
    if let Some(user) = &global.as_user {
        out.push_str(&format!(" --as {user}"));
    }
    for g in &global.as_group {
        out.push_str(&format!(" --as-group {g}"));
    }
    out
}

/// The list parameters of every list here: served from the watch cache.
fn cached() -> ListParams {
    ListParams::default().match_any()
}

#[derive(Deserialize)]
struct ServerList {
    items: Vec<Value>,
}

/// One list of MCPServers for the scope, reduced to where each is and what it references.
async fn list_servers(
    conn: &Connection,
    namespace: Option<&str>,
    selector: Option<&str>,
) -> Result<Vec<Server>> {
    let path = match namespace {
        Some(ns) => format!(
            "/apis/{}/{}/namespaces/{ns}/{}",
            mcpserver::GROUP,
            mcpserver::VERSION,
            mcpserver::PLURAL
        ),
        None => format!(
            "/apis/{}/{}/{}",
            mcpserver::GROUP,
            mcpserver::VERSION,
            mcpserver::PLURAL
        ),
    };
    let mut lp = cached();
    if let Some(sel) = selector {
        lp = lp.labels(sel);
    }
    let request = Request::new(path)
        .list(&lp)
        .map_err(|e| Error::Usage(format!("invalid --selector: {e}")))?;
    let action = Action::new("list", mcpserver::CRD_NAME, namespace);
    let text = match raw(conn, &action, conn.client.request_text(request)).await? {
        Ok(text) => text,
        Err(e) if is_not_found(&e) => {
            return Err(Error::Failed(format!(
                "the MCPServer API ({}) is not installed on {}: install kmcp's CRDs first (see `kubectl get crd {}`)",
                mcpserver::CRD_NAME,
                conn.server,
                mcpserver::CRD_NAME
            )));
        }
        Err(e) => return Err(conn.explain(e, &action)),
    };
    let list: ServerList = serde_json::from_str(&text).map_err(|e| {
        Error::Failed(format!(
            "the API server's list of MCPServers is not valid JSON: {e}"
        ))
    })?;
    drop(text);
    let mut servers: Vec<Server> = list.items.iter().map(Server::from_json).collect();
    servers.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    Ok(servers)
}

// --- Secrets, read without their values ---------------------------------------------------

/// Runs one request under `--request-timeout`, handing back the kube error itself so that an
/// expected answer (403, 404) can be told apart from a failure.
async fn raw<T, F>(
    conn: &Connection,
    action: &Action<'_>,
    fut: F,
) -> Result<std::result::Result<T, kube::Error>>
where
    F: std::future::Future<Output = std::result::Result<T, kube::Error>>,
{
    match conn.timeout {
        Some(t) => tokio::time::timeout(t, fut).await.map_err(|_| {
            Error::Api(format!(
                "the API server at {} did not answer within {t:?} (--request-timeout) while trying to {} {}",
                conn.server, action.verb, action.resource
            ))
        }),
        None => Ok(fut.await),
    }
}

fn parse_error(what: &str, e: serde_json::Error) -> Error {
    // The error names a line/column and what was expected, never the text it read.
    Error::Failed(format!(
        "the API server's answer for {what} could not be read (line {}, column {}): {:?}",
        e.line(),
        e.column(),
        e.classify()
    ))
}

enum Listed {
    /// Every Secret of the namespace that the audit cares about.
    All(Vec<(String, SecretInfo)>),
    Forbidden,
}

async fn list_namespace_secrets(
    conn: &Connection,
    ns: &str,
    keep: &BTreeSet<String>,
) -> Result<Listed> {
    let request = Request::new(format!("/api/v1/namespaces/{ns}/secrets"))
        .list(&cached())
        .map_err(|e| Error::Failed(e.to_string()))?;
    let action = Action::new("list", "secrets", Some(ns));
    let text = match raw(conn, &action, conn.client.request_text(request)).await? {
        Ok(text) => text,
        Err(e) if is_forbidden(&e) => return Ok(Listed::Forbidden),
        Err(e) => return Err(conn.explain(e, &action)),
    };
    let list: RawSecretList = serde_json::from_str(&text)
        .map_err(|e| parse_error(&format!("the Secrets of namespace {ns}"), e))?;
    drop(text);
    Ok(Listed::All(
        list.items
            .into_iter()
            .filter(|s| keep.contains(&s.metadata.name))
            .map(|s| (s.metadata.name.clone(), s.info()))
            .collect(),
    ))
}

async fn get_secret(
    conn: &Connection,
    as_flags: &str,
    ns: &str,
    name: &str,
) -> Result<SecretState> {
    let request = Request::new(format!("/api/v1/namespaces/{ns}/secrets"))
        .get(name, &Default::default())
        .map_err(|e| Error::Failed(e.to_string()))?;
    let action = Action::new("get", "secrets", Some(ns)).named(name);
    match raw(conn, &action, conn.client.request_text(request)).await? {
        Ok(text) => {
            let s: RawSecret = serde_json::from_str(&text)
                .map_err(|e| parse_error(&format!("Secret {name} in namespace {ns}"), e))?;
            Ok(SecretState::Present(s.info()))
        }
        Err(e) if is_not_found(&e) => Ok(SecretState::Absent),
        Err(e) if is_forbidden(&e) => Ok(SecretState::Forbidden {
            check: format!("{}{as_flags}", action.can_i_command(conn)),
        }),
        Err(e) => Err(conn.explain(e, &action)),
    }
}

/// Reads each wanted Secret at most once: one list per namespace where allowed, else one get
/// per name; at most [`CONCURRENCY`] requests at a time. Never lists Secrets cluster-wide.
async fn read_secrets(
    conn: &Connection,
    wanted: &BTreeMap<String, BTreeSet<String>>,
    referenced: &BTreeSet<String>,
    as_flags: &str,
    progress: &Progress,
) -> Result<Secrets> {
    let total = wanted.len();
    let done = AtomicUsize::new(0);
    progress.say(&format!("reading Secrets: 0/{total} namespaces"));
    let listed: Vec<(String, Result<Listed>)> = futures::stream::iter(wanted.keys().map(|ns| {
        let done = &done;
        async move {
            let r = list_namespace_secrets(conn, ns, referenced).await;
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            progress.say(&format!("reading Secrets: {n}/{total} namespaces"));
            (ns.clone(), r)
        }
    }))
    .buffer_unordered(CONCURRENCY)
    .collect()
    .await;
    let mut secrets = Secrets::default();
    let mut gets: Vec<(&str, &str)> = Vec::new();
    for (ns, result) in listed {
        let names = &wanted[&ns];
        match result? {
            Listed::All(found) => {
                let found: BTreeMap<String, SecretInfo> = found.into_iter().collect();
                for (name, info) in &found {
                    secrets.insert(&ns, name, SecretState::Present(info.clone()));
                }
                for name in names {
                    if !found.contains_key(name) {
                        secrets.insert(&ns, name, SecretState::Absent);
                    }
                }
            }
            Listed::Forbidden => {
                let (ns, _) = wanted.get_key_value(&ns).expect("a wanted namespace");
                gets.extend(names.iter().map(|n| (ns.as_str(), n.as_str())));
            }
        }
    }
    if !gets.is_empty() {
        let total = gets.len();
        let done = AtomicUsize::new(0);
        let got: Vec<(&str, &str, Result<SecretState>)> =
            futures::stream::iter(gets.into_iter().map(|(ns, name)| {
                let done = &done;
                async move {
                    let r = get_secret(conn, as_flags, ns, name).await;
                    let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                    progress.say(&format!("reading Secrets one by one: {n}/{total}"));
                    (ns, name, r)
                }
            }))
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        for (ns, name, state) in got {
            secrets.insert(ns, name, state?);
        }
    }
    Ok(secrets)
}

// --- Access ---------------------------------------------------------------------------------

/// Per namespace: may the current user get/list Secrets (SelfSubjectAccessReview), and who can
/// read them by RBAC when the RBAC objects are readable.
async fn namespace_access(
    conn: &Connection,
    namespaces: &[String],
    all: bool,
) -> Result<Vec<NamespaceAccess>> {
    if namespaces.is_empty() {
        return Ok(Vec::new());
    }
    let questions: Vec<Question> = namespaces
        .iter()
        .flat_map(|ns| {
            ["get", "list"]
                .into_iter()
                .map(move |verb| Question::new(verb, "", "secrets", Some(ns)))
        })
        .collect();
    let reviews = futures::stream::iter(questions.iter().map(|q| access::can_i(conn, q)))
        .buffered(CONCURRENCY)
        .collect::<Vec<_>>();
    // With -A and many namespaces, one list of Roles/RoleBindings across namespaces is fewer
    // requests than one per namespace.
    let across = all && namespaces.len() > 1;
    let (answers, rbac) = tokio::join!(reviews, access::fetch_rbac(conn, namespaces, across));
    let answers: Vec<access::Answer> = answers.into_iter().collect::<Result<_>>()?;
    let rbac = rbac?;
    Ok(namespaces
        .iter()
        .enumerate()
        .map(|(i, ns)| {
            let (subjects, note) = match &rbac {
                Ok(rbac) => (access::who_can_read_secrets(rbac, ns), None),
                Err(why) => (
                    Vec::new(),
                    Some(format!(
                        "RBAC objects are not readable ({why}): showing only your own rights"
                    )),
                ),
            };
            NamespaceAccess {
                namespace: ns.clone(),
                user: conn.user.clone(),
                can_get: answers[2 * i].allowed,
                can_list: answers[2 * i + 1].allowed,
                rbac_readable: rbac.is_ok(),
                subjects,
                note,
            }
        })
        .collect())
}

// --- Rendering -----------------------------------------------------------------------------

/// The table output: the references, a summary line, the access section (or only the access
/// section with `--access`), then what to do about each problem.
pub fn render_table(report: &AuditReport, wide: bool, access_only: bool) -> String {
    let mut out = String::new();
    if !access_only {
        let mut headers = vec!["namespace", "server", "via", "secret", "key", "status"];
        if wide {
            headers.extend(["manager", "last change", "message"]);
        }
        let mut t = report::table(headers);
        for f in &report.references {
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
        if !report.references.is_empty() {
            out.push_str(&report::render(&t));
        }
        out.push_str(&summary_line(&report.summary));
        out.push('\n');
    }
    if !report.access.is_empty() {
        if !access_only {
            out.push_str("\nWho can read these Secrets:\n");
        }
        let mut t = report::table(["namespace", "subject", "verbs", "via"]);
        let mut notes = Vec::new();
        for a in &report.access {
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
        out.push_str(&report::render(&t));
        for n in notes {
            out.push_str(&n);
            out.push('\n');
        }
    }
    if !access_only {
        let problems: Vec<&Finding> = report
            .references
            .iter()
            .filter(|f| f.severity != Severity::Ok)
            .collect();
        if !problems.is_empty() && !wide {
            out.push('\n');
            let color = output::stdout_color();
            for f in problems {
                let (label, code) = match f.severity {
                    Severity::Error => ("error", "31"),
                    _ => ("warning", "33"),
                };
                out.push_str(&format!(
                    "{}: {}/{} {}: {}\n",
                    output::paint(label, code, color),
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

fn status_cell(f: &Finding) -> Cell {
    // The status text, coloured by severity (an unmanaged Secret is `ok` in yellow).
    let color = match f.severity {
        Severity::Ok => comfy_table::Color::Green,
        Severity::Warning => comfy_table::Color::Yellow,
        Severity::Error => comfy_table::Color::Red,
    };
    Cell::new(f.status.as_str()).fg(color)
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

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

// --- Progress ------------------------------------------------------------------------------

/// A one-line progress indicator on stderr, only when stderr is a terminal.
struct Progress {
    enabled: bool,
}

impl Progress {
    fn new() -> Self {
        Progress {
            enabled: output::stderr_is_terminal(),
        }
    }

    fn say(&self, text: &str) {
        if self.enabled {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K{text}");
            let _ = err.flush();
        }
    }

    fn clear(&self) {
        if self.enabled {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}
