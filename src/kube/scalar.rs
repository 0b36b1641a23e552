//! go-yaml v2's reading of one scalar and `sigs.k8s.io/yaml`'s writing of it as JSON: the
//! resolve table, Go's number parsing (bases, `_`, overflow left as text), timestamps, tags,
//! `!!binary`, Go's JSON floats and float32 map keys. Ported from go-yaml 2.4's `resolve.go`
//! and `decode.go` and `sigs.k8s.io/yaml`'s `yaml.go`, and checked with the rest of
//! [`super::read`] against them (`tests/oracle/goyaml.rs`). It knows nothing of documents,
//! keys or merges: those are [`super::read`]'s.

use serde_json::{Number, Value};
use std::borrow::Cow;

/// What a scalar means once read: the Go value go-yaml decodes it to.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    /// `null`, `~`, empty.
    Null,
    /// A YAML 1.1 boolean.
    Bool(bool),
    /// An integer in `i64` (Go's `int`).
    Int(i64),
    /// An integer above `i64::MAX` (Go's `uint64`).
    UInt(u64),
    /// A float (NaN and infinities included).
    Float(f64),
    /// Text (timestamps included: go-yaml hands them over as the text they were).
    Str(String),
}

pub(super) const CORE: &str = "tag:yaml.org,2002:";
pub(super) const STR: &str = "tag:yaml.org,2002:str";
pub(super) const BINARY: &str = "tag:yaml.org,2002:binary";
pub(super) const MERGE: &str = "tag:yaml.org,2002:merge";

/// The tag go-yaml's `resolve` gives a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Null,
    Bool,
    Int,
    Float,
    Str,
    Timestamp,
}

impl Kind {
    fn tag(self) -> &'static str {
        match self {
            Kind::Null => "tag:yaml.org,2002:null",
            Kind::Bool => "tag:yaml.org,2002:bool",
            Kind::Int => "tag:yaml.org,2002:int",
            Kind::Float => "tag:yaml.org,2002:float",
            Kind::Str => STR,
            Kind::Timestamp => "tag:yaml.org,2002:timestamp",
        }
    }
}

/// go-yaml's `shortTag`: `!!int` for the core tags, others as they are.
pub(super) fn short_tag(tag: &str) -> Cow<'_, str> {
    match tag.strip_prefix(CORE) {
        Some(short) => Cow::Owned(format!("!!{short}")),
        None => Cow::Borrowed(tag),
    }
}

