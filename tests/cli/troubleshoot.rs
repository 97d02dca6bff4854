//! `kubectl kmcp troubleshoot` against the real API server: each broken state is set up for real
//! (Secrets, MCPServers, Pods with a status and Events written through the API the way the
//! kubelet and the controller would), and the check that catches it is asserted, with no value in
//! any output.
use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::{Event, Pod, Secret};
use kube::api::{Api, Patch, PatchParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use kubectl_kmcp::core::mcpserver::MCPServer;
use kubectl_kmcp::core::secret_plan::{HASH_ANNOTATION, HASH_KEY_ANNOTATION, HashKey, keyed_hash};
use serde_json::{Value, json};

use crate::harness::{Cluster, Run, cluster, kmcp, project};

const API_KEY: &str = "sk-troubleshoot-9f8e7d6c";
const REGION: &str = "region-value-eu-west-42";

async fn admin() -> Client {
    let kc = Kubeconfig::read_from(&cluster().kubeconfig).unwrap();
    let config = Config::from_custom_kubeconfig(kc, &KubeConfigOptions::default())
        .await
        .unwrap();
    Client::try_from(config).unwrap()
}

/// The server of one test: its MCPServer, Secret and pod names are unique in the shared cluster,
/// so that the cross-namespace lookups see only this test's objects.
#[derive(Clone, Copy)]
struct Names {
    server: &'static str,
}

impl Names {
    /// Unique per test process too: a cluster reused across runs keeps earlier runs' objects.
    fn new(prefix: &str) -> Names {
        let server = format!("{prefix}-{}", std::process::id() % 100000);
        Names {
            server: Box::leak(server.into_boxed_str()),
        }
    }
    fn secret(&self) -> String {
        format!("{}-secrets", self.server)
    }
    fn pod(&self) -> String {
        format!("{}-7d9f-abcde", self.server)
    }
}

fn kmcp_yaml(n: Names, ns: &str) -> String {
    let (name, secret) = (n.server, n.secret());
    format!(
        "name: {name}\nframework: fastmcp-python\nversion: 0.1.0\nsecrets:\n  staging:\n    enabled: true\n    provider: kubernetes\n    secretName: {secret}\n    namespace: {ns}\n"
    )
}

fn env_file(api_key: &str) -> String {
    format!("API_KEY={api_key}\nREGION={REGION}\n")
}

/// A project whose staging environment lives in `ns`, with `.env.staging` and `.env.example`
/// (API_KEY required, REGION optional).
fn weather_project(n: Names, ns: &str, api_key: &str) -> tempfile::TempDir {
    project(&[
        ("kmcp.yaml", &kmcp_yaml(n, ns)),
        (".env.staging", &env_file(api_key)),
        (".env.example", "API_KEY=\nREGION=eu\n"),
    ])
}

/// A Secret with these pairs and the hash annotation `secrets sync` writes.
async fn create_secret(n: Names, client: &Client, ns: &str, pairs: &[(&str, &str)]) {
    let data: BTreeMap<String, Vec<u8>> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
        .collect();
    let mut s = Secret::default();
    s.metadata.name = Some(n.secret());
    // As `secrets sync` writes it: the keyed hash and its key.
    let key = HashKey::new([0x5a; 32]);
    s.metadata.annotations = Some(BTreeMap::from([
        (HASH_ANNOTATION.to_string(), keyed_hash(&key, &data)),
        (HASH_KEY_ANNOTATION.to_string(), key.to_hex()),
    ]));
    s.data = Some(data.into_iter().map(|(k, v)| (k, ByteString(v))).collect());
    Api::<Secret>::namespaced(client.clone(), ns)
        .create(&PostParams::default(), &s)
        .await
        .unwrap();
}

/// The MCPServer `weather` reading the Secret, with the controller's conditions (`ready`).
async fn mcpserver(n: Names, c: &Cluster, client: &Client, ns: &str, ready: bool) {
    let (name, secret) = (n.server, n.secret());
    c.apply(&format!(
        "apiVersion: kagent.dev/v1alpha1\nkind: MCPServer\nmetadata: {{name: {name}, namespace: {ns}}}\nspec:\n  transportType: stdio\n  stdioTransport: {{}}\n  deployment:\n    image: weather:0.1.0\n    secretRefs: [{{name: {secret}}}]\n"
    ));
    let st = if ready { "True" } else { "False" };
    let conditions: Vec<Value> = ["Accepted", "ResolvedRefs", "Programmed", "Ready"]
        .iter()
        .map(|t| {
            let status = if *t == "Ready" || *t == "ResolvedRefs" {
                st
            } else {
                "True"
            };
            let reason = if status == "True" {
                *t
            } else {
                "SecretNotFound"
            };
            json!({"type": t, "status": status, "reason": reason, "message": format!("{t} is {status}"),
                   "lastTransitionTime": "2026-01-01T00:00:00Z"})
        })
        .collect();
    Api::<MCPServer>::namespaced(client.clone(), ns)
        .patch_status(
            name,
            &PatchParams::default(),
            &Patch::Merge(json!({"status": {"conditions": conditions}})),
        )
        .await
        .unwrap();
}

/// The controller's pod for `weather` (envFrom the Secret), with a status set as the kubelet
/// would set it.
async fn pod(n: Names, c: &Cluster, client: &Client, ns: &str, state: Value, ready: bool) {
    let (name, secret, pod) = (n.server, n.secret(), n.pod());
    c.apply(&format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {pod}\n  namespace: {ns}\n  labels: {{app.kubernetes.io/name: {name}, app.kubernetes.io/instance: {name}}}\nspec:\n  containers:\n  - name: mcp-server\n    image: weather:0.1.0\n    envFrom: [{{secretRef: {{name: {secret}}}}}]\n"
    ));
    let phase = if ready { "Running" } else { "Pending" };
    Api::<Pod>::namespaced(client.clone(), ns)
        .patch_status(
            &pod,
            &PatchParams::default(),
            &Patch::Merge(json!({"status": {"phase": phase, "containerStatuses": [{
                "name": "mcp-server", "ready": ready, "restartCount": 0, "image": "weather:0.1.0",
                "imageID": "", "state": state}]}})),
        )
        .await
        .unwrap();
}

