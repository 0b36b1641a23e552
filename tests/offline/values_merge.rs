//! `values --merge-with FILE` through the binary: the whole `apiserver.extraEnvs` list — FILE's
//! entries the policy does not set, verbatim and in order, then the policy's — read back as
//! Helm and Kubernetes read it (`k8s_yaml::read`, go-yaml's reading), and a container given
//! that list needs no correction (`check --strict`). Real Helm layering it is
//! tests/under_helm/values_merge.rs.

use crate::harness::*;
use clearml_sso::k8s_yaml;
use proptest::{prop_assert, prop_assert_eq};
use serde_json::{json, Value};

/// A Keycloak policy with a Secret, literals, a nested option and a list; its Secret is
/// external, so a lone Deployment renders.
const POLICY: &str = r#"version = 1
[secrets]
external = ["clearml-sso"]
[providers.keycloak]
client_id     = { secret = "clearml-sso", key = "keycloak_client_id" }
client_secret = { secret = "clearml-sso", key = "keycloak_client_secret" }
url   = "https://login.acme-corp.io"
realm = "research"
[providers.keycloak.groups]
enabled = true
admins = ["clearml-admins"]
"#;

/// The user's entries the policy does not set: kept verbatim, in this order.
const KEPT: &str = r#"    - name: TZ
      value: Europe/Berlin
    - name: CLEARML__services__login__email_filters__allowed
      value: '["acme-corp.io","acme.ai"]'
    - name: TZ
      valueFrom: {configMapKeyRef: {name: tz, key: zone}}
    - name: WORKERS
      value: 4
    - name: CLEARML__services__login__sso__oauth_client__keycloak__claims__name
      value: preferred_username
"#;

/// Every spelling the render groups with a setting of POLICY: each is replaced.
const OWNED: &str = r#"    - name: CLEARML__secure__login__sso__oauth_client__keycloak__client_secret
      value: s3cr3t-USER-VALUE-1
    - name: clearml__secure__login__sso__oauth_client__keycloak__client_id
      value: lowercase-prefix
    - name: TRAINS__services__login__sso__oauth_client__keycloak__base_url
      value: https://old.example.org/
    - name: CLEARML__secure__login__sso__oauth_client__keycloak__groups__enabled
      value: "false"
    - name: CLEARML__SERVICES__LOGIN__SSO__OAUTH_CLIENT__KEYCLOAK__GROUPS__ADMINS
      value: '["x"]'
    - name: " CLEARML__services__login__sso__oauth_client__keycloak__authorize_url"
      value: https://old.example.org/auth
    - name: ALLEGRO__services__login__sso__oauth_client__keycloak__access_token_url
      value: https://old.example.org/token
    - name: CLEARML__secure__login.sso__oauth_client__keycloak__client_secret
      value: s3cr3t-USER-VALUE-2
"#;

fn values_file(body: &str) -> String {
    format!("apiserver:\n  replicaCount: 2\n  extraEnvs:\n{body}webserver:\n  extraEnvs: []\n")
}

/// `apiserver.extraEnvs` of a values text, as Helm reads it.
fn extra_envs(text: &str) -> Vec<Value> {
    let doc = k8s_yaml::read(text)
        .expect("YAML Helm reads")
        .expect("a document");
    doc["apiserver"]["extraEnvs"]
        .as_array()
        .expect("apiserver.extraEnvs is a list")
        .clone()
}

struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn new(policy: &str) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("clearml-sso.toml"), policy).unwrap();
        Setup { dir }
    }
    fn values(&self, args: &[&str], user: Option<&str>) -> std::process::Output {
        if let Some(text) = user {
            std::fs::write(self.dir.path().join("user.yaml"), text).unwrap();
        }
        let mut all = vec!["values", "--policy", "clearml-sso.toml"];
        all.extend_from_slice(args);
        run_in(&bin(), &all, b"", Some(self.dir.path()), &[])
    }
    fn merged(&self, user: &str) -> (String, String) {
        let out = self.values(&["--merge-with", "user.yaml"], Some(user));
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        (text(&out.stdout), text(&out.stderr))
    }
    fn plain(&self) -> String {
        let out = self.values(&[], None);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        text(&out.stdout)
    }
    /// `check --strict` of a Deployment whose apiserver container has `env`.
    fn check_strict(&self, env: &[Value]) -> std::process::Output {
        let deployment = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "clearml-apiserver"},
            "spec": {"selector": {"matchLabels": {"app": "a"}}, "template": {
                "metadata": {"labels": {"app": "a"}},
                "spec": {"containers": [{"name": "clearml-apiserver", "image": "allegroai/clearml:2.0.0", "env": env}]}}}
        });
        // JSON is YAML that a YAML 1.1 reader takes as written (`"yes"` a string).
        let manifest = serde_json::to_string(&deployment).unwrap();
        run_in(
            &bin(),
            &["check", "--strict", "--policy", "clearml-sso.toml"],
            manifest.as_bytes(),
            Some(self.dir.path()),
            &[],
        )
    }
}

