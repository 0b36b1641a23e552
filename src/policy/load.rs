//! Reading a policy file: [`parse`] walks the root tables (`version`, `[target]`,
//! `[enforce]`, `[secrets]`, `[sso]`, `[providers]`), hands each provider table to
//! `provider_table`, and, when nothing is wrong, works out what the policy wants on every
//! target container (`Policy::desired`) and its warnings (`[secrets] external` entries it
//! never reads).
//!
//! Every problem in the file is reported, not only the first, each at its place. It must not
//! yield a `Policy` from a file with any problem (a placeholder is one, except to
//! [`parse_draft`], which lists them in `Policy::placeholders`), nor read anything but the
//! policy text.

use super::glob::Globs;
use super::loader::{input_error, table, type_name, Loader};
use super::provider_table::load_provider;
use super::suggest::{did_you_mean, nearest};
use super::{
    default_kinds, CheckScope, ConfigFilesPolicy, Desired, Enforce, External, Policy, PolicyError,
    Problem, SecretsPolicy, SsoPolicy, Target, TrustedEnvFrom, Value, CHECK_CHOICES, MODES,
    PLAINTEXT_CHOICES, UNKNOWN_PROVIDERS_CHOICES, WARNINGS_CHOICES,
};
use crate::catalogue;
use crate::clearml::{names, values::Literal};
use std::ops::Range;
use toml_edit::Item;

const ROOT_KEYS: &[&str] = &[
    "version",
    "target",
    "enforce",
    "secrets",
    "config_files",
    "sso",
    "providers",
];
const CONFIG_FILES_KEYS: &[&str] = &["trust_unseen"];
const TARGET_KEYS: &[&str] = &["workloads", "containers", "exclude", "kinds"];
const ENFORCE_KEYS: &[&str] = &["mode", "plaintext_secrets", "unknown_providers", "warnings"];
const SECRETS_KEYS: &[&str] = &[
    "external",
    "placeholders",
    "check",
    "trust_unseen_sources",
    "trust_env_from",
];

/// Parses and validates a policy. `source` names the file in messages. A placeholder (a value
/// still to fill in, see `placeholder`) is an error like any other.
pub fn parse(text: &str, source: &str) -> Result<Policy, PolicyError> {
    parse_with(text, source, false)
}

/// [`parse`] for a policy still being written (`explain` on an edited starter): every other
/// problem is an error, but placeholders load, listed in `Policy::placeholders`, and the URLs
/// derived from a placeholder input hold it as written. Such a policy must never be rendered.
pub fn parse_draft(text: &str, source: &str) -> Result<Policy, PolicyError> {
    parse_with(text, source, true)
}

