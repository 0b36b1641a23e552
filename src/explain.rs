//! What a policy means, for people: `explain` (the env vars it produces and the
//! identity-provider checklist), `values` (the same settings as Helm `apiserver.extraEnvs`)
//! and `init` (a commented starter policy per provider). All three read the catalogue.

use crate::correct::desired_entry;
use crate::policy::{self, Enforce, Policy, SecretsPolicy, Target, Value};
use crate::providers::{self, Client, Provider, Section};
use crate::yaml::{self, Layout, Node};
use std::fmt::Write as _;

/// How a desired value is shown: literals as ClearML will read them, references as references;
/// a credential written as a literal is never shown.
fn shown(value: &Value, secret: bool) -> String {
    match value {
        Value::Literal(_) if secret => "<literal value, not shown>".into(),
        Value::Literal(l) => l.to_env(),
        Value::Secret { name, key } => format!("<Secret {name}, key {key}>"),
        Value::ConfigMap { name, key } => format!("<ConfigMap {name}, key {key}>"),
    }
}

/// The callback URL to register, from `[sso] webapp` when the policy gives it.
pub fn callback(policy: &Policy, provider: &Provider) -> String {
    match &policy.sso.webapp {
        Some(web) => providers::callback_url(web, provider.key),
        None => format!("<clearml webapp address>{}", provider.callback_path()),
    }
}

/// `explain`: the env vars the policy produces and, per provider, what to set up in the IdP.
pub fn explain(policy: &Policy) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Policy {}: {} env variables on every target container",
        policy.source,
        policy.desired.len()
    );
    let _ = writeln!(
        out,
        "Targets: workloads {:?}, containers {:?}{}",
        policy.target.workloads.patterns,
        policy.target.containers.patterns,
        if policy.target.exclude.patterns.is_empty() {
            String::new()
        } else {
            format!(", excluding {:?}", policy.target.exclude.patterns)
        }
    );
    out.push('\n');
    for d in &policy.desired {
        let derived = if d.derived { "   (derived)" } else { "" };
        let _ = writeln!(
            out,
            "  {} = {}{derived}",
            d.name,
            shown(&d.value, d.option.secret)
        );
    }
    let mut secrets: Vec<(String, Vec<String>)> = Vec::new();
    for d in &policy.desired {
        if let Value::Secret { name, key } = &d.value {
            match secrets.iter_mut().find(|(n, _)| n == name) {
                Some((_, keys)) => keys.push(key.clone()),
                None => secrets.push((name.clone(), vec![key.clone()])),
            }
        }
    }
    if !secrets.is_empty() {
        out.push_str(
            "\nSecrets the render requires (in the release, or listed under [secrets] external):\n",
        );
        for (name, keys) in &secrets {
            let external = if policy.secrets.external.iter().any(|e| e.name == *name) {
                "   (external)"
            } else {
                ""
            };
            let _ = writeln!(out, "  Secret {name}: {}{external}", keys.join(", "));
        }
        // ClearML parses every value as HOCON, whatever its source: a Secret's value with `+`,
        // `=`, `#`, `@`, `!` or only digits must be stored quoted. Values outside the stream
        // cannot be checked, so say how to store them.
        out.push_str(
            "\nClearML parses each of these values as HOCON: store a value that is only digits, or has\n\
             characters other than letters, digits, `-`, `_`, `.`, `/`, `:`, quoted as a JSON string,\n\
             with no trailing newline, e.g.\n",
        );
        for (name, keys) in &secrets {
            let literals: Vec<String> = keys
                .iter()
                .map(|k| format!("--from-literal={k}='\"<value>\"'"))
                .collect();
            let _ = writeln!(
                out,
                "  kubectl create secret generic {name} {}",
                literals.join(" ")
            );
        }
    }
    for p in &policy.providers {
        let spec = p.spec;
        let _ = writeln!(
            out,
            "\n{} (`{}`, {}) — identity-provider checklist",
            spec.title,
            spec.key,
            spec.client.as_str()
        );
        let _ = writeln!(
            out,
            "  1. Register the callback (redirect) URL: {}",
            callback(policy, spec)
        );
        let _ = writeln!(out, "  2. Return these claims: {}", spec.claims);
        let mut steps: Vec<&str> = spec.setup.to_vec();
        let syncs_groups = p.settings.iter().any(|s| {
            s.option.name == "groups.enabled"
                && s.value == Value::Literal(crate::clearml_env::Literal::Bool(true))
        });
        if syncs_groups && !steps.iter().any(|s| s.contains("default_groups")) {
            steps.push(providers::GROUP_SYNC_STEP);
        }
        for (i, step) in steps.iter().enumerate() {
            let _ = writeln!(out, "  {}. {step}", i + 3);
        }
    }
    if !policy.sso.switches.is_empty() {
        let _ = writeln!(out, "\nMulti-tenant switches: {}", providers::GLOBAL_SETUP);
    }
    let tenant_login = policy
        .sso
        .switches
        .iter()
        .any(|(o, on)| o.name == "tenant_login" && *on);
    if tenant_login {
        let (name, value) = providers::WEBSERVER_PASSWORD_LOGIN;
        let _ = writeln!(
            out,
            "\nWebserver (not the apiserver): tenant_login needs {name}=\"{value}\" on the webserver container \
             (the chart's webserver.extraEnvs); this tool does not set it, and render warns (webserver-login) \
             when a workload named {} in the manifests lacks it.",
            providers::WEBSERVER_WORKLOADS.join(", ")
        );
    }
    out
}

