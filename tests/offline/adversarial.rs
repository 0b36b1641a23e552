//! Inputs built to make the tool say "fixed" while Kubernetes would read something else
//! (tests/fixtures/adversarial): YAML that readers disagree on, aliases and merges that carry
//! values past the tool or its edits elsewhere, and Secrets that will not exist when the
//! apiserver starts. Each either renders to exactly the policy or is refused with nothing on
//! stdout; the outcome of each is pinned here.

use crate::harness::*;

/// (fixture, policy, exit code, a finding code or message that must be on stderr)
const CASES: &[(&str, &str, i32, &str)] = &[
    // A lone CR is a line break to Kubernetes: the "comment" hides a second `spec`, the one
    // Kubernetes keeps. The tool's parser refuses the duplicate, so the document is corrected
    // in canonical form: the container Kubernetes runs, and nothing hidden.
    (
        "lone-cr-hidden-spec.yaml",
        "keycloak.toml",
        0,
        "(line 15: duplicate key `spec`)",
    ),
    // Inside the body, such a comment hides content the emitter would drop: proof fails.
    (
        "lone-cr-mid-comment.yaml",
        "keycloak.toml",
        1,
        "error[unverified-output]",
    ),
    // Kubernetes keeps the last `metadata`: the document is parsed, not skipped, and the
    // apiserver it names is corrected in canonical form.
    (
        "duplicate-metadata.yaml",
        "keycloak.toml",
        0,
        "note[canonical-form]",
    ),
    // The container's env comes from a merge: writing a new `env:` would lose it.
    (
        "merge-key-container.yaml",
        "keycloak.toml",
        1,
        "error[aliased-env]",
    ),
    // An alias entry after the policy's entry is what Kubernetes keeps.
    (
        "alias-entry-after-policy.yaml",
        "keycloak.toml",
        1,
        "error[aliased-env]",
    ),
    (
        "alias-entry-wins.yaml",
        "keycloak.toml",
        1,
        "error[aliased-env]",
    ),
    // An anchored env list shared with another container: an edit would spread.
    (
        "shared-env-anchor.yaml",
        "keycloak.toml",
        1,
        "error[aliased-env]",
    ),
    (
        "shared-env-anchor-target-first.yaml",
        "keycloak.toml",
        1,
        "error[aliased-env]",
    ),
    // A NEL or lone CR in a comment of a document to be rewritten: readers disagree on where
    // lines end, and a kept comment line could hold content twice.
    (
        "nel-comment.yaml",
        "keycloak.toml",
        1,
        "line break other than",
    ),
    (
        "lone-cr-leading-comment.yaml",
        "google-stream.toml",
        1,
        "line break other than",
    ),
    // ClearML parses `<path>: <value>` as HOCON: a value can set other keys, a credential too.
    (
        "hocon-injection-other-variable.yaml",
        "google-stream.toml",
        1,
        "would also set other ClearML settings",
    ),
    (
        "hocon-injection-sso-option.yaml",
        "google-stream.toml",
        1,
        "error[unparseable-value]",
    ),
    // `login.sso` with a dot is the same setting to ClearML: renamed, and the literal replaced.
    (
        "dotted-name-literal.yaml",
        "google-stream.toml",
        0,
        "renamed to CLEARML__secure__login__sso__oauth_client__google__client_secret",
    ),
    // A tag makes Kubernetes read a name other than as written.
    (
        "binary-tag-name.yaml",
        "google-stream.toml",
        1,
        "a YAML tag (`!!binary`)",
    ),
    // Any object with `items` is a list to kubectl and Helm: that Secret is never created.
    (
        "secret-with-items.yaml",
        "google-stream.toml",
        1,
        "Secret `sso` (key `id`) is not in the rendered manifests",
    ),
    // HOCON in a name ClearML reads: refused, the name (and the credential in it) unprinted.
    (
        "hocon-in-name.yaml",
        "keycloak.toml",
        1,
        "error[hocon-in-name]",
    ),
    // A parent key set as an object would merge into the policy's settings.
    (
        "parent-object.yaml",
        "keycloak.toml",
        1,
        "would also set keycloak.client_secret",
    ),
    // Renaming a variable another one refers to by `$(NAME)` would change what that one gets.
    (
        "rename-breaks-reference.yaml",
        "keycloak.toml",
        1,
        "the variable `LOGIN_URL` would change",
    ),
    // `$(VAR)` of a Secret-backed variable: the Secret's value is judged after the expansion.
    (
        "expanded-secret-reference.yaml",
        "keycloak-hooks.toml",
        1,
        "after Kubernetes expands its `$(…)`",
    ),
    // A tab in a Secret's value, `${?X}` dropping a required setting, `${RAW}` of an unset RAW.
    (
        "secret-value-tab.yaml",
        "keycloak-hooks.toml",
        1,
        "it holds a tab",
    ),
    (
        "required-setting-dropped.yaml",
        "keycloak-hooks.toml",
        1,
        "which the policy requires",
    ),
    (
        "substitution-of-unset-variable.yaml",
        "keycloak-hooks.toml",
        1,
        "error[compose-variable]",
    ),
    (
        "tenant-login-in-manifest.yaml",
        "keycloak.toml",
        0,
        "warning[webserver-login]",
    ),
    // Values ClearML reads from Secrets/ConfigMaps for any variable, SSO or not.
    (
        "envfrom-value-unparseable.yaml",
        "okta-stream.toml",
        1,
        "HOCON parser rejects",
    ),
    (
        "envfrom-value-sets-other-keys.yaml",
        "okta-stream.toml",
        1,
        "would also set other ClearML settings",
    ),
    (
        "secret-ref-sets-other-keys.yaml",
        "okta-stream.toml",
        1,
        "would also set other ClearML settings",
    ),
    (
        "envfrom-non-sso-sets-other-keys.yaml",
        "okta-stream.toml",
        1,
        "would also set other ClearML settings",
    ),
    // ClearML merges the `*.conf` files of its config directory (the public chart mounts
    // apiserver.additionalConfigs there): one that can set SSO settings is refused, its text
    // never printed; a harmless one (and SAML metadata next to it) renders.
    (
        "config-file-harmless.yaml",
        "keycloak.toml",
        0,
        "0 errors, 0 warnings",
    ),
    (
        "config-file-secure-sso.yaml",
        "keycloak.toml",
        1,
        "error[sso-in-config-file]: ConfigMap `clearml-apiserver-configmap` key `secure.conf`, mounted at /opt/clearml/config/secure.conf",
    ),
    (
        "config-file-services-login-items.yaml",
        "keycloak.toml",
        1,
        "key `login`, mounted at /opt/clearml/config/services/login.conf, is a config file ClearML reads (`services/login.conf`)",
    ),
    (
        "config-file-subpath.yaml",
        "keycloak.toml",
        1,
        "error[sso-in-config-file]: ConfigMap `extra-config` key `secure.conf`",
    ),
    // Paths as the runtime and pathlib read them: `//`, `.` and a trailing `/` change nothing.
    (
        "config-file-mount-path-unclean.yaml",
        "keycloak.toml",
        1,
        "mounted at /opt/clearml/config/secure.conf, is a config file ClearML reads (`secure.conf`)",
    ),
    (
        "config-file-config-dir-trailing-slash.yaml",
        "keycloak.toml",
        1,
        "mounted at /etc/clearml/secure.conf, is a config file ClearML reads (`secure.conf`)",
    ),
    // subPath names a directory of the volume: its files are read where they appear.
    (
        "config-file-subpath-directory.yaml",
        "keycloak.toml",
        1,
        "mounted at /opt/clearml/config/services/login.conf, is a config file ClearML reads (`services/login.conf`)",
    ),
    (
        "config-file-binary-data.yaml",
        "keycloak.toml",
        1,
        "error[sso-in-config-file]: ConfigMap `extra-config` key `secure.conf`, mounted at /opt/clearml/config/secure.conf",
    ),
    (
        "config-file-float-mode.yaml",
        "keycloak.toml",
        1,
        "error[sso-in-config-file]: ConfigMap `extra-config` key `secure.conf`, mounted at /opt/clearml/config/secure.conf",
    ),
    (
        "config-file-subpath-data-dir.yaml",
        "keycloak.toml",
        1,
        "mounted at /opt/clearml/config/secure.conf, is a config file ClearML reads (`secure.conf`)",
    ),
    // The pod's volumes are read as Kubernetes reads them: aliases and merges resolved.
    (
        "config-file-volume-alias.yaml",
        "keycloak.toml",
        1,
        "mounted at /opt/clearml/config/secure.conf, is a config file ClearML reads (`secure.conf`)",
    ),
    (
        "config-file-volume-merge.yaml",
        "keycloak.toml",
        1,
        "mounted at /opt/clearml/config/secure.conf, is a config file ClearML reads (`secure.conf`)",
    ),
    // A SealedSecret's template.data keys are in the Secret it creates.
    (
        "config-file-sealed-template.yaml",
        "keycloak.toml",
        1,
        "error[sso-in-config-file]: Secret `extra-config` key `secure.conf`, mounted at /opt/clearml/config/secure.conf",
    ),
    (
        "config-file-include.yaml",
        "keycloak.toml",
        1,
        "it has an `include`",
    ),
    (
        "config-file-config-dir-env.yaml",
        "keycloak.toml",
        1,
        "mounted at /etc/clearml/secure.conf",
    ),
    (
        "config-file-envfrom-unseen.yaml",
        "keycloak.toml",
        1,
        "may be a config file ClearML reads (its config directory may be any directory",
    ),
    (
        "config-file-envfrom-unseen-include.yaml",
        "keycloak.toml",
        1,
        "mounted at /etc/x/services/secure.conf, may be a config file ClearML reads",
    ),
    (
        "config-file-envfrom-seen.yaml",
        "keycloak.toml",
        0,
        "0 errors, 0 warnings",
    ),
    // What the tool cannot see there is refused: exit 0 could not mean the policy (an external
    // additionalConfigs ConfigMap is vouched for in the policy, see
    // `a_trusted_unseen_config_volume_is_a_warning`).
    (
        "config-file-external-configmap.yaml",
        "keycloak.toml",
        1,
        "error[unseen-config-file]: the volumeMount /opt/clearml/config (ConfigMap `clearml-apiserver-configmap`, not in the rendered manifests)",
    ),
    (
        "config-file-emptydir.yaml",
        "keycloak.toml",
        1,
        "error[unseen-config-file]: the volumeMount /opt/clearml/config/extra (volume `scratch`)",
    ),
    // Hook Secrets satisfy the gate only when they exist as the apiserver starts.
    (
        "hook-test.yaml",
        "keycloak-hooks.toml",
        1,
        "is a `test` hook",
    ),
    (
        "hook-post-install.yaml",
        "keycloak-hooks.toml",
        1,
        "is a `post-install` hook",
    ),
    (
        "hook-pre-install-hook-succeeded.yaml",
        "keycloak-hooks.toml",
        1,
        "deleted once it succeeded",
    ),
    (
        "hook-pre-install-pre-upgrade-before-hook-creation.yaml",
        "keycloak-hooks.toml",
        0,
        "0 errors",
    ),
];

