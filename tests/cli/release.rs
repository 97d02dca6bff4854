//! Releases: the release build of this commit (krew/build.sh: cargo zigbuild against glibc 2.17)
//! packed by krew/package.sh, once per test run; its glibc needs read with objdump; two builds of
//! the commit byte for byte the same; the commit and date `kubectl kmcp version` reports (build.rs,
//! in and out of git); the release workflow (.github/workflows/release.yml) checked and its Linux
//! steps run here; cargo-binstall's metadata pointing at the same archives.
//!
//! The first release build of a machine takes minutes (the dependencies with LTO, and
//! krew/toolchain.sh installing zig and cargo-zigbuild); later runs rebuild only this crate.
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, OnceLock};

use crate::harness::{binary, root};
use crate::krew::{TARGETS, parse, problems, read_manifest, sha256_of};

/// The first release build's packing, kept under target/release-test/ for a look after the run.
pub(crate) struct ReleaseBuild {
    pub dist: PathBuf,
    pub archive: PathBuf,
    /// The archive unpacked: the binary and LICENSE.
    pub unpacked: PathBuf,
}

static RELEASE: OnceLock<ReleaseBuild> = OnceLock::new();
/// Held while a test builds into target/release-build after the first build: a rebuild there
/// (--fresh) must not replace the binary while another test's step copies it.
static REBUILD: Mutex<()> = Mutex::new(());

