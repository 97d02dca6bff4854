//! What the checks of `troubleshoot` need from the cluster, fetched concurrently where
//! independent: the CRD, the MCPServer, the access of the current user, the pods, the Secrets
//! (as key hashes: their values go no further than [`secret_facts`]) and the events. Shared by
//! `troubleshoot` and `deploy --wait` (whose timeout report is the checks that found something).
use futures::future::join_all;
use k8s_openapi::api::core::v1::{Event, Pod, Secret};
use kube::api::{Api, DynamicObject, ListParams};
use serde_json::Value;

use crate::client::{Action, Connection, access};
use crate::core::Source;
use crate::core::diagnosis::{
    self, AccessFacts, Check, ContextFacts, Facts, Fetch, KeyHashes, SecretFacts,
};
use crate::core::mcpserver;
use crate::core::rbac::Question;
use crate::core::secret_hash::HashKey;
use crate::core::secret_plan::{self, HASH_ANNOTATION};
use crate::error::{Error, Result};

/// A read's outcome for the checks: got it; `Forbidden` with the `kubectl auth can-i` line that
/// checks it; or the explained failure.
fn fetch_result<T>(conn: &Connection, res: Result<T>, action: &Action<'_>) -> Fetch<T> {
    match res {
        Ok(t) => Fetch::Got(t),
        Err(Error::Api(e)) if e.is_forbidden() => Fetch::Forbidden(action.can_i_command(conn)),
        Err(e) => Fetch::Failed(e.to_string()),
    }
}

/// Runs one read (through [`Connection::call`]) and keeps its outcome for the checks.
async fn get_fetch<T>(
    conn: &Connection,
    action: Action<'_>,
    fut: impl std::future::Future<Output = std::result::Result<T, kube::Error>>,
) -> Fetch<T> {
    let res = conn.call(action.clone(), fut).await;
    fetch_result(conn, res, &action)
}

/// The checks of one MCPServer from what the cluster holds (no project, no env file): what
/// `deploy --wait` reports when the server does not become Ready.
pub async fn for_server(conn: &Connection, server: &str, namespace: &str) -> Vec<Check> {
    let mut facts = Facts {
        server: server.to_string(),
        namespace: namespace.to_string(),
        namespace_source: Source::Flag,
        context: ContextFacts {
            context: conn.context.clone(),
            user: conn.user.clone(),
            api_server: conn.server.clone(),
            reachable: Ok(String::new()),
            check_command: conn.cluster_info_command(),
            api_server_source: conn.server_source,
            ..ContextFacts::default()
        },
        ..Facts::default()
    };
    fetch(conn, &mut facts).await;
    diagnosis::diagnose(&facts)
}

