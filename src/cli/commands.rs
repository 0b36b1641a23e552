//! What each command does, between parsed arguments and an exit code.
//!
//! The output contract: stdout carries only the command's output (the manifests for `render`)
//! and nothing at all when the command fails; findings and errors go to stderr; `--report`
//! is written before anything reaches stdout, and never to stdout itself. `check` is the one
//! command whose output *is* the findings: its stdout holds the report in the chosen format on
//! every exit (with `--format text`, an error that stops the run before any finding — exit 2 or
//! 3 — is on stderr only).
//!
//! A run stopped by a usage, policy or input error ([`Stop`]) still writes `--report` (the error
//! as a finding), unless the `--report` path itself is what is wrong.

use super::args::{CheckArgs, DiffArgs, InitArgs, PolicyArgs, ProbeArgs, ProbeFormat, RenderArgs};
use super::exit::{self, fail, print, Stop};
use super::{helm_stderr, policy_file, report_file};
use clearml_sso::{diff, explain, render_with, report, Outcome, RenderOptions};
use std::borrow::Cow;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// The name an input is shown by: its path, or `stdin`.
fn input_name(input: Option<&Path>) -> String {
    input
        .filter(|p| *p != Path::new("-"))
        .map_or("stdin".to_string(), |p| p.display().to_string())
}

/// Checks the `--report` path, loads the policy, reads the input and renders: the shared first
/// half of `render`, `check` and `diff`. `Err` says why the run stopped, and whether the
/// `--report` path can take a report about it (not when the path itself is the problem).
/// `deny_warnings` is `--deny-warnings`; `quiet` keeps the policy's notes off stderr.
fn prepare(
    report: Option<&Path>,
    policy: Option<&Path>,
    input: Option<&Path>,
    deny_warnings: bool,
    quiet: bool,
) -> Result<(Vec<u8>, Outcome), (Stop, bool)> {
    check_report(report, input, policy).map_err(|stop| (stop, false))?;
    let mut policy = policy_file::load(policy, quiet).map_err(|stop| (stop, true))?;
    if deny_warnings {
        policy.enforce.warnings = clearml_sso::policy::Warnings::Deny;
    }
    let name = input_name(input);
    let bytes = super::files::read(input, super::files::MAX_INPUT).map_err(|e| {
        let stop = Stop::in_file(exit::INPUT, format!("clearml-sso: {e:#}"), &name);
        (stop, true)
    })?;
    // Every command exits right after this one render: freeing the parsed documents (many
    // small nodes on a large stream) would only delay the exit.
    let options = RenderOptions { leak_parsed: true };
    let outcome = render_with(&bytes, &policy, options).map_err(|e| {
        let message = format!("input is not a readable manifest stream: {e}");
        let finding =
            report::Finding::new(report::UNREADABLE_INPUT, message.clone()).in_file(report::Spot {
                path: name.clone(),
                line: e.line,
                column: e.column,
            });
        let stop = Stop {
            code: exit::INPUT,
            message: format!("clearml-sso: {name}: {message}"),
            findings: vec![finding],
        };
        (stop, true)
    })?;
    Ok((bytes, outcome))
}

/// Ends a run [`prepare`] stopped: the report (when its path can take one), then, for `check`
/// in a machine-readable format, the same error as a document on stdout, then the message on
/// stderr. A report that cannot be written makes it exit 2, as everywhere.
fn stopped(
    (stop, report_usable): (Stop, bool),
    report_path: Option<&Path>,
    document: Option<(report::Format, &report::Style)>,
) -> ExitCode {
    let style = report::Style::default();
    let Stop {
        mut code,
        mut message,
        mut findings,
    } = stop;
    if report_usable {
        if let Err(e) = report_file::write(report_path, &findings, &style) {
            let why = format!("clearml-sso: {e:#}");
            code = exit::USAGE;
            findings.push(exit::usage_finding(&why));
            message.push('\n');
            message.push_str(&why);
        }
    }
    if let Some((format, style)) = document.filter(|(f, _)| *f != report::Format::Text) {
        let _ = std::io::stdout().write_all(report::format(&findings, format, style).as_bytes());
    }
    fail(code, &message)
}

