//! GitLab Code Quality: a JSON array of issues shown in the merge request, each with a
//! fingerprint that stays the same across runs while the issue does.
//!
//! Every issue needs a file: the template, the file a policy or input error is in, or the
//! input. Text passes through [`escape_control`]; the fingerprint must not depend on the
//! document's number, which moves whenever the chart changes.

use super::{annotates, describe, escape_control, Finding, Severity, Style};

/// A 128-bit FNV-1a hash as 32 hex digits: stable across builds and platforms (unlike the
/// standard library's hasher), which is all a GitLab fingerprint needs.
fn fingerprint(parts: &[&str]) -> String {
    let mut h: u128 = 0x6c62272e07bb014262b821756295c58d;
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0)) {
            h ^= u128::from(b);
            h = h.wrapping_mul(0x0000000001000000000000000000013b);
        }
    }
    format!("{h:032x}")
}

/// GitLab Code Quality: a JSON array of issues, each with `description`, `check_name`,
/// `fingerprint`, `severity` (`info` | `minor` | `major` | `critical` | `blocker`) and
/// `location` (`path`, `lines.begin`). The path is the template (under `--chart-root`), else
/// the file a policy or input error is in, else the input (at the document's line).
pub fn gitlab(findings: &[Finding], style: &Style) -> String {
    let input = style.input.as_deref().unwrap_or("stdin");
    let mut seen: Vec<String> = Vec::new();
    let issues: Vec<serde_json::Value> = findings
        .iter()
        .filter(|f| annotates(f))
        .map(|f| {
            let source = f.location.as_ref().and_then(|l| l.object.source.as_deref());
            let (path, line) = match (&f.file, source, &f.location) {
                (Some(spot), _, _) => (spot.path.clone(), spot.line),
                (None, Some(src), _) => (style.template_path(src), 1),
                (None, None, Some(loc)) => (input.to_string(), loc.line),
                (None, None, None) => (input.to_string(), 1),
            };
            let mut description = escape_control(&style.message(f)).into_owned();
            if let Some(loc) = &f.location {
                description.push_str(&format!(" [{}]", escape_control(&describe(loc))));
            }
            if let Some(help) = &f.help {
                description.push_str(&format!(" Help: {}", escape_control(help)));
            }
            // Identifies the issue across runs: what and where, not the document's number,
            // which moves when the chart changes; a repeat of the same issue gets a count.
            let place = f.location.as_ref().map(|l| {
                let o = &l.object;
                [
                    o.kind.as_str(),
                    o.namespace.as_deref().unwrap_or_default(),
                    o.name.as_str(),
                    l.container.as_deref().unwrap_or_default(),
                    l.variable.as_deref().unwrap_or_default(),
                ]
                .join("/")
            });
            let mut print = fingerprint(&[
                f.code.id,
                &path,
                place.as_deref().unwrap_or_default(),
                &f.message,
            ]);
            let repeats = seen.iter().filter(|p| **p == print).count();
            seen.push(print.clone());
            if repeats > 0 {
                print = fingerprint(&[&print, &repeats.to_string()]);
            }
            serde_json::json!({
                "description": description,
                "check_name": format!("clearml-sso/{}", f.code.id),
                "fingerprint": print,
                "severity": match f.severity {
                    Severity::Error => "critical",
                    Severity::Warning => "minor",
                    Severity::Note => "info",
                },
                "location": { "path": escape_control(&path), "lines": { "begin": line.max(1) } },
            })
        })
        .collect();
    serde_json::to_string_pretty(&issues).expect("issues serialize")
}
