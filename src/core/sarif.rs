//! The audit as SARIF 2.1.0 (`-o sarif`), for code-scanning tools: one rule per finding kind,
//! one result per finding that is not `ok`, each with a logical location
//! `context/namespace/kind/name` and, when the project directory (`-d`) has a kmcp.yaml, a
//! physical location in it (the line of the environment that syncs the Secret, else the file).
//! Pure: builds a JSON value ([`document`]), or serializes the same document straight from the
//! findings ([`Log`]).
use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};

use crate::core::Severity;
use crate::core::findings::{Finding, Issue, ProjectContext, Status};

/// The SARIF schema this output follows.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The tool's home page.
const INFORMATION_URI: &str = "https://github.com/kubectl-kmcp/kubectl-kmcp";
/// The base id of kmcp.yaml's folder in `originalUriBaseIds`.
pub const PROJECT_BASE: &str = "PROJECTDIR";

/// One rule: a finding kind, its default level and what to do about it.
pub struct Rule {
    pub id: &'static str,
    pub name: &'static str,
    pub level: Severity,
    pub short: &'static str,
    pub help: &'static str,
}

/// Every rule, in the order of docs/audit.md.
pub const RULES: [Rule; 9] = [
    Rule {
        id: "missing-secret",
        name: "MissingSecret",
        level: Severity::Error,
        short: "A referenced Secret does not exist in the server's namespace",
        help: "Create the Secret: `kubectl kmcp secrets sync ENV` for env Secrets, `kubectl create secret docker-registry` for image pull Secrets, `kubectl create secret tls` for TLS Secrets.",
    },
    Rule {
        id: "missing-key",
        name: "MissingKey",
        level: Severity::Error,
        short: "A referenced or required key is missing from the Secret",
        help: "Add the key (sync the environment's .env file, or recreate a TLS Secret with `kubectl create secret tls`), or fix the reference.",
    },
    Rule {
        id: "namespace-mismatch",
        name: "NamespaceMismatch",
        level: Severity::Error,
        short: "The Secret exists, or is synced, only in another namespace",
        help: "Create the Secret in the server's namespace (set `namespace:` for the environment in kmcp.yaml), or move the server.",
    },
    Rule {
        id: "wrong-type",
        name: "WrongSecretType",
        level: Severity::Error,
        short: "An image pull Secret is not of type kubernetes.io/dockerconfigjson",
        help: "Recreate it with `kubectl create secret docker-registry NAME --docker-server=... --docker-username=... --docker-password=...`.",
    },
    Rule {
        id: "forbidden",
        name: "SecretNotReadable",
        level: Severity::Warning,
        short: "The auditing user may not read the Secret",
        help: "Run the audit as a user who may `get` the referenced Secrets; the message has the `kubectl auth can-i` line.",
    },
    Rule {
        id: "unmanaged-secret",
        name: "UnmanagedSecret",
        level: Severity::Warning,
        short: "The Secret exists but no tool manages it",
        help: "Manage it with `kubectl kmcp secrets sync ENV` (or another tool that labels it app.kubernetes.io/managed-by).",
    },
    Rule {
        id: "plaintext-secret",
        name: "PlaintextSecret",
        level: Severity::Error,
        short: "A credential-looking value in plain text in the server's spec",
        help: "Move the value to the environment's .env file, sync it into a Secret, and reference the Secret (secretRefs, or valueFrom for a RemoteMCPServer header).",
    },
    Rule {
        id: "effective-reader",
        name: "EffectiveSecretReader",
        level: Severity::Warning,
        short: "A subject can read the namespace's Secrets by creating workloads",
        help: "Remove create/patch rights on pods, workloads and MCPServers from the subject, or keep these Secrets in a namespace it cannot deploy into.",
    },
    Rule {
        id: "unreachable",
        name: "ClusterUnreachable",
        level: Severity::Error,
        short: "A cluster of the fleet could not be audited",
        help: "Check the context with `kubectl --context CONTEXT cluster-info`.",
    },
];

