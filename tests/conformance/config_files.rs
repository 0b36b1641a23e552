//! ClearML's own `*.conf` files, checked against pyhocon 0.3.63 read the way ClearML server reads
//! its config directory (`tests/conformance/config_files.py`): for each file spelling, the
//! binary refuses the render exactly when pyhocon ends up with `secure.login.sso` or
//! `services.login.sso` — quoted and triple-quoted keys, dotted keys, `+=`, a path that spells
//! the key, an `include` — and renders the harmless ones, a `${VAR}` holding an object among
//! them (pyhocon substitutes an environment variable as a string).

use crate::harness::*;
use serde_json::{json, Value};

/// The apiserver's environment variables.
type Env = &'static [(&'static str, &'static str)];

/// (path below /opt/clearml/config, file text, the apiserver's environment)
const CASES: &[(&str, &str, Env)] = &[
    (
        "secure.conf",
        "login { sso { oauth_client { evil { client_id: x } } } }",
        &[],
    ),
    (
        "secure.conf",
        "login.sso.oauth_client.evil.client_id = x",
        &[],
    ),
    ("secure.conf", "\"login\" { \"sso\" { a: 1 } }", &[]),
    ("secure.conf", "login { \"\"\"sso\"\"\" { a: 1 } }", &[]),
    ("secure.conf", "login { sso += { a: 1 } }", &[]),
    (
        "services/login.conf",
        "sso { oauth_client { okta { groups { admins: [\"everyone\"] } } } }",
        &[],
    ),
    ("services.conf", "login { sso.a = 1 }", &[]),
    (
        "services/login/sso.conf",
        "oauth_client.evil.client_id: x",
        &[],
    ),
    (
        "services/login.sso.conf",
        "oauth_client.evil.client_id: x",
        &[],
    ),
    ("secure.conf", "include \"@EXTRA@\"", &[]),
    ("services.conf", "include file(\"@EXTRA@\")", &[]),
    // The tool refuses an `include` on the way to SSO settings without reading what it brings
    // (here `secure.login.login.sso`, which is not one): conservative, checked apart below.
    // Harmless: other sections, and a substitution that cannot bring keys.
    (
        "apiserver.conf",
        "auth { fixed_users { enabled: true } }",
        &[],
    ),
    (
        "secure.conf",
        "credentials { apiserver { user_key: a } }",
        &[],
    ),
    ("secure.conf", "login: ${?OBJ}", &[("OBJ", "{sso: {a: 1}}")]),
    (
        "services.conf",
        "login { x: ${?OBJ} }",
        &[("OBJ", "{sso: {a: 1}}")],
    ),
];

fn stream(path: &str, text: &str, env: &[(&str, &str)]) -> String {
    let env: String = env
        .iter()
        .map(|(k, v)| format!("        - {{name: {k}, value: {}}}\n", json!(v)))
        .collect();
    format!(
        "apiVersion: v1
kind: ConfigMap
metadata:
  name: extra-config
data:
  f: {}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: clearml-apiserver
spec:
  template:
    spec:
      volumes:
      - name: config
        configMap:
          name: extra-config
          items: [{{key: f, path: {path}}}]
      containers:
      - name: clearml-apiserver
        image: allegroai/clearml
        env:
        - {{name: MONGO, value: m}}
{env}        volumeMounts:
        - {{name: config, mountPath: /opt/clearml/config}}
",
        json!(text)
    )
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn config_files_are_refused_exactly_when_pyhocon_finds_sso_settings() {
    let python = tool("CLEARML_SSO_PYTHON");
    let script = root().join("tests/conformance/config_files.py");
    let cases: Vec<Value> = CASES
        .iter()
        .map(|(path, file, env)| {
            let env: serde_json::Map<String, Value> =
                env.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
            json!([path, file, env])
        })
        .collect();
    let out = run_in(
        &python,
        &[script.to_str().unwrap()],
        &serde_json::to_vec(&cases).unwrap(),
        None,
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let verdicts: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let policy = root().join("tests/fixtures/policies/keycloak.toml");
    let mut refused = 0;
    for ((path, file, env), verdict) in CASES.iter().zip(&verdicts) {
        let sso = verdict["sso"]
            .as_bool()
            .unwrap_or_else(|| panic!("{path} `{file}`: pyhocon: {verdict}"));
        let out = run(
            &["render", "--policy", policy.to_str().unwrap()],
            stream(path, file, env).as_bytes(),
        );
        let stderr = text(&out.stderr);
        let expected = if sso { 1 } else { 0 };
        assert_eq!(
            out.status.code(),
            Some(expected),
            "{path} `{file}`: pyhocon finds SSO settings: {sso}\n{stderr}"
        );
        assert_eq!(
            stderr.contains("error[sso-in-config-file]"),
            sso,
            "{path} `{file}`\n{stderr}"
        );
        refused += usize::from(sso);
    }
    // Conservative: refused though pyhocon finds no SSO setting there.
    let out = run(
        &["render", "--policy", policy.to_str().unwrap()],
        stream(
            "secure/login.conf",
            "include \"/elsewhere/extra.conf\"",
            &[],
        )
        .as_bytes(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("it has an `include`"));
    assert_eq!(refused, 11, "the cases are what they say: {verdicts:?}");
}
