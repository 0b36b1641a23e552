//! A new user's first hour, through the binary: `init` writes a policy whose Secret is created
//! outside the release, `explain` prints the `kubectl` line that creates it, and the first
//! render of a chart that does not create that Secret succeeds. Near misses get hints.
//!
//! The public chart (`helm repo add allegroai https://allegroai.github.io/clearml-helm-charts`)
//! cannot be fetched here. What matters to this flow is that it creates no SSO Secret; the
//! bundled example chart behaves the same with its default values (`ssoSecret.create: false`),
//! so "public-like" below is the example chart rendered without `examples/values-sso-secret.yaml`
//! (with Helm), or the pre-rendered example with its `secret-sso.yaml` document removed.

use crate::harness::helm::HelmHome;
use crate::harness::*;
use std::path::Path;

/// `examples/rendered/clearml.yaml` without the document the example chart's SSO Secret
/// template produced: what the public chart renders as far as Secrets go.
fn public_like() -> String {
    let all = std::fs::read_to_string(root().join("examples/rendered/clearml.yaml")).unwrap();
    let docs: Vec<&str> = all
        .split("\n---\n")
        .filter(|d| !d.contains("# Source: clearml/templates/secret-sso.yaml"))
        .collect();
    assert_eq!(
        docs.len(),
        all.split("\n---\n").count() - 1,
        "the fixture lost exactly its SSO Secret"
    );
    let out = docs.join("\n---\n");
    assert!(!out.contains("name: clearml-sso\n"), "{out}");
    out
}

fn init_to(dir: &Path, providers: &[&str]) -> std::path::PathBuf {
    let path = dir.join("clearml-sso.toml");
    let mut args = vec!["init"];
    args.extend(providers);
    args.extend(["--output", path.to_str().unwrap()]);
    let out = run(&args, b"");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty(), "--output: nothing on stdout");
    assert!(
        text(&out.stderr).contains("next: clearml-sso explain --policy"),
        "{}",
        text(&out.stderr)
    );
    fill_in(&path);
    path
}

/// What the user does next (`$EDITOR clearml-sso.toml` in the README's first run): every `<…>`
/// the starter holds replaced with a real-looking value. Before, the render refuses it.
fn fill_in(path: &Path) {
    let starter = std::fs::read_to_string(path).unwrap();
    let values = [
        ("https://<keycloak-host>", "https://sso.acme.test"),
        ("<realm>", "clearml"),
        ("<your-org>.okta.com", "acme.okta.com"),
        ("<tenant-id-or-domain>", "acmecorp.onmicrosoft.com"),
        ("<tenant>.<region>.auth0.com", "acme.eu.auth0.com"),
        (
            "<domain-prefix>.auth.<region>.amazoncognito.com",
            "acme.auth.eu-west-1.amazoncognito.com",
        ),
        ("<adfs-host>", "adfs.acme.test"),
        ("<environment-id>", "2f7a1c4e-5b6d-4e8f-9a0b-1c2d3e4f5a6b"),
    ];
    let mut filled = starter.clone();
    for (placeholder, value) in values {
        filled = filled.replace(placeholder, value);
    }
    assert!(
        filled
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .all(|l| !l.split(" # ").next().unwrap().contains('<')),
        "a placeholder left unfilled:\n{filled}"
    );
    if filled != starter {
        let refused = run(&["values", "--policy", path.to_str().unwrap()], b"");
        assert_eq!(refused.status.code(), Some(2), "{}", text(&refused.stderr));
        assert!(text(&refused.stderr).contains("is a placeholder"));
    }
    std::fs::write(path, filled).unwrap();
}

/// The `kubectl create secret generic …` lines of `explain`'s output.
fn kubectl_lines(explain: &str) -> Vec<String> {
    explain
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("kubectl create "))
        .map(str::to_string)
        .collect()
}

/// The `--from-literal=KEY=…` keys of one kubectl line.
fn literal_keys(line: &str) -> Vec<String> {
    line.split(' ')
        .filter_map(|w| w.strip_prefix("--from-literal="))
        .map(|w| w.split_once('=').unwrap().0.to_string())
        .collect()
}

/// Every `(secret, key)` the policy text references, read with a TOML parser.
fn policy_references(policy: &str) -> Vec<(String, String)> {
    let doc: toml_edit::DocumentMut = policy.parse().unwrap();
    let mut out = Vec::new();
    fn walk(item: &toml_edit::Item, out: &mut Vec<(String, String)>) {
        if let Some(t) = item.as_table_like() {
            if let (Some(s), Some(k)) = (
                t.get("secret").and_then(|v| v.as_str()),
                t.get("key").and_then(|v| v.as_str()),
            ) {
                out.push((s.to_string(), k.to_string()));
                return;
            }
            for (_, v) in t.iter() {
                walk(v, out);
            }
        }
    }
    walk(doc.as_item(), &mut out);
    out
}

