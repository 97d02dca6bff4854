//! Test fixtures shared by the checks' unit tests: a healthy setup to break one fact at a time.
use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Event, Pod};
use serde_json::{Value, json};

use super::*;
use crate::core::Source;

pub const NS: &str = "staging";
pub const SECRET: &str = "weather-secrets";

/// Key hashes of the given key/value pairs.
pub fn hashes(pairs: &[(&str, &str)]) -> KeyHashes {
    let data: BTreeMap<String, Vec<u8>> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
        .collect();
    KeyHashes::from_data(&data, &crate::core::secret_hash::HashKey::new([9; 32]))
}

/// MCPServer `weather` reading [`SECRET`] through secretRefs, with every condition True.
pub fn server_json() -> Value {
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

/// Pod `weather-abc` as JSON (to change a field before [`typed_pod`]): its `mcp-server`
/// container reads [`SECRET`] through envFrom and is in `state`.
pub fn pod_json(state: Value, ready: bool) -> Value {
    json!({
        "metadata": {"name": "weather-abc", "namespace": NS},
        "spec": {"containers": [{"name": "mcp-server", "image": "weather:1",
            "envFrom": [{"secretRef": {"name": SECRET}}]}]},
        "status": {"phase": "Running", "containerStatuses": [
            {"name": "mcp-server", "ready": ready, "restartCount": 0, "state": state}
        ]}
    })
}

/// A Pod from its JSON, as the API server would send it.
pub fn typed_pod(pod: Value) -> Pod {
    serde_json::from_value(pod).expect("a Pod")
}

/// [`pod_json`] as a Pod.
pub fn pod(state: Value, ready: bool) -> Pod {
    typed_pod(pod_json(state, ready))
}

/// An Event from its JSON, as the API server would send it.
pub fn event(event: Value) -> Event {
    serde_json::from_value(event).expect("an Event")
}

/// A setup where every check passes: `weather` in `staging`, environment `staging`, its Secret
/// in sync with `.env.staging`, every right granted, a running and ready pod.
pub fn healthy() -> Facts {
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
            ..ContextFacts::default()
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
                hash_key: Some(crate::core::secret_hash::HashKey::new([9; 32])),
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

pub fn status_of(checks: &[Check], id: &str) -> CheckStatus {
    by_id(checks, id).status
}

pub fn by_id<'a>(checks: &'a [Check], id: &str) -> &'a Check {
    checks.iter().find(|c| c.id == id).unwrap()
}

pub fn statuses(checks: &[Check]) -> Vec<(&'static str, CheckStatus)> {
    checks.iter().map(|c| (c.id, c.status)).collect()
}
