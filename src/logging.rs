//! Log set-up from kubectl's `-v/--v=N`: 0 (default) shows warnings, 1-3 info, 4-5 debug, 6+ trace
//! (kubectl logs requests from 6 on). Logs go to stderr, never stdout, and never carry values.
use tracing_subscriber::EnvFilter;

/// Sets up logging on stderr for `-v N` (see the module docs for the levels).
pub fn init(verbosity: Option<u8>) {
    let level = match verbosity.unwrap_or(0) {
        0 => "warn",
        1..=3 => "info",
        4..=5 => "debug",
        _ => "trace",
    };
    // Our own crate at the chosen level, nothing from other crates by default (their errors
    // are explained by ours, once); kube's request log (method, URL, status) only from -v=6
    // on, as kubectl does. The lower HTTP layers (hyper, h2, rustls) stay at warn at every level:
    // their trace output can carry request bodies, and a request body can hold Secret data.
    let filter = if verbosity.unwrap_or(0) >= 6 {
        EnvFilter::new(format!("kubectl_kmcp={level},kube_client=debug,kube=debug"))
    } else {
        EnvFilter::new(format!("kubectl_kmcp={level}"))
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(crate::render::palette::stderr_color())
        .with_target(false)
        .without_time()
        .try_init();
}
