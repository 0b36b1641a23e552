//! One `[providers.<key>]` table: its options (nested tables such as `groups` included), the
//! inputs URLs are derived from (`url` + `realm`, `domain`…), each value as a literal of the
//! option's type or a Secret / ConfigMap reference, and the help for what is missing.
//!
//! The catalogue (`crate::catalogue`) says which options and inputs exist and how URLs are
//! derived; this only reads a table against it. It must not accept what ClearML or Kubernetes
//! would refuse (an empty list item, a NUL, a name Kubernetes does not allow): each is refused
//! here, at its place in the file.

use super::loader::{input_error, table, type_name, Loader};
use super::{ProviderPolicy, Setting, Value};
use crate::catalogue::{self, DeriveError, OptionSpec, Provider, ValueType};
use crate::clearml::values::Literal;
use std::ops::Range;
use toml_edit::{Item, TableLike};

/// Option names that are valid directly under `prefix` (`""` for the provider table itself,
/// `"groups"` for its `groups` sub-table): leaves and the names of nested tables. Listed only
/// for the help on a key that is none of them.
fn keys_under(options: &'static [OptionSpec], prefix: &str) -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = Vec::new();
    for o in options {
        let rest = if prefix.is_empty() {
            Some(o.name)
        } else {
            o.name
                .strip_prefix(prefix)
                .and_then(|r| r.strip_prefix('.'))
        };
        if let Some(rest) = rest {
            let head = rest.split('.').next().expect("split yields one piece");
            if !keys.contains(&head) {
                keys.push(head);
            }
        }
    }
    keys
}

/// Whether `name` (dotted, from the provider table) names a table of options, as `groups` or
/// `claims`: some option's name continues it with `.`. The question [`keys_under`] answers for
/// a key that is not an option itself, without listing every key.
fn is_options_table(options: &'static [OptionSpec], name: &str) -> bool {
    options.iter().any(|o| {
        o.name
            .strip_prefix(name)
            .is_some_and(|rest| rest.starts_with('.'))
    })
}

