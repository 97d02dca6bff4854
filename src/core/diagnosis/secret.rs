//! `secret`: every Secret the server references, and the environment's `secretName`, exists in
//! the namespace; the server references the environment's Secret. When it fails, `keys` and
//! `drift` are `skip`.
use super::text::{join_at_most_five, plural, unique_lines};
use super::{Check, Facts, Fetch};
use crate::core::CheckStatus;
use crate::core::mcpserver::{RefKind, SecretRef};

/// How to create a missing Secret in the namespace, true for what it is for: registry
/// credentials (`imagePullSecrets`) are a `kubectl create secret docker-registry`, the HTTP
/// transport's certificate a `kubectl create secret tls` (`secrets sync` writes an Opaque Secret,
/// which neither can use); the environment's Secret is `secrets sync` (when kmcp.yaml puts the
/// environment in this namespace); any other one `kubectl create secret generic`.
pub(super) fn create_hint(f: &Facts, name: &str) -> String {
    let ns = &f.namespace;
    let refs = f.server_refs();
    let kinds: Vec<RefKind> = refs
        .iter()
        .filter(|r| r.secret == name)
        .map(|r| r.kind)
        .collect();
    let only = |kind: RefKind| !kinds.is_empty() && kinds.iter().all(|k| *k == kind);
    if only(RefKind::ImagePull) {
        return format!(
            "create the registry credentials: `kubectl create secret docker-registry {name} -n {ns} --docker-server=REGISTRY --docker-username=USER --docker-password=PASSWORD`"
        );
    }
    if only(RefKind::Tls) {
        return format!(
            "create the certificate Secret: `kubectl create secret tls {name} -n {ns} --cert=CERT_FILE --key=KEY_FILE`"
        );
    }
    match &f.environment {
        Some(env) if env.secret_name == name => match &env.namespace {
            Some(env_ns) if env_ns == ns => format!(
                "create it from the env file: `kubectl kmcp secrets sync {}{}`",
                env.name, f.project_flags
            ),
            _ => format!(
                "set `namespace: {ns}` under secrets.{} in {}, then `kubectl kmcp secrets sync {}{}`",
                env.name, env.path, env.name, f.project_flags
            ),
        },
        _ => format!(
            "create it in {ns}: `kubectl create secret generic {name} -n {ns} --from-env-file=FILE` (or `kubectl kmcp secrets sync ENV` with an environment whose secretName is {name})"
        ),
    }
}

