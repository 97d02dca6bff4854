//! The leak sweep: every secret-handling command once more at `-v=9` (requests logged), each
//! output searched for every value in every encoding (see `harness::leak_forms`), and an answer
//! that cannot be decoded, whose body kube would log whole, shown nowhere.
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::harness::{Run, cluster, kmcp, leak_forms, project};

/// Values with characters that JSON and base64 change: `<`, `>`, `&`, `+`, `/`, non-ASCII.
const VALUES: [&str; 4] = [
    "sk-verbose-9a8b7c6d5e4f",
    "p<ass>w&rd/with+plus?~~~",
    "sécret-ünïcode-value-42",
    "region-west-verbose-77",
];

fn env_file(values: &[&str]) -> String {
    format!(
        "API_KEY={}\nPASSWORD='{}'\nUNICODE={}\nREGION={}\n",
        values[0], values[1], values[2], values[3]
    )
}

fn kmcp_yaml(ns: &str) -> String {
    format!(
        "name: verbose-tool\nversion: 0.1.0\nframework: fastmcp-python\nsecrets:\n  staging:\n    enabled: true\n    provider: kubernetes\n    secretName: verbose-secrets\n    namespace: {ns}\n"
    )
}

#[track_caller]
fn swept(run: Run, values: &[&str]) -> Run {
    run.assert_no_leak(values);
    run
}

#[test]
fn the_sweep_finds_each_encoding_of_a_value() {
    let value = VALUES[1];
    let forms = leak_forms(value);
    let names: std::collections::BTreeSet<&str> = forms.iter().map(|(n, _)| *n).collect();
    // (Without padding and serde's JSON are the same text as others for this value.)
    for name in [
        "as written",
        "base64",
        "URL-safe base64",
        "hex",
        "JSON-escaped as Go writes it",
    ] {
        assert!(names.contains(name), "no {name} form in {forms:?}");
    }
    assert!(
        leak_forms("a\"b\\c-12345")
            .iter()
            .any(|(n, t)| *n == "JSON-escaped" && t == "a\\\"b\\\\c-12345"),
        "{:?}",
        leak_forms("a\"b\\c-12345")
    );
    assert!(
        leak_forms("abcdefg")
            .iter()
            .any(|(n, _)| *n == "base64 without padding")
    );
    // Each form found on either stream, and a value inside a longer base64 text (a whole
    // manifest encoded) at each alignment.
    use base64::Engine;
    let mut outputs: Vec<String> = forms.iter().map(|(_, t)| format!("x {t} y")).collect();
    for prefix in ["", "a", "ab", "abc"] {
        let doc = format!("{{\"data\":{{\"K\":\"{prefix}{value}\"}}}}");
        outputs.push(base64::engine::general_purpose::STANDARD.encode(&doc));
        outputs.push(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&doc));
    }
    for out in outputs {
        for (stdout, stderr) in [(out.clone(), String::new()), (String::new(), out.clone())] {
            let run = Run {
                code: 0,
                stdout,
                stderr,
            };
            let caught = catch_unwind(AssertUnwindSafe(|| {
                run.assert_no_leak(&[value]);
            }));
            assert!(caught.is_err(), "the sweep missed {value:?} in {out:?}");
        }
    }
    // And it does not cry wolf on a clean output.
    Run {
        code: 0,
        stdout: "secret/verbose-secrets configured\n".into(),
        stderr: "GET https://127.0.0.1:6443/api/v1/namespaces/x/secrets\n".into(),
    }
    .assert_no_leak(&VALUES);
}

