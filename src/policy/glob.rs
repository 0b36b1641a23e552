//! The policy's name patterns (`[target]` workloads, containers and exclusions, `[secrets]
//! placeholders`): [`Globs`], a list of glob patterns and its compiled matcher.
//!
//! A leaf: it imports nothing else from the crate and knows nothing of what the names are. It
//! must not change what a pattern means: the direct matcher for literal text and `*` matches
//! exactly what globset's compiled pattern would (a test compares them), it is only cheaper.

use globset::{GlobSet, GlobSetBuilder};

/// A list of glob patterns and their compiled matcher.
#[derive(Debug, Clone)]
pub struct Globs {
    /// The patterns as written.
    pub patterns: Vec<String>,
    matcher: Matcher,
}

/// How [`Globs`] match. Most policies (and every default) use only literal text, `*`, `?` and
/// classes of ASCII letters and digits (`[!a-z0-9]`): those are matched directly, as globset's
/// compiled regex would (`(?-u)^lit.*lit$`, `.` matching any byte, a class one byte, `(?i)`
/// folding ASCII letters only); compiling a GlobSet (regexes, Aho-Corasick automata) costs
/// more than a whole small render. Any other syntax is compiled.
#[derive(Debug, Clone)]
enum Matcher {
    /// Each pattern as its tokens.
    Simple {
        patterns: Vec<Vec<Token>>,
        caseless: bool,
    },
    Set(GlobSet),
}

/// One token of a directly matched pattern.
#[derive(Debug, Clone)]
enum Token {
    Byte(u8),
    /// `?`: any one byte.
    Any,
    /// `*`: any bytes.
    Star,
    /// `[…]` or `[!…]`: one byte in (or, negated, not in) the set, bit `b` for byte `b` (all
    /// ASCII; a bitset keeps the token small, and the default patterns are built every run);
    /// letters already folded into both cases when caseless.
    Class {
        set: u128,
        negated: bool,
    },
}

/// The tokens of `p` when globset reads it as literal text, single `*`s, `?`s and classes of
/// ASCII letters, digits and ranges between them (no alternations, escapes, path separators,
/// `**`, or other class syntax); `None` otherwise.
fn simple_tokens(p: &str, caseless: bool) -> Option<Vec<Token>> {
    if p.contains("**") || p.contains(['{', '}', ',', '\\', '/']) {
        return None;
    }
    let bytes = p.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'*' => out.push(Token::Star),
            b'?' => out.push(Token::Any),
            b']' => return None,
            b'[' => {
                let negated = matches!(bytes.get(i + 1), Some(b'!' | b'^'));
                let mut j = i + 1 + usize::from(negated);
                let mut set: u128 = 0;
                let start = j;
                while j < bytes.len() && bytes[j] != b']' {
                    let lo = bytes[j];
                    if !lo.is_ascii_alphanumeric() {
                        return None;
                    }
                    let hi = if bytes.get(j + 1) == Some(&b'-') && j + 2 < bytes.len() {
                        let hi = bytes[j + 2];
                        if !hi.is_ascii_alphanumeric() || hi < lo {
                            return None;
                        }
                        j += 2;
                        hi
                    } else {
                        lo
                    };
                    for b in lo..=hi {
                        set |= 1 << b;
                        if caseless {
                            set |= 1 << b.to_ascii_lowercase();
                            set |= 1 << b.to_ascii_uppercase();
                        }
                    }
                    j += 1;
                }
                if j == start || j >= bytes.len() {
                    return None;
                }
                out.push(Token::Class { set, negated });
                i = j;
            }
            b => out.push(Token::Byte(b)),
        }
        i += 1;
    }
    Some(out)
}

/// `text` matches `tokens`, the usual backtracking to the last `*` (each token but `*` takes
/// exactly one byte, so going back to the last `*` is enough).
fn simple_match(tokens: &[Token], text: &str, caseless: bool) -> bool {
    let one = |t: &Token, b: u8| match t {
        Token::Byte(c) => *c == b || (caseless && c.eq_ignore_ascii_case(&b)),
        Token::Any => true,
        Token::Class { set, negated } => (b < 128 && set & (1 << b) != 0) != *negated,
        Token::Star => unreachable!("handled by the caller"),
    };
    let text = text.as_bytes();
    let (mut t, mut p) = (0, 0);
    let mut back: Option<(usize, usize)> = None;
    while t < text.len() {
        match tokens.get(p) {
            Some(Token::Star) => {
                back = Some((p, t));
                p += 1;
            }
            Some(tok) if one(tok, text[t]) => {
                p += 1;
                t += 1;
            }
            _ => match back {
                Some((bp, bt)) => {
                    p = bp + 1;
                    t = bt + 1;
                    back = Some((bp, bt + 1));
                }
                None => return false,
            },
        }
    }
    tokens[p..].iter().all(|tok| matches!(tok, Token::Star))
}

