//! What counts as a placeholder in a policy: the one list. A policy value that is one (a
//! provider input such as Okta's `domain`, or a literal option value, each list item too) is
//! refused by every command that loads the policy, at its `FILE:LINE:COLUMN` with what to fill
//! in; `explain` lists them as to-do items instead (see `load::parse_draft`). `init` writes
//! such placeholders (the catalogue's `Provider::example`), so that an unedited starter never
//! renders; the documentation's and the catalogue's own example values count too, so that a
//! policy copied from them is refused the same way. docs/policy.md states the rule.
//!
//! It must not judge a manifest's values (that is `[secrets] placeholders`, through
//! `clearml::judge`), nor read anything but the one value it is given.

/// Placeholders found in ClearML's docs and in charts (`<AUTH0_CLIENT_SECRET>`, `changeme`…):
/// case-insensitive globs on a whole value. The default of `[secrets] placeholders` (for the
/// values a manifest carries), and part of the policy's own rule ([`why`]). `todo`, `replace`
/// and `xxx` count alone or followed by a character that is no letter or digit (`TODO: set`,
/// `replace_me`, `xxx-xxx`, `xxxx`), so that real names that begin with them (`todoist`,
/// `xxxlutz.okta.com`, a realm named `replacements`) are not placeholders.
pub const DEFAULT_PLACEHOLDERS: &[&str] = &[
    "<*>",
    "changeme",
    "change_me",
    "change-me",
    "todo",
    "todo[!a-z0-9]*",
    "replace",
    "replaceme",
    "replace[!a-z0-9]*",
    "xxx",
    "xxx[!a-wyz0-9]*",
];

/// Domains reserved for documentation (RFC 2606, RFC 6761): the domain itself and every name
/// under it. `.test` is not here: it is reserved for testing, and real test installations use it.
const EXAMPLE_DOMAINS: &[&str] = &["example.com", "example.net", "example.org"];
/// The domains of Microsoft's sample companies, which its Entra ID and AD FS docs use for
/// every host and tenant (`adfs.contoso.com`, `fs.fabrikam.com`, tenant `contoso.com`): the
/// domain itself and every name under it.
const SAMPLE_DOMAINS: &[&str] = &["contoso.com", "fabrikam.com"];
/// Top-level domains reserved for documentation or guaranteed not to resolve.
const EXAMPLE_TLDS: &[&str] = &["example", "invalid"];
/// The sample organisations of the identity providers' own documentation (Microsoft's Contoso
/// and Fabrikam, everyone's `example`) — a placeholder only as the first label of the
/// provider's hosted domain below, so that a real company's own `example.acme.io` host is not.
const SAMPLE_ORGS: &[&str] = &["example", "contoso", "fabrikam"];
/// The hosted domains of the catalogue's providers whose first label is the customer's
/// organisation (`<org>.okta.com`, `<tenant>.eu.auth0.com`, `<tenant>.onmicrosoft.com`).
const HOSTED_DOMAINS: &[&str] = &[
    "okta.com",
    "oktapreview.com",
    "okta-emea.com",
    "auth0.com",
    "onmicrosoft.com",
    "amazoncognito.com",
];
/// Exact host names earlier versions of `init` and the catalogue wrote as examples.
const SAMPLE_HOSTS: &[&str] = &["clearml.auth.eu-west-1.amazoncognito.com"];
/// Words that, as a whole host label or URL path segment, mark a value to fill in (`ENV_ID`
/// in `https://auth.pingone.com/ENV_ID/as/authorize`, ClearML's Ping Identity example).
const FILL_IN_WORDS: &[&str] = &[
    "changeme",
    "change-me",
    "change_me",
    "env_id",
    "tenant_id",
    "tenant-id",
    "yourcompany",
    "yourdomain",
    "youroktadomain",
    "yourorg",
    "yourtenant",
];

