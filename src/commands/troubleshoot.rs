//! `kubectl kmcp troubleshoot [SERVER]`: every check in order, each result explained with its fix.
//!
//! The shell: resolve the server, namespace and environment; fetch what the checks need
//! (concurrently where independent); hand it to `diagnosis::diagnose`; render. Secret values are
//! turned into per-key hashes as soon as they are read and never kept.
use std::collections::BTreeMap;

use clap::Args;
use comfy_table::Cell;
use futures::future::join_all;
use k8s_openapi::api::core::v1::{Event, Pod, Secret};
use kube::api::{Api, DynamicObject, ListParams};
use serde::Serialize;
use serde_json::Value;

use crate::access::{Question, can_i_all};
use crate::client::{Action, Connection, KubeFlags, Source, is_forbidden, is_not_found};
use crate::diagnosis::{
    self, AccessFacts, Check, ContextFacts, EnvFileFacts, EnvironmentFacts, ExampleFacts, Facts,
    Fetch, KeyHashes, SecretFacts,
};
use crate::envfile;
use crate::error::{Error, Outcome, Result};
use crate::mcpserver;
use crate::output::{self, Format};
use crate::project::{Environment, Project, ProjectArgs};
use crate::report;
use crate::secret_plan::{self, HASH_ANNOTATION};

#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Examples:
  # Check the server of the project in the current directory (kmcp.yaml's name)
  kubectl kmcp troubleshoot

  # Check weather-server as kmcp.yaml's environment staging sets it up
  kubectl kmcp troubleshoot weather-server --environment staging

  # Check a server in a namespace, as JSON for a script
  kubectl kmcp troubleshoot -n staging my-server -o json

Checks, in order: context, crd, mcpserver, namespace, secret, keys, drift, can-i, pods.
Exit status: 0 when no check fails, 1 when one does. No Secret value is ever printed.")]
pub struct TroubleshootArgs {
    /// The MCPServer to check (default: kmcp.yaml's `name`)
    // Its own id: `server` is the global `--server` flag's.
    #[arg(id = "server_name", value_name = "SERVER")]
    pub server: Option<String>,
    /// The kmcp.yaml environment (its namespace, Secret and env file)
    #[arg(long)]
    pub environment: Option<String>,
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Output format: table, json or yaml
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Format::Table)]
    pub output: Format,
}

/// `-o json|yaml`: `{"server", "namespace", "checks": [{"id", "status", "detail", "hint"}]}`.
#[derive(Debug, Serialize)]
pub struct Report<'a> {
    pub server: &'a str,
    pub namespace: &'a str,
    pub checks: &'a [Check],
}

