//! What an identity provider's answer means, one function per kind of answer: a token
//! endpoint's to a made-up authorization code ([`token`]), an authorization endpoint's to a
//! `prompt=none` request ([`authorize`]). Pure functions over an [`Answer`], unit-tested with
//! the answers each vendor documents.
//!
//! It must not send anything, and must not decide what a result means for the exit code (the
//! checks in `super` do).

use super::http::Answer;

/// What a token endpoint said to a token request with a made-up authorization code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenAnswer {
    /// `invalid_grant`: the client authenticated; only the code was refused.
    Authenticated,
    /// `invalid_client`, `unauthorized_client` (Keycloak's for a wrong secret) or
    /// `access_denied` (Auth0's): the client, or its secret, was refused.
    Rejected(String),
    /// Anything else (another error code, no JSON, a server error): it does not tell.
    Unclear(String),
}

/// Classifies a token endpoint's answer.
pub fn token(answer: &Answer) -> TokenAnswer {
    let error = serde_json::from_str::<serde_json::Value>(&answer.body)
        .ok()
        .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string));
    match error.as_deref() {
        Some("invalid_grant") => TokenAnswer::Authenticated,
        Some(code @ ("invalid_client" | "unauthorized_client" | "access_denied")) => {
            TokenAnswer::Rejected(code.to_string())
        }
        Some(other) => TokenAnswer::Unclear(format!("the error `{other}`")),
        None if (200..300).contains(&answer.status) => {
            TokenAnswer::Unclear("a success to a made-up code".to_string())
        }
        None => TokenAnswer::Unclear(format!("HTTP {} without an OAuth error", answer.status)),
    }
}

/// What an authorization endpoint said to a `prompt=none` request with the callback URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizeAnswer {
    /// A redirect back to the callback URL (with `error=login_required` or another error
    /// code, given here): the callback is registered for this client.
    Registered(Option<String>),
    /// An error about the redirect URI: the callback is not registered.
    CallbackNotRegistered(String),
    /// An error about the client: no such client (or it is disabled).
    ClientUnknown(String),
    /// A login page, or a redirect to one: some providers check the callback only after a
    /// login, so this does not tell.
    LoginPage,
    /// Anything else.
    Unclear(String),
}

