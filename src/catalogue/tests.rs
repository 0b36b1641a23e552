//! Tests of the catalogue: every provider's and option's facts hold together.

use super::*;
use Section::Secure;
use ValueType::Str;

#[test]
fn every_required_and_derived_option_is_in_the_option_table() {
    for p in PROVIDERS {
        for name in p.required.iter().chain(p.derived.iter().map(|(o, _)| o)) {
            assert!(p.option(name).is_some(), "{}: {name}", p.key);
        }
        for name in p.optional {
            assert!(p.option(name).is_some(), "{}: optional {name}", p.key);
        }
        for (name, _) in p.examples {
            let string_option = p.option(name).is_some_and(|o| o.value_type == Str);
            assert!(
                p.input(name).is_some() || (p.required.contains(name) && string_option),
                "{}: example {name}",
                p.key
            );
        }
        let variants = p.variants.iter().flat_map(|v| v.derived);
        for v in p.variants {
            assert!(p.input(v.input).is_some(), "{}: variant {}", p.key, v.input);
        }
        for (_, template) in p.derived.iter().chain(variants) {
            for piece in template.split('{').skip(1) {
                let name = piece.split('}').next().unwrap();
                assert!(p.input(name).is_some(), "{}: {{{name}}}", p.key);
            }
        }
    }
}

#[test]
fn secure_options_are_the_documented_three() {
    let secure: Vec<_> = OAUTH_OPTIONS
        .iter()
        .filter(|o| o.section == Secure)
        .map(|o| o.name)
        .collect();
    assert_eq!(secure, ["client_id", "client_secret", "default_company"]);
    let saml: Vec<_> = SAML_OPTIONS
        .iter()
        .filter(|o| o.section == Secure)
        .map(|o| o.name)
        .collect();
    assert_eq!(saml, ["entity_id", "idp_metadata_file", "default_company"]);
}

#[test]
fn only_known_non_credential_options_have_public_values() {
    let oauth = |k: &str, o: &str| value_is_public(Some((Client::OAuth, k)), o);
    assert!(oauth("keycloak", "base_url"));
    assert!(oauth("keycloak", "groups.admins"));
    assert!(oauth("keycloak", "display_name"));
    assert!(value_is_public(None, "tenant_login"));
    // Credentials and everything in `secure`.
    assert!(!oauth("keycloak", "client_secret"));
    assert!(!oauth("keycloak", "client_id"));
    assert!(!oauth("keycloak", "default_company"));
    assert!(!value_is_public(
        Some((Client::Saml, "microsoft_ad")),
        "idp_metadata_file"
    ));
    // Misspelled options, unknown providers, a provider under the wrong client type.
    assert!(!oauth("keycloak", "client_secrett"));
    assert!(!oauth("keycloack", "base_url"));
    assert!(!value_is_public(
        Some((Client::Saml, "keycloak")),
        "base_url"
    ));
    assert!(!value_is_public(None, "client_secret"));
}

#[test]
fn misprints_name_real_providers_and_options() {
    for m in MISPRINTS {
        let written = provider(m.written).expect("written is a provider");
        let meant = provider(m.meant).expect("meant is a provider");
        assert_eq!((written.client, meant.client), (m.client, m.client));
        if let Affected::Only(names) = m.options {
            for name in names {
                assert!(meant.option(name).is_some(), "{name}");
            }
        }
    }
    let m = misprint(Client::OAuth, "ad_oauth", "default_company").unwrap();
    assert_eq!(m.meant, "azure_ad");
    // `ad_oauth` is a real provider: its own credentials and endpoints are not misprints.
    for option in [
        "client_id",
        "client_secret",
        "authorize_url",
        "access_token_url",
    ] {
        assert!(
            misprint(Client::OAuth, "ad_oauth", option).is_none(),
            "{option}"
        );
    }
    assert!(misprint(Client::Saml, "ad_oauth", "default_company").is_none());
    assert!(misprint(Client::OAuth, "azure_ad", "default_company").is_none());
}

