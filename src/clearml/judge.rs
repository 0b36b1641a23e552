//! How ClearML would take a value: judged for the option it sets, in the container it is in
//! (Kubernetes' `$(VAR)` expansion first, then ClearML's `${VAR}` substitution and HOCON
//! reading), as issues — never as findings or messages. Pure: the caller says what surrounds
//! the value and what a placeholder is. How ClearML reads the text is [`super::values::reading`]'s
//! alone (pyhocon's port on the loader's own text): every issue here is decided from that
//! reading and the tokens pyhocon met, never from a scan of the text's HOCON syntax.

use super::values::{self, hocon_list, hocon_string, Read, Reading};
use crate::catalogue::ValueType;
use crate::pyhocon::{self, Value};

/// Something in a variable's text that makes ClearML read other than what it seems to say,
/// or fail. The one place the tool decides how ClearML reads a value: the correction rules
/// only choose what to do about each (replace from the policy, fix in place, refuse).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueIssue {
    /// An unquoted pyhocon substitution (`${VAR}`, `${?VAR}`, or docker-compose's
    /// `${VAR:?err}`), and what ClearML makes of it in this container.
    Substitution {
        /// The name between the braces, as written.
        var: String,
        /// What happens.
        outcome: Substituted,
    },
    /// A Kubernetes `$(VAR)` whose VAR is not defined earlier in the container's env:
    /// Kubernetes leaves it as written, and a `$` outside quotes stops pyhocon.
    KubernetesReference {
        /// The variable's name.
        var: String,
    },
    /// A placeholder from the docs or a template (`<company_id>`, `changeme`): matches the
    /// policy's `[secrets] placeholders`.
    Placeholder,
    /// ClearML parses `<path>: <value>` as HOCON, and pyhocon reads keys besides the path
    /// from it (after a `,` or a line break, or below the path: an object) — any setting, a
    /// credential included.
    OtherKeys,
    /// A ` # …` (or ` // …`) tail that HOCON drops as a comment.
    CommentTail,
    /// pyhocon fails on it; ClearML fails to start.
    Unparseable(pyhocon::Error),
    /// A quoted part with text next to it: pyhocon joins them (HOCON concatenation), so
    /// ClearML reads other text than the quoted part.
    Joined,
    /// Unquoted text pyhocon reads as other text than written, for no escape, tab or comment:
    /// a keyword prefix (`true-north` is `True-north`), a space it changes.
    OtherText,
    /// A stored value (Secret, ConfigMap) with leading or trailing whitespace, which pyhocon
    /// drops from an unquoted value (`echo secret | base64` stores `secret\n`).
    SurroundingWhitespace,
    /// A backslash escape (`\n`, `\\`, `\"`…) in an unquoted value: pyhocon replaces it.
    Escape,
    /// A stored value ClearML reads as written, but only because pyhocon happens to accept it
    /// unquoted (whitespace inside, `//`, a keyword, non-ASCII): quoted it is certain.
    Fragile,
    /// A tab inside an unquoted value: pyhocon turns it into spaces (measured, 0.3.63).
    TabInside,
    /// The option takes a list and the value is one bare string (`item`).
    NotAList {
        /// The string ClearML would read.
        item: String,
    },
    /// The option takes a boolean and the value is the *string* `"true"`/`"false"`.
    QuotedBoolean(bool),
    /// A boolean spelled other than `true`/`false` (`True`, `FALSE`).
    BooleanSpelling(bool),
    /// A boolean option spelled as a word or digit whose meaning is certain (`yes`, `off`,
    /// `enabled`, `0`): pyhocon reads the words as strings, which ClearML takes as true when
    /// not empty, and the digits as numbers.
    BooleanWord {
        /// What the word means.
        meant: bool,
        /// What ClearML makes of it (a non-empty string or a non-zero number is true).
        clearml_reads: bool,
    },
    /// A boolean option with a value whose meaning is not certain (`maybe`, `2`, a list).
    UnclearBoolean,
    /// The option takes a string and ClearML would read `null`, a boolean or a list (what is
    /// meant is not certain, so nothing is rewritten).
    NotText {
        /// What ClearML would read: "null", "a boolean", "a list".
        reads: &'static str,
    },
    /// The option takes a string and ClearML would read a number (or a duration: `5s`).
    Number {
        /// The number as written.
        text: String,
    },
    /// The option's URL must end with `/` and does not.
    NoTrailingSlash {
        /// The URL as ClearML would read it.
        url: String,
    },
}

