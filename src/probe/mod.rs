//! `clearml-sso probe`: checks each OAuth provider the policy declares against the identity
//! provider itself — its discovery document ([`Check::Discovery`]), whether ClearML's callback
//! is registered ([`Check::Callback`]), whether the client secret is accepted
//! ([`Check::ClientSecret`]), the scopes and claims it lists ([`Check::Claims`], warnings only)
//! — and each SAML provider's IdP metadata ([`Check::SamlMetadata`], `saml`), and reports one
//! typed [`CheckResult`] per check.
//!
//! Where the URLs come from: the policy's settings (`authorize_url`, `access_token_url`, as
//! `render` writes them) and the catalogue's discovery facts derived from the same inputs
//! ([`crate::policy::ProviderPolicy::discovery`]); nothing here knows a vendor's URL layout.
//! What an answer means is `classify`'s; the network is `http`'s; the credentials (and mounted
//! files) are `secrets`'; SAML metadata is `saml`'s.
//!
//! Safety rules it must keep: the client secret goes only to the token endpoint that the
//! discovery document names and that equals the policy's `access_token_url`, only over https
//! (http only to a loopback address), never in a URL and never into a result; a result's texts
//! are scrubbed of it besides. No redirect is followed (`http`). It must not read files or
//! know about processes (the command line hands it the policy, the secrets and a transport).

pub mod classify;
pub mod http;
pub mod saml;
pub mod secrets;

use crate::catalogue::{self, Client, DISCOVERY_OPTIONS};
use crate::clearml::values::Literal;
use crate::policy::{Policy, ProviderPolicy, Value};
use classify::{AuthorizeAnswer, TokenAnswer};
use http::{Answer, Auth, Method, Request, Session, Transport};
use serde::Serialize;
use std::time::Duration;

/// A client secret. Its `Debug` never shows it; only [`http`] reads it ([`Secret::expose`]).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: String) -> Secret {
        Secret(value)
    }

    /// The value, for the request that carries it.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// The checks, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    /// The discovery document names the endpoints the policy derives.
    Discovery,
    /// The callback URL is registered for the client.
    Callback,
    /// The client secret is accepted.
    ClientSecret,
    /// The scopes and claims the policy relies on are listed (warnings only: the lists are
    /// optional in a discovery document and often incomplete).
    Claims,
    /// A SAML provider's IdP metadata is usable (`saml`).
    SamlMetadata,
}

impl Check {
    /// The check's name in output.
    pub fn name(self) -> &'static str {
        match self {
            Check::Discovery => "discovery",
            Check::Callback => "callback",
            Check::ClientSecret => "client-secret",
            Check::Claims => "claims",
            Check::SamlMetadata => "saml-metadata",
        }
    }
}

/// What a check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The setting is right.
    Pass,
    /// Worth a look, but not a failed check (the claims check's only finding): no effect on
    /// the exit code.
    Warning,
    /// Not run (a missing input or secret, or an earlier check that did not pass); `summary`
    /// says why.
    Skipped,
    /// Run, but the answer does not tell.
    Inconclusive,
    /// A setting is wrong.
    Problem,
}

impl Outcome {
    /// The outcome's name in output.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Warning => "warning",
            Outcome::Skipped => "skipped",
            Outcome::Inconclusive => "inconclusive",
            Outcome::Problem => "problem",
        }
    }
}

/// One request and its answer, as a result shows them: never the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exchange {
    /// What was sent: method, URL, form fields (a secret as `<made-up secret>` or
    /// `<client_secret>`).
    pub sent: String,
    /// What came back, trimmed.
    pub received: String,
}

/// One check's result for one provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckResult {
    /// The provider key.
    pub provider: &'static str,
    /// The check.
    pub check: Check,
    /// What it found.
    pub outcome: Outcome,
    /// What it means, in a sentence or two.
    pub summary: String,
    /// The policy settings to look at (`providers.keycloak.realm`), for a problem.
    pub fix: Vec<String>,
    /// The requests made, in order.
    pub exchanges: Vec<Exchange>,
}

/// How the probe runs.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// The least time between two requests to one provider.
    pub spacing: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            spacing: Duration::from_millis(300),
        }
    }
}

/// An IdP metadata document given to the probe (`--metadata [PROVIDER=]FILE`).
#[derive(Debug, Clone)]
pub struct Metadata {
    /// The SAML provider it is for; `None`: the policy's only SAML provider.
    pub provider: Option<String>,
    /// Where it came from, for the result.
    pub source: String,
    /// The XML.
    pub text: String,
}

