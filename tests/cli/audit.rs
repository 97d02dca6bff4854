//! `kubectl kmcp audit` against the real API server: every storable reference form and every
//! status, -A vs -n, a restricted user (forbidden findings, exit code per --fail-on), the access
//! section with and without rights to read RBAC, and the JSON contract. The upstream doc's forms
//! that the structural CRD prunes (`spec.deployment.envFrom`, `env[].valueFrom`) are covered by
//! unit tests in src/core/findings.rs; here the same forms are stored inside `sidecars[]`.
use serde_json::Value;

use crate::harness::{Cluster, cluster, kmcp, project};

const VALUES: [&str; 4] = [
    "s3cr3t-api-key-value",
    "tls-cert-value-XYZ",
    "by-hand-value-123",
    "elsewhere-value-789",
];

fn secret(c: &Cluster, ns: &str, name: &str, managed: bool, data: &[(&str, &str)]) {
    let labels = if managed {
        "  labels:\n    app.kubernetes.io/managed-by: kubectl-kmcp\n"
    } else {
        ""
    };
    let mut yaml = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\n  namespace: {ns}\n{labels}stringData:\n"
    );
    for (k, v) in data {
        yaml.push_str(&format!("  {k}: {v}\n"));
    }
    c.apply(&yaml);
}

fn server(c: &Cluster, ns: &str, name: &str, deployment: &str, extra_spec: &str) {
    c.apply(&format!(
        "apiVersion: kagent.dev/v1alpha1
kind: MCPServer
metadata:
  name: {name}
  namespace: {ns}
  labels:
    tier: {name}
spec:
  transportType: stdio
  stdioTransport: {{}}
{extra_spec}  deployment:
    image: example/{name}:0.1.0
{deployment}"
    ));
}

