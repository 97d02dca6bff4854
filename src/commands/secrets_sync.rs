//! `kubectl kmcp secrets sync <environment>`: sync an environment's .env file into its Secret.
use std::path::PathBuf;

use clap::Args;

use crate::client::KubeFlags;
use crate::error::{Error, Outcome, Result};
use crate::output::Format;
use crate::project::ProjectArgs;

/// `--dry-run[=client|server]`, as kubectl spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DryRun {
    Client,
    Server,
}

#[derive(Debug, Clone, Args)]
pub struct SyncArgs {
    /// The environment in kmcp.yaml's `secrets` (e.g. staging)
    pub environment: String,
    /// The .env file to sync (default: the environment's `file`, else .env.<environment>, else .env)
    #[arg(long = "from-file", value_name = "FILE")]
    pub from_file: Option<PathBuf>,
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Print the Secret (client) or the diff against the cluster (server) without changing anything
    #[arg(long = "dry-run", value_enum, num_args = 0..=1, default_missing_value = "client", require_equals = true)]
    pub dry_run: Option<DryRun>,
    /// Output format of the --dry-run manifest: yaml or json
    #[arg(short = 'o', long = "output", value_enum)]
    pub output: Option<Format>,
    /// Do not ask for confirmation (required without a terminal to remove keys or write to production)
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Take over a Secret that another tool owns
    #[arg(long)]
    pub force: bool,
    /// Roll the MCPServers and Deployments that use the Secret after a change
    #[arg(long)]
    pub restart: bool,
}

pub async fn run(_global: &KubeFlags, _args: SyncArgs) -> Result<Outcome> {
    Err(Error::Failed("secrets sync: not built yet".into()))
}