/// Probes every provider of `policy`, in policy order, with `secrets` for the values the
/// policy takes from Secrets and ConfigMaps, and `metadata` for SAML providers.
pub fn run(
    policy: &Policy,
    secrets: &secrets::Store,
    metadata: &[Metadata],
    transport: &mut dyn Transport,
    options: Options,
) -> Vec<CheckResult> {
    let mut results = Vec::new();
    let saml_count = policy
        .providers
        .iter()
        .filter(|p| p.spec.client == Client::Saml)
        .count();
    for provider in &policy.providers {
        if provider.spec.client == Client::Saml {
            let given = metadata.iter().find(|m| match &m.provider {
                Some(key) => key == provider.spec.key,
                None => saml_count == 1,
            });
            let found = match given {
                Some(m) => Ok(m.clone()),
                None => mounted_metadata(provider, secrets),
            };
            results.push(saml_check(provider, found));
            continue;
        }
        let mut session = Session::new(transport, options.spacing);
        results.extend(probe_provider(
            provider,
            policy.sso.webapp.as_deref(),
            secrets,
            &mut session,
        ));
    }
    scrub_results(&mut results, &hidden_values(policy, secrets));
    results
}

/// What no result may show: every `--secrets` Secret value, and every secret option's value
/// wherever it comes from (a literal, a Secret, a ConfigMap), also in the forms it takes on the
/// wire ([`sent_forms`]). Longest first, so that a value inside another (a client ID inside
/// its secret) does not break the longer one before it is replaced.
fn hidden_values(policy: &Policy, secrets: &secrets::Store) -> Vec<String> {
    let mut hidden = secrets.all_values();
    for p in &policy.providers {
        let client_id = match known(p, "client_id", secrets) {
            Known::Value(v) => v,
            Known::Unknown(_) => String::new(),
        };
        for s in p.settings.iter().filter(|s| s.option.secret) {
            if let Known::Value(v) = known(p, s.option.name, secrets) {
                hidden.extend(sent_forms(&v, &client_id));
            }
        }
    }
    longest_first(&mut hidden);
    hidden
}

/// A secret as a token request carries it and as an answer may reflect it: as it is, form-
/// encoded (the `client_secret_post` body), inside the `Authorization: Basic` value (base64 of
/// `client_id:secret`), HTML-escaped and JSON-escaped (an error page or description quoting it).
fn sent_forms(secret: &str, client_id: &str) -> Vec<String> {
    use base64::Engine as _;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let basic = http::basic(client_id, &Secret::new(secret.to_string()));
    let mut forms = vec![
        secret.to_string(),
        http::encode(secret),
        // Another encoder's spelling of the same form value: `+` for a space.
        http::encode(secret).replace("%20", "+"),
        basic.trim_start_matches("Basic ").to_string(),
        b64(secret),
        b64(&http::encode(secret)),
        secret.replace('/', "\\/"),
    ];
    if let Ok(json) = serde_json::to_string(secret) {
        forms.push(json.trim_matches('"').to_string());
    }
    let html = secret
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    forms.push(html.replace('\'', "&#39;"));
    forms.push(html.replace('\'', "&#x27;"));
    longest_first(&mut forms);
    forms
}

/// Sorts `values` longest first (a value inside another must not be replaced before it) and
/// drops repeats and empty ones.
fn longest_first(values: &mut Vec<String>) {
    values.retain(|v| !v.is_empty());
    values.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    values.dedup();
}

/// `text` with every value of `values` (longest first) replaced by `<redacted>`.
fn redact(text: &str, values: &[String]) -> String {
    let mut out = text.to_string();
    for v in values {
        if !v.is_empty() && out.contains(v.as_str()) {
            out = out.replace(v.as_str(), "<redacted>");
        }
    }
    out
}

/// The exit code a set of results makes: 1 with a problem, else 4 with a result that is not a
/// pass (inconclusive or skipped: exit 0 promises every check passed), else 0.
pub fn exit_code(results: &[CheckResult]) -> u8 {
    let has = |o: Outcome| results.iter().any(|r| r.outcome == o);
    if has(Outcome::Problem) {
        1
    } else if has(Outcome::Inconclusive) || has(Outcome::Skipped) || results.is_empty() {
        // No provider at all: nothing was checked, which is not a pass either.
        4
    } else {
        0
    }
}

/// A value the probe needs: as ClearML would read it, or why it is not known.
enum Known {
    Value(String),
    Unknown(String),
}

fn setting<'p>(p: &'p ProviderPolicy, option: &str) -> Option<&'p Value> {
    p.settings
        .iter()
        .find(|s| s.option.name == option)
        .map(|s| &s.value)
}

