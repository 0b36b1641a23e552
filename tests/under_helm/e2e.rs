//! End to end with real Helm: Helm 3.17.2 runs the binary by path, Helm 4.1.4 runs it as the
//! plugin installed from this repository's `plugin.yaml` with `helm plugin install`.
//! The ClearML config the apiserver ends up with is read back through pyhocon. The tests with
//! real Helm are ignored under plain `cargo test` and run by `scripts/test`; the ones with a
//! copy of `/bin/sh` posing as Helm run anywhere.

use crate::harness::helm::HelmHome;
use crate::harness::*;
use serde_json::json;
use std::path::{Path, PathBuf};

const CHART: &str = "examples/chart/clearml";
const VALUES: &str = "examples/values-sso-secret.yaml";
const KEYCLOAK_SECRET: &str = "9yq2Xl0bF8tV3nRkC4sWmJ7eHdPaZu1G";

fn policy(name: &str) -> String {
    format!("--policy={}", root().join("policies").join(name).display())
}

/// The Keycloak policy that expects Secret `clearml-sso` in the release (the bundled ones
/// declare it external, so they render the chart without it).
fn in_release_policy() -> String {
    format!(
        "--policy={}",
        root()
            .join("tests/fixtures/policies/keycloak-in-stream.toml")
            .display()
    )
}

fn assert_keycloak_settings(stream: &str) {
    let config = clearml_config(stream, "clearml-apiserver", "clearml-apiserver");
    assert_eq!(
        sso(&config, "services", "keycloak"),
        &json!({
            "base_url": "https://sso.acme.test/realms/clearml/",
            "authorize_url": "https://sso.acme.test/realms/clearml/protocol/openid-connect/auth",
            "access_token_url": "https://sso.acme.test/realms/clearml/protocol/openid-connect/token",
            "idp_logout": true,
            "claims": {"name": "preferred_username"},
            "groups": {
                "enabled": true,
                "claim": "groups",
                "admins": ["clearml-admins"],
                "prohibit_user_signup_if_not_in_group": true
            }
        })
    );
    assert_eq!(
        sso(&config, "secure", "keycloak"),
        &json!({"client_id": "clearml", "client_secret": KEYCLOAK_SECRET})
    );
    // The twin running the same container name is not a target.
    let twin = pod_env(stream, "clearml-apiserver-asyncdelete", "clearml-apiserver");
    assert!(twin.keys().all(|k| !k.contains("login__sso")), "{twin:?}");
}

fn helm3() -> PathBuf {
    tool("HELM3_BIN")
}
fn helm4() -> PathBuf {
    tool("HELM4_BIN")
}

/// `helm template clearml CHART [-f VALUES] --post-renderer R --post-renderer-args --policy=P`.
/// `renderer` is the binary's path for Helm 3 and the plugin name for Helm 4.
fn template(
    home: &HelmHome,
    helm: &Path,
    renderer: &str,
    policy: &str,
    with_values: bool,
) -> std::process::Output {
    let mut args = vec!["template", "clearml", CHART];
    if with_values {
        args.extend(["-f", VALUES]);
    }
    args.extend(["--post-renderer", renderer, "--post-renderer-args", policy]);
    home.run(helm, &args)
}

