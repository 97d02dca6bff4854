//! `kubectl kmcp secrets diff <environment>`: the key-level diff of sync's plan, written nowhere.
//! Exit 0 when the Secret holds exactly the file's keys and values, 1 when it does not (as
//! `kubectl diff` and `git diff --exit-code`). Keys and change kinds only, never a value.
use serde::Serialize;

use super::{load_env_file, read_live, say_target};
use crate::cli::{DiffArgs, KubeFlags};
use crate::core::secret_plan::{self, Diff, KeyChange};
use crate::error::{Outcome, Result};
use crate::render::{self, Format};

/// The `-o json|yaml` document.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DiffResult {
    environment: String,
    secret: String,
    namespace: String,
    context: Option<String>,
    file: String,
    /// Whether the Secret exists.
    exists: bool,
    /// Whether a sync would change any key.
    differs: bool,
    changes: Vec<KeyChange>,
}

pub async fn run(global: &KubeFlags, args: DiffArgs) -> Result<Outcome> {
    let format = args.output;
    let project = args.project.load()?;
    render::print_project_warnings(&project);
    let env = project.kubernetes_environment(&args.environment)?;
    let secret_name = env.secret_name.clone().unwrap_or_default();
    let file = load_env_file(&project, env, args.from_file.as_deref(), true)?;

    let conn = global.for_environment(env).connect().await?;
    let context_ns = conn.context_namespace();
    let (ns, _) = project.namespace_for(env, global.namespace.as_deref(), context_ns)?;
    say_target(&conn, &secret_name, &ns);
    let live = read_live(&conn, &ns, &secret_name).await?;
    let diff = Diff::between(
        &secret_plan::file_data(&file),
        &live
            .as_ref()
            .map(secret_plan::live_data)
            .unwrap_or_default(),
    );
    let differs = live.is_none() || diff.data_changes();
    match format {
        Format::Table => {
            if live.is_none() {
                render::diagnostic(&format!(
                    "secret {secret_name} does not exist in namespace {ns}: a sync would create it"
                ));
            }
            print!("{}", render::sync::diff_table(&diff, !args.no_headers));
        }
        _ => render::print_data(
            format,
            &DiffResult {
                environment: env.name.clone(),
                secret: secret_name.clone(),
                namespace: ns.clone(),
                context: conn.context.clone(),
                file: file.path.display().to_string(),
                exists: live.is_some(),
                differs,
                changes: diff.keys.clone(),
            },
        )?,
    }
    Ok(if differs {
        Outcome::Findings
    } else {
        Outcome::Success
    })
}
