//! `drift`: with `--environment` and an env file, the file's key set and per-key SHA-256 against
//! the Secret's actual data (the hash annotation alone could be stale). Names and hashes only.
use super::text::plural;
use super::{Check, Facts, Fetch};
use crate::core::CheckStatus;
use crate::core::secret_plan::HASH_ANNOTATION;

/// The first 12 characters of a hash, as messages show it. Counted in characters, not bytes:
/// the annotation is text anyone who can edit the Secret may set (non-ASCII included).
fn short_hash(hash: &str) -> &str {
    match hash.char_indices().nth(12) {
        Some((end, _)) => &hash[..end],
        None => hash,
    }
}

/// Passes when the file and the Secret hold the same data; fails naming the keys that differ
/// (never a value); warns for a stale hash annotation alone.
pub(super) fn check(f: &Facts) -> Check {
    let Some(env) = &f.environment else {
        return Check::skip(
            "drift",
            "no --environment: drift compares an environment's env file with its Secret",
        );
    };
    let secret = match f.secrets.get(&env.secret_name) {
        Some(Fetch::Got(Some(s))) => s,
        Some(Fetch::Forbidden(cmd)) => {
            return Check::skip(
                "drift",
                format!(
                    "cannot read Secret {} (see the secret check)",
                    env.secret_name
                ),
            )
            .hint(format!("check with `{cmd}`"));
        }
        _ => {
            return Check::skip(
                "drift",
                format!(
                    "Secret {} cannot be read (see the secret check)",
                    env.secret_name
                ),
            );
        }
    };
    let file = match &f.env_file {
        None => {
            return Check::skip(
                "drift",
                format!(
                    "no env file for environment {} (looked for {})",
                    env.name,
                    if f.env_file_candidates.is_empty() {
                        "none".to_string()
                    } else {
                        f.env_file_candidates.join(", ")
                    }
                ),
            );
        }
        Some(Err(why)) => {
            return Check::new("drift", CheckStatus::Warn, format!("cannot compare: {why}"))
                .hint("fix the env file at the line named, then run this again");
        }
        Some(Ok(file)) => file,
    };
    let annotation_note = match &secret.annotation {
        Some(a) if *a != secret.data.hash => Some(format!(
            "Secret {}'s annotation {} ({}) does not match its data ({}): it was changed outside `kubectl kmcp secrets sync`",
            env.secret_name,
            HASH_ANNOTATION,
            short_hash(a),
            short_hash(&secret.data.hash)
        )),
        _ => None,
    };
    let sync = format!(
        "`kubectl kmcp secrets sync {}{}` (preview with --dry-run=server)",
        env.name, f.project_flags
    );
    if file.data.hash == secret.data.hash {
        let mut detail = format!(
            "Secret {} matches {} ({} key{}, hash {})",
            env.secret_name,
            file.path,
            file.data.keys.len(),
            plural(file.data.keys.len()),
            short_hash(&file.data.hash)
        );
        return match annotation_note {
            Some(note) => {
                detail.push('\n');
                detail.push_str(&note);
                Check::new("drift", CheckStatus::Warn, detail)
                    .hint(format!("re-sync to record the hash: {sync}"))
            }
            None => Check::new("drift", CheckStatus::Pass, detail),
        };
    }
    let only_file: Vec<&str> = file
        .data
        .keys
        .keys()
        .filter(|k| !secret.data.keys.contains_key(*k))
        .map(String::as_str)
        .collect();
    let only_cluster: Vec<&str> = secret
        .data
        .keys
        .keys()
        .filter(|k| !file.data.keys.contains_key(*k))
        .map(String::as_str)
        .collect();
    let differ: Vec<&str> = file
        .data
        .keys
        .iter()
        .filter(|(k, h)| secret.data.keys.get(*k).is_some_and(|sh| sh != *h))
        .map(|(k, _)| k.as_str())
        .collect();
    let mut lines = vec![format!(
        "Secret {} differs from {} (hash {} in the cluster, {} in the file)",
        env.secret_name,
        file.path,
        short_hash(&secret.data.hash),
        short_hash(&file.data.hash)
    )];
    if !only_file.is_empty() {
        lines.push(format!(
            "only in the file (not in the cluster): {}",
            only_file.join(", ")
        ));
    }
    if !only_cluster.is_empty() {
        lines.push(format!(
            "only in the cluster (not in the file): {}",
            only_cluster.join(", ")
        ));
    }
    if !differ.is_empty() {
        lines.push(format!("values differ: {}", differ.join(", ")));
    }
    if let Some(note) = annotation_note {
        lines.push(note);
    }
    Check::new("drift", CheckStatus::Fail, lines.join("\n"))
        .hint(format!("push the file to the cluster: {sync}"))
}