/// (via, secret, key, status, severity) of the references of one namespace.
fn rows(doc: &Value, ns: &str) -> Vec<(String, String, Option<String>, String, String)> {
    let mut out: Vec<_> = doc["references"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["namespace"] == ns)
        .map(|r| {
            (
                r["via"].as_str().unwrap().to_string(),
                r["secret"].as_str().unwrap().to_string(),
                r["key"].as_str().map(str::to_string),
                r["status"].as_str().unwrap().to_string(),
                r["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

fn row(
    via: &str,
    secret: &str,
    key: Option<&str>,
    status: &str,
    severity: &str,
) -> (String, String, Option<String>, String, String) {
    (
        via.into(),
        secret.into(),
        key.map(str::to_string),
        status.into(),
        severity.into(),
    )
}

/// A user of its own for one test, through the admin's impersonation (`--as`).
fn user(ns: &str, who: &str) -> String {
    format!("{who}-{ns}")
}

#[test]
fn every_storable_reference_form_and_every_status_end_to_end() {
    let c = cluster();
    let ns = c.namespace("audit-forms");
    let other = c.namespace("audit-other");
    secret(
        c,
        &ns,
        "managed",
        true,
        &[("API_KEY", VALUES[0]), ("tls.crt", VALUES[1])],
    );
    secret(c, &ns, "by-hand", false, &[("X", VALUES[2])]);
    secret(c, &other, "elsewhere", true, &[("A", VALUES[3])]);
    // A server in the other namespace, so that -A reads its Secrets.
    server(
        c,
        &other,
        "neighbour",
        "    secretRefs:\n    - name: elsewhere\n",
        "",
    );
    server(
        c,
        &ns,
        "all-forms",
        "    secretRefs:
    - name: managed
    - name: elsewhere
    imagePullSecrets:
    - name: by-hand
    volumes:
    - name: certs
      secret:
        secretName: managed
        items:
        - key: tls.crt
          path: tls.crt
    - name: proj
      projected:
        sources:
        - secret:
            name: gone-projected
    sidecars:
    - name: side
      image: side:1
      env:
      - name: KEY
        valueFrom:
          secretKeyRef:
            name: managed
            key: NOPE
      - name: OPT
        valueFrom:
          secretKeyRef:
            name: managed
            key: ALSO_NOPE
            optional: true
      envFrom:
      - secretRef:
          name: gone-optional
          optional: true
",
        "  httpTransport:\n    targetPort: 3000\n    tls:\n      secretRef: gone-tls\n",
    );

    // -n: only this namespace is read, so "elsewhere" is simply missing here.
    let run = kmcp(&["audit", "-n", &ns, "-o", "json"]).on(c).run();
    run.assert_code(1).assert_no_leak(&VALUES);
    let doc = run.json();
    let side = "spec.deployment.sidecars[0](side)";
    let mut expected = vec![
        row("spec.deployment.secretRefs[0]", "managed", None, "ok", "ok"),
        row(
            "spec.deployment.secretRefs[1]",
            "elsewhere",
            None,
            "missing-secret",
            "error",
        ),
        row(
            "spec.deployment.imagePullSecrets[0]",
            "by-hand",
            None,
            // An Opaque Secret as image pull Secret (#15: typed Secrets).
            "wrong-type",
            "error",
        ),
        row(
            "spec.deployment.volumes[0](certs).secret",
            "managed",
            Some("tls.crt"),
            "ok",
            "ok",
        ),
        row(
            "spec.deployment.volumes[1](proj).projected.sources[0].secret",
            "gone-projected",
            None,
            "missing-secret",
            "error",
        ),
        row(
            &format!("{side}.envFrom[0].secretRef"),
            "gone-optional",
            None,
            "ok",
            "ok",
        ),
        row(
            &format!("{side}.env[0](KEY).valueFrom.secretKeyRef"),
            "managed",
            Some("NOPE"),
            "missing-key",
            "error",
        ),
        row(
            &format!("{side}.env[1](OPT).valueFrom.secretKeyRef"),
            "managed",
            Some("ALSO_NOPE"),
            "ok",
            "ok",
        ),
        row(
            "spec.httpTransport.tls.secretRef",
            "gone-tls",
            None,
            "missing-secret",
            "error",
        ),
    ];
    expected.sort();
    assert_eq!(rows(&doc, &ns), expected);
    // The JSON contract: exactly these fields, key null for a whole-Secret reference.
    for r in doc["references"].as_array().unwrap() {
        let mut keys: Vec<&str> = r.as_object().unwrap().keys().map(|k| k.as_str()).collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "context",
                "key",
                "message",
                "namespace",
                "secret",
                "server",
                "serverKind",
                "severity",
                "status",
                "via"
            ]
        );
        assert_eq!(r["server"], "all-forms");
        assert_eq!(r["context"], "admin");
        assert_eq!(r["serverKind"], "MCPServer");
        assert!(!r["message"].as_str().unwrap().is_empty());
    }
    let by_hand = doc["references"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["secret"] == "by-hand")
        .unwrap();
    assert_eq!(by_hand["key"], Value::Null);
    assert_eq!(
        doc["summary"],
        serde_json::json!({"servers": 1, "remoteServers": 0, "findings": 0, "references": 9, "secrets": 6, "ok": 4, "warnings": 0, "errors": 5})
    );
    assert_eq!(doc["access"].as_array().unwrap().len(), 1);
    assert_eq!(doc["access"][0]["namespace"], ns.as_str());

    // -A: both namespaces are read, and "elsewhere" is found in the other one.
    let all = kmcp(&["audit", "-A", "-o", "json"]).on(c).run();
    all.assert_code(1).assert_no_leak(&VALUES);
    let doc = all.json();
    let mismatch = rows(&doc, &ns)
        .into_iter()
        .find(|r| r.1 == "elsewhere")
        .unwrap();
    assert_eq!(mismatch.3, "namespace-mismatch");
    assert_eq!(mismatch.4, "error");
    assert_eq!(
        rows(&doc, &other),
        [row(
            "spec.deployment.secretRefs[0]",
            "elsewhere",
            None,
            "ok",
            "ok"
        )]
    );
    let msg = doc["references"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["namespace"] == ns.as_str() && r["secret"] == "elsewhere")
        .unwrap()["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        msg.contains("exists in") && msg.contains(&format!("{other:?}")),
        "{msg}"
    );

    // The table: the columns, the summary line, what to do; -o wide adds manager and last change.
    let table = kmcp(&["audit", "-n", &ns]).on(c).run();
    table.assert_code(1).assert_no_leak(&VALUES);
    // Default: SERVER SECRET STATUS (no NAMESPACE without -A, as kubectl); the rest in wide.
    let first = table.stdout.lines().next().unwrap();
    assert_eq!(
        first.split_whitespace().collect::<Vec<_>>(),
        ["SERVER", "SECRET", "STATUS"],
        "{first}"
    );
    table.assert_stdout_says("1 server, 9 references to 6 Secrets: 5 errors, 0 warnings, 4 ok");
    table.assert_stdout_contains("Who can read these Secrets:");
    table.assert_stdout_says(&format!(
        "error: {ns}/all-forms spec.httpTransport.tls.secretRef: Secret \"gone-tls\" does not exist in namespace {ns:?}"
    ));
    assert!(
        !table.stdout.contains('\x1b'),
        "no colours without a terminal"
    );
    let wide = kmcp(&["audit", "-n", &ns, "-o", "wide"]).on(c).run();
    wide.assert_code(1).assert_no_leak(&VALUES);
    let first = wide.stdout.lines().next().unwrap();
    for h in [
        "NAMESPACE",
        "SERVER",
        "VIA",
        "SECRET",
        "KEY",
        "STATUS",
        "SEVERITY",
    ] {
        assert!(first.contains(h), "{first}");
    }
    assert!(
        first.contains("MANAGER") && first.contains("LAST CHANGE"),
        "{first}"
    );
    let by_hand_line = wide
        .stdout
        .lines()
        .find(|l| l.contains("imagePullSecrets"))
        .unwrap();
    // Created by kubectl apply, without a managed-by label: the field manager is shown.
    assert!(by_hand_line.contains("kubectl"), "{by_hand_line}");
    let managed_line = wide
        .stdout
        .lines()
        .find(|l| l.contains("secretRefs[0]"))
        .unwrap();
    assert!(managed_line.contains("kubectl-kmcp"), "{managed_line}");

    // YAML carries the same document.
    let yaml = kmcp(&["audit", "-n", &ns, "-o", "yaml"]).on(c).run();
    yaml.assert_code(1).assert_no_leak(&VALUES);
    yaml.assert_stdout_contains("references:");
    yaml.assert_stdout_contains("status: missing-key");

    // --fail-on never: the same findings, exit 0.
    kmcp(&["audit", "-n", &ns, "--fail-on", "never"])
        .on(c)
        .run()
        .assert_ok();
}

#[test]
fn selector_and_empty_scope() {
    let c = cluster();
    let ns = c.namespace("audit-sel");
    secret(c, &ns, "a", true, &[("K", VALUES[0])]);
    server(c, &ns, "one", "    secretRefs:\n    - name: a\n", "");
    server(c, &ns, "two", "    secretRefs:\n    - name: missing\n", "");
    let run = kmcp(&["audit", "-n", &ns, "-l", "tier=one", "-o", "json"])
        .on(c)
        .run();
    run.assert_ok();
    let doc = run.json();
    assert_eq!(doc["summary"]["servers"], 1);
    assert_eq!(doc["references"][0]["server"], "one");
    // Without the selector the missing Secret of "two" fails the run.
    kmcp(&["audit", "-n", &ns]).on(c).run().assert_code(1);

    let empty = c.namespace("audit-empty");
    let run = kmcp(&["audit", "-n", &empty]).on(c).run();
    run.assert_ok()
        .assert_stderr_contains(&format!("No MCPServers found in namespace {empty:?}"));
    let run = kmcp(&["audit", "-n", &empty, "-o", "json"]).on(c).run();
    run.assert_ok();
    assert_eq!(
        run.json(),
        serde_json::json!({"references": [], "findings": [], "access": [],
            "summary": {"servers": 0, "remoteServers": 0, "findings": 0, "references": 0, "secrets": 0, "ok": 0, "warnings": 0, "errors": 0}})
    );
    // A format audit does not have is a usage error.
    kmcp(&["audit", "-n", &empty, "-o", "name"])
        .on(c)
        .run()
        .assert_code(2);
}

#[test]
fn restricted_user_gets_forbidden_warnings_and_exit_code_per_fail_on() {
    let c = cluster();
    let ns = c.namespace("audit-restricted");
    secret(c, &ns, "managed", true, &[("API_KEY", VALUES[0])]);
    server(
        c,
        &ns,
        "web",
        "    secretRefs:\n    - name: managed\n    - name: missing\n",
        "",
    );
    // May read MCPServers, not Secrets, not RBAC.
    let who = user(&ns, "restricted-auditor");
    c.grant(&who, &ns, &["list"], &["mcpservers.kagent.dev"]);

    let run = kmcp(&["audit", "-n", &ns, "--as", &who, "-o", "json"])
        .on(c)
        .run();
    run.assert_ok().assert_no_leak(&VALUES);
    let doc = run.json();
    assert_eq!(
        rows(&doc, &ns),
        [
            row(
                "spec.deployment.secretRefs[0]",
                "managed",
                None,
                "forbidden",
                "warning"
            ),
            row(
                "spec.deployment.secretRefs[1]",
                "missing",
                None,
                "forbidden",
                "warning"
            ),
        ]
    );
    let msg = doc["references"][0]["message"].as_str().unwrap();
    assert!(
        msg.contains(&format!("kubectl auth can-i get secrets/managed -n {ns}"))
            && msg.contains(&format!("--as {who}")),
        "{msg}"
    );
    let access = &doc["access"][0];
    assert_eq!(access["canGet"], false);
    assert_eq!(access["canList"], false);
    assert_eq!(access["rbacReadable"], false);
    assert_eq!(access["subjects"], serde_json::json!([]));
    assert!(
        access["note"]
            .as_str()
            .unwrap()
            .contains("showing only your own rights")
    );

    kmcp(&["audit", "-n", &ns, "--as", &who, "--fail-on", "warning"])
        .on(c)
        .run()
        .assert_code(1)
        .assert_stdout_contains("forbidden");
    kmcp(&["audit", "-n", &ns, "--as", &who, "--fail-on", "never"])
        .on(c)
        .run()
        .assert_ok();
    // The table says that RBAC was not readable and shows the user's own (absent) rights.
    let table = kmcp(&["audit", "-n", &ns, "--as", &who, "--access"])
        .on(c)
        .run();
    table.assert_ok();
    table.assert_stdout_contains(&format!("you ({who})"));
    table.assert_stdout_contains("none");
    table.assert_stdout_contains("RBAC objects are not readable");
    assert!(
        !table.stdout.contains("STATUS"),
        "--access shows only the access section"
    );

    // -A needs a cluster-wide list of MCPServers: refused with the can-i line.
    kmcp(&["audit", "-A", "--as", &who])
        .on(c)
        .run()
        .assert_code(1)
        .assert_stderr_contains("kubectl auth can-i list mcpservers.kagent.dev --all-namespaces");
}

#[test]
fn get_only_user_reads_secrets_one_by_one() {
    let c = cluster();
    let ns = c.namespace("audit-getonly");
    secret(c, &ns, "managed", true, &[("API_KEY", VALUES[0])]);
    server(
        c,
        &ns,
        "web",
        "    secretRefs:\n    - name: managed\n    - name: missing\n",
        "",
    );
    let who = user(&ns, "getter");
    c.grant(&who, &ns, &["list"], &["mcpservers.kagent.dev"]);
    c.grant(&who, &ns, &["get"], &["secrets"]);
    let run = kmcp(&["audit", "-n", &ns, "--as", &who, "-o", "json"])
        .on(c)
        .run();
    run.assert_code(1).assert_no_leak(&VALUES);
    let doc = run.json();
    assert_eq!(
        rows(&doc, &ns),
        [
            row("spec.deployment.secretRefs[0]", "managed", None, "ok", "ok"),
            row(
                "spec.deployment.secretRefs[1]",
                "missing",
                None,
                "missing-secret",
                "error"
            ),
        ]
    );
    assert_eq!(doc["access"][0]["canGet"], true);
    assert_eq!(doc["access"][0]["canList"], false);
}

#[test]
fn access_section_lists_who_can_read_when_rbac_is_readable() {
    let c = cluster();
    let ns = c.namespace("audit-access");
    secret(c, &ns, "managed", true, &[("API_KEY", VALUES[0])]);
    server(c, &ns, "web", "    secretRefs:\n    - name: managed\n", "");
    let reader = user(&ns, "rbac-reader");
    let bob = user(&ns, "named-only");
    let group = format!("devs-{ns}");
    c.grant(&reader, &ns, &["list"], &["mcpservers.kagent.dev"]);
    c.grant(&reader, &ns, &["get", "list"], &["secrets"]);
    c.apply(&format!(
        "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: {reader}
rules:
- apiGroups: [rbac.authorization.k8s.io]
  resources: [roles, rolebindings, clusterroles, clusterrolebindings]
  verbs: [list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: {reader}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: {reader}}}
subjects:
- {{apiGroup: rbac.authorization.k8s.io, kind: User, name: {reader}}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: one-secret
  namespace: {ns}
rules:
- apiGroups: ['']
  resources: [secrets]
  resourceNames: [managed]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: one-secret
  namespace: {ns}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: one-secret}}
subjects:
- {{apiGroup: rbac.authorization.k8s.io, kind: User, name: {bob}}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: star-{ns}
rules:
- apiGroups: ['*']
  resources: ['*']
  verbs: ['*']
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: star
  namespace: {ns}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: star-{ns}}}
subjects:
- {{apiGroup: rbac.authorization.k8s.io, kind: Group, name: {group}}}
- {{kind: ServiceAccount, name: ci, namespace: {ns}}}
"
    ));
    let run = kmcp(&["audit", "-n", &ns, "--as", &reader, "-o", "json"])
        .on(c)
        .run();
    run.assert_ok().assert_no_leak(&VALUES);
    let doc = run.json();
    let access = &doc["access"][0];
    assert_eq!(access["user"], reader.as_str());
    assert_eq!(access["canGet"], true);
    assert_eq!(access["canList"], true);
    assert_eq!(access["rbacReadable"], true);
    assert!(access.get("note").is_none());
    let subjects: Vec<(String, String, Vec<String>, Vec<String>)> = access["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let strs = |v: &Value| {
                v.as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_str().unwrap().to_string())
                    .collect::<Vec<_>>()
            };
            (
                s["kind"].as_str().unwrap().to_string(),
                s["name"].as_str().unwrap().to_string(),
                strs(&s["verbs"]),
                strs(&s["resourceNames"]),
            )
        })
        .collect();
    let all = vec!["get".to_string(), "list".into(), "watch".into()];
    let has = |kind: &str, name: &str, verbs: &[String], names: &[String]| {
        subjects
            .iter()
            .any(|s| s.0 == kind && s.1 == name && s.2 == verbs && s.3 == names)
    };
    assert!(has("Group", "system:masters", &all, &[]), "{subjects:?}");
    assert!(has("Group", &group, &all, &[]), "{subjects:?}");
    assert!(has("ServiceAccount", "ci", &all, &[]), "{subjects:?}");
    assert!(
        has("User", &bob, &["get".into()], &["managed".into()]),
        "{subjects:?}"
    );
    assert!(
        has("User", &reader, &["get".into(), "list".into()], &[]),
        "{subjects:?}"
    );
    // The table's access section: subjects and verbs; -o wide names the bindings.
    let table = kmcp(&["audit", "-n", &ns, "--as", &reader, "--access"])
        .on(c)
        .run();
    table.assert_ok();
    table.assert_stdout_contains(&format!("User {bob}"));
    table.assert_stdout_contains("get (only managed)");
    assert!(!table.stdout.contains("RoleBinding/"), "{}", table.stdout);
    let wide = kmcp(&[
        "audit", "-n", &ns, "--as", &reader, "--access", "-o", "wide",
    ])
    .on(c)
    .run();
    wide.assert_ok();
    wide.assert_stdout_contains("RoleBinding/one-secret -> Role/one-secret");
    table.assert_stdout_contains(&format!("ServiceAccount {ns}/ci"));
    assert!(!table.stdout.contains("not readable"), "{}", table.stdout);
}