/// One line per Secret: a missing one fails (warns when every reference to it is optional), an
/// unreadable one warns; fails too when the server does not reference the environment's Secret.
pub(super) fn check(f: &Facts) -> Check {
    let refs = f.server_refs();
    if f.secrets.is_empty() {
        return match f.mcpserver {
            Fetch::Got(Some(_)) => Check::new(
                "secret",
                CheckStatus::Warn,
                format!(
                    "MCPServer {} references no Secret: its container gets no secrets",
                    f.server
                ),
            )
            .hint(format!(
                "deploy it with an environment, which adds its Secret to spec.deployment.secretRefs: `kubectl kmcp deploy {} --environment ENV`",
                f.server
            )),
            _ => Check::skip(
                "secret",
                "no MCPServer to read Secret references from, and no --environment",
            ),
        };
    }
    let mut status = CheckStatus::Pass;
    let mut lines = Vec::new();
    let mut hints = Vec::new();
    for (name, fetch) in &f.secrets {
        let uses: Vec<&SecretRef> = refs.iter().filter(|r| &r.secret == name).collect();
        let via = if uses.is_empty() {
            match &f.environment {
                Some(env) => format!("environment {}'s secretName", env.name),
                None => "referenced".into(),
            }
        } else {
            uses.iter()
                .map(|r| r.via.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let optional = !uses.is_empty() && uses.iter().all(|r| r.optional);
        match fetch {
            Fetch::Got(Some(s)) => lines.push(format!(
                "Secret {name} exists in {} ({} key{}; {via})",
                f.namespace,
                s.data.keys.len(),
                plural(s.data.keys.len())
            )),
            Fetch::Got(None) => {
                let elsewhere = f
                    .secrets_elsewhere
                    .get(name)
                    .filter(|o| !o.is_empty())
                    .map(|o| format!("; a Secret of that name exists in namespace {}, but a pod reads Secrets only from its own namespace", join_at_most_five(&o.iter().map(String::as_str).collect::<Vec<_>>())))
                    .unwrap_or_default();
                let sev = if optional {
                    CheckStatus::Warn
                } else {
                    CheckStatus::Fail
                };
                status = status.max(sev);
                lines.push(format!(
                    "Secret {name} not found in namespace {} ({via}{}){elsewhere}",
                    f.namespace,
                    if optional { ", optional" } else { "" }
                ));
                hints.push(create_hint(f, name));
            }
            Fetch::Forbidden(cmd) => {
                status = status.max(CheckStatus::Warn);
                lines.push(format!(
                    "cannot read Secret {name} in {}: you may not get secrets there ({via})",
                    f.namespace
                ));
                hints.push(format!("check with `{cmd}`"));
            }
            Fetch::Failed(why) => {
                status = status.max(CheckStatus::Warn);
                lines.push(format!("cannot read Secret {name}: {why}"));
            }
        }
    }
    // The environment's Secret must be the one the server reads.
    if let (Some(env), Fetch::Got(Some(_))) = (&f.environment, &f.mcpserver)
        && !refs.iter().any(|r| r.secret == env.secret_name)
    {
        status = status.max(CheckStatus::Fail);
        lines.push(format!(
            "MCPServer {} does not reference environment {}'s Secret {}",
            f.server, env.name, env.secret_name
        ));
        hints.push(format!(
            "redeploy it with that Secret in spec.deployment.secretRefs: `kubectl kmcp deploy {} --environment {}{}`",
            f.server, env.name, f.project_flags
        ));
    }
    Check::new("secret", status, lines.join("\n")).hint(unique_lines(hints))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::core::CheckStatus;
    use crate::core::diagnosis::testing::*;
    use crate::core::diagnosis::*;

    #[test]
    fn missing_secret_fails_and_skips_keys_and_drift() {
        let mut f = healthy();
        f.secrets.insert(SECRET.into(), Fetch::Got(None));
        let checks = diagnose(&f);
        let secret = by_id(&checks, "secret");
        assert_eq!(secret.status, CheckStatus::Fail);
        assert!(
            secret
                .detail
                .contains("Secret weather-secrets not found in namespace staging")
        );
        assert!(
            secret.hint.contains("kubectl kmcp secrets sync staging"),
            "{}",
            secret.hint
        );
        assert_eq!(status_of(&checks, "keys"), CheckStatus::Skip);
        assert_eq!(status_of(&checks, "drift"), CheckStatus::Skip);
        assert_eq!(status_of(&checks, "namespace"), CheckStatus::Pass);
    }

    /// Registry credentials and the transport's certificate are typed Secrets that `secrets
    /// sync` (Opaque) cannot make: the hint is the `kubectl create secret` of their type.
    #[test]
    fn pull_and_tls_secrets_get_their_own_create_command() {
        let mut f = healthy();
        let mut server = server_json();
        server["spec"]["deployment"]["imagePullSecrets"] = json!([{"name": "regcred"}]);
        server["spec"]["httpTransport"] = json!({"tls": {"secretRef": "web-tls"}});
        f.mcpserver = Fetch::Got(Some(server));
        f.secrets.insert("regcred".into(), Fetch::Got(None));
        f.secrets.insert("web-tls".into(), Fetch::Got(None));
        let secret = by_id(&diagnose(&f), "secret").clone();
        assert_eq!(secret.status, CheckStatus::Fail);
        assert!(
            secret.hint.contains(
                "`kubectl create secret docker-registry regcred -n staging --docker-server=REGISTRY"
            ),
            "{}",
            secret.hint
        );
        assert!(
            secret.hint.contains(
                "`kubectl create secret tls web-tls -n staging --cert=CERT_FILE --key=KEY_FILE`"
            ),
            "{}",
            secret.hint
        );
        assert!(!secret.hint.contains("secrets sync"), "{}", secret.hint);
    }

    #[test]
    fn secret_in_another_namespace_is_named() {
        let mut f = healthy();
        f.secrets.insert(SECRET.into(), Fetch::Got(None));
        f.secrets_elsewhere
            .insert(SECRET.into(), vec!["default".into()]);
        let checks = diagnose(&f);
        assert!(
            by_id(&checks, "secret")
                .detail
                .contains("exists in namespace default")
        );
        let ns = by_id(&checks, "namespace");
        assert_eq!(ns.status, CheckStatus::Fail);
        assert!(
            ns.detail
                .contains("Secret weather-secrets is in namespace default, not in staging")
        );
    }

    #[test]
    fn forbidden_secret_read_warns_and_skips_drift() {
        let mut f = healthy();
        f.secrets.insert(
            SECRET.into(),
            Fetch::Forbidden("kubectl auth can-i get secrets -n staging".into()),
        );
        let checks = diagnose(&f);
        assert_eq!(status_of(&checks, "secret"), CheckStatus::Warn);
        assert_eq!(status_of(&checks, "keys"), CheckStatus::Skip);
        let drift = by_id(&checks, "drift");
        assert_eq!(drift.status, CheckStatus::Skip);
        assert!(drift.hint.contains("kubectl auth can-i get secrets"));
        // The pod check cannot tell, but does not claim a failure.
        assert_eq!(status_of(&checks, "pods"), CheckStatus::Warn);
    }

    #[test]
    fn server_without_the_environment_secret_reference_fails_secret() {
        let mut f = healthy();
        let mut server = server_json();
        server["spec"]["deployment"]["secretRefs"] = json!([]);
        f.mcpserver = Fetch::Got(Some(server));
        let c = by_id(&diagnose(&f), "secret").clone();
        assert_eq!(c.status, CheckStatus::Fail);
        assert!(
            c.detail
                .contains("does not reference environment staging's Secret")
        );
        assert!(
            c.hint
                .contains("kubectl kmcp deploy weather --environment staging")
        );
    }

    /// A missing Secret that is not the environment's (nor a pull or TLS Secret) is a
    /// `kubectl create secret generic`, not a `secrets sync`.
    #[test]
    fn another_missing_secret_gets_create_secret_generic() {
        let mut f = healthy();
        let mut server = server_json();
        server["spec"]["deployment"]["secretRefs"] = json!([{"name": SECRET}, {"name": "extra"}]);
        f.mcpserver = Fetch::Got(Some(server));
        f.secrets.insert("extra".into(), Fetch::Got(None));
        let secret = by_id(&diagnose(&f), "secret").clone();
        assert_eq!(secret.status, CheckStatus::Fail);
        assert_eq!(
            secret.hint,
            "create it in staging: `kubectl create secret generic extra -n staging --from-env-file=FILE` (or `kubectl kmcp secrets sync ENV` with an environment whose secretName is extra)"
        );
        assert!(
            secret.detail.contains(
                "Secret extra not found in namespace staging (spec.deployment.secretRefs[1])"
            ),
            "{}",
            secret.detail
        );
        assert!(
            secret.detail.contains(
                "Secret weather-secrets exists in staging (2 keys; spec.deployment.secretRefs[0])"
            ),
            "{}",
            secret.detail
        );
    }

    /// The environment's Secret is missing, but kmcp.yaml does not put the environment in
    /// this namespace: `secrets sync` would write elsewhere, so the fix sets the namespace first.
    #[test]
    fn environment_in_another_namespace_is_told_to_set_it_first() {
        let mut f = healthy();
        f.secrets.insert(SECRET.into(), Fetch::Got(None));
        if let Some(env) = &mut f.environment {
            env.namespace = None;
        }
        let secret = by_id(&diagnose(&f), "secret").clone();
        assert_eq!(
            secret.hint,
            "set `namespace: staging` under secrets.staging in kmcp.yaml, then `kubectl kmcp secrets sync staging`"
        );
        // kmcp.yaml puts it in another namespace: the same fix.
        if let Some(env) = &mut f.environment {
            env.namespace = Some("other".into());
        }
        let secret = by_id(&diagnose(&f), "secret").clone();
        assert!(
            secret
                .hint
                .starts_with("set `namespace: staging` under secrets.staging"),
            "{}",
            secret.hint
        );
        // In this namespace: `secrets sync` alone creates it.
        if let Some(env) = &mut f.environment {
            env.namespace = Some(NS.into());
        }
        let secret = by_id(&diagnose(&f), "secret").clone();
        assert_eq!(
            secret.hint,
            "create it from the env file: `kubectl kmcp secrets sync staging`"
        );
    }

    #[test]
    fn a_server_without_secret_references_warns() {
        let mut f = healthy();
        f.environment = None;
        f.secrets.clear();
        let secret = by_id(&diagnose(&f), "secret").clone();
        assert_eq!(secret.status, CheckStatus::Warn, "{secret:?}");
        assert!(
            secret.detail.contains("references no Secret"),
            "{}",
            secret.detail
        );
        assert!(
            secret
                .hint
                .contains("kubectl kmcp deploy weather --environment ENV")
        );
    }

    /// A Secret that every reference marks optional only warns when it is missing.
    #[test]
    fn a_missing_optional_secret_warns() {
        let mut f = healthy();
        let mut server = server_json();
        server["spec"]["deployment"]["envFrom"] =
            json!([{"secretRef": {"name": "opt", "optional": true}}]);
        f.mcpserver = Fetch::Got(Some(server));
        f.secrets.insert("opt".into(), Fetch::Got(None));
        let secret = by_id(&diagnose(&f), "secret").clone();
        assert_eq!(secret.status, CheckStatus::Warn, "{}", secret.detail);
        assert!(
            secret.detail.contains(
                "Secret opt not found in namespace staging (spec.deployment.envFrom[0].secretRef, optional)"
            ),
            "{}",
            secret.detail
        );
    }
}
