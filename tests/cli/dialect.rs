//! The env file dialect end to end (issue #12): every line that dotenv readers read differently
//! is refused by `secrets sync` with its line, the reason and a fix, nothing written and no part
//! of a value shown; the unambiguous spellings of the same values are synced byte-exact; and
//! `troubleshoot -o json` does not echo a shell-form reference.
use std::collections::BTreeMap;

use crate::harness::{Cluster, cluster, kmcp, project};

fn kmcp_yaml(ns: &str) -> String {
    format!(
        "name: dialect-server\nsecrets:\n  staging:\n    enabled: true\n    provider: kubernetes\n    secretName: dialect-secrets\n    namespace: {ns}\n"
    )
}

fn data(c: &Cluster, ns: &str) -> Option<BTreeMap<String, String>> {
    let s = c.get_json("secret", "dialect-secrets", ns)?;
    let data: BTreeMap<String, k8s_openapi::ByteString> =
        serde_json::from_value(s["data"].clone()).unwrap_or_default();
    Some(
        data.into_iter()
            .map(|(k, v)| (k, String::from_utf8(v.0).unwrap()))
            .collect(),
    )
}

/// The lines of issue #12's table (after two harmless lines), the fragments of their values
/// that must never be printed, and the fix each refusal must give.
const ROWS: &[(&str, &[&str], &str)] = &[
    (
        "CFG={\"a\":1}\n",
        &["\"a\"", "{a:1}", ":1}"],
        "quote the whole value with single quotes (CFG='...')",
    ),
    (
        "PW=Kj\"8s\"2x\n",
        &["Kj", "8s", "2x"],
        "quote the whole value with single quotes (PW='...')",
    ),
    (
        "TEAM=Rock'n'Roll\n",
        &["Rock", "Roll", "'n'"],
        "quote the whole value with double quotes (TEAM=\"...\"",
    ),
    (
        "MSG=it's\nB=bee-value-2\nC=cee-value-3\n",
        &["it's", "bee-value-2", "cee-value-3"],
        "quote the whole value with double quotes (MSG=\"...\"",
    ),
    ("D=abc\\\n", &["abc"], "remove the trailing backslash"),
    (
        "A=one-1\rB=two-2\n",
        &["one-1", "two-2"],
        "save the file with LF (or CRLF) line endings",
    ),
];

#[test]
fn each_row_of_the_issue_table_is_refused_with_its_line_and_a_fix() {
    let c = cluster();
    let ns = c.namespace("dialect-rows");
    for (row, secrets, fix) in ROWS {
        let dir = project(&[
            ("kmcp.yaml", &kmcp_yaml(&ns)),
            (
                ".env.staging",
                &format!("# the staging secrets\nOK=fine-value-1\n{row}"),
            ),
        ]);
        let run = kmcp(&["secrets", "sync", "staging"])
            .on(c)
            .dir(dir.path())
            .run();
        run.assert_code(1)
            .assert_stderr_contains("./.env.staging:3: ")
            .assert_stderr_contains(fix)
            .assert_stderr_contains("python-dotenv")
            .assert_no_leak(secrets)
            .assert_no_leak(&["fine-value-1"]);
        assert!(
            data(c, &ns).is_none(),
            "{row:?}: nothing may be written on a refused file"
        );
    }
}

