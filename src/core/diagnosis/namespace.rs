//! `namespace`: kmcp.yaml's namespace for the environment, `-n`, where the MCPServer is and where
//! each Secret is all agree.
use super::secret::create_hint;
use super::text::{join_at_most_five, unique_lines};
use super::{Check, Facts, Fetch};
use crate::core::CheckStatus;

/// Passes listing where each thing is; fails on each disagreement, with its fix.
pub(super) fn check(f: &Facts) -> Check {
    let mut agree = Vec::new();
    let mut problems = Vec::new();
    let mut hints = Vec::new();
    match &f.environment {
        Some(env) => match &env.namespace {
            Some(ns) => agree.push(format!("kmcp.yaml's environment {}: {ns}", env.name)),
            None => agree.push(format!(
                "kmcp.yaml's environment {} sets no namespace (using {} from {})",
                env.name, f.namespace, f.namespace_source
            )),
        },
        None => agree.push(format!(
            "namespace {} ({}); no --environment, so kmcp.yaml is not compared",
            f.namespace, f.namespace_source
        )),
    }
    if let (Some(flag), Some(env)) = (&f.flag_namespace, &f.environment) {
        problems.push(format!(
            "-n {flag} disagrees with kmcp.yaml, which puts environment {} in {} (kmcp.yaml's namespace is the one checked)",
            env.name, f.namespace
        ));
        hints.push(format!(
            "drop -n {flag}, or change `namespace` under secrets.{} in {}",
            env.name, env.path
        ));
    }
    match (&f.mcpserver, &f.server_elsewhere) {
        (Fetch::Got(Some(_)), _) => agree.push(format!("MCPServer {}: {}", f.server, f.namespace)),
        (Fetch::Got(None), Fetch::Got(list)) => {
            let others: Vec<&String> = list.iter().filter(|n| **n != f.namespace).collect();
            if !others.is_empty() {
                let names: Vec<&str> = others.iter().map(|s| s.as_str()).collect();
                problems.push(format!(
                    "MCPServer {} is in namespace {}, not in {}",
                    f.server,
                    join_at_most_five(&names),
                    f.namespace
                ));
                hints.push(match &f.environment {
                    Some(env) => format!(
                        "redeploy it with `kubectl kmcp deploy {} --environment {}{}`, or set `namespace: {}` under secrets.{} in {}",
                        f.server, env.name, f.project_flags, names[0], env.name, env.path
                    ),
                    None => format!("run with `-n {}`", names[0]),
                });
            }
        }
        _ => {}
    }
    for (name, fetch) in &f.secrets {
        match fetch {
            Fetch::Got(Some(_)) => agree.push(format!("Secret {name}: {}", f.namespace)),
            Fetch::Got(None) => {
                if let Some(others) = f.secrets_elsewhere.get(name).filter(|o| !o.is_empty()) {
                    problems.push(format!(
                        "Secret {name} is in namespace {}, not in {} where the server reads it",
                        join_at_most_five(&others.iter().map(String::as_str).collect::<Vec<_>>()),
                        f.namespace
                    ));
                    hints.push(create_hint(f, name));
                }
            }
            _ => {}
        }
    }
    if problems.is_empty() {
        Check::new("namespace", CheckStatus::Pass, agree.join("\n"))
    } else {
        Check::new("namespace", CheckStatus::Fail, problems.join("\n")).hint(unique_lines(hints))
    }
}

#[cfg(test)]
mod tests {
    use crate::core::CheckStatus;
    use crate::core::diagnosis::testing::*;
    use crate::core::diagnosis::*;

    #[test]
    fn flag_namespace_against_kmcp_yaml_is_a_finding() {
        let mut f = healthy();
        f.flag_namespace = Some("other".into());
        let checks = diagnose(&f);
        let ns = by_id(&checks, "namespace");
        assert_eq!(ns.status, CheckStatus::Fail);
        assert!(ns.detail.contains("-n other disagrees"));
        assert!(ns.hint.contains("drop -n other"));
    }

    /// When everything agrees, the detail says where each object was found.
    #[test]
    fn agreeing_namespaces_are_listed() {
        let ns = by_id(&diagnose(&healthy()), "namespace").clone();
        assert_eq!(ns.status, CheckStatus::Pass);
        assert_eq!(
            ns.detail,
            "kmcp.yaml's environment staging: staging\nMCPServer weather: staging\nSecret weather-secrets: staging"
        );
    }
}
