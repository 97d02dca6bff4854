//! The MCPServer model (`kagent.dev/v1alpha1`, the CRD of kagent-dev/kmcp) and its Secret
//! references.
//!
//! The typed model covers the fields this plugin writes (deploy) and reads (status conditions);
//! unknown fields are kept on read. Secret references (the reference model of every command) are
//! in `secret_refs.rs`.
use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};
use serde_json::Value;

mod secret_refs;
pub use secret_refs::{
    Container, Deployment, PodSpec, RefKind, SecretRef, Spec, in_parens, pod_spec_references,
    references, spec_references, str_of,
};

pub const GROUP: &str = "kagent.dev";
pub const VERSION: &str = "v1alpha1";
pub const KIND: &str = "MCPServer";
pub const PLURAL: &str = "mcpservers";
/// The CRD's name, and the resource as `kubectl auth can-i` spells it.
pub const CRD_NAME: &str = "mcpservers.kagent.dev";
/// The container the kmcp controller runs the server in.
pub const SERVER_CONTAINER: &str = "mcp-server";
/// The conditions the kmcp controller sets, in the order they are reached.
pub const CONDITIONS: [&str; 4] = ["Accepted", "ResolvedRefs", "Programmed", "Ready"];

/// An `MCPServer` object.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct MCPServer {
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub spec: MCPServerSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<MCPServerStatus>,
}

impl k8s_openapi::Resource for MCPServer {
    const API_VERSION: &'static str = "kagent.dev/v1alpha1";
    const GROUP: &'static str = GROUP;
    const KIND: &'static str = KIND;
    const VERSION: &'static str = VERSION;
    const URL_PATH_SEGMENT: &'static str = PLURAL;
    type Scope = k8s_openapi::NamespaceResourceScope;
}

impl k8s_openapi::ListableResource for MCPServer {
    const LIST_KIND: &'static str = "MCPServerList";
}

impl k8s_openapi::Metadata for MCPServer {
    type Ty = ObjectMeta;
    fn metadata(&self) -> &ObjectMeta {
        &self.metadata
    }
    fn metadata_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}

/// The MCPServer resource for untyped access (`Api<DynamicObject>`: servers as the API server
/// has them, fields this model does not know included).
pub fn api_resource() -> kube::api::ApiResource {
    kube::api::ApiResource::erase::<MCPServer>(&())
}