#[cfg(test)]
mod tests {
    use crate::core::CheckStatus;
    use crate::core::diagnosis::testing::*;
    use crate::core::diagnosis::*;

    #[test]
    fn drift_names_the_keys_never_the_values() {
        let mut f = healthy();
        f.env_file = Some(Ok(EnvFileFacts {
            path: ".env.staging".into(),
            data: hashes(&[("API_KEY", "sk-2"), ("NEW_KEY", "n")]),
        }));
        let checks = diagnose(&f);
        let drift = by_id(&checks, "drift");
        assert_eq!(drift.status, CheckStatus::Fail);
        assert!(
            drift
                .detail
                .contains("only in the file (not in the cluster): NEW_KEY")
        );
        assert!(
            drift
                .detail
                .contains("only in the cluster (not in the file): REGION")
        );
        assert!(drift.detail.contains("values differ: API_KEY"));
        assert!(drift.hint.contains("kubectl kmcp secrets sync staging"));
        let all = format!("{checks:?}");
        assert!(!all.contains("sk-1") && !all.contains("sk-2"));
    }

    #[test]
    fn drift_without_environment_or_file_is_skipped() {
        let mut f = healthy();
        f.env_file = None;
        f.env_file_candidates = vec![".env.staging".into(), ".env".into()];
        let d = by_id(&diagnose(&f), "drift").clone();
        assert_eq!(d.status, CheckStatus::Skip);
        assert!(d.detail.contains("looked for .env.staging, .env"));
        f.environment = None;
        assert_eq!(status_of(&diagnose(&f), "drift"), CheckStatus::Skip);
    }

    #[test]
    fn stale_hash_annotation_warns() {
        let mut f = healthy();
        if let Some(Fetch::Got(Some(s))) = f.secrets.get_mut(SECRET) {
            s.annotation = Some("0123456789abcdef".into());
        }
        let d = by_id(&diagnose(&f), "drift").clone();
        assert_eq!(d.status, CheckStatus::Warn);
        assert!(d.detail.contains("changed outside"));
    }

    #[test]
    fn a_non_ascii_hash_annotation_is_shortened_by_characters() {
        // Anyone who can edit the Secret can write any text there; byte slicing would panic.
        let mut f = healthy();
        if let Some(Fetch::Got(Some(s))) = f.secrets.get_mut(SECRET) {
            s.annotation = Some("aééééééééééééé".into());
        }
        let d = by_id(&diagnose(&f), "drift").clone();
        assert_eq!(d.status, CheckStatus::Warn);
        assert!(d.detail.contains("(aééééééééééé)"), "{}", d.detail);
        assert_eq!(super::short_hash("abc"), "abc");
        assert_eq!(super::short_hash("0123456789abcdef"), "0123456789ab");
    }

    #[test]
    fn a_rotated_value_on_the_same_keys_is_drift() {
        // Same key names, one value changed: drift must compare values, not only names.
        let mut f = healthy();
        f.env_file = Some(Ok(EnvFileFacts {
            path: ".env.staging".into(),
            data: hashes(&[("API_KEY", "sk-rotated"), ("REGION", "eu")]),
        }));
        let d = by_id(&diagnose(&f), "drift").clone();
        assert_eq!(d.status, CheckStatus::Fail);
        assert!(d.detail.contains("values differ: API_KEY"), "{}", d.detail);
        assert!(!d.detail.contains("only in"), "{}", d.detail);
    }
}
