//! What a policy means, for people: `explain` (the env vars it produces and the
//! identity-provider checklist), `values` (the same settings as Helm `apiserver.extraEnvs`)
//! and `init` (a commented starter policy per provider). All three read the catalogue.

use crate::plan::desired_entry;
use crate::policy::{Policy, Value};
use crate::providers::{self, Kind, Provider};
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
        for (i, step) in spec.setup.iter().enumerate() {
            let _ = writeln!(out, "  {}. {step}", i + 3);
        }
    }
    if !policy.sso.switches.is_empty() {
        out.push_str("\nMulti-tenant switches: tenant_login users sign in at <webapp>/login/<tenant>; the webserver also needs WEBSERVER__onlyPasswordLogin=\"true\".\n");
    }
    out
}

/// `values`: the policy's env as `apiserver.extraEnvs` for `clearml-values.override.yaml`.
/// Refuses (like `render`) when a credential is a literal under `plaintext_secrets = "deny"`:
/// the values file would carry it in clear.
pub fn values(policy: &Policy) -> Result<String, String> {
    let literal = policy
        .desired
        .iter()
        .find(|d| d.option.secret && matches!(d.value, Value::Literal(_)));
    if let (Some(d), crate::policy::Plaintext::Deny) = (literal, policy.enforce.plaintext_secrets) {
        return Err(format!(
            "error[plaintext-secret]: {} is a literal value; a values file would carry it in clear\n  help: reference a Secret ({} = {{ secret = \"NAME\", key = \"KEY\" }}) or set [enforce] plaintext_secrets = \"allow\"",
            d.label, d.option.name
        ));
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

fn example(kind: Kind, name: &str, client: providers::Client) -> &'static str {
    if client == providers::Client::Saml && name.starts_with("claims.") {
        return "\"...\""; // SAML claims are attribute names or URIs the IdP sends
    }
    match (kind, name) {
        (Kind::Bool, _) => "true",
        (Kind::List, _) => "[\"clearml-admins\"]",
        (_, "default_company") => "\"d1bd92a3b039400cbafc60a7a5b1e52b\"",
        (_, "code_challenge_method") => "\"S256\"",
        (_, "claims.name") => "\"preferred_username\"",
        (_, "groups.claim") => "\"groups\"",
        _ => "\"...\"",
    }
}

/// `init PROVIDER`: a commented starter policy. `Err` names the valid providers.
pub fn init(key: &str) -> Result<String, String> {
    let Some(p) = providers::provider(key) else {
        let keys: Vec<&str> = providers::PROVIDERS.iter().map(|p| p.key).collect();
        let hint = crate::policy::nearest(key, keys.iter().copied())
            .map(|n| format!(" (did you mean `{n}`?)"))
            .unwrap_or_default();
        return Err(format!(
            "unknown provider `{key}`{hint}; one of: {}",
            keys.join(", ")
        ));
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# clearml-sso policy: {} single sign-on for the ClearML apiserver.",
        p.title
    );
    let _ = writeln!(out, "# Generated by `clearml-sso init {key}`. Check it with `clearml-sso explain --policy FILE`.");
    out.push_str(
        "version = 1\n\n\
         [target]\n\
         workloads  = [\"*apiserver\"]   # globs on metadata.name: the apiserver, not clearml-apiserver-asyncdelete\n\
         containers = [\"*apiserver\"]   # globs on spec.containers[].name (init containers are never touched)\n\
         exclude    = []\n\n\
         [enforce]\n\
         mode = \"fix\"                  # \"audit\": change nothing, fail on any drift\n\
         plaintext_secrets = \"deny\"    # client_secret must come from a Secret\n\
         unknown_providers = \"warn\"    # SSO variables of other providers: \"warn\" | \"deny\" | \"remove\"\n\n\
         [secrets]\n\
         external = []                 # Secrets created outside the Helm release, e.g. [\"clearml-sso\"]\n\n",
    );
    let _ = writeln!(
        out,
        "# Register {} in the identity provider.",
        p.callback_path()
    );
    let _ = writeln!(out, "[providers.{key}]");
    let derived: Vec<&str> = p.derived.iter().map(|(o, _)| *o).collect();
    for name in p.required.iter().filter(|n| !derived.contains(n)) {
        let option = p.option(name).expect("catalogue is consistent");
        let line = match p.examples.iter().find(|(n, _)| n == name) {
            Some((_, v)) => format!("{name} = \"{v}\""),
            None if option.section == providers::Section::Secure
                && p.client == providers::Client::OAuth =>
            {
                format!("{name} = {{ secret = \"clearml-sso\", key = \"{key}_{name}\" }}")
            }
            None => format!("{name} = {}", example(option.kind, name, p.client)),
        };
        let _ = writeln!(out, "{line:<60} # {}", option.about);
    }
    if !p.inputs.is_empty() {
        let _ = writeln!(out, "# {} derived from:", derived.join(", "));
        for input in p.inputs {
            let value = p
                .examples
                .iter()
                .find(|(n, _)| *n == input.name)
                .map(|(_, v)| *v)
                .or(input.default)
                .unwrap_or("...");
            let _ = writeln!(
                out,
                "{:<60} # {}",
                format!("{} = \"{value}\"", input.name),
                input.about
            );
        }
    }
    if !p.optional.is_empty() {
        out.push_str("# Optional:\n");
        for name in p.optional {
            let option = p.option(name).expect("catalogue is consistent");
            let _ = writeln!(
                out,
                "{:<60} # {}",
                format!("# {name} = {}", example(option.kind, name, p.client)),
                option.about
            );
        }
    }
    Ok(out)
}

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
            .contains("did you mean `keycloak`?"));
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