/// A command line clap refused (already printed, exit 2): the error as a `usage-error` finding
/// in `--report` and, for `check` in a machine-readable format, on stdout — whatever of the
/// two could be read from the arguments. A `--report` path that names another argument's file
/// (or stdout) is left alone.
pub fn unparsed(salvaged: super::args::Salvaged, clap_error: &str) -> ExitCode {
    let message = clap_error
        .lines()
        .next()
        .unwrap_or_default()
        .trim_start_matches("error: ");
    let finding = report::Finding::new(report::USAGE_ERROR, message)
        .help("see `clearml-sso --help`, or `clearml-sso COMMAND --help`");
    let findings = [finding];
    let style = report::Style::default();
    let others: Vec<Option<std::path::PathBuf>> = salvaged.others.into_iter().map(Some).collect();
    let report = salvaged.report.as_deref();
    if report_file::check_path(report, &others).is_ok() {
        if let Err(e) = report_file::write(report, &findings, &style) {
            let _ = writeln!(std::io::stderr(), "clearml-sso: {e:#}");
        }
    }
    if let Some(format) = salvaged
        .format
        .filter(|f| salvaged.check && *f != report::Format::Text)
    {
        let _ = std::io::stdout().write_all(report::format(&findings, format, &style).as_bytes());
    }
    ExitCode::from(exit::USAGE)
}

/// The `--report` path checks every command that writes one runs first (see `report_file`).
fn check_report(
    report: Option<&Path>,
    input: Option<&Path>,
    policy: Option<&Path>,
) -> Result<(), Stop> {
    let inputs = [input.map(Path::to_path_buf), policy_file::find(policy).ok()];
    report_file::check_path(report, &inputs).map_err(|e| Stop::usage(format!("clearml-sso: {e:#}")))
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
                true,
                || Cow::Borrowed(&outcome.output),
            );
            if code == ExitCode::from(exit::OK) && !args.quiet {
                tell_helm_summary(&args, &outcome);
            }
            code
        }
        Err(stop) => stopped(stop, args.report.as_deref(), None),
    }
}

/// What stderr shows of a refused run: the findings that stand whatever render would
/// correct (its errors, and what it reports without correcting), the summary of those, and
/// `refusal`, with how many corrections were not made. The corrections themselves are not
/// listed: none of them happened (`check` lists them, saying what render would do).
fn refusal_text(outcome: &Outcome, refusal: &str) -> String {
    let standing: Vec<report::Finding> = outcome
        .findings
        .iter()
        .filter(|f| !f.fixed)
        .cloned()
        .collect();
    let not_made = outcome.findings.len() - standing.len();
    let mut text = report::format(&standing, report::Format::Text, &report::Style::default());
    text.push_str(&format!("clearml-sso: {refusal}"));
    if not_made > 0 {
        let s = if not_made == 1 { "" } else { "s" };
        text.push_str(&format!(
            " ({not_made} correction{s} it would also make: `clearml-sso check` lists them)"
        ));
    }
    text
}

/// Under Helm, which drops our stderr on success, the summary of what the render did goes to
/// Helm's own stderr (`helm_stderr`); elsewhere the findings on our stderr say it already.
fn tell_helm_summary(args: &RenderArgs, outcome: &Outcome) {
    let policy = policy_file::find(args.policy.as_deref())
        .map_or_else(|_| "FILE".to_string(), |p| p.display().to_string());
    if let Some(text) = report::helm_summary(outcome, &policy) {
        helm_stderr::tell_success(&text);
    }
}

/// The second half `render` and `diff` share: write the report (even on failure, and before
/// any byte reaches stdout), refuse on any error saying `refusal`, else print the findings to
/// stderr and `output()` to stdout. A report that cannot be written fails the run with
/// `exit::USAGE` (the command line asked for it), also when the render fails anyway: the
/// findings and the reason both go to stderr, stdout gets nothing. `writes`: the output is
/// the corrected manifests (`render`); else (`diff`) the findings say what render would do.
fn finish<'a>(
    args: &RenderArgs,
    outcome: &Outcome,
    refusal: &str,
    writes: bool,
    output: impl FnOnce() -> Cow<'a, str>,
) -> ExitCode {
    let style = report::Style {
        proposed: outcome.has_errors() || !writes,
        ..Default::default()
    };
    let report_error = report_file::write(args.report.as_deref(), &outcome.findings, &style)
        .err()
        .map(|e| format!("clearml-sso: {e:#}\n"));
    match (outcome.has_errors(), report_error) {
        (true, None) => fail(exit::VIOLATION, &refusal_text(outcome, refusal)),
        (true, Some(e)) => fail(
            exit::USAGE,
            &format!("{}\n{e}", refusal_text(outcome, refusal)),
        ),
        (false, Some(e)) => fail(
            exit::USAGE,
            &format!(
                "{}{e}clearml-sso: nothing was written",
                findings_text(outcome, &style)
            ),
        ),
        (false, None) => {
            if !args.quiet {
                let _ = std::io::stderr().write_all(findings_text(outcome, &style).as_bytes());
            }
            print(&output())
        }
    }
}

