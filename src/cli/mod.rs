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
mod secrets_args;

pub use args::{
    AuditArgs, CompletionArgs, DeployArgs, DryRun, FailOn, SyncArgs, TroubleshootArgs, VersionArgs,
};
pub use kube_flags::{DurationArg, KubeFlags, parse_bool, parse_duration};
pub use project_args::ProjectArgs;
pub use secrets_args::{DiffArgs, PullArgs, StatusArgs};

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
    /// Every environment of kmcp.yaml at a glance: in sync, drifted, missing keys, stale pods...
    Status(StatusArgs),
    /// Which keys a sync would add, change or remove (exit 1 when any)
    Diff(DiffArgs),
    /// Write an environment's Secret into its env file
    Pull(PullArgs),
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
  kubectl kmcp secrets status
  kubectl kmcp secrets diff staging
  kubectl kmcp secrets sync staging
  kubectl kmcp secrets sync --all
  kubectl kmcp secrets pull staging
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
    Cli::from_arg_matches(&matches).unwrap_or_else(|err| err.exit())
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

    /// Item 13 of #13: every boolean flag takes kubectl's forms, `--flag`, `--flag=true` and
    /// `--flag=false`: none is a clap `SetTrue` (which refuses a value), and each one parses
    /// its value with kubectl's [`parse_bool`].
    #[test]
    fn every_boolean_flag_takes_kubectl_forms() {
        fn walk(cmd: &clap::Command, path: &str, found: &mut Vec<String>, bad: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                let name = format!(
                    "{path} --{}",
                    arg.get_long().unwrap_or(arg.get_id().as_str())
                );
                if arg.get_value_parser().type_id() != std::any::TypeId::of::<bool>() {
                    continue;
                }
                let optional_value = arg.get_num_args() == Some((0..=1).into());
                match arg.get_action() {
                    clap::ArgAction::Set if optional_value && arg.is_require_equals_set() => {
                        found.push(name)
                    }
                    _ => bad.push(name),
                }
            }
            for sub in cmd.get_subcommands() {
                walk(sub, &format!("{path} {}", sub.get_name()), found, bad);
            }
        }
        let (mut found, mut bad) = (Vec::new(), Vec::new());
        walk(&command(), "kubectl kmcp", &mut found, &mut bad);
        assert!(
            bad.is_empty(),
            "boolean flags without kubectl's forms: {bad:?}"
        );
        assert!(found.len() >= 8, "{found:?}");
        for (argv, all) in [
            (vec!["audit", "-A"], true),
            (vec!["audit", "--all-namespaces=true"], true),
            (vec!["audit", "--all-namespaces=false"], false),
            (vec!["audit", "-A=True"], true),
            (vec!["audit"], false),
        ] {
            let cli =
                Cli::try_parse_from(std::iter::once("kubectl-kmcp").chain(argv.clone())).unwrap();
            match cli.command {
                Command::Audit(a) => assert_eq!(a.all_namespaces, all, "{argv:?}"),
                _ => unreachable!(),
            }
        }
        let cli = Cli::try_parse_from([
            "kubectl-kmcp",
            "--insecure-skip-tls-verify=true",
            "secrets",
            "sync",
            "--yes",
            "staging",
            "--force=false",
        ])
        .unwrap();
        assert!(cli.global.insecure_skip_tls_verify);
        match cli.command {
            Command::Secrets(SecretsCommand::Sync(s)) => {
                assert!(s.yes && !s.force);
                assert_eq!(s.environment(), "staging");
            }
            _ => unreachable!(),
        }
        assert!(Cli::try_parse_from(["kubectl-kmcp", "audit", "-A=maybe"]).is_err());
        assert_eq!(parse_bool("T"), Ok(true));
        assert_eq!(parse_bool("0"), Ok(false));
        assert!(parse_bool("yes").is_err());
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