#[test]
fn merge_keeps_the_users_entries_and_replaces_every_spelling_of_the_policys() {
    let s = Setup::new(POLICY);
    let user = values_file(&format!("{KEPT}{OWNED}"));
    let (merged, err) = s.merged(&user);
    let list = extra_envs(&merged);
    let kept = extra_envs(&values_file(KEPT));
    let policy = extra_envs(&s.plain());
    // FILE's entries the policy does not set, exactly as Helm read them, in order (the
    // duplicate TZ too, so Kubernetes keeps the same one), then the policy's list.
    assert_eq!(list.len(), kept.len() + policy.len(), "{merged}");
    assert_eq!(list[..kept.len()], kept[..], "{merged}");
    assert_eq!(list[kept.len()..], policy[..], "{merged}");
    assert_eq!(list[3]["value"], json!(4), "a number stays a number");
    // Only apiserver.extraEnvs: the other keys stay where Helm merges them already.
    let doc = k8s_yaml::read(&merged).unwrap().unwrap();
    assert_eq!(doc.as_object().unwrap().len(), 1, "{merged}");
    assert_eq!(doc["apiserver"].as_object().unwrap().len(), 1, "{merged}");
    // Stdout and stderr never show a value of FILE the policy replaced; stderr names what it
    // replaced, with lines.
    for out in [&merged, &err] {
        assert!(!out.contains("s3cr3t-USER-VALUE"), "{out}");
        assert!(!out.contains("lowercase-prefix"), "{out}");
    }
    assert!(err.contains("8 entries the policy sets, replaced"), "{err}");
    assert!(
        err.contains("clearml__secure__login__sso__oauth_client__keycloak__client_id (line 16)"),
        "{err}"
    );
    assert!(
        merged.contains("# Merged: user.yaml (5 entries"),
        "{merged}"
    );
    // The merged list needs no correction; the user's own list does.
    let ok = s.check_strict(&list);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stdout));
    let user_list = extra_envs(&user);
    let drift = s.check_strict(&user_list);
    assert_eq!(drift.status.code(), Some(1), "{}", text(&drift.stdout));
}

#[test]
fn without_a_list_in_the_file_the_policys_list_is_printed() {
    let s = Setup::new(POLICY);
    let policy = extra_envs(&s.plain());
    for user in [
        "",
        "# only a comment\n",
        "apiserver:\n  replicaCount: 1\n",
        "apiserver:\n  extraEnvs:\n",
        "apiserver: null\n",
        "apiserver:\n  extraEnvs: []\n",
    ] {
        let (merged, _) = s.merged(user);
        assert_eq!(extra_envs(&merged), policy, "{user:?}");
    }
}

#[test]
fn a_key_given_twice_is_read_as_helm_reads_it() {
    // go-yaml (through sigs.k8s.io/yaml) keeps a key's last value; so does the merge.
    let s = Setup::new(POLICY);
    let user = "apiserver:\n  extraEnvs:\n    - name: LOST\n      value: x\napiserver:\n  extraEnvs:\n    - name: TZ\n      value: UTC\n";
    let (merged, _) = s.merged(user);
    let list = extra_envs(&merged);
    assert_eq!(list[0], json!({"name": "TZ", "value": "UTC"}), "{merged}");
    assert!(!merged.contains("LOST"), "{merged}");
}

