//! Issue #11, "nothing is written that the user did not ask for", and the keyed content hash
//! (#12.3), against the real API server: every must-not-write mode of every mutating command
//! leaves every object of the namespace as it was; the create race; other tools' Secrets;
//! controller-owned Deployments; hostile names and paths; empty files; no fallback to `.env`;
//! `deploy --args`; deploy's environment; the server's reason for a 422; etcd's size limit.
use std::collections::BTreeMap;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::harness::{Cluster, Run, cluster, kmcp, on_terminal, project};

const VALUE: &str = "safety-value-7c1d";

fn kmcp_yaml(ns: &str) -> String {
    format!(
        "name: weather-server\nsecrets:\n  staging:\n    enabled: true\n    provider: kubernetes\n    secretName: weather-secrets\n    namespace: {ns}\n"
    )
}

/// `kind/name=resourceVersion` of every object of every listable namespaced type in `ns`.
fn snapshot(c: &Cluster, ns: &str) -> BTreeMap<String, String> {
    let kinds = c.kubectl(&[
        "api-resources",
        "--namespaced",
        "--verbs=list",
        "-o",
        "name",
    ]);
    let kinds: Vec<&str> = kinds.lines().filter(|k| !k.starts_with("events")).collect();
    let out = c.kubectl(&[
        "get",
        &kinds.join(","),
        "-n",
        ns,
        "-o",
        "jsonpath={range .items[*]}{.kind}/{.metadata.name}={.metadata.resourceVersion}{\"\\n\"}{end}",
    ]);
    out.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn secret_data(c: &Cluster, ns: &str, name: &str) -> Option<BTreeMap<String, String>> {
    let s = c.get_json("secret", name, ns)?;
    let data: BTreeMap<String, k8s_openapi::ByteString> =
        serde_json::from_value(s["data"].clone()).unwrap_or_default();
    Some(
        data.into_iter()
            .map(|(k, v)| (k, String::from_utf8(v.0).unwrap()))
            .collect(),
    )
}

#[track_caller]
fn refused(run: &Run, text: &str) {
    run.assert_code(1)
        .assert_stderr_contains(text)
        .assert_no_leak(&[VALUE]);
}

#[test]
fn no_must_not_write_mode_changes_any_object_of_the_namespace() {
    let c = cluster();
    let ns = c.namespace("safety-modes");
    c.apply(&format!(
        "apiVersion: v1\nkind: Secret\nmetadata: {{name: weather-secrets, namespace: {ns}}}\nstringData: {{A: old-a, Z: old-z}}\n---\napiVersion: kagent.dev/v1alpha1\nkind: MCPServer\nmetadata: {{name: existing, namespace: {ns}}}\nspec:\n  deployment:\n    image: weather:1\n    secretRefs: [{{name: weather-secrets}}]\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: worker, namespace: {ns}}}\nspec:\n  selector: {{matchLabels: {{app: w}}}}\n  template:\n    metadata: {{labels: {{app: w}}}}\n    spec:\n      containers:\n      - {{name: w, image: w:1, envFrom: [{{secretRef: {{name: weather-secrets}}}}]}}\n"
    ));
    let dir = project(&[
        ("kmcp.yaml", &kmcp_yaml(&ns)),
        // Changes A, removes Z: a confirmation is needed.
        (".env.staging", &format!("A={VALUE}\n")),
        (".env.empty", "# only a comment\n"),
        (".env.missing-required", &format!("B={VALUE}\n")),
    ]);
    let many: String = (0..30_000)
        .map(|i| format!("KEY_{i:05}=value{i:05}\n"))
        .collect();
    std::fs::write(dir.path().join(".env.many"), many).unwrap();
    let before = snapshot(c, &ns);
    assert!(
        before.contains_key("Secret/weather-secrets")
            && before.contains_key("MCPServer/existing")
            && before.contains_key("Deployment/worker"),
        "{before:?}"
    );
    let run = |args: &[&str]| kmcp(args).on(c).dir(dir.path()).run();

    // secrets sync (with --restart where it combines): the dry runs.
    run(&["secrets", "sync", "staging", "--dry-run"]).assert_ok();
    run(&[
        "secrets",
        "sync",
        "staging",
        "--dry-run=server",
        "--restart",
    ])
    .assert_ok()
    .assert_stdout_contains("(server dry run)");
    // A refused confirmation: no terminal and no --yes.
    refused(
        &run(&["secrets", "sync", "staging", "--restart"]),
        "needs a confirmation",
    );
    // ... and on a terminal: `n`, then Ctrl-C.
    let (out, code) = on_terminal(
        dir.path(),
        &c.kubeconfig,
        "secrets sync staging --restart",
        &["n\\r"],
    );
    assert!(out.contains("not confirmed") && code == 1, "{out}");
    let (out, code) = on_terminal(
        dir.path(),
        &c.kubeconfig,
        "secrets sync staging --restart",
        &["\\003"],
    );
    assert!(
        out.contains("interrupted at the prompt; nothing was changed") && code == 130,
        "{out}"
    );
    assert!(!out.contains(VALUE));
    // Failed pre-flights: an empty file, a missing required key, a Secret too large for etcd,
    // another tool's Secret, a namespace that does not match.
    let ff = |file: &str| {
        run(&[
            "secrets",
            "sync",
            "staging",
            "--yes",
            "--restart",
            "--from-file",
            file,
        ])
    };
    refused(&ff(".env.empty"), "no variables found");
    refused(&ff(".env.many"), "etcd");
    std::fs::write(dir.path().join(".env.example"), "A=\nB=\n").unwrap();
    refused(&ff(".env.missing-required"), "missing required keys: A");
    std::fs::remove_file(dir.path().join(".env.example")).unwrap();
    // A namespace that does not match is a bad -n: a usage error (exit 2).
    run(&["secrets", "sync", "staging", "--yes", "-n", "elsewhere"])
        .assert_code(2)
        .assert_stderr_contains("namespace mismatch")
        .assert_no_leak(&[VALUE]);

    // deploy: the dry runs and failed pre-flights (a required key the Secret lacks; no choice of
    // environment).
    run(&["deploy", "--environment", "staging", "--dry-run"]).assert_ok();
    run(&["deploy", "--environment", "staging", "--dry-run=server"]).assert_ok();
    std::fs::write(dir.path().join(".env.example"), "A=\nREQUIRED_KEY=\n").unwrap();
    refused(
        &run(&["deploy", "--environment", "staging"]),
        "lacks the required key REQUIRED_KEY",
    );
    std::fs::remove_file(dir.path().join(".env.example")).unwrap();
    let two = format!(
        "{}  prod:\n    enabled: true\n    provider: kubernetes\n    secretName: p\n    namespace: {ns}\n",
        kmcp_yaml(&ns)
    );
    std::fs::write(dir.path().join("kmcp.yaml"), two).unwrap();
    run(&["deploy"])
        .assert_code(2)
        .assert_stderr_contains("staging, prod");

    assert_eq!(
        snapshot(c, &ns),
        before,
        "an object of the namespace changed"
    );
    assert_eq!(
        secret_data(c, &ns, "weather-secrets").unwrap(),
        BTreeMap::from([("A".into(), "old-a".into()), ("Z".into(), "old-z".into())])
    );
}

#[test]
fn two_syncs_creating_the_same_secret_one_creates_the_other_fails_and_nothing_is_lost() {
    let c = cluster();
    let mut raced = 0;
    for round in 0..12 {
        let ns = c.namespace("safety-race");
        let a = project(&[
            ("kmcp.yaml", &kmcp_yaml(&ns)),
            (".env.staging", "FROM_A=a-value\nSHARED=a\n"),
        ]);
        let b = project(&[
            ("kmcp.yaml", &kmcp_yaml(&ns)),
            (".env.staging", "FROM_B=b-value\nSHARED=b\n"),
        ]);
        let spawn = |dir: &std::path::Path| {
            let dir = dir.to_path_buf();
            std::thread::spawn(move || {
                kmcp(&["secrets", "sync", "staging"])
                    .on(cluster())
                    .dir(&dir)
                    .run()
            })
        };
        let (ta, tb) = (spawn(a.path()), spawn(b.path()));
        let (ra, rb) = (ta.join().unwrap(), tb.join().unwrap());
        let (winner, loser, keys) = match (ra.code, rb.code) {
            (0, 1) => (ra, rb, ["FROM_A", "SHARED"]),
            (1, 0) => (rb, ra, ["FROM_B", "SHARED"]),
            _ => panic!("round {round}: exactly one may succeed:\n{ra:?}\n{rb:?}"),
        };
        winner.assert_stdout_contains("secret/weather-secrets created");
        loser.assert_no_leak(&["a-value", "b-value"]);
        if loser.stderr.contains("was created by someone else") {
            raced += 1;
            assert_eq!(loser.stdout, "", "the loser shows no result");
        } else {
            // It started after the winner finished: removing the winner's keys needs a yes.
            loser.assert_stderr_contains("needs a confirmation");
        }
        let data = secret_data(c, &ns, "weather-secrets").unwrap();
        assert_eq!(
            data.keys().map(String::as_str).collect::<Vec<_>>(),
            keys,
            "round {round}: the Secret holds the winner's file exactly"
        );
        if raced >= 2 {
            break;
        }
    }
    assert!(
        raced >= 1,
        "no round had both syncs find no Secret; the race was not exercised"
    );
}

#[test]
fn a_secret_written_by_external_secrets_is_refused_without_force() {
    let c = cluster();
    let ns = c.namespace("safety-eso");
    let out = c.kubectl_with(
        &[
            "apply",
            "--server-side",
            "--field-manager=external-secrets",
            "-f",
            "-",
        ],
        Some(&format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: weather-secrets\n  namespace: {ns}\n  annotations:\n    reconcile.external-secrets.io/data-hash: 0f0e\nstringData: {{K: vault-value}}\n"
        )),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = project(&[
        ("kmcp.yaml", &kmcp_yaml(&ns)),
        (".env.staging", &format!("K={VALUE}\n")),
    ]);
    let before = snapshot(c, &ns);
    let run = kmcp(&["secrets", "sync", "staging", "--yes"])
        .on(c)
        .dir(dir.path())
        .run();
    refused(
        &run,
        "is written by External Secrets (field manager \"external-secrets\")",
    );
    run.assert_stderr_contains("--force")
        .assert_no_leak(&["vault-value"]);
    assert_eq!(run.stdout, "");
    assert_eq!(snapshot(c, &ns), before);
    kmcp(&["secrets", "sync", "staging", "--yes", "--force"])
        .on(c)
        .dir(dir.path())
        .run()
        .assert_ok()
        .assert_no_leak(&[VALUE, "vault-value"]);
    assert_eq!(
        secret_data(c, &ns, "weather-secrets").unwrap(),
        BTreeMap::from([("K".into(), VALUE.into())])
    );
}

#[test]
fn restart_rolls_a_controller_owned_deployment_through_its_mcpserver_only() {
    let c = cluster();
    let ns = c.namespace("safety-owned");
    c.apply(&format!(
        "apiVersion: kagent.dev/v1alpha1\nkind: MCPServer\nmetadata: {{name: weather, namespace: {ns}}}\nspec:\n  deployment:\n    image: weather:1\n    secretRefs: [{{name: weather-secrets}}]\n"
    ));
    let uid = c.get_json("mcpserver", "weather", &ns).unwrap()["metadata"]["uid"]
        .as_str()
        .unwrap()
        .to_string();
    let pod = "    spec:\n      containers:\n      - {name: c, image: c:1, envFrom: [{secretRef: {name: weather-secrets}}]}\n";
    c.apply(&format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: weather\n  namespace: {ns}\n  ownerReferences:\n  - {{apiVersion: kagent.dev/v1alpha1, kind: MCPServer, name: weather, uid: {uid}, controller: true}}\nspec:\n  selector: {{matchLabels: {{app: weather}}}}\n  template:\n    metadata: {{labels: {{app: weather}}}}\n{pod}---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: plain, namespace: {ns}}}\nspec:\n  selector: {{matchLabels: {{app: plain}}}}\n  template:\n    metadata: {{labels: {{app: plain}}}}\n{pod}"
    ));
    let owned_rv =
        c.get_json("deployment", "weather", &ns).unwrap()["metadata"]["resourceVersion"].clone();
    let dir = project(&[
        ("kmcp.yaml", &kmcp_yaml(&ns)),
        (".env.staging", &format!("K={VALUE}\n")),
    ]);
    let run = kmcp(&["secrets", "sync", "staging", "--restart"])
        .on(c)
        .dir(dir.path())
        .run();
    run.assert_ok()
        .assert_stdout_contains("mcpserver.kagent.dev/weather restarted")
        .assert_stdout_contains("deployment.apps/plain restarted")
        .assert_no_leak(&[VALUE]);
    assert!(
        !run.stdout.contains("deployment.apps/weather"),
        "{}",
        run.stdout
    );
    let owned = c.get_json("deployment", "weather", &ns).unwrap();
    assert_eq!(owned["metadata"]["resourceVersion"], owned_rv);
    let hash = c.get_json("secret", "weather-secrets", &ns).unwrap()["metadata"]["annotations"]
        ["kmcp.dev/secret-hash"]
        .clone();
    assert_eq!(
        c.get_json("mcpserver", "weather", &ns).unwrap()["spec"]["deployment"]["annotations"]["kmcp.dev/secret-hash"],
        hash
    );
}

