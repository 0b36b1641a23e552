//! The probe's flow over a fake provider: which requests go out (and where the secret goes),
//! and what results come back.

use super::http::{Answer, Auth, Method, Request, Transport};
use super::*;

const SECRET: &str = "the-real-secret-3f9a";

/// One request as the fake provider saw it: where the secret was is recorded, never the
/// secret itself.
#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    url: String,
    /// `basic`, `post` or `none`.
    auth: &'static str,
    /// The real secret was in this request (header or body).
    carried_secret: bool,
    /// The secret appears in the URL or a plain form field (must never happen).
    leaked: bool,
}

struct Fake<F: FnMut(&Seen, bool) -> Answer> {
    seen: Vec<Seen>,
    answer: F,
}

/// A fake provider answering with `answer`, having seen nothing yet.
fn fake_provider<F: FnMut(&Seen, bool) -> Answer>(answer: F) -> Fake<F> {
    Fake {
        seen: vec![],
        answer,
    }
}

impl<F: FnMut(&Seen, bool) -> Answer> Transport for Fake<F> {
    fn send(&mut self, r: &Request<'_>) -> Result<Answer, String> {
        let (auth, secret) = match r.auth {
            Auth::None => ("none", None),
            Auth::Basic { secret, .. } => ("basic", Some(secret.expose().to_string())),
            Auth::Post { secret, .. } => ("post", Some(secret.expose().to_string())),
        };
        let leaked = r.url.contains(SECRET) || r.form.iter().any(|(_, v)| v.contains(SECRET));
        let seen = Seen {
            method: r.method,
            url: r.url.clone(),
            auth,
            carried_secret: secret.as_deref() == Some(SECRET),
            leaked,
        };
        let real = seen.carried_secret;
        let a = (self.answer)(&seen, real);
        self.seen.push(seen);
        Ok(a)
    }
}

const BASE: &str = "https://sso.acme.test/realms/clearml";
const TOKEN: &str = "https://sso.acme.test/realms/clearml/protocol/openid-connect/token";

fn policy(extra: &str) -> Policy {
    let text = format!(
        "version = 1\n[enforce]\nplaintext_secrets = \"allow\"\n[sso]\nwebapp = \"https://app.example.com\"\n[providers.keycloak]\nurl = \"https://sso.acme.test\"\nrealm = \"clearml\"\nclient_id = \"clearml\"\nclient_secret = \"{SECRET}\"\n{extra}"
    );
    crate::policy::parse(&text, "p.toml").unwrap()
}

fn doc(token: &str, methods: &str) -> String {
    format!(
        r#"{{"issuer":"{BASE}","authorization_endpoint":"{BASE}/protocol/openid-connect/auth","token_endpoint":"{token}","userinfo_endpoint":"{BASE}/protocol/openid-connect/userinfo","jwks_uri":"{BASE}/protocol/openid-connect/certs","end_session_endpoint":"{BASE}/protocol/openid-connect/logout"{methods}}}"#
    )
}

fn ok(body: String) -> Answer {
    Answer {
        status: 200,
        content_type: Some("application/json".into()),
        body,
        ..Answer::default()
    }
}

