//! Release artifacts and a local HTTP server for the install tests: a release of the cargo-built
//! binary made by the real `scripts/release --no-build` (the bare-binary tarball
//! `clearml-sso-X.Y.Z-<os>-<arch>.tar.gz`, the unsigned plugin tarball and `SHA256SUMS`), served
//! on 127.0.0.1 by the harness's HTTP server; and what the release workflow uploads.

use super::gpg::GpgHome;
/// The server of [`served_release`], for the tests that take its URL.
pub use super::http::Server;
use super::{bin, root, tool};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The version the release carries: Cargo.toml's.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The tarball's file name for this machine.
pub fn tarball_name() -> String {
    format!("clearml-sso-{VERSION}-{}.tar.gz", super::plugin_platform())
}

/// Makes this build's release in `dir` with the real `scripts/release --no-build`, signed with
/// a throwaway gpg key (whose fingerprint it returns): the cargo-built binary placed at
/// `bin/<os>-<arch>/clearml-sso` as a release job places the per-platform builds, then packaged
/// and signed by the script (Helm 4, `$HELM4_BIN`, packs the plugin; the bare tarball,
/// SHA256SUMS, SHA256SUMS.asc and the pinned install scripts are the script's own). The binary is
/// not the static release build (tests/release/e2e.rs makes that once): the install scripts do
/// not care how it was linked, and one static build per test binary would cost minutes. `bin/`
/// is removed afterwards: a GitHub release holds only the packaged files.
pub fn make_release(dir: &Path) -> String {
    let gnupg = GpgHome::with_key("clearml-sso test release <test-release@example.invalid>");
    let fpr = fingerprint(&gnupg);
    make_release_from(&root(), dir, &gnupg, &bin());
    assert!(dir.join(tarball_name()).is_file(), "no {}", tarball_name());
    // Stop the agent gpg started to sign.
    drop(gnupg);
    fpr
}

/// [`make_release`] of the checkout at `src` (its Cargo.toml's version; `scripts/release` and
/// the install scripts it publishes are `src`'s), signed with the one key in `gnupg`, packaging
/// `binary` as this machine's build: tests/release/rollback.rs makes several releases with one
/// key this way.
pub fn make_release_from(src: &Path, dir: &Path, gnupg: &GpgHome, binary: &Path) {
    let platform_dir = dir.join("bin").join(super::plugin_platform());
    std::fs::create_dir_all(&platform_dir).unwrap();
    std::fs::copy(binary, platform_dir.join("clearml-sso")).unwrap();
    let fpr = fingerprint(gnupg);
    let helm4 = tool("HELM4_BIN");
    let out = Command::new(src.join("scripts/release"))
        .arg("--no-build")
        // The images are tests/release/images.rs's: these tests install the binary and plugin.
        .arg("--no-images")
        .arg(dir)
        .env("HELM_BIN", &helm4)
        .env("GNUPGHOME", gnupg.path())
        .env("CLEARML_SSO_SIGN_KEY", &fpr)
        .env_remove("CLEARML_SSO_SIGN_PASSPHRASE_FILE")
        .stdin(Stdio::null())
        .output()
        .expect("scripts/release");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "scripts/release --no-build failed: {stderr}"
    );
    assert!(!stderr.contains("NOT signed"), "signed: {stderr}");
    for name in [
        "SHA256SUMS",
        "SHA256SUMS.asc",
        "install-binary",
        "install-plugin",
    ] {
        assert!(
            dir.join(name).is_file(),
            "scripts/release made no {name}: {stderr}"
        );
    }
    std::fs::remove_dir_all(dir.join("bin")).unwrap();
}

/// The fingerprint of the one secret key in `home`.
pub fn fingerprint(home: &GpgHome) -> String {
    let listed = home.gpg(&["--batch", "--with-colons", "--list-secret-keys"]);
    super::text(&listed.stdout)
        .lines()
        .find(|l| l.starts_with("fpr:"))
        .and_then(|l| l.split(':').nth(9))
        .expect("a secret key's fingerprint")
        .to_string()
}

/// The signed release of this test binary, made once, never served or changed: the install
/// scripts as published (pinned to its key) and the key as a user obtains it come from here.
pub struct Made {
    dir: tempfile::TempDir,
    /// The signing key's fingerprint, pinned in the published scripts.
    pub fpr: String,
}