fn bin_path() -> String {
    bin().display().to_string()
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn helm3_post_renderer_gives_the_apiserver_the_policy_settings() {
    let helm = helm3();
    let home = HelmHome::new();
    let out = template(&home, &helm, &bin_path(), &policy("keycloak.toml"), true);
    assert!(out.status.success(), "helm 3 failed: {}", text(&out.stderr));
    assert_keycloak_settings(&text(&out.stdout));
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn helm4_plugin_gives_the_apiserver_the_policy_settings() {
    let helm = helm4();
    let home = HelmHome::new();
    home.install_plugin();
    let out = template(&home, &helm, "clearml-sso", &policy("keycloak.toml"), true);
    assert!(out.status.success(), "helm 4 failed: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert_keycloak_settings(&stdout);
    assert!(
        !stdout.contains("postrender-filename"),
        "Helm 4 strips its annotation after mapping files back"
    );
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn helm4_relative_policy_path_resolves_against_the_users_directory() {
    let helm = helm4();
    let home = HelmHome::new();
    home.install_plugin();
    let out = template(
        &home,
        &helm,
        "clearml-sso",
        "--policy=policies/auth0.toml",
        true,
    );
    assert!(out.status.success(), "helm 4 failed: {}", text(&out.stderr));
    let config = clearml_config(&text(&out.stdout), "clearml-apiserver", "clearml-apiserver");
    assert_eq!(
        sso(&config, "services", "auth0")["authorize_url"],
        "https://acme.eu.auth0.com/authorize"
    );
    assert_eq!(sso(&config, "secure", "auth0")["client_id"], "1a2b3c");
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn helm3_fails_and_names_the_missing_secret() {
    let helm = helm3();
    let home = HelmHome::new();
    // Without the values file the chart does not create Secret clearml-sso.
    let out = template(&home, &helm, &bin_path(), &in_release_policy(), false);
    assert!(!out.status.success());
    assert!(
        out.stdout.is_empty(),
        "nothing may be rendered: {}",
        text(&out.stdout)
    );
    let err = text(&out.stderr);
    assert!(
        err.contains("error[missing-secret]: Secret `clearml-sso`"),
        "{err}"
    );
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn helm4_fails_and_the_user_sees_the_missing_secret() {
    let helm = helm4();
    let home = HelmHome::new();
    home.install_plugin();
    let out = template(&home, &helm, "clearml-sso", &in_release_policy(), false);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let err = text(&out.stderr);
    // Helm 4 drops the plugin's stderr; the reason must reach Helm's stderr anyway.
    assert!(
        err.contains("plugin \"clearml-sso\" exited with error"),
        "{err}"
    );
    assert_eq!(
        err.matches("error[missing-secret]: Secret `clearml-sso` (key `keycloak_client_secret`)")
            .count(),
        1,
        "the user must see why, exactly once: {err}"
    );
    assert_eq!(err.matches("render refused").count(), 1, "{err}");
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn untouched_documents_are_byte_identical_and_render_is_idempotent() {
    let helm = helm3();
    let home = HelmHome::new();
    let out = home.run(&helm, &["template", "clearml", CHART, "-f", VALUES]);
    assert!(out.status.success());
    let input = text(&out.stdout);
    let first = run(&[&policy("keycloak.toml")], input.as_bytes());
    assert!(first.status.success(), "{}", text(&first.stderr));
    let output = text(&first.stdout);
    let split = |s: &str| -> Vec<String> {
        clearml_sso::stream::split(s)
            .iter()
            .map(|d| d.raw.to_string())
            .collect()
    };
    let (a, b) = (split(&input), split(&output));
    assert_eq!(a.len(), b.len(), "document count and order are kept");
    let mut changed = 0;
    for (x, y) in a.iter().zip(&b) {
        if x != y {
            changed += 1;
            assert!(
                x.contains("name: clearml-apiserver\n"),
                "only the apiserver may change:\n{x}"
            );
            assert!(
                y.starts_with("---\n# Source: clearml/templates/apiserver-deployment.yaml\n"),
                "{y}"
            );
        }
    }
    assert_eq!(changed, 1);
    let second = run(&[&policy("keycloak.toml")], output.as_bytes());
    assert!(second.status.success());
    assert_eq!(
        text(&second.stdout),
        output,
        "rendering the output again changes nothing"
    );
    assert!(
        text(&second.stderr).is_empty(),
        "no findings on the second run: {}",
        text(&second.stderr)
    );
}

/// Every bundled policy, through Helm 3 (binary path) and Helm 4 (plugin), gives the apiserver
/// exactly the policy's settings as ClearML reads them; and `clearml-sso values` fed to the
/// chart without the post-renderer gives ClearML the same SSO configuration.
#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn every_bundled_policy_renders_and_values_give_the_same_config() {
    let (helm3, helm4) = (helm3(), helm4());
    let home = HelmHome::new();
    home.install_plugin();
    let mut policies: Vec<PathBuf> = std::fs::read_dir(root().join("policies"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    policies.sort();
    assert!(
        policies.len() >= 7,
        "a policy per seed provider: {policies:?}"
    );
    for path in &policies {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let policy =
            clearml_sso::policy::parse(&std::fs::read_to_string(path).unwrap(), &name).unwrap();
        let flag = format!("--policy={}", path.display());
        let mut configs = Vec::new();
        for (helm, renderer) in [(&helm3, bin_path()), (&helm4, "clearml-sso".to_string())] {
            let out = template(&home, helm, &renderer, &flag, true);
            assert!(
                out.status.success(),
                "{name} via {}: {}",
                helm.display(),
                text(&out.stderr)
            );
            let stream = text(&out.stdout);
            let config = clearml_config(&stream, "clearml-apiserver", "clearml-apiserver");
            assert_policy_applied(&config, &policy, &stream, &name);
            configs.push(config);
        }
        // `values` → chart without post-renderer → the same SSO configuration.
        let values = run(&["values", &flag], b"");
        assert!(values.status.success(), "{}", text(&values.stderr));
        let dir = tempfile::tempdir().unwrap();
        let file = temp_file(&dir, "clearml-values.override.yaml", &text(&values.stdout));
        let out = home.run(
            &helm3,
            &[
                "template",
                "clearml",
                CHART,
                "-f",
                VALUES,
                "-f",
                file.to_str().unwrap(),
            ],
        );
        assert!(out.status.success(), "{name} values: {}", text(&out.stderr));
        let from_values =
            clearml_config(&text(&out.stdout), "clearml-apiserver", "clearml-apiserver");
        for section in ["secure", "services"] {
            assert_eq!(
                from_values[section]["login"]["sso"], configs[0][section]["login"]["sso"],
                "{name}: values and post-renderer give ClearML different {section} SSO settings"
            );
        }
        assert_eq!(
            configs[0], configs[1],
            "{name}: Helm 3 and Helm 4 give ClearML the same config"
        );
    }
}

// Seen under Helm: Helm 3 and Helm 4 both drop a post-renderer's stderr when it succeeds, so a
// summary of what the render did is written to Helm's own stderr.

/// A non-secret value the drift values put in `base_url` (the findings quote it; the summary
/// must not), and the client secret written as a literal.
const DRIFTED_URL: &str = "https://drifted.other.test/realms/clearml/";
const LITERAL_SECRET: &str = "PlainLeakedSecret123";

/// Values that add drift to the apiserver: a wrong `base_url`, the client secret as a literal.
fn drift_values(dir: &tempfile::TempDir) -> PathBuf {
    temp_file(
        dir,
        "drift.yaml",
        &format!(
            "apiserver:\n  extraEnvs:\n    - name: CLEARML__services__login__sso__oauth_client__keycloak__base_url\n      value: \"{DRIFTED_URL}\"\n    - name: CLEARML__secure__login__sso__oauth_client__keycloak__client_secret\n      value: \"{LITERAL_SECRET}\"\n"
        ),
    )
}

/// `helm template clearml CHART -f VALUES -f EXTRA… --post-renderer R` with each of
/// `renderer_args` as a `--post-renderer-args`.
fn template_with(
    home: &HelmHome,
    helm: &Path,
    renderer: &str,
    extra_values: &[&Path],
    renderer_args: &[&str],
) -> std::process::Output {
    let mut args = vec!["template", "clearml", CHART, "-f", VALUES];
    for v in extra_values {
        args.extend(["-f", v.to_str().unwrap()]);
    }
    args.extend(["--post-renderer", renderer]);
    for a in renderer_args {
        args.extend(["--post-renderer-args", a]);
    }
    home.run(helm, &args)
}

/// Helm 3 with the binary's path, and Helm 4 with the plugin installed, each in a home of its
/// own (Helm 3 fails on every command when a Helm 4 plugin is in its plugin directory).
fn both_helms() -> [(&'static str, HelmHome, PathBuf, String); 2] {
    let (helm4, home4) = (helm4(), HelmHome::new());
    home4.install_plugin();
    [
        ("Helm 3", HelmHome::new(), helm3(), bin_path()),
        ("Helm 4", home4, helm4, "clearml-sso".into()),
    ]
}

fn assert_no_secret(what: &str, out: &str) {
    for secret in [KEYCLOAK_SECRET, LITERAL_SECRET] {
        assert!(!out.contains(secret), "{what} shows a secret value:\n{out}");
    }
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn helm_3_and_4_show_what_a_successful_render_corrected() {
    let dir = tempfile::tempdir().unwrap();
    let drift = drift_values(&dir);
    for (name, home, helm, renderer) in both_helms() {
        let out = template_with(
            &home,
            &helm,
            &renderer,
            &[&drift],
            &[&policy("keycloak.toml")],
        );
        let err = text(&out.stderr);
        assert!(out.status.success(), "{name}: {err}");
        assert_keycloak_settings(&text(&out.stdout));
        // Once, with the workload, the counts, each warning and where to see the rest.
        assert_eq!(
            err.matches(
                "clearml-sso: Deployment clearml-apiserver (clearml/templates/apiserver-deployment.yaml), \
                 container clearml-apiserver: 9 SSO settings added, 2 corrected\n"
            )
            .count(),
            1,
            "{name}: {err}"
        );
        for line in [
            "  warning[value-mismatch] CLEARML__services__login__sso__oauth_client__keycloak__base_url: a setting's value differed from the policy (corrected)\n",
            "  warning[value-source] CLEARML__secure__login__sso__oauth_client__keycloak__client_secret: ",
            "run `clearml-sso diff` to see them",
        ] {
            assert_eq!(err.matches(line).count(), 1, "{name}: {line:?} in\n{err}");
        }
        assert!(!err.contains(DRIFTED_URL), "{name}: never a value:\n{err}");
        assert_no_secret(name, &err);
    }
}

/// The policy's own warning (an `[secrets] external` entry it never reads) reaches the user
/// under Helm 3 and 4 too: in the summary, under the policy file, with its code (before, it was
/// a line on the post-renderer's stderr, which both Helms drop on success).
#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn helm_3_and_4_show_the_policys_own_warning() {
    let dir = tempfile::tempdir().unwrap();
    let text_policy = std::fs::read_to_string(root().join("policies/keycloak.toml"))
        .unwrap()
        .replace(
            "external = [\"clearml-sso\"]",
            "external = [\"clearml-sso\", \"clearml-ssso\"]",
        );
    assert!(text_policy.contains("clearml-ssso"));
    let policy = temp_file(&dir, "typo.toml", &text_policy);
    let arg = format!("--policy={}", policy.display());
    for (name, home, helm, renderer) in both_helms() {
        let out = template_with(&home, &helm, &renderer, &[], &[&arg]);
        let err = text(&out.stderr);
        assert!(out.status.success(), "{name}: {err}");
        assert_eq!(
            err.matches(&format!(
                "clearml-sso: policy {}:\n  warning[unused-external]: ",
                policy.display()
            ))
            .count(),
            1,
            "{name}: {err}"
        );
    }
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn helm_quiet_silences_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let drift = drift_values(&dir);
    for (name, home, helm, renderer) in both_helms() {
        let out = template_with(
            &home,
            &helm,
            &renderer,
            &[&drift],
            &[&policy("keycloak.toml"), "--quiet"],
        );
        assert!(out.status.success(), "{name}: {}", text(&out.stderr));
        assert_keycloak_settings(&text(&out.stdout));
        assert_eq!(text(&out.stderr), "", "{name}: --quiet");
    }
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn helm_fails_on_warnings_when_denied_and_shows_why() {
    let dir = tempfile::tempdir().unwrap();
    let drift = drift_values(&dir);
    let strict = temp_file(
        &dir,
        "strict.toml",
        &std::fs::read_to_string(root().join("policies/keycloak.toml"))
            .unwrap()
            .replacen("warnings = \"allow\"", "warnings = \"deny\"", 1),
    );
    assert!(std::fs::read_to_string(&strict)
        .unwrap()
        .contains("warnings = \"deny\""));
    let strict = format!("--policy={}", strict.display());
    for (name, home, helm, renderer) in both_helms() {
        // `--quiet` silences a success only: the refusal is shown all the same.
        for args in [
            vec![policy("keycloak.toml"), "--deny-warnings".to_string()],
            vec![strict.clone()],
            vec![strict.clone(), "--quiet".to_string()],
        ] {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = template_with(&home, &helm, &renderer, &[&drift], &args);
            let err = text(&out.stderr);
            assert!(!out.status.success(), "{name} {args:?}: {err}");
            assert!(out.stdout.is_empty(), "{name} {args:?}: nothing rendered");
            // The reason is visible once: inside Helm 3's error, written by us under Helm 4.
            for reason in [
                "error[value-mismatch]: keycloak.base_url:",
                "error[value-source]: keycloak.client_secret:",
            ] {
                assert_eq!(err.matches(reason).count(), 1, "{name} {args:?}: {err}");
            }
            assert_eq!(
                err.matches(clearml_sso::report::DENIED_WARNING).count(),
                2,
                "{name} {args:?}: {err}"
            );
            assert_no_secret(name, &err);
        }
        // Without the flag or setting the same render passes.
        let out = template_with(
            &home,
            &helm,
            &renderer,
            &[&drift],
            &[&policy("keycloak.toml")],
        );
        assert!(out.status.success(), "{name}: {}", text(&out.stderr));
    }
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn helm_clean_render_says_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // `clearml-sso values` gives the chart exactly the policy's settings.
    let values = run(&["values", &policy("keycloak.toml")], b"");
    assert!(values.status.success(), "{}", text(&values.stderr));
    let clean = temp_file(&dir, "clean.yaml", &text(&values.stdout));
    for (name, home, helm, renderer) in both_helms() {
        let out = template_with(
            &home,
            &helm,
            &renderer,
            &[&clean],
            &[&policy("keycloak.toml")],
        );
        assert!(out.status.success(), "{name}: {}", text(&out.stderr));
        assert_keycloak_settings(&text(&out.stdout));
        assert_eq!(
            text(&out.stderr),
            "",
            "{name}: nothing changed, nothing said"
        );
    }
}

// The Helm 4 stderr helper outside Helm: a parent that is not Helm, or whose stderr is ours,
// or whose stderr cannot be written without waiting. `sh -c '…; exit $?'` keeps the shell
// alive as the parent (a lone command would be exec'd in its place).

const BROKEN: &str = "tests/fixtures/check-broken.yaml";
const BROKEN_POLICY: &str = "--policy=tests/fixtures/policies/keycloak-idp.toml";
const BROKEN_MESSAGE: &str = "error[missing-secret]: Secret `keycloak-idp`";

/// A plugin directory with this build at `bin/clearml-sso`, as Helm 4 installs it, and a copy
/// of `/bin/sh` named `helm`, whose process name then says helm.
struct FakeHelm {
    dir: tempfile::TempDir,
}

impl FakeHelm {
    fn new() -> FakeHelm {
        // Beside the build, so the plugin's binary can be a hard link: a copy is open for
        // writing while it is made, and a child another test forks then keeps that descriptor
        // until it execs — the shell's exec of the copy then fails with "text file busy".
        let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
        std::fs::create_dir_all(dir.path().join("plugin/bin")).unwrap();
        let plugin_bin = dir.path().join("plugin/bin/clearml-sso");
        if std::fs::hard_link(bin(), &plugin_bin).is_err() {
            std::fs::copy(bin(), &plugin_bin).unwrap();
        }
        std::fs::copy("/bin/sh", dir.path().join("helm")).unwrap();
        FakeHelm { dir }
    }
    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }
    /// `shell -c SCRIPT` with the plugin's binary as `$0` and `$1` a log file, with the
    /// variables Helm 4 sets for a plugin, as a shell started from a plugin would inherit them.
    fn command(&self, shell: &Path, script: &str) -> std::process::Command {
        let mut cmd = std::process::Command::new(shell);
        cmd.arg("-c")
            .arg(format!("{script}; exit $?"))
            .arg(self.path("plugin/bin/clearml-sso"))
            .arg(self.path("our-stderr.log"))
            .current_dir(root())
            .env("HELM_PLUGIN_NAME", "clearml-sso")
            .env("HELM_PLUGIN_DIR", self.path("plugin"))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        cmd
    }
    fn our_stderr(&self) -> String {
        std::fs::read_to_string(self.path("our-stderr.log")).unwrap_or_default()
    }
}

fn failing_render() -> String {
    format!("\"$0\" {BROKEN_POLICY} {BROKEN}")
}

/// The same with our stderr to the log file `$1` and the shell's left as it is. In the
/// background, because for a command in the foreground dash redirects its own fd 2 around the
/// fork, and the parent's stderr would then be ours.
fn failing_render_elsewhere() -> String {
    format!("{} 2>\"$1\" & wait $!", failing_render())
}

#[test]
fn a_shell_with_inherited_plugin_variables_gets_the_message_once() {
    let fake = FakeHelm::new();
    // Shared stderr, even with a parent named helm: written once, by us.
    for shell in [Path::new("/bin/sh"), &fake.path("helm")] {
        let out = retry_busy(|| fake.command(shell, &failing_render()).output());
        assert_eq!(out.status.code(), Some(1));
        assert!(out.stdout.is_empty());
        let err = text(&out.stderr);
        assert_eq!(err.matches(BROKEN_MESSAGE).count(), 1, "{shell:?}: {err}");
    }
    // Our stderr elsewhere, parent a plain shell: the shell's stderr is left alone.
    let script = failing_render_elsewhere();
    let out = fake
        .command(Path::new("/bin/sh"), &script)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stderr), "", "a shell is not Helm");
    assert_eq!(fake.our_stderr().matches(BROKEN_MESSAGE).count(), 1);
    // Our stderr elsewhere, parent named helm: this is the Helm 4 case, written to both.
    let out = retry_busy(|| fake.command(&fake.path("helm"), &script).output());
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stderr).matches(BROKEN_MESSAGE).count(), 1);
    // A binary outside HELM_PLUGIN_DIR inherited the variables of some other plugin.
    let script = format!(
        "{} {BROKEN_POLICY} {BROKEN} 2>\"$1\" & wait $!",
        bin().display()
    );
    let out = retry_busy(|| fake.command(&fake.path("helm"), &script).output());
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stderr), "", "not the plugin Helm runs");
}

#[test]
fn a_parent_stderr_fifo_without_reader_never_blocks() {
    use std::os::unix::fs::OpenOptionsExt;
    use std::os::unix::process::CommandExt;
    let fake = FakeHelm::new();
    let fifo = fake.path("stderr.fifo");
    // libc rather than the mkfifo command: plain `cargo test` needs nothing on PATH.
    let c_path = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a NUL-terminated path that outlives the call.
    let made = unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) };
    assert_eq!(made, 0, "mkfifo: {}", std::io::Error::last_os_error());
    // A writer needs a reader to open; the reader then leaves before anything runs.
    let reader = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&fifo)
        .unwrap();
    let writer = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    drop(reader);
    let script = failing_render_elsewhere();
    let mut cmd = fake.command(&fake.path("helm"), &script);
    cmd.stderr(writer).process_group(0);
    let mut child = retry_busy(|| cmd.spawn());
    drop(cmd);
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > std::time::Duration::from_secs(20) {
            // SAFETY: signals the process group this test created, and nothing else.
            unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
            let _ = child.wait();
            panic!("clearml-sso blocked on its parent's stderr (a FIFO without reader)");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(1));
    assert_eq!(fake.our_stderr().matches(BROKEN_MESSAGE).count(), 1);
}

