//! The install scripts against what a hostile network or an unlucky download does, with no
//! Helm and no server (plain `cargo test`): a plain-http release URL that is not this machine
//! (including `http://127.0.0.1:80@host/`, which curl sends to `host`) is refused before anything
//! is downloaded, by `scripts/install-binary` (the action) and `scripts/install-plugin` alike;
//! and `scripts/install-plugin` cut short while piped into bash (`curl … | bash` over a dropped
//! connection) runs nothing at all; and a release whose binary does not run on this machine
//! (another architecture, a broken build) never replaces an installed one (served from this
//! process: plain `cargo test` has no Python).

use crate::harness::http::Server;
use crate::harness::*;
use std::path::Path;

/// URLs that would send the sums and the tarball over plain HTTP to another machine.
const NOT_LOCAL: [&str; 6] = [
    "http://example.invalid/",
    "http://127.0.0.1:80@example.invalid/",
    "http://localhost@example.invalid",
    "http://127.0.0.1.example.invalid/",
    "http://localhost.example.invalid:8080/",
    "http://[::1]@example.invalid/",
];

#[test]
fn install_binary_refuses_plain_http_to_another_machine_before_downloading() {
    for url in NOT_LOCAL {
        let home = tempfile::tempdir().unwrap();
        let dest = home.path().join("bin");
        let out = run_in(
            &bash(),
            &[root().join("scripts/install-binary").to_str().unwrap()],
            b"",
            Some(home.path()),
            &[
                ("PATH", "/usr/bin:/bin"),
                ("HOME", home.path().to_str().unwrap()),
                ("CLEARML_SSO_RELEASES", url),
                ("CLEARML_SSO_INSTALL_DIR", dest.to_str().unwrap()),
            ],
        );
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{url}: {err}");
        assert!(
            err.contains("is neither https:// nor a plain http:// server on this machine"),
            "{url}: {err}"
        );
        assert!(!err.contains("curl"), "{url}: it tried to download: {err}");
        assert!(!dest.exists(), "{url}");
    }
}

#[test]
fn install_plugin_refuses_plain_http_to_another_machine_before_downloading() {
    for url in NOT_LOCAL {
        let home = tempfile::tempdir().unwrap();
        let dest = home.path().join("bin");
        let out = run_in(
            &bash(),
            &[
                root().join("scripts/install-plugin").to_str().unwrap(),
                "--binary",
                "--bin-dir",
                dest.to_str().unwrap(),
                "--base",
                url,
            ],
            b"",
            Some(home.path()),
            &[
                ("PATH", "/usr/bin:/bin"),
                ("HOME", home.path().to_str().unwrap()),
                ("HELM_BIN", ""),
            ],
        );
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{url}: {err}");
        assert!(
            err.contains("is neither https:// nor a plain http:// server on this machine"),
            "{url}: {err}"
        );
        assert!(!err.contains("cannot download"), "{url}: {err}");
        assert!(!dest.exists(), "{url}");
    }
}

/// `curl -fsSL …/install-plugin | bash -s -- …` where the download stops at `cut` bytes: bash
/// gets a script without its end.
fn piped(script: &[u8], cut: usize, home: &Path, dest: &Path) -> std::process::Output {
    run_in(
        &bash(),
        &["-s", "--", "--binary", "--bin-dir", dest.to_str().unwrap()],
        &script[..cut],
        Some(home),
        &[
            ("PATH", "/usr/bin:/bin"),
            ("HOME", home.to_str().unwrap()),
            ("HELM_BIN", ""),
            // Nothing listens on the discard port: a script that got that far fails to download.
            ("CLEARML_SSO_RELEASES", "http://127.0.0.1:9/"),
        ],
    )
}

