//! References: every Secret and ConfigMap an SSO variable (or, with `check = "all"`, any
//! variable) reads must be provided when the apiserver starts, and a stored value must be one
//! ClearML reads as written. Which source a reference reads is [`crate::kube::sources`]'s.

use super::context::{Context, Entry};
use super::values::{defined, unrewritable_finding};
use crate::clearml::{
    self,
    judge::{Defined, ValueIssue},
};
use crate::kube::objects;
use crate::kube::sources::{self, KeyState, RefKind, Resolution};
use crate::policy::plaintext_help;
use crate::policy::{CheckScope, Plaintext, Value as PolicyValue};
use crate::report::{self, Finding, Location, Sink};
use crate::yaml::Node;

/// Rule 6: every Secret the container's SSO variables end up reading must be provided (with
/// `[secrets] check = "all"`: every Secret and ConfigMap the container reads), and credentials
/// must not be literals under `plaintext_secrets = "deny"`.
pub(super) fn secret_references(entries: &[Entry], ctx: &Context, findings: &mut Sink) {
    let all = ctx.policy.secrets.check == CheckScope::All;
    for e in entries {
        if e.sso.is_none() && !all {
            continue;
        }
        // An entry the API server would reject (`env_var` fails) is neither judged here nor
        // in `plaintext_secret`, which reads it itself.
        plaintext_secret(e, ctx, findings);
        let Some(from) = e.value_from() else {
            continue;
        };
        let loc = ctx.at(&e.name);
        let from = Some(from);
        if let Some(r) = from.and_then(|f| f.secret_key_ref.as_ref()) {
            // An optional reference outside SSO is the chart's choice; SSO ones were made required.
            if e.sso.is_some() || r.optional != Some(true) {
                resolve_reference(
                    ctx,
                    RefKind::Secret,
                    &r.name,
                    Some(&r.key),
                    loc.clone(),
                    findings,
                );
            }
        }
        if let Some(r) = from.and_then(|f| f.config_map_key_ref.as_ref()) {
            if e.sso.is_some() || r.optional != Some(true) {
                resolve_reference(
                    ctx,
                    RefKind::ConfigMap,
                    &r.name,
                    Some(&r.key),
                    loc.clone(),
                    findings,
                );
            }
        }
    }
}

/// A credential (`client_secret`…) given as a literal, under `plaintext_secrets = "deny"`:
/// an error. Shared with `values --merge-with`, which judges a user's list without the stream.
pub(crate) fn plaintext_secret(e: &Entry, ctx: &Context, findings: &mut Sink) {
    let Some(sso) = &e.sso else { return };
    let secret_option = sso.option().is_some_and(|o| o.secret);
    // The policy's own literal is judged once, by `policy_refusals`. The entry is read into
    // its API type only when it could be reported.
    if secret_option
        && !e.from_policy
        && ctx.policy.enforce.plaintext_secrets == Plaintext::Deny
        && objects::env_var(&e.node).is_ok_and(|var| var.value.is_some())
    {
        let owner = sso.provider().map_or("SSO", |(_, k)| k);
        findings.push(
            Finding::new(
                report::PLAINTEXT_SECRET,
                format!(
                    "`{}` of provider `{owner}` is a literal value",
                    sso.option_name()
                ),
            )
            .help(plaintext_help(sso.option_name()))
            .at(ctx.at(&e.name)),
        );
    }
}