/// Runs a spawn that may meet "text file busy": the tests copy executables while other tests
/// fork, and a forked child holds the copy's write descriptor until it execs. Retried briefly.
fn retry_busy<T>(mut spawn: impl FnMut() -> std::io::Result<T>) -> T {
    for _ in 0..100 {
        match spawn() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                std::thread::sleep(std::time::Duration::from_millis(20))
            }
            other => return other.unwrap(),
        }
    }
    panic!("the executable stayed busy");
}

/// Under Helm 3 and Helm 4 a policy error (exit 2) still writes `--report` — the channel a CI
/// job reads, since Helm 4 drops a plugin's stderr — and the user sees the error once.
#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn a_policy_error_under_helm_reaches_the_report_and_the_user() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "version = 1\n[providers.keycloak]\nclient_id = \"x\"\nclientsecret = \"y\"\n",
    )
    .unwrap();
    let helm4_home = HelmHome::new();
    helm4_home.install_plugin();
    for (name, helm, home, renderer) in [
        ("helm3", helm3(), HelmHome::new(), bin_path()),
        ("helm4", helm4(), helm4_home, "clearml-sso".to_string()),
    ] {
        let report = dir.path().join(format!("{name}.json"));
        let out = home.run(
            &helm,
            &[
                "template",
                "clearml",
                CHART,
                "--post-renderer",
                &renderer,
                "--post-renderer-args",
                &format!("--policy={}", bad.display()),
                "--post-renderer-args",
                &format!("--report={}", report.display()),
            ],
        );
        assert!(!out.status.success(), "{name}");
        assert!(out.stdout.is_empty(), "{name}: {}", text(&out.stdout));
        let err = text(&out.stderr);
        assert_eq!(
            err.matches("4:1: error: unknown key `clientsecret`")
                .count(),
            1,
            "{name}: the user sees the error once: {err}"
        );
        let json: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(&report)
                .unwrap_or_else(|e| panic!("{name}: no report ({e}); stderr: {err}")),
        )
        .unwrap();
        let f = &json["findings"][0];
        assert_eq!(f["code"], "policy-error", "{name}: {json}");
        assert_eq!(f["file"]["line"], 4, "{name}: {json}");
        assert_eq!(json["errors"], 1, "{name}");
    }
}