/// Why `value` is a placeholder (the reason, for the message), or `None` when it is not one.
///
/// The rule, case-insensitive, in this order:
/// 1. it has `<` with a `>` after it (`<your-org>.okta.com`, `https://<adfs-host>/…`), or `{`
///    with a `}` after it (`{yourOktaDomain}`, `…/{tenant}/oauth2/…`, the providers' docs');
/// 2. it is a whole-value match of [`DEFAULT_PLACEHOLDERS`] (`changeme`, `todo…`, `xxx…`), or
///    only dots (`...`, `…`);
/// 3. its host name (the value itself, or the host of a URL), or a segment of its path, is a
///    documentation domain (`example.com`, `example.net`, `example.org`, anything under them,
///    or under `.example`, `.invalid`), one of the identity providers' sample organisations as
///    the first label of their hosted domain (`example.okta.com`, `contoso.onmicrosoft.com`,
///    `example.eu.auth0.com`, also as the tenant in `https://login.microsoftonline.com/…`), a
///    host an earlier starter wrote (`clearml.auth.eu-west-1.amazoncognito.com`), or a
///    documentation GUID (all zeros, or Microsoft's `aaaabbbb-0000-cccc-1111-dddd2222eeee`);
/// 4. a host label or path segment is a fill-in word (`CHANGE-ME`, `ENV_ID`, `your-…`,
///    `your_…`, `yourcompany`…).
///
/// A real tenant GUID, a real organisation named `example` anywhere but as the first label of
/// a hosted identity-provider domain, and `.test` hosts are not placeholders.
pub fn why(value: &str) -> Option<&'static str> {
    why_for(value, false)
}

/// [`why`] for a credential (`client_secret`): a generated secret may hold any character, so
/// a `<`…`>` or `{`…`}` counts only around a name (`<client-secret>`, `{clientSecret}`,
/// `<AUTH0_CLIENT_SECRET>`), not around random characters (`k9<Tq~3>zP`).
pub fn why_secret(value: &str) -> Option<&'static str> {
    why_for(value, true)
}

fn why_for(value: &str, secret: bool) -> Option<&'static str> {
    let v = value.trim().to_ascii_lowercase();
    if marked(&v, '<', '>', secret) {
        return Some("`<…>` marks a value to fill in");
    }
    // `{yourOktaDomain}`, `https://{yourDomain}/…`, `…/{tenant}/oauth2/…`: the identity
    // providers' own documentation marks what to fill in with braces, as this tool does with
    // `<…>`; no host, realm, tenant or URL of theirs holds one.
    if marked(&v, '{', '}', secret) {
        return Some("`{…}` marks a value to fill in");
    }
    if default_globs().is_match(&v) || (!v.is_empty() && v.chars().all(|c| c == '.' || c == '…'))
    {
        return Some("it is a fill-in word such as `changeme`, `todo` or `...`");
    }
    // The host: after a scheme, before a path, port or user part.
    let rest = v.split_once("://").map_or(v.as_str(), |(_, r)| r);
    let mut parts = rest.split(['/', '?', '#']);
    let authority = parts.next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    let host = host.split(':').next().unwrap_or_default();
    if let Some(why) = host_reason(host) {
        return Some(why);
    }
    // A path segment can be a host or tenant too: the tenant in Azure's issuer and endpoint
    // URLs (`https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0`), which the
    // `tenant` input accepts and splits, or a tenant ID the input's trailing `/` is dropped from.
    if let Some(why) = parts.find_map(host_reason) {
        return Some(why);
    }
    let words = rest.split(['.', '/', ':', '?', '#', '&', '=', '@']);
    for word in words {
        if FILL_IN_WORDS.contains(&word) || word.starts_with("your-") || word.starts_with("your_") {
            return Some("it holds a fill-in word such as `your-…`, `CHANGE-ME` or `ENV_ID`");
        }
    }
    None
}

/// Whether `v` has `open` with `close` after it; for a credential (`name_only`), only around a
/// name: letters alone, or letters, digits and `-`, `_`, `.`, spaces with a `-`, `_` or space.
fn marked(v: &str, open: char, close: char, name_only: bool) -> bool {
    if !name_only {
        return v.find(open).is_some_and(|i| v[i..].contains(close));
    }
    v.split(open).skip(1).any(|after| {
        after.split_once(close).is_some_and(|(name, _)| {
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ' '))
                && (name.chars().all(|c| c.is_ascii_alphabetic()) || name.contains(['-', '_', ' ']))
        })
    })
}