#[test]
fn hostile_names_and_paths_are_refused_before_any_request() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join(".env"), format!("K={VALUE}\n")).unwrap();
    let outside_file = outside.path().join(".env").display().to_string();
    let yaml = |ns: &str, secret: &str, file: Option<&str>| {
        format!(
            "name: w\nsecrets:\n  staging:\n    enabled: true\n    provider: kubernetes\n    secretName: {secret}\n    namespace: \"{ns}\"\n{}",
            file.map(|f| format!("    file: \"{f}\"\n"))
                .unwrap_or_default()
        )
    };
    // No kubeconfig and not a dry run: a request would fail with another message.
    let sync = |yaml: String, extra: &[&str]| {
        let dir = project(&[
            ("kmcp.yaml", &yaml),
            (".env.staging", &format!("K={VALUE}\n")),
        ]);
        let link = dir.path().join("linked.env");
        std::os::unix::fs::symlink(outside.path().join(".env"), link).unwrap();
        let mut args = vec!["secrets", "sync", "staging", "--yes"];
        args.extend(extra);
        kmcp(&args).dir(dir.path()).run()
    };
    let run = sync(yaml("staging/secrets/s5?dryRun=All&x=", "s", None), &[]);
    refused(
        &run,
        "namespace \"staging/secrets/s5?dryRun=All&x=\", which is not a valid namespace name",
    );
    refused(&run, "kmcp.yaml:3:");
    let run = sync(yaml("staging", "../other", None), &[]);
    refused(
        &run,
        "secretName \"../other\", which is not a valid Secret name",
    );
    let run = kmcp(&["deploy", "w", "--image", "w:1", "--no-secret", "-n", "a/b"])
        .on(cluster())
        .dir(outside.path())
        .run();
    run.assert_code(2)
        .assert_stderr_contains("\"a/b\" is not a valid namespace name");
    for (file, why) in [
        ("../../x/.env", "resolves to"),
        (outside_file.as_str(), "is an absolute path"),
        ("linked.env", "is a symbolic link"),
    ] {
        let run = sync(yaml("staging", "s", Some(file)), &[]);
        refused(&run, why);
        refused(
            &run,
            "a kmcp.yaml may only name files inside its project directory",
        );
        run.assert_stderr_contains(&format!("--from-file {file}"));
    }
    // Named by the user, the same file is used.
    let run = sync(
        yaml("staging", "s", None),
        &["--from-file", &outside_file, "--dry-run"],
    );
    run.assert_ok();
}