#[test]
fn empty_documents_after_the_first_change_nothing() {
    // A trailing `---` or a comment-only document: Helm 3 and 4 read the same list.
    let s = Setup::new(POLICY);
    for user in [
        "apiserver:\n  extraEnvs:\n    - name: TZ\n      value: UTC\n---\n",
        "---\napiserver:\n  extraEnvs:\n    - name: TZ\n      value: UTC\n---\n# nothing\n--- \n~\n",
    ] {
        let (merged, _) = s.merged(user);
        assert_eq!(extra_envs(&merged)[0], json!({"name": "TZ", "value": "UTC"}), "{merged}");
    }
}

#[test]
fn file_that_is_also_stdout_is_refused() {
    // `values --merge-with user.yaml > user.yaml`: the shell empties user.yaml first, and an
    // empty file merged to the policy's list alone with exit 0, the user's entries lost
    // without a word. `>>` would append a second `apiserver:` to the user's own file.
    let s = Setup::new(POLICY);
    let user = values_file(KEPT);
    let path = s.dir.path().join("user.yaml");
    for append in [false, true] {
        std::fs::write(&path, &user).unwrap();
        let out_file = std::fs::OpenOptions::new()
            .write(true)
            .truncate(!append)
            .append(append)
            .open(&path)
            .unwrap();
        let out = std::process::Command::new(bin())
            .args([
                "values",
                "--policy",
                "clearml-sso.toml",
                "--merge-with",
                "user.yaml",
            ])
            .current_dir(s.dir.path())
            .stdin(std::process::Stdio::null())
            .stdout(out_file)
            .output()
            .unwrap();
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "append {append}: {err}");
        assert!(
            err.contains("user.yaml is also this command's standard output"),
            "{err}"
        );
        let left = std::fs::read_to_string(&path).unwrap();
        assert_eq!(left, if append { user.clone() } else { String::new() });
    }
    // Another file, and /dev/null, are stdout as usual.
    let (merged, _) = s.merged(&user);
    assert!(merged.contains("Europe/Berlin"), "{merged}");
}

#[test]
fn plain_values_says_its_list_replaces_the_users() {
    let s = Setup::new(POLICY);
    let plain = s.plain();
    assert!(
        plain.contains("this list REPLACES your own\n# apiserver.extraEnvs"),
        "{plain}"
    );
    assert!(plain.contains("clearml-sso values --merge-with"), "{plain}");
}

#[test]
fn a_file_helm_cannot_use_exits_2_naming_file_and_line() {
    let s = Setup::new(POLICY);
    for (user, want) in [
        (
            "apiserver:\n  extraEnvs: TZ=UTC\n",
            "user.yaml:2: `apiserver.extraEnvs` is not a list",
        ),
        (
            "apiserver:\n  extraEnvs:\n    - name: TZ\n      value: [x\n",
            "user.yaml:5:1: not a values file Helm can read",
        ),
        (
            "apiserver:\n  extraEnvs:\n    - name: TZ\n      value: x\n    - value: y\n",
            "user.yaml:5: `apiserver.extraEnvs` entry 2 is not an env entry",
        ),
        (
            "apiserver:\n  extraEnvs:\n    - TZ=UTC\n",
            "user.yaml:3: `apiserver.extraEnvs` entry 1 is not an env entry",
        ),
        (
            "apiserver: [1]\n",
            "user.yaml:1: `apiserver` is not a mapping",
        ),
        ("- apiserver\n", "user.yaml:1: a values file is a mapping"),
        // Helm 3 reads the first document, Helm 4 merges both: no one list is right.
        (
            "apiserver:\n  extraEnvs:\n    - name: TZ\n      value: x\n---\napiserver:\n  extraEnvs:\n    - name: LANG\n      value: C\n",
            "user.yaml:5: a second YAML document",
        ),
        (
            "apiserver:\n  extraEnvs: []\n--- # more\nother: 1\n",
            "user.yaml:3: a second YAML document",
        ),
        (
            "apiserver:\n  extraEnvs: []\n---\nother: [\n",
            "user.yaml:3: a second YAML document",
        ),
    ] {
        let out = s.values(&["--merge-with", "user.yaml"], Some(user));
        assert_eq!(
            out.status.code(),
            Some(2),
            "{user:?}: {}",
            text(&out.stderr)
        );
        assert!(out.stdout.is_empty(), "{user:?}");
        assert!(
            text(&out.stderr).contains(want),
            "{user:?}: {}",
            text(&out.stderr)
        );
    }
    let missing = s.values(&["--merge-with", "nothere.yaml"], None);
    assert_eq!(missing.status.code(), Some(2));
    assert!(missing.stdout.is_empty());
    assert!(
        text(&missing.stderr).contains("nothere.yaml"),
        "{}",
        text(&missing.stderr)
    );
    std::fs::write(s.dir.path().join("latin1.yaml"), b"a: \xe9\n").unwrap();
    let latin1 = s.values(&["--merge-with", "latin1.yaml"], None);
    assert_eq!(latin1.status.code(), Some(2));
    assert!(latin1.stdout.is_empty());
    assert!(
        text(&latin1.stderr).contains("latin1.yaml"),
        "{}",
        text(&latin1.stderr)
    );
}

