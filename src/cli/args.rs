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
    /// Output format: json or yaml (default: plain text, as kubectl version)
    #[arg(short = 'o', long = "output", value_parser = Format::parser(&[Format::Json, Format::Yaml]))]
    pub output: Option<Format>,
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
  kubectl kmcp secrets sync staging --yes --restart
  kubectl kmcp secrets sync -e staging --dry-run -o yaml | kubeseal -o yaml
  kubectl kmcp secrets sync --all --dry-run=server")]
#[group(id = "env", required = true, multiple = false)]
#[command(
    override_usage = "kubectl kmcp secrets sync [OPTIONS] (ENVIRONMENT | -e ENV)\n       kubectl kmcp secrets sync [OPTIONS] --all"
)]
pub struct SyncArgs {
    /// The environment in kmcp.yaml's `secrets` (e.g. staging); or give it with -e
    #[arg(value_name = "ENVIRONMENT", group = "env")]
    pub environment_arg: Option<String>,
    /// The environment in kmcp.yaml's `secrets`, as deploy and troubleshoot take it
    #[arg(short = 'e', long = "environment", value_name = "ENV", group = "env")]
    pub environment_flag: Option<String>,
    /// Every enabled kubernetes environment, each in its own context: all plans first, one
    /// confirmation (production asks on its own)
    #[arg(long, group = "env", conflicts_with = "from_file")]
    pub all: bool,
    /// The .env file to sync (default: the environment's `file`, else .env.<environment>; never .env)
    #[arg(long = "from-file", value_name = "FILE")]
    pub from_file: Option<PathBuf>,
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Change nothing; show the keys (client, no cluster; the manifest with -o yaml|json) or the
    /// diff against the cluster (server)
    #[arg(long = "dry-run", value_enum, num_args = 0..=1, default_missing_value = "client", require_equals = true)]
    pub dry_run: Option<DryRun>,
    /// Output format: table (the default), or yaml|json (with --dry-run: the manifest, values
    /// included; otherwise the result)
    #[arg(short = 'o', long = "output", value_parser = Format::parser(&[Format::Table, Format::Json, Format::Yaml]))]
    pub output: Option<Format>,
    /// Print the table of key changes without its header line
    #[arg(long = "no-headers")]
    pub no_headers: bool,
    /// Do not ask for confirmation (required without a terminal to remove keys or write to production)
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Take over a Secret that another tool writes (an owner reference, or External Secrets,
    /// Sealed Secrets, Helm, ... by field manager, label or annotation)
    #[arg(long)]
    pub force: bool,
    /// Sync an env file with no variables (removes every key of the Secret)
    #[arg(long = "allow-empty")]
    pub allow_empty: bool,
    /// Roll the MCPServers and Deployments that use the Secret after a change
    #[arg(long)]
    pub restart: bool,
}

#[derive(Debug, Clone, Args)]
#[command(after_help = "Examples:
  # Deploy the project in this folder with the staging environment's Secret,
  # and wait until it is Ready
  kubectl kmcp deploy --environment staging --wait

  # Print the MCPServer for an HTTP server on port 8080 without a cluster
  kubectl kmcp deploy --transport http --port 8080 --dry-run

  # Run every pre-flight check and a server-side dry run, with an explicit image
  kubectl kmcp deploy my-server --image ghcr.io/me/my-server:0.2.0 \\
    --environment prod --dry-run=server

  # Override the framework's command and add a plain environment variable
  kubectl kmcp deploy --command python --args src/main.py \\
    --env LOG_LEVEL=debug

  # Arguments: comma-separated or repeated; after `--` those starting with `-`
  kubectl kmcp deploy --command python --args src/main.py -- --transport http

  # A server without any Secret, on purpose
  kubectl kmcp deploy --no-secret")]
pub struct DeployArgs {
    /// The MCPServer's name (default: kmcp.yaml's `name`, made a valid DNS-1123 name)
    pub name: Option<String>,
    /// The kmcp.yaml environment whose Secret the server gets (default: the only enabled
    /// kubernetes environment)
    #[arg(short = 'e', long, conflicts_with = "no_secret")]
    pub environment: Option<String>,
    /// Deploy without any Secret (no environment), on purpose
    #[arg(long = "no-secret")]
    pub no_secret: bool,
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
    /// Arguments of the command: comma-separated (a,b), repeatable (--args a --args b)
    #[arg(long, value_name = "ARGS", value_delimiter = ',')]
    pub args: Vec<String>,
    /// More arguments of the command, taken as they are (also those that start with `-`)
    #[arg(last = true, value_name = "ARG")]
    pub trailing_args: Vec<String>,
    /// Environment variable for the server, KEY=VALUE (repeatable)
    #[arg(long = "env", value_name = "KEY=VALUE")]
    pub env: Vec<String>,
    /// Print the manifest (client) or run every check and a server-side dry run (server)
    #[arg(long = "dry-run", value_enum, num_args = 0..=1, default_missing_value = "client", require_equals = true)]
    pub dry_run: Option<DryRun>,
    /// Output format of the manifest: yaml or json
    #[arg(short = 'o', long = "output", value_parser = Format::parser(&[Format::Json, Format::Yaml]))]
    pub output: Option<Format>,
    /// Wait until the MCPServer is Ready
    #[arg(long)]
    pub wait: bool,
    /// How long --wait waits (only with --wait)
    #[arg(long, default_value = "2m", value_parser = parse_duration, requires = "wait")]
    pub timeout: DurationArg,
}

impl SyncArgs {
    /// The environment, given as the argument or with -e/--environment (empty with `--all`;
    /// clap requires exactly one of the three).
    pub fn environment(&self) -> &str {
        self.environment_arg
            .as_deref()
            .or(self.environment_flag.as_deref())
            .unwrap_or_default()
    }
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
  # Check the Secret references of the MCPServers in the current namespace,
  # and who can read those Secrets
  kubectl kmcp audit

