//! `kubectl kmcp secrets sync <environment>`: sync an environment's .env file into its Secret.
//!
//! Data on stdout: the `--dry-run=client` manifest, the key/change table, the result line
//! (`secret/NAME configured`), what was restarted (or all of that as one JSON/YAML document with
//! `-o json|yaml`). Diagnostics on stderr: the env file used, the Secret and namespace, warnings,
//! notes, prompts, errors. No value is ever printed except in the `--dry-run=client` manifest.
use std::path::{Path, PathBuf};

use clap::Args;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Secret;
use kube::Api;
use kube::api::{DynamicObject, ListParams, Patch, PatchParams};
use serde::Serialize;

use crate::client::{Action, Connection, KubeFlags, Source};
use crate::core::envfile::{self, EnvFile};
use crate::core::mcpserver::{self, RefKind, SecretRef};
use crate::core::project::{Environment, Project, ProjectArgs};
use crate::core::secret_plan::{
    self, Change, Desired, Diff, HASH_ANNOTATION, LAST_APPLIED_ANNOTATION, MANAGER,
};
use crate::error::{Error, Outcome, Result};
use crate::render::{self as output, Format};

/// `--dry-run[=client|server]`, as kubectl spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DryRun {
    Client,
    Server,
}

#[derive(Debug, Clone, Args)]
#[command(after_help = "Examples:
  kubectl kmcp secrets sync staging
  kubectl kmcp secrets sync staging --from-file .env.staging --dry-run
  kubectl kmcp secrets sync production --dry-run=server
  kubectl kmcp secrets sync staging --yes --restart")]
pub struct SyncArgs {
    /// The environment in kmcp.yaml's `secrets` (e.g. staging)
    pub environment: String,
    /// The .env file to sync (default: the environment's `file`, else .env.<environment>, else .env)
    #[arg(long = "from-file", value_name = "FILE")]
    pub from_file: Option<PathBuf>,
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Print the Secret (client) or the diff against the cluster (server) without changing anything
    #[arg(long = "dry-run", value_enum, num_args = 0..=1, default_missing_value = "client", require_equals = true)]
    pub dry_run: Option<DryRun>,
    /// Output format: yaml or json (the --dry-run manifest; otherwise the result), or table
    #[arg(short = 'o', long = "output", value_enum)]
    pub output: Option<Format>,
    /// Do not ask for confirmation (required without a terminal to remove keys or write to production)
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Take over a Secret that another tool owns
    #[arg(long)]
    pub force: bool,
    /// Roll the MCPServers and Deployments that use the Secret after a change
    #[arg(long)]
    pub restart: bool,
}

/// What the command did, for `-o json|yaml`. Keys and change kinds only, never values.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    secret: String,
    namespace: String,
    environment: String,
    file: String,
    /// created, configured, unchanged
    result: &'static str,
    dry_run: Option<&'static str>,
    hash: String,
    changes: Vec<secret_plan::KeyChange>,
    restarted: Vec<String>,
}

