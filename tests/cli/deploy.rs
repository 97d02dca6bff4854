//! `kubectl kmcp deploy` against the real API server: the generated MCPServer, secretRefs from the
//! environment, idempotent re-deploys, every pre-flight refusal (writing nothing), --dry-run with
//! no kubeconfig, and --wait both ways.
use std::process::{Command, Stdio};
use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, Patch, PatchParams};
use kubectl_kmcp::core::mcpserver::MCPServer;
use serde_json::{Value, json};

use crate::harness::{Cluster, cluster, kmcp, project};

const SECRET_VALUE: &str = "sk-deploy-test-9f8e7d6c";

fn kmcp_yaml(framework: &str, ns: Option<&str>) -> String {
    kmcp_yaml_with(framework, ns, "weather-secrets")
}

fn kmcp_yaml_with(framework: &str, ns: Option<&str>, secret: &str) -> String {
    let ns = ns
        .map(|n| format!("    namespace: {n}\n"))
        .unwrap_or_default();
    format!(
        "name: weather_tool\nversion: 0.1.0\nframework: {framework}\nsecrets:\n  staging:\n    enabled: true\n    provider: kubernetes\n    secretName: {secret}\n{ns}  local:\n    enabled: true\n    provider: env\n    file: .env.local\n"
    )
}

fn create_secret(c: &Cluster, ns: &str, pairs: &[(&str, &str)]) {
    create_named_secret(c, ns, "weather-secrets", pairs)
}