/// Findings as text with the summary line (empty when there are none).
fn findings_text(outcome: &Outcome, style: &report::Style) -> String {
    if outcome.findings.is_empty() {
        String::new()
    } else {
        report::format(&outcome.findings, report::Format::Text, style)
    }
}

pub fn check(args: CheckArgs) -> ExitCode {
    let style = report::Style {
        proposed: true,
        chart_root: args.chart_root.clone(),
        input: Some(input_name(args.input.as_deref())),
    };
    let (_, outcome) = match prepare(
        args.report.as_deref(),
        args.policy.as_deref(),
        args.input.as_deref(),
        args.deny_warnings,
        false,
    ) {
        Ok(r) => r,
        Err(stop) => return stopped(stop, args.report.as_deref(), Some((args.format, &style))),
    };
    if let Err(e) = report_file::write(args.report.as_deref(), &outcome.findings, &style) {
        // Exit 2 (the report asked for is missing); the document says so too.
        let why = format!("clearml-sso: {e:#}");
        let text = report::format(&outcome.findings, report::Format::Text, &style);
        let mut findings = outcome.findings;
        findings.push(exit::usage_finding(&why));
        let stop = Stop {
            code: exit::USAGE,
            message: format!("{text}{why}"),
            findings,
        };
        return stopped((stop, false), None, Some((args.format, &style)));
    }
    let printed = print(&report::format(&outcome.findings, args.format, &style));
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
        args.render.deny_warnings,
        args.render.quiet,
    ) {
        Ok(r) => r,
        Err(stop) => return stopped(stop, args.render.report.as_deref(), None),
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
    let code = finish(&args.render, &outcome, &refusal, false, || {
        Cow::Owned(diff::unified(&input, &outcome.output))
    });
    if code != ExitCode::from(exit::OK) {
        return code;
    }
    let documents = outcome.changed_documents(&input);
    if !args.render.quiet {
        let _ = writeln!(
            std::io::stderr(),
            "clearml-sso: {}",
            match documents {
                0 => "render would change nothing".to_string(),
                1 => "render would change 1 document".to_string(),
                n => format!("render would change {n} documents"),
            }
        );
    }
    // The documents whose text differs: exactly when the output is not the input.
    if args.exit_code && documents > 0 {
        ExitCode::from(exit::VIOLATION)
    } else {
        code
    }
}

/// `explain` and `values` refuse a policy `render` would refuse in any manifests: its
/// findings and why on stderr, exit 1, nothing on stdout.
fn refused_policy(findings: &[report::Finding]) -> ExitCode {
    let mut text = report::format(findings, report::Format::Text, &report::Style::default());
    text.push_str("clearml-sso: render refuses this policy whatever the manifests; fix it first");
    fail(exit::VIOLATION, &text)
}

pub fn explain(args: PolicyArgs) -> ExitCode {
    match policy_file::load(args.policy.as_deref(), false) {
        Ok(policy) => match explain::explain(&policy) {
            Ok(text) => {
                // No findings are printed on success: the policy's warnings as the parser's.
                let _ = write!(std::io::stderr(), "{}", policy.warnings_text());
                print(&text)
            }
            Err(findings) => refused_policy(&findings),
        },
        Err(stop) => fail(stop.code, &stop.message),
    }
}

pub fn values(args: PolicyArgs) -> ExitCode {
    match policy_file::load(args.policy.as_deref(), false) {
        Ok(policy) => match explain::values(&policy) {
            Ok(text) => {
                // No findings are printed on success: the policy's warnings as the parser's.
                let _ = write!(std::io::stderr(), "{}", policy.warnings_text());
                print(&text)
            }
            Err(findings) => refused_policy(&findings),
        },
        Err(stop) => fail(stop.code, &stop.message),
    }
}

