//! The short account of a render that succeeded, for a user who would otherwise see nothing:
//! Helm 3 and Helm 4 both drop a post-renderer's stderr when it succeeds, so the CLI writes
//! this to Helm's own stderr (`src/cli/helm_stderr.rs`). It says which workloads changed, how
//! many settings were added and corrected, each warning in one line, and where to see the rest.
//!
//! It never shows a value: each line is made of names (workload, container, variable, the
//! provider of an `unknown-provider`), the finding's code and the code's fixed one-line summary
//! — not the finding's message, which may quote a non-secret value such as a URL. Names pass
//! through [`escape_control`].
//!
//! A render with nothing changed and no warning gets no summary at all (`None`): under Helm it
//! then looks exactly as without the post-renderer. Notes that changed nothing (an
//! `env-substitution`, a `key-from-datafrom`) are left to `check`.

use crate::report::{
    escape_control, Finding, Location, Severity, MISSING_VARIABLE, UNKNOWN_PROVIDER,
};
use crate::Outcome;
use std::fmt::Write as _;

/// At most this many warning lines in all; the rest are counted in one line.
pub const MAX_WARNING_LINES: usize = 10;

/// The summary of a successful `outcome`, or `None` when there is nothing to tell. `policy`
/// is the policy file as the user named it, for the `diff` command line to run.
pub fn helm_summary(outcome: &Outcome, policy: &str) -> Option<String> {
    let groups = group(&outcome.findings);
    if groups.is_empty() && !outcome.changed {
        return None;
    }
    let mut out = String::new();
    let mut shown = 0;
    let mut hidden = 0;
    for g in &groups {
        if g.in_policy {
            let _ = writeln!(out, "clearml-sso: {}:", escape_control(&g.place));
        } else {
            let _ = writeln!(
                out,
                "clearml-sso: {}: {} added, {} corrected",
                escape_control(&g.place),
                plural(g.added.len(), "SSO setting"),
                g.corrected.len(),
            );
        }
        for f in &g.warnings {
            if shown == MAX_WARNING_LINES {
                hidden += 1;
                continue;
            }
            shown += 1;
            let variable = f
                .location
                .as_ref()
                .and_then(|l| l.variable.as_deref())
                .map(|v| format!(" {}", escape_control(v)))
                .unwrap_or_default();
            let corrected = if f.fixed { " (corrected)" } else { "" };
            let summary = match undeclared_provider(f) {
                Some(provider) => format!(
                    "SSO variables for provider `{}`, which the policy does not declare",
                    escape_control(provider)
                ),
                None => f.code.summary.to_string(),
            };
            let _ = writeln!(
                out,
                "  warning[{}]{variable}: {summary}{corrected}",
                f.code.id
            );
        }
    }
    if hidden > 0 {
        let _ = writeln!(out, "  … {} not shown", plural(hidden, "warning"));
    }
    let policy = shell_word(&escape_control(policy));
    if outcome.changed {
        let _ = writeln!(
            out,
            "clearml-sso: run `clearml-sso diff` to see them: helm template … | clearml-sso diff --policy={policy}"
        );
    } else {
        let _ = writeln!(
            out,
            "clearml-sso: nothing was changed; for the details: helm template … | clearml-sso check --policy={policy}"
        );
    }
    Some(out)
}

/// The provider an `unknown-provider` finding is about: its key, read from the message
/// `src/correct/names.rs` writes (`N SSO variable(s) for provider `KEY`, which the policy does
/// not declare…`). The key is part of the variables' names, which the summary shows anyway;
/// never a value.
fn undeclared_provider(f: &Finding) -> Option<&str> {
    if f.code != UNKNOWN_PROVIDER {
        return None;
    }
    let rest = f.message.split_once("for provider `")?.1;
    let end = rest.find("`, which the policy does not declare")?;
    Some(&rest[..end])
}

/// What happened in one container (or, for findings without a place, in the stream).
struct Group<'a> {
    place: String,
    /// The place is the policy file (its warnings), where nothing is added or corrected.
    in_policy: bool,
    /// Variables added (distinct).
    added: Vec<&'a str>,
    /// Variables corrected (distinct; a correction without a variable counts once).
    corrected: Vec<Option<&'a str>>,
    warnings: Vec<&'a Finding>,
}

/// The findings worth telling — corrections and warnings — by container, in stream order.
fn group(findings: &[Finding]) -> Vec<Group<'_>> {
    let mut groups: Vec<Group> = Vec::new();
    for f in findings {
        let warning = f.severity == Severity::Warning;
        if !f.fixed && !warning {
            continue;
        }
        let in_policy = f.location.is_none() && f.file.is_some();
        let place = match (&f.location, &f.file) {
            (Some(loc), _) => place(loc),
            (None, Some(spot)) => format!("policy {}", spot.path),
            (None, None) => "the manifests".into(),
        };
        let i = match groups.iter().position(|g| g.place == place) {
            Some(i) => i,
            None => {
                groups.push(Group {
                    place,
                    in_policy,
                    added: Vec::new(),
                    corrected: Vec::new(),
                    warnings: Vec::new(),
                });
                groups.len() - 1
            }
        };
        let g = &mut groups[i];
        let variable = f.location.as_ref().and_then(|l| l.variable.as_deref());
        if f.fixed && f.code == MISSING_VARIABLE {
            if let Some(v) = variable.filter(|v| !g.added.contains(v)) {
                g.added.push(v);
            }
        } else if f.fixed && (variable.is_none() || !g.corrected.contains(&variable)) {
            g.corrected.push(variable);
        }
        if warning {
            g.warnings.push(f);
        }
    }
    groups
}

