//! The plugin at a real terminal: each command runs in a tmux pane 80 columns wide (a pseudo-
//! terminal, as a user's), and what the pane shows is read back twice: as the rows on the screen
//! (`capture-pane -p`) and with the terminal's soft wraps joined (`-J`). A line the plugin wrote
//! that fits in 80 columns must be one row of the screen (the terminal broke nothing); a longer
//! one must be a single unbreakable piece, a command or a name, alone on its line, so that it
//! still copies whole. Against the real API server, with and without colours.
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::harness::{Cluster, binary, cluster, kmcp, project};

static PANES: AtomicUsize = AtomicUsize::new(0);

/// The width of every pane.
const COLUMNS: usize = 80;

/// One plugin command running in a tmux server of its own, in a pane of 80 columns.
struct Pane {
    socket: String,
    _script: tempfile::TempDir,
}

/// `arg` quoted for the shell.
fn quote(arg: &str) -> String {
    format!("'{}'", arg.replace('\'', r"'\''"))
}

impl Pane {
    /// Starts `kubectl-kmcp args` in `cwd` on the test cluster, colours on unless `no_color`.
    fn start(c: &Cluster, args: &[&str], cwd: &Path, no_color: bool) -> Pane {
        let n = PANES.fetch_add(1, Ordering::SeqCst);
        let socket = format!("kmcp-test-{}-{n}", std::process::id());
        let script = tempfile::tempdir().unwrap();
        let home = script.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        let argv: Vec<String> = args.iter().map(|a| quote(a)).collect();
        let text = format!(
            "unset NO_COLOR\n{}export KUBECONFIG={} HOME={} TERM=xterm-256color\ncd {}\n{} {}\necho \"[exit $?]\"\nsleep 3600\n",
            if no_color { "export NO_COLOR=1\n" } else { "" },
            quote(&c.kubeconfig.display().to_string()),
            quote(&home.display().to_string()),
            quote(&cwd.display().to_string()),
            quote(&binary().display().to_string()),
            argv.join(" ")
        );
        let path = script.path().join("run.sh");
        std::fs::write(&path, text).unwrap();
        let pane = Pane {
            socket,
            _script: script,
        };
        let rows = "150";
        let cols = COLUMNS.to_string();
        let started = pane.tmux(&[
            "new-session",
            "-d",
            "-x",
            &cols,
            "-y",
            rows,
            "bash",
            &path.display().to_string(),
        ]);
        assert!(
            started.status.success(),
            "tmux: {started:?} (is tmux installed? tests/setup)"
        );
        pane
    }

    fn tmux(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("tmux is not installed: run tests/setup")
    }

    /// The pane's text: the rows as the screen shows them, or with soft wraps joined.
    fn capture(&self, joined: bool, escapes: bool) -> String {
        let mut args = vec!["capture-pane", "-p"];
        if joined {
            args.push("-J");
        }
        if escapes {
            args.push("-e");
        }
        let out = self.tmux(&args);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let lines: Vec<&str> = text.lines().map(|l| l.trim_end()).collect();
        let end = lines
            .iter()
            .rposition(|l| !l.is_empty())
            .map_or(0, |i| i + 1);
        lines[..end].iter().map(|l| format!("{l}\n")).collect()
    }

    fn screen(&self) -> String {
        self.capture(false, false)
    }

    fn joined(&self) -> String {
        self.capture(true, false)
    }