/// An Event about the pod, as the kubelet writes it.
async fn pod_event(n: Names, client: &Client, ns: &str, reason: &str, message: &str) {
    let pod = n.pod();
    let e: Event = serde_json::from_value(json!({
        "metadata": {"name": format!("{pod}.{}", reason.to_lowercase()), "namespace": ns},
        "involvedObject": {"kind": "Pod", "name": pod, "namespace": ns, "apiVersion": "v1"},
        "reason": reason, "message": message, "type": "Warning", "count": 4,
        "source": {"component": "kubelet"},
        "firstTimestamp": "2026-01-01T00:00:00Z", "lastTimestamp": "2026-01-01T00:01:00Z"
    }))
    .unwrap();
    Api::<Event>::namespaced(client.clone(), ns)
        .create(&PostParams::default(), &e)
        .await
        .unwrap();
}

/// Runs troubleshoot with `-o json` and returns the run and the checks by id.
fn troubleshoot(dir: &std::path::Path, args: &[&str]) -> (Run, BTreeMap<String, Value>) {
    let mut argv = vec!["troubleshoot"];
    argv.extend_from_slice(args);
    argv.extend_from_slice(&["-o", "json"]);
    let run = kmcp(&argv).on(cluster()).dir(dir).run();
    let doc = run.json();
    let checks = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_str().unwrap().to_string(), c.clone()))
        .collect();
    (run, checks)
}

#[track_caller]
fn assert_check(checks: &BTreeMap<String, Value>, id: &str, status: &str, detail: &str) {
    let c = &checks[id];
    assert_eq!(c["status"], status, "check {id}: {c:#}");
    assert!(
        c["detail"].as_str().unwrap().contains(detail),
        "check {id} detail lacks {detail:?}: {c:#}"
    );
}

