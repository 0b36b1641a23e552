//! "Did you mean": the nearest of a list of valid names to a misspelled one ([`nearest`],
//! [`nearest_typo`]), bounded in time whatever the input, and the help line built from it.
//!
//! A leaf: it imports nothing else from the crate. It must not know which names are valid
//! where (callers pass the candidates), and it only ever suggests one of them.

/// Words longer than this get no suggestion: no key or option is near that long, and the edit
/// distance costs length × length.
const NEAREST_MAX_CHARS: usize = 64;

/// The nearest of `candidates` to a misspelled `word`, if one is close enough to be a typo.
/// Bounded whatever the input: an over-long word is not compared at all, and a candidate whose
/// length differs by more than the allowed distance is skipped unmeasured (the distance is at
/// least the difference in length), so a key of megabytes costs nothing.
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    nearest_within(word, candidates, |len| (len / 3).max(2))
}

/// [`nearest`] for names that come in families of siblings — the keys of one Secret
/// (`apiserver_key`, `apiserver_secret`) — where only a typo of one or two edits is a near
/// miss; a looser match would offer a sibling for a key that is simply absent.
pub fn nearest_typo<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    nearest_within(word, candidates, |_| 2)
}

/// The nearest candidate within `limit(longer length)` edits (Damerau-Levenshtein).
fn nearest_within<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    limit: impl Fn(usize) -> usize,
) -> Option<&'a str> {
    // Checked on bytes first, so a huge word is not even counted.
    if word.len() > 4 * NEAREST_MAX_CHARS {
        return None;
    }
    let chars = word.chars().count();
    if chars > NEAREST_MAX_CHARS {
        return None;
    }
    candidates
        .into_iter()
        .filter_map(|c| {
            let limit = limit(c.len().max(word.len()));
            if c.chars().count().abs_diff(chars) > limit {
                return None;
            }
            let d = strsim::damerau_levenshtein(word, c);
            (d <= limit).then_some((d, c))
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

pub(super) fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str> + Clone,
) -> String {
    match nearest(word, candidates.clone()) {
        Some(c) => format!("did you mean `{c}`?"),
        None => format!(
            "valid keys here: {}",
            candidates
                .into_iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_still_finds_typos() {
        let keys = ["client_id", "client_secret", "base_url", "idp_logout"];
        assert_eq!(nearest("clientsecret", keys), Some("client_secret"));
        assert_eq!(nearest("idp_logut", keys), Some("idp_logout"));
        assert_eq!(nearest("zzzzzzzzzzzzzzzz", keys), None);
        // The length filter only skips candidates the distance would reject anyway.
        assert_eq!(nearest("bas", ["base_url", "bae"]), Some("bae"));
    }

    #[test]
    fn nearest_is_bounded_on_huge_words() {
        // Unbounded, this was a 4 MB × key-length edit distance per candidate (22 s through
        // the CLI). Over-long words are not compared at all.
        let huge = "a".repeat(4 << 20);
        assert_eq!(nearest(&huge, ["client_id", "client_secret"]), None);
        let long = "é".repeat(NEAREST_MAX_CHARS + 1);
        assert_eq!(nearest(&long, [long.as_str()]), None);
    }
}