fn version_tag() -> String {
    format!("v{}", env!("CARGO_PKG_VERSION"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[track_caller]
fn assert_success(what: &str, out: &Output) {
    assert!(
        out.status.success(),
        "{what} failed ({}):\nstdout:\n{}\nstderr:\n{}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    );
}

fn script(path: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new("bash");
    cmd.arg(root().join(path)).args(args).stdin(Stdio::null());
    cmd
}

fn fresh_dir(name: &str) -> PathBuf {
    let dir = root().join("target/release-test").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn unpack(archive: &Path, into: &Path) {
    std::fs::create_dir_all(into).unwrap();
    let out = Command::new("tar")
        .arg("-xzf")
        .arg(archive)
        .arg("-C")
        .arg(into)
        .output()
        .unwrap();
    assert_success("tar -xzf", &out);
}

/// `krew/package.sh` for this machine, as a maintainer runs it: the release build of HEAD
/// (reused by cargo when nothing changed), packed, with its manifest and checksums.
pub(crate) fn release_build() -> &'static ReleaseBuild {
    RELEASE.get_or_init(|| {
        let dist = fresh_dir("first");
        let out = script("krew/package.sh", &["--dist", dist.to_str().unwrap()])
            .output()
            .unwrap();
        assert_success("krew/package.sh (the release build)", &out);
        let archive = dist.join(format!("kubectl-kmcp_{}_linux_amd64.tar.gz", version_tag()));
        assert!(archive.is_file(), "no {}", archive.display());
        let unpacked = dist.join("unpacked");
        unpack(&archive, &unpacked);
        ReleaseBuild {
            dist,
            archive,
            unpacked,
        }
    })
}

/// The GLIBC_x.y versions `objdump -T` lists for `binary`, as (major, minor).
fn glibc_versions(binary: &Path) -> Vec<(u32, u32)> {
    let out = Command::new("objdump").arg("-T").arg(binary).output();
    let out = out.expect("objdump is not installed (krew/toolchain.sh installs binutils)");
    assert_success("objdump -T", &out);
    let listing = text(&out.stdout);
    let mut versions: Vec<(u32, u32)> = listing
        .split("GLIBC_")
        .skip(1)
        .filter_map(|rest| {
            let v: String = rest
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            let mut parts = v.split('.').map(|p| p.parse::<u32>());
            match (parts.next(), parts.next()) {
                (Some(Ok(major)), Some(Ok(minor))) => Some((major, minor)),
                _ => None,
            }
        })
        .collect();
    versions.sort();
    versions.dedup();
    versions
}

#[test]
fn release_binary_needs_glibc_2_17_at_most() {
    let build = release_build();
    let bin = build.unpacked.join("kubectl-kmcp");
    let versions = glibc_versions(&bin);
    assert!(
        !versions.is_empty(),
        "objdump -T lists no GLIBC_ symbol: not a glibc binary"
    );
    let newest = *versions.last().unwrap();
    assert!(
        newest <= (2, 17),
        "the packed binary needs GLIBC_{}.{}: {versions:?}",
        newest.0,
        newest.1
    );
    // Nothing beyond glibc's own libraries, which every Linux with glibc has.
    let out = Command::new("objdump")
        .arg("-p")
        .arg(&bin)
        .output()
        .unwrap();
    let needed: Vec<String> = text(&out.stdout)
        .lines()
        .filter_map(|l| l.trim().strip_prefix("NEEDED"))
        .map(|l| l.trim().to_string())
        .collect();
    assert!(!needed.is_empty());
    for lib in &needed {
        assert!(
            [
                "libc.so.6",
                "libm.so.6",
                "libpthread.so.0",
                "libdl.so.2",
                "librt.so.1",
                "ld-linux-x86-64.so.2"
            ]
            .contains(&lib.as_str()),
            "the packed binary needs {lib}"
        );
    }
    // krew/check-glibc.sh, which the release job runs, agrees; and it refuses the test's own
    // debug build, linked by the system's toolchain against this machine's newer glibc.
    let ok = script("krew/check-glibc.sh", &[bin.to_str().unwrap()])
        .output()
        .unwrap();
    assert_success("krew/check-glibc.sh", &ok);
    assert!(text(&ok.stdout).contains("needs GLIBC_2.17 at most"));
    let refused = script("krew/check-glibc.sh", &[binary().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused.stderr));
    assert!(
        text(&refused.stderr).contains("needs a glibc newer than 2.17"),
        "{}",
        text(&refused.stderr)
    );
    let missing = script("krew/check-glibc.sh", &["/nonexistent"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn two_release_builds_of_one_commit_are_byte_for_byte_the_same() {
    let first = release_build();
    // --fresh: cargo forgets its build of this crate (not of the dependencies), so the build
    // script runs again and the crate is compiled and linked again.
    let second = fresh_dir("second");
    let _rebuilding = REBUILD.lock().unwrap_or_else(|e| e.into_inner());
    let out = script(
        "krew/package.sh",
        &["--fresh", "--dist", second.to_str().unwrap()],
    )
    .output()
    .unwrap();
    assert_success("krew/package.sh --fresh", &out);
    assert!(
        text(&out.stderr).contains("Compiling kubectl-kmcp"),
        "the second build did not compile the crate again:\n{}",
        text(&out.stderr)
    );
    let name = first.archive.file_name().unwrap();
    assert_eq!(
        sha256_of(&first.archive),
        sha256_of(&second.join(name)),
        "two builds of one commit gave different archives"
    );
    for file in ["kmcp.yaml", "checksums.txt"] {
        assert_eq!(
            std::fs::read(first.dist.join(file)).unwrap(),
            std::fs::read(second.join(file)).unwrap(),
            "{file} differs"
        );
    }
}

/// HEAD's commit and its committer date in UTC, as build.rs reports them; None outside git.
fn git_head() -> Option<(String, String)> {
    let out = Command::new("git")
        .current_dir(root())
        .args([
            "log",
            "-1",
            "--format=%H %cd",
            "--date=format-local:%Y-%m-%dT%H:%M:%SZ",
        ])
        .env("TZ", "UTC")
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let line = text(&out.stdout);
    let (commit, date) = line.trim().split_once(' ')?;
    Some((commit.to_string(), date.to_string()))
}

#[test]
fn version_reports_the_commit_and_its_date() {
    let (commit, date) = git_head().unwrap_or(("unknown".into(), "unknown".into()));
    // The packed release binary and the test's debug build report the same.
    let release = release_build().unpacked.join("kubectl-kmcp");
    for bin in [release, binary()] {
        let out = Command::new(&bin)
            .args(["version", "--client", "-o", "json"])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_success("kubectl-kmcp version --client -o json", &out);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["client"]["version"], env!("CARGO_PKG_VERSION"), "{v}");
        assert_eq!(v["client"]["gitCommit"], commit.as_str(), "{v}");
        assert_eq!(v["client"]["buildDate"], date.as_str(), "{v}");
        let out = Command::new(&bin)
            .args(["version", "--client"])
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_success("kubectl-kmcp version --client", &out);
        assert_eq!(
            text(&out.stdout),
            format!(
                "Client Version: {}\nGit Commit: {commit}\nBuild Date: {date}\n",
                version_tag()
            )
        );
    }
}

/// build.rs compiled on its own and run as cargo runs it, with CARGO_MANIFEST_DIR = `dir`; its
/// `cargo:` lines.
fn run_build_script(dir: &Path, epoch: Option<&str>) -> Vec<String> {
    static COMPILED: OnceLock<PathBuf> = OnceLock::new();
    let exe = COMPILED.get_or_init(|| {
        let dir = fresh_dir("build-script");
        let exe = dir.join("build-script");
        let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
        let out = Command::new(rustc)
            .args(["--edition", "2024", "-O", "-o"])
            .arg(&exe)
            .arg(root().join("build.rs"))
            .output()
            .unwrap();
        assert_success("rustc build.rs", &out);
        exe
    });
    let mut cmd = Command::new(exe);
    cmd.env("CARGO_MANIFEST_DIR", dir)
        .env_remove("SOURCE_DATE_EPOCH")
        .current_dir(dir);
    if let Some(epoch) = epoch {
        cmd.env("SOURCE_DATE_EPOCH", epoch);
    }
    let out = cmd.output().unwrap();
    assert_success("build.rs", &out);
    text(&out.stdout).lines().map(str::to_string).collect()
}

fn build_env(lines: &[String], key: &str) -> String {
    let prefix = format!("cargo:rustc-env={key}=");
    let found: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.strip_prefix(&prefix))
        .collect();
    assert_eq!(found.len(), 1, "{key} in {lines:?}");
    found[0].to_string()
}

fn git_in(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .env("GIT_AUTHOR_DATE", "2024-02-29T23:59:58+02:00")
        .env("GIT_COMMITTER_DATE", "2024-02-29T23:59:58+02:00")
        .output()
        .unwrap();
    assert_success(&format!("git {args:?}"), &out);
    text(&out.stdout).trim().to_string()
}

#[test]
fn build_script_takes_commit_and_date_from_git_and_reports_unknown_outside() {
    let work = tempfile::tempdir().unwrap();

    // A crate tarball unpacked outside any repository: unknown, unknown.
    let plain = work.path().join("plain");
    std::fs::create_dir_all(&plain).unwrap();
    let lines = run_build_script(&plain, None);
    assert_eq!(build_env(&lines, "KMCP_GIT_COMMIT"), "unknown");
    assert_eq!(build_env(&lines, "KMCP_BUILD_DATE"), "unknown");
    assert!(lines.contains(&"cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH".to_string()));

    // SOURCE_DATE_EPOCH, formatted in UTC.
    for (epoch, date) in [
        ("0", "1970-01-01T00:00:00Z"),
        ("951782400", "2000-02-29T00:00:00Z"),
        ("1767225599", "2025-12-31T23:59:59Z"),
        ("4107542400", "2100-03-01T00:00:00Z"),
    ] {
        let lines = run_build_script(&plain, Some(epoch));
        assert_eq!(build_env(&lines, "KMCP_BUILD_DATE"), date, "{epoch}");
    }

    // What `cargo publish` leaves in the tarball: the commit, no date.
    let published = work.path().join("published");
    std::fs::create_dir_all(&published).unwrap();
    let sha = "0123456789abcdef0123456789abcdef01234567";
    std::fs::write(
        published.join(".cargo_vcs_info.json"),
        format!("{{\n  \"git\": {{\n    \"sha1\": \"{sha}\"\n  }},\n  \"path_in_vcs\": \"\"\n}}\n"),
    )
    .unwrap();
    let lines = run_build_script(&published, None);
    assert_eq!(build_env(&lines, "KMCP_GIT_COMMIT"), sha);
    assert_eq!(build_env(&lines, "KMCP_BUILD_DATE"), "unknown");

    // A git work tree: HEAD and its committer date in UTC; cargo re-runs on a new HEAD.
    let repo = work.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    git_in(&repo, &["init", "-q", "-b", "main"]);
    std::fs::write(repo.join("Cargo.toml"), "").unwrap();
    git_in(&repo, &["add", "Cargo.toml"]);
    git_in(&repo, &["commit", "-q", "-m", "one"]);
    let head = git_in(&repo, &["rev-parse", "HEAD"]);
    let lines = run_build_script(&repo, None);
    assert_eq!(build_env(&lines, "KMCP_GIT_COMMIT"), head);
    assert_eq!(build_env(&lines, "KMCP_BUILD_DATE"), "2024-02-29T21:59:58Z");
    let watched: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("cargo:rerun-if-changed="))
        .collect();
    for file in [".git/HEAD", ".git/refs/heads/main"] {
        let path = repo.join(file);
        assert!(
            watched.iter().any(|w| Path::new(w) == path),
            "{file} not watched: {watched:?}"
        );
    }
    // SOURCE_DATE_EPOCH wins over the commit's date.
    let lines = run_build_script(&repo, Some("0"));
    assert_eq!(build_env(&lines, "KMCP_BUILD_DATE"), "1970-01-01T00:00:00Z");

    // A crate unpacked inside another repository is not that repository's commit.
    let nested = repo.join("vendor/kubectl-kmcp");
    std::fs::create_dir_all(&nested).unwrap();
    let lines = run_build_script(&nested, None);
    assert_eq!(build_env(&lines, "KMCP_GIT_COMMIT"), "unknown");
    assert_eq!(build_env(&lines, "KMCP_BUILD_DATE"), "unknown");
}

// ---- .github/workflows/release.yml ----

fn workflow() -> serde_json::Value {
    let path = root().join(".github/workflows/release.yml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn steps(job: &serde_json::Value) -> Vec<serde_json::Value> {
    job["steps"]
        .as_array()
        .expect("a job without steps")
        .clone()
}

/// The words of a `run:` line (the workflow's are plain: no quotes inside words).
fn words(run: &str) -> Vec<String> {
    run.split_whitespace()
        .map(|w| w.trim_matches('"').to_string())
        .collect()
}

fn flag<'a>(words: &'a [String], name: &str) -> Option<&'a str> {
    words
        .iter()
        .position(|w| w == name)
        .and_then(|i| words.get(i + 1))
        .map(String::as_str)
}

/// Whether git records `path` as executable (what a checkout gives the runner), or, outside git,
/// whether the file is.
fn executable_in_repo(path: &str) -> bool {
    let out = Command::new("git")
        .current_dir(root())
        .args(["ls-files", "--stage", "--", path])
        .output();
    if let Ok(out) = out
        && out.status.success()
        && !out.stdout.is_empty()
    {
        return text(&out.stdout).starts_with("100755 ");
    }
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(root().join(path)).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

#[test]
fn workflow_builds_the_five_targets_and_runs_only_scripts_of_the_repository() {
    assert!(
        !root().join(".github/workflow").exists(),
        ".github/workflow/ is not read by GitHub: the folder is .github/workflows/"
    );
    let w = workflow();
    let tags = &w["on"]["push"]["tags"];
    assert_eq!(tags, &serde_json::json!(["v*"]), "runs on v* tags");

    // The build matrix: the five targets, each on a runner of its system.
    let build = &w["jobs"]["build"];
    let include = build["strategy"]["matrix"]["include"].as_array().unwrap();
    let mut built: Vec<(String, String)> = Vec::new();
    for entry in include {
        let os = entry["os"].as_str().unwrap().to_string();
        let arch = entry["arch"].as_str().unwrap().to_string();
        let runner = entry["runner"].as_str().unwrap();
        let system = match os.as_str() {
            "linux" => "ubuntu-",
            "darwin" => "macos-",
            _ => "windows-",
        };
        assert!(runner.starts_with(system), "{os}/{arch} runs on {runner}");
        if os == "linux" {
            assert_eq!(runner.ends_with("-arm"), arch == "arm64", "{runner}");
        }
        built.push((os, arch));
    }
    built.sort();
    let mut targets: Vec<(String, String)> = TARGETS
        .iter()
        .map(|(o, a)| (o.to_string(), a.to_string()))
        .collect();
    targets.sort();
    assert_eq!(built, targets, "the build matrix");
    assert_eq!(build["runs-on"], "${{ matrix.runner }}");

    // Every run step of every job: exactly one script of krew/, present and executable.
    let jobs = w["jobs"].as_object().unwrap();
    let mut runs = 0;
    for (name, job) in jobs {
        for step in steps(job) {
            let Some(run) = step["run"].as_str() else {
                assert!(
                    step["uses"].is_string(),
                    "{name}: a step neither runs nor uses"
                );
                continue;
            };
            runs += 1;
            assert_eq!(
                run.trim().lines().count(),
                1,
                "{name}: one command per step: {run}"
            );
            let script = &words(run)[0];
            assert!(
                script.starts_with("krew/") && script.ends_with(".sh"),
                "{name}: {run:?} does not call a script of krew/"
            );
            assert!(
                root().join(script).is_file(),
                "{name}: {script} does not exist"
            );
            assert!(
                executable_in_repo(script),
                "{name}: {script} is not executable in git"
            );
        }
    }
    assert!(runs >= 7, "{runs} run steps");
    assert_eq!(
        w["defaults"]["run"]["shell"], "bash",
        "Windows runs the scripts in bash too"
    );

    // The release job packs each target's artifact under its own name, renders with --complete,
    // and attaches the archives, checksums.txt and kmcp.yaml.
    let release = &w["jobs"]["release"];
    assert_eq!(release["needs"], "build");
    let upload = steps(build)
        .into_iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/upload-artifact@"))
        })
        .expect("the build job uploads its binary");
    assert_eq!(
        upload["with"]["name"],
        "${{ matrix.os }}_${{ matrix.arch }}"
    );
    let mut packed: Vec<(String, String)> = Vec::new();
    let mut rendered = false;
    for step in steps(release) {
        let Some(run) = step["run"].as_str() else {
            continue;
        };
        let w = words(run);
        assert_eq!(w[0], "krew/package.sh", "{run}");
        assert_eq!(flag(&w, "--tag"), Some("$TAG"), "{run}");
        assert_eq!(flag(&w, "--dist"), Some("dist"), "{run}");
        if w.iter().any(|x| x == "--manifest-only") {
            assert!(w.iter().any(|x| x == "--complete"), "{run}");
            rendered = true;
            continue;
        }
        let (os, arch) = (flag(&w, "--os").unwrap(), flag(&w, "--arch").unwrap());
        let exe = if os == "windows" {
            "kubectl-kmcp.exe"
        } else {
            "kubectl-kmcp"
        };
        assert_eq!(
            flag(&w, "--binary"),
            Some(format!("bin/{os}_{arch}/{exe}").as_str())
        );
        packed.push((os.to_string(), arch.to_string()));
    }
    packed.sort();
    assert_eq!(packed, targets, "the release job packs every target");
    assert!(
        rendered,
        "the release job renders the manifest with every sha256"
    );
    assert_eq!(w["env"]["TAG"], "${{ github.ref_name }}");
    let publish = steps(release)
        .into_iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("softprops/action-gh-release@"))
        })
        .expect("the release job attaches the files to the release");
    let files = publish["with"]["files"].as_str().unwrap();
    for pattern in [
        "dist/kubectl-kmcp_*",
        "dist/checksums.txt",
        "dist/kmcp.yaml",
    ] {
        assert!(
            files.lines().any(|l| l.trim() == pattern),
            "{pattern} not attached"
        );
    }
    assert_eq!(release["permissions"]["contents"], "write");
}