pub async fn run(global: &KubeFlags, args: TroubleshootArgs) -> Result<Outcome> {
    let format = args
        .output
        .require(&[Format::Table, Format::Json, Format::Yaml], "troubleshoot")?;
    let project = args.project.load_optional()?;
    if let Some(p) = &project {
        p.print_warnings();
    }
    let environment: Option<Environment> = match (&args.environment, &project) {
        (Some(name), Some(p)) => Some(p.kubernetes_environment(name)?.clone()),
        (Some(name), None) => {
            return Err(Error::Usage(format!(
                "--environment {name} needs kmcp.yaml, and there is none in the current directory; point at the project with -d DIR or -f path/to/kmcp.yaml"
            )));
        }
        (None, _) => None,
    };
    let server = match (&args.server, &project) {
        (Some(s), _) => s.clone(),
        (None, Some(p)) => server_name(&p.name).ok_or_else(|| {
            Error::Usage(format!(
                "kmcp.yaml's name {:?} ({}) gives no valid MCPServer name; pass SERVER, e.g. `kubectl kmcp troubleshoot my-server`",
                p.name,
                p.path.display()
            ))
        })?,
        (None, None) => {
            return Err(Error::Usage(
                "no SERVER given and no kmcp.yaml in the current directory: pass the MCPServer's name (`kubectl kmcp troubleshoot my-server`), or point at the project with -d DIR"
                    .into(),
            ));
        }
    };

    // The namespace: kmcp.yaml's for the environment (a differing -n is a finding of the
    // namespace check, not an error), else -n, else the context's, else `default`.
    let view = global.kubeconfig_view();
    let (namespace, namespace_source, flag_namespace) =
        match environment.as_ref().and_then(|e| e.namespace.clone()) {
            Some(ns) => {
                let flag = global.namespace.clone().filter(|f| *f != ns);
                (ns, Source::Project, flag)
            }
            None => {
                let (ns, src) = global.default_namespace(&view);
                (ns, src, None)
            }
        };
    let env_facts = match (&environment, &project) {
        (Some(env), Some(p)) => Some(EnvironmentFacts {
            name: env.name.clone(),
            namespace: env.namespace.clone(),
            secret_name: env.secret_name.clone().unwrap_or_default(),
            path: p.path.display().to_string(),
            line: env.line,
        }),
        _ => None,
    };
    let project_flags = match (&args.project.file, &args.project.project_dir) {
        (Some(f), _) => format!(" -f {}", f.display()),
        (None, Some(d)) => format!(" -d {}", d.display()),
        _ => String::new(),
    };

    let mut facts = Facts {
        server: server.clone(),
        namespace: namespace.clone(),
        namespace_source,
        flag_namespace,
        environment: env_facts,
        project_flags,
        ..Facts::default()
    };
    if let (Some(p), Some(env)) = (&project, &environment) {
        read_env_file(&mut facts, p, env);
    }
    // .env.example describes the project's own server: not another SERVER named on the command
    // line from inside the project directory.
    let own_server = project
        .as_ref()
        .is_some_and(|p| server_name(&p.name).as_deref() == Some(server.as_str()));
    if let Some(p) = project
        .as_ref()
        .filter(|_| own_server || environment.is_some())
    {
        facts.example = match envfile::load_example(&p.dir) {
            Ok(Some(ex)) => Some(Ok(ExampleFacts {
                path: ex.path.display().to_string(),
                required: ex.required,
            })),
            Ok(None) => None,
            Err(e) => Some(Err(e.to_string())),
        };
    }

    let context_source = if global.context.is_some() {
        Source::Flag
    } else {
        Source::Kubeconfig
    };
    let user_source = if global.as_user.is_some() || global.user.is_some() {
        Source::Flag
    } else {
        Source::Kubeconfig
    };
    match global.connect().await {
        Err(Error::Usage(msg)) => return Err(Error::Usage(msg)),
        Err(e) => {
            facts.context = ContextFacts {
                context: view.context.clone(),
                context_source,
                user: global.as_user.clone().or_else(|| global.user.clone()),
                user_source,
                api_server: global.server.clone().unwrap_or_default(),
                reachable: Err(e.to_string()),
                check_command: cluster_info(view.context.as_deref()),
            };
        }
        Ok(conn) => {
            facts.context = ContextFacts {
                context: conn.context.clone(),
                context_source,
                user: conn.user.clone(),
                user_source,
                api_server: conn.server.clone(),
                reachable: Ok(String::new()),
                check_command: cluster_info(conn.context.as_deref()),
            };
            let version = conn
                .call(
                    Action::new("get", "version", None),
                    conn.client.apiserver_version(),
                )
                .await;
            match version {
                Ok(info) => {
                    facts.context.reachable = Ok(info.git_version);
                    fetch(&conn, &mut facts).await;
                }
                Err(e) => facts.context.reachable = Err(e.to_string()),
            }
        }
    }

    let checks = diagnosis::diagnose(&facts);
    match format {
        Format::Json | Format::Yaml => output::print_data(
            format,
            &Report {
                server: &server,
                namespace: &namespace,
                checks: &checks,
            },
        )?,
        _ => print!("{}", render_table(&checks)),
    }
    Ok(if diagnosis::any_failed(&checks) {
        Outcome::Findings
    } else {
        Outcome::Success
    })
}