#[track_caller]
fn assert_hint(checks: &BTreeMap<String, Value>, id: &str, hint: &str) {
    let c = &checks[id];
    assert!(
        c["hint"].as_str().unwrap().contains(hint),
        "check {id} hint lacks {hint:?}: {c:#}"
    );
}

#[tokio::test]
async fn healthy_setup_passes_every_check() {
    let n = Names::new("ts-ok");
    let c = cluster();
    let client = admin().await;
    let ns = c.namespace("ts-ok");
    let dir = weather_project(n, &ns, API_KEY);
    create_secret(n, &client, &ns, &[("API_KEY", API_KEY), ("REGION", REGION)]).await;
    mcpserver(n, c, &client, &ns, true).await;
    pod(
        n,
        c,
        &client,
        &ns,
        json!({"running": {"startedAt": "2026-01-01T00:00:00Z"}}),
        true,
    )
    .await;

    let (run, checks) = troubleshoot(dir.path(), &["--environment", "staging"]);
    run.assert_ok().assert_no_leak(&[API_KEY, REGION]);
    let doc = run.json();
    assert_eq!(doc["server"], n.server);
    assert_eq!(doc["namespace"], ns.as_str());
    let ids: Vec<&str> = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "context",
            "crd",
            "mcpserver",
            "namespace",
            "secret",
            "keys",
            "drift",
            "can-i",
            "pods"
        ]
    );
    for check in doc["checks"].as_array().unwrap() {
        assert_eq!(check["status"], "pass", "{check:#}");
        let mut keys: Vec<&str> = check
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        keys.sort();
        assert_eq!(keys, ["detail", "hint", "id", "status"]);
    }
    assert_check(
        &checks,
        "context",
        "pass",
        &format!("namespace {ns} (kmcp.yaml)"),
    );
    assert_check(&checks, "drift", "pass", "matches");
    assert_check(&checks, "pods", "pass", "gets all 2 expected keys");

    // The table says the same, on stdout: check and result, the details below; -o wide has
    // the four columns.
    let table = kmcp(&["troubleshoot", "--environment", "staging"])
        .on(c)
        .dir(dir.path())
        .run();
    table.assert_ok().assert_no_leak(&[API_KEY, REGION]);
    let header = table.stdout.lines().next().unwrap();
    assert_eq!(header, "CHECK       RESULT");
    assert!(!table.stdout.contains("fail"), "{}", table.stdout);
    let wide = kmcp(&[
        "troubleshoot",
        "--environment",
        "staging",
        "-o",
        "wide",
        "--no-headers",
    ])
    .on(c)
    .dir(dir.path())
    .run();
    wide.assert_ok().assert_no_leak(&[API_KEY, REGION]);
    assert!(
        wide.stdout.starts_with("context     pass     context "),
        "{}",
        wide.stdout
    );
    let with_headers = kmcp(&["troubleshoot", "--environment", "staging", "-o", "wide"])
        .on(c)
        .dir(dir.path())
        .run();
    let header = with_headers.stdout.lines().next().unwrap();
    for col in ["CHECK", "RESULT", "DETAIL", "FIX"] {
        assert!(header.contains(col), "{header}");
    }

    // YAML has the same shape.
    let yaml = kmcp(&["troubleshoot", "--environment", "staging", "-o", "yaml"])
        .on(c)
        .dir(dir.path())
        .run();
    yaml.assert_ok();
    assert!(
        yaml.stdout.starts_with(&format!("server: {}", n.server)),
        "{}",
        yaml.stdout
    );
    assert!(yaml.stdout.contains("- id: context"), "{}", yaml.stdout);
}

