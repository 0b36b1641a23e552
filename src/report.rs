//! Findings: the stable codes, where each finding is, and how findings are written.
//!
//! Messages never contain a secret's value: they name Secrets, keys and variables only.

use crate::k8s::ObjectRef;
use serde::Serialize;
use std::fmt::Write as _;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The render fails.
    Error,
    /// Something was wrong (and was corrected, or is worth a look).
    Warning,
    /// For information.
    Note,
}

impl Severity {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// A finding code: stable id, default severity, one-line summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    /// Stable kebab-case id; tests and CI rules rely on it.
    pub id: &'static str,
    /// Severity in `fix` mode (`audit` raises fixable drift to error).
    pub severity: Severity,
    /// What it means.
    pub summary: &'static str,
}

macro_rules! codes {
    ($($name:ident = $id:literal, $sev:ident, $summary:literal;)*) => {
        $(#[doc = $summary] pub const $name: Code = Code { id: $id, severity: Severity::$sev, summary: $summary };)*
        /// Every code, for documentation and SARIF rules.
        pub const ALL_CODES: &[Code] = &[$($name),*];
    };
}

codes! {
    NO_TARGET = "no-target", Error, "no container matched [target]: the SSO settings would reach nothing";
    MISSING_SECRET = "missing-secret", Error, "a Secret the SSO settings read is not provided";
    MISSING_SECRET_KEY = "missing-secret-key", Error, "a Secret is there but the key is missing, empty or a placeholder";
    MISSING_CONFIGMAP = "missing-configmap", Error, "a ConfigMap a target container reads is not provided ([secrets] check = \"all\")";
    MISSING_CONFIGMAP_KEY = "missing-configmap-key", Error, "a ConfigMap is there but the key is missing";
    KEY_FROM_DATAFROM = "key-from-datafrom", Note, "an ExternalSecret with dataFrom may provide the key; it cannot be checked before install";
    PLAINTEXT_SECRET = "plaintext-secret", Error, "a credential is written as a literal value";
    MISSING_VARIABLE = "missing-variable", Note, "a setting the policy requires was missing and was added";
    WRONG_SECTION = "wrong-section", Warning, "a variable used the wrong section (secure/services); ClearML would not read it there";
    NAME_CASE = "name-case", Warning, "a variable's name differed in case from the canonical spelling";
    WRONG_PREFIX = "wrong-prefix", Warning, "a variable started with a prefix ClearML ignores (clearml__) or overrides (TRAINS__)";
    DUPLICATE_VARIABLE = "duplicate-variable", Warning, "one setting was given by several env entries (Kubernetes keeps the last)";
    VALUE_MISMATCH = "value-mismatch", Warning, "a setting's value differed from the policy";
    VALUE_SOURCE = "value-source", Warning, "a setting came from a different source (literal, Secret, ConfigMap) than the policy says";
    OPTIONAL_SECRET_REF = "optional-secret-ref", Warning, "a required setting read an optional secretKeyRef; it was made required";
    UNKNOWN_PROVIDER = "unknown-provider", Warning, "SSO variables for a provider the policy does not declare";
    UNKNOWN_OPTION = "unknown-option", Warning, "an SSO variable for an option ClearML does not document";
    INVALID_ENV_ENTRY = "invalid-env-entry", Error, "an env entry Kubernetes would reject";
    NON_STRING_VALUE = "non-string-value", Warning, "an env value YAML reads as a boolean, number, list or null; Kubernetes needs a string (T11)";
    AZURE_AD_KEY = "azure-ad-key", Warning, "an `ad_oauth` variable next to an `azure_ad` policy: ClearML's Azure page misprints the key (T1)";
    NAME_WHITESPACE = "name-whitespace", Warning, "a variable name with leading or trailing whitespace (T5)";
    COMPOSE_VARIABLE = "compose-variable", Error, "a docker-compose `${VAR}`: Kubernetes passes it literally and ClearML fails to parse it (T2, T17)";
    UNPARSEABLE_VALUE = "unparseable-value", Error, "a value ClearML's HOCON parser rejects (T4)";
    COMMENT_IN_VALUE = "comment-in-value", Warning, "a ` # …` tail inside a value (T18); removed";
    NOT_A_LIST = "not-a-list", Warning, "a bare value where ClearML needs a list; bracketed";
    NOT_A_STRING = "not-a-string", Warning, "a value ClearML would read as a number where a string is meant (T26); quoted";
    NOT_A_BOOLEAN = "not-a-boolean", Warning, "a quoted or differently spelled boolean; written as true/false";
    BASE_URL_SLASH = "base-url-slash", Warning, "a base_url without its trailing `/` (T22); added";
    METADATA_NOT_MOUNTED = "metadata-not-mounted", Error, "idp_metadata_file names a path no volumeMount of the container provides";
    ALIASED_ENV = "aliased-env", Error, "the env list of a target container is a YAML alias; the tool cannot edit it safely";
}

/// Where a finding is.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Location {
    /// 0-based document index in the stream.
    pub document: usize,
    /// 1-based line of the document start in the stream.
    pub line: usize,
    /// The object (kind, namespace, name, source template).
    #[serde(flatten)]
    pub object: ObjectRef,
    /// The container, when the finding is about one.
    pub container: Option<String>,
    /// The env variable, when the finding is about one.
    pub variable: Option<String>,
}

