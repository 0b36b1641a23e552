//! How ClearML reads an environment variable's value: the one function that says it.
//!
//! ClearML's loader gives pyhocon `"{path}: {value}"` ([`loader::variable_text`]); [`reading`]
//! parses exactly that with the port of pyhocon ([`crate::pyhocon`]) and says what ClearML
//! holds at the path, that the text sets other keys, that the apiserver would not start, or
//! that a `${?X}` dropped the setting — substitutions resolved against the container's
//! process environment as pyhocon resolves them. Also how to write a string or list that
//! reading gives back exactly ([`hocon_string`], [`hocon_list`]), and the policy's literal
//! values ([`Literal`]). Pure: no finding, no message, no policy; no scan of its own of
//! HOCON syntax. Whether a value is right for its option is [`super::judge`]'s.

use super::loader;
use crate::catalogue::ValueType;
use crate::pyhocon::{self, Value};

/// Characters that end or break an unquoted HOCON string in pyhocon 0.3.x
/// (its `unquoted_string` pattern), plus whitespace. Public so `explain` tells users the same
/// list the tool writes by.
pub const UNQUOTED_FORBIDDEN: &[char] = &[
    '^', '`', '+', '?', '!', '@', '*', '&', '"', '[', '{', ']', '}', '#', ',', '=', '$', '\\',
];

fn looks_numeric(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    // pyhocon's number pattern uses Python's `\d`, which matches every Unicode digit (`٣`, `🯲`).
    s.starts_with(|c: char| c.is_ascii_digit() || c == '.' || c.is_numeric())
}

/// Words an unquoted HOCON value does not read as text (any case): booleans, null, `include`.
pub const KEYWORDS: &[&str] = &["true", "false", "null", "yes", "no", "on", "off", "include"];

pub(super) fn is_keyword(s: &str) -> bool {
    KEYWORDS.iter().any(|k| s.eq_ignore_ascii_case(k))
}

/// [`UNQUOTED_FORBIDDEN`] by byte (all are ASCII).
const FORBIDDEN_BYTES: [bool; 128] = {
    let mut table = [false; 128];
    let mut i = 0;
    while i < UNQUOTED_FORBIDDEN.len() {
        table[UNQUOTED_FORBIDDEN[i] as usize] = true;
        i += 1;
    }
    table
};

/// Whether ASCII `s` may go bare as far as its characters tell: none of
/// [`UNQUOTED_FORBIDDEN`], no space or control character, and every `//` (which starts a
/// comment in HOCON) that of a `scheme://` (pyhocon reads that inside a bare string as text):
/// as many `//` as `://`, each counted as `str::matches` does. One pass over the bytes: asked of
/// every literal the policy sets, for every render.
fn plain_ascii(s: &str) -> bool {
    let b = s.as_bytes();
    let (mut slashes, mut schemes) = (0usize, 0usize);
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        // ASCII: `char::is_whitespace` or `char::is_control` is a byte up to the space, or DEL.
        if c <= b' ' || c == 0x7f || FORBIDDEN_BYTES.get(usize::from(c)) == Some(&true) {
            return false;
        }
        if c == b':' && b[i + 1..].starts_with(b"//") {
            schemes += 1;
        }
        // `matches("//")` takes them left to right without overlap: `///` is one.
        if c == b'/' && b.get(i + 1) == Some(&b'/') {
            slashes += 1;
            i += 2;
            continue;
        }
        i += 1;
    }
    slashes == schemes
}

/// Writes a string so that HOCON reads it back unchanged: bare when that is safe,
/// otherwise double-quoted with JSON escapes.
pub fn hocon_string(s: &str) -> String {
    // Only plain ASCII goes bare: pyhocon's patterns are Unicode-aware in ways (digits, spaces)
    // that are not worth second-guessing; anything else is quoted.
    let bare = !s.is_empty()
        && s.is_ascii()
        && plain_ascii(s)
        && !looks_numeric(s)
        && !is_keyword(s)
        // What decides: pyhocon itself gives back exactly `s` (a keyword prefix such as
        // `true-north` is read as `True-north`; the checks above only keep the output as it was
        // where it was already right).
        && reads_back_bare(s);
    if bare {
        s.to_string()
    } else {
        crate::pyhocon::quote(s)
    }
}

