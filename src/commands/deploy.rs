//! `kubectl kmcp deploy`: an MCPServer wired to the environment's Secret, checked before it lands.
use std::time::Duration;

use clap::Args;

use crate::client::{DurationArg, KubeFlags, parse_duration};
use crate::commands::secrets_sync::DryRun;
use crate::error::{Error, Outcome, Result};
use crate::output::Format;
use crate::project::ProjectArgs;

#[derive(Debug, Clone, Args)]
pub struct DeployArgs {
    /// The MCPServer's name (default: kmcp.yaml's `name`, made a valid DNS-1123 name)
    pub name: Option<String>,
    /// The kmcp.yaml environment whose Secret the server gets
    #[arg(long)]
    pub environment: Option<String>,
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Container image (default: <name>:<version>)
    #[arg(long)]
    pub image: Option<String>,
    /// Transport: stdio or http
    #[arg(long)]
    pub transport: Option<String>,
    /// Container port
    #[arg(long)]
    pub port: Option<u16>,
    /// Command to run in the container
    #[arg(long)]
    pub command: Option<String>,
    /// Arguments of the command
    #[arg(long, num_args = 1.., allow_hyphen_values = true)]
    pub args: Vec<String>,
    /// Environment variable for the server, KEY=VALUE (repeatable)
    #[arg(long = "env", value_name = "KEY=VALUE")]
    pub env: Vec<String>,
    /// Print the manifest (client) or run every check and a server-side dry run (server)
    #[arg(long = "dry-run", value_enum, num_args = 0..=1, default_missing_value = "client", require_equals = true)]
    pub dry_run: Option<DryRun>,
    /// Output format of the manifest: yaml or json
    #[arg(short = 'o', long = "output", value_enum)]
    pub output: Option<Format>,
    /// Wait until the MCPServer is Ready
    #[arg(long)]
    pub wait: bool,
    /// How long --wait waits
    #[arg(long, default_value = "2m", value_parser = parse_duration)]
    pub timeout: DurationArg,
}

impl DeployArgs {
    pub fn wait_timeout(&self) -> Duration {
        self.timeout.0.unwrap_or(Duration::from_secs(120))
    }
}

pub async fn run(_global: &KubeFlags, _args: DeployArgs) -> Result<Outcome> {
    Err(Error::Failed("deploy: not built yet".into()))
}
