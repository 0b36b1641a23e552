//! Tests of reading a policy file: what each table yields, and the place, message and help
//! of each problem. The leaves (`glob`, `suggest`) test themselves.

use super::*;
use crate::clearml::values::Literal;

const KEYCLOAK: &str = r#"version = 1
[providers.keycloak]
client_id     = { secret = "clearml-sso", key = "keycloak_client_id" }
client_secret = { secret = "clearml-sso", key = "keycloak_client_secret" }
url   = "https://sso.acme.test/"
realm = "clearml"
idp_logout = true
[providers.keycloak.groups]
enabled = true
admins = ["clearml-admins"]
"#;

fn err(text: &str) -> String {
    parse(text, "p.toml").unwrap_err().to_string()
}

#[test]
fn default_placeholders_match_as_documented() {
    // Any pattern matching is a match; none is no match.
    let defaults = SecretsPolicy::default().placeholders;
    assert!(defaults.is_match("<AUTH0_CLIENT_SECRET>") && defaults.is_match("ChangeMe"));
    assert!(!defaults.is_match("s3cr3t"));
}

#[test]
fn a_missing_key_gets_help_for_that_key() {
    // The URLs are derived here: the help asks for the credentials only.
    let e = err("version = 1\n[providers.keycloak]\nurl = \"https://k\"\nrealm = \"r\"\n");
    assert!(
        e.contains(
            "help: add client_id = \"...\", client_secret = { secret = \"NAME\", key = \"KEY\" }"
        ),
        "{e}"
    );
    assert!(!e.contains("derived"), "{e}");
    // Credentials and URLs both missing: each gets its own help, and the grammar fits.
    let e = err("version = 1\n[providers.okta]\nclient_secret = { secret = \"s\", key = \"k\" }\n");
    assert!(e.contains("required for an Okta login"), "{e}");
    assert!(
        e.contains("help: add client_id = \"...\"; `base_url`, `authorize_url`, `access_token_url` can be derived: set `domain` and `authorization_server`"),
        "{e}"
    );
    let e =
        err("version = 1\n[providers.google]\nclient_secret = { secret = \"s\", key = \"k\" }\n");
    assert!(e.contains("required for a Google login"), "{e}");
    assert!(e.contains("help: add client_id = "), "{e}");
}

#[test]
fn keycloak_urls_are_derived() {
    let p = parse(KEYCLOAK, "p.toml").unwrap();
    let kc = &p.providers[0];
    let get = |n: &str| {
        kc.settings
            .iter()
            .find(|s| s.option.name == n)
            .unwrap()
            .value
            .clone()
    };
    assert_eq!(
        get("base_url"),
        Value::Literal(Literal::Str("https://sso.acme.test/realms/clearml/".into()))
    );
    assert_eq!(
        get("access_token_url"),
        Value::Literal(Literal::Str(
            "https://sso.acme.test/realms/clearml/protocol/openid-connect/token".into()
        ))
    );
    assert_eq!(
        get("groups.admins"),
        Value::Literal(Literal::List(vec!["clearml-admins".into()]))
    );
}

#[test]
fn explicit_option_wins_over_derived() {
    let text = KEYCLOAK.replace(
        "idp_logout = true",
        "idp_logout = true\nbase_url = \"https://other/\"",
    );
    let p = parse(&text, "p.toml").unwrap();
    let s = p.providers[0]
        .settings
        .iter()
        .find(|s| s.option.name == "base_url")
        .unwrap();
    assert_eq!(
        s.value,
        Value::Literal(Literal::Str("https://other/".into()))
    );
    assert!(!s.derived);
}

#[test]
fn typo_points_at_line_and_suggests() {
    let e = err(&KEYCLOAK.replace("realm =", "relam ="));
    assert!(
        e.contains("p.toml:6:1: error: unknown key `relam` in [providers.keycloak]"),
        "{e}"
    );
    assert!(e.contains("did you mean `realm`?"), "{e}");
}

