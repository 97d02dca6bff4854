//! `kubectl kmcp secrets pull <environment>`: the environment's Secret written into its env file
//! (or `--to FILE`, or `--to -` for stdout), in the dialect that every dotenv reader reads back
//! byte for byte (`core::envfile_write`), so that a sync of the file gives back the same Secret.
//!
//! The file is created with mode 0600. An existing file is replaced only with `--force`;
//! without it the key-level difference is shown and nothing is written. A file that git does not
//! ignore is warned about (`git check-ignore`).
use std::io::Write;
use std::path::{Path, PathBuf};

use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::jiff::Timestamp;
use kube::Api;

use crate::cli::{KubeFlags, PullArgs};
use crate::client::Action;
use crate::core::envfile;
use crate::core::envfile_write::{self, Origin};
use crate::core::project::{Environment, Project};
use crate::core::secret_plan::{self, Diff};
use crate::error::{Error, Outcome, Result};
use crate::render;

pub async fn run(global: &KubeFlags, args: PullArgs) -> Result<Outcome> {
    let project = args.project.load()?;
    render::print_project_warnings(&project);
    let env = project.kubernetes_environment(&args.environment)?;
    let secret_name = env.secret_name.clone().unwrap_or_default();
    let target = match &args.to {
        Some(p) if p.as_os_str() == "-" => None,
        Some(p) => Some(p.clone()),
        None => Some(default_target(&project, env)),
    };

    let conn = global.for_environment(env).connect().await?;
    let context_ns = conn.context_namespace();
    let (ns, _) = project.namespace_for(env, global.namespace.as_deref(), context_ns)?;
    let api: Api<Secret> = Api::namespaced(conn.client.clone(), &ns);
    let live = conn
        .call(
            Action::new("get", "secrets", Some(&ns)).named(&secret_name),
            api.get_opt(&secret_name),
        )
        .await?;
    let context = conn
        .context
        .as_deref()
        .map(|c| format!(" (context {c})"))
        .unwrap_or_default();
    let Some(live) = live else {
        return Err(Error::Refused(format!(
            "secret {secret_name:?} does not exist in namespace {ns:?}{context}; nothing to pull. `kubectl kmcp secrets sync {}` creates it from an env file",
            env.name
        )));
    };
    let data = secret_plan::live_data(&live);
    let now = Timestamp::now();
    let at = Timestamp::from_second(now.as_second())
        .unwrap_or(now)
        .to_string();
    let text = envfile_write::write(
        &Origin {
            secret: &secret_name,
            namespace: &ns,
            context: conn.context.as_deref(),
            environment: &env.name,
            at: &at,
        },
        &data,
    )
    .map_err(|e| {
        Error::Refused(format!(
            "secret {secret_name:?} in namespace {ns:?} has keys that no env file can hold exactly: {e}; nothing was written (see docs/secrets-status.md, \"What pull cannot write\")"
        ))
    })?;

    let Some(path) = target else {
        render::diagnostic(&format!(
            "Secret {secret_name} in namespace {ns}{context}: {} keys, written to stdout as asked",
            data.len()
        ));
        std::io::stdout()
            .write_all(text.as_bytes())
            .map_err(|e| Error::Failed(format!("cannot write to stdout: {e}")))?;
        return Ok(Outcome::Success);
    };

    if path.exists() {
        if !args.force {
            return refuse_overwrite(&path, &data, &env.name);
        }
        if path.is_dir() {
            return Err(Error::Refused(format!(
                "{} is a directory; name a file with --to FILE",
                path.display()
            )));
        }
    }
    write_file(&path, &text, args.force)?;
    warn_if_not_ignored(&path);
    println!(
        "secret/{secret_name} pulled to {} ({} keys, mode 0600)",
        path.display(),
        data.len()
    );
    Ok(Outcome::Success)
}

/// Where the pull writes without `--to`: the environment's `file`, else `.env.<environment>` in
/// the project directory (the first file sync reads).
fn default_target(project: &Project, env: &Environment) -> PathBuf {
    match &env.file {
        Some(file) => project.resolve(file),
        None => project.dir.join(format!(".env.{}", env.name)),
    }
}

/// An existing file is never replaced without `--force`: the keys a pull would add, change or
/// remove in it are shown instead (or nothing needs doing when it already holds the Secret).
fn refuse_overwrite(
    path: &Path,
    data: &std::collections::BTreeMap<String, Vec<u8>>,
    environment: &str,
) -> Result<Outcome> {
    let existing = match envfile::load(path) {
        Ok(f) => f,
        Err(e) => {
            return Err(Error::Refused(format!(
                "{} exists and cannot be compared with the Secret ({e}); nothing was written. Re-run with --force to replace it, or pull into another file with --to FILE",
                path.display()
            )));
        }
    };
    let diff = Diff::between(data, &secret_plan::file_data(&existing));
    if !diff.data_changes() {
        println!(
            "{} already holds the Secret's {} keys; nothing was written",
            path.display(),
            data.len()
        );
        return Ok(Outcome::Success);
    }
    println!("What pulling would change in {}:", path.display());
    print!("{}", render::sync::diff_table(&diff, true));
    Err(Error::Refused(format!(
        "{} exists and differs from the Secret (the table shows the keys); nothing was written. Re-run with --force to replace it, pull into another file with --to FILE, or sync the file instead (`kubectl kmcp secrets sync {environment}`)",
        path.display()
    )))
}

/// Writes the file with mode 0600: a new file is created exclusively (never replacing one that
/// appeared meanwhile); with `force`, a temporary file next to it is renamed over it.
fn write_file(path: &Path, text: &str, force: bool) -> Result<()> {
    let fail = |e: std::io::Error| Error::Failed(format!("cannot write {}: {e}", path.display()));
    let create = |p: &Path| -> std::io::Result<std::fs::File> {
        let mut o = std::fs::OpenOptions::new();
        o.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            o.mode(0o600);
        }
        o.open(p)
    };
    if !force {
        let mut f = create(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                Error::Refused(format!(
                    "{} was created meanwhile; nothing was written. Re-run with --force to replace it",
                    path.display()
                ))
            } else {
                fail(e)
            }
        })?;
        return f
            .write_all(text.as_bytes())
            .and_then(|()| f.sync_all())
            .map_err(fail);
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.kmcp-pull-{}", std::process::id()));
    let result = create(&tmp)
        .and_then(|mut f| f.write_all(text.as_bytes()).and_then(|()| f.sync_all()))
        .and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(fail)
}

/// A warning on stderr when the file is inside a git work tree and git does not ignore it.
fn warn_if_not_ignored(path: &Path) {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let Some(name) = path.file_name() else {
        return;
    };
    let status = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["check-ignore", "-q", "--"])
        .arg(name)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    // 0: ignored; 1: not ignored; 128 (or no git): not a git work tree, nothing to say.
    if status.is_ok_and(|s| s.code() == Some(1)) {
        render::diagnostic(&format!(
            "warning: {} holds secret values and git does not ignore it: add it to .gitignore (`echo '{}' >> {}`)",
            path.display(),
            name.to_string_lossy(),
            dir.join(".gitignore").display()
        ));
    }
}
