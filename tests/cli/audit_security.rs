//! `kubectl kmcp audit`'s security findings against the real API server: effective readers
//! (workload creators), plain-text credentials, typed Secrets (image pull, TLS, the
//! ServiceAccount's image pull Secrets), kagent RemoteMCPServers, the table of #13 (severity,
//! one row per server, exit reason, system subjects hidden), -o sarif validated against the
//! SARIF 2.1.0 schema, a fleet with one unreachable context, and least privilege (a user who may
//! only `get` the referenced Secrets gets a complete audit, and no other Secret is read).
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::harness::{Cluster, cluster, kmcp, project, root};

/// Values that must never be printed.
const VALUES: [&str; 5] = [
    "sk-proj-abcdefghijklmnopqrstuvwxyz012345",
    "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
    "env-secret-value-111",
    "cert-value-222",
    "unrelated-helm-value-333",
];

fn apply_secret(c: &Cluster, ns: &str, name: &str, type_: &str, data: &[(&str, &str)]) {
    let mut yaml = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\n  namespace: {ns}\n  labels:\n    app.kubernetes.io/managed-by: kubectl-kmcp\ntype: {type_}\nstringData:\n"
    );
    for (k, v) in data {
        yaml.push_str(&format!("  {k}: {v:?}\n"));
    }
    c.apply(&yaml);
}

/// The findings[] of a kind, as (kind, name, field, key, severity).
fn issues(doc: &Value, status: &str) -> Vec<(String, String, String, String, String)> {
    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let mut out: Vec<_> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == status)
        .map(|f| {
            (
                s(&f["kind"]),
                s(&f["name"]),
                s(&f["field"]),
                s(&f["key"]),
                s(&f["severity"]),
            )
        })
        .collect();
    out.sort();
    out
}

