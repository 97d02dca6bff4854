//! The project file, `kmcp.yaml`: the same file the Go `kmcp` CLI reads and writes.
//!
//! ```yaml
//! name: weather-server
//! framework: fastmcp-python
//! version: 0.1.0
//! secrets:
//!   local:      {enabled: true, provider: env, file: .env.local}
//!   staging:    {enabled: true, provider: kubernetes, secretName: weather-server-secrets-staging, namespace: staging}
//! ```
//!
//! Pure: reading the file is the only I/O; nothing is printed (warnings are data). Errors carry the file and line; unknown keys inside a
//! `secrets` entry are warnings with a did-you-mean, since upstream silently ignores them.
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;

use crate::core::Source;
pub use crate::core::names::{
    check_dns_label, check_dns_subdomain, did_you_mean, environment_did_you_mean,
};

pub const FILE_NAME: &str = "kmcp.yaml";

#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    #[error(
        "{path}: not found; run the command in the project directory, or point at it with -d DIR or -f path/to/kmcp.yaml"
    )]
    NotFound { path: PathBuf },
    #[error("{path}: cannot read: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}:{column}: {message}")]
    Syntax {
        path: PathBuf,
        line: u32,
        column: u32,
        message: String,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("{path}: environment {name:?} is not defined under `secrets` (defined: {}){}", list_or_none(.known), .suggestion.as_ref().map(|s| format!("; did you mean {s:?}?")).unwrap_or_default())]
    UnknownEnvironment {
        path: PathBuf,
        name: String,
        /// The defined environment the user most likely meant (`prod` -> `production`).
        suggestion: Option<String>,
        known: Vec<String>,
    },
    #[error(
        "{path}:{line}: environment {env:?} has provider {provider:?}; valid providers: env, kubernetes"
    )]
    UnknownProvider {
        path: PathBuf,
        line: u32,
        env: String,
        provider: String,
    },
    #[error(
        "{path}:{line}: environment {env:?} is disabled; set `enabled: true` under secrets.{env} to use it"
    )]
    Disabled {
        path: PathBuf,
        line: u32,
        env: String,
    },
    #[error(
        "{path}:{line}: environment {env:?} uses provider `env`: its secrets stay in a local file and nothing is synced to Kubernetes; use an environment with `provider: kubernetes`"
    )]
    LocalProvider {
        path: PathBuf,
        line: u32,
        env: String,
    },
    #[error(
        "{path}:{line}: environment {env:?} has no `secretName`; add `secretName: <name>` under secrets.{env}"
    )]
    MissingSecretName {
        path: PathBuf,
        line: u32,
        env: String,
    },
    #[error(
        "{path}:{line}: environment {env:?} has {field} {value:?}, which is not a valid {what}; nothing was sent. Fix `{field}` under secrets.{env}"
    )]
    InvalidName {
        path: PathBuf,
        line: u32,
        env: String,
        field: &'static str,
        value: String,
        what: String,
    },
    #[error("the namespace {value:?} (from the {from}) is not a valid {what}; nothing was sent")]
    InvalidNamespace {
        value: String,
        from: Source,
        what: String,
    },
    #[error(
        "namespace mismatch: {path} puts environment {env:?} in namespace {project:?}, but -n says {flag:?}; a Secret and the server that reads it must share a namespace: drop -n, or change `namespace` under secrets.{env}"
    )]
    NamespaceMismatch {
        path: PathBuf,
        env: String,
        project: String,
        flag: String,
    },
}

/// `a, b, c`, or `none`.
fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

/// Where a secrets environment keeps its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// A local file only (upstream's default for `local`).
    Env,
    /// A Kubernetes Secret, synced from the env file.
    Kubernetes,
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Provider::Env => "env",
            Provider::Kubernetes => "kubernetes",
        })
    }
}

/// One entry of `secrets:`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Environment {
    pub name: String,
    pub enabled: bool,
    pub provider: Provider,
    pub file: Option<String>,
    pub secret_name: Option<String>,
    pub namespace: Option<String>,
    /// The kubeconfig context of the environment's cluster (`context:`, a kubectl-kmcp
    /// extension that upstream kmcp ignores); `--context` on the command line wins.
    pub context: Option<String>,
    /// The line of the entry in kmcp.yaml, for messages.
    #[serde(skip)]
    pub line: u32,
}

/// A warning found while loading (the file is still usable).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub line: u32,
    pub message: String,
}

/// kmcp.yaml, loaded.
#[derive(Debug, Clone)]
pub struct Project {
    /// The kmcp.yaml path.
    pub path: PathBuf,
    /// The directory that holds kmcp.yaml: `.env` files are resolved against it.
    pub dir: PathBuf,
    pub name: String,
    pub framework: Option<String>,
    pub version: Option<String>,
    pub description: Option<String>,
    pub author: Option<String>,
    pub email: Option<String>,
    pub tools: serde_json::Value,
    /// In file order.
    pub environments: Vec<Environment>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub warnings: Vec<Warning>,
}

