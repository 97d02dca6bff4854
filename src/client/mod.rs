//! The shell's connection to the API server: kubectl's flags turned into a `kube::Client`
//! (`KubeFlags::connect`, in [`connect`]), and [`Connection::call`], the one function that runs every API request under
//! `--request-timeout` and turns a failure into a typed [`Error::Api`] that carries the HTTP
//! status and the server's reason, explained in one line in kubectl's terms. [`access`] asks what
//! the current user may do.
use std::time::Duration;

use kube::Client;

use crate::core::Source;
use crate::error::{ApiError, Error, Result};

pub mod access;
pub mod connect;
pub mod split;
pub mod stream;

pub use connect::KubeconfigView;

/// A client plus what kubectl would say about it: which context, user, server and namespace are
/// in effect, and where the namespace came from.
#[derive(Clone)]
pub struct Connection {
    pub client: Client,
    /// The namespace from `-n`, else the context's, else `default`.
    pub namespace: String,
    pub namespace_source: Source,
    pub context: Option<String>,
    /// The kubeconfig user entry (or the impersonated user with `--as`).
    pub user: Option<String>,
    pub server: String,
    pub timeout: Option<Duration>,
    /// `--as`/`--as-group` as given, so that suggested kubectl commands ask for the same user.
    pub impersonation: Vec<String>,
    /// Where `server` came from: `Flag` for `-s/--server`, else the kubeconfig or in-cluster.
    pub server_source: Source,
    /// Where the credentials came from: `Flag` for `--token` (`--user` picks a kubeconfig entry,
    /// so that is `Kubeconfig`), the kubeconfig, in-cluster, or `Default` for none.
    pub credentials_source: Source,
    /// When the namespace comes from kmcp.yaml (`namespace_source` is `Project`): where it is
    /// set, e.g. "`namespace` under secrets.staging in kmcp.yaml", to say how to change it.
    pub namespace_origin: Option<String>,
}

/// `kubectl cluster-info` that checks the same connection: with the context, and with
/// `--server` when that flag overrode the kubeconfig's server (never with a token).
pub fn cluster_info_command(context: Option<&str>, server_flag: Option<&str>) -> String {
    let mut cmd = "kubectl".to_string();
    if let Some(c) = context {
        cmd.push_str(&format!(" --context {c}"));
    }
    if let Some(s) = server_flag {
        cmd.push_str(&format!(" --server {s}"));
    }
    cmd.push_str(" cluster-info");
    cmd
}

/// An error and its causes on one line (`a: b: c`), without repeating a cause already contained
/// in the outer message.
pub fn flatten(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = cause.source();
    }
    out
}

/// What a request was trying to do, so that a failure can be explained in kubectl's terms.
#[derive(Debug, Clone)]
pub struct Action<'a> {
    pub verb: &'a str,
    /// The resource as `kubectl auth can-i` spells it: `secrets`, `mcpservers.kagent.dev`.
    pub resource: &'a str,
    pub namespace: Option<&'a str>,
    pub name: Option<&'a str>,
}

impl<'a> Action<'a> {
    /// `verb` on `resource` in `namespace` (`None`: cluster scope or all namespaces).
    pub fn new(verb: &'a str, resource: &'a str, namespace: Option<&'a str>) -> Self {
        Action {
            verb,
            resource,
            namespace,
            name: None,
        }
    }
    /// The same action on one object.
    pub fn named(mut self, name: &'a str) -> Self {
        self.name = Some(name);
        self
    }

    /// `kubectl auth can-i VERB RESOURCE -n NS [--as USER]`
    pub fn can_i_command(&self, conn: &Connection) -> String {
        let mut cmd = format!("kubectl auth can-i {} {}", self.verb, self.resource);
        if let Some(name) = self.name {
            cmd = format!(
                "kubectl auth can-i {} {}/{}",
                self.verb, self.resource, name
            );
        }
        match self.namespace {
            Some(ns) => cmd.push_str(&format!(" -n {ns}")),
            None => cmd.push_str(" --all-namespaces"),
        }
        if let Some(ctx) = &conn.context {
            cmd.push_str(&format!(" --context {ctx}"));
        }
        for flag in &conn.impersonation {
            cmd.push(' ');
            cmd.push_str(flag);
        }
        cmd
    }
}

