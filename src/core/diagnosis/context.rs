//! `context`: the API server answers, and which context, user and namespace are in effect and
//! where each came from. When it fails, every other check is `skip`.
use super::{Check, Facts};
use crate::core::CheckStatus;

/// A setting's value, or "(none)" when there is none.
fn or_none(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("(none)")
}

/// Passes with the settings in effect and the server's version; fails when the API server
/// cannot be reached, with the `kubectl cluster-info` line to check it by hand.
pub(super) fn check(f: &Facts) -> Check {
    let c = &f.context;
    let settings = format!(
        "context {} ({}), user {} ({}), namespace {} ({})",
        or_none(&c.context),
        c.context_source,
        or_none(&c.user),
        c.user_source,
        f.namespace,
        f.namespace_source
    );
    match &c.reachable {
        Ok(version) => {
            let version = if version.is_empty() {
                String::new()
            } else {
                format!(", Kubernetes {version}")
            };
            Check::new(
                "context",
                CheckStatus::Pass,
                format!("{settings}; API server {}{version}", c.api_server),
            )
        }
        Err(why) => Check::new("context", CheckStatus::Fail, format!("{why}\n{settings}")).hint(
            format!(
                "make `{}` work (start the cluster, or pick another with --context), then run this again",
                c.check_command
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::core::CheckStatus;
    use crate::core::diagnosis::testing::*;
    use crate::core::diagnosis::*;

    #[test]
    fn unreachable_cluster_fails_context_and_skips_the_rest() {
        let mut f = healthy();
        f.context.reachable = Err("cannot reach the Kubernetes API server at x".into());
        let checks = diagnose(&f);
        assert_eq!(checks.len(), IDS.len());
        assert_eq!(checks[0].status, CheckStatus::Fail);
        assert!(checks[0].detail.contains("cannot reach"));
        assert!(
            checks[0]
                .hint
                .contains("kubectl --context admin cluster-info")
        );
        assert!(checks[1..].iter().all(|c| c.status == CheckStatus::Skip));
    }
}
