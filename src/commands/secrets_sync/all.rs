//! `secrets sync --all`: every enabled `kubernetes` environment of kmcp.yaml, each in its own
//! context. All plans first (read-only), then one confirmation for all of them, and one more of
//! its own for each production environment; only when every answer is yes is anything written,
//! each environment through the single-environment path (`super::sync`). `--dry-run` runs the
//! single-environment dry run for each environment and writes nothing.
use k8s_openapi::api::core::v1::Secret;

use super::{load_env_file, planned_secret, read_live};
use crate::cli::{DryRun, KubeFlags, SyncArgs};
use crate::client::Connection;
use crate::core::envfile::EnvFile;
use crate::core::project::{Environment, Project, Provider};
use crate::core::secret_plan::{self, Desired, Diff};
use crate::error::{Error, Outcome, Result};
use crate::render::{self, Format, palette};

/// One environment's plan: what a sync would write, read before anything is written.
struct Plan<'p> {
    env: &'p Environment,
    conn: Connection,
    file: EnvFile,
    desired: Desired,
    /// The Secret as read for the plan: the write carries its resourceVersion, so a change made
    /// after the plan was shown (and confirmed) is refused, never overwritten.
    live: Option<Secret>,
    diff: Diff,
    /// Whether anything (a key, or the labels and hash annotation) would be written.
    writes: bool,
}

pub(super) async fn run(global: &KubeFlags, args: SyncArgs) -> Result<Outcome> {
    let project = args.project.load()?;
    render::print_project_warnings(&project);
    let envs = environments(&project)?;

    if let Some(dry_run) = args.dry_run {
        // The single-environment dry run of each, one after the other; nothing is written.
        let mut first = true;
        for env in &envs {
            if dry_run == DryRun::Client && !first && args.output != Some(Format::Json) {
                println!("---");
            }
            first = false;
            render::diagnostic(&format!("Environment {}:", env.name));
            let one = SyncArgs {
                environment_arg: Some(env.name.clone()),
                environment_flag: None,
                all: false,
                ..args.clone()
            };
            Box::pin(super::run(global, one)).await?;
        }
        return Ok(Outcome::Success);
    }

    let format = args.output.unwrap_or(Format::Table);
    if format != Format::Table {
        return Err(Error::Usage(
            "secrets sync --all prints one table per environment: -o json|yaml is for one environment".into(),
        ));
    }
    let plans = futures::future::join_all(envs.iter().map(|env| plan(global, &project, env)))
        .await
        .into_iter()
        .collect::<Result<Vec<_>>>()?;

    for p in &plans {
        let context = p
            .conn
            .context
            .as_deref()
            .map(|c| format!(", context {c}"))
            .unwrap_or_default();
        println!(
            "{}: secret {} in namespace {}{context}, from {}",
            p.env.name,
            p.desired.name,
            p.desired.namespace,
            p.file.path.display()
        );
        if p.writes {
            print!("{}", render::sync::diff_table(&p.diff, !args.no_headers));
        } else {
            print!(
                "{}",
                render::sync::unchanged_line(&p.desired.name, p.desired.data.len())
            );
        }
    }
    let writes: Vec<&Plan> = plans.iter().filter(|p| p.writes).collect();
    if writes.is_empty() {
        render::diagnostic("Every environment is in sync; nothing was written.");
        return Ok(Outcome::Success);
    }
    confirm(&args, &writes)?;

    let mut worst = Outcome::Success;
    for p in writes {
        render::diagnostic(&format!(
            "Writing environment {} (secret {} in namespace {})",
            p.env.name, p.desired.name, p.desired.namespace
        ));
        let one = SyncArgs {
            environment_arg: Some(p.env.name.clone()),
            environment_flag: None,
            all: false,
            yes: true,
            ..args.clone()
        };
        let outcome = super::sync(
            &p.conn,
            &one,
            p.env,
            &p.file,
            &p.desired,
            p.live.clone(),
            format,
        )
        .await
        .map_err(|e| {
            e.map_message(|m| {
                format!(
                    "environment {}: {m} (the environments listed above it were written)",
                    p.env.name
                )
            })
        })?;
        if outcome == Outcome::Findings {
            worst = Outcome::Findings;
        }
    }
    Ok(worst)
}

