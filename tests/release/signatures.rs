//! SHA256SUMS is signed, and every install path verifies that signature with real gpg before it
//! trusts the sums: `scripts/install-binary` (the action's logic) and `scripts/install-plugin`'s
//! binary paths (Helm 3, `--binary` with Helm 4, no Helm), as the release published them (the
//! release key pinned) and as this repository holds them (no key pinned: only `--keyring` /
//! `CLEARML_SSO_KEYRING` vouches). A good mirror installs; rewritten sums, sums and key re-signed
//! by another key (also with the real key given as the keyring) and a missing SHA256SUMS.asc are
//! refused, and nothing is installed. (The GitLab job and the action: tests/release/readme_ci.rs;
//! Helm 4's plugin path: tests/release/e2e.rs.)

use crate::harness::release::*;
use crate::harness::*;
use std::path::Path;
use std::process::Output;

const MIRRORS: [Mirror; 3] = [
    Mirror::RewrittenSums,
    Mirror::ResignedByAnotherKey,
    Mirror::NoSignature,
];

/// How install-plugin is run: which Helm it finds.
#[derive(Clone, Copy, Debug)]
enum Path3 {
    Helm3,
    Helm4Binary,
    NoHelm,
}

/// Runs `script` (install-binary or install-plugin) against `url`, installing into `dest`,
/// with `keyring` given as the script takes it.
fn install(
    script: &Path,
    how: Option<Path3>,
    url: &str,
    dest: &Path,
    keyring: Option<&Path>,
) -> Output {
    let home = tempfile::tempdir().unwrap();
    let path = std::env::var("PATH").unwrap();
    let dest_s = dest.to_str().unwrap().to_string();
    let mut vars: Vec<(&str, String)> = vec![
        ("PATH", path),
        ("HOME", home.path().display().to_string()),
        ("CLEARML_SSO_RELEASES", url.to_string()),
    ];
    let mut args = vec![script.to_str().unwrap().to_string()];
    match how {
        None => {
            vars.push(("CLEARML_SSO_INSTALL_DIR", dest_s));
            if let Some(k) = keyring {
                vars.push(("CLEARML_SSO_KEYRING", k.display().to_string()));
            }
        }
        Some(p) => {
            let helm = match p {
                Path3::Helm3 => tool("HELM3_BIN").display().to_string(),
                Path3::Helm4Binary => tool("HELM4_BIN").display().to_string(),
                // An empty HELM_BIN and no helm on this PATH: the no-Helm path.
                Path3::NoHelm => String::new(),
            };
            vars.push(("HELM_BIN", helm));
            args.extend(["--bin-dir".to_string(), dest_s]);
            if matches!(p, Path3::Helm4Binary) {
                args.push("--binary".into());
            }
            if let Some(k) = keyring {
                args.extend(["--keyring".to_string(), k.display().to_string()]);
            }
        }
    }
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run_in(&bash(), &args, b"", Some(home.path()), &vars)
}

fn assert_installed(out: &Output, dest: &Path, what: &str) {
    let err = text(&out.stderr);
    assert!(out.status.success(), "{what}: {err}");
    assert!(err.contains(&made().fpr), "{what}: names the signer: {err}");
    let v = run_in(&dest.join("clearml-sso"), &["--version"], b"", None, &[]);
    assert_eq!(
        text(&v.stdout),
        format!("clearml-sso {VERSION}\n"),
        "{what}"
    );
    assert!(!text(&v.stderr).contains(FAKE), "{what}");
}

fn assert_refused(out: &Output, dest: &Path, what: &str, why: &str) {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{what}: {err}");
    assert!(err.contains(why), "{what}: want {why:?} in: {err}");
    assert!(err.contains("nothing installed"), "{what}: {err}");
    assert!(!err.contains(FAKE), "{what}: the fake ran: {err}");
    assert!(
        !dest.join("clearml-sso").exists(),
        "{what}: installed after a refusal"
    );
}

/// What the refusal says for each mirror, with the pinned key or a keyring.
fn why(how: Mirror, keyring: bool) -> &'static str {
    match (how, keyring) {
        (Mirror::NoSignature, _) => "SHA256SUMS.asc cannot be downloaded",
        (Mirror::RewrittenSums, false) => "not a valid signature by the pinned release key",
        (Mirror::ResignedByAnotherKey, false) => "not by the pinned release key",
        (_, true) => "not a valid signature by a key in",
    }
}

/// Every script and path, against a good mirror and each hostile one.
fn every_mirror(script: &Path, how: Option<Path3>) {
    let key = made().key();
    let what = format!("{} {how:?}", script.display());
    let (_good, server) = served_release();
    let dest = tempfile::tempdir().unwrap();
    let out = install(script, how, &server.url, &dest.path().join("bin"), None);
    assert_installed(&out, &dest.path().join("bin"), &what);
    let dest = tempfile::tempdir().unwrap();
    let out = install(
        script,
        how,
        &server.url,
        &dest.path().join("bin"),
        Some(&key),
    );
    assert_installed(&out, &dest.path().join("bin"), &format!("{what} --keyring"));

    for mirror in MIRRORS {
        let (release, server) = served_release();
        tamper(release.path(), mirror);
        for keyring in [None, Some(key.as_path())] {
            let dest = tempfile::tempdir().unwrap();
            let bin = dest.path().join("bin");
            let out = install(script, how, &server.url, &bin, keyring);
            let what = format!("{what} {mirror:?} keyring {keyring:?}");
            assert_refused(&out, &bin, &what, why(mirror, keyring.is_some()));
        }
    }
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn install_binary_verifies_the_signature() {
    every_mirror(&install_script(), None);
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn install_plugin_verifies_the_signature_on_helm3() {
    every_mirror(&made().script("install-plugin"), Some(Path3::Helm3));
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn install_plugin_verifies_the_signature_for_binary_with_helm4() {
    every_mirror(&made().script("install-plugin"), Some(Path3::Helm4Binary));
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn install_plugin_verifies_the_signature_without_helm() {
    every_mirror(&made().script("install-plugin"), Some(Path3::NoHelm));
}

/// This repository's copies pin no key yet: without a keyring they refuse even a good release,
/// saying what to do; with the real key (binary, or armored as a user may hold it) they install.
#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn repository_copies_need_the_keyring_until_a_key_is_pinned() {
    let (_good, server) = served_release();
    let armored = tempfile::tempdir().unwrap();
    let asc = armored.path().join("release-key.asc");
    let gpg = run_in(
        &tool("GPG_BIN"),
        &[
            "--enarmor",
            "-o",
            asc.to_str().unwrap(),
            made().key().to_str().unwrap(),
        ],
        b"",
        None,
        &[("GNUPGHOME", armored.path().to_str().unwrap())],
    );
    assert!(gpg.status.success(), "{}", text(&gpg.stderr));
    for (script, how) in [
        (root().join("scripts/install-binary"), None),
        (root().join("scripts/install-plugin"), Some(Path3::NoHelm)),
    ] {
        let what = format!("{}", script.display());
        let dest = tempfile::tempdir().unwrap();
        let bin = dest.path().join("bin");
        let out = install(&script, how, &server.url, &bin, None);
        assert_refused(&out, &bin, &what, "pins no release key");
        for key in [made().key(), asc.clone()] {
            let dest = tempfile::tempdir().unwrap();
            let bin = dest.path().join("bin");
            let out = install(&script, how, &server.url, &bin, Some(&key));
            assert_installed(&out, &bin, &format!("{what} {}", key.display()));
        }
    }
}
