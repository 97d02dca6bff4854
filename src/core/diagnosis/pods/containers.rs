//! The pods' containers: each one's state (waiting, terminated, running) and the kubelet's
//! events about the pod.
use k8s_openapi::api::core::v1::{
    ContainerStateTerminated, ContainerStateWaiting, ContainerStatus, Pod,
};

use super::{Findings, involved, kubelet_hint};
use crate::core::CheckStatus;
use crate::core::diagnosis::Facts;

/// The state of each container of the pod `name`, init containers first. A pod without any
/// container status yet warns (fails when the pod has failed).
pub(super) fn states(f: &Facts, pod: &Pod, name: &str, found: &mut Findings) {
    let status = pod.status.as_ref();
    let statuses: Vec<&ContainerStatus> = status
        .into_iter()
        .flat_map(|s| {
            s.init_container_statuses
                .iter()
                .flatten()
                .chain(s.container_statuses.iter().flatten())
        })
        .collect();
    if statuses.is_empty() {
        let phase = status.and_then(|s| s.phase.as_deref()).unwrap_or("Unknown");
        let severity = if phase == "Failed" {
            CheckStatus::Fail
        } else {
            CheckStatus::Warn
        };
        found.add(
            severity,
            format!("pod {name}: {phase}, no container has started yet"),
        );
    }
    for cs in statuses {
        let state = cs.state.as_ref();
        if let Some(waiting) = state.and_then(|s| s.waiting.as_ref()) {
            container_waiting(f, name, cs, waiting, found);
        } else if let Some(terminated) = state.and_then(|s| s.terminated.as_ref()) {
            container_terminated(name, cs, terminated, found);
        } else if state.is_some_and(|s| s.running.is_some()) {
            container_running(name, cs, found);
        }
    }
}

/// A waiting container fails (it cannot start), except while it is being created. A crash loop
/// is shown with its restarts and last exit; image and Secret problems get their fix.
fn container_waiting(
    f: &Facts,
    pod: &str,
    cs: &ContainerStatus,
    waiting: &ContainerStateWaiting,
    found: &mut Findings,
) {
    let container = &cs.name;
    let reason = waiting.reason.as_deref().unwrap_or("Waiting");
    let severity = match reason {
        "ContainerCreating" | "PodInitializing" => CheckStatus::Warn,
        _ => CheckStatus::Fail,
    };
    let extra = match reason {
        "CrashLoopBackOff" => {
            let last = cs.last_state.as_ref().and_then(|s| s.terminated.as_ref());
            let why = last.and_then(|t| t.reason.as_deref()).unwrap_or("");
            let code = last
                .map(|t| format!(" with exit code {}", t.exit_code))
                .unwrap_or_default();
            found.hint(format!(
                "read why it exits: `kubectl logs {pod} -c {container} -n {} --previous`",
                f.namespace
            ));
            format!(
                " (crash loop: {} restarts, last exit {why}{code})",
                cs.restart_count
            )
        }
        "ImagePullBackOff" | "ErrImagePull" | "InvalidImageName" => {
            found.hint(
                "fix the image name or its pull Secret (spec.deployment.image, imagePullSecrets)",
            );
            String::new()
        }
        _ => String::new(),
    };
    let message = match waiting.message.as_deref().unwrap_or("") {
        "" => String::new(),
        m => format!(": {m}"),
    };
    found.add(
        severity,
        format!("pod {pod}: container {container} waiting, {reason}{message}{extra}"),
    );
    found.hint(kubelet_hint(f, &message));
}

/// A terminated container: with exit code 0 it warns, with any other it fails.
fn container_terminated(
    pod: &str,
    cs: &ContainerStatus,
    terminated: &ContainerStateTerminated,
    found: &mut Findings,
) {
    let reason = terminated.reason.as_deref().unwrap_or("Terminated");
    let code = terminated.exit_code;
    let severity = if code == 0 {
        CheckStatus::Warn
    } else {
        CheckStatus::Fail
    };
    found.add(
        severity,
        format!(
            "pod {pod}: container {} terminated, {reason} (exit code {code})",
            cs.name
        ),
    );
}

/// A running container is fine when it is ready (its restarts are shown), else it warns.
fn container_running(pod: &str, cs: &ContainerStatus, found: &mut Findings) {
    if cs.ready {
        let restarts = if cs.restart_count > 0 {
            format!(" ({} restarts)", cs.restart_count)
        } else {
            String::new()
        };
        found.note(format!(
            "pod {pod}: container {} running and ready{restarts}",
            cs.name
        ));
    } else {
        found.add(
            CheckStatus::Warn,
            format!("pod {pod}: container {} running but not ready", cs.name),
        );
    }
}

