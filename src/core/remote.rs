//! kagent's `RemoteMCPServer` (`kagent.dev` v1alpha2/v1alpha3, the same spec in both): an MCP
//! server that agents reach over the network, with its credentials in Secrets of its namespace.
//! Its Secret references and its plain header values, read from the object as JSON. Pure.
use serde_json::Value;

use crate::core::mcpserver::{RefKind, SecretRef};
use crate::core::plaintext::{self, Plain};

pub const GROUP: &str = "kagent.dev";
/// The storage version; v1alpha3 serves the same spec.
pub const VERSION: &str = "v1alpha2";
pub const KIND: &str = "RemoteMCPServer";
pub const PLURAL: &str = "remotemcpservers";
/// The CRD's name, and the resource as `kubectl auth can-i` spells it.
pub const CRD_NAME: &str = "remotemcpservers.kagent.dev";

/// The Secret references of a RemoteMCPServer: `spec.headersFrom[].valueFrom` of `type: Secret`
/// (one key each) and `spec.tls.caCertSecretRef` with `caCertSecretKey`.
pub fn references(server: &Value) -> Vec<SecretRef> {
    let spec = &server["spec"];
    let mut out = Vec::new();
    for (i, h) in spec["headersFrom"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let from = &h["valueFrom"];
        if from["type"].as_str() != Some("Secret") {
            continue;
        }
        let (Some(name), Some(key)) = (non_empty(&from["name"]), non_empty(&from["key"])) else {
            continue;
        };
        let header = non_empty(&h["name"])
            .map(|n| format!("({n})"))
            .unwrap_or_default();
        out.push(SecretRef {
            secret: name.to_string(),
            key: Some(key.to_string()),
            optional: false,
            via: format!("spec.headersFrom[{i}]{header}.valueFrom"),
            kind: RefKind::Header,
        });
    }
    let tls = &spec["tls"];
    if let Some(name) = non_empty(&tls["caCertSecretRef"]) {
        out.push(SecretRef {
            secret: name.to_string(),
            // Admission requires the key with the ref; without it the whole Secret is checked.
            key: non_empty(&tls["caCertSecretKey"]).map(str::to_string),
            optional: false,
            via: "spec.tls.caCertSecretRef".into(),
            kind: RefKind::CaCert,
        });
    }
    out
}

/// Credential-looking plain header values (`spec.headersFrom[].value`).
pub fn plaintext(server: &Value) -> Vec<Plain> {
    server["spec"]["headersFrom"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, h)| {
            let value = h["value"].as_str()?;
            plaintext::check(
                &format!("spec.headersFrom[{i}].value"),
                h["name"].as_str(),
                value,
            )
        })
        .collect()
}

fn non_empty(v: &Value) -> Option<&str> {
    v.as_str().filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn header_secrets_and_the_ca_bundle_are_references() {
        let v = json!({"spec": {
            "url": "https://mcp.example.com/mcp",
            "headersFrom": [
                {"name": "Authorization", "valueFrom": {"type": "Secret", "name": "auth", "key": "token"}},
                {"name": "X-Team", "valueFrom": {"type": "ConfigMap", "name": "cm", "key": "team"}},
                {"name": "X-Api-Key", "value": "abcdefghijklmnop1234"},
                {"name": "X-Plain", "value": "hello"}
            ],
            "tls": {"caCertSecretRef": "ca", "caCertSecretKey": "ca.crt"}
        }});
        let refs = references(&v);
        let got: Vec<(&str, Option<&str>, &str, RefKind)> = refs
            .iter()
            .map(|r| (r.secret.as_str(), r.key.as_deref(), r.via.as_str(), r.kind))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "auth",
                    Some("token"),
                    "spec.headersFrom[0](Authorization).valueFrom",
                    RefKind::Header
                ),
                (
                    "ca",
                    Some("ca.crt"),
                    "spec.tls.caCertSecretRef",
                    RefKind::CaCert
                ),
            ]
        );
        let plain = plaintext(&v);
        assert_eq!(plain.len(), 1);
        assert_eq!(plain[0].field, "spec.headersFrom[2].value");
        assert_eq!(plain[0].key.as_deref(), Some("X-Api-Key"));
    }
}