fn err(status: u16, code: &str) -> Answer {
    Answer {
        status,
        content_type: Some("application/json".into()),
        body: format!(r#"{{"error":"{code}","error_description":"about {SECRET}"}}"#),
        ..Answer::default()
    }
}

/// The authorization endpoint's answer for a registered callback: a redirect to it with
/// `login_required`.
fn login_required() -> Answer {
    Answer {
        status: 302,
        location: Some(
            "https://app.example.com/callback_keycloak?error=login_required&state=x".into(),
        ),
        ..Answer::default()
    }
}

/// A Keycloak-like provider: `token` is its token endpoint; the secret it accepts by `method`.
fn keycloak(
    token: &'static str,
    methods: &'static str,
    accepts: Option<&'static str>,
) -> impl FnMut(&Seen, bool) -> Answer {
    move |s: &Seen, real: bool| {
        if s.url.ends_with("/.well-known/openid-configuration") {
            return ok(doc(token, methods));
        }
        if s.method == Method::Get {
            return login_required();
        }
        if real && accepts == Some(s.auth) {
            err(400, "invalid_grant")
        } else {
            err(401, "unauthorized_client")
        }
    }
}

/// The probe over `transport` with no secrets besides the policy's, no metadata and no pause
/// between requests.
fn run_with(p: &Policy, transport: &mut dyn Transport) -> Vec<CheckResult> {
    run_in(p, &secrets::Store::new(), transport)
}

/// [`run_with`] with `store` as the Secrets and ConfigMaps given.
fn run_in(p: &Policy, store: &secrets::Store, transport: &mut dyn Transport) -> Vec<CheckResult> {
    let options = Options {
        spacing: Duration::ZERO,
    };
    run(p, store, &[], transport, options)
}

fn outcomes(results: &[CheckResult]) -> Vec<(Check, Outcome)> {
    results.iter().map(|r| (r.check, r.outcome)).collect()
}

fn assert_never_shown(results: &[CheckResult]) {
    let text = text(results);
    let json = json(results);
    assert!(!text.contains(SECRET), "{text}");
    assert!(!json.contains(SECRET), "{json}");
}

#[test]
fn right_settings_pass_and_the_secret_goes_to_the_token_endpoint_only() {
    let mut fake = fake_provider(keycloak(TOKEN, "", Some("basic")));
    let results = run_with(&policy(""), &mut fake);
    assert_eq!(
        outcomes(&results),
        [
            (Check::Discovery, Outcome::Pass),
            (Check::Callback, Outcome::Pass),
            (Check::ClientSecret, Outcome::Pass),
            // The document lists no scopes or claims: a warning, not a failed check.
            (Check::Claims, Outcome::Warning)
        ],
        "{}",
        text(&results)
    );
    assert_eq!(exit_code(&results), 0);
    // Discovery, authorize, control, real.
    assert_eq!(fake.seen.len(), 4);
    assert!(fake.seen.iter().all(|s| !s.leaked));
    let carriers: Vec<&Seen> = fake.seen.iter().filter(|s| s.carried_secret).collect();
    assert_eq!(carriers.len(), 1);
    assert_eq!(carriers[0].url, TOKEN);
    // The control came first, with another secret.
    assert_eq!(fake.seen[2].auth, "basic");
    assert!(!fake.seen[2].carried_secret);
    assert!(fake.seen[1].url.contains("prompt=none"));
    assert_never_shown(&results);
}

#[test]
fn a_client_registered_for_client_secret_post_passes_on_the_second_method() {
    let methods =
        r#","token_endpoint_auth_methods_supported":["client_secret_basic","client_secret_post"]"#;
    let mut fake = fake_provider(keycloak(TOKEN, methods, Some("post")));
    let results = run_with(&policy(""), &mut fake);
    assert_eq!(results[2].outcome, Outcome::Pass, "{}", text(&results));
    assert!(results[2].summary.contains("client_secret_post"));
    assert_eq!(fake.seen.len(), 6);
    assert!(fake.seen.len() <= http::MAX_REQUESTS);
    assert_never_shown(&results);
}

#[test]
fn a_wrong_secret_is_a_problem_naming_the_option() {
    let mut fake = fake_provider(keycloak(TOKEN, "", None));
    let results = run_with(&policy(""), &mut fake);
    let r = &results[2];
    assert_eq!(r.outcome, Outcome::Problem, "{}", text(&results));
    assert!(r
        .fix
        .contains(&"providers.keycloak.client_secret".to_string()));
    assert_eq!(exit_code(&results), 1);
    // The error description echoed the secret: scrubbed.
    assert!(text(&results).contains("<redacted>"));
    assert_never_shown(&results);
}

#[test]
fn the_secret_is_not_sent_where_discovery_and_policy_disagree() {
    // The document names another token endpoint than the policy derives.
    let mut fake = fake_provider(keycloak(
        "https://evil.example.com/token",
        "",
        Some("basic"),
    ));
    let results = run_with(&policy(""), &mut fake);
    assert_eq!(results[0].outcome, Outcome::Problem);
    assert!(
        results[0].summary.contains("token_endpoint"),
        "{}",
        results[0].summary
    );
    assert_eq!(results[2].outcome, Outcome::Skipped);
    assert!(fake.seen.iter().all(|s| s.auth == "none"));
    assert_eq!(exit_code(&results), 1);
}

#[test]
fn the_secret_is_not_sent_over_plain_http_to_another_host() {
    let text_policy = format!(
        "version = 1\n[enforce]\nplaintext_secrets = \"allow\"\n[providers.keycloak]\nurl = \"http://sso.acme.test\"\nrealm = \"r\"\nclient_id = \"c\"\nclient_secret = \"{SECRET}\"\n"
    );
    let p = crate::policy::parse(&text_policy, "p.toml").unwrap();
    let base = "http://sso.acme.test/realms/r";
    let mut fake = fake_provider(move |s: &Seen, _| {
        assert!(s.url.ends_with("openid-configuration"), "{}", s.url);
        ok(format!(
            r#"{{"issuer":"{base}","authorization_endpoint":"{base}/protocol/openid-connect/auth","token_endpoint":"{base}/protocol/openid-connect/token","userinfo_endpoint":"{base}/protocol/openid-connect/userinfo","jwks_uri":"{base}/protocol/openid-connect/certs"}}"#
        ))
    });
    let results = run_with(&p, &mut fake);
    assert_eq!(results[0].outcome, Outcome::Pass, "{}", text(&results));
    // No webapp: the callback is not known.
    assert_eq!(results[1].outcome, Outcome::Skipped);
    assert_eq!(results[2].outcome, Outcome::Skipped);
    assert!(
        results[2].summary.contains("not https"),
        "{}",
        results[2].summary
    );
    assert_eq!(fake.seen.len(), 1);
    assert_eq!(exit_code(&results), 4);
}

#[test]
fn a_made_up_secret_that_gets_through_makes_the_check_inconclusive() {
    let mut fake = fake_provider(move |s: &Seen, _| {
        if s.url.ends_with("openid-configuration") {
            ok(doc(TOKEN, ""))
        } else if s.method == Method::Get {
            Answer {
                status: 200,
                body: "<form><input name=username></form>".into(),
                ..Answer::default()
            }
        } else {
            err(400, "invalid_grant")
        }
    });
    let results = run_with(&policy(""), &mut fake);
    assert_eq!(results[1].outcome, Outcome::Inconclusive);
    assert_eq!(results[2].outcome, Outcome::Inconclusive);
    // Only the control went out: the real secret was never sent.
    assert!(fake.seen.iter().all(|s| !s.carried_secret));
    assert_eq!(exit_code(&results), 4);
}

#[test]
fn a_realm_typo_is_a_problem_naming_the_inputs() {
    let mut fake = fake_provider(|s: &Seen, _| {
        if s.url.ends_with("openid-configuration") {
            Answer {
                status: 404,
                body: r#"{"error":"Realm does not exist"}"#.into(),
                ..Answer::default()
            }
        } else {
            Answer {
                status: 404,
                ..Answer::default()
            }
        }
    });
    let results = run_with(&policy(""), &mut fake);
    assert_eq!(results[0].outcome, Outcome::Problem);
    assert_eq!(
        results[0].fix,
        ["providers.keycloak.url", "providers.keycloak.realm"]
    );
    assert_eq!(results[2].outcome, Outcome::Skipped);
    assert_eq!(exit_code(&results), 1);
}

#[test]
fn entra_id_may_name_the_tenant_by_its_id() {
    let p = crate::policy::parse(
        "version = 1\n[enforce]\nplaintext_secrets = \"allow\"\n[providers.azure_ad]\ntenant = \"acmecorp.onmicrosoft.com\"\nclient_id = \"c\"\nclient_secret = \"x-secret-value\"\n",
        "p.toml",
    )
    .unwrap();
    let id = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    let m = "https://login.microsoftonline.com";
    let body = format!(
        r#"{{"issuer":"{m}/{id}/v2.0","authorization_endpoint":"{m}/{id}/oauth2/v2.0/authorize","token_endpoint":"{m}/{id}/oauth2/v2.0/token","userinfo_endpoint":"https://graph.microsoft.com/oidc/userinfo","jwks_uri":"{m}/{id}/discovery/v2.0/keys","end_session_endpoint":"{m}/{id}/oauth2/v2.0/logout"}}"#
    );
    let mut fake = fake_provider(move |s: &Seen, _| {
        assert_eq!(
            s.url,
            format!("{m}/acmecorp.onmicrosoft.com/v2.0/.well-known/openid-configuration")
        );
        ok(body.clone())
    });
    let results = run_with(&p, &mut fake);
    assert_eq!(results[0].outcome, Outcome::Pass, "{}", text(&results));
    // The document's token endpoint is not the policy's (the ID, not the domain): no secret.
    assert_eq!(results[2].outcome, Outcome::Skipped);
    assert_eq!(fake.seen.len(), 1);
    // A policy that names another tenant ID gets no such allowance.
    let other = "3f2a6c1e-8b4d-4e9a-a7c2-5d1e9b0f4a63";
    let p = crate::policy::parse(
        &format!("version = 1\n[providers.azure_ad]\ntenant = \"{other}\"\nclient_id = \"c\"\nclient_secret = {{ secret = \"s\", key = \"k\" }}\n"),
        "p.toml",
    )
    .unwrap();
    let body = format!(
        r#"{{"issuer":"{m}/{id}/v2.0","authorization_endpoint":"{m}/{id}/oauth2/v2.0/authorize","token_endpoint":"{m}/{id}/oauth2/v2.0/token","userinfo_endpoint":"https://graph.microsoft.com/oidc/userinfo","jwks_uri":"{m}/{id}/discovery/v2.0/keys"}}"#
    );
    let mut fake = fake_provider(move |_: &Seen, _| ok(body.clone()));
    let results = run_with(&p, &mut fake);
    assert_eq!(results[0].outcome, Outcome::Problem, "{}", text(&results));
    assert_eq!(results[0].fix, ["providers.azure_ad.tenant"]);
}

#[test]
fn a_saml_provider_is_skipped_and_an_empty_policy_is_not_a_pass() {
    let p = crate::policy::parse(
        "version = 1\n[providers.duo]\nentity_id = \"clearml\"\nidp_metadata_file = \"/opt/m.xml\"\n",
        "p.toml",
    )
    .unwrap();
    let mut fake = fake_provider(|_: &Seen, _| Answer::default());
    let results = run_with(&p, &mut fake);
    assert_eq!(
        outcomes(&results),
        [(Check::SamlMetadata, Outcome::Skipped)]
    );
    assert!(fake.seen.is_empty());
    assert_eq!(exit_code(&results), 4);
    assert_eq!(exit_code(&[]), 4);
}

#[test]
fn json_output_holds_the_exit_code_and_each_result() {
    let mut fake = fake_provider(keycloak(TOKEN, "", Some("basic")));
    let results = run_with(&policy(""), &mut fake);
    let v: serde_json::Value = serde_json::from_str(&json(&results)).unwrap();
    assert_eq!(v["exit"], 0);
    assert_eq!(v["results"][2]["check"], "client-secret");
    assert_eq!(v["results"][2]["outcome"], "pass");
    assert_eq!(v["results"][0]["provider"], "keycloak");
}

#[test]
fn cognito_discovery_lives_under_the_pool_id() {
    let policy_text = format!(
        "version = 1\n[enforce]\nplaintext_secrets = \"allow\"\n[sso]\nwebapp = \"https://app.example.com\"\n[providers.cognito]\ndomain = \"a.auth.eu-west-1.amazoncognito.com\"\npool_id = \"eu-west-1_AbCdEfGhI\"\nclient_id = \"c\"\nclient_secret = \"{SECRET}\"\n"
    );
    let p = crate::policy::parse(&policy_text, "p.toml").unwrap();
    let d = "https://a.auth.eu-west-1.amazoncognito.com";
    let i = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEfGhI";
    let body = format!(
        r#"{{"issuer":"{i}","authorization_endpoint":"{d}/oauth2/authorize","token_endpoint":"{d}/oauth2/token","userinfo_endpoint":"{d}/oauth2/userInfo","jwks_uri":"{i}/.well-known/jwks.json","token_endpoint_auth_methods_supported":["client_secret_basic","client_secret_post"]}}"#
    );
    let mut fake = fake_provider(move |s: &Seen, real: bool| {
        if s.url.ends_with("openid-configuration") {
            assert_eq!(s.url, format!("{i}/.well-known/openid-configuration"));
            ok(body.clone())
        } else if s.method == Method::Get {
            // Cognito's hosted UI: a login page for a registered callback.
            Answer {
                status: 302,
                location: Some(format!("{d}/login?client_id=c")),
                ..Answer::default()
            }
        } else if real {
            err(400, "invalid_grant")
        } else {
            err(400, "invalid_client")
        }
    });
    let results = run_with(&p, &mut fake);
    assert_eq!(
        outcomes(&results),
        [
            (Check::Discovery, Outcome::Pass),
            (Check::Callback, Outcome::Inconclusive),
            (Check::ClientSecret, Outcome::Pass),
            (Check::Claims, Outcome::Warning)
        ],
        "{}",
        text(&results)
    );
    assert_eq!(exit_code(&results), 4);
}

#[test]
fn scopes_and_claims_are_warnings_only() {
    let run_claims = |lists: &'static str, extra: &str| {
        let mut fake = fake_provider(keycloak(TOKEN, lists, Some("basic")));
        let results = run_with(&policy(extra), &mut fake);
        let claims = results
            .iter()
            .find(|r| r.check == Check::Claims)
            .unwrap()
            .clone();
        (claims, exit_code(&results))
    };
    let full = r#","scopes_supported":["openid","email","profile"],"claims_supported":["sub","email","name","groups"]"#;
    let (c, code) = run_claims(full, "groups.enabled = true\n");
    assert_eq!(c.outcome, Outcome::Pass, "{}", c.summary);
    assert_eq!(code, 0);
    let no_groups = r#","scopes_supported":["openid","email"],"claims_supported":["sub","email"]"#;
    let (c, code) = run_claims(
        no_groups,
        "groups.enabled = true\ngroups.claim = \"roles\"\n",
    );
    assert_eq!(c.outcome, Outcome::Warning);
    assert!(c.summary.contains("`roles`"), "{}", c.summary);
    assert_eq!(c.fix, ["providers.keycloak.groups.claim"]);
    // A warning does not change the exit code.
    assert_eq!(code, 0);
    // Group sync off: the groups claim is not asked for.
    let (c, _) = run_claims(no_groups, "");
    assert_eq!(c.outcome, Outcome::Pass, "{}", c.summary);
    let no_email = r#","scopes_supported":["openid"],"claims_supported":["sub"]"#;
    let (c, _) = run_claims(no_email, "");
    assert_eq!(c.outcome, Outcome::Warning);
    assert!(c.summary.contains("scope `email`") && c.summary.contains("claim `email`"));
}