/// Everything after the connection check: CRD, server, access, pods; then Secrets and events.
pub async fn fetch(conn: &Connection, facts: &mut Facts) {
    let ns = facts.namespace.clone();
    let server = facts.server.clone();
    let client = conn.client.clone();
    let ar = mcpserver::api_resource();
    let servers: Api<DynamicObject> = Api::namespaced_with(client.clone(), &ns, &ar);
    let all_servers: Api<DynamicObject> = Api::all_with(client.clone(), &ar);
    let pods_api: Api<Pod> = Api::namespaced(client.clone(), &ns);
    let by_name = ListParams::default().fields(&format!("metadata.name={server}"));
    let selector = ListParams::default().labels(&mcpserver::pod_selector(&server));
    let group_version = format!("{}/{}", mcpserver::GROUP, mcpserver::VERSION);

    let crd_fut = async {
        let action = Action::new("get", mcpserver::CRD_NAME, None);
        let discovery = client.list_api_group_resources(&group_version);
        match conn.call(action.clone(), discovery).await {
            Ok(list) => Fetch::Got(list.resources.iter().any(|r| r.name == mcpserver::PLURAL)),
            Err(Error::Api(e)) if e.is_not_found() => Fetch::Got(false),
            Err(e) => fetch_result(conn, Err::<bool, _>(e), &action),
        }
    };
    let server_fut = get_fetch(
        conn,
        Action::new("get", mcpserver::CRD_NAME, Some(&ns)).named(&server),
        servers.get_opt(&server),
    );
    let elsewhere_fut = get_fetch(
        conn,
        Action::new("list", mcpserver::CRD_NAME, None),
        all_servers.list_metadata(&by_name),
    );
    let pods_fut = get_fetch(
        conn,
        Action::new("list", "pods", Some(&ns)),
        pods_api.list(&selector),
    );
    let (crd, server_obj, elsewhere, pods) =
        tokio::join!(crd_fut, server_fut, elsewhere_fut, pods_fut);

    facts.crd = crd;
    facts.mcpserver = match server_obj {
        Fetch::Got(obj) => Fetch::Got(obj.map(|o| serde_json::to_value(o).unwrap_or(Value::Null))),
        Fetch::Forbidden(c) => Fetch::Forbidden(c),
        // Without the CRD the server answers 404 for the resource: the crd check says why.
        Fetch::Failed(why) => Fetch::Failed(why),
    };
    facts.server_elsewhere = match elsewhere {
        Fetch::Got(list) => Fetch::Got(
            list.items
                .into_iter()
                .filter_map(|m| m.metadata.namespace)
                .filter(|n| *n != ns)
                .collect(),
        ),
        Fetch::Forbidden(c) => Fetch::Forbidden(c),
        Fetch::Failed(w) => Fetch::Failed(w),
    };
    let pod_names: Vec<String> = match &pods {
        Fetch::Got(list) => list
            .items
            .iter()
            .map(|p| p.metadata.name.clone().unwrap_or_default())
            .collect(),
        _ => vec![],
    };
    facts.pods = pods.map(|list| list.items);

    // Secrets (names from the server and the environment), the access questions (about those
    // Secrets by name) and events, concurrently.
    let server_value = facts.mcpserver.got().and_then(|s| s.as_ref());
    let wanted = diagnosis::wanted_secrets(server_value, facts.environment.as_ref());
    let questions: Vec<Question> = diagnosis::access_questions(&ns, &server, &wanted);
    let secrets_api: Api<Secret> = Api::namespaced(client.clone(), &ns);
    let ns_ref: &str = &ns;
    let secret_futs = wanted.iter().map(|name| {
        let api = secrets_api.clone();
        let ns = ns_ref;
        async move {
            let fetched = get_fetch(
                conn,
                Action::new("get", "secrets", Some(ns)).named(name),
                api.get_opt(name),
            )
            .await;
            let facts = match fetched {
                Fetch::Got(Some(secret)) => match secret_facts(&secret) {
                    Ok(f) => Fetch::Got(Some(f)),
                    Err(e) => Fetch::Failed(e.to_string()),
                },
                Fetch::Got(None) => Fetch::Got(None),
                Fetch::Forbidden(c) => Fetch::Forbidden(c),
                Fetch::Failed(w) => Fetch::Failed(w),
            };
            let elsewhere = if matches!(facts, Fetch::Got(None)) {
                secret_namespaces(conn, name, ns).await
            } else {
                vec![]
            };
            (name.clone(), facts, elsewhere)
        }
    });
    let events_api: Api<Event> = Api::namespaced(client.clone(), &ns);
    let event_futs = pod_names
        .into_iter()
        .chain(std::iter::once(server.clone()))
        .map(|name| {
            let api = events_api.clone();
            async move {
                let lp = ListParams::default().fields(&format!("involvedObject.name={name}"));
                let action = Action::new("list", "events", Some(ns_ref));
                match conn.call(action, api.list(&lp)).await {
                    Ok(list) => list.items,
                    // Events only add detail; `can-i` reports a missing `list events`.
                    Err(_) => Vec::<Event>::new(),
                }
            }
        });
    let (secrets, events, access) = tokio::join!(
        join_all(secret_futs),
        join_all(event_futs),
        access::can_i_all(conn, &questions)
    );
    facts.access = match access {
        Ok(answers) => Fetch::Got(
            answers
                .iter()
                .map(|a| AccessFacts {
                    verb: a.question.verb.clone(),
                    resource: a.question.object(),
                    allowed: a.allowed,
                    command: access::can_i_command(conn, &a.question),
                })
                .collect(),
        ),
        Err(e) => Fetch::Failed(e.to_string()),
    };
    for (name, fetched, elsewhere) in secrets {
        if !elsewhere.is_empty() {
            facts.secrets_elsewhere.insert(name.clone(), elsewhere);
        }
        facts.secrets.insert(name, fetched);
    }
    facts.events = events.into_iter().flatten().collect();
}

/// Key names, per-key hashes, the content hash and the hash annotation of a Secret: its values
/// go no further than this function. Hashed under the Secret's own hash key (so that the content
/// hash is the annotation's when in sync), else under a key of this run only.
fn secret_facts(secret: &Secret) -> Result<SecretFacts> {
    let data = secret_plan::live_data(secret);
    let key = match HashKey::of(secret) {
        Some(key) => key,
        None => super::random_hash_key()?,
    };
    Ok(SecretFacts {
        data: KeyHashes::from_data(&data, &key),
        hash_key: Some(key),
        annotation: secret
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(HASH_ANNOTATION).cloned()),
    })
}

/// The other namespaces that hold a Secret of that name (metadata only; empty when the user may
/// not list Secrets across namespaces).
async fn secret_namespaces(conn: &Connection, name: &str, ns: &str) -> Vec<String> {
    let api: Api<Secret> = Api::all(conn.client.clone());
    let lp = ListParams::default().fields(&format!("metadata.name={name}"));
    let action = Action::new("list", "secrets", None);
    tracing::debug!(
        "list /api/v1/secrets?fieldSelector=metadata.name={name}: names only (PartialObjectMetadataList, no data)"
    );
    match conn.call(action, api.list_metadata(&lp)).await {
        Ok(list) => list
            .items
            .into_iter()
            .filter_map(|m| m.metadata.namespace)
            .filter(|n| n != ns)
            .collect(),
        Err(_) => vec![],
    }
}
