//! `pods`: what the cluster says about the running server, without exec: the MCPServer's
//! conditions, Warning events about it and its Deployment, each pod's container states and its
//! kubelet events ([`containers`]), and whether the `mcp-server` container's environment would
//! get each expected key ([`env`]).
use k8s_openapi::api::core::v1::Event;

use super::text::unique_lines;
use super::{Check, Facts, Fetch};
use crate::core::CheckStatus;
use crate::core::mcpserver;

mod containers;
mod env;

/// What the check has found so far: its result (the worst finding), the detail lines and the
/// fixes.
struct Findings {
    status: CheckStatus,
    lines: Vec<String>,
    hints: Vec<String>,
}

impl Findings {
    fn new() -> Findings {
        Findings {
            status: CheckStatus::Pass,
            lines: Vec::new(),
            hints: Vec::new(),
        }
    }

    /// A finding of severity `status`: the check's result becomes the worse of the two.
    fn add(&mut self, status: CheckStatus, line: String) {
        self.status = self.status.max(status);
        self.lines.push(line);
    }

    /// A line that reports something healthy: it does not change the result.
    fn note(&mut self, line: String) {
        self.lines.push(line);
    }

    /// A fix to suggest; empty ones are dropped, repeated ones shown once.
    fn hint(&mut self, hint: impl Into<String>) {
        let hint = hint.into();
        if !hint.is_empty() {
            self.hints.push(hint);
        }
    }

    /// The check; `fine` is its detail when nothing at all was found.
    fn into_check(mut self, fine: String) -> Check {
        if self.lines.is_empty() {
            self.lines.push(fine);
        }
        Check::new("pods", self.status, self.lines.join("\n")).hint(unique_lines(self.hints))
    }
}

/// Every finding of the pods check in one result: the worst of them, each on its own line.
pub(super) fn check(f: &Facts) -> Check {
    let selector = mcpserver::pod_selector(&f.server);
    let fine = format!("pods of {selector} are fine");
    let mut found = Findings::new();
    server_conditions(f, &mut found);
    server_events(f, &mut found);

    let pods = match &f.pods {
        Fetch::Got(p) => p,
        Fetch::Forbidden(cmd) => {
            found.add(
                CheckStatus::Warn,
                format!("you may not list pods in {}", f.namespace),
            );
            found.hint(format!("check with `{cmd}`"));
            return found.into_check(fine);
        }
        Fetch::Failed(why) => {
            found.add(CheckStatus::Warn, format!("cannot list pods: {why}"));
            return found.into_check(fine);
        }
    };
    if pods.is_empty() {
        found.add(
            CheckStatus::Warn,
            format!(
                "no pods match {selector} in {}: the controller has not created them (yet), or the Deployment cannot create them",
                f.namespace
            ),
        );
        found.hint(format!(
            "look at the Deployment: `kubectl describe deployment {} -n {}`",
            f.server, f.namespace
        ));
    }

    let secret_keys = f.readable_keys();
    let expected = env::expected_keys(f);
    for pod in pods {
        let name = pod.metadata.name.as_deref().unwrap_or("?");
        containers::states(f, pod, name, &mut found);
        containers::events(f, name, &mut found);
        env::server_container_env(f, pod, name, &expected, &secret_keys, &mut found);
    }
    found.into_check(fine)
}

/// The MCPServer's status conditions ([`mcpserver::CONDITIONS`]): `False` fails, any other
/// value or an unset condition warns; the True ones are listed first. No conditions at all means
/// the kmcp controller has not reconciled the server: a warning.
fn server_conditions(f: &Facts, found: &mut Findings) {
    let Some(status) = f.server_status().filter(|s| !s.conditions.is_empty()) else {
        if f.server_object().is_some() {
            found.add(
                CheckStatus::Warn,
                format!(
                    "MCPServer {} has no status conditions: the kmcp controller has not reconciled it",
                    f.server
                ),
            );
            found.hint(
                "check that the kmcp controller is running (`kubectl get pods -A -l app.kubernetes.io/name=kmcp`) and read its logs",
            );
        }
        return;
    };
    let mut true_ones = Vec::new();
    let mut problems = Vec::new();
    for name in mcpserver::CONDITIONS {
        match status.condition(name) {
            Some(c) if c.status == "True" => true_ones.push(name),
            Some(c) => {
                let severity = if c.status == "False" {
                    CheckStatus::Fail
                } else {
                    CheckStatus::Warn
                };
                let reason = c.reason.as_deref().unwrap_or("no reason");
                let message = c
                    .message
                    .as_deref()
                    .map(|m| format!(": {m}"))
                    .unwrap_or_default();
                problems.push((
                    severity,
                    format!(
                        "MCPServer condition {name}={} ({reason}){message}",
                        c.status
                    ),
                ));
            }
            None => problems.push((
                CheckStatus::Warn,
                format!("MCPServer condition {name} is not set yet"),
            )),
        }
    }
    if !true_ones.is_empty() {
        found.note(format!(
            "MCPServer conditions True: {}",
            true_ones.join(", ")
        ));
    }
    for (severity, line) in problems {
        found.add(severity, line);
    }
}

/// The object an event is about: its kind and name, as far as the event says.
fn involved(e: &Event) -> (Option<&str>, Option<&str>) {
    (
        e.involved_object.kind.as_deref(),
        e.involved_object.name.as_deref(),
    )
}

