//! The Secret plan: the Secret an env file asks for, its difference from the live one (keys only,
//! never values), the rules for taking over an existing Secret, and the content hash.
//!
//! Pure: no I/O. `commands::secrets_sync` fetches the live Secret and writes the plan.
use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::core::envfile::EnvFile;

pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
pub const NAME_LABEL: &str = "app.kubernetes.io/name";
pub const MANAGER: &str = "kubectl-kmcp";
pub const ENVIRONMENT_LABEL: &str = "kmcp.dev/environment";
/// The SHA-256 (hex) of the Secret's sorted key/value pairs, see `content_hash`.
pub const HASH_ANNOTATION: &str = "kmcp.dev/secret-hash";
/// Client-side `kubectl apply` keeps the whole object, values included, in this annotation.
pub const LAST_APPLIED_ANNOTATION: &str = "kubectl.kubernetes.io/last-applied-configuration";
/// The API server's limit on a Secret's data (keys + values).
pub const MAX_SECRET_BYTES: usize = 1024 * 1024;

/// SHA-256 over the sorted key/value pairs, each key and value preceded by its length as a
/// big-endian u64, so that no two different maps share an encoding. Lower-case hex.
pub fn content_hash(data: &BTreeMap<String, Vec<u8>>) -> String {
    let mut h = Sha256::new();
    for (k, v) in data {
        h.update((k.len() as u64).to_be_bytes());
        h.update(k.as_bytes());
        h.update((v.len() as u64).to_be_bytes());
        h.update(v);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The Secret a sync writes.
#[derive(Clone)]
pub struct Desired {
    pub name: String,
    pub namespace: String,
    pub project: String,
    pub environment: String,
    pub data: BTreeMap<String, Vec<u8>>,
}

impl std::fmt::Debug for Desired {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Desired")
            .field("name", &self.name)
            .field("namespace", &self.namespace)
            .field("keys", &self.data.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Desired {
    /// The Secret that holds exactly the env file's entries.
    pub fn from_env_file(
        file: &EnvFile,
        name: &str,
        namespace: &str,
        project: &str,
        environment: &str,
    ) -> Desired {
        Desired {
            name: name.to_string(),
            namespace: namespace.to_string(),
            project: project.to_string(),
            environment: environment.to_string(),
            data: file
                .entries
                .iter()
                .map(|e| (e.key.clone(), e.value.as_bytes().to_vec()))
                .collect(),
        }
    }

    /// The content hash of the data (see `content_hash`).
    pub fn hash(&self) -> String {
        content_hash(&self.data)
    }

    /// The size the API server counts against its 1 MiB limit: keys plus values.
    pub fn size(&self) -> usize {
        self.data.iter().map(|(k, v)| k.len() + v.len()).sum()
    }

    /// An error message when the Secret would exceed the API server's limit.
    pub fn check_size(&self) -> Result<(), String> {
        let size = self.size();
        if size > MAX_SECRET_BYTES {
            let mut biggest: Vec<(&String, usize)> =
                self.data.iter().map(|(k, v)| (k, v.len())).collect();
            biggest.sort_by_key(|b| std::cmp::Reverse(b.1));
            let top: Vec<String> = biggest
                .iter()
                .take(3)
                .map(|(k, n)| format!("{k} ({n} bytes)"))
                .collect();
            return Err(format!(
                "the Secret would hold {size} bytes, over the API server's limit of {MAX_SECRET_BYTES} bytes (1 MiB); the largest values: {}; move large files to a ConfigMap or a volume",
                top.join(", ")
            ));
        }
        Ok(())
    }

    /// The labels kubectl-kmcp sets: managed-by, project name, environment.
    pub fn labels(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            (MANAGED_BY_LABEL.to_string(), MANAGER.to_string()),
            (NAME_LABEL.to_string(), label_value(&self.project)),
            (
                ENVIRONMENT_LABEL.to_string(),
                label_value(&self.environment),
            ),
        ])
    }

    /// The manifest: `v1` Secret, `Opaque`, values in `data`.
    pub fn secret(&self) -> Secret {
        Secret {
            metadata: ObjectMeta {
                name: Some(self.name.clone()),
                namespace: Some(self.namespace.clone()),
                labels: Some(self.labels()),
                annotations: Some(BTreeMap::from([(HASH_ANNOTATION.to_string(), self.hash())])),
                ..ObjectMeta::default()
            },
            type_: Some("Opaque".into()),
            data: Some(
                self.data
                    .iter()
                    .map(|(k, v)| (k.clone(), ByteString(v.clone())))
                    .collect(),
            ),
            ..Secret::default()
        }
    }

    /// The manifest as JSON with `apiVersion` and `kind`, as kubectl prints it.
    pub fn manifest(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self.secret()).expect("a Secret serializes");
        if let Some(obj) = v.as_object_mut() {
            obj.insert("apiVersion".into(), "v1".into());
            obj.insert("kind".into(), "Secret".into());
        }
        v
    }
}

/// A label value: at most 63 characters of `[-._a-zA-Z0-9]`, alphanumeric at both ends.
fn label_value(text: &str) -> String {
    let mapped: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .take(63)
        .collect();
    mapped
        .trim_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_string()
}

/// The data of a live Secret (`data`, with `stringData` never present on a read).
pub fn live_data(secret: &Secret) -> BTreeMap<String, Vec<u8>> {
    secret
        .data
        .as_ref()
        .map(|d| d.iter().map(|(k, v)| (k.clone(), v.0.clone())).collect())
        .unwrap_or_default()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Added,
    Changed,
    Removed,
    Unchanged,
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Change::Added => "added",
            Change::Changed => "changed",
            Change::Removed => "removed",
            Change::Unchanged => "unchanged",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyChange {
    pub key: String,
    pub change: Change,
}

/// What a sync changes, key by key (sorted by key), never with values.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Diff {
    pub keys: Vec<KeyChange>,
}

impl Diff {
    /// The change of every key between the desired and the live data.
    pub fn between(desired: &BTreeMap<String, Vec<u8>>, live: &BTreeMap<String, Vec<u8>>) -> Diff {
        let mut keys: Vec<KeyChange> = Vec::new();
        for (k, v) in desired {
            let change = match live.get(k) {
                None => Change::Added,
                Some(old) if old == v => Change::Unchanged,
                Some(_) => Change::Changed,
            };
            keys.push(KeyChange {
                key: k.clone(),
                change,
            });
        }
        for k in live.keys().filter(|k| !desired.contains_key(*k)) {
            keys.push(KeyChange {
                key: k.clone(),
                change: Change::Removed,
            });
        }
        keys.sort_by(|a, b| a.key.cmp(&b.key));
        Diff { keys }
    }

    /// Whether any key is added, changed or removed.
    pub fn data_changes(&self) -> bool {
        self.keys.iter().any(|k| k.change != Change::Unchanged)
    }

    /// The keys the sync removes.
    pub fn removed(&self) -> Vec<&str> {
        self.with(Change::Removed)
    }

    /// The keys with this change.
    pub fn with(&self, change: Change) -> Vec<&str> {
        self.keys
            .iter()
            .filter(|k| k.change == change)
            .map(|k| k.key.as_str())
            .collect()
    }

    /// How many keys have this change.
    pub fn count(&self, change: Change) -> usize {
        self.keys.iter().filter(|k| k.change == change).count()
    }
}

/// Why a live Secret cannot be taken over (as it stands, or at all).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// An owner reference: another tool (ExternalSecret, SealedSecret, ...) writes this Secret.
    /// `--force` takes it over.
    Owned { owner: String },
    /// A type other than Opaque; the type cannot be changed, the Secret must be deleted first.
    WrongType { type_: String },
    /// `immutable: true`; it must be deleted first.
    Immutable,
}