fn create_named_secret(c: &Cluster, ns: &str, name: &str, pairs: &[(&str, &str)]) {
    let mut args = vec![
        "create".to_string(),
        "secret".into(),
        "generic".into(),
        name.into(),
        "-n".into(),
        ns.into(),
    ];
    for (k, v) in pairs {
        args.push(format!("--from-literal={k}={v}"));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    c.kubectl(&args);
}

async fn client(c: &Cluster) -> kube::Client {
    let kc = c.kubeconfig.display().to_string();
    kubectl_kmcp::cli::try_parse_from(["kubectl-kmcp", "--kubeconfig", kc.as_str(), "version"])
        .unwrap()
        .global
        .connect()
        .await
        .unwrap()
        .client
}

#[test]
fn generated_object_for_each_framework_and_both_transports() {
    let c = cluster();
    let ns = c.namespace("deploy-fw");
    let cases = [
        ("fastmcp-python", "stdio", "python", json!(["src/main.py"])),
        (
            "fastmcp-python",
            "http",
            "python",
            json!([
                "src/main.py",
                "--transport",
                "http",
                "--host",
                "0.0.0.0",
                "--port",
                "8080"
            ]),
        ),
        ("mcp-go", "stdio", "./server", Value::Null),
        ("mcp-go", "http", "./server", Value::Null),
        ("typescript", "stdio", "node", json!(["dist/index.js"])),
        ("typescript", "http", "node", json!(["dist/index.js"])),
        ("java", "stdio", "java", json!(["-jar", "app.jar"])),
        (
            "java",
            "http",
            "java",
            json!([
                "-jar",
                "app.jar",
                "--transport",
                "http",
                "--host",
                "0.0.0.0",
                "--port",
                "8080"
            ]),
        ),
    ];
    for (framework, transport, cmd, args) in cases {
        let dir = project(&[("kmcp.yaml", &kmcp_yaml(framework, None))]);
        let name = format!("{}-{transport}", framework.replace("fastmcp-", ""));
        let mut argv = vec![
            "deploy",
            &name,
            "-n",
            &ns,
            "--no-secret",
            "--transport",
            transport,
        ];
        if transport == "http" {
            argv.extend(["--port", "8080"]);
        }
        kmcp(&argv)
            .on(c)
            .dir(dir.path())
            .run()
            .assert_ok()
            .assert_stdout_contains(&format!("mcpservers.kagent.dev/{name} created"));
        let live = c.get_json("mcpserver", &name, &ns).expect("applied");
        let spec = &live["spec"];
        let dep = &spec["deployment"];
        assert_eq!(dep["image"], "weather-tool:0.1.0", "{framework}");
        assert_eq!(dep["cmd"], cmd, "{framework} {transport}");
        assert_eq!(dep["args"], args, "{framework} {transport}");
        assert_eq!(spec["transportType"], transport);
        if transport == "http" {
            assert_eq!(dep["port"], 8080);
            assert_eq!(
                spec["httpTransport"],
                json!({"targetPort": 8080, "path": "/mcp"})
            );
            assert!(spec.get("stdioTransport").is_none());
        } else {
            assert_eq!(dep["port"], 3000);
            assert_eq!(spec["stdioTransport"], json!({}));
            assert!(spec.get("httpTransport").is_none());
        }
        let labels = &live["metadata"]["labels"];
        assert_eq!(labels["app.kubernetes.io/name"], name.as_str());
        assert_eq!(labels["app.kubernetes.io/instance"], name.as_str());
        assert_eq!(labels["app.kubernetes.io/component"], "mcp-server");
        assert_eq!(labels["app.kubernetes.io/part-of"], "kmcp");
        assert_eq!(labels["app.kubernetes.io/managed-by"], "kubectl-kmcp");
        assert_eq!(labels["kmcp.dev/framework"], framework);
        assert_eq!(labels["kmcp.dev/version"], "0.1.0");
        assert_eq!(
            live["metadata"]["annotations"]["kmcp.dev/project-name"],
            "weather_tool"
        );
        let managers: Vec<&str> = c
            .kubectl(&[
                "get",
                "mcpserver",
                &name,
                "-n",
                &ns,
                "--show-managed-fields",
                "-o",
                "jsonpath={.metadata.managedFields[*].manager}",
            ])
            .leak()
            .split(' ')
            .collect();
        assert_eq!(managers, ["kubectl-kmcp"]);
    }
}

#[test]
fn secret_refs_from_the_environment_and_redeploy_is_idempotent() {
    let c = cluster();
    let ns = c.namespace("deploy-env");
    create_secret(c, &ns, &[("API_KEY", SECRET_VALUE)]);
    let dir = project(&[
        ("kmcp.yaml", &kmcp_yaml("fastmcp-python", Some(&ns))),
        (".env.example", "API_KEY=\nLOG_LEVEL=info\n"),
    ]);
    // No -n: the namespace is the environment's.
    let run = kmcp(&["deploy", "--environment", "staging"])
        .on(c)
        .dir(dir.path())
        .run();
    run.assert_ok()
        .assert_no_leak(&[SECRET_VALUE])
        .assert_stdout_contains("mcpservers.kagent.dev/weather-tool created")
        .assert_stderr_contains("weather-tool");
    let first = c.get_json("mcpserver", "weather-tool", &ns).unwrap();
    assert_eq!(
        first["spec"]["deployment"]["secretRefs"],
        json!([{"name": "weather-secrets"}])
    );
    assert!(first["spec"]["deployment"].get("envFrom").is_none());

    let again = kmcp(&["deploy", "--environment", "staging"])
        .on(c)
        .dir(dir.path())
        .run();
    again
        .assert_ok()
        .assert_stdout_contains("mcpservers.kagent.dev/weather-tool unchanged");
    let second = c.get_json("mcpserver", "weather-tool", &ns).unwrap();
    assert_eq!(
        first["metadata"]["resourceVersion"],
        second["metadata"]["resourceVersion"]
    );

    // A change is applied; switching the transport leaves no stale transport behind.
    kmcp(&[
        "deploy",
        "--environment",
        "staging",
        "--env",
        "LOG_LEVEL=debug",
        "--transport",
        "http",
    ])
    .on(c)
    .dir(dir.path())
    .run()
    .assert_ok()
    .assert_stdout_contains("weather-tool configured");
    let third = c.get_json("mcpserver", "weather-tool", &ns).unwrap();
    assert_eq!(
        third["spec"]["deployment"]["env"],
        json!({"LOG_LEVEL": "debug"})
    );
    assert!(third["spec"].get("stdioTransport").is_none(), "{third}");
    kmcp(&["deploy", "--environment", "staging", "--", "-m", "server"])
        .on(c)
        .dir(dir.path())
        .run()
        .assert_ok();
    kmcp(&["deploy", "--environment", "staging"])
        .on(c)
        .dir(dir.path())
        .run()
        .assert_ok();
    let fourth = c.get_json("mcpserver", "weather-tool", &ns).unwrap();
    assert!(fourth["spec"].get("httpTransport").is_none(), "{fourth}");
    assert_eq!(fourth["spec"]["stdioTransport"], json!({}));
    assert!(
        fourth["spec"]["deployment"].get("env").is_none(),
        "{fourth}"
    );
    assert_eq!(fourth["spec"]["deployment"]["args"], json!(["src/main.py"]));

    // An environment of provider env references no Secret.
    let run = kmcp(&["deploy", "local-one", "--environment", "local", "-n", &ns])
        .on(c)
        .dir(dir.path())
        .run();
    run.assert_ok().assert_stderr_contains("no Secret");
    let local = c.get_json("mcpserver", "local-one", &ns).unwrap();
    assert!(local["spec"]["deployment"].get("secretRefs").is_none());
}

/// Every pre-flight refusal: exit 1, the message, and no MCPServer in the namespace.
#[track_caller]
fn assert_refused_and_nothing_written(c: &Cluster, ns: &str, run: &crate::harness::Run) {
    run.assert_code(1).assert_no_leak(&[SECRET_VALUE]);
    assert!(
        run.stderr.contains("nothing was applied") || run.stderr.contains("namespace mismatch"),
        "{}",
        run.stderr
    );
    let list = c.kubectl(&["get", "mcpservers", "-n", ns, "-o", "name"]);
    assert_eq!(list.trim(), "", "nothing may be written");
}

#[test]
fn namespace_mismatch_is_refused_naming_both() {
    let c = cluster();
    let ns = c.namespace("deploy-nsm");
    let other = c.namespace("deploy-nsm-other");
    create_secret(c, &ns, &[("API_KEY", SECRET_VALUE)]);
    let dir = project(&[("kmcp.yaml", &kmcp_yaml("mcp-go", Some(&ns)))]);
    let run = kmcp(&["deploy", "--environment", "staging", "-n", &other])
        .on(c)
        .dir(dir.path())
        .run();
    // An -n that disagrees with kmcp.yaml is a bad argument: exit 2, nothing written.
    run.assert_code(2)
        .assert_stderr_contains(&ns)
        .assert_stderr_contains(&other)
        .assert_stderr_contains("namespace mismatch")
        .assert_no_leak(&[SECRET_VALUE]);
    for n in [&ns, &other] {
        let list = c.kubectl(&["get", "mcpservers", "-n", n, "-o", "name"]);
        assert_eq!(list.trim(), "", "nothing may be written");
    }
}

#[test]
fn missing_secret_is_refused_with_the_other_namespace_and_the_sync_command() {
    let c = cluster();
    let ns = c.namespace("deploy-nosec");
    let elsewhere = c.namespace("deploy-nosec-else");
    // A Secret name of its own: the shared cluster has weather-secrets in many namespaces.
    let secret = format!("{elsewhere}-secrets");
    create_named_secret(c, &elsewhere, &secret, &[("API_KEY", SECRET_VALUE)]);
    let dir = project(&[("kmcp.yaml", &kmcp_yaml_with("mcp-go", Some(&ns), &secret))]);
    let run = kmcp(&["deploy", "--environment", "staging"])
        .on(c)
        .dir(dir.path())
        .run();
    run.assert_stderr_contains(&format!(
        "Secret \"{secret}\" of environment \"staging\" not found in namespace \"{ns}\""
    ))
    .assert_stderr_contains(&format!("exists in namespace \"{elsewhere}\""))
    .assert_stderr_contains("`kubectl kmcp secrets sync staging`");
    assert_refused_and_nothing_written(c, &ns, &run);
}

#[test]
fn missing_namespace_is_named_as_such_with_the_commands_that_fix_it() {
    let c = cluster();
    let ns = format!("kmcp-deploy-nons-{}", std::process::id());
    let dir = project(&[("kmcp.yaml", &kmcp_yaml("mcp-go", Some(&ns)))]);
    let run = kmcp(&["deploy", "--environment", "staging"])
        .on(c)
        .dir(dir.path())
        .run();
    run.assert_code(1)
        .assert_stderr_contains(&format!("namespace \"{ns}\" does not exist"))
        .assert_stderr_contains(&format!("`kubectl create namespace {ns}`"))
        .assert_stderr_contains("`kubectl kmcp secrets sync staging`")
        .assert_stderr_contains("nothing was applied");
    assert!(
        !run.stderr.contains("Secret \"weather-secrets\""),
        "{}",
        run.stderr
    );
    assert!(c.get_json("namespace", &ns, "default").is_none());
}

#[test]
fn missing_required_keys_are_listed_by_name() {
    let c = cluster();
    let ns = c.namespace("deploy-keys");
    create_secret(c, &ns, &[("API_KEY", SECRET_VALUE)]);
    let dir = project(&[
        ("kmcp.yaml", &kmcp_yaml("typescript", Some(&ns))),
        (
            ".env.example",
            "API_KEY=\nDB_PASSWORD=\nWEBHOOK_TOKEN=\nLOG_LEVEL=info\n",
        ),
    ]);
    let run = kmcp(&["deploy", "--environment", "staging"])
        .on(c)
        .dir(dir.path())
        .run();
    run.assert_stderr_contains("lacks the required keys DB_PASSWORD, WEBHOOK_TOKEN")
        .assert_stderr_contains(".env.example")
        .assert_stderr_contains("kubectl kmcp secrets sync staging");
    assert!(
        !run.stderr.contains("LOG_LEVEL"),
        "optional keys are not required"
    );
    assert!(
        !run.stderr.contains("API_KEY"),
        "present keys are not listed"
    );
    assert_refused_and_nothing_written(c, &ns, &run);
}

#[test]
fn missing_rbac_is_refused_naming_the_verb() {
    let c = cluster();
    let ns = c.namespace("deploy-rbac");
    create_secret(c, &ns, &[("API_KEY", SECRET_VALUE)]);
    c.grant("alice", &ns, &["get"], &["secrets"]);
    c.grant("alice", &ns, &["create", "get"], &["mcpservers.kagent.dev"]);
    let dir = project(&[("kmcp.yaml", &kmcp_yaml("java", Some(&ns)))]);
    let run = kmcp(&["deploy", "--environment", "staging", "--context", "alice"])
        .on(c)
        .dir(dir.path())
        .run();
    run.assert_stderr_contains(&format!(
        "user \"alice\" cannot patch mcpservers.kagent.dev in namespace \"{ns}\""
    ))
    .assert_stderr_contains(&format!(
        "kubectl auth can-i patch mcpservers.kagent.dev -n {ns} --context alice"
    ));
    assert!(
        !run.stderr.contains("cannot create"),
        "create is granted: {}",
        run.stderr
    );
    assert_refused_and_nothing_written(c, &ns, &run);

    // With patch too, the same user deploys.
    c.grant("alice", &ns, &["patch"], &["mcpservers.kagent.dev"]);
    kmcp(&["deploy", "--environment", "staging", "--context", "alice"])
        .on(c)
        .dir(dir.path())
        .run()
        .assert_ok();
}

#[test]
fn missing_crd_is_refused_on_a_cluster_without_kmcp() {
    // A second API server of our own, without the CRD: deleting the CRD from the shared cluster
    // would break concurrent tests.
    let dir = tempfile::tempdir().unwrap();
    let cluster_dir = dir.path().join("no-crd");
    let out = Command::new("bash")
        .arg(crate::harness::root().join("tests/cluster.sh"))
        .arg("start")
        .arg(&cluster_dir)
        .env("KMCP_CLUSTER_NO_CRD", "1")
        .env("KMCP_CLUSTER_WATCH_PID", std::process::id().to_string())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bare = Cluster {
        kubeconfig: cluster_dir.join("kubeconfig"),
    };
    let ns = bare.namespace("deploy-nocrd");
    let project_dir = project(&[("kmcp.yaml", &kmcp_yaml("mcp-go", None))]);
    let run = kmcp(&["deploy", "-n", &ns, "--no-secret"])
        .on(&bare)
        .dir(project_dir.path())
        .run();
    let stop = Command::new("bash")
        .arg(crate::harness::root().join("tests/cluster.sh"))
        .arg("stop")
        .arg(&cluster_dir)
        .output();
    run.assert_code(1)
        .assert_stderr_contains(
            "the MCPServer CRD (mcpservers.kagent.dev, kagent.dev/v1alpha1) is not installed",
        )
        .assert_stderr_contains("helm install kmcp-crds")
        .assert_stderr_contains("nothing was applied");
    assert!(stop.unwrap().status.success());
}

#[test]
fn dry_run_needs_no_kubeconfig_and_usage_errors_exit_2() {
    let dir = project(&[("kmcp.yaml", &kmcp_yaml("fastmcp-python", Some("team-a")))]);
    // No .on(cluster): no KUBECONFIG, an empty HOME.
    let run = kmcp(&[
        "deploy",
        "--environment",
        "staging",
        "--transport",
        "http",
        "--port",
        "8080",
        "--env",
        "LOG_LEVEL=debug",
        "--dry-run",
        "-o",
        "json",
    ])
    .dir(dir.path())
    .run();
    run.assert_ok()
        .assert_stderr_contains("skipped (MCPServer CRD, Secret and its required keys, RBAC)");
    let m = run.json();
    assert_eq!(m["apiVersion"], "kagent.dev/v1alpha1");
    assert_eq!(m["kind"], "MCPServer");
    assert_eq!(m["metadata"]["name"], "weather-tool");
    assert_eq!(m["metadata"]["namespace"], "team-a");
    assert_eq!(
        m["spec"]["deployment"]["env"],
        json!({"LOG_LEVEL": "debug"})
    );
    assert_eq!(
        m["spec"]["deployment"]["secretRefs"],
        json!([{"name": "weather-secrets"}])
    );
    assert_eq!(
        m["spec"]["httpTransport"],
        json!({"targetPort": 8080, "path": "/mcp"})
    );

    // Without --environment: the only enabled kubernetes environment, said on stderr.
    let run = kmcp(&["deploy", "--dry-run=client"]).dir(dir.path()).run();
    run.assert_ok()
        .assert_stderr_contains(
            "Using environment staging (the only enabled kubernetes environment",
        )
        .assert_stdout_contains("name: weather-secrets");
    // Without a Secret on purpose: -n, else default; YAML by default.
    let run = kmcp(&["deploy", "--dry-run=client", "--no-secret"])
        .dir(dir.path())
        .run();
    run.assert_ok().assert_stdout_contains("namespace: default");
    assert!(!run.stdout.contains("secretRefs"), "{}", run.stdout);
    let run = kmcp(&["deploy", "--dry-run", "--no-secret", "-n", "ops"])
        .dir(dir.path())
        .run();
    run.assert_ok().assert_stdout_contains("namespace: ops");

    for (argv, expect) in [
        (
            vec!["deploy", "Bad_Name", "--dry-run"],
            "kubectl kmcp deploy bad-name",
        ),
        (
            vec!["deploy", "--transport", "sse", "--dry-run"],
            "--transport http",
        ),
        (
            vec!["deploy", "--env", "NOEQUALS", "--dry-run"],
            "KEY=VALUE",
        ),
        (
            vec!["deploy", "--dry-run", "-o", "table"],
            "[possible values: json, yaml]",
        ),
        // --timeout bounds --wait only: alone it would be ignored, so it is refused.
        (vec!["deploy", "--timeout", "5s", "--dry-run"], "--wait"),
    ] {
        kmcp(&argv)
            .dir(dir.path())
            .run()
            .assert_code(2)
            .assert_stderr_contains(expect);
    }
    // An environment kmcp.yaml does not define is a bad argument (2), with a did-you-mean.
    kmcp(&["deploy", "--environment", "stagin", "--dry-run"])
        .dir(dir.path())
        .run()
        .assert_code(2)
        .assert_stderr_contains("did you mean \"staging\"?");
}

#[test]
fn dry_run_server_runs_the_checks_and_writes_nothing() {
    let c = cluster();
    let ns = c.namespace("deploy-dryserver");
    let dir = project(&[("kmcp.yaml", &kmcp_yaml("mcp-go", Some(&ns)))]);
    // A failing check refuses before the dry run.
    let run = kmcp(&["deploy", "--environment", "staging", "--dry-run=server"])
        .on(c)
        .dir(dir.path())
        .run();
    run.assert_stderr_contains("not found in namespace");
    assert_refused_and_nothing_written(c, &ns, &run);
    create_secret(c, &ns, &[("API_KEY", SECRET_VALUE)]);
    let run = kmcp(&["deploy", "--environment", "staging", "--dry-run=server"])
        .on(c)
        .dir(dir.path())
        .run();
    run.assert_ok()
        .assert_stderr_contains("would be created")
        .assert_stdout_contains("replicas: 1"); // the CRD's default, filled in by the server
    let list = c.kubectl(&["get", "mcpservers", "-n", &ns, "-o", "name"]);
    assert_eq!(list.trim(), "");
}

#[tokio::test]
async fn wait_returns_when_the_controller_sets_ready() {
    let c = cluster();
    let ns = c.namespace("deploy-wait");
    let dir = project(&[("kmcp.yaml", &kmcp_yaml("mcp-go", None))]);
    let path = dir.path().to_path_buf();
    let ns2 = ns.clone();
    let plugin = std::thread::spawn(move || {
        kmcp(&[
            "deploy",
            "-n",
            &ns2,
            "--no-secret",
            "--wait",
            "--timeout",
            "60s",
        ])
        .on(cluster())
        .dir(&path)
        .run()
    });
    let api: Api<MCPServer> = Api::namespaced(client(c).await, &ns);
    // Play the controller: once the server exists, set its conditions on the status subresource.
    let mut found = false;
    for _ in 0..200 {
        if api.get_opt("weather-tool").await.unwrap().is_some() {
            found = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(found, "deploy never created the server");
    let status = |ready: &str| {
        json!({"status": {"observedGeneration": 1, "conditions": [
            {"type": "Accepted", "status": "True", "reason": "Accepted", "lastTransitionTime": "2026-01-01T00:00:00Z"},
            {"type": "Ready", "status": ready, "reason": "PodsReady", "lastTransitionTime": "2026-01-01T00:00:00Z"},
        ]}})
    };
    api.patch_status(
        "weather-tool",
        &PatchParams::default(),
        &Patch::Merge(&status("False")),
    )
    .await
    .unwrap();
    // (How long the plugin sees Ready=False depends on timing: the progress line is asserted in
    // the timeout test instead.)
    tokio::time::sleep(Duration::from_millis(600)).await;
    api.patch_status(
        "weather-tool",
        &PatchParams::default(),
        &Patch::Merge(&status("True")),
    )
    .await
    .unwrap();
    let run = tokio::task::spawn_blocking(move || plugin.join().unwrap())
        .await
        .unwrap();
    run.assert_ok()
        .assert_stdout_contains("weather-tool created")
        .assert_stderr_contains("mcpservers.kagent.dev/weather-tool is Ready");
}

#[tokio::test]
async fn wait_times_out_with_the_conditions_and_pod_problems() {
    let c = cluster();
    let ns = c.namespace("deploy-timeout");
    let dir = project(&[("kmcp.yaml", &kmcp_yaml("mcp-go", None))]);
    kmcp(&["deploy", "-n", &ns, "--no-secret"])
        .on(c)
        .dir(dir.path())
        .run()
        .assert_ok();
    let client = client(c).await;
    let api: Api<MCPServer> = Api::namespaced(client.clone(), &ns);
    let status = json!({"status": {"conditions": [
        {"type": "Accepted", "status": "True", "reason": "Accepted", "lastTransitionTime": "2026-01-01T00:00:00Z"},
        {"type": "ResolvedRefs", "status": "False", "reason": "SecretNotFound", "message": "secret weather-secrets not found", "lastTransitionTime": "2026-01-01T00:00:00Z"},
    ]}});
    api.patch_status(
        "weather-tool",
        &PatchParams::default(),
        &Patch::Merge(&status),
    )
    .await
    .unwrap();
    c.apply(&format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: weather-tool-abc\n  namespace: {ns}\n  labels:\n    app.kubernetes.io/name: weather-tool\n    app.kubernetes.io/instance: weather-tool\nspec:\n  containers:\n  - name: mcp-server\n    image: weather-tool:0.1.0\n"
    ));
    let pods: Api<Pod> = Api::namespaced(client, &ns);
    let pod_status = json!({"status": {"phase": "Pending", "containerStatuses": [{
        "name": "mcp-server", "image": "weather-tool:0.1.0", "imageID": "", "ready": false,
        "restartCount": 3,
        "state": {"waiting": {"reason": "CreateContainerConfigError", "message": "secret \"weather-secrets\" not found"}}
    }]}});
    pods.patch_status(
        "weather-tool-abc",
        &PatchParams::default(),
        &Patch::Merge(&pod_status),
    )
    .await
    .unwrap();

    let run = kmcp(&[
        "deploy",
        "-n",
        &ns,
        "--no-secret",
        "--wait",
        "--timeout",
        "2s",
    ])
    .on(c)
    .dir(dir.path())
    .run();
    run.assert_code(1)
        .assert_stdout_contains("weather-tool unchanged")
        .assert_stderr_contains("is not Ready after 2s")
        .assert_stderr_contains("ResolvedRefs=False (SecretNotFound)")
        .assert_stderr_contains("SecretNotFound")
        .assert_stderr_says("secret weather-secrets not found")
        .assert_stderr_says(
            "pod weather-tool-abc: container mcp-server waiting, CreateContainerConfigError",
        )
        // troubleshoot's checks: the Secret the server references is missing, with the fix.
        .assert_stderr_contains("weather-secrets")
        .assert_stderr_contains("kubectl kmcp troubleshoot weather-tool -n");
}