#[test]
fn wrong_type_and_missing_input() {
    let e = err(&KEYCLOAK.replace(
        "admins = [\"clearml-admins\"]",
        "admins = \"clearml-admins\"",
    ));
    assert!(
        e.contains(
            "p.toml:10:10: error: providers.keycloak.groups.admins must be an array of strings"
        ),
        "{e}"
    );
    assert!(e.contains("[\"clearml-admins\"]"), "{e}");
    let e = err(&KEYCLOAK.replace("realm = \"clearml\"\n", ""));
    assert!(e.contains("`realm` (Keycloak realm name) is needed"), "{e}");
}

#[test]
fn empty_input_is_refused() {
    // `https://` is a host with nothing left once the scheme is stripped: the derived
    // URLs would be `https:///oauth2/token`.
    let e = err("version = 1\n[providers.cognito]\nclient_id = \"x\"\nclient_secret = \"y\"\ndomain = \"https://\"\n[enforce]\nplaintext_secrets = \"allow\"\n");
    assert!(
        e.contains(
            "p.toml:5:10: error: providers.cognito.domain (Cognito user-pool domain) is empty"
        ),
        "{e}"
    );
    let e = err(&KEYCLOAK.replace("realm = \"clearml\"", "realm = \"\""));
    assert!(
        e.contains("providers.keycloak.realm (Keycloak realm name) is empty"),
        "{e}"
    );
}

#[test]
fn missing_required_option() {
    let e = err("version = 1\n[providers.auth0]\nclient_id = \"x\"\ndomain = \"t.auth0.com\"\n");
    assert!(
        e.contains("[providers.auth0] is missing `client_secret`, `audience`"),
        "{e}"
    );
}

#[test]
fn unknown_provider_and_enum_values() {
    let e = err("version = 1\n[providers.keycloack]\n");
    assert!(e.contains("did you mean `keycloak`?"), "{e}");
    let e = err(&format!("{KEYCLOAK}[enforce]\nmode = \"fixx\"\n"));
    assert!(
        e.contains("enforce.mode = \"fixx\" is not one of \"fix\", \"audit\""),
        "{e}"
    );
}

#[test]
fn enforce_warnings_is_read_and_a_bad_value_points_at_it() {
    let p = parse(KEYCLOAK, "p.toml").unwrap();
    assert_eq!(
        p.enforce.warnings,
        Warnings::Allow,
        "warnings pass by default"
    );
    let p = parse(
        &format!("{KEYCLOAK}[enforce]\nwarnings = \"deny\"\n"),
        "p.toml",
    )
    .unwrap();
    assert_eq!(p.enforce.warnings, Warnings::Deny);
    let text = format!("{KEYCLOAK}[enforce]\nwarnings = \"error\"\n");
    let line = text.lines().count();
    let e = err(&text);
    assert!(
        e.contains(&format!(
            "p.toml:{line}:12: error: enforce.warnings = \"error\" is not one of \"allow\", \"deny\""
        )),
        "{e}"
    );
    let e = err(&format!("{KEYCLOAK}[enforce]\nwarning = \"deny\"\n"));
    assert!(e.contains("did you mean `warnings`?"), "{e}");
}

#[test]
fn provider_aliases_name_clearmls_key() {
    let e = err("version = 1\n[providers.azure]\nclient_id = \"x\"\n");
    assert!(
        e.contains("p.toml:2:12: error: `[providers.azure]`: ClearML's key is `azure_ad` (Azure AD (Microsoft Entra ID))"),
        "{e}"
    );
    assert!(
        e.contains("help: a provider table's name is ClearML's provider key; one of: keycloak,"),
        "{e}"
    );
    for (alias, key) in [
        ("entra", "azure_ad"),
        ("aws_cognito", "cognito"),
        ("adfs", "ad_oauth"),
    ] {
        let e = err(&format!("version = 1\n[providers.{alias}]\n"));
        assert!(
            e.contains(&format!("`[providers.{alias}]`: ClearML's key is `{key}`")),
            "{e}"
        );
    }
    let e = err("version = 1\n[providers.microsoft]\n");
    assert!(
        e.contains("ClearML's keys are `azure_ad` (Azure AD (Microsoft Entra ID)), `ad_oauth` (Microsoft AD (OAuth)), `microsoft_ad` (Microsoft AD / Azure (SAML))"),
        "{e}"
    );
}

