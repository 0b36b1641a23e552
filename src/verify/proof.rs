//! The proof behind exit 0, for one document (its driver is [`super`]).
//!
//! After the correction, every document that holds a targeted container is read again the
//! way Kubernetes reads it ([`crate::kube::read`]: aliases expanded, `<<` merges applied, the
//! last of a duplicate key kept, every YAML line break honoured) — a reader independent of the
//! editing tree — and two things are proved before a byte reaches stdout:
//!
//! 1. **Nothing else changed.** With the `env` lists of targeted containers set aside, the
//!    document means exactly what the input meant, and the same containers are targeted.
//!    Inside those lists, every variable that is not an SSO setting keeps its effective value.
//! 2. **ClearML gets exactly the policy.** In each targeted container's *effective* env
//!    (Kubernetes keeps the last entry of a name), every setting of the policy is present with
//!    the policy's value or reference, no other spelling ClearML reads addresses the same
//!    setting, every SSO reference to a Secret or ConfigMap is provided (the secrets gate), and
//!    under `plaintext_secrets = "deny"` no credential is a literal.
//! 3. **ClearML's loader ends with the policy.** When 1 and 2 hold, [`super::tree`] runs
//!    ClearML's loader on each targeted container of the output and compares its SSO trees
//!    with the policy.
//!
//! Before any of it, the process environment of each targeted container of the output is
//! built as the kubelet builds it ([`super::tree::environment`]): one with a variable longer
//! than Linux lets a process have never starts, and one with a variable Kubernetes' expansion
//! makes into bytes that are not UTF-8 (a `$` before a non-ASCII character) holds no text the
//! tool can know; either is the document's one problem (`env-too-long`, `env-not-text`, not
//! `unverified-output`; [`Problem::unfit`]).
//!
//! A failed proof is an error naming the document, container and what differs (paths and
//! variable names, never values); the render then writes nothing. The proof reads; it never
//! corrects, and it shares with the corrections only the facts of [`crate::kube`] (which
//! containers there are, which sources a reference reads) and of [`crate::clearml`].

use crate::clearml::{names, values};
use crate::kube::sources::{self, Inventory, RefKind, Resolution};
use crate::kube::{objects, workload};
use crate::policy::{Plaintext, Policy, Value as PolicyValue};
use serde_json::Value;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// One targeted container as Kubernetes reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Target<'a> {
    /// Where it is: object path (indices through `kind: List` items) and container index.
    pub at: (Vec<usize>, usize),
    /// `kind/name`.
    pub workload: String,
    /// The object's namespace, when the manifest sets it.
    pub namespace: Option<String>,
    /// The container's name.
    pub container: String,
    /// The container object.
    pub value: &'a Value,
    /// The workload object holding it.
    pub object: &'a Value,
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_str()
}

/// The containers of a document the policy targets, as Kubernetes reads the document.
pub fn targets<'a>(doc: &'a Value, policy: &Policy) -> Vec<Target<'a>> {
    workload::containers(doc)
        .into_iter()
        .filter(|c| {
            policy.target.selects_workload(c.kind, c.workload)
                && policy.target.selects_container(c.name)
        })
        .map(|c| Target {
            workload: format!("{}/{}", c.kind, c.workload),
            namespace: c.namespace.map(str::to_string),
            container: c.name.to_string(),
            value: c.value,
            object: c.object,
            at: c.at,
        })
        .collect()
}

/// The first JSON path at which two values differ (for a message that shows no value),
/// leaving out the `env` of each targeted container: `envs` pairs each one as read from one
/// side with the same container (same path) on the other, and since a node is told by its
/// address, the walk skips `env` exactly where removing it from both documents would.
fn first_difference(a: &Value, b: &Value, envs: &[(&Value, &Value)], path: &mut String) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let skip_env = envs
                .iter()
                .any(|(p, q)| std::ptr::eq(*p, a) && std::ptr::eq(*q, b));
            let compared = |k: &str| !(skip_env && k == "env");
            // Each key in both is compared once (visiting it again from `y` would make the
            // walk exponential in the depth); then only the keys `x` lacks are left.
            for (k, p) in x.iter().filter(|(k, _)| compared(k)) {
                let len = path.len();
                path.push('/');
                path.push_str(k);
                match y.get(k) {
                    Some(q) if !first_difference(p, q, envs, path) => {}
                    _ => return true,
                }
                path.truncate(len);
            }
            match y.keys().find(|k| compared(k) && !x.contains_key(*k)) {
                Some(k) => {
                    path.push('/');
                    path.push_str(k);
                    true
                }
                None => false,
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                let len = path.len();
                {
                    use std::fmt::Write as _;
                    let _ = write!(path, "/{i}");
                }
                if first_difference(p, q, envs, path) {
                    return true;
                }
                path.truncate(len);
            }
            false
        }
        _ => a != b,
    }
}

/// One entry of a container's effective env, and what the process gets from it.
struct Effective<'a> {
    entry: &'a Value,
    /// A literal after Kubernetes' `$(VAR)` expansion (against the entries before it); for a
    /// `valueFrom`, the reference itself. `Err`: the expansion, or a variable it names, would
    /// be longer than any variable can be ([`objects::MAX_ENV_VALUE`]) or is not UTF-8, and was
    /// not built.
    meaning: Result<String, objects::Unrepresentable>,
}

