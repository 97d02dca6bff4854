//! What the checks look at: the facts the shell fetched, reduced to what the checks need (Secrets
//! and env files as key names and hashes only), and the few questions about them that several
//! checks ask.
use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{Event, Pod};
use serde_json::Value;

use crate::core::Source;
use crate::core::mcpserver::{self, MCPServerStatus, SecretRef};
use crate::core::rbac::Question;
use crate::core::secret_hash::{HashKey, keyed_hash, keyed_value_hash};

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
    /// What was read, if it could be.
    pub fn got(&self) -> Option<&T> {
        match self {
            Fetch::Got(t) => Some(t),
            _ => None,
        }
    }

    /// What was read, transformed; a refusal or a failure stays as it is.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Fetch<U> {
        match self {
            Fetch::Got(t) => Fetch::Got(f(t)),
            Fetch::Forbidden(cmd) => Fetch::Forbidden(cmd),
            Fetch::Failed(why) => Fetch::Failed(why),
        }
    }
}

/// Key names with a keyed hash (HMAC-SHA256) per value, and the keyed content hash of the whole
/// (`secret_hash::keyed_hash`, as the `kmcp.dev/secret-hash` annotation): enough to say which
/// keys differ without holding a value, and no help to anyone guessing one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyHashes {
    pub keys: BTreeMap<String, String>,
    pub hash: String,
}

impl KeyHashes {
    /// The hashes of `data` under `key`; two `KeyHashes` compare only under the same key.
    pub fn from_data(data: &BTreeMap<String, Vec<u8>>, key: &HashKey) -> KeyHashes {
        let keys = data
            .iter()
            .map(|(k, v)| (k.clone(), keyed_value_hash(key, v)))
            .collect();
        KeyHashes {
            keys,
            hash: keyed_hash(key, data),
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
    /// The key `data` is hashed under: the Secret's `kmcp.dev/secret-hash-key`, else one for this
    /// run only. The env file is hashed under the same key to be compared.
    pub hash_key: Option<HashKey>,
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
    /// Where `api_server` came from: `Flag` for `-s/--server`.
    pub api_server_source: Source,
    /// The server answered, and refused the credentials (401).
    pub credentials_refused: bool,
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
            api_server_source: Source::Kubeconfig,
            credentials_refused: false,
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
    /// The server's pods (selected by [`mcpserver::pod_selector`]).
    pub pods: Fetch<Vec<Pod>>,
    /// Events about the pods and the MCPServer.
    pub events: Vec<Event>,
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

impl Facts {
    /// The MCPServer, when it was read and exists.
    pub(super) fn server_object(&self) -> Option<&Value> {
        self.mcpserver.got().and_then(|s| s.as_ref())
    }

    /// Every Secret reference of the MCPServer (none when it was not read).
    pub(super) fn server_refs(&self) -> Vec<SecretRef> {
        self.server_object()
            .map(mcpserver::references)
            .unwrap_or_default()
    }

    /// The MCPServer's `status`, when it was read and has one.
    pub(super) fn server_status(&self) -> Option<MCPServerStatus> {
        self.server_object().and_then(server_status)
    }

    /// The key names of each Secret that could be read, by Secret name.
    pub(super) fn readable_keys(&self) -> BTreeMap<&str, BTreeSet<&str>> {
        self.secrets
            .iter()
            .filter_map(|(name, fetch)| match fetch {
                Fetch::Got(Some(s)) => Some((name.as_str(), s.data.names())),
                _ => None,
            })
            .collect()
    }
}

/// An MCPServer's `status`, if it has one that reads as one.
pub(super) fn server_status(server: &Value) -> Option<MCPServerStatus> {
    serde_json::from_value(server.get("status")?.clone()).ok()
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

/// The access questions of [`NEEDED_ACCESS`] in `namespace`, in that order. `get` and `patch`
/// are asked about the objects by name: each of the `secrets` the checks read, and the MCPServer
/// `server` (a Role whose `resourceNames` lists them allows exactly that, and is all
/// troubleshoot, sync and a re-deploy need); about Secrets in general only when there is none to
/// name. `create` cannot be limited to names by RBAC, so it is always asked in general.
pub fn access_questions(namespace: &str, server: &str, secrets: &[String]) -> Vec<Question> {
    let mut out = Vec::new();
    for (verb, group, resource) in NEEDED_ACCESS {
        let q = Question::new(verb, group, resource, Some(namespace));
        let by_name = matches!(verb, "get" | "patch");
        if by_name && resource == "secrets" && !secrets.is_empty() {
            out.extend(secrets.iter().map(|name| q.clone().named(name)));
        } else if by_name && resource == mcpserver::PLURAL && !server.is_empty() {
            out.push(q.named(server));
        } else {
            out.push(q);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::diagnosis::testing::{SECRET, hashes, healthy, server_json};
    use serde_json::json;

    #[test]
    fn secret_reads_and_patches_are_asked_by_name() {
        let asked: Vec<String> = access_questions("ns", "web", &["a".into(), "b".into()])
            .iter()
            .map(|q| format!("{} {}", q.verb, q.object()))
            .collect();
        assert_eq!(
            asked,
            [
                "get secrets/a",
                "get secrets/b",
                "create secrets",
                "patch secrets/a",
                "patch secrets/b",
                "get mcpservers.kagent.dev/web",
                "create mcpservers.kagent.dev",
                "patch mcpservers.kagent.dev/web",
                "list pods",
                "list events",
            ]
        );
        let none = access_questions("ns", "", &[]);
        assert_eq!(none.len(), NEEDED_ACCESS.len());
        assert!(none.iter().all(|q| q.name.is_none()));
        assert!(none.iter().all(|q| q.namespace.as_deref() == Some("ns")));
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
