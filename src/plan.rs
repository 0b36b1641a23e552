//! The heart of the tool: one target container's env list, compared with the policy,
//! becomes the corrected env list plus a finding for every difference (DESIGN §3, §4).
//!
//! Each rule is a small function over the parsed env entries; `apply` runs them in order.

use crate::clearml_env::{self, Prefix, SsoName};
use crate::k8s;
use crate::policy::{Plaintext, Policy, Setting, UnknownProviders, Value};
use crate::providers::Section;
use crate::report::{self, Finding, Location};
use crate::secrets::{self, Inventory, KeyState, Resolution};
use crate::yaml::Node;

/// What a rule needs to know besides the env list.
pub struct Context<'a> {
    /// The policy.
    pub policy: &'a Policy,
    /// Secrets the stream provides.
    pub inventory: &'a Inventory,
    /// The container's location (no variable set).
    pub location: Location,
}

impl Context<'_> {
    fn at(&self, variable: &str) -> Location {
        Location {
            variable: Some(variable.to_string()),
            ..self.location.clone()
        }
    }
}

/// One env entry with its parsed name.
struct Entry {
    node: Node,
    name: String,
    sso: Option<SsoName>,
}

fn entries(env: &Node) -> Vec<Entry> {
    env.items()
        .iter()
        .map(|node| {
            let name = node.get_str("name").unwrap_or_default().to_string();
            let sso = clearml_env::parse_name(name.trim());
            Entry {
                node: node.clone(),
                name,
                sso,
            }
        })
        .collect()
}

/// The env entry the policy wants for one setting.
pub fn desired_entry(name: &str, value: &Value) -> Node {
    let source = match value {
        Value::Literal(l) => {
            return Node::map(vec![
                ("name", Node::plain(name)),
                ("value", Node::string(&l.to_env())),
            ])
        }
        Value::Secret { name, key } => ("secretKeyRef", name, key),
        Value::ConfigMap { name, key } => ("configMapKeyRef", name, key),
    };
    let reference = Node::map(vec![
        ("name", Node::string(source.1)),
        ("key", Node::string(source.2)),
    ]);
    Node::map(vec![
        ("name", Node::plain(name)),
        ("valueFrom", Node::map(vec![(source.0, reference)])),
    ])
}

/// Why an existing spelling is not the canonical one, as a finding code.
fn spelling_code(found: &SsoName, canonical_section: Section) -> Option<report::Code> {
    if found.prefix != Prefix::Clearml {
        Some(report::WRONG_PREFIX)
    } else if found.section != Some(canonical_section) {
        Some(report::WRONG_SECTION)
    } else {
        None
    }
}

/// Why a prefix other than `CLEARML__` is a problem.
fn prefix_message(prefix: Prefix) -> &'static str {
    match prefix {
        Prefix::Trains => "the legacy `TRAINS__` prefix is overridden by any `CLEARML__` spelling of the same key",
        _ => "ClearML reads only variables starting with upper-case `CLEARML__`; this one was ignored",
    }
}