fn parse_with(text: &str, source: &str, draft: bool) -> Result<Policy, PolicyError> {
    let fail = |problems| PolicyError {
        source: source.to_string(),
        problems,
    };
    let doc = match toml_edit::Document::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            let mut l = Loader {
                text,
                problems: Vec::new(),
                notes: Vec::new(),
                placeholders: Vec::new(),
            };
            l.at(e.span(), e.message().trim().to_string(), None);
            return Err(fail(l.problems));
        }
    };
    let mut l = Loader {
        text,
        problems: Vec::new(),
        notes: Vec::new(),
        placeholders: Vec::new(),
    };
    let root = doc.as_table();
    let mut policy = Policy {
        source: source.to_string(),
        target: Target::default(),
        enforce: Enforce::default(),
        secrets: SecretsPolicy::default(),
        config_files: ConfigFilesPolicy::default(),
        providers: Vec::new(),
        sso: SsoPolicy::default(),
        desired: Vec::new(),
        notes: Vec::new(),
        warnings: Vec::new(),
        placeholders: Vec::new(),
    };
    let mut external_spans: Vec<Option<Range<usize>>> = Vec::new();
    let mut has_version = false;
    for (key, item) in root.iter() {
        match key {
            "version" => {
                has_version = true;
                if item.as_integer() != Some(1) {
                    l.at(
                        item.span(),
                        "unsupported policy version; this tool reads `version = 1`".into(),
                        None,
                    );
                }
            }
            "target" => load_target(&mut l, item, &mut policy.target),
            "enforce" => load_enforce(&mut l, item, &mut policy.enforce),
            "secrets" => {
                let Some(t) = table(&mut l, item, "[secrets]") else {
                    continue;
                };
                for (k, v) in t.iter() {
                    match k {
                        "external" => {
                            let entries = l.strings(v, "secrets.external").unwrap_or_default();
                            external_spans = v
                                .as_array()
                                .map(|a| a.iter().map(|e| e.span()).collect())
                                .unwrap_or_default();
                            policy.secrets.external = entries
                                .iter()
                                .map(|e| match e.split_once('/') {
                                    Some((name, key)) => External {
                                        name: name.into(),
                                        key: Some(key.into()),
                                    },
                                    None => External {
                                        name: e.clone(),
                                        key: None,
                                    },
                                })
                                .collect();
                        }
                        "placeholders" => {
                            let Some(list) = l.strings(v, "secrets.placeholders") else {
                                continue;
                            };
                            match Globs::new_caseless(list) {
                                Ok(g) => policy.secrets.placeholders = std::borrow::Cow::Owned(g),
                                Err((_, e)) => l.at(
                                    v.span(),
                                    format!("invalid glob in secrets.placeholders: {e}"),
                                    None,
                                ),
                            }
                        }
                        // `trust_env_from` is the older name, kept working: it vouched for
                        // `envFrom` sources before a `valueFrom` could be vouched for too.
                        key @ ("trust_unseen_sources" | "trust_env_from") => {
                            let key = format!("secrets.{key}");
                            let Some(list) = l.strings(v, &key) else {
                                continue;
                            };
                            for (entry, item) in list.iter().zip(v.as_array().into_iter().flatten())
                            {
                                let parsed = match entry.split_once('/') {
                                    Some(("secret", n)) => Some((true, n)),
                                    Some(("configmap", n)) => Some((false, n)),
                                    _ => None,
                                };
                                match parsed {
                                    Some((secret, name)) if !name.is_empty() && !name.contains('/') => {
                                        policy.secrets.trust_env_from.push(TrustedEnvFrom {
                                            secret,
                                            name: name.to_string(),
                                        });
                                    }
                                    _ => l.at(
                                        item.span(),
                                        format!("{key} entry `{entry}` is not `secret/NAME` or `configmap/NAME`"),
                                        Some("name the source as the chart does, e.g. \"secret/clearml-extra-env\" for `secretRef: {name: clearml-extra-env}` or `secretKeyRef: {name: clearml-extra-env, key: …}`".into()),
                                    ),
                                }
                            }
                        }
                        "check" => {
                            if let Some(c) = l.choice(v, "secrets.check", CHECK_CHOICES) {
                                policy.secrets.check = c;
                            }
                        }
                        _ => l.unknown(t, k, "[secrets]", SECRETS_KEYS),
                    }
                }
            }
            "config_files" => {
                let Some(t) = table(&mut l, item, "[config_files]") else {
                    continue;
                };
                for (k, v) in t.iter() {
                    match k {
                        "trust_unseen" => {
                            let Some(list) = l.strings(v, "config_files.trust_unseen") else {
                                continue;
                            };
                            for (entry, item) in list.iter().zip(v.as_array().into_iter().flatten())
                            {
                                if entry.starts_with('/') {
                                    let clean = crate::paths::clean_path(entry);
                                    policy.config_files.trust_unseen.push(clean);
                                } else {
                                    l.at(
                                        item.span(),
                                        format!("config_files.trust_unseen entry `{entry}` is not an absolute path"),
                                        Some("list the volumeMount's mountPath as the chart writes it, e.g. \"/opt/clearml/config\"".into()),
                                    );
                                }
                            }
                        }
                        _ => l.unknown(t, k, "[config_files]", CONFIG_FILES_KEYS),
                    }
                }
            }
            "sso" => load_sso(&mut l, item, &mut policy.sso),
            "providers" => {
                let Some(t) = table(&mut l, item, "[providers]") else {
                    continue;
                };
                for (k, v) in t.iter() {
                    match catalogue::provider(k) {
                        Some(spec) => {
                            if let Some(p) = load_provider(&mut l, spec, v) {
                                policy.providers.push(p);
                            }
                        }
                        None => match catalogue::alias_help(k) {
                            Some(help) => l.at(
                                t.key(k).and_then(|key| key.span()),
                                format!("`[providers.{k}]`: {help}"),
                                Some(format!(
                                    "a provider table's name is ClearML's provider key; one of: {}",
                                    catalogue::keys_line()
                                )),
                            ),
                            None => {
                                let keys: Vec<&str> = catalogue::keys().collect();
                                l.unknown(t, k, "[providers] (not a ClearML provider key)", &keys);
                            }
                        },
                    }
                }
            }
            _ => l.unknown(root, key, "the policy", ROOT_KEYS),
        }
    }
    if !has_version {
        l.at(
            Some(0..0),
            "missing `version = 1` at the top of the policy".into(),
            None,
        );
    }
    if policy.providers.is_empty() && policy.sso.switches.is_empty() && l.problems.is_empty() {
        l.at(
            None,
            "the policy declares no provider".into(),
            Some("add a table such as [providers.keycloak]; `clearml-sso init keycloak` prints a starter".into()),
        );
    }
    if !draft {
        l.problems.append(&mut l.placeholders);
    }
    if l.problems.is_empty() {
        l.placeholders.sort_by_key(|p| (p.line, p.column));
        policy.placeholders = std::mem::take(&mut l.placeholders);
        policy.compute_desired();
        policy.warnings = policy.unused_external(&l, &external_spans);
        l.notes.sort_by_key(|p| (p.line, p.column));
        policy.notes = l.notes;
        Ok(policy)
    } else {
        l.problems.sort_by_key(|p| (p.line, p.column));
        Err(fail(l.problems))
    }
}

