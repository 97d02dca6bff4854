//! The Secret references of MCPServers and pod specs: the one reference model of the plugin.
//!
//! References are read from views ([`Spec`], [`PodSpec`]) of exactly the fields that can name a
//! Secret or hold a credential, read leniently (see [`lenient`]): tolerant of fields the real CRD
//! does not have (the upstream docs' `envFrom` / `env[].valueFrom` forms) and of odd types, so
//! that `audit` and `troubleshoot` see every form an install may carry. Audit reads the views
//! straight from each listed item's bytes; commands that hold a whole object read them from its
//! JSON value (`references`, `pod_spec_references`): the same model either way.
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::core::lenient::{self, Pairs, Text, read};

/// A reference from a workload to a Secret in its own namespace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecretRef {
    /// The Secret's name.
    pub secret: String,
    /// The key, for references to one key (`secretKeyRef`, a volume's `items`); `None` for a
    /// whole-Secret reference.
    pub key: Option<String>,
    /// `optional: true`: a missing Secret or key does not stop the pod.
    pub optional: bool,
    /// Where the reference stands, e.g. `spec.deployment.secretRefs[0]`,
    /// `spec.deployment.sidecars[1](proxy).env[0](API_KEY).valueFrom.secretKeyRef`.
    pub via: String,
    /// What the reference is for.
    pub kind: RefKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RefKind {
    /// All keys become environment variables (`secretRefs`, `envFrom`).
    EnvFrom,
    /// One key becomes one environment variable (`env[].valueFrom.secretKeyRef`).
    EnvKey,
    /// Mounted as files.
    Volume,
    /// Registry credentials.
    ImagePull,
    /// The TLS certificate of the HTTP transport.
    Tls,
    /// A RemoteMCPServer's HTTP header value (`headersFrom[].valueFrom`).
    Header,
    /// A RemoteMCPServer's CA bundle (`tls.caCertSecretRef`).
    CaCert,
}

// --- Views: what the model reads of an object --------------------------------------------------

/// What the reference and plaintext models read of an MCPServer's `spec`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Spec<'a> {
    #[serde(borrow, deserialize_with = "read")]
    pub deployment: Deployment<'a>,
    #[serde(borrow, deserialize_with = "read")]
    pub http_transport: HttpTransport<'a>,
}

/// `spec.deployment`: the pod the controller runs, itself read as a container too (the docs'
/// `envFrom` and `env` list forms).
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Deployment<'a> {
    #[serde(borrow, deserialize_with = "read")]
    pub secret_refs: Vec<Named<'a>>,
    /// A map of plain values in the real CRD; the docs' list form in some installs.
    #[serde(borrow, deserialize_with = "read")]
    pub env: Env<'a>,
    #[serde(borrow, deserialize_with = "read")]
    pub env_from: Vec<EnvFrom<'a>>,
    #[serde(borrow, deserialize_with = "read")]
    pub volumes: Vec<Volume<'a>>,
    #[serde(borrow, deserialize_with = "read")]
    pub image_pull_secrets: Vec<Named<'a>>,
    #[serde(borrow, deserialize_with = "read")]
    pub sidecars: Vec<Container<'a>>,
    #[serde(borrow, deserialize_with = "read")]
    pub cmd: Text<'a>,
    #[serde(borrow, deserialize_with = "read")]
    pub args: Vec<Text<'a>>,
    #[serde(borrow, deserialize_with = "read")]
    pub service_account_name: Text<'a>,
}

/// `env` as the deployment has it: a map of plain values (the real CRD), or a container's list.
#[derive(Debug, Default)]
pub struct Env<'a> {
    pub map: Vec<(std::borrow::Cow<'a, str>, Text<'a>)>,
    pub list: Vec<EnvVar<'a>>,
}

impl<'de> lenient::Lenient<'de> for Env<'de> {
    fn seq<A: serde::de::SeqAccess<'de>>(seq: A) -> Result<Self, A::Error> {
        Ok(Env {
            map: Vec::new(),
            list: Vec::seq(seq)?,
        })
    }
    fn map<A: serde::de::MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
        Ok(Env {
            map: Pairs::map(map)?.0,
            list: Vec::new(),
        })
    }
}

