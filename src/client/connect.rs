//! From kubectl's flags to a `kube::Client`, exactly as kubectl would: kubeconfig merging,
//! context/cluster/user overrides, impersonation, timeouts, TCP_NODELAY.
use std::path::PathBuf;

use kube::config::{AuthInfo, KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

use super::{Connection, flatten};
use crate::cli::KubeFlags;
use crate::core::Source;
use crate::error::{Error, Result};

/// What the kubeconfig says, before any connection: enough for commands that work without a
/// cluster (`--dry-run=client`) to resolve the namespace as kubectl would.
#[derive(Debug, Clone, Default)]
pub struct KubeconfigView {
    pub context: Option<String>,
    pub namespace: Option<String>,
}

/// The names a kubeconfig defines, for completion.
#[derive(Debug, Clone, Default)]
pub struct KubeconfigNames {
    pub contexts: Vec<String>,
    pub clusters: Vec<String>,
    pub users: Vec<String>,
}

/// What the flags mean for the connection. Declared here, in the shell's client, so that `cli`
/// holds only the flags and knows nothing of kube.
impl KubeFlags {
    /// Builds the client kubectl would build from these flags. Does not send a request.
    pub async fn connect(&self) -> Result<Connection> {
        connect(self).await
    }

    /// The context and namespace the kubeconfig selects, without connecting; errors are ignored
    /// (a missing or broken kubeconfig simply gives nothing), since this only serves defaults.
    pub fn kubeconfig_view(&self) -> KubeconfigView {
        kubeconfig_view(self)
    }

    /// The contexts, clusters and users of the kubeconfig kubectl would read; nothing when
    /// there is none or it cannot be read (completion stays silent).
    pub fn kubeconfig_names(&self) -> KubeconfigNames {
        let Ok(Some(kc)) = kubeconfig(self) else {
            return KubeconfigNames::default();
        };
        KubeconfigNames {
            contexts: kc.contexts.into_iter().map(|c| c.name).collect(),
            clusters: kc.clusters.into_iter().map(|c| c.name).collect(),
            users: kc.auth_infos.into_iter().map(|u| u.name).collect(),
        }
    }

    /// The namespace for commands that do not take it from kmcp.yaml: `-n`, else the context's,
    /// else `default`.
    pub fn default_namespace(&self, view: &KubeconfigView) -> (String, Source) {
        default_namespace(self, view)
    }

    /// Every context of the kubeconfig, in its order (`audit --all-contexts`).
    pub fn context_names(&self) -> Result<Vec<String>> {
        let kc = kubeconfig(self)?.ok_or_else(|| {
            Error::Config(
                "--all-contexts: no kubeconfig found (--kubeconfig, $KUBECONFIG or ~/.kube/config)"
                    .into(),
            )
        })?;
        Ok(kc.contexts.into_iter().map(|c| c.name).collect())
    }
}

/// The merged kubeconfig kubectl would use: `--kubeconfig`, else every file of `$KUBECONFIG`
/// merged (first one wins, as kubectl), else `~/.kube/config`; `None` when none exists.
fn kubeconfig(flags: &KubeFlags) -> Result<Option<Kubeconfig>> {
    if let Some(path) = &flags.kubeconfig {
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
    if let Some(value) = std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
        let paths: Vec<PathBuf> = std::env::split_paths(&value)
            .filter(|p| !p.as_os_str().is_empty() && p.exists())
            .collect();
        // As kubectl: a set KUBECONFIG is the list of files, missing ones are skipped, and
        // ~/.kube/config (a file the user did not name) is not read instead.
        if paths.is_empty() {
            return Ok(None);
        }
        {
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
fn kubeconfig_view(flags: &KubeFlags) -> KubeconfigView {
    let Ok(Some(kc)) = kubeconfig(flags) else {
        return KubeconfigView::default();
    };
    let context = flags
        .context
        .clone()
        .or_else(|| flags.contexts.last().cloned())
        .or_else(|| kc.current_context.clone());
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
fn default_namespace(flags: &KubeFlags, view: &KubeconfigView) -> (String, Source) {
    if let Some(ns) = &flags.namespace {
        (ns.clone(), Source::Flag)
    } else if let Some(ns) = &view.namespace {
        (ns.clone(), Source::Kubeconfig)
    } else {
        ("default".to_string(), Source::Default)
    }
}

/// Builds the client kubectl would build from these flags. Does not send a request.
async fn connect(flags: &KubeFlags) -> Result<Connection> {
    let kubeconfig = kubeconfig(flags)?;
    let mut credentials_source = match (&kubeconfig, flags.server.is_some()) {
        (Some(_), _) => Source::Kubeconfig,
        (None, true) => Source::Default,
        (None, false) => Source::InCluster,
    };
    let server_source = match (flags.server.is_some(), &kubeconfig) {
        (true, _) => Source::Flag,
        (false, Some(_)) => Source::Kubeconfig,
        (false, None) => Source::InCluster,
    };
    let (mut config, context, mut user, ns_from_config) = match kubeconfig {
        Some(kc) => config_from_kubeconfig(flags, kc).await?,
        None if flags.server.is_some() => {
            let uri = server_uri(flags)?;
            (Config::new(uri), None, None, None)
        }
        None => match Config::incluster() {
            Ok(config) => {
                let ns = config.default_namespace.clone();
                (config, None, None, Some((ns, Source::InCluster)))
            }
            Err(_) => return Err(Error::Config(no_kubeconfig())),
        },
    };
    if flags.server.is_some() {
        config.cluster_url = server_uri(flags)?;
    }
    if let Some(token) = &flags.token {
        credentials_source = Source::Flag;
        config.auth_info = AuthInfo {
            token: Some(token.clone().into()),
            ..AuthInfo::default()
        };
    }
    if let Some(path) = &flags.certificate_authority {
        std::fs::metadata(path).map_err(|e| {
            Error::Config(format!(
                "cannot read --certificate-authority {}: {e}",
                path.display()
            ))
        })?;
        config.root_cert = None;
        config.root_cert_file = Some(std::path::absolute(path).unwrap_or_else(|_| path.clone()));
    }
    if flags.insecure_skip_tls_verify {
        config.accept_invalid_certs = true;
    }
    if let Some(name) = &flags.tls_server_name {
        config.tls_server_name = Some(name.clone());
    }
    if let Some(as_user) = &flags.as_user {
        config.auth_info.impersonate = Some(as_user.clone());
        user = Some(as_user.clone());
    }
    if !flags.as_group.is_empty() {
        if flags.as_user.is_none() {
            return Err(Error::Usage(
                "--as-group needs --as (kubectl: requesting groups without a user is not allowed)"
                    .into(),
            ));
        }
        config.auth_info.impersonate_groups = Some(flags.as_group.clone());
    }
    if let Some(uid) = &flags.as_uid {
        config.auth_info.impersonate_uid = Some(uid.clone());
    }
    let timeout = flags.request_timeout.0;
    if let Some(t) = timeout {
        config.connect_timeout = Some(t);
        config.read_timeout = Some(t);
        config.write_timeout = Some(t);
    }
    let (namespace, namespace_source) = match (&flags.namespace, ns_from_config) {
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
        impersonation: impersonation_flags(flags),
        server_source,
        credentials_source,
        namespace_origin: None,
    })
}

/// Why there is no kubeconfig, and what to do, true for the case: a KUBECONFIG whose files do
/// not exist is named (setting it is not the fix), an unset one is not.
fn no_kubeconfig() -> String {
    match std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
        Some(value) => format!(
            "no kubeconfig found: KUBECONFIG is {}, and no file it names exists (kubectl skips missing files and does not read ~/.kube/config then), and this is not a pod in a cluster; point KUBECONFIG at your kubeconfig file, or pass --kubeconfig PATH",
            value.to_string_lossy()
        ),
        None => "no kubeconfig found: KUBECONFIG is not set, ~/.kube/config does not exist, and this is not a pod in a cluster; set KUBECONFIG, pass --kubeconfig PATH, or create ~/.kube/config".to_string(),
    }
}

/// `--as USER --as-group G ...` as kubectl would take them back.
fn impersonation_flags(flags: &KubeFlags) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(user) = &flags.as_user {
        out.push(format!("--as {user}"));
    }
    for group in &flags.as_group {
        out.push(format!("--as-group {group}"));
    }
    out
}

/// `--server` as a URI; a malformed one is a usage error.
fn server_uri(flags: &KubeFlags) -> Result<http::Uri> {
    let server = flags.server.as_deref().unwrap_or_default();
    server
        .parse::<http::Uri>()
        .map_err(|e| Error::Usage(format!("--server {server:?} is not a URL: {e}")))
}

/// The kube config of the context the flags select, with `--cluster`/`--user` overrides, and the
/// context's name, user and namespace; an unknown context, cluster or user is named.
async fn config_from_kubeconfig(
    flags: &KubeFlags,
    kc: Kubeconfig,
) -> Result<(
    Config,
    Option<String>,
    Option<String>,
    Option<(String, Source)>,
)> {
    let context_name = flags
        .context
        .clone()
        .or_else(|| flags.contexts.last().cloned())
        .or_else(|| kc.current_context.clone());
    let context = context_name.as_ref().and_then(|name| {
        kc.contexts
            .iter()
            .find(|c| &c.name == name)
            .and_then(|c| c.context.clone())
    });
    match (&context_name, &context) {
        (Some(name), None) if flags.cluster.is_none() || flags.user.is_none() => {
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
        (None, _) if flags.cluster.is_none() && flags.server.is_none() => {
            return Err(Error::Config(
                "the kubeconfig has no current context: pass --context NAME or run `kubectl config use-context NAME`".into(),
            ));
        }
        _ => {}
    }
    if let Some(cluster) = &flags.cluster
        && !kc.clusters.iter().any(|c| &c.name == cluster)
    {
        return Err(Error::Config(format!(
            "cluster {cluster:?} given with --cluster is not in the kubeconfig"
        )));
    }
    if let Some(user) = &flags.user
        && !kc.auth_infos.iter().any(|u| &u.name == user)
    {
        return Err(Error::Config(format!(
            "user {user:?} given with --user is not in the kubeconfig"
        )));
    }
    let user = flags
        .user
        .clone()
        .or_else(|| context.as_ref().and_then(|c| c.user.clone()));
    let ns = context.as_ref().and_then(|c| c.namespace.clone());
    let options = KubeConfigOptions {
        context: context_name.clone(),
        cluster: flags.cluster.clone(),
        user: flags.user.clone(),
    };
    let mut kc = kc;
    if context.is_none() {
        // --cluster and --user without a context: kube needs a context to exist.
        kc.contexts.push(kube::config::NamedContext {
            name: "kubectl-kmcp-flags".into(),
            context: Some(kube::config::Context {
                cluster: flags.cluster.clone().unwrap_or_default(),
                user: flags.user.clone(),
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