impl Connection {
    /// The namespace the kubeconfig context (or the in-cluster config) names, if it names one:
    /// what an environment without `namespace:` and without `-n` falls back to.
    pub fn context_namespace(&self) -> Option<&str> {
        matches!(
            self.namespace_source,
            Source::Kubeconfig | Source::InCluster
        )
        .then_some(self.namespace.as_str())
    }

    /// The namespace in effect is `namespace`, which comes from `source`; `origin` says where
    /// kmcp.yaml sets it (for a `Project` namespace), so that a hint can say how to change it.
    pub fn use_namespace(&mut self, namespace: &str, source: Source, origin: Option<String>) {
        self.namespace = namespace.to_string();
        self.namespace_source = source;
        self.namespace_origin = origin;
    }

    /// `kubectl cluster-info` for this connection (see [`cluster_info_command`]).
    pub fn cluster_info_command(&self) -> String {
        let server = (self.server_source == Source::Flag).then_some(self.server.as_str());
        cluster_info_command(self.context.as_deref(), server)
    }

    /// How to use another namespace than `missing`, true for where the namespace came from:
    /// kmcp.yaml's (an `-n` that disagrees is refused) is changed in kmcp.yaml; `-n`, the
    /// context's or the default one with `-n`. Empty for a namespace that is not the one in
    /// effect (a command asked about it for another reason).
    fn other_namespace_hint(&self, missing: &str) -> String {
        if missing != self.namespace {
            return String::new();
        }
        match (self.namespace_source, &self.namespace_origin) {
            (Source::Project, Some(origin)) => format!(", or change {origin}"),
            (Source::Project, None) => {
                ", or change the environment's `namespace` in kmcp.yaml".into()
            }
            (Source::Kubeconfig, _) => match &self.context {
                Some(c) => {
                    format!(", or pick another with -n (context {c}'s namespace is {missing})")
                }
                None => ", or pick another with -n".into(),
            },
            _ => ", or pick another with -n".into(),
        }
    }