/// A stand-in binary whose header says os/arch (krew/package.sh reads only the header of a
/// darwin or windows binary, which cannot be built here).
fn stand_in(os: &str, arch: &str, path: &Path) {
    let mut bytes: Vec<u8> = match (os, arch) {
        ("darwin", "amd64") => [0xcf, 0xfa, 0xed, 0xfe, 0x07, 0, 0, 0x01].to_vec(),
        ("darwin", "arm64") => [0xcf, 0xfa, 0xed, 0xfe, 0x0c, 0, 0, 0x01].to_vec(),
        ("windows", "amd64") => {
            let mut b = vec![0u8; 0x40];
            b[0] = b'M';
            b[1] = b'Z';
            b[0x3c] = 0x40;
            b.extend_from_slice(b"PE\0\0\x64\x86");
            b
        }
        other => panic!("no stand-in for {other:?}"),
    };
    bytes.extend_from_slice(format!("stand-in for {os}/{arch}\n").as_bytes());
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// A real linux/arm64 executable linked against glibc 2.17, by the release toolchain's zig.
fn arm64_executable(path: &Path) {
    let tools = Command::new("bash")
        .arg(root().join("krew/toolchain.sh"))
        .output()
        .unwrap();
    assert_success("krew/toolchain.sh", &tools);
    let zig = PathBuf::from(text(&tools.stdout).lines().last().unwrap()).join("zig");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let src = path.with_extension("c");
    std::fs::write(
        &src,
        "#include <stdio.h>\nint main(void) { puts(\"arm64\"); return 0; }\n",
    )
    .unwrap();
    let out = Command::new(zig)
        .args(["cc", "-target", "aarch64-linux-gnu.2.17", "-o"])
        .arg(path)
        .arg(&src)
        .output()
        .unwrap();
    assert_success("zig cc -target aarch64-linux-gnu.2.17", &out);
}

#[test]
fn workflow_linux_steps_run_here_and_give_a_complete_release() {
    let w = workflow();
    let release = release_build();
    // The runner's workspace: the repository's scripts, and the folders the steps make.
    let ws = fresh_dir("workflow");
    std::os::unix::fs::symlink(root().join("krew"), ws.join("krew")).unwrap();
    let tag = version_tag();
    let run_step = |run: &str, substitutions: &[(&str, &str)]| {
        let mut line = run.to_string();
        for (from, to) in substitutions {
            line = line.replace(from, to);
        }
        assert!(!line.contains("${{"), "unsubstituted expression in {line}");
        let out = Command::new("bash")
            .arg("-c")
            .arg(&line)
            .current_dir(&ws)
            .env("TAG", &tag)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_success(&line, &out);
        out
    };

    // The build job's step, for linux/amd64: the same release build (cargo finds it done).
    let build_step = steps(&w["jobs"]["build"])
        .into_iter()
        .find_map(|s| s["run"].as_str().map(str::to_string))
        .unwrap();
    let out = {
        let _building = REBUILD.lock().unwrap_or_else(|e| e.into_inner());
        run_step(
            &build_step,
            &[
                ("${{ matrix.os }}", "linux"),
                ("${{ matrix.arch }}", "amd64"),
            ],
        )
    };
    assert_eq!(text(&out.stdout).lines().last(), Some("out/kubectl-kmcp"));
    let built = ws.join("out/kubectl-kmcp");
    assert_eq!(
        std::fs::read(&built).unwrap(),
        std::fs::read(release.unpacked.join("kubectl-kmcp")).unwrap(),
        "the workflow's build step and krew/package.sh build the same binary"
    );

    // What download-artifact leaves: bin/<os>_<arch>/<exe>.
    std::fs::create_dir_all(ws.join("bin/linux_amd64")).unwrap();
    std::fs::copy(&built, ws.join("bin/linux_amd64/kubectl-kmcp")).unwrap();
    arm64_executable(&ws.join("bin/linux_arm64/kubectl-kmcp"));
    stand_in("darwin", "amd64", &ws.join("bin/darwin_amd64/kubectl-kmcp"));
    stand_in("darwin", "arm64", &ws.join("bin/darwin_arm64/kubectl-kmcp"));
    stand_in(
        "windows",
        "amd64",
        &ws.join("bin/windows_amd64/kubectl-kmcp.exe"),
    );

    // The release job's run steps, in order.
    for step in steps(&w["jobs"]["release"]) {
        if let Some(run) = step["run"].as_str() {
            run_step(run, &[]);
        }
    }
    let dist = ws.join("dist");
    let manifest_path = dist.join("kmcp.yaml");
    let manifest = read_manifest(&manifest_path);
    assert_eq!(problems("kmcp", &manifest), Vec::<String>::new());
    assert_eq!(manifest.spec.platforms.len(), 5);
    let checksums = std::fs::read_to_string(dist.join("checksums.txt")).unwrap();
    assert_eq!(checksums.lines().count(), 5, "{checksums}");
    for p in &manifest.spec.platforms {
        let name = p.uri.rsplit('/').next().unwrap();
        let archive = dist.join(name);
        assert_eq!(sha256_of(&archive), p.sha256, "{name}");
        assert!(
            checksums
                .lines()
                .any(|l| l == format!("{}  {name}", p.sha256)),
            "{name} not in checksums.txt:\n{checksums}"
        );
        // The archive holds what `files` installs, at its top.
        let listing = if name.ends_with(".zip") {
            Command::new("unzip")
                .arg("-Z1")
                .arg(&archive)
                .output()
                .unwrap()
        } else {
            Command::new("tar")
                .arg("-tzf")
                .arg(&archive)
                .output()
                .unwrap()
        };
        assert_success("listing an archive", &listing);
        let mut entries: Vec<String> = text(&listing.stdout).lines().map(str::to_string).collect();
        entries.sort();
        let mut expected: Vec<String> = p.files.iter().map(|f| f.from.clone()).collect();
        expected.sort();
        assert_eq!(entries, expected, "{name}");
    }
    // The linux/amd64 archive is the one krew/package.sh packs on this machine.
    assert_eq!(
        std::fs::read(dist.join(release.archive.file_name().unwrap())).unwrap(),
        std::fs::read(&release.archive).unwrap()
    );

    // A tag that is not the crate's version is refused before anything is packed.
    let out = Command::new("bash")
        .arg(ws.join("krew/package.sh"))
        .args(["--tag", "v9.9.9", "--dist", "other", "--manifest-only"])
        .current_dir(&ws)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("--tag v9.9.9 is not the crate's version"));
    assert!(!ws.join("other").exists());
}