#[test]
fn install_plugin_cut_short_in_a_pipe_runs_nothing() {
    let script = std::fs::read(root().join("scripts/install-plugin")).unwrap();
    let text_of = String::from_utf8(script.clone()).unwrap();
    // From its first assignment on (before it: comments and `set`), every 7th line end, and
    // cuts mid-line.
    let start = text_of
        .find("\nname=clearml-sso\n")
        .expect("name=clearml-sso")
        + 1;
    let mut cuts: Vec<usize> = text_of[start..]
        .match_indices('\n')
        .map(|(i, _)| start + i + 1)
        .filter(|&i| i < script.len())
        .step_by(7)
        .collect();
    cuts.extend([script.len() - 2, script.len() / 2 + 3]);
    for cut in cuts {
        let home = tempfile::tempdir().unwrap();
        let dest = home.path().join("bin");
        let out = piped(&script, cut, home.path(), &dest);
        let err = text(&out.stderr);
        assert!(
            !out.status.success(),
            "cut at byte {cut} of {}: exit 0 from a partial script: {err}",
            script.len()
        );
        assert!(
            !err.contains("install-plugin:"),
            "cut at byte {cut} of {}: part of the script ran: {err}",
            script.len()
        );
        assert!(!dest.exists(), "cut at byte {cut}");
    }
    // The whole script, through the same pipe, does run (and fails only at the download).
    let home = tempfile::tempdir().unwrap();
    let dest = home.path().join("bin");
    let out = piped(&script, script.len(), home.path(), &dest);
    let err = text(&out.stderr);
    assert!(
        err.contains("install-plugin: cannot download http://127.0.0.1:9/SHA256SUMS"),
        "{err}"
    );
}

/// `dir` served by the harness's HTTP server (in this test process: plain `cargo test` has no
/// Python), as a base URL with its trailing slash.
fn served(dir: &Path) -> String {
    format!("{}/", Server::serve(dir).url)
}

/// A release directory as scripts/release lays it out for the bare binary: the tarball for this
/// machine holding `binary` as clearml-sso, and SHA256SUMS (also naming a plugin tarball, which
/// install-plugin reads the version from; the binary path never downloads it).
fn bare_release(dir: &Path, binary: &[u8]) {
    let version = env!("CARGO_PKG_VERSION");
    let stage = tempfile::tempdir().unwrap();
    let exe = stage.path().join("clearml-sso");
    std::fs::write(&exe, binary).unwrap();
    std::fs::set_permissions(&exe, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let tarball = format!("clearml-sso-{version}-{}.tar.gz", plugin_platform());
    // The machine's tools, as the scripts get them: plain `cargo test` may run with a PATH
    // holding only cargo and rustc.
    let tar = std::process::Command::new("tar")
        .env("PATH", "/usr/bin:/bin")
        .arg("-czf")
        .arg(dir.join(&tarball))
        .arg("-C")
        .arg(stage.path())
        .arg("clearml-sso")
        .status()
        .unwrap();
    assert!(tar.success());
    let sum = std::process::Command::new("sha256sum")
        .env("PATH", "/usr/bin:/bin")
        .arg(&tarball)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(sum.status.success());
    let sums = format!(
        "{}  clearml-sso-{version}.tgz\n{}",
        "0".repeat(64),
        text(&sum.stdout)
    );
    std::fs::write(dir.join("SHA256SUMS"), sums).unwrap();
}

fn install_plugin_binary(base: &str, home: &Path, dest: &Path) -> std::process::Output {
    install_plugin_binary_with(&[], base, home, dest)
}

fn install_plugin_binary_with(
    extra: &[&str],
    base: &str,
    home: &Path,
    dest: &Path,
) -> std::process::Output {
    let script = root().join("scripts/install-plugin");
    let mut args = vec![script.to_str().unwrap()];
    args.extend_from_slice(extra);
    run_in(
        &bash(),
        &[
            &args[..],
            // bare_release is unsigned (plain `cargo test` has no gpg): these tests are about
            // what comes after the signature check (tests/release/signatures.rs).
            &[
                "--binary",
                "--insecure-skip-signature",
                "--bin-dir",
                dest.to_str().unwrap(),
                "--base",
                base,
            ],
        ]
        .concat(),
        b"",
        Some(home),
        &[
            ("PATH", "/usr/bin:/bin"),
            ("HOME", home.to_str().unwrap()),
            ("HELM_BIN", ""),
        ],
    )
}

/// `--version latest` (as the action's input is spelt) is the release at the URL, not a
/// version called "latest"; a version the mirror does not hold is refused.
#[test]
fn install_plugin_takes_version_latest() {
    let home = tempfile::tempdir().unwrap();
    let release = tempfile::tempdir().unwrap();
    bare_release(release.path(), &std::fs::read(bin()).unwrap());
    let base = served(release.path());
    for version in ["latest", env!("CARGO_PKG_VERSION")] {
        let dest = home.path().join(version);
        let out = install_plugin_binary_with(&["--version", version], &base, home.path(), &dest);
        assert!(out.status.success(), "{version}: {}", text(&out.stderr));
        assert!(dest.join("clearml-sso").is_file(), "{version}");
    }
    let dest = home.path().join("other");
    let out = install_plugin_binary_with(&["--version", "9.9.9"], &base, home.path(), &dest);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("not the requested 9.9.9"),
        "{}",
        text(&out.stderr)
    );
    assert!(!dest.exists());
}

