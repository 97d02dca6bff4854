//! Hints that are true for the case at hand, one wording and one exit code per cause, kubectl's
//! flag forms (issue #13, items 8-10 and 12-15), each against the real API server when the
//! command talks to one.
use std::net::TcpListener;

use serde_json::Value;

use crate::harness::{Cluster, Run, cluster, kmcp, project};

const VALUE: &str = "sk-hints-value-4b3a2c1d";

fn kmcp_yaml(ns: &str) -> String {
    format!(
        "name: weather-server\nsecrets:\n  staging:\n    enabled: true\n    provider: kubernetes\n    secretName: weather-secrets\n    namespace: {ns}\n  production:\n    enabled: true\n    provider: kubernetes\n    secretName: weather-secrets\n    namespace: {ns}\n"
    )
}

/// The checks of `troubleshoot ... -o json`, by id.
fn checks(run: &Run) -> std::collections::BTreeMap<String, Value> {
    run.json()["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_str().unwrap().to_string(), c.clone()))
        .collect()
}

fn hint(run: &Run, id: &str) -> String {
    checks(run)[id]["hint"].as_str().unwrap().to_string()
}

/// A kubeconfig with the test cluster's contexts plus a user `bad` whose token the server
/// refuses, and a context `bad` that uses it.
fn kubeconfig_with_a_bad_user(c: &Cluster, dir: &std::path::Path) -> String {
    let path = dir.join("kubeconfig");
    std::fs::copy(&c.kubeconfig, &path).unwrap();
    let kc = path.display().to_string();
    for args in [
        vec!["config", "set-credentials", "bad", "--token=not-a-token"],
        vec![
            "config",
            "set-context",
            "bad",
            "--cluster=kmcp-test",
            "--user=bad",
        ],
    ] {
        let out = std::process::Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(&kc)
            .args(&args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    }
    kc
}

/// Item 9: a missing namespace is fixed where the namespace came from: kmcp.yaml's is changed
/// in kmcp.yaml (an `-n` that disagrees is refused, so "pick another with -n" would be wrong);
/// one from `-n` is picked with -n.
#[test]
fn a_missing_namespace_says_how_to_change_it_where_it_came_from() {
    let c = cluster();
    let absent = format!("kmcp-absent-{}", std::process::id());
    let dir = project(&[
        ("kmcp.yaml", &kmcp_yaml(&absent)),
        (".env.staging", &format!("API_KEY={VALUE}\n")),
    ]);
    let run = kmcp(&["secrets", "sync", "staging", "--yes"])
        .on(c)
        .dir(dir.path())
        .run();
    run.assert_code(1)
        .assert_stderr_contains(&format!(
            "namespace \"{absent}\" not found on {}; create it with `kubectl create namespace {absent}`, or change `namespace` under secrets.staging in kmcp.yaml",
            c.server()
        ))
        .assert_no_leak(&[VALUE]);
    assert!(
        !run.stderr.contains("pick another with -n"),
        "{}",
        run.stderr
    );
    // The -n that hint would have suggested is refused, as a bad argument.
    kmcp(&["secrets", "sync", "staging", "-n", "default"])
        .on(c)
        .dir(dir.path())
        .run()
        .assert_code(2)
        .assert_stderr_contains("drop -n");
    // Without kmcp.yaml, the namespace is -n's: picking another with -n is the fix.
    let empty = project(&[]);
    kmcp(&[
        "deploy",
        "weather",
        "--image",
        "weather:1",
        "--no-secret",
        "-n",
        &absent,
    ])
    .on(c)
    .dir(empty.path())
    .run()
    .assert_code(1)
    .assert_stderr_contains(&format!(
        "create it with `kubectl create namespace {absent}`, or pick another with -n"
    ));
}

/// Item 9: a key deleted in the cluster while the env file has it is put back by a sync, in
/// troubleshoot's keys check and in deploy's pre-flight; a key the file lacks is added first.
#[test]
fn a_key_deleted_in_the_cluster_is_fixed_by_a_sync() {
    let c = cluster();
    let ns = c.namespace("hints-key");
    let dir = project(&[
        ("kmcp.yaml", &kmcp_yaml(&ns)),
        (".env.staging", &format!("API_KEY={VALUE}\nREGION=eu\n")),
        (".env.example", "API_KEY=\nREGION=\n"),
    ]);
    kmcp(&["secrets", "sync", "staging"])
        .on(c)
        .dir(dir.path())
        .run()
        .assert_ok();
    c.kubectl(&[
        "patch",
        "secret",
        "weather-secrets",
        "-n",
        &ns,
        "--type=json",
        "-p",
        r#"[{"op":"remove","path":"/data/API_KEY"}]"#,
    ]);
    c.apply(&format!(
        "apiVersion: kagent.dev/v1alpha1\nkind: MCPServer\nmetadata: {{name: weather-server, namespace: {ns}}}\nspec:\n  deployment:\n    image: weather:1\n    secretRefs: [{{name: weather-secrets}}]\n"
    ));
    let run = kmcp(&["troubleshoot", "-e", "staging", "-o", "json"])
        .on(c)
        .dir(dir.path())
        .run();
    run.assert_no_leak(&[VALUE]);
    assert_eq!(checks(&run)["keys"]["status"], "fail");
    let keys = hint(&run, "keys");
    assert!(
        keys.contains("has API_KEY, the Secret does not: run `kubectl kmcp secrets sync staging` to write it back"),
        "{keys}"
    );
    assert!(!keys.contains("add API_KEY"), "{keys}");

    let run = kmcp(&["deploy", "-e", "staging"])
        .on(c)
        .dir(dir.path())
        .run();
    run.assert_code(1)
        .assert_stderr_contains("lacks the required key API_KEY")
        .assert_stderr_contains(
            "has API_KEY: run `kubectl kmcp secrets sync staging` to write it back",
        )
        .assert_no_leak(&[VALUE]);
    assert!(!run.stderr.contains("add it"), "{}", run.stderr);

    // A required key the file lacks too: add it to the file, then sync.
    std::fs::write(dir.path().join(".env.example"), "API_KEY=\nDB_URL=\n").unwrap();
    let run = kmcp(&["troubleshoot", "-e", "staging", "-o", "json"])
        .on(c)
        .dir(dir.path())
        .run();
    let keys = hint(&run, "keys");
    assert!(
        keys.contains("add DB_URL to")
            && keys.contains("and run `kubectl kmcp secrets sync staging`"),
        "{keys}"
    );
}

/// Item 9: an address given with --server is checked as such (the context's `kubectl
/// cluster-info` would check another server); refused credentials name where they came from.
#[test]
fn connection_hints_name_the_flag_or_kubeconfig_entry_at_fault() {
    let c = cluster();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = format!("https://127.0.0.1:{port}");
    let run = kmcp(&["troubleshoot", "weather", "-s", &server, "-o", "json"])
        .on(c)
        .run();
    run.assert_code(1);
    let context = hint(&run, "context");
    assert!(
        context.contains("given with --server")
            && context.contains(&format!("--server {server} cluster-info")),
        "{context}"
    );
    assert!(
        !context.contains("pick another with --context"),
        "{context}"
    );

    // A wrong --token: the token is named, not the kubeconfig.
    let run = kmcp(&["version", "--token", "wrong-token"]).on(c).run();
    run.assert_code(1)
        .assert_stderr_contains("rejected the token given with --token")
        .assert_no_leak(&["wrong-token"]);
    assert!(!run.stderr.contains("kubeconfig"), "{}", run.stderr);
    let run = kmcp(&[
        "troubleshoot",
        "weather",
        "--token",
        "wrong-token",
        "-o",
        "json",
    ])
    .on(c)
    .run();
    let context = hint(&run, "context");
    assert!(
        context.contains("credentials the server accepts"),
        "{context}"
    );
    assert!(!context.contains("start the cluster"), "{context}");

    // A kubeconfig user the server refuses: that user, and how to look at it.
    let dir = tempfile::tempdir().unwrap();
    let kc = kubeconfig_with_a_bad_user(c, dir.path());
    kmcp(&["version", "--kubeconfig", &kc, "--context", "bad"])
        .run()
        .assert_code(1)
        .assert_stderr_contains(
            "rejected the credentials of kubeconfig user \"bad\" (context \"bad\")",
        )
        .assert_stderr_contains("kubectl config view --minify");
}

/// Item 9: a KUBECONFIG that names no existing file is said to be so ("set KUBECONFIG" would be
/// wrong: it is set), and ~/.kube/config is not read instead, as kubectl.
#[test]
fn a_kubeconfig_env_naming_no_file_is_named_and_home_config_is_not_read_instead() {
    let c = cluster();
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".kube")).unwrap();
    std::fs::copy(&c.kubeconfig, home.path().join(".kube/config")).unwrap();
    let home_dir = home.path().display().to_string();
    kmcp(&["version"])
        .env("HOME", &home_dir)
        .run()
        .assert_ok()
        .assert_stdout_contains("Server Version");
    let run = kmcp(&["version"])
        .env("HOME", &home_dir)
        .env("KUBECONFIG", "/nonexistent")
        .run();
    run.assert_code(1)
        .assert_stderr_contains("KUBECONFIG is /nonexistent, and no file it names exists")
        .assert_stderr_contains("point KUBECONFIG at your kubeconfig file");
    assert!(!run.stderr.contains("set KUBECONFIG"), "{}", run.stderr);
    // Unset, with no ~/.kube/config: setting it is the fix.
    kmcp(&["version"])
        .run()
        .assert_code(1)
        .assert_stderr_contains("KUBECONFIG is not set")
        .assert_stderr_contains("set KUBECONFIG");
}

