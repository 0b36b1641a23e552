//! How Kubernetes reads a YAML document: the reader every decision that matters is checked
//! against.
//!
//! `kubectl`, Helm and the API server turn YAML into JSON with `sigs.k8s.io/yaml`, which sits
//! on a Go port of libyaml (go-yaml v2). This module reproduces that reading, independently of
//! the editing tree in [`crate::yaml`] (a different parser: libyaml itself, see
//! [`crate::kube::libyaml`], so line breaks — CR, LF, CRLF, NEL, LS, PS — and scanning rules are
//! libyaml's):
//!
//! - plain scalars resolve as YAML 1.1 (`yes`/`on`/`off` are booleans, `0x1F`, `017`, `1_000`,
//!   `0b101` integers, `1e3` and `.5` floats, `.inf`/`.nan` floats that JSON cannot hold,
//!   `~`/`null`/empty null; `inf`, `nan` and timestamps stay strings) — [`resolve_plain`];
//! - a key given twice keeps its **last** value;
//! - aliases are expanded; `<<` merges apply in document order, each merged mapping
//!   overwriting what came before it (go-yaml v2's order: an explicit key *before* `<<` loses,
//!   one after it wins; in `<<: [*a, *b]` the earlier mapping wins);
//! - mapping keys become JSON strings (`true`, `12`); other key types are refused.
//!
//! The result is a `serde_json::Value`, the shape the API types (`k8s-openapi`) read.

use crate::kube::libyaml::{Event, Parser, Style};
use serde_json::{Map, Number, Value};
use std::collections::HashMap;
use std::fmt;

/// A document Kubernetes could not read, or that this reader refuses as ambiguous.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    /// 1-based line inside the document text (0 when unknown).
    pub line: usize,
    /// 1-based column (0 when unknown).
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "line {}: ", self.line)?;
        }
        f.write_str(&self.message)
    }
}

/// What a scalar means once read.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    /// `null`, `~`, empty.
    Null,
    /// A YAML 1.1 boolean.
    Bool(bool),
    /// An integer in `i64`.
    Int(i64),
    /// An integer above `i64::MAX`.
    UInt(u64),
    /// A float (NaN and infinities included).
    Float(f64),
    /// Text.
    Str(String),
    /// The merge key `<<`.
    Merge,
}

const CORE: &str = "tag:yaml.org,2002:";

/// Go's `strconv.ParseInt(s, 0, 64)` / `ParseUint`, after go-yaml removed every `_`: an
/// optional sign, then `0x`/`0o`/`0b` prefixes, a leading `0` for octal, else decimal.
fn parse_go_int(s: &str) -> Option<Scalar> {
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = digits.to_ascii_lowercase();
    let (radix, body) = if let Some(rest) = lower.strip_prefix("0x") {
        (16, rest)
    } else if let Some(rest) = lower.strip_prefix("0o") {
        (8, rest)
    } else if let Some(rest) = lower.strip_prefix("0b") {
        (2, rest)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if body.is_empty() || !body.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u128::from_str_radix(body, radix).ok()?;
    if negative {
        let v = i128::try_from(magnitude).ok().map(|m| -m)?;
        i64::try_from(v).ok().map(Scalar::Int)
    } else if let Ok(v) = i64::try_from(magnitude) {
        Some(Scalar::Int(v))
    } else {
        u64::try_from(magnitude).ok().map(Scalar::UInt)
    }
}

/// go-yaml v2's float syntax for plain scalars: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`.
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'-' | b'+')));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// go-yaml v2's timestamp check: four digits and a `-`, then one of its layouts. Only the
/// answer matters: read into JSON, a timestamp stays the text it was.
fn looks_like_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() > 4 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-' && {
        // `2006-1-2` with optional time: the date part must be year-month-day.
        let date = s.split(['T', 't', ' ']).next().unwrap_or_default();
        let parts: Vec<&str> = date.split('-').collect();
        parts.len() == 3
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()))
    }
}

