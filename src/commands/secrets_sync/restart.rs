//! `--restart`: after a change, roll the workloads that read the Secret.
use std::collections::BTreeSet;

use k8s_openapi::api::apps::v1::Deployment;
use kube::Api;
use kube::api::{DynamicObject, ListParams, Patch, PatchParams};

use crate::client::{Action, Connection};
use crate::core::mcpserver::{self, needs_restart};
use crate::core::secret_plan::{HASH_ANNOTATION, MANAGER};
use crate::error::{Error, Result};
use crate::render;

/// What `--restart` did: `kind/name` of each workload rolled, and one line per part it had to
/// skip because a list it needs is forbidden (which right, what was skipped, the can-i line).
#[derive(Debug, Default)]
pub struct Restarted {
    pub done: Vec<String>,
    pub skipped: Vec<String>,
}

/// Rolls every MCPServer and Deployment in `ns` that uses the Secret by setting the hash
/// annotation where the pod template gets it. A Deployment that an MCPServer owns (the kmcp
/// controller generates it) is rolled through that MCPServer only: the controller would rewrite
/// a patched pod template on its next reconcile and roll the pods a second time.
///
/// The rights: `list` MCPServers and Deployments in `ns` (a workload's references are only in
/// its spec), `patch` on those to roll. A list that is forbidden is skipped with a line that
/// says so, and the rest is still done: without `list mcpservers`, the MCPServers that own a
/// Deployment reading the Secret are still rolled by name.
pub async fn restart(conn: &Connection, secret: &str, ns: &str, hash: &str) -> Result<Restarted> {
    let mut out = Restarted::default();
    let done = &mut out.done;
    let pp = PatchParams {
        field_manager: Some(MANAGER.into()),
        ..PatchParams::default()
    };
    let ar = mcpserver::api_resource();
    let servers: Api<DynamicObject> = Api::namespaced_with(conn.client.clone(), ns, &ar);
    let list_servers = Action::new("list", mcpserver::CRD_NAME, Some(ns));
    let listed = conn
        .call(list_servers.clone(), servers.list(&ListParams::default()))
        .await;
    let listed = match listed {
        Ok(list) => Some(list.items),
        Err(Error::Api(e)) if e.is_not_found() => {
            render::diagnostic(&format!(
                "note: the MCPServer CRD ({}) is not installed; only Deployments are restarted",
                mcpserver::CRD_NAME
            ));
            Some(Vec::new())
        }
        Err(Error::Api(e)) if e.is_forbidden() => {
            out.skipped.push(format!(
                "MCPServers that reference secret {secret} were not looked for: you may not list {} in namespace {ns} (check with `{}`); those that own a Deployment reading it are still rolled",
                mcpserver::CRD_NAME,
                list_servers.can_i_command(conn)
            ));
            None
        }
        Err(e) => return Err(restart_failed(e)),
    };
    let deployments: Api<Deployment> = Api::namespaced(conn.client.clone(), ns);
    let list_deployments = Action::new("list", "deployments.apps", Some(ns));
    let list = match conn
        .call(
            list_deployments.clone(),
            deployments.list(&ListParams::default()),
        )
        .await
    {
        Ok(list) => list.items,
        Err(Error::Api(e)) if e.is_forbidden() => {
            out.skipped.push(format!(
                "Deployments that read secret {secret} were not restarted: you may not list deployments.apps in namespace {ns} (check with `{}`)",
                list_deployments.can_i_command(conn)
            ));
            Vec::new()
        }
        Err(e) => return Err(restart_failed(e)),
    };
    // The Deployments that read the Secret, split into those an MCPServer owns and the others.
    let mut own_deployments = Vec::new();
    let mut via_server: BTreeSet<String> = BTreeSet::new();
    for d in list {
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
    // The MCPServers to roll: those that reference the Secret and those that own a Deployment
    // that reads it (by name alone when the MCPServers cannot be listed).
    let mut to_roll: BTreeSet<String> = via_server;
    for s in listed.iter().flatten() {
        let Some(n) = s.metadata.name.clone() else {
            continue;
        };
        let value = serde_json::to_value(s).unwrap_or_default();
        if needs_restart(&mcpserver::references(&value), secret) {
            to_roll.insert(n);
        }
    }
    for n in to_roll {
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
    Ok(out)
}

/// A failed restart: the Secret itself was synced, which the message says first.
fn restart_failed(e: Error) -> Error {
    e.map_message(|m| format!("the Secret is synced, but --restart failed: {m}"))
}
