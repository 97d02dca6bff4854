//! `kubectl-kmcp`: parse the command line, set up logging, run, map the outcome to an exit code.
use std::process::ExitCode;

fn main() -> ExitCode {
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
