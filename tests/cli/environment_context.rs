//! An environment's `context:` in kmcp.yaml picks the cluster of every command that acts on that
//! environment, not only `secrets sync`: `deploy` and `troubleshoot` reach the same cluster as the
//! sync that made the Secret, and `--context` on the command line still wins.
use std::path::{Path, PathBuf};

use crate::harness::{Cluster, cluster, kmcp, project};

/// The test kubeconfig with its current context switched to `down` (a server that refuses
/// connections): a command that ignored the environment's `context: admin` would fail.
fn kubeconfig_current_down(c: &Cluster, dir: &Path) -> PathBuf {
    let path = dir.join("kubeconfig");
    std::fs::copy(&c.kubeconfig, &path).unwrap();
    for args in [
        &[
            "config",
            "set-cluster",
            "down",
            "--server=https://127.0.0.1:1",
        ][..],
        &[
            "config",
            "set-context",
            "down",
            "--cluster=down",
            "--user=admin",
        ],
        &["config", "use-context", "down"],
    ] {
        let out = std::process::Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(&path)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    }
    path
}

fn kmcp_yaml(ns: &str) -> String {
    format!(
        "name: weather_tool\nversion: 0.1.0\nframework: mcp-go\nsecrets:\n  staging:\n    enabled: true\n    provider: kubernetes\n    secretName: weather-secrets\n    namespace: {ns}\n    context: admin\n"
    )
}

#[test]
fn deploy_and_troubleshoot_use_the_environments_context() {
    let c = cluster();
    let ns = c.namespace("envctx");
    let dir = project(&[
        ("kmcp.yaml", &kmcp_yaml(&ns)),
        (".env.staging", "API_KEY=envctx-value-1\n"),
    ]);
    let kubeconfig = kubeconfig_current_down(c, dir.path());
    let kc = kubeconfig.to_str().unwrap();
    let plugin = |args: &[&str]| kmcp(args).env("KUBECONFIG", kc).dir(dir.path()).run();

    plugin(&["secrets", "sync", "staging"])
        .assert_ok()
        .assert_stderr_contains("(context admin)");
    // deploy -e staging goes to the context of staging, where the Secret is.
    plugin(&["deploy", "-e", "staging", "--dry-run=server"])
        .assert_ok()
        .assert_no_leak(&["envctx-value-1"]);
    // So does deploy with no -e: the only kubernetes environment is staging.
    plugin(&["deploy", "--dry-run=server"]).assert_ok();
    plugin(&["deploy", "-e", "staging"]).assert_ok();
    assert!(c.get_json("mcpserver", "weather-tool", &ns).is_some());

    // troubleshoot -e staging reaches it too, and says where the context came from.
    let run = plugin(&["troubleshoot", "-e", "staging"]);
    run.assert_stdout_contains("context admin (kmcp.yaml)");
    assert!(
        !run.stdout.contains("127.0.0.1:1"),
        "troubleshoot went to the current context:\n{}",
        run.stdout
    );

    // --context on the command line wins over kmcp.yaml: the down cluster, a failure (exit 1).
    let run = plugin(&[
        "deploy",
        "-e",
        "staging",
        "--context",
        "down",
        "--dry-run=server",
    ]);
    run.assert_code(1).assert_stderr_contains("127.0.0.1:1");
    let run = plugin(&["troubleshoot", "-e", "staging", "--context", "down"]);
    run.assert_code(1)
        .assert_stdout_contains("context down (flag)");
}