/// Compares an existing entry's value with the setting: `None` when ClearML would read the
/// policy's value from it, else the finding code and a message that shows no secret value.
fn value_difference(entry: &Node, setting: &Setting) -> Option<(report::Code, String)> {
    let var = match k8s::env_var(entry) {
        Ok(v) => v,
        Err(e) => {
            return Some((
                report::INVALID_ENV_ENTRY,
                format!("the entry is not valid for Kubernetes ({e})"),
            ))
        }
    };
    let secure = setting.option.section == Section::Secure;
    let from = var.value_from.as_ref();
    match (&setting.value, var.value.as_deref(), from) {
        (Value::Literal(l), Some(text), None) if var.value_from.is_none() => {
            if l.matches(text) {
                None
            } else if secure {
                Some((
                    report::VALUE_MISMATCH,
                    "the value differs from the policy".into(),
                ))
            } else {
                Some((
                    report::VALUE_MISMATCH,
                    format!("value `{text}` differs from the policy's `{}`", l.to_env()),
                ))
            }
        }
        (Value::Secret { name, key }, None, Some(f)) if f.secret_key_ref.is_some() => {
            let r = f.secret_key_ref.as_ref().expect("checked");
            if r.name != *name || r.key != *key {
                Some((
                    report::VALUE_MISMATCH,
                    format!(
                        "reads Secret `{}` key `{}`, the policy says Secret `{name}` key `{key}`",
                        r.name, r.key
                    ),
                ))
            } else if r.optional == Some(true) {
                Some((report::OPTIONAL_SECRET_REF, "the secretKeyRef was optional; a missing Secret would silently leave the setting out".into()))
            } else {
                None
            }
        }
        (Value::ConfigMap { name, key }, None, Some(f)) if f.config_map_key_ref.is_some() => {
            let r = f.config_map_key_ref.as_ref().expect("checked");
            if r.name != *name || r.key != *key {
                Some((
                    report::VALUE_MISMATCH,
                    format!("reads ConfigMap `{}` key `{}`, the policy says ConfigMap `{name}` key `{key}`", r.name, r.key),
                ))
            } else if r.optional == Some(true) {
                Some((
                    report::OPTIONAL_SECRET_REF,
                    "the configMapKeyRef was optional".into(),
                ))
            } else {
                None
            }
        }
        (want, _, _) => {
            let want = match want {
                Value::Literal(_) => "a literal value",
                Value::Secret { .. } => "a Secret (secretKeyRef)",
                Value::ConfigMap { .. } => "a ConfigMap (configMapKeyRef)",
            };
            Some((
                report::VALUE_SOURCE,
                format!("the policy says the value comes from {want}"),
            ))
        }
    }
}