const EXAMPLE: &str = "examples/rendered/clearml.yaml";
const SUMMARY: &str = "container clearml-apiserver: 11 SSO settings added, 0 corrected\n";

/// A render that succeeds, with our stderr to the log file `$1` (see
/// [`failing_render_elsewhere`]) and its output dropped.
fn succeeding_render_elsewhere(extra: &str) -> String {
    format!(
        "\"$0\" --policy=policies/keycloak.toml {extra} {EXAMPLE} >/dev/null 2>\"$1\" & wait $!"
    )
}

#[test]
fn a_success_summary_reaches_a_helm_parent_only() {
    let fake = FakeHelm::new();
    let helm = fake.path("helm");
    let script = succeeding_render_elsewhere("");
    // Helm 4 runs its plugin (the variables, the plugin directory); Helm 3 an executable, with
    // no variable. Either way the summary reaches the parent's stderr, once.
    for helm3 in [false, true] {
        let mut cmd = fake.command(&helm, &script);
        if helm3 {
            cmd.env_remove("HELM_PLUGIN_NAME")
                .env_remove("HELM_PLUGIN_DIR");
        }
        let out = retry_busy(|| cmd.output());
        assert_eq!(out.status.code(), Some(0), "helm3 {helm3}");
        let err = text(&out.stderr);
        assert_eq!(err.matches(SUMMARY).count(), 1, "helm3 {helm3}: {err}");
        assert!(err.contains("run `clearml-sso diff` to see them"), "{err}");
        assert!(
            !fake.our_stderr().contains(SUMMARY),
            "the summary is for Helm's stderr; ours has the findings"
        );
        assert!(fake.our_stderr().contains("note[missing-variable]"));
    }
    // --quiet: nothing anywhere.
    let out = retry_busy(|| {
        fake.command(&helm, &succeeding_render_elsewhere("--quiet"))
            .output()
    });
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stderr), "", "--quiet");
    assert_eq!(fake.our_stderr(), "", "--quiet");
    // A parent that is not Helm gets nothing.
    let out = fake
        .command(Path::new("/bin/sh"), &script)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stderr), "", "a shell is not Helm");
    // Our stderr is the parent's: the findings say it there, no summary on top.
    let shared = format!("\"$0\" --policy=policies/keycloak.toml {EXAMPLE} >/dev/null");
    let out = retry_busy(|| fake.command(&helm, &shared).output());
    assert_eq!(out.status.code(), Some(0));
    let err = text(&out.stderr);
    assert!(
        err.contains("note[missing-variable]") && !err.contains(SUMMARY),
        "{err}"
    );
}

