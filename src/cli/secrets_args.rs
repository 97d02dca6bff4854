//! The arguments of `secrets status`, `secrets diff` and `secrets pull`.
use std::path::PathBuf;

use clap::Args;

use super::project_args::ProjectArgs;
use crate::render::Format;

#[derive(Debug, Clone, Args)]
#[command(after_help = "Examples:
  # Every environment of kmcp.yaml, each in its own context: in sync?
  kubectl kmcp secrets status

  # As JSON for a CI gate (exit 1 unless every enabled environment is in-sync)
  kubectl kmcp secrets status -o json

States: in-sync, drifted, missing, missing-keys, stale-pods, not-managed,
forbidden, unreachable, no-file, error, local, disabled. No value is printed.")]
pub struct StatusArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Output format: table, wide (with the env file and the hint), json or yaml
    #[arg(short = 'o', long = "output", value_parser = Format::parser(&[Format::Table, Format::Wide, Format::Json, Format::Yaml]), default_value = "table")]
    pub output: Format,
    /// Print the table without its header line
    #[arg(long = "no-headers")]
    pub no_headers: bool,
}

#[derive(Debug, Clone, Args)]
#[command(after_help = "Examples:
  # Which keys a sync of staging would add, change or remove (no values)
  kubectl kmcp secrets diff staging

  # In a script: exit 0 when the Secret equals the file, 1 when it differs
  kubectl kmcp secrets diff production --from-file .env.prod -o json")]
pub struct DiffArgs {
    /// The environment in kmcp.yaml's `secrets` (e.g. staging)
    pub environment: String,
    /// The .env file to compare (default: the environment's `file`, else .env.<environment>)
    #[arg(long = "from-file", value_name = "FILE")]
    pub from_file: Option<PathBuf>,
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Output format: table, json or yaml
    #[arg(short = 'o', long = "output", value_parser = Format::parser(&[Format::Table, Format::Json, Format::Yaml]), default_value = "table")]
    pub output: Format,
    /// Print the table of key changes without its header line
    #[arg(long = "no-headers")]
    pub no_headers: bool,
}

#[derive(Debug, Clone, Args)]
#[command(after_help = "Examples:
  # Write staging's Secret into its env file (.env.staging), mode 0600
  kubectl kmcp secrets pull staging

  # Into another file, replacing it; or to stdout
  kubectl kmcp secrets pull staging --to .env.staging.new --force
  kubectl kmcp secrets pull staging --to -")]
pub struct PullArgs {
    /// The environment in kmcp.yaml's `secrets` (e.g. staging)
    pub environment: String,
    /// The file to write (default: the environment's `file`, else .env.<environment>); `-` for stdout
    #[arg(long = "to", value_name = "FILE")]
    pub to: Option<PathBuf>,
    /// Replace an existing file
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub project: ProjectArgs,
}
