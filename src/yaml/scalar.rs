//! How one scalar may be written: the styles ([`Style`]) and, for each, whether every
//! reader — this tool's, YAML 1.2 and Kubernetes' YAML 1.1 — reads back the same text
//! ([`plain_safe`], [`double_quoted`]). Text only: it knows no tree and no document.

use std::fmt::Write as _;

/// How a scalar was written in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Unquoted.
    Plain,
    /// `'single'`.
    Single,
    /// `"double"`.
    Double,
    /// `|` or `>` block scalar.
    Block,
}

/// Where a scalar is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Place {
    /// A block mapping value, sequence item or document: block scalars allowed.
    Block,
    /// A block mapping key: one line.
    Key,
    /// Inside a flow collection: one line, and `,[]{}` end a plain scalar.
    Flow,
}

/// The facts [`plain_safe`] judges a scalar's text by, besides the text itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Context {
    /// Written inside a flow collection (`[…]`, `{…}`).
    pub flow: bool,
    /// The chart wrote it plain and the tool has not changed it: its YAML 1.1 type (`on`,
    /// `0644`, `~`, an empty null) is the chart's and is kept with its text. Otherwise
    /// (made or changed by the tool) a plain scalar must read back as a string.
    pub kept: bool,
}

impl Context {
    /// A scalar the tool makes, in block context.
    pub const MADE: Context = Context {
        flow: false,
        kept: false,
    };
}

/// Whether `value` may be written as a plain (unquoted) scalar in `context` and read back —
/// by this tool's parser, a YAML 1.2 reader, and a YAML 1.1 reader like Kubernetes' — as
/// exactly the same scalar: the same text and, for a scalar the tool made, a string.
///
/// Conservative on purpose; quoting what could have been plain costs nothing. Plain only if:
/// - every character is printable ASCII (made) or printable YAML without tab, BOM and the
///   YAML 1.1 line breaks NEL, LS, PS (kept);
/// - it is not empty (an empty plain scalar is null; only a kept one may stay so);
/// - no whitespace at either end;
/// - no `: ` or ` #` inside, no `:` at the end, no `---`/`...` at the start;
/// - no indicator first (`-?:,[]{}#&*!|>'"%@` and backquote); a kept scalar may start with
///   `-`, or in block context `?`/`:`, followed by a non-space, as YAML allows;
/// - in flow context, none of `,?[]{}` anywhere (PyYAML also ends a plain scalar at `?`);
/// - (made only) it resolves to no other YAML 1.1 or 1.2 type: no bool (`yes`, `No`, `ON`,
///   `y`, `true` …, any case), null (`~`, `null`), merge `<<`, value `=`, `inf`/`nan`, and
///   nothing starting with a digit or `+-.` (ints `0777` `0x1F` `0b101` `1_000` `190:20:30`,
///   floats `.inf` `1e3`, timestamps `2001-12-14`).
pub fn plain_safe(value: &str, context: Context) -> bool {
    let mut chars = value.chars();
    let (Some(first), Some(last)) = (chars.next(), value.chars().next_back()) else {
        return context.kept;
    };
    let second = chars.next();
    let chars_ok = if context.kept {
        value
            .chars()
            .all(|c| printable(c) && !is_break(c) && !matches!(c, '\t' | '\u{feff}'))
    } else {
        value.bytes().all(|b| matches!(b, b' '..=b'~'))
    };
    if !chars_ok || first.is_whitespace() || last.is_whitespace() {
        return false;
    }
    if last == ':' || value.starts_with("---") || value.starts_with("...") {
        return false;
    }
    if ends_plain_early(value, context.flow) {
        return false;
    }
    // YAML's indicators: a plain scalar may not start with one (but `-?:` followed by text).
    const INDICATORS: &[u8] = b"-?:,[]{}#&*!|>'\"%@`";
    if first.is_ascii() && INDICATORS.contains(&(first as u8)) {
        let yaml_allows = match first {
            '-' => true,
            '?' | ':' => !context.flow,
            _ => false,
        };
        if !(context.kept && yaml_allows && second.is_some_and(|c| c != ' ')) {
            return false;
        }
    }
    context.kept || !resolves_to_non_string(value)
}

