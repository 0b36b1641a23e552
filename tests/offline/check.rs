//! `check` (every format, `--strict`), `diff`, and redaction as a tested property: a planted
//! secret value never appears in any command's output, in any format.

use crate::harness::*;

const BROKEN: &str = "tests/fixtures/check-broken.yaml";
const POLICY: &str = "--policy=tests/fixtures/policies/keycloak-idp.toml";
/// Every format the binary offers (the library's table), so a new one is covered here too.
fn formats() -> impl Iterator<Item = &'static str> {
    clearml_sso::report::Format::ALL.iter().map(|f| f.0)
}

fn input(path: &str) -> Vec<u8> {
    std::fs::read(root().join(path)).unwrap()
}

#[test]
fn check_reports_in_every_format_and_exits_1_on_errors() {
    for format in formats() {
        let out = run(&["check", POLICY, "--format", format], &input(BROKEN));
        assert_eq!(
            out.status.code(),
            Some(1),
            "{format}: {}",
            text(&out.stderr)
        );
        let report = text(&out.stdout);
        assert!(
            !report.contains("apiVersion: apps/v1"),
            "check never writes manifests"
        );
        insta::assert_snapshot!(format!("check_{format}"), report);
    }
}

#[test]
fn check_formats_are_well_formed() {
    let json: serde_json::Value =
        serde_json::from_slice(&run(&["check", POLICY, "--format", "json"], &input(BROKEN)).stdout)
            .unwrap();
    assert_eq!(json["version"], 1);
    assert_eq!(json["errors"], 1);
    let f = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "missing-secret")
        .unwrap();
    assert_eq!(f["severity"], "error");
    assert_eq!(f["fixed"], false);
    assert_eq!(f["location"]["kind"], "Deployment");
    assert_eq!(f["location"]["namespace"], "clearml");
    assert_eq!(f["location"]["name"], "clearml-apiserver");
    assert_eq!(
        f["location"]["source"],
        "clearml/templates/apiserver-deployment.yaml"
    );
    assert_eq!(f["location"]["container"], "clearml-apiserver");
    assert_eq!(
        f["location"]["variable"],
        "CLEARML__secure__login__sso__oauth_client__keycloak__client_secret"
    );

    let sarif: serde_json::Value = serde_json::from_slice(
        &run(&["check", POLICY, "--format", "sarif"], &input(BROKEN)).stdout,
    )
    .unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert!(rules.iter().any(|r| r["id"] == "missing-secret"));
    let result = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "missing-secret")
        .unwrap();
    assert_eq!(result["level"], "error");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "clearml/templates/apiserver-deployment.yaml"
    );
    let index = result["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(rules[index]["id"], "missing-secret");

    let github = text(&run(&["check", POLICY, "--format", "github"], &input(BROKEN)).stdout);
    assert!(github.lines().any(|l| l.starts_with(
        "::error file=clearml/templates/apiserver-deployment.yaml,title=clearml-sso missing-secret::Secret `keycloak-idp`"
    )), "{github}");

    let junit = text(&run(&["check", POLICY, "--format", "junit"], &input(BROKEN)).stdout);
    assert!(junit.starts_with("<?xml"));
    assert!(junit.contains("failures=\"1\""), "{junit}");
    assert!(
        junit.contains("<failure type=\"missing-secret\""),
        "{junit}"
    );
}

#[test]
fn check_passes_a_sound_render_and_strict_fails_on_changes() {
    let example = input("examples/rendered/clearml.yaml");
    for format in formats() {
        let out = run(
            &[
                "check",
                "--policy=policies/keycloak.toml",
                "--format",
                format,
            ],
            &example,
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{format}: {}",
            text(&out.stdout)
        );
    }
    let strict = run(
        &["check", "--policy=policies/keycloak.toml", "--strict"],
        &example,
    );
    assert_eq!(
        strict.status.code(),
        Some(1),
        "render would add the SSO settings"
    );
    assert!(text(&strict.stderr).contains("--strict: render would change the manifests"));
    let rendered = run(&["--policy=policies/keycloak.toml"], &example);
    let clean = run(
        &["check", "--policy=policies/keycloak.toml", "--strict"],
        &rendered.stdout,
    );
    assert_eq!(clean.status.code(), Some(0), "{}", text(&clean.stdout));
    let junit = text(
        &run(
            &[
                "check",
                "--policy=policies/keycloak.toml",
                "--format",
                "junit",
            ],
            &rendered.stdout,
        )
        .stdout,
    );
    assert!(
        junit.contains("name=\"SSO settings match the policy\""),
        "{junit}"
    );
}

#[test]
fn diff_shows_what_render_changes() {
    let example = input("examples/rendered/clearml.yaml");
    let out = run(&["diff", "--policy=policies/keycloak.toml"], &example);
    assert_eq!(out.status.code(), Some(0));
    let diff = text(&out.stdout);
    assert!(diff.starts_with("--- a/clearml/templates/apiserver-deployment.yaml\n+++ b/clearml/templates/apiserver-deployment.yaml\n"), "{diff}");
    assert!(diff.contains("+            - name: CLEARML__secure__login__sso__oauth_client__keycloak__client_secret\n"), "{diff}");
    assert!(
        !diff.contains("secret-conf.yaml"),
        "untouched documents are not in the diff"
    );
    let rendered = run(&["--policy=policies/keycloak.toml"], &example);
    let none = run(
        &["diff", "--policy=policies/keycloak.toml"],
        &rendered.stdout,
    );
    assert_eq!((none.status.code(), none.stdout.len()), (Some(0), 0));
    let broken = run(&["diff", POLICY], &input(BROKEN));
    assert_eq!(broken.status.code(), Some(1));
    assert!(broken.stdout.is_empty());
}