/// A container's effective env: for each name, the last entry (Kubernetes' rule), with the
/// value the process gets. Ordered by name: the problems found by walking it must come in the
/// same order on every run (a hash map's order changes from one process to the next).
fn effective_env(container: &Value) -> Result<BTreeMap<&str, Effective<'_>>, String> {
    let mut out: BTreeMap<&str, Effective> = BTreeMap::new();
    match container.get("env") {
        None | Some(Value::Null) => {}
        Some(Value::Array(entries)) => {
            for e in entries {
                let name = e
                    .get("name")
                    .and_then(Value::as_str)
                    .ok_or("an env entry without a string `name`")?;
                let meaning = match e.get("value").and_then(Value::as_str) {
                    Some(text) if e.get("valueFrom").is_none_or(Value::is_null) => {
                        // The first unbuilt variable it reads comes before any problem of its
                        // own in the text (the expansion stops at that).
                        let mut unbuilt = None;
                        let expanded = objects::expand_env(text, |var| {
                            let d = out.get(var)?;
                            if let Err(why) = d.meaning {
                                unbuilt.get_or_insert(why);
                            }
                            Some(d.meaning.as_deref().unwrap_or_default())
                        });
                        match unbuilt {
                            Some(why) => Err(why),
                            None => expanded,
                        }
                    }
                    // The JSON `Display` writes, serialized straight into the text rather than
                    // through a formatter (a `Value` always serializes).
                    _ => Ok(
                        serde_json::to_string(e.get("valueFrom").unwrap_or(&Value::Null))
                            .map(|json| ["\u{1}", &json].concat())
                            .map_err(|e| e.to_string())?,
                    ),
                };
                out.insert(name, Effective { entry: e, meaning });
            }
        }
        Some(_) => return Err("`env` is not a list".into()),
    }
    Ok(out)
}

/// Whether an entry's meaning is the stand-in `\u{1}` + the JSON of a `valueFrom` object
/// whose keys and strings are plain words (`[A-Za-z0-9._-]`), its other leaves `true`,
/// `false` or `null`: that text never reads as other keys (after the one unquoted `\u{1}`,
/// the `{`…`}` runs to the end of the text, every `,` and `:` inside it, every string quoted
/// with nothing to escape), so the reading that asks is skipped. The unit test
/// `a_plain_reference_stand_in_sets_no_other_key` reads such texts.
fn plain_reference_stand_in(e: &Effective) -> bool {
    fn plain(s: &str) -> bool {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    }
    fn leaves(v: &Value, depth: usize) -> bool {
        match v {
            Value::Object(m) => {
                depth < 4 && m.iter().all(|(k, v)| plain(k) && leaves(v, depth + 1))
            }
            Value::String(s) => plain(s),
            Value::Bool(_) | Value::Null => true,
            _ => false,
        }
    }
    let from = e.entry.get("valueFrom");
    let literal = e.entry.get("value").and_then(Value::as_str);
    // The stand-in is the meaning exactly when the entry is not a plain literal
    // ([`effective_env`]).
    let stand_in = literal.is_none() || from.is_some_and(|f| !f.is_null());
    stand_in && from.is_some_and(|f| matches!(f, Value::Object(_)) && leaves(f, 0))
}

fn reference<'a>(entry: &'a Value, kind: &str) -> Option<&'a Value> {
    entry.get("valueFrom")?.get(kind)
}

/// Whether an effective entry gives exactly the policy's value or reference.
fn gives(effective: &Effective, want: &PolicyValue) -> bool {
    let entry = effective.entry;
    let literal = entry.get("value").and_then(Value::as_str);
    let from = entry.get("valueFrom").filter(|v| !v.is_null());
    let same_ref = |kind: &str, name: &str, key: &str| {
        from.is_some()
            && literal.is_none()
            && entry.get("value").is_none_or(Value::is_null)
            && reference(entry, kind).is_some_and(|r| {
                str_at(r, &["name"]) == Some(name)
                    && str_at(r, &["key"]) == Some(key)
                    && r.get("optional") != Some(&Value::Bool(true))
            })
            && from
                .and_then(Value::as_object)
                .is_some_and(|o| o.len() == 1)
    };
    match want {
        PolicyValue::Literal(l) => {
            from.is_none()
                && literal.is_some()
                && effective.meaning.as_deref().is_ok_and(|m| l.matches(m))
        }
        PolicyValue::Secret { name, key } => same_ref("secretKeyRef", name, key),
        PolicyValue::ConfigMap { name, key } => same_ref("configMapKeyRef", name, key),
    }
}

/// Why a value ClearML reads from a Secret or ConfigMap is unsafe, if it is: it sets other
/// keys, or ClearML's parser rejects it. (What it means for an SSO option is judged, and
/// reported with the Secret and key, by the correction's value rules.) `path` is where ClearML
/// reads it, [`path_of`] the variable's name (the caller has it already).
fn unsafe_for_clearml(path: &str, text: &str) -> Option<&'static str> {
    // An object at the path is the tree comparison's ([`super::tree`]): it names the
    // provider or option it changes.
    match values::reading_any_env(path, text) {
        values::Reading::OtherKeys(_) => Some("would also set other ClearML settings (a `,` or a line break outside quotes starts another key)"),
        values::Reading::Fails(_) => Some("is a value ClearML's HOCON parser rejects: the apiserver would not start"),
        _ => None,
    }
}

/// The configuration path the loader reads a variable at (its name without the prefix, `__`
/// as `.`, lower-cased).
fn path_of(name: &str) -> String {
    names::config_path(name).unwrap_or_default()
}