/// kmcp.yaml's name made an MCPServer name exactly the way `deploy` makes it.
fn server_name(name: &str) -> Option<String> {
    let out = crate::deploy_plan::sanitize_name(name);
    (!out.is_empty()).then_some(out)
}

fn cluster_info(context: Option<&str>) -> String {
    match context {
        Some(c) => format!("kubectl --context {c} cluster-info"),
        None => "kubectl cluster-info".into(),
    }
}

/// The checks as a kubectl-style table: check, result, detail, fix.
pub fn render_table(checks: &[Check]) -> String {
    let mut t = report::table(["check", "result", "detail", "fix"]);
    for c in checks {
        t.add_row(vec![
            Cell::new(c.id),
            report::status_cell(c.status),
            Cell::new(&c.detail),
            Cell::new(&c.hint),
        ]);
    }
    report::render(&t)
}

/// The environment's env file as key hashes; its values are dropped here.
fn read_env_file(facts: &mut Facts, project: &Project, env: &Environment) {
    facts.env_file_candidates = envfile::env_file_candidates(project, env)
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let Some(path) = envfile::default_env_file(project, env) else {
        return;
    };
    facts.env_file = Some(match envfile::load(&path) {
        Ok(file) => {
            let data: BTreeMap<String, Vec<u8>> = file
                .entries
                .into_iter()
                .map(|e| (e.key, e.value.into_bytes()))
                .collect();
            Ok(EnvFileFacts {
                path: path.display().to_string(),
                data: KeyHashes::from_data(&data),
            })
        }
        Err(e) => Err(e.to_string()),
    });
}

/// A read's outcome: `Forbidden` with the `kubectl auth can-i` line, other errors explained.
fn fetch_result<T>(
    conn: &Connection,
    res: std::result::Result<T, kube::Error>,
    action: Action<'_>,
) -> Fetch<T> {
    match res {
        Ok(t) => Fetch::Got(t),
        Err(e) if is_forbidden(&e) => Fetch::Forbidden(action.can_i_command(conn)),
        Err(e) => Fetch::Failed(conn.explain(e, &action).to_string()),
    }
}

/// Runs `fut` under --request-timeout; a timeout becomes a `kube::Error`-free failure line.
async fn timed<T>(
    conn: &Connection,
    fut: impl std::future::Future<Output = std::result::Result<T, kube::Error>>,
) -> std::result::Result<std::result::Result<T, kube::Error>, String> {
    match conn.timeout {
        Some(t) => tokio::time::timeout(t, fut).await.map_err(|_| {
            format!(
                "the API server at {} did not answer within {t:?} (--request-timeout)",
                conn.server
            )
        }),
        None => Ok(fut.await),
    }
}

async fn get_fetch<T>(
    conn: &Connection,
    action: Action<'_>,
    fut: impl std::future::Future<Output = std::result::Result<T, kube::Error>>,
) -> Fetch<T> {
    match timed(conn, fut).await {
        Ok(res) => fetch_result(conn, res, action),
        Err(why) => Fetch::Failed(why),
    }
}

/// The checks of one MCPServer from what the cluster holds (no project, no env file): what
/// `deploy --wait` reports when the server does not become Ready.
pub async fn cluster_checks(conn: &Connection, server: &str, namespace: &str) -> Vec<Check> {
    let mut facts = Facts {
        server: server.to_string(),
        namespace: namespace.to_string(),
        namespace_source: Source::Flag,
        context: ContextFacts {
            context: conn.context.clone(),
            user: conn.user.clone(),
            api_server: conn.server.clone(),
            reachable: Ok(String::new()),
            check_command: cluster_info(conn.context.as_deref()),
            ..ContextFacts::default()
        },
        ..Facts::default()
    };
    fetch(conn, &mut facts).await;
    diagnosis::diagnose(&facts)
}

