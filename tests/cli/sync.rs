//! `secrets sync`: the .env dialect synced byte-exact into a real Secret, refusals that change
//! nothing, takeover rules, RBAC, dry runs, --restart. Every run checks that no value leaks.
use std::collections::BTreeMap;

use crate::harness::{Cluster, Run, cluster, kmcp, project};

fn kmcp_yaml(ns: &str, env: &str) -> String {
    format!(
        "name: weather-server\nsecrets:\n  {env}:\n    enabled: true\n    provider: kubernetes\n    secretName: weather-secrets\n    namespace: {ns}\n  local:\n    enabled: true\n    provider: env\n  off:\n    enabled: false\n    provider: kubernetes\n    secretName: x\n"
    )
}

/// The Secret's data, decoded.
fn data(c: &Cluster, ns: &str) -> Option<BTreeMap<String, String>> {
    let s = c.get_json("secret", "weather-secrets", ns)?;
    let data: BTreeMap<String, k8s_openapi::ByteString> =
        serde_json::from_value(s["data"].clone()).unwrap_or_default();
    Some(
        data.into_iter()
            .map(|(k, v)| (k, String::from_utf8(v.0).unwrap()))
            .collect(),
    )
}

fn rv(c: &Cluster, ns: &str) -> String {
    c.get_json("secret", "weather-secrets", ns).unwrap()["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The diff table has a row `key  change`.
#[track_caller]
fn assert_row(run: &Run, key: &str, change: &str) {
    assert!(
        run.stdout
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == [key, change]),
        "no row {key} {change} in:\n{}",
        run.stdout
    );
}

fn map(items: &[(&str, &str)]) -> BTreeMap<String, String> {
    items
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

const TRICKY: &str = "\u{feff}# a comment\r\nexport DB_HOST=db.internal\r\nSINGLE='lit $NOT_A_REF \\n kept'\r\nDOUBLE=\"tab\\tno: q\\\"uote\\\" dollar\\$ back\\\\ nl\\nend\"\r\nMULTI=\"-----BEGIN KEY-----\r\nAAAA\r\n-----END KEY-----\"\r\nEMPTY=\r\nEQ=a=b=c\r\nHASH=abc#def\r\nINLINE=value # a comment\r\nURL=postgres://${DB_HOST}:5432/app\r\n";

#[test]
fn a_tricky_env_file_is_synced_byte_exact_and_never_printed() {
    let c = cluster();
    let ns = c.namespace("sync-tricky");
    // `\t` is not an escape every dotenv reader shares: it must be refused first (line 4), then
    // fixed; so must `\$` (python-dotenv keeps the backslash), which is dropped here.
    let dir = project(&[
        ("kmcp.yaml", &kmcp_yaml(&ns, "staging")),
        (".env.staging", TRICKY),
    ]);
    let run = kmcp(&["secrets", "sync", "staging"])
        .on(c)
        .dir(dir.path())
        .env("DB_HOST", "shell-value-must-not-be-used")
        .run();
    run.assert_code(1)
        .assert_stderr_contains(
            "./.env.staging:4: DOUBLE: an escape sequence that the readers do not share",
        )
        .assert_no_leak(&["db.internal", "q\\\"uote", "BEGIN KEY"]);
    assert!(
        data(c, &ns).is_none(),
        "nothing may be written on bad input"
    );

    let fixed = TRICKY
        .replace("tab\\tno", "tab no")
        .replace(" dollar\\$", "");
    std::fs::write(dir.path().join(".env.staging"), &fixed).unwrap();
    let values = [
        "db.internal",
        "lit $NOT_A_REF \\n kept",
        "BEGIN KEY",
        "a=b=c",
        "abc#def",
        "postgres://db.internal",
        "shell-value",
    ];
    let run = kmcp(&["secrets", "sync", "staging"])
        .on(c)
        .dir(dir.path())
        .env("DB_HOST", "shell-value-must-not-be-used")
        .run();
    run.assert_ok()
        .assert_stderr_contains(".env.staging")
        .assert_stderr_contains(&format!("namespace {ns}"))
        .assert_stdout_contains("secret/weather-secrets created")
        .assert_no_leak(&values);
    assert_row(&run, "URL", "added");
    assert_eq!(
        data(c, &ns).unwrap(),
        map(&[
            ("DB_HOST", "db.internal"),
            ("SINGLE", "lit $NOT_A_REF \\n kept"),
            ("DOUBLE", "tab no: q\"uote\" back\\ nl\nend"),
            ("MULTI", "-----BEGIN KEY-----\nAAAA\n-----END KEY-----"),
            ("EMPTY", ""),
            ("EQ", "a=b=c"),
            ("HASH", "abc#def"),
            ("INLINE", "value"),
            ("URL", "postgres://db.internal:5432/app"),
        ])
    );
    let s = c.get_json("secret", "weather-secrets", &ns).unwrap();
    assert_eq!(s["type"], "Opaque");
    let labels = &s["metadata"]["labels"];
    assert_eq!(labels["app.kubernetes.io/managed-by"], "kubectl-kmcp");
    assert_eq!(labels["app.kubernetes.io/name"], "weather-server");
    assert_eq!(labels["kmcp.dev/environment"], "staging");
    let hash = s["metadata"]["annotations"]["kmcp.dev/secret-hash"]
        .as_str()
        .unwrap();
    assert_eq!(hash.len(), 64);
    assert!(
        s["metadata"]["annotations"]
            .get("kubectl.kubernetes.io/last-applied-configuration")
            .is_none()
    );
    let managers = c.kubectl(&[
        "get",
        "secret",
        "weather-secrets",
        "-n",
        &ns,
        "--show-managed-fields",
        "-o",
        "jsonpath={.metadata.managedFields[*].manager}/{.metadata.managedFields[*].operation}",
    ]);
    // Created with a create (POST), which fails rather than overwrite a Secret that appeared
    // meanwhile; later changes are server-side applies.
    assert_eq!(managers, "kubectl-kmcp/Update");

    // Idempotent: the second sync changes nothing and does not write.
    let before = rv(c, &ns);
    let run = kmcp(&["secrets", "sync", "staging"])
        .on(c)
        .dir(dir.path())
        .run();
    run.assert_ok()
        .assert_stdout_contains("no changes")
        .assert_no_leak(&values);
    assert_eq!(rv(c, &ns), before);
}

#[test]
fn references_outside_the_file_and_bare_dollars_are_refused() {
    let c = cluster();
    let ns = c.namespace("sync-refs");
    let cases = [
        (
            "A=1\nTOKEN=${HOME}/x\n",
            // The name is no key of the file: it may be part of a value, so it is not shown.
            "./.env.staging:2: TOKEN: the reference at column 7 names no key defined above",
        ),
        (
            "A=1\n\nPASSWORD=pa$$word\n",
            "./.env.staging:3: PASSWORD: a `$`",
        ),
        (
            "URL=${LATER}\nLATER=x\n",
            "./.env.staging:1: URL: `${LATER}` refers to LATER, which is defined below, on line 2",
        ),
        // Unbraced: the name may be part of a password, so only its column is given.
        (
            "A=1\nDB_PASSWORD=Pa$sword9\n",
            "./.env.staging:2: DB_PASSWORD: a `$` followed by a name without braces: dotenvy substitutes it, python-dotenv and docker compose (v1) keep it as written (column 15)",
        ),
    ];
    for (text, expected) in cases {
        let dir = project(&[
            ("kmcp.yaml", &kmcp_yaml(&ns, "staging")),
            (".env.staging", text),
        ]);
        let run = kmcp(&["secrets", "sync", "staging"])
            .on(c)
            .dir(dir.path())
            .env("LATER", "from-shell")
            .run();
        run.assert_code(1)
            .assert_stderr_contains(expected)
            .assert_stderr_contains("single quotes")
            .assert_no_leak(&["pa$$word", "from-shell", "word", "Pa$", "sword9", "HOME"]);
        assert!(data(c, &ns).is_none());
    }
}

#[test]
fn removing_keys_needs_yes_without_a_terminal_even_for_keys_of_other_tools() {
    let c = cluster();
    let ns = c.namespace("sync-remove");
    // Written by kubectl first (client-side apply keeps the values in an annotation).
    c.apply(&format!(
        "apiVersion: v1\nkind: Secret\nmetadata: {{name: weather-secrets, namespace: {ns}}}\nstringData: {{KEEP: same, OLD_TOKEN: old-secret-value, CHANGE: before-value}}\n"
    ));
    let dir = project(&[
        ("kmcp.yaml", &kmcp_yaml(&ns, "staging")),
        (
            ".env.staging",
            "KEEP=same\nCHANGE=after-value\nNEW=new-value\n",
        ),
    ]);
    let leaks = [
        "old-secret-value",
        "before-value",
        "after-value",
        "new-value",
    ];
    let before = rv(c, &ns);
    let run = kmcp(&["secrets", "sync", "staging"])
        .on(c)
        .dir(dir.path())
        .run();
    run.assert_code(1)
        .assert_stderr_contains("remove the key OLD_TOKEN")
        .assert_stderr_contains("--yes")
        .assert_no_leak(&leaks);
    assert_row(&run, "OLD_TOKEN", "removed");
    assert_row(&run, "CHANGE", "changed");
    assert_row(&run, "KEEP", "unchanged");
    assert_row(&run, "NEW", "added");
    assert_eq!(rv(c, &ns), before, "nothing may be written without --yes");

    let run = kmcp(&["secrets", "sync", "staging", "--yes", "-o", "json"])
        .on(c)
        .dir(dir.path())
        .run();
    run.assert_ok().assert_no_leak(&leaks);
    let report = run.json();
    assert_eq!(report["result"], "configured");
    assert_eq!(
        data(c, &ns).unwrap(),
        map(&[
            ("KEEP", "same"),
            ("CHANGE", "after-value"),
            ("NEW", "new-value")
        ])
    );
    let s = c.get_json("secret", "weather-secrets", &ns).unwrap();
    assert!(
        s["metadata"]["annotations"]
            .get("kubectl.kubernetes.io/last-applied-configuration")
            .is_none(),
        "the annotation that held the old values is gone"
    );
    // Once managed, a further removal goes through as well, and a re-sync is a no-op.
    std::fs::write(dir.path().join(".env.staging"), "KEEP=same\n").unwrap();
    kmcp(&["secrets", "sync", "staging", "-y"])
        .on(c)
        .dir(dir.path())
        .run()
        .assert_ok();
    assert_eq!(data(c, &ns).unwrap(), map(&[("KEEP", "same")]));
    kmcp(&["secrets", "sync", "staging"])
        .on(c)
        .dir(dir.path())
        .run()
        .assert_ok()
        .assert_stdout_contains("no changes");
}

#[test]
fn production_needs_confirmation() {
    let c = cluster();
    let ns = c.namespace("sync-prod");
    let dir = project(&[
        ("kmcp.yaml", &kmcp_yaml(&ns, "production")),
        (".env.production", "K=prod-value\n"),
    ]);
    kmcp(&["secrets", "sync", "production"])
        .on(c)
        .dir(dir.path())
        .run()
        .assert_code(1)
        .assert_stderr_contains("production environment")
        .assert_no_leak(&["prod-value"]);
    assert!(data(c, &ns).is_none());
    kmcp(&["secrets", "sync", "production", "--yes"])
        .on(c)
        .dir(dir.path())
        .run()
        .assert_ok();
    assert_eq!(data(c, &ns).unwrap(), map(&[("K", "prod-value")]));
}

#[test]
fn a_secret_owned_by_another_tool_is_refused_and_taken_with_force() {
    let c = cluster();
    let ns = c.namespace("sync-owned");
    c.apply(&format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: weather-secrets\n  namespace: {ns}\n  ownerReferences:\n  - {{apiVersion: external-secrets.io/v1beta1, kind: ExternalSecret, name: weather, uid: 6a7c2f3e-0000-0000-0000-000000000001}}\nstringData: {{K: external-value}}\n"
    ));
    let dir = project(&[
        ("kmcp.yaml", &kmcp_yaml(&ns, "staging")),
        (".env.staging", "K=mine\n"),
    ]);
    let before = rv(c, &ns);
    kmcp(&["secrets", "sync", "staging", "--yes"])
        .on(c)
        .dir(dir.path())
        .run()
        .assert_code(1)
        .assert_stderr_contains("ExternalSecret/weather")
        .assert_stderr_contains("--force")
        .assert_no_leak(&["external-value", "mine"]);
    assert_eq!(rv(c, &ns), before);

    kmcp(&["secrets", "sync", "staging", "--yes", "--force"])
        .on(c)
        .dir(dir.path())
        .run()
        .assert_ok()
        .assert_no_leak(&["external-value", "mine"]);
    assert_eq!(data(c, &ns).unwrap(), map(&[("K", "mine")]));
    let s = c.get_json("secret", "weather-secrets", &ns).unwrap();
    assert!(s["metadata"].get("ownerReferences").is_none(), "{s}");
}

#[test]
fn immutable_and_typed_secrets_must_be_deleted_first() {
    let c = cluster();
    let ns = c.namespace("sync-immutable");
    c.apply(&format!(
        "apiVersion: v1\nkind: Secret\nmetadata: {{name: weather-secrets, namespace: {ns}}}\nimmutable: true\nstringData: {{K: frozen-value}}\n"
    ));
    let dir = project(&[
        ("kmcp.yaml", &kmcp_yaml(&ns, "staging")),
        (".env.staging", "K=new\n"),
    ]);
    kmcp(&["secrets", "sync", "staging", "--yes", "--force"])
        .on(c)
        .dir(dir.path())
        .run()
        .assert_code(1)
        .assert_stderr_contains("immutable")
        .assert_stderr_contains(&format!("kubectl delete secret weather-secrets -n {ns}"))
        .assert_no_leak(&["frozen-value"]);
    assert_eq!(data(c, &ns).unwrap(), map(&[("K", "frozen-value")]));
}

#[test]
fn a_restricted_user_gets_one_clear_forbidden_line_and_nothing_is_written() {
    let c = cluster();
    let ns = c.namespace("sync-rbac");
    let dir = project(&[
        ("kmcp.yaml", &kmcp_yaml(&ns, "staging")),
        (".env.staging", "K=restricted-value\n"),
    ]);
    let run = kmcp(&["secrets", "sync", "staging", "--context", "restricted"])
        .on(c)
        .dir(dir.path())
        .run();
    run.assert_code(1)
        .assert_stderr_contains("forbidden: user \"restricted\" cannot get secrets/weather-secrets")
        .assert_stderr_contains(&format!(
            "kubectl auth can-i get secrets/weather-secrets -n {ns}"
        ))
        .assert_no_leak(&["restricted-value"]);
    assert_eq!(
        run.stderr
            .lines()
            .filter(|l| l.starts_with("error:"))
            .count(),
        1
    );

    // May read but not write: refused by the pre-flight (a server-side dry run of the create),
    // before the diff is shown.
    c.grant("restricted", &ns, &["get"], &["secrets"]);
    let run = kmcp(&["secrets", "sync", "staging", "--context", "restricted"])
        .on(c)
        .dir(dir.path())
        .run();
    run.assert_code(1)
        .assert_stderr_contains(
            "forbidden: user \"restricted\" cannot create secrets/weather-secrets",
        )
        .assert_no_leak(&["restricted-value"]);
    assert_eq!(
        run.stdout, "",
        "nothing that looks like a result before the failure"
    );
    assert!(data(c, &ns).is_none());

    // May patch but not create: a new Secret is created with a create.
    c.grant("restricted", &ns, &["patch"], &["secrets"]);
    kmcp(&["secrets", "sync", "staging", "--context", "restricted"])
        .on(c)
        .dir(dir.path())
        .run()
        .assert_code(1)
        .assert_stderr_contains(
            "forbidden: user \"restricted\" cannot create secrets/weather-secrets",
        )
        .assert_stderr_contains("kubectl auth can-i create secrets/weather-secrets")
        .assert_no_leak(&["restricted-value"]);
    assert!(data(c, &ns).is_none());
}

#[test]
fn a_missing_namespace_is_named() {
    let c = cluster();
    let dir = project(&[
        ("kmcp.yaml", &kmcp_yaml("no-such-namespace-kmcp", "staging")),
        (".env.staging", "K=v-in-missing-ns\n"),
    ]);
    kmcp(&["secrets", "sync", "staging"])
        .on(c)
        .dir(dir.path())
        .run()
        .assert_code(1)
        .assert_stderr_contains("namespace \"no-such-namespace-kmcp\" not found")
        .assert_no_leak(&["v-in-missing-ns"]);
}

#[test]
fn dry_run_client_needs_no_kubeconfig_and_server_persists_nothing() {
    let dir = project(&[
        ("kmcp.yaml", &kmcp_yaml("staging-ns", "staging")),
        (".env.staging", "K=dry-value\n"),
    ]);
    // No .on(cluster): no KUBECONFIG, HOME without ~/.kube.
    let run = kmcp(&["secrets", "sync", "staging", "--dry-run", "-o", "json"])
        .dir(dir.path())
        .run();
    run.assert_ok();
    let m = run.json();
    assert_eq!(m["kind"], "Secret");
    assert_eq!(m["type"], "Opaque");
    assert_eq!(m["metadata"]["namespace"], "staging-ns");
    assert_eq!(m["data"]["K"], "ZHJ5LXZhbHVl"); // base64("dry-value")
    assert!(m.get("stringData").is_none());
    assert!(!run.stderr.contains("dry-value"));
    // -o yaml: the manifest, for kubeseal or kubectl apply.
    let run = kmcp(&["secrets", "sync", "staging", "--dry-run", "-o", "yaml"])
        .dir(dir.path())
        .run();
    run.assert_ok()
        .assert_stdout_contains("kind: Secret")
        .assert_stdout_contains("K: ZHJ5LXZhbHVl");
    // Without -o: the masked plan, no value and no base64 of one (CI logs).
    let run = kmcp(&["secrets", "sync", "staging", "--dry-run"])
        .dir(dir.path())
        .run();
    run.assert_ok()
        .assert_stdout_contains("K   ")
        .assert_stdout_contains("secret/weather-secrets: 1 key (client dry run; values not shown)")
        .assert_stderr_contains("-o yaml or -o json prints the manifest")
        .assert_no_leak(&["dry-value", "ZHJ5LXZhbHVl", "ZHJ5"]);

    let c = cluster();
    let ns = c.namespace("sync-dry");
    std::fs::write(dir.path().join("kmcp.yaml"), kmcp_yaml(&ns, "staging")).unwrap();
    let run = kmcp(&["secrets", "sync", "staging", "--dry-run=server"])
        .on(c)
        .dir(dir.path())
        .run();
    assert_row(&run, "K", "added");
    run.assert_ok()
        .assert_stdout_contains("(server dry run)")
        .assert_no_leak(&["dry-value"]);
    assert!(data(c, &ns).is_none(), "a server dry run persists nothing");
}

#[test]
fn restart_bumps_the_hash_on_mcpservers_and_deployments_that_use_the_secret() {
    let c = cluster();
    let ns = c.namespace("sync-restart");
    c.apply(&format!(
        "apiVersion: kagent.dev/v1alpha1\nkind: MCPServer\nmetadata: {{name: weather, namespace: {ns}}}\nspec:\n  deployment:\n    image: weather:1\n    secretRefs: [{{name: weather-secrets}}]\n---\napiVersion: kagent.dev/v1alpha1\nkind: MCPServer\nmetadata: {{name: unrelated, namespace: {ns}}}\nspec:\n  deployment:\n    image: other:1\n    secretRefs: [{{name: other}}]\n---\napiVersion: kagent.dev/v1alpha1\nkind: MCPServer\nmetadata: {{name: mounted, namespace: {ns}}}\nspec:\n  deployment:\n    image: mounted:1\n    volumes: [{{name: creds, secret: {{secretName: weather-secrets}}}}]\n---\napiVersion: kagent.dev/v1alpha1\nkind: MCPServer\nmetadata: {{name: pull-only, namespace: {ns}}}\nspec:\n  deployment:\n    image: private:1\n    imagePullSecrets: [{{name: weather-secrets}}]\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: worker, namespace: {ns}}}\nspec:\n  selector: {{matchLabels: {{app: worker}}}}\n  template:\n    metadata: {{labels: {{app: worker}}}}\n    spec:\n      containers:\n      - name: w\n        image: worker:1\n        env:\n        - name: K\n          valueFrom: {{secretKeyRef: {{name: weather-secrets, key: K}}}}\n"
    ));
    let dir = project(&[
        ("kmcp.yaml", &kmcp_yaml(&ns, "staging")),
        (".env.staging", "K=restart-value\n"),
    ]);
    let run = kmcp(&["secrets", "sync", "staging", "--restart"])
        .on(c)
        .dir(dir.path())
        .run();
    run.assert_ok()
        .assert_stdout_contains("mcpserver.kagent.dev/weather restarted")
        .assert_stdout_contains("deployment.apps/worker restarted")
        // A Secret volume is read at run time; registry credentials are not.
        .assert_stdout_contains("mcpserver.kagent.dev/mounted restarted")
        .assert_no_leak(&["restart-value"]);
    assert!(!run.stdout.contains("unrelated"));
    assert!(!run.stdout.contains("pull-only"), "{}", run.stdout);
    let hash = c.get_json("secret", "weather-secrets", &ns).unwrap()["metadata"]["annotations"]
        ["kmcp.dev/secret-hash"]
        .clone();
    let server = c.get_json("mcpserver", "weather", &ns).unwrap();
    assert_eq!(
        server["spec"]["deployment"]["annotations"]["kmcp.dev/secret-hash"],
        hash
    );
    let other = c.get_json("mcpserver", "unrelated", &ns).unwrap();
    assert!(other["spec"]["deployment"].get("annotations").is_none());
    let dep = c.get_json("deployment", "worker", &ns).unwrap();
    assert_eq!(
        dep["spec"]["template"]["metadata"]["annotations"]["kmcp.dev/secret-hash"],
        hash
    );

    // A change bumps it again.
    std::fs::write(dir.path().join(".env.staging"), "K=second-value\n").unwrap();
    kmcp(&["secrets", "sync", "staging", "--restart"])
        .on(c)
        .dir(dir.path())
        .run()
        .assert_ok()
        .assert_no_leak(&["second-value", "restart-value"]);
    let server = c.get_json("mcpserver", "weather", &ns).unwrap();
    assert_ne!(
        server["spec"]["deployment"]["annotations"]["kmcp.dev/secret-hash"],
        hash
    );
}

#[test]
fn environment_file_and_required_keys_are_checked_before_any_request() {
    // No cluster at all: these must fail before connecting.
    let dir = project(&[
        ("kmcp.yaml", &kmcp_yaml("ns", "staging")),
        (".env.example", "WEATHER_API_KEY=\nTOKEN=\nLOG_LEVEL=info\n"),
        (".env.staging", "WEATHER_API_KEY=example-value\n"),
        ("sub/.env.other", "WEATHER_API_KEY=k\nTOKEN=t\n"),
    ]);
    let run = |args: &[&str]| kmcp(args).dir(dir.path()).run();
    run(&["secrets", "sync", "staging"])
        .assert_code(1)
        .assert_stderr_contains("missing required keys: TOKEN")
        .assert_stderr_contains(".env.example")
        .assert_no_leak(&["example-value"]);
    run(&["secrets", "sync", "local"])
        .assert_code(1)
        .assert_stderr_contains("nothing is synced");
    run(&["secrets", "sync", "off"])
        .assert_code(1)
        .assert_stderr_contains("enabled: true");
    // An environment kmcp.yaml does not define is a bad argument (2).
    run(&["secrets", "sync", "nope"])
        .assert_code(2)
        .assert_stderr_contains("staging");
    let big = format!(
        "WEATHER_API_KEY=k\nTOKEN=t\nBIG={}\n",
        "b".repeat(1_100_000)
    );
    std::fs::write(dir.path().join("big.env"), big).unwrap();
    run(&["secrets", "sync", "staging", "--from-file", "big.env"])
        .assert_code(1)
        .assert_stderr_contains("over the API server's limit")
        .assert_stderr_contains("BIG (1100000 bytes)")
        .assert_no_leak(&["bbbbbbbb"]);
    run(&["secrets", "sync", "staging", "--from-file", "missing.env"])
        .assert_code(1)
        .assert_stderr_contains("tried missing.env and");
    // A relative --from-file is found in the project directory when not in the current one.
    let other = tempfile::tempdir().unwrap();
    let d = dir.path().display().to_string();
    let run = kmcp(&[
        "secrets",
        "sync",
        "staging",
        "-d",
        &d,
        "--from-file",
        "sub/.env.other",
        "--dry-run",
    ])
    .dir(other.path())
    .run();
    run.assert_ok()
        .assert_stderr_contains("sub/.env.other")
        .assert_stderr_contains("LOG_LEVEL");
}

/// On a terminal (a pseudo-terminal from util-linux `script`), removing keys asks; `n` changes
/// nothing, `y` syncs.
#[test]
fn on_a_terminal_the_prompt_decides() {
    let c = cluster();
    let ns = c.namespace("sync-prompt");
    c.apply(&format!(
        "apiVersion: v1\nkind: Secret\nmetadata: {{name: weather-secrets, namespace: {ns}}}\nstringData: {{A: one-value, Z: z-value}}\n"
    ));
    let dir = project(&[
        ("kmcp.yaml", &kmcp_yaml(&ns, "staging")),
        (".env.staging", "A=five-value\n"),
    ]);
    let answer = |key: &str| {
        let out = std::process::Command::new("bash")
            // The answer, then Enter: the prompt waits for it (issue 13 item 11).
            .args(["-c", &format!("{{ sleep 1; printf '{key}\\r'; }} | script -qec '{} secrets sync staging' /dev/null", crate::harness::binary().display())])
            .current_dir(dir.path())
            .env("KUBECONFIG", &c.kubeconfig)
            .env("NO_COLOR", "1")
            .output()
            .expect("util-linux `script` is needed for this test");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let out = answer("n");
    assert!(
        out.contains("Continue?") && out.contains("not confirmed"),
        "{out}"
    );
    assert!(
        !out.contains("z-value") && !out.contains("five-value"),
        "{out}"
    );
    assert_eq!(
        data(c, &ns).unwrap(),
        map(&[("A", "one-value"), ("Z", "z-value")])
    );
    let out = answer("y");
    assert!(out.contains("secret/weather-secrets configured"), "{out}");
    assert_eq!(data(c, &ns).unwrap(), map(&[("A", "five-value")]));
}

/// Runs `secrets sync ENV` on a terminal (util-linux `script` gives it a pty), waits for its
/// confirmation prompt, runs `meanwhile` (another writer, between the plugin's read and its
/// write), answers `y`, and returns the exit code and everything the terminal showed.
fn sync_through_prompt(
    c: &Cluster,
    dir: &std::path::Path,
    env: &str,
    meanwhile: impl FnOnce(),
) -> (Option<i32>, String) {
    use std::io::{Read, Write};
    use std::process::{Command, Stdio};
    use std::sync::mpsc;
    use std::time::{Duration, Instant};
    let cmd = format!("{} secrets sync {env}", crate::harness::binary().display());
    let mut child = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .current_dir(dir)
        .env("KUBECONFIG", &c.kubeconfig)
        .env("HOME", dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("util-linux `script` is needed for this test");
    let mut out = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel::<Vec<u8>>();
    let reader = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = out.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !String::from_utf8_lossy(&seen).contains("Continue?") {
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(bytes) => seen.extend(bytes),
            Err(_) => {
                let _ = child.kill();
                panic!("no prompt came:\n{}", String::from_utf8_lossy(&seen));
            }
        }
    }
    meanwhile();
    let mut stdin = child.stdin.take().unwrap();
    // `y` and Enter: the prompt waits for Enter.
    stdin.write_all(b"y\r").unwrap();
    stdin.flush().unwrap();
    // Keep the terminal's input open until the plugin is done.
    seen.extend(rx.iter().flatten());
    reader.join().unwrap();
    drop(stdin);
    let status = child.wait().unwrap();
    // Messages are wrapped at word boundaries on a terminal: return them unwrapped.
    let text = String::from_utf8_lossy(&seen);
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    (status.code(), joined)
}

#[test]
fn a_change_between_read_and_write_is_refused_not_overwritten() {
    // Planted bug of issue #19: a final write without its resourceVersion precondition would
    // overwrite the other writer's change. Made deterministic by the confirmation prompt: the
    // plugin has read the Secret and waits; the other writer changes it; then `y`.
    let c = cluster();

    // 1. The server-side apply path (production asks first; nothing to remove).
    let ns = c.namespace("sync-race");
    c.kubectl(&[
        "create",
        "secret",
        "generic",
        "weather-secrets",
        "-n",
        &ns,
        "--from-literal=A=one-value",
    ]);
    let dir = project(&[
        ("kmcp.yaml", &kmcp_yaml(&ns, "production")),
        (".env.production", "A=file-value\nB=new-value\n"),
    ]);
    let (code, out) = sync_through_prompt(c, dir.path(), "production", || {
        c.kubectl(&[
            "patch",
            "secret",
            "weather-secrets",
            "-n",
            &ns,
            "-p",
            r#"{"stringData":{"A":"concurrent-value"}}"#,
        ]);
    });
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("was changed by someone else while syncing"),
        "{out}"
    );
    assert!(
        !out.contains("file-value") && !out.contains("concurrent-value"),
        "{out}"
    );
    assert_eq!(data(c, &ns).unwrap(), map(&[("A", "concurrent-value")]));

    // 2. The JSON-patch path (a key to remove): its `test` of the resourceVersion.
    let ns = c.namespace("sync-race");
    c.kubectl(&[
        "create",
        "secret",
        "generic",
        "weather-secrets",
        "-n",
        &ns,
        "--from-literal=A=one-value",
        "--from-literal=Z=z-value",
    ]);
    std::fs::write(dir.path().join("kmcp.yaml"), kmcp_yaml(&ns, "staging")).unwrap();
    std::fs::write(dir.path().join(".env.staging"), "A=file-value\n").unwrap();
    let (code, out) = sync_through_prompt(c, dir.path(), "staging", || {
        c.kubectl(&[
            "patch",
            "secret",
            "weather-secrets",
            "-n",
            &ns,
            "-p",
            r#"{"stringData":{"Z":"concurrent-value"}}"#,
        ]);
    });
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("remove the key Z"), "{out}");
    assert!(
        out.contains("was changed by someone else while syncing"),
        "{out}"
    );
    assert_eq!(
        data(c, &ns).unwrap(),
        map(&[("A", "one-value"), ("Z", "concurrent-value")])
    );
}

