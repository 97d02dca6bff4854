//! `kubectl kmcp deploy`: an MCPServer wired to the environment's Secret, checked before it lands.
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::{Namespace, Secret};
use kube::api::{Api, ListParams, Patch, PatchParams};

use super::cluster_checks;
use crate::cli::{DeployArgs, DryRun, KubeFlags};
use crate::client::{Action, Connection, access};
use crate::core::deploy_plan::{self, Inputs, Plan};
use crate::core::envfile;
use crate::core::mcpserver::{self, MCPServer, MCPServerStatus};
use crate::core::project::{Environment, Project, Provider, check_dns_label};
use crate::core::rbac::Question;
use crate::core::secret_plan::MANAGER;
use crate::core::{CheckStatus, Source};
use crate::error::{ApiError, Error, Outcome, Result};
use crate::render::progress::Progress;
use crate::render::{self, Format, checks, print_data};

/// Where the MCPServer goes and what it references, resolved from kmcp.yaml and the flags.
struct Target {
    namespace: String,
    /// The environment, when `--environment` names one.
    environment: Option<Environment>,
    /// The environment's Secret, when it is a kubernetes one.
    secret: Option<String>,
}

/// Plans the MCPServer, checks everything before writing (pre-flight), applies it server-side, and
/// waits with `--wait`.
pub async fn run(global: &KubeFlags, args: DeployArgs) -> Result<Outcome> {
    let format = args.output;
    let project = args.project.load_optional()?;
    if let Some(p) = &project {
        render::print_project_warnings(p);
    }
    let environment = match (&args.environment, &project) {
        (None, _) if args.no_secret => {
            if let Some(required) = project
                .as_ref()
                .and_then(|p| envfile::load_example(&p.dir).ok().flatten())
                .filter(|ex| !ex.required.is_empty())
            {
                render::diagnostic(&format!(
                    "warning: --no-secret: the server gets no Secret, though {} marks {} required",
                    required.path.display(),
                    required.required.join(", ")
                ));
            }
            None
        }
        (None, p) => Some(default_environment(p.as_ref())?),
        (Some(name), Some(p)) => Some(p.environment(name)?.clone()),
        (Some(name), None) => {
            return Err(Error::Failed(format!(
                "--environment {name} needs kmcp.yaml, and there is none in the current directory: run in the project folder or pass -d DIR / -f FILE"
            )));
        }
    };
    // The environment's cluster: its `context:` in kmcp.yaml unless --context says otherwise, as
    // `secrets sync` does, so that the server lands where its Secret was synced.
    let flags = match &environment {
        Some(env) => global.for_environment(env),
        None => global.clone(),
    };
    let global = &flags;
    // A missing kmcp.yaml is a failure (exit 1) in every command, as in `secrets sync`.
    if project.is_none() && args.name.is_none() {
        return Err(Error::Failed(
            "no kmcp.yaml here and no NAME: run in the project folder, pass -d DIR or -f FILE, or give NAME and --image".into(),
        ));
    }
    let secret = match (&environment, &project) {
        (Some(env), Some(p)) if env.provider == Provider::Kubernetes && env.enabled => {
            p.kubernetes_environment(&env.name)?.secret_name.clone()
        }
        (Some(env), _) => {
            render::diagnostic(&format!(
                "note: environment {:?} is {}: the server gets no Secret (secretRefs is empty)",
                env.name,
                if env.enabled {
                    format!("of provider {}", env.provider)
                } else {
                    "disabled".to_string()
                }
            ));
            None
        }
        _ => None,
    };
    let resolve_ns = |context_ns: Option<&str>| -> Result<String> {
        match (&environment, &project) {
            (Some(env), Some(p)) => Ok(p
                .namespace_for(env, global.namespace.as_deref(), context_ns)?
                .0),
            _ => {
                let ns = global
                    .namespace
                    .clone()
                    .or(context_ns.map(str::to_string))
                    .unwrap_or_else(|| "default".into());
                check_dns_label(&ns).map_err(|what| {
                    Error::Usage(format!(
                        "the namespace {ns:?} is not a valid {what}; nothing was sent"
                    ))
                })?;
                Ok(ns)
            }
        }
    };
    let all_args: Vec<String> = args
        .args
        .iter()
        .chain(&args.trailing_args)
        .cloned()
        .collect();
    let plan_for = |namespace: String| -> Result<Plan> {
        let plan = deploy_plan::build(&Inputs {
            name: args.name.as_deref(),
            project: project.as_ref(),
            namespace,
            image: args.image.as_deref(),
            transport: args.transport.as_deref(),
            port: args.port,
            command: args.command.as_deref(),
            args: &all_args,
            env: &args.env,
            secret: secret.as_deref(),
        })
        .map_err(Error::Usage)?;
        for note in &plan.notes {
            render::diagnostic(&format!("note: {note}"));
        }
        Ok(plan)
    };

    if args.dry_run == Some(DryRun::Client) {
        let view = global.kubeconfig_view();
        let namespace = resolve_ns(view.namespace.as_deref())?;
        let plan = plan_for(namespace)?;
        render::diagnostic(&format!(
            "dry run (client): the checks that need the cluster were skipped (MCPServer CRD, Secret{}, RBAC); nothing was applied",
            if plan.server.spec.deployment.secret_refs.is_empty() {
                ""
            } else {
                " and its required keys"
            }
        ));
        print_data(format.unwrap_or(Format::Yaml), &plan.server.to_manifest())?;
        return Ok(Outcome::Success);
    }

    let mut conn = global.connect().await?;
    let context_ns = (conn.namespace_source != Source::Flag).then_some(conn.namespace.as_str());
    let namespace = resolve_ns(context_ns)?;
    if let (Some(env), Some(p)) = (&environment, &project)
        && env.namespace.is_some()
    {
        conn.use_namespace(&namespace, Source::Project, Some(p.namespace_origin(env)));
    }
    let plan = plan_for(namespace.clone())?;
    let target = Target {
        namespace,
        environment,
        secret,
    };
    preflight(&conn, &args, project.as_ref(), &target).await?;

    let api: Api<MCPServer> = Api::namespaced(conn.client.clone(), &target.namespace);
    let resource = mcpserver::CRD_NAME;
    let name = plan.name.as_str();
    let before = conn
        .call(
            Action::new("get", resource, Some(&target.namespace)).named(name),
            api.get_opt(name),
        )
        .await?;
    // What server-side apply cannot remove (see `stale_fields`) is removed first, with a merge
    // patch; a server-side dry run cannot include it.
    if let Some(patch) = before.as_ref().and_then(|b| stale_fields(b, &plan.server))
        && args.dry_run.is_none()
    {
        conn.call(
            Action::new("patch", resource, Some(&target.namespace)).named(name),
            api.patch(name, &PatchParams::default(), &Patch::Merge(&patch)),
        )
        .await?;
    }
    let mut params = PatchParams::apply(MANAGER);
    if args.dry_run == Some(DryRun::Server) {
        params = params.dry_run();
    }
    let manifest = plan.server.to_manifest();
    let applied = conn
        .call(
            Action::new("patch", resource, Some(&target.namespace)).named(name),
            api.patch(name, &params, &Patch::Apply(&manifest)),
        )
        .await
        .map_err(|e| apply_error(e, resource, &target.namespace, name))?;
    let verb = match &before {
        None => "created",
        Some(b) if b.metadata.resource_version == applied.metadata.resource_version => "unchanged",
        Some(_) => "configured",
    };
    let id = format!("{resource}/{name}");
    if args.dry_run == Some(DryRun::Server) {
        render::diagnostic(&format!(
            "{id} would be {verb} in namespace {} (server dry run: every check passed, nothing was applied)",
            target.namespace
        ));
        print_data(format.unwrap_or(Format::Yaml), &clean(&applied))?;
        return Ok(Outcome::Success);
    }
    match format {
        Some(f) => {
            render::diagnostic(&format!("{id} {verb} in namespace {}", target.namespace));
            print_data(f, &clean(&applied))?;
        }
        None => println!("{id} {verb}"),
    }
    if args.wait {
        return wait_ready(&conn, &api, name, &target.namespace, args.wait_timeout()).await;
    }
    Ok(Outcome::Success)
}

