//! `secrets status`: the state of every environment of kmcp.yaml, from facts the shell fetched
//! (the env file, .env.example's required keys, the live Secret, the MCPServers and pods of the
//! namespace). Key names only, never a value. Pure: no I/O.
//!
//! The comparison is sync's own (`secret_plan::Diff`, `secret_plan::check_takeover`), so
//! `in-sync` means exactly "a sync would change no key".
use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{Pod, Secret};
use k8s_openapi::jiff::Timestamp;
use serde::Serialize;
use serde_json::Value;

use crate::core::mcpserver;
use crate::core::project::{Environment, Provider};
use crate::core::secret_plan::{self, Change, Diff, HASH_ANNOTATION};

/// The state of one environment, most important first where several hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    InSync,
    StalePods,
    Drifted,
    MissingKeys,
    NoFile,
    NotManaged,
    Missing,
    Forbidden,
    Unreachable,
    Error,
    Local,
    Disabled,
}

impl State {
    /// The word in the table and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            State::InSync => "in-sync",
            State::StalePods => "stale-pods",
            State::Drifted => "drifted",
            State::MissingKeys => "missing-keys",
            State::NoFile => "no-file",
            State::NotManaged => "not-managed",
            State::Missing => "missing",
            State::Forbidden => "forbidden",
            State::Unreachable => "unreachable",
            State::Error => "error",
            State::Local => "local",
            State::Disabled => "disabled",
        }
    }

    /// Whether the environment passes the CI gate: in sync, or not one that lives in a cluster.
    pub fn passes(self) -> bool {
        matches!(self, State::InSync | State::Local | State::Disabled)
    }
}

/// One row of `secrets status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Row {
    pub environment: String,
    pub context: Option<String>,
    pub namespace: Option<String>,
    pub secret: Option<String>,
    pub state: State,
    /// The env file compared, when there is one.
    pub file: Option<String>,
    /// What a sync would do, key by key (added, changed, removed; never unchanged or a value).
    pub changes: Vec<secret_plan::KeyChange>,
    /// Required keys of .env.example that the Secret or the file lacks.
    pub missing_keys: Vec<String>,
    /// Running pods that started before the Secret's last change, as `pod (server)`.
    pub stale_pods: Vec<String>,
    /// Why, in words (one line each).
    pub details: Vec<String>,
    /// What to run next.
    pub hint: Option<String>,
}

impl Row {
    fn new(env: &Environment, context: Option<String>, namespace: Option<String>) -> Row {
        Row {
            environment: env.name.clone(),
            context,
            namespace,
            secret: env.secret_name.clone(),
            state: State::InSync,
            file: None,
            changes: Vec::new(),
            missing_keys: Vec::new(),
            stale_pods: Vec::new(),
            details: Vec::new(),
            hint: None,
        }
    }

    /// A row in `state` with one detail line.
    fn with(mut self, state: State, detail: impl Into<String>) -> Row {
        self.state = state;
        self.details.push(detail.into());
        self
    }
}

/// The row of an environment that is not checked against a cluster (`local`, `disabled`, or
/// no `secretName`: `error`); `None` for one that is.
pub fn offline_row(env: &Environment) -> Option<Row> {
    let row = Row::new(env, env.context.clone(), env.namespace.clone());
    if env.provider == Provider::Env {
        return Some(row.with(
            State::Local,
            "provider env: the values stay in a local file",
        ));
    }
    if !env.enabled {
        return Some(row.with(State::Disabled, "enabled: false in kmcp.yaml"));
    }
    if env.secret_name.is_none() {
        return Some(row.with(
            State::Error,
            format!(
                "no secretName: add `secretName: <name>` under secrets.{}",
                env.name
            ),
        ));
    }
    None
}

/// The local env file of an environment.
#[derive(Debug, Clone)]
pub enum FileFacts {
    Loaded {
        path: String,
        data: BTreeMap<String, Vec<u8>>,
    },
    /// None of these exist.
    Missing { tried: Vec<String> },
    /// The file cannot be used (its error names file and line, never a value).
    Refused(String),
}

