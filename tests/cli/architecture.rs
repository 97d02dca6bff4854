//! The layout's rules, checked by reading the sources (no cluster needed):
//!
//! - the pure core (`src/core/`) imports nothing from `cli`, `client`,
//!   `commands`, `render`, `logging` or clap, and neither prints nor logs nor calls the API;
//! - `src/error.rs` is a leaf: it imports no module of the crate;
//! - `cli` does not import `commands`; a command does not import another command (shared shell
//!   steps live in `SHARED_COMMAND_MODULES`);
//! - no import cycle between the top-level modules;
//! - one request path: only `src/client/mod.rs` (`Connection::call`) puts a timeout on a
//!   request, and no code decides on the text of an HTTP status;
//! - no source file over `MAX_LINES` lines.
//!
//! `checker_catches_each_broken_rule` proves that each rule can fail.
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::harness::root;

/// Modules of `src/commands/` that are shared steps of several commands, not commands.
const SHARED_COMMAND_MODULES: [&str; 1] = ["cluster_checks"];

/// The longest a source file may be.
const MAX_LINES: usize = 1000;

/// Top-level modules that the pure core must not use.
const SHELL_MODULES: [&str; 5] = ["cli", "client", "commands", "render", "logging"];

/// What the core must not contain: printing, logging, the API client, clap.
const IMPURE: [&str; 12] = [
    "println!",
    "eprintln!",
    "print!(",
    "eprint!(",
    "dbg!",
    "tracing::",
    "std::io::stdout",
    "std::io::stderr",
    "kube::Client",
    "kube::Api",
    "Api<",
    "clap::",
];

/// One source file: its path relative to the crate root (`src/core/project.rs`) and its text.
struct Source {
    path: String,
    text: String,
}

impl Source {
    /// The module path of the file: `src/core/project.rs` is `[core, project]`,
    /// `src/commands/audit/mod.rs` is `[commands, audit]`, `src/lib.rs` is `[]`.
    fn module_path(&self) -> Vec<String> {
        let rel = self.path.trim_start_matches("src/").trim_end_matches(".rs");
        let mut parts: Vec<String> = rel.split('/').map(str::to_string).collect();
        if matches!(
            parts.last().map(String::as_str),
            Some("mod" | "lib" | "main")
        ) {
            parts.pop();
        }
        parts
    }

    /// The top-level module the file belongs to (`""` for lib.rs and main.rs).
    fn top(&self) -> String {
        self.module_path().first().cloned().unwrap_or_default()
    }

    fn is_core(&self) -> bool {
        self.path.starts_with("src/core/")
    }

    /// The code without whole-line comments (doc comments name modules in prose).
    fn code(&self) -> String {
        self.text
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Every module path the code refers to through `crate::`, `super::` or the library's name,
    /// resolved to absolute paths of at most two segments (`[commands, deploy]`). `super::` is
    /// read only before `#[cfg(test)]`: in an inline test module it means the file itself.
    fn references(&self) -> BTreeSet<Vec<String>> {
        let code = self.code();
        let before_tests = code.split("#[cfg(test)]").next().unwrap_or_default();
        let here = self.module_path();
        let mut out = BTreeSet::new();
        for (prefix, base, text) in [
            ("crate::", Some(Vec::new()), code.as_str()),
            ("kubectl_kmcp::", Some(Vec::new()), code.as_str()),
            (
                "super::",
                here.split_last().map(|(_, parent)| parent.to_vec()),
                before_tests,
            ),
        ] {
            let Some(base) = base else { continue };
            let mut rest = text;
            while let Some(i) = rest.find(prefix) {
                let before = rest[..i].chars().next_back();
                rest = &rest[i + prefix.len()..];
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                    continue;
                }
                for tail in use_tree_heads(rest) {
                    let mut path = base.clone();
                    path.extend(tail.into_iter().take(2 - base.len().min(2)));
                    path.truncate(2);
                    if !path.is_empty() {
                        out.insert(path);
                    }
                }
            }
        }
        out
    }
}

