//! `kubectl kmcp troubleshoot [SERVER]`: every check in order, each result explained with its fix.
use clap::Args;

use crate::client::KubeFlags;
use crate::error::{Error, Outcome, Result};
use crate::output::Format;
use crate::project::ProjectArgs;

#[derive(Debug, Clone, Args)]
pub struct TroubleshootArgs {
    /// The MCPServer to check (default: kmcp.yaml's `name`)
    pub server: Option<String>,
    /// The kmcp.yaml environment (its namespace, Secret and env file)
    #[arg(long)]
    pub environment: Option<String>,
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Output format: table, json or yaml
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Format::Table)]
    pub output: Format,
}

pub async fn run(_global: &KubeFlags, _args: TroubleshootArgs) -> Result<Outcome> {
    Err(Error::Failed("troubleshoot: not built yet".into()))
}
