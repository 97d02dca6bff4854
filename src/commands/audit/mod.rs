//! `kubectl kmcp audit`: every Secret reference of every MCPServer, checked, and who can read them.
//!
//! Requests do not grow with the number of servers: one list of MCPServers for the scope,
//! decoded as a stream; while it streams in, per namespace that holds referenced Secrets one
//! metadata-only list of Secret names (or, where listing is forbidden, one get per referenced
//! name), one get per referenced Secret that exists, and the access questions, at most
//! [`CONCURRENCY`] at a time (see `reads`); the RBAC lists start with the list. Lists are served
//! from the API server's watch cache (`resourceVersion=0`, as informers do). Secrets are parsed
//! without their values: only key names and metadata are kept, and nothing here ever prints a
//! value.
use crate::cli::{AuditArgs, KubeFlags};
use crate::client::{Connection, access};
use crate::core::findings::{
    self, ProjectContext, ProjectSecret, Secrets, Server, Summary, issues,
};
use crate::core::project::{self, Project, Provider};
use crate::core::{envfile, sarif};
use crate::error::{Error, Outcome, Result};
use crate::render::audit::{self, AuditResult, ServerRow};
use crate::render::progress::Progress;
use crate::render::{self, Format};

mod fetch;
mod reads;

/// Requests in flight at once (Secret reads, access reviews).
pub const CONCURRENCY: usize = 16;

/// Lists the servers, reads their Secrets and the access to them, evaluates every reference and
/// prints the result; exit 1 per `--fail-on`. With several contexts (`--context` repeated,
/// `--all-contexts`) each cluster is audited concurrently, and one that fails is a finding.
pub async fn run(global: &KubeFlags, args: AuditArgs) -> Result<Outcome> {
    let format = args.output;
    let project = match &args.project_dir {
        Some(dir) => project_context(dir)?,
        None => ProjectContext::default(),
    };
    let contexts = if args.all_contexts {
        global.context_names()?
    } else {
        global.contexts.clone()
    };
    let fleet = args.all_contexts || contexts.len() > 1;
    let progress = Progress::new();
    let (mut result, pending) = if fleet {
        let runs = futures::future::join_all(contexts.iter().map(|ctx| {
            let mut flags = global.clone();
            flags.context = Some(ctx.clone());
            flags.contexts = vec![ctx.clone()];
            let (args, project, progress) = (&args, &project, &progress);
            async move {
                let run = async {
                    let conn = flags.connect().await?;
                    let gathered = audit_cluster(&conn, args, project, progress, true).await?;
                    Ok::<_, Error>(gathered.evaluated(project))
                };
                (ctx, run.await)
            }
        }))
        .await;
        let mut all = AuditResult {
            fleet: true,
            ..AuditResult::default()
        };
        for (ctx, run) in runs {
            match run {
                Ok(one) => all.merge(one),
                Err(e) => {
                    let issue = issues::unreachable(ctx, &e.to_string());
                    all.summary.errors += 1;
                    all.summary.findings += 1;
                    all.findings.push(issue);
                }
            }
        }
        (all, None)
    } else {
        let conn = global.connect().await?;
        let gathered = audit_cluster(&conn, &args, &project, &progress, false).await?;
        // One cluster's JSON or YAML is evaluated while it is written (`stream_document`).
        if matches!(format, Format::Json | Format::Yaml) {
            (gathered.result, Some(gathered.pending))
        } else {
            (gathered.evaluated(&project), None)
        }
    };
    progress.clear();
    result.show_system = args.show_system;
    result.all_namespaces = args.all_namespaces;
    for note in &result.notes {
        render::diagnostic(&format!("warning: {note}"));
    }
    match (format, pending) {
        (Format::Json | Format::Yaml, Some(pending)) => {
            let summary = stream_document(&result, pending, format, &project)?;
            result.summary = summary;
        }
        (Format::Json | Format::Yaml, _) => write_document(format, &result)?,
        (Format::Sarif, _) => {
            let project_uri = args
                .project_dir
                .as_ref()
                .filter(|_| project.manifest.is_some())
                .and_then(|d| std::fs::canonicalize(d).ok())
                .map(|d| format!("file://{}/", d.display()));
            let meta = sarif::Meta {
                tool_version: env!("CARGO_PKG_VERSION"),
                project_uri,
                project: &project,
            };
            render::write_json(&sarif::Log {
                findings: &result.references,
                issues: &result.findings,
                meta: &meta,
            })?;
        }
        _ => {
            if !fleet && result.summary.servers == 0 {
                let selector = args.selector.as_deref();
                render::diagnostic(&audit::no_servers(result.scope.as_deref(), selector));
            }
            let opts = audit::TableOptions {
                wide: format == Format::Wide,
                access_only: args.access,
                show_headers: !args.no_headers,
                width: render::text::stdout_width(),
                color: render::palette::stdout_color(),
            };
            render::write_stdout(|out| audit::write_table(out, &result, &opts))?;
        }
    }
    let failing = result.summary.failing(args.fail_on.threshold());
    let outcome = if failing > 0 {
        render::diagnostic(&audit::exit_reason(
            &result.summary,
            args.fail_on.name(),
            failing,
            args.access,
        ));
        Outcome::Findings
    } else {
        Outcome::Success
    };
    // The process ends with this command: its memory goes back at once, while freeing the
    // findings one string at a time would take longer than printing them (tens of
    // milliseconds for 20,000 servers).
    std::mem::forget(result);
    Ok(outcome)
}