#[test]
fn every_secret_handling_command_at_v9_leaks_nothing() {
    let c = cluster();
    let ns = c.namespace("leak-v9");
    let dir = project(&[
        ("kmcp.yaml", &kmcp_yaml(&ns)),
        (".env.staging", &env_file(&VALUES)),
        (".env.example", "API_KEY=\nPASSWORD=\n"),
    ]);
    let on = |args: &[&str]| {
        let mut argv = args.to_vec();
        argv.push("-v=9");
        kmcp(&argv).on(c).dir(dir.path()).run()
    };

    // Create, then the same again (unchanged), each with the request log on.
    let run = swept(on(&["secrets", "sync", "staging"]), &VALUES);
    run.assert_ok()
        .assert_stdout_contains("secret/verbose-secrets created")
        .assert_stderr_contains("GET https://");
    swept(on(&["secrets", "sync", "staging"]), &VALUES).assert_ok();

    // Rotate one value and remove a key: the diff, the confirmation and the write.
    let rotated = "sk-rotated-verbose-1f2e3d4c";
    let mut next = VALUES;
    next[0] = rotated;
    std::fs::write(
        dir.path().join(".env.staging"),
        env_file(&next).replace(&format!("REGION={}\n", VALUES[3]), ""),
    )
    .unwrap();
    let all = [VALUES.as_slice(), &[rotated]].concat();
    swept(
        on(&["secrets", "sync", "staging", "--dry-run=server"]),
        &all,
    )
    .assert_ok();
    swept(on(&["secrets", "sync", "staging"]), &all).assert_code(1);
    swept(
        on(&["secrets", "sync", "staging", "--yes", "-o", "json"]),
        &all,
    )
    .assert_ok();
    // The client dry run's manifest holds the values on stdout, by design; stderr holds none.
    let dry = on(&["secrets", "sync", "staging", "--dry-run", "-o", "yaml"]);
    dry.assert_ok();
    Run {
        code: 0,
        stdout: String::new(),
        stderr: dry.stderr.clone(),
    }
    .assert_no_leak(&all);

    // Deploy, troubleshoot (table and JSON, with drift: the file and the Secret agree now, then
    // differ), audit.
    swept(on(&["deploy", "--environment", "staging"]), &all).assert_ok();
    swept(on(&["troubleshoot", "--environment", "staging"]), &all);
    std::fs::write(dir.path().join(".env.staging"), env_file(&VALUES)).unwrap();
    let ts = swept(
        on(&["troubleshoot", "--environment", "staging", "-o", "json"]),
        &all,
    );
    assert!(ts.json()["checks"].is_array());
    swept(on(&["audit", "-n", &ns]), &all);
    swept(on(&["audit", "-A", "-o", "json"]), &all);
}

#[test]
fn an_answer_that_cannot_be_decoded_is_shown_at_no_verbosity() {
    // The API server stores a port beyond i32 (the CRD's int32 format is not enforced): the
    // plugin's typed read fails. kube's client would log the whole body at -v 6+, and serde's
    // error quotes what it read.
    let c = cluster();
    let ns = c.namespace("leak-decode");
    let marker = "env-value-in-the-body-5a6b7c";
    c.apply(&format!(
        "apiVersion: kagent.dev/v1alpha1\nkind: MCPServer\nmetadata: {{name: verbose-tool, namespace: {ns}}}\nspec:\n  deployment:\n    image: x:1\n    port: 99999999999\n    env: {{TOKEN: {marker}}}\n"
    ));
    c.kubectl(&[
        "create",
        "secret",
        "generic",
        "verbose-secrets",
        "-n",
        &ns,
        "--from-literal=API_KEY=x",
    ]);
    let dir = project(&[("kmcp.yaml", &kmcp_yaml(&ns))]);
    for v in ["-v=0", "-v=6", "-v=9"] {
        let run = kmcp(&["deploy", "--environment", "staging", v])
            .on(c)
            .dir(dir.path())
            .run();
        run.assert_code(1)
            .assert_no_leak(&[marker, "99999999999"])
            .assert_stderr_contains(&format!(
                "the API server's answer for mcpservers.kagent.dev/verbose-tool in namespace {ns} could not be read: a field of an unexpected type or value"
            ));
        if v != "-v=0" {
            run.assert_stderr_contains("GET https://");
        }
    }
}