#[test]
fn default_target_finds_every_chart_versions_apiserver() {
    let t = Target::default();
    // Public chart 5.0+ and Enterprise: container `clearml-apiserver`; 2.0–4.4: `clearml`.
    assert!(t.selects_workload("Deployment", "clearml-apiserver"));
    assert!(t.selects_container("clearml-apiserver"));
    assert!(t.selects_container("clearml"));
    // The async-delete twin (container `clearml` or `clearml-apiserver`) is not selected.
    assert!(!t.selects_workload("Deployment", "clearml-apiserver-asyncdelete"));
    assert!(!t.selects_workload("Deployment", "clearml-webserver"));
    assert!(!t.selects_container("clearml-sidecar"));
}

#[test]
fn syntax_error_has_position() {
    let e = err("version = 1\n[providers.keycloak\n");
    assert!(e.starts_with("p.toml:2:"), "{e}");
}

#[test]
fn missing_version() {
    let e = err(&KEYCLOAK.replace("version = 1\n", ""));
    assert!(e.contains("missing `version = 1`"), "{e}");
}

/// A policy of one provider with literal credentials, and `body` in its table.
fn one(provider: &str, body: &str) -> String {
    format!("version = 1\n[enforce]\nplaintext_secrets = \"allow\"\n[providers.{provider}]\nclient_id = \"i\"\nclient_secret = \"s\"\n{body}")
}

/// The desired value labelled `label` (`keycloak.base_url`).
fn desired(p: &Policy, label: &str) -> String {
    let d = p.desired.iter().find(|d| d.label == label).unwrap();
    match &d.value {
        Value::Literal(Literal::Str(s)) => s.clone(),
        other => panic!("{label}: {other:?}"),
    }
}

fn notes(p: &Policy) -> String {
    p.notes_text()
}

#[test]
fn keycloak_url_with_realm_path_is_split() {
    // The realm's issuer URL in `url`: the realm is read from it, or must agree with it.
    for body in [
        "url = \"https://sso.acme.test/realms/clearml/\"\n",
        "url = \"https://sso.acme.test/realms/clearml\"\nrealm = \"clearml\"\n",
    ] {
        let p = parse(&one("keycloak", body), "p.toml").unwrap();
        assert_eq!(
            desired(&p, "keycloak.base_url"),
            "https://sso.acme.test/realms/clearml/"
        );
        assert_eq!(
            desired(&p, "keycloak.authorize_url"),
            "https://sso.acme.test/realms/clearml/protocol/openid-connect/auth"
        );
        assert!(
            notes(&p).starts_with(
                "p.toml:7:7: note: providers.keycloak.url = \"https://sso.acme.test/realms/clearml"
            ),
            "{}",
            notes(&p)
        );
        assert!(notes(&p).contains("of the form `{url}/realms/{realm}`: read as url = \"https://sso.acme.test\", realm = \"clearml\""), "{}", notes(&p));
    }
    let e = err(&one(
        "keycloak",
        "url = \"https://sso/realms/a\"\nrealm = \"b\"\n",
    ));
    assert_eq!(
        e,
        "p.toml:7:7: error: providers.keycloak.url = \"https://sso/realms/a\" names realm \"a\", but providers.keycloak.realm = \"b\"\n  help: write `url` without the `realm` part, and the Keycloak realm name once, in `realm`"
    );
}

