//! Release artifacts and a local HTTP server for the install tests: the bare-binary tarball and
//! `SHA256SUMS` of the release contract (`clearml-sso-X.Y.Z-<os>-<arch>.tar.gz` holding
//! `clearml-sso` and `LICENSE` at the top level; `SHA256SUMS` in `sha256sum` format), made
//! from the cargo-built binary, served by Python's `http.server` on 127.0.0.1.

use super::{bin, root, tool};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The version the release carries: Cargo.toml's.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// This machine's `<os>-<arch>` as the release names it.
pub fn platform() -> String {
    let os = match std::env::consts::OS {
        "linux" => "linux",
        "macos" => "darwin",
        other => panic!("no release platform for the OS {other}"),
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => panic!("no release platform for the architecture {other}"),
    };
    format!("{os}-{arch}")
}

/// The tarball's file name for this machine.
pub fn tarball_name() -> String {
    format!("clearml-sso-{VERSION}-{}.tar.gz", platform())
}

fn ok(cmd: &mut Command) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Writes this machine's tarball and `SHA256SUMS` into `dir` (made by `tar` and `sha256sum`,
/// as `scripts/release` does).
pub fn make_release(dir: &Path) {
    let stage = tempfile::tempdir().unwrap();
    std::fs::copy(bin(), stage.path().join("clearml-sso")).unwrap();
    let mut files = vec!["clearml-sso"];
    if root().join("LICENSE").exists() {
        std::fs::copy(root().join("LICENSE"), stage.path().join("LICENSE")).unwrap();
        files.push("LICENSE");
    }
    ok(Command::new("tar")
        .arg("-czf")
        .arg(dir.join(tarball_name()))
        .arg("-C")
        .arg(stage.path())
        .args(&files));
    let sums = Command::new("sha256sum")
        .arg(tarball_name())
        .current_dir(dir)
        .output()
        .expect("sha256sum");
    assert!(sums.status.success());
    std::fs::write(dir.join("SHA256SUMS"), sums.stdout).unwrap();
}

/// `python3 -m http.server` serving a directory on 127.0.0.1 (a free port); stopped on drop.
pub struct Server {
    child: Child,
    pub url: String,
}

impl Server {
    pub fn serve(dir: &Path) -> Server {
        let python = tool("CLEARML_SSO_PYTHON");
        let mut child = Command::new(python)
            .args(["-u", "-m", "http.server", "--bind", "127.0.0.1", "0"])
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 -m http.server");
        // "Serving HTTP on 127.0.0.1 port 41234 (http://127.0.0.1:41234/) ..."
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .split(" port ")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .unwrap_or_else(|| panic!("http.server did not say its port: {line:?}"));
        Server {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A release directory of its own (tests may tamper with it) and its server. The release is
/// made once per test binary and copied: compressing the debug binary takes seconds.
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
