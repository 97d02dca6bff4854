//! The audit's findings: from MCPServers' Secret references and what is known of the Secrets
//! they name (key names and metadata only, or "absent", or "not readable"), decide for each
//! reference a status, a severity and a message that says what to do. Pure: no I/O.
//!
//! Statuses of references: `ok`, `missing-secret`, `missing-key`, `namespace-mismatch`,
//! `wrong-type`, `forbidden`. Severities: `error` for missing-secret / missing-key /
//! namespace-mismatch / wrong-type, `warning` for forbidden and for Secrets no tool declares it
//! manages, `ok` otherwise. Optional references to a missing Secret or key are `ok` with a note.
//! Findings that are not about one reference (plain-text credentials, effective readers, an
//! unreachable cluster) are [`issues::Issue`]s.
use std::collections::{BTreeMap, BTreeSet};

use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};

use crate::core::Severity;
use crate::core::mcpserver::{RefKind, SecretRef};
use crate::core::plaintext::Plain;

pub mod issues;
pub use issues::Issue;

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
    /// An image pull Secret that is not of a docker config type.
    WrongType,
    /// A credential-looking value in plain text in the spec.
    PlaintextSecret,
    /// A subject that can read the namespace's Secrets only by creating workloads.
    EffectiveReader,
    /// A cluster of the fleet that could not be audited.
    Unreachable,
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
            Status::WrongType => "wrong-type",
            Status::PlaintextSecret => "plaintext-secret",
            Status::EffectiveReader => "effective-reader",
            Status::Unreachable => "unreachable",
        }
    }

    /// Every status, for documentation and SARIF's rules.
    pub const ALL: [Status; 9] = [
        Status::Ok,
        Status::MissingSecret,
        Status::MissingKey,
        Status::NamespaceMismatch,
        Status::WrongType,
        Status::Forbidden,
        Status::PlaintextSecret,
        Status::EffectiveReader,
        Status::Unreachable,
    ];
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
    /// The Secret's `type` (`Opaque`, `kubernetes.io/tls`, ...).
    pub secret_type: Option<String>,
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
            secret_type: self.secret_type,
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
    by_namespace: BTreeMap<String, BTreeMap<String, SecretState>>,
    /// By name, the namespaces where a Secret of that name is present: what
    /// [`Secrets::present_elsewhere`] asks for each missing Secret, without a look into every
    /// namespace (a fleet has thousands of missing references and hundreds of namespaces).
    present: BTreeMap<String, BTreeSet<String>>,
}

impl Secrets {
    /// Records what was read of the Secret `namespace/name`.
    pub fn insert(&mut self, namespace: &str, name: &str, state: SecretState) {
        let namespaces = match self.present.get_mut(name) {
            Some(namespaces) => namespaces,
            None => self.present.entry(name.to_string()).or_default(),
        };
        if matches!(state, SecretState::Present(_)) {
            namespaces.insert(namespace.to_string());
        } else {
            namespaces.remove(namespace);
        }
        let secrets = match self.by_namespace.get_mut(namespace) {
            Some(secrets) => secrets,
            None => self.by_namespace.entry(namespace.to_string()).or_default(),
        };
        secrets.insert(name.to_string(), state);
    }

    /// What was read of `namespace/name`; `None` when it was not read.
    pub fn get(&self, namespace: &str, name: &str) -> Option<&SecretState> {
        self.by_namespace.get(namespace)?.get(name)
    }

    /// The other namespaces where a Secret of this name was seen.
    pub fn present_elsewhere(&self, namespace: &str, name: &str) -> Vec<&str> {
        self.present
            .get(name)
            .into_iter()
            .flatten()
            .map(String::as_str)
            .filter(|ns| *ns != namespace)
            .collect()
    }
}

