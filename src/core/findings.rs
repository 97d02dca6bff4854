//! The audit's findings: from MCPServers' Secret references and what is known of the Secrets
//! they name (key names and metadata only, or "absent", or "not readable"), decide for each
//! reference a status, a severity and a message that says what to do. Pure: no I/O.
//!
//! Statuses: `ok`, `missing-secret`, `missing-key`, `namespace-mismatch`, `forbidden`.
//! Severities: `error` for missing-secret / missing-key / namespace-mismatch, `warning` for
//! forbidden and for Secrets no tool declares it manages, `ok` otherwise. Optional references
//! to a missing Secret or key are `ok` with a note.
use std::collections::{BTreeMap, BTreeSet};

use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};

use crate::core::Severity;
use crate::core::mcpserver::{RefKind, SecretRef};

/// The `app.kubernetes.io/managed-by` value of the Secrets `kubectl kmcp secrets sync` writes.
pub use crate::core::secret_plan::{MANAGED_BY_LABEL, MANAGER};

/// The status of one reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Ok,
    MissingSecret,
    MissingKey,
    NamespaceMismatch,
    Forbidden,
}

impl Status {
    /// The word shown in tables and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::MissingSecret => "missing-secret",
            Status::MissingKey => "missing-key",
            Status::NamespaceMismatch => "namespace-mismatch",
            Status::Forbidden => "forbidden",
        }
    }
}

/// What is known of one Secret: its key names and who manages it. Never a value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecretInfo {
    /// The names of its `data` and `stringData` keys.
    pub keys: BTreeSet<String>,
    /// The `app.kubernetes.io/managed-by` label.
    pub managed_by: Option<String>,
    /// The kind of its controller owner reference (`ExternalSecret`, `SealedSecret`, ...).
    pub owner: Option<String>,
    /// A tool recognised from its annotations or type (`cert-manager`, `service-account`, ...).
    pub known_tool: Option<String>,
    /// The first `managedFields` manager (`kubectl-create`, `helm`, ...), for `-o wide`.
    pub field_manager: Option<String>,
    /// The latest `managedFields` time, else the creation time (RFC 3339), for `-o wide`.
    pub last_change: Option<String>,
}

impl SecretInfo {
    /// The tool that declares it manages this Secret: the managed-by label, a controller owner,
    /// or a tool recognised from annotations/type. `None`: created by hand.
    pub fn tool(&self) -> Option<&str> {
        self.managed_by
            .as_deref()
            .or(self.owner.as_deref())
            .or(self.known_tool.as_deref())
    }

    /// The manager shown by `-o wide`: the declared tool, else the first field manager.
    pub fn manager(&self) -> Option<&str> {
        self.tool().or(self.field_manager.as_deref())
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RawMeta {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    /// Keys only: an annotation (kubectl's last-applied-configuration) can hold the data.
    #[serde(default)]
    annotations: BTreeMap<String, IgnoredAny>,
    #[serde(default)]
    owner_references: Vec<RawOwner>,
    #[serde(default)]
    managed_fields: Vec<RawManagedField>,
    creation_timestamp: Option<String>,
}

#[derive(Deserialize)]
struct RawOwner {
    #[serde(default)]
    kind: String,
    controller: Option<bool>,
}

#[derive(Deserialize)]
struct RawManagedField {
    manager: Option<String>,
    time: Option<String>,
}

/// A Secret as the audit reads it: the values are skipped by the parser, never decoded.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RawSecret {
    pub metadata: RawMeta,
    #[serde(rename = "type")]
    secret_type: Option<String>,
    #[serde(default)]
    data: BTreeMap<String, IgnoredAny>,
    #[serde(default)]
    string_data: BTreeMap<String, IgnoredAny>,
}

#[derive(Deserialize)]
pub struct RawSecretList {
    pub items: Vec<RawSecret>,
}

impl RawSecret {
    /// The key names and metadata; the values were never read.
    pub fn info(self) -> SecretInfo {
        let m = self.metadata;
        let annotation = |prefix: &str| m.annotations.keys().any(|k| k.starts_with(prefix));
        let known_tool = if annotation("cert-manager.io/") {
            Some("cert-manager")
        } else if annotation("reconcile.external-secrets.io/") {
            Some("external-secrets")
        } else if annotation("sealedsecrets.bitnami.com/") {
            Some("sealed-secrets")
        } else if self.secret_type.as_deref() == Some("kubernetes.io/service-account-token") {
            Some("service-account-token")
        } else {
            None
        };
        SecretInfo {
            keys: self
                .data
                .into_keys()
                .chain(self.string_data.into_keys())
                .collect(),
            managed_by: m
                .labels
                .get(MANAGED_BY_LABEL)
                .filter(|v| !v.is_empty())
                .cloned(),
            owner: m
                .owner_references
                .iter()
                .find(|o| o.controller == Some(true))
                .map(|o| o.kind.clone()),
            known_tool: known_tool.map(str::to_string),
            field_manager: m.managed_fields.first().and_then(|f| f.manager.clone()),
            last_change: m
                .managed_fields
                .iter()
                .filter_map(|f| f.time.clone())
                .max()
                .or(m.creation_timestamp),
        }
    }
}

/// What the audit learned about one Secret name in one namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretState {
    Present(SecretInfo),
    Absent,
    /// The user may not read it; `check` is the `kubectl auth can-i` line that shows it.
    Forbidden {
        check: String,
    },
}

