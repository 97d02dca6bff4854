//! `secrets status`, `secrets diff`, `secrets pull` and `secrets sync --all` against the real API
//! server: environments in two clusters (the test cluster, and a context whose server does not
//! answer), every state of status, diff's exit codes, pull's byte-exact round trip of tricky
//! values, its refusals and file mode, and `sync --all` writing nothing on one "no".
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::harness::{Cluster, Run, cluster, kmcp, on_terminal, project};

/// A kubeconfig with the test cluster's contexts plus `down`, a second "cluster" whose API
/// server does not answer (127.0.0.1:1).
fn kubeconfig_with_down(c: &Cluster, dir: &Path) -> PathBuf {
    let path = dir.join("kubeconfig");
    std::fs::copy(&c.kubeconfig, &path).unwrap();
    let kc = path.to_str().unwrap();
    for args in [
        vec![
            "config",
            "set-cluster",
            "down",
            "--server=https://127.0.0.1:1",
        ],
        vec![
            "config",
            "set-context",
            "down",
            "--cluster=down",
            "--user=admin",
        ],
    ] {
        let out = std::process::Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(kc)
            .args(&args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    }
    path
}

/// A kubernetes environment entry of kmcp.yaml.
fn env_entry(name: &str, ns: &str, extra: &str) -> String {
    format!(
        "  {name}:\n    enabled: true\n    provider: kubernetes\n    secretName: weather\n    namespace: {ns}\n{extra}"
    )
}

/// The Secret's data, decoded (bytes).
fn data(c: &Cluster, name: &str, ns: &str) -> Option<BTreeMap<String, Vec<u8>>> {
    let s = c.get_json("secret", name, ns)?;
    let data: BTreeMap<String, k8s_openapi::ByteString> =
        serde_json::from_value(s["data"].clone()).unwrap_or_default();
    Some(data.into_iter().map(|(k, v)| (k, v.0)).collect())
}

/// A Secret holding exactly these values, written by kubectl (not by the plugin).
fn put_secret(c: &Cluster, name: &str, ns: &str, values: &[(&str, &str)]) {
    let data: BTreeMap<&str, k8s_openapi::ByteString> = values
        .iter()
        .map(|(k, v)| (*k, k8s_openapi::ByteString(v.as_bytes().to_vec())))
        .collect();
    let manifest = serde_json::json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": name, "namespace": ns},
        "data": data,
    });
    c.apply(&manifest.to_string());
}

fn state_of(run: &Run, env: &str) -> String {
    let rows = run.json();
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["environment"] == env)
        .unwrap_or_else(|| panic!("no row {env}: {}", run.stdout));
    row["state"].as_str().unwrap().to_string()
}

