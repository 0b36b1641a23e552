//! pyhocon 0.3.63's reading of a text, exactly — `ConfigFactory.parse_string(text)` as the
//! ClearML apiserver runs it (pyparsing 3.3.3 under it, python-dateutil installed): its typed
//! tree or its failure, quirks included (a keyword prefix is concatenated as Python's `str()`
//! of the keyword, `//` starts a comment only where a token starts, tabs are expanded before
//! parsing, a trailing space turns a number into a string, ...). Also [`quote`], the writer
//! whose output this reading gives back verbatim.
//!
//! This module is a port of pyhocon's `config_parser.py` and `config_tree.py`, proven against
//! pyhocon itself by `tests/oracle/pyhocon.rs`. It depends on no other module of the crate and
//! must not: it knows nothing of ClearML's loader, of Kubernetes or of the policy. It never
//! reads the process environment: `${X}`'s fallback gets the environment as a parameter. It
//! never reads files: an `include` that pyhocon would follow is [`Error::Include`].
//!
//! Cost: most texts ClearML builds are `path: value` with a plain path and one plain value;
//! `fast.rs` reads those without the grammar (proven by the same differential), and config
//! files of one-line statements of such values (compared with the grammar). A text whose
//! reading cannot depend on the environment is read once per process and its reading kept
//! (bounded), so a config file or variable repeated across releases is read once.

mod fast;
mod model;
mod parse;
mod pystr;
mod resolve;

pub use parse::UNITS as PERIOD_UNITS;

pub use model::parse_key;
pub(crate) use model::KEY_SYNTAX;
use model::{Arena, Tok};

/// The most parts a key may have (`a.b.c` has three). pyhocon stores a key by recursing once
/// per part and fails with RecursionError at about a thousand; this reading refuses far below
/// that (no real configuration key has more than a dozen), so it never accepts a key pyhocon
/// might fail on, and never recurses deep enough to exhaust its own stack.
pub const MAX_KEY_PARTS: usize = 64;

/// pyhocon's typed value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A `ConfigTree`: keys in order, as pyhocon stores them (a key that needed quotes to
    /// hold a `.` or another special character keeps its quotes, e.g. `"a.b"`).
    Object(Vec<(String, Value)>),
    /// A list.
    List(Vec<Value>),
    /// A `str`. When pyhocon concatenates a `null` into a string it writes Python's
    /// `str(NoneValue())`, which holds a memory address; that text is [`NONE_VALUE_STR`] here.
    String(String),
    /// A Python int, as its decimal digits (with `-` when negative); any size.
    Int(String),
    /// A float.
    Float(f64),
    /// A bool.
    Bool(bool),
    /// `null` (pyhocon's `NoneValue`, or Python's None where pyhocon put one).
    Null,
    /// A duration (`10 days`, `5 ms`, ...).
    Duration(Duration),
    /// A `ConfigValues` or substitution left in the tree (pyhocon's own leftovers).
    Unresolved,
}

/// A duration as pyhocon builds it with python-dateutil installed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Duration {
    /// `dateutil.relativedelta` (every unit but milliseconds), normalized as it normalizes:
    /// years, months, days, hours, minutes, seconds, microseconds, as decimal digits.
    Relative([String; 7]),
    /// `datetime.timedelta` (milliseconds): days, seconds, microseconds.
    Timedelta {
        /// Whole days (at most 999999999).
        days: u64,
        /// Seconds, below 86400.
        seconds: u64,
        /// Microseconds, below 1000000.
        microseconds: u64,
    },
}

/// The text this reader gives for Python's `str(NoneValue())` inside a concatenation (pyhocon's
/// own has the object's memory address in place of `0x?`).
pub const NONE_VALUE_STR: &str = "<pyhocon.config_tree.NoneValue object at 0x?>";