/// What is read of a listed server: where it is, and the view of its spec.
#[derive(Deserialize)]
#[serde(bound(deserialize = "S: crate::core::lenient::Lenient<'de>"))]
struct Listed<S> {
    #[serde(default)]
    metadata: ListedName,
    #[serde(default, deserialize_with = "crate::core::lenient::read")]
    spec: S,
}

#[derive(Deserialize, Default)]
struct ListedName {
    #[serde(default)]
    name: String,
    #[serde(default)]
    namespace: String,
}

/// One MCPServer or RemoteMCPServer, as far as the audit cares: where it is, what it
/// references, and which plain values in its spec look like credentials (never the values).
#[derive(Debug, Clone)]
pub struct Server {
    /// `MCPServer` or `RemoteMCPServer`.
    pub kind: &'static str,
    pub namespace: String,
    pub name: String,
    pub references: Vec<SecretRef>,
    pub plaintext: Vec<Plain>,
    /// `spec.deployment.serviceAccountName`, whose `imagePullSecrets` the pod gets too.
    pub service_account: Option<String>,
}

impl Server {
    /// Reads an MCPServer from its JSON form (tolerant of unknown and missing fields). The
    /// commands read listed servers from their bytes (`listed_mcpserver`); tests build whole
    /// objects.
    #[cfg(test)]
    pub fn from_json(value: &serde_json::Value) -> Server {
        let spec = crate::core::mcpserver::Spec::of_object(value);
        Server::mcpserver(meta_str(value, "namespace"), meta_str(value, "name"), &spec)
    }

    /// An MCPServer at `namespace/name`, from the view of its spec.
    fn mcpserver(namespace: String, name: String, spec: &crate::core::mcpserver::Spec) -> Server {
        Server {
            kind: crate::core::mcpserver::KIND,
            namespace,
            name,
            references: crate::core::mcpserver::spec_references(spec),
            plaintext: crate::core::plaintext::scan_mcpserver(spec),
            service_account: crate::core::mcpserver::str_of(&spec.deployment.service_account_name)
                .map(str::to_string),
        }
    }

    /// Reads a kagent RemoteMCPServer from its JSON form (tests; see `from_json`).
    #[cfg(test)]
    pub fn from_remote_json(value: &serde_json::Value) -> Server {
        let spec = crate::core::remote::Spec::of_object(value);
        Server::remote(meta_str(value, "namespace"), meta_str(value, "name"), &spec)
    }

    /// A kagent RemoteMCPServer at `namespace/name`, from the view of its spec.
    fn remote(namespace: String, name: String, spec: &crate::core::remote::Spec) -> Server {
        Server {
            kind: crate::core::remote::KIND,
            namespace,
            name,
            references: crate::core::remote::references(spec),
            plaintext: crate::core::remote::plaintext(spec),
            service_account: None,
        }
    }

    /// An MCPServer from one item of a list, as the API server sent it: its name, namespace
    /// and the view of its spec are read; the rest (managedFields, annotations, status) is
    /// skipped without being built. An error gives a line, a column and what was expected.
    pub fn listed_mcpserver(item: &[u8]) -> serde_json::Result<Server> {
        let l: Listed<crate::core::mcpserver::Spec> = serde_json::from_slice(item)?;
        Ok(Server::mcpserver(
            l.metadata.namespace,
            l.metadata.name,
            &l.spec,
        ))
    }

    /// A RemoteMCPServer from one item of a list (see `listed_mcpserver`).
    pub fn listed_remote(item: &[u8]) -> serde_json::Result<Server> {
        let l: Listed<crate::core::remote::Spec> = serde_json::from_slice(item)?;
        Ok(Server::remote(
            l.metadata.namespace,
            l.metadata.name,
            &l.spec,
        ))
    }

    /// Adds the `imagePullSecrets` of the server's ServiceAccount, read from the cluster.
    pub fn add_service_account_pull_secrets(&mut self, names: &[String]) {
        let sa = self.service_account.clone().unwrap_or_default();
        for (i, name) in names.iter().enumerate() {
            self.references.push(SecretRef {
                secret: name.clone(),
                key: None,
                optional: false,
                via: format!("serviceaccount/{sa}.imagePullSecrets[{i}]"),
                kind: RefKind::ImagePull,
            });
        }
    }
}

