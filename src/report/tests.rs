//! Tests of the findings model and of every format together: the code table, the sink's
//! judgement, the conditional messages, and that each format escapes what it writes.

use super::escape::needs_escape;
use super::*;
use std::borrow::Cow;

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
        variable: Some("CLEARML__secure__login__sso__oauth_client__keycloak__client_secret".into()),
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
    insta::assert_snapshot!(text(&findings, &Style::default()));
    insta::assert_snapshot!(summary(&findings), @"clearml-sso: 1 error, 0 warnings, 1 note");
}

/// Every character class that must not reach a terminal or a report raw.
const HOSTILE: &str =
    "a\u{1b}[31mred\rfake\nline\ttab\u{0}nul\u{7f}del\u{85}nel\u{9b}csi\u{2028}ls\u{2029}ps\u{202e}rlo\u{2066}lri\u{2069}pdi\u{fffe}end";

/// The printable-ASCII quick path of `escape_control` and `escape_lines` leaves alone exactly
/// what the full check leaves alone: every ASCII character, alone and inside printable text.
#[test]
fn escaping_ascii_agrees_with_needs_escape() {
    for c in (0u8..=0x7f).map(char::from) {
        for text in [c.to_string(), format!("key: {c} value")] {
            let kept = !needs_escape(c);
            assert_eq!(
                matches!(escape_control(&text), Cow::Borrowed(_)),
                kept,
                "{text:?}"
            );
            let lines = format!("line\n{text}\nline");
            assert_eq!(
                matches!(escape_lines(&lines), Cow::Borrowed(_)),
                kept || c == '\n',
                "{lines:?}"
            );
        }
    }
}

#[test]
fn escape_control_makes_every_hostile_character_visible() {
    assert_eq!(
        escape_control(HOSTILE),
        r"a\x1b[31mred\rfake\nline\ttab\x00nul\x7fdel\u{85}nel\u{9b}csi\u{2028}ls\u{2029}ps\u{202e}rlo\u{2066}lri\u{2069}pdi\u{fffe}end"
    );
    let once = escape_control(HOSTILE).into_owned();
    assert_eq!(
        escape_control(&once),
        once,
        "escaping twice changes nothing"
    );
    assert!(matches!(escape_control("plain é ü 名前"), Cow::Borrowed(_)));
    assert_eq!(escape_lines("a\u{1b}\nb\r\n"), "a\\x1b\nb\\r\n");
}

fn hostile_findings() -> Vec<Finding> {
    let loc = Location {
        document: 0,
        line: 1,
        object: ObjectRef {
            kind: "Deployment".into(),
            name: format!("api{HOSTILE}server"),
            namespace: Some("ns\u{1b}]0;title\u{7}".into()),
            source: Some("c/templates/\u{1b}[2Ja.yaml".into()),
        },
        container: Some("c\u{202e}".into()),
        variable: Some(format!("CLEARML__{HOSTILE}")),
    };
    vec![
        Finding::new(MISSING_SECRET, format!("Secret `{HOSTILE}` is missing"))
            .help(format!("help {HOSTILE}"))
            .at(loc.clone()),
        Finding::new(VALUE_MISMATCH, format!("value `{HOSTILE}`")).at(loc),
    ]
}

#[test]
fn every_display_format_escapes_control_characters() {
    let findings = hostile_findings();
    for format in [
        Format::Text,
        Format::Github,
        Format::Gitlab,
        Format::Sarif,
        Format::Junit,
    ] {
        let out = super::format(&findings, format, &Style::default());
        let bad: Vec<char> = out
            .chars()
            .filter(|c| *c != '\n' && needs_escape(*c))
            .collect();
        assert!(bad.is_empty(), "{format:?} let through {bad:?}:\n{out}");
    }
    let text = text(&findings, &Style::default());
    assert_eq!(text.lines().count(), 5, "no forged lines:\n{text}");
    let github = github(&findings, &Style::default());
    assert_eq!(
        github.lines().count(),
        3,
        "one line per annotation:\n{github}"
    );
}

#[test]
fn junit_is_well_formed_xml_and_sarif_json_for_hostile_text() {
    let findings = hostile_findings();
    let xml = junit(&findings, &Style::default());
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}:\n{xml}"));
    let failure = doc
        .descendants()
        .find(|n| n.has_tag_name("failure"))
        .expect("the error is a failure");
    assert!(failure
        .attribute("message")
        .unwrap()
        .contains(r"a\x1b[31mred\rfake\nline"));
    let sarif: serde_json::Value =
        serde_json::from_str(&sarif(&findings, &Style::default())).unwrap();
    let message = sarif["runs"][0]["results"][0]["message"]["text"]
        .as_str()
        .unwrap();
    assert!(message.contains(r"\x1b[31m") && !message.contains('\u{1b}'));
    // The JSON report keeps the exact strings; JSON escapes them itself.
    let json: serde_json::Value =
        serde_json::from_str(&json(&findings, &Style::default())).unwrap();
    assert_eq!(
        json["findings"][0]["message"],
        format!("Secret `{HOSTILE}` is missing")
    );
}