/// What an unquoted `${…}` gives ClearML (pyhocon 0.3.63 resolves a substitution it cannot
/// find in the parsed text from `os.environ`, the apiserver's process environment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Substituted {
    /// VAR is defined in the container: ClearML reads its value as raw text, never parsed
    /// (`true` stays the string `"true"`, `a+b` is fine).
    Resolved {
        /// The option takes a boolean or a list, which a substitution never gives.
        wrong_type: bool,
    },
    /// `${?VAR}` with VAR undefined: the key (or that part of the value) is dropped.
    Dropped,
    /// `${VAR}` with VAR undefined, or a name no variable can have (`VAR:?err`, `VAR:-x`):
    /// the apiserver fails to start.
    Fails,
}

impl ValueIssue {
    /// Whether ClearML fails on the value or reads something other than its text means. The
    /// rest (a fragile spelling, a resolved substitution, a boolean spelled `True`) read as
    /// meant.
    pub fn misreads(&self) -> bool {
        !matches!(
            self,
            ValueIssue::Fragile
                | ValueIssue::BooleanSpelling(_)
                | ValueIssue::Substitution {
                    outcome: Substituted::Resolved { wrong_type: false },
                    ..
                }
        )
    }
}

/// What a variable the value may refer to is defined as. The text is held only to be judged;
/// `Debug` never shows it (it may be a credential written as a literal).
#[derive(Clone, PartialEq, Eq)]
pub enum Defined {
    /// A literal whose text is known.
    Text(String),
    /// Defined, from a source whose value is not known here (a Secret, the downward API…).
    Unknown,
    /// Listed, but left unset by Kubernetes (an optional reference to a key nothing
    /// provides): as if not defined.
    Unset,
}

impl std::fmt::Debug for Defined {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Defined::Text(t) => write!(f, "Text(<{} bytes, not shown>)", t.len()),
            Defined::Unknown => f.write_str("Unknown"),
            Defined::Unset => f.write_str("Unset"),
        }
    }
}

/// Where a value is judged: what surrounds it in the container. Built by the correction
/// rules; [`judge`] only reads it.
#[derive(Clone, Default)]
pub struct Surroundings<'a> {
    /// The variable's configuration path (`secure.login.sso...`), as the loader builds it
    /// from the name; empty: a stand-in key.
    pub path: &'a str,
    /// The text is a Secret's or ConfigMap's value: nothing can be rewritten, whitespace
    /// around it is stored, and Kubernetes does not expand `$(VAR)` in it.
    pub stored: bool,
    /// What Kubernetes has set before this entry (envFrom sources, then the earlier env
    /// entries, the last of a name winning): what `$(VAR)` expands to.
    pub earlier: &'a [(String, Defined)],
    /// The container's whole environment (every entry, every envFrom source in the stream):
    /// what `${VAR}` resolves to.
    pub process: &'a [(String, Defined)],
    /// Whether a text is a placeholder (the policy's `[secrets] placeholders`).
    pub placeholders: Option<&'a dyn Fn(&str) -> bool>,
}

impl std::fmt::Debug for Surroundings<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Surroundings")
            .field("path", &self.path)
            .field("stored", &self.stored)
            .field("earlier", &self.earlier)
            .field("process", &self.process)
            .field("placeholders", &self.placeholders.is_some())
            .finish()
    }
}

fn lookup<'a>(vars: &'a [(String, Defined)], name: &str) -> Option<&'a Defined> {
    vars.iter()
        .rev()
        .find(|(n, _)| n == name)
        .map(|(_, d)| d)
        .filter(|d| **d != Defined::Unset)
}

