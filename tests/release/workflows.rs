//! The GitHub workflows: checked by actionlint (with ShellCheck on every `run:` script), and
//! shaped as the release contract says (the release workflow calls the same `scripts/release`
//! the tests run, with its documented command lines, gives it settings under the names it
//! reads, and uploads every file it makes).

use crate::harness::*;
use serde_yaml::Value;
use std::path::PathBuf;

fn workflow(name: &str) -> Value {
    let path = root().join(".github/workflows").join(name);
    serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every `run:` script of a job.
fn runs(job: &Value) -> Vec<String> {
    job["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(|s| s["run"].as_str().map(str::to_string))
        .collect()
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn the_workflows_pass_actionlint_and_shellcheck() {
    let files: Vec<PathBuf> = ["ci.yml", "release.yml"]
        .iter()
        .map(|f| root().join(".github/workflows").join(f))
        .collect();
    let out = actionlint(&root(), &files);
    assert!(
        out.status.success(),
        "actionlint found problems in the workflows:\n{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// The check above can fail: a typo in an expression and a shell mistake are both reported.
#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn actionlint_reports_a_broken_workflow() {
    let release = std::fs::read_to_string(root().join(".github/workflows/release.yml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".github/workflows")).unwrap();
    let cases = [
        (
            "PLATFORM: ${{ matrix.platform }}",
            "PLATFORM: ${{ matrix.platfrom }}",
            "property \"platfrom\" is not defined",
        ),
        (
            "scripts/release --build-only out",
            "scripts/release --build-only $OUT_DIR",
            "SC2086",
        ),
    ];
    for (from, to, expect) in cases {
        assert!(release.contains(from), "release.yml has no {from}");
        let broken = dir.path().join(".github/workflows/release.yml");
        std::fs::write(&broken, release.replacen(from, to, 1)).unwrap();
        let out = actionlint(dir.path(), &[broken]);
        assert!(!out.status.success(), "{to}: not reported");
        assert!(
            text(&out.stdout).contains(expect),
            "{to}: {}",
            text(&out.stdout)
        );
    }
}

#[test]
fn ci_runs_the_test_suite() {
    let ci = workflow("ci.yml");
    let job = &ci["jobs"]["test"];
    assert!(
        runs(job).iter().any(|r| r.trim() == "scripts/test"),
        "ci.yml runs scripts/test: {:?}",
        runs(job)
    );
    assert!(ci["on"]["pull_request"].is_null() && ci["on"].get("pull_request").is_some());
}

#[test]
fn release_builds_each_platform_natively_then_packages_with_scripts_release() {
    let release = workflow("release.yml");
    assert_eq!(
        release["on"]["push"]["tags"][0], "v[0-9]+.[0-9]+.[0-9]+",
        "released on a tag vX.Y.Z"
    );
    let build = &release["jobs"]["build"];
    assert_eq!(build["runs-on"], "${{ matrix.runner }}");
    let matrix: Vec<(String, String)> = build["strategy"]["matrix"]["include"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["runner"].as_str().unwrap().to_string(),
                m["platform"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want = [
        ("ubuntu-24.04", "linux-amd64"),
        ("ubuntu-24.04-arm", "linux-arm64"),
        ("macos-14", "darwin-arm64"),
        ("macos-15-intel", "darwin-amd64"),
    ];
    assert_eq!(
        matrix,
        want.map(|(r, p)| (r.to_string(), p.to_string())),
        "one native runner per platform"
    );
    assert!(runs(build)
        .iter()
        .any(|r| r.trim() == "scripts/release --build-only out"));
    let upload = build["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/upload-artifact@"))
        })
        .expect("the build job uploads its binary");
    // The whole platform directory: the binary, and on Linux the sidecar image's bash and Helm.
    assert_eq!(upload["with"]["path"], "out/bin/${{ matrix.platform }}/");
    let staged = runs(build).join("\n");
    assert!(
        staged.contains("echo \"CLEARML_SSO_IMAGE_BASH="),
        "the Linux builds stage a static bash: {staged}"
    );

    let publish = &release["jobs"]["publish"];
    assert_eq!(publish["needs"], "build");
    let scripts = runs(publish).join("\n");
    for line in [
        "install -D -m 0755 \"$dir/clearml-sso\" \"out/bin/$platform/clearml-sso\"",
        "scripts/release --no-build --require-pin --push ghcr.io/clearml-sso/clearml-sso out",
        "gpg --batch --import",
        "echo \"CLEARML_SSO_SIGN_KEY=$fpr\" >>\"$GITHUB_ENV\"",
        "test -s \"out/clearml-sso-$version.tgz.prov\"",
        "sha256sum --check --strict SHA256SUMS",
        "gh release create \"$GITHUB_REF_NAME\"",
        "out/clearml-sso-\"$version\"-*.tar.gz out/install-plugin out/install-binary",
        "out/clearml-sso.1 out/clearml-sso.bash out/_clearml-sso out/clearml-sso.fish out/SHA256SUMS out/SHA256SUMS.asc",
        "gpgv --keyring \"$PWD/out/clearml-sso-signing-key.gpg\" out/SHA256SUMS.asc out/SHA256SUMS",
        "test -s out/clearml-sso-signing-key.gpg",
    ] {
        assert!(scripts.contains(line), "the publish job runs {line}");
    }
    assert_eq!(publish["permissions"]["contents"], "write");
    assert_eq!(publish["permissions"]["packages"], "write");
}

/// The platforms the release workflow builds (its build matrix).
fn release_platforms() -> Vec<String> {
    workflow("release.yml")["jobs"]["build"]["strategy"]["matrix"]["include"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|m| m["platform"].as_str().unwrap().to_string())
        .collect()
}

/// What `scripts/release` writes into OUTDIR besides `bin/`, read from the script: every word it
/// puts into its `artifacts` array (the files SHA256SUMS covers) with `$name`, `$tgz` and
/// `$version` resolved and `$platform` each of `platforms`, and SHA256SUMS itself.
fn script_artifacts(version: &str, platforms: &[String]) -> Vec<String> {
    let script = std::fs::read_to_string(root().join("scripts/release")).unwrap();
    let assigned = |var: &str| -> String {
        let line = script
            .lines()
            .find(|l| l.starts_with(&format!("{var}=")))
            .unwrap_or_else(|| panic!("scripts/release sets no {var}"));
        let value = line[var.len() + 1..].split_whitespace().next().unwrap();
        value.trim_matches('"').to_string()
    };
    let (name, tgz) = (assigned("name"), assigned("tgz"));
    let resolve = |word: &str| -> String {
        word.replace("$tgz", &tgz)
            .replace("$name", &name)
            .replace("$version", version)
    };
    let mut files = Vec::new();
    let mut assignments = 0;
    for line in script.lines() {
        let Some(at) = line
            .find("artifacts=(")
            .or_else(|| line.find("artifacts+=("))
        else {
            continue;
        };
        assignments += 1;
        let list = &line[line[at..].find('(').unwrap() + at + 1..];
        let list = &list[..list.find(')').expect("artifacts list closes on its line")];
        for word in list.split('"').skip(1).step_by(2) {
            let word = resolve(word);
            if word.contains("$linux_platform") {
                // The container image archives: Linux platforms only.
                files.extend(
                    platforms
                        .iter()
                        .filter(|p| p.starts_with("linux-"))
                        .map(|p| word.replace("$linux_platform", p)),
                );
            } else if word.contains("$platform") {
                files.extend(platforms.iter().map(|p| word.replace("$platform", p)));
            } else {
                files.push(word);
            }
        }
    }
    assert!(
        assignments >= 3,
        "scripts/release no longer builds its artifacts list as this test reads it ({assignments} assignments)"
    );
    assert!(
        script.contains("sha256sum \"${artifacts[@]}\" >SHA256SUMS"),
        "scripts/release writes SHA256SUMS over its artifacts"
    );
    files.push("SHA256SUMS".into());
    assert!(
        script.contains("--detach-sign -o \"$out/SHA256SUMS.asc\""),
        "scripts/release signs SHA256SUMS"
    );
    files.push("SHA256SUMS.asc".into());
    for file in &files {
        assert!(!file.contains('$'), "unresolved in scripts/release: {file}");
    }
    files
}

/// The GitHub release gets every file `scripts/release` makes for the workflow's platforms
/// (signed: the .prov and the public key included), and nothing the script does not make.
#[test]
fn release_uploads_every_file_scripts_release_makes() {
    use crate::harness::release::{glob_matches, workflow_uploads};
    let version = env!("CARGO_PKG_VERSION");
    let platforms = release_platforms();
    let made = script_artifacts(version, &platforms);
    assert!(
        made.contains(&format!("clearml-sso-{version}.tgz.prov"))
            && made.contains(&"clearml-sso-signing-key.gpg".to_string())
            && made.contains(&format!("clearml-sso-{version}-linux-arm64.tar.gz"))
            && made.contains(&format!(
                "argocd-cmp-clearml-sso-{version}-linux-arm64.oci.tar"
            ))
            && !made.contains(&format!("clearml-sso-cli-{version}-darwin-arm64.oci.tar")),
        "{made:?}"
    );
    let uploads = workflow_uploads(version);
    for file in &made {
        assert!(
            uploads.iter().any(|p| glob_matches(p, file)),
            "release.yml does not upload {file}, which scripts/release makes (uploads: {uploads:?})"
        );
    }
    for pattern in &uploads {
        assert!(
            made.iter().any(|f| glob_matches(pattern, f)),
            "release.yml uploads {pattern}, which scripts/release does not make ({made:?})"
        );
    }
}

/// Every setting the publish job hands to scripts/release (a step's `env:` or a line appended to
/// `$GITHUB_ENV`) is one scripts/release or scripts/oci-push reads: a renamed variable there
/// would otherwise be ignored silently (an unsigned release, a push without credentials).
#[test]
fn release_hands_scripts_release_the_settings_it_reads() {
    let release = workflow("release.yml");
    let publish = &release["jobs"]["publish"];
    let read = [
        std::fs::read_to_string(root().join("scripts/release")).unwrap(),
        std::fs::read_to_string(root().join("scripts/oci-push")).unwrap(),
    ]
    .join("\n");
    let mut handed: Vec<String> = Vec::new();
    for step in publish["steps"].as_sequence().unwrap() {
        let run = step["run"].as_str().unwrap_or_default();
        if run.contains("scripts/release") {
            if let Some(env) = step["env"].as_mapping() {
                handed.extend(env.keys().map(|k| k.as_str().unwrap().to_string()));
            }
        }
        for line in run.lines() {
            if let Some(rest) = line.trim().strip_prefix("echo \"") {
                if line.contains(">>\"$GITHUB_ENV\"") {
                    handed.push(rest.split('=').next().unwrap().to_string());
                }
            }
        }
    }
    for want in [
        "CLEARML_SSO_SIGN_KEY",
        "CLEARML_SSO_SIGN_PASSPHRASE_FILE",
        "CLEARML_SSO_ORAS_PYTHON",
        "CLEARML_SSO_OCI_USERNAME",
        "CLEARML_SSO_OCI_PASSWORD",
        "HELM_BIN",
        "GNUPGHOME",
    ] {
        assert!(
            handed.iter().any(|h| h == want),
            "the publish job sets {want}: {handed:?}"
        );
    }
    for name in &handed {
        assert!(
            read.contains(&format!("${name}"))
                || read.contains(&format!("${{{name}"))
                || read.contains(&format!("\"{name}\"")),
            "release.yml sets {name}, which neither scripts/release nor scripts/oci-push reads"
        );
    }
}
