//! Value hygiene: values of SSO variables the policy did not write, as ClearML would read
//! them (after Kubernetes' `$(VAR)` expansion and with what `envFrom` brings in), fixed where
//! the right form is certain and refused where ClearML would fail.

use super::context::{is_string, live, Context, Entry, Env};
use crate::clearml::{
    self,
    judge::{Defined, Substituted, ValueIssue},
    names::SsoName,
};
use crate::kube::objects;
use crate::kube::sources::{self, RefKind, Resolution};
use crate::redact::{shown, Shown};
use crate::report::{self, Finding, Sink};
use crate::yaml::Node;

/// The variables the container's `envFrom` sources in the stream define (their keys, with the
/// source's prefix); their values are not judged here, only that they exist. Sources outside
/// the stream define nothing the tool can see.
pub(super) fn env_from_variables(container: &Node, ctx: &Context) -> Vec<(String, Defined)> {
    let env_from: Vec<k8s_openapi::api::core::v1::EnvFromSource> =
        objects::typed(container, "envFrom").unwrap_or_default();
    let namespace = ctx.location.object.namespace.as_deref();
    sources::env_from(&env_from, ctx.inventory, namespace)
        .into_iter()
        .map(|v| {
            // The value when the stream shows it, so `$(VAR)` of it can be judged.
            let d = v.value.map_or(Defined::Unknown, |v| {
                Defined::Text(v.text_for_judging().to_string())
            });
            (v.name, d)
        })
        .collect()
}

/// What one env entry defines for substitutions: a literal's text as Kubernetes gives it
/// (unknown when it refers to other variables), a Secret's or ConfigMap's value when the
/// stream shows it, anything else defined with an unknown value.
pub(super) fn defined(e: &Entry, ctx: &Context) -> (String, Defined) {
    // An optional reference to a key nothing provides leaves the variable unset.
    if let Some(from) = e.value_from() {
        let optional = match (&from.secret_key_ref, &from.config_map_key_ref) {
            (Some(r), _) => {
                (r.optional == Some(true)).then_some((RefKind::Secret, &r.name, &r.key))
            }
            (None, Some(r)) => {
                (r.optional == Some(true)).then_some((RefKind::ConfigMap, &r.name, &r.key))
            }
            _ => None,
        };
        if let Some((kind, name, key)) = optional {
            let namespace = ctx.location.object.namespace.as_deref();
            let resolution =
                sources::resolve(ctx.inventory, ctx.policy, kind, name, Some(key), namespace);
            if !matches!(
                resolution,
                Resolution::Provided(_) | Resolution::External | Resolution::MaybeByDataFrom
            ) {
                return (e.name.clone(), Defined::Unset);
            }
        }
    }
    // What the kubelet gives for a literal that refers to nothing: `$$` is one `$`. One it
    // cannot give as text (a `$` before a non-ASCII character, or too long) is unknown.
    let value = match e.node.get("value") {
        Some(v @ Node::Scalar { .. }) => v
            .as_str()
            .filter(|t| !t.contains("$("))
            .and_then(|t| crate::kube::objects::expand_env(t, |_| None).ok()),
        _ => None,
    };
    let stored = || {
        let from = e.value_from()?;
        let (kind, name, key) = match (&from.secret_key_ref, &from.config_map_key_ref) {
            (Some(r), _) => (RefKind::Secret, &r.name, &r.key),
            (None, Some(r)) => (RefKind::ConfigMap, &r.name, &r.key),
            _ => return None,
        };
        let namespace = ctx.location.object.namespace.as_deref();
        sources::stored_value(ctx.inventory, kind, name, key, namespace)
            .map(|(_, v)| v.text_for_judging().to_string())
    };
    let d = match value.or_else(stored) {
        Some(t) => Defined::Text(t),
        None => Defined::Unknown,
    };
    (e.name.clone(), d)
}

