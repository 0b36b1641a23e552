//! What a policy means, for people: `explain` (the env vars it produces and the
//! identity-provider checklist), `values` (the same settings as Helm `apiserver.extraEnvs`)
//! and `init` (a commented starter policy per provider). All three read the catalogue.
//!
//! They read the policy and the catalogue only, never manifests. `explain` must never show a
//! credential's value: one written as a literal is shown as `<literal value, not shown>`, a
//! reference as the Secret and key it names (`shown` decides). `values` writes the settings
//! as `render` would apply them, so it first refuses what `render` refuses ([`check`]), a
//! literal credential under `plaintext_secrets = "deny"` included.

use crate::catalogue::{self, Client, Provider, Section};
use crate::clearml::values;
use crate::correct::desired_entry;
use crate::policy::{self, Enforce, Policy, SecretsPolicy, Target, Value};
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
        Some(web) => catalogue::callback_url(web, provider.key),
        None => format!("<clearml webapp address>{}", provider.callback_path()),
    }
}

/// Validates the policy exactly as `render` does before it reads any manifest: `Err` holds
/// what `render` would refuse whatever the chart (the parser's checks have passed already).
pub fn check(policy: &Policy) -> Result<(), Vec<crate::report::Finding>> {
    // Judged by the sink, as in `render`: severity is decided in one place.
    let mut sink = crate::report::Sink::new(&policy.enforce);
    for f in crate::policy::policy_refusals(policy) {
        sink.push(f);
    }
    if sink.has_errors() {
        Err(sink.into_findings())
    } else {
        Ok(())
    }
}

/// `explain`: the env vars the policy produces and, per provider, what to set up in the IdP.
/// `Err`: what `render` would refuse in the policy ([`check`]); nothing is explained then.
pub fn explain(policy: &Policy) -> Result<String, Vec<crate::report::Finding>> {
    check(policy)?;
    let mut out = String::new();
    // A draft (`policy::parse_draft`): what is still to fill in comes first, as the to-do
    // list the rest of the explanation is read against.
    if !policy.placeholders.is_empty() {
        let _ = writeln!(
            out,
            "Still to fill in ({}): every command but explain refuses this policy until then.",
            policy.placeholders.len()
        );
        out.push_str(&policy.placeholders_text());
        out.push('\n');
    }
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
    out.push_str(&stored_objects(policy));
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
                && s.value == Value::Literal(crate::clearml::values::Literal::Bool(true))
        });
        if syncs_groups && !steps.iter().any(|s| s.contains("default_groups")) {
            steps.push(catalogue::GROUP_SYNC_STEP);
        }
        for (i, step) in steps.iter().enumerate() {
            let _ = writeln!(out, "  {}. {step}", i + 3);
        }
    }
    if !policy.sso.switches.is_empty() {
        let _ = writeln!(out, "\nMulti-tenant switches: {}", catalogue::GLOBAL_SETUP);
    }
    let tenant_login = policy
        .sso
        .switches
        .iter()
        .any(|(o, on)| o.name == "tenant_login" && *on);
    if tenant_login {
        let (name, value) = catalogue::WEBSERVER_PASSWORD_LOGIN;
        let _ = writeln!(
            out,
            "\nWebserver (not the apiserver): tenant_login needs {name}=\"{value}\" on the webserver container \
             (the chart's webserver.extraEnvs); this tool does not set it, and render warns (webserver-login) \
             when a workload named {} in the manifests lacks it.",
            catalogue::WEBSERVER_WORKLOADS.join(", ")
        );
    }
    Ok(out)
}

/// One Secret or ConfigMap the policy reads: kind, name, and each key with the option label
/// it serves (`keycloak.client_secret`), in policy order.
struct Stored<'p> {
    kind: &'static str,
    name: &'p str,
    keys: Vec<(&'p str, &'p str)>,
}