/// Makes the container's env match the policy. Returns whether anything changed.
pub fn apply(container: &mut Node, ctx: &Context, findings: &mut Vec<Finding>) -> bool {
    if let Some(Node::Alias(_)) = container.get("env") {
        findings.push(
            Finding::new(
                report::ALIASED_ENV,
                "the env list is a YAML alias (*name) shared with other nodes",
            )
            .help("write the env list out in full in the chart")
            .at(ctx.location.clone()),
        );
        return false;
    }
    let original: Vec<Entry> = container.get("env").map(entries).unwrap_or_default();
    let mut out: Vec<Option<Entry>> = Vec::new();
    let mut changed = false;
    // Rule 1: SSO variables of providers the policy does not declare.
    let mut unknown: Vec<(String, usize)> = Vec::new();
    for entry in original {
        let undeclared = entry
            .sso
            .as_ref()
            .filter(|s| {
                !ctx.policy
                    .providers
                    .iter()
                    .any(|p| p.spec.key == s.provider)
            })
            .map(|s| s.provider.clone());
        if let Some(provider) = undeclared {
            match unknown.iter_mut().find(|(p, _)| *p == provider) {
                Some((_, n)) => *n += 1,
                None => unknown.push((provider, 1)),
            }
            if ctx.policy.enforce.unknown_providers == UnknownProviders::Remove {
                changed = true;
                continue;
            }
        }
        out.push(Some(entry));
    }
    for (provider, n) in unknown {
        let mut f = Finding::new(
            report::UNKNOWN_PROVIDER,
            format!(
                "{n} SSO variable(s) for provider `{provider}`, which the policy does not declare"
            ),
        )
        .at(ctx.location.clone());
        match ctx.policy.enforce.unknown_providers {
            UnknownProviders::Warn => {
                f = f.help(format!(
                "declare [providers.{provider}] or set [enforce] unknown_providers = \"remove\""
            ))
            }
            UnknownProviders::Deny => f.severity = report::Severity::Error,
            UnknownProviders::Remove => f = f.fixed(),
        }
        findings.push(f);
    }
    // Rule 2: every setting of every declared provider, exactly once, spelled canonically.
    for provider in &ctx.policy.providers {
        for setting in &provider.settings {
            let option = setting.option;
            let canonical = clearml_env::canonical_name(
                option.section,
                provider.spec.client,
                provider.spec.key,
                option.name,
            );
            let desired = desired_entry(&canonical, &setting.value);
            let group: Vec<usize> = out
                .iter()
                .enumerate()
                .filter_map(|(i, e)| {
                    let s = e.as_ref()?.sso.as_ref()?;
                    (s.provider == provider.spec.key
                        && s.option == option.name
                        && s.client == provider.spec.client)
                        .then_some(i)
                })
                .collect();
            let at = ctx.at(&canonical);
            let Some(&first) = group.first() else {
                out.push(Some(Entry {
                    node: desired,
                    name: canonical.clone(),
                    sso: clearml_env::parse_name(&canonical),
                }));
                let what = if setting.derived { " (derived)" } else { "" };
                findings.push(
                    Finding::new(
                        report::MISSING_VARIABLE,
                        format!("added {}.{}{what}", provider.spec.key, option.name),
                    )
                    .at(at)
                    .fixed(),
                );
                changed = true;
                continue;
            };
            let mut rewrite = false;
            for &i in &group {
                let e = out[i].as_ref().expect("group holds live entries");
                let sso = e.sso.as_ref().expect("group holds SSO entries");
                let loc = ctx.at(&e.name);
                if let Some(code) = spelling_code(sso, option.section) {
                    let msg = if code == report::WRONG_SECTION {
                        format!(
                            "`{}` is read from the `{}` section; this variable puts it under `{}`",
                            option.name,
                            option.section.as_str(),
                            sso.section_text
                        )
                    } else {
                        prefix_message(sso.prefix).to_string()
                    };
                    findings.push(
                        Finding::new(code, format!("{msg}; renamed to {canonical}"))
                            .at(loc.clone())
                            .fixed(),
                    );
                    rewrite = true;
                } else if e.name != canonical {
                    findings.push(
                        Finding::new(
                            report::NAME_CASE,
                            format!("renamed to the canonical spelling {canonical}"),
                        )
                        .at(loc.clone())
                        .fixed(),
                    );
                    rewrite = true;
                }
                if let Some((code, msg)) = value_difference(&e.node, setting) {
                    let mut f = Finding::new(
                        code,
                        format!("{}.{}: {msg}", provider.spec.key, option.name),
                    )
                    .at(loc);
                    if code == report::INVALID_ENV_ENTRY {
                        f.severity = report::Severity::Warning;
                    }
                    findings.push(f.fixed());
                    rewrite = true;
                }
            }
            if group.len() > 1 {
                let names: Vec<String> = group
                    .iter()
                    .map(|&i| out[i].as_ref().expect("live").name.clone())
                    .collect();
                findings.push(
                    Finding::new(
                        report::DUPLICATE_VARIABLE,
                        format!(
                            "{} env entries set {}.{} ({}); one remains",
                            group.len(),
                            provider.spec.key,
                            option.name,
                            names.join(", ")
                        ),
                    )
                    .at(at)
                    .fixed(),
                );
                rewrite = true;
            }
            if rewrite {
                for &i in &group[1..] {
                    out[i] = None;
                }
                out[first] = Some(Entry {
                    node: desired,
                    name: canonical.clone(),
                    sso: clearml_env::parse_name(&canonical),
                });
                changed = true;
            }
        }
    }
    changed |= unset_options(&mut out, ctx, findings);
    let final_entries: Vec<Entry> = out.into_iter().flatten().collect();
    check_secrets(&final_entries, ctx, findings);
    if changed {
        container.set(
            "env",
            Node::seq(final_entries.into_iter().map(|e| e.node).collect()),
        );
    }
    changed
}

