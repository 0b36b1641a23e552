//! `diff` as a CI uses it, and the text `render` keeps, through the binary: `--exit-code`,
//! a refused render saying why, Helm 4 input named by template (real Helm 4 for that one),
//! and a changed Deployment whose every untouched node keeps its bytes.

use crate::harness::helm::HelmHome;
use crate::harness::*;
use std::path::Path;

const EXAMPLE: &str = "examples/rendered/clearml.yaml";
const KEYCLOAK: &str = "--policy=policies/keycloak.toml";
/// A policy whose client secret lives in a Secret the example does not have.
const MISSING_SECRET: &str = "--policy=tests/fixtures/policies/keycloak-idp.toml";

#[test]
fn exit_code_says_whether_render_would_change_anything() {
    let plain = run(&["diff", KEYCLOAK, EXAMPLE], b"");
    assert_eq!(plain.status.code(), Some(0), "{}", text(&plain.stderr));
    let d = text(&plain.stdout);
    assert!(
        d.starts_with(
            "--- a/clearml/templates/apiserver-deployment.yaml\n+++ b/clearml/templates/apiserver-deployment.yaml\n"
        ),
        "{d}"
    );
    assert!(text(&plain.stderr).ends_with("clearml-sso: render would change 1 document\n"));

    let strict = run(&["diff", "--exit-code", KEYCLOAK, EXAMPLE], b"");
    assert_eq!(strict.status.code(), Some(1), "{}", text(&strict.stderr));
    assert_eq!(
        strict.stdout, plain.stdout,
        "the same diff, only the exit code differs"
    );

    // The rendered output is what the policy wants: nothing to change, exit 0 either way.
    let rendered = run(&[KEYCLOAK, EXAMPLE], b"");
    assert!(rendered.status.success());
    for args in [
        vec!["diff", KEYCLOAK],
        vec!["diff", "--exit-code", KEYCLOAK],
    ] {
        let out = run(&args, &rendered.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(out.stdout.is_empty(), "{args:?}: {}", text(&out.stdout));
        assert!(
            text(&out.stderr).ends_with("clearml-sso: render would change nothing\n"),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn a_refused_diff_says_why_and_never_looks_like_no_changes() {
    for args in [
        vec!["diff", MISSING_SECRET, EXAMPLE],
        vec!["diff", "--exit-code", MISSING_SECRET, EXAMPLE],
    ] {
        let out = run(&args, b"");
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}: stdout stays empty");
        let err = text(&out.stderr);
        assert!(
            err.contains("error[missing-secret]: Secret `keycloak-idp`"),
            "{args:?}: {err}"
        );
        assert!(
            err.contains("--> Deployment clearml-apiserver (clearml/templates/apiserver-deployment.yaml, document 6)"),
            "{args:?}: {err}"
        );
        // The last line says why there is no diff (and how many corrections were not made).
        let last = err.lines().last().unwrap_or_default();
        assert!(
            last.starts_with("clearml-sso: render would refuse (1 error above), so there is no diff to show; this is not \"no changes\""),
            "{args:?}: {err}"
        );
    }
}

/// A Deployment written the way charts really are: comments, a folded block, flow mappings,
/// `{}`, odd indentation, quoted strings — and an env list to correct.
const CHART: &str = r#"---
# Source: clearml/templates/secret-sso.yaml
apiVersion: v1
kind: Secret
metadata:
  name: clearml-sso
stringData:
  keycloak_client_id: clearml
  keycloak_client_secret: "9yq2Xl0bF8tV3nRkC4sWmJ7eHdPaZu1G"
---
# Source: clearml/templates/apiserver-deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
   name: clearml-apiserver      # three spaces, and a comment
   labels: { app.kubernetes.io/name: "clearml", tier: 'api' }
   annotations: {}
spec:
   replicas: 1
   template:
     metadata:
       annotations:
         description: >
           the apiserver,
           folded over two lines
     spec:
       containers:
       -   name: clearml-apiserver
           image: "allegroai/clearml:2.0.0"   # pinned
           args: [apiserver]
           env:
           # the chart's own settings
           - name: CLEARML_DEBUG_MODE
             value: "on"
           - {name: CLEARML_ENV, value: 'prod'}
           - name: CLEARML__services__login__sso__oauth_client__keycloak__base_url
             value: https://old.acme.test/realms/clearml/   # left from a test
           resources: {}
           command:
             - /bin/sh
             - -c
             - |
               echo starting
               exec python3 -m apiserver.server
"#;

const ADDED: &str =
    "           - name: CLEARML__secure__login__sso__oauth_client__keycloak__client_id
             valueFrom:
                secretKeyRef:
                   name: 'clearml-sso'
                   key: 'keycloak_client_id'
           - name: CLEARML__secure__login__sso__oauth_client__keycloak__client_secret
             valueFrom:
                secretKeyRef:
                   name: 'clearml-sso'
                   key: 'keycloak_client_secret'
           - name: CLEARML__services__login__sso__oauth_client__keycloak__authorize_url
             value: 'https://sso.acme.test/realms/clearml/protocol/openid-connect/auth'
           - name: CLEARML__services__login__sso__oauth_client__keycloak__access_token_url
             value: 'https://sso.acme.test/realms/clearml/protocol/openid-connect/token'
";

const POLICY: &str = r#"version = 1
[providers.keycloak]
client_id     = { secret = "clearml-sso", key = "keycloak_client_id" }
client_secret = { secret = "clearml-sso", key = "keycloak_client_secret" }
url   = "https://sso.acme.test"
realm = "clearml"
"#;

fn chart_policy(dir: &tempfile::TempDir) -> String {
    format!("--policy={}", temp_file(dir, "p.toml", POLICY).display())
}

#[test]
fn render_keeps_the_text_of_every_node_it_does_not_correct() {
    let dir = tempfile::tempdir().unwrap();
    let policy = chart_policy(&dir);
    let out = run(&[&policy], CHART.as_bytes());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let output = text(&out.stdout);
    // The one wrong value is replaced where it stands (its line's comment stays), the missing
    // settings go after the last entry; every other byte is the chart's.
    let expected = CHART.replace(
        "value: https://old.acme.test/realms/clearml/   # left from a test\n",
        &format!("value: 'https://sso.acme.test/realms/clearml/'   # left from a test\n{ADDED}"),
    );
    assert_eq!(output, expected);
    // And it means what the hand-written expectation means to a YAML reader.
    let read = |s: &str| -> Vec<serde_yaml::Value> {
        s.split("\n---\n")
            .map(|d| serde_yaml::from_str(d).unwrap())
            .collect()
    };
    assert_eq!(read(&output), read(&expected));
    // Rendering it again changes nothing.
    let again = run(&[&policy], output.as_bytes());
    assert_eq!(text(&again.stdout), output);
}

#[test]
fn diff_shows_only_the_env_lines_that_change() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["diff", &chart_policy(&dir)], CHART.as_bytes());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let d = text(&out.stdout);
    let changed: Vec<&str> = d
        .lines()
        .filter(|l| l.starts_with(['+', '-']) && !l.starts_with("+++") && !l.starts_with("---"))
        .collect();
    // Only env entries: names, values, references (the policy's Secret is named, never read).
    assert_eq!(changed.len(), 16, "{d}");
    for line in &changed {
        let t = line[1..].trim_start();
        assert!(
            [
                "- name: CLEARML__",
                "value: ",
                "valueFrom:",
                "secretKeyRef:",
                "name: 'clearml-sso'",
                "key: 'keycloak_client_"
            ]
            .iter()
            .any(|p| t.starts_with(p)),
            "{line}\n{d}"
        );
    }
    assert!(!d.contains("9yq2Xl0bF8tV3nRkC4sWmJ7eHdPaZu1G"), "{d}");
}

/// The stream Helm 4 hands a post-renderer, captured by a plugin that only copies it.
fn helm4_post_renderer_input(dir: &Path) -> String {
    let helm = tool("HELM4_BIN");
    let captured = dir.join("captured.yaml");
    let plugin = dir.join("capture");
    std::fs::create_dir_all(plugin.join("bin")).unwrap();
    let manifest = std::fs::read_to_string(root().join("plugin.yaml"))
        .unwrap()
        .replace("name: clearml-sso", "name: capture")
        .replace(
            &format!("bin/{}/clearml-sso", plugin_platform()),
            "bin/capture",
        );
    assert!(
        manifest.contains("bin/capture"),
        "plugin.yaml changed shape: {manifest}"
    );
    std::fs::write(plugin.join("plugin.yaml"), manifest).unwrap();
    let script = plugin.join("bin/capture");
    std::fs::write(
        &script,
        format!("#!/bin/sh\ntee '{}'\n", captured.display()),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let home = HelmHome::new();
    let install = home.run(&helm, &["plugin", "install", plugin.to_str().unwrap()]);
    assert!(install.status.success(), "{}", text(&install.stderr));
    let args = [
        "template",
        "clearml",
        "examples/chart/clearml",
        "-f",
        "examples/values-sso-secret.yaml",
        "--post-renderer",
        "capture",
    ];
    let out = home.run(&helm, &args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    std::fs::read_to_string(captured).unwrap()
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn helm4_input_is_named_by_template_in_diffs_and_findings() {
    let dir = tempfile::tempdir().unwrap();
    let input = helm4_post_renderer_input(dir.path());
    // What makes this test necessary: Helm 4 gives the post-renderer no `# Source:` comments.
    assert!(!input.contains("# Source:"), "{input}");
    assert!(input.contains(
        "postrenderer.helm.sh/postrender-filename: 'clearml/templates/apiserver-deployment.yaml'"
    ));
    let out = run(&["diff", KEYCLOAK], input.as_bytes());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let d = text(&out.stdout);
    assert!(
        d.starts_with("--- a/clearml/templates/apiserver-deployment.yaml\n+++ b/clearml/templates/apiserver-deployment.yaml\n"),
        "{d}"
    );
    assert!(!d.contains("document "), "{d}");
    // A refused diff's findings name the same template.
    let out = run(&["diff", MISSING_SECRET], input.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("--> Deployment clearml-apiserver (clearml/templates/apiserver-deployment.yaml, document "),
        "{err}"
    );
}
