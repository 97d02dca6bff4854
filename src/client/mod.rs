//! The kubectl-flag client builder: kubectl's global connection flags, turned into a
//! `kube::Client` exactly as kubectl would (kubeconfig merging, context/cluster/user overrides,
//! impersonation, timeouts), and API errors turned into one explained line.
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use kube::config::{AuthInfo, KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

use crate::error::{Error, Result};

/// kubectl's global flags, with kubectl's names and meaning. Accepted before or after the
/// subcommand.
#[derive(Debug, Clone, Default, Args)]
pub struct KubeFlags {
    /// Path to the kubeconfig file to use (else $KUBECONFIG, else ~/.kube/config)
    #[arg(
        long,
        global = true,
        value_name = "PATH",
        help_heading = "Kubernetes flags"
    )]
    pub kubeconfig: Option<PathBuf>,
    /// The name of the kubeconfig context to use
    #[arg(long, global = true, help_heading = "Kubernetes flags")]
    pub context: Option<String>,
    /// The name of the kubeconfig cluster to use
    #[arg(long, global = true, help_heading = "Kubernetes flags")]
    pub cluster: Option<String>,
    /// The name of the kubeconfig user to use
    #[arg(long, global = true, help_heading = "Kubernetes flags")]
    pub user: Option<String>,
    /// The namespace scope for this request
    #[arg(short = 'n', long, global = true, help_heading = "Kubernetes flags")]
    pub namespace: Option<String>,
    /// The address and port of the Kubernetes API server
    #[arg(
        short = 's',
        long,
        global = true,
        value_name = "URL",
        help_heading = "Kubernetes flags"
    )]
    pub server: Option<String>,
    /// Bearer token for authentication to the API server
    #[arg(
        long,
        global = true,
        hide_env_values = true,
        help_heading = "Kubernetes flags"
    )]
    pub token: Option<String>,
    /// Path to a cert file for the certificate authority
    #[arg(
        long,
        global = true,
        value_name = "PATH",
        help_heading = "Kubernetes flags"
    )]
    pub certificate_authority: Option<PathBuf>,
    /// If true, the server's certificate will not be checked for validity (insecure)
    #[arg(long, global = true, help_heading = "Kubernetes flags")]
    pub insecure_skip_tls_verify: bool,
    /// Server name to use for server certificate validation
    #[arg(long, global = true, help_heading = "Kubernetes flags")]
    pub tls_server_name: Option<String>,
    /// Username to impersonate for the operation (a user or a service account)
    #[arg(
        long = "as",
        global = true,
        value_name = "USER",
        help_heading = "Kubernetes flags"
    )]
    pub as_user: Option<String>,
    /// Group to impersonate for the operation; repeat it to specify multiple groups
    #[arg(
        long = "as-group",
        global = true,
        value_name = "GROUP",
        help_heading = "Kubernetes flags"
    )]
    pub as_group: Vec<String>,
    /// UID to impersonate for the operation
    #[arg(
        long = "as-uid",
        global = true,
        value_name = "UID",
        help_heading = "Kubernetes flags"
    )]
    pub as_uid: Option<String>,
    /// How long to wait for a single server request: 0 (no limit), 30s, 2m, 1h
    #[arg(long, global = true, value_name = "DURATION", default_value = "0",
          value_parser = parse_duration, help_heading = "Kubernetes flags")]
    pub request_timeout: DurationArg,
    /// Log verbosity, as kubectl's -v: 0 warnings, 1-3 info, 4-5 debug, 6+ requests
    #[arg(
        short = 'v',
        long = "v",
        global = true,
        value_name = "N",
        help_heading = "Kubernetes flags"
    )]
    pub verbosity: Option<u8>,
}

/// A parsed `--request-timeout`; `None` means no limit (`0`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DurationArg(pub Option<Duration>);

/// Parses kubectl's duration syntax: a bare integer is seconds (`0` = no limit), else one or more
/// number+unit pairs (`1h2m3s`, `500ms`, `2m`).
pub fn parse_duration(text: &str) -> std::result::Result<DurationArg, String> {
    let text = text.trim();
    let bad = || {
        format!("invalid duration {text:?}: use a number of seconds or a unit, e.g. 0, 30s, 2m, 1h")
    };
    if text.is_empty() {
        return Err(bad());
    }
    if let Ok(secs) = text.parse::<u64>() {
        return Ok(DurationArg((secs > 0).then(|| Duration::from_secs(secs))));
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(bad)?;
        if digits == 0 {
            return Err(bad());
        }
        let number: f64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let factor = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(bad()),
        };
        rest = &rest[unit_len..];
        total += Duration::from_secs_f64(number * factor);
    }
    Ok(DurationArg((!total.is_zero()).then_some(total)))
}