/// The environment of a deploy without `--environment`: the only enabled `kubernetes` one of
/// kmcp.yaml (said on stderr); with none or several, an error that lists them and names the
/// opt-out `--no-secret`.
fn default_environment(project: Option<&Project>) -> Result<Environment> {
    // A missing kmcp.yaml is a failure (exit 1) in every command.
    let Some(project) = project else {
        return Err(Error::Failed(
            "no kmcp.yaml here, so no environment gives the server a Secret: run in the project folder (or pass -d DIR / -f FILE) with --environment ENV, or pass --no-secret to deploy without a Secret".into(),
        ));
    };
    let candidates: Vec<&Environment> = project
        .environments
        .iter()
        .filter(|e| e.provider == Provider::Kubernetes && e.enabled)
        .collect();
    match candidates.as_slice() {
        [one] => {
            render::diagnostic(&format!(
                "Using environment {} (the only enabled kubernetes environment in {}); pass --environment to choose another",
                one.name,
                project.path.display()
            ));
            Ok((*one).clone())
        }
        [] => Err(Error::Usage(format!(
            "{} has no enabled environment with `provider: kubernetes`, so the server would get no Secret; add one (and `kubectl kmcp secrets sync ENV`), or pass --no-secret to deploy without a Secret",
            project.path.display()
        ))),
        several => Err(Error::Usage(format!(
            "{} has {} enabled kubernetes environments ({}): choose one with --environment ENV, or pass --no-secret to deploy without a Secret",
            project.path.display(),
            several.len(),
            several
                .iter()
                .map(|e| e.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// A merge patch that removes what server-side apply cannot: the other transport's field when
/// the transport changes (an empty `stdioTransport: {}` has no field to own), and a map or list
/// that kubectl-kmcp applied and now wants empty (`env`, `args`, `secretRefs`: dropping its last
/// entry leaves a `null` the schema refuses). `None` when nothing is stale.
fn stale_fields(live: &MCPServer, desired: &MCPServer) -> Option<serde_json::Value> {
    let mut spec = serde_json::Map::new();
    if live.spec.stdio_transport.is_some() && desired.spec.stdio_transport.is_none() {
        spec.insert("stdioTransport".into(), serde_json::Value::Null);
    }
    if live.spec.http_transport.is_some() && desired.spec.http_transport.is_none() {
        spec.insert("httpTransport".into(), serde_json::Value::Null);
    }
    let (l, d) = (&live.spec.deployment, &desired.spec.deployment);
    let mut deployment = serde_json::Map::new();
    for (field, live_set, desired_empty) in [
        ("env", !l.env.is_empty(), d.env.is_empty()),
        ("args", !l.args.is_empty(), d.args.is_empty()),
        (
            "secretRefs",
            !l.secret_refs.is_empty(),
            d.secret_refs.is_empty(),
        ),
    ] {
        if live_set && desired_empty && applied_by_us(live, &["spec", "deployment", field]) {
            deployment.insert(field.into(), serde_json::Value::Null);
        }
    }
    if !deployment.is_empty() {
        spec.insert("deployment".into(), deployment.into());
    }
    (!spec.is_empty()).then(|| serde_json::json!({ "spec": spec }))
}

/// Whether kubectl-kmcp's server-side apply owns the field at `path` (from managedFields).
fn applied_by_us(live: &MCPServer, path: &[&str]) -> bool {
    live.metadata
        .managed_fields
        .iter()
        .flatten()
        .filter(|m| {
            m.manager.as_deref() == Some(MANAGER) && m.operation.as_deref() == Some("Apply")
        })
        .filter_map(|m| m.fields_v1.as_ref())
        .any(|f| {
            path.iter()
                .try_fold(&f.0, |v, key| v.get(format!("f:{key}")))
                .is_some()
        })
}

/// The object as printed: with apiVersion/kind, without managedFields.
fn clean(server: &MCPServer) -> serde_json::Value {
    let mut server = server.clone();
    server.metadata.managed_fields = None;
    server.to_manifest()
}

/// A failed server-side apply: a conflict (409) names the other field manager's fields, which
/// the server's message lists; any other failure is already explained.
fn apply_error(err: Error, resource: &str, namespace: &str, name: &str) -> Error {
    match err {
        Error::Api(ApiError {
            status: Some(409),
            server_message,
            ..
        }) => Error::Refused(format!(
            "{resource}/{name} in namespace {namespace:?} has fields owned by another field manager ({server_message}); nothing was changed: change them with the tool that owns them, or remove that tool's ownership (`kubectl apply --server-side --force-conflicts --field-manager {MANAGER}`) if kubectl-kmcp should own them"
        )),
        other => other,
    }
}

/// Every pre-flight check that needs the cluster; all failures are reported together and
/// nothing is written when one fails.
async fn preflight(
    conn: &Connection,
    args: &DeployArgs,
    project: Option<&Project>,
    target: &Target,
) -> Result<()> {
    let ns = target.namespace.as_str();
    let mut failures: Vec<String> = Vec::new();

    // 1. The CRD, through discovery (every authenticated user may read it).
    let api_version = format!("{}/{}", mcpserver::GROUP, mcpserver::VERSION);
    let discovery = conn
        .call(
            Action::new("get", "apis", None).named(&api_version),
            conn.client.list_api_group_resources(&api_version),
        )
        .await;
    let installed = match discovery {
        Ok(list) => list.resources.iter().any(|r| r.name == mcpserver::PLURAL),
        Err(Error::Api(e)) if e.is_not_found() => false,
        Err(e) => return Err(e),
    };
    if !installed {
        failures.push(format!(
            "the MCPServer CRD ({}, {api_version}) is not installed on {}: install kmcp's CRDs with `helm install kmcp-crds oci://ghcr.io/kagent-dev/kmcp/helm/kmcp-crds --namespace kmcp-system --create-namespace` and the controller with `kmcp install`",
            mcpserver::CRD_NAME,
            conn.server
        ));
    }

    // 2. The environment's Secret and the required keys of .env.example.
    if let (Some(secret), Some(env)) = (&target.secret, &target.environment) {
        let sync = sync_command(args, &env.name);
        let secrets: Api<Secret> = Api::namespaced(conn.client.clone(), ns);
        let action = Action::new("get", "secrets", Some(ns)).named(secret);
        match conn.call(action.clone(), secrets.get(secret)).await {
            Ok(live) => {
                if let Some(project) = project {
                    match envfile::load_example(&project.dir) {
                        Ok(Some(example)) => {
                            let keys = live.data.as_ref().into_iter().flat_map(|d| d.keys());
                            let missing = example.missing_required(keys.map(String::as_str));
                            if !missing.is_empty() {
                                let fix = missing_keys_fix(project, env, &missing, &sync);
                                failures.push(format!(
                                    "Secret {secret:?} in namespace {ns:?} lacks the required key{} {} of {}: {fix}",
                                    if missing.len() == 1 { "" } else { "s" },
                                    missing.join(", "),
                                    example.path.display(),
                                ));
                            }
                        }
                        Ok(None) => {}
                        Err(e) => failures.push(format!(
                            "{e}; fix .env.example so that its required keys can be checked"
                        )),
                    }
                }
            }
            Err(Error::Api(e)) if e.is_not_found() && namespace_is_missing(conn, ns).await => {
                failures.push(format!(
                    "namespace {ns:?} does not exist on {}: create it with `kubectl create namespace {ns}`, then the Secret with `{sync}`",
                    conn.server
                ));
            }
            Err(Error::Api(e)) if e.is_not_found() => {
                let elsewhere = other_namespaces(conn, secret, ns).await;
                let hint = match elsewhere {
                    Some(list) if !list.is_empty() => {
                        let mut shown: Vec<String> =
                            list.iter().take(5).map(|n| format!("{n:?}")).collect();
                        if list.len() > 5 {
                            shown.push(format!("and {} more", list.len() - 5));
                        }
                        format!(
                            " (a Secret of that name exists in namespace{} {}, but a secretRefs entry can only name a Secret in the server's own namespace)",
                            if list.len() == 1 { "" } else { "s" },
                            shown.join(", ")
                        )
                    }
                    Some(_) => " (nor in any other namespace)".to_string(),
                    None => String::new(),
                };
                failures.push(format!(
                    "Secret {secret:?} of environment {:?} not found in namespace {ns:?}{hint}: create it with `{sync}`",
                    env.name
                ));
            }
            Err(Error::Api(e)) if e.is_forbidden() => {
                render::diagnostic(&format!(
                    "warning: cannot read Secret {secret:?} in namespace {ns:?} (forbidden): whether it exists and has the required keys was not checked; check with `{}`",
                    action.can_i_command(conn)
                ));
            }
            Err(e) => return Err(e),
        }
    }

    // 3. RBAC: create and patch MCPServers here (server-side apply needs both).
    let questions = [
        Question::new("create", mcpserver::GROUP, mcpserver::PLURAL, Some(ns)),
        Question::new("patch", mcpserver::GROUP, mcpserver::PLURAL, Some(ns)),
    ];
    let answers = access::can_i_all(conn, &questions).await?;
    for a in answers.iter().filter(|a| !a.allowed) {
        let user = conn.user.as_deref().unwrap_or("the current user");
        failures.push(format!(
            "user {user:?} cannot {} {} in namespace {ns:?}, which deploy needs: check with `{}` and ask a cluster admin for a Role that allows create and patch on {}",
            a.question.verb,
            mcpserver::CRD_NAME,
            access::can_i_command(conn, &a.question),
            mcpserver::CRD_NAME
        ));
    }

    if failures.is_empty() {
        return Ok(());
    }
    let list: String = failures.iter().map(|f| format!("\n  - {f}")).collect();
    Err(Error::Refused(format!(
        "pre-flight check{} failed, nothing was applied:{list}",
        if failures.len() == 1 { "" } else { "s" }
    )))
}

/// Whether `ns` is known not to exist (false when that cannot be read: most users may not get
/// namespaces).
async fn namespace_is_missing(conn: &Connection, ns: &str) -> bool {
    let namespaces: Api<Namespace> = Api::all(conn.client.clone());
    let action = Action::new("get", "namespaces", None).named(ns);
    matches!(conn.call(action, namespaces.get_opt(ns)).await, Ok(None))
}

/// The namespaces other than `ns` that hold a Secret named `name`; `None` when the user may not
/// list Secrets across namespaces (only metadata is fetched: no value leaves the server).
async fn other_namespaces(conn: &Connection, name: &str, ns: &str) -> Option<Vec<String>> {
    let all: Api<Secret> = Api::all(conn.client.clone());
    let lp = ListParams::default().fields(&format!("metadata.name={name}"));
    let action = Action::new("list", "secrets", None);
    let list = conn.call(action, all.list_metadata(&lp)).await.ok()?;
    Some(
        list.items
            .into_iter()
            .filter_map(|s| s.metadata.namespace)
            .filter(|n| n != ns)
            .collect(),
    )
}

/// How to put `missing` keys into the environment's Secret: a sync when its env file has them
/// (deleted in the cluster, or not synced yet), else add them to the env file first.
fn missing_keys_fix(
    project: &Project,
    env: &Environment,
    missing: &[String],
    sync: &str,
) -> String {
    let them = if missing.len() == 1 { "it" } else { "them" };
    let file = envfile::env_file_candidates(project, env)
        .into_iter()
        .find(|p| p.is_file())
        .and_then(|p| envfile::load(&p).ok());
    match file {
        Some(file) if missing.iter().all(|k| file.keys().any(|f| f == k)) => format!(
            "{} has {}: run `{sync}` to write {them} back",
            file.path.display(),
            missing.join(", ")
        ),
        Some(file) => format!("add {them} to {} and run `{sync}`", file.path.display()),
        None => format!("add {them} to the environment's env file and run `{sync}`"),
    }
}

/// The exact `secrets sync` command that creates the environment's Secret.
fn sync_command(args: &DeployArgs, env: &str) -> String {
    let mut cmd = format!("kubectl kmcp secrets sync {env}");
    if let Some(dir) = &args.project.project_dir {
        cmd.push_str(&format!(" -d {}", dir.display()));
    }
    if let Some(file) = &args.project.file {
        cmd.push_str(&format!(" -f {}", file.display()));
    }
    cmd
}

/// Where the server stands: the first condition of the controller's sequence that is not
/// `True`, with its reason.
fn progress(status: Option<&MCPServerStatus>) -> String {
    let Some(status) = status.filter(|s| !s.conditions.is_empty()) else {
        return "no conditions yet (is the kmcp controller running?)".into();
    };
    let reported = mcpserver::CONDITIONS
        .iter()
        .filter_map(|t| status.condition(t))
        .find(|c| c.status != "True")
        .map(|c| {
            let reason = c.reason.as_deref().map(|r| format!(" ({r})"));
            format!("{}={}{}", c.type_, c.status, reason.unwrap_or_default())
        });
    let missing = || {
        mcpserver::CONDITIONS
            .iter()
            .find(|t| status.condition(t).is_none())
            .map(|t| format!("{t} not reported yet"))
    };
    reported
        .or_else(missing)
        .unwrap_or_else(|| "Ready=True for an older generation".into())
}

/// Whether the server is Ready for its current spec.
fn is_ready(server: &MCPServer) -> bool {
    let Some(status) = &server.status else {
        return false;
    };
    let current = match (status.observed_generation, server.metadata.generation) {
        (Some(seen), Some(generation)) => seen >= generation,
        _ => true,
    };
    status.is_ready() && current
}

/// `--wait`: polls the MCPServer until `Ready=True`; a spinner on a terminal, one line per change
/// of state otherwise; on timeout what `troubleshoot` finds (conditions, Secrets, pods), exit 1.
async fn wait_ready(
    conn: &Connection,
    api: &Api<MCPServer>,
    name: &str,
    ns: &str,
    timeout: Duration,
) -> Result<Outcome> {
    let resource = mcpserver::CRD_NAME;
    let start = Instant::now();
    let spinner = Progress::new();
    let terminal = spinner.enabled();
    let frames = ['|', '/', '-', '\\'];
    let mut tick = 0usize;
    let mut last = String::new();
    loop {
        let server = conn
            .call(
                Action::new("get", resource, Some(ns)).named(name),
                api.get(name),
            )
            .await?;
        if is_ready(&server) {
            spinner.clear();
            render::diagnostic(&format!(
                "{resource}/{name} is Ready ({}s)",
                start.elapsed().as_secs()
            ));
            return Ok(Outcome::Success);
        }
        let now = progress(server.status.as_ref());
        if terminal {
            spinner.say(&format!(
                "{} waiting for {resource}/{name} to be Ready: {now}",
                frames[tick % frames.len()]
            ));
            tick += 1;
        } else if now != last {
            eprintln!("waiting for {resource}/{name} to be Ready: {now}");
        }
        last = now;
        if start.elapsed() >= timeout {
            break;
        }
        let left = timeout.saturating_sub(start.elapsed());
        tokio::time::sleep(left.min(Duration::from_millis(500))).await;
    }
    if terminal {
        eprintln!();
    }
    render::diagnostic(&format!(
        "error: {resource}/{name} in namespace {ns:?} is not Ready after {:?} (--timeout)",
        timeout
    ));
    // troubleshoot's checks that found something: the conditions, the Secrets and keys the server
    // references, the rights, the pods and their events.
    let found: Vec<_> = cluster_checks::for_server(conn, name, ns)
        .await
        .into_iter()
        .filter(|c| matches!(c.status, CheckStatus::Warn | CheckStatus::Fail))
        .collect();
    eprint!(
        "{}",
        checks::render_table(&found, true, crate::render::text::stderr_width())
    );
    render::diagnostic(&format!(
        "run `kubectl kmcp troubleshoot {name} -n {ns}` for every check, or wait longer with --timeout"
    ));
    Ok(Outcome::Findings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{FieldsV1, ManagedFieldsEntry};
    use serde_json::json;

    fn server(v: serde_json::Value) -> MCPServer {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn stale_fields_remove_the_old_transport_and_emptied_fields_we_own() {
        let mut live = server(
            json!({"spec": {"deployment": {"env": {"A": "1"}, "args": ["x"]},
            "transportType": "http", "httpTransport": {"targetPort": 3000}}}),
        );
        let desired = server(json!({"spec": {"deployment": {}, "transportType": "stdio",
            "stdioTransport": {}}}));
        // Not applied by us: env and args are someone else's and stay.
        assert_eq!(
            stale_fields(&live, &desired),
            Some(json!({"spec": {"httpTransport": null}}))
        );
        live.metadata.managed_fields = Some(vec![ManagedFieldsEntry {
            manager: Some(MANAGER.into()),
            operation: Some("Apply".into()),
            fields_v1: Some(FieldsV1(
                json!({"f:spec": {"f:deployment": {"f:env": {"f:A": {}}}}}),
            )),
            ..Default::default()
        }]);
        assert_eq!(
            stale_fields(&live, &desired),
            Some(json!({"spec": {"httpTransport": null, "deployment": {"env": null}}}))
        );
        assert_eq!(stale_fields(&desired, &desired), None);
    }

    #[test]
    fn progress_names_the_first_condition_that_is_not_true() {
        assert!(progress(None).contains("no conditions yet"));
        let s: MCPServerStatus = serde_json::from_value(json!({"conditions": [
            {"type": "Accepted", "status": "True"},
            {"type": "Ready", "status": "False", "reason": "PodsNotReady"},
        ]}))
        .unwrap();
        assert_eq!(progress(Some(&s)), "Ready=False (PodsNotReady)");
        let s: MCPServerStatus = serde_json::from_value(json!({"conditions": [
            {"type": "Accepted", "status": "True"},
        ]}))
        .unwrap();
        assert_eq!(progress(Some(&s)), "ResolvedRefs not reported yet");
    }

    #[test]
    fn ready_only_for_the_current_generation() {
        let ready =
            json!({"conditions": [{"type": "Ready", "status": "True"}], "observedGeneration": 1});
        assert!(is_ready(&server(
            json!({"metadata": {"generation": 1}, "status": ready})
        )));
        assert!(!is_ready(&server(
            json!({"metadata": {"generation": 2}, "status": ready})
        )));
        assert!(!is_ready(&server(json!({"metadata": {"generation": 1}}))));
    }
}
