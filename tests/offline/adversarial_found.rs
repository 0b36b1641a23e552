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
/// ReplicationController. Each is refused with nothing on stdout, naming why.
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
