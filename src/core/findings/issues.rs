//! Findings that are not about one Secret reference: credentials in plain text in a spec
//! (`plaintext-secret`), subjects who can read a namespace's Secrets only by creating workloads
//! (`effective-reader`), and a cluster of the fleet that could not be audited (`unreachable`).
//! They go to the JSON's `findings[]`. Pure.
use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::{Server, Status, quote_list};
use crate::core::Severity;
use crate::core::plaintext::Strength;
use crate::core::rbac::NamespaceAccess;

/// One finding that is not a reference: what it is about (`kind`/`name` in `namespace`), where
/// (`field`, `key`), and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Issue {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// Empty for a whole cluster.
    pub namespace: String,
    /// `MCPServer`, `RemoteMCPServer`, the subject's kind (`User`, `Group`, `ServiceAccount`),
    /// or `Cluster`.
    pub kind: String,
    pub name: String,
    /// The spec field, or for an effective reader the binding that grants it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The env key, flag or header name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub status: Status,
    pub severity: Severity,
    pub message: String,
}

/// A `plaintext-secret` for each credential-looking plain value of each server: an error when
/// the value itself has a credential's shape, a warning when only its name says so. The message
/// names the field and key, never the value.
pub fn plaintext(servers: &[Server]) -> Vec<Issue> {
    let mut out = Vec::new();
    for s in servers {
        for p in &s.plaintext {
            let what = match &p.key {
                Some(k) => format!("{} key {k:?}", p.field),
                None => p.field.clone(),
            };
            let severity = match p.strength {
                Strength::Value => Severity::Error,
                Strength::Name => Severity::Warning,
            };
            let fix = if s.kind == crate::core::remote::KIND {
                "move it into a Secret and reference it with `valueFrom: {type: Secret, name, key}`"
                    .to_string()
            } else {
                "move it to the environment's .env file, run `kubectl kmcp secrets sync ENV`, and reference the Secret through spec.deployment.secretRefs".to_string()
            };
            out.push(Issue {
                context: None,
                namespace: s.namespace.clone(),
                kind: s.kind.to_string(),
                name: s.name.clone(),
                field: Some(p.field.clone()),
                key: p.key.clone(),
                status: Status::PlaintextSecret,
                severity,
                message: format!(
                    "{what} holds what looks like a credential ({}) in plain text: anyone who can read {}s in {:?} reads it; {fix}",
                    p.reason, s.kind, s.namespace
                ),
            });
        }
    }
    out
}

/// An `effective-reader` warning for each non-system subject who can create or change workloads
/// in a namespace whose Secrets servers reference, but may not read all its Secrets directly:
/// through a pod that mounts them, they can read every one. `referenced` names the Secrets per
/// namespace, for the message.
pub fn effective_readers(
    access: &[NamespaceAccess],
    referenced: &BTreeMap<String, BTreeSet<String>>,
) -> Vec<Issue> {
    let mut out = Vec::new();
    for a in access {
        let direct: BTreeSet<(&str, &str, Option<&str>)> = a
            .subjects
            .iter()
            .filter(|g| g.resource_names.is_empty())
            .map(|g| (g.kind.as_str(), g.name.as_str(), g.namespace.as_deref()))
            .collect();
        let secrets: Vec<&str> = referenced
            .get(&a.namespace)
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        let mut seen = BTreeSet::new();
        for w in &a.workload_readers {
            let id = (w.kind.as_str(), w.name.as_str(), w.namespace.as_deref());
            if w.is_system() || direct.contains(&id) || !seen.insert(id) {
                continue;
            }
            // Every binding of this subject, for the message.
            let vias: Vec<&str> = a
                .workload_readers
                .iter()
                .filter(|o| (o.kind.as_str(), o.name.as_str(), o.namespace.as_deref()) == id)
                .map(|o| o.via.as_str())
                .collect();
            out.push(Issue {
                context: a.context.clone(),
                namespace: a.namespace.clone(),
                kind: w.kind.clone(),
                name: w.name.clone(),
                field: Some(vias.join("; ")),
                key: None,
                status: Status::EffectiveReader,
                severity: Severity::Warning,
                message: format!(
                    "{} has no right to read Secrets in {:?} but can {} ({}): a pod it creates can mount any Secret of the namespace, so it can read {}; remove those workload rights, or keep these Secrets in a namespace where it cannot deploy",
                    w.subject(),
                    a.namespace,
                    w.text(),
                    vias.join("; "),
                    quote_list(&secrets)
                ),
            });
        }
    }
    out
}

