//! The test harness: one real kube-apiserver + etcd per test run (started by `tests/cluster.sh`,
//! stopped when this process exits, even on a panic or a kill), a namespace per test, the
//! plugin binary run as a user would run it, and helpers to assert that no secret value leaks.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct Cluster {
    pub kubeconfig: PathBuf,
}

static CLUSTER: OnceLock<Cluster> = OnceLock::new();
static NAMESPACES: AtomicUsize = AtomicUsize::new(0);

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The cluster of this test run. `KMCP_TEST_KUBECONFIG` reuses a cluster started by hand with
/// `tests/cluster.sh start` (for quick iterations); otherwise one is started on first use.
pub fn cluster() -> &'static Cluster {
    CLUSTER.get_or_init(|| {
        if let Some(kc) = std::env::var_os("KMCP_TEST_KUBECONFIG") {
            return Cluster {
                kubeconfig: PathBuf::from(kc),
            };
        }
        let dir = std::env::temp_dir().join(format!("kubectl-kmcp-test-{}", std::process::id()));
        let out = Command::new("bash")
            .arg(root().join("tests/cluster.sh"))
            .arg("start")
            .arg(&dir)
            .env("KMCP_CLUSTER_WATCH_PID", std::process::id().to_string())
            .stdin(Stdio::null())
            .output()
            .expect("cannot run bash tests/cluster.sh");
        assert!(
            out.status.success(),
            "could not start the test cluster (tests/cluster.sh start):\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        Cluster {
            kubeconfig: dir.join("kubeconfig"),
        }
    })
}

impl Cluster {
    /// `kubectl` as the admin, with `stdin` fed if given.
    pub fn kubectl_with(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut cmd = Command::new("kubectl");
        cmd.arg("--kubeconfig").arg(&self.kubeconfig).args(args);
        cmd.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("kubectl is not on PATH");
        if let Some(input) = stdin {
            child
                .stdin
                .take()
                .unwrap()
                .write_all(input.as_bytes())
                .unwrap();
        }
        child.wait_with_output().unwrap()
    }

    /// `kubectl` as the admin; panics with kubectl's stderr on failure; returns stdout.
    pub fn kubectl(&self, args: &[&str]) -> String {
        let out = self.kubectl_with(args, None);
        assert!(
            out.status.success(),
            "kubectl {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// `kubectl apply` of a YAML/JSON manifest as the admin. Client-side validation is off, so
    /// that tests can store fields the CRD prunes.
    pub fn apply(&self, manifest: &str) {
        let out = self.kubectl_with(&["apply", "--validate=false", "-f", "-"], Some(manifest));
        assert!(
            out.status.success(),
            "kubectl apply failed: {}\n{manifest}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// A JSON object from the cluster, or None when it does not exist.
    pub fn get_json(&self, kind: &str, name: &str, namespace: &str) -> Option<serde_json::Value> {
        let out = self.kubectl_with(&["get", kind, name, "-n", namespace, "-o", "json"], None);
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(
                err.contains("NotFound"),
                "kubectl get {kind} {name} -n {namespace}: {err}"
            );
            return None;
        }
        Some(serde_json::from_slice(&out.stdout).unwrap())
    }

    /// A fresh namespace for one test: `kmcp-<prefix>-<n>`.
    pub fn namespace(&self, prefix: &str) -> String {
        let n = NAMESPACES.fetch_add(1, Ordering::SeqCst);
        let name = format!("kmcp-{prefix}-{n}-{}", std::process::id() % 100000);
        self.kubectl(&["create", "namespace", &name]);
        name
    }

    /// A fresh namespace whose name has a fixed length, `kmcp-<prefix>-<8 hex digits>`, for
    /// whole-output snapshots: [`assert_snapshot`] puts `kmcp-<prefix>-########` in its place,
    /// and the columns of a table stay where they are.
    pub fn snapshot_namespace(&self, prefix: &str) -> String {
        use std::hash::{BuildHasher, RandomState};
        let n = NAMESPACES.fetch_add(1, Ordering::SeqCst);
        let unique = RandomState::new().hash_one((std::process::id(), n)) as u32;
        let name = format!("kmcp-{prefix}-{unique:08x}");
        self.kubectl(&["create", "namespace", &name]);
        name
    }

    /// The API server's URL (`https://127.0.0.1:PORT`).
    pub fn server(&self) -> String {
        self.kubectl(&[
            "config",
            "view",
            "--minify",
            "-o",
            "jsonpath={.clusters[0].cluster.server}",
        ])
    }

    /// Grants `user` the `verbs` on `resources` in `namespace` (a Role and a RoleBinding).
    /// Resources as in `kubectl create role --resource` (`secrets`, `mcpservers.kagent.dev`).
    pub fn grant(&self, user: &str, namespace: &str, verbs: &[&str], resources: &[&str]) {
        let n = NAMESPACES.fetch_add(1, Ordering::SeqCst);
        let role = format!("{user}-{n}");
        let verbs = format!("--verb={}", verbs.join(","));
        let resources = format!("--resource={}", resources.join(","));
        self.kubectl(&["create", "role", &role, "-n", namespace, &verbs, &resources]);
        self.kubectl(&[
            "create",
            "rolebinding",
            &role,
            "-n",
            namespace,
            "--role",
            &role,
            "--user",
            user,
        ]);
    }
}

/// The placeholder of a snapshot namespace (see [`Cluster::snapshot_namespace`]): the same
/// length, its unique part as `#`.
pub fn namespace_placeholder(ns: &str) -> String {
    let (stem, unique) = ns.split_at(ns.len() - 8);
    format!("{stem}{}", "#".repeat(unique.len()))
}

/// Whole-output comparison, as cargo's `with_stderr_data`: `actual` with each `(text,
/// placeholder)` replaced must be exactly `expected`. On a difference, both texts are shown
/// line by line with the first differing line marked.
#[track_caller]
pub fn assert_snapshot(actual: &str, replacements: &[(&str, &str)], expected: &str) {
    let mut normalized = actual.to_string();
    for (text, placeholder) in replacements {
        normalized = normalized.replace(text, placeholder);
    }
    if normalized == expected {
        return;
    }
    let (got, want): (Vec<&str>, Vec<&str>) =
        (normalized.lines().collect(), expected.lines().collect());
    let first = (0..got.len().max(want.len()))
        .find(|&i| got.get(i) != want.get(i))
        .unwrap_or(0);
    panic!(
        "the output differs from the snapshot at line {}:\n--- expected\n{expected}\n--- actual (normalized)\n{normalized}\n--- line {0}\nexpected: {:?}\nactual:   {:?}",
        first + 1,
        want.get(first),
        got.get(first)
    );
}

/// The plugin binary built by cargo for this test run.
pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_kubectl-kmcp"))
}

/// One run of the plugin.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    #[track_caller]
    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "unexpected exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn assert_ok(&self) -> &Self {
        self.assert_code(0)
    }

