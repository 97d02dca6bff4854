//! kagent's `RemoteMCPServer` (`kagent.dev` v1alpha2/v1alpha3, the same spec in both): an MCP
//! server that agents reach over the network, with its credentials in Secrets of its namespace.
//! Its Secret references and its plain header values, read from a view of its spec. Pure.
use serde::Deserialize;
use serde_json::Value;

use crate::core::lenient::{self, Text, read};
use crate::core::mcpserver::{RefKind, SecretRef, in_parens, str_of};
use crate::core::plaintext::{self, Plain};

pub const GROUP: &str = "kagent.dev";
/// The storage version; v1alpha3 serves the same spec.
pub const VERSION: &str = "v1alpha2";
pub const KIND: &str = "RemoteMCPServer";
pub const PLURAL: &str = "remotemcpservers";
/// The CRD's name, and the resource as `kubectl auth can-i` spells it.
pub const CRD_NAME: &str = "remotemcpservers.kagent.dev";

/// What the reference and plaintext models read of a RemoteMCPServer's `spec`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Spec<'a> {
    #[serde(borrow, deserialize_with = "read")]
    headers_from: Vec<Header<'a>>,
    #[serde(borrow, deserialize_with = "read")]
    tls: Tls<'a>,
}

/// `headersFrom[]`: a plain `value`, or a `valueFrom` of a Secret or ConfigMap key.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Header<'a> {
    #[serde(borrow, deserialize_with = "read")]
    name: Text<'a>,
    #[serde(borrow, deserialize_with = "read")]
    value: Text<'a>,
    #[serde(borrow, deserialize_with = "read")]
    value_from: HeaderFrom<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct HeaderFrom<'a> {
    #[serde(borrow, rename = "type", deserialize_with = "read")]
    type_: Text<'a>,
    #[serde(borrow, deserialize_with = "read")]
    name: Text<'a>,
    #[serde(borrow, deserialize_with = "read")]
    key: Text<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Tls<'a> {
    #[serde(borrow, deserialize_with = "read")]
    ca_cert_secret_ref: Text<'a>,
    #[serde(borrow, deserialize_with = "read")]
    ca_cert_secret_key: Text<'a>,
}

crate::views!(Spec, Header, HeaderFrom, Tls);

impl<'a> Spec<'a> {
    /// The spec of a whole RemoteMCPServer object.
    pub fn of_object(object: &'a Value) -> Spec<'a> {
        lenient::of(&object["spec"])
    }
}

/// The Secret references of a RemoteMCPServer: `spec.headersFrom[].valueFrom` of `type: Secret`
/// (one key each) and `spec.tls.caCertSecretRef` with `caCertSecretKey`.
pub fn references(spec: &Spec) -> Vec<SecretRef> {
    let mut out = Vec::new();
    for (i, h) in spec.headers_from.iter().enumerate() {
        let from = &h.value_from;
        if from.type_.as_deref() != Some("Secret") {
            continue;
        }
        let (Some(name), Some(key)) = (str_of(&from.name), str_of(&from.key)) else {
            continue;
        };
        out.push(SecretRef {
            secret: name.to_string(),
            key: Some(key.to_string()),
            optional: false,
            via: format!("spec.headersFrom[{i}]{}.valueFrom", in_parens(&h.name)),
            kind: RefKind::Header,
        });
    }
    if let Some(name) = str_of(&spec.tls.ca_cert_secret_ref) {
        out.push(SecretRef {
            secret: name.to_string(),
            // Admission requires the key with the ref; without it the whole Secret is checked.
            key: str_of(&spec.tls.ca_cert_secret_key).map(str::to_string),
            optional: false,
            via: "spec.tls.caCertSecretRef".into(),
            kind: RefKind::CaCert,
        });
    }
    out
}

/// Credential-looking plain header values (`spec.headersFrom[].value`).
pub fn plaintext(spec: &Spec) -> Vec<Plain> {
    spec.headers_from
        .iter()
        .enumerate()
        .filter_map(|(i, h)| {
            let value = h.value.as_deref()?;
            plaintext::check(
                &format!("spec.headersFrom[{i}].value"),
                h.name.as_deref(),
                value,
            )
        })
        .collect()
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
        let spec = Spec::of_object(&v);
        let refs = references(&spec);
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
        let plain = plaintext(&spec);
        assert_eq!(plain.len(), 1);
        assert_eq!(plain[0].field, "spec.headersFrom[2].value");
        assert_eq!(plain[0].key.as_deref(), Some("X-Api-Key"));
    }
}