/// Why pyhocon fails on a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// A pyparsing syntax error (`ParseException`, `ParseSyntaxException`).
    Syntax,
    /// The text has an `include` that pyhocon would follow: it would read a file, a URL or a
    /// package resource; what that gives depends on the machine, so it is refused.
    Include,
    /// Nesting deeper than pyhocon's recursion allows (`RecursionError` in Python).
    TooDeep,
    /// pyhocon never finishes on it (a cycle among overridden values, or substitutions that
    /// keep producing substitutions): the apiserver would hang at start.
    Hangs,
    /// Another Python exception, by class name (`ConfigWrongTypeException`,
    /// `ConfigSubstitutionException`, `OverflowError`, ...).
    Python(&'static str),
    /// A path through pyhocon this port does not follow exactly; treat as a failure.
    Unsupported,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Syntax => write!(f, "pyhocon cannot parse it (syntax error)"),
            Error::Include => write!(f, "it has an `include`, which pyhocon would follow"),
            Error::TooDeep => write!(f, "it nests deeper than pyhocon can read"),
            Error::Hangs => write!(f, "pyhocon never finishes reading it"),
            Error::Python(e) => write!(f, "pyhocon fails with {e}"),
            Error::Unsupported => write!(f, "it takes a path through pyhocon not modelled"),
        }
    }
}

impl std::error::Error for Error {}

/// Reads `text` as `ConfigFactory.parse_string(text)` does, with `env` as the process
/// environment for `${X}` that no key of the text defines.
pub fn parse(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Value, Error> {
    read(text, env).0
}

/// [`parse`] and [`parse_with_tokens`]: the shortcut, else a kept reading, else the grammar.
fn read(text: &str, env: &dyn Fn(&str) -> Option<String>) -> (Result<Value, Error>, Tokens) {
    // The plain shape holds no `${…}` and one token: nothing to report beside its value.
    if let Some(v) = fast::read(text) {
        return (Ok(v), Tokens::default());
    }
    // A text without `$` has no substitution, and without `+=` no implied `${?key}`: its
    // reading cannot depend on `env`, and its tokens hold no substitution, so one reading
    // serves every container that holds it (the same config file or variable in many
    // releases of a stream) and every caller (the loader and the findings read a variable's
    // same `"{path}: {value}"`).
    let keep = text.len() <= MEMO_MAX_TEXT && !text.contains('$') && !text.contains("+=");
    if keep {
        let known = memo().lock().ok().and_then(|m| m.map.get(text).cloned());
        if let Some((result, joins_quoted)) = known {
            let tokens = Tokens {
                substitutions: Vec::new(),
                joins_quoted,
            };
            return (result, tokens);
        }
    }
    // A config file of the plain shape is read without the grammar too (one value per key,
    // no substitution: nothing to report beside its tree).
    let read = match text.contains('{').then(|| fast::read_file(text)).flatten() {
        Some(v) => (Ok(v), Tokens::default()),
        None => parse_full(text, env),
    };
    if keep {
        if let Ok(mut m) = memo().lock() {
            if m.bytes + text.len() <= MEMO_MAX_BYTES {
                m.bytes += text.len();
                m.map
                    .insert(text.to_string(), (read.0.clone(), read.1.joins_quoted));
            }
        }
    }
    read
}

/// The readings [`parse`] keeps, by text (see there which texts), and the bytes of text kept.
#[derive(Default)]
struct Memo {
    /// A text's reading and its [`Tokens::joins_quoted`] (its substitutions are none).
    map: std::collections::HashMap<String, (Result<Value, Error>, bool)>,
    bytes: usize,
}

/// The longest text [`parse`] keeps a reading of.
const MEMO_MAX_TEXT: usize = 16 << 10;
/// The most bytes of text [`parse`] keeps readings of (bounds its memory on hostile input).
const MEMO_MAX_BYTES: usize = 1 << 20;

fn memo() -> &'static std::sync::Mutex<Memo> {
    static MEMO: std::sync::OnceLock<std::sync::Mutex<Memo>> = std::sync::OnceLock::new();
    MEMO.get_or_init(Default::default)
}

/// The value pyhocon reads at `path` from `"{path}: {value}"` when that text is of the plain
/// shape the shortcut takes (then the tree is that value under the path's keys and nothing
/// else, and no token is worth reporting), else `None`: read the whole text.
pub fn shortcut_value_at(path: &str, value: &str) -> Option<Value> {
    fast::read_at(path, value)
}

/// Whether [`parse`] reads `text` by its shortcut for the plain `path: value` shape (what
/// most variables are) rather than by the full grammar; the differential test counts these.
#[doc(hidden)]
pub fn takes_shortcut(text: &str) -> bool {
    fast::read(text).is_some()
}

