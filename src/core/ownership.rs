//! Whose Secret is it: the tools that write Secrets, recognised by what they leave on them (owner
//! references, field managers, labels, annotations). `secrets sync` refuses to write a Secret
//! another tool writes unless `--force`: that tool would overwrite the sync on its next reconcile
//! (or the sync would overwrite what the tool fetched from a vault).
//!
//! Pure: reads a Secret, returns data.
use k8s_openapi::api::core::v1::Secret;

/// One tool that writes Secrets, and its marks.
struct Tool {
    name: &'static str,
    /// Lower-case parts of the field manager names it writes with (`managedFields[].manager`).
    managers: &'static [&'static str],
    /// Prefixes of the annotation and label keys it sets.
    keys: &'static [&'static str],
    /// Values of `app.kubernetes.io/managed-by` it sets (compared lower-case).
    managed_by: &'static [&'static str],
}

const TOOLS: &[Tool] = &[
    Tool {
        name: "External Secrets",
        managers: &["external-secrets"],
        keys: &["reconcile.external-secrets.io/", "external-secrets.io/"],
        managed_by: &["external-secrets"],
    },
    Tool {
        name: "Sealed Secrets",
        managers: &["sealed-secrets", "sealedsecrets"],
        keys: &["sealedsecrets.bitnami.com/"],
        managed_by: &["sealed-secrets"],
    },
    Tool {
        name: "Infisical",
        managers: &["infisical"],
        keys: &["secrets.infisical.com/"],
        managed_by: &["infisical"],
    },
    Tool {
        name: "Doppler",
        managers: &["doppler"],
        keys: &["secrets.doppler.com/"],
        managed_by: &["doppler"],
    },
    Tool {
        name: "1Password",
        managers: &["onepassword", "1password"],
        keys: &["operator.1password.io/"],
        managed_by: &["onepassword", "1password"],
    },
    Tool {
        name: "Vault",
        managers: &["vault"],
        keys: &[
            "secrets.hashicorp.com/",
            "vault.hashicorp.com/",
            "vault.security.banzaicloud.io/",
        ],
        managed_by: &["hashicorp-vso", "vault"],
    },
    Tool {
        name: "Helm",
        managers: &["helm"],
        keys: &["meta.helm.sh/"],
        managed_by: &["helm"],
    },
    Tool {
        name: "cert-manager",
        managers: &["cert-manager"],
        keys: &["cert-manager.io/"],
        managed_by: &["cert-manager"],
    },
    Tool {
        name: "the service-account token controller",
        managers: &[],
        keys: &["kubernetes.io/service-account."],
        managed_by: &[],
    },
];

/// Another tool's hold on a Secret: the tool and what shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// `External Secrets`, or `Kind/name (apiVersion)` of owner references.
    pub tool: String,
    /// What shows it: `owner reference`, `field manager "external-secrets"`, `annotation
    /// reconcile.external-secrets.io/data-hash`, `label owner=helm`.
    pub evidence: String,
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.tool, self.evidence)
    }
}