#[test]
fn an_undeclared_provider_follows_enforce_unknown_providers() {
    let github = "    - name: TZ\n      value: UTC\n    - name: CLEARML__secure__login__sso__oauth_client__github__client_id\n      value: gh-id\n";
    let user = values_file(github);
    // warn (the default): kept, with the render's warning, and the list still passes --strict
    // (render warns about it but changes nothing).
    let s = Setup::new(POLICY);
    let (merged, err) = s.merged(&user);
    let list = extra_envs(&merged);
    assert_eq!(
        list[1]["name"],
        json!("CLEARML__secure__login__sso__oauth_client__github__client_id")
    );
    assert!(err.contains("warning[unknown-provider]"), "{err}");
    assert!(err.contains("`github`"), "{err}");
    assert!(!err.contains("gh-id"), "{err}");
    let ok = s.check_strict(&list);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stdout));
    // remove: dropped, as the render would drop it.
    let s = Setup::new(&format!(
        "{POLICY}[enforce]\nunknown_providers = \"remove\"\n"
    ));
    let (merged, _) = s.merged(&user);
    let list = extra_envs(&merged);
    assert_eq!(list[0]["name"], json!("TZ"));
    assert!(!merged.contains("github"), "{merged}");
    // deny: refused, as the render would refuse it.
    let s = Setup::new(&format!(
        "{POLICY}[enforce]\nunknown_providers = \"deny\"\n"
    ));
    let out = s.values(&["--merge-with", "user.yaml"], Some(&user));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    assert!(
        text(&out.stderr).contains("error[unknown-provider]"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn another_option_of_a_declared_provider_is_kept_in_the_spelling_clearml_reads() {
    // Not the policy's setting, so the user's value stays; a prefix ClearML ignores is
    // corrected as the render would correct it, so the list passes --strict.
    let s = Setup::new(POLICY);
    let user = values_file(
        "    - name: clearml__services__login__sso__oauth_client__keycloak__idp_logout\n      value: 'true'\n",
    );
    let (merged, err) = s.merged(&user);
    let list = extra_envs(&merged);
    assert_eq!(
        list[0],
        json!({"name": "CLEARML__services__login__sso__oauth_client__keycloak__idp_logout", "value": "true"})
    );
    assert!(err.contains("warning[wrong-prefix]"), "{err}");
    let ok = s.check_strict(&list);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stdout));
}

#[test]
fn a_name_above_or_below_a_policy_setting_is_refused_as_the_render_refuses_it() {
    // ClearML merges `…__client_secret__x` (sorted after the policy's name) over the
    // policy's client_secret, and `…__keycloak` holds every setting below it: the render
    // refuses either beside the policy's ("would also set"), so the merge must not print a
    // list holding one.
    let s = Setup::new(POLICY);
    for (name, line) in [
        (
            "CLEARML__secure__login__sso__oauth_client__keycloak__client_secret__x",
            "user.yaml:6",
        ),
        (
            "CLEARML__secure__login__sso__oauth_client__keycloak",
            "user.yaml:6",
        ),
        ("TRAINS__services__login__sso", "user.yaml:6"),
        (
            "CLEARML__services__login__sso__oauth_client__keycloak__groups__admins__0",
            "user.yaml:6",
        ),
    ] {
        let user = values_file(&format!(
            "    - name: TZ\n      value: UTC\n    - name: {name}\n      value: s3cr3t-BELOW-VALUE\n"
        ));
        let out = s.values(&["--merge-with", "user.yaml"], Some(&user));
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {err}");
        assert!(out.stdout.is_empty(), "{name}");
        assert!(err.contains("would also set"), "{name}: {err}");
        assert!(err.contains(line), "{name}: {err}");
        assert!(!err.contains("s3cr3t-BELOW-VALUE"), "{name}: {err}");
    }
    // A sibling that only starts like a setting's name is another key: kept.
    let user = values_file(
        "    - name: CLEARML__secure__login__sso__oauth_client__keycloak__client_secretx\n      value: y\n",
    );
    let (merged, _) = s.merged(&user);
    assert!(merged.contains("client_secretx"), "{merged}");
}

