//! `kubectl kmcp secrets sync <environment>`: sync an environment's .env file into its Secret.
//!
//! Data on stdout: the `--dry-run=client` plan (key names; the manifest with `-o yaml|json`),
//! the key/change table, the result line
//! (`secret/NAME configured`), what was restarted (or all of that as one JSON/YAML document with
//! `-o json|yaml`). Diagnostics on stderr: the env file used, the Secret and namespace, warnings,
//! notes, prompts, errors. No value is ever printed except in the `--dry-run -o yaml|json` manifest.
use std::path::{Path, PathBuf};

use k8s_openapi::api::core::v1::Secret;
use kube::Api;

use crate::cli::{DryRun, KubeFlags, SyncArgs};
use crate::client::{Action, Connection};
use crate::core::Source;
use crate::core::envfile::{self, EnvFile};
use crate::core::project::{Environment, Project};
use crate::core::secret_hash::HashKey;
use crate::core::secret_plan::{self, Desired, Diff, HASH_ANNOTATION, LAST_APPLIED_ANNOTATION};
use crate::error::{Error, Outcome, Result};
use crate::render::sync::SyncResult;
use crate::render::{self, Format, palette};

mod all;
pub mod diff;
mod restart;
mod write;

use restart::restart;
use write::write;

/// Checks the flags, the project and the env file before connecting, resolves the namespace, then
/// syncs (or prints the manifest with `--dry-run=client`).
pub async fn run(global: &KubeFlags, args: SyncArgs) -> Result<Outcome> {
    if args.all {
        return all::run(global, args).await;
    }
    let client_dry_run = args.dry_run == Some(DryRun::Client);
    // Without -o, a dry run shows the masked plan (key names only); the manifest, which holds
    // the values, only with an explicit -o yaml|json (for kubeseal or kubectl apply).
    let format = match args.output {
        Some(f) => f,
        None => Format::Table,
    };
    if client_dry_run && args.restart {
        return Err(Error::Usage(
            "--restart cannot be combined with --dry-run: nothing is written, so nothing would be restarted".into(),
        ));
    }

    let project = args.project.load()?;
    render::print_project_warnings(&project);
    let env = project.kubernetes_environment(args.environment())?;
    // The environment's `context:` in kmcp.yaml, unless --context says otherwise.
    let global = &global.for_environment(env);
    let secret_name = env.secret_name.clone().unwrap_or_default();

    let file = load_env_file(&project, env, args.from_file.as_deref(), true)?;
    if file.entries.is_empty() && !args.allow_empty {
        return Err(Error::Refused(format!(
            "{}: no variables found (the file is empty or holds only comments); syncing it would remove every key of secret {secret_name}. Nothing was sent. Add the variables, or pass --allow-empty to empty the Secret on purpose",
            file.path.display()
        )));
    }
    // The size limits, before connecting (the namespace is set once known).
    let mut desired = planned_secret(&project, env, &file)?;

    // Namespace: kmcp.yaml's, else -n, else the context's, else default.
    let (namespace, conn) = if client_dry_run {
        let view = global.kubeconfig_view();
        let (ns, _) =
            project.namespace_for(env, global.namespace.as_deref(), view.namespace.as_deref())?;
        (ns, None)
    } else {
        let mut conn = global.connect().await?;
        let context_ns = conn.context_namespace();
        let (ns, source) = project.namespace_for(env, global.namespace.as_deref(), context_ns)?;
        let source = if source == Source::Default {
            conn.namespace_source
        } else {
            source
        };
        conn.use_namespace(&ns, source, Some(project.namespace_origin(env)));
        (ns, Some(conn))
    };
    desired.namespace = namespace.clone();

    let Some(conn) = conn else {
        render::diagnostic(&format!(
            "Secret {namespace}/{secret_name}: {} keys (dry run: nothing sent to any cluster)",
            desired.data.len()
        ));
        if format == Format::Table {
            render::diagnostic("note: -o yaml or -o json prints the manifest, values included");
            print!("{}", render::sync::client_plan(&file, &secret_name));
        } else {
            render::print_data(format, &desired.manifest())?;
        }
        return Ok(Outcome::Success);
    };

    say_target(&conn, &secret_name, &namespace);
    let live = read_live(&conn, &desired.namespace, &desired.name).await?;
    sync(&conn, &args, env, &file, &desired, live, format).await
}

