//! The command line, like ripgrep's `flags/`: every flag of the plugin and the completion
//! protocol live here. kubectl's global flags ([`KubeFlags`]), kmcp.yaml's location
//! ([`ProjectArgs`]), each command's arguments ([`args`]), and the entry points: [`parse`] and
//! kubectl's plugin completion ([`completion`]). Nothing here imports `commands`.
use std::ffi::OsString;
use std::path::Path;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

pub mod args;
pub mod completion;
mod kube_flags;
mod project_args;

pub use args::{
    AuditArgs, CompletionArgs, DeployArgs, DryRun, FailOn, SyncArgs, TroubleshootArgs, VersionArgs,
};
pub use kube_flags::{DurationArg, KubeFlags, parse_duration};
pub use project_args::ProjectArgs;

/// Secrets of MCP servers on Kubernetes: sync .env files into Secrets, deploy MCPServers wired to
/// them, audit every Secret reference, troubleshoot one server end to end.
#[derive(Debug, Parser)]
#[command(
    name = "kubectl kmcp",
    version,
    propagate_version = true,
    max_term_width = 100,
    after_help = ROOT_EXAMPLES
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
    Version(VersionArgs),
    /// Work with the project's secrets
    #[command(subcommand, after_help = SECRETS_EXAMPLES)]
    Secrets(SecretsCommand),
    /// Deploy the project as an MCPServer wired to its environment's Secret
    Deploy(DeployArgs),
    /// Check every Secret reference of every MCPServer, and who can read those Secrets
    Audit(AuditArgs),
    /// Find why a server has no secrets: run every check in order and say the fix
    Troubleshoot(TroubleshootArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell)
    Completion(CompletionArgs),
}

#[derive(Debug, Subcommand)]
pub enum SecretsCommand {
    /// Sync an environment's .env file into its Kubernetes Secret
    Sync(SyncArgs),
}

/// The workflow of the upstream kmcp docs, as this plugin runs it.
const ROOT_EXAMPLES: &str = "Examples:
  # Sync the staging .env file of the project in this folder into its Secret, then deploy
  kubectl kmcp secrets sync staging
  kubectl kmcp deploy --environment staging

  # Check every MCPServer's Secret references, then dig into one server
  kubectl kmcp audit -A
  kubectl kmcp troubleshoot my-mcp-server -n staging

  # Shell completion for `kubectl kmcp <TAB>` (see `kubectl kmcp completion --help`)
  kubectl kmcp completion bash";

const SECRETS_EXAMPLES: &str = "Examples:
  kubectl kmcp secrets sync staging
  kubectl kmcp secrets sync production --from-file .env.prod --dry-run=server";

/// Parses the process's arguments (clap exits with 2 on usage errors, 0 for --help/--version).
///
/// Two entry points share this binary: run as `kubectl_complete-kmcp` (the name kubectl 1.26+
/// looks for on PATH to complete `kubectl kmcp <TAB>`), or with `__complete` as its first
/// argument (cobra's convention), it prints completions for the words that follow and exits.
pub fn parse() -> Cli {
    let args: Vec<OsString> = std::env::args_os().collect();
    let argv0 = args.first().map(|a| program_name(a)).unwrap_or_default();
    if argv0 == COMPLETION_ENTRY_POINT {
        completion::complete_and_exit(command(), &args[1..]);
    }
    if args.get(1).is_some_and(|a| a == "__complete") {
        completion::complete_and_exit(command(), &args[2..]);
    }
    let matches = command()
        .bin_name(display_name(&argv0))
        .get_matches_from(args);
    let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|err| err.exit());
    if let Err(msg) = cli.settle_contexts() {
        command()
            .error(clap::error::ErrorKind::ArgumentConflict, msg)
            .exit();
    }
    cli
}