/// What pyhocon reads for `k: {text}` when that is the one key `k` and nothing else (no
/// `${…}` resolved from the environment: none is given).
pub fn read_one(text: &str) -> Option<Value> {
    match reading("k", text, &|_| None).reading {
        Reading::Value(v) => Some(v),
        _ => None,
    }
}

/// Whether pyhocon reads `k: {s}` as the one key `k` holding exactly the string `s`.
fn reads_back_bare(s: &str) -> bool {
    read_one(s).is_some_and(|v| v == Value::String(s.to_string()))
}

/// A list of strings as HOCON: every item quoted, `["a","b"]`.
pub fn hocon_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| crate::pyhocon::quote(i)).collect();
    format!("[{}]", quoted.join(","))
}

/// What ClearML holds after reading one variable.
#[derive(Debug, Clone, PartialEq)]
pub enum Reading {
    /// The value at the path, as pyhocon types it (an object when the text sets keys below
    /// the path: see [`Reading::sets_other_keys`]).
    Value(Value),
    /// Nothing at the path: a `${?X}` with X undefined dropped the setting.
    Absent,
    /// The text sets keys besides the path: those keys (pyhocon's, dotted from the root),
    /// never their values.
    OtherKeys(Vec<String>),
    /// pyhocon fails on it: the apiserver would not start.
    Fails(pyhocon::Error),
}

impl Reading {
    /// Whether the text gives ClearML any key but the path itself: another key, or keys
    /// below the path (an object, also inside a list). Such a value may carry any setting,
    /// a credential included.
    pub fn sets_other_keys(&self) -> bool {
        fn holds_object(v: &Value) -> bool {
            match v {
                Value::Object(_) => true,
                Value::List(items) => items.iter().any(holds_object),
                _ => false,
            }
        }
        match self {
            Reading::OtherKeys(_) => true,
            Reading::Value(v) => holds_object(v),
            Reading::Absent | Reading::Fails(_) => false,
        }
    }

    /// The value, when ClearML holds one at the path and nothing else.
    pub fn value(&self) -> Option<&Value> {
        match self {
            Reading::Value(v) if !self.sets_other_keys() => Some(v),
            _ => None,
        }
    }
}

/// A [`Reading`] and the tokens pyhocon's parser met on the way ([`pyhocon::Tokens`]: the
/// unquoted substitutions, a quoted string joined to other text).
#[derive(Debug, Clone, PartialEq)]
pub struct Read {
    /// What ClearML holds.
    pub reading: Reading,
    /// What the parser met.
    pub tokens: pyhocon::Tokens,
}

/// How ClearML reads `text` as the variable whose configuration path is `path`: pyhocon on the
/// loader's own `"{path}: {value}"`, `${X}` that the text does not define resolved from `env`
/// (the container's process environment).
pub fn reading(path: &str, text: &str, env: &dyn Fn(&str) -> Option<String>) -> Read {
    // The plain shape (most variables): its value at the path, without the text and the tree.
    if let Some(v) = pyhocon::shortcut_value_at(path, text) {
        return Read {
            reading: Reading::Value(v),
            tokens: pyhocon::Tokens::default(),
        };
    }
    let (result, tokens) = pyhocon::parse_with_tokens(&loader::variable_text(path, text), env);
    let reading = match result {
        Err(e) => Reading::Fails(e),
        Ok(tree) => at_path(tree, &pyhocon::parse_key(path)),
    };
    Read { reading, tokens }
}

/// [`reading`] with every `${X}` defined: what the text itself gives ClearML, whatever the
/// container's environment (pyhocon puts an environment value in as a string, never as keys,
/// so it changes no key the text sets and makes no text fail but a type clash).
pub fn reading_any_env(path: &str, text: &str) -> Reading {
    reading(path, text, &|_| Some("x".to_string())).reading
}