/// What the parser met in a text, besides the tree it gives: for callers that must say *why*
/// pyhocon reads a text as it does, from pyhocon's own tokens rather than a scan of their own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tokens {
    /// Every unquoted `${X}` / `${?X}`: `(X, optional)`, in the order parsed, once each
    /// (inside a quoted string it is text, and not here).
    pub substitutions: Vec<(String, bool)>,
    /// A value concatenates a quoted string (`"…"` or `"""…"""`) with another token: pyhocon
    /// joins them (`"a" b` is `a b`), so no quoted part is the value alone.
    pub joins_quoted: bool,
}

/// [`parse`], and the [`Tokens`] its parser met (empty when the text fails to parse).
pub fn parse_with_tokens(
    text: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> (Result<Value, Error>, Tokens) {
    read(text, env)
}

/// [`parse_with_tokens`] by the full grammar.
fn parse_full(text: &str, env: &dyn Fn(&str) -> Option<String>) -> (Result<Value, Error>, Tokens) {
    let mut arena = Arena::default();
    let config = {
        let mut p = parse::Parser::new(text, &mut arena);
        p.parse_all()
    };
    let config = match config {
        Ok(c) => c,
        Err(e) => return (Err(e), Tokens::default()),
    };
    let mut tokens = Tokens::default();
    let blank = |t: &Tok| matches!(t, Tok::Str(s) | Tok::Unq(s) if s.trim().is_empty());
    for o in &arena.objs {
        match o {
            model::Obj::Subst(s) => {
                let found = (s.variable.clone(), s.optional);
                if !tokens.substitutions.contains(&found) {
                    tokens.substitutions.push(found);
                }
            }
            model::Obj::Values(v) => {
                let quoted = v
                    .tokens
                    .iter()
                    .filter(|t| matches!(t, Tok::Quoted(..) | Tok::Str(_)) && !blank(t))
                    .count();
                let parts = v.tokens.iter().filter(|t| !blank(t)).count();
                if quoted > 0 && parts > 1 {
                    tokens.joins_quoted = true;
                }
            }
            _ => {}
        }
    }
    let mut r = resolve::Resolver { a: &mut arena, env };
    let result = r.resolve(&config).map(|()| to_value(&arena, &config, 0));
    (result, tokens)
}

/// [`parse`] with an environment from name/value pairs.
pub fn parse_with_env<'a>(
    text: &str,
    env: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<Value, Error> {
    let env: std::collections::HashMap<&str, &str> = env.into_iter().collect();
    parse(text, &|k| env.get(k).map(|v| v.to_string()))
}

fn to_value(a: &Arena, t: &Tok, depth: usize) -> Value {
    if depth > 200 {
        return Value::Unresolved;
    }
    match t {
        Tok::Str(s) | Tok::Unq(s) => Value::String(s.clone()),
        Tok::Quoted(s, _) => Value::String(s.clone()),
        Tok::Bool(b) => Value::Bool(*b),
        Tok::Int(i) => Value::Int(i.clone()),
        Tok::Float(f) => Value::Float(*f),
        Tok::NoneV | Tok::Nil => Value::Null,
        Tok::Period(d) => Value::Duration(d.clone()),
        Tok::Tree(id) => Value::Object(
            a.tree(*id)
                .items
                .iter()
                .map(|(k, v)| (k.clone(), to_value(a, v, depth + 1)))
                .collect(),
        ),
        Tok::List(id) => Value::List(
            a.list(*id)
                .iter()
                .map(|v| to_value(a, v, depth + 1))
                .collect(),
        ),
        Tok::Values(_) | Tok::Subst(_) | Tok::Group(_) => Value::Unresolved,
    }
}

/// Writes `value` so that `"{path}: {quote(value)}"` is read by pyhocon as exactly the string
/// `value`: a double-quoted string, with the backslash, the double quote and the three
/// characters pyhocon would not keep inside quotes (newline; carriage return, kept but
/// escaped for plainness; tab, which pyparsing expands to spaces) escaped as pyhocon unescapes
/// them.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    // The escaped characters are ASCII: the text between them is copied whole.
    let mut from = 0;
    for (i, b) in value.bytes().enumerate() {
        let escaped = match b {
            b'\\' => "\\\\",
            b'"' => "\\\"",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            _ => continue,
        };
        out.push_str(&value[from..i]);
        out.push_str(escaped);
        from = i + 1;
    }
    out.push_str(&value[from..]);
    out.push('"');
    out
}

