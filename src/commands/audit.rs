//! `kubectl kmcp audit`: every Secret reference of every MCPServer, checked, and who can read them.
use clap::Args;

use crate::client::KubeFlags;
use crate::error::{Error, Outcome, Result};
use crate::output::Format;

/// `--fail-on`: the lowest severity that makes the exit code 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Never,
}

#[derive(Debug, Clone, Args)]
pub struct AuditArgs {
    /// Audit MCPServers in all namespaces
    #[arg(short = 'A', long = "all-namespaces")]
    pub all_namespaces: bool,
    /// Label selector for the MCPServers (e.g. app.kubernetes.io/part-of=kmcp)
    #[arg(short = 'l', long = "selector")]
    pub selector: Option<String>,
    /// Output format: table, wide, json or yaml
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Format::Table)]
    pub output: Format,
    /// Exit 1 when a finding is at or above this severity
    #[arg(long = "fail-on", value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Show only who can read the referenced Secrets
    #[arg(long)]
    pub access: bool,
    /// The project directory, for the required keys of .env.example
    #[arg(short = 'd', long = "project-dir", value_name = "DIR")]
    pub project_dir: Option<std::path::PathBuf>,
}

pub async fn run(_global: &KubeFlags, _args: AuditArgs) -> Result<Outcome> {
    Err(Error::Failed("audit: not built yet".into()))
}