/// Where a setting in effect came from, for messages and `troubleshoot`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    Flag,
    Project,
    Kubeconfig,
    InCluster,
    Default,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Source::Flag => "flag",
            Source::Project => "kmcp.yaml",
            Source::Kubeconfig => "kubeconfig",
            Source::InCluster => "in-cluster",
            Source::Default => "default",
        })
    }
}

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
}

/// What the kubeconfig says, before any connection: enough for commands that work without a
/// cluster (`--dry-run=client`) to resolve the namespace as kubectl would.
#[derive(Debug, Clone, Default)]
pub struct KubeconfigView {
    pub context: Option<String>,
    pub namespace: Option<String>,
}

impl KubeFlags {
    /// The merged kubeconfig kubectl would use: `--kubeconfig`, else every file of `$KUBECONFIG`
    /// merged (first one wins, as kubectl), else `~/.kube/config`; `None` when none exists.
    pub fn kubeconfig(&self) -> Result<Option<Kubeconfig>> {
        if let Some(path) = &self.kubeconfig {
            if !path.exists() {
                return Err(Error::Config(format!(
                    "the kubeconfig file {} given with --kubeconfig does not exist",
                    path.display()
                )));
            }
            return Kubeconfig::read_from(path).map(Some).map_err(|e| {
                Error::Config(format!(
                    "cannot read kubeconfig {}: {}",
                    path.display(),
                    flatten(&e)
                ))
            });
        }
        if let Some(value) = std::env::var_os("KUBECONFIG") {
            let paths: Vec<PathBuf> = std::env::split_paths(&value)
                .filter(|p| !p.as_os_str().is_empty() && p.exists())
                .collect();
            if !paths.is_empty() {
                let mut merged = Kubeconfig::default();
                for path in &paths {
                    let next = Kubeconfig::read_from(path).map_err(|e| {
                        Error::Config(format!(
                            "cannot read kubeconfig {} (from KUBECONFIG): {}",
                            path.display(),
                            flatten(&e)
                        ))
                    })?;
                    merged = merged.merge(next).map_err(|e| Error::Config(flatten(&e)))?;
                }
                return Ok(Some(merged));
            }
        }
        let home = std::env::var_os("HOME").map(PathBuf::from);
        match home.map(|h| h.join(".kube").join("config")) {
            Some(path) if path.exists() => Kubeconfig::read_from(&path).map(Some).map_err(|e| {
                Error::Config(format!(
                    "cannot read kubeconfig {}: {}",
                    path.display(),
                    flatten(&e)
                ))
            }),
            _ => Ok(None),
        }
    }

    /// The context and namespace the kubeconfig selects, without connecting; errors are ignored
    /// (a missing or broken kubeconfig simply gives nothing), since this only serves defaults.
    pub fn kubeconfig_view(&self) -> KubeconfigView {
        let Ok(Some(kc)) = self.kubeconfig() else {
            return KubeconfigView::default();
        };
        let context = self.context.clone().or_else(|| kc.current_context.clone());
        let namespace = context.as_ref().and_then(|name| {
            kc.contexts
                .iter()
                .find(|c| &c.name == name)
                .and_then(|c| c.context.as_ref())
                .and_then(|c| c.namespace.clone())
        });
        KubeconfigView { context, namespace }
    }

    /// The namespace for commands that do not take it from kmcp.yaml: `-n`, else the context's,
    /// else `default`.
    pub fn default_namespace(&self, view: &KubeconfigView) -> (String, Source) {
        if let Some(ns) = &self.namespace {
            (ns.clone(), Source::Flag)
        } else if let Some(ns) = &view.namespace {
            (ns.clone(), Source::Kubeconfig)
        } else {
            ("default".to_string(), Source::Default)
        }
    }