#[test]
fn project_dir_adds_required_keys_and_kmcp_yaml_namespaces() {
    let c = cluster();
    let ns = c.namespace("audit-proj");
    let envns = c.namespace("audit-projenv");
    secret(c, &ns, "weather-secrets", true, &[("API_KEY", VALUES[0])]);
    secret(c, &envns, "other-secrets", true, &[("API_KEY", VALUES[0])]);
    server(
        c,
        &ns,
        "weather",
        "    secretRefs:\n    - name: weather-secrets\n    - name: other-secrets\n",
        "",
    );
    let dir = project(&[
        (
            "kmcp.yaml",
            &format!(
                "name: weather
version: 0.1.0
framework: fastmcp-python
secrets:
  staging:
    enabled: true
    provider: kubernetes
    secretName: weather-secrets
    namespace: {ns}
  prod:
    enabled: true
    provider: kubernetes
    secretName: other-secrets
    namespace: {envns}
"
            ),
        ),
        (".env.example", "API_KEY=\nWEATHER_URL=\nLOG_LEVEL=info\n"),
    ]);
    let d = dir.path().to_str().unwrap();
    let run = kmcp(&["audit", "-n", &ns, "-d", d, "-o", "json"])
        .on(c)
        .run();
    run.assert_code(1).assert_no_leak(&VALUES);
    let doc = run.json();
    assert_eq!(
        rows(&doc, &ns),
        [
            row(
                "spec.deployment.secretRefs[0]",
                "weather-secrets",
                Some("WEATHER_URL"),
                "missing-key",
                "error"
            ),
            row(
                "spec.deployment.secretRefs[1]",
                "other-secrets",
                None,
                "namespace-mismatch",
                "error"
            ),
        ]
    );
    let refs = doc["references"].as_array().unwrap();
    let missing = refs[0]["message"].as_str().unwrap();
    assert!(missing.contains(".env.example requires"), "{missing}");
    assert!(
        missing.contains("`kubectl kmcp secrets sync staging`"),
        "{missing}"
    );
    let mismatch = refs[1]["message"].as_str().unwrap();
    // Found in the environment's namespace (read because kmcp.yaml names it).
    assert!(
        mismatch.contains(&format!("exists in {envns:?}")),
        "{mismatch}"
    );

    // A -d without kmcp.yaml or .env.example fails as a missing file (1), as in every command.
    let empty = project(&[("README.md", "x")]);
    kmcp(&["audit", "-n", &ns, "-d", empty.path().to_str().unwrap()])
        .on(c)
        .run()
        .assert_code(1)
        .assert_stderr_contains("neither kmcp.yaml nor .env.example");
}
