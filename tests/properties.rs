//! Properties over generated streams and policies (proptest): untouched documents come out
//! byte for byte, render is idempotent, a failing render writes nothing, and every value the
//! tool writes reads back — through YAML 1.1 and through pyhocon — as the policy's value.

mod common;
use clearml_sso::clearml_env::{self, Literal};
use clearml_sso::policy::Value;
use clearml_sso::{k8s, render, stream, yaml};
use common::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

/// Strings that stress YAML and HOCON: specials, look-alikes of booleans and numbers, unicode.
fn nasty_string() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~]{1,24}",
        "\\PC{1,12}",
        prop::sample::select(vec![
            "on",
            "yes",
            "no",
            "~",
            "null",
            "0777",
            "1e3",
            "123e4567",
            "true",
            "False",
            "a # b",
            "a: b",
            "${VAR}",
            "$(VAR)",
            "- x",
            "[a, b]",
            "{a: 1}",
            "'q'",
            "\"dq\"",
            "back\\slash",
            "//x",
            "x//y",
        ])
        .prop_map(String::from),
    ]
}

/// Spellings a chart might carry of settings the generated policy sets (options it does not
/// set keep their value and may rightly fail, e.g. an unparseable one).
fn sso_spelling() -> impl Strategy<Value = String> {
    let names = [
        "CLEARML__services__login__sso__oauth_client__keycloak__base_url",
        "CLEARML__SERVICES__LOGIN__SSO__OAUTH_CLIENT__KEYCLOAK__BASE_URL",
        "clearml__services__login__sso__oauth_client__keycloak__base_url",
        "CLEARML__secure__login__sso__oauth_client__keycloak__base_url",
        "CLEARML__services__login__sso__oauth_client__keycloak__idp_logout",
        "CLEARML__services__login__sso__oauth_client__keycloak__groups__admins",
        "CLEARML__services__login__sso__oauth_client__keycloak__display_name",
        "CLEARML__services__login__sso__oauth_client__keycloak__claims__name",
        "TRAINS__services__login__sso__oauth_client__keycloak__claims__name",
        "CLEARML__secure__login__sso__oauth_client__keycloak__client_secret",
        "OTHER_VARIABLE",
    ];
    prop::sample::select(names.to_vec()).prop_map(String::from)
}

#[derive(Debug, Clone)]
struct Case {
    stream: String,
    policy: String,
    /// Index of the target document in the stream.
    target: usize,
}

fn toml_string(s: &str) -> String {
    serde_json::to_string(s).unwrap() // a JSON string is a valid TOML basic string
}

fn case() -> impl Strategy<Value = Case> {
    let env = prop::collection::vec((sso_spelling(), nasty_string()), 0..8);
    let others = prop::collection::vec(prop::collection::vec(nasty_string(), 1..4), 0..4);
    let policy_values = (
        nasty_string(),
        nasty_string(),
        prop::collection::vec(nasty_string(), 1..3),
        any::<bool>(),
    );
    (env, others, policy_values, any::<bool>(), any::<bool>(), 0usize..3).prop_map(
        |(env, others, (display, claim, admins, logout), crlf, indent_seqs, position)| {
            let dash = if indent_seqs { "  - " } else { "- " };
            let pad = if indent_seqs { "    " } else { "  " };
            let mut target = format!(
                "---\n# Source: clearml/templates/apiserver-deployment.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: clearml-apiserver\nspec:\n  template:\n    spec:\n      containers:\n      {dash}name: clearml-apiserver\n      {pad}image: allegroai/clearml:2.0.0\n      {pad}env:\n"
            );
            for (name, value) in &env {
                target.push_str(&format!("      {pad}{dash}name: {name}\n      {pad}{pad}value: {}\n", yaml::double_quoted(value)));
            }
            if env.is_empty() {
                target.push_str(&format!("      {pad}{dash}name: KEEP\n      {pad}{pad}value: \"x\"\n"));
            }
            let mut docs: Vec<String> = others
                .iter()
                .enumerate()
                .map(|(i, values)| {
                    let data: String = values.iter().enumerate().map(|(k, v)| format!("  k{k}: {}\n", yaml::double_quoted(v))).collect();
                    format!("---\n# Source: clearml/templates/cm{i}.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm{i}\ndata:\n{data}")
                })
                .collect();
            let target_index = position.min(docs.len());
            docs.insert(target_index, target);
            let mut stream: String = docs.concat();
            if crlf {
                stream = stream.replace('\n', "\r\n");
            }
            let admins = admins.iter().map(|a| toml_string(a)).collect::<Vec<_>>().join(", ");
            let policy = format!(
                "version = 1\n[secrets]\nexternal = [\"clearml-sso\"]\n[providers.keycloak]\nclient_id = {{ secret = \"clearml-sso\", key = \"id\" }}\nclient_secret = {{ secret = \"clearml-sso\", key = \"secret\" }}\nurl = \"https://sso.example.com\"\nrealm = \"clearml\"\nidp_logout = {logout}\ndisplay_name = {}\nclaims.name = {}\ngroups.admins = [{admins}]\n",
                toml_string(&display),
                toml_string(&claim)
            );
            Case { stream, policy, target: target_index }
        },
    )
}

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

