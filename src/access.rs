//! Access checks: what the current user may do (SelfSubjectAccessReview, as `kubectl auth
//! can-i`), asked concurrently, each with the command that reproduces it.
use futures::future::join_all;
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use kube::api::{Api, PostParams};
use serde::Serialize;

use crate::client::{Action, Connection};
use crate::error::Result;

/// One question: may I `verb` `resource` (in `group`) in `namespace`?
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Question {
    pub verb: String,
    /// The API group: `""` for core resources, `kagent.dev` for MCPServers.
    pub group: String,
    pub resource: String,
    pub namespace: Option<String>,
}

impl Question {
    pub fn new(verb: &str, group: &str, resource: &str, namespace: Option<&str>) -> Self {
        Question {
            verb: verb.into(),
            group: group.into(),
            resource: resource.into(),
            namespace: namespace.map(str::to_string),
        }
    }

    /// The resource as kubectl spells it: `secrets`, `mcpservers.kagent.dev`.
    pub fn qualified_resource(&self) -> String {
        if self.group.is_empty() {
            self.resource.clone()
        } else {
            format!("{}.{}", self.resource, self.group)
        }
    }

    /// The `kubectl auth can-i` line that asks the same question.
    pub fn can_i_command(&self, conn: &Connection) -> String {
        let resource = self.qualified_resource();
        Action::new(&self.verb, &resource, self.namespace.as_deref()).can_i_command(conn)
    }
}

/// The answer to a [`Question`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Answer {
    pub question: Question,
    pub allowed: bool,
    /// The authorizer's reason or evaluation error, if it gave one.
    pub reason: Option<String>,
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