/// The rule of a reference finding: its status, or `unmanaged-secret` for an `ok` warning.
pub fn rule_of(f: &Finding) -> &'static str {
    match f.status {
        Status::Ok => "unmanaged-secret",
        s => s.as_str(),
    }
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Ok => "note",
    }
}

/// What the SARIF document needs besides the findings.
pub struct Meta<'a> {
    pub tool_version: &'a str,
    /// The project directory as a `file://` URI ending in `/`, with `-d`.
    pub project_uri: Option<String>,
    pub project: &'a ProjectContext,
}

/// The whole SARIF log as a JSON value (what [`Log`] writes without building it).
pub fn document(findings: &[Finding], issues: &[Issue], meta: &Meta<'_>) -> Value {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.name,
                "shortDescription": {"text": r.short},
                "help": {"text": r.help},
                "defaultConfiguration": {"level": level(r.level)},
            })
        })
        .collect();
    let index = |id: &str| RULES.iter().position(|r| r.id == id).unwrap_or(0);
    let mut results = Vec::new();
    for f in findings.iter().filter(|f| f.severity != Severity::Ok) {
        let id = rule_of(f);
        let logical = logical(f.context.as_deref(), &f.namespace, f.server_kind, &f.server);
        results.push(result(
            id,
            index(id),
            f.severity,
            &format!("{} {}: {}", logical, f.via, f.message),
            &logical,
            physical(meta, Some(&f.secret)),
        ));
    }
    for i in issues.iter().filter(|i| i.severity != Severity::Ok) {
        let id = i.status.as_str();
        let logical = logical(i.context.as_deref(), &i.namespace, &i.kind, &i.name);
        results.push(result(
            id,
            index(id),
            i.severity,
            &format!("{logical}: {}", i.message),
            &logical,
            physical(meta, None),
        ));
    }
    let mut run = json!({
        "tool": {"driver": {
            "name": "kubectl-kmcp",
            "version": meta.tool_version,
            "informationUri": INFORMATION_URI,
            "rules": rules,
        }},
        "results": results,
    });
    if let Some(uri) = &meta.project_uri {
        run["originalUriBaseIds"] = json!({PROJECT_BASE: {"uri": uri}});
    }
    json!({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]})
}

/// The SARIF log as [`document`] builds it, but serialized straight from the findings, one
/// result at a time: a large audit's document is never held in memory. Serialized, it is
/// byte for byte [`document`]'s JSON (the same keys, in the same sorted order).
pub struct Log<'a> {
    pub findings: &'a [Finding],
    pub issues: &'a [Issue],
    pub meta: &'a Meta<'a>,
}

#[derive(Serialize)]
struct LogDoc<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    runs: [RunDoc<'a>; 1],
    version: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RunDoc<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    original_uri_base_ids: Option<BTreeMap<&'static str, UriDoc<'a>>>,
    results: Results<'a>,
    tool: ToolDoc<'a>,
}

#[derive(Serialize)]
struct UriDoc<'a> {
    uri: &'a str,
}

#[derive(Serialize)]
struct ToolDoc<'a> {
    driver: DriverDoc<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DriverDoc<'a> {
    information_uri: &'static str,
    name: &'static str,
    rules: Vec<RuleDoc>,
    version: &'a str,
}

#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
}