/// Events about the pod `name` (older ones too: they are often the only trace of a skipped key).
/// The kubelet's known failure reasons fail (whatever the event's type), other Warning events
/// warn, the rest is left out.
pub(super) fn events(f: &Facts, name: &str, found: &mut Findings) {
    for e in &f.events {
        let (kind, about) = involved(e);
        let about_pod = about == Some(name) && kind.is_none_or(|k| k == "Pod");
        if !about_pod {
            continue;
        }
        let reason = e.reason.as_deref().unwrap_or("");
        let message = e.message.as_deref().unwrap_or("");
        let warning = e.type_.as_deref() == Some("Warning");
        let known = matches!(
            reason,
            "Failed" | "FailedMount" | "InvalidEnvironmentVariableNames" | "BackOff"
        );
        if !(warning || known) {
            continue;
        }
        let severity = if known {
            CheckStatus::Fail
        } else {
            CheckStatus::Warn
        };
        let count = e
            .count
            .filter(|c| *c > 1)
            .map(|c| format!(" (x{c})"))
            .unwrap_or_default();
        found.add(
            severity,
            format!("event {reason}{count} on pod {name}: {message}"),
        );
        let hint = kubelet_hint(f, message);
        if !hint.is_empty() {
            found.hint(hint);
        } else if reason == "InvalidEnvironmentVariableNames" {
            found.hint(
                "rename those keys to valid variable names (letters, digits, `_`, not starting with a digit) in the env file and sync again",
            );
        } else if reason == "FailedMount" {
            found.hint(format!(
                "the mounted Secret or key is missing: see the secret and keys checks; `kubectl describe pod {name} -n {}`",
                f.namespace
            ));
        }
    }
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
    fn create_container_config_error_and_events_fail_the_pods_check() {
        let mut f = healthy();
        f.pods = Fetch::Got(vec![pod(
            json!({"waiting": {"reason": "CreateContainerConfigError", "message": "secret \"weather-secrets\" not found"}}),
            false,
        )]);
        f.events = vec![event(json!({
            "involvedObject": {"kind": "Pod", "name": "weather-abc"},
            "reason": "Failed", "type": "Warning", "count": 3,
            "message": "Error: secret \"weather-secrets\" not found"
        }))];
        let pods = pods_check(&f);
        assert_eq!(pods.status, CheckStatus::Fail);
        assert!(
            pods.detail
                .contains("CreateContainerConfigError: secret \"weather-secrets\" not found")
        );
        assert!(pods.detail.contains("event Failed (x3) on pod weather-abc"));
        assert!(pods.hint.contains("kubectl kmcp secrets sync staging"));
    }

    #[test]
    fn create_container_config_error_alone_fails_the_pods_check() {
        // No Failed event, every controller condition True: the container state alone decides.
        let mut f = healthy();
        f.pods = Fetch::Got(vec![pod(
            json!({"waiting": {"reason": "CreateContainerConfigError", "message": "couldn't find key DB_URL in Secret staging/weather-secrets"}}),
            false,
        )]);
        assert!(f.events.is_empty());
        let pods = pods_check(&f);
        assert_eq!(pods.status, CheckStatus::Fail, "{}", pods.detail);
        assert!(pods.detail.contains("CreateContainerConfigError"));
    }

    #[test]
    fn crash_loop_and_invalid_names_are_reported() {
        let mut f = healthy();
        let mut p = pod_json(json!({"waiting": {"reason": "CrashLoopBackOff"}}), false);
        p["status"]["containerStatuses"][0]["restartCount"] = json!(5);
        p["status"]["containerStatuses"][0]["lastState"] =
            json!({"terminated": {"reason": "Error", "exitCode": 1}});
        f.pods = Fetch::Got(vec![typed_pod(p)]);
        f.events = vec![event(json!({
            "involvedObject": {"kind": "Pod", "name": "weather-abc"},
            "reason": "InvalidEnvironmentVariableNames", "type": "Warning",
            "message": "Keys [1BAD] from the EnvFrom secret staging/weather-secrets were skipped"
        }))];
        let pods = pods_check(&f);
        assert_eq!(pods.status, CheckStatus::Fail);
        assert!(
            pods.detail
                .contains("crash loop: 5 restarts, last exit Error with exit code 1")
        );
        assert!(pods.detail.contains("InvalidEnvironmentVariableNames"));
        assert!(pods.hint.contains("--previous"));
        assert!(
            pods.hint
                .contains("rename those keys to valid variable names")
        );
    }

    #[test]
    fn each_container_state_has_its_severity() {
        let cases = [
            (
                json!({"waiting": {"reason": "ContainerCreating"}}),
                CheckStatus::Warn,
                "container mcp-server waiting, ContainerCreating",
            ),
            (
                json!({"waiting": {"reason": "ImagePullBackOff", "message": "not found: weather:1"}}),
                CheckStatus::Fail,
                "waiting, ImagePullBackOff: not found: weather:1",
            ),
            (
                json!({"terminated": {"reason": "Completed", "exitCode": 0}}),
                CheckStatus::Warn,
                "container mcp-server terminated, Completed (exit code 0)",
            ),
            (
                json!({"terminated": {"exitCode": 2}}),
                CheckStatus::Fail,
                "container mcp-server terminated, Terminated (exit code 2)",
            ),
            (
                json!({"running": {}}),
                CheckStatus::Warn,
                "container mcp-server running but not ready",
            ),
        ];
        for (state, status, line) in cases {
            let mut f = healthy();
            f.pods = Fetch::Got(vec![pod(state.clone(), false)]);
            let pods = pods_check(&f);
            assert_eq!(pods.status, status, "{state}: {}", pods.detail);
            assert!(pods.detail.contains(line), "{state}: {}", pods.detail);
        }
        let mut f = healthy();
        f.pods = Fetch::Got(vec![pod(
            json!({"waiting": {"reason": "ErrImagePull"}}),
            false,
        )]);
        assert!(pods_check(&f).hint.contains("imagePullSecrets"));
    }

    #[test]
    fn restarts_of_a_ready_container_are_shown_only_when_there_are_some() {
        let mut f = healthy();
        let pods = pods_check(&f);
        assert!(
            pods.detail
                .contains("pod weather-abc: container mcp-server running and ready\n")
                || pods
                    .detail
                    .ends_with("pod weather-abc: container mcp-server running and ready"),
            "{}",
            pods.detail
        );
        let mut p = pod_json(json!({"running": {}}), true);
        p["status"]["containerStatuses"][0]["restartCount"] = json!(2);
        f.pods = Fetch::Got(vec![typed_pod(p)]);
        let pods = pods_check(&f);
        assert_eq!(pods.status, CheckStatus::Pass);
        assert!(
            pods.detail
                .contains("container mcp-server running and ready (2 restarts)"),
            "{}",
            pods.detail
        );
    }

    fn pod_event(
        name: &str,
        kind: Option<&str>,
        type_: &str,
        reason: &str,
        count: i32,
    ) -> k8s_openapi::api::core::v1::Event {
        let mut involved = json!({"name": name});
        if let Some(kind) = kind {
            involved["kind"] = json!(kind);
        }
        event(json!({
            "involvedObject": involved, "type": type_, "reason": reason,
            "message": format!("{reason} happened"), "count": count
        }))
    }

    /// Which events about the pod count: only the pod's own (by name, kind Pod or unset); the
    /// kubelet's known failure reasons fail whatever their type; other Warnings warn; the rest
    /// (Normal, unknown reason) is left out. A count of 1 is not shown.
    #[test]
    fn which_pod_events_count_and_how_much() {
        let mut f = healthy();
        f.events = vec![
            pod_event("weather-xyz", Some("Pod"), "Warning", "Failed", 1),
            pod_event("weather-abc", Some("ReplicaSet"), "Warning", "Failed", 1),
            pod_event("weather-abc", Some("Pod"), "Normal", "Pulled", 1),
        ];
        let pods = pods_check(&f);
        assert_eq!(pods.status, CheckStatus::Pass, "{}", pods.detail);
        assert!(!pods.detail.contains("event"), "{}", pods.detail);

        f.events = vec![pod_event("weather-abc", None, "Warning", "Unhealthy", 1)];
        let pods = pods_check(&f);
        assert_eq!(pods.status, CheckStatus::Warn, "{}", pods.detail);
        assert!(
            pods.detail
                .contains("event Unhealthy on pod weather-abc: Unhealthy happened"),
            "{}",
            pods.detail
        );

        f.events = vec![pod_event(
            "weather-abc",
            Some("Pod"),
            "Normal",
            "BackOff",
            1,
        )];
        let pods = pods_check(&f);
        assert_eq!(pods.status, CheckStatus::Fail, "{}", pods.detail);
        assert!(
            pods.detail
                .contains("event BackOff on pod weather-abc: BackOff happened"),
            "{}",
            pods.detail
        );
    }

    #[test]
    fn a_failed_mount_points_at_the_secret_and_keys_checks() {
        let mut f = healthy();
        f.events = vec![event(json!({
            "involvedObject": {"kind": "Pod", "name": "weather-abc"},
            "type": "Warning", "reason": "FailedMount",
            "message": "MountVolume.SetUp failed for volume \"config\""
        }))];
        let pods = pods_check(&f);
        assert_eq!(pods.status, CheckStatus::Fail);
        assert!(
            pods.hint.contains(
                "the mounted Secret or key is missing: see the secret and keys checks; `kubectl describe pod weather-abc -n staging`"
            ),
            "{}",
            pods.hint
        );
        assert!(!pods.hint.contains("rename"), "{}", pods.hint);
    }
}
