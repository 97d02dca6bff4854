//! RBAC, evaluated: the access questions a command asks (as `kubectl auth can-i`) and their
//! answers as data, and who can read a namespace's Secrets from the RBAC objects (like
//! kubectl-who-can). Pure: the asking and the listing are `client::access`.
use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::rbac::v1::{
    ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, Subject,
};
use serde::Serialize;

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
    /// May I `verb` `resource` of API group `group` (`""`: core) in `namespace`?
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
}

/// The answer to a [`Question`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Answer {
    pub question: Question,
    pub allowed: bool,
    /// The authorizer's reason or evaluation error, if it gave one.
    pub reason: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Who can read Secrets (like kubectl-who-can): from the RBAC objects, the subjects that may
// get/list/watch Secrets in a namespace.

/// The verbs that read Secrets.
pub const READ_VERBS: [&str; 3] = ["get", "list", "watch"];

/// The group the authorizer lets do anything, whatever RBAC says.
pub const MASTERS_GROUP: &str = "system:masters";

/// The RBAC objects who-can works from. `roles` and `role_bindings` may hold several
/// namespaces; only those of the namespace asked about count.
#[derive(Debug, Clone, Default)]
pub struct Rbac {
    pub roles: Vec<Role>,
    pub cluster_roles: Vec<ClusterRole>,
    pub role_bindings: Vec<RoleBinding>,
    pub cluster_role_bindings: Vec<ClusterRoleBinding>,
}

/// One subject that can read Secrets in a namespace, and through which binding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Grant {
    /// `User`, `Group` or `ServiceAccount`.
    pub kind: String,
    pub name: String,
    /// A service account's namespace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Among get/list/watch, in that order.
    pub verbs: Vec<String>,
    /// Empty: every Secret of the namespace. Otherwise the rule names Secrets, and the grant
    /// covers only those.
    pub resource_names: Vec<String>,
    /// `ClusterRoleBinding/x -> ClusterRole/y`, `RoleBinding/ns/x -> Role/y`, or the authorizer.
    pub via: String,
}

impl Grant {
    /// `User alice`, `Group developers`, `ServiceAccount ns/name`.
    pub fn subject(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} {ns}/{}", self.kind, self.name),
            None => format!("{} {}", self.kind, self.name),
        }
    }

    /// `get, list` or `get (only a, b)`.
    pub fn verbs_text(&self) -> String {
        let verbs = self.verbs.join(", ");
        if self.resource_names.is_empty() {
            verbs
        } else {
            format!("{verbs} (only {})", self.resource_names.join(", "))
        }
    }
}

/// The read verbs a rule grants on Secrets, grouped by the names it restricts to (empty = all).
fn secret_read_rules(rules: &[PolicyRule]) -> BTreeMap<Vec<String>, BTreeSet<&'static str>> {
    let mut out: BTreeMap<Vec<String>, BTreeSet<&'static str>> = BTreeMap::new();
    for rule in rules {
        let groups = rule.api_groups.as_deref().unwrap_or_default();
        let resources = rule.resources.as_deref().unwrap_or_default();
        if !groups.iter().any(|g| g.is_empty() || g == "*")
            || !resources.iter().any(|r| r == "secrets" || r == "*")
        {
            continue;
        }
        let verbs: BTreeSet<&'static str> = READ_VERBS
            .into_iter()
            .filter(|v| rule.verbs.iter().any(|rv| rv == v || rv == "*"))
            .collect();
        if verbs.is_empty() {
            continue;
        }
        let mut names = rule.resource_names.clone().unwrap_or_default();
        names.sort();
        names.dedup();
        out.entry(names).or_default().extend(verbs);
    }
    out
}

/// The read verbs in the order get, list, watch.
fn ordered(verbs: &BTreeSet<&str>) -> Vec<String> {
    READ_VERBS
        .into_iter()
        .filter(|v| verbs.contains(v))
        .map(str::to_string)
        .collect()
}

/// One grant per subject of a binding and per resourceNames group of the role's rules.
fn grants_for(
    subjects: &[Subject],
    binding_namespace: Option<&str>,
    rules: &BTreeMap<Vec<String>, BTreeSet<&'static str>>,
    via: &str,
    out: &mut Vec<Grant>,
) {
    for s in subjects {
        let namespace = (s.kind == "ServiceAccount").then(|| {
            s.namespace
                .clone()
                .or_else(|| binding_namespace.map(str::to_string))
                .unwrap_or_default()
        });
        for (names, verbs) in rules {
            out.push(Grant {
                kind: s.kind.clone(),
                name: s.name.clone(),
                namespace: namespace.clone(),
                verbs: ordered(verbs),
                resource_names: names.clone(),
                via: via.to_string(),
            });
        }
    }
}