/// `values`: the policy's env as `apiserver.extraEnvs` for `clearml-values.override.yaml`.
/// Refuses (like `render`) when a credential is a literal under `plaintext_secrets = "deny"`:
/// the values file would carry it in clear.
pub fn values(policy: &Policy) -> Result<String, Box<crate::report::Finding>> {
    let literal = policy
        .desired
        .iter()
        .find(|d| d.option.secret && matches!(d.value, Value::Literal(_)));
    if let (Some(d), crate::policy::Plaintext::Deny) = (literal, policy.enforce.plaintext_secrets) {
        return Err(Box::new(crate::report::Finding::new(
            crate::report::PLAINTEXT_SECRET,
            format!("{} is a literal value; a values file would carry it in clear", d.label),
        )
        .help(format!(
            "reference a Secret ({} = {{ secret = \"NAME\", key = \"KEY\" }}) or set [enforce] plaintext_secrets = \"allow\"",
            d.option.name
        ))));
    }
    let entries: Vec<Node> = policy
        .desired
        .iter()
        .map(|d| desired_entry(&d.name, &d.value))
        .collect();
    let doc = Node::map(vec![(
        "apiserver",
        Node::map(vec![("extraEnvs", Node::seq(entries))]),
    )]);
    let mut out = format!(
        "# apiserver.extraEnvs for clearml-values.override.yaml, from {} (clearml-sso values).\n\
         # Without the post-renderer nothing checks these at install time: keep the Secrets they\n\
         # read in place, and prefer running clearml-sso as the post-renderer.\n",
        policy.source
    );
    out.push_str(&yaml::emit(
        &doc,
        Layout {
            indent: 2,
            indent_sequences: true,
        },
    ));
    Ok(out)
}

/// A TOML array of strings.
fn toml_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("\"{i}\"")).collect();
    format!("[{}]", quoted.join(", "))
}

/// A choice table's names as `"a" | "b"`.
fn alternatives<T>(choices: &[(&str, T)]) -> String {
    let names: Vec<String> = choices.iter().map(|(n, _)| format!("\"{n}\"")).collect();
    names.join(" | ")
}

/// `init` asked for a provider key the catalogue does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownProvider {
    /// The key as given.
    pub key: String,
    /// The nearest key the catalogue has.
    pub nearest: Option<&'static str>,
}

impl std::fmt::Display for UnknownProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown provider `{}`", self.key)?;
        if let Some(help) = providers::alias_help(&self.key) {
            write!(f, " ({help})")?;
        } else if let Some(n) = self.nearest {
            write!(f, " (did you mean `{n}`?)")?;
        }
        write!(f, "; one of: {}", providers::keys_line())
    }
}

impl std::error::Error for UnknownProvider {}

