//! The probe's one way onto the network: a [`Transport`] sends a [`Request`] and hands back the
//! [`Answer`] as it came (a redirect is an answer, never followed; 4xx and 5xx are answers), and
//! [`Session`] puts the per-provider limits around it (a request budget, spacing). The real
//! transport is `ureq` with rustls, the system trust store plus `--ca-file`, proxies from
//! `HTTPS_PROXY`/`NO_PROXY`, and a timeout on every request.
//!
//! It must not decide what an answer means (that is `classify`), and it must never put a
//! client secret anywhere but the `Authorization` header or the form body of the request that
//! carries it: [`Auth`] is the only way a secret reaches this module.

use super::Secret;
use std::io::Read as _;
use std::time::{Duration, Instant};

/// At most this many requests per provider (the issue's safety rule).
pub const MAX_REQUESTS: usize = 8;
/// At most this much of an answer's body is read.
const MAX_BODY: u64 = 64 * 1024;

/// GET or POST.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// POST with a form body.
    Post,
}

/// How a token request authenticates the client.
#[derive(Clone, Copy)]
pub enum Auth<'a> {
    /// No client authentication.
    None,
    /// `client_secret_basic`: the `Authorization: Basic` header.
    Basic {
        /// The client ID.
        client_id: &'a str,
        /// The secret.
        secret: &'a Secret,
    },
    /// `client_secret_post`: `client_id` and `client_secret` in the form body.
    Post {
        /// The client ID.
        client_id: &'a str,
        /// The secret.
        secret: &'a Secret,
    },
}

/// One request.
#[derive(Clone)]
pub struct Request<'a> {
    /// GET or POST.
    pub method: Method,
    /// The full URL (a GET's query included). Never holds a secret.
    pub url: String,
    /// A POST's form fields, besides what [`Auth::Post`] adds. Never holds a secret.
    pub form: Vec<(&'static str, String)>,
    /// The client authentication.
    pub auth: Auth<'a>,
    /// The `Accept` header: JSON for the discovery and token endpoints, HTML for the
    /// authorization endpoint (a browser's endpoint: some providers answer an API client
    /// otherwise than the browser a user would bring).
    pub accept: &'static str,
}

/// `Accept` for a JSON API.
pub const JSON: &str = "application/json";
/// `Accept` as a browser sends it.
pub const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

/// One answer, as it came.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The `Location` header.
    pub location: Option<String>,
    /// The `Content-Type` header.
    pub content_type: Option<String>,
    /// The body (its first 64 KiB, invalid UTF-8 replaced).
    pub body: String,
    /// The body was longer than the 64 KiB read: `body` is its beginning only.
    pub truncated: bool,
}

/// Sends requests. Tests give the probe a fake one.
pub trait Transport {
    /// Sends `request` and returns the answer, or why there is none (no connection, TLS,
    /// timeout), in a sentence without the secret.
    fn send(&mut self, request: &Request<'_>) -> Result<Answer, String>;
}

/// A provider's requests: at most [`MAX_REQUESTS`], each at least `spacing` after the last.
pub struct Session<'t> {
    transport: &'t mut dyn Transport,
    spacing: Duration,
    sent: usize,
    last: Option<Instant>,
}