/// Rule 5: values of SSO variables the policy did not write, as ClearML would read them:
/// fixed where the right form is certain, an error where ClearML would fail and nothing says
/// what is right.
pub(super) fn value_hygiene(
    env: &mut Env,
    from: &[(String, Defined)],
    ctx: &Context,
    findings: &mut Sink,
) -> bool {
    // Only SSO entries the policy did not write are judged (below): without one, there is
    // nothing to read the environment for.
    let judged = |e: &Entry| !e.from_policy && e.sso.is_some();
    if !env.iter().flatten().any(judged) {
        return false;
    }
    let mut changed = false;
    // What each entry sees: Kubernetes expands `$(VAR)` from what is set before it; pyhocon
    // resolves `${VAR}` from the whole environment.
    let process: Vec<(String, Defined)> = from
        .iter()
        .cloned()
        .chain(env.iter().flatten().map(|e| defined(e, ctx)))
        .collect();
    for (position, e) in (from.len()..).zip(live(env)) {
        let earlier = &process[..position];
        // The policy's own entries (most of the SSO ones) are skipped before anything is copied.
        if e.from_policy {
            continue;
        }
        let Some(sso) = e.sso.clone() else { continue };
        let loc = ctx.at(&e.name);
        let option = sso.option();
        let provider = sso.provider();
        let declared = provider.is_none_or(|(c, k)| ctx.declares(c, k));
        let show = |v: &str| shown(v, provider, sso.option_name(), declared);
        // A YAML bool, number, null or list where Kubernetes needs a string (T11).
        if let Some(v) = e.node.get("value").filter(|v| !is_string(v)) {
            let text = match v {
                Node::Seq { items, .. } => clearml::values::hocon_list(
                    &items
                        .iter()
                        .map(|i| i.as_str().unwrap_or_default().to_string())
                        .collect::<Vec<_>>(),
                ),
                other => other.as_str().unwrap_or_default().to_string(),
            };
            let message = match show(&text) {
                Shown::Value(v) => format!("the value is not a YAML string; written as '{v}'"),
                shape => format!("the value ({shape}) is not a YAML string; written as a string"),
            };
            findings.push(
                Finding::new(report::NON_STRING_VALUE, message)
                    .at(loc.clone())
                    .fixed(),
            );
            e.set_value(Node::string(&text));
            changed = true;
        }
        let Some(text) = e.literal().map(str::to_string) else {
            continue;
        };
        let placeholder = |s: &str| ctx.policy.secrets.placeholders.is_match(s);
        let path = clearml::names::config_path(e.name.trim()).unwrap_or_default();
        let around = clearml::judge::Surroundings {
            path: &path,
            stored: false,
            earlier,
            process: &process,
            placeholders: Some(&placeholder),
        };
        let judged = clearml::judge::judge(&text, option, &around);
        for issue in &judged.issues {
            let f = if judged.expanded {
                // What Kubernetes makes of `$(VAR)` cannot be rewritten here, and may hold
                // another variable's value: described, never shown.
                unrewritable_finding(issue, &sso, "after Kubernetes expands its `$(…)`, ")
                    .help("write the value so that, once expanded, it is a HOCON-quoted string (`\"$(VAR)\"`), or set this option in the policy")
            } else {
                value_finding(issue, &text, &sso, &show)
            };
            findings.push(f.at(loc.clone()));
        }
        if let Some(fixed) = judged.corrected.filter(|f| *f != text) {
            e.set_value(Node::string(&fixed));
            changed = true;
        }
    }
    changed
}

/// A value whose quoted part has text next to it (`"a" b`, `"a"b`, `a "b"`).
const JOINED: &str =
    "a quoted part with text next to it, which ClearML joins to it (HOCON concatenation)";

/// Unquoted text pyhocon reads otherwise, for no escape, tab or comment.
const OTHER_TEXT: &str = "ClearML reads other text than written unquoted (pyhocon joins a keyword prefix such as `true-` as `True-`, or changes a space)";

/// The text without the comment tail pyhocon drops, for showing what ClearML reads.
pub(super) fn without_comment(text: &str) -> &str {
    use clearml::values::{reading, without_comment};
    let whole = reading("k", text, &|_| None).reading;
    without_comment("k", text, &|_| None, &whole).unwrap_or(text)
}