#[test]
fn would_puts_every_correction_in_the_conditional() {
    let cases = [
        ("added keycloak.client_id", "would add keycloak.client_id"),
        (
            "`x` is read from the `secure` section, not `services`; renamed to Y",
            "`x` is read from the `secure` section, not `services`; would be renamed to Y",
        ),
        (
            "the name `X ` has surrounding whitespace; trimmed",
            "the name `X ` has surrounding whitespace; would be trimmed",
        ),
        (
            "a ` # …` comment tail in the value was removed",
            "a ` # …` comment tail in the value would be removed",
        ),
        (
            "the value is not a YAML string; written as 'true'",
            "the value is not a YAML string; would be written as 'true'",
        ),
        (
            "base_url ends without `/`: written with a trailing `/`",
            "base_url ends without `/`: would be written with a trailing `/`",
        ),
        (
            "`a`: tab; quoted so that ClearML reads the tab",
            "`a`: tab; would be quoted so that ClearML reads the tab",
        ),
        (
            "2 env entries set keycloak.base_url (A, B); one remains",
            "2 env entries set keycloak.base_url (A, B); one would remain",
        ),
        (
            "ClearML read none of them; kept the last one, as Kubernetes would",
            "ClearML read none of them; would keep the last one, as Kubernetes would",
        ),
        (
            "2 env entries become Y; why",
            "2 env entries would become Y; why",
        ),
        // Already conditional, or no correction verb: unchanged.
        (
            "`x` would be read as a number, not the text: would be written as \"1\"",
            "`x` would be read as a number, not the text: would be written as \"1\"",
        ),
        (
            "keycloak.base_url: the value differs from the policy",
            "keycloak.base_url: the value differs from the policy",
        ),
        ("not added here", "not added here"),
    ];
    for (done, not_done) in cases {
        assert_eq!(would(done), not_done);
        assert_eq!(would(not_done), not_done, "twice changes nothing");
    }
}

#[test]
fn chart_root_prefixes_template_paths_only_when_given() {
    let src = "clearml/templates/a.yaml";
    let with = |root: Option<&str>| Style {
        chart_root: root.map(str::to_string),
        ..Style::default()
    };
    assert_eq!(with(None).template_path(src), src);
    assert_eq!(with(Some(".")).template_path(src), src);
    assert_eq!(
        with(Some("deploy/charts")).template_path(src),
        "deploy/charts/clearml/templates/a.yaml"
    );
    assert_eq!(
        with(Some("deploy/charts/")).template_path(src),
        "deploy/charts/clearml/templates/a.yaml"
    );
    assert_eq!(
        with(Some("/")).template_path(src),
        "/clearml/templates/a.yaml"
    );
}

#[test]
fn every_format_has_one_name() {
    for &(name, format, _) in Format::ALL {
        // A new variant stops this match compiling: give it a row in Format::ALL.
        match format {
            Format::Text
            | Format::Json
            | Format::Github
            | Format::Gitlab
            | Format::Sarif
            | Format::Junit => {}
        }
        assert_eq!(Format::from_name(name), Some(format));
        assert_eq!(format.name(), name);
    }
    assert_eq!(Format::ALL.len(), 6, "one row per variant");
}

#[test]
fn sink_fails_warnings_only_when_denied() {
    use crate::policy::{Enforce, Warnings};
    let judged = |warnings, f: Finding| {
        let mut sink = Sink::new(&Enforce {
            warnings,
            ..Enforce::default()
        });
        sink.push(f);
        sink.into_findings().remove(0)
    };
    let drift = || Finding::new(VALUE_MISMATCH, "m").fixed();
    let allowed = judged(Warnings::Allow, drift());
    assert_eq!((allowed.severity, allowed.fixed), (Severity::Warning, true));
    let denied = judged(Warnings::Deny, drift());
    assert_eq!((denied.severity, denied.fixed), (Severity::Error, false));
    assert_eq!(denied.help.as_deref(), Some(DENIED_WARNING));
    // A corrected error is a warning when allowed, so an error again when denied.
    let fixed_error = judged(Warnings::Deny, Finding::new(PLAINTEXT_SECRET, "p").fixed());
    assert_eq!(fixed_error.severity, Severity::Error);
    // Notes (a setting added) pass either way.
    let added = judged(Warnings::Deny, Finding::new(MISSING_VARIABLE, "a").fixed());
    assert_eq!((added.severity, added.fixed), (Severity::Note, true));
    // An existing help is kept, the reason appended.
    let helped = judged(
        Warnings::Deny,
        Finding::new(UNKNOWN_PROVIDER, "u").help("declare it"),
    );
    assert_eq!(
        helped.help.unwrap(),
        format!("declare it; {DENIED_WARNING}")
    );
}