impl Serialize for ObjectRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("ObjectRef", 4)?;
        st.serialize_field("kind", &self.kind)?;
        st.serialize_field("namespace", &self.namespace)?;
        st.serialize_field("name", &self.name)?;
        st.serialize_field("source", &self.source)?;
        st.end()
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Its code.
    pub code: Code,
    /// Its severity (the code's default unless the mode raised it).
    pub severity: Severity,
    /// What is wrong, for a person to act on.
    pub message: String,
    /// What to do, when that is not obvious from the message.
    pub help: Option<String>,
    /// Where (absent for stream-wide findings such as `no-target`).
    pub location: Option<Location>,
    /// Whether `render` corrected it.
    pub fixed: bool,
}

impl Finding {
    /// A finding with the code's default severity.
    pub fn new(code: Code, message: impl Into<String>) -> Finding {
        Finding {
            code,
            severity: code.severity,
            message: message.into(),
            help: None,
            location: None,
            fixed: false,
        }
    }

    /// Adds help text.
    pub fn help(mut self, help: impl Into<String>) -> Finding {
        self.help = Some(help.into());
        self
    }

    /// Sets the location.
    pub fn at(mut self, location: Location) -> Finding {
        self.location = Some(location);
        self
    }

    /// Marks it corrected.
    pub fn fixed(mut self) -> Finding {
        self.fixed = true;
        self
    }
}

/// Describes a location in one line: `Deployment clearml/clearml-apiserver (templates/a.yaml), container x, variable Y`.
pub fn describe(loc: &Location) -> String {
    let o = &loc.object;
    let mut s = format!(
        "{} ",
        if o.kind.is_empty() {
            "document"
        } else {
            &o.kind
        }
    );
    if let Some(ns) = &o.namespace {
        let _ = write!(s, "{ns}/");
    }
    s.push_str(if o.name.is_empty() {
        "<unnamed>"
    } else {
        &o.name
    });
    match &o.source {
        Some(src) => {
            let _ = write!(s, " ({src}, document {})", loc.document + 1);
        }
        None => {
            let _ = write!(s, " (document {}, line {})", loc.document + 1, loc.line);
        }
    }
    if let Some(c) = &loc.container {
        let _ = write!(s, ", container {c}");
    }
    if let Some(v) = &loc.variable {
        let _ = write!(s, ", variable {v}");
    }
    s
}

/// Human-readable findings, one block each, errors first.
pub fn text(findings: &[Finding]) -> String {
    let mut sorted: Vec<&Finding> = findings.iter().collect();
    sorted.sort_by_key(|f| f.severity);
    let mut out = String::new();
    for f in sorted {
        let fixed = if f.fixed { " (fixed)" } else { "" };
        let _ = writeln!(
            out,
            "{}[{}]: {}{fixed}",
            f.severity.as_str(),
            f.code.id,
            f.message
        );
        if let Some(loc) = &f.location {
            let _ = writeln!(out, "  --> {}", describe(loc));
        }
        if let Some(help) = &f.help {
            let _ = writeln!(out, "  help: {help}");
        }
    }
    out
}

/// One-line summary: `clearml-sso: 2 errors, 1 warning, 3 notes`.
pub fn summary(findings: &[Finding]) -> String {
    let count = |s| findings.iter().filter(|f| f.severity == s).count();
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    format!(
        "clearml-sso: {}, {}, {}",
        plural(count(Severity::Error), "error"),
        plural(count(Severity::Warning), "warning"),
        plural(count(Severity::Note), "note")
    )
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    code: &'a str,
    severity: Severity,
    message: &'a str,
    help: Option<&'a str>,
    fixed: bool,
    location: Option<&'a Location>,
}

/// The JSON report: `{"version":1,"findings":[…]}`.
pub fn json(findings: &[Finding]) -> String {
    let list: Vec<JsonFinding> = findings
        .iter()
        .map(|f| JsonFinding {
            code: f.code.id,
            severity: f.severity,
            message: &f.message,
            help: f.help.as_deref(),
            fixed: f.fixed,
            location: f.location.as_ref(),
        })
        .collect();
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    serde_json::to_string_pretty(
        &serde_json::json!({ "version": 1, "errors": errors, "findings": list }),
    )
    .expect("findings serialize")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_kebab_case() {
        let mut ids: Vec<&str> = ALL_CODES.iter().map(|c| c.id).collect();
        assert!(ids
            .iter()
            .all(|id| id.chars().all(|c| c.is_ascii_lowercase() || c == '-')));
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), ALL_CODES.len());
    }

    #[test]
    fn text_report_snapshot() {
        let loc = Location {
            document: 3,
            line: 40,
            object: ObjectRef {
                kind: "Deployment".into(),
                name: "clearml-apiserver".into(),
                namespace: None,
                source: Some("clearml/templates/apiserver.yaml".into()),
            },
            container: Some("clearml-apiserver".into()),
            variable: Some(
                "CLEARML__secure__login__sso__oauth_client__keycloak__client_secret".into(),
            ),
        };
        let findings = vec![
            Finding::new(MISSING_VARIABLE, "added keycloak.idp_logout")
                .at(loc.clone())
                .fixed(),
            Finding::new(
                MISSING_SECRET,
                "Secret `clearml-sso` is not in the rendered manifests",
            )
            .help("create it, or list it under [secrets] external")
            .at(loc),
        ];
        insta::assert_snapshot!(text(&findings));
        insta::assert_snapshot!(summary(&findings), @"clearml-sso: 1 error, 0 warnings, 1 note");
    }
}
