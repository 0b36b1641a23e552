//! Inputs the semantic fuzz target (fuzz/fuzz_targets/semantic.rs) found rendering clean into
//! output that means something else or cannot be read (tests/fixtures/adversarial-found, each
//! with a one-line header saying what goes wrong). Each must now be refused, or render to
//! readable, idempotent output.

use crate::harness::*;

#[test]
fn found_inputs_are_refused_or_render_to_readable_idempotent_output() {
    let dir = root().join("tests/fixtures/adversarial-found");
    let policy = root().join("tests/fixtures/policies/keycloak.toml");
    let policy = policy.to_str().unwrap();
    let mut failures = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let out = run(&["render", "--policy", policy, path.to_str().unwrap()], b"");
        if out.status.code() != Some(0) {
            if !out.stdout.is_empty() {
                failures.push(format!("{name}: output on failure"));
            }
            continue;
        }
        // A clean render: serde_yaml (a libyaml port, like Kubernetes' reader) reads the output
        // without complaint, and the tool renders its own output to itself.
        let output = text(&out.stdout);
        for de in serde_yaml::Deserializer::from_str(&output) {
            if let Err(e) = <serde_yaml::Value as serde::Deserialize>::deserialize(de) {
                failures.push(format!("{name}: serde_yaml cannot read the output: {e}"));
                break;
            }
        }
        let again = run(&["render", "--policy", policy], &out.stdout);
        if again.status.code() != Some(0) || again.stdout != out.stdout {
            failures.push(format!(
                "{name}: the output does not render to itself: {}",
                text(&again.stderr).lines().last().unwrap_or_default()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Inputs an attacker found rendering with exit 0 (or aborting) where the apiserver would not
/// start or would read an undeclared provider (tests/fixtures/attack-found): a variable name of
/// a thousand parts (it overflowed the stack), a config file whose path makes a key of over a
/// thousand parts, a NUL in an env value written as YAML's `"\0"`, an apiserver run by a
/// ReplicationController, Services whose link variables ClearML reads or whose cluster IP a
/// variable ClearML reads expands, an emptyDir at the config directory an initContainer fills,
/// `CLEARML_CONFIG_DIR` at a ConfigMap volume's `..data` link; a value taken by `fieldRef` from
/// a pod template annotation that sets an undeclared provider or stops pyhocon; a variable
/// ClearML reads taking its value by `secretKeyRef` from a Secret outside the stream, from a key
/// of a `[secrets] external` Secret the policy does not read, or through `$(VAR)` from such a
/// variable (ClearML parses the unseen value as HOCON), or from an in-stream Secret whose value
/// sets another key; a lookup of `HOME` or `HOSTNAME` the pod does not set (the runtime
/// does: `CLEARML_CONFIG_DIR=$HOME/cfg`, `${?HOME}`). Each is refused with
/// nothing on stdout, naming why.
#[test]
fn attack_found_inputs_are_refused() {
    let dir = root().join("tests/fixtures/attack-found");
    let policy = root().join("tests/fixtures/policies/keycloak.toml");
    let policy = policy.to_str().unwrap();
    let expected = [
        ("deepconf-9.yaml", "configuration loader would fail"),
        ("esc-nul.yaml", "holds a NUL character"),
        ("replication-controller.yaml", "ReplicationController"),
        ("so-1000.yaml", "configuration loader would fail"),
        (
            "config-dir-data-link.yaml",
            "the config file /etc/extra/..data/secure.conf that ClearML reads sets something at or above `secure.login.sso`",
        ),
        (
            "fieldref-annotation.yaml",
            "would hold the provider `okta` at `secure.login.sso.oauth_client`",
        ),
        (
            "fieldref-annotation-expanded.yaml",
            "would hold the provider `okta` at `secure.login.sso.oauth_client`",
        ),
        (
            "fieldref-annotation-unparseable.yaml",
            "variable CLEARML__services__webhooks__url: pyhocon cannot parse it",
        ),
        ("init-emptydir.yaml", "error[unseen-config-file]: the volumeMount /opt/clearml/config (volume `v`)"),
        (
            "service-ip-expansion.yaml",
            "variable CLEARML__services__x takes the cluster IP of the Service `db`",
        ),
        (
            "secretref-unseen.yaml",
            "error[unseen-value]: `CLEARML__services__webhooks__url` is read by ClearML and takes its value by secretKeyRef from `made-outside` key `url`",
        ),
        (
            "secretref-external-key.yaml",
            "error[unseen-value]: `CLEARML__services__webhooks__url` is read by ClearML and takes its value by secretKeyRef from `clearml-sso` key `other`",
        ),
        (
            "secretref-expanded.yaml",
            "variable CLEARML__services__webhooks__url, which ClearML reads, takes its value from secret/made-outside, which the tool cannot see",
        ),
        (
            "secretref-other.yaml",
            "the value `CLEARML__services__webhooks__url` reads from a Secret or ConfigMap would also set other ClearML settings",
        ),
        (
            "home-config-dir-include.yaml",
            "looks up HOME (`${?HOME}`, `${HOME}` or `$HOME`), which the pod does not set",
        ),
        (
            "home-optional-provider.yaml",
            "looks up HOME (`${?HOME}`, `${HOME}` or `$HOME`), which the pod does not set",
        ),
        (
            "hostname-optional-option.yaml",
            "looks up HOSTNAME (`${?HOSTNAME}`, `${HOSTNAME}` or `$HOSTNAME`), which the pod does not set",
        ),
        (
            "image-env-optional-provider.yaml",
            "cannot tell what ClearML reads: variable CLEARML__secure__login__sso__oauth_client__okta looks up SHLVL",
        ),
        (
            "service-links.yaml",
            "the Service `clearml--secure--login--sso--oauth-client--okta` makes the kubelet give this container the variable CLEARML__SECURE__LOGIN__SSO__OAUTH_CLIENT__OKTA_SERVICE_HOST",
        ),
    ];
    for (file, why) in expected {
        let out = run(
            &[
                "render",
                "--policy",
                policy,
                dir.join(file).to_str().unwrap(),
            ],
            b"",
        );
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{file}: {stderr}");
        assert!(out.stdout.is_empty(), "{file}: output on failure");
        assert!(
            stderr.contains(why),
            "{file}: does not say `{why}`:\n{stderr}"
        );
    }
}

/// Findings come in the same order on every run: two variables competing with the policy's
/// settings (tests/fixtures/attack-found/competing-order.yaml) were reported in an order that
/// changed from one process to the next (the proof walked a hash map of the env).
#[test]
fn findings_come_in_the_same_order_on_every_run() {
    let input = root().join("tests/fixtures/attack-found/competing-order.yaml");
    let policy = root().join("tests/fixtures/policies/keycloak.toml");
    let (input, policy) = (input.to_str().unwrap(), policy.to_str().unwrap());
    for args in [
        vec!["render", "--policy", policy, input],
        vec!["check", "--format", "json", "--policy", policy, input],
    ] {
        let first = run(&args, b"");
        let stderr = text(&first.stderr);
        assert_eq!(first.status.code(), Some(1), "{args:?}: {stderr}");
        let all = format!("{stderr}{}", text(&first.stdout));
        let at = |what: &str| {
            all.find(what)
                .unwrap_or_else(|| panic!("{args:?}: no `{what}` in {all}"))
        };
        // By name: `CLEARML__secure__login` before `CLEARML__secure__login__sso__…`.
        assert!(
            at("`CLEARML__secure__login` would also set keycloak.client_id")
                < at("`CLEARML__secure__login__sso__oauth_client__keycloak` would also set keycloak.client_id"),
            "{args:?}: {all}"
        );
        // A hash map's order differs between processes: a few runs would show it.
        for _ in 0..8 {
            let again = run(&args, b"");
            assert_eq!(again.status.code(), first.status.code(), "{args:?}");
            assert_eq!(text(&again.stdout), text(&first.stdout), "{args:?}");
            assert_eq!(text(&again.stderr), stderr, "{args:?}");
        }
    }
}

/// A Service whose name ClearML does not read (`clearml-apiserver` becomes
/// `CLEARML_APISERVER_SERVICE_HOST`, one `_`) changes nothing: the same findings, and the
/// Service passes through.
#[test]
fn a_benign_service_changes_nothing() {
    let attack =
        std::fs::read_to_string(root().join("tests/fixtures/attack-found/service-links.yaml"))
            .unwrap();
    let workload: String = attack
        .split("\n---\n")
        .filter(|d| !d.contains("kind: Service"))
        .collect::<Vec<_>>()
        .join("\n---\n");
    let benign = format!(
        "{workload}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: clearml-apiserver\nspec:\n  ports:\n    - {{name: http, port: 8008}}\n"
    );
    let policy = root().join("tests/fixtures/policies/keycloak.toml");
    let render = |input: &str| {
        run(
            &["render", "--policy", policy.to_str().unwrap()],
            input.as_bytes(),
        )
    };
    let (without, with) = (render(&workload), render(&benign));
    assert_eq!(without.status.code(), Some(0), "{}", text(&without.stderr));
    assert_eq!(with.status.code(), Some(0), "{}", text(&with.stderr));
    assert_eq!(text(&with.stderr), text(&without.stderr));
    assert!(text(&with.stdout).starts_with(&text(&without.stdout)));
    assert!(text(&with.stdout).contains("name: clearml-apiserver\nspec:"));
}

/// A source the policy vouches for in `[secrets] trust_unseen_sources` (or its older name
/// `trust_env_from`) renders, with a warning every render repeats, refused under `[enforce]
/// warnings = "deny"`; the proof takes it as vouched for through `$(VAR)` too. The policy's own
/// references to an external Secret are no such value.
#[test]
fn an_unseen_value_is_refused_unless_the_policy_vouches_for_its_source() {
    let dir = root().join("tests/fixtures/attack-found");
    let base =
        std::fs::read_to_string(root().join("tests/fixtures/policies/keycloak.toml")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let write = |name: &str, text: String| {
        let path = tmp.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_string()
    };
    let external = "external = [\"clearml-sso\"]\n";
    assert!(base.contains(external), "the fixture policy changed");
    let vouch = |key: &str| {
        base.replace(
            external,
            &format!("{external}{key} = [\"secret/made-outside\"]\n"),
        )
    };
    let render = |policy: &str, file: &str| {
        run(
            &[
                "render",
                "--policy",
                policy,
                dir.join(file).to_str().unwrap(),
            ],
            b"",
        )
    };
    for key in ["trust_unseen_sources", "trust_env_from"] {
        let policy = write(&format!("{key}.toml"), vouch(key));
        let out = render(&policy, "secretref-unseen.yaml");
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{key}: {stderr}");
        assert!(
            stderr.contains("warning[unseen-value-trusted]: `CLEARML__services__webhooks__url`"),
            "{key}: {stderr}"
        );
        let out = render(&policy, "secretref-expanded.yaml");
        assert_eq!(out.status.code(), Some(0), "{key}: {}", text(&out.stderr));
        // Vouching for one source vouches for no other.
        let out = render(&policy, "secretref-external-key.yaml");
        assert_eq!(out.status.code(), Some(1), "{key}");
        assert!(text(&out.stderr).contains("error[unseen-value]"));
    }
    let deny = write(
        "deny.toml",
        vouch("trust_unseen_sources").replacen(
            "[providers.",
            "[enforce]\nwarnings = \"deny\"\n\n[providers.",
            1,
        ),
    );
    let out = render(&deny, "secretref-unseen.yaml");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    assert!(text(&out.stderr).contains("error[unseen-value-trusted]"));
}

/// The commands that print what they find, on one input: `render`, `check` (text and JSON) and
/// `diff`.
fn every_command<'a>(policy: &'a str, input: &'a str) -> [Vec<&'a str>; 4] {
    [
        vec!["render", "--policy", policy, input],
        vec!["check", "--policy", policy, input],
        vec!["check", "--format", "json", "--policy", policy, input],
        vec!["diff", "--policy", policy, input],
    ]
}

/// A refusal every command must give ([`every_command`]) for one variable of the Deployment
/// `clearml-apiserver`, container `clearml-apiserver`.
struct Refusal<'a> {
    code: &'a str,
    document: u64,
    variable: &'a str,
    /// Text of the value that must appear in no output.
    hidden: &'a str,
    /// The text report's `-->` line.
    at: &'a str,
    /// What the finding's message and help say, in the JSON report and the text one.
    says: &'a [&'a str],
}

/// Every command exits 1 within 20 s, shows nothing of the value, reports exactly one error
/// `code` at the variable (JSON: its location; text: `at`) saying each of `says`; render and
/// diff write nothing on stdout.
fn refused_everywhere(policy: &str, input: &str, r: Refusal) {
    for args in every_command(policy, input) {
        let start = std::time::Instant::now();
        let out = run(&args, b"");
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "{args:?}"
        );
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        let all = format!("{stdout}{stderr}");
        assert!(!all.contains(r.hidden), "{args:?} shows a value: {all}");
        let said = match (args[0], args.contains(&"json")) {
            ("check", true) => {
                let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
                let found: Vec<&serde_json::Value> = report["findings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|f| f["code"] == r.code)
                    .collect();
                assert_eq!(found.len(), 1, "{stdout}");
                let (f, at) = (found[0], &found[0]["location"]);
                assert_eq!(f["severity"], "error");
                assert_eq!(
                    (&at["kind"], &at["name"], &at["document"]),
                    (
                        &serde_json::json!("Deployment"),
                        &serde_json::json!("clearml-apiserver"),
                        &serde_json::json!(r.document)
                    )
                );
                assert_eq!(at["container"], "clearml-apiserver");
                assert_eq!(at["variable"], r.variable);
                format!("{} {}", f["message"], f["help"])
            }
            (command, _) => {
                let report = if command == "check" { &stdout } else { &stderr };
                assert_eq!(
                    report.matches(&format!("error[{}]", r.code)).count(),
                    1,
                    "{args:?}: {report}"
                );
                assert!(report.contains(r.at), "{args:?}: {report}");
                if command != "check" {
                    assert!(out.stdout.is_empty(), "{args:?}: output on failure");
                }
                report.clone()
            }
        };
        for says in r.says {
            assert!(said.contains(says), "{args:?}: {says:?} not in {said}");
        }
    }
}

/// Two Secret values that overlap in a quoted value (`clientAAAA-1111` and `1111-BBBBsecret` in
/// `clientAAAA-1111-BBBBsecret`, tests/fixtures/attack-found/session6) are both hidden whole in
/// every output: the first one replaced used to take the shared part and leave the rest of the
/// other in the message.
#[test]
fn overlapping_secret_values_are_not_partly_shown() {
    let input =
        root().join("tests/fixtures/attack-found/session6/overlapping-secrets-partly-shown.yaml");
    let policy = root().join("tests/fixtures/policies/keycloak-in-stream.toml");
    let (input, policy) = (input.to_str().unwrap(), policy.to_str().unwrap());
    for args in every_command(policy, input) {
        let out = run(&args, b"");
        // render's stdout is the stream itself (its Secret holds the values, and its comments
        // name them); the findings are on stderr, and on stdout only for `check`.
        let stdout = if args[0] == "check" {
            text(&out.stdout)
        } else {
            String::new()
        };
        let all = format!("{stdout}{}", text(&out.stderr));
        // The finding that quoted the value is there, so its redaction is what is tested.
        assert!(all.contains("keycloak.base_url: value"), "{args:?}: {all}");
        for part in ["BBBBsecret", "clientAAAA", "1111-"] {
            assert!(!all.contains(part), "{args:?} shows `{part}`: {all}");
        }
    }
}

/// A Secret value with a tag its text does not fit (`!!int hunter2-S3CR3T`,
/// tests/fixtures/attack-found/session7) makes the stream unreadable, as for Kubernetes; the
/// message says which tags, never the text (go-yaml's own message quotes it).
#[test]
fn a_secret_value_with_a_wrong_tag_is_not_shown() {
    let input =
        root().join("tests/fixtures/attack-found/session7/tagged-secret-value-unreadable.yaml");
    let policy = root().join("tests/fixtures/policies/keycloak-in-stream.toml");
    let (input, policy) = (input.to_str().unwrap(), policy.to_str().unwrap());
    for args in every_command(policy, input) {
        let out = run(&args, b"");
        assert_eq!(out.status.code(), Some(3), "{args:?}");
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert!(all.contains("as a !!int"), "{args:?}: {all}");
        assert!(!all.contains("S3CR3T"), "{args:?} shows the value: {all}");
        if args[0] == "render" {
            assert!(out.stdout.is_empty());
        }
    }
}

/// A config directory of `/` (in `CLEARML_CONFIG_DIR`) is named `/` in the message that lists
/// ClearML's config directories, not as an empty item.
#[test]
fn the_root_config_directory_is_named() {
    let fixture = root().join("tests/fixtures/saml/configmap-missing.yaml");
    let stream = std::fs::read_to_string(fixture).unwrap().replace(
        "          volumeMounts:\n",
        "          env:\n            - name: CLEARML_CONFIG_DIR\n              value: \"/:/opt/clearml/config/default\"\n          volumeMounts:\n",
    );
    assert!(stream.contains("CLEARML_CONFIG_DIR"), "the fixture changed");
    let policy = root().join("tests/fixtures/policies/microsoft_ad.toml");
    let out = run(
        &["check", "--policy", policy.to_str().unwrap()],
        stream.as_bytes(),
    );
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(all.contains("config directory (/, "), "{all}");
    assert!(!all.contains("config directory (, "), "{all}");
}

/// `K_i = $(K_{i-1})$(K_{i-1})` from ten bytes (tests/fixtures/attack-found/session7,
/// `exponential-env-expansion.yaml.txt`) made the tool build a value of 2^29 × ten bytes and
/// abort when memory ran out. Kubernetes expands the same way, and Linux refuses an environment
/// string over 128 KiB at `exec`: the container never starts. Every command now refuses it at
/// once (`env-too-long`, exit 1), naming the document, container and the first variable past
/// the bound, never a value; render and diff write nothing on stdout.
#[test]
fn an_exponential_env_expansion_is_refused_without_being_built() {
    let input =
        root().join("tests/fixtures/attack-found/session7/exponential-env-expansion.yaml.txt");
    let policy = root().join("tests/fixtures/policies/keycloak-in-stream.toml");
    let (input, policy) = (input.to_str().unwrap(), policy.to_str().unwrap());
    refused_everywhere(
        policy,
        input,
        Refusal {
            code: "env-too-long",
            document: 8,
            variable: "K14",
            hidden: "xxxxxxxxxx",
            at: "--> Deployment clearml-apiserver (document 8, line 200), container clearml-apiserver, variable K14",
            says: &[
                "the value Kubernetes gives `K14`",
                "passes 131072 bytes (128 KiB, Linux's MAX_ARG_STRLEN)",
                "E2BIG",
            ],
        },
    );
}

/// Linux's bound, exactly: `B=` + 131,069 bytes + its NUL is 131,072 bytes, which Linux takes,
/// so a value that Kubernetes expands to exactly that renders (exit 0, nothing refused); one
/// byte more, or one byte more of name, is refused by every command, naming the variable.
#[test]
fn an_env_value_at_linux_bound_renders_and_one_byte_more_is_refused() {
    let attack = std::fs::read_to_string(
        root().join("tests/fixtures/attack-found/session7/exponential-env-expansion.yaml.txt"),
    )
    .unwrap();
    let chain = attack.find("            - name: K0\n").unwrap();
    let half = "a".repeat(65_534);
    let stream = |name: &str, value: &str| {
        format!(
            "{}            - name: H\n              value: {half}\n            - name: {name}\n              value: {value}\n",
            &attack[..chain]
        )
    };
    let policy = root().join("tests/fixtures/policies/keycloak-in-stream.toml");
    let policy = policy.to_str().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let write = |file: &str, text: String| {
        let path = tmp.path().join(file);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_string()
    };
    // What Kubernetes gives B: H twice, then `b`.
    let at = write("at.yaml", stream("B", "$(H)$(H)b"));
    let out = run(&["render", "--policy", policy, &at], b"");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let output = text(&out.stdout);
    assert!(output.contains("            - name: B\n              value: $(H)$(H)b\n"));
    let given = clearml_sso::k8s::expand_env("$(H)$(H)b", |n| (n == "H").then_some(half.as_str()));
    let given = given.unwrap();
    assert_eq!(given, format!("{half}{half}b"));
    assert_eq!(
        "B=".len() + given.len() + 1,
        clearml_sso::k8s::MAX_ARG_STRLEN
    );
    for args in every_command(policy, &at) {
        let out = run(&args, b"");
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert_eq!(out.status.code(), Some(0), "{args:?}: {all}");
        assert!(!all.contains("env-too-long"), "{args:?}: {all}");
    }
    for (file, name, value) in [
        ("over.yaml", "B", "$(H)$(H)bb"),
        ("name.yaml", "BB", "$(H)$(H)b"),
    ] {
        let over = write(file, stream(name, value));
        for args in every_command(policy, &over) {
            let out = run(&args, b"");
            assert_eq!(out.status.code(), Some(1), "{args:?}");
            let report = if args[0] == "check" {
                text(&out.stdout)
            } else {
                assert!(out.stdout.is_empty(), "{args:?}: output on failure");
                text(&out.stderr)
            };
            let named = format!("variable {name}");
            let needle = if args.contains(&"json") {
                format!("\"variable\": \"{name}\"")
            } else {
                named
            };
            assert!(report.contains("env-too-long"), "{args:?}: {report}");
            assert!(report.contains(&needle), "{args:?}: {report}");
            assert!(!report.contains("aaaaaaaaaa"), "{args:?} shows a value");
        }
    }
}

/// A `$` directly before a non-ASCII character (tests/fixtures/attack-found/session8,
/// `dollar-before-non-ascii.yaml`): Kubernetes' expansion gives the process other bytes, not
/// UTF-8 (`$é` becomes `$Ã` and a stray byte), where the tool took the text as written and
/// rendered with exit 0. Every command now refuses it (`env-not-text`, exit 1), naming the
/// document, container and variable, never the value; render and diff write nothing on
/// stdout. `$$é` (a literal `$`, as the tool writes the policy's `ab$é`) renders with exit 0,
/// and a policy-owned value written `ab$é` is corrected to `ab$$é`, never kept.
#[test]
fn a_dollar_before_a_non_ascii_character_is_refused() {
    let dir = root().join("tests/fixtures/attack-found/session8");
    let input = dir.join("dollar-before-non-ascii.yaml");
    let policy = dir.join("keycloak-literal-client-id.toml");
    let (input, policy) = (input.to_str().unwrap(), policy.to_str().unwrap());
    let variable = "CLEARML__services__login__sso__oauth_client__keycloak__display_name";
    let at = format!("--> Deployment clearml-apiserver (clearml/templates/apiserver-deployment.yaml, document 1), container clearml-apiserver, variable {variable}");
    refused_everywhere(
        policy,
        input,
        Refusal {
            code: "env-not-text",
            document: 1,
            variable,
            hidden: "Kxq7",
            at: &at,
            says: &[
                &format!("the value Kubernetes gives `{variable}` is not UTF-8"),
                "Write `$$` for a literal `$`",
            ],
        },
    );
    // `$$é`: a literal `$`, what Kubernetes gives as `$é`; nothing to change.
    let fixture = std::fs::read_to_string(input).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let write = |file: &str, text: String| {
        let path = tmp.path().join(file);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_string()
    };
    assert!(fixture.contains("value: '\"Kxq7 Login$é\"'"));
    let escaped = write("escaped.yaml", fixture.replace("Login$é", "Login$$é"));
    for args in every_command(policy, &escaped) {
        let out = run(&args, b"");
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert_eq!(out.status.code(), Some(0), "{args:?}: {all}");
        assert!(!all.contains("env-not-text"), "{args:?}: {all}");
    }
    let out = run(&["render", "--policy", policy, &escaped], b"");
    assert_eq!(
        out.stdout,
        fixture.replace("Login$é", "Login$$é").as_bytes()
    );
    // The policy's own `ab$é` written as `ab$é`: corrected to the tool's `ab$$é`.
    let unescaped = write(
        "unescaped.yaml",
        fixture
            .replace("Login$é", "Login$$é")
            .replace("'\"ab$$é\"'", "'\"ab$é\"'"),
    );
    let out = run(&["render", "--policy", policy, &unescaped], b"");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        out.stdout,
        fixture.replace("Login$é", "Login$$é").as_bytes()
    );
    assert!(text(&out.stderr).contains("warning[value-mismatch]: keycloak.client_id"));
}

/// A literal that refers to nothing is given by the kubelet with each `$$` as one `$`, and the
/// value check reads a later `$(A)` with that text (session 8's attack): 40,000 `$$` expanded
/// twice is 80,000 bytes, within Linux's bound, so the value is judged (ClearML's parser
/// rejects it) and not taken for an expansion too long to judge, which had left it to the
/// proof's less precise `unverified-output`.
#[test]
fn a_literal_is_judged_with_its_dollars_halved() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("halving.yaml");
    let doubled = "$$".repeat(40_000);
    std::fs::write(
        &input,
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: clearml-sso\nstringData:\n  \
             keycloak_client_id: some-id\n  keycloak_client_secret: some-secret\n---\n\
             apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: clearml-apiserver\n\
             spec:\n  template:\n    spec:\n      containers:\n        - name: clearml-apiserver\n\
             \x20         image: x\n          env:\n            - name: A\n              \
             value: {doubled}\n            - name: \
             CLEARML__services__login__sso__oauth_client__keycloak__groups__claim\n              \
             value: $(A)$(A)\n"
        ),
    )
    .unwrap();
    let policy = root().join("tests/fixtures/policies/keycloak-in-stream.toml");
    let (input, policy) = (input.to_str().unwrap(), policy.to_str().unwrap());
    let out = run(&["render", "--policy", policy, input], b"");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(out.stdout.is_empty());
    assert!(stderr.contains("error[misread-value]"), "{stderr}");
    assert!(!stderr.contains("unverified-output"), "{stderr}");
}