/// `init PROVIDER`: a commented starter policy. `Err` names the valid providers.
///
/// Everything in it comes from the catalogue (inputs, required and optional options, example
/// values) and from the policy parser's defaults, so the starter cannot drift from what
/// [`crate::policy::parse`] accepts and assumes.
pub fn init(key: &str) -> Result<String, UnknownProvider> {
    let Some(p) = providers::provider(key) else {
        return Err(UnknownProvider {
            key: key.to_string(),
            nearest: policy::nearest(key, providers::keys()),
        });
    };
    let target = Target::default();
    let credentials: Vec<&str> = providers::options(p.client)
        .iter()
        .filter(|o| o.secret)
        .map(|o| o.name)
        .collect();
    let enforce = Enforce::default();
    let line = |setting: String, comment: &str| format!("{setting:<29} # {comment}\n");
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# clearml-sso policy: {} single sign-on for the ClearML apiserver.",
        p.title
    );
    let _ = writeln!(out, "# Generated by `clearml-sso init {key}`. Check it with `clearml-sso explain --policy FILE`.");
    out.push_str("version = 1\n\n[target]\n");
    out += &line(
        format!("workloads  = {}", toml_list(&target.workloads.patterns)),
        "globs on metadata.name: the apiserver, not clearml-apiserver-asyncdelete",
    );
    out += &line(
        format!("containers = {}", toml_list(&target.containers.patterns)),
        "globs on spec.containers[].name: `clearml` is the apiserver's in chart 2.0-4.4 (init containers are never touched)",
    );
    let _ = writeln!(
        out,
        "exclude    = {}\n",
        toml_list(&target.exclude.patterns)
    );
    out.push_str("[enforce]\n");
    out += &line(
        format!(
            "mode = \"{}\"",
            policy::choice_name(policy::MODES, enforce.mode)
        ),
        &format!(
            "{} (\"audit\": change nothing, fail on any drift)",
            alternatives(policy::MODES)
        ),
    );
    out += &line(
        format!(
            "plaintext_secrets = \"{}\"",
            policy::choice_name(policy::PLAINTEXT_CHOICES, enforce.plaintext_secrets)
        ),
        &if credentials.is_empty() {
            "credentials must come from a Secret".to_string()
        } else {
            format!("{} must come from a Secret", credentials.join(", "))
        },
    );
    out += &line(
        format!(
            "unknown_providers = \"{}\"",
            policy::choice_name(policy::UNKNOWN_PROVIDERS_CHOICES, enforce.unknown_providers)
        ),
        &format!(
            "SSO variables of other providers: {}",
            alternatives(policy::UNKNOWN_PROVIDERS_CHOICES)
        ),
    );
    out += &line(
        format!(
            "warnings = \"{}\"",
            policy::choice_name(policy::WARNINGS_CHOICES, enforce.warnings)
        ),
        &format!(
            "{} (\"deny\": any warning fails the render)",
            alternatives(policy::WARNINGS_CHOICES)
        ),
    );
    out.push_str("\n[secrets]\n");
    let external: Vec<String> = SecretsPolicy::default()
        .external
        .iter()
        .map(|e| e.name.clone())
        .collect();
    out += &line(
        format!("external = {}", toml_list(&external)),
        &format!("Secrets created outside the Helm release, e.g. [\"{INIT_SECRET}\"]"),
    );
    out.push('\n');
    let _ = writeln!(
        out,
        "# Register {} in the identity provider.",
        p.callback_path()
    );
    let _ = writeln!(out, "[providers.{key}]");
    let derived: Vec<&str> = p.derived_options().collect();
    for name in p.required.iter().filter(|n| !derived.contains(n)) {
        let option = p.option(name).expect("catalogue is consistent");
        let credential = option.section == Section::Secure
            && p.client == Client::OAuth
            && !p.examples.iter().any(|(n, _)| n == name);
        let setting = if credential {
            format!("{name} = {{ secret = \"{INIT_SECRET}\", key = \"{key}_{name}\" }}")
        } else {
            format!("{name} = {}", p.example(name))
        };
        let _ = writeln!(out, "{setting:<60} # {}", option.about);
    }
    if !p.inputs.is_empty() {
        let _ = writeln!(out, "# {} derived from:", derived.join(", "));
        for input in p.inputs {
            let setting = format!("{} = {}", input.name, p.example(input.name));
            let _ = writeln!(out, "{setting:<60} # {}", input.about);
        }
    }
    if !p.optional.is_empty() {
        out.push_str("# Optional:\n");
        for name in p.optional {
            let option = p.option(name).expect("catalogue is consistent");
            let setting = format!("# {name} = {}", p.example(name));
            let _ = writeln!(out, "{setting:<60} # {}", option.about);
        }
    }
    Ok(out)
}