/// Rule 6a: ClearML parses every `CLEARML__` value as HOCON, whatever its source, so the
/// values SSO settings read from a Secret or ConfigMap in the stream are judged like literals
/// — but they cannot be rewritten here, and are never shown: the finding names the object and
/// key and says how to store the value. A SealedSecret's values are encrypted and an
/// ExternalSecret's come from its provider at install: `explain` says how to store those.
pub(super) fn stored_values(
    entries: &[Entry],
    from: &[(String, Defined)],
    ctx: &Context,
    findings: &mut Sink,
) {
    // What the process sees, made for the first value judged: most references are to keys the
    // stream does not provide.
    let process = std::cell::OnceCell::new();
    let namespace = ctx.location.object.namespace.as_deref();
    for e in entries {
        let Some(sso) = &e.sso else { continue };
        let Some(from_ref) = e.value_from() else {
            continue;
        };
        let (kind, name, key) = match (&from_ref.secret_key_ref, &from_ref.config_map_key_ref) {
            (Some(r), _) => (RefKind::Secret, &r.name, &r.key),
            (None, Some(r)) => (RefKind::ConfigMap, &r.name, &r.key),
            (None, None) => continue,
        };
        // A missing, empty or placeholder key is the gate's finding already.
        let provided =
            sources::resolve(ctx.inventory, ctx.policy, kind, name, Some(key), namespace);
        if !matches!(provided, Resolution::Provided(_)) {
            continue;
        }
        let Some((source, stored)) =
            sources::stored_value(ctx.inventory, kind, name, key, namespace)
        else {
            continue;
        };
        let placeholder = |s: &str| ctx.policy.secrets.placeholders.is_match(s);
        let path = clearml::names::config_path(e.name.trim()).unwrap_or_default();
        let around = clearml::judge::Surroundings {
            path: &path,
            stored: true,
            earlier: &[],
            process: process.get_or_init(|| -> Vec<(String, Defined)> {
                from.iter()
                    .cloned()
                    .chain(entries.iter().map(|e| defined(e, ctx)))
                    .collect()
            }),
            placeholders: Some(&placeholder),
        };
        let judged = clearml::judge::judge(stored.text_for_judging(), sso.option(), &around);
        let what = format!("key `{key}` of {} `{name}`: ", kind.as_str());
        // A setting the policy requires must reach ClearML: a substitution that drops it is an
        // error here, not the warning it is on an option nobody asked for.
        let required = ctx.policy.desired.iter().any(|d| d.name == e.name);
        for issue in &judged.issues {
            let dropped = matches!(
                issue,
                ValueIssue::Substitution {
                    outcome: clearml::judge::Substituted::Dropped,
                    ..
                }
            );
            let f = if dropped && required {
                Finding::new(
                    report::MISREAD_VALUE,
                    format!("{what}its `${{?…}}` names a variable defined nowhere in the container, so ClearML drops this setting, which the policy requires"),
                )
            } else {
                unrewritable_finding(issue, sso, &what)
            };
            findings.push(
                f.help(store_help(issue, source, name, key))
                    .at(ctx.at(&e.name)),
            );
        }
    }
}

/// How to store a value so that ClearML reads it as written: HOCON-quoted (a JSON string),
/// in the shape the source is made with; a placeholder stands for the value, never the value.
pub(super) fn store_help(
    issue: &ValueIssue,
    source: sources::SourceKind,
    name: &str,
    key: &str,
) -> String {
    use sources::SourceKind;
    let shape = match issue {
        ValueIssue::NotAList { .. } => "a list, `[\"…\"]`",
        ValueIssue::QuotedBoolean(_)
        | ValueIssue::BooleanSpelling(_)
        | ValueIssue::BooleanWord { .. }
        | ValueIssue::UnclearBoolean => "`true` or `false`",
        ValueIssue::Placeholder => "the real value",
        // Quoting makes the text `${VAR}` itself the value; resolving it needs VAR defined.
        ValueIssue::Substitution { .. } => {
            "the value itself, HOCON-quoted (`\"…\"`; or define the variable `${…}` names in the container's env, whose raw text ClearML then reads)"
        }
        _ => {
            "HOCON-quoted: the value in double quotes, with `\\` and `\"` escaped (`\"ab+cd=ef\"`)"
        }
    };
    let example = match source {
        SourceKind::Secret => {
            format!(" — kubectl create secret generic {name} --from-literal={key}='\"<value>\"'")
        }
        SourceKind::ConfigMap => {
            format!(" — kubectl create configmap {name} --from-literal={key}='\"<value>\"'")
        }
        SourceKind::ExternalSecret => {
            format!(" — in the ExternalSecret's template: {key}: '\"{{{{ .{key} }}}}\"'")
        }
        SourceKind::SealedSecret => String::new(),
    };
    let whitespace = if *issue == ValueIssue::SurroundingWhitespace {
        " (without the surrounding whitespace if it is not part of it: `printf %s`, not `echo`, before base64)"
    } else {
        ""
    };
    let example = if matches!(
        issue,
        ValueIssue::Placeholder
            | ValueIssue::NotAList { .. }
            | ValueIssue::QuotedBoolean(_)
            | ValueIssue::BooleanSpelling(_)
            | ValueIssue::BooleanWord { .. }
            | ValueIssue::UnclearBoolean
    ) {
        String::new()
    } else {
        example
    };
    format!("store it as {shape}{whitespace}{example}")
}