/// The JSON or YAML document (`-o json`, `-o yaml`) on stdout.
fn write_document(format: Format, doc: &impl serde::Serialize) -> Result<()> {
    match format {
        Format::Yaml => render::write_stdout(|out| {
            serde_saphyr::to_io_writer(out, doc).map_err(std::io::Error::other)
        }),
        _ => render::write_json(doc),
    }
}

/// Findings per chunk handed from the evaluating thread to the writing one.
const CHUNK: usize = 1024;

/// One cluster's JSON or YAML document, written while its references are evaluated: a thread
/// evaluates them a chunk at a time while this one writes each chunk (20,000 servers: about
/// 40 ms of each, which then overlap). Returns the summary with the references counted. The
/// findings are not freed, as the table's are not (see `run`): freeing 60,000 of them, on either
/// thread, took longer than the overlap saved.
fn stream_document(
    result: &AuditResult,
    pending: Pending,
    format: Format,
    project: &ProjectContext,
) -> Result<Summary> {
    let Pending {
        servers,
        secrets,
        context,
    } = pending;
    /// A chunk of findings, written and then left to the end of the process.
    struct Kept(std::mem::ManuallyDrop<Vec<findings::Finding>>);
    impl AsRef<[findings::Finding]> for Kept {
        fn as_ref(&self) -> &[findings::Finding] {
            &self.0
        }
    }
    let (chunks, arriving) = std::sync::mpsc::sync_channel::<Kept>(4);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut chunk = Vec::with_capacity(CHUNK);
            // The writer stops only on an error, which it reports.
            let send = |chunk| {
                let _ = chunks.send(Kept(std::mem::ManuallyDrop::new(chunk)));
            };
            findings::evaluate_each(servers, &secrets, project, |mut f| {
                f.context = context.clone();
                chunk.push(f);
                if chunk.len() == CHUNK {
                    send(std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK)));
                }
            });
            send(chunk);
        });
        let doc = audit::Streamed::new(result, arriving.into_iter());
        write_document(format, &doc)?;
        Ok(doc.summary())
    })
}