#[derive(Deserialize)]
struct RawProject {
    name: Option<String>,
    framework: Option<String>,
    version: Option<String>,
    description: Option<String>,
    author: Option<String>,
    email: Option<String>,
    #[serde(default)]
    tools: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "in_file_order")]
    secrets: Option<Vec<(Spanned<String>, RawEnvironment)>>,
    created_at: Option<serde_json::Value>,
    updated_at: Option<serde_json::Value>,
    // Unknown top-level keys are tolerated (upstream adds some over time).
}

#[derive(Deserialize)]
struct RawEnvironment {
    #[serde(default)]
    enabled: Option<bool>,
    #[serde(default)]
    provider: Option<String>,
    #[serde(default)]
    file: Option<String>,
    #[serde(default, rename = "secretName")]
    secret_name: Option<String>,
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default)]
    context: Option<String>,
    #[serde(flatten)]
    unknown: BTreeMap<String, serde_json::Value>,
}

/// The `secrets` mapping's entries, in file order, each key with its location.
type Entries = Vec<(Spanned<String>, RawEnvironment)>;

/// A YAML mapping as a list of entries, in file order, keys with their location.
fn in_file_order<'de, D>(de: D) -> Result<Option<Entries>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    struct Entries;
    impl<'de> serde::de::Visitor<'de> for Entries {
        type Value = Option<Vec<(Spanned<String>, RawEnvironment)>>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a mapping of environment names to settings")
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: serde::Deserializer<'de>>(self, de: D) -> Result<Self::Value, D::Error> {
            de.deserialize_map(self)
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(entry) = map.next_entry()? {
                out.push(entry);
            }
            Ok(Some(out))
        }
    }
    de.deserialize_option(Entries)
}

const ENV_KEYS: [&str; 6] = [
    "enabled",
    "provider",
    "file",
    "secretName",
    "namespace",
    "context",
];