/// Rule 6c: an `envFrom` source whose keys the tool cannot see (outside the stream, an
/// ExternalSecret's `dataFrom`; `optional` or not) may bring in any variable starting with the
/// entry's prefix: unless no name ClearML reads by its name alone can start so
/// ([`clearml::names::prefix_reaches_loader`]), an error, or a warning when the policy's `[secrets]
/// trust_env_from` vouches for it (every render repeats it). Names ClearML reads only through
/// a `${X}` or `$X` are the proof's to check (`verify::tree`).
pub(super) fn unseen_env_from(container: &Node, ctx: &Context, findings: &mut Sink) {
    use k8s_openapi::api::core::v1::EnvFromSource;
    let env_from: Vec<EnvFromSource> = objects::typed(container, "envFrom").unwrap_or_default();
    let namespace = ctx.location.object.namespace.as_deref();
    for source in sources::env_from_unseen_sources(&env_from, ctx.inventory, namespace) {
        let field = if source.secret {
            "secretRef"
        } else {
            "configMapRef"
        };
        let loc = Location {
            variable: Some(format!("envFrom {field} {}", source.name)),
            ..ctx.location.clone()
        };
        let prefix = match source.prefix.as_str() {
            "" => "no prefix".to_string(),
            p => format!("the prefix `{p}`"),
        };
        let message = format!(
            "envFrom {field} `{}` ({prefix}) reads a source whose keys the tool cannot see (not in the rendered manifests, or an ExternalSecret's dataFrom); a key such as CLEARML__…, TRAINS__… or CLEARML_CONFIG_DIR would set ClearML's configuration",
            source.name
        );
        if ctx
            .policy
            .secrets
            .trusts_env_from(source.secret, &source.name)
        {
            findings.push(
                Finding::new(
                    report::UNSEEN_ENV_FROM_TRUSTED,
                    format!("{message}; the policy's [secrets] trust_env_from vouches that none does"),
                )
                .help("exit 0 rests on the policy's promise that the source holds no key ClearML reads; with [enforce] warnings = \"deny\" this refuses the render")
                .at(loc),
            );
        } else if clearml::names::prefix_reaches_loader(&source.prefix) {
            findings.push(
                Finding::new(report::UNSEEN_ENV_FROM, message)
                    .help(format!(
                        "create the {} in the release, or give the envFrom entry a `prefix` no name ClearML reads starts with (e.g. `APP_`); if you know it holds no key ClearML reads, vouch for it in the policy: [secrets] trust_env_from = [\"{}\"]",
                        if source.secret { "Secret" } else { "ConfigMap" },
                        source.label()
                    ))
                    .at(loc),
            );
        }
    }
}

/// Rule 6d: a variable ClearML reads by its name (`CLEARML__…`, `TRAINS__…`,
/// `CLEARML_CONFIG_DIR`…) that takes its value by `secretKeyRef`/`configMapKeyRef` from a key
/// the stream does not show (a source outside it, a key of a `[secrets] external` Secret, an
/// ExternalSecret's fetched value): ClearML parses that value as HOCON, so it could set any
/// key. An error unless the reference is one the policy itself makes (its own key; the policy's
/// variables were written before this runs) or `[secrets] trust_unseen_sources` vouches for the
/// source (a warning every render repeats). Names ClearML reads only through `${X}` or a
/// `$(X)` expansion are the proof's to check (`verify::tree`).
pub(super) fn unseen_values(entries: &[Entry], ctx: &Context, findings: &mut Sink) {
    let namespace = ctx.location.object.namespace.as_deref();
    for e in entries {
        let read = clearml::names::read_by_clearml(&e.name)
            || clearml::files::CONFIG_DIR_VARIABLES.contains(&e.name.as_str());
        if !read {
            continue;
        }
        let Some(from) = e.value_from() else {
            continue;
        };
        let reference = match (&from.secret_key_ref, &from.config_map_key_ref) {
            (Some(r), _) => (RefKind::Secret, r.name.as_str(), r.key.as_str()),
            (None, Some(r)) => (RefKind::ConfigMap, r.name.as_str(), r.key.as_str()),
            (None, None) => continue,
        };
        let (kind, name, key) = reference;
        if sources::stored_value(ctx.inventory, kind, name, key, namespace).is_some() {
            continue;
        }
        let secret = kind == RefKind::Secret;
        let policy_owns = ctx.policy.desired.iter().any(|d| match &d.value {
            PolicyValue::Secret { name: n, key: k } => secret && n == name && k == key,
            PolicyValue::ConfigMap { name: n, key: k } => !secret && n == name && k == key,
            PolicyValue::Literal(_) => false,
        });
        if policy_owns {
            continue;
        }
        let (label, field) = if secret {
            ("secret", "secretKeyRef")
        } else {
            ("configmap", "configMapKeyRef")
        };
        let shown = if clearml::names::name_is_only_a_key(&e.name) {
            format!("`{}`", e.name)
        } else {
            "(name not shown)".to_string()
        };
        let message = format!(
            "{shown} is read by ClearML and takes its value by {field} from `{name}` key `{key}`, which the tool cannot see (not in the rendered manifests, or a value fetched at install); ClearML parses that value as HOCON, so it could set any key"
        );
        // A name holding HOCON syntax is never printed, in the location either.
        let loc = if clearml::names::name_is_only_a_key(&e.name) {
            ctx.at(&e.name)
        } else {
            ctx.location.clone()
        };
        if ctx.policy.secrets.trusts_env_from(secret, name) {
            findings.push(
                Finding::new(
                    report::UNSEEN_VALUE_TRUSTED,
                    format!("{message}; the policy's [secrets] trust_unseen_sources vouches that it sets only this variable's key"),
                )
                .help("exit 0 rests on the policy's promise that the value is one HOCON value ClearML reads as meant; with [enforce] warnings = \"deny\" this refuses the render")
                .at(loc),
            );
        } else {
            findings.push(
                Finding::new(report::UNSEEN_VALUE, message)
                    .help(format!(
                        "create the {} (with the key) in the release, or remove the variable; if you know its value is one HOCON value ClearML reads as meant (`\"…\"`), vouch for it in the policy: [secrets] trust_unseen_sources = [\"{label}/{name}\"]",
                        if secret { "Secret" } else { "ConfigMap" },
                    ))
                    .at(loc),
            );
        }
    }
}