pub fn made() -> &'static Made {
    static MADE: std::sync::OnceLock<Made> = std::sync::OnceLock::new();
    MADE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let fpr = make_release(dir.path());
        Made { dir, fpr }
    })
}

impl Made {
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
    /// The release key's public half, as a user who obtained it elsewhere holds it.
    pub fn key(&self) -> PathBuf {
        self.path().join("clearml-sso-signing-key.gpg")
    }
    /// An install script as the release published it (its key pinned).
    pub fn script(&self, name: &str) -> PathBuf {
        self.path().join(name)
    }
}

/// A release directory of its own (tests may tamper with it) and its server: a copy of
/// [`made`].
pub fn served_release() -> (tempfile::TempDir, Server) {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(made().path()).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    let server = Server::serve(dir.path());
    (dir, server)
}

/// What a hostile mirror does to the release in `dir`; each replaces this machine's tarball with
/// one whose `clearml-sso` is a shell script that claims the version, so only the signature can
/// tell it from the real one.
#[derive(Clone, Copy, Debug)]
pub enum Mirror {
    /// SHA256SUMS rewritten to match the fake tarball; the signature left as it was.
    RewrittenSums,
    /// The sums rewritten, signed by another key, whose public half replaces
    /// clearml-sso-signing-key.gpg.
    ResignedByAnotherKey,
    /// The sums rewritten and SHA256SUMS.asc removed.
    NoSignature,
}

/// The fake binary's marker: what it prints besides the version.
pub const FAKE: &str = "fake clearml-sso from a hostile mirror";

