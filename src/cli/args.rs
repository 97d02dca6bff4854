//! The arguments of each command (`kubectl kmcp <command> --help` shows them). Every flag of the
//! plugin is declared under `cli/`; the commands only read these structs.
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use clap_complete::Shell;

use super::kube_flags::{DurationArg, parse_duration};
use super::project_args::ProjectArgs;
use crate::core::Severity;
use crate::render::Format;

#[derive(Debug, Clone, Args)]
#[command(after_help = "Examples:\n  kubectl kmcp version\n  kubectl kmcp version -o json")]
pub struct VersionArgs {
    /// Output format: table (plain text), json or yaml
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Format::Table)]
    pub output: Format,
    /// Print only the plugin's version; do not contact the cluster
    #[arg(long)]
    pub client: bool,
}

/// `--dry-run[=client|server]`, as kubectl spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DryRun {
    Client,
    Server,
}

#[derive(Debug, Clone, Args)]
#[command(after_help = "Examples:
  kubectl kmcp secrets sync staging
  kubectl kmcp secrets sync staging --from-file .env.staging --dry-run
  kubectl kmcp secrets sync production --dry-run=server
  kubectl kmcp secrets sync staging --yes --restart")]
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
    /// Output format: yaml or json (the --dry-run manifest; otherwise the result), or table
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

#[derive(Debug, Clone, Args)]
#[command(after_help = "Examples:
  # Deploy the project in this folder with the staging environment's Secret, wait until Ready
  kubectl kmcp deploy --environment staging --wait

  # Print the MCPServer for an HTTP server on port 8080 without a cluster
  kubectl kmcp deploy --transport http --port 8080 --dry-run

  # Run every pre-flight check and a server-side dry run, with an explicit image
  kubectl kmcp deploy my-server --image ghcr.io/me/my-server:0.2.0 --environment prod --dry-run=server

  # Override the framework's command and add a plain environment variable
  kubectl kmcp deploy --command python --args src/main.py --env LOG_LEVEL=debug")]
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
    /// How long --wait waits (only with --wait)
    #[arg(long, default_value = "2m", value_parser = parse_duration, requires = "wait")]
    pub timeout: DurationArg,
}

impl DeployArgs {
    /// How long `--wait` waits (`--timeout`, 2 minutes by default).
    pub fn wait_timeout(&self) -> Duration {
        self.timeout.0.unwrap_or(Duration::from_secs(120))
    }
}

/// `--fail-on`: the lowest severity that makes the exit code 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Never,
}

impl FailOn {
    /// The value as `--fail-on` spells it.
    pub fn name(self) -> &'static str {
        match self {
            FailOn::Error => "error",
            FailOn::Warning => "warning",
            FailOn::Never => "never",
        }
    }

    /// The lowest severity that fails the run; `None` for `never`.
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Never => None,
        }
    }
}

#[derive(Debug, Clone, Args)]
#[command(after_help = "Examples:
  # Check the Secret references of the MCPServers in the current namespace, and who can read them
  kubectl kmcp audit

  # Every namespace, as JSON for CI; fail on warnings too (unreadable or unmanaged Secrets)
  kubectl kmcp audit -A -o json --fail-on warning

  # Only who can read the Secrets of the servers in staging
  kubectl kmcp audit -n staging --access

  # Also check the keys .env.example requires and kmcp.yaml's namespaces
  kubectl kmcp audit -n staging -d ./weather-tool

  # Two clusters at once, as SARIF for a code-scanning upload
  kubectl kmcp audit -A --context prod-eu --context prod-us -o sarif > audit.sarif")]
pub struct AuditArgs {
    /// Audit MCPServers in all namespaces
    #[arg(short = 'A', long = "all-namespaces")]
    pub all_namespaces: bool,
    /// Label selector for the MCPServers (e.g. app.kubernetes.io/part-of=kmcp)
    #[arg(short = 'l', long = "selector")]
    pub selector: Option<String>,
    /// Output format: table, wide, json, yaml or sarif (SARIF 2.1.0, for code scanning)
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Format::Table)]
    pub output: Format,
    /// Audit every context of the kubeconfig, concurrently (a fleet; --context can be repeated too)
    #[arg(long = "all-contexts")]
    pub all_contexts: bool,
    /// Also show the built-in system: subjects in the access section (hidden by default)
    #[arg(long = "show-system")]
    pub show_system: bool,
    /// Exit 1 when a finding is at or above this severity
    #[arg(long = "fail-on", value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Show only who can read the referenced Secrets (the table's access section; the checks
    /// and the exit code stay the same)
    #[arg(long)]
    pub access: bool,
    /// The project directory, for the required keys of .env.example and kmcp.yaml's namespaces
    #[arg(short = 'd', long = "project-dir", value_name = "DIR")]
    pub project_dir: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Examples:
  # Check the server of the project in the current directory (kmcp.yaml's name)
  kubectl kmcp troubleshoot

  # Check weather-server as kmcp.yaml's environment staging sets it up
  kubectl kmcp troubleshoot weather-server --environment staging

  # Check a server in a namespace, as JSON for a script
  kubectl kmcp troubleshoot -n staging my-server -o json

Checks, in order: context, crd, mcpserver, namespace, secret, keys, drift, can-i, pods.
Exit status: 0 when no check fails, 1 when one does. No Secret value is ever printed.")]
pub struct TroubleshootArgs {
    /// The MCPServer to check (default: kmcp.yaml's `name`)
    // Its own id: `server` is the global `--server` flag's.
    #[arg(id = "server_name", value_name = "SERVER")]
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

#[derive(Debug, Clone, Args)]
#[command(after_help = "Examples:
  # kubectl kmcp <TAB> (kubectl 1.26+ with kubectl's own completion loaded): link the completion
  # entry point next to the plugin, e.g. in Krew's bin folder
  ln -s kubectl-kmcp \"${KREW_ROOT:-$HOME/.krew}/bin/kubectl_complete-kmcp\"

  # kubectl-kmcp <TAB> typed directly
  source <(kubectl kmcp completion bash)                   # bash, in ~/.bashrc
  kubectl kmcp completion zsh > \"${fpath[1]}/_kubectl-kmcp\" # zsh
  kubectl kmcp completion fish | source                     # fish
  kubectl kmcp completion powershell | Out-String | Invoke-Expression")]
pub struct CompletionArgs {
    /// The shell to print the completion script for
    #[arg(value_enum)]
    pub shell: Shell,
}