#[test]
fn saml_metadata_is_checked_when_given() {
    let p = crate::policy::parse(
        "version = 1\n[providers.duo]\nentity_id = \"clearml\"\nidp_metadata_file = \"/opt/m.xml\"\n",
        "p.toml",
    )
    .unwrap();
    let mut fake = fake_provider(|_: &Seen, _| Answer::default());
    let bad = Metadata {
        provider: None,
        source: "m.xml".into(),
        text: "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>".into(),
    };
    let results = run(
        &p,
        &secrets::Store::new(),
        &[bad],
        &mut fake,
        Options::default(),
    );
    assert_eq!(
        outcomes(&results),
        [(Check::SamlMetadata, Outcome::Problem)]
    );
    assert_eq!(results[0].fix, ["providers.duo.idp_metadata_file"]);
    assert!(
        results[0].summary.starts_with("m.xml: "),
        "{}",
        results[0].summary
    );
    // Metadata for another provider is not this one's.
    let other = Metadata {
        provider: Some("google_saml".into()),
        source: "m.xml".into(),
        text: String::new(),
    };
    let results = run(
        &p,
        &secrets::Store::new(),
        &[other],
        &mut fake,
        Options::default(),
    );
    assert_eq!(
        outcomes(&results),
        [(Check::SamlMetadata, Outcome::Skipped)]
    );
    assert!(fake.seen.is_empty());
}

