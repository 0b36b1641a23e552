//! `probe`'s SAML metadata check: an identity provider's metadata XML (what the policy's
//! `idp_metadata_file` mounts) parsed without a DTD — so no entity is declared or expanded —
//! and read for what a ClearML login needs: the IdP's entity ID, a single sign-on endpoint with
//! the HTTP-Redirect binding, signing certificates inside their validity, and a `validUntil`
//! not passed.
//!
//! It must not fetch anything (metadata comes as text from the command line) and never
//! resolves a URL, entity or include named in the document.

use std::time::{Duration, SystemTime};

const MD: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
const DS: &str = "http://www.w3.org/2000/09/xmldsig#";
const REDIRECT: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
/// A certificate or `validUntil` ending sooner than this is a warning.
pub const SOON: Duration = Duration::from_secs(30 * 24 * 3600);
/// Largest metadata document read (a federation's aggregate is large, an IdP's is small).
pub const MAX_NODES: u32 = 200_000;

/// What the metadata says, or what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Wrong: ClearML's login cannot work with this metadata.
    pub problems: Vec<String>,
    /// Worth a look: a certificate or the metadata expiring soon.
    pub warnings: Vec<String>,
    /// What was found (entity ID, endpoint, certificate dates), for the result text.
    pub facts: Vec<String>,
}

/// Reads metadata `text` as of `now`.
pub fn check(text: &str, now: SystemTime) -> Verdict {
    let mut v = Verdict {
        problems: Vec::new(),
        warnings: Vec::new(),
        facts: Vec::new(),
    };
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_NODES,
    };
    let doc = match roxmltree::Document::parse_with_options(text, options) {
        Ok(d) => d,
        Err(roxmltree::Error::DtdDetected) => {
            v.problems.push(
                "the metadata has a DTD (<!DOCTYPE>): refused, since a DTD can declare entities that fetch or expand"
                    .to_string(),
            );
            return v;
        }
        Err(e) => {
            v.problems
                .push(format!("the metadata is not well-formed XML: {e}"));
            return v;
        }
    };
    let is = |n: &roxmltree::Node, ns: &str, name: &str| {
        n.is_element() && n.tag_name().namespace() == Some(ns) && n.tag_name().name() == name
    };
    let Some(entity) = doc.descendants().find(|n| {
        is(n, MD, "EntityDescriptor") && n.children().any(|c| is(&c, MD, "IDPSSODescriptor"))
    }) else {
        v.problems.push(
            "the metadata has no EntityDescriptor with an IDPSSODescriptor (is it the identity provider's metadata?)"
                .to_string(),
        );
        return v;
    };
    match entity.attribute("entityID") {
        Some(id) if !id.trim().is_empty() => v.facts.push(format!("IdP entity ID {id}")),
        _ => v
            .problems
            .push("the EntityDescriptor has no entityID".to_string()),
    }
    let idp = entity
        .children()
        .find(|c| is(c, MD, "IDPSSODescriptor"))
        .expect("found above");
    let redirect = idp
        .children()
        .filter(|c| is(c, MD, "SingleSignOnService"))
        .find(|c| c.attribute("Binding") == Some(REDIRECT));
    match redirect.and_then(|r| r.attribute("Location")) {
        Some(location) => v.facts.push(format!("HTTP-Redirect SSO at {location}")),
        None => v.problems.push(
            "the IdP has no SingleSignOnService with the HTTP-Redirect binding, which ClearML's SAML login uses"
                .to_string(),
        ),
    }
    for holder in [Some(entity), Some(idp)].into_iter().flatten() {
        if let Some(until) = holder.attribute("validUntil") {
            dated(&mut v, "the metadata's validUntil", until, now);
        }
    }
    let mut signing = 0;
    for key in idp.children().filter(|c| is(c, MD, "KeyDescriptor")) {
        // No `use` means both signing and encryption.
        if key.attribute("use").is_some_and(|u| u != "signing") {
            continue;
        }
        for cert in key.descendants().filter(|c| is(c, DS, "X509Certificate")) {
            signing += 1;
            let b64: String = cert
                .text()
                .unwrap_or_default()
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            certificate(&mut v, signing, &b64, now);
        }
    }
    if signing == 0 {
        v.problems.push(
            "the IdP lists no signing certificate (KeyDescriptor use=\"signing\" with an X509Certificate): responses cannot be verified"
                .to_string(),
        );
    }
    v
}

fn certificate(v: &mut Verdict, n: usize, b64: &str, now: SystemTime) {
    use base64::Engine as _;
    use x509_cert::der::Decode as _;
    let Ok(der) = base64::engine::general_purpose::STANDARD.decode(b64) else {
        v.problems
            .push(format!("signing certificate {n} is not base64"));
        return;
    };
    let Ok(cert) = x509_cert::Certificate::from_der(&der) else {
        v.problems.push(format!(
            "signing certificate {n} is not an X.509 certificate"
        ));
        return;
    };
    let validity = cert.tbs_certificate.validity;
    let from = SystemTime::UNIX_EPOCH + validity.not_before.to_unix_duration();
    let until = SystemTime::UNIX_EPOCH + validity.not_after.to_unix_duration();
    let shown = |t: SystemTime| humantime::format_rfc3339_seconds(t).to_string();
    v.facts.push(format!(
        "signing certificate {n} valid {} to {}",
        shown(from),
        shown(until)
    ));
    if now < from {
        v.problems.push(format!(
            "signing certificate {n} is not valid before {}",
            shown(from)
        ));
    }
    window(v, &format!("signing certificate {n}"), until, now);
}