impl Project {
    /// Reads and parses kmcp.yaml; a missing file is `NotFound` with the path looked at.
    pub fn load(path: &Path) -> Result<Project, ProjectError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ProjectError::NotFound {
                    path: path.to_path_buf(),
                });
            }
            Err(source) => {
                return Err(ProjectError::Read {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        Project::parse(path, &text)
    }

    /// Parses kmcp.yaml text; `path` is only used in messages and to find the project directory.
    pub fn parse(path: &Path, text: &str) -> Result<Project, ProjectError> {
        let raw: RawProject = serde_saphyr::from_str(text).map_err(|e| syntax_error(path, &e))?;
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name =
            raw.name
                .filter(|n| !n.trim().is_empty())
                .ok_or_else(|| ProjectError::Invalid {
                    path: path.to_path_buf(),
                    message:
                        "`name` is missing; kmcp.yaml needs the project's name (`name: my-server`)"
                            .into(),
                })?;
        let mut warnings = Vec::new();
        let mut environments = Vec::new();
        for (key, env) in raw.secrets.unwrap_or_default() {
            let env_line = key.referenced.line() as u32;
            let provider = match env.provider.as_deref().map(str::trim) {
                None | Some("") => Provider::Env,
                Some("env") => Provider::Env,
                Some("kubernetes") => Provider::Kubernetes,
                Some(other) => {
                    return Err(ProjectError::UnknownProvider {
                        path: path.to_path_buf(),
                        line: key_line(text, env_line, "provider").unwrap_or(env_line),
                        env: key.value.clone(),
                        provider: other.to_string(),
                    });
                }
            };
            for unknown in env.unknown.keys() {
                let line = key_line(text, env_line, unknown).unwrap_or(env_line);
                let hint = did_you_mean(unknown, &ENV_KEYS)
                    .map(|k| format!("; did you mean {k:?}?"))
                    .unwrap_or_else(|| format!("; known keys: {}", ENV_KEYS.join(", ")));
                warnings.push(Warning {
                    line,
                    message: format!(
                        "unknown key {unknown:?} in secrets.{} is ignored (upstream kmcp ignores it too){hint}",
                        key.value
                    ),
                });
            }
            environments.push(Environment {
                name: key.value,
                enabled: env.enabled.unwrap_or(false),
                provider,
                file: env.file.filter(|f| !f.is_empty()),
                secret_name: env.secret_name.filter(|s| !s.is_empty()),
                namespace: env.namespace.filter(|s| !s.is_empty()),
                context: env.context.filter(|s| !s.trim().is_empty()),
                line: env_line,
            });
        }
        Ok(Project {
            path: path.to_path_buf(),
            dir,
            name,
            framework: raw.framework,
            version: raw.version,
            description: raw.description,
            author: raw.author,
            email: raw.email,
            tools: raw.tools.unwrap_or(serde_json::Value::Null),
            environments,
            created_at: raw.created_at.map(scalar_text),
            updated_at: raw.updated_at.map(scalar_text),
            warnings,
        })
    }

    /// The load warnings as `kmcp.yaml:LINE: message`, for the shell to show.
    pub fn warning_lines(&self) -> Vec<String> {
        self.warnings
            .iter()
            .map(|w| format!("{}:{}: {}", self.path.display(), w.line, w.message))
            .collect()
    }

    /// The names under `secrets`, in file order.
    pub fn environment_names(&self) -> Vec<String> {
        self.environments.iter().map(|e| e.name.clone()).collect()
    }

    /// The environment of that name, or an error that lists the defined ones.
    pub fn environment(&self, name: &str) -> Result<&Environment, ProjectError> {
        self.environments
            .iter()
            .find(|e| e.name == name)
            .ok_or_else(|| {
                let known = self.environment_names();
                let names: Vec<&str> = known.iter().map(String::as_str).collect();
                ProjectError::UnknownEnvironment {
                    path: self.path.clone(),
                    name: name.to_string(),
                    suggestion: environment_did_you_mean(name, &names).map(str::to_string),
                    known,
                }
            })
    }

    /// The environment, checked to be one that lives in Kubernetes: enabled, provider
    /// `kubernetes`, with a `secretName`.
    pub fn kubernetes_environment(&self, name: &str) -> Result<&Environment, ProjectError> {
        let env = self.environment(name)?;
        let path = self.path.clone();
        if env.provider != Provider::Kubernetes {
            return Err(ProjectError::LocalProvider {
                path,
                line: env.line,
                env: env.name.clone(),
            });
        }
        if !env.enabled {
            return Err(ProjectError::Disabled {
                path,
                line: env.line,
                env: env.name.clone(),
            });
        }
        let Some(secret_name) = &env.secret_name else {
            return Err(ProjectError::MissingSecretName {
                path,
                line: env.line,
                env: env.name.clone(),
            });
        };
        let invalid = |field: &'static str, value: &str, what: String| ProjectError::InvalidName {
            path: self.path.clone(),
            line: env.line,
            env: env.name.clone(),
            field,
            value: value.to_string(),
            what,
        };
        if let Err(what) = check_dns_subdomain(secret_name) {
            return Err(invalid("secretName", secret_name, what));
        }
        if let Some(ns) = &env.namespace
            && let Err(what) = check_dns_label(ns)
        {
            return Err(invalid("namespace", ns, what));
        }
        Ok(env)
    }

    /// A path from kmcp.yaml (an env `file`), resolved against the project directory.
    pub fn resolve(&self, relative: &str) -> PathBuf {
        let p = Path::new(relative);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.dir.join(p)
        }
    }

    /// Where kmcp.yaml sets (or would set) `env`'s namespace, for a hint that says how to
    /// change it: "`namespace` under secrets.staging in kmcp.yaml".
    pub fn namespace_origin(&self, env: &Environment) -> String {
        format!(
            "`namespace` under secrets.{} in {}",
            env.name,
            self.path.display()
        )
    }

    /// Whether `file` (an environment's `file:` from kmcp.yaml) stays inside the project directory:
    /// not absolute, and, with `..` and symbolic links resolved, under the directory. `Err` says
    /// why not. A file that does not exist yet is judged by its path alone. A hostile repository's
    /// kmcp.yaml must not make the plugin read (and upload) a file from elsewhere.
    pub fn check_inside(&self, file: &str) -> Result<(), String> {
        let project = self;
        let given = Path::new(file);
        if given.is_absolute() {
            return Err("is an absolute path".into());
        }
        let dir = project
            .dir
            .canonicalize()
            .unwrap_or_else(|_| project.dir.clone());
        // `..` resolved on the path's text, under the canonical project directory.
        let mut lexical = dir.clone();
        for part in given.components() {
            match part {
                std::path::Component::ParentDir => {
                    lexical.pop();
                }
                std::path::Component::Normal(p) => lexical.push(p),
                _ => {}
            }
        }
        if !lexical.starts_with(&dir) {
            return Err(format!(
                "resolves to {}, outside the project directory",
                lexical.display()
            ));
        }
        // Symbolic links followed (only when the file exists).
        match project.dir.join(given).canonicalize() {
            Ok(real) if !real.starts_with(&dir) => Err(format!(
                "is a symbolic link (or passes through one) to {}, outside the project directory",
                real.display()
            )),
            _ => Ok(()),
        }
    }

    /// The namespace a command acting on `env` uses: the environment's `namespace`; an explicit
    /// `-n` that disagrees is an error naming both; without one in kmcp.yaml: `-n`, then the
    /// context's namespace, then `default`.
    pub fn namespace_for(
        &self,
        env: &Environment,
        flag: Option<&str>,
        context_namespace: Option<&str>,
    ) -> Result<(String, Source), ProjectError> {
        let (ns, source) = self.namespace_for_unchecked(env, flag, context_namespace)?;
        if let Err(what) = check_dns_label(&ns) {
            return Err(match source {
                Source::Project => ProjectError::InvalidName {
                    path: self.path.clone(),
                    line: env.line,
                    env: env.name.clone(),
                    field: "namespace",
                    value: ns,
                    what,
                },
                from => ProjectError::InvalidNamespace {
                    value: ns,
                    from,
                    what,
                },
            });
        }
        Ok((ns, source))
    }

    fn namespace_for_unchecked(
        &self,
        env: &Environment,
        flag: Option<&str>,
        context_namespace: Option<&str>,
    ) -> Result<(String, Source), ProjectError> {
        match (&env.namespace, flag) {
            (Some(project), Some(flag)) if project != flag => {
                Err(ProjectError::NamespaceMismatch {
                    path: self.path.clone(),
                    env: env.name.clone(),
                    project: project.clone(),
                    flag: flag.to_string(),
                })
            }
            (Some(project), _) => Ok((project.clone(), Source::Project)),
            (None, Some(flag)) => Ok((flag.to_string(), Source::Flag)),
            (None, None) => match context_namespace {
                Some(ns) => Ok((ns.to_string(), Source::Kubeconfig)),
                None => Ok(("default".to_string(), Source::Default)),
            },
        }
    }
}

