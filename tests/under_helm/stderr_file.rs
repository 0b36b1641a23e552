//! Helm's stderr redirected to a regular file, on a machine where this program cannot duplicate
//! Helm's descriptor (`pidfd_getfd` fails: Linux before 5.6 such as RHEL 8's 4.18, or Yama's
//! ptrace_scope 1 for a non-root user, Ubuntu's default). Simulated with real Helm started under
//! a seccomp filter that makes `pidfd_getfd` fail with EPERM, as Yama does; the filter is
//! inherited by the post-renderer. Our own open of the file does not move Helm's offset, so what
//! Helm writes next lands on our message: a failure under Helm 4 with `2>log` read as Helm's
//! error line followed by the tail of ours, its start overwritten. Now: with `2>>log` the whole
//! message, before Helm's line; without append, nothing of ours (the terminal, if any, gets it).

use crate::harness::helm::HelmHome;
use crate::harness::*;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Runs argv[1:] with `pidfd_getfd` (438 on x86_64 and aarch64) failing with EPERM.
const NO_PIDFD_GETFD: &str = r#"
import ctypes, os, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
def ins(code, k, jt=0, jf=0): return struct.pack('HBBI', code, jt, jf, k)
LD, JEQ, RET, ALLOW, EPERM = 0x20, 0x15, 0x06, 0x7fff0000, 0x00050001
prog = b''.join([
    ins(LD, 4), ins(JEQ, 0xC000003E, 1, 0), ins(JEQ, 0xC00000B7, 0, 3),
    ins(LD, 0), ins(JEQ, 438, 0, 1), ins(RET, EPERM),
    ins(RET, ALLOW)])