/// Everything after the connection check: CRD, server, access, pods; then Secrets and events.
async fn fetch(conn: &Connection, facts: &mut Facts) {
    let ns = facts.namespace.clone();
    let server = facts.server.clone();
    let client = conn.client.clone();
    let ar = mcpserver::api_resource();
    let servers: Api<DynamicObject> = Api::namespaced_with(client.clone(), &ns, &ar);
    let all_servers: Api<DynamicObject> = Api::all_with(client.clone(), &ar);
    let pods_api: Api<Pod> = Api::namespaced(client.clone(), &ns);
    let by_name = ListParams::default().fields(&format!("metadata.name={server}"));
    let selector = ListParams::default().labels(&mcpserver::pod_selector(&server));
    let group_version = format!("{}/{}", mcpserver::GROUP, mcpserver::VERSION);
    let questions: Vec<Question> = diagnosis::NEEDED_ACCESS
        .iter()
        .map(|(verb, group, resource)| Question::new(verb, group, resource, Some(&ns)))
        .collect();

    let crd_fut = async {
        match timed(conn, client.list_api_group_resources(&group_version)).await {
            Ok(Ok(list)) => Fetch::Got(list.resources.iter().any(|r| r.name == mcpserver::PLURAL)),
            Ok(Err(e)) if is_not_found(&e) => Fetch::Got(false),
            Ok(Err(e)) => fetch_result(
                conn,
                Err::<bool, _>(e),
                Action::new("get", mcpserver::CRD_NAME, None),
            ),
            Err(why) => Fetch::Failed(why),
        }
    };
    let server_fut = get_fetch(
        conn,
        Action::new("get", mcpserver::CRD_NAME, Some(&ns)).named(&server),
        servers.get_opt(&server),
    );
    let elsewhere_fut = get_fetch(
        conn,
        Action::new("list", mcpserver::CRD_NAME, None),
        all_servers.list_metadata(&by_name),
    );
    let access_fut = can_i_all(conn, &questions);
    let pods_fut = get_fetch(
        conn,
        Action::new("list", "pods", Some(&ns)),
        pods_api.list(&selector),
    );
    let (crd, server_obj, elsewhere, access, pods) =
        tokio::join!(crd_fut, server_fut, elsewhere_fut, access_fut, pods_fut);

    facts.crd = crd;
    facts.mcpserver = match server_obj {
        Fetch::Got(obj) => Fetch::Got(obj.map(|o| serde_json::to_value(o).unwrap_or(Value::Null))),
        Fetch::Forbidden(c) => Fetch::Forbidden(c),
        // Without the CRD the server answers 404 for the resource: the crd check says why.
        Fetch::Failed(why) => Fetch::Failed(why),
    };
    facts.server_elsewhere = match elsewhere {
        Fetch::Got(list) => Fetch::Got(
            list.items
                .into_iter()
                .filter_map(|m| m.metadata.namespace)
                .filter(|n| *n != ns)
                .collect(),
        ),
        Fetch::Forbidden(c) => Fetch::Forbidden(c),
        Fetch::Failed(w) => Fetch::Failed(w),
    };
    facts.access = match access {
        Ok(answers) => Fetch::Got(
            answers
                .iter()
                .map(|a| AccessFacts {
                    verb: a.question.verb.clone(),
                    resource: a.question.qualified_resource(),
                    allowed: a.allowed,
                    command: a.question.can_i_command(conn),
                })
                .collect(),
        ),
        Err(e) => Fetch::Failed(e.to_string()),
    };
    let pod_names: Vec<String> = match &pods {
        Fetch::Got(list) => list
            .items
            .iter()
            .map(|p| p.metadata.name.clone().unwrap_or_default())
            .collect(),
        _ => vec![],
    };
    facts.pods = pods.map(|list| list.items);

    // Secrets (names from the server and the environment) and events, concurrently.
    let server_value = facts.mcpserver.got().and_then(|s| s.as_ref());
    let wanted = diagnosis::wanted_secrets(server_value, facts.environment.as_ref());
    let secrets_api: Api<Secret> = Api::namespaced(client.clone(), &ns);
    let ns_ref: &str = &ns;
    let secret_futs = wanted.iter().map(|name| {
        let api = secrets_api.clone();
        let ns = ns_ref;
        async move {
            let fetched = get_fetch(
                conn,
                Action::new("get", "secrets", Some(ns)).named(name),
                api.get_opt(name),
            )
            .await;
            let facts = match fetched {
                Fetch::Got(Some(secret)) => Fetch::Got(Some(secret_facts(&secret))),
                Fetch::Got(None) => Fetch::Got(None),
                Fetch::Forbidden(c) => Fetch::Forbidden(c),
                Fetch::Failed(w) => Fetch::Failed(w),
            };
            let elsewhere = if matches!(facts, Fetch::Got(None)) {
                secret_namespaces(conn, name, ns).await
            } else {
                vec![]
            };
            (name.clone(), facts, elsewhere)
        }
    });
    let events_api: Api<Event> = Api::namespaced(client.clone(), &ns);
    let event_futs = pod_names
        .into_iter()
        .chain(std::iter::once(server.clone()))
        .map(|name| {
            let api = events_api.clone();
            async move {
                let lp = ListParams::default().fields(&format!("involvedObject.name={name}"));
                match timed(conn, api.list(&lp)).await {
                    Ok(Ok(list)) => list.items,
                    // Events only add detail; `can-i` reports a missing `list events`.
                    _ => Vec::<Event>::new(),
                }
            }
        });
    let (secrets, events) = tokio::join!(join_all(secret_futs), join_all(event_futs));
    for (name, fetched, elsewhere) in secrets {
        if !elsewhere.is_empty() {
            facts.secrets_elsewhere.insert(name.clone(), elsewhere);
        }
        facts.secrets.insert(name, fetched);
    }
    facts.events = events.into_iter().flatten().collect();
}

