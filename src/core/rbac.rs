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
    /// One object by name (a Role's `resourceNames` can allow it when the whole resource is
    /// not allowed); `None`: any object of the resource.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Question {
    /// May I `verb` `resource` of API group `group` (`""`: core) in `namespace`?
    pub fn new(verb: &str, group: &str, resource: &str, namespace: Option<&str>) -> Self {
        Question {
            verb: verb.into(),
            group: group.into(),
            resource: resource.into(),
            namespace: namespace.map(str::to_string),
            name: None,
        }
    }

    /// The same question about the object `name` only.
    pub fn named(mut self, name: &str) -> Self {
        self.name = Some(name.to_string());
        self
    }

    /// The object as kubectl names it: `secrets/web-env`, or the resource alone.
    pub fn object(&self) -> String {
        match &self.name {
            Some(name) => format!("{}/{name}", self.qualified_resource()),
            None => self.qualified_resource(),
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
        subject_text(&self.kind, &self.name, self.namespace.as_deref())
    }

    /// Whether the subject is built in (see [`is_system`]).
    pub fn is_system(&self) -> bool {
        is_system(&self.kind, &self.name, self.namespace.as_deref())
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

/// What a rule grants, by the resource names it restricts to (empty = all): for each such
/// group, the resources (as kubectl spells them) and the verbs among `verbs`.
type Granted = BTreeMap<Vec<String>, (BTreeSet<String>, BTreeSet<&'static str>)>;

/// The verbs among `verbs` that `rules` grant on the `(group, resource)` pairs of `targets`,
/// grouped by the names the rule restricts to. `*` counts in groups, resources and verbs.
fn granted(rules: &[PolicyRule], targets: &[(&str, &str)], verbs: &[&'static str]) -> Granted {
    let mut out: Granted = BTreeMap::new();
    for rule in rules {
        let groups = rule.api_groups.as_deref().unwrap_or_default();
        let resources = rule.resources.as_deref().unwrap_or_default();
        let hit: Vec<String> = targets
            .iter()
            .filter(|(g, r)| {
                groups.iter().any(|x| x == g || x == "*")
                    && resources.iter().any(|x| x == r || x == "*")
            })
            .map(|(g, r)| {
                if g.is_empty() {
                    r.to_string()
                } else {
                    format!("{r}.{g}")
                }
            })
            .collect();
        let v: BTreeSet<&'static str> = verbs
            .iter()
            .copied()
            .filter(|v| rule.verbs.iter().any(|rv| rv == v || rv == "*"))
            .collect();
        if hit.is_empty() || v.is_empty() {
            continue;
        }
        let mut names = rule.resource_names.clone().unwrap_or_default();
        names.sort();
        names.dedup();
        let entry = out.entry(names).or_default();
        entry.0.extend(hit);
        entry.1.extend(v);
    }
    out
}

/// `verbs` in the order of `order`.
fn ordered(verbs: &BTreeSet<&str>, order: &[&str]) -> Vec<String> {
    order
        .iter()
        .filter(|v| verbs.contains(*v))
        .map(|v| v.to_string())
        .collect()
}

/// A role's name and rules, as Roles and ClusterRoles both carry them.
type NamedRules<'a> = (Option<&'a str>, Option<&'a [PolicyRule]>);

/// One subject of a binding, with what the bound role grants and the binding's text.
struct Bound<'a> {
    subject: &'a Subject,
    /// A service account's namespace.
    namespace: Option<String>,
    granted: &'a Granted,
    via: String,
}

/// Every subject bound in `namespace` (ClusterRoleBindings, and the namespace's RoleBindings to
/// Roles or ClusterRoles) to a role that grants something of `targets`/`verbs`.
fn bound<'a>(
    rbac: &'a Rbac,
    namespace: &str,
    cluster_rules: &'a BTreeMap<&'a str, Granted>,
    role_rules: &'a BTreeMap<&'a str, Granted>,
) -> Vec<Bound<'a>> {
    let mut out = Vec::new();
    let mut add =
        |subjects: &'a [Subject], binding_ns: Option<&str>, g: &'a Granted, via: String| {
            for s in subjects {
                let namespace = (s.kind == "ServiceAccount").then(|| {
                    s.namespace
                        .clone()
                        .or_else(|| binding_ns.map(str::to_string))
                        .unwrap_or_default()
                });
                out.push(Bound {
                    subject: s,
                    namespace,
                    granted: g,
                    via: via.clone(),
                });
            }
        };
    for b in &rbac.cluster_role_bindings {
        if b.role_ref.kind != "ClusterRole" {
            continue;
        }
        if let Some(g) = cluster_rules.get(b.role_ref.name.as_str()) {
            let via = format!(
                "ClusterRoleBinding/{} -> ClusterRole/{}",
                b.metadata.name.as_deref().unwrap_or_default(),
                b.role_ref.name
            );
            add(b.subjects.as_deref().unwrap_or_default(), None, g, via);
        }
    }
    for b in &rbac.role_bindings {
        if b.metadata.namespace.as_deref() != Some(namespace) {
            continue;
        }
        let g = match b.role_ref.kind.as_str() {
            "Role" => role_rules.get(b.role_ref.name.as_str()),
            "ClusterRole" => cluster_rules.get(b.role_ref.name.as_str()),
            _ => None,
        };
        if let Some(g) = g {
            let via = format!(
                "RoleBinding/{} -> {}/{}",
                b.metadata.name.as_deref().unwrap_or_default(),
                b.role_ref.kind,
                b.role_ref.name
            );
            add(
                b.subjects.as_deref().unwrap_or_default(),
                Some(namespace),
                g,
                via,
            );
        }
    }
    out
}

/// The rules of every ClusterRole, evaluated by `f`, by name; roles that grant nothing left out.
fn evaluate_cluster_roles(
    rbac: &Rbac,
    f: impl Fn(&[PolicyRule]) -> Granted,
) -> BTreeMap<&str, Granted> {
    by_name(
        rbac.cluster_roles
            .iter()
            .map(|r| (r.metadata.name.as_deref(), r.rules.as_deref())),
        f,
    )
}

/// The rules of the Roles of `namespace`, evaluated by `f`, by name.
fn evaluate_roles<'a>(
    rbac: &'a Rbac,
    namespace: &str,
    f: impl Fn(&[PolicyRule]) -> Granted,
) -> BTreeMap<&'a str, Granted> {
    by_name(
        rbac.roles
            .iter()
            .filter(|r| r.metadata.namespace.as_deref() == Some(namespace))
            .map(|r| (r.metadata.name.as_deref(), r.rules.as_deref())),
        f,
    )
}

