//! The env file reader (src/core/envfile.rs), pure: the accepted dialect, every row of issue #12's
//! table refused with its line and a fix, no part of a value in any message, bounded expansion
//! (this file); properties on random and mutated inputs (props.rs); agreement with dotenvy,
//! python-dotenv and docker compose on generated files (readers.rs).
use std::path::Path;

use kubectl_kmcp::core::envfile::{
    self, EnvFile, EnvFileError, check_secret_key, load_example, parse,
};

mod props;
mod readers;

fn p(text: &str) -> Result<EnvFile, EnvFileError> {
    parse(Path::new("dir/.env"), text)
}

fn pairs(text: &str) -> Vec<(String, String)> {
    p(text)
        .unwrap_or_else(|e| panic!("{text:?}: {e}"))
        .entries
        .into_iter()
        .map(|e| (e.key, e.value))
        .collect()
}

fn kv(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Refused on `line`, with a message that holds none of `secrets`.
#[track_caller]
fn refused(text: &str, line: u32, secrets: &[&str]) -> String {
    let err = p(text).expect_err(text);
    let msg = err.to_string();
    assert!(
        msg.starts_with(&format!("dir/.env:{line}: ")),
        "{text:?}: {msg}"
    );
    for s in secrets {
        assert!(!msg.contains(s), "{text:?}: the message holds {s:?}: {msg}");
    }
    msg
}

#[test]
fn the_dialect() {
    let text = "\u{feff}# comment\r\nexport A=1\r\nB='lit $X \\n \"q\" #x'\r\nC=\"esc \\\"q\\\" \\\\ \\n 'single'\"\r\nD=\r\nE=a=b#c\r\nF=x # comment\r\nG=\"multi\r\nline\"\r\nH='#x'\r\nI=${A}-${A}\r\n  J = 'spaced' # c\r\nK=\"${A}\\\\${B}\"\r\nL='multi\nline'\r\nexport=e\r\nM=é{}[]*;~`!|&<>()\r\n";
    assert_eq!(
        pairs(text),
        kv(&[
            ("A", "1"),
            ("B", "lit $X \\n \"q\" #x"),
            ("C", "esc \"q\" \\ \n 'single'"),
            ("D", ""),
            ("E", "a=b#c"),
            ("F", "x"),
            ("G", "multi\nline"),
            ("H", "#x"),
            ("I", "1-1"),
            ("J", "spaced"),
            ("K", "1\\lit $X \\n \"q\" #x"),
            ("L", "multi\nline"),
            ("export", "e"),
            ("M", "é{}[]*;~`!|&<>()"),
        ])
    );
    let f = p(text).unwrap();
    let lines: Vec<u32> = f.entries.iter().map(|e| e.line).collect();
    assert_eq!(lines, [2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 16, 17]);
}

/// Issue #12's table: each line is refused with its number, why the readers disagree and a fix,
/// and the message holds no part of the value.
#[test]
fn every_row_of_the_issue_table_is_refused_with_its_line_and_a_fix() {
    let head = "OK=1\n# a comment\n";
    let rows: &[(&str, &[&str], &str)] = &[
        (
            "CFG={\"a\":1}\n",
            &["\"a\"", "{"],
            "quote the whole value with single quotes (CFG='...')",
        ),
        (
            "PW=Kj\"8s\"2x\n",
            &["Kj", "8s", "2x"],
            "quote the whole value with single quotes (PW='...')",
        ),
        (
            "TEAM=Rock'n'Roll\n",
            &["Rock", "Roll"],
            "quote the whole value with double quotes (TEAM=\"...\"",
        ),
        (
            "MSG=it's\nB=2\nC=3\n",
            &["it's", "B=", "C="],
            "quote the whole value with double quotes (MSG=\"...\"",
        ),
        ("D=abc\\\n", &["abc"], "remove the trailing backslash"),
    ];
    for (row, secrets, fix) in rows {
        let msg = refused(&format!("{head}{row}"), 3, secrets);
        assert!(
            msg.contains("dotenvy") && msg.contains("python-dotenv"),
            "why: {msg}"
        );
        assert!(msg.contains(fix), "{row:?}: {msg}");
        if row.starts_with("MSG") {
            assert!(msg.contains("following lines"), "{msg}");
        }
    }
    // A lone CR: python-dotenv reads two entries, dotenvy one.
    let msg = refused("OK=1\nA=1\rB=2\n", 2, &[]);
    assert!(
        msg.contains("carriage return") && msg.contains("LF"),
        "{msg}"
    );
}

#[test]
fn the_unambiguous_spellings_read_as_intended() {
    let text = "CFG='{\"a\":1}'\nPW='Kj\"8s\"2x'\nTEAM=\"Rock'n'Roll\"\nMSG=\"it's\"\nB=2\nC=3\nD=\"abc\\\\def\"\n";
    assert_eq!(
        pairs(text),
        kv(&[
            ("CFG", "{\"a\":1}"),
            ("PW", "Kj\"8s\"2x"),
            ("TEAM", "Rock'n'Roll"),
            ("MSG", "it's"),
            ("B", "2"),
            ("C", "3"),
            ("D", "abc\\def"),
        ])
    );
}

#[test]
fn other_spellings_the_readers_disagree_on_are_refused() {
    // (text, line of the refusal, fragments that must not be shown, words of the fix)
    let cases: &[(&str, u32, &[&str], &str)] = &[
        (
            "A=1\nB=s3c r3t\n",
            2,
            &["s3c", "r3t"],
            "quote the whole value",
        ),
        (
            "A='s3c'r3t\n",
            1,
            &["s3c", "r3t"],
            "text after the closing quote",
        ),
        (
            "A=\"s3c\"r3t\n",
            1,
            &["s3c", "r3t"],
            "text after the closing quote",
        ),
        ("A='s3c'#r3t\n", 1, &["s3c", "r3t"], "put a space before"),
        ("A=#s3cr3t\n", 1, &["s3cr3t"], "`A=` alone"),
        ("A= # s3cr3t\n", 1, &["s3cr3t"], "`A=` alone"),
        ("A=s3\\cr3t\n", 1, &["s3", "cr3t"], "quote the whole value"),
        ("A='s3\\\\cr3t'\n", 1, &["s3", "cr3t"], "double quotes"),
        ("A='s3\\'cr3t'\n", 1, &["s3", "cr3t"], "double quotes"),
        (
            "A='s3cr3t\\'\n",
            1,
            &["s3cr3t"],
            "remove the trailing backslash",
        ),
        (
            "A=\"s3cr3t\\\\\"\n",
            1,
            &["s3cr3t"],
            "remove the trailing backslash",
        ),
        (
            "A=\"s3\\tcr3t\"\n",
            1,
            &["s3", "cr3t"],
            "write the character itself",
        ),
        ("A=\"s3\\$cr3t\"\n", 1, &["s3", "cr3t"], "single quotes"),
        (
            "A=\"s3\\'cr3t\"\n",
            1,
            &["s3", "cr3t"],
            "without the backslash",
        ),
        (
            "A=\"s3\\\ncr3t\"\n",
            1,
            &["s3", "cr3t"],
            "write the character itself",
        ),
        ("A=pa$$word\n", 1, &["pa", "word"], "single quotes"),
        ("A=5$\n", 1, &["5"], "single quotes"),
        ("A=1\nB=x$A\n", 2, &["x"], "${NAME}"),
        ("A='s3${cr3t}'\n", 1, &["s3", "cr3t"], "cannot be written"),
        (
            "A='multi\nline ${X}'\n",
            2,
            &["multi", "line"],
            "cannot be written",
        ),
        ("export =s3cr3t\n", 1, &["s3cr3t"], "export KEY=VALUE"),
        ("A=s3\u{a0}cr3t\n", 1, &["s3", "cr3t"], "control character"),
        ("A=s3\u{1}cr3t\n", 1, &["s3", "cr3t"], "control character"),
        ("\u{b}A=1\n", 1, &[], "control character"),
        ("A='s3cr3t\n", 1, &["s3cr3t"], "add the closing `'`"),
        (
            "A=x  # it's s3cr3t\nB=2\n",
            1,
            &["s3cr3t"],
            "exactly one space",
        ),
        (
            "A='x'\t\t# \"s3cr3t\nB=2\n",
            1,
            &["s3cr3t"],
            "exactly one space",
        ),
        ("A=\"s3cr3t\nB=2\n", 1, &["s3cr3t"], "add the closing `\"`"),
    ];
    for (text, line, s3cr3ts, fix) in cases {
        let msg = refused(text, *line, s3cr3ts);
        assert!(msg.contains(fix), "{text:?}: {msg}");
    }
}

/// Issue #12 item 1: braced references and other shell forms never echo the value.
#[test]
fn no_part_of_a_value_in_a_reference_refusal() {
    let cases: &[(&str, u32, &[&str])] = &[
        (
            "DATABASE_URL=${DATABASE_URL:-postgres://u:devpassw0rd@h/db}\n",
            1,
            &["devpassw0rd", "postgres", "DATABASE_URL:-", "@h"],
        ),
        ("P=Zx${q7!}Kp\n", 1, &["q7", "Zx", "Kp"]),
        ("P=Zx${q7}Kp\n", 1, &["q7", "Zx", "Kp"]),
        (
            "P=\"Zx${q7 mu1ti\nl1ne}\"\n",
            1,
            &["q7", "Zx", "mu1ti", "l1ne"],
        ),
        ("P=\"Zx${\"\n", 1, &["Zx"]),
        ("P=${}\n", 1, &[]),
        ("P=${X:?boom}\n", 1, &["boom"]),
        ("P=${#s3cr}\n", 1, &["s3cr"]),
        ("P=$(s3cr)\n", 1, &["s3cr"]),
        ("P=\"`s3cr` $((1+1))\"\n", 1, &["s3cr", "1+1"]),
        ("A=1\nPASSWORD=\"x pa$sw0rd\"\n", 2, &["sw0rd", "pa"]),
        // The process environment is never used, and an unknown name is not shown.
        ("A=1\nB=${PATH}\n", 2, &["PATH"]),
        ("A=1\nB=${HOME}x\n", 2, &["HOME"]),
    ];
    for (text, line, secrets) in cases {
        let msg = refused(text, *line, secrets);
        assert!(msg.contains("column"), "{text:?}: {msg}");
    }
    // A name the file defines further down is a key, not a secret: it is named.
    let err = p("B=${C}\nC=1\n").unwrap_err();
    assert!(
        matches!(&err, EnvFileError::UnknownReference { line: 1, name: Some(n), .. } if n == "C"),
        "{err}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("defined below, on line 2") && msg.contains("move C above"),
        "{msg}"
    );
    // The unknown reference is reported even when a later line has another problem.
    let msg = refused("B=${NOPE}\nC=bad value\n", 1, &["NOPE", "bad"]);
    assert!(msg.contains("shell environment"), "{msg}");
}

#[test]
fn references_come_from_earlier_keys_only() {
    // Defined earlier wins even though the process has PATH.
    assert_eq!(
        pairs("PATH=mine\nB=${PATH}:x\n")[1],
        ("B".into(), "mine:x".into())
    );
    assert_eq!(pairs("A.B=1\nC=\"${A.B}\"\n")[1], ("C".into(), "1".into()));
}

/// Issue #12 item 2: the 3.4 KB file that expanded into gigabytes is refused while expanding.
#[test]
fn reference_expansion_is_bounded() {
    let mut text = format!("A={}\n", "a".repeat(1000));
    for (prev, key) in ["A", "B", "C", "D", "E", "F"]
        .iter()
        .zip(["B", "C", "D", "E", "F", "G"])
    {
        text.push_str(&format!("{key}={}\n", format!("${{{prev}}}").repeat(100)));
    }
    assert!(text.len() < 4000, "{}", text.len());
    let msg = refused(&text, 3, &["aaaa"]);
    assert!(
        msg.contains("C: with its references expanded") && msg.contains("1 MiB"),
        "{msg}"
    );
    // Right at the limit is fine; one byte more is not.
    let big = envfile::MAX_BYTES / 2 - 1;
    let ok = format!("A={}\nB=${{A}}\n", "x".repeat(big));
    assert_eq!(p(&ok).unwrap().entries[1].value.len(), big);
    let over = format!("A={}\nBB=${{A}}\n", "x".repeat(big));
    refused(&over, 2, &["xxxx"]);
    assert_eq!(
        envfile::MAX_BYTES,
        kubectl_kmcp::core::secret_plan::MAX_SECRET_BYTES
    );
}

#[test]
fn errors_carry_the_line_and_never_the_value() {
    let cases = [
        ("A=1\nB=secret value\n", 2),
        ("A=1\n\nC=\"secret\nvalue\nnever closed\n", 3),
        ("A=1\nD='secret\n", 2),
        ("A=1\nE=se\\cret\n", 2),
        ("A=1\nsecret\n", 2),
        ("A=1\n=secret\n", 2),
        ("A=\"x\nsecret\\q\"\n", 2),
        ("A=\"x\n\nsecret\\\\\"\n", 3),
    ];
    for (text, line) in cases {
        refused(text, line, &["secret"]);
    }
}

#[test]
fn duplicates_name_both_lines() {
    let err = p("A=1\nB=2\nA=3\n").unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.starts_with("dir/.env:3:") && msg.contains("line 1") && msg.contains("A"),
        "{msg}"
    );
}

