//! Log set-up from kubectl's `-v/--v=N`: 0 (default) shows warnings, 1-3 info, 4-5 debug, 6+ trace
//! (kubectl logs requests from 6 on). Logs go to stderr, never stdout, and never carry values.
use tracing_subscriber::EnvFilter;

/// The directives of the request log: kube's request lines, never its bodies (the more
/// specific directive wins: `kube_client::client` is off, its `builder` module on).
pub const REQUEST_LOG: &str =
    ",kube_client=debug,kube_client::client=off,kube_client::client::builder=debug,kube=debug";

fn own(level: &str) -> String {
    format!("kubectl_kmcp={level}")
}

/// Sets up logging on stderr for `-v N` (see the module docs for the levels).
pub fn init(verbosity: Option<u8>) {
    let level = match verbosity.unwrap_or(0) {
        0 => "warn",
        1..=3 => "info",
        4..=5 => "debug",
        _ => "trace",
    };
    // Our own crate at the chosen level, nothing from other crates by default (their errors
    // are explained by ours, once); the request log (method, URL) only from -v=6 on, as kubectl
    // does. No target that can print a body is ever enabled, at any level: kube's
    // `kube_client::client` logs a response it cannot decode whole (at warn) and an error body
    // (at debug), and the lower HTTP layers (hyper, h2, rustls) can trace request bodies; a
    // body can hold Secret data. Only the request line of our client (target `kube_client`, see
    // client::connect) and of kube's own builder (`kube_client::client::builder`: method, URL,
    // status) pass.
    let filter = if verbosity.unwrap_or(0) >= 6 {
        format!("{}{REQUEST_LOG}", own(level))
    } else {
        own(level)
    };
    let filter = EnvFilter::new(filter);
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(crate::render::palette::stderr_color())
        .with_target(false)
        .without_time()
        .try_init();
}