impl<'t> Session<'t> {
    /// A new session over `transport`.
    pub fn new(transport: &'t mut dyn Transport, spacing: Duration) -> Session<'t> {
        Session {
            transport,
            spacing,
            sent: 0,
            last: None,
        }
    }

    /// Sends `request` unless the budget is spent, after waiting out the spacing.
    pub fn send(&mut self, request: &Request<'_>) -> Result<Answer, String> {
        if self.sent >= MAX_REQUESTS {
            return Err(format!(
                "not sent: the probe sends at most {MAX_REQUESTS} requests per provider"
            ));
        }
        if let Some(last) = self.last {
            let since = last.elapsed();
            if since < self.spacing {
                std::thread::sleep(self.spacing - since);
            }
        }
        self.sent += 1;
        let answer = self.transport.send(request);
        self.last = Some(Instant::now());
        answer
    }

    /// How many requests were sent.
    pub fn sent(&self) -> usize {
        self.sent
    }
}

/// `application/x-www-form-urlencoded` encoding of one value (also right for a URL query):
/// everything but the unreserved characters is percent-encoded.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `k=v&k=v`, each part [`encode`]d.
pub fn form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The trust roots: the system's, plus every certificate of `ca_pem` (a `--ca-file`).
/// `Err` when the file holds no certificate.
pub fn roots(ca_pem: Option<&[u8]>) -> Result<ureq::tls::RootCerts, String> {
    let mut certs: Vec<ureq::tls::Certificate<'static>> = rustls_native_certs::load_native_certs()
        .certs
        .iter()
        .map(|c| ureq::tls::Certificate::from_der(c.as_ref()).to_owned())
        .collect();
    if let Some(pem) = ca_pem {
        let before = certs.len();
        for item in ureq::tls::parse_pem(pem) {
            match item {
                Ok(ureq::tls::PemItem::Certificate(c)) => certs.push(c),
                Ok(_) => {}
                Err(e) => return Err(format!("not a PEM file: {e}")),
            }
        }
        if certs.len() == before {
            return Err("holds no PEM certificate".to_string());
        }
    }
    if certs.is_empty() {
        // No system store found (a minimal container): Mozilla's roots, built in.
        return Ok(ureq::tls::RootCerts::WebPki);
    }
    Ok(ureq::tls::RootCerts::new_with_certs(&certs))
}

/// The real transport.
pub struct Ureq {
    /// Through the proxy, if any.
    agent: ureq::Agent,
    /// Never through a proxy: for loopback addresses, which are this machine's only. A proxy
    /// would reach its own loopback, and a plain-http request (the loopback test path) would
    /// show the proxy the secret in clear.
    direct: ureq::Agent,
}

impl Ureq {
    /// An agent that follows no redirect, returns every status as an answer, gives up on a
    /// request after `timeout`, takes proxies from the environment and trusts `roots`.
    pub fn new(timeout: Duration, roots: ureq::tls::RootCerts) -> Ureq {
        Ureq::with_proxy(timeout, roots, ureq::Proxy::try_from_env())
    }