/// The enabled `kubernetes` environments with a `secretName`; the others are named on stderr.
fn environments(project: &Project) -> Result<Vec<&Environment>> {
    let mut out = Vec::new();
    for env in &project.environments {
        if env.provider != Provider::Kubernetes {
            render::diagnostic(&format!(
                "Skipping {}: provider env (a local file only)",
                env.name
            ));
        } else if !env.enabled {
            render::diagnostic(&format!("Skipping {}: disabled", env.name));
        } else if env.secret_name.is_none() {
            return Err(project
                .kubernetes_environment(&env.name)
                .unwrap_err()
                .into());
        } else {
            out.push(env);
        }
    }
    if out.is_empty() {
        return Err(Error::Refused(format!(
            "{}: no enabled environment with `provider: kubernetes`; nothing to sync",
            project.path.display()
        )));
    }
    Ok(out)
}

/// Everything the single-environment sync checks before writing, in the environment's own
/// context, and its diff; an error names the environment.
async fn plan<'p>(global: &KubeFlags, project: &Project, env: &'p Environment) -> Result<Plan<'p>> {
    let named =
        |e: Error| e.map_message(|m| format!("environment {}: {m}; nothing was written", env.name));
    let file = load_env_file(project, env, None, false).map_err(named)?;
    let mut desired = planned_secret(project, env, &file).map_err(named)?;

    let flags = global.for_environment(env);
    let conn = flags.connect().await.map_err(named)?;
    let context_ns = conn.context_namespace();
    let (ns, _) = project
        .namespace_for(env, global.namespace.as_deref(), context_ns)
        .map_err(|e| named(e.into()))?;
    desired.namespace = ns;
    let live = read_live(&conn, &desired.namespace, &desired.name)
        .await
        .map_err(named)?;
    // A Secret keeps its hash key across syncs (as `sync` does).
    if let Some(key) = live.as_ref().and_then(secret_plan::HashKey::of) {
        desired.hash_key = key;
    }
    let live_data = live
        .as_ref()
        .map(secret_plan::live_data)
        .unwrap_or_default();
    let diff = Diff::between(&desired.data, &live_data);
    let writes = diff.data_changes()
        || live
            .as_ref()
            .is_none_or(|l| secret_plan::metadata_drift(&desired, l));
    if writes && let Some(live) = &live {
        secret_plan::check_takeover(live, false)
            .map_err(|r| named(Error::Refused(r.message(&desired.name, &desired.namespace))))?;
    }
    Ok(Plan {
        env,
        conn,
        file,
        desired,
        live,
        diff,
        writes,
    })
}

/// One confirmation for all the environments to write, and one of its own for each production
/// environment; without a terminal only `--yes` confirms. Every question is asked before
/// anything is written, so a "no" writes nothing.
fn confirm(args: &SyncArgs, writes: &[&Plan]) -> Result<()> {
    if args.yes {
        return Ok(());
    }
    let names: Vec<&str> = writes.iter().map(|p| p.env.name.as_str()).collect();
    let production: Vec<&&Plan> = writes
        .iter()
        .filter(|p| secret_plan::is_production(&p.env.name))
        .collect();
    if !palette::interactive() {
        return Err(Error::Refused(format!(
            "syncing {} environments ({}) needs a confirmation, and there is no terminal to ask; nothing was changed. Re-run with --yes to confirm",
            names.len(),
            names.join(", ")
        )));
    }
    let question = format!(
        "Write the changes above to {} ({})?",
        if names.len() == 1 {
            "1 environment".to_string()
        } else {
            format!("{} environments", names.len())
        },
        names.join(", ")
    );
    if !render::prompt::confirm(&question)? {
        return Err(Error::Refused("not confirmed; nothing was changed".into()));
    }
    for p in production {
        let removed = p.diff.removed();
        let removing = if removed.is_empty() {
            String::new()
        } else {
            format!(", removing {}", removed.join(", "))
        };
        let question = format!(
            "{} is a production environment: write secret {} in namespace {}{removing}?",
            p.env.name, p.desired.name, p.desired.namespace
        );
        if !render::prompt::confirm(&question)? {
            return Err(Error::Refused(format!(
                "{} not confirmed; nothing was changed in any environment",
                p.env.name
            )));
        }
    }
    Ok(())
}