/// The Secret `init` points OAuth credentials at.
pub const INIT_SECRET: &str = "clearml-sso";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_starter_policy_is_a_valid_policy() {
        for p in providers::PROVIDERS {
            let text = init(p.key).unwrap();
            let policy = crate::policy::parse(&text, "init")
                .unwrap_or_else(|e| panic!("{}:\n{e}\n{text}", p.key));
            assert_eq!(policy.providers[0].spec.key, p.key);
            // What it writes is what the parser assumes when the tables are left out.
            let bare = crate::policy::parse(
                &format!(
                    "version = 1\n[providers.{}]\n{}",
                    p.key,
                    provider_table(&text)
                ),
                "bare",
            )
            .unwrap_or_else(|e| panic!("{}:\n{e}", p.key));
            assert_eq!(policy.enforce, bare.enforce, "{}", p.key);
            assert_eq!(
                policy.target.workloads.patterns,
                bare.target.workloads.patterns
            );
            assert_eq!(
                policy.target.containers.patterns,
                bare.target.containers.patterns
            );
            assert_eq!(policy.target.exclude.patterns, bare.target.exclude.patterns);
            assert_eq!(policy.secrets.external, bare.secrets.external);
            assert_eq!(policy.desired, bare.desired, "{}", p.key);
            // Every required option is set or derived.
            for name in p.required {
                assert!(
                    policy.providers[0]
                        .settings
                        .iter()
                        .any(|s| s.option.name == *name),
                    "{}: {name}",
                    p.key
                );
            }
            // Uncommenting every optional option still gives a valid policy.
            let all: Vec<String> = text
                .lines()
                .map(
                    |l| match l.strip_prefix("# ").and_then(|r| r.split_once(" = ")) {
                        Some((name, _))
                            if name
                                .chars()
                                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.') =>
                        {
                            l[2..].to_string()
                        }
                        _ => l.to_string(),
                    },
                )
                .collect();
            let all = all.join("\n");
            crate::policy::parse(&all, "init")
                .unwrap_or_else(|e| panic!("{} with optional options:\n{e}\n{all}", p.key));
        }
    }

    /// The lines of the starter below its `[providers.KEY]` header.
    fn provider_table(text: &str) -> String {
        let start = text.find("[providers.").unwrap();
        let body = &text[start..];
        body[body.find('\n').unwrap() + 1..].to_string()
    }

    #[test]
    fn starter_and_values_snapshots() {
        insta::assert_snapshot!("init_keycloak", init("keycloak").unwrap());
        insta::assert_snapshot!("init_microsoft_ad", init("microsoft_ad").unwrap());
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/policies/keycloak.toml"
        ))
        .unwrap();
        let policy = crate::policy::parse(&text, "policies/keycloak.toml").unwrap();
        insta::assert_snapshot!("values_keycloak", values(&policy).unwrap());
    }

    #[test]
    fn unknown_provider_suggests() {
        assert!(init("keycloack")
            .unwrap_err()
            .to_string()
            .contains("did you mean `keycloak`?"));
        let e = init("entra").unwrap_err().to_string();
        assert!(
            e.starts_with("unknown provider `entra` (ClearML's key is `azure_ad`"),
            "{e}"
        );
    }

    #[test]
    fn explain_says_how_to_store_secret_values() {
        let policy = crate::policy::parse(
            "version = 1\n[providers.google]\nclient_id = { secret = \"s\", key = \"id\" }\nclient_secret = { secret = \"s\", key = \"secret\" }\n",
            "p.toml",
        )
        .unwrap();
        let text = explain(&policy);
        assert!(
            text.contains("kubectl create secret generic s --from-literal=id='\"<value>\"' --from-literal=secret='\"<value>\"'"),
            "{text}"
        );
    }

    #[test]
    fn explain_never_shows_a_literal_credential() {
        let policy = crate::policy::parse(
            "version = 1\n[enforce]\nplaintext_secrets = \"allow\"\n[sso]\nwebapp = \"https://app.example.com/\"\n[providers.google]\nclient_id = \"id-1\"\nclient_secret = \"hunter2-secret\"\n",
            "p.toml",
        )
        .unwrap();
        let text = explain(&policy);
        assert!(!text.contains("hunter2-secret"), "{text}");
        assert!(
            text.contains("https://app.example.com/callback_google"),
            "{text}"
        );
        insta::assert_snapshot!(text);
    }
}