impl Cli {
    /// `--context` once for every command (it becomes `global.context`); several times only for
    /// `audit`, which audits each.
    pub fn settle_contexts(&mut self) -> Result<(), String> {
        let many = self.global.contexts.len() > 1;
        if many && !matches!(self.command, Command::Audit(_)) {
            return Err(
                "--context may be given only once, except for `kubectl kmcp audit` (a fleet)"
                    .into(),
            );
        }
        self.global.context = self.global.contexts.last().cloned();
        Ok(())
    }
}

/// The clap command tree (for parsing, help, and completion).
pub fn command() -> clap::Command {
    Cli::command()
}

/// The executable kubectl runs to complete `kubectl kmcp ...` (a link to this binary).
pub const COMPLETION_ENTRY_POINT: &str = "kubectl_complete-kmcp";

/// The file name of the executable without folders and without `.exe`.
pub fn program_name(argv0: &std::ffi::OsStr) -> String {
    let name = Path::new(argv0)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match name.len().checked_sub(4) {
        Some(cut) if name.is_char_boundary(cut) && name[cut..].eq_ignore_ascii_case(".exe") => {
            name[..cut].to_string()
        }
        _ => name,
    }
}

/// What usage and help call the program. kubectl runs a plugin with argv[0] set to the plugin's
/// path, so the file name `kubectl-kmcp` means a plugin: it is shown as the user types it,
/// `kubectl kmcp` (kubectl's naming rule: `-` separates words, `_` stands for `-`). The same holds
/// when the binary is run directly: `kubectl kmcp` is the documented way to call it. Any other
/// name (a renamed copy) is shown as is, since that is what the user can type.
pub fn display_name(program: &str) -> String {
    match program.strip_prefix("kubectl-") {
        Some(rest) if !rest.is_empty() => {
            let words: Vec<String> = rest.split('-').map(|w| w.replace('_', "-")).collect();
            format!("kubectl {}", words.join(" "))
        }
        _ if program.is_empty() => "kubectl kmcp".to_string(),
        _ => program.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plugin_names_are_shown_as_kubectl_subcommands() {
        assert_eq!(display_name("kubectl-kmcp"), "kubectl kmcp");
        assert_eq!(display_name("kubectl-kmcp_dev"), "kubectl kmcp-dev");
        assert_eq!(display_name("kmcp-secrets"), "kmcp-secrets");
        assert_eq!(display_name(""), "kubectl kmcp");
    }

    #[test]
    fn program_name_drops_folders_and_exe() {
        assert_eq!(
            program_name("/home/u/.krew/bin/kubectl-kmcp".as_ref()),
            "kubectl-kmcp"
        );
        assert_eq!(program_name("kubectl-kmcp.EXE".as_ref()), "kubectl-kmcp");
        assert_eq!(
            program_name("kubectl_complete-kmcp".as_ref()),
            COMPLETION_ENTRY_POINT
        );
    }

    #[test]
    fn context_repeats_only_for_audit() {
        let parse = |args: &[&str]| {
            let mut cli = Cli::try_parse_from(args).unwrap();
            cli.settle_contexts().map(|_| cli.global.context.clone())
        };
        assert_eq!(
            parse(&["kubectl-kmcp", "audit", "--context", "a", "--context", "b"]),
            Ok(Some("b".to_string()))
        );
        assert_eq!(
            parse(&["kubectl-kmcp", "version", "--context", "a"]),
            Ok(Some("a".to_string()))
        );
        assert!(
            parse(&[
                "kubectl-kmcp",
                "version",
                "--context",
                "a",
                "--context",
                "b"
            ])
            .is_err()
        );
    }

    #[test]
    fn command_tree_is_valid() {
        command().debug_assert();
    }

    /// Every command a user can run (and every group) ends its help with examples of
    /// `kubectl kmcp <that command>`.
    #[test]
    fn every_command_has_examples() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            let help = cmd
                .get_after_help()
                .map(|h| h.to_string())
                .unwrap_or_default();
            if !help.contains("Examples:") || !help.contains(&format!("kubectl kmcp{path}")) {
                missing.push(format!("kubectl kmcp{path}"));
            }
            for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        walk(&command(), "", &mut missing);
        assert!(missing.is_empty(), "no examples in the help of {missing:?}");
    }
}
