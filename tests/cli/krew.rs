//! Krew: the manifest against the krew-index rules, the packaging script (`krew/package.sh`), and
//! an install of the release archive (the glibc 2.17 build of release.rs) done the way `kubectl
//! krew install --manifest=M --archive=A` does it (the krew binary cannot be had here), then the
//! plugin run through the real kubectl: `kubectl kmcp version` against the test cluster, `kubectl
//! plugin list`, and `kubectl kmcp <TAB>` completion.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::harness::{cluster, root};
use crate::release::release_build;

const API_VERSION: &str = "krew.googlecontainertools.github.com/v1alpha2";
pub(crate) const PLUGIN: &str = "kmcp";
/// The platforms the plugin is released for, one manifest entry each.
pub(crate) const TARGETS: [(&str, &str); 5] = [
    ("linux", "amd64"),
    ("linux", "arm64"),
    ("darwin", "amd64"),
    ("darwin", "arm64"),
    ("windows", "amd64"),
];

// The manifest, read as strictly as Krew reads it: an unknown field is an error.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Manifest {
    api_version: String,
    kind: String,
    metadata: Metadata,
    pub spec: Spec,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Metadata {
    name: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Spec {
    version: String,
    homepage: Option<String>,
    short_description: String,
    description: String,
    caveats: Option<String>,
    pub platforms: Vec<Platform>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Platform {
    selector: Selector,
    pub uri: String,
    pub sha256: String,
    pub bin: String,
    #[serde(default)]
    pub files: Vec<FileOperation>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Selector {
    #[serde(default)]
    match_labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileOperation {
    pub from: String,
    to: String,
}

impl Platform {
    pub(crate) fn os_arch(&self) -> (String, String) {
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

/// The manifest, read twice: as plain YAML, where each field Krew decodes into a Go string must be
/// a YAML string (an unquoted `sha256: 000...0` is the number 0, and Krew refuses the whole
/// manifest, not just that entry), then into the typed model.
pub(crate) fn parse(text: &str) -> Result<Manifest, String> {
    let found = type_problems(text)?;
    if !found.is_empty() {
        return Err(format!("not a Krew manifest: {}", found.join("; ")));
    }
    serde_saphyr::from_str(text).map_err(|e| format!("not a Krew manifest: {e}"))
}

/// Each field that Krew wants as a string and that is another YAML type (number, boolean, null).
fn type_problems(text: &str) -> Result<Vec<String>, String> {
    use serde_json::Value;
    let doc: Value = serde_saphyr::from_str(text).map_err(|e| format!("not YAML: {e}"))?;
    let mut out = Vec::new();
    let mut string_at = |path: String, value: &Value| {
        if !matches!(value, Value::String(_)) {
            out.push(format!("{path} is {value}, not a string: quote it"));
        }
    };
    for key in ["apiVersion", "kind"] {
        string_at(key.into(), &doc[key]);
    }
    string_at("metadata.name".into(), &doc["metadata"]["name"]);
    let spec = &doc["spec"];
    for key in ["version", "shortDescription", "description"] {
        string_at(format!("spec.{key}"), &spec[key]);
    }
    for key in ["homepage", "caveats"] {
        if let Some(v) = spec.get(key) {
            string_at(format!("spec.{key}"), v);
        }
    }
    for (i, p) in spec["platforms"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let at = format!("spec.platforms[{i}]");
        for key in ["uri", "sha256", "bin"] {
            string_at(format!("{at}.{key}"), &p[key]);
        }
        if let Some(labels) = p["selector"]["matchLabels"].as_object() {
            for (k, v) in labels {
                string_at(format!("{at}.selector.matchLabels.{k}"), v);
            }
        }
        for (j, f) in p["files"].as_array().into_iter().flatten().enumerate() {
            for key in ["from", "to"] {
                if let Some(v) = f.get(key) {
                    string_at(format!("{at}.files[{j}].{key}"), v);
                }
            }
        }
    }
    Ok(out)
}

pub(crate) fn read_manifest(path: &Path) -> Manifest {
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
pub(crate) fn problems(file_stem: &str, m: &Manifest) -> Vec<String> {
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
        let ext = if os == "windows" { "zip" } else { "tar.gz" };
        let archive = format!("kubectl-kmcp_{}_{os}_{arch}.{ext}", spec.version);
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
        } else if p.sha256.chars().all(|c| p.sha256.starts_with(c)) {
            out.push(format!(
                "{at}.sha256 is a placeholder, not an archive's: list only packed platforms"
            ));
        } else if let Some(j) = spec.platforms[..i]
            .iter()
            .position(|q| q.sha256 == p.sha256)
        {
            out.push(format!(
                "{at}.sha256 is also spec.platforms[{j}]'s: one archive cannot be two platforms'"
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

pub(crate) fn sha256_of(path: &Path) -> String {
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

/// The archive names of `platforms`, for the crate's version.
fn archive_names(platforms: &[(String, String)]) -> Vec<String> {
    platforms
        .iter()
        .map(|(os, arch)| {
            let ext = if os == "windows" { "zip" } else { "tar.gz" };
            format!(
                "kubectl-kmcp_v{}_{os}_{arch}.{ext}",
                env!("CARGO_PKG_VERSION")
            )
        })
        .collect()
}

/// krew/package.sh --manifest-only over stand-in archives (distinct contents) of `platforms`:
/// the template's rendering for them; returns the dist folder.
fn render_for(platforms: &[(String, String)]) -> tempfile::TempDir {
    let dist = tempfile::tempdir().unwrap();
    for name in archive_names(platforms) {
        std::fs::write(dist.path().join(&name), format!("stand-in {name}")).unwrap();
    }
    let out = package(&["--manifest-only", "--dist", dist.path().to_str().unwrap()]);
    assert_success("krew/package.sh --manifest-only", &out);
    dist
}

fn all_targets() -> Vec<(String, String)> {
    TARGETS
        .iter()
        .map(|(o, a)| (o.to_string(), a.to_string()))
        .collect()
}

#[test]
fn manifest_rules_reject_what_the_krew_index_rejects() {
    let good = read_manifest(&root().join("krew/kmcp.yaml"));
    assert_eq!(problems(PLUGIN, &good), Vec::<String>::new());
    // A release's manifest: all five platforms.
    let full_dist = render_for(&all_targets());
    let full_path = full_dist.path().join("kmcp.yaml");
    let full = read_manifest(&full_path);
    assert_eq!(problems(PLUGIN, &full), Vec::<String>::new());
    assert_eq!(full.spec.platforms.len(), 5);

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
            "placeholder sha",
            |m| m.spec.platforms[1].sha256 = "0".repeat(64),
            "spec.platforms[1].sha256 is a placeholder",
        ),
        (
            "one archive twice",
            |m| m.spec.platforms[2].sha256 = m.spec.platforms[0].sha256.clone(),
            "spec.platforms[2].sha256 is also spec.platforms[0]'s",
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
            "windows tar.gz",
            |m| {
                let win = m
                    .spec
                    .platforms
                    .iter_mut()
                    .find(|p| p.os_arch().0 == "windows");
                let win = win.unwrap();
                win.uri = win.uri.replace(".zip", ".tar.gz");
            },
            "is not the https address of kubectl-kmcp_v",
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
            "exe not installed",
            |m| {
                let win = m
                    .spec
                    .platforms
                    .iter_mut()
                    .find(|p| p.os_arch().0 == "windows");
                win.unwrap().files.retain(|f| f.from != "kubectl-kmcp.exe");
            },
            "files does not install kubectl-kmcp.exe",
        ),
        (
            "license",
            |m| m.spec.platforms[0].files.retain(|f| f.from != "LICENSE"),
            "does not install the LICENSE",
        ),
    ];
    for (case, edit, expected) in cases {
        let mut m = full.clone();
        edit(&mut m);
        let found = problems(PLUGIN, &m);
        assert!(
            found.iter().any(|p| p.contains(expected)),
            "case {case}: expected a problem with {expected:?}, got {found:?}"
        );
    }

    // The YAML types Krew's Go decoder wants: a field that is not a YAML string is refused, as
    // Krew refuses the whole manifest for it.
    let text = std::fs::read_to_string(&full_path).unwrap();
    let sha = &full.spec.platforms[1].sha256;
    let quoted = format!("sha256: \"{sha}\"");
    assert!(text.contains(&quoted), "the rendered sha256 is quoted");
    let typed_cases = [
        (
            format!("sha256: {}", "0".repeat(64)),
            "spec.platforms[1].sha256 is 0",
        ),
        (
            "sha256: 12345".to_string(),
            "spec.platforms[1].sha256 is 12345",
        ),
        (
            "sha256: true".to_string(),
            "spec.platforms[1].sha256 is true",
        ),
        ("sha256:".to_string(), "spec.platforms[1].sha256 is null"),
    ];
    for (line, expected) in typed_cases {
        let edited = text.replace(&quoted, &line);
        assert_ne!(edited, text);
        let err = parse(&edited).err().unwrap_or_default();
        assert!(
            err.contains(expected),
            "{line}: expected {expected:?}, got {err:?}"
        );
    }
    let edited = text.replacen("    bin: kubectl-kmcp\n", "    bin: 7\n", 1);
    let err = parse(&edited).err().unwrap_or_default();
    assert!(
        err.contains("spec.platforms[0].bin is 7, not a string"),
        "{err}"
    );
    let edited = text.replacen("        os: linux\n", "        os: 1\n", 1);
    let err = parse(&edited).err().unwrap_or_default();
    assert!(err.contains("selector.matchLabels.os is 1"), "{err}");
    let edited = text.replacen("  version: v", "  version: 1.0 #", 1);
    let err = parse(&edited).err().unwrap_or_default();
    assert!(err.contains("spec.version is 1.0, not a string"), "{err}");

    let unknown = text.replace("  homepage:", "  homepge:");
    assert!(parse(&unknown).is_err(), "a misspelt field must be refused");
}

#[test]
fn checked_in_manifest_lists_only_packed_platforms_and_is_the_template_rendered() {
    let checked_in_path = root().join("krew/kmcp.yaml");
    let checked_in = std::fs::read_to_string(&checked_in_path).unwrap();
    // parse() checks every field's YAML type; problems() the rules, real sha256s among them.
    let m = read_manifest(&checked_in_path);
    assert_eq!(problems(PLUGIN, &m), Vec::<String>::new());
    let platforms: Vec<(String, String)> = m.spec.platforms.iter().map(Platform::os_arch).collect();
    assert!(!platforms.is_empty());
    assert!(!checked_in.contains("not packed"), "no placeholder entries");

    // Rendered from the template for the same platforms, the file differs only in the sha256
    // values: it is the template's rendering, not a copy that can drift from it (or from the
    // crate's version).
    let dist = render_for(&platforms);
    let rendered = std::fs::read_to_string(dist.path().join("kmcp.yaml")).unwrap();
    // Its first lines name the commit it was rendered at.
    assert!(checked_in.starts_with(&format!(
        "# The Krew manifest of kubectl-kmcp v{}, rendered by krew/package.sh",
        env!("CARGO_PKG_VERSION")
    )));
    let without_sha = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| match l.find("sha256: ") {
                Some(i) => format!("{}sha256: ...", &l[..i]),
                None => l.to_string(),
            })
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
    let stderr = |out: &Output| String::from_utf8_lossy(&out.stderr).into_owned();
    let out = package(&["--binary", "/nonexistent/kubectl-kmcp", "--dist", d]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("/nonexistent/kubectl-kmcp: no such file"));
    let out = package(&["--os", "plan9", "--binary", "/bin/true", "--dist", d]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--os plan9"));
    let out = package(&["--frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
    let out = package(&[
        "--os",
        "windows",
        "--arch",
        "arm64",
        "--binary",
        "/bin/true",
        "--dist",
        d,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("only windows/amd64 is released"));

    // A binary of another platform, or a Linux one that needs a newer glibc (the test's own
    // debug build): refused, nothing packed.
    let out = package(&[
        "--binary",
        "/bin/true",
        "--os",
        "darwin",
        "--arch",
        "arm64",
        "--dist",
        d,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("is not a macOS (64-bit Mach-O) executable"),
        "{}",
        stderr(&out)
    );
    let out = package(&[
        "--binary",
        "/bin/true",
        "--os",
        "linux",
        "--arch",
        "arm64",
        "--dist",
        d,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("is not a linux/arm64 executable"),
        "{}",
        stderr(&out)
    );
    let debug = crate::harness::binary();
    let out = package(&["--binary", debug.to_str().unwrap(), "--dist", d]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("needs a glibc newer than 2.17"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_dir(dist.path()).unwrap().count(),
        0,
        "nothing packed"
    );

    let out = package(&["--manifest-only", "--dist", d]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no platform has an archive"));
    assert!(
        !dist.path().join("kmcp.yaml").exists(),
        "no manifest without an archive"
    );

    // --complete: a release lists every platform, so a missing archive is an error.
    let one = render_for(&all_targets()[..1]);
    let out = package(&[
        "--manifest-only",
        "--complete",
        "--dist",
        one.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    for name in &archive_names(&all_targets())[1..] {
        assert!(err.contains(name.as_str()), "{name} not named: {err}");
    }
    let all = render_for(&all_targets());
    let out = package(&[
        "--manifest-only",
        "--complete",
        "--dist",
        all.path().to_str().unwrap(),
    ]);
    assert_success("krew/package.sh --manifest-only --complete", &out);
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
    // The release archive of this machine's platform (glibc 2.17 build), as krew/package.sh packs
    // it, with the manifest it wrote.
    let release = release_build();
    let (os, arch) = host_platform();
    let version = format!("v{}", env!("CARGO_PKG_VERSION"));
    let archive = release.archive.clone();
    assert!(archive.ends_with(format!("kubectl-kmcp_{version}_{os}_{arch}.tar.gz")));
    let manifest_path = release.dist.join("kmcp.yaml");
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
        text(&out).contains(&format!("Client Version: {version}\nGit Commit: ")),
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
