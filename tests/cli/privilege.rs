//! Least privilege (issue 16) for `troubleshoot`, `secrets status` and `secrets sync --restart`,
//! against the real API server with real RBAC users: a user who may only `get` (and, for sync,
//! `patch`) the referenced Secrets by name (a Role with `resourceNames`, no `list secrets`) gets
//! the same result as the admin; the request log at `-v=6` shows that no other Secret is read;
//! and a list that is forbidden is skipped with a warning that names the right, not a crash.
use serde_json::Value;

use crate::harness::{Cluster, Run, cluster, kmcp, project};

const VALUE: &str = "privilege-api-key-4471";
const OTHER_VALUE: &str = "privilege-unrelated-9902";
const NEW_VALUE: &str = "privilege-rotated-5518";

/// A Role allowing `verbs` on the Secrets `names` only, bound to `user`.
fn grant_secrets_by_name(c: &Cluster, user: &str, ns: &str, verbs: &[&str], names: &[&str]) {
    grant_by_name(c, user, ns, ("", "secrets"), verbs, names);
}

/// A Role allowing `verbs` on the objects `names` of `(group, resource)` only, bound to `user`.
fn grant_by_name(
    c: &Cluster,
    user: &str,
    ns: &str,
    (group, resource): (&str, &str),
    verbs: &[&str],
    names: &[&str],
) {
    let role = format!("{user}-{resource}");
    c.apply(&format!(
        "apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {{name: {role}, namespace: {ns}}}
rules:
- apiGroups: ['{group}']
  resources: [{resource}]
  resourceNames: [{}]
  verbs: [{}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {{name: {role}, namespace: {ns}}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: {role}}}
subjects: [{{apiGroup: rbac.authorization.k8s.io, kind: User, name: {user}}}]
",
        names.join(", "),
        verbs.join(", ")
    ));
    let qualified = if group.is_empty() {
        resource.to_string()
    } else {
        format!("{resource}.{group}")
    };
    for name in names {
        wait_allowed(c, user, ns, verbs[0], &format!("{qualified}/{name}"));
    }
}

/// Waits until the API server's authorizer has seen a new Role (its cache lags the write).
fn wait_allowed(c: &Cluster, user: &str, ns: &str, verb: &str, resource: &str) {
    for _ in 0..100 {
        let out = c.kubectl_with(
            &["auth", "can-i", verb, resource, "-n", ns, "--as", user],
            None,
        );
        if out.status.success() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("{user} never got {verb} {resource} in {ns}");
}

/// The request lines of a `-v=6` run that touch Secrets: `(method, path without the server)`.
fn secret_requests(run: &Run) -> Vec<(String, String)> {
    run.stderr
        .lines()
        .filter_map(|l| {
            let rest = l.trim_start_matches("DEBUG ").trim();
            let (method, url) = rest.split_once(' ')?;
            if !matches!(method, "GET" | "POST" | "PATCH" | "PUT" | "DELETE") {
                return None;
            }
            let path = url
                .split_once("://")
                .map_or(url, |(_, p)| p.split_once('/').map_or("", |(_, path)| path));
            path.contains("/secrets")
                .then(|| (method.to_string(), format!("/{path}")))
        })
        .collect()
}

/// Every Secret request is a request by name for one of `names` in `ns` (no list, no other
/// Secret): `(method, name)` of each.
#[track_caller]
fn only_by_name(run: &Run, ns: &str, names: &[&str]) -> Vec<(String, String)> {
    let requests = secret_requests(run);
    assert!(
        !requests.is_empty(),
        "no request log at -v=6:\n{}",
        run.stderr
    );
    let prefix = format!("/api/v1/namespaces/{ns}/secrets/");
    requests
        .iter()
        .map(|(method, path)| {
            let name = path
                .strip_prefix(&prefix)
                .map(|n| n.split('?').next().unwrap_or_default())
                .unwrap_or_else(|| panic!("not a request by name in {ns}: {method} {path}"));
            assert!(
                names.contains(&name),
                "read a Secret that is not referenced: {method} {path}"
            );
            (method.clone(), name.to_string())
        })
        .collect()
}

fn kmcp_yaml(server: &str, envs: &[(&str, &str, &str)]) -> String {
    let mut out = format!("name: {server}\nframework: fastmcp-python\nsecrets:\n");
    for (env, secret, ns) in envs {
        out.push_str(&format!(
            "  {env}:\n    enabled: true\n    provider: kubernetes\n    secretName: {secret}\n    namespace: {ns}\n"
        ));
    }
    out
}

fn mcpserver(name: &str, ns: &str, secret: &str) -> String {
    format!(
        "apiVersion: kagent.dev/v1alpha1\nkind: MCPServer\nmetadata: {{name: {name}, namespace: {ns}}}\nspec:\n  transportType: stdio\n  stdioTransport: {{}}\n  deployment:\n    image: weather:0.1.0\n    secretRefs: [{{name: {secret}}}]\n"
    )
}

/// An unrelated Secret with a value, in the same namespace: it must never be read.
fn unrelated_secret(c: &Cluster, ns: &str) {
    c.kubectl(&[
        "create",
        "secret",
        "generic",
        "unrelated-app-secret",
        "-n",
        ns,
        &format!("--from-literal=TOKEN={OTHER_VALUE}"),
    ]);
}

/// The (`a`, `b`) string fields of each object of a JSON array.
fn pairs(rows: &Value, a: &str, b: &str) -> Vec<(String, String)> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row[a].as_str().unwrap().to_string(),
                row[b].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn checks(run: &Run) -> Vec<(String, String)> {
    pairs(&run.json()["checks"], "id", "status")
}

fn check<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id}: {doc:#}"))
}