#[test]
fn saml_metadata_from_a_config_map_named_like_the_mounted_file() {
    let p = crate::policy::parse(
        "version = 1\n[providers.duo]\nentity_id = \"clearml\"\nidp_metadata_file = \"/opt/clearml/config/metadata.xml\"\n",
        "p.toml",
    )
    .unwrap();
    let mut store = secrets::Store::new();
    store
        .add_text(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: clearml-apiserver-configmap}\ndata:\n  metadata.xml: <x/>\n  other.conf: a\n",
            "cm.yaml",
        )
        .unwrap();
    let mut fake = fake_provider(|_: &Seen, _| Answer::default());
    let results = run(&p, &store, &[], &mut fake, Options::default());
    assert_eq!(results[0].outcome, Outcome::Problem, "{}", text(&results));
    assert!(
        results[0]
            .summary
            .starts_with("ConfigMap clearml-apiserver-configmap key metadata.xml: "),
        "{}",
        results[0].summary
    );
    // Two candidates: nothing is guessed.
    store
        .add_text(
            "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {metadata.xml: <y/>}\n",
            "s.yaml",
        )
        .unwrap();
    let results = run(&p, &store, &[], &mut fake, Options::default());
    assert_eq!(results[0].outcome, Outcome::Skipped);
    assert!(
        results[0]
            .summary
            .starts_with("2 keys named `metadata.xml`"),
        "{}",
        results[0].summary
    );
}