/// How a plain (unquoted, untagged) scalar reads in YAML 1.1, as go-yaml v2 resolves it.
pub fn resolve_plain(text: &str) -> Scalar {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Scalar::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Scalar::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Scalar::Bool(false)
        }
        ".nan" | ".NaN" | ".NAN" => return Scalar::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Scalar::Float(f64::INFINITY)
        }
        "-.inf" | "-.Inf" | "-.INF" => return Scalar::Float(f64::NEG_INFINITY),
        "<<" => return Scalar::Merge,
        _ => {}
    }
    let str = || Scalar::Str(text.to_string());
    match text.as_bytes()[0] {
        b'.' => {
            // Go's ParseFloat on text starting with `.`: digits, optional exponent.
            if is_yaml_float(text) {
                text.parse().map_or_else(|_| str(), Scalar::Float)
            } else {
                str()
            }
        }
        b'0'..=b'9' | b'-' | b'+' => {
            if looks_like_timestamp(text) {
                return str();
            }
            // go-yaml removes every `_` first (most numbers have none: no copy then).
            let plain = if text.contains('_') {
                std::borrow::Cow::Owned(text.replace('_', ""))
            } else {
                std::borrow::Cow::Borrowed(text)
            };
            if let Some(int) = parse_go_int(&plain) {
                return int;
            }
            if is_yaml_float(&plain) {
                if let Ok(f) = plain.parse() {
                    return Scalar::Float(f);
                }
            }
            str()
        }
        _ => str(),
    }
}

/// The text of a `!!binary` scalar: base64 with any whitespace (YAML folds long values over
/// lines), decoded, and read as UTF-8 — the string Kubernetes' JSON holds.
pub fn binary_text(text: &str) -> Result<String, &'static str> {
    use base64::Engine as _;
    let compact: String = text.split_ascii_whitespace().collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|_| "!!binary value is not valid base64")?;
    String::from_utf8(bytes).map_err(|_| "!!binary value is not UTF-8 text")
}

/// A scalar with an explicit tag, as go-yaml v2 reads it into JSON.
fn resolve_tagged(text: &str, tag: &str) -> Result<Scalar, String> {
    let Some(short) = tag.strip_prefix(CORE) else {
        return Ok(Scalar::Str(text.to_string())); // `!`, `!custom`: text
    };
    let fail = || Err(format!("cannot read `!!{short}` value as a {short}"));
    match short {
        "str" | "timestamp" => Ok(Scalar::Str(text.to_string())),
        "binary" => binary_text(text).map(Scalar::Str).map_err(str::to_string),
        "merge" => Ok(Scalar::Merge),
        "bool" => match resolve_plain(text) {
            b @ Scalar::Bool(_) => Ok(b),
            _ => fail(),
        },
        "null" => match resolve_plain(text) {
            Scalar::Null => Ok(Scalar::Null),
            _ => fail(),
        },
        "int" => match resolve_plain(text) {
            i @ (Scalar::Int(_) | Scalar::UInt(_)) => Ok(i),
            _ => fail(),
        },
        "float" => match resolve_plain(text) {
            Scalar::Int(i) => Ok(Scalar::Float(i as f64)),
            f @ Scalar::Float(_) => Ok(f),
            _ => fail(),
        },
        _ => Ok(Scalar::Str(text.to_string())),
    }
}

/// A scalar of the editing tree as Kubernetes reads it: `plain` when written unquoted, `tag`
/// as the tree spells it (`!!int`, `!custom`). What JSON cannot hold (`.inf`) or a tag the text
/// does not fit reads as the number 0 — only "not a string" matters to callers, and Kubernetes
/// rejects such a value anyway.
pub fn scalar(text: &str, plain: bool, tag: Option<&str>) -> Value {
    let resolved = match tag {
        Some(t) => match t.strip_prefix("!!") {
            Some(short) => resolve_tagged(text, &format!("{CORE}{short}")),
            None => Ok(Scalar::Str(text.to_string())),
        },
        None if plain => Ok(resolve_plain(text)),
        None => Ok(Scalar::Str(text.to_string())),
    };
    resolved
        .and_then(to_json)
        .unwrap_or_else(|_| Value::from(0))
}