/// The env file of `env` (see [`resolve_env_file`]) read, its warnings printed, and checked
/// against `.env.example`; with `announce`, stderr says which file is used. The one way every
/// command that compares a file with a Secret (sync, sync --all, diff) reads it.
pub(super) fn load_env_file(
    project: &Project,
    env: &Environment,
    from_file: Option<&Path>,
    announce: bool,
) -> Result<EnvFile> {
    let path = resolve_env_file(project, env, from_file)?;
    if announce {
        render::diagnostic(&format!("Using env file {}", path.display()));
    }
    let file = envfile::load(&path).map_err(|e| match e {
        envfile::EnvFileError::Read { .. } => Error::Failed(e.to_string()),
        other => Error::Refused(other.to_string()),
    })?;
    for w in &file.warnings {
        render::diagnostic(&format!("warning: {w}"));
    }
    check_example(project, &file)?;
    Ok(file)
}

/// The Secret a sync of `file` writes (its namespace still to be set), under a newly drawn hash
/// key (a live Secret keeps its own: see [`sync`]), refused before anything is sent when the API
/// server (1 MiB of data) or etcd (the whole stored object) would refuse it.
pub(super) fn planned_secret(
    project: &Project,
    env: &Environment,
    file: &EnvFile,
) -> Result<Desired> {
    let secret_name = env.secret_name.clone().unwrap_or_default();
    let desired = Desired::from_env_file(
        file,
        &secret_name,
        "",
        &project.name,
        &env.name,
        super::random_hash_key()?,
    );
    desired
        .check_size()
        .map_err(|m| Error::Refused(format!("{}: {m}; nothing was sent", file.path.display())))?;
    Ok(desired)
}

/// Says on stderr which Secret, namespace and context the command acts on.
pub(super) fn say_target(conn: &Connection, secret: &str, namespace: &str) {
    let context = conn
        .context
        .as_deref()
        .map(|c| format!(" (context {c})"))
        .unwrap_or_default();
    render::diagnostic(&format!(
        "Secret {secret} in namespace {namespace}{context}"
    ));
}

/// The live Secret a sync compares with and writes over (and diff compares with): its
/// resourceVersion is the precondition of the write, so a change made after this read is
/// refused (409), not overwritten.
pub(super) async fn read_live(conn: &Connection, ns: &str, name: &str) -> Result<Option<Secret>> {
    let api: Api<Secret> = Api::namespaced(conn.client.clone(), ns);
    conn.call(
        Action::new("get", "secrets", Some(ns)).named(name),
        api.get_opt(name),
    )
    .await
}

/// The env file: `--from-file` (relative: the current directory, then the project directory),
/// else the environment's `file` (inside the project directory), else `.env.<env>`. Never any
/// other file: `.env` usually holds local development values.
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
    if let Some(file) = &env.file {
        project.check_inside(file).map_err(|why| {
            Error::Refused(format!(
                "{}:{}: environment {:?} sets `file: {file}`, which {why}; a kmcp.yaml may only name files inside its project directory ({}). Nothing was read. Move the file into the project, or pass it yourself with --from-file {file}",
                project.path.display(),
                env.line,
                env.name,
                project.dir.display()
            ))
        })?;
    }
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
        "no env file for environment {:?}: tried {} (other files such as .env are never used on their own); create it, set `file:` under secrets.{} in {}, or pass --from-file FILE",
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
        render::diagnostic(&format!(
            "note: {} does not set the optional keys {} ({} gives them a value)",
            file.path.display(),
            optional.join(", "),
            example.path.display()
        ));
    }
    Ok(())
}