// Attacks: a provider that reflects what it was sent, values inside values, a secret held in
// a ConfigMap, a login page that carries the request's query.

/// A provider that accepts nothing and answers every token request with `echo(request)` in
/// its error description.
fn reflecting(echo: fn(&Request<'_>) -> String) -> impl FnMut(&Request<'_>) -> Answer {
    move |r: &Request<'_>| {
        if r.url.ends_with("/.well-known/openid-configuration") {
            return ok(doc(
                TOKEN,
                r#","token_endpoint_auth_methods_supported":["client_secret_basic","client_secret_post"]"#,
            ));
        }
        if r.method == Method::Get {
            return login_required();
        }
        Answer {
            status: 401,
            content_type: Some("application/json".into()),
            body: serde_json::json!({"error": "invalid_client", "error_description": echo(r)})
                .to_string(),
            ..Answer::default()
        }
    }
}

/// A transport over a closure that sees the whole request (the secret included).
struct Raw<F: FnMut(&Request<'_>) -> Answer>(F);

impl<F: FnMut(&Request<'_>) -> Answer> Transport for Raw<F> {
    fn send(&mut self, r: &Request<'_>) -> Result<Answer, String> {
        Ok((self.0)(r))
    }
}

/// The Authorization header and the form body as they go on the wire.
fn wire(r: &Request<'_>) -> (Option<String>, String) {
    use base64::Engine as _;
    let mut fields: Vec<(&str, String)> = r.form.iter().map(|(k, v)| (*k, v.clone())).collect();
    let header = match r.auth {
        Auth::None => None,
        Auth::Basic { client_id, secret } => Some(format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!(
                "{}:{}",
                http::encode(client_id),
                http::encode(secret.expose())
            ))
        )),
        Auth::Post { client_id, secret } => {
            fields.push(("client_id", client_id.to_string()));
            fields.push(("client_secret", secret.expose().to_string()));
            None
        }
    };
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    (header, http::form(&pairs))
}