/// Each role's rules evaluated by `f`, by the role's name; roles that grant nothing left out.
fn by_name<'a>(
    roles: impl Iterator<Item = NamedRules<'a>>,
    f: impl Fn(&[PolicyRule]) -> Granted,
) -> BTreeMap<&'a str, Granted> {
    roles
        .filter_map(|(name, rules)| Some((name?, f(rules.unwrap_or_default()))))
        .filter(|(_, g)| !g.is_empty())
        .collect()
}

/// The RBAC objects with every ClusterRole evaluated once, for Secrets and for workloads: the
/// questions about each namespace then evaluate only that namespace's Roles (`audit -A` asks
/// about hundreds of namespaces, and a cluster has dozens of ClusterRoles).
pub struct Evaluated<'a> {
    rbac: &'a Rbac,
    secret_readers: BTreeMap<&'a str, Granted>,
    workload_writers: BTreeMap<&'a str, Granted>,
}

impl<'a> Evaluated<'a> {
    pub fn new(rbac: &'a Rbac) -> Self {
        Evaluated {
            rbac,
            secret_readers: evaluate_cluster_roles(rbac, read_secrets),
            workload_writers: evaluate_cluster_roles(rbac, write_workloads),
        }
    }

    /// The subjects that can get/list/watch Secrets in `namespace`: through ClusterRoleBindings
    /// (to ClusterRoles) and the namespace's RoleBindings (to Roles or ClusterRoles), with `*`
    /// verbs, resources and API groups, rules restricted to `resourceNames` reported with those
    /// names, and `system:masters`, which the authorizer always allows, first. One grant per
    /// subject and resourceNames: several bindings of one subject are merged (verbs joined, the
    /// bindings listed in `via`).
    pub fn who_can_read_secrets(&self, namespace: &str) -> Vec<Grant> {
        let roles = evaluate_roles(self.rbac, namespace, read_secrets);
        secret_readers(bound(self.rbac, namespace, &self.secret_readers, &roles))
    }

    /// The subjects that can create or change workloads in `namespace`, and so read any of its
    /// Secrets, one per subject and binding; `system:masters` first.
    pub fn who_can_create_workloads(&self, namespace: &str) -> Vec<WorkloadGrant> {
        let roles = evaluate_roles(self.rbac, namespace, write_workloads);
        workload_writers(bound(self.rbac, namespace, &self.workload_writers, &roles))
    }
}

