//! The foundation: the plugin found by kubectl, kubectl's connection flags honoured, clear
//! one-line failures.
use std::net::TcpListener;
use std::time::{Duration, Instant};

use crate::harness::{binary, cluster, kmcp, project};

#[test]
fn kubectl_finds_the_plugin_on_path_and_it_reaches_the_server() {
    let c = cluster();
    let bin_dir = binary().parent().unwrap().to_path_buf();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap());
    let out = std::process::Command::new("kubectl")
        .args(["kmcp", "version"])
        .env("PATH", &path)
        .env("KUBECONFIG", &c.kubeconfig)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("Client Version: v{}", env!("CARGO_PKG_VERSION"))),
        "{stdout}"
    );
    assert!(stdout.contains("Server Version: v1.20.2"), "{stdout}");

    let list = std::process::Command::new("kubectl")
        .args(["plugin", "list"])
        .env("PATH", &path)
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&list.stdout);
    assert!(
        listed.contains(&bin_dir.join("kubectl-kmcp").display().to_string()),
        "{listed}"
    );
}

#[test]
fn version_json_has_client_and_server() {
    let c = cluster();
    let run = kmcp(&["version", "-o", "json"]).on(c).run();
    run.assert_ok();
    let v = run.json();
    assert_eq!(v["client"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(v["server"]["gitVersion"], "v1.20.2");
}

#[test]
fn version_without_a_cluster_prints_the_client_and_says_why() {
    let run = kmcp(&["version", "-o", "json"]).run();
    run.assert_code(1);
    assert_eq!(run.json()["server"], serde_json::Value::Null);
    run.assert_stderr_contains("no kubeconfig found");
    kmcp(&["version", "--client"])
        .run()
        .assert_ok()
        .assert_stdout_contains("Client Version");
}

#[test]
fn flags_work_after_the_subcommand_and_kubeconfig_flag_wins_over_env() {
    let c = cluster();
    let kc = c.kubeconfig.display().to_string();
    let run = kmcp(&["version", "--kubeconfig", &kc, "-o", "json"])
        .env("KUBECONFIG", "/nonexistent/config")
        .run();
    run.assert_ok();
    assert_eq!(run.json()["server"]["gitVersion"], "v1.20.2");
}

#[test]
fn kubeconfig_list_is_merged_like_kubectl() {
    let c = cluster();
    // The first file has only a context that points to the second file's cluster and user.
    let dir = project(&[(
        "first",
        "apiVersion: v1\nkind: Config\ncurrent-context: merged\ncontexts:\n- name: merged\n  context: {cluster: kmcp-test, user: admin}\n",
    )]);
    let list = format!(
        "{}:{}",
        dir.path().join("first").display(),
        c.kubeconfig.display()
    );
    let run = kmcp(&["version", "-o", "json"])
        .env("KUBECONFIG", &list)
        .run();
    run.assert_ok();
    assert_eq!(run.json()["server"]["gitVersion"], "v1.20.2");
}

#[test]
fn unknown_context_lists_the_known_ones() {
    let c = cluster();
    let run = kmcp(&["version", "--context", "nope"]).on(c).run();
    run.assert_code(1);
    run.assert_stderr_contains("context \"nope\" not found");
    run.assert_stderr_contains("admin, restricted");
    assert_eq!(run.stderr.lines().count(), 1, "one line: {}", run.stderr);
}

#[test]
fn unreachable_server_fails_fast_with_one_line() {
    let c = cluster();
    // A port that nothing listens on: refused at once.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = format!("https://127.0.0.1:{port}");
    let started = Instant::now();
    let run = kmcp(&["version", "--server", &server]).on(c).run();
    run.assert_code(1);
    assert!(started.elapsed() < Duration::from_secs(10));
    run.assert_stderr_contains(&format!(
        "cannot reach the Kubernetes API server at {server}"
    ));
    run.assert_stderr_contains("connection refused");
    // The address came from --server: the hint checks that address, not the context's cluster.
    run.assert_stderr_contains("(given with --server)");
    run.assert_stderr_contains(&format!(
        "`kubectl --context admin --server {server} cluster-info`"
    ));
    assert_eq!(run.stderr.lines().count(), 1, "one line: {}", run.stderr);
}

#[test]
fn request_timeout_bounds_a_server_that_never_answers() {
    let c = cluster();
    // Accepts connections and never answers.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().flatten() {
            held.push(s);
        }
    });
    let server = format!("https://127.0.0.1:{port}");
    let started = Instant::now();
    let run = kmcp(&["version", "--server", &server, "--request-timeout", "1s"])
        .on(c)
        .run();
    run.assert_code(1);
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(8),
        "took {took:?}: --request-timeout not honoured"
    );
    run.assert_stderr_contains("1s");
    run.assert_stderr_contains("--request-timeout");
    assert_eq!(run.stderr.lines().count(), 1, "one line: {}", run.stderr);
}