impl Refusal {
    /// The one-line refusal for the Secret `name` in `namespace`.
    pub fn message(&self, name: &str, namespace: &str) -> String {
        match self {
            Refusal::Owned { owner } => format!(
                "secret {name:?} in namespace {namespace:?} is owned by {owner}, which writes it; syncing would fight that tool. Nothing was changed. To take the Secret over (and drop its owner reference), re-run with --force; else sync into another secretName"
            ),
            Refusal::WrongType { type_ } => format!(
                "secret {name:?} in namespace {namespace:?} has type {type_:?}, not Opaque, and a Secret's type cannot be changed; nothing was changed. Delete it first (`kubectl delete secret {name} -n {namespace}`) if it is really this environment's, or use another secretName"
            ),
            Refusal::Immutable => format!(
                "secret {name:?} in namespace {namespace:?} is immutable (immutable: true) and cannot be changed, not even with --force; nothing was changed. Delete it first: `kubectl delete secret {name} -n {namespace}`, then sync again"
            ),
        }
    }
}

/// Checks whether the live Secret may be written; `force` allows taking over an owned one.
pub fn check_takeover(live: &Secret, force: bool) -> Result<(), Refusal> {
    if live.immutable == Some(true) {
        return Err(Refusal::Immutable);
    }
    let type_ = live.type_.as_deref().unwrap_or("Opaque");
    if type_ != "Opaque" {
        return Err(Refusal::WrongType {
            type_: type_.to_string(),
        });
    }
    if let Some(owner) = owner_of(live)
        && !force
    {
        return Err(Refusal::Owned { owner });
    }
    Ok(())
}