/// An `unreachable` error for a cluster of the fleet that could not be audited.
pub fn unreachable(context: &str, why: &str) -> Issue {
    Issue {
        context: Some(context.to_string()),
        namespace: String::new(),
        kind: "Cluster".into(),
        name: context.to_string(),
        field: None,
        key: None,
        status: Status::Unreachable,
        severity: Severity::Error,
        message: format!(
            "context {context:?} could not be audited: {why}; its servers are not in this report"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::rbac::{Grant, WorkloadGrant};

    fn reader(kind: &str, name: &str, names: &[&str]) -> Grant {
        Grant {
            kind: kind.into(),
            name: name.into(),
            namespace: None,
            verbs: vec!["get".into()],
            resource_names: names.iter().map(|n| n.to_string()).collect(),
            via: "RoleBinding/r -> Role/r".into(),
        }
    }

    fn creator(name: &str, via: &str) -> WorkloadGrant {
        WorkloadGrant {
            kind: "User".into(),
            name: name.into(),
            namespace: None,
            verbs: vec!["create".into()],
            resources: vec!["pods".into()],
            via: via.into(),
        }
    }

    #[test]
    fn effective_readers_are_creators_who_cannot_read_every_secret_directly() {
        let access = NamespaceAccess {
            context: None,
            namespace: "a".into(),
            user: None,
            can_get: true,
            can_list: true,
            rbac_readable: true,
            // bob reads every Secret; carol only one by name.
            subjects: vec![
                reader("User", "bob", &[]),
                reader("User", "carol", &["web"]),
            ],
            workload_readers: vec![
                creator("system:kube-controller-manager", "CRB/k"),
                creator("bob", "RoleBinding/b"),
                creator("carol", "RoleBinding/c1"),
                creator("carol", "RoleBinding/c2"),
                creator("dave", "RoleBinding/d"),
            ],
            read_with: None,
            note: None,
        };
        let referenced = BTreeMap::from([("a".to_string(), BTreeSet::from(["web".to_string()]))]);
        let got: Vec<(String, Option<String>)> = effective_readers(&[access], &referenced)
            .into_iter()
            .map(|i| (i.name, i.field))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "carol".to_string(),
                    Some("RoleBinding/c1; RoleBinding/c2".to_string())
                ),
                ("dave".to_string(), Some("RoleBinding/d".to_string())),
            ]
        );
    }

    #[test]
    fn a_plaintext_fix_fits_the_kind_of_server() {
        use crate::core::plaintext::{Plain, Strength};
        let server = |kind: &'static str| Server {
            kind,
            namespace: "ns".into(),
            name: "s".into(),
            references: Vec::new(),
            plaintext: vec![Plain {
                field: "spec.x".into(),
                key: Some("TOKEN".into()),
                reason: "its name",
                strength: Strength::Name,
            }],
            service_account: None,
        };
        let issues = plaintext(&[
            server(crate::core::remote::KIND),
            server(crate::core::mcpserver::KIND),
        ]);
        assert_eq!(issues.len(), 2);
        // A RemoteMCPServer has no env file and no secretRefs: its headers take valueFrom.
        assert!(
            issues[0].message.contains("valueFrom: {type: Secret"),
            "{}",
            issues[0].message
        );
        assert!(
            !issues[0].message.contains("secretRefs"),
            "{}",
            issues[0].message
        );
        // An MCPServer's plain value goes to the env file and its Secret.
        assert!(
            issues[1].message.contains("kubectl kmcp secrets sync ENV"),
            "{}",
            issues[1].message
        );
        assert!(
            !issues[1].message.contains("valueFrom"),
            "{}",
            issues[1].message
        );
        assert_eq!(issues[0].severity, Severity::Warning);
        assert_eq!(issues[0].key.as_deref(), Some("TOKEN"));
    }
}
