//! The MCPServer that `deploy` applies, built from kmcp.yaml and the flags: name sanitizing, the
//! image default, upstream `kmcp deploy`'s framework defaults for the command, labels and the
//! transport. Pure: no cluster, no files.
use std::collections::BTreeMap;

use crate::core::mcpserver::{HttpTransport, LocalRef, MCPServer};
use crate::core::project::Project;

pub const DEFAULT_PORT: u16 = 3000;
pub const HTTP_PATH: &str = "/mcp";
pub const PROJECT_ANNOTATION: &str = "kmcp.dev/project-name";
pub const FRAMEWORK_LABEL: &str = "kmcp.dev/framework";
pub const VERSION_LABEL: &str = "kmcp.dev/version";

/// `spec.transportType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Stdio,
    Http,
}

impl Transport {
    /// `stdio` or `http`; anything else is an error (upstream silently picks stdio).
    pub fn parse(text: Option<&str>) -> Result<Transport, String> {
        match text.map(str::to_ascii_lowercase).as_deref() {
            None | Some("stdio") => Ok(Transport::Stdio),
            Some("http") => Ok(Transport::Http),
            Some(_) => Err(format!(
                "unknown transport {:?} given with --transport; use --transport stdio or --transport http",
                text.unwrap_or_default()
            )),
        }
    }

    /// The name as `--transport` and `transportType` spell it.
    pub fn name(self) -> &'static str {
        match self {
            Transport::Stdio => "stdio",
            Transport::Http => "http",
        }
    }
}

/// What the command line and kmcp.yaml ask for.
#[derive(Debug, Clone, Default)]
pub struct Inputs<'a> {
    pub name: Option<&'a str>,
    pub project: Option<&'a Project>,
    pub namespace: String,
    pub image: Option<&'a str>,
    pub transport: Option<&'a str>,
    pub port: Option<u16>,
    pub command: Option<&'a str>,
    pub args: &'a [String],
    /// `KEY=VALUE` items of `--env`.
    pub env: &'a [String],
    /// The environment's Secret, for `spec.deployment.secretRefs`.
    pub secret: Option<&'a str>,
}

/// The object to apply, and notes for the user (on stderr).
#[derive(Debug, Clone)]
pub struct Plan {
    pub name: String,
    pub server: MCPServer,
    pub notes: Vec<String>,
}

/// Whether `name` is a DNS-1123 subdomain label usable as an MCPServer name (the controller names
/// a Deployment and a Service after it, so it must also be a valid label: at most 63 characters).
pub fn is_dns1123_label(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric())
}

/// `name` made a DNS-1123 label: lower case, every other character (`_`, `.`, spaces) a `-`, runs
/// of `-` collapsed, trimmed to 63 characters, no leading or trailing `-`.
pub fn sanitize_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        let c = c.to_ascii_lowercase();
        let c = if c.is_ascii_lowercase() || c.is_ascii_digit() {
            c
        } else {
            '-'
        };
        if c == '-' && (out.is_empty() || out.ends_with('-')) {
            continue;
        }
        out.push(c);
    }
    out.truncate(63);
    out.trim_end_matches('-').to_string()
}

/// A label value: at most 63 of `[A-Za-z0-9._-]`, starting and ending alphanumeric; `None` when
/// nothing is left.
pub fn label_value(text: &str) -> Option<String> {
    let mapped: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .take(63)
        .collect();
    let trimmed = mapped.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

/// Upstream's image default: the project name lower-cased, `_` as `-`, tagged with the version
/// (`latest` without one).
pub fn default_image(project: &Project) -> String {
    format!(
        "{}:{}",
        project.name.to_lowercase().replace('_', "-"),
        project.version.as_deref().unwrap_or("latest")
    )
}

/// Upstream `kmcp deploy`'s command for a framework; `None` for a framework it does not know.
pub fn default_command(
    framework: &str,
    transport: Transport,
    port: u16,
) -> Option<(String, Vec<String>)> {
    let http_flags = || {
        vec![
            "--transport".to_string(),
            "http".into(),
            "--host".into(),
            "0.0.0.0".into(),
            "--port".into(),
            port.to_string(),
        ]
    };
    let (cmd, mut args): (&str, Vec<String>) = match framework {
        "fastmcp-python" => ("python", vec!["src/main.py".into()]),
        "mcp-go" => ("./server", vec![]),
        "typescript" => ("node", vec!["dist/index.js".into()]),
        "java" => ("java", vec!["-jar".into(), "app.jar".into()]),
        _ => return None,
    };
    if transport == Transport::Http && matches!(framework, "fastmcp-python" | "java") {
        args.extend(http_flags());
    }
    Some((cmd.to_string(), args))
}

/// `--env KEY=VALUE` items as a map; an item without `=` or with an empty key is an error that
/// names the key only (never a value).
pub fn parse_env(items: &[String]) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for item in items {
        match item.split_once('=') {
            Some((key, value)) if !key.trim().is_empty() => {
                out.insert(key.trim().to_string(), value.to_string());
            }
            Some(_) => {
                return Err(
                    "--env needs KEY=VALUE, got an empty KEY (e.g. --env LOG_LEVEL=debug)".into(),
                );
            }
            None => {
                return Err(format!(
                    "--env needs KEY=VALUE, got {:?} without '=' (e.g. --env {}=VALUE)",
                    item, item
                ));
            }
        }
    }
    Ok(out)
}