/// Item 8: a missing pull Secret is made with `kubectl create secret docker-registry`, a missing
/// TLS Secret with `kubectl create secret tls`, never with `secrets sync` (an Opaque Secret):
/// in troubleshoot, and in what deploy --wait shows when the server does not get Ready.
#[test]
fn pull_and_tls_secrets_are_created_with_their_own_kubectl_command() {
    let c = cluster();
    let ns = c.namespace("hints-typed");
    let dir = project(&[("kmcp.yaml", &kmcp_yaml(&ns))]);
    c.apply(&format!(
        "apiVersion: kagent.dev/v1alpha1\nkind: MCPServer\nmetadata: {{name: weather-server, namespace: {ns}}}\nspec:\n  transportType: http\n  httpTransport: {{targetPort: 3000, tls: {{secretRef: web-tls}}}}\n  deployment:\n    image: private.example/weather:1\n    imagePullSecrets: [{{name: regcred}}]\n"
    ));
    let run = kmcp(&["troubleshoot", "weather-server", "-n", &ns, "-o", "json"])
        .on(c)
        .dir(dir.path())
        .run();
    run.assert_code(1);
    let secret = hint(&run, "secret");
    assert!(
        secret.contains(&format!(
            "`kubectl create secret docker-registry regcred -n {ns} --docker-server=REGISTRY --docker-username=USER --docker-password=PASSWORD`"
        )),
        "{secret}"
    );
    assert!(
        secret.contains(&format!(
            "`kubectl create secret tls web-tls -n {ns} --cert=CERT_FILE --key=KEY_FILE`"
        )),
        "{secret}"
    );
    assert!(!secret.contains("secrets sync"), "{secret}");

    // deploy keeps the pull Secret it does not own; --wait shows the same fix on time-out.
    let run = kmcp(&[
        "deploy",
        "weather-server",
        "--no-secret",
        "--image",
        "private.example/weather:1",
        "--transport",
        "http",
        "--port",
        "3000",
        "-n",
        &ns,
        "--wait",
        "--timeout",
        "1s",
    ])
    .on(c)
    .dir(project(&[]).path())
    .run();
    run.assert_code(1).assert_stderr_contains(&format!(
        "kubectl create secret docker-registry regcred -n {ns}"
    ));
    assert!(!run.stderr.contains("secrets sync"), "{}", run.stderr);
}

