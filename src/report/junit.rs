//! JUnit XML, for Jenkins and GitLab test reports: a test case per finding (errors fail), or
//! one passing case when all is well.
//!
//! It must always be well-formed XML 1.0, whatever the findings hold: control characters are
//! made visible first ([`escape_control`], [`escape_lines`]), since XML 1.0 allows them in no
//! form, then the markup characters are escaped.

use super::{describe, escape_control, escape_lines, Finding, Severity, Style};
use std::fmt::Write as _;

/// Text for XML 1.0 content (`lines`: line breaks kept) or attributes: control characters
/// become visible escapes first, since XML 1.0 allows no C0 control but tab, LF and CR, not
/// even as a character reference (`&#27;` is not well-formed).
fn xml_escape(s: &str, lines: bool) -> String {
    let s = if lines {
        escape_lines(s)
    } else {
        escape_control(s)
    };
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// JUnit XML: a test case per finding (errors fail), or one passing case when all is well.
pub fn junit(findings: &[Finding], style: &Style) -> String {
    let failures = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let tests = findings.len().max(1);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"clearml-sso\" tests=\"{tests}\" failures=\"{failures}\">"
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"clearml-sso\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\">"
    );
    if findings.is_empty() {
        out.push_str(
            "    <testcase classname=\"clearml-sso\" name=\"SSO settings match the policy\"/>\n",
        );
    }
    for f in findings {
        let classname = match (&f.location, &f.file) {
            (Some(l), _) => {
                let o = &l.object;
                format!(
                    "{}/{}{}",
                    o.kind,
                    o.name,
                    l.container
                        .as_ref()
                        .map(|c| format!("/{c}"))
                        .unwrap_or_default()
                )
            }
            (None, Some(spot)) => spot.path.clone(),
            (None, None) => "clearml-sso".to_string(),
        };
        let name = match f.location.as_ref().and_then(|l| l.variable.as_deref()) {
            Some(v) => format!("{} {v}", f.code.id),
            None => f.code.id.to_string(),
        };
        let _ = write!(
            out,
            "    <testcase classname=\"{}\" name=\"{}\"",
            xml_escape(&classname, false),
            xml_escape(&name, false)
        );
        // Each field is one line (escaped on its own); the breaks between them are kept.
        let message = style.message(f);
        let mut body = escape_control(&message).into_owned();
        if let Some(loc) = &f.location {
            body.push_str(&format!("\n{}", escape_control(&describe(loc))));
        }
        if let Some(spot) = &f.file {
            body.push_str(&format!("\n{}", escape_control(&spot.describe())));
        }
        if let Some(help) = &f.help {
            body.push_str(&format!("\nhelp: {}", escape_control(help)));
        }
        if f.severity == Severity::Error {
            let _ = writeln!(
                out,
                ">\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>",
                f.code.id,
                xml_escape(&message, false),
                xml_escape(&body, true)
            );
        } else {
            let _ = writeln!(
                out,
                ">\n      <system-out>{}: {}</system-out>\n    </testcase>",
                f.severity.as_str(),
                xml_escape(&body, true)
            );
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}