/// A release whose binary for this machine does not run here (built for another architecture,
/// or broken) installs nothing, and an installed one stays; the same release with this build
/// installs (the harness works).
#[test]
fn install_plugin_never_installs_a_binary_that_does_not_run_here() {
    let home = tempfile::tempdir().unwrap();
    let dest = home.path().join("bin");

    let good = tempfile::tempdir().unwrap();
    bare_release(good.path(), &std::fs::read(bin()).unwrap());
    let out = install_plugin_binary(&served(good.path()), home.path(), &dest);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let installed = std::fs::read(dest.join("clearml-sso")).unwrap();

    // Not an executable of this machine: exec fails ("exec format error").
    let bad = tempfile::tempdir().unwrap();
    let mut foreign = b"\x7fELF\x02\x01\x01\0".to_vec();
    foreign.resize(4096, 0xa5);
    bare_release(bad.path(), &foreign);
    let out = install_plugin_binary(&served(bad.path()), home.path(), &dest);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("does not run on this machine") && err.contains("nothing installed"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(dest.join("clearml-sso")).unwrap(),
        installed,
        "the working binary was replaced: {err}"
    );
}

/// Someone who installed with `cargo install` before has an older clearml-sso in ~/.cargo/bin,
/// usually ahead of ~/.local/bin on PATH: that is the one Helm 3 would run, so the install
/// says so, naming it and its version. With the new one first, nothing is said.
#[test]
fn install_plugin_warns_when_an_older_binary_comes_first_on_path() {
    let home = tempfile::tempdir().unwrap();
    let release = tempfile::tempdir().unwrap();
    bare_release(release.path(), &std::fs::read(bin()).unwrap());
    let base = served(release.path());
    let cargo_bin = home.path().join(".cargo/bin");
    std::fs::create_dir_all(&cargo_bin).unwrap();
    let old = cargo_bin.join("clearml-sso");
    std::fs::write(&old, "#!/bin/sh\necho clearml-sso 0.0.1\n").unwrap();
    std::fs::set_permissions(&old, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let dest = home.path().join(".local/bin");
    let script = root().join("scripts/install-plugin");
    let run = |path: String| {
        run_in(
            &bash(),
            &[
                script.to_str().unwrap(),
                "--binary",
                "--insecure-skip-signature",
                "--base",
                &base,
            ],
            b"",
            Some(home.path()),
            &[
                ("PATH", &path),
                ("HOME", home.path().to_str().unwrap()),
                ("HELM_BIN", ""),
            ],
        )
    };
    let out = run(format!(
        "{}:{}:/usr/bin:/bin",
        cargo_bin.display(),
        dest.display()
    ));
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains(&format!(
            "WARNING: `clearml-sso` on PATH is {} (clearml-sso 0.0.1), which comes before {}",
            old.display(),
            dest.display()
        )),
        "{err}"
    );
    let out = run(format!(
        "{}:{}:/usr/bin:/bin",
        dest.display(),
        cargo_bin.display()
    ));
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(!err.contains("WARNING: `clearml-sso` on PATH"), "{err}");
    // The opt-out these unsigned test releases need is said loudly.
    assert!(
        err.contains("WARNING: NOT verifying") && err.contains("--insecure-skip-signature"),
        "{err}"
    );
}