/// Item 10: a YAML error names file, line and column once, in the user's terms.
#[test]
fn yaml_errors_say_the_location_once() {
    let dir = project(&[("kmcp.yaml", "name: a\nname: b\nsecrets: {}\n")]);
    let run = kmcp(&["secrets", "sync", "staging", "--dry-run"])
        .dir(dir.path())
        .run();
    run.assert_code(1);
    assert_eq!(
        run.stderr,
        "error: kmcp.yaml:2:1: duplicate mapping key `name` is not allowed here\n"
    );
    std::fs::write(
        dir.path().join("kmcp.yaml"),
        "name: a\nsecrets:\n  staging: {enabled: true\n",
    )
    .unwrap();
    let run = kmcp(&["secrets", "sync", "staging", "--dry-run"])
        .dir(dir.path())
        .run();
    run.assert_code(1);
    assert_eq!(run.stderr.matches("3:12").count(), 1, "{}", run.stderr);
    assert!(!run.stderr.contains("line 3"), "{}", run.stderr);
}

/// Item 12: one cause, one exit code, in every command. A missing kmcp.yaml (or project folder)
/// is 1, as kubectl's for a missing -f file; a bad argument, flag value or selector is 2.
#[test]
fn one_cause_one_exit_code_in_every_command() {
    let c = cluster();
    let empty = project(&[]);
    let ns = c.namespace("hints-codes");
    let dir = project(&[
        ("kmcp.yaml", &kmcp_yaml(&ns)),
        (".env.staging", "API_KEY=x\n"),
    ]);
    let cases: Vec<(Vec<&str>, &std::path::Path, i32, &str)> = vec![
        (
            vec!["secrets", "sync", "staging"],
            empty.path(),
            1,
            "kmcp.yaml",
        ),
        (vec!["deploy"], empty.path(), 1, "no kmcp.yaml"),
        (
            vec!["deploy", "-e", "staging"],
            empty.path(),
            1,
            "needs kmcp.yaml",
        ),
        (vec!["troubleshoot"], empty.path(), 1, "no kmcp.yaml"),
        (
            vec!["troubleshoot", "-e", "staging"],
            empty.path(),
            1,
            "needs kmcp.yaml",
        ),
        (
            vec!["audit", "-d", "/nonexistent-kmcp"],
            empty.path(),
            1,
            "no such directory",
        ),
        (
            vec!["audit", "-d", "."],
            empty.path(),
            1,
            "neither kmcp.yaml",
        ),
        (
            vec!["secrets", "sync", "prod"],
            dir.path(),
            2,
            "did you mean \"production\"?",
        ),
        (
            vec!["deploy", "-e", "prod"],
            dir.path(),
            2,
            "did you mean \"production\"?",
        ),
        (
            vec!["troubleshoot", "-e", "prod"],
            dir.path(),
            2,
            "did you mean \"production\"?",
        ),
        (
            vec!["secrets", "sync", "staging", "-n", "default"],
            dir.path(),
            2,
            "drop -n",
        ),
        (
            vec!["audit", "-l", "!!!bad"],
            dir.path(),
            2,
            "invalid --selector \"!!!bad\"",
        ),
        (
            vec!["audit", "--all-namespaces=maybe"],
            dir.path(),
            2,
            "invalid boolean",
        ),
        (vec!["secrets", "sync"], dir.path(), 2, "ENVIRONMENT"),
    ];
    for (argv, cwd, code, text) in cases {
        let run = kmcp(&argv).on(c).dir(cwd).run();
        assert_eq!(run.code, code, "{argv:?}: {}", run.stderr);
        assert!(run.stderr.contains(text), "{argv:?}: {}", run.stderr);
    }
}

