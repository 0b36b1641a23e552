//! The release's files, checked with nothing but Rust (plain `cargo test`): plugin.yaml runs a
//! binary inside the plugin directory for every os/arch the release builds, its version is the
//! package's, the licence is the one Cargo.toml names, and the release and install scripts
//! parse. The release itself, with real Helm, gpg and a registry, is tests/release/e2e.rs.

use crate::harness::{bash, root};

fn plugin_yaml() -> serde_yaml::Value {
    serde_yaml::from_str(&std::fs::read_to_string(root().join("plugin.yaml")).unwrap()).unwrap()
}

#[test]
fn plugin_yaml_runs_a_binary_inside_the_plugin_dir_for_every_os_and_arch() {
    let plugin = plugin_yaml();
    assert_eq!(plugin["apiVersion"], "v1");
    assert_eq!(plugin["type"], "postrenderer/v1");
    assert_eq!(plugin["name"], "clearml-sso");
    assert_eq!(plugin["runtime"], "subprocess");
    let mut listed: Vec<(String, String, String)> = plugin["runtimeConfig"]["platformCommand"]
        .as_sequence()
        .expect("platformCommand list")
        .iter()
        .map(|e| {
            let s = |k: &str| {
                e[k].as_str()
                    .unwrap_or_else(|| panic!("{k} in {e:?}"))
                    .to_string()
            };
            (s("os"), s("arch"), s("command"))
        })
        .collect();
    listed.sort();
    let mut want = Vec::new();
    for os in ["darwin", "linux"] {
        for arch in ["amd64", "arm64"] {
            // Inside ${HELM_PLUGIN_DIR}: src/cli/helm_stderr.rs writes to Helm's stderr only
            // for a binary that lives there.
            let command = format!("${{HELM_PLUGIN_DIR}}/bin/{os}-{arch}/clearml-sso");
            want.push((os.to_string(), arch.to_string(), command));
        }
    }
    assert_eq!(listed, want);
}

#[test]
fn plugin_yaml_version_is_the_package_version() {
    assert_eq!(plugin_yaml()["version"], env!("CARGO_PKG_VERSION"));
}

#[test]
fn license_is_the_apache_2_text_cargo_toml_names() {
    let cargo = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    assert!(cargo.contains("license = \"Apache-2.0\""));
    let license = std::fs::read_to_string(root().join("LICENSE")).unwrap();
    assert!(license.contains("Apache License") && license.contains("Version 2.0, January 2004"));
    assert!(
        license.contains("END OF TERMS AND CONDITIONS"),
        "the whole text"
    );
}

#[test]
fn scripts_parse_with_bash_n() {
    for script in [
        "release",
        "install-plugin",
        "install-binary",
        "fetch-test-deps",
        "test",
        "example",
    ] {
        let path = root().join("scripts").join(script);
        let out = std::process::Command::new(bash())
            .arg("-n")
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "bash -n {}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(&path).unwrap().permissions(),
        );
        assert!(mode & 0o111 != 0, "{} is not executable", path.display());
    }
}

/// `script --help` as a user runs it: help on stdout, nothing on stderr, exit 0, and nothing
/// else done (no HOME of the test's, no cargo on PATH: a help that ran on would fail here).
fn help(program: &std::path::Path, args: &[&str], stdin: Option<&std::path::Path>) -> String {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = std::process::Command::new(program);
    cmd.args(args)
        .env_clear()
        .env("HOME", home.path())
        .env("PATH", "/usr/bin:/bin")
        .current_dir(home.path());
    match stdin {
        Some(file) => cmd.stdin(std::fs::File::open(file).unwrap()),
        None => cmd.stdin(std::process::Stdio::null()),
    };
    let out = cmd.output().unwrap();
    let what = format!("{} {args:?}", program.display());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{what}: stderr {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("Usage"), "{what}: {stdout}");
    stdout
}

#[test]
fn every_script_prints_its_help_on_stdout_and_exits_0() {
    for (script, says) in [
        ("install-plugin", "--bin-dir DIR"),
        ("install-binary", "CLEARML_SSO_INSTALL_DIR"),
        ("release", "--no-build"),
        ("fetch-test-deps", "HELM4_BIN"),
        ("test", "FUZZ_SECONDS"),
        ("example", "Keycloak policy"),
    ] {
        let path = root().join("scripts").join(script);
        for flag in ["--help", "-h"] {
            let out = help(&path, &[flag], None);
            assert!(out.contains(says), "{script} {flag}: {out}");
            // No comment markers or shell code leak into the text.
            assert!(!out.contains("set -euo"), "{script}: {out}");
        }
    }
}

/// `curl -fsSL …/install-plugin | bash -s -- --help`: the script comes on stdin, with no file
/// to read a header from; the help is the same as from the file.
#[test]
fn piped_install_scripts_print_their_help() {
    for script in ["install-plugin", "install-binary"] {
        let path = root().join("scripts").join(script);
        let piped = help(&bash(), &["-s", "--", "--help"], Some(&path));
        assert_eq!(piped, help(&path, &["--help"], None), "{script}");
        assert!(
            piped.contains("bash -s --") || piped.contains("| bash"),
            "{piped}"
        );
    }
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn oci_push_prints_its_help_on_stdout_and_exits_0() {
    let python = crate::harness::tool("CLEARML_SSO_ORAS_PYTHON");
    let out = help(
        &python,
        &[root().join("scripts/oci-push").to_str().unwrap(), "--help"],
        None,
    );
    assert!(
        out.contains("CLEARML_SSO_OCI_USERNAME") && out.contains("--tag TAG"),
        "{out}"
    );
}