#[test]
fn init_several_providers_then_render_public_like_input_succeeds() {
    let dir = tempfile::tempdir().unwrap();
    let policy = init_to(dir.path(), &["keycloak", "google"]);
    let text_policy = std::fs::read_to_string(&policy).unwrap();
    assert!(text_policy.contains("[providers.keycloak]"));
    assert!(text_policy.contains("[providers.google]"));
    assert!(text_policy.contains("external = [\"clearml-sso\"]"));
    let flag = format!("--policy={}", policy.display());
    let out = run(&[&flag], public_like().as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    for var in [
        "CLEARML__secure__login__sso__oauth_client__keycloak__client_secret",
        "CLEARML__secure__login__sso__oauth_client__google__client_id",
        "CLEARML__services__login__sso__oauth_client__keycloak__base_url",
    ] {
        assert!(stdout.contains(var), "{var} missing");
    }
    // The same input really lacks the Secret: without the external entry the render refuses.
    let internal = dir.path().join("internal.toml");
    std::fs::write(
        &internal,
        text_policy.replace("external = [\"clearml-sso\"]", "external = []"),
    )
    .unwrap();
    let refused = run(
        &[&format!("--policy={}", internal.display())],
        public_like().as_bytes(),
    );
    assert_eq!(refused.status.code(), Some(1));
    assert!(refused.stdout.is_empty());
    assert!(text(&refused.stderr).contains("error[missing-secret]: Secret `clearml-sso`"));
}

#[test]
fn explain_kubectl_line_names_exactly_the_keys_the_policy_reads() {
    let dir = tempfile::tempdir().unwrap();
    // Every single-provider starter that reads a Secret, a pair, and the bundled policies.
    let mut policies: Vec<std::path::PathBuf> = Vec::new();
    for set in [
        &["keycloak"][..],
        &["auth0"],
        &["okta"],
        &["azure_ad"],
        &["google"],
        &["cognito"],
        &["keycloak", "google", "okta"],
    ] {
        let sub = dir.path().join(set.join("-"));
        std::fs::create_dir(&sub).unwrap();
        policies.push(init_to(&sub, set));
    }
    for entry in std::fs::read_dir(root().join("policies")).unwrap() {
        policies.push(entry.unwrap().path());
    }
    for policy in policies {
        let text_policy = std::fs::read_to_string(&policy).unwrap();
        let out = run(&["explain", "--policy", policy.to_str().unwrap()], b"");
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert!(
            !text(&out.stderr).contains("warning"),
            "{}: {}",
            policy.display(),
            text(&out.stderr)
        );
        let explain = text(&out.stdout);
        let lines = kubectl_lines(&explain);
        let refs = policy_references(&text_policy);
        let mut names: Vec<&str> = refs.iter().map(|(s, _)| s.as_str()).collect();
        names.dedup();
        assert_eq!(lines.len(), names.len(), "{}: {lines:?}", policy.display());
        for (line, name) in lines.iter().zip(&names) {
            assert!(
                line.starts_with(&format!(
                    "kubectl create secret generic {name} -n <namespace> --from-literal="
                )),
                "{line}"
            );
            let mut want: Vec<String> = refs
                .iter()
                .filter(|(s, _)| s == name)
                .map(|(_, k)| k.clone())
                .collect();
            want.dedup();
            assert_eq!(literal_keys(line), want, "{}", policy.display());
            // Placeholders, quoted for HOCON and the shell.
            for word in line.split(' ').filter(|w| w.starts_with("--from-literal=")) {
                assert!(word.ends_with(">\"'"), "{word}");
                assert!(word.contains("='\"<"), "{word}");
            }
        }
        assert!(explain.contains("ClearML parses each value as HOCON"));
    }
}

#[test]
fn explain_never_prints_a_secret_value_from_the_example_values() {
    // The kubectl line is built from the policy, never from a Secret: the example's values
    // are nowhere in explain's output.
    let out = run(&["explain", "--policy", "policies/keycloak.toml"], b"");
    assert_eq!(out.status.code(), Some(0));
    let values = std::fs::read_to_string(root().join("examples/values-sso-secret.yaml")).unwrap();
    for line in values.lines().filter(|l| l.starts_with("    ")) {
        let value = line.split_once(": ").unwrap().1;
        if value == "clearml" {
            continue; // the Keycloak client id is also the product's name
        }
        assert!(
            !text(&out.stdout).contains(value),
            "explain printed {value}"
        );
    }
}

#[test]
fn init_output_is_kept_unless_force() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.toml");
    std::fs::write(&path, "edited by hand\n").unwrap();
    let p = path.to_str().unwrap();
    let kept = run(&["init", "keycloak", "--output", p], b"");
    assert_eq!(kept.status.code(), Some(2));
    assert!(kept.stdout.is_empty());
    assert!(text(&kept.stderr).contains("exists; nothing was written (add --force"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "edited by hand\n");
    let forced = run(&["init", "keycloak", "--output", p, "--force"], b"");
    assert_eq!(forced.status.code(), Some(0), "{}", text(&forced.stderr));
    let written = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        written,
        text(&run(&["init", "keycloak"], b"").stdout),
        "--output writes exactly what stdout would carry"
    );
    // `--output -` is stdout.
    let dash = run(&["init", "keycloak", "--output", "-"], b"");
    assert_eq!(dash.status.code(), Some(0));
    assert_eq!(text(&dash.stdout), written);
    // --force means nothing without --output.
    let alone = run(&["init", "keycloak", "--force"], b"");
    assert_eq!(alone.status.code(), Some(2));
    assert!(alone.stdout.is_empty());
    // A directory that does not exist: the reason, exit 2.
    let nowhere = run(&["init", "keycloak", "--output", "no/such/dir/p.toml"], b"");
    assert_eq!(nowhere.status.code(), Some(2));
    assert!(text(&nowhere.stderr).contains("cannot write no/such/dir/p.toml"));
}