/// `Kind/name` of the live Secret's owners, if any.
pub fn owner_of(live: &Secret) -> Option<String> {
    let owners = live.metadata.owner_references.as_ref()?;
    if owners.is_empty() {
        return None;
    }
    Some(
        owners
            .iter()
            .map(|o| format!("{}/{} ({})", o.kind, o.name, o.api_version))
            .collect::<Vec<_>>()
            .join(", "),
    )
}

/// Whether the live Secret's metadata differs from what a sync writes (labels, hash annotation,
/// a `last-applied-configuration` that holds values, owner references).
pub fn metadata_drift(desired: &Desired, live: &Secret) -> bool {
    let labels = live.metadata.labels.clone().unwrap_or_default();
    let annotations = live.metadata.annotations.clone().unwrap_or_default();
    desired
        .labels()
        .iter()
        .any(|(k, v)| labels.get(k) != Some(v))
        || annotations.get(HASH_ANNOTATION) != Some(&desired.hash())
        || annotations.contains_key(LAST_APPLIED_ANNOTATION)
        || live
            .metadata
            .owner_references
            .as_ref()
            .is_some_and(|o| !o.is_empty())
}

/// Whether writing to this environment asks for confirmation on its own.
pub fn is_production(environment: &str) -> bool {
    matches!(
        environment.to_ascii_lowercase().as_str(),
        "production" | "prod"
    )
}

/// Escapes a JSON pointer token (RFC 6901).
pub fn pointer_token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// The JSON patch that turns the live Secret (at `resource_version`) into the desired one in one
/// atomic request: a `test` on the resourceVersion (a concurrent change makes it fail), then
/// every data key, the labels and the hash annotation set, the removed keys, the
/// last-applied-configuration annotation and (when taking over) the owner references removed.
pub fn takeover_patch(
    desired: &Desired,
    live: &Secret,
    resource_version: &str,
) -> serde_json::Value {
    use serde_json::json;
    let mut ops =
        vec![json!({"op": "test", "path": "/metadata/resourceVersion", "value": resource_version})];
    let secret = desired.secret();
    let data = serde_json::to_value(secret.data.unwrap_or_default()).expect("data serializes");
    ops.push(json!({"op": "add", "path": "/data", "value": data}));
    let mut labels: serde_json::Map<String, serde_json::Value> = live
        .metadata
        .labels
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, v.into()))
        .collect();
    for (k, v) in desired.labels() {
        labels.insert(k, v.into());
    }
    ops.push(json!({"op": "add", "path": "/metadata/labels", "value": labels}));
    let mut annotations: serde_json::Map<String, serde_json::Value> = live
        .metadata
        .annotations
        .clone()
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, _)| k != LAST_APPLIED_ANNOTATION)
        .map(|(k, v)| (k, v.into()))
        .collect();
    annotations.insert(HASH_ANNOTATION.into(), desired.hash().into());
    ops.push(json!({"op": "add", "path": "/metadata/annotations", "value": annotations}));
    if live
        .metadata
        .owner_references
        .as_ref()
        .is_some_and(|o| !o.is_empty())
    {
        ops.push(json!({"op": "remove", "path": "/metadata/ownerReferences"}));
    }
    serde_json::Value::Array(ops)
}

