//! kubectl's global flags (`--kubeconfig`, `--context`, `-n`, `--as`, `--request-timeout`, `-v`,
//! ...) and kubectl's duration syntax. Turning them into a client is `client::Connection::open`.
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

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
    /// The name of the kubeconfig context to use (audit takes it several times: a fleet)
    #[arg(
        long = "context",
        global = true,
        action = clap::ArgAction::Append,
        value_name = "CONTEXT",
        help_heading = "Kubernetes flags"
    )]
    pub contexts: Vec<String>,
    /// The context in effect: the one `--context` (set by `cli::parse`).
    #[arg(skip)]
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

/// Parses a boolean flag's value as kubectl does (Go's `strconv.ParseBool`): `--flag` alone is
/// true, and `--flag=true|false` (also `1`, `t`, `T`, `TRUE`, `True`, and their false forms).
pub fn parse_bool(text: &str) -> std::result::Result<bool, String> {
    match text {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(false),
        _ => Err(format!("invalid boolean {text:?}: use true or false")),
    }
}

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

impl KubeFlags {
    /// The flags for acting on a kmcp.yaml environment: its `context:` unless `--context` was
    /// given (the command line wins).
    pub fn for_environment(&self, env: &crate::core::project::Environment) -> KubeFlags {
        let mut flags = self.clone();
        if flags.context.is_none() {
            flags.context = env.context.clone();
        }
        flags
    }
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
}