/// What loading adds to a policy once every table is read.
impl Policy {
    /// `[secrets] external` entries (with their spans) that match nothing the policy reads,
    /// each as a warning naming the nearest reference. Only under `check = "sso"`: with
    /// `"all"` an entry may stand for a Secret the chart's own references read.
    fn unused_external(&self, loader: &Loader, spans: &[Option<Range<usize>>]) -> Vec<Problem> {
        if self.secrets.check != CheckScope::Sso {
            return Vec::new();
        }
        let reads: Vec<(&str, &str)> = self
            .desired
            .iter()
            .filter_map(|d| match &d.value {
                Value::Secret { name, key } | Value::ConfigMap { name, key } => {
                    Some((name.as_str(), key.as_str()))
                }
                Value::Literal(_) => None,
            })
            .collect();
        let mut out = Vec::new();
        for (entry, span) in self.secrets.external.iter().zip(spans) {
            let used = reads
                .iter()
                .any(|(name, key)| entry.covers(name, Some(key)));
            if used {
                continue;
            }
            let (written, candidates): (String, Vec<String>) = match &entry.key {
                Some(key) => (
                    format!("{}/{key}", entry.name),
                    reads.iter().map(|(n, k)| format!("{n}/{k}")).collect(),
                ),
                None => (
                    entry.name.clone(),
                    reads.iter().map(|(n, _)| n.to_string()).collect(),
                ),
            };
            let near = nearest(&written, candidates.iter().map(String::as_str));
            let mut names: Vec<&str> = reads.iter().map(|(n, _)| *n).collect();
            names.sort_unstable();
            names.dedup();
            let help = match near {
                Some(n) => format!("did you mean `{n}`?"),
                None if names.is_empty() => "the policy reads no Secret; remove the entry".into(),
                None => format!(
                    "the policy reads {}; an entry only vouches for a Secret of that name",
                    names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            out.push(loader.problem(
                span.clone(),
                format!(
                    "[secrets] external entry `{written}` matches no Secret or key the policy reads"
                ),
                Some(help),
            ));
        }
        out
    }

    fn compute_desired(&mut self) {
        let mut out = Vec::new();
        for p in &self.providers {
            for s in &p.settings {
                let path = names::provider_path(p.spec.client, p.spec.key, s.option.name);
                out.push(Desired {
                    option: s.option,
                    provider: Some(p.spec),
                    name: names::canonical_name(s.option.section, &path),
                    path,
                    value: s.value.clone(),
                    derived: s.derived,
                    label: [p.spec.key, ".", s.option.name].concat(),
                });
            }
        }
        for (option, value) in &self.sso.switches {
            let path = names::global_path(option.name);
            out.push(Desired {
                option,
                provider: None,
                name: names::canonical_name(option.section, &path),
                path,
                value: Value::Literal(Literal::Bool(*value)),
                derived: false,
                label: ["sso.", option.name].concat(),
            });
        }
        self.desired = out;
    }
}

fn load_target(l: &mut Loader, item: &Item, target: &mut Target) {
    let Some(t) = table(l, item, "[target]") else {
        return;
    };
    for (k, v) in t.iter() {
        match k {
            "workloads" => {
                target.workloads = l
                    .globs(v, "target.workloads")
                    .unwrap_or(target.workloads.clone())
            }
            "containers" => {
                target.containers = l
                    .globs(v, "target.containers")
                    .unwrap_or(target.containers.clone())
            }
            "exclude" => {
                target.exclude = l
                    .globs(v, "target.exclude")
                    .unwrap_or(target.exclude.clone())
            }
            "kinds" => {
                let Some(kinds) = l.strings(v, "target.kinds") else {
                    continue;
                };
                for kind in &kinds {
                    if crate::kube::objects::pod_spec_path(kind).is_none() {
                        let help = did_you_mean(kind, default_kinds());
                        l.at(
                            v.span(),
                            format!(
                                "target.kinds: `{kind}` is not a workload kind this tool reads"
                            ),
                            Some(help),
                        );
                    }
                }
                target.kinds = kinds;
            }
            _ => l.unknown(t, k, "[target]", TARGET_KEYS),
        }
    }
}

fn load_sso(l: &mut Loader, item: &Item, sso: &mut SsoPolicy) {
    let Some(t) = table(l, item, "[sso]") else {
        return;
    };
    let mut valid: Vec<&str> = catalogue::GLOBAL_OPTIONS.iter().map(|o| o.name).collect();
    valid.push("webapp");
    for (k, v) in t.iter() {
        if k == "webapp" {
            let Some(raw) = l.string(v, "sso.webapp") else {
                continue;
            };
            let input = &catalogue::WEBAPP;
            match input.normalize(&raw) {
                Ok(n) => {
                    if let Some(note) = n.note {
                        l.note(v.span(), format!("sso.webapp = \"{raw}\" {note}"), None);
                    }
                    sso.webapp = Some(n.value);
                }
                Err(e) => input_error(
                    l,
                    v.span(),
                    "sso",
                    input,
                    &raw,
                    e,
                    "\"https://app.example.com\"".into(),
                ),
            }
        } else if let Some(option) = catalogue::GLOBAL_OPTIONS.iter().find(|o| o.name == k) {
            match v.as_bool() {
                Some(b) => sso.switches.push((option, b)),
                None => l.at(
                    v.span(),
                    format!(
                        "sso.{k} must be a boolean (true or false), found {}",
                        type_name(v)
                    ),
                    None,
                ),
            }
        } else {
            l.unknown(t, k, "[sso]", &valid);
        }
    }
}

fn load_enforce(l: &mut Loader, item: &Item, enforce: &mut Enforce) {
    let Some(t) = table(l, item, "[enforce]") else {
        return;
    };
    for (k, v) in t.iter() {
        match k {
            "mode" => {
                if let Some(m) = l.choice(v, "enforce.mode", MODES) {
                    enforce.mode = m;
                }
            }
            "plaintext_secrets" => {
                if let Some(p) = l.choice(v, "enforce.plaintext_secrets", PLAINTEXT_CHOICES) {
                    enforce.plaintext_secrets = p;
                }
            }
            "unknown_providers" => {
                if let Some(u) = l.choice(v, "enforce.unknown_providers", UNKNOWN_PROVIDERS_CHOICES)
                {
                    enforce.unknown_providers = u;
                }
            }
            "warnings" => {
                if let Some(w) = l.choice(v, "enforce.warnings", WARNINGS_CHOICES) {
                    enforce.warnings = w;
                }
            }
            _ => l.unknown(t, k, "[enforce]", ENFORCE_KEYS),
        }
    }
}