fn known(p: &ProviderPolicy, option: &str, secrets: &secrets::Store) -> Known {
    match setting(p, option) {
        None => Known::Unknown(format!("the policy sets no `{option}`")),
        Some(Value::Literal(Literal::Str(s))) => Known::Value(s.clone()),
        Some(Value::Literal(_)) => Known::Unknown(format!("`{option}` is not a string")),
        Some(Value::Secret { name, key }) => match secrets.secret(name, key) {
            Ok(v) => Known::Value(v),
            Err(why) => Known::Unknown(why),
        },
        Some(Value::ConfigMap { name, key }) => match secrets.config_map(name, key) {
            Ok(v) => Known::Value(v),
            Err(why) => Known::Unknown(why),
        },
    }
}

/// `providers.KEY.NAME`, as a result's `fix` names a setting.
fn label(p: &ProviderPolicy, name: &str) -> String {
    format!("providers.{}.{name}", p.spec.key)
}

/// Where a derived value comes from: the inputs, or the option when the policy writes it.
fn source_of(p: &ProviderPolicy, option: Option<&str>) -> Vec<String> {
    if let Some(o) = option {
        if p.settings.iter().any(|s| s.option.name == o && !s.derived) {
            return vec![label(p, o)];
        }
    }
    p.spec.inputs.iter().map(|i| label(p, i.name)).collect()
}

fn result(
    p: &ProviderPolicy,
    check: Check,
    outcome: Outcome,
    summary: String,
    fix: Vec<String>,
    exchanges: Vec<Exchange>,
) -> CheckResult {
    CheckResult {
        provider: p.spec.key,
        check,
        outcome,
        summary,
        fix,
        exchanges,
    }
}

/// What an answer looked like, for a result: status, Location, and the error or an excerpt.
fn describe(answer: &Answer) -> String {
    let mut out = format!("HTTP {}", answer.status);
    if let Some(l) = &answer.location {
        out.push_str(&format!(", Location: {}", shorten(l, 300)));
    }
    let json = serde_json::from_str::<serde_json::Value>(&answer.body).ok();
    let error = |k: &str| {
        json.as_ref()
            .and_then(|v| v.get(k))
            .and_then(|e| e.as_str())
            .map(str::to_string)
    };
    match (error("error"), error("error_description")) {
        (Some(e), Some(d)) => out.push_str(&format!(", error={e}: {}", shorten(&d, 200))),
        (Some(e), None) => out.push_str(&format!(", error={e}")),
        // A redirect's body only repeats the Location.
        _ if json.is_some() || answer.location.is_some() => {}
        _ if !answer.body.trim().is_empty() => {
            out.push_str(&format!(": {}", classify::excerpt(&answer.body)));
        }
        _ => {}
    }
    out
}

fn shorten(s: &str, max: usize) -> String {
    let mut out: String = s.chars().take(max).collect();
    if s.chars().count() > max {
        out.push('…');
    }
    out
}

fn exchange(sent: String, answer: &Result<Answer, String>) -> Exchange {
    Exchange {
        sent,
        received: match answer {
            Ok(a) => describe(a),
            Err(e) => format!("no answer: {e}"),
        },
    }
}

/// What the discovery check learned for the later checks.
struct Discovered {
    /// The document's token endpoint, when it equals the policy's `access_token_url`: the only
    /// place the secret may go.
    token_endpoint: Option<String>,
    /// `token_endpoint_auth_methods_supported`, when the document says.
    auth_methods: Option<Vec<String>>,
    /// `scopes_supported`, when the document says.
    scopes: Option<Vec<String>>,
    /// `claims_supported`, when the document says.
    claims: Option<Vec<String>>,
}

fn probe_provider(
    p: &ProviderPolicy,
    webapp: Option<&str>,
    secrets: &secrets::Store,
    session: &mut Session<'_>,
) -> Vec<CheckResult> {
    let mut out = Vec::new();
    let (discovery, found) = discovery(p, session);
    out.push(discovery);
    let client_id = known(p, "client_id", secrets);
    let callback = webapp.map(|w| catalogue::callback_url(w, p.spec.key));
    out.push(callback_check(p, &client_id, callback.as_deref(), session));
    out.push(secret_check(
        p,
        &client_id,
        secrets,
        callback.as_deref(),
        found.as_ref(),
        session,
    ));
    if let Some(found) = &found {
        out.push(claims_check(p, found));
    }
    out
}

