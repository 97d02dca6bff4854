//! The unit tests of `project` (kmcp.yaml).
use super::*;

const SAMPLE: &str = "\
name: weather-server
framework: fastmcp-python
version: 0.1.0
description: A weather MCP server
author: Jane
email: jane@example.com
tools:
  forecast: {}
secrets:
  local:
    enabled: true
    provider: env
    file: .env.local
  staging:
    enabled: true
    provider: kubernetes
    secretName: weather-server-secrets-staging
    namespace: staging
  production:
    enabled: false
    provider: kubernetes
    secretName: weather-server-secrets-production
    namespace: production
created_at: 2025-07-01T10:00:00Z
updated_at: 2025-07-02T10:00:00Z
future_key: tolerated
";

fn parse(text: &str) -> Result<Project, ProjectError> {
    Project::parse(Path::new("proj/kmcp.yaml"), text)
}

#[test]
fn loads_the_upstream_layout() {
    let p = parse(SAMPLE).unwrap();
    assert_eq!(p.name, "weather-server");
    assert_eq!(p.framework.as_deref(), Some("fastmcp-python"));
    assert_eq!(p.version.as_deref(), Some("0.1.0"));
    assert_eq!(p.dir, PathBuf::from("proj"));
    assert_eq!(p.environment_names(), ["local", "staging", "production"]);
    let staging = p.environment("staging").unwrap();
    assert_eq!(staging.provider, Provider::Kubernetes);
    assert_eq!(
        staging.secret_name.as_deref(),
        Some("weather-server-secrets-staging")
    );
    assert_eq!(staging.namespace.as_deref(), Some("staging"));
    assert_eq!(staging.line, 14);
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    // Shown as kmcp.yaml spells it (deploy's "environment local is of provider env").
    assert_eq!(staging.provider.to_string(), "kubernetes");
    assert_eq!(p.environment("local").unwrap().provider.to_string(), "env");
    assert_eq!(
        p.environment("local").unwrap().file.as_deref(),
        Some(".env.local")
    );
    assert_eq!(p.created_at.as_deref(), Some("2025-07-01T10:00:00Z"));
    // A timestamp YAML reads as a number is kept as its text.
    let p2 = parse("name: w\nupdated_at: 20250702\n").unwrap();
    assert_eq!(p2.updated_at.as_deref(), Some("20250702"));
    assert_eq!(
        p.resolve(".env.staging"),
        PathBuf::from("proj/.env.staging")
    );
}

#[test]
fn load_tells_a_missing_file_from_one_it_cannot_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kmcp.yaml");
    assert!(matches!(Project::load(&path), Err(ProjectError::NotFound { path: p }) if p == path));
    // A directory exists but cannot be read as a file: not "not found".
    assert!(matches!(
        Project::load(dir.path()),
        Err(ProjectError::Read { .. })
    ));
    std::fs::write(&path, "name: w\n").unwrap();
    assert_eq!(Project::load(&path).unwrap().name, "w");
}

#[test]
fn namespace_origin_names_the_key_the_environment_and_the_file() {
    let p = parse(SAMPLE).unwrap();
    assert_eq!(
        p.namespace_origin(p.environment("staging").unwrap()),
        "`namespace` under secrets.staging in proj/kmcp.yaml"
    );
}

#[test]
fn a_warning_points_at_its_key_past_blank_and_comment_lines() {
    let p = parse(
        "name: x\nsecrets:\n  staging:\n    enabled: true\n\n# about it\n    secretname: s\n",
    )
    .unwrap();
    assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
    assert_eq!(p.warnings[0].line, 7);
    // Indentation is what counts, not the length of the lines.
    let p = parse("name: x\nsecrets:\n  a-very-long-environment-name:\n    enabled: true\n    fle: a\n  b:\n    enabled: true\n").unwrap();
    assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
    assert_eq!(p.warnings[0].line, 5);
    assert!(p.warnings[0].message.contains("did you mean \"file\""));
}

#[test]
fn a_bare_file_name_is_in_the_current_directory() {
    let p = Project::parse(Path::new("kmcp.yaml"), "name: w\n").unwrap();
    assert_eq!(p.dir, PathBuf::from("."));
    assert_eq!(p.resolve(".env"), PathBuf::from("./.env"));
}