/// Warning events about the MCPServer itself and its Deployment (named like the server): each
/// warns.
fn server_events(f: &Facts, found: &mut Findings) {
    for e in &f.events {
        let (kind, name) = involved(e);
        let about_server = name == Some(f.server.as_str())
            && matches!(kind, Some("MCPServer") | Some("Deployment"));
        if !about_server || e.type_.as_deref() != Some("Warning") {
            continue;
        }
        found.add(
            CheckStatus::Warn,
            format!(
                "event {} on {} {}: {}",
                e.reason.as_deref().unwrap_or(""),
                kind.unwrap_or(""),
                f.server,
                e.message.as_deref().unwrap_or("")
            ),
        );
    }
}

/// The fix for a kubelet message about a Secret ("couldn't find key", "secret ... not found"),
/// or "" for any other message.
fn kubelet_hint(f: &Facts, message: &str) -> String {
    let m = message.to_lowercase();
    if m.contains("couldn't find key") {
        match &f.environment {
            Some(env) => format!(
                "put the key into the Secret with `kubectl kmcp secrets sync {}{}` (add it to the env file first if it lacks it); the kubelet retries by itself",
                env.name, f.project_flags
            ),
            None => "add the key to the Secret (see the keys check); the kubelet retries by itself"
                .into(),
        }
    } else if m.contains("secret") && m.contains("not found") {
        // `secret "NAME" not found`: the fix of the secret check for that Secret (a pull or
        // TLS Secret is not made by `secrets sync`).
        match quoted_secret_name(message) {
            Some(name) => format!(
                "{}; the kubelet retries by itself",
                super::secret::create_hint(f, &name)
            ),
            None => format!(
                "create the Secret in {} (see the secret check); the kubelet retries by itself",
                f.namespace
            ),
        }
    } else {
        String::new()
    }
}

/// The name in a kubelet message `secret "NAME" not found`.
fn quoted_secret_name(message: &str) -> Option<String> {
    let start = message.find("secret \"")? + 8;
    let end = message[start..].find('"')?;
    Some(message[start..start + end].to_string())
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
    fn warning_events_on_the_server_are_shown() {
        let mut f = healthy();
        f.events = vec![
            event(
                json!({"involvedObject": {"kind": "MCPServer", "name": "weather"}, "type": "Warning",
                       "reason": "ReconcileError", "message": "deployment could not be created"}),
            ),
            event(
                json!({"involvedObject": {"kind": "MCPServer", "name": "weather"}, "type": "Normal",
                       "reason": "Reconciled", "message": "ok"}),
            ),
        ];
        let pods = pods_check(&f);
        assert_eq!(pods.status, CheckStatus::Warn);
        assert!(
            pods.detail
                .contains("event ReconcileError on MCPServer weather")
        );
        assert!(!pods.detail.contains("Reconciled:"));
    }

    #[test]
    fn false_conditions_fail_with_their_reason() {
        let mut f = healthy();
        let mut server = server_json();
        server["status"]["conditions"][1] = json!({"type": "ResolvedRefs", "status": "False", "reason": "SecretNotFound", "message": "secret weather-secrets not found"});
        f.mcpserver = Fetch::Got(Some(server));
        let pods = pods_check(&f);
        assert_eq!(pods.status, CheckStatus::Fail);
        assert!(pods.detail.contains("ResolvedRefs=False (SecretNotFound)"));
        // The True ones come first.
        assert!(
            pods.detail
                .starts_with("MCPServer conditions True: Accepted, Programmed, Ready\n"),
            "{}",
            pods.detail
        );
    }

    #[test]
    fn missing_pods_statuses_or_conditions_warn() {
        let mut f = healthy();
        f.pods = Fetch::Got(vec![]);
        let pods = pods_check(&f);
        assert_eq!(pods.status, CheckStatus::Warn);
        assert!(pods.detail.contains("no pods match"), "{}", pods.detail);
        assert!(
            pods.hint
                .contains("kubectl describe deployment weather -n staging")
        );

        let mut p = pod_json(json!({}), false);
        p["status"] = json!({"phase": "Failed"});
        f.pods = Fetch::Got(vec![typed_pod(p)]);
        let pods = pods_check(&f);
        assert_eq!(pods.status, CheckStatus::Fail);
        assert!(
            pods.detail
                .contains("pod weather-abc: Failed, no container has started yet")
        );

        let mut f = healthy();
        let mut server = server_json();
        server["status"] = json!({});
        f.mcpserver = Fetch::Got(Some(server));
        let pods = pods_check(&f);
        assert_eq!(pods.status, CheckStatus::Warn);
        assert!(pods.detail.contains("has no status conditions"));
    }

    /// Only Warning events about the server itself or its Deployment (named like it) count
    /// as the server's.
    #[test]
    fn server_events_are_the_server_and_its_deployment_only() {
        let mut f = healthy();
        let warning = |kind: &str, name: &str| {
            event(
                json!({"involvedObject": {"kind": kind, "name": name}, "type": "Warning",
                         "reason": "Oops", "message": format!("{kind} {name}")}),
            )
        };
        f.events = vec![
            warning("Deployment", "other"),
            warning("Service", "weather"),
        ];
        let pods = pods_check(&f);
        assert_eq!(pods.status, CheckStatus::Pass, "{}", pods.detail);
        f.events = vec![warning("Deployment", "weather")];
        let pods = pods_check(&f);
        assert_eq!(pods.status, CheckStatus::Warn, "{}", pods.detail);
        assert!(
            pods.detail
                .contains("event Oops on Deployment weather: Deployment weather"),
            "{}",
            pods.detail
        );
    }
}
