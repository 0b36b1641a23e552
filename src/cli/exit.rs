//! How a run ends: the exit codes, and the two ways out — output on stdout, or a failure told
//! to the user.

use super::helm_stderr;
use clearml_sso::report::{self, Finding, Spot};
use std::io::Write;

/// Manifests written (possibly corrected).
pub const OK: u8 = 0;
/// Policy violation.
pub const VIOLATION: u8 = 1;
/// Usage or policy-file error; also output that cannot be written (stdout, `--report`).
pub const USAGE: u8 = 2;
/// Input manifests unreadable.
pub const INPUT: u8 = 3;
/// `probe`: a check could not decide, and none found a problem.
pub const INCONCLUSIVE: u8 = 4;

/// Prints a failure to stderr, and under Helm 4 also where the user can see it (Helm 3
/// quotes our stderr in its error). Control
/// characters are escaped here, the one place every failure passes: a policy error or an
/// input file name may carry them as well as findings do.
pub fn fail(code: u8, message: &str) -> u8 {
    let mut text = report::escape_lines(message).into_owned();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    let painted = super::colour::findings(&text, super::colour::stderr());
    let _ = std::io::stderr().write_all(painted.as_bytes());
    // Helm's stderr is another stream (often a CI log): its copy stays plain.
    helm_stderr::tell_failure(&format!(
        "Error from the clearml-sso post-renderer:\n{text}"
    ));
    code
}

/// Writes the command's output to stdout; a failed write fails the run.
pub fn print(text: &str) -> u8 {
    print_with(|out| out.write_all(text.as_bytes()))
}

/// [`print`], for output that `write` gives in parts.
pub fn print_with(write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> u8 {
    let mut stdout = std::io::stdout().lock();
    match write(&mut stdout).and_then(|_| stdout.flush()) {
        Ok(()) => OK,
        Err(e) => fail(USAGE, &format!("clearml-sso: cannot write the output: {e}")),
    }
}

/// A run stopped before its result, with exit 2 (usage, policy) or 3 (input): the message for
/// stderr, and the same as findings, so that `--report` and `check --format` hold the error
/// too (a CI job reading them must never find an empty or stale document).
#[derive(Debug)]
pub struct Stop {
    /// The exit code.
    pub code: u8,
    /// What stderr says, as it always did (`FILE:LINE:COLUMN: error: …` for a policy).
    pub message: String,
    /// The same, as findings (`usage-error`, `policy-error`, `unreadable-input`).
    pub findings: Vec<Finding>,
}

impl Stop {
    /// A usage error (exit 2) with no place in a file: the message is the finding.
    pub fn usage(message: String) -> Stop {
        Stop {
            code: USAGE,
            findings: vec![usage_finding(&message)],
            message,
        }
    }

    /// An error in the file `path` as a whole (exit `code`): the message is the finding.
    pub fn in_file(code: u8, message: String, path: &str) -> Stop {
        let what = if code == INPUT {
            report::UNREADABLE_INPUT
        } else {
            report::POLICY_ERROR
        };
        let finding = Finding::new(what, strip_tool(&message)).in_file(Spot {
            path: path.to_string(),
            line: 0,
            column: 0,
        });
        Stop {
            code,
            message,
            findings: vec![finding],
        }
    }
}

/// A usage error's message (as printed on stderr) as a `usage-error` finding.
pub fn usage_finding(message: &str) -> Finding {
    Finding::new(report::USAGE_ERROR, strip_tool(message))
}

/// A message without the `clearml-sso: ` every stderr line starts with (a finding's format
/// names the tool itself).
fn strip_tool(message: &str) -> String {
    message
        .strip_prefix("clearml-sso: ")
        .unwrap_or(message)
        .to_string()
}
