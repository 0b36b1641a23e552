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

/// How [`Globs`] match. Most policies (and every default) use only literal text and `*`:
/// those are matched directly, as globset's compiled regex would (`(?-u)^lit.*lit$`, `.`
/// matching any byte, `(?i)` folding ASCII letters only); compiling a GlobSet (regexes,
/// Aho-Corasick automata) costs more than a whole small render. Any other syntax is compiled.
#[derive(Debug, Clone)]
enum Matcher {
    /// Each pattern split at its `*`s.
    Simple {
        pieces: Vec<Vec<String>>,
        caseless: bool,
    },
    Set(GlobSet),
}

/// Whether globset reads `p` as literal text and single `*`s only (no `?`, classes,
/// alternations, escapes, path separators or `**`).
fn is_simple_glob(p: &str) -> bool {
    !p.contains("**") && !p.contains(['?', '[', ']', '{', '}', ',', '\\', '/'])
}

/// `text` matches `pieces` (a pattern split at its `*`s): the first piece starts it, the last
/// ends it, the others occur in order between them without overlapping.
fn simple_match(pieces: &[String], text: &str, caseless: bool) -> bool {
    let eq = |a: &[u8], b: &[u8]| {
        if caseless {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    };
    let text = text.as_bytes();
    let (first, last) = (pieces[0].as_bytes(), pieces[pieces.len() - 1].as_bytes());
    if pieces.len() == 1 {
        return eq(first, text);
    }
    if text.len() < first.len() + last.len()
        || !eq(first, &text[..first.len()])
        || !eq(last, &text[text.len() - last.len()..])
    {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for piece in &pieces[1..pieces.len() - 1] {
        let piece = piece.as_bytes();
        if piece.is_empty() {
            continue;
        }
        // The leftmost occurrence leaves the most room for the pieces after it.
        match rest.windows(piece.len()).position(|w| eq(piece, w)) {
            Some(i) => rest = &rest[i + piece.len()..],
            None => return false,
        }
    }
    true
}

impl Globs {
    pub(super) fn new(patterns: Vec<String>) -> Result<Globs, (usize, String)> {
        Globs::build(patterns, false)
    }

    pub(super) fn new_caseless(patterns: Vec<String>) -> Result<Globs, (usize, String)> {
        Globs::build(patterns, true)
    }

    fn build(patterns: Vec<String>, caseless: bool) -> Result<Globs, (usize, String)> {
        if patterns.iter().all(|p| is_simple_glob(p)) {
            let pieces = patterns
                .iter()
                .map(|p| p.split('*').map(str::to_string).collect())
                .collect();
            let matcher = Matcher::Simple { pieces, caseless };
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

    /// Whether any pattern matches `name`.
    pub fn is_match(&self, name: &str) -> bool {
        match &self.matcher {
            Matcher::Simple { pieces, caseless } => {
                pieces.iter().any(|p| simple_match(p, name, *caseless))
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
        // Every pattern of up to 4 characters from this alphabet, against every name of up to
        // 3 characters: ASCII case, a multi-byte letter, U+212A KELVIN SIGN (which Unicode
        // folds to `k`, globset's ASCII-only `(?i)` does not), a line break.
        let pattern_chars = ['k', 'K', '*', '\u{e9}', '\u{212a}', '<'];
        let name_chars = ['k', 'K', '\u{e9}', '\u{212a}', '\n', '<'];
        fn all(chars: &[char], max: usize) -> Vec<String> {
            let mut out = vec![String::new()];
            let mut last = vec![String::new()];
            for _ in 0..max {
                last = last
                    .iter()
                    .flat_map(|s| chars.iter().map(move |c| format!("{s}{c}")))
                    .collect();
                out.extend(last.iter().cloned());
            }
            out
        }
        let names = all(&name_chars, 3);
        let mut compared = 0;
        for pattern in all(&pattern_chars, 4)
            .into_iter()
            .filter(|p| is_simple_glob(p))
        {
            for caseless in [false, true] {
                let ours = Globs::build(vec![pattern.clone()], caseless).unwrap();
                assert!(matches!(ours.matcher, Matcher::Simple { .. }));
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
        assert!(compared > 100_000, "{compared}");
        // An empty list matches nothing.
        assert!(!Globs::new(Vec::new()).unwrap().is_match(""));
        // Other syntax is compiled, and still refused when invalid.
        assert!(matches!(
            Globs::new(vec!["a?".into()]).unwrap().matcher,
            Matcher::Set(_)
        ));
        assert!(Globs::new(vec!["a[".into()]).is_err());
    }
}
