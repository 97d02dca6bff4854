//! The findings' unit tests.
use super::*;
use serde_json::json;

fn info(keys: &[&str], managed: bool) -> SecretState {
    SecretState::Present(SecretInfo {
        keys: keys.iter().map(|k| k.to_string()).collect(),
        managed_by: managed.then(|| MANAGER.to_string()),
        secret_type: keys
            .contains(&".dockerconfigjson")
            .then(|| DOCKER_CONFIG_JSON.to_string()),
        ..Default::default()
    })
}

fn server(ns: &str, name: &str, deployment: serde_json::Value) -> Server {
    Server::from_json(&json!({
        "metadata": {"namespace": ns, "name": name},
        "spec": {"deployment": deployment}
    }))
}

fn one(servers: &[Server], secrets: &Secrets, project: &ProjectContext) -> Finding {
    let f = evaluate(servers, secrets, project);
    assert_eq!(f.len(), 1, "{f:#?}");
    f.into_iter().next().unwrap()
}

#[test]
fn ok_when_the_secret_exists_and_is_managed() {
    let s = [server(
        "a",
        "web",
        json!({"secretRefs": [{"name": "web-secrets"}]}),
    )];
    let mut secrets = Secrets::default();
    secrets.insert("a", "web-secrets", info(&["API_KEY"], true));
    let f = one(&s, &secrets, &ProjectContext::default());
    assert_eq!(
        (f.status, f.severity, f.key.as_deref()),
        (Status::Ok, Severity::Ok, None)
    );
    assert_eq!(f.via, "spec.deployment.secretRefs[0]");
    assert_eq!(f.message, "managed by kubectl-kmcp");
}

#[test]
fn unmanaged_secret_is_ok_with_a_warning() {
    let s = [server(
        "a",
        "web",
        json!({"imagePullSecrets": [{"name": "regcred"}]}),
    )];
    let mut secrets = Secrets::default();
    secrets.insert("a", "regcred", info(&[".dockerconfigjson"], false));
    let f = one(&s, &secrets, &ProjectContext::default());
    assert_eq!((f.status, f.severity), (Status::Ok, Severity::Warning));
    assert!(f.message.contains("no tool manages it"), "{}", f.message);
}

#[test]
fn missing_secret_is_an_error_with_the_sync_command() {
    let s = [server(
        "a",
        "web",
        json!({"secretRefs": [{"name": "web-secrets"}]}),
    )];
    let mut secrets = Secrets::default();
    secrets.insert("a", "web-secrets", SecretState::Absent);
    let project = ProjectContext {
        secrets: vec![ProjectSecret {
            environment: "staging".into(),
            secret: "web-secrets".into(),
            namespace: Some("a".into()),
            line: 0,
        }],
        ..Default::default()
    };
    let f = one(&s, &secrets, &project);
    assert_eq!(
        (f.status, f.severity),
        (Status::MissingSecret, Severity::Error)
    );
    assert!(
        f.message.contains("`kubectl kmcp secrets sync staging`"),
        "{}",
        f.message
    );
}

#[test]
fn optional_references_to_missing_things_are_ok_with_a_note() {
    // The doc-only forms (envFrom, env[].valueFrom.secretKeyRef) that the real CRD prunes.
    let s = [server(
        "a",
        "web",
        json!({
            "envFrom": [{"secretRef": {"name": "gone", "optional": true}}],
            "env": [{"name": "T", "valueFrom": {"secretKeyRef": {"name": "s", "key": "token", "optional": true}}}]
        }),
    )];
    let mut secrets = Secrets::default();
    secrets.insert("a", "gone", SecretState::Absent);
    secrets.insert("a", "s", info(&["other"], true));
    let f = evaluate(&s, &secrets, &ProjectContext::default());
    assert_eq!(f.len(), 2);
    assert!(
        f.iter()
            .all(|f| f.status == Status::Ok && f.severity == Severity::Ok)
    );
    assert!(f[0].message.contains("optional"), "{}", f[0].message);
    assert_eq!(f[0].via, "spec.deployment.envFrom[0].secretRef");
    assert_eq!(f[1].key.as_deref(), Some("token"));
    assert!(f[1].message.contains("optional"), "{}", f[1].message);
}