/// [`DEFAULT_PLACEHOLDERS`] as case-insensitive globs: the default `[secrets] placeholders` and
/// the fill-in-word rule above. Built once per process: [`why`] runs on every policy value.
pub(super) fn default_globs() -> &'static super::Globs {
    static GLOBS: std::sync::LazyLock<super::Globs> = std::sync::LazyLock::new(|| {
        super::Globs::new_caseless(DEFAULT_PLACEHOLDERS.iter().map(|s| s.to_string()).collect())
            .expect("valid defaults")
    });
    &GLOBS
}

/// Why `name` (lower-case; a host, or one URL path segment) is a placeholder: a documentation
/// GUID, a documentation domain, a sample organisation of a hosted identity-provider domain,
/// or a host an earlier starter wrote.
fn host_reason(name: &str) -> Option<&'static str> {
    // A non-ASCII spelling is judged as the host it names (UTS #46, as browsers and requests
    // map it): full-width letters, ideographic dots and invisible characters fold away.
    let mapped;
    let name = match name.is_ascii() {
        true => name,
        false => match idna::domain_to_ascii(name) {
            Ok(ascii) => {
                mapped = ascii;
                &mapped
            }
            Err(_) => name,
        },
    };
    let host = name.trim_end_matches('.');
    if is_documentation_guid(host) {
        return Some("it is the all-zero GUID or a documentation GUID like `aaaabbbb-0000-cccc-…`, never a tenant's");
    }
    if !host.contains('.') {
        return None;
    }
    if EXAMPLE_DOMAINS.iter().any(|d| under(host, d))
        || EXAMPLE_TLDS
            .iter()
            .any(|t| host.strip_suffix(t).is_some_and(|h| h.ends_with('.')))
    {
        return Some("it is a domain reserved for documentation");
    }
    if SAMPLE_DOMAINS.iter().any(|d| under(host, d)) {
        return Some("it is the domain of Microsoft's documentation examples");
    }
    let (first, tail) = host.split_once('.').unwrap_or((host, ""));
    if SAMPLE_ORGS.contains(&first) && HOSTED_DOMAINS.iter().any(|d| under(tail, d)) {
        return Some("it is the identity provider's documentation example");
    }
    if SAMPLE_HOSTS.contains(&host) {
        return Some("it is the example an earlier `clearml-sso init` wrote");
    }
    None
}

/// The GUIDs documentation shows: all zeros, and Microsoft's documentation GUIDs
/// (`aaaabbbb-0000-cccc-1111-dddd2222eeee`, `00001111-aaaa-2222-bbbb-3333cccc4444`), whose
/// every group is made of runs of four equal digits. A real GUID is random (and a v4 one has
/// its version digit `4` alone at the start of the third group), so it never is.
fn is_documentation_guid(s: &str) -> bool {
    s.split('-').map(str::len).eq([8, 4, 4, 4, 12])
        && s.split('-').all(|g| {
            g.as_bytes()
                .chunks(4)
                .all(|run| run[0].is_ascii_hexdigit() && run.iter().all(|c| *c == run[0]))
        })
}

/// Whether `host` is `domain` or a name under it.
fn under(host: &str, domain: &str) -> bool {
    host.strip_suffix(domain)
        .is_some_and(|h| h.is_empty() || h.ends_with('.'))
}

#[cfg(test)]
mod tests {
    use super::{default_globs, why, why_secret};

    #[test]
    fn the_defaults_need_no_compiled_globset() {
        // Compiling a GlobSet costs about a million instructions; `why` runs on every value.
        assert!(default_globs().is_direct());
    }