#[cfg(test)]
fn meta_str(value: &serde_json::Value, field: &str) -> String {
    value["metadata"][field]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// A kmcp.yaml environment that syncs a Secret: its name, Secret and namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectSecret {
    pub environment: String,
    pub secret: String,
    /// `None`: the namespace comes from -n / the context at sync time.
    pub namespace: Option<String>,
    /// The environment's line in kmcp.yaml (for SARIF's physical locations).
    pub line: u32,
}

/// What the project directory (`-d`) adds to the checks.
#[derive(Debug, Clone, Default)]
pub struct ProjectContext {
    /// The project directory's kmcp.yaml, when `-d` has one (for SARIF's physical locations).
    pub manifest: Option<String>,
    /// The keys `.env.example` leaves empty, and the file, for messages.
    pub required: Vec<String>,
    pub example_path: Option<String>,
    /// kmcp.yaml's environments that sync a Kubernetes Secret.
    pub secrets: Vec<ProjectSecret>,
}

impl ProjectContext {
    /// kmcp.yaml's environments whose `secretName` is `secret`.
    pub fn environments_of(&self, secret: &str) -> Vec<&ProjectSecret> {
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

    /// The command that (re)creates the Secret of this reference: `kubectl create secret
    /// docker-registry` for an image pull Secret, `kubectl create secret tls` for a TLS Secret,
    /// `kubectl create secret generic` for a CA bundle, else the sync hint.
    fn create_hint(&self, r: &SecretRef, namespace: &str) -> String {
        let secret = &r.secret;
        match r.kind {
            RefKind::ImagePull => format!(
                "`kubectl create secret docker-registry {secret} -n {namespace} --docker-server=REGISTRY --docker-username=USER --docker-password=PASSWORD`"
            ),
            RefKind::Tls => format!(
                "`kubectl create secret tls {secret} -n {namespace} --cert=tls.crt --key=tls.key`"
            ),
            RefKind::CaCert => format!(
                "`kubectl create secret generic {secret} -n {namespace} --from-file={}=ca.crt`",
                r.key.as_deref().unwrap_or("ca.crt")
            ),
            _ => self.sync_hint(secret, namespace),
        }
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
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// The kubeconfig context audited (a fleet run names each).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// `MCPServer` or `RemoteMCPServer`.
    pub server_kind: &'static str,
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
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// MCPServers and RemoteMCPServers.
    pub servers: usize,
    /// Of `servers`, the RemoteMCPServers.
    pub remote_servers: usize,
    /// Findings that are not about one reference (`findings[]`: plain-text credentials,
    /// effective readers, unreachable clusters).
    pub findings: usize,
    pub references: usize,
    /// Distinct (namespace, Secret) pairs referenced.
    pub secrets: usize,
    pub ok: usize,
    pub warnings: usize,
    pub errors: usize,
}

impl Summary {
    /// The counts of the summary line and of the JSON `summary`.
    pub fn of(servers: &[Server], findings: &[Finding], issues: &[Issue]) -> Summary {
        // A hash set: an ordered set compares strings at each step of each insert, and took up
        // to 28 ms for the 60,000 references of 20,000 servers (a hash set: about 9).
        let secrets: std::collections::HashSet<(&str, &str)> = servers
            .iter()
            .flat_map(|s| {
                s.references
                    .iter()
                    .map(|r| (s.namespace.as_str(), r.secret.as_str()))
            })
            .collect();
        let count = |sev| {
            findings.iter().filter(|f| f.severity == sev).count()
                + issues.iter().filter(|f| f.severity == sev).count()
        };
        Summary {
            servers: servers.len(),
            remote_servers: servers
                .iter()
                .filter(|s| s.kind == crate::core::remote::KIND)
                .count(),
            findings: issues.len(),
            references: servers.iter().map(|s| s.references.len()).sum(),
            secrets: secrets.len(),
            ok: count(Severity::Ok),
            warnings: count(Severity::Warning),
            errors: count(Severity::Error),
        }
    }

    /// Counts one more finding or issue of this severity (a summary made from the servers
    /// alone, `Summary::of(servers, &[], &issues)`, then counts each reference's finding as it
    /// is made, so that the servers can be dropped before the findings are made).
    pub fn count(&mut self, severity: Severity) {
        match severity {
            Severity::Ok => self.ok += 1,
            Severity::Warning => self.warnings += 1,
            Severity::Error => self.errors += 1,
        }
    }

    /// The sum of two summaries (the clusters of a fleet).
    pub fn add(&mut self, o: &Summary) {
        self.servers += o.servers;
        self.remote_servers += o.remote_servers;
        self.findings += o.findings;
        self.references += o.references;
        self.secrets += o.secrets;
        self.ok += o.ok;
        self.warnings += o.warnings;
        self.errors += o.errors;
    }

    /// How many findings and issues make the run fail under `threshold` (`--fail-on`; see
    /// [`fails`]), from the counts alone.
    pub fn failing(&self, threshold: Option<Severity>) -> usize {
        [
            (Severity::Ok, self.ok),
            (Severity::Warning, self.warnings),
            (Severity::Error, self.errors),
        ]
        .into_iter()
        .filter(|(severity, _)| fails(*severity, threshold))
        .map(|(_, count)| count)
        .sum()
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
    let mut lookup = Lookup::new(secrets);
    for server in servers {
        for r in &server.references {
            evaluate_one(server, r, &mut lookup, project, &mut |f| out.push(f));
        }
    }
    out
}

/// Evaluates every reference of every server, freeing each server once its findings are made:
/// memory holds the findings and the servers not yet evaluated, never both in full.
pub fn evaluate_owned(
    servers: Vec<Server>,
    secrets: &Secrets,
    project: &ProjectContext,
) -> Vec<Finding> {
    // One finding per reference, nearly always (a TLS Secret or kmcp.yaml's required keys can
    // give one per missing key): sized once, not grown by doubling (which holds the old and the
    // new buffer at once).
    let mut out = Vec::with_capacity(servers.iter().map(|s| s.references.len()).sum());
    evaluate_each(servers, secrets, project, |f| out.push(f));
    out
}

/// Evaluates every reference of every server in order, handing each finding to `each` as it is
/// made (audit's JSON is written while its references are evaluated), and freeing each server
/// once its findings are made.
pub fn evaluate_each(
    servers: Vec<Server>,
    secrets: &Secrets,
    project: &ProjectContext,
    mut each: impl FnMut(Finding),
) {
    let mut lookup = Lookup::new(secrets);
    for server in servers {
        for r in &server.references {
            evaluate_one(&server, r, &mut lookup, project, &mut each);
        }
    }
}

/// `Secrets::get` for servers that come grouped by namespace (sorted): the namespace is looked
/// up once per run of its servers, not once per reference.
struct Lookup<'s> {
    secrets: &'s Secrets,
    last: Option<(&'s str, &'s BTreeMap<String, SecretState>)>,
}

impl<'s> Lookup<'s> {
    fn new(secrets: &'s Secrets) -> Self {
        Lookup {
            secrets,
            last: None,
        }
    }

    fn get(&mut self, namespace: &str, name: &str) -> Option<&'s SecretState> {
        if self.last.is_none_or(|(ns, _)| ns != namespace) {
            self.last = self
                .secrets
                .by_namespace
                .get_key_value(namespace)
                .map(|(ns, names)| (ns.as_str(), names));
        }
        self.last?.1.get(name)
    }
}

/// The finding of one reference of one server (one per missing key where keys are required),
/// handed to `out`.
fn evaluate_one(
    server: &Server,
    r: &SecretRef,
    lookup: &mut Lookup,
    project: &ProjectContext,
    out: &mut impl FnMut(Finding),
) {
    let ns = server.namespace.as_str();
    let finding =
        |key: Option<String>, status: Status, severity: Severity, message: String| Finding {
            context: None,
            server_kind: server.kind,
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

    let secrets = lookup.secrets;
    match lookup.get(ns, &r.secret) {
        Some(SecretState::Forbidden { check }) => out(finding(
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
                out(finding(
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
                out(finding(
                    r.key.clone(),
                    Status::NamespaceMismatch,
                    Severity::Error,
                    message,
                ));
            } else if r.optional {
                out(finding(
                    r.key.clone(),
                    Status::Ok,
                    Severity::Ok,
                    format!(
                        "Secret {:?} does not exist; the reference is optional, so the pod starts without it",
                        r.secret
                    ),
                ));
            } else {
                out(finding(
                    r.key.clone(),
                    Status::MissingSecret,
                    Severity::Error,
                    format!(
                        "Secret {:?} does not exist in namespace {ns:?}; {}: create it with {}",
                        r.secret,
                        consequence(r.kind),
                        project.create_hint(r, ns)
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
                out(wide(finding(
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
                            project.create_hint(r, ns)
                        ),
                    )
                };
                out(wide(f));
                return;
            }
            if r.kind == RefKind::ImagePull
                && !matches!(
                    info.secret_type.as_deref(),
                    Some(DOCKER_CONFIG_JSON | DOCKER_CFG)
                )
            {
                out(wide(finding(
                    None,
                    Status::WrongType,
                    Severity::Error,
                    format!(
                        "Secret {:?} is of type {}, but an image pull Secret must be {DOCKER_CONFIG_JSON} (or {DOCKER_CFG}); the kubelet ignores it and the image pull fails: recreate it with {}",
                        r.secret,
                        info.secret_type.as_deref().unwrap_or("Opaque"),
                        project.create_hint(r, ns)
                    ),
                )));
                return;
            }
            if r.kind == RefKind::Tls {
                let missing: Vec<&str> = TLS_KEYS
                    .into_iter()
                    .filter(|k| !info.keys.contains(*k))
                    .collect();
                for key in &missing {
                    out(wide(finding(
                        Some(key.to_string()),
                        Status::MissingKey,
                        Severity::Error,
                        format!(
                            "TLS Secret {:?} has no key {key:?}; the server cannot serve TLS without {}: recreate it with {}",
                            r.secret,
                            TLS_KEYS.join(" and "),
                            project.create_hint(r, ns)
                        ),
                    )));
                }
                if !missing.is_empty() {
                    return;
                }
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
                        out(wide(finding(
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
            out(wide(f));
        }
    }
}

/// The Secret types an image pull Secret may have.
pub const DOCKER_CONFIG_JSON: &str = "kubernetes.io/dockerconfigjson";
pub const DOCKER_CFG: &str = "kubernetes.io/dockercfg";
/// The keys a TLS Secret must hold.
pub const TLS_KEYS: [&str; 2] = ["tls.crt", "tls.key"];

/// What a missing Secret of this kind of reference does.
fn consequence(kind: RefKind) -> &'static str {
    match kind {
        RefKind::ImagePull => "the image cannot be pulled from a private registry",
        RefKind::Header | RefKind::CaCert => "agents cannot connect to the remote server",
        _ => "the pod cannot start",
    }
}

/// `"a", "b", "c" and 4 more`: a long list stays one readable line.
pub fn quote_list(items: &[&str]) -> String {
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

/// Whether a finding or issue of this severity makes the run fail under `--fail-on` (`None` =
/// never): at or above the threshold, and never `ok`.
pub fn fails(severity: Severity, threshold: Option<Severity>) -> bool {
    threshold.is_some_and(|t| severity >= t && severity != Severity::Ok)
}

#[cfg(test)]
mod tests;
