//! Making text from the manifests safe to show: [`escape_control`] for a one-line field,
//! [`escape_lines`] for text of several lines. Every writer of a format people or display
//! tools read passes each field through them.
//!
//! A leaf: it imports nothing else from the crate. It must not lose a character silently
//! (each one escaped is shown as a visible escape), and escaping twice must change nothing.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` must not reach a terminal or a report raw: C0 controls (ESC starts terminal
/// escape sequences, CR and LF forge lines), DEL, C1 controls (U+009B is a one-character
/// CSI), the Unicode line and paragraph separators, the bidirectional controls (they reorder
/// what is shown, so text reads differently than it is), and U+FFFE/U+FFFF, which XML 1.0
/// does not allow.
pub(super) fn needs_escape(c: char) -> bool {
    matches!(
        c,
        '\u{0}'..='\u{1f}'
            | '\u{7f}'..='\u{9f}'
            | '\u{61c}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
            | '\u{fffe}'
            | '\u{ffff}'
    )
}

/// Whether `s` is all printable ASCII (`' '` to `~`), and line feeds when `lines`: none of it
/// [`needs_escape`] (line feeds aside). The quick answer for most messages, byte by byte with
/// no branch per byte, where decoding each character and matching the ranges cost more.
fn printable_ascii(s: &str, lines: bool) -> bool {
    s.bytes().fold(true, |ok, b| {
        ok & ((b' '..=b'~').contains(&b) | (lines & (b == b'\n')))
    })
}

/// A one-line field made safe to show: each character of [`needs_escape`] is written as a
/// visible escape (`\t`, `\n`, `\r`, `\x1b`, `\u{2028}`); everything else is kept. The result
/// contains none of those characters, so escaping twice changes nothing. It is for display,
/// not reversible (a `\` in the input is kept as it is).
pub fn escape_control(s: &str) -> Cow<'_, str> {
    if printable_ascii(s, false) || !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if needs_escape(c) && c.is_ascii() => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// [`escape_control`] for text of several lines: each line escaped, the line breaks kept.
pub fn escape_lines(s: &str) -> Cow<'_, str> {
    if printable_ascii(s, true) || !s.chars().any(|c| c != '\n' && needs_escape(c)) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.split('\n')
            .map(escape_control)
            .collect::<Vec<_>>()
            .join("\n"),
    )
}