    /// Runs one API request under `--request-timeout` and turns its failure into a typed
    /// [`Error::Api`]: the HTTP status and the server's reason as fields, the line for the user
    /// explained for `action`. Every request of every command goes through here; callers that
    /// expect an answer such as 403 or 404 decide on [`ApiError::status`], never on the text.
    pub async fn call<T, F>(&self, action: Action<'_>, request: F) -> Result<T>
    where
        F: std::future::Future<Output = std::result::Result<T, kube::Error>>,
    {
        let answer = match self.timeout {
            Some(t) => match tokio::time::timeout(t, request).await {
                Ok(answer) => answer,
                Err(_) => {
                    return Err(Error::Api(ApiError {
                        message: format!(
                            "the API server at {} did not answer within {t:?} (--request-timeout) while trying to {} {}",
                            self.server, action.verb, action.resource
                        ),
                        ..ApiError::default()
                    }));
                }
            },
            None => request.await,
        };
        answer.map_err(|e| Error::Api(self.explain(e, &action)))
    }

    /// The typed error for a failed request: the server's status, reason and message, and one
    /// line that says who was refused what and how to check it, which namespace is missing, or
    /// which server could not be reached and what to check.
    fn explain(&self, err: kube::Error, action: &Action<'_>) -> ApiError {
        if let kube::Error::SerdeError(e) = &err {
            return ApiError {
                message: unreadable_answer(e, action),
                ..ApiError::default()
            };
        }
        let kube::Error::Api(status) = &err else {
            return ApiError {
                message: self.unreachable(&err),
                ..ApiError::default()
            };
        };
        let where_ = action
            .namespace
            .map(|ns| format!(" in namespace {ns:?}"))
            .unwrap_or_else(|| " at cluster scope".into());
        let message = match status.code {
            403 => {
                let user = server_user(&status.message)
                    .or_else(|| self.user.clone())
                    .unwrap_or_else(|| "the current user".into());
                // The verb the server's message names, which can differ from the action's: a
                // server-side apply is authorized as `patch` whether or not it creates.
                let verb = server_verb(&status.message);
                let action = Action {
                    verb: verb.as_deref().unwrap_or(action.verb),
                    ..action.clone()
                };
                let what = match action.name {
                    Some(name) => format!("{} {}/{}", action.verb, action.resource, name),
                    None => format!("{} {}", action.verb, action.resource),
                };
                format!(
                    "forbidden: user {user:?} cannot {what}{where_}; check with `{}` and ask a cluster admin for a Role that allows it",
                    action.can_i_command(self)
                )
            }
            404 => {
                let details = status.details.as_ref();
                if details.is_some_and(|d| d.kind == "namespaces") {
                    let ns = details.map(|d| d.name.clone()).unwrap_or_default();
                    format!(
                        "namespace {ns:?} not found on {}; create it with `kubectl create namespace {ns}`{}",
                        self.server,
                        self.other_namespace_hint(&ns)
                    )
                } else {
                    format!(
                        "{}{where_}: not found ({})",
                        action.resource, status.message
                    )
                }
            }
            401 => self.unauthorized(&status.message),
            code => format!(
                "{} {}{where_} failed: {} ({}, HTTP {code})",
                action.verb, action.resource, status.message, status.reason
            ),
        };
        ApiError {
            status: Some(status.code),
            reason: status.reason.clone(),
            server_message: status.message.clone(),
            message,
        }
    }

    /// The one line for credentials the server refused (401), naming where they came from: the
    /// token given with --token, the kubeconfig's user, the in-cluster service account.
    fn unauthorized(&self, server_message: &str) -> String {
        let (whose, check) = match self.credentials_source {
            Source::Flag => (
                "the token given with --token".to_string(),
                "check that token (it may have expired or belong to another cluster)".to_string(),
            ),
            Source::InCluster => (
                "this pod's service account token".to_string(),
                "check the pod's service account and its token".to_string(),
            ),
            Source::Default | Source::Project => (
                "the request, which carried no credentials".to_string(),
                "give a token with --token, or use a kubeconfig with a user (--kubeconfig, --context)".to_string(),
            ),
            Source::Kubeconfig => {
                let user = self.user.as_deref().unwrap_or("?");
                let ctx = self
                    .context
                    .as_deref()
                    .map(|c| format!(" (context {c:?})"))
                    .unwrap_or_default();
                (
                    format!("the credentials of kubeconfig user {user:?}{ctx}"),
                    format!("check the token or client certificate of user {user:?} in your kubeconfig (`kubectl config view --minify`)"),
                )
            }
        };
        format!(
            "the API server {} rejected {whose}: {server_message}; {check}",
            self.server
        )
    }

    /// The one line for a server that could not be reached or did not answer in time, from the
    /// kind of the I/O error under the failure.
    fn unreachable(&self, err: &kube::Error) -> String {
        let reason = match io_error_kind(err) {
            Some(std::io::ErrorKind::ConnectionRefused) => "connection refused".to_string(),
            Some(std::io::ErrorKind::TimedOut) => match self.timeout {
                Some(t) => format!("no answer within {t:?} (--request-timeout)"),
                None => "the connection timed out".to_string(),
            },
            // tokio-rustls reports a failed handshake (certificate, protocol) as invalid data.
            Some(std::io::ErrorKind::InvalidData) => format!(
                "TLS failed ({}); check --certificate-authority or the kubeconfig's certificate-authority-data",
                last_cause(err)
            ),
            _ => last_cause(err),
        };
        // The server given with --server is not the context's: the hint checks that address.
        if self.server_source == Source::Flag {
            return format!(
                "cannot reach the Kubernetes API server at {} (given with --server): {reason}; check the address and that an API server runs there (`{}`)",
                self.server,
                self.cluster_info_command()
            );
        }
        let ctx = self
            .context
            .as_deref()
            .map(|c| format!(" (context {c:?})"))
            .unwrap_or_default();
        format!(
            "cannot reach the Kubernetes API server at {}{ctx}: {reason}; check that the cluster is running and that `{}` works",
            self.server,
            self.cluster_info_command()
        )
    }
}

/// The line for an answer that could not be decoded: where it failed and what kind of error,
/// never serde's own text, which quotes what it read (a body can hold Secret data).
pub fn unreadable_answer(e: &serde_json::Error, action: &Action<'_>) -> String {
    let kind = match e.classify() {
        serde_json::error::Category::Io => "an I/O error",
        serde_json::error::Category::Syntax => "not valid JSON",
        serde_json::error::Category::Data => "a field of an unexpected type or value",
        serde_json::error::Category::Eof => "cut short",
    };
    let object = match action.name {
        Some(name) => format!("{}/{name}", action.resource),
        None => action.resource.to_string(),
    };
    let where_ = action
        .namespace
        .map(|ns| format!(" in namespace {ns}"))
        .unwrap_or_default();
    format!(
        "the API server's answer for {object}{where_} could not be read: {kind} at line {}, column {} (the answer is not shown: it can hold Secret data); check the object with `kubectl get {object}{}`",
        e.line(),
        e.column(),
        action
            .namespace
            .map(|ns| format!(" -n {ns}"))
            .unwrap_or_default()
    )
}

/// The kind of the first I/O error in the chain of causes, if there is one.
fn io_error_kind(err: &(dyn std::error::Error + 'static)) -> Option<std::io::ErrorKind> {
    let mut next = Some(err);
    while let Some(e) = next {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        next = e.source();
    }
    None
}

/// The innermost cause of an error, which names what actually failed.
fn last_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut last = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        last = cause.to_string();
        source = cause.source();
    }
    last
}

