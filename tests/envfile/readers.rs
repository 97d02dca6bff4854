//! Differential tests: on generated files that the plugin accepts, its values equal dotenvy's
//! (the crate, in process), python-dotenv's (Debian's python3-dotenv) and docker compose's
//! (Debian's docker-compose v1, `docker-compose config` with `env_file:`, no daemon needed).
//! tests/setup installs both packages; without them these tests fail and say so.
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use kubectl_kmcp::core::envfile::parse;

type Pairs = Vec<(String, String)>;

/// Deterministic (xorshift) env-file-like texts: keys K0..K5 on their lines, with every kind of
/// opening, piece and closing that some reader reads differently.
fn generated(count: usize, seed: u64) -> Vec<String> {
    const SAFE: &[&str] = &[
        "v", "w x", "Z9", "=", "#", " #", "{", "}", "é", "-", "/", ":", "@", "%", "+", ",", "!",
        "`", ";", " ", "\t", "\\\\", "\\n", "\\\"", "${K0}", "${K1}", "${K2}", "\n", "# c",
    ];
    const RISKY: &[&str] = &[
        "'", "\"", "\\", "\\'", "\\$", "\\t", "$", "$$", "$K0", "${K0:-d}", "${", "\n", "export ",
        "\u{a0}",
    ];
    const OPEN: &[&str] = &["", "", "'", "'", "\"", "\"", " ", "export ", "# "];
    const CLOSE: &[&str] = &[
        "",
        "'",
        "\"",
        " # c",
        " ",
        "\\",
        "'x",
        "\"#",
        " # it's",
        "  # it's",
        "\t\t# \"q\"",
    ];
    let mut state = seed;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut out = Vec::new();
    for _ in 0..count {
        let mut s = String::new();
        let lines = 1 + next() % 4;
        for i in 0..lines {
            let open = OPEN[(next() % OPEN.len() as u64) as usize];
            let (prefix, open) = match open {
                "export " | "# " => (open, ""),
                o => ("", o),
            };
            s.push_str(&format!("{prefix}K{i}={open}"));
            for _ in 0..next() % 5 {
                let pieces = if next() % 8 == 0 { RISKY } else { SAFE };
                s.push_str(pieces[(next() % pieces.len() as u64) as usize]);
            }
            match open {
                // Mostly closed, so that quoted values get accepted often enough.
                "'" | "\"" if next() % 3 != 0 => s.push_str(open),
                _ => s.push_str(CLOSE[(next() % CLOSE.len() as u64) as usize]),
            }
            s.push('\n');
        }
        out.push(s);
    }
    out
}

/// The generated files the plugin accepts, with its reading.
fn accepted(count: usize, seed: u64) -> Vec<(String, Pairs)> {
    generated(count, seed)
        .into_iter()
        .filter_map(|text| {
            let f = parse(Path::new(".env"), &text).ok()?;
            let pairs = f.entries.into_iter().map(|e| (e.key, e.value)).collect();
            Some((text, pairs))
        })
        .collect()
}

/// The generator must exercise what matters, or agreement proves little.
fn assert_coverage(files: &[(String, Pairs)], at_least: usize) {
    let count = |f: &dyn Fn(&(String, Pairs)) -> bool| files.iter().filter(|x| f(x)).count();
    let multi = count(&|(_, p)| p.iter().any(|(_, v)| v.contains('\n')));
    let refs = count(&|(t, _)| t.contains("${K"));
    let escapes = count(&|(t, _)| t.contains("\\\\") || t.contains("\\\""));
    let single = count(&|(t, _)| t.contains("='"));
    let comments = count(&|(t, _)| t.contains(" # c"));
    eprintln!(
        "{} accepted: {multi} multi-line, {refs} references, {escapes} escapes, {single} single quotes, {comments} comments",
        files.len()
    );
    for (what, n) in [
        ("accepted files", files.len()),
        ("multi-line values", multi),
        ("references", refs),
        ("escapes", escapes),
        ("single quotes", single),
        ("comments", comments),
    ] {
        assert!(
            n >= at_least,
            "only {n} generated files with {what} (of {})",
            files.len()
        );
    }
}

