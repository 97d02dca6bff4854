//! One module per command, each reading fetch → core → render: it fetches what it needs through
//! `client`, hands it to the pure `core`, and shows the result through `render`. Shared shell
//! steps live in their own modules here (`cluster_checks`), never in another command.
use crate::cli::{Cli, Command, SecretsCommand};
use crate::core::secret_hash::HashKey;
use crate::error::{Error, Outcome, Result};

pub mod audit;
pub mod cluster_checks;
pub mod completion;
pub mod deploy;
pub mod options;
pub mod secrets_pull;
pub mod secrets_status;
pub mod secrets_sync;
pub mod troubleshoot;
pub mod version;

/// A new random key for the content hash (`kmcp.dev/secret-hash-key`), from the operating
/// system's random source.
pub fn random_hash_key() -> Result<HashKey> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).map_err(|e| {
        Error::Failed(format!(
            "cannot read random bytes from the operating system for the hash key: {e}"
        ))
    })?;
    Ok(HashKey::new(bytes))
}

/// Runs the command the user asked for.
pub async fn run(cli: Cli) -> Result<Outcome> {
    let global = cli.global;
    match cli.command {
        Command::Version(args) => version::run(&global, args).await,
        Command::Secrets(SecretsCommand::Sync(args)) => secrets_sync::run(&global, args).await,
        Command::Secrets(SecretsCommand::Status(args)) => secrets_status::run(&global, args).await,
        Command::Secrets(SecretsCommand::Diff(args)) => {
            secrets_sync::diff::run(&global, args).await
        }
        Command::Secrets(SecretsCommand::Pull(args)) => secrets_pull::run(&global, args).await,
        Command::Deploy(args) => deploy::run(&global, args).await,
        Command::Audit(args) => audit::run(&global, args).await,
        Command::Troubleshoot(args) => troubleshoot::run(&global, args).await,
        Command::Completion(args) => completion::run(args),
        Command::Options => options::run(),
        Command::Complete(args) => completion::complete(args).await,
    }
}