  # Every namespace, as JSON for CI; fail on warnings too (unreadable or
  # unmanaged Secrets)
  kubectl kmcp audit -A -o json --fail-on warning

  # Only who can read the Secrets of the servers in staging
  kubectl kmcp audit -n staging --access

  # Also check the keys .env.example requires and kmcp.yaml's namespaces
  kubectl kmcp audit -n staging -d ./weather-tool

  # Two clusters at once, as SARIF for a code-scanning upload
  kubectl kmcp audit -A --context eu --context us -o sarif > audit.sarif")]
pub struct AuditArgs {
    /// Audit MCPServers in all namespaces
    #[arg(short = 'A', long = "all-namespaces")]
    pub all_namespaces: bool,
    /// Label selector for the MCPServers (e.g. app.kubernetes.io/part-of=kmcp)
    #[arg(short = 'l', long = "selector")]
    pub selector: Option<String>,
    /// Output format: table, wide, json, yaml or sarif (SARIF 2.1.0, for code scanning)
    #[arg(short = 'o', long = "output", default_value = "table",
          value_parser = Format::parser(&[Format::Table, Format::Wide, Format::Json, Format::Yaml, Format::Sarif]))]
    pub output: Format,
    /// Print the tables without their header lines
    #[arg(long = "no-headers")]
    pub no_headers: bool,
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

Checks, in order: context, crd, mcpserver, namespace, secret, keys, drift,
can-i, pods. Exit status: 0 when no check fails, 1 when one does (missing write
rights are a warning). No Secret value is ever printed.")]
pub struct TroubleshootArgs {
    /// The MCPServer to check (default: kmcp.yaml's `name`)
    // Its own id: `server` is the global `--server` flag's.
    #[arg(id = "server_name", value_name = "SERVER")]
    pub server: Option<String>,
    /// The kmcp.yaml environment (its namespace, Secret and env file)
    #[arg(short = 'e', long)]
    pub environment: Option<String>,
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Output format: table (details below it), wide (details and fixes as columns), json or yaml
    #[arg(short = 'o', long = "output", default_value = "table",
          value_parser = Format::parser(&[Format::Table, Format::Wide, Format::Json, Format::Yaml]))]
    pub output: Format,
    /// Print the table without its header line
    #[arg(long = "no-headers")]
    pub no_headers: bool,
}

#[derive(Debug, Clone, Args)]
#[command(after_help = "Examples:
  # kubectl kmcp <TAB> (kubectl 1.26+ with kubectl's own completion loaded):
  # link the completion entry point next to the plugin (in Krew's bin folder)
  ln -s kubectl-kmcp \"${KREW_ROOT:-$HOME/.krew}/bin/kubectl_complete-kmcp\"

  # kubectl-kmcp <TAB> typed directly
  source <(kubectl kmcp completion bash)                   # bash, in ~/.bashrc
  kubectl kmcp completion zsh > \"${fpath[1]}/_kubectl-kmcp\" # zsh
  kubectl kmcp completion fish | source                     # fish
  kubectl kmcp completion powershell | Out-String | Invoke-Expression")]
pub struct CompletionArgs {
    /// The shell to print the completion script for
    #[arg(value_enum)]
    pub shell: CompletionShell,
}

/// The shells `completion` has a script for (clap_complete's, without elvish: kubectl has none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
    #[value(name = "powershell")]
    PowerShell,
}

impl CompletionShell {
    /// clap_complete's shell.
    pub fn shell(self) -> Shell {
        match self {
            CompletionShell::Bash => Shell::Bash,
            CompletionShell::Zsh => Shell::Zsh,
            CompletionShell::Fish => Shell::Fish,
            CompletionShell::PowerShell => Shell::PowerShell,
        }
    }
}