/// Key names, per-key hashes, the content hash and the hash annotation of a Secret: its values
/// go no further than this function.
fn secret_facts(secret: &Secret) -> SecretFacts {
    let data = secret_plan::live_data(secret);
    SecretFacts {
        data: KeyHashes::from_data(&data),
        annotation: secret
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(HASH_ANNOTATION).cloned()),
    }
}

/// The other namespaces that hold a Secret of that name (metadata only; empty when the user may
/// not list Secrets across namespaces).
async fn secret_namespaces(conn: &Connection, name: &str, ns: &str) -> Vec<String> {
    let api: Api<Secret> = Api::all(conn.client.clone());
    let lp = ListParams::default().fields(&format!("metadata.name={name}"));
    match timed(conn, api.list_metadata(&lp)).await {
        Ok(Ok(list)) => list
            .items
            .into_iter()
            .filter_map(|m| m.metadata.namespace)
            .filter(|n| n != ns)
            .collect(),
        _ => vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_server_name_is_a_dns_label() {
        assert_eq!(
            server_name("Weather_Server").as_deref(),
            Some("weather-server")
        );
        assert_eq!(server_name("my.server--1").as_deref(), Some("my-server-1"));
        assert_eq!(server_name("__"), None);
    }

    #[test]
    fn table_has_the_four_columns() {
        let checks = vec![Check {
            id: "secret",
            status: crate::report::CheckStatus::Fail,
            detail: "Secret x not found".into(),
            hint: "create it".into(),
        }];
        let text = render_table(&checks);
        let first = text.lines().next().unwrap();
        assert!(first.starts_with("CHECK"), "{text}");
        for h in ["RESULT", "DETAIL", "FIX"] {
            assert!(first.contains(h), "{text}");
        }
        assert!(text.contains("fail"));
    }
}