/// How pyhocon fails, in a few words.
fn parse_failure(e: &crate::pyhocon::Error) -> String {
    use crate::pyhocon::Error;
    match e {
        Error::Syntax => "a syntax error".into(),
        Error::Include => "an `include`, which it would follow".into(),
        Error::TooDeep => "nested deeper than it can read".into(),
        Error::Hangs => "it never finishes reading it".into(),
        Error::Python(name) => format!("it raises {name}"),
        Error::Unsupported => "a way through pyhocon the tool does not follow".into(),
    }
}

/// Why ClearML misreads a value, in words that show none of it.
pub(super) fn misread_reason(issue: &ValueIssue, sso: &SsoName) -> String {
    let option = sso.option_name();
    match issue {
        ValueIssue::OtherKeys => "a `,` or a line break outside quotes makes ClearML read other keys from it".into(),
        ValueIssue::CommentTail => "ClearML cuts it at the `#` or `//` (a HOCON comment)".into(),
        ValueIssue::Joined => format!("it holds {JOINED}: ClearML reads other text than the quoted part"),
        ValueIssue::OtherText => OTHER_TEXT.into(),
        ValueIssue::Unparseable(why) => format!("ClearML's HOCON parser rejects it ({}): the apiserver fails to start", parse_failure(why)),
        ValueIssue::SurroundingWhitespace => "it has leading or trailing whitespace (a line break from `echo … | base64`?), which ClearML drops".into(),
        ValueIssue::Escape => "it holds a backslash escape (`\\n`, `\\\\`…) that ClearML replaces".into(),
        ValueIssue::NotAList { .. } => format!("`{option}` needs a list; ClearML would read one string"),
        ValueIssue::QuotedBoolean(_) | ValueIssue::BooleanSpelling(_) => format!("`{option}` needs a boolean; ClearML would read a string"),
        ValueIssue::BooleanWord { meant, clearml_reads } => format!("`{option}` needs a boolean; the word means {meant}, ClearML would read {clearml_reads}"),
        ValueIssue::UnclearBoolean => format!("`{option}` takes true or false; the value has no certain meaning"),
        ValueIssue::NotText { reads } => format!("`{option}` takes text; ClearML would read {reads}"),
        ValueIssue::Number { .. } => "ClearML reads it as a number (or a duration), not as the text".into(),
        ValueIssue::NoTrailingSlash { .. } => format!("`{option}` must end with `/`"),
        ValueIssue::Substitution { var, outcome: Substituted::Resolved { .. } } => format!("a substitution of `{var}` gives ClearML a string, and `{option}` needs a boolean or a list"),
        ValueIssue::Substitution { .. } => "it holds a `${…}` ClearML cannot resolve".into(),
        ValueIssue::KubernetesReference { .. } => "a `$` outside quotes stops ClearML's parser".into(),
        ValueIssue::Placeholder => "it is a placeholder ([secrets] placeholders)".into(),
        ValueIssue::Fragile => "it reads as written only because HOCON accepts it unquoted".into(),
        ValueIssue::TabInside => "it holds a tab, which ClearML's parser turns into spaces".into(),
    }
}

/// The finding for an issue in a value the tool cannot rewrite (stored in a Secret or
/// ConfigMap, or what Kubernetes expands): an error when ClearML misreads it, a warning when
/// it reads it fragilely; the substitution and placeholder codes keep their own meaning.
pub(super) fn unrewritable_finding(issue: &ValueIssue, sso: &SsoName, what: &str) -> Finding {
    let reason = misread_reason(issue, sso);
    let code = match issue {
        ValueIssue::Fragile => report::FRAGILE_VALUE,
        ValueIssue::Placeholder => report::PLACEHOLDER_VALUE,
        ValueIssue::Substitution { var, outcome } => {
            // Named like every other stored value's finding: the key and its Secret.
            let mut f = substitution_finding(var, outcome, sso, false);
            f.message = format!("{what}{}", f.message);
            return f;
        }
        _ if !issue.misreads() => {
            return Finding::new(report::FRAGILE_VALUE, format!("{what}{reason}"))
        }
        _ => report::MISREAD_VALUE,
    };
    Finding::new(code, format!("{what}{reason}"))
}