const ODD_SECRET: &str = "p@ss w&rd/s3cr3t+=";

fn policy_with_secret(secret: &str) -> Policy {
    let text = format!(
        "version = 1\n[enforce]\nplaintext_secrets = \"allow\"\n[sso]\nwebapp = \"https://app.example.com\"\n[providers.keycloak]\nurl = \"https://sso.acme.test\"\nrealm = \"clearml\"\nclient_id = \"clearml\"\nclient_secret = {}\n",
        serde_json::to_string(secret).unwrap()
    );
    crate::policy::parse(&text, "p.toml").unwrap()
}

/// `got SECRET`: the secret as the request carried it.
fn got_secret(r: &Request<'_>) -> String {
    match r.auth {
        Auth::Basic { secret, .. } | Auth::Post { secret, .. } => {
            format!("got {}", secret.expose())
        }
        Auth::None => String::new(),
    }
}

fn shown(results: &[CheckResult]) -> String {
    format!("{}{}", text(results), json(results))
}

#[test]
fn a_reflected_authorization_header_is_not_shown() {
    let mut t = Raw(reflecting(|r| {
        format!("got {}", wire(r).0.unwrap_or_default())
    }));
    let results = run_with(&policy_with_secret(ODD_SECRET), &mut t);
    let out = shown(&results);
    // base64("clearml:p%40ss%20w%26rd%2Fs3cr3t%2B%3D"): the secret, decodable by anyone.
    assert!(
        !out.contains("Y2xlYXJtbDpwJTQwc3MlMjB3JTI2cmQlMkZzM2NyM3QlMkIlM0Q="),
        "{out}"
    );
}

