//! Property tests: no input crashes the core. Every function here takes text a user wrote
//! (kmcp.yaml, an env file) or an object from the API server (which anyone allowed to edit it
//! can fill with any text and any shape), so each must answer, or refuse, for every input.
use std::path::Path;

use proptest::prelude::*;
use serde_json::{Map, Value, json};

use crate::core::diagnosis::testing::{healthy, server_json, typed_pod};
use crate::core::diagnosis::{Fetch, diagnose};
use crate::core::{CheckStatus, envfile, findings, mcpserver, project};

/// Any text, with a bias to the characters that parsers treat specially and to multi-byte
/// characters (where byte slicing panics).
fn text_of(tokens: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        prop::collection::vec(prop::sample::select(tokens), 0..40).prop_map(|t| t.concat()),
    ]
}

const ENV_TOKENS: &[&str] = &[
    "A", "_b", "KEY", "=", "\"", "'", "`", "$", "${", "}", "{", ":-", "\\", "\\n", "\n", "\r",
    "\r\n", "#", " ", "\t", "é", "€", "𝄞", "export ", ".", "\u{feff}", "\0",
];

const YAML_TOKENS: &[&str] = &[
    "name: ",
    "secrets:",
    "\n",
    "  ",
    "staging:",
    "enabled: true",
    "provider: kubernetes",
    "secretName: ",
    "namespace: ",
    "env: ",
    "- ",
    "[",
    "]",
    "{",
    "}",
    ":",
    "'",
    "\"",
    "é",
    "#",
    "&a",
    "*a",
    "!!str ",
    "---",
    "tools:",
    "mcpServer:",
    "0x",
    "~",
];

/// Hash-like text with multi-byte characters, for the shortened hashes in messages.
const HASH_TOKENS: &[&str] = &["0", "a", "f", "é", "€", "𝄞", " ", "\n", "sha256:"];

/// Field names the readers of Kubernetes objects look for, so that random objects reach deep.
const FIELDS: &[&str] = &[
    "metadata",
    "name",
    "namespace",
    "annotations",
    "spec",
    "deployment",
    "secretRefs",
    "envFrom",
    "secretRef",
    "env",
    "valueFrom",
    "secretKeyRef",
    "key",
    "optional",
    "sidecars",
    "volumes",
    "secret",
    "secretName",
    "items",
    "containers",
    "initContainers",
    "status",
    "conditions",
    "type",
    "reason",
    "message",
    "image",
    "transportType",
    "kmcp.dev/secret-hash",
];

/// Any JSON value, objects keyed mostly by the fields above.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        text_of(FIELDS).prop_map(Value::from),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        let key = prop_oneof![
            3 => prop::sample::select(FIELDS).prop_map(str::to_string),
            1 => any::<String>(),
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key, inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// An MCPServer whose deployment is replaced by any JSON.
fn server_with(deployment: Value) -> Value {
    let mut server = server_json();
    server["spec"]["deployment"] = deployment;
    server
}

proptest! {
    #[test]
    fn env_files_never_crash_the_reader(text in text_of(ENV_TOKENS)) {
        let _ = envfile::parse(Path::new(".env"), &text);
    }

    #[test]
    fn project_files_never_crash_the_reader(text in text_of(YAML_TOKENS)) {
        if let Ok(p) = project::Project::parse(Path::new("kmcp.yaml"), &text) {
            for name in p.environment_names() {
                let _ = p.kubernetes_environment(&name);
            }
            let _ = p.warning_lines();
        }
    }

    #[test]
    fn any_object_from_the_server_is_read_without_crashing(value in json_value()) {
        let _ = mcpserver::references(&value);
        let _ = mcpserver::pod_spec_references(&value, "spec");
        let _ = findings::Server::from_json(&value);
        // Audit reads each listed item from its bytes: any spec under a well-formed name reads
        // (a field of an odd type is absent, never an error), and no text panics.
        let item = json!({"metadata": {"name": "n", "namespace": "ns"}, "spec": value.clone()});
        let bytes = item.to_string().into_bytes();
        prop_assert!(findings::Server::listed_mcpserver(&bytes).is_ok());
        prop_assert!(findings::Server::listed_remote(&bytes).is_ok());
        let text = value.to_string();
        let _ = findings::Server::listed_mcpserver(text.as_bytes());
        let _ = findings::Server::listed_mcpserver(&bytes[..bytes.len() / 2]);
        let refs = mcpserver::references(&server_with(value.clone()));
        let _ = mcpserver::needs_restart(&refs, "weather-secrets");
        let _ = serde_json::from_value::<mcpserver::MCPServer>(value);
    }

    #[test]
    fn troubleshoot_reads_any_hash_annotation(annotation in text_of(HASH_TOKENS)) {
        // The server as healthy() has it, so that the drift check reaches the annotation.
        let mut f = healthy();
        if let Some(Fetch::Got(Some(s))) = f.secrets.values_mut().next() {
            s.annotation = Some(annotation.clone());
        }
        let checks = diagnose(&f);
        let drift = checks.iter().find(|c| c.id == "drift");
        prop_assert!(drift.is_some_and(|d| d.status != CheckStatus::Skip));
    }

    #[test]
    fn troubleshoot_reads_any_server_and_pod_text(
        deployment in json_value(),
        reason in any::<String>(),
        message in any::<String>(),
        name in any::<String>(),
    ) {
        let mut f = healthy();
        f.mcpserver = Fetch::Got(Some(server_with(deployment)));
        let mut pod = crate::core::diagnosis::testing::pod_json(
            json!({"waiting": {"reason": reason, "message": message}}),
            false,
        );
        pod["spec"]["containers"][0]["name"] = Value::from(name.clone());
        pod["status"]["containerStatuses"][0]["name"] = Value::from(name);
        f.pods = Fetch::Got(vec![typed_pod(pod)]);
        let checks = diagnose(&f);
        prop_assert!(!checks.is_empty());
    }
}