#[test]
fn keycloak_url_without_scheme_and_bad_realms_are_refused() {
    let e = err(&one(
        "keycloak",
        "url = \"sso.acme.test\"\nrealm = \"clearml\"\n",
    ));
    assert_eq!(
        e,
        "p.toml:7:7: error: providers.keycloak.url = \"sso.acme.test\" has no scheme (https:// or http://)\n  help: write url = \"https://sso.acme.test\""
    );
    let e = err(&one("keycloak", "url = \"https://sso\"\nrealm = \"\"\n"));
    assert_eq!(
        e,
        "p.toml:8:9: error: providers.keycloak.realm (Keycloak realm name) is empty: nothing is left to build URLs from\n  help: write realm = \"<realm>\""
    );
    let e = err(&one(
        "keycloak",
        "url = \"https://sso\"\nrealm = \"my realm\"\n",
    ));
    assert_eq!(
        e,
        "p.toml:8:9: error: providers.keycloak.realm = \"my realm\" contains a space or a control character\n  help: write the Keycloak realm name alone, such as realm = \"<realm>\""
    );
}

#[test]
fn okta_issuer_in_domain_empty_server_and_org_server() {
    let p = parse(
        &one("okta", "domain = \"https://x.okta.com/oauth2/default\"\n"),
        "p.toml",
    )
    .unwrap();
    assert_eq!(
        desired(&p, "okta.base_url"),
        "https://x.okta.com/oauth2/default/"
    );
    assert_eq!(
        desired(&p, "okta.access_token_url"),
        "https://x.okta.com/oauth2/default/v1/token"
    );
    assert!(notes(&p).contains("p.toml:7:10: note: providers.okta.domain = \"https://x.okta.com/oauth2/default\" is a URL of the form"), "{}", notes(&p));
    // A custom server named by the issuer, with no authorization_server given.
    let p = parse(
        &one("okta", "domain = \"https://x.okta.com/oauth2/aus9/\"\n"),
        "p.toml",
    )
    .unwrap();
    assert_eq!(
        desired(&p, "okta.authorize_url"),
        "https://x.okta.com/oauth2/aus9/v1/authorize"
    );
    let e = err(&one(
        "okta",
        "domain = \"x.okta.com\"\nauthorization_server = \"\"\n",
    ));
    assert!(
        e.starts_with("p.toml:8:24: error: providers.okta.authorization_server (Okta authorization server ID, or `org`) is empty"),
        "{e}"
    );
    let p = parse(
        &one(
            "okta",
            "domain = \"x.okta.com\"\nauthorization_server = \"org\"\n",
        ),
        "p.toml",
    )
    .unwrap();
    assert_eq!(desired(&p, "okta.base_url"), "https://x.okta.com/");
    assert_eq!(
        desired(&p, "okta.authorize_url"),
        "https://x.okta.com/oauth2/v1/authorize"
    );
    assert_eq!(
        desired(&p, "okta.access_token_url"),
        "https://x.okta.com/oauth2/v1/token"
    );
    assert!(p.notes.is_empty());
    // A host with a path that is no issuer, or another scheme: refused, with the host to write.
    let e = err(&one("okta", "domain = \"http://x.okta.com\"\n"));
    assert!(e.ends_with("help: write domain = \"x.okta.com\""), "{e}");
    let e = err(&one(
        "auth0",
        "domain = \"x.auth0.com/authorize\"\naudience = \"a\"\n",
    ));
    assert_eq!(
        e,
        "p.toml:7:10: error: providers.auth0.domain = \"x.auth0.com/authorize\" is not a host name alone (`/authorize` follows the host)\n  help: write domain = \"x.auth0.com\""
    );
}

