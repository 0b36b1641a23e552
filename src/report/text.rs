//! The text report, for people: one block per finding, errors first, and the one-line count
//! (`clearml-sso: 2 errors, 1 warning, 3 notes`) other formats end with too.
//!
//! It must not judge findings (the sink did) and writes every field through
//! [`escape_control`], so no message, name or help can forge a line or drive a terminal.

use super::{describe, escape_control, Finding, Severity, Style};
use std::fmt::Write as _;

/// Human-readable findings, one block each, errors first.
pub fn text(findings: &[Finding], style: &Style) -> String {
    let mut sorted: Vec<&Finding> = findings.iter().collect();
    sorted.sort_by_key(|f| f.severity);
    let mut out = String::new();
    for f in sorted {
        let message = style.message(f);
        // A proposed correction whose message has no verb to put in the conditional
        // (`value … differs from the policy's …`) says who corrects it.
        let fixed = match (f.fixed, style.proposed) {
            (false, _) => "",
            (true, false) => " (fixed)",
            (true, true) if *message == f.message => " (render fixes this)",
            (true, true) => "",
        };
        let _ = writeln!(
            out,
            "{}[{}]: {}{fixed}",
            f.severity.as_str(),
            f.code.id,
            escape_control(&message)
        );
        if let Some(loc) = &f.location {
            let _ = writeln!(out, "  --> {}", escape_control(&describe(loc)));
        }
        if let Some(spot) = &f.file {
            let _ = writeln!(out, "  --> {}", escape_control(&spot.describe()));
        }
        if let Some(help) = &f.help {
            let _ = writeln!(out, "  help: {}", escape_control(help));
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
