//! The JSON report (`{"version":1,"errors":N,"findings":[…]}`), documented in docs/ci.md.
//!
//! It keeps the exact strings (JSON escapes them itself); it must not change the shape of
//! version 1, which tools read.

use super::{Finding, Location, Severity, Spot, Style};
use serde::Serialize;
use std::borrow::Cow;

#[derive(Serialize)]
struct JsonFinding<'a> {
    code: &'a str,
    severity: Severity,
    message: Cow<'a, str>,
    help: Option<&'a str>,
    fixed: bool,
    location: Option<&'a Location>,
    file: Option<&'a Spot>,
}

/// The JSON report: `{"version":1,"errors":N,"findings":[…]}`.
pub fn json(findings: &[Finding], style: &Style) -> String {
    let list: Vec<JsonFinding> = findings
        .iter()
        .map(|f| JsonFinding {
            code: f.code.id,
            severity: f.severity,
            message: style.message(f),
            help: f.help.as_deref(),
            fixed: f.fixed,
            location: f.location.as_ref(),
            file: f.file.as_ref(),
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