/// A container (a sidecar, or one of a pod spec's).
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Container<'a> {
    #[serde(borrow, deserialize_with = "read")]
    pub name: Text<'a>,
    #[serde(borrow, deserialize_with = "read")]
    pub env: Vec<EnvVar<'a>>,
    #[serde(borrow, deserialize_with = "read")]
    pub env_from: Vec<EnvFrom<'a>>,
    #[serde(borrow, deserialize_with = "read")]
    pub command: Vec<Text<'a>>,
    #[serde(borrow, deserialize_with = "read")]
    pub args: Vec<Text<'a>>,
}

/// `env[]`: a plain `value` or a `valueFrom.secretKeyRef`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct EnvVar<'a> {
    #[serde(borrow, deserialize_with = "read")]
    pub name: Text<'a>,
    #[serde(borrow, deserialize_with = "read")]
    pub value: Text<'a>,
    #[serde(borrow, deserialize_with = "read")]
    pub value_from: ValueFrom<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ValueFrom<'a> {
    #[serde(borrow, deserialize_with = "read")]
    pub secret_key_ref: Named<'a>,
}

/// `envFrom[]`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct EnvFrom<'a> {
    #[serde(borrow, deserialize_with = "read")]
    pub secret_ref: Named<'a>,
}

/// `{name, key, optional}`: a Secret (or one of its keys) by name.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Named<'a> {
    #[serde(borrow, deserialize_with = "read")]
    pub name: Text<'a>,
    #[serde(borrow, deserialize_with = "read")]
    pub key: Text<'a>,
    #[serde(deserialize_with = "read")]
    pub optional: bool,
}

/// `volumes[]`: a Secret volume, or projected sources.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Volume<'a> {
    #[serde(borrow, deserialize_with = "read")]
    pub name: Text<'a>,
    #[serde(borrow, deserialize_with = "read")]
    pub secret: SecretSource<'a>,
    #[serde(borrow, deserialize_with = "read")]
    pub projected: Projected<'a>,
}

/// A mounted Secret: `secretName` in a volume, `name` in a projected source.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SecretSource<'a> {
    #[serde(borrow, deserialize_with = "read")]
    pub secret_name: Text<'a>,
    #[serde(borrow, deserialize_with = "read")]
    pub name: Text<'a>,
    #[serde(borrow, deserialize_with = "read")]
    pub items: Vec<Named<'a>>,
    #[serde(deserialize_with = "read")]
    pub optional: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Projected<'a> {
    #[serde(borrow, deserialize_with = "read")]
    pub sources: Vec<ProjectedSource<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ProjectedSource<'a> {
    #[serde(borrow, deserialize_with = "read")]
    pub secret: SecretSource<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct HttpTransport<'a> {
    #[serde(borrow, deserialize_with = "read")]
    pub tls: HttpTls<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct HttpTls<'a> {
    #[serde(borrow, deserialize_with = "read")]
    pub secret_ref: Text<'a>,
}

/// A pod spec (a Pod's `spec`, or a Deployment's `spec.template.spec`).
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PodSpec<'a> {
    #[serde(borrow, deserialize_with = "read")]
    pub init_containers: Vec<Container<'a>>,
    #[serde(borrow, deserialize_with = "read")]
    pub containers: Vec<Container<'a>>,
    #[serde(borrow, deserialize_with = "read")]
    pub volumes: Vec<Volume<'a>>,
    #[serde(borrow, deserialize_with = "read")]
    pub image_pull_secrets: Vec<Named<'a>>,
}

crate::views!(
    Spec,
    Deployment,
    Container,
    EnvVar,
    ValueFrom,
    EnvFrom,
    Named,
    Volume,
    SecretSource,
    Projected,
    ProjectedSource,
    HttpTransport,
    HttpTls,
    PodSpec,
);