/// The value at `path` in a parsed tree, or the keys it holds besides.
fn at_path(tree: Value, path: &[String]) -> Reading {
    let mut others = Vec::new();
    let mut node = tree;
    let mut prefix = String::new();
    for (depth, segment) in path.iter().enumerate() {
        let Value::Object(items) = node else {
            // A non-object above the path: the text replaced what holds it.
            others.push(prefix);
            return Reading::OtherKeys(others);
        };
        let mut next = None;
        for (k, v) in items {
            if k == *segment {
                next = Some(v);
            } else {
                others.push(format!("{prefix}{k}"));
            }
        }
        prefix.push_str(segment);
        prefix.push('.');
        match next {
            Some(v) if depth + 1 == path.len() => {
                return if others.is_empty() {
                    Reading::Value(v)
                } else {
                    Reading::OtherKeys(others)
                };
            }
            Some(v) => node = v,
            None if others.is_empty() => return Reading::Absent,
            None => return Reading::OtherKeys(others),
        }
    }
    // An empty path: the whole tree is "other keys".
    match node {
        Value::Object(items) if items.is_empty() => Reading::Absent,
        Value::Object(items) => Reading::OtherKeys(items.into_iter().map(|(k, _)| k).collect()),
        v => Reading::Value(v),
    }
}

/// How many `#`/`//` a comment tail is looked for at ([`without_comment`]): each costs one
/// parse, and a real value has one or two.
const MAX_COMMENT_CANDIDATES: usize = 16;

/// The text without the comment tail pyhocon drops (` # note`, ` // note`), trailing space
/// trimmed, when it has one. Decided by the port: the tail starts at the first `#` or `//`
/// from which nothing changes what ClearML holds (`//` inside a token, `#` inside quotes is
/// text). `None` when there is no such tail, or the text does not read as one value.
pub fn without_comment<'t>(
    path: &str,
    text: &'t str,
    env: &dyn Fn(&str) -> Option<String>,
    whole: &Reading,
) -> Option<&'t str> {
    if !matches!(whole, Reading::Value(_)) {
        return None;
    }
    let candidates = text
        .char_indices()
        .filter(|&(i, c)| c == '#' || text[i..].starts_with("//"))
        .map(|(i, _)| i)
        .take(MAX_COMMENT_CANDIDATES);
    for i in candidates {
        let head = &text[..i];
        if reading(path, head, env).reading == *whole {
            return Some(head.trim_end());
        }
    }
    None
}

/// A policy value ClearML should end up holding, as the tool writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Literal {
    /// A string.
    Str(String),
    /// A boolean.
    Bool(bool),
    /// A list of strings.
    List(Vec<String>),
}

impl Literal {
    /// The variable text for this value: the HOCON form that reads back as exactly it.
    pub fn to_env(&self) -> String {
        match self {
            Literal::Str(s) => hocon_string(s),
            Literal::Bool(b) => b.to_string(),
            Literal::List(items) => hocon_list(items),
        }
    }

    /// The value pyhocon must read for it.
    pub fn to_pyhocon(&self) -> Value {
        match self {
            Literal::Str(s) => Value::String(s.clone()),
            Literal::List(items) => Value::List(items.iter().cloned().map(Value::String).collect()),
            Literal::Bool(b) => Value::Bool(*b),
        }
    }

    /// Whether an existing variable text already gives ClearML this value, spelled canonically
    /// enough: booleans must be lower-case `true`/`false` (other spellings are normalised).
    pub fn matches(&self, text: &str) -> bool {
        match self {
            Literal::Bool(b) => text.trim() == b.to_string(),
            // pyhocon's own reading decides (a bare `true-north` is `True-north` to it).
            _ => read_one(text).is_some_and(|v| v == self.to_pyhocon()),
        }
    }