/// Rule 3: SSO variables of declared providers for options the policy does not set keep their
/// value, but a spelling ClearML would not read (section, prefix, case) is corrected, and an
/// option ClearML does not document is pointed out (with the nearest documented one).
fn unset_options(out: &mut [Option<Entry>], ctx: &Context, findings: &mut Vec<Finding>) -> bool {
    let mut changed = false;
    for slot in out.iter_mut() {
        let Some(entry) = slot else { continue };
        let Some(sso) = entry.sso.clone() else {
            continue;
        };
        let Some(provider) = ctx
            .policy
            .providers
            .iter()
            .find(|p| p.spec.key == sso.provider)
        else {
            continue;
        };
        if provider
            .settings
            .iter()
            .any(|s| s.option.name == sso.option)
        {
            continue;
        }
        let loc = ctx.at(&entry.name);
        let Some(option) = crate::providers::option(&sso.option) else {
            let names = crate::providers::OAUTH_OPTIONS.iter().map(|o| o.name);
            let mut f = Finding::new(
                report::UNKNOWN_OPTION,
                format!(
                    "`{}` is not an option ClearML documents for `{}`; kept as is",
                    sso.option, sso.provider
                ),
            )
            .at(loc);
            if let Some(near) = crate::policy::nearest(&sso.option, names) {
                f = f.help(format!("did you mean `{near}`?"));
            }
            findings.push(f);
            continue;
        };
        let canonical = clearml_env::canonical_name(
            option.section,
            provider.spec.client,
            provider.spec.key,
            option.name,
        );
        if entry.name == canonical {
            continue;
        }
        let (code, why) = match spelling_code(&sso, option.section) {
            Some(report::WRONG_SECTION) => (
                report::WRONG_SECTION,
                format!(
                    "`{}` is read from the `{}` section, not `{}`",
                    option.name,
                    option.section.as_str(),
                    sso.section_text
                ),
            ),
            Some(code) => (code, prefix_message(sso.prefix).to_string()),
            None => (report::NAME_CASE, "not the canonical spelling".to_string()),
        };
        findings.push(
            Finding::new(code, format!("{why}; renamed to {canonical} (value kept)"))
                .at(loc)
                .fixed(),
        );
        entry.node.set("name", Node::plain(&canonical));
        entry.name = canonical;
        changed = true;
    }
    changed
}

/// Rule 4: every Secret the container's SSO variables end up reading must be provided, and
/// credentials must not be literals under `plaintext_secrets = "deny"`.
fn check_secrets(entries: &[Entry], ctx: &Context, findings: &mut Vec<Finding>) {
    let namespace = ctx.location.object.namespace.as_deref();
    for e in entries {
        let Some(sso) = &e.sso else { continue };
        let Ok(var) = k8s::env_var(&e.node) else {
            continue;
        };
        let loc = ctx.at(&e.name);
        let secret_option = crate::providers::option(&sso.option).is_some_and(|o| o.secret);
        if secret_option
            && var.value.is_some()
            && ctx.policy.enforce.plaintext_secrets == Plaintext::Deny
        {
            findings.push(
                Finding::new(report::PLAINTEXT_SECRET, format!("`{}` of provider `{}` is a literal value", sso.option, sso.provider))
                    .help(format!(
                        "put it in a Secret and reference it: {} = {{ secret = \"NAME\", key = \"KEY\" }} (or set [enforce] plaintext_secrets = \"allow\")",
                        sso.option
                    ))
                    .at(loc.clone()),
            );
        }
        let Some(r) = var
            .value_from
            .as_ref()
            .and_then(|f| f.secret_key_ref.as_ref())
        else {
            continue;
        };
        let finding = match secrets::resolve(ctx.inventory, ctx.policy, &r.name, &r.key, namespace) {
            Resolution::Provided | Resolution::External => continue,
            Resolution::MissingSecret => Finding::new(
                report::MISSING_SECRET,
                format!("Secret `{}` (key `{}`) is not in the rendered manifests", r.name, r.key),
            )
            .help(format!(
                "create Secret `{}` with key `{}` in the release, or list it under [secrets] external = [\"{}\"] if it is created outside the release",
                r.name, r.key, r.name
            )),
            Resolution::MissingKey(keys) => Finding::new(
                report::MISSING_SECRET_KEY,
                format!("Secret `{}` has no key `{}` (it has: {})", r.name, r.key, keys.join(", ")),
            ),
            Resolution::BadKey(state) => {
                let why = match state {
                    KeyState::Empty => "is empty",
                    KeyState::Placeholder => "holds a placeholder, not a real value",
                    KeyState::InvalidBase64 => "is not valid base64 under `data`",
                    KeyState::Present => unreachable!("a present key resolves"),
                };
                Finding::new(report::MISSING_SECRET_KEY, format!("key `{}` of Secret `{}` {why}", r.key, r.name))
            }
        };
        findings.push(finding.at(loc));
    }
}