buf = ctypes.create_string_buffer(prog)
class Prog(ctypes.Structure): _fields_ = [('len', ctypes.c_ushort), ('filter', ctypes.c_void_p)]
p = Prog(len(prog) // 8, ctypes.addressof(buf))
assert libc.prctl(38, 1, 0, 0, 0) == 0, 'no_new_privs'
assert libc.prctl(22, 2, ctypes.byref(p), 0, 0) == 0, 'seccomp %d' % ctypes.get_errno()
os.execv(sys.argv[1], sys.argv[1:])
"#;

/// What these tests do with a private Helm home (tests/harness/helm.rs).
impl HelmHome {
    /// `helm template` of the example chart under the filter, in a new session (no terminal),
    /// stdout to `out` and stderr to `err` (the same open file for `2>&1`).
    fn template(&self, helm: &Path, renderer: &str, policy: &str, out: File, err: File) -> bool {
        let mut cmd = Command::new(tool("CLEARML_SSO_PYTHON"));
        cmd.args(["-c", NO_PIDFD_GETFD])
            .arg(helm)
            .args(["template", "clearml", "examples/chart/clearml"])
            .args(["-f", "examples/values-sso-secret.yaml"])
            .args(["--post-renderer", renderer, "--post-renderer-args"])
            .arg(format!("--policy={policy}"))
            .current_dir(root())
            .env_remove("HELM_PLUGIN_NAME")
            .env_remove("HELM_PLUGIN_DIR")
            .envs(self.env())
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        // setsid: no controlling terminal, so the terminal fallback cannot hide the result.
        unsafe {
            std::os::unix::process::CommandExt::pre_exec(&mut cmd, || {
                libc::setsid();
                Ok(())
            });
        }
        cmd.status().unwrap().success()
    }
}

fn policy_missing_secret() -> String {
    root()
        .join("tests/fixtures/policies/keycloak-in-stream.toml")
        .display()
        .to_string()
}

fn open(path: &Path, append: bool) -> File {
    std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .append(append)
        .truncate(!append)
        .open(path)
        .unwrap()
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn a_failure_under_helm4_is_whole_or_absent_in_a_log_file_without_pidfd_getfd() {
    let home = HelmHome::new();
    home.install_plugin();
    let helm4 = tool("HELM4_BIN");
    let dir = tempfile::tempdir().unwrap();
    for (what, append) in [("2>log", false), ("2>>log", true)] {
        let log = dir.path().join(format!("{append}.log"));
        let out = File::create(dir.path().join("out.yaml")).unwrap();
        let ok = failing(&home, &helm4, out, open(&log, append));
        assert!(!ok, "{what}: the render should fail");
        let log = std::fs::read_to_string(&log).unwrap();
        let helm_line = log
            .find("Error: ")
            .unwrap_or_else(|| panic!("{what}: Helm's own line:\n{log}"));
        let ours = log.find("Error from the clearml-sso post-renderer:");
        if append {
            // All of ours, once, then Helm's line.
            assert!(ours.is_some_and(|o| o < helm_line), "{what}:\n{log}");
            assert_eq!(
                log.matches("error[missing-secret]").count(),
                2,
                "{what}:\n{log}"
            );
            assert!(
                log.contains("render refused; nothing was written"),
                "{what}:\n{log}"
            );
        } else {
            // Helm's line alone: never a tail of ours under it.
            assert!(ours.is_none(), "{what}:\n{log}");
            assert!(
                !log.contains("missing-secret") && !log.contains("clearml-sso:"),
                "{what}: a fragment of the message survived under Helm's line:\n{log}"
            );
        }
    }
}

/// The example chart without its values (no Secret in the release) and a policy that expects
/// the Secret there: the render fails.
fn failing(home: &HelmHome, helm4: &Path, out: File, err: File) -> bool {
    let mut cmd = Command::new(tool("CLEARML_SSO_PYTHON"));
    cmd.args(["-c", NO_PIDFD_GETFD])
        .arg(helm4)
        .args(["template", "clearml", "examples/chart/clearml"])
        .args(["--post-renderer", "clearml-sso", "--post-renderer-args"])
        .arg(format!("--policy={}", policy_missing_secret()))
        .current_dir(root())
        .env_remove("HELM_PLUGIN_NAME")
        .env_remove("HELM_PLUGIN_DIR")
        .envs(home.env())
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err);
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut cmd, || {
            libc::setsid();
            Ok(())
        });
    }
    cmd.status().unwrap().success()
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn a_success_summary_never_lands_in_the_manifests_without_pidfd_getfd() {
    let home4 = HelmHome::new();
    home4.install_plugin();
    let bin = bin().display().to_string();
    let keycloak: PathBuf = root().join("policies/keycloak.toml");
    for (name, home, helm, renderer) in [
        ("Helm 3", HelmHome::new(), tool("HELM3_BIN"), bin.as_str()),
        ("Helm 4", home4, tool("HELM4_BIN"), "clearml-sso"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        // `>out.yaml 2>&1`: one open file for both.
        let both = dir.path().join("both.yaml");
        let file = open(&both, false);
        let ok = home.template(
            &helm,
            renderer,
            keycloak.to_str().unwrap(),
            file.try_clone().unwrap(),
            file,
        );
        assert!(ok, "{name}");
        let text = std::fs::read_to_string(&both).unwrap();
        let stream: String = text
            .lines()
            .filter(|l| !l.starts_with("failed to load plugins"))
            .map(|l| format!("{l}\n"))
            .collect();
        assert!(!stream.contains("clearml-sso:"), "{name}:\n{stream}");
        // Valid manifests, the apiserver corrected.
        let env = pod_env(&stream, "clearml-apiserver", "clearml-apiserver");
        assert!(
            env.contains_key("CLEARML__services__login__sso__oauth_client__keycloak__base_url"),
            "{name}: {env:?}"
        );
        // `>out.yaml 2>>log`: the summary whole in the log.
        let log = dir.path().join("log");
        let ok = home.template(
            &helm,
            renderer,
            keycloak.to_str().unwrap(),
            open(&dir.path().join("out.yaml"), false),
            open(&log, true),
        );
        assert!(ok, "{name}");
        let log = std::fs::read_to_string(&log).unwrap();
        assert_eq!(
            log.matches("clearml-sso: Deployment clearml-apiserver")
                .count(),
            1,
            "{name}:\n{log}"
        );
        assert!(
            log.contains("run `clearml-sso diff` to see them"),
            "{name}:\n{log}"
        );
    }
}
