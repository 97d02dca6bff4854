//! `kubectl kmcp troubleshoot [SERVER]`: every check in order, each result explained with its fix.
//!
//! The shell: resolve the server, namespace and environment; fetch what the checks need
//! (concurrently where independent); hand it to `diagnosis::diagnose`; render. Secret values are
//! turned into per-key hashes as soon as they are read and never kept.
use std::collections::BTreeMap;

use super::cluster_checks;
use crate::cli::{KubeFlags, TroubleshootArgs};
use crate::client::{Action, cluster_info_command};
use crate::core::Source;
use crate::core::diagnosis::{
    self, ContextFacts, EnvFileFacts, EnvironmentFacts, ExampleFacts, Facts, KeyHashes,
};
use crate::core::envfile;
use crate::core::project::{Environment, Project};
use crate::error::{Error, Outcome, Result};
use crate::render::checks::{self, ServerChecks};
use crate::render::{self, Format, text};

/// Resolves the server, namespace and environment, gathers the facts, runs every check and prints
/// them; exit 1 when one fails.
pub async fn run(global: &KubeFlags, args: TroubleshootArgs) -> Result<Outcome> {
    let format = args.output;
    let project = args.project.load_optional()?;
    if let Some(p) = &project {
        render::print_project_warnings(p);
    }
    let environment: Option<Environment> = match (&args.environment, &project) {
        (Some(name), Some(p)) => Some(p.kubernetes_environment(name)?.clone()),
        (Some(name), None) => {
            return Err(Error::Failed(format!(
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
            return Err(Error::Failed(
                "no SERVER given and no kmcp.yaml in the current directory: pass the MCPServer's name (`kubectl kmcp troubleshoot my-server`), or point at the project with -d DIR"
                    .into(),
            ));
        }
    };

    // The environment's cluster: its `context:` in kmcp.yaml unless --context says otherwise.
    let context_source = if global.context.is_some() {
        Source::Flag
    } else if environment.as_ref().is_some_and(|e| e.context.is_some()) {
        Source::Project
    } else {
        Source::Kubeconfig
    };
    let flags = match &environment {
        Some(env) => global.for_environment(env),
        None => global.clone(),
    };
    let global = &flags;

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
    let env_file = match (&project, &environment) {
        (Some(p), Some(env)) => read_env_file(&mut facts, p, env),
        _ => None,
    };
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
                check_command: cluster_info_command(
                    view.context.as_deref(),
                    global.server.as_deref(),
                ),
                api_server_source: if global.server.is_some() {
                    Source::Flag
                } else {
                    Source::Kubeconfig
                },
                credentials_refused: false,
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
                check_command: conn.cluster_info_command(),
                api_server_source: conn.server_source,
                credentials_refused: false,
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
                    cluster_checks::fetch(&conn, &mut facts).await;
                }
                Err(e) => {
                    facts.context.credentials_refused =
                        e.api().is_some_and(|a| a.status == Some(401));
                    facts.context.reachable = Err(e.to_string());
                }
            }
        }
    }

    hash_env_file(&mut facts, env_file)?;
    let checks = diagnosis::diagnose(&facts);
    match format {
        Format::Json | Format::Yaml => render::print_data(
            format,
            &ServerChecks {
                server: &server,
                namespace: &namespace,
                checks: &checks,
            },
        )?,
        Format::Wide => print!("{}", checks::render_wide(&checks, !args.no_headers)),
        // -o sarif is audit's: troubleshoot's `-o` parser does not offer it.
        Format::Table | Format::Sarif => print!(
            "{}",
            checks::render_table(&checks, !args.no_headers, text::stdout_width())
        ),
    }
    Ok(if diagnosis::any_failed(&checks) {
        Outcome::Findings
    } else {
        Outcome::Success
    })
}

/// kmcp.yaml's name made an MCPServer name exactly the way `deploy` makes it.
fn server_name(name: &str) -> Option<String> {
    let out = crate::core::deploy_plan::sanitize_name(name);
    (!out.is_empty()).then_some(out)
}

/// The environment's env file, read (a read error goes into the facts); its values live until
/// [`hash_env_file`] turns them into hashes.
fn read_env_file(
    facts: &mut Facts,
    project: &Project,
    env: &Environment,
) -> Option<(String, BTreeMap<String, Vec<u8>>)> {
    facts.env_file_candidates = envfile::env_file_candidates(project, env)
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let path = envfile::default_env_file(project, env)?;
    match envfile::load(&path) {
        Ok(file) => Some((
            path.display().to_string(),
            file.entries
                .into_iter()
                .map(|e| (e.key, e.value.into_bytes()))
                .collect(),
        )),
        Err(e) => {
            facts.env_file = Some(Err(e.to_string()));
            None
        }
    }
}

/// The env file as key hashes, under the key of the environment's Secret (so that the two compare
/// and the content hash is the one the Secret's annotation holds), else under a key of this run;
/// its values are dropped here.
fn hash_env_file(
    facts: &mut Facts,
    file: Option<(String, BTreeMap<String, Vec<u8>>)>,
) -> Result<()> {
    let Some((path, data)) = file else {
        return Ok(());
    };
    let secret_key =
        facts
            .environment
            .as_ref()
            .and_then(|env| match facts.secrets.get(&env.secret_name) {
                Some(diagnosis::Fetch::Got(Some(s))) => s.hash_key.clone(),
                _ => None,
            });
    let key = match secret_key {
        Some(key) => key,
        None => super::random_hash_key()?,
    };
    facts.env_file = Some(Ok(EnvFileFacts {
        path,
        data: KeyHashes::from_data(&data, &key),
    }));
    Ok(())
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
}
