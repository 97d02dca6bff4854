//! Would the server container's environment get each expected key? Told without exec, from its
//! `env`/`envFrom` (with prefixes) and the Secrets' key names.
use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{Container, Pod};

use super::Findings;
use crate::core::CheckStatus;
use crate::core::diagnosis::text::plural;
use crate::core::diagnosis::{Facts, Fetch};
use crate::core::mcpserver;

/// The keys the server's environment should hold: `.env.example`'s required keys and the
/// environment Secret's keys.
pub(super) fn expected_keys(f: &Facts) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    if let Some(Ok(ex)) = &f.example {
        out.extend(ex.required.iter().cloned());
    }
    if let Some(env) = &f.environment
        && let Some(Fetch::Got(Some(secret))) = f.secrets.get(&env.secret_name)
    {
        out.extend(secret.data.keys.keys().cloned());
    }
    out
}

/// Whether the pod's `mcp-server` container would get each `expected` key: fails for a key it
/// would not get, warns when an envFrom Secret could not be read (so it cannot tell), and warns
/// when the pod has no such container.
pub(super) fn server_container_env(
    f: &Facts,
    pod: &Pod,
    name: &str,
    expected: &BTreeSet<String>,
    secret_keys: &BTreeMap<&str, BTreeSet<&str>>,
    found: &mut Findings,
) {
    let server = mcpserver::SERVER_CONTAINER;
    let container = pod
        .spec
        .as_ref()
        .and_then(|s| s.containers.iter().find(|c| c.name == server));
    let Some(container) = container else {
        found.add(
            CheckStatus::Warn,
            format!("pod {name} has no container {server}"),
        );
        return;
    };
    if expected.is_empty() {
        return;
    }
    let (got, unknown) = container_env(container, secret_keys);
    let missing: Vec<&str> = expected
        .iter()
        .map(String::as_str)
        .filter(|k| !got.contains(*k))
        .collect();
    if missing.is_empty() {
        found.note(format!(
            "pod {name}: container {server} gets all {} expected key{}",
            expected.len(),
            plural(expected.len())
        ));
    } else if !unknown.is_empty() {
        found.add(
            CheckStatus::Warn,
            format!(
                "pod {name}: cannot tell whether container {server} gets {}: Secret {} is missing or unreadable (see the secret check)",
                missing.join(", "),
                unknown.join(", ")
            ),
        );
    } else {
        let from: Vec<&str> = env_from_secret_names(container).collect();
        found.add(
            CheckStatus::Fail,
            format!(
                "pod {name}: container {server} would not get {} (its envFrom Secrets: {}; not in its env either)",
                missing.join(", "),
                if from.is_empty() {
                    "none".to_string()
                } else {
                    from.join(", ")
                }
            ),
        );
        found.hint(match &f.environment {
            Some(env) => format!(
                "sync the keys and redeploy so the pod reads the Secret: `kubectl kmcp secrets sync {e}{p}` then `kubectl kmcp deploy {} --environment {e}{p}`",
                f.server,
                e = env.name,
                p = f.project_flags
            ),
            None => "add the keys to a Secret in the server's spec.deployment.secretRefs".into(),
        });
    }
}

/// The names of the Secrets a container's `envFrom` reads.
fn env_from_secret_names(c: &Container) -> impl Iterator<Item = &str> {
    c.env_from
        .iter()
        .flatten()
        .filter_map(|e| e.secret_ref.as_ref())
        .map(|r| r.name.as_str())
}

/// The variable names a container's `env` and `envFrom` give it, from the Secrets' key names
/// (a ConfigMap's keys are not known here); and the envFrom Secrets whose keys are unknown.
fn container_env(
    c: &Container,
    secret_keys: &BTreeMap<&str, BTreeSet<&str>>,
) -> (BTreeSet<String>, Vec<String>) {
    let mut got: BTreeSet<String> = c.env.iter().flatten().map(|e| e.name.clone()).collect();
    let mut unknown = Vec::new();
    for e in c.env_from.iter().flatten() {
        let prefix = e.prefix.as_deref().unwrap_or("");
        if let Some(secret) = &e.secret_ref {
            match secret_keys.get(secret.name.as_str()) {
                Some(keys) => got.extend(keys.iter().map(|k| format!("{prefix}{k}"))),
                None => unknown.push(secret.name.clone()),
            }
        }
    }
    (got, unknown)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::core::CheckStatus;
    use crate::core::diagnosis::testing::*;
    use crate::core::diagnosis::*;

    fn pods_check(f: &Facts) -> Check {
        by_id(&diagnose(f), "pods").clone()
    }

    #[test]
    fn pod_without_the_environment_secret_would_not_get_its_keys() {
        let mut f = healthy();
        let mut p = pod_json(json!({"running": {}}), true);
        p["spec"]["containers"][0]["envFrom"] = json!([]);
        f.pods = Fetch::Got(vec![typed_pod(p)]);
        let pods = pods_check(&f);
        assert_eq!(pods.status, CheckStatus::Fail);
        assert!(
            pods.detail.contains("would not get API_KEY, REGION"),
            "{}",
            pods.detail
        );
    }

    #[test]
    fn env_from_prefix_and_plain_env_decide_which_keys_arrive() {
        let mut f = healthy();
        // A prefix renames every key of the Secret: API_KEY arrives as APP_API_KEY.
        let mut p = pod_json(json!({"running": {}}), true);
        p["spec"]["containers"][0]["envFrom"][0]["prefix"] = json!("APP_");
        f.pods = Fetch::Got(vec![typed_pod(p)]);
        let pods = pods_check(&f);
        assert_eq!(pods.status, CheckStatus::Fail);
        assert!(
            pods.detail
                .contains("would not get API_KEY, REGION (its envFrom Secrets: weather-secrets;"),
            "{}",
            pods.detail
        );
        // Variables set one by one in `env` count as well.
        let mut p = pod_json(json!({"running": {}}), true);
        p["spec"]["containers"][0]["envFrom"] = json!([]);
        p["spec"]["containers"][0]["env"] = json!([{"name": "API_KEY"}, {"name": "REGION"}]);
        f.pods = Fetch::Got(vec![typed_pod(p)]);
        let pods = pods_check(&f);
        assert_eq!(pods.status, CheckStatus::Pass, "{}", pods.detail);
        assert!(
            pods.detail
                .contains("pod weather-abc: container mcp-server gets all 2 expected keys")
        );
    }
}