pub async fn run(global: &KubeFlags, args: SyncArgs) -> Result<Outcome> {
    let client_dry_run = args.dry_run == Some(DryRun::Client);
    let format = match args.output {
        Some(f) => f.require(&[Format::Table, Format::Yaml, Format::Json], "secrets sync")?,
        None if client_dry_run => Format::Yaml,
        None => Format::Table,
    };
    if client_dry_run && format == Format::Table {
        return Err(Error::Usage(
            "--dry-run=client prints the Secret manifest: use -o yaml or -o json".into(),
        ));
    }
    if client_dry_run && args.restart {
        return Err(Error::Usage(
            "--restart cannot be combined with --dry-run: nothing is written, so nothing would be restarted".into(),
        ));
    }

    let project = args.project.load()?;
    project.print_warnings();
    let env = project.kubernetes_environment(&args.environment)?;
    let secret_name = env.secret_name.clone().unwrap_or_default();

    let path = resolve_env_file(&project, env, args.from_file.as_deref())?;
    eprintln!("Using env file {}", path.display());
    let file = envfile::load(&path).map_err(|e| match e {
        envfile::EnvFileError::Read { .. } => Error::Failed(e.to_string()),
        other => Error::Refused(other.to_string()),
    })?;
    for w in &file.warnings {
        eprintln!("warning: {w}");
    }
    check_example(&project, &file)?;
    // The size limit, before connecting: nothing is sent for a Secret the server would refuse.
    Desired::from_env_file(&file, &secret_name, "", &project.name, &env.name)
        .check_size()
        .map_err(|m| Error::Refused(format!("{}: {m}; nothing was sent", file.path.display())))?;

    // Namespace: kmcp.yaml's, else -n, else the context's, else default.
    let (namespace, conn) = if client_dry_run {
        let view = global.kubeconfig_view();
        let (ns, _) =
            project.namespace_for(env, global.namespace.as_deref(), view.namespace.as_deref())?;
        (ns, None)
    } else {
        let conn = global.connect().await?;
        let context_ns = matches!(
            conn.namespace_source,
            Source::Kubeconfig | Source::InCluster
        )
        .then_some(conn.namespace.as_str());
        let (ns, _) = project.namespace_for(env, global.namespace.as_deref(), context_ns)?;
        (ns, Some(conn))
    };
    let desired = Desired::from_env_file(&file, &secret_name, &namespace, &project.name, &env.name);

    let Some(conn) = conn else {
        eprintln!(
            "Secret {namespace}/{secret_name}: {} keys (dry run: nothing sent to any cluster)",
            desired.data.len()
        );
        output::print_data(format, &desired.manifest())?;
        return Ok(Outcome::Success);
    };

    let context = conn
        .context
        .as_deref()
        .map(|c| format!(" (context {c})"))
        .unwrap_or_default();
    eprintln!("Secret {secret_name} in namespace {namespace}{context}");
    sync(&conn, &args, env, &file, &desired, format).await
}

/// The env file: `--from-file` (relative: the current directory, then the project directory),
/// else the environment's `file`, else `.env.<env>`, else `.env`.
fn resolve_env_file(
    project: &Project,
    env: &Environment,
    from_file: Option<&Path>,
) -> Result<PathBuf> {
    if let Some(given) = from_file {
        let mut tried = vec![given.to_path_buf()];
        if given.is_relative() {
            let in_project = project.dir.join(given);
            if in_project != given {
                tried.push(in_project);
            }
        }
        return tried.iter().find(|p| p.is_file()).cloned().ok_or_else(|| {
            let list: Vec<String> = tried.iter().map(|p| p.display().to_string()).collect();
            Error::Refused(format!(
                "--from-file {}: no such file; tried {}",
                given.display(),
                list.join(" and ")
            ))
        });
    }
    let candidates = envfile::env_file_candidates(project, env);
    if let Some(found) = candidates.iter().find(|p| p.is_file()) {
        return Ok(found.clone());
    }
    if let Some(file) = &env.file {
        return Err(Error::Refused(format!(
            "{}:{}: environment {:?} sets `file: {file}`, but {} does not exist; create it, fix `file`, or pass --from-file FILE",
            project.path.display(),
            env.line,
            env.name,
            candidates[0].display()
        )));
    }
    let list: Vec<String> = candidates.iter().map(|p| p.display().to_string()).collect();
    Err(Error::Refused(format!(
        "no env file for environment {:?}: tried {}; create one, set `file:` under secrets.{} in {}, or pass --from-file FILE",
        env.name,
        list.join(" and "),
        env.name,
        project.path.display()
    )))
}