/// The Secrets and ConfigMaps the policy reads, grouped by object.
fn stored(policy: &Policy) -> Vec<Stored<'_>> {
    let mut out: Vec<Stored> = Vec::new();
    for d in &policy.desired {
        let (kind, name, key) = match &d.value {
            Value::Secret { name, key } => ("Secret", name, key),
            Value::ConfigMap { name, key } => ("ConfigMap", name, key),
            Value::Literal(_) => continue,
        };
        match out.iter_mut().find(|s| s.kind == kind && s.name == name) {
            Some(s) if !s.keys.iter().any(|(k, _)| k == key) => s.keys.push((key, &d.label)),
            Some(_) => {}
            None => out.push(Stored {
                kind,
                name,
                keys: vec![(key, &d.label)],
            }),
        }
    }
    out
}

/// `explain`'s section on the Secrets (and ConfigMaps) the policy reads: where the render
/// looks for each, the `kubectl create` line that makes one outside the release (placeholders,
/// never values), and how to write a value so that ClearML's HOCON parser reads it as written.
/// Empty when the policy reads none.
pub fn stored_objects(policy: &Policy) -> String {
    let objects = stored(policy);
    if objects.is_empty() {
        return String::new();
    }
    let kinds = if objects.iter().all(|o| o.kind == "Secret") {
        "Secrets"
    } else {
        "Secrets and ConfigMaps"
    };
    let mut out = format!(
        "\n{kinds} the render requires (in the release, or listed under [secrets] external):\n"
    );
    for o in &objects {
        // A pinned entry (`NAME/KEY`) vouches for its key only.
        let covered = |key: &str| {
            policy
                .secrets
                .external
                .iter()
                .any(|e| e.covers(o.name, Some(key)))
        };
        let keys: Vec<&str> = o.keys.iter().map(|(k, _)| *k).collect();
        let uncovered: Vec<&str> = keys.iter().copied().filter(|k| !covered(k)).collect();
        let status = if uncovered.is_empty() {
            "external: create it before installing".to_string()
        } else if uncovered.len() == keys.len() {
            "not under [secrets] external: the release must create it".to_string()
        } else {
            format!(
                "external for some keys only: the release must provide {}",
                uncovered.join(", ")
            )
        };
        let _ = writeln!(
            out,
            "  {} {}: {}   ({status})",
            o.kind,
            o.name,
            keys.join(", ")
        );
    }
    out.push_str(
        "\nTo create them outside the release, in the release's namespace (helm --namespace),\n\
         replacing each <…> with the value, inside the double quotes:\n",
    );
    for o in &objects {
        let literals: Vec<String> = o
            .keys
            .iter()
            .map(|(k, label)| format!("--from-literal={k}='\"<{label}>\"'"))
            .collect();
        let _ = writeln!(
            out,
            "  kubectl create {} {} -n <namespace> {}",
            // `kubectl create secret` has types (generic, tls…); `create configmap` has none.
            if o.kind == "Secret" {
                "secret generic"
            } else {
                "configmap"
            },
            o.name,
            literals.join(" ")
        );
    }
    // ClearML parses every value as HOCON, whatever its source; values outside the stream
    // cannot be checked, so say how to store them (the rule is clearml_env's).
    let forbidden: String = values::UNQUOTED_FORBIDDEN
        .iter()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join(" ");
    let _ = write!(
        out,
        "\nClearML parses each value as HOCON. Store it quoted, as above: \"…\" with a \" inside written\n\
         \\\", a \\ written \\\\, and no trailing newline (in the shell, keep the single quotes; a ' inside is\n\
         written '\\''). Unquoted, a value reads as written only when it is plain ASCII with no whitespace\n\
         or control character, no `//` outside `://`, none of {forbidden}, and is not a number\n\
         (123, 1e3), a duration (5s, 10 minutes) or one of {} (any case).\n",
        values::KEYWORDS.join(" ")
    );
    out
}

