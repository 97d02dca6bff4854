//! Credentials written in plain text into a server's spec: `spec.deployment.env` (a map of plain
//! strings), `cmd`/`args`, sidecars' `env[].value`, `command` and `args`, and a RemoteMCPServer's
//! `headersFrom[].value`. Each hit names the field and the key, never the value. Pure.
//!
//! Two strengths:
//! - the value itself looks like a credential (a well-known token prefix, a JWT, a private-key
//!   block, a URL with a password, a `Bearer` header): `Strength::Value`;
//! - only the key's name says so (`*_API_KEY`, `*_TOKEN`, `*PASSWORD*`, `*SECRET*`, ...) and the
//!   value is not trivial (not empty, short, a placeholder, a `$(VAR)` reference or a path):
//!   `Strength::Name`.
use crate::core::lenient::Text;
use crate::core::mcpserver::{Container, Spec};

/// How sure the detector is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strength {
    /// The value has the shape of a credential.
    Value,
    /// Only the key's name suggests one.
    Name,
}

/// One credential-looking value in a spec: where it is and why it looks like one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plain {
    /// The field: `spec.deployment.env`, `spec.deployment.sidecars[0](proxy).args[2]`, ...
    pub field: String,
    /// The env key, flag or header name; `None` for a bare command argument.
    pub key: Option<String>,
    /// What it looks like: `an OpenAI-style key (sk-...)`, `its name`, ...
    pub reason: &'static str,
    pub strength: Strength,
}

/// Token prefixes of well-known providers, with the description shown (never the value).
const PREFIXES: [(&str, &str); 14] = [
    ("sk-", "an API key (sk-...)"),
    ("sk_live_", "a Stripe live key (sk_live_...)"),
    ("rk_live_", "a Stripe restricted key (rk_live_...)"),
    ("ghp_", "a GitHub token (ghp_...)"),
    ("gho_", "a GitHub token (gho_...)"),
    ("ghs_", "a GitHub token (ghs_...)"),
    ("ghu_", "a GitHub token (ghu_...)"),
    ("github_pat_", "a GitHub token (github_pat_...)"),
    ("glpat-", "a GitLab token (glpat-...)"),
    ("xoxb-", "a Slack token (xoxb-...)"),
    ("xoxp-", "a Slack token (xoxp-...)"),
    ("xapp-", "a Slack token (xapp-...)"),
    ("AIza", "a Google API key (AIza...)"),
    ("hf_", "a Hugging Face token (hf_...)"),
];

/// Why `value` itself looks like a credential, if it does.
pub fn value_reason(value: &str) -> Option<&'static str> {
    let v = value.trim();
    let tokenish = |rest: &str| {
        rest.len() >= 12
            && rest
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    };
    for (prefix, what) in PREFIXES {
        if let Some(rest) = v.strip_prefix(prefix)
            && tokenish(rest)
        {
            return Some(what);
        }
    }
    for prefix in ["AKIA", "ASIA"] {
        if let Some(rest) = v.strip_prefix(prefix)
            && rest.len() == 16
            && rest
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        {
            return Some("an AWS access key id (AKIA...)");
        }
    }
    if v.contains("-----BEGIN") && v.contains("PRIVATE KEY") {
        return Some("a private key block");
    }
    if is_jwt(v) {
        return Some("a JWT");
    }
    if url_has_password(v) {
        return Some("a URL with a password");
    }
    let lower = v.to_ascii_lowercase();
    for scheme in ["bearer ", "basic ", "token "] {
        if let Some(rest) = lower.strip_prefix(scheme)
            && tokenish(rest.trim())
        {
            return Some("an Authorization header value");
        }
    }
    None
}

/// `xxx.yyy.zzz` with base64url parts and a JSON header (`eyJ`).
fn is_jwt(v: &str) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    parts.len() == 3
        && v.starts_with("eyJ")
        && parts[1].len() >= 4
        && parts.iter().all(|p| {
            p.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '=')
        })
}

/// `scheme://user:password@host...` with a non-empty password that is not a `$(VAR)` reference.
fn url_has_password(v: &str) -> bool {
    let Some((_, rest)) = v.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let Some((userinfo, _host)) = authority.rsplit_once('@') else {
        return false;
    };
    match userinfo.split_once(':') {
        Some((_, password)) => !password.is_empty() && !is_reference(password),
        None => false,
    }
}

/// `$(VAR)` or `${VAR}`: Kubernetes or shell expansion of another variable, not a value.
fn is_reference(v: &str) -> bool {
    (v.starts_with("$(") && v.ends_with(')')) || (v.starts_with("${") && v.ends_with('}'))
}

