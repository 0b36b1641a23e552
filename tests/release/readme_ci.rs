//! The CI jobs of docs/ci.md, run locally in a scratch copy of the repository layout with the
//! pinned Helm 3 as `helm`: each job installs clearml-sso as docs/ci.md says — the GitHub job
//! through the action (`action.yml`), the GitLab job with its own `curl` and `sha256sum` lines —
//! from a local HTTP server serving a release that `scripts/release --no-build` made from this
//! build (Helm 4 packs it), then runs its check. Left out: steps that install Helm
//! (`azure/setup-helm`, `apk add`), which need the CI's own machine.

use crate::harness::release::*;
use crate::harness::*;
use serde_yaml::Value;
use std::path::Path;

/// The YAML block that follows `<!-- ci:NAME -->` in docs/ci.md.
fn job(name: &str) -> Value {
    serde_yaml::from_str(&job_text(name)).unwrap()
}

/// That block as text.
fn job_text(name: &str) -> String {
    let readme = std::fs::read_to_string(root().join("docs/ci.md")).unwrap();
    let marker = format!("<!-- ci:{name} -->");
    let after = &readme[readme
        .find(&marker)
        .unwrap_or_else(|| panic!("docs/ci.md has no {marker}"))..];
    let block = after
        .split("```yaml\n")
        .nth(1)
        .unwrap()
        .split("\n```")
        .next()
        .unwrap();
    block.to_string()
}

/// A scratch directory with the repository's chart and policies and `helm` on PATH (clearml-sso
/// is not: each job installs it).
fn workspace() -> (tempfile::TempDir, String) {
    let helm = tool("HELM3_BIN");
    let dir = tempfile::tempdir().unwrap();
    for d in ["examples", "policies"] {
        std::os::unix::fs::symlink(root().join(d), dir.path().join(d)).unwrap();
    }
    let bin_dir = dir.path().join(".tools");
    std::fs::create_dir(&bin_dir).unwrap();
    std::os::unix::fs::symlink(helm, bin_dir.join("helm")).unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    (dir, path)
}

