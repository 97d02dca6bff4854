//! The checks of `troubleshoot`, evaluated from what was fetched: the connection, the MCPServer,
//! its Secrets (key names and hashes only), the env files, the access answers, the pods and their
//! events. Pure: no I/O, so that every broken state has a fast unit test.
//!
//! The checks run in a fixed order with stable ids ([`IDS`]); a check that depends on one that
//! failed is `skip`. No value of a Secret or an env file ever reaches this module: only key names
//! and SHA-256 hashes (see [`KeyHashes`]).
use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

use crate::core::CheckStatus;
use crate::core::Source;
use crate::core::mcpserver::{self, MCPServerStatus, RefKind, SecretRef};
use crate::core::secret_plan::content_hash;

/// The checks, in the order they run.
pub const IDS: [&str; 9] = [
    "context",
    "crd",
    "mcpserver",
    "namespace",
    "secret",
    "keys",
    "drift",
    "can-i",
    "pods",
];

/// One result line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub id: &'static str,
    pub status: CheckStatus,
    /// What was found; several findings are separated by newlines.
    pub detail: String,
    /// The fix: what to run or change; empty when there is nothing to do.
    pub hint: String,
}

impl Check {
    fn new(id: &'static str, status: CheckStatus, detail: impl Into<String>) -> Check {
        Check {
            id,
            status,
            detail: detail.into(),
            hint: String::new(),
        }
    }
    fn hint(mut self, hint: impl Into<String>) -> Check {
        self.hint = hint.into();
        self
    }
    fn skip(id: &'static str, why: impl Into<String>) -> Check {
        Check::new(id, CheckStatus::Skip, why)
    }
}

/// What a read from the API server gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetch<T> {
    Got(T),
    /// The user may not read it; the `kubectl auth can-i` line that shows it.
    Forbidden(String),
    /// Any other failure, explained in one line.
    Failed(String),
}

impl<T: Default> Default for Fetch<T> {
    fn default() -> Self {
        Fetch::Got(T::default())
    }
}

impl<T> Fetch<T> {
    pub fn got(&self) -> Option<&T> {
        match self {
            Fetch::Got(t) => Some(t),
            _ => None,
        }
    }
}

/// Key names with a SHA-256 per value, and the `content_hash` of the whole: enough to say which
/// keys differ without holding a value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyHashes {
    pub keys: BTreeMap<String, String>,
    pub hash: String,
}

impl KeyHashes {
    pub fn from_data(data: &BTreeMap<String, Vec<u8>>) -> KeyHashes {
        let keys = data
            .iter()
            .map(|(k, v)| {
                let one = BTreeMap::from([(String::new(), v.clone())]);
                (k.clone(), content_hash(&one))
            })
            .collect();
        KeyHashes {
            keys,
            hash: content_hash(data),
        }
    }

    pub fn names(&self) -> BTreeSet<&str> {
        self.keys.keys().map(String::as_str).collect()
    }
}

/// A Secret as the checks see it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecretFacts {
    pub data: KeyHashes,
    /// The `kmcp.dev/secret-hash` annotation `secrets sync` wrote, if any.
    pub annotation: Option<String>,
}

/// The kmcp.yaml environment the run is tied to (`--environment`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvironmentFacts {
    pub name: String,
    /// kmcp.yaml's `namespace` for it, if set.
    pub namespace: Option<String>,
    pub secret_name: String,
    /// kmcp.yaml's path and the environment's line, for messages.
    pub path: String,
    pub line: u32,
}

/// The environment's env file, as key hashes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvFileFacts {
    pub path: String,
    pub data: KeyHashes,
}

/// `.env.example`: the keys it leaves empty are required.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExampleFacts {
    pub path: String,
    pub required: Vec<String>,
}

/// One access question and its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessFacts {
    pub verb: String,
    /// As kubectl spells it: `secrets`, `mcpservers.kagent.dev`.
    pub resource: String,
    pub allowed: bool,
    pub command: String,
}

/// The connection in effect and where each setting came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextFacts {
    pub context: Option<String>,
    pub context_source: Source,
    pub user: Option<String>,
    pub user_source: Source,
    pub api_server: String,
    /// The server's version, or the one-line explanation of why it cannot be reached.
    pub reachable: Result<String, String>,
    /// `kubectl cluster-info` with the context, to check the connection by hand.
    pub check_command: String,
}

impl Default for ContextFacts {
    fn default() -> Self {
        ContextFacts {
            context: None,
            context_source: Source::Default,
            user: None,
            user_source: Source::Default,
            api_server: String::new(),
            reachable: Ok(String::new()),
            check_command: "kubectl cluster-info".into(),
        }
    }
}

/// Everything the checks look at.
#[derive(Debug, Clone)]
pub struct Facts {
    pub server: String,
    pub namespace: String,
    pub namespace_source: Source,
    /// `-n` when it disagrees with kmcp.yaml's namespace (kmcp.yaml's is the one in effect).
    pub flag_namespace: Option<String>,
    pub context: ContextFacts,
    pub environment: Option<EnvironmentFacts>,
    /// Whether `kagent.dev/v1alpha1` `mcpservers` is served.
    pub crd: Fetch<bool>,
    /// The MCPServer as JSON, `None` when it does not exist in the namespace.
    pub mcpserver: Fetch<Option<Value>>,
    /// Other namespaces that hold an MCPServer of the same name.
    pub server_elsewhere: Fetch<Vec<String>>,
    /// The Secrets to check (see [`wanted_secrets`]) in the namespace; `None` = not found.
    pub secrets: BTreeMap<String, Fetch<Option<SecretFacts>>>,
    /// For a Secret not found in the namespace: the other namespaces that hold one of that name.
    pub secrets_elsewhere: BTreeMap<String, Vec<String>>,
    /// The environment's env file: `None` when there is none (or no environment).
    pub env_file: Option<Result<EnvFileFacts, String>>,
    /// Where the env file was looked for, for the message when there is none.
    pub env_file_candidates: Vec<String>,
    pub example: Option<Result<ExampleFacts, String>>,
    pub access: Fetch<Vec<AccessFacts>>,
    /// The server's pods as JSON.
    pub pods: Fetch<Vec<Value>>,
    /// Events about the pods and the MCPServer, as JSON.
    pub events: Vec<Value>,
    /// The `-d DIR`/`-f FILE` to repeat in suggested commands (with a leading space), or "".
    pub project_flags: String,
}

impl Default for Facts {
    fn default() -> Self {
        Facts {
            server: String::new(),
            namespace: "default".into(),
            namespace_source: Source::Default,
            flag_namespace: None,
            context: ContextFacts::default(),
            environment: None,
            crd: Fetch::Got(true),
            mcpserver: Fetch::Got(None),
            server_elsewhere: Fetch::Got(vec![]),
            secrets: BTreeMap::new(),
            secrets_elsewhere: BTreeMap::new(),
            env_file: None,
            env_file_candidates: vec![],
            example: None,
            access: Fetch::Got(vec![]),
            pods: Fetch::Got(vec![]),
            events: vec![],
            project_flags: String::new(),
        }
    }
}

