//! One module per command: each fetches what it needs, calls the pure core, and renders.
use crate::cli::{Cli, Command, SecretsCommand};
use crate::error::{Outcome, Result};

pub mod audit;
pub mod deploy;
pub mod secrets_sync;
pub mod troubleshoot;
pub mod version;

pub async fn run(cli: Cli) -> Result<Outcome> {
    let global = cli.global;
    match cli.command {
        Command::Version(args) => version::run(&global, args).await,
        Command::Secrets(SecretsCommand::Sync(args)) => secrets_sync::run(&global, args).await,
        Command::Deploy(args) => deploy::run(&global, args).await,
        Command::Audit(args) => audit::run(&global, args).await,
        Command::Troubleshoot(args) => troubleshoot::run(&global, args).await,
        Command::Completion(args) => crate::cli::completion::run(args),
    }
}
