//! The command line, like ripgrep's `flags/`: every flag of the plugin and the completion
//! protocol live here. kubectl's global flags ([`KubeFlags`]), kmcp.yaml's location
//! ([`ProjectArgs`]), each command's arguments ([`args`]), and the entry points: [`parse`] and
//! kubectl's plugin completion ([`completion`]). Nothing here imports `commands`.
use std::ffi::OsString;
use std::path::Path;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

pub mod args;
pub mod completion;
mod kube_flags;
mod project_args;
mod secrets_args;

pub use args::{
    AuditArgs, CompletionArgs, CompletionShell, DeployArgs, DryRun, FailOn, SyncArgs,
    TroubleshootArgs, VersionArgs,
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
    /// List the global flags (kubectl's connection flags), accepted by every command
    #[command(after_help = OPTIONS_EXAMPLES)]
    Options,
    /// Answer a completion request: the words after `kubectl kmcp`, the last being completed
    /// (cobra's `__complete`; `kubectl_complete-kmcp` runs this too)
    #[command(name = "__complete", hide = true)]
    Complete(CompleteArgs),
}

/// The words of a completion request.
#[derive(Debug, Clone, Args)]
pub struct CompleteArgs {
    #[arg(num_args = 0.., trailing_var_arg = true, allow_hyphen_values = true)]
    pub words: Vec<String>,
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
  # Sync the staging .env file of the project in this folder into its Secret,
  # then deploy
  kubectl kmcp secrets sync staging
  kubectl kmcp deploy --environment staging

  # Check every MCPServer's Secret references, then dig into one server
  kubectl kmcp audit -A
  kubectl kmcp troubleshoot my-mcp-server -n staging