#[test]
fn missing_key_of_a_secret_key_ref() {
    let s = [server(
        "a",
        "web",
        json!({"env": [{"name": "T", "valueFrom": {"secretKeyRef": {"name": "s", "key": "token"}}}]}),
    )];
    let mut secrets = Secrets::default();
    secrets.insert("a", "s", info(&["other"], true));
    let f = one(&s, &secrets, &ProjectContext::default());
    assert_eq!(
        (f.status, f.severity, f.key.as_deref()),
        (Status::MissingKey, Severity::Error, Some("token"))
    );
    assert_eq!(f.via, "spec.deployment.env[0](T).valueFrom.secretKeyRef");
    // Present key: ok.
    secrets.insert("a", "s", info(&["token"], true));
    assert_eq!(
        one(&s, &secrets, &ProjectContext::default()).status,
        Status::Ok
    );
}

#[test]
fn missing_required_keys_of_env_example_one_finding_each() {
    let s = [server(
        "a",
        "web",
        json!({"secretRefs": [{"name": "web-secrets"}], "imagePullSecrets": [{"name": "regcred"}]}),
    )];
    let mut secrets = Secrets::default();
    secrets.insert("a", "web-secrets", info(&["A"], true));
    secrets.insert("a", "regcred", info(&[".dockerconfigjson"], true));
    let project = ProjectContext {
        manifest: None,
        required: vec!["A".into(), "B".into(), "C".into()],
        example_path: Some("/p/.env.example".into()),
        secrets: vec![],
    };
    let f = evaluate(&s, &secrets, &project);
    let got: Vec<(&str, Option<&str>, Status)> = f
        .iter()
        .map(|f| (f.secret.as_str(), f.key.as_deref(), f.status))
        .collect();
    // The image pull Secret is not an env reference: the example does not apply to it.
    assert_eq!(
        got,
        [
            ("web-secrets", Some("B"), Status::MissingKey),
            ("web-secrets", Some("C"), Status::MissingKey),
            ("regcred", None, Status::Ok)
        ]
    );
    assert!(
        f[0].message.contains("/p/.env.example requires"),
        "{}",
        f[0].message
    );
    // With kmcp.yaml naming another Secret, the example does not apply to web-secrets.
    let scoped = ProjectContext {
        secrets: vec![ProjectSecret {
            environment: "staging".into(),
            secret: "other".into(),
            namespace: None,
            line: 0,
        }],
        ..project
    };
    let f = evaluate(&s, &secrets, &scoped);
    assert!(f.iter().all(|f| f.status == Status::Ok), "{f:#?}");
}

#[test]
fn namespace_mismatch_when_the_secret_lives_elsewhere() {
    let s = [server(
        "prod",
        "web",
        json!({"secretRefs": [{"name": "web-secrets"}]}),
    )];
    let mut secrets = Secrets::default();
    secrets.insert("prod", "web-secrets", SecretState::Absent);
    secrets.insert("staging", "web-secrets", info(&["A"], true));
    let f = one(&s, &secrets, &ProjectContext::default());
    assert_eq!(
        (f.status, f.severity),
        (Status::NamespaceMismatch, Severity::Error)
    );
    assert!(f.message.contains("exists in \"staging\""), "{}", f.message);
}

#[test]
fn namespace_mismatch_when_kmcp_yaml_syncs_into_another_namespace() {
    let s = [server(
        "prod",
        "web",
        json!({"secretRefs": [{"name": "web-secrets"}]}),
    )];
    let mut secrets = Secrets::default();
    secrets.insert("prod", "web-secrets", info(&["A"], false));
    let envs = |ns: Option<&str>| ProjectContext {
        secrets: vec![ProjectSecret {
            environment: "staging".into(),
            secret: "web-secrets".into(),
            namespace: ns.map(str::to_string),
            line: 0,
        }],
        ..Default::default()
    };
    let f = one(&s, &secrets, &envs(Some("staging")));
    assert_eq!(
        (f.status, f.severity),
        (Status::NamespaceMismatch, Severity::Error)
    );
    assert!(f.message.contains("namespace: prod"), "{}", f.message);
    // An environment without a namespace, or with the server's, is no mismatch.
    assert_eq!(one(&s, &secrets, &envs(None)).status, Status::Ok);
    assert_eq!(one(&s, &secrets, &envs(Some("prod"))).status, Status::Ok);
}