    #[test]
    fn starters_docs_and_catalogue_examples_are_placeholders() {
        for v in [
            "<your-org>.okta.com",
            "https://<keycloak-host>",
            "<realm>",
            "CHANGE-ME",
            "changeme",
            "...",
            "TODO",
            "TODO: fill in",
            "todo.okta.com",
            "replace_me",
            "REPLACEME",
            "replace-with-your-realm",
            "xxx",
            "XXXX",
            "xxx-xxx",
            "xxxxxxxx.okta.com",
            "example.okta.com",
            "EXAMPLE.okta.com",
            "example.eu.auth0.com",
            "https://example.eu.auth0.com/api/v2/",
            "contoso.onmicrosoft.com",
            "fabrikam.onmicrosoft.com",
            "https://sso.example.com",
            "https://adfs.example.com/adfs/oauth2/authorize",
            "example.org",
            "kc.example.net:8443",
            "https://user@sso.example.com:8443/auth",
            "idp.corp.example",
            "https://auth.pingone.com/ENV_ID/as/authorize",
            "your-org.okta.com",
            "https://CHANGE-ME.acme.io/realms/x",
            "clearml.auth.eu-west-1.amazoncognito.com",
            "00000000-0000-0000-0000-000000000000",
            // The tenant in Azure's issuer and endpoint URLs, which `tenant` accepts and splits.
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0",
            "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0",
            "https://login.microsoftonline.com/Contoso.onmicrosoft.com/oauth2/v2.0/authorize",
            // The trailing `/` the tenant input drops.
            "00000000-0000-0000-0000-000000000000/",
            // Microsoft's documentation GUIDs.
            "aaaabbbb-0000-cccc-1111-dddd2222eeee",
            "00001111-AAAA-2222-BBBB-3333CCCC4444",
            // Microsoft's AD FS and Entra docs.
            "https://adfs.contoso.com/adfs/oauth2/authorize",
            "fs.fabrikam.com",
            "contoso.com",
            // The providers' own `{…}` placeholders.
            "{yourOktaDomain}",
            "https://${yourOktaDomain}/oauth2/default",
            "yourOktaDomain",
            "{yourDomain}",
            "{realm}",
            "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize",
            "https://auth.pingone.com/{envId}/as/authorize",
        ] {
            assert!(why(v).is_some(), "{v}");
        }
    }

    #[test]
    fn a_credential_is_a_placeholder_only_for_a_marker_around_a_name() {
        for v in [
            "<client-secret>",
            "<AUTH0_CLIENT_SECRET>",
            "{clientSecret}",
            "${CLIENT_SECRET}",
            "changeme",
        ] {
            assert!(why_secret(v).is_some(), "{v}");
        }
        // Generated secrets with symbols: `<`, `>`, `{`, `}` among random characters.
        for v in [
            "k9<Tq~3>zP8w",
            "a{8f!Qz}b",
            "Zq<3x9>Lm",
            "x}y{z",
            "p<>q",
            "8Q~a.b_c-D",
        ] {
            assert_eq!(why_secret(v), None, "{v}");
        }
        assert!(why("k9<Tq~3>zP8w").is_some());
    }

    #[test]
    fn a_non_ascii_spelling_of_a_placeholder_host_is_one() {
        for host in [
            "ｅｘａｍｐｌｅ.okta.com",
            "example。okta。com",
            "example.okta.com\u{200b}",
            "exa\u{ad}mple.okta.com",
            "EXAMPLE．OKTA．COM",
        ] {
            assert!(why(host).is_some(), "{host:?}");
        }
        // A real internationalised host is not.
        assert_eq!(why("münchen.okta.com"), None);
    }

    #[test]
    fn real_values_that_look_alike_are_not() {
        for v in [
            "acme.okta.com",
            "acme.eu.auth0.com",
            "acmecorp.onmicrosoft.com",
            // A real tenant GUID, a company's own `example` host, a `.test` installation.
            "72f988bf-86f1-41af-91ab-2d7cd011db47",
            "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0",
            "https://login.microsoftonline.com/acmecorp.onmicrosoft.com/oauth2/v2.0/authorize",
            "https://login.microsoftonline.com/common/v2.0",
            // A v4 GUID with runs of equal digits in some groups only.
            "aaaabbbb-0000-4ccc-8111-dddd2222eeee",
            "example.acme.io",
            "https://sso.example.acme.io/realms/example",
            "https://sso.acme.test",
            "clearml",
            "default",
            "common",
            "https://auth.pingone.com/2f7a1c4e-5b6d-4e8f-9a0b-1c2d3e4f5a6b/as/authorize",
            "d1bd92a3b039400cbafc60a7a5b1e52b",
            "preferred_username",
            "/opt/clearml/config/metadata.xml",
            "yours.acme.io",
            "https://adfs.contosoltd.com/adfs/oauth2/authorize",
            "notcontoso.com",
            // Real names that begin with a fill-in word.
            "xxxlutz.okta.com",
            "todoist.okta.com",
            "xxxlutz.onmicrosoft.com",
            "replacements",
            "todoist-prod.auth.us-east-1.amazoncognito.com",
            "",
        ] {
            assert_eq!(why(v), None, "{v}");
        }
    }
}
