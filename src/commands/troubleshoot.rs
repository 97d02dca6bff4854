//! `kubectl kmcp troubleshoot [SERVER]`: every check in order, each result explained with its fix.
//!
//! The shell: resolve the server, namespace and environment; fetch what the checks need
//! (concurrently where independent); hand it to `diagnosis::diagnose`; render. Secret values are
//! turned into per-key hashes as soon as they are read and never kept.
use std::collections::BTreeMap;

use super::cluster_checks::{self, cluster_info};
use crate::cli::{KubeFlags, TroubleshootArgs};
use crate::client::Action;
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
                    cluster_checks::fetch(&conn, &mut facts).await;
                }
                Err(e) => facts.context.reachable = Err(e.to_string()),
            }
        }
    }

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
        Format::Table => print!(
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
