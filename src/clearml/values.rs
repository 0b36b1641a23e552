//! How ClearML reads an environment variable's value: HOCON reading and judging.
//!
//! ClearML parses `"{path}: {value}"` as HOCON with pyhocon, after Kubernetes has expanded
//! `$(VAR)` in the value: what a value means to ClearML, whether it sets other keys, and
//! whether it is what an option needs, is decided here ([`read`], [`judge`]). Pure: no
//! finding, no message, no policy (the caller says what a placeholder is). The name grammar
//! is [`super::names`]'s.

use crate::providers::ValueType;

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
    const UNITS: &[&str] = &[
        "ns",
        "nano",
        "nanos",
        "nanosecond",
        "nanoseconds",
        "us",
        "micro",
        "micros",
        "microsecond",
        "microseconds",
        "ms",
        "milli",
        "millis",
        "millisecond",
        "milliseconds",
        "s",
        "second",
        "seconds",
        "m",
        "minute",
        "minutes",
        "h",
        "hour",
        "hours",
        "w",
        "week",
        "weeks",
        "d",
        "day",
        "days",
        "mo",
        "month",
        "months",
        "y",
        "year",
        "years",
    ];
    let end = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    end > 0 && UNITS.contains(&t[end..].trim_start_matches(' '))
}

/// Words an unquoted HOCON value does not read as text (any case): booleans, null, `include`.
pub const KEYWORDS: &[&str] = &["true", "false", "null", "yes", "no", "on", "off", "include"];

fn is_keyword(s: &str) -> bool {
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
        && s.matches("//").count() == s.matches("://").count();
    if bare {
        s.to_string()
    } else {
        hocon_quote(s)
    }
}

/// A HOCON quoted string as pyhocon 0.3.63 reads it back: it decodes only `\"`, `\\`,
/// `\n`, `\r` and `\t` (measured: `\u0041`, `\/`, `\b` and `\f` stay as written), and keeps
/// any other character, control characters included, as it is. So only those five are escaped.
fn hocon_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
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

/// Reads a HOCON quoted string (`t` starts with `"`) as pyhocon does (see [`hocon_quote`]):
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
    let quoted: Vec<String> = items.iter().map(|i| hocon_quote(i)).collect();
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
    /// `"${VAR}"`: inside quotes pyhocon does not substitute; ClearML holds the text `${VAR}`.
    QuotedSubstitution,
    /// A Kubernetes `$(VAR)` whose VAR is not defined earlier in the container's env:
    /// Kubernetes leaves it as written, and a `$` outside quotes stops pyhocon.
    KubernetesReference {
        /// The variable's name.
        var: String,
    },
    /// A placeholder from the docs or a template (`<company_id>`, `changeme`): matches the
    /// policy's `[secrets] placeholders`.
    Placeholder,
    /// ClearML parses `<path>: <value>` as HOCON, so a `,` or a line break outside quotes and
    /// brackets (or an unbalanced bracket) makes the value set other keys too — any setting,
    /// a credential included.
    OtherKeys,
    /// A ` # …` (or ` // …`) tail that HOCON drops as a comment.
    CommentTail,
    /// HOCON cannot parse it; ClearML fails to start.
    Unparseable(&'static str),
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
    /// A referenced variable's value is not known here.
    Unknown,
    /// `$(VAR)` with VAR not defined earlier: left as written.
    Undefined(String),
}

fn expand(text: &str, earlier: &[(String, Defined)]) -> Expansion {
    if !text.contains('$') {
        return Expansion::Unchanged;
    }
    let (mut unknown, mut undefined) = (false, None);
    let out = crate::kube::objects::expand_env(text, |name| match lookup(earlier, name) {
        Some(Defined::Text(v)) => Some(v.clone()),
        Some(Defined::Unknown) => {
            unknown = true;
            Some(String::new())
        }
        // `lookup` never returns `Unset`: such a variable is not defined.
        None | Some(Defined::Unset) => {
            undefined.get_or_insert_with(|| name.to_string());
            None
        }
    });
    match (undefined, unknown) {
        (Some(name), _) => Expansion::Undefined(name),
        (None, true) => Expansion::Unknown,
        (None, false) if out != text => Expansion::Text(out),
        (None, false) => Expansion::Unchanged,
    }
}