/// The value a `secretKeyRef`/`configMapKeyRef` entry reads, when the stream shows it.
fn stored_reference(
    entry: &Value,
    inventory: &Inventory,
    namespace: Option<&str>,
) -> Option<String> {
    for (field, kind) in [
        ("secretKeyRef", RefKind::Secret),
        ("configMapKeyRef", RefKind::ConfigMap),
    ] {
        if let Some(r) = reference(entry, field) {
            let (name, key) = (str_at(r, &["name"])?, str_at(r, &["key"])?);
            return sources::stored_value(inventory, kind, name, key, namespace)
                .map(|(_, v)| v.text_for_judging().to_string());
        }
    }
    None
}

/// The variables the target's `envFrom` sources in the stream bring in and its `env` does not
/// override, each with its value when the stream shows it (the corrections' resolution:
/// [`sources::env_from`], in the workload's namespace).
fn env_from_variables(
    target: &Target,
    inventory: &Inventory,
    env: &BTreeMap<&str, Effective>,
) -> Vec<(String, Option<String>)> {
    let env_from: Vec<k8s_openapi::api::core::v1::EnvFromSource> = target
        .value
        .get("envFrom")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    sources::env_from(&env_from, inventory, target.namespace.as_deref())
        .into_iter()
        .filter(|v| !env.contains_key(v.name.as_str()))
        .map(|v| {
            let value = v.value.map(|s| s.text_for_judging().to_string());
            (v.name, value)
        })
        .collect()
}

/// Whether ClearML would read the variable `name` for (part of) the setting `d`: a name it
/// reads whose config path is the setting's, above it or below it.
pub(crate) fn competes(path: &str, d: &crate::policy::Desired) -> bool {
    // `want` is `<section>.<d.path>`; compared by its two parts, without building it (asked
    // for every name against every setting). Bytes, not `str` slices: a name from an `envFrom`
    // source may hold multi-byte characters.
    let (p, section) = (path.trim().as_bytes(), d.option.section.as_str().as_bytes());
    match p.strip_prefix(section).and_then(|p| p.strip_prefix(b".")) {
        // A path in the setting's section: the setting's, above it or below it.
        Some(within) => {
            let rest = d.path.as_bytes();
            at_or_above(within, rest) || at_or_above(rest, within)
        }
        // The section itself is above every setting in it (a section name holds no `.`).
        None => p == section,
    }
}

/// Whether the config path `a` is `b` or above it: `b` starts with `a`, followed by a `.` or
/// nothing.
fn at_or_above(a: &[u8], b: &[u8]) -> bool {
    b.starts_with(a) && matches!(b.get(a.len()), None | Some(b'.'))
}

/// Variables that `envFrom` sources in the stream bring in and that ClearML would read for a
/// setting of the policy under another spelling (the same spelling is overridden by `env`).
fn env_from_shadows(from: &[(String, Option<String>)], policy: &Policy) -> Vec<String> {
    from.iter()
        .filter_map(|(var, _)| {
            let path = names::config_path(var)?;
            let d = policy
                .desired
                .iter()
                .find(|d| *var != d.name && competes(&path, d))?;
            Some(format!(
                "`envFrom` brings in `{var}`, which ClearML would also read for {}",
                d.label
            ))
        })
        .collect()
}

/// Checks one document: `before` as read from the input, `after` as it would be written.
/// Returns the problems found, each a sentence naming where (never a value).
/// What to do about a value or name ClearML would read as more than one setting: not the YAML
/// advice the other problems get (they arise only from YAML the tool cannot see through).
pub const HOCON_VALUE_HELP: &str = "ClearML parses every CLEARML__ variable as HOCON `path: value` and merges them into one configuration, so this one could set any setting, the policy's included. Write the value in the chart as a quoted HOCON string (`\"…\"`, with `\\` and `\"` escaped), or remove the variable";
/// The same for a value read from a Secret or ConfigMap.
pub const HOCON_STORED_HELP: &str = "ClearML parses every CLEARML__ variable as HOCON `path: value`: store the value in its Secret or ConfigMap HOCON-quoted (`\"…\"`, with `\\` and `\"` escaped), or remove the variable";
/// A name ClearML reads that holds HOCON syntax.
pub const HOCON_NAME_HELP: &str = "a CLEARML__ name may hold only letters, digits, `_`, `.` and `-`; remove this entry (or `envFrom` key) from the chart";
/// Another variable whose path is a prefix or extension of a policy setting's.
pub const COMPETING_HELP: &str = "ClearML merges every CLEARML__ variable into one configuration, so this one sets the policy's setting too and could win: remove it from the chart, and set what it holds in the policy";

/// What to do about a variable whose expansion is not UTF-8.
pub const NOT_UTF8_HELP: &str = "Write `$$` for a literal `$` (Kubernetes gives `$$é` as `$é`): Kubernetes keeps a lone `$` as written only before an ASCII character. The tool writes every `$` of the policy's values as `$$`";

/// What to do about a variable longer than Linux lets a process have.
pub const TOO_LONG_HELP: &str = "Shorten the value. Kubernetes replaces each `$(VAR)` with VAR's whole value, so entries that each repeat an earlier one (`B = $(A)$(A)`, `C = $(B)$(B)`, …) double it every time; pass large data as a file (a ConfigMap or Secret volume) rather than in the environment. The tool builds no value past this bound";