    /// Builds the client kubectl would build from these flags. Does not send a request.
    pub async fn connect(&self) -> Result<Connection> {
        let kubeconfig = self.kubeconfig()?;
        let (mut config, context, mut user, ns_from_config) = match kubeconfig {
            Some(kc) => self.config_from_kubeconfig(kc).await?,
            None if self.server.is_some() => {
                let uri = self.server_uri()?;
                (Config::new(uri), None, None, None)
            }
            None => match Config::incluster() {
                Ok(config) => {
                    let ns = config.default_namespace.clone();
                    (config, None, None, Some((ns, Source::InCluster)))
                }
                Err(_) => {
                    return Err(Error::Config(
                        "no kubeconfig found and not running inside a cluster: set KUBECONFIG, \
                         pass --kubeconfig PATH, or create ~/.kube/config"
                            .to_string(),
                    ));
                }
            },
        };
        if self.server.is_some() {
            config.cluster_url = self.server_uri()?;
        }
        if let Some(token) = &self.token {
            config.auth_info = AuthInfo {
                token: Some(token.clone().into()),
                ..AuthInfo::default()
            };
        }
        if let Some(path) = &self.certificate_authority {
            std::fs::metadata(path).map_err(|e| {
                Error::Config(format!(
                    "cannot read --certificate-authority {}: {e}",
                    path.display()
                ))
            })?;
            config.root_cert = None;
            config.root_cert_file =
                Some(std::path::absolute(path).unwrap_or_else(|_| path.clone()));
        }
        if self.insecure_skip_tls_verify {
            config.accept_invalid_certs = true;
        }
        if let Some(name) = &self.tls_server_name {
            config.tls_server_name = Some(name.clone());
        }
        if let Some(as_user) = &self.as_user {
            config.auth_info.impersonate = Some(as_user.clone());
            user = Some(as_user.clone());
        }
        if !self.as_group.is_empty() {
            if self.as_user.is_none() {
                return Err(Error::Usage("--as-group needs --as (kubectl: requesting groups without a user is not allowed)".into()));
            }
            config.auth_info.impersonate_groups = Some(self.as_group.clone());
        }
        if let Some(uid) = &self.as_uid {
            config.auth_info.impersonate_uid = Some(uid.clone());
        }
        let timeout = self.request_timeout.0;
        if let Some(t) = timeout {
            config.connect_timeout = Some(t);
            config.read_timeout = Some(t);
            config.write_timeout = Some(t);
        }
        let (namespace, namespace_source) = match (&self.namespace, ns_from_config) {
            (Some(ns), _) => (ns.clone(), Source::Flag),
            (None, Some((ns, src))) => (ns, src),
            (None, None) => ("default".to_string(), Source::Default),
        };
        config.default_namespace = namespace.clone();
        let server = config
            .cluster_url
            .to_string()
            .trim_end_matches('/')
            .to_string();
        let client = build_client(config).map_err(|e| {
            Error::Config(format!(
                "cannot set up a client for {server}: {}",
                flatten(&e)
            ))
        })?;
        Ok(Connection {
            client,
            namespace,
            namespace_source,
            context,
            user,
            server,
            timeout,
            impersonation: self.impersonation_flags(),
        })
    }

    /// `--as USER --as-group G ...` as kubectl would take them back.
    fn impersonation_flags(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(user) = &self.as_user {
            out.push(format!("--as {user}"));
        }
        for group in &self.as_group {
            out.push(format!("--as-group {group}"));
        }
        out
    }

    fn server_uri(&self) -> Result<http::Uri> {
        let server = self.server.as_deref().unwrap_or_default();
        server
            .parse::<http::Uri>()
            .map_err(|e| Error::Usage(format!("--server {server:?} is not a URL: {e}")))
    }