/// Whether something inside `value` would end a plain scalar or start a comment: `: ` or ` #`
/// anywhere, and in flow context any of `,?[]{}`. Found from the rare bytes with `memchr`: a
/// substring searcher per value, or a test per byte, cost more than the short values themselves.
fn ends_plain_early(value: &str, flow: bool) -> bool {
    let bytes = value.as_bytes();
    memchr::memchr2_iter(b':', b'#', bytes).any(|i| match bytes[i] {
        b':' => bytes.get(i + 1) == Some(&b' '),
        _ => i > 0 && bytes[i - 1] == b' ',
    }) || (flow
        && bytes
            .iter()
            .any(|b| matches!(b, b',' | b'?' | b'[' | b']' | b'{' | b'}')))
}

/// Plain texts a YAML 1.1 or 1.2 reader might resolve to something other than a string
/// (over-approximated: everything starting like a number, any case of the keywords).
pub(super) fn resolves_to_non_string(value: &str) -> bool {
    const WORDS: &[&str] = &[
        "y", "n", "yes", "no", "true", "false", "on", "off", "null", "~", "<<", "=", "inf",
        "infinity", "nan",
    ];
    WORDS.iter().any(|w| value.eq_ignore_ascii_case(w))
        || value.starts_with(|c: char| c.is_ascii_digit() || "+-.".contains(c))
}