/// `values`: the policy's env as `apiserver.extraEnvs` for `clearml-values.override.yaml`.
/// Refuses what `render` refuses in any manifests ([`check`]): a values file would carry a
/// literal credential in clear, or a placeholder.
pub fn values(policy: &Policy) -> Result<String, Vec<crate::report::Finding>> {
    check(policy)?;
    let doc = Node::map(vec![(
        "apiserver",
        Node::map(vec![("extraEnvs", Node::seq(policy_entries(policy)))]),
    )]);
    // Helm merges maps key by key but replaces a list given again: this list, layered after
    // the user's values file, is all `apiserver.extraEnvs` holds (issue 18: TZ and the e-mail
    // allow-list vanished). `--merge-with` writes the whole list instead.
    let mut out = format!(
        "# apiserver.extraEnvs for clearml-values.override.yaml, from {} (clearml-sso values).\n\
         # Helm replaces lists: given after your values file, this list REPLACES your own\n\
         # apiserver.extraEnvs (TZ, the e-mail allow-list...). To keep them, write the whole list\n\
         # with: clearml-sso values --merge-with YOUR-VALUES.yaml\n\
         # Without the post-renderer nothing checks these at install time: keep the Secrets they\n\
         # read in place, and prefer running clearml-sso as the post-renderer.\n",
        crate::report::escape_control(&policy.source)
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

/// The policy's settings as env entries, in the policy's order, as `render` writes them.
pub fn policy_entries(policy: &Policy) -> Vec<Node> {
    policy
        .desired
        .iter()
        .map(|d| desired_entry(&d.name, &d.value))
        .collect()
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
        if let Some(help) = catalogue::alias_help(&self.key) {
            write!(f, " ({help})")?;
        } else if let Some(n) = self.nearest {
            write!(f, " (did you mean `{n}`?)")?;
        }
        write!(f, "; one of: {}", catalogue::keys_line())
    }
}

impl std::error::Error for UnknownProvider {}

/// `init PROVIDER…`: a commented starter policy for one or more providers. `Err` names the
/// valid providers, or the key given twice.
///
/// Everything in it comes from the catalogue (inputs, required and optional options, example
/// values) and from the policy parser's defaults, so the starter cannot drift from what
/// [`crate::policy::parse`] accepts and assumes. The credentials it reads come from Secret
/// [`INIT_SECRET`], listed under `[secrets] external`: the public chart does not create it, so
/// the first render succeeds once that Secret exists (`explain` prints the `kubectl` line).
pub fn init<S: AsRef<str>>(keys: &[S]) -> Result<String, InitError> {
    let mut specs: Vec<&'static Provider> = Vec::new();
    for key in keys.iter().map(AsRef::as_ref) {
        let Some(p) = catalogue::provider(key) else {
            return Err(InitError::Unknown(UnknownProvider {
                key: key.to_string(),
                nearest: policy::nearest(key, catalogue::keys()),
            }));
        };
        if specs.iter().any(|s| s.key == p.key) {
            return Err(InitError::Repeated(p.key.to_string()));
        }
        specs.push(p);
    }
    if specs.is_empty() {
        return Err(InitError::Unknown(UnknownProvider {
            key: String::new(),
            nearest: None,
        }));
    }
    let titles: Vec<&str> = specs.iter().map(|p| p.title).collect();
    let key_list: Vec<&str> = specs.iter().map(|p| p.key).collect();
    let target = Target::default();
    // The option names each provider reads from the Secret (its credentials without an
    // example value), and whether any does.
    let from_secret = |p: &Provider| -> Vec<&'static str> {
        p.required
            .iter()
            .filter(|n| !p.derived_options().any(|d| d == **n))
            .filter(|n| {
                p.option(n).is_some_and(|o| {
                    o.section == Section::Secure
                        && p.client == Client::OAuth
                        && !p.examples.iter().any(|(e, _)| e == *n)
                })
            })
            .copied()
            .collect()
    };
    let reads_secret = specs.iter().any(|p| !from_secret(p).is_empty());
    let credentials: Vec<&str> = {
        let mut names: Vec<&str> = Vec::new();
        for p in &specs {
            for o in catalogue::options(p.client).iter().filter(|o| o.secret) {
                if !names.contains(&o.name) {
                    names.push(o.name);
                }
            }
        }
        names
    };
    let enforce = Enforce::default();
    let line = |setting: String, comment: &str| format!("{setting:<29} # {comment}\n");
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# clearml-sso policy: {} single sign-on for the ClearML apiserver.",
        titles.join(" and ")
    );
    let _ = writeln!(
        out,
        "# Generated by `clearml-sso init {}`. Next: `clearml-sso explain --policy FILE`{}.",
        key_list.join(" "),
        if reads_secret {
            " prints the `kubectl create secret` line for the Secret it reads and the identity-provider steps"
        } else {
            " prints the identity-provider steps"
        }
    );
    if specs.iter().any(|p| !p.examples.is_empty()) {
        out.push_str("# Fill in every value written <like-this>: until then every command but `explain` refuses the policy.\n");
    }
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
    if reads_secret {
        out += &line(
            format!("external = [\"{INIT_SECRET}\"]"),
            "Secrets created outside the Helm release (the public chart creates none for SSO); drop it if your release creates it",
        );
    } else {
        let external: Vec<String> = SecretsPolicy::default()
            .external
            .iter()
            .map(|e| e.name.clone())
            .collect();
        out += &line(
            format!("external = {}", toml_list(&external)),
            &format!("Secrets created outside the Helm release, e.g. [\"{INIT_SECRET}\"]"),
        );
    }
    for p in &specs {
        provider_starter(&mut out, p, &from_secret(p));
    }
    Ok(out)
}

