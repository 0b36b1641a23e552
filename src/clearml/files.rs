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
    // The text lower-cased with its quotes dropped, split into its tokens; the file's text is
    // prepared once for both words and split without keeping its tokens (a config file of many
    // sections is read for every targeted container).
    let unquoted = |s: &str| -> String {
        let mut out = String::with_capacity(s.len());
        out.extend(
            s.chars()
                .filter(|&c| c != '"')
                .map(|c| c.to_ascii_lowercase()),
        );
        out
    };
    fn tokens(s: &str) -> impl Iterator<Item = &str> {
        s.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .filter(|t| !t.is_empty())
    }
    let key = relative.strip_suffix(".conf").unwrap_or(relative);
    let key = unquoted(key);
    let path: Vec<&str> = tokens(&key).collect();
    if path.contains(&"sso") {
        return Some("its path names an `sso` key");
    }
    let text_tokens = unquoted(text);
    if tokens(&text_tokens).any(|t| t == "sso") {
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
    if tokens(&text_tokens).any(|t| t == "include") {
        return Some("it has an `include`, which brings in text the tool cannot see");
    }
    if text.contains("\\u") {
        return Some("it has a `\\u` escape, which can spell a key the tool cannot read");
    }
    None
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
}