#[test]
fn forbidden_is_a_warning_that_names_the_check() {
    let s = [server(
        "a",
        "web",
        json!({"volumes": [{"name": "v", "secret": {"secretName": "tls", "items": [{"key": "tls.crt", "path": "c"}]}}]}),
    )];
    let mut secrets = Secrets::default();
    secrets.insert(
        "a",
        "tls",
        SecretState::Forbidden {
            check: "kubectl auth can-i get secrets -n a".into(),
        },
    );
    let f = one(&s, &secrets, &ProjectContext::default());
    assert_eq!(
        (f.status, f.severity, f.key.as_deref()),
        (Status::Forbidden, Severity::Warning, Some("tls.crt"))
    );
    assert!(f.message.contains("kubectl auth can-i get secrets -n a"));
    assert!(!fails(f.severity, Some(Severity::Error)));
    assert!(fails(f.severity, Some(Severity::Warning)));
    assert!(!fails(f.severity, None));
}

#[test]
fn json_fields_are_the_contract() {
    let s = [server("a", "web", json!({"secretRefs": [{"name": "x"}]}))];
    let mut secrets = Secrets::default();
    secrets.insert("a", "x", SecretState::Absent);
    let f = evaluate(&s, &secrets, &ProjectContext::default());
    let v = serde_json::to_value(&f[0]).unwrap();
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
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
    assert_eq!(v["key"], serde_json::Value::Null);
    assert_eq!(v["status"], "missing-secret");
    assert_eq!(v["severity"], "error");
    let summary = Summary::of(&s, &f, &[]);
    assert_eq!(
        (
            summary.servers,
            summary.references,
            summary.secrets,
            summary.errors
        ),
        (1, 1, 1, 1)
    );
    assert_eq!(summary.worst(), Severity::Error);
}

fn parse_secret(v: serde_json::Value) -> SecretInfo {
    serde_json::from_value::<RawSecret>(v).unwrap().info()
}

#[test]
fn secret_info_keeps_key_names_and_metadata_only() {
    let v = json!({
        "type": "Opaque",
        "metadata": {
            "name": "s", "creationTimestamp": "2026-01-01T00:00:00Z",
            "labels": {"app.kubernetes.io/managed-by": "kubectl-kmcp"},
            "managedFields": [
                {"manager": "kubectl-kmcp", "time": "2026-01-02T00:00:00Z"},
                {"manager": "kubectl-edit", "time": "2026-01-03T00:00:00Z"}
            ]
        },
        "data": {"API_KEY": "c2VjcmV0"}
    });
    let i = parse_secret(v);
    assert_eq!(i.keys.iter().collect::<Vec<_>>(), ["API_KEY"]);
    assert!(!format!("{i:?}").contains("c2VjcmV0"), "no value is kept");
    assert_eq!(i.tool(), Some("kubectl-kmcp"));
    assert_eq!(i.last_change.as_deref(), Some("2026-01-03T00:00:00Z"));
    let owned = parse_secret(json!({"metadata": {
        "ownerReferences": [{"kind": "ExternalSecret", "controller": true}],
        "creationTimestamp": "2026-01-01T00:00:00Z",
        "managedFields": [{"manager": "external-secrets"}]
    }}));
    assert_eq!(owned.tool(), Some("ExternalSecret"));
    assert_eq!(owned.last_change.as_deref(), Some("2026-01-01T00:00:00Z"));
    let by_hand = parse_secret(json!({"metadata": {
        "managedFields": [{"manager": "kubectl-create", "time": "2026-01-01T00:00:00Z"}]
    }}));
    assert_eq!(by_hand.tool(), None);
    assert_eq!(by_hand.manager(), Some("kubectl-create"));
    let sa = parse_secret(json!({"type": "kubernetes.io/service-account-token", "metadata": {}}));
    assert_eq!(sa.tool(), Some("service-account-token"));
}

#[test]
fn every_reference_form_is_evaluated_with_its_via() {
    let v = json!({
        "metadata": {"namespace": "a", "name": "web"},
        "spec": {
            "httpTransport": {"tls": {"secretRef": "tls"}},
            "deployment": {
                "secretRefs": [{"name": "s1"}],
                "envFrom": [{"secretRef": {"name": "s2"}}],
                "env": [{"name": "K", "valueFrom": {"secretKeyRef": {"name": "s3", "key": "k"}}}],
                "volumes": [{"name": "v", "secret": {"secretName": "s4"}},
                            {"name": "p", "projected": {"sources": [{"secret": {"name": "s5"}}]}}],
                "imagePullSecrets": [{"name": "s6"}],
                "sidecars": [{"name": "side", "envFrom": [{"secretRef": {"name": "s7"}}]}]
            }
        }
    });
    let s = [Server::from_json(&v)];
    let mut secrets = Secrets::default();
    for name in ["s1", "s2", "s4", "s5", "s6", "s7", "tls"] {
        secrets.insert("a", name, SecretState::Absent);
    }
    secrets.insert("a", "s3", info(&[], true));
    let f = evaluate(&s, &secrets, &ProjectContext::default());
    assert_eq!(f.len(), 8);
    assert!(f.iter().all(|f| f.severity == Severity::Error), "{f:#?}");
    let s3 = f.iter().find(|f| f.secret == "s3").unwrap();
    assert_eq!(s3.status, Status::MissingKey);
    let vias: BTreeSet<&str> = f.iter().map(|f| f.via.as_str()).collect();
    assert!(vias.contains("spec.httpTransport.tls.secretRef"));
    assert!(vias.contains("spec.deployment.sidecars[0](side).envFrom[0].secretRef"));
}