/// The Secrets the audit read, by namespace then name. A (namespace, name) that is not in the
/// map was not read (its namespace was not in the audit's reach).
#[derive(Debug, Clone, Default)]
pub struct Secrets {
    pub by_namespace: BTreeMap<String, BTreeMap<String, SecretState>>,
}

impl Secrets {
    /// Records what was read of the Secret `namespace/name`.
    pub fn insert(&mut self, namespace: &str, name: &str, state: SecretState) {
        self.by_namespace
            .entry(namespace.to_string())
            .or_default()
            .insert(name.to_string(), state);
    }

    /// What was read of `namespace/name`; `None` when it was not read.
    pub fn get(&self, namespace: &str, name: &str) -> Option<&SecretState> {
        self.by_namespace.get(namespace)?.get(name)
    }

    /// The other namespaces where a Secret of this name was seen.
    pub fn present_elsewhere(&self, namespace: &str, name: &str) -> Vec<&str> {
        self.by_namespace
            .iter()
            .filter(|(ns, _)| ns.as_str() != namespace)
            .filter(|(_, m)| matches!(m.get(name), Some(SecretState::Present(_))))
            .map(|(ns, _)| ns.as_str())
            .collect()
    }
}

/// One MCPServer, as far as the audit cares: where it is and what it references.
#[derive(Debug, Clone)]
pub struct Server {
    pub namespace: String,
    pub name: String,
    pub references: Vec<SecretRef>,
}

impl Server {
    /// Reads a server from its JSON form (tolerant of unknown and missing fields).
    pub fn from_json(value: &serde_json::Value) -> Server {
        Server {
            namespace: value["metadata"]["namespace"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            name: value["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            references: crate::core::mcpserver::references(value),
        }
    }
}

/// A kmcp.yaml environment that syncs a Secret: its name, Secret and namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectSecret {
    pub environment: String,
    pub secret: String,
    /// `None`: the namespace comes from -n / the context at sync time.
    pub namespace: Option<String>,
}

/// What the project directory (`-d`) adds to the checks.
#[derive(Debug, Clone, Default)]
pub struct ProjectContext {
    /// The keys `.env.example` leaves empty, and the file, for messages.
    pub required: Vec<String>,
    pub example_path: Option<String>,
    /// kmcp.yaml's environments that sync a Kubernetes Secret.
    pub secrets: Vec<ProjectSecret>,
}

impl ProjectContext {
    /// kmcp.yaml's environments whose `secretName` is `secret`.
    fn environments_of(&self, secret: &str) -> Vec<&ProjectSecret> {
        self.secrets.iter().filter(|s| s.secret == secret).collect()
    }