/// The paths a use tree starts with: `a::b::c` gives `[a, b, c]`; `{a::x, b}` gives `[a, x]`
/// and `[b]`.
fn use_tree_heads(text: &str) -> Vec<Vec<String>> {
    let Some(group) = text.strip_prefix('{') else {
        return vec![path_segments(text)];
    };
    let mut depth = 0;
    let mut items = vec![String::new()];
    for c in group.chars() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(String::new());
                continue;
            }
            _ => {}
        }
        items.last_mut().unwrap().push(c);
    }
    items
        .iter()
        .map(|i| path_segments(i.trim()))
        .filter(|p| !p.is_empty())
        .collect()
}

/// The identifiers of a path (`a::b::{c, d}` gives `a, b`), up to the first non-identifier.
fn path_segments(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    loop {
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if end == 0 {
            break;
        }
        out.push(rest[..end].to_string());
        match rest[end..].strip_prefix("::") {
            Some(next) => rest = next,
            None => break,
        }
    }
    out
}

/// Every broken rule, one line each.
fn violations(sources: &[Source]) -> Vec<String> {
    let mut out = Vec::new();
    let commands: BTreeSet<String> = sources
        .iter()
        .map(Source::module_path)
        .filter(|p| p.len() >= 2 && p[0] == "commands")
        .map(|p| p[1].clone())
        .filter(|m| !SHARED_COMMAND_MODULES.contains(&m.as_str()))
        .collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for s in sources {
        let lines = s.text.lines().count();
        if lines > MAX_LINES {
            out.push(format!("{}: {lines} lines, more than {MAX_LINES}", s.path));
        }
        let top = s.top();
        let refs = s.references();
        let code = s.code();
        if s.path == "src/error.rs" && !refs.is_empty() {
            out.push(format!(
                "{}: error.rs must be a leaf, but refers to {refs:?}",
                s.path
            ));
        }
        if s.is_core() {
            for r in &refs {
                if SHELL_MODULES.contains(&r[0].as_str()) {
                    out.push(format!(
                        "{}: the core refers to the shell module {}",
                        s.path,
                        r.join("::")
                    ));
                }
            }
            for word in IMPURE {
                if code.contains(word) {
                    out.push(format!("{}: the core contains `{word}`", s.path));
                }
            }
            if code.contains("use clap") {
                out.push(format!("{}: the core uses clap", s.path));
            }
        }
        if s.path != "src/client/mod.rs" && code.contains("tokio::time::timeout") {
            out.push(format!(
                "{}: a request timeout outside Connection::call",
                s.path
            ));
        }
        if code.contains("\"HTTP 4") || code.contains("contains(\"HTTP") {
            out.push(format!(
                "{}: decides on the text of an HTTP status, not on ApiError::status",
                s.path
            ));
        }
        if top == "cli" && refs.iter().any(|r| r[0] == "commands") {
            out.push(format!("{}: cli refers to commands", s.path));
        }
        if top == "commands" {
            let own = s.module_path().get(1).cloned();
            for r in &refs {
                if r.len() == 2
                    && r[0] == "commands"
                    && commands.contains(&r[1])
                    && Some(&r[1]) != own.as_ref()
                {
                    out.push(format!(
                        "{}: a command refers to another command, {}",
                        s.path,
                        r.join("::")
                    ));
                }
            }
        }
        if !top.is_empty() {
            let edges = graph.entry(top.clone()).or_default();
            for r in refs {
                if r.first().is_some_and(|m| *m != top) {
                    edges.insert(r[0].clone());
                }
            }
        }
    }
    if let Some(cycle) = find_cycle(&graph) {
        out.push(format!(
            "import cycle between top-level modules: {}",
            cycle.join(" -> ")
        ));
    }
    out
}

/// A cycle in the module graph, as the list of modules around it, if there is one.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[i..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, stack, done) {
                return Some(cycle);
            }
        }
        stack.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|n| visit(n, graph, &mut Vec::new(), &mut done))
}