#[test]
fn every_adversarial_input_is_refused_or_proved() {
    let dir = root().join("tests/fixtures/adversarial");
    let mut listed: Vec<&str> = CASES.iter().map(|c| c.0).collect();
    listed.sort();
    let mut present: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    present.sort();
    assert_eq!(listed, present, "every fixture has a pinned outcome");
    for (fixture, policy, code, expect) in CASES {
        let policy = root().join("tests/fixtures/policies").join(policy);
        let input = dir.join(fixture);
        let out = run(
            &[
                "render",
                "--policy",
                policy.to_str().unwrap(),
                input.to_str().unwrap(),
            ],
            b"",
        );
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        assert_eq!(out.status.code(), Some(*code), "{fixture}: {stderr}");
        assert!(
            stderr.contains(expect),
            "{fixture}: expected `{expect}` in\n{stderr}"
        );
        assert!(
            !stderr.contains("S3CR3T-MARKER"),
            "{fixture}: a secret reached stderr"
        );
        if *code != 0 {
            assert!(stdout.is_empty(), "{fixture}: output on failure");
        } else {
            // What Kubernetes reads (serde_yaml, like it a libyaml port) has the policy.
            let env = pod_env(&stdout, "clearml-apiserver", "clearml-apiserver");
            assert!(
                env.keys().any(
                    |k| k.starts_with("CLEARML__secure__login__sso__oauth_client__")
                        && k.ends_with("__client_secret")
                ),
                "{fixture}: {env:?}"
            );
            assert!(
                !stdout.contains("S3CR3T-MARKER"),
                "{fixture}: a literal survived"
            );
        }
    }
}