/// Builds the MCPServer. Errors are usage errors (exit 2).
pub fn build(inputs: &Inputs<'_>) -> Result<Plan, String> {
    let mut notes = Vec::new();
    let name = match (inputs.name, inputs.project) {
        (Some(name), _) => {
            if !is_dns1123_label(name) {
                let fixed = sanitize_name(name);
                let hint = if fixed.is_empty() {
                    String::new()
                } else {
                    format!("; use `kubectl kmcp deploy {fixed}`")
                };
                return Err(format!(
                    "invalid name {name:?}: an MCPServer name must be a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters){hint}"
                ));
            }
            name.to_string()
        }
        (None, Some(project)) => {
            let fixed = sanitize_name(&project.name);
            if fixed.is_empty() {
                return Err(format!(
                    "kmcp.yaml's name {:?} ({}) gives no valid DNS-1123 name; pass a NAME, e.g. `kubectl kmcp deploy my-server`",
                    project.name,
                    project.path.display()
                ));
            }
            if fixed != project.name {
                notes.push(format!(
                    "using the name {fixed:?} for {:?} from {} (MCPServer names are DNS-1123 labels)",
                    project.name,
                    project.path.display()
                ));
            }
            fixed
        }
        (None, None) => {
            return Err(
                "no kmcp.yaml here and no NAME: run in the project folder, pass -d DIR or -f FILE, or give NAME and --image".into(),
            );
        }
    };
    let transport = Transport::parse(inputs.transport)?;
    let port = inputs.port.unwrap_or(DEFAULT_PORT);
    if port == 0 {
        return Err("--port must be between 1 and 65535".into());
    }
    let image = match (inputs.image, inputs.project) {
        (Some(image), _) if !image.trim().is_empty() => image.to_string(),
        (Some(_), _) => {
            return Err("--image is empty; pass an image, e.g. --image my-server:0.1.0".into());
        }
        (None, Some(project)) => default_image(project),
        (None, None) => {
            return Err(format!(
                "no kmcp.yaml, so no default image: pass --image, e.g. --image {name}:latest"
            ));
        }
    };
    let framework = inputs.project.and_then(|p| p.framework.as_deref());
    let (cmd, args) = if inputs.command.is_some() || !inputs.args.is_empty() {
        (inputs.command.map(str::to_string), inputs.args.to_vec())
    } else {
        match framework.and_then(|f| default_command(f, transport, port)) {
            Some((cmd, args)) => (Some(cmd), args),
            None => {
                if let Some(f) = framework {
                    notes.push(format!(
                        "unknown framework {f:?}: no default command, the image's entrypoint runs; pass --command and --args to set one"
                    ));
                }
                (None, vec![])
            }
        }
    };
    let env = parse_env(inputs.env)?;

    let mut server = MCPServer::default();
    server.metadata.name = Some(name.clone());
    server.metadata.namespace = Some(inputs.namespace.clone());
    let mut labels = BTreeMap::from([
        ("app.kubernetes.io/name".to_string(), name.clone()),
        ("app.kubernetes.io/instance".to_string(), name.clone()),
        (
            "app.kubernetes.io/component".to_string(),
            "mcp-server".into(),
        ),
        ("app.kubernetes.io/part-of".to_string(), "kmcp".into()),
        (
            crate::core::secret_plan::MANAGED_BY_LABEL.to_string(),
            crate::core::secret_plan::MANAGER.into(),
        ),
    ]);
    if let Some(project) = inputs.project {
        if let Some(v) = project.framework.as_deref().and_then(label_value) {
            labels.insert(FRAMEWORK_LABEL.into(), v);
        }
        if let Some(v) = project.version.as_deref().and_then(label_value) {
            labels.insert(VERSION_LABEL.into(), v);
        }
        server.metadata.annotations = Some(BTreeMap::from([(
            PROJECT_ANNOTATION.to_string(),
            project.name.clone(),
        )]));
    }
    server.metadata.labels = Some(labels);

    let dep = &mut server.spec.deployment;
    dep.image = Some(image);
    dep.port = Some(port.into());
    dep.cmd = cmd;
    dep.args = args;
    dep.env = env;
    dep.secret_refs = inputs
        .secret
        .map(|s| {
            vec![LocalRef {
                name: s.to_string(),
            }]
        })
        .unwrap_or_default();
    server.spec.transport_type = Some(transport.name().into());
    match transport {
        Transport::Stdio => server.spec.stdio_transport = Some(BTreeMap::new()),
        Transport::Http => {
            server.spec.http_transport = Some(HttpTransport {
                target_port: Some(port.into()),
                path: Some(HTTP_PATH.into()),
                tls: None,
            })
        }
    }
    Ok(Plan {
        name,
        server,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::path::Path;

    fn project(text: &str) -> Project {
        Project::parse(Path::new("/p/kmcp.yaml"), text).unwrap()
    }

    fn inputs<'a>(p: &'a Project) -> Inputs<'a> {
        Inputs {
            project: Some(p),
            namespace: "ns".into(),
            ..Default::default()
        }
    }

    #[test]
    fn names_are_sanitized_and_explicit_invalid_names_refused() {
        assert_eq!(sanitize_name("My_Weather Server"), "my-weather-server");
        assert_eq!(sanitize_name("__x__"), "x");
        assert_eq!(sanitize_name(&"a".repeat(80)).len(), 63);
        assert!(is_dns1123_label("weather-1"));
        assert!(!is_dns1123_label("weather_1"));
        assert!(!is_dns1123_label("-w"));
        let p = project("name: weather_tool\nversion: 0.2.0\nframework: mcp-go\n");
        let plan = build(&inputs(&p)).unwrap();
        assert_eq!(plan.name, "weather-tool");
        assert!(plan.notes[0].contains("weather-tool"));
        let err = build(&Inputs {
            name: Some("Bad_Name"),
            ..inputs(&p)
        })
        .unwrap_err();
        assert!(err.contains("kubectl kmcp deploy bad-name"), "{err}");
    }

    #[test]
    fn image_port_transport_defaults() {
        let p = project("name: Weather_Tool\nversion: 0.2.0\nframework: mcp-go\n");
        let plan = build(&inputs(&p)).unwrap();
        let m = plan.server.to_manifest();
        assert_eq!(m["spec"]["deployment"]["image"], "weather-tool:0.2.0");
        assert_eq!(m["spec"]["deployment"]["port"], 3000);
        assert_eq!(m["spec"]["transportType"], "stdio");
        assert_eq!(m["spec"]["stdioTransport"], json!({}));
        assert!(m["spec"].get("httpTransport").is_none());
        assert_eq!(m["metadata"]["namespace"], "ns");
        let err = build(&Inputs {
            transport: Some("sse"),
            ..inputs(&p)
        })
        .unwrap_err();
        assert!(err.contains("--transport http"), "{err}");
    }

    #[test]
    fn framework_defaults_follow_upstream() {
        let cases = [
            ("fastmcp-python", "stdio", "python", vec!["src/main.py"]),
            (
                "fastmcp-python",
                "http",
                "python",
                vec![
                    "src/main.py",
                    "--transport",
                    "http",
                    "--host",
                    "0.0.0.0",
                    "--port",
                    "8080",
                ],
            ),
            ("mcp-go", "http", "./server", vec![]),
            ("typescript", "http", "node", vec!["dist/index.js"]),
            ("java", "stdio", "java", vec!["-jar", "app.jar"]),
            (
                "java",
                "http",
                "java",
                vec![
                    "-jar",
                    "app.jar",
                    "--transport",
                    "http",
                    "--host",
                    "0.0.0.0",
                    "--port",
                    "8080",
                ],
            ),
        ];
        for (framework, transport, cmd, args) in cases {
            let p = project(&format!("name: s\nversion: '1'\nframework: {framework}\n"));
            let plan = build(&Inputs {
                transport: Some(transport),
                port: Some(8080),
                ..inputs(&p)
            })
            .unwrap();
            let d = &plan.server.spec.deployment;
            assert_eq!(d.cmd.as_deref(), Some(cmd), "{framework} {transport}");
            assert_eq!(d.args, args, "{framework} {transport}");
            if transport == "http" {
                let h = plan.server.spec.http_transport.as_ref().unwrap();
                assert_eq!(h.target_port, Some(8080));
                assert_eq!(h.path.as_deref(), Some("/mcp"));
            }
        }
    }

    #[test]
    fn explicit_command_or_args_replace_the_defaults() {
        let p = project("name: s\nframework: fastmcp-python\n");
        let args = vec!["-m".to_string(), "server".into()];
        let plan = build(&Inputs {
            args: &args,
            ..inputs(&p)
        })
        .unwrap();
        assert_eq!(plan.server.spec.deployment.cmd, None);
        assert_eq!(plan.server.spec.deployment.args, args);
        let plan = build(&Inputs {
            command: Some("uv"),
            ..inputs(&p)
        })
        .unwrap();
        assert_eq!(plan.server.spec.deployment.cmd.as_deref(), Some("uv"));
        assert!(plan.server.spec.deployment.args.is_empty());
    }

    #[test]
    fn labels_annotation_env_and_secret_refs() {
        let p = project("name: weather\nversion: 0.1.0\nframework: typescript\n");
        let env = vec!["LOG_LEVEL=debug".to_string(), "EMPTY=".into()];
        let plan = build(&Inputs {
            env: &env,
            secret: Some("weather-secrets"),
            ..inputs(&p)
        })
        .unwrap();
        let m = plan.server.to_manifest();
        let labels = &m["metadata"]["labels"];
        assert_eq!(labels["app.kubernetes.io/name"], "weather");
        assert_eq!(labels["app.kubernetes.io/instance"], "weather");
        assert_eq!(labels["app.kubernetes.io/component"], "mcp-server");
        assert_eq!(labels["app.kubernetes.io/part-of"], "kmcp");
        assert_eq!(labels["app.kubernetes.io/managed-by"], "kubectl-kmcp");
        assert_eq!(labels["kmcp.dev/framework"], "typescript");
        assert_eq!(labels["kmcp.dev/version"], "0.1.0");
        assert_eq!(
            m["metadata"]["annotations"]["kmcp.dev/project-name"],
            "weather"
        );
        assert_eq!(
            m["spec"]["deployment"]["env"],
            json!({"LOG_LEVEL": "debug", "EMPTY": ""})
        );
        assert_eq!(
            m["spec"]["deployment"]["secretRefs"],
            json!([{"name": "weather-secrets"}])
        );
        assert!(m["spec"]["deployment"].get("envFrom").is_none());
    }

    #[test]
    fn env_items_need_a_key_and_errors_show_no_value() {
        let err = parse_env(&["=hunter2".to_string()]).unwrap_err();
        assert!(!err.contains("hunter2"));
        assert!(parse_env(&["NOEQUALS".to_string()]).is_err());
        assert_eq!(
            parse_env(&["A=b=c".to_string()]).unwrap()["A"],
            "b=c".to_string()
        );
    }

    #[test]
    fn without_a_project_name_and_image_are_needed() {
        let base = Inputs {
            namespace: "ns".into(),
            ..Default::default()
        };
        assert!(build(&base).unwrap_err().contains("NAME"));
        let err = build(&Inputs {
            name: Some("x"),
            ..base.clone()
        })
        .unwrap_err();
        assert!(err.contains("--image"), "{err}");
        let plan = build(&Inputs {
            name: Some("x"),
            image: Some("x:1"),
            ..base
        })
        .unwrap();
        assert_eq!(plan.server.spec.deployment.cmd, None);
    }

    #[test]
    fn label_values_are_made_valid() {
        assert_eq!(label_value("1.0.0+build").as_deref(), Some("1.0.0-build"));
        assert_eq!(label_value("--"), None);
    }

    #[test]
    fn a_name_may_have_63_characters_not_64() {
        let at_limit = format!("a{}", "-b".repeat(31));
        assert_eq!(at_limit.len(), 63);
        assert!(is_dns1123_label(&at_limit));
        assert!(!is_dns1123_label(&format!("{at_limit}c")));
        assert!(!is_dns1123_label("w-") && !is_dns1123_label("") && !is_dns1123_label("Web"));
        let err = build(&Inputs {
            name: Some("___"),
            image: Some("x:1"),
            namespace: "ns".into(),
            ..Default::default()
        })
        .unwrap_err();
        assert!(
            err.contains("invalid name \"___\"") && !err.contains("use `"),
            "{err}"
        );
    }

    #[test]
    fn port_zero_an_empty_image_and_an_unknown_framework() {
        let p = project("name: s\nframework: rust-axum\n");
        let err = build(&Inputs {
            port: Some(0),
            ..inputs(&p)
        })
        .unwrap_err();
        assert!(err.contains("--port must be between 1 and 65535"), "{err}");
        let err = build(&Inputs {
            image: Some(" "),
            ..inputs(&p)
        })
        .unwrap_err();
        assert!(err.contains("--image is empty"), "{err}");
        let plan = build(&inputs(&p)).unwrap();
        assert_eq!(plan.server.spec.deployment.cmd, None);
        assert_eq!(plan.notes.len(), 1, "{:?}", plan.notes);
        assert!(plan.notes[0].contains("unknown framework \"rust-axum\""));
        // A name kmcp.yaml spells right needs no note.
        assert!(
            build(&inputs(&project("name: s\nframework: mcp-go\n")))
                .unwrap()
                .notes
                .is_empty()
        );
        assert_eq!(Transport::parse(Some("HTTP")), Ok(Transport::Http));
    }
}