/// The user name in an API server's Forbidden message (`User "alice" cannot get resource ...`).
fn server_user(message: &str) -> Option<String> {
    let start = message.find("User \"")? + 6;
    let end = message[start..].find('"')?;
    Some(message[start..start + end].to_string())
}

/// The verb in an API server's Forbidden message (`User "alice" cannot get resource ...`).
fn server_verb(message: &str) -> Option<String> {
    let start = message.find("\" cannot ")? + 9;
    let verb = message[start..].split(' ').next()?;
    (!verb.is_empty()).then(|| verb.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_message_names_the_server_side_user() {
        let msg = r#"secrets is forbidden: User "restricted" cannot list resource "secrets" in API group "" in the namespace "a""#;
        assert_eq!(server_user(msg).as_deref(), Some("restricted"));
        assert_eq!(server_user("no user here"), None);
        assert_eq!(server_verb(msg).as_deref(), Some("list"));
        assert_eq!(server_verb("no verb here"), None);
    }

    #[test]
    fn an_unreadable_answer_is_explained_without_its_text() {
        let e = serde_json::from_str::<std::collections::BTreeMap<String, i32>>(
            r#"{"TOKEN": "hunter2-value"}"#,
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("hunter2-value"),
            "serde quotes it: {e}"
        );
        let action = Action::new("get", "secrets", Some("ns")).named("s");
        let line = unreadable_answer(&e, &action);
        assert!(!line.contains("hunter2"), "{line}");
        assert!(line.contains("secrets/s in namespace ns could not be read: a field of an unexpected type or value at line 1"), "{line}");
    }

    proptest::proptest! {
        /// A Forbidden message is server text: any of it is read without a crash.
        #[test]
        fn any_server_message_is_read_without_crashing(
            head in proptest::prelude::any::<String>(),
            tail in proptest::prelude::any::<String>(),
        ) {
            for msg in [
                format!("{head}User \"{tail}"),
                format!("{head}\" cannot {tail}"),
                format!("User \"{head}\" cannot {tail}"),
                head.clone(),
            ] {
                let _ = server_user(&msg);
                let _ = server_verb(&msg);
            }
        }
    }
}