#[test]
fn init_refuses_a_repeated_or_unknown_provider_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.toml");
    let p = path.to_str().unwrap();
    let twice = run(
        &["init", "keycloak", "google", "keycloak", "--output", p],
        b"",
    );
    assert_eq!(twice.status.code(), Some(2));
    assert!(text(&twice.stderr).contains("provider `keycloak` is given twice"));
    let typo = run(&["init", "google", "keycloack", "--output", p], b"");
    assert_eq!(typo.status.code(), Some(2));
    assert!(text(&typo.stderr).contains("did you mean `keycloak`?"));
    assert!(!path.exists(), "nothing written on a refusal");
    let none = run(&["init"], b"");
    assert_eq!(none.status.code(), Some(2));
}

#[test]
fn a_saml_only_starter_declares_no_external_secret() {
    let out = run(&["init", "microsoft_ad"], b"");
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("external = []"));
    let mixed = run(&["init", "microsoft_ad", "keycloak"], b"");
    assert!(text(&mixed.stdout).contains("external = [\"clearml-sso\"]"));
}

// Point 5: near misses.

#[test]
fn missing_secret_key_names_the_nearest_key_and_no_value() {
    const VALUE: &str = "Zq8-value-never-shown-41";
    let input = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: clearml-sso\nstringData:\n  keycloak_client_id: {VALUE}\n  keycloak_client_secrett: {VALUE}\n---\n{}",
        public_like()
    );
    let out = run(
        &["--policy=tests/fixtures/policies/keycloak-in-stream.toml"],
        input.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = text(&out.stderr);
    assert!(
        err.contains(
            "error[missing-secret-key]: Secret `clearml-sso` has no key `keycloak_client_secret`"
        ),
        "{err}"
    );
    assert!(
        err.contains("help: did you mean `keycloak_client_secrett`?"),
        "{err}"
    );
    assert!(!err.contains(VALUE), "{err}");
    // A sibling key is not offered as a typo.
    let sibling = input.replace("keycloak_client_secrett", "keycloak_client_key");
    let out = run(
        &["--policy=tests/fixtures/policies/keycloak-in-stream.toml"],
        sibling.as_bytes(),
    );
    let err = text(&out.stderr);
    assert!(!err.contains("did you mean"), "{err}");
    assert!(
        err.contains("help: add key `keycloak_client_secret` to Secret `clearml-sso`"),
        "{err}"
    );
}

/// A `${VAR}` stored in the Secret is named like every other stored value's finding (key and
/// Secret; before, only "`${…}`: its variable is defined nowhere"), and its help offers both
/// ways out, not only quoting (which makes the text `${VAR}` itself the credential).
#[test]
fn a_substitution_stored_in_the_secret_names_its_key_and_both_fixes() {
    let input = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: clearml-sso\nstringData:\n  keycloak_client_id: '\"clearml\"'\n  keycloak_client_secret: '${{KC_SECRET}}'\n---\n{}",
        public_like()
    );
    let out = run(
        &["--policy=tests/fixtures/policies/keycloak-in-stream.toml"],
        input.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = text(&out.stderr);
    assert!(
        err.contains(
            "error[compose-variable]: key `keycloak_client_secret` of Secret `clearml-sso`: `${…}`"
        ),
        "{err}"
    );
    assert!(err.contains("or define the variable"), "{err}");
    assert!(
        !err.contains("KC_SECRET"),
        "the stored text is not shown: {err}"
    );
}