/// Whether a key (env name, flag, header) names a credential: `*_API_KEY`, `*_TOKEN`,
/// `*PASSWORD*`, `*SECRET*`, ... Flags and headers are compared as `API_KEY` would be.
pub fn credential_name(key: &str) -> bool {
    let k: String = key
        .trim_start_matches('-')
        .chars()
        .map(|c| {
            if c == '-' || c == '.' {
                '_'
            } else {
                c.to_ascii_uppercase()
            }
        })
        .collect();
    // Names that mention a credential without holding one.
    let harmless = [
        "_FILE",
        "_PATH",
        "_NAME",
        "_REF",
        "_URL",
        "_ENDPOINT",
        "_HEADER",
    ];
    if harmless.iter().any(|h| k.ends_with(h)) {
        return false;
    }
    k.contains("PASSWORD")
        || k.contains("PASSWD")
        || k.contains("SECRET")
        || k.contains("PRIVATE_KEY")
        || k.contains("CREDENTIAL")
        || k == "AUTHORIZATION"
        || k == "TOKEN"
        || k == "APIKEY"
        || k == "API_KEY"
        || k.ends_with("_TOKEN")
        || k.ends_with("_API_KEY")
        || k.ends_with("_APIKEY")
        || k.ends_with("_ACCESS_KEY")
        || k.ends_with("_AUTH")
}

/// A value worth flagging under a credential name: long enough, not a placeholder, not a
/// reference to another variable, not a path or a boolean.
fn non_trivial(value: &str) -> bool {
    let v = value.trim();
    let lower = v.to_ascii_lowercase();
    let placeholders = [
        "changeme",
        "change-me",
        "replace-me",
        "placeholder",
        "redacted",
        "xxxxxxxx",
        "<secret>",
        "your-api-key",
        "true",
        "false",
    ];
    v.chars().count() >= 8
        && !is_reference(v)
        && !v.starts_with('/')
        && !v.starts_with("./")
        && !v.starts_with('<')
        && !placeholders.contains(&lower.as_str())
        && v.chars().collect::<std::collections::BTreeSet<_>>().len() > 2
}

/// The verdict on one key/value pair, if it looks like a credential.
pub fn check(field: &str, key: Option<&str>, value: &str) -> Option<Plain> {
    let plain = |reason, strength| Plain {
        field: field.to_string(),
        key: key.map(str::to_string),
        reason,
        strength,
    };
    if let Some(reason) = value_reason(value) {
        return Some(plain(reason, Strength::Value));
    }
    match key {
        Some(k) if credential_name(k) && non_trivial(value) => {
            Some(plain("its name says it is a credential", Strength::Name))
        }
        _ => None,
    }
}

/// A command line: `--flag=value`, `--flag value` and bare arguments.
fn scan_args(field: &str, args: &[&str], out: &mut Vec<Plain>) {
    for (i, arg) in args.iter().enumerate() {
        let at = format!("{field}[{i}]");
        let hit = if arg.starts_with('-')
            && let Some((flag, value)) = arg.split_once('=')
        {
            check(&at, Some(flag), value)
        } else if i > 0 && args[i - 1].starts_with("--") && !args[i - 1].contains('=') {
            check(&at, Some(args[i - 1]), arg)
        } else {
            check(&at, None, arg)
        };
        out.extend(hit);
    }
}

/// The strings of a list (other items skipped).
fn strings<'t>(list: &'t [Text]) -> Vec<&'t str> {
    list.iter().filter_map(|t| t.as_deref()).collect()
}

/// A container's `env[].value`, `command` and `args` (a sidecar).
fn scan_container(c: &Container, base: &str, out: &mut Vec<Plain>) {
    for (i, e) in c.env.iter().enumerate() {
        if let (Some(name), Some(value)) = (e.name.as_deref(), e.value.as_deref()) {
            out.extend(check(&format!("{base}.env[{i}]"), Some(name), value));
        }
    }
    scan_args(&format!("{base}.command"), &strings(&c.command), out);
    scan_args(&format!("{base}.args"), &strings(&c.args), out);
}