#[tokio::test]
async fn missing_secret_is_caught_by_secret_and_by_the_pods_status_and_events() {
    let n = Names::new("ts-nosecret");
    let secret = n.secret();
    let c = cluster();
    let client = admin().await;
    let ns = c.namespace("ts-nosecret");
    let dir = weather_project(n, &ns, API_KEY);
    mcpserver(n, c, &client, &ns, false).await;
    pod(
        n,
        c,
        &client,
        &ns,
        json!({"waiting": {"reason": "CreateContainerConfigError", "message": format!("secret \"{secret}\" not found")}}),
        false,
    )
    .await;
    pod_event(
        n,
        &client,
        &ns,
        "Failed",
        &format!("Error: secret \"{secret}\" not found"),
    )
    .await;

    let (run, checks) = troubleshoot(dir.path(), &["--environment", "staging"]);
    run.assert_code(1).assert_no_leak(&[API_KEY, REGION]);
    assert_check(&checks, "mcpserver", "pass", "exists");
    assert_check(
        &checks,
        "secret",
        "fail",
        &format!("Secret {secret} not found in namespace {ns}"),
    );
    assert_hint(&checks, "secret", "kubectl kmcp secrets sync staging");
    assert_check(&checks, "keys", "skip", "");
    assert_check(&checks, "drift", "skip", "");
    assert_check(&checks, "pods", "fail", "CreateContainerConfigError");
    assert_check(
        &checks,
        "pods",
        "fail",
        &format!("event Failed (x4) on pod {}: Error: secret", n.pod()),
    );
    assert_check(
        &checks,
        "pods",
        "fail",
        "ResolvedRefs=False (SecretNotFound)",
    );
    assert_hint(&checks, "pods", "kubectl kmcp secrets sync staging");
    assert_check(&checks, "can-i", "pass", "");
}

#[tokio::test]
async fn secret_in_the_wrong_namespace_is_named() {
    let n = Names::new("ts-wrongns");
    let secret = n.secret();
    let c = cluster();
    let client = admin().await;
    let ns = c.namespace("ts-here");
    let other = c.namespace("ts-there");
    let dir = weather_project(n, &ns, API_KEY);
    create_secret(
        n,
        &client,
        &other,
        &[("API_KEY", API_KEY), ("REGION", REGION)],
    )
    .await;
    mcpserver(n, c, &client, &ns, false).await;

    let (run, checks) = troubleshoot(dir.path(), &["--environment", "staging"]);
    run.assert_code(1).assert_no_leak(&[API_KEY, REGION]);
    assert_check(
        &checks,
        "secret",
        "fail",
        &format!("exists in namespace {other}"),
    );
    assert_check(
        &checks,
        "namespace",
        "fail",
        &format!("Secret {secret} is in namespace {other}, not in {ns}"),
    );
}

#[tokio::test]
async fn server_in_another_namespace_than_kmcp_yaml_says() {
    let n = Names::new("ts-elsewhere");
    let c = cluster();
    let client = admin().await;
    let ns = c.namespace("ts-yaml");
    let actual = c.namespace("ts-actual");
    let dir = weather_project(n, &ns, API_KEY);
    create_secret(n, &client, &ns, &[("API_KEY", API_KEY), ("REGION", REGION)]).await;
    mcpserver(n, c, &client, &actual, true).await;

    let (run, checks) = troubleshoot(dir.path(), &["--environment", "staging"]);
    run.assert_code(1).assert_no_leak(&[API_KEY, REGION]);
    assert_check(
        &checks,
        "mcpserver",
        "fail",
        &format!(
            "no MCPServer {} in namespace {ns}, but one of that name exists in namespace {actual}",
            n.server
        ),
    );
    assert_hint(&checks, "mcpserver", "namespace mismatch");
    assert_check(
        &checks,
        "namespace",
        "fail",
        &format!(
            "MCPServer {} is in namespace {actual}, not in {ns}",
            n.server
        ),
    );
    assert_check(&checks, "secret", "pass", "exists");
    assert_check(&checks, "pods", "skip", "");

    // -n disagreeing with kmcp.yaml is itself a finding; kmcp.yaml's namespace is checked.
    let (run, checks) = troubleshoot(dir.path(), &["--environment", "staging", "-n", &actual]);
    run.assert_code(1);
    assert_eq!(run.json()["namespace"], ns.as_str());
    assert_check(
        &checks,
        "namespace",
        "fail",
        &format!("-n {actual} disagrees with kmcp.yaml"),
    );
}