/// `optional: True` is a YAML 1.1 boolean to Kubernetes: such an envFrom source or volume is
/// the chart's choice and must not be required (it was, when read as text).
#[test]
fn optional_true_in_any_spelling_is_optional() {
    let policy = root().join("tests/fixtures/policies/keycloak-check-all.toml");
    for spelling in ["true", "True", "TRUE", "yes", "on"] {
        let input = format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: clearml-apiserver\nspec:\n  template:\n    spec:\n      volumes:\n      - name: v\n        secret: {{secretName: absent, optional: {spelling}}}\n      containers:\n      - name: clearml-apiserver\n        image: a\n        envFrom:\n        - configMapRef: {{name: absent-too, optional: {spelling}}}\n        volumeMounts:\n        - {{name: v, mountPath: /v}}\n"
        );
        let out = run(
            &["render", "--policy", policy.to_str().unwrap()],
            input.as_bytes(),
        );
        let stderr = text(&out.stderr);
        // Not required: no error says they are missing. (An optional source the tool cannot see
        // may still exist outside the release: the envFrom may set any variable, so it is
        // refused as `unseen-env-from`, and, as it may set CLEARML_CONFIG_DIR, the volume as
        // `unseen-config-file`: the only errors.)
        let env_from = "error[unseen-env-from]: envFrom configMapRef `absent-too`";
        assert!(
            !stderr.lines().any(|l| l.starts_with("error")
                && !l.starts_with("error[unseen-config-file]: the volumeMount /v ")
                && !l.starts_with(env_from)),
            "optional: {spelling}\n{stderr}"
        );
        assert!(
            stderr.contains("error[unseen-config-file]: the volumeMount /v ")
                && stderr.contains(env_from),
            "{stderr}"
        );
    }
}

