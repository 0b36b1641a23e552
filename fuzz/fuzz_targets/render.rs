//! The whole render with a fixed policy: never a panic; a clean render keeps the document
//! count, is idempotent (its output renders clean to itself) and diffs. A refused render is
//! where the CLI writes nothing to stdout, so the findings on stderr are all the user gets:
//! they must name an error, and `output` is never looked at. A clean render's summary for
//! Helm's stderr is there when it has something to say, and escapes what it shows.
#![no_main]
use clearml_sso::report::{self, Format};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

const POLICY: &str = include_str!("../../tests/fixtures/policies/keycloak.toml");

fuzz_target!(|data: &[u8]| {
    static POLICY_PARSED: OnceLock<clearml_sso::policy::Policy> = OnceLock::new();
    let policy =
        POLICY_PARSED.get_or_init(|| clearml_sso::policy::parse(POLICY, "keycloak.toml").unwrap());
    let Ok(out) = clearml_sso::render(data, policy) else {
        return;
    };
    if out.has_errors() {
        let text = report::format(&out.findings, Format::Text, &report::Style::default());
        assert!(
            text.contains("error["),
            "a refusal names its error:\n{text}"
        );
        return;
    }
    // The summary written under Helm: there exactly when something changed or warns, one
    // line per line (no control character of the input gets through).
    let summary = clearml_sso::report::helm_summary(&out, "keycloak.toml");
    let warns = out
        .findings
        .iter()
        .any(|f| f.fixed || f.severity == report::Severity::Warning);
    assert_eq!(summary.is_some(), out.changed || warns);
    if let Some(s) = &summary {
        assert!(
            !s.chars().any(|c| c.is_control() && c != '\n'),
            "a control character reached the summary:\n{s:?}"
        );
    }
    let input = std::str::from_utf8(data).unwrap();
    assert_eq!(
        clearml_sso::stream::split(input).len(),
        clearml_sso::stream::split(&out.output).len()
    );
    let again =
        clearml_sso::render(out.output.as_bytes(), policy).expect("its own output is readable");
    assert!(!again.has_errors(), "its own output renders clean");
    assert_eq!(again.output, out.output, "render is idempotent");
    let _ = clearml_sso::diff::unified(input, &out.output);
});
