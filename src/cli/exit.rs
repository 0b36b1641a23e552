//! How a run ends: the exit codes, and the two ways out — output on stdout, or a failure told
//! to the user.

use super::helm_stderr;
use clearml_sso::report;
use std::io::Write;
use std::process::ExitCode;

/// Manifests written (possibly corrected).
pub const OK: u8 = 0;
/// Policy violation.
pub const VIOLATION: u8 = 1;
/// Usage or policy-file error; also output that cannot be written (stdout, `--report`).
pub const USAGE: u8 = 2;
/// Input manifests unreadable.
pub const INPUT: u8 = 3;

/// Prints a failure to stderr, and under Helm 4 also where the user can see it (Helm 3
/// quotes our stderr in its error). Control
/// characters are escaped here, the one place every failure passes: a policy error or an
/// input file name may carry them as well as findings do.
pub fn fail(code: u8, message: &str) -> ExitCode {
    let mut text = report::escape_lines(message).into_owned();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    let _ = std::io::stderr().write_all(text.as_bytes());
    helm_stderr::tell_failure(&format!(
        "Error from the clearml-sso post-renderer:\n{text}"
    ));
    ExitCode::from(code)
}

/// Writes the command's output to stdout; a failed write fails the run.
pub fn print(text: &str) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush())
    {
        Ok(()) => ExitCode::from(OK),
        Err(e) => fail(USAGE, &format!("clearml-sso: cannot write the output: {e}")),
    }
}
