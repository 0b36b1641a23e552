//! "Never print a secret", through the built binary: a marker value planted in every shape a
//! secret takes in a manifest or a policy never appears in what `render`, `check` (every
//! format) and `diff` print or report, nor in the summary written under Helm — and `diff` stays linear on thousands of duplicates.

use crate::harness::*;
use base64::Engine;

const MARK: &str = "S3CR3T-MARKER-7f3a";
/// A numeric credential: YAML reads it as a number, the tool rewrites it as a string.
const NUMBER: &str = "98127364519283746";
/// Every format the binary offers (the library's table), so a new one is covered here too.
fn formats() -> impl Iterator<Item = &'static str> {
    clearml_sso::report::Format::ALL.iter().map(|f| f.0)
}
const SSO: &str = "login__sso__oauth_client";

/// One `kind: List` holding the apiserver and, right after its env list (so a diff shows it as
/// context), a Secret whose `stringData` value is a folded scalar. The env carries the marker
/// as a JSON entry, a multi-line double-quoted value, a folded block, a list, a misspelled
/// option, an undeclared provider's credential, and a chart variable holding the Secret's value;
/// next to them a public option (group names), whose value findings may show.
/// `broken` adds values ClearML cannot read (error findings: the render is refused).
fn stream(broken: bool) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(MARK);
    let mut env = format!(
        "            - {{\"name\": \"CLEARML__secure__{SSO}__keycloak__client_secret\", \"value\": \"{MARK}\"}}
            - name: CLEARML__services__{SSO}__keycloak__client_secret
              value: \"{MARK}
                continued\"
            - name: TRAINS__secure__{SSO}__keycloak__client_secret
              value: >
                {MARK}
            - name: CLEARML__secure__{SSO}__google__client_secret
              value: {NUMBER}
            - name: CLEARML__secure__{SSO}__keycloak__client_secrett
              value: \"{MARK}   # pasted with a comment\"
            - name: clearml__secure__{SSO}__auth0__client_secret
              value: \"{MARK} # and here\"
            - name: CLEARML__services__{SSO}__keycloak__groups__admins
              value: ml-admins
            - name: CHART_OWN_SECRET
              value: {MARK}
"
    );
    // A list where a credential's text belongs is refused now (ClearML would read a list), so
    // it sits with the other values that break the render.
    if broken {
        env.push_str(&format!(
            "            - name: CLEARML__secure__{SSO}__okta__client_secret
              value: [{MARK}]
            - name: CLEARML__secure__{SSO}__keycloak__client_secretz
              value: \"{MARK}`\"
            - name: CLEARML__secure__{SSO}__nosuchidp__client_secret
              value: \"${{{MARK}}}\"
            - name: CLEARML__secure__{SSO}__keycloak__clientsecret
              value: \"${{{MARK}:-x}}\"
"
        ));
    }
    // The Secret's value is a folded scalar kept clean with `>-`: a plain `>` ends it with a
    // line break, which ClearML drops (a `misread-value` error of its own, not this test's).
    format!(
        "---
# Source: clearml/templates/all.yaml
apiVersion: v1
kind: List
items:
  - apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: clearml-apiserver
    spec:
      template:
        spec:
          containers:
          - name: clearml-apiserver
            image: allegroai/clearml
            env:
{env}  - stringData:
      client_secret: >-
        {MARK}
    data:
      other: {b64}
    apiVersion: v1
    kind: Secret
    metadata:
      name: clearml-sso
"
    )
}

fn policy(client_secret: &str, extra: &str) -> String {
    format!(
        "version = 1\n{extra}\n[providers.keycloak]\nclient_id = \"clearml\"\nclient_secret = {client_secret}\nurl = \"https://sso.acme.test\"\nrealm = \"clearml\"\n"
    )
}

fn assert_clean(what: &str, bytes: &[u8]) {
    let b64 = base64::engine::general_purpose::STANDARD.encode(MARK);
    let t = text(bytes);
    for secret in [MARK, &b64, NUMBER] {
        assert!(!t.contains(secret), "{what} shows `{secret}`:\n{t}");
    }
}

