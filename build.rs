//! Build information for `kubectl kmcp version`: the git commit and the build date, taken from the
//! source, never from the clock, so that two builds of one commit are byte for byte the same.
//!
//! - commit: `git rev-parse HEAD` when this crate is the top of a git work tree; else the `sha1` of
//!   `.cargo_vcs_info.json` (what `cargo publish` writes into a crate tarball); else `unknown`.
//! - date: `SOURCE_DATE_EPOCH` when set (the reproducible-builds convention); else the commit's
//!   committer date; else `unknown`. Always UTC, `YYYY-MM-DDTHH:MM:SSZ` (kubectl's buildDate).
//!
//! Uncommitted changes are not visible here: a release is built from a clean checkout of its tag.
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    println!("cargo:rerun-if-changed=build.rs");
    if dir.join(".cargo_vcs_info.json").exists() {
        println!("cargo:rerun-if-changed=.cargo_vcs_info.json");
    }
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");

    let (commit, commit_time) = match git_head(&dir) {
        Some(head) => (Some(head.commit), Some(head.time)),
        None => (vcs_info_commit(&dir), None),
    };
    let epoch = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(value) => match value.trim().parse::<i64>() {
            Ok(secs) => Some(secs),
            Err(_) => panic!("SOURCE_DATE_EPOCH={value:?} is not a number of seconds"),
        },
        Err(_) => commit_time,
    };
    let date = epoch.map(utc_date);
    println!(
        "cargo:rustc-env=KMCP_GIT_COMMIT={}",
        commit.as_deref().unwrap_or("unknown")
    );
    println!(
        "cargo:rustc-env=KMCP_BUILD_DATE={}",
        date.as_deref().unwrap_or("unknown")
    );
}

struct Head {
    commit: String,
    time: i64,
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    Some(String::from_utf8(out.stdout).ok()?.trim().to_string())
}

/// HEAD's commit and committer time, when `dir` is the top of a git work tree (not a crate
/// unpacked somewhere inside another repository), and the files to watch for a new HEAD.
fn git_head(dir: &Path) -> Option<Head> {
    let top = git(dir, &["rev-parse", "--show-toplevel"])?;
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if !same(Path::new(&top), dir) {
        return None;
    }
    let line = git(dir, &["log", "-1", "--format=%H %ct", "HEAD"])?;
    let (commit, time) = line.split_once(' ')?;
    let head = Head {
        commit: commit.to_string(),
        time: time.parse().ok()?,
    };
    // A new commit, checkout or reset moves HEAD or the branch it names (in a linked work tree
    // HEAD is in its own git dir and the branch in the common one).
    let mut watch = vec!["HEAD".to_string(), "packed-refs".to_string()];
    if let Some(branch) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
        watch.push(branch);
    }
    for name in watch {
        // Relative to `dir` (git -C), unless git gives an absolute path.
        if let Some(path) = git(dir, &["rev-parse", "--git-path", &name]).map(|p| dir.join(p))
            && path.exists()
        {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
    Some(head)
}

/// The commit `cargo publish` recorded in the crate tarball: {"git": {"sha1": "..."}, ...}.
fn vcs_info_commit(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join(".cargo_vcs_info.json")).ok()?;
    let rest = &text[text.find("\"sha1\"")? + "\"sha1\"".len()..];
    let rest = &rest[rest.find('"')? + 1..];
    let sha = &rest[..rest.find('"')?];
    (sha.len() == 40 && sha.chars().all(|c| c.is_ascii_hexdigit())).then(|| sha.to_string())
}

/// Seconds since 1970 as `YYYY-MM-DDTHH:MM:SSZ` (proleptic Gregorian, UTC).
fn utc_date(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}