#[test]
fn a_last_applied_copy_of_the_values_alone_needs_a_resync() {
    // Planted bug of issue #19: the Secret matches the file in data, labels and hash
    // annotation; it differs ONLY in kubectl's last-applied-configuration, which holds the
    // values (base64) where anyone who can read the annotations sees them.
    let c = cluster();
    let ns = c.namespace("sync-lastapplied");
    let dir = project(&[
        ("kmcp.yaml", &kmcp_yaml(&ns, "staging")),
        (".env.staging", "A=applied-value-1\n"),
    ]);
    kmcp(&["secrets", "sync", "staging"])
        .on(c)
        .dir(dir.path())
        .run()
        .assert_ok()
        .assert_no_leak(&["applied-value-1"]);
    let before = c.get_json("secret", "weather-secrets", &ns).unwrap();
    let copy = serde_json::json!({"apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "weather-secrets", "namespace": ns},
        "data": before["data"].clone()})
    .to_string();
    c.kubectl(&[
        "annotate",
        "secret",
        "weather-secrets",
        "-n",
        &ns,
        &format!("kubectl.kubernetes.io/last-applied-configuration={copy}"),
    ]);
    let annotated = c.get_json("secret", "weather-secrets", &ns).unwrap();
    assert_eq!(annotated["data"], before["data"]);
    assert_eq!(
        annotated["metadata"]["labels"],
        before["metadata"]["labels"]
    );
    let mut ann = annotated["metadata"]["annotations"].clone();
    ann.as_object_mut()
        .unwrap()
        .remove("kubectl.kubernetes.io/last-applied-configuration");
    assert_eq!(
        ann, before["metadata"]["annotations"],
        "only that annotation differs"
    );

    let run = kmcp(&["secrets", "sync", "staging"])
        .on(c)
        .dir(dir.path())
        .run();
    run.assert_ok()
        .assert_no_leak(&["applied-value-1"])
        .assert_stderr_contains(
            "kubectl.kubernetes.io/last-applied-configuration (a copy of the values) is removed",
        )
        .assert_stdout_contains("secret/weather-secrets configured");
    let after = c.get_json("secret", "weather-secrets", &ns).unwrap();
    assert!(
        after["metadata"]["annotations"]
            .get("kubectl.kubernetes.io/last-applied-configuration")
            .is_none(),
        "{after:#}"
    );
    assert_eq!(data(c, &ns).unwrap(), map(&[("A", "applied-value-1")]));
    // And now it is in sync.
    kmcp(&["secrets", "sync", "staging"])
        .on(c)
        .dir(dir.path())
        .run()
        .assert_ok()
        .assert_stdout_contains("unchanged");
}