#[test]
fn no_planted_secret_reaches_any_output() {
    let dir = tempfile::tempdir().unwrap();
    let reference = "{ secret = \"clearml-sso\", key = \"client_secret\" }";
    let literal = format!("\"{MARK}\"");
    let allow = "[enforce]\nplaintext_secrets = \"allow\"";
    let policies = [
        ("refs-deny", policy(reference, "")),
        ("refs-allow", policy(reference, allow)),
        (
            "refs-remove",
            policy(
                reference,
                "[enforce]\nplaintext_secrets = \"allow\"\nunknown_providers = \"remove\"",
            ),
        ),
        ("literal-allow", policy(&literal, allow)),
        (
            "refs-deny-warnings",
            policy(
                reference,
                "[enforce]\nplaintext_secrets = \"allow\"\nwarnings = \"deny\"",
            ),
        ),
    ];
    let mut diffs = 0;
    let mut summaries = 0;
    for broken in [false, true] {
        let input = stream(broken);
        for (name, body) in &policies {
            let p = temp_file(&dir, &format!("{name}.toml"), body);
            let flag = format!("--policy={}", p.display());
            let report = dir.path().join(format!("{name}-{broken}.json"));
            let report_flag = format!("--report={}", report.display());
            let mut commands: Vec<Vec<&str>> = vec![
                vec!["render", &flag, &report_flag],
                vec!["diff", &flag, &report_flag],
            ];
            for format in formats() {
                commands.push(vec!["check", &flag, "--format", format, &report_flag]);
            }
            // The summary written to Helm's stderr shows no value at all, not even a public one.
            let parsed = clearml_sso::policy::parse(body, name).unwrap();
            let outcome = clearml_sso::render(input.as_bytes(), &parsed).unwrap();
            if !outcome.has_errors() {
                let summary = clearml_sso::report::helm_summary(&outcome, name).unwrap();
                assert_clean(&format!("{name}: summary"), summary.as_bytes());
                assert!(!summary.contains("ml-admins"), "{name}:\n{summary}");
                assert!(
                    summary.contains("warning[unknown-option]"),
                    "{name}:\n{summary}"
                );
                summaries += 1;
            }
            for args in &commands {
                let _ = std::fs::remove_file(&report);
                let out = run(args, input.as_bytes());
                let what = format!("{name} (broken: {broken}): clearml-sso {}", args.join(" "));
                assert!(
                    matches!(out.status.code(), Some(0 | 1)),
                    "{what}: {}",
                    text(&out.stderr)
                );
                assert_clean(&format!("{what} (stderr)"), &out.stderr);
                assert_clean(
                    &format!("{what} (report)"),
                    &std::fs::read(&report).expect("the report is written"),
                );
                // `render` writes the manifests, which carry the Secret itself.
                if args[0] != "render" {
                    assert_clean(&format!("{what} (stdout)"), &out.stdout);
                }
                // The stream is a real test of the findings: they are about the planted values.
                if args[0] == "check" && args[3] == "text" {
                    let report = text(&out.stdout);
                    for code in ["non-string-value", "comment-in-value", "unknown-option"] {
                        // `remove` drops the undeclared providers' entries before their values
                        // are looked at.
                        if !(*name == "refs-remove" && code == "non-string-value") {
                            assert!(report.contains(code), "{what}: no {code}:\n{report}");
                        }
                    }
                    // Values of options the catalogue calls public are still shown.
                    assert!(
                        report.contains("`ml-admins` would be a string"),
                        "{what}:\n{report}"
                    );
                    if broken {
                        assert!(report.contains("unparseable-value"), "{what}:\n{report}");
                        assert!(report.contains("compose-variable"), "{what}:\n{report}");
                    }
                }
                if args[0] == "diff" && out.status.success() {
                    let diff = text(&out.stdout);
                    // The changed List shows its Secret (folded scalar) as context, redacted.
                    assert!(
                        diff.contains("\n       client_secret: <redacted>\n"),
                        "{what}:\n{diff}"
                    );
                    assert!(diff.contains("value: <redacted>"), "{what}:\n{diff}");
                    diffs += 1;
                }
            }
        }
    }
    // Clean stream: every policy but `refs-deny` (the literal credentials are errors) renders.
    assert_eq!(diffs, 3);
    assert_eq!(summaries, 3, "the same renders succeed in the library");
}