/// `init`: the starter on stdout, or into `--output FILE`, which must not exist yet unless
/// `--force` (a policy someone edited is not overwritten by accident).
pub fn init(args: InitArgs) -> ExitCode {
    let text = match explain::init(&args.providers) {
        Ok(text) => text,
        Err(e) => return fail(exit::USAGE, &format!("clearml-sso: {e}")),
    };
    // `--output -` is stdout, as `-` is stdin for INPUT.
    let Some(path) = args.output.as_deref().filter(|p| *p != Path::new("-")) else {
        return print(&text);
    };
    let shown = path.display();
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if args.force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let written = super::files::open(path, &mut options)
        .and_then(|mut f| f.write_all(text.as_bytes()).and_then(|_| f.flush()));
    match written {
        Ok(()) => {
            let _ = writeln!(
                std::io::stderr(),
                "clearml-sso: wrote {shown}; next: clearml-sso explain --policy {shown}"
            );
            ExitCode::from(exit::OK)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => fail(
            exit::USAGE,
            &format!(
                "clearml-sso: {shown} exists; nothing was written (add --force to overwrite it)"
            ),
        ),
        Err(e) => fail(
            exit::USAGE,
            &format!("clearml-sso: cannot write {shown}: {e}"),
        ),
    }
}

/// `probe`: loads the policy, the `--secrets` files and `--ca-file`, then asks each provider.
/// A usage, policy or file error exits 2 with nothing on stdout; otherwise the results go to
/// stdout in `--format` and the exit code is the results' (0, 1 or 4).
pub fn probe(args: ProbeArgs) -> ExitCode {
    use clearml_sso::probe;
    let policy = match policy_file::load(args.policy.as_deref(), false) {
        Ok(p) => p,
        Err(stop) => return fail(stop.code, &stop.message),
    };
    let mut store = probe::secrets::Store::new();
    for path in &args.secrets {
        let shown = path.display().to_string();
        let bytes = match super::files::read(Some(path), super::files::MAX_POLICY) {
            Ok(b) => b,
            Err(e) => return fail(exit::USAGE, &format!("clearml-sso: {shown}: {e:#}")),
        };
        let Ok(text) = String::from_utf8(bytes) else {
            return fail(exit::USAGE, &format!("clearml-sso: {shown}: not UTF-8"));
        };
        if let Err(e) = store.add_text(&text, &shown) {
            return fail(exit::USAGE, &format!("clearml-sso: {e}"));
        }
    }
    let mut metadata = Vec::new();
    for given in &args.metadata {
        // `PROVIDER=FILE` when the part before `=` is a SAML provider the policy declares.
        let (provider, path) = match given.split_once('=') {
            Some((key, path)) if clearml_sso::catalogue::provider(key).is_some() => {
                let declared = policy.providers.iter().any(|p| {
                    p.spec.key == key && p.spec.client == clearml_sso::catalogue::Client::Saml
                });
                if !declared {
                    return fail(
                        exit::USAGE,
                        &format!("clearml-sso: --metadata {given}: the policy declares no SAML provider `{key}`"),
                    );
                }
                (Some(key.to_string()), path)
            }
            _ => (None, given.as_str()),
        };
        if provider.is_none() {
            let saml = policy
                .providers
                .iter()
                .filter(|p| p.spec.client == clearml_sso::catalogue::Client::Saml)
                .count();
            if saml != 1 {
                return fail(
                    exit::USAGE,
                    &format!("clearml-sso: --metadata {given}: the policy declares {saml} SAML providers; write --metadata PROVIDER=FILE"),
                );
            }
        }
        let bytes = match super::files::read(Some(Path::new(path)), super::files::MAX_POLICY) {
            Ok(b) => b,
            Err(e) => {
                return fail(
                    exit::USAGE,
                    &format!("clearml-sso: --metadata {path}: {e:#}"),
                )
            }
        };
        let Ok(text) = String::from_utf8(bytes) else {
            return fail(
                exit::USAGE,
                &format!("clearml-sso: --metadata {path}: not UTF-8"),
            );
        };
        metadata.push(probe::Metadata {
            provider,
            source: path.to_string(),
            text,
        });
    }
    let ca = match &args.ca_file {
        None => None,
        Some(path) => match super::files::read(Some(path), super::files::MAX_POLICY) {
            Ok(b) => Some(b),
            Err(e) => {
                return fail(
                    exit::USAGE,
                    &format!("clearml-sso: --ca-file {}: {e:#}", path.display()),
                )
            }
        },
    };
    let roots = match probe::http::roots(ca.as_deref()) {
        Ok(r) => r,
        Err(e) => {
            let shown = args
                .ca_file
                .as_ref()
                .map_or(String::new(), |p| p.display().to_string());
            return fail(exit::USAGE, &format!("clearml-sso: --ca-file {shown}: {e}"));
        }
    };
    let mut transport = probe::http::Ureq::new(std::time::Duration::from_secs(args.timeout), roots);
    let results = probe::run(
        &policy,
        &store,
        &metadata,
        &mut transport,
        probe::Options::default(),
    );
    let text = match args.format {
        ProbeFormat::Text => probe::text(&results),
        ProbeFormat::Json => probe::json(&results),
    };
    let printed = print(&text);
    if printed != ExitCode::from(exit::OK) {
        return printed;
    }
    let code = probe::exit_code(&results);
    debug_assert!(matches!(
        code,
        exit::OK | exit::VIOLATION | exit::INCONCLUSIVE
    ));
    ExitCode::from(code)
}
