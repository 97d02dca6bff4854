//! `context`: the API server answers, and which context, user and namespace are in effect and
//! where each came from. When it fails, every other check is `skip`.
use super::{Check, Facts};
use crate::core::{CheckStatus, Source};

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
        Err(why) => {
            // The fix for the cause at hand: refused credentials are not fixed by starting a
            // cluster, and an address given with --server not by another context.
            let fix = if c.credentials_refused {
                "use credentials the server accepts (the line above says which were refused)"
                    .to_string()
            } else if c.api_server_source == Source::Flag {
                format!(
                    "check the address given with --server and that an API server runs there: `{}`",
                    c.check_command
                )
            } else {
                format!(
                    "make `{}` work (start the cluster, or pick another with --context)",
                    c.check_command
                )
            };
            Check::new("context", CheckStatus::Fail, format!("{why}\n{settings}"))
                .hint(format!("{fix}, then run this again"))
        }
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

    /// Each cause gets its own fix: an address given with --server is checked as such (not
    /// the context's cluster), refused credentials are not fixed by starting a cluster.
    #[test]
    fn the_fix_fits_the_cause() {
        let mut f = healthy();
        f.context.reachable = Err("cannot reach".into());
        f.context.api_server_source = crate::core::Source::Flag;
        f.context.check_command =
            "kubectl --context admin --server https://127.0.0.1:1 cluster-info".into();
        let hint = diagnose(&f)[0].hint.clone();
        assert!(hint.contains("given with --server"), "{hint}");
        assert!(
            hint.contains("--server https://127.0.0.1:1 cluster-info"),
            "{hint}"
        );
        assert!(!hint.contains("pick another with --context"), "{hint}");

        let mut f = healthy();
        f.context.reachable = Err("rejected".into());
        f.context.credentials_refused = true;
        let hint = diagnose(&f)[0].hint.clone();
        assert!(hint.contains("credentials the server accepts"), "{hint}");
        assert!(!hint.contains("start the cluster"), "{hint}");
    }

    /// The detail names each setting in effect and where it came from; an unset one is
    /// "(none)".
    #[test]
    fn the_settings_in_effect_are_named_with_their_sources() {
        let f = healthy();
        assert_eq!(
            diagnose(&f)[0].detail,
            "context admin (kubeconfig), user admin (kubeconfig), namespace staging (kmcp.yaml); API server https://127.0.0.1:6443, Kubernetes v1.20.0"
        );
        let mut f = healthy();
        f.context.context = None;
        f.context.user = None;
        f.context.context_source = crate::core::Source::Default;
        let detail = diagnose(&f)[0].detail.clone();
        assert!(
            detail.starts_with("context (none) (default), user (none) (kubeconfig),"),
            "{detail}"
        );
    }
}