#[test]
fn a_reflected_form_body_is_not_shown() {
    let mut t = Raw(reflecting(|r| format!("got {}", wire(r).1)));
    let results = run_with(&policy_with_secret(ODD_SECRET), &mut t);
    let out = shown(&results);
    assert!(!out.contains("client_secret=p%40ss"), "{out}");
}

#[test]
fn the_secret_base64_or_plus_encoded_is_not_shown() {
    use base64::Engine as _;
    let mut t = Raw(reflecting(|r| match r.auth {
        Auth::Basic { secret, .. } | Auth::Post { secret, .. } => format!(
            "got {} and {}",
            base64::engine::general_purpose::STANDARD.encode(secret.expose()),
            http::encode(secret.expose()).replace("%20", "+")
        ),
        Auth::None => String::new(),
    }));
    let results = run_with(&policy_with_secret(ODD_SECRET), &mut t);
    let out = shown(&results);
    // base64("p@ss w&rd/s3cr3t+="), and the form value with `+` for the space.
    assert!(!out.contains("cEBzcyB3JnJkL3MzY3IzdCs9"), "{out}");
    assert!(!out.contains("p%40ss+w%26rd"), "{out}");
}

#[test]
fn a_secret_cut_by_the_excerpt_is_not_shown_in_part() {
    let mut t = Raw(reflecting(|r| {
        let secret = match r.auth {
            Auth::Basic { secret, .. } | Auth::Post { secret, .. } => secret.expose().to_string(),
            Auth::None => String::new(),
        };
        format!("{} {secret}", "x".repeat(190))
    }));
    let results = run_with(&policy_with_secret("s3cr3t-prefix-then-the-rest"), &mut t);
    let out = shown(&results);
    // 191 characters before it: the excerpt (200) kept its first nine.
    assert!(!out.contains("s3cr3t-pr"), "{out}");
}

/// What the probe shows of a provider that reflects the secret it got, the Keycloak client's
/// `client_id`/`client_secret` lines being `client` and `object` (YAML) the one Secret or
/// ConfigMap they refer to.
fn shown_reflecting(client: &str, object: &str) -> String {
    let p = crate::policy::parse(
        &format!("version = 1\n[sso]\nwebapp = \"https://app.example.com\"\n[providers.keycloak]\nurl = \"https://sso.acme.test\"\nrealm = \"clearml\"\n{client}"),
        "p.toml",
    )
    .unwrap();
    let mut store = secrets::Store::new();
    store.add_text(object, "object.yaml").unwrap();
    let mut t = Raw(reflecting(got_secret));
    shown(&run_in(&p, &store, &mut t))
}

