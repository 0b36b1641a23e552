//! The command line contract: policy lookup, exit codes, all-or-nothing output, a report that
//! never lands on stdout, error messages that name what and where (with control characters
//! made visible), and no secret value in any message.

use crate::harness::*;

const EXAMPLE: &str = "examples/rendered/clearml.yaml";
const SECRET_VALUE: &str = "9yq2Xl0bF8tV3nRkC4sWmJ7eHdPaZu1G";

fn example() -> Vec<u8> {
    std::fs::read(root().join(EXAMPLE)).unwrap()
}

#[test]
fn bare_invocation_render_subcommand_and_both_flag_forms_agree() {
    let a = run(&["--policy=policies/keycloak.toml"], &example());
    assert!(a.status.success(), "{}", text(&a.stderr));
    assert!(!a.stdout.is_empty());
    for args in [
        vec!["--policy", "policies/keycloak.toml"],
        vec!["render", "--policy", "policies/keycloak.toml", "-"],
        vec!["render", "--policy=policies/keycloak.toml", EXAMPLE],
    ] {
        let b = run(&args, &example());
        assert_eq!(b.status.code(), Some(0), "{args:?}: {}", text(&b.stderr));
        assert_eq!(b.stdout, a.stdout, "{args:?}");
    }
}

#[test]
fn policy_lookup_order_env_then_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    let none = run_in(&bin(), &[], &example(), Some(dir.path()), &[]);
    assert_eq!(none.status.code(), Some(2));
    assert!(none.stdout.is_empty());
    let err = text(&none.stderr);
    for name in ["--policy", "$CLEARML_SSO_POLICY", "./clearml-sso.toml"] {
        assert!(err.contains(name), "the message names {name}: {err}");
    }
    let policy = root().join("policies/keycloak.toml");
    let via_env = run_in(
        &bin(),
        &[],
        &example(),
        Some(dir.path()),
        &[("CLEARML_SSO_POLICY", policy.to_str().unwrap())],
    );
    assert_eq!(via_env.status.code(), Some(0), "{}", text(&via_env.stderr));
    std::fs::copy(
        root().join("policies/auth0.toml"),
        dir.path().join("clearml-sso.toml"),
    )
    .unwrap();
    let via_cwd = run_in(&bin(), &[], &example(), Some(dir.path()), &[]);
    assert_eq!(via_cwd.status.code(), Some(0));
    assert!(text(&via_cwd.stdout).contains("oauth_client__auth0__"));
    // The environment variable wins over the working directory.
    let both = run_in(
        &bin(),
        &[],
        &example(),
        Some(dir.path()),
        &[("CLEARML_SSO_POLICY", policy.to_str().unwrap())],
    );
    assert!(text(&both.stdout).contains("oauth_client__keycloak__"));
}

#[test]
fn policy_errors_exit_2_with_file_line_column() {
    let dir = tempfile::tempdir().unwrap();
    let p = temp_file(
        &dir,
        "bad.toml",
        "version = 1\n[providers.keycloak]\nclient_id = \"x\"\nclientsecret = \"y\"\n",
    );
    let out = run(&["--policy", p.to_str().unwrap()], &example());
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!(
            "{}:4:1: error: unknown key `clientsecret`",
            p.display()
        )),
        "{err}"
    );
    assert!(err.contains("did you mean `client_secret`?"), "{err}");
    let missing = run(&["--policy", "no/such/policy.toml"], &example());
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("no/such/policy.toml: cannot read the policy file"));
}

