//! `kubectl-kmcp`: parse the command line, set up logging, run, map the outcome to an exit code.
use std::process::ExitCode;

fn main() -> ExitCode {
    restore_sigpipe();
    limit_malloc_arenas();
    let cli = kubectl_kmcp::cli::parse();
    kubectl_kmcp::logging::init(cli.global.verbosity);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(kubectl_kmcp::commands::run(cli)) {
        Ok(outcome) => outcome.exit_code(),
        Err(err) => {
            kubectl_kmcp::render::print_error(&err);
            err.exit_code()
        }
    }
}

/// A closed pipe ends the process quietly, killed by SIGPIPE, as kubectl and every Unix tool:
/// `kubectl kmcp audit -A -o json | head` prints no error and the shell reports 141. Rust
/// ignores SIGPIPE by default, so a write to a closed stdout would fail and `println!` panic.
/// Sockets are unaffected: the standard library sends on them with MSG_NOSIGNAL.
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any thread exists; SIG_DFL is a valid action.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// At most two glibc malloc arenas. glibc gives each thread that allocates its own arena, and
/// memory freed into one arena is not reused by another: audit decodes 20,000 servers on two
/// threads and evaluates them on a third, and its peak memory was 64-66 MB with one arena per
/// thread, 57-58 MB with two (54-55 with one, at the cost of threads waiting for its lock).
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a tunable; called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}