#[test]
fn keys_are_checked() {
    let long = format!("{}=1\n", "K".repeat(254));
    let err = p(&long).unwrap_err();
    assert!(matches!(err, EnvFileError::InvalidKey { line: 1, .. }));
    assert!(!err.to_string().contains("KKKK"), "{err}");
    let f = p("a.b=1\nOK=2\n").unwrap();
    assert_eq!(f.warnings.len(), 1);
    assert!(f.warnings[0].contains("a.b"), "{:?}", f.warnings);
    assert!(check_secret_key("..").is_err());
    assert!(check_secret_key("a-b_c.d").is_ok());
}

#[test]
fn debug_masks_values() {
    let f = p("K=hunter2\n").unwrap();
    let dbg = format!("{f:?}");
    assert!(!dbg.contains("hunter2") && dbg.contains("7 bytes"), "{dbg}");
}

#[test]
fn trailing_space_at_eof_and_crlf_are_fine() {
    assert_eq!(pairs("A=1 "), kv(&[("A", "1")]));
    assert_eq!(pairs("A=1\r\nB=\"x\r\ny\"\r\n"), pairs("A=1\nB=\"x\ny\"\n"));
}

#[test]
fn not_utf8_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".env");
    std::fs::write(&path, b"A=1\nB=\xff\xfe\n").unwrap();
    let err = envfile::load(&path).unwrap_err();
    assert!(
        matches!(err, EnvFileError::NotUtf8 { line: 2, .. }),
        "{err}"
    );
}

