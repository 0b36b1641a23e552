//! SARIF 2.1.0, for code-scanning dashboards: a rule per finding code (from the one code
//! table), a result per finding.
//!
//! Paths are written as URI references and text through [`escape_control`]; it must not list
//! a rule that is not in [`ALL_CODES`].

use super::{escape_control, Finding, Severity, Style, ALL_CODES};
use std::fmt::Write as _;

/// A file path as SARIF's `artifactLocation.uri`, which must be a URI reference (RFC 3986):
/// every byte but the unreserved characters and `/` percent-encoded, so that a space, `%`, `#`,
/// `?`, a `:` in the first segment (read as a scheme) or a control character in a chart root,
/// template or policy path still names that file (code-scanning tools decode it).
fn sarif_uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// SARIF 2.1.0: a rule per finding code, a result per finding, located at the chart template
/// (under `--chart-root`) or at the line and column of a file named on the command line.
pub fn sarif(findings: &[Finding], style: &Style) -> String {
    let level = |s: Severity| match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    };
    let rules: Vec<serde_json::Value> = ALL_CODES
        .iter()
        .map(|c| {
            serde_json::json!({
                "id": c.id,
                "name": c.id,
                "shortDescription": { "text": c.summary },
                "defaultConfiguration": { "level": level(c.severity) },
            })
        })
        .collect();
    let results: Vec<serde_json::Value> = findings
        .iter()
        .map(|f| {
            let mut text = escape_control(&style.message(f)).into_owned();
            if let Some(help) = &f.help {
                text.push_str(&format!(" Help: {}", escape_control(help)));
            }
            let mut result = serde_json::json!({
                "ruleId": f.code.id,
                "ruleIndex": ALL_CODES.iter().position(|c| c.id == f.code.id),
                "level": level(f.severity),
                "message": { "text": text },
                "properties": { "fixed": f.fixed },
            });
            if let Some(loc) = &f.location {
                let o = &loc.object;
                let logical = [
                    Some(o.kind.as_str()),
                    o.namespace.as_deref(),
                    Some(o.name.as_str()),
                    loc.container.as_deref(),
                    loc.variable.as_deref(),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join("/");
                let mut location = serde_json::json!({
                    "logicalLocations": [{
                        "fullyQualifiedName": escape_control(&logical),
                        "kind": "resource",
                    }],
                    "properties": { "document": loc.document_number() },
                });
                if let Some(src) = &o.source {
                    location["physicalLocation"] = serde_json::json!({
                        "artifactLocation": { "uri": sarif_uri(&style.template_path(src)) }
                    });
                }
                result["locations"] = serde_json::json!([location]);
            } else if let Some(spot) = &f.file {
                let mut physical = serde_json::json!({
                    "artifactLocation": { "uri": sarif_uri(&spot.path) }
                });
                if spot.line > 0 {
                    physical["region"] = serde_json::json!({ "startLine": spot.line });
                    if spot.column > 0 {
                        physical["region"]["startColumn"] = serde_json::json!(spot.column);
                    }
                }
                result["locations"] = serde_json::json!([{ "physicalLocation": physical }]);
            }
            result
        })
        .collect();
    serde_json::to_string_pretty(&serde_json::json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "clearml-sso",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }],
    }))
    .expect("SARIF serializes")
}
