//! The shared core against the real API server: the typed MCPServer model and access checks.
use kube::api::{Api, Patch, PatchParams};
use kubectl_kmcp::client::access::{can_i_all, can_i_command};
use kubectl_kmcp::core::mcpserver::{self, LocalRef, MCPServer};
use kubectl_kmcp::core::rbac::Question;

use crate::harness::cluster;

async fn connect(extra: &[&str]) -> kubectl_kmcp::client::Connection {
    let kc = cluster().kubeconfig.display().to_string();
    let mut argv = vec!["kubectl-kmcp", "--kubeconfig", kc.as_str()];
    argv.extend_from_slice(extra);
    argv.push("version");
    kubectl_kmcp::cli::try_parse_from(argv)
        .unwrap()
        .global
        .connect()
        .await
        .unwrap()
}

#[tokio::test]
async fn typed_mcpserver_applies_and_reads_back_and_the_server_prunes_doc_only_fields() {
    let c = cluster();
    let ns = c.namespace("model");
    let conn = connect(&["-n", &ns]).await;
    let api: Api<MCPServer> = Api::namespaced(conn.client.clone(), &ns);
    let mut server = MCPServer::default();
    server.metadata.name = Some("weather".into());
    server.spec.transport_type = Some("stdio".into());
    server.spec.stdio_transport = Some(Default::default());
    server.spec.deployment.image = Some("weather:0.1.0".into());
    server.spec.deployment.secret_refs = vec![LocalRef {
        name: "weather-secrets".into(),
    }];
    let mut manifest = server.to_manifest();
    manifest["metadata"]["namespace"] = ns.clone().into();
    api.patch(
        "weather",
        &PatchParams::apply("kubectl-kmcp-test"),
        &Patch::Apply(&manifest),
    )
    .await
    .unwrap();

    // A field of the upstream docs that the real CRD does not have: server-side apply refuses it
    // outright, a merge patch has it pruned silently. Either way it never reaches the controller.
    let mut with_doc_field = manifest.clone();
    with_doc_field["spec"]["deployment"]["envFrom"] =
        serde_json::json!([{"secretRef": {"name": "x"}}]);
    let err = api
        .patch(
            "weather",
            &PatchParams::apply("kubectl-kmcp-test"),
            &Patch::Apply(&with_doc_field),
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("envFrom: field not declared in schema"),
        "{err}"
    );
    let merge =
        serde_json::json!({"spec": {"deployment": {"envFrom": [{"secretRef": {"name": "x"}}]}}});
    api.patch("weather", &PatchParams::default(), &Patch::Merge(&merge))
        .await
        .unwrap();

    let back = api.get("weather").await.unwrap();
    assert_eq!(back.spec.deployment.image.as_deref(), Some("weather:0.1.0"));
    assert_eq!(back.spec.deployment.port, Some(3000), "the CRD's default");
    assert!(
        !back.spec.deployment.other.contains_key("envFrom"),
        "pruned by the server"
    );
    let refs = mcpserver::references(&serde_json::to_value(&back).unwrap());
    assert_eq!(refs.len(), 1);
    assert_eq!(refs[0].secret, "weather-secrets");
}

#[tokio::test]
async fn access_checks_answer_per_user_and_namespace() {
    let c = cluster();
    let ns = c.namespace("access");
    c.grant("alice", &ns, &["get", "list"], &["secrets"]);
    let questions = vec![
        Question::new("get", "", "secrets", Some(&ns)),
        Question::new("patch", "", "secrets", Some(&ns)),
        Question::new("create", mcpserver::GROUP, mcpserver::PLURAL, Some(&ns)),
    ];
    let admin = can_i_all(&connect(&[]).await, &questions).await.unwrap();
    assert!(admin.iter().all(|a| a.allowed), "{admin:?}");
    let alice_conn = connect(&["--context", "alice"]).await;
    let alice = can_i_all(&alice_conn, &questions).await.unwrap();
    assert_eq!(
        alice.iter().map(|a| a.allowed).collect::<Vec<_>>(),
        [true, false, false]
    );
    assert_eq!(
        can_i_command(&alice_conn, &alice[2].question),
        format!("kubectl auth can-i create mcpservers.kagent.dev -n {ns} --context alice")
    );
    let as_bob = can_i_all(&connect(&["--as", "bob"]).await, &questions)
        .await
        .unwrap();
    assert!(as_bob.iter().all(|a| !a.allowed), "{as_bob:?}");
}