    /// Whether `.env.example`'s required keys apply to this reference: a whole-Secret env
    /// reference to one of kmcp.yaml's Secrets (to any whole-Secret env reference when kmcp.yaml
    /// names no Secret).
    fn requires_keys_of(&self, r: &SecretRef) -> bool {
        !self.required.is_empty()
            && r.kind == RefKind::EnvFrom
            && r.key.is_none()
            && (self.secrets.is_empty() || self.secrets.iter().any(|s| s.secret == r.secret))
    }

    /// The command that (re)creates this Secret, for hints: the kmcp.yaml environment that
    /// syncs it when there is one, else the sync command with a placeholder and what to set.
    fn sync_hint(&self, secret: &str, namespace: &str) -> String {
        match self
            .environments_of(secret)
            .into_iter()
            .find(|e| e.namespace.as_deref().is_none_or(|ns| ns == namespace))
        {
            Some(e) if e.namespace.is_some() => {
                format!("`kubectl kmcp secrets sync {}`", e.environment)
            }
            Some(e) => format!(
                "`kubectl kmcp secrets sync {} -n {namespace}`",
                e.environment
            ),
            None => format!(
                "`kubectl kmcp secrets sync ENV -n {namespace}`, ENV being the kmcp.yaml environment with `secretName: {secret}`"
            ),
        }
    }
}

/// One finding: one reference of one server (or one required key of it), checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub namespace: String,
    pub server: String,
    pub via: String,
    pub secret: String,
    /// `null` for a whole-Secret reference.
    pub key: Option<String>,
    pub status: Status,
    pub severity: Severity,
    pub message: String,
    /// For `-o wide` only (not part of the JSON contract).
    #[serde(skip)]
    pub manager: Option<String>,
    #[serde(skip)]
    pub last_change: Option<String>,
}

/// Counts for the summary line and the JSON `summary`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub servers: usize,
    pub references: usize,
    /// Distinct (namespace, Secret) pairs referenced.
    pub secrets: usize,
    pub ok: usize,
    pub warnings: usize,
    pub errors: usize,
}

impl Summary {
    /// The counts of the summary line and of the JSON `summary`.
    pub fn of(servers: &[Server], findings: &[Finding]) -> Summary {
        let secrets: BTreeSet<(&str, &str)> = servers
            .iter()
            .flat_map(|s| {
                s.references
                    .iter()
                    .map(|r| (s.namespace.as_str(), r.secret.as_str()))
            })
            .collect();
        let count = |sev| findings.iter().filter(|f| f.severity == sev).count();
        Summary {
            servers: servers.len(),
            references: servers.iter().map(|s| s.references.len()).sum(),
            secrets: secrets.len(),
            ok: count(Severity::Ok),
            warnings: count(Severity::Warning),
            errors: count(Severity::Error),
        }
    }

    /// The highest severity found.
    pub fn worst(&self) -> Severity {
        if self.errors > 0 {
            Severity::Error
        } else if self.warnings > 0 {
            Severity::Warning
        } else {
            Severity::Ok
        }
    }
}

/// Evaluates every reference of every server.
pub fn evaluate(servers: &[Server], secrets: &Secrets, project: &ProjectContext) -> Vec<Finding> {
    let mut out = Vec::new();
    for server in servers {
        for r in &server.references {
            evaluate_one(server, r, secrets, project, &mut out);
        }
    }
    out
}