/// A Secret name or key Kubernetes does not allow is a policy error (exit 2, at its line), for
/// every command: before, `render` exited 0 with a `secretKeyRef` the API server rejects, and
/// `explain` printed it into the `kubectl` line (`--from-literal=$(id)=…` runs a command when
/// pasted; `a=b` makes kubectl store key `a`).
#[test]
fn a_secret_name_or_key_kubernetes_refuses_is_a_policy_error() {
    let dir = tempfile::tempdir().unwrap();
    let policy = init_to(dir.path(), &["google"]);
    let base = std::fs::read_to_string(&policy).unwrap();
    let p = policy.to_str().unwrap();
    for (from, to, what) in [
        (
            "key = \"google_client_id\"",
            "key = \"$(id)\"",
            "key = \"$(id)\" is not a key",
        ),
        (
            "key = \"google_client_id\"",
            "key = \"a=b\"",
            "key = \"a=b\" is not a key",
        ),
        (
            "key = \"google_client_id\"",
            "key = \"..\"",
            "key = \"..\" is not a key",
        ),
        (
            "secret = \"clearml-sso\", key = \"google_client_id\"",
            "secret = \"Clearml_SSO\", key = \"google_client_id\"",
            "secret = \"Clearml_SSO\" is not a name",
        ),
    ] {
        let text_policy = base.replacen(from, to, 1);
        assert_ne!(text_policy, base);
        std::fs::write(&policy, &text_policy).unwrap();
        let line = text_policy.lines().position(|l| l.contains(to)).unwrap() + 1;
        for args in [
            vec!["render", "--policy", p],
            vec!["explain", "--policy", p],
            vec!["values", "--policy", p],
        ] {
            let out = run(&args, public_like().as_bytes());
            let err = text(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{args:?} {to}: {err}");
            assert!(out.stdout.is_empty(), "{args:?} {to}");
            assert!(err.contains(&format!("clearml-sso.toml:{line}:")), "{err}");
            assert!(err.contains(what), "{err}");
            assert!(err.contains("help: write "), "{err}");
        }
    }
}

/// A NUL in a policy literal (TOML allows `\u0000`) is a policy error: before, `render` exited
/// 0 with it in an env value, which the container runtime refuses (the apiserver never starts).
#[test]
fn a_nul_in_a_policy_value_is_a_policy_error() {
    let dir = tempfile::tempdir().unwrap();
    let policy = init_to(dir.path(), &["keycloak"]);
    let base = std::fs::read_to_string(&policy).unwrap();
    for extra in [
        "claims.name = \"na\\u0000me\"\n",
        "groups.admins = [\"ok\", \"a\\u0000b\"]\n",
    ] {
        let text_policy = base.replacen("realm = ", &format!("{extra}realm = "), 1);
        std::fs::write(&policy, &text_policy).unwrap();
        for args in [
            vec!["render", "--policy", policy.to_str().unwrap()],
            vec!["explain", "--policy", policy.to_str().unwrap()],
        ] {
            let out = run(&args, public_like().as_bytes());
            let err = text(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{args:?} {extra}: {err}");
            assert!(out.stdout.is_empty());
            assert!(err.contains("contains a NUL character"), "{err}");
        }
    }
}

/// A key the policy reads that holds a NUL byte (in `data` or, through a YAML escape, in
/// `stringData`) cannot reach the apiserver: no environment variable can hold one, and the
/// container runtime refuses the container. Bytes that are not UTF-8 reach ClearML as
/// surrogate escapes it cannot send to the IdP (and were not judged at all). Before, `render`
/// exited 0 on both.
#[test]
fn a_secret_value_with_a_nul_byte_is_refused() {
    for (secret, why) in [
        (
            "data:\n  keycloak_client_id: ImNsZWFybWwi\n  keycloak_client_secret: ImEAYiI=\n",
            "holds a NUL byte",
        ),
        (
            "stringData:\n  keycloak_client_id: '\"clearml\"'\n  keycloak_client_secret: \"\\\"a\\0b\\\"\"\n",
            "holds a NUL byte",
        ),
        // Not UTF-8: Python reads surrogate escapes, which it cannot send to the IdP.
        (
            "data:\n  keycloak_client_id: ImNsZWFybWwi\n  keycloak_client_secret: ImH/YiI=\n",
            "is not UTF-8 text",
        ),
    ] {
        let input = format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: clearml-sso\n{secret}---\n{}",
            public_like()
        );
        let out = run(
            &["--policy=tests/fixtures/policies/keycloak-in-stream.toml"],
            input.as_bytes(),
        );
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{secret}: {err}");
        assert!(out.stdout.is_empty());
        assert!(
            err.contains(&format!("error[missing-secret-key]: key `keycloak_client_secret` of Secret `clearml-sso` {why}")),
            "{err}"
        );
    }
}

/// A stored value with text next to its quoted part (`"abc" def`, `abc "def"`) is refused, and
/// the reason is what pyhocon does — it joins the parts (`abc def`) — not "the parser rejects
/// it: the apiserver fails to start", which is false for these.
#[test]
fn a_quoted_part_with_text_next_to_it_is_refused_for_what_clearml_does() {
    for stored in [r#"'"abc" def'"#, r#"'abc "def"'"#, r#"'"abc"def'"#] {
        let input = format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: clearml-sso\nstringData:\n  keycloak_client_id: '\"clearml\"'\n  keycloak_client_secret: {stored}\n---\n{}",
            public_like()
        );
        let out = run(
            &["--policy=tests/fixtures/policies/keycloak-in-stream.toml"],
            input.as_bytes(),
        );
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stored}: {err}");
        assert!(out.stdout.is_empty());
        assert!(
            err.contains("key `keycloak_client_secret` of Secret `clearml-sso`: it holds a quoted part with text next to it, which ClearML joins to it (HOCON concatenation)"),
            "{stored}: {err}"
        );
        assert!(!err.contains("parser rejects it"), "{stored}: {err}");
    }
}