#[tokio::test]
async fn missing_key_fails_keys_and_the_pod_environment() {
    let n = Names::new("ts-key");
    let secret = n.secret();
    let c = cluster();
    let client = admin().await;
    let ns = c.namespace("ts-key");
    let dir = project(&[
        ("kmcp.yaml", &kmcp_yaml(n, &ns)),
        (".env.example", "API_KEY=\nDB_URL=\nREGION=eu\n"),
    ]);
    create_secret(n, &client, &ns, &[("API_KEY", API_KEY), ("REGION", REGION)]).await;
    mcpserver(n, c, &client, &ns, true).await;
    pod(n, c, &client, &ns, json!({"running": {}}), true).await;

    let (run, checks) = troubleshoot(dir.path(), &["--environment", "staging"]);
    run.assert_code(1).assert_no_leak(&[API_KEY, REGION]);
    assert_check(&checks, "secret", "pass", "2 keys");
    assert_check(
        &checks,
        "keys",
        "fail",
        &format!("missing from {secret}: DB_URL"),
    );
    assert_hint(&checks, "keys", "kubectl kmcp secrets sync staging");
    // No env file in this project: drift has nothing to compare.
    assert_check(
        &checks,
        "drift",
        "skip",
        "no env file for environment staging",
    );
    assert_check(&checks, "pods", "fail", "would not get DB_URL");
}

#[tokio::test]
async fn local_file_drifted_from_the_cluster() {
    let n = Names::new("ts-drift");
    let c = cluster();
    let client = admin().await;
    let ns = c.namespace("ts-drift");
    let new_key = "sk-rotated-locally-1a2b3c4d";
    let dir = weather_project(n, &ns, new_key);
    std::fs::write(
        dir.path().join(".env.staging"),
        format!("API_KEY={new_key}\nREGION={REGION}\nEXTRA=extra-value-77\n"),
    )
    .unwrap();
    create_secret(n, &client, &ns, &[("API_KEY", API_KEY), ("REGION", REGION)]).await;
    mcpserver(n, c, &client, &ns, true).await;
    pod(n, c, &client, &ns, json!({"running": {}}), true).await;

    let (run, checks) = troubleshoot(dir.path(), &["--environment", "staging"]);
    run.assert_code(1)
        .assert_no_leak(&[API_KEY, REGION, new_key, "extra-value-77"]);
    assert_check(
        &checks,
        "drift",
        "fail",
        "only in the file (not in the cluster): EXTRA",
    );
    assert_check(&checks, "drift", "fail", "values differ: API_KEY");
    assert_hint(&checks, "drift", "kubectl kmcp secrets sync staging");
    assert_check(&checks, "keys", "pass", "");
    // Table output does not leak either.
    kmcp(&["troubleshoot", "--environment", "staging"])
        .on(c)
        .dir(dir.path())
        .run()
        .assert_code(1)
        .assert_no_leak(&[API_KEY, REGION, new_key, "extra-value-77"]);
}