    async fn config_from_kubeconfig(
        &self,
        kc: Kubeconfig,
    ) -> Result<(
        Config,
        Option<String>,
        Option<String>,
        Option<(String, Source)>,
    )> {
        let context_name = self.context.clone().or_else(|| kc.current_context.clone());
        let context = context_name.as_ref().and_then(|name| {
            kc.contexts
                .iter()
                .find(|c| &c.name == name)
                .and_then(|c| c.context.clone())
        });
        match (&context_name, &context) {
            (Some(name), None) if self.cluster.is_none() || self.user.is_none() => {
                let known: Vec<&str> = kc.contexts.iter().map(|c| c.name.as_str()).collect();
                return Err(Error::Config(format!(
                    "context {name:?} not found in the kubeconfig; contexts: {} (see `kubectl config get-contexts`)",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                )));
            }
            (None, _) if self.cluster.is_none() && self.server.is_none() => {
                return Err(Error::Config(
                    "the kubeconfig has no current context: pass --context NAME or run `kubectl config use-context NAME`".into(),
                ));
            }
            _ => {}
        }
        if let Some(cluster) = &self.cluster
            && !kc.clusters.iter().any(|c| &c.name == cluster)
        {
            return Err(Error::Config(format!(
                "cluster {cluster:?} given with --cluster is not in the kubeconfig"
            )));
        }
        if let Some(user) = &self.user
            && !kc.auth_infos.iter().any(|u| &u.name == user)
        {
            return Err(Error::Config(format!(
                "user {user:?} given with --user is not in the kubeconfig"
            )));
        }
        let user = self
            .user
            .clone()
            .or_else(|| context.as_ref().and_then(|c| c.user.clone()));
        let ns = context.as_ref().and_then(|c| c.namespace.clone());
        let options = KubeConfigOptions {
            context: context_name.clone(),
            cluster: self.cluster.clone(),
            user: self.user.clone(),
        };
        let mut kc = kc;
        if context.is_none() {
            // --cluster and --user without a context: kube needs a context to exist.
            kc.contexts.push(kube::config::NamedContext {
                name: "kubectl-kmcp-flags".into(),
                context: Some(kube::config::Context {
                    cluster: self.cluster.clone().unwrap_or_default(),
                    user: self.user.clone(),
                    ..Default::default()
                }),
                other: Default::default(),
            });
        }
        let options = if context.is_none() {
            KubeConfigOptions {
                context: Some("kubectl-kmcp-flags".into()),
                ..options
            }
        } else {
            options
        };
        let config = Config::from_custom_kubeconfig(kc, &options)
            .await
            .map_err(|e| {
                Error::Config(format!(
                    "cannot use context {}: {}",
                    context_name.as_deref().unwrap_or("(none)"),
                    flatten(&e)
                ))
            })?;
        Ok((
            config,
            context_name,
            user,
            ns.map(|n| (n, Source::Kubeconfig)),
        ))
    }
}