/// The Secrets to read: every one the server references, then the environment's.
pub fn wanted_secrets(server: Option<&Value>, env: Option<&EnvironmentFacts>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let refs = server.map(mcpserver::references).unwrap_or_default();
    for name in refs
        .iter()
        .map(|r| r.secret.clone())
        .chain(env.map(|e| e.secret_name.clone()))
    {
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// The verbs the workflow needs (sync, deploy, troubleshoot) in the namespace.
pub const NEEDED_ACCESS: [(&str, &str, &str); 8] = [
    ("get", "", "secrets"),
    ("create", "", "secrets"),
    ("patch", "", "secrets"),
    ("get", mcpserver::GROUP, mcpserver::PLURAL),
    ("create", mcpserver::GROUP, mcpserver::PLURAL),
    ("patch", mcpserver::GROUP, mcpserver::PLURAL),
    ("list", "", "pods"),
    ("list", "", "events"),
];

/// Runs every check in order.
pub fn diagnose(f: &Facts) -> Vec<Check> {
    let context = check_context(f);
    if context.status == CheckStatus::Fail {
        let mut out = vec![context];
        out.extend(
            IDS[1..]
                .iter()
                .map(|id| Check::skip(id, "the cluster cannot be reached (see the context check)")),
        );
        return out;
    }
    let crd = check_crd(f);
    let server = if crd.status == CheckStatus::Fail {
        Check::skip("mcpserver", "the MCPServer CRD is not installed")
    } else {
        check_mcpserver(f)
    };
    let namespace = check_namespace(f);
    let secret = check_secret(f);
    let (keys, drift) = match secret.status {
        CheckStatus::Fail => (
            Check::skip("keys", "a Secret is missing (see the secret check)"),
            Check::skip("drift", "a Secret is missing (see the secret check)"),
        ),
        _ => (check_keys(f), check_drift(f)),
    };
    let can_i = check_can_i(f);
    let pods = match (crd.status, server.status) {
        (CheckStatus::Fail, _) | (_, CheckStatus::Skip) => {
            Check::skip("pods", "the MCPServer CRD is not installed")
        }
        (_, CheckStatus::Fail) => Check::skip(
            "pods",
            format!(
                "no MCPServer {} in namespace {} (see the mcpserver check)",
                f.server, f.namespace
            ),
        ),
        _ => check_pods(f),
    };
    vec![
        context, crd, server, namespace, secret, keys, drift, can_i, pods,
    ]
}

fn or_unknown(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("(none)")
}

fn check_context(f: &Facts) -> Check {
    let c = &f.context;
    let settings = format!(
        "context {} ({}), user {} ({}), namespace {} ({})",
        or_unknown(&c.context),
        c.context_source,
        or_unknown(&c.user),
        c.user_source,
        f.namespace,
        f.namespace_source
    );
    match &c.reachable {
        Ok(version) => {
            let version = if version.is_empty() {
                String::new()
            } else {
                format!(", Kubernetes {version}")
            };
            Check::new(
                "context",
                CheckStatus::Pass,
                format!("{settings}; API server {}{version}", c.api_server),
            )
        }
        Err(why) => Check::new("context", CheckStatus::Fail, format!("{why}\n{settings}")).hint(
            format!(
                "make `{}` work (start the cluster, or pick another with --context), then run this again",
                c.check_command
            ),
        ),
    }
}

fn check_crd(f: &Facts) -> Check {
    match &f.crd {
        Fetch::Got(true) => Check::new(
            "crd",
            CheckStatus::Pass,
            format!(
                "{} is installed ({}/{} is served)",
                mcpserver::CRD_NAME,
                mcpserver::GROUP,
                mcpserver::VERSION
            ),
        ),
        Fetch::Got(false) => Check::new(
            "crd",
            CheckStatus::Fail,
            format!(
                "the MCPServer CRD {} is not installed: the API server does not serve {}/{}",
                mcpserver::CRD_NAME,
                mcpserver::GROUP,
                mcpserver::VERSION
            ),
        )
        .hint(format!(
            "install kmcp (its CRDs and controller), e.g. with `kmcp install`; check with `kubectl get crd {}`",
            mcpserver::CRD_NAME
        )),
        Fetch::Forbidden(cmd) => Check::new(
            "crd",
            CheckStatus::Warn,
            "cannot tell whether the MCPServer CRD is installed: API discovery was refused",
        )
        .hint(format!("check with `{cmd}`")),
        Fetch::Failed(why) => Check::new(
            "crd",
            CheckStatus::Warn,
            format!("cannot tell whether the MCPServer CRD is installed: {why}"),
        ),
    }
}

fn env_hint_deploy(f: &Facts) -> String {
    match &f.environment {
        Some(env) => format!(
            "deploy it: `kubectl kmcp deploy {} --environment {}{}`",
            f.server, env.name, f.project_flags
        ),
        None => format!(
            "deploy it: `kubectl kmcp deploy {} -n {} --environment ENV`, or find it with `kubectl get mcpservers -A`",
            f.server, f.namespace
        ),
    }
}

fn check_mcpserver(f: &Facts) -> Check {
    let elsewhere = match &f.server_elsewhere {
        Fetch::Got(list) => list
            .iter()
            .filter(|n| **n != f.namespace)
            .cloned()
            .collect(),
        _ => vec![],
    };
    match &f.mcpserver {
        Fetch::Got(Some(server)) => {
            let refs = mcpserver::references(server);
            let ready = server_status(server)
                .and_then(|s| s.condition("Ready").cloned())
                .map(|c| format!(", Ready={}", c.status))
                .unwrap_or_default();
            Check::new(
                "mcpserver",
                CheckStatus::Pass,
                format!(
                    "MCPServer {} exists in namespace {} ({} Secret reference{}{ready})",
                    f.server,
                    f.namespace,
                    refs.len(),
                    plural(refs.len())
                ),
            )
        }
        Fetch::Got(None) if !elsewhere.is_empty() => {
            let hint = match &f.environment {
                Some(env) => format!(
                    "a namespace mismatch: deploy it where kmcp.yaml's environment {} puts it (`kubectl kmcp deploy {} --environment {}{}`), or change `namespace` under secrets.{} in {}",
                    env.name, f.server, env.name, f.project_flags, env.name, env.path
                ),
                None => format!(
                    "a namespace mismatch: run with `-n {}`, or deploy it to {}",
                    elsewhere[0], f.namespace
                ),
            };
            Check::new(
                "mcpserver",
                CheckStatus::Fail,
                format!(
                    "no MCPServer {} in namespace {}, but one of that name exists in namespace {}",
                    f.server,
                    f.namespace,
                    few(&elsewhere.iter().map(String::as_str).collect::<Vec<_>>())
                ),
            )
            .hint(hint)
        }
        Fetch::Got(None) => {
            let searched = match &f.server_elsewhere {
                Fetch::Got(_) => " nor in any other namespace".to_string(),
                Fetch::Forbidden(_) => {
                    " (other namespaces not searched: you may not list MCPServers across namespaces)"
                        .to_string()
                }
                Fetch::Failed(why) => format!(" (other namespaces not searched: {why})"),
            };
            Check::new(
                "mcpserver",
                CheckStatus::Fail,
                format!(
                    "no MCPServer {} in namespace {}{searched}",
                    f.server, f.namespace
                ),
            )
            .hint(env_hint_deploy(f))
        }
        Fetch::Forbidden(cmd) => Check::new(
            "mcpserver",
            CheckStatus::Warn,
            format!(
                "you may not read MCPServers in namespace {}: cannot check {}",
                f.namespace, f.server
            ),
        )
        .hint(format!(
            "check with `{cmd}` and ask for a Role that allows it"
        )),
        Fetch::Failed(why) => Check::new(
            "mcpserver",
            CheckStatus::Warn,
            format!("cannot read MCPServer {}: {why}", f.server),
        ),
    }
}

fn server_status(server: &Value) -> Option<MCPServerStatus> {
    serde_json::from_value(server.get("status")?.clone()).ok()
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn check_namespace(f: &Facts) -> Check {
    let mut agree = Vec::new();
    let mut problems = Vec::new();
    let mut hints = Vec::new();
    match &f.environment {
        Some(env) => match &env.namespace {
            Some(ns) => agree.push(format!("kmcp.yaml's environment {}: {ns}", env.name)),
            None => agree.push(format!(
                "kmcp.yaml's environment {} sets no namespace (using {} from {})",
                env.name, f.namespace, f.namespace_source
            )),
        },
        None => agree.push(format!(
            "namespace {} ({}); no --environment, so kmcp.yaml is not compared",
            f.namespace, f.namespace_source
        )),
    }
    if let (Some(flag), Some(env)) = (&f.flag_namespace, &f.environment) {
        problems.push(format!(
            "-n {flag} disagrees with kmcp.yaml, which puts environment {} in {} (kmcp.yaml's namespace is the one checked)",
            env.name, f.namespace
        ));
        hints.push(format!(
            "drop -n {flag}, or change `namespace` under secrets.{} in {}",
            env.name, env.path
        ));
    }
    match (&f.mcpserver, &f.server_elsewhere) {
        (Fetch::Got(Some(_)), _) => agree.push(format!("MCPServer {}: {}", f.server, f.namespace)),
        (Fetch::Got(None), Fetch::Got(list)) => {
            let others: Vec<&String> = list.iter().filter(|n| **n != f.namespace).collect();
            if !others.is_empty() {
                let names: Vec<&str> = others.iter().map(|s| s.as_str()).collect();
                problems.push(format!(
                    "MCPServer {} is in namespace {}, not in {}",
                    f.server,
                    few(&names),
                    f.namespace
                ));
                hints.push(match &f.environment {
                    Some(env) => format!(
                        "redeploy it with `kubectl kmcp deploy {} --environment {}{}`, or set `namespace: {}` under secrets.{} in {}",
                        f.server, env.name, f.project_flags, names[0], env.name, env.path
                    ),
                    None => format!("run with `-n {}`", names[0]),
                });
            }
        }
        _ => {}
    }
    for (name, fetch) in &f.secrets {
        match fetch {
            Fetch::Got(Some(_)) => agree.push(format!("Secret {name}: {}", f.namespace)),
            Fetch::Got(None) => {
                if let Some(others) = f.secrets_elsewhere.get(name).filter(|o| !o.is_empty()) {
                    problems.push(format!(
                        "Secret {name} is in namespace {}, not in {} where the server reads it",
                        few(&others.iter().map(String::as_str).collect::<Vec<_>>()),
                        f.namespace
                    ));
                    hints.push(secret_create_hint(f, name));
                }
            }
            _ => {}
        }
    }
    if problems.is_empty() {
        Check::new("namespace", CheckStatus::Pass, agree.join("\n"))
    } else {
        Check::new("namespace", CheckStatus::Fail, problems.join("\n")).hint(dedup(hints))
    }
}

/// At most five names, then how many more.
fn few(names: &[&str]) -> String {
    if names.len() <= 5 {
        names.join(", ")
    } else {
        format!("{} and {} more", names[..5].join(", "), names.len() - 5)
    }
}

fn dedup(lines: Vec<String>) -> String {
    let mut out: Vec<String> = Vec::new();
    for l in lines {
        if !out.contains(&l) {
            out.push(l);
        }
    }
    out.join("\n")
}

/// How to create a missing Secret in the namespace.
fn secret_create_hint(f: &Facts, name: &str) -> String {
    match &f.environment {
        Some(env) if env.secret_name == name => match &env.namespace {
            Some(ns) if *ns == f.namespace => format!(
                "create it from the env file: `kubectl kmcp secrets sync {}{}`",
                env.name, f.project_flags
            ),
            _ => format!(
                "set `namespace: {}` under secrets.{} in {}, then `kubectl kmcp secrets sync {}{}`",
                f.namespace, env.name, env.path, env.name, f.project_flags
            ),
        },
        _ => format!(
            "create it in {ns}: `kubectl create secret generic {name} -n {ns} --from-env-file=FILE` (or `kubectl kmcp secrets sync ENV` with an environment whose secretName is {name})",
            ns = f.namespace
        ),
    }
}

fn server_refs(f: &Facts) -> Vec<SecretRef> {
    f.mcpserver
        .got()
        .and_then(|s| s.as_ref())
        .map(mcpserver::references)
        .unwrap_or_default()
}

fn check_secret(f: &Facts) -> Check {
    let refs = server_refs(f);
    if f.secrets.is_empty() {
        return match f.mcpserver {
            Fetch::Got(Some(_)) => Check::new(
                "secret",
                CheckStatus::Warn,
                format!(
                    "MCPServer {} references no Secret: its container gets no secrets",
                    f.server
                ),
            )
            .hint(format!(
                "deploy it with an environment, which adds its Secret to spec.deployment.secretRefs: `kubectl kmcp deploy {} --environment ENV`",
                f.server
            )),
            _ => Check::skip(
                "secret",
                "no MCPServer to read Secret references from, and no --environment",
            ),
        };
    }
    let mut status = CheckStatus::Pass;
    let mut lines = Vec::new();
    let mut hints = Vec::new();
    for (name, fetch) in &f.secrets {
        let uses: Vec<&SecretRef> = refs.iter().filter(|r| &r.secret == name).collect();
        let via = if uses.is_empty() {
            match &f.environment {
                Some(env) => format!("environment {}'s secretName", env.name),
                None => "referenced".into(),
            }
        } else {
            uses.iter()
                .map(|r| r.via.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let optional = !uses.is_empty() && uses.iter().all(|r| r.optional);
        match fetch {
            Fetch::Got(Some(s)) => lines.push(format!(
                "Secret {name} exists in {} ({} key{}; {via})",
                f.namespace,
                s.data.keys.len(),
                plural(s.data.keys.len())
            )),
            Fetch::Got(None) => {
                let elsewhere = f
                    .secrets_elsewhere
                    .get(name)
                    .filter(|o| !o.is_empty())
                    .map(|o| format!("; a Secret of that name exists in namespace {}, but a pod reads Secrets only from its own namespace", few(&o.iter().map(String::as_str).collect::<Vec<_>>())))
                    .unwrap_or_default();
                let sev = if optional {
                    CheckStatus::Warn
                } else {
                    CheckStatus::Fail
                };
                status = status.max(sev);
                lines.push(format!(
                    "Secret {name} not found in namespace {} ({via}{}){elsewhere}",
                    f.namespace,
                    if optional { ", optional" } else { "" }
                ));
                hints.push(secret_create_hint(f, name));
            }
            Fetch::Forbidden(cmd) => {
                status = status.max(CheckStatus::Warn);
                lines.push(format!(
                    "cannot read Secret {name} in {}: you may not get secrets there ({via})",
                    f.namespace
                ));
                hints.push(format!("check with `{cmd}`"));
            }
            Fetch::Failed(why) => {
                status = status.max(CheckStatus::Warn);
                lines.push(format!("cannot read Secret {name}: {why}"));
            }
        }
    }
    // The environment's Secret must be the one the server reads.
    if let (Some(env), Fetch::Got(Some(_))) = (&f.environment, &f.mcpserver)
        && !refs.iter().any(|r| r.secret == env.secret_name)
    {
        status = status.max(CheckStatus::Fail);
        lines.push(format!(
            "MCPServer {} does not reference environment {}'s Secret {}",
            f.server, env.name, env.secret_name
        ));
        hints.push(format!(
            "redeploy it with that Secret in spec.deployment.secretRefs: `kubectl kmcp deploy {} --environment {}{}`",
            f.server, env.name, f.project_flags
        ));
    }
    Check::new("secret", status, lines.join("\n")).hint(dedup(hints))
}

/// Keys each readable Secret has, by name.
fn readable_keys(f: &Facts) -> BTreeMap<&str, BTreeSet<&str>> {
    f.secrets
        .iter()
        .filter_map(|(name, fetch)| match fetch {
            Fetch::Got(Some(s)) => Some((name.as_str(), s.data.names())),
            _ => None,
        })
        .collect()
}

fn sync_hint(f: &Facts, secret: &str, what: &str) -> String {
    match &f.environment {
        Some(env) if env.secret_name == secret => format!(
            "{what} to the env file and run `kubectl kmcp secrets sync {}{}`",
            env.name, f.project_flags
        ),
        _ => format!(
            "{what} to Secret {secret} in {} (from the env file it comes from, e.g. `kubectl kmcp secrets sync ENV`)",
            f.namespace
        ),
    }
}

/// The Secrets whose keys all become the server's environment variables.
fn env_from_secrets(f: &Facts) -> Vec<String> {
    let refs = server_refs(f);
    let mut out: Vec<String> = refs
        .iter()
        .filter(|r| r.kind == RefKind::EnvFrom && !r.via.contains(".sidecars["))
        .map(|r| r.secret.clone())
        .collect();
    if out.is_empty()
        && let Some(env) = &f.environment
    {
        out.push(env.secret_name.clone());
    }
    out.dedup();
    out
}

fn check_keys(f: &Facts) -> Check {
    let have = readable_keys(f);
    let refs = server_refs(f);
    let mut status = CheckStatus::Pass;
    let mut lines = Vec::new();
    let mut hints = Vec::new();
    let mut checked = 0usize;
    for r in refs.iter().filter(|r| r.key.is_some()) {
        let key = r.key.as_deref().unwrap_or_default();
        let Some(keys) = have.get(r.secret.as_str()) else {
            continue;
        };
        checked += 1;
        if !keys.contains(key) {
            let sev = if r.optional {
                CheckStatus::Warn
            } else {
                CheckStatus::Fail
            };
            status = status.max(sev);
            lines.push(format!(
                "key {key} is missing from Secret {} ({}{})",
                r.secret,
                r.via,
                if r.optional { ", optional" } else { "" }
            ));
            hints.push(sync_hint(f, &r.secret, &format!("add {key}")));
        }
    }
    match &f.example {
        Some(Ok(example)) if !example.required.is_empty() => {
            let sources = env_from_secrets(f);
            let readable: Vec<&String> = sources
                .iter()
                .filter(|s| have.contains_key(s.as_str()))
                .collect();
            if !readable.is_empty() {
                checked += 1;
                let union: BTreeSet<&str> = readable
                    .iter()
                    .flat_map(|s| have[s.as_str()].iter().copied())
                    .collect();
                let missing: Vec<&str> = example
                    .required
                    .iter()
                    .map(String::as_str)
                    .filter(|k| !union.contains(k))
                    .collect();
                let names: Vec<&str> = readable.iter().map(|s| s.as_str()).collect();
                if missing.is_empty() {
                    lines.push(format!(
                        "the {} required key{} of {} are in {}",
                        example.required.len(),
                        plural(example.required.len()),
                        example.path,
                        names.join(", ")
                    ));
                } else {
                    status = CheckStatus::Fail;
                    lines.push(format!(
                        "required by {} (left empty there) but missing from {}: {}",
                        example.path,
                        names.join(", "),
                        missing.join(", ")
                    ));
                    hints.push(sync_hint(
                        f,
                        readable[0],
                        &format!("add {}", missing.join(", ")),
                    ));
                }
            }
        }
        Some(Err(why)) => {
            status = status.max(CheckStatus::Warn);
            lines.push(format!("cannot read .env.example: {why}"));
        }
        _ => {}
    }
    if checked == 0 {
        let why = if have.is_empty() {
            "no Secret could be read (see the secret check)"
        } else {
            "nothing to compare: no secretKeyRef and no required key in .env.example"
        };
        return Check::skip("keys", why);
    }
    if status == CheckStatus::Pass && lines.is_empty() {
        lines.push("every referenced key is in its Secret".into());
    } else if status == CheckStatus::Pass {
        lines.insert(0, "every referenced key is in its Secret".into());
    }
    Check::new("keys", status, lines.join("\n")).hint(dedup(hints))
}

fn short(hash: &str) -> &str {
    &hash[..hash.len().min(12)]
}

fn check_drift(f: &Facts) -> Check {
    let Some(env) = &f.environment else {
        return Check::skip(
            "drift",
            "no --environment: drift compares an environment's env file with its Secret",
        );
    };
    let secret = match f.secrets.get(&env.secret_name) {
        Some(Fetch::Got(Some(s))) => s,
        Some(Fetch::Forbidden(cmd)) => {
            return Check::skip(
                "drift",
                format!(
                    "cannot read Secret {} (see the secret check)",
                    env.secret_name
                ),
            )
            .hint(format!("check with `{cmd}`"));
        }
        _ => {
            return Check::skip(
                "drift",
                format!(
                    "Secret {} cannot be read (see the secret check)",
                    env.secret_name
                ),
            );
        }
    };
    let file = match &f.env_file {
        None => {
            return Check::skip(
                "drift",
                format!(
                    "no env file for environment {} (looked for {})",
                    env.name,
                    if f.env_file_candidates.is_empty() {
                        "none".to_string()
                    } else {
                        f.env_file_candidates.join(", ")
                    }
                ),
            );
        }
        Some(Err(why)) => {
            return Check::new("drift", CheckStatus::Warn, format!("cannot compare: {why}"))
                .hint("fix the env file at the line named, then run this again");
        }
        Some(Ok(file)) => file,
    };
    let annotation_note = match &secret.annotation {
        Some(a) if *a != secret.data.hash => Some(format!(
            "Secret {}'s annotation {} ({}) does not match its data ({}): it was changed outside `kubectl kmcp secrets sync`",
            env.secret_name,
            crate::core::secret_plan::HASH_ANNOTATION,
            short(a),
            short(&secret.data.hash)
        )),
        _ => None,
    };
    let sync = format!(
        "`kubectl kmcp secrets sync {}{}` (preview with --dry-run=server)",
        env.name, f.project_flags
    );
    if file.data.hash == secret.data.hash {
        let mut detail = format!(
            "Secret {} matches {} ({} key{}, hash {})",
            env.secret_name,
            file.path,
            file.data.keys.len(),
            plural(file.data.keys.len()),
            short(&file.data.hash)
        );
        return match annotation_note {
            Some(note) => {
                detail.push('\n');
                detail.push_str(&note);
                Check::new("drift", CheckStatus::Warn, detail)
                    .hint(format!("re-sync to record the hash: {sync}"))
            }
            None => Check::new("drift", CheckStatus::Pass, detail),
        };
    }
    let only_file: Vec<&str> = file
        .data
        .keys
        .keys()
        .filter(|k| !secret.data.keys.contains_key(*k))
        .map(String::as_str)
        .collect();
    let only_cluster: Vec<&str> = secret
        .data
        .keys
        .keys()
        .filter(|k| !file.data.keys.contains_key(*k))
        .map(String::as_str)
        .collect();
    let differ: Vec<&str> = file
        .data
        .keys
        .iter()
        .filter(|(k, h)| secret.data.keys.get(*k).is_some_and(|sh| sh != *h))
        .map(|(k, _)| k.as_str())
        .collect();
    let mut lines = vec![format!(
        "Secret {} differs from {} (hash {} in the cluster, {} in the file)",
        env.secret_name,
        file.path,
        short(&secret.data.hash),
        short(&file.data.hash)
    )];
    if !only_file.is_empty() {
        lines.push(format!(
            "only in the file (not in the cluster): {}",
            only_file.join(", ")
        ));
    }
    if !only_cluster.is_empty() {
        lines.push(format!(
            "only in the cluster (not in the file): {}",
            only_cluster.join(", ")
        ));
    }
    if !differ.is_empty() {
        lines.push(format!("values differ: {}", differ.join(", ")));
    }
    if let Some(note) = annotation_note {
        lines.push(note);
    }
    Check::new("drift", CheckStatus::Fail, lines.join("\n"))
        .hint(format!("push the file to the cluster: {sync}"))
}

fn check_can_i(f: &Facts) -> Check {
    let who = f
        .context
        .user
        .as_deref()
        .map(|u| format!("user {u}"))
        .unwrap_or_else(|| "the current user".into());
    match &f.access {
        Fetch::Got(answers) if answers.is_empty() => {
            Check::skip("can-i", "no access question asked")
        }
        Fetch::Got(answers) => {
            let missing: Vec<&AccessFacts> = answers.iter().filter(|a| !a.allowed).collect();
            if missing.is_empty() {
                let all: Vec<String> = answers
                    .iter()
                    .map(|a| format!("{} {}", a.verb, a.resource))
                    .collect();
                Check::new(
                    "can-i",
                    CheckStatus::Pass,
                    format!("{who} may {} in {}", all.join(", "), f.namespace),
                )
            } else {
                let list: Vec<String> = missing
                    .iter()
                    .map(|a| format!("{} {}", a.verb, a.resource))
                    .collect();
                let commands: Vec<String> = missing.iter().map(|a| a.command.clone()).collect();
                Check::new(
                    "can-i",
                    CheckStatus::Fail,
                    format!(
                        "{who} may not {} in namespace {} (the sync/deploy/troubleshoot workflow needs them)",
                        list.join(", "),
                        f.namespace
                    ),
                )
                .hint(format!(
                    "ask a cluster admin for a Role with these verbs; reproduce with:\n{}",
                    commands.join("\n")
                ))
            }
        }
        Fetch::Forbidden(cmd) => Check::new(
            "can-i",
            CheckStatus::Warn,
            "the API server refused the access review (SelfSubjectAccessReview)",
        )
        .hint(format!("check with `{cmd}`")),
        Fetch::Failed(why) => Check::new(
            "can-i",
            CheckStatus::Warn,
            format!("cannot ask the API server: {why}"),
        ),
    }
}

fn s<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p)?;
    }
    cur.as_str()
}

fn arr<'a>(v: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    v.get(key).and_then(Value::as_array).into_iter().flatten()
}

/// The fix for a kubelet message about a Secret.
fn kubelet_hint(f: &Facts, message: &str) -> String {
    let m = message.to_lowercase();
    if m.contains("couldn't find key") {
        match &f.environment {
            Some(env) => format!(
                "add the key to the env file and run `kubectl kmcp secrets sync {}{}`; the kubelet retries by itself",
                env.name, f.project_flags
            ),
            None => "add the key to the Secret (see the keys check); the kubelet retries by itself"
                .into(),
        }
    } else if m.contains("secret") && m.contains("not found") {
        match &f.environment {
            Some(env) => format!(
                "create the Secret: `kubectl kmcp secrets sync {}{}`; the kubelet retries by itself",
                env.name, f.project_flags
            ),
            None => format!(
                "create the Secret in {} (see the secret check); the kubelet retries by itself",
                f.namespace
            ),
        }
    } else {
        String::new()
    }
}

fn check_pods(f: &Facts) -> Check {
    let mut status = CheckStatus::Pass;
    let mut lines: Vec<String> = Vec::new();
    let mut hints: Vec<String> = Vec::new();
    let selector = mcpserver::pod_selector(&f.server);

    // The MCPServer's status conditions.
    let status_obj = f
        .mcpserver
        .got()
        .and_then(|s| s.as_ref())
        .and_then(server_status);
    match status_obj.filter(|s| !s.conditions.is_empty()) {
        None => {
            if f.mcpserver.got().is_some_and(|s| s.is_some()) {
                raise(&mut status, CheckStatus::Warn);
                lines.push(format!(
                    "MCPServer {} has no status conditions: the kmcp controller has not reconciled it",
                    f.server
                ));
                hints.push(
                    "check that the kmcp controller is running (`kubectl get pods -A -l app.kubernetes.io/name=kmcp`) and read its logs"
                        .into(),
                );
            }
        }
        Some(st) => {
            let mut ok = Vec::new();
            for name in mcpserver::CONDITIONS {
                match st.condition(name) {
                    Some(c) if c.status == "True" => ok.push(name),
                    Some(c) => {
                        raise(
                            &mut status,
                            if c.status == "False" {
                                CheckStatus::Fail
                            } else {
                                CheckStatus::Warn
                            },
                        );
                        let reason = c.reason.as_deref().unwrap_or("no reason");
                        let message = c
                            .message
                            .as_deref()
                            .map(|m| format!(": {m}"))
                            .unwrap_or_default();
                        lines.push(format!(
                            "MCPServer condition {name}={} ({reason}){message}",
                            c.status
                        ));
                    }
                    None => {
                        raise(&mut status, CheckStatus::Warn);
                        lines.push(format!("MCPServer condition {name} is not set yet"));
                    }
                }
            }
            if !ok.is_empty() {
                lines.insert(0, format!("MCPServer conditions True: {}", ok.join(", ")));
            }
        }
    }

    // Warning events about the MCPServer itself and its Deployment (named like the server).
    for e in f.events.iter().filter(|e| {
        s(e, &["involvedObject", "name"]) == Some(f.server.as_str())
            && matches!(
                s(e, &["involvedObject", "kind"]),
                Some("MCPServer") | Some("Deployment")
            )
            && s(e, &["type"]) == Some("Warning")
    }) {
        raise(&mut status, CheckStatus::Warn);
        lines.push(format!(
            "event {} on {} {}: {}",
            s(e, &["reason"]).unwrap_or(""),
            s(e, &["involvedObject", "kind"]).unwrap_or(""),
            f.server,
            s(e, &["message"]).unwrap_or("")
        ));
    }

    let pods = match &f.pods {
        Fetch::Got(p) => p,
        Fetch::Forbidden(cmd) => {
            raise(&mut status, CheckStatus::Warn);
            lines.push(format!("you may not list pods in {}", f.namespace));
            hints.push(format!("check with `{cmd}`"));
            return Check::new("pods", status, lines.join("\n")).hint(dedup(hints));
        }
        Fetch::Failed(why) => {
            raise(&mut status, CheckStatus::Warn);
            lines.push(format!("cannot list pods: {why}"));
            return Check::new("pods", status, lines.join("\n")).hint(dedup(hints));
        }
    };
    if pods.is_empty() {
        raise(&mut status, CheckStatus::Warn);
        lines.push(format!(
            "no pods match {selector} in {}: the controller has not created them (yet), or the Deployment cannot create them",
            f.namespace
        ));
        hints.push(format!(
            "look at the Deployment: `kubectl describe deployment {} -n {}`",
            f.server, f.namespace
        ));
    }

    let secret_keys = readable_keys(f);
    let expected = expected_env_keys(f);
    for pod in pods {
        let name = s(pod, &["metadata", "name"]).unwrap_or("?");
        let phase = s(pod, &["status", "phase"]).unwrap_or("Unknown");
        let statuses: Vec<&Value> = arr(&pod["status"], "initContainerStatuses")
            .chain(arr(&pod["status"], "containerStatuses"))
            .collect();
        let mut pod_lines = Vec::new();
        if statuses.is_empty() {
            let st = if phase == "Failed" {
                CheckStatus::Fail
            } else {
                CheckStatus::Warn
            };
            raise(&mut status, st);
            pod_lines.push(format!("pod {name}: {phase}, no container has started yet"));
        }
        for cs in statuses {
            let cname = s(cs, &["name"]).unwrap_or("?");
            let ready = cs["ready"].as_bool().unwrap_or(false);
            let restarts = cs["restartCount"].as_i64().unwrap_or(0);
            if let Some(w) = cs["state"].get("waiting") {
                let reason = s(w, &["reason"]).unwrap_or("Waiting");
                let message = s(w, &["message"]).unwrap_or("");
                let sev = match reason {
                    "ContainerCreating" | "PodInitializing" => CheckStatus::Warn,
                    _ => CheckStatus::Fail,
                };
                raise(&mut status, sev);
                let extra = match reason {
                    "CrashLoopBackOff" => {
                        let last = &cs["lastState"]["terminated"];
                        let why = s(last, &["reason"]).unwrap_or("");
                        let code = last["exitCode"]
                            .as_i64()
                            .map(|c| format!(" with exit code {c}"))
                            .unwrap_or_default();
                        hints.push(format!(
                            "read why it exits: `kubectl logs {name} -c {cname} -n {} --previous`",
                            f.namespace
                        ));
                        format!(" (crash loop: {restarts} restarts, last exit {why}{code})")
                    }
                    "ImagePullBackOff" | "ErrImagePull" | "InvalidImageName" => {
                        hints.push(
                            "fix the image name or its pull Secret (spec.deployment.image, imagePullSecrets)"
                                .into(),
                        );
                        String::new()
                    }
                    _ => String::new(),
                };
                let message = if message.is_empty() {
                    String::new()
                } else {
                    format!(": {message}")
                };
                pod_lines.push(format!(
                    "pod {name}: container {cname} waiting, {reason}{message}{extra}"
                ));
                let h = kubelet_hint(f, &message);
                if !h.is_empty() {
                    hints.push(h);
                }
            } else if let Some(t) = cs["state"].get("terminated") {
                let reason = s(t, &["reason"]).unwrap_or("Terminated");
                let code = t["exitCode"].as_i64().unwrap_or(0);
                let sev = if code == 0 {
                    CheckStatus::Warn
                } else {
                    CheckStatus::Fail
                };
                raise(&mut status, sev);
                pod_lines.push(format!(
                    "pod {name}: container {cname} terminated, {reason} (exit code {code})"
                ));
            } else if cs["state"].get("running").is_some() {
                if ready {
                    pod_lines.push(format!(
                        "pod {name}: container {cname} running and ready{}",
                        if restarts > 0 {
                            format!(" ({restarts} restarts)")
                        } else {
                            String::new()
                        }
                    ));
                } else {
                    raise(&mut status, CheckStatus::Warn);
                    pod_lines.push(format!(
                        "pod {name}: container {cname} running but not ready"
                    ));
                }
            }
        }
        lines.extend(pod_lines);

        // Events about this pod (Warning ones, and the kubelet's known reasons).
        for e in f.events.iter().filter(|e| {
            s(e, &["involvedObject", "name"]) == Some(name)
                && s(e, &["involvedObject", "kind"]).is_none_or(|k| k == "Pod")
        }) {
            let reason = s(e, &["reason"]).unwrap_or("");
            let message = s(e, &["message"]).unwrap_or("");
            let warning = s(e, &["type"]) == Some("Warning");
            let known = matches!(
                reason,
                "Failed" | "FailedMount" | "InvalidEnvironmentVariableNames" | "BackOff"
            );
            if !(warning || known) {
                continue;
            }
            let sev = if known {
                CheckStatus::Fail
            } else {
                CheckStatus::Warn
            };
            raise(&mut status, sev);
            let count = e["count"]
                .as_i64()
                .filter(|c| *c > 1)
                .map(|c| format!(" (x{c})"))
                .unwrap_or_default();
            lines.push(format!("event {reason}{count} on pod {name}: {message}"));
            let h = kubelet_hint(f, message);
            if !h.is_empty() {
                hints.push(h);
            } else if reason == "InvalidEnvironmentVariableNames" {
                hints.push(
                    "rename those keys to valid variable names (letters, digits, `_`, not starting with a digit) in the env file and sync again"
                        .into(),
                );
            } else if reason == "FailedMount" {
                hints.push(format!(
                    "the mounted Secret or key is missing: see the secret and keys checks; `kubectl describe pod {name} -n {}`",
                    f.namespace
                ));
            }
        }

        // Would the server container's environment get each expected key?
        let container = arr(&pod["spec"], "containers")
            .find(|c| s(c, &["name"]) == Some(mcpserver::SERVER_CONTAINER));
        match container {
            None => {
                raise(&mut status, CheckStatus::Warn);
                lines.push(format!(
                    "pod {name} has no container {}",
                    mcpserver::SERVER_CONTAINER
                ));
            }
            Some(c) if !expected.is_empty() => {
                let (got, unknown) = container_env(c, &secret_keys);
                let missing: Vec<&str> = expected
                    .iter()
                    .map(String::as_str)
                    .filter(|k| !got.contains(*k))
                    .collect();
                if missing.is_empty() {
                    lines.push(format!(
                        "pod {name}: container {} gets all {} expected key{}",
                        mcpserver::SERVER_CONTAINER,
                        expected.len(),
                        plural(expected.len())
                    ));
                } else if !unknown.is_empty() {
                    raise(&mut status, CheckStatus::Warn);
                    lines.push(format!(
                        "pod {name}: cannot tell whether container {} gets {}: Secret {} is missing or unreadable (see the secret check)",
                        mcpserver::SERVER_CONTAINER,
                        missing.join(", "),
                        unknown.join(", ")
                    ));
                } else {
                    raise(&mut status, CheckStatus::Fail);
                    let from: Vec<&str> = arr(c, "envFrom")
                        .filter_map(|e| s(e, &["secretRef", "name"]))
                        .collect();
                    lines.push(format!(
                        "pod {name}: container {} would not get {} (its envFrom Secrets: {}; not in its env either)",
                        mcpserver::SERVER_CONTAINER,
                        missing.join(", "),
                        if from.is_empty() {
                            "none".to_string()
                        } else {
                            from.join(", ")
                        }
                    ));
                    hints.push(match &f.environment {
                        Some(env) => format!(
                            "sync the keys and redeploy so the pod reads the Secret: `kubectl kmcp secrets sync {e}{p}` then `kubectl kmcp deploy {} --environment {e}{p}`",
                            f.server,
                            e = env.name,
                            p = f.project_flags
                        ),
                        None => "add the keys to a Secret in the server's spec.deployment.secretRefs".into(),
                    });
                }
            }
            Some(_) => {}
        }
    }
    if lines.is_empty() {
        lines.push(format!("pods of {selector} are fine"));
    }
    Check::new("pods", status, lines.join("\n")).hint(dedup(hints))
}

fn raise(status: &mut CheckStatus, to: CheckStatus) {
    *status = (*status).max(to);
}

/// The keys the server's environment should hold: `.env.example`'s required keys and the
/// environment Secret's keys.
fn expected_env_keys(f: &Facts) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    if let Some(Ok(ex)) = &f.example {
        out.extend(ex.required.iter().cloned());
    }
    if let Some(env) = &f.environment
        && let Some(Fetch::Got(Some(secret))) = f.secrets.get(&env.secret_name)
    {
        out.extend(secret.data.keys.keys().cloned());
    }
    out
}

