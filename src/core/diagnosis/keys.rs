//! `keys`: every `secretKeyRef`/volume `items` key is in its Secret, and every key `.env.example`
//! requires (leaves empty) is in the Secrets the server's environment comes from. Names only.
use std::collections::BTreeSet;

use super::text::{plural, unique_lines};
use super::{Check, Facts};
use crate::core::CheckStatus;
use crate::core::mcpserver::RefKind;

/// How to put `keys` into `secret`: for the environment's Secret, a sync when the env file
/// already has them (they were deleted in the cluster, or never synced), else add them to the
/// env file first; for any other Secret, add them to it.
fn sync_hint(f: &Facts, secret: &str, keys: &[&str]) -> String {
    let list = keys.join(", ");
    match &f.environment {
        Some(env) if env.secret_name == secret => {
            let sync = format!("kubectl kmcp secrets sync {}{}", env.name, f.project_flags);
            let in_file = match &f.env_file {
                Some(Ok(file)) => Some((file.path.as_str(), file.data.names())),
                _ => None,
            };
            match in_file {
                Some((path, names)) if keys.iter().all(|k| names.contains(k)) => format!(
                    "{path} has {list}, the Secret does not: run `{sync}` to write {} back",
                    if keys.len() == 1 { "it" } else { "them" }
                ),
                Some((path, names)) => {
                    let missing: Vec<&str> = keys
                        .iter()
                        .copied()
                        .filter(|k| !names.contains(k))
                        .collect();
                    format!("add {} to {path} and run `{sync}`", missing.join(", "))
                }
                None => format!("add {list} to the env file and run `{sync}`"),
            }
        }
        _ => format!(
            "add {list} to Secret {secret} in {} (from the env file it comes from, e.g. `kubectl kmcp secrets sync ENV`)",
            f.namespace
        ),
    }
}

/// The Secrets whose keys all become the server's environment variables: the server
/// container's envFrom Secrets, else the environment's Secret.
fn env_from_secrets(f: &Facts) -> Vec<String> {
    let refs = f.server_refs();
    let mut out: Vec<String> = refs
        .iter()
        .filter(|r| r.kind == RefKind::EnvFrom && !r.via.contains(".sidecars["))
        .map(|r| r.secret.clone())
        .collect();
    if out.is_empty()
        && let Some(env) = &f.environment
    {
        out.push(env.secret_name.clone());
    }
    // Each Secret once, in the order of its first reference (dedup alone drops only adjacent
    // repeats: `a, b, a` would name `a` twice).
    let mut seen = BTreeSet::new();
    out.retain(|s| seen.insert(s.clone()));
    out
}