#[test]
fn typed_secrets_image_pull_type_and_tls_keys() {
    let s = [server(
        "a",
        "web",
        json!({"imagePullSecrets": [{"name": "regcred"}], "serviceAccountName": "runner"}),
    )];
    let mut secrets = Secrets::default();
    secrets.insert("a", "regcred", info(&["X"], true));
    let f = one(&s, &secrets, &ProjectContext::default());
    assert_eq!((f.status, f.severity), (Status::WrongType, Severity::Error));
    assert!(
        f.message
            .contains("`kubectl create secret docker-registry regcred -n a"),
        "{}",
        f.message
    );
    // The ServiceAccount's pull Secrets are references too; a missing one names the right command.
    let mut s = s;
    assert_eq!(s[0].service_account.as_deref(), Some("runner"));
    s[0].add_service_account_pull_secrets(&["sa-pull".to_string()]);
    secrets.insert("a", "sa-pull", SecretState::Absent);
    let f = evaluate(&s, &secrets, &ProjectContext::default());
    assert_eq!(f[1].via, "serviceaccount/runner.imagePullSecrets[0]");
    assert_eq!(f[1].status, Status::MissingSecret);
    assert!(
        f[1].message
            .contains("kubectl create secret docker-registry sa-pull"),
        "{}",
        f[1].message
    );

    let t = [Server::from_json(&json!({
        "metadata": {"namespace": "a", "name": "web"},
        "spec": {"httpTransport": {"tls": {"secretRef": "tls"}}, "deployment": {}}
    }))];
    let mut secrets = Secrets::default();
    secrets.insert("a", "tls", info(&["tls.crt"], true));
    let f = one(&t, &secrets, &ProjectContext::default());
    assert_eq!(
        (f.status, f.key.as_deref()),
        (Status::MissingKey, Some("tls.key"))
    );
    assert!(
        f.message.contains("`kubectl create secret tls tls -n a"),
        "{}",
        f.message
    );
    secrets.insert("a", "tls", SecretState::Absent);
    let f = one(&t, &secrets, &ProjectContext::default());
    assert!(
        f.message.contains("kubectl create secret tls"),
        "{}",
        f.message
    );
    secrets.insert("a", "tls", info(&["tls.crt", "tls.key"], true));
    assert_eq!(
        one(&t, &secrets, &ProjectContext::default()).status,
        Status::Ok
    );
}

#[test]
fn plaintext_and_effective_reader_issues() {
    let s = [server(
        "a",
        "web",
        json!({"env": {"OPENAI_API_KEY": "sk-abcdefghijklmnopqrstuvwxyz0123", "DB_PASSWORD": "long-enough-pw"}}),
    )];
    let found = issues::plaintext(&s);
    let got: Vec<(Option<&str>, Severity)> = found
        .iter()
        .map(|i| (i.key.as_deref(), i.severity))
        .collect();
    assert_eq!(
        got,
        [
            (Some("DB_PASSWORD"), Severity::Warning),
            (Some("OPENAI_API_KEY"), Severity::Error)
        ]
    );
    assert!(!format!("{found:?}").contains("sk-abc"));
    assert!(!format!("{found:?}").contains("long-enough"));
}