/// Kubernetes' expansion of an env value (`third_party/forked/golang/expansion` in
/// Kubernetes): `$$` is a `$`, `$(VAR)` is VAR's value when VAR is defined earlier, and
/// anything else — an undefined `$(VAR)` included — stays as written.
enum Expansion {
    /// Nothing to expand.
    Unchanged,
    /// The expanded text.
    Text(String),
    /// A referenced variable's value is not known here, or the expansion is no text the tool
    /// can know ([`crate::kube::objects::Unrepresentable`]; not built): longer than any variable
    /// can be (a container with such a variable never starts: the proof refuses it,
    /// `env-too-long`, so there is nothing for ClearML to read), or not UTF-8 (a `$` before a
    /// non-ASCII character: ClearML would read other bytes than the text; the proof refuses
    /// it, `env-not-text`).
    Unknown,
    /// `$(VAR)` with VAR not defined earlier: left as written.
    Undefined(String),
}

fn expand(text: &str, earlier: &[(String, Defined)]) -> Expansion {
    use crate::kube::objects::Unrepresentable;
    if !text.contains('$') {
        return Expansion::Unchanged;
    }
    let (mut unknown, mut undefined) = (false, None);
    let out = crate::kube::objects::expand_env(text, |name| match lookup(earlier, name) {
        Some(Defined::Text(v)) => Some(v.as_str()),
        Some(Defined::Unknown) => {
            unknown = true;
            Some("")
        }
        // `lookup` never returns `Unset`: such a variable is not defined.
        None | Some(Defined::Unset) => {
            undefined.get_or_insert_with(|| name.to_string());
            None
        }
    });
    match (undefined, unknown, out) {
        // Not the text written, wherever the `$` is: never judged as written.
        (_, _, Err(Unrepresentable::NotUtf8)) => Expansion::Unknown,
        (Some(name), _, _) => Expansion::Undefined(name),
        (None, true, _) | (None, false, Err(_)) => Expansion::Unknown,
        (None, false, Ok(out)) if out != text => Expansion::Text(out),
        (None, false, Ok(_)) => Expansion::Unchanged,
    }
}

/// How ClearML reads one variable's text for an option.
#[derive(Debug, Clone, PartialEq)]
pub struct Judgement {
    /// What is wrong with it, in the order it was found.
    pub issues: Vec<ValueIssue>,
    /// The text that gives ClearML what the value means, when every issue can be fixed
    /// without guessing (`None` after a failing substitution, an unparseable value, a
    /// placeholder; always `None` with an issue in a stored or Kubernetes-expanded value,
    /// which the tool cannot rewrite).
    pub corrected: Option<String>,
    /// The issues are in what Kubernetes made of `$(VAR)` references, not in the text.
    pub expanded: bool,
}

impl Judgement {
    fn refuse(issues: Vec<ValueIssue>) -> Judgement {
        Judgement {
            issues,
            corrected: None,
            expanded: false,
        }
    }
}

/// Whether a value (its text, and what pyhocon reads from it, when it reads one value)
/// matches `[secrets] placeholders`.
pub fn is_placeholder(
    text: &str,
    value: Option<&Value>,
    globs: Option<&dyn Fn(&str) -> bool>,
) -> bool {
    let Some(is_match) = globs else { return false };
    let t = text.trim();
    match value {
        Some(Value::List(items)) => items.iter().any(|i| match i {
            Value::String(s) => is_match(s.trim()),
            _ => false,
        }),
        // Most values read as their own text: that is matched once (the globs are pure).
        Some(Value::String(s)) => {
            let s = s.trim();
            is_match(s) || (s != t && is_match(t))
        }
        _ => !t.is_empty() && is_match(t),
    }
}

/// The text a substitution gets for a variable defined from a source not known here (a
/// Secret, the downward API): pyhocon puts an environment value in as a string, whatever it
/// holds, so any string stands for it.
const UNKNOWN_VALUE: &str = "\u{1}unknown";