/// A runner with a fixed seed, so CI runs are reproducible; set CLEARML_SSO_PROPTEST_RANDOM=1
/// to explore with a fresh seed (and PROPTEST_CASES for more cases).
fn runner(cases: u32) -> TestRunner {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(cases);
    if std::env::var_os("CLEARML_SSO_PROPTEST_RANDOM").is_some() {
        TestRunner::new(config(cases))
    } else {
        TestRunner::new_with_rng(
            config(cases),
            TestRng::deterministic_rng(RngAlgorithm::ChaCha),
        )
    }
}

/// Untouched documents byte for byte, idempotency, and every written value read back.
#[test]
fn render_properties_and_readback() {
    let mut runner = runner(192);
    let written = std::sync::Mutex::new(Vec::<(String, Literal)>::new());
    runner
        .run(&case(), |c| {
            let policy = clearml_sso::policy::parse(&c.policy, "p.toml")
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let out = render(c.stream.as_bytes(), &policy)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert!(!out.has_errors(), "{:?}", out.findings);
            let (a, b) = (stream::split(&c.stream), stream::split(&out.output));
            prop_assert_eq!(a.len(), b.len());
            for (x, y) in a.iter().zip(&b) {
                if x.index != c.target {
                    prop_assert_eq!(x.raw, y.raw, "untouched document changed");
                }
            }
            let again = render(out.output.as_bytes(), &policy).unwrap();
            prop_assert_eq!(&again.output, &out.output, "not idempotent");
            // Read the target back: YAML 1.1 strings, one entry per setting, the policy's value.
            let root = yaml::parse(b[c.target].parse_text()).unwrap().unwrap();
            let env = root
                .get("spec")
                .and_then(|s| s.get("template"))
                .and_then(|t| t.get("spec"))
                .and_then(|s| s.get("containers"))
                .unwrap()
                .items()[0]
                .get("env")
                .unwrap()
                .items()
                .to_vec();
            for d in &policy.desired {
                let entries: Vec<_> = env
                    .iter()
                    .filter(|e| {
                        e.get_str("name")
                            .and_then(clearml_env::parse_name)
                            .is_some_and(|n| n.path == d.path)
                    })
                    .collect();
                prop_assert_eq!(entries.len(), 1, "one entry for {}", d.label);
                prop_assert_eq!(entries[0].get_str("name"), Some(d.name.as_str()));
                if let Value::Literal(l) = &d.value {
                    let v = entries[0].get("value").unwrap();
                    prop_assert!(
                        matches!(k8s::to_json(v), serde_json::Value::String(_)),
                        "{} is not a YAML 1.1 string: {:?}",
                        d.label,
                        v
                    );
                    let text = v.as_str().unwrap().to_string();
                    prop_assert_eq!(
                        clearml_env::read(&text),
                        l.to_hocon(),
                        "{} written as {}",
                        d.label,
                        text
                    );
                    written.lock().unwrap().push((text, l.clone()));
                }
            }
            Ok(())
        })
        .unwrap();
    // The same values through the parser ClearML uses.
    let written = written.into_inner().unwrap();
    let Some(python) = tool("CLEARML_SSO_PYTHON") else {
        return;
    };
    let texts: Vec<&String> = written.iter().map(|(t, _)| t).collect();
    let script = root().join("tests/conformance/hocon_values.py");
    let out = run_in(
        &python,
        &[script.to_str().unwrap()],
        &serde_json::to_vec(&texts).unwrap(),
        None,
        &[],
    );
    let parsed: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    for ((text, literal), got) in written.iter().zip(&parsed) {
        let want = match literal {
            Literal::Str(s) => serde_json::json!(s),
            Literal::Bool(b) => serde_json::json!(b),
            Literal::List(l) => serde_json::json!(l),
        };
        assert_eq!(
            got,
            &serde_json::json!({ "ok": want }),
            "{text} read by pyhocon"
        );
    }
    assert!(written.len() > 500, "{} values checked", written.len());
}

/// A render that fails writes nothing to stdout: a missing Secret or a denied literal.
#[test]
fn failing_renders_write_nothing() {
    let mut runner = runner(24);
    let dir = tempfile::tempdir().unwrap();
    runner
        .run(&(case(), any::<bool>()), |(c, literal)| {
            let policy = if literal {
                c.policy.replace(
                    "client_secret = { secret = \"clearml-sso\", key = \"secret\" }",
                    "client_secret = \"plain\"",
                )
            } else {
                c.policy
                    .replace("external = [\"clearml-sso\"]", "external = []")
            };
            let p = temp_file(&dir, "p.toml", &policy);
            let out = run(&["--policy", p.to_str().unwrap()], c.stream.as_bytes());
            prop_assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
            prop_assert!(out.stdout.is_empty());
            Ok(())
        })
        .unwrap();
}