/// The finding for an unquoted `${VAR}`, as pyhocon resolves it. The variable's name is
/// shown only when the value may be (`reveal`, from [`shown`]): a `${…}` on a credential may
/// hold the credential itself, and docker-compose's `VAR:-default` carries a value after `:`.
pub(super) fn substitution_finding(
    var: &str,
    outcome: &Substituted,
    sso: &SsoName,
    reveal: bool,
) -> Finding {
    let base = var.split(':').next().unwrap_or_default();
    let (subst, optional, name) = if reveal {
        (
            format!("`${{{base}}}`"),
            format!("`${{?{base}}}`"),
            format!("`{base}`"),
        )
    } else {
        (
            "`${…}`".to_string(),
            "`${?…}`".to_string(),
            "its variable".to_string(),
        )
    };
    match outcome {
        Substituted::Resolved { wrong_type: false } => Finding::new(
            report::ENV_SUBSTITUTION,
            format!("{subst}: ClearML reads the raw text of {name} from the container's environment (not parsed as HOCON)"),
        ),
        Substituted::Resolved { wrong_type: true } => Finding::new(
            report::MISREAD_VALUE,
            format!("a substitution gives ClearML a string, and `{}` needs a boolean or a list", sso.option_name()),
        )
        .help(format!("write `{}` itself as true/false or a list, or set this option in the policy", sso.option_name())),
        Substituted::Dropped => Finding::new(
            report::OPTIONAL_SUBSTITUTION,
            format!("{optional}: {name} is set nowhere in the pod, so ClearML drops this setting unless the image or its entrypoint sets {name}"),
        )
        .help(format!("define {name} in the container's env, or remove the variable")),
        Substituted::Fails if base != var => Finding::new(
            report::COMPOSE_VARIABLE,
            "docker-compose syntax `${VAR:…}`: ClearML's parser looks up a variable named with the `:…` part, which cannot exist, and the apiserver fails to start",
        )
        .help(format!("write {subst} with {name} defined in the container's env, or set this option in the policy")),
        Substituted::Fails => Finding::new(
            report::COMPOSE_VARIABLE,
            format!("{subst}: {name} is defined nowhere in the container, so ClearML cannot resolve it and the apiserver fails to start"),
        )
        .help(format!("define {name} in the container's env (ClearML then reads its raw text), or set this option in the policy (a literal, or {{ secret = NAME, key = KEY }})")),
    }
}