#[test]
fn status_shows_every_state_across_two_clusters() {
    let c = cluster();
    let ns: Vec<String> = (0..7).map(|_| c.namespace("status")).collect();
    let values = [
        "dev-token-value",
        "staging-new-value",
        "staging-old-value",
        "preview-value",
        "canary-value",
        "legacy-value",
        "added-value",
    ];
    let yaml = format!(
        "name: weather-server\nsecrets:\n  local:\n    enabled: true\n    provider: env\n{}{}{}{}{}{}{}{}  off:\n    enabled: false\n    provider: kubernetes\n    secretName: weather\n",
        env_entry("dev", &ns[0], ""),
        env_entry("staging", &ns[1], ""),
        env_entry("production", &ns[2], "    context: down\n"),
        env_entry("qa", &ns[3], ""),
        env_entry("preview", &ns[4], ""),
        env_entry("canary", &ns[5], ""),
        env_entry("legacy", &ns[6], ""),
        env_entry("shared", &ns[0], "    context: bob\n"),
    );
    let dir = project(&[
        ("kmcp.yaml", &yaml),
        (".env.example", "TOKEN=\nLOG_LEVEL=info\n"),
        (".env.dev", "TOKEN=dev-token-value\n"),
        (".env.shared", "TOKEN=dev-token-value\n"),
        (
            ".env.staging",
            "TOKEN=staging-new-value\nNEW_KEY=added-value\n",
        ),
        (".env.production", "TOKEN=p\n"),
        (".env.qa", "TOKEN=q\n"),
        (".env.preview", "TOKEN=preview-value\n"),
        (".env.canary", "TOKEN=canary-value\n"),
        (".env.legacy", "TOKEN=legacy-value\n"),
    ]);
    let kubeconfig = kubeconfig_with_down(c, dir.path());
    let kc = kubeconfig.to_str().unwrap();
    let plugin = |args: &[&str]| kmcp(args).env("KUBECONFIG", kc).dir(dir.path()).run();

    // in-sync: synced by the plugin.
    plugin(&["secrets", "sync", "dev"]).assert_ok();
    // drifted: another value, a key the file lacks, a key the Secret lacks.
    put_secret(
        c,
        "weather",
        &ns[1],
        &[("TOKEN", "staging-old-value"), ("OLD", "x-old")],
    );
    // missing-keys: the required TOKEN is not in the Secret.
    put_secret(c, "weather", &ns[4], &[("OTHER", "preview-value")]);
    // stale-pods: synced, then a running pod of a server that uses it, started before.
    plugin(&["secrets", "sync", "canary"]).assert_ok();
    c.apply(&format!(
        "apiVersion: kagent.dev/v1alpha1\nkind: MCPServer\nmetadata: {{name: weather, namespace: {n}}}\nspec:\n  deployment:\n    image: weather:1\n    secretRefs: [{{name: weather}}]\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: weather-1\n  namespace: {n}\n  labels: {{app.kubernetes.io/name: weather, app.kubernetes.io/instance: weather}}\nspec:\n  containers:\n  - {{name: mcp-server, image: weather:1}}\n",
        n = ns[5]
    ));
    c.kubectl(&[
        "patch",
        "pod",
        "weather-1",
        "-n",
        &ns[5],
        "--subresource=status",
        "--type=merge",
        "-p",
        r#"{"status":{"phase":"Running","startTime":"2020-01-01T00:00:00Z"}}"#,
    ]);
    // not-managed: another tool owns it.
    c.apply(&format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: weather\n  namespace: {}\n  ownerReferences:\n  - {{apiVersion: external-secrets.io/v1beta1, kind: ExternalSecret, name: weather, uid: 6a7c2f3e-0000-0000-0000-000000000002}}\nstringData: {{TOKEN: legacy-value}}\n",
        ns[6]
    ));

    let run = plugin(&["secrets", "status", "-o", "json"]);
    run.assert_code(1).assert_no_leak(&values);
    let expected = [
        ("local", "local"),
        ("dev", "in-sync"),
        ("staging", "drifted"),
        ("production", "unreachable"),
        ("qa", "missing"),
        ("preview", "missing-keys"),
        ("canary", "stale-pods"),
        ("legacy", "not-managed"),
        ("shared", "forbidden"),
        ("off", "disabled"),
    ];
    for (env, state) in expected {
        assert_eq!(state_of(&run, env), state, "{env}:\n{}", run.stdout);
    }
    let rows = run.json();
    let row = |env: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["environment"] == env)
            .unwrap()
            .clone()
    };
    assert_eq!(
        row("staging")["changes"],
        serde_json::json!([
            {"key": "NEW_KEY", "change": "added"},
            {"key": "OLD", "change": "removed"},
            {"key": "TOKEN", "change": "changed"},
        ])
    );
    assert_eq!(row("production")["context"], "down");
    assert_eq!(row("shared")["context"], "bob");
    assert_eq!(row("preview")["missingKeys"], serde_json::json!(["TOKEN"]));
    assert_eq!(
        row("canary")["stalePods"],
        serde_json::json!(["weather-1 (weather)"])
    );
    assert!(
        row("production")["details"][0]
            .as_str()
            .unwrap()
            .contains("127.0.0.1:1"),
        "{}",
        run.stdout
    );

    // The table: one row per environment, then what is wrong and the fix; no value.
    let run = plugin(&["secrets", "status"]);
    run.assert_code(1).assert_no_leak(&values);
    let first: Vec<&str> = run
        .stdout
        .lines()
        .next()
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(
        first,
        ["ENVIRONMENT", "CONTEXT", "NAMESPACE", "STATE", "SECRET"]
    );
    for (env, state) in expected {
        assert!(
            run.stdout
                .lines()
                .any(|l| l.starts_with(env) && l.split_whitespace().nth(3) == Some(state)),
            "no row {env} {state}:\n{}",
            run.stdout
        );
    }
    // The details below the table are wrapped at word boundaries: compare them unwrapped.
    let details = run.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        details.contains("a sync would add NEW_KEY; change TOKEN; remove OLD"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("kubectl kmcp secrets sync canary --restart")
    );

    // `--context` on the command line wins over kmcp.yaml's: production is reachable then
    // (its namespace is empty, so its Secret is missing).
    let run = plugin(&["secrets", "status", "-o", "json", "--context", "admin"]);
    assert_eq!(state_of(&run, "production"), "missing");
    assert_eq!(state_of(&run, "shared"), "in-sync");

    // A restart (sync --restart) makes the pods current: once the pod carries the hash, the
    // environment is in sync again.
    let hash = c.get_json("secret", "weather", &ns[5]).unwrap()["metadata"]["annotations"]
        ["kmcp.dev/secret-hash"]
        .as_str()
        .unwrap()
        .to_string();
    c.kubectl(&[
        "annotate",
        "pod",
        "weather-1",
        "-n",
        &ns[5],
        &format!("kmcp.dev/secret-hash={hash}"),
    ]);
    let run = plugin(&["secrets", "status", "-o", "json"]);
    assert_eq!(state_of(&run, "canary"), "in-sync");
}