    /// [`Ureq::new`] with `proxy` instead of the environment's.
    pub fn with_proxy(
        timeout: Duration,
        roots: ureq::tls::RootCerts,
        proxy: Option<ureq::Proxy>,
    ) -> Ureq {
        let build = |proxy: Option<ureq::Proxy>| -> ureq::Agent {
            let tls = ureq::tls::TlsConfig::builder()
                .root_certs(roots.clone())
                .build();
            ureq::Agent::config_builder()
                .max_redirects(0)
                .http_status_as_error(false)
                .timeout_global(Some(timeout))
                .tls_config(tls)
                .proxy(proxy)
                .user_agent(concat!("clearml-sso-probe/", env!("CARGO_PKG_VERSION")))
                .build()
                .into()
        };
        Ureq {
            agent: build(proxy),
            direct: build(None),
        }
    }
}

/// `Basic base64(encode(id):encode(secret))`, as RFC 6749 section 2.3.1 has it.
pub(crate) fn basic(client_id: &str, secret: &Secret) -> String {
    use base64::Engine as _;
    let pair = format!("{}:{}", encode(client_id), encode(secret.expose()));
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

impl Transport for Ureq {
    fn send(&mut self, request: &Request<'_>) -> Result<Answer, String> {
        let agent = if to_loopback(&request.url) {
            &self.direct
        } else {
            &self.agent
        };
        let result = match request.method {
            Method::Get => agent
                .get(&request.url)
                .header("Accept", request.accept)
                .call(),
            Method::Post => {
                let mut fields: Vec<(&str, &str)> =
                    request.form.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let mut builder = agent
                    .post(&request.url)
                    .header("Accept", request.accept)
                    .header("Content-Type", "application/x-www-form-urlencoded");
                match request.auth {
                    Auth::None => {}
                    Auth::Basic { client_id, secret } => {
                        builder = builder.header("Authorization", basic(client_id, secret));
                    }
                    Auth::Post { client_id, secret } => {
                        fields.push(("client_id", client_id));
                        fields.push(("client_secret", secret.expose()));
                    }
                }
                builder.send(form(&fields))
            }
        };
        // ureq's error texts name the URL at most (never a header or the body).
        let mut response = result.map_err(|e| e.to_string())?;
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let location = header("location");
        let content_type = header("content-type");
        // One byte more than kept tells a long body from one of exactly MAX_BODY. A body cut
        // off (the timeout, a closed connection) is no answer: its beginning could read as
        // another one (a cut JSON document as "no discovery document").
        let mut bytes = Vec::new();
        response
            .body_mut()
            .as_reader()
            .take(MAX_BODY + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("the answer was cut off: {e}"))?;
        let truncated = bytes.len() as u64 > MAX_BODY;
        bytes.truncate(MAX_BODY as usize);
        Ok(Answer {
            status: response.status().as_u16(),
            location,
            content_type,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            truncated,
        })
    }
}

/// Whether `url` may carry a secret: `https://`, or `http://` to a loopback address (tests).
pub fn may_carry_secret(url: &str) -> bool {
    let Ok(uri) = url.parse::<ureq::http::Uri>() else {
        return false;
    };
    match uri.scheme_str() {
        Some("https") => true,
        Some("http") => uri.host().is_some_and(is_loopback),
        _ => false,
    }
}

/// Whether `url` names a loopback address (any scheme).
fn to_loopback(url: &str) -> bool {
    url.parse::<ureq::http::Uri>()
        .ok()
        .and_then(|u| u.host().map(is_loopback))
        .unwrap_or(false)
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_leaves_only_unreserved_characters() {
        assert_eq!(encode("a b&c=d/é~"), "a%20b%26c%3Dd%2F%C3%A9~");
        assert_eq!(
            form(&[("redirect_uri", "https://x/cb?a=1")]),
            "redirect_uri=https%3A%2F%2Fx%2Fcb%3Fa%3D1"
        );
    }

    #[test]
    fn a_secret_goes_over_https_or_to_loopback_only() {
        assert!(may_carry_secret("https://sso.example.com/token"));
        assert!(may_carry_secret("http://127.0.0.1:8080/token"));
        assert!(may_carry_secret("http://[::1]:8080/token"));
        assert!(may_carry_secret("http://localhost/token"));
        assert!(!may_carry_secret("http://sso.example.com/token"));
        assert!(!may_carry_secret("http://127.0.0.1.example.com/token"));
        assert!(!may_carry_secret("ftp://127.0.0.1/token"));
        assert!(!may_carry_secret("not a url"));
    }

    #[test]
    fn basic_auth_encodes_both_parts() {
        let secret = Secret::new("p:ss word".to_string());
        // base64("id%3A1:p%3Ass%20word")
        assert_eq!(basic("id:1", &secret), "Basic aWQlM0ExOnAlM0FzcyUyMHdvcmQ=");
    }

    /// A one-connection server on 127.0.0.1: reads the request head, writes `head`, then
    /// `body` in pieces `gap` apart. Returns the URL to ask.
    fn serve(head: String, body: Vec<u8>, gap: Duration) -> String {
        use std::io::{BufRead as _, Write as _};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            let Ok((stream, _)) = listener.accept() else {
                return;
            };
            let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                line.clear();
            }
            let mut stream = stream;
            let _ = stream.write_all(head.as_bytes());
            for piece in body.chunks(16 * 1024) {
                let _ = stream.write_all(piece);
                let _ = stream.flush();
                std::thread::sleep(gap);
            }
        });
        format!("http://127.0.0.1:{port}")
    }

    fn get(url: String) -> Request<'static> {
        Request {
            method: Method::Get,
            url,
            form: vec![],
            auth: Auth::None,
            accept: JSON,
        }
    }

    #[test]
    fn an_answer_cut_off_by_the_timeout_is_no_answer() {
        // The headers come at once, the body never completes within the timeout: what came is
        // not the answer (a cut JSON document is not "no discovery document").
        let body = br#"{"issuer":"http://127.0.0.1/realms/r","token_endpoint":"x"}"#.to_vec();
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len() + 100
        );
        let base = serve(head, body, Duration::from_secs(3));
        let mut t = Ureq::new(Duration::from_secs(1), roots(None).unwrap());
        let answer = t.send(&get(format!(
            "{base}/realms/r/.well-known/openid-configuration"
        )));
        assert!(answer.is_err(), "{answer:?}");
    }

    #[test]
    fn a_discovery_document_longer_than_read_is_not_a_problem() {
        // A valid document of 70 KiB: the probe reads 64 KiB of it, which is not JSON; that
        // is the probe's limit, not a wrong realm (exit 1 naming `url` and `realm`).
        let body =
            format!(r#"{{"issuer":"x","padding":"{}"}}"#, "p".repeat(70 * 1024)).into_bytes();
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        let base = serve(head, body, Duration::ZERO);
        let policy = crate::policy::parse(
            &format!("version = 1\n[providers.keycloak]\nurl = \"{base}\"\nrealm = \"r\"\nclient_id = \"c\"\nclient_secret = {{ secret = \"s\", key = \"k\" }}\n"),
            "p.toml",
        )
        .unwrap();
        let mut t = Ureq::new(Duration::from_secs(5), roots(None).unwrap());
        let results = crate::probe::run(
            &policy,
            &crate::probe::secrets::Store::new(),
            &[],
            &mut t,
            crate::probe::Options {
                spacing: Duration::ZERO,
            },
        );
        let text = crate::probe::text(&results);
        assert_eq!(
            results[0].outcome,
            crate::probe::Outcome::Inconclusive,
            "{text}"
        );
        assert_ne!(crate::probe::exit_code(&results), 1, "{text}");
    }

    #[test]
    fn a_loopback_address_is_asked_directly_never_through_a_proxy() {
        // HTTPS_PROXY=http://proxy:3128 and a token endpoint on http://127.0.0.1: through the
        // proxy the secret would travel in clear to the proxy, and on to the proxy's loopback.
        let proxy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        proxy.set_nonblocking(true).unwrap();
        let proxy_url = format!("http://127.0.0.1:{}", proxy.local_addr().unwrap().port());
        let body = b"{}".to_vec();
        let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n"
            .to_string();
        let base = serve(head, body, Duration::ZERO);
        let mut t = Ureq::with_proxy(
            Duration::from_secs(5),
            roots(None).unwrap(),
            Some(ureq::Proxy::new(&proxy_url).unwrap()),
        );
        let answer = t.send(&get(format!("{base}/token"))).unwrap();
        assert_eq!(answer.status, 200);
        assert!(proxy.accept().is_err(), "the request went to the proxy");
        assert!(to_loopback("http://[::1]:8080/x"));
        assert!(to_loopback("https://localhost/x"));
        assert!(!to_loopback("https://sso.example.com/x"));
    }

    struct Count(usize);
    impl Transport for Count {
        fn send(&mut self, _: &Request<'_>) -> Result<Answer, String> {
            self.0 += 1;
            Ok(Answer::default())
        }
    }

    #[test]
    fn a_session_sends_at_most_eight_requests() {
        let mut t = Count(0);
        let mut s = Session::new(&mut t, Duration::ZERO);
        let r = Request {
            method: Method::Get,
            url: "https://x/".into(),
            form: vec![],
            auth: Auth::None,
            accept: JSON,
        };
        let results: Vec<bool> = (0..10).map(|_| s.send(&r).is_ok()).collect();
        assert_eq!(results.iter().filter(|ok| **ok).count(), MAX_REQUESTS);
        assert_eq!(s.sent(), MAX_REQUESTS);
        assert_eq!(t.0, MAX_REQUESTS);
    }
}
