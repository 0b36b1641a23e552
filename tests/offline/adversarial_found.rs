//! Inputs the semantic fuzz target (fuzz/fuzz_targets/semantic.rs) found rendering clean into
//! output that means something else or cannot be read (tests/fixtures/adversarial-found, each
//! with a one-line header saying what goes wrong). Each must now be refused, or render to
//! readable, idempotent output.

use crate::harness::*;

#[test]
fn found_inputs_are_refused_or_render_to_readable_idempotent_output() {
    let dir = root().join("tests/fixtures/adversarial-found");
    let policy = root().join("tests/fixtures/policies/keycloak.toml");
    let policy = policy.to_str().unwrap();
    let mut failures = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let out = run(&["render", "--policy", policy, path.to_str().unwrap()], b"");
        if out.status.code() != Some(0) {
            if !out.stdout.is_empty() {
                failures.push(format!("{name}: output on failure"));
            }
            continue;
        }
        // A clean render: serde_yaml (a libyaml port, like Kubernetes' reader) reads the output
        // without complaint, and the tool renders its own output to itself.
        let output = text(&out.stdout);
        for de in serde_yaml::Deserializer::from_str(&output) {
            if let Err(e) = <serde_yaml::Value as serde::Deserialize>::deserialize(de) {
                failures.push(format!("{name}: serde_yaml cannot read the output: {e}"));
                break;
            }
        }
        let again = run(&["render", "--policy", policy], &out.stdout);
        if again.status.code() != Some(0) || again.stdout != out.stdout {
            failures.push(format!(
                "{name}: the output does not render to itself: {}",
                text(&again.stderr).lines().last().unwrap_or_default()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Inputs an attacker found rendering with exit 0 (or aborting) where the apiserver would not
/// start or would read an undeclared provider (tests/fixtures/attack-found): a variable name of
/// a thousand parts (it overflowed the stack), a config file whose path makes a key of over a
/// thousand parts, a NUL in an env value written as YAML's `"\0"`, an apiserver run by a
/// ReplicationController, Services whose link variables ClearML reads or whose cluster IP a
/// variable ClearML reads expands, an emptyDir at the config directory an initContainer fills,
/// `CLEARML_CONFIG_DIR` at a ConfigMap volume's `..data` link; a value taken by `fieldRef` from
/// a pod template annotation that sets an undeclared provider or stops pyhocon.
/// Each is refused with
/// nothing on stdout, naming why.
#[test]
fn attack_found_inputs_are_refused() {
    let dir = root().join("tests/fixtures/attack-found");
    let policy = root().join("tests/fixtures/policies/keycloak.toml");
    let policy = policy.to_str().unwrap();
    let expected = [
        ("deepconf-9.yaml", "configuration loader would fail"),
        ("esc-nul.yaml", "holds a NUL character"),
        ("replication-controller.yaml", "ReplicationController"),
        ("so-1000.yaml", "configuration loader would fail"),
        (
            "config-dir-data-link.yaml",
            "the config file /etc/extra/..data/secure.conf that ClearML reads sets something at or above `secure.login.sso`",
        ),
        (
            "fieldref-annotation.yaml",
            "would hold the provider `okta` at `secure.login.sso.oauth_client`",
        ),
        (
            "fieldref-annotation-expanded.yaml",
            "would hold the provider `okta` at `secure.login.sso.oauth_client`",
        ),
        (
            "fieldref-annotation-unparseable.yaml",
            "variable CLEARML__services__webhooks__url: pyhocon cannot parse it",
        ),
        ("init-emptydir.yaml", "error[unseen-config-file]: the volumeMount /opt/clearml/config (volume `v`)"),
        (
            "service-ip-expansion.yaml",
            "variable CLEARML__services__x takes the cluster IP of the Service `db`",
        ),
        (
            "service-links.yaml",
            "the Service `clearml--secure--login--sso--oauth-client--okta` makes the kubelet give this container the variable CLEARML__SECURE__LOGIN__SSO__OAUTH_CLIENT__OKTA_SERVICE_HOST",
        ),
    ];
    for (file, why) in expected {
        let out = run(
            &[
                "render",
                "--policy",
                policy,
                dir.join(file).to_str().unwrap(),
            ],
            b"",
        );
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{file}: {stderr}");
        assert!(out.stdout.is_empty(), "{file}: output on failure");
        assert!(
            stderr.contains(why),
            "{file}: does not say `{why}`:\n{stderr}"
        );
    }
}

/// A Service whose name ClearML does not read (`clearml-apiserver` becomes
/// `CLEARML_APISERVER_SERVICE_HOST`, one `_`) changes nothing: the same findings, and the
/// Service passes through.
#[test]
fn a_benign_service_changes_nothing() {
    let attack =
        std::fs::read_to_string(root().join("tests/fixtures/attack-found/service-links.yaml"))
            .unwrap();
    let workload: String = attack
        .split("\n---\n")
        .filter(|d| !d.contains("kind: Service"))
        .collect::<Vec<_>>()
        .join("\n---\n");
    let benign = format!(
        "{workload}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: clearml-apiserver\nspec:\n  ports:\n    - {{name: http, port: 8008}}\n"
    );
    let policy = root().join("tests/fixtures/policies/keycloak.toml");
    let render = |input: &str| {
        run(
            &["render", "--policy", policy.to_str().unwrap()],
            input.as_bytes(),
        )
    };
    let (without, with) = (render(&workload), render(&benign));
    assert_eq!(without.status.code(), Some(0), "{}", text(&without.stderr));
    assert_eq!(with.status.code(), Some(0), "{}", text(&with.stderr));
    assert_eq!(text(&with.stderr), text(&without.stderr));
    assert!(text(&with.stdout).starts_with(&text(&without.stdout)));
    assert!(text(&with.stdout).contains("name: clearml-apiserver\nspec:"));
}
