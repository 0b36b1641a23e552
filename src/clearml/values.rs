//! How ClearML reads an environment variable's value: HOCON.
//!
//! ClearML parses `"{path}: {value}"` as HOCON with pyhocon: what a value's text means to
//! ClearML ([`read`]), how to write a string or list it reads as exactly that, and the
//! policy's literal values ([`Literal`]). Pure: no finding, no message, no policy. Whether a
//! value is right for its option is [`super::judge`]'s; the name grammar [`super::names`]'s.

use crate::catalogue::ValueType;
use crate::pyhocon::Value;

/// A value as ClearML ends up holding it after HOCON parsing.
#[derive(Debug, Clone, PartialEq)]
pub enum Hocon {
    /// A string.
    Str(String),
    /// A boolean.
    Bool(bool),
    /// A number (kept as text; ClearML would hold an int or float).
    Number(String),
    /// `null`.
    Null,
    /// A list.
    List(Vec<Hocon>),
    /// A `${…}` substitution: ClearML fails to start on it.
    Substitution(String),
    /// Anything this reader does not model (ClearML may reject or misread it).
    Unreadable(&'static str),
}

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

/// Whether pyhocon reads the whole of `t` as a number: its pattern
/// `[+-]?(\d*\.\d+|\d+(\.\d+)?)([eE][+\-]?\d+)?`, the entire value. A value that only
/// starts with digits (`3f9a2b`, `123abc`, `1.2.3`) is a string to it (measured with pyhocon
/// 0.3.63, `tests/hocon_conformance.rs`). Digits are Python's `\d`, which matches every
/// Unicode digit.
fn is_number(t: &str) -> bool {
    let digit = |c: char| c.is_ascii_digit() || (!c.is_ascii() && c.is_numeric());
    let s = t.strip_prefix(['+', '-']).unwrap_or(t);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let digits = |x: &str| !x.is_empty() && x.chars().all(digit);
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => (int.is_empty() || digits(int)) && digits(frac),
        None => digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)));
    mantissa_ok && exponent_ok
}

/// Whether pyhocon reads `t` as a duration (`5s`, `10 minutes`): an integer, spaces, and one
/// of its period units (`pyhocon/period_parser.py`: `period_type_map`; months and years only
/// with python-dateutil installed, so they are counted too). ClearML then holds a timedelta,
/// or pyhocon fails on it — never the text.
fn is_duration(t: &str) -> bool {
    use crate::pyhocon::PERIOD_UNITS as UNITS;
    let end = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    end > 0 && UNITS.contains(&t[end..].trim_start_matches(' '))
}

/// Words an unquoted HOCON value does not read as text (any case): booleans, null, `include`.
pub const KEYWORDS: &[&str] = &["true", "false", "null", "yes", "no", "on", "off", "include"];

pub(super) fn is_keyword(s: &str) -> bool {
    KEYWORDS.iter().any(|k| s.eq_ignore_ascii_case(k))
}

/// Writes a string so that HOCON reads it back unchanged: bare when that is safe,
/// otherwise double-quoted with JSON escapes.
pub fn hocon_string(s: &str) -> String {
    // Only plain ASCII goes bare: pyhocon's patterns are Unicode-aware in ways (digits, spaces)
    // that are not worth second-guessing; anything else is quoted.
    let bare = !s.is_empty()
        && s.is_ascii()
        && !s.contains(UNQUOTED_FORBIDDEN)
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        && !looks_numeric(s)
        && !is_keyword(s)
        // `//` starts a comment in HOCON; pyhocon reads `scheme://` inside a bare string
        // as text, but nothing else.
        && s.matches("//").count() == s.matches("://").count()
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
    match crate::pyhocon::parse(&format!("k: {text}"), &|_| None) {
        Ok(Value::Object(mut items)) if items.len() == 1 && items[0].0 == "k" => {
            items.pop().map(|(_, v)| v)
        }
        _ => None,
    }
}

/// Whether pyhocon reads `k: {s}` as the one key `k` holding exactly the string `s`.
fn reads_back_bare(s: &str) -> bool {
    read_one(s).is_some_and(|v| v == Value::String(s.to_string()))
}

/// Why [`read`] does not model a value whose quoted part has text next to it (`"a" b`,
/// `"a"b`, `a "b"`): pyhocon joins the parts (HOCON concatenation: `a b`, `ab`) or fails on
/// what follows, so ClearML does not read the quoted text alone. Not a parse error as such.
pub const JOINED: &str =
    "a quoted part with text next to it, which ClearML joins to it (HOCON concatenation) or fails on";

/// What follows from a value [`read`] finds [`Hocon::Unreadable`] for `why`: a parse error
/// stops the apiserver; a [`JOINED`] value is read as other text, or stops it.
pub fn unreadable_outcome(why: &str) -> &'static str {
    if why == JOINED {
        "ClearML reads other text than the quoted part, or the apiserver fails to start"
    } else {
        "the apiserver fails to start"
    }
}

/// Reads a HOCON quoted string (`t` starts with `"`) as pyhocon does (see [`crate::pyhocon::quote`]):
/// `Err(true)` when it closes before its end (text follows), `Err(false)` when it never
/// closes properly.
fn hocon_unquote(t: &str) -> Result<String, bool> {
    let mut out = String::with_capacity(t.len());
    let mut chars = t.strip_prefix('"').ok_or(false)?.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' if chars.as_str().is_empty() => return Ok(out),
            '"' => return Err(true),
            '\\' => match chars.next().ok_or(false)? {
                '"' => out.push('"'),
                '\\' => out.push('\\'),
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                't' => out.push('\t'),
                other => {
                    out.push('\\');
                    out.push(other);
                }
            },
            c => out.push(c),
        }
    }
    Err(false)
}