/// A config volume the tool cannot see refuses the render; a policy that vouches for its mount
/// path (`[config_files] trust_unseen`) turns it into a warning every render repeats (in
/// `--report` too), which `--deny-warnings` (or `[enforce] warnings = "deny"`) refuses. Another
/// mount path is not trusted by it.
#[test]
fn a_trusted_unseen_config_volume_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let keycloak =
        std::fs::read_to_string(root().join("tests/fixtures/policies/keycloak.toml")).unwrap();
    let trusting = |path: &str| {
        temp_file(
            &dir,
            &format!("p{}.toml", path.len()),
            &format!("{keycloak}\n[config_files]\ntrust_unseen = [\"{path}\"]\n"),
        )
    };
    let input = root().join("tests/fixtures/adversarial/config-file-external-configmap.yaml");
    let report = dir.path().join("report.json");
    let render = |policy: &std::path::Path, deny: bool| {
        let mut args = vec!["render", "--policy", policy.to_str().unwrap()];
        if deny {
            args.push("--deny-warnings");
        }
        args.extend([
            "--report",
            report.to_str().unwrap(),
            input.to_str().unwrap(),
        ]);
        run(&args, b"")
    };
    // Trusted, as the chart writes the path or cleaned.
    for path in ["/opt/clearml/config", "/opt/clearml//config/"] {
        let out = render(&trusting(path), false);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{path}: {stderr}");
        assert!(
            stderr.contains("warning[unseen-config-file-trusted]: the volumeMount /opt/clearml/config (ConfigMap `clearml-apiserver-configmap`, not in the rendered manifests)"),
            "{stderr}"
        );
        let json = std::fs::read_to_string(&report).unwrap();
        assert!(json.contains("unseen-config-file-trusted"), "{json}");
    }
    let out = render(&trusting("/opt/clearml/config"), true);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(out.stdout.is_empty());
    assert!(
        stderr.contains("error[unseen-config-file-trusted]")
            && stderr.contains("warnings fail the render"),
        "{stderr}"
    );
    // Another path vouches for nothing here.
    let out = render(&trusting("/opt/clearml"), false);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("error[unseen-config-file]"));
    // A relative path is a policy error.
    let out = render(&trusting("opt/clearml/config"), false);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("is not an absolute path"));
}