#[test]
fn status_exits_0_when_every_enabled_environment_is_in_sync() {
    let c = cluster();
    let ns = c.namespace("status-ok");
    let yaml = format!(
        "name: weather-server\nsecrets:\n  local:\n    enabled: true\n    provider: env\n{}",
        env_entry("dev", &ns, "")
    );
    let dir = project(&[("kmcp.yaml", &yaml), (".env.dev", "A=in-sync-value\n")]);
    kmcp(&["secrets", "sync", "dev"])
        .on(c)
        .dir(dir.path())
        .run()
        .assert_ok();
    let run = kmcp(&["secrets", "status", "-o", "yaml"])
        .on(c)
        .dir(dir.path())
        .run();
    run.assert_ok()
        .assert_stdout_contains("state: in-sync")
        .assert_no_leak(&["in-sync-value"]);
}

#[test]
fn diff_exits_0_when_equal_and_1_when_different_and_never_shows_a_value() {
    let c = cluster();
    let ns = c.namespace("diff");
    let yaml = format!(
        "name: weather-server\nsecrets:\n{}",
        env_entry("dev", &ns, "")
    );
    let dir = project(&[
        ("kmcp.yaml", &yaml),
        (".env.dev", "A=first-value\nB=kept-value\n"),
    ]);
    let values = ["first-value", "kept-value", "second-value"];
    // No Secret yet: everything would be added.
    let run = kmcp(&["secrets", "diff", "dev"])
        .on(c)
        .dir(dir.path())
        .run();
    run.assert_code(1)
        .assert_stdout_contains("2 added")
        .assert_stderr_contains("does not exist")
        .assert_no_leak(&values);
    assert!(data(c, "weather", &ns).is_none(), "diff must not write");

    kmcp(&["secrets", "sync", "dev"])
        .on(c)
        .dir(dir.path())
        .run()
        .assert_ok();
    let run = kmcp(&["secrets", "diff", "dev"])
        .on(c)
        .dir(dir.path())
        .run();
    run.assert_ok()
        .assert_stdout_contains("0 added, 0 changed, 0 removed, 2 unchanged")
        .assert_no_leak(&values);

    std::fs::write(
        dir.path().join(".env.dev"),
        "A=second-value\nB=kept-value\n",
    )
    .unwrap();
    let run = kmcp(&["secrets", "diff", "dev", "-o", "json"])
        .on(c)
        .dir(dir.path())
        .run();
    run.assert_code(1).assert_no_leak(&values);
    let doc = run.json();
    assert_eq!(doc["differs"], true);
    assert_eq!(
        doc["changes"][0],
        serde_json::json!({"key": "A", "change": "changed"})
    );
    assert_eq!(
        data(c, "weather", &ns).unwrap()["A"],
        b"first-value".to_vec(),
        "diff must not write"
    );
    // A usage error is 2, as everywhere.
    kmcp(&["secrets", "diff", "dev", "-o", "wide"])
        .on(c)
        .dir(dir.path())
        .run()
        .assert_code(2);
}