fn sh(dir: &Path, path: &str, env: &[(String, String)], script: &str) -> std::process::Output {
    let mut vars: Vec<(&str, &str)> = vec![("PATH", path)];
    vars.extend(env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    run_in(
        Path::new("/bin/bash"),
        &["-eo", "pipefail", "-c", script],
        b"",
        Some(dir),
        &vars,
    )
}

fn env_of(v: &Value) -> Vec<(String, String)> {
    v.as_mapping()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    (
                        k.as_str().unwrap().to_string(),
                        v.as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Names and values (a job's env, a step's `with:`).
type Vars = Vec<(String, String)>;

/// The GitHub job: its env, the `with:` of its clearml-sso action step, and its check step.
fn github_job() -> (Vars, Vars, String) {
    let job = job("github");
    let (_, job) = job["jobs"].as_mapping().unwrap().iter().next().unwrap();
    let steps = job["steps"].as_sequence().unwrap();
    let action: Vec<&Value> = steps
        .iter()
        .filter(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("clearml-sso/clearml-sso@"))
        })
        .collect();
    assert_eq!(
        action.len(),
        1,
        "the job installs clearml-sso with the action"
    );
    // The action's ref and the version it installs are the same release, this one.
    let with = env_of(&action[0]["with"]);
    assert_eq!(
        action[0]["uses"].as_str().unwrap(),
        format!("clearml-sso/clearml-sso@v{VERSION}")
    );
    assert_eq!(with, [("version".to_string(), VERSION.to_string())]);
    let runs: Vec<&str> = steps.iter().filter_map(|s| s["run"].as_str()).collect();
    assert_eq!(runs.len(), 1, "the check step");
    (env_of(&job["env"]), with, runs[0].to_string())
}

/// Runs the job's action step (with the release's base URL pointed at `server`) and returns
/// the PATH the next step gets.
fn github_install(
    dir: &Path,
    path: &str,
    with: &[(String, String)],
    server: &Server,
) -> (std::process::Output, String) {
    let mut with: Vec<(&str, &str)> = with.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    with.push(("base-url", &server.url));
    let runner_temp = dir.join(".runner-temp");
    std::fs::create_dir_all(&runner_temp).unwrap();
    let (out, added) = run_action(&with, &runner_temp);
    let mut full = added;
    full.push(path.to_string());
    (out, full.join(":"))
}

/// The GitLab job's variables, its before_script without `apk add` (Alpine's package manager,
/// as root: the CI image's business), and its script. Every variable the job uses is one it
/// defines (GitLab leaves an undefined one empty, silently).
fn gitlab_job() -> (Vec<(String, String)>, String, String) {
    let job = job("gitlab");
    let (_, job) = job.as_mapping().unwrap().iter().next().unwrap();
    let lines = |key: &str| -> Vec<String> {
        job[key]
            .as_sequence()
            .unwrap_or_else(|| panic!("the GitLab job has a {key}"))
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect()
    };
    let before: Vec<String> = lines("before_script")
        .into_iter()
        .filter(|l| !l.starts_with("apk add "))
        .collect();
    let script = lines("script");
    assert!(!script.is_empty(), "the GitLab job has a script");
    let (before, script) = (before.join("\n"), script.join("\n"));
    let vars = env_of(&job["variables"]);
    for text in [&before, &script] {
        for (i, _) in text.match_indices('$') {
            let name: String = text[i + 1..]
                .trim_start_matches('{')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if name.is_empty() || name == "PATH" || name == "PWD" {
                continue;
            }
            assert!(
                vars.iter().any(|(k, _)| *k == name),
                "the GitLab job uses ${name} without defining it: {vars:?}"
            );
        }
    }
    (vars, before, script)
}

/// The job's variables with `CLEARML_SSO_RELEASES` pointed at `server` and
/// `CLEARML_SSO_KEY_FPR` the test release key's fingerprint.
fn gitlab_env(server: &Server) -> Vec<(String, String)> {
    let (vars, _, _) = gitlab_job();
    vars.into_iter()
        .map(|(k, v)| {
            let v = match k.as_str() {
                "CLEARML_SSO_RELEASES" => server.url.clone(),
                "CLEARML_SSO_KEY_FPR" => made().fpr.clone(),
                _ => v,
            };
            (k, v)
        })
        .collect()
}

/// The job blocks of docs/ci.md parse and have the shape the tests below run (no Helm needed).
#[test]
fn readme_ci_jobs_are_well_formed() {
    let (env, _, _) = github_job();
    assert!(
        env.iter().any(|(k, _)| k == "CLEARML_SSO_POLICY"),
        "the GitHub job names its policy: {env:?}"
    );
    let (vars, _, _) = gitlab_job();
    let get = |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    assert_eq!(get("CLEARML_SSO_VERSION").as_deref(), Some(VERSION));
    assert!(
        get("CLEARML_SSO_KEY_FPR").is_some(),
        "the GitLab job pins the release key"
    );
    assert_eq!(
        get("CLEARML_SSO_RELEASES"),
        Some(format!(
            "https://github.com/clearml-sso/clearml-sso/releases/download/v{VERSION}"
        ))
    );
}

/// Appends a byte to the served tarball: its sum no longer matches SHA256SUMS.
fn tamper(release: &Path) {
    let tarball = release.join(tarball_name());
    let mut bytes = std::fs::read(&tarball).unwrap();
    bytes.push(0);
    std::fs::write(&tarball, bytes).unwrap();
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn github_actions_job_passes_a_sound_policy_and_fails_a_broken_one() {
    let (release, server) = served_release();
    let (dir, path) = workspace();
    let (env, with, step) = github_job();
    let (install, path) = github_install(dir.path(), &path, &with, &server);
    assert!(install.status.success(), "{}", text(&install.stderr));
    let ok = sh(dir.path(), &path, &env, &step);
    assert!(
        ok.status.success(),
        "{}\n{}",
        text(&ok.stdout),
        text(&ok.stderr)
    );
    // The settings render adds by design are not annotations on the pull request; the
    // summary line counts them.
    let stdout = text(&ok.stdout);
    assert!(!stdout.lines().any(|l| l.starts_with("::")), "{stdout}");
    assert!(stdout.contains("clearml-sso: 0 errors"), "{stdout}");
    assert!(dir.path().join("clearml-sso.json").exists());

    std::fs::write(dir.path().join("broken.toml"), MISSING_SECRET_POLICY).unwrap();
    let broken_env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                if k == "CLEARML_SSO_POLICY" {
                    "broken.toml".into()
                } else {
                    v.clone()
                },
            )
        })
        .collect();
    let bad = sh(dir.path(), &path, &broken_env, &step);
    assert!(!bad.status.success());
    assert!(text(&bad.stdout).contains("::error file=clearml/templates/apiserver-deployment.yaml,title=clearml-sso missing-secret::"), "{}", text(&bad.stdout));

    // A tampered download fails the install step, which puts nothing on PATH.
    tamper(release.path());
    let (dir, path) = workspace();
    let (install, _) = github_install(dir.path(), &path, &with, &server);
    assert!(!install.status.success());
    assert!(
        text(&install.stderr).contains("but SHA256SUMS says"),
        "{}",
        text(&install.stderr)
    );
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn gitlab_job_passes_a_sound_policy_and_fails_a_broken_one() {
    let (release, server) = served_release();
    let (dir, path) = workspace();
    let (_, before, script) = gitlab_job();
    let env = gitlab_env(&server);
    // GitLab runs before_script and script in one shell: the PATH export carries over.
    let job = format!("{before}\n{script}");
    let ok = sh(dir.path(), &path, &env, &job);
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    assert!(
        dir.path().join(".bin/clearml-sso").exists(),
        "the job installed the released binary"
    );
    let junit = std::fs::read_to_string(dir.path().join("clearml-sso.xml")).unwrap();
    assert!(junit.contains("failures=\"0\""), "{junit}");
    assert!(dir.path().join("clearml-sso.json").exists());

    std::fs::write(dir.path().join("broken.toml"), MISSING_SECRET_POLICY).unwrap();
    let broken_env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                if k == "CLEARML_SSO_POLICY" {
                    "broken.toml".into()
                } else {
                    v.clone()
                },
            )
        })
        .collect();
    std::fs::remove_dir_all(dir.path().join(".bin")).unwrap();
    let bad = sh(dir.path(), &path, &broken_env, &job);
    assert!(!bad.status.success());
    let junit = std::fs::read_to_string(dir.path().join("clearml-sso.xml")).unwrap();
    assert!(
        junit.contains("<failure type=\"missing-secret\""),
        "{junit}"
    );
    let report = std::fs::read_to_string(dir.path().join("clearml-sso.json")).unwrap();
    assert!(report.contains("\"missing-secret\""), "{report}");

    // A tampered download: sha256sum -c fails the job before anything is unpacked or checked.
    tamper(release.path());
    let (dir, path) = workspace();
    let bad = sh(dir.path(), &path, &env, &job);
    assert!(!bad.status.success());
    assert!(
        text(&bad.stdout).contains("FAILED"),
        "{}",
        text(&bad.stdout)
    );
    assert!(!dir.path().join(".bin/clearml-sso").exists());
    assert!(!dir.path().join("clearml-sso.xml").exists());
}