/// Why writing this diff needs a confirmation: removing keys, writing to a production
/// environment, taking the Secret over from `owner`. Empty when nothing needs one.
pub fn confirmation_reasons(environment: &str, diff: &Diff, owner: Option<&str>) -> Vec<String> {
    let mut reasons = Vec::new();
    let removed = diff.removed();
    if !removed.is_empty() {
        reasons.push(format!("remove the keys {}", removed.join(", ")));
    }
    if is_production(environment) {
        reasons.push(format!(
            "write to the production environment {environment:?}"
        ));
    }
    if let Some(owner) = owner {
        reasons.push(format!("take the Secret over from {owner}"));
    }
    reasons
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;

    fn map(items: &[(&str, &str)]) -> BTreeMap<String, Vec<u8>> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
            .collect()
    }

    fn desired(items: &[(&str, &str)]) -> Desired {
        Desired {
            name: "s".into(),
            namespace: "ns".into(),
            project: "weather server".into(),
            environment: "staging".into(),
            data: map(items),
        }
    }

    #[test]
    fn hash_is_stable_order_independent_and_unambiguous() {
        let a = content_hash(&map(&[("A", "1"), ("B", "2")]));
        assert_eq!(a.len(), 64);
        assert_eq!(a, content_hash(&map(&[("B", "2"), ("A", "1")])));
        assert_ne!(a, content_hash(&map(&[("A", "1"), ("B", "3")])));
        // Moving bytes between key and value, or between entries, changes the hash.
        assert_ne!(
            content_hash(&map(&[("AB", "")])),
            content_hash(&map(&[("A", "B")]))
        );
        assert_ne!(
            content_hash(&map(&[("A", "1B"), ("C", "")])),
            content_hash(&map(&[("A", "1"), ("BC", "")]))
        );
        // Known answer: SHA-256 of the empty input.
        assert_eq!(
            content_hash(&BTreeMap::new()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn diff_names_every_key_and_no_value() {
        let d = Diff::between(
            &map(&[("A", "1"), ("B", "new"), ("C", "3")]),
            &map(&[("B", "old"), ("C", "3"), ("D", "gone")]),
        );
        let got: Vec<(&str, Change)> = d.keys.iter().map(|k| (k.key.as_str(), k.change)).collect();
        assert_eq!(
            got,
            [
                ("A", Change::Added),
                ("B", Change::Changed),
                ("C", Change::Unchanged),
                ("D", Change::Removed)
            ]
        );
        assert_eq!(d.removed(), ["D"]);
        assert!(d.data_changes());
        let json = serde_json::to_string(&d).unwrap();
        assert!(!json.contains("new") && !json.contains("old") && !json.contains("gone"));
        assert!(!Diff::between(&map(&[("A", "1")]), &map(&[("A", "1")])).data_changes());
    }

    #[test]
    fn manifest_is_opaque_with_labels_hash_and_base64_data() {
        let d = desired(&[("K", "v1")]);
        let m = d.manifest();
        assert_eq!(m["apiVersion"], "v1");
        assert_eq!(m["kind"], "Secret");
        assert_eq!(m["type"], "Opaque");
        assert_eq!(m["data"]["K"], "djE=");
        assert!(m.get("stringData").is_none());
        assert_eq!(m["metadata"]["labels"][MANAGED_BY_LABEL], MANAGER);
        assert_eq!(m["metadata"]["labels"][NAME_LABEL], "weather-server");
        assert_eq!(m["metadata"]["labels"][ENVIRONMENT_LABEL], "staging");
        assert_eq!(m["metadata"]["annotations"][HASH_ANNOTATION], d.hash());
    }

    #[test]
    fn size_limit() {
        let big = "x".repeat(MAX_SECRET_BYTES);
        let d = desired(&[("BIG", &big)]);
        let err = d.check_size().unwrap_err();
        assert!(err.contains("BIG") && err.contains("1 MiB"), "{err}");
        assert!(!err.contains("xxx"));
        assert!(desired(&[("A", "1")]).check_size().is_ok());
    }

    #[test]
    fn takeover_rules() {
        let mut live = Secret::default();
        assert!(check_takeover(&live, false).is_ok());
        live.metadata.owner_references = Some(vec![OwnerReference {
            api_version: "external-secrets.io/v1beta1".into(),
            kind: "ExternalSecret".into(),
            name: "weather".into(),
            uid: "u".into(),
            ..Default::default()
        }]);
        let r = check_takeover(&live, false).unwrap_err();
        let msg = r.message("s", "ns");
        assert!(
            msg.contains("ExternalSecret/weather") && msg.contains("--force"),
            "{msg}"
        );
        assert!(check_takeover(&live, true).is_ok());
        live.immutable = Some(true);
        let msg = check_takeover(&live, true).unwrap_err().message("s", "ns");
        assert!(msg.contains("kubectl delete secret s -n ns"), "{msg}");
        live.immutable = None;
        live.type_ = Some("kubernetes.io/tls".into());
        assert!(matches!(
            check_takeover(&live, true),
            Err(Refusal::WrongType { .. })
        ));
    }

    #[test]
    fn production_names() {
        assert!(is_production("production") && is_production("prod") && is_production("PROD"));
        assert!(!is_production("staging"));
    }

    #[test]
    fn takeover_patch_tests_the_version_and_drops_last_applied() {
        let d = desired(&[("A", "1")]);
        let mut live = Secret::default();
        live.metadata.annotations = Some(BTreeMap::from([
            (LAST_APPLIED_ANNOTATION.to_string(), "{...}".to_string()),
            ("keep".to_string(), "me".to_string()),
        ]));
        assert!(metadata_drift(&d, &live));
        let p = takeover_patch(&d, &live, "42");
        assert_eq!(p[0]["op"], "test");
        assert_eq!(p[0]["value"], "42");
        let ann = &p[3]["value"];
        assert!(ann.get(LAST_APPLIED_ANNOTATION).is_none());
        assert_eq!(ann["keep"], "me");
        assert_eq!(ann[HASH_ANNOTATION], d.hash());
    }

    #[test]
    fn metadata_drift_sees_each_difference_alone() {
        let d = desired(&[("A", "1")]);
        // What a sync writes: no drift.
        let synced = d.secret();
        assert!(!metadata_drift(&d, &synced));
        // Only a last-applied copy of the values.
        let mut s = synced.clone();
        s.metadata
            .annotations
            .get_or_insert_default()
            .insert(LAST_APPLIED_ANNOTATION.into(), "{\"data\":{}}".into());
        assert!(metadata_drift(&d, &s));
        // Only a stale hash.
        let mut s = synced.clone();
        s.metadata
            .annotations
            .get_or_insert_default()
            .insert(HASH_ANNOTATION.into(), "stale".into());
        assert!(metadata_drift(&d, &s));
        // Only one label.
        let mut s = synced.clone();
        let labels = s.metadata.labels.get_or_insert_default();
        let first = labels.keys().next().cloned().unwrap();
        labels.insert(first, "other".into());
        assert!(metadata_drift(&d, &s));
        // Only an owner.
        let mut s = synced;
        s.metadata.owner_references = Some(vec![Default::default()]);
        assert!(metadata_drift(&d, &s));
    }
}