/// What rules grant of reading Secrets.
fn read_secrets(rules: &[PolicyRule]) -> Granted {
    granted(rules, &[("", "secrets")], &READ_VERBS)
}

/// What rules grant of creating or changing workloads.
fn write_workloads(rules: &[PolicyRule]) -> Granted {
    granted(rules, &WORKLOADS, &WORKLOAD_VERBS)
}

/// [`Evaluated::who_can_read_secrets`] for one namespace, every ClusterRole evaluated for it:
/// what the tests hold the evaluation done once to.
#[cfg(test)]
pub fn who_can_read_secrets(rbac: &Rbac, namespace: &str) -> Vec<Grant> {
    let cluster = evaluate_cluster_roles(rbac, read_secrets);
    let roles = evaluate_roles(rbac, namespace, read_secrets);
    secret_readers(bound(rbac, namespace, &cluster, &roles))
}

/// The grants of the subjects `bound` to roles that let them read Secrets, merged.
fn secret_readers(bound: Vec<Bound>) -> Vec<Grant> {
    /// A subject (kind, name, service account namespace) and the names its grant is limited to.
    type SubjectNames = (String, String, Option<String>, Vec<String>);
    let mut merged: BTreeMap<SubjectNames, (BTreeSet<&str>, Vec<String>)> = BTreeMap::new();
    let masters = (
        "Group".to_string(),
        MASTERS_GROUP.to_string(),
        None,
        Vec::new(),
    );
    merged.insert(
        masters.clone(),
        (
            READ_VERBS.into_iter().collect(),
            vec!["the authorizer (system:masters bypasses RBAC)".into()],
        ),
    );
    for b in bound {
        for (names, (_, verbs)) in b.granted {
            let e = merged
                .entry((
                    b.subject.kind.clone(),
                    b.subject.name.clone(),
                    b.namespace.clone(),
                    names.clone(),
                ))
                .or_default();
            e.0.extend(verbs.iter().copied());
            if !e.1.contains(&b.via) {
                e.1.push(b.via.clone());
            }
        }
    }
    let grant = |(kind, name, namespace, resource_names): SubjectNames,
                 (verbs, vias): (BTreeSet<&str>, Vec<String>)| Grant {
        kind,
        name,
        namespace,
        verbs: ordered(&verbs, &READ_VERBS),
        resource_names,
        via: vias.join("; "),
    };
    let first = merged
        .remove(&masters)
        .expect("system:masters is always there");
    let mut out = vec![grant(masters, first)];
    out.extend(merged.into_iter().map(|(k, v)| grant(k, v)));
    out
}

/// The workload kinds whose creation lets the creator mount any Secret of the namespace:
/// `(API group, resource)`. MCPServers mount their `secretRefs`; RemoteMCPServers send a Secret
/// key as a header to a URL their author chooses.
pub const WORKLOADS: [(&str, &str); 10] = [
    ("", "pods"),
    ("", "replicationcontrollers"),
    ("apps", "deployments"),
    ("apps", "statefulsets"),
    ("apps", "daemonsets"),
    ("apps", "replicasets"),
    ("batch", "jobs"),
    ("batch", "cronjobs"),
    ("kagent.dev", "mcpservers"),
    ("kagent.dev", "remotemcpservers"),
];

/// The verbs that create a workload or change its pod template.
pub const WORKLOAD_VERBS: [&str; 3] = ["create", "patch", "update"];

/// A subject that can read a namespace's Secrets by creating or changing a workload that mounts
/// them, whatever the Secret RBAC says (Kubernetes' RBAC good-practices guide).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadGrant {
    pub kind: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Among create/patch/update.
    pub verbs: Vec<String>,
    /// The workload resources, as kubectl spells them (`pods`, `deployments.apps`).
    pub resources: Vec<String>,
    /// The binding and role that grant it.
    pub via: String,
}

impl WorkloadGrant {
    /// `User alice`, `ServiceAccount ns/name`.
    pub fn subject(&self) -> String {
        subject_text(&self.kind, &self.name, self.namespace.as_deref())
    }

    /// Whether the subject is built in (see [`is_system`]).
    pub fn is_system(&self) -> bool {
        is_system(&self.kind, &self.name, self.namespace.as_deref())
    }

    /// `create, patch pods, deployments.apps`.
    pub fn text(&self) -> String {
        format!("{} {}", self.verbs.join(", "), self.resources.join(", "))
    }
}