fn to_json(s: Scalar) -> Result<Value, String> {
    Ok(match s {
        Scalar::Null => Value::Null,
        Scalar::Bool(b) => Value::Bool(b),
        Scalar::Int(i) => Value::from(i),
        Scalar::UInt(u) => Value::from(u),
        // sigs.k8s.io/yaml hands the API server the float as Go's JSON writes it: a whole
        // number below 1e21 without a dot (`420.0`, `4.2e2` -> `420`), which an integer field
        // (a volume's `defaultMode`) takes. Beyond i64, no Kubernetes integer field takes it.
        Scalar::Float(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => Value::from(f as i64),
        Scalar::Float(f) => Value::Number(
            Number::from_f64(f)
                .ok_or_else(|| "a NaN or infinite number has no JSON form".to_string())?,
        ),
        Scalar::Str(s) => Value::String(s),
        Scalar::Merge => Value::String("<<".into()),
    })
}

/// A mapping key as `sigs.k8s.io/yaml` writes it into JSON.
fn key_text(key: Parsed) -> Result<(String, u8), String> {
    match key {
        Parsed::Scalar(Scalar::Str(s)) => Ok((s, 0)),
        Parsed::Scalar(Scalar::Bool(b)) => Ok((b.to_string(), 1)),
        Parsed::Scalar(Scalar::Int(i)) => Ok((i.to_string(), 2)),
        // An alias used as a key: its value was stored already read.
        Parsed::Value(Value::String(s)) => Ok((s, 0)),
        Parsed::Value(Value::Bool(b)) => Ok((b.to_string(), 1)),
        Parsed::Value(Value::Number(n)) if n.is_i64() => Ok((n.to_string(), 2)),
        _ => Err("a mapping key that is not a string, a boolean or an integer".into()),
    }
}

/// A node as read so far: scalars keep their resolution (the merge key must be told apart).
enum Parsed {
    Scalar(Scalar),
    Value(Value),
}

impl Parsed {
    fn into_value(self) -> Result<Value, String> {
        match self {
            Parsed::Scalar(s) => to_json(s),
            Parsed::Value(v) => Ok(v),
        }
    }
}

enum Open {
    Seq(Vec<Value>, Option<String>),
    Map {
        map: Map<String, Value>,
        /// The type each key of `map` had (1 and "1" both become "1": Kubernetes' result would
        /// depend on Go's map order, so that is refused). A key of `map` missing here was
        /// text (kind 0), as nearly all are: they cost no copy.
        kinds: HashMap<String, u8>,
        key: Option<Parsed>,
        anchor: Option<String>,
    },
}

/// Upper bound on values built through aliases, against alias bombs.
const ALIAS_BUDGET: usize = 1_000_000;

fn count(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(count).sum::<usize>(),
        Value::Object(o) => 1 + o.values().map(count).sum::<usize>(),
        _ => 1,
    }
}

/// The key kind of a key that came from a `<<` merge (explicit keys may follow it).
const MERGED: u8 = 3;

/// Reads one document's text as Kubernetes does. `Ok(None)` for a document with no content.
pub fn read(text: &str) -> Result<Option<Value>, ReadError> {
    read_keys(text, false)
}

/// [`read`], refusing a key written twice in one mapping: for the tool's own output, which
/// must also read back through the tool's parser (it refuses duplicate keys).
pub fn read_own_output(text: &str) -> Result<Option<Value>, ReadError> {
    read_keys(text, true)
}