impl Duration {
    /// `convert_period`: `int(value)` in `unit`.
    fn from_unit(digits: &str, unit: &str) -> Result<Duration, Error> {
        if digits.len() > 4300 {
            return Err(Error::Python("ValueError"));
        }
        let n = pystr::normalize_digits(digits);
        let zero = || String::from("0");
        let mut f: [String; 7] = [zero(), zero(), zero(), zero(), zero(), zero(), zero()];
        match unit {
            "ns" | "nano" | "nanos" | "nanosecond" | "nanoseconds" => {
                // int(period_value / 1000): a float division, then microseconds.
                let q: f64 = format!("{n}e-3").parse().unwrap_or(f64::INFINITY);
                if q.is_infinite() {
                    return Err(Error::Python("OverflowError"));
                }
                f[6] = pystr::integral_float_digits(q.trunc());
            }
            "us" | "micro" | "micros" | "microsecond" | "microseconds" => f[6] = n,
            "ms" | "milli" | "millis" | "millisecond" | "milliseconds" => {
                let (days, rem) = pystr::divmod_small(&n, 86_400_000);
                let days: u64 = match days.parse() {
                    Ok(d) if d <= 999_999_999 => d,
                    _ => return Err(Error::Python("OverflowError")),
                };
                return Ok(Duration::Timedelta {
                    days,
                    seconds: rem / 1000,
                    microseconds: (rem % 1000) * 1000,
                });
            }
            "s" | "second" | "seconds" => f[5] = n,
            "m" | "minute" | "minutes" => f[4] = n,
            "h" | "hour" | "hours" => f[3] = n,
            "d" | "day" | "days" => f[2] = n,
            "w" | "week" | "weeks" => f[2] = pystr::mul_small(&n, 7),
            "mo" | "month" | "months" => f[1] = n,
            _ => f[0] = n,
        }
        // relativedelta._fix
        let carry = |f: &mut [String; 7], from: usize, to: usize, base: u64, limit: u64| {
            if f[from].len() > 18 || f[from].parse::<u64>().is_ok_and(|v| v > limit) {
                let (d, m) = pystr::divmod_small(&f[from], base);
                f[from] = m.to_string();
                f[to] = pystr::add(&f[to], &d);
            }
        };
        carry(&mut f, 6, 5, 1_000_000, 999_999);
        carry(&mut f, 5, 4, 60, 59);
        carry(&mut f, 4, 3, 60, 59);
        carry(&mut f, 3, 2, 24, 23);
        carry(&mut f, 1, 0, 12, 11);
        Ok(Duration::Relative(f))
    }

    fn is_zero(&self) -> bool {
        match self {
            Duration::Relative(f) => f.iter().all(|x| x == "0"),
            Duration::Timedelta {
                days,
                seconds,
                microseconds,
            } => *days == 0 && *seconds == 0 && *microseconds == 0,
        }
    }

    /// Python's `str()` of the object.
    fn py_str(&self) -> Result<String, Error> {
        match self {
            Duration::Relative(f) => {
                const NAMES: [&str; 7] = [
                    "years",
                    "months",
                    "days",
                    "hours",
                    "minutes",
                    "seconds",
                    "microseconds",
                ];
                let mut parts = Vec::new();
                for (name, v) in NAMES.iter().zip(f) {
                    if v != "0" {
                        let x: f64 = v.parse().unwrap_or(f64::INFINITY);
                        if x.is_infinite() {
                            return Err(Error::Python("OverflowError"));
                        }
                        parts.push(format!("{name}={}", pystr::format_plus_g(x)));
                    }
                }
                Ok(format!("relativedelta({})", parts.join(", ")))
            }
            Duration::Timedelta {
                days,
                seconds,
                microseconds,
            } => {
                let (mm, ss) = (seconds / 60, seconds % 60);
                let (hh, mm) = (mm / 60, mm % 60);
                let mut s = format!("{hh}:{mm:02}:{ss:02}");
                if *days != 0 {
                    let plural = if *days != 1 { "s" } else { "" };
                    s = format!("{days} day{plural}, {s}");
                }
                if *microseconds != 0 {
                    s.push_str(&format!(".{microseconds:06}"));
                }
                Ok(s)
            }
        }
    }
}

#[cfg(test)]
mod tests;
