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

/// The longest `--request-timeout` accepted: 10 years. Anything longer is surely a typo, and
/// an unbounded value would overflow the clock arithmetic of a timer.
pub const MAX_DURATION: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

/// Parses kubectl's duration syntax: a bare integer is seconds (`0` = no limit), else one or more
/// number+unit pairs (`1h2m3s`, `500ms`, `2m`). Never panics: an overflowing, NaN or over-long
/// duration is an error (a usage error, exit 2, through clap).
pub fn parse_duration(text: &str) -> std::result::Result<DurationArg, String> {
    let text = text.trim();
    let bad = || {
        format!("invalid duration {text:?}: use a number of seconds or a unit, e.g. 0, 30s, 2m, 1h")
    };
    let too_long = || format!("duration {text:?} is too long: the longest is 87600h (10 years)");
    if text.is_empty() {
        return Err(bad());
    }
    let checked = |total: Duration| -> std::result::Result<DurationArg, String> {
        if total > MAX_DURATION {
            return Err(too_long());
        }
        Ok(DurationArg((!total.is_zero()).then_some(total)))
    };
    if text.bytes().all(|b| b.is_ascii_digit()) {
        let secs: u64 = text.parse().map_err(|_| too_long())?;
        return checked(Duration::from_secs(secs));
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        // Digits and `.` are ASCII, so these byte offsets are character boundaries.
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(bad)?;
        if digits == 0 {
            return Err(bad());
        }
        let (number, after) = rest.split_at(digits);
        let number: f64 = number.parse().map_err(|_| bad())?;
        let unit_len = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_len);
        let factor = match unit {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(bad()),
        };
        rest = after;
        let part = Duration::try_from_secs_f64(number * factor).map_err(|_| too_long())?;
        total = total.checked_add(part).ok_or_else(too_long)?;
        if total > MAX_DURATION {
            return Err(too_long());
        }
    }
    checked(total)
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

    #[test]
    fn huge_durations_are_errors_not_panics() {
        for text in [
            "99999999999999999999h",
            "99999999999999999999",
            "18446744073709551615",
            "87601h",
            "1e400s",
            "9999999999999999999999999999999999999999999999999999s",
            "5000000000000000000h5000000000000000000h",
        ] {
            let err = parse_duration(text).unwrap_err();
            assert!(
                err.contains("too long") || err.contains("invalid"),
                "{text}: {err}"
            );
        }
        assert_eq!(
            parse_duration("87600h").unwrap(),
            DurationArg(Some(MAX_DURATION))
        );
        assert_eq!(
            parse_duration("1.5µs").unwrap(),
            DurationArg(Some(Duration::from_nanos(1500)))
        );
        assert!(parse_duration("1.2.3s").is_err());
        assert!(parse_duration("1sé").is_err());
    }

    proptest::proptest! {
        #[test]
        fn no_text_crashes_the_duration_parser(text in proptest::prelude::any::<String>()) {
            let _ = parse_duration(&text);
        }

        #[test]
        fn every_accepted_duration_is_bounded(
            parts in proptest::collection::vec(
                (
                    proptest::prelude::any::<u64>(),
                    proptest::sample::select(vec!["", ".", ".5", "0"]),
                    proptest::sample::select(vec!["ns", "us", "µs", "ms", "s", "m", "h", "", "x"]),
                ),
                1..4,
            )
        ) {
            let text: String = parts.iter().map(|(n, f, u)| format!("{n}{f}{u}")).collect();
            if let Ok(DurationArg(Some(d))) = parse_duration(&text) {
                proptest::prop_assert!(d <= MAX_DURATION);
            }
        }
    }
}
