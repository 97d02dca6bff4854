//! `can-i`: the user may do what the sync/deploy/troubleshoot workflow needs in the namespace
//! ([`NEEDED_ACCESS`](super::NEEDED_ACCESS), asked by SelfSubjectAccessReview).
use super::{AccessFacts, Check, Facts, Fetch};
use crate::core::CheckStatus;

/// Passes when every needed verb is allowed; fails listing the denied ones with their
/// `kubectl auth can-i` lines; warns when the review itself could not be made.
pub(super) fn check(f: &Facts) -> Check {
    let who = f
        .context
        .user
        .as_deref()
        .map(|u| format!("user {u}"))
        .unwrap_or_else(|| "the current user".into());
    match &f.access {
        Fetch::Got(answers) if answers.is_empty() => {
            Check::skip("can-i", "no access question asked")
        }
        Fetch::Got(answers) => {
            let missing: Vec<&AccessFacts> = answers.iter().filter(|a| !a.allowed).collect();
            if missing.is_empty() {
                let all: Vec<String> = answers
                    .iter()
                    .map(|a| format!("{} {}", a.verb, a.resource))
                    .collect();
                Check::new(
                    "can-i",
                    CheckStatus::Pass,
                    format!("{who} may {} in {}", all.join(", "), f.namespace),
                )
            } else {
                let list: Vec<String> = missing
                    .iter()
                    .map(|a| format!("{} {}", a.verb, a.resource))
                    .collect();
                let commands: Vec<String> = missing.iter().map(|a| a.command.clone()).collect();
                Check::new(
                    "can-i",
                    CheckStatus::Fail,
                    format!(
                        "{who} may not {} in namespace {} (the sync/deploy/troubleshoot workflow needs them)",
                        list.join(", "),
                        f.namespace
                    ),
                )
                .hint(format!(
                    "ask a cluster admin for a Role with these verbs; reproduce with:\n{}",
                    commands.join("\n")
                ))
            }
        }
        Fetch::Forbidden(cmd) => Check::new(
            "can-i",
            CheckStatus::Warn,
            "the API server refused the access review (SelfSubjectAccessReview)",
        )
        .hint(format!("check with `{cmd}`")),
        Fetch::Failed(why) => Check::new(
            "can-i",
            CheckStatus::Warn,
            format!("cannot ask the API server: {why}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::core::CheckStatus;
    use crate::core::diagnosis::testing::*;
    use crate::core::diagnosis::*;

    #[test]
    fn missing_rights_are_listed_with_can_i_lines() {
        let mut f = healthy();
        if let Fetch::Got(answers) = &mut f.access {
            answers[1].allowed = false;
            answers[4].allowed = false;
        }
        let c = by_id(&diagnose(&f), "can-i").clone();
        assert_eq!(c.status, CheckStatus::Fail);
        assert!(
            c.detail
                .contains("may not create secrets, create mcpservers.kagent.dev"),
            "{}",
            c.detail
        );
        assert!(
            c.hint
                .contains("kubectl auth can-i create secrets -n staging")
        );
    }
}