/// Rule 6b, for `[secrets] check = "all"`: `envFrom` sources and the Secret/ConfigMap volumes
/// the container mounts (read through the API types, so `optional: True` is a YAML 1.1
/// boolean as Kubernetes reads it). References marked optional are the chart's choice.
pub(super) fn other_references(container: &Node, ctx: &Context, findings: &mut Sink) {
    use k8s_openapi::api::core::v1::{EnvFromSource, Volume, VolumeMount};
    if ctx.policy.secrets.check != CheckScope::All {
        return;
    }
    let at = |what: String| Location {
        variable: Some(what),
        ..ctx.location.clone()
    };
    let env_from: Vec<EnvFromSource> = objects::typed(container, "envFrom").unwrap_or_default();
    for source in &env_from {
        let refs = [
            source
                .secret_ref
                .as_ref()
                .map(|r| ("secretRef", RefKind::Secret, &r.name, r.optional)),
            source
                .config_map_ref
                .as_ref()
                .map(|r| ("configMapRef", RefKind::ConfigMap, &r.name, r.optional)),
        ];
        for (field, kind, name, optional) in refs.into_iter().flatten() {
            if optional != Some(true) {
                let loc = at(format!("envFrom {field} {name}"));
                resolve_reference(ctx, kind, name, None, loc, findings);
            }
        }
    }
    let mounts: Vec<VolumeMount> = objects::typed(container, "volumeMounts").unwrap_or_default();
    let volumes: Vec<Volume> = ctx
        .volumes
        .iter()
        .filter_map(|v| serde_json::from_value(v.clone()).ok())
        .collect();
    for volume in volumes
        .iter()
        .filter(|v| mounts.iter().any(|m| m.name == v.name))
    {
        // (kind, name, the keys it projects, optional)
        let mut refs: Vec<(RefKind, String, Vec<String>, Option<bool>)> = Vec::new();
        let keys = |items: &Option<Vec<k8s_openapi::api::core::v1::KeyToPath>>| {
            items
                .iter()
                .flatten()
                .map(|i| i.key.clone())
                .collect::<Vec<_>>()
        };
        if let Some(s) = &volume.secret {
            let name = s.secret_name.clone().unwrap_or_default();
            refs.push((RefKind::Secret, name, keys(&s.items), s.optional));
        }
        if let Some(c) = &volume.config_map {
            refs.push((
                RefKind::ConfigMap,
                c.name.clone(),
                keys(&c.items),
                c.optional,
            ));
        }
        for source in volume
            .projected
            .iter()
            .flat_map(|p| p.sources.iter().flatten())
        {
            if let Some(s) = &source.secret {
                refs.push((RefKind::Secret, s.name.clone(), keys(&s.items), s.optional));
            }
            if let Some(c) = &source.config_map {
                refs.push((
                    RefKind::ConfigMap,
                    c.name.clone(),
                    keys(&c.items),
                    c.optional,
                ));
            }
        }
        for (kind, name, keys, optional) in refs {
            if optional == Some(true) {
                continue;
            }
            let loc = at(format!("volume {}", volume.name));
            if keys.is_empty() {
                resolve_reference(ctx, kind, &name, None, loc.clone(), findings);
            }
            for key in &keys {
                // A volume may project a ConfigMap's binaryData key (an env reference may not).
                let namespace = ctx.location.object.namespace.as_deref();
                let binary =
                    sources::resolve(ctx.inventory, ctx.policy, kind, &name, Some(key), namespace)
                        == Resolution::BadKey(KeyState::BinaryOnly);
                if !binary {
                    resolve_reference(ctx, kind, &name, Some(key), loc.clone(), findings);
                }
            }
        }
    }
}

