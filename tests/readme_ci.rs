//! The README's CI jobs, run locally: the commands of the GitHub Actions job and of the GitLab
//! job (all but the install steps), with the pinned Helm 3 as `helm` and this build as
//! `clearml-sso` on PATH, in a scratch copy of the repository layout.

mod common;
use common::*;
use serde_yaml::Value;
use std::path::Path;

/// The YAML block that follows `<!-- ci:NAME -->` in the README.
fn job(name: &str) -> Value {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let marker = format!("<!-- ci:{name} -->");
    let after = &readme[readme
        .find(&marker)
        .unwrap_or_else(|| panic!("README has no {marker}"))..];
    let block = after
        .split("```yaml\n")
        .nth(1)
        .unwrap()
        .split("\n```")
        .next()
        .unwrap();
    serde_yaml::from_str(block).unwrap()
}

/// A scratch directory with the repository's chart and policies, `helm` and `clearml-sso` on PATH.
fn workspace() -> (tempfile::TempDir, String) {
    let helm = tool("HELM3_BIN");
    let dir = tempfile::tempdir().unwrap();
    for d in ["examples", "policies"] {
        std::os::unix::fs::symlink(root().join(d), dir.path().join(d)).unwrap();
    }
    let bin_dir = dir.path().join(".bin");
    std::fs::create_dir(&bin_dir).unwrap();
    std::os::unix::fs::symlink(helm, bin_dir.join("helm")).unwrap();
    std::os::unix::fs::symlink(bin(), bin_dir.join("clearml-sso")).unwrap();
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

/// The GitHub job's env and its one check step (all but the install steps).
fn github_job() -> (Vec<(String, String)>, String) {
    let job = job("github");
    let (_, job) = job["jobs"].as_mapping().unwrap().iter().next().unwrap();
    let steps: Vec<&str> = job["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter(|s| {
            !s["name"]
                .as_str()
                .unwrap_or_default()
                .starts_with("Install")
        })
        .filter_map(|s| s["run"].as_str())
        .collect();
    assert_eq!(steps.len(), 1, "the check step");
    (env_of(&job["env"]), steps[0].to_string())
}

/// The GitLab job's variables and its script as one shell script.
fn gitlab_job() -> (Vec<(String, String)>, String) {
    let job = job("gitlab");
    let (_, job) = job.as_mapping().unwrap().iter().next().unwrap();
    let script: Vec<&str> = job["script"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(!script.is_empty(), "the GitLab job has a script");
    (env_of(&job["variables"]), script.join("\n"))
}

/// The README's job blocks parse and have the shape the tests below run (no Helm needed).
#[test]
fn readme_ci_jobs_are_well_formed() {
    let (env, _) = github_job();
    assert!(
        env.iter().any(|(k, _)| k == "CLEARML_SSO_POLICY"),
        "the GitHub job names its policy: {env:?}"
    );
    gitlab_job();
}

const BROKEN_POLICY: &str = "version = 1\n[providers.keycloak]\nclient_id = { secret = \"not-there\", key = \"id\" }\nclient_secret = { secret = \"not-there\", key = \"secret\" }\nurl = \"https://sso.example.com\"\nrealm = \"clearml\"\n";

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn github_actions_job_passes_a_sound_policy_and_fails_a_broken_one() {
    let (dir, path) = workspace();
    let (env, step) = github_job();
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

    std::fs::write(dir.path().join("broken.toml"), BROKEN_POLICY).unwrap();
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
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn gitlab_job_passes_a_sound_policy_and_fails_a_broken_one() {
    let (dir, path) = workspace();
    let (env, script) = gitlab_job();
    let ok = sh(dir.path(), &path, &env, &script);
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    let junit = std::fs::read_to_string(dir.path().join("clearml-sso.xml")).unwrap();
    assert!(junit.contains("failures=\"0\""), "{junit}");
    assert!(dir.path().join("clearml-sso.json").exists());

    std::fs::write(dir.path().join("broken.toml"), BROKEN_POLICY).unwrap();
    let broken_env = vec![("CLEARML_SSO_POLICY".to_string(), "broken.toml".to_string())];
    let bad = sh(dir.path(), &path, &broken_env, &script);
    assert!(!bad.status.success());
    let junit = std::fs::read_to_string(dir.path().join("clearml-sso.xml")).unwrap();
    assert!(
        junit.contains("<failure type=\"missing-secret\""),
        "{junit}"
    );
    let report = std::fs::read_to_string(dir.path().join("clearml-sso.json")).unwrap();
    assert!(report.contains("\"missing-secret\""), "{report}");
}