// ---- cargo-binstall ----

#[test]
fn binstall_metadata_points_at_the_release_archives() {
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(root())
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--offline",
        ])
        .output()
        .unwrap();
    assert_success("cargo metadata", &out);
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let package = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "kubectl-kmcp")
        .unwrap();
    let binstall = &package["metadata"]["binstall"];
    let repo = package["repository"].as_str().unwrap();
    let version = env!("CARGO_PKG_VERSION");
    let template = std::fs::read_to_string(root().join("krew/.krew.yaml")).unwrap();

    let triples = [
        ("x86_64-unknown-linux-gnu", "linux", "amd64"),
        ("aarch64-unknown-linux-gnu", "linux", "arm64"),
        ("x86_64-apple-darwin", "darwin", "amd64"),
        ("aarch64-apple-darwin", "darwin", "arm64"),
        ("x86_64-pc-windows-msvc", "windows", "amd64"),
    ];
    let overrides = binstall["overrides"]
        .as_object()
        .expect("binstall overrides");
    assert_eq!(overrides.len(), triples.len(), "{overrides:?}");
    for (triple, os, arch) in triples {
        let o = &overrides[triple];
        let windows = os == "windows";
        let field = |key: &str| {
            o[key]
                .as_str()
                .or(binstall[key].as_str())
                .unwrap_or_else(|| panic!("{triple}: no {key}"))
                .to_string()
        };
        let fill = |t: String| {
            t.replace("{ repo }", repo)
                .replace("{ version }", version)
                .replace("{ name }", "kubectl-kmcp")
                .replace("{ bin }", "kubectl-kmcp")
                .replace("{ binary-ext }", if windows { ".exe" } else { "" })
        };
        let url = fill(field("pkg-url"));
        // The same address as the Krew manifest's for this platform.
        let krew_url = template
            .lines()
            .find_map(|l| {
                let start = l.find("addURIAndSha \"")? + "addURIAndSha \"".len();
                let url = &l[start..];
                let url = &url[..url.find('"')?];
                url.contains(&format!("_{os}_{arch}."))
                    .then(|| url.replace("{{ .TagName }}", &format!("v{version}")))
            })
            .unwrap_or_else(|| panic!("no {os}/{arch} in krew/.krew.yaml"));
        assert_eq!(url, krew_url, "{triple}");
        assert_eq!(
            field("pkg-fmt"),
            if windows { "zip" } else { "tgz" },
            "{triple}"
        );
        let exe = if windows {
            "kubectl-kmcp.exe"
        } else {
            "kubectl-kmcp"
        };
        assert_eq!(
            fill(field("bin-dir")),
            exe,
            "{triple}: the binary is at the archive's top"
        );
        // The same manifest lists that binary for that platform.
        let m = parse(&std::fs::read_to_string(root().join("krew/kmcp.yaml")).unwrap()).unwrap();
        if let Some(p) = m
            .spec
            .platforms
            .iter()
            .find(|p| p.os_arch() == (os.into(), arch.into()))
        {
            assert_eq!(p.bin, exe);
        }
    }
}