/// The tricky values of the sync tests (quotes, `#`, `$`, newlines, a PEM key, JSON, unicode)
/// and a few more.
const CORPUS: [(&str, &str); 16] = [
    ("DB_HOST", "db.internal"),
    ("SINGLE", "lit $NOT_A_REF \\n kept"),
    ("DOUBLE", "tab no: q\"uote\" dollar$ back\\ nl\nend"),
    ("MULTI", "-----BEGIN KEY-----\nAAAA\n-----END KEY-----"),
    (
        "PEM",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7x+/9==\nZm9vYmFy\n-----END RSA PRIVATE KEY-----\n",
    ),
    ("EMPTY", ""),
    ("EQ", "a=b=c"),
    ("HASH", "abc#def"),
    ("LEADING_HASH", "#not-a-comment"),
    ("URL", "postgres://db.internal:5432/app?ssl=true&x=1"),
    (
        "JSON",
        r#"{"name": "weather", "keys": [1, "two"], "nested": {"a": "b c"}}"#,
    ),
    ("UNICODE", "héllo wörld ✓ 日本語 🎉"),
    ("QUOTES", "it's \"both\" kinds"),
    ("SPACES", "  padded value  "),
    ("BACKSLASHES", "C:\\\\path\\\\to"),
    ("tls.crt", "dotted key"),
];

#[test]
fn pull_then_sync_round_trips_the_tricky_values_byte_exact() {
    let c = cluster();
    let source = c.namespace("pull-src");
    let copy = c.namespace("pull-copy");
    put_secret(c, "weather", &source, &CORPUS);
    let yaml = format!(
        "name: weather-server\nsecrets:\n{}{}",
        env_entry("dev", &source, ""),
        env_entry("copy", &copy, "    file: .env.dev\n")
    );
    let dir = project(&[("kmcp.yaml", &yaml)]);
    let values: Vec<&str> = CORPUS
        .iter()
        .map(|(_, v)| *v)
        .filter(|v| v.len() > 3)
        .collect();

    let run = kmcp(&["secrets", "pull", "dev"])
        .on(c)
        .dir(dir.path())
        .run();
    run.assert_ok()
        .assert_stdout_contains("secret/weather pulled to ./.env.dev (16 keys, mode 0600)")
        .assert_no_leak(&values);
    let path = dir.path().join(".env.dev");
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the pulled file must be private");
    }
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.starts_with("# Pulled by `kubectl kmcp secrets pull dev` at "),
        "{text}"
    );
    assert!(text.contains(&format!(
        "# Secret weather, namespace {source}, context admin\n"
    )));
    let keys: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_once('=').map(|(k, _)| k))
        .filter(|k| CORPUS.iter().any(|(c, _)| c == k))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "keys are sorted");
    assert_eq!(keys.len(), CORPUS.len());

    // The pulled file, synced into another namespace, gives the identical data.
    let run = kmcp(&["secrets", "sync", "copy"])
        .on(c)
        .dir(dir.path())
        .run();
    run.assert_ok().assert_no_leak(&values);
    assert_eq!(data(c, "weather", &copy), data(c, "weather", &source));
    // And synced back into its own Secret, no key changes.
    let run = kmcp(&["secrets", "diff", "dev"])
        .on(c)
        .dir(dir.path())
        .run();
    run.assert_ok().assert_no_leak(&values);
    let expected: BTreeMap<String, Vec<u8>> = CORPUS
        .iter()
        .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
        .collect();
    assert_eq!(data(c, "weather", &copy).unwrap(), expected);

    // --to - prints the same file on stdout, only when asked.
    let run = kmcp(&["secrets", "pull", "dev", "--to", "-"])
        .on(c)
        .dir(dir.path())
        .run();
    run.assert_ok();
    assert_eq!(
        run.stdout.lines().skip(1).collect::<Vec<_>>(),
        text.lines().skip(1).collect::<Vec<_>>()
    );
}