#[test]
fn aliases_point_at_catalogue_keys_and_are_not_keys() {
    for (name, keys) in ALIASES {
        assert!(provider(name).is_none(), "{name} is a key, not an alias");
        assert!(!keys.is_empty());
        for k in *keys {
            assert!(provider(k).is_some(), "{name} -> {k}");
        }
    }
    assert_eq!(
        alias_help("azure").unwrap(),
        "ClearML's key is `azure_ad` (Azure AD (Microsoft Entra ID))"
    );
    assert!(alias_help("Microsoft")
        .unwrap()
        .starts_with("ClearML's keys are `azure_ad`"));
    assert_eq!(alias_help("keycloak"), None);
}

#[test]
fn value_rules_are_flags_on_the_options() {
    let flagged = |f: fn(&OptionSpec) -> bool| -> Vec<&str> {
        OAUTH_OPTIONS
            .iter()
            .chain(SAML_OPTIONS)
            .chain(GLOBAL_OPTIONS)
            .filter(|o| f(o))
            .map(|o| o.name)
            .collect()
    };
    assert_eq!(flagged(|o| o.trailing_slash), ["base_url"]);
    assert_eq!(flagged(|o| o.mounted_file), ["idp_metadata_file"]);
    assert_eq!(flagged(|o| o.secret), ["client_secret"]);
}

#[test]
fn derive_fills_templates_from_normalized_inputs() {
    let kc = provider("keycloak").unwrap();
    let got = kc
        .derive(&[("url", "https://sso.example.com//"), ("realm", "clearml")])
        .unwrap();
    assert!(got.notes.is_empty(), "trailing slashes go silently");
    let got: Vec<(&str, &str)> = got
        .options
        .iter()
        .map(|(o, v)| (o.name, v.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("base_url", "https://sso.example.com/realms/clearml/"),
            (
                "authorize_url",
                "https://sso.example.com/realms/clearml/protocol/openid-connect/auth"
            ),
            (
                "access_token_url",
                "https://sso.example.com/realms/clearml/protocol/openid-connect/token"
            ),
        ]
    );
    // A host loses its scheme and slashes; a default fills a missing input.
    let okta = provider("okta").unwrap();
    for (domain, server) in [
        ("https://x.okta.com/oauth2/v1", None),
        ("x.okta.com", Some("ORG")),
    ] {
        let mut given = vec![("domain", domain)];
        given.extend(server.map(|s| ("authorization_server", s)));
        assert!(
            matches!(okta.derive(&given), Err(DeriveError::Invalid { ref write, .. }) if write.as_deref() == Some("org")),
            "{domain} {server:?}"
        );
    }
    let got = okta.derive(&[("domain", "https://x.okta.com/")]).unwrap();
    assert_eq!(got.options[0].1, "https://x.okta.com/oauth2/default/");
    assert_eq!(got.notes.len(), 1, "the scheme dropped is said");
    // Nothing given, nothing derived; a needed input missing or empty is an error.
    assert_eq!(kc.derive(&[]), Ok(Derivation::default()));
    assert_eq!(
        kc.derive(&[("url", "https://sso")]),
        Err(DeriveError::Missing(kc.input("realm").unwrap()))
    );
    assert_eq!(
        okta.derive(&[("domain", "https://")]),
        Err(DeriveError::Empty(okta.input("domain").unwrap()))
    );
}