#[test]
fn azure_tenant_as_url_is_reduced_and_a_bare_word_refused() {
    let p = parse(
        &one(
            "azure_ad",
            "tenant = \"https://login.microsoftonline.com/acmecorp.onmicrosoft.com/v2.0\"\n",
        ),
        "p.toml",
    )
    .unwrap();
    assert_eq!(
        desired(&p, "azure_ad.access_token_url"),
        "https://login.microsoftonline.com/acmecorp.onmicrosoft.com/oauth2/v2.0/token"
    );
    assert!(
        notes(&p).contains("read as tenant = \"acmecorp.onmicrosoft.com\""),
        "{}",
        notes(&p)
    );
    let e = err(&one("azure_ad", "tenant = \"contoso\"\n"));
    assert!(
        e.starts_with(
            "p.toml:7:10: error: providers.azure_ad.tenant = \"contoso\" is neither a tenant ID"
        ),
        "{e}"
    );
    assert!(e.ends_with("help: write the Azure tenant ID or domain alone, such as tenant = \"<tenant-id-or-domain>\""), "{e}");
}

#[test]
fn webapp_needs_a_scheme() {
    let text =
        one("google", "").replace("[enforce]", "[sso]\nwebapp = \"app.acme.test/\"\n[enforce]");
    assert_eq!(
        err(&text),
        "p.toml:3:10: error: sso.webapp = \"app.acme.test/\" has no scheme (https:// or http://)\n  help: write webapp = \"https://app.acme.test\""
    );
    let p = parse(&text.replace("\"app.", "\"https://app."), "p.toml").unwrap();
    assert_eq!(p.sso.webapp.as_deref(), Some("https://app.acme.test"));
}

#[test]
fn explicit_base_url_gets_its_slash_with_a_note() {
    let body = "base_url = \"https://idp.acme.test/x\"\nauthorize_url = \"https://idp.acme.test/a\"\naccess_token_url = \"https://idp.acme.test/t\"\n";
    let p = parse(&one("keycloak", body), "p.toml").unwrap();
    assert_eq!(desired(&p, "keycloak.base_url"), "https://idp.acme.test/x/");
    assert_eq!(
        notes(&p),
        "p.toml:7:12: note: providers.keycloak.base_url = \"https://idp.acme.test/x\" lacks the trailing `/` ClearML appends paths to: read as \"https://idp.acme.test/x/\"\n"
    );
}

#[test]
fn a_huge_key_gets_the_list_not_a_suggestion() {
    // Unbounded, the suggestion for this key cost 22 s through the CLI (see `suggest`).
    let huge = "a".repeat(4 << 20);
    let text = format!("version = 1\n[providers.keycloak]\n{huge} = 1\n");
    let e = err(&text);
    assert!(
        e.contains("p.toml:3:1: error: unknown key"),
        "{}",
        &e[..200]
    );
    assert!(
        e.contains("valid keys here: "),
        "no suggestion, the list instead"
    );
}

#[test]
fn trust_unseen_sources_and_its_older_name_fill_one_list() {
    let with = |secrets: &str| {
        KEYCLOAK.replacen(
            "[providers",
            &format!("[secrets]\n{secrets}\n[providers"),
            1,
        )
    };
    for key in ["trust_unseen_sources", "trust_env_from"] {
        let p = parse(
            &with(&format!("{key} = [\"secret/a\", \"configmap/b\"]")),
            "p.toml",
        )
        .unwrap();
        assert!(p.secrets.trusts_env_from(true, "a"), "{key}");
        assert!(p.secrets.trusts_env_from(false, "b"), "{key}");
        assert!(!p.secrets.trusts_env_from(false, "a"), "{key}");
        let e = err(&with(&format!("{key} = [\"a\"]")));
        assert!(
            e.contains(&format!("secrets.{key} entry `a` is not `secret/NAME`")),
            "{e}"
        );
    }
    let both = with("trust_unseen_sources = [\"secret/a\"]\ntrust_env_from = [\"secret/b\"]");
    let p = parse(&both, "p.toml").unwrap();
    assert!(p.secrets.trusts_env_from(true, "a") && p.secrets.trusts_env_from(true, "b"));
}