/// The scopes and claims the policy relies on: `openid` and `email` always; the groups claim
/// (`groups.claim`, `groups` by default) when group sync is on. Only what a document lists
/// can be compared, and a list may be incomplete: every finding is a warning.
fn claims_check(p: &ProviderPolicy, found: &Discovered) -> CheckResult {
    let groups_on = matches!(
        setting(p, "groups.enabled"),
        Some(Value::Literal(Literal::Bool(true)))
    );
    let groups_claim = match setting(p, "groups.claim") {
        Some(Value::Literal(Literal::Str(c))) => c.clone(),
        _ => "groups".to_string(),
    };
    let mut missing = Vec::new();
    let mut unlisted = Vec::new();
    let mut fix = Vec::new();
    match &found.scopes {
        Some(scopes) => {
            for scope in ["openid", "email"] {
                if !scopes.iter().any(|s| s == scope) {
                    missing.push(format!("scope `{scope}` is not in scopes_supported"));
                }
            }
        }
        None => unlisted.push("scopes_supported"),
    }
    match &found.claims {
        Some(claims) => {
            if !claims.iter().any(|c| c == "email") {
                missing.push("claim `email` is not in claims_supported".to_string());
            }
            if groups_on && !claims.contains(&groups_claim) {
                missing.push(format!(
                    "group sync is on, and the claim `{groups_claim}` is not in claims_supported"
                ));
                fix.push(label(p, "groups.claim"));
            }
        }
        None => unlisted.push("claims_supported"),
    }
    let (outcome, summary) = if !missing.is_empty() {
        (
            Outcome::Warning,
            format!(
                "{} (the lists may be incomplete: check the provider's mappers)",
                missing.join("; ")
            ),
        )
    } else if !unlisted.is_empty() {
        fix.clear();
        (
            Outcome::Warning,
            format!(
                "the document has no {}: the scopes and claims the login needs cannot be compared",
                unlisted.join(" or ")
            ),
        )
    } else {
        (
            Outcome::Pass,
            if groups_on {
                format!("the document lists the scopes openid and email and the claims email and `{groups_claim}`")
            } else {
                "the document lists the scopes openid and email and the claim email".to_string()
            },
        )
    };
    result(p, Check::Claims, outcome, summary, fix, Vec::new())
}

