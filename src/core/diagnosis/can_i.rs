//! `can-i`: the user may do what the sync/deploy/troubleshoot workflow needs in the namespace
//! ([`NEEDED_ACCESS`](super::NEEDED_ACCESS), asked by SelfSubjectAccessReview).
use super::{AccessFacts, Check, Facts, Fetch};
use crate::core::CheckStatus;

/// Passes when every needed verb is allowed. A denied read (get, list) fails: troubleshoot cannot
/// see the server's state. Denied writes only (create, patch: a read-only user) are a warning:
/// the server is as healthy as the other checks say, only sync and deploy would be refused.
/// Both list the denied verbs with their `kubectl auth can-i` lines; the check warns when the
/// review itself could not be made.
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
                // A denied get (of the server, of a Secret it reads) hides what the checks are
                // about: a failure. A denied list only hides one check's input (the pods, the
                // events): the others are complete, and the skipped part is named.
                let gets_denied = missing.iter().any(|a| a.verb == "get");
                let lists_denied: Vec<&str> = missing
                    .iter()
                    .filter(|a| is_read(&a.verb) && a.verb != "get")
                    .map(|a| skipped_by(&a.resource))
                    .collect();
                let (status, needed_by) = if gets_denied {
                    (
                        CheckStatus::Fail,
                        "the sync/deploy/troubleshoot workflow needs them".to_string(),
                    )
                } else if !lists_denied.is_empty() {
                    (
                        CheckStatus::Warn,
                        format!(
                            "skipped: {}; every other check is complete",
                            lists_denied.join(", ")
                        ),
                    )
                } else {
                    (
                        CheckStatus::Warn,
                        "read-only: enough to troubleshoot; secrets sync and deploy need them"
                            .to_string(),
                    )
                };
                Check::new(
                    "can-i",
                    status,
                    format!(
                        "{who} may not {} in namespace {} ({needed_by})",
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

/// What troubleshoot cannot check without `list` on `resource`.
fn skipped_by(resource: &str) -> &'static str {
    match resource {
        "pods" => "the pods check (the server's pods, their containers and environment)",
        "events" => "the events of the server and its pods",
        _ => "what needs that list",
    }
}

/// Whether `verb` only reads.
fn is_read(verb: &str) -> bool {
    matches!(verb, "get" | "list" | "watch")
}

#[cfg(test)]
mod tests {
    use crate::core::CheckStatus;
    use crate::core::diagnosis::testing::*;
    use crate::core::diagnosis::*;

    #[test]
    fn a_read_only_user_is_a_warning_not_a_failure() {
        let mut f = healthy();
        if let Fetch::Got(answers) = &mut f.access {
            for a in answers.iter_mut() {
                a.allowed = matches!(a.verb.as_str(), "get" | "list");
            }
        }
        let checks = diagnose(&f);
        let c = by_id(&checks, "can-i").clone();
        assert_eq!(c.status, CheckStatus::Warn, "{c:?}");
        assert!(
            c.detail.contains("may not create secrets, patch secrets"),
            "{}",
            c.detail
        );
        assert!(c.detail.contains("read-only"), "{}", c.detail);
        assert!(
            c.hint
                .contains("kubectl auth can-i create secrets -n staging"),
            "{}",
            c.hint
        );
        assert!(!any_failed(&checks), "{checks:?}");
    }

    #[test]
    fn missing_rights_are_listed_with_can_i_lines() {
        let mut f = healthy();
        if let Fetch::Got(answers) = &mut f.access {
            answers[1].allowed = false;
            answers[4].allowed = false;
            // a list: the pods check is skipped, the others are complete
            answers[6].allowed = false;
        }
        let c = by_id(&diagnose(&f), "can-i").clone();
        assert_eq!(c.status, CheckStatus::Warn, "{c:?}");
        assert!(
            c.detail
                .contains("may not create secrets, create mcpservers.kagent.dev, list pods"),
            "{}",
            c.detail
        );
        assert!(
            c.detail.contains("skipped: the pods check") && !c.detail.contains("events"),
            "{}",
            c.detail
        );
        assert!(
            c.hint
                .contains("kubectl auth can-i create secrets -n staging")
        );
    }

    #[test]
    fn a_denied_get_fails_and_a_denied_list_of_events_warns() {
        let mut f = healthy();
        if let Fetch::Got(answers) = &mut f.access {
            answers[7].allowed = false;
        }
        let c = by_id(&diagnose(&f), "can-i").clone();
        assert_eq!(c.status, CheckStatus::Warn, "{c:?}");
        assert!(
            c.detail
                .contains("skipped: the events of the server and its pods"),
            "{}",
            c.detail
        );
        if let Fetch::Got(answers) = &mut f.access {
            answers[0].allowed = false;
        }
        let c = by_id(&diagnose(&f), "can-i").clone();
        assert_eq!(c.status, CheckStatus::Fail, "{c:?}");
        assert!(
            c.detail.contains("may not get secrets, list events"),
            "{}",
            c.detail
        );
    }

    #[test]
    fn no_access_question_skips_the_check() {
        let mut f = healthy();
        f.access = Fetch::Got(vec![]);
        let c = by_id(&diagnose(&f), "can-i").clone();
        assert_eq!(c.status, CheckStatus::Skip, "{c:?}");
        assert_eq!(c.detail, "no access question asked");
    }
}