/// [`Evaluated::who_can_create_workloads`] for one namespace (see `who_can_read_secrets`).
#[cfg(test)]
pub fn who_can_create_workloads(rbac: &Rbac, namespace: &str) -> Vec<WorkloadGrant> {
    let cluster = evaluate_cluster_roles(rbac, write_workloads);
    let roles = evaluate_roles(rbac, namespace, write_workloads);
    workload_writers(bound(rbac, namespace, &cluster, &roles))
}

/// The subjects `bound` to roles that let them create or change workloads, one per subject and
/// binding; `system:masters` first.
fn workload_writers(bound: Vec<Bound>) -> Vec<WorkloadGrant> {
    let mut out = Vec::new();
    for b in bound {
        let mut resources = BTreeSet::new();
        let mut verbs = BTreeSet::new();
        for (res, v) in b.granted.values() {
            resources.extend(res.iter().cloned());
            verbs.extend(v.iter().copied());
        }
        out.push(WorkloadGrant {
            kind: b.subject.kind.clone(),
            name: b.subject.name.clone(),
            namespace: b.namespace,
            verbs: ordered(&verbs, &WORKLOAD_VERBS),
            resources: WORKLOADS
                .iter()
                .map(|(g, r)| {
                    if g.is_empty() {
                        r.to_string()
                    } else {
                        format!("{r}.{g}")
                    }
                })
                .filter(|r| resources.contains(r))
                .collect(),
            via: b.via,
        });
    }
    out.sort();
    out.dedup();
    out.insert(
        0,
        WorkloadGrant {
            kind: "Group".into(),
            name: MASTERS_GROUP.into(),
            namespace: None,
            verbs: WORKLOAD_VERBS.iter().map(|v| v.to_string()).collect(),
            resources: vec!["*".into()],
            via: "the authorizer (system:masters bypasses RBAC)".into(),
        },
    );
    out
}

/// `User alice`, `Group developers`, `ServiceAccount ns/name`.
fn subject_text(kind: &str, name: &str, namespace: Option<&str>) -> String {
    match namespace {
        Some(ns) => format!("{kind} {ns}/{name}"),
        None => format!("{kind} {name}"),
    }
}

/// A built-in subject: a user or group named `system:...` (the control plane, nodes,
/// `system:masters`), or a service account of `kube-system` (the controllers).
pub fn is_system(kind: &str, name: &str, namespace: Option<&str>) -> bool {
    name.starts_with("system:") || (kind == "ServiceAccount" && namespace == Some("kube-system"))
}