#[tokio::test]
async fn user_without_rights_is_told_which_verbs_are_missing() {
    let n = Names::new("ts-rbac");
    let secret = n.secret();
    let c = cluster();
    let client = admin().await;
    let ns = c.namespace("ts-rbac");
    let dir = weather_project(n, &ns, API_KEY);
    create_secret(n, &client, &ns, &[("API_KEY", API_KEY), ("REGION", REGION)]).await;
    mcpserver(n, c, &client, &ns, true).await;
    pod(n, c, &client, &ns, json!({"running": {}}), true).await;
    // alice may read, not write: a warning, and the healthy server exits 0.
    c.grant(
        "alice",
        &ns,
        &["get", "list"],
        &["secrets", "mcpservers.kagent.dev", "pods", "events"],
    );

    let (run, checks) = troubleshoot(
        dir.path(),
        &["--environment", "staging", "--context", "alice"],
    );
    run.assert_code(0).assert_no_leak(&[API_KEY, REGION]);
    assert_check(
        &checks,
        "can-i",
        "warn",
        &format!(
            "user alice may not create secrets, patch secrets/{secret}, create mcpservers.kagent.dev, patch mcpservers.kagent.dev/{} in namespace",
            n.server
        ),
    );
    assert_check(&checks, "can-i", "warn", "read-only");
    for (id, c) in &checks {
        assert_ne!(c["status"], "fail", "{id} failed for a read-only user: {c}");
    }
    // The same as a table: the exit code and the table agree.
    let table = kmcp(&[
        "troubleshoot",
        "--environment",
        "staging",
        "--context",
        "alice",
    ])
    .on(c)
    .dir(dir.path())
    .run();
    table
        .assert_code(0)
        .assert_stdout_contains("can-i       warn");
    assert_hint(
        &checks,
        "can-i",
        &format!("kubectl auth can-i create secrets -n {ns} --context alice"),
    );
    assert_check(&checks, "secret", "pass", "exists");
    assert_check(&checks, "drift", "pass", "matches");

    // bob may do nothing: reading the Secret is refused, which is a warning with the can-i
    // line, not a crash; the rights check fails.
    let (run, checks) = troubleshoot(dir.path(), &["--environment", "staging", "--as", "bob"]);
    run.assert_code(1).assert_no_leak(&[API_KEY, REGION]);
    assert_check(&checks, "context", "pass", "user bob (flag)");
    assert_check(&checks, "mcpserver", "warn", "may not read MCPServers");
    assert_check(
        &checks,
        "secret",
        "warn",
        &format!("cannot read Secret {secret}"),
    );
    assert_hint(
        &checks,
        "secret",
        &format!("kubectl auth can-i get secrets/{secret} -n {ns}"),
    );
    assert_check(&checks, "drift", "skip", "");
    assert_check(&checks, "can-i", "fail", "user bob may not get secrets");
    // The reproduction lines ask as bob too, not as the kubeconfig's admin.
    assert_hint(
        &checks,
        "can-i",
        &format!("kubectl auth can-i get secrets/{secret} -n {ns} --context admin --as bob"),
    );
    assert_hint(&checks, "secret", "--as bob");
}

#[tokio::test]
async fn unreachable_cluster_fails_context_and_skips_the_rest() {
    let dir = project(&[]);
    let run = kmcp(&[
        "troubleshoot",
        "weather",
        "--server",
        "https://127.0.0.1:1",
        "-o",
        "json",
    ])
    .on(cluster())
    .dir(dir.path())
    .run();
    run.assert_code(1);
    let doc = run.json();
    let checks = doc["checks"].as_array().unwrap();
    assert_eq!(checks[0]["id"], "context");
    assert_eq!(checks[0]["status"], "fail");
    assert!(
        checks[0]["detail"]
            .as_str()
            .unwrap()
            .contains("cannot reach the Kubernetes API server at https://127.0.0.1:1"),
        "{doc:#}"
    );
    assert_eq!(checks.len(), 9);
    assert!(checks[1..].iter().all(|c| c["status"] == "skip"), "{doc:#}");
}

#[test]
fn without_server_or_project_it_fails_as_a_missing_kmcp_yaml() {
    let dir = project(&[]);
    // No kmcp.yaml is a failure (1) in every command, as in `secrets sync`.
    kmcp(&["troubleshoot"])
        .on(cluster())
        .dir(dir.path())
        .run()
        .assert_code(1)
        .assert_stderr_contains("no SERVER given");
    kmcp(&["troubleshoot", "weather", "-o", "name"])
        .on(cluster())
        .dir(dir.path())
        .run()
        .assert_code(2)
        .assert_stderr_contains("[possible values: table, wide, json, yaml]");
}