#[test]
fn a_client_secret_held_in_a_config_map_is_never_shown() {
    let out = shown_reflecting(
        "client_id = \"clearml\"\nclient_secret = { configmap = \"cm\", key = \"client_secret\" }\n",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {client_secret: cm-held-s3cret-42}\n",
    );
    assert!(!out.contains("cm-held-s3cret-42"), "{out}");
}

#[test]
fn a_secret_value_inside_another_does_not_uncover_the_rest() {
    // kubectl prints keys sorted: client_id before client_secret, so the shorter value was
    // replaced first and the secret's tail stayed.
    let out = shown_reflecting(
        "client_id = { secret = \"kc\", key = \"client_id\" }\nclient_secret = { secret = \"kc\", key = \"client_secret\" }\n",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: kc}\nstringData: {client_id: clearml, client_secret: clearml-tail-s3cret}\n",
    );
    assert!(!out.contains("tail-s3cret"), "{out}");
}

#[test]
fn a_login_page_whose_form_carries_the_query_is_not_an_unregistered_callback() {
    // A login page (AD FS-like) posting back to the authorization URL with the request's query:
    // `redirect_uri` is in the markup, not in an error.
    let mut t = Raw(|r: &Request<'_>| {
        if r.url.ends_with("/.well-known/openid-configuration") {
            return ok(doc(TOKEN, ""));
        }
        if r.method == Method::Get {
            let query = r.url.split_once('?').map(|(_, q)| q).unwrap_or_default();
            return Answer {
                status: 200,
                content_type: Some("text/html".into()),
                body: format!(
                    "<html><body><h1>Sign in</h1><form method=\"post\" action=\"/auth?{query}\"><input name=\"username\"><input type=\"password\" name=\"password\"><button>Sign in</button></form></body></html>"
                ),
                ..Answer::default()
            };
        }
        err(400, "invalid_grant")
    });
    let results = run_with(&policy(""), &mut t);
    assert_eq!(
        results[1].outcome,
        Outcome::Inconclusive,
        "{}",
        text(&results)
    );
    assert_eq!(exit_code(&results), 4, "{}", text(&results));
}

/// A provider whose client is not allowed the authorization-code grant (Keycloak: Standard
/// flow off; Okta: the grant not ticked): RFC 6749 has it answer `unauthorized_client`, to the
/// callback from the authorization endpoint, and from the token endpoint once the client has
/// authenticated (a wrong secret gets `invalid_client`).
fn code_grant_not_allowed(s: &Seen, real: bool) -> Answer {
    if s.url.ends_with("/.well-known/openid-configuration") {
        return ok(doc(TOKEN, ""));
    }
    if s.method == Method::Get {
        return Answer {
            status: 302,
            location: Some(
                "https://app.example.com/callback_keycloak?error=unauthorized_client&error_description=Client+is+not+allowed+to+initiate+browser+login&state=x"
                    .into(),
            ),
            ..Answer::default()
        };
    }
    if real {
        err(400, "unauthorized_client")
    } else {
        err(401, "invalid_client")
    }
}

#[test]
fn a_client_refused_the_code_flow_is_not_a_pass_of_the_callback() {
    let mut fake = fake_provider(code_grant_not_allowed);
    let results = run_with(&policy(""), &mut fake);
    // The callback is registered (the provider redirected to it), but the login ClearML
    // starts there is refused: not a pass.
    assert_eq!(results[1].outcome, Outcome::Problem, "{}", text(&results));
    assert!(
        !results[1].summary.contains("as expected"),
        "{}",
        results[1].summary
    );
}

#[test]
fn a_secret_answered_otherwise_than_the_made_up_one_is_not_called_wrong() {
    let mut fake = fake_provider(code_grant_not_allowed);
    let results = run_with(&policy(""), &mut fake);
    let r = &results[2];
    assert_eq!(r.outcome, Outcome::Problem, "{}", text(&results));
    // The made-up secret got invalid_client, the real one unauthorized_client: the client
    // authenticated; the secret is not what is wrong.
    assert!(
        !r.fix
            .contains(&"providers.keycloak.client_secret".to_string()),
        "{}",
        text(&results)
    );
    assert!(!r.summary.contains("the secret is wrong"), "{}", r.summary);
}
