//! Whole-output snapshots of what users read most: a sync diff, an audit table, a troubleshoot
//! table (check and result, then each check's detail and fix wrapped at 80 columns, as when
//! piped), an RBAC error. Exact text (as cargo's `with_stderr_data`), with only the namespace's
//! unique part and the API server's port replaced by placeholders of the same length, so that a
//! changed column, line or word fails.
use crate::harness::{assert_snapshot, cluster, kmcp, namespace_placeholder, project};

/// kmcp.yaml with one Kubernetes environment, `staging`, in `ns`.
fn kmcp_yaml(ns: &str) -> String {
    format!(
        "name: weather-server\nsecrets:\n  staging:\n    enabled: true\n    provider: kubernetes\n    secretName: weather-secrets\n    namespace: {ns}\n"
    )
}

#[test]
fn sync_diff() {
    let c = cluster();
    let ns = c.snapshot_namespace("snap-sync");
    let placeholder = namespace_placeholder(&ns);
    c.apply(&format!(
        "apiVersion: v1\nkind: Secret\nmetadata: {{name: weather-secrets, namespace: {ns}}}\nstringData: {{KEEP: same, OLD_TOKEN: old-secret-value, CHANGE: before-value}}\n"
    ));
    let dir = project(&[
        ("kmcp.yaml", &kmcp_yaml(&ns)),
        (
            ".env.staging",
            "KEEP=same\nCHANGE=after-value\nNEW=new-value\n",
        ),
    ]);
    let run = kmcp(&["secrets", "sync", "staging", "--yes"])
        .on(c)
        .dir(dir.path())
        .run();
    run.assert_ok().assert_no_leak(&[
        "old-secret-value",
        "before-value",
        "after-value",
        "new-value",
    ]);
    let names = [(ns.as_str(), placeholder.as_str())];
    assert_snapshot(
        &run.stdout,
        &names,
        "\
KEY         CHANGE
CHANGE      changed
KEEP        unchanged
NEW         added
OLD_TOKEN   removed
1 added, 1 changed, 1 removed, 1 unchanged (values not shown)
secret/weather-secrets configured
",
    );
    assert_snapshot(
        &run.stderr,
        &names,
        "\
Using env file ./.env.staging
Secret weather-secrets in namespace kmcp-snap-sync-######## (context admin)
",
    );
}

/// A user who may list MCPServers but not read Secrets or RBAC, through `--as`: the can-i lines
/// ask as that user, once (`--as` was appended twice before).
#[test]
fn audit_table_as_another_user() {
    let c = cluster();
    let ns = c.snapshot_namespace("snap-audit");
    let placeholder = namespace_placeholder(&ns);
    c.apply(&format!(
        "apiVersion: v1\nkind: Secret\nmetadata: {{name: weather-secrets, namespace: {ns}}}\nstringData: {{API_KEY: s3cr3t-value}}\n"
    ));
    c.apply(&format!(
        "apiVersion: kagent.dev/v1alpha1
kind: MCPServer
metadata: {{name: weather, namespace: {ns}}}
spec:
  transportType: stdio
  stdioTransport: {{}}
  deployment:
    image: example/weather:0.1.0
    secretRefs:
    - name: weather-secrets
    - name: missing
"
    ));
    c.grant("snap-auditor", &ns, &["list"], &["mcpservers.kagent.dev"]);
    let run = kmcp(&["audit", "-n", &ns, "--as", "snap-auditor"])
        .on(c)
        .run();
    run.assert_ok().assert_no_leak(&["s3cr3t-value"]);
    assert_snapshot(
        &run.stdout,
        &[(ns.as_str(), placeholder.as_str())],
        "\
SERVER    SECRET            STATUS
weather   missing           forbidden
weather   weather-secrets   forbidden
1 server, 2 references to 2 Secrets: 0 errors, 2 warnings, 0 ok

Who can read these Secrets:
SUBJECT              VERBS
you (snap-auditor)   none
note: namespace kmcp-snap-audit-########: RBAC objects are not readable (cannot
  list clusterroles/clusterrolebindings (forbidden)): showing only your own
  rights
note: namespace kmcp-snap-audit-########: Secrets read with get of each
  referenced Secret (list secrets is not allowed)

warning: kmcp-snap-audit-########/weather spec.deployment.secretRefs[0]: cannot
  read Secret \"weather-secrets\" in namespace \"kmcp-snap-audit-########\":
  forbidden; check with
  `kubectl auth can-i get secrets/weather-secrets -n kmcp-snap-audit-######## --context admin --as snap-auditor`
warning: kmcp-snap-audit-########/weather spec.deployment.secretRefs[1]: cannot
  read Secret \"missing\" in namespace \"kmcp-snap-audit-########\": forbidden;
  check with
  `kubectl auth can-i get secrets/missing -n kmcp-snap-audit-######## --context admin --as snap-auditor`
",
    );
    // The user may not list kagent's RemoteMCPServers: said once, on stderr.
    assert_eq!(
        run.stderr,
        format!(
            "warning: RemoteMCPServers were not audited: you may not list them; check with `kubectl auth can-i list remotemcpservers.kagent.dev -n {ns} --context admin --as snap-auditor`\n"
        )
    );
}