#[test]
fn pull_never_overwrites_without_force_and_warns_when_git_does_not_ignore_the_file() {
    let c = cluster();
    let ns = c.namespace("pull-force");
    put_secret(
        c,
        "weather",
        &ns,
        &[("A", "cluster-value"), ("B", "same-value")],
    );
    let yaml = format!(
        "name: weather-server\nsecrets:\n{}",
        env_entry("dev", &ns, "")
    );
    let dir = project(&[
        ("kmcp.yaml", &yaml),
        (".env.dev", "A=local-value\nB=same-value\nC=only-local\n"),
    ]);
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {out:?}");
    };
    git(&["init", "-q"]);
    let values = ["cluster-value", "same-value", "local-value", "only-local"];
    let before = std::fs::read(dir.path().join(".env.dev")).unwrap();

    let run = kmcp(&["secrets", "pull", "dev"])
        .on(c)
        .dir(dir.path())
        .run();
    run.assert_code(1)
        .assert_stderr_contains("--force")
        .assert_no_leak(&values);
    assert!(
        run.stdout
            .lines()
            .any(|l| l.split_whitespace().eq(["A", "changed"])),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .lines()
            .any(|l| l.split_whitespace().eq(["C", "removed"])),
        "{}",
        run.stdout
    );
    assert_eq!(
        std::fs::read(dir.path().join(".env.dev")).unwrap(),
        before,
        "nothing written"
    );

    let run = kmcp(&["secrets", "pull", "dev", "--force"])
        .on(c)
        .dir(dir.path())
        .run();
    run.assert_ok()
        .assert_stderr_contains("git does not ignore it")
        .assert_no_leak(&values);
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join(".env.dev"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // Pulling again: the file already holds the Secret, nothing to do.
    std::fs::write(dir.path().join(".gitignore"), ".env.*\n").unwrap();
    let run = kmcp(&["secrets", "pull", "dev"])
        .on(c)
        .dir(dir.path())
        .run();
    run.assert_ok().assert_stdout_contains("already holds");
    assert!(
        !run.stderr.contains("git does not ignore"),
        "{}",
        run.stderr
    );
    // Into a new file that git ignores: no warning.
    let run = kmcp(&["secrets", "pull", "dev", "--to", ".env.new"])
        .on(c)
        .dir(dir.path())
        .run();
    run.assert_ok();
    assert!(
        !run.stderr.contains("git does not ignore"),
        "{}",
        run.stderr
    );
}

