//! `mcpserver`: the server exists in the namespace; if not, whether one of that name exists in
//! another namespace (a namespace mismatch). When it fails, `pods` is `skip`.
use super::text::{join_at_most_five, plural};
use super::{Check, Facts, Fetch};
use crate::core::CheckStatus;
use crate::core::mcpserver;

/// How to deploy the missing server: with the environment when there is one.
fn deploy_hint(f: &Facts) -> String {
    match &f.environment {
        Some(env) => format!(
            "deploy it: `kubectl kmcp deploy {} --environment {}{}`",
            f.server, env.name, f.project_flags
        ),
        None => format!(
            "deploy it: `kubectl kmcp deploy {} -n {} --environment ENV`, or find it with `kubectl get mcpservers -A`",
            f.server, f.namespace
        ),
    }
}

/// Passes when the MCPServer exists in the namespace; fails when it does not, naming the other
/// namespaces that hold one; warns when it could not be read.
pub(super) fn check(f: &Facts) -> Check {
    let elsewhere = match &f.server_elsewhere {
        Fetch::Got(list) => list
            .iter()
            .filter(|n| **n != f.namespace)
            .cloned()
            .collect(),
        _ => vec![],
    };
    match &f.mcpserver {
        Fetch::Got(Some(server)) => {
            let refs = mcpserver::references(server);
            let ready = super::facts::server_status(server)
                .and_then(|s| s.condition("Ready").cloned())
                .map(|c| format!(", Ready={}", c.status))
                .unwrap_or_default();
            Check::new(
                "mcpserver",
                CheckStatus::Pass,
                format!(
                    "MCPServer {} exists in namespace {} ({} Secret reference{}{ready})",
                    f.server,
                    f.namespace,
                    refs.len(),
                    plural(refs.len())
                ),
            )
        }
        Fetch::Got(None) if !elsewhere.is_empty() => {
            let hint = match &f.environment {
                Some(env) => format!(
                    "a namespace mismatch: deploy it where kmcp.yaml's environment {} puts it (`kubectl kmcp deploy {} --environment {}{}`), or change `namespace` under secrets.{} in {}",
                    env.name, f.server, env.name, f.project_flags, env.name, env.path
                ),
                None => format!(
                    "a namespace mismatch: run with `-n {}`, or deploy it to {}",
                    elsewhere[0], f.namespace
                ),
            };
            Check::new(
                "mcpserver",
                CheckStatus::Fail,
                format!(
                    "no MCPServer {} in namespace {}, but one of that name exists in namespace {}",
                    f.server,
                    f.namespace,
                    join_at_most_five(&elsewhere.iter().map(String::as_str).collect::<Vec<_>>())
                ),
            )
            .hint(hint)
        }
        Fetch::Got(None) => {
            let searched = match &f.server_elsewhere {
                Fetch::Got(_) => " nor in any other namespace".to_string(),
                Fetch::Forbidden(_) => {
                    " (other namespaces not searched: you may not list MCPServers across namespaces)"
                        .to_string()
                }
                Fetch::Failed(why) => format!(" (other namespaces not searched: {why})"),
            };
            Check::new(
                "mcpserver",
                CheckStatus::Fail,
                format!(
                    "no MCPServer {} in namespace {}{searched}",
                    f.server, f.namespace
                ),
            )
            .hint(deploy_hint(f))
        }
        Fetch::Forbidden(cmd) => Check::new(
            "mcpserver",
            CheckStatus::Warn,
            format!(
                "you may not read MCPServers in namespace {}: cannot check {}",
                f.namespace, f.server
            ),
        )
        .hint(format!(
            "check with `{cmd}` and ask for a Role that allows it"
        )),
        Fetch::Failed(why) => Check::new(
            "mcpserver",
            CheckStatus::Warn,
            format!("cannot read MCPServer {}: {why}", f.server),
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::core::CheckStatus;
    use crate::core::diagnosis::testing::*;
    use crate::core::diagnosis::*;

    #[test]
    fn server_in_another_namespace_is_a_mismatch() {
        let mut f = healthy();
        f.mcpserver = Fetch::Got(None);
        f.server_elsewhere = Fetch::Got(vec!["prod".into()]);
        let checks = diagnose(&f);
        let server = by_id(&checks, "mcpserver");
        assert_eq!(server.status, CheckStatus::Fail);
        assert!(server.detail.contains("exists in namespace prod"));
        assert!(server.hint.contains("namespace mismatch"));
        let ns = by_id(&checks, "namespace");
        assert_eq!(ns.status, CheckStatus::Fail);
        assert!(
            ns.detail
                .contains("MCPServer weather is in namespace prod, not in staging")
        );
        assert_eq!(status_of(&checks, "pods"), CheckStatus::Skip);
        // The environment's Secret is still checked.
        assert_eq!(status_of(&checks, "secret"), CheckStatus::Pass);
    }

    /// Found in no namespace: the detail says the others were searched, the fix is the deploy
    /// command (with the environment when there is one).
    #[test]
    fn a_server_found_nowhere_gets_the_deploy_command() {
        let mut f = healthy();
        f.mcpserver = Fetch::Got(None);
        // Only its own namespace holds the name: nothing elsewhere.
        f.server_elsewhere = Fetch::Got(vec![NS.into()]);
        let server = by_id(&diagnose(&f), "mcpserver").clone();
        assert_eq!(server.status, CheckStatus::Fail);
        assert_eq!(
            server.detail,
            "no MCPServer weather in namespace staging nor in any other namespace"
        );
        assert_eq!(
            server.hint,
            "deploy it: `kubectl kmcp deploy weather --environment staging`"
        );
        f.environment = None;
        let server = by_id(&diagnose(&f), "mcpserver").clone();
        assert!(
            server.hint.starts_with(
                "deploy it: `kubectl kmcp deploy weather -n staging --environment ENV`"
            ),
            "{}",
            server.hint
        );
        f.server_elsewhere = Fetch::Forbidden("kubectl auth can-i list mcpservers -A".into());
        let server = by_id(&diagnose(&f), "mcpserver").clone();
        assert!(
            server.detail.contains("(other namespaces not searched:"),
            "{}",
            server.detail
        );
    }

    #[test]
    fn an_existing_server_passes_with_its_references_and_readiness() {
        let server = by_id(&diagnose(&healthy()), "mcpserver").clone();
        assert_eq!(server.status, CheckStatus::Pass);
        assert_eq!(
            server.detail,
            "MCPServer weather exists in namespace staging (1 Secret reference, Ready=True)"
        );
    }
}
