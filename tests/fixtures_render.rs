//! Every fixture under tests/fixtures rendered with tests/fixtures/policy-keycloak.toml:
//! a snapshot of the findings and of each changed document, plus the properties that hold
//! for every input: untouched documents byte for byte, document order, idempotency, and the
//! ClearML config read back (YAML 1.1 + pyhocon) equal to the policy.

mod common;
use clearml_sso::{policy, render, stream};
use common::*;
use serde_json::json;

fn policy() -> policy::Policy {
    let text = std::fs::read_to_string(root().join("tests/fixtures/policy-keycloak.toml")).unwrap();
    policy::parse(&text, "policy-keycloak.toml").unwrap()
}

/// Renders a fixture and checks the properties every render must have; returns the snapshot.
fn check(name: &str) -> String {
    let input = std::fs::read(root().join("tests/fixtures").join(name)).unwrap();
    let policy = policy();
    let outcome = render(&input, &policy).expect("fixtures are readable");
    let input = String::from_utf8(input).unwrap();
    let mut snap = format!("has_errors: {}\n", outcome.has_errors());
    snap.push_str("== findings ==\n");
    snap.push_str(&clearml_sso::report::text(&outcome.findings));
    let (a, b) = (stream::split(&input), stream::split(&outcome.output));
    assert_eq!(
        a.len(),
        b.len(),
        "{name}: document count and order are kept"
    );
    for (x, y) in a.iter().zip(&b) {
        if x.raw != y.raw {
            snap.push_str(&format!(
                "== document {} changed ==\n{}",
                x.index + 1,
                y.raw
            ));
        }
    }
    if outcome.has_errors() {
        return snap;
    }
    // Idempotent: the output renders to itself with nothing fixed.
    let again = render(outcome.output.as_bytes(), &policy).unwrap();
    assert_eq!(
        again.output, outcome.output,
        "{name}: second render changed the output"
    );
    assert!(
        again.findings.iter().all(|f| !f.fixed),
        "{name}: {:?}",
        again.findings
    );
    // What ClearML reads: every policy setting exactly, shown in the snapshot with anything
    // else the manifests set for these providers.
    if outcome.output.contains("name: clearml-apiserver\n")
        && outcome.output.contains("kind: Deployment")
    {
        if let Some(config) =
            clearml_config(&outcome.output, "clearml-apiserver", "clearml-apiserver")
        {
            let expected = [
                (
                    "services",
                    json!({
                        "base_url": "https://sso.example.com/realms/clearml/",
                        "authorize_url": "https://sso.example.com/realms/clearml/protocol/openid-connect/auth",
                        "access_token_url": "https://sso.example.com/realms/clearml/protocol/openid-connect/token",
                        "idp_logout": true,
                        "groups": {"enabled": true, "admins": ["clearml-admins", "ml ops"]}
                    }),
                ),
                (
                    "secure",
                    json!({
                        "client_id": "from-secret-clearml-sso-keycloak_client_id",
                        "client_secret": "from-secret-clearml-sso-keycloak_client_secret"
                    }),
                ),
            ];
            for (section, want) in expected {
                let got = sso(&config, section, "keycloak");
                for (key, value) in want.as_object().unwrap() {
                    assert_eq!(&got[key], value, "{name}: {section}.{key}");
                }
            }
            let tree = &config;
            snap.push_str("== what ClearML reads (login.sso) ==\n");
            for section in ["secure", "services"] {
                let sub = &tree[section]["login"]["sso"];
                snap.push_str(&format!(
                    "{section}: {}\n",
                    serde_json::to_string_pretty(sub).unwrap()
                ));
            }
        }
    }
    snap
}

macro_rules! fixture {
    ($($test:ident => $file:literal,)*) => {$(
        #[test]
        fn $test() {
            insta::assert_snapshot!(stringify!($test), check($file));
        }
    )*};
}

fixture! {
    wrong_section => "wrong-section.yaml",
    case_and_duplicates => "case-and-duplicates.yaml",
    lowercase_prefix => "lowercase-prefix.yaml",
    value_drift => "value-drift.yaml",
    optional_secret_ref => "optional-secret-ref.yaml",
    helm4_kyaml => "helm4-kyaml.yaml",
    yaml11_values => "yaml11-values.yaml",
    crlf_bom => "crlf-bom.yaml",
    stream_edges => "stream-edges.yaml",
    unknown_provider => "unknown-provider.yaml",
    no_target => "no-target.yaml",
    unset_options => "unset-options.yaml",
}

#[test]
fn untouched_stream_is_byte_identical() {
    // A stream whose apiserver already matches the policy comes out unchanged, byte for byte.
    let input = std::fs::read(root().join("tests/fixtures/wrong-section.yaml")).unwrap();
    let first = render(&input, &policy()).unwrap();
    let second = render(first.output.as_bytes(), &policy()).unwrap();
    assert_eq!(second.output.as_bytes(), first.output.as_bytes());
    assert!(!second.changed);
}