#[test]
fn another_providers_literal_secret_is_refused_as_the_render_refuses_it() {
    // POLICY keeps the default `plaintext_secrets = "deny"`: the render refuses a literal
    // client_secret of any provider, declared or not, so the merge must not print one.
    let s = Setup::new(POLICY);
    let user = values_file(
        "    - name: TZ\n      value: UTC\n    - name: CLEARML__secure__login__sso__oauth_client__okta__client_secret\n      value: s3cr3t-OKTA-VALUE\n",
    );
    let out = s.values(&["--merge-with", "user.yaml"], Some(&user));
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(out.stdout.is_empty());
    assert!(
        err.contains("error[plaintext-secret]") && err.contains("user.yaml:6"),
        "{err}"
    );
    assert!(!err.contains("s3cr3t-OKTA-VALUE"), "{err}");
    // From a Secret it is kept (the render checks the Secret exists).
    let user = values_file(
        "    - name: CLEARML__secure__login__sso__oauth_client__okta__client_secret\n      valueFrom: {secretKeyRef: {name: okta, key: secret}}\n",
    );
    let (merged, _) = s.merged(&user);
    assert!(merged.contains("okta__client_secret"), "{merged}");
}

#[test]
fn a_name_clearml_reads_as_an_undeclared_provider_key_is_refused() {
    // `…__oauth_client__tenant_login`: ClearML's configuration holds a provider
    // `tenant_login`, which nothing names as a provider's option: the render's proof refuses
    // it under any `[enforce] unknown_providers`, so the merge must not print it.
    let s = Setup::new(POLICY);
    for name in [
        "TRAINS__services__login__sso__oauth_client__tenant_login",
        "CLEARML__SECURE__LOGIN__SSO__SAML_CLIENT__claims",
    ] {
        let user = values_file(&format!(
            "    - name: TZ\n      value: UTC\n    - name: {name}\n      value: \"[a, b]\"\n"
        ));
        let out = s.values(&["--merge-with", "user.yaml"], Some(&user));
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {err}");
        assert!(out.stdout.is_empty(), "{name}");
        assert!(
            err.contains("as a provider under") && err.contains("user.yaml:6"),
            "{err}"
        );
    }
    // A provider that kept names read as one (okta's client_id) passes under `warn`, with the
    // warning, as in the render.
    let user = values_file(
        "    - name: CLEARML__secure__login__sso__oauth_client__okta__client_id\n      value: abc\n",
    );
    let (merged, err) = s.merged(&user);
    assert!(merged.contains("okta__client_id"), "{merged}");
    assert!(err.contains("unknown-provider"), "{err}");
}

#[test]
fn the_misprinted_azure_key_is_the_policys_setting() {
    // ClearML's Azure AD page prints `ad_oauth__default_company`: the render renames it to
    // the policy's `azure_ad` setting, so it is the policy's to replace.
    let policy = r#"version = 1
[secrets]
external = ["clearml-sso"]
[providers.azure_ad]
client_id     = { secret = "clearml-sso", key = "azure_ad_client_id" }
client_secret = { secret = "clearml-sso", key = "azure_ad_client_secret" }
tenant = "acmecorp.onmicrosoft.com"
default_company = "d1bd92a3b039400cbafc60a7a5b1e52b"
"#;
    let s = Setup::new(policy);
    let user = values_file(
        "    - name: CLEARML__secure__login__sso__oauth_client__ad_oauth__default_company\n      value: 0000\n    - name: TZ\n      value: UTC\n",
    );
    let (merged, err) = s.merged(&user);
    let list = extra_envs(&merged);
    assert_eq!(list[0]["name"], json!("TZ"), "{merged}");
    assert!(!merged.contains("ad_oauth"), "{merged}");
    assert!(err.contains("ad_oauth__default_company (line 4)"), "{err}");
    let ok = s.check_strict(&list);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stdout));
}