pub(super) fn load_provider(
    l: &mut Loader,
    spec: &'static Provider,
    item: &Item,
) -> Option<ProviderPolicy> {
    // Joined, not `format!`ed, as every name below: made for every provider a policy sets.
    let what = ["[providers.", spec.key, "]"].concat();
    let t = table(l, item, &what)?;
    let before = l.problems.len();
    let mut explicit: Vec<Setting> = Vec::new();
    let mut inputs: Vec<GivenInput> = Vec::new();
    load_options(l, spec, t, "", &mut explicit, &mut inputs);
    if l.problems.len() > before {
        return None;
    }
    let given: Vec<(&str, &str)> = inputs.iter().map(|i| (i.name, i.value.as_str())).collect();
    let table_name = ["providers.", spec.key].concat();
    // The place of an input's value, or of the table when the input is not written.
    let place = |name: &str| {
        inputs
            .iter()
            .find(|i| i.name == name)
            .and_then(|i| i.span.clone())
            .or_else(|| item.span())
    };
    let written = |name: &str| {
        inputs
            .iter()
            .find(|i| i.name == name)
            .map_or(String::new(), |i| i.value.clone())
    };
    // A placeholder input (recorded already) may not pass as a host or URL: the URLs are then
    // derived from it as written, for `explain` on a draft; `parse` refuses the policy anyway.
    // One that passes (an issuer URL pasted whole) is split as any input is, so that the draft's
    // URLs do not repeat the issuer inside the template.
    let derived = if inputs.iter().any(|i| i.placeholder) {
        Ok(spec
            .derive(&given)
            .unwrap_or_else(|_| spec.derive_verbatim(&given)))
    } else {
        spec.derive(&given)
    };
    let derivation = match derived {
        Ok(derivation) => derivation,
        Err(DeriveError::Missing(input)) => {
            let given = inputs
                .iter()
                .map(|i| format!("`{}`", i.name))
                .collect::<Vec<_>>()
                .join(", ");
            l.at(
                item.span()
                    .or_else(|| t.key(inputs[0].name).and_then(|k| k.span())),
                format!(
                    "{what}: `{}` ({}) is needed to derive the URLs from {given}",
                    input.name, input.about
                ),
                Some(format!("add {} = {}", input.name, spec.example(input.name))),
            );
            return None;
        }
        Err(err @ (DeriveError::Empty(_) | DeriveError::Invalid { .. })) => {
            let (input, e) = match err {
                DeriveError::Invalid { input, why, write } => {
                    (input, catalogue::InputError::Invalid { why, write })
                }
                DeriveError::Empty(input) | DeriveError::Missing(input) => {
                    (input, catalogue::InputError::Empty)
                }
                DeriveError::Conflict { input, .. } => (input, catalogue::InputError::Empty),
            };
            let example = spec.example(input.name);
            input_error(
                l,
                place(input.name),
                &table_name,
                input,
                &written(input.name),
                e,
                example,
            );
            return None;
        }
        Err(DeriveError::Conflict {
            input,
            other,
            in_url,
            given,
        }) => {
            l.at(
                place(input.name),
                format!(
                    "{table_name}.{} = \"{}\" names {} \"{in_url}\", but {table_name}.{} = \"{given}\"",
                    input.name,
                    written(input.name),
                    other.name,
                    other.name
                ),
                Some(format!(
                    "write `{}` without the `{}` part, and the {} once, in `{}`",
                    input.name, other.name, other.about, other.name
                )),
            );
            return None;
        }
    };
    for (input, note) in &derivation.notes {
        let subject = match inputs.iter().find(|i| i.name == input.name) {
            Some(i) => format!("{table_name}.{} = \"{}\"", i.name, i.value),
            None => format!("{table_name}.{}", input.name),
        };
        l.note(place(input.name), format!("{subject} {note}"), None);
    }
    let discovery = derivation.discovery;
    let input_values = derivation.inputs;
    let derived = derivation.options;
    let mut settings = explicit;
    for (option, url) in derived {
        if settings.iter().any(|s| s.option.name == option.name) {
            continue; // an explicit option wins over a derived one
        }
        settings.push(Setting {
            option,
            value: Value::Literal(Literal::Str(url)),
            derived: true,
        });
    }
    let missing: Vec<&str> = spec
        .required
        .iter()
        .copied()
        .filter(|r| !settings.iter().any(|s| s.option.name == *r))
        .collect();
    if !missing.is_empty() {
        let help = missing_help(spec, &missing);
        let span = item.span().or_else(|| {
            t.iter()
                .next()
                .and_then(|(k, _)| t.key(k))
                .and_then(|k| k.span())
        });
        l.at(
            span,
            format!(
                "{what} is missing {}, required for {} {} login",
                quote_list(&missing),
                article(spec.title),
                spec.title
            ),
            help,
        );
        return None;
    }
    let order = |s: &Setting| {
        catalogue::options(spec.client)
            .iter()
            .position(|o| o.name == s.option.name)
    };
    // Each key is a walk of the catalogue: worked out once per setting, not per comparison.
    settings.sort_by_cached_key(order);
    Some(ProviderPolicy {
        spec,
        settings,
        discovery,
        inputs: input_values,
    })
}