#[tokio::test]
async fn a_non_ascii_hash_annotation_is_reported_not_a_crash() {
    // Anyone who may edit the Secret can write any text into the annotation.
    let n = Names::new("ts-utf8");
    let c = cluster();
    let client = admin().await;
    let ns = c.namespace("ts-utf8");
    let dir = weather_project(n, &ns, API_KEY);
    create_secret(n, &client, &ns, &[("API_KEY", API_KEY), ("REGION", REGION)]).await;
    c.kubectl(&[
        "annotate",
        "secret",
        &n.secret(),
        "-n",
        &ns,
        "--overwrite",
        &format!("{HASH_ANNOTATION}=aééééééééééééé€€"),
    ]);
    mcpserver(n, c, &client, &ns, true).await;
    pod(n, c, &client, &ns, json!({"running": {}}), true).await;

    let (run, checks) = troubleshoot(dir.path(), &["--environment", "staging"]);
    run.assert_ok().assert_no_leak(&[API_KEY, REGION]);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert_check(
        &checks,
        "drift",
        "warn",
        "(aééééééééééé) does not match its data",
    );
    // The table too (it lays the text out in columns, by width).
    let table = kmcp(&["troubleshoot", "--environment", "staging"])
        .on(c)
        .dir(dir.path())
        .run();
    table.assert_ok().assert_stdout_contains("aééééééééééé");
}

#[tokio::test]
async fn a_rotated_value_on_the_same_keys_is_drift() {
    // Planted bug of issue #19: drift comparing key names only would pass this.
    let n = Names::new("ts-rotate");
    let c = cluster();
    let client = admin().await;
    let ns = c.namespace("ts-rotate");
    let rotated = "sk-rotated-same-keys-5e6f7a8b";
    let dir = weather_project(n, &ns, rotated);
    create_secret(n, &client, &ns, &[("API_KEY", API_KEY), ("REGION", REGION)]).await;
    mcpserver(n, c, &client, &ns, true).await;
    pod(n, c, &client, &ns, json!({"running": {}}), true).await;

    let (run, checks) = troubleshoot(dir.path(), &["--environment", "staging"]);
    run.assert_code(1)
        .assert_no_leak(&[API_KEY, REGION, rotated]);
    assert_check(&checks, "drift", "fail", "values differ: API_KEY");
    let detail = checks["drift"]["detail"].as_str().unwrap();
    assert!(!detail.contains("only in"), "{detail}");
    assert_check(&checks, "keys", "pass", "");
}

#[tokio::test]
async fn a_container_in_create_container_config_error_fails_without_any_other_sign() {
    // Planted bug of issue #19: no Failed event, every controller condition True (ResolvedRefs
    // too): only the container's waiting state shows the problem, and it must fail the check.
    let n = Names::new("ts-ccce");
    let c = cluster();
    let client = admin().await;
    let ns = c.namespace("ts-ccce");
    let dir = weather_project(n, &ns, API_KEY);
    create_secret(n, &client, &ns, &[("API_KEY", API_KEY), ("REGION", REGION)]).await;
    mcpserver(n, c, &client, &ns, true).await;
    pod(
        n,
        c,
        &client,
        &ns,
        json!({"waiting": {"reason": "CreateContainerConfigError",
                           "message": "couldn't find key DB_URL in Secret"}}),
        false,
    )
    .await;

    let (run, checks) = troubleshoot(dir.path(), &["--environment", "staging"]);
    run.assert_code(1).assert_no_leak(&[API_KEY, REGION]);
    assert_check(&checks, "mcpserver", "pass", "");
    assert_check(&checks, "pods", "fail", "CreateContainerConfigError");
    let pods = checks["pods"]["detail"].as_str().unwrap();
    assert!(!pods.contains("event"), "{pods}");
}