/// `.env.example`: keys it leaves empty must be in the file; missing optional keys are a note.
fn check_example(project: &Project, file: &EnvFile) -> Result<()> {
    let example = envfile::load_example(&project.dir).map_err(|e| Error::Refused(e.to_string()))?;
    let Some(example) = example else {
        return Ok(());
    };
    let missing = example.missing_required(file.keys());
    if !missing.is_empty() {
        return Err(Error::Refused(format!(
            "{}: missing required keys: {} ({} leaves them empty, which marks them required); add them to {}; nothing was sent",
            file.path.display(),
            missing.join(", "),
            example.path.display(),
            file.path.display()
        )));
    }
    let optional = example.missing_optional(file.keys());
    if !optional.is_empty() {
        eprintln!(
            "note: {} does not set the optional keys {} ({} gives them a value)",
            file.path.display(),
            optional.join(", "),
            example.path.display()
        );
    }
    Ok(())
}

async fn sync(
    conn: &Connection,
    args: &SyncArgs,
    env: &Environment,
    file: &EnvFile,
    desired: &Desired,
    format: Format,
) -> Result<Outcome> {
    let ns = desired.namespace.as_str();
    let name = desired.name.as_str();
    let api: Api<Secret> = Api::namespaced(conn.client.clone(), ns);
    let live = conn
        .call(
            Action::new("get", "secrets", Some(ns)).named(name),
            api.get_opt(name),
        )
        .await?;
    let live_data = live
        .as_ref()
        .map(secret_plan::live_data)
        .unwrap_or_default();
    let diff = Diff::between(&desired.data, &live_data);
    let drift = live
        .as_ref()
        .is_none_or(|l| secret_plan::metadata_drift(desired, l));
    let server_dry_run = args.dry_run == Some(DryRun::Server);
    let mut report = Report {
        secret: name.to_string(),
        namespace: ns.to_string(),
        environment: env.name.clone(),
        file: file.path.display().to_string(),
        result: "unchanged",
        dry_run: server_dry_run.then_some("server"),
        hash: desired.hash(),
        changes: diff.keys.clone(),
        restarted: Vec::new(),
    };

    if !diff.data_changes() && !drift {
        if format == Format::Table {
            println!(
                "secret/{name} unchanged: no changes ({} keys)",
                desired.data.len()
            );
        } else {
            output::print_data(format, &report)?;
        }
        if args.restart {
            eprintln!("note: nothing changed, so nothing was restarted");
        }
        return Ok(Outcome::Success);
    }

    // Only a Secret that would change must be ours to change.
    if let Some(live) = &live {
        secret_plan::check_takeover(live, args.force)
            .map_err(|r| Error::Refused(r.message(name, ns)))?;
    }

    if format == Format::Table {
        print_diff(&diff);
        if !diff.data_changes() {
            eprintln!(
                "note: the keys are unchanged; the labels and the {HASH_ANNOTATION} annotation are updated{}",
                if live
                    .as_ref()
                    .and_then(|l| l.metadata.annotations.as_ref())
                    .is_some_and(|a| a.contains_key(LAST_APPLIED_ANNOTATION))
                {
                    format!(", and {LAST_APPLIED_ANNOTATION} (a copy of the values) is removed")
                } else {
                    String::new()
                }
            );
        }
    }

    let owner = live.as_ref().and_then(secret_plan::owner_of);
    if !server_dry_run {
        confirm(args, env, &diff, owner.as_deref(), name, ns)?;
    }

    let written = write(conn, &api, desired, live.as_ref(), &diff, server_dry_run).await?;
    report.result = if live.is_none() {
        "created"
    } else {
        "configured"
    };
    if server_dry_run {
        // The diff the server computed: what it would store against what is stored.
        let stored = secret_plan::live_data(&written);
        let server_diff = Diff::between(&stored, &live_data);
        if server_diff != diff {
            eprintln!("note: the server would store a different set of keys than the file has");
            report.changes = server_diff.keys;
        }
    }
    if args.restart && !server_dry_run {
        report.restarted = restart(conn, name, ns, &desired.hash()).await?;
    }
    if format == Format::Table {
        let suffix = if server_dry_run {
            " (server dry run)"
        } else {
            ""
        };
        println!("secret/{name} {}{suffix}", report.result);
        for r in &report.restarted {
            println!("{r} restarted");
        }
        if args.restart && report.restarted.is_empty() {
            eprintln!(
                "note: no MCPServer or Deployment in namespace {ns} uses secret {name}; nothing restarted"
            );
        }
    } else {
        output::print_data(format, &report)?;
    }
    Ok(Outcome::Success)
}

