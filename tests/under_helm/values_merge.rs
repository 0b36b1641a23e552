//! `values --merge-with` under real Helm 3 and Helm 4: the example chart templated with the
//! user's values file and then the merged list (`-f user.yaml -f merged.yaml`, as the Flux and
//! helmfile recipes layer them), its apiserver env read back as Kubernetes reads it
//! (`k8s_yaml::read`, go-yaml's reading) and as ClearML reads it (pyhocon): the user's `TZ` and
//! e-mail allow-list are there beside the policy's settings, and `check --strict` passes. The
//! same layering with plain `values` loses both — and `check --strict` passes too, which is
//! why `--merge-with` exists: no check of the policy can see what Helm dropped.

use crate::harness::helm::HelmHome;
use crate::harness::*;
use clearml_sso::{k8s_yaml, stream};
use serde_json::{json, Value};
use std::path::Path;

const CHART: &str = "examples/chart/clearml";

/// A Keycloak policy whose Secret the example chart creates (examples/values-sso-secret.yaml).
const POLICY: &str = r#"version = 1
[providers.keycloak]
client_id     = { secret = "clearml-sso", key = "keycloak_client_id" }
client_secret = { secret = "clearml-sso", key = "keycloak_client_secret" }
url   = "https://login.acme-corp.io"
realm = "research"
idp_logout = true
[providers.keycloak.groups]
enabled = true
admins = ["clearml-admins"]
"#;

const ALLOWED: &str = "CLEARML__services__login__email_filters__allowed";

/// The user's values: the example chart's Secret, and in `apiserver.extraEnvs` what the
/// README tells users to set there, plus a stale spelling of one of the policy's settings.
fn user_values() -> String {
    let secret = std::fs::read_to_string(root().join("examples/values-sso-secret.yaml")).unwrap();
    format!(
        "{secret}apiserver:\n  extraEnvs:\n    - name: TZ\n      value: Europe/Berlin\n    - name: {ALLOWED}\n      value: '[\"acme-corp.io\",\"acme.ai\"]'\n    - name: clearml__services__login__sso__oauth_client__keycloak__idp_logout\n      value: \"false\"\n"
    )
}

/// The apiserver container's env in a rendered stream, as Kubernetes reads it.
fn apiserver_env(rendered: &str) -> Vec<Value> {
    let deployment = stream::split(rendered)
        .iter()
        .filter_map(|d| k8s_yaml::read(d.parse_text()).expect("Kubernetes reads it"))
        .find(|d| d["kind"] == "Deployment" && d["metadata"]["name"] == "clearml-apiserver")
        .expect("the apiserver Deployment");
    let containers = deployment["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap();
    let c = containers
        .iter()
        .find(|c| c["name"] == "clearml-apiserver")
        .expect("the apiserver container");
    c["env"].as_array().cloned().unwrap_or_default()
}

/// The env entry Kubernetes uses for `name`: the last of that name.
fn entry<'a>(env: &'a [Value], name: &str) -> Option<&'a Value> {
    env.iter().rev().find(|e| e["name"] == name)
}

fn values(dir: &Path, args: &[&str]) -> String {
    let mut all = vec!["values", "--policy", "clearml-sso.toml"];
    all.extend_from_slice(args);
    let out = run_in(&bin(), &all, b"", Some(dir), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    text(&out.stdout)
}

fn check_strict(dir: &Path, rendered: &str) -> std::process::Output {
    run_in(
        &bin(),
        &["check", "--strict", "--policy", "clearml-sso.toml"],
        rendered.as_bytes(),
        Some(dir),
        &[],
    )
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn layered_after_the_users_values_the_merged_list_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("clearml-sso.toml"), POLICY).unwrap();
    let user = temp_file(&dir, "user.yaml", &user_values());
    let merged = temp_file(
        &dir,
        "merged.yaml",
        &values(dir.path(), &["--merge-with", "user.yaml"]),
    );
    let plain = temp_file(&dir, "plain.yaml", &values(dir.path(), &[]));
    let policy = clearml_sso::policy::parse(POLICY, "clearml-sso.toml").unwrap();
    let policy_list = k8s_yaml::read(&std::fs::read_to_string(&plain).unwrap())
        .unwrap()
        .unwrap()["apiserver"]["extraEnvs"]
        .clone();
    for helm in ["HELM3_BIN", "HELM4_BIN"] {
        let home = HelmHome::new();
        let template = |second: &Path| {
            let out = home.run(
                &tool(helm),
                &[
                    "template",
                    "clearml",
                    CHART,
                    "-f",
                    user.to_str().unwrap(),
                    "-f",
                    second.to_str().unwrap(),
                ],
            );
            assert!(out.status.success(), "{helm}: {}", text(&out.stderr));
            text(&out.stdout)
        };

        let rendered = template(&merged);
        let env = apiserver_env(&rendered);
        assert_eq!(
            entry(&env, "TZ"),
            Some(&json!({"name": "TZ", "value": "Europe/Berlin"})),
            "{helm}: {env:?}"
        );
        assert_eq!(
            entry(&env, ALLOWED).map(|e| &e["value"]),
            Some(&json!("[\"acme-corp.io\",\"acme.ai\"]")),
            "{helm}"
        );
        // Every setting of the policy, exactly as plain `values` writes it, and once.
        for want in policy_list.as_array().unwrap() {
            let same: Vec<&Value> = env.iter().filter(|e| e["name"] == want["name"]).collect();
            assert_eq!(same, vec![want], "{helm}");
        }
        assert!(
            !env.iter()
                .any(|e| e["name"].as_str().unwrap().starts_with("clearml__")),
            "{helm}: the stale spelling was replaced"
        );
        let strict = check_strict(dir.path(), &rendered);
        assert_eq!(
            strict.status.code(),
            Some(0),
            "{helm}: {}{}",
            text(&strict.stdout),
            text(&strict.stderr)
        );
        // As ClearML reads it: the policy's settings and the user's allow-list.
        let config = clearml_config(&rendered, "clearml-apiserver", "clearml-apiserver");
        assert_policy_applied(&config, &policy, &rendered, helm);
        assert_eq!(
            config["services"]["login"]["email_filters"]["allowed"],
            json!(["acme-corp.io", "acme.ai"]),
            "{helm}"
        );

        // Plain `values` layered the same way: Helm replaces the user's list, so TZ and the
        // allow-list are gone — and the policy's check cannot see it.
        let rendered = template(&plain);
        let env = apiserver_env(&rendered);
        assert_eq!(entry(&env, "TZ"), None, "{helm}");
        assert_eq!(entry(&env, ALLOWED), None, "{helm}");
        let strict = check_strict(dir.path(), &rendered);
        assert_eq!(
            strict.status.code(),
            Some(0),
            "{helm}: {}",
            text(&strict.stdout)
        );
    }
}