/// One `[providers.KEY]` table of a starter policy; `from_secret` are the options read from
/// Secret [`INIT_SECRET`] under key `KEY_OPTION` (unique across providers).
fn provider_starter(out: &mut String, p: &Provider, from_secret: &[&str]) {
    let key = p.key;
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
        let setting = if from_secret.contains(name) {
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
}

/// Why `init` wrote nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InitError {
    /// A key the catalogue does not have.
    Unknown(UnknownProvider),
    /// The same provider asked for twice (one policy holds one table per provider).
    Repeated(String),
}

impl std::fmt::Display for InitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InitError::Unknown(u) => u.fmt(f),
            InitError::Repeated(key) => write!(
                f,
                "provider `{key}` is given twice; a policy has one [providers.{key}] table"
            ),
        }
    }
}

impl std::error::Error for InitError {}

/// The Secret `init` points OAuth credentials at.
pub const INIT_SECRET: &str = "clearml-sso";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_starter_policy_is_a_valid_policy() {
        for p in catalogue::PROVIDERS {
            let text = init(&[p.key]).unwrap();
            let policy = crate::policy::parse_draft(&text, "init")
                .unwrap_or_else(|e| panic!("{}:\n{e}\n{text}", p.key));
            // It cannot go live unedited: every value the user must write is a placeholder
            // that `parse` refuses, at its line; a starter with nothing to fill in (Google:
            // only the Secret's credentials) parses as it is.
            let lines: Vec<&str> = text.lines().collect();
            match crate::policy::parse(&text, "init") {
                Ok(_) => assert!(policy.placeholders.is_empty(), "{}", p.key),
                Err(e) => {
                    assert_eq!(e.problems, policy.placeholders, "{}", p.key);
                    for problem in &e.problems {
                        let line = lines[problem.line - 1];
                        assert!(
                            line[problem.column - 1..].contains('<'),
                            "{}: {line}",
                            p.key
                        );
                        assert!(
                            problem
                                .help
                                .as_deref()
                                .is_some_and(|h| h.starts_with("fill in the ")),
                            "{problem:?}"
                        );
                    }
                }
            }
            assert_eq!(
                policy.placeholders.is_empty(),
                p.examples.iter().all(|(_, v)| !v.contains('<')),
                "{}",
                p.key
            );
            assert_eq!(policy.providers[0].spec.key, p.key);
            // What it writes is what the parser assumes when the tables are left out.
            let bare = crate::policy::parse_draft(
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
            // The Secret the starter reads is declared external (the public chart does not
            // create it); a starter that reads none declares none.
            let reads: Vec<&str> = policy
                .desired
                .iter()
                .filter_map(|d| match &d.value {
                    Value::Secret { name, .. } => Some(name.as_str()),
                    _ => None,
                })
                .collect();
            let external: Vec<&str> = policy
                .secrets
                .external
                .iter()
                .map(|e| e.name.as_str())
                .collect();
            if reads.is_empty() {
                assert_eq!(policy.secrets.external, bare.secrets.external);
            } else {
                assert!(reads.iter().all(|r| *r == INIT_SECRET), "{}", p.key);
                assert_eq!(external, [INIT_SECRET], "{}", p.key);
            }
            assert!(
                policy.notes.is_empty(),
                "{}: {}",
                p.key,
                policy.notes_text()
            );
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
            crate::policy::parse_draft(&all, "init")
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
        insta::assert_snapshot!("init_keycloak", init(&["keycloak"]).unwrap());
        insta::assert_snapshot!("init_microsoft_ad", init(&["microsoft_ad"]).unwrap());
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
        assert!(init(&["keycloack"])
            .unwrap_err()
            .to_string()
            .contains("did you mean `keycloak`?"));
        let e = init(&["entra"]).unwrap_err().to_string();
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
        let text = explain(&policy).unwrap();
        assert!(
            text.contains("kubectl create secret generic s -n <namespace> --from-literal=id='\"<google.client_id>\"' --from-literal=secret='\"<google.client_secret>\"'\n"),
            "{text}"
        );
        let policy = crate::policy::parse(
            "version = 1\n[providers.keycloak]\nclient_id = { configmap = \"idp\", key = \"id\" }\nclient_secret = { secret = \"s\", key = \"secret\" }\nurl = \"https://sso.acme.test\"\nrealm = \"r\"\n",
            "p.toml",
        )
        .unwrap();
        let both = explain(&policy).unwrap();
        assert!(
            both.contains(
                "  Secret s: secret   (not under [secrets] external: the release must create it)\n"
            ),
            "{both}"
        );
        let pinned = crate::policy::parse(
            "version = 1\n[secrets]\nexternal = [\"s/id\"]\n[providers.google]\nclient_id = { secret = \"s\", key = \"id\" }\nclient_secret = { secret = \"s\", key = \"secret\" }\n",
            "p.toml",
        )
        .unwrap();
        let pinned = explain(&pinned).unwrap();
        assert!(
            pinned.contains("  Secret s: id, secret   (external for some keys only: the release must provide secret)\n"),
            "{pinned}"
        );
        assert!(
            both.contains("\n  kubectl create configmap idp -n <namespace> --from-literal=id='\"<keycloak.client_id>\"'\n"),
            "{both}"
        );
        assert!(
            both.contains("\nSecrets and ConfigMaps the render requires"),
            "{both}"
        );
        // The characters named are the ones the writer quotes for.
        for c in values::UNQUOTED_FORBIDDEN {
            assert!(
                text.contains(&format!(" {c} ")) || text.contains(&format!(" {c},")),
                "{c}: {text}"
            );
        }
    }

    #[test]
    fn explain_never_shows_a_literal_credential() {
        let policy = crate::policy::parse(
            "version = 1\n[enforce]\nplaintext_secrets = \"allow\"\n[sso]\nwebapp = \"https://app.acme.test/\"\n[providers.google]\nclient_id = \"id-1\"\nclient_secret = \"hunter2-secret\"\n",
            "p.toml",
        )
        .unwrap();
        let text = explain(&policy).unwrap();
        assert!(!text.contains("hunter2-secret"), "{text}");
        assert!(
            text.contains("https://app.acme.test/callback_google"),
            "{text}"
        );
        insta::assert_snapshot!(text);
    }
}