fn dated(v: &mut Verdict, what: &str, text: &str, now: SystemTime) {
    match humantime::parse_rfc3339_weak(text.trim()) {
        Ok(t) => window(v, what, t, now),
        Err(_) => v
            .warnings
            .push(format!("{what} `{text}` is not a date this tool reads")),
    }
}

fn window(v: &mut Verdict, what: &str, until: SystemTime, now: SystemTime) {
    let shown = humantime::format_rfc3339_seconds(until);
    if until <= now {
        v.problems.push(format!("{what} expired at {shown}"));
    } else if until.duration_since(now).unwrap_or_default() < SOON {
        v.warnings
            .push(format!("{what} expires at {shown}, within 30 days"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A self-signed EC P-256 certificate valid from 2026-01-01 to 2027-01-01, base64 DER as
    /// metadata carries it (made with Python's `cryptography`).
    const CERT: &str = include_str!("../../tests/fixtures/probe-saml-cert.b64");

    fn metadata(extra_attr: &str, binding: &str, cert: &str) -> String {
        format!(
            r#"<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="https://idp.example.com/saml/metadata"{extra_attr}>
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>
{cert}
    </ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:{binding}" Location="https://idp.example.com/saml/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
"#
        )
    }

    fn at(date: &str) -> SystemTime {
        humantime::parse_rfc3339(date).unwrap()
    }

    #[test]
    fn good_metadata_passes_with_its_facts() {
        let v = check(
            &metadata("", "HTTP-Redirect", CERT),
            at("2026-06-01T00:00:00Z"),
        );
        assert!(v.problems.is_empty(), "{v:?}");
        assert!(v.warnings.is_empty(), "{v:?}");
        assert!(v.facts[0].contains("https://idp.example.com/saml/metadata"));
        assert!(v.facts[1].contains("https://idp.example.com/saml/sso"));
        assert!(v.facts[2].contains("2027-01-01"), "{v:?}");
    }

    #[test]
    fn certificate_dates() {
        let m = metadata("", "HTTP-Redirect", CERT);
        let v = check(&m, at("2026-12-15T00:00:00Z"));
        assert!(v.problems.is_empty());
        assert!(v.warnings[0].contains("within 30 days"), "{v:?}");
        let v = check(&m, at("2027-02-01T00:00:00Z"));
        assert!(v.problems[0].contains("expired"), "{v:?}");
        let v = check(&m, at("2025-02-01T00:00:00Z"));
        assert!(v.problems[0].contains("not valid before"), "{v:?}");
        let v = check(
            &metadata("", "HTTP-Redirect", "bm90IGEgY2VydA=="),
            at("2026-06-01T00:00:00Z"),
        );
        assert!(v.problems[0].contains("not an X.509"), "{v:?}");
    }

    #[test]
    fn valid_until() {
        let m = metadata(
            r#" validUntil="2026-03-01T00:00:00.000Z""#,
            "HTTP-Redirect",
            CERT,
        );
        assert!(check(&m, at("2026-02-01T00:00:00Z")).problems.is_empty());
        assert!(check(&m, at("2026-02-20T00:00:00Z")).warnings[0].contains("validUntil"));
        assert!(check(&m, at("2026-03-02T00:00:00Z")).problems[0].contains("validUntil"));
    }

    #[test]
    fn no_redirect_binding_is_a_problem() {
        let v = check(&metadata("", "HTTP-POST", CERT), at("2026-06-01T00:00:00Z"));
        assert!(v.problems[0].contains("HTTP-Redirect"), "{v:?}");
    }

    #[test]
    fn a_dtd_is_refused_before_any_entity_is_read() {
        let xxe = r#"<?xml version="1.0"?>
<!DOCTYPE md [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&x;"/>"#;
        let v = check(xxe, SystemTime::now());
        assert_eq!(v.problems.len(), 1);
        assert!(v.problems[0].contains("DTD"), "{v:?}");
        let bomb = format!(
            "<!DOCTYPE l [<!ENTITY a \"aaaa\">{}]><l>&e;</l>",
            (b'b'..=b'e')
                .map(|c| format!(
                    "<!ENTITY {} \"&{};&{};&{};\">",
                    c as char,
                    (c - 1) as char,
                    (c - 1) as char,
                    (c - 1) as char
                ))
                .collect::<String>()
        );
        assert!(check(&bomb, SystemTime::now()).problems[0].contains("DTD"));
    }

    #[test]
    fn not_idp_metadata() {
        let sp = r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="clearml"><md:SPSSODescriptor/></md:EntityDescriptor>"#;
        assert!(check(sp, SystemTime::now()).problems[0].contains("IDPSSODescriptor"));
        assert!(check("<a>", SystemTime::now()).problems[0].contains("not well-formed"));
    }

    proptest::proptest! {
        /// Any text, well-formed XML or not, gets a verdict, never a panic.
        #[test]
        fn any_text_gets_a_verdict(
            text in "(<[a-zA-Z:]{0,12}( [a-zA-Z]{1,8}=\"[^\"<&]{0,10}\")?/?>|</[a-zA-Z:]{0,12}>|[^<&]{0,12}|<!DOCTYPE x>|&[a-z]{0,4};)*",
        ) {
            let v = check(&text, SystemTime::now());
            proptest::prop_assert!(!v.problems.is_empty() || !v.facts.is_empty() || !v.warnings.is_empty());
        }
    }
}