#[test]
fn an_empty_file_is_refused_unless_allow_empty_and_env_is_never_a_fallback() {
    let c = cluster();
    let ns = c.namespace("safety-empty");
    c.apply(&format!(
        "apiVersion: v1\nkind: Secret\nmetadata: {{name: weather-secrets, namespace: {ns}}}\nstringData: {{A: {VALUE}}}\n"
    ));
    let dir = project(&[
        ("kmcp.yaml", &kmcp_yaml(&ns)),
        (".env.staging", "\n# nothing here\n   \n"),
        (".env", "DEV_ONLY=dev-value\n"),
    ]);
    let before = snapshot(c, &ns);
    let run = kmcp(&["secrets", "sync", "staging", "--yes"])
        .on(c)
        .dir(dir.path())
        .run();
    refused(&run, "./.env.staging: no variables found");
    run.assert_stderr_contains("--allow-empty");
    assert_eq!(snapshot(c, &ns), before);
    kmcp(&["secrets", "sync", "staging", "--yes", "--allow-empty"])
        .on(c)
        .dir(dir.path())
        .run()
        .assert_ok()
        .assert_stdout_contains("0 added, 0 changed, 1 removed");
    assert_eq!(
        secret_data(c, &ns, "weather-secrets").unwrap(),
        BTreeMap::new()
    );

    // .env.staging missing: .env (development values) is not used.
    std::fs::remove_file(dir.path().join(".env.staging")).unwrap();
    let run = kmcp(&["secrets", "sync", "staging", "--yes"])
        .on(c)
        .dir(dir.path())
        .run();
    refused(
        &run,
        "no env file for environment \"staging\": tried ./.env.staging",
    );
    run.assert_stderr_contains("--from-file")
        .assert_no_leak(&["dev-value"]);
    assert!(
        !run.stderr.contains("Using env file ./.env"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_diff_is_not_shown_before_a_failed_preflight() {
    let c = cluster();
    let dir = project(&[
        ("kmcp.yaml", &kmcp_yaml("kmcp-no-such-namespace")),
        (".env.staging", &format!("A={VALUE}\nB=2\n")),
    ]);
    let run = kmcp(&["secrets", "sync", "staging"])
        .on(c)
        .dir(dir.path())
        .run();
    refused(&run, "namespace \"kmcp-no-such-namespace\" not found");
    assert_eq!(run.stdout, "", "no `2 added` before the error");
}

#[test]
fn a_rejected_patch_names_the_servers_reason_not_a_concurrent_change() {
    let c = cluster();
    let ns = c.namespace("safety-422");
    // Another tool's annotation just under the 256 KiB limit of all annotations: the sync's
    // own annotations push it over, and the API server refuses the patch with 422.
    let big = "x".repeat(262_144 - 100);
    let out = c.kubectl_with(
        &["create", "-f", "-"],
        Some(&format!(
            "{{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{{\"name\":\"weather-secrets\",\"namespace\":\"{ns}\",\"annotations\":{{\"example.com/notes\":\"{big}\"}}}},\"stringData\":{{\"A\":\"1\",\"OLD\":\"2\"}}}}"
        )),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = project(&[
        ("kmcp.yaml", &kmcp_yaml(&ns)),
        (".env.staging", &format!("A={VALUE}\n")),
    ]);
    let before = snapshot(c, &ns);
    let run = kmcp(&["secrets", "sync", "staging", "--yes"])
        .on(c)
        .dir(dir.path())
        .run();
    refused(&run, "the API server rejected the change");
    run.assert_stderr_contains("Too long")
        .assert_stderr_contains("will not help");
    assert!(
        !run.stderr.contains("changed by someone else"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stdout, "");
    assert_eq!(snapshot(c, &ns), before);
}

#[test]
fn deploy_args_never_swallow_flags() {
    let dir = project(&[("kmcp.yaml", "name: w\nframework: mcp-go\n")]);
    let args_of = |extra: &[&str]| {
        let mut argv = vec!["deploy", "--no-secret", "--dry-run", "-o", "json"];
        argv.extend(extra);
        let run = kmcp(&argv).dir(dir.path()).run();
        run.assert_ok();
        run.json()["spec"]["deployment"]["args"].clone()
    };
    assert_eq!(
        args_of(&[
            "--command",
            "python",
            "--args",
            "src/main.py",
            "--env",
            "LOG_LEVEL=debug"
        ]),
        serde_json::json!(["src/main.py"])
    );
    assert_eq!(
        args_of(&["--args", "a,b", "--args", "c", "--", "--port", "-v"]),
        serde_json::json!(["a", "b", "c", "--port", "-v"])
    );
    // The issue's command: --dry-run=server after --args is a flag, so nothing is applied.
    let c = cluster();
    let ns = c.namespace("safety-args");
    let run = kmcp(&[
        "deploy",
        "--no-secret",
        "-n",
        &ns,
        "--command",
        "python",
        "--args",
        "src/main.py",
        "--dry-run=server",
    ])
    .on(c)
    .dir(dir.path())
    .run();
    run.assert_ok().assert_stderr_contains("server dry run");
    assert_eq!(
        c.kubectl(&["get", "mcpservers", "-n", &ns, "-o", "name"])
            .trim(),
        ""
    );
}

#[test]
fn deploy_without_environment_uses_the_only_one_or_refuses() {
    let base =
        "name: w\nframework: mcp-go\nsecrets:\n  local:\n    enabled: true\n    provider: env\n";
    let dir = project(&[("kmcp.yaml", base)]);
    let run = kmcp(&["deploy", "--dry-run"]).dir(dir.path()).run();
    run.assert_code(2)
        .assert_stderr_contains("no enabled environment with `provider: kubernetes`")
        .assert_stderr_contains("--no-secret");
    let none = tempfile::tempdir().unwrap();
    kmcp(&["deploy", "w", "--image", "w:1", "--dry-run"])
        .dir(none.path())
        .run()
        // A missing kmcp.yaml is exit 1 in every command.
        .assert_code(1)
        .assert_stderr_contains("no kmcp.yaml here, so no environment")
        .assert_stderr_contains("--no-secret");
    kmcp(&["deploy", "w", "--image", "w:1", "--dry-run", "--no-secret"])
        .dir(none.path())
        .run()
        .assert_ok();
    kmcp(&[
        "deploy",
        "--dry-run",
        "--no-secret",
        "--environment",
        "local",
    ])
    .dir(dir.path())
    .run()
    .assert_code(2)
    .assert_stderr_contains("cannot be used with");
}

/// HMAC-SHA256 of the length-prefixed sorted pairs, computed here independently of the plugin.
fn hmac_of(key_hex: &str, data: &BTreeMap<String, String>) -> String {
    let key: Vec<u8> = (0..key_hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&key_hex[i..i + 2], 16).unwrap())
        .collect();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    for (k, v) in data {
        mac.update(&(k.len() as u64).to_be_bytes());
        mac.update(k.as_bytes());
        mac.update(&(v.len() as u64).to_be_bytes());
        mac.update(v.as_bytes());
    }
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn the_hash_is_keyed_per_secret_checkable_by_its_readers_and_drift_still_works() {
    let c = cluster();
    let pin = "4711";
    let mut hashes = Vec::new();
    for _ in 0..2 {
        let ns = c.namespace("safety-hash");
        let dir = project(&[
            ("kmcp.yaml", &kmcp_yaml(&ns)),
            (".env.staging", &format!("PIN={pin}\n")),
        ]);
        let run = kmcp(&["secrets", "sync", "staging", "-o", "json"])
            .on(c)
            .dir(dir.path())
            .run();
        run.assert_ok();
        let reported = run.json()["hash"].as_str().unwrap().to_string();
        let s = c.get_json("secret", "weather-secrets", &ns).unwrap();
        let ann = &s["metadata"]["annotations"];
        let hash = ann["kmcp.dev/secret-hash"].as_str().unwrap().to_string();
        let key = ann["kmcp.dev/secret-hash-key"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(key.len(), 64);
        assert_eq!(reported, hash);
        // A reader of the Secret recomputes it from the key and the values.
        let data = secret_data(c, &ns, "weather-secrets").unwrap();
        assert_eq!(hmac_of(&key, &data), hash);
        // Without the key, guessing the PIN against the hash gets nowhere: the plain SHA-256
        // of the encoding is not it.
        use sha2::Digest;
        let mut plain = Sha256::new();
        plain.update(3u64.to_be_bytes());
        plain.update(b"PIN");
        plain.update(4u64.to_be_bytes());
        plain.update(pin.as_bytes());
        let plain: String = plain
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_ne!(plain, hash);
        // A re-sync keeps the key (no change, no write).
        kmcp(&["secrets", "sync", "staging"])
            .on(c)
            .dir(dir.path())
            .run()
            .assert_ok()
            .assert_stdout_contains("no changes");
        // troubleshoot's drift check compares under the Secret's key and shows its hash.
        let run = kmcp(&[
            "troubleshoot",
            "weather-server",
            "--environment",
            "staging",
            "-o",
            "json",
        ])
        .on(c)
        .dir(dir.path())
        .run();
        let checks = run.json()["checks"].clone();
        let drift = checks
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "drift")
            .unwrap()
            .clone();
        assert_eq!(drift["status"], "pass", "{drift}");
        assert!(
            drift["detail"].as_str().unwrap().contains(&hash[..12]),
            "{drift}"
        );
        std::fs::write(dir.path().join(".env.staging"), "PIN=0000\n").unwrap();
        let run = kmcp(&[
            "troubleshoot",
            "weather-server",
            "--environment",
            "staging",
            "-o",
            "json",
        ])
        .on(c)
        .dir(dir.path())
        .run();
        assert!(run.stdout.contains("values differ: PIN"), "{}", run.stdout);
        hashes.push(hash);
    }
    assert_ne!(
        hashes[0], hashes[1],
        "equal values, different Secrets: different hashes"
    );
}