#[test]
fn troubleshoot_table() {
    let c = cluster();
    let ns = c.snapshot_namespace("snap-ts");
    let placeholder = namespace_placeholder(&ns);
    let server = c.server();
    c.apply(&format!(
        "apiVersion: kagent.dev/v1alpha1
kind: MCPServer
metadata: {{name: weather-snap, namespace: {ns}}}
spec:
  transportType: stdio
  stdioTransport: {{}}
  deployment:
    image: example/weather:0.1.0
    secretRefs:
    - name: weather-snap-missing
"
    ));
    let run = kmcp(&["troubleshoot", "weather-snap", "-n", &ns])
        .on(c)
        .run();
    run.assert_code(1);
    assert_snapshot(
        &run.stdout,
        &[
            (ns.as_str(), placeholder.as_str()),
            (server.as_str(), "https://127.0.0.1:#####"),
        ],
        "\
CHECK       RESULT
context     pass
crd         pass
mcpserver   pass
namespace   pass
secret      fail
keys        skip
drift       skip
can-i       pass
pods        warn

context: context admin (kubeconfig), user admin (kubeconfig), namespace
  kmcp-snap-ts-######## (flag); API server https://127.0.0.1:#####, Kubernetes
  v1.20.2
crd: mcpservers.kagent.dev is installed (kagent.dev/v1alpha1 is served)
mcpserver: MCPServer weather-snap exists in namespace kmcp-snap-ts-######## (1
  Secret reference)
namespace: namespace kmcp-snap-ts-######## (flag); no --environment, so
  kmcp.yaml is not compared
  MCPServer weather-snap: kmcp-snap-ts-########
secret: Secret weather-snap-missing not found in namespace kmcp-snap-ts-########
  (spec.deployment.secretRefs[0])
  fix: create it in kmcp-snap-ts-########:
    `kubectl create secret generic weather-snap-missing -n kmcp-snap-ts-######## --from-env-file=FILE`
    (or `kubectl kmcp secrets sync ENV` with an environment whose secretName is
    weather-snap-missing)
keys: a Secret is missing (see the secret check)
drift: a Secret is missing (see the secret check)
can-i: user admin may get secrets/weather-snap-missing, create secrets, patch
  secrets/weather-snap-missing, get mcpservers.kagent.dev/weather-snap, create
  mcpservers.kagent.dev, patch mcpservers.kagent.dev/weather-snap, list pods,
  list events in kmcp-snap-ts-########
pods: MCPServer weather-snap has no status conditions: the kmcp controller has
  not reconciled it
  no pods match
  app.kubernetes.io/name=weather-snap,app.kubernetes.io/instance=weather-snap in
  kmcp-snap-ts-########: the controller has not created them (yet), or the
  Deployment cannot create them
  fix: check that the kmcp controller is running
    (`kubectl get pods -A -l app.kubernetes.io/name=kmcp`) and read its logs
    look at the Deployment:
    `kubectl describe deployment weather-snap -n kmcp-snap-ts-########`
",
    );
    assert_eq!(run.stderr, "");
}

#[test]
fn rbac_error() {
    let c = cluster();
    let ns = c.snapshot_namespace("snap-rbac");
    let placeholder = namespace_placeholder(&ns);
    let dir = project(&[
        ("kmcp.yaml", &kmcp_yaml(&ns)),
        (".env.staging", "K=restricted-value\n"),
    ]);
    let run = kmcp(&["secrets", "sync", "staging", "--context", "restricted"])
        .on(c)
        .dir(dir.path())
        .run();
    run.assert_code(1).assert_no_leak(&["restricted-value"]);
    assert_eq!(run.stdout, "");
    assert_snapshot(
        &run.stderr,
        &[(ns.as_str(), placeholder.as_str())],
        "\
Using env file ./.env.staging
Secret weather-secrets in namespace kmcp-snap-rbac-######## (context restricted)
error: forbidden: user \"restricted\" cannot get secrets/weather-secrets in namespace \"kmcp-snap-rbac-########\"; check with `kubectl auth can-i get secrets/weather-secrets -n kmcp-snap-rbac-######## --context restricted` and ask a cluster admin for a Role that allows it
",
    );
}