/// The `${…}` substitutions of a value: `(name, optional, quoted)`, in order. pyhocon's
/// pattern is `\$\{(\?)?([^}]+)\}`; inside a quoted string it is text.
fn substitutions(text: &str) -> Vec<(String, bool, bool)> {
    let mut found = Vec::new();
    let (mut in_quotes, mut escaped) = (false, false);
    let mut i = 0;
    let bytes = text.as_bytes();
    while i < bytes.len() {
        let c = bytes[i];
        if escaped {
            escaped = false;
        } else if c == b'\\' && in_quotes {
            escaped = true;
        } else if c == b'"' {
            in_quotes = !in_quotes;
        } else if bytes[i..].starts_with(b"${") {
            // (Bytes, not `text[i..]`: `i` may be inside a multi-byte character.)
            if let Some(end) = text[i + 2..].find('}') {
                let inner = &text[i + 2..i + 2 + end];
                let (optional, name) = match inner.strip_prefix('?') {
                    Some(n) => (true, n),
                    None => (false, inner),
                };
                if !name.is_empty() {
                    found.push((name.to_string(), optional, in_quotes));
                }
                i += 2 + end;
            }
        }
        i += 1;
    }
    found
}

/// Whether an environment variable can have this name (what `${…}` looks up): letters,
/// digits, `_`, `.`, `-`. docker-compose's `VAR:?err` / `VAR:-default` cannot.
fn env_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// Whether pyhocon replaces a backslash escape in an unquoted value: `\\`, `\"`, `\n`, `\r`,
/// `\t` (measured with pyhocon 0.3.63: `\b`, `\f`, `\/`, `\u` and the rest stay as written).
fn has_escape(t: &str) -> bool {
    t.as_bytes()
        .windows(2)
        .any(|w| w[0] == b'\\' && b"\\\"nrt".contains(&w[1]))
}

/// Whether ClearML, parsing `<path>: <text>` as HOCON, would get more than that one key: a
/// `,` or a line break at the top level (outside quotes, brackets and comments) followed by
/// more content, or a closing bracket that opens nothing. Applies to every variable ClearML
/// reads, SSO or not.
pub fn sets_other_keys(text: &str) -> bool {
    let mut depth = 0usize;
    let mut chars = text.chars().peekable();
    let mut separated = false;
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                if separated {
                    return true;
                }
                // A quoted string (triple quotes are a run of quoted strings here: fine).
                while let Some(q) = chars.next() {
                    match q {
                        '\\' => {
                            chars.next();
                        }
                        '"' => break,
                        _ => {}
                    }
                }
            }
            '[' | '{' => {
                if separated {
                    return true;
                }
                depth += 1;
            }
            ']' | '}' => match depth.checked_sub(1) {
                Some(d) => depth = d,
                None => return true,
            },
            '#' => {
                // A comment runs to the end of the line; the line break still separates.
                while chars.peek().is_some_and(|&n| n != '\n' && n != '\r') {
                    chars.next();
                }
            }
            '/' if chars.peek() == Some(&'/') => {
                while chars.peek().is_some_and(|&n| n != '\n' && n != '\r') {
                    chars.next();
                }
            }
            ',' | '\n' | '\r' if depth == 0 => separated = true,
            c if c.is_whitespace() => {}
            _ if separated => return true,
            _ => {}
        }
    }
    depth != 0 && separated
}

/// How ClearML reads one variable's text for an option.
#[derive(Debug, Clone, PartialEq)]
pub struct Judgement {
    /// What ClearML holds, as read from the text as it is.
    pub read: Hocon,
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
    fn refuse(text: &str, issues: Vec<ValueIssue>) -> Judgement {
        Judgement {
            read: read(text),
            issues,
            corrected: None,
            expanded: false,
        }
    }
}

/// Whether a value (its text, and what HOCON reads from it) matches `[secrets] placeholders`.
pub fn is_placeholder(text: &str, hocon: &Hocon, globs: Option<&dyn Fn(&str) -> bool>) -> bool {
    let Some(is_match) = globs else { return false };
    let t = text.trim();
    match hocon {
        Hocon::List(items) => items.iter().any(|i| match i {
            Hocon::Str(s) => is_match(s.trim()),
            _ => false,
        }),
        Hocon::Str(s) => is_match(s.trim()) || is_match(t),
        _ => !t.is_empty() && is_match(t),
    }
}