    /// Panics if any of `values` appears in stdout or stderr, as written or encoded: base64
    /// (standard and URL-safe, with and without padding, and at each alignment inside a longer
    /// encoded text), hex (lower and upper case) and JSON-escaped (serde's and Go's, which
    /// escapes `<`, `>`, `&`). Encodings shorter than 8 characters are not looked for: they
    /// would match by chance.
    #[track_caller]
    pub fn assert_no_leak(&self, values: &[&str]) -> &Self {
        for v in values {
            for (form, text) in leak_forms(v) {
                for (stream, out) in [("stdout", &self.stdout), ("stderr", &self.stderr)] {
                    assert!(
                        !out.contains(&text),
                        "a secret value leaked to {stream} ({form}): {v:?} as {text:?}\n{out}"
                    );
                }
            }
        }
        self
    }

    #[track_caller]
    pub fn assert_stderr_contains(&self, text: &str) -> &Self {
        assert!(
            self.stderr.contains(text),
            "stderr lacks {text:?}:\n{}\nstdout:\n{}",
            self.stderr,
            self.stdout
        );
        self
    }

    #[track_caller]
    pub fn assert_stdout_contains(&self, text: &str) -> &Self {
        assert!(
            self.stdout.contains(text),
            "stdout lacks {text:?}:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    /// Like [`Run::assert_stderr_contains`] for prose that may be wrapped at word boundaries
    /// (explanations below a table): spaces and line breaks compare as one space.
    #[track_caller]
    pub fn assert_stderr_says(&self, text: &str) -> &Self {
        let flat = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            flat(&self.stderr).contains(&flat(text)),
            "stderr lacks {text:?} (even unwrapped):\n{}\nstdout:\n{}",
            self.stderr,
            self.stdout
        );
        self
    }

    /// [`Run::assert_stderr_says`] for stdout: prose below a table, wrapped at words.
    #[track_caller]
    pub fn assert_stdout_says(&self, text: &str) -> &Self {
        let flat = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            flat(&self.stdout).contains(&flat(text)),
            "stdout lacks {text:?} (even unwrapped):\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

/// A builder for one plugin run: no terminal, a clean environment (no KUBECONFIG, HOME in a
/// temporary folder so that ~/.kube/config is never the developer's own).
pub struct Kmcp {
    cmd: Command,
}

pub fn kmcp(args: &[&str]) -> Kmcp {
    let mut cmd = Command::new(binary());
    cmd.args(args);
    cmd.env_remove("KUBECONFIG")
        .env("HOME", empty_home())
        .env("NO_COLOR", "1");
    Kmcp { cmd }
}

fn empty_home() -> &'static Path {
    static HOME: OnceLock<PathBuf> = OnceLock::new();
    HOME.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("kubectl-kmcp-home-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    })
}

impl Kmcp {
    /// Talks to the test cluster as the admin (KUBECONFIG set to its kubeconfig).
    pub fn on(mut self, cluster: &Cluster) -> Self {
        self.cmd.env("KUBECONFIG", &cluster.kubeconfig);
        self
    }
    /// Sets an environment variable of the run.
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.cmd.env(key, value);
        self
    }
    /// Runs in `dir` (the project folder of the test).
    pub fn dir(mut self, dir: &Path) -> Self {
        self.cmd.current_dir(dir);
        self
    }
    /// Runs the plugin to the end, stdin empty, and keeps what it printed.
    pub fn run(mut self) -> Run {
        self.cmd.stdin(Stdio::null());
        self.cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let child = self.cmd.spawn().expect("cannot start kubectl-kmcp");
        let out = child.wait_with_output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// A project folder with files (`kmcp.yaml`, `.env.staging`, ...) for one test.
pub fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in files {
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(path, content).unwrap();
    }
    dir
}

/// Runs the plugin with `args` on a pseudo-terminal (util-linux `script`) in `dir`, typing each
/// of `keys` (printf syntax: `y\r` is y and Enter, `\003` is Ctrl-C) two seconds apart. Returns
/// what the terminal showed and the exit code (-1 when it could not be read). The run is killed
/// after 60 s, so a prompt that waits for a key never typed fails the test instead of hanging it.
pub fn on_terminal(dir: &Path, kubeconfig: &Path, args: &str, keys: &[&str]) -> (String, i32) {
    let typing: Vec<String> = keys
        .iter()
        .map(|k| format!("sleep 2; printf '{k}';"))
        .collect();
    let out = Command::new("bash")
        .args([
            "-c",
            &format!(
                "{{ {} sleep 2; }} | timeout 60 script -qec '{} {args}; echo EXIT=$?' /dev/null",
                typing.join(" "),
                binary().display()
            ),
        ])
        .current_dir(dir)
        .env("KUBECONFIG", kubeconfig)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("util-linux `script` is needed for this test");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let code = text
        .rsplit_once("EXIT=")
        .and_then(|(_, c)| c.trim().parse().ok())
        .unwrap_or(-1);
    (text, code)
}

/// The forms of a secret value to look for in an output: `(name of the form, text)`. See
/// [`Run::assert_no_leak`].
pub fn leak_forms(value: &str) -> Vec<(&'static str, String)> {
    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let mut forms: Vec<(&'static str, String)> = vec![("as written", value.to_string())];
    let bytes = value.as_bytes();
    for (name, engine) in [
        ("base64", &STANDARD),
        ("base64 without padding", &STANDARD_NO_PAD),
        ("URL-safe base64", &URL_SAFE),
        ("URL-safe base64 without padding", &URL_SAFE_NO_PAD),
    ] {
        forms.push((name, engine.encode(bytes)));
        // Inside a longer encoded text (a whole manifest in base64) the value starts at any of
        // three alignments: the characters that depend on its bytes alone.
        for k in 0..3usize {
            let mut shifted = vec![0u8; k];
            shifted.extend_from_slice(bytes);
            let enc = STANDARD_NO_PAD.encode(&shifted);
            let enc = if name.starts_with("URL") {
                enc.replace('+', "-").replace('/', "_")
            } else {
                enc
            };
            let start = (4 * k).div_ceil(3);
            let end = (shifted.len() * 4) / 3;
            if end > start {
                forms.push((name, enc[start..end].to_string()));
            }
        }
    }
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    forms.push(("hex", hex.to_uppercase()));
    forms.push(("hex", hex));
    let json = serde_json::to_string(value).unwrap();
    let json = json[1..json.len() - 1].to_string();
    let go = json
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    forms.push(("JSON-escaped", json));
    forms.push(("JSON-escaped as Go writes it", go));
    let mut seen = std::collections::BTreeSet::new();
    forms
        .into_iter()
        .filter(|(name, text)| {
            (*name == "as written" || text.len() >= 8)
                && !text.is_empty()
                && seen.insert(text.clone())
        })
        .collect()
}
