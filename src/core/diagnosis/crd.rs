//! `crd`: whether the API server serves `kagent.dev/v1alpha1` `mcpservers` (API discovery, open
//! to every user, unlike reading CRDs). When it fails, `mcpserver` and `pods` are `skip`.
use super::{Check, Facts, Fetch};
use crate::core::CheckStatus;
use crate::core::mcpserver;

/// Passes when the MCPServer resource is served, fails when it is not; warns when discovery
/// could not tell.
pub(super) fn check(f: &Facts) -> Check {
    match &f.crd {
        Fetch::Got(true) => Check::new(
            "crd",
            CheckStatus::Pass,
            format!(
                "{} is installed ({}/{} is served)",
                mcpserver::CRD_NAME,
                mcpserver::GROUP,
                mcpserver::VERSION
            ),
        ),
        Fetch::Got(false) => Check::new(
            "crd",
            CheckStatus::Fail,
            format!(
                "the MCPServer CRD {} is not installed: the API server does not serve {}/{}",
                mcpserver::CRD_NAME,
                mcpserver::GROUP,
                mcpserver::VERSION
            ),
        )
        .hint(format!(
            "install kmcp (its CRDs and controller), e.g. with `kmcp install`; check with `kubectl get crd {}`",
            mcpserver::CRD_NAME
        )),
        Fetch::Forbidden(cmd) => Check::new(
            "crd",
            CheckStatus::Warn,
            "cannot tell whether the MCPServer CRD is installed: API discovery was refused",
        )
        .hint(format!("check with `{cmd}`")),
        Fetch::Failed(why) => Check::new(
            "crd",
            CheckStatus::Warn,
            format!("cannot tell whether the MCPServer CRD is installed: {why}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::core::CheckStatus;
    use crate::core::diagnosis::testing::*;
    use crate::core::diagnosis::*;

    #[test]
    fn missing_crd_fails_and_skips_the_server_and_pods() {
        let mut f = healthy();
        f.crd = Fetch::Got(false);
        f.mcpserver = Fetch::Got(None);
        let checks = diagnose(&f);
        assert_eq!(status_of(&checks, "crd"), CheckStatus::Fail);
        assert_eq!(status_of(&checks, "mcpserver"), CheckStatus::Skip);
        assert_eq!(status_of(&checks, "pods"), CheckStatus::Skip);
    }
}
