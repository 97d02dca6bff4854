//! What audit reads from the cluster: the MCPServers of the scope, the referenced Secrets
//! (without their values) and the access of the current user and of everyone else.
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::StreamExt;
use kube::api::ListParams;
use kube::core::Request;
use serde::Deserialize;
use serde_json::Value;

use super::CONCURRENCY;
use crate::client::{Action, Connection, access};
use crate::core::findings::{RawSecret, RawSecretList, SecretInfo, SecretState, Secrets, Server};
use crate::core::mcpserver;
use crate::core::rbac::{self, NamespaceAccess, Question};
use crate::error::{Error, Result};
use crate::render::progress::Progress;

/// The list parameters of every list here: served from the watch cache.
fn cached() -> ListParams {
    ListParams::default().match_any()
}

/// A list of MCPServers as JSON objects (`Server::from_json` reads each).
#[derive(Deserialize)]
struct ServerList {
    items: Vec<Value>,
}

/// One list of MCPServers for the scope, reduced to where each is and what it references.
pub async fn list_servers(
    conn: &Connection,
    namespace: Option<&str>,
    selector: Option<&str>,
) -> Result<Vec<Server>> {
    let path = match namespace {
        Some(ns) => format!(
            "/apis/{}/{}/namespaces/{ns}/{}",
            mcpserver::GROUP,
            mcpserver::VERSION,
            mcpserver::PLURAL
        ),
        None => format!(
            "/apis/{}/{}/{}",
            mcpserver::GROUP,
            mcpserver::VERSION,
            mcpserver::PLURAL
        ),
    };
    let mut lp = cached();
    if let Some(sel) = selector {
        lp = lp.labels(sel);
    }
    let request = Request::new(path)
        .list(&lp)
        .map_err(|e| Error::Usage(format!("invalid --selector: {e}")))?;
    let action = Action::new("list", mcpserver::CRD_NAME, namespace);
    let text = match conn.call(action, conn.client.request_text(request)).await {
        Ok(text) => text,
        Err(Error::Api(e)) if e.is_not_found() => {
            return Err(Error::Failed(format!(
                "the MCPServer API ({}) is not installed on {}: install kmcp's CRDs first (see `kubectl get crd {}`)",
                mcpserver::CRD_NAME,
                conn.server,
                mcpserver::CRD_NAME
            )));
        }
        Err(e) => return Err(e),
    };
    let list: ServerList =
        serde_json::from_str(&text).map_err(|e| parse_error("the list of MCPServers", e))?;
    drop(text);
    let mut servers: Vec<Server> = list.items.iter().map(Server::from_json).collect();
    servers.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    Ok(servers)
}

// --- Secrets, read without their values ---------------------------------------------------

/// A JSON answer that could not be parsed; the error names a line/column and what was
/// expected, never the text it read.
fn parse_error(what: &str, e: serde_json::Error) -> Error {
    Error::Failed(format!(
        "the API server's answer for {what} could not be read (line {}, column {}): {:?}",
        e.line(),
        e.column(),
        e.classify()
    ))
}

/// A namespace's Secrets, listed; or `Forbidden`, and then they are read one by one.
enum Listed {
    /// Every Secret of the namespace that the audit cares about.
    All(Vec<(String, SecretInfo)>),
    Forbidden,
}

/// One list of a namespace's Secrets, reduced at once to the `keep` names' keys and metadata.
async fn list_namespace_secrets(
    conn: &Connection,
    ns: &str,
    keep: &BTreeSet<String>,
) -> Result<Listed> {
    let request = Request::new(format!("/api/v1/namespaces/{ns}/secrets"))
        .list(&cached())
        .map_err(|e| Error::Failed(e.to_string()))?;
    let action = Action::new("list", "secrets", Some(ns));
    let text = match conn.call(action, conn.client.request_text(request)).await {
        Ok(text) => text,
        Err(Error::Api(e)) if e.is_forbidden() => return Ok(Listed::Forbidden),
        Err(e) => return Err(e),
    };
    let list: RawSecretList = serde_json::from_str(&text)
        .map_err(|e| parse_error(&format!("the Secrets of namespace {ns}"), e))?;
    drop(text);
    Ok(Listed::All(
        list.items
            .into_iter()
            .filter(|s| keep.contains(&s.metadata.name))
            .map(|s| (s.metadata.name.clone(), s.info()))
            .collect(),
    ))
}