fn read_keys(text: &str, unique_keys: bool) -> Result<Option<Value>, ReadError> {
    let mut parser = Parser::new(text);
    let mut anchors: HashMap<String, Value> = HashMap::new();
    let mut stack: Vec<Open> = Vec::new();
    let mut root: Option<Value> = None;
    let mut documents = 0;
    let mut budget = ALIAS_BUDGET;
    loop {
        let (event, line, column) = parser.next_event().map_err(|e| ReadError {
            line: e.line + 1,
            column: e.column + 1,
            message: e.problem,
        })?;
        let err = |message: String| ReadError {
            line: line + 1,
            column: column + 1,
            message,
        };
        let done: Parsed = match event {
            Event::StreamEnd => break,
            Event::StreamStart | Event::DocumentEnd => continue,
            Event::DocumentStart => {
                documents += 1;
                if documents > 1 {
                    return Err(err("a second document where one was expected".into()));
                }
                continue;
            }
            Event::SequenceStart { anchor } => {
                if stack.len() >= crate::yaml::MAX_DEPTH {
                    return Err(err("nesting too deep".into()));
                }
                stack.push(Open::Seq(Vec::new(), anchor));
                continue;
            }
            Event::MappingStart { anchor } => {
                if stack.len() >= crate::yaml::MAX_DEPTH {
                    return Err(err("nesting too deep".into()));
                }
                stack.push(Open::Map {
                    map: Map::new(),
                    kinds: HashMap::new(),
                    key: None,
                    anchor,
                });
                continue;
            }
            Event::SequenceEnd => {
                let Some(Open::Seq(items, anchor)) = stack.pop() else {
                    return Err(err("unbalanced sequence".into()));
                };
                let v = Value::Array(items);
                if let Some(a) = anchor {
                    anchors.insert(a, v.clone());
                }
                Parsed::Value(v)
            }
            Event::MappingEnd => {
                let Some(Open::Map { map, anchor, .. }) = stack.pop() else {
                    return Err(err("unbalanced mapping".into()));
                };
                let v = Value::Object(map);
                if let Some(a) = anchor {
                    anchors.insert(a, v.clone());
                }
                Parsed::Value(v)
            }
            Event::Alias(anchor) => {
                let v = anchors
                    .get(&anchor)
                    .ok_or_else(|| err(format!("unknown anchor `{anchor}`")))?
                    .clone();
                budget = budget
                    .checked_sub(count(&v))
                    .ok_or_else(|| err("excessive aliasing".into()))?;
                Parsed::Value(v)
            }
            Event::Scalar {
                anchor,
                tag,
                value,
                plain_implicit,
                style,
            } => {
                let scalar = match tag {
                    Some(tag) => resolve_tagged(&value, &tag).map_err(err)?,
                    None if style == Style::Plain && plain_implicit => resolve_plain(&value),
                    None => Scalar::Str(value),
                };
                if let Some(a) = anchor {
                    anchors.insert(a, to_json(scalar.clone()).map_err(err)?);
                }
                Parsed::Scalar(scalar)
            }
        };
        match stack.last_mut() {
            None => root = Some(done.into_value().map_err(err)?),
            Some(Open::Seq(items, _)) => items.push(done.into_value().map_err(err)?),
            Some(Open::Map {
                map, kinds, key, ..
            }) => match key.take() {
                None => *key = Some(done),
                Some(Parsed::Scalar(Scalar::Merge)) => {
                    merge(map, kinds, done.into_value().map_err(err)?).map_err(err)?
                }
                Some(k) => {
                    let (name, kind) = key_text(k).map_err(err)?;
                    let old = map
                        .contains_key(&name)
                        .then(|| kinds.get(&name).copied().unwrap_or(0));
                    match old {
                        Some(old) if old != kind && old != MERGED => {
                            return Err(err(format!(
                                "the key `{name}` is given both as text and as another type"
                            )))
                        }
                        Some(old) if old != MERGED && unique_keys => {
                            return Err(err(format!("duplicate key `{name}`")))
                        }
                        _ => {}
                    }
                    if kind != 0 {
                        kinds.insert(name.clone(), kind);
                    } else if !kinds.is_empty() {
                        kinds.remove(&name);
                    }
                    map.insert(name, done.into_value().map_err(err)?);
                }
            },
        }
    }
    Ok(root)
}