/// A role's name and rules, as Roles and ClusterRoles both carry them.
type NamedRules<'a> = (Option<&'a str>, Option<&'a [PolicyRule]>);

/// Each named role's secret-read rules (see `secret_read_rules`), by role name.
fn rules_by_name<'a>(
    roles: impl Iterator<Item = NamedRules<'a>>,
) -> BTreeMap<&'a str, BTreeMap<Vec<String>, BTreeSet<&'static str>>> {
    roles
        .filter_map(|(name, rules)| Some((name?, secret_read_rules(rules.unwrap_or_default()))))
        .collect()
}

/// The subjects that can get/list/watch Secrets in `namespace`: through ClusterRoleBindings
/// (to ClusterRoles) and the namespace's RoleBindings (to Roles or ClusterRoles), with `*`
/// verbs, resources and API groups, rules restricted to `resourceNames` reported with those
/// names, and `system:masters`, which the authorizer always allows, first.
pub fn who_can_read_secrets(rbac: &Rbac, namespace: &str) -> Vec<Grant> {
    let cluster_rules = rules_by_name(
        rbac.cluster_roles
            .iter()
            .map(|r| (r.metadata.name.as_deref(), r.rules.as_deref())),
    );
    let role_rules = rules_by_name(
        rbac.roles
            .iter()
            .filter(|r| r.metadata.namespace.as_deref() == Some(namespace))
            .map(|r| (r.metadata.name.as_deref(), r.rules.as_deref())),
    );
    let mut out = Vec::new();
    for b in &rbac.cluster_role_bindings {
        if b.role_ref.kind != "ClusterRole" {
            continue;
        }
        if let Some(rules) = cluster_rules.get(b.role_ref.name.as_str()) {
            let via = format!(
                "ClusterRoleBinding/{} -> ClusterRole/{}",
                b.metadata.name.as_deref().unwrap_or_default(),
                b.role_ref.name
            );
            grants_for(
                b.subjects.as_deref().unwrap_or_default(),
                None,
                rules,
                &via,
                &mut out,
            );
        }
    }
    for b in &rbac.role_bindings {
        if b.metadata.namespace.as_deref() != Some(namespace) {
            continue;
        }
        let rules = match b.role_ref.kind.as_str() {
            "Role" => role_rules.get(b.role_ref.name.as_str()),
            "ClusterRole" => cluster_rules.get(b.role_ref.name.as_str()),
            _ => None,
        };
        if let Some(rules) = rules {
            let via = format!(
                "RoleBinding/{} -> {}/{}",
                b.metadata.name.as_deref().unwrap_or_default(),
                b.role_ref.kind,
                b.role_ref.name
            );
            grants_for(
                b.subjects.as_deref().unwrap_or_default(),
                Some(namespace),
                rules,
                &via,
                &mut out,
            );
        }
    }
    out.sort();
    out.dedup();
    out.insert(
        0,
        Grant {
            kind: "Group".into(),
            name: MASTERS_GROUP.into(),
            namespace: None,
            verbs: READ_VERBS.iter().map(|v| v.to_string()).collect(),
            resource_names: vec![],
            via: "the authorizer (system:masters bypasses RBAC)".into(),
        },
    );
    out
}