/// A YAML scalar as text (a timestamp may be read as a string or a number).
fn scalar_text(v: serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    }
}

/// A YAML error with the file, line and column, and the parser's message for a user: without
/// its own location (given separately, once) and without the library's advice to its caller
/// (serde-saphyr's default `Display` says "set DuplicateKeyPolicy in Options").
fn syntax_error(path: &Path, err: &serde_saphyr::Error) -> ProjectError {
    use serde_saphyr::{MessageFormatter, UserMessageFormatter};
    let text = UserMessageFormatter.format_message(err.without_snippet());
    // The formatter's own text is not sanitized (see `MessageFormatter::format_message`).
    let text: String = text
        .chars()
        .map(|c| if c.is_control() && c != '\n' { ' ' } else { c })
        .collect();
    let message = first_line(&text);
    match err.location() {
        Some(loc) => ProjectError::Syntax {
            path: path.to_path_buf(),
            line: loc.line() as u32,
            column: loc.column() as u32,
            message,
        },
        None => ProjectError::Invalid {
            path: path.to_path_buf(),
            message,
        },
    }
}

/// serde-saphyr's messages may carry a rendered snippet on the following lines; one line is
/// enough here, since the location is given separately.
fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or(text).trim().to_string()
}

/// The line of `key:` inside the mapping that starts at `from_line` (1-based), found by text:
/// the first later line, more indented than the entry, that starts with the key.
fn key_line(text: &str, from_line: u32, key: &str) -> Option<u32> {
    let lines: Vec<&str> = text.lines().collect();
    let start = from_line.checked_sub(1)? as usize;
    let entry_indent = lines.get(start).map(|l| indent(l))?;
    for (i, line) in lines.iter().enumerate().skip(start + 1) {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if indent(line) <= entry_indent {
            break;
        }
        let t = trimmed.trim_start_matches("- ");
        if t.strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with(':'))
            || t.strip_prefix(&format!("\"{key}\""))
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        {
            return Some(i as u32 + 1);
        }
    }
    // A flow mapping on the entry's own line: `staging: {secretname: x}`.
    lines
        .get(start)
        .filter(|l| l.contains(key))
        .map(|_| from_line)
}

/// The number of leading spaces of a line.
fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}
#[cfg(test)]
mod tests;

#[cfg(test)]
mod context_tests {
    use super::*;

    #[test]
    fn an_environment_may_name_its_kubeconfig_context() {
        let text = "name: w\nsecrets:\n  staging:\n    enabled: true\n    provider: kubernetes\n    secretName: s\n    context: kind-staging\n  dev:\n    enabled: true\n    provider: kubernetes\n    secretName: s\n    context: ''\n";
        let p = Project::parse(Path::new("kmcp.yaml"), text).unwrap();
        assert_eq!(
            p.environment("staging").unwrap().context.as_deref(),
            Some("kind-staging")
        );
        assert_eq!(p.environment("dev").unwrap().context, None);
        // A known key: no "unknown key" warning.
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    }
}