/// A refused derivation input is shown as written in the file: a `"` inside is `\"`, so the
/// value shown does not seem to end early (it printed `realm = "cl"ear $ml"`).
#[test]
fn a_refused_input_is_quoted_as_in_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let policy = init_to(dir.path(), &["keycloak"]);
    let text_policy = std::fs::read_to_string(&policy)
        .unwrap()
        .replace("realm = \"clearml\"", r#"realm = "cl\"ear $ml""#);
    std::fs::write(&policy, &text_policy).unwrap();
    let out = run(&["explain", "--policy", policy.to_str().unwrap()], b"");
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(r#"providers.keycloak.realm = "cl\"ear $ml" contains a space"#),
        "{err}"
    );
}

#[test]
fn external_entries_the_policy_never_reads_are_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let policy = init_to(dir.path(), &["keycloak"]);
    let text_policy = std::fs::read_to_string(&policy).unwrap().replace(
        "external = [\"clearml-sso\"]",
        "external = [\"clearml-ssso\", \"clearml-sso/keycloak_client_secrett\", \"clearml-sso/keycloak_client_id\", \"unrelated-thing\"]",
    );
    std::fs::write(&policy, &text_policy).unwrap();
    let line = text_policy
        .lines()
        .position(|l| l.starts_with("external"))
        .unwrap()
        + 1;
    let p = policy.to_str().unwrap();
    // `explain` prints them as the parser's warnings; `check` as findings at the same spot.
    for args in [vec!["explain", "--policy", p], vec!["check", "--policy", p]] {
        let out = run(&args, public_like().as_bytes());
        let err = if args[0] == "check" {
            text(&out.stdout)
        } else {
            text(&out.stderr)
        };
        let first = if args[0] == "check" {
            format!("warning[unused-external]: [secrets] external entry `clearml-ssso` matches no Secret or key the policy reads\n  --> {p}:{line}:13\n  help: did you mean `clearml-sso`?")
        } else {
            format!("clearml-sso.toml:{line}:13: warning: [secrets] external entry `clearml-ssso` matches no Secret or key the policy reads\n  help: did you mean `clearml-sso`?")
        };
        assert!(err.contains(&first), "{args:?}: {err}");
        for (entry, help) in [
            (
                "clearml-sso/keycloak_client_secrett",
                "did you mean `clearml-sso/keycloak_client_secret`?",
            ),
            ("unrelated-thing", "the policy reads `clearml-sso`"),
        ] {
            let message = format!("entry `{entry}` matches no Secret or key the policy reads\n");
            let at = err
                .find(&message)
                .unwrap_or_else(|| panic!("{message}: {err}"));
            let next_help = err[at..].split("  help: ").nth(1).unwrap_or_default();
            assert!(next_help.starts_with(help), "{err}");
        }
        assert!(
            !err.contains("`clearml-sso/keycloak_client_id` matches"),
            "{err}"
        );
    }
    // A warning, not an error: the policy loads and the verdict is the render's (here the
    // client secret is covered by nothing, so it fails on that, not on the warning).
    let out = run(&["--policy", p], public_like().as_bytes());
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr)
        .contains("error[missing-secret]: Secret `clearml-sso` (key `keycloak_client_secret`)"));
    // Under check = "all" an entry may stand for a chart's own Secret: no warning.
    let all = text_policy.replace("[secrets]\n", "[secrets]\ncheck = \"all\"\n");
    std::fs::write(&policy, all).unwrap();
    let out = run(&["explain", "--policy", p], b"");
    assert!(
        !text(&out.stderr).contains("warning"),
        "{}",
        text(&out.stderr)
    );
}