/// The finding for one way ClearML misreads a value the policy did not write (`text` as
/// written): fixed in place, or an error where nothing says what is right.
pub(super) fn value_finding(
    issue: &ValueIssue,
    text: &str,
    sso: &SsoName,
    show: &dyn Fn(&str) -> Shown,
) -> Finding {
    match issue {
        ValueIssue::OtherKeys => Finding::new(
            report::UNPARSEABLE_VALUE,
            "ClearML would read more than this option from the value: a `,` or a line break outside quotes starts another key (it could set any setting, a credential included)",
        )
        .help("quote the value as a JSON string, or set this option in the policy"),
        ValueIssue::Substitution { var, outcome } => {
            substitution_finding(var, outcome, sso, matches!(show(text), Shown::Value(_)))
        }
        ValueIssue::KubernetesReference { var } => {
            let var = match show(text) {
                Shown::Value(_) => format!("`{var}`"),
                Shown::Shape(_) => "its variable".into(),
            };
            Finding::new(
                report::UNPARSEABLE_VALUE,
                format!("`$(…)`: {var} is not defined earlier in the container's env, so Kubernetes leaves it as written and ClearML's parser stops at the `$`"),
            )
            .help(format!("define {var} above this entry (Kubernetes expands `$(VAR)` only from earlier entries), or set this option in the policy"))
        }
        ValueIssue::Placeholder => Finding::new(
            report::PLACEHOLDER_VALUE,
            format!("the value{} is a placeholder ([secrets] placeholders), not a real setting", show(text).suffix()),
        )
        .help("put the real value in, set this option in the policy, or remove the variable"),
        ValueIssue::SurroundingWhitespace | ValueIssue::Fragile => {
            unrewritable_finding(issue, sso, "the value: ")
        }
        ValueIssue::TabInside => Finding::new(
            report::NOT_A_STRING,
            format!("`{}`: {}; quoted so that ClearML reads the tab", sso.option_name(), misread_reason(issue, sso)),
        )
        .fixed(),
        ValueIssue::Escape => Finding::new(
            report::UNPARSEABLE_VALUE,
            misread_reason(issue, sso),
        )
        .help("quote the value as a JSON string (with the backslash doubled if it is meant), or set this option in the policy"),
        ValueIssue::BooleanWord { meant, clearml_reads } => Finding::new(
            report::NOT_A_BOOLEAN,
            format!(
                "{} is not a boolean to ClearML (it would read it as {clearml_reads}): written as {meant}",
                show(without_comment(text).trim()).subject()
            ),
        )
        .fixed(),
        ValueIssue::NotText { reads } => Finding::new(
            report::MISREAD_VALUE,
            format!("`{}` takes text; ClearML would read {reads} from the value", sso.option_name()),
        )
        .help("quote the value as a JSON string if the text is meant, or set this option in the policy"),
        ValueIssue::UnclearBoolean => Finding::new(
            report::UNCLEAR_BOOLEAN,
            format!(
                "`{}` takes true or false; {} has no certain meaning",
                sso.option_name(),
                show(without_comment(text).trim()).subject()
            ),
        )
        .help("write true or false, or set this option in the policy"),
        ValueIssue::CommentTail => Finding::new(
            report::COMMENT_IN_VALUE,
            format!("a ` # …` comment tail in the value{} was removed", show(text).suffix()),
        )
        .fixed(),
        ValueIssue::Unparseable(why) => Finding::new(
            report::UNPARSEABLE_VALUE,
            format!("ClearML cannot parse the value{}: {}", show(without_comment(text).trim_end()).suffix(), parse_failure(why)),
        )
        .help("quote it as a JSON string, or set this option in the policy"),
        ValueIssue::Joined => Finding::new(
            report::UNPARSEABLE_VALUE,
            format!("ClearML does not read the value{} as written: it holds {JOINED}", show(without_comment(text).trim_end()).suffix()),
        )
        .help("quote it as a JSON string, or set this option in the policy"),
        ValueIssue::OtherText => Finding::new(
            report::MISREAD_VALUE,
            format!("{}: quoted so that ClearML reads the text as written", OTHER_TEXT),
        )
        .fixed(),
        ValueIssue::NotAList { item } => {
            let list = clearml::values::hocon_list(std::slice::from_ref(item));
            Finding::new(
                report::NOT_A_LIST,
                match show(item) {
                    Shown::Value(v) => format!(
                        "`{}` needs a list; `{v}` would be a string: written as {list}",
                        sso.option_name()
                    ),
                    Shown::Shape(_) => format!(
                        "`{}` needs a list; the value would be a string: written as a list",
                        sso.option_name()
                    ),
                },
            )
            .fixed()
        }
        ValueIssue::QuotedBoolean(b) => Finding::new(
            report::NOT_A_BOOLEAN,
            format!(
                "{} is a string to ClearML, not a boolean: written as {b}",
                show(without_comment(text).trim_end()).subject()
            ),
        )
        .fixed(),
        ValueIssue::BooleanSpelling(b) => Finding::new(
            report::NOT_A_BOOLEAN,
            format!(
                "{} written as {b}",
                show(without_comment(text).trim_end()).subject()
            ),
        )
        .fixed(),
        ValueIssue::Number { text: n } => {
            let quoted = clearml::values::hocon_string(n);
            Finding::new(
                report::NOT_A_STRING,
                format!(
                    "`{}` would be read as a number, not the text{}: written as {}",
                    sso.option_name(),
                    show(n).suffix(),
                    match show(&quoted) {
                        Shown::Value(_) => quoted.clone(),
                        Shown::Shape(_) => "a quoted string".to_string(),
                    }
                ),
            )
            .fixed()
        }
        ValueIssue::NoTrailingSlash { url } => {
            let with_slash = clearml::values::hocon_string(&format!("{url}/"));
            Finding::new(
                report::BASE_URL_SLASH,
                match show(url) {
                    Shown::Value(v) => {
                        format!("base_url `{v}` ends without `/`: written as {with_slash}")
                    }
                    Shown::Shape(_) => "base_url ends without `/`: written with a trailing `/`".into(),
                },
            )
            .fixed()
        }
    }
}