#[test]
fn diff_of_twenty_thousand_duplicates_completes() {
    // The line-based redaction this replaces compared every line with every distinct literal
    // credential: over a minute for 20,000 entries with distinct values.
    let entries: String = (0..20_000)
        .map(|i| {
            format!(
                "            - name: CLEARML__secure__{SSO}__keycloak__client_secret\n              value: {MARK}-{i}\n"
            )
        })
        .collect();
    let input = format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: clearml-apiserver\nspec:\n  template:\n    spec:\n      containers:\n          - name: clearml-apiserver\n            env:\n{entries}"
    );
    let dir = tempfile::tempdir().unwrap();
    let p = temp_file(
        &dir,
        "p.toml",
        &policy(
            "{ secret = \"s\", key = \"k\" }",
            "[secrets]\nexternal = [\"s\"]",
        ),
    );
    let out = run(
        &["diff", &format!("--policy={}", p.display())],
        input.as_bytes(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let diff = text(&out.stdout);
    assert_clean("diff", &out.stdout);
    assert_clean("diff (stderr)", &out.stderr);
    // Every input value is in the diff, removed or (one, the line diff may pair it with the
    // new literal's) as context.
    assert_eq!(
        diff.lines()
            .filter(|l| l.starts_with(['-', ' '])
                && l.trim_start_matches(['-', ' ']) == "value: <redacted>")
            .count(),
        20_000,
        "{}",
        &diff[..diff.len().min(2000)]
    );
}

/// A container the policy does not target may name an SSO credential through an alias, a `<<`
/// merge or a `!!binary` tag; Kubernetes reads each as that credential, and `diff` shows the
/// lines next to the apiserver's changes as context: the values there stay redacted.
#[test]
fn diff_context_hides_credentials_named_through_aliases_merges_and_tags() {
    use base64::Engine as _;
    let name = format!("CLEARML__secure__{SSO}__google__client_secret");
    let b64 = base64::engine::general_purpose::STANDARD.encode(&name);
    let input = format!(
        "apiVersion: v1
kind: Secret
metadata:
  name: sso
stringData:
  id: the-client-id
  secret: not-a-placeholder
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: clearml-apiserver
spec:
  template:
    spec:
      containers:
      - name: sidecar
        args: [&n {name}, &k name]
        env:
        - name: !!binary {b64}
          value: {MARK}-1
        - <<: {{name: {name}}}
          value: {MARK}-2
        - *k : {name}
          value: {MARK}-3
        - name: *n
          value: {MARK}-4
      - env:
        - name: CLEARML__secure__{SSO}__google__client_id
          value: an-id
        name: clearml-apiserver
"
    );
    let policy = root().join("tests/fixtures/policies/google-stream.toml");
    let out = run(
        &["diff", "--policy", policy.to_str().unwrap()],
        input.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // The context lines are there (the test would show nothing otherwise).
    assert!(
        text(&out.stdout).contains("value: <redacted>"),
        "{}",
        text(&out.stdout)
    );
    assert_clean("diff", &out.stdout);
    assert_clean("diff's stderr", &out.stderr);
}

/// A credential pasted into an option whose values findings may quote (`base_url`, a claim, the
/// admin groups): the value a Secret in the stream holds is not shown there either.
#[test]
fn a_secret_value_in_a_public_option_is_not_quoted() {
    let input = format!(
        "apiVersion: v1
kind: Secret
metadata:
  name: clearml-sso
stringData:
  client_secret: {MARK}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: clearml-apiserver
spec:
  template:
    spec:
      containers:
      - name: clearml-apiserver
        image: a
        env:
        - name: CLEARML__services__{SSO}__keycloak__base_url
          value: {MARK}
        - name: CLEARML__services__{SSO}__keycloak__claims__name
          value: \"{MARK}\"
        - name: CLEARML__services__{SSO}__keycloak__groups__admins
          value: '[\"{MARK}\"]'
"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.toml");
    std::fs::write(
        &path,
        policy(
            "{ secret = \"clearml-sso\", key = \"client_secret\" }",
            "[providers.keycloak.groups]\nenabled = true\nadmins = [\"clearml-admins\"]\n[providers.keycloak.claims]\nname = \"preferred_username\"",
        ),
    )
    .unwrap();
    let policy = path.to_str().unwrap();
    let mut runs = vec![
        (
            "render".to_string(),
            run(&["render", "--policy", policy], input.as_bytes()),
        ),
        (
            "diff".to_string(),
            run(&["diff", "--policy", policy], input.as_bytes()),
        ),
    ];
    for f in formats() {
        runs.push((
            format!("check --format {f}"),
            run(
                &["check", "--policy", policy, "--format", f],
                input.as_bytes(),
            ),
        ));
    }
    for (what, out) in runs {
        // The mismatches are reported (the test would prove nothing otherwise).
        assert!(
            text(&out.stderr).contains("value-mismatch")
                || text(&out.stdout).contains("value-mismatch"),
            "{what}: {}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        if what != "render" {
            assert_clean(&what, &out.stdout);
        }
        assert_clean(&what, &out.stderr);
    }
}

/// A `*.conf` file ClearML reads from its config directory is refused when it may set SSO
/// settings, and its text (here a credential, in a ConfigMap and, base64, in a Secret) is never
/// printed: not by `render`, `diff`, or `check` in any format, nor in the report.
#[test]
fn config_file_text_reaches_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let b64 = base64::engine::general_purpose::STANDARD
        .encode(format!("sso.oauth_client.evil.client_secret: \"{MARK}\"\n"));
    let input = format!(
        "apiVersion: v1
kind: ConfigMap
metadata:
  name: clearml-apiserver-configmap
data:
  secure.conf: |
    login {{ sso {{ oauth_client {{ evilprov {{ client_secret: \"{MARK}\" }} }} }} }}
  apiserver.conf: |
    auth {{ note: \"{MARK}\" }}
---
apiVersion: v1
kind: Secret
metadata:
  name: more-config
data:
  login.conf: {b64}
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
        configMap: {{name: clearml-apiserver-configmap}}
      - name: more
        secret: {{secretName: more-config}}
      containers:
      - name: clearml-apiserver
        image: allegroai/clearml
        volumeMounts:
        - {{name: config, mountPath: /opt/clearml/config}}
        - {{name: more, mountPath: /opt/clearml/config/services}}
"
    );
    let p = temp_file(
        &dir,
        "policy.toml",
        &policy(
            "{ secret = \"clearml-sso\", key = \"client_secret\" }",
            "[secrets]\nexternal = [\"clearml-sso\"]",
        ),
    );
    let flag = format!("--policy={}", p.display());
    let report = dir.path().join("report.json");
    let report_flag = format!("--report={}", report.display());
    let mut commands: Vec<Vec<&str>> = vec![
        vec!["render", &flag, &report_flag],
        vec!["diff", &flag, &report_flag],
    ];
    for format in formats() {
        commands.push(vec!["check", &flag, "--format", format, &report_flag]);
    }
    for args in &commands {
        let _ = std::fs::remove_file(&report);
        let out = run(args, input.as_bytes());
        let what = format!("clearml-sso {}", args.join(" "));
        assert_eq!(out.status.code(), Some(1), "{what}: {}", text(&out.stderr));
        assert_clean(&format!("{what} (stderr)"), &out.stderr);
        assert_clean(&format!("{what} (stdout)"), &out.stdout);
        assert_clean(
            &format!("{what} (report)"),
            &std::fs::read(&report).expect("the report is written"),
        );
        if args[0] == "check" && args[3] == "text" {
            let report = text(&out.stdout);
            // Both files are refused, each named by object, key and path; apiserver.conf is not.
            assert!(
                report.contains("ConfigMap `clearml-apiserver-configmap` key `secure.conf`, mounted at /opt/clearml/config/secure.conf"),
                "{report}"
            );
            assert!(
                report.contains("Secret `more-config` key `login.conf`, mounted at /opt/clearml/config/services/login.conf"),
                "{report}"
            );
            assert!(!report.contains("apiserver.conf"), "{report}");
        }
    }
}

/// Inputs an attacker found printing credentials (kept as they were found): a database
/// password and a cloud key in chart variables shown as diff context, a Secret's value inside
/// a longer connection string, and a Secret's value inside a public option's URL quoted by
/// findings. No command or format may print any of the planted values.
#[test]
fn credentials_outside_the_catalogue_and_inside_longer_text_are_not_printed() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/redaction-found");
    let planted = [
        "LEAK_PW_MARKER_6",
        "LEAK_AWS_MARKER_7",
        "LEAKSECPW8",
        "LEAKSECURL9",
        "Hunter2LEAKSUB",
    ];
    let policy = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/keycloak.toml");
    let flag = format!("--policy={}", policy.display());
    let mut runs = 0;
    for file in ["leak-diff.yaml", "leak-sec.yaml", "leak-url-token.yaml"] {
        let input = std::fs::read(dir.join(file)).unwrap();
        let mut commands: Vec<Vec<&str>> = vec![vec!["render", &flag], vec!["diff", &flag]];
        for f in formats() {
            commands.push(vec!["check", &flag, "--format", f]);
        }
        for args in &commands {
            let out = run(args, &input);
            for (channel, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
                // render's stdout is the manifests themselves, which hold the values.
                if args[0] == "render" && channel == "stdout" {
                    continue;
                }
                let t = text(bytes);
                for p in planted {
                    assert!(
                        !t.contains(p),
                        "{file}: {args:?} {channel} shows `{p}`:\n{t}"
                    );
                }
            }
            runs += 1;
        }
    }
    assert_eq!(runs, 3 * (2 + formats().count()));
}
