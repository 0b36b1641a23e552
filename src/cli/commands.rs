//! What each command does, between parsed arguments and an exit code.
//!
//! The output contract: stdout carries only the command's output (the manifests for `render`)
//! and nothing at all when the command fails; findings and errors go to stderr; `--report`
//! is written before anything reaches stdout, and never to stdout itself.

use super::args::{CheckArgs, DiffArgs, PolicyArgs, RenderArgs};
use super::exit::{self, fail, print};
use super::{policy_file, report_file};
use anyhow::Result;
use clearml_sso::{diff, explain, render_with, report, Outcome, RenderOptions};
use std::borrow::Cow;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

fn read_input(input: Option<&Path>) -> Result<Vec<u8>> {
    super::files::read(input, super::files::MAX_INPUT)
}

/// Checks the `--report` path, loads the policy, reads the input and renders: the shared first
/// half of `render`, `check` and `diff`. `Err` is the exit code of a failure already reported.
fn prepare(
    report: Option<&Path>,
    policy: Option<&Path>,
    input: Option<&Path>,
) -> Result<(Vec<u8>, Outcome), ExitCode> {
    check_report(report, input, policy)?;
    let policy =
        policy_file::load(policy).map_err(|e| fail(exit::USAGE, &format!("clearml-sso: {e:#}")))?;
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
    ) {
        Ok((_, outcome)) => finish(
            &args,
            &outcome,
            "render refused; nothing was written",
            || Cow::Borrowed(&outcome.output),
        ),
        Err(code) => code,
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
            let _ = std::io::stderr().write_all(text.as_bytes());
            print(&output())
        }
    }
}

pub fn check(args: CheckArgs) -> ExitCode {
    let (_, outcome) = match prepare(
        args.report.as_deref(),
        args.policy.as_deref(),
        args.input.as_deref(),
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

/// `diff`: the diff on stdout, what it means on stderr. A refused render shows no diff — and
/// says so, with the errors, so that an empty stdout never reads as "no changes" (exit 1, as
/// `render`'s). With `--exit-code`, a render that would change something exits 1 as well.
pub fn diff(args: DiffArgs) -> ExitCode {
    let (input, outcome) = match prepare(
        args.render.report.as_deref(),
        args.render.policy.as_deref(),
        args.render.input.as_deref(),
    ) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let errors = outcome
        .findings
        .iter()
        .filter(|f| f.severity == report::Severity::Error)
        .count();
    let refusal = format!(
        "render would refuse ({errors} error{} above), so there is no diff to show; this is not \"no changes\"",
        if errors == 1 { "" } else { "s" }
    );
    let input = String::from_utf8(input).expect("render accepted it as UTF-8");
    let changed = input != outcome.output;
    let code = finish(&args.render, &outcome, &refusal, || {
        Cow::Owned(diff::unified(&input, &outcome.output))
    });
    if code != ExitCode::from(exit::OK) {
        return code;
    }
    let documents = diff::changed_documents(&input, &outcome.output);
    let _ = writeln!(
        std::io::stderr(),
        "clearml-sso: {}",
        match documents {
            0 => "render would change nothing".to_string(),
            1 => "render would change 1 document".to_string(),
            n => format!("render would change {n} documents"),
        }
    );
    if args.exit_code && changed {
        ExitCode::from(exit::VIOLATION)
    } else {
        code
    }
}

pub fn explain(args: PolicyArgs) -> ExitCode {
    match policy_file::load(args.policy.as_deref()) {
        Ok(policy) => print(&explain::explain(&policy)),
        Err(e) => fail(exit::USAGE, &format!("clearml-sso: {e:#}")),
    }
}

pub fn values(args: PolicyArgs) -> ExitCode {
    match policy_file::load(args.policy.as_deref()) {
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