#[test]
fn a_name_holding_hocon_is_refused_without_showing_it() {
    let s = Setup::new(POLICY);
    let user = values_file(
        "    - name: 'CLEARML__secure__login__sso__oauth_client__keycloak__client_secret: hunter2-SECRET'\n      value: x\n",
    );
    let out = s.values(&["--merge-with", "user.yaml"], Some(&user));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    let err = text(&out.stderr);
    assert!(err.contains("error[hocon-in-name]"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
}

#[test]
fn a_policy_render_refuses_is_refused_before_the_file_is_read() {
    let s = Setup::new(&POLICY.replace(
        r#"client_secret = { secret = "clearml-sso", key = "keycloak_client_secret" }"#,
        r#"client_secret = "9yq2Xl0bF8tV3nRkC4sWmJ7eHdPaZu1G""#,
    ));
    let out = s.values(&["--merge-with", "nothere.yaml"], None);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    assert!(text(&out.stderr).contains("error[plaintext-secret]"));
}

/// Names a user's list might hold: spellings of POLICY's settings (owned), another option of
/// the declared provider in spellings ClearML reads or not, an undeclared provider, and names
/// that are no SSO setting at all.
const OWNED_NAMES: &[&str] = &[
    "CLEARML__secure__login__sso__oauth_client__keycloak__client_id",
    "clearml__secure__login__sso__oauth_client__keycloak__client_secret",
    "TRAINS__services__login__sso__oauth_client__keycloak__base_url",
    "CLEARML__secure__login__sso__oauth_client__keycloak__authorize_url",
    "CLEARML__SERVICES__LOGIN__SSO__OAUTH_CLIENT__KEYCLOAK__GROUPS__ENABLED",
    " CLEARML__services__login__sso__oauth_client__keycloak__groups__admins",
    "ALLEGRO__services__login__sso__oauth_client__keycloak__access_token_url",
];
const SSO_NAMES: &[&str] = &[
    "CLEARML__services__login__sso__oauth_client__keycloak__idp_logout",
    "clearml__services__login__sso__oauth_client__keycloak__idp_logout",
    "TRAINS__services__login__sso__oauth_client__keycloak__display_name",
    "CLEARML__secure__login__sso__oauth_client__github__client_id",
];
const OTHER_NAMES: &[&str] = &[
    "TZ",
    "CLEARML__services__login__email_filters__allowed",
    "CLEARML_DEBUG_MODE",
    "yes",
    "APP_1",
    "clearml_env",
];

#[derive(Debug, Clone)]
struct Generated {
    /// (name, value text as written in YAML, whether it is a valueFrom instead)
    entries: Vec<(String, String, bool)>,
}

fn generated() -> impl proptest::strategy::Strategy<Value = Generated> {
    use proptest::prelude::*;
    let name = prop_oneof![
        prop::sample::select(OWNED_NAMES),
        prop::sample::select(SSO_NAMES),
        prop::sample::select(OTHER_NAMES),
    ];
    let value = prop::sample::select(vec![
        "x",
        "'true'",
        "'[\"a.io\",\"b.io\"]'",
        "'0777'",
        "0777",
        "'a # b'",
        "\"two\\nlines\"",
        "''",
        "'${HOME}'",
        "'é ☃'",
        "4",
    ]);
    prop::collection::vec((name, value, any::<bool>()), 0..10).prop_map(|v| Generated {
        entries: v
            .into_iter()
            .map(|(n, val, from)| (n.to_string(), val.to_string(), from))
            .collect(),
    })
}

#[test]
fn any_list_merged_keeps_the_users_other_entries_and_needs_no_correction() {
    use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
    let policy = clearml_sso::policy::parse(POLICY, "p.toml").unwrap();
    let policy_list = extra_envs(&clearml_sso::explain::values(&policy).unwrap());
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases: 128,
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    );
    runner
        .run(&generated(), |g| {
            let mut body = String::new();
            for (name, value, from) in &g.entries {
                body.push_str(&format!("    - name: {name:?}\n"));
                // References are judged against the stream, which the merge does not see:
                // only entries ClearML does not read take one here.
                if *from && OTHER_NAMES.contains(&name.as_str()) && !name.starts_with("CLEARML__") {
                    body.push_str(
                        "      valueFrom: {configMapKeyRef: {name: cm, key: k, optional: true}}\n",
                    );
                } else {
                    body.push_str(&format!("      value: {value}\n"));
                }
            }
            let user = values_file(&body);
            let deployment = |env: &[Value]| {
                let d = json!({
                    "apiVersion": "apps/v1", "kind": "Deployment",
                    "metadata": {"name": "clearml-apiserver"},
                    "spec": {"template": {"spec": {"containers": [
                        {"name": "clearml-apiserver", "env": env}]}}}
                });
                // JSON is YAML that a YAML 1.1 reader takes as written (`"yes"` a string).
                serde_json::to_string(&d).unwrap()
            };
            let user_list = if g.entries.is_empty() {
                Vec::new()
            } else {
                extra_envs(&user)
            };
            let merged = match clearml_sso::merge::merge_with(&policy, "user.yaml", &user) {
                Ok(merged) => merged,
                // Refused only where the render refuses the user's own list too.
                Err(clearml_sso::merge::MergeError::Refused(_)) => {
                    let out =
                        clearml_sso::render(deployment(&user_list).as_bytes(), &policy).unwrap();
                    prop_assert!(out.has_errors(), "{}", user);
                    return Ok(());
                }
                Err(e) => return Err(TestCaseError::fail(format!("{e:?}\n{user}"))),
            };
            let list = extra_envs(&merged.text);
            // The entries that are no SSO setting: all kept, verbatim and in order.
            let other = |l: &[Value]| -> Vec<Value> {
                l.iter()
                    .filter(|e| OTHER_NAMES.contains(&e["name"].as_str().unwrap()))
                    .cloned()
                    .collect()
            };
            prop_assert_eq!(other(&list), other(&user_list), "{}", merged.text);
            // No spelling of the policy's settings is left but the policy's own, once each.
            prop_assert_eq!(&list[list.len() - policy_list.len()..], &policy_list[..]);
            let kept = &list[..list.len() - policy_list.len()];
            for owned in OWNED_NAMES {
                prop_assert!(!kept.iter().any(|e| e["name"] == *owned));
            }
            prop_assert_eq!(
                merged.replaced.len(),
                g.entries
                    .iter()
                    .filter(|(n, _, _)| OWNED_NAMES.contains(&n.as_str()))
                    .count()
            );
            // A container given the list needs no correction (`check --strict`). What the
            // merge does not judge — the whole container as ClearML loads it (a `${VAR}` the
            // environment lacks) — may still be refused, but only where the user's own list
            // is refused too: the merge adds no error.
            let out = clearml_sso::render(deployment(&list).as_bytes(), &policy)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            if out.has_errors() {
                let own = clearml_sso::render(deployment(&user_list).as_bytes(), &policy).unwrap();
                prop_assert!(own.has_errors(), "{}", merged.text);
                return Ok(());
            }
            let fixed: Vec<String> = out
                .findings
                .iter()
                .filter(|f| f.fixed)
                .map(|f| format!("{}: {}", f.code.id, f.message))
                .collect();
            prop_assert!(
                !out.changed && fixed.is_empty(),
                "{:?}\n{}",
                fixed,
                merged.text
            );
            Ok(())
        })
        .unwrap();
}

#[test]
fn sso_values_are_judged_as_the_render_judges_them_and_others_kept() {
    let s = Setup::new(POLICY);
    // An option the policy does not set, with a value ClearML cannot take as a boolean: the
    // render refuses it, so does the merge.
    let user = values_file(
        "    - name: CLEARML__services__login__sso__oauth_client__keycloak__idp_logout\n      value: maybe\n",
    );
    let out = s.values(&["--merge-with", "user.yaml"], Some(&user));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    let err = text(&out.stderr);
    assert!(err.contains("error[unclear-boolean]"), "{err}");
    assert!(err.contains("user.yaml:4"), "{err}");
    // The allow-list written as a bare domain (not a list ClearML reads): kept as written,
    // with the render's warning.
    let user = values_file(
        "    - name: CLEARML__services__login__email_filters__allowed\n      value: acme-corp.io\n",
    );
    let (merged, err) = s.merged(&user);
    assert_eq!(
        extra_envs(&merged)[0],
        json!({"name": "CLEARML__services__login__email_filters__allowed", "value": "acme-corp.io"})
    );
    assert!(err.contains("warning[not-a-list]"), "{err}");
}