/// The kube client for `config`, as `Client::try_from` builds it but with TCP_NODELAY: without
/// it, the first request after the TLS handshake waits for the server's delayed ACK (Nagle),
/// about 40 ms per process, which made every command several times slower on a local cluster.
/// Falls back to kube's own builder for configurations it handles specially (proxies).
fn build_client(config: Config) -> std::result::Result<Client, kube::Error> {
    use hyper_util::client::legacy::connect::HttpConnector;
    use kube::client::ConfigExt;
    if config.proxy_url.is_some() {
        return Client::try_from(config);
    }
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    let https = config.rustls_https_connector_with_connector(http)?;
    let mut connector = hyper_timeout::TimeoutConnector::new(https);
    connector.set_connect_timeout(config.connect_timeout);
    connector.set_read_timeout(config.read_timeout);
    connector.set_write_timeout(config.write_timeout);
    let hyper = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build(connector);
    let service = tower::ServiceBuilder::new()
        .layer(config.base_uri_layer())
        // kube's own builder logs each request at debug on `kube_client` (shown from -v=6 on);
        // keep that: method and URL only, never a body.
        .map_request(|req: http::Request<kube::client::Body>| {
            tracing::debug!(target: "kube_client", "{} {}", req.method(), req.uri());
            req
        })
        .option_layer(config.auth_layer()?)
        .layer(config.extra_headers_layer()?)
        .map_err(Box::<dyn std::error::Error + Send + Sync>::from)
        .service(hyper);
    Ok(Client::new(service, config.default_namespace))
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
    pub fn new(verb: &'a str, resource: &'a str, namespace: Option<&'a str>) -> Self {
        Action {
            verb,
            resource,
            namespace,
            name: None,
        }
    }
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

/// The HTTP status of an API error, if the server answered.
pub fn status_code(err: &kube::Error) -> Option<u16> {
    match err {
        kube::Error::Api(status) => Some(status.code),
        _ => None,
    }
}

pub fn is_not_found(err: &kube::Error) -> bool {
    status_code(err) == Some(404)
}

pub fn is_forbidden(err: &kube::Error) -> bool {
    status_code(err) == Some(403)
}

impl Connection {
    /// One line that explains a failed request: who was refused what and how to check it, which
    /// namespace is missing, or which server could not be reached and what to check.
    pub fn explain(&self, err: kube::Error, action: &Action<'_>) -> Error {
        let where_ = action
            .namespace
            .map(|ns| format!(" in namespace {ns:?}"))
            .unwrap_or_else(|| " at cluster scope".into());
        match &err {
            kube::Error::Api(status) if status.code == 403 => {
                let user = server_user(&status.message)
                    .or_else(|| self.user.clone())
                    .unwrap_or_else(|| "the current user".into());
                let what = match action.name {
                    Some(name) => format!("{} {}/{}", action.verb, action.resource, name),
                    None => format!("{} {}", action.verb, action.resource),
                };
                Error::Api(format!(
                    "forbidden: user {user:?} cannot {what}{where_}; check with `{}` and ask a cluster admin for a Role that allows it",
                    action.can_i_command(self)
                ))
            }
            kube::Error::Api(status) if status.code == 404 => {
                let kind = status
                    .details
                    .as_ref()
                    .map(|d| d.kind.as_str())
                    .unwrap_or("");
                if kind == "namespaces" {
                    let ns = status
                        .details
                        .as_ref()
                        .map(|d| d.name.clone())
                        .unwrap_or_default();
                    Error::Api(format!(
                        "namespace {ns:?} not found on {}; create it with `kubectl create namespace {ns}` or pick another with -n",
                        self.server
                    ))
                } else {
                    Error::Api(format!(
                        "{}{where_}: not found ({})",
                        action.resource, status.message
                    ))
                }
            }
            kube::Error::Api(status) if status.code == 401 => Error::Api(format!(
                "the API server {} rejected the credentials of user {:?} (context {:?}): {}; check the token or certificate in your kubeconfig",
                self.server,
                self.user.as_deref().unwrap_or("?"),
                self.context.as_deref().unwrap_or("?"),
                status.message
            )),
            kube::Error::Api(status) => Error::Api(format!(
                "{} {}{where_} failed: {} ({}, HTTP {})",
                action.verb, action.resource, status.message, status.reason, status.code
            )),
            _ => self.unreachable(&err),
        }
    }

    /// The one line for a server that could not be reached or did not answer in time.
    pub fn unreachable(&self, err: &kube::Error) -> Error {
        let cause = flatten(err);
        let reason = if cause.contains("Connection refused") || cause.contains("connection refused")
        {
            "connection refused".to_string()
        } else if cause.to_lowercase().contains("timed out") || cause.contains("elapsed") {
            match self.timeout {
                Some(t) => format!("no answer within {:?} (--request-timeout)", t),
                None => "the connection timed out".to_string(),
            }
        } else if cause.contains("certificate") || cause.contains("tls") || cause.contains("TLS") {
            format!(
                "TLS failed ({}); check --certificate-authority or the kubeconfig's certificate-authority-data",
                last_cause(err)
            )
        } else {
            last_cause(err)
        };
        let ctx = self
            .context
            .as_deref()
            .map(|c| format!(" (context {c:?})"))
            .unwrap_or_default();
        let check = match &self.context {
            Some(c) => format!("kubectl --context {c} cluster-info"),
            None => "kubectl cluster-info".to_string(),
        };
        Error::Api(format!(
            "cannot reach the Kubernetes API server at {}{ctx}: {reason}; check that the cluster is running and that `{check}` works",
            self.server
        ))
    }

    /// Runs one request under `--request-timeout` and explains its failure.
    pub async fn call<T, F>(&self, action: Action<'_>, fut: F) -> Result<T>
    where
        F: std::future::Future<Output = std::result::Result<T, kube::Error>>,
    {
        match self.timeout {
            Some(t) => match tokio::time::timeout(t, fut).await {
                Ok(res) => res.map_err(|e| self.explain(e, &action)),
                Err(_) => Err(Error::Api(format!(
                    "the API server at {} did not answer within {:?} (--request-timeout) while trying to {} {}",
                    self.server, t, action.verb, action.resource
                ))),
            },
            None => fut.await.map_err(|e| self.explain(e, &action)),
        }
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_follow_kubectl() {
        assert_eq!(parse_duration("0").unwrap(), DurationArg(None));
        assert_eq!(
            parse_duration("5").unwrap(),
            DurationArg(Some(Duration::from_secs(5)))
        );
        assert_eq!(
            parse_duration("30s").unwrap(),
            DurationArg(Some(Duration::from_secs(30)))
        );
        assert_eq!(
            parse_duration("2m").unwrap(),
            DurationArg(Some(Duration::from_secs(120)))
        );
        assert_eq!(
            parse_duration("1h2m3s").unwrap(),
            DurationArg(Some(Duration::from_secs(3723)))
        );
        assert_eq!(
            parse_duration("500ms").unwrap(),
            DurationArg(Some(Duration::from_millis(500)))
        );
        assert!(parse_duration("").is_err());
        assert!(parse_duration("ten").is_err());
        assert!(parse_duration("5x").is_err());
        assert!(parse_duration("s").is_err());
    }

    #[test]
    fn forbidden_message_names_the_server_side_user() {
        let msg = r#"secrets is forbidden: User "restricted" cannot list resource "secrets" in API group "" in the namespace "a""#;
        assert_eq!(server_user(msg).as_deref(), Some("restricted"));
        assert_eq!(server_user("no user here"), None);
    }
}