/// The finding of one reference of one server.
fn evaluate_one(
    server: &Server,
    r: &SecretRef,
    secrets: &Secrets,
    project: &ProjectContext,
    out: &mut Vec<Finding>,
) {
    let ns = server.namespace.as_str();
    let finding =
        |key: Option<String>, status: Status, severity: Severity, message: String| Finding {
            namespace: server.namespace.clone(),
            server: server.name.clone(),
            via: r.via.clone(),
            secret: r.secret.clone(),
            key,
            status,
            severity,
            message,
            manager: None,
            last_change: None,
        };
    // kmcp.yaml syncs this Secret, but never into the server's namespace.
    let envs = project.environments_of(&r.secret);
    let project_mismatch = (!envs.is_empty()
        && envs
            .iter()
            .all(|e| e.namespace.as_deref().is_some_and(|n| n != ns)))
    .then(|| {
        let places: Vec<String> = envs
            .iter()
            .map(|e| {
                format!(
                    "{} (namespace {})",
                    e.environment,
                    e.namespace.as_deref().unwrap_or("")
                )
            })
            .collect();
        format!(
            "kmcp.yaml syncs Secret {:?} for environment {} but server {:?} is in namespace {ns:?}; set `namespace: {ns}` for the environment in kmcp.yaml, or deploy the server into the environment's namespace",
            r.secret,
            places.join(", "),
            server.name
        )
    });

    match secrets.get(ns, &r.secret) {
        Some(SecretState::Forbidden { check }) => out.push(finding(
            r.key.clone(),
            Status::Forbidden,
            Severity::Warning,
            format!(
                "cannot read Secret {:?} in namespace {ns:?}: forbidden; check with `{check}`",
                r.secret
            ),
        )),
        None | Some(SecretState::Absent) => {
            let elsewhere = secrets.present_elsewhere(ns, &r.secret);
            if !elsewhere.is_empty() {
                out.push(finding(
                    r.key.clone(),
                    Status::NamespaceMismatch,
                    Severity::Error,
                    format!(
                        "Secret {:?} is not in namespace {ns:?} but exists in {}; a pod reads Secrets only from its own namespace: create it in {ns:?} ({}), or move the server",
                        r.secret,
                        quote_list(&elsewhere),
                        project.sync_hint(&r.secret, ns)
                    ),
                ));
            } else if let Some(message) = project_mismatch {
                out.push(finding(
                    r.key.clone(),
                    Status::NamespaceMismatch,
                    Severity::Error,
                    message,
                ));
            } else if r.optional {
                out.push(finding(
                    r.key.clone(),
                    Status::Ok,
                    Severity::Ok,
                    format!(
                        "Secret {:?} does not exist; the reference is optional, so the pod starts without it",
                        r.secret
                    ),
                ));
            } else {
                out.push(finding(
                    r.key.clone(),
                    Status::MissingSecret,
                    Severity::Error,
                    format!(
                        "Secret {:?} does not exist in namespace {ns:?}; the pod cannot start: create it with {}",
                        r.secret,
                        project.sync_hint(&r.secret, ns)
                    ),
                ));
            }
        }
        Some(SecretState::Present(info)) => {
            let wide = |mut f: Finding| {
                f.manager = info.manager().map(str::to_string);
                f.last_change = info.last_change.clone();
                f
            };
            if let Some(message) = project_mismatch {
                out.push(wide(finding(
                    r.key.clone(),
                    Status::NamespaceMismatch,
                    Severity::Error,
                    message,
                )));
                return;
            }
            if let Some(key) = &r.key
                && !info.keys.contains(key)
            {
                let f = if r.optional {
                    finding(
                        Some(key.clone()),
                        Status::Ok,
                        Severity::Ok,
                        format!(
                            "Secret {:?} has no key {key:?}; the reference is optional, so the pod starts without it",
                            r.secret
                        ),
                    )
                } else {
                    finding(
                        Some(key.clone()),
                        Status::MissingKey,
                        Severity::Error,
                        format!(
                            "Secret {:?} has no key {key:?}; add it with {} or fix the reference",
                            r.secret,
                            project.sync_hint(&r.secret, ns)
                        ),
                    )
                };
                out.push(wide(f));
                return;
            }
            if project.requires_keys_of(r) {
                let missing: Vec<&String> = project
                    .required
                    .iter()
                    .filter(|k| !info.keys.contains(*k))
                    .collect();
                if !missing.is_empty() {
                    let example = project.example_path.as_deref().unwrap_or(".env.example");
                    for key in missing {
                        out.push(wide(finding(
                            Some(key.clone()),
                            Status::MissingKey,
                            Severity::Error,
                            format!(
                                "Secret {:?} lacks key {key:?}, which {example} requires (it leaves it empty there); add it to the environment's .env file and run {}",
                                r.secret,
                                project.sync_hint(&r.secret, ns)
                            ),
                        )));
                    }
                    return;
                }
            }
            let f = match info.tool() {
                Some(tool) => finding(
                    r.key.clone(),
                    Status::Ok,
                    Severity::Ok,
                    format!("managed by {tool}"),
                ),
                None => finding(
                    r.key.clone(),
                    Status::Ok,
                    Severity::Warning,
                    format!(
                        "exists, but no tool manages it (no {MANAGED_BY_LABEL} label, no controller owner): nothing recreates it; manage it with {}",
                        project.sync_hint(&r.secret, ns)
                    ),
                ),
            };
            out.push(wide(f));
        }
    }
}

