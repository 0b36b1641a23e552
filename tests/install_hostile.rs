//! The install scripts against what a hostile network or an unlucky download does, with no
//! Helm and no server (plain `cargo test`): a plain-http release URL that is not this machine
//! (including `http://127.0.0.1:80@host/`, which curl sends to `host`) is refused before anything
//! is downloaded, by `scripts/install-binary` (the action) and `scripts/install-plugin` alike;
//! and `scripts/install-plugin` cut short while piped into bash (`curl … | bash` over a dropped
//! connection) runs nothing at all.

mod common;
use common::*;
use std::path::{Path, PathBuf};

fn bash() -> PathBuf {
    ["/bin/bash", "/usr/bin/bash"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .expect("bash at /bin/bash or /usr/bin/bash")
}

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