  # Shell completion for `kubectl kmcp <TAB>`
  # (see `kubectl kmcp completion --help`)
  kubectl kmcp completion bash";

const OPTIONS_EXAMPLES: &str = "Examples:
  kubectl kmcp options
  kubectl kmcp audit --context staging -n kmcp --as jane";

/// The last line of every help: where the global flags are (they are not repeated in each help).
pub const OPTIONS_LINE: &str =
    "Use \"kubectl kmcp options\" for a list of global command-line options.";

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
    let completing = if argv0 == COMPLETION_ENTRY_POINT {
        Some(1)
    } else if args.get(1).is_some_and(|a| a == "__complete") {
        Some(2)
    } else {
        None
    };
    // The words go to the completion as they are: none of them is a flag of this run.
    if let Some(skip) = completing {
        let words = args
            .iter()
            .skip(skip)
            .map(|w| w.to_string_lossy().into_owned())
            .collect();
        return Cli {
            global: KubeFlags::default(),
            command: Command::Complete(CompleteArgs { words }),
        };
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

/// The clap command tree (for parsing, help, and completion). The global flags are hidden from
/// every help (`kubectl kmcp options` lists them), and each help prints its examples verbatim.
pub fn command() -> clap::Command {
    let cmd = Cli::command().mut_args(|a| if a.is_global_set() { a.hide(true) } else { a });
    verbatim_examples(kubectl_booleans(cmd))
}

/// Parses `args` as [`parse`] does (the same command tree), returning clap's error instead of
/// exiting: for tests and the completion.
pub fn try_parse_from<I, T>(args: I) -> Result<Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let mut cmd = command();
    let mut cli = Cli::from_arg_matches(&cmd.try_get_matches_from_mut(args)?)?;
    cli.settle_contexts()
        .map_err(|msg| cmd.error(clap::error::ErrorKind::ArgumentConflict, msg))?;
    Ok(cli)
}

/// Every boolean flag takes kubectl's forms: `--flag`, `--flag=true|false` (and Go's `1`, `t`,
/// `F`, ...), never a separate word (`--yes false` stays an argument). The flags are declared as
/// plain `bool`s; this turns each of them into an optional, `=`-attached value in one place.
fn kubectl_booleans(cmd: clap::Command) -> clap::Command {
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    let mut cmd = cmd.mut_args(|a| {
        if matches!(a.get_action(), clap::ArgAction::SetTrue) {
            a.action(clap::ArgAction::Set)
                .num_args(0..=1)
                .require_equals(true)
                .default_missing_value("true")
                .default_value("false")
                .hide_default_value(true)
                .value_name("true|false")
                .value_parser(parse_bool)
        } else {
            a
        }
    });
    for name in names {
        cmd = cmd.mut_subcommand(name, kubectl_booleans);
    }
    cmd
}

/// clap wraps `after_help` to the terminal, which broke example commands and comments in the
/// middle. The literal text of a help template is printed as written, so each command's
/// examples move from `after_help` into its template, followed by [`OPTIONS_LINE`]. (A `{` of
/// the examples is kept: clap writes an unknown `{tag}` back as it is.)
fn verbatim_examples(mut cmd: clap::Command) -> clap::Command {
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in names {
        cmd = cmd.mut_subcommand(name, verbatim_examples);
    }
    let examples = cmd
        .get_after_help()
        .map(|h| format!("{h}\n\n"))
        .unwrap_or_default();
    let template = format!(
        "{{before-help}}{{about-with-newline}}\n{{usage-heading}} {{usage}}\n\n{{all-args}}\n\n{examples}{OPTIONS_LINE}"
    );
    cmd.after_help(None::<&'static str>).help_template(template)
}

/// `kubectl kmcp options`: every global flag with its help, as `kubectl options` lists them.
pub fn options_help() -> String {
    let flags = KubeFlags::augment_args(clap::Command::new("options"))
        .disable_help_flag(true)
        .max_term_width(100)
        .help_template("The following options can be passed to any command:\n\n{options}");
    let mut flags = flags;
    format!("{}\n", flags.render_help().to_string().trim_end())
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

    proptest::proptest! {
        /// argv[0] is any text (multi-byte characters before `.exe` included): the name is
        /// cut at a character boundary or not at all, never with a panic.
        #[test]
        fn any_argv0_gives_a_program_name(stem in "\\PC{0,8}", ext in "(\\.[eE][xX][eE]|\\PC{0,4})") {
            let name = format!("{stem}{ext}");
            let got = program_name(name.as_ref());
            if ext.eq_ignore_ascii_case(".exe") && !stem.contains('/') {
                proptest::prop_assert_eq!(got, stem);
            } else {
                proptest::prop_assert!(got.len() <= name.len());
            }
        }
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
            let cli = try_parse_from(std::iter::once("kubectl-kmcp").chain(argv.clone())).unwrap();
            match cli.command {
                Command::Audit(a) => assert_eq!(a.all_namespaces, all, "{argv:?}"),
                _ => unreachable!(),
            }
        }
        let cli = try_parse_from([
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
        assert!(try_parse_from(["kubectl-kmcp", "audit", "-A=maybe"]).is_err());
        assert_eq!(parse_bool("T"), Ok(true));
        assert_eq!(parse_bool("0"), Ok(false));
        assert!(parse_bool("yes").is_err());
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

    /// The help of `path` (`["secrets", "sync"]`) as `--help` prints it at 80 columns.
    fn help_at_80(path: &[String]) -> String {
        let argv = std::iter::once("kubectl-kmcp".to_string())
            .chain(path.iter().cloned())
            .chain(["--help".to_string()]);
        let err = command()
            .term_width(80)
            .try_get_matches_from(argv)
            .expect_err("--help prints the help");
        assert_eq!(err.kind(), clap::error::ErrorKind::DisplayHelp);
        err.render().to_string()
    }

    /// Every visible command with its examples (the `after_help` of the declarations).
    fn commands_and_examples() -> Vec<(Vec<String>, String)> {
        fn walk(cmd: &clap::Command, path: Vec<String>, out: &mut Vec<(Vec<String>, String)>) {
            let examples = cmd
                .get_after_help()
                .map(|h| h.to_string())
                .unwrap_or_default();
            out.push((path.clone(), examples));
            for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
                let mut p = path.clone();
                p.push(sub.get_name().to_string());
                walk(sub, p, out);
            }
        }
        let mut out = Vec::new();
        walk(&Cli::command(), Vec::new(), &mut out);
        out
    }

    /// Every command a user can run (and every group) ends its help with examples of
    /// `kubectl kmcp <that command>`, printed verbatim (never wrapped, at most 80 columns each),
    /// then the one line that points to `kubectl kmcp options`; the global flags are not
    /// repeated.
    #[test]
    fn every_help_prints_its_examples_verbatim_and_points_to_options() {
        let all = commands_and_examples();
        assert!(all.len() >= 8, "{all:?}");
        for (path, examples) in all {
            let name = format!("kubectl kmcp {}", path.join(" "));
            assert!(
                examples.starts_with("Examples:\n") && examples.contains(name.trim_end()),
                "no examples of `{name}` in its help"
            );
            let help = help_at_80(&path);
            assert!(
                help.contains(&examples),
                "examples of `{name}` not verbatim:\n{help}"
            );
            for line in examples.lines() {
                assert!(
                    line.chars().count() <= 80,
                    "`{name}`: example line over 80 columns: {line:?}"
                );
            }
            assert!(help.trim_end().ends_with(OPTIONS_LINE), "`{name}`:\n{help}");
            assert!(
                !help.contains("--kubeconfig"),
                "`{name}` repeats the global flags:\n{help}"
            );
            for line in help.lines() {
                assert!(
                    line.chars().count() <= 80,
                    "`{name}`: help line over 80: {line:?}"
                );
            }
        }
    }

    /// `kubectl kmcp options` lists every global flag with its help.
    #[test]
    fn options_lists_every_global_flag() {
        let text = options_help();
        for flag in [
            "--kubeconfig",
            "--context",
            "--cluster",
            "--user",
            "-n, --namespace",
            "-s, --server",
            "--token",
            "--certificate-authority",
            "--insecure-skip-tls-verify",
            "--tls-server-name",
            "--as <USER>",
            "--as-group",
            "--as-uid",
            "--request-timeout",
            "-v, --v",
        ] {
            assert!(text.contains(flag), "{flag} missing:\n{text}");
        }
        assert!(!text.contains("--help"), "{text}");
        assert!(OPTIONS_LINE.len() <= 80);
    }

    /// -V/--version only on the top level, as `kubectl kmcp 0.1.0`; no elvish completion.
    #[test]
    fn version_only_at_the_top_and_no_elvish() {
        let err = command()
            .try_get_matches_from(["kubectl-kmcp", "--version"])
            .unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::DisplayVersion);
        assert_eq!(
            err.render().to_string(),
            format!("kubectl kmcp {}\n", env!("CARGO_PKG_VERSION"))
        );
        for sub in [
            &["audit", "-V"][..],
            &["secrets", "sync", "--version"],
            &["completion", "-V"],
        ] {
            let argv = std::iter::once("kubectl-kmcp").chain(sub.iter().copied());
            let err = command().try_get_matches_from(argv).unwrap_err();
            assert_eq!(
                err.kind(),
                clap::error::ErrorKind::UnknownArgument,
                "{sub:?}"
            );
        }
        let err = command()
            .try_get_matches_from(["kubectl-kmcp", "completion", "elvish"])
            .unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::InvalidValue);
    }

    /// Each command accepts only its own -o formats; the usage error lists them (exit 2).
    #[test]
    fn each_command_has_its_own_output_formats() {
        let refused = |argv: &[&str]| {
            let argv = std::iter::once("kubectl-kmcp").chain(argv.iter().copied());
            let err = command().try_get_matches_from(argv).unwrap_err();
            assert_eq!(err.kind(), clap::error::ErrorKind::InvalidValue);
            assert_eq!(err.exit_code(), 2);
            err.render().to_string()
        };
        let msg = refused(&["version", "-o", "wide"]);
        assert!(msg.contains("[possible values: json, yaml]"), "{msg}");
        let msg = refused(&["deploy", "-o", "table"]);
        assert!(msg.contains("[possible values: json, yaml]"), "{msg}");
        refused(&["secrets", "sync", "staging", "-o", "wide"]);
        for ok in [
            &["troubleshoot", "-o", "wide"][..],
            &["audit", "-o", "wide", "--no-headers"],
        ] {
            let argv = std::iter::once("kubectl-kmcp").chain(ok.iter().copied());
            assert!(command().try_get_matches_from(argv).is_ok(), "{ok:?}");
        }
    }
}
