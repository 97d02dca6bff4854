//! The checks of `troubleshoot`, evaluated from what was fetched: the connection, the MCPServer,
//! its Secrets (key names and hashes only), the env files, the access answers, the pods and their
//! events. Pure: no I/O, so that every broken state has a fast unit test.
//!
//! The checks run in a fixed order with stable ids ([`IDS`]); a check that depends on one that
//! failed is `skip`. No value of a Secret or an env file ever reaches this module: only key names
//! and SHA-256 hashes (see [`KeyHashes`]).
//!
//! One file per check, named by its id ([`context`], [`crd`], [`mcpserver`], [`namespace`],
//! [`secret`], [`keys`], [`drift`], [`can_i`], [`pods`]); [`facts`] holds what they look at and
//! [`text`] the wording they share. This file runs them in order and holds the skip chain.
use serde::Serialize;

use crate::core::CheckStatus;

mod can_i;
mod context;
mod crd;
mod drift;
mod facts;
mod keys;
mod mcpserver;
mod namespace;
mod pods;
mod secret;
#[cfg(test)]
pub(crate) mod testing;
mod text;

pub use facts::{
    AccessFacts, ContextFacts, EnvFileFacts, EnvironmentFacts, ExampleFacts, Facts, Fetch,
    KeyHashes, NEEDED_ACCESS, SecretFacts, access_questions, wanted_secrets,
};

/// The checks, in the order they run.
pub const IDS: [&str; 9] = [
    "context",
    "crd",
    "mcpserver",
    "namespace",
    "secret",
    "keys",
    "drift",
    "can-i",
    "pods",
];

/// One result line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub id: &'static str,
    pub status: CheckStatus,
    /// What was found; several findings are separated by newlines.
    pub detail: String,
    /// The fix: what to run or change; empty when there is nothing to do.
    pub hint: String,
}

impl Check {
    fn new(id: &'static str, status: CheckStatus, detail: impl Into<String>) -> Check {
        Check {
            id,
            status,
            detail: detail.into(),
            hint: String::new(),
        }
    }
    fn hint(mut self, hint: impl Into<String>) -> Check {
        self.hint = hint.into();
        self
    }
    fn skip(id: &'static str, why: impl Into<String>) -> Check {
        Check::new(id, CheckStatus::Skip, why)
    }
}

/// Runs every check in order.
pub fn diagnose(f: &Facts) -> Vec<Check> {
    let context = context::check(f);
    if context.status == CheckStatus::Fail {
        let mut out = vec![context];
        out.extend(
            IDS[1..]
                .iter()
                .map(|id| Check::skip(id, "the cluster cannot be reached (see the context check)")),
        );
        return out;
    }
    let crd = crd::check(f);
    let server = if crd.status == CheckStatus::Fail {
        Check::skip("mcpserver", "the MCPServer CRD is not installed")
    } else {
        mcpserver::check(f)
    };
    let namespace = namespace::check(f);
    let secret = secret::check(f);
    let (keys, drift) = match secret.status {
        CheckStatus::Fail => (
            Check::skip("keys", "a Secret is missing (see the secret check)"),
            Check::skip("drift", "a Secret is missing (see the secret check)"),
        ),
        _ => (keys::check(f), drift::check(f)),
    };
    let can_i = can_i::check(f);
    let pods = match (crd.status, server.status) {
        (CheckStatus::Fail, _) | (_, CheckStatus::Skip) => {
            Check::skip("pods", "the MCPServer CRD is not installed")
        }
        (_, CheckStatus::Fail) => Check::skip(
            "pods",
            format!(
                "no MCPServer {} in namespace {} (see the mcpserver check)",
                f.server, f.namespace
            ),
        ),
        _ => pods::check(f),
    };
    vec![
        context, crd, server, namespace, secret, keys, drift, can_i, pods,
    ]
}

/// The overall outcome: whether any check failed.
pub fn any_failed(checks: &[Check]) -> bool {
    checks.iter().any(|c| c.status == CheckStatus::Fail)
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

    #[test]
    fn healthy_setup_passes_every_check_in_order() {
        let checks = diagnose(&healthy());
        assert_eq!(
            checks.iter().map(|c| c.id).collect::<Vec<_>>(),
            IDS.to_vec()
        );
        for c in &checks {
            assert_eq!(c.status, CheckStatus::Pass, "{c:?}");
        }
        assert!(!any_failed(&checks));
        assert!(
            by_id(&checks, "context")
                .detail
                .contains("namespace staging (kmcp.yaml)")
        );
    }

    #[test]
    fn no_server_and_no_environment_skips_the_secret_chain() {
        let mut f = healthy();
        f.environment = None;
        f.mcpserver = Fetch::Got(None);
        f.secrets.clear();
        let checks = diagnose(&f);
        assert_eq!(
            statuses(&checks)[2..7],
            [
                ("mcpserver", CheckStatus::Fail),
                ("namespace", CheckStatus::Pass),
                ("secret", CheckStatus::Skip),
                ("keys", CheckStatus::Skip),
                ("drift", CheckStatus::Skip),
            ]
        );
    }

    #[test]
    fn one_failed_check_makes_the_outcome_a_failure() {
        let mut f = healthy();
        f.crd = Fetch::Got(false);
        let checks = diagnose(&f);
        assert_eq!(status_of(&checks, "crd"), CheckStatus::Fail);
        assert!(any_failed(&checks));
        // A warning alone is not a failure.
        let mut f = healthy();
        f.events = vec![event(serde_json::json!({
            "involvedObject": {"kind": "MCPServer", "name": "weather"},
            "type": "Warning", "reason": "Slow", "message": "m"
        }))];
        let checks = diagnose(&f);
        assert_eq!(status_of(&checks, "pods"), CheckStatus::Warn);
        assert!(!any_failed(&checks));
    }

    /// A failed secret check skips keys and drift with its own reason: their checks would
    /// otherwise compare keys against a Secret that is not there.
    #[test]
    fn a_failed_secret_check_skips_keys_and_drift_with_that_reason() {
        let mut f = healthy();
        f.secrets.insert(SECRET.into(), Fetch::Got(None));
        let checks = diagnose(&f);
        assert_eq!(status_of(&checks, "secret"), CheckStatus::Fail);
        for id in ["keys", "drift"] {
            let c = by_id(&checks, id);
            assert_eq!(c.status, CheckStatus::Skip, "{c:?}");
            assert_eq!(
                c.detail, "a Secret is missing (see the secret check)",
                "{c:?}"
            );
        }
    }
}