impl MCPServer {
    /// The object as it is sent to the API server: with `apiVersion` and `kind`.
    pub fn to_manifest(&self) -> Value {
        let mut v = serde_json::to_value(self).expect("an MCPServer always serializes");
        let obj = v.as_object_mut().expect("an object");
        let mut out = serde_json::Map::new();
        out.insert(
            "apiVersion".into(),
            Value::String(<Self as k8s_openapi::Resource>::API_VERSION.into()),
        );
        out.insert("kind".into(), Value::String(KIND.into()));
        out.extend(std::mem::take(obj));
        Value::Object(out)
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct MCPServerSpec {
    #[serde(default)]
    pub deployment: McpDeployment,
    /// `stdio` or `http`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stdio_transport: Option<BTreeMap<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_transport: Option<HttpTransport>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    /// Fields this model does not name, kept on read.
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

/// `spec.deployment`: the pod the controller runs.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct McpDeployment {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cmd: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    /// Plain environment variables (a string map in the real CRD; no `valueFrom`).
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "string_map_or_other"
    )]
    pub env: BTreeMap<String, String>,
    /// Secrets whose keys all become environment variables (the controller makes them `envFrom`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secret_refs: Vec<LocalRef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub config_map_refs: Vec<LocalRef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub image_pull_secrets: Vec<LocalRef>,
    /// Copied by the controller to the pod template: changing one rolls the pods.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

/// `{name: ...}`: a reference to an object in the server's own namespace.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct LocalRef {
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct HttpTransport {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_port: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<HttpTls>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct HttpTls {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_ref: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insecure_skip_verify: Option<bool>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct MCPServerStatus {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    #[serde(rename = "type")]
    pub type_: String,
    /// `True`, `False` or `Unknown`.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<String>,
}

impl MCPServerStatus {
    /// The condition of this type, if the controller reported it.
    pub fn condition(&self, type_: &str) -> Option<&Condition> {
        self.conditions.iter().find(|c| c.type_ == type_)
    }

    /// Whether the `Ready` condition is `True`.
    pub fn is_ready(&self) -> bool {
        self.condition("Ready").is_some_and(|c| c.status == "True")
    }
}

/// `env` as a string map; the upstream docs' list form (`[{name, valueFrom}]`) is not the real
/// CRD's, so it is read as an empty map here and seen by [`references`] instead.
fn string_map_or_other<'de, D>(de: D) -> Result<BTreeMap<String, String>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let v = Value::deserialize(de)?;
    Ok(match v {
        Value::Object(map) => map
            .into_iter()
            .filter_map(|(k, v)| match v {
                Value::String(s) => Some((k, s)),
                Value::Null => None,
                other => Some((k, other.to_string())),
            })
            .collect(),
        _ => BTreeMap::new(),
    })
}

/// The label selector of the pods the controller makes for a server.
pub fn pod_selector(server: &str) -> String {
    format!("app.kubernetes.io/name={server},app.kubernetes.io/instance={server}")
}

/// The MCPServer that owns an object (an owner reference of kind MCPServer in `kagent.dev`):
/// the kmcp controller generates the server's Deployment and rewrites it on every reconcile.
pub fn owning_server(
    meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
) -> Option<&str> {
    meta.owner_references.iter().flatten().find_map(|o| {
        (o.kind == KIND && o.api_version.split('/').next() == Some(GROUP))
            .then_some(o.name.as_str())
    })
}

/// Whether a workload with these references reads the Secret's values while it runs, so that a
/// changed value needs a restart: every reference form except image-pull credentials (used only
/// to pull an image that is already pulled).
pub fn needs_restart(refs: &[SecretRef], secret: &str) -> bool {
    refs.iter()
        .any(|r| r.secret == secret && r.kind != RefKind::ImagePull)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A Deployment owned by an MCPServer is rolled through its MCPServer (`sync --restart`):
    /// only an owner of kind MCPServer in kagent.dev counts.
    #[test]
    fn the_owning_server_is_an_mcpserver_owner_of_kagent() {
        use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
        let owned_by = |api_version: &str, kind: &str| ObjectMeta {
            owner_references: Some(vec![OwnerReference {
                api_version: api_version.into(),
                kind: kind.into(),
                name: "weather".into(),
                ..Default::default()
            }]),
            ..Default::default()
        };
        assert_eq!(
            owning_server(&owned_by("kagent.dev/v1alpha1", "MCPServer")),
            Some("weather")
        );
        assert_eq!(owning_server(&owned_by("apps/v1", "MCPServer")), None);
        assert_eq!(
            owning_server(&owned_by("kagent.dev/v1alpha1", "Agent")),
            None
        );
        assert_eq!(owning_server(&owned_by("apps/v1", "ReplicaSet")), None);
        assert_eq!(owning_server(&ObjectMeta::default()), None);
    }

    /// kube's typed `Api<MCPServer>` reads and sets names through `Metadata`: it must be the
    /// server's own metadata.
    #[test]
    fn metadata_is_the_servers_own() {
        use k8s_openapi::Metadata;
        let mut server: MCPServer = serde_json::from_value(json!({
            "metadata": {"name": "weather", "namespace": "staging"}
        }))
        .unwrap();
        assert_eq!(server.metadata().name.as_deref(), Some("weather"));
        server.metadata_mut().name = Some("renamed".into());
        assert_eq!(server.metadata.name.as_deref(), Some("renamed"));
    }

    fn server() -> Value {
        json!({
            "apiVersion": "kagent.dev/v1alpha1", "kind": "MCPServer",
            "metadata": {"name": "weather", "namespace": "staging"},
            "spec": {
                "transportType": "http",
                "httpTransport": {"targetPort": 3000, "path": "/mcp", "tls": {"secretRef": "weather-tls"}},
                "deployment": {
                    "image": "weather:0.1.0",
                    "env": {"LOG_LEVEL": "info"},
                    "secretRefs": [{"name": "weather-secrets"}],
                    "envFrom": [{"secretRef": {"name": "doc-form", "optional": true}}],
                    "imagePullSecrets": [{"name": "regcred"}],
                    "volumes": [
                        {"name": "certs", "secret": {"secretName": "ca", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                        {"name": "all", "projected": {"sources": [{"secret": {"name": "proj"}}, {"configMap": {"name": "cm"}}]}}
                    ],
                    "sidecars": [{"name": "proxy", "env": [
                        {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "proxy-secret", "key": "token"}}},
                        {"name": "PLAIN", "value": "x"}
                    ], "envFrom": [{"secretRef": {"name": "proxy-all"}}]}]
                }
            }
        })
    }

    #[test]
    fn every_reference_form_is_found_with_its_place() {
        let refs = references(&server());
        let got: Vec<(&str, Option<&str>, bool, &str)> = refs
            .iter()
            .map(|r| {
                (
                    r.secret.as_str(),
                    r.key.as_deref(),
                    r.optional,
                    r.via.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "weather-secrets",
                    None,
                    false,
                    "spec.deployment.secretRefs[0]"
                ),
                (
                    "doc-form",
                    None,
                    true,
                    "spec.deployment.envFrom[0].secretRef"
                ),
                (
                    "ca",
                    Some("ca.crt"),
                    false,
                    "spec.deployment.volumes[0](certs).secret"
                ),
                (
                    "proj",
                    None,
                    false,
                    "spec.deployment.volumes[1](all).projected.sources[0].secret"
                ),
                (
                    "regcred",
                    None,
                    false,
                    "spec.deployment.imagePullSecrets[0]"
                ),
                (
                    "proxy-all",
                    None,
                    false,
                    "spec.deployment.sidecars[0](proxy).envFrom[0].secretRef"
                ),
                (
                    "proxy-secret",
                    Some("token"),
                    false,
                    "spec.deployment.sidecars[0](proxy).env[0](TOKEN).valueFrom.secretKeyRef"
                ),
                (
                    "weather-tls",
                    None,
                    false,
                    "spec.httpTransport.tls.secretRef"
                ),
            ]
        );
        assert_eq!(refs[0].kind, RefKind::EnvFrom);
        assert_eq!(refs[6].kind, RefKind::EnvKey);
        assert_eq!(refs[7].kind, RefKind::Tls);
    }

    #[test]
    fn doc_form_env_list_is_a_reference_not_a_map() {
        let v = json!({"spec": {"deployment": {"env": [
            {"name": "API_KEY", "valueFrom": {"secretKeyRef": {"name": "s", "key": "api-key", "optional": true}}}
        ]}}});
        let refs = references(&v);
        assert_eq!(refs.len(), 1);
        assert_eq!(refs[0].key.as_deref(), Some("api-key"));
        assert!(refs[0].optional);
        // And the typed model still reads such an object (env is then empty).
        let typed: MCPServer = serde_json::from_value(v).unwrap();
        assert!(typed.spec.deployment.env.is_empty());
    }

    #[test]
    fn tolerant_of_missing_and_odd_fields() {
        assert!(references(&json!({})).is_empty());
        assert!(
            references(
                &json!({"spec": {"deployment": {"secretRefs": "nope", "volumes": [1, null]}}})
            )
            .is_empty()
        );
        assert!(
            references(&json!({"spec": {"deployment": {"secretRefs": [{"name": ""}]}}})).is_empty()
        );
    }

    #[test]
    fn pod_spec_references_cover_containers_volumes_and_pull_secrets() {
        let spec = json!({
            "initContainers": [{"name": "init", "envFrom": [{"secretRef": {"name": "a"}}]}],
            "containers": [{"name": "mcp-server", "env": [{"name": "K", "valueFrom": {"secretKeyRef": {"name": "b", "key": "k"}}}]}],
            "volumes": [{"name": "v", "secret": {"secretName": "c", "optional": true}}],
            "imagePullSecrets": [{"name": "d"}]
        });
        let refs = pod_spec_references(&spec, "spec.template.spec");
        let names: Vec<&str> = refs.iter().map(|r| r.secret.as_str()).collect();
        assert_eq!(names, ["a", "b", "c", "d"]);
        assert_eq!(
            refs[0].via,
            "spec.template.spec.initContainers[0](init).envFrom[0].secretRef"
        );
        assert!(refs[2].optional);
    }

    #[test]
    fn typed_model_round_trips_and_keeps_unknown_fields() {
        let v = server();
        let typed: MCPServer = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(
            typed.spec.deployment.secret_refs,
            vec![LocalRef {
                name: "weather-secrets".into()
            }]
        );
        assert_eq!(typed.spec.transport_type.as_deref(), Some("http"));
        assert_eq!(
            typed.spec.http_transport.as_ref().unwrap().path.as_deref(),
            Some("/mcp")
        );
        assert!(typed.spec.deployment.other.contains_key("sidecars"));
        let back = typed.to_manifest();
        assert_eq!(back["apiVersion"], "kagent.dev/v1alpha1");
        assert_eq!(back["kind"], "MCPServer");
        assert_eq!(references(&back), references(&v));
    }

    #[test]
    fn readiness_comes_from_the_ready_condition() {
        let status: MCPServerStatus = serde_json::from_value(json!({"conditions": [
            {"type": "Accepted", "status": "True"}, {"type": "Ready", "status": "False", "reason": "PodNotReady"}
        ]}))
        .unwrap();
        assert!(!status.is_ready());
        assert_eq!(
            status.condition("Ready").unwrap().reason.as_deref(),
            Some("PodNotReady")
        );
        let ready: MCPServerStatus =
            serde_json::from_value(json!({"conditions": [{"type": "Ready", "status": "True"}]}))
                .unwrap();
        assert!(ready.is_ready());
    }

    #[test]
    fn restart_for_every_runtime_reference_but_not_image_pull_credentials() {
        let server = serde_json::json!({"spec": {"deployment": {
            "secretRefs": [{"name": "env"}],
            "volumes": [{"name": "v", "secret": {"secretName": "files"}}],
            "imagePullSecrets": [{"name": "registry"}]
        }}});
        let refs = references(&server);
        assert!(needs_restart(&refs, "env"));
        assert!(needs_restart(&refs, "files"));
        assert!(!needs_restart(&refs, "registry"));
        assert!(!needs_restart(&refs, "other"));

        let pod_spec = serde_json::json!({
            "initContainers": [{"name": "i", "envFrom": [{"secretRef": {"name": "init"}}]}],
            "containers": [{"name": "a", "env": [{"name": "X", "valueFrom": {"secretKeyRef": {"name": "key", "key": "k"}}}]}],
            "volumes": [{"name": "p", "projected": {"sources": [{"secret": {"name": "projected"}}]}}],
            "imagePullSecrets": [{"name": "registry"}]
        });
        let refs = pod_spec_references(&pod_spec, "");
        for s in ["init", "key", "projected"] {
            assert!(needs_restart(&refs, s), "{s}");
        }
        assert!(!needs_restart(&refs, "registry"));
    }
}