/// The policy's warning is a finding like any other: counted in the summary, in `--report` and
/// every format, and refused by `--deny-warnings` / `warnings = "deny"` — by `render` and, for
/// the policy setting, by `explain` and `values` too (before, it was only a line on stderr:
/// exit 0 with "0 warnings" under `--deny-warnings`, and absent from every report).
#[test]
fn an_unused_external_entry_is_a_warning_finding_that_deny_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let policy = init_to(dir.path(), &["keycloak"]);
    let base = std::fs::read_to_string(&policy).unwrap().replace(
        "external = [\"clearml-sso\"]",
        "external = [\"clearml-sso\", \"clearml-ssso\"]",
    );
    std::fs::write(&policy, &base).unwrap();
    let p = policy.to_str().unwrap();
    let report = dir.path().join("r.json");
    let r = report.to_str().unwrap();
    let input = public_like();
    // Allowed: exit 0, counted, reported.
    let out = run(&["--policy", p, "--report", r], input.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("warning[unused-external]: [secrets] external entry `clearml-ssso`"),
        "{err}"
    );
    assert!(err.contains("0 errors, 1 warning,"), "{err}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let found = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "unused-external")
        .unwrap_or_else(|| panic!("{json}"));
    assert_eq!(found["severity"], "warning");
    assert_eq!(found["file"]["path"], p);
    assert!(found["file"]["line"].as_u64().unwrap() > 0);
    let github = run(
        &["check", "--policy", p, "--format", "github"],
        input.as_bytes(),
    );
    assert!(
        text(&github.stdout).contains(&format!("::warning file={p},line=")),
        "{}",
        text(&github.stdout)
    );
    // --deny-warnings: refused, nothing on stdout, the report says why.
    let out = run(
        &["--policy", p, "--deny-warnings", "--report", r],
        input.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    assert!(
        text(&out.stderr).contains("error[unused-external]"),
        "{}",
        text(&out.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(json["errors"], 1, "{json}");
    // warnings = "deny" in the policy: render, explain and values all refuse it.
    std::fs::write(
        &policy,
        base.replace("warnings = \"allow\"", "warnings = \"deny\""),
    )
    .unwrap();
    for args in [
        vec!["render", "--policy", p],
        vec!["explain", "--policy", p],
        vec!["values", "--policy", p],
    ] {
        let out = run(&args, input.as_bytes());
        assert_eq!(
            out.status.code(),
            Some(1),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(
            text(&out.stderr).contains("error[unused-external]"),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn a_missing_policy_from_the_environment_variable_says_so() {
    let missing = "/nonexistent/clearml-sso-policy.toml";
    for args in [vec![], vec!["explain"], vec!["check"]] {
        let out = run_in(
            &bin(),
            &args,
            public_like().as_bytes(),
            None,
            &[("CLEARML_SSO_POLICY", missing)],
        );
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty());
        let err = text(&out.stderr);
        assert!(
            err.contains(&format!(
                "{missing}: cannot read the policy file named by $CLEARML_SSO_POLICY"
            )),
            "{args:?}: {err}"
        );
    }
    // --policy wins and is named as itself.
    let out = run_in(
        &bin(),
        &["--policy", "no-such.toml"],
        b"",
        None,
        &[("CLEARML_SSO_POLICY", missing)],
    );
    let err = text(&out.stderr);
    assert!(
        err.contains("no-such.toml: cannot read the policy file"),
        "{err}"
    );
    assert!(!err.contains("CLEARML_SSO_POLICY"), "{err}");
}

#[test]
fn an_empty_input_says_what_happened_and_what_to_do() {
    for input in ["", "\n", "---\n", "# Source: nothing\n---\n"] {
        let out = run(&["--policy=policies/keycloak.toml"], input.as_bytes());
        assert_eq!(out.status.code(), Some(1), "{input:?}");
        assert!(out.stdout.is_empty());
        let err = text(&out.stderr);
        // Fed by the test through a pipe, not by Helm: the pipe's writer probably failed
        // (tests/offline/cli.rs has the other sources; the Helm 3 case is below).
        assert!(err.contains("help: the input is empty: nothing came through the pipe, so the command feeding it (such as `helm template …`) probably failed"), "{err}");
        assert!(err.contains("`set -o pipefail`"), "{err}");
    }
    // A stream with documents but no workload keeps the other help.
    let out = run(
        &["--policy=policies/keycloak.toml"],
        b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
    );
    assert!(!text(&out.stderr).contains("the input is empty"));
}

// With real tools.

/// The README's `helm template … | clearml-sso check` with a Helm that fails (a chart that is
/// not there): the check blames the pipe's writer, not `--output-dir`, and suggests pipefail.
#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn a_failing_helm_template_in_a_pipe_is_blamed_with_pipefail() {
    for var in ["HELM3_BIN", "HELM4_BIN"] {
        let helm = tool(var);
        let home = HelmHome::new();
        let script = format!(
            "\"$0\" template clearml ./no-such-chart | {} check --policy=policies/keycloak.toml",
            bin().display()
        );
        let out = home.run(&bash(), &["-c", &script, helm.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{var}");
        let shown = text(&out.stdout) + &text(&out.stderr);
        assert!(shown.contains("Error"), "{var}: Helm's own error: {shown}");
        assert!(
            shown.contains("help: the input is empty: nothing came through the pipe, so the command feeding it (such as `helm template …`) probably failed")
                && shown.contains("`set -o pipefail`")
                && !shown.contains("--output-dir"),
            "{var}: {shown}"
        );
    }
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn helm3_output_dir_gives_an_empty_stream_and_the_render_says_so() {
    let helm = tool("HELM3_BIN");
    let home = HelmHome::new();
    let out_dir = home.dir.path().join("out");
    let policy = format!(
        "--policy={}",
        root().join("policies/keycloak.toml").display()
    );
    let out = home.run(
        &helm,
        &[
            "template",
            "clearml",
            "examples/chart/clearml",
            "--output-dir",
            out_dir.to_str().unwrap(),
            "--post-renderer",
            bin().to_str().unwrap(),
            "--post-renderer-args",
            &policy,
        ],
    );
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("help: the input is empty: under `helm template --output-dir`, Helm 3 writes the templates to that directory uncorrected"),
        "{err}"
    );
    // What the help says Helm does: the files it wrote are the chart's, uncorrected.
    let written =
        std::fs::read_to_string(out_dir.join("clearml/templates/apiserver-deployment.yaml"))
            .unwrap();
    assert!(
        !written.contains("oauth_client__keycloak__base_url"),
        "{written}"
    );
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn init_explain_kubectl_then_helm3_render_of_the_public_like_chart_gives_clearml_the_values() {
    let helm = tool("HELM3_BIN");
    let kubectl = tool("KUBECTL_BIN");
    let dir = tempfile::tempdir().unwrap();
    let policy = init_to(dir.path(), &["keycloak", "google"]);
    let flag = format!("--policy={}", policy.display());
    let helm_home = HelmHome::new();
    let mut env = helm_home.env();
    env.push((
        "KUBECONFIG".into(),
        dir.path().join("no-kubeconfig").display().to_string(),
    ));
    env.push(("HOME".into(), dir.path().display().to_string()));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    // 1. The first render, as the user runs it (chart default values: no SSO Secret).
    let bin_path = bin().display().to_string();
    let render = |extra: &[&str]| {
        let mut args = vec!["template", "clearml", "examples/chart/clearml"];
        args.extend(extra);
        args.extend(["--post-renderer", bin_path.as_str()]);
        args.extend(["--post-renderer-args", &flag]);
        run_in(&helm, &args, b"", None, &env)
    };
    let first = render(&[]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    // 2. The Secret, made with explain's kubectl line (values with characters HOCON would
    // misread unquoted), dry-run to a manifest so the stream shows what ClearML reads.
    let explain = text(&run(&["explain", &flag], b"").stdout);
    let lines = kubectl_lines(&explain);
    assert_eq!(lines.len(), 1, "{explain}");
    let values = [
        ("keycloak.client_id", "clearml"),
        ("keycloak.client_secret", "a+b=c#d \\\"q\\\" x"),
        ("google.client_id", "12345"),
        ("google.client_secret", "GOCSPX-abc//def"),
    ];
    let mut line = lines[0].replace("<namespace>", "clearml");
    for (label, value) in values {
        line = line.replace(&format!("<{label}>"), value);
    }
    assert!(!line.contains('<'), "every placeholder replaced: {line}");
    let script = format!(
        "{} --dry-run=client -o yaml",
        line.replacen("kubectl", &format!("'{}'", kubectl.display()), 1)
    );
    let made = run_in(
        Path::new("/bin/sh"),
        &["-c", &script],
        b"",
        Some(dir.path()),
        &env,
    );
    assert!(made.status.success(), "{script}: {}", text(&made.stderr));
    // 3. With the Secret in the stream (policy without the external entry), ClearML reads
    // each value exactly.
    let internal = dir.path().join("internal.toml");
    std::fs::write(
        &internal,
        std::fs::read_to_string(&policy)
            .unwrap()
            .replace("external = [\"clearml-sso\"]", "external = []"),
    )
    .unwrap();
    let chart = run_in(
        &helm,
        &["template", "clearml", "examples/chart/clearml"],
        b"",
        None,
        &env,
    );
    assert!(chart.status.success());
    let stream = format!("{}\n---\n{}", text(&made.stdout), text(&chart.stdout));
    let out = run(
        &[&format!("--policy={}", internal.display())],
        stream.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let config = clearml_config(&text(&out.stdout), "clearml-apiserver", "clearml-apiserver");
    assert_eq!(
        sso(&config, "secure", "keycloak")["client_secret"],
        "a+b=c#d \"q\" x"
    );
    assert_eq!(sso(&config, "secure", "keycloak")["client_id"], "clearml");
    assert_eq!(sso(&config, "secure", "google")["client_id"], "12345");
    assert_eq!(
        sso(&config, "secure", "google")["client_secret"],
        "GOCSPX-abc//def"
    );
}

// The README and docs/policy.md say the same as the binary.

/// The fenced block of `lang` that follows `heading` in `file` (the README, or a page of docs/).
fn readme_block(file: &str, heading: &str, lang: &str) -> String {
    let readme = std::fs::read_to_string(root().join(file)).unwrap();
    let after = &readme[readme.find(heading).expect(heading)..];
    let fence = format!("```{lang}\n");
    let start = after.find(&fence).unwrap() + fence.len();
    after[start..start + after[start..].find("\n```").unwrap()].to_string()
}

#[test]
fn readme_policy_example_declares_the_secret_it_reads() {
    for (file, heading) in [
        ("README.md", "## The policy"),
        ("docs/policy.md", "# Policy (version 1)"),
    ] {
        let example = readme_block(file, heading, "toml");
        let policy = clearml_sso::policy::parse_draft(&example, file).unwrap();
        assert!(
            policy.warnings.is_empty(),
            "{file}: {}",
            policy.notes_text()
        );
        for (name, _) in policy_references(&example) {
            assert!(
                policy.secrets.external.iter().any(|e| e.name == name),
                "the example in {file} reads Secret {name} without declaring it"
            );
        }
    }
}

#[test]
fn readme_first_run_kubectl_line_is_the_one_explain_prints() {
    let block = readme_block("README.md", "## First steps (Helm 3 and Helm 4)", "sh");
    let joined = block.replace("\\\n  ", "");
    let readme_line = joined
        .lines()
        .find(|l| l.starts_with("kubectl create secret"))
        .unwrap()
        .to_string();
    let dir = tempfile::tempdir().unwrap();
    let policy = init_to(dir.path(), &["keycloak"]);
    let explain = text(&run(&["explain", "--policy", policy.to_str().unwrap()], b"").stdout);
    assert_eq!(
        kubectl_lines(&explain),
        [readme_line.replace("-n clearml", "-n <namespace>")]
    );
    assert!(
        block.contains("helm repo add allegroai https://allegroai.github.io/clearml-helm-charts")
    );
}

#[test]
#[ignore = "needs scripts/fetch-test-deps"]
fn helm4_output_dir_post_renders_before_writing() {
    // The contrast the empty-input help relies on: Helm 4 runs the plugin on the whole
    // stream and writes the corrected files.
    let helm = tool("HELM4_BIN");
    let home = HelmHome::new();
    home.install_plugin();
    let out_dir = home.dir.path().join("out").display().to_string();
    let policy = format!(
        "--policy={}",
        root().join("policies/keycloak.toml").display()
    );
    let out = home.run(
        &helm,
        &[
            "template",
            "clearml",
            "examples/chart/clearml",
            "--output-dir",
            &out_dir,
            "--post-renderer",
            "clearml-sso",
            "--post-renderer-args",
            &policy,
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let written = std::fs::read_to_string(
        home.dir
            .path()
            .join("out/clearml/templates/apiserver-deployment.yaml"),
    )
    .unwrap();
    assert!(
        written.contains("oauth_client__keycloak__base_url"),
        "{written}"
    );
}

#[test]
fn a_release_copy_of_an_external_secret_is_still_judged() {
    // The bundled policies declare `clearml-sso` external; when the release creates it too
    // (the example chart with its values), a placeholder there is what ClearML would read.
    let example = std::fs::read_to_string(root().join("examples/rendered/clearml.yaml")).unwrap();
    let ok = run(&["--policy=policies/keycloak.toml"], example.as_bytes());
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
    let placeholder = example.replace(
        "keycloak_client_secret: \"9yq2Xl0bF8tV3nRkC4sWmJ7eHdPaZu1G\"",
        "keycloak_client_secret: \"changeme\"",
    );
    assert_ne!(placeholder, example);
    let out = run(&["--policy=policies/keycloak.toml"], placeholder.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(
        text(&out.stderr).contains("error[missing-secret-key]: key `keycloak_client_secret` of Secret `clearml-sso` holds a placeholder"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn missing_secret_names_a_secret_one_typo_away() {
    let policy =
        std::fs::read_to_string(root().join("tests/fixtures/policies/keycloak-in-stream.toml"))
            .unwrap()
            .replace("\"clearml-sso\"", "\"clearml-ssso\"");
    let dir = tempfile::tempdir().unwrap();
    let p = temp_file(&dir, "p.toml", &policy);
    let input = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: clearml-sso\nstringData:\n  keycloak_client_id: v\n---\n{}",
        public_like()
    );
    let out = run(&["--policy", p.to_str().unwrap()], input.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("help: did you mean Secret `clearml-sso`, which the release provides? Otherwise create Secret `clearml-ssso`"),
        "{err}"
    );
    // `clearml-conf` (also in the stream) is no typo of `clearml-sso`.
    let out = run(
        &["--policy=tests/fixtures/policies/keycloak-in-stream.toml"],
        public_like().as_bytes(),
    );
    assert!(
        !text(&out.stderr).contains("did you mean"),
        "{}",
        text(&out.stderr)
    );
}