impl<'a> Spec<'a> {
    /// The spec of a whole MCPServer object.
    pub fn of_object(object: &'a Value) -> Spec<'a> {
        lenient::of(&object["spec"])
    }
}

// --- The model ----------------------------------------------------------------------------------

/// Every Secret reference of an MCPServer object (see [`spec_references`]).
pub fn references(server: &Value) -> Vec<SecretRef> {
    spec_references(&Spec::of_object(server))
}

/// Every Secret reference of an MCPServer's spec:
/// `spec.deployment.secretRefs[].name`, `spec.deployment.envFrom[].secretRef`,
/// `spec.deployment.env[].valueFrom.secretKeyRef`, `spec.deployment.volumes[].secret` and
/// projected secret sources, `spec.deployment.imagePullSecrets[]`, `spec.httpTransport.tls.secretRef`,
/// and the same container forms inside `spec.deployment.sidecars[]`.
pub fn spec_references(spec: &Spec) -> Vec<SecretRef> {
    let mut out = Vec::new();
    let dep = &spec.deployment;
    let base = "spec.deployment";
    for (i, r) in dep.secret_refs.iter().enumerate() {
        if let Some(name) = str_of(&r.name) {
            out.push(whole(
                name,
                format!("{base}.secretRefs[{i}]"),
                RefKind::EnvFrom,
                false,
            ));
        }
    }
    container_references(&dep.env_from, &dep.env.list, base, &mut out);
    volume_references(&dep.volumes, base, &mut out);
    image_pull_references(&dep.image_pull_secrets, base, &mut out);
    for (i, sidecar) in dep.sidecars.iter().enumerate() {
        let base = format!("{base}.sidecars[{i}]{}", in_parens(&sidecar.name));
        container_references(&sidecar.env_from, &sidecar.env, &base, &mut out);
    }
    if let Some(name) = str_of(&spec.http_transport.tls.secret_ref) {
        out.push(whole(
            name,
            "spec.httpTransport.tls.secretRef".into(),
            RefKind::Tls,
            false,
        ));
    }
    out
}

/// Every Secret reference of a pod spec (a Pod's `spec`, or a Deployment's
/// `spec.template.spec`): containers' and init containers' `env`/`envFrom`, volumes, image pull
/// secrets. `prefix` is the path of the pod spec, for `via`.
pub fn pod_spec_references(pod_spec: &Value, prefix: &str) -> Vec<SecretRef> {
    let pod: PodSpec = lenient::of(pod_spec);
    let mut out = Vec::new();
    for (field, containers) in [
        ("initContainers", &pod.init_containers),
        ("containers", &pod.containers),
    ] {
        for (i, c) in containers.iter().enumerate() {
            let base = format!("{prefix}.{field}[{i}]{}", in_parens(&c.name));
            container_references(&c.env_from, &c.env, &base, &mut out);
        }
    }
    volume_references(&pod.volumes, prefix, &mut out);
    image_pull_references(&pod.image_pull_secrets, prefix, &mut out);
    out
}

/// `envFrom[].secretRef` and `env[].valueFrom.secretKeyRef` of a container-like object.
fn container_references(
    env_from: &[EnvFrom],
    env: &[EnvVar],
    base: &str,
    out: &mut Vec<SecretRef>,
) {
    for (i, e) in env_from.iter().enumerate() {
        if let Some(name) = str_of(&e.secret_ref.name) {
            out.push(whole(
                name,
                format!("{base}.envFrom[{i}].secretRef"),
                RefKind::EnvFrom,
                e.secret_ref.optional,
            ));
        }
    }
    for (i, e) in env.iter().enumerate() {
        let r = &e.value_from.secret_key_ref;
        if let (Some(name), Some(key)) = (str_of(&r.name), str_of(&r.key)) {
            out.push(SecretRef {
                secret: name.to_string(),
                key: Some(key.to_string()),
                optional: r.optional,
                via: format!(
                    "{base}.env[{i}]{}.valueFrom.secretKeyRef",
                    in_parens(&e.name)
                ),
                kind: RefKind::EnvKey,
            });
        }
    }
}

/// `volumes[].secret` (with its `items[].key`) and `volumes[].projected.sources[].secret`.
fn volume_references(volumes: &[Volume], base: &str, out: &mut Vec<SecretRef>) {
    for (i, v) in volumes.iter().enumerate() {
        let vname = in_parens(&v.name);
        if let Some(name) = str_of(&v.secret.secret_name) {
            let via = format!("{base}.volumes[{i}]{vname}.secret");
            secret_source(name, &v.secret, via, out);
        }
        for (j, src) in v.projected.sources.iter().enumerate() {
            if let Some(name) = str_of(&src.secret.name) {
                let via = format!("{base}.volumes[{i}]{vname}.projected.sources[{j}].secret");
                secret_source(name, &src.secret, via, out);
            }
        }
    }
}

/// A mounted Secret: with `items`, each listed key is needed; without, the whole Secret.
fn secret_source(name: &str, s: &SecretSource, via: String, out: &mut Vec<SecretRef>) {
    let mut keys = s.items.iter().filter_map(|it| str_of(&it.key)).peekable();
    if keys.peek().is_none() {
        out.push(whole(name, via, RefKind::Volume, s.optional));
        return;
    }
    for key in keys {
        out.push(SecretRef {
            secret: name.to_string(),
            key: Some(key.to_string()),
            optional: s.optional,
            via: via.clone(),
            kind: RefKind::Volume,
        });
    }
}

/// The `imagePullSecrets` entries of a pod spec at `base`.
fn image_pull_references(list: &[Named], base: &str, out: &mut Vec<SecretRef>) {
    for (i, r) in list.iter().enumerate() {
        if let Some(name) = str_of(&r.name) {
            out.push(whole(
                name,
                format!("{base}.imagePullSecrets[{i}]"),
                RefKind::ImagePull,
                false,
            ));
        }
    }
}

/// A reference to a whole Secret (no single key).
fn whole(name: &str, via: String, kind: RefKind, optional: bool) -> SecretRef {
    SecretRef {
        secret: name.to_string(),
        key: None,
        optional,
        via,
        kind,
    }
}

/// A non-empty string.
pub fn str_of<'t>(text: &'t Text) -> Option<&'t str> {
    text.as_deref().filter(|s| !s.is_empty())
}