    /// Waits until the pane shows `text` (at most a minute).
    #[track_caller]
    fn wait_for(&self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !self.joined().contains(text) {
            assert!(
                Instant::now() < deadline,
                "the pane never showed {text:?}:\n{}",
                self.joined()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits for the command to end and returns its exit code.
    #[track_caller]
    fn exit_code(&self) -> i32 {
        self.wait_for("[exit ");
        let joined = self.joined();
        let line = joined
            .lines()
            .rev()
            .find(|l| l.starts_with("[exit "))
            .unwrap();
        line["[exit ".len()..line.len() - 1].parse().unwrap()
    }

    /// What the command printed (without the exit line), joined and as shown.
    fn output(&self) -> (String, String) {
        let strip = |s: String| -> String {
            s.lines()
                .filter(|l| !l.starts_with("[exit "))
                .map(|l| format!("{l}\n"))
                .collect()
        };
        (strip(self.joined()), strip(self.screen()))
    }

    fn send(&self, keys: &[&str]) {
        let mut args = vec!["send-keys"];
        args.extend_from_slice(keys);
        assert!(self.tmux(&args).status.success());
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}

/// Whether `line` is one piece that must not be broken: a command (a `backtick` span or a line
/// that starts with `kubectl `) or a single word.
fn is_one_piece(line: &str) -> bool {
    let t = line.trim();
    let t = t
        .trim_start_matches('(')
        .trim_end_matches([')', ',', '.', ';', ':']);
    (t.starts_with('`') && t.ends_with('`') && t.matches('`').count() == 2)
        || t.starts_with("kubectl ")
        || !t.contains(' ')
}

/// The plugin's lines (joined) against the screen's rows: a line of at most 80 columns is one
/// row (the terminal broke nothing); a longer one is one unbreakable piece.
#[track_caller]
fn assert_nothing_broken_by_the_terminal(joined: &str, screen: &str) {
    let rows: Vec<&str> = screen.lines().collect();
    for line in joined.lines() {
        if line.chars().count() <= COLUMNS {
            assert!(
                rows.contains(&line),
                "the terminal broke {line:?}:\n{screen}"
            );
        } else {
            assert!(
                is_one_piece(line),
                "a line over 80 columns that is not one piece: {line:?}"
            );
        }
    }
}

/// `needle` appears whole in one line of `text`.
#[track_caller]
fn assert_on_one_line(text: &str, needle: &str) {
    assert!(
        text.lines().any(|l| l.contains(needle)),
        "{needle:?} is not whole on one line:\n{text}"
    );
}

fn mcpserver(name: &str, ns: &str, secrets: &[&str]) -> String {
    let refs: String = secrets
        .iter()
        .map(|s| format!("    - name: {s}\n"))
        .collect();
    format!(
        "apiVersion: kagent.dev/v1alpha1\nkind: MCPServer\nmetadata: {{name: {name}, namespace: {ns}}}\nspec:\n  transportType: stdio\n  stdioTransport: {{}}\n  deployment:\n    image: example/weather:0.1.0\n    secretRefs:\n{refs}"
    )
}

/// Item 1 and 3 of issue 13 at 80 columns: troubleshoot's table is check and result; every
/// detail and fix is below it, wrapped at words; every name and fix command is whole on one
/// line, with colours and with NO_COLOR, and when piped no prose line is over 80 columns.
#[test]
fn troubleshoot_at_80_columns_keeps_names_and_fix_commands_whole() {
    let c = cluster();
    let ns = c.namespace("term-ts");
    let server = "weather-forecast-mcp-server";
    let secret = "weather-forecast-api-credentials";
    c.apply(&mcpserver(server, &ns, &[secret]));
    let dir = project(&[]);
    let commands = [
        format!("kubectl create secret generic {secret} -n {ns} --from-env-file=FILE"),
        "kubectl get pods -A -l app.kubernetes.io/name=kmcp".to_string(),
        format!("kubectl describe deployment {server} -n {ns}"),
        format!("app.kubernetes.io/name={server},app.kubernetes.io/instance={server}"),
    ];
    for no_color in [true, false] {
        let pane = Pane::start(
            c,
            &["troubleshoot", server, "-n", &ns],
            dir.path(),
            no_color,
        );
        assert_eq!(pane.exit_code(), 1, "{}", pane.joined());
        let (joined, screen) = pane.output();
        assert!(
            screen.starts_with("CHECK       RESULT\ncontext     pass\n"),
            "{screen}"
        );
        assert!(screen.contains("\nsecret      fail\n"), "{screen}");
        assert_nothing_broken_by_the_terminal(&joined, &screen);
        for cmd in &commands {
            assert_on_one_line(&joined, cmd);
        }
        for name in [server, secret, ns.as_str()] {
            assert_on_one_line(&screen, name);
        }
        let coloured = pane.capture(false, true).contains("\x1b[");
        assert_eq!(
            coloured, !no_color,
            "colours only without NO_COLOR:\n{joined}"
        );
    }

    // Piped: the same lines, no prose over 80 columns (was up to 321).
    let run = kmcp(&["troubleshoot", server, "-n", &ns]).on(c).run();
    run.assert_code(1);
    for line in run.stdout.lines() {
        assert!(
            line.chars().count() <= COLUMNS || is_one_piece(line),
            "a piped line over 80 columns: {line:?}"
        );
    }
    for cmd in &commands {
        assert_on_one_line(&run.stdout, cmd);
    }
}

/// Item 1 for audit's tables (issue 13): at 80 columns, with realistic names (a 20-character
/// server and Secret, a namespace of about 15), the default table fits: single-cluster, `-A`
/// and a fleet (`--context` twice). No line is over 80 columns except a fix command alone on
/// its line (which the terminal soft-wraps and still copies whole); no line is broken by the
/// terminal; every server, Secret and namespace name is whole on one line, each server's row
/// holding its Secret and status; the severities start the lines below the table.
#[test]
fn audit_at_80_columns_fits_and_keeps_every_name_whole() {
    let c = cluster();
    let ns = c.namespace("ta");
    let label = format!("term-audit={ns}");
    let server = "github-tools-server1";
    let bare = "no-secrets-server-01";
    let (present, missing, pull) = (
        "weather-api-secrets1",
        "missing-secret-name1",
        "registry-credential1",
    );
    c.apply(&format!(
        "apiVersion: v1\nkind: Secret\nmetadata: {{name: {present}, namespace: {ns}}}\nstringData: {{API_KEY: audit-value-55}}\n"
    ));
    c.apply(&format!(
        "apiVersion: v1\nkind: Secret\nmetadata: {{name: {pull}, namespace: {ns}}}\nstringData: {{a: audit-value-56}}\n"
    ));
    for (name, deployment) in [
        (
            server,
            format!(
                "    secretRefs: [{{name: {present}}}, {{name: {missing}}}]\n    imagePullSecrets: [{{name: {pull}}}]\n"
            ),
        ),
        (bare, String::new()),
    ] {
        c.apply(&format!(
            "apiVersion: kagent.dev/v1alpha1\nkind: MCPServer\nmetadata: {{name: {name}, namespace: {ns}, labels: {{term-audit: {ns}}}}}\nspec:\n  transportType: stdio\n  stdioTransport: {{}}\n  deployment:\n    image: example/weather:0.1.0\n{deployment}"
        ));
    }
    // alice's cluster of the fleet (the same API server): she may list the servers, read
    // the Secrets.
    c.grant("alice", &ns, &["list"], &["mcpservers.kagent.dev"]);
    c.grant("alice", &ns, &["get", "list"], &["secrets"]);
    let dir = project(&[]);
    let fleet = [
        "audit",
        "-n",
        &ns,
        "--context",
        "admin",
        "--context",
        "alice",
    ];
    let runs: [&[&str]; 4] = [
        &["audit", "-n", &ns],
        &["audit", "-A", "-l", &label],
        &fleet,
        &["audit", "-n", &ns, "--access"],
    ];
    for args in runs {
        for no_color in [true, false] {
            let pane = Pane::start(c, args, dir.path(), no_color);
            assert_eq!(pane.exit_code(), 1, "{args:?}");
            let (joined, screen) = pane.output();
            assert!(!joined.contains("audit-value-5"), "{joined}");
            assert_nothing_broken_by_the_terminal(&joined, &screen);
            for line in joined.lines() {
                assert!(
                    line.chars().count() <= COLUMNS || is_one_piece(line),
                    "{args:?}: a line over 80 columns: {line:?}"
                );
            }
            if args.contains(&"--access") {
                assert_on_one_line(&joined, "you (admin)");
                continue;
            }
            // One row per server and Secret, whole: server, Secret, status on one line.
            for (secret, status) in [
                (present, "unmanaged"),
                (missing, "missing-secret"),
                (pull, "wrong-type"),
            ] {
                let row =
                    joined
                        .lines()
                        .find(|l| l.starts_with(server) || l.starts_with(&ns))
                        .and(joined.lines().find(|l| {
                            l.contains(server) && l.contains(secret) && l.ends_with(status)
                        }))
                        .unwrap_or_else(|| panic!("{args:?}: no row of {secret}:\n{joined}"));
                if args.contains(&"-A") {
                    assert!(row.starts_with(&format!("{ns}   {server}")), "{row}");
                }
            }
            assert!(
                joined
                    .lines()
                    .any(|l| l.contains(bare) && l.contains("(no references)")),
                "{joined}"
            );
            // The namespace is whole: in -A's rows, the fleet's titles, the lines below.
            assert_on_one_line(&joined, &format!("{ns}/{server}"));
            assert_on_one_line(
                &joined,
                &format!(
                    "`kubectl create secret docker-registry {pull} -n {ns} --docker-server=REGISTRY"
                ),
            );
            assert!(joined.contains("\nerror: "), "{joined}");
            assert!(joined.contains("\nwarning: "), "{joined}");
            if args.contains(&"alice") {
                for ctx in ["admin", "alice"] {
                    assert_on_one_line(&joined, &format!("Context {ctx}, namespace {ns}:"));
                }
            }
        }
    }
}

/// Items 5 and 6: help at 80 columns, examples verbatim (a long example is continued with `\`
/// by its author, never by clap), no line soft-wrapped, the global flags only in `options`.
#[test]
fn help_at_80_columns_is_verbatim_and_points_to_options() {
    let c = cluster();
    let dir = project(&[]);
    let pane = Pane::start(c, &["deploy", "--help"], dir.path(), true);
    assert_eq!(pane.exit_code(), 0);
    let (joined, screen) = pane.output();
    assert_eq!(joined, screen, "help lines were soft-wrapped");
    for line in [
        "  kubectl kmcp deploy my-server --image ghcr.io/me/my-server:0.2.0 \\",
        "    --environment prod --dry-run=server",
        "  # Deploy the project in this folder with the staging environment's Secret,",
    ] {
        assert!(
            screen.lines().any(|l| l == line),
            "{line:?} not verbatim:\n{screen}"
        );
    }
    assert!(!screen.contains("--kubeconfig"), "{screen}");
    assert!(
        screen
            .trim_end()
            .ends_with("Use \"kubectl kmcp options\" for a list of global command-line options."),
        "{screen}"
    );

    let pane = Pane::start(c, &["options"], dir.path(), true);
    assert_eq!(pane.exit_code(), 0);
    let (joined, screen) = pane.output();
    assert_eq!(joined, screen, "options lines were soft-wrapped");
    for flag in [
        "--kubeconfig <PATH>",
        "-n, --namespace <NAMESPACE>",
        "--as <USER>",
    ] {
        assert!(screen.contains(flag), "{flag}:\n{screen}");
    }
}

/// Item 11: the confirmation question is wrapped to the terminal and drawn once; a lone `y`
/// does not confirm, Enter does.
#[test]
fn the_prompt_is_drawn_once_and_waits_for_enter() {
    let c = cluster();
    let ns = c.namespace("term-prompt-with-a-rather-long-namespace-name");
    let secret = "weather-forecast-production-credentials";
    let dir = project(&[
        (
            "kmcp.yaml",
            &format!(
                "name: weather\nsecrets:\n  production:\n    enabled: true\n    provider: kubernetes\n    secretName: {secret}\n    namespace: {ns}\n"
            ),
        ),
        (".env.production", "API_KEY=prompt-value-31\n"),
    ]);
    let pane = Pane::start(c, &["secrets", "sync", "production"], dir.path(), false);
    pane.wait_for("Continue?");
    let (joined, screen) = pane.output();
    assert_eq!(
        screen.matches("This will").count(),
        1,
        "drawn more than once:\n{screen}"
    );
    assert_eq!(screen.matches("Continue?").count(), 1, "{screen}");
    assert_nothing_broken_by_the_terminal(&joined, &screen);
    assert_on_one_line(&screen, secret);
    assert_on_one_line(&screen, &ns);

    pane.send(&["y"]);
    std::thread::sleep(Duration::from_secs(1));
    assert!(
        !pane.joined().contains("[exit "),
        "a lone y confirmed:\n{}",
        pane.joined()
    );
    assert!(
        c.get_json("secret", secret, &ns).is_none(),
        "written before Enter"
    );
    pane.send(&["Enter"]);
    assert_eq!(pane.exit_code(), 0, "{}", pane.joined());
    assert!(c.get_json("secret", secret, &ns).is_some());
    let (joined, _) = pane.output();
    assert!(!joined.contains("prompt-value-31"), "{joined}");
    assert_eq!(joined.matches("This will").count(), 1, "{joined}");
}

/// Runs `kubectl __complete kmcp words...` (kubectl's plugin completion, which runs
/// `kubectl_complete-kmcp` from PATH) and returns the candidates' values and the directive.
fn kubectl_complete(c: &Cluster, bin: &Path, dir: &Path, words: &[&str]) -> (Vec<String>, String) {
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("kubectl")
        .args(["__complete", "kmcp"])
        .args(words)
        .env("PATH", path)
        .env("KUBECONFIG", &c.kubeconfig)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines: Vec<String> = text.lines().map(|l| l.to_string()).collect();
    let directive = lines.pop().unwrap_or_default();
    let values = lines
        .into_iter()
        .map(|l| l.split('\t').next().unwrap().to_string())
        .collect();
    (values, directive)
}

/// Item 16: `kubectl kmcp <TAB>` completes kmcp.yaml's environments, namespaces, contexts and
/// MCPServers, through kubectl's plugin completion.
#[test]
fn completion_names_environments_namespaces_contexts_and_servers() {
    let c = cluster();
    let ns = c.namespace("term-complete");
    c.apply(&mcpserver("weather-complete", &ns, &["x"]));
    let bin = tempfile::tempdir().unwrap();
    for name in ["kubectl-kmcp", "kubectl_complete-kmcp"] {
        std::os::unix::fs::symlink(binary(), bin.path().join(name)).unwrap();
    }
    let dir = project(&[(
        "proj/kmcp.yaml",
        "name: weather\nsecrets:\n  staging:\n    provider: kubernetes\n  production:\n    provider: kubernetes\n",
    )]);
    let (values, directive) = kubectl_complete(
        c,
        bin.path(),
        dir.path(),
        &["secrets", "sync", "-d", "proj", ""],
    );
    assert_eq!(values, ["production", "staging"]);
    assert_eq!(directive, ":4");
    let (values, _) = kubectl_complete(
        c,
        bin.path(),
        &dir.path().join("proj"),
        &["troubleshoot", "--environment", "st"],
    );
    assert_eq!(values, ["staging"]);
    let (values, _) = kubectl_complete(
        c,
        bin.path(),
        dir.path(),
        &["audit", "-n", "kmcp-term-comp"],
    );
    assert!(values.contains(&ns), "{values:?}");
    let (values, _) = kubectl_complete(c, bin.path(), dir.path(), &["troubleshoot", "-n", &ns, ""]);
    assert_eq!(values, ["weather-complete"]);
    let (values, _) = kubectl_complete(c, bin.path(), dir.path(), &["--context", ""]);
    for context in ["admin", "alice", "bob", "restricted"] {
        assert!(values.contains(&context.to_string()), "{values:?}");
    }
    let (values, _) = kubectl_complete(c, bin.path(), dir.path(), &["troubleshoot", "-o", ""]);
    assert_eq!(values, ["table", "wide", "json", "yaml"]);
}

/// Item 16: completion never fails loudly and never hangs: a server that accepts the connection
/// and never answers, a broken kmcp.yaml, a missing kubeconfig each give an empty list, exit 0
/// and nothing on stderr.
#[test]
fn completion_is_silent_and_bounded_when_lookups_fail() {
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("https://{}", silent.local_addr().unwrap());
    let dir = project(&[("kmcp.yaml", "name: [broken\n")]);
    for words in [
        vec![
            "-s",
            url.as_str(),
            "--insecure-skip-tls-verify",
            "audit",
            "-n",
            "",
        ],
        vec![
            "-s",
            url.as_str(),
            "--insecure-skip-tls-verify",
            "troubleshoot",
            "",
        ],
        vec!["secrets", "sync", ""],
        vec!["--kubeconfig", "/nonexistent", "--context", ""],
    ] {
        let mut child = Command::new(binary())
            .arg("__complete")
            .args(&words)
            .current_dir(dir.path())
            .env_remove("KUBECONFIG")
            .env("HOME", dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while child.try_wait().unwrap().is_none() {
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("completion of {words:?} hangs");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{words:?}: {out:?}");
        assert_eq!(String::from_utf8_lossy(&out.stdout), ":4\n", "{words:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{words:?}");
    }
    drop(silent);
}

/// Every line the plugin wrote (soft wraps joined) is at most 80 columns, or one unbreakable
/// piece (a name, a path, a command).
#[track_caller]
fn assert_all_within_80_columns(joined: &str) {
    for line in joined.lines() {
        assert!(
            line.chars().count() <= COLUMNS || is_one_piece(line),
            "a line over 80 columns: {line:?}\n{joined}"
        );
    }
}

/// Issue 13 (the rest): sync's and deploy's diagnostics on stderr are wrapped at words to the
/// terminal's 80 columns, and every name stays whole on one line.
#[test]
fn sync_and_deploy_diagnostics_at_80_columns_keep_names_whole() {
    let c = cluster();
    let ns = c.namespace("term-diag");
    let secret = "weather-forecast-tool-european-region-api-credentials";
    let project_name = "weather_forecast_tool_for_the_european_region";
    let server = "weather-forecast-tool-for-the-european-region";
    let dir = project(&[
        (
            "kmcp.yaml",
            &format!(
                "name: {project_name}\nframework: custom-framework-of-our-own\nsecrets:\n  staging:\n    enabled: true\n    provider: kubernetes\n    secretName: {secret}\n    namespace: {ns}\n"
            ),
        ),
        (".env.staging", "API_KEY=diag-value-8812\n"),
        (
            ".env.example",
            "API_KEY=\nOPTIONAL_SETTING_FOR_THE_REGION=eu\nOTHER_OPTIONAL_TUNING_PARAMETER=x\n",
        ),
    ]);
    let pane = Pane::start(c, &["secrets", "sync", "staging"], dir.path(), true);
    assert_eq!(pane.exit_code(), 0, "{}", pane.joined());
    let (joined, screen) = pane.output();
    assert!(
        joined.contains("does not set the optional keys"),
        "{joined}"
    );
    assert_all_within_80_columns(&joined);
    assert_nothing_broken_by_the_terminal(&joined, &screen);
    for name in [
        secret,
        ns.as_str(),
        "OPTIONAL_SETTING_FOR_THE_REGION",
        "OTHER_OPTIONAL_TUNING_PARAMETER",
    ] {
        assert_on_one_line(&screen, name);
    }
    assert!(!joined.contains("diag-value-8812"), "{joined}");
    // Piped, the same sentences are single lines (a log keeps them whole).
    let run = kmcp(&["secrets", "sync", "staging"])
        .on(c)
        .dir(dir.path())
        .run();
    run.assert_ok();
    assert!(
        run.stderr.lines().any(|l| l.chars().count() > COLUMNS),
        "piped output is not wrapped:\n{}",
        run.stderr
    );

    // deploy: the name note, the unknown framework note and the --no-secret warning.
    let pane = Pane::start(c, &["deploy", "--no-secret", "-n", &ns], dir.path(), true);
    assert_eq!(pane.exit_code(), 0, "{}", pane.joined());
    let (joined, screen) = pane.output();
    assert!(joined.contains("unknown framework"), "{joined}");
    assert!(joined.contains("--no-secret"), "{joined}");
    assert_all_within_80_columns(&joined);
    assert_nothing_broken_by_the_terminal(&joined, &screen);
    for name in [
        server,
        project_name,
        "\"custom-framework-of-our-own\"",
        "--command",
    ] {
        assert_on_one_line(&screen, name);
    }
    assert_on_one_line(&screen, &format!("mcpservers.kagent.dev/{server} created"));
}

/// Sets key `K` of Secret `name` to `value` as someone else (the admin, with kubectl).
fn change_secret(c: &Cluster, name: &str, ns: &str, value: &str) {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(value);
    c.kubectl(&[
        "patch",
        "secret",
        name,
        "-n",
        ns,
        "--type",
        "merge",
        "-p",
        &format!("{{\"data\":{{\"K\":\"{b64}\"}}}}"),
    ]);
}

fn value_of(c: &Cluster, name: &str, ns: &str) -> String {
    use base64::Engine;
    let s = c.get_json("secret", name, ns).unwrap();
    let b = base64::engine::general_purpose::STANDARD
        .decode(s["data"]["K"].as_str().unwrap())
        .unwrap();
    String::from_utf8(b).unwrap()
}

/// A change made to the Secret while the plan is on the screen (between the plan and the
/// write) is refused with 409, naming the Secret and namespace, exit 1, and kept: `sync --all`
/// writes over the resourceVersion it planned against, as single-environment sync does.
#[test]
fn a_change_made_at_the_prompt_is_refused_not_overwritten() {
    let c = cluster();
    let ns = c.namespace("term-race");
    for (env, secret, args) in [
        (
            "staging",
            "race-all-secret",
            vec!["secrets", "sync", "--all"],
        ),
        (
            "production",
            "race-one-secret",
            vec!["secrets", "sync", "production"],
        ),
    ] {
        let dir = project(&[
            (
                "kmcp.yaml",
                &format!(
                    "name: race\nsecrets:\n  {env}:\n    enabled: true\n    provider: kubernetes\n    secretName: {secret}\n    namespace: {ns}\n"
                ),
            ),
            (&format!(".env.{env}"), "K=planned-value-1\n"),
        ]);
        kmcp(&["secrets", "sync", env, "--yes"])
            .on(c)
            .dir(dir.path())
            .run()
            .assert_ok();
        std::fs::write(
            dir.path().join(format!(".env.{env}")),
            "K=planned-value-2\n",
        )
        .unwrap();
        let pane = Pane::start(c, &args, dir.path(), true);
        pane.wait_for("Continue?");
        // Someone else changes the Secret after the plan was shown.
        change_secret(c, secret, &ns, "concurrent-value-3");
        pane.send(&["y", "Enter"]);
        let code = pane.exit_code();
        let (joined, _) = pane.output();
        assert_eq!(code, 1, "{args:?}:\n{joined}");
        let flat = joined.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            flat.contains(&format!(
                "secret \"{secret}\" in namespace \"{ns}\" was changed by someone else while syncing; nothing was written by this run"
            )),
            "{args:?}:\n{joined}"
        );
        assert_eq!(
            value_of(c, secret, &ns),
            "concurrent-value-3",
            "{args:?} overwrote a change it had not shown"
        );
        for v in ["planned-value-1", "planned-value-2", "concurrent-value-3"] {
            assert!(!joined.contains(v), "{joined}");
        }
    }
}