#[test]
fn the_unambiguous_spellings_are_synced_byte_exact() {
    let c = cluster();
    let ns = c.namespace("dialect-fixed");
    // Each row written the way its refusal says; the trailing backslash has no spelling that
    // every reader agrees on, so its fix is to remove it. Plus what the dialect keeps exact.
    let text = "\u{feff}# the staging secrets\r\nOK=fine-value-1\r\nCFG='{\"a\":1}'\r\nPW='Kj\"8s\"2x'\r\nTEAM=\"Rock'n'Roll\"\r\nMSG=\"it's\"\r\nB=bee-value-2\r\nC=cee-value-3\r\nD=abc\r\nA=one-1\r\nB2=two-2\r\nPEM=\"-----BEGIN KEY-----\r\nAAAA\r\n-----END KEY-----\"\r\nDOLLARS='pa$$w0rd $HOME'\r\nESC=\"back\\\\slash \\\"q\\\" nl\\nend\"\r\nexport URL=\"postgres://u:${PW}@h/db\" # a comment\r\nEMPTY=\r\n";
    let want: BTreeMap<String, String> = [
        ("OK", "fine-value-1"),
        ("CFG", "{\"a\":1}"),
        ("PW", "Kj\"8s\"2x"),
        ("TEAM", "Rock'n'Roll"),
        ("MSG", "it's"),
        ("B", "bee-value-2"),
        ("C", "cee-value-3"),
        ("D", "abc"),
        ("A", "one-1"),
        ("B2", "two-2"),
        ("PEM", "-----BEGIN KEY-----\nAAAA\n-----END KEY-----"),
        ("DOLLARS", "pa$$w0rd $HOME"),
        ("ESC", "back\\slash \"q\" nl\nend"),
        ("URL", "postgres://u:Kj\"8s\"2x@h/db"),
        ("EMPTY", ""),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let dir = project(&[("kmcp.yaml", &kmcp_yaml(&ns)), (".env.staging", text)]);
    let run = kmcp(&["secrets", "sync", "staging"])
        .on(c)
        .dir(dir.path())
        .run();
    run.assert_ok()
        .assert_stdout_contains("secret/dialect-secrets created")
        .assert_no_leak(&[
            "Kj\"8s",
            "Rock'n",
            "it's",
            "bee-value",
            "BEGIN KEY",
            "pa$$w0rd",
            "fine-value",
        ]);
    assert_eq!(data(c, &ns).unwrap(), want);
}

/// Issue #12 item 1: a shell-form reference is refused without echoing it, also in
/// troubleshoot's JSON (the drift check reads the env file).
#[test]
fn shell_form_references_are_never_echoed() {
    let c = cluster();
    let ns = c.namespace("dialect-shell");
    let dir = project(&[
        ("kmcp.yaml", &kmcp_yaml(&ns)),
        (
            ".env.staging",
            "DATABASE_URL=${DATABASE_URL:-postgres://u:devpassw0rd@h/db}\nP=Zx${q7!}Kp\n",
        ),
    ]);
    let secrets = ["devpassw0rd", "postgres://", "q7!", "Zx", "Kp"];
    kmcp(&["secrets", "sync", "staging"])
        .on(c)
        .dir(dir.path())
        .run()
        .assert_code(1)
        .assert_stderr_contains("./.env.staging:1: DATABASE_URL: a `${` at column 14")
        .assert_no_leak(&secrets);
    assert!(data(c, &ns).is_none());
    // The drift check runs once the Secret exists: sync a good file first.
    std::fs::write(dir.path().join(".env.staging"), "A=1\n").unwrap();
    kmcp(&["secrets", "sync", "staging"])
        .on(c)
        .dir(dir.path())
        .run()
        .assert_ok();
    std::fs::write(dir.path().join(".env.staging"), "A=1\nP=Zx${q7!}Kp\n").unwrap();
    kmcp(&["secrets", "sync", "staging"])
        .on(c)
        .dir(dir.path())
        .run()
        .assert_code(1)
        .assert_stderr_contains("./.env.staging:2: P: a `${` at column 5")
        .assert_no_leak(&secrets);
    let run = kmcp(&["troubleshoot", "--environment", "staging", "-o", "json"])
        .on(c)
        .dir(dir.path())
        .run();
    run.assert_no_leak(&secrets);
    let doc = run.json().to_string();
    assert!(
        doc.contains(".env.staging:2: P: a `${` at column 5"),
        "{doc}"
    );
    assert_eq!(data(c, &ns).unwrap().len(), 1);
}