/// Go's `strconv.ParseUint(s, base, 64)` for base 0 (a `0x`/`0o`/`0b` prefix, a leading `0`
/// for octal, else decimal) or an explicit base; `s` has no `_` (go-yaml removed them).
pub(super) fn go_parse_uint(s: &str, base: u32) -> Option<u64> {
    let (radix, body) = if base == 0 {
        let b = s.as_bytes();
        if b.len() >= 2 && b[0] == b'0' {
            match b[1] {
                b'x' | b'X' => (16, &s[2..]),
                b'o' | b'O' => (8, &s[2..]),
                b'b' | b'B' => (2, &s[2..]),
                _ => (8, &s[1..]),
            }
        } else {
            (10, s)
        }
    } else {
        (base, s)
    };
    if body.is_empty() || !body.bytes().all(|c| (c as char).is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(body, radix).ok()
}

/// Go's `strconv.ParseInt(s, base, 64)`: an optional sign, then [`go_parse_uint`].
pub(super) fn go_parse_int(s: &str, base: u32) -> Option<i64> {
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let magnitude = go_parse_uint(digits, base)?;
    if negative {
        0i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// go-yaml's float syntax: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
pub(super) fn is_yaml_float(s: &str) -> bool {
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

/// Go's `strconv.ParseFloat(s, 64)` on text starting with `.` (go-yaml calls it there without
/// its float syntax): `.`, digits, an optional exponent, with `_` allowed between digits (Go's
/// `underscoreOK`); an overflow to infinity is an error (so the text stays a string).
pub(super) fn go_parse_dot_float(s: &str) -> Option<f64> {
    if s.contains('_') {
        // Go's underscoreOK: each `_` between two digits.
        let b = s.as_bytes();
        let ok = b.iter().enumerate().all(|(i, &c)| {
            c != b'_'
                || (i > 0
                    && b[i - 1].is_ascii_digit()
                    && b.get(i + 1).is_some_and(u8::is_ascii_digit))
        });
        if !ok {
            return None;
        }
        return go_parse_dot_float(&s.replace('_', ""));
    }
    // Hex, `inf` and `nan` cannot start with `.`; what is left is the YAML float syntax
    // without a sign.
    if !is_yaml_float(s) {
        return None;
    }
    go_float(s)
}

/// A decimal float as Go's `ParseFloat` reads it: `None` when it overflows.
pub(super) fn go_float(s: &str) -> Option<f64> {
    s.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// go-yaml's `resolve(tag, in)` with its deferred check: the Go value a scalar decodes to, or
/// go-yaml's error. `tag` is empty for an untagged plain scalar. The text is taken, to become
/// the value when that is text.
pub(super) fn resolve(tag: &str, text: String) -> Result<(Kind, Scalar), String> {
    let resolvable = matches!(
        tag.strip_prefix(CORE),
        Some("str" | "bool" | "int" | "float" | "null" | "timestamp")
    ) || tag.is_empty();
    if !resolvable {
        return Ok((Kind::Str, Scalar::Str(text)));
    }
    let (kind, value) = resolve_untagged(tag, &text);
    if tag.is_empty() || tag == kind.tag() || tag == STR {
        return Ok((kind, value.unwrap_or(Scalar::Str(text))));
    }
    if tag == Kind::Float.tag() {
        if let Some(Scalar::Int(i)) = value {
            return Ok((Kind::Float, Scalar::Float(i as f64)));
        }
    }
    // go-yaml's message quotes the text; this one does not, as the scalar may be a Secret's
    // value and messages never show one.
    Err(format!(
        "cannot decode a {} value as a {}",
        short_tag(kind.tag()),
        short_tag(tag)
    ))
}

/// The words of go-yaml's resolve table: booleans, nulls, NaN and the infinities.
#[inline]
fn yaml11_word(text: &[u8]) -> Option<(Kind, Scalar)> {
    Some(match text {
        b"y" | b"Y" | b"yes" | b"Yes" | b"YES" | b"true" | b"True" | b"TRUE" | b"on" | b"On"
        | b"ON" => (Kind::Bool, Scalar::Bool(true)),
        b"n" | b"N" | b"no" | b"No" | b"NO" | b"false" | b"False" | b"FALSE" | b"off" | b"Off"
        | b"OFF" => (Kind::Bool, Scalar::Bool(false)),
        b"" | b"~" | b"null" | b"Null" | b"NULL" => (Kind::Null, Scalar::Null),
        b".nan" | b".NaN" | b".NAN" => (Kind::Float, Scalar::Float(f64::NAN)),
        b".inf" | b".Inf" | b".INF" | b"+.inf" | b"+.Inf" | b"+.INF" => {
            (Kind::Float, Scalar::Float(f64::INFINITY))
        }
        b"-.inf" | b"-.Inf" | b"-.INF" => (Kind::Float, Scalar::Float(f64::NEG_INFINITY)),
        _ => return None,
    })
}

/// Whether go-yaml reads a plain scalar as text (a timestamp's included): what a mapping key
/// must be for `sigs.k8s.io/yaml` to write it as it is written. Cheap for the keys nearly all
/// are (it runs on every plain key of a passed-through document): only the first bytes go-yaml
/// resolves further, and words no longer than the table's, are looked at.
pub(super) fn plain_is_text(text: &[u8]) -> bool {
    match text.first() {
        None => false,
        Some(b'+' | b'-' | b'.' | b'0'..=b'9') => {
            std::str::from_utf8(text).map_or(true, |t| resolve_untagged("", t).1.is_none())
        }
        Some(b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~') => {
            text.len() > 5 || yaml11_word(text).is_none()
        }
        Some(_) => true,
    }
}

/// Whether go-yaml reads a plain scalar as NaN or an infinity, which JSON cannot hold.
pub(super) fn plain_is_non_finite(text: &[u8]) -> bool {
    matches!(text.first(), Some(b'.' | b'+' | b'-'))
        && matches!(yaml11_word(text), Some((_, Scalar::Float(_))))
}

/// The body of go-yaml's `resolve` for a resolvable tag (`""` or a core scalar tag): the kind,
/// and the value unless it is the text itself (text, or a timestamp) — the caller, which may
/// own the text, makes that value without another copy.
pub(super) fn resolve_untagged(tag: &str, text: &str) -> (Kind, Option<Scalar>) {
    let str = || (Kind::Str, None);
    if tag == STR {
        return str();
    }
    // go-yaml's resolve table: which first bytes can start something other than text.
    let hint = match text.as_bytes().first() {
        None => b'N',
        Some(b'+' | b'-') => b'S',
        Some(b'0'..=b'9') => b'D',
        Some(b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~') => b'M',
        Some(b'.') => b'.',
        Some(_) => return str(),
    };
    if let Some((kind, value)) = yaml11_word(text.as_bytes()) {
        return (kind, Some(value));
    }
    match hint {
        b'.' => match go_parse_dot_float(text) {
            Some(f) => (Kind::Float, Some(Scalar::Float(f))),
            None => str(),
        },
        b'D' | b'S' => {
            if (tag.is_empty() || tag == Kind::Timestamp.tag()) && go_timestamp(text) {
                return (Kind::Timestamp, None);
            }
            // go-yaml removes every `_` first (most numbers have none: no copy then).
            let plain = if text.contains('_') {
                Cow::Owned(text.replace('_', ""))
            } else {
                Cow::Borrowed(text)
            };
            if let Some(i) = go_parse_int(&plain, 0) {
                return (Kind::Int, Some(Scalar::Int(i)));
            }
            if let Some(u) = go_parse_uint(&plain, 0) {
                return (Kind::Int, Some(Scalar::UInt(u)));
            }
            if is_yaml_float(&plain) {
                if let Some(f) = go_float(&plain) {
                    return (Kind::Float, Some(Scalar::Float(f)));
                }
            }
            // go-yaml's own `0b` fallbacks, after Go's base-0 parse refused: they take a sign
            // after the prefix (`0b-101` is -5).
            if let Some(rest) = plain.strip_prefix("0b") {
                if let Some(i) = go_parse_int(rest, 2) {
                    return (Kind::Int, Some(Scalar::Int(i)));
                }
                if let Some(u) = go_parse_uint(rest, 2) {
                    return (Kind::Int, Some(Scalar::UInt(u)));
                }
            } else if let Some(rest) = plain.strip_prefix("-0b") {
                if let Some(i) = go_parse_int(&format!("-{rest}"), 2) {
                    return (Kind::Int, Some(Scalar::Int(i)));
                }
            }
            str()
        }
        _ => str(),
    }
}

/// go-yaml's `parseTimestamp`: four digits and `-`, then one of its `time.Parse` layouts
/// (`2006-1-2T15:4:5.999999999Z07:00`, the same with `t`, `2006-1-2 15:4:5.999999999`,
/// `2006-1-2`), as Go's `time.Parse` reads them.
pub(super) fn go_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() <= 4 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    [b'T', b't', b' ', 0]
        .iter()
        .any(|&sep| go_time_layout(b, sep))
}

/// Go's `getnum(s, false)`: one or two digits.
pub(super) fn getnum(s: &[u8]) -> Option<(u32, &[u8])> {
    let d0 = *s.first().filter(|c| c.is_ascii_digit())?;
    match s.get(1).filter(|c| c.is_ascii_digit()) {
        Some(&d1) => Some((u32::from(d0 - b'0') * 10 + u32::from(d1 - b'0'), &s[2..])),
        None => Some((u32::from(d0 - b'0'), &s[1..])),
    }
}

/// Go's `time.atoi` on a short field: an optional sign and decimal digits, nothing else.
pub(super) fn go_atoi(s: &[u8]) -> bool {
    let digits = match s.first() {
        Some(b'+' | b'-') => &s[1..],
        _ => s,
    };
    digits.iter().all(u8::is_ascii_digit)
}

/// One of go-yaml's timestamp layouts: `sep` is the date/time separator (`T`, `t`, or ` `
/// for the zone-less layout), 0 for the date alone.
pub(super) fn go_time_layout(b: &[u8], sep: u8) -> bool {
    let year: u32 = b[..4].iter().fold(0, |a, c| a * 10 + u32::from(c - b'0'));
    let Some((month, rest)) = getnum(&b[5..]) else {
        return false;
    };
    if !(1..=12).contains(&month) {
        return false;
    }
    let Some(rest) = rest.strip_prefix(b"-") else {
        return false;
    };
    let Some((day, mut rest)) = getnum(rest) else {
        return false;
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if day < 1 || day > days {
        return false;
    }
    if sep == 0 {
        return rest.is_empty();
    }
    // Go's `skip`: a space in the layout matches any run of spaces (none only at the end).
    if sep == b' ' {
        if rest.first().is_some_and(|&c| c != b' ') {
            return false;
        }
        while rest.first() == Some(&b' ') {
            rest = &rest[1..];
        }
    } else if let Some(r) = rest.strip_prefix(&[sep]) {
        rest = r;
    } else {
        return false;
    }
    let mut fields = [0u32; 3];
    for (i, field) in fields.iter_mut().enumerate() {
        if i > 0 {
            let Some(r) = rest.strip_prefix(b":") else {
                return false;
            };
            rest = r;
        }
        let Some((n, r)) = getnum(rest) else {
            return false;
        };
        *field = n;
        rest = r;
    }
    if fields[0] >= 24 || fields[1] >= 60 || fields[2] >= 60 {
        return false;
    }
    // `.999999999`: optional, any number of digits after `.` or `,`.
    if rest.len() >= 2 && matches!(rest[0], b'.' | b',') && rest[1].is_ascii_digit() {
        let mut i = 1;
        while rest.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        rest = &rest[i..];
    }
    if sep == b' ' {
        return rest.is_empty();
    }
    // `Z07:00`: `Z`, or a sign, two characters, `:`, two characters (Go's atoi on each).
    if let Some(r) = rest.strip_prefix(b"Z") {
        return r.is_empty();
    }
    rest.len() == 6
        && matches!(rest[0], b'+' | b'-')
        && rest[3] == b':'
        && go_atoi(&rest[1..3])
        && go_atoi(&rest[4..6])
}

/// How a plain (unquoted, untagged) scalar reads, as go-yaml v2 resolves it.
pub fn resolve_plain(text: &str) -> Scalar {
    resolve_untagged("", text)
        .1
        .unwrap_or_else(|| Scalar::Str(text.to_string()))
}

/// Base64 as Go's `base64.StdEncoding` decodes it: padding required, `\r` and `\n` ignored
/// (other whitespace refused), trailing bits need not be zero.
pub(super) fn go_base64(text: &str) -> Option<Vec<u8>> {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    use base64::Engine as _;
    const GO_STD: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
    );
    let compact: Cow<str> = if text.contains(['\r', '\n']) {
        Cow::Owned(text.replace(['\r', '\n'], ""))
    } else {
        Cow::Borrowed(text)
    };
    GO_STD.decode(compact.as_bytes()).ok()
}

/// Bytes as a Go string reaches JSON: each byte that is not part of valid UTF-8 becomes
/// U+FFFD (Go's encoder replaces them one by one).
pub(super) fn go_json_string(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for _ in chunk.invalid() {
            out.push('\u{fffd}');
        }
    }
    out
}

/// The text of a `!!binary` scalar: base64 with any whitespace (YAML folds long values over
/// lines), decoded, and read as UTF-8 — for diff's redaction, which compares decoded values.
pub fn binary_text(text: &str) -> Result<String, &'static str> {
    use base64::Engine as _;
    let compact: String = text.split_ascii_whitespace().collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|_| "!!binary value is not valid base64")?;
    String::from_utf8(bytes).map_err(|_| "!!binary value is not UTF-8 text")
}

/// go-yaml's `decoder.scalar` into an `interface{}`: the Go value of a scalar event, whose
/// text it takes (text stays the same string).
pub(super) fn decode_scalar(
    tag: Option<&str>,
    text: String,
    plain_implicit: bool,
) -> Result<Scalar, String> {
    let tag = tag.unwrap_or_default();
    if tag.is_empty() && !plain_implicit {
        return Ok(Scalar::Str(text));
    }
    if tag == BINARY {
        let bytes = go_base64(&text)
            .ok_or_else(|| "!!binary value contains invalid base64 data".to_string())?;
        return Ok(Scalar::Str(go_json_string(&bytes)));
    }
    resolve(tag, text).map(|(_, v)| v)
}

/// A scalar of the editing tree as Kubernetes reads it: `plain` when written unquoted, `tag`
/// as the tree spells it (`!!int`, `!custom`). What JSON cannot hold (`.inf`) or a tag the text
/// does not fit reads as the number 0 — only "not a string" matters to callers, and Kubernetes
/// rejects such a value anyway.
pub fn scalar(text: &str, plain: bool, tag: Option<&str>) -> Value {
    let full = tag.map(|t| match t.strip_prefix("!!") {
        Some(short) => Cow::Owned(format!("{CORE}{short}")),
        None => Cow::Borrowed(t),
    });
    match decode_scalar(full.as_deref(), text.to_string(), plain || tag == Some("!"))
        .and_then(to_json)
    {
        Ok(Value::String(s)) if s == NON_FINITE => Value::from(0),
        Ok(v) => v,
        Err(_) => Value::from(0),
    }
}

/// A Go float as Go's JSON encoder writes it, read back by `serde_json`: a whole number below
/// 1e21 is written as the shortest digits that give the float back, padded with zeros
/// (`2^63` is `9223372036854776000`), so it reads as that integer when one holds it (`420.0`
/// is `420`, which an integer field such as a volume's `defaultMode` takes). NaN and
/// infinities have no JSON form: they become [`NON_FINITE`], refused if still in the result.
pub(super) fn float_json(f: f64) -> Value {
    if !f.is_finite() {
        return Value::String(NON_FINITE.into());
    }
    if f.fract() == 0.0 && f.abs() < 1e21 && !(f == 0.0 && f.is_sign_negative()) {
        let e = format!("{:e}", f.abs());
        let (mantissa, exp) = e.split_once('e').unwrap_or((&e, "0"));
        let exp: usize = exp.parse().unwrap_or(0);
        let mut digits: String = mantissa.chars().filter(|c| *c != '.').collect();
        while digits.len() < exp + 1 {
            digits.push('0');
        }
        if let Ok(u) = digits.parse::<u64>() {
            if f >= 0.0 {
                return Value::from(u);
            }
            if let Some(i) = 0i64.checked_sub_unsigned(u) {
                return Value::from(i);
            }
        }
    }
    Number::from_f64(f).map_or(Value::Null, Value::Number)
}

/// Stands for a NaN or infinite float until the document is complete: go-yaml keeps only a
/// key's last value, so one that is overwritten never reaches Go's JSON encoder, which
/// refuses the others.
pub(super) const NON_FINITE: &str = "\u{0}clearml-sso: a NaN or infinite float\u{0}";

/// Starts a stand-in key for what makes a mapping unwritable to `sigs.k8s.io/yaml` — a Go key
/// it refuses (null, an integer above `i64`), or two different keys that give one JSON key
/// (which one it keeps depends on Go's map order) — followed by the reason. Kept until the
/// document is complete for the same reason: a mapping that is overwritten never reaches it.
pub(super) const BAD_KEY: &str = "\u{0}clearml-sso: ";

/// What in a complete document Go's JSON writing refuses.
pub(super) fn unwritable(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if s == NON_FINITE => {
            Some("json: unsupported value: a NaN or infinite number has no JSON form".into())
        }
        Value::Array(a) => a.iter().find_map(unwritable),
        Value::Object(o) => o.iter().find_map(|(k, v)| match k.strip_prefix(BAD_KEY) {
            Some(why) => Some(why.trim_end_matches('\u{0}').to_string()),
            None => unwritable(v),
        }),
        _ => None,
    }
}

pub(super) fn to_json(s: Scalar) -> Result<Value, String> {
    Ok(match s {
        Scalar::Null => Value::Null,
        Scalar::Bool(b) => Value::Bool(b),
        Scalar::Int(i) => Value::from(i),
        Scalar::UInt(u) => Value::from(u),
        Scalar::Float(f) => float_json(f),
        Scalar::Str(s) => Value::String(s),
    })
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 32)`, as `sigs.k8s.io/yaml` writes a float key:
/// the shortest digits that read back as the same float32, in `%e` form when the exponent is
/// below -4 or at least 6, with go-yaml's names for infinities and NaN.
pub(super) fn go_float32_key(f: f64) -> String {
    let g = f as f32;
    if g.is_nan() {
        return ".nan".into();
    }
    if g.is_infinite() {
        return if g > 0.0 { ".inf" } else { "-.inf" }.into();
    }
    if g == 0.0 {
        return if g.is_sign_negative() { "-0" } else { "0" }.into();
    }
    // Rust's `{:e}` gives the shortest round-trip digits too: `d.ddde±x`.
    let e = format!("{:e}", g.abs());
    let (mantissa, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let sign = if g < 0.0 { "-" } else { "" };
    if !(-4..6).contains(&exp) {
        let rest = &digits[1..];
        let dot = if rest.is_empty() { "" } else { "." };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{}{dot}{rest}e{esign}{:02}", &digits[..1], exp.abs());
    }
    if exp < 0 {
        let zeros = "0".repeat((-exp - 1) as usize);
        return format!("{sign}0.{zeros}{digits}");
    }
    let int_len = exp as usize + 1;
    if digits.len() <= int_len {
        format!("{sign}{digits}{}", "0".repeat(int_len - digits.len()))
    } else {
        format!("{sign}{}.{}", &digits[..int_len], &digits[int_len..])
    }
}
