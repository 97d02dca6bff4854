//! Shell completion: the static scripts of `kubectl kmcp completion <shell>` and the completion
//! protocol of kubectl's plugins.
//!
//! Two ways to complete:
//! - `kubectl kmcp completion bash|zsh|fish|powershell` prints a static script (clap_complete)
//!   for the `kubectl-kmcp` executable typed directly.
//! - `kubectl kmcp <TAB>`: kubectl 1.26+ runs the executable `kubectl_complete-kmcp` found on
//!   PATH with the words after `kmcp` (the last one is the word being completed, maybe empty) and
//!   reads one candidate per line (`value<TAB>description`), then `:<directive>` as the last line
//!   (cobra's ShellCompDirective). `kubectl_complete-kmcp` is a link to this binary; `cli::parse`
//!   sends it to the hidden `__complete` command by its name. [`complete`] is that protocol's
//!   pure core; values only the shell can list (environments of kmcp.yaml, namespaces,
//!   contexts, MCPServers) come back as a [`Pending`] lookup that `commands::completion` fills.

use std::path::PathBuf;

use clap::builder::ValueHint;
use clap::{Arg, Command, FromArgMatches};
use clap_complete::Shell;

use super::{KubeFlags, ProjectArgs};

/// The executable's name that the static scripts complete.
pub const BINARY: &str = "kubectl-kmcp";

/// The completion script of `shell` for the `kubectl-kmcp` executable.
pub fn script(shell: Shell, cmd: Command) -> Vec<u8> {
    let mut cmd = cmd.name(BINARY).bin_name(BINARY);
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, BINARY, &mut buf);
    buf
}

/// cobra's ShellCompDirective bits, which kubectl passes on to the shell.
pub mod directive {
    /// Complete file names too.
    pub const DEFAULT: u32 = 0;
    /// Do not add a space after the completion (a `--flag=` prefix).
    pub const NO_SPACE: u32 = 2;
    /// Do not complete file names.
    pub const NO_FILE_COMP: u32 = 4;
    /// Complete folder names only.
    pub const FILTER_DIRS: u32 = 16;
    /// Keep the candidates in the given order.
    pub const KEEP_ORDER: u32 = 32;
}

/// One completion: the word and what it is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub value: String,
    pub help: Option<String>,
}

/// Values that only the shell can list, from kmcp.yaml, the kubeconfig or the cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    /// The environments under kmcp.yaml's `secrets`.
    Environments,
    /// The cluster's namespaces.
    Namespaces,
    /// The kubeconfig's contexts.
    Contexts,
    /// The kubeconfig's clusters.
    Clusters,
    /// The kubeconfig's users.
    Users,
    /// The MCPServers of the namespace.
    Servers,
}

/// A lookup to make before answering: its values that start with `current`, each after
/// `prefix` (`--namespace=`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub lookup: Lookup,
    pub prefix: String,
    pub current: String,
}

/// The answer to one completion request: candidates plus a cobra directive, and maybe a lookup
/// whose values are still to be added ([`Completions::fill`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completions {
    pub candidates: Vec<Candidate>,
    pub directive: u32,
    pub pending: Option<Pending>,
}

impl Completions {
    /// No candidate, no file names.
    fn nothing() -> Completions {
        Completions {
            candidates: Vec::new(),
            directive: directive::NO_FILE_COMP,
            pending: None,
        }
    }

    /// Adds the looked-up `values` that match the pending lookup (sorted, once each).
    pub fn fill(mut self, mut values: Vec<String>) -> Completions {
        if let Some(p) = self.pending.take() {
            values.sort();
            values.dedup();
            self.candidates.extend(
                values
                    .into_iter()
                    .map(|v| format!("{}{v}", p.prefix))
                    .filter(|v| v.starts_with(&p.current))
                    .map(|value| Candidate { value, help: None }),
            );
        }
        self
    }

    /// kubectl's plugin completion format: `value\thelp` lines, then `:<directive>`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for c in &self.candidates {
            out.push_str(&c.value);
            if let Some(help) = &c.help {
                out.push('\t');
                out.push_str(help);
            }
            out.push('\n');
        }
        out.push_str(&format!(":{}\n", self.directive));
        out
    }
}

