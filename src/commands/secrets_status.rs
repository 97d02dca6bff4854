//! `kubectl kmcp secrets status`: every environment of kmcp.yaml at a glance, each in its own
//! context, all environments at once. Per environment the Secret, the namespace's MCPServers
//! and its pods are asked for at the same time: one round trip. The state of each comes from
//! `core::secrets_status`. Exit 0 when every enabled environment is in sync, else 1.
use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Pod, Secret};
use kube::Api;
use kube::api::ListParams;
use kube::core::Request;
use serde_json::Value;

use crate::cli::{KubeFlags, StatusArgs};
use crate::client::{Action, Connection};
use crate::core::envfile;
use crate::core::mcpserver;
use crate::core::project::{Environment, Project};
use crate::core::secrets_status::{self, ClusterFacts, FileFacts, Reach, Row};
use crate::error::{ApiError, Error, Outcome, Result};
use crate::render::progress::Progress;
use crate::render::{self, Format};

pub async fn run(global: &KubeFlags, args: StatusArgs) -> Result<Outcome> {
    let format = args.output;
    let project = args.project.load()?;
    render::print_project_warnings(&project);
    if project.environments.is_empty() {
        return Err(Error::Refused(format!(
            "{}: no environments under `secrets`; nothing to show",
            project.path.display()
        )));
    }
    let required = envfile::load_example(&project.dir)
        .map_err(|e| Error::Refused(e.to_string()))?
        .map(|e| e.required)
        .unwrap_or_default();

    let progress = Progress::new();
    progress.say(&format!(
        "checking {} environments",
        project.environments.len()
    ));
    let rows: Vec<Row> = futures::future::join_all(
        project
            .environments
            .iter()
            .map(|env| environment(global, &project, env, &required)),
    )
    .await;
    progress.clear();

    match format {
        Format::Table | Format::Wide => {
            print!(
                "{}",
                render::status::render_table(&rows, format == Format::Wide, !args.no_headers)
            )
        }
        _ => render::print_data(format, &rows)?,
    }
    Ok(if rows.iter().all(|r| r.state.passes()) {
        Outcome::Success
    } else {
        Outcome::Findings
    })
}

/// The row of one environment; every failure becomes its state, never the command's error.
async fn environment(
    global: &KubeFlags,
    project: &Project,
    env: &Environment,
    required: &[String],
) -> Row {
    if let Some(row) = secrets_status::offline_row(env) {
        return row;
    }
    let file = file_facts(project, env);
    let flags = global.for_environment(env);
    let fallback_ns = env.namespace.clone().unwrap_or_else(|| "-".into());
    let conn = match flags.connect().await {
        Ok(c) => c,
        Err(e) => {
            let why = e.to_string();
            return secrets_status::evaluate(
                env,
                flags.context.clone(),
                fallback_ns,
                &file,
                required,
                Err(&why),
            );
        }
    };
    let context_ns = conn.context_namespace();
    let ns = match project.namespace_for(env, global.namespace.as_deref(), context_ns) {
        Ok((ns, _)) => ns,
        Err(e) => {
            let why = e.to_string();
            return secrets_status::evaluate(
                env,
                conn.context.clone(),
                fallback_ns,
                &file,
                required,
                Err(&why),
            );
        }
    };
    let facts = cluster_facts(&conn, &ns, env.secret_name.as_deref().unwrap_or_default()).await;
    secrets_status::evaluate(env, conn.context.clone(), ns, &file, required, Ok(&facts))
}

/// The env file sync would use (never `--from-file`: status is about the project's files).
fn file_facts(project: &Project, env: &Environment) -> FileFacts {
    let Some(path) = envfile::default_env_file(project, env) else {
        return FileFacts::Missing {
            tried: envfile::env_file_candidates(project, env)
                .iter()
                .map(|p| p.display().to_string())
                .collect(),
        };
    };
    match envfile::load(&path) {
        Ok(file) => FileFacts::Loaded {
            path: path.display().to_string(),
            data: file
                .entries
                .into_iter()
                .map(|e| (e.key, e.value.into_bytes()))
                .collect::<BTreeMap<_, _>>(),
        },
        Err(e) => FileFacts::Refused(e.to_string()),
    }
}

/// The Secret, the MCPServers and the pods of the namespace, asked for at the same time.
async fn cluster_facts(conn: &Connection, ns: &str, secret: &str) -> ClusterFacts {
    let secrets: Api<Secret> = Api::namespaced(conn.client.clone(), ns);
    let pods: Api<Pod> = Api::namespaced(conn.client.clone(), ns);
    let lp = ListParams::default().match_any();
    let (secret, servers, pods) = tokio::join!(
        conn.call(
            Action::new("get", "secrets", Some(ns)).named(secret),
            secrets.get_opt(secret),
        ),
        list_servers(conn, ns),
        conn.call(Action::new("list", "pods", Some(ns)), pods.list(&lp)),
    );
    ClusterFacts {
        secret: reach(secret),
        servers: match servers {
            // No MCPServer API on this cluster: no server, so no stale pod.
            Err(Error::Api(e)) if e.is_not_found() => Reach::Got(Vec::new()),
            other => reach(other),
        },
        pods: reach(pods.map(|l| l.items)),
    }
}

/// The MCPServers of the namespace, as JSON objects (what `mcpserver::references` reads).
async fn list_servers(conn: &Connection, ns: &str) -> Result<Vec<Value>> {
    let path = format!(
        "/apis/{}/{}/namespaces/{ns}/{}",
        mcpserver::GROUP,
        mcpserver::VERSION,
        mcpserver::PLURAL
    );
    let request = Request::new(path)
        .list(&ListParams::default().match_any())
        .map_err(|e| Error::Failed(format!("cannot build the MCPServer list request: {e}")))?;
    let text = conn
        .call(
            Action::new("list", mcpserver::CRD_NAME, Some(ns)),
            conn.client.request_text(request),
        )
        .await?;
    let mut list: Value = serde_json::from_str(&text).map_err(|e| {
        Error::Failed(format!(
            "the API server's list of MCPServers is not valid JSON: {e}"
        ))
    })?;
    Ok(match list["items"].take() {
        Value::Array(items) => items,
        _ => Vec::new(),
    })
}

/// A request's result as the core's `Reach`: decided on the HTTP status, not on the text.
fn reach<T>(result: Result<T>) -> Reach<T> {
    match result {
        Ok(t) => Reach::Got(t),
        Err(Error::Api(ApiError {
            status: Some(403),
            message,
            ..
        })) => Reach::Forbidden(message),
        Err(Error::Api(ApiError {
            status: None,
            message,
            ..
        })) => Reach::Unreachable(message),
        Err(e) => Reach::Failed(e.to_string()),
    }
}