/// What one read from the API server gave.
#[derive(Debug, Clone)]
pub enum Reach<T> {
    Got(T),
    /// Forbidden, with the explained line (user, verb, `kubectl auth can-i`).
    Forbidden(String),
    /// The server did not answer.
    Unreachable(String),
    /// Any other failure, explained.
    Failed(String),
}

/// What the cluster of an environment holds.
#[derive(Debug, Clone)]
pub struct ClusterFacts {
    /// The Secret (`None`: there is none).
    pub secret: Reach<Option<Secret>>,
    /// The MCPServers of the namespace (empty when the CRD is not installed).
    pub servers: Reach<Vec<Value>>,
    /// The pods of the namespace.
    pub pods: Reach<Vec<Pod>>,
}

/// The row of an environment that lives in a cluster. `cluster` is `Err` with the explained
/// line when no client could be set up (a context that does not exist).
pub fn evaluate(
    env: &Environment,
    context: Option<String>,
    namespace: String,
    file: &FileFacts,
    required: &[String],
    cluster: Result<&ClusterFacts, &str>,
) -> Row {
    let mut row = Row::new(env, context, Some(namespace));
    let secret_name = env.secret_name.clone().unwrap_or_default();
    let env_name = &env.name;
    let cluster = match cluster {
        Ok(c) => c,
        Err(why) => return row.with(State::Error, why),
    };
    let live = match &cluster.secret {
        Reach::Got(Some(s)) => s,
        Reach::Got(None) => {
            row.hint = Some(format!("kubectl kmcp secrets sync {env_name}"));
            return row.with(State::Missing, format!("no Secret {secret_name}"));
        }
        Reach::Forbidden(why) => return row.with(State::Forbidden, why.clone()),
        Reach::Unreachable(why) => return row.with(State::Unreachable, why.clone()),
        Reach::Failed(why) => return row.with(State::Error, why.clone()),
    };
    if let Err(refusal) = secret_plan::check_takeover(live, false) {
        let ns = row.namespace.clone().unwrap_or_default();
        return row.with(State::NotManaged, refusal.message(&secret_name, &ns));
    }
    let live_data = secret_plan::live_data(live);

    // Required keys, in the Secret and in the file.
    let file_data = match file {
        FileFacts::Loaded { path, data } => {
            row.file = Some(path.clone());
            Some(data)
        }
        _ => None,
    };
    let mut missing: BTreeSet<String> = BTreeSet::new();
    for key in required {
        let in_secret = live_data.contains_key(key);
        let in_file = file_data.is_none_or(|d| d.contains_key(key));
        if !in_secret || !in_file {
            missing.insert(key.clone());
            let wheres = match (in_secret, in_file) {
                (false, false) => "the Secret and the file",
                (false, true) => "the Secret",
                _ => "the file",
            };
            row.details.push(format!(
                "required key {key} (.env.example) is not in {wheres}"
            ));
        }
    }
    row.missing_keys = missing.into_iter().collect();

    // The file against the Secret: sync's own diff.
    match file {
        FileFacts::Loaded { data, .. } => {
            let diff = Diff::between(data, &live_data);
            row.changes = diff
                .keys
                .iter()
                .filter(|k| k.change != Change::Unchanged)
                .cloned()
                .collect();
            if diff.data_changes() {
                row.details.push(drift_line(&diff));
            }
        }
        FileFacts::Missing { tried } => row.details.push(format!(
            "no env file to compare with (tried {})",
            tried.join(", ")
        )),
        FileFacts::Refused(why) => row.details.push(format!("cannot compare: {why}")),
    }

    // Pods that still run with the old values.
    // The keyed hash that `sync --restart` puts on pod templates; a Secret without a hash key
    // (not written by this plugin) has none, and pods are judged by their start time.
    let hash = secret_plan::HashKey::of(live)
        .map(|key| secret_plan::keyed_hash(&key, &live_data))
        .unwrap_or_default();
    match (&cluster.servers, &cluster.pods) {
        (Reach::Got(servers), Reach::Got(pods)) => {
            row.stale_pods = stale_pods(&secret_name, live, &hash, servers, pods);
            if !row.stale_pods.is_empty() {
                row.details.push(format!(
                    "pods started before the Secret's last change still have the old values: {}",
                    row.stale_pods.join(", ")
                ));
            }
        }
        (servers, pods) => {
            let why = [reach_problem(servers), reach_problem(pods)]
                .into_iter()
                .flatten()
                .next()
                .unwrap_or_default();
            row.details
                .push(format!("cannot tell whether pods are stale: {why}"));
        }
    }

    let (state, hint) = if !row.missing_keys.is_empty() {
        (
            State::MissingKeys,
            format!("add the keys to the env file, then `kubectl kmcp secrets sync {env_name}`"),
        )
    } else if matches!(file, FileFacts::Refused(_)) {
        (State::Error, "fix the env file at the line named".into())
    } else if matches!(file, FileFacts::Missing { .. }) {
        (
            State::NoFile,
            format!("`kubectl kmcp secrets pull {env_name}` writes it from the Secret"),
        )
    } else if !row.changes.is_empty() {
        (
            State::Drifted,
            format!(
                "`kubectl kmcp secrets diff {env_name}` shows the keys; `kubectl kmcp secrets sync {env_name}` writes the file"
            ),
        )
    } else if !row.stale_pods.is_empty() {
        (
            State::StalePods,
            format!(
                "`kubectl kmcp secrets sync {env_name} --restart` rolls them (or `kubectl rollout restart deployment/<server> -n {}`)",
                row.namespace.clone().unwrap_or_default()
            ),
        )
    } else {
        (State::InSync, String::new())
    };
    row.state = state;
    row.hint = (!hint.is_empty()).then_some(hint);
    row
}