/// One thing the proof found, with what to do about it when that is not the generic advice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// What differs (names, never values).
    pub message: String,
    /// What to do, for the problems a chart can have without any YAML trick.
    pub help: Option<&'static str>,
    /// A targeted container with a variable the tool cannot know as text, the variable, and
    /// why (see [`crate::kube::env::EnvMisfit`]): longer than Linux lets a process have (the
    /// container never starts), or not UTF-8. Its finding is `env-too-long` or `env-not-text`
    /// rather than `unverified-output`, and names them.
    pub unfit: Option<UnfitAt>,
}

/// Where a variable the tool cannot know as text is, and why: what [`Problem::unfit`] holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnfitAt {
    /// The container.
    pub container: String,
    /// The variable.
    pub variable: String,
    /// Why.
    pub why: objects::Unrepresentable,
}

/// A variable's name as a finding may show it: a name ClearML would read as more than a key
/// may hold a value, and is not shown.
fn shown_name(name: &str) -> Option<&str> {
    names::name_is_only_a_key(name).then_some(name)
}

/// A variable, named in a message when its name may be shown ([`shown_name`]).
fn the_variable(name: &str) -> String {
    match shown_name(name) {
        Some(name) => format!("the variable `{name}`"),
        None => "a variable whose name is not shown".to_string(),
    }
}

/// The problem of a targeted container whose process would get `misfit.name` with a value the
/// tool cannot know as text ([`crate::kube::env::EnvMisfit`]): longer than Linux allows (the
/// container never starts), or not UTF-8 (what Kubernetes makes of a `$` before a non-ASCII
/// character). The value is not shown (it was not even built).
fn unfit(target: &Target, misfit: &crate::kube::env::EnvMisfit) -> Problem {
    let name = misfit.name.as_str();
    let named = match shown_name(name) {
        Some(name) => format!("`{name}`"),
        None => "a variable whose name is not shown".to_string(),
    };
    let (message, help) = match misfit.why {
        objects::Unrepresentable::TooLong => (
            format!(
                "the value Kubernetes gives {} (after expanding `$(…)`) is too long for an environment variable: `NAME=value` with its NUL passes {} bytes ({} KiB, Linux's MAX_ARG_STRLEN), so Linux refuses to start the process (E2BIG) and the container never runs",
                named,
                objects::MAX_ARG_STRLEN,
                objects::MAX_ARG_STRLEN / 1024
            ),
            TOO_LONG_HELP,
        ),
        objects::Unrepresentable::NotUtf8 => (
            format!(
                "the value Kubernetes gives {named} is not UTF-8, so not the text written: its entry has a `$` directly before a non-ASCII character, and Kubernetes' `$(…)` expansion gives such a `$` back with the character's first byte as a character of its own and then the character's other bytes (`$é` becomes `$Ã` and a stray byte); the process would get bytes the tool cannot know as text",
            ),
            NOT_UTF8_HELP,
        ),
    };
    Problem {
        message,
        help: Some(help),
        unfit: Some(UnfitAt {
            container: target.container.clone(),
            variable: shown_name(name).unwrap_or("(name not shown)").to_string(),
            why: misfit.why,
        }),
    }
}

/// The proof's problems for one document, as messages (see [`problems`]).
pub fn document(
    before: &Value,
    after: &Value,
    policy: &Policy,
    inventory: &Inventory,
) -> Vec<String> {
    let services = crate::kube::env::ServiceLinks::default();
    problems(before, after, policy, inventory, &services)
        .into_iter()
        .map(|p| p.message)
        .collect()
}

