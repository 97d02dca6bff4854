//! What audit reads from the cluster: the MCPServers of the scope, the referenced Secrets
//! (without their values) and the access of the current user and of everyone else.
use std::collections::{BTreeMap, BTreeSet};

use kube::api::{GetParams, ListParams};
use kube::core::Request;
use serde::Deserialize;
use tokio::sync::mpsc::UnboundedSender;

use super::reads::{Announcer, Seen};
use crate::client::{Action, Connection, access, stream};
use crate::core::findings::{RawSecret, SecretState, Server};
use crate::core::rbac::{self, NamespaceAccess};
use crate::core::{mcpserver, remote};
use crate::error::{Error, Result};

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

/// Tells `seen` what each batch of arriving servers needs read, at once (the reads start while
/// the list still streams in).
fn announcing(seen: UnboundedSender<Vec<Seen>>) -> impl FnMut(&[Server]) + Send + Clone + 'static {
    let mut announcer = Announcer::default();
    move |servers| {
        let batch = announcer.batch(servers);
        // The receiver stops only when the audit failed: nothing left to tell.
        if !batch.is_empty() {
            let _ = seen.send(batch);
        }
    }
}

/// The MCPServers of the scope, each reduced while the list streams in to where it is, what it
/// references and which plain values look like credentials; each announced on `seen` as it
/// arrives.
pub async fn list_servers(
    conn: &Connection,
    namespace: Option<&str>,
    selector: Option<&str>,
    seen: UnboundedSender<Vec<Seen>>,
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
        Server::listed_mcpserver,
        announcing(seen),
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
    seen: UnboundedSender<Vec<Seen>>,
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
            Server::listed_remote,
            announcing(seen.clone()),
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

#[derive(Deserialize, Default)]
struct RawName {
    #[serde(default)]
    name: String,
    #[serde(default)]
    namespace: String,
}

/// A ServiceAccount's `imagePullSecrets` (which the pod of a server naming it gets too);
/// `None` when it is missing or may not be read.
pub async fn service_account_pull_secrets(
    conn: &Connection,
    ns: &str,
    sa: &str,
) -> Result<Option<Vec<String>>> {
    let request = Request::new(format!("/api/v1/namespaces/{ns}/serviceaccounts"))
        .get(sa, &Default::default())
        .map_err(|e| Error::Failed(e.to_string()))?;
    let action = Action::new("get", "serviceaccounts", Some(ns)).named(sa);
    match conn.call(action, conn.client.request_text(request)).await {
        Ok(text) => serde_json::from_str::<RawServiceAccount>(&text)
            .map_err(|e| stream::parse_error(&format!("ServiceAccount {sa}"), e))
            .map(|a| Some(a.image_pull_secrets.into_iter().map(|n| n.name).collect())),
        Err(Error::Api(e)) if e.is_not_found() || e.is_forbidden() => Ok(None),
        Err(e) => Err(e),
    }
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

/// The names of the Secrets of a namespace (`None`: of every namespace, one list), by
/// namespace, from a metadata-only list (no data, no type: a few hundred bytes per Secret however
/// large its values); `None` where listing is forbidden.
pub async fn secret_names(
    conn: &Connection,
    ns: Option<&str>,
) -> Result<Option<BTreeMap<String, BTreeSet<String>>>> {
    let path = match ns {
        Some(ns) => format!("/api/v1/namespaces/{ns}/secrets"),
        None => "/api/v1/secrets".to_string(),
    };
    let request = Request::new(&path)
        .list_metadata(&cached())
        .map_err(|e| Error::Failed(e.to_string()))?;
    let action = Action::new("list", "secrets", ns);
    tracing::debug!("list {path}: names only (PartialObjectMetadataList, no data)");
    let text = match conn.call(action, conn.client.request_text(request)).await {
        Ok(text) => text,
        Err(Error::Api(e)) if e.is_forbidden() => return Ok(None),
        Err(e) => return Err(e),
    };
    let what = match ns {
        Some(ns) => format!("the Secret names of namespace {ns}"),
        None => "the Secret names of every namespace".to_string(),
    };
    let list: NameList = serde_json::from_str(&text).map_err(|e| stream::parse_error(&what, e))?;
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    if let Some(ns) = ns {
        out.entry(ns.to_string()).or_default();
    }
    for item in list.items.into_iter().flatten() {
        let m = item.metadata;
        let namespace = match ns {
            Some(ns) => ns.to_string(),
            None => m.namespace,
        };
        out.entry(namespace).or_default().insert(m.name);
    }
    Ok(Some(out))
}

/// One Secret: present (keys and metadata only), absent, or forbidden with the
/// `kubectl auth can-i` line that checks it.
pub async fn get_secret(conn: &Connection, ns: &str, name: &str) -> Result<SecretState> {
    // From the watch cache, as the lists (`resourceVersion=0`): no read from etcd per Secret.
    let request = Request::new(format!("/api/v1/namespaces/{ns}/secrets"))
        .get(name, &GetParams::any())
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

// --- Access ---------------------------------------------------------------------------------

/// Per namespace whose Secrets servers reference: may the current user get/list Secrets
/// (`answers`, SelfSubjectAccessReviews asked while the servers streamed in), and who can read
/// them by RBAC when the RBAC objects were readable.
pub fn namespace_access(
    conn: &Connection,
    answers: &BTreeMap<String, (bool, bool)>,
    rbac: &std::result::Result<rbac::Rbac, String>,
) -> Vec<NamespaceAccess> {
    // Every ClusterRole evaluated once, not once per namespace.
    let evaluated = rbac.as_ref().map(rbac::Evaluated::new);
    answers
        .iter()
        .map(|(ns, &(can_get, can_list))| {
            let (subjects, workload_readers, note) = match &evaluated {
                Ok(rbac) => (
                    rbac.who_can_read_secrets(ns),
                    rbac.who_can_create_workloads(ns),
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
                can_get,
                can_list,
                rbac_readable: rbac.is_ok(),
                subjects,
                note,
            }
        })
        .collect()
}

/// The RBAC objects who-can needs, read at once (while the servers stream in): those of the
/// namespace audited, or with `-A` one list across namespaces.
pub async fn rbac_of_scope(
    conn: &Connection,
    scope: Option<&str>,
) -> Result<std::result::Result<rbac::Rbac, String>> {
    match scope {
        Some(ns) => access::fetch_rbac(conn, &[ns.to_string()], false).await,
        None => access::fetch_rbac(conn, &[], true).await,
    }
}