    /// The value type of this literal.
    pub fn value_type(&self) -> ValueType {
        match self {
            Literal::Str(_) => ValueType::Str,
            Literal::Bool(_) => ValueType::Bool,
            Literal::List(_) => ValueType::List,
        }
    }
}

/// Values that set keys besides their own path, shared by the tests of the reading and of
/// the judge (each asserts what it makes of them).
#[cfg(test)]
pub(super) fn values_setting_other_keys() -> Vec<String> {
    let secret = "secure.login.sso.oauth_client.keycloak.client_secret";
    vec![
        format!("https://hooks.example.com/, {secret}: \"attacker\""),
        format!("x, {secret}: e"),
        format!("x\n{secret}: e"),
        format!("x # c\n{secret}: e"),
        format!("a\\\" , {secret}: x"),
        format!("\"\"\"a\"\"\", {secret}: x"),
        "{}\nsecure {login {a: e}}".into(),
        "\"q\", b: c".into(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_ascii_agrees_with_the_checks_it_makes_in_one_pass() {
        // Every string of up to 5 characters from an alphabet of slashes, colons, forbidden,
        // space and control characters: the one pass agrees with the checks written plainly.
        let alphabet = ['a', '/', ':', '#', ' ', '\t', '\u{7f}', '1'];
        let mut strings = vec![String::new()];
        let mut all = Vec::new();
        for _ in 0..5 {
            strings = strings
                .iter()
                .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
                .collect();
            all.extend(strings.iter().cloned());
        }
        for s in all {
            let plainly = !s.contains(UNQUOTED_FORBIDDEN)
                && !s.chars().any(|c| c.is_whitespace() || c.is_control())
                && s.matches("//").count() == s.matches("://").count();
            assert_eq!(plain_ascii(&s), plainly, "{s:?}");
        }
    }

    #[test]
    fn strings_are_quoted_only_when_needed() {
        assert_eq!(
            hocon_string("https://sso.example.com/realms/x/"),
            "https://sso.example.com/realms/x/"
        );
        assert_eq!(hocon_string("a?b=c"), "\"a?b=c\"");
        assert_eq!(hocon_string("s3cr#t"), "\"s3cr#t\"");
        assert_eq!(hocon_string("123e4567"), "\"123e4567\"");
        assert_eq!(hocon_string("true"), "\"true\"");
        assert_eq!(hocon_string("two words"), "\"two words\"");
        assert_eq!(hocon_string("a//b"), "\"a//b\"");
        assert_eq!(hocon_string(""), "\"\"");
        // pyhocon reads a bare `true-north` as `True-north`, `null-x` as `None-x`.
        assert_eq!(hocon_string("true-north"), "\"true-north\"");
        assert_eq!(hocon_string("null-x"), "\"null-x\"");
        assert_eq!(hocon_string("north-true"), "north-true");
        assert_eq!(hocon_list(&["a".into(), "b c".into()]), "[\"a\",\"b c\"]");
    }

    fn value(text: &str) -> Reading {
        reading(
            "secure.login.sso.oauth_client.google.client_id",
            text,
            &|_| None,
        )
        .reading
    }

    fn string(s: &str) -> Reading {
        Reading::Value(Value::String(s.into()))
    }

    #[test]
    fn reading_is_pyhocons() {
        assert_eq!(value("True"), Reading::Value(Value::Bool(true)));
        assert_eq!(value("\"true\""), string("true"));
        assert_eq!(
            value("[a, \"b\"]"),
            Reading::Value(Value::List(vec![
                Value::String("a".into()),
                Value::String("b".into())
            ]))
        );
        assert_eq!(value("https://x/y # note"), string("https://x/y"));
        assert_eq!(value("0123"), Reading::Value(Value::Int("123".into())));
        assert!(matches!(value("true`"), Reading::Fails(_)));
        assert!(matches!(value("${X}"), Reading::Fails(_)));
        assert_eq!(value("${?X}"), Reading::Absent);
        // A keyword prefix is joined as Python's `str()` of the keyword.
        assert_eq!(value("true-north"), string("True-north"));
        // Triple quotes keep their text raw.
        assert_eq!(value("\"\"\"a\\nb\"\"\""), string("a\\nb"));
        // Escapes in unquoted text are replaced.
        assert_eq!(value("a\\nb"), string("a\nb"));
        assert!(value("{a: 1}").sets_other_keys());
        assert!(value("[{a: 1}]").sets_other_keys());
    }

    #[test]
    fn substitutions_resolve_from_the_process_environment() {
        let env = |k: &str| (k == "IDP").then(|| "a, b: c".to_string());
        let r = reading("a.b", "x${IDP}", &env);
        // An environment value is put in as text, never parsed.
        assert_eq!(r.reading, string("xa, b: c"));
        assert_eq!(r.tokens.substitutions, vec![("IDP".to_string(), false)]);
        let r = reading("a.b", "\"${IDP}\"", &env);
        assert_eq!(r.reading, string("${IDP}"));
        assert!(r.tokens.substitutions.is_empty());
    }

    /// Values that set keys besides the path, among them the attacks of an earlier review:
    /// `//` inside a token is not a comment, an escaped quote in unquoted text is text, and a
    /// `"""` string runs to its end.
    #[test]
    fn values_that_set_other_keys() {
        for bad in values_setting_other_keys() {
            let r = reading("services.webhooks.url", &bad, &|_| None).reading;
            assert!(r.sets_other_keys(), "{bad:?}: {r:?}");
            if let Reading::OtherKeys(keys) = &r {
                assert!(keys.iter().all(|k| !k.contains("attacker")), "{keys:?}");
            }
        }
        for good in [
            "https://x.example.com/a",
            "[\"a\", \"b\"]",
            "[a,\n b]",
            "\"a, b: c\"",
            "x # a, b: c",
            "x,",
            "x\n",
            "",
        ] {
            let r = reading("services.webhooks.url", good, &|_| None).reading;
            assert!(
                matches!(r, Reading::Value(_)) && !r.sets_other_keys(),
                "{good:?}: {r:?}"
            );
        }
        assert_eq!(
            reading("a.b", "x, a.c: 1, d: 2", &|_| None).reading,
            Reading::OtherKeys(vec!["d".into(), "a.c".into()])
        );
    }

    #[test]
    fn comment_tails_are_pyhocons() {
        let tail = |t: &str| {
            let whole = value(t);
            without_comment("k", t, &|_| None, &whole).map(str::to_string)
        };
        assert_eq!(tail("x # note").as_deref(), Some("x"));
        assert_eq!(tail("https://x/y // note").as_deref(), Some("https://x/y"));
        assert_eq!(tail("\"a # b\" # c").as_deref(), Some("\"a # b\""));
        assert_eq!(tail("https://x/y"), None);
        assert_eq!(tail("a//b"), None);
        assert_eq!(tail("\"a # b\""), None);
    }

    #[test]
    fn literal_matching() {
        assert!(Literal::Bool(true).matches("true"));
        assert!(!Literal::Bool(true).matches("True"));
        assert!(!Literal::Bool(true).matches("\"true\""));
        assert!(Literal::Str("x y".into()).matches("\"x y\""));
        assert!(Literal::List(vec!["a".into()]).matches("[a]"));
        assert!(!Literal::List(vec!["a".into()]).matches("a"));
        assert!(!Literal::Str("true-north".into()).matches("true-north"));
        assert!(Literal::Str("true-north".into()).matches("\"true-north\""));
    }

    #[test]
    fn numbers_are_whole_values_only() {
        assert_eq!(value("3f9a2b"), string("3f9a2b"));
        assert_eq!(value("1.2.3"), string("1.2.3"));
        assert!(matches!(value("1e5"), Reading::Value(Value::Float(_))));
        assert!(matches!(value("-.5"), Reading::Value(Value::Float(_))));
        assert!(matches!(
            value("5 minutes"),
            Reading::Value(Value::Duration(_))
        ));
        assert_eq!(value("5x"), string("5x"));
    }
}