fn print_diff(diff: &Diff) {
    let mut table = comfy_table::Table::new();
    table.load_style(comfy_table::presets::NOTHING);
    table.set_header(vec!["KEY", "CHANGE"]);
    let color = output::stdout_color();
    for k in &diff.keys {
        let code = match k.change {
            Change::Added => "32",
            Change::Changed => "33",
            Change::Removed => "31",
            Change::Unchanged => "2",
        };
        table.add_row(vec![
            k.key.clone(),
            output::paint(&k.change.to_string(), code, color),
        ]);
    }
    for line in table.trim_fmt().lines() {
        println!("{}", line.trim_start());
    }
    let n = |c| diff.count(c);
    println!(
        "{} added, {} changed, {} removed, {} unchanged (values not shown)",
        n(Change::Added),
        n(Change::Changed),
        n(Change::Removed),
        n(Change::Unchanged)
    );
}

/// Removing keys, writing to production and taking over an owned Secret ask first: on a
/// terminal with a prompt, else only with --yes.
fn confirm(
    args: &SyncArgs,
    env: &Environment,
    diff: &Diff,
    owner: Option<&str>,
    name: &str,
    ns: &str,
) -> Result<()> {
    let mut reasons = Vec::new();
    let removed = diff.removed();
    if !removed.is_empty() {
        reasons.push(format!("remove the keys {}", removed.join(", ")));
    }
    if secret_plan::is_production(&env.name) {
        reasons.push(format!(
            "write to the production environment {:?}",
            env.name
        ));
    }
    if let Some(owner) = owner {
        reasons.push(format!("take the Secret over from {owner}"));
    }
    if reasons.is_empty() || args.yes {
        return Ok(());
    }
    let what = format!(
        "This will {} (secret {name} in namespace {ns})",
        reasons.join(", and ")
    );
    if !output::interactive() {
        return Err(Error::Refused(format!(
            "{what}, which needs a confirmation, and there is no terminal to ask; nothing was changed. Re-run with --yes to confirm"
        )));
    }
    let term = dialoguer::console::Term::stderr();
    let yes = dialoguer::Confirm::new()
        .with_prompt(format!("{what}. Continue?"))
        .default(false)
        .interact_on(&term)
        .map_err(|e| Error::Failed(format!("cannot read the answer: {e}")))?;
    if yes {
        Ok(())
    } else {
        Err(Error::Refused("not confirmed; nothing was changed".into()))
    }
}