/// `(name)` after a list item's index in a `via` path; nothing for an item without a name.
pub fn in_parens(name: &Text) -> String {
    match str_of(name) {
        Some(n) => format!("({n})"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use crate::core::findings::Server;

    /// Strings the models look at (names, keys, a header type, credential shapes), the empty
    /// string, and any string.
    fn text() -> BoxedStrategy<String> {
        const WORDS: &[&str] = &[
            "",
            "env",
            "api-key",
            "Secret",
            "ConfigMap",
            "API_KEY",
            "--token",
            "--token=abc",
            "sk-abcdefghijklmnopqrstu",
            "a\"b",
            "é\\n",
        ];
        prop_oneof![
            3 => prop::sample::select(WORDS).prop_map(str::to_string),
            1 => any::<String>(),
        ]
        .boxed()
    }

    fn leaf() -> BoxedStrategy<Value> {
        prop_oneof![
            6 => text().prop_map(Value::from),
            1 => any::<bool>().prop_map(Value::from),
            1 => Just(Value::Null),
            1 => any::<i32>().prop_map(Value::from),
            1 => prop::collection::vec(text().prop_map(Value::from), 0..3).prop_map(Value::Array),
        ]
        .boxed()
    }

    /// `shape`, or now and then a value of another type in its place.
    fn odd(shape: BoxedStrategy<Value>) -> BoxedStrategy<Value> {
        prop_oneof![8 => shape, 1 => leaf()].boxed()
    }

    /// An object with some of `fields`.
    fn obj(fields: Vec<(&'static str, BoxedStrategy<Value>)>) -> BoxedStrategy<Value> {
        let parts: Vec<_> = fields
            .into_iter()
            .map(|(k, s)| prop::option::weighted(0.7, s.prop_map(move |v| (k.to_string(), v))))
            .collect();
        odd(parts
            .prop_map(|kv| Value::Object(kv.into_iter().flatten().collect()))
            .boxed())
    }

    fn list(item: BoxedStrategy<Value>) -> BoxedStrategy<Value> {
        odd(prop::collection::vec(item, 0..4)
            .prop_map(Value::Array)
            .boxed())
    }

    fn named() -> BoxedStrategy<Value> {
        obj(vec![
            ("name", leaf()),
            ("key", leaf()),
            ("optional", leaf()),
        ])
    }

    fn env_var() -> BoxedStrategy<Value> {
        let from = obj(vec![("secretKeyRef", named())]);
        obj(vec![
            ("name", leaf()),
            ("value", leaf()),
            ("valueFrom", from),
        ])
    }

    fn env_from() -> BoxedStrategy<Value> {
        obj(vec![("secretRef", named())])
    }

    fn volume() -> BoxedStrategy<Value> {
        let source = |name| {
            let item = obj(vec![("key", leaf()), ("path", leaf())]);
            obj(vec![
                (name, leaf()),
                ("items", list(item)),
                ("optional", leaf()),
            ])
        };
        let projected = obj(vec![(
            "sources",
            list(obj(vec![("secret", source("name"))])),
        )]);
        obj(vec![
            ("name", leaf()),
            ("secret", source("secretName")),
            ("projected", projected),
        ])
    }

    fn container() -> BoxedStrategy<Value> {
        obj(vec![
            ("name", leaf()),
            ("env", list(env_var())),
            ("envFrom", list(env_from())),
            ("command", list(leaf())),
            ("args", list(leaf())),
        ])
    }

    /// A spec with every field the models read (of an MCPServer and a RemoteMCPServer at once),
    /// each of its type or of another, present or not.
    fn spec() -> BoxedStrategy<Value> {
        let env_map = prop::collection::vec((text(), leaf()), 0..4)
            .prop_map(|kv| Value::Object(kv.into_iter().collect()));
        let deployment = obj(vec![
            ("secretRefs", list(named())),
            (
                "env",
                prop_oneof![list(env_var()), odd(env_map.boxed())].boxed(),
            ),
            ("envFrom", list(env_from())),
            ("volumes", list(volume())),
            ("imagePullSecrets", list(named())),
            ("sidecars", list(container())),
            ("cmd", leaf()),
            ("args", list(leaf())),
            ("serviceAccountName", leaf()),
        ]);
        let header_from = obj(vec![("type", leaf()), ("name", leaf()), ("key", leaf())]);
        let header = obj(vec![
            ("name", leaf()),
            ("value", leaf()),
            ("valueFrom", header_from),
        ]);
        obj(vec![
            ("deployment", deployment),
            (
                "httpTransport",
                obj(vec![("tls", obj(vec![("secretRef", leaf())]))]),
            ),
            ("headersFrom", list(header)),
            (
                "tls",
                obj(vec![
                    ("caCertSecretRef", leaf()),
                    ("caCertSecretKey", leaf()),
                ]),
            ),
        ])
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        /// Audit reads each listed server from its bytes; the other commands read whole objects
        /// they hold as JSON values. Both are the same model, for any spec: the same references,
        /// plain values and service account, in the same order.
        #[test]
        fn a_spec_reads_the_same_from_its_bytes_and_from_its_value(spec in spec()) {
            let object = json!({"metadata": {"name": "n", "namespace": "ns"}, "spec": spec});
            let bytes = object.to_string();
            let listed = Server::listed_mcpserver(bytes.as_bytes()).unwrap();
            prop_assert_eq!(format!("{listed:?}"), format!("{:?}", Server::from_json(&object)));
            let listed = Server::listed_remote(bytes.as_bytes()).unwrap();
            prop_assert_eq!(
                format!("{listed:?}"),
                format!("{:?}", Server::from_remote_json(&object))
            );
        }
    }
}