/// `Kind/name (apiVersion)` of the Secret's owner references, if any.
pub fn owner_references(live: &Secret) -> Option<String> {
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

/// The tool that writes this Secret, if another one does: an owner reference first, else the
/// field managers, labels and annotations of the tools in `TOOLS`.
pub fn holder(live: &Secret) -> Option<Holder> {
    if let Some(owners) = owner_references(live) {
        return Some(Holder {
            tool: owners,
            evidence: "owner reference".into(),
        });
    }
    let meta = &live.metadata;
    for m in meta.managed_fields.iter().flatten() {
        let Some(manager) = m.manager.as_deref() else {
            continue;
        };
        let lower = manager.to_ascii_lowercase();
        if let Some(t) = TOOLS
            .iter()
            .find(|t| t.managers.iter().any(|p| lower.contains(p)))
        {
            return Some(Holder {
                tool: t.name.into(),
                evidence: format!("field manager {manager:?}"),
            });
        }
    }
    let labels = meta.labels.iter().flatten();
    let annotations = meta.annotations.iter().flatten();
    for (kind, (k, v)) in labels
        .map(|kv| ("label", kv))
        .chain(annotations.map(|kv| ("annotation", kv)))
    {
        if let Some(t) = TOOLS
            .iter()
            .find(|t| t.keys.iter().any(|p| k.starts_with(p)))
        {
            return Some(Holder {
                tool: t.name.into(),
                evidence: format!("{kind} {k}"),
            });
        }
        let value = v.to_ascii_lowercase();
        let by_value = match (kind, k.as_str()) {
            ("label", "app.kubernetes.io/managed-by") => TOOLS
                .iter()
                .find(|t| t.managed_by.iter().any(|m| value == *m)),
            // Helm's own release records.
            ("label", "owner") if value == "helm" => TOOLS.iter().find(|t| t.name == "Helm"),
            _ => None,
        };
        if let Some(t) = by_value {
            return Some(Holder {
                tool: t.name.into(),
                evidence: format!("{kind} {k}={v}"),
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ManagedFieldsEntry, OwnerReference};
    use std::collections::BTreeMap;

    fn with_manager(manager: &str) -> Secret {
        let mut s = Secret::default();
        s.metadata.managed_fields = Some(vec![
            ManagedFieldsEntry {
                manager: Some("kubectl-kmcp".into()),
                ..Default::default()
            },
            ManagedFieldsEntry {
                manager: Some(manager.into()),
                ..Default::default()
            },
        ]);
        s
    }

    #[test]
    fn only_helms_owner_label_marks_a_helm_release() {
        let labelled = |value: &str| {
            let mut s = Secret::default();
            s.metadata.labels = Some(BTreeMap::from([("owner".to_string(), value.to_string())]));
            s
        };
        let h = holder(&labelled("helm")).expect("owner=helm is Helm's release record");
        assert_eq!(
            (h.tool.as_str(), h.evidence.as_str()),
            ("Helm", "label owner=helm")
        );
        assert_eq!(
            holder(&labelled("team-a")),
            None,
            "another owner is no tool"
        );
    }

    #[test]
    fn field_managers_of_secret_tools_are_recognised() {
        for (manager, tool) in [
            ("external-secrets", "External Secrets"),
            ("sealed-secrets-controller", "Sealed Secrets"),
            ("infisical-operator", "Infisical"),
            ("doppler-kubernetes-operator", "Doppler"),
            ("onepassword-connect-operator", "1Password"),
            ("vault-secrets-operator", "Vault"),
            ("helm", "Helm"),
            ("cert-manager-certificates-issuing", "cert-manager"),
        ] {
            let h = holder(&with_manager(manager)).unwrap_or_else(|| panic!("{manager}"));
            assert_eq!(h.tool, tool);
            assert!(h.evidence.contains(manager), "{h}");
        }
        for ours in [
            "kubectl-kmcp",
            "kubectl-create",
            "kubectl-client-side-apply",
            "kmcp",
        ] {
            assert_eq!(holder(&with_manager(ours)), None, "{ours}");
        }
    }

    #[test]
    fn labels_annotations_and_owner_references_are_recognised() {
        let mut s = Secret::default();
        s.metadata.annotations = Some(BTreeMap::from([(
            "reconcile.external-secrets.io/data-hash".to_string(),
            "x".to_string(),
        )]));
        let h = holder(&s).unwrap();
        assert_eq!(h.tool, "External Secrets");
        assert_eq!(
            h.evidence,
            "annotation reconcile.external-secrets.io/data-hash"
        );
        let mut s = Secret::default();
        s.metadata.labels = Some(BTreeMap::from([("owner".to_string(), "helm".to_string())]));
        assert_eq!(holder(&s).unwrap().to_string(), "Helm (label owner=helm)");
        s.metadata.labels = Some(BTreeMap::from([(
            "app.kubernetes.io/managed-by".to_string(),
            "Helm".to_string(),
        )]));
        assert_eq!(holder(&s).unwrap().tool, "Helm");
        s.metadata.labels = None;
        s.metadata.annotations = Some(BTreeMap::from([(
            "kubernetes.io/service-account.name".to_string(),
            "default".to_string(),
        )]));
        assert!(holder(&s).unwrap().tool.contains("service-account"));
        s.metadata.owner_references = Some(vec![OwnerReference {
            api_version: "bitnami.com/v1alpha1".into(),
            kind: "SealedSecret".into(),
            name: "w".into(),
            uid: "u".into(),
            ..Default::default()
        }]);
        assert_eq!(
            holder(&s).unwrap().tool,
            "SealedSecret/w (bitnami.com/v1alpha1)"
        );
        // kubectl-kmcp's own marks are not another tool's.
        let mut s = Secret::default();
        s.metadata.labels = Some(BTreeMap::from([(
            "app.kubernetes.io/managed-by".to_string(),
            "kubectl-kmcp".to_string(),
        )]));
        s.metadata.annotations = Some(BTreeMap::from([(
            "kmcp.dev/secret-hash".to_string(),
            "x".to_string(),
        )]));
        assert_eq!(holder(&s), None);
    }
}