/// Judges `text` (a variable's value) as ClearML reads it for `option` (`None`: an option the
/// catalogue does not know, judged for syntax only), in its surroundings. Pure: no finding,
/// no message.
pub fn judge(
    text: &str,
    option: Option<&crate::providers::OptionSpec>,
    around: &Surroundings,
) -> Judgement {
    // Kubernetes expands `$(VAR)` before ClearML sees anything.
    if !around.stored {
        match expand(text, around.earlier) {
            Expansion::Unchanged => {}
            Expansion::Undefined(var) => {
                return Judgement::refuse(text, vec![ValueIssue::KubernetesReference { var }])
            }
            // What ClearML reads depends on a value not in sight.
            Expansion::Unknown => {
                return Judgement {
                    read: Hocon::Unreadable("a $(VAR) whose value is not known here"),
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
    let read_as_is = read(text);
    if sets_other_keys(text) {
        return Judgement::refuse(text, vec![ValueIssue::OtherKeys]);
    }
    let subs = substitutions(text);
    if subs.iter().any(|(_, _, quoted)| !quoted) {
        let mut issues = Vec::new();
        let ty = option.map(|o| o.value_type);
        let wrong_type = matches!(ty, Some(ValueType::Bool | ValueType::List));
        for (var, optional, quoted) in subs {
            if quoted {
                continue;
            }
            let defined = env_name(&var)
                .then(|| lookup(around.process, &var))
                .flatten();
            let outcome = match (defined, optional) {
                (Some(d), _) => {
                    if let Defined::Text(v) = d {
                        if is_placeholder(v, &Hocon::Str(v.clone()), around.placeholders) {
                            issues.push(ValueIssue::Placeholder);
                        }
                    }
                    Substituted::Resolved { wrong_type }
                }
                (None, true) if env_name(&var) => Substituted::Dropped,
                (None, _) => Substituted::Fails,
            };
            issues.push(ValueIssue::Substitution { var, outcome });
        }
        let clean = issues.iter().all(|i| !i.misreads());
        return Judgement {
            read: read_as_is,
            issues,
            corrected: clean.then(|| text.to_string()),
            expanded: false,
        };
    }
    let mut issues = Vec::new();
    if !subs.is_empty() {
        issues.push(ValueIssue::QuotedSubstitution);
    }
    let mut fixed = text.to_string();
    let stripped = strip_comment(&fixed).trim_end();
    if stripped != fixed.trim_end() {
        issues.push(ValueIssue::CommentTail);
        fixed = stripped.to_string();
    }
    let hocon = read(&fixed);
    if let Hocon::Unreadable(why) = hocon {
        // Unparseable with the comment cut off, it fails as a whole: the cut is moot.
        issues.retain(|i| *i != ValueIssue::CommentTail);
        issues.push(ValueIssue::Unparseable(why));
        return Judgement::refuse(text, issues);
    }
    if is_placeholder(&fixed, &hocon, around.placeholders) {
        issues.push(ValueIssue::Placeholder);
        return Judgement::refuse(text, issues);
    }
    let bare = !fixed.trim_start().starts_with(['"', '[']);
    if bare && has_escape(&fixed) {
        // Whether the escape was meant is not certain: refused, not rewritten.
        issues.push(ValueIssue::Escape);
        return Judgement::refuse(text, issues);
    }
    if around.stored && bare && fixed.trim() != fixed && !fixed.trim().is_empty() {
        issues.push(ValueIssue::SurroundingWhitespace);
    }
    let ty = option.map(|o| o.value_type);
    let slash = option.is_some_and(|o| o.trailing_slash);
    match (ty, &hocon) {
        (Some(ValueType::List), Hocon::Str(s)) => {
            issues.push(ValueIssue::NotAList { item: s.clone() });
            fixed = hocon_list(std::slice::from_ref(s));
        }
        (Some(ValueType::Bool), Hocon::Str(s))
            if s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false") =>
        {
            let b = s.eq_ignore_ascii_case("true");
            issues.push(ValueIssue::QuotedBoolean(b));
            fixed = b.to_string();
        }
        (Some(ValueType::Bool), Hocon::Bool(b)) if fixed.trim() != b.to_string() => {
            issues.push(ValueIssue::BooleanSpelling(*b));
            fixed = b.to_string();
        }
        (Some(ValueType::Bool), Hocon::Bool(_)) => {}
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
                return Judgement::refuse(text, issues);
            }
        },
        (Some(ValueType::Str), Hocon::Null | Hocon::Bool(_) | Hocon::List(_)) => {
            let reads = match hocon {
                Hocon::Null => "null",
                Hocon::Bool(_) => "a boolean",
                _ => "a list",
            };
            issues.push(ValueIssue::NotText { reads });
            return Judgement::refuse(text, issues);
        }
        (Some(ValueType::Str), Hocon::Number(n)) => {
            issues.push(ValueIssue::Number { text: n.clone() });
            fixed = hocon_string(n);
        }
        (_, Hocon::Str(s)) if slash && !s.ends_with('/') && !s.is_empty() => {
            issues.push(ValueIssue::NoTrailingSlash { url: s.clone() });
            fixed = hocon_string(&format!("{s}/"));
        }
        (_, Hocon::Str(s)) if bare && s.contains('\t') => {
            issues.push(ValueIssue::TabInside);
            fixed = hocon_string(s);
        }
        (_, Hocon::Str(s))
            if around.stored && bare && issues.is_empty() && *s == fixed && fragile(s) =>
        {
            issues.push(ValueIssue::Fragile);
        }
        _ => {}
    }
    let rewritable = !around.stored || issues.is_empty();
    Judgement {
        read: read_as_is,
        issues,
        corrected: rewritable.then_some(fixed),
        expanded: false,
    }
}

/// Whether pyhocon reads `s` unquoted as itself only by its details: whitespace inside
/// (words joined back), `//` (text only right after a non-space), a keyword, non-ASCII
/// (Unicode digits and spaces count as such to it). Digits first are not: a whole value is
/// a number only if all of it is one ([`is_number`]).
fn fragile(s: &str) -> bool {
    !s.is_ascii() || s.contains(char::is_whitespace) || s.contains("//") || is_keyword(s)
}

/// What a word or digit on a boolean option means, and what ClearML makes of it:
/// `(meant, clearml_reads)`. pyhocon reads `yes`/`on`/`no`/`off`/`enabled`/`disabled` as
/// strings (true to ClearML when not empty) and `1`/`0` as numbers (measured with pyhocon
/// 0.3.63, `tests/hocon_conformance.rs`). `None` when the meaning is not certain.
fn boolean_word(read: &Hocon) -> Option<(bool, bool)> {
    const TRUE: &[&str] = &["yes", "on", "enabled", "enable", "1"];
    const FALSE: &[&str] = &["no", "off", "disabled", "disable", "0"];
    let (word, clearml_reads) = match read {
        Hocon::Str(s) => (s.trim(), !s.is_empty()),
        Hocon::Number(n) => (n.trim(), n.trim() != "0"),
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

    /// Whether an existing variable text already gives ClearML this value, spelled canonically
    /// enough: booleans must be lower-case `true`/`false` (other spellings are normalised).
    pub fn matches(&self, text: &str) -> bool {
        match self {
            Literal::Bool(b) => text.trim() == b.to_string(),
            _ => read(text) == self.to_hocon(),
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
    fn substitutions_in_text_with_multibyte_characters() {
        // Found by the render fuzzer: a byte index inside `ѝ` was sliced.
        let s = judge("/optѝlearml/x", None, &Surroundings::default());
        assert!(s.issues.is_empty());
        assert_eq!(
            substitutions("ѝ${A}ѝ\\ѝ"),
            vec![("A".to_string(), false, false)]
        );
    }

    #[test]
    fn values_that_set_other_keys() {
        for bad in [
            "x, secure.login.sso.oauth_client.google.client_secret: e",
            "x\nsecure.login.sso.oauth_client.google.client_secret: e",
            "x # c\nsecure.a: e",
            "{}\nsecure {login {a: e}}",
            "x } y {",
            "\"q\", b: c",
        ] {
            assert!(sets_other_keys(bad), "{bad:?}");
        }
        for good in [
            "https://x.example.com/a",
            "[\"a\", \"b\"]",
            "[a,\n b]",
            "{a: 1, b: 2}",
            "\"a, b: c\"",
            "x # a, b: c",
            "x,",
            "x\n",
            "",
        ] {
            assert!(!sets_other_keys(good), "{good:?}");
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
    }

    fn opt(name: &str) -> &'static crate::providers::OptionSpec {
        crate::providers::options(crate::providers::Client::OAuth)
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
        assert_eq!(
            issues("\"${IDP}\"", "display_name", &around),
            vec![ValueIssue::QuotedSubstitution]
        );
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
    fn numbers_are_whole_values_only() {
        assert_eq!(read("3f9a2b"), Hocon::Str("3f9a2b".into()));
        assert_eq!(read("1.2.3"), Hocon::Str("1.2.3".into()));
        assert!(matches!(read("1e5"), Hocon::Number(_)));
        assert!(matches!(read("-.5"), Hocon::Number(_)));
        assert!(matches!(read("5 minutes"), Hocon::Number(_)));
        assert_eq!(read("5x"), Hocon::Str("5x".into()));
    }

    #[test]
    fn defined_values_are_never_shown() {
        let d = Defined::Text("hunter2".into());
        assert!(!format!("{d:?}").contains("hunter2"));
    }
}