/// One cluster's audit: its MCPServers and RemoteMCPServers, their ServiceAccounts' image pull
/// Secrets, the referenced Secrets (without values) and who can read them, ready to evaluate.
async fn audit_cluster(
    conn: &Connection,
    args: &AuditArgs,
    project: &ProjectContext,
    progress: &Progress,
    fleet: bool,
) -> Result<Gathered> {
    let scope = (!args.all_namespaces).then(|| conn.namespace.clone());
    let selector = args.selector.as_deref();
    let mut notes = Vec::new();
    progress.say("listing MCPServers");
    // The Secret reads and access questions start as the servers stream in, the RBAC lists at
    // once: everything after the list overlaps it (see docs/audit.md, "Requests").
    let (seen, arriving) = tokio::sync::mpsc::unbounded_channel();
    let lists = async {
        let (servers, remotes) = tokio::join!(
            fetch::list_servers(conn, scope.as_deref(), selector, seen.clone()),
            fetch::list_remote_servers(conn, scope.as_deref(), selector, &mut notes, seen),
        );
        servers.and_then(|mut s| {
            s.extend(remotes?);
            Ok(s)
        })
    };
    let (servers, read, rbac) = tokio::join!(
        lists,
        reads::run(conn, arriving, scope.is_none(), project, progress),
        fetch::rbac_of_scope(conn, scope.as_deref()),
    );
    let mut servers = servers?;
    let read = read?;
    let mut rbac = rbac?;
    // -A with one namespace of referenced Secrets: its own Roles when the list across
    // namespaces was refused.
    if scope.is_none() && rbac.is_err() && read.access.len() == 1 {
        let namespaces: Vec<String> = read.access.keys().cloned().collect();
        rbac = access::fetch_rbac(conn, &namespaces, false).await?;
    }
    notes.extend(read.notes);
    for s in servers.iter_mut() {
        if let Some(sa) = &s.service_account
            && let Some(names) = read
                .service_accounts
                .get(&(s.namespace.clone(), sa.clone()))
        {
            s.add_service_account_pull_secrets(names);
        }
    }
    let secrets = read.secrets;
    let names_listed = read.names_listed;
    let mut access = fetch::namespace_access(conn, &read.access, &rbac);
    drop(rbac);
    for a in &mut access {
        a.read_with = Some(if names_listed.contains(&a.namespace) {
            "list secrets (names only, no data), then get of each referenced Secret that exists"
                .to_string()
        } else {
            "get of each referenced Secret (list secrets is not allowed)".to_string()
        });
    }

    // What the table and the summary need of the servers, then the servers go as their
    // findings are made (see `evaluate_owned`).
    let mut found = issues::plaintext(&servers);
    found.extend(issues::effective_readers(&access, &read.referenced));
    let bare = servers
        .iter()
        .filter(|s| s.references.is_empty())
        .map(|s| ServerRow {
            context: conn.context.clone(),
            namespace: s.namespace.clone(),
            kind: s.kind,
            name: s.name.clone(),
        })
        .collect();
    for f in &mut found {
        f.context = conn.context.clone();
    }
    let summary = Summary::of(&servers, &[], &found);
    let result = AuditResult {
        findings: found,
        access,
        summary,
        bare,
        notes: notes
            .into_iter()
            .map(|n| match &conn.context {
                Some(c) if fleet => format!("context {c}: {n}"),
                _ => n,
            })
            .collect(),
        scope,
        ..AuditResult::default()
    };
    Ok(Gathered {
        result,
        pending: Pending {
            servers,
            secrets,
            context: conn.context.clone(),
        },
    })
}

/// One cluster's audit before its references are evaluated: everything but the references,
/// and the servers and Secrets they are evaluated from.
struct Gathered {
    /// `references` empty, and the summary without their severities.
    result: AuditResult,
    pending: Pending,
}

/// What one cluster's references are evaluated from.
struct Pending {
    servers: Vec<Server>,
    secrets: Secrets,
    /// The context, for each finding.
    context: Option<String>,
}

impl Gathered {
    /// Evaluates the references (for the table, SARIF and a fleet's merge, which need them all).
    fn evaluated(self, project: &ProjectContext) -> AuditResult {
        let Gathered {
            mut result,
            pending:
                Pending {
                    servers,
                    secrets,
                    context,
                },
        } = self;
        let mut references = findings::evaluate_owned(servers, &secrets, project);
        drop(secrets);
        for f in &mut references {
            f.context = context.clone();
            result.summary.count(f.severity);
        }
        result.references = references;
        result
    }
}

/// `.env.example`'s required keys and kmcp.yaml's Kubernetes environments, from `-d DIR`.
fn project_context(dir: &std::path::Path) -> Result<ProjectContext> {
    if !dir.is_dir() {
        return Err(Error::Failed(format!(
            "--project-dir {}: no such directory; pass the folder that holds kmcp.yaml or .env.example",
            dir.display()
        )));
    }
    let example = envfile::load_example(dir).map_err(|e| Error::Failed(e.to_string()))?;
    let manifest = dir.join(project::FILE_NAME);
    let project = if manifest.is_file() {
        let p = Project::load(&manifest)?;
        render::print_project_warnings(&p);
        Some(p)
    } else {
        None
    };
    if example.is_none() && project.is_none() {
        return Err(Error::Failed(format!(
            "--project-dir {}: neither kmcp.yaml nor .env.example is there; pass the project's folder",
            dir.display()
        )));
    }
    let secrets = project
        .iter()
        .flat_map(|p| p.environments.iter())
        .filter(|e| e.enabled && e.provider == Provider::Kubernetes)
        .filter_map(|e| {
            Some(ProjectSecret {
                environment: e.name.clone(),
                secret: e.secret_name.clone()?,
                namespace: e.namespace.clone(),
                line: e.line,
            })
        })
        .collect();
    Ok(ProjectContext {
        manifest: manifest.is_file().then(|| project::FILE_NAME.to_string()),
        required: example
            .as_ref()
            .map(|e| e.required.clone())
            .unwrap_or_default(),
        example_path: example.map(|e| e.path.display().to_string()),
        secrets,
    })
}