#[test]
fn bad_flags_are_usage_errors() {
    kmcp(&["version", "--request-timeout", "soon"])
        .run()
        .assert_code(2)
        .assert_stderr_contains("invalid duration");
    kmcp(&["version", "-o", "wide"])
        .run()
        .assert_code(2)
        .assert_stderr_contains("[possible values: json, yaml]");
    kmcp(&["no-such-command"]).run().assert_code(2);
}

#[test]
fn bad_credentials_are_one_clear_line() {
    let c = cluster();
    let run = kmcp(&["version", "--token", "not-a-valid-token"])
        .on(c)
        .run();
    run.assert_code(1);
    run.assert_stderr_contains("rejected the token given with --token");
    assert!(!run.stderr.contains("kubeconfig"), "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "one line: {}", run.stderr);
}

/// The client builder honours --context, -n and --as against the real RBAC: the restricted user
/// is refused with a line that names it, the verb, the namespace and the can-i command; the admin
/// is not; the admin impersonating the restricted user is refused like it.
#[tokio::test]
async fn context_namespace_and_as_are_honoured_by_the_client() {
    use k8s_openapi::api::core::v1::Secret;
    use kube::api::{Api, ListParams};
    use kubectl_kmcp::client::Action;

    let c = cluster();
    let ns = c.namespace("flags");
    let kc = c.kubeconfig.display().to_string();
    let connect = |extra: &[&str]| {
        let mut argv = vec![
            "kubectl-kmcp",
            "--kubeconfig",
            kc.as_str(),
            "-n",
            ns.as_str(),
        ];
        argv.extend_from_slice(extra);
        argv.push("version");
        kubectl_kmcp::cli::try_parse_from(argv).unwrap().global
    };
    let list = |flags: kubectl_kmcp::cli::KubeFlags| async move {
        let conn = flags.connect().await.unwrap();
        let api: Api<Secret> = Api::namespaced(conn.client.clone(), &conn.namespace);
        let ns = conn.namespace.clone();
        conn.call(
            Action::new("list", "secrets", Some(&ns)),
            api.list(&ListParams::default()),
        )
        .await
        .map(|_| conn)
    };

    let admin = list(connect(&[]))
        .await
        .expect("the admin may list secrets");
    assert_eq!(admin.namespace, ns);
    assert_eq!(admin.context.as_deref(), Some("admin"));

    for extra in [
        &["--context", "restricted"][..],
        &["--as", "restricted"][..],
    ] {
        let err = list(connect(extra))
            .await
            .err()
            .expect("restricted must be refused");
        // The API error carries the server's status and reason as fields.
        let api = err.api().expect("an API error");
        assert_eq!((api.status, api.reason.as_str()), (Some(403), "Forbidden"));
        let err = err.to_string();
        assert!(
            err.contains("forbidden: user \"restricted\" cannot list secrets"),
            "{err}"
        );
        assert!(err.contains(&format!("in namespace \"{ns}\"")), "{err}");
        assert!(
            err.contains(&format!("kubectl auth can-i list secrets -n {ns}")),
            "{err}"
        );
        assert!(!err.contains('\n'), "one line: {err}");
        if extra[0] == "--as" {
            assert!(
                err.contains("--as restricted"),
                "the can-i line must ask as the same user: {err}"
            );
        }
    }

    // A grant in that namespace is seen at once.
    c.grant("restricted", &ns, &["list"], &["secrets"]);
    list(connect(&["--context", "restricted"]))
        .await
        .expect("granted");

    // A namespace that does not exist is named as such.
    let flags = {
        let argv = vec![
            "kubectl-kmcp",
            "--kubeconfig",
            kc.as_str(),
            "-n",
            "no-such-ns-x",
            "version",
        ];
        kubectl_kmcp::cli::try_parse_from(argv).unwrap().global
    };
    let conn = flags.connect().await.unwrap();
    let api: Api<Secret> = Api::namespaced(conn.client.clone(), "no-such-ns-x");
    let err = conn
        .call(
            Action::new("create", "secrets", Some("no-such-ns-x")),
            api.create(
                &Default::default(),
                &Secret {
                    metadata: kube::api::ObjectMeta {
                        name: Some("s".into()),
                        ..Default::default()
                    },
                    ..Default::default()
                },
            ),
        )
        .await
        .err()
        .unwrap();
    assert_eq!(err.api().and_then(|a| a.status), Some(404));
    let err = err.to_string();
    assert!(
        err.contains("namespace \"no-such-ns-x\" not found"),
        "{err}"
    );
}