#[test]
fn pull_refuses_values_no_env_file_can_hold_by_key_name_only() {
    let c = cluster();
    let ns = c.namespace("pull-refuse");
    put_secret(
        c,
        "weather",
        &ns,
        &[
            ("FINE", "ok"),
            ("MIXED", "it's $5 now"),
            ("my-key", "dash-value"),
            ("CR", "a\r\nb-value"),
        ],
    );
    let yaml = format!(
        "name: weather-server\nsecrets:\n{}",
        env_entry("dev", &ns, "")
    );
    let dir = project(&[("kmcp.yaml", &yaml)]);
    let run = kmcp(&["secrets", "pull", "dev"])
        .on(c)
        .dir(dir.path())
        .run();
    run.assert_code(1)
        .assert_stderr_contains("MIXED")
        .assert_stderr_contains("my-key")
        .assert_stderr_contains("CR (")
        .assert_no_leak(&["it's", "$5", "dash-value", "b-value"]);
    assert!(
        !dir.path().join(".env.dev").exists(),
        "nothing may be written"
    );
}

#[test]
fn sync_all_shows_every_plan_asks_once_and_production_on_its_own() {
    let c = cluster();
    let dev = c.namespace("all-dev");
    let prod = c.namespace("all-prod");
    let yaml = format!(
        "name: weather-server\nsecrets:\n  local:\n    enabled: true\n    provider: env\n{}{}",
        env_entry("dev", &dev, ""),
        env_entry("production", &prod, "")
    );
    let dir = project(&[
        ("kmcp.yaml", &yaml),
        (".env.dev", "A=dev-value\n"),
        (".env.production", "A=prod-value\n"),
    ]);
    let values = ["dev-value", "prod-value"];

    // No terminal, no --yes: every plan shown, nothing written.
    let run = kmcp(&["secrets", "sync", "--all"])
        .on(c)
        .dir(dir.path())
        .run();
    run.assert_code(1)
        .assert_stderr_contains("needs a confirmation")
        .assert_stdout_contains("dev: secret weather in namespace")
        .assert_stdout_contains("production: secret weather in namespace")
        .assert_no_leak(&values);
    assert!(data(c, "weather", &dev).is_none() && data(c, "weather", &prod).is_none());

    // --dry-run=server: the same plans, nothing persisted.
    let run = kmcp(&["secrets", "sync", "--all", "--dry-run=server"])
        .on(c)
        .dir(dir.path())
        .run();
    run.assert_ok().assert_no_leak(&values);
    assert!(data(c, "weather", &dev).is_none() && data(c, "weather", &prod).is_none());

    // On a terminal: yes to all, no to production: nothing at all is written.
    let (out, _) = on_terminal(
        dir.path(),
        &c.kubeconfig,
        "secrets sync --all",
        &["y\\r", "n\\r"],
    );
    assert!(
        out.contains("Write the changes above to 2 environments"),
        "{out}"
    );
    assert!(
        out.contains("production is a production environment"),
        "{out}"
    );
    assert!(
        out.contains("nothing was changed in any environment"),
        "{out}"
    );
    assert!(
        !out.contains("dev-value") && !out.contains("prod-value"),
        "{out}"
    );
    assert!(data(c, "weather", &dev).is_none() && data(c, "weather", &prod).is_none());

    // Yes and yes: both written, each in its own namespace.
    let (out, _) = on_terminal(
        dir.path(),
        &c.kubeconfig,
        "secrets sync --all",
        &["y\\r", "y\\r"],
    );
    assert!(out.contains("secret/weather created"), "{out}");
    assert_eq!(
        data(c, "weather", &dev).unwrap()["A"],
        b"dev-value".to_vec()
    );
    assert_eq!(
        data(c, "weather", &prod).unwrap()["A"],
        b"prod-value".to_vec()
    );

    // Everything in sync: nothing asked, exit 0.
    let run = kmcp(&["secrets", "sync", "--all"])
        .on(c)
        .dir(dir.path())
        .run();
    run.assert_ok()
        .assert_stderr_contains("Every environment is in sync");

    // An environment name together with --all is a usage error.
    kmcp(&["secrets", "sync", "dev", "--all"])
        .on(c)
        .dir(dir.path())
        .run()
        .assert_code(2);
}
