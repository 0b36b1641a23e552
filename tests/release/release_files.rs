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