/// The metadata `idp_metadata_file` names, from the `--secrets` files: the one ConfigMap or
/// Secret key named like the file (a volume shows each key as a file of its name). `Err` says
/// why there is none to check.
fn mounted_metadata(p: &ProviderPolicy, secrets: &secrets::Store) -> Result<Metadata, String> {
    let hint = format!(
        "pass the IdP metadata that `idp_metadata_file` mounts with --metadata {}=FILE, or its ConfigMap with --secrets",
        p.spec.key
    );
    let Some(Value::Literal(Literal::Str(path))) = setting(p, "idp_metadata_file") else {
        return Err(format!("no metadata given: {hint}"));
    };
    let file = path.rsplit('/').next().unwrap_or_default();
    let mut found = secrets.files_named(file);
    match found.len() {
        0 => Err(format!("no metadata given: {hint}")),
        1 => {
            let (source, text) = found.remove(0);
            Ok(Metadata {
                provider: Some(p.spec.key.to_string()),
                source,
                text,
            })
        }
        n => Err(format!(
            "{n} keys named `{file}` in the --secrets files ({}): {hint}",
            found
                .iter()
                .map(|(s, _)| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// A SAML provider's metadata check: no request, the document given on the command line.
fn saml_check(p: &ProviderPolicy, metadata: Result<Metadata, String>) -> CheckResult {
    let m = match metadata {
        Ok(m) => m,
        Err(why) => {
            return result(
                p,
                Check::SamlMetadata,
                Outcome::Skipped,
                why,
                Vec::new(),
                Vec::new(),
            )
        }
    };
    let v = saml::check(&m.text, std::time::SystemTime::now());
    let facts = if v.facts.is_empty() {
        String::new()
    } else {
        format!(" ({})", v.facts.join("; "))
    };
    let (outcome, summary, fix) = if !v.problems.is_empty() {
        (
            Outcome::Problem,
            format!("{}: {}{facts}", m.source, v.problems.join("; ")),
            vec![label(p, "idp_metadata_file")],
        )
    } else if !v.warnings.is_empty() {
        (
            Outcome::Warning,
            format!("{}: {}{facts}", m.source, v.warnings.join("; ")),
            Vec::new(),
        )
    } else {
        (
            Outcome::Pass,
            format!("{}: usable IdP metadata{facts}", m.source),
            Vec::new(),
        )
    };
    result(p, Check::SamlMetadata, outcome, summary, fix, Vec::new())
}

/// The value the policy expects for a discovery field, and the settings it comes from.
fn expected(p: &ProviderPolicy) -> Vec<(&'static str, String, Vec<String>)> {
    let mut out = Vec::new();
    for (option, field) in DISCOVERY_OPTIONS {
        if let Some(Value::Literal(Literal::Str(v))) = setting(p, option) {
            out.push((*field, v.clone(), source_of(p, Some(option))));
        }
    }
    for (field, value) in &p.discovery {
        if !out.iter().any(|(f, _, _)| f == field) {
            out.push((*field, value.clone(), source_of(p, None)));
        }
    }
    out
}

/// Fields a discovery document may leave out without ClearML's login breaking.
const OPTIONAL_FIELDS: &[&str] = &["end_session_endpoint", "userinfo_endpoint"];

fn discovery(p: &ProviderPolicy, session: &mut Session<'_>) -> (CheckResult, Option<Discovered>) {
    let skipped = |why: String| {
        (
            result(
                p,
                Check::Discovery,
                Outcome::Skipped,
                why,
                Vec::new(),
                Vec::new(),
            ),
            None,
        )
    };
    let Some((_, issuer)) = p.discovery.iter().find(|(f, _)| *f == "issuer") else {
        let inputs: Vec<&str> = p.spec.inputs.iter().map(|i| i.name).collect();
        return skipped(if inputs.is_empty() {
            format!(
                "the catalogue knows no discovery document for {}",
                p.spec.title
            )
        } else {
            format!(
                "the policy gives the URLs, not the inputs they are derived from ({}): the issuer is not known",
                inputs.join(", ")
            )
        });
    };
    let url = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    let request = Request {
        method: Method::Get,
        url: url.clone(),
        form: Vec::new(),
        auth: Auth::None,
        accept: http::JSON,
    };
    let answer = session.send(&request);
    let exchanges = vec![exchange(format!("GET {url}"), &answer)];
    let inputs = source_of(p, None);
    let done = |outcome, summary: String, fix: Vec<String>| {
        (
            result(
                p,
                Check::Discovery,
                outcome,
                summary,
                fix,
                exchanges.clone(),
            ),
            None,
        )
    };
    let answer = match answer {
        Ok(a) => a,
        Err(e) => {
            return done(
                Outcome::Inconclusive,
                format!("no answer from {url} ({e}); check the address, or run the probe where the apiserver runs"),
                Vec::new(),
            )
        }
    };
    match answer.status {
        200 => {}
        404 | 410 => {
            return done(
                Outcome::Problem,
                format!("no discovery document at {url} (HTTP {}): the issuer the policy derives does not exist", answer.status),
                inputs,
            )
        }
        s if (300..400).contains(&s) => {
            return done(
                Outcome::Problem,
                format!("{url} answers with a redirect, not the discovery document: the issuer the policy derives is not the provider's"),
                inputs,
            )
        }
        s if s >= 500 => {
            return done(
                Outcome::Inconclusive,
                format!("the provider failed to answer ({s})"),
                Vec::new(),
            )
        }
        s => {
            return done(
                Outcome::Problem,
                format!("{url} answers HTTP {s}, not the discovery document"),
                inputs,
            )
        }
    }
    let Ok(serde_json::Value::Object(doc)) = serde_json::from_str(&answer.body) else {
        if answer.truncated {
            // Only the beginning was read: the probe's limit, not the provider's fault.
            return done(
                Outcome::Inconclusive,
                format!("the answer of {url} is longer than the probe reads, so it was not read as a discovery document"),
                Vec::new(),
            );
        }
        return done(
            Outcome::Problem,
            format!("{url} does not answer with a JSON discovery document"),
            inputs,
        );
    };
    let field = |name: &str| doc.get(name).and_then(|v| v.as_str()).map(str::to_string);
    // Entra ID writes the tenant as its ID: accept that ID where the policy has a domain.
    let tenant_swap: Option<(String, String)> = p.spec.discovery_tenant.and_then(|input| {
        let given = p.inputs.iter().find(|(n, _)| *n == input)?.1.clone();
        // A tenant given by its ID is compared as it is.
        if catalogue::is_guid(&given) {
            return None;
        }
        let issuer = field("issuer")?;
        let id = issuer
            .split('/')
            .find(|s| catalogue::is_guid(s))?
            .to_string();
        Some((format!("/{given}/"), format!("/{id}/")))
    });
    let mut wrong = Vec::new();
    let mut notes = Vec::new();
    let mut fix = Vec::new();
    for (name, want, from) in expected(p) {
        let got = field(name);
        let same = |got: &str| {
            got == want
                || tenant_swap
                    .as_ref()
                    .is_some_and(|(given, id)| got == want.replacen(given.as_str(), id, 1))
        };
        match got {
            Some(g) if same(&g) => {}
            Some(g) => {
                wrong.push(format!("`{name}` is {g}, the policy derives {want}"));
                for f in from {
                    if !fix.contains(&f) {
                        fix.push(f);
                    }
                }
            }
            None if OPTIONAL_FIELDS.contains(&name) => {
                notes.push(format!("the document has no `{name}`"));
            }
            None => {
                wrong.push(format!(
                    "the document has no `{name}` (the policy derives {want})"
                ));
                for f in from {
                    if !fix.contains(&f) {
                        fix.push(f);
                    }
                }
            }
        }
    }
    let token = field("token_endpoint");
    let policy_token = match setting(p, "access_token_url") {
        Some(Value::Literal(Literal::Str(v))) => Some(v.clone()),
        _ => p
            .discovery
            .iter()
            .find(|(f, _)| *f == "token_endpoint")
            .map(|(_, v)| v.clone()),
    };
    let list = |name: &str| {
        doc.get(name).and_then(|v| v.as_array()).map(|a| {
            a.iter()
                .filter_map(|m| m.as_str().map(str::to_string))
                .collect()
        })
    };
    let found = Discovered {
        token_endpoint: token.filter(|t| Some(t) == policy_token.as_ref()),
        auth_methods: list("token_endpoint_auth_methods_supported"),
        scopes: list("scopes_supported"),
        claims: list("claims_supported"),
    };
    let note = if notes.is_empty() {
        String::new()
    } else {
        format!(" ({})", notes.join("; "))
    };
    if wrong.is_empty() {
        let (r, _) = done(
            Outcome::Pass,
            format!("the discovery document names the endpoints the policy derives{note}"),
            Vec::new(),
        );
        (r, Some(found))
    } else {
        let (r, _) = done(Outcome::Problem, format!("{}{note}", wrong.join("; ")), fix);
        (r, Some(found))
    }
}

/// A made-up value: unguessable enough that no provider has it as a code or secret.
fn made_up(what: &str) -> String {
    use std::hash::{BuildHasher as _, Hasher as _};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    let a = h.finish();
    let mut h2 = std::collections::hash_map::RandomState::new().build_hasher();
    h2.write_u64(a);
    format!("clearml-sso-probe-{what}-{a:016x}{:016x}", h2.finish())
}

/// The errors OpenID Connect Core 3.1.2.6 gives `prompt=none` without a session: what a
/// registered callback gets back when nobody is logged in.
const PROMPT_NONE: &[&str] = &[
    "login_required",
    "interaction_required",
    "consent_required",
    "account_selection_required",
];

/// Errors a provider sends to a registered callback about the client itself (RFC 6749
/// 4.1.2.1): the login would get them too.
const CLIENT_REFUSED: &[&str] = &[
    "unauthorized_client",
    "unsupported_response_type",
    "invalid_scope",
];

fn callback_check(
    p: &ProviderPolicy,
    client_id: &Known,
    callback: Option<&str>,
    session: &mut Session<'_>,
) -> CheckResult {
    let skipped = |why: String| {
        result(
            p,
            Check::Callback,
            Outcome::Skipped,
            why,
            Vec::new(),
            Vec::new(),
        )
    };
    let Some(callback) = callback else {
        return skipped(
            "the policy has no `[sso] webapp`, so the callback URL is not known".to_string(),
        );
    };
    let client_id = match client_id {
        Known::Value(v) => v,
        Known::Unknown(why) => return skipped(format!("the client ID is not known: {why}")),
    };
    let authorize = match setting(p, "authorize_url") {
        Some(Value::Literal(Literal::Str(v))) => v.clone(),
        _ => match p
            .discovery
            .iter()
            .find(|(f, _)| *f == "authorization_endpoint")
        {
            Some((_, v)) => v.clone(),
            None => return skipped("the authorization URL is not known".to_string()),
        },
    };
    let query = http::form(&[
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", callback),
        ("scope", "openid email profile"),
        ("prompt", "none"),
        ("state", &made_up("state")),
    ]);
    let sep = if authorize.contains('?') { '&' } else { '?' };
    let url = format!("{authorize}{sep}{query}");
    let request = Request {
        method: Method::Get,
        url: url.clone(),
        form: Vec::new(),
        auth: Auth::None,
        accept: http::BROWSER,
    };
    let answer = session.send(&request);
    let exchanges = vec![exchange(format!("GET {url}"), &answer)];
    let done = |outcome, summary: String, fix: Vec<String>| {
        result(p, Check::Callback, outcome, summary, fix, exchanges.clone())
    };
    let answer = match answer {
        Ok(a) => a,
        Err(e) => {
            return done(
                Outcome::Inconclusive,
                format!("no answer ({e})"),
                Vec::new(),
            )
        }
    };
    match classify::authorize(&answer, callback) {
        // RFC 6749 4.1.2.1: errors about the client's grant, response type or scope, sent to
        // the callback once it is validated. The login ClearML starts there would get the same.
        AuthorizeAnswer::Registered(Some(error))
            if CLIENT_REFUSED.contains(&error.as_str()) =>
        {
            done(
                Outcome::Problem,
                format!(
                    "the provider redirects back to {callback}, so the callback is registered, but with error={error}: the client is not allowed the login ClearML starts (the authorization-code flow with the scopes openid email profile; Keycloak: Standard flow, Okta: the Authorization Code grant type)"
                ),
                vec![label(p, "client_id")],
            )
        }
        AuthorizeAnswer::Registered(error) => done(
            Outcome::Pass,
            format!(
                "the provider redirects back to {callback}{}: the callback is registered for the client",
                error
                    .map(|e| if PROMPT_NONE.contains(&e.as_str()) {
                        format!(" (error={e}, as expected without a login)")
                    } else {
                        format!(" (error={e})")
                    })
                    .unwrap_or_default()
            ),
            Vec::new(),
        ),
        AuthorizeAnswer::CallbackNotRegistered(text) => done(
            Outcome::Problem,
            format!("the provider refuses the callback {callback} (\"{text}\"): register it for the client, or correct `[sso] webapp`"),
            vec!["sso.webapp".to_string()],
        ),
        AuthorizeAnswer::ClientUnknown(text) => done(
            Outcome::Problem,
            format!("the provider does not know the client (\"{text}\")"),
            vec![label(p, "client_id")],
        ),
        AuthorizeAnswer::LoginPage => done(
            Outcome::Inconclusive,
            "the provider shows a login page: it checks the callback only after a login, so this cannot tell".to_string(),
            Vec::new(),
        ),
        AuthorizeAnswer::Unclear(why) => done(
            Outcome::Inconclusive,
            format!("the answer does not tell: {why}"),
            Vec::new(),
        ),
    }
}

fn secret_check(
    p: &ProviderPolicy,
    client_id: &Known,
    secrets: &secrets::Store,
    callback: Option<&str>,
    found: Option<&Discovered>,
    session: &mut Session<'_>,
) -> CheckResult {
    let skipped = |why: String| {
        result(
            p,
            Check::ClientSecret,
            Outcome::Skipped,
            why,
            Vec::new(),
            Vec::new(),
        )
    };
    let secret = match known(p, "client_secret", secrets) {
        Known::Value(v) => Secret::new(v),
        Known::Unknown(why) => return skipped(format!("no client secret to check: {why}")),
    };
    let client_id = match client_id {
        Known::Value(v) => v.clone(),
        Known::Unknown(why) => return skipped(format!("the client ID is not known: {why}")),
    };
    let Some(found) = found else {
        return skipped("the discovery document was not read, so the token endpoint is not confirmed: the secret is not sent".to_string());
    };
    let Some(token_url) = found.token_endpoint.clone() else {
        return skipped("the discovery document's token endpoint is not the policy's `access_token_url`: the secret is not sent".to_string());
    };
    if !http::may_carry_secret(&token_url) {
        return skipped(format!("{token_url} is not https (plain http only to a loopback address): the secret is not sent"));
    }
    // client_secret_basic is the default (RFC 8414); a provider that lists methods may take
    // client_secret_post instead, tried second.
    let methods: Vec<&str> = match &found.auth_methods {
        None => vec!["client_secret_basic"],
        Some(list) => ["client_secret_basic", "client_secret_post"]
            .into_iter()
            .filter(|m| list.iter().any(|l| l == m))
            .collect(),
    };
    if methods.is_empty() {
        return skipped(
            "the provider lists neither client_secret_basic nor client_secret_post".to_string(),
        );
    }
    let mut exchanges = Vec::new();
    let mut form = vec![
        ("grant_type", "authorization_code".to_string()),
        ("code", made_up("code")),
    ];
    if let Some(cb) = callback {
        form.push(("redirect_uri", cb.to_string()));
    }
    let fields = form
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ");
    let done = |outcome, summary: String, fix: Vec<String>, exchanges: &Vec<Exchange>| {
        result(
            p,
            Check::ClientSecret,
            outcome,
            summary,
            fix,
            exchanges.clone(),
        )
    };
    let fake = Secret::new(made_up("secret"));
    let mut rejected = Vec::new();
    for method in &methods {
        let mut send = |secret: &Secret, shown: &str, exchanges: &mut Vec<Exchange>| {
            let auth = if *method == "client_secret_basic" {
                Auth::Basic {
                    client_id: &client_id,
                    secret,
                }
            } else {
                Auth::Post {
                    client_id: &client_id,
                    secret,
                }
            };
            let request = Request {
                method: Method::Post,
                url: token_url.clone(),
                form: form.clone(),
                auth,
                accept: http::JSON,
            };
            // The answer may quote what it was sent: the secret's forms are replaced before
            // anything reads, decodes or trims the answer (a trimmed quote would keep a part).
            let forms = sent_forms(secret.expose(), &client_id);
            let answer = session.send(&request).map(|mut a| {
                a.body = redact(&a.body, &forms);
                a.location = a.location.map(|l| redact(&l, &forms));
                a
            });
            exchanges.push(exchange(
                format!("POST {token_url} {fields}, client_id={client_id}, {shown} by {method}"),
                &answer,
            ));
            answer
        };
        // The control: a made-up secret must be refused, or the real one's answer means nothing.
        let control = send(&fake, "a made-up secret", &mut exchanges);
        let control_code = match control.as_ref().map(classify::token) {
            Err(e) => {
                return done(Outcome::Inconclusive, format!("no answer from the token endpoint ({e})"), Vec::new(), &exchanges)
            }
            Ok(TokenAnswer::Rejected(code)) => code,
            Ok(TokenAnswer::Authenticated) => {
                return done(
                    Outcome::Inconclusive,
                    "the provider took a made-up secret as far as the code (it judges the code before the client), so its answer to the real secret cannot tell".to_string(),
                    Vec::new(),
                    &exchanges,
                )
            }
            Ok(TokenAnswer::Unclear(why)) => {
                return done(Outcome::Inconclusive, format!("the answer to a made-up secret does not tell: {why}"), Vec::new(), &exchanges)
            }
        };
        let real = send(&secret, "the policy's client secret", &mut exchanges);
        match real.as_ref().map(classify::token) {
            Err(e) => {
                return done(Outcome::Inconclusive, format!("no answer from the token endpoint ({e})"), Vec::new(), &exchanges)
            }
            Ok(TokenAnswer::Authenticated) => {
                return done(
                    Outcome::Pass,
                    format!("the client authenticates with the secret ({method}): the provider refused only the made-up code (invalid_grant)"),
                    Vec::new(),
                    &exchanges,
                )
            }
            // Another refusal than the made-up secret's: the secret made a difference, so the
            // client authenticated and something else is refused (RFC 6749 5.2:
            // `unauthorized_client`, a grant the client may not use).
            Ok(TokenAnswer::Rejected(code)) if code != control_code => {
                return done(
                    Outcome::Problem,
                    format!("the provider answers the policy's secret with {code} and a made-up one with {control_code} ({method}): the secret is accepted, and the client is refused the authorization-code grant ClearML's login uses (Keycloak: Standard flow, Okta: the Authorization Code grant type)"),
                    vec![label(p, "client_id")],
                    &exchanges,
                )
            }
            Ok(TokenAnswer::Rejected(code)) => rejected.push(format!("{code} by {method}")),
            Ok(TokenAnswer::Unclear(why)) => {
                return done(Outcome::Inconclusive, format!("the answer to the secret does not tell: {why}"), Vec::new(), &exchanges)
            }
        }
    }
    done(
        Outcome::Problem,
        format!(
            "the provider refuses the client with the policy's secret ({}): the secret is wrong (rotated?), or the client ID is not this provider's",
            rejected.join(", ")
        ),
        vec![label(p, "client_secret"), label(p, "client_id")],
        &exchanges,
    )
}

/// Replaces every secret value (`--secrets` values, the policy's literal credentials) in the
/// results' texts (an echo in an error page, a description quoting the request) and escapes
/// control characters.
fn scrub_results(results: &mut [CheckResult], values: &[String]) {
    let scrub = |s: &mut String| {
        *s = crate::report::escape_lines(&redact(s, values)).replace('\n', " ");
    };
    for r in results {
        scrub(&mut r.summary);
        for e in &mut r.exchanges {
            scrub(&mut e.sent);
            scrub(&mut e.received);
        }
    }
}

/// The results as text: one block per result, then a count.
pub fn text(results: &[CheckResult]) -> String {
    let mut out = String::new();
    for r in results {
        out.push_str(&format!(
            "{} {}: {}: {}\n",
            r.provider,
            r.check.name(),
            r.outcome.name(),
            r.summary
        ));
        if !r.fix.is_empty() {
            out.push_str(&format!("  check: {}\n", r.fix.join(", ")));
        }
        for e in &r.exchanges {
            out.push_str(&format!("  sent: {}\n  received: {}\n", e.sent, e.received));
        }
    }
    let count = |o: Outcome| results.iter().filter(|r| r.outcome == o).count();
    out.push_str(&format!(
        "probe: {} passed, {} problem(s), {} inconclusive, {} skipped, {} warning(s)\n",
        count(Outcome::Pass),
        count(Outcome::Problem),
        count(Outcome::Inconclusive),
        count(Outcome::Skipped),
        count(Outcome::Warning)
    ));
    out
}

/// The results as one JSON document: `{"exit": N, "results": [...]}`.
pub fn json(results: &[CheckResult]) -> String {
    let doc = serde_json::json!({
        "exit": exit_code(results),
        "results": results,
    });
    let mut s = serde_json::to_string_pretty(&doc).expect("results serialize");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests;
