//! Access asks: what the current user may do (SelfSubjectAccessReview, as `kubectl auth can-i`),
//! asked concurrently, each with the command that reproduces it; and the RBAC objects that
//! `core::rbac` evaluates. Every request goes through [`Connection::call`].
use futures::StreamExt;
use futures::future::join_all;
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use kube::api::{Api, ListParams, PostParams};

use super::{Action, Connection};
use crate::core::rbac::{Answer, Question, Rbac};
use crate::error::{ApiError, Error, Result};

/// The `kubectl auth can-i` line that asks the same question as `q`, as the same user.
pub fn can_i_command(conn: &Connection, q: &Question) -> String {
    let resource = q.qualified_resource();
    let action = Action::new(&q.verb, &resource, q.namespace.as_deref());
    match &q.name {
        Some(name) => action.named(name).can_i_command(conn),
        None => action.can_i_command(conn),
    }
}

/// Asks one question with a SelfSubjectAccessReview.
pub async fn can_i(conn: &Connection, q: &Question) -> Result<Answer> {
    let api: Api<SelfSubjectAccessReview> = Api::all(conn.client.clone());
    let review = SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                verb: Some(q.verb.clone()),
                group: Some(q.group.clone()),
                resource: Some(q.resource.clone()),
                namespace: q.namespace.clone(),
                name: q.name.clone(),
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    let action = Action::new(
        "create",
        "selfsubjectaccessreviews.authorization.k8s.io",
        None,
    );
    let answer = conn
        .call(action, api.create(&PostParams::default(), &review))
        .await?;
    let status = answer.status.unwrap_or_default();
    let reason = status
        .reason
        .filter(|r| !r.is_empty())
        .or(status.evaluation_error.filter(|e| !e.is_empty()));
    Ok(Answer {
        question: q.clone(),
        allowed: status.allowed && !status.denied.unwrap_or(false),
        reason,
    })
}

/// Asks several questions concurrently; answers come back in the order asked.
pub async fn can_i_all(conn: &Connection, questions: &[Question]) -> Result<Vec<Answer>> {
    join_all(questions.iter().map(|q| can_i(conn, q)))
        .await
        .into_iter()
        .collect()
}

/// Whether a request was refused with 403 (the caller then reports what it could not read).
fn forbidden(e: &Error) -> bool {
    e.api().is_some_and(ApiError::is_forbidden)
}

/// Reads the RBAC objects who-can needs: ClusterRoles and ClusterRoleBindings, and the Roles
/// and RoleBindings of `namespaces` (one list across all namespaces when `all`). `Ok(Err(why))`
/// when the user may not read them.
pub async fn fetch_rbac(
    conn: &Connection,
    namespaces: &[String],
    all: bool,
) -> Result<std::result::Result<Rbac, String>> {
    let lp = ListParams::default().match_any();
    let c = &conn.client;
    let cluster_roles = Api::<ClusterRole>::all(c.clone());
    let crbs = Api::<ClusterRoleBinding>::all(c.clone());
    let (cr, crb) = tokio::join!(
        conn.call(
            Action::new("list", "clusterroles", None),
            cluster_roles.list(&lp)
        ),
        conn.call(
            Action::new("list", "clusterrolebindings", None),
            crbs.list(&lp)
        ),
    );
    let mut rbac = Rbac::default();
    match (cr, crb) {
        (Ok(cr), Ok(crb)) => {
            rbac.cluster_roles = cr.items;
            rbac.cluster_role_bindings = crb.items;
        }
        (Err(e), _) | (_, Err(e)) if forbidden(&e) => {
            return Ok(Err(
                "cannot list clusterroles/clusterrolebindings (forbidden)".into(),
            ));
        }
        (Err(e), _) | (_, Err(e)) => return Err(e),
    }
    let scopes: Vec<Option<&str>> = if all {
        vec![None]
    } else {
        namespaces.iter().map(|n| Some(n.as_str())).collect()
    };
    let lists = futures::stream::iter(scopes.into_iter().map(|ns| {
        let roles: Api<Role> = match ns {
            Some(ns) => Api::namespaced(c.clone(), ns),
            None => Api::all(c.clone()),
        };
        let bindings: Api<RoleBinding> = match ns {
            Some(ns) => Api::namespaced(c.clone(), ns),
            None => Api::all(c.clone()),
        };
        let lp = lp.clone();
        async move {
            let (r, b) = tokio::join!(
                conn.call(Action::new("list", "roles", ns), roles.list(&lp)),
                conn.call(Action::new("list", "rolebindings", ns), bindings.list(&lp)),
            );
            (ns, r, b)
        }
    }))
    .buffer_unordered(16);
    let results: Vec<_> = lists.collect().await;
    for (ns, r, b) in results {
        let where_ = ns
            .map(|n| format!("in namespace {n}"))
            .unwrap_or_else(|| "across namespaces".into());
        match (r, b) {
            (Ok(r), Ok(b)) => {
                rbac.roles.extend(r.items);
                rbac.role_bindings.extend(b.items);
            }
            (Err(e), _) | (_, Err(e)) if forbidden(&e) => {
                return Ok(Err(format!(
                    "cannot list roles/rolebindings {where_} (forbidden)"
                )));
            }
            (Err(e), _) | (_, Err(e)) => return Err(e),
        }
    }
    Ok(Ok(rbac))
}