/// The planted value, and where it is planted: a Secret (`stringData` and base64 `data`), a
/// policy (literal `client_secret`), and chart values (a literal `client_secret` of the
/// declared provider, which the policy replaces, and of an undeclared one, which it keeps).
const PLANTED: &str = "Zq9-planted-Secret-Value-77";

fn planted_stream() -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(PLANTED);
    format!(
        "---\n# Source: clearml/templates/secret.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: keycloak-idp\nstringData:\n  client_secret: {PLANTED}\ndata:\n  other: {b64}\n\
         ---\n# Source: clearml/templates/apiserver-deployment.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: clearml-apiserver\nspec:\n  template:\n    spec:\n      containers:\n        - name: clearml-apiserver\n          image: x\n          env:\n            - name: CLEARML__services__login__sso__oauth_client__keycloak__client_secret\n              value: \"{PLANTED}\"\n            - name: CLEARML__secure__login__sso__oauth_client__okta__client_secret\n              value: '{PLANTED}'\n            - name: CLEARML_SOMETHING\n              value: \"{PLANTED}\"\n"
    )
}

fn assert_clean(what: &str, bytes: &[u8]) {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(PLANTED);
    let t = text(bytes);
    assert!(
        !t.contains(PLANTED) && !t.contains(&b64),
        "{what} shows the planted secret:\n{t}"
    );
}

#[test]
fn no_command_or_format_ever_prints_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let stream = planted_stream();
    let policies = [
        ("refs", "version = 1\n[enforce]\nplaintext_secrets = \"deny\"\n[providers.keycloak]\nclient_id = \"clearml\"\nclient_secret = { secret = \"keycloak-idp\", key = \"client_secret\" }\nurl = \"https://sso.acme.test\"\nrealm = \"clearml\"\n".to_string()),
        ("refs-remove", "version = 1\n[enforce]\nunknown_providers = \"remove\"\n[providers.keycloak]\nclient_id = \"clearml\"\nclient_secret = { secret = \"keycloak-idp\", key = \"client_secret\" }\nurl = \"https://sso.acme.test\"\nrealm = \"clearml\"\n".to_string()),
        ("literal-deny", format!("version = 1\n[providers.google]\nclient_id = \"x\"\nclient_secret = \"{PLANTED}\"\n")),
        ("literal-allow", format!("version = 1\n[enforce]\nplaintext_secrets = \"allow\"\n[providers.google]\nclient_id = \"x\"\nclient_secret = \"{PLANTED}\"\n")),
    ];
    let mut runs = 0;
    for (name, policy) in &policies {
        let p = temp_file(&dir, &format!("{name}.toml"), policy);
        let flag = format!("--policy={}", p.display());
        let report = dir.path().join(format!("{name}.json"));
        let report_flag = format!("--report={}", report.display());
        let mut commands: Vec<Vec<&str>> = vec![
            vec![&flag, &report_flag],
            vec!["diff", &flag, &report_flag],
            vec!["explain", &flag],
            vec!["values", &flag],
        ];
        for format in formats() {
            commands.push(vec!["check", &flag, "--format", format, &report_flag]);
        }
        for args in &commands {
            let out = run(args, stream.as_bytes());
            let what = format!("{name}: clearml-sso {}", args.join(" "));
            assert_clean(&format!("{what} (stderr)"), &out.stderr);
            // Only `plaintext_secrets = "allow"` lets a literal credential through: then the
            // manifests (render) and the values file carry it, as the user asked.
            let allowed_output =
                *name == "literal-allow" && (args[0] == flag.as_str() || args[0] == "values");
            if *name == "refs-remove" && args[0] == flag.as_str() {
                // The render succeeds: both SSO literals are gone; what remains is the Secret and
                // the chart's own non-SSO variable, passed through untouched.
                assert!(out.status.success(), "{what}: {}", text(&out.stderr));
                let rest: String = clearml_sso::stream::split(&text(&out.stdout))
                    .iter()
                    .filter(|d| !d.raw.contains("kind: Secret\n"))
                    .map(|d| {
                        d.raw.replace(
                            &format!("name: CLEARML_SOMETHING\n              value: \"{PLANTED}\""),
                            "",
                        )
                    })
                    .collect();
                assert_clean(
                    &format!("{what} (stdout outside the Secret and the chart's own variable)"),
                    rest.as_bytes(),
                );
            } else if !allowed_output {
                assert_clean(&format!("{what} (stdout)"), &out.stdout);
            }
            if *name == "refs-remove" && args[0] == "diff" {
                assert!(
                    text(&out.stdout).contains("-              value: <redacted>\n"),
                    "{}",
                    text(&out.stdout)
                );
            }
            if report.exists() {
                assert_clean(
                    &format!("{what} (report)"),
                    &std::fs::read(&report).unwrap(),
                );
            }
            runs += 1;
        }
    }
    assert_eq!(runs, 40);
}
