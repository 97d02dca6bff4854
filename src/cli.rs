//! The command line: kubectl's global flags plus one subcommand per module in `commands`.
use clap::{Parser, Subcommand};

use crate::client::KubeFlags;
use crate::commands;

/// Secrets of MCP servers on Kubernetes: sync .env files into Secrets, deploy MCPServers wired to
/// them, audit every Secret reference, troubleshoot one server end to end.
#[derive(Debug, Parser)]
#[command(
    name = "kubectl kmcp",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: KubeFlags,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the plugin's version and the server's
    Version(commands::version::VersionArgs),
    /// Work with the project's secrets
    #[command(subcommand)]
    Secrets(SecretsCommand),
    /// Deploy the project as an MCPServer wired to its environment's Secret
    Deploy(commands::deploy::DeployArgs),
    /// Check every Secret reference of every MCPServer, and who can read those Secrets
    Audit(commands::audit::AuditArgs),
    /// Find why a server has no secrets: run every check in order and say the fix
    Troubleshoot(commands::troubleshoot::TroubleshootArgs),
}

#[derive(Debug, Subcommand)]
pub enum SecretsCommand {
    /// Sync an environment's .env file into its Kubernetes Secret
    Sync(commands::secrets_sync::SyncArgs),
}

/// Parses the process's arguments (clap exits with 2 on usage errors, 0 for --help/--version).
pub fn parse() -> Cli {
    Cli::parse()
}
