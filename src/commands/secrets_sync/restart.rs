//! `--restart`: after a change, roll the workloads that read the Secret.
use std::collections::BTreeSet;

use k8s_openapi::api::apps::v1::Deployment;
use kube::Api;
use kube::api::{DynamicObject, ListParams, Patch, PatchParams};

use crate::client::{Action, Connection};
use crate::core::mcpserver::{self, needs_restart};
use crate::core::secret_plan::{HASH_ANNOTATION, MANAGER};
use crate::error::{Error, Result};

/// Rolls every MCPServer and Deployment in `ns` that uses the Secret by setting the hash
/// annotation where the pod template gets it. A Deployment that an MCPServer owns (the kmcp
/// controller generates it) is rolled through that MCPServer only: the controller would rewrite
/// a patched pod template on its next reconcile and roll the pods a second time. Returns
/// `kind/name` of each.
pub async fn restart(conn: &Connection, secret: &str, ns: &str, hash: &str) -> Result<Vec<String>> {
    let mut done = Vec::new();
    let pp = PatchParams {
        field_manager: Some(MANAGER.into()),
        ..PatchParams::default()
    };
    let ar = mcpserver::api_resource();
    let servers: Api<DynamicObject> = Api::namespaced_with(conn.client.clone(), ns, &ar);
    let listed = conn
        .call(
            Action::new("list", mcpserver::CRD_NAME, Some(ns)),
            servers.list(&ListParams::default()),
        )
        .await;
    let listed = match listed {
        Ok(list) => list.items,
        Err(Error::Api(e)) if e.is_not_found() => {
            eprintln!(
                "note: the MCPServer CRD ({}) is not installed; only Deployments are restarted",
                mcpserver::CRD_NAME
            );
            Vec::new()
        }
        Err(e) => return Err(restart_failed(e)),
    };
    let deployments: Api<Deployment> = Api::namespaced(conn.client.clone(), ns);
    let list = conn
        .call(
            Action::new("list", "deployments.apps", Some(ns)),
            deployments.list(&ListParams::default()),
        )
        .await
        .map_err(restart_failed)?;
    // The Deployments that read the Secret, split into those an MCPServer owns and the others.
    let mut own_deployments = Vec::new();
    let mut via_server: BTreeSet<String> = BTreeSet::new();
    for d in list.items {
        let uses = d
            .spec
            .template
            .spec
            .as_ref()
            .and_then(|p| serde_json::to_value(p).ok())
            .is_some_and(|p| needs_restart(&mcpserver::pod_spec_references(&p, ""), secret));
        let Some(n) = d.metadata.name.clone() else {
            continue;
        };
        if !uses {
            continue;
        }
        match mcpserver::owning_server(&d.metadata) {
            Some(server) => {
                via_server.insert(server.to_string());
            }
            None => own_deployments.push(n),
        }
    }
    for s in listed {
        let Some(n) = s.metadata.name.clone() else {
            continue;
        };
        let value = serde_json::to_value(&s).unwrap_or_default();
        if !needs_restart(&mcpserver::references(&value), secret) && !via_server.contains(&n) {
            continue;
        }
        let patch =
            serde_json::json!({"spec": {"deployment": {"annotations": {HASH_ANNOTATION: hash}}}});
        conn.call(
            Action::new("patch", mcpserver::CRD_NAME, Some(ns)).named(&n),
            servers.patch(&n, &pp, &Patch::Merge(&patch)),
        )
        .await
        .map_err(restart_failed)?;
        done.push(format!("mcpserver.{}/{n}", mcpserver::GROUP));
    }
    for n in own_deployments {
        let patch = serde_json::json!({"spec": {"template": {"metadata": {"annotations": {HASH_ANNOTATION: hash}}}}});
        conn.call(
            Action::new("patch", "deployments.apps", Some(ns)).named(&n),
            deployments.patch(&n, &pp, &Patch::Merge(&patch)),
        )
        .await
        .map_err(restart_failed)?;
        done.push(format!("deployment.apps/{n}"));
    }
    Ok(done)
}

/// A failed restart: the Secret itself was synced, which the message says first.
fn restart_failed(e: Error) -> Error {
    e.map_message(|m| format!("the Secret is synced, but --restart failed: {m}"))
}