pub fn tamper(dir: &Path, how: Mirror) {
    let stage = tempfile::tempdir().unwrap();
    let exe = stage.path().join("clearml-sso");
    std::fs::write(
        &exe,
        format!("#!/bin/sh\necho clearml-sso {VERSION}\necho '{FAKE}' >&2\n"),
    )
    .unwrap();
    std::fs::set_permissions(&exe, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    std::fs::write(stage.path().join("LICENSE"), "fake\n").unwrap();
    let tarball = tarball_name();
    let tar = Command::new(super::system_tool("tar"))
        .arg("-czf")
        .arg(dir.join(&tarball))
        .arg("-C")
        .arg(stage.path())
        .args(["clearml-sso", "LICENSE"])
        .status()
        .unwrap();
    assert!(tar.success());
    let sum = Command::new(super::system_tool("sha256sum"))
        .arg(&tarball)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(sum.status.success());
    let sum = super::text(&sum.stdout);
    let sums = std::fs::read_to_string(dir.join("SHA256SUMS")).unwrap();
    let rewritten: String = sums
        .lines()
        .map(|l| {
            if l.ends_with(&format!("  {tarball}")) {
                sum.trim_end().to_string() + "\n"
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    assert_ne!(rewritten, sums);
    std::fs::write(dir.join("SHA256SUMS"), rewritten).unwrap();
    match how {
        Mirror::RewrittenSums => {}
        Mirror::NoSignature => std::fs::remove_file(dir.join("SHA256SUMS.asc")).unwrap(),
        Mirror::ResignedByAnotherKey => {
            let other = GpgHome::with_key("not the release key <mallory@example.invalid>");
            let sums = dir.join("SHA256SUMS");
            let asc = dir.join("SHA256SUMS.asc");
            other.detach_sign(&sums, &asc);
            let key = other.gpg(&["--batch", "--export"]);
            assert!(key.status.success() && !key.stdout.is_empty());
            std::fs::write(dir.join("clearml-sso-signing-key.gpg"), key.stdout).unwrap();
        }
    }
}

/// `scripts/install-binary` as the release published it (the release key pinned).
pub fn install_script() -> PathBuf {
    made().script("install-binary")
}

/// Runs the composite action `action.yml` as the runner does: its one `bash` step with
/// `${{ inputs.NAME }}` replaced by the `with:` value or the input's default, GITHUB_PATH and
/// RUNNER_TEMP in `runner_temp`, GITHUB_ACTION_PATH the action as checked out at the release's
/// tag: this repository's action.yml and scripts, whose install-binary pins the release key
/// (`scripts/release --require-pin` makes sure of that for a real release; here it is the copy
/// the test release published, which is the repository's with the pin written in).
/// Returns the step's output and the lines the step added to GITHUB_PATH (which the runner
/// puts in front of PATH for the next steps).
pub fn run_action(
    with: &[(&str, &str)],
    runner_temp: &Path,
) -> (std::process::Output, Vec<String>) {
    use serde_yaml::Value;
    let action: Value =
        serde_yaml::from_str(&std::fs::read_to_string(root().join("action.yml")).unwrap()).unwrap();
    assert_eq!(action["runs"]["using"], "composite");
    let names: Vec<String> = action["inputs"]
        .as_mapping()
        .unwrap()
        .keys()
        .map(|k| k.as_str().unwrap().to_string())
        .collect();
    for (k, _) in with {
        assert!(names.iter().any(|n| n == k), "the action has no input {k}");
    }
    let input = |name: &str| -> String {
        with.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
            .unwrap_or_else(|| action["inputs"][name]["default"].as_str().unwrap().into())
    };
    let expand = |s: &str| -> String {
        let mut out = s.to_string();
        for name in &names {
            out = out.replace(&format!("${{{{ inputs.{name} }}}}"), &input(name));
        }
        assert!(
            !out.contains("${{"),
            "an expression the test does not expand: {out}"
        );
        out
    };
    let steps = action["runs"]["steps"].as_sequence().unwrap();
    assert_eq!(steps.len(), 1, "one step");
    let step = &steps[0];
    assert_eq!(step["shell"], "bash");
    let gh_path = runner_temp.join("github_path");
    std::fs::write(&gh_path, "").unwrap();
    let env: Vec<(String, String)> = step["env"]
        .as_mapping()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.as_str().unwrap().into(), expand(v.as_str().unwrap())))
        .collect();
    let action_dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(action_dir.path().join("scripts")).unwrap();
    std::fs::copy(
        root().join("action.yml"),
        action_dir.path().join("action.yml"),
    )
    .unwrap();
    std::fs::copy(
        install_script(),
        action_dir.path().join("scripts/install-binary"),
    )
    .unwrap();
    let root_dir = action_dir.path().to_path_buf();
    let mut vars: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    vars.extend([
        ("GITHUB_ACTION_PATH", root_dir.to_str().unwrap()),
        ("GITHUB_PATH", gh_path.to_str().unwrap()),
        ("RUNNER_TEMP", runner_temp.to_str().unwrap()),
    ]);
    // The runner's `bash` shell: `bash --noprofile --norc -eo pipefail {0}`.
    let script = runner_temp.join("action-step.sh");
    std::fs::write(&script, expand(step["run"].as_str().unwrap())).unwrap();
    let out = super::run_in(
        Path::new("/bin/bash"),
        &[
            "--noprofile",
            "--norc",
            "-eo",
            "pipefail",
            script.to_str().unwrap(),
        ],
        b"",
        Some(runner_temp),
        &vars,
    );
    let added = std::fs::read_to_string(&gh_path)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    (out, added)
}

/// The files the release workflow (`.github/workflows/release.yml`) uploads to the GitHub
/// release, as patterns relative to its OUTDIR (`*` matches any text), for `version`: the
/// `out/…` arguments of its `gh release create`.
pub fn workflow_uploads(version: &str) -> Vec<String> {
    use serde_yaml::Value;
    let path = root().join(".github/workflows/release.yml");
    let workflow: Value = serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let creates: Vec<&str> = workflow["jobs"]["publish"]["steps"]
        .as_sequence()
        .expect("release.yml has a publish job with steps")
        .iter()
        .filter_map(|s| s["run"].as_str())
        .filter(|r| r.contains("gh release create"))
        .collect();
    assert_eq!(
        creates.len(),
        1,
        "one `gh release create` step: {creates:?}"
    );
    let command = creates[0].replace("\\\n", " ");
    let command = &command[command.find("gh release create").unwrap()..];
    let command = command.lines().next().unwrap();
    let uploads: Vec<String> = command
        .split_whitespace()
        .filter(|w| w.trim_start_matches('"').starts_with("out/"))
        .map(|w| {
            let w = w.replace('"', "").replace("${version}", version);
            let w = w.replace("$version", version);
            assert!(!w.contains('$'), "a variable this test does not know: {w}");
            w["out/".len()..].to_string()
        })
        .collect();
    assert!(!uploads.is_empty(), "no out/ files in: {command}");
    uploads
}

/// `name` matches `pattern`, whose `*` matches any text.
pub fn glob_matches(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((head, tail)) => {
            name.starts_with(head)
                && (head.len()..=name.len())
                    .any(|i| name.is_char_boundary(i) && glob_matches(tail, &name[i..]))
        }
    }
}
