//! `scripts/install-binary` (the logic of the composite action `action.yml`) against a real HTTP
//! server on 127.0.0.1 serving a release that `scripts/release --no-build` made from this build
//! (Helm 4 packs it: `$HELM4_BIN`): a matching sum installs a binary that runs; a wrong sum, a
//! missing file, an unknown OS or architecture fail with a message that says so, and install
//! nothing. Then the action itself: its step run with its inputs.

use crate::harness::release::*;
use crate::harness::*;
use std::path::Path;
use std::process::Output;

/// Runs the install script with `env`, PATH first searching `path_first` when given.
fn install(env: &[(&str, &str)], path_first: Option<&Path>) -> Output {
    let path = match path_first {
        Some(p) => format!("{}:{}", p.display(), std::env::var("PATH").unwrap()),
        None => std::env::var("PATH").unwrap(),
    };
    let mut vars = vec![("PATH", path.as_str())];
    vars.extend_from_slice(env);
    let cwd = tempfile::tempdir().unwrap();
    run_in(
        Path::new("/bin/bash"),
        &[install_script().to_str().unwrap()],
        b"",
        Some(cwd.path()),
        &vars,
    )
}

/// The install directory holds nothing at all (not even a partial file).
fn assert_nothing_installed(dir: &Path, out: &Output) {
    assert!(!out.status.success(), "{}", text(&out.stderr));
    let left: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "installed {left:?} after a failure");
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn a_matching_sum_installs_a_binary_that_runs() {
    let (_release, server) = served_release();
    for version in [VERSION.to_string(), format!("v{VERSION}"), "latest".into()] {
        let dest = tempfile::tempdir().unwrap();
        let gh_path = dest.path().join("github_path");
        let bin_dir = dest.path().join("bin");
        let out = install(
            &[
                ("CLEARML_SSO_VERSION", &version),
                ("CLEARML_SSO_RELEASES", &server.url),
                ("CLEARML_SSO_INSTALL_DIR", bin_dir.to_str().unwrap()),
                ("GITHUB_PATH", gh_path.to_str().unwrap()),
            ],
            None,
        );
        assert!(out.status.success(), "{version}: {}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains(&tarball_name()),
            "{}",
            text(&out.stderr)
        );
        let ran = run_in(&bin_dir.join("clearml-sso"), &["--version"], b"", None, &[]);
        assert_eq!(text(&ran.stdout).trim(), format!("clearml-sso {VERSION}"));
        // The binary installed is the one served, byte for byte.
        assert_eq!(
            std::fs::read(bin_dir.join("clearml-sso")).unwrap(),
            std::fs::read(bin()).unwrap()
        );
        // GitHub Actions puts the directory on PATH for later steps.
        assert_eq!(
            std::fs::read_to_string(&gh_path).unwrap(),
            format!("{}\n", bin_dir.display())
        );
        let entries: Vec<_> = std::fs::read_dir(&bin_dir).unwrap().collect();
        assert_eq!(entries.len(), 1, "only the binary: {entries:?}");
    }
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn a_directory_at_the_commands_path_is_refused() {
    // `mv -f` onto a directory moves the binary into it: the install reported success with
    // an empty version and no command at DIR/clearml-sso.
    let (_release, server) = served_release();
    let dest = tempfile::tempdir().unwrap();
    let taken = dest.path().join("clearml-sso");
    std::fs::create_dir(&taken).unwrap();
    let out = install(
        &[
            ("CLEARML_SSO_RELEASES", &server.url),
            ("CLEARML_SSO_INSTALL_DIR", dest.path().to_str().unwrap()),
        ],
        None,
    );
    let err = text(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("is a directory") && err.contains("nothing installed"),
        "{err}"
    );
    assert_nothing_installed(&taken, &out);
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn a_wrong_sum_installs_nothing() {
    let (release, server) = served_release();
    // The tarball changed after SHA256SUMS was written (a tampered or corrupt download).
    let tarball = release.path().join(tarball_name());
    let mut bytes = std::fs::read(&tarball).unwrap();
    bytes.extend_from_slice(b"tampered");
    std::fs::write(&tarball, bytes).unwrap();
    let dest = tempfile::tempdir().unwrap();
    let out = install(
        &[
            ("CLEARML_SSO_VERSION", VERSION),
            ("CLEARML_SSO_RELEASES", &server.url),
            ("CLEARML_SSO_INSTALL_DIR", dest.path().to_str().unwrap()),
        ],
        None,
    );
    assert_nothing_installed(dest.path(), &out);
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!("{} has SHA-256", tarball_name()))
            && err.contains("but SHA256SUMS says")
            && err.contains("nothing installed"),
        "{err}"
    );
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn a_missing_file_installs_nothing() {
    let platform = plugin_platform();
    // The tarball listed in SHA256SUMS but not served.
    let (release, server) = served_release();
    std::fs::remove_file(release.path().join(tarball_name())).unwrap();
    let dest = tempfile::tempdir().unwrap();
    let out = install(
        &[
            ("CLEARML_SSO_VERSION", VERSION),
            ("CLEARML_SSO_RELEASES", &server.url),
            ("CLEARML_SSO_INSTALL_DIR", dest.path().to_str().unwrap()),
        ],
        None,
    );
    assert_nothing_installed(dest.path(), &out);
    assert!(
        text(&out.stderr).contains(&format!(
            "cannot download {}/{}",
            server.url,
            tarball_name()
        )),
        "{}",
        text(&out.stderr)
    );

    // No SHA256SUMS: nothing is installed unchecked.
    let (release, server) = served_release();
    std::fs::remove_file(release.path().join("SHA256SUMS")).unwrap();
    let out = install(
        &[
            ("CLEARML_SSO_VERSION", VERSION),
            ("CLEARML_SSO_RELEASES", &server.url),
            ("CLEARML_SSO_INSTALL_DIR", dest.path().to_str().unwrap()),
        ],
        None,
    );
    assert_nothing_installed(dest.path(), &out);
    assert!(
        text(&out.stderr).contains(&format!("cannot download {}/SHA256SUMS", server.url)),
        "{}",
        text(&out.stderr)
    );

    // A version that was not released: SHA256SUMS lists no tarball of it.
    let (_release, server) = served_release();
    let out = install(
        &[
            ("CLEARML_SSO_VERSION", "9.9.9"),
            ("CLEARML_SSO_RELEASES", &server.url),
            ("CLEARML_SSO_INSTALL_DIR", dest.path().to_str().unwrap()),
        ],
        None,
    );
    assert_nothing_installed(dest.path(), &out);
    assert!(
        text(&out.stderr).contains(&format!(
            "lists no clearml-sso-9.9.9-{platform}.tar.gz: this release has no binary for {platform}"
        )),
        "{}",
        text(&out.stderr)
    );

    // Plain HTTP from another machine: the sums would not protect the download.
    let out = install(
        &[
            ("CLEARML_SSO_VERSION", VERSION),
            (
                "CLEARML_SSO_RELEASES",
                "http://releases.acme.test/clearml-sso",
            ),
            ("CLEARML_SSO_INSTALL_DIR", dest.path().to_str().unwrap()),
        ],
        None,
    );
    assert_nothing_installed(dest.path(), &out);
    assert!(
        text(&out.stderr)
            .contains("is neither https:// nor a plain http:// server on this machine"),
        "{}",
        text(&out.stderr)
    );

    // Not a version at all.
    let out = install(
        &[
            ("CLEARML_SSO_VERSION", "main"),
            ("CLEARML_SSO_RELEASES", &server.url),
            ("CLEARML_SSO_INSTALL_DIR", dest.path().to_str().unwrap()),
        ],
        None,
    );
    assert_nothing_installed(dest.path(), &out);
    assert!(
        text(&out.stderr).contains("version 'main' is not X.Y.Z, vX.Y.Z or latest"),
        "{}",
        text(&out.stderr)
    );
}

/// A `uname` that answers `sysname` for -s and `machine` for -m, as another machine's would.
fn uname_of(dir: &Path, sysname: &str, machine: &str) {
    let script = format!(
        "#!/bin/sh\ncase \"$1\" in -s) echo {sysname} ;; -m) echo {machine} ;; *) exit 2 ;; esac\n"
    );
    let path = dir.join("uname");
    std::fs::write(&path, script).unwrap();
    let mut perm = std::fs::metadata(&path).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o755);
    std::fs::set_permissions(&path, perm).unwrap();
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn an_unknown_os_or_architecture_installs_nothing() {
    let (_release, server) = served_release();
    for (sysname, machine, message) in [
        (
            "FreeBSD",
            "amd64",
            "no clearml-sso release for the operating system 'FreeBSD'",
        ),
        (
            "Linux",
            "riscv64",
            "no clearml-sso release for the architecture 'riscv64'",
        ),
    ] {
        let shim = tempfile::tempdir().unwrap();
        uname_of(shim.path(), sysname, machine);
        let dest = tempfile::tempdir().unwrap();
        let out = install(
            &[
                ("CLEARML_SSO_VERSION", VERSION),
                ("CLEARML_SSO_RELEASES", &server.url),
                ("CLEARML_SSO_INSTALL_DIR", dest.path().to_str().unwrap()),
            ],
            Some(shim.path()),
        );
        assert_nothing_installed(dest.path(), &out);
        assert!(text(&out.stderr).contains(message), "{}", text(&out.stderr));
    }
    // A known platform this release has no binary for (here: the other OS of the same arch).
    let other = if plugin_platform().starts_with("linux") {
        ("Darwin", "darwin")
    } else {
        ("Linux", "linux")
    };
    let machine = if plugin_platform().ends_with("amd64") {
        "x86_64"
    } else {
        "aarch64"
    };
    let shim = tempfile::tempdir().unwrap();
    uname_of(shim.path(), other.0, machine);
    let dest = tempfile::tempdir().unwrap();
    let out = install(
        &[
            ("CLEARML_SSO_VERSION", VERSION),
            ("CLEARML_SSO_RELEASES", &server.url),
            ("CLEARML_SSO_INSTALL_DIR", dest.path().to_str().unwrap()),
        ],
        Some(shim.path()),
    );
    assert_nothing_installed(dest.path(), &out);
    let arch = plugin_platform().split('-').nth(1).unwrap().to_string();
    assert!(
        text(&out.stderr).contains(&format!(
            "this release has no binary for {}-{arch}",
            other.1
        )),
        "{}",
        text(&out.stderr)
    );
}

/// The action's one step, run as the runner runs it ([`run_action`]), with the defaults but the
/// base URL: the binary lands in $RUNNER_TEMP/clearml-sso/bin and the next step finds it on PATH.
#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn the_action_installs_and_puts_the_binary_on_path() {
    let action: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(root().join("action.yml")).unwrap()).unwrap();
    let names: Vec<&str> = action["inputs"]
        .as_mapping()
        .unwrap()
        .keys()
        .map(|k| k.as_str().unwrap())
        .collect();
    assert_eq!(names, ["version", "base-url", "install-dir", "keyring"]);
    assert_eq!(action["inputs"]["version"]["default"], "latest");

    let (_release, server) = served_release();
    let runner_temp = tempfile::tempdir().unwrap();
    let (out, added) = run_action(&[("base-url", &server.url)], runner_temp.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let want = runner_temp.path().join("clearml-sso/bin");
    assert_eq!(
        added,
        [want.display().to_string()],
        "the default install dir"
    );
    let path = format!("{}:/usr/bin:/bin", added[0]);
    let next = run_in(
        Path::new("/bin/bash"),
        &["-c", "command -v clearml-sso && clearml-sso --version"],
        b"",
        None,
        &[("PATH", &path)],
    );
    assert!(next.status.success(), "{}", text(&next.stderr));
    assert_eq!(
        text(&next.stdout),
        format!(
            "{}\nclearml-sso {VERSION}\n",
            want.join("clearml-sso").display()
        )
    );

    // A wrong sum fails the step and puts nothing on PATH.
    let (release, server) = served_release();
    let tarball = release.path().join(tarball_name());
    let mut bytes = std::fs::read(&tarball).unwrap();
    bytes.push(0);
    std::fs::write(&tarball, bytes).unwrap();
    let runner_temp = tempfile::tempdir().unwrap();
    let (out, added) = run_action(&[("base-url", &server.url)], runner_temp.path());
    assert!(!out.status.success());
    assert!(added.is_empty(), "{added:?}");
    assert!(!runner_temp
        .path()
        .join("clearml-sso/bin/clearml-sso")
        .exists());
}