/// Proves one document (see the module): every way Kubernetes or ClearML would read it other
/// than the policy says, empty when the proof holds. `services`: the run's service-link
/// variables ([`crate::kube::env::ServiceLinks`], one per inventory).
pub fn problems(
    before: &Value,
    after: &Value,
    policy: &Policy,
    inventory: &Inventory,
    services: &crate::kube::env::ServiceLinks,
) -> Vec<Problem> {
    let mut helped: Vec<Problem> = Vec::new();
    let mut hocon = |message: String, help: &'static str| {
        helped.push(Problem {
            message,
            help: Some(help),
            unfit: None,
        })
    };
    let mut problems: Vec<String> = Vec::new();
    let (tb, ta) = (targets(before, policy), targets(after, policy));
    let ids = |t: &[Target]| t.iter().map(|t| t.at.clone()).collect::<Vec<_>>();
    if ids(&tb) != ids(&ta) {
        return vec![Problem {
            message: "Kubernetes would read a different set of targeted containers in the output than in the input".to_string(),
            help: None,
            unfit: None,
        }];
    }
    // What the kubelet gives each targeted container of the output, built before anything is
    // compared: a container with a variable longer than Linux lets a process have never
    // starts, whatever else holds (its expansion was not built past the bound), and one with
    // a variable that is not UTF-8 gets no text the tool can know.
    let mut environments = Vec::with_capacity(ta.len());
    for a in &ta {
        match super::tree::environment(a, inventory, services) {
            Ok(environment) => environments.push(environment),
            Err(e) => return vec![unfit(a, &e)],
        }
    }
    let mut path = String::new();
    // The same ids: each targeted container of `before` pairs with the one at its path in
    // `after`.
    let envs: Vec<(&Value, &Value)> = tb
        .iter()
        .zip(&ta)
        .map(|(b, a)| (b.value, a.value))
        .collect();
    if first_difference(before, after, &envs, &mut path) {
        problems.push(format!(
            "outside the SSO env lists, Kubernetes would read the output differently at `{}`",
            if path.is_empty() { "/" } else { &path }
        ));
    }
    for (b, a) in tb.iter().zip(&ta) {
        let at = format!("{} container `{}`", a.workload, a.container);
        let (eb, ea) = match (effective_env(b.value), effective_env(a.value)) {
            (Ok(eb), Ok(ea)) => (eb, ea),
            (Err(e), _) | (_, Err(e)) => {
                problems.push(format!("{at}: {e}"));
                continue;
            }
        };
        // The kubelet's environment fits (above), but the proof's reading, which counts a
        // `valueFrom` as its reference and leaves `$(VAR)` of an `envFrom` or service-link
        // variable as written, passed the bound (or, should it ever, met a `$` before a
        // non-ASCII character): what the variable holds cannot be compared.
        if let Some((name, why)) = ea
            .iter()
            .find_map(|(n, e)| Some((*n, e.meaning.as_ref().err()?)))
        {
            let (what, help) = match why {
                objects::Unrepresentable::TooLong => (
                    "would be longer than any environment variable can be",
                    TOO_LONG_HELP,
                ),
                objects::Unrepresentable::NotUtf8 => ("would not be UTF-8", NOT_UTF8_HELP),
            };
            hocon(
                format!(
                    "{at}: as the proof reads the env (a `valueFrom` as its reference), {} {what}, so what it holds cannot be compared",
                    the_variable(name)
                ),
                help,
            );
            continue;
        }
        // ClearML parses `<path>: <value>` for every variable it reads: a name or value with
        // HOCON syntax could set any setting, the policy's included. Such a name is not shown.
        // Each name of the output's env as an SSO setting, once: asked below of every name,
        // of each that changed (most of the changed ones are SSO settings), and here for the
        // config path an SSO name already holds.
        let sso_of: BTreeMap<&str, Option<names::SsoName>> =
            ea.keys().map(|n| (*n, names::parse_name(n))).collect();
        // The config path of every name ClearML reads (and can read as only a key), once: read
        // here and for every setting below.
        let mut paths: Vec<(&str, Cow<str>)> = Vec::new();
        for (name, e) in &ea {
            if !names::read_by_clearml(name) {
                continue;
            }
            if !names::name_is_only_a_key(name) {
                hocon(
                    format!("{at}: an env name ClearML reads holds HOCON syntax (not shown)"),
                    HOCON_NAME_HELP,
                );
                continue;
            }
            let path = match sso_of.get(name).and_then(|s| s.as_ref()?.config_path()) {
                Some(path) => Cow::Borrowed(path),
                None => Cow::Owned(path_of(name)),
            };
            if !plain_reference_stand_in(e)
                && matches!(
                    values::reading_any_env(&path, e.meaning.as_deref().unwrap_or_default()),
                    values::Reading::OtherKeys(_)
                )
            {
                hocon(format!(
                    "{at}: the value of `{name}` would also set other ClearML settings (a `,` or a line break outside quotes starts another key)"
                ), HOCON_VALUE_HELP);
            } else if let Some(stored) =
                stored_reference(e.entry, inventory, a.namespace.as_deref())
            {
                if let Some(why) = unsafe_for_clearml(&path, &stored) {
                    hocon(
                        format!("{at}: the value `{name}` reads from a Secret or ConfigMap {why}"),
                        HOCON_STORED_HELP,
                    );
                }
            }
            paths.push((*name, path));
        }
        // Every variable an `envFrom` source in the stream brings in that ClearML reads: its
        // value is parsed as HOCON too.
        let from = env_from_variables(a, inventory, &ea);
        for (var, stored) in from.iter().filter(|(v, _)| names::read_by_clearml(v)) {
            let Some(stored) = stored else { continue };
            if !names::name_is_only_a_key(var) {
                hocon(format!(
                    "{at}: an `envFrom` source brings in a name ClearML reads that holds HOCON syntax (not shown)"
                ), HOCON_NAME_HELP);
            } else if let Some(why) = unsafe_for_clearml(&path_of(var), stored) {
                hocon(
                    format!("{at}: the value `envFrom` brings in as `{var}` {why}"),
                    HOCON_STORED_HELP,
                );
            }
        }
        // Variables that are not SSO settings keep their entry and what the process gets.
        let names: std::collections::BTreeSet<&&str> = eb.keys().chain(ea.keys()).collect();
        for name in names {
            let same = match (eb.get(name), ea.get(name)) {
                (Some(x), Some(y)) => x.entry == y.entry && x.meaning == y.meaning,
                (None, None) => true,
                _ => false,
            };
            // Most entries are the same: the name is looked at only for one that is not.
            let not_sso = || match sso_of.get(*name) {
                Some(sso) => sso.is_none(),
                None => names::parse_name(name).is_none(),
            };
            if !same && not_sso() {
                problems.push(format!(
                    "{at}: the variable `{name}` would {}",
                    if ea.contains_key(name) {
                        "change"
                    } else {
                        "be lost"
                    }
                ));
            }
        }
        for d in &policy.desired {
            match ea.get(d.name.as_str()) {
                Some(e) if gives(e, &d.value) => {}
                Some(_) => problems.push(format!(
                    "{at}: `{}` would not hold the policy's value for {}",
                    d.name, d.label
                )),
                None => problems.push(format!("{at}: `{}` ({}) would be missing", d.name, d.label)),
            }
            for (other, path) in paths.iter().filter(|(n, _)| **n != d.name) {
                if competes(path, d) {
                    hocon(format!(
                        "{at}: `{other}` would also set {}, so ClearML might not read the policy's value",
                        d.label
                    ), COMPETING_HELP);
                }
            }
        }
        problems.extend(
            env_from_shadows(&from, policy)
                .into_iter()
                .map(|m| format!("{at}: {m}")),
        );
        for (name, e) in &ea {
            let entry = e.entry;
            let Some(Some(sso)) = sso_of.get(name) else {
                continue;
            };
            let credential = sso.option().is_none_or(|o| o.secret);
            if credential
                && policy.enforce.plaintext_secrets == Plaintext::Deny
                && sso.option().is_some()
                && entry.get("value").is_some_and(|v| !v.is_null())
            {
                problems.push(format!(
                    "{at}: the credential `{name}` would be a literal value"
                ));
            }
            for (kind, ref_kind) in [
                ("secretKeyRef", RefKind::Secret),
                ("configMapKeyRef", RefKind::ConfigMap),
            ] {
                let Some(r) = reference(entry, kind) else {
                    continue;
                };
                let (Some(rname), Some(key)) = (str_at(r, &["name"]), str_at(r, &["key"])) else {
                    problems.push(format!("{at}: `{name}` has a {kind} without a name or key"));
                    continue;
                };
                match sources::resolve(inventory, policy, ref_kind, rname, Some(key), a.namespace.as_deref()) {
                    Resolution::Provided(_) | Resolution::External | Resolution::MaybeByDataFrom => {}
                    _ => problems.push(format!(
                        "{at}: `{name}` would read {} `{rname}` key `{key}`, which the release does not provide",
                        ref_kind.as_str()
                    )),
                }
            }
        }
    }
    // The trees, once nothing above is wrong: what ClearML's loader ends with is the policy.
    if problems.is_empty() && helped.is_empty() {
        for (a, environment) in ta.iter().zip(environments) {
            helped.extend(super::tree::problems(a, environment, policy, inventory));
        }
    }
    let mut all: Vec<Problem> = problems
        .into_iter()
        .map(|message| Problem {
            message,
            help: None,
            unfit: None,
        })
        .collect();
    all.extend(helped);
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kube::read::read;

    #[test]
    fn a_plain_reference_stand_in_sets_no_other_key() {
        // Every `valueFrom` whose stand-in the proof does not read, read: never other keys.
        let words = [
            "k",
            "a.b",
            "x-1_Y",
            "0",
            "",
            "true",
            "include",
            "secretKeyRef",
        ];
        let leaves = [
            serde_json::json!("v"),
            serde_json::json!(""),
            serde_json::json!("a.b-c_9"),
            serde_json::json!(true),
            serde_json::json!(null),
        ];
        let mut froms = Vec::new();
        for a in words {
            for b in words {
                for l in &leaves {
                    froms.push(serde_json::json!({ a: { b: l } }));
                    froms.push(serde_json::json!({ a: { b: l, "name": "n" }, b: {} }));
                    froms.push(serde_json::json!({ a: l }));
                }
            }
        }
        froms.push(serde_json::json!({}));
        froms.push(
            serde_json::json!({"secretKeyRef": {"key": "k", "name": "n", "optional": false}}),
        );
        let mut skipped = 0;
        for from in froms {
            let entry = serde_json::json!({"name": "CLEARML__A__B", "valueFrom": from});
            let container = serde_json::json!({ "env": [entry] });
            let env = effective_env(&container).unwrap();
            let e = &env["CLEARML__A__B"];
            if plain_reference_stand_in(e) {
                skipped += 1;
                for path in [
                    "a.b",
                    "secure.login.sso.oauth_client.keycloak.client_secret",
                ] {
                    assert!(
                        !matches!(
                            values::reading_any_env(path, e.meaning.as_deref().unwrap()),
                            values::Reading::OtherKeys(_)
                        ),
                        "{:?}",
                        e.meaning
                    );
                }
            }
        }
        assert!(skipped > 500, "{skipped}");
        // Not taken: a literal, a list, a string that needs escaping.
        for entry in [
            serde_json::json!({"name": "X", "value": "a"}),
            serde_json::json!({"name": "X", "valueFrom": [1]}),
            serde_json::json!({"name": "X", "valueFrom": {"a": "b,c: d"}}),
            serde_json::json!({"name": "X", "valueFrom": {"a": 1}}),
        ] {
            let container = serde_json::json!({ "env": [entry] });
            let env = effective_env(&container).unwrap();
            assert!(!plain_reference_stand_in(&env["X"]));
        }
    }

    fn policy() -> Policy {
        crate::policy::parse(
            "version = 1\n[providers.google]\nclient_id = \"abc\"\nclient_secret = { secret = \"s\", key = \"k\" }\n[secrets]\nexternal = [\"s\"]\n",
            "p.toml",
        )
        .unwrap()
    }

    const GOOD: &str = "kind: Deployment\nmetadata:\n  name: clearml-apiserver\nspec:\n  template:\n    spec:\n      containers:\n      - name: clearml-apiserver\n        env:\n        - name: MONGO\n          value: m\n        - name: CLEARML__secure__login__sso__oauth_client__google__client_id\n          value: abc\n        - name: CLEARML__secure__login__sso__oauth_client__google__client_secret\n          valueFrom:\n            secretKeyRef: {name: s, key: k}\n";

    fn check(before: &str, after: &str) -> Vec<String> {
        let p = policy();
        let (b, a) = (
            read(before).unwrap().unwrap(),
            read(after).unwrap().unwrap(),
        );
        document(&b, &a, &p, &Inventory::default())
    }

    #[test]
    fn an_env_from_source_of_the_same_name_in_another_namespace_is_not_read() {
        // The Secret in `other` holds a ClearML variable whose value would set other keys;
        // the apiserver in `clearml` reads the one in its own namespace, which does not.
        let policy = policy();
        let stream = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: extra\n  namespace: other\nstringData:\n  CLEARML__services__x: \"a, y: b\"\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: extra\n  namespace: clearml\nstringData:\n  FOO: bar\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: clearml-apiserver\n  namespace: clearml\nspec:\n  template:\n    spec:\n      containers:\n      - name: clearml-apiserver\n        envFrom:\n        - secretRef:\n            name: extra\n";
        let out = crate::render(stream.as_bytes(), &policy).unwrap();
        assert!(!out.has_errors(), "{:?}", out.findings);
        // In its own namespace, the same Secret is read and refused.
        let same = stream
            .replace("namespace: other", "namespace: clearml")
            .replace(
                "  name: extra\n  namespace: clearml\nstringData:\n  FOO",
                "  name: extra2\n  namespace: clearml\nstringData:\n  FOO",
            );
        let out = crate::render(same.as_bytes(), &policy).unwrap();
        assert!(out.has_errors(), "{:?}", out.findings);
    }

    #[test]
    fn the_policy_applied_passes() {
        assert_eq!(check(GOOD, GOOD), Vec::<String>::new());
    }

    /// `K_i = $(K_{i-1})$(K_{i-1})` from ten bytes (the session-7 attack): `K14` passes Linux's
    /// bound, so the container never starts. That is the one problem, found before anything
    /// would build the value, and it names the variable, never a value.
    #[test]
    fn a_variable_past_linux_bound_is_the_one_problem() {
        let chain: String = (1..30)
            .map(|i| {
                format!(
                    "        - name: K{i}\n          value: $(K{p})$(K{p})\n",
                    p = i - 1
                )
            })
            .collect();
        let doc = format!("{GOOD}        - name: K0\n          value: xxxxxxxxxx\n{chain}");
        let (b, a) = (read(&doc).unwrap().unwrap(), read(&doc).unwrap().unwrap());
        let found = problems(
            &b,
            &a,
            &policy(),
            &Inventory::default(),
            &crate::kube::env::ServiceLinks::default(),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        let p = &found[0];
        assert_eq!(
            p.unfit,
            Some(UnfitAt {
                container: "clearml-apiserver".into(),
                variable: "K14".into(),
                why: objects::Unrepresentable::TooLong,
            })
        );
        assert!(
            p.message.contains("`K14`") && p.message.contains("E2BIG"),
            "{}",
            p.message
        );
        assert!(!p.message.contains("xxxxxxxxxx"));
    }

    /// The kubelet's environment fits, but the proof's own reading (a `valueFrom` as its
    /// reference, which is longer than the label it reads) passes the bound: what the
    /// variables hold cannot be compared, and that is refused rather than taken for the same.
    #[test]
    fn what_the_proof_cannot_build_it_does_not_take_for_unchanged() {
        let chain: String = (1..16)
            .map(|i| {
                format!(
                    "        - name: K{i}\n          value: $(K{p})$(K{p})\n",
                    p = i - 1
                )
            })
            .collect();
        let labelled = GOOD.replace(
            "  template:\n    spec:\n",
            "  template:\n    metadata:\n      labels: {app: a}\n    spec:\n",
        );
        let doc = format!("{labelled}        - name: K0\n          valueFrom:\n            fieldRef: {{fieldPath: \"metadata.labels['app']\"}}\n{chain}");
        let problems = check(&doc, &doc);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].contains("`K12`") && problems[0].contains("cannot be compared"),
            "{problems:?}"
        );
    }

    #[test]
    fn a_later_literal_entry_wins_and_is_caught() {
        let after = format!("{GOOD}        - name: CLEARML__secure__login__sso__oauth_client__google__client_secret\n          value: leaked\n");
        let problems = check(GOOD, &after);
        assert!(
            problems.iter().any(|p| p.contains("would not hold")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.contains("literal")),
            "{problems:?}"
        );
        assert!(!problems.iter().any(|p| p.contains("leaked")));
    }

    #[test]
    fn lost_variables_and_other_changes_are_caught() {
        let after = GOOD.replace("        - name: MONGO\n          value: m\n", "");
        assert!(check(GOOD, &after)
            .iter()
            .any(|p| p.contains("`MONGO` would be lost")));
        let after = GOOD.replace("kind: Deployment\n", "kind: Deployment\napiVersion: x\n");
        assert!(check(GOOD, &after)
            .iter()
            .any(|p| p.contains("at `/apiVersion`")));
    }

    #[test]
    fn a_competing_spelling_from_env_from_is_caught() {
        let p = policy();
        let mut inv = Inventory::default();
        let secret = read("apiVersion: v1\nkind: Secret\nmetadata: {name: extra}\nstringData: {login__sso__oauth_client__google__client_id: x}\n").unwrap().unwrap();
        inv.add(&secret, None, None, &p.secrets.placeholders);
        let doc = GOOD.replace("        env:\n", "        envFrom:\n        - prefix: CLEARML__SECURE__\n          secretRef: {name: extra}\n        env:\n");
        let doc = read(&doc).unwrap().unwrap();
        let problems = document(&doc, &doc, &p, &inv);
        assert!(problems.iter().any(|m| m.contains("`envFrom` brings in `CLEARML__SECURE__login__sso__oauth_client__google__client_id`")), "{problems:?}");
    }

    #[test]
    fn first_difference_names_the_first_differing_path() {
        let at = |a: &str, b: &str| {
            let mut path = String::new();
            first_difference(
                &read(a).unwrap().unwrap(),
                &read(b).unwrap().unwrap(),
                &[],
                &mut path,
            )
            .then_some(path)
        };
        let deep = "a: {b: {c: [1, {d: 2, e: 3}]}, f: 4}\n";
        assert_eq!(at(deep, deep), None);
        assert_eq!(
            at(deep, "a: {b: {c: [1, {d: 2, e: 5}]}, f: 4}\n").as_deref(),
            Some("/a/b/c/1/e")
        );
        assert_eq!(
            at(deep, "a: {b: {c: [1, {d: 2}]}, f: 4}\n").as_deref(),
            Some("/a/b/c/1/e")
        );
        assert_eq!(
            at(deep, "a: {b: {c: [1, {d: 2, e: 3, g: 0}]}, f: 4}\n").as_deref(),
            Some("/a/b/c/1/g")
        );
        assert_eq!(
            at(deep, "a: {b: {c: [1]}, f: 4}\n").as_deref(),
            Some("/a/b/c")
        );
    }

    #[test]
    fn only_the_env_of_targeted_containers_is_set_aside() {
        let sidecar =
            "      - name: sidecar\n        env:\n        - name: A\n          value: a\n";
        let before = format!("{GOOD}{sidecar}");
        // An SSO variable added to the target's env is no change outside the env lists.
        let added = GOOD.replace(
            "        - name: MONGO\n",
            "        - name: CLEARML__secure__login__sso__oauth_client__google__x\n          value: y\n        - name: MONGO\n",
        );
        let problems = check(&before, &format!("{added}{sidecar}"));
        assert!(
            !problems.iter().any(|p| p.contains("outside")),
            "{problems:?}"
        );
        // The env of a container the policy does not target is compared like anything else.
        let after = format!("{GOOD}{}", sidecar.replace("value: a", "value: b"));
        assert!(
            check(&before, &after)
                .iter()
                .any(|p| p.contains("at `/spec/template/spec/containers/1/env/0/value`")),
            "{:?}",
            check(&before, &after)
        );
        // So is every other key of the targeted container.
        let after = format!(
            "{}{sidecar}",
            GOOD.replace(
                "      - name: clearml-apiserver\n",
                "      - name: clearml-apiserver\n        image: x\n"
            )
        );
        assert!(check(&before, &after)
            .iter()
            .any(|p| p.contains("at `/spec/template/spec/containers/0/image`")));
    }

    #[test]
    fn competes_above_below_and_at_the_setting() {
        let p = policy();
        let d = &p.desired[0];
        let want = format!("{}.{}", d.option.section.as_str(), d.path);
        let mut above = want.clone();
        while let Some(dot) = above.rfind('.') {
            above.truncate(dot);
            assert!(competes(&above, d), "{above}");
            assert!(!competes(&format!("{above}x"), d), "{above}x");
            assert!(!competes(&above[..above.len() - 1], d), "{above} minus one");
        }
        assert!(competes(&want, d) && competes(&format!("{want}.x"), d));
        assert!(!competes(&format!("{want}x"), d) && !competes("", d));
    }

    #[test]
    fn competes_is_a_prefix_relation_with_the_setting_path_at_a_dot() {
        // The same question asked of the path built whole, on every cut of each setting's
        // path, with a character changed, added or taken away, and multi-byte ones.
        let p = policy();
        for d in &p.desired {
            let want = format!("{}.{}", d.option.section.as_str(), d.path);
            let by_string = |path: &str| {
                let path = path.trim();
                path == want
                    || want.starts_with(path) && want.as_bytes().get(path.len()) == Some(&b'.')
                    || path.starts_with(&want) && path.as_bytes().get(want.len()) == Some(&b'.')
            };
            let mut paths = vec![String::new(), ".".into(), " ".into(), "é".into()];
            for cut in 0..=want.len() {
                let head = &want[..cut];
                for tail in ["", ".", "x", ".x", "é", ".é", " "] {
                    paths.push(format!("{head}{tail}"));
                    paths.push(format!("{tail}{head}"));
                    paths.push(format!("{head}{tail}{}", &want[cut..]));
                }
                if cut < want.len() {
                    paths.push(format!("{head}{}", &want[cut + 1..]));
                }
            }
            for path in &paths {
                assert_eq!(
                    competes(path, d),
                    by_string(path),
                    "{path:?} against {want}"
                );
            }
        }
    }

    #[test]
    fn a_multibyte_path_never_panics() {
        let p = policy();
        for d in &p.desired {
            let want = format!("{}.{}", d.option.section.as_str(), d.path);
            let path = format!("{}é.x", &want[..want.len() - 1]);
            assert!(!competes(&path, d));
        }
    }

    #[test]
    fn a_second_spelling_is_caught() {
        let after = format!("{GOOD}        - name: TRAINS__secure__login__sso__oauth_client__google__client_id\n          value: other\n");
        assert!(check(GOOD, &after)
            .iter()
            .any(|p| p.contains("would also set")));
    }
}