/// The summary names a provider the policy does not declare (its key only, never the value of
/// its variables), so the user can declare it or remove it without running `check`.
#[test]
fn the_summary_names_an_undeclared_provider() {
    let fake = FakeHelm::new();
    let example = std::fs::read_to_string(root().join(EXAMPLE)).unwrap();
    let debug = "            - name: CLEARML_DEBUG_MODE\n";
    assert!(example.contains(debug));
    let input = example.replacen(
        debug,
        &format!(
            "            - name: CLEARML__services__login__sso__oauth_client__okta__base_url\n              value: 'https://tenant-private.okta.com/'\n{debug}"
        ),
        1,
    );
    let manifests = fake.path("okta.yaml");
    std::fs::write(&manifests, input).unwrap();
    let script = format!(
        "\"$0\" --policy=policies/keycloak.toml {} >/dev/null 2>\"$1\" & wait $!",
        manifests.display()
    );
    let out = retry_busy(|| fake.command(&fake.path("helm"), &script).output());
    assert_eq!(out.status.code(), Some(0), "{}", fake.our_stderr());
    let err = text(&out.stderr);
    assert!(
        err.contains(
            "  warning[unknown-provider]: SSO variables for provider `okta`, which the policy does not declare\n"
        ),
        "{err}"
    );
    assert!(!err.contains("tenant-private"), "no value: {err}");
}

#[test]
fn a_failure_under_helm_3_is_left_to_helm() {
    // Helm 3 quotes a failing post-renderer's stderr in its own error: writing it to Helm's
    // stderr as well would show it twice.
    let fake = FakeHelm::new();
    let mut cmd = fake.command(&fake.path("helm"), &failing_render_elsewhere());
    cmd.env_remove("HELM_PLUGIN_NAME")
        .env_remove("HELM_PLUGIN_DIR");
    let out = retry_busy(|| cmd.output());
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stderr), "", "left to Helm 3");
    assert_eq!(fake.our_stderr().matches(BROKEN_MESSAGE).count(), 1);
}
