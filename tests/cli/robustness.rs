//! The crashes of issue #19, each reproduced with the real binary: a duration beyond any clock, a
//! closed pipe (troubleshoot's non-ASCII hash annotation is in troubleshoot.rs, next to its
//! setup). A panic is exit 101 (or SIGABRT with the release profile) and a Rust backtrace note;
//! neither may ever show.
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};

use crate::harness::{Cluster, binary, cluster, kmcp, project};

#[track_caller]
fn assert_no_panic(stderr: &str) {
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "the plugin panicked:\n{stderr}"
    );
}

#[test]
fn a_request_timeout_beyond_any_clock_is_a_usage_error() {
    for value in ["99999999999999999999h", "99999999999999999999", "87601h"] {
        let run = kmcp(&["--request-timeout", value, "version", "--client"]).run();
        run.assert_code(2)
            .assert_stderr_contains("is too long: the longest is 87600h");
        assert_no_panic(&run.stderr);
    }
    // Bad syntax stays a usage error too, and the longest accepted value works.
    kmcp(&["--request-timeout", "1e400s", "version", "--client"])
        .run()
        .assert_code(2)
        .assert_stderr_contains("invalid duration");
    kmcp(&["--request-timeout", "87600h", "version", "--client"])
        .run()
        .assert_ok();
}

/// Runs the plugin with its stdout a pipe whose reader is already gone (as `| head -1` once
/// head has exited), and returns how it ended and its stderr.
fn with_closed_stdout(
    c: Option<&Cluster>,
    dir: &std::path::Path,
    args: &[&str],
) -> (std::process::ExitStatus, String) {
    let mut cmd = Command::new(binary());
    cmd.args(args)
        .current_dir(dir)
        .env_remove("KUBECONFIG")
        .env("HOME", dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(c) = c {
        cmd.env("KUBECONFIG", &c.kubeconfig);
    }
    let mut child = cmd.spawn().unwrap();
    drop(child.stdout.take()); // the reader goes away before the first write
    let out = child.wait_with_output().unwrap();
    (
        out.status,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_closed_pipe_ends_the_process_quietly_as_kubectl_does() {
    // A large file: the manifest is far more than one pipe buffer.
    let env: String = (0..4000)
        .map(|i| format!("KEY_{i}=value-{i}-pipe\n"))
        .collect();
    let dir = project(&[
        (
            "kmcp.yaml",
            "name: pipe\nsecrets:\n  staging:\n    enabled: true\n    provider: kubernetes\n    secretName: pipe-secrets\n    namespace: pipe-ns\n",
        ),
        (".env.staging", &env),
    ]);
    let (status, stderr) = with_closed_stdout(
        None,
        dir.path(),
        &["secrets", "sync", "staging", "--dry-run", "-o", "yaml"],
    );
    assert_no_panic(&stderr);
    assert_eq!(
        status.signal(),
        Some(libc_sigpipe()),
        "expected an end by SIGPIPE (the shell's 141), got {status:?}; stderr:\n{stderr}"
    );
    assert_quiet(&stderr);

    let c = cluster();
    let ns = c.namespace("pipe");
    c.apply(&format!(
        "apiVersion: kagent.dev/v1alpha1\nkind: MCPServer\nmetadata: {{name: piped, namespace: {ns}}}\nspec:\n  deployment:\n    image: x:1\n    secretRefs: [{{name: absent}}]\n"
    ));
    let (status, stderr) = with_closed_stdout(Some(c), dir.path(), &["audit", "-A", "-o", "json"]);
    assert_no_panic(&stderr);
    assert_eq!(
        status.signal(),
        Some(libc_sigpipe()),
        "{status:?}: {stderr}"
    );
    assert_quiet(&stderr);

    // In a real shell pipeline: `head` prints its line, the shell sees 141, nothing else shows.
    let script = format!(
        "{} secrets sync staging --dry-run -o yaml | head -1; echo \"status=${{PIPESTATUS[0]}}\"",
        binary().display()
    );
    let out = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(dir.path())
        .env("HOME", dir.path())
        .env_remove("KUBECONFIG")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stdout, "apiVersion: v1\nstatus=141\n", "stderr: {stderr}");
    assert_quiet(&stderr);
}

/// No word about the pipe: the reader left on purpose (progress lines may show).
#[track_caller]
fn assert_quiet(stderr: &str) {
    assert_no_panic(stderr);
    assert!(
        !stderr.contains("Broken pipe") && !stderr.contains("error"),
        "a closed pipe is not an error:\n{stderr}"
    );
}

/// SIGPIPE's number on Linux and every BSD.
fn libc_sigpipe() -> i32 {
    13
}