/// `"a", "b", "c" and 4 more`: a long list stays one readable line.
fn quote_list(items: &[&str]) -> String {
    let mut out = items
        .iter()
        .take(3)
        .map(|s| format!("{s:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > 3 {
        out.push_str(&format!(" and {} more", items.len() - 3));
    }
    out
}

/// Whether the findings make the run fail under `--fail-on` (`None` = never).
pub fn fails(findings: &[Finding], threshold: Option<Severity>) -> bool {
    match threshold {
        None => false,
        Some(t) => findings
            .iter()
            .any(|f| f.severity >= t && f.severity != Severity::Ok),
    }
}

/// What audit reads: per namespace, the Secret names to read there.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ToRead {
    /// Per namespace, the Secrets the servers there reference, plus kmcp.yaml's Secrets in their
    /// environments' namespaces (for the namespace-mismatch check).
    pub wanted: BTreeMap<String, BTreeSet<String>>,
    /// Every Secret name some server references (a namespace's list is reduced to these).
    pub referenced: BTreeSet<String>,
    /// The namespaces whose Secrets servers reference: where access is asked about.
    pub access_namespaces: Vec<String>,
}

/// The Secrets audit must read for these servers and this project.
pub fn secrets_to_read(servers: &[Server], project: &ProjectContext) -> ToRead {
    let mut wanted: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for s in servers {
        for r in &s.references {
            wanted
                .entry(s.namespace.clone())
                .or_default()
                .insert(r.secret.clone());
        }
    }
    let access_namespaces: Vec<String> = wanted.keys().cloned().collect();
    let referenced: BTreeSet<String> = wanted.values().flatten().cloned().collect();
    for p in &project.secrets {
        if let Some(ns) = &p.namespace
            && referenced.contains(&p.secret)
        {
            wanted
                .entry(ns.clone())
                .or_default()
                .insert(p.secret.clone());
        }
    }
    ToRead {
        wanted,
        referenced,
        access_namespaces,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn info(keys: &[&str], managed: bool) -> SecretState {
        SecretState::Present(SecretInfo {
            keys: keys.iter().map(|k| k.to_string()).collect(),
            managed_by: managed.then(|| MANAGER.to_string()),
            ..Default::default()
        })
    }

    fn server(ns: &str, name: &str, deployment: serde_json::Value) -> Server {
        Server::from_json(&json!({
            "metadata": {"namespace": ns, "name": name},
            "spec": {"deployment": deployment}
        }))
    }

    fn one(servers: &[Server], secrets: &Secrets, project: &ProjectContext) -> Finding {
        let f = evaluate(servers, secrets, project);
        assert_eq!(f.len(), 1, "{f:#?}");
        f.into_iter().next().unwrap()
    }

    #[test]
    fn ok_when_the_secret_exists_and_is_managed() {
        let s = [server(
            "a",
            "web",
            json!({"secretRefs": [{"name": "web-secrets"}]}),
        )];
        let mut secrets = Secrets::default();
        secrets.insert("a", "web-secrets", info(&["API_KEY"], true));
        let f = one(&s, &secrets, &ProjectContext::default());
        assert_eq!(
            (f.status, f.severity, f.key.as_deref()),
            (Status::Ok, Severity::Ok, None)
        );
        assert_eq!(f.via, "spec.deployment.secretRefs[0]");
        assert_eq!(f.message, "managed by kubectl-kmcp");
    }

    #[test]
    fn unmanaged_secret_is_ok_with_a_warning() {
        let s = [server(
            "a",
            "web",
            json!({"imagePullSecrets": [{"name": "regcred"}]}),
        )];
        let mut secrets = Secrets::default();
        secrets.insert("a", "regcred", info(&[".dockerconfigjson"], false));
        let f = one(&s, &secrets, &ProjectContext::default());
        assert_eq!((f.status, f.severity), (Status::Ok, Severity::Warning));
        assert!(f.message.contains("no tool manages it"), "{}", f.message);
    }

    #[test]
    fn missing_secret_is_an_error_with_the_sync_command() {
        let s = [server(
            "a",
            "web",
            json!({"secretRefs": [{"name": "web-secrets"}]}),
        )];
        let mut secrets = Secrets::default();
        secrets.insert("a", "web-secrets", SecretState::Absent);
        let project = ProjectContext {
            secrets: vec![ProjectSecret {
                environment: "staging".into(),
                secret: "web-secrets".into(),
                namespace: Some("a".into()),
            }],
            ..Default::default()
        };
        let f = one(&s, &secrets, &project);
        assert_eq!(
            (f.status, f.severity),
            (Status::MissingSecret, Severity::Error)
        );
        assert!(
            f.message.contains("`kubectl kmcp secrets sync staging`"),
            "{}",
            f.message
        );
    }

    #[test]
    fn optional_references_to_missing_things_are_ok_with_a_note() {
        // The doc-only forms (envFrom, env[].valueFrom.secretKeyRef) that the real CRD prunes.
        let s = [server(
            "a",
            "web",
            json!({
                "envFrom": [{"secretRef": {"name": "gone", "optional": true}}],
                "env": [{"name": "T", "valueFrom": {"secretKeyRef": {"name": "s", "key": "token", "optional": true}}}]
            }),
        )];
        let mut secrets = Secrets::default();
        secrets.insert("a", "gone", SecretState::Absent);
        secrets.insert("a", "s", info(&["other"], true));
        let f = evaluate(&s, &secrets, &ProjectContext::default());
        assert_eq!(f.len(), 2);
        assert!(
            f.iter()
                .all(|f| f.status == Status::Ok && f.severity == Severity::Ok)
        );
        assert!(f[0].message.contains("optional"), "{}", f[0].message);
        assert_eq!(f[0].via, "spec.deployment.envFrom[0].secretRef");
        assert_eq!(f[1].key.as_deref(), Some("token"));
        assert!(f[1].message.contains("optional"), "{}", f[1].message);
    }

    #[test]
    fn missing_key_of_a_secret_key_ref() {
        let s = [server(
            "a",
            "web",
            json!({"env": [{"name": "T", "valueFrom": {"secretKeyRef": {"name": "s", "key": "token"}}}]}),
        )];
        let mut secrets = Secrets::default();
        secrets.insert("a", "s", info(&["other"], true));
        let f = one(&s, &secrets, &ProjectContext::default());
        assert_eq!(
            (f.status, f.severity, f.key.as_deref()),
            (Status::MissingKey, Severity::Error, Some("token"))
        );
        assert_eq!(f.via, "spec.deployment.env[0](T).valueFrom.secretKeyRef");
        // Present key: ok.
        secrets.insert("a", "s", info(&["token"], true));
        assert_eq!(
            one(&s, &secrets, &ProjectContext::default()).status,
            Status::Ok
        );
    }

    #[test]
    fn missing_required_keys_of_env_example_one_finding_each() {
        let s = [server(
            "a",
            "web",
            json!({"secretRefs": [{"name": "web-secrets"}], "imagePullSecrets": [{"name": "regcred"}]}),
        )];
        let mut secrets = Secrets::default();
        secrets.insert("a", "web-secrets", info(&["A"], true));
        secrets.insert("a", "regcred", info(&[".dockerconfigjson"], true));
        let project = ProjectContext {
            required: vec!["A".into(), "B".into(), "C".into()],
            example_path: Some("/p/.env.example".into()),
            secrets: vec![],
        };
        let f = evaluate(&s, &secrets, &project);
        let got: Vec<(&str, Option<&str>, Status)> = f
            .iter()
            .map(|f| (f.secret.as_str(), f.key.as_deref(), f.status))
            .collect();
        // The image pull Secret is not an env reference: the example does not apply to it.
        assert_eq!(
            got,
            [
                ("web-secrets", Some("B"), Status::MissingKey),
                ("web-secrets", Some("C"), Status::MissingKey),
                ("regcred", None, Status::Ok)
            ]
        );
        assert!(
            f[0].message.contains("/p/.env.example requires"),
            "{}",
            f[0].message
        );
        // With kmcp.yaml naming another Secret, the example does not apply to web-secrets.
        let scoped = ProjectContext {
            secrets: vec![ProjectSecret {
                environment: "staging".into(),
                secret: "other".into(),
                namespace: None,
            }],
            ..project
        };
        let f = evaluate(&s, &secrets, &scoped);
        assert!(f.iter().all(|f| f.status == Status::Ok), "{f:#?}");
    }

    #[test]
    fn namespace_mismatch_when_the_secret_lives_elsewhere() {
        let s = [server(
            "prod",
            "web",
            json!({"secretRefs": [{"name": "web-secrets"}]}),
        )];
        let mut secrets = Secrets::default();
        secrets.insert("prod", "web-secrets", SecretState::Absent);
        secrets.insert("staging", "web-secrets", info(&["A"], true));
        let f = one(&s, &secrets, &ProjectContext::default());
        assert_eq!(
            (f.status, f.severity),
            (Status::NamespaceMismatch, Severity::Error)
        );
        assert!(f.message.contains("exists in \"staging\""), "{}", f.message);
    }

    #[test]
    fn namespace_mismatch_when_kmcp_yaml_syncs_into_another_namespace() {
        let s = [server(
            "prod",
            "web",
            json!({"secretRefs": [{"name": "web-secrets"}]}),
        )];
        let mut secrets = Secrets::default();
        secrets.insert("prod", "web-secrets", info(&["A"], false));
        let envs = |ns: Option<&str>| ProjectContext {
            secrets: vec![ProjectSecret {
                environment: "staging".into(),
                secret: "web-secrets".into(),
                namespace: ns.map(str::to_string),
            }],
            ..Default::default()
        };
        let f = one(&s, &secrets, &envs(Some("staging")));
        assert_eq!(
            (f.status, f.severity),
            (Status::NamespaceMismatch, Severity::Error)
        );
        assert!(f.message.contains("namespace: prod"), "{}", f.message);
        // An environment without a namespace, or with the server's, is no mismatch.
        assert_eq!(one(&s, &secrets, &envs(None)).status, Status::Ok);
        assert_eq!(one(&s, &secrets, &envs(Some("prod"))).status, Status::Ok);
    }

    #[test]
    fn forbidden_is_a_warning_that_names_the_check() {
        let s = [server(
            "a",
            "web",
            json!({"volumes": [{"name": "v", "secret": {"secretName": "tls", "items": [{"key": "tls.crt", "path": "c"}]}}]}),
        )];
        let mut secrets = Secrets::default();
        secrets.insert(
            "a",
            "tls",
            SecretState::Forbidden {
                check: "kubectl auth can-i get secrets -n a".into(),
            },
        );
        let f = one(&s, &secrets, &ProjectContext::default());
        assert_eq!(
            (f.status, f.severity, f.key.as_deref()),
            (Status::Forbidden, Severity::Warning, Some("tls.crt"))
        );
        assert!(f.message.contains("kubectl auth can-i get secrets -n a"));
        assert!(!fails(std::slice::from_ref(&f), Some(Severity::Error)));
        assert!(fails(std::slice::from_ref(&f), Some(Severity::Warning)));
        assert!(!fails(&[f], None));
    }

    #[test]
    fn json_fields_are_the_contract() {
        let s = [server("a", "web", json!({"secretRefs": [{"name": "x"}]}))];
        let mut secrets = Secrets::default();
        secrets.insert("a", "x", SecretState::Absent);
        let f = evaluate(&s, &secrets, &ProjectContext::default());
        let v = serde_json::to_value(&f[0]).unwrap();
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "key",
                "message",
                "namespace",
                "secret",
                "server",
                "severity",
                "status",
                "via"
            ]
        );
        assert_eq!(v["key"], serde_json::Value::Null);
        assert_eq!(v["status"], "missing-secret");
        assert_eq!(v["severity"], "error");
        let summary = Summary::of(&s, &f);
        assert_eq!(
            (
                summary.servers,
                summary.references,
                summary.secrets,
                summary.errors
            ),
            (1, 1, 1, 1)
        );
        assert_eq!(summary.worst(), Severity::Error);
    }

    fn parse_secret(v: serde_json::Value) -> SecretInfo {
        serde_json::from_value::<RawSecret>(v).unwrap().info()
    }

    #[test]
    fn secret_info_keeps_key_names_and_metadata_only() {
        let v = json!({
            "type": "Opaque",
            "metadata": {
                "name": "s", "creationTimestamp": "2026-01-01T00:00:00Z",
                "labels": {"app.kubernetes.io/managed-by": "kubectl-kmcp"},
                "managedFields": [
                    {"manager": "kubectl-kmcp", "time": "2026-01-02T00:00:00Z"},
                    {"manager": "kubectl-edit", "time": "2026-01-03T00:00:00Z"}
                ]
            },
            "data": {"API_KEY": "c2VjcmV0"}
        });
        let i = parse_secret(v);
        assert_eq!(i.keys.iter().collect::<Vec<_>>(), ["API_KEY"]);
        assert!(!format!("{i:?}").contains("c2VjcmV0"), "no value is kept");
        assert_eq!(i.tool(), Some("kubectl-kmcp"));
        assert_eq!(i.last_change.as_deref(), Some("2026-01-03T00:00:00Z"));
        let owned = parse_secret(json!({"metadata": {
            "ownerReferences": [{"kind": "ExternalSecret", "controller": true}],
            "creationTimestamp": "2026-01-01T00:00:00Z",
            "managedFields": [{"manager": "external-secrets"}]
        }}));
        assert_eq!(owned.tool(), Some("ExternalSecret"));
        assert_eq!(owned.last_change.as_deref(), Some("2026-01-01T00:00:00Z"));
        let by_hand = parse_secret(json!({"metadata": {
            "managedFields": [{"manager": "kubectl-create", "time": "2026-01-01T00:00:00Z"}]
        }}));
        assert_eq!(by_hand.tool(), None);
        assert_eq!(by_hand.manager(), Some("kubectl-create"));
        let sa =
            parse_secret(json!({"type": "kubernetes.io/service-account-token", "metadata": {}}));
        assert_eq!(sa.tool(), Some("service-account-token"));
    }

    #[test]
    fn every_reference_form_is_evaluated_with_its_via() {
        let v = json!({
            "metadata": {"namespace": "a", "name": "web"},
            "spec": {
                "httpTransport": {"tls": {"secretRef": "tls"}},
                "deployment": {
                    "secretRefs": [{"name": "s1"}],
                    "envFrom": [{"secretRef": {"name": "s2"}}],
                    "env": [{"name": "K", "valueFrom": {"secretKeyRef": {"name": "s3", "key": "k"}}}],
                    "volumes": [{"name": "v", "secret": {"secretName": "s4"}},
                                {"name": "p", "projected": {"sources": [{"secret": {"name": "s5"}}]}}],
                    "imagePullSecrets": [{"name": "s6"}],
                    "sidecars": [{"name": "side", "envFrom": [{"secretRef": {"name": "s7"}}]}]
                }
            }
        });
        let s = [Server::from_json(&v)];
        let mut secrets = Secrets::default();
        for name in ["s1", "s2", "s4", "s5", "s6", "s7", "tls"] {
            secrets.insert("a", name, SecretState::Absent);
        }
        secrets.insert("a", "s3", info(&[], true));
        let f = evaluate(&s, &secrets, &ProjectContext::default());
        assert_eq!(f.len(), 8);
        assert!(f.iter().all(|f| f.severity == Severity::Error), "{f:#?}");
        let s3 = f.iter().find(|f| f.secret == "s3").unwrap();
        assert_eq!(s3.status, Status::MissingKey);
        let vias: BTreeSet<&str> = f.iter().map(|f| f.via.as_str()).collect();
        assert!(vias.contains("spec.httpTransport.tls.secretRef"));
        assert!(vias.contains("spec.deployment.sidecars[0](side).envFrom[0].secretRef"));
    }
}
