//! What audit reads from the cluster: the MCPServers of the scope, the referenced Secrets
//! (without their values) and the access of the current user and of everyone else.
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::StreamExt;
use kube::api::ListParams;
use kube::core::Request;
use serde::Deserialize;

use super::CONCURRENCY;
use crate::client::{Action, Connection, access, stream};
use crate::core::findings::{RawSecret, SecretInfo, SecretState, Secrets, Server};
use crate::core::rbac::{self, NamespaceAccess, Question};
use crate::core::{mcpserver, remote};
use crate::error::{Error, Result};
use crate::render::progress::Progress;

/// The list parameters of every list here: served from the watch cache.
fn cached() -> ListParams {
    ListParams::default().match_any()
}

/// The collection URL of a namespaced custom resource, in one namespace or all.
fn collection(group: &str, version: &str, plural: &str, namespace: Option<&str>) -> String {
    match namespace {
        Some(ns) => format!("/apis/{group}/{version}/namespaces/{ns}/{plural}"),
        None => format!("/apis/{group}/{version}/{plural}"),
    }
}

/// The MCPServers of the scope, each reduced while the list streams in to where it is, what it
/// references and which plain values look like credentials.
pub async fn list_servers(
    conn: &Connection,
    namespace: Option<&str>,
    selector: Option<&str>,
) -> Result<Vec<Server>> {
    let path = collection(
        mcpserver::GROUP,
        mcpserver::VERSION,
        mcpserver::PLURAL,
        namespace,
    );
    let action = Action::new("list", mcpserver::CRD_NAME, namespace);
    let mut servers = match stream::list(
        conn,
        action,
        &path,
        selector,
        "the MCPServers",
        Server::from_json,
    )
    .await
    {
        Ok(servers) => servers,
        Err(Error::Api(e)) if e.is_not_found() => {
            return Err(Error::Failed(format!(
                "the MCPServer API ({}) is not installed on {}: install kmcp's CRDs first (see `kubectl get crd {}`)",
                mcpserver::CRD_NAME,
                conn.server,
                mcpserver::CRD_NAME
            )));
        }
        // A list is refused as a bad request only for what the caller sent: the selector.
        Err(Error::Api(e)) if e.status == Some(400) && selector.is_some() => {
            return Err(Error::Usage(format!(
                "invalid --selector {:?}: {}; use kubectl's syntax, e.g. -l app=weather,tier!=test or -l 'env in (staging,prod)'",
                selector.unwrap_or_default(),
                e.server_message
            )));
        }
        Err(e) => return Err(e),
    };
    servers.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    Ok(servers)
}

/// kagent's RemoteMCPServers of the scope (v1alpha3, else v1alpha2). A cluster without the CRD
/// has none (said at -v); a user who may not list them gets a note.
pub async fn list_remote_servers(
    conn: &Connection,
    namespace: Option<&str>,
    selector: Option<&str>,
    notes: &mut Vec<String>,
) -> Result<Vec<Server>> {
    for version in ["v1alpha3", remote::VERSION] {
        let path = collection(remote::GROUP, version, remote::PLURAL, namespace);
        let action = Action::new("list", remote::CRD_NAME, namespace);
        let listed = stream::list(
            conn,
            action.clone(),
            &path,
            selector,
            "the RemoteMCPServers",
            Server::from_remote_json,
        )
        .await;
        match listed {
            Ok(mut servers) => {
                servers.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
                return Ok(servers);
            }
            Err(Error::Api(e)) if e.is_not_found() => continue,
            Err(Error::Api(e)) if e.is_forbidden() => {
                notes.push(format!(
                    "RemoteMCPServers were not audited: you may not list them; check with `{}`",
                    action.can_i_command(conn)
                ));
                return Ok(Vec::new());
            }
            Err(e) => return Err(e),
        }
    }
    tracing::info!(
        "the RemoteMCPServer API ({}) is not installed on {}: RemoteMCPServers skipped",
        remote::CRD_NAME,
        conn.server
    );
    Ok(Vec::new())
}

/// A ServiceAccount's `imagePullSecrets`, as far as the audit reads it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawServiceAccount {
    #[serde(default)]
    image_pull_secrets: Vec<RawName>,
}

#[derive(Deserialize)]
struct RawName {
    #[serde(default)]
    name: String,
}

/// Follows each server's `serviceAccountName` to the ServiceAccount's `imagePullSecrets`, which
/// the pod gets too (one get per distinct ServiceAccount). A missing or unreadable one is a note.
pub async fn follow_service_accounts(
    conn: &Connection,
    servers: &mut [Server],
    notes: &mut Vec<String>,
) -> Result<()> {
    let wanted: BTreeSet<(String, String)> = servers
        .iter()
        .filter_map(|s| Some((s.namespace.clone(), s.service_account.clone()?)))
        .collect();
    // Per ServiceAccount: its pull Secrets' names, or None when it cannot be read.
    type PullSecrets = Result<Option<Vec<String>>>;
    let got: Vec<((String, String), PullSecrets)> =
        futures::stream::iter(wanted.into_iter().map(|(ns, sa)| async move {
            let request = Request::new(format!("/api/v1/namespaces/{ns}/serviceaccounts"))
                .get(&sa, &Default::default())
                .map_err(|e| Error::Failed(e.to_string()));
            let r = match request {
                Ok(request) => {
                    let action = Action::new("get", "serviceaccounts", Some(&ns)).named(&sa);
                    match conn.call(action, conn.client.request_text(request)).await {
                        Ok(text) => serde_json::from_str::<RawServiceAccount>(&text)
                            .map_err(|e| stream::parse_error(&format!("ServiceAccount {sa}"), e))
                            .map(|a| {
                                Some(a.image_pull_secrets.into_iter().map(|n| n.name).collect())
                            }),
                        Err(Error::Api(e)) if e.is_not_found() || e.is_forbidden() => Ok(None),
                        Err(e) => Err(e),
                    }
                }
                Err(e) => Err(e),
            };
            ((ns, sa), r)
        }))
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let mut by_sa: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for ((ns, sa), r) in got {
        match r? {
            Some(names) => {
                by_sa.insert((ns, sa), names);
            }
            None => notes.push(format!(
                "ServiceAccount {ns}/{sa} (serviceAccountName of a server) could not be read: its imagePullSecrets were not audited; check with `kubectl get serviceaccount {sa} -n {ns}`"
            )),
        }
    }
    for s in servers.iter_mut() {
        if let Some(sa) = &s.service_account
            && let Some(names) = by_sa.get(&(s.namespace.clone(), sa.clone()))
        {
            s.add_service_account_pull_secrets(names);
        }
    }
    Ok(())
}

