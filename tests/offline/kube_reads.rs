//! Documents Kubernetes reads but the tool's YAML parser does not (`key:<TAB>value`, a quoted
//! value's continuation line indented less than its key): never refused as unreadable. One the
//! tool does not edit passes through byte for byte; one whose target container is corrected
//! is written in canonical form, read back the same by Kubernetes' reading; only what
//! Kubernetes refuses is exit 3. The inputs under `tests/fixtures/kube-reads/` are attack
//! inputs an earlier review found refused.

use clearml_sso::{k8s_yaml, policy, render, stream, Outcome};
use serde_json::Value;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/kube-reads/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture")
}

fn keycloak() -> policy::Policy {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/policies/keycloak.toml"
    );
    policy::parse(&std::fs::read_to_string(path).expect("policy"), path).expect("valid policy")
}

fn green(input: &str) -> Outcome {
    let out = render(input.as_bytes(), &keycloak())
        .unwrap_or_else(|e| panic!("refused as unreadable: {e}"));
    assert!(!out.has_errors(), "{:#?}", out.findings);
    out
}

fn codes(out: &Outcome) -> Vec<&str> {
    out.findings.iter().map(|f| f.code.id).collect()
}

/// Kubernetes' reading of every document of a stream.
fn reading(stream: &str) -> Vec<Option<Value>> {
    stream::split(stream)
        .iter()
        .map(|d| k8s_yaml::read(d.parse_text()).expect("Kubernetes reads it"))
        .collect()
}

/// The reading with the env lists of every container removed (what the correction edits).
fn without_env(mut v: Value) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(m) => {
                if m.contains_key("image") {
                    m.remove("env");
                }
                m.values_mut().for_each(strip);
            }
            Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut v);
    v
}

#[test]
fn a_tab_after_a_colon_in_the_target_is_corrected_in_canonical_form() {
    let input = fixture("y-tab.yaml");
    assert!(
        clearml_sso::yaml::parse(&input).is_err(),
        "the editing parser refuses it"
    );
    let out = green(&input);
    assert!(codes(&out).contains(&"canonical-form"), "{:?}", codes(&out));
    assert!(out.output.contains("image: i\n"), "{}", out.output);
    // Nothing but the env list changed for Kubernetes.
    let (before, after) = (reading(&input), reading(&out.output));
    assert_eq!(before.len(), after.len());
    for (b, a) in before.into_iter().zip(after) {
        assert_eq!(b.map(without_env), a.map(without_env));
    }
    // The canonical output is what the tool reads: a second render changes nothing.
    let again = green(&out.output);
    assert!(!again.changed);
    assert!(!codes(&again).contains(&"canonical-form"));
}

#[test]
fn an_underindented_quoted_line_outside_the_target_passes_through_verbatim() {
    let input = fixture("y-lowindent-release.yaml");
    let out = green(&input);
    assert!(
        !codes(&out).contains(&"canonical-form"),
        "{:?}",
        codes(&out)
    );
    let (before, after) = (stream::split(&input), stream::split(&out.output));
    assert_eq!(before.len(), after.len());
    // The ConfigMap the parser cannot read is kept byte for byte.
    assert!(before[0].raw.contains("k: \"a\n b\""));
    assert_eq!(before[0].raw, after[0].raw);
    assert!(out.changed, "the apiserver is corrected");
}

#[test]
fn an_underindented_quoted_env_value_in_the_target_keeps_its_value() {
    let input = fixture("y-lowindent-quoted.yaml");
    let out = green(&input);
    assert!(codes(&out).contains(&"canonical-form"), "{:?}", codes(&out));
    let after = reading(&out.output);
    let env = after[1].as_ref().unwrap()["spec"]["template"]["spec"]["containers"][0]["env"]
        .as_array()
        .unwrap()
        .clone();
    assert!(
        env.iter()
            .any(|e| e["name"] == "CLEARML__services__x" && e["value"] == "a b"),
        "{env:?}"
    );
    // The Secret, only read, is untouched.
    assert_eq!(
        stream::split(&input)[0].raw,
        stream::split(&out.output)[0].raw
    );
}

#[test]
fn a_secret_only_read_is_read_as_kubernetes_reads_it() {
    // A tab after the colon: the editing parser refuses it; the Secret still provides the keys.
    let input = fixture("y-lowindent-quoted.yaml").replace(
        "keycloak_client_id: '\"clearml\"'",
        "keycloak_client_id:\t'\"clearml\"'",
    );
    assert!(input.contains(":\t'"));
    let out = green(&input);
    assert!(
        !codes(&out).iter().any(|c| c.starts_with("missing-secret")),
        "{:?}",
        codes(&out)
    );
}

#[test]
fn a_target_needing_no_change_passes_through_byte_for_byte() {
    let corrected = green(&fixture("y-tab.yaml")).output;
    // The same, with a form the parser refuses added; nothing to correct.
    let input = corrected.replacen("image: i\n", "image:\ti\n", 1);
    assert_ne!(input, corrected);
    let out = green(&input);
    assert!(!out.changed, "{:?}", codes(&out));
    assert_eq!(out.output, input);
    assert!(!codes(&out).contains(&"canonical-form"));
}

#[test]
fn what_kubernetes_refuses_is_still_unreadable() {
    for input in [
        "kind: ConfigMap\ndata: [\n",
        "kind: Deployment\nmetadata:\n  name: clearml-apiserver\nspec: \"\\/\"\n",
        "a: 1\n---\n[a]\n\"\\/\"\n",
    ] {
        let e = render(input.as_bytes(), &keycloak()).expect_err(input);
        assert!(
            e.message.contains("Kubernetes' YAML reader would not read"),
            "{input:?}: {e}"
        );
    }
}