/// The explained line of a read that failed.
fn reach_problem<T>(r: &Reach<T>) -> Option<String> {
    match r {
        Reach::Got(_) => None,
        Reach::Forbidden(w) | Reach::Unreachable(w) | Reach::Failed(w) => Some(w.clone()),
    }
}

/// `sync would add A; change B; remove C` (names only).
fn drift_line(diff: &Diff) -> String {
    let mut parts = Vec::new();
    for (change, verb) in [
        (Change::Added, "add"),
        (Change::Changed, "change"),
        (Change::Removed, "remove"),
    ] {
        let keys = diff.with(change);
        if !keys.is_empty() {
            parts.push(format!("{verb} {}", keys.join(", ")));
        }
    }
    format!(
        "the file differs from the Secret: a sync would {}",
        parts.join("; ")
    )
}

/// When the Secret was last written: the latest time of its managed fields, else its creation.
pub fn last_change(secret: &Secret) -> Option<Timestamp> {
    let managed = secret
        .metadata
        .managed_fields
        .iter()
        .flatten()
        .filter_map(|m| m.time.as_ref().map(|t| t.0))
        .max();
    managed.or_else(|| secret.metadata.creation_timestamp.as_ref().map(|t| t.0))
}

/// The running pods of the MCPServers that use the Secret and that still have its old values:
/// a pod whose `kmcp.dev/secret-hash` annotation (set by `sync --restart` through the server's
/// deployment annotations) differs from the Secret's content hash, or, without that annotation,
/// that started before the Secret's last change. As `pod (server)`, sorted.
pub fn stale_pods(
    secret: &str,
    live: &Secret,
    hash: &str,
    servers: &[Value],
    pods: &[Pod],
) -> Vec<String> {
    let changed = last_change(live);
    let mut out = Vec::new();
    for server in servers {
        if !mcpserver::needs_restart(&mcpserver::references(server), secret) {
            continue;
        }
        let Some(name) = server["metadata"]["name"].as_str() else {
            continue;
        };
        let selector: Vec<(String, String)> = mcpserver::pod_selector(name)
            .split(',')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        for pod in pods {
            let labels = pod.metadata.labels.clone().unwrap_or_default();
            if !selector.iter().all(|(k, v)| labels.get(k) == Some(v)) {
                continue;
            }
            let status = pod.status.as_ref();
            if status.and_then(|s| s.phase.as_deref()) != Some("Running") {
                continue;
            }
            let annotated = pod
                .metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get(HASH_ANNOTATION));
            let stale = match annotated {
                Some(h) if !hash.is_empty() => h != hash,
                _ => {
                    let started = status.and_then(|s| s.start_time.as_ref()).map(|t| t.0);
                    matches!((started, changed), (Some(s), Some(c)) if s < c)
                }
            };
            if stale {
                let pod_name = pod.metadata.name.clone().unwrap_or_default();
                out.push(format!("{pod_name} ({name})"));
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::ByteString;
    use k8s_openapi::api::core::v1::PodStatus;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ManagedFieldsEntry, Time};
    use serde_json::json;

    fn env(provider: Provider, enabled: bool) -> Environment {
        Environment {
            name: "staging".into(),
            enabled,
            provider,
            file: None,
            secret_name: Some("s".into()),
            namespace: Some("ns".into()),
            context: Some("ctx".into()),
            line: 3,
        }
    }

    fn bytes(items: &[(&str, &str)]) -> BTreeMap<String, Vec<u8>> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
            .collect()
    }

    fn secret(items: &[(&str, &str)], changed: &str) -> Secret {
        let mut s = Secret {
            data: Some(
                items
                    .iter()
                    .map(|(k, v)| (k.to_string(), ByteString(v.as_bytes().to_vec())))
                    .collect(),
            ),
            ..Secret::default()
        };
        s.metadata.managed_fields = Some(vec![ManagedFieldsEntry {
            time: Some(Time(changed.parse().unwrap())),
            ..Default::default()
        }]);
        s
    }

    fn pod(name: &str, server: &str, started: &str, hash: Option<&str>) -> Pod {
        let mut p = Pod::default();
        p.metadata.name = Some(name.into());
        p.metadata.labels = Some(BTreeMap::from([
            ("app.kubernetes.io/name".to_string(), server.to_string()),
            ("app.kubernetes.io/instance".to_string(), server.to_string()),
        ]));
        if let Some(h) = hash {
            p.metadata.annotations = Some(BTreeMap::from([(
                HASH_ANNOTATION.to_string(),
                h.to_string(),
            )]));
        }
        p.status = Some(PodStatus {
            phase: Some("Running".into()),
            start_time: Some(Time(started.parse().unwrap())),
            ..Default::default()
        });
        p
    }

    fn server(name: &str, secret: &str) -> Value {
        json!({"metadata": {"name": name}, "spec": {"deployment": {"secretRefs": [{"name": secret}]}}})
    }

    fn facts(secret: Option<Secret>, servers: Vec<Value>, pods: Vec<Pod>) -> ClusterFacts {
        ClusterFacts {
            secret: Reach::Got(secret),
            servers: Reach::Got(servers),
            pods: Reach::Got(pods),
        }
    }

    fn file(items: &[(&str, &str)]) -> FileFacts {
        FileFacts::Loaded {
            path: ".env.staging".into(),
            data: bytes(items),
        }
    }

    fn eval(f: &FileFacts, required: &[&str], c: &ClusterFacts) -> Row {
        let required: Vec<String> = required.iter().map(|s| s.to_string()).collect();
        evaluate(
            &env(Provider::Kubernetes, true),
            Some("ctx".into()),
            "ns".into(),
            f,
            &required,
            Ok(c),
        )
    }

    const T0: &str = "2025-01-01T10:00:00Z";
    const T1: &str = "2025-01-01T11:00:00Z";

    #[test]
    fn each_state_from_its_facts() {
        let s = || secret(&[("A", "1"), ("B", "2")], T1);
        let same = file(&[("A", "1"), ("B", "2")]);
        assert_eq!(
            eval(&same, &[], &facts(Some(s()), vec![], vec![])).state,
            State::InSync
        );

        let row = eval(
            &file(&[("A", "9"), ("C", "3")]),
            &[],
            &facts(Some(s()), vec![], vec![]),
        );
        assert_eq!(row.state, State::Drifted);
        assert_eq!(
            row.details,
            ["the file differs from the Secret: a sync would add C; change A; remove B"]
        );
        assert!(!serde_json::to_string(&row).unwrap().contains("\"9\""));

        let row = eval(&same, &[], &facts(None, vec![], vec![]));
        assert_eq!(row.state, State::Missing);

        let row = eval(&same, &["A", "TOKEN"], &facts(Some(s()), vec![], vec![]));
        assert_eq!(
            (row.state, row.missing_keys.clone()),
            (State::MissingKeys, vec!["TOKEN".to_string()])
        );

        let mut owned = s();
        owned.metadata.owner_references = Some(vec![Default::default()]);
        let row = eval(&same, &[], &facts(Some(owned), vec![], vec![]));
        assert_eq!(row.state, State::NotManaged);

        let stale = pod("w-1", "weather", T0, None);
        let fresh = pod("w-2", "weather", "2025-01-01T12:00:00Z", None);
        let row = eval(
            &same,
            &[],
            &facts(Some(s()), vec![server("weather", "s")], vec![stale, fresh]),
        );
        assert_eq!(
            (row.state, row.stale_pods.clone()),
            (State::StalePods, vec!["w-1 (weather)".to_string()])
        );
        assert!(row.hint.unwrap().contains("--restart"));

        let c = ClusterFacts {
            secret: Reach::Forbidden("forbidden: user \"bob\" cannot get secrets/s".into()),
            servers: Reach::Got(vec![]),
            pods: Reach::Got(vec![]),
        };
        assert_eq!(eval(&same, &[], &c).state, State::Forbidden);
        let c = ClusterFacts {
            secret: Reach::Unreachable("cannot reach".into()),
            ..c
        };
        assert_eq!(eval(&same, &[], &c).state, State::Unreachable);

        let missing = FileFacts::Missing {
            tried: vec![".env.staging".into()],
        };
        let row = eval(&missing, &[], &facts(Some(s()), vec![], vec![]));
        assert_eq!(row.state, State::NoFile);
        assert!(row.hint.unwrap().contains("secrets pull staging"));

        assert_eq!(
            offline_row(&env(Provider::Env, true)).unwrap().state,
            State::Local
        );
        assert_eq!(
            offline_row(&env(Provider::Kubernetes, false))
                .unwrap()
                .state,
            State::Disabled
        );
        assert!(offline_row(&env(Provider::Kubernetes, true)).is_none());
        assert!(State::Local.passes() && State::Disabled.passes() && State::InSync.passes());
        assert!(!State::StalePods.passes() && !State::Unreachable.passes());
    }

    #[test]
    fn the_hash_annotation_of_a_pod_decides_over_its_start_time() {
        let mut s = secret(&[("A", "1")], T1);
        let key = secret_plan::HashKey::new([3; 32]);
        s.metadata.annotations = Some(
            [(secret_plan::HASH_KEY_ANNOTATION.to_string(), key.to_hex())]
                .into_iter()
                .collect(),
        );
        let hash = secret_plan::keyed_hash(&key, &bytes(&[("A", "1")]));
        let servers = vec![server("weather", "s"), server("other", "not-this-secret")];
        // Started before the change, but restarted with the current hash: not stale.
        let current = pod("w-1", "weather", T0, Some(&hash));
        // Started after the change, but with an old hash: stale.
        let old = pod("w-2", "weather", "2025-01-02T00:00:00Z", Some("0123"));
        // A pod of a server that does not use the Secret.
        let unrelated = pod("o-1", "other", T0, None);
        let mut pending = pod("w-3", "weather", T0, None);
        pending.status.as_mut().unwrap().phase = Some("Pending".into());
        let got = stale_pods(
            "s",
            &s,
            &hash,
            &servers,
            &[current, old, unrelated, pending],
        );
        assert_eq!(got, ["w-2 (weather)"]);
    }
}