/// Resolves one reference and reports what is wrong with it.
pub(super) fn resolve_reference(
    ctx: &Context,
    kind: RefKind,
    name: &str,
    key: Option<&str>,
    loc: Location,
    findings: &mut Sink,
) {
    let namespace = ctx.location.object.namespace.as_deref();
    let (missing, missing_key) = match kind {
        RefKind::Secret => (report::MISSING_SECRET, report::MISSING_SECRET_KEY),
        RefKind::ConfigMap => (report::MISSING_CONFIGMAP, report::MISSING_CONFIGMAP_KEY),
    };
    let what = kind.as_str();
    let key_text = key.map(|k| format!(" (key `{k}`)")).unwrap_or_default();
    let with_key = key.map(|k| format!(" with key `{k}`")).unwrap_or_default();
    let sources = if kind == RefKind::Secret {
        " (a Secret, ExternalSecret or SealedSecret)"
    } else {
        ""
    };
    let finding = match sources::resolve(ctx.inventory, ctx.policy, kind, name, key, namespace) {
        Resolution::Provided(_) | Resolution::External => return,
        Resolution::MaybeByDataFrom => Finding::new(
            report::KEY_FROM_DATAFROM,
            format!("{what} `{name}`{key_text} is expected from an ExternalSecret's dataFrom; the key cannot be checked before install"),
        ),
        Resolution::Missing => {
            // A typo of a name the stream does provide (names only, never values).
            let provided = ctx
                .inventory
                .sources
                .iter()
                .filter(|s| s.kind.is_secret() == (kind == RefKind::Secret))
                .map(|s| s.object.name.as_str());
            let near = crate::policy::nearest_typo(name, provided)
                .map(|n| format!("did you mean {what} `{n}`, which the release provides? Otherwise "))
                .unwrap_or_default();
            Finding::new(missing, format!("{what} `{name}`{key_text} is not in the rendered manifests")).help(
                format!(
                    "{near}create {what} `{name}`{with_key} in the release{sources}, or list it under [secrets] external = [\"{name}\"] if it is created outside the release"
                ),
            )
        }
        Resolution::MissingKey(keys) => {
            let key = key.unwrap_or_default();
            // Key names only: a near miss is usually a typo on one side or the other.
            let help = match crate::policy::nearest_typo(key, keys.iter().map(String::as_str)) {
                Some(near) => format!("did you mean `{near}`? Use the key {what} `{name}` has, or add `{key}` to it"),
                None => format!("add key `{key}` to {what} `{name}`, or reference one of the keys it has"),
            };
            Finding::new(
                missing_key,
                format!("{what} `{name}` has no key `{key}` (it has: {})", keys.join(", ")),
            )
            .help(help)
        }
        Resolution::Hook(why) => Finding::new(
            missing,
            format!("{what} `{name}` is {why}: it does not exist when the apiserver starts"),
        )
        .help(format!(
            "make {what} `{name}` a regular resource of the release, or a `pre-install,pre-upgrade` hook without `hook-succeeded` in its delete policy"
        )),
        Resolution::BadKey(state) => {
            let why = match state {
                KeyState::Empty => "is empty",
                KeyState::Placeholder => "holds a placeholder, not a real value",
                KeyState::InvalidBase64 => "is not valid base64 under `data`",
                KeyState::NotUtf8 => "is not UTF-8 text: the apiserver (Python) reads such bytes as escapes it cannot send to the identity provider",
                KeyState::Nul => "holds a NUL byte, which no environment variable can hold: the apiserver's container would not start",
                KeyState::BinaryOnly => "is under `binaryData`, which an env reference cannot read (the kubelet reads `data` only)",
                KeyState::Present => unreachable!("a present key resolves"),
            };
            Finding::new(missing_key, format!("key `{}` of {what} `{name}` {why}", key.unwrap_or_default()))
        }
    };
    findings.push(finding.at(loc));
}