#[derive(Serialize)]
struct Level {
    level: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RuleDoc {
    default_configuration: Level,
    help: Text<'static>,
    id: &'static str,
    name: &'static str,
    short_description: Text<'static>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultDoc<'a> {
    level: &'static str,
    locations: [LocationDoc; 1],
    message: Text<'a>,
    rule_id: &'a str,
    rule_index: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LocationDoc {
    logical_locations: [LogicalDoc; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    physical_location: Option<PhysicalDoc>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalDoc {
    fully_qualified_name: String,
    kind: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalDoc {
    artifact_location: ArtifactDoc,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<RegionDoc>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactDoc {
    uri: String,
    uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RegionDoc {
    start_line: u32,
}

/// The results, made one at a time as the sequence is written.
struct Results<'a> {
    log: &'a Log<'a>,
}

impl Serialize for Results<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let Log {
            findings,
            issues,
            meta,
        } = self.log;
        let index = |id: &str| RULES.iter().position(|r| r.id == id).unwrap_or(0);
        let mut seq = s.serialize_seq(None)?;
        for f in findings.iter().filter(|f| f.severity != Severity::Ok) {
            let id = rule_of(f);
            let logical = logical(f.context.as_deref(), &f.namespace, f.server_kind, &f.server);
            let text = format!("{} {}: {}", logical, f.via, f.message);
            seq.serialize_element(&result_doc(
                id,
                index(id),
                f.severity,
                &text,
                logical,
                physical_doc(meta, Some(&f.secret)),
            ))?;
        }
        for i in issues.iter().filter(|i| i.severity != Severity::Ok) {
            let id = i.status.as_str();
            let logical = logical(i.context.as_deref(), &i.namespace, &i.kind, &i.name);
            let text = format!("{logical}: {}", i.message);
            seq.serialize_element(&result_doc(
                id,
                index(id),
                i.severity,
                &text,
                logical,
                physical_doc(meta, None),
            ))?;
        }
        seq.end()
    }
}

fn result_doc<'a>(
    id: &'a str,
    index: usize,
    severity: Severity,
    text: &'a str,
    logical: String,
    physical: Option<PhysicalDoc>,
) -> ResultDoc<'a> {
    ResultDoc {
        level: level(severity),
        locations: [LocationDoc {
            logical_locations: [LogicalDoc {
                fully_qualified_name: logical,
                kind: "resource",
            }],
            physical_location: physical,
        }],
        message: Text { text },
        rule_id: id,
        rule_index: index,
    }
}

/// kmcp.yaml, at the line of the environment that syncs `secret` when there is one.
fn physical_doc(meta: &Meta<'_>, secret: Option<&str>) -> Option<PhysicalDoc> {
    meta.project_uri.as_ref()?;
    let manifest = meta.project.manifest.as_deref()?;
    let line = secret
        .and_then(|s| meta.project.environments_of(s).first().map(|e| e.line))
        .filter(|l| *l > 0);
    Some(PhysicalDoc {
        artifact_location: ArtifactDoc {
            uri: manifest.to_string(),
            uri_base_id: PROJECT_BASE,
        },
        region: line.map(|start_line| RegionDoc { start_line }),
    })
}

impl Serialize for Log<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let rules = RULES
            .iter()
            .map(|r| RuleDoc {
                default_configuration: Level {
                    level: level(r.level),
                },
                help: Text { text: r.help },
                id: r.id,
                name: r.name,
                short_description: Text { text: r.short },
            })
            .collect();
        LogDoc {
            schema: SCHEMA,
            runs: [RunDoc {
                original_uri_base_ids: self
                    .meta
                    .project_uri
                    .as_deref()
                    .map(|uri| BTreeMap::from([(PROJECT_BASE, UriDoc { uri })])),
                results: Results { log: self },
                tool: ToolDoc {
                    driver: DriverDoc {
                        information_uri: INFORMATION_URI,
                        name: "kubectl-kmcp",
                        rules,
                        version: self.meta.tool_version,
                    },
                },
            }],
            version: "2.1.0",
        }
        .serialize(s)
    }
}

/// `context/namespace/kind/name` (`-` for an unknown context or a cluster-wide finding).
fn logical(context: Option<&str>, namespace: &str, kind: &str, name: &str) -> String {
    let or_dash = |s: &str| {
        if s.is_empty() {
            "-".to_string()
        } else {
            s.to_string()
        }
    };
    format!(
        "{}/{}/{kind}/{name}",
        or_dash(context.unwrap_or_default()),
        or_dash(namespace)
    )
}

/// kmcp.yaml, at the line of the environment that syncs `secret` when there is one.
fn physical(meta: &Meta<'_>, secret: Option<&str>) -> Option<Value> {
    meta.project_uri.as_ref()?;
    let manifest = meta.project.manifest.as_deref()?;
    let line = secret
        .and_then(|s| meta.project.environments_of(s).first().map(|e| e.line))
        .filter(|l| *l > 0);
    let mut loc = json!({"artifactLocation": {"uri": manifest, "uriBaseId": PROJECT_BASE}});
    if let Some(line) = line {
        loc["region"] = json!({"startLine": line});
    }
    Some(loc)
}

fn result(
    id: &str,
    index: usize,
    severity: Severity,
    text: &str,
    logical: &str,
    physical: Option<Value>,
) -> Value {
    let mut location =
        json!({"logicalLocations": [{"fullyQualifiedName": logical, "kind": "resource"}]});
    if let Some(p) = physical {
        location["physicalLocation"] = p;
    }
    json!({
        "ruleId": id,
        "ruleIndex": index,
        "level": level(severity),
        "message": {"text": text},
        "locations": [location],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::findings::ProjectSecret;

    fn finding(status: Status, severity: Severity) -> Finding {
        Finding {
            context: Some("prod".into()),
            server_kind: "MCPServer",
            namespace: "a".into(),
            server: "web".into(),
            via: "spec.deployment.secretRefs[0]".into(),
            secret: "web-secrets".into(),
            key: None,
            status,
            severity,
            message: "m".into(),
            manager: None,
            last_change: None,
        }
    }

    #[test]
    fn one_rule_per_kind_and_results_only_for_problems() {
        let ids: std::collections::BTreeSet<&str> = RULES.iter().map(|r| r.id).collect();
        assert_eq!(ids.len(), RULES.len());
        for s in Status::ALL.iter().filter(|s| **s != Status::Ok) {
            assert!(ids.contains(s.as_str()), "{s:?} has no rule");
        }
        let project = ProjectContext {
            manifest: Some("kmcp.yaml".into()),
            secrets: vec![ProjectSecret {
                environment: "prod".into(),
                secret: "web-secrets".into(),
                namespace: None,
                line: 7,
            }],
            ..Default::default()
        };
        let meta = Meta {
            tool_version: "0.1.0",
            project_uri: Some("file:///p/".into()),
            project: &project,
        };
        let doc = document(
            &[
                finding(Status::Ok, Severity::Ok),
                finding(Status::Ok, Severity::Warning),
                finding(Status::MissingSecret, Severity::Error),
            ],
            &[],
            &meta,
        );
        let results = doc["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), 2);
        assert_eq!(results[0]["ruleId"], "unmanaged-secret");
        assert_eq!(results[1]["ruleId"], "missing-secret");
        assert_eq!(results[1]["level"], "error");
        let loc = &results[1]["locations"][0];
        assert_eq!(
            loc["logicalLocations"][0]["fullyQualifiedName"],
            "prod/a/MCPServer/web"
        );
        assert_eq!(loc["physicalLocation"]["region"]["startLine"], 7);
        assert_eq!(
            doc["runs"][0]["originalUriBaseIds"][PROJECT_BASE]["uri"],
            "file:///p/"
        );
        // Streamed, the same bytes.
        let log = Log {
            findings: &[
                finding(Status::Ok, Severity::Ok),
                finding(Status::Ok, Severity::Warning),
                finding(Status::MissingSecret, Severity::Error),
            ],
            issues: &[],
            meta: &meta,
        };
        assert_eq!(
            serde_json::to_string_pretty(&log).unwrap(),
            serde_json::to_string_pretty(&doc).unwrap()
        );
        let bare = Meta {
            project_uri: None,
            ..meta
        };
        let issue = crate::core::findings::issues::unreachable("down", "refused");
        let issues = [issue];
        assert_eq!(
            serde_json::to_string_pretty(&Log {
                findings: &[],
                issues: &issues,
                meta: &bare
            })
            .unwrap(),
            serde_json::to_string_pretty(&document(&[], &issues, &bare)).unwrap()
        );
        let idx = results[1]["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(
            doc["runs"][0]["tool"]["driver"]["rules"][idx]["id"],
            "missing-secret"
        );
    }
}
