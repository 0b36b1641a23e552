//! What the policy alone makes `render` report, whatever the manifests. Judged from the
//! policy and the catalogue; it never reads a manifest.

use super::{secret_reference_example, Plaintext, Policy, Value};
use crate::clearml::{judge, values};
use crate::report::{self, Finding};

/// What the policy alone makes `render` report, whatever the manifests: a credential written
/// as a literal under `plaintext_secrets = "deny"`, a value matching `[secrets]
/// placeholders`, and the policy's warnings (an `[secrets] external` entry it never reads,
/// an error under `warnings = "deny"`). One rule for every command: `render` reports these once
/// (not per container), `explain` and `values` refuse the policy on the errors, so none of them
/// accepts what another refuses.
pub fn policy_refusals(policy: &Policy) -> Vec<Finding> {
    let file = report::Spot {
        path: policy.source.clone(),
        line: 0,
        column: 0,
    };
    let mut out: Vec<Finding> = policy
        .warnings
        .iter()
        .map(|w| {
            let f =
                Finding::new(report::UNUSED_EXTERNAL, w.message.clone()).in_file(report::Spot {
                    line: w.line,
                    column: w.column,
                    ..file.clone()
                });
            match &w.help {
                Some(help) => f.help(help.clone()),
                None => f,
            }
        })
        .collect();
    for d in &policy.desired {
        let Value::Literal(l) = &d.value else {
            continue;
        };
        if d.option.secret && policy.enforce.plaintext_secrets == Plaintext::Deny {
            out.push(
                Finding::new(
                    report::PLAINTEXT_SECRET,
                    format!("{} is a literal value in the policy", d.label),
                )
                .help(plaintext_help(d.option.name))
                .in_file(file.clone()),
            );
        }
        let text = l.to_env();
        let placeholder = |s: &str| policy.secrets.placeholders.is_match(s);
        if !judge::is_placeholder(&text, values::read_one(&text).as_ref(), Some(&placeholder)) {
            continue;
        }
        // A placeholder of the policy's own rule is the loader's (`Policy::placeholders`):
        // refused by `parse`, a to-do item in a draft. Asked only of a value `[secrets]
        // placeholders` matches: both are pure, and the own rule costs more (about 3K
        // instructions a value, paid by every render for every value of the policy).
        let own_rule = if d.option.secret {
            super::placeholder::why_secret(&text)
        } else {
            super::placeholder::why(&text)
        };
        if own_rule.is_none() {
            out.push(
                Finding::new(
                    report::PLACEHOLDER_VALUE,
                    format!(
                        "{} in the policy is a placeholder ([secrets] placeholders), not a real setting",
                        d.label
                    ),
                )
                .help("write the real value, or leave the option out")
                .in_file(file.clone()),
            );
        }
    }
    out
}

/// What to do about a credential written as a literal (`plaintext-secret`).
pub(crate) fn plaintext_help(option: &str) -> String {
    format!(
        "put it in a Secret and reference it: {} (or set [enforce] plaintext_secrets = \"allow\")",
        secret_reference_example(option)
    )
}