#[test]
fn syntax_errors_carry_line_and_column() {
    let err = parse("name: x\nsecrets:\n  staging:\n    enabled: [true\n").unwrap_err();
    match &err {
        ProjectError::Syntax { line, .. } => assert!(*line >= 4, "{err}"),
        other => panic!("expected a syntax error, got {other:?}"),
    }
    assert!(err.to_string().starts_with("proj/kmcp.yaml:"), "{err}");
}

/// The location is said once (by the error itself, not again by the parser's message), and
/// no message carries the library's advice to its caller.
#[test]
fn yaml_errors_say_the_location_once_and_give_no_library_advice() {
    for (text, line) in [
        ("name: a\nsecrets:\n  staging: {enabled: true\n", 3),
        ("name: a\nname: b\nsecrets: {}\n", 2),
        (
            "name: a\nsecrets:\n  s:\n    provider: kubernetes\n    secretName: x\n    secretName: y\n",
            6,
        ),
        ("name: a\nsecrets:\n  staging:\n    enabled: yes: no\n", 4),
    ] {
        let err = parse(text).unwrap_err();
        let shown = err.to_string();
        assert!(
            matches!(err, ProjectError::Syntax { line: l, .. } if l == line),
            "{shown}"
        );
        assert!(
            shown.starts_with(&format!("proj/kmcp.yaml:{line}:")),
            "{shown}"
        );
        for word in ["line ", "column", "error:", "Options", "Policy"] {
            assert!(!shown.contains(word), "{word:?} in {shown:?}");
        }
    }
    // A control character the parser echoes from the file is shown as a space.
    let esc = parse("name: a\n\"k\\e\": 1\n\"k\\e\": 2\n")
        .unwrap_err()
        .to_string();
    assert!(esc.contains("duplicate mapping key `k `"), "{esc:?}");
    let dup = parse("name: a\nname: b\n").unwrap_err().to_string();
    assert!(dup.contains("duplicate mapping key `name`"), "{dup}");
}

#[test]
fn wrong_types_carry_a_line() {
    let err = parse("name: x\nsecrets:\n  staging:\n    enabled: maybe\n").unwrap_err();
    assert!(
        matches!(err, ProjectError::Syntax { line: 4, .. }),
        "{err:?}"
    );
}

#[test]
fn unknown_environment_lists_the_defined_ones() {
    let p = parse(SAMPLE).unwrap();
    let err = p.environment("prod").unwrap_err().to_string();
    assert!(err.contains("\"prod\" is not defined"), "{err}");
    assert!(err.contains("local, staging, production"), "{err}");
    assert!(err.contains("did you mean \"production\"?"), "{err}");
    let err = p.environment("stagign").unwrap_err().to_string();
    assert!(err.contains("did you mean \"staging\"?"), "{err}");
    let err = p.environment("qa").unwrap_err().to_string();
    assert!(!err.contains("did you mean"), "{err}");
}

#[test]
fn unknown_provider_lists_the_valid_ones_with_its_line() {
    let err = parse("name: x\nsecrets:\n  staging:\n    enabled: true\n    provider: vault\n")
        .unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("proj/kmcp.yaml:5:"), "{text}");
    assert!(
        text.contains("\"vault\"") && text.contains("env, kubernetes"),
        "{text}"
    );
}

#[test]
fn misspelt_keys_warn_with_did_you_mean() {
    let p = parse("name: x\nsecrets:\n  staging:\n    enabled: true\n    provider: kubernetes\n    secretname: s\n    namespce: ns\n").unwrap();
    assert_eq!(p.warnings.len(), 2, "{:?}", p.warnings);
    let by_line: BTreeMap<u32, &str> = p
        .warnings
        .iter()
        .map(|w| (w.line, w.message.as_str()))
        .collect();
    assert!(
        by_line[&6].contains("\"secretname\"")
            && by_line[&6].contains("did you mean \"secretName\"")
    );
    assert!(by_line[&7].contains("did you mean \"namespace\""));
    // As the shell prints them: file, line, message.
    let lines = p.warning_lines();
    assert_eq!(lines.len(), 2);
    assert!(
        lines.iter().any(|l| l.starts_with(
            "proj/kmcp.yaml:6: unknown key \"secretname\" in secrets.staging is ignored"
        )),
        "{lines:?}"
    );
    // The misspelt setting is lost, as upstream: the warning is what saves the user.
    assert_eq!(p.environment("staging").unwrap().secret_name, None);
}

