//! The policy's settings: each written once, under its canonical name, with the policy's value
//! or reference. What an existing entry holds is compared here; how it is read is
//! [`crate::clearml`]'s.

use super::context::{Context, Entry, Env};
use super::names::spelling_finding;
use crate::clearml::{names::SsoName, values::Literal};
use crate::kube::objects;
use crate::policy::{Desired, Value};
use crate::redact::{shown, Shown};
use crate::report::{self, Finding, Sink};
use crate::yaml::Node;

/// Rule 3: every setting of the policy, exactly once, spelled canonically, with its value.
pub(super) fn policy_settings(env: &mut Env, ctx: &Context, findings: &mut Sink) -> bool {
    let mut changed = false;
    for d in &ctx.policy.desired {
        let group: Vec<usize> = env
            .iter()
            .enumerate()
            .filter_map(|(i, e)| (e.as_ref()?.sso.as_ref()?.path() == d.path).then_some(i))
            .collect();
        // Made only where it is written (most settings already in the chart stay as they are).
        let desired = || Entry::new(desired_entry(&d.name, &d.value), true);
        let Some(&first) = group.first() else {
            let what = if d.derived { " (derived)" } else { "" };
            findings.push(
                Finding::new(report::MISSING_VARIABLE, format!("added {}{what}", d.label))
                    .at(ctx.at(&d.name))
                    .fixed(),
            );
            env.push(Some(desired()));
            changed = true;
            continue;
        };
        let mut rewrite = group.len() > 1;
        let members: Vec<(&Entry, &SsoName)> = group
            .iter()
            .filter_map(|&i| env[i].as_ref())
            .filter_map(|e| Some((e, e.sso.as_ref()?)))
            .collect();
        for (e, sso) in members {
            if let Some(f) = spelling_finding(sso, &e.name, d.option, &d.name) {
                findings.push(f.at(ctx.at(&e.name)).fixed());
                rewrite = true;
            }
            if let Some((code, msg)) = value_difference(&e.node, d) {
                let f = Finding::new(code, format!("{}: {msg}", d.label)).at(ctx.at(&e.name));
                findings.push(f.fixed());
                rewrite = true;
            }
        }
        if group.len() > 1 {
            let names: Vec<&str> = group
                .iter()
                .filter_map(|&i| env[i].as_ref())
                .map(|e| e.name.as_str())
                .collect();
            findings.push(
                Finding::new(
                    report::DUPLICATE_VARIABLE,
                    format!(
                        "{} env entries set {} ({}); one remains",
                        group.len(),
                        d.label,
                        names.join(", ")
                    ),
                )
                .at(ctx.at(&d.name))
                .fixed(),
            );
        }
        if rewrite {
            for &i in &group[1..] {
                env[i] = None;
            }
            env[first] = Some(desired());
            changed = true;
        } else if let Some(e) = env[first].as_mut() {
            e.from_policy = true; // already exactly the policy's
        }
    }
    changed
}

/// Compares an existing entry's value with the setting: `None` when ClearML would read the
/// policy's value from it, else the finding code and a message that shows no secret value.
pub(super) fn value_difference(entry: &Node, d: &Desired) -> Option<(report::Code, String)> {
    let var = match objects::env_var(entry) {
        Ok(v) => v,
        Err(_) => {
            return Some((
                report::NON_STRING_VALUE,
                "the value is not a string, so Kubernetes rejects the entry".into(),
            ))
        }
    };
    let show = |v: &str| {
        shown(
            v,
            d.provider.map(|p| (p.client, p.key)),
            d.option.name,
            true,
        )
    };
    let from = var.value_from.as_ref();
    match (&d.value, var.value.as_deref(), from) {
        // Kubernetes expands `$` in env values: only the tool's own escaped spelling is sure
        // to reach ClearML as the policy's text.
        (Value::Literal(l), Some(text), None) if text.contains('$') => {
            (text != objects::escape_env(&l.to_env())).then(|| {
                (
                    report::VALUE_MISMATCH,
                    "the value holds `$`, which Kubernetes expands before ClearML reads it".into(),
                )
            })
        }
        (Value::Literal(l), Some(text), None) if l.matches(text) && !text.contains(" #") => None,
        (_, Some(text), None) if text.contains("${") => Some((
            report::COMPOSE_VARIABLE,
            "a docker-compose `${…}` reached the manifest; Kubernetes does not expand it".into(),
        )),
        (Value::Literal(l), Some(text), None) => {
            let bare = super::values::without_comment(text).trim_end();
            if l.matches(text) && bare == text.trim_end() {
                None
            } else if l.matches(text) {
                Some((
                    report::COMMENT_IN_VALUE,
                    "the value carries a ` # …` comment tail".into(),
                ))
            } else if matches!(l, Literal::Str(want) if want.strip_suffix('/') == Some(bare))
                && d.option.trailing_slash
            {
                Some((
                    report::BASE_URL_SLASH,
                    format!("{} lacks the trailing `/`", show(bare).subject()),
                ))
            } else if let (Shown::Value(_), Shown::Value(_)) = (show(text), show(&l.to_env())) {
                Some((
                    report::VALUE_MISMATCH,
                    format!(
                        "value {} differs from the policy's {}",
                        show(text),
                        show(&l.to_env())
                    ),
                ))
            } else {
                Some((
                    report::VALUE_MISMATCH,
                    "the value differs from the policy".into(),
                ))
            }
        }
        (Value::Secret { name, key }, None, Some(f)) if f.secret_key_ref.is_some() => {
            let r = f.secret_key_ref.as_ref()?;
            reference_difference("Secret", &r.name, &r.key, r.optional, name, key)
        }
        (Value::ConfigMap { name, key }, None, Some(f)) if f.config_map_key_ref.is_some() => {
            let r = f.config_map_key_ref.as_ref()?;
            reference_difference("ConfigMap", &r.name, &r.key, r.optional, name, key)
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

pub(super) fn reference_difference(
    kind: &str,
    name: &str,
    key: &str,
    optional: Option<bool>,
    want_name: &str,
    want_key: &str,
) -> Option<(report::Code, String)> {
    if name != want_name || key != want_key {
        let msg = format!("reads {kind} `{name}` key `{key}`, the policy says {kind} `{want_name}` key `{want_key}`");
        Some((report::VALUE_MISMATCH, msg))
    } else if optional == Some(true) {
        let msg = format!("the {kind} reference was optional; a missing {kind} would silently leave the setting out");
        Some((report::OPTIONAL_SECRET_REF, msg))
    } else {
        None
    }
}

/// The env entry the policy wants for one setting.
pub fn desired_entry(name: &str, value: &Value) -> Node {
    let source = match value {
        Value::Literal(l) => {
            // Kubernetes expands `$(VAR)` and `$$` in env values: every `$` is doubled so that
            // the process gets the policy's text.
            return Node::map(vec![
                ("name", Node::plain(name)),
                ("value", Node::string(&objects::escape_env(&l.to_env()))),
            ]);
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
