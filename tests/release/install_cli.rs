//! The `clearml-sso` command after every install: `scripts/install-plugin` on Helm 4 installs the
//! signed plugin AND puts the plugin's binary on PATH (`--bin-dir`, `$CLEARML_SSO_BIN_DIR`,
//! `~/.local/bin`), says where and how to put that on PATH; before installing into a plugin
//! directory that holds Helm 3-style plugins it warns, and the separation it prints, run as
//! printed, gives real Helm 3 its plugins back. A tampered mirror installs neither. Real Helm 4
//! and Helm 3, real gpg (the harness's signed release, tests/harness/release.rs).

use crate::harness::release::*;
use crate::harness::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The published install-plugin (release key pinned) run as a user with only `home` and the
/// system's tools: `env` on top, nothing of the test's environment.
fn install(home: &Path, url: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(bash());
    cmd.arg(made().script("install-plugin"))
        .args(args)
        .env_clear()
        .env("HOME", home)
        .env("PATH", "/usr/bin:/bin")
        .env("HELM_BIN", tool("HELM4_BIN"))
        .env("CLEARML_SSO_RELEASES", url)
        .current_dir(home)
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// `helm args` as the user `home`, default locations (nothing but HOME and PATH).
fn helm_as(helm: &Path, home: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(helm);
    cmd.args(args)
        .env_clear()
        .env("HOME", home)
        .env("PATH", "/usr/bin:/bin")
        .current_dir(home);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn lists_plugin(home: &Path) -> bool {
    let list = helm_as(&tool("HELM4_BIN"), home, &["plugin", "list"], &[]);
    assert!(list.status.success(), "{}", text(&list.stderr));
    text(&list.stdout)
        .lines()
        .any(|l| l.split_whitespace().next() == Some("clearml-sso"))
}

fn version_of(exe: &Path) -> String {
    let out = run_in(exe, &["--version"], b"", None, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout).trim().to_string()
}

/// helm-diff's plugin.yaml as Helm 3 installs it: no `apiVersion`.
fn put_helm3_plugin(plugins: &Path) -> PathBuf {
    let dir = plugins.join("diff");
    std::fs::create_dir_all(dir.join("bin")).unwrap();
    std::fs::write(
        dir.join("plugin.yaml"),
        "name: \"diff\"\nversion: \"3.9.11\"\nusage: \"Preview helm upgrade changes as a diff\"\n\
         description: \"Preview helm upgrade changes as a diff\"\nuseTunnel: true\n\
         command: \"$HELM_PLUGIN_DIR/bin/diff\"\n",
    )
    .unwrap();
    let exe = dir.join("bin/diff");
    std::fs::write(&exe, "#!/bin/sh\necho helm-diff ran\n").unwrap();
    std::fs::set_permissions(&exe, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    dir
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn helm4_install_puts_the_command_on_path_beside_the_plugin() {
    let (_release, server) = served_release();
    let user = tempfile::tempdir().unwrap();
    let home = user.path();

    // Default bin dir, not on PATH: installed there, and told how to add it.
    let out = install(home, &server.url, &[], &[]);
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    assert!(err.contains(&made().fpr), "verified the signed sums: {err}");
    assert!(err.contains("Plugin Hash Verified"), "{err}");
    assert!(lists_plugin(home), "{err}");
    let cli = home.join(".local/bin/clearml-sso");
    assert_eq!(version_of(&cli), format!("clearml-sso {VERSION}"));
    assert!(
        err.contains(&format!(
            "installed clearml-sso {VERSION} at {}",
            cli.display()
        )),
        "{err}"
    );
    let bin = home.join(".local/bin").display().to_string();
    assert!(
        err.contains(&format!("NOTE: {bin} is not on PATH"))
            && err.contains(&format!("export PATH=\"{bin}:$PATH\"")),
        "{err}"
    );
    // The plugin's binary and the command are one build.
    let plugin_exe = home
        .join(".local/share/helm/plugins/clearml-sso/bin")
        .join(plugin_platform())
        .join("clearml-sso");
    assert_eq!(
        std::fs::read(&cli).unwrap(),
        std::fs::read(plugin_exe).unwrap()
    );
    // Nothing warns about Helm 3 plugins where there are none.
    assert!(!err.contains("Helm 3-style"), "{err}");
    assert!(
        !err.contains("does not run a post-renderer from PATH"),
        "{err}"
    );

    // The command, as the user's shell finds it once that line is run: `clearml-sso init`.
    let starter = home.join("clearml-sso.toml");
    let init = Command::new(bash())
        .args([
            "-c",
            &format!(
                "export PATH=\"{bin}:$PATH\"; clearml-sso init keycloak --output {}",
                starter.display()
            ),
        ])
        .env_clear()
        .env("HOME", home)
        .env("PATH", "/usr/bin:/bin")
        .output()
        .unwrap();
    assert!(init.status.success(), "{}", text(&init.stderr));
    assert!(starter.is_file());

    // An update into --bin-dir that is on PATH: no NOTE; $CLEARML_SSO_BIN_DIR as the default.
    let on_path = home.join("tools");
    let path = format!("{}:/usr/bin:/bin", on_path.display());
    let out = install(
        home,
        &server.url,
        &["--bin-dir", on_path.to_str().unwrap()],
        &[("PATH", &path)],
    );
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("removing the installed clearml-sso plugin first"),
        "{err}"
    );
    assert_eq!(
        version_of(&on_path.join("clearml-sso")),
        format!("clearml-sso {VERSION}")
    );
    assert!(!err.contains("is not on PATH"), "{err}");
    let env_dir = home.join("from-env");
    let out = install(
        home,
        &server.url,
        &[],
        &[("CLEARML_SSO_BIN_DIR", env_dir.to_str().unwrap())],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        version_of(&env_dir.join("clearml-sso")),
        format!("clearml-sso {VERSION}")
    );
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn helm4_install_into_helm3s_plugin_directory_warns_and_says_how_to_separate() {
    let (_release, server) = served_release();
    let user = tempfile::tempdir().unwrap();
    let home = user.path();
    let plugins = home.join(".local/share/helm/plugins");
    let diff = put_helm3_plugin(&plugins);
    let helm3 = tool("HELM3_BIN");
    let before = helm_as(&helm3, home, &["plugin", "list"], &[]);
    assert!(
        before.status.success() && text(&before.stdout).contains("diff"),
        "Helm 3 reads helm-diff before: {}{}",
        text(&before.stdout),
        text(&before.stderr)
    );

    let out = install(home, &server.url, &[], &[]);
    let err = text(&out.stderr);
    assert!(out.status.success(), "warns, does not refuse: {err}");
    assert!(lists_plugin(home), "{err}");
    let warning = format!(
        "WARNING: Helm 4's plugin directory {} also holds Helm 3-style plugins (plugin.yaml without apiVersion): diff.",
        plugins.display()
    );
    let at = err.find(&warning).unwrap_or_else(|| panic!("{err}"));
    let installed_at = err
        .find("Plugin Hash Verified")
        .expect("Helm's verification");
    assert!(
        at < installed_at,
        "the warning comes before the install: {err}"
    );
    assert!(
        err.contains("Helm 3 fails to load EVERY plugin there (diff included)"),
        "{err}"
    );
    assert!(err.contains("WARNING (repeated from above)"), "{err}");
    // What the warning says happens does: Helm 3 loses helm-diff.
    let broken = helm_as(&helm3, home, &["plugin", "list"], &[]);
    assert!(
        !broken.status.success() && text(&broken.stderr).contains("unknown field"),
        "{}{}",
        text(&broken.stdout),
        text(&broken.stderr)
    );

    // The separation, exactly as printed (the indented lines after "To separate them"), run
    // by the user's shell: then Helm 3, with that HELM_PLUGINS, has helm-diff again, and
    // Helm 4 still has both.
    let recipe: Vec<String> = err
        .lines()
        .skip_while(|l| !l.contains("To separate them"))
        .skip(1)
        .take_while(|l| l.starts_with("install-plugin:     "))
        .map(|l| l["install-plugin:     ".len()..].to_string())
        .collect();
    assert_eq!(recipe.len(), 3, "{err}");
    assert!(
        recipe[1].contains(&diff.display().to_string()),
        "{recipe:?}"
    );
    let script = format!("set -e\n{}\nexec \"$0\" plugin list", recipe.join("\n"));
    let separated = Command::new(bash())
        .args(["-c", &script, helm3.to_str().unwrap()])
        .env_clear()
        .env("HOME", home)
        .env("PATH", "/usr/bin:/bin")
        .current_dir(home)
        .output()
        .unwrap();
    assert!(
        separated.status.success() && text(&separated.stdout).contains("diff"),
        "{script}\n{}{}",
        text(&separated.stdout),
        text(&separated.stderr)
    );
    assert!(
        !text(&separated.stderr).contains("failed to load plugins"),
        "{}",
        text(&separated.stderr)
    );
    let helm4_list = helm_as(&tool("HELM4_BIN"), home, &["plugin", "list"], &[]);
    let listed = text(&helm4_list.stdout);
    assert!(
        listed.contains("diff") && listed.contains("clearml-sso"),
        "{listed}{}",
        text(&helm4_list.stderr)
    );
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn helm4_install_from_a_tampered_mirror_installs_neither_plugin_nor_command() {
    for mirror in [Mirror::RewrittenSums, Mirror::ResignedByAnotherKey] {
        let (release, server) = served_release();
        // SHA256SUMS rewritten (to a fake bare tarball): refused at its signature, before the
        // plugin or the command is downloaded.
        tamper(release.path(), mirror);
        let user = tempfile::tempdir().unwrap();
        let home = user.path();
        let out = install(home, &server.url, &[], &[]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{mirror:?}: {err}");
        assert!(err.contains("nothing installed"), "{mirror:?}: {err}");
        assert!(!home.join(".local/bin/clearml-sso").exists(), "{mirror:?}");
        assert!(!lists_plugin(home), "{mirror:?}: {err}");
    }
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn a_bin_dir_the_command_cannot_go_in_is_refused_before_anything_is_installed() {
    let (_release, server) = served_release();
    // DIR/clearml-sso a directory: `mv -f` would move the binary into it and report an
    // install with no command there. DIR under a file: nothing can create it. Either is found
    // before the Helm 4 plugin goes in, so no half install is left.
    let user = tempfile::tempdir().unwrap();
    let home = user.path();
    std::fs::create_dir_all(home.join("bin/clearml-sso")).unwrap();
    std::fs::write(home.join("a-file"), "x").unwrap();
    for (bin_dir, want) in [
        (home.join("bin"), "clearml-sso is a directory"),
        (home.join("a-file/bin"), "cannot be created or written"),
    ] {
        let out = install(
            home,
            &server.url,
            &["--bin-dir", bin_dir.to_str().unwrap()],
            &[],
        );
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(
            err.contains(want) && err.contains("nothing installed"),
            "{err}"
        );
        assert!(!lists_plugin(home), "{err}");
    }
    assert_eq!(
        std::fs::read_dir(home.join("bin/clearml-sso"))
            .unwrap()
            .count(),
        0,
        "nothing moved into the directory"
    );
    // A directory with a space, not there yet, given as `~/…` through the environment (no
    // shell expands it there): created under HOME, the command in it.
    let out = install(
        home,
        &server.url,
        &[],
        &[("CLEARML_SSO_BIN_DIR", "~/my tools/bin")],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let cli = home.join("my tools/bin/clearml-sso");
    assert_eq!(version_of(&cli), format!("clearml-sso {VERSION}"));
    // Given with a trailing slash, a directory PATH lists without one is on PATH.
    let tools = home.join("tools");
    let path = format!("{}:/usr/bin:/bin", tools.display());
    let slashed = format!("{}/", tools.display());
    let out = install(
        home,
        &server.url,
        &["--bin-dir", &slashed],
        &[("PATH", &path)],
    );
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(!err.contains("is not on PATH"), "{err}");
    assert!(tools.join("clearml-sso").is_file(), "{err}");
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn helm4_install_beside_a_helm3_on_path_with_no_plugins_yet_warns() {
    // No Helm 3 plugins to see, but `helm` on PATH is a Helm 3 reading the same directory:
    // after the install each Helm 3 command prints "failed to load plugins" and `helm plugin
    // list` fails, so the install says so before it happens.
    let (_release, server) = served_release();
    let user = tempfile::tempdir().unwrap();
    let home = user.path();
    let bin = home.join("helm3-bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(tool("HELM3_BIN"), bin.join("helm")).unwrap();
    let path = format!("{}:/usr/bin:/bin", bin.display());
    let out = install(home, &server.url, &[], &[("PATH", &path)]);
    let err = text(&out.stderr);
    assert!(out.status.success(), "warns, does not refuse: {err}");
    let plugins = home.join(".local/share/helm/plugins");
    let warning = format!(
        "WARNING: Helm 3 ({}) reads Helm 4's plugin directory {} too",
        bin.join("helm").display(),
        plugins.display()
    );
    let at = err.find(&warning).unwrap_or_else(|| panic!("{err}"));
    assert!(
        at < err.find("Plugin Hash Verified").expect("verified"),
        "{err}"
    );
    assert!(
        err.contains("export HELM_PLUGINS=~/.local/share/helm3/plugins"),
        "{err}"
    );
    assert!(err.contains("WARNING (repeated from above)"), "{err}");
    // What it says happens does.
    let list = helm_as(&tool("HELM3_BIN"), home, &["plugin", "list"], &[]);
    assert!(!list.status.success(), "{}", text(&list.stderr));
    // Helm 3 elsewhere (its own HELM_PLUGINS) is no warning.
    let other = tempfile::tempdir().unwrap();
    let wrapper = other.path().join("helm");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nHELM_PLUGINS={}/p3 exec {} \"$@\"\n",
            other.path().display(),
            tool("HELM3_BIN").display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(
        &wrapper,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let home2 = tempfile::tempdir().unwrap();
    let path = format!("{}:/usr/bin:/bin", other.path().display());
    let out = install(home2.path(), &server.url, &[], &[("PATH", &path)]);
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(!err.contains("reads Helm 4's plugin directory"), "{err}");
}