/// Writes the desired Secret. Normally one server-side apply (field manager `kubectl-kmcp`)
/// that carries the live resourceVersion as a precondition. When keys must be removed, or a
/// last-applied-configuration annotation or owner references must go, server-side apply alone
/// cannot do it (it keeps fields other managers own): one JSON patch, guarded by a `test` of the
/// resourceVersion, writes the whole final state atomically, then a server-side apply of the same
/// state records `kubectl-kmcp` as the owner of every field.
async fn write(
    conn: &Connection,
    api: &Api<Secret>,
    desired: &Desired,
    live: Option<&Secret>,
    diff: &Diff,
    dry_run: bool,
) -> Result<Secret> {
    let ns = desired.namespace.as_str();
    let name = desired.name.as_str();
    let action = || Action::new("patch", "secrets", Some(ns)).named(name);
    let conflict = |e: Error| -> Error {
        match &e {
            Error::Api(m)
                if m.contains("Conflict")
                    || m.contains("HTTP 409")
                    || m.contains("the object has been modified") =>
            {
                Error::Api(format!(
                    "secret {name:?} in namespace {ns:?} was changed by someone else while syncing; nothing was written by this run. Run the sync again (it shows the new diff)"
                ))
            }
            _ => e,
        }
    };
    let mut pp = PatchParams::apply(MANAGER);
    if dry_run {
        pp = pp.dry_run();
    }
    let Some(live) = live else {
        // Creating through server-side apply needs `patch` and then `create`: name the verb the
        // server refused.
        let body = Patch::Apply(desired.secret());
        let create = api.patch(name, &pp, &body);
        let created = match conn.timeout {
            Some(t) => tokio::time::timeout(t, create).await.map_err(|_| {
                Error::Api(format!(
                    "the API server at {} did not answer within {t:?} (--request-timeout) while creating secret {name:?}",
                    conn.server
                ))
            })?,
            None => create.await,
        };
        return created.map_err(|e| {
            let verb = match &e {
                // Refused by the create check after the patch was authorized; the server's
                // message then names no verb.
                kube::Error::Api(s) if s.code == 403 && !s.message.contains("cannot patch") => {
                    "create"
                }
                _ => "patch",
            };
            conflict(conn.explain(e, &Action::new(verb, "secrets", Some(ns)).named(name)))
        });
    };
    let rv = live.metadata.resource_version.clone().unwrap_or_default();
    let needs_patch = !diff.removed().is_empty()
        || live
            .metadata
            .annotations
            .as_ref()
            .is_some_and(|a| a.contains_key(LAST_APPLIED_ANNOTATION))
        || secret_plan::owner_of(live).is_some();
    let mut rv_after = rv.clone();
    if needs_patch {
        let ops = secret_plan::takeover_patch(desired, live, &rv);
        let mut jp = PatchParams {
            field_manager: Some(MANAGER.into()),
            ..PatchParams::default()
        };
        if dry_run {
            jp = jp.dry_run();
        }
        let mut req = kube::core::Request::new(format!("/api/v1/namespaces/{ns}/secrets"))
            .patch(name, &jp, &Patch::Merge(&ops))
            .map_err(|e| Error::Failed(format!("cannot build the request: {e}")))?;
        req.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json-patch+json"),
        );
        let patched: Secret = conn
            .call(action(), conn.client.request::<Secret>(req))
            .await
            .map_err(|e| match &e {
                // A failed `test` op (the resourceVersion moved) is answered with a bare 422:
                // every other op of this patch is valid by construction.
                Error::Api(m) if m.contains("HTTP 422") => conflict(Error::Api("Conflict".into())),
                _ => conflict(e),
            })?;
        if dry_run {
            return Ok(patched);
        }
        rv_after = patched
            .metadata
            .resource_version
            .clone()
            .unwrap_or_default();
    }
    let mut secret = desired.secret();
    secret.metadata.resource_version = Some(rv_after);
    // The takeover checks passed against exactly this resourceVersion, so forcing only takes
    // fields from managers such as kubectl-client-side-apply or upstream kmcp.
    let pp = pp.force();
    let applied = conn
        .call(action(), api.patch(name, &pp, &Patch::Apply(secret)))
        .await
        .map_err(conflict);
    match applied {
        Ok(s) => Ok(s),
        Err(e) if needs_patch => Err(Error::Api(format!(
            "the Secret's content is synced, but recording kubectl-kmcp as its field manager failed: {e}; run the sync again"
        ))),
        Err(e) => Err(e),
    }
}

/// Whether a workload with these references reads the Secret's values while it runs, so that a
/// changed value needs a restart: every reference form except image-pull credentials (used only
/// to pull an image that is already pulled).
pub fn needs_restart(refs: &[SecretRef], secret: &str) -> bool {
    refs.iter()
        .any(|r| r.secret == secret && r.kind != RefKind::ImagePull)
}