/// The references of a server, as (via, secret, key, status).
fn refs(doc: &Value, server: &str) -> Vec<(String, String, Option<String>, String)> {
    let mut out: Vec<_> = doc["references"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["server"] == server)
        .map(|r| {
            (
                r["via"].as_str().unwrap().to_string(),
                r["secret"].as_str().unwrap().to_string(),
                r["key"].as_str().map(str::to_string),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

fn r(
    via: &str,
    secret: &str,
    key: Option<&str>,
    status: &str,
) -> (String, String, Option<String>, String) {
    (
        via.into(),
        secret.into(),
        key.map(str::to_string),
        status.into(),
    )
}

/// A namespace with one of everything the issue asks for.
fn setup(c: &Cluster, prefix: &str) -> String {
    let ns = c.namespace(prefix);
    apply_secret(c, &ns, "web-env", "Opaque", &[("API_KEY", VALUES[2])]);
    apply_secret(c, &ns, "regcred", "Opaque", &[("X", VALUES[2])]);
    apply_secret(c, &ns, "tls", "Opaque", &[("tls.crt", VALUES[3])]);
    apply_secret(c, &ns, "auth", "Opaque", &[("other", VALUES[2])]);
    apply_secret(c, &ns, "ca", "Opaque", &[("ca.crt", VALUES[3])]);
    // Not referenced by anyone: its value must never be read.
    apply_secret(
        c,
        &ns,
        "sh.helm.release.v1.x.v1",
        "helm.sh/release.v1",
        &[("release", VALUES[4])],
    );
    c.apply(&format!(
        "apiVersion: v1
kind: ServiceAccount
metadata: {{name: runner, namespace: {ns}}}
imagePullSecrets: [{{name: sa-pull}}]
---
apiVersion: kagent.dev/v1alpha1
kind: MCPServer
metadata: {{name: web, namespace: {ns}}}
spec:
  transportType: http
  httpTransport: {{targetPort: 3000, tls: {{secretRef: tls}}}}
  deployment:
    image: example/web:0.1.0
    serviceAccountName: runner
    env:
      OPENAI_API_KEY: {}
      LOG_LEVEL: info
    secretRefs: [{{name: web-env}}]
    imagePullSecrets: [{{name: regcred}}]
---
apiVersion: kagent.dev/v1alpha1
kind: MCPServer
metadata: {{name: bare, namespace: {ns}}}
spec:
  transportType: stdio
  deployment: {{image: example/bare:0.1.0}}
---
apiVersion: kagent.dev/v1alpha3
kind: RemoteMCPServer
metadata: {{name: remote, namespace: {ns}}}
spec:
  description: a remote server
  url: https://mcp.example.com/mcp
  headersFrom:
  - {{name: Authorization, valueFrom: {{type: Secret, name: auth, key: token}}}}
  - {{name: X-Api-Key, value: {}}}
  tls: {{caCertSecretRef: ca, caCertSecretKey: ca.crt}}
",
        VALUES[0], VALUES[1]
    ));
    ns
}

#[test]
fn every_finding_kind_of_a_namespace_end_to_end() {
    let c = cluster();
    let ns = setup(c, "audit-sec");
    let run = kmcp(&["audit", "-n", &ns, "-o", "json"]).on(c).run();
    run.assert_code(1).assert_no_leak(&VALUES);
    let doc = run.json();
    assert_eq!(
        refs(&doc, "web"),
        [
            r(
                "serviceaccount/runner.imagePullSecrets[0]",
                "sa-pull",
                None,
                "missing-secret"
            ),
            r(
                "spec.deployment.imagePullSecrets[0]",
                "regcred",
                None,
                "wrong-type"
            ),
            r("spec.deployment.secretRefs[0]", "web-env", None, "ok"),
            r(
                "spec.httpTransport.tls.secretRef",
                "tls",
                Some("tls.key"),
                "missing-key"
            ),
        ]
    );
    assert_eq!(
        refs(&doc, "remote"),
        [
            r(
                "spec.headersFrom[0](Authorization).valueFrom",
                "auth",
                Some("token"),
                "missing-key"
            ),
            r("spec.tls.caCertSecretRef", "ca", Some("ca.crt"), "ok"),
        ]
    );
    let kinds: Vec<&str> = doc["references"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["server"] == "remote")
        .map(|r| r["serverKind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["RemoteMCPServer", "RemoteMCPServer"]);
    let message = |server: &str, via: &str| -> String {
        doc["references"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["server"] == server && r["via"] == via)
            .map(|r| r["message"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert!(
        message("web", "spec.deployment.imagePullSecrets[0]")
            .contains("`kubectl create secret docker-registry regcred")
    );
    assert!(
        message("web", "spec.httpTransport.tls.secretRef")
            .contains("`kubectl create secret tls tls")
    );
    assert!(
        message("web", "serviceaccount/runner.imagePullSecrets[0]")
            .contains("kubectl create secret docker-registry sa-pull")
    );
    assert_eq!(
        issues(&doc, "plaintext-secret"),
        [
            (
                "MCPServer".into(),
                "web".into(),
                "spec.deployment.env".into(),
                "OPENAI_API_KEY".into(),
                "error".into()
            ),
            (
                "RemoteMCPServer".into(),
                "remote".into(),
                "spec.headersFrom[1].value".into(),
                "X-Api-Key".into(),
                "error".into()
            ),
        ]
    );
    assert_eq!(doc["summary"]["servers"], 3);
    assert_eq!(doc["summary"]["remoteServers"], 1);

    // The table: a severity column, one row per server, the kind of each server, the reason
    // for the exit code on stderr.
    let table = kmcp(&["audit", "-n", &ns]).on(c).run();
    table.assert_code(1).assert_no_leak(&VALUES);
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert!(lines[0].ends_with("STATUS"), "{}", table.stdout);
    assert!(
        lines.iter().any(|l| l.contains("mcpserver/bare")
            && l.contains("(no references)")
            && l.ends_with("ok")),
        "{}",
        table.stdout
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("remotemcpserver/remote") && l.ends_with("plaintext-secret")),
        "{}",
        table.stdout
    );
    // The severity of each problem row starts its line below the table; an unmanaged Secret's
    // row says so (not `ok`).
    table.assert_stdout_says(&format!(
        "error: {ns}/remote: spec.headersFrom[1].value key \"X-Api-Key\""
    ));
    // -o wide: one row per reference, with VIA, KEY and SEVERITY.
    let wide = kmcp(&["audit", "-n", &ns, "-o", "wide"]).on(c).run();
    wide.assert_code(1).assert_no_leak(&VALUES);
    let lines: Vec<&str> = wide.stdout.lines().collect();
    assert!(
        lines[0].contains("STATUS             SEVERITY"),
        "{}",
        wide.stdout
    );
    assert!(
        lines.iter().any(|l| l.contains("mcpserver/bare")
            && l.contains("(no Secret references)")
            && l.contains("<none>")),
        "{}",
        wide.stdout
    );
    assert!(
        lines.iter().any(|l| l.contains("remotemcpserver/remote")
            && l.contains("X-Api-Key")
            && l.contains("plaintext-secret   error")),
        "{}",
        wide.stdout
    );
    table
        .assert_stderr_contains("error: exit 1: 6 findings at or above --fail-on=error (6 errors)");
    // --access shows why it exits 1.
    kmcp(&["audit", "-n", &ns, "--access"])
        .on(c)
        .run()
        .assert_code(1)
        .assert_stderr_contains("run without --access to see them");
}

#[test]
fn workload_creators_are_effective_readers() {
    let c = cluster();
    let ns = c.namespace("audit-eff");
    apply_secret(c, &ns, "web-env", "Opaque", &[("API_KEY", VALUES[2])]);
    c.apply(&format!(
        "apiVersion: kagent.dev/v1alpha1
kind: MCPServer
metadata: {{name: web, namespace: {ns}}}
spec:
  transportType: stdio
  deployment:
    image: example/web:0.1.0
    secretRefs: [{{name: web-env}}]
"
    ));
    let podmaker = format!("podmaker-{ns}");
    let patcher = format!("patcher-{ns}");
    let reader = format!("reader-{ns}");
    c.grant(&podmaker, &ns, &["create"], &["pods"]);
    c.grant(&patcher, &ns, &["patch"], &["mcpservers.kagent.dev"]);
    // A direct reader who can also create pods is no *effective-only* reader.
    c.grant(&reader, &ns, &["get", "list"], &["secrets"]);
    c.grant(&reader, &ns, &["create"], &["deployments.apps"]);
    let run = kmcp(&["audit", "-n", &ns, "-o", "json"]).on(c).run();
    run.assert_ok().assert_no_leak(&VALUES);
    let doc = run.json();
    let found = issues(&doc, "effective-reader");
    let names: Vec<&str> = found.iter().map(|f| f.1.as_str()).collect();
    assert_eq!(names, [patcher.as_str(), podmaker.as_str()], "{found:?}");
    assert!(found.iter().all(|f| f.0 == "User" && f.4 == "warning"));
    let readers = doc["access"][0]["workloadReaders"].as_array().unwrap();
    let pm = readers
        .iter()
        .find(|w| w["name"] == podmaker.as_str())
        .unwrap();
    assert_eq!(pm["verbs"], serde_json::json!(["create"]));
    assert_eq!(pm["resources"], serde_json::json!(["pods"]));
    assert!(
        pm["via"].as_str().unwrap().starts_with("RoleBinding/"),
        "{pm}"
    );
    // --fail-on warning fails on them; the table shows them, system subjects hidden with a count.
    let table = kmcp(&["audit", "-n", &ns, "--fail-on", "warning"])
        .on(c)
        .run();
    table.assert_code(1);
    table.assert_stdout_contains(&format!("User {podmaker}"));
    table.assert_stdout_contains("via workloads");
    kmcp(&["audit", "-n", &ns, "--fail-on", "warning", "-o", "wide"])
        .on(c)
        .run()
        .assert_code(1)
        .assert_stdout_contains("via workloads: create pods");
    table.assert_stdout_contains("hidden (--show-system shows them)");
    assert!(
        !table.stdout.contains("Group system:masters"),
        "{}",
        table.stdout
    );
    let shown = kmcp(&["audit", "-n", &ns, "--show-system"]).on(c).run();
    shown.assert_ok();
    let masters = shown
        .stdout
        .lines()
        .filter(|l| l.contains("Group system:masters") && !l.contains("via workloads"))
        .count();
    assert_eq!(masters, 1, "system:masters once:\n{}", shown.stdout);
}

#[test]
fn get_only_user_gets_a_complete_audit_and_reads_no_other_secret() {
    let c = cluster();
    let ns = setup(c, "audit-least");
    let user = format!("least-{ns}");
    c.grant(
        &user,
        &ns,
        &["list"],
        &["mcpservers.kagent.dev", "remotemcpservers.kagent.dev"],
    );
    c.grant(&user, &ns, &["get"], &["serviceaccounts"]);
    c.apply(&format!(
        "apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {{name: referenced-only, namespace: {ns}}}
rules:
- apiGroups: ['']
  resources: [secrets]
  resourceNames: [web-env, regcred, tls, auth, ca, sa-pull]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {{name: referenced-only, namespace: {ns}}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: referenced-only}}
subjects: [{{apiGroup: rbac.authorization.k8s.io, kind: User, name: {user}}}]
"
    ));
    let admin = kmcp(&["audit", "-n", &ns, "-o", "json"]).on(c).run().json();
    let run = kmcp(&["audit", "-n", &ns, "-o", "json", "--as", &user, "-v", "6"])
        .on(c)
        .run();
    run.assert_code(1).assert_no_leak(&VALUES);
    let doc = run.json();
    // The same verdict on every reference as the admin's: nothing forbidden, nothing unknown.
    for server in ["web", "remote"] {
        assert_eq!(refs(&doc, server), refs(&admin, server), "{server}");
    }
    assert!(!run.stdout.contains("\"forbidden\""), "{}", run.stdout);
    // get only by name: the review of `get secrets` (any name) says no; the access notes say
    // which rights the audit used.
    assert_eq!(doc["access"][0]["canGet"], false);
    assert_eq!(doc["access"][0]["canList"], false);
    assert_eq!(
        doc["access"][0]["readWith"],
        "get of each referenced Secret (list secrets is not allowed)"
    );
    assert!(
        admin["access"][0]["readWith"]
            .as_str()
            .unwrap()
            .starts_with("list secrets (names only"),
        "{}",
        admin["access"][0]
    );
    // The requests: one get per referenced Secret, never the unrelated Helm release.
    let secret_requests: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("GET ") && l.contains("/secrets"))
        .collect();
    assert!(
        !secret_requests
            .iter()
            .any(|l| l.contains("sh.helm.release")),
        "{secret_requests:#?}"
    );
    let mut gets: Vec<&str> = secret_requests
        .iter()
        .filter_map(|l| l.split("/secrets/").nth(1))
        .map(secret_of_get)
        .collect();
    gets.sort();
    assert_eq!(gets, ["auth", "ca", "regcred", "sa-pull", "tls", "web-env"]);
    // The admin's run lists names only (metadata), then gets only the referenced Secrets that exist.
    let admin_run = kmcp(&["audit", "-n", &ns, "-o", "json", "-v", "6"])
        .on(c)
        .run();
    let lines: Vec<&str> = admin_run
        .stderr
        .lines()
        .filter(|l| l.contains("/secrets"))
        .collect();
    assert!(lines.iter().any(|l| l.contains("names only")), "{lines:#?}");
    assert!(
        !lines.iter().any(|l| l.contains("sh.helm.release")),
        "{lines:#?}"
    );
    let mut gets: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.split("/secrets/").nth(1))
        .map(secret_of_get)
        .collect();
    gets.sort();
    assert_eq!(
        gets,
        ["auth", "ca", "regcred", "tls", "web-env"],
        "sa-pull is known absent from the list"
    );
}

#[test]
fn sarif_output_validates_against_the_schema() {
    let c = cluster();
    let ns = setup(c, "audit-sarif");
    let dir = project(&[(
        "kmcp.yaml",
        &format!(
            "name: web\nframework: fastmcp-python\nsecrets:\n  prod:\n    provider: kubernetes\n    secretName: web-env\n    namespace: {ns}\n"
        ),
    )]);
    let run = kmcp(&[
        "audit",
        "-n",
        &ns,
        "-o",
        "sarif",
        "-d",
        dir.path().to_str().unwrap(),
    ])
    .on(c)
    .run();
    run.assert_code(1).assert_no_leak(&VALUES);
    let doc = run.json();
    let sarif = dir.path().join("out.sarif");
    std::fs::write(&sarif, &run.stdout).unwrap();
    let check = Command::new("python3")
        .args([
            "-c",
            "import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))); print('valid')",
        ])
        .arg(&sarif)
        .arg(root().join("tests/fixtures/sarif-schema-2.1.0.json"))
        .stdin(Stdio::null())
        .output()
        .expect("python3 (tests/setup installs python3-jsonschema)");
    assert!(
        check.status.success(),
        "SARIF does not validate:\n{}\n{}",
        String::from_utf8_lossy(&check.stderr),
        run.stdout
    );
    let run0 = &doc["runs"][0];
    let rules: Vec<&str> = run0["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    for id in [
        "missing-secret",
        "missing-key",
        "wrong-type",
        "plaintext-secret",
        "effective-reader",
        "unreachable",
    ] {
        assert!(rules.contains(&id), "{rules:?}");
    }
    let results = run0["results"].as_array().unwrap();
    let wrong = results
        .iter()
        .find(|r| r["ruleId"] == "wrong-type")
        .unwrap();
    assert_eq!(
        wrong["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        format!("admin/{ns}/MCPServer/web")
    );
    // With -d, the Secret that kmcp.yaml syncs points at its environment's line.
    let plain = results
        .iter()
        .find(|r| r["ruleId"] == "plaintext-secret")
        .unwrap();
    assert_eq!(
        plain["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "kmcp.yaml"
    );
    assert_eq!(plain["level"], "error");
    // --fail-on still decides the exit code.
    kmcp(&["audit", "-n", &ns, "-o", "sarif", "--fail-on", "never"])
        .on(c)
        .run()
        .assert_ok();
}

#[test]
fn fleet_audits_each_context_and_an_unreachable_one_is_a_finding() {
    let c = cluster();
    let ns = setup(c, "audit-fleet");
    // A second cluster without kagent's CRD, and a context whose server is down.
    let dir = tempfile::tempdir().unwrap();
    let second = dir.path().join("second");
    let out = Command::new("bash")
        .arg(root().join("tests/cluster.sh"))
        .arg("start")
        .arg(&second)
        .env("KMCP_CLUSTER_NO_REMOTE_CRD", "1")
        .env("KMCP_CLUSTER_WATCH_PID", std::process::id().to_string())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let other = Cluster {
        kubeconfig: second.join("kubeconfig"),
    };
    other.kubectl(&["create", "namespace", &ns]);
    other.apply(&format!(
        "apiVersion: kagent.dev/v1alpha1
kind: MCPServer
metadata: {{name: other, namespace: {ns}}}
spec:
  transportType: stdio
  deployment: {{image: example/other:0.1.0, secretRefs: [{{name: nowhere}}]}}
"
    ));
    // One kubeconfig with the three contexts.
    let kc = dir.path().join("fleet");
    let view = |k: &std::path::Path| -> Value {
        let out = Command::new("kubectl")
            .args(["config", "view", "--raw", "-o", "json", "--kubeconfig"])
            .arg(k)
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let (a, b) = (view(&c.kubeconfig), view(&other.kubeconfig));
    let pick = |v: &Value, list: &str, name: &str| -> Value {
        v[list]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["name"] == name)
            .unwrap()
            .clone()
    };
    let mut b_cluster = pick(&b, "clusters", "kmcp-test");
    b_cluster["name"] = "second".into();
    let mut b_user = pick(&b, "users", "admin");
    b_user["name"] = "second-admin".into();
    let fleet = serde_json::json!({
        "apiVersion": "v1", "kind": "Config", "current-context": "admin",
        "clusters": [pick(&a, "clusters", "kmcp-test"), b_cluster,
                     {"name": "down", "cluster": {"server": "https://127.0.0.1:1"}}],
        "users": [pick(&a, "users", "admin"), b_user],
        "contexts": [
            {"name": "admin", "context": {"cluster": "kmcp-test", "user": "admin"}},
            {"name": "second", "context": {"cluster": "second", "user": "second-admin"}},
            {"name": "down", "context": {"cluster": "down", "user": "admin"}}
        ]
    });
    std::fs::write(&kc, serde_json::to_string(&fleet).unwrap()).unwrap();
    let kc = kc.to_str().unwrap();
    let run = kmcp(&[
        "audit",
        "-n",
        &ns,
        "--kubeconfig",
        kc,
        "--context",
        "admin",
        "--context",
        "second",
        "--context",
        "down",
        "-o",
        "json",
        "-v",
        "2",
    ])
    .run();
    let table = kmcp(&["audit", "-n", &ns, "--kubeconfig", kc, "--all-contexts"]).run();
    let _ = Command::new("bash")
        .arg(root().join("tests/cluster.sh"))
        .arg("stop")
        .arg(&second)
        .output();
    run.assert_code(1).assert_no_leak(&VALUES);
    let doc = run.json();
    let contexts: std::collections::BTreeSet<&str> = doc["references"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["context"].as_str().unwrap())
        .collect();
    assert_eq!(
        contexts.into_iter().collect::<Vec<_>>(),
        ["admin", "second"],
        "{}\n{}",
        doc["findings"],
        run.stderr
    );
    let other_ref = doc["references"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["server"] == "other")
        .unwrap();
    assert_eq!(
        (other_ref["context"].as_str(), other_ref["status"].as_str()),
        (Some("second"), Some("missing-secret"))
    );
    let down = issues(&doc, "unreachable");
    assert_eq!(
        down,
        [(
            "Cluster".into(),
            "down".into(),
            String::new(),
            String::new(),
            "error".into()
        )]
    );
    // The second cluster has no RemoteMCPServer API: skipped, said at -v.
    run.assert_stderr_contains("RemoteMCPServers skipped");
    // The table: each context's rows under its title, the unreachable one as an error line.
    table.assert_code(1);
    assert!(
        table
            .stdout
            .starts_with(&format!("Context admin, namespace {ns}:\nSERVER")),
        "{}",
        table.stdout
    );
    let second_rows = table
        .stdout
        .split(&format!("Context second, namespace {ns}:\n"))
        .nth(1)
        .unwrap_or_else(|| panic!("no rows of context second:\n{}", table.stdout));
    assert!(
        second_rows
            .lines()
            .take_while(|l| !l.starts_with("Context "))
            .any(|l| l.starts_with("mcpserver/other ") && l.contains("nowhere")),
        "{}",
        table.stdout
    );
    table.assert_stdout_says("error: [down] down: context \"down\" could not be audited");
}

/// The Secret name of a logged GET (`NAME?&resourceVersion=0`), checking that it was served
/// from the API server's watch cache, as the lists are (no etcd read per Secret).
fn secret_of_get(rest: &str) -> &str {
    let (name, query) = rest.split_once('?').unwrap_or((rest, ""));
    assert!(
        query.contains("resourceVersion=0"),
        "a Secret read not from the watch cache: {rest}"
    );
    name
}