/// A list of strings as HOCON: every item quoted, `["a","b"]`.
pub fn hocon_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| crate::pyhocon::quote(i)).collect();
    format!("[{}]", quoted.join(","))
}

/// Reads a variable's value the way pyhocon would, for the shapes SSO options take.
pub fn read(text: &str) -> Hocon {
    let t = strip_comment(text).trim();
    if t.is_empty() {
        return Hocon::Str(String::new());
    }
    if let Some(inner) = t.strip_prefix('[') {
        let Some(inner) = inner.strip_suffix(']') else {
            return Hocon::Unreadable("a list without its closing ]");
        };
        let items: Vec<Hocon> = split_list(inner).iter().map(|i| read(i)).collect();
        if let Some(bad) = items.iter().find(|i| matches!(i, Hocon::Unreadable(_))) {
            return bad.clone();
        }
        return Hocon::List(items);
    }
    if t.starts_with('"') {
        return match hocon_unquote(t) {
            Ok(s) => Hocon::Str(s),
            Err(true) => Hocon::Unreadable(JOINED),
            Err(false) => Hocon::Unreadable("a quoted string that does not close properly"),
        };
    }
    // Unquoted `${…}` is a substitution (ClearML fails on an unknown one); quoted, it is text.
    if t.contains("${") {
        return Hocon::Substitution(t.to_string());
    }
    if t.eq_ignore_ascii_case("true") {
        return Hocon::Bool(true);
    }
    if t.eq_ignore_ascii_case("false") {
        return Hocon::Bool(false);
    }
    if t.eq_ignore_ascii_case("null") {
        return Hocon::Null;
    }
    if is_number(t) || is_duration(t) {
        return Hocon::Number(t.to_string());
    }
    if !bare_word_ok(t) {
        // `a "b"`: a quoted part after bare text is joined, as after a quoted one.
        let joined =
            t.contains('"') && t.split('"').count() % 2 == 1 && bare_word_ok(&t.replace('"', ""));
        return Hocon::Unreadable(if joined {
            JOINED
        } else {
            "a character HOCON does not accept unquoted"
        });
    }
    // pyhocon joins whitespace-separated bare words back into one string.
    Hocon::Str(t.to_string())
}

/// Whether pyhocon takes `t` as unquoted text: no forbidden character, except one escaped by
/// a backslash (pyhocon's pattern allows `\\.`).
fn bare_word_ok(t: &str) -> bool {
    let mut chars = t.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if chars.next().is_none() {
                return false;
            }
        } else if UNQUOTED_FORBIDDEN.contains(&c) || matches!(c, '\u{8}' | '\u{b}' | '\u{c}') {
            // Backspace, vertical tab and form feed stop pyhocon's unquoted text (measured).
            return false;
        }
    }
    true
}

/// Drops a ` # …` / ` // …` tail outside quotes, as HOCON does (T18).
pub fn strip_comment(text: &str) -> &str {
    let bytes = text.as_bytes();
    let mut in_quotes = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if in_quotes => i += 1,
            b'"' => in_quotes = !in_quotes,
            b'#' if !in_quotes => return &text[..i],
            // `//` inside a bare word (`a//b`, `https://`) is text to pyhocon; after
            // whitespace it starts a comment.
            b'/' if !in_quotes
                && bytes.get(i + 1) == Some(&b'/')
                && (i == 0 || bytes[i - 1].is_ascii_whitespace()) =>
            {
                return &text[..i]
            }
            _ => {}
        }
        i += 1;
    }
    text
}

fn split_list(inner: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut in_quotes, mut escaped) = (0, false, false);
    for (i, c) in inner.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_quotes => escaped = true,
            '"' => in_quotes = !in_quotes,
            ',' | '\n' if !in_quotes => {
                out.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&inner[start..]);
    out.retain(|s| !s.trim().is_empty());
    out
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

    /// The value ClearML holds for it.
    pub fn to_hocon(&self) -> Hocon {
        match self {
            Literal::Str(s) => Hocon::Str(s.clone()),
            Literal::Bool(b) => Hocon::Bool(*b),
            Literal::List(items) => Hocon::List(items.iter().cloned().map(Hocon::Str).collect()),
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
            // pyhocon's own reading decides: the simplified [`read`] takes a bare
            // `true-north` for the text, pyhocon for `True-north`.
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

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn reading_matches_pyhocon_for_option_shapes() {
        assert_eq!(read("True"), Hocon::Bool(true));
        assert_eq!(read("\"true\""), Hocon::Str("true".into()));
        assert_eq!(
            read("[a, \"b\"]"),
            Hocon::List(vec![Hocon::Str("a".into()), Hocon::Str("b".into())])
        );
        assert_eq!(read("admins"), Hocon::Str("admins".into()));
        assert_eq!(read("https://x/y # note"), Hocon::Str("https://x/y".into()));
        assert!(matches!(read("${X}"), Hocon::Substitution(_)));
        assert!(matches!(read("true`"), Hocon::Unreadable(_)));
        assert_eq!(read("0123"), Hocon::Number("0123".into()));
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
        assert_eq!(read("3f9a2b"), Hocon::Str("3f9a2b".into()));
        assert_eq!(read("1.2.3"), Hocon::Str("1.2.3".into()));
        assert!(matches!(read("1e5"), Hocon::Number(_)));
        assert!(matches!(read("-.5"), Hocon::Number(_)));
        assert!(matches!(read("5 minutes"), Hocon::Number(_)));
        assert_eq!(read("5x"), Hocon::Str("5x".into()));
    }
}