/// What to write for each required option a provider table lacks: a credential as a Secret
/// reference, another option with its example, and URLs the provider derives by naming the
/// inputs they are derived from (only those: a missing `client_id` is not solved by a URL).
fn missing_help(spec: &'static Provider, missing: &[&str]) -> Option<String> {
    let (derivable, to_write): (Vec<&str>, Vec<&str>) = missing
        .iter()
        .partition(|m| spec.derived_options().any(|d| d == **m));
    let mut parts: Vec<String> = Vec::new();
    if !to_write.is_empty() {
        let lines: Vec<String> = to_write
            .iter()
            .map(|name| match spec.option(name) {
                Some(o) if o.secret => secret_reference_example(name),
                _ => format!("{name} = {}", spec.example(name)),
            })
            .collect();
        parts.push(format!("add {}", lines.join(", ")));
    }
    if !derivable.is_empty() {
        let inputs: Vec<String> = spec
            .inputs
            .iter()
            .filter(|i| !i.optional)
            .map(|i| format!("`{}`", i.name))
            .collect();
        parts.push(format!(
            "{} can be derived: set {}",
            quote_list(&derivable),
            inputs.join(" and ")
        ));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// How a policy reads an option from a Secret, as help text: `client_secret = { secret = "NAME",
/// key = "KEY" }`.
pub fn secret_reference_example(option: &str) -> String {
    format!("{option} = {{ secret = \"NAME\", key = \"KEY\" }}")
}

/// `a` or `an` before a provider's title (`an Okta login`, `an AWS Cognito login`).
fn article(title: &str) -> &'static str {
    if title.starts_with(['A', 'E', 'I', 'O', 'U']) {
        "an"
    } else {
        "a"
    }
}

/// A derivation input as the policy writes it, with the place of its value.
struct GivenInput {
    name: &'static str,
    value: String,
    span: Option<Range<usize>>,
    /// A placeholder (already recorded): URLs are derived from it as written, unchecked.
    placeholder: bool,
}

/// Records `providers.KEY.NAME`'s value `text` as a placeholder (`why`: the rule it meets):
/// what to fill in (`fill_in`: the option or input and its form) and the form `init` shows.
/// A credential's value is never repeated, even a placeholder's.
#[allow(clippy::too_many_arguments)]
fn placeholder_found(
    l: &mut Loader,
    spec: &Provider,
    name: &str,
    text: &str,
    secret: bool,
    why: &str,
    fill_in: &str,
    span: Option<Range<usize>>,
) {
    let shown = if secret {
        String::new()
    } else {
        format!(" = {text:?}")
    };
    let form = spec.example(name);
    let form = if form == format!("{text:?}") || form == ValueType::Str.example() {
        String::new()
    } else {
        format!(", of the form {form}")
    };
    l.placeholder(
        span,
        format!(
            "providers.{}.{name}{shown} is a placeholder ({why})",
            spec.key
        ),
        Some(format!("fill in the {fill_in}{form}")),
    );
}

fn quote_list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn load_options(
    l: &mut Loader,
    spec: &'static Provider,
    t: &dyn TableLike,
    prefix: &str,
    settings: &mut Vec<Setting>,
    inputs: &mut Vec<GivenInput>,
) {
    let options = catalogue::options(spec.client);
    for (k, v) in t.iter() {
        let name = if prefix.is_empty() {
            k.to_string()
        } else {
            [prefix, ".", k].concat()
        };
        if prefix.is_empty() {
            if let Some(input) = spec.input(k) {
                if let Some(value) = l.string(v, &["providers.", spec.key, ".", k].concat()) {
                    let placeholder = super::placeholder::why(&value).map(|why| {
                        let fill_in = format!("{}, {}", input.about, input.kind.describe());
                        placeholder_found(
                            l,
                            spec,
                            input.name,
                            &value,
                            false,
                            why,
                            &fill_in,
                            v.span(),
                        );
                    });
                    inputs.push(GivenInput {
                        name: input.name,
                        value,
                        span: v.span(),
                        placeholder: placeholder.is_some(),
                    });
                }
                continue;
            }
        }
        if let Some(option) = spec.option(&name) {
            if let Some(mut value) = load_value(l, spec, option, v) {
                if let Value::Literal(literal) = &value {
                    let texts: Vec<&str> = match literal {
                        Literal::Str(s) => vec![s.as_str()],
                        Literal::List(items) => items.iter().map(String::as_str).collect(),
                        Literal::Bool(_) => Vec::new(),
                    };
                    let why = if option.secret {
                        super::placeholder::why_secret
                    } else {
                        super::placeholder::why
                    };
                    if let Some((index, text, why)) = texts
                        .iter()
                        .enumerate()
                        .find_map(|(i, t)| why(t).map(|why| (i, *t, why)))
                    {
                        let fill_in = format!("{}, {}", option.about, option.value_type.describe());
                        // A list's item is pointed at, not the list.
                        let span = v
                            .as_array()
                            .and_then(|a| a.get(index))
                            .and_then(|item| item.span())
                            .or_else(|| v.span());
                        placeholder_found(l, spec, &name, text, option.secret, why, &fill_in, span);
                    }
                }
                // The rule a manifest's value gets (see clearml_env): ClearML appends paths.
                if let Value::Literal(Literal::Str(url)) = &mut value {
                    if option.trailing_slash && !url.is_empty() && !url.ends_with('/') {
                        l.note(
                            v.span(),
                            format!(
                                "providers.{}.{name} = \"{url}\" lacks the trailing `/` ClearML appends paths to: read as \"{url}/\"",
                                spec.key
                            ),
                            None,
                        );
                        url.push('/');
                    }
                }
                settings.push(Setting {
                    option,
                    value,
                    derived: false,
                });
            }
        } else if !k.contains('.') && is_options_table(options, &name) {
            // (A key with a `.` is no table's name: `keys_under` lists no such key.)
            match v.as_table_like() {
                Some(sub) if !is_reference(v) => {
                    load_options(l, spec, sub, &name, settings, inputs)
                }
                _ => l.at(
                    v.span(),
                    format!("providers.{}.{name} must be a table", spec.key),
                    None,
                ),
            }
        } else {
            let mut valid = keys_under(options, prefix);
            if prefix.is_empty() {
                valid.extend(spec.inputs.iter().map(|i| i.name));
            }
            l.unknown(
                t,
                k,
                &format!(
                    "[providers.{}{}]",
                    spec.key,
                    if prefix.is_empty() {
                        String::new()
                    } else {
                        format!(".{prefix}")
                    }
                ),
                &valid,
            );
        }
    }
}

/// A Secret or ConfigMap name Kubernetes accepts: a DNS-1123 subdomain (at most 253
/// characters, dot-separated labels of lower-case letters, digits and `-`, each starting and
/// ending with a letter or digit).
fn is_object_name(name: &str) -> bool {
    name.len() <= 253
        && name.split('.').all(|label| {
            let b = label.as_bytes();
            !b.is_empty()
                && b.iter()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
                && b[0] != b'-'
                && b[b.len() - 1] != b'-'
        })
}

/// A key Kubernetes accepts in a Secret's or ConfigMap's data: `[-._a-zA-Z0-9]+`, at most
/// 253 characters, not `.` or `..`.
fn is_object_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 253
        && key != "."
        && key != ".."
        && key
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

/// The nearest name Kubernetes accepts: lower case, any other character as `-`, no `-` or
/// `.` at the ends of a label.
fn suggested_name(name: &str) -> String {
    let mapped: String = name
        .to_ascii_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let labels: Vec<&str> = mapped
        .split('.')
        .map(|l| l.trim_matches('-'))
        .filter(|l| !l.is_empty())
        .collect();
    match labels.join(".") {
        s if s.is_empty() => "clearml-sso".into(),
        s => s.chars().take(253).collect(),
    }
}

/// The nearest key Kubernetes accepts: any other character as `_` (`fallback` when nothing of
/// `key` is left).
fn suggested_key(key: &str, fallback: &str) -> String {
    let mapped: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .take(253)
        .collect();
    if mapped.is_empty() || mapped == "." || mapped == ".." {
        fallback.replace('.', "_")
    } else {
        mapped
    }
}

fn is_reference(item: &Item) -> bool {
    item.as_table_like()
        .is_some_and(|t| t.contains_key("secret") || t.contains_key("configmap"))
}

fn load_value(
    l: &mut Loader,
    spec: &Provider,
    option: &'static OptionSpec,
    item: &Item,
) -> Option<Value> {
    // Joined, not `format!`ed: made for every value a policy sets, to name it in messages.
    let what = ["providers.", spec.key, ".", option.name].concat();
    if let Some(t) = item.as_table_like() {
        let (kind, name_item) = match (t.get("secret"), t.get("configmap")) {
            (Some(s), None) => ("secret", s),
            (None, Some(c)) => ("configmap", c),
            _ => {
                l.at(
                    item.span(),
                    format!("{what}: a reference is `{{ secret = NAME, key = KEY }}` or `{{ configmap = NAME, key = KEY }}`"),
                    None,
                );
                return None;
            }
        };
        for (k, _) in t.iter() {
            if k != kind && k != "key" {
                l.unknown(t, k, &format!("the reference of {what}"), &[kind, "key"]);
            }
        }
        let name = l.string(name_item, &[what.as_str(), ".", kind].concat())?;
        let Some(key_item) = t.get("key") else {
            l.at(
                item.span(),
                format!("{what}: the reference needs `key`, the key inside the {kind}"),
                None,
            );
            return None;
        };
        let key = l.string(key_item, &[what.as_str(), ".key"].concat())?;
        // Kubernetes refuses any other name or key (the API server rejects the workload, and
        // `kubectl create secret` the key): refused here, before `explain` prints a command
        // line with it and `render` writes a reference nothing can satisfy.
        let object = if kind == "secret" {
            "Secret"
        } else {
            "ConfigMap"
        };
        let mut valid = true;
        if !is_object_name(&name) {
            l.at(
                name_item.span(),
                format!("{what}.{kind} = {name:?} is not a name Kubernetes allows for a {object} (lower-case letters, digits, `-` and `.`, starting and ending with a letter or digit)"),
                Some(format!("write {kind} = {:?}", suggested_name(&name))),
            );
            valid = false;
        }
        if !is_object_key(&key) {
            l.at(
                key_item.span(),
                format!("{what}.key = {key:?} is not a key Kubernetes allows in a {object} (letters, digits, `-`, `_` and `.`)"),
                Some(format!("write key = {:?}", suggested_key(&key, option.name))),
            );
            valid = false;
        }
        if !valid {
            return None;
        }
        return Some(if kind == "secret" {
            Value::Secret { name, key }
        } else {
            Value::ConfigMap { name, key }
        });
    }
    let literal = match (option.value_type, item) {
        (ValueType::Str, _) if item.as_str().is_some() => Literal::Str(item.as_str()?.to_string()),
        (ValueType::Bool, _) if item.as_bool().is_some() => Literal::Bool(item.as_bool()?),
        (ValueType::List, _) if item.as_array().is_some() => {
            let list = l.strings(item, &what)?;
            if list.iter().any(String::is_empty) {
                // ClearML's HOCON parser silently drops empty strings inside a list.
                l.at(
                    item.span(),
                    format!("{what} contains an empty string, which ClearML would drop"),
                    None,
                );
                return None;
            }
            Literal::List(list)
        }
        (value_type, _) => {
            let help = match (value_type, item.as_str()) {
                (ValueType::List, Some(s)) => Some(format!("write a list: {what} = [\"{s}\"]")),
                (ValueType::Bool, Some(s))
                    if s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false") =>
                {
                    Some(format!(
                        "write the boolean without quotes: {}",
                        s.to_lowercase()
                    ))
                }
                _ => None,
            };
            l.at(
                item.span(),
                format!(
                    "{what} must be {}, found {}",
                    value_type.describe(),
                    type_name(item)
                ),
                help,
            );
            return None;
        }
    };
    // An env value is a C string: the container runtime refuses a NUL in it, so the apiserver
    // would not start. (Every other character is carried; the value is quoted as needed.)
    let texts: Vec<&str> = match &literal {
        Literal::Str(s) => vec![s.as_str()],
        Literal::List(items) => items.iter().map(String::as_str).collect(),
        Literal::Bool(_) => Vec::new(),
    };
    if texts.iter().any(|t| t.contains('\0')) {
        l.at(
            item.span(),
            format!("{what} contains a NUL character (\\u0000), which no environment variable can hold: the apiserver's container would not start"),
            Some("remove it".into()),
        );
        return None;
    }
    Some(Value::Literal(literal))
}