/// One Secret, read where its namespace may not be listed: present (keys and metadata only),
/// absent, or forbidden with the `kubectl auth can-i` line that checks it.
async fn get_secret(conn: &Connection, ns: &str, name: &str) -> Result<SecretState> {
    let request = Request::new(format!("/api/v1/namespaces/{ns}/secrets"))
        .get(name, &Default::default())
        .map_err(|e| Error::Failed(e.to_string()))?;
    let action = Action::new("get", "secrets", Some(ns)).named(name);
    match conn
        .call(action.clone(), conn.client.request_text(request))
        .await
    {
        Ok(text) => {
            let s: RawSecret = serde_json::from_str(&text)
                .map_err(|e| parse_error(&format!("Secret {name} in namespace {ns}"), e))?;
            Ok(SecretState::Present(s.info()))
        }
        Err(Error::Api(e)) if e.is_not_found() => Ok(SecretState::Absent),
        // The can-i line carries --as/--as-group already (see `Action::can_i_command`).
        Err(Error::Api(e)) if e.is_forbidden() => Ok(SecretState::Forbidden {
            check: action.can_i_command(conn),
        }),
        Err(e) => Err(e),
    }
}

/// Reads each wanted Secret at most once: one list per namespace where allowed, else one get
/// per name; at most [`CONCURRENCY`] requests at a time. Never lists Secrets cluster-wide.
pub async fn read_secrets(
    conn: &Connection,
    wanted: &BTreeMap<String, BTreeSet<String>>,
    referenced: &BTreeSet<String>,
    progress: &Progress,
) -> Result<Secrets> {
    let total = wanted.len();
    let done = AtomicUsize::new(0);
    progress.say(&format!("reading Secrets: 0/{total} namespaces"));
    let listed: Vec<(String, Result<Listed>)> = futures::stream::iter(wanted.keys().map(|ns| {
        let done = &done;
        async move {
            let r = list_namespace_secrets(conn, ns, referenced).await;
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            progress.say(&format!("reading Secrets: {n}/{total} namespaces"));
            (ns.clone(), r)
        }
    }))
    .buffer_unordered(CONCURRENCY)
    .collect()
    .await;
    let mut secrets = Secrets::default();
    let mut gets: Vec<(&str, &str)> = Vec::new();
    for (ns, result) in listed {
        let names = &wanted[&ns];
        match result? {
            Listed::All(found) => {
                let found: BTreeMap<String, SecretInfo> = found.into_iter().collect();
                for (name, info) in &found {
                    secrets.insert(&ns, name, SecretState::Present(info.clone()));
                }
                for name in names {
                    if !found.contains_key(name) {
                        secrets.insert(&ns, name, SecretState::Absent);
                    }
                }
            }
            Listed::Forbidden => {
                let (ns, _) = wanted.get_key_value(&ns).expect("a wanted namespace");
                gets.extend(names.iter().map(|n| (ns.as_str(), n.as_str())));
            }
        }
    }
    if !gets.is_empty() {
        let total = gets.len();
        let done = AtomicUsize::new(0);
        let got: Vec<(&str, &str, Result<SecretState>)> =
            futures::stream::iter(gets.into_iter().map(|(ns, name)| {
                let done = &done;
                async move {
                    let r = get_secret(conn, ns, name).await;
                    let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                    progress.say(&format!("reading Secrets one by one: {n}/{total}"));
                    (ns, name, r)
                }
            }))
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        for (ns, name, state) in got {
            secrets.insert(ns, name, state?);
        }
    }
    Ok(secrets)
}

// --- Access ---------------------------------------------------------------------------------

/// Per namespace: may the current user get/list Secrets (SelfSubjectAccessReview), and who can
/// read them by RBAC when the RBAC objects are readable.
pub async fn namespace_access(
    conn: &Connection,
    namespaces: &[String],
    all: bool,
) -> Result<Vec<NamespaceAccess>> {
    if namespaces.is_empty() {
        return Ok(Vec::new());
    }
    let questions: Vec<Question> = namespaces
        .iter()
        .flat_map(|ns| {
            ["get", "list"]
                .into_iter()
                .map(move |verb| Question::new(verb, "", "secrets", Some(ns)))
        })
        .collect();
    let reviews = futures::stream::iter(questions.iter().map(|q| access::can_i(conn, q)))
        .buffered(CONCURRENCY)
        .collect::<Vec<_>>();
    // With -A and many namespaces, one list of Roles/RoleBindings across namespaces is fewer
    // requests than one per namespace.
    let across = all && namespaces.len() > 1;
    let (answers, rbac) = tokio::join!(reviews, access::fetch_rbac(conn, namespaces, across));
    let answers: Vec<rbac::Answer> = answers.into_iter().collect::<Result<_>>()?;
    let rbac = rbac?;
    Ok(namespaces
        .iter()
        .enumerate()
        .map(|(i, ns)| {
            let (subjects, note) = match &rbac {
                Ok(rbac) => (rbac::who_can_read_secrets(rbac, ns), None),
                Err(why) => (
                    Vec::new(),
                    Some(format!(
                        "RBAC objects are not readable ({why}): showing only your own rights"
                    )),
                ),
            };
            NamespaceAccess {
                namespace: ns.clone(),
                user: conn.user.clone(),
                can_get: answers[2 * i].allowed,
                can_list: answers[2 * i + 1].allowed,
                rbac_readable: rbac.is_ok(),
                subjects,
                note,
            }
        })
        .collect())
}