/// YAML's printable set (c-printable): what a reader accepts as text at all.
pub(super) fn printable(c: char) -> bool {
    matches!(c,
        '\t' | '\n' | '\r' | ' '..='~' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

/// Line breaks to a YAML 1.1 reader (1.2 keeps only CR and LF).
pub(super) fn is_break(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// The text of a scalar in its original style, falling back to double quotes whenever that
/// style cannot carry the value in `place` and read back the same. `kept` says the node
/// came from the parse (a made one is judged as new, see [`Context::kept`]).
pub(super) fn scalar_text(
    value: &str,
    style: Style,
    kept: bool,
    place: Place,
    block_indent: usize,
) -> String {
    let context = Context {
        flow: place == Place::Flow,
        kept: kept && style == Style::Plain,
    };
    match style {
        // A kept plain scalar keeps its exact text, so its YAML 1.1 meaning (`0644`, `on`) is kept.
        Style::Plain if plain_safe(value, context) => value.to_string(),
        Style::Single if single_ok(value) => single_quoted(value),
        Style::Block if place == Place::Block && block_ok(value) => {
            let chomp = if !value.ends_with('\n') {
                "-"
            } else if value.ends_with("\n\n") {
                "+"
            } else {
                ""
            };
            let mut out = format!("|{chomp}\n");
            let body = value.strip_suffix('\n').unwrap_or(value);
            for line in body.split('\n') {
                if !line.is_empty() {
                    out.extend(std::iter::repeat_n(' ', block_indent));
                    out.push_str(line);
                }
                out.push('\n');
            }
            out
        }
        _ => double_quoted(value),
    }
}

/// A YAML single-quoted scalar: the value between `'`, each `'` in it doubled. Written for
/// every string the tool makes (`Node::string`): no formatting machinery, one allocation.
pub(super) fn single_quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for (i, part) in value.split('\'').enumerate() {
        if i > 0 {
            out.push_str("''");
        }
        out.push_str(part);
    }
    out.push('\'');
    out
}

/// A single-quoted scalar has no escapes and folds line breaks: one line of printable text.
pub(super) fn single_ok(value: &str) -> bool {
    value
        .chars()
        .all(|c| printable(c) && !is_break(c) && c != '\u{feff}')
}

/// A literal block scalar (`|`, no indentation indicator) carries the value exactly only if
/// its first line does not start with whitespace (that would set the indentation), it has
/// no trailing whitespace on its last line, and no character needing an escape.
pub(super) fn block_ok(value: &str) -> bool {
    !value.is_empty()
        && !value.starts_with([' ', '\t', '\n'])
        && value
            .chars()
            .all(|c| c == '\n' || (printable(c) && !is_break(c) && c != '\u{feff}'))
        && !value.trim_end_matches('\n').ends_with([' ', '\t'])
}

/// A YAML double-quoted scalar on one line: every character that is not printable, or is a
/// line break, tab or BOM, escaped with YAML's own escapes.
pub fn double_quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\0' => out.push_str("\\0"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{b}' => out.push_str("\\v"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            '\u{1b}' => out.push_str("\\e"),
            '\u{85}' => out.push_str("\\N"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            c if !printable(c) || c == '\u{feff}' => {
                let _ = match c as u32 {
                    n @ ..=0xff => write!(out, "\\x{n:02x}"),
                    n @ ..=0xffff => write!(out, "\\u{n:04x}"),
                    n => write!(out, "\\U{n:08x}"),
                };
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_safe_is_conservative_for_made_scalars() {
        let made = Context::MADE;
        for ok in ["CLEARML__a__b", "a#b", "a:b", "http://x/y?z", "a b", "x-y"] {
            assert!(plain_safe(ok, made), "{ok:?} should be plain");
        }
        for quoted in [
            "",
            "a #b",
            "a: yes",
            "a:",
            "#a",
            "a\u{feff}b",
            " a",
            "a ",
            "a\tb",
            "a\rb",
            "a\u{85}b",
            "a\u{2028}b",
            "\u{e9}",
            "yes",
            "No",
            "ON",
            "y",
            "~",
            "NULL",
            "0x1F",
            "1_000",
            ".inf",
            "0b101",
            "0777",
            "2001-12-14",
            "<<",
            "=",
            "-x",
            "?x",
            ":x",
            "&a",
            "*a",
            "!t",
            "|",
            ">",
            "'",
            "\"",
            "%",
            "@",
            "`",
            "[a",
            "{a",
            ",",
            "--- a",
        ] {
            assert!(!plain_safe(quoted, made), "{quoted:?} should be quoted");
        }
        let flow = Context { flow: true, ..made };
        for quoted in ["a,b", "a[b", "a]b", "a{b", "a}b", "a?b"] {
            assert!(
                plain_safe(quoted, made) && !plain_safe(quoted, flow),
                "{quoted:?}"
            );
        }
    }

    /// [`ends_plain_early`] as first written, with substring searches: the byte search must
    /// agree with it.
    fn ends_plain_early_by_searches(value: &str, flow: bool) -> bool {
        value.contains(": ")
            || value.contains(" #")
            || (flow && value.contains([',', '?', '[', ']', '{', '}']))
    }

    /// What values are made of: every character the rules look at, some words they resolve.
    const PIECES: &[&str] = &[
        "a", "1", " ", "#", ":", "-", "?", ",", "[", "]", "{", "}", "&", "*", "!", "|", ">", "'",
        "\"", "%", "@", "`", ".", "---", "...", "\t", "\n", "\u{a0}", "\u{e9}", "\u{2028}",
        "\u{feff}", "yes", "~", "<<", "0x1F", ": ", " #", "ab", "b c",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 20_000,
            rng_seed: proptest::test_runner::RngSeed::Fixed(20),
            ..Default::default()
        })]
        #[test]
        fn ends_plain_early_agrees_with_the_searches(
            parts in proptest::collection::vec(proptest::sample::select(PIECES), 0..7),
            flow: bool,
        ) {
            let value = parts.concat();
            proptest::prop_assert_eq!(
                ends_plain_early(&value, flow),
                ends_plain_early_by_searches(&value, flow)
            );
        }
    }

    #[test]
    fn plain_safe_keeps_the_charts_own_plain_scalars() {
        let kept = Context {
            flow: false,
            kept: true,
        };
        // Their YAML 1.1 type is the chart's: `on` stays a boolean, `0644` octal, empty null.
        for ok in [
            "on", "0644", "", "~", "-x", "--flag", "?x", ":x", "\u{e9}", "<<",
        ] {
            assert!(plain_safe(ok, kept), "{ok:?} should stay plain");
        }
        for quoted in ["a\u{2028}b", "a\u{85}b", "- x", "a #b", "a\u{feff}b", "-"] {
            assert!(!plain_safe(quoted, kept), "{quoted:?} should be quoted");
        }
        assert!(!plain_safe(
            "?x",
            Context {
                flow: true,
                kept: true
            }
        ));
    }

    #[test]
    fn double_quoted_escapes_everything_a_reader_would_not_keep() {
        assert_eq!(
            double_quoted("\0\u{7}\u{8}\t\n\u{b}\u{c}\r\u{1b}\"\\"),
            r#""\0\a\b\t\n\v\f\r\e\"\\""#
        );
        assert_eq!(
            double_quoted("\u{85}\u{2028}\u{2029}\u{feff}\u{7f}\u{9f}\u{fffe}\u{1f}"),
            r#""\N\L\P\ufeff\x7f\x9f\ufffe\x1f""#
        );
        assert_eq!(double_quoted("é \u{1f600}"), "\"é \u{1f600}\"");
    }
}