/// The global flags and the project location (`-d`, `-f`) given among `words` before the one
/// being completed, for the lookups. A line that does not parse yet gives what it can.
pub fn context_of(words: &[String]) -> (KubeFlags, ProjectArgs) {
    let before = words.split_last().map(|(_, b)| b).unwrap_or(&[]);
    let argv = std::iter::once(BINARY.to_string()).chain(before.iter().cloned());
    let Ok(matches) = super::command()
        .ignore_errors(true)
        .try_get_matches_from(argv)
    else {
        return (KubeFlags::default(), ProjectArgs::default());
    };
    let mut flags = KubeFlags::from_arg_matches(&matches).unwrap_or_default();
    flags.context = flags.contexts.last().cloned();
    let mut deepest = &matches;
    while let Some((_, sub)) = deepest.subcommand() {
        deepest = sub;
    }
    let path = |id: &str| deepest.try_get_one::<PathBuf>(id).ok().flatten().cloned();
    let project = ProjectArgs {
        project_dir: path("project_dir"),
        file: path("file"),
    };
    (flags, project)
}

/// What a flag's value can be completed with.
enum ValueKind<'a> {
    Choices(&'a Arg),
    Lookup(Lookup),
    Files,
    Dirs,
    Free,
}

/// What the value of `arg` completes with: its choices, files, folders, or nothing.
fn value_kind(arg: &Arg) -> ValueKind<'_> {
    if !arg.get_possible_values().is_empty() {
        return ValueKind::Choices(arg);
    }
    let lookup = match arg.get_id().as_str() {
        "environment" | "environment_arg" | "environment_flag" => Some(Lookup::Environments),
        "namespace" => Some(Lookup::Namespaces),
        "context" | "contexts" => Some(Lookup::Contexts),
        "cluster" => Some(Lookup::Clusters),
        "user" => Some(Lookup::Users),
        // troubleshoot's SERVER (`server` is the global --server URL)
        "server_name" => Some(Lookup::Servers),
        _ => None,
    };
    if let Some(lookup) = lookup {
        return ValueKind::Lookup(lookup);
    }
    match arg.get_value_hint() {
        ValueHint::DirPath => ValueKind::Dirs,
        ValueHint::FilePath | ValueHint::AnyPath | ValueHint::ExecutablePath => ValueKind::Files,
        _ => ValueKind::Free,
    }
}

/// Whether `arg` (a flag) reads the next word as its value.
fn takes_next_word(arg: &Arg) -> bool {
    arg.get_action().takes_values()
        && !arg.is_require_equals_set()
        && arg.get_num_args().is_none_or(|r| r.min_values() > 0)
}

/// The first line of a help text, the candidate's description.
fn help_line(text: Option<&clap::builder::StyledStr>) -> Option<String> {
    text.map(|t| t.to_string())
        .and_then(|t| t.lines().next().map(str::to_string))
        .filter(|t| !t.is_empty())
}

/// The argument of `cmd` with the long name (or alias) `name`.
fn find_long<'a>(cmd: &'a Command, name: &str) -> Option<&'a Arg> {
    cmd.get_arguments().find(|a| {
        a.get_long_and_visible_aliases()
            .is_some_and(|names| names.contains(&name))
            || a.get_all_aliases()
                .is_some_and(|names| names.contains(&name))
    })
}

/// The argument of `cmd` with the short name (or alias) `c`.
fn find_short(cmd: &Command, c: char) -> Option<&Arg> {
    cmd.get_arguments().find(|a| {
        a.get_short() == Some(c)
            || a.get_short_and_visible_aliases()
                .is_some_and(|shorts| shorts.contains(&c))
    })
}

/// `arg`'s possible values that start with `current`, each after `prefix` (`--output=`).
fn choices(arg: &Arg, prefix: &str, current: &str) -> Completions {
    let candidates = arg
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| Candidate {
            value: format!("{prefix}{}", v.get_name()),
            help: help_line(v.get_help()),
        })
        .filter(|c| c.value.starts_with(current))
        .collect();
    Completions {
        candidates,
        ..Completions::nothing()
    }
}

/// The completions of `arg`'s value: its choices, else a directive for files or folders.
fn values_of(arg: &Arg, prefix: &str, current: &str) -> Completions {
    let directive = match value_kind(arg) {
        ValueKind::Choices(arg) => return choices(arg, prefix, current),
        ValueKind::Lookup(lookup) => {
            return Completions {
                pending: Some(Pending {
                    lookup,
                    prefix: prefix.to_string(),
                    current: current.to_string(),
                }),
                ..Completions::nothing()
            };
        }
        ValueKind::Files => directive::DEFAULT,
        ValueKind::Dirs => directive::FILTER_DIRS,
        ValueKind::Free => directive::NO_FILE_COMP,
    };
    Completions {
        directive,
        ..Completions::nothing()
    }
}