// --- Secrets, read without their values ---------------------------------------------------

/// The names in a namespace's metadata-only list of Secrets.
#[derive(Deserialize)]
struct NameList {
    /// `null` for an empty list.
    items: Option<Vec<NameItem>>,
}

#[derive(Deserialize)]
struct NameItem {
    metadata: RawName,
}

/// The names of a namespace's Secrets, from a metadata-only list (no data, no type: a few
/// hundred bytes per Secret however large its values); `None` where listing is forbidden.
async fn secret_names(conn: &Connection, ns: &str) -> Result<Option<BTreeSet<String>>> {
    let request = Request::new(format!("/api/v1/namespaces/{ns}/secrets"))
        .list_metadata(&cached())
        .map_err(|e| Error::Failed(e.to_string()))?;
    let action = Action::new("list", "secrets", Some(ns));
    tracing::debug!(
        "list /api/v1/namespaces/{ns}/secrets: names only (PartialObjectMetadataList, no data)"
    );
    let text = match conn.call(action, conn.client.request_text(request)).await {
        Ok(text) => text,
        Err(Error::Api(e)) if e.is_forbidden() => return Ok(None),
        Err(e) => return Err(e),
    };
    let list: NameList = serde_json::from_str(&text)
        .map_err(|e| stream::parse_error(&format!("the Secret names of namespace {ns}"), e))?;
    Ok(Some(
        list.items
            .into_iter()
            .flatten()
            .map(|i| i.metadata.name)
            .collect(),
    ))
}

/// One Secret: present (keys and metadata only), absent, or forbidden with the
/// `kubectl auth can-i` line that checks it.
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
                .map_err(|e| stream::parse_error(&format!("Secret {name} in namespace {ns}"), e))?;
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

/// Reads what the checks need of each wanted Secret, and no other Secret's data: per
/// namespace one metadata-only list of names (where allowed; it also shows which referenced
/// names exist in other namespaces), then one get per referenced Secret that exists (or, where
/// listing is forbidden, per referenced name). At most [`CONCURRENCY`] requests at a time.
/// Never lists Secrets cluster-wide, never lists Secret data.
pub async fn read_secrets(
    conn: &Connection,
    wanted: &BTreeMap<String, BTreeSet<String>>,
    referenced: &BTreeSet<String>,
    progress: &Progress,
) -> Result<(Secrets, BTreeSet<String>)> {
    let total = wanted.len();
    let done = AtomicUsize::new(0);
    progress.say(&format!("listing Secret names: 0/{total} namespaces"));
    let listed: Vec<(&String, Result<Option<BTreeSet<String>>>)> =
        futures::stream::iter(wanted.keys().map(|ns| {
            let done = &done;
            async move {
                let r = secret_names(conn, ns).await;
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                progress.say(&format!("listing Secret names: {n}/{total} namespaces"));
                (ns, r)
            }
        }))
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let mut secrets = Secrets::default();
    let mut gets: Vec<(&str, &str)> = Vec::new();
    let mut names_listed = BTreeSet::new();
    for (ns, result) in listed {
        match result? {
            Some(names) => {
                names_listed.insert(ns.clone());
                for name in &wanted[ns] {
                    if names.contains(name) {
                        gets.push((ns, name));
                    } else {
                        secrets.insert(ns, name, SecretState::Absent);
                    }
                }
                // Referenced elsewhere, present here: known by name only, for the
                // namespace-mismatch check (no server of this namespace references it).
                for name in referenced.intersection(&names) {
                    if !wanted[ns].contains(name) {
                        secrets.insert(ns, name, SecretState::Present(SecretInfo::default()));
                    }
                }
            }
            None => gets.extend(wanted[ns].iter().map(|n| (ns.as_str(), n.as_str()))),
        }
    }
    let total = gets.len();
    let done = AtomicUsize::new(0);
    let got: Vec<(&str, &str, Result<SecretState>)> =
        futures::stream::iter(gets.into_iter().map(|(ns, name)| {
            let done = &done;
            async move {
                let r = get_secret(conn, ns, name).await;
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                progress.say(&format!("reading Secrets: {n}/{total}"));
                (ns, name, r)
            }
        }))
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    for (ns, name, state) in got {
        secrets.insert(ns, name, state?);
    }
    Ok((secrets, names_listed))
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
            let (subjects, workload_readers, note) = match &rbac {
                Ok(rbac) => (
                    rbac::who_can_read_secrets(rbac, ns),
                    rbac::who_can_create_workloads(rbac, ns),
                    None,
                ),
                Err(why) => (
                    Vec::new(),
                    Vec::new(),
                    Some(format!(
                        "RBAC objects are not readable ({why}): showing only your own rights"
                    )),
                ),
            };
            NamespaceAccess {
                read_with: None,
                context: conn.context.clone(),
                namespace: ns.clone(),
                workload_readers,
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