/// `Deployment ns/name (template), container c`: the workload and container, without the
/// variable.
fn place(loc: &Location) -> String {
    let o = &loc.object;
    let mut s = crate::report::object_name(o);
    if let Some(src) = &o.source {
        let _ = write!(s, " ({src})");
    }
    if let Some(c) = &loc.container {
        let _ = write!(s, ", container {c}");
    }
    s
}

/// `s` as one word of a shell command line, for the command the user is told to run: as is when
/// it holds only characters no shell treats specially, else in single quotes (a `'` inside
/// written `'\''`), so that pasting it never runs `$(…)` or splits on a space in a path.
fn shell_word(s: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_./:=@%+,-".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', "'\\''"))
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy;

    const POLICY: &str = "policies/keycloak.toml";

    fn outcome(policy_text: &str, fixture: &str) -> Outcome {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(root.join(policy_text)).unwrap();
        let policy = policy::parse(&text, policy_text).unwrap();
        let input = std::fs::read(root.join(fixture)).unwrap();
        crate::render(&input, &policy).unwrap()
    }

    #[test]
    fn corrections_and_warnings_snapshot() {
        let o = outcome(
            "tests/fixtures/policies/keycloak.toml",
            "tests/fixtures/value-drift.yaml",
        );
        assert!(!o.has_errors() && o.changed);
        let s = helm_summary(&o, POLICY).unwrap();
        insta::assert_snapshot!(s);
        // The drift fixture's values (a misspelt host, `True`) are in the findings' messages
        // but never in the summary.
        assert!(o.findings.iter().any(|f| f.message.contains("exmaple")));
        assert!(!s.contains("exmaple") && !s.contains("True"), "{s}");
    }

    #[test]
    fn only_additions_snapshot() {
        let o = outcome("policies/keycloak.toml", "examples/rendered/clearml.yaml");
        insta::assert_snapshot!(helm_summary(&o, POLICY).unwrap());
    }

    #[test]
    fn nothing_changed_and_no_warning_says_nothing() {
        let first = outcome("policies/keycloak.toml", "examples/rendered/clearml.yaml");
        let text = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/keycloak.toml"),
        )
        .unwrap();
        let policy = policy::parse(&text, "k.toml").unwrap();
        let again = crate::render(first.output.as_bytes(), &policy).unwrap();
        assert!(!again.changed);
        assert_eq!(helm_summary(&again, POLICY), None);
    }

    #[test]
    fn warnings_are_capped_and_names_escaped() {
        let loc = |i: usize| Location {
            object: crate::kube::objects::ObjectRef {
                kind: "Deployment".into(),
                name: "api\u{1b}[31mserver".into(),
                namespace: None,
                source: None,
            },
            container: Some("c".into()),
            variable: Some(format!("CLEARML__x{i}")),
            ..Location::default()
        };
        let findings: Vec<Finding> = (0..MAX_WARNING_LINES + 3)
            .map(|i| {
                Finding::new(crate::report::UNKNOWN_OPTION, "secret-looking message").at(loc(i))
            })
            .collect();
        let o = Outcome {
            output: String::new(),
            findings,
            changed: false,
            by_document: None,
        };
        let s = helm_summary(&o, "p\n.toml").unwrap();
        insta::assert_snapshot!(s);
        assert!(
            !s.contains('\u{1b}') && !s.contains("secret-looking"),
            "{s}"
        );
        assert!(s.contains("… 3 warnings not shown"), "{s}");
    }

    #[test]
    fn an_undeclared_provider_is_named() {
        let loc = Location {
            container: Some("c".into()),
            ..Location::default()
        };
        let o = Outcome {
            output: String::new(),
            findings: vec![Finding::new(
                UNKNOWN_PROVIDER,
                "2 SSO variable(s) for provider `ok`ta\u{1b}`, which the policy does not declare (did you mean `okta`?)",
            )
            .at(loc)],
            changed: false,
            by_document: None,
        };
        let s = helm_summary(&o, POLICY).unwrap();
        assert!(
            s.contains("  warning[unknown-provider]: SSO variables for provider `ok`ta\\x1b`, which the policy does not declare\n"),
            "{s}"
        );
        assert!(!s.contains("did you mean"), "{s}");
    }

    #[test]
    fn the_diff_command_quotes_the_policy_path_for_the_shell() {
        let o = outcome("policies/keycloak.toml", "examples/rendered/clearml.yaml");
        for (path, word) in [
            ("policies/keycloak.toml", "policies/keycloak.toml"),
            ("/tmp/my dir;$(x)/p.toml", "'/tmp/my dir;$(x)/p.toml'"),
            ("it's `here`.toml", "'it'\\''s `here`.toml'"),
        ] {
            let s = helm_summary(&o, path).unwrap();
            assert!(
                s.ends_with(&format!("clearml-sso diff --policy={word}\n")),
                "{path}: {s}"
            );
        }
    }
}