#[test]
fn troubleshoot_with_get_on_its_secret_only_is_complete_and_reads_no_other_secret() {
    let c = cluster();
    let ns = c.namespace("priv-ts");
    let (server, secret) = ("weather", "weather-secrets");
    let dir = project(&[
        ("kmcp.yaml", &kmcp_yaml(server, &[("staging", secret, &ns)])),
        (".env.staging", &format!("API_KEY={VALUE}\n")),
    ]);
    kmcp(&["secrets", "sync", "staging"])
        .on(c)
        .dir(dir.path())
        .run()
        .assert_ok();
    unrelated_secret(c, &ns);
    c.apply(&mcpserver(server, &ns, secret));

    // The server and its Secret by name only.
    let user = format!("ts-reader-{ns}");
    grant_by_name(
        c,
        &user,
        &ns,
        ("kagent.dev", "mcpservers"),
        &["get"],
        &[server],
    );
    c.grant(&user, &ns, &["list"], &["pods", "events"]);
    grant_secrets_by_name(c, &user, &ns, &["get"], &[secret]);

    let args = ["troubleshoot", "-e", "staging", "-o", "json"];
    let admin = kmcp(&args).on(c).dir(dir.path()).run();
    let mut as_user = args.to_vec();
    as_user.extend(["--as", &user, "-v", "6"]);
    let run = kmcp(&as_user).on(c).dir(dir.path()).run();
    // Healthy but for the missing pods (no controller here): the same verdict as the admin's,
    // check by check, except can-i, which is a warning (read-only), not a failure.
    run.assert_no_leak(&[VALUE, OTHER_VALUE]);
    admin.assert_no_leak(&[VALUE, OTHER_VALUE]);
    assert_eq!(run.code, admin.code, "{}\n{}", run.stdout, run.stderr);
    let (theirs, mine) = (checks(&admin), checks(&run));
    for ((id, a), (id2, u)) in theirs.iter().zip(&mine) {
        assert_eq!(id, id2);
        if id != "can-i" {
            assert_eq!(a, u, "check {id}: admin {a}, user {u}\n{}", run.stdout);
        }
    }
    let doc = run.json();
    for id in ["secret", "drift", "keys"] {
        if let Some(c) = doc["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
        {
            assert_ne!(c["status"], "fail", "{c:#}");
            assert!(
                !c["detail"].as_str().unwrap().contains("forbidden"),
                "{c:#}"
            );
        }
    }
    let can_i = check(&doc, "can-i");
    assert_eq!(can_i["status"], "warn", "{can_i:#}");
    let detail = can_i["detail"].as_str().unwrap();
    // The rights it used, asked by name: `get secrets/weather-secrets` is allowed, so it is not
    // among the missing ones; the writes are.
    assert!(detail.contains("read-only"), "{detail}");
    assert!(
        detail.contains(&format!("patch secrets/{secret}")),
        "{detail}"
    );
    assert!(!detail.contains("get secrets"), "{detail}");
    // The requests: one GET of the referenced Secret, nothing else of any Secret.
    let reads = only_by_name(&run, &ns, &[secret]);
    assert_eq!(reads, [("GET".to_string(), secret.to_string())]);

    // Without `list events`: the rest is complete, the can-i check says what was skipped.
    let quiet = format!("ts-noevents-{ns}");
    c.grant(&quiet, &ns, &["get"], &["mcpservers.kagent.dev"]);
    c.grant(&quiet, &ns, &["list"], &["pods"]);
    grant_secrets_by_name(c, &quiet, &ns, &["get"], &[secret]);
    let mut as_quiet = args.to_vec();
    as_quiet.extend(["--as", &quiet]);
    let run = kmcp(&as_quiet).on(c).dir(dir.path()).run();
    assert_eq!(run.code, admin.code, "{}\n{}", run.stdout, run.stderr);
    let doc = run.json();
    let can_i = check(&doc, "can-i");
    assert_eq!(can_i["status"], "warn", "{can_i:#}");
    let detail = can_i["detail"].as_str().unwrap();
    assert!(detail.contains("list events"), "{detail}");
    assert!(
        detail.contains("skipped: the events of the server and its pods"),
        "{detail}"
    );
    assert!(
        can_i["hint"].as_str().unwrap().contains(&format!(
            "kubectl auth can-i list events -n {ns} --context admin --as {quiet}"
        )),
        "{can_i:#}"
    );
}

#[test]
fn status_with_get_on_the_named_secrets_only_is_complete_and_reads_no_other_secret() {
    let c = cluster();
    let ns = c.namespace("priv-status");
    let dir = project(&[
        (
            "kmcp.yaml",
            &kmcp_yaml(
                "weather",
                &[
                    ("staging", "weather-staging", &ns),
                    ("canary", "weather-canary", &ns),
                ],
            ),
        ),
        (".env.staging", &format!("API_KEY={VALUE}\n")),
        (".env.canary", &format!("API_KEY={VALUE}\n")),
    ]);
    for env in ["staging", "canary"] {
        kmcp(&["secrets", "sync", env])
            .on(c)
            .dir(dir.path())
            .run()
            .assert_ok();
    }
    unrelated_secret(c, &ns);
    c.apply(&mcpserver("weather", &ns, "weather-staging"));
    let user = format!("status-reader-{ns}");
    c.grant(&user, &ns, &["list"], &["mcpservers.kagent.dev", "pods"]);
    grant_secrets_by_name(
        c,
        &user,
        &ns,
        &["get"],
        &["weather-staging", "weather-canary"],
    );

    let admin = kmcp(&["secrets", "status", "-o", "json"])
        .on(c)
        .dir(dir.path())
        .run();
    admin.assert_ok();
    let run = kmcp(&["secrets", "status", "-o", "json", "--as", &user, "-v", "6"])
        .on(c)
        .dir(dir.path())
        .run();
    run.assert_ok().assert_no_leak(&[VALUE, OTHER_VALUE]);
    let rows = |r: &Run| pairs(&r.json(), "environment", "state");
    assert_eq!(rows(&run), rows(&admin));
    assert!(
        rows(&run).iter().all(|(_, s)| s == "in-sync"),
        "{}",
        run.stdout
    );
    let mut reads = only_by_name(&run, &ns, &["weather-staging", "weather-canary"]);
    reads.sort();
    assert_eq!(
        reads,
        [
            ("GET".to_string(), "weather-canary".to_string()),
            ("GET".to_string(), "weather-staging".to_string())
        ]
    );

    // Without `list pods`: still in sync (the keys are compared); each row says that stale pods
    // were not looked for, and which right was missing.
    let nopods = format!("status-nopods-{ns}");
    c.grant(&nopods, &ns, &["list"], &["mcpservers.kagent.dev"]);
    grant_secrets_by_name(
        c,
        &nopods,
        &ns,
        &["get"],
        &["weather-staging", "weather-canary"],
    );
    let run = kmcp(&["secrets", "status", "-o", "json", "--as", &nopods])
        .on(c)
        .dir(dir.path())
        .run();
    run.assert_ok();
    for row in run.json().as_array().unwrap() {
        assert_eq!(row["state"], "in-sync", "{row:#}");
        let details: Vec<&str> = row["details"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(
            details
                .iter()
                .any(|d| d.contains("cannot tell whether pods are stale")
                    && d.contains("cannot list pods")
                    && d.contains(&format!(
                        "kubectl auth can-i list pods -n {ns} --context admin --as {nopods}"
                    ))),
            "{details:#?}"
        );
    }
}

#[test]
fn sync_restart_with_get_and_patch_on_its_secret_only_is_complete_and_warns_on_a_forbidden_list() {
    let c = cluster();
    let ns = c.namespace("priv-restart");
    let secret = "weather-secrets";
    let dir = project(&[
        (
            "kmcp.yaml",
            &kmcp_yaml("weather", &[("staging", secret, &ns)]),
        ),
        (".env.staging", &format!("API_KEY={VALUE}\n")),
    ]);
    kmcp(&["secrets", "sync", "staging"])
        .on(c)
        .dir(dir.path())
        .run()
        .assert_ok();
    unrelated_secret(c, &ns);
    c.apply(&format!(
        "{}---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: worker, namespace: {ns}}}\nspec:\n  selector: {{matchLabels: {{app: worker}}}}\n  template:\n    metadata: {{labels: {{app: worker}}}}\n    spec:\n      containers:\n      - name: w\n        image: worker:1\n        envFrom: [{{secretRef: {{name: {secret}}}}}]\n",
        mcpserver("weather", &ns, secret)
    ));
    let user = format!("syncer-{ns}");
    c.grant(
        &user,
        &ns,
        &["list", "patch"],
        &["mcpservers.kagent.dev", "deployments.apps"],
    );
    grant_secrets_by_name(c, &user, &ns, &["get", "patch"], &[secret]);

    std::fs::write(
        dir.path().join(".env.staging"),
        format!("API_KEY={NEW_VALUE}\n"),
    )
    .unwrap();
    let run = kmcp(&[
        "secrets",
        "sync",
        "staging",
        "--restart",
        "--as",
        &user,
        "-v",
        "6",
    ])
    .on(c)
    .dir(dir.path())
    .run();
    run.assert_ok()
        .assert_stdout_contains("mcpserver.kagent.dev/weather restarted")
        .assert_stdout_contains("deployment.apps/worker restarted")
        .assert_no_leak(&[VALUE, NEW_VALUE, OTHER_VALUE]);
    // A get, then the server-side dry run and the write (both patches): the referenced Secret only.
    let requests = only_by_name(&run, &ns, &[secret]);
    assert_eq!(requests[0], ("GET".to_string(), secret.to_string()));
    assert!(
        requests[1..].iter().all(|(m, _)| m == "PATCH"),
        "{requests:?}"
    );
    let hash = c.get_json("secret", secret, &ns).unwrap()["metadata"]["annotations"]
        ["kmcp.dev/secret-hash"]
        .clone();
    let dep = c.get_json("deployment", "worker", &ns).unwrap();
    assert_eq!(
        dep["spec"]["template"]["metadata"]["annotations"]["kmcp.dev/secret-hash"],
        hash
    );

    // Without `list deployments`: the Secret is synced, the MCPServer rolled, the Deployments
    // skipped with a warning naming the right; exit 1 (not everything asked for was done).
    let partial = format!("syncer-nodeploy-{ns}");
    c.grant(
        &partial,
        &ns,
        &["list", "patch"],
        &["mcpservers.kagent.dev"],
    );
    grant_secrets_by_name(c, &partial, &ns, &["get", "patch"], &[secret]);
    std::fs::write(
        dir.path().join(".env.staging"),
        format!("API_KEY={VALUE}\n"),
    )
    .unwrap();
    let run = kmcp(&["secrets", "sync", "staging", "--restart", "--as", &partial])
        .on(c)
        .dir(dir.path())
        .run();
    run.assert_code(1)
        .assert_stdout_contains("secret/weather-secrets configured")
        .assert_stdout_contains("mcpserver.kagent.dev/weather restarted")
        .assert_stderr_says("warning: the Secret is synced, but --restart skipped a part: Deployments that read secret weather-secrets were not restarted: you may not list deployments.apps in namespace")
        .assert_stderr_contains(&format!(
            "`kubectl auth can-i list deployments.apps -n {ns} --context admin --as {partial}`"
        ))
        .assert_no_leak(&[VALUE, NEW_VALUE, OTHER_VALUE]);
    assert!(
        !run.stdout.contains("deployment.apps/worker"),
        "{}",
        run.stdout
    );
    let synced = c.get_json("secret", secret, &ns).unwrap();
    assert_ne!(
        synced["metadata"]["annotations"]["kmcp.dev/secret-hash"],
        hash
    );
    let dep = c.get_json("deployment", "worker", &ns).unwrap();
    assert_eq!(
        dep["spec"]["template"]["metadata"]["annotations"]["kmcp.dev/secret-hash"], hash,
        "the Deployment was not touched"
    );
}