/// Item 13: kubectl's boolean forms, against the real server: `--all-namespaces=true|false`
/// and `-A`; `--insecure-skip-tls-verify=true` skips the check that `=false` keeps;
/// `--yes=true` confirms as `--yes`.
#[test]
fn boolean_flags_take_kubectl_forms() {
    let c = cluster();
    let (a, b) = (c.namespace("hints-bool-a"), c.namespace("hints-bool-b"));
    for (ns, name) in [(&a, "bool-server-a"), (&b, "bool-server-b")] {
        c.apply(&format!(
            "apiVersion: kagent.dev/v1alpha1\nkind: MCPServer\nmetadata: {{name: {name}, namespace: {ns}}}\nspec:\n  deployment:\n    image: weather:1\n    secretRefs: [{{name: {name}-secrets}}]\n"
        ));
    }
    for (flag, both) in [
        ("--all-namespaces=true", true),
        ("-A", true),
        ("--all-namespaces=false", false),
    ] {
        let run = kmcp(&["audit", "-n", &a, flag, "-o", "json", "--fail-on", "never"])
            .on(c)
            .run();
        run.assert_ok();
        assert!(
            run.stdout.contains("bool-server-a"),
            "{flag}: {}",
            run.stdout
        );
        assert_eq!(
            run.stdout.contains("bool-server-b"),
            both,
            "{flag}: {}",
            run.stdout
        );
    }

    // A server name the certificate does not have: refused, unless verification is skipped.
    let wrong_name = ["version", "--tls-server-name", "not-the-server.invalid"];
    kmcp(&wrong_name).on(c).run().assert_code(1);
    let mut argv = wrong_name.to_vec();
    argv.push("--insecure-skip-tls-verify=false");
    kmcp(&argv).on(c).run().assert_code(1);
    argv.pop();
    argv.push("--insecure-skip-tls-verify=true");
    kmcp(&argv).on(c).run().assert_ok();

    // --yes=true confirms the removal of a key without a terminal.
    let dir = project(&[
        ("kmcp.yaml", &kmcp_yaml(&a)),
        (".env.staging", "A=1\nB=2\n"),
    ]);
    kmcp(&["secrets", "sync", "staging"])
        .on(c)
        .dir(dir.path())
        .run()
        .assert_ok();
    std::fs::write(dir.path().join(".env.staging"), "A=1\n").unwrap();
    kmcp(&["secrets", "sync", "staging", "--yes=false"])
        .on(c)
        .dir(dir.path())
        .run()
        .assert_code(1)
        .assert_stderr_contains("This will remove the key B ");
    kmcp(&["secrets", "sync", "staging", "--yes=true"])
        .on(c)
        .dir(dir.path())
        .run()
        .assert_ok();
}