/// Settings come from the environment: an argument is refused with the usage on stderr (and
/// `--help` shows it on stdout), before anything is downloaded.
#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn arguments_show_the_usage_and_install_nothing() {
    let script = install_script();
    let help = run_in(
        Path::new("/bin/bash"),
        &[script.to_str().unwrap(), "--help"],
        b"",
        None,
        &[],
    );
    assert_eq!(help.status.code(), Some(0));
    assert!(text(&help.stdout).contains("CLEARML_SSO_INSTALL_DIR  where the binary goes"));
    assert!(help.stderr.is_empty(), "{}", text(&help.stderr));
    let dest = tempfile::tempdir().unwrap();
    let out = run_in(
        Path::new("/bin/bash"),
        &[script.to_str().unwrap(), "0.1.0"],
        b"",
        None,
        &[("CLEARML_SSO_INSTALL_DIR", dest.path().to_str().unwrap())],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("Settings (environment):"));
    assert_nothing_installed(dest.path(), &out);
}

/// An action input reaches the script unexpanded: `install-dir: ~/tools` is the home's `tools`
/// (not a directory named `~`), and a relative `install-dir` goes on GITHUB_PATH as an
/// absolute path (a later step with its own `working-directory` must still find the binary).
#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn a_tilde_or_relative_install_dir_is_made_absolute() {
    let (_release, server) = served_release();
    let home = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    for (input, want) in [
        ("~/tools", home.path().join("tools")),
        ("~", home.path().to_path_buf()),
        ("rel/bin", work.path().join("rel/bin")),
    ] {
        let gh_path = work.path().join("github_path");
        let _ = std::fs::remove_file(&gh_path);
        let out = run_in(
            Path::new("/bin/bash"),
            &[install_script().to_str().unwrap()],
            b"",
            Some(work.path()),
            &[
                ("HOME", home.path().to_str().unwrap()),
                ("CLEARML_SSO_RELEASES", &server.url),
                ("CLEARML_SSO_INSTALL_DIR", input),
                ("GITHUB_PATH", gh_path.to_str().unwrap()),
            ],
        );
        assert!(out.status.success(), "{input}: {}", text(&out.stderr));
        assert!(
            want.join("clearml-sso").is_file(),
            "{input}: {}",
            text(&out.stderr)
        );
        assert!(
            !work.path().join("~").exists(),
            "{input}: a directory named ~"
        );
        assert_eq!(
            std::fs::read_to_string(&gh_path).unwrap(),
            format!("{}\n", want.display()),
            "{input}"
        );
    }
}