/// Classifies an authorization endpoint's answer; `callback` is the URL that was sent as
/// `redirect_uri`.
pub fn authorize(answer: &Answer, callback: &str) -> AuthorizeAnswer {
    if (300..400).contains(&answer.status) {
        let Some(location) = answer.location.as_deref() else {
            return AuthorizeAnswer::Unclear(format!("HTTP {} without a Location", answer.status));
        };
        let base = location.split(['?', '#']).next().unwrap_or_default();
        if base == callback {
            return AuthorizeAnswer::Registered(param(location, "error"));
        }
        // A redirect to the provider's own error page carries the error in its query.
        let text = [
            param(location, "error"),
            param(location, "error_description"),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(": ");
        return match error_about(&text, &text) {
            Some(about) => about,
            None => AuthorizeAnswer::LoginPage,
        };
    }
    if let Some(about) = error_about(&answer.body, &visible(&answer.body)) {
        return about;
    }
    if answer.status == 200 {
        return AuthorizeAnswer::LoginPage;
    }
    AuthorizeAnswer::Unclear(format!(
        "HTTP {} that names neither the redirect URI nor the client",
        answer.status
    ))
}

/// What an error text (an error page, a Location's `error_description`) is about. The
/// vendors' own error codes first, then words: oidc-provider's redirect-URI error mentions
/// "the client's registered redirect_uris", so the redirect URI is looked for before the client.
///
/// The vendors' codes are looked for in the whole `text` (a page may carry its error in a
/// script, as data its JavaScript shows); the plain words only in the `shown` text, since a
/// login page's form or script often carries the request's `redirect_uri` without any error.
fn error_about(text: &str, shown: &str) -> Option<AuthorizeAnswer> {
    let lower = text.to_ascii_lowercase();
    let shown_lower = shown.to_ascii_lowercase();
    let quote = || excerpt(shown);
    const CALLBACK: &[&str] = &[
        "invalid_redirect_uri",             // oidc-provider
        "redirect_uri_mismatch",            // Google
        "aadsts50011",                      // Entra ID: the redirect URI does not match
        "callback url mismatch",            // Auth0
        "redirect_mismatch",                // Cognito
        "invalid parameter: redirect_uri",  // Keycloak
        "'redirect_uri' parameter must be", // Okta
    ];
    const CLIENT: &[&str] = &[
        "invalid_client",
        "unauthorized_client",
        "client not found",               // Keycloak
        "aadsts700016",                   // Entra ID: application not found in the directory
        "the oauth client was not found", // Google
    ];
    if CALLBACK.iter().any(|m| lower.contains(m)) {
        return Some(AuthorizeAnswer::CallbackNotRegistered(quote()));
    }
    if CLIENT.iter().any(|m| lower.contains(m)) {
        return Some(AuthorizeAnswer::ClientUnknown(quote()));
    }
    if ["redirect_uri", "redirect uri", "reply url", "callback url"]
        .iter()
        .any(|m| shown_lower.contains(m))
    {
        return Some(AuthorizeAnswer::CallbackNotRegistered(quote()));
    }
    None
}

/// The text of an error page, tags, scripts and styles dropped and space squeezed, at most
/// 200 characters.
pub fn excerpt(text: &str) -> String {
    let squeezed = visible(text);
    let mut short: String = squeezed.chars().take(200).collect();
    if squeezed.chars().count() > 200 {
        short.push('…');
    }
    short
}

/// The text a page shows: tags, scripts and styles dropped, the usual entities decoded, space
/// squeezed.
fn visible(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::new();
    let mut in_tag = false;
    let mut skip_until: Option<&str> = None;
    for (i, c) in text.char_indices() {
        let rest = &lower[i..];
        if let Some(end) = skip_until {
            if rest.starts_with(end) {
                // The end tag itself is a tag: skipped as one.
                skip_until = None;
                in_tag = true;
            }
            continue;
        }
        if rest.starts_with("<script") {
            skip_until = Some("</script");
            continue;
        }
        if rest.starts_with("<style") {
            skip_until = Some("</style");
            continue;
        }
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    // The few entities error pages use around quoted names.
    for (entity, c) in [
        ("&#39;", "'"),
        ("&#x27;", "'"),
        ("&quot;", "\""),
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&amp;", "&"),
    ] {
        out = out.replace(entity, c);
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The value of `name` in a URL's query or fragment, percent-decoded.
pub fn param(url: &str, name: &str) -> Option<String> {
    let after = url.split_once(['?', '#'])?.1;
    after
        .split(['&', '#', '?'])
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| decode(v))
}

/// Percent-decoding, `+` as space (form encoding).
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = |b: u8| (b as char).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(status: u16, body: &str) -> Answer {
        Answer {
            status,
            content_type: Some("application/json".into()),
            body: body.into(),
            ..Answer::default()
        }
    }

    fn redirect(location: &str) -> Answer {
        Answer {
            status: 302,
            location: Some(location.into()),
            ..Answer::default()
        }
    }

    fn page(status: u16, body: &str) -> Answer {
        Answer {
            status,
            content_type: Some("text/html".into()),
            body: body.into(),
            ..Answer::default()
        }
    }

    const CB: &str = "https://app.example.com/callback_keycloak";

    // Token endpoints: a made-up code with the right client, then with a wrong secret, as
    // each vendor's documentation shows the error responses.

    #[test]
    fn keycloak_token_answers() {
        let ok = json(
            400,
            r#"{"error":"invalid_grant","error_description":"Code not valid"}"#,
        );
        assert_eq!(token(&ok), TokenAnswer::Authenticated);
        let bad = json(
            401,
            r#"{"error":"unauthorized_client","error_description":"Invalid client or Invalid client credentials"}"#,
        );
        assert_eq!(
            token(&bad),
            TokenAnswer::Rejected("unauthorized_client".into())
        );
        let unknown = json(
            401,
            r#"{"error":"invalid_client","error_description":"Invalid client or Invalid client credentials"}"#,
        );
        assert_eq!(
            token(&unknown),
            TokenAnswer::Rejected("invalid_client".into())
        );
    }

    #[test]
    fn okta_token_answers() {
        let ok = json(
            400,
            r#"{"error":"invalid_grant","error_description":"The authorization code is invalid or has expired."}"#,
        );
        assert_eq!(token(&ok), TokenAnswer::Authenticated);
        let bad = json(
            401,
            r#"{"errorCode":"invalid_client","errorSummary":"Invalid value for 'client_id' parameter.","error":"invalid_client","error_description":"The client secret supplied for a confidential client is invalid."}"#,
        );
        assert_eq!(token(&bad), TokenAnswer::Rejected("invalid_client".into()));
    }

    #[test]
    fn auth0_token_answers() {
        let ok = json(
            403,
            r#"{"error":"invalid_grant","error_description":"Invalid authorization code"}"#,
        );
        assert_eq!(token(&ok), TokenAnswer::Authenticated);
        let bad = json(
            401,
            r#"{"error":"access_denied","error_description":"Unauthorized"}"#,
        );
        assert_eq!(token(&bad), TokenAnswer::Rejected("access_denied".into()));
    }

    #[test]
    fn entra_id_token_answers() {
        let ok = json(
            400,
            r#"{"error":"invalid_grant","error_description":"AADSTS70000: The provided value for the 'code' parameter is not valid.","error_codes":[70000]}"#,
        );
        assert_eq!(token(&ok), TokenAnswer::Authenticated);
        let bad = json(
            401,
            r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID","error_codes":[7000215]}"#,
        );
        assert_eq!(token(&bad), TokenAnswer::Rejected("invalid_client".into()));
    }

    #[test]
    fn google_token_answers() {
        let ok = json(
            400,
            r#"{"error":"invalid_grant","error_description":"Malformed auth code."}"#,
        );
        assert_eq!(token(&ok), TokenAnswer::Authenticated);
        let bad = json(
            401,
            r#"{"error":"invalid_client","error_description":"Unauthorized"}"#,
        );
        assert_eq!(token(&bad), TokenAnswer::Rejected("invalid_client".into()));
    }

    #[test]
    fn cognito_token_answers() {
        assert_eq!(
            token(&json(400, r#"{"error":"invalid_grant"}"#)),
            TokenAnswer::Authenticated
        );
        assert_eq!(
            token(&json(400, r#"{"error":"invalid_client"}"#)),
            TokenAnswer::Rejected("invalid_client".into())
        );
    }

    #[test]
    fn other_token_answers_do_not_tell() {
        assert!(matches!(
            token(&json(
                400,
                r#"{"error":"invalid_request","error_description":"x"}"#
            )),
            TokenAnswer::Unclear(_)
        ));
        assert!(matches!(
            token(&page(502, "<html>Bad gateway</html>")),
            TokenAnswer::Unclear(_)
        ));
        assert!(matches!(
            token(&json(200, r#"{"access_token":"x"}"#)),
            TokenAnswer::Unclear(_)
        ));
    }

    // Authorization endpoints, prompt=none, no session.

    #[test]
    fn a_redirect_to_the_callback_means_registered() {
        // Keycloak, Okta, Auth0, Entra ID and Google all answer so for a registered callback.
        let a = redirect(&format!(
            "{CB}?error=login_required&error_description=Login+required&state=s"
        ));
        assert_eq!(
            authorize(&a, CB),
            AuthorizeAnswer::Registered(Some("login_required".into()))
        );
        // Entra ID may answer interaction_required; Okta with the error in the fragment.
        let a = redirect(&format!("{CB}#error=interaction_required&state=s"));
        assert_eq!(
            authorize(&a, CB),
            AuthorizeAnswer::Registered(Some("interaction_required".into()))
        );
        // The same path under another host is not the callback.
        let a = redirect("https://evil.example.com/callback_keycloak?error=login_required");
        assert_eq!(authorize(&a, CB), AuthorizeAnswer::LoginPage);
        // Nor a longer path that starts like it.
        let a = redirect(&format!("{CB}x?error=login_required"));
        assert_eq!(authorize(&a, CB), AuthorizeAnswer::LoginPage);
    }

    #[test]
    fn keycloak_error_pages() {
        let a = page(400, "<html><body><p id=\"kc-error-message\">Invalid parameter: redirect_uri</p></body></html>");
        assert!(matches!(
            authorize(&a, CB),
            AuthorizeAnswer::CallbackNotRegistered(_)
        ));
        let a = page(
            400,
            "<html><body><p class=\"instruction\">Client not found.</p></body></html>",
        );
        assert!(matches!(
            authorize(&a, CB),
            AuthorizeAnswer::ClientUnknown(_)
        ));
    }

    #[test]
    fn okta_error_pages() {
        let a = page(
            400,
            "<html><div id=\"error-page\">Identity Provider: Unknown<br>Error Code: invalid_request<br>Description: The 'redirect_uri' parameter must be a Login redirect URI in the client app settings</div></html>",
        );
        assert!(matches!(
            authorize(&a, CB),
            AuthorizeAnswer::CallbackNotRegistered(_)
        ));
        let a = page(400, "<html>Error Code: invalid_client Description: Invalid value for 'client_id' parameter.</html>");
        assert!(matches!(
            authorize(&a, CB),
            AuthorizeAnswer::ClientUnknown(_)
        ));
        // Okta's sign-in page: registered or not cannot be told.
        let a = redirect("https://example.okta.com/login/login.htm?fromURI=%2Foauth2%2Fv1%2Fauthorize%2Fredirect");
        assert_eq!(authorize(&a, CB), AuthorizeAnswer::LoginPage);
    }

    #[test]
    fn auth0_error_redirects() {
        let a = redirect("https://example.eu.auth0.com/error?error=invalid_request&error_description=Callback%20URL%20mismatch.%20https%3A%2F%2Fapp%2Fcb%20is%20not%20in%20the%20list%20of%20allowed%20callback%20URLs");
        assert!(matches!(
            authorize(&a, CB),
            AuthorizeAnswer::CallbackNotRegistered(_)
        ));
        let a = redirect("https://example.eu.auth0.com/error?error=invalid_request&error_description=Unknown%20client%3A%20abc");
        // "Unknown client" without a code is not recognised as a client error on its own …
        assert_eq!(authorize(&a, CB), AuthorizeAnswer::LoginPage);
        // … Auth0 answers an unknown client with unauthorized_client.
        let a = redirect("https://example.eu.auth0.com/error?error=unauthorized_client&error_description=Unknown%20client");
        assert!(matches!(
            authorize(&a, CB),
            AuthorizeAnswer::ClientUnknown(_)
        ));
    }

    #[test]
    fn entra_id_error_pages() {
        let a = page(
            200,
            "<html><body>Sorry, but we're having trouble signing you in. AADSTS50011: The redirect URI 'https://app/cb' specified in the request does not match the redirect URIs configured for the application</body></html>",
        );
        assert!(matches!(
            authorize(&a, CB),
            AuthorizeAnswer::CallbackNotRegistered(_)
        ));
        let a = page(
            400,
            "<html>AADSTS700016: Application with identifier 'abc' was not found in the directory 'Contoso'.</html>",
        );
        assert!(matches!(
            authorize(&a, CB),
            AuthorizeAnswer::ClientUnknown(_)
        ));
    }

    #[test]
    fn google_error_pages() {
        let a = page(
            400,
            "<html><title>Error 400: redirect_uri_mismatch</title></html>",
        );
        assert!(matches!(
            authorize(&a, CB),
            AuthorizeAnswer::CallbackNotRegistered(_)
        ));
        let a = page(
            401,
            "<html>Error 401: invalid_client The OAuth client was not found.</html>",
        );
        assert!(matches!(
            authorize(&a, CB),
            AuthorizeAnswer::ClientUnknown(_)
        ));
    }

    #[test]
    fn cognito_answers() {
        let a = redirect("https://x.auth.eu-west-1.amazoncognito.com/error?error=redirect_mismatch&client_id=abc");
        assert!(matches!(
            authorize(&a, CB),
            AuthorizeAnswer::CallbackNotRegistered(_)
        ));
        // Cognito's hosted UI checks the callback first and then shows its login page.
        let a = redirect(
            "https://x.auth.eu-west-1.amazoncognito.com/login?client_id=abc&redirect_uri=x",
        );
        assert_eq!(authorize(&a, CB), AuthorizeAnswer::LoginPage);
    }

    #[test]
    fn oidc_provider_pages() {
        let a = page(400, "<!DOCTYPE html><html><head><title>oops! something went wrong</title></head><body><h1>oops! something went wrong</h1><pre><strong>error</strong>: invalid_redirect_uri</pre><pre><strong>error_description</strong>: redirect_uri did not match any of the client's registered redirect_uris</pre></body></html>");
        assert!(matches!(
            authorize(&a, CB),
            AuthorizeAnswer::CallbackNotRegistered(_)
        ));
        let a = page(400, "<html><pre><strong>error</strong>: invalid_client</pre><pre>client is invalid</pre></html>");
        assert!(matches!(
            authorize(&a, CB),
            AuthorizeAnswer::ClientUnknown(_)
        ));
        let a = page(
            200,
            "<html><form><input name=login><input name=password></form></html>",
        );
        assert_eq!(authorize(&a, CB), AuthorizeAnswer::LoginPage);
        assert!(matches!(
            authorize(&page(500, "boom"), CB),
            AuthorizeAnswer::Unclear(_)
        ));
    }

    #[test]
    fn oidc_provider_error_page_as_served() {
        // oidc-provider 9.13.3's page for an unknown client, as it served it.
        let html = include_str!("../../tests/fixtures/probe-oidc-provider-error.html");
        let a = page(400, html);
        assert!(matches!(
            authorize(&a, CB),
            AuthorizeAnswer::ClientUnknown(_)
        ));
        assert_eq!(
            excerpt(html),
            "oops! something went wrong oops! something went wrong error : invalid_client error_description : client is invalid iss : http://127.0.0.1:43049/realms/clearml"
        );
    }

    #[test]
    fn excerpts_drop_tags_and_scripts() {
        assert_eq!(
            excerpt(
                "<html><script>var a='<b>';</script><p>Client\n  not &#39;found&#39;.</p></html>"
            ),
            "Client not 'found'."
        );
        let long = "x".repeat(300);
        assert_eq!(excerpt(&long).chars().count(), 201);
    }

    #[test]
    fn params_are_decoded() {
        assert_eq!(
            param("https://a/cb?x=1&error=a%20b+c", "error").as_deref(),
            Some("a b c")
        );
        assert_eq!(param("https://a/cb#error=x", "error").as_deref(), Some("x"));
        assert_eq!(param("https://a/cb", "error"), None);
        assert_eq!(
            param("https://a/cb?error=%zz%", "error").as_deref(),
            Some("%zz%")
        );
    }

    #[test]
    fn redirect_uri_in_a_login_form_is_no_error_but_a_code_in_a_script_is() {
        // A login page (AD FS-like) whose form posts back with the request's query.
        let login = page(
            200,
            "<html><body><h1>Sign in</h1><form action=\"/adfs/oauth2/authorize/?client_id=c&amp;redirect_uri=https%3A%2F%2Fapp%2Fcb\"><input name=\"UserName\"></form><script>var q = {redirect_uri: location.href};</script></body></html>",
        );
        assert_eq!(authorize(&login, CB), AuthorizeAnswer::LoginPage);
        // An error page whose JavaScript shows the error from data in a script.
        let entra = page(
            200,
            r#"<html><body><div id="root"></div><script>$Config={"strServiceExceptionMessage":"AADSTS50011: The redirect URI 'https://app/cb' specified in the request does not match"};</script></body></html>"#,
        );
        assert!(matches!(
            authorize(&entra, CB),
            AuthorizeAnswer::CallbackNotRegistered(_)
        ));
    }

    proptest::proptest! {
        /// Whatever a provider answers, the classifiers answer too (no panic on input), and an
        /// excerpt stays short.
        #[test]
        fn any_answer_is_classified(
            status in 100u16..600,
            location in proptest::option::of(".{0,80}"),
            body in "(<[a-z/]{0,8}>|&#?[a-z0-9]{0,4};|[^<&]{0,20}|%[0-9a-fA-Z]{0,2}|\\{\"error\":\"[a-z_]{0,15}\"\\})*",
        ) {
            let a = Answer { status, location, content_type: None, body, truncated: false };
            let _ = token(&a);
            let _ = authorize(&a, CB);
            proptest::prop_assert!(excerpt(&a.body).chars().count() <= 201);
            if let Some(l) = &a.location {
                let _ = param(l, "error");
            }
        }
    }
}