/// Fails for each missing key (warns when its reference is optional); skips when there is
/// nothing to compare.
pub(super) fn check(f: &Facts) -> Check {
    let have = f.readable_keys();
    let refs = f.server_refs();
    let mut status = CheckStatus::Pass;
    let mut lines = Vec::new();
    let mut hints = Vec::new();
    let mut checked = 0usize;
    for r in refs.iter().filter(|r| r.key.is_some()) {
        let key = r.key.as_deref().unwrap_or_default();
        let Some(keys) = have.get(r.secret.as_str()) else {
            continue;
        };
        checked += 1;
        if !keys.contains(key) {
            let sev = if r.optional {
                CheckStatus::Warn
            } else {
                CheckStatus::Fail
            };
            status = status.max(sev);
            lines.push(format!(
                "key {key} is missing from Secret {} ({}{})",
                r.secret,
                r.via,
                if r.optional { ", optional" } else { "" }
            ));
            hints.push(sync_hint(f, &r.secret, &[key]));
        }
    }
    match &f.example {
        Some(Ok(example)) if !example.required.is_empty() => {
            let sources = env_from_secrets(f);
            let readable: Vec<&String> = sources
                .iter()
                .filter(|s| have.contains_key(s.as_str()))
                .collect();
            if !readable.is_empty() {
                checked += 1;
                let union: BTreeSet<&str> = readable
                    .iter()
                    .flat_map(|s| have[s.as_str()].iter().copied())
                    .collect();
                let missing: Vec<&str> = example
                    .required
                    .iter()
                    .map(String::as_str)
                    .filter(|k| !union.contains(k))
                    .collect();
                let names: Vec<&str> = readable.iter().map(|s| s.as_str()).collect();
                if missing.is_empty() {
                    lines.push(format!(
                        "the {} required key{} of {} are in {}",
                        example.required.len(),
                        plural(example.required.len()),
                        example.path,
                        names.join(", ")
                    ));
                } else {
                    status = CheckStatus::Fail;
                    lines.push(format!(
                        "required by {} (left empty there) but missing from {}: {}",
                        example.path,
                        names.join(", "),
                        missing.join(", ")
                    ));
                    hints.push(sync_hint(f, readable[0], &missing));
                }
            }
        }
        Some(Err(why)) => {
            status = status.max(CheckStatus::Warn);
            lines.push(format!("cannot read .env.example: {why}"));
        }
        _ => {}
    }
    // Nothing compared: a skip, unless there is something to say (an unreadable .env.example
    // would otherwise vanish behind "nothing to compare").
    if checked == 0 && lines.is_empty() {
        let why = if have.is_empty() {
            "no Secret could be read (see the secret check)"
        } else {
            "nothing to compare: no secretKeyRef and no required key in .env.example"
        };
        return Check::skip("keys", why);
    }
    if status == CheckStatus::Pass && lines.is_empty() {
        lines.push("every referenced key is in its Secret".into());
    } else if status == CheckStatus::Pass {
        lines.insert(0, "every referenced key is in its Secret".into());
    }
    Check::new("keys", status, lines.join("\n")).hint(unique_lines(hints))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::core::CheckStatus;
    use crate::core::diagnosis::testing::*;
    use crate::core::diagnosis::*;

    #[test]
    fn missing_keys_fail_for_secret_key_refs_and_required_example_keys() {
        let mut f = healthy();
        f.example = Some(Ok(ExampleFacts {
            path: ".env.example".into(),
            required: vec!["API_KEY".into(), "DB_URL".into()],
        }));
        let mut server = server_json();
        server["spec"]["deployment"]["sidecars"] = json!([{"name": "proxy", "env": [
            {"name": "T", "valueFrom": {"secretKeyRef": {"name": SECRET, "key": "token"}}}]}]);
        f.mcpserver = Fetch::Got(Some(server));
        let checks = diagnose(&f);
        let keys = by_id(&checks, "keys");
        assert_eq!(keys.status, CheckStatus::Fail);
        assert!(
            keys.detail
                .contains("key token is missing from Secret weather-secrets")
        );
        assert!(
            keys.detail.contains("missing from weather-secrets: DB_URL"),
            "{}",
            keys.detail
        );
        assert!(keys.hint.contains("kubectl kmcp secrets sync staging"));
        // The pod would not receive DB_URL either.
        let pods = by_id(&checks, "pods");
        assert_eq!(pods.status, CheckStatus::Fail);
        assert!(
            pods.detail.contains("would not get DB_URL"),
            "{}",
            pods.detail
        );
    }

    /// A key the env file has but the Secret lacks (deleted in the cluster): the fix is a sync,
    /// not "add it to the env file"; a key the file lacks too is added to the file first.
    #[test]
    fn a_key_the_env_file_has_is_fixed_by_a_sync() {
        let mut f = healthy();
        f.example = Some(Ok(ExampleFacts {
            path: ".env.example".into(),
            required: vec!["API_KEY".into(), "DB_URL".into()],
        }));
        let file = f.env_file.clone().unwrap().unwrap();
        let mut with_db = file.data.keys.clone();
        with_db.insert("DB_URL".into(), "h".into());
        f.env_file = Some(Ok(EnvFileFacts {
            data: KeyHashes {
                keys: with_db,
                hash: String::new(),
            },
            ..file.clone()
        }));
        let hint = by_id(&diagnose(&f), "keys").hint.clone();
        assert!(
            hint.contains(".env.staging has DB_URL, the Secret does not"),
            "{hint}"
        );
        assert!(
            hint.contains("`kubectl kmcp secrets sync staging` to write it back"),
            "{hint}"
        );
        assert!(!hint.contains("add DB_URL"), "{hint}");

        f.env_file = Some(Ok(file));
        let hint = by_id(&diagnose(&f), "keys").hint.clone();
        assert!(
            hint.contains("add DB_URL to .env.staging and run `kubectl kmcp secrets sync staging`"),
            "{hint}"
        );
    }

    #[test]
    fn optional_key_reference_only_warns() {
        let mut f = healthy();
        let mut server = server_json();
        server["spec"]["deployment"]["sidecars"] = json!([{"name": "proxy", "env": [
            {"name": "T", "valueFrom": {"secretKeyRef": {"name": SECRET, "key": "token", "optional": true}}}]}]);
        f.mcpserver = Fetch::Got(Some(server));
        assert_eq!(status_of(&diagnose(&f), "keys"), CheckStatus::Warn);
    }

    #[test]
    fn a_secret_referenced_twice_by_env_from_is_named_once() {
        let mut f = healthy();
        f.example = Some(Ok(ExampleFacts {
            path: ".env.example".into(),
            required: vec!["API_KEY".into(), "DB_URL".into()],
        }));
        let mut server = server_json();
        server["spec"]["deployment"]["secretRefs"] =
            json!([{"name": SECRET}, {"name": "other"}, {"name": SECRET}]);
        f.mcpserver = Fetch::Got(Some(server));
        let other = hashes(&[("X", "1")]);
        f.secrets.insert(
            "other".into(),
            Fetch::Got(Some(SecretFacts {
                annotation: None,
                hash_key: None,
                data: other,
            })),
        );
        let keys = by_id(&diagnose(&f), "keys").clone();
        assert_eq!(keys.status, CheckStatus::Fail);
        assert!(
            keys.detail
                .contains("missing from weather-secrets, other: DB_URL"),
            "{}",
            keys.detail
        );
    }

    fn keys_check(f: &Facts) -> Check {
        by_id(&diagnose(f), "keys").clone()
    }

    #[test]
    fn a_passing_check_says_so_first_then_what_it_compared() {
        let k = keys_check(&healthy());
        assert_eq!(k.status, CheckStatus::Pass);
        assert_eq!(
            k.detail,
            "every referenced key is in its Secret\nthe 1 required key of .env.example are in weather-secrets"
        );
    }

    #[test]
    fn a_warning_does_not_claim_every_key_is_there() {
        let mut f = healthy();
        let mut server = server_json();
        server["spec"]["deployment"]["sidecars"] = json!([{"name": "proxy", "env": [
            {"name": "T", "valueFrom": {"secretKeyRef": {"name": SECRET, "key": "token", "optional": true}}}]}]);
        f.mcpserver = Fetch::Got(Some(server));
        let k = keys_check(&f);
        assert_eq!(k.status, CheckStatus::Warn);
        assert!(!k.detail.contains("every referenced key"), "{}", k.detail);
    }

    #[test]
    fn key_references_alone_are_compared() {
        // No .env.example: a secretKeyRef to a present key is a comparison that passes.
        let mut f = healthy();
        f.example = None;
        let mut server = server_json();
        server["spec"]["deployment"]["sidecars"] = json!([{"name": "proxy", "env": [
            {"name": "T", "valueFrom": {"secretKeyRef": {"name": SECRET, "key": "API_KEY"}}}]}]);
        f.mcpserver = Fetch::Got(Some(server));
        let k = keys_check(&f);
        assert_eq!(k.status, CheckStatus::Pass, "{}", k.detail);
        assert_eq!(k.detail, "every referenced key is in its Secret");
    }

    #[test]
    fn nothing_to_compare_is_a_skip() {
        let mut f = healthy();
        f.example = Some(Ok(ExampleFacts {
            path: ".env.example".into(),
            required: vec![],
        }));
        let k = keys_check(&f);
        assert_eq!(k.status, CheckStatus::Skip);
        assert!(k.detail.contains("nothing to compare"), "{}", k.detail);
    }

    #[test]
    fn an_unreadable_example_warns() {
        let mut f = healthy();
        f.example = Some(Err(".env.example:3: bad line".into()));
        let k = keys_check(&f);
        assert_eq!(k.status, CheckStatus::Warn);
        assert!(
            k.detail
                .contains("cannot read .env.example: .env.example:3: bad line")
        );
    }

    #[test]
    fn a_key_missing_from_another_secret_is_added_there_not_through_the_env_file() {
        let mut f = healthy();
        let mut server = server_json();
        server["spec"]["deployment"]["sidecars"] = json!([{"name": "proxy", "env": [
            {"name": "T", "valueFrom": {"secretKeyRef": {"name": "other", "key": "token"}}}]}]);
        f.mcpserver = Fetch::Got(Some(server));
        f.secrets.insert(
            "other".into(),
            Fetch::Got(Some(SecretFacts {
                annotation: None,
                hash_key: None,
                data: hashes(&[("X", "1")]),
            })),
        );
        let k = keys_check(&f);
        assert_eq!(k.status, CheckStatus::Fail);
        assert!(
            k.hint.contains("add token to Secret other in staging"),
            "{}",
            k.hint
        );
        assert!(!k.hint.contains("to the env file"), "{}", k.hint);
    }

    #[test]
    fn a_sidecars_env_from_secret_does_not_feed_the_server_container() {
        // DB_URL only in the sidecar's Secret: the server container still lacks it.
        let mut f = healthy();
        f.example = Some(Ok(ExampleFacts {
            path: ".env.example".into(),
            required: vec!["DB_URL".into()],
        }));
        let mut server = server_json();
        server["spec"]["deployment"]["sidecars"] =
            json!([{"name": "proxy", "envFrom": [{"secretRef": {"name": "side"}}]}]);
        f.mcpserver = Fetch::Got(Some(server));
        f.secrets.insert(
            "side".into(),
            Fetch::Got(Some(SecretFacts {
                annotation: None,
                hash_key: None,
                data: hashes(&[("DB_URL", "u")]),
            })),
        );
        let k = keys_check(&f);
        assert_eq!(k.status, CheckStatus::Fail, "{}", k.detail);
        assert!(
            k.detail.contains("missing from weather-secrets: DB_URL"),
            "{}",
            k.detail
        );
    }
}