/// What one namespace's Secrets are exposed to: the current user's rights, and who else can
/// read them when the RBAC objects are readable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NamespaceAccess {
    pub namespace: String,
    /// The current user (kubeconfig user or `--as`), when known.
    pub user: Option<String>,
    pub can_get: bool,
    pub can_list: bool,
    /// Whether the user could read Roles/ClusterRoles and their bindings; when not, `subjects`
    /// is empty and `note` says why.
    pub rbac_readable: bool,
    pub subjects: Vec<Grant>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rbac(v: serde_json::Value) -> Rbac {
        let list = |k: &str| v[k].as_array().cloned().unwrap_or_default();
        Rbac {
            roles: list("roles")
                .into_iter()
                .map(|x| serde_json::from_value(x).unwrap())
                .collect(),
            cluster_roles: list("clusterRoles")
                .into_iter()
                .map(|x| serde_json::from_value(x).unwrap())
                .collect(),
            role_bindings: list("roleBindings")
                .into_iter()
                .map(|x| serde_json::from_value(x).unwrap())
                .collect(),
            cluster_role_bindings: list("clusterRoleBindings")
                .into_iter()
                .map(|x| serde_json::from_value(x).unwrap())
                .collect(),
        }
    }

    fn rows(grants: &[Grant]) -> Vec<String> {
        grants
            .iter()
            .map(|g| format!("{} | {} | {}", g.subject(), g.verbs_text(), g.via))
            .collect()
    }

    #[test]
    fn who_can_follows_bindings_wildcards_and_resource_names() {
        let r = rbac(json!({
            "clusterRoles": [
                {"metadata": {"name": "admin-all"}, "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]},
                {"metadata": {"name": "secret-reader"}, "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "watch", "list"]}]},
                {"metadata": {"name": "pods-only"}, "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["*"]}]},
                {"metadata": {"name": "writer"}, "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["create", "update"]}]},
                {"metadata": {"name": "apps-star"}, "rules": [{"apiGroups": ["apps"], "resources": ["*"], "verbs": ["get"]}]}
            ],
            "clusterRoleBindings": [
                {"metadata": {"name": "ops"}, "roleRef": {"kind": "ClusterRole", "name": "admin-all", "apiGroup": "rbac.authorization.k8s.io"},
                 "subjects": [{"kind": "Group", "name": "ops"}]},
                {"metadata": {"name": "pods"}, "roleRef": {"kind": "ClusterRole", "name": "pods-only", "apiGroup": "rbac.authorization.k8s.io"},
                 "subjects": [{"kind": "User", "name": "pod-person"}]},
                {"metadata": {"name": "w"}, "roleRef": {"kind": "ClusterRole", "name": "writer", "apiGroup": "rbac.authorization.k8s.io"},
                 "subjects": [{"kind": "User", "name": "writer"}]},
                {"metadata": {"name": "a"}, "roleRef": {"kind": "ClusterRole", "name": "apps-star", "apiGroup": "rbac.authorization.k8s.io"},
                 "subjects": [{"kind": "User", "name": "apps"}]}
            ],
            "roles": [
                {"metadata": {"name": "one", "namespace": "a"}, "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"], "resourceNames": ["web", "api"]}]},
                {"metadata": {"name": "one", "namespace": "b"}, "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list"]}]}
            ],
            "roleBindings": [
                {"metadata": {"name": "rb1", "namespace": "a"}, "roleRef": {"kind": "Role", "name": "one", "apiGroup": "rbac.authorization.k8s.io"},
                 "subjects": [{"kind": "User", "name": "alice"}]},
                {"metadata": {"name": "rb2", "namespace": "a"}, "roleRef": {"kind": "ClusterRole", "name": "secret-reader", "apiGroup": "rbac.authorization.k8s.io"},
                 "subjects": [{"kind": "ServiceAccount", "name": "ci"}, {"kind": "Group", "name": "developers"}]},
                {"metadata": {"name": "rb3", "namespace": "b"}, "roleRef": {"kind": "Role", "name": "one", "apiGroup": "rbac.authorization.k8s.io"},
                 "subjects": [{"kind": "User", "name": "bob"}]}
            ]
        }));
        assert_eq!(
            rows(&who_can_read_secrets(&r, "a")),
            [
                "Group system:masters | get, list, watch | the authorizer (system:masters bypasses RBAC)",
                "Group developers | get, list, watch | RoleBinding/rb2 -> ClusterRole/secret-reader",
                "Group ops | get, list, watch | ClusterRoleBinding/ops -> ClusterRole/admin-all",
                "ServiceAccount a/ci | get, list, watch | RoleBinding/rb2 -> ClusterRole/secret-reader",
                "User alice | get (only api, web) | RoleBinding/rb1 -> Role/one",
            ]
        );
        // Namespace b: its own RoleBinding, not a's; the ClusterRoleBinding everywhere.
        assert_eq!(
            rows(&who_can_read_secrets(&r, "b")),
            [
                "Group system:masters | get, list, watch | the authorizer (system:masters bypasses RBAC)",
                "Group ops | get, list, watch | ClusterRoleBinding/ops -> ClusterRole/admin-all",
                "User bob | get, list | RoleBinding/rb3 -> Role/one",
            ]
        );
    }

    #[test]
    fn who_can_without_rbac_objects_is_only_system_masters() {
        let grants = who_can_read_secrets(&Rbac::default(), "x");
        assert_eq!(grants.len(), 1);
        assert_eq!(grants[0].name, MASTERS_GROUP);
        let v = serde_json::to_value(&grants[0]).unwrap();
        assert_eq!(v["resourceNames"], json!([]));
        assert!(v.get("namespace").is_none());
    }
}