#[test]
fn example_required_and_optional() {
    let dir = tempfile::tempdir().unwrap();
    assert!(load_example(dir.path()).unwrap().is_none());
    std::fs::write(
        dir.path().join(".env.example"),
        "WEATHER_API_KEY=\nLOG_LEVEL=info\nTOKEN=\n",
    )
    .unwrap();
    let ex = load_example(dir.path()).unwrap().unwrap();
    assert_eq!(ex.required, ["WEATHER_API_KEY", "TOKEN"]);
    assert_eq!(ex.optional, ["LOG_LEVEL"]);
    assert_eq!(
        ex.missing_required(["LOG_LEVEL", "OTHER"]),
        ["TOKEN", "WEATHER_API_KEY"]
    );
    assert!(ex.missing_required(["TOKEN", "WEATHER_API_KEY"]).is_empty());
    assert_eq!(ex.missing_optional(["TOKEN"]), ["LOG_LEVEL"]);
}

/// dotenvy's own examples: each is accepted with dotenvy's value, or refused (never read
/// differently).
#[test]
fn dotenvys_own_examples_are_read_alike_or_refused() {
    let lines = [
        ("KEY=1", true),
        ("KEY2=\"2\"", true),
        ("KEY3='3'", true),
        ("KEY4='fo ur'", true),
        ("KEY5=\"fi ve\"", true),
        ("KEY6=s\\ ix", false),
        ("KEY7=", true),
        ("KEY8=     ", true),
        ("KEY9=   # foo", false),
        ("KEY10  =\"whitespace before =\"", true),
        ("KEY11=    \"whitespace after =\"", true),
        ("export=\"export as key\"", true),
        ("export   SHELL_LOVER=1", true),
        ("KEY12=my\\ cool\\ value", false),
        ("KEY13=\\$sweet", false),
        ("KEY14=\"awesome stuff \\\"mang\\\"\"", true),
        ("KEY15='sweet $\\fgs'\\''fds'", false),
        ("KEY16=\"'\\\"yay\\\\\"\\ \"stuff\"", false),
        ("KEY17=\"lol\" #well", true),
        ("KEY18=\"line 1\\nline 2\"", true),
    ];
    for (line, accepted) in lines {
        let text = format!("{line}\n");
        let theirs: Vec<(String, String)> = dotenvy::from_read_iter(text.as_bytes())
            .collect::<Result<_, _>>()
            .unwrap();
        match p(&text) {
            Ok(_) => {
                assert!(accepted, "{line:?} should be refused");
                assert_eq!(pairs(&text), theirs, "{line:?}");
            }
            Err(e) => assert!(!accepted, "{line:?}: {e}"),
        }
    }
}