/// Judges `text` (a variable's value) as ClearML reads it for `option` (`None`: an option the
/// catalogue does not know, judged for syntax only), in its surroundings. Pure: no finding,
/// no message.
pub fn judge(
    text: &str,
    option: Option<&crate::catalogue::OptionSpec>,
    around: &Surroundings,
) -> Judgement {
    // Kubernetes expands `$(VAR)` before ClearML sees anything.
    if !around.stored {
        match expand(text, around.earlier) {
            Expansion::Unchanged => {}
            Expansion::Undefined(var) => {
                return Judgement::refuse(vec![ValueIssue::KubernetesReference { var }])
            }
            // What ClearML reads depends on a value not in sight.
            Expansion::Unknown => {
                return Judgement {
                    issues: Vec::new(),
                    corrected: Some(text.to_string()),
                    expanded: true,
                }
            }
            Expansion::Text(expanded) => {
                let inner = Surroundings {
                    earlier: &[],
                    ..around.clone()
                };
                let j = judge(&expanded, option, &inner);
                let clean = j.issues.iter().all(|i| !i.misreads());
                return Judgement {
                    corrected: clean.then(|| text.to_string()),
                    expanded: true,
                    ..j
                };
            }
        }
    }
    let path = if around.path.is_empty() {
        "k"
    } else {
        around.path
    };
    let env = |name: &str| match lookup(around.process, name) {
        Some(Defined::Text(t)) => Some(t.clone()),
        Some(_) => Some(UNKNOWN_VALUE.to_string()),
        None => None,
    };
    let Read { reading, tokens } = values::reading(path, text, &env);
    if reading.sets_other_keys() {
        return Judgement::refuse(vec![ValueIssue::OtherKeys]);
    }
    let ty = option.map(|o| o.value_type);
    if !tokens.substitutions.is_empty() {
        let wrong_type = match (ty, reading.value()) {
            (Some(ValueType::Bool), Some(v)) => !matches!(v, Value::Bool(_)),
            (Some(ValueType::List), Some(v)) => !matches!(v, Value::List(_)),
            _ => false,
        };
        let mut issues = Vec::new();
        for (var, optional) in tokens.substitutions {
            let outcome = match (lookup(around.process, &var), optional) {
                (Some(d), _) => {
                    if let Defined::Text(v) = d {
                        let as_text = Value::String(v.clone());
                        if is_placeholder(v, Some(&as_text), around.placeholders) {
                            issues.push(ValueIssue::Placeholder);
                        }
                    }
                    Substituted::Resolved { wrong_type }
                }
                (None, true) => Substituted::Dropped,
                (None, false) => Substituted::Fails,
            };
            issues.push(ValueIssue::Substitution { var, outcome });
        }
        // pyhocon may fail on what a resolved substitution makes of the value (a string
        // joined to a list).
        if let Reading::Fails(e) = &reading {
            if !issues.iter().any(|i| {
                matches!(
                    i,
                    ValueIssue::Substitution {
                        outcome: Substituted::Fails,
                        ..
                    }
                )
            }) {
                issues.push(ValueIssue::Unparseable(e.clone()));
            }
        }
        let clean = issues.iter().all(|i| !i.misreads());
        return Judgement {
            issues,
            corrected: clean.then(|| text.to_string()),
            expanded: false,
        };
    }
    let read = match &reading {
        Reading::Value(Value::Unresolved) => {
            return Judgement::refuse(vec![ValueIssue::Unparseable(pyhocon::Error::Unsupported)])
        }
        Reading::Value(v) => v,
        Reading::Fails(e) => return Judgement::refuse(vec![ValueIssue::Unparseable(e.clone())]),
        // Without a substitution nothing drops the key, and other keys were refused above.
        Reading::Absent | Reading::OtherKeys(_) => {
            return Judgement::refuse(vec![ValueIssue::OtherKeys])
        }
    };
    // A `${…}` inside quotes is text to pyhocon, read as written: what a value stored
    // HOCON-quoted, as `explain` advises, means. Only an unquoted one substitutes (the tokens
    // above), so only that one is judged.
    let mut issues = Vec::new();
    let mut fixed = text.to_string();
    if let Some(head) = values::without_comment(path, text, &env, &reading) {
        issues.push(ValueIssue::CommentTail);
        fixed = head.to_string();
    }
    if tokens.joins_quoted {
        issues.retain(|i| *i != ValueIssue::CommentTail);
        issues.push(ValueIssue::Joined);
        return Judgement::refuse(issues);
    }
    if is_placeholder(&fixed, Some(read), around.placeholders) {
        issues.push(ValueIssue::Placeholder);
        return Judgement::refuse(issues);
    }
    let written = fixed.trim().to_string();
    let bare = !written.starts_with(['"', '[', '{']);
    // What the text means: as written when unquoted text reads otherwise.
    let mut meant = read.clone();
    if let (true, Value::String(s)) = (bare, read) {
        if *s != written {
            if written.contains('\\') {
                // Whether the escape was meant is not certain: refused, not rewritten.
                issues.push(ValueIssue::Escape);
                return Judgement::refuse(issues);
            }
            issues.push(if written.contains('\t') {
                ValueIssue::TabInside
            } else {
                ValueIssue::OtherText
            });
            fixed = hocon_string(&written);
            meant = Value::String(written.clone());
        }
    }
    if around.stored && bare && fixed.trim() != fixed && !written.is_empty() {
        issues.push(ValueIssue::SurroundingWhitespace);
    }
    let slash = option.is_some_and(|o| o.trailing_slash);
    match (ty, &meant) {
        (Some(ValueType::List), Value::String(s)) => {
            issues.push(ValueIssue::NotAList { item: s.clone() });
            fixed = hocon_list(std::slice::from_ref(s));
        }
        (Some(ValueType::Bool), Value::String(s))
            if s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false") =>
        {
            let b = s.eq_ignore_ascii_case("true");
            issues.push(ValueIssue::QuotedBoolean(b));
            fixed = b.to_string();
        }
        (Some(ValueType::Bool), Value::Bool(b)) if written != b.to_string() => {
            issues.push(ValueIssue::BooleanSpelling(*b));
            fixed = b.to_string();
        }
        (Some(ValueType::Bool), Value::Bool(_)) => {}
        (Some(ValueType::Bool), other) => match boolean_word(other) {
            Some((meant, clearml_reads)) => {
                issues.push(ValueIssue::BooleanWord {
                    meant,
                    clearml_reads,
                });
                fixed = meant.to_string();
            }
            None => {
                issues.push(ValueIssue::UnclearBoolean);
                return Judgement::refuse(issues);
            }
        },
        (Some(ValueType::Str), Value::Null | Value::Bool(_) | Value::List(_)) => {
            let reads = match meant {
                Value::Null => "null",
                Value::Bool(_) => "a boolean",
                _ => "a list",
            };
            issues.push(ValueIssue::NotText { reads });
            return Judgement::refuse(issues);
        }
        (Some(ValueType::Str), Value::Int(_) | Value::Float(_) | Value::Duration(_)) => {
            issues.push(ValueIssue::Number {
                text: written.clone(),
            });
            fixed = hocon_string(&written);
        }
        (_, Value::String(s)) if slash && !s.ends_with('/') && !s.is_empty() => {
            issues.push(ValueIssue::NoTrailingSlash { url: s.clone() });
            fixed = hocon_string(&format!("{s}/"));
        }
        // Read as written (pyhocon says so), but only by details of its grammar.
        (_, Value::String(s))
            if around.stored && bare && issues.is_empty() && *s == written && fragile(s) =>
        {
            issues.push(ValueIssue::Fragile);
        }
        _ => {}
    }
    let rewritable = !around.stored || issues.is_empty();
    Judgement {
        issues,
        corrected: rewritable.then_some(fixed),
        expanded: false,
    }
}

