//! Release artifacts and a local HTTP server for the install tests: a release of the cargo-built
//! binary made by the real `scripts/release --no-build` (the bare-binary tarball
//! `clearml-sso-X.Y.Z-<os>-<arch>.tar.gz`, the unsigned plugin tarball and `SHA256SUMS`), served
//! on 127.0.0.1 by the harness's HTTP server; and what the release workflow uploads.

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

/// Makes this build's release in `dir` with the real `scripts/release --no-build`: the cargo-built
/// binary placed at `bin/<os>-<arch>/clearml-sso` as a release job places the per-platform
/// builds, then packaged by the script (Helm 4, `$HELM4_BIN`, packs the plugin; the bare tarball
/// and SHA256SUMS are the script's own). Without a signing key (an empty GNUPGHOME) the plugin is
/// unsigned, which the script warns about; these tests use the bare tarball and SHA256SUMS. The
/// binary is not the static release build (tests/release/e2e.rs makes that once): the install
/// scripts do not care how it was linked, and one static build per test binary would cost
/// minutes. `bin/` is removed afterwards: a GitHub release holds only the packaged files.
pub fn make_release(dir: &Path) {
    let platform_dir = dir.join("bin").join(super::plugin_platform());
    std::fs::create_dir_all(&platform_dir).unwrap();
    std::fs::copy(bin(), platform_dir.join("clearml-sso")).unwrap();
    let gnupg = super::gpg::GpgHome::empty();
    let helm4 = tool("HELM4_BIN");
    let out = Command::new(root().join("scripts/release"))
        .arg("--no-build")
        .arg(dir)
        .env("HELM_BIN", &helm4)
        .env("GNUPGHOME", gnupg.path())
        .env_remove("CLEARML_SSO_SIGN_KEY")
        .env_remove("CLEARML_SSO_SIGN_PASSPHRASE_FILE")
        .stdin(Stdio::null())
        .output()
        .expect("scripts/release");
    // gpg started an agent for the empty home while looking for a key: stop it.
    drop(gnupg);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "scripts/release --no-build failed: {stderr}"
    );
    assert!(
        stderr.contains("WARNING: no gpg secret key found"),
        "unsigned, and said so: {stderr}"
    );
    assert!(
        dir.join(tarball_name()).is_file() && dir.join("SHA256SUMS").is_file(),
        "scripts/release made no {} or SHA256SUMS: {stderr}",
        tarball_name()
    );
    std::fs::remove_dir_all(dir.join("bin")).unwrap();
}

/// A release directory of its own (tests may tamper with it) and its server. The release is
/// made once per test binary and copied: packing the debug binary takes seconds.
pub fn served_release() -> (tempfile::TempDir, Server) {
    static MADE: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    let made = MADE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        make_release(dir.path());
        dir
    });
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(made.path()).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    let server = Server::serve(dir.path());
    (dir, server)
}

/// `scripts/install-binary`.
pub fn install_script() -> PathBuf {
    root().join("scripts/install-binary")
}

/// Runs the composite action `action.yml` as the runner does: its one `bash` step with
/// `${{ inputs.NAME }}` replaced by the `with:` value or the input's default,
/// GITHUB_ACTION_PATH the repository root, GITHUB_PATH and RUNNER_TEMP in `runner_temp`.
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
    let root_dir = root();
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
