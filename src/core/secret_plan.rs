//! The Secret plan: the Secret an env file asks for, its difference from the live one (keys only,
//! never values), the rules for taking over an existing Secret, and the content hash.
//!
//! Pure: no I/O. `commands::secrets_sync` fetches the live Secret and writes the plan.
use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;

use crate::core::envfile::EnvFile;
use crate::core::ownership::{self, Holder};
pub use crate::core::secret_hash::{HASH_ANNOTATION, HASH_KEY_ANNOTATION, HashKey, keyed_hash};

pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
pub const NAME_LABEL: &str = "app.kubernetes.io/name";
pub const MANAGER: &str = "kubectl-kmcp";
pub const ENVIRONMENT_LABEL: &str = "kmcp.dev/environment";
/// Client-side `kubectl apply` keeps the whole object, values included, in this annotation.
pub const LAST_APPLIED_ANNOTATION: &str = "kubectl.kubernetes.io/last-applied-configuration";
/// The API server's limit on a Secret's data (keys + values).
pub const MAX_SECRET_BYTES: usize = 1024 * 1024;
/// etcd's default limit on one request (`--max-request-bytes`, 1.5 MiB): the whole stored object,
/// metadata and managedFields included, must fit in it.
pub const ETCD_REQUEST_LIMIT: usize = 1024 * 1024 * 3 / 2;
/// The fixed part of a stored Secret beyond its data, labels and annotations: name, namespace,
/// uid, timestamps, type, two managedFields entries' own fields, the storage envelope.
const FIXED_OVERHEAD: usize = 1024;

/// The Secret a sync writes.
#[derive(Clone)]
pub struct Desired {
    pub name: String,
    pub namespace: String,
    pub project: String,
    pub environment: String,
    pub data: BTreeMap<String, Vec<u8>>,
    /// The key of the content hash: the live Secret's, else a new random one.
    pub hash_key: HashKey,
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

/// The Secret data an env file stands for: each key with its value's bytes.
pub fn file_data(file: &EnvFile) -> BTreeMap<String, Vec<u8>> {
    file.entries
        .iter()
        .map(|e| (e.key.clone(), e.value.as_bytes().to_vec()))
        .collect()
}

impl Desired {
    /// The Secret that holds exactly the env file's entries.
    pub fn from_env_file(
        file: &EnvFile,
        name: &str,
        namespace: &str,
        project: &str,
        environment: &str,
        hash_key: HashKey,
    ) -> Desired {
        Desired {
            name: name.to_string(),
            namespace: namespace.to_string(),
            project: project.to_string(),
            environment: environment.to_string(),
            data: file_data(file),
            hash_key,
        }
    }

    /// The keyed content hash of the data (see `secret_hash::keyed_hash`).
    pub fn hash(&self) -> String {
        keyed_hash(&self.hash_key, &self.data)
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
        self.check_stored_size()
    }

    /// About how many bytes etcd stores for this Secret at most while a sync writes it: the data
    /// as protobuf map entries, the labels and annotations, and the field ownership of every key
    /// recorded twice in managedFields (`f:KEY` under `f:data`: once for kubectl-kmcp's apply,
    /// once for the create or the JSON patch that precedes it), plus a fixed part.
    pub fn stored_size(&self) -> StoredSize {
        let data = self
            .data
            .iter()
            .map(|(k, v)| map_entry_size(k.len(), v.len()))
            .sum();
        // `"f:KEY":{},` in fieldsV1's JSON.
        let fields = 2 * self.data.keys().map(|k| k.len() + 8).sum::<usize>();
        let metadata = FIXED_OVERHEAD
            + self
                .labels()
                .iter()
                .map(|(k, v)| map_entry_size(k.len(), v.len()))
                .sum::<usize>()
            + 2 * (map_entry_size(HASH_ANNOTATION.len(), 64)
                + map_entry_size(HASH_KEY_ANNOTATION.len(), 64));
        StoredSize {
            data,
            fields,
            metadata,
        }
    }