/// Everything after the connection and the read of the live Secret ([`read_live`], which
/// `sync --all` did when it planned): compare (core), check that the write would pass
/// (refusals, then a server-side dry run of it: namespace, rights, admission), show the diff,
/// ask, write over exactly `live` (its resourceVersion), restart, show the result. Nothing that
/// looks like a result is printed before every check passed.
async fn sync(
    conn: &Connection,
    args: &SyncArgs,
    env: &Environment,
    file: &EnvFile,
    desired: &Desired,
    live: Option<Secret>,
    format: Format,
) -> Result<Outcome> {
    let ns = desired.namespace.as_str();
    let name = desired.name.as_str();
    let api: Api<Secret> = Api::namespaced(conn.client.clone(), ns);
    // A Secret keeps its hash key across syncs; a new one gets the key drawn before.
    let mut desired = desired.clone();
    if let Some(key) = live.as_ref().and_then(HashKey::of) {
        desired.hash_key = key;
    }
    let desired = &desired;
    let live_data = live
        .as_ref()
        .map(secret_plan::live_data)
        .unwrap_or_default();
    let diff = Diff::between(&desired.data, &live_data);
    let drift = live
        .as_ref()
        .is_none_or(|l| secret_plan::metadata_drift(desired, l));
    let server_dry_run = args.dry_run == Some(DryRun::Server);
    let mut result = SyncResult {
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
            print!("{}", render::sync::unchanged_line(name, desired.data.len()));
        } else {
            render::print_data(format, &result)?;
        }
        if args.restart {
            render::diagnostic("note: nothing changed, so nothing was restarted");
        }
        return Ok(Outcome::Success);
    }

    // Only a Secret that would change must be ours to change.
    if let Some(live) = &live {
        secret_plan::check_takeover(live, args.force)
            .map_err(|r| Error::Refused(r.message(name, ns)))?;
    }
    // Pre-flight: the first write request as a server-side dry run (the namespace exists, the
    // rights, admission, validation), before anything is shown. With --dry-run=server it is the
    // whole run.
    let written = write(conn, &api, desired, live.as_ref(), &diff, true).await?;
    let show_diff = || {
        if format == Format::Table {
            print!("{}", render::sync::diff_table(&diff, !args.no_headers));
            if !diff.data_changes() {
                print_metadata_note(live.as_ref());
            }
        }
    };
    // The diff comes before a question (it is what is asked about), else after the write: a
    // write that fails (a create that lost a race) leaves nothing on stdout.
    let holder = live.as_ref().and_then(secret_plan::holder_of);
    let asks = !server_dry_run
        && !args.yes
        && !secret_plan::confirmation_reasons(&env.name, &diff, holder.as_deref()).is_empty();
    if asks {
        show_diff();
        confirm(args, env, &diff, holder.as_deref(), name, ns)?;
    }
    let written = if server_dry_run {
        written
    } else {
        write(conn, &api, desired, live.as_ref(), &diff, false).await?
    };
    if !asks {
        show_diff();
    }
    result.result = if live.is_none() {
        "created"
    } else {
        "configured"
    };
    if server_dry_run {
        // The diff the server computed: what it would store against what is stored.
        let stored = secret_plan::live_data(&written);
        let server_diff = Diff::between(&stored, &live_data);
        if server_diff != diff {
            render::diagnostic(
                "note: the server would store a different set of keys than the file has",
            );
            result.changes = server_diff.keys;
        }
    }
    let mut skipped = Vec::new();
    if args.restart && !server_dry_run {
        let restarted = restart(conn, name, ns, &desired.hash()).await?;
        result.restarted = restarted.done;
        skipped = restarted.skipped;
    }
    if format == Format::Table {
        print!("{}", render::sync::result_lines(&result));
        if args.restart && result.restarted.is_empty() && skipped.is_empty() {
            render::diagnostic(&format!(
                "note: no MCPServer or Deployment in namespace {ns} uses secret {name}; nothing restarted"
            ));
        }
    } else {
        render::print_data(format, &result)?;
    }
    // A restart that had to skip a part (a list it may not make): the Secret is synced, the
    // rest was rolled, and the exit code says that not everything asked for was done.
    for line in &skipped {
        render::diagnostic(&format!(
            "warning: the Secret is synced, but --restart skipped a part: {line}"
        ));
    }
    Ok(if skipped.is_empty() {
        Outcome::Success
    } else {
        Outcome::Findings
    })
}

/// The note for a sync that changes only metadata: which labels and annotations are updated.
fn print_metadata_note(live: Option<&Secret>) {
    let copy_removed = live
        .and_then(|l| l.metadata.annotations.as_ref())
        .is_some_and(|a| a.contains_key(LAST_APPLIED_ANNOTATION));
    render::diagnostic(&format!(
        "note: the keys are unchanged; the labels and the {HASH_ANNOTATION} annotation are updated{}",
        if copy_removed {
            format!(", and {LAST_APPLIED_ANNOTATION} (a copy of the values) is removed")
        } else {
            String::new()
        }
    ));
}

/// Removing keys, writing to production and taking over an owned Secret ask first: on a
/// terminal with a prompt, else only with --yes.
fn confirm(
    args: &SyncArgs,
    env: &Environment,
    diff: &Diff,
    holder: Option<&str>,
    name: &str,
    ns: &str,
) -> Result<()> {
    let reasons = secret_plan::confirmation_reasons(&env.name, diff, holder);
    if reasons.is_empty() || args.yes {
        return Ok(());
    }
    let what = format!(
        "This will {} (secret {name} in namespace {ns})",
        reasons.join(", and ")
    );
    if !palette::interactive() {
        return Err(Error::Refused(format!(
            "{what}, which needs a confirmation, and there is no terminal to ask; nothing was changed. Re-run with --yes to confirm"
        )));
    }
    if render::prompt::confirm(&format!("{what}."))? {
        Ok(())
    } else {
        Err(Error::Refused("not confirmed; nothing was changed".into()))
    }
}
