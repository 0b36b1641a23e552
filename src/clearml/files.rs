//! ClearML's config files: the directories ClearML server reads `*.conf` files from, and which
//! file (by its place and its text) may set SSO settings. Nothing here knows where a file is
//! mounted (that is [`crate::kube::volumes`]'s) or words a finding.

// Where ClearML server looks for `*.conf` files: its built-in directory, then the first
// non-empty of `CLEARML_CONFIG_DIR`, `TRAINS_CONFIG_DIR` (`:`-separated, with `$VAR` and `~`
// expanded), else `/opt/trains/config` and `/opt/clearml/config` (`apiserver/config/basic.py`).

/// ClearML server's built-in config directory, always read.
pub const BUILT_IN_CONFIG_DIR: &str = "/opt/clearml/apiserver/config/default";
/// The config directories when no variable chooses them (the loader's `EXTRA_CONFIG_PATHS`).
pub const EXTRA_CONFIG_DIRS: [&str; 2] = crate::clearml::loader::EXTRA_CONFIG_PATHS;
/// The variables that choose the config directories, the first non-empty one winning.
pub const CONFIG_DIR_VARIABLES: [&str; 2] = ["CLEARML_CONFIG_DIR", "TRAINS_CONFIG_DIR"];

/// Why a config file's text may set SSO settings, or `None`. Conservative on purpose: any
/// `sso` token in the file's path or text (quotes dropped first, so `"sso"`, `s"so"` and
/// `"""sso"""` count; dotted keys, `+=` and nesting all spell the token), and, in a file whose
/// place puts it on the way to `secure.login.sso` or `services.login.sso`, an `include` (it
/// brings text the tool does not see) or a `\u` escape (a key spelled in escapes).
/// Substitutions are not a way in: pyhocon resolves `${…}` within the file, and an
/// environment variable substitutes as a string, never as an object with keys.
pub fn sets_sso(relative: &str, text: &str) -> Option<&'static str> {
    let key = relative.strip_suffix(".conf").unwrap_or(relative);
    let key = unquoted(key);
    let path: Vec<&str> = tokens(&key).collect();
    if path.contains(&"sso") {
        return Some("its path names an `sso` key");
    }
    // The file's text is read in one pass for both words, without a copy (a config file of
    // many sections is read for every targeted container).
    let (sso, include) = text_names_sso_include(text);
    if sso {
        return Some("it names an `sso` key");
    }
    // The file's own key (its path below the config directory, `/` and `.` as separators):
    // only `secure`, `services`, `*.login` and below can hold `login.sso`.
    let on_the_way = match path.as_slice() {
        [] => true,
        [s, rest @ ..] => {
            (*s == "secure" || *s == "services") && rest.first().is_none_or(|l| *l == "login")
        }
    };
    if !on_the_way {
        return None;
    }
    if include {
        return Some("it has an `include`, which brings in text the tool cannot see");
    }
    if text.contains("\\u") {
        return Some("it has a `\\u` escape, which can spell a key the tool cannot read");
    }
    None
}

/// `s` lower-cased with its quotes dropped.
fn unquoted(s: &str) -> String {
    s.chars()
        .filter(|&c| c != '"')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The tokens of a text: runs of ASCII letters, digits, `_` and `-`.
fn tokens(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .filter(|t| !t.is_empty())
}

/// Whether [`tokens`]`(`[`unquoted`]`(text))` holds `sso`, and `include`: the same tokens read
/// byte by byte (a quote joins what is around it, every other byte outside a token, a UTF-8
/// one included, ends it), only as much of each kept as the longer word needs.
fn text_names_sso_include(text: &str) -> (bool, bool) {
    let (mut sso, mut include) = (false, false);
    let mut token = [0u8; 8];
    // The token's length so far (past `token`'s size only counted).
    let mut len = 0;
    let mut end = |len: usize, token: &[u8; 8]| match &token[..len.min(8)] {
        b"sso" if len == 3 => sso = true,
        b"include" if len == 7 => include = true,
        _ => {}
    };
    for &b in text.as_bytes() {
        if b == b'"' {
            continue;
        }
        if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' {
            if let Some(slot) = token.get_mut(len) {
                *slot = b.to_ascii_lowercase();
            }
            len += 1;
        } else if len > 0 {
            end(len, &token);
            len = 0;
        }
    }
    if len > 0 {
        end(len, &token);
    }
    (sso, include)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_files_that_may_set_sso_settings() {
        let sets = |path: &str, text: &str| sets_sso(path, text).is_some();
        // Every spelling of the key (pyhocon agrees: tests/conformance/config_files.rs).
        for text in [
            "login { sso { a: 1 } }",
            "login.sso.oauth_client.x.client_id = y",
            "\"login\" { \"sso\" { a: 1 } }",
            "login { \"\"\"sso\"\"\" { a: 1 } }",
            "login { s\"so\" { a: 1 } }",
            "login { SSO += { a: 1 } }",
        ] {
            assert!(sets("secure.conf", text), "{text}");
            assert!(sets("apiserver.conf", text), "anywhere: {text}");
        }
        assert!(sets(
            "services/login/sso.conf",
            "oauth_client.x.client_id: y"
        ));
        assert!(sets(
            "services/login.sso.conf",
            "oauth_client.x.client_id: y"
        ));
        // Text the tool cannot see, on the way to `login.sso` only.
        assert!(sets("services.conf", "include \"x.conf\""));
        assert!(sets("secure/login.conf", "include required(file(\"x\"))"));
        assert!(!sets("apiserver.conf", "include \"x.conf\""));
        assert!(sets("secure.conf", "login { \"\\u0073so\": 1 }"));
        // Not the key: other words, other sections, substitutions.
        assert!(!sets(
            "apiserver.conf",
            "auth { fixed_users { enabled: true } }"
        ));
        assert!(!sets(
            "secure.conf",
            "lossless: true, sso_like: 1, x-sso: 2"
        ));
        assert!(!sets("secure.conf", "login: ${?LOGIN}"));
    }

    #[test]
    fn one_pass_over_a_text_finds_the_tokens_a_split_finds() {
        for text in [
            "",
            "sso",
            "SSO",
            "s\"so\"",
            "\"sso\"x",
            "xsso sso-x sso_ ssox",
            "login{sso{a:1}}",
            "INCLUDE \"a.conf\"",
            "includes include_ in\"clude\"",
            "é sso é",
            "ssoé",
            "éinclude",
            "a\u{2028}sso",
            "incl\nude",
            "sso\n",
            "verylongtokenthatislongerthaneight sso",
            "ssossossossossossosso",
        ] {
            let split = unquoted(text);
            let want = (
                tokens(&split).any(|t| t == "sso"),
                tokens(&split).any(|t| t == "include"),
            );
            assert_eq!(text_names_sso_include(text), want, "{text:?}");
        }
    }
}