/// `<<` in go-yaml v2: each merged mapping's keys overwrite the current ones; in a list of
/// mappings the earlier one wins, so they are applied last to first.
fn merge(
    map: &mut Map<String, Value>,
    kinds: &mut HashMap<String, u8>,
    from: Value,
) -> Result<(), String> {
    let sources = match from {
        Value::Object(o) => vec![o],
        Value::Array(items) => items
            .into_iter()
            .rev()
            .map(|i| match i {
                Value::Object(o) => Ok(o),
                _ => Err("a `<<` merge list item that is not a mapping".to_string()),
            })
            .collect::<Result<_, _>>()?,
        _ => return Err("a `<<` merge of something that is not a mapping".into()),
    };
    for source in sources {
        for (k, v) in source {
            // A key already there keeps the type it was given.
            if !map.contains_key(&k) {
                kinds.insert(k.clone(), MERGED);
            }
            map.insert(k, v);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn r(text: &str) -> Value {
        read(text).unwrap().unwrap()
    }

    #[test]
    fn yaml11_scalars() {
        let v = r("a: yes\nb: 'yes'\nc: 0x1F\nd: 1_000\ne: 0b101\nf: 017\ng: inf\nh: 2001-12-14\ni: 1e3\nj: ~\nk: 08\nl: 12345678901234567890\nm: -0o7\np: Off\nn: 1\n");
        assert_eq!(
            v,
            json!({"a": true, "b": "yes", "c": 31, "d": 1000, "e": 5, "f": 15, "g": "inf",
                   // whole floats reach the API server as Go's JSON writes them: no dot
                   "h": "2001-12-14", "i": 1000, "j": null, "k": 8,
                   "l": 12345678901234567890u64, "m": -7, "p": false, "false": 1})
        );
    }

    #[test]
    fn last_duplicate_key_wins() {
        assert_eq!(r("a: 1\nb: 2\na: 3\n"), json!({"a": 3, "b": 2}));
    }

    #[test]
    fn lone_cr_and_nel_are_line_breaks() {
        assert_eq!(r("a: 1\r# c\rb: 2\n"), json!({"a": 1, "b": 2}));
        assert_eq!(r("a: 1\n# c\u{85}b: 2\n"), json!({"a": 1, "b": 2}));
        assert_eq!(r("a: 1\n# c\u{2028}b: 2\n"), json!({"a": 1, "b": 2}));
    }

    #[test]
    fn aliases_and_merges_in_go_yaml_v2_order() {
        let v = r("base: &b {x: 1, w: 1}\nbefore: {x: 2, <<: *b}\nafter: {<<: *b, x: 2}\nlist: {<<: [{z: 1}, {z: 2}]}\n");
        assert_eq!(v["before"], json!({"x": 1, "w": 1}));
        assert_eq!(v["after"], json!({"x": 2, "w": 1}));
        assert_eq!(v["list"], json!({"z": 1}));
        assert_eq!(r("a: &s [1]\nb: *s\n")["b"], json!([1]));
    }

    #[test]
    fn refusals() {
        assert!(read("a: .inf\n").is_err(), "JSON has no infinity");
        assert!(read("1: a\n'1': b\n").is_err(), "ambiguous keys");
        assert!(read("? [a]\n: b\n").is_err());
        assert!(read("a: 1\n---\nb: 2\n").is_err());
        assert!(read("a: !!int x\n").is_err());
        assert!(read("<<: 1\n").is_err());
        let bomb = "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]\n";
        assert!(read(bomb).is_err());
    }

    #[test]
    fn key_types_through_merges() {
        let base = "a: &a {1: v0}\n";
        // A merged key takes any later spelling; an explicit one keeps its type through a merge.
        assert_eq!(
            r(&format!("{base}b: {{<<: *a, '1': v1}}\n"))["b"],
            json!({"1": "v1"})
        );
        assert_eq!(
            r(&format!("{base}b: {{'1': v1, <<: *a}}\n"))["b"],
            json!({"1": "v0"})
        );
        assert!(read(&format!("{base}b: {{1: v1, <<: *a, '1': v2}}\n")).is_err());
        assert!(read("b: {true: 1, 'true': 2}\n").is_err());
        assert_eq!(r("b: {'x': 1, x: 2}\n")["b"], json!({"x": 2}));
        assert!(read_own_output("b: {'x': 1, x: 2}\n").is_err());
        assert!(read_own_output(&format!("{base}b: {{<<: *a, '1': v1}}\n")).is_ok());
        assert!(read_own_output("b: {1: 1, 2: 2, 1: 3}\n").is_err());
    }

    #[test]
    fn tags() {
        assert_eq!(
            r("a: !!str 1\nb: !!int '2'\nc: !custom 3\nd: !!binary aGk=\n"),
            json!({"a": "1", "b": 2, "c": "3", "d": "hi"})
        );
    }
}