/// Completes the last of `words` (the words after `kubectl kmcp`) against the command tree.
pub fn complete(mut cmd: Command, words: &[String]) -> Completions {
    // Propagates the global flags (kubectl's) into every subcommand.
    cmd.build();
    let Some((current, before)) = words.split_last() else {
        return complete(cmd, &[String::new()]);
    };
    let mut node = &cmd;
    let mut pending: Option<&Arg> = None;
    let mut positionals = 0usize;
    let mut only_positionals = false;
    let mut used: Vec<String> = Vec::new();
    for word in before {
        if pending.take().is_some() {
            continue;
        }
        if only_positionals || word == "-" || !word.starts_with('-') {
            match node.find_subcommand(word) {
                Some(sub) if !only_positionals && positionals == 0 => node = sub,
                _ => positionals += 1,
            }
            continue;
        }
        if word == "--" {
            only_positionals = true;
            continue;
        }
        if let Some(long) = word.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, _)) => (n, true),
                None => (long, false),
            };
            if let Some(arg) = find_long(node, name) {
                used.push(arg.get_id().to_string());
                if !inline && takes_next_word(arg) {
                    pending = Some(arg);
                }
            }
            continue;
        }
        // A cluster of short flags: `-An`, `-ojson`, `-o json`.
        let shorts: Vec<char> = word[1..].chars().collect();
        for (i, c) in shorts.iter().enumerate() {
            let Some(arg) = find_short(node, *c) else {
                break;
            };
            used.push(arg.get_id().to_string());
            if arg.get_action().takes_values() {
                if i + 1 == shorts.len() && takes_next_word(arg) {
                    pending = Some(arg);
                }
                break;
            }
        }
    }

    if let Some(arg) = pending {
        return values_of(arg, "", current);
    }
    if !only_positionals
        && current.starts_with("--")
        && let Some((name, _)) = current[2..].split_once('=')
    {
        return match find_long(node, name) {
            Some(arg) => {
                let mut answer = values_of(arg, &format!("--{name}="), current);
                answer.directive |= directive::NO_SPACE;
                answer
            }
            None => Completions::nothing(),
        };
    }
    if !only_positionals && current.starts_with('-') {
        return flags(node, current, &used);
    }
    if !only_positionals && positionals == 0 && node.has_subcommands() {
        let candidates = node
            .get_subcommands()
            .filter(|s| !s.is_hide_set() && s.get_name() != "help")
            .map(|s| Candidate {
                value: s.get_name().to_string(),
                help: help_line(s.get_about()),
            })
            .filter(|c| c.value.starts_with(current.as_str()))
            .collect();
        return Completions {
            candidates,
            ..Completions::nothing()
        };
    }
    // A positional argument.
    let positional = node
        .get_positionals()
        .filter(|a| !a.is_hide_set())
        .nth(positionals)
        .or_else(|| {
            node.get_positionals()
                .last()
                .filter(|a| a.get_num_args().is_some_and(|r| r.max_values() > 1))
        });
    match positional {
        Some(arg) => values_of(arg, "", current),
        None => Completions::nothing(),
    }
}