/// Whether a text pyhocon reads unquoted as itself does so only by details of its grammar:
/// whitespace inside (words joined back), `//` (text only inside a token), a keyword (read as
/// text only with more after it), non-ASCII (pyhocon's patterns are Unicode-aware for digits
/// and spaces). A warning, not a reading: what ClearML holds is [`values::reading`]'s.
fn fragile(s: &str) -> bool {
    !s.is_ascii() || s.contains(char::is_whitespace) || s.contains("//") || values::is_keyword(s)
}

/// What a word or digit on a boolean option means, and what ClearML makes of it:
/// `(meant, clearml_reads)`. pyhocon reads `yes`/`on`/`no`/`off`/`enabled`/`disabled` as
/// strings (true to ClearML when not empty) and `1`/`0` as numbers (measured with pyhocon
/// 0.3.63, `tests/hocon_conformance.rs`). `None` when the meaning is not certain.
fn boolean_word(read: &Value) -> Option<(bool, bool)> {
    const TRUE: &[&str] = &["yes", "on", "enabled", "enable", "1"];
    const FALSE: &[&str] = &["no", "off", "disabled", "disable", "0"];
    let (word, clearml_reads) = match read {
        Value::String(s) => (s.trim(), !s.is_empty()),
        Value::Int(n) => (n.as_str(), n != "0"),
        _ => return None,
    };
    let is = |list: &[&str]| list.iter().any(|w| w.eq_ignore_ascii_case(word));
    if is(TRUE) {
        Some((true, clearml_reads))
    } else if is(FALSE) {
        Some((false, clearml_reads))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn substitutions_in_text_with_multibyte_characters() {
        // Found by the render fuzzer: a byte index inside `ѝ` was sliced.
        let s = judge("/optѝlearml/x", None, &Surroundings::default());
        assert!(s.issues.is_empty());
        let s = judge("ѝ${A}ѝ\\ѝ", None, &Surroundings::default());
        assert_eq!(
            s.issues,
            vec![ValueIssue::Substitution {
                var: "A".into(),
                outcome: Substituted::Fails
            }]
        );
    }

    #[test]
    fn values_that_set_other_keys() {
        // `{a: 1}`: an object at the path, which the judge takes for other keys too.
        let mut values = super::super::values::values_setting_other_keys();
        values.push("{a: 1}".into());
        for bad in values {
            let j = judge(&bad, None, &Surroundings::default());
            assert_eq!(j.issues, vec![ValueIssue::OtherKeys], "{bad:?}");
            assert!(j.corrected.is_none());
        }
    }

    /// What Kubernetes expands from `$(VAR)` is read as ClearML reads it: an earlier
    /// variable's text that sets another key does so through the reference too.
    #[test]
    fn other_keys_through_a_kubernetes_reference() {
        let around = Surroundings {
            earlier: &[(
                "A".into(),
                Defined::Text(
                    "https://h/, secure.login.sso.oauth_client.keycloak.client_secret: x".into(),
                ),
            )],
            ..Default::default()
        };
        let j = judge("$(A)", Some(opt("base_url")), &around);
        assert!(j.expanded && j.corrected.is_none());
        assert_eq!(j.issues, vec![ValueIssue::OtherKeys]);
        // Quoted, it is one string.
        let j = judge("\"$(A)\"", Some(opt("display_name")), &around);
        assert!(j.issues.is_empty(), "{:?}", j.issues);
    }

    #[test]
    fn text_pyhocon_reads_otherwise_is_found_by_its_reading() {
        let j = judge(
            "true-north",
            Some(opt("display_name")),
            &Surroundings::default(),
        );
        assert_eq!(j.issues, vec![ValueIssue::OtherText]);
        assert_eq!(j.corrected.as_deref(), Some("\"true-north\""));
        let j = judge(
            "\"a\" b",
            Some(opt("display_name")),
            &Surroundings::default(),
        );
        assert_eq!(j.issues, vec![ValueIssue::Joined]);
        let j = judge("a\\nb", Some(opt("display_name")), &Surroundings::default());
        assert_eq!(j.issues, vec![ValueIssue::Escape]);
        // `//` inside a token is text, after a space a comment.
        let j = judge(
            "https://x//y/",
            Some(opt("base_url")),
            &Surroundings::default(),
        );
        assert!(j.issues.is_empty(), "{:?}", j.issues);
        let j = judge(
            "https://x/ // c",
            Some(opt("base_url")),
            &Surroundings::default(),
        );
        assert_eq!(j.issues, vec![ValueIssue::CommentTail]);
        assert_eq!(j.corrected.as_deref(), Some("https://x/"));
        let j = judge(
            "\"\"\"a b\"\"\"",
            Some(opt("display_name")),
            &Surroundings::default(),
        );
        assert!(j.issues.is_empty(), "{:?}", j.issues);
        let j = judge(
            "a\u{a0}b",
            Some(opt("display_name")),
            &Surroundings::default(),
        );
        assert!(j.issues.iter().any(ValueIssue::misreads), "{:?}", j.issues);
    }

    fn opt(name: &str) -> &'static crate::catalogue::OptionSpec {
        crate::catalogue::options(crate::catalogue::Client::OAuth)
            .iter()
            .find(|o| o.name == name)
            .unwrap()
    }

    fn issues(text: &str, option: &str, around: &Surroundings) -> Vec<ValueIssue> {
        judge(text, Some(opt(option)), around).issues
    }

    #[test]
    fn stored_values_are_judged_as_hocon() {
        let stored = Surroundings {
            stored: true,
            ..Default::default()
        };
        let misread = |v: &str| {
            let j = judge(v, Some(opt("client_secret")), &stored);
            assert!(j.corrected.is_none() || j.issues.is_empty(), "{v:?}");
            j.issues.iter().any(ValueIssue::misreads)
        };
        for bad in [
            "ab+cd=ef#gh",
            "a/b+c==",
            "abc#def",
            "p@ss!word",
            "12345678901234567890",
            "secret\n",
            "secret ",
            " secret",
            "a\\nb",
            "5s",
        ] {
            assert!(misread(bad), "{bad:?}");
        }
        for good in [
            "\"ab+cd=ef#gh\"",
            "9yq2Xl0bF8tV3nRkC4sWmJ7eHdPaZu1G",
            "3f9a2b",
            "a\\b",
            "\"x\"\n",
        ] {
            assert!(!misread(good), "{good:?}");
        }
        assert_eq!(
            issues("Corp SSO", "display_name", &stored),
            vec![ValueIssue::Fragile]
        );
        // A literal with surrounding whitespace reads the same and is not a stored value.
        assert!(issues("secret ", "client_secret", &Surroundings::default()).is_empty());
    }

    #[test]
    fn substitutions_follow_the_container_environment() {
        let around = Surroundings {
            process: &[("IDP".into(), Defined::Text("x".into()))],
            ..Default::default()
        };
        let outcome = |v: &str, o: &str| match issues(v, o, &around).as_slice() {
            [ValueIssue::Substitution { outcome, .. }] => Some(outcome.clone()),
            _ => None,
        };
        let ok = Some(Substituted::Resolved { wrong_type: false });
        assert_eq!(outcome("${IDP}", "display_name"), ok);
        assert_eq!(outcome("pre${IDP}", "display_name"), ok);
        assert_eq!(
            outcome("${?NOPE}", "display_name"),
            Some(Substituted::Dropped)
        );
        assert_eq!(outcome("${NOPE}", "display_name"), Some(Substituted::Fails));
        assert_eq!(
            outcome("${IDP:?err}", "display_name"),
            Some(Substituted::Fails)
        );
        assert_eq!(
            outcome("${IDP}", "debug"),
            Some(Substituted::Resolved { wrong_type: true })
        );
        // Quoted, it is text: nothing to say, whether IDP is defined or not.
        assert_eq!(issues("\"${IDP}\"", "display_name", &around), vec![]);
        assert_eq!(issues("\"a${NOPE}b\"", "display_name", &around), vec![]);
        let j = judge("${IDP}", Some(opt("display_name")), &around);
        assert_eq!(
            j.corrected.as_deref(),
            Some("${IDP}"),
            "a resolved one is kept"
        );
    }

    #[test]
    fn kubernetes_expands_earlier_variables_first() {
        let around = Surroundings {
            earlier: &[
                ("A".into(), Defined::Text("a+b".into())),
                ("S".into(), Defined::Unknown),
            ],
            ..Default::default()
        };
        // Expanded, `a+b` unquoted stops pyhocon; quoted it is fine.
        let j = judge("$(A)", Some(opt("display_name")), &around);
        assert!(j.expanded && j.corrected.is_none());
        assert!(matches!(j.issues.as_slice(), [ValueIssue::Unparseable(_)]));
        let j = judge("\"$(A)\"", Some(opt("display_name")), &around);
        assert!(j.issues.is_empty() && j.corrected.as_deref() == Some("\"$(A)\""));
        assert_eq!(
            issues("$(LATER)", "display_name", &around),
            vec![ValueIssue::KubernetesReference {
                var: "LATER".into()
            }]
        );
        assert!(
            issues("$(S)", "display_name", &around).is_empty(),
            "unknown: not judged"
        );
        // `$$` is a `$` to Kubernetes, which pyhocon refuses unquoted.
        assert!(issues("a$$b", "display_name", &around)
            .iter()
            .any(|i| matches!(i, ValueIssue::Unparseable(_))));
    }

    /// An expansion longer than any variable can be is not built, and not judged: the
    /// container never starts, which the proof says (`env-too-long`).
    #[test]
    fn an_expansion_past_linux_bound_is_not_judged() {
        let long = "a+".repeat(40_000);
        let earlier = [("A".to_string(), Defined::Text(long))];
        let around = Surroundings {
            earlier: &earlier,
            ..Default::default()
        };
        // One reference (80,000 bytes) is judged: unquoted `+` stops pyhocon.
        assert!(!issues("$(A)", "display_name", &around).is_empty());
        let j = judge("$(A)$(A)", Some(opt("display_name")), &around);
        assert!(j.issues.is_empty() && j.expanded, "{:?}", j.issues);
        assert_eq!(j.corrected.as_deref(), Some("$(A)$(A)"));
    }

    /// A `$` before a non-ASCII character is not what ClearML reads: Kubernetes makes bytes of
    /// it that are not UTF-8. Such a value is not judged as written, wherever the `$` is (an
    /// undefined `$(VAR)` before it included): the proof refuses the container
    /// (`env-not-text`). `$$é` is `$é`, and is judged as that.
    #[test]
    fn a_dollar_before_a_non_ascii_character_is_not_judged_as_written() {
        let earlier = [("A".to_string(), Defined::Text("1".into()))];
        let around = Surroundings {
            earlier: &earlier,
            ..Default::default()
        };
        for text in [
            "ab$é",
            "\"ab$é\"",
            "$(A)$é",
            "$(UNDEFINED)$é",
            "$é$(UNDEFINED)",
        ] {
            let j = judge(text, Some(opt("display_name")), &around);
            assert!(j.issues.is_empty() && j.expanded, "{text}: {:?}", j.issues);
            assert_eq!(j.corrected.as_deref(), Some(text));
        }
        let j = judge("\"ab$$é\"", Some(opt("display_name")), &around);
        assert!(j.issues.is_empty() && j.expanded, "{:?}", j.issues);
        // An undefined `$(VAR)` alone is still what it was.
        assert!(matches!(
            issues("$(UNDEFINED)", "display_name", &around)[..],
            [ValueIssue::KubernetesReference { .. }]
        ));
    }

    #[test]
    fn placeholders_and_boolean_words() {
        let policy = crate::policy::parse(
            "version = 1\n[providers.google]\nclient_id = \"a\"\nclient_secret = { secret = \"s\", key = \"k\" }\n",
            "p.toml",
        )
        .unwrap();
        let globs = policy.secrets.placeholders;
        let globs = |s: &str| globs.is_match(s);
        let around = Surroundings {
            placeholders: Some(&globs),
            ..Default::default()
        };
        for v in [
            "<company_id>",
            "changeme",
            "[\"<admin group name in Keycloak>\"]",
        ] {
            let o = if v.starts_with('[') {
                "groups.admins"
            } else {
                "default_company"
            };
            let j = judge(v, Some(opt(o)), &around);
            assert_eq!(j.issues, vec![ValueIssue::Placeholder], "{v}");
            assert!(j.corrected.is_none());
        }
        let word = |v: &str| judge(v, Some(opt("debug")), &around);
        for (v, meant, reads) in [
            ("no", false, true),
            ("off", false, true),
            ("yes", true, true),
            ("enabled", true, true),
            ("0", false, false),
            ("1", true, true),
        ] {
            let j = word(v);
            assert_eq!(
                j.issues,
                vec![ValueIssue::BooleanWord {
                    meant,
                    clearml_reads: reads
                }],
                "{v}"
            );
            assert_eq!(j.corrected, Some(meant.to_string()));
        }
        let j = word("maybe");
        assert_eq!(j.issues, vec![ValueIssue::UnclearBoolean]);
        assert!(j.corrected.is_none());
    }

    #[test]
    fn defined_values_are_never_shown() {
        let d = Defined::Text("hunter2".into());
        assert!(!format!("{d:?}").contains("hunter2"));
    }
}