/// The GitHub job of docs/ci.md is a valid workflow: actionlint (with ShellCheck) passes it.
#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn github_actions_job_passes_actionlint() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(".github/workflows/clearml-sso.yml");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, job_text("github")).unwrap();
    let out = actionlint(dir.path(), &[file]);
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// Every hostile mirror fails the GitLab job's install lines: nothing is unpacked, nothing is
/// checked, and the fake binary never runs.
#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn gitlab_job_refuses_every_tampered_mirror() {
    for how in [
        Mirror::RewrittenSums,
        Mirror::ResignedByAnotherKey,
        Mirror::NoSignature,
    ] {
        let (release, server) = served_release();
        crate::harness::release::tamper(release.path(), how);
        let (dir, path) = workspace();
        let (_, before, script) = gitlab_job();
        let bad = sh(
            dir.path(),
            &path,
            &gitlab_env(&server),
            &format!("{before}\n{script}"),
        );
        let all = format!("{}{}", text(&bad.stdout), text(&bad.stderr));
        assert!(!bad.status.success(), "{how:?}: {all}");
        assert!(!all.contains(FAKE), "{how:?}: the fake ran: {all}");
        assert!(!dir.path().join(".bin/clearml-sso").exists(), "{how:?}");
        assert!(!dir.path().join("clearml-sso.xml").exists(), "{how:?}");
    }
}

/// Every hostile mirror fails the GitHub job's action step, which puts nothing on PATH; the
/// mirror's own key is refused also when the job gives the real key as `keyring:`.
#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn github_action_refuses_every_tampered_mirror() {
    let key = made().key();
    for (how, keyring) in [
        (Mirror::RewrittenSums, None),
        (Mirror::ResignedByAnotherKey, None),
        (Mirror::ResignedByAnotherKey, Some(key.to_str().unwrap())),
        (Mirror::NoSignature, None),
    ] {
        let (release, server) = served_release();
        crate::harness::release::tamper(release.path(), how);
        let (dir, path) = workspace();
        let (_, mut with, _) = github_job();
        if let Some(k) = keyring {
            with.push(("keyring".into(), k.into()));
        }
        let (install, _) = github_install(dir.path(), &path, &with, &server);
        let err = text(&install.stderr);
        assert!(!install.status.success(), "{how:?} {keyring:?}: {err}");
        assert!(err.contains("nothing installed"), "{how:?}: {err}");
        assert!(!err.contains(FAKE), "{how:?}: {err}");
        assert!(
            !dir.path()
                .join(".runner-temp/clearml-sso/bin/clearml-sso")
                .exists(),
            "{how:?}"
        );
    }
    // The good mirror with `keyring:` the real key installs.
    let (_release, server) = served_release();
    let (dir, path) = workspace();
    let (_, mut with, _) = github_job();
    with.push(("keyring".into(), key.display().to_string()));
    let (install, _) = github_install(dir.path(), &path, &with, &server);
    assert!(install.status.success(), "{}", text(&install.stderr));
}