#[test]
fn input_kinds_normalise_or_refuse() {
    use InputKind::*;
    let ok = |k: InputKind, raw: &str| k.normalize(raw).map(|n| n.value);
    let bad = |k: InputKind, raw: &str| match k.normalize(raw) {
        Err(InputError::Invalid { write, .. }) => write,
        other => panic!("{raw}: {other:?}"),
    };
    assert_eq!(ok(Host, "x.okta.com"), Ok("x.okta.com".into()));
    assert_eq!(ok(Host, "https://x.okta.com/"), Ok("x.okta.com".into()));
    assert_eq!(ok(Host, "localhost:8443"), Ok("localhost:8443".into()));
    assert_eq!(bad(Host, "http://x.okta.com"), Some("x.okta.com".into()));
    assert_eq!(
        bad(Host, "x.okta.com/oauth2/aus1"),
        Some("x.okta.com".into())
    );
    assert_eq!(bad(Host, "x .okta.com"), Some("x.okta.com".into()));
    assert_eq!(Host.normalize("https://"), Err(InputError::Empty));
    assert_eq!(
        ok(Url, "https://sso.example.com/auth/"),
        Ok("https://sso.example.com/auth".into())
    );
    assert_eq!(ok(Url, "http://kc:8080"), Ok("http://kc:8080".into()));
    assert_eq!(
        bad(Url, "sso.example.com"),
        Some("https://sso.example.com".into())
    );
    assert_eq!(bad(Url, "ftp://sso"), Some("https://sso".into()));
    assert_eq!(bad(Url, "https://sso/?x=1"), Some("https://sso".into()));
    assert_eq!(bad(Url, "https:///x"), None);
    assert_eq!(Url.normalize("https://"), Err(InputError::Empty));
    assert_eq!(ok(Segment, "clearml/"), Ok("clearml".into()));
    assert_eq!(bad(Segment, "my realm"), None);
    assert_eq!(bad(Segment, "a/b"), None);
    assert_eq!(bad(Segment, ".."), None);
    assert_eq!(Segment.normalize(""), Err(InputError::Empty));
    for t in [
        "contoso.onmicrosoft.com",
        "organizations",
        "72f988bf-86f1-41af-91ab-2d7cd011db47",
    ] {
        assert_eq!(ok(Tenant, t), Ok(t.to_string()));
    }
    assert_eq!(bad(Tenant, "contoso"), None);
}

#[test]
fn pasted_urls_split_into_inputs_and_variants_switch_templates() {
    let kc = provider("keycloak").unwrap();
    let got = kc
        .derive(&[("url", "https://sso/auth/realms/clearml/")])
        .unwrap();
    assert_eq!(got.options[0].1, "https://sso/auth/realms/clearml/");
    assert_eq!(got.notes.len(), 1);
    assert!(matches!(
        kc.derive(&[("url", "https://sso/realms/a"), ("realm", "b")]),
        Err(DeriveError::Conflict { ref in_url, ref given, .. }) if in_url == "a" && given == "b"
    ));
    // The fixed part with nothing after it, or in another case: refused, not doubled.
    for url in [
        "https://sso/realms/",
        "https://sso/realms//",
        "https://sso/REALMS/clearml",
    ] {
        assert!(
            matches!(
                kc.derive(&[("url", url), ("realm", "x")]),
                Err(DeriveError::Invalid { .. })
            ),
            "{url}"
        );
    }
    let okta = provider("okta").unwrap();
    let got = okta
        .derive(&[("domain", "https://x.okta.com/oauth2/aus1")])
        .unwrap();
    assert_eq!(
        got.options[1].1,
        "https://x.okta.com/oauth2/aus1/v1/authorize"
    );
    let got = okta
        .derive(&[("domain", "x.okta.com"), ("authorization_server", "org")])
        .unwrap();
    let urls: Vec<&str> = got.options.iter().map(|(_, v)| v.as_str()).collect();
    assert_eq!(
        urls,
        [
            "https://x.okta.com/",
            "https://x.okta.com/oauth2/v1/authorize",
            "https://x.okta.com/oauth2/v1/token"
        ]
    );
    let az = provider("azure_ad").unwrap();
    let got = az
        .derive(&[(
            "tenant",
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0",
        )])
        .unwrap();
    assert_eq!(
        got.options[0].1,
        "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize"
    );
}

#[test]
fn examples_come_from_provider_option_or_type() {
    let kc = provider("keycloak").unwrap();
    assert_eq!(kc.example("realm"), "\"<realm>\"");
    assert_eq!(kc.example("claims.name"), "\"preferred_username\"");
    assert_eq!(kc.example("groups.admins"), "[\"clearml-admins\"]");
    assert_eq!(kc.example("admin_role"), "\"...\"");
    assert_eq!(
        provider("okta").unwrap().example("authorization_server"),
        "\"default\""
    );
    assert_eq!(provider("duo").unwrap().example("claims.name"), "\"...\"");
}

#[test]
fn callback_strips_trailing_slash() {
    assert_eq!(
        callback_url("https://app.x/", "keycloak"),
        "https://app.x/callback_keycloak"
    );
}
