//! What each command does, between parsed arguments and an exit code.
//!
//! The output contract: stdout carries only the command's output (the manifests for `render`)
//! and nothing at all when the command fails; findings and errors go to stderr; `--report`
//! is written before anything reaches stdout, and never to stdout itself.

use super::args::{CheckArgs, PolicyArgs, RenderArgs};
use super::exit::{self, fail, print};
use super::{helm_stderr, policy_file, report_file};
use anyhow::Result;
use clearml_sso::{diff, explain, render_with, report, summary, Outcome, RenderOptions};
use std::borrow::Cow;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

fn read_input(input: Option<&Path>) -> Result<Vec<u8>> {
    super::files::read(input, super::files::MAX_INPUT)
}

/// Checks the `--report` path, loads the policy, reads the input and renders: the shared first
/// half of `render`, `check` and `diff`. `Err` is the exit code of a failure already reported.
/// `deny_warnings` is `--deny-warnings`; `quiet` keeps the policy's notes off stderr.
fn prepare(
    report: Option<&Path>,
    policy: Option<&Path>,
    input: Option<&Path>,
    deny_warnings: bool,
    quiet: bool,
) -> Result<(Vec<u8>, Outcome), ExitCode> {
    check_report(report, input, policy)?;
    let mut policy = policy_file::load(policy, quiet)
        .map_err(|e| fail(exit::USAGE, &format!("clearml-sso: {e:#}")))?;
    if deny_warnings {
        policy.enforce.warnings = clearml_sso::policy::Warnings::Deny;
    }
    let bytes = read_input(input).map_err(|e| fail(exit::INPUT, &format!("clearml-sso: {e:#}")))?;
    let name = input.map_or("stdin".to_string(), |p| p.display().to_string());
    // Every command exits right after this one render: freeing the parsed documents (many
    // small nodes on a large stream) would only delay the exit.
    let options = RenderOptions { leak_parsed: true };
    let outcome = render_with(&bytes, &policy, options).map_err(|e| {
        fail(
            exit::INPUT,
            &format!("clearml-sso: {name}: input is not a readable manifest stream: {e}"),
        )
    })?;
    Ok((bytes, outcome))
}

/// Findings as text with the summary line (empty when there are none).
fn findings_text(outcome: &Outcome) -> String {
    if outcome.findings.is_empty() {
        String::new()
    } else {
        report::format(&outcome.findings, report::Format::Text)
    }
}

/// The `--report` path checks every command that writes one runs first (see `report_file`).
fn check_report(
    report: Option<&Path>,
    input: Option<&Path>,
    policy: Option<&Path>,
) -> Result<(), ExitCode> {
    let inputs = [input.map(Path::to_path_buf), policy_file::find(policy).ok()];
    report_file::check_path(report, &inputs)
        .map_err(|e| fail(exit::USAGE, &format!("clearml-sso: {e:#}")))
}

pub fn render(args: RenderArgs) -> ExitCode {
    match prepare(
        args.report.as_deref(),
        args.policy.as_deref(),
        args.input.as_deref(),
        args.deny_warnings,
        args.quiet,
    ) {
        Ok((_, outcome)) => {
            let code = finish(
                &args,
                &outcome,
                "render refused; nothing was written",
                || Cow::Borrowed(&outcome.output),
            );
            if code == ExitCode::from(exit::OK) && !args.quiet {
                tell_helm_summary(&args, &outcome);
            }
            code
        }
        Err(code) => code,
    }
}

/// Under Helm, which drops our stderr on success, the summary of what the render did goes to
/// Helm's own stderr (`helm_stderr`); elsewhere the findings on our stderr say it already.
fn tell_helm_summary(args: &RenderArgs, outcome: &Outcome) {
    let policy = policy_file::find(args.policy.as_deref())
        .map_or_else(|_| "FILE".to_string(), |p| p.display().to_string());
    if let Some(text) = summary::helm_summary(outcome, &policy) {
        helm_stderr::tell_success(&text);
    }
}

/// The second half `render` and `diff` share: write the report (even on failure, and before
/// any byte reaches stdout), refuse on any error saying `refusal`, else print the findings to
/// stderr and `output()` to stdout. A report that cannot be written fails the run with
/// `exit::USAGE` (the command line asked for it), also when the render fails anyway: the
/// findings and the reason both go to stderr, stdout gets nothing.
fn finish<'a>(
    args: &RenderArgs,
    outcome: &Outcome,
    refusal: &str,
    output: impl FnOnce() -> Cow<'a, str>,
) -> ExitCode {
    let report_error = report_file::write(args.report.as_deref(), &outcome.findings)
        .err()
        .map(|e| format!("clearml-sso: {e:#}\n"));
    let text = findings_text(outcome);
    match (outcome.has_errors(), report_error) {
        (true, None) => fail(exit::VIOLATION, &format!("{text}clearml-sso: {refusal}")),
        (true, Some(e)) => fail(exit::USAGE, &format!("{text}clearml-sso: {refusal}\n{e}")),
        (false, Some(e)) => fail(
            exit::USAGE,
            &format!("{text}{e}clearml-sso: nothing was written"),
        ),
        (false, None) => {
            if !args.quiet {
                let _ = std::io::stderr().write_all(text.as_bytes());
            }
            print(&output())
        }
    }
}

pub fn check(args: CheckArgs) -> ExitCode {
    let (_, outcome) = match prepare(
        args.report.as_deref(),
        args.policy.as_deref(),
        args.input.as_deref(),
        args.deny_warnings,
        false,
    ) {
        Ok(r) => r,
        Err(code) => return code,
    };
    if let Err(e) = report_file::write(args.report.as_deref(), &outcome.findings) {
        let text = findings_text(&outcome);
        return fail(exit::USAGE, &format!("{text}clearml-sso: {e:#}"));
    }
    let printed = print(&report::format(&outcome.findings, args.format));
    if outcome.has_errors() || (args.strict && outcome.changed) {
        if args.strict && outcome.changed && !outcome.has_errors() {
            let _ = writeln!(
                std::io::stderr(),
                "clearml-sso: --strict: render would change the manifests"
            );
        }
        return ExitCode::from(exit::VIOLATION);
    }
    printed
}

pub fn diff(args: RenderArgs) -> ExitCode {
    match prepare(
        args.report.as_deref(),
        args.policy.as_deref(),
        args.input.as_deref(),
        args.deny_warnings,
        args.quiet,
    ) {
        Ok((input, outcome)) => finish(&args, &outcome, "render would refuse; no diff", || {
            let input = String::from_utf8(input).expect("render accepted it as UTF-8");
            Cow::Owned(diff::unified(&input, &outcome.output))
        }),
        Err(code) => code,
    }
}

pub fn explain(args: PolicyArgs) -> ExitCode {
    match policy_file::load(args.policy.as_deref(), false) {
        Ok(policy) => print(&explain::explain(&policy)),
        Err(e) => fail(exit::USAGE, &format!("clearml-sso: {e:#}")),
    }
}

pub fn values(args: PolicyArgs) -> ExitCode {
    match policy_file::load(args.policy.as_deref(), false) {
        Ok(policy) => match explain::values(&policy) {
            Ok(text) => print(&text),
            Err(finding) => fail(
                exit::VIOLATION,
                &report::format(&[*finding], report::Format::Text),
            ),
        },
        Err(e) => fail(exit::USAGE, &format!("clearml-sso: {e:#}")),
    }
}

pub fn init(provider: &str) -> ExitCode {
    match explain::init(provider) {
        Ok(text) => print(&text),
        Err(e) => fail(exit::USAGE, &format!("clearml-sso: {e}")),
    }
}