/// Every credential-looking plain value of an MCPServer's spec.
pub fn scan_mcpserver(spec: &Spec) -> Vec<Plain> {
    let mut out = Vec::new();
    let dep = &spec.deployment;
    // In key order (see `lenient::Pairs`).
    for (k, v) in &dep.env.map {
        if let Some(v) = v.as_deref() {
            out.extend(check("spec.deployment.env", Some(k), v));
        }
    }
    if let Some(cmd) = dep.cmd.as_deref() {
        out.extend(check("spec.deployment.cmd", None, cmd));
    }
    scan_args("spec.deployment.args", &strings(&dep.args), &mut out);
    for (i, sidecar) in dep.sidecars.iter().enumerate() {
        let name = sidecar
            .name
            .as_deref()
            .map(|n| format!("({n})"))
            .unwrap_or_default();
        scan_container(
            sidecar,
            &format!("spec.deployment.sidecars[{i}]{name}"),
            &mut out,
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_of_known_shapes_are_credentials() {
        for v in [
            "sk-proj-abcdefghijklmnopqrstuvwx",
            "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
            "xoxb-1234567890-abcdefghijkl",
            "AKIAIOSFODNN7EXAMPLE",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl",
            "-----BEGIN RSA PRIVATE KEY-----\nMIIE...\n-----END RSA PRIVATE KEY-----",
            "postgres://app:hunter2hunter2@db:5432/app",
            "Bearer abcdefghijklmnopqrstuvwxyz",
        ] {
            assert!(value_reason(v).is_some(), "{v}");
        }
        for v in [
            "sk-short",
            "https://example.com/path",
            "postgres://app:$(DB_PASSWORD)@db/app",
            "postgres://app@db/app",
            "info",
            "AKIAlower",
            "a.b.c",
        ] {
            assert_eq!(value_reason(v), None, "{v}");
        }
    }

    #[test]
    fn names_need_a_non_trivial_value() {
        assert!(check("f", Some("OPENAI_API_KEY"), "abcdefgh12345").is_some());
        assert!(check("f", Some("DB_PASSWORD"), "correct horse battery").is_some());
        assert!(check("f", Some("--api-key"), "abcdefgh12345").is_some());
        assert!(check("f", Some("X-Api-Key"), "abcdefgh12345").is_some());
        for (k, v) in [
            ("OPENAI_API_KEY", ""),
            ("OPENAI_API_KEY", "short"),
            ("OPENAI_API_KEY", "$(FROM_SECRET)"),
            ("OPENAI_API_KEY", "changeme"),
            ("TOKEN_FILE", "/var/run/secrets/token-abcdef"),
            ("GITHUB_TOKEN", "/var/run/secrets/token"),
            ("SECRET_NAME", "web-secrets-prod"),
            ("LOG_LEVEL", "debug-everything-verbose"),
            ("PASSWORD", "xxxxxxxx"),
        ] {
            assert_eq!(check("f", Some(k), v), None, "{k}={v}");
        }
    }

    #[test]
    fn a_spec_is_scanned_field_by_field_and_no_value_is_kept() {
        let key = "sk-abcdefghijklmnopqrstuvwxyz012345";
        let v = json!({"spec": {"deployment": {
            "env": {"OPENAI_API_KEY": key, "LOG_LEVEL": "info", "DB_PASSWORD": "p4ssw0rd-long"},
            "args": ["--port", "3000", "--token", "ghp_abcdefghijklmnopqrstuvwxyz012345", "--key=s3cr3t-value-long"],
            "sidecars": [{"name": "proxy", "env": [{"name": "UPSTREAM", "value": "https://u:pw123456@h"}],
                          "command": ["run", "--api-key=abcdefghij12345"]}]
        }}});
        let hits = scan_mcpserver(&Spec::of_object(&v));
        let got: Vec<(String, Option<String>, Strength)> = hits
            .iter()
            .map(|p| (p.field.clone(), p.key.clone(), p.strength))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "spec.deployment.env".into(),
                    Some("DB_PASSWORD".into()),
                    Strength::Name
                ),
                (
                    "spec.deployment.env".into(),
                    Some("OPENAI_API_KEY".into()),
                    Strength::Value
                ),
                (
                    "spec.deployment.args[3]".into(),
                    Some("--token".into()),
                    Strength::Value
                ),
                (
                    "spec.deployment.sidecars[0](proxy).env[0]".into(),
                    Some("UPSTREAM".into()),
                    Strength::Value
                ),
                (
                    "spec.deployment.sidecars[0](proxy).command[1]".into(),
                    Some("--api-key".into()),
                    Strength::Name
                ),
            ]
        );
        assert!(!format!("{hits:?}").contains("abcdefghij"));
        assert!(!format!("{hits:?}").contains("p4ssw0rd"));
    }
}