/// What one namespace's Secrets are exposed to: the current user's rights, and who else can
/// read them when the RBAC objects are readable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NamespaceAccess {
    /// The kubeconfig context audited (a fleet run names each).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    pub namespace: String,
    /// The current user (kubeconfig user or `--as`), when known.
    pub user: Option<String>,
    pub can_get: bool,
    pub can_list: bool,
    /// Whether the user could read Roles/ClusterRoles and their bindings; when not, `subjects`
    /// is empty and `note` says why.
    pub rbac_readable: bool,
    pub subjects: Vec<Grant>,
    /// Who can read the namespace's Secrets by creating or changing workloads (empty when RBAC
    /// is not readable).
    pub workload_readers: Vec<WorkloadGrant>,
    /// Which rights the audit used to read this namespace's Secrets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_with: Option<String>,
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
        same_when_evaluated_once(&r);
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

    #[test]
    fn workload_creators_and_merged_duplicates() {
        let r = rbac(json!({
            "clusterRoles": [
                {"metadata": {"name": "cluster-admin"}, "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]},
                {"metadata": {"name": "deployer"}, "rules": [
                    {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["create", "get"]},
                    {"apiGroups": ["kagent.dev"], "resources": ["mcpservers"], "verbs": ["patch"]}]},
                {"metadata": {"name": "viewer"}, "rules": [{"apiGroups": ["", "apps"], "resources": ["pods", "deployments"], "verbs": ["get", "list"]}]}
            ],
            "clusterRoleBindings": [
                {"metadata": {"name": "cluster-admin"}, "roleRef": {"kind": "ClusterRole", "name": "cluster-admin", "apiGroup": "rbac.authorization.k8s.io"},
                 "subjects": [{"kind": "Group", "name": "system:masters"}]},
                {"metadata": {"name": "ctrl"}, "roleRef": {"kind": "ClusterRole", "name": "deployer", "apiGroup": "rbac.authorization.k8s.io"},
                 "subjects": [{"kind": "ServiceAccount", "name": "deployment-controller", "namespace": "kube-system"}]}
            ],
            "roleBindings": [
                {"metadata": {"name": "d", "namespace": "a"}, "roleRef": {"kind": "ClusterRole", "name": "deployer", "apiGroup": "rbac.authorization.k8s.io"},
                 "subjects": [{"kind": "User", "name": "carol"}]},
                {"metadata": {"name": "v", "namespace": "a"}, "roleRef": {"kind": "ClusterRole", "name": "viewer", "apiGroup": "rbac.authorization.k8s.io"},
                 "subjects": [{"kind": "User", "name": "dave"}]}
            ]
        }));
        // system:masters once, its binding merged into the authorizer's row.
        let readers = who_can_read_secrets(&r, "a");
        assert_eq!(
            rows(&readers),
            [
                "Group system:masters | get, list, watch | the authorizer (system:masters bypasses RBAC); ClusterRoleBinding/cluster-admin -> ClusterRole/cluster-admin"
            ]
        );
        assert!(readers[0].is_system());
        let w = who_can_create_workloads(&r, "a");
        let got: Vec<String> = w
            .iter()
            .map(|g| format!("{} | {} | {}", g.subject(), g.text(), g.via))
            .collect();
        assert_eq!(
            got,
            [
                "Group system:masters | create, patch, update * | the authorizer (system:masters bypasses RBAC)",
                "Group system:masters | create, patch, update pods, replicationcontrollers, deployments.apps, statefulsets.apps, daemonsets.apps, replicasets.apps, jobs.batch, cronjobs.batch, mcpservers.kagent.dev, remotemcpservers.kagent.dev | ClusterRoleBinding/cluster-admin -> ClusterRole/cluster-admin",
                "ServiceAccount kube-system/deployment-controller | create, patch deployments.apps, mcpservers.kagent.dev | ClusterRoleBinding/ctrl -> ClusterRole/deployer",
                "User carol | create, patch deployments.apps, mcpservers.kagent.dev | RoleBinding/d -> ClusterRole/deployer",
            ]
        );
        assert!(w[2].is_system() && !w[3].is_system());
        // dave may only view: no workload grant.
        assert!(!got.iter().any(|g| g.contains("dave")));
        same_when_evaluated_once(&r);
    }

    /// The answers for many namespaces from one evaluation of the ClusterRoles are the answers
    /// for each namespace alone.
    fn same_when_evaluated_once(r: &Rbac) {
        let once = Evaluated::new(r);
        for ns in ["a", "b", "kube-system", "other"] {
            assert_eq!(
                once.who_can_read_secrets(ns),
                who_can_read_secrets(r, ns),
                "{ns}"
            );
            assert_eq!(
                once.who_can_create_workloads(ns),
                who_can_create_workloads(r, ns),
                "{ns}"
            );
        }
    }

    #[test]
    fn questions_name_the_resource_as_kubectl_does() {
        let q = Question::new("get", "", "secrets", Some("ns"));
        assert_eq!(
            (q.verb.as_str(), q.group.as_str(), q.namespace.as_deref()),
            ("get", "", Some("ns"))
        );
        assert_eq!(q.qualified_resource(), "secrets");
        let q = Question::new("create", "kagent.dev", "mcpservers", None);
        assert_eq!(q.qualified_resource(), "mcpservers.kagent.dev");
        assert_eq!(q.namespace, None);
    }

    #[test]
    fn only_system_names_and_kube_system_service_accounts_are_built_in() {
        assert!(is_system("User", "system:kube-scheduler", None));
        assert!(is_system("ServiceAccount", "ctrl", Some("kube-system")));
        assert!(!is_system("ServiceAccount", "ci", Some("a")));
        assert!(!is_system("User", "kube-system", None));
        assert!(!is_system("Group", "ops", Some("kube-system")));
        assert_eq!(
            subject_text("ServiceAccount", "ci", Some("a")),
            "ServiceAccount a/ci"
        );
        assert_eq!(subject_text("User", "alice", None), "User alice");
        let grant = |kind: &str, name: &str, namespace: Option<&str>| Grant {
            kind: kind.into(),
            name: name.into(),
            namespace: namespace.map(str::to_string),
            verbs: vec!["get".into()],
            resource_names: vec![],
            via: "RoleBinding/x -> Role/y".into(),
        };
        assert!(!grant("User", "alice", None).is_system());
        assert!(!grant("ServiceAccount", "ci", Some("a")).is_system());
        assert!(grant("ServiceAccount", "ctrl", Some("kube-system")).is_system());
    }
}
