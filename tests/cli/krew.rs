//! Krew: the manifest against the krew-index rules, the packaging script (`krew/package.sh`), and
//! an install done the way `kubectl krew install --manifest=M --archive=A` does it (the krew
//! binary cannot be had here), then the plugin run through the real kubectl: `kubectl kmcp
//! version` against the test cluster, `kubectl plugin list`, and `kubectl kmcp <TAB>` completion.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::harness::{binary, cluster, root};

const API_VERSION: &str = "krew.googlecontainertools.github.com/v1alpha2";
const PLUGIN: &str = "kmcp";
/// The platforms the plugin is released for, one manifest entry each.
const TARGETS: [(&str, &str); 5] = [
    ("linux", "amd64"),
    ("linux", "arm64"),
    ("darwin", "amd64"),
    ("darwin", "arm64"),
    ("windows", "amd64"),
];

// The manifest, read as strictly as Krew reads it: an unknown field is an error.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Manifest {
    api_version: String,
    kind: String,
    metadata: Metadata,
    spec: Spec,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Metadata {
    name: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Spec {
    version: String,
    homepage: Option<String>,
    short_description: String,
    description: String,
    caveats: Option<String>,
    platforms: Vec<Platform>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Platform {
    selector: Selector,
    uri: String,
    sha256: String,
    bin: String,
    #[serde(default)]
    files: Vec<FileOperation>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Selector {
    #[serde(default)]
    match_labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileOperation {
    from: String,
    to: String,
}

impl Platform {
    fn os_arch(&self) -> (String, String) {
        let label = |k: &str| {
            self.selector
                .match_labels
                .get(k)
                .cloned()
                .unwrap_or_default()
        };
        (label("os"), label("arch"))
    }
}

fn parse(text: &str) -> Result<Manifest, String> {
    serde_saphyr::from_str(text).map_err(|e| format!("not a Krew manifest: {e}"))
}

fn read_manifest(path: &Path) -> Manifest {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A `v`-prefixed semantic version: vMAJOR.MINOR.PATCH, optionally -pre and +build.
fn is_v_semver(version: &str) -> bool {
    let Some(rest) = version.strip_prefix('v') else {
        return false;
    };
    let core = rest.split(['-', '+']).next().unwrap_or_default();
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars().all(|c| c.is_ascii_digit())
                && (p.len() == 1 || !p.starts_with('0'))
        })
}

fn is_sha256(text: &str) -> bool {
    text.len() == 64
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
}

/// Every rule of the krew-index (and of this project's issue) that `manifest`, stored in a file
/// named `file_stem.yaml`, breaks; empty when it passes.
fn problems(file_stem: &str, m: &Manifest) -> Vec<String> {
    let mut out = Vec::new();
    if m.api_version != API_VERSION {
        out.push(format!(
            "apiVersion is {:?}, not {API_VERSION}",
            m.api_version
        ));
    }
    if m.kind != "Plugin" {
        out.push(format!("kind is {:?}, not Plugin", m.kind));
    }
    let name = &m.metadata.name;
    if name != file_stem {
        out.push(format!(
            "metadata.name {name:?} differs from the file name {file_stem}.yaml"
        ));
    }
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        out.push(format!(
            "metadata.name {name:?}: lowercase letters, digits and - only"
        ));
    }
    let spec = &m.spec;
    let crate_version = format!("v{}", env!("CARGO_PKG_VERSION"));
    if !is_v_semver(&spec.version) {
        out.push(format!(
            "spec.version {:?} is not a v-prefixed semver",
            spec.version
        ));
    } else if spec.version != crate_version {
        out.push(format!(
            "spec.version {} differs from the crate's version {crate_version}",
            spec.version
        ));
    }
    if !spec
        .homepage
        .as_deref()
        .is_some_and(|h| h.starts_with("https://"))
    {
        out.push("spec.homepage: an https:// address is required".into());
    }
    let short = &spec.short_description;
    if short.trim().is_empty() || short.contains('\n') || short.chars().count() >= 50 {
        out.push(format!(
            "spec.shortDescription must be one line under 50 characters, is {short:?}"
        ));
    }
    if !spec.description.contains("kubectl kmcp --help") {
        out.push("spec.description must point to `kubectl kmcp --help`".into());
    }
    if !spec.caveats.as_deref().is_some_and(|c| c.contains("RBAC")) {
        out.push("spec.caveats must name the RBAC the plugin needs".into());
    }
    if spec.platforms.is_empty() {
        out.push("spec.platforms is empty".into());
    }
    let mut seen: Vec<(String, String)> = Vec::new();
    for (i, p) in spec.platforms.iter().enumerate() {
        let at = format!("spec.platforms[{i}]");
        let (os, arch) = p.os_arch();
        let labels: Vec<&str> = p.selector.match_labels.keys().map(String::as_str).collect();
        if labels != ["arch", "os"] {
            out.push(format!(
                "{at}.selector.matchLabels must be exactly os and arch, has {labels:?}"
            ));
        }
        if !TARGETS.contains(&(os.as_str(), arch.as_str())) {
            out.push(format!("{at}: {os}/{arch} is not a released platform"));
        }
        if seen.contains(&(os.clone(), arch.clone())) {
            out.push(format!("{at}: a second platform for {os}/{arch}"));
        }
        seen.push((os.clone(), arch.clone()));
        let archive = format!("kubectl-kmcp_{}_{os}_{arch}.tar.gz", spec.version);
        if !p.uri.starts_with("https://") || !p.uri.ends_with(&format!("/{archive}")) {
            out.push(format!(
                "{at}.uri {:?} is not the https address of {archive}",
                p.uri
            ));
        }
        if !is_sha256(&p.sha256) {
            out.push(format!(
                "{at}.sha256 {:?} is not 64 lowercase hex digits",
                p.sha256
            ));
        }
        let bin = if os == "windows" {
            "kubectl-kmcp.exe"
        } else {
            "kubectl-kmcp"
        };
        if p.bin != bin {
            out.push(format!("{at}.bin is {:?}, must be {bin}", p.bin));
        }
        if !p.files.iter().any(|f| f.from == p.bin || f.from == "*") {
            out.push(format!("{at}.files does not install {}", p.bin));
        }
        if !p.files.iter().any(|f| f.from == "LICENSE" || f.from == "*") {
            out.push(format!("{at}.files does not install the LICENSE"));
        }
    }
    out
}

fn sha256_of(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Krew's names of this machine's os and arch.
fn host_platform() -> (&'static str, &'static str) {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        other => other,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    (os, arch)
}

/// What `kubectl krew install --manifest=M --archive=A` does, into the Krew root `krew_root`:
/// validate, pick this machine's platform, check the archive's sha256, unpack, apply the `files`
/// operations into `store/<name>/<version>/`, require a license file, link `bin/<bin>` and write
/// the receipt. Returns the install folder.
fn krew_install(manifest_path: &Path, archive: &Path, krew_root: &Path) -> Result<PathBuf, String> {
    let text = std::fs::read_to_string(manifest_path).map_err(|e| e.to_string())?;
    let m = parse(&text)?;
    let stem = manifest_path.file_stem().unwrap().to_string_lossy();
    let found = problems(&stem, &m);
    if !found.is_empty() {
        return Err(format!("invalid manifest: {}", found.join("; ")));
    }
    let (os, arch) = host_platform();
    let platform = m
        .spec
        .platforms
        .iter()
        .find(|p| p.os_arch() == (os.to_string(), arch.to_string()))
        .ok_or_else(|| format!("no platform for {os}/{arch}"))?;
    let actual = sha256_of(archive);
    if actual != platform.sha256 {
        return Err(format!(
            "sha256 of the archive is {actual}, the manifest says {}",
            platform.sha256
        ));
    }
    let unpacked = tempfile::tempdir().unwrap();
    let tar = Command::new("tar")
        .arg("-xzf")
        .arg(archive)
        .arg("-C")
        .arg(unpacked.path())
        .output()
        .unwrap();
    if !tar.status.success() {
        return Err(format!(
            "cannot unpack: {}",
            String::from_utf8_lossy(&tar.stderr)
        ));
    }
    let install = krew_root
        .join("store")
        .join(&m.metadata.name)
        .join(&m.spec.version);
    std::fs::create_dir_all(&install).unwrap();
    for op in &platform.files {
        let sources: Vec<PathBuf> = if op.from == "*" {
            std::fs::read_dir(unpacked.path())
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect()
        } else {
            vec![unpacked.path().join(&op.from)]
        };
        let to = install.join(&op.to);
        std::fs::create_dir_all(&to).unwrap();
        for src in sources {
            let dest = to.join(src.file_name().unwrap());
            std::fs::rename(&src, &dest)
                .map_err(|e| format!("files: {} is not in the archive ({e})", op.from))?;
        }
    }
    let has_license = std::fs::read_dir(&install).unwrap().any(|e| {
        let name = e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .to_ascii_uppercase();
        name.starts_with("LICENSE") || name.starts_with("COPYING")
    });
    if !has_license {
        return Err("the archive installs no license file (the krew-index requires one)".into());
    }
    let bin = install.join(&platform.bin);
    let executable = std::fs::metadata(&bin).map(|md| {
        use std::os::unix::fs::PermissionsExt;
        md.permissions().mode() & 0o111 != 0
    });
    if !matches!(executable, Ok(true)) {
        return Err(format!(
            "bin {} is not an executable file of the archive",
            platform.bin
        ));
    }
    std::fs::create_dir_all(krew_root.join("bin")).unwrap();
    std::fs::create_dir_all(krew_root.join("receipts")).unwrap();
    std::os::unix::fs::symlink(&bin, krew_root.join("bin").join(&platform.bin)).unwrap();
    std::fs::write(
        krew_root
            .join("receipts")
            .join(format!("{}.yaml", m.metadata.name)),
        text,
    )
    .unwrap();
    Ok(install)
}

/// `krew/package.sh` with `args`.
fn package(args: &[&str]) -> Output {
    Command::new("bash")
        .arg(root().join("krew/package.sh"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("cannot run bash krew/package.sh")
}

#[track_caller]
fn assert_success(what: &str, out: &Output) {
    assert!(
        out.status.success(),
        "{what} failed ({}):\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The test's plugin binary without its debug info (a sixth of the size, so packing takes
/// seconds): what the release build is, minus the optimizations.
fn small_binary(dir: &Path) -> PathBuf {
    let copy = dir.join("kubectl-kmcp");
    std::fs::copy(binary(), &copy).unwrap();
    let _ = Command::new("strip").arg(&copy).status();
    copy
}

#[test]
fn manifest_rules_reject_what_the_krew_index_rejects() {
    let good = read_manifest(&root().join("krew/kmcp.yaml"));
    assert_eq!(problems(PLUGIN, &good), Vec::<String>::new());

    type Edit = fn(&mut Manifest);
    let cases: Vec<(&str, Edit, &str)> = vec![
        (
            "name",
            |m| m.metadata.name = "kmcp-secrets".into(),
            "differs from the file name",
        ),
        (
            "no v",
            |m| m.spec.version = "0.1.0".into(),
            "not a v-prefixed semver",
        ),
        (
            "semver",
            |m| m.spec.version = "v1.02.0".into(),
            "not a v-prefixed semver",
        ),
        (
            "crate",
            |m| m.spec.version = "v9.9.9".into(),
            "differs from the crate's version",
        ),
        (
            "http",
            |m| m.spec.homepage = Some("http://x".into()),
            "homepage",
        ),
        (
            "two lines",
            |m| m.spec.short_description = "Sync\nsecrets".into(),
            "one line under 50",
        ),
        (
            "long",
            |m| m.spec.short_description = "x".repeat(50),
            "one line under 50",
        ),
        (
            "help",
            |m| m.spec.description = "Lists: sync, deploy".into(),
            "kubectl kmcp --help",
        ),
        ("caveats", |m| m.spec.caveats = None, "RBAC"),
        (
            "no platform",
            |m| m.spec.platforms.clear(),
            "platforms is empty",
        ),
        (
            "upper sha",
            |m| m.spec.platforms[0].sha256 = "AB".repeat(32),
            "64 lowercase hex",
        ),
        (
            "short sha",
            |m| m.spec.platforms[0].sha256 = "abc".into(),
            "64 lowercase hex",
        ),
        (
            "duplicate",
            |m| {
                let copy = m.spec.platforms[0].clone();
                m.spec.platforms.push(copy);
            },
            "a second platform for linux/amd64",
        ),
        (
            "selector",
            |m| {
                m.spec.platforms[0].selector.match_labels.remove("arch");
            },
            "exactly os and arch",
        ),
        (
            "uri",
            |m| m.spec.platforms[0].uri = "https://example.com/kmcp.tar.gz".into(),
            "is not the https address",
        ),
        (
            "exe",
            |m| {
                let win = m
                    .spec
                    .platforms
                    .iter_mut()
                    .find(|p| p.os_arch().0 == "windows");
                win.unwrap().bin = "kubectl-kmcp".into();
            },
            "must be kubectl-kmcp.exe",
        ),
        (
            "license",
            |m| m.spec.platforms[0].files.retain(|f| f.from != "LICENSE"),
            "does not install the LICENSE",
        ),
    ];
    for (case, edit, expected) in cases {
        let mut m = good.clone();
        edit(&mut m);
        let found = problems(PLUGIN, &m);
        assert!(
            found.iter().any(|p| p.contains(expected)),
            "case {case}: expected a problem with {expected:?}, got {found:?}"
        );
    }

    let text = std::fs::read_to_string(root().join("krew/kmcp.yaml")).unwrap();
    let unknown = text.replace("  homepage:", "  homepge:");
    assert!(parse(&unknown).is_err(), "a misspelt field must be refused");
}

#[test]
fn checked_in_manifest_is_complete_and_rendered_from_the_template() {
    let checked_in_path = root().join("krew/kmcp.yaml");
    let m = read_manifest(&checked_in_path);
    assert_eq!(problems(PLUGIN, &m), Vec::<String>::new());
    let mut platforms: Vec<(String, String)> =
        m.spec.platforms.iter().map(Platform::os_arch).collect();
    platforms.sort();
    let mut targets: Vec<(String, String)> = TARGETS
        .iter()
        .map(|(o, a)| (o.to_string(), a.to_string()))
        .collect();
    targets.sort();
    assert_eq!(platforms, targets, "one platform per released target");

    // The same template rendered without archives differs only in the sha256 lines: the file is
    // the template's rendering, not a copy that can drift from it (or from the crate's version).
    let dist = tempfile::tempdir().unwrap();
    let out = package(&[
        "--manifest-only",
        "--keep-missing",
        "--dist",
        dist.path().to_str().unwrap(),
    ]);
    assert_success("krew/package.sh --manifest-only --keep-missing", &out);
    let rendered = std::fs::read_to_string(dist.path().join("kmcp.yaml")).unwrap();
    let checked_in = std::fs::read_to_string(&checked_in_path).unwrap();
    let without_sha = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| !l.trim_start().starts_with("sha256:"))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(
        without_sha(&checked_in),
        without_sha(&rendered),
        "krew/kmcp.yaml is not the rendering of krew/.krew.yaml: re-run krew/package.sh and copy target/krew/kmcp.yaml"
    );
}

#[test]
fn packaging_script_refuses_bad_input() {
    let dist = tempfile::tempdir().unwrap();
    let d = dist.path().to_str().unwrap();
    let out = package(&["--binary", "/nonexistent/kubectl-kmcp", "--dist", d]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("/nonexistent/kubectl-kmcp: no such file")
    );
    let out = package(&["--os", "plan9", "--binary", "/bin/true", "--dist", d]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--os plan9"));
    let out = package(&["--frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
    let out = package(&["--manifest-only", "--dist", d]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no platform has an archive"));
    assert!(
        !dist.path().join("kmcp.yaml").exists(),
        "no manifest without an archive"
    );
}

#[test]
fn install_refuses_a_wrong_sha256_and_an_archive_without_license() {
    let work = tempfile::tempdir().unwrap();
    // A tiny archive holding an executable but no license.
    let content = work.path().join("content");
    std::fs::create_dir_all(&content).unwrap();
    std::fs::write(content.join("kubectl-kmcp"), "#!/bin/sh\n").unwrap();
    let status = Command::new("chmod")
        .arg("+x")
        .arg(content.join("kubectl-kmcp"))
        .status()
        .unwrap();
    assert!(status.success());
    let archive = work.path().join("a.tar.gz");
    let tar = Command::new("tar")
        .arg("-czf")
        .arg(&archive)
        .arg("-C")
        .arg(&content)
        .arg("kubectl-kmcp")
        .output()
        .unwrap();
    assert_success("tar", &tar);

    let (os, arch) = host_platform();
    let template = std::fs::read_to_string(root().join("krew/kmcp.yaml")).unwrap();
    let mut m = parse(&template).unwrap();
    m.spec
        .platforms
        .retain(|p| p.os_arch() == (os.into(), arch.into()));
    assert_eq!(
        m.spec.platforms.len(),
        1,
        "no {os}/{arch} entry in krew/kmcp.yaml"
    );
    let old_sha = m.spec.platforms[0].sha256.clone();
    let manifest = work.path().join("kmcp.yaml");

    // The checked-in sha256 is not this archive's.
    std::fs::write(&manifest, &template).unwrap();
    let err = krew_install(&manifest, &archive, &work.path().join("root1")).unwrap_err();
    assert!(err.contains("sha256 of the archive"), "{err}");

    // The right sha256, but the LICENSE that `files` names is not in the archive.
    let fixed = template.replace(&old_sha, &sha256_of(&archive));
    std::fs::write(&manifest, &fixed).unwrap();
    let err = krew_install(&manifest, &archive, &work.path().join("root2")).unwrap_err();
    assert!(
        err.contains("files: LICENSE is not in the archive"),
        "{err}"
    );

    // `files` taking everything: the install has no license file.
    let everything = fixed.replace(
        "    - from: kubectl-kmcp\n      to: .\n    - from: LICENSE\n      to: .\n",
        "    - from: \"*\"\n      to: .\n",
    );
    assert_ne!(everything, fixed);
    std::fs::write(&manifest, everything).unwrap();
    let err = krew_install(&manifest, &archive, &work.path().join("root3")).unwrap_err();
    assert!(err.contains("no license file"), "{err}");
}

#[test]
fn packed_archive_installs_like_krew_and_runs_through_kubectl() {
    let c = cluster();
    let work = tempfile::tempdir().unwrap();
    let dist = work.path().join("dist");
    let small = small_binary(work.path());
    let out = package(&[
        "--binary",
        small.to_str().unwrap(),
        "--dist",
        dist.to_str().unwrap(),
    ]);
    assert_success("krew/package.sh --binary", &out);

    let (os, arch) = host_platform();
    let version = format!("v{}", env!("CARGO_PKG_VERSION"));
    let archive = dist.join(format!("kubectl-kmcp_{version}_{os}_{arch}.tar.gz"));
    let manifest_path = dist.join("kmcp.yaml");
    let manifest = read_manifest(&manifest_path);
    assert_eq!(problems(PLUGIN, &manifest), Vec::<String>::new());
    assert_eq!(manifest.spec.platforms.len(), 1, "only the packed platform");
    assert_eq!(manifest.spec.platforms[0].sha256, sha256_of(&archive));

    let krew_root = work.path().join("krew");
    let install = krew_install(&manifest_path, &archive, &krew_root).unwrap();
    assert_eq!(install, krew_root.join("store/kmcp").join(&version));
    assert!(install.join("LICENSE").is_file());
    let link = krew_root.join("bin/kubectl-kmcp");
    assert_eq!(
        std::fs::read_link(&link).unwrap(),
        install.join("kubectl-kmcp")
    );

    // Krew's bin, kubectl's folder and the system's: no other plugin of this machine can make
    // `kubectl plugin list` warn.
    let kubectl_dir = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .find(|dir| dir.join("kubectl").is_file())
        .expect("kubectl is not on PATH");
    let path = std::env::join_paths([
        krew_root.join("bin"),
        kubectl_dir,
        PathBuf::from("/usr/bin"),
        PathBuf::from("/bin"),
    ])
    .unwrap();
    let kubectl = |args: &[&str]| -> Output {
        Command::new("kubectl")
            .args(args)
            .env("PATH", &path)
            .env("KUBECONFIG", &c.kubeconfig)
            .env("HOME", work.path())
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .output()
            .expect("kubectl is not on PATH")
    };
    let text = |out: &Output| String::from_utf8_lossy(&out.stdout).into_owned();

    let out = kubectl(&["kmcp", "version"]);
    assert_success("kubectl kmcp version", &out);
    assert!(
        text(&out).contains(&format!("Client Version: {version}")),
        "{}",
        text(&out)
    );
    assert!(
        text(&out).contains("Server Version: v1.20.2"),
        "{}",
        text(&out)
    );

    let out = kubectl(&["kmcp", "deploy", "--help"]);
    assert_success("kubectl kmcp deploy --help", &out);
    assert!(
        text(&out).contains("Usage: kubectl kmcp deploy"),
        "{}",
        text(&out)
    );
    assert!(!text(&out).contains("kubectl-kmcp"), "{}", text(&out));

    let out = kubectl(&["plugin", "list"]);
    assert_success("kubectl plugin list", &out);
    assert!(
        text(&out).contains(&link.display().to_string()),
        "{}",
        text(&out)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("warning"), "kubectl plugin list warns: {err}");

    // `kubectl kmcp <TAB>`: kubectl runs kubectl_complete-kmcp from PATH, linked as the README says.
    std::os::unix::fs::symlink("kubectl-kmcp", krew_root.join("bin/kubectl_complete-kmcp"))
        .unwrap();
    let out = kubectl(&["__complete", "kmcp", ""]);
    assert_success("kubectl __complete kmcp ''", &out);
    for sub in [
        "version\t",
        "secrets\t",
        "deploy\t",
        "audit\t",
        "troubleshoot\t",
        "completion\t",
    ] {
        assert!(text(&out).contains(sub), "no {sub:?} in:\n{}", text(&out));
    }
    assert!(text(&out).ends_with(":4\n"), "{}", text(&out));
    let out = kubectl(&["__complete", "kmcp", "secrets", ""]);
    assert!(text(&out).starts_with("sync\t"), "{}", text(&out));
    let out = kubectl(&["__complete", "kmcp", "audit", "-o", ""]);
    let listed = text(&out);
    let values: Vec<&str> = listed
        .lines()
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    assert!(
        values.contains(&"json") && values.contains(&"yaml"),
        "{values:?}"
    );
    let out = kubectl(&["plugin", "list"]);
    assert!(!text(&out).contains("kubectl_complete"), "{}", text(&out));

    // The static scripts, through the installed plugin.
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = kubectl(&["kmcp", "completion", shell]);
        assert_success(&format!("kubectl kmcp completion {shell}"), &out);
        for sub in ["secrets", "sync", "deploy", "audit", "troubleshoot"] {
            assert!(text(&out).contains(sub), "{shell} script lacks {sub}");
        }
    }
}
