//! `kubectl kmcp completion <shell>`: prints the static completion script; and the completion
//! requests of `kubectl kmcp <TAB>` (`__complete`, `kubectl_complete-kmcp`): the pure answer of
//! `cli::completion`, plus the names only a lookup gives (kmcp.yaml's environments, the
//! kubeconfig's contexts, the cluster's namespaces and MCPServers). Completion never fails
//! loudly and never hangs: every lookup error is an empty list, every request has a short limit.
use std::io::Write;
use std::time::Duration;

use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, DynamicObject, ListParams};

use crate::cli::completion::{self as protocol, Lookup};
use crate::cli::{self, CompleteArgs, CompletionArgs, DurationArg};
use crate::client::Action;
use crate::core::mcpserver;
use crate::error::{Error, Outcome, Result};

/// The longest a completion waits for the API server (also when --request-timeout is longer).
const LOOKUP_LIMIT: Duration = Duration::from_secs(2);

/// Prints the completion script of the shell on stdout.
pub fn run(args: CompletionArgs) -> Result<Outcome> {
    let script = protocol::script(args.shell.shell(), cli::command());
    let mut out = std::io::stdout().lock();
    out.write_all(&script)
        .and_then(|()| out.flush())
        .map_err(|err| Error::Failed(format!("cannot write the completion script: {err}")))?;
    Ok(Outcome::Success)
}

/// Answers one completion request on stdout in kubectl's plugin format; always exit 0.
pub async fn complete(args: CompleteArgs) -> Result<Outcome> {
    let answer = protocol::complete(cli::command(), &args.words);
    let answer = match &answer.pending {
        Some(p) => {
            let values = lookup(p.lookup, &args.words).await;
            answer.fill(values)
        }
        None => answer,
    };
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(answer.render().as_bytes());
    let _ = out.flush();
    Ok(Outcome::Success)
}

/// The names of `lookup`, read with the flags typed so far; empty on any error.
async fn lookup(lookup: Lookup, words: &[String]) -> Vec<String> {
    let (mut flags, project) = protocol::context_of(words);
    if flags.request_timeout.0.is_none_or(|t| t > LOOKUP_LIMIT) {
        flags.request_timeout = DurationArg(Some(LOOKUP_LIMIT));
    }
    match lookup {
        Lookup::Environments => project
            .load()
            .map(|p| p.environment_names())
            .unwrap_or_default(),
        Lookup::Contexts => flags.kubeconfig_names().contexts,
        Lookup::Clusters => flags.kubeconfig_names().clusters,
        Lookup::Users => flags.kubeconfig_names().users,
        Lookup::Namespaces => {
            let Ok(conn) = flags.connect().await else {
                return Vec::new();
            };
            let api: Api<Namespace> = Api::all(conn.client.clone());
            let params = ListParams::default();
            let list = api.list_metadata(&params);
            match conn
                .call(Action::new("list", "namespaces", None), list)
                .await
            {
                Ok(list) => list
                    .items
                    .into_iter()
                    .filter_map(|n| n.metadata.name)
                    .collect(),
                Err(_) => Vec::new(),
            }
        }
        Lookup::Servers => {
            let view = flags.kubeconfig_view();
            let (ns, _) = flags.default_namespace(&view);
            let Ok(conn) = flags.connect().await else {
                return Vec::new();
            };
            let api: Api<DynamicObject> =
                Api::namespaced_with(conn.client.clone(), &ns, &mcpserver::api_resource());
            let params = ListParams::default();
            let list = api.list_metadata(&params);
            match conn
                .call(Action::new("list", "mcpservers", Some(&ns)), list)
                .await
            {
                Ok(list) => list
                    .items
                    .into_iter()
                    .filter_map(|s| s.metadata.name)
                    .collect(),
                Err(_) => Vec::new(),
            }
        }
    }
}
