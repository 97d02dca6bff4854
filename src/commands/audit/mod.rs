//! `kubectl kmcp audit`: every Secret reference of every MCPServer, checked, and who can read them.
//!
//! Requests do not grow with the number of servers: one list of MCPServers for the scope, then
//! per namespace that holds referenced Secrets one list of its Secrets (or, where listing is
//! forbidden, one get per referenced name), at most [`CONCURRENCY`] at a time, plus the access
//! questions and RBAC lists. Lists are served from the API server's watch cache
//! (`resourceVersion=0`, as informers do). Secrets are parsed without their values: only key
//! names and metadata are kept, and nothing here ever prints a value.
use crate::cli::{AuditArgs, KubeFlags};
use crate::core::envfile;
use crate::core::findings::{self, ProjectContext, ProjectSecret, Summary};
use crate::core::project::{self, Project, Provider};
use crate::error::{Error, Outcome, Result};
use crate::render::audit::{self, AuditResult};
use crate::render::progress::Progress;
use crate::render::{self, Format};

mod fetch;

/// Requests in flight at once (Secret reads, access reviews).
pub const CONCURRENCY: usize = 16;

/// Lists the servers, reads their Secrets and the access to them, evaluates every reference and
/// prints the result; exit 1 per `--fail-on`.
pub async fn run(global: &KubeFlags, args: AuditArgs) -> Result<Outcome> {
    let format = args.output;
    let project = match &args.project_dir {
        Some(dir) => project_context(dir)?,
        None => ProjectContext::default(),
    };
    let conn = global.connect().await?;
    let scope = (!args.all_namespaces).then(|| conn.namespace.clone());
    let progress = Progress::new();

    progress.say("listing MCPServers");
    let servers = fetch::list_servers(&conn, scope.as_deref(), args.selector.as_deref()).await?;

    let to_read = findings::secrets_to_read(&servers, &project);
    let (secrets, access) = tokio::join!(
        fetch::read_secrets(&conn, &to_read.wanted, &to_read.referenced, &progress),
        fetch::namespace_access(&conn, &to_read.access_namespaces, scope.is_none()),
    );
    progress.clear();
    let secrets = secrets?;
    let access = access?;

    let references = findings::evaluate(&servers, &secrets, &project);
    let summary = Summary::of(&servers, &references);
    let failed = findings::fails(&references, args.fail_on.threshold());
    let result = AuditResult {
        references,
        access,
        summary,
    };
    match format {
        Format::Json | Format::Yaml => render::print_data(format, &result)?,
        _ => {
            if servers.is_empty() {
                let selector = args.selector.as_deref();
                eprintln!("{}", audit::no_servers(scope.as_deref(), selector));
            }
            let wide = format == Format::Wide;
            print!(
                "{}",
                audit::render_table(&result, wide, args.access, !args.no_headers)
            );
        }
    }
    Ok(if failed {
        Outcome::Findings
    } else {
        Outcome::Success
    })
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