/// Servers whose findings have every severity, a RemoteMCPServer, and one issue.
fn summary_fixture() -> (Vec<Server>, Secrets, Vec<Issue>) {
    let servers = vec![
        server(
            "a",
            "web",
            json!({"secretRefs": [{"name": "web-secrets"}, {"name": "gone"}],
                   "imagePullSecrets": [{"name": "regcred"}]}),
        ),
        server("a", "two", json!({"secretRefs": [{"name": "gone-2"}]})),
        Server::from_remote_json(
            &json!({"metadata": {"namespace": "a", "name": "remote"}, "spec": {}}),
        ),
    ];
    let mut secrets = Secrets::default();
    secrets.insert("a", "web-secrets", info(&["K"], true));
    secrets.insert("a", "regcred", info(&[".dockerconfigjson"], false));
    secrets.insert("a", "gone", SecretState::Absent);
    secrets.insert("a", "gone-2", SecretState::Absent);
    let issue = Issue {
        context: None,
        namespace: "a".into(),
        kind: "MCPServer".into(),
        name: "web".into(),
        field: None,
        key: None,
        status: Status::PlaintextSecret,
        severity: Severity::Warning,
        message: String::new(),
    };
    (servers, secrets, vec![issue])
}

#[test]
fn the_summary_counts_servers_references_secrets_and_each_severity() {
    let (servers, secrets, issues) = summary_fixture();
    let findings = evaluate(&servers, &secrets, &ProjectContext::default());
    let sum = Summary::of(&servers, &findings, &issues);
    assert_eq!(
        sum,
        Summary {
            servers: 3,
            remote_servers: 1,
            findings: 1,
            references: 4,
            secrets: 4,
            ok: 1,
            warnings: 2,
            errors: 2,
        }
    );
    // Counted later, from a summary of the servers and issues alone, a finding at a time as
    // the references are evaluated: the same counts and the same findings.
    let mut later = Summary::of(&servers, &[], &issues);
    let mut each = Vec::new();
    evaluate_each(servers.clone(), &secrets, &ProjectContext::default(), |f| {
        later.count(f.severity);
        each.push(f);
    });
    assert_eq!(later, sum);
    assert_eq!(each, findings);
    // --fail-on from the counts: as many as fail one by one.
    for threshold in [
        None,
        Some(Severity::Ok),
        Some(Severity::Warning),
        Some(Severity::Error),
    ] {
        let severities = findings.iter().map(|f| f.severity);
        let all = severities.chain(issues.iter().map(|i| i.severity));
        assert_eq!(
            sum.failing(threshold),
            all.filter(|s| fails(*s, threshold)).count(),
            "{threshold:?}"
        );
    }
    // Evaluating while freeing the servers gives the same findings.
    assert_eq!(
        evaluate_owned(servers.clone(), &secrets, &ProjectContext::default()),
        findings
    );
}

#[test]
fn fleet_summaries_add_field_by_field() {
    let mut a = Summary {
        servers: 3,
        remote_servers: 4,
        findings: 5,
        references: 6,
        secrets: 7,
        ok: 8,
        warnings: 9,
        errors: 10,
    };
    a.add(&Summary {
        servers: 5,
        remote_servers: 6,
        findings: 7,
        references: 8,
        secrets: 9,
        ok: 10,
        warnings: 11,
        errors: 12,
    });
    assert_eq!(
        a,
        Summary {
            servers: 8,
            remote_servers: 10,
            findings: 12,
            references: 14,
            secrets: 16,
            ok: 18,
            warnings: 20,
            errors: 22,
        }
    );
}

#[test]
fn the_worst_severity_of_a_summary() {
    let s = |warnings, errors| Summary {
        warnings,
        errors,
        ..Summary::default()
    };
    assert_eq!(s(0, 0).worst(), Severity::Ok);
    assert_eq!(s(1, 0).worst(), Severity::Warning);
    assert_eq!(s(0, 1).worst(), Severity::Error);
    assert_eq!(s(3, 2).worst(), Severity::Error);
}