/// A Deployment whose apiserver container has `env` (YAML list entries, indented for `env:`)
/// and `extra` pod-spec text (volumes), plus `before` documents.
fn apiserver(before: &str, env: &str, mounts: &str, volumes: &str) -> String {
    format!("{before}apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: clearml-apiserver\nspec:\n  template:\n    spec:\n{volumes}      containers:\n      - name: clearml-apiserver\n        image: a\n{mounts}        env:\n        - name: MONGO\n          value: m\n{env}")
}

/// Renders `stream` with `policy` (text); returns (exit code, stdout, stderr).
fn render_text(policy: &str, stream: &str) -> (Option<i32>, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let p = temp_file(&dir, "p.toml", policy);
    let s = temp_file(&dir, "in.yaml", stream);
    let out = run(
        &[
            "render",
            "--policy",
            p.to_str().unwrap(),
            s.to_str().unwrap(),
        ],
        b"",
    );
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

fn keycloak_policy(extra: &str) -> String {
    let base =
        std::fs::read_to_string(root().join("tests/fixtures/policies/keycloak.toml")).unwrap();
    format!("{base}\n{extra}")
}

const STRICT: &str = "[enforce]\nunknown_providers = \"deny\"\n";

/// Exit 0 rests on ClearML's loader: what it ends with for the apiserver is the policy, or
/// the render is refused with nothing on stdout and no value printed.
#[test]
fn clearml_reads_the_policy_or_the_render_is_refused() {
    let var = |name: &str, value: &str| {
        format!(
            "        - name: {name}\n          value: {}\n",
            serde_json::to_string(value).unwrap()
        )
    };
    let refused: Vec<(&str, String, String, &str)> = vec![
        // (a) `//` after text is no comment to pyhocon: the `,` starts another key.
        (
            "a URL value that sets the client secret",
            keycloak_policy(""),
            apiserver("", &var("CLEARML__services__webhooks__url", "https://hooks.acme.test/, secure.login.sso.oauth_client.keycloak.client_secret: \"attacker\""), "", ""),
            "",
        ),
        // (c) values pyhocon fails on in a variable the policy does not own.
        ("a no-break space", keycloak_policy(""), apiserver("", &var("CLEARML__apiserver__x", "a\u{a0}b"), "", ""), "would not start"),
        ("an @", keycloak_policy(""), apiserver("", &var("CLEARML__apiserver__x", "a@b"), "", ""), "would not start"),
        ("an unexpanded $(A)", keycloak_policy(""), apiserver("", &var("CLEARML__apiserver__x", "$(A)"), "", ""), "would not start"),
        ("an unbalanced [", keycloak_policy(""), apiserver("", &var("CLEARML__apiserver__x", "[a"), "", ""), "would not start"),
        // (d) a whole provider as one object-valued variable, under a strict policy.
        (
            "an object-valued provider",
            keycloak_policy(STRICT),
            apiserver("", &var("CLEARML__secure__login__sso__oauth_client__okta", "{client_id: x, client_secret: attacker}"), "", ""),
            "the provider `okta`",
        ),
        // (e) `-`-prefixed keys, read by the loader's merge as the key without it.
        (
            "a -secure override key",
            keycloak_policy(STRICT),
            apiserver("", &var("CLEARML__-secure__login__sso__oauth_client__okta__client_id", "attacker"), "", ""),
            "okta",
        ),
        (
            "a -login override key",
            keycloak_policy(STRICT),
            apiserver("", &var("CLEARML__secure__-login__sso__oauth_client__okta__client_id", "attacker"), "", ""),
            "the provider `okta`",
        ),
        // Under the default `warn`, a provider through a spelling the corrections do not
        // read as one (so nothing warns about it) is refused.
        (
            "an object-valued provider, warn",
            keycloak_policy(""),
            apiserver("", &var("CLEARML__secure__login__sso__oauth_client__okta", "{client_id: x, client_secret: attacker}"), "", ""),
            "the provider `okta`",
        ),
        (
            "a -login override key, warn",
            keycloak_policy(""),
            apiserver("", &var("CLEARML__secure__-login__sso__oauth_client__okta__client_id", "attacker"), "", ""),
            "the provider `okta`",
        ),
        // (f) the loader's other default directory.
        (
            "secure.conf at /opt/trains/config",
            keycloak_policy(""),
            apiserver(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata:\n  secure.conf: 'login.sso.oauth_client.okta.client_secret: attacker'\n---\n",
                "",
                "        volumeMounts:\n        - name: extra\n          mountPath: /opt/trains/config\n",
                "      volumes:\n      - name: extra\n        configMap:\n          name: extra\n",
            ),
            "error[sso-in-config-file]",
        ),
    ];
    let mut wrong = Vec::new();
    for (what, policy, stream, expect) in &refused {
        let (code, stdout, stderr) = render_text(policy, stream);
        if code == Some(0) || !stdout.is_empty() || !stderr.contains(expect) {
            wrong.push(format!(
                "{what}: exit {code:?}, expected `{expect}` in\n{stderr}"
            ));
        }
        assert!(
            !stderr.contains("attacker"),
            "{what}: a value reached stderr\n{stderr}"
        );
        // No channel prints the value: every check format, --report, diff.
        let dir = tempfile::tempdir().unwrap();
        let (p, i) = (
            temp_file(&dir, "p.toml", policy),
            temp_file(&dir, "in.yaml", stream),
        );
        let report = dir.path().join("report.json");
        let (p, i, r) = (
            p.to_str().unwrap(),
            i.to_str().unwrap(),
            report.to_str().unwrap(),
        );
        let mut runs: Vec<Vec<&str>> = ["text", "json", "sarif", "junit", "github", "gitlab"]
            .iter()
            .map(|f| vec!["check", "--format", f, "--policy", p, i])
            .collect();
        runs.push(vec!["diff", "--policy", p, i]);
        runs.push(vec!["render", "--report", r, "--policy", p, i]);
        for args in runs {
            let out = run(&args, b"");
            let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
            assert!(
                !all.contains("attacker"),
                "{what}: {args:?} printed the value"
            );
        }
        let report = std::fs::read_to_string(&report).unwrap_or_default();
        assert!(
            !report.contains("attacker"),
            "{what}: --report holds the value"
        );
        // Without the hostile entry the same policy and release render.
        let clean = apiserver("", "", "", "");
        let (code, _, stderr) = render_text(policy, &clean);
        assert_eq!(code, Some(0), "{what}: the clean release\n{stderr}");
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// (b) A policy value pyhocon would read otherwise bare (`true-north` is `True-north` to it)
/// is written so that ClearML reads exactly it.
#[test]
fn a_keyword_prefixed_policy_value_is_written_as_clearml_reads_it() {
    let policy = keycloak_policy("").replace(
        "client_id     = { secret = \"clearml-sso\", key = \"keycloak_client_id\" }",
        "client_id = \"true-north\"",
    );
    assert!(policy.contains("true-north"));
    let (code, stdout, stderr) = render_text(&policy, &apiserver("", "", "", ""));
    assert_eq!(code, Some(0), "{stderr}");
    let env = pod_env(&stdout, "clearml-apiserver", "clearml-apiserver");
    let name = "CLEARML__secure__login__sso__oauth_client__keycloak__client_id";
    let value = &env[name];
    let read = clearml_sso::pyhocon::parse_with_env(&format!("k: {value}"), []).unwrap();
    assert_eq!(
        read,
        clearml_sso::pyhocon::Value::Object(vec![(
            "k".into(),
            clearml_sso::pyhocon::Value::String("true-north".into())
        )]),
        "{value}"
    );
}

/// An `envFrom` source the tool cannot see (a Secret or ConfigMap outside the stream; optional
/// or not) could bring in `CLEARML__…` (the client secret), `TRAINS__…` or
/// `CLEARML_CONFIG_DIR`: refused, unless the entry's prefix keeps every name it brings in
/// from those ClearML reads (case-sensitive: `clearml__` is not one), or the policy's
/// `[secrets] trust_env_from` vouches for it (a warning every render repeats, refused under
/// `--deny-warnings`). A prefix that reaches a name ClearML looks up (`${?APP_X}` in a value
/// it reads) is refused by the proof.
#[test]
fn an_unseen_env_from_source_is_refused_unless_its_prefix_or_the_policy_keeps_it_out() {
    let policy = |extra: &str| {
        format!("version = 1\n\n[enforce]\nplaintext_secrets = \"allow\"\n{extra}\n[providers.google]\nclient_id = \"cid\"\nclient_secret = \"csecret\"\n")
    };
    let stream = |source: &str, extra_env: &str| {
        format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: clearml-apiserver\nspec:\n  template:\n    spec:\n      containers:\n      - name: clearml-apiserver\n        image: a\n        envFrom:\n{source}        env:\n        - name: MONGO\n          value: m\n{extra_env}")
    };
    let secret = "        - secretRef:\n            name: extra-env\n";
    let refused = |policy: &str, stream: &str, code: &str| {
        let (status, stdout, stderr) = render_text(policy, stream);
        assert_eq!(status, Some(1), "{stream}\n{stderr}");
        assert!(stdout.is_empty(), "{stdout}");
        assert!(stderr.contains(code), "{stream}\n{stderr}");
        stderr
    };
    let passes = |policy: &str, stream: &str| {
        let (status, stdout, stderr) = render_text(policy, stream);
        assert_eq!(status, Some(0), "{stream}\n{stderr}");
        assert!(stdout.contains("CLEARML__secure__login__sso__oauth_client__google__client_id"));
        stderr
    };
    // The attack: no prefix, or one that ClearML's names start with or that starts them.
    let strict = policy("");
    for source in [
        secret.to_string(),
        "        - secretRef:\n            name: extra-env\n            optional: true\n".into(),
        "        - configMapRef:\n            name: extra-env\n".into(),
        "        - prefix: CLEARML__SECURE__\n          secretRef:\n            name: extra-env\n"
            .into(),
        "        - prefix: CLEARML\n          secretRef:\n            name: extra-env\n".into(),
        "        - prefix: TRAINS_\n          secretRef:\n            name: extra-env\n".into(),
    ] {
        let stderr = refused(&strict, &stream(&source, ""), "error[unseen-env-from]");
        assert!(stderr.contains("trust_env_from = ["), "{stderr}");
    }
    // Benign prefixes: nothing it brings in is a name ClearML reads.
    for prefix in ["APP_", "clearml__", "CLEARML_CONFIG_DIR"] {
        let source = format!(
            "        - prefix: {prefix}\n          secretRef:\n            name: extra-env\n"
        );
        let stderr = passes(&strict, &stream(&source, ""));
        assert!(!stderr.contains("unseen-env-from"), "{stderr}");
    }
    // A benign-looking prefix that reaches a name ClearML's configuration refers to: the
    // pod does not set APP_X by name, so the lookup alone is refused (the source, or the
    // image, may set it).
    let refers = "        - name: CLEARML__apiserver__x\n          value: ${?APP_X}\n";
    let stderr = refused(
        &strict,
        &stream(
            "        - prefix: APP_\n          secretRef:\n            name: extra-env\n",
            refers,
        ),
        "error[unverified-output]",
    );
    assert!(
        stderr.contains("looks up APP_X") && stderr.contains("which the pod does not set"),
        "{stderr}"
    );
    // Trusted by the policy: a warning, refused when warnings are denied; another kind or
    // name is not trusted by it. Trust covers the source, not a lookup of a name the pod does
    // not set: that one is still refused.
    let trusting = policy("\n[secrets]\ntrust_env_from = [\"secret/extra-env\"]\n");
    refused(&trusting, &stream(secret, refers), "looks up APP_X");
    let stderr = passes(&trusting, &stream(secret, ""));
    assert!(
        stderr.contains("warning[unseen-env-from-trusted]"),
        "{stderr}"
    );
    let denying =
        policy("warnings = \"deny\"\n\n[secrets]\ntrust_env_from = [\"secret/extra-env\"]\n");
    refused(
        &denying,
        &stream(secret, ""),
        "error[unseen-env-from-trusted]",
    );
    refused(
        &trusting,
        &stream("        - configMapRef:\n            name: extra-env\n", ""),
        "error[unseen-env-from]",
    );
    // A malformed entry is a policy error.
    let (status, _, stderr) = render_text(
        &policy("\n[secrets]\ntrust_env_from = [\"extra-env\"]\n"),
        &stream(secret, ""),
    );
    assert_eq!(status, Some(2), "{stderr}");
    assert!(
        stderr.contains("is not `secret/NAME` or `configmap/NAME`"),
        "{stderr}"
    );
}

/// A ConfigMap mounted at or above the image's default config folder replaces what the image
/// has there, and one mounted below it adds files: ClearML reads them, so one pyhocon cannot
/// parse stops the apiserver and is refused (it rendered with exit 0 when the proof took the
/// folder for the image's); a readable one that sets nothing of SSO passes.
#[test]
fn a_config_file_mounted_over_the_image_default_folder_is_read() {
    let policy = "version = 1\n\n[enforce]\nplaintext_secrets = \"allow\"\n\n[providers.google]\nclient_id = \"cid\"\nclient_secret = \"csecret\"\n";
    let stream = |text: &str, mount: &str| {
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata:\n  secure.conf: '{text}'\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: clearml-apiserver\nspec:\n  template:\n    spec:\n      containers:\n      - name: clearml-apiserver\n        image: a\n        volumeMounts:\n        - name: extra\n{mount}      volumes:\n      - name: extra\n        configMap:\n          name: extra\n")
    };
    let over = "          mountPath: /opt/clearml/apiserver/config/default\n";
    let below = "          mountPath: /opt/clearml/apiserver/config/default/extra.conf\n          subPath: secure.conf\n";
    for mount in [over, below] {
        let (status, stdout, stderr) = render_text(policy, &stream("x: { unbalanced", mount));
        assert_eq!(status, Some(1), "{mount}\n{stderr}");
        assert!(stdout.is_empty());
        assert!(
            stderr.contains("the apiserver would not start")
                && stderr.contains("/opt/clearml/apiserver/config/default/"),
            "{mount}\n{stderr}"
        );
        let (status, _, stderr) = render_text(policy, &stream("x: 1", mount));
        assert_eq!(status, Some(0), "{mount}\n{stderr}");
    }
}