#[test]
fn accepted_files_read_the_same_with_dotenvy() {
    let files = accepted(30_000, 0x2545_f491_4f6c_dd1d);
    assert_coverage(&files, 100);
    for (text, ours) in &files {
        // K0..K5 are not in the test process's environment, which dotenvy would read first.
        let theirs: Result<Pairs, _> = dotenvy::from_read_iter(text.as_bytes()).collect();
        match theirs {
            Ok(theirs) => assert_eq!(&theirs, ours, "file {text:?}"),
            Err(e) => panic!("dotenvy refuses a file the plugin accepts: {e} in {text:?}"),
        }
    }
}

/// python-dotenv 0.21 (Debian's python3-dotenv) by default; `KMCP_TEST_PYTHON` names another
/// interpreter.
fn python() -> String {
    std::env::var("KMCP_TEST_PYTHON").unwrap_or_else(|_| "/usr/bin/python3".into())
}

#[test]
fn accepted_files_read_the_same_with_python_dotenv() {
    let files = accepted(30_000, 0x9e37_79b9_7f4a_7c15);
    assert_coverage(&files, 100);
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for (i, (text, _)) in files.iter().enumerate() {
        let path = dir.path().join(format!("{i}.env"));
        std::fs::write(&path, text).unwrap();
        paths.push(path);
    }
    let script = "import json, sys\nfrom dotenv import dotenv_values\nprint(json.dumps([list(dotenv_values(p).items()) for p in sys.argv[1:]]))";
    let out = Command::new(python())
        .arg("-c")
        .arg(script)
        .args(&paths)
        // python-dotenv falls back to the process environment for unknown names; there are none
        // in accepted files, and K0..K5 are not set here.
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "{}: {e}; run tests/setup (installs python3-dotenv)",
                python()
            )
        });
    assert!(
        out.status.success(),
        "python-dotenv failed (run tests/setup, which installs python3-dotenv): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let theirs: Vec<Vec<(String, Option<String>)>> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(theirs.len(), files.len());
    for ((text, ours), theirs) in files.iter().zip(theirs) {
        let theirs: Vec<(String, String)> = theirs
            .into_iter()
            .map(|(k, v)| (k, v.unwrap_or_else(|| "<no value>".into())))
            .collect();
        assert_eq!(&theirs, ours, "file {text:?}");
    }
}

#[test]
fn accepted_files_read_the_same_with_docker_compose() {
    let files = accepted(6_000, 0xd1b5_4a32_d192_ed03);
    assert_coverage(&files, 20);
    let dir = tempfile::tempdir().unwrap();
    let mut compose = String::from("version: '3.9'\nservices:\n");
    for (i, (text, _)) in files.iter().enumerate() {
        std::fs::write(dir.path().join(format!("{i}.env")), text).unwrap();
        compose.push_str(&format!(
            "  s{i}:\n    image: busybox\n    env_file: {i}.env\n"
        ));
    }
    std::fs::write(dir.path().join("docker-compose.yml"), compose).unwrap();
    let out = Command::new("docker-compose")
        .arg("config")
        .current_dir(dir.path())
        // `config` needs no daemon; make sure none is used.
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .output()
        .unwrap_or_else(|e| {
            panic!("docker-compose: {e}; run tests/setup (installs docker-compose)")
        });
    assert!(
        out.status.success(),
        "docker-compose config failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    #[derive(serde::Deserialize)]
    struct Config {
        services: BTreeMap<String, Service>,
    }
    #[derive(serde::Deserialize)]
    struct Service {
        #[serde(default)]
        environment: BTreeMap<String, Option<String>>,
    }
    let config: Config = serde_saphyr::from_slice(&out.stdout).unwrap();
    for (i, (text, ours)) in files.iter().enumerate() {
        let service = &config.services[&format!("s{i}")];
        // `config` prints a `$` of a value as `$$` (its own interpolation syntax).
        let theirs: BTreeMap<String, String> = service
            .environment
            .iter()
            .map(|(k, v)| (k.clone(), v.clone().unwrap_or_default().replace("$$", "$")))
            .collect();
        let ours: BTreeMap<String, String> = ours.iter().cloned().collect();
        assert_eq!(theirs, ours, "file {text:?}");
    }
}