#[test]
fn kubernetes_environment_checks_provider_enabled_and_secret_name() {
    let p = parse(SAMPLE).unwrap();
    assert!(matches!(
        p.kubernetes_environment("local"),
        Err(ProjectError::LocalProvider { .. })
    ));
    let err = p.kubernetes_environment("production").unwrap_err();
    assert!(matches!(err, ProjectError::Disabled { line: 19, .. }));
    assert!(err.to_string().contains("enabled: true"), "{err}");
    assert!(p.kubernetes_environment("staging").is_ok());
    let p =
        parse("name: x\nsecrets:\n  dev:\n    enabled: true\n    provider: kubernetes\n").unwrap();
    assert!(matches!(
        p.kubernetes_environment("dev"),
        Err(ProjectError::MissingSecretName { .. })
    ));
}

#[test]
fn namespace_resolution_follows_the_rules() {
    let p = parse(SAMPLE).unwrap();
    let staging = p.environment("staging").unwrap();
    assert_eq!(
        p.namespace_for(staging, None, Some("ctx")).unwrap(),
        ("staging".into(), Source::Project)
    );
    assert_eq!(
        p.namespace_for(staging, Some("staging"), None).unwrap(),
        ("staging".into(), Source::Project)
    );
    let err = p
        .namespace_for(staging, Some("other"), None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("\"staging\"") && err.contains("\"other\""),
        "{err}"
    );
    let local = p.environment("local").unwrap();
    assert_eq!(
        p.namespace_for(local, Some("x"), Some("ctx")).unwrap(),
        ("x".into(), Source::Flag)
    );
    assert_eq!(
        p.namespace_for(local, None, Some("ctx")).unwrap(),
        ("ctx".into(), Source::Kubeconfig)
    );
    assert_eq!(
        p.namespace_for(local, None, None).unwrap(),
        ("default".into(), Source::Default)
    );
}

#[test]
fn missing_name_is_an_error() {
    assert!(matches!(
        parse("framework: mcp-go\n"),
        Err(ProjectError::Invalid { .. })
    ));
}

#[test]
fn names_are_checked_before_they_reach_a_url() {
    for bad in [
        "staging/secrets/s5?dryRun=All&x=",
        "Staging",
        "-a",
        "a-",
        "",
        &"a".repeat(64),
    ] {
        assert!(check_dns_label(bad).is_err(), "{bad:?}");
    }
    assert!(check_dns_label("staging-2").is_ok());
    for bad in ["../other", "a/b", "a..b", "A", ".a", "a_b"] {
        assert!(check_dns_subdomain(bad).is_err(), "{bad:?}");
    }
    assert!(check_dns_subdomain("weather.secrets-1").is_ok());
    let p = parse("name: x\nsecrets:\n  s:\n    enabled: true\n    provider: kubernetes\n    secretName: ok\n    namespace: a/b\n").unwrap();
    let err = p.kubernetes_environment("s").unwrap_err().to_string();
    assert!(
        err.starts_with("proj/kmcp.yaml:3:") && err.contains("\"a/b\""),
        "{err}"
    );
    let p = parse(SAMPLE).unwrap();
    let local = p.environment("local").unwrap();
    assert!(matches!(
        p.namespace_for(local, Some("x/y"), None),
        Err(ProjectError::InvalidNamespace { .. })
    ));
}

#[test]
fn env_files_named_by_kmcp_yaml_stay_inside_the_project() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.env"), "K=v\n").unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("sub/.env.ci"), "K=v\n").unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.env"),
        dir.path().join("link.env"),
    )
    .unwrap();
    let p = Project::parse(&dir.path().join("kmcp.yaml"), "name: x\n").unwrap();
    assert!(p.check_inside("sub/.env.ci").is_ok());
    assert!(p.check_inside("sub/../.env.not-yet").is_ok());
    assert!(
        p.check_inside("../x/.env")
            .unwrap_err()
            .contains("resolves to")
    );
    let abs = outside.path().join("secret.env").display().to_string();
    assert_eq!(p.check_inside(&abs).unwrap_err(), "is an absolute path");
    assert!(
        p.check_inside("link.env")
            .unwrap_err()
            .contains("symbolic link")
    );
}