/// The flags of `node` that start with `current` (long forms; the short form too when only `-`
/// is typed), except those already given once.
fn flags(node: &Command, current: &str, used: &[String]) -> Completions {
    let mut candidates = Vec::new();
    for arg in node.get_arguments() {
        // The global flags are hidden from help (`kubectl kmcp options` lists them), not from
        // completion.
        if arg.is_positional() || (arg.is_hide_set() && !arg.is_global_set()) {
            continue;
        }
        let repeatable = matches!(
            arg.get_action(),
            clap::ArgAction::Append | clap::ArgAction::Count
        );
        if !repeatable && used.iter().any(|u| u == arg.get_id().as_str()) {
            continue;
        }
        let help = help_line(arg.get_help());
        if let Some(long) = arg.get_long() {
            candidates.push(Candidate {
                value: format!("--{long}"),
                help: help.clone(),
            });
        }
        if current == "-"
            && let Some(short) = arg.get_short()
        {
            candidates.push(Candidate {
                value: format!("-{short}"),
                help,
            });
        }
    }
    candidates.retain(|c| c.value.starts_with(current));
    Completions {
        candidates,
        ..Completions::nothing()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(words: &[&str]) -> (Vec<String>, u32) {
        let words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        let answer = complete(crate::cli::command(), &words);
        (
            answer.candidates.into_iter().map(|c| c.value).collect(),
            answer.directive,
        )
    }

    #[test]
    fn empty_word_lists_the_subcommands_without_help() {
        let (got, directive) = values(&[""]);
        for sub in [
            "version",
            "secrets",
            "deploy",
            "audit",
            "troubleshoot",
            "completion",
        ] {
            assert!(got.contains(&sub.to_string()), "{sub} missing in {got:?}");
        }
        assert!(!got.contains(&"help".to_string()));
        assert_eq!(directive, directive::NO_FILE_COMP);
    }

    #[test]
    fn a_prefix_filters_the_subcommands() {
        assert_eq!(values(&["tr"]).0, vec!["troubleshoot"]);
        assert_eq!(
            values(&["secrets", ""]).0,
            vec!["sync", "status", "diff", "pull"]
        );
        assert_eq!(values(&["secrets", "s"]).0, vec!["sync", "status"]);
    }

    #[test]
    fn flags_include_the_global_kubectl_flags() {
        let (got, _) = values(&["version", "--"]);
        assert!(got.contains(&"--output".to_string()), "{got:?}");
        assert!(got.contains(&"--client".to_string()), "{got:?}");
        assert!(got.contains(&"--namespace".to_string()), "{got:?}");
        assert!(got.contains(&"--context".to_string()), "{got:?}");
        assert!(
            !got.contains(&"-o".to_string()),
            "short forms only after a lone -"
        );
        let (got, _) = values(&["version", "-"]);
        assert!(got.contains(&"-o".to_string()), "{got:?}");
        assert_eq!(values(&["version", "--cli"]).0, vec!["--client"]);
    }

    #[test]
    fn a_flag_given_once_is_not_offered_again() {
        let (got, _) = values(&["version", "--client", "--c"]);
        assert!(!got.contains(&"--client".to_string()), "{got:?}");
        assert!(got.contains(&"--context".to_string()), "{got:?}");
    }

    #[test]
    fn flag_values_are_completed() {
        assert_eq!(values(&["version", "-o", ""]).0, vec!["json", "yaml"]);
        assert_eq!(values(&["version", "--output", "j"]).0, vec!["json"]);
        let (got, directive) = values(&["version", "--output=y"]);
        assert_eq!(got, vec!["--output=yaml"]);
        assert_eq!(directive & directive::NO_SPACE, directive::NO_SPACE);
        assert_eq!(
            values(&["completion", ""]).0,
            vec!["bash", "zsh", "fish", "powershell"]
        );
    }

    /// Each command completes only the -o formats it has.
    #[test]
    fn output_formats_are_each_commands_own() {
        let table_ones = vec!["table", "wide", "json", "yaml"];
        assert_eq!(
            values(&["audit", "-o", ""]).0,
            vec!["table", "wide", "json", "yaml", "sarif"]
        );
        assert_eq!(values(&["troubleshoot", "-o", ""]).0, table_ones);
        assert_eq!(values(&["deploy", "-o", ""]).0, vec!["json", "yaml"]);
        assert_eq!(
            values(&["secrets", "sync", "-o", ""]).0,
            vec!["table", "json", "yaml"]
        );
        assert!(
            values(&["audit", "--no"])
                .0
                .contains(&"--no-headers".to_string())
        );
        assert!(
            values(&["troubleshoot", "--no"])
                .0
                .contains(&"--no-headers".to_string())
        );
    }

    fn pending(words: &[&str]) -> Option<Pending> {
        let words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        complete(crate::cli::command(), &words).pending
    }

    #[test]
    fn names_are_looked_up_by_the_shell() {
        let p = pending(&["troubleshoot", "-n", "st"]).unwrap();
        assert_eq!((p.lookup, p.current.as_str()), (Lookup::Namespaces, "st"));
        let p = pending(&["audit", "--namespace=st"]).unwrap();
        assert_eq!(
            (p.lookup, p.prefix.as_str()),
            (Lookup::Namespaces, "--namespace=")
        );
        assert_eq!(
            pending(&["--context", ""]).unwrap().lookup,
            Lookup::Contexts
        );
        assert_eq!(
            pending(&["secrets", "sync", ""]).unwrap().lookup,
            Lookup::Environments
        );
        assert_eq!(
            pending(&["troubleshoot", "--environment", "p"])
                .unwrap()
                .lookup,
            Lookup::Environments
        );
        assert_eq!(
            pending(&["troubleshoot", ""]).unwrap().lookup,
            Lookup::Servers
        );
        assert_eq!(pending(&["troubleshoot", "--o"]), None);
        let filled = complete(
            crate::cli::command(),
            &["audit".into(), "--namespace=st".into()],
        )
        .fill(vec!["staging".into(), "default".into(), "staging".into()]);
        let got: Vec<String> = filled.candidates.into_iter().map(|c| c.value).collect();
        assert_eq!(got, vec!["--namespace=staging"]);
    }

    #[test]
    fn the_lookups_read_the_flags_typed_so_far() {
        let words: Vec<String> = [
            "troubleshoot",
            "-d",
            "proj",
            "--context",
            "dev",
            "-n",
            "ns",
            "",
        ]
        .iter()
        .map(|w| w.to_string())
        .collect();
        let (flags, project) = context_of(&words);
        assert_eq!(flags.context.as_deref(), Some("dev"));
        assert_eq!(flags.namespace.as_deref(), Some("ns"));
        assert_eq!(project.project_dir, Some(PathBuf::from("proj")));
        // Half a command line still gives its flags.
        let words: Vec<String> = ["--kubeconfig", "/k", "secrets", "sync", "--bogus", ""]
            .iter()
            .map(|w| w.to_string())
            .collect();
        let (flags, _) = context_of(&words);
        assert_eq!(flags.kubeconfig, Some(PathBuf::from("/k")));
    }

    #[test]
    fn global_flags_are_completed_though_hidden_from_help() {
        let (got, _) = values(&["audit", "--kube"]);
        assert_eq!(got, vec!["--kubeconfig"]);
        let (got, _) = values(&[""]);
        assert!(got.contains(&"options".to_string()), "{got:?}");
        assert!(!got.contains(&"__complete".to_string()), "{got:?}");
    }

    #[test]
    fn a_flag_value_is_not_taken_for_a_subcommand() {
        // `-n deploy` is a namespace called deploy: the next word is still a subcommand.
        let (got, _) = values(&["-n", "deploy", "ver"]);
        assert_eq!(got, vec!["version"]);
        // A path flag lets the shell complete file names.
        let (got, directive) = values(&["--kubeconfig", ""]);
        assert!(got.is_empty());
        assert_eq!(directive, directive::DEFAULT);
    }

    #[test]
    fn render_is_kubectls_plugin_format() {
        let answer = Completions {
            candidates: vec![
                Candidate {
                    value: "sync".into(),
                    help: Some("Sync it".into()),
                },
                Candidate {
                    value: "x".into(),
                    help: None,
                },
            ],
            directive: directive::NO_FILE_COMP,
            pending: None,
        };
        assert_eq!(answer.render(), "sync\tSync it\nx\n:4\n");
    }

    #[test]
    fn scripts_name_the_subcommands() {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish, Shell::PowerShell] {
            let text = String::from_utf8(script(shell, crate::cli::command())).unwrap();
            for sub in [
                "version",
                "secrets",
                "sync",
                "deploy",
                "audit",
                "troubleshoot",
            ] {
                assert!(text.contains(sub), "{shell} script lacks {sub}");
            }
            assert!(text.contains(BINARY), "{shell} script lacks {BINARY}");
        }
    }

    use proptest::prelude::*;

    proptest! {
        /// The words come from the user's shell line: any of them is completed without a crash.
        #[test]
        fn any_command_line_is_completed_without_crashing(
            words in proptest::collection::vec(
                prop_oneof![
                    any::<String>(),
                    proptest::sample::select(vec![
                        "-", "--", "-o", "-ojson", "--output=", "--namespace", "-n", "-An",
                        "secrets", "sync", "audit", "--é", "-é", "--=", "-v=9", "",
                    ])
                    .prop_map(str::to_string),
                ],
                0..6,
            )
        ) {
            let _ = complete(crate::cli::command(), &words).render();
        }
    }
}