/// The variable names a container's `env` and `envFrom` give it, from the Secrets' key names
/// (a ConfigMap's keys are not known here); and the envFrom Secrets whose keys are unknown.
fn container_env(
    c: &Value,
    secret_keys: &BTreeMap<&str, BTreeSet<&str>>,
) -> (BTreeSet<String>, Vec<String>) {
    let mut got = BTreeSet::new();
    let mut unknown = Vec::new();
    for e in arr(c, "env") {
        if let Some(n) = s(e, &["name"]) {
            got.insert(n.to_string());
        }
    }
    for e in arr(c, "envFrom") {
        let prefix = s(e, &["prefix"]).unwrap_or("");
        if let Some(name) = s(e, &["secretRef", "name"]) {
            match secret_keys.get(name) {
                Some(keys) => got.extend(keys.iter().map(|k| format!("{prefix}{k}"))),
                None => unknown.push(name.to_string()),
            }
        }
    }
    (got, unknown)
}

/// The overall outcome: whether any check failed.
pub fn any_failed(checks: &[Check]) -> bool {
    checks.iter().any(|c| c.status == CheckStatus::Fail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NS: &str = "staging";
    const SECRET: &str = "weather-secrets";

    fn hashes(pairs: &[(&str, &str)]) -> KeyHashes {
        let data: BTreeMap<String, Vec<u8>> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
            .collect();
        KeyHashes::from_data(&data)
    }

    fn server_json() -> Value {
        json!({
            "metadata": {"name": "weather", "namespace": NS},
            "spec": {"deployment": {"image": "weather:1", "secretRefs": [{"name": SECRET}]}},
            "status": {"conditions": [
                {"type": "Accepted", "status": "True", "reason": "Accepted"},
                {"type": "ResolvedRefs", "status": "True", "reason": "ResolvedRefs"},
                {"type": "Programmed", "status": "True", "reason": "Programmed"},
                {"type": "Ready", "status": "True", "reason": "Ready"}
            ]}
        })
    }

    fn pod(state: Value, ready: bool) -> Value {
        json!({
            "metadata": {"name": "weather-abc", "namespace": NS},
            "spec": {"containers": [{"name": "mcp-server", "image": "weather:1",
                "envFrom": [{"secretRef": {"name": SECRET}}]}]},
            "status": {"phase": "Running", "containerStatuses": [
                {"name": "mcp-server", "ready": ready, "restartCount": 0, "state": state}
            ]}
        })
    }

    fn healthy() -> Facts {
        let data = hashes(&[("API_KEY", "sk-1"), ("REGION", "eu")]);
        let answers = NEEDED_ACCESS
            .iter()
            .map(|(verb, group, res)| AccessFacts {
                verb: verb.to_string(),
                resource: if group.is_empty() {
                    res.to_string()
                } else {
                    format!("{res}.{group}")
                },
                allowed: true,
                command: format!("kubectl auth can-i {verb} {res} -n {NS}"),
            })
            .collect();
        Facts {
            server: "weather".into(),
            namespace: NS.into(),
            namespace_source: Source::Project,
            context: ContextFacts {
                context: Some("admin".into()),
                context_source: Source::Kubeconfig,
                user: Some("admin".into()),
                user_source: Source::Kubeconfig,
                api_server: "https://127.0.0.1:6443".into(),
                reachable: Ok("v1.20.0".into()),
                check_command: "kubectl --context admin cluster-info".into(),
            },
            environment: Some(EnvironmentFacts {
                name: "staging".into(),
                namespace: Some(NS.into()),
                secret_name: SECRET.into(),
                path: "kmcp.yaml".into(),
                line: 5,
            }),
            mcpserver: Fetch::Got(Some(server_json())),
            secrets: BTreeMap::from([(
                SECRET.to_string(),
                Fetch::Got(Some(SecretFacts {
                    annotation: Some(data.hash.clone()),
                    data: data.clone(),
                })),
            )]),
            env_file: Some(Ok(EnvFileFacts {
                path: ".env.staging".into(),
                data,
            })),
            example: Some(Ok(ExampleFacts {
                path: ".env.example".into(),
                required: vec!["API_KEY".into()],
            })),
            access: Fetch::Got(answers),
            pods: Fetch::Got(vec![pod(json!({"running": {}}), true)]),
            ..Facts::default()
        }
    }

    fn status_of(checks: &[Check], id: &str) -> CheckStatus {
        checks.iter().find(|c| c.id == id).unwrap().status
    }

    fn by_id<'a>(checks: &'a [Check], id: &str) -> &'a Check {
        checks.iter().find(|c| c.id == id).unwrap()
    }

    fn statuses(checks: &[Check]) -> Vec<(&'static str, CheckStatus)> {
        checks.iter().map(|c| (c.id, c.status)).collect()
    }

    #[test]
    fn healthy_setup_passes_every_check_in_order() {
        let checks = diagnose(&healthy());
        assert_eq!(
            checks.iter().map(|c| c.id).collect::<Vec<_>>(),
            IDS.to_vec()
        );
        for c in &checks {
            assert_eq!(c.status, CheckStatus::Pass, "{c:?}");
        }
        assert!(!any_failed(&checks));
        assert!(
            by_id(&checks, "context")
                .detail
                .contains("namespace staging (kmcp.yaml)")
        );
    }

    #[test]
    fn unreachable_cluster_fails_context_and_skips_the_rest() {
        let mut f = healthy();
        f.context.reachable = Err("cannot reach the Kubernetes API server at x".into());
        let checks = diagnose(&f);
        assert_eq!(checks.len(), IDS.len());
        assert_eq!(checks[0].status, CheckStatus::Fail);
        assert!(checks[0].detail.contains("cannot reach"));
        assert!(
            checks[0]
                .hint
                .contains("kubectl --context admin cluster-info")
        );
        assert!(checks[1..].iter().all(|c| c.status == CheckStatus::Skip));
    }

    #[test]
    fn missing_crd_fails_and_skips_the_server_and_pods() {
        let mut f = healthy();
        f.crd = Fetch::Got(false);
        f.mcpserver = Fetch::Got(None);
        let checks = diagnose(&f);
        assert_eq!(status_of(&checks, "crd"), CheckStatus::Fail);
        assert_eq!(status_of(&checks, "mcpserver"), CheckStatus::Skip);
        assert_eq!(status_of(&checks, "pods"), CheckStatus::Skip);
    }

    #[test]
    fn missing_secret_fails_and_skips_keys_and_drift() {
        let mut f = healthy();
        f.secrets.insert(SECRET.into(), Fetch::Got(None));
        let checks = diagnose(&f);
        let secret = by_id(&checks, "secret");
        assert_eq!(secret.status, CheckStatus::Fail);
        assert!(
            secret
                .detail
                .contains("Secret weather-secrets not found in namespace staging")
        );
        assert!(
            secret.hint.contains("kubectl kmcp secrets sync staging"),
            "{}",
            secret.hint
        );
        assert_eq!(status_of(&checks, "keys"), CheckStatus::Skip);
        assert_eq!(status_of(&checks, "drift"), CheckStatus::Skip);
        assert_eq!(status_of(&checks, "namespace"), CheckStatus::Pass);
    }

    #[test]
    fn secret_in_another_namespace_is_named() {
        let mut f = healthy();
        f.secrets.insert(SECRET.into(), Fetch::Got(None));
        f.secrets_elsewhere
            .insert(SECRET.into(), vec!["default".into()]);
        let checks = diagnose(&f);
        assert!(
            by_id(&checks, "secret")
                .detail
                .contains("exists in namespace default")
        );
        let ns = by_id(&checks, "namespace");
        assert_eq!(ns.status, CheckStatus::Fail);
        assert!(
            ns.detail
                .contains("Secret weather-secrets is in namespace default, not in staging")
        );
    }

    #[test]
    fn server_in_another_namespace_is_a_mismatch() {
        let mut f = healthy();
        f.mcpserver = Fetch::Got(None);
        f.server_elsewhere = Fetch::Got(vec!["prod".into()]);
        let checks = diagnose(&f);
        let server = by_id(&checks, "mcpserver");
        assert_eq!(server.status, CheckStatus::Fail);
        assert!(server.detail.contains("exists in namespace prod"));
        assert!(server.hint.contains("namespace mismatch"));
        let ns = by_id(&checks, "namespace");
        assert_eq!(ns.status, CheckStatus::Fail);
        assert!(
            ns.detail
                .contains("MCPServer weather is in namespace prod, not in staging")
        );
        assert_eq!(status_of(&checks, "pods"), CheckStatus::Skip);
        // The environment's Secret is still checked.
        assert_eq!(status_of(&checks, "secret"), CheckStatus::Pass);
    }

    #[test]
    fn flag_namespace_against_kmcp_yaml_is_a_finding() {
        let mut f = healthy();
        f.flag_namespace = Some("other".into());
        let checks = diagnose(&f);
        let ns = by_id(&checks, "namespace");
        assert_eq!(ns.status, CheckStatus::Fail);
        assert!(ns.detail.contains("-n other disagrees"));
        assert!(ns.hint.contains("drop -n other"));
    }

    #[test]
    fn missing_keys_fail_for_secret_key_refs_and_required_example_keys() {
        let mut f = healthy();
        f.example = Some(Ok(ExampleFacts {
            path: ".env.example".into(),
            required: vec!["API_KEY".into(), "DB_URL".into()],
        }));
        let mut server = server_json();
        server["spec"]["deployment"]["sidecars"] = json!([{"name": "proxy", "env": [
            {"name": "T", "valueFrom": {"secretKeyRef": {"name": SECRET, "key": "token"}}}]}]);
        f.mcpserver = Fetch::Got(Some(server));
        let checks = diagnose(&f);
        let keys = by_id(&checks, "keys");
        assert_eq!(keys.status, CheckStatus::Fail);
        assert!(
            keys.detail
                .contains("key token is missing from Secret weather-secrets")
        );
        assert!(
            keys.detail.contains("missing from weather-secrets: DB_URL"),
            "{}",
            keys.detail
        );
        assert!(keys.hint.contains("kubectl kmcp secrets sync staging"));
        // The pod would not receive DB_URL either.
        let pods = by_id(&checks, "pods");
        assert_eq!(pods.status, CheckStatus::Fail);
        assert!(
            pods.detail.contains("would not get DB_URL"),
            "{}",
            pods.detail
        );
    }

    #[test]
    fn optional_key_reference_only_warns() {
        let mut f = healthy();
        let mut server = server_json();
        server["spec"]["deployment"]["sidecars"] = json!([{"name": "proxy", "env": [
            {"name": "T", "valueFrom": {"secretKeyRef": {"name": SECRET, "key": "token", "optional": true}}}]}]);
        f.mcpserver = Fetch::Got(Some(server));
        assert_eq!(status_of(&diagnose(&f), "keys"), CheckStatus::Warn);
    }

    #[test]
    fn drift_names_the_keys_never_the_values() {
        let mut f = healthy();
        f.env_file = Some(Ok(EnvFileFacts {
            path: ".env.staging".into(),
            data: hashes(&[("API_KEY", "sk-2"), ("NEW_KEY", "n")]),
        }));
        let checks = diagnose(&f);
        let drift = by_id(&checks, "drift");
        assert_eq!(drift.status, CheckStatus::Fail);
        assert!(
            drift
                .detail
                .contains("only in the file (not in the cluster): NEW_KEY")
        );
        assert!(
            drift
                .detail
                .contains("only in the cluster (not in the file): REGION")
        );
        assert!(drift.detail.contains("values differ: API_KEY"));
        assert!(drift.hint.contains("kubectl kmcp secrets sync staging"));
        let all = format!("{checks:?}");
        assert!(!all.contains("sk-1") && !all.contains("sk-2"));
    }

    #[test]
    fn drift_without_environment_or_file_is_skipped() {
        let mut f = healthy();
        f.env_file = None;
        f.env_file_candidates = vec![".env.staging".into(), ".env".into()];
        let d = by_id(&diagnose(&f), "drift").clone();
        assert_eq!(d.status, CheckStatus::Skip);
        assert!(d.detail.contains("looked for .env.staging, .env"));
        f.environment = None;
        assert_eq!(status_of(&diagnose(&f), "drift"), CheckStatus::Skip);
    }

    #[test]
    fn stale_hash_annotation_warns() {
        let mut f = healthy();
        if let Some(Fetch::Got(Some(s))) = f.secrets.get_mut(SECRET) {
            s.annotation = Some("0123456789abcdef".into());
        }
        let d = by_id(&diagnose(&f), "drift").clone();
        assert_eq!(d.status, CheckStatus::Warn);
        assert!(d.detail.contains("changed outside"));
    }

    #[test]
    fn missing_rights_are_listed_with_can_i_lines() {
        let mut f = healthy();
        if let Fetch::Got(answers) = &mut f.access {
            answers[1].allowed = false;
            answers[4].allowed = false;
        }
        let c = by_id(&diagnose(&f), "can-i").clone();
        assert_eq!(c.status, CheckStatus::Fail);
        assert!(
            c.detail
                .contains("may not create secrets, create mcpservers.kagent.dev"),
            "{}",
            c.detail
        );
        assert!(
            c.hint
                .contains("kubectl auth can-i create secrets -n staging")
        );
    }

    #[test]
    fn forbidden_secret_read_warns_and_skips_drift() {
        let mut f = healthy();
        f.secrets.insert(
            SECRET.into(),
            Fetch::Forbidden("kubectl auth can-i get secrets -n staging".into()),
        );
        let checks = diagnose(&f);
        assert_eq!(status_of(&checks, "secret"), CheckStatus::Warn);
        assert_eq!(status_of(&checks, "keys"), CheckStatus::Skip);
        let drift = by_id(&checks, "drift");
        assert_eq!(drift.status, CheckStatus::Skip);
        assert!(drift.hint.contains("kubectl auth can-i get secrets"));
        // The pod check cannot tell, but does not claim a failure.
        assert_eq!(status_of(&checks, "pods"), CheckStatus::Warn);
    }

    #[test]
    fn create_container_config_error_and_events_fail_the_pods_check() {
        let mut f = healthy();
        f.pods = Fetch::Got(vec![pod(
            json!({"waiting": {"reason": "CreateContainerConfigError", "message": "secret \"weather-secrets\" not found"}}),
            false,
        )]);
        f.events = vec![json!({
            "involvedObject": {"kind": "Pod", "name": "weather-abc"},
            "reason": "Failed", "type": "Warning", "count": 3,
            "message": "Error: secret \"weather-secrets\" not found"
        })];
        let pods = by_id(&diagnose(&f), "pods").clone();
        assert_eq!(pods.status, CheckStatus::Fail);
        assert!(
            pods.detail
                .contains("CreateContainerConfigError: secret \"weather-secrets\" not found")
        );
        assert!(pods.detail.contains("event Failed (x3) on pod weather-abc"));
        assert!(pods.hint.contains("kubectl kmcp secrets sync staging"));
    }

    #[test]
    fn crash_loop_and_invalid_names_are_reported() {
        let mut f = healthy();
        let mut p = pod(json!({"waiting": {"reason": "CrashLoopBackOff"}}), false);
        p["status"]["containerStatuses"][0]["restartCount"] = json!(5);
        p["status"]["containerStatuses"][0]["lastState"] =
            json!({"terminated": {"reason": "Error", "exitCode": 1}});
        f.pods = Fetch::Got(vec![p]);
        f.events = vec![json!({
            "involvedObject": {"kind": "Pod", "name": "weather-abc"},
            "reason": "InvalidEnvironmentVariableNames", "type": "Warning",
            "message": "Keys [1BAD] from the EnvFrom secret staging/weather-secrets were skipped"
        })];
        let pods = by_id(&diagnose(&f), "pods").clone();
        assert_eq!(pods.status, CheckStatus::Fail);
        assert!(
            pods.detail
                .contains("crash loop: 5 restarts, last exit Error with exit code 1")
        );
        assert!(pods.detail.contains("InvalidEnvironmentVariableNames"));
        assert!(pods.hint.contains("--previous"));
    }

    #[test]
    fn warning_events_on_the_server_are_shown() {
        let mut f = healthy();
        f.events = vec![
            json!({"involvedObject": {"kind": "MCPServer", "name": "weather"}, "type": "Warning",
                   "reason": "ReconcileError", "message": "deployment could not be created"}),
            json!({"involvedObject": {"kind": "MCPServer", "name": "weather"}, "type": "Normal",
                   "reason": "Reconciled", "message": "ok"}),
        ];
        let pods = by_id(&diagnose(&f), "pods").clone();
        assert_eq!(pods.status, CheckStatus::Warn);
        assert!(
            pods.detail
                .contains("event ReconcileError on MCPServer weather")
        );
        assert!(!pods.detail.contains("Reconciled:"));
    }

    #[test]
    fn false_conditions_fail_with_their_reason() {
        let mut f = healthy();
        let mut server = server_json();
        server["status"]["conditions"][1] = json!({"type": "ResolvedRefs", "status": "False", "reason": "SecretNotFound", "message": "secret weather-secrets not found"});
        f.mcpserver = Fetch::Got(Some(server));
        let pods = by_id(&diagnose(&f), "pods").clone();
        assert_eq!(pods.status, CheckStatus::Fail);
        assert!(pods.detail.contains("ResolvedRefs=False (SecretNotFound)"));
    }

    #[test]
    fn pod_without_the_environment_secret_would_not_get_its_keys() {
        let mut f = healthy();
        let mut p = pod(json!({"running": {}}), true);
        p["spec"]["containers"][0]["envFrom"] = json!([]);
        f.pods = Fetch::Got(vec![p]);
        let pods = by_id(&diagnose(&f), "pods").clone();
        assert_eq!(pods.status, CheckStatus::Fail);
        assert!(
            pods.detail.contains("would not get API_KEY, REGION"),
            "{}",
            pods.detail
        );
    }

    #[test]
    fn server_without_the_environment_secret_reference_fails_secret() {
        let mut f = healthy();
        let mut server = server_json();
        server["spec"]["deployment"]["secretRefs"] = json!([]);
        f.mcpserver = Fetch::Got(Some(server));
        let c = by_id(&diagnose(&f), "secret").clone();
        assert_eq!(c.status, CheckStatus::Fail);
        assert!(
            c.detail
                .contains("does not reference environment staging's Secret")
        );
        assert!(
            c.hint
                .contains("kubectl kmcp deploy weather --environment staging")
        );
    }

    #[test]
    fn no_server_and_no_environment_skips_the_secret_chain() {
        let mut f = healthy();
        f.environment = None;
        f.mcpserver = Fetch::Got(None);
        f.secrets.clear();
        let checks = diagnose(&f);
        assert_eq!(
            statuses(&checks)[2..7],
            [
                ("mcpserver", CheckStatus::Fail),
                ("namespace", CheckStatus::Pass),
                ("secret", CheckStatus::Skip),
                ("keys", CheckStatus::Skip),
                ("drift", CheckStatus::Skip),
            ]
        );
    }

    #[test]
    fn wanted_secrets_are_references_then_the_environments() {
        let env = healthy().environment.unwrap();
        let mut server = server_json();
        server["spec"]["deployment"]["imagePullSecrets"] = json!([{"name": "regcred"}]);
        assert_eq!(
            wanted_secrets(Some(&server), Some(&env)),
            vec![SECRET.to_string(), "regcred".into()]
        );
        assert_eq!(wanted_secrets(None, Some(&env)), vec![SECRET.to_string()]);
        assert!(wanted_secrets(None, None).is_empty());
    }

    #[test]
    fn per_key_hashes_tell_keys_apart_without_values() {
        let a = hashes(&[("A", "1"), ("B", "2")]);
        let b = hashes(&[("A", "1"), ("B", "3")]);
        assert_eq!(a.keys["A"], b.keys["A"]);
        assert_ne!(a.keys["B"], b.keys["B"]);
        assert_ne!(a.hash, b.hash);
        assert_eq!(a.hash.len(), 64);
    }
}