#[test]
fn a_missing_ca_bundle_is_created_from_its_file_and_a_sync_hint_names_the_namespace() {
    let remote = Server::from_remote_json(&json!({
        "metadata": {"namespace": "a", "name": "r"},
        "spec": {"tls": {"caCertSecretRef": "ca", "caCertSecretKey": "bundle.pem"}}
    }));
    let mut secrets = Secrets::default();
    secrets.insert("a", "ca", SecretState::Absent);
    let f = one(&[remote], &secrets, &ProjectContext::default());
    assert!(
        f.message
            .contains("agents cannot connect to the remote server"),
        "{}",
        f.message
    );
    assert!(
        f.message
            .contains("`kubectl create secret generic ca -n a --from-file=bundle.pem=ca.crt`"),
        "{}",
        f.message
    );
    // A missing image pull Secret: the image cannot be pulled.
    let s = [server(
        "a",
        "web",
        json!({"imagePullSecrets": [{"name": "regcred"}]}),
    )];
    let mut secrets = Secrets::default();
    secrets.insert("a", "regcred", SecretState::Absent);
    let f = one(&s, &secrets, &ProjectContext::default());
    assert!(
        f.message
            .contains("the image cannot be pulled from a private registry"),
        "{}",
        f.message
    );
    // kmcp.yaml's environment without a namespace: the hint needs -n.
    let project = ProjectContext {
        secrets: vec![ProjectSecret {
            environment: "dev".into(),
            secret: "gone".into(),
            namespace: None,
            line: 3,
        }],
        ..ProjectContext::default()
    };
    let s = [server(
        "a",
        "web",
        json!({"secretRefs": [{"name": "gone"}]}),
    )];
    let mut secrets = Secrets::default();
    secrets.insert("a", "gone", SecretState::Absent);
    let f = one(&s, &secrets, &project);
    assert!(f.message.contains("the pod cannot start"), "{}", f.message);
    assert!(
        f.message.contains("`kubectl kmcp secrets sync dev -n a`"),
        "{}",
        f.message
    );
}

#[test]
fn a_long_list_is_cut_after_three_names() {
    assert_eq!(quote_list(&[]), "");
    assert_eq!(quote_list(&["a", "b", "c"]), r#""a", "b", "c""#);
    assert_eq!(
        quote_list(&["a", "b", "c", "d"]),
        r#""a", "b", "c" and 1 more"#
    );
    assert_eq!(
        quote_list(&["a", "b", "c", "d", "e"]),
        r#""a", "b", "c" and 2 more"#
    );
}

#[test]
fn present_elsewhere_names_the_other_namespaces_where_the_secret_is_now_present() {
    let mut secrets = Secrets::default();
    secrets.insert("c", "env", info(&["K"], true));
    secrets.insert("a", "env", info(&["K"], true));
    secrets.insert("b", "env", SecretState::Absent);
    secrets.insert("d", "env", SecretState::Forbidden { check: "x".into() });
    secrets.insert("a", "other", info(&["K"], true));
    assert_eq!(secrets.present_elsewhere("b", "env"), ["a", "c"]);
    assert_eq!(secrets.present_elsewhere("a", "env"), ["c"]);
    assert!(secrets.present_elsewhere("a", "gone").is_empty());
    // A later read replaces the earlier one, in the index too.
    secrets.insert("c", "env", SecretState::Absent);
    secrets.insert("b", "env", info(&["K"], true));
    assert_eq!(secrets.present_elsewhere("d", "env"), ["a", "b"]);
    assert_eq!(secrets.get("c", "env"), Some(&SecretState::Absent));
}

#[test]
fn a_listed_server_read_from_its_bytes_is_the_server_read_from_the_whole_object() {
    let object = json!({
        "apiVersion": "kagent.dev/v1alpha1", "kind": "MCPServer",
        "metadata": {"namespace": "a", "name": "web", "managedFields": [{"manager": "x"}]},
        "spec": {"deployment": {
            "secretRefs": [{"name": "env"}],
            "env": {"OPENAI_API_KEY": "sk-proj-abcdefghijklmnopqrstuvwx"},
            "serviceAccountName": "runner"
        }},
        "status": {"conditions": []}
    });
    let whole = Server::from_json(&object);
    let listed = Server::listed_mcpserver(object.to_string().as_bytes()).unwrap();
    assert_eq!(format!("{whole:?}"), format!("{listed:?}"));
    assert_eq!(listed.references.len(), 1);
    assert_eq!(listed.plaintext.len(), 1);
    assert_eq!(listed.service_account.as_deref(), Some("runner"));
    let object = json!({
        "metadata": {"namespace": "a", "name": "api"},
        "spec": {"url": "https://x", "headersFrom": [
            {"name": "Authorization", "valueFrom": {"type": "Secret", "name": "tok", "key": "t"}}
        ]}
    });
    let whole = Server::from_remote_json(&object);
    let listed = Server::listed_remote(object.to_string().as_bytes()).unwrap();
    assert_eq!(format!("{whole:?}"), format!("{listed:?}"));
    assert_eq!(listed.references.len(), 1);
    // Metadata is read strictly: a name that is not a string is an error, never a guess.
    assert!(Server::listed_mcpserver(br#"{"metadata":{"name":5}}"#).is_err());
}