impl Globs {
    pub(super) fn new(patterns: Vec<String>) -> Result<Globs, (usize, String)> {
        Globs::build(patterns, false)
    }

    pub(super) fn new_caseless(patterns: Vec<String>) -> Result<Globs, (usize, String)> {
        Globs::build(patterns, true)
    }

    fn build(patterns: Vec<String>, caseless: bool) -> Result<Globs, (usize, String)> {
        if let Some(tokens) = patterns
            .iter()
            .map(|p| simple_tokens(p, caseless))
            .collect::<Option<Vec<_>>>()
        {
            let matcher = Matcher::Simple {
                patterns: tokens,
                caseless,
            };
            return Ok(Globs { patterns, matcher });
        }
        let mut builder = GlobSetBuilder::new();
        for (i, p) in patterns.iter().enumerate() {
            builder.add(glob(p, caseless).map_err(|e| (i, e.kind().to_string()))?);
        }
        let set = builder.build().map_err(|e| (0, e.to_string()))?;
        Ok(Globs {
            patterns,
            matcher: Matcher::Set(set),
        })
    }

    /// Whether the patterns are matched directly (no GlobSet compiled).
    #[cfg(test)]
    pub(super) fn is_direct(&self) -> bool {
        matches!(self.matcher, Matcher::Simple { .. })
    }

    /// Whether any pattern matches `name`.
    pub fn is_match(&self, name: &str) -> bool {
        match &self.matcher {
            Matcher::Simple { patterns, caseless } => {
                patterns.iter().any(|p| simple_match(p, name, *caseless))
            }
            Matcher::Set(set) => set.is_match(name),
        }
    }
}

/// How a pattern is compiled (also the reference the simple matcher is tested against).
fn glob(pattern: &str, caseless: bool) -> Result<globset::Glob, globset::Error> {
    globset::GlobBuilder::new(pattern)
        .case_insensitive(caseless)
        .literal_separator(false)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_globs_match_as_globset_does() {
        // Every pattern of up to 4 tokens from this alphabet (classes count as one), against
        // every name of up to 3 characters: ASCII case, a multi-byte letter, U+212A KELVIN
        // SIGN (which Unicode folds to `k`, globset's ASCII-only `(?i)` does not), a line
        // break, a digit, a `-`.
        let pattern_tokens = [
            "k",
            "K",
            "*",
            "?",
            "\u{e9}",
            "\u{212a}",
            "<",
            "[!a-z0-9]",
            "[K]",
            "[!k]",
            "[a-k]",
            "[^1]",
        ];
        let name_chars = ["k", "K", "\u{e9}", "\u{212a}", "\n", "<", "1", "-"];
        fn all(parts: &[&str], max: usize) -> Vec<String> {
            let mut out = vec![String::new()];
            let mut last = vec![String::new()];
            for _ in 0..max {
                last = last
                    .iter()
                    .flat_map(|s| parts.iter().map(move |c| format!("{s}{c}")))
                    .collect();
                out.extend(last.iter().cloned());
            }
            out
        }
        let names = all(&name_chars, 3);
        let mut compared = 0;
        for pattern in all(&pattern_tokens, 4)
            .into_iter()
            .filter(|p| !p.contains("**"))
        {
            for caseless in [false, true] {
                let ours = Globs::build(vec![pattern.clone()], caseless).unwrap();
                assert!(
                    matches!(ours.matcher, Matcher::Simple { .. }),
                    "{pattern:?}"
                );
                let mut set = GlobSetBuilder::new();
                set.add(glob(&pattern, caseless).unwrap());
                let set = set.build().unwrap();
                for name in &names {
                    assert_eq!(
                        ours.is_match(name),
                        set.is_match(name),
                        "pattern {pattern:?} caseless {caseless} name {name:?}"
                    );
                    compared += 1;
                }
            }
        }
        assert!(compared > 1_000_000, "{compared}");
        // Class syntax the direct matcher leaves to globset still means what globset says.
        for pattern in [
            "[a-]x", "[]a]", "[!]a]", "[-a]", "[z-a]", "[\u{e9}]", "[.]", "a[", "[!]",
        ] {
            let Ok(ours) = Globs::build(vec![pattern.to_string()], true) else {
                assert!(glob(pattern, true).is_err(), "{pattern:?}");
                continue;
            };
            assert!(matches!(ours.matcher, Matcher::Set(_)), "{pattern:?}");
        }
        // An empty list matches nothing.
        assert!(!Globs::new(Vec::new()).unwrap().is_match(""));
        // Other syntax is compiled, and still refused when invalid.
        assert!(matches!(
            Globs::new(vec!["{a,b}".into()]).unwrap().matcher,
            Matcher::Set(_)
        ));
        assert!(Globs::new(vec!["a[".into()]).is_err());
    }
}