/// Rolls every MCPServer and Deployment in `ns` that uses the Secret by setting the hash
/// annotation where the pod template gets it. Returns `kind/name` of each.
async fn restart(conn: &Connection, secret: &str, ns: &str, hash: &str) -> Result<Vec<String>> {
    let mut done = Vec::new();
    let pp = PatchParams {
        field_manager: Some(MANAGER.into()),
        ..PatchParams::default()
    };
    let ar = mcpserver::api_resource();
    let servers: Api<DynamicObject> = Api::namespaced_with(conn.client.clone(), ns, &ar);
    let listed = match servers.list(&ListParams::default()).await {
        Ok(list) => list.items,
        Err(e) if crate::client::is_not_found(&e) => {
            eprintln!(
                "note: the MCPServer CRD (mcpservers.kagent.dev) is not installed; only Deployments are restarted"
            );
            Vec::new()
        }
        Err(e) => {
            return Err(restart_failed(conn.explain(
                e,
                &Action::new("list", "mcpservers.kagent.dev", Some(ns)),
            )));
        }
    };
    for s in listed {
        let value = serde_json::to_value(&s).unwrap_or_default();
        if !needs_restart(&mcpserver::references(&value), secret) {
            continue;
        }
        let Some(n) = s.metadata.name.clone() else {
            continue;
        };
        let patch =
            serde_json::json!({"spec": {"deployment": {"annotations": {HASH_ANNOTATION: hash}}}});
        conn.call(
            Action::new("patch", "mcpservers.kagent.dev", Some(ns)).named(&n),
            servers.patch(&n, &pp, &Patch::Merge(&patch)),
        )
        .await
        .map_err(restart_failed)?;
        done.push(format!("mcpserver.kagent.dev/{n}"));
    }
    let deployments: Api<Deployment> = Api::namespaced(conn.client.clone(), ns);
    let list = conn
        .call(
            Action::new("list", "deployments.apps", Some(ns)),
            deployments.list(&ListParams::default()),
        )
        .await
        .map_err(restart_failed)?;
    for d in list.items {
        let uses = d
            .spec
            .template
            .spec
            .as_ref()
            .and_then(|p| serde_json::to_value(p).ok())
            .is_some_and(|p| needs_restart(&mcpserver::pod_spec_references(&p, ""), secret));
        if !uses {
            continue;
        }
        let Some(n) = d.metadata.name.clone() else {
            continue;
        };
        let patch = serde_json::json!({"spec": {"template": {"metadata": {"annotations": {HASH_ANNOTATION: hash}}}}});
        conn.call(
            Action::new("patch", "deployments.apps", Some(ns)).named(&n),
            deployments.patch(&n, &pp, &Patch::Merge(&patch)),
        )
        .await
        .map_err(restart_failed)?;
        done.push(format!("deployment.apps/{n}"));
    }
    Ok(done)
}

fn restart_failed(e: Error) -> Error {
    Error::Api(format!("the Secret is synced, but --restart failed: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restart_for_every_runtime_reference_but_not_image_pull_credentials() {
        let server = serde_json::json!({"spec": {"deployment": {
            "secretRefs": [{"name": "env"}],
            "volumes": [{"name": "v", "secret": {"secretName": "files"}}],
            "imagePullSecrets": [{"name": "registry"}]
        }}});
        let refs = crate::core::mcpserver::references(&server);
        assert!(needs_restart(&refs, "env"));
        assert!(needs_restart(&refs, "files"));
        assert!(!needs_restart(&refs, "registry"));
        assert!(!needs_restart(&refs, "other"));

        let pod_spec = serde_json::json!({
            "initContainers": [{"name": "i", "envFrom": [{"secretRef": {"name": "init"}}]}],
            "containers": [{"name": "a", "env": [{"name": "X", "valueFrom": {"secretKeyRef": {"name": "key", "key": "k"}}}]}],
            "volumes": [{"name": "p", "projected": {"sources": [{"secret": {"name": "projected"}}]}}],
            "imagePullSecrets": [{"name": "registry"}]
        });
        let refs = crate::core::mcpserver::pod_spec_references(&pod_spec, "");
        for s in ["init", "key", "projected"] {
            assert!(needs_restart(&refs, s), "{s}");
        }
        assert!(!needs_restart(&refs, "registry"));
    }
}