/// Every `.rs` file under `dir`, with paths relative to the crate root.
fn read_sources(dir: &Path, out: &mut Vec<Source>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            read_sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path.strip_prefix(root()).unwrap();
            out.push(Source {
                path: rel.to_string_lossy().replace('\\', "/"),
                text: std::fs::read_to_string(&path).unwrap(),
            });
        }
    }
}

#[test]
fn the_source_tree_keeps_the_layout_rules() {
    let mut sources = Vec::new();
    read_sources(&root().join("src"), &mut sources);
    assert!(
        sources.iter().any(|s| s.path == "src/core/project.rs"),
        "the sources were not found"
    );
    let broken = violations(&sources);
    assert!(
        broken.is_empty(),
        "layout rules broken:\n{}",
        broken.join("\n")
    );
}

#[test]
fn checker_catches_each_broken_rule() {
    let src = |path: &str, text: &str| Source {
        path: path.into(),
        text: text.into(),
    };
    let fine = [
        src(
            "src/error.rs",
            "use std::fmt;\n// crate::render in a comment\n",
        ),
        src("src/core/mod.rs", "pub mod a;\n"),
        src("src/core/a.rs", "use crate::core::Source;\nuse super::b;\n"),
        src("src/cli/mod.rs", "use crate::render::Format;\n"),
        src("src/commands/deploy.rs", "use super::cluster_checks;\n"),
        src("src/commands/audit/fetch.rs", "use super::CONCURRENCY;\n"),
        src(
            "src/commands/cluster_checks.rs",
            "use crate::client::Connection;\n",
        ),
        src("src/render/mod.rs", "use crate::core::Severity;\n"),
    ];
    assert_eq!(violations(&fine), Vec::<String>::new());

    let cases = [
        (
            src("src/error.rs", "use crate::render::palette;\n"),
            "error.rs must be a leaf",
        ),
        (
            src("src/core/b.rs", "use crate::client::Connection;\n"),
            "the core refers to the shell module client::Connection",
        ),
        (
            src(
                "src/core/diagnosis/pods.rs",
                "fn f() { eprintln!(\"x\"); }\n",
            ),
            "the core contains `eprintln!`",
        ),
        (
            src("src/core/b.rs", "#[derive(clap::Args)]\nstruct A;\n"),
            "the core contains `clap::`",
        ),
        (
            src("src/cli/args.rs", "use crate::commands::audit;\n"),
            "cli refers to commands",
        ),
        (
            src("src/commands/deploy.rs", "use super::troubleshoot;\n"),
            "a command refers to another command, commands::troubleshoot",
        ),
        (
            src(
                "src/commands/audit/fetch.rs",
                "tokio::time::timeout(t, fut).await\n",
            ),
            "a request timeout outside Connection::call",
        ),
        (
            src(
                "src/commands/deploy.rs",
                "Error::Api(m) if m.contains(\"HTTP 409\") => x,\n",
            ),
            "decides on the text of an HTTP status",
        ),
        (
            src("src/client/mod.rs", "use crate::commands::deploy;\n"),
            "import cycle between top-level modules",
        ),
        (
            src("src/commands/version.rs", &"x\n".repeat(MAX_LINES + 1)),
            "more than 1000",
        ),
    ];
    for (broken, expected) in cases {
        let mut sources: Vec<Source> = fine
            .iter()
            .map(|s| src(&s.path, &s.text))
            .filter(|s| s.path != broken.path)
            .collect();
        // `troubleshoot` must exist as a command for the command rule to apply.
        sources.push(src("src/commands/troubleshoot.rs", "pub fn run() {}\n"));
        sources.push(src("src/commands/mod.rs", "use crate::client;\n"));
        let path = broken.path.clone();
        sources.push(broken);
        let found = violations(&sources);
        assert!(
            found.iter().any(|v| v.contains(expected)),
            "{path}: expected a violation containing {expected:?}, got {found:?}"
        );
    }
}