    /// An error message when the stored Secret would not fit into one etcd request.
    pub fn check_stored_size(&self) -> Result<(), String> {
        let s = self.stored_size();
        if s.total() > ETCD_REQUEST_LIMIT {
            return Err(format!(
                "the Secret's {} keys would take about {} bytes in etcd ({} of data, {} of server-side apply's field ownership records, which list every key, {} of metadata), over etcd's default request limit of {ETCD_REQUEST_LIMIT} bytes (1.5 MiB), though the data alone is under the 1 MiB limit; split the keys over two environments (two Secrets), or move many small settings into one value or a ConfigMap",
                self.data.len(),
                s.total(),
                s.data,
                s.fields,
                s.metadata
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
                annotations: Some(BTreeMap::from([
                    (HASH_ANNOTATION.to_string(), self.hash()),
                    (HASH_KEY_ANNOTATION.to_string(), self.hash_key.to_hex()),
                ])),
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

/// The estimated stored size of a Secret (see [`Desired::stored_size`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredSize {
    pub data: usize,
    pub fields: usize,
    pub metadata: usize,
}

impl StoredSize {
    pub fn total(&self) -> usize {
        self.data + self.fields + self.metadata
    }
}

/// The length of a protobuf varint.
fn varint_len(mut n: usize) -> usize {
    let mut len = 1;
    while n >= 0x80 {
        n >>= 7;
        len += 1;
    }
    len
}

/// The protobuf size of one `map<string, bytes>` entry: its tag and length, the key's and the
/// value's tags, lengths and bytes.
fn map_entry_size(key: usize, value: usize) -> usize {
    let inner = 1 + varint_len(key) + key + 1 + varint_len(value) + value;
    1 + varint_len(inner) + inner
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
    /// Another tool writes this Secret (an owner reference, or the field manager, labels or
    /// annotations of External Secrets, Sealed Secrets, Helm, ...). `--force` takes it over.
    Held(Holder),
    /// A type other than Opaque; the type cannot be changed, the Secret must be deleted first.
    WrongType { type_: String },
    /// `immutable: true`; it must be deleted first.
    Immutable,
}

impl Refusal {
    /// The one-line refusal for the Secret `name` in `namespace`.
    pub fn message(&self, name: &str, namespace: &str) -> String {
        match self {
            Refusal::Held(h) if h.evidence == "owner reference" => format!(
                "secret {name:?} in namespace {namespace:?} is owned by {}, which writes it; syncing would fight that tool. Nothing was changed. To take the Secret over (and drop its owner reference), re-run with --force; else sync into another secretName",
                h.tool
            ),
            Refusal::Held(h) => format!(
                "secret {name:?} in namespace {namespace:?} is written by {} ({}); syncing would fight that tool, which overwrites the Secret on its next run. Nothing was changed. Sync into another secretName, or remove the Secret from {} and re-run with --force to take it over",
                h.tool, h.evidence, h.tool
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
    if let Some(holder) = ownership::holder(live)
        && !force
    {
        return Err(Refusal::Held(holder));
    }
    Ok(())
}

/// `Kind/name (apiVersion)` of the live Secret's owner references, if any.
pub fn owner_of(live: &Secret) -> Option<String> {
    ownership::owner_references(live)
}

/// The tool that writes the live Secret, if another one does (see `ownership::holder`).
pub fn holder_of(live: &Secret) -> Option<String> {
    ownership::holder(live).map(|h| h.to_string())
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
        || annotations.get(HASH_KEY_ANNOTATION) != Some(&desired.hash_key.to_hex())
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
    annotations.insert(HASH_KEY_ANNOTATION.into(), desired.hash_key.to_hex().into());
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
        let keys = if removed.len() == 1 { "key" } else { "keys" };
        reasons.push(format!("remove the {keys} {}", removed.join(", ")));
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
            hash_key: HashKey::new([7; 32]),
        }
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
        assert_eq!(m["metadata"]["name"], "s");
        assert_eq!(m["metadata"]["namespace"], "ns");
        assert_eq!(m["data"]["K"], "djE=");
        assert!(m.get("stringData").is_none());
        assert_eq!(m["metadata"]["labels"][MANAGED_BY_LABEL], MANAGER);
        assert_eq!(m["metadata"]["labels"][NAME_LABEL], "weather-server");
        assert_eq!(m["metadata"]["labels"][ENVIRONMENT_LABEL], "staging");
        assert_eq!(m["metadata"]["annotations"][HASH_ANNOTATION], d.hash());
        assert_eq!(
            m["metadata"]["annotations"][HASH_KEY_ANNOTATION],
            "07".repeat(32)
        );
        assert_eq!(d.hash(), keyed_hash(&HashKey::new([7; 32]), &d.data));
    }

    #[test]
    fn many_small_keys_pass_the_1_mib_check_but_not_the_etcd_estimate() {
        // 50,000 keys of 9 + 10 bytes: 950,000 bytes of data, under 1 MiB; stored with the
        // ownership records of every key, over etcd's 1.5 MiB.
        let items: Vec<(String, String)> = (0..50_000)
            .map(|i| (format!("KEY_{i:05}"), format!("value{i:05}")))
            .collect();
        let refs: Vec<(&str, &str)> = items
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let d = desired(&refs);
        assert_eq!(d.size(), 950_000);
        let s = d.stored_size();
        // data: 50,000 protobuf entries of 2 + (2 + 9) + (2 + 10) bytes.
        assert_eq!(s.data, 50_000 * 25);
        // fields: `"f:KEY_00000":{},` (17 bytes) twice per key.
        assert_eq!(s.fields, 2 * 50_000 * 17);
        let err = d.check_size().unwrap_err();
        assert!(
            err.contains("50000 keys") && err.contains("1.5 MiB"),
            "{err}"
        );
        assert!(!err.contains("value0"), "{err}");
        // A tenth of it fits.
        assert!(desired(&refs[..5_000]).check_size().is_ok());
        // The protobuf sizes of single entries, by hand: 1 + 1 + (1+1+1) + (1+1+0) = 7.
        assert_eq!(map_entry_size(1, 0), 7);
        assert_eq!(varint_len(127), 1);
        assert_eq!(varint_len(128), 2);
        assert_eq!(map_entry_size(1, 200), 1 + 2 + (1 + 1 + 1) + (1 + 2 + 200));
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
        assert!(matches!(&r, Refusal::Held(h) if h.evidence == "owner reference"));
        let msg = r.message("s", "ns");
        assert!(
            msg.contains("ExternalSecret/weather") && msg.contains("--force"),
            "{msg}"
        );
        // An owner reference has its own advice: --force drops it.
        assert!(
            msg.contains("is owned by ExternalSecret/weather")
                && msg.contains("(and drop its owner reference)"),
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
    fn confirmation_reasons_count_the_keys_right() {
        let one = Diff::between(&map(&[("A", "1")]), &map(&[("A", "1"), ("NEW_KEY", "x")]));
        assert_eq!(
            confirmation_reasons("staging", &one, None),
            ["remove the key NEW_KEY"]
        );
        let two = Diff::between(&map(&[]), &map(&[("A", "1"), ("B", "2")]));
        assert_eq!(
            confirmation_reasons("staging", &two, None),
            ["remove the keys A, B"]
        );
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

    #[test]
    fn from_env_file_takes_every_entry_and_debug_shows_no_value() {
        let file = crate::core::envfile::parse(
            std::path::Path::new(".env"),
            "B=two\nA=one-secret-value\n",
        )
        .unwrap();
        let d = Desired::from_env_file(&file, "s", "ns", "p", "staging", HashKey::new([1; 32]));
        assert_eq!(d.data, map(&[("A", "one-secret-value"), ("B", "two")]));
        assert_eq!((d.name.as_str(), d.namespace.as_str()), ("s", "ns"));
        assert_eq!(
            (d.project.as_str(), d.environment.as_str()),
            ("p", "staging")
        );
        let debug = format!("{d:?}");
        assert!(
            debug.contains("\"ns\"") && debug.contains("[\"A\", \"B\"]"),
            "{debug}"
        );
        assert!(
            !debug.contains("one-secret-value") && !debug.contains("two"),
            "{debug}"
        );
    }

    #[test]
    fn exactly_1_mib_of_data_is_allowed() {
        let value = "x".repeat(MAX_SECRET_BYTES - 1);
        assert_eq!(desired(&[("K", &value)]).size(), MAX_SECRET_BYTES);
        assert!(desired(&[("K", &value)]).check_size().is_ok());
    }

    #[test]
    fn stored_size_counts_labels_and_both_hash_annotations_twice() {
        let s = desired(&[("A", "1")]).stored_size();
        // A small map entry takes key + value + 6 bytes (tags and lengths).
        assert_eq!(s.data, 1 + 1 + 6);
        assert_eq!(s.fields, 2 * (1 + 8));
        // The fixed part; the labels managed-by=kubectl-kmcp (28 + 12), name=weather-server
        // (22 + 14), environment=staging (20 + 7); each hash annotation (20 or 24 + 64) twice.
        let labels = (28 + 12 + 6) + (22 + 14 + 6) + (20 + 7 + 6);
        assert_eq!(
            s.metadata,
            1024 + labels + 2 * ((20 + 64 + 6) + (24 + 64 + 6))
        );
        assert_eq!(s.total(), s.data + s.fields + s.metadata);
    }

    #[test]
    fn exactly_etcds_limit_is_allowed_one_byte_more_is_not() {
        // One key of L bytes: its entry is L + 13 bytes (3-byte lengths), its ownership records
        // 2 * (3 + 8), the metadata 1513 (see above): L + 1548 in all.
        let fits = "x".repeat(ETCD_REQUEST_LIMIT - 1548);
        let d = desired(&[("BIG", &fits)]);
        assert_eq!(d.stored_size().total(), ETCD_REQUEST_LIMIT);
        assert!(d.check_stored_size().is_ok());
        let over = desired(&[("BIG", &format!("{fits}x"))]);
        let err = over.check_stored_size().unwrap_err();
        assert!(
            err.contains(&format!("about {} bytes", ETCD_REQUEST_LIMIT + 1)),
            "{err}"
        );
        assert!(!err.contains("xxx"), "{err}");
    }

    #[test]
    fn label_values_are_valid_label_values() {
        assert_eq!(label_value("My Project! (v2)"), "My-Project---v2");
        assert_eq!(label_value("a_b.c-d"), "a_b.c-d");
        assert_eq!(label_value("-.x_-"), "x");
        assert_eq!(label_value("日本"), "");
        let long = label_value(&"ab".repeat(50));
        assert_eq!(long.len(), 63);
        assert!(long.starts_with("abab") && long.ends_with('a'));
    }

    #[test]
    fn changes_show_as_the_json_names() {
        for change in [
            Change::Added,
            Change::Changed,
            Change::Removed,
            Change::Unchanged,
        ] {
            assert_eq!(
                serde_json::to_value(change).unwrap(),
                serde_json::Value::from(change.to_string())
            );
        }
        assert_eq!(Change::Added.to_string(), "added");
    }

    #[test]
    fn diff_lists_and_counts_each_change() {
        let d = Diff::between(
            &map(&[("A", "1"), ("B", "new"), ("C", "3"), ("E", "5")]),
            &map(&[("B", "old"), ("C", "3"), ("D", "gone"), ("E", "5")]),
        );
        assert_eq!(d.with(Change::Added), ["A"]);
        assert_eq!(d.with(Change::Changed), ["B"]);
        assert_eq!(d.with(Change::Unchanged), ["C", "E"]);
        assert_eq!(d.count(Change::Unchanged), 2);
        assert_eq!(d.count(Change::Removed), 1);
        assert_eq!(d.count(Change::Added), 1);
    }

    #[test]
    fn owner_and_holder_name_the_other_tool() {
        let mut live = Secret::default();
        assert_eq!((owner_of(&live), holder_of(&live)), (None, None));
        live.metadata.owner_references = Some(vec![OwnerReference {
            api_version: "external-secrets.io/v1beta1".into(),
            kind: "ExternalSecret".into(),
            name: "weather".into(),
            uid: "u".into(),
            ..Default::default()
        }]);
        assert_eq!(
            owner_of(&live).as_deref(),
            Some("ExternalSecret/weather (external-secrets.io/v1beta1)")
        );
        assert_eq!(
            holder_of(&live).as_deref(),
            Some("ExternalSecret/weather (external-secrets.io/v1beta1) (owner reference)")
        );
    }

    #[test]
    fn each_refusal_says_why_and_what_to_do() {
        let held = Refusal::Held(ownership::Holder {
            tool: "External Secrets".into(),
            evidence: "field manager \"external-secrets\"".into(),
        });
        let msg = held.message("s", "ns");
        assert!(
            msg.starts_with("secret \"s\" in namespace \"ns\" is written by External Secrets (field manager \"external-secrets\")")
                && msg.contains("remove the Secret from External Secrets and re-run with --force"),
            "{msg}"
        );
        let wrong = Refusal::WrongType {
            type_: "kubernetes.io/tls".into(),
        };
        let msg = wrong.message("s", "ns");
        assert!(
            msg.contains("has type \"kubernetes.io/tls\", not Opaque"),
            "{msg}"
        );
        assert!(msg.contains("`kubectl delete secret s -n ns`"), "{msg}");
    }

    #[test]
    fn takeover_patch_drops_owner_references_only_when_there_are_some() {
        let d = desired(&[("A", "1")]);
        let mut live = Secret::default();
        let ops = takeover_patch(&d, &live, "1");
        assert_eq!(ops.as_array().unwrap().len(), 4, "{ops}");
        live.metadata.owner_references = Some(vec![]);
        assert_eq!(takeover_patch(&d, &live, "1").as_array().unwrap().len(), 4);
        live.metadata.owner_references = Some(vec![Default::default()]);
        let ops = takeover_patch(&d, &live, "1");
        assert_eq!(ops[4]["op"], "remove");
        assert_eq!(ops[4]["path"], "/metadata/ownerReferences");
        assert_eq!(ops[1]["value"]["A"], "MQ==");
        assert_eq!(ops[2]["value"][NAME_LABEL], "weather-server");
    }

    #[test]
    fn production_and_takeover_need_a_confirmation_too() {
        let none = Diff::between(&map(&[("A", "1")]), &map(&[("A", "1")]));
        assert!(confirmation_reasons("staging", &none, None).is_empty());
        assert_eq!(
            confirmation_reasons("prod", &none, Some("Helm")),
            [
                "write to the production environment \"prod\"",
                "take the Secret over from Helm"
            ]
        );
    }

    #[test]
    fn a_json_pointer_token_escapes_tilde_and_slash() {
        assert_eq!(pointer_token("a/b~c"), "a~1b~0c");
        assert_eq!(pointer_token("~1"), "~01");
        assert_eq!(pointer_token("KEY"), "KEY");
    }
}