#[test]
fn unreadable_input_exits_3_and_says_where() {
    let out = run(
        &["--policy=policies/keycloak.toml"],
        b"kind: A\n---\nkind: a: b\n",
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(out.stdout.is_empty());
    let err = text(&out.stderr);
    assert!(
        err.contains("stdin: input is not a readable manifest stream: line 3"),
        "{err}"
    );
    assert!(err.contains("(document 2)"), "{err}");
    let bytes = run(
        &["--policy=policies/keycloak.toml"],
        b"kind: A\nname: \xff\xfe\n",
    );
    assert_eq!(bytes.status.code(), Some(3));
    assert!(
        text(&bytes.stderr).contains("not UTF-8"),
        "{}",
        text(&bytes.stderr)
    );
    let file = run(
        &["--policy=policies/keycloak.toml", "no/such/input.yaml"],
        b"",
    );
    assert_eq!(file.status.code(), Some(3));
    assert!(text(&file.stderr).contains("cannot read no/such/input.yaml"));
}

#[test]
fn missing_secret_exits_1_with_nothing_on_stdout_and_no_secret_value() {
    // The stream has a Secret `clearml-sso` whose keys are named differently: its value
    // must not leak into the message that lists the keys it does have.
    let input = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: clearml-sso\nstringData:\n  other_key: {SECRET_VALUE}\n---\n{}",
        std::fs::read_to_string(root().join("tests/fixtures/no-target.yaml")).unwrap().replace("-asyncdelete", "")
    );
    // A policy that expects the Secret in the release (the bundled ones declare it external).
    let out = run(
        &["--policy=tests/fixtures/policies/keycloak-in-stream.toml"],
        input.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = text(&out.stderr);
    assert!(err.contains("error[missing-secret-key]: Secret `clearml-sso` has no key `keycloak_client_secret` (it has: other_key)"), "{err}");
    assert!(!err.contains(SECRET_VALUE));
}

#[test]
fn plaintext_secret_is_refused_without_printing_it() {
    let dir = tempfile::tempdir().unwrap();
    let p = temp_file(
        &dir,
        "p.toml",
        &format!("version = 1\n[providers.google]\nclient_id = \"id\"\nclient_secret = \"{SECRET_VALUE}\"\n"),
    );
    let out = run(&["--policy", p.to_str().unwrap(), EXAMPLE], b"");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = text(&out.stderr);
    assert!(
        err.contains(
            "error[plaintext-secret]: google.client_secret is a literal value in the policy"
        ),
        "{err}"
    );
    assert_eq!(
        err.matches("error[plaintext-secret]").count(),
        1,
        "once: {err}"
    );
    assert!(!err.contains(SECRET_VALUE), "{err}");
    // `explain` and `values` refuse what render refuses, by the same rule.
    for cmd in ["explain", "values"] {
        let refused = run(&[cmd, "--policy", p.to_str().unwrap()], b"");
        assert_eq!(refused.status.code(), Some(1), "{cmd}");
        assert!(refused.stdout.is_empty(), "{cmd}");
        let err = text(&refused.stderr);
        assert!(
            err.contains("error[plaintext-secret]: google.client_secret"),
            "{cmd}: {err}"
        );
        assert!(!err.contains(SECRET_VALUE), "{cmd}: {err}");
    }
    let allowed =
        std::fs::read_to_string(&p).unwrap() + "[enforce]\nplaintext_secrets = \"allow\"\n";
    let p2 = temp_file(&dir, "p2.toml", &allowed);
    let ok = run(&["--policy", p2.to_str().unwrap(), EXAMPLE], b"");
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
    assert!(!text(&ok.stderr).contains(SECRET_VALUE));
}

#[test]
fn no_target_exits_1_and_lists_what_it_saw() {
    let input = std::fs::read(root().join("tests/fixtures/no-target.yaml")).unwrap();
    let out = run(&["--policy=tests/fixtures/policies/keycloak.toml"], &input);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = text(&out.stderr);
    assert!(err.contains("error[no-target]"), "{err}");
    assert!(
        err.contains("Deployment clearml-apiserver-asyncdelete (container clearml-apiserver)"),
        "{err}"
    );
}

#[test]
fn audit_mode_changes_nothing_and_fails_on_drift() {
    let dir = tempfile::tempdir().unwrap();
    let policy = std::fs::read_to_string(root().join("policies/keycloak.toml"))
        .unwrap()
        .replace("mode = \"fix\"", "mode = \"audit\"");
    let p = temp_file(&dir, "audit.toml", &policy);
    let drift = run(&["--policy", p.to_str().unwrap(), EXAMPLE], b"");
    assert_eq!(drift.status.code(), Some(1));
    assert!(drift.stdout.is_empty());
    assert!(
        text(&drift.stderr)
            .contains("error[missing-variable]: drift: would add keycloak.client_id"),
        "{}",
        text(&drift.stderr)
    );
    // Once fixed, the audit passes and the stream goes through unchanged.
    let fixed = run(&["--policy=policies/keycloak.toml", EXAMPLE], b"");
    let clean = run(&["--policy", p.to_str().unwrap()], &fixed.stdout);
    assert_eq!(clean.status.code(), Some(0), "{}", text(&clean.stderr));
    assert_eq!(clean.stdout, fixed.stdout);
}

#[test]
fn denied_warnings_fail_render_diff_and_check_from_the_policy_or_the_flag() {
    const DRIFT: &str = "tests/fixtures/value-drift.yaml";
    const POLICY: &str = "tests/fixtures/policies/keycloak.toml";
    let dir = tempfile::tempdir().unwrap();
    let text_of = std::fs::read_to_string(root().join(POLICY)).unwrap();
    assert!(
        !text_of.contains("[enforce]"),
        "the fixture policy leaves [enforce] out"
    );
    let strict = temp_file(
        &dir,
        "strict.toml",
        &format!("{text_of}\n[enforce]\nwarnings = \"deny\"\n"),
    );
    let strict = format!("--policy={}", strict.display());
    let policy = format!("--policy={POLICY}");
    // Allowed (the default), the drift is corrected with warnings.
    let allowed = run(&[&policy, DRIFT], b"");
    assert_eq!(allowed.status.code(), Some(0), "{}", text(&allowed.stderr));
    assert!(text(&allowed.stderr).contains("warning[value-mismatch]"));
    for args in [
        vec![policy.as_str(), "--deny-warnings", DRIFT],
        vec![strict.as_str(), DRIFT],
        vec!["diff", policy.as_str(), "--deny-warnings", DRIFT],
        vec!["check", strict.as_str(), DRIFT],
        vec!["check", policy.as_str(), "--deny-warnings", DRIFT],
    ] {
        let out = run(&args, b"");
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        let findings = if args[0] == "check" {
            text(&out.stdout)
        } else {
            assert!(out.stdout.is_empty(), "{args:?}: nothing written");
            err
        };
        assert!(
            findings.contains("error[value-mismatch]: keycloak.authorize_url")
                && findings.contains(clearml_sso::report::DENIED_WARNING)
                && !findings.contains("warning["),
            "{args:?}: {findings}"
        );
    }
    // Notes are not warnings: a render that only adds settings passes.
    let added = run(&[&policy, "--deny-warnings", EXAMPLE], b"");
    assert_eq!(added.status.code(), Some(0), "{}", text(&added.stderr));
}

#[test]
fn quiet_silences_a_success_but_never_a_failure() {
    let ok = run(
        &["--quiet", "--policy=policies/keycloak.toml", EXAMPLE],
        b"",
    );
    assert_eq!(ok.status.code(), Some(0));
    assert!(!ok.stdout.is_empty());
    assert_eq!(text(&ok.stderr), "", "a quiet success says nothing");
    let failed = run(
        &[
            "-q",
            "--policy=tests/fixtures/policies/keycloak-idp.toml",
            "tests/fixtures/check-broken.yaml",
        ],
        b"",
    );
    assert_eq!(failed.status.code(), Some(1));
    assert!(failed.stdout.is_empty());
    assert!(
        text(&failed.stderr).contains("error[missing-secret]"),
        "{}",
        text(&failed.stderr)
    );
}

#[test]
fn report_file_is_written_even_on_failure() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let input = std::fs::read(root().join("tests/fixtures/no-target.yaml")).unwrap();
    let out = run(
        &[
            "--policy=tests/fixtures/policies/keycloak.toml",
            "--report",
            report.to_str().unwrap(),
        ],
        &input,
    );
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(json["errors"], 1);
    assert_eq!(json["findings"][0]["code"], "no-target");
    assert_eq!(json["findings"][0]["severity"], "error");
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn example_rendering_is_up_to_date_with_the_example_chart() {
    let helm = tool("HELM3_BIN");
    let out = run_in(
        &helm,
        &[
            "template",
            "clearml",
            "examples/chart/clearml",
            "-f",
            "examples/values-sso-secret.yaml",
            "--skip-tests",
        ],
        b"",
        None,
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        text(&example()),
        "re-render examples/rendered/clearml.yaml (see CONTRIBUTING.md)"
    );
}

#[test]
fn explain_values_and_init_follow_the_exit_codes() {
    let init = run(&["init", "okta"], b"");
    assert_eq!(init.status.code(), Some(0));
    assert!(text(&init.stdout).contains("[providers.okta]"));
    let bad = run(&["init", "keycloack"], b"");
    assert_eq!(bad.status.code(), Some(2));
    assert!(bad.stdout.is_empty());
    assert!(text(&bad.stderr).contains("did you mean `keycloak`?"));
    let dir = tempfile::tempdir().unwrap();
    for cmd in ["explain", "values"] {
        let none = run_in(&bin(), &[cmd], b"", Some(dir.path()), &[]);
        assert_eq!(none.status.code(), Some(2), "{cmd}");
        assert!(none.stdout.is_empty());
        let ok = run(&[cmd, "--policy", "policies/keycloak-and-google.toml"], b"");
        assert_eq!(ok.status.code(), Some(0), "{cmd}: {}", text(&ok.stderr));
    }
    let explain = run(
        &["explain", "--policy", "policies/keycloak-and-google.toml"],
        b"",
    );
    let out = text(&explain.stdout);
    assert!(
        out.contains("https://app.clearml.acme.test/callback_keycloak"),
        "{out}"
    );
    assert!(
        out.contains("https://app.clearml.acme.test/callback_google"),
        "{out}"
    );
    assert!(out.contains("turn OFF \"Full group path\""), "{out}");
}

#[test]
fn explain_shows_urls_derived_from_a_normalised_policy_and_the_notes() {
    // The Keycloak issuer pasted into `url`, an Okta issuer into `domain`, the Azure v2
    // issuer into `tenant`, a webapp with a trailing `/`: each is read as its inputs, `explain`
    // prints the URLs derived from them, and stderr says what was read how.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.toml");
    std::fs::write(
        &path,
        r#"version = 1
[enforce]
plaintext_secrets = "allow"
[sso]
webapp = "https://app.acme.test/"
[providers.keycloak]
client_id = "i"
client_secret = "s"
url = "https://sso.acme.test/realms/clearml"
[providers.okta]
client_id = "i"
client_secret = "s"
domain = "https://x.okta.com/oauth2/default"
[providers.azure_ad]
client_id = "i"
client_secret = "s"
tenant = "https://login.microsoftonline.com/acmecorp.onmicrosoft.com/v2.0"
"#,
    )
    .unwrap();
    let out = run(&["explain", "--policy", path.to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    for url in [
        "https://sso.acme.test/realms/clearml/protocol/openid-connect/auth",
        "https://x.okta.com/oauth2/default/v1/token",
        "https://login.microsoftonline.com/acmecorp.onmicrosoft.com/oauth2/v2.0/authorize",
        "https://app.acme.test/callback_okta",
    ] {
        assert!(stdout.contains(url), "{url} in\n{stdout}");
    }
    let stderr = text(&out.stderr);
    let shown = path.display();
    for note in [
        format!("{shown}:9:7: note: providers.keycloak.url = "),
        format!("{shown}:13:10: note: providers.okta.domain = "),
        format!("{shown}:17:10: note: providers.azure_ad.tenant = "),
    ] {
        assert!(stderr.contains(&note), "{note} in\n{stderr}");
    }
}

const NO_TARGET: &str = "tests/fixtures/no-target.yaml";
const NO_TARGET_POLICY: &str = "--policy=tests/fixtures/policies/keycloak.toml";

/// Runs the binary from the repo root with stdout to `stdout` and stdin empty.
fn run_with_stdout(args: &[&str], stdout: std::fs::File) -> std::process::Output {
    std::process::Command::new(bin())
        .args(args)
        .current_dir(root())
        .env_remove("CLEARML_SSO_POLICY")
        .env_remove("HELM_PLUGIN_NAME")
        .env_remove("HELM_PLUGIN_DIR")
        .stdin(std::process::Stdio::null())
        .stdout(stdout)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap()
}

#[test]
fn a_report_path_that_is_stdout_is_refused_in_every_spelling() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("out.json");
    std::os::unix::fs::symlink("/dev/stdout", &link).unwrap();
    let link = link.to_str().unwrap().to_string();
    let spellings = [
        "/dev/stdout",
        "/dev/fd/1",
        "/proc/self/fd/1",
        "/proc/thread-self/fd/1",
        "//dev/./stdout",
        link.as_str(),
    ];
    for report in spellings {
        for (args, input) in [
            (vec![NO_TARGET_POLICY, NO_TARGET], "failing render"),
            (
                vec!["--policy=policies/keycloak.toml", EXAMPLE],
                "good render",
            ),
            (vec!["check", NO_TARGET_POLICY, NO_TARGET], "check"),
            (
                vec!["diff", "--policy=policies/keycloak.toml", EXAMPLE],
                "diff",
            ),
        ] {
            let mut args = args.clone();
            args.extend(["--report", report]);
            let out = run(&args, b"");
            assert_eq!(out.status.code(), Some(2), "{report} ({input})");
            assert!(
                out.stdout.is_empty(),
                "{report} ({input}): stdout stays empty"
            );
            let err = text(&out.stderr);
            assert!(
                err.contains(&format!(
                    "--report {report}: that is this command's standard output"
                )),
                "{report} ({input}): {err}"
            );
        }
    }
}

#[test]
fn a_report_path_that_is_the_same_file_as_stdout_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out.yaml");
    let stdout = std::fs::File::create(&file).unwrap();
    let out = run_with_stdout(
        &[
            "--policy=policies/keycloak.toml",
            EXAMPLE,
            "--report",
            file.to_str().unwrap(),
        ],
        stdout,
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read(&file).unwrap(),
        b"",
        "neither manifests nor report"
    );
    // stdout and the report both /dev/null: nothing is mixed into anything, allowed.
    let null = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/null")
        .unwrap();
    let out = run_with_stdout(
        &[
            "--policy=policies/keycloak.toml",
            EXAMPLE,
            "--report",
            "/dev/null",
        ],
        null,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // … but the names of fd 1 are refused whatever stdout is.
    let null = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/null")
        .unwrap();
    let out = run_with_stdout(
        &[
            "--policy=policies/keycloak.toml",
            EXAMPLE,
            "--report",
            "/dev/stdout",
        ],
        null,
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_report_that_cannot_be_written_fails_the_run_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("no/such/dir/report.json");
    let report = report.to_str().unwrap();
    for (args, what) in [
        (
            vec!["--policy=policies/keycloak.toml", EXAMPLE],
            "good render",
        ),
        (vec![NO_TARGET_POLICY, NO_TARGET], "failing render"),
        (
            vec!["check", "--policy=policies/keycloak.toml", EXAMPLE],
            "check",
        ),
        (vec!["check", NO_TARGET_POLICY, NO_TARGET], "failing check"),
        (
            vec!["diff", "--policy=policies/keycloak.toml", EXAMPLE],
            "diff",
        ),
    ] {
        let mut args = args.clone();
        args.extend(["--report", report]);
        let out = run(&args, b"");
        assert_eq!(out.status.code(), Some(2), "{what}: {}", text(&out.stderr));
        assert!(out.stdout.is_empty(), "{what}: {}", text(&out.stdout));
        let err = text(&out.stderr);
        assert!(
            err.contains(&format!(
                "cannot write the report {report}: No such file or directory"
            )),
            "{what}: the path and the OS error: {err}"
        );
    }
    // On a failing render the findings are still shown next to the report error.
    let out = run(&[NO_TARGET_POLICY, NO_TARGET, "--report", report], b"");
    assert!(text(&out.stderr).contains("error[no-target]"));
}

/// A Deployment whose name, namespace, env names and values carry terminal escapes, CR/LF and
/// bidi overrides: every one reaches a finding.
const HOSTILE: &str = "---
# Source: clearml/templates/apiserver-deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: \"\\e[31mclearml-apiserver\"
  namespace: \"clearml\\r\\nerror[fake]: forged\"
spec:
  template:
    spec:
      containers:
        - name: clearml-apiserver
          env:
            - name: CLEARML__services__login__sso__oauth_client__keycloak__client_secret
              valueFrom:
                secretKeyRef:
                  name: keycloak-idp
                  key: client_secret
            - name: \"CLEARML__services__login__sso__oauth_client__keycloak__idp_logut\\e[2J\"
              value: \"true\"
            - name: CLEARML__services__login__sso__oauth_client__keycloak__base_url
              value: \"https://x/\\e]0;pwned\\a\\rclearml-sso: 0 errors\\u202e\\x9b\"
";

fn assert_no_raw_controls(what: &str, out: &str) {
    let raw: Vec<char> = out
        .chars()
        .filter(|&c| {
            (c.is_control() && c != '\n')
                || matches!(c, '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect();
    assert!(raw.is_empty(), "{what}: raw {raw:?} in:\n{out}");
}

#[test]
fn control_characters_from_manifests_are_escaped_in_every_display_format() {
    let policy = "--policy=tests/fixtures/policies/keycloak-idp.toml";
    let render = run(&[policy], HOSTILE.as_bytes());
    assert_eq!(render.status.code(), Some(1), "missing Secret keycloak-idp");
    assert!(render.stdout.is_empty());
    let err = text(&render.stderr);
    assert_no_raw_controls("render stderr", &err);
    assert!(
        err.contains(r"Deployment clearml\r\nerror[fake]: forged/\x1b[31mclearml-apiserver"),
        "{err}"
    );
    assert!(!err.contains("pwned"), "{err}");
    // A value with a line break outside quotes could set other ClearML keys, so it is never
    // quoted in a message, escaped or not. (A refused render lists no corrections: `check` does.)
    let check = text(&run(&["check", policy], HOSTILE.as_bytes()).stdout);
    assert!(
        check.contains("keycloak.base_url: the value differs from the policy"),
        "{check}"
    );
    assert!(!check.contains("pwned"), "{check}");
    // A ClearML name with control characters is HOCON-unsafe: refused, and never printed.
    assert!(err.contains("error[hocon-in-name]"), "{err}");
    assert!(!err.contains("idp_logut"), "{err}");
    assert!(
        !err.lines().any(|l| l.starts_with("error[fake]")),
        "no forged line: {err}"
    );
    assert_eq!(
        err.lines()
            .filter(|l| l.starts_with("clearml-sso: "))
            .count(),
        2,
        "{err}"
    );

    for format in ["text", "github", "gitlab", "sarif", "junit"] {
        let out = run(&["check", policy, "--format", format], HOSTILE.as_bytes());
        assert_eq!(out.status.code(), Some(1), "{format}");
        let report = text(&out.stdout);
        assert_no_raw_controls(format, &report);
        match format {
            "junit" => {
                let doc = roxmltree::Document::parse(&report)
                    .unwrap_or_else(|e| panic!("JUnit is not well-formed XML: {e}\n{report}"));
                let failures = doc
                    .descendants()
                    .filter(|n| n.has_tag_name("failure"))
                    .count();
                // The missing Secret, and the name with HOCON syntax.
                assert_eq!(failures, 2);
                assert!(
                    report.contains(r"forged/\x1b[31mclearml-apiserver"),
                    "{report}"
                );
            }
            "sarif" => {
                let sarif: serde_json::Value = serde_json::from_str(&report).unwrap();
                assert_eq!(sarif["version"], "2.1.0");
            }
            "gitlab" => {
                let issues: serde_json::Value = serde_json::from_str(&report).unwrap();
                assert!(!issues.as_array().unwrap().is_empty(), "{report}");
            }
            "github" => {
                assert!(
                    report
                        .lines()
                        .all(|l| l.starts_with("::") || l.starts_with("clearml-sso: ")),
                    "{report}"
                );
            }
            _ => {}
        }
    }
    // The JSON report keeps the exact text: JSON escapes it.
    let json = run(&["check", policy, "--format", "json"], HOSTILE.as_bytes());
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let names: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["location"]["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"\u{1b}[31mclearml-apiserver"), "{names:?}");
}

#[test]
fn a_huge_unknown_key_in_the_policy_is_reported_without_a_suggestion_search() {
    // Unbounded, "did you mean" compared this 4 MB key with every valid key (22 s).
    let dir = tempfile::tempdir().unwrap();
    let key = "k".repeat(4 << 20);
    let p = temp_file(
        &dir,
        "huge.toml",
        &format!("version = 1\n[providers.keycloak]\n{key} = \"x\"\n"),
    );
    let out = run(&["--policy", p.to_str().unwrap(), EXAMPLE], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = text(&out.stderr);
    assert!(
        err.contains(":3:1: error: unknown key `kkkk"),
        "{}",
        &err[..200.min(err.len())]
    );
    assert!(err.contains("valid keys here:"));
}

/// A `--report` FIFO that nobody reads: opening it would wait forever; the tool fails at once
/// (exit 2, the report cannot be written) instead.
#[test]
fn report_to_a_fifo_without_reader_fails_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("report.fifo");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let mut child = std::process::Command::new(bin())
        .args(["check", "--policy", "policies/keycloak.toml", "--report"])
        .arg(&fifo)
        .arg("examples/rendered/clearml.yaml")
        .current_dir(root())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > std::time::Duration::from_secs(20) {
            let _ = child.kill();
            panic!("hung on a report FIFO without a reader");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(2));
}

/// The issue's items through the binary: a provider alias is a policy error naming ClearML's
/// key (exit 2), `init` does the same, and `explain` for a multi-tenant policy names the
/// webserver's variable while a group-syncing provider's checklist names default_groups.
#[test]
fn aliases_webserver_and_group_sync_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let alias = dir.path().join("alias.toml");
    std::fs::write(&alias, "version = 1\n[providers.entra]\ntenant = \"x\"\n").unwrap();
    let out = run(&["explain", "--policy", alias.to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains(":2:12: error: `[providers.entra]`: ClearML's key is `azure_ad`"),
        "{err}"
    );
    let out = run(&["init", "aws_cognito"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("ClearML's key is `cognito`"),
        "{}",
        text(&out.stderr)
    );

    let tenant = dir.path().join("tenant.toml");
    std::fs::write(
        &tenant,
        "version = 1\n[sso]\ntenant_login = true\n[secrets]\nexternal = [\"idp\"]\n[providers.ping]\nclient_id = { secret = \"idp\", key = \"id\" }\nclient_secret = { secret = \"idp\", key = \"secret\" }\nauthorize_url = \"https://auth.pingone.com/E/as/authorize\"\naccess_token_url = \"https://auth.pingone.com/E/as/token\"\ngroups.enabled = true\n",
    )
    .unwrap();
    let out = run(&["explain", "--policy", tenant.to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(
        shown.contains(
            "tenant_login needs WEBSERVER__onlyPasswordLogin=\"true\" on the webserver container"
        ),
        "{shown}"
    );
    assert!(
        shown.contains("CLEARML__services__auth__default_groups__<name>"),
        "{shown}"
    );

    // The example chart's webserver has no WEBSERVER__onlyPasswordLogin: a warning, exit 0.
    let out = run(
        &["check", "--policy", tenant.to_str().unwrap(), EXAMPLE],
        b"",
    );
    let err = text(&out.stdout) + &text(&out.stderr);
    assert!(err.contains("warning[webserver-login]"), "{err}");
    assert!(err.contains("Deployment clearml-webserver"), "{err}");
    assert_eq!(out.status.code(), Some(0), "{err}");
}

/// Endless or huge inputs are refused at a limit instead of being read whole: a policy or an
/// input of `/dev/zero` fails at once (exit 2 and 3), and a report path that is the input or
/// the policy is refused before anything is written (exit 2, the file untouched).
#[test]
fn endless_inputs_and_a_report_over_an_input_are_refused() {
    let out = run(
        &[
            "render",
            "--policy",
            "/dev/zero",
            "examples/rendered/clearml.yaml",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("larger than"));
    let out = run(
        &["render", "--policy", "policies/keycloak.toml", "/dev/zero"],
        b"",
    );
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.yaml");
    std::fs::copy(root().join("examples/rendered/clearml.yaml"), &input).unwrap();
    let before = std::fs::read(&input).unwrap();
    let out = run(
        &[
            "render",
            "--policy",
            "policies/keycloak.toml",
            "--report",
            input.to_str().unwrap(),
            input.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    assert_eq!(
        std::fs::read(&input).unwrap(),
        before,
        "the input was overwritten"
    );
}

/// GitLab names the report `--format gitlab` writes "Code Quality": that name is accepted too
/// and gives the same document.
#[test]
fn format_codequality_is_gitlab() {
    let policy = "--policy=policies/keycloak.toml";
    let gitlab = run(&["check", policy, "--format", "gitlab"], &example());
    assert_eq!(gitlab.status.code(), Some(0), "{}", text(&gitlab.stderr));
    let issues: serde_json::Value = serde_json::from_slice(&gitlab.stdout).unwrap();
    assert!(issues.is_array(), "{issues}");
    for alias in ["codequality", "code-quality"] {
        let out = run(&["check", policy, "--format", alias], &example());
        assert_eq!(out.status.code(), Some(0), "{alias}: {}", text(&out.stderr));
        assert_eq!(out.stdout, gitlab.stdout, "{alias}");
    }
    let out = run(&["check", policy, "--format", "codeqality"], &example());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("gitlab"),
        "{}",
        text(&out.stderr)
    );
}

/// `FILE:LINE:COLUMN` of the value of `key = "…"` in `policy` (the column of its opening quote,
/// where the parser points).
fn value_place(path: &std::path::Path, policy: &str, key: &str) -> String {
    let (n, line) = policy
        .lines()
        .enumerate()
        .find(|(_, l)| l.starts_with(&format!("{key} = \"")))
        .unwrap_or_else(|| panic!("{key} in {policy}"));
    let column = line.find('"').unwrap() + 1;
    format!("{}:{}:{column}", path.display(), n + 1)
}

/// A policy with provider `key`, its client id and secret in the external Secret
/// `clearml-sso` (keys `KEY_id`, `KEY_secret`), and `settings` after them.
fn external_provider(key: &str, settings: &str) -> String {
    format!("version = 1\n[secrets]\nexternal = [\"clearml-sso\"]\n[providers.{key}]\nclient_id = {{ secret = \"clearml-sso\", key = \"{key}_id\" }}\nclient_secret = {{ secret = \"clearml-sso\", key = \"{key}_secret\" }}\n{settings}\n")
}

/// Writes `policy` to `path` and renders the example with it: the exit code and stderr
/// (stdout is checked to be empty on a failure).
fn render_example(path: &std::path::Path, policy: &str) -> (Option<i32>, String) {
    std::fs::write(path, policy).unwrap();
    let out = run(&["--policy", path.to_str().unwrap(), EXAMPLE], b"");
    let err = text(&out.stderr);
    if out.status.code() != Some(0) {
        assert!(out.stdout.is_empty(), "{err}");
    }
    (out.status.code(), err)
}

#[test]
fn placeholders_in_a_policy_are_refused_where_they_are() {
    let dir = tempfile::tempdir().unwrap();
    // Every starter with values to fill in, and what each must be filled in with.
    for (key, inputs) in [
        ("okta", &["domain"][..]),
        ("azure_ad", &["tenant"]),
        ("keycloak", &["url", "realm"]),
        ("auth0", &["audience", "domain"]),
        ("cognito", &["domain"]),
        ("ad_oauth", &["authorize_url", "access_token_url"]),
        ("ping", &["authorize_url", "access_token_url"]),
    ] {
        let path = dir.path().join(format!("{key}.toml"));
        let init = run(&["init", key, "--output", path.to_str().unwrap()], b"");
        assert_eq!(init.status.code(), Some(0), "{}", text(&init.stderr));
        assert!(
            text(&init.stderr).contains(&format!(
                "it lists the {} <…> value(s) to fill in",
                inputs.len()
            )),
            "{key}: {}",
            text(&init.stderr)
        );
        let policy = std::fs::read_to_string(&path).unwrap();
        let p = path.to_str().unwrap();
        // Every command that goes live refuses it as a policy error, before reading any
        // manifest, at each placeholder with what to fill in; stdout stays empty.
        for args in [
            vec!["--policy", p, EXAMPLE],
            vec!["check", "--policy", p, EXAMPLE],
            vec!["diff", "--policy", p, EXAMPLE],
            vec!["values", "--policy", p],
        ] {
            let out = run(&args, b"");
            let err = text(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{key} {args:?}: {err}");
            assert!(out.stdout.is_empty(), "{key} {args:?}");
            for input in inputs {
                let place = value_place(&path, &policy, input);
                assert!(
                    err.contains(&format!("{place}: error: providers.{key}.{input} = \"")),
                    "{key} {args:?}: {place} not in\n{err}"
                );
            }
            assert_eq!(
                err.matches("is a placeholder").count(),
                inputs.len(),
                "{key}: {err}"
            );
            assert_eq!(
                err.matches("  help: fill in the ").count(),
                inputs.len(),
                "{err}"
            );
        }
        // `explain` is how the user learns what to fill in: it lists them first, exit 0.
        let out = run(&["explain", "--policy", p], b"");
        assert_eq!(out.status.code(), Some(0), "{key}: {}", text(&out.stderr));
        let explained = text(&out.stdout);
        assert!(
            explained.starts_with(&format!("Still to fill in ({}):", inputs.len())),
            "{key}: {explained}"
        );
        for input in inputs {
            let place = value_place(&path, &policy, input);
            assert!(
                explained.contains(&format!("{place}: to-do: providers.{key}.{input} = ")),
                "{key}: {explained}"
            );
        }
    }
}

#[test]
fn documentation_examples_written_by_hand_are_placeholders_too() {
    let dir = tempfile::tempdir().unwrap();
    for (key, setting, why) in [
        ("okta", "domain = \"example.okta.com\"", "documentation example"),
        ("okta", "domain = \"your-org.okta.com\"", "fill-in word"),
        ("azure_ad", "tenant = \"contoso.onmicrosoft.com\"", "documentation example"),
        ("azure_ad", "tenant = \"00000000-0000-0000-0000-000000000000\"", "all-zero GUID"),
        ("keycloak", "realm = \"clearml\"\nurl = \"https://sso.example.com\"", "reserved for documentation"),
        ("keycloak", "url = \"https://sso.acme.test\"\nrealm = \"CHANGE-ME\"", "fill-in word"),
        ("auth0", "audience = \"https://api.acme.test/\"\ndomain = \"example.eu.auth0.com\"", "documentation example"),
        ("ping", "access_token_url = \"https://auth.pingone.com/2f7a1c4e/as/token\"\nauthorize_url = \"https://auth.pingone.com/ENV_ID/as/authorize\"", "fill-in word"),
        // Azure's issuer URL, which `tenant` accepts and splits: the tenant is in its path.
        ("azure_ad", "tenant = \"https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0\"", "documentation example"),
        ("azure_ad", "tenant = \"https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0\"", "documentation GUID"),
        // The trailing `/` the tenant input drops; Microsoft's documentation GUIDs.
        ("azure_ad", "tenant = \"00000000-0000-0000-0000-000000000000/\"", "documentation GUID"),
        ("azure_ad", "tenant = \"aaaabbbb-0000-cccc-1111-dddd2222eeee\"", "documentation GUID"),
        // Microsoft's AD FS docs' host.
        ("ad_oauth", "access_token_url = \"https://adfs.acme.test/adfs/oauth2/token\"\nauthorize_url = \"https://adfs.contoso.com/adfs/oauth2/authorize\"", "Microsoft's documentation"),
        // The providers' own docs mark what to fill in with braces.
        ("okta", "domain = \"{yourOktaDomain}\"", "`{…}` marks"),
        ("okta", "domain = \"${yourOktaDomain}\"", "`{…}` marks"),
        ("okta", "domain = \"yourOktaDomain\"", "fill-in word"),
        ("keycloak", "url = \"https://sso.acme.test\"\nrealm = \"{realm}\"", "`{…}` marks"),
        ("azure_ad", "access_token_url = \"https://login.microsoftonline.com/acmecorp.onmicrosoft.com/oauth2/v2.0/token\"\nauthorize_url = \"https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize\"", "`{…}` marks"),
    ] {
        let path = dir.path().join("p.toml");
        let policy = external_provider(key, setting);
        // The placeholder is the table's last setting.
        let name = setting.lines().last().unwrap().split(' ').next().unwrap();
        let place = value_place(&path, &policy, name);
        let (code, err) = render_example(&path, &policy);
        assert_eq!(code, Some(2), "{setting}: {err}");
        assert!(
            err.contains(&format!("{place}: error: providers.{key}.{name} = ")),
            "{setting}: {err}"
        );
        assert!(err.contains(why), "{setting}: {err}");
        assert_eq!(err.matches("is a placeholder").count(), 1, "{setting}: {err}");
    }
}

#[test]
fn a_placeholder_column_counts_characters_as_an_editor_shows_them() {
    // A byte-order mark is no column, a list's placeholder item is pointed at, a tab and a multi-byte character are one each, and a
    // CRLF line ending changes nothing: FILE:LINE:COLUMN lands on the value's opening quote.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.toml");
    let first = "providers.keycloak = { claims = { name = \"ñä😀\" }, groups = { admins = [\"ádmins\", \"todo\"] }, client_id = { secret = \"clearml-sso\", key = \"a\" }, client_secret = { secret = \"clearml-sso\", key = \"b\" }, url = \"https://kc.acme.test\", realm = \"<realm>\" }";
    let policy = format!("\u{feff}{first}\r\nversion = 1\r\n[providers.okta]\r\n\tdomain\t=\t\"<your-org>.okta.com\" # é\r\nclient_id = {{ secret = \"clearml-sso\", key = \"c\" }}\r\nclient_secret = {{ secret = \"clearml-sso\", key = \"d\" }}\r\n");
    let (code, err) = render_example(&path, &policy);
    assert_eq!(code, Some(2), "{err}");
    let realm = first[..first.find("\"<realm>").unwrap()].chars().count() + 1;
    // A list's item, not the list.
    let item = first[..first.find("\"todo").unwrap()].chars().count() + 1;
    let p = path.display();
    assert!(
        err.contains(&format!(
            "{p}:1:{realm}: error: providers.keycloak.realm = "
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{p}:1:{item}: error: providers.keycloak.groups.admins = \"todo\""
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!("{p}:4:11: error: providers.okta.domain = ")),
        "{err}"
    );
}

#[test]
fn a_generated_client_secret_with_brackets_is_no_placeholder() {
    // A literal client secret (plaintext_secrets = "allow") may hold any character: `<`, `>`,
    // `{`, `}` among random characters are a real secret, rendered; `<client-secret>` is not.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.toml");
    for (secret, placeholder) in [
        ("k9<Tq~3>zP8w", false),
        ("a{8f!Qz}b", false),
        ("<client-secret>", true),
        ("{clientSecret}", true),
    ] {
        let policy = format!("version = 1\n[enforce]\nplaintext_secrets = \"allow\"\n[secrets]\nexternal = [\"clearml-sso\"]\n[providers.google]\nclient_id = {{ secret = \"clearml-sso\", key = \"google_client_id\" }}\nclient_secret = \"{secret}\"\n");
        let (code, err) = render_example(&path, &policy);
        assert_eq!(
            code,
            Some(if placeholder { 2 } else { 0 }),
            "{secret}: {err}"
        );
        assert_eq!(
            err.contains("is a placeholder"),
            placeholder,
            "{secret}: {err}"
        );
        assert!(!err.contains(secret), "{err}");
    }
}

#[test]
fn real_names_that_begin_with_a_fill_in_word_render() {
    // `todo…`, `replace…`, `xxx…` as mere prefixes refused real organisations (XXXLutz,
    // Todoist) and realms; the words alone or before a separator still are placeholders.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.toml");
    for (key, setting, placeholder) in [
        ("okta", "domain = \"xxxlutz.okta.com\"", false),
        ("okta", "domain = \"todoist.okta.com\"", false),
        ("azure_ad", "tenant = \"xxxlutz.onmicrosoft.com\"", false),
        ("keycloak", "url = \"https://sso.acme.test\"\nrealm = \"replacements\"", false),
        ("keycloak", "url = \"https://sso.acme.test\"\nrealm = \"clearml\"\ngroups.admins = [\"xxxlutz-admins\"]", false),
        ("keycloak", "url = \"https://sso.acme.test\"\nrealm = \"TODO\"", true),
        ("okta", "domain = \"xxxx.okta.com\"", true),
    ] {
        let (code, err) = render_example(&path, &external_provider(key, setting));
        assert_eq!(
            code,
            Some(if placeholder { 2 } else { 0 }),
            "{setting}: {err}"
        );
        assert_eq!(err.contains("placeholder"), placeholder, "{setting}: {err}");
    }
}

#[test]
fn explain_splits_a_pasted_issuer_even_when_it_is_a_placeholder() {
    // Azure's issuer URL with the sample tenant: a to-do item, and the draft's URLs are the
    // tenant's, not the issuer pasted inside the template.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.toml");
    std::fs::write(
        &path,
        "version = 1\n[secrets]\nexternal = [\"clearml-sso\"]\n[providers.azure_ad]\nclient_id = { secret = \"clearml-sso\", key = \"a\" }\nclient_secret = { secret = \"clearml-sso\", key = \"b\" }\ntenant = \"https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0\"\n",
    )
    .unwrap();
    let out = run(&["explain", "--policy", path.to_str().unwrap()], b"");
    let explained = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        explained.starts_with("Still to fill in (1):"),
        "{explained}"
    );
    assert!(
        explained.contains(
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize"
        ),
        "{explained}"
    );
    assert!(
        !explained.contains("microsoftonline.com/https:"),
        "{explained}"
    );
}

#[test]
fn a_right_value_in_the_manifest_is_never_corrected_to_an_example() {
    // The chart already carries the right Okta domain; the starter's example value must not
    // replace it: the policy is refused, nothing is written. Filled in, it renders.
    let dir = tempfile::tempdir().unwrap();
    let manifest = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: clearml-apiserver\nspec:\n  template:\n    spec:\n      containers:\n      - name: clearml-apiserver\n        env:\n        - name: CLEARML__services__login__sso__oauth_client__okta__base_url\n          value: https://acme.okta.com/oauth2/default/\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: clearml-sso\nstringData:\n  okta_client_id: '\"id\"'\n  okta_client_secret: '\"s\"'\n";
    let path = dir.path().join("p.toml");
    let policy = "version = 1\n[providers.okta]\nclient_id = { secret = \"clearml-sso\", key = \"okta_client_id\" }\nclient_secret = { secret = \"clearml-sso\", key = \"okta_client_secret\" }\ndomain = \"example.okta.com\"\n";
    std::fs::write(&path, policy).unwrap();
    let p = path.to_str().unwrap();
    let out = run(&["--policy", p], manifest.as_bytes());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    std::fs::write(&path, policy.replace("example.okta.com", "acme.okta.com")).unwrap();
    let out = run(&["--policy", p], manifest.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let rendered = text(&out.stdout);
    assert!(
        rendered.contains("https://acme.okta.com/oauth2/default/v1/authorize"),
        "{rendered}"
    );
    assert!(!rendered.contains("example.okta.com"), "{rendered}");
}

#[test]
fn a_quoted_substitution_is_text_and_silent_an_unquoted_one_is_judged() {
    // `"${X}"` is what HOCON reads literally: stored quoted in a Secret as `explain` advises (a
    // client secret may hold `${`), or quoted in the manifest. Neither gets a finding; an
    // unquoted `${?Y}` of a Y the pod does not set is refused (the image's ENV or its
    // entrypoint may set Y: the tool cannot tell whether pyhocon drops the setting), and an
    // unquoted `${Z}` it cannot resolve is still an error.
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("p.toml");
    std::fs::write(
        &policy,
        "version = 1\n[providers.keycloak]\nclient_id = { secret = \"clearml-sso\", key = \"keycloak_client_id\" }\nclient_secret = { secret = \"clearml-sso\", key = \"keycloak_client_secret\" }\nurl = \"https://sso.acme.test\"\nrealm = \"clearml\"\n",
    )
    .unwrap();
    let manifest = |extra: &str| {
        format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: clearml-apiserver\nspec:\n  template:\n    spec:\n      containers:\n      - name: clearml-apiserver\n        env:\n        - name: X\n          value: defined\n        - name: CLEARML__services__login__sso__oauth_client__keycloak__display_name\n          value: '\"${{X}} and ${{NOPE}}\"'\n        - name: CLEARML__secure__login__sso__oauth_client__keycloak__client_secret\n          valueFrom:\n            secretKeyRef: {{name: clearml-sso, key: keycloak_client_secret}}\n{extra}---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: clearml-sso\nstringData:\n  keycloak_client_id: '\"id\"'\n  keycloak_client_secret: '\"{SECRET_VALUE}${{Z}}\"'\n")
    };
    let p = policy.to_str().unwrap();
    let quoted = run(&["check", "--policy", p, "-"], manifest("").as_bytes());
    let out = text(&quoted.stdout);
    assert_eq!(
        quoted.status.code(),
        Some(0),
        "{out}{}",
        text(&quoted.stderr)
    );
    assert!(!out.contains("substitution"), "{out}");
    assert!(!out.contains("warning["), "{out}");
    assert!(!out.contains(SECRET_VALUE), "{out}");
    let optional = "        - name: CLEARML__services__login__sso__oauth_client__keycloak__claims__name\n          value: ${?Y}\n";
    let unquoted = run(
        &["check", "--policy", p, "-"],
        manifest(optional).as_bytes(),
    );
    let out = text(&unquoted.stdout);
    assert_eq!(unquoted.status.code(), Some(1), "{out}");
    assert!(
        out.contains("error[unverified-output]")
            && out.contains("looks up Y (`${?Y}`")
            && out.contains("the image's ENV or its entrypoint may set it")
            && out.contains("Set the looked-up name explicitly in the container's env"),
        "{out}"
    );
    let failing = "        - name: CLEARML__services__login__sso__oauth_client__keycloak__claims__name\n          value: ${Z}\n";
    let unquoted = run(&["check", "--policy", p, "-"], manifest(failing).as_bytes());
    let out = text(&unquoted.stdout);
    assert_eq!(unquoted.status.code(), Some(1), "{out}");
    assert!(out.contains("error[compose-variable]"), "{out}");
}