/// Item 14: `-e/--environment` wherever an environment is taken; sync's argument still works,
/// and naming it twice is refused.
#[test]
fn the_environment_is_e_everywhere() {
    let c = cluster();
    let ns = c.namespace("hints-env");
    let dir = project(&[
        ("kmcp.yaml", &kmcp_yaml(&ns)),
        (".env.staging", &format!("API_KEY={VALUE}\n")),
    ]);
    for argv in [
        vec!["secrets", "sync", "-e", "staging", "--dry-run"],
        vec!["secrets", "sync", "--environment", "staging", "--dry-run"],
        vec!["secrets", "sync", "staging", "--dry-run"],
    ] {
        kmcp(&argv)
            .dir(dir.path())
            .run()
            .assert_ok()
            .assert_stdout_contains("API_KEY")
            .assert_no_leak(&[VALUE]);
    }
    kmcp(&["deploy", "-e", "staging", "--dry-run"])
        .dir(dir.path())
        .run()
        .assert_ok()
        .assert_stdout_contains(&format!("namespace: {ns}"));
    let run = kmcp(&["troubleshoot", "-e", "staging", "-o", "json"])
        .on(c)
        .dir(dir.path())
        .run();
    assert_eq!(run.json()["namespace"], ns.as_str());
    kmcp(&["secrets", "sync", "staging", "-e", "production"])
        .dir(dir.path())
        .run()
        .assert_code(2);
}
