//! GitHub Actions workflow commands: one `::error` / `::warning` / `::notice` annotation per
//! finding, and the count line.
//!
//! Each field is escaped twice, in order: control characters made visible ([`escape_control`]),
//! then GitHub's own `%`, CR, LF (and `:` `,` in properties) encoding, so that no finding can
//! end its annotation early or issue a workflow command of its own.

use super::{annotates, describe, escape_control, summary, Finding, Severity, Style};
use std::fmt::Write as _;

fn github_escape(s: &str, property: bool) -> String {
    let s = s
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    if property {
        s.replace(':', "%3A").replace(',', "%2C")
    } else {
        s
    }
}

/// GitHub Actions annotations: one `::error` / `::warning` / `::notice` line per finding,
/// attached to the chart template when the finding names one (under `--chart-root`), or to
/// `FILE`, line and column for a finding in a file named on the command line (a policy error).
pub fn github(findings: &[Finding], style: &Style) -> String {
    let mut out = String::new();
    for f in findings.iter().filter(|f| annotates(f)) {
        let level = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let mut props = Vec::new();
        if let Some(spot) = &f.file {
            props.push(format!(
                "file={}",
                github_escape(&escape_control(&spot.path), true)
            ));
            if spot.line > 0 {
                props.push(format!("line={}", spot.line));
            }
            if spot.column > 0 {
                props.push(format!("col={}", spot.column));
            }
        } else if let Some(src) = f.location.as_ref().and_then(|l| l.object.source.as_deref()) {
            props.push(format!(
                "file={}",
                github_escape(&escape_control(&style.template_path(src)), true)
            ));
        }
        props.push(format!(
            "title={}",
            github_escape(&format!("clearml-sso {}", f.code.id), true)
        ));
        let mut message = escape_control(&style.message(f)).into_owned();
        if let Some(loc) = &f.location {
            message.push_str(&format!(" [{}]", escape_control(&describe(loc))));
        }
        if let Some(help) = &f.help {
            message.push_str(&format!("\nhelp: {}", escape_control(help)));
        }
        let _ = writeln!(
            out,
            "::{level} {}::{}",
            props.join(","),
            github_escape(&message, false)
        );
    }
    let _ = writeln!(out, "{}", summary(findings));
    out
}
